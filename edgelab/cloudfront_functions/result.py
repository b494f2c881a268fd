"""What CloudFront makes of one CloudFront Function run (facts §3, §4.2, §8, §10).

* the request goes on (a viewer-request function returned a valid request);
* a response (generated at viewer request, or the viewer-response function's);
* an error: 502 ``FunctionValidationError`` for an invalid result, 503
  ``FunctionExecutionError`` for a run that threw, never finished, used more than its
  memory or more than 100 % of its compute budget (decisions "execution errors",
  "compute utilization over 100 %").

:func:`decide_cff` is the one place this is decided; :class:`FunctionResult` extends
Lambda@Edge's :class:`~edgelab.InvocationResult` with ``runtime``,
``compute_utilization`` and the origin changes the function asked for, and
:func:`aws_test_result` renders a result the way ``aws cloudfront test-function`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..event.build import status_phrase
from ..rules.outcome import ErrorInfo, InvocationResult, OutcomeKind
from ..rules.tables import RuleSet
from ..rules.validate import Violation
from ..runtimes import jsonwire
from ..runtimes.base import MAX_LOGS, RawResult
from ..triggers import Trigger
from .event import effective_values
from .limits import MB, limit
from .validate import validate_cff_result

EXECUTION_ERROR = "FunctionExecutionError"
VALIDATION_ERROR = "FunctionValidationError"
CFF_ERROR_STATUS = {VALIDATION_ERROR: 502, EXECUTION_ERROR: 503}
ACCOUNT = "123456789012"


@dataclass
class FunctionResult(InvocationResult):
    """One CloudFront Function run's outcome; ``to_dict()`` is ``edgelab invoke``'s JSON:
    the Lambda@Edge keys plus ``runtime``, ``compute_utilization`` (percent of the
    compute budget, may pass 100), ``origin_changes`` and ``log_data``.

    ``request``/``response`` are in CloudFront Functions' shape (``{value,
    multiValue}`` fields, a numeric ``statusCode``).
    """

    runtime: str = ""
    compute_utilization: float = 0.0
    cpu_ms: float = 0.0
    memory_bytes: int = 0
    origin_changes: list[dict[str, Any]] = field(default_factory=list)
    log_data: str | None = None
    log_lines: list[str] = field(default_factory=list)
    kvs_reads: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["runtime"] = self.runtime
        out["compute_utilization"] = round(self.compute_utilization, 2)
        out["origin_changes"] = list(self.origin_changes)
        out["log_data"] = self.log_data
        return out


def _origin_changes(calls: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The worker's helper calls as ``{"helper", "params"}`` records, in call order."""
    out = []
    for call in calls:
        args = jsonwire.loads(call["args"])
        helper = call["helper"]
        if helper == "selectRequestOriginById":
            params: Any = {"originId": args[0] if args else None}
            if len(args) > 1 and isinstance(args[1], dict):
                params.update(args[1])
        else:
            params = args[0] if args else None
        out.append({"helper": helper, "params": params})
    return out


def _normalize_fields(after: Any, before: Mapping[str, Any] | None) -> dict[str, Any]:
    """A {value, multiValue} map as CloudFront carries it on (§2.4's write rules)."""
    before = before or {}
    out: dict[str, Any] = {}
    for name, entry in (after or {}).items():
        values = effective_values(entry, before.get(name))
        norm: dict[str, Any] = {"value": values[0] if values else ""}
        if len(values) > 1:
            norm["multiValue"] = [{"value": v} for v in values]
        out[name] = norm
    return out


