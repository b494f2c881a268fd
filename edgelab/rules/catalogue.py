"""Every check the validator makes, as data: the catalogue beside the limit tables.

Each member of :class:`Check` is one thing CloudFront verifies in what a Lambda@Edge
function returned. Its value is the id a :class:`~edgelab.rules.violation.Violation`
carries as ``rule``; it also carries what it checks (``group``: the module of
``edgelab/rules/checks/`` that makes the check), the fact-sheet section, a one-line
summary and the quotas of the limit tables it reads (``limits``). Any violation gives
502 ``LambdaValidationError`` (facts §6).

:data:`CATALOGUE` holds the checks of every validator, a service per enum: Lambda@Edge's
are registered here, and another validator registers its own :class:`CheckEnum` with
its outcome, for example::

    class FunctionCheck(CheckEnum):
        INVALID_RETURN = ("invalid-return", "shape", "§3", "the function returned ...")

    CATALOGUE.register("CloudFront Functions", FunctionCheck,
                       outcome="502 FunctionValidationError", facts="cloudfront-functions-facts.md")

``edgelab rules --checks`` lists them all; its checks can record violations through
``violation.Subject.add``, which takes any :class:`CheckEnum` member.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

#: What each check reads about, in the order a returned value meets them; each is one
#: module of ``edgelab/rules/checks/``.
GROUPS: dict[str, str] = {
    "shape": "what was returned, and the types of its fields",
    "status": "the response status",
    "headers": "header maps: shape, name and value characters, the header lists",
    "request": "the request's uri, query string and read-only fields",
    "sizes": "quotas on the size of the whole request or response",
    "body": "request and response bodies: actions, encodings, replaced-body quotas",
    "origin": "the origin a function picks: custom or S3 fields, custom headers",
}


class CheckEnum(StrEnum):
    """Base of a validator's check ids; a member is ``ID = (id, group, section, summary,
    limits)``, and its value is the id (``str(member) == id``)."""

    _value_: str
    group: str
    section: str
    summary: str
    limits: tuple[str, ...]

    def __new__(
        cls, value: str, group: str, section: str, summary: str, limits: tuple[str, ...] = ()
    ) -> CheckEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.group = group
        member.section = section
        member.summary = summary
        member.limits = limits
        return member


class Check(CheckEnum):
    """The checks of Lambda@Edge's validator (``lambda-edge-facts.md``)."""

    # -- shape ----------------------------------------------------------------------------
    RESULT_NOT_JSON = (
        "result-not-json",
        "shape",
        "§6",
        "CloudFront cannot read the result as JSON (a lone surrogate in a string, or "
        "nesting deeper than edgelab's 64-level bound): 'unparsable JSON'",
    )
    INVALID_RETURN = (
        "invalid-return",
        "shape",
        "§2, §6",
        "the function returned neither a request nor a response object (None, a string, "
        "the whole event, a request from a response trigger)",
    )
    REQUEST_MISSING_FIELD = (
        "request-missing-field",
        "shape",
        "§1.3, §6",
        "a returned request has no string uri",
    )
    RESPONSE_INVALID = (
        "response-invalid",
        "shape",
        "§4",
        "statusDescription or body is not a string, or bodyEncoding is not text or base64",
    )
    # -- status ---------------------------------------------------------------------------
    STATUS_INVALID = (
        "status-invalid",
        "status",
        "§4, §6",
        "the status is not an HTTP status code (a string of ASCII digits or an integer)",
    )
    STATUS_RANGE = (
        "status-range",
        "status",
        "§1.7, §4",
        "the status is outside status-min to status-max (200-599)",
        ("status-min", "status-max"),
    )
    STATUS_READ_ONLY = (
        "status-read-only",
        "status",
        "§1.7, §2",
        "a viewer-response function changed the status",
    )
    STATUS_204_WITH_BODY = (
        "status-204-with-body",
        "status",
        "§4",
        "a 204 response generated in viewer request has a body",
    )
    # -- headers --------------------------------------------------------------------------
    HEADER_SHAPE = (
        "header-shape",
        "headers",
        "§1.5, §1.6",
        "a header map is not {name: [{key, value}]}: not an object, not a list, or a "
        "value or key that is not a string",
    )
    HEADER_NAME_INVALID = (
        "header-name-invalid",
        "headers",
        "§1.5, §6",
        "a header map name or element key is not an RFC 9110 token",
    )
    HEADER_VALUE_INVALID = (
        "header-value-invalid",
        "headers",
        "§6",
        "a changed header value holds a control character other than tab, or a character "
        "beyond Latin-1",
    )
    DISALLOWED_HEADER = (
        "disallowed-header",
        "headers",
        "§3.1",
        "a header on the rule set's disallowed list was added or changed",
    )
    READ_ONLY_HEADER = (
        "read-only-header",
        "headers",
        "§3.2",
        "a header read-only in this trigger was added, changed or removed",
    )
    VIEWER_COUNTRY_ADDED = (
        "viewer-country-added",
        "headers",
        "§3.1",
        "CloudFront-Viewer-Country was added or changed in viewer request",
    )
    # -- request --------------------------------------------------------------------------
    URI_INVALID = (
        "uri-invalid",
        "request",
        "§1.3, §2, §6",
        "the uri does not start with '/', or a changed uri holds a space, a control "
        "character or '#'",
    )
    QUERYSTRING_INVALID = (
        "querystring-invalid",
        "request",
        "§1.3, §2",
        "the query string is not a string, or a changed one starts with '?' or holds a "
        "space, a control character or '#'",
    )
    READ_ONLY_FIELD = (
        "read-only-field",
        "request",
        "§1.3",
        "request.method or request.clientIp was changed",
    )
    # -- sizes ----------------------------------------------------------------------------
    URI_QUERYSTRING_LENGTH = (
        "uri-querystring-length",
        "sizes",
        "§2, §5.3",
        "uri + query string are not shorter than the quota",
        ("uri-querystring-length",),
    )
    REQUEST_SIZE = (
        "request-size",
        "sizes",
        "§5.3",
        "a changed request's headers, uri and query string take more bytes than the quota",
        ("request-size",),
    )
    GENERATED_RESPONSE_SIZE = (
        "generated-response-size",
        "sizes",
        "§4, §5.1",
        "a generated or replaced response's headers and body are over the trigger's quota",
        ("generated-response-size",),
    )
    # -- body -----------------------------------------------------------------------------
    BODY_INVALID = (
        "body-invalid",
        "body",
        "§1.4",
        "a changed request.body is not {action, encoding, data}: action read-only or "
        "replace, encoding base64 or text, data a string",
    )
    BODY_BASE64_INVALID = (
        "body-base64-invalid",
        "body",
        "§1.4, §4",
        "a replaced request body or a response body declared base64 is not valid base64",
    )
    BODY_REPLACE_TEXT = (
        "body-replace-text",
        "body",
        "§5.1",
        "a replaced request body (encoding text) is over the trigger's quota",
        ("body-replace-text",),
    )
    BODY_REPLACE_BASE64 = (
        "body-replace-base64",
        "body",
        "§5.1",
        "a replaced request body (encoding base64) is over the trigger's quota",
        ("body-replace-base64",),
    )
    # -- origin ---------------------------------------------------------------------------
    ORIGIN_INVALID = (
        "origin-invalid",
        "origin",
        "§1.6",
        "a changed request.origin is not exactly one valid custom or s3 origin (domain "
        "name, path, timeouts, port, protocol, SSL protocols, auth method, region)",
    )
    CUSTOM_HEADER_DENIED = (
        "custom-header-denied",
        "origin",
        "§3.4",
        "an origin custom header is on the custom-header denylist",
    )
    CUSTOM_HEADER_DUPLICATE = (
        "custom-header-duplicate",
        "origin",
        "§1.6",
        "an origin custom header is also a request header",
    )
    CUSTOM_HEADER_NAME_LENGTH = (
        "custom-header-name-length",
        "origin",
        "§5.3",
        "an origin custom header name is longer than the quota",
        ("custom-header-name-length",),
    )
    CUSTOM_HEADER_VALUE_LENGTH = (
        "custom-header-value-length",
        "origin",
        "§5.3",
        "an origin custom header value is longer than the quota",
        ("custom-header-value-length",),
    )
    ORIGIN_CUSTOM_HEADERS = (
        "origin-custom-headers",
        "origin",
        "§5.3",
        "more origin custom headers than the quota",
        ("origin-custom-headers",),
    )
    CUSTOM_HEADERS_TOTAL_LENGTH = (
        "custom-headers-total-length",
        "origin",
        "§5.3",
        "origin custom header names and values together are longer than the quota",
        ("custom-headers-total-length",),
    )


