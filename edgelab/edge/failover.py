"""Origin groups: failover from the primary origin to the secondary (distribution facts §2,
lambda-edge-facts §8.1).

:class:`OriginGroupFailover` sits between
:class:`~edgelab.edge.forward.ForwardToOrigin` (which built the origin request for the
group's primary) and the origin request function, so on a cache miss:

1. the primary is tried: origin request, the origin, origin response;
2. when the viewer's method is GET, HEAD or OPTIONS and the primary answered one of the
   group's failover status codes, or could not be reached (502) or timed out (504), the
   secondary is tried the same way: the origin request is built again for it (its own
   origin path, custom headers and timeouts, the body as the viewer sent it), and origin
   request and origin response run again;
3. what the last try gave goes up the chain (cached like any miss, facts §2).

Every try is an :class:`~edgelab.edge.trace.OriginAttempt` in ``trace.attempts``; the
trace's ``origin_id`` is the origin that answered. The points the facts leave open are
rows of :data:`~edgelab.edge.decisions.DISTRIBUTION_DECISIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..triggers import Trigger
from .exchange import Exchange, Reply
from .forward import ForwardToOrigin
from .stage import StageUnit
from .trace import OriginAttempt

if TYPE_CHECKING:
    from .behavior import CacheBehavior
    from .distribution import Distribution

#: facts §2: only these viewer methods fail over
FAILOVER_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class _Group:
    """The two origins a request may try, and the status codes that fail over."""

    name: str
    primary: str
    secondary: str
    codes: frozenset[int]


class OriginGroupFailover(StageUnit):
    """An origin group's failover; see the module docstring."""

    @classmethod
    def wanted(cls, dist: Distribution, behavior: CacheBehavior) -> bool:
        # a configured group, or a viewer-request CloudFront Function, which may build a
        # group for the request (cloudfront-functions-facts §5.5)
        return (
            behavior.target_origin in dist.origin_groups or Trigger.VIEWER_REQUEST in behavior.cff
        )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        group = self.dist.origin_groups.get(self.behavior.target_origin)
        self.group = None if group is None else _Group(
            f"origin group {group.id}",
            group.primary,
            group.secondary,
            frozenset(int(c) for c in group.failover_status_codes),
        )  # fmt: skip
        self.forward = ForwardToOrigin(self.next, self.dist, self.behavior)

    def __call__(self, ex: Exchange) -> Reply:
        group = self.group_for(ex)
        if group is None:
            return self.next(ex)
        body = ex.body
        reply, attempt = self.attempt(ex, group.primary)
        reason = self.reason(ex, reply, group.codes)
        if reason is None:
            return reply
        method = ex.request["method"]
        if method not in FAILOVER_METHODS:
            ex.notes.append(
                f"{group.name}: the primary {group.primary} {_said(reason)}, but "
                f"{method} requests do not fail over (GET, HEAD and OPTIONS only, facts §2)"
            )
            return reply
        attempt.failover = reason
        ex.notes.append(
            f"{group.name}: the primary {group.primary} {_said(reason)}; "
            f"CloudFront tried the secondary, {group.secondary} (facts §2)"
        )
        secondary = self.dist.origins[group.secondary]
        ex.origin, ex.body = secondary, body
        ex.origin_request, ex.forwarded_querystring = self.forward.origin_request(ex, secondary)
        reply, _ = self.attempt(ex, group.secondary)
        return reply

    def group_for(self, ex: Exchange) -> _Group | None:
        """The group this request fails over in: the one a viewer-request CloudFront
        Function built, else the behaviour's (none when a function chose one origin)."""
        override = ex.origin_override
        if override is None:
            return self.group
        made = override.group
        if made is not None:
            return _Group(
                f"the function's origin group ({made.primary}, {made.secondary})",
                made.primary,
                made.secondary,
                made.codes,
            )
        if self.group is not None:
            # a viewer-request CloudFront Function chose the origin (cloudfront-functions
            # facts §5.5): the request goes there alone, not to this group's members
            ex.notes.append(
                f"{self.group.name}: not used, a CloudFront Function chose the origin; no failover"
            )
        return None

    def attempt(self, ex: Exchange, member: str) -> tuple[Reply, OriginAttempt]:
        """Try one member: the rest of the chain (origin request, the origin, origin
        response), recorded as an :class:`OriginAttempt`."""
        first = len(ex.stages)
        ex.origin_call = None
        reply = self.next(ex)
        call = ex.origin_call
        attempt = OriginAttempt(
            member,
            call.status if call is not None else None,
            call.error if call is not None else None,
            call.duration_ms if call is not None else 0.0,
            [s.trigger for s in ex.stages[first:]],
        )
        ex.attempts.append(attempt)
        return reply, attempt

    def reason(self, ex: Exchange, reply: Reply, codes: frozenset[int]) -> str | None:
        """Why the try just made fails over, None when it does not: the status the
        origin itself answered when it is a failover code (whatever origin response made
        of it), ``unreachable`` or ``timeout``. A try in which no origin was asked
        (origin request generated a response or failed) never fails over."""
        call = ex.origin_call
        if call is None:
            return None
        if call.error is not None:
            return "timeout" if reply.status == 504 else "unreachable"
        status = call.status
        return str(status) if status in codes else None


def _said(reason: str) -> str:
    if reason == "timeout":
        return "timed out"
    if reason == "unreachable":
        return "could not be reached"
    return f"answered {reason}, a failover status"
