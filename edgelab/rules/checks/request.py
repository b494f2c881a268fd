"""The request's own fields (facts §1.3, §2, §6): the uri and query string a function
may rewrite, and the method and client IP it may not."""

from __future__ import annotations

import re

from ..catalogue import Check
from ..violation import RequestSubject

_BAD_URI = re.compile(r"[\x00-\x20\x7f#]")
_BAD_QS = re.compile(r"[\x00-\x20\x7f#]")
_READ_ONLY_FIELDS = ("method", "clientIp")


def uri(s: RequestSubject) -> None:
    """A uri starts with '/'; a changed one has no space, control character or '#'."""
    value = s.value.get("uri")
    if not isinstance(value, str):
        return  # shape.uri_is_a_string
    if not value.startswith("/"):
        s.add(
            Check.URI_INVALID,
            "request.uri",
            f"uri must start with '/'; got {value!r}",
            section="§1.3",
            actual=value,
            limit="starts with /",
        )
    elif value != s.before.get("uri") and _BAD_URI.search(value):
        s.add(
            Check.URI_INVALID,
            "request.uri",
            "uri has a space, control character or '#'",
            section="§2, §6",
            actual=value,
        )


def querystring(s: RequestSubject) -> None:
    """A query string is a string; a changed one has no leading '?', space, control
    character or '#'."""
    before = s.before.get("querystring", "")
    qs = s.value.get("querystring", before)
    if not isinstance(qs, str):
        s.add(
            Check.QUERYSTRING_INVALID,
            "request.querystring",
            "querystring must be a string",
            section="§1.3",
            actual=qs,
        )
        return
    if qs == before:
        return
    if qs.startswith("?"):
        s.add(
            Check.QUERYSTRING_INVALID,
            "request.querystring",
            "querystring must not start with '?'",
            section="§1.3",
            actual=qs,
        )
    if _BAD_QS.search(qs):
        s.add(
            Check.QUERYSTRING_INVALID,
            "request.querystring",
            "a query string a function sets must not contain spaces, control characters or '#'",
            section="§2",
            actual=qs,
        )


def read_only_fields(s: RequestSubject) -> None:
    req, before = s.value, s.before
    for field in _READ_ONLY_FIELDS:
        if field in req and req[field] != before.get(field):
            s.add(
                Check.READ_ONLY_FIELD,
                f"request.{field}",
                f"request.{field} is read-only (502)",
                actual=req[field],
                limit=before.get(field),
            )
