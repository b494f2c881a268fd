"""One stored trace as the steps its page shows, in the order the request met them.

:func:`journey` reads a trace dict (``Trace.to_dict()`` as the trace file stores it) and
returns plain dicts, the same for the HTML page and its JSON twin: the viewer's request,
each function that ran (input, output, what it changed as
:func:`edgelab.edge.diff.changes` rows, logs, violations with limit and actual, duration,
error), CloudFront's own answer at the edge (a redirect to HTTPS, a 403), the cache
lookup (key, TTL, age, tier), the origin call and the final response.
Fields an older trace lacks are None; nothing here trusts a value to be of its usual type.
"""

from __future__ import annotations

import ast
import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from ..display import cache_key_text
from ..edge.diff import changes
from ..triggers import Trigger
from .journal import as_dict, as_list, error_info

#: Where each kind of step goes in the journey (a stage's trigger, or cache / origin).
_RANK = {
    "viewer-request": 0,
    "cache": 1,
    "origin-request": 2,
    "origin": 3,
    "origin-response": 4,
    "viewer-response": 5,
}
#: Text shown whole in a page before it is cut (the JSON twin has all that was stored).
SHOW_CHARS = 16_384
_PRETTY = json.JSONEncoder(indent=2, ensure_ascii=False, default=str, sort_keys=False)


def _cut(text: str, limit: int = SHOW_CHARS) -> dict[str, Any]:
    return {"text": text[:limit], "cut": max(0, len(text) - limit)}


def pretty(value: Any) -> dict[str, Any]:
    """Indented JSON of ``value``, cut to :data:`SHOW_CHARS` (``{"text", "cut"}``)."""
    try:
        return _cut(_PRETTY.encode(value))
    except (TypeError, ValueError, RecursionError):
        return _cut(repr(value))


def body_view(data: Any, encoding: Any = "text") -> dict[str, Any] | None:
    """A body to show: text as it is, base64 decoded when it is UTF-8 text, else its size."""
    if isinstance(data, Mapping):  # a request body: {action, encoding, data}
        data, encoding = data.get("data"), data.get("encoding")
    if data is None or data == "":
        return None
    text = data if isinstance(data, str) else str(data)
    if encoding == "base64":
        try:
            raw = base64.b64decode(text, validate=False)
            return {**_cut(raw.decode("utf-8")), "encoding": "base64, shown decoded"}
        except (binascii.Error, ValueError):
            return {"text": "", "cut": 0, "encoding": f"base64, {len(text):,} characters"}
    return {**_cut(text), "encoding": "text"}


def header_rows(headers: Any) -> list[dict[str, str]]:
    """``[{name, value}]`` of a CloudFront header map or a viewer's ``[name, value]`` pairs."""
    rows = []
    if isinstance(headers, Mapping):
        for name, elems in headers.items():
            for e in elems if isinstance(elems, list) else [elems]:
                e = as_dict(e)
                rows.append({"name": str(e.get("key") or name), "value": str(e.get("value", ""))})
    elif isinstance(headers, list):
        for pair in headers:
            if isinstance(pair, list | tuple) and len(pair) == 2:
                rows.append({"name": str(pair[0]), "value": str(pair[1])})
    return rows


def readable_key(key: Any) -> str | None:
    """A stored cache key (the repr of the key tuple) as one readable line."""
    if not isinstance(key, str) or not key.startswith("(") or len(key) > 20_000:
        return key if key is None or isinstance(key, str) else str(key)
    try:
        return cache_key_text(ast.literal_eval(key))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return key


