"""The chain as composed stages: one viewer request through a distribution (facts §8.1).

Each stage is a small unit built around the next one (starlette's middleware stack is
the model): it gets the :class:`~edgelab.edge.exchange.Exchange` and calls ``self.next``
for the rest of the chain, or answers without it. The distribution folds the units of
:data:`STACK` around the origin, outermost first, leaving out the function stages with
no function attached. Read down for the request, up for the response::

    viewer ──▶ ViewerRequestFunction    VReq; a generated response goes back uncached
               AddCloudFrontHeaders     the CloudFront-* headers a policy asks for (§7)
               ViewerResponseFunction   VResp, on the way back (not for errors, >= 400)
               EdgeCache                a hit answers here, with Age; a miss is stored
               ForwardToOrigin          the origin request the policies allow (§8.3)
               OriginRequestFunction    OReq; a generated response is cached
               OriginResponseFunction   OResp, on the way back (not after OReq responds)
    origin ◀── CallOrigin               the origin; unreachable: 502, too slow: 504

Adding a stage (a CloudFront Function, an origin group, a response headers policy) is a
new unit plus one line in :data:`STACK`::

    class ResponseHeadersPolicy(StageUnit):
        def __call__(self, ex: Exchange) -> Reply:
            reply = self.next(ex)
            ...                       # add the policy's headers to reply.response
            return reply

    STACK = (ViewerRequestFunction, AddCloudFrontHeaders, ResponseHeadersPolicy,
             ViewerResponseFunction, EdgeCache, ...)

The rules and the UNSURE points decided are :data:`CHAIN_DECISIONS` (rendered into the
README and by ``edgelab rules --decisions``).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import OriginError
from ..event.build import encode_body, status_phrase
from ..event.headers import Headers, MutableHeaders, cookie_header, select_cookies
from ..rules.tables import Decision
from ..triggers import Trigger
from .cloudfront_headers import add_cloudfront_headers, forwarded_for, via_value
from .exchange import Exchange, Next, Reply, config, error_reply, perf, run_trigger
from .origins import as_response
from .trace import OriginCall, Trace
from .viewer import ViewerRequest, new_request_id

if TYPE_CHECKING:
    from .distribution import BoundTrigger, Distribution

VREQ, OREQ, ORESP, VRESP = tuple(Trigger)

#: (case, section, decision): written once, rendered into the README and the CLI.
CHAIN_DECISIONS: tuple[Decision, ...] = (
    Decision(
        "VReq generates a response",
        "§8.1",
        "sent to the viewer uncached; OReq, origin, OResp and VResp do not run",
    ),
    Decision(
        "a function fails (any trigger)",
        "§6",
        "CloudFront's 502/500/503 page, not cached; VResp does not run",
    ),
    Decision("cache hit", "§8.1", "OReq, origin and OResp skipped; `Age` added; VResp runs"),
    Decision(
        "OReq generates a response (UNSURE)",
        "§8.1, §4",
        "cached, OResp skipped, **VResp runs** (the docs exclude VResp only for "
        "VReq-generated responses)",
    ),
    Decision(
        "origin answers >= 400 (UNSURE)",
        "§8.1",
        "OResp runs; VResp is skipped when the status **after OResp** is >= 400: the "
        "check reads the response CloudFront holds and caches, so a hit and a miss "
        "behave alike (OResp turning a 404 into 200 lets VResp run; an OReq-generated "
        "403 skips it)",
    ),
    Decision(
        "origin unreachable / times out",
        "§6",
        "502 / 504 `Error from cloudfront`; OResp does not run (no origin response); not cached",
    ),
    Decision(
        "what is cached",
        "§8.2",
        "OResp's output, else the origin's response; TTL from `s-maxage` > `max-age` > "
        "`Expires` > default, clamped to min/max; `no-store`/`no-cache`/`private` → not "
        "cached (min_ttl when > 0); 4xx/5xx without headers: 10 s",
    ),
    Decision(
        "query string OReq/OResp see (UNSURE)",
        "§2",
        'all of it when a policy forwards all query strings, else `""`; the origin '
        "still gets the forwarded names unless OReq sets a query string",
    ),
    Decision(
        "headers a VReq function adds",
        "§8.3",
        "reach the origin only if a policy forwards them, like viewer headers",
    ),
    Decision(
        "`CloudFront-*` headers",
        "§7",
        "added after VReq when a policy asks (overwriting a viewer's own); OReq, OResp "
        "and VResp see them",
    ),
    Decision(
        "cookies",
        "§8.3",
        "only forwarded names reach the origin, `name=value` sorted by name; with none "
        "forwarded, `Set-Cookie` is stripped before OResp",
    ),
    Decision(
        "cache key",
        "§8.3",
        "domain + path (+ method for OPTIONS); header names case-insensitive and "
        "order-free, values case-sensitive; query strings ordered and case-sensitive, "
        "signed-URL params stripped; `Accept-Encoding` as `br,gzip` / `gzip` / left out "
        "(origin gets `identity`)",
    ),
    Decision(
        "methods cached",
        "§8.3",
        "`cached_methods` (GET, HEAD); a HEAD miss is not stored; POST is never cached",
    ),
)


class StageUnit:
    """One stage: ``unit(next, dist)``, then ``unit(exchange) -> Reply``.

    ``trigger`` names the function a stage runs; a stage whose trigger has no function
    in the distribution is left out of the chain.
    """

    trigger: ClassVar[Trigger | None] = None

    def __init__(self, next: Next, dist: Distribution) -> None:
        self.next = next
        self.dist = dist
        self.bound: BoundTrigger | None = dist.triggers.get(self.trigger) if self.trigger else None

    def __call__(self, ex: Exchange) -> Reply:
        raise NotImplementedError

    def run(self, ex: Exchange, cf: dict[str, Any]) -> Any:
        """Run this stage's function on ``cf`` (the event's ``cf`` object)."""
        assert self.bound is not None and self.trigger is not None
        cf["config"] = config(
            self.dist.domain_name, self.dist.distribution_id, self.trigger, ex.request_id
        )
        return run_trigger(ex, self.bound, cf, self.dist.rules)

    def body_event(self, ex: Exchange, request: dict[str, Any]) -> dict[str, Any]:
        """``request`` with the body exposed when the function asked for it (§1.4)."""
        assert self.bound is not None and self.trigger is not None
        if self.bound.include_body and ex.body is not None:
            return {**request, "body": encode_body(ex.body, self.trigger, self.dist.rules)}
        return request


def _apply_body(request: dict[str, Any], body: bytes | None) -> tuple[dict[str, Any], bytes | None]:
    """Apply a ``replace`` body action and drop the exposed body from the request (§1.4)."""
    b = request.get("body")
    if b is None:
        return request, body
    request = {k: v for k, v in request.items() if k != "body"}
    if isinstance(b, dict) and b.get("action") == "replace":
        data = b.get("data", "")
        body = (
            base64.b64decode(data)
            if b.get("encoding", "base64") == "base64"
            else str(data).encode()
        )
    return request, body


def _keep_body(out: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """A response trigger's result keeps the body it was not shown (§1.7)."""
    if "body" not in out and "body" in before:
        return {**out, "body": before["body"], "bodyEncoding": before.get("bodyEncoding", "text")}
    return out


