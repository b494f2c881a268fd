"""Header maps (facts §1.5, §3, §6, §13): their shape, the characters of names and values,
and what changed against the function's input on the rule set's header lists.

Map names may have any case (§13): they are compared lowercased, and the elements of
names that differ only in case count together, in map order. A header that passed
through unchanged was valid on the way in and is never an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from ..catalogue import Check
from ..header_lists import ADD_FORBIDDEN, DISALLOWED, READ_ONLY
from ..violation import RequestSubject, ResponseSubject, Subject

#: ``own``: the trigger's request or response; ``generated``: a response generated in a
#: request trigger (every header counts as added); ``custom``: origin custom headers.
Side = Literal["own", "generated", "custom"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token; use fullmatch
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_WIDE = re.compile(r"[^\x00-\xff]")


def request_headers(s: RequestSubject) -> None:
    header_map(s, s.headers, s.before.get("headers", {}), "request.headers", side="own")


def response_headers(s: ResponseSubject) -> None:
    side: Side = "generated" if s.generated else "own"
    header_map(s, s.headers, s.before_headers, "response.headers", side=side)


def header_map(
    s: Subject, after: Any, before: Mapping[str, Any] | None, path: str, *, side: Side
) -> bool:
    """Shape of a header map, then what changed against ``before`` (§1.5, §3); False
    when ``after`` is no map at all."""
    if type(after) is not dict and not isinstance(after, Mapping):
        _not_a_map(s, after, path, side)
        return False
    before = before or {}
    if after == before and all(type(elems) is list for elems in after.values()):
        return True  # passed through unchanged: it was valid on the way in
    changed: list[Any] = []
    lowercase = True  # every map name a lowercase str: the usual case
    for name, elems in after.items():
        if lowercase and (type(name) is not str or name != name.lower()):
            lowercase = False
        if before.get(name) != elems:
            changed.append(name)
        elif type(elems) is list:
            continue  # passed through unchanged: it was valid on the way in
        where = f"{path}.{name}"
        if type(name) is str and type(elems) is list and _TOKEN.fullmatch(name):
            for i, elem in enumerate(elems):
                _element(s, name, i, elem, f"{where}[{i}]")
        else:
            _header(s, name, elems, where)
    for name in before:
        if name not in after:
            if lowercase and (type(name) is not str or name != name.lower()):
                lowercase = False
            if after.get(name) != before[name]:
                changed.append(name)
    if not lowercase:
        # Names that differ only in case are one header: look at every name, lowercased.
        changed = list({str(n).lower() for n in (*after, *before)})
    _changes(s, after, before, path, changed, side=side)
    return True


def _not_a_map(s: Subject, after: Any, path: str, side: Side) -> None:
    if side == "custom":
        s.add(
            Check.HEADER_SHAPE,
            path,
            "customHeaders must be a header map",
            section="§1.6",
            actual=after,
        )
    else:
        s.add(
            Check.HEADER_SHAPE,
            path,
            "headers must be an object mapping header names to lists of {key, value}",
            section="§1.5",
            actual=type(after).__name__,
        )


def _header(s: Subject, name: Any, elems: Any, where: str) -> None:
    """One header of a map, whatever its name and elements."""
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        s.add(
            Check.HEADER_NAME_INVALID,
            where,
            f"header name {name!r} is not a valid "
            "HTTP token (RFC 9110: no spaces, colons, control or non-ASCII characters)",
            actual=name,
        )
        return
    if not isinstance(elems, list):
        s.add(
            Check.HEADER_SHAPE,
            where,
            f"header {name!r} must map to a list of {{key, value}} objects",
            section="§1.5",
            actual=type(elems).__name__,
        )
        return
    for i, elem in enumerate(elems):
        _element(s, name, i, elem, f"{where}[{i}]")


def _element(s: Subject, name: str, i: int, elem: Any, where: str) -> None:
    if not isinstance(elem, Mapping) or not isinstance(elem.get("value"), str):
        s.add(
            Check.HEADER_SHAPE,
            where,
            f"header {name!r} element {i} needs a string 'value'",
            section="§1.5",
            actual=elem,
        )
        return
    key = elem.get("key")
    if key is not None and not isinstance(key, str):
        s.add(
            Check.HEADER_SHAPE,
            f"{where}.key",
            f"header {name!r} element {i}: a header key must be a string",
            section="§1.5",
            actual=key,
        )
    elif key and not _TOKEN.fullmatch(key):
        s.add(
            Check.HEADER_NAME_INVALID,
            f"{where}.key",
            f"header {name!r} element {i} has "
            f"the key {key!r}, which is not a valid HTTP token (RFC 9110: no CR, LF, "
            "spaces, colons, control or non-ASCII characters)",
            actual=key,
        )
    value = elem["value"]
    bad = _BAD_VALUE.search(value)
    if bad:
        s.add(
            Check.HEADER_VALUE_INVALID,
            f"{where}.value",
            f"header {name!r} has the control character {_char(bad.group())} in its value (502)",
            actual=value,
        )
        return
    wide = _WIDE.search(value)
    if wide:
        s.add(
            Check.HEADER_VALUE_INVALID,
            f"{where}.value",
            f"header {name!r} has the character {_char(wide.group())} in its value, beyond "
            "Latin-1, which has no byte on the wire (502)",
            actual=value,
        )


def _changes(
    s: Subject,
    after: Mapping[str, Any],
    before: Mapping[str, Any],
    path: str,
    changed: list[str],
    *,
    side: Side,
) -> None:
    """Headers added, changed or removed (``changed``, lowercase names), against the
    rule set's header lists (§3)."""
    checked = side in ("own", "generated")
    trigger = s.trigger
    for name in sorted(changed):
        kinds = s.rules.header_kinds(name, trigger)
        if not kinds:
            continue
        old, new = _values(before, name), _values(after, name)
        if old == new:
            continue
        what = "added" if not old else "removed" if not new else "changed"
        if side == "generated":
            what = "put in a generated response"
        key = _key(after, name) or _key(before, name) or name
        where = f"{path}.{name}"
        if DISALLOWED in kinds and new:
            s.add(
                Check.DISALLOWED_HEADER,
                where,
                f"header {key!r} is disallowed for Lambda@Edge functions and was {what} (502)",
                actual=new,
                limit="not allowed",
            )
        if READ_ONLY in kinds and checked:
            s.add(
                Check.READ_ONLY_HEADER,
                where,
                f"header {key!r} is read-only in {trigger.value} and was {what} (502)",
                actual=new or None,
                limit=old or None,
            )
        if ADD_FORBIDDEN in kinds and new and checked:
            s.add(
                Check.VIEWER_COUNTRY_ADDED,
                where,
                f"header {key!r} may not be added or changed in {trigger.value} (502)",
                actual=new,
            )


def _values(headers: Mapping[str, Any], lower: str) -> list[str]:
    out: list[str] = []
    for name, elems in headers.items():
        if str(name).lower() == lower and isinstance(elems, list):
            out += [e.get("value", "") for e in elems if isinstance(e, Mapping)]
    return out


def _key(headers: Mapping[str, Any], lower: str) -> str | None:
    for name, elems in headers.items():
        if str(name).lower() == lower and isinstance(elems, list) and elems:
            first = elems[0]
            if isinstance(first, Mapping) and isinstance(first.get("key"), str):
                return first["key"]
    return None


def _char(c: str) -> str:
    """A character as a reader can see it: ``U+000D (CR)``."""
    names = {"\r": " (CR)", "\n": " (LF)", "\x00": " (NUL)", "\x7f": " (DEL)"}
    return f"U+{ord(c):04X}{names.get(c, '')}"
