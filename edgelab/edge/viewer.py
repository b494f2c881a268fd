"""The viewer's request: what arrives at the edge before any function runs.

A :class:`ViewerRequest` is plain data: the HTTP request (method, uri, querystring,
headers as ``(name, value)`` pairs, body bytes) plus what CloudFront knows about the
viewer that is not in the request itself (client IP, geolocation from the IP, the edge
location that took the request, protocol, HTTP version). CloudFront turns the location
into ``CloudFront-Viewer-*`` headers only after viewer request (facts §7); see
:mod:`edgelab.edge.cloudfront_headers`.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..event.build import cookie_args, header_args
from ..event.headers import HeaderMap, header_map

DEFAULT_EDGE_LOCATION = "IAD89-C1"
DEFAULT_CLIENT_IP = "203.0.113.178"
DEFAULT_USER_AGENT = "curl/7.66.0"


def new_request_id() -> str:
    """A CloudFront-like request id (``x-edge-request-id``): 56 URL-safe base64 chars."""
    return base64.urlsafe_b64encode(os.urandom(42)).decode("ascii")


@dataclass
class ViewerRequest:
    """One request as a viewer sends it to an edge location."""

    uri: str = "/"
    method: str = "GET"
    querystring: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    client_ip: str = DEFAULT_CLIENT_IP
    client_port: int = 46532
    country: str | None = None
    country_name: str | None = None
    region: str | None = None
    region_name: str | None = None
    city: str | None = None
    postal_code: str | None = None
    time_zone: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    metro_code: str | None = None
    asn: int | None = None
    protocol: str = "https"
    http_version: str = "2.0"
    edge_location: str = DEFAULT_EDGE_LOCATION
    request_id: str | None = None
    time: float | None = None

    @classmethod
    def from_path(
        cls,
        path: str,
        *,
        headers: Mapping[str, str] | Iterable[Any] | None = None,
        cookies: Mapping[str, str] | Iterable[str] | None = None,
        method: str = "GET",
        body: bytes | str | None = None,
        **location: Any,
    ) -> ViewerRequest:
        """``/a/b?x=1`` plus headers (mapping, pairs or ``"Name: value"``) and cookies."""
        uri, _, qs = path.partition("?")
        pairs = header_args(headers)
        jar = cookie_args(cookies)
        if jar:
            pairs.append(("Cookie", "; ".join(f"{n}={v}" for n, v in jar)))
        if not any(n.lower() == "user-agent" for n, _ in pairs):
            pairs.insert(0, ("User-Agent", DEFAULT_USER_AGENT))
        data = body.encode() if isinstance(body, str) else body
        return cls(
            uri=uri or "/",
            method=method.upper(),
            querystring=qs,
            headers=pairs,
            body=data,
            **location,
        )

    def header(self, name: str, default: str | None = None) -> str | None:
        lower = name.lower()
        for n, v in self.headers:
            if n.lower() == lower:
                return v
        return default

    @property
    def user_agent(self) -> str:
        return self.header("user-agent", "") or ""

    def header_map(self, host: str) -> HeaderMap:
        """The request's headers in CloudFront's map; a missing ``Host`` is ``host``."""
        out = header_map(self.headers)
        if "host" not in out:
            out = {"host": [{"key": "Host", "value": host}], **out}
        return out

    def with_defaults(self, defaults: Mapping[str, Any]) -> ViewerRequest:
        """A copy with unset location fields taken from ``defaults`` (the ``[viewer]`` table)."""
        names = {f.name for f in fields(self)}
        changes = {
            k: v
            for k, v in defaults.items()
            if k in names and getattr(self, k) is None and v is not None
        }
        return replace(self, **changes) if changes else self

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["headers"] = [list(p) for p in self.headers]
        out["body"] = None if self.body is None else base64.b64encode(self.body).decode()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ViewerRequest:
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in data.items() if k in names}
        kw["headers"] = [(str(n), str(v)) for n, v in data.get("headers", [])]
        if kw.get("body") is not None:
            kw["body"] = base64.b64decode(kw["body"])
        return cls(**kw)
