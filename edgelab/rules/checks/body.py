"""Request and response bodies (facts §1.4, §4, §5.1): the body object of a request
(Include Body), its encodings, the replaced body's quota, and base64 in responses."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from ..catalogue import Check
from ..violation import RequestSubject, ResponseSubject

_ACTIONS = ("read-only", "replace")
_ENCODINGS = ("base64", "text")


def request_body(s: RequestSubject) -> None:
    """A changed request body: its object, and with action replace its data."""
    req = s.value
    if "body" not in req or req["body"] == s.before.get("body"):
        return
    body = req["body"]
    path = "request.body"
    if not isinstance(body, Mapping):
        s.add(
            Check.BODY_INVALID,
            path,
            "request.body must be an object {action, encoding, data}",
            actual=body,
        )
        return
    action = body.get("action", "read-only")
    if action not in _ACTIONS:
        s.add(
            Check.BODY_INVALID,
            f"{path}.action",
            "body.action must be read-only or replace",
            actual=action,
            limit="read-only | replace",
        )
    if action == "replace":
        _replaced(s, body, path)
    # with read-only, changes to data and encoding are ignored (§1.4)


def _replaced(s: RequestSubject, body: Mapping[str, Any], path: str) -> None:
    encoding = body.get("encoding", "base64")
    data = body.get("data", "")
    if encoding not in _ENCODINGS:
        s.add(
            Check.BODY_INVALID,
            f"{path}.encoding",
            "body.encoding must be base64 or text",
            actual=encoding,
            limit="base64 | text",
        )
        return
    if not isinstance(data, str):
        s.add(
            Check.BODY_INVALID,
            f"{path}.data",
            "body.data must be a string",
            actual=type(data).__name__,
        )
        return
    if encoding == "base64" and not is_base64(data):
        s.add(
            Check.BODY_BASE64_INVALID,
            f"{path}.data",
            "body.data is declared base64 but is not valid base64",
            section="§1.4",
            actual=data,
        )
    check = Check.BODY_REPLACE_BASE64 if encoding == "base64" else Check.BODY_REPLACE_TEXT
    limit = s.limit(check)
    size = len(data.encode())
    if limit is not None and size > limit:
        s.add(
            check,
            f"{path}.data",
            f"replaced body ({encoding}) is {size} bytes; {s.trigger.value} allows {int(limit)}",
            actual=size,
            limit=int(limit),
        )


def response_base64(s: ResponseSubject) -> None:
    """A response body declared base64 is valid base64."""
    body = s.body
    if (
        isinstance(body, str)
        and s.value.get("bodyEncoding", "text") == "base64"
        and not is_base64(body)
    ):
        s.add(
            Check.BODY_BASE64_INVALID,
            "response.body",
            "body is declared base64 but is not valid base64",
            section="§4",
            actual=body,
        )


def is_base64(data: str) -> bool:
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