def normalize_cff_request(req: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """The returned request with omitted fields kept from the input (decision "what a
    returned object is") and multiValue edits applied."""
    out: dict[str, Any] = {
        "method": before.get("method", "GET"),
        "uri": req.get("uri", before.get("uri", "/")),
    }
    qs = req.get("querystring", before.get("querystring", {}))
    out["querystring"] = (
        qs if isinstance(qs, str) else _normalize_fields(qs, before.get("querystring"))
    )
    out["headers"] = _normalize_fields(
        req.get("headers", before.get("headers", {})), before.get("headers")
    )
    out["cookies"] = _normalize_fields(
        req.get("cookies", before.get("cookies", {})), before.get("cookies")
    )
    return out


def normalize_cff_response(
    resp: Mapping[str, Any], before: Mapping[str, Any] | None
) -> dict[str, Any]:
    before = before or {}
    status = int(resp.get("statusCode", before.get("statusCode", 200)))
    out: dict[str, Any] = {
        "statusCode": status,
        "statusDescription": resp.get("statusDescription") or status_phrase(status),
        "headers": _normalize_fields(
            resp.get("headers", before.get("headers", {})), before.get("headers")
        ),
        "cookies": resp.get("cookies", before.get("cookies", {})),
    }
    if "body" in resp:
        out["body"] = resp["body"]
    return out


def log_cap(rules: RuleSet, trigger: Trigger) -> int:
    """The logs a run keeps: CloudFront's log-size (10 KB), and never more than edgelab's
    per-call cap (:data:`~edgelab.runtimes.base.MAX_LOGS`, 1 MB unless
    ``$EDGELAB_MAX_LOGS`` says otherwise), which a rule override may not lift."""
    return int(min(limit(rules, "log-size", trigger), MAX_LOGS))


def decide_cff(
    raw: RawResult,
    *,
    trigger: Trigger,
    event: Mapping[str, Any],
    rules: RuleSet,
    runtime: str,
    origins: Sequence[str] | None = None,
) -> FunctionResult:
    """Turn what the sandbox reported into CloudFront's outcome."""
    run = _Report.read(raw, trigger, rules, runtime, event)
    failed = _execution_error(run)
    if failed is not None:
        return run.error(EXECUTION_ERROR, failed)
    info = run.info
    serialise = info.get("error")
    if info.get("type") == "object" and info.get("json") is None and serialise:
        return run.error(
            VALIDATION_ERROR,
            f"the returned object cannot be converted to JSON: "
            f"{serialise.get('name')}: {serialise.get('message')}",
        )
    kind, violations = validate_cff_result(
        run.value,
        trigger=trigger,
        event=event,
        rules=rules,
        runtime=runtime,
        value_type=str(info.get("type", "undefined")),
        promise=bool(info.get("promise")),
        origin_changes=run.changes,
        origins=origins,
    )
    if violations or kind is None:
        first = violations[0].message if violations else "no request or response"
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        return run.error(
            VALIDATION_ERROR, f"the function result failed validation: {first}{more}", violations
        )
    if kind == "request":
        request = normalize_cff_request(run.value, run.request_in or {})
        return run.result("request", request, None, None, None, [])
    response = normalize_cff_response(
        run.value, event.get("response") if trigger is Trigger.VIEWER_RESPONSE else None
    )
    return run.result("response", run.request_in, response, response["statusCode"], None, [])


@dataclass
class _Report:
    """What the sandbox reported about one run, read once: CPU time against the budget,
    memory, logs (and a note when they were cut), the origin changes and the value."""

    raw: RawResult
    trigger: Trigger
    rules: RuleSet
    runtime: str
    info: Mapping[str, Any]
    request_in: Any
    budget: float
    cpu_ms: float
    utilization: float
    memory: int
    changes: list[dict[str, Any]]
    value: Any
    logs: list[str]
    notes: list[str]

    @classmethod
    def read(
        cls,
        raw: RawResult,
        trigger: Trigger,
        rules: RuleSet,
        runtime: str,
        event: Mapping[str, Any],
    ) -> _Report:
        info: Mapping[str, Any] = raw.value if isinstance(raw.value, Mapping) else {}
        budget = limit(rules, "compute-budget", trigger)
        cpu_ms = float(info.get("cpu_ms", raw.duration_ms))
        if raw.status == "timeout":
            cpu_ms = max(cpu_ms, limit(rules, "stop-after", trigger))
        return cls(
            raw,
            trigger,
            rules,
            runtime,
            info,
            event.get("request"),
            budget,
            cpu_ms,
            100.0 * cpu_ms / budget if budget > 0 else float("inf"),
            int(info.get("heap_bytes", 0)),
            _origin_changes(info.get("origin", [])),
            jsonwire.loads(info["json"]) if isinstance(info.get("json"), str) else None,
            list(info.get("logs", [])),
            _log_notes(info, rules, trigger),
        )

    def result(
        self,
        outcome: OutcomeKind,
        request: Any,
        response: Any,
        status: int | None,
        error: ErrorInfo | None,
        violations: list[Violation],
    ) -> FunctionResult:
        logs, info = self.logs, self.info
        return FunctionResult(
            self.trigger,
            outcome,
            request,
            response,
            status,
            error,
            violations,  # type: ignore[arg-type]
            self.raw.duration_ms,
            "\n".join(logs) if logs else self.raw.logs,
            False,
            self.value,
            list(self.notes),
            runtime=self.runtime,
            compute_utilization=self.utilization,
            cpu_ms=self.cpu_ms,
            memory_bytes=self.memory,
            origin_changes=self.changes,
            log_data=info.get("logData"),
            log_lines=logs,
            kvs_reads=int(info.get("kvsReads", 0)),
        )

    def error(
        self, kind: str, message: str, violations: list[Violation] | None = None
    ) -> FunctionResult:
        return self.result(
            "error",
            self.request_in,
            None,
            CFF_ERROR_STATUS[kind],
            ErrorInfo(kind, message),
            violations or [],
        )


def _log_notes(info: Mapping[str, Any], rules: RuleSet, trigger: Trigger) -> list[str]:
    """A note when the run's logs were cut: by CloudFront (facts §8) or by edgelab's cap."""
    if not info.get("logsTruncated"):
        return []
    kept = log_cap(rules, trigger)
    if kept < limit(rules, "log-size", trigger):
        return [
            f"the function logged more than {kept:,} bytes, edgelab's cap on one "
            "call's logs ($EDGELAB_MAX_LOGS); the rest was dropped"
        ]
    return [
        f"the function logged more than {kept:,} bytes; "
        "CloudFront truncates a run's logs there (facts §8)"
    ]


def _execution_error(run: _Report) -> str | None:
    """Why the run is a FunctionExecutionError (facts §4.2, §8), or None: it timed out,
    its sandbox died, it threw or left a promise pending, it used too much memory or more
    than its compute budget."""
    raw, info = run.raw, run.info
    if raw.status == "timeout":
        stop = limit(run.rules, "stop-after", run.trigger)
        return (
            f"the function did not finish within {stop:,.0f} ms "
            "(stop-after; an endless loop?) and was stopped (facts §4.2, §8)"
        )
    if raw.status == "crash":
        return f"the function's sandbox process died: {raw.error_message or 'no reason given'}"
    if raw.status == "error":
        return _thrown(raw, info)
    memory_limit = limit(run.rules, "memory", run.trigger) * MB
    if run.memory > memory_limit:
        return (
            f"MemoryError: the run used about {run.memory:,} bytes; a "
            f"CloudFront Function has {memory_limit:,.0f} (facts §8)"
        )
    if run.utilization > 100.0:
        return (
            f"compute utilization {run.utilization:.0f} % is over 100 %: "
            f"the run took {run.cpu_ms:.3f} ms of CPU time against a budget of "
            f"{run.budget:g} ms (compute-budget; facts §8)"
        )
    return None


def _thrown(raw: RawResult, info: Mapping[str, Any]) -> str:
    """The message of a run that threw, or whose promise never settled."""
    state = info.get("state")
    if state == "pending":
        return (
            "the promise the function returned never settled: "
            "CloudFront Functions have no timers or I/O to wait for, so nothing "
            "could ever resolve it (facts §1)"
        )
    err = info.get("error") or {}
    name = err.get("name") or raw.error_type or "Error"
    message = err.get("message", raw.error_message or "")
    where = f" (line {err['line']})" if err.get("line") else ""
    if state != "threw":
        return f"{name}: {message}"
    return f"{name}: {message}{where}".rstrip()


# -- what the viewer gets when a function fails (facts §4.2) --------------------------------
_ERROR_TEXT = {
    502: "The CloudFront function returned an invalid value to CloudFront.",
    503: "The CloudFront function associated with the CloudFront distribution is invalid or "
    "could not run.",
}


def cff_error_response(status: int, error_type: str, *, request_id: str = "") -> dict[str, Any]:
    """CloudFront's error page for a failed CloudFront Function, in the function's
    response shape (the 503 text as observed, decision "execution errors")."""
    detail = _ERROR_TEXT.get(status, "")
    body = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
        '"http://www.w3.org/TR/html4/loose.dtd">\n<HTML><HEAD><META HTTP-EQUIV="Content-Type" '
        'CONTENT="text/html; charset=iso-8859-1">\n<TITLE>ERROR: The request could not be '
        f"satisfied</TITLE>\n</HEAD><BODY>\n<H1>{status} ERROR</H1>\n<H2>The request could "
        f'not be satisfied.</H2>\n<HR noshade size="1px">\n{detail} We can\'t connect to the '
        "server for this app or website at this time. There might be too much traffic or a "
        "configuration error. Try again later, or contact the app or website owner.\n<BR "
        'clear="all">\n<HR noshade size="1px">\n<PRE>\nGenerated by cloudfront (CloudFront)\n'
        f"Request ID: {request_id}\n</PRE>\n<ADDRESS>\n</ADDRESS>\n</BODY></HTML>"
    )
    return {
        "statusCode": status,
        "statusDescription": status_phrase(status),
        "headers": {
            "content-type": {"value": "text/html"},
            "server": {"value": "CloudFront"},
            "x-cache": {"value": f"{error_type} from cloudfront"},
        },
        "cookies": {},
        "body": {"encoding": "text", "data": body},
    }


