"""Lambda@Edge events: build them, load them from other tools, save them.

An event is the plain JSON dict CloudFront sends (facts §1): ``{"Records": [{"cf": {...}}]}``.
:func:`build_event` with no options gives the same key paths, JSON types and header names
as AWS's own example for each trigger (``shared/spec/events/T.json``). :func:`load_event`
accepts events from other tools (SAM CLI's ``generate-event cloudfront``, the AWS docs),
fills in what CloudFront always sends, and says what it filled in ``notes``.
"""

from __future__ import annotations

import base64
import copy
import errno
import ipaddress
import json
import marshal
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ..errors import EventError
from ..limits import MAX_DEPTH
from ..rules.tables import RuleSet, get_rules
from ..triggers import Trigger
from .headers import HeaderMap, canonical_key, header_map
from .jsoncheck import json_problem

DISTRIBUTION_DOMAIN = "d111111abcdef8.cloudfront.net"
DISTRIBUTION_ID = "EDFDVBD6EXAMPLE"
EXAMPLE_REQUEST_ID = "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="
EXAMPLE_CLIENT_IP = "203.0.113.178"
EXAMPLE_VIA = "2.0 2afae0d44e2540f472c0635ab62c232b.cloudfront.net (CloudFront)"
DEVICES = ("desktop", "mobile", "tablet", "smarttv")
DEVICE_HEADERS = {
    "desktop": "CloudFront-Is-Desktop-Viewer",
    "mobile": "CloudFront-Is-Mobile-Viewer",
    "tablet": "CloudFront-Is-Tablet-Viewer",
    "smarttv": "CloudFront-Is-SmartTV-Viewer",
}

HeadersArg = Mapping[str, str] | Iterable[tuple[str, str]] | Iterable[str] | None

#: an IPv4 address as ipaddress.IPv4Address takes one: four decimal octets of ASCII
#: digits, 0-255, without leading zeros (anything else is left to ipaddress)
_IPV4 = re.compile(
    r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
)
# RFC 9110 §5.6.2: a method and a header name are tokens.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# What a viewer cannot put in a request line: controls, space, '#' (facts §2).
_BAD_URI_CHAR = re.compile(r"[\x00-\x20\x7f#]")
# A header value holds no line breaks or NUL (RFC 9110 §5.5).
_BAD_VALUE_CHAR = re.compile(r"[\x00\r\n]")
_COUNTRY = re.compile(r"[A-Za-z]{2}")


def custom_origin(
    domain_name: str = "example.org",
    *,
    port: int = 443,
    protocol: str = "https",
    path: str = "",
    keepalive_timeout: int = 5,
    read_timeout: int = 30,
    ssl_protocols: Iterable[str] = ("TLSv1", "TLSv1.1", "TLSv1.2"),
    custom_headers: HeadersArg = None,
) -> dict[str, Any]:
    """A ``request.origin`` for a custom origin, every field of §1.6."""
    return {
        "custom": {
            "customHeaders": header_map(header_args(custom_headers)),
            "domainName": domain_name,
            "keepaliveTimeout": keepalive_timeout,
            "path": path,
            "port": port,
            "protocol": protocol,
            "readTimeout": read_timeout,
            "sslProtocols": list(ssl_protocols),
        }
    }


def s3_origin(
    domain_name: str = "my-bucket.s3.amazonaws.com",
    *,
    path: str = "",
    auth_method: str = "none",
    region: str = "",
    custom_headers: HeadersArg = None,
) -> dict[str, Any]:
    """A ``request.origin`` for an S3 origin, every field of §1.6."""
    return {
        "s3": {
            "authMethod": auth_method,
            "customHeaders": header_map(header_args(custom_headers)),
            "domainName": domain_name,
            "path": path,
            "region": region,
        }
    }


def _default_request_headers(trigger: Trigger) -> list[tuple[str, str]]:
    if trigger in (Trigger.VIEWER_REQUEST, Trigger.VIEWER_RESPONSE):
        return [("Host", DISTRIBUTION_DOMAIN), ("User-Agent", "curl/7.66.0"), ("accept", "*/*")]
    return [
        ("X-Forwarded-For", EXAMPLE_CLIENT_IP),
        ("User-Agent", "Amazon CloudFront"),
        ("Via", EXAMPLE_VIA),
        ("Host", "example.org"),
        ("Cache-Control", "no-cache, cf-no-cache"),
    ]


