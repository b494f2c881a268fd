"""Lambda@Edge rules and quotas as data: one named rule set, one row per fact.

Every number and header list the validator checks lives in a table here, with the
fact-sheet section it comes from (``../shared/spec/lambda-edge-facts.md``). AWS
changes these over time, so the tables form a named :class:`RuleSet`:

* ``"2023-03"`` (the default) is the fact sheet as written;
* ``"2025"`` applies the later revisions the sheet's preamble reports (UNSURE):
  ``CDN-Loop`` read-only in viewer/origin request, ``CloudFront-Viewer-Cert-PEM``,
  ``Client-Cert`` and ``Client-Cert-Chain`` disallowed, 30 s timeout everywhere.

A user picks one with :func:`get_rules` and overrides single values with
:meth:`RuleSet.with_overrides` (``{"timeout": 30}`` for every trigger, or
``{"timeout.viewer-request": 10}`` for one). Sizes use 1 KB = 1,024 bytes and
1 MB = 1,048,576 bytes (the docs leave the unit open, §0 of the sheet).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from ..errors import ConfigError, TriggerNameError
from ..triggers import TRIGGERS, Trigger

VREQ, OREQ, ORESP, VRESP = TRIGGERS
VIEWER = tuple(t for t in TRIGGERS if t.is_viewer)
ORIGIN = tuple(t for t in TRIGGERS if t.sees_origin)
REQUEST = tuple(t for t in TRIGGERS if t.is_request)
ALL = TRIGGERS

KB = 1024
MB = 1024 * 1024


@dataclass(frozen=True)
class Limit:
    """One quota for one trigger: ``rule`` is the quota's name, ``value`` its number."""

    rule: str
    trigger: Trigger
    value: float
    unit: str
    section: str
    note: str = ""


@dataclass(frozen=True)
class HeaderRule:
    """A header name (or ``prefix-*``) with what a function may not do to it.

    ``kind`` is one of ``disallowed`` (§3.1: not exposed; adding one gives 502),
    ``read-only`` (§3.2: adding, editing or removing gives 502),
    ``add-forbidden`` (§3.1: adding it in this trigger gives 502) and
    ``custom-header-denied`` (§3.4: not allowed in ``origin.*.customHeaders``).
    """

    name: str
    kind: str
    triggers: tuple[Trigger, ...]
    section: str
    note: str = ""

    @property
    def is_prefix(self) -> bool:
        return self.name.endswith("*")

    def matches(self, lower_name: str) -> bool:
        if self.is_prefix:
            return lower_name.startswith(self.name[:-1])
        return lower_name == self.name


@dataclass(frozen=True)
class Decision:
    """How edgelab reads a fact the sheet marks UNSURE (or leaves open)."""

    topic: str
    section: str
    decision: str


# --- §5.1, §4, §2, §5.3: quotas ---------------------------------------------------------
# (rule, unit, section, note, {trigger: value})
_LIMIT_ROWS: list[tuple[str, str, str, str, dict[Trigger, float]]] = [
    ("timeout", "s", "§5.1", "running past it gives 503 LambdaLimitExceeded (§6)",
     {VREQ: 5, VRESP: 5, OREQ: 30, ORESP: 30}),
    ("memory", "MB", "§5.1", "viewer: 128 MB; origin: Lambda's 128-3,008 MB, the maximum here",
     {VREQ: 128, VRESP: 128, OREQ: 3008, ORESP: 3008}),
    ("generated-response-size", "bytes", "§4, §5.1",
     "headers + body of a generated (request triggers) or replaced (response triggers) response",
     {VREQ: 40 * KB, VRESP: 40 * KB, OREQ: 1 * MB, ORESP: 1 * MB}),
    ("body-exposed", "bytes", "§1.4, §5.1",
     "Include Body: request body exposed to the function, truncated beyond it",
     {VREQ: 40 * KB, OREQ: 1 * MB}),
    ("body-replace-text", "bytes", "§5.1", "replaced request body with encoding text",
     {VREQ: 40 * KB, OREQ: 1 * MB}),
    ("body-replace-base64", "bytes", "§5.1", "replaced request body with encoding base64",
     {VREQ: int(53.2 * KB), OREQ: int(1.33 * MB)}),
    ("uri-querystring-length", "chars", "§2, §5.3", "uri + querystring must be shorter than this",
     {t: 8192 for t in REQUEST}),
    ("request-size", "bytes", "§5.3", "headers + uri + querystring of a request (not the body)",
     {t: 20480 for t in REQUEST}),
    ("status-min", "status", "§1.7, §4", "lowest status a response may end up with",
     {t: 200 for t in ALL}),
    ("status-max", "status", "§1.7, §4", "highest status a response may end up with",
     {t: 599 for t in ALL}),
    ("origin-custom-headers", "headers", "§5.3", "origin custom headers at most",
     {OREQ: 10}),
    ("custom-header-name-length", "chars", "§5.3", "origin custom header name at most",
     {OREQ: 256}),
    ("custom-header-value-length", "chars", "§5.3", "origin custom header value at most",
     {OREQ: 1783}),
    ("custom-headers-total-length", "chars", "§5.3",
     "origin custom header names and values combined at most", {OREQ: 10240}),
]

