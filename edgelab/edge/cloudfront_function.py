"""CloudFront Functions in the chain: the two viewer stages that run a behaviour's
CloudFront Functions (cloudfront-functions-facts, cited as CFF §n below).

* :class:`ViewerRequestCloudFrontFunction` runs just before the (absent) Lambda@Edge
  viewer request: the ``CloudFront-*`` headers a policy asks for are added first, as
  CloudFront shows them to a CloudFront Function (CFF §7); the chain's request becomes
  the function's event (``{value, multiValue}`` headers, cookies, query string, a
  ``context`` with the distribution's domain name and id, the event type and the
  request id; CFF §2), and what the function returns goes on: a request (with the origin
  its helpers chose, CFF §5.5), a generated response sent to the viewer uncached
  (``X-Cache: FunctionGeneratedResponse from cloudfront``, CFF §3), or CloudFront's
  502/503 page (CFF §4.2).
* :class:`ViewerResponseCloudFrontFunction` runs on the way back, for responses under
  400 that no function failed (CFF §4.3), and sees the response without its body.

Both sit outside the cache and the origin stages, so neither runs again when an origin
group fails over (CFF §4.3). Each run is a :class:`~edgelab.edge.trace.Stage` of kind
``cloudfront-function`` with its runtime and compute utilization; its ``input`` and
``output`` are in the chain's (Lambda@Edge) shape, so diffs and row columns read the
same for both kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..cloudfront_functions.event import (
    cff_request,
    cff_response,
    effective_values,
    querystring_to_string,
    to_lambda_response,
)
from ..cloudfront_functions.result import FunctionResult, cff_error_response
from ..event.headers import Headers, canonical_key, header_map
from ..triggers import Trigger
from .cloudfront_headers import add_cloudfront_headers
from .exchange import Exchange, FunctionOriginGroup, OriginOverride, Reply, Step
from .stage import StageUnit, keep_body, without
from .trace import Stage

if TYPE_CHECKING:
    from .behavior import BoundCloudFrontFunction, CacheBehavior
    from .distribution import Distribution
    from .targets import OriginTarget

VREQ, VRESP = Trigger.VIEWER_REQUEST, Trigger.VIEWER_RESPONSE
KIND = "cloudfront-function"

__all__ = [
    "ViewerRequestCloudFrontFunction",
    "ViewerResponseCloudFrontFunction",
    "apply_origin_changes",
    "run_cloudfront_function",
]


class _CloudFrontFunctionStage(StageUnit):
    """What the two stages share: the behaviour's function for ``cff_trigger``."""

    cff_trigger: Trigger = VREQ

    def __init__(
        self, next: Any, dist: Distribution, behavior: CacheBehavior | None = None
    ) -> None:
        super().__init__(next, dist, behavior)
        self.fn: BoundCloudFrontFunction = self.behavior.cff[self.cff_trigger]
        self._edges: dict[str, dict[str, str]] = {}

    @classmethod
    def wanted(cls, dist: Distribution, behavior: CacheBehavior) -> bool:
        return cls.cff_trigger in behavior.cff

    def edge(self, code: str) -> dict[str, str]:
        """``cf.edgeLocation`` for a POP (CFF §5.2): its IATA code and the Region of the
        regional edge cache it uses."""
        if code not in self._edges:
            self._edges[code] = {
                "name": code[:3].upper(),
                "serverIp": "198.51.100.10",
                "region": self.dist.regional_for(code) or "",
            }
        return self._edges[code]


class ViewerRequestCloudFrontFunction(_CloudFrontFunctionStage):
    """Viewer request as a CloudFront Function: every request, before the cache; the
    ``CloudFront-*`` headers of the policies are added before it runs (CFF §7)."""

    cff_trigger = VREQ

    def __call__(self, ex: Exchange) -> Reply:
        names = self.behavior.cloudfront_header_names
        if names:
            ex.request = {
                **ex.request,
                "headers": add_cloudfront_headers(ex.request["headers"], ex.viewer, names),
            }
        step, res = run_cloudfront_function(ex, self.dist, self.fn, ex.request, None, self.edge)
        if step.kind == "fail":
            return Reply(step.message, "Error")
        if step.kind == "respond":
            return Reply(step.message, "FunctionGeneratedResponse", VREQ)
        ex.request = step.message
        if res.origin_changes:
            apply_origin_changes(ex, self.dist, self.behavior, res.origin_changes)
        return self.next(ex)


class ViewerResponseCloudFrontFunction(_CloudFrontFunctionStage):
    """Viewer response as a CloudFront Function: hits and misses, not for errors or a
    status >= 400 (CFF §4.3); it sees the response without its body and may set one."""

    cff_trigger = VRESP

    def __call__(self, ex: Exchange) -> Reply:
        reply = self.next(ex)
        if reply.failed or reply.status >= 400:
            return reply
        resp = reply.response
        step, _ = run_cloudfront_function(
            ex,
            self.dist,
            self.fn,
            without(ex.request, "body"),
            without(resp, "body", "bodyEncoding"),
            self.edge,
        )
        if step.kind == "fail":
            return Reply(step.message, "Error")
        return Reply(keep_body(step.message, resp), reply.cache, reply.generated_by)


