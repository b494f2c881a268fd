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
from .catalogue import Check
from .checks import REQUEST_CHECKS, RESPONSE_CHECKS
from .checks.shape import classify, invalid_return, not_json
from .tables import RuleSet
from .violation import RequestSubject, ResponseSubject, Subject, Violation

__all__ = ["Violation", "classify", "validate_result", "walk_checks"]


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
        if result == cf_in.get("request", {}) and passes_unchanged_request(result, trigger, rules):
            return kind, []
        return kind, walk_checks(kind, result, trigger=trigger, cf_in=cf_in, rules=rules)
    if kind == "response":
        if (
            not trigger.is_request
            and result == cf_in.get("response", {})
            and passes_unchanged_response(result, rules, trigger)
        ):
            return kind, []
        return kind, walk_checks(kind, result, trigger=trigger, cf_in=cf_in, rules=rules)
    subject = Subject(trigger, rules)
    invalid_return(subject, result)
    return None, subject.found


def walk_checks(
    kind: str, result: Any, *, trigger: Trigger, cf_in: Mapping[str, Any], rules: RuleSet
) -> list[Violation]:
    """Every check of a returned ``request`` or ``response`` (``kind``), in order: what
    :func:`validate_result` gives for a result of that kind, without its shortcut for a
    result equal to the input."""
    if kind == "request":
        request = RequestSubject(trigger, rules, result, cf_in.get("request", {}))
        for request_check in REQUEST_CHECKS:
            request_check(request)
        return request.found
    before = None if trigger.is_request else cf_in.get("response", {})
    response = ResponseSubject(trigger, rules, result, before)
    for response_check in RESPONSE_CHECKS:
        response_check(response)
    return response.found


# -- a result equal to what the function was given --------------------------------------
# A handler that returns the request or response it was given, unchanged, is the usual
# case. The checks that judge changes (read-only fields, header lists, the request
# size, bodies, the origin) find nothing in a result equal (==) to the input: each of
# them compares with ``==`` too. What is left are the checks of the value itself,
# made here directly when the value has its usual shape; any other shape takes the
# walk of every check. tests/test_per_call.py checks, for open-ended inputs, that both
# ways give the same answer.


def passes_unchanged_request(result: Mapping[str, Any], trigger: Trigger, rules: RuleSet) -> bool:
    """Whether the walk of :data:`REQUEST_CHECKS` finds nothing in ``result``, a request
    equal to the one the function was given: True only when ``result`` has the usual
    shape (a string uri starting with '/', a string query string, a dict of header
    lists) and its uri and query string are within their length; False means "walk"."""
    uri, qs, headers = result.get("uri"), result.get("querystring"), result.get("headers")
    if not (
        isinstance(uri, str)
        and uri.startswith("/")
        and isinstance(qs, str)
        and type(headers) is dict
        and _lists(headers)
    ):
        return False
    max_len = rules.limit(_URI_QS_LENGTH, trigger)
    return max_len is None or len(uri) + len(qs) < max_len


def passes_unchanged_response(result: Mapping[str, Any], rules: RuleSet, trigger: Trigger) -> bool:
    """Whether the walk of :data:`RESPONSE_CHECKS` finds nothing in ``result``, a response
    trigger's result equal to the response it was given: True only when ``result`` has
    the usual shape (no body, a status of plain digits within the rule set's range, a
    string or no description, a dict of header lists or no headers); False: "walk"."""
    status, desc = result.get("status"), result.get("statusDescription", None)
    headers = result.get("headers", {})
    if not (
        "body" not in result
        and type(status) is str
        and status.isascii()
        and status.isdigit()
        and len(status) <= 6
        and (desc is None or isinstance(desc, str))
        and type(headers) is dict
        and _lists(headers)
    ):
        return False
    code = int(status)
    if str(code) != status:  # " 200", "0200": as the status checks read them
        return False
    lowest, highest = rules.limit(_STATUS_MIN, trigger), rules.limit(_STATUS_MAX, trigger)
    return (lowest or 200) <= code <= (highest or 599)


def _lists(headers: dict[str, Any]) -> bool:
    """Every value of ``headers`` a ``list`` (a plain loop: no generator for ``all()``)."""
    for elems in headers.values():  # noqa: SIM110
        if type(elems) is not list:
            return False
    return True


# the rules the two read (named once: an enum member's attribute is no constant look-up)
_URI_QS_LENGTH = Check.URI_QUERYSTRING_LENGTH.limits[0]
_STATUS_MIN, _STATUS_MAX = Check.STATUS_RANGE.limits
