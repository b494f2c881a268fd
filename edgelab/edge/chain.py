"""The chain as composed stages: one viewer request through a distribution (facts §8.1).

CloudFront first picks the cache behaviour from the viewer's uri (facts §3.1), once: a
function that rewrites the uri does not pick again (lambda-edge-facts §8.2). Each
behaviour has its own chain, the units of :data:`STACK` folded around the origin,
outermost first (starlette's middleware stack is the model). A unit gets the
:class:`~edgelab.edge.exchange.Exchange` and calls ``self.next`` for the rest of the
chain, or answers without it; units a behaviour does not need (a function stage without
a function, a viewer protocol policy of allow-all ...) are left out. Read down for the
request, up for the response::

    viewer ──▶ ContinuousDeployment     some requests to the staging copy's chain (§9)
               ViewerProtocolPolicy     HTTP -> 301/307 to HTTPS, or 403 (§3.3)
               AllowedMethods           a method the behaviour refuses: 403 (§3.2)
               CustomErrorResponses     an error status -> the custom error page (§6)
               ViewerRequestCloudFrontFunction   VReq as a CloudFront Function
               ViewerRequestFunction    VReq; a generated response goes back uncached
               AddCloudFrontHeaders     the CloudFront-* headers a policy asks for (§7)
               ViewerResponseCloudFrontFunction  VResp as a CloudFront Function
               ViewerResponseFunction   VResp, on the way back (not for errors, >= 400)
               ResponseHeadersPolicy    CORS, security, ... Server-Timing, before VResp (§5)
               DefaultRootObject        "/" -> the default root object (§7)
               EdgeCache                the POP's cache, then the regional edge cache (§8)
               Compress                 gzip or Brotli what the origin sent (§3.4)
               ForwardToOrigin          the origin request the policies allow (§8.3)
               OriginGroupFailover      the group's secondary when the primary fails (§2)
               OriginRequestFunction    OReq; a generated response is cached
               OriginResponseFunction   OResp, on the way back (not after OReq responds)
    origin ◀── CallOrigin               the origin by id; unreachable: 502, too slow: 504

Adding a stage (a CloudFront Function, an origin group, a custom error page) is a
new unit plus one line in :data:`STACK`; the unit reads its behaviour's settings from
``self.behavior`` and says with ``wanted`` whether a behaviour needs it (the shape of
:class:`~edgelab.edge.response_headers.ResponseHeadersPolicy`)::

    class ResponseHeadersPolicy(StageUnit):
        @classmethod
        def wanted(cls, dist, behavior):
            return behavior.response_headers_policy is not None

        def __call__(self, ex: Exchange) -> Reply:
            reply = self.next(ex)
            ...                       # add the policy's headers to reply.response
            return reply

    STACK = (..., AddCloudFrontHeaders, ViewerResponseFunction, ResponseHeadersPolicy,
             DefaultRootObject, ...)   # inside VResp: VResp sees the policy's headers

A custom error page is fetched through :data:`PAGE_STACK` of the behaviour its path
matches: the stages after viewer response, its response headers policy included
(:mod:`edgelab.edge.error_pages`).

CloudFront Functions (:mod:`edgelab.edge.cloudfront_function`):
``ViewerRequestCloudFrontFunction`` just before :class:`ViewerRequestFunction` and
  ``ViewerResponseCloudFrontFunction`` just before :class:`ViewerResponseFunction` (a
  behaviour has one or the other kind on a viewer event, never both); ``wanted`` when
  ``behavior.cff`` has the event. The viewer-request one adds the ``CloudFront-*``
  headers itself, before the function (so :class:`AddCloudFrontHeaders` is left out of
  such a behaviour), and sets ``ex.origin_override`` when the function's origin helpers
  chose an origin, which :class:`ForwardToOrigin` sends the request to.

The rules and the UNSURE points decided are :data:`CHAIN_DECISIONS` and
:data:`DISTRIBUTION_DECISIONS` (rendered into the README and by ``edgelab rules
--decisions``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..runtimes.context import new_request_id
from ..triggers import Trigger
from .caching import EdgeCache
from .cloudfront_function import ViewerRequestCloudFrontFunction, ViewerResponseCloudFrontFunction
from .cloudfront_headers import add_cloudfront_headers, via_value
from .compression import Compress
from .decisions import CHAIN_DECISIONS, DISTRIBUTION_DECISIONS
from .deployment import ContinuousDeployment
from .edge_rules import AllowedMethods, DefaultRootObject, ViewerProtocolPolicy
from .error_pages import CustomErrorResponses
from .exchange import Exchange, Next, Reply, perf
from .failover import OriginGroupFailover
from .forward import CallOrigin, ForwardToOrigin
from .response_headers import ResponseHeadersPolicy
from .stage import StageUnit, apply_body, keep_body, without
from .trace import Trace
from .viewer import ViewerRequest

if TYPE_CHECKING:
    from .behavior import CacheBehavior
    from .distribution import Distribution

__all__ = [
    "CHAIN_DECISIONS",
    "DISTRIBUTION_DECISIONS",
    "PAGE_STACK",
    "STACK",
    "AddCloudFrontHeaders",
    "AllowedMethods",
    "CallOrigin",
    "Compress",
    "ContinuousDeployment",
    "CustomErrorResponses",
    "DefaultRootObject",
    "EdgeCache",
    "ForwardToOrigin",
    "OriginGroupFailover",
    "OriginRequestFunction",
    "OriginResponseFunction",
    "ResponseHeadersPolicy",
    "StageUnit",
    "ViewerProtocolPolicy",
    "ViewerRequestCloudFrontFunction",
    "ViewerRequestFunction",
    "ViewerResponseCloudFrontFunction",
    "ViewerResponseFunction",
    "build_stack",
    "run_chain",
]

VREQ, OREQ, ORESP, VRESP = tuple(Trigger)


class _RequestFunction(StageUnit):
    """What the two request triggers' function stages share: the request (with the
    body event when the request has a body) in, then a failure or a generated response
    answers, or the request the function returned goes on (its body, if it set one,
    taken into the exchange)."""

    def run_request(self, ex: Exchange, request: dict[str, Any]) -> Reply | dict[str, Any]:
        if ex.body is not None:  # else body_event gives the request as it is
            request = self.body_event(ex, request)
        step = self.run(ex, {"request": request})
        kind, message = step.kind, step.message
        if kind == "fail":
            return Reply(message, "Error")
        if kind == "respond":
            return Reply(message, "LambdaGeneratedResponse", self.trigger)
        if message.get("body") is None:  # apply_body would change nothing
            return message
        message, ex.body = apply_body(message, ex.body)
        return message


class ViewerRequestFunction(_RequestFunction):
    """Viewer request: every request, before the cache (§8.1); a generated response
    goes to the viewer uncached."""

    trigger = VREQ

    def __call__(self, ex: Exchange) -> Reply:
        out = self.run_request(ex, ex.request)
        if isinstance(out, Reply):
            return out
        ex.request = out
        return self.next(ex)


class AddCloudFrontHeaders(StageUnit):
    """The ``CloudFront-*`` headers a policy asks for, added after viewer request (§7);
    a viewer-request CloudFront Function gets them before it runs instead (CFF §7)."""

    @classmethod
    def wanted(cls, dist: Distribution, behavior: CacheBehavior) -> bool:
        return VREQ not in behavior.cff

    def __call__(self, ex: Exchange) -> Reply:
        names = self.behavior.cloudfront_header_names
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
                "request": without(ex.request, "body"),
                "response": without(resp, "body", "bodyEncoding"),
            },
        )
        if step.kind == "fail":
            return Reply(step.message, "Error")
        return Reply(keep_body(step.message, resp), reply.cache, reply.generated_by)


class OriginRequestFunction(_RequestFunction):
    """Origin request, on a miss: a generated response is cached and skips origin
    response, but viewer response still runs (§8.1, UNSURE)."""

    trigger = OREQ

    def __call__(self, ex: Exchange) -> Reply:
        assert ex.origin_request is not None
        out = self.run_request(ex, ex.origin_request)
        if isinstance(out, Reply):
            return out
        ex.origin_request = out
        return self.next(ex)


class OriginResponseFunction(StageUnit):
    """Origin response, after the origin answered (not after an unreachable origin or
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
                "request": without(ex.origin_request, "body"),
                "response": without(resp, "body", "bodyEncoding"),
            },
        )
        if step.kind == "fail":
            return Reply(step.message, "Error")
        return Reply(keep_body(step.message, resp), reply.cache)