def run_cloudfront_function(
    ex: Exchange,
    dist: Distribution,
    fn: BoundCloudFrontFunction,
    request: dict[str, Any],
    response: dict[str, Any] | None,
    edge: Any,
) -> tuple[Step, FunctionResult]:
    """Run ``fn`` on the chain's ``request`` (and ``response`` at viewer response), record
    its stage and say what the chain does next; the step's message is in the chain's
    shape."""
    trig = fn.trigger
    event = _function_event(ex, dist, trig, request, response)
    qs = request.get("querystring") or ""
    res: FunctionResult = fn.handler.invoke(
        event,
        trigger=trig,
        now=ex.now,
        request_id=ex.request_id,
        raw_querystring=qs or None,
        edge_location=edge(ex.viewer.edge_location) if trig is VREQ else {},
    )
    out = _result_in_chain_shape(res, event, request, response)
    _record_stage(ex, trig, res, response if response is not None else request, out)
    if res.error is not None:
        assert res.status is not None
        page = cff_error_response(res.status, res.error.type, request_id=ex.request_id)
        return Step("fail", to_lambda_response(page)), res
    assert out is not None
    if res.outcome == "response" and trig is VREQ:
        return Step("respond", out), res
    return Step("continue", out), res


def _function_event(
    ex: Exchange,
    dist: Distribution,
    trig: Trigger,
    request: dict[str, Any],
    response: dict[str, Any] | None,
) -> dict[str, Any]:
    """The CloudFront Functions event of this request (and response) (CFF §2)."""
    event: dict[str, Any] = {
        "version": "1.0",
        "context": {
            "distributionDomainName": dist.domain_name,
            "distributionId": dist.distribution_id,
            "eventType": trig.value,
            "requestId": ex.request_id,
        },
        "viewer": {"ip": ex.viewer.client_ip},
        "request": cff_request(request),
    }
    if response is not None:
        event["response"] = cff_response(response)
    return event


