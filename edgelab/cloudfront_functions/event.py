"""CloudFront Functions events: build them, load them, convert to and from Lambda@Edge's.

The event is the plain JSON dict CloudFront passes (facts §2)::

    {"version": "1.0",
     "context": {"distributionDomainName", "distributionId", "eventType", "requestId"},
     "viewer": {"ip": "198.51.100.11"},
     "request": {"method", "uri", "querystring": {name: {value, multiValue?}},
                 "headers": {lowercase-name: {value, multiValue?}}, "cookies": {...}},
     "response": {"statusCode": 200, "statusDescription", "headers", "cookies"}}  # VResp

Query string values stay as the viewer sent them (decision "querystring values"); a
``Cookie`` header becomes ``request.cookies`` and ``Set-Cookie`` headers
``response.cookies`` (``{name: {value, attributes, multiValue?}}``). :func:`to_cff_event`
and :func:`to_lambda_event` convert between this shape and Lambda@Edge's
(``{"Records": [{"cf": ...}]}``), so either kind of event works with either kind of
function, with a note saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EventError
from ..event.build import (
    DEVICE_HEADERS,
    DEVICES,
    DISTRIBUTION_DOMAIN,
    DISTRIBUTION_ID,
    EXAMPLE_CLIENT_IP,
    EXAMPLE_REQUEST_ID,
    HeadersArg,
    build_event,
    cf_record,
    copy_event,
    normalize_event,
    read_event_file,
    status_phrase,
)
from ..event.headers import canonical_key
from ..triggers import Trigger

VREQ = Trigger.VIEWER_REQUEST
VRESP = Trigger.VIEWER_RESPONSE
Entry = dict[str, Any]
FieldMap = dict[str, Entry]

__all__ = [
    "LoadedCffEvent",
    "build_cff_event",
    "cff_request",
    "cff_response",
    "cookies_from_header",
    "effective_values",
    "is_cff_event",
    "load_cff_event",
    "normalize_cff_event",
    "parse_querystring",
    "querystring_to_string",
    "set_cookies_to_map",
    "to_cff_event",
    "to_lambda_event",
]


def check_cff_trigger(trigger: Trigger | str) -> Trigger:
    trig = Trigger.parse(trigger)
    if trig not in (VREQ, VRESP):
        raise EventError(
            f"CloudFront Functions run at viewer-request and viewer-response "
            f"only (facts §6); got {trig.value!r}",
            path="context.eventType",
        )
    return trig


# -- the {value, multiValue} shape ------------------------------------------------------------
def _entry(values: list[str]) -> Entry:
    """One field for ``values`` (one per duplicate line): multiValue only for duplicates."""
    out: Entry = {"value": values[0]}
    if len(values) > 1:
        out["multiValue"] = [{"value": v} for v in values]
    return out


def _collapse(pairs: Iterable[tuple[str, str]]) -> FieldMap:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return {name: _entry(values) for name, values in grouped.items()}


def effective_values(after: Any, before: Any = None) -> list[Any]:
    """The values CloudFront sends for one field, by §2.4's write rules: a ``multiValue``
    that changed wins (``value`` ignored); otherwise a changed ``value`` replaces the first
    value and the rest stay. Non-string values are returned as they are (the validator
    reports them)."""
    if type(after) is not dict and not isinstance(after, Mapping):
        return []
    mv = after.get("multiValue")
    old_mv = before.get("multiValue") if isinstance(before, dict | Mapping) else None
    if isinstance(mv, list) and mv:
        values = [m.get("value") if isinstance(m, Mapping) else m for m in mv]
        if (
            mv == old_mv
            and isinstance(before, Mapping)
            and after.get("value") != before.get("value")
        ):
            return [after.get("value"), *values[1:]]
        return values
    return [after.get("value")]


def parse_querystring(raw: str) -> FieldMap:
    """``a=1&b=2&b=3&flag`` as the event's querystring object; values are kept exactly as
    sent (not percent-decoded), a bare name has the value ``""`` (facts §2.2, §2.4)."""
    raw = raw[1:] if raw.startswith("?") else raw
    pairs = []
    for part in raw.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((name, value))
    return _collapse(pairs)


def querystring_to_string(qs: Any) -> str:
    """The query string CloudFront sends on for a querystring object (or a 2.0 string):
    ``name=value`` pairs joined by ``&``, a bare name for an empty value."""
    if isinstance(qs, str):
        return qs[1:] if qs.startswith("?") else qs
    parts = []
    for name, entry in (qs or {}).items():
        for value in effective_values(entry):
            value = "" if value is None else str(value)
            parts.append(f"{name}={value}" if value != "" else str(name))
    return "&".join(parts)


def cookies_from_header(values: Iterable[str]) -> FieldMap:
    """``Cookie`` header lines as the event's request cookies (§2.2)."""
    pairs = []
    for line in values:
        for part in line.split(";"):
            part = part.strip()
            if not part:
                continue
            name, _, value = part.partition("=")
            pairs.append((name.strip(), value.strip()))
    return _collapse(pairs)