# -- `aws cloudfront test-function` (facts §10) ---------------------------------------------
def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def aws_test_result(
    result: FunctionResult,
    *,
    name: str,
    created: float,
    stage: str = "DEVELOPMENT",
    kvs_id: str | None = None,
    comment: str = "",
) -> dict[str, Any]:
    """What ``aws cloudfront test-function`` prints for this run: ``{"TestResult": {...}}``
    with ``FunctionSummary``, ``ComputeUtilization`` (a string, as AWS gives it),
    ``FunctionExecutionLogs``, ``FunctionErrorMessage`` and ``FunctionOutput`` (a JSON
    string wrapped as ``{"request": ...}`` or ``{"response": ...}``)."""
    config: dict[str, Any] = {"Comment": comment, "Runtime": result.runtime}
    if kvs_id:
        config["KeyValueStoreAssociations"] = {
            "Quantity": 1,
            "Items": [
                {"KeyValueStoreARN": f"arn:aws:cloudfront::{ACCOUNT}:key-value-store/{kvs_id}"}
            ],
        }
    output = ""
    if result.outcome == "request":
        output = jsonwire.dumps({"request": result.request})
    elif result.outcome == "response":
        output = jsonwire.dumps({"response": result.response})
    return {
        "TestResult": {
            "FunctionSummary": {
                "Name": name,
                "Status": "UNPUBLISHED",
                "FunctionConfig": config,
                "FunctionMetadata": {
                    "FunctionARN": f"arn:aws:cloudfront::{ACCOUNT}:function/{name}",
                    "Stage": stage,
                    "CreatedTime": _iso(created),
                    "LastModifiedTime": _iso(created),
                },
            },
            "ComputeUtilization": str(round(result.compute_utilization)),
            "FunctionExecutionLogs": list(result.log_lines),
            "FunctionErrorMessage": result.error.message if result.error else "",
            "FunctionOutput": output,
        }
    }