def _result_in_chain_shape(
    res: FunctionResult,
    event: Mapping[str, Any],
    request: dict[str, Any],
    response: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """What the function returned, as the chain's request or response; None when it
    returned nothing usable (an error)."""
    if res.outcome == "request" and res.request is not None:
        return request_from_cff(res.request, request, event["request"])
    if res.outcome == "response" and res.response is not None:
        return response_from_cff(res.response, response, event.get("response"))
    return None


def _record_stage(
    ex: Exchange,
    trig: Trigger,
    res: FunctionResult,
    before: dict[str, Any],
    out: dict[str, Any] | None,
) -> None:
    """The function's stage in the trace: what it saw, what it returned, its cost."""
    ex.stages.append(
        Stage(
            trig.value,
            res.outcome,
            before,
            out,
            res.duration_ms,
            list(res.violations),
            res.logs,
            res.error.to_dict() if res.error else None,
            False,
            KIND,
            res.runtime,
            round(res.compute_utilization, 2),
        )
    )


# -- the function's result in the chain's shape ---------------------------------------------
def _headers_from_cff(
    after: Mapping[str, Any], before: Mapping[str, list[dict[str, str]]]
) -> dict[str, list[dict[str, str]]]:
    """A ``{value, multiValue}`` map as ``{name: [{key, value}]}``, keeping the elements
    (and the key's case) of the headers the function left as they were; a new name gets
    CloudFront's capitalisation (CFF §2.4)."""
    out: dict[str, list[dict[str, str]]] = {}
    for name, entry in after.items():
        values = [str(v) for v in effective_values(entry)]
        old = before.get(name)
        if old is not None and Headers(before).get_list(name) == values:
            out[name] = old
        else:
            key = canonical_key(name)
            out[name] = [{"key": key, "value": v} for v in values]
    return out


def request_from_cff(
    req: Mapping[str, Any], before: dict[str, Any], before_cff: Mapping[str, Any]
) -> dict[str, Any]:
    """The request a viewer-request function returned as the chain's ``cf.request``: the
    query string and the ``Cookie`` header as the viewer sent them unless the function
    changed them (parsing and joining again would reorder them)."""
    old_headers = before.get("headers", {})
    headers = _headers_from_cff(req.get("headers", {}), old_headers)
    cookies = req.get("cookies", {})
    if cookies == before_cff.get("cookies"):
        if "cookie" in old_headers:
            headers["cookie"] = old_headers["cookie"]
    elif cookies:
        text = "; ".join(f"{n}={v}" for n, e in cookies.items() for v in effective_values(e))
        headers["cookie"] = [{"key": "Cookie", "value": text}]
    qs = req.get("querystring", {})
    querystring = (
        before.get("querystring", "")
        if qs == before_cff.get("querystring")
        else querystring_to_string(qs)
    )
    out = {
        **before,
        "headers": headers,
        "querystring": querystring,
        "uri": req.get("uri", before.get("uri", "/")),
    }
    return out


def response_from_cff(
    resp: Mapping[str, Any],
    before: dict[str, Any] | None,
    before_cff: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """A function's response (generated, or viewer response's) as the chain's
    ``cf.response``; unchanged headers and ``Set-Cookie`` lines keep their elements."""
    out = to_lambda_response(resp)
    if before is None or before_cff is None:
        return out
    old_headers = before.get("headers", {})
    headers = _headers_from_cff(resp.get("headers", {}), old_headers)
    if resp.get("cookies", {}) == before_cff.get("cookies"):
        if "set-cookie" in old_headers:
            headers["set-cookie"] = old_headers["set-cookie"]
    elif "set-cookie" in out["headers"]:
        headers["set-cookie"] = out["headers"]["set-cookie"]
    out["headers"] = headers
    return out


# -- the origin helpers (CFF §5.5) ----------------------------------------------------------
def apply_origin_changes(
    ex: Exchange,
    dist: Distribution,
    behavior: CacheBehavior,
    changes: list[dict[str, Any]],
) -> None:
    """Apply a viewer-request function's origin helper calls, in order, to this request:
    ``selectRequestOriginById`` picks an origin of the distribution (the validator has
    checked the ids), ``createRequestOriginGroup`` builds a group of two (its primary is
    tried first; :class:`~edgelab.edge.failover.OriginGroupFailover` fails over),
    ``updateRequestOrigin`` changes the fields of the origin's ``request.origin`` (a new
    ``domainName`` of another origin of the distribution is that origin; another custom
    domain is requested over HTTP on loopback, as when origin request switches origin)."""
    scheme = ex.viewer.protocol
    target: OriginTarget = behavior.target or dist.first_origin(behavior)
    block: dict[str, Any] | None = None
    host: str | None = None
    group: FunctionOriginGroup | None = None
    for change in changes:
        helper, params = change.get("helper"), change.get("params") or {}
        if helper == "selectRequestOriginById":
            target, block, host = dist.origins[params["originId"]], None, params.get("hostHeader")
            group = None
        elif helper == "createRequestOriginGroup":
            group = function_group(dist, params, scheme)
            target, block, host = dist.origins[group.primary], None, None
            ex.notes.append(
                f"cf.createRequestOriginGroup: origin group ({group.primary}, "
                f"{group.secondary}), failing over on {', '.join(map(str, sorted(group.codes)))}"
            )
        elif helper == "updateRequestOrigin":
            start = block or (group.blocks.get(target.id) if group is not None else None)
            block = updated_block(start or target.block(scheme), params)
            host = params.get("hostHeader", host)
    ex.origin_override = OriginOverride(target, block, host, group)


def function_group(
    dist: Distribution, params: Mapping[str, Any], scheme: str
) -> FunctionOriginGroup:
    """``createRequestOriginGroup``'s parameters (the validator checked them, CFF §5.5) as
    the group :class:`~edgelab.edge.failover.OriginGroupFailover` tries: ``originIds``
    as ids or ``{originId, originOverrides}`` (the overrides change that member's block
    as ``updateRequestOrigin`` would), ``failoverCriteria`` as ``{statusCodes}`` or a
    list. ``selectionCriteria`` does not change which origin is tried first here."""
    members = [m if isinstance(m, Mapping) else {"originId": m} for m in params["originIds"]]
    ids = [str(m["originId"]) for m in members]
    blocks: dict[str, dict[str, Any]] = {}
    hosts: dict[str, str] = {}
    for oid, member in zip(ids, members, strict=True):
        overrides = member.get("originOverrides")
        if isinstance(overrides, Mapping):
            blocks[oid] = updated_block(dist.origins[oid].block(scheme), overrides)
            if overrides.get("hostHeader"):
                hosts[oid] = str(overrides["hostHeader"])
    failover = params.get("failoverCriteria")
    codes = failover.get("statusCodes") if isinstance(failover, Mapping) else failover
    return FunctionOriginGroup(
        ids[0], ids[1], frozenset(int(c) for c in codes or ()), blocks, hosts
    )


def updated_block(block: dict[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """``request.origin`` with ``updateRequestOrigin``'s fields applied (CFF §5.5)."""
    kind, fields = next(iter(block.items()))
    f = dict(fields)
    if "domainName" in params:
        f["domainName"] = params["domainName"]
    if "originPath" in params:
        f["path"] = params["originPath"]
    if "customHeaders" in params:  # {} removes the configured ones
        f["customHeaders"] = header_map(
            {str(k): str(v) for k, v in (params["customHeaders"] or {}).items()}
        )
    timeouts = params.get("timeouts") or {}
    config = params.get("customOriginConfig") or {}
    if kind == "custom":
        for src, dst in (("readTimeout", "readTimeout"), ("keepAliveTimeout", "keepaliveTimeout")):
            if src in timeouts:
                f[dst] = timeouts[src]
        for src, dst in (
            ("port", "port"),
            ("protocol", "protocol"),
            ("sslProtocols", "sslProtocols"),
        ):
            if src in config:
                f[dst] = config[src]
    return {kind: f}
