"""Validation of what a CloudFront Function returned (facts §3, §4.1, §5.5).

:func:`validate_cff_result` classifies the returned value (a request, a response, or
neither), checks its shape, the header rules of the rule set, the sizes, and the origin
changes the function asked for; it returns :class:`edgelab.Violation` records, the same
records Lambda@Edge's validator makes. Any violation means CloudFront answers 502
``FunctionValidationError`` (decision "validation errors other than header rules").
Changes are judged against the function's input: a header that passes through unchanged
is never an error.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..rules.tables import RuleSet
from ..rules.validate import Violation
from ..triggers import Trigger
from .event import effective_values, querystring_to_string
from .features import RUNTIME_2
from .origin_changes import OriginChangeRules

VREQ = Trigger.VIEWER_REQUEST
VRESP = Trigger.VIEWER_RESPONSE
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_URI = re.compile(r"[\x00-\x20\x7f#]")
_BAD_QS = re.compile(r"[\x00-\x20\x7f#]")
_DNS = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_REQUEST_KEYS = {"method", "uri", "querystring", "headers", "cookies"}


def _short(value: Any, n: int = 200) -> Any:
    if isinstance(value, str) and len(value) > n:
        return value[:n] + "..."
    return value


class _Checker:
    def __init__(self, trigger: Trigger, rules: RuleSet, runtime: str) -> None:
        self.trigger = trigger
        self.rules = rules
        self.runtime = runtime
        self.found: list[Violation] = []

    def add(
        self,
        rule: str,
        path: str,
        message: str,
        section: str,
        *,
        actual: Any = None,
        limit: Any = None,
    ) -> None:
        self.found.append(
            Violation(rule, self.trigger.value, path, _short(actual), limit, message, section)
        )

    def limit(self, rule: str) -> float:
        value = self.rules.limit(rule, self.trigger)
        return float("inf") if value is None else float(value)

    # -- {value, multiValue} maps ---------------------------------------------------------
    def fields(
        self, after: Any, path: str, *, kind: str, cookies: bool = False, before: Any = None
    ) -> bool:
        """Shape of a headers / cookies / querystring map (§2.4); False when unusable."""
        if not isinstance(after, dict):
            self.add(
                "field-shape",
                path,
                f"{path} must be an object mapping names to {{value, multiValue?}}",
                "§2.4",
                actual=type(after).__name__,
            )
            return False
        before = before if isinstance(before, dict) else {}
        for name, entry in after.items():
            if before.get(name) == entry and isinstance(entry, dict):
                continue  # passed through unchanged: it was valid on the way in
            where = f"{path}.{name}"
            if not self._field_name(name, where, path, kind):
                continue
            if not isinstance(entry, dict):
                self.add(
                    "field-shape",
                    where,
                    f"{where} must be an object with a string 'value'",
                    "§2.4",
                    actual=entry,
                )
                continue
            for sub, value in self._field_values(entry, where, cookies):
                self._field_value(value, f"{where}.{sub}")
        return True

    def _field_name(self, name: Any, where: str, path: str, kind: str) -> bool:
        """A header name is an HTTP token, in lower case (§2.4, §4.1); other names are not
        empty. False when the entry is not worth checking further."""
        if kind != "header":
            if not name:
                self.add("field-shape", where, f"{path} has an empty name", "§2.4")
            return True
        if not _TOKEN.match(str(name)):
            self.add(
                "header-name-invalid",
                where,
                f"header name {name!r} is not a valid HTTP token",
                "§4.1",
                actual=name,
            )
            return False
        if name != name.lower():
            self.add(
                "header-name-case",
                where,
                f"header names must be lowercase when a function adds them; got {name!r}",
                "§2.4",
                actual=name,
                limit=name.lower(),
            )
        return True

    def _field_values(
        self, entry: dict[str, Any], where: str, cookies: bool
    ) -> list[tuple[str, Any]]:
        """(sub-path, value) of each string an entry holds: value, multiValue[i].value,
        and a cookie's attributes."""
        items = [("value", entry.get("value"))]
        mv = entry.get("multiValue")
        if mv is not None and not isinstance(mv, list):
            self.add(
                "field-shape",
                f"{where}.multiValue",
                "multiValue must be a list of {value} objects",
                "§2.4",
                actual=type(mv).__name__,
            )
        elif mv is not None:
            items += [
                (f"multiValue[{i}].value", m.get("value") if isinstance(m, dict) else m)
                for i, m in enumerate(mv)
            ]
            if cookies:
                items += [
                    (f"multiValue[{i}].attributes", m.get("attributes", ""))
                    for i, m in enumerate(mv)
                    if isinstance(m, dict)
                ]
        if cookies:
            items.append(("attributes", entry.get("attributes", "")))
        return items

    def _field_value(self, value: Any, at: str) -> None:
        if not isinstance(value, str):
            self.add(
                "value-not-string",
                at,
                f"{at} must be a string; got {type(value).__name__}",
                "§4.1",
                actual=value,
            )
        elif _BAD_VALUE.search(value):
            self.add("value-invalid", at, f"{at} has a control character", "§4.1", actual=value)

    def header_rules(
        self, after: Mapping[str, Any], before: Mapping[str, Any], path: str, *, generated: bool
    ) -> None:
        """Disallowed and read-only headers (§4.1): only additions, edits and removals
        count; a header passed through unchanged is fine."""
        for name in sorted(set(after) | set(before)):
            if not isinstance(name, str) or after.get(name) == before.get(name):
                continue
            lower = name.lower()
            kinds = self.rules.header_kinds(lower, self.trigger)
            if not kinds:
                continue
            old = effective_values(before.get(name)) if name in before else []
            new = effective_values(after.get(name), before.get(name)) if name in after else []
            if old == new:
                continue
            what = "added" if not old else "removed" if not new else "changed"
            if "disallowed" in kinds and new:
                self.add(
                    "disallowed-header",
                    f"{path}.{name}",
                    f"header {name!r} is disallowed for edge functions and was {what} (502)",
                    "§4.1",
                    actual=new,
                    limit="not allowed",
                )
            if "read-only" in kinds and not generated:
                self.add(
                    "read-only-header",
                    f"{path}.{name}",
                    f"header {name!r} is read-only in {self.trigger.value} and was {what} (502)",
                    "§4.1",
                    actual=new or None,
                    limit=old or None,
                )

    # -- request --------------------------------------------------------------------------
    def request(self, req: Mapping[str, Any], before: Mapping[str, Any]) -> None:
        if "body" in req:
            self.add(
                "request-body",
                "request.body",
                "a CloudFront Function cannot set a request body; only a response may carry one",
                "§2.2",
                actual="body",
            )
        if "method" in req and req["method"] != before.get("method"):
            self.add(
                "read-only-field",
                "request.method",
                "request.method is read-only (the only read-only field of the request)",
                "§2.2",
                actual=req["method"],
                limit=before.get("method"),
            )
        uri = self._uri(req.get("uri", before.get("uri")))
        qs = self._querystring(req.get("querystring", before.get("querystring", {})), before)
        total = len(uri) + (len(qs) + 1 if qs else 0)
        if total >= self.limit("uri-querystring-length"):
            self.add(
                "uri-too-long",
                "request.uri",
                f"uri + querystring is {total:,} characters; "
                f"it must be shorter than {self.limit('uri-querystring-length'):,.0f}",
                "§4.1",
                actual=total,
                limit=self.limit("uri-querystring-length"),
            )
        size = len(uri) + len(qs) + self._request_headers(req, before)
        cookies = req.get("cookies", before.get("cookies", {}))
        self.fields(cookies, "request.cookies", kind="cookie", before=before.get("cookies"))
        if size > self.limit("request-size"):
            self.add(
                "request-too-large",
                "request",
                f"the request's headers, uri and query "
                f"string are {size:,} bytes; at most {self.limit('request-size'):,.0f}",
                "§4.1",
                actual=size,
                limit=self.limit("request-size"),
            )

    def _uri(self, uri: Any) -> str:
        """The uri the request goes on with ('' when unusable) (§2.2, §4.1)."""
        if not isinstance(uri, str) or not uri.startswith("/"):
            self.add(
                "uri-invalid",
                "request.uri",
                "request.uri must be a string starting with '/'",
                "§2.2, §4.1",
                actual=uri,
            )
            return ""
        if _BAD_URI.search(uri):
            self.add(
                "uri-invalid",
                "request.uri",
                "request.uri must not contain spaces, control characters or '#'",
                "§4.1",
                actual=uri,
            )
        return uri

    def _querystring(self, qs_value: Any, before: Mapping[str, Any]) -> str:
        """The query string as text: a string (2.0 only) or the querystring object."""
        if isinstance(qs_value, str):
            if self.runtime != RUNTIME_2:
                self.add(
                    "querystring-string",
                    "request.querystring",
                    "a querystring string is "
                    f"accepted from cloudfront-js-2.0 only; {self.runtime} returns the "
                    "querystring object",
                    "§2.2",
                    actual=qs_value,
                )
            qs = qs_value[1:] if qs_value.startswith("?") else qs_value
        elif self.fields(
            qs_value, "request.querystring", kind="query", before=before.get("querystring")
        ):
            qs = querystring_to_string(qs_value)
        else:
            qs = ""
        if _BAD_QS.search(qs):
            self.add(
                "querystring-invalid",
                "request.querystring",
                "the query string must not contain spaces, control characters or '#'",
                "§4.1",
                actual=qs,
            )
        return qs

    def _request_headers(self, req: Mapping[str, Any], before: Mapping[str, Any]) -> int:
        """Check the request's headers; their size toward the request's (§4.1)."""
        headers = req.get("headers", before.get("headers", {}))
        if not self.fields(headers, "request.headers", kind="header", before=before.get("headers")):
            return 0
        if "cookie" in headers and "cookie" not in before.get("headers", {}):
            self.add(
                "cookie-header",
                "request.headers.cookie",
                "set cookies through "
                "request.cookies; a CloudFront Function never sees a cookie header",
                "§2.2",
                actual="cookie",
            )
        self.header_rules(headers, before.get("headers", {}), "request.headers", generated=False)
        return sum(
            len(str(n)) + sum(len(str(v)) for v in effective_values(e)) + 4
            for n, e in headers.items()
            if isinstance(e, dict)
        )

    # -- response -------------------------------------------------------------------------
    def response(self, resp: Mapping[str, Any], before: Mapping[str, Any] | None) -> None:
        generated = before is None
        before = before or {}
        self._status(resp.get("statusCode", before.get("statusCode")))
        desc = resp.get("statusDescription")
        if desc is not None and not isinstance(desc, str):
            self.add(
                "status-description",
                "response.statusDescription",
                "statusDescription must be a string",
                "§2.3",
                actual=desc,
            )
        headers = resp.get("headers", before.get("headers", {}))
        if self.fields(headers, "response.headers", kind="header", before=before.get("headers")):
            if "set-cookie" in headers and "set-cookie" not in before.get("headers", {}):
                self.add(
                    "set-cookie-header",
                    "response.headers.set-cookie",
                    "set cookies "
                    "through response.cookies; a CloudFront Function never sees a "
                    "set-cookie header",
                    "§2.3",
                    actual="set-cookie",
                )
            self.header_rules(
                headers, before.get("headers", {}), "response.headers", generated=generated
            )
        self.fields(
            resp.get("cookies", before.get("cookies", {})),
            "response.cookies",
            kind="cookie",
            cookies=True,
            before=before.get("cookies"),
        )
        if "body" in resp:
            self.body(resp["body"])

    def _status(self, status: Any) -> None:
        """statusCode: an integer within the status range (§2.3, §4.1)."""
        if isinstance(status, bool) or not isinstance(status, int):
            if isinstance(status, float) and status.is_integer():
                status = int(status)
            else:
                self.add(
                    "status-invalid",
                    "response.statusCode",
                    "statusCode must be an integer such as 302 (not a string)",
                    "§2.3",
                    actual=status,
                )
                status = None
        if status is not None and not (
            self.limit("status-min") <= status <= self.limit("status-max")
        ):
            self.add(
                "status-invalid",
                "response.statusCode",
                f"statusCode must be from "
                f"{self.limit('status-min'):.0f} to {self.limit('status-max'):.0f}",
                "§4.1",
                actual=status,
                limit=[self.limit("status-min"), self.limit("status-max")],
            )

    def body(self, body: Any) -> None:
        if isinstance(body, str):
            return
        if not isinstance(body, Mapping):
            self.add(
                "body-shape",
                "response.body",
                "body must be a string or {data, encoding}",
                "§2.3",
                actual=type(body).__name__,
            )
            return
        data, encoding = body.get("data"), body.get("encoding", "text")
        if not isinstance(data, str):
            self.add(
                "body-shape",
                "response.body.data",
                "body.data must be a string",
                "§2.3",
                actual=data,
            )
            return
        if encoding not in ("text", "base64"):
            self.add(
                "body-encoding",
                "response.body.encoding",
                "body.encoding must be text or base64",
                "§2.3",
                actual=encoding,
                limit=["text", "base64"],
            )
        elif encoding == "base64":
            try:
                base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                self.add(
                    "body-base64",
                    "response.body.data",
                    "body.data is not valid base64 (encoding base64)",
                    "§2.3",
                    actual=data,
                )