def _without(message: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k not in keys}


class ViewerRequestFunction(StageUnit):
    """Viewer request: every request, before the cache (§8.1); a generated response
    goes to the viewer uncached."""

    trigger = VREQ

    def __call__(self, ex: Exchange) -> Reply:
        step = self.run(ex, {"request": self.body_event(ex, ex.request)})
        if step.kind == "fail":
            return Reply(step.message, "Error")
        if step.kind == "respond":
            return Reply(step.message, "LambdaGeneratedResponse", VREQ)
        ex.request, ex.body = _apply_body(step.message, ex.body)
        return self.next(ex)


class AddCloudFrontHeaders(StageUnit):
    """The ``CloudFront-*`` headers a policy asks for, added after viewer request (§7)."""

    def __call__(self, ex: Exchange) -> Reply:
        names = self.dist.cloudfront_header_names
        if names:
            ex.request = {
                **ex.request,
                "headers": add_cloudfront_headers(ex.request["headers"], ex.viewer, names),
            }
        return self.next(ex)


class ViewerResponseFunction(StageUnit):
    """Viewer response: hits and misses, unless a function failed or the status is
    >= 400 (§8.1); it sees the response without its body."""

    trigger = VRESP

    def __call__(self, ex: Exchange) -> Reply:
        reply = self.next(ex)
        if reply.failed or reply.status >= 400:
            return reply
        resp = reply.response
        step = self.run(
            ex,
            {
                "request": _without(ex.request, "body"),
                "response": _without(resp, "body", "bodyEncoding"),
            },
        )
        if step.kind == "fail":
            return Reply(step.message, "Error")
        return Reply(_keep_body(step.message, resp), reply.cache, reply.generated_by)