# --- §3: header lists -------------------------------------------------------------------
_DISALLOWED = [
    "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "proxy-connection", "trailer", "upgrade", "x-accel-buffering", "x-accel-charset",
    "x-accel-limit-rate", "x-accel-redirect", "x-amz-cf-*", "x-amzn-auth", "x-amzn-cf-billing",
    "x-amzn-cf-id", "x-amzn-cf-xff", "x-amzn-errortype", "x-amzn-fle-profile",
    "x-amzn-header-count", "x-amzn-header-order", "x-amzn-lambda-integration-tag",
    "x-amzn-requestid", "x-cache", "x-edge-*", "x-forwarded-proto", "x-real-ip",
]
_READ_ONLY = {
    VREQ: ["content-length", "host", "transfer-encoding", "via"],
    OREQ: ["accept-encoding", "content-length", "if-modified-since", "if-none-match",
           "if-range", "if-unmodified-since", "transfer-encoding", "via"],
    ORESP: ["transfer-encoding", "via"],
    VRESP: ["warning", "via"],
}
_CUSTOM_HEADER_DENIED = [
    "cache-control", "connection", "content-length", "cookie", "host", "if-match",
    "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "max-forwards",
    "pragma", "proxy-authorization", "proxy-connection", "range", "request-range", "te",
    "trailer", "transfer-encoding", "upgrade", "via", "x-amz-*", "x-edge-*", "x-real-ip",
]


def _header_rules_2023() -> list[HeaderRule]:
    rules = [HeaderRule(n, "disallowed", ALL, "§3.1") for n in _DISALLOWED]
    for trig, names in _READ_ONLY.items():
        rules += [HeaderRule(n, "read-only", (trig,), "§3.2") for n in names]
    rules.append(HeaderRule("cloudfront-viewer-country", "add-forbidden", (VREQ,), "§3.1",
                            "adding it in a viewer-request function gives 502"))
    rules += [HeaderRule(n, "custom-header-denied", (OREQ, ORESP), "§3.4",
                         "UNSURE whether enforced on Lambda customHeaders; edgelab enforces it")
              for n in _CUSTOM_HEADER_DENIED]
    return rules


DECISIONS: tuple[Decision, ...] = (
    Decision("body key absent", "§1.3",
             "request.body is present only when Include Body is on, for any method"),
    Decision("header key vs map name", "§1.5",
             "an element whose key differs from its map name is accepted; the map name wins"),
    Decision("header map name case", "§1.5",
             "a map name that is not lowercase is a 502 validation error"),
    Decision("invalid base64 body", "§1.4, §4", "502 LambdaValidationError"),
    Decision("status outside 200-599", "§4, §1.7", "502 LambdaValidationError"),
    Decision("oversized replaced body", "§5.1",
             "rejected with 502 (not truncated), as §6 lists body size among 502 causes"),
    Decision("uri/querystring/request headers changed in a response trigger", "§2",
             "ignored, as the OLD DOC says: a response trigger returns only the response"),
    Decision("viewer-response changes status", "§2, §1.7",
             "502 LambdaValidationError (the status is read-only there)"),
    Decision("read-only header removed", "§3.2",
             "counts as a change: 502, like adding or editing one"),
    Decision("disallowed or read-only header present in the input", "§3",
             "passing it through unchanged is fine; only additions and edits are errors"),
    Decision("returning None or a non-object", "§6", "502 LambdaValidationError"),
    Decision("returning a request from a response trigger", "§6", "502 LambdaValidationError"),
    Decision("read-only request fields (method, clientIp) changed", "§1.3",
             "502 LambdaValidationError"),
    Decision("origin in a viewer-request result", "§1.3, §2",
             "ignored: the origin is chosen after viewer request"),
    Decision("204 with a body", "§4", "502, in viewer request only, as documented"),
    Decision("origin custom-header denylist", "§3.4", "enforced on Lambda customHeaders"),
    Decision("response body in viewer response", "§1.7",
             "may be replaced, within the 40 KB generated-response quota"),
    Decision("worker process dies (exit, out of memory)", "§6",
             "500 LambdaExecutionError, the function gave CloudFront no response"),
    Decision("memory quota", "§5.1",
             "enforced in isolated Python workers (an allocation past it is a MemoryError, "
             "500) and for Node's heap (the worker dies, 500); not in-process"),
    Decision("KB and MB", "§5", "1 KB = 1,024 bytes, 1 MB = 1,048,576 bytes"),
)