_DEFAULT_RESPONSE_HEADERS = [
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Allow-Origin", "*"),
    ("Date", "Mon, 13 Jan 2020 20:12:38 GMT"),
    ("Referrer-Policy", "no-referrer-when-downgrade"),
    ("Server", "ExampleCustomOriginServer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("X-XSS-Protection", "1; mode=block"),
]


def header_args(headers: HeadersArg, what: str = "headers") -> list[tuple[str, str]]:
    """Accept a mapping, ``(name, value)`` pairs, or ``"Name: value"`` strings."""
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        items: Iterable[Any] = list(headers.items())
    elif isinstance(headers, str | bytes) or not isinstance(headers, Iterable):
        raise EventError(
            f"{what} must be a mapping of name to value, (name, value) pairs or "
            f"'Name: value' strings; got {_kind(headers)}",
            path=what,
        )
    else:
        items = headers
    pairs = []
    for item in items:
        if isinstance(item, str):
            name, sep, value = item.partition(":")
            if not sep or not name.strip():
                raise EventError(
                    f"a header must look like 'Name: value'; got {_short(item)}", path=what
                )
            name, value = name.strip(), value.strip()
        elif isinstance(item, tuple | list) and len(item) == 2:
            name, value = item
        else:
            raise EventError(
                f"a header must be 'Name: value' or a (name, value) pair; got {_kind(item)}",
                path=what,
            )
        pairs.append(_header_pair(name, value, what))
    return pairs


def _header_pair(name: Any, value: Any, what: str) -> tuple[str, str]:
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise EventError(
            f"a header name must be an HTTP token (letters, digits and "
            f"!#$%&'*+-.^_`|~; RFC 9110 §5.6.2); got {_short(name)}",
            path=what,
        )
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise EventError(
            f"header {name!r} must have a text (or number) value; got {_kind(value)}", path=what
        )
    value = str(value)
    if _BAD_VALUE_CHAR.search(value) or json_problem(value):
        raise EventError(
            f"header {name!r} has a value with a line break, a NUL or a lone "
            f"surrogate, which no HTTP request can carry; got {_short(value)}",
            path=what,
        )
    return name, value


def _kind(value: Any) -> str:
    """A short description of a bad value: never the repr of a huge or deep object."""
    if isinstance(value, str | bytes | int | float | bool) or value is None:
        return _short(value)
    return f"a {type(value).__name__}"


def _short(value: Any, width: int = 60) -> str:
    if isinstance(value, Mapping | list | tuple | set):
        return f"a {type(value).__name__}"
    text = ascii(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 4] + "...'"


def cookie_args(cookies: Mapping[str, str] | Iterable[str] | None) -> list[tuple[str, str]]:
    if cookies is None:
        return []
    if isinstance(cookies, Mapping):
        items = [
            f"{k}={v}" if isinstance(k, str) and isinstance(v, str | int | float) else (k, v)
            for k, v in cookies.items()
        ]
    elif isinstance(cookies, str | bytes) or not isinstance(cookies, Iterable):
        raise EventError(
            f"cookies must be a mapping of name to value or 'name=value' strings;"
            f" got {_kind(cookies)}",
            path="cookie",
        )
    else:
        items = list(cookies)
    pairs = []
    for item in items:
        if not isinstance(item, str):
            raise EventError(
                f"a cookie must look like name=value; got {_kind(item)}", path="cookie"
            )
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or _BAD_VALUE_CHAR.search(item) or json_problem(item):
            raise EventError(
                f"a cookie must look like name=value (no line breaks, NUL or "
                f"lone surrogates); got {_short(item)}",
                path="cookie",
            )
        pairs.append((name.strip(), value.strip()))
    return pairs


def _merge_headers(defaults: list[tuple[str, str]], given: list[tuple[str, str]]) -> HeaderMap:
    """Defaults first; a given name replaces the default lines of that name."""
    given_names = {n.lower() for n, _ in given}
    return header_map([(n, v) for n, v in defaults if n.lower() not in given_names] + given)


def encode_body(
    data: str | bytes,
    trigger: Trigger,
    rules: RuleSet | str | None = None,
) -> dict[str, Any]:
    """``request.body`` as Include Body exposes it: base64, truncated at the limit (§1.4)."""
    raw = data.encode() if isinstance(data, str) else bytes(data)
    ruleset = rules if isinstance(rules, RuleSet) else get_rules(rules)
    exposed = ruleset.limit("body-exposed", trigger)
    limit = len(raw) if exposed is None else int(exposed)
    return {
        "inputTruncated": len(raw) > limit,
        "action": "read-only",
        "encoding": "base64",
        "data": base64.b64encode(raw[:limit]).decode("ascii"),
    }


def status_phrase(status: int | str) -> str:
    try:
        return HTTPStatus(int(status)).phrase
    except ValueError:
        return ""


def build_event(
    trigger: Trigger | str,
    *,
    uri: str = "/",
    method: str = "GET",
    querystring: str = "",
    headers: HeadersArg = None,
    cookies: Mapping[str, str] | Iterable[str] | None = None,
    client_ip: str = EXAMPLE_CLIENT_IP,
    body: str | bytes | None = None,
    origin: Mapping[str, Any] | None = None,
    status: int | str | None = None,
    status_description: str | None = None,
    response_headers: HeadersArg = None,
    country: str | None = None,
    device: str | None = None,
    request_id: str = EXAMPLE_REQUEST_ID,
    distribution_domain: str = DISTRIBUTION_DOMAIN,
    distribution_id: str = DISTRIBUTION_ID,
    rules: RuleSet | str | None = None,
) -> dict[str, Any]:
    """A Lambda@Edge event for ``trigger``; with no options, AWS's example event (§1).

    ``body`` turns on Include Body semantics (request triggers only, §1.4): the data is
    base64-encoded and truncated at the trigger's exposed-body limit with
    ``inputTruncated: true``. ``country`` and ``device`` (one of desktop, mobile, tablet,
    smarttv) add the CloudFront headers of §7, which CloudFront adds only after viewer
    request, so they are refused for ``viewer-request``.
    """
    trig = Trigger.parse(trigger)
    uri = check_uri(uri)
    querystring = check_querystring(querystring)
    method = check_method(method)
    client_ip = check_client_ip(client_ip)
    given = _given_headers(trig, headers, cookies, country, device)
    _check_strings(request_id, distribution_domain, distribution_id, status_description)
    _check_body_and_origin(body, origin)
    request: dict[str, Any] = {
        "clientIp": client_ip,
        "headers": _merge_headers(_default_request_headers(trig), given),
        "method": method,
        "querystring": querystring,
        "uri": uri,
    }
    _add_body(request, trig, body, rules)
    _add_origin(request, trig, origin)
    cf: dict[str, Any] = {
        "config": {
            "distributionDomainName": distribution_domain,
            "distributionId": distribution_id,
            "eventType": trig.value,
            "requestId": request_id,
        },
        "request": request,
    }
    response = _response(trig, status, status_description, response_headers)
    if response is not None:
        cf["response"] = response
    return {"Records": [{"cf": cf}]}


def _given_headers(
    trig: Trigger,
    headers: HeadersArg,
    cookies: Mapping[str, str] | Iterable[str] | None,
    country: Any,
    device: Any,
) -> list[tuple[str, str]]:
    """The request headers asked for: ``headers``, then one Cookie, then the viewer's."""
    given = header_args(headers)
    cookie_pairs = cookie_args(cookies)
    if cookie_pairs:
        given.append(("Cookie", "; ".join(f"{n}={v}" for n, v in cookie_pairs)))
    return given + _viewer_headers(trig, country, device)


def _viewer_headers(trig: Trigger, country: Any, device: Any) -> list[tuple[str, str]]:
    """The CloudFront-Viewer-Country and CloudFront-Is-*-Viewer headers asked for; CloudFront
    adds them after viewer request only (facts §7)."""
    if country is None and device is None:
        return []
    if trig is Trigger.VIEWER_REQUEST:
        raise EventError(
            "country and device headers are added by CloudFront after viewer request, so a "
            "viewer-request function never sees them (facts §7); use another trigger, or "
            "--header to simulate a viewer that sends them itself",
            path="headers",
        )
    added: list[tuple[str, str]] = []
    if country is not None:
        added.append(("CloudFront-Viewer-Country", check_country(country)))
    if device is not None:
        if not isinstance(device, str) or device not in DEVICES:
            raise EventError(
                f"device must be one of {', '.join(DEVICES)}; got {_kind(device)}",
                path="device",
            )
        added += [(h, "true" if d == device else "false") for d, h in DEVICE_HEADERS.items()]
    return added


def _add_body(
    request: dict[str, Any], trig: Trigger, body: str | bytes | None, rules: RuleSet | str | None
) -> None:
    """Include Body: the body as the trigger exposes it, and its Content-Length (§1.4)."""
    if body is None:
        return
    if not trig.is_request:
        raise EventError(
            f"body is the request body exposed by Include Body, which exists only for "
            f"viewer-request and origin-request; {trig.value} does not get it (facts §1.4, "
            "§1.7)",
            path="body",
        )
    request["body"] = encode_body(body, trig, rules)
    size = len(body.encode() if isinstance(body, str) else body)
    request["headers"].setdefault("content-length", [{"key": "Content-Length", "value": str(size)}])


def _add_origin(request: dict[str, Any], trig: Trigger, origin: Mapping[str, Any] | None) -> None:
    """The origin, in origin-request and origin-response events only (§1.3)."""
    if trig in (Trigger.ORIGIN_REQUEST, Trigger.ORIGIN_RESPONSE):
        request["origin"] = copy.deepcopy(dict(origin)) if origin else custom_origin()
    elif origin is not None:
        raise EventError(
            f"origin exists only in origin-request and origin-response events; "
            f"not in {trig.value} (facts §1.3)",
            path="origin",
        )


def _response(
    trig: Trigger,
    status: int | str | None,
    status_description: str | None,
    response_headers: HeadersArg,
) -> dict[str, Any] | None:
    """The response of a response trigger's event; None for request triggers (§1.1)."""
    if trig.is_request:
        if status is not None or response_headers is not None:
            raise EventError(
                f"status and response headers belong to response triggers; "
                f"{trig.value} has no response (facts §1.1)",
                path="response",
            )
        return None
    code = 200 if status is None else _status_int(status)
    defaults = list(_DEFAULT_RESPONSE_HEADERS)
    if trig is Trigger.VIEWER_RESPONSE:
        defaults.append(("Age", "2402"))
    defaults += [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "9593")]
    return {
        "headers": _merge_headers(defaults, header_args(response_headers)),
        "status": str(code),
        "statusDescription": status_description or status_phrase(code),
    }