def set_cookies_to_map(lines: Iterable[str]) -> FieldMap:
    """``Set-Cookie`` header values as the event's response cookies (§2.3):
    ``{name: {value, attributes, multiValue?: [{value, attributes}]}}``."""
    grouped: dict[str, list[dict[str, str]]] = {}
    for line in lines:
        first, _, attributes = line.partition(";")
        name, _, value = first.partition("=")
        grouped.setdefault(name.strip(), []).append(
            {"value": value.strip(), "attributes": attributes.strip()}
        )
    out: FieldMap = {}
    for name, items in grouped.items():
        entry: Entry = dict(items[0])
        if len(items) > 1:
            entry["multiValue"] = items
        out[name] = entry
    return out


def _header_lines(headers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Lambda@Edge ``{name: [{key, value}]}`` as (lowercase name, value) lines."""
    return [
        (name.lower(), str(e.get("value", "")))
        for name, elems in headers.items()
        for e in elems
        if isinstance(e, Mapping)
    ]


# -- Lambda@Edge -> CloudFront Functions ------------------------------------------------------
def _request_to_cff(request: Mapping[str, Any]) -> dict[str, Any]:
    lines = _header_lines(request.get("headers", {}))
    cookie_lines = [v for n, v in lines if n == "cookie"]
    return {
        "method": request.get("method", "GET"),
        "uri": request.get("uri", "/"),
        "querystring": parse_querystring(request.get("querystring", "") or ""),
        "headers": _collapse((n, v) for n, v in lines if n != "cookie"),
        "cookies": cookies_from_header(cookie_lines),
    }


def _response_to_cff(response: Mapping[str, Any]) -> dict[str, Any]:
    lines = _header_lines(response.get("headers", {}))
    status = int(response.get("status", 200))
    return {
        "statusCode": status,
        "statusDescription": response.get("statusDescription") or status_phrase(status),
        "headers": _collapse((n, v) for n, v in lines if n != "set-cookie"),
        "cookies": set_cookies_to_map(v for n, v in lines if n == "set-cookie"),
    }


def cff_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """A Lambda@Edge ``cf.request`` as a CloudFront Functions ``request`` (§2.2): the
    ``Cookie`` header as ``cookies``, the query string parsed, no body."""
    return _request_to_cff(request)


def cff_response(response: Mapping[str, Any]) -> dict[str, Any]:
    """A Lambda@Edge ``cf.response`` as a CloudFront Functions ``response`` (§2.3):
    ``Set-Cookie`` as ``cookies``, a numeric ``statusCode``, no body."""
    return _response_to_cff(response)


def to_cff_event(
    event: Mapping[str, Any], *, trigger: Trigger | str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """A Lambda@Edge event (viewer-request or viewer-response) in CloudFront Functions'
    shape, with notes saying what the conversion changed."""
    loaded = normalize_event(event, trigger=trigger)
    trig = check_cff_trigger(loaded.trigger)
    cf = cf_record(loaded.event)
    config = cf["config"]
    request = cf["request"]
    notes = list(loaded.notes)
    notes.append(
        "a Lambda@Edge event was converted to the CloudFront Functions event shape "
        "(facts §2): headers as {value, multiValue}, the Cookie header as "
        "request.cookies, Set-Cookie as response.cookies, the status as a number"
    )
    if "body" in request:
        notes.append(
            "request.body was dropped: CloudFront Functions cannot read the request "
            "body (facts §2.2)"
        )
    out: dict[str, Any] = {
        "version": "1.0",
        "context": {
            "distributionDomainName": config["distributionDomainName"],
            "distributionId": config["distributionId"],
            "eventType": trig.value,
            "requestId": config["requestId"],
        },
        "viewer": {"ip": request.get("clientIp", EXAMPLE_CLIENT_IP)},
        "request": _request_to_cff(request),
    }
    if trig is VRESP:
        out["response"] = _response_to_cff(cf["response"])
    return out, notes


# -- CloudFront Functions -> Lambda@Edge ------------------------------------------------------
def to_lambda_headers(
    headers: Mapping[str, Any], before: Mapping[str, Any] | None = None
) -> dict[str, list[dict[str, str]]]:
    """``{name: {value, multiValue?}}`` as Lambda@Edge's ``{name: [{key, value}]}``,
    applying §2.4's write rules against ``before`` (the input's map)."""
    before = before or {}
    out: dict[str, list[dict[str, str]]] = {}
    for name, entry in headers.items():
        key = canonical_key(name)
        out[name.lower()] = [
            {"key": key, "value": str(v)} for v in effective_values(entry, before.get(name))
        ]
    return out


def _cookie_header(cookies: Mapping[str, Any], before: Mapping[str, Any] | None = None) -> str:
    before = before or {}
    return "; ".join(
        f"{name}={v}"
        for name, entry in cookies.items()
        for v in effective_values(entry, before.get(name))
    )


def _set_cookie_values(cookies: Mapping[str, Any]) -> list[str]:
    out = []
    for name, entry in cookies.items():
        mv = entry.get("multiValue") if isinstance(entry, Mapping) else None
        items = mv if isinstance(mv, list) and mv else [entry]
        for item in items:
            attrs = item.get("attributes") or ""
            out.append(f"{name}={item.get('value', '')}" + (f"; {attrs}" if attrs else ""))
    return out


def to_lambda_request(
    request: Mapping[str, Any],
    *,
    client_ip: str = EXAMPLE_CLIENT_IP,
    before: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A CloudFront Functions request as a Lambda@Edge ``cf.request``."""
    before = before or {}
    headers = to_lambda_headers(request.get("headers", {}), before.get("headers"))
    cookie = _cookie_header(request.get("cookies", {}), before.get("cookies"))
    if cookie:
        headers["cookie"] = [{"key": "Cookie", "value": cookie}]
    return {
        "clientIp": client_ip,
        "headers": headers,
        "method": request.get("method", "GET"),
        "querystring": querystring_to_string(request.get("querystring", {})),
        "uri": request.get("uri", "/"),
    }