@dataclass(frozen=True)
class CheckRow:
    """One check of one service, as a flat row (``pandas.DataFrame(CATALOGUE.table())``)."""

    service: str
    id: str
    group: str
    section: str
    summary: str
    outcome: str
    limits: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["limits"] = list(self.limits)
        return row


@dataclass(frozen=True)
class Service:
    """A validator's checks: its enum, the outcome of any violation, its fact sheet, and
    what each of its groups checks."""

    name: str
    checks: type[CheckEnum]
    outcome: str
    facts: str
    groups: Mapping[str, str] = field(default_factory=dict)


class Catalogue:
    """The checks of every registered validator, in registration order."""

    def __init__(self) -> None:
        self._services: dict[str, Service] = {}

    def register(
        self,
        name: str,
        checks: type[CheckEnum],
        *,
        outcome: str,
        facts: str,
        groups: Mapping[str, str] | None = None,
    ) -> None:
        """Add a validator's checks; registering the same enum again changes nothing."""
        known = self._services.get(name)
        if known is not None and known.checks is not checks:
            raise ValueError(f"the check catalogue already has a service called {name!r}")
        self._services[name] = Service(name, checks, outcome, facts, dict(groups or {}))

    @property
    def services(self) -> tuple[Service, ...]:
        return tuple(self._services.values())

    def rows(self, service: str | None = None) -> list[CheckRow]:
        """Every check (of ``service`` only, when given) as a :class:`CheckRow`."""
        return [
            CheckRow(s.name, c.value, c.group, c.section, c.summary, s.outcome, c.limits)
            for s in self._services.values()
            if service is None or s.name == service
            for c in s.checks
        ]

    def table(self, service: str | None = None) -> list[dict[str, Any]]:
        return [row.to_dict() for row in self.rows(service)]


def checks_markdown(rows: Iterable[CheckRow]) -> str:
    """``rows`` as the README's Markdown table: check | what it checks | facts | summary."""
    lines = ["| check | checks | facts | a violation when |", "|---|---|---|---|"]
    lines += [f"| `{r.id}` | {r.group} | {r.section} | {r.summary} |" for r in rows]
    return "\n".join(lines) + "\n"


LAMBDA_EDGE = "Lambda@Edge"
CATALOGUE = Catalogue()
CATALOGUE.register(
    LAMBDA_EDGE,
    Check,
    outcome="502 LambdaValidationError",
    facts="lambda-edge-facts.md",
    groups=GROUPS,
)
