"""What was returned, and the types of its fields (facts §1.3, §2, §4, §6).

:func:`classify` tells a request from a response from neither; the checks here refuse
a value that is neither, a request without a string uri, and response fields of the
wrong type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...event.jsoncheck import json_problem
from ...triggers import Trigger
from ..catalogue import Check
from ..violation import RequestSubject, ResponseSubject, Subject


def classify(result: Any, trigger: Trigger) -> str | None:
    """``"request"``, ``"response"`` or None (not a request or response object at all)."""
    if (type(result) is not dict and not isinstance(result, Mapping)) or "Records" in result:
        return None
    if "status" in result:
        return "response"
    if trigger.is_request and ("uri" in result or "headers" in result or "method" in result):
        return "request"
    return None


def not_json(s: Subject, result: Any) -> bool:
    """What CloudFront could not even parse ("unparsable JSON", §6): True when found."""
    problem = json_problem(result)
    if problem:
        s.add(
            Check.RESULT_NOT_JSON,
            "",
            f"CloudFront cannot read the result as JSON: {problem}",
            actual=type(result).__name__,
        )
    return bool(problem)


def invalid_return(s: Subject, result: Any) -> None:
    """The one check of a value :func:`classify` found to be neither."""
    trigger = s.trigger
    if isinstance(result, Mapping) and "Records" in result:
        msg = (
            "the function returned the whole event; return "
            "event['Records'][0]['cf']['request'] or a response object"
        )
    elif trigger.is_request:
        msg = (
            f"the function returned {_describe(result)}; {trigger.with_article} function "
            "must return the request or a response object with a status"
        )
    else:
        msg = (
            f"the function returned {_describe(result)}; {trigger.with_article} function "
            "must return the response object (with a status)"
        )
    s.add(Check.INVALID_RETURN, "", msg, actual=_describe(result))


def uri_is_a_string(s: RequestSubject) -> None:
    uri = s.value.get("uri")
    if not isinstance(uri, str):
        s.add(
            Check.REQUEST_MISSING_FIELD,
            "request.uri",
            "a returned request needs a string uri",
            actual=uri,
        )


def status_description(s: ResponseSubject) -> None:
    desc = s.value.get("statusDescription")
    if desc is not None and not isinstance(desc, str):
        s.add(
            Check.RESPONSE_INVALID,
            "response.statusDescription",
            "statusDescription must be a string",
            actual=desc,
        )


def response_body(s: ResponseSubject) -> None:
    """A response body is a string, with a bodyEncoding of text or base64."""
    body = s.body
    if body is None:
        return
    if not isinstance(body, str):
        s.add(
            Check.RESPONSE_INVALID,
            "response.body",
            "response body must be a string",
            actual=type(body).__name__,
        )
        return
    encoding = s.value.get("bodyEncoding", "text")
    if encoding not in ("text", "base64"):
        s.add(
            Check.RESPONSE_INVALID,
            "response.bodyEncoding",
            "bodyEncoding must be text or base64",
            actual=encoding,
            limit="text | base64",
        )


def _describe(value: Any) -> str:
    if value is None:
        return "None (null)"
    if isinstance(value, Mapping):
        keys = ", ".join(map(str, list(value)[:6]))
        return f"an object with keys [{keys}]"
    return f"a {type(value).__name__}"