def validate_cff_result(
    value: Any,
    *,
    trigger: Trigger,
    event: Mapping[str, Any],
    rules: RuleSet,
    runtime: str,
    value_type: str = "object",
    promise: bool = False,
    origin_changes: Sequence[Mapping[str, Any]] = (),
    origins: Sequence[str] | None = None,
) -> tuple[str | None, list[Violation]]:
    """``(kind, violations)`` for what a function returned; ``kind`` is ``"request"``,
    ``"response"`` or None (nothing usable). ``value`` is the returned value as JSON
    data, ``value_type`` its JavaScript type (``undefined``, ``function`` ...), ``promise``
    whether a 1.0 function returned a Promise."""
    check = _Checker(trigger, rules, runtime)
    kind = _returned_kind(check, value, value_type, promise)
    if kind is None:
        return None, check.found
    if kind == "response":
        check.response(value, event.get("response") if trigger is VRESP else None)
    else:
        check.request(value, event.get("request", {}))
    if trigger is VREQ and origin_changes:
        OriginChangeRules(check.add).origin_changes(origin_changes, origins)
    return kind, check.found


def _returned_kind(check: _Checker, value: Any, value_type: str, promise: bool) -> str | None:
    """``"request"`` or ``"response"``: what the returned value is (§3); None, with a
    ``return-shape`` violation, when it is neither."""
    trigger, runtime = check.trigger, check.runtime
    problem: tuple[str, Any] | None = None
    if promise:
        problem = (
            f"a {runtime} handler must return the request or "
            "response itself, not a Promise (1.0 has no async)",
            "Promise",
        )
    elif value_type in ("undefined", "function", "symbol") or not isinstance(value, dict):
        got = value_type if value_type != "object" else _js_type(value)
        problem = (
            f"the function must return the "
            f"{'request or a response' if trigger is VREQ else 'response'} object; it "
            f"returned {got}",
            got,
        )
    elif "request" in value and ("context" in value or "version" in value):
        problem = (
            "the function returned the whole event; return "
            f"event.{'request' if trigger is VREQ else 'response'}",
            "event",
        )
    elif "statusCode" in value or (
        trigger is VRESP and not (set(value) & {"uri", "method", "querystring"})
    ):
        return "response"
    elif trigger is VRESP:
        problem = (
            "a viewer-response function must return the response (event.response), not the request",
            "request",
        )
    elif not set(value) & _REQUEST_KEYS:
        problem = (
            "the returned object is neither a request "
            "(method, uri, querystring, headers, cookies) nor a response "
            "(statusCode)",
            sorted(value)[:8],
        )
    else:
        return "request"
    message, actual = problem
    check.add("return-shape", "return", message, "§1, §3" if promise else "§3", actual=actual)
    return None


def _js_type(value: Any) -> str:
    """How JavaScript's reader would name a non-object JSON value."""
    if value is None:
        return "null"
    return "an array" if isinstance(value, list) else type(value).__name__
