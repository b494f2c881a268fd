"""Quotas on the size of the whole request or response (facts §2, §4, §5.1, §5.3): each
reads its number from the rule set's limit table (``Check.limits``)."""

from __future__ import annotations

from collections.abc import Mapping

from ...event.headers import header_bytes
from ..catalogue import Check
from ..violation import RequestSubject, ResponseSubject


def uri_querystring_length(s: RequestSubject) -> None:
    max_len = s.limit(Check.URI_QUERYSTRING_LENGTH)
    length = len(s.uri) + len(s.querystring)
    if max_len is not None and length >= max_len:
        s.add(
            Check.URI_QUERYSTRING_LENGTH,
            "request",
            f"uri + querystring is {length} characters; it must be under {int(max_len)}",
            actual=length,
            limit=int(max_len),
        )


def request_size(s: RequestSubject) -> None:
    """Headers, uri and query string of a changed request, in bytes (not the body)."""
    size_limit = s.limit(Check.REQUEST_SIZE)
    before, headers = s.before, s.headers
    unchanged = (
        headers == before.get("headers")
        and s.uri == before.get("uri")
        and s.querystring == before.get("querystring")
    )
    if size_limit is None or unchanged or not isinstance(headers, dict):
        return
    size = len(s.uri) + len(s.querystring) + header_bytes(headers)
    if size > size_limit:
        s.add(
            Check.REQUEST_SIZE,
            "request",
            f"the request's headers, uri and query string "
            f"take {size} bytes; CloudFront allows {int(size_limit)}",
            actual=size,
            limit=int(size_limit),
        )


def response_size(s: ResponseSubject) -> None:
    """Headers and body of a generated or replaced response, in bytes."""
    body = s.body
    if not isinstance(body, str):
        return
    limit = s.limit(Check.GENERATED_RESPONSE_SIZE)
    headers = s.headers
    size = len(body.encode()) + (header_bytes(headers) if isinstance(headers, Mapping) else 0)
    if limit is not None and size > limit:
        s.add(
            Check.GENERATED_RESPONSE_SIZE,
            "response",
            f"the {'generated' if s.generated else ''}"
            f" response (headers + body) is {size} bytes; {s.trigger.value} allows "
            f"{int(limit)}".replace("the  ", "the "),
            actual=size,
            limit=int(limit),
        )