#: The stages, outermost first; each behaviour folds them around :class:`CallOrigin`.
STACK: tuple[type[StageUnit], ...] = (
    ContinuousDeployment,
    ViewerProtocolPolicy,
    AllowedMethods,
    CustomErrorResponses,
    ViewerRequestCloudFrontFunction,
    ViewerRequestFunction,
    AddCloudFrontHeaders,
    ViewerResponseCloudFrontFunction,
    ViewerResponseFunction,
    ResponseHeadersPolicy,
    DefaultRootObject,
    EdgeCache,
    Compress,
    ForwardToOrigin,
    OriginGroupFailover,
    OriginRequestFunction,
    OriginResponseFunction,
)

#: What fetches a custom error page through its behaviour (facts §6.1, §6.3): the stages
#: after viewer response (viewer request and viewer response do not run for it).
PAGE_STACK: tuple[type[StageUnit], ...] = STACK[STACK.index(ViewerResponseFunction) + 1 :]


def build_stack(
    dist: Distribution,
    stack: tuple[type[StageUnit], ...] = STACK,
    behavior: CacheBehavior | None = None,
) -> Next:
    """Fold the units of ``stack`` around the origin for ``behavior`` (default: the
    distribution's default behaviour), leaving out the units it does not need."""
    b = behavior if behavior is not None else dist.default_behavior
    app: Next = CallOrigin(dist, b)
    for unit in reversed(stack):
        if unit.wanted(dist, b):
            app = unit(app, dist, b)
    return app


