"""Pure mutation helpers: each takes an event and returns a new one; the input never changes.

``where`` picks ``"request"`` or ``"response"`` headers; by default a request trigger edits
the request and a response trigger the response. These are the edits handlers make, so a
notebook can show a before/after or build test inputs without writing a handler.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote, unquote_plus, urlencode

from ..errors import EventError
from .build import cf_record, copy_event, custom_origin, s3_origin, status_phrase
from .headers import MutableHeaders, cookie_header, cookie_pairs

Where = Literal["request", "response"]


def _copy(event: Mapping[str, Any]) -> dict[str, Any]:
    return copy_event(dict(event))


def _part(event: dict[str, Any], where: Where | None) -> dict[str, Any]:
    cf = cf_record(event)
    if where is None:
        where = "response" if "response" in cf else "request"
    if where not in cf:
        raise EventError(f"this event has no {where} to edit", path=f"Records[0].cf.{where}")
    return cf[where]


def set_header(
    event: Mapping[str, Any], name: str, value: str, *, where: Where | None = None
) -> dict[str, Any]:
    """Replace every line of header ``name`` with one line ``value``."""
    out = _copy(event)
    MutableHeaders(_part(out, where).setdefault("headers", {}))[name] = value
    return out


def append_header(
    event: Mapping[str, Any], name: str, value: str, *, where: Where | None = None
) -> dict[str, Any]:
    """Add one more line of header ``name``."""
    out = _copy(event)
    MutableHeaders(_part(out, where).setdefault("headers", {})).append(name, value)
    return out


def remove_header(
    event: Mapping[str, Any], name: str, *, where: Where | None = None
) -> dict[str, Any]:
    """Remove every line of header ``name`` (no error when it is absent)."""
    out = _copy(event)
    MutableHeaders(_part(out, where).setdefault("headers", {})).remove(name)
    return out


def set_cookie(event: Mapping[str, Any], name: str, value: str) -> dict[str, Any]:
    """Set a request cookie, replacing one of that name, in a single ``Cookie`` line."""
    out = _copy(event)
    headers = MutableHeaders(_part(out, "request").setdefault("headers", {}))
    jar = [(k, v) for k, v in cookie_pairs(headers.get_list("cookie")) if k != name]
    jar.append((name, value))
    headers["Cookie"] = cookie_header(jar)
    return out


def set_response_cookie(
    event: Mapping[str, Any], name: str, value: str, *, attributes: str = "Path=/"
) -> dict[str, Any]:
    """Add a ``Set-Cookie`` line to the response."""
    cookie = f"{name}={value}" + (f"; {attributes}" if attributes else "")
    return append_header(event, "Set-Cookie", cookie, where="response")


def set_query_param(event: Mapping[str, Any], name: str, value: str | None) -> dict[str, Any]:
    """Set (or with ``None`` remove) one query-string parameter, keeping the others' order."""
    out = _copy(event)
    request = _part(out, "request")
    # Other parameters keep their exact text (encoding, '+', bare flags): only ``name``
    # changes, so a cache key built from the query string changes only where asked.
    kept = [
        piece
        for piece in request.get("querystring", "").split("&")
        if piece and unquote_plus(piece.partition("=")[0]) != name
    ]
    if value is not None:
        kept.append(urlencode([(name, value)], quote_via=quote))
    request["querystring"] = "&".join(kept)
    return out


def rewrite_uri(event: Mapping[str, Any], uri: str) -> dict[str, Any]:
    """Point the request at another object (the cache behaviour and origin stay, §1.3)."""
    if not uri.startswith("/"):
        raise EventError(f"a new uri must start with '/'; got {uri!r} (facts §1.3)", path="uri")
    out = _copy(event)
    _part(out, "request")["uri"] = uri
    return out


def set_body(
    event: Mapping[str, Any], data: str | bytes, *, encoding: Literal["text", "base64"] = "text"
) -> dict[str, Any]:
    """Replace the request body (``action: replace``, §1.4) or, in a response event, the body."""
    if encoding not in ("text", "base64"):
        raise EventError(
            f"encoding must be text or base64; got {encoding!r} (facts §1.4, §4)", path="body"
        )
    if isinstance(data, bytes) and encoding == "text":
        try:
            data = data.decode()
        except UnicodeDecodeError:
            raise EventError(
                "a text body must be UTF-8; pass encoding='base64' for binary "
                "data (facts §1.4, §4)",
                path="body",
            ) from None
    out = _copy(event)
    cf = cf_record(out)
    if "response" in cf:
        text = data
        if encoding == "base64":
            raw = data if isinstance(data, bytes) else data.encode()
            text = base64.b64encode(raw).decode("ascii")
        cf["response"]["body"] = text
        cf["response"]["bodyEncoding"] = encoding
        return out
    if encoding == "base64":
        raw = data if isinstance(data, bytes) else data.encode()
        payload = base64.b64encode(raw).decode("ascii")
    else:
        payload = data.decode() if isinstance(data, bytes) else data
    body = cf["request"].get("body", {"inputTruncated": False})
    body.update({"action": "replace", "encoding": encoding, "data": payload})
    cf["request"]["body"] = body
    return out


_ORIGIN_FIELDS = {
    "custom": {
        "port",
        "protocol",
        "path",
        "keepalive_timeout",
        "read_timeout",
        "ssl_protocols",
        "custom_headers",
    },
    "s3": {"path", "auth_method", "region", "custom_headers"},
}


def switch_origin(
    event: Mapping[str, Any],
    domain_name: str,
    *,
    kind: Literal["custom", "s3"] = "custom",
    set_host: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """Route the request to another origin (origin-request, §1.6), updating Host by default."""
    allowed = _ORIGIN_FIELDS.get(kind)
    if allowed is None:
        raise EventError(f"kind must be custom or s3; got {kind!r} (facts §1.6)", path="origin")
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise EventError(
            f"{kind} origin fields are {', '.join(sorted(allowed))}; got "
            f"{', '.join(unknown)} (facts §1.6)",
            path="origin",
        )
    out = _copy(event)
    request = _part(out, "request")
    request["origin"] = (
        custom_origin(domain_name, **fields)
        if kind == "custom"
        else s3_origin(domain_name, **fields)
    )
    if set_host:
        MutableHeaders(request.setdefault("headers", {}))["Host"] = domain_name
    return out


def set_status(
    event: Mapping[str, Any], status: int | str, description: str | None = None
) -> dict[str, Any]:
    """Change the response status (a string in events, §1.7)."""
    out = _copy(event)
    response = _part(out, "response")
    response["status"] = str(status)
    response["statusDescription"] = description or status_phrase(status)
    return out
