"""One request through a distribution: VReq → cache → (miss) OReq → origin → OResp →
cache store → VResp → viewer (facts §8.1, §8.2).

Rules and decisions (``CHAIN_DECISIONS`` holds them as data; the README repeats them).
UNSURE marks a point the docs leave open, and says which way edgelab went:

=========================================  ================================================
case                                       what edgelab does (facts)
=========================================  ================================================
VReq generates a response                  sent uncached; nothing else runs, not VResp (§8.1)
a function fails (any trigger)             CloudFront's 502/500/503 page, not cached, no
                                           VResp (§6)
cache hit                                  OReq, origin, OResp skipped; Age added; VResp
                                           runs (§8.1)
OReq generates a response                  cached, OResp skipped; UNSURE: VResp RUNS (the
                                           docs exclude it only for VReq responses) (§8.1)
origin answers >= 400                      OResp runs; UNSURE: VResp is skipped when the
                                           status AFTER OResp is >= 400: the check reads the
                                           response CloudFront holds and caches, so a hit and
                                           a miss agree (§8.1)
origin unreachable / times out             502 / 504 "Error from cloudfront"; OResp does not
                                           run (no origin response); not cached (§6)
what is cached                             OResp's output, else the origin's response (§8.2)
query string OReq/OResp see                all of it when a policy forwards all query
                                           strings, else "" (UNSURE); the origin still gets
                                           the forwarded names unless OReq sets one (§2)
headers a VReq function adds               reach the origin only if a policy forwards them,
                                           like viewer headers (§8.3)
CloudFront-* headers                       added after VReq when a policy asks; OReq, OResp
                                           and VResp see them (§7)
cookies not forwarded                      stripped from the origin request; with no cookie
                                           forwarded, Set-Cookie is stripped before OResp
                                           (§8.3)
Accept-Encoding                            br,gzip / gzip in key and origin request, else
                                           left out of the key and identity (§8.3)
methods cached                             the policy's cached_methods (GET, HEAD); a HEAD
                                           miss is not stored (its body is empty)
=========================================  ================================================
"""

from __future__ import annotations

import base64
import time
from typing import TYPE_CHECKING, Any

from ..event.build import encode_body, status_phrase
from ..rules.outcome import InvocationResult, decide, error_response
from ..rules.tables import Decision
from ..runtimes.base import Call
from ..runtimes.context import ContextInfo
from ..runtimes.context import new_request_id as new_lambda_request_id
from ..triggers import Trigger
from .cache import select_cookies
from .cloudfront_headers import add_cloudfront_headers, forwarded_for, via_value
from .origins import OriginError, as_response
from .trace import OriginCall, Stage, Trace
from .viewer import ViewerRequest, new_request_id

if TYPE_CHECKING:
    from .distribution import BoundTrigger, Distribution

VREQ, OREQ, ORESP, VRESP = tuple(Trigger)

#: (case, section, decision): the rows of the table above, for docs and notebooks.
CHAIN_DECISIONS: tuple[Decision, ...] = (
    Decision("VReq generates a response", "§8.1",
             "sent to the viewer uncached; OReq, origin, OResp and VResp do not run"),
    Decision("a function fails", "§6", "CloudFront's 502/500/503 error page; not cached; "
             "VResp does not run"),
    Decision("cache hit", "§8.1", "OReq, origin and OResp are skipped; Age is added; VResp runs"),
    Decision("OReq generates a response (UNSURE)", "§8.1, §4",
             "cached and OResp skipped; VResp runs (the docs exclude it only for VReq)"),
    Decision("origin answers >= 400 (UNSURE)", "§8.1",
             "OResp runs; VResp is skipped when the status after OResp is >= 400"),
    Decision("origin unreachable or times out", "§6",
             "502 or 504 Error from cloudfront; OResp does not run; not cached"),
    Decision("what is cached", "§8.2", "OResp's output, else the origin's response"),
    Decision("query string in OReq/OResp (UNSURE)", "§2",
             "all of it when a policy forwards all query strings, else ''; the origin still "
             "gets the forwarded names unless OReq sets a query string"),
    Decision("headers a VReq function adds", "§8.3",
             "reach the origin only when a policy forwards them"),
    Decision("CloudFront-* headers", "§7",
             "added after VReq when a policy asks; OReq, OResp and VResp see them"),
    Decision("cookies not forwarded", "§8.3", "stripped from the origin request; with no "
             "cookie forwarded, Set-Cookie is stripped before OResp"),
    Decision("Accept-Encoding", "§8.3",
             "br,gzip or gzip in the key and origin request, else out of the key and identity"),
    Decision("methods cached", "§8.3", "cached_methods (GET, HEAD); a HEAD miss is not stored"),
)
_perf = time.perf_counter