def _check_strings(
    request_id: Any, distribution_domain: Any, distribution_id: Any, status_description: Any
) -> None:
    for name, value in (
        ("request_id", request_id),
        ("distribution_domain", distribution_domain),
        ("distribution_id", distribution_id),
    ):
        if not isinstance(value, str) or json_problem(value):
            raise EventError(f"{name} must be a string; got {_kind(value)}", path=name)
    if status_description is not None and (
        not isinstance(status_description, str) or json_problem(status_description)
    ):
        raise EventError(
            f"status_description must be a string; got {_kind(status_description)}",
            path="status_description",
        )


def _check_body_and_origin(body: Any, origin: Any) -> None:
    if body is not None and not isinstance(body, str | bytes | bytearray):
        raise EventError(f"body must be text or bytes; got {_kind(body)}", path="body")
    if isinstance(body, str) and json_problem(body):
        raise EventError(
            "body must be Unicode text (it holds a lone surrogate, which UTF-8 "
            "cannot encode); pass bytes for binary data",
            path="body",
        )
    if origin is not None:
        if not isinstance(origin, Mapping):
            raise EventError(
                f"origin must be a dict such as custom_origin(...) or "
                f"s3_origin(...); got {_kind(origin)}",
                path="origin",
            )
        problem = json_problem(origin, strict=True)
        if problem:
            raise EventError(f"origin cannot be used: {problem}", path="origin")


