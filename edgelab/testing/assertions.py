"""Assertion helpers whose failure message explains what CloudFront did.

They take an :class:`~edgelab.InvocationResult` (one function) or a
:class:`~edgelab.Trace` (one request through a distribution). On failure the message
says what CloudFront did instead, in its terms: the outcome, the status and error type
(502 ``LambdaValidationError``, 500 ``LambdaExecutionError``, 503
``LambdaLimitExceeded``), what the function changed (the diff), the violations with the
facts section of each rule, the outbound calls and the logs.
"""

from __future__ import annotations

from typing import Any

from ..commands._text import format_result, result_diff
from ..commands.request import format_trace
from ..edge.diff import changes
from ..edge.trace import Trace
from ..event.headers import Headers
from ..rules.outcome import InvocationResult

Result = InvocationResult | Trace


# -- explanations --------------------------------------------------------------------------
def explain(result: Result) -> str:
    """What CloudFront did with ``result``, as the helpers print it on failure."""
    if isinstance(result, Trace):
        return format_trace(result)
    return format_result(result, "the function")


def _fail(what: str, result: Result) -> AssertionError:
    return AssertionError(f"{what}\n\n{explain(result).rstrip()}")


def _check(result: Any) -> Result:
    if not isinstance(result, InvocationResult | Trace):
        raise TypeError(
            "the edgelab assertion helpers take an InvocationResult (edge.invoke, "
            f"el.invoke) or a Trace (dist.request); got {type(result).__name__}"
        )
    return result


def _how(result: Result) -> str:
    """One line: what CloudFront did."""
    if isinstance(result, Trace):
        failed = next((s for s in result.stages if s.error), None)
        if failed is not None and failed.error:
            return (
                f"{failed.trigger} failed: {result.status} {failed.error['type']}: "
                f"{failed.error['message']}"
            )
        if result.outcome == "origin-error" and result.origin is not None:
            return f"the origin gave no response: {result.status} ({result.origin.error})"
        by = f" by {result.generated_by.value}" if result.generated_by else ""
        return f"{result.outcome}{by}: {result.status} ({result.cache})"
    if result.error is not None:
        return f"it failed: {result.status} {result.error.type}: {result.error.message}"
    if result.outcome == "request":
        return "the function let the request go on (no response, so no status)"
    return f"it returned a response: {result.status}"


def assert_outcome(result: Result, expected: str) -> None:
    """The outcome is ``expected``: for one function ``request`` (the request goes on),
    ``response`` or ``error``; for a trace ``served``, ``generated``, ``error`` (a
    function failed) or ``origin-error``."""
    __tracebackhide__ = True
    r = _check(result)
    allowed = (
        ("served", "generated", "error", "origin-error")
        if isinstance(r, Trace)
        else ("request", "response", "error")
    )
    if expected not in allowed:
        raise ValueError(f"expected must be one of {', '.join(allowed)}; got {expected!r}")
    if r.outcome != expected:
        raise _fail(f"expected outcome {expected!r}, got {r.outcome!r}: {_how(r)}", r)


def assert_status(result: Result, expected: int) -> None:
    """The status the viewer (a trace) or CloudFront (one function) gets is ``expected``."""
    __tracebackhide__ = True
    r = _check(result)
    status = r.status
    if status != int(expected):
        raise _fail(f"expected status {int(expected)}, got {status}: {_how(r)}", r)


def _headers_of(r: Result) -> tuple[str, dict[str, Any]]:
    if isinstance(r, Trace):
        return "the response to the viewer", r.response.get("headers", {})
    if r.outcome == "request" and r.request is not None:
        return "the request the function passed on", r.request.get("headers", {})
    if r.response is not None:
        return "the function's response", r.response.get("headers", {})
    return "the result (the function failed: no output)", {}


def assert_header(result: Result, name: str, value: str | None = None) -> None:
    """``name`` is a header of the output (the request passed on, the response, or a
    trace's final response), equal to ``value`` when given (any of its values)."""
    __tracebackhide__ = True
    r = _check(result)
    where, raw = _headers_of(r)
    values = Headers(raw).get_list(name) if raw else []
    if not values:
        present = ", ".join(sorted(raw)) or "none"
        raise _fail(f"{where} has no header {name!r}; its headers: {present}; {_how(r)}", r)
    if value is not None and value not in values:
        raise _fail(
            f"{where} has {name!r} = {values!r}, not {value!r}",
            r,
        )


def assert_no_violations(result: Result) -> None:
    """No Lambda@Edge rule was broken (no 502 for an invalid result)."""
    __tracebackhide__ = True
    r = _check(result)
    found = (
        [v for s in r.stages for v in s.violations] if isinstance(r, Trace) else list(r.violations)
    )
    if found:
        lines = [f"  {v.rule} at {v.path or '(result)'}: {v.message} ({v.section})" for v in found]
        raise _fail(
            f"{len(found)} Lambda@Edge rule violation(s); CloudFront answers 502 "
            "LambdaValidationError:\n" + "\n".join(lines),
            r,
        )


def changed(result: InvocationResult) -> list[str]:
    """What the function changed, one line each (``+ x-new: 1``, ``~ uri: /a -> /b``)."""
    return [c.line(short=False) for c in changes(result_diff(result))]
