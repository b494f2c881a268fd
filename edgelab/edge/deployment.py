"""Continuous deployment (facts §9): a staging distribution beside the primary, and the
policy that sends some viewer requests to it.

Viewers always call the primary; :class:`ContinuousDeployment`, the first unit of every
primary behaviour's chain, decides per request with :class:`Router`:

* ``SingleHeader``: a request whose header (``aws-cf-cd-...``, any case) has the
  policy's value goes to staging;
* ``SingleWeight``: a share ``weight`` (at most 0.15) of requests goes to staging. The
  draw is deterministic: from the request id when the request has one (a replay's are
  derived from its seed and row, so 1 and N workers route alike), else from the
  distribution's seeded stream (``seed``, default 0);
* with session stickiness, CloudFront sets a cookie (:data:`STICKY_COOKIE`) so a
  viewer's later requests go to the same distribution; the session ends ``idle_ttl``
  seconds after its last request, or ``maximum_ttl`` seconds after it began, on the
  distribution's (injected) clock.

A routed request runs through the staging distribution's behaviour for the viewer's uri
(its own functions, policies and origins) and its own caches; traces and replay rows say
``deployment``: ``primary`` or ``staging``.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..event.headers import Headers, cookie_header, cookie_pairs
from .exchange import Exchange, Reply
from .stage import StageUnit

if TYPE_CHECKING:
    from .behavior import CacheBehavior
    from .distribution import Distribution

__all__ = ["STICKY_COOKIE", "ContinuousDeployment", "Route", "Router", "Staging"]

#: the stickiness cookie (its name is not documented: DISTRIBUTION_DECISIONS)
STICKY_COOKIE = "aws-cf-cd-session"


@dataclass(frozen=True)
class Route:
    """Where one request goes, and the stickiness cookie to set on its response."""

    deployment: str  # "primary" | "staging"
    set_cookie: str | None = None
    reason: str = ""


class Router:
    """Routes viewer requests by a continuous deployment policy (the model's
    ``ContinuousDeploymentPolicy``), deterministically given ``seed`` and the clock."""

    def __init__(self, policy: Any, seed: int = 0) -> None:
        self.policy = policy
        self.seed = seed
        self._stream = random.Random(seed)

    def draw(self, request_id: str | None) -> float:
        """A number in [0, 1): from ``seed`` and the request id, else the next of the
        seeded stream."""
        if request_id is None:
            return self._stream.random()
        digest = hashlib.blake2b(f"{self.seed}:{request_id}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def route(self, headers: Any, request_id: str | None, now: float) -> Route:
        """Where a request with CloudFront's header map ``headers`` goes at ``now``."""
        p = self.policy
        if not p.enabled:
            return Route("primary", reason="the continuous deployment policy is disabled")
        if p.type == "SingleHeader":
            values = Headers(headers).get_list(str(p.header))
            if p.header_value in values:
                return Route("staging", reason=f"header {p.header}: {p.header_value}")
            return Route("primary")
        weight = float(p.weight or 0)
        sticky = p.session_stickiness
        if sticky is not None:
            session = _session(headers, now, sticky)
            if session is not None:
                deployment, start = session
                return Route(deployment, _cookie(deployment, start, now, sticky), "session")
        deployment = "staging" if self.draw(request_id) < weight else "primary"
        cookie = _cookie(deployment, now, now, sticky) if sticky is not None else None
        return Route(deployment, cookie, f"weight {weight:g}")


def _session(headers: Any, now: float, sticky: Any) -> tuple[str, float] | None:
    """The viewer's live session from its stickiness cookie: (deployment, start)."""
    pairs = cookie_pairs(Headers(headers).get_list("cookie"))
    value = next((v for n, v in pairs if n == STICKY_COOKIE), None)
    if value is None:
        return None
    parts = value.split(".")
    try:
        deployment, start, last = parts[0], float(parts[1]), float(parts[2])
    except (IndexError, ValueError):
        return None
    if deployment not in ("primary", "staging"):
        return None
    if now - last > sticky.idle_ttl or now - start > sticky.maximum_ttl or now < last:
        return None
    return deployment, start


def _cookie(deployment: str, start: float, now: float, sticky: Any) -> str:
    """``Set-Cookie`` for a session: it lives ``idle_ttl`` more seconds, never past
    ``maximum_ttl`` from its start."""
    max_age = int(max(0, min(sticky.idle_ttl, start + sticky.maximum_ttl - now)))
    return (
        f"{STICKY_COOKIE}={deployment}.{start:.0f}.{now:.0f}; Max-Age={max_age}; Path=/; "
        "Secure; HttpOnly"
    )


@dataclass
class Staging:
    """The staging :class:`~edgelab.edge.distribution.Distribution` and its router."""

    distribution: Distribution
    router: Router


def _without_sticky_cookie(request: dict[str, Any]) -> dict[str, Any]:
    """The request without the stickiness cookie: CloudFront's own, not the viewer's."""
    headers = request.get("headers", {})
    lines = headers.get("cookie")
    if not lines:
        return request
    pairs = cookie_pairs(Headers(headers).get_list("cookie"))
    kept = [(n, v) for n, v in pairs if n != STICKY_COOKIE]
    if len(kept) == len(pairs):
        return request
    headers = {k: v for k, v in headers.items() if k != "cookie"}
    if kept:
        headers["cookie"] = [{"key": lines[0].get("key", "Cookie"), "value": cookie_header(kept)}]
    return {**request, "headers": headers}


class ContinuousDeployment(StageUnit):
    """The first unit of a primary behaviour's chain when the distribution has a staging
    copy: routes the request (facts §9) and sets the stickiness cookie on the way back."""

    @classmethod
    def wanted(cls, dist: Distribution, behavior: CacheBehavior) -> bool:
        return dist.staging is not None

    def __call__(self, ex: Exchange) -> Reply:
        staging = self.dist.staging
        assert staging is not None
        route = staging.router.route(ex.request["headers"], ex.viewer.request_id, ex.now)
        if staging.router.policy.session_stickiness is not None:
            ex.request = _without_sticky_cookie(ex.request)
        if route.deployment == "staging":
            behavior = staging.distribution.behavior_for(ex.request["uri"])
            ex.deployment, ex.behavior = "staging", behavior
            assert behavior.stack is not None
            reply = behavior.stack(ex)
        else:
            reply = self.next(ex)
        if route.set_cookie is None:
            return reply
        headers = dict(reply.response.get("headers", {}))
        headers["set-cookie"] = [
            *headers.get("set-cookie", ()),
            {"key": "Set-Cookie", "value": route.set_cookie},
        ]
        return Reply(
            {**reply.response, "headers": headers},
            reply.cache,
            reply.generated_by,
            reply.edge_rule,
        )
