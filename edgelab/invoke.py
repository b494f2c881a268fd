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

``runtime="cloudfront-js-1.0"`` or ``"cloudfront-js-2.0"`` runs the file as a CloudFront
Function instead (``edgelab.cloudfront_functions``), with ``kvs=`` its KeyValueStore and
``origins=`` the distribution's origin ids. An event in the other kind's shape is
converted, with a note.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .cloudfront_functions.event import is_cff_event, to_lambda_event
from .cloudfront_functions.features import RUNTIMES as CFF_RUNTIMES
from .cloudfront_functions.features import check_runtime, is_cff_runtime
from .cloudfront_functions.result import FunctionResult
from .errors import ConfigError, HandlerLoadError
from .event.build import LoadedEvent, cf_record, load_event
from .outbound.sandbox import AwsLike, HttpLike, Sandbox
from .rules.outcome import InvocationResult, decide
from .rules.tables import RuleSet, get_rules
from .runtimes import Handler, load_handler
from .runtimes.base import Call
from .runtimes.cloudfront_js import CloudFrontFunctionHandler
from .runtimes.context import ContextInfo
from .triggers import Trigger

HandlerLike = str | Callable[..., Any] | Handler
EventLike = Mapping[str, Any] | str | Path | LoadedEvent

_warm: dict[tuple[str, bool], Handler] = {}
_warm_boxed: dict[tuple[str, bool, int], tuple[Sandbox, Handler]] = {}
_warm_functions: dict[tuple[str, str], CloudFrontFunctionHandler] = {}


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


def get_function(path: object, runtime: str) -> CloudFrontFunctionHandler:
    """A loaded CloudFront Function, cached by (path, runtime) so repeated calls share one
    sandbox worker; an edited file is loaded again on its next call."""
    if isinstance(path, CloudFrontFunctionHandler):
        return path
    if not isinstance(path, str | Path):
        raise HandlerLoadError(
            f"a CloudFront Function is given as the path of its .js file; got {type(path).__name__}"
        )
    runtime = check_runtime(runtime)
    key = (str(Path(path).resolve()), runtime)
    fn = _warm_functions.get(key)
    if fn is None:
        fn = _warm_functions[key] = CloudFrontFunctionHandler(path, runtime)
    return fn


def close_handlers() -> None:
    """Stop every cached handler's worker processes (CloudFront Functions' too)."""
    while _warm:
        _, h = _warm.popitem()
        h.close()
    while _warm_boxed:
        _, (_, h) = _warm_boxed.popitem()
        h.close()
    while _warm_functions:
        _, fn = _warm_functions.popitem()
        fn.close()


def _prepare(event: EventLike, trigger: Trigger | str | None) -> LoadedEvent:
    if isinstance(event, LoadedEvent):
        if trigger is None or Trigger.parse(trigger) is event.trigger:
            return event
        event = event.event
    if is_cff_event(event):
        converted, notes = to_lambda_event(event)  # type: ignore[arg-type]
        loaded = load_event(converted, trigger=trigger)
        loaded.notes[:0] = notes
        return loaded
    return load_event(event, trigger=trigger)


def _check_runtime(runtime: str | None, kvs: Any, origins: Any) -> bool:
    """True for a CloudFront Functions runtime; None is a Lambda@Edge handler."""
    if runtime is not None and not is_cff_runtime(runtime):
        raise ConfigError(
            f"runtime must be one of {', '.join(CFF_RUNTIMES)} for a CloudFront "
            f"Function, or left out for a Lambda@Edge handler; got {runtime!r}",
            key="runtime",
        )
    if runtime is None and (kvs is not None or origins is not None):
        raise ConfigError(
            "kvs and origins are for CloudFront Functions: give runtime="
            f"{CFF_RUNTIMES[-1]!r} (or {CFF_RUNTIMES[0]!r})",
            key="runtime",
        )
    return runtime is not None


def invoke(
    handler: HandlerLike,
    event: EventLike,
    *,
    trigger: Trigger | str | None = None,
    rules: RuleSet | str | None = None,
    isolated: bool = False,
    request_id: str | None = None,
    runtime: str | None = None,
    kvs: Any = None,
    origins: Sequence[str] | None = None,
    http: HttpLike | None = None,
    aws: AwsLike | None = None,
    sandbox: Sandbox | None = None,
) -> InvocationResult:
    """Run ``handler`` on ``event`` and decide what CloudFront would do with the result.

    The trigger defaults to the event's ``config.eventType``; ``rules`` is a rule set or
    its name (see :mod:`edgelab.rules.tables`). With ``runtime="cloudfront-js-1.0"`` or
    ``"cloudfront-js-2.0"`` the file is a CloudFront Function and the result a
    :class:`~edgelab.cloudfront_functions.FunctionResult`. ``http``/``aws`` or ``sandbox``:
    what a Lambda@Edge function's outbound calls reach (see the module docstring). Never
    raises for anything the handler does.
    """
    return invoke_many(
        handler,
        [event],
        trigger=trigger,
        rules=rules,
        isolated=isolated,
        request_ids=[request_id] if request_id else None,
        runtime=runtime,
        kvs=kvs,
        origins=origins,
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
    runtime: str | None = None,
    kvs: Any = None,
    origins: Sequence[str] | None = None,
    http: HttpLike | None = None,
    aws: AwsLike | None = None,
    sandbox: Sandbox | None = None,
) -> list[InvocationResult]:
    """:func:`invoke` for many events: one result per event, in order."""
    if _check_runtime(runtime, kvs, origins):
        if http is not None or aws is not None or sandbox is not None:
            raise ConfigError(
                "http, aws and sandbox are for Lambda@Edge functions: a CloudFront Function "
                "cannot make network calls (cloudfront-functions-facts §1)",
                key="runtime",
            )
        return list(
            _invoke_functions(handler, events, runtime, trigger, rules, kvs, origins, request_ids)
        )
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


def _invoke_functions(
    handler: HandlerLike,
    events: Sequence[EventLike],
    runtime: Any,
    trigger: Trigger | str | None,
    rules: RuleSet | str | None,
    kvs: Any,
    origins: Sequence[str] | None,
    request_ids: Sequence[str] | None,
) -> list[FunctionResult]:
    return get_function(handler, runtime).invoke_many(
        events,
        trigger=trigger,
        rules=rules,
        kvs=kvs,
        origins=origins,
        request_ids=list(request_ids) if request_ids else None,
    )
