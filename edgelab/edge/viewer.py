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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..errors import EventError
from ..event.build import (
    _BAD_VALUE_CHAR,
    _header_pair,
    _short,
    check_client_ip,
    check_country,
    check_method,
    check_querystring,
    check_uri,
    cookie_args,
    header_args,
)
from ..event.headers import HeaderMap, header_map
from ..event.jsoncheck import json_problem

DEFAULT_EDGE_LOCATION = "IAD89-C1"
DEFAULT_CLIENT_IP = "203.0.113.178"
#: What CloudFront reports in CloudFront-Viewer-Http-Version (facts §7).
HTTP_VERSIONS = ("0.9", "1.0", "1.1", "2.0", "3.0")
DEFAULT_USER_AGENT = "curl/7.66.0"


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
        """``/a/b?x=1`` plus headers (mapping, pairs or ``"Name: value"``) and cookies.

        Raises :class:`EventError` naming the field for anything a viewer could not send
        (see :meth:`check`)."""
        if not isinstance(path, str):
            check_uri(path, "path")
        unknown = sorted(set(location) - _LOCATION_FIELDS)
        if unknown:
            raise EventError(
                f"{unknown[0]!r} is not a viewer field; allowed: "
                f"{', '.join(sorted(_LOCATION_FIELDS))}",
                path=unknown[0],
            )
        uri, _, qs = path.partition("?")
        pairs = header_args(headers)
        jar = cookie_args(cookies)
        if jar:
            pairs.append(("Cookie", "; ".join(f"{n}={v}" for n, v in jar)))
        if not any(n.lower() == "user-agent" for n, _ in pairs):
            pairs.insert(0, ("User-Agent", DEFAULT_USER_AGENT))
        if body is not None and not isinstance(body, str | bytes | bytearray):
            raise EventError(
                f"body must be text or bytes; got a {type(body).__name__}", path="body"
            )
        try:
            data = body.encode() if isinstance(body, str) else body
        except UnicodeEncodeError:
            raise EventError(
                "body must be Unicode text (it holds a lone surrogate, which UTF-8 "
                "cannot encode); pass bytes for binary data",
                path="body",
            ) from None
        viewer = cls(
            uri=uri or "/",
            method=method,
            querystring=qs,
            headers=pairs,
            body=bytes(data) if data is not None else None,
            **location,
        )
        return viewer.check()

    def check(self) -> ViewerRequest:
        """Raise :class:`EventError` naming the field when this request is not one a viewer
        could send or CloudFront could locate; return the request itself otherwise."""
        self._check_http_request()
        check_client_ip(self.client_ip)
        if self.country is not None:
            self.country = check_country(self.country)
        _check_degrees(self)
        _check_location_texts(self)
        _check_whole_numbers(self)
        if self.protocol not in ("http", "https"):
            raise EventError(
                f"protocol must be http or https; got {_short(self.protocol)}", path="protocol"
            )
        if self.http_version not in HTTP_VERSIONS:
            raise EventError(
                f"http_version must be one of {', '.join(HTTP_VERSIONS)}; got "
                f"{_short(self.http_version)}",
                path="http_version",
            )
        return self

    def _check_http_request(self) -> None:
        """The HTTP request itself: uri, query string, method, header pairs, body bytes
        (the method and the header pairs come back in their checked form)."""
        check_uri(self.uri)
        check_querystring(self.querystring)
        self.method = check_method(self.method)
        if not isinstance(self.headers, list):
            raise EventError(
                f"headers must be a list of (name, value) pairs; got a "
                f"{type(self.headers).__name__}",
                path="headers",
            )
        self.headers = [_header_pair(*_pair(p), "headers") for p in self.headers]
        if self.body is not None and not isinstance(self.body, bytes):
            raise EventError(f"body must be bytes; got a {type(self.body).__name__}", path="body")

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


_LOCATION_FIELDS = frozenset(f.name for f in fields(ViewerRequest)) - {
    "uri",
    "method",
    "querystring",
    "headers",
    "body",
}


def _pair(item: Any) -> tuple[Any, Any]:
    if isinstance(item, tuple | list) and len(item) == 2:
        return item[0], item[1]
    raise EventError(f"headers must be (name, value) pairs; got {_short(item)}", path="headers")


#: The viewer's location fields that are text, when given.
_LOCATION_TEXTS = (
    "country_name",
    "region",
    "region_name",
    "city",
    "postal_code",
    "time_zone",
    "metro_code",
    "edge_location",
)


def _check_degrees(viewer: ViewerRequest) -> None:
    """Latitude and longitude, when given, are numbers of degrees in range."""
    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = getattr(viewer, name)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise EventError(
                f"{name} must be a number of degrees from {low} to {high}; got {_short(value)}",
                path=name,
            )


def _check_location_texts(viewer: ViewerRequest) -> None:
    """The text location fields, when given, are one line of JSON-safe text."""
    for name in _LOCATION_TEXTS:
        value = getattr(viewer, name)
        if value is not None and (
            not isinstance(value, str) or _BAD_VALUE_CHAR.search(value) or json_problem(value)
        ):
            raise EventError(
                f"{name} must be text (no line breaks or NUL); got {_short(value)}", path=name
            )


def _check_whole_numbers(viewer: ViewerRequest) -> None:
    """The client port, and the ASN when given, are whole numbers in range."""
    for name, low, high in (("client_port", 0, 65535), ("asn", 0, 4294967295)):
        value = getattr(viewer, name)
        if value is None and name == "asn":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise EventError(
                f"{name} must be a whole number from {low} to {high}; got {_short(value)}",
                path=name,
            )