def _status_int(status: int | str) -> int:
    try:
        if isinstance(status, bool) or not isinstance(status, int | str):
            raise TypeError
        code = int(status)
    except (TypeError, ValueError, OverflowError):
        raise EventError(
            f"status must be an HTTP status number such as 200 or 404; got {_kind(status)}",
            path="status",
        ) from None
    if not 200 <= code <= 599:
        raise EventError(
            f"status must be a final HTTP status, 200-599 (what an origin answers "
            f"and a response trigger sees, facts §1.7); got {_kind(status)}",
            path="status",
        )
    return code


def check_uri(uri: Any, what: str = "uri") -> str:
    """A request uri as a viewer can send it: starts with '/', no space, control or '#'."""
    if not isinstance(uri, str):
        raise EventError(
            f"{what} must be a string starting with '/'; got {_kind(uri)} (facts §1.3)", path=what
        )
    if not uri.startswith("/"):
        raise EventError(f"{what} must start with '/'; got {_short(uri)} (facts §1.3)", path=what)
    if _BAD_URI_CHAR.search(uri) or json_problem(uri):
        raise EventError(
            f"{what} must not contain spaces, control characters, '#' or lone "
            f"surrogates (percent-encode them, facts §2); got {_short(uri)}",
            path=what,
        )
    return uri


