"""What CloudFront makes of one function call (facts §6).

* the request goes on (a request trigger returned a valid request);
* a response (generated in a request trigger, or returned by a response trigger);
* an error: 502 ``LambdaValidationError`` for invalid output (including a return value
  that is no request or response at all), 500 ``LambdaExecutionError`` for an unhandled
  exception or a dead function process, 503 ``LambdaLimitExceeded`` for a timeout.

:func:`decide` is the one place this is decided, for Python and Node.js handlers alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..event.build import status_phrase
from ..event.headers import fill_keys, header_name_notes, lowercase_names
from ..runtimes.base import RawResult
from ..triggers import Trigger
from .tables import RuleSet
from .validate import Violation, validate_result

OutcomeKind = Literal["request", "response", "error"]

ERROR_STATUS = {
    "LambdaValidationError": 502,
    "LambdaExecutionError": 500,
    "LambdaLimitExceeded": 503,
}


@dataclass(frozen=True)
class ErrorInfo:
    type: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "message": self.message}


@dataclass
class InvocationResult:
    """One call's outcome; ``to_dict()`` is the ``edgelab invoke`` JSON contract."""

    trigger: Trigger
    outcome: OutcomeKind
    request: dict[str, Any] | None
    response: dict[str, Any] | None
    status: int | None
    error: ErrorInfo | None
    violations: list[Violation]
    duration_ms: float
    logs: str
    cold_start: bool = False
    returned: Any = None
    notes: list[str] = field(default_factory=list)
    #: the outbound calls it made (HTTP, local AWS, refused): see edgelab.outbound
    calls: list[dict[str, Any]] = field(default_factory=list)
    #: the ``cf`` record the function was given (what its changes are compared with)
    input: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.outcome != "error"

    def to_dict(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger.value,
            "outcome": self.outcome,
            "request": self.request,
            "response": self.response,
            "status": self.status,
            "error": self.error.to_dict() if self.error else None,
            "violations": [v.to_dict() for v in self.violations],
            "duration_ms": round(self.duration_ms, 3),
            "logs": self.logs,
            "cold_start": self.cold_start,
            "notes": list(self.notes),
            "calls": list(self.calls),
        }


def normalize_request(
    req: Mapping[str, Any], before: Mapping[str, Any], *, lowercase: bool = False
) -> dict[str, Any]:
    """The request as CloudFront carries it on: read-only fields kept, keys filled (§1.5).
    ``lowercase``: ``req`` has headers whose names are known to be lowercase."""
    out = dict(req)
    for key in ("clientIp", "method", "querystring"):
        out.setdefault(key, before.get(key, ""))
    if "headers" in req:
        headers: Any = req["headers"]
    else:
        headers, lowercase = before.get("headers", {}), False
    out["headers"] = fill_keys(headers, lowercase=lowercase)
    if "origin" in before and "origin" not in out:
        out["origin"] = before["origin"]
    return out


def normalize_response(
    resp: Mapping[str, Any], before: Mapping[str, Any] | None = None, *, lowercase: bool = False
) -> dict[str, Any]:
    """A response with a string status, a description and filled header keys (§1.5, §4).

    In a response trigger (``before`` is the input response) a result without ``headers``
    keeps the input's headers, as the validator reads it (an omitted field is unchanged).
    ``lowercase``: ``resp`` has headers whose names are known to be lowercase.
    """
    out = dict(resp)
    out["status"] = str(int(resp["status"]))
    if "statusDescription" not in out:  # (not setdefault: the phrase only when missing)
        out["statusDescription"] = status_phrase(resp["status"])
    if "headers" in resp:
        headers = resp["headers"]
    else:
        headers, lowercase = (before or {}).get("headers", {}), False
    # A list in a generated response: CloudFront serves it without the headers (DECISIONS).
    out["headers"] = {} if isinstance(headers, list) else fill_keys(headers, lowercase=lowercase)
    if "body" in out:
        out.setdefault("bodyEncoding", "text")
    return out


