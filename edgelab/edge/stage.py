"""What every stage of the chain is: :class:`StageUnit`, and the small helpers the
function stages share (see :mod:`edgelab.edge.chain` for the stack).

A unit is built once per cache behaviour, around the rest of that behaviour's chain:
``unit(next, dist, behavior)``; then ``unit(exchange) -> Reply`` for each request. Its
``wanted`` class method says whether a behaviour needs it at all (a function stage
without a function, a viewer protocol policy of ``allow-all`` ...): units that are not
wanted are left out of the stack, so they cost nothing.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, ClassVar

from ..event.build import encode_body
from ..triggers import Trigger
from .exchange import Exchange, Next, Reply, config, run_trigger

if TYPE_CHECKING:
    from .behavior import BoundTrigger, CacheBehavior
    from .distribution import Distribution


class StageUnit:
    """One stage: ``unit(next, dist, behavior)``, then ``unit(exchange) -> Reply``.

    ``trigger`` names the function a stage runs; ``self.bound`` is the behaviour's
    function for it. ``behavior`` defaults to the distribution's default behaviour.
    """

    trigger: ClassVar[Trigger | None] = None

    def __init__(
        self, next: Next, dist: Distribution, behavior: CacheBehavior | None = None
    ) -> None:
        self.next = next
        self.dist = dist
        self.behavior = behavior if behavior is not None else dist.default_behavior
        self.bound: BoundTrigger | None = (
            self.behavior.bound.get(self.trigger) if self.trigger else None
        )
        # cf.config but for its requestId, made once: run() copies it and sets the id
        self._config: dict[str, str] | None = (
            config(dist.domain_name, dist.distribution_id, self.trigger, "")
            if self.trigger
            else None
        )

    @classmethod
    def wanted(cls, dist: Distribution, behavior: CacheBehavior) -> bool:
        """Whether ``behavior``'s chain needs this stage (default: a stage without a
        trigger always; a function stage when the behaviour has that function)."""
        return cls.trigger is None or cls.trigger in behavior.bound

    def __call__(self, ex: Exchange) -> Reply:
        raise NotImplementedError

    def run(self, ex: Exchange, cf: dict[str, Any]) -> Any:
        """Run this stage's function on ``cf`` (the event's ``cf`` object)."""
        assert self.bound is not None and self._config is not None
        cf["config"] = conf = self._config.copy()  # as config() makes it, with the id
        conf["requestId"] = ex.request_id
        return run_trigger(ex, self.bound, cf, self.dist.rules)

    def body_event(self, ex: Exchange, request: dict[str, Any]) -> dict[str, Any]:
        """``request`` with the body exposed when the function asked for it (§1.4)."""
        assert self.bound is not None and self.trigger is not None
        if self.bound.include_body and ex.body is not None:
            return {**request, "body": encode_body(ex.body, self.trigger, self.dist.rules)}
        return request


def apply_body(request: dict[str, Any], body: bytes | None) -> tuple[dict[str, Any], bytes | None]:
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


def keep_body(out: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """A response trigger's result keeps the body it was not shown (§1.7)."""
    if "body" not in out and "body" in before:
        return {**out, "body": before["body"], "bodyEncoding": before.get("bodyEncoding", "text")}
    return out


def without(message: dict[str, Any], *keys: str) -> dict[str, Any]:
    """A copy of ``message`` without ``keys``, in its order."""
    out = dict(message)
    for key in keys:
        out.pop(key, None)
    return out
