"""Validation of what a handler returned, against one :class:`~edgelab.rules.tables.RuleSet`.

:func:`validate_result` classifies the returned value (a request, a response, or
neither) and walks the checks of its kind (``edgelab.rules.checks``: one function per
check, listed with its id, section and summary in ``edgelab.rules.catalogue``),
returning :class:`Violation` records; any violation means CloudFront answers 502
``LambdaValidationError`` (facts §6). Changes are judged against the function's
input, so a header that was already there and passes through unchanged is never an
error (SAM's samples carry ``X-Cache``; see the ``DECISIONS`` table in ``rules``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..triggers import Trigger
from .checks import REQUEST_CHECKS, RESPONSE_CHECKS
from .checks.shape import classify, invalid_return, not_json
from .tables import RuleSet
from .violation import RequestSubject, ResponseSubject, Subject, Violation

__all__ = ["Violation", "classify", "validate_result"]


def validate_result(
    result: Any,
    *,
    trigger: Trigger,
    cf_in: Mapping[str, Any],
    rules: RuleSet,
    known_json: bool = False,
) -> tuple[str | None, list[Violation]]:
    """Classify ``result`` and check it against ``rules``; see the module docstring.
    ``known_json``: the runtime already knows ``result`` is JSON CloudFront can read
    (``RawResult.json_checked``), so that check is skipped."""
    if not known_json:
        unreadable = Subject(trigger, rules)
        if not_json(unreadable, result):
            return None, unreadable.found
    kind = classify(result, trigger)
    if kind == "request":
        request = RequestSubject(trigger, rules, result, cf_in.get("request", {}))
        for request_check in REQUEST_CHECKS:
            request_check(request)
        return kind, request.found
    if kind == "response":
        before = None if trigger.is_request else cf_in.get("response", {})
        response = ResponseSubject(trigger, rules, result, before)
        for response_check in RESPONSE_CHECKS:
            response_check(response)
        return kind, response.found
    subject = Subject(trigger, rules)
    invalid_return(subject, result)
    return None, subject.found