def _text(value: Any) -> str:
    """A diff side as text: values of a header joined, other values as JSON."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return pretty(value)["text"]


#: ``Stage.kind`` of a CloudFront Function (Lambda@Edge's is ``lambda@edge``).
CLOUDFRONT_FUNCTION = "cloudfront-function"


def _title(trigger: str, kind: Any = None) -> str:
    what = "CloudFront Function" if kind == CLOUDFRONT_FUNCTION else "function"
    try:
        return f"{Trigger(trigger).value.replace('-', ' ').capitalize()} {what}"
    except ValueError:
        return f"{trigger} {what}"


def _did(stage: Mapping[str, Any]) -> str:
    outcome, trigger = stage.get("outcome"), str(stage.get("trigger"))
    if outcome == "error":
        err = error_info(stage.get("error")) or {"type": "error"}
        return f"failed: {err['type']}"
    if outcome == "request":
        return "passed the request on"
    if outcome == "response" and trigger in ("viewer-request", "origin-request"):
        status = as_dict(stage.get("output")).get("status")
        return f"generated a {status} response"
    return "returned the response"


def function_step(stage: Mapping[str, Any]) -> dict[str, Any]:
    trigger = str(stage.get("trigger"))
    try:
        rows = [
            {
                "kind": c.kind,
                "what": c.what,
                "before": _text(c.row()["before"]),
                "after": _text(c.row()["after"]),
                "line": c.line(short=False),
            }
            for c in changes(as_dict(stage.get("diff")))
        ]
    except (AttributeError, TypeError, ValueError, LookupError):  # a hand-edited trace
        rows = []
    return {
        "kind": "function",
        "trigger": trigger,
        "title": _title(trigger, stage.get("kind")),
        "function_kind": str(stage.get("kind") or "lambda@edge"),
        "runtime": None if stage.get("runtime") is None else str(stage.get("runtime")),
        "compute_utilization": stage.get("compute_utilization"),
        "outcome": stage.get("outcome"),
        "did": _did(stage),
        "duration_ms": stage.get("duration_ms"),
        "cold_start": bool(stage.get("cold_start")),
        "error": error_info(stage.get("error")),
        "violations": [as_dict(v) for v in as_list(stage.get("violations"))],
        "changes": rows,
        "logs": _cut(str(stage.get("logs") or "")),
        "input": pretty(stage.get("input")),
        "output": pretty(stage.get("output")),
    }


def cache_step(trace: Mapping[str, Any]) -> dict[str, Any] | None:
    """The cache lookup, when the request got that far (a key was made)."""
    if trace.get("cache_key") is None:
        return None
    return {
        "kind": "cache",
        "title": "Cache",
        "cache": trace.get("cache"),
        "tier": trace.get("cache_tier"),
        "regional_edge_cache": trace.get("regional_edge_cache"),
        "key": readable_key(trace.get("cache_key")),
        "ttl": trace.get("ttl"),
        "age": trace.get("age"),
    }


def origin_step(trace: Mapping[str, Any]) -> dict[str, Any] | None:
    origin = trace.get("origin")
    if not isinstance(origin, Mapping):
        return None
    request, response = as_dict(origin.get("request")), origin.get("response")
    response = response if isinstance(response, Mapping) else None
    return {
        "kind": "origin",
        "title": "Origin",
        "origin_id": trace.get("origin_id"),
        "origin_kind": trace.get("origin_kind"),
        "method": request.get("method"),
        "uri": request.get("uri"),
        "querystring": request.get("querystring") or "",
        "request_headers": header_rows(request.get("headers")),
        "request_body": body_view(request.get("body")),
        "status": origin.get("status"),
        "duration_ms": origin.get("duration_ms"),
        "error": None if not origin.get("error") else str(origin.get("error")),
        "response_headers": header_rows(response.get("headers")) if response else [],
        "response_body": (
            body_view(response.get("body"), response.get("bodyEncoding")) if response else None
        ),
    }


def viewer_step(trace: Mapping[str, Any]) -> dict[str, Any]:
    v = as_dict(trace.get("viewer"))
    return {
        "kind": "viewer",
        "title": "Viewer request",
        "method": v.get("method"),
        "uri": v.get("uri"),
        "querystring": v.get("querystring") or "",
        "protocol": v.get("protocol"),
        "http_version": v.get("http_version"),
        "client_ip": v.get("client_ip"),
        "country": v.get("country"),
        "edge_location": trace.get("edge_location") or v.get("edge_location"),
        "headers": header_rows(v.get("headers")),
        "body": body_view(v.get("body"), "base64"),
    }


def response_step(trace: Mapping[str, Any]) -> dict[str, Any]:
    r = as_dict(trace.get("response"))
    return {
        "kind": "response",
        "title": "Response to the viewer",
        "status": trace.get("status"),
        "description": r.get("statusDescription"),
        "headers": header_rows(r.get("headers")),
        "body": body_view(r.get("body"), r.get("bodyEncoding")),
    }


def _phase(trigger: str, previous: int) -> int:
    """Where a stage of ``trigger`` goes: its event type's place (a name that contains
    one, such as a CloudFront Function's stage, counts as that event), else right after
    the stage before it (stages are stored in the order they ran)."""
    for name, rank in _RANK.items():
        if name == trigger or (name not in ("cache", "origin") and name in trigger):
            return rank
    return previous


def edge_step(trace: Mapping[str, Any]) -> dict[str, Any] | None:
    """CloudFront's own answer at the edge (a redirect to HTTPS, a 403 for the protocol
    or the method), before any function ran."""
    rule = trace.get("edge_rule")
    if not rule:
        return None
    return {
        "kind": "edge",
        "title": "CloudFront at the edge",
        "rule": str(rule),
        "status": trace.get("status"),
        "did": f"answered {trace.get('status')} itself ({rule}); no function ran",
    }


def journey(trace: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The steps of one stored trace, viewer first and the final response last."""
    middle: list[tuple[int, int, dict[str, Any]]] = []
    phase = 0
    for n, stage in enumerate(as_list(trace.get("stages"))):
        if isinstance(stage, Mapping):
            step = function_step(stage)
            phase = _phase(step["trigger"], phase)
            middle.append((phase, n, step))
    for n, other in enumerate((cache_step(trace), origin_step(trace)), start=-2):
        if other is not None:
            middle.append((_RANK[other["kind"]], n, other))
    middle.sort(key=lambda item: (item[0], item[1]))
    edge = edge_step(trace)
    first = [viewer_step(trace), *([edge] if edge else [])]
    return [*first, *(s for _, _, s in middle), response_step(trace)]