def to_lambda_response(
    response: Mapping[str, Any], before: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A CloudFront Functions response as a Lambda@Edge ``cf.response`` (status string,
    cookies as ``Set-Cookie`` headers; a body as ``body`` + ``bodyEncoding``)."""
    before = before or {}
    status = int(response.get("statusCode", 200))
    headers = to_lambda_headers(response.get("headers", {}), before.get("headers"))
    set_cookies = _set_cookie_values(response.get("cookies", {}))
    if set_cookies:
        headers["set-cookie"] = [{"key": "Set-Cookie", "value": v} for v in set_cookies]
    out: dict[str, Any] = {
        "status": str(status),
        "statusDescription": response.get("statusDescription") or status_phrase(status),
        "headers": headers,
    }
    body = response.get("body")
    if body is not None:
        if isinstance(body, Mapping):
            out["body"] = body.get("data", "")
            out["bodyEncoding"] = body.get("encoding", "text")
        else:
            out["body"] = str(body)
            out["bodyEncoding"] = "text"
    return out


def to_lambda_event(event: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A CloudFront Functions event as a Lambda@Edge event, with a note."""
    loaded = normalize_cff_event(event)
    ev = loaded.event
    ctx = ev["context"]
    cf: dict[str, Any] = {
        "config": {
            "distributionDomainName": ctx["distributionDomainName"],
            "distributionId": ctx["distributionId"],
            "eventType": ctx["eventType"],
            "requestId": ctx["requestId"],
        },
        "request": to_lambda_request(ev["request"], client_ip=ev["viewer"]["ip"]),
    }
    if "response" in ev:
        cf["response"] = to_lambda_response(ev["response"])
    notes = [
        *loaded.notes,
        "a CloudFront Functions event was converted to the Lambda@Edge event shape "
        "(facts §2 of both sheets): headers as [{key, value}], cookies as Cookie and "
        "Set-Cookie headers, the status as a string",
    ]
    return {"Records": [{"cf": cf}]}, notes


# -- building ---------------------------------------------------------------------------------
def build_cff_event(
    trigger: Trigger | str = VREQ,
    *,
    uri: str = "/",
    method: str = "GET",
    querystring: str = "",
    headers: HeadersArg = None,
    cookies: Mapping[str, str] | Iterable[str] | None = None,
    client_ip: str = EXAMPLE_CLIENT_IP,
    status: int | str | None = None,
    status_description: str | None = None,
    response_headers: HeadersArg = None,
    country: str | None = None,
    device: str | None = None,
    request_id: str = EXAMPLE_REQUEST_ID,
    distribution_domain: str = DISTRIBUTION_DOMAIN,
    distribution_id: str = DISTRIBUTION_ID,
) -> dict[str, Any]:
    """A CloudFront Functions event for ``trigger`` (viewer-request or viewer-response).

    The same options as :func:`edgelab.build_event`, without body and origin (a
    CloudFront Function sees neither). ``country`` and ``device`` add the
    ``cloudfront-viewer-country`` / ``cloudfront-is-*-viewer`` headers, which a CloudFront
    Function sees even at viewer request when a policy includes them (facts §7).
    ``response_headers`` may hold ``Set-Cookie`` lines: they become ``response.cookies``.
    """
    trig = check_cff_trigger(trigger)
    geo: dict[str, Any] = {"country": country, "device": device} if trig is VRESP else {}
    lambda_event = build_event(
        trig,
        uri=uri,
        method=method,
        querystring=querystring,
        headers=headers,
        cookies=cookies,
        client_ip=client_ip,
        status=status,
        status_description=status_description,
        response_headers=response_headers,
        request_id=request_id,
        distribution_domain=distribution_domain,
        distribution_id=distribution_id,
        **geo,
    )
    event, _ = to_cff_event(lambda_event, trigger=trig)
    if trig is VREQ:
        added = event["request"]["headers"]
        if country is not None:
            added["cloudfront-viewer-country"] = {"value": country.upper()}
        if device is not None:
            if device not in DEVICES:
                raise EventError(
                    f"device must be one of {', '.join(DEVICES)}; got {device!r}", path="device"
                )
            for name, header in DEVICE_HEADERS.items():
                added[header.lower()] = {"value": "true" if name == device else "false"}
    return event


# -- loading ----------------------------------------------------------------------------------
@dataclass
class LoadedCffEvent:
    """A CloudFront Functions event made usable: the event, its trigger, what was filled
    in or converted (``notes``), and the raw query string when it is known."""

    event: dict[str, Any]
    trigger: Trigger
    notes: list[str] = field(default_factory=list)
    raw_querystring: str | None = None


def is_cff_event(data: Any) -> bool:
    """True for CloudFront Functions' shape (no ``Records``; a ``request`` or ``context``)."""
    return (
        isinstance(data, Mapping)
        and "Records" not in data
        and ("request" in data or "context" in data or "version" in data)
    )


def _check_fields(
    raw: Any, path: str, notes: list[str], fail, *, lower: bool, attributes: bool = False
) -> FieldMap:
    if not isinstance(raw, Mapping):
        raise fail(
            f"{path} must be an object mapping names to {{value, multiValue?}}; got "
            f"{type(raw).__name__} (facts §2.4)",
            path,
        )
    out: FieldMap = {}
    for name, entry in raw.items():
        key = name.lower() if lower else name
        if lower and key != name:
            notes.append(
                f"header name {name!r} lowercased to {key!r}: event header names "
                "are lowercase (facts §2.4)"
            )
        if not isinstance(entry, Mapping) or not isinstance(entry.get("value"), str):
            raise fail(
                f"{path}.{name} must be an object with a string 'value' (facts §2.4); "
                f"got {entry!r}",
                f"{path}.{name}",
            )
        mv = entry.get("multiValue")
        if mv is not None and (
            not isinstance(mv, list)
            or not all(isinstance(m, Mapping) and isinstance(m.get("value"), str) for m in mv)
        ):
            raise fail(
                f"{path}.{name}.multiValue must be a list of {{value}} objects (facts "
                f"§2.4); got {mv!r}",
                f"{path}.{name}.multiValue",
            )
        if attributes and not isinstance(entry.get("attributes", ""), str):
            raise fail(
                f"{path}.{name}.attributes must be a string (facts §2.3)",
                f"{path}.{name}.attributes",
            )
        out[key] = dict(entry)
    return out


def normalize_cff_event(
    data: Any, *, trigger: Trigger | str | None = None, source: str = ""
) -> LoadedCffEvent:
    """Check ``data`` is a CloudFront Functions event and fill what CloudFront always sends
    (the context ids test events may omit, facts §2.1), saying so in ``notes``.

    A Lambda@Edge event is converted (:func:`to_cff_event`), with a note.
    """

    def fail(msg: str, path: str) -> EventError:
        return EventError(msg, path=path, source=source)

    if isinstance(data, Mapping) and "Records" in data:
        event, converted = to_cff_event(data, trigger=trigger)
        raw = cf_record(normalize_event(data, trigger=trigger).event)["request"]["querystring"]
        trig = check_cff_trigger(event["context"]["eventType"])
        return LoadedCffEvent(event, trig, converted, raw)
    if not isinstance(data, Mapping):
        raise fail(
            f"a CloudFront Functions event must be a JSON object with version, "
            f"context, viewer and request; got {type(data).__name__} (facts §2.1)",
            "",
        )
    ev = copy_event(dict(data))
    notes: list[str] = []
    if ev.get("version") != "1.0":
        if "version" in ev:
            notes.append(f"version was {ev['version']!r}; CloudFront sends '1.0' (facts §2.1)")
        else:
            notes.append("version was missing; filled with '1.0' (facts §2.1)")
        ev["version"] = "1.0"
    trig = _normalize_context(ev, trigger, notes, fail)
    viewer = ev.get("viewer")
    if not isinstance(viewer, Mapping) or not isinstance(viewer.get("ip"), str):
        if viewer is not None and not isinstance(viewer, Mapping):
            raise fail("viewer must be an object with an ip (facts §2.1)", "viewer")
        ev["viewer"] = {**(viewer or {}), "ip": EXAMPLE_CLIENT_IP}
        notes.append(f"viewer.ip was missing; filled with {EXAMPLE_CLIENT_IP!r}")
    if "request" not in ev:
        ev["request"] = build_cff_event(trig)["request"]
        notes.append(
            "request was missing (CloudFront always sends it, facts §2.1); filled "
            "with the example request"
        )
    ev["request"] = _normalize_request(ev["request"], notes, fail)
    if trig is VREQ:
        if "response" in ev:
            del ev["response"]
            notes.append("response dropped: a viewer-request event has none (facts §2.1)")
    else:
        ev["response"] = _normalize_response(ev.get("response"), notes, fail)
    return LoadedCffEvent(ev, trig, notes)


def _normalize_context(
    ev: dict[str, Any],
    trigger: Trigger | str | None,
    notes: list[str],
    fail: Callable[[str, str], EventError],
) -> Trigger:
    """``ev["context"]`` with its eventType and ids filled; returns the trigger."""
    context = ev.get("context", {})
    if not isinstance(context, Mapping):
        raise fail("context must be an object (facts §2.1)", "context")
    context = dict(context)
    declared = context.get("eventType")
    if trigger is not None:
        trig = check_cff_trigger(trigger)
        if declared and declared != trig.value:
            notes.append(f"context.eventType was {declared!r}; set to {trig.value!r} as asked")
    elif declared:
        if declared not in (VREQ.value, VRESP.value):
            raise fail(
                f"context.eventType must be viewer-request or viewer-response; got "
                f"{declared!r} (facts §2.1)",
                "context.eventType",
            )
        trig = Trigger(declared)
    else:
        trig = VRESP if "response" in ev else VREQ
        notes.append(
            f"context.eventType was missing; inferred {trig.value!r} (a response "
            "makes it viewer-response)"
        )
    context["eventType"] = trig.value
    for key, default in (
        ("distributionDomainName", DISTRIBUTION_DOMAIN),
        ("distributionId", DISTRIBUTION_ID),
        ("requestId", EXAMPLE_REQUEST_ID),
    ):
        if key not in context:
            context[key] = default
            notes.append(
                f"context.{key} was missing (test events may omit it, facts §2.1); "
                f"filled with {default!r}"
            )
    ev["context"] = context
    return trig


def _normalize_request(
    request: Any, notes: list[str], fail: Callable[[str, str], EventError]
) -> dict[str, Any]:
    """The request checked (uri, method) and filled (querystring, headers, cookies)."""
    if not isinstance(request, Mapping):
        raise fail("request must be an object (facts §2.2)", "request")
    request = dict(request)
    uri = request.get("uri")
    if not isinstance(uri, str) or not uri.startswith("/"):
        raise fail(
            f"request.uri must be a string starting with '/'; got {uri!r} (facts §2.2)",
            "request.uri",
        )
    if not isinstance(request.get("method"), str) or not request["method"]:
        if "method" in request:
            raise fail(
                f"request.method must be a non-empty string such as 'GET'; got "
                f"{request['method']!r}",
                "request.method",
            )
        request["method"] = "GET"
        notes.append("request.method was missing; filled with 'GET'")
    for part, lower in (("querystring", False), ("headers", True), ("cookies", False)):
        if part not in request:
            request[part] = {}
            notes.append(
                f"request.{part} was missing; CloudFront always sends it, {{}} when "
                "empty (facts §2.2)"
            )
        request[part] = _check_fields(request[part], f"request.{part}", notes, fail, lower=lower)
    if "cookie" in request["headers"]:
        extra = cookies_from_header([request["headers"].pop("cookie")["value"]])
        request["cookies"] = {**extra, **request["cookies"]}
        notes.append(
            "request header 'cookie' moved to request.cookies: CloudFront Functions "
            "see cookies there, never as a header (facts §2.2)"
        )
    if "body" in request:
        del request["body"]
        notes.append(
            "request.body dropped: CloudFront Functions cannot read the request body (facts §2.2)"
        )
    return request


def _normalize_response(response: Any, notes: list[str], fail) -> dict[str, Any]:
    if not isinstance(response, Mapping):
        raise fail(
            "a viewer-response event needs a response object with a statusCode (facts §2.3)",
            "response",
        )
    response = dict(response)
    code = response.get("statusCode")
    if isinstance(code, bool) or not isinstance(code, int | str):
        raise fail(
            f"response.statusCode must be an integer such as 200; got {code!r} (facts §2.3)",
            "response.statusCode",
        )
    if isinstance(code, str):
        try:
            response["statusCode"] = int(code)
        except ValueError:
            raise fail(
                f"response.statusCode must be an integer such as 200; got {code!r} (facts §2.3)",
                "response.statusCode",
            ) from None
        notes.append("response.statusCode was a string; events carry an integer (facts §2.3)")
    if "statusDescription" not in response:
        response["statusDescription"] = status_phrase(response["statusCode"])
        notes.append("response.statusDescription was missing; filled with the standard phrase")
    for part, lower in (("headers", True), ("cookies", False)):
        if part not in response:
            response[part] = {}
            notes.append(f"response.{part} was missing; filled with {{}}")
        response[part] = _check_fields(
            response[part],
            f"response.{part}",
            notes,
            fail,
            lower=lower,
            attributes=part == "cookies",
        )
    if "set-cookie" in response["headers"]:
        entry = response["headers"].pop("set-cookie")
        response["cookies"] = {**set_cookies_to_map(effective_values(entry)), **response["cookies"]}
        notes.append("response header 'set-cookie' moved to response.cookies (facts §2.3)")
    if "body" in response:
        del response["body"]
        notes.append(
            "response.body dropped: the event never carries the body; a function "
            "can only set one (facts §2.3)"
        )
    return response


def load_cff_event(
    source: str | Path | Mapping[str, Any], *, trigger: Trigger | str | None = None
) -> LoadedCffEvent:
    """Load a CloudFront Functions event (or a Lambda@Edge one, converted) from a path or
    a dict; see :func:`normalize_cff_event`."""
    if isinstance(source, LoadedCffEvent):
        if trigger is None or check_cff_trigger(trigger) is source.trigger:
            return source
        source = source.event
    if isinstance(source, Mapping):
        return normalize_cff_event(source, trigger=trigger)
    return normalize_cff_event(read_event_file(source), trigger=trigger, source=str(source))