def check_querystring(querystring: Any, what: str = "querystring") -> str:
    """A query string without the leading '?': no space, control or '#' (facts §2)."""
    if not isinstance(querystring, str):
        raise EventError(
            f"{what} must be a string (without the leading '?'); got {_kind(querystring)}",
            path=what,
        )
    querystring = querystring.removeprefix("?")
    if _BAD_URI_CHAR.search(querystring) or json_problem(querystring):
        raise EventError(
            f"{what} must not contain spaces, control characters, '#' or lone "
            f"surrogates (percent-encode them, facts §2); got "
            f"{_short(querystring)}",
            path=what,
        )
    return querystring


def check_method(method: Any, what: str = "method") -> str:
    """An HTTP method: a token (RFC 9110 §9.1), upper-cased as CloudFront passes it on."""
    if not isinstance(method, str) or not _TOKEN.fullmatch(method):
        raise EventError(
            f"{what} must be an HTTP method, a single token such as GET, POST or "
            f"OPTIONS (RFC 9110 §9.1); got {_kind(method)}",
            path=what,
        )
    return method.upper()


def check_client_ip(client_ip: Any, what: str = "client_ip") -> str:
    """An IPv4 or IPv6 address, as CloudFront puts in ``clientIp`` (facts §1.3)."""
    if type(client_ip) is str and (_IPV4.fullmatch(client_ip) or _ipv6(client_ip)):
        return client_ip  # the usual forms, as ipaddress reads them (at a fraction of its cost)
    try:
        if not isinstance(client_ip, str):
            raise ValueError
        ipaddress.ip_address(client_ip)
    except ValueError:
        raise EventError(
            f"{what} must be an IPv4 or IPv6 address such as 203.0.113.178; got {_kind(client_ip)}",
            path=what,
        ) from None
    return client_ip


def _ipv6(text: str) -> bool:
    """Whether the C library reads ``text`` as an IPv6 address (``inet_pton``): all it
    takes, ``ipaddress`` takes too (a zone such as ``%eth0`` it does not take is left to
    ``ipaddress``), at a thirtieth of the cost."""
    if ":" not in text:
        return False
    try:
        _INET_PTON(_AF_INET6, text)
    except (OSError, ValueError):  # (a NUL or a character beyond ASCII: ValueError)
        return False
    return True


_INET_PTON, _AF_INET6 = socket.inet_pton, socket.AF_INET6


def check_country(country: Any, what: str = "country") -> str:
    """An ISO 3166-1 alpha-2 code (two letters), upper-cased (facts §7)."""
    if not isinstance(country, str) or not _COUNTRY.fullmatch(country):
        raise EventError(
            f"{what} must be an ISO 3166-1 alpha-2 country code, two letters such "
            f"as US or FR (facts §7); got {_kind(country)}",
            path=what,
        )
    return country.upper()


# --------------------------------------------------------------------------------------
# Loading events from files and other tools
# --------------------------------------------------------------------------------------


@dataclass
class LoadedEvent:
    """An event made usable: the event, its trigger, and what was filled in or changed."""

    event: dict[str, Any]
    trigger: Trigger
    notes: list[str] = field(default_factory=list)


def copy_event(value: Any) -> Any:
    """A deep copy of JSON-shaped data, several times faster than ``copy.deepcopy``.

    ``marshal`` copies dicts, lists, strings and numbers exactly, in C; a value holding
    anything else (an object a Python handler put there) falls back to a recursive copy.
    """
    try:
        return marshal.loads(marshal.dumps(value))
    except ValueError:
        return _copy_any(value)