def _invoke(dist: Distribution, bound: BoundTrigger, cf_in: dict[str, Any],
            stages: list[Stage]) -> InvocationResult:
    trig = bound.trigger
    info = ContextInfo(bound.handler.function_name, bound.memory_mb, bound.timeout_s,
                       aws_request_id=new_lambda_request_id(), container_id=bound.container_id)
    raw = bound.handler.invoke(Call({"Records": [{"cf": cf_in}]}, info))
    res = decide(raw, trigger=trig, cf_in=cf_in, rules=dist.rules)
    stage_in = cf_in["request"] if trig.is_request else cf_in["response"]
    if res.outcome == "request":
        out: dict[str, Any] | None = res.request
    else:
        out = res.response
    stages.append(Stage(trig.value, res.outcome, stage_in, out, res.duration_ms,
                        res.violations, res.logs, res.error.to_dict() if res.error else None,
                        res.cold_start))
    return res


def _config(dist: Distribution, trig: Trigger, rid: str) -> dict[str, str]:
    return {"distributionDomainName": dist.domain_name, "distributionId": dist.distribution_id,
            "eventType": trig.value, "requestId": rid}


def _body_after(request: dict[str, Any], body: bytes | None) -> tuple[dict[str, Any],
                                                                      bytes | None]:
    """Apply a ``replace`` body action and drop the exposed body from the request."""
    b = request.get("body")
    if b is None:
        return request, body
    request = {k: v for k, v in request.items() if k != "body"}
    if isinstance(b, dict) and b.get("action") == "replace":
        data = b.get("data", "")
        body = base64.b64decode(data) if b.get("encoding", "base64") == "base64" \
            else str(data).encode()
    return request, body


def _error(res_or_status: InvocationResult | int, rid: str, message: str = "") -> dict[str, Any]:
    if isinstance(res_or_status, InvocationResult):
        assert res_or_status.error is not None and res_or_status.status is not None
        return error_response(res_or_status.status, res_or_status.error.type,
                              res_or_status.error.message, request_id=rid)
    resp = error_response(res_or_status, "Error", message, request_id=rid)
    return resp


def _origin_request(dist: Distribution, viewer: ViewerRequest, req: dict[str, Any],
                    body: bytes | None) -> tuple[dict[str, Any], str]:
    """The request CloudFront sends on a miss (before OReq), and the forwarded query."""
    vh = req["headers"]
    fwd = dist.forward_headers
    out: dict[str, list[dict[str, str]]] = {}
    if dist.forward_all_headers:
        out.update(vh)
    else:
        for name in fwd:
            if name in vh:
                out[name] = vh[name]
    origin = dist.origin_object
    domain = (origin.get("custom") or origin.get("s3") or {}).get("domainName", "")
    if "host" not in fwd and not dist.forward_all_headers:
        out["host"] = [{"key": "Host", "value": domain}]
    if "user-agent" not in out:
        out["user-agent"] = [{"key": "User-Agent", "value": "Amazon CloudFront"}]
    xff = vh.get("x-forwarded-for")
    out["x-forwarded-for"] = [{"key": "X-Forwarded-For", "value": forwarded_for(
        ", ".join(e["value"] for e in xff) if xff else None, viewer.client_ip)}]
    via = via_value(dist.domain_name, viewer.edge_location)
    old_via = vh.get("via")
    out["via"] = [{"key": "Via", "value": (f"{old_via[0]['value']}, {via}" if old_via else via)}]
    cp = dist.cache_policy
    if cp.compresses:
        ae = vh.get("accept-encoding")
        out["accept-encoding"] = [{"key": "Accept-Encoding", "value": cp.accept_encoding(
            ae[0]["value"] if ae else None) or "identity"}]
    if dist.forward_cookies == "all" and "cookie" in vh:
        out["cookie"] = vh["cookie"]
    else:
        jar = select_cookies(vh, dist.forward_cookies)
        if jar:
            out["cookie"] = [{"key": "Cookie", "value": "; ".join(f"{n}={v}" for n, v in jar)}]
        else:
            out.pop("cookie", None)
    if body is not None:
        out["content-length"] = [{"key": "Content-Length", "value": str(len(body))}]
    qs_sel = dist.forward_query_strings
    qs = req["querystring"]
    if qs_sel == "none":
        qs = ""
    elif qs_sel != "all":
        qs = "&".join(p for p in qs.split("&") if p and p.partition("=")[0] in qs_sel)
    shown_qs = qs if dist.origin_events_see_querystring else ""
    oreq = {"clientIp": req["clientIp"], "headers": out, "method": req["method"],
            "querystring": shown_qs, "uri": req["uri"],
            "origin": {k: dict(v) for k, v in origin.items()}}
    return oreq, qs


