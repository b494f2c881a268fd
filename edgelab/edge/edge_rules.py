"""What CloudFront decides at the edge by itself, from the behaviour's settings, before
any cache or origin: three stage units (each left out of a behaviour that does not need
it, so a distribution that uses none of them pays nothing).

* :class:`ViewerProtocolPolicy` (facts §3.3): an HTTP request to a ``redirect-to-https``
  behaviour gets a 301 (GET, HEAD), a 307 (other methods on HTTP/1.1 and later) or a 403
  (those methods on HTTP/1.0), with ``Location: https://...``; to an ``https-only``
  behaviour, a 403. No function runs (viewer request does not run on the automatic
  redirect, viewer response neither: lambda-edge-facts §8.1).
* :class:`AllowedMethods` (§3.2): a method the behaviour does not allow is refused with
  CloudFront's 403 before viewer request.
* :class:`DefaultRootObject` (§7): a request for ``/`` (the root only, not ``/docs/``)
  asks for the default root object; the rewrite comes after viewer request, which sees
  ``/``, and before the cache key, so origin request and the origin see the object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..event.build import status_phrase
from ..rules.outcome import error_response
from .exchange import Exchange, Reply
from .stage import StageUnit

if TYPE_CHECKING:
    from .behavior import CacheBehavior
    from .distribution import Distribution

REDIRECT_BODY = (
    "<html>\n<head><title>{status} {phrase}</title></head>\n<body>\n<center><h1>{status} "
    "{phrase}</h1></center>\n<hr><center>CloudFront</center>\n</body>\n</html>\n"
)
#: CloudFront's words for a refused method (facts §3.2, SECONDARY: observed)
METHOD_NOT_ALLOWED = (
    "This distribution is not configured to allow the HTTP request method that was "
    "used for this request. The distribution supports only cachable requests."
)
HTTPS_ONLY = (
    "This distribution's behaviour for this path accepts only HTTPS requests "
    "(viewer protocol policy https-only)."
)


def _refuse(ex: Exchange, message: str, rule: str) -> Reply:
    return Reply(
        error_response(403, "Error", message, request_id=ex.request_id), "Error", None, rule
    )


class ViewerProtocolPolicy(StageUnit):
    """Redirect HTTP to HTTPS, or refuse HTTP (facts §3.3)."""

    @classmethod
    def wanted(cls, dist: Distribution, behavior: CacheBehavior) -> bool:
        return behavior.viewer_protocol_policy != "allow-all"

    def __call__(self, ex: Exchange) -> Reply:
        v = ex.viewer
        if v.protocol == "https":
            return self.next(ex)
        if self.behavior.viewer_protocol_policy == "https-only":
            return _refuse(ex, HTTPS_ONLY, "https-only")
        if v.method in ("GET", "HEAD"):
            status = 301
        elif v.http_version.startswith(("0.", "1.0")):
            return _refuse(
                ex,
                f"{v.method} over HTTP/{v.http_version} cannot be redirected to HTTPS "
                "(viewer protocol policy redirect-to-https)",
                "redirect-to-https",
            )
        else:
            status = 307
        host = v.header("host") or self.dist.domain_name
        location = f"https://{host}{v.uri}" + (f"?{v.querystring}" if v.querystring else "")
        phrase = status_phrase(status)
        response = {
            "status": str(status),
            "statusDescription": phrase,
            "headers": {
                "location": [{"key": "Location", "value": location}],
                "content-type": [{"key": "Content-Type", "value": "text/html"}],
                "server": [{"key": "Server", "value": "CloudFront"}],
            },
            "body": REDIRECT_BODY.format(status=status, phrase=phrase),
            "bodyEncoding": "text",
        }
        return Reply(response, "Redirect", None, "redirect-to-https")


class AllowedMethods(StageUnit):
    """Refuse a method the behaviour does not allow: 403 at the edge (facts §3.2)."""

    @classmethod
    def wanted(cls, dist: Distribution, behavior: CacheBehavior) -> bool:
        return not behavior.allows_every_method

    def __call__(self, ex: Exchange) -> Reply:
        if ex.viewer.method in self.behavior.allowed_methods:
            return self.next(ex)
        return _refuse(ex, METHOD_NOT_ALLOWED, "method-not-allowed")


class DefaultRootObject(StageUnit):
    """``/`` becomes the default root object, after viewer request (facts §7)."""

    @classmethod
    def wanted(cls, dist: Distribution, behavior: CacheBehavior) -> bool:
        return bool(dist.default_root_object)

    def __call__(self, ex: Exchange) -> Reply:
        before = ex.request
        if before["uri"] != "/":
            return self.next(ex)
        ex.request = {**before, "uri": "/" + self.dist.default_root_object.lstrip("/")}
        try:
            return self.next(ex)
        finally:  # viewer response sees the viewer's request, as viewer request left it
            ex.request = before