def decide(
    raw: RawResult, *, trigger: Trigger, cf_in: Mapping[str, Any], rules: RuleSet
) -> InvocationResult:
    """Turn what the function did into CloudFront's outcome."""
    result = decide_outcome(raw, trigger=trigger, cf_in=cf_in, rules=rules)
    result.calls = list(raw.calls)
    result.input = dict(cf_in)
    return result


def event_type_hint(raw: RawResult, trigger: Trigger) -> str:
    """A hint when a failure looks like a handler written for another trigger's event: it
    read ``cf.response`` in a request event, or ``request.origin`` in a viewer event
    (facts §1.1, §1.3); "" otherwise."""
    kind, message = raw.error_type or "", (raw.error_message or "").strip()
    counterpart = {
        Trigger.VIEWER_REQUEST: "viewer-response",
        Trigger.ORIGIN_REQUEST: "origin-response",
    }.get(trigger)
    reads_response = (kind == "KeyError" and message == "'response'") or (
        kind == "TypeError"
        and "of undefined" in message
        and any(f"(reading '{k}')" in message for k in ("headers", "status", "statusDescription"))
    )
    if counterpart and reads_response:
        other = "origin-response" if counterpart == "viewer-response" else "viewer-response"
        return (
            f" (hint: the function reads cf.response, which {trigger.with_article} event "
            f"does not have (facts §1.1): it looks like a handler for {counterpart} (or "
            f"{other}) events; give it --trigger {counterpart} or attach it to that trigger)"
        )
    if trigger.is_viewer and kind == "KeyError" and message == "'origin'":
        origin = "origin-request" if trigger.is_request else "origin-response"
        return (
            f" (hint: the function reads request.origin, which {trigger.with_article} event "
            f"does not have (facts §1.3): it looks like a handler for {origin} events; give "
            f"it --trigger {origin} or attach it to that trigger)"
        )
    return ""


def decide_outcome(
    raw: RawResult, *, trigger: Trigger, cf_in: Mapping[str, Any], rules: RuleSet
) -> InvocationResult:
    """:func:`decide` without the copies of ``cf_in`` and of the outbound calls its
    result keeps (``input``, ``calls``: left empty)."""
    notes: list[str] = []
    outcome, request, response, error, violations = chain_outcome(raw, trigger, cf_in, rules, notes)
    if error is not None:
        status: int | None = ERROR_STATUS[error.type]
    else:
        status = None if response is None else int(response["status"])
    return InvocationResult(
        trigger,
        outcome,
        request,
        response,
        status,
        error,
        violations,
        raw.duration_ms,
        raw.logs,
        raw.cold_start,
        raw.value,
        notes,
    )


#: :func:`chain_outcome`'s answer: outcome, request, response, error, violations.
Decided = tuple[
    OutcomeKind, dict[str, Any] | None, dict[str, Any] | None, ErrorInfo | None, list[Violation]
]