@dataclass(frozen=True)
class RuleSet:
    """A named, immutable set of limits and header rules; see the module docstring."""

    name: str
    limits: Mapping[tuple[str, Trigger], Limit]
    header_rules: tuple[HeaderRule, ...]
    decisions: tuple[Decision, ...] = DECISIONS
    overrides: Mapping[str, float] = field(default_factory=dict)

    # -- look-ups ---------------------------------------------------------------------
    def limit(self, rule: str, trigger: Trigger | str) -> float | None:
        """The value of ``rule`` for ``trigger``, or None where the quota does not apply."""
        row = self.limits.get((rule, trigger if type(trigger) is Trigger else Trigger(trigger)))
        return None if row is None else row.value

    def timeout_s(self, trigger: Trigger | str) -> float:
        value = self.limit("timeout", trigger)
        return 5.0 if value is None else float(value)

    def memory_mb(self, trigger: Trigger | str) -> int:
        value = self.limit("memory", trigger)
        return 128 if value is None else int(value)

    @cached_property
    def _exact(self) -> dict[tuple[str, Trigger], list[HeaderRule]]:
        table: dict[tuple[str, Trigger], list[HeaderRule]] = {}
        for rule in self.header_rules:
            if not rule.is_prefix:
                for trig in rule.triggers:
                    table.setdefault((rule.name, trig), []).append(rule)
        return table

    @cached_property
    def _prefixes(self) -> tuple[HeaderRule, ...]:
        return tuple(r for r in self.header_rules if r.is_prefix)

    def header_rules_for(self, lower_name: str, trigger: Trigger) -> list[HeaderRule]:
        """Every header rule that applies to ``lower_name`` in ``trigger``."""
        found = list(self._exact.get((lower_name, trigger), ()))
        found += [r for r in self._prefixes if trigger in r.triggers and r.matches(lower_name)]
        return found

    @cached_property
    def _kinds_cache(self) -> dict[tuple[str, Trigger], frozenset[str]]:
        return {}

    def header_kinds(self, lower_name: str, trigger: Trigger) -> frozenset[str]:
        """The kinds of rule (disallowed, read-only, ...) on a header in a trigger; cached,
        as the validator asks for the same few names on every request."""
        key = (lower_name, trigger)
        found = self._kinds_cache.get(key)
        if found is None:
            found = frozenset(r.kind for r in self.header_rules_for(lower_name, trigger))
            if len(self._kinds_cache) < 65536:
                self._kinds_cache[key] = found
        return found

    # -- changes ----------------------------------------------------------------------
    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[str]) -> RuleSet:
        """A copy with single values replaced.

        Keys are ``rule`` (every trigger the rule applies to) or ``rule.trigger``;
        an iterable of ``"key=value"`` strings (the CLI's ``--set``) works too.
        """
        pairs = _parse_overrides(overrides)
        limits = dict(self.limits)
        known = sorted({rule for rule, _ in limits})
        for key, value in pairs.items():
            rule, _, trig_name = key.partition(".")
            if rule not in known:
                raise ConfigError(
                    f"rule override {key!r}: unknown rule {rule!r}; the rules are "
                    f"{', '.join(known)} (optionally followed by .TRIGGER)", key=key)
            if trig_name:
                try:
                    trigs = [Trigger.parse(trig_name)]
                except TriggerNameError:
                    raise ConfigError(
                        f"rule override {key!r}: unknown trigger {trig_name!r}; use one of "
                        f"{', '.join(t.value for t in TRIGGERS)}", key=key) from None
            else:
                trigs = [t for (r, t) in limits if r == rule]
            for trig in trigs:
                base = limits.get((rule, trig))
                if base is None:
                    raise ConfigError(
                        f"rule override {key!r}: {rule} does not apply to {trig.value}", key=key)
                limits[(rule, trig)] = replace(base, value=value, note=base.note + " (overridden)")
        merged = {**self.overrides, **pairs}
        return replace(self, limits=limits, overrides=merged)

    def table(self) -> list[dict[str, Any]]:
        """Every limit and header rule as flat rows (``pandas.DataFrame(rules.table())``)."""
        rows: list[dict[str, Any]] = [
            {"kind": "limit", "rule": lim.rule, "trigger": lim.trigger.value, "value": lim.value,
             "unit": lim.unit, "section": lim.section, "note": lim.note}
            for lim in self.limits.values()
        ]
        for rule in self.header_rules:
            for trig in rule.triggers:
                rows.append({"kind": rule.kind, "rule": rule.name, "trigger": trig.value,
                             "value": None, "unit": "header", "section": rule.section,
                             "note": rule.note})
        return rows


