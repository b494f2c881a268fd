"""Is a value something CloudFront could carry as JSON? Depth and UTF-8, checked without
recursion.

Events and function results travel as JSON (facts §1.1, §6). Two things a Python value
can hold that no JSON document on the wire can: nesting so deep that parsing it (or
copying it, or printing it) overflows the stack, and strings that are not Unicode text
(a lone surrogate such as ``"\\ud800"`` cannot be encoded as UTF-8). :func:`json_problem`
finds the first of either with an explicit stack, so a 100,000-deep dict is refused in
microseconds instead of raising ``RecursionError`` somewhere later.

The depth limit is ``edgelab.limits.MAX_DEPTH``.
"""

from __future__ import annotations

import json
import marshal
import re
from collections.abc import Mapping
from typing import Any

from ..limits import MAX_DEPTH


def _bad_text(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def json_problem(value: Any, *, max_depth: int = MAX_DEPTH, strict: bool = False) -> str | None:
    """``None`` when ``value`` nests at most ``max_depth`` containers and all its strings
    (keys and values) encode as UTF-8; else one sentence saying what and where.

    ``strict`` also refuses what JSON cannot hold at all (objects other than dicts, lists,
    strings, numbers, booleans and None; keys that are not strings): an *event* is JSON,
    while a function's result is judged by the validator, which names a wrong type.

    The usual case (plain data, not deep) is settled in C: from ``marshal``'s version-2
    encoding (no back-references, so a shared or cyclic container is written out again
    each time it occurs), where a lone surrogate shows as the bytes ED A0-BF, which valid
    UTF-8 never holds, and an encoding with no more than ``max_depth`` container type
    codes cannot nest deeper than that; strictly, from the JSON encoder's output. Anything
    else is walked with an explicit stack.
    """
    try:
        if strict:
            data = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
            codes: tuple[bytes, ...] = (b"{", b"[")
        else:
            data = marshal.dumps(value, 2)
            codes = _CONTAINER_CODES
    except (ValueError, TypeError, RecursionError):
        # deeper than the encoder goes, a cycle, or objects it cannot write
        return _walk(value, max_depth, strict)
    if _SURROGATE_BYTES.search(data) or sum(map(data.count, codes)) > max_depth:
        return _walk(value, max_depth, strict)  # maybe: the walk says what and where
    return None


_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xbf]")
_CONTAINER_CODES = (b"{", b"[", b"(")  # marshal's dict, list and tuple type codes


def _too_deep(max_depth: int) -> str:
    return (
        f"it nests objects and lists more than {max_depth} levels deep (edgelab "
        f"refuses deeper JSON; CloudFront's own events are 9 levels deep)"
    )


def _walk(value: Any, max_depth: int, strict: bool = False) -> str | None:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _bad_text(item):
                return (
                    f"a string is not valid Unicode text ({_where(value, item)} holds a "
                    "lone surrogate, which UTF-8 cannot encode)"
                )
            continue
        if isinstance(item, int | float) or item is None:
            continue
        if isinstance(item, Mapping):
            children: Any = item.values()
            for key in item:
                if isinstance(key, str):
                    if _bad_text(key):
                        return (
                            f"a key is not valid Unicode text ({key!r} holds a lone "
                            "surrogate, which UTF-8 cannot encode)"
                        )
                elif strict:
                    return f"a key is a {type(key).__name__}; JSON object keys are strings"
        elif isinstance(item, list | tuple):
            children = item
        elif strict:
            return (
                f"{_where(value, item)} is a {type(item).__name__}; JSON holds only "
                "objects, arrays, strings, numbers, true, false and null"
            )
        else:
            continue
        if depth >= max_depth:
            return _too_deep(max_depth)
        stack.extend((child, depth + 1) for child in children)
    return None


def _where(root: Any, target: str) -> str:
    """The path of ``target`` inside ``root`` (depth-bounded, for the message only)."""
    stack: list[tuple[Any, str, int]] = [(root, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if item is target:
            return path or "the value"
        if depth > MAX_DEPTH:
            continue
        if isinstance(item, Mapping):
            stack.extend(
                (v, f"{path}.{_key(k)}" if path else _key(k), depth + 1) for k, v in item.items()
            )
        elif isinstance(item, list | tuple):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(item))
    return "the value"


def _key(key: Any) -> str:
    text = str(key)
    return text if text.isascii() and text.isprintable() else ascii(text)
