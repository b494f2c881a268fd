"""Invoke one handler on one event and get CloudFront's outcome: the library's front door.

    >>> import edgelab as el
    >>> result = el.invoke("handlers/redirect.py", el.build_event("viewer-request"))
    >>> result.outcome, result.status

``handler`` is a spec string, a Python callable or a loaded :class:`Handler`; strings
are loaded once and kept warm (module state persists between calls, as in a warm Lambda
container) until the file changes on disk.

A function that calls out gets ``http=`` (mocks, loopback hosts) and ``aws=`` (local AWS
services), started for the call, or a started :class:`~edgelab.outbound.Sandbox` shared
by many calls (``sandbox=``); ``result.calls`` lists what it called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .event.build import LoadedEvent, cf_record, load_event
from .outbound.sandbox import AwsLike, HttpLike, Sandbox
from .rules.outcome import InvocationResult, decide
from .rules.tables import RuleSet, get_rules
from .runtimes import Handler, load_handler
from .runtimes.base import Call
from .runtimes.context import ContextInfo
from .triggers import Trigger

HandlerLike = str | Callable[..., Any] | Handler
EventLike = Mapping[str, Any] | str | Path | LoadedEvent

_warm: dict[tuple[str, bool], Handler] = {}
_warm_boxed: dict[tuple[str, bool, int], tuple[Sandbox, Handler]] = {}


def get_handler(
    handler: HandlerLike, *, isolated: bool = False, sandbox: Sandbox | None = None
) -> Handler:
    """A loaded handler; spec strings are cached so repeated calls share a warm container
    (per sandbox: a function that calls out keeps the endpoints it was started with)."""
    if sandbox is not None:
        if not sandbox.started:
            sandbox.start()
        if isinstance(handler, str):
            key = (handler, isolated, id(sandbox))
            got = _warm_boxed.get(key)
            if got is None or got[0] is not sandbox:
                loaded = load_handler(handler, isolated=isolated, env=sandbox.environ())
                got = _warm_boxed[key] = (sandbox, sandbox.wrap(loaded))
            return got[1]
        return sandbox.wrap(load_handler(handler, isolated=isolated, env=sandbox.environ()))
    if isinstance(handler, str):
        key0 = (handler, isolated)
        if key0 not in _warm:
            _warm[key0] = load_handler(handler, isolated=isolated)
        return _warm[key0]
    return load_handler(handler, isolated=isolated)


def close_handlers() -> None:
    """Stop every cached handler's worker processes."""
    while _warm:
        _, h = _warm.popitem()
        h.close()
    while _warm_boxed:
        _, (_, h) = _warm_boxed.popitem()
        h.close()


def _prepare(event: EventLike, trigger: Trigger | str | None) -> LoadedEvent:
    if isinstance(event, LoadedEvent):
        if trigger is None or Trigger.parse(trigger) is event.trigger:
            return event
        event = event.event
    return load_event(event, trigger=trigger)


def invoke(
    handler: HandlerLike,
    event: EventLike,
    *,
    trigger: Trigger | str | None = None,
    rules: RuleSet | str | None = None,
    isolated: bool = False,
    request_id: str | None = None,
    http: HttpLike | None = None,
    aws: AwsLike | None = None,
    sandbox: Sandbox | None = None,
) -> InvocationResult:
    """Run ``handler`` on ``event`` and decide what CloudFront would do with the result.

    The trigger defaults to the event's ``config.eventType``; ``rules`` is a rule set or
    its name (see :mod:`edgelab.rules.tables`). ``http``/``aws`` or ``sandbox``: what
    the function's outbound calls reach (see the module docstring). Never raises for
    anything the handler does.
    """
    return invoke_many(
        handler,
        [event],
        trigger=trigger,
        rules=rules,
        isolated=isolated,
        request_ids=[request_id] if request_id else None,
        http=http,
        aws=aws,
        sandbox=sandbox,
    )[0]


def invoke_many(
    handler: HandlerLike,
    events: Sequence[EventLike],
    *,
    trigger: Trigger | str | None = None,
    rules: RuleSet | str | None = None,
    isolated: bool = False,
    request_ids: Sequence[str] | None = None,
    http: HttpLike | None = None,
    aws: AwsLike | None = None,
    sandbox: Sandbox | None = None,
) -> list[InvocationResult]:
    """:func:`invoke` for many events: one result per event, in order."""
    ruleset = rules if isinstance(rules, RuleSet) else get_rules(rules)
    loaded = [_prepare(e, trigger) for e in events]
    if sandbox is None and (http is not None or aws is not None):
        with Sandbox(http=http, aws=aws) as own:  # for these calls only
            h = own.wrap(load_handler(handler, isolated=isolated, env=own.environ()))
            try:
                return run_loaded(h, loaded, ruleset, request_ids)
            finally:
                if not isinstance(handler, Handler):
                    h.close()
    h = get_handler(handler, isolated=isolated, sandbox=sandbox)
    return run_loaded(h, loaded, ruleset, request_ids)


def run_loaded(
    h: Handler,
    loaded: Sequence[LoadedEvent],
    ruleset: RuleSet,
    request_ids: Sequence[str] | None,
) -> list[InvocationResult]:
    """Run a loaded handler on loaded events under ``ruleset``: one result each."""
    calls = []
    for i, le in enumerate(loaded):
        info = ContextInfo(
            function_name=h.function_name,
            memory_limit_in_mb=ruleset.memory_mb(le.trigger),
            timeout_s=ruleset.timeout_s(le.trigger),
        )
        if request_ids and request_ids[i]:
            info.aws_request_id = request_ids[i]
        calls.append(Call(le.event, info))
    raws = h.invoke_many(calls)
    results = []
    for le, raw in zip(loaded, raws, strict=True):
        res = decide(raw, trigger=le.trigger, cf_in=cf_record(le.event), rules=ruleset)
        res.notes = [*le.notes, *res.notes]
        results.append(res)
    return results
