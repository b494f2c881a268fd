"""``edgelab.invoke(..., runtime="cloudfront-js-2.0")`` for CloudFront Functions: the
front door, with loaded functions kept between calls (their sandbox worker stays up)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import HandlerLoadError
from ..rules import RuleSet
from ..triggers import Trigger
from .features import check_runtime
from .result import FunctionResult

_warm: dict[tuple[str, str], Any] = {}


def get_function(path: str | Path | Any, runtime: str) -> Any:
    """A loaded :class:`~edgelab.runtimes.cloudfront_js.CloudFrontFunctionHandler`, cached by
    (path, runtime) so repeated calls share one worker; an edited file is reloaded."""
    from ..runtimes.cloudfront_js import CloudFrontFunctionHandler

    if isinstance(path, CloudFrontFunctionHandler):
        return path
    if not isinstance(path, str | Path):
        raise HandlerLoadError(
            f"a CloudFront Function is given as the path of its .js file; got {type(path).__name__}"
        )
    runtime = check_runtime(runtime)
    key = (str(Path(path).resolve()), runtime)
    fn = _warm.get(key)
    if fn is None:
        fn = _warm[key] = CloudFrontFunctionHandler(path, runtime)
    return fn


def close_functions() -> None:
    """Stop every cached CloudFront Function's worker."""
    while _warm:
        _, fn = _warm.popitem()
        fn.close()


def invoke_functions(
    path: str | Path | Any,
    events: Sequence[Any],
    *,
    runtime: str,
    trigger: Trigger | str | None = None,
    rules: RuleSet | str | None = None,
    kvs: Any = None,
    origins: Sequence[str] | None = None,
    now: float | None = None,
    request_ids: Sequence[str | None] | None = None,
    edge_location: str | Mapping[str, str] | None = None,
) -> list[FunctionResult]:
    """Run a CloudFront Function on each event; one :class:`FunctionResult` per event."""
    fn = get_function(path, runtime)
    return fn.invoke_many(
        events,
        trigger=trigger,
        rules=rules,
        kvs=kvs,
        origins=origins,
        now=now,
        request_ids=request_ids,
        edge_location=edge_location,
    )


def invoke_function(
    path: str | Path | Any,
    event: Any,
    *,
    runtime: str,
    trigger: Trigger | str | None = None,
    rules: RuleSet | str | None = None,
    kvs: Any = None,
    origins: Sequence[str] | None = None,
    now: float | None = None,
    request_id: str | None = None,
    edge_location: str | Mapping[str, str] | None = None,
) -> FunctionResult:
    """Run a CloudFront Function on one event (see :func:`edgelab.invoke`)."""
    return invoke_functions(
        path,
        [event],
        runtime=runtime,
        trigger=trigger,
        rules=rules,
        kvs=kvs,
        origins=origins,
        now=now,
        request_ids=[request_id] if request_id else None,
        edge_location=edge_location,
    )[0]