class EdgeCache(StageUnit):
    """The edge cache: a hit answers with ``Age``; a miss goes on and its reply is
    stored for its TTL (§8.2, §8.3). Failures are never cached."""

    def __call__(self, ex: Exchange) -> Reply:
        dist, now = self.dist, ex.now
        policy = dist.cache_policy
        req = ex.request
        method = req["method"]
        cacheable = method in policy.cached_methods
        ex.cache_key = policy.key(
            dist.domain_name, method, req["uri"], req["querystring"], req["headers"]
        )
        entry = dist.cache.get(ex.cache_key, now) if cacheable else None
        if entry is not None:
            ex.age = entry.age(now)
            ex.ttl = entry.ttl
            headers = {**entry.response["headers"], "age": [{"key": "Age", "value": str(ex.age)}]}
            return Reply({**entry.response, "headers": headers}, "Hit")
        reply = self.next(ex)
        if not reply.failed and cacheable and method != "HEAD":
            ex.ttl = policy.ttl(reply.status, reply.response["headers"], now)
            if ex.ttl > 0:
                dist.cache.put(ex.cache_key, reply.response, ex.ttl, now)
        return reply


class OriginRequestFunction(StageUnit):
    """CallOrigin request, on a miss: a generated response is cached and skips origin
    response, but viewer response still runs (§8.1, UNSURE)."""

    trigger = OREQ

    def __call__(self, ex: Exchange) -> Reply:
        assert ex.origin_request is not None
        step = self.run(ex, {"request": self.body_event(ex, ex.origin_request)})
        if step.kind == "fail":
            return Reply(step.message, "Error")
        if step.kind == "respond":
            return Reply(step.message, "LambdaGeneratedResponse", OREQ)
        ex.origin_request, ex.body = _apply_body(step.message, ex.body)
        return self.next(ex)


class ForwardToOrigin(StageUnit):
    """What CloudFront sends the origin on a miss, before origin request: the headers,
    cookies and query strings the policies forward, ``Host``, ``Via``,
    ``X-Forwarded-For``, the normalised ``Accept-Encoding`` (§1.8, §8.3)."""

    def __call__(self, ex: Exchange) -> Reply:
        ex.origin_request, ex.forwarded_querystring = self.origin_request(ex)
        return self.next(ex)

    def origin_request(self, ex: Exchange) -> tuple[dict[str, Any], str]:
        dist, req = self.dist, ex.request
        vh = req["headers"]
        out = MutableHeaders(self.forwarded_headers(vh))
        viewer = Headers(vh)
        if "user-agent" not in out:
            out["User-Agent"] = "Amazon CloudFront"
        xff = viewer.get_list("x-forwarded-for")
        out["X-Forwarded-For"] = forwarded_for(", ".join(xff) if xff else None, ex.viewer.client_ip)
        via = via_value(dist.domain_name, ex.viewer.edge_location)
        old_via = viewer.get("via")
        out["Via"] = f"{old_via}, {via}" if old_via else via
        cp = dist.cache_policy
        if cp.compresses:
            out["Accept-Encoding"] = cp.accept_encoding(viewer.get("accept-encoding")) or "identity"
        if dist.forward_cookies == "all" and "cookie" in vh:
            out.raw["cookie"] = vh["cookie"]
        else:
            jar = select_cookies(vh, dist.forward_cookies)
            if jar:
                out["Cookie"] = cookie_header(jar)
            else:
                out.remove("cookie")
        if ex.body is not None:
            out["Content-Length"] = str(len(ex.body))
        qs = self.forwarded_querystring(req["querystring"])
        shown = qs if dist.origin_events_see_querystring else ""
        origin = dist.origin_object
        oreq = {
            "clientIp": req["clientIp"],
            "headers": out.raw,
            "method": req["method"],
            "querystring": shown,
            "uri": req["uri"],
            "origin": {k: dict(v) for k, v in origin.items()},
        }
        return oreq, qs

    def forwarded_headers(self, vh: dict[str, Any]) -> dict[str, Any]:
        dist = self.dist
        if dist.forward_all_headers:
            return dict(vh)
        out = {name: vh[name] for name in dist.forward_headers if name in vh}
        if "host" not in dist.forward_headers:
            origin = dist.origin_object
            domain = (origin.get("custom") or origin.get("s3") or {}).get("domainName", "")
            out["host"] = [{"key": "Host", "value": domain}]
        return out

    def forwarded_querystring(self, qs: str) -> str:
        sel = self.dist.forward_query_strings
        if sel == "none":
            return ""
        if sel == "all":
            return qs
        return "&".join(p for p in qs.split("&") if p and p.partition("=")[0] in sel)


class OriginResponseFunction(StageUnit):
    """CallOrigin response, after the origin answered (not after an unreachable origin or
    a generated response, §8.1); it sees the response without its body."""

    trigger = ORESP

    def __call__(self, ex: Exchange) -> Reply:
        reply = self.next(ex)
        if reply.failed or reply.generated_by is not None:
            return reply
        assert ex.origin_request is not None
        resp = reply.response
        step = self.run(
            ex,
            {
                "request": _without(ex.origin_request, "body"),
                "response": _without(resp, "body", "bodyEncoding"),
            },
        )
        if step.kind == "fail":
            return Reply(step.message, "Error")
        return Reply(_keep_body(step.message, resp), reply.cache)


