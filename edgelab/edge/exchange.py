"""One request's state on its way through the stages, and the one way a stage runs a function.

* :class:`Exchange`: the typed per-request record every stage reads and updates (the
  viewer, the request as it stands, the body, the stages that ran, the origin call, the
  cache key and TTL); it replaces long parameter lists and flag tuples.
* :class:`Reply`: what comes back up the stack: the response, the cache status
  (``Hit``, ``Miss``, ``LambdaGeneratedResponse``, ``Error``) and, as a typed fact,
  which trigger generated it, if one did.
* :func:`run_trigger`: runs a bound function on an event, records its :class:`Stage`
  and turns CloudFront's outcome into :class:`Step`: continue, respond or fail.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..rules.outcome import ERROR_STATUS, chain_outcome, error_response
from ..runtimes.base import Call
from ..runtimes.context import ContextInfo, new_aws_request_id
from ..triggers import Trigger
from .trace import ErrorPage, OriginAttempt, OriginCall, Stage
from .viewer import ViewerRequest

if TYPE_CHECKING:
    from ..rules.tables import RuleSet
    from .behavior import BoundTrigger, CacheBehavior
    from .cache import Entry
    from .targets import OriginTarget

CacheStatus = Literal[
    "Hit",
    "RefreshHit",
    "Miss",
    "LambdaGeneratedResponse",
    "FunctionGeneratedResponse",
    "Error",
    "Redirect",
]
StepKind = Literal["continue", "respond", "fail"]
perf = time.perf_counter


@dataclass(frozen=True, slots=True)
class FunctionOriginGroup:
    """The origin group a CloudFront Function built with ``createRequestOriginGroup``
    (cloudfront-functions-facts §5.5): its two origin ids, the status codes that fail
    over (``failoverCriteria``), and what each member's ``originOverrides`` made of its
    ``request.origin`` block and ``Host`` (by origin id)."""

    primary: str
    secondary: str
    codes: frozenset[int]
    blocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    hosts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OriginOverride:
    """What a CloudFront Function's origin helpers made of the request's origin
    (cloudfront-functions-facts §5.5): ``target`` the origin of the distribution it goes
    to, ``block`` its ``request.origin`` as ``updateRequestOrigin`` changed it (None:
    unchanged), ``host`` the ``Host`` to send (``hostHeader``), ``group`` the origin
    group ``createRequestOriginGroup`` built (``target`` is its primary)."""

    target: OriginTarget
    block: dict[str, Any] | None = None
    host: str | None = None
    group: FunctionOriginGroup | None = None

    def block_for(self, origin: OriginTarget, scheme: str) -> dict[str, Any]:
        """The block to send ``origin``: the changed one for the origin it changed (only
        that one: a configured group's secondary keeps its own; a function's group's
        secondary has what its ``originOverrides`` made)."""
        if self.block is not None and origin is self.target:
            return self.block
        if self.group is not None and origin.id in self.group.blocks:
            return self.group.blocks[origin.id]
        return origin.block(scheme)

    def host_for(self, origin: OriginTarget) -> str | None:
        """The ``Host`` a helper asked for ``origin`` (None: the usual one)."""
        if self.host and origin is self.target:
            return self.host
        return self.group.hosts.get(origin.id) if self.group is not None else None


@dataclass(slots=True)
class Exchange:
    """One viewer request on its way through a distribution (see :mod:`edgelab.edge.chain`).

    ``request`` is the ``cf.request`` as it stands (the viewer's, then what viewer
    request made of it); ``origin_request`` the one CloudFront sends on a miss, with
    ``forwarded_querystring`` the query string the origin gets when origin request
    leaves it alone.

    ``behavior`` is the cache behaviour CloudFront chose from the viewer's uri, once,
    before any function ran (facts §3.1); ``deployment`` which distribution serves the
    request (``primary``, or ``staging`` under continuous deployment); ``origin`` the
    origin the request went to (after a failover, the one that answered); ``cache_tier``
    who answered: ``edge``, ``regional`` or ``origin`` (None: the cache was never
    reached); ``regional`` the regional edge cache used, None when the request
    bypassed it (``bypass`` says why); ``revalidate`` the expired object CloudFront is
    asking the origin about (facts §4.5); ``origin_override`` the origin a viewer-request
    CloudFront Function chose or changed (cloudfront-functions-facts §5.5); ``attempts``
    each try of an origin group's members (facts §2); ``error_page`` the custom error
    response served (facts §6); ``notes`` what the trace should say.
    """

    viewer: ViewerRequest
    request_id: str
    now: float
    request: dict[str, Any]
    body: bytes | None
    behavior: CacheBehavior | None = None
    deployment: str = "primary"
    started: float = field(default_factory=perf)
    stages: list[Stage] = field(default_factory=list)
    origin_request: dict[str, Any] | None = None
    forwarded_querystring: str = ""
    origin: OriginTarget | None = None
    origin_call: OriginCall | None = None
    cache_key: Any = None
    cache_tier: str | None = None
    regional: str | None = None
    bypass: str | None = None
    origin_override: OriginOverride | None = None
    revalidate: Entry | None = None
    ttl: float | None = None
    age: int | None = None
    attempts: list[OriginAttempt] = field(default_factory=list)
    error_page: ErrorPage | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Reply:
    """What a stage hands back: the response and how it came to be: ``generated_by``
    the trigger whose function generated it; ``edge_rule`` the CloudFront rule that
    answered at the edge without the cache or a function (``redirect-to-https``,
    ``https-only``, ``method-not-allowed``)."""

    response: dict[str, Any]
    cache: CacheStatus
    generated_by: Trigger | None = None
    edge_rule: str | None = None

    @property
    def failed(self) -> bool:
        return self.cache == "Error"

    @property
    def status(self) -> int:
        return int(self.response["status"])


#: A stage's next stage: the rest of the chain, down to the origin.
Next = Callable[[Exchange], Reply]


@dataclass(frozen=True, slots=True)
class Step:
    """A function's outcome for the chain: ``continue`` with ``message`` (the request,
    or a response trigger's response), ``respond`` with a generated response, or
    ``fail`` with CloudFront's error page."""

    kind: StepKind
    message: dict[str, Any]