def chain_outcome(
    raw: RawResult,
    trigger: Trigger,
    cf_in: Mapping[str, Any],
    rules: RuleSet,
    notes: list[str] | None = None,
) -> Decided:
    """What CloudFront makes of the call, as :func:`decide_outcome`'s result has it
    (``outcome``, ``request``, ``response``, ``error``, ``violations``), without the
    result object: for the chain, whose stage records keep ``cf_in``'s part and
    ``raw.calls`` themselves. The notes on the returned header map are added to
    ``notes`` when a list is given (the chain keeps none)."""
    request_in = cf_in.get("request")
    if raw.status == "timeout":
        message = raw.error_message or "the function timed out"
        return "error", request_in, None, ErrorInfo("LambdaLimitExceeded", message), []
    if raw.status in ("error", "crash"):
        what = raw.error_type or "Error"
        message = f"{what}: {raw.error_message or ''}".rstrip(": ")
        message += event_type_hint(raw, trigger)
        return "error", request_in, None, ErrorInfo("LambdaExecutionError", message), []
    value = raw.value
    kind, violations = validate_result(
        value, trigger=trigger, cf_in=cf_in, rules=rules, known_json=raw.json_checked
    )
    if violations:
        first = violations[0].message
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        message = f"the function result failed validation: {first}{more}"
        error = ErrorInfo("LambdaValidationError", message)
        return "error", request_in, None, error, violations
    headers = value.get("headers")
    # the usual map of lowercase names: no note to make, no name to lowercase after (a
    # value decoded from JSON, json_checked, has no name that is not exactly a str)
    lowercase = type(headers) is dict and lowercase_names(headers, exact=not raw.json_checked)
    if not lowercase and notes is not None:
        notes += _header_notes(value, kind, trigger)
    if kind == "request":
        request = normalize_request(value, request_in or {}, lowercase=lowercase)
        return "request", request, None, None, []
    response_in = cf_in.get("response")
    is_request = trigger.is_request
    response = normalize_response(value, None if is_request else response_in, lowercase=lowercase)
    if (
        not is_request
        and response_in is not None
        and "body" in response_in
        and "body" not in response
    ):
        response["body"] = response_in["body"]
    return "response", request_in, response, None, []


def _header_notes(result: Mapping[str, Any], kind: str | None, trigger: Trigger) -> list[str]:
    """What CloudFront made of the result's header map that the user should know (§13)."""
    headers = result.get("headers")
    if isinstance(headers, list) and kind == "response" and trigger.is_request:
        return [
            f"response.headers is a list, not an object: CloudFront serves the generated "
            f"response's status and body without these {len(headers)} header(s) (DECISIONS "
            "'headers given as a list in a generated response'); use {lowercase-name: "
            "[{key, value}]}"
        ]
    # (type() first: the usual dict, without the ABC's instance check)
    if (type(headers) is not dict and not isinstance(headers, Mapping)) or lowercase_names(headers):
        return []
    return header_name_notes(headers, f"{kind}.headers")


_ERROR_TEXT = {
    502: "The Lambda function result failed validation: {message}",
    500: "The Lambda function associated with the CloudFront distribution is invalid or "
    "doesn't have the required permissions. ({message})",
    503: "The Lambda function associated with the CloudFront distribution was throttled or "
    "ran past its time. ({message})",
}


def error_response(
    status: int, error_type: str, message: str, *, request_id: str = ""
) -> dict[str, Any]:
    """The response CloudFront sends the viewer when a function fails (facts §6)."""
    # A function's failure reads as one; an origin's or edgelab's own never blames a function.
    text = _ERROR_TEXT.get(status, "{message}") if error_type.startswith("Lambda") else "{message}"
    detail = text.format(message=message)
    body = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
        '"http://www.w3.org/TR/html4/loose.dtd">\n<HTML><HEAD><META HTTP-EQUIV="Content-Type" '
        'CONTENT="text/html; charset=iso-8859-1">\n<TITLE>ERROR: The request could not be '
        f"satisfied</TITLE>\n</HEAD><BODY>\n<H1>{status} ERROR</H1>\n<H2>The request could "
        f'not be satisfied.</H2>\n<HR noshade size="1px">\n{detail}\n<BR clear="all">\n'
        f'<HR noshade size="1px">\n<PRE>\nGenerated by cloudfront (CloudFront)\nRequest ID: '
        f"{request_id}\n</PRE>\n<ADDRESS>\n</ADDRESS>\n</BODY></HTML>"
    )
    headers = {
        "content-type": [{"key": "Content-Type", "value": "text/html"}],
        "server": [{"key": "Server", "value": "CloudFront"}],
        "x-cache": [{"key": "X-Cache", "value": f"{error_type} from cloudfront"}],
    }
    return {
        "status": str(status),
        "statusDescription": status_phrase(status),
        "headers": headers,
        "body": body,
        "bodyEncoding": "text",
    }