def _call_origin(dist: Distribution, request: dict[str, Any], rid: str
                 ) -> tuple[dict[str, Any] | None, OriginCall]:
    origin = dist.origin if request["origin"] == dist.origin_object else None
    if origin is None:
        origin = dist.router if "custom" in request["origin"] else dist.origin
    started = _perf()
    try:
        resp = origin(request)
        if not (isinstance(resp, dict) and isinstance(resp.get("status"), str)
                and isinstance(resp.get("headers"), dict)):
            resp = as_response(resp)
        err = None
    except OriginError as exc:
        resp, err = None, (exc.status, str(exc))
    except Exception as exc:  # an origin function's own failure: no response (502)
        resp, err = None, (502, f"the origin raised {type(exc).__name__}: {exc}")
    call = OriginCall(request, resp, (_perf() - started) * 1000,
                      None if err is None else err[1])
    if err is not None:
        return _error(err[0], rid, err[1]), call
    return resp, call


def _finish(dist: Distribution, viewer: ViewerRequest, rid: str, now: float, started: float,
            cache: str, resp: dict[str, Any], stages: list[Stage], *,
            origin: OriginCall | None = None, key: Any = None, ttl: float | None = None,
            age: int | None = None) -> Trace:
    headers = dict(resp.get("headers", {}))
    ver = "1.1" if viewer.http_version.startswith("1") else "2.0"
    headers.setdefault("via", [{"key": "Via", "value": ver + via_value(
        dist.domain_name, viewer.edge_location)[3:]}])
    label = cache if cache != "Error" else None
    if label is not None or "x-cache" not in headers:
        headers["x-cache"] = [{"key": "X-Cache", "value": f"{label or 'Error'} from cloudfront"}]
    headers["x-amz-cf-pop"] = [{"key": "X-Amz-Cf-Pop", "value": viewer.edge_location}]
    headers["x-amz-cf-id"] = [{"key": "X-Amz-Cf-Id", "value": rid}]
    final = {**resp, "headers": headers}
    if viewer.method == "HEAD":
        final.pop("body", None)
        final.pop("bodyEncoding", None)
    return Trace(rid, viewer, now, cache, final, stages, origin, key, ttl, age,
                 (_perf() - started) * 1000)