def _parse_overrides(overrides: Mapping[str, Any] | Iterable[str]) -> dict[str, float]:
    items: list[tuple[str, Any]]
    if isinstance(overrides, str):
        overrides = [overrides]  # one "key=value", not its characters
    if isinstance(overrides, Mapping):
        items = list(overrides.items())
    else:
        items = []
        for text in overrides:
            key, sep, value = str(text).partition("=")
            if not sep:
                raise ConfigError(
                    f"rule override {text!r} must look like RULE=VALUE or RULE.TRIGGER=VALUE, "
                    "for example timeout=30 or timeout.viewer-request=10", key=str(text))
            items.append((key.strip(), value.strip()))
    out: dict[str, float] = {}
    for key, value in items:
        try:
            if isinstance(value, bool):
                raise TypeError(value)
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"rule override {key!r} needs a number; got {value!r}", key=key) from None
        if not math.isfinite(number):
            raise ConfigError(f"rule override {key!r} needs a finite number; got {value!r}",
                              key=key)
        if number < 0:
            raise ConfigError(f"rule override {key!r} must not be negative; got {value!r}",
                              key=key)
        out[key] = int(number) if number.is_integer() else number
    return out


def _build(name: str, limit_rows, header_rules) -> RuleSet:
    limits = {}
    for rule, unit, section, note, per_trigger in limit_rows:
        for trig, value in per_trigger.items():
            limits[(rule, trig)] = Limit(rule, trig, value, unit, section, note)
    return RuleSet(name=name, limits=limits, header_rules=tuple(header_rules))


def _rules_2025() -> RuleSet:
    rows = [(r, u, s, n, ({t: 30 for t in ALL} if r == "timeout" else v))
            for r, u, s, n, v in _LIMIT_ROWS]
    extra = [HeaderRule("cdn-loop", "read-only", (VREQ, OREQ), "preamble",
                        "later revision, UNSURE")]
    extra += [HeaderRule(n, "disallowed", ALL, "preamble", "later revision, UNSURE")
              for n in ("cloudfront-viewer-cert-pem", "client-cert", "client-cert-chain")]
    return _build("2025", rows, _header_rules_2023() + extra)


RULE_SETS: dict[str, RuleSet] = {
    "2023-03": _build("2023-03", _LIMIT_ROWS, _header_rules_2023()),
    "2025": _rules_2025(),
}
DEFAULT_RULES = RULE_SETS["2023-03"]


def get_rules(name: str | RuleSet | None = None,
              overrides: Mapping[str, Any] | Iterable[str] | None = None) -> RuleSet:
    """The rule set called ``name`` (default ``"2023-03"``), with ``overrides`` applied."""
    if isinstance(name, RuleSet):
        rules = name
    else:
        key = name or DEFAULT_RULES.name
        if key not in RULE_SETS:
            raise ConfigError(
                f"rule set must be one of {', '.join(RULE_SETS)}; got {name!r}", key="rules")
        rules = RULE_SETS[key]
    return rules.with_overrides(overrides) if overrides else rules
