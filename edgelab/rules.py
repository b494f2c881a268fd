"""Lambda@Edge rules and quotas as data: one named rule set, one row per fact.

Every number and header list the validator checks lives in a table here, with the
fact-sheet section it comes from (``lambda-edge-facts.md``). AWS changes these over
time, so the tables form named :class:`RuleSet` objects:

* ``"2025-11"`` (the default) follows the current developer guide pages (facts §13):
  30 s timeout for every event, origin memory up to 10,240 MB, 32,768-byte requests,
  ``CDN-Loop`` read-only in viewer and origin request, ``Content-Length``,
  ``Content-Encoding`` and ``Transfer-Encoding`` read-only in viewer response, and
  ``CloudFront-Viewer-Cert-PEM``, ``Client-Cert``, ``Client-Cert-Chain`` disallowed;
* ``"2023-03"`` is the March 2023 fact sheet exactly (§1-§12);
* ``"2025"`` is a deprecated name for ``"2025-11"`` (it was another emulator's reading
  of the later pages); it still works and says so with a ``FutureWarning``.

A user picks one with :func:`get_rules` and overrides single values with
:meth:`RuleSet.with_overrides` (``{"timeout": 30}`` for every trigger, or
``{"timeout.viewer-request": 10}`` for one); each rule has an allowed range
(:data:`OVERRIDE_RANGES`). Sizes use 1 KB = 1,024 bytes and 1 MB = 1,048,576 bytes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from .errors import ConfigError
from .triggers import TRIGGERS, Trigger

VREQ, OREQ, ORESP, VRESP = TRIGGERS
VIEWER = (VREQ, VRESP)
ORIGIN = (OREQ, ORESP)
REQUEST = (VREQ, OREQ)
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


# --- §13: what the current pages changed (the "2025-11" set) --------------------------------
# (rule, section, note, {trigger: value}) replacing the 2023-03 row of that rule.
_LIMITS_2025_11: list[tuple[str, str, str, dict[Trigger, float]]] = [
    ("timeout", "§13 (§5.1)", "current Quotas and Differences pages: 30 s for every event; "
     "running past it gives 503 LambdaLimitExceeded (§6)", {t: 30 for t in ALL}),
    ("memory", "§13 (§5.1)", "viewer: 128 MB; origin: up to 10,240 MB (current pages)",
     {VREQ: 128, VRESP: 128, OREQ: 10240, ORESP: 10240}),
    ("request-size", "§13 (§5.3)",
     "headers + uri + querystring of a request (not the body); current Quotas page",
     {t: 32768 for t in REQUEST}),
]
_DISALLOWED_2025_11 = ["cloudfront-viewer-cert-pem", "client-cert", "client-cert-chain"]
_READ_ONLY_2025_11 = {
    VREQ: ["cdn-loop"],
    OREQ: ["cdn-loop"],
    VRESP: ["content-length", "content-encoding", "transfer-encoding"],
}


def _header_rules_2025_11() -> list[HeaderRule]:
    rules = _header_rules_2023()
    rules += [HeaderRule(n, "disallowed", ALL, "§13 (§3.1)", "current restrictions page")
              for n in _DISALLOWED_2025_11]
    for trig, names in _READ_ONLY_2025_11.items():
        rules += [HeaderRule(n, "read-only", (trig,), "§13 (§3.2)", "current restrictions page")
                  for n in names]
    return rules


@dataclass(frozen=True)
class Range:
    """The values a rule override may take: ``low`` to ``high`` (None: no upper bound)."""

    low: float
    high: float | None
    unit: str
    low_exclusive: bool = False
    whole: bool = True
    why: str = ""

    def contains(self, value: float) -> bool:
        if self.whole and not float(value).is_integer():
            return False
        above = value > self.low if self.low_exclusive else value >= self.low
        return above and (self.high is None or value <= self.high)

    def describe(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        kind += f" of {self.unit}" if self.unit else ""
        low = f"{self.low:,g}"
        if self.high is None:
            text = f"{kind} from {low} up"
        elif self.low_exclusive:
            text = f"{kind} above {low} and at most {self.high:,g}"
        else:
            text = f"{kind} from {low} to {self.high:,g}"
        return text + (f" ({self.why})" if self.why else "")


#: What ``--set RULE=VALUE`` accepts for each rule (the same for every trigger).
OVERRIDE_RANGES: dict[str, Range] = {
    "timeout": Range(0, 900, "seconds", low_exclusive=True, whole=False,
                     why="Lambda's longest function timeout is 900 s"),
    "memory": Range(128, 10240, "MB", why="Lambda's memory range, §5.1 and §13"),
    "status-min": Range(100, 999, "", why="a three-digit HTTP status"),
    "status-max": Range(100, 999, "", why="a three-digit HTTP status"),
    **{rule: Range(1, None, unit) for rule, unit in (
        ("generated-response-size", "bytes"), ("body-exposed", "bytes"),
        ("body-replace-text", "bytes"), ("body-replace-base64", "bytes"),
        ("uri-querystring-length", "characters"), ("request-size", "bytes"),
        ("origin-custom-headers", "headers"), ("custom-header-name-length", "characters"),
        ("custom-header-value-length", "characters"),
        ("custom-headers-total-length", "characters"))},
}


DECISIONS: tuple[Decision, ...] = (
    Decision("body key absent", "§1.3",
             "request.body is present only when Include Body is on, for any method"),
    Decision("header key vs map name", "§1.5",
             "an element whose key differs from its map name is accepted; the map name wins"),
    Decision("header map name case", "§1.5, §13",
             "accepted and normalised, as production serves such names: the map name is "
             "lowercased, each element keeps its key (a missing key is filled as usual), and "
             "the result notes it"),
    Decision("same header under two map-name cases", "§1.5, §13",
             "their elements are merged under the lowercase name in map order (X-Foo's lines "
             "first when the object lists X-Foo before x-foo)"),
    Decision("header name characters", "§1.5, §6",
             "a map name or element key that is not an RFC 9110 token (CR, LF, space, colon, "
             "other control or non-ASCII characters) is a 502 naming the header"),
    Decision("header value characters", "§6",
             "a control character other than tab (a production log names '%0D' in a value) "
             "or a character beyond Latin-1, which has no byte on the wire, is a 502 naming "
             "the header; Latin-1 letters such as é pass"),
    Decision("invalid base64 body", "§1.4, §4", "502 LambdaValidationError"),
    Decision("status outside 200-599", "§4, §1.7", "502 LambdaValidationError"),
    Decision("headers of a generated response", "§4, §3, §13",
             "checked against the trigger's disallowed, read-only and CloudFront-Viewer-Country "
             "lists, each header counting as added: Content-Length in a response generated in "
             "origin request is a 502, as production reports"),
    Decision("headers given as a list in a generated response", "§4",
             "dropped: the status and body are served without them, as one production report "
             "describes, and the result carries a note; a list in a returned request or a "
             "response trigger's result stays a 502"),
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
    Decision("default rule set", "§13",
             "2025-11, the current pages: it holds the header rules production enforces today, "
             "and a missed 502 costs a user more than a false one; --rules 2023-03 keeps the "
             "March 2023 quotas"),
    Decision("viewer timeout in 2025-11", "§13, §5.1",
             "30 s, as the current Quotas and Differences pages give; the Choosing page's "
             "5 s stays in 2023-03"),
    Decision("request size in 2025-11", "§13, §5.3",
             "32,768 bytes, as §13 reads the current Quotas page (a stored copy of that page "
             "from late 2025 still reads 20,480, which 2023-03 keeps)"),
    Decision("rule set 2025", "§13",
             "a deprecated name for 2025-11: it still works, with a FutureWarning naming the "
             "replacement"),
    Decision("rule override ranges", "§5.1, §13",
             "timeout above 0 and at most 900 s, memory 128 to 10,240 MB, status bounds 100 to "
             "999, sizes, lengths and counts whole numbers from 1; anything else is a "
             "ConfigError naming the rule, the range and the value"),
    Decision("CloudFront-Error-Uri and CloudFront-Error-Args", "§13, §7",
             "known CloudFront headers a policy may name; edgelab serves no custom error "
             "pages, so it never adds them"),
    Decision("TLS fingerprint headers", "§7, §13",
             "JA3, JA4 and TLS values are synthetic, stable per User-Agent and HTTP version, "
             "and sent only for HTTPS viewers"),
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
    description: str = ""

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
                    trigs = [Trigger(trig_name)]
                except ValueError:
                    raise ConfigError(
                        f"rule override {key!r}: unknown trigger {trig_name!r}; use one of "
                        f"{', '.join(t.value for t in TRIGGERS)}", key=key) from None
            else:
                trigs = [t for (r, t) in limits if r == rule]
            allowed = OVERRIDE_RANGES[rule]
            if not allowed.contains(value):
                raise ConfigError(
                    f"rule override {key!r}: {rule} must be {allowed.describe()}; got "
                    f"{value:g} ('edgelab rules' lists every rule and its range)", key=key)
            for trig in trigs:
                base = limits.get((rule, trig))
                if base is None:
                    raise ConfigError(
                        f"rule override {key!r}: {rule} does not apply to {trig.value}", key=key)
                limits[(rule, trig)] = replace(base, value=value, note=base.note + " (overridden)")
        for trig in TRIGGERS:
            low, high = limits.get(("status-min", trig)), limits.get(("status-max", trig))
            if low is not None and high is not None and low.value > high.value:
                raise ConfigError(
                    f"rule overrides {dict(pairs)}: status-min ({low.value:g}) must not be above "
                    f"status-max ({high.value:g}) in {trig.value}", key="status-min")
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
        out[key] = int(number) if number.is_integer() else number
    return out


def _build(name: str, limit_rows, header_rules, description: str) -> RuleSet:
    limits = {}
    for rule, unit, section, note, per_trigger in limit_rows:
        for trig, value in per_trigger.items():
            limits[(rule, trig)] = Limit(rule, trig, value, unit, section, note)
    return RuleSet(name=name, limits=limits, header_rules=tuple(header_rules),
                   description=description)


def _rows_2025_11() -> list[tuple[str, str, str, str, dict[Trigger, float]]]:
    changed = {rule: (section, note, values) for rule, section, note, values in _LIMITS_2025_11}
    rows = []
    for rule, unit, section, note, values in _LIMIT_ROWS:
        if rule in changed:
            section, note, values = changed[rule]
        rows.append((rule, unit, section, note, values))
    return rows


RULE_SETS: dict[str, RuleSet] = {
    "2025-11": _build("2025-11", _rows_2025_11(), _header_rules_2025_11(),
                      "the current developer guide pages (facts §13); the default"),
    "2023-03": _build("2023-03", _LIMIT_ROWS, _header_rules_2023(),
                      "the March 2023 developer guide (facts §1-§12)"),
}
DEFAULT_RULES = RULE_SETS["2025-11"]
#: Old names that still work: name -> (the set it now means, why it changed).
DEPRECATED_RULE_SETS: dict[str, tuple[str, str]] = {
    "2025": ("2025-11", "it was another emulator's reading of the later pages; 2025-11 follows "
                        "the current pages themselves (facts §13), which also make Content-Length, "
                        "Content-Encoding and Transfer-Encoding read-only in viewer response and "
                        "raise the request quota to 32,768 bytes"),
}


def get_rules(name: str | RuleSet | None = None,
              overrides: Mapping[str, Any] | Iterable[str] | None = None) -> RuleSet:
    """The rule set called ``name`` (default ``"2025-11"``), with ``overrides`` applied.

    A deprecated name (:data:`DEPRECATED_RULE_SETS`) gives the set it now means, with a
    ``FutureWarning`` that says so.
    """
    if isinstance(name, RuleSet):
        rules = name
    else:
        key = name or DEFAULT_RULES.name
        if key in DEPRECATED_RULE_SETS:
            key, why = DEPRECATED_RULE_SETS[key]
            warnings.warn(f"rule set {name!r} is deprecated and now means {key!r}: {why}. "
                          f"Use --rules {key} (or --rules 2023-03 for the March 2023 rules)",
                          FutureWarning, stacklevel=2)
        if key not in RULE_SETS:
            raise ConfigError(
                f"rule set must be one of {', '.join(RULE_SETS)}; got {name!r}", key="rules")
        rules = RULE_SETS[key]
    return rules.with_overrides(overrides) if overrides else rules


def is_rule_set_name(name: object) -> bool:
    """Whether ``name`` names a rule set, deprecated names included."""
    return isinstance(name, str) and (name in RULE_SETS or name in DEPRECATED_RULE_SETS)
