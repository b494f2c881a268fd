"""The origin side of a miss: what CloudFront sends the origin, and sending it.

* :class:`ForwardToOrigin` (a stage unit) builds the origin request from the viewer
  request as viewer request left it: the headers, cookies and query strings the
  behaviour's cache and origin request policies forward (facts §4.2, lambda-edge-facts
  §8.3), ``Host``, ``User-Agent``, ``Via``, ``X-Forwarded-For``, the normalised
  ``Accept-Encoding``, the revalidation headers of an expired object, and the target
  origin's ``request.origin`` block (§1.6), which origin request sees.
* :class:`CallOrigin` (the innermost stage) adds what goes on the wire only (the origin's
  custom headers, ``X-Amz-Cf-Id``, the body) and calls the origin the block names:
  unreachable is a 502, too slow a 504 (facts §6).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from ..errors import OriginError
from ..event.build import status_phrase
from ..event.headers import (
    Headers,
    MutableHeaders,
    all_values,
    cookie_header,
    first_value,
    header_map,
    select_cookies,
)
from .cloudfront_headers import forwarded_for, via_value
from .exchange import Exchange, Reply, error_reply, perf
from .origins import as_response
from .stage import StageUnit, without
from .trace import OriginCall

if TYPE_CHECKING:
    from .behavior import CacheBehavior
    from .distribution import Distribution
    from .targets import OriginTarget


class ForwardToOrigin(StageUnit):
    """What CloudFront sends the origin on a miss, before origin request: the headers,
    cookies and query strings the behaviour's policies forward, ``Host``, ``Via``,
    ``X-Forwarded-For``, the normalised ``Accept-Encoding`` (§1.8, §8.3), and the target
    origin's ``request.origin`` block (§1.6), or the origin a viewer-request CloudFront
    Function chose (``ex.origin_override``). For an origin group the primary is tried
    first (:class:`~edgelab.edge.failover.OriginGroupFailover` tries the secondary)."""

    def __call__(self, ex: Exchange) -> Reply:
        override = ex.origin_override
        ex.origin = (
            override.target
            if override is not None
            else self.behavior.target or self.dist.first_origin(self.behavior)
        )
        ex.origin_request, ex.forwarded_querystring = self.origin_request(ex, ex.origin)
        return self.next(ex)

    def origin_request(self, ex: Exchange, origin: OriginTarget) -> tuple[dict[str, Any], str]:
        # The header lines are set as MutableHeaders sets them (the lowercase name -> one
        # line keyed as named), written out: this runs on every miss.
        b, req, viewer = self.behavior, ex.request, ex.viewer
        vh = req["headers"]
        override = ex.origin_override
        if override is None:
            block = origin.block(viewer.protocol)
        else:  # a CloudFront Function chose or changed the origin (CFF facts §5.5)
            block = override.block_for(origin, viewer.protocol)
        out = self.forwarded_headers(vh, block)
        host = override.host_for(origin) if override is not None else None
        if host:
            out["host"] = [{"key": "Host", "value": str(host)}]
        if not out.get("user-agent"):
            out["user-agent"] = [{"key": "User-Agent", "value": "Amazon CloudFront"}]
        xff = ", ".join(all_values(vh, "x-forwarded-for"))
        out["x-forwarded-for"] = [
            {"key": "X-Forwarded-For", "value": str(forwarded_for(xff or None, viewer.client_ip))}
        ]
        via = via_value(self.dist.domain_name, viewer.edge_location)
        old_via = first_value(vh, "via")
        out["via"] = [{"key": "Via", "value": f"{old_via}, {via}" if old_via else via}]
        cp = b.cache_policy
        if cp.compresses:
            accept = None
            if not viewer.http_version.startswith(("0.", "1.0")):
                accept = first_value(vh, "accept-encoding")
            ae = cp.accept_encoding(accept) or "identity"
            out["accept-encoding"] = [{"key": "Accept-Encoding", "value": str(ae)}]
        self.cookie_line(vh, out)
        if ex.body is not None:
            out["content-length"] = [{"key": "Content-Length", "value": str(len(ex.body))}]
        if ex.revalidate is not None:  # facts §4.5: ask whether the expired object changed
            headers = MutableHeaders(out)
            for name, value in ex.revalidate.validators.items():
                headers[name] = value
        qs = self.forwarded_querystring(req["querystring"])
        shown = qs if b.origin_events_see_querystring else ""
        oreq = {
            "clientIp": req["clientIp"],
            "headers": out,
            "method": req["method"],
            "querystring": shown,
            "uri": req["uri"],
            "origin": {k: dict(v) for k, v in block.items()},
        }
        return oreq, qs

    def cookie_line(self, vh: dict[str, Any], out: dict[str, Any]) -> None:
        """The ``Cookie`` line of the origin request: the cookies the policies forward."""
        selection = self.behavior.forward_cookies
        if selection == "all" and "cookie" in vh:
            out["cookie"] = vh["cookie"]
            return
        jar = select_cookies(vh, selection)
        if jar:
            out["cookie"] = [{"key": "Cookie", "value": cookie_header(jar)}]
        else:
            out.pop("cookie", None)

    def forwarded_headers(self, vh: dict[str, Any], block: dict[str, Any]) -> dict[str, Any]:
        b = self.behavior
        if b.forward_all_headers:
            return dict(vh)
        if b.forward_headers_except is not None:
            out = {n: v for n, v in vh.items() if n in b.forward_headers_except}
        elif b.forward_headers:
            out = {name: vh[name] for name in b.forward_headers if name in vh}
        else:
            out = {}
        if not b.forwards_host:  # §4.2: Host is the origin's domain unless forwarded
            domain = (block.get("custom") or block.get("s3") or {}).get("domainName", "")
            out["host"] = [{"key": "Host", "value": domain}]
        return out

    def forwarded_querystring(self, qs: str) -> str:
        sel = self.behavior.forward_query_strings
        if sel == "none":
            return ""
        if sel == "all":
            return qs
        return "&".join(p for p in qs.split("&") if p and p.partition("=")[0] in sel)


class CallOrigin:
    """The innermost stage: send the origin request to the origin it names (§8.1, §6).

    The origin block of the request says which origin: the one the behaviour targets, or,
    when origin request switched it, another origin of the distribution with the same
    domain name, or a custom origin elsewhere (requested over HTTP on this machine)."""

    def __init__(self, dist: Distribution, behavior: CacheBehavior | None = None) -> None:
        self.dist = dist
        self.behavior = behavior if behavior is not None else dist.default_behavior

    def __call__(self, ex: Exchange) -> Reply:
        b = self.behavior
        assert ex.origin_request is not None and ex.origin is not None
        send = dict(ex.origin_request)
        if send["querystring"] == (
            ex.forwarded_querystring if b.origin_events_see_querystring else ""
        ):
            send["querystring"] = ex.forwarded_querystring
        own = ex.origin.block(ex.viewer.protocol)
        block = send.get("origin") or own
        fields: dict[str, Any] = next(iter(block.values()), {})
        custom = fields.get("customHeaders") if isinstance(fields, dict) else None
        headers = dict(send["headers"])
        headers["x-amz-cf-id"] = [{"key": "X-Amz-Cf-Id", "value": ex.request_id}]
        if custom:  # §1.2: origin custom headers overwrite the viewer's of the same name
            headers.update(header_map(Headers(custom).multi_items()))
        send["headers"] = headers
        if ex.body is not None:
            send["body"] = {"encoding": "base64", "data": base64.b64encode(ex.body).decode("ascii")}
        if block is own or block == own:  # the usual case, first
            origin = ex.origin.local
        else:
            origin, ex.origin = self.dist.origin_for(block, ex.origin, ex.viewer.protocol)
        if ex.origin is not None and ex.origin.kind == "echo":
            ex.notes.append(
                f"origin {ex.origin.id} is not mapped to anything local: edgelab's echo "
                f"origin answered (map it with --origin {ex.origin.id}=DIR_OR_URL)"
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
        if b.forward_cookies == "none" and "set-cookie" in resp["headers"]:
            resp = {**resp, "headers": without(resp["headers"], "set-cookie")}
        if "statusDescription" not in resp:
            resp["statusDescription"] = status_phrase(resp["status"])
        return Reply(resp, "Miss")

    def failed(
        self, ex: Exchange, send: dict[str, Any], started: float, status: int, message: str
    ) -> Reply:
        ex.origin_call = OriginCall(send, None, (perf() - started) * 1000, message)
        return error_reply(status, message, ex.request_id)
