"""Invoke one handler on one event and get CloudFront's outcome: the library's front door.

    >>> import edgelab as el
    >>> result = el.invoke("handlers/redirect.py", el.build_event("viewer-request"))
    >>> result.outcome, result.status

``handler`` is a spec string, a Python callable or a loaded :class:`Handler`; strings
are loaded once and kept warm (module state persists between calls, as in a warm Lambda
container) until the file changes on disk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .event.build import LoadedEvent, cf_record, load_event
from .rules.outcome import InvocationResult, decide
from .rules.tables import RuleSet, get_rules
from .runtimes import Handler, load_handler
from .runtimes.base import Call
from .runtimes.context import ContextInfo
from .triggers import Trigger

HandlerLike = str | Callable[..., Any] | Handler
EventLike = Mapping[str, Any] | str | Path | LoadedEvent

_warm: dict[tuple[str, bool], Handler] = {}


def get_handler(handler: HandlerLike, *, isolated: bool = False) -> Handler:
    """A loaded handler; spec strings are cached so repeated calls share a warm container."""
    if isinstance(handler, str):
        key = (handler, isolated)
        if key not in _warm:
            _warm[key] = load_handler(handler, isolated=isolated)
        return _warm[key]
    return load_handler(handler, isolated=isolated)


def close_handlers() -> None:
    """Stop every cached handler's worker processes."""
    while _warm:
        _, h = _warm.popitem()
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
) -> InvocationResult:
    """Run ``handler`` on ``event`` and decide what CloudFront would do with the result.

    The trigger defaults to the event's ``config.eventType``; ``rules`` is a rule set or
    its name (see :mod:`edgelab.rules.tables`). Never raises for anything the handler does.
    """
    return invoke_many(
        handler,
        [event],
        trigger=trigger,
        rules=rules,
        isolated=isolated,
        request_ids=[request_id] if request_id else None,
    )[0]


def invoke_many(
    handler: HandlerLike,
    events: Sequence[EventLike],
    *,
    trigger: Trigger | str | None = None,
    rules: RuleSet | str | None = None,
    isolated: bool = False,
    request_ids: Sequence[str] | None = None,
) -> list[InvocationResult]:
    """:func:`invoke` for many events: one result per event, in order."""
    ruleset = rules if isinstance(rules, RuleSet) else get_rules(rules)
    h = get_handler(handler, isolated=isolated)
    loaded = [_prepare(e, trigger) for e in events]
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