class CallOrigin:
    """The innermost stage: send the origin request to the origin (§8.1, §6)."""

    def __init__(self, dist: Distribution) -> None:
        self.dist = dist

    def __call__(self, ex: Exchange) -> Reply:
        dist = self.dist
        assert ex.origin_request is not None
        send = dict(ex.origin_request)
        if send["querystring"] == (
            ex.forwarded_querystring if dist.origin_events_see_querystring else ""
        ):
            send["querystring"] = ex.forwarded_querystring
        send["headers"] = {
            **send["headers"],
            "x-amz-cf-id": [{"key": "X-Amz-Cf-Id", "value": ex.request_id}],
        }
        if ex.body is not None:
            send["body"] = {"encoding": "base64", "data": base64.b64encode(ex.body).decode("ascii")}
        origin = (
            dist.origin
            if send["origin"] == dist.origin_object
            else (dist.router if "custom" in send["origin"] else dist.origin)
        )
        started = perf()
        try:
            resp = origin(send)
            if not (
                isinstance(resp, dict)
                and isinstance(resp.get("status"), str)
                and isinstance(resp.get("headers"), dict)
            ):
                resp = as_response(resp)
        except OriginError as exc:
            return self.failed(ex, send, started, exc.status, str(exc))
        except Exception as exc:  # an origin function's own failure: no response (502)
            return self.failed(
                ex, send, started, 502, f"the origin raised {type(exc).__name__}: {exc}"
            )
        ex.origin_call = OriginCall(send, resp, (perf() - started) * 1000)
        if dist.forward_cookies == "none" and "set-cookie" in resp["headers"]:
            resp = {**resp, "headers": _without(resp["headers"], "set-cookie")}
        resp.setdefault("statusDescription", status_phrase(resp["status"]))
        return Reply(resp, "Miss")

    def failed(
        self, ex: Exchange, send: dict[str, Any], started: float, status: int, message: str
    ) -> Reply:
        ex.origin_call = OriginCall(send, None, (perf() - started) * 1000, message)
        return error_reply(status, message, ex.request_id)


#: The stages, outermost first; the distribution folds them around :class:`Origin`.
STACK: tuple[type[StageUnit], ...] = (
    ViewerRequestFunction,
    AddCloudFrontHeaders,
    ViewerResponseFunction,
    EdgeCache,
    ForwardToOrigin,
    OriginRequestFunction,
    OriginResponseFunction,
)


def build_stack(dist: Distribution, stack: tuple[type[StageUnit], ...] = STACK) -> Next:
    """Fold the units of ``stack`` around the origin; function stages with no function
    attached are left out."""
    app: Next = CallOrigin(dist)
    for unit in reversed(stack):
        if unit.trigger is None or unit.trigger in dist.triggers:
            app = unit(app, dist)
    return app


def run_chain(dist: Distribution, viewer: ViewerRequest) -> Trace:
    """Send ``viewer`` through ``dist``'s stages and record what happened."""
    ex = Exchange(
        viewer,
        viewer.request_id or new_request_id(),
        viewer.time if viewer.time is not None else dist.clock(),
        {
            "clientIp": viewer.client_ip,
            "headers": viewer.header_map(dist.domain_name),
            "method": viewer.method,
            "querystring": viewer.querystring,
            "uri": viewer.uri,
        },
        viewer.body,
    )
    reply = dist.stack(ex)
    return Trace(
        ex.request_id,
        viewer,
        ex.now,
        reply.cache,
        _to_viewer(dist, ex, reply),
        ex.stages,
        ex.origin_call,
        ex.cache_key,
        ex.ttl,
        ex.age,
        (perf() - ex.started) * 1000,
        generated_by=reply.generated_by,
    )


def _to_viewer(dist: Distribution, ex: Exchange, reply: Reply) -> dict[str, Any]:
    """What CloudFront adds to every response on its way out (X-EdgeCache, Via, X-Amz-Cf-*)."""
    resp, viewer = reply.response, ex.viewer
    headers = dict(resp.get("headers", {}))
    ver = "1.1" if viewer.http_version.startswith("1") else "2.0"
    headers.setdefault(
        "via",
        [{"key": "Via", "value": ver + via_value(dist.domain_name, viewer.edge_location)[3:]}],
    )
    if not reply.failed or "x-cache" not in headers:
        headers["x-cache"] = [{"key": "X-Cache", "value": f"{reply.cache} from cloudfront"}]
    headers["x-amz-cf-pop"] = [{"key": "X-Amz-Cf-Pop", "value": viewer.edge_location}]
    headers["x-amz-cf-id"] = [{"key": "X-Amz-Cf-Id", "value": ex.request_id}]
    final = {**resp, "headers": headers}
    if viewer.method == "HEAD":
        final.pop("body", None)
        final.pop("bodyEncoding", None)
    return final