def run_chain(dist: Distribution, viewer: ViewerRequest) -> Trace:
    """Send ``viewer`` through ``dist``: pick the behaviour from the viewer's uri, run its
    stages and record what happened."""
    behavior = dist._single or dist.behavior_for(viewer.uri)  # one behaviour: no call
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
        behavior,
    )
    assert behavior.stack is not None
    reply = behavior.stack(ex)
    behavior = ex.behavior or behavior  # continuous deployment may route to staging
    if behavior.notes:
        ex.notes[:0] = behavior.notes
    if ex.bypass and ex.cache_tier == "origin":
        ex.notes.append(f"regional edge cache bypassed: {ex.bypass}")
    origin = ex.origin if ex.origin_call is not None else None
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
        notes=ex.notes,
        generated_by=reply.generated_by,
        behavior=behavior.path_pattern,
        origin_id=origin.id if origin is not None else None,
        origin_kind=(origin.kind if origin is not None else "http") if ex.origin_call else None,
        cache_tier=ex.cache_tier,
        regional_edge_cache=ex.regional if ex.cache_tier else None,
        deployment=ex.deployment,
        edge_rule=reply.edge_rule,
        attempts=ex.attempts,
        error_page=ex.error_page,
    )


def _to_viewer(dist: Distribution, ex: Exchange, reply: Reply) -> dict[str, Any]:
    """What CloudFront adds to every response on its way out (X-Cache, Via, X-Amz-Cf-*)."""
    resp, viewer = reply.response, ex.viewer
    headers = dict(resp.get("headers", {}))
    if "via" not in headers:  # an origin's Via is kept
        via = _viewer_via(dist.domain_name, viewer.edge_location, viewer.http_version)
        headers["via"] = [{"key": "Via", "value": via}]
    if not reply.failed or "x-cache" not in headers:
        headers["x-cache"] = [{"key": "X-Cache", "value": f"{reply.cache} from cloudfront"}]
    headers["x-amz-cf-pop"] = [{"key": "X-Amz-Cf-Pop", "value": viewer.edge_location}]
    headers["x-amz-cf-id"] = [{"key": "X-Amz-Cf-Id", "value": ex.request_id}]
    final = dict(resp)
    final["headers"] = headers
    if viewer.method == "HEAD":
        final.pop("body", None)
        final.pop("bodyEncoding", None)
    return final


@lru_cache(maxsize=1024)
def _viewer_via(domain_name: str, edge_location: str, http_version: str) -> str:
    """The ``Via`` a viewer gets: its HTTP version, then the edge location's hash."""
    ver = "1.1" if http_version.startswith("1") else "2.0"
    return ver + via_value(domain_name, edge_location)[3:]