def config(
    domain_name: str, distribution_id: str, trigger: Trigger, request_id: str
) -> dict[str, str]:
    """``cf.config`` of an event (§1.2)."""
    return {
        "distributionDomainName": domain_name,
        "distributionId": distribution_id,
        "eventType": trigger.value,
        "requestId": request_id,
    }


def run_trigger(ex: Exchange, bound: BoundTrigger, cf_in: dict[str, Any], rules: RuleSet) -> Step:
    """Run ``bound`` on the event ``{"Records": [{"cf": cf_in}]}``, record the stage in
    ``ex.stages`` and say what the chain does next (facts §6)."""
    trig = bound.trigger
    info = ContextInfo(
        bound.handler.function_name,
        bound.memory_mb,
        bound.timeout_s,
        "1",
        new_aws_request_id(),
        bound.container_id,
    )
    raw = bound.handler.invoke(Call({"Records": [{"cf": cf_in}]}, info))
    # decide_outcome's decision without its result object (nor its copies of the input
    # and of the calls, which only el.invoke's result keeps): the stage records them
    outcome, request, response, error, violations = chain_outcome(raw, trig, cf_in, rules)
    out = request if outcome == "request" else response
    is_request = trig.is_request
    ex.stages.append(
        Stage(
            trig._value_,
            outcome,
            cf_in["request" if is_request else "response"],
            out,
            raw.duration_ms,
            violations,
            raw.logs,
            None if error is None else {"type": error.type, "message": error.message},
            raw.cold_start,
            runtime=bound.runtime or None,
            calls=raw.calls,
        )
    )
    if error is not None:
        return Step(
            "fail",
            error_response(
                ERROR_STATUS[error.type], error.type, error.message, request_id=ex.request_id
            ),
        )
    assert out is not None
    if outcome == "response" and is_request:
        return Step("respond", out)
    return Step("continue", out)


def error_reply(status: int, message: str, request_id: str) -> Reply:
    """CloudFront's own error page (an unreachable origin: 502, a timeout: 504)."""
    return Reply(error_response(status, "Error", message, request_id=request_id), "Error")
