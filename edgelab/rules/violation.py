"""A broken rule as a record, and the returned value the checks read.

:class:`Violation` is one broken rule: which check (``rule``, an id of the
:mod:`~edgelab.rules.catalogue`), in which trigger, where, how big it was, what was
allowed, a message and the facts section; ``to_dict()`` rows drop straight into a
DataFrame. :class:`RequestSubject` and :class:`ResponseSubject` hold what every check
of a returned request or response reads, worked out once (the trigger, the rule set,
the value, what the function was given, the fields sizes are measured on), and collect
the violations the checks find.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..triggers import Trigger
from .catalogue import CheckEnum
from .tables import RuleSet


@dataclass(frozen=True)
class Violation:
    """One broken rule: what, where, how big it was and what was allowed.

    ``rule`` is the id of the check that failed (a :class:`~edgelab.rules.catalogue.Check`
    value, so ``v.rule == Check.REQUEST_SIZE``); ``section`` cites its facts, narrowed to
    the part of the check's section that applies.
    """

    rule: str
    trigger: str
    path: str
    actual: Any
    limit: Any
    message: str
    section: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Subject:
    """What a check reads and where it writes: the trigger, the rule set, the violations."""

    __slots__ = ("found", "rules", "trigger")

    def __init__(self, trigger: Trigger, rules: RuleSet) -> None:
        self.trigger = trigger
        self.rules = rules
        self.found: list[Violation] = []

    def add(
        self,
        check: CheckEnum,
        path: str,
        message: str,
        *,
        section: str | None = None,
        actual: Any = None,
        limit: Any = None,
    ) -> None:
        """Record a violation of ``check``; ``section`` narrows the check's own section."""
        self.found.append(
            Violation(
                check.value,
                self.trigger.value,
                path,
                _short(actual),
                limit,
                message,
                check.section if section is None else section,
            )
        )

    def limit(self, check: CheckEnum) -> float | None:
        """The value of the quota ``check`` reads, in this trigger (None: none here)."""
        return self.rules.limit(check.limits[0], self.trigger)


class RequestSubject(Subject):
    """A returned request, what the function got, and its uri, query string and headers
    as the checks measure them (a uri or query string that is no string counts as '')."""

    __slots__ = ("before", "headers", "querystring", "uri", "value")

    def __init__(
        self, trigger: Trigger, rules: RuleSet, value: Mapping[str, Any], before: Mapping[str, Any]
    ) -> None:
        # Subject's fields set here rather than through super(): one call less per result.
        self.trigger = trigger
        self.rules = rules
        self.found = []
        self.value = value
        self.before = before
        uri = value.get("uri")
        self.uri: str = uri if isinstance(uri, str) else ""
        qs = value.get("querystring", before.get("querystring", ""))
        self.querystring: str = qs if isinstance(qs, str) else ""
        self.headers: Any = value.get("headers", before.get("headers", {}))


class ResponseSubject(Subject):
    """A returned response and the response the function got (None: it was generated in
    a request trigger), with its status as a number, its headers as checked, its body."""

    __slots__ = ("before", "before_headers", "body", "code", "generated", "headers", "value")

    def __init__(
        self,
        trigger: Trigger,
        rules: RuleSet,
        value: Mapping[str, Any],
        before: Mapping[str, Any] | None,
    ) -> None:
        self.trigger = trigger
        self.rules = rules
        self.found = []
        self.value = value
        self.before = before
        self.generated = before is None
        self.code = status_code(value.get("status"))
        self.before_headers: Any = {} if before is None else before.get("headers", {})
        headers = value.get("headers", self.before_headers)
        if self.generated and isinstance(headers, list):
            headers = {}  # DECISIONS "headers given as a list in a generated response"
        self.headers: Any = headers
        self.body: Any = value.get("body")


_STATUS_TEXT = re.compile(r"^\s*[0-9]{1,6}\s*$")


def status_code(status: Any) -> int | None:
    """The status as an int: a string of ASCII digits or an integer (§4 accepts both);
    a whole float counts too. Anything else (bool, inf, '1e3', other digits) is None."""
    if type(status) is str and status.isdigit() and status.isascii() and len(status) <= 6:
        return int(status)  # the usual "200", without the pattern (the same answer)
    if isinstance(status, bool):
        return None
    if isinstance(status, int):
        return status
    if isinstance(status, float):
        return int(status) if status.is_integer() else None
    if isinstance(status, str) and _STATUS_TEXT.match(status):
        try:
            return int(status)
        except ValueError:  # a space int() does not strip ("\x1f"): no status either
            return None
    return None


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 200:
        return value[:197] + "..."
    if isinstance(value, (list, dict)) and len(repr(value)) > 200:
        return repr(value)[:197] + "..."
    return value
