"""Custom error responses (distribution facts §6, lambda-edge-facts §8.1).

:class:`CustomErrorResponses` sits just inside the viewer protocol policy and the allowed
methods, around the viewer request function and everything after it. When the response
on its way back has a status the distribution has a custom error response for, with a
response page path, CloudFront:

* fetches the page through the first behaviour whose path pattern matches the page's
  path (facts §6.1): that behaviour's cache (the page is cached under its own path, with
  its behaviour's TTLs), its origin or origin group, and its origin request and origin
  response functions; viewer request does not run again and viewer response does not run
  for an error page (§6.3, lambda-edge-facts §8.1, §13);
* sends the page with the response code (the original status when none is given);
* sends what the page's origin answered instead when the page cannot be fetched (a
  status of 400 or more, or an unreachable origin, §6.1).

The error response itself is cached for its error caching TTL
(:meth:`~edgelab.edge.cache.CachePolicy.error_caching_ttl`, §6.2), so a later request
is a hit on the error and a hit on the page. A response a function generated, and the
answers CloudFront gives at the edge (a redirect to HTTPS, a refused protocol or
method), are sent as they are. The trace's ``error_page``
(:class:`~edgelab.edge.trace.ErrorPage`) says which status was replaced by which page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..event.build import status_phrase
from .exchange import Exchange, Reply
from .stage import StageUnit
from .trace import ErrorPage

if TYPE_CHECKING:
    from .behavior import CacheBehavior
    from .distribution import Distribution

#: replies that keep their status: a function's generated response (facts §6.3)
GENERATED = frozenset({"LambdaGeneratedResponse", "FunctionGeneratedResponse"})
#: what CloudFront tells a custom error page's origin (facts §6.1)
ERROR_HEADERS = ("cloudfront-error-uri", "cloudfront-error-args")


def error_headers(ex: Exchange, behavior: CacheBehavior) -> dict[str, Any]:
    """The headers of a custom error page's fetch: the request's, plus
    ``CloudFront-Error-Uri`` and ``CloudFront-Error-Args`` (the uri and query string that
    got the error) when the page's behaviour names them in its origin request policy
    (facts §6.1, lambda-edge-facts §13, UNSURE)."""
    headers = {k: v for k, v in ex.request["headers"].items() if k not in ERROR_HEADERS}
    names = behavior.cloudfront_header_names
    for name, key, value in (
        ("cloudfront-error-uri", "CloudFront-Error-Uri", ex.request["uri"]),
        ("cloudfront-error-args", "CloudFront-Error-Args", ex.request["querystring"]),
    ):
        if name in names:
            headers[name] = [{"key": key, "value": value}]
    return headers


class CustomErrorResponses(StageUnit):
    """A distribution's custom error responses; see the module docstring."""

    @classmethod
    def wanted(cls, dist: Distribution, behavior: CacheBehavior) -> bool:
        """Only when a custom error response has a page (one that sets only the error
        caching TTL acts through the cache policy, :mod:`edgelab.edge.config`)."""
        errors = getattr(dist.spec, "custom_error_responses", ())
        return bool(dist.error_codes) and any(e.response_page_path for e in errors)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.responses = {
            int(e.error_code): e
            for e in getattr(self.dist.spec, "custom_error_responses", ())
            if e.response_page_path
        }

    def __call__(self, ex: Exchange) -> Reply:
        reply = self.next(ex)
        e = self.responses.get(reply.status)
        if (
            e is None
            or reply.generated_by is not None
            or reply.cache in GENERATED
            or reply.edge_rule is not None
        ):
            return reply
        return self.serve(ex, reply, e)

    def serve(self, ex: Exchange, reply: Reply, e: Any) -> Reply:
        """Fetch ``e``'s page through the behaviour that matches it and send it."""
        page: str = e.response_page_path
        behavior = self.dist.behavior_for(page)
        fetch = Exchange(
            ex.viewer,
            ex.request_id,
            ex.now,
            {
                "clientIp": ex.request["clientIp"],
                "headers": error_headers(ex, behavior),
                "method": "GET",
                "querystring": "",
                "uri": page,
            },
            None,
            behavior,
            ex.deployment,
        )
        got = self.dist.error_page_stack(behavior)(fetch)
        ex.notes.extend(n for n in fetch.notes if n not in ex.notes)
        served = not got.failed and got.status < 400
        code = int(e.response_code or reply.status) if served else got.status
        ex.error_page = ErrorPage(
            reply.status,
            page,
            code,
            got.status,
            behavior.path_pattern,
            got.cache,
            fetch.cache_tier,
            fetch.origin.id if fetch.origin_call is not None and fetch.origin else None,
            fetch.stages,
            served,
        )
        if not served:
            ex.notes.append(
                f"custom error response for {reply.status}: the page {page} could not be "
                f"fetched ({got.status}), so the viewer gets what its origin answered "
                "(facts §6.1)"
            )
            return Reply(got.response, got.cache, got.generated_by)
        ex.notes.append(
            f"custom error response: the {reply.status} was replaced by {page} (behaviour "
            f"{behavior.path_pattern}, {got.cache}), sent as {code} (facts §6.1)"
        )
        response = {**got.response, "status": str(code), "statusDescription": status_phrase(code)}
        return Reply(response, reply.cache)