def run_chain(dist: Distribution, viewer: ViewerRequest) -> Trace:
    """Send ``viewer`` through ``dist``; see the module docstring for the rules."""
    started = _perf()
    now = viewer.time if viewer.time is not None else dist.clock()
    rid = viewer.request_id or new_request_id()
    triggers = dist.triggers
    stages: list[Stage] = []
    body = viewer.body
    req: dict[str, Any] = {"clientIp": viewer.client_ip,
                           "headers": viewer.header_map(dist.domain_name),
                           "method": viewer.method, "querystring": viewer.querystring,
                           "uri": viewer.uri}

    # 1. viewer request: every request, before the cache (§8.1)
    bound = triggers.get(VREQ)
    if bound is not None:
        if bound.include_body and body is not None:
            req["body"] = encode_body(body, VREQ, dist.rules)
        res = _invoke(dist, bound, {"config": _config(dist, VREQ, rid), "request": req}, stages)
        if res.outcome == "error":
            return _finish(dist, viewer, rid, now, started, "Error", _error(res, rid), stages)
        if res.outcome == "response":
            assert res.response is not None
            return _finish(dist, viewer, rid, now, started, "LambdaGeneratedResponse",
                           res.response, stages)
        assert res.request is not None
        req, body = _body_after(res.request, body)

    # 2. CloudFront headers, after viewer request (§7)
    if dist.cloudfront_header_names:
        req = {**req, "headers": add_cloudfront_headers(req["headers"], viewer,
                                                        dist.cloudfront_header_names)}

    # 3. cache lookup
    policy = dist.cache_policy
    method = req["method"]
    cacheable = method in policy.cached_methods
    key = policy.key(dist.domain_name, method, req["uri"], req["querystring"], req["headers"])
    entry = dist.cache.get(key, now) if cacheable else None
    origin_call: OriginCall | None = None
    age: int | None = None
    ttl: float | None = None
    if entry is not None:
        cache = "Hit"
        age = entry.age(now)
        resp = {**entry.response, "headers": {**entry.response["headers"],
                                              "age": [{"key": "Age", "value": str(age)}]}}
        ttl = entry.ttl
    else:
        cache = "Miss"
        resp, origin_call, failed = _miss(dist, viewer, req, body, rid, stages)
        if failed:
            return _finish(dist, viewer, rid, now, started, "Error", resp, stages,
                           origin=origin_call, key=key)
        if resp.get("_generated"):
            resp = {k: v for k, v in resp.items() if k != "_generated"}
            cache = "LambdaGeneratedResponse"
        if cacheable and method != "HEAD":
            ttl = policy.ttl(int(resp["status"]), resp["headers"], now)
            if ttl > 0:
                dist.cache.put(key, resp, ttl, now)

    # 4. viewer response: hits and misses, not when the status is >= 400 (§8.1)
    bound = triggers.get(VRESP)
    if bound is not None and int(resp["status"]) < 400:
        vreq = {k: v for k, v in req.items() if k != "body"}
        shown = {k: v for k, v in resp.items() if k not in ("body", "bodyEncoding")}
        res = _invoke(dist, bound, {"config": _config(dist, VRESP, rid), "request": vreq,
                                    "response": shown}, stages)
        if res.outcome == "error":
            return _finish(dist, viewer, rid, now, started, "Error", _error(res, rid), stages,
                           origin=origin_call, key=key, ttl=ttl, age=age)
        assert res.response is not None
        out = res.response
        if "body" not in out and "body" in resp:
            out = {**out, "body": resp["body"], "bodyEncoding": resp.get("bodyEncoding", "text")}
        resp = out
    return _finish(dist, viewer, rid, now, started, cache, resp, stages, origin=origin_call,
                   key=key, ttl=ttl, age=age)


def _miss(dist: Distribution, viewer: ViewerRequest, req: dict[str, Any], body: bytes | None,
          rid: str, stages: list[Stage]) -> tuple[dict[str, Any], OriginCall | None, bool]:
    """OReq → origin → OResp; returns (response, origin call, failed)."""
    oreq, forwarded_qs = _origin_request(dist, viewer, req, body)
    shown_qs = oreq["querystring"]
    bound = dist.triggers.get(OREQ)
    if bound is not None:
        if bound.include_body and body is not None:
            oreq["body"] = encode_body(body, OREQ, dist.rules)
        res = _invoke(dist, bound, {"config": _config(dist, OREQ, rid), "request": oreq}, stages)
        if res.outcome == "error":
            return _error(res, rid), None, True
        if res.outcome == "response":  # generated in OReq: cached, OResp skipped (§8.1)
            assert res.response is not None
            return {**res.response, "_generated": True}, None, False
        assert res.request is not None
        oreq, body = _body_after(res.request, body)
    seen = oreq
    send = dict(oreq)
    if send["querystring"] == shown_qs:
        send["querystring"] = forwarded_qs
    send["headers"] = {**send["headers"],
                       "x-amz-cf-id": [{"key": "X-Amz-Cf-Id", "value": rid}]}
    if body is not None:
        send["body"] = {"encoding": "base64", "data": base64.b64encode(body).decode("ascii")}
    resp, call = _call_origin(dist, send, rid)
    if call.error is not None:
        return resp, call, True
    if dist.forward_cookies == "none" and "set-cookie" in resp["headers"]:
        resp = {**resp, "headers": {k: v for k, v in resp["headers"].items()
                                    if k != "set-cookie"}}
    resp.setdefault("statusDescription", status_phrase(resp["status"]))
    bound = dist.triggers.get(ORESP)
    if bound is not None:
        shown = {k: v for k, v in resp.items() if k not in ("body", "bodyEncoding")}
        seen = {k: v for k, v in seen.items() if k != "body"}
        res = _invoke(dist, bound, {"config": _config(dist, ORESP, rid), "request": seen,
                                    "response": shown}, stages)
        if res.outcome == "error":
            return _error(res, rid), call, True
        assert res.response is not None
        out = res.response
        if "body" not in out and "body" in resp:
            out = {**out, "body": resp["body"], "bodyEncoding": resp.get("bodyEncoding", "text")}
        resp = out
    return resp, call, False
