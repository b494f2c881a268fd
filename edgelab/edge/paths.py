"""Path patterns and behaviour matching, as CloudFront does it (facts §3.1).

* Behaviours are tried in order; the first whose pattern matches wins; the default
  behaviour (``*``) is last and matches everything.
* ``*`` matches any run of characters, ``/`` included; ``?`` exactly one character.
* A leading ``/`` is optional (``images/*`` = ``/images/*``).
* Matching is case-sensitive and looks at the path only (no query string).
* The path is normalised first (RFC 3986 dot segments resolved, ``//`` collapsed), but
  the origin still gets the raw path: ``/a/b/..?c=1`` is matched as ``/a/``.
* The behaviour is chosen once, from the viewer's uri: a function that rewrites the uri
  does not re-select it (lambda-edge-facts §8.2), so the chain calls
  :func:`match_behavior` before viewer request and keeps the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol, TypeVar

#: §3.1: the characters a path pattern may use (``&`` is passed as ``&amp;``), max 255.
PATTERN_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.*$/~\"'@:+&?"
)
MAX_PATTERN_LENGTH = 255


class _HasPattern(Protocol):
    @property
    def path_pattern(self) -> str: ...
    @property
    def is_default(self) -> bool: ...


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid path pattern, or None (facts §3.1)."""
    if not isinstance(pattern, str) or not pattern:
        return f"a path pattern must be a non-empty string; got {pattern!r}"
    text = pattern.replace("&amp;", "&")
    if len(text) > MAX_PATTERN_LENGTH:
        return (
            f"a path pattern is at most {MAX_PATTERN_LENGTH} characters; got "
            f"{len(text)} ({pattern[:40]!r}...)"
        )
    bad = sorted({c for c in text if c not in PATTERN_CHARS})
    if bad:
        return (
            f"path pattern {pattern!r} has the character(s) {' '.join(map(repr, bad))}; "
            "allowed: A-Z a-z 0-9 _ - . * $ / ~ \" ' @ : + & and ? (facts §3.1)"
        )
    return None


def normalize_pattern(pattern: str) -> str:
    """The pattern with its leading ``/`` (optional in CloudFront) and ``&amp;`` as ``&``."""
    text = pattern.replace("&amp;", "&")
    return text if text.startswith(("/", "*")) else "/" + text


@lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    text = normalize_pattern(pattern)
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text]
    # "*.jpg" keeps no leading slash: its star covers it ("/a/b.jpg" matches).
    return re.compile("".join(parts), re.DOTALL)


def normalize_path(uri: str) -> str:
    """The path CloudFront matches: query dropped, ``//`` collapsed, dot segments
    resolved (RFC 3986 §5.2.4), always starting with ``/``."""
    path = uri.split("?", 1)[0].split("#", 1)[0] or "/"
    if not path.startswith("/"):
        path = "/" + path
    path = re.sub(r"/{2,}", "/", path)
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")[1:]
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == "..":
            if out:
                out.pop()
            if last:
                out.append("")
        elif seg == ".":
            if last:
                out.append("")
        else:
            out.append(seg)
    return "/" + "/".join(out)


def pattern_matches(pattern: str, uri: str) -> bool:
    """Whether one path pattern matches a viewer uri (facts §3.1)."""
    if pattern == "*":
        return True
    return _regex(pattern).fullmatch(normalize_path(uri)) is not None


B = TypeVar("B", bound=_HasPattern)


def match_behavior(behaviors: Sequence[B], uri: str) -> B:
    """The behaviour CloudFront uses for ``uri``: the first in order whose pattern
    matches, else the default (the last one, ``*``)."""
    if not behaviors:
        raise ValueError("a distribution needs at least its default behaviour")
    path = normalize_path(uri)
    for b in behaviors:
        if b.is_default or b.path_pattern == "*" or _regex(b.path_pattern).fullmatch(path):
            return b
    return behaviors[-1]