def _copy_any(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _copy_any(v) for k, v in value.items()}
    if kind is list:
        return [_copy_any(v) for v in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


def cf_record(event: Mapping[str, Any]) -> dict[str, Any]:
    """``event["Records"][0]["cf"]``, the part every handler reads (§1.1)."""
    return event["Records"][0]["cf"]


def read_event_file(path: str | Path) -> Any:
    """The JSON in ``path``, or an :class:`EventError` that says why it is unusable."""
    if not isinstance(path, str | Path):
        raise EventError(f"an event is a dict or the path of a JSON file; got {_kind(path)}")
    shown = _short(str(path), 120)
    try:
        p = Path(path)
        if not p.is_file():
            raise EventError(
                f"event file {shown} does not exist or is not a file; give the "
                "path of a JSON event (edgelab event TRIGGER > event.json makes "
                "one)"
            )
        text = p.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        if isinstance(exc, EventError):
            raise
        if isinstance(exc, UnicodeDecodeError):
            raise EventError(
                f"event file {shown} is not UTF-8 text: {exc.reason} at byte {exc.start}"
            ) from None
        if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
            raise EventError(
                f"event file {shown} is not a usable path: a name in it is "
                "longer than the file system allows (was an event's JSON text "
                "passed where a path was expected? pass a dict)"
            ) from None
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise EventError(f"event file {shown} cannot be read: {reason}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EventError(
            f"event file {shown} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise EventError(
            f"event file {shown} nests objects and lists too deeply to parse; "
            f"an event may be at most {MAX_DEPTH} levels deep"
        ) from None


def load_event(
    source: str | Path | Mapping[str, Any], *, trigger: Trigger | str | None = None
) -> LoadedEvent:
    """Load an event from a path or a dict and normalise it (see :func:`normalize_event`).

    Anything else (a number, a list, a string that cannot be a path) is an
    :class:`EventError`, as is an event nested deeper than ``edgelab.limits.MAX_DEPTH``
    levels or holding a string that is not Unicode text.
    """
    if isinstance(source, Mapping):
        return normalize_event(source, trigger=trigger)
    if not isinstance(source, str | Path):
        raise EventError(
            f'an event is a dict (the whole {{"Records": [...]}} object) or the '
            f"path of a JSON file; got {_kind(source)}"
        )
    return normalize_event(read_event_file(source), trigger=trigger, source=str(source))


def save_event(event: Mapping[str, Any], path: str | Path) -> None:
    Path(path).write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")


def infer_trigger(cf: Mapping[str, Any]) -> Trigger:
    """Trigger of an event without ``config.eventType`` (SAM's samples have none).

    A ``response`` makes it a response trigger, an ``origin`` in the request an origin
    trigger; so SAM's samples come out as viewer-request or viewer-response.
    """
    has_origin = isinstance(cf.get("request"), Mapping) and "origin" in cf["request"]
    if "response" in cf:
        return Trigger.ORIGIN_RESPONSE if has_origin else Trigger.VIEWER_RESPONSE
    return Trigger.ORIGIN_REQUEST if has_origin else Trigger.VIEWER_REQUEST


#: makes the error for a bad event: (message, path of the bad key)
Fail = Callable[[str, str], EventError]


def normalize_event(
    data: Any, *, trigger: Trigger | str | None = None, source: str = ""
) -> LoadedEvent:
    """Check ``data`` is a Lambda@Edge event and fill in what CloudFront always sends.

    Raises :class:`EventError` naming the bad key when the event cannot be used; returns
    a deep copy with ``notes`` saying what was filled (a missing ``querystring``, a
    missing ``eventType``, a missing ``request`` ...).
    """

    def fail(msg: str, path: str) -> EventError:
        return EventError(msg, path=path, source=source)

    notes: list[str] = []
    cf = _first_record(data, notes, fail)
    config = cf.get("config", {})
    if not isinstance(config, Mapping):
        raise fail("cf.config must be an object", "Records[0].cf.config")
    config = dict(config)
    trig = _event_trigger(cf, config.get("eventType"), trigger, notes, fail)
    _fill_config(config, notes)
    config["eventType"] = trig.value
    cf["config"] = config

    if "request" not in cf:
        cf["request"] = cf_record(build_event(trig))["request"]
        notes.append(
            "cf.request was missing (CloudFront always sends it, facts §1.1); filled "
            "with the example request for this trigger"
        )
    request = cf["request"]
    if not isinstance(request, Mapping):
        raise fail("cf.request must be an object", "Records[0].cf.request")
    request = dict(request)
    _normalize_request(request, trig, notes, fail)
    cf["request"] = request

    if trig.is_request:
        if "response" in cf:
            del cf["response"]
            notes.append(f"cf.response dropped: {trig.with_article} event has no response (§1.1)")
    else:
        if "response" not in cf:
            raise fail(
                f"{trig.with_article} event needs cf.response with at least a status "
                "(facts §1.1, §1.7)",
                "Records[0].cf.response",
            )
        cf["response"] = _normalize_response(cf["response"], notes, fail)
    _note_hidden_headers(cf, trig, notes)
    return LoadedEvent({"Records": [{"cf": cf}]}, trig, notes)


def _first_record(data: Any, notes: list[str], fail: Fail) -> dict[str, Any]:
    """A copy of ``Records[0].cf``, the one record CloudFront sends (facts §1.1)."""
    if not isinstance(data, Mapping):
        raise fail(
            f"an event must be a JSON object with a Records list; got {type(data).__name__}", ""
        )
    problem = json_problem(data, strict=True)
    if problem:
        raise fail(f"the event cannot be used: {problem}", "")
    records = data.get("Records")
    if not isinstance(records, list) or not records:
        raise fail(
            "an event needs a non-empty 'Records' list, as in "
            '{"Records": [{"cf": {...}}]} (facts §1.1)',
            "Records",
        )
    if len(records) > 1:
        notes.append(
            f"the event has {len(records)} records; CloudFront sends one, "
            "so only Records[0] is used"
        )
    record = records[0]
    if not isinstance(record, Mapping) or not isinstance(record.get("cf"), Mapping):
        raise fail(
            "Records[0] needs a 'cf' object with config and request (facts §1.1)", "Records[0].cf"
        )
    return copy_event(dict(record["cf"]))


def _event_trigger(
    cf: dict[str, Any],
    declared: Any,
    trigger: Trigger | str | None,
    notes: list[str],
    fail: Fail,
) -> Trigger:
    """The trigger asked for, else the event's ``eventType``, else the one its shape says."""
    if trigger is not None:
        trig = Trigger.parse(trigger)
        if declared and declared != trig.value:
            notes.append(f"config.eventType was {declared!r}; set to {trig.value!r} as asked")
        return trig
    if declared:
        try:
            return Trigger(declared)
        except ValueError:
            raise fail(
                f"config.eventType must be one of viewer-request, origin-request, "
                f"origin-response, viewer-response; got {declared!r}",
                "Records[0].cf.config.eventType",
            ) from None
    trig = infer_trigger(cf)
    notes.append(
        f"config.eventType is missing; inferred {trig.value!r} from the event's "
        "shape (a response makes it a response trigger, an origin an origin "
        "trigger); pass a trigger to choose another"
    )
    return trig


def _fill_config(config: dict[str, Any], notes: list[str]) -> None:
    """The config fields CloudFront always sends, with AWS's example values (facts §1.2)."""
    for key, default in (
        ("distributionDomainName", DISTRIBUTION_DOMAIN),
        ("distributionId", DISTRIBUTION_ID),
        ("requestId", EXAMPLE_REQUEST_ID),
    ):
        if key not in config:
            if key == "distributionId" and "distributionID" in config:
                config[key] = config.pop("distributionID")
                notes.append(
                    "config.distributionID renamed distributionId, as every AWS "
                    "example spells it (facts §1.2)"
                )
                continue
            config[key] = default
            notes.append(f"config.{key} was missing; filled with {default!r}")


def _note_hidden_headers(cf: Mapping[str, Any], trig: Trigger, notes: list[str]) -> None:
    """Say where an input carries a header CloudFront would never show this function."""
    rules = get_rules()
    for part in ("request", "response"):
        for name, elems in cf.get(part, {}).get("headers", {}).items():
            kinds = rules.header_kinds(name, trig)
            key = elems[0]["key"] if elems else name
            if "disallowed" in kinds:
                notes.append(
                    f"{part} header {key!r} is on the disallowed list (facts §3.1): "
                    "CloudFront would not expose it to a function; kept as given, and "
                    "passing it through unchanged is accepted"
                )
            elif "add-forbidden" in kinds:
                notes.append(
                    f"{part} header {key!r} arrives before CloudFront adds its own "
                    f"(facts §7); in {trig.value} only adding it is an error (§3.1), so "
                    "passing it through unchanged is accepted"
                )


def _normalize_request(request: dict[str, Any], trig: Trigger, notes: list[str], fail) -> None:
    base = "Records[0].cf.request"
    uri = request.get("uri")
    if not isinstance(uri, str) or not uri.startswith("/"):
        raise fail(
            f"request.uri must be a string starting with '/'; got {uri!r} (facts §1.3)",
            f"{base}.uri",
        )
    if not isinstance(request.get("method"), str) or not request["method"]:
        if "method" in request:
            raise fail(
                f"request.method must be a non-empty string such as 'GET'; got "
                f"{request['method']!r}",
                f"{base}.method",
            )
        request["method"] = "GET"
        notes.append("request.method was missing; filled with 'GET'")
    if "querystring" not in request:
        request["querystring"] = ""
        notes.append(
            "request.querystring was missing; CloudFront always sends it, as '' when "
            "empty (facts §1.3), so it was filled with ''"
        )
    elif not isinstance(request["querystring"], str):
        raise fail(
            f"request.querystring must be a string; got {request['querystring']!r}",
            f"{base}.querystring",
        )
    if "clientIp" not in request:
        request["clientIp"] = EXAMPLE_CLIENT_IP
        notes.append(f"request.clientIp was missing; filled with {EXAMPLE_CLIENT_IP!r}")
    if "headers" not in request:
        request["headers"] = {}
        notes.append("request.headers was missing; filled with {}")
    request["headers"] = _normalize_header_map(request["headers"], f"{base}.headers", notes, fail)
    origin_trigger = trig in (Trigger.ORIGIN_REQUEST, Trigger.ORIGIN_RESPONSE)
    if origin_trigger and "origin" not in request:
        request["origin"] = custom_origin()
        notes.append(
            "request.origin was missing in an origin event; filled with the example "
            "custom origin example.org (facts §1.6)"
        )
    elif not origin_trigger and "origin" in request:
        notes.append(
            f"request.origin is not part of {trig.with_article} event (facts §1.3); kept as given"
        )


def _normalize_response(response: Any, notes: list[str], fail) -> dict[str, Any]:
    base = "Records[0].cf.response"
    if not isinstance(response, Mapping):
        raise fail("cf.response must be an object", base)
    response = dict(response)
    if "status" not in response:
        raise fail("cf.response needs a status (facts §1.7)", f"{base}.status")
    try:
        if isinstance(response["status"], bool):
            raise TypeError
        code = int(response["status"])
    except (TypeError, ValueError, OverflowError):
        raise fail(
            f"response.status must be an HTTP status such as '200'; got {response['status']!r}",
            f"{base}.status",
        ) from None
    if not isinstance(response["status"], str):
        notes.append("response.status was a number; events carry it as a string (§1.7)")
        response["status"] = str(code)
    if "statusDescription" not in response:
        response["statusDescription"] = status_phrase(code)
        notes.append("response.statusDescription was missing; filled with the standard phrase")
    response["headers"] = _normalize_header_map(
        response.get("headers", {}), f"{base}.headers", notes, fail
    )
    return response


def _normalize_header_map(raw: Any, path: str, notes: list[str], fail) -> HeaderMap:
    """A header map with lowercase names, elements of names that differ only in case
    merged in map order (facts §1.5, §13), and every missing key filled."""
    if not isinstance(raw, Mapping):
        raise fail(
            "headers must be an object mapping a lowercase name to a list of "
            "{key, value} (facts §1.5)",
            path,
        )
    out: HeaderMap = {}
    for name, elems in raw.items():
        if not isinstance(name, str):
            raise fail(f"header names must be strings; got {name!r}", path)
        if not isinstance(elems, list):
            raise fail(
                f"header {name!r} must map to a list of {{key, value}} objects; got "
                f"{type(elems).__name__}",
                f"{path}.{name}",
            )
        lower = name.lower()
        if lower != name:
            merged = " and merged after the lines already there" if lower in out else ""
            notes.append(
                f"header map name {name!r} lowercased to {lower!r}{merged} (facts §1.5, §13)"
            )
        for i, elem in enumerate(elems):
            if not isinstance(elem, Mapping) or not isinstance(elem.get("value"), str):
                raise fail(
                    f"header {name!r} element {i} must be an object with a string "
                    f"'value' (and optionally 'key'); got {elem!r}",
                    f"{path}.{name}[{i}]",
                )
            key = elem.get("key")
            if key is not None and not isinstance(key, str):
                raise fail(
                    f"header {name!r} element {i} has a key that is not a string: {key!r}",
                    f"{path}.{name}[{i}].key",
                )
            if not key:
                notes.append(
                    f"header {name!r} element {i} had no key; filled with "
                    f"{canonical_key(lower)!r} (facts §1.5)"
                )
            out.setdefault(lower, []).append(
                {"key": key or canonical_key(lower), "value": elem["value"]}
            )
    return out
