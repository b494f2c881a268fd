"""CloudFront Functions' limits and header rules as data: a named rule set per facts date.

Every number here cites its section of ``cloudfront-functions-facts.md`` (written
``§N``; ``L@E §N`` is ``lambda-edge-facts.md``). The tables form a :class:`CffRuleSet`,
Lambda@Edge's :class:`edgelab.rules.RuleSet` with CloudFront Functions' own override
ranges, one row per trigger (CloudFront Functions run only at viewer request and viewer
response, §6), so overrides work the same way: ``get_cff_rules(overrides=
{"compute-budget": 0.5})`` from Python, ``--set compute-budget=0.5`` or ``--set
memory.viewer-response=1`` on the command line (:data:`CFF_OVERRIDE_RANGES` says what
each rule accepts).

Rule sets, named like Lambda@Edge's so one distribution-wide name means the same pages:

* ``"2025-11"`` (the default): the current developer guide (§4.1): the 2023 lists plus
  ``CloudFront-Viewer-Cert-PEM``, ``Client-Cert`` and ``Client-Cert-Chain`` disallowed and
  ``CDN-Loop`` read-only in viewer request; in viewer response only ``Warning`` and
  ``Via`` are read-only for CloudFront Functions (``Content-Length``,
  ``Content-Encoding``, ``Transfer-Encoding`` are read-only there for Lambda@Edge only);
* ``"2023-03"``: the header lists of the March 2023 guide (L@E §3.1, §3.2, which §4.1
  applies to all edge functions);
* ``"2025"``: a deprecated name for ``"2025-11"``, as for Lambda@Edge.

The limits are the same in all: 10 KB of function code, 2 MB of memory, the compute
budget behind compute utilization, 10 KB of logs per run, the KeyValueStore sizes.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..errors import ConfigError
from ..rules.tables import (
    DEPRECATED_RULE_SETS,
    HeaderRule,
    Limit,
    Range,
    RuleSet,
    _parse_overrides,
    get_rules,
)
from ..triggers import TRIGGER_NAMES, Trigger
from .decisions import CFF_DECISIONS

VREQ = Trigger.VIEWER_REQUEST
VRESP = Trigger.VIEWER_RESPONSE
CFF_TRIGGERS: tuple[Trigger, ...] = (VREQ, VRESP)
KB = 1024
MB = 1024 * 1024

# (rule, value, unit, section, note); each applies to both viewer triggers.
CFF_LIMIT_ROWS: tuple[tuple[str, float, str, str, str], ...] = (
    (
        "function-size",
        10 * KB,
        "bytes",
        "§8",
        "UTF-8 bytes of the source file as uploaded, comments included; larger is refused when "
        "the function is loaded (FunctionSizeLimitExceeded)",
    ),
    (
        "memory",
        2,
        "MB",
        "§8",
        "memory a run may use (estimated from V8's heap growth); more is a MemoryError, 503",
    ),
    (
        "compute-budget",
        1.0,
        "ms",
        "§8",
        "CPU time that is 100 % compute utilization; over 100 % is FunctionExecutionError, 503",
    ),
    (
        "stop-after",
        1000,
        "ms",
        "§4.2, §8",
        "wall time after which a run that has not finished is stopped (an endless loop)",
    ),
    ("log-size", 10 * KB, "bytes", "§8", "console.log output kept per run; the rest is cut"),
    (
        "log-custom-data",
        800,
        "bytes",
        "§5.3",
        "cf.logCustomData text after URL-encoding; longer is truncated",
    ),
    (
        "uri-querystring-length",
        8192,
        "chars",
        "§4.1",
        "uri + querystring of a returned request must be shorter than this",
    ),
    (
        "request-size",
        20480,
        "bytes",
        "§4.1, L@E §5.3",
        "headers + uri + querystring of a returned request (CloudFront's general quota)",
    ),
    ("status-min", 200, "status", "§4.1", "lowest statusCode a response may have"),
    ("status-max", 599, "status", "§4.1", "highest statusCode a response may have"),
    ("kvs-key-size", 512, "bytes", "§5.4", "KeyValueStore key, UTF-8 bytes"),
    ("kvs-value-size", 1 * KB, "bytes", "§5.4", "KeyValueStore value, UTF-8 bytes"),
    ("kvs-total-size", 5 * MB, "bytes", "§5.4", "KeyValueStore keys and values together"),
    (
        "test-event-size",
        40960,
        "bytes",
        "§10",
        "EventObject that TestFunction accepts (--format aws-test-result)",
    ),
)

#: What ``--set RULE=VALUE`` accepts for each CloudFront Functions rule.
CFF_OVERRIDE_RANGES: dict[str, Range] = {
    "memory": Range(0.001, None, "MB", whole=False),
    "compute-budget": Range(0.00001, None, "ms", whole=False),
    "stop-after": Range(1, None, "ms", why="kept above the compute budget's scale"),
    "status-min": Range(100, 999, "", why="a three-digit HTTP status"),
    "status-max": Range(100, 999, "", why="a three-digit HTTP status"),
    **{
        rule: Range(1, None, unit)
        for rule, unit in (
            ("function-size", "bytes"),
            ("log-size", "bytes"),
            ("log-custom-data", "bytes"),
            ("uri-querystring-length", "characters"),
            ("request-size", "bytes"),
            ("kvs-key-size", "bytes"),
            ("kvs-value-size", "bytes"),
            ("kvs-total-size", "bytes"),
            ("test-event-size", "bytes"),
        )
    },
}

# §4.1 with the current guide's revisions: what the 2025-11 set adds to the 2023 lists.
_DISALLOWED_2025_11 = ("cloudfront-viewer-cert-pem", "client-cert", "client-cert-chain")
_READ_ONLY = {
    VREQ: ("content-length", "host", "transfer-encoding", "via"),
    VRESP: ("warning", "via"),
}


def _header_rules(current: bool) -> list[HeaderRule]:
    """§4.1: Lambda@Edge's disallowed list (L@E §3.1) and the viewer read-only lists."""
    rules = [
        HeaderRule(r.name, "disallowed", CFF_TRIGGERS, "§4.1 (L@E §3.1)")
        for r in get_rules("2023-03").header_rules
        if r.kind == "disallowed"
    ]
    for trig, names in _READ_ONLY.items():
        rules += [HeaderRule(n, "read-only", (trig,), "§4.1 (L@E §3.2)") for n in names]
    if current:
        rules += [
            HeaderRule(n, "disallowed", CFF_TRIGGERS, "§4.1 (CUR)") for n in _DISALLOWED_2025_11
        ]
        rules.append(HeaderRule("cdn-loop", "read-only", (VREQ,), "§4.1 (CUR)"))
    return rules


@dataclass(frozen=True)
class CffRuleSet(RuleSet):
    """A CloudFront Functions rule set: Lambda@Edge's RuleSet with its own ranges."""

    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[str]) -> RuleSet:
        pairs = _parse_overrides(overrides)
        limits = dict(self.limits)
        known = sorted({rule for rule, _ in limits})
        for key, value in pairs.items():
            rule, _, trig_name = key.partition(".")
            if rule not in known:
                raise ConfigError(
                    f"rule override {key!r}: unknown rule {rule!r}; the CloudFront Functions "
                    f"rules are {', '.join(known)} (optionally followed by .viewer-request or "
                    ".viewer-response)",
                    key=key,
                )
            if trig_name and trig_name not in (VREQ.value, VRESP.value):
                where = "unknown trigger" if trig_name not in TRIGGER_NAMES else "not a trigger"
                raise ConfigError(
                    f"rule override {key!r}: {where} {trig_name!r} for CloudFront Functions; "
                    "use viewer-request or viewer-response",
                    key=key,
                )
            allowed = CFF_OVERRIDE_RANGES[rule]
            if not allowed.contains(value):
                raise ConfigError(
                    f"rule override {key!r}: {rule} must be {allowed.describe()}; got "
                    f"{value:g} ('edgelab rules --runtime cloudfront-js-2.0' lists them)",
                    key=key,
                )
            for trig in [Trigger(trig_name)] if trig_name else CFF_TRIGGERS:
                base = limits[(rule, trig)]
                limits[(rule, trig)] = replace(base, value=value, note=base.note + " (overridden)")
        for trig in CFF_TRIGGERS:
            if limits[("status-min", trig)].value > limits[("status-max", trig)].value:
                raise ConfigError(
                    f"rule overrides {dict(pairs)}: status-min must not be above "
                    f"status-max in {trig.value}",
                    key="status-min",
                )
        return replace(self, limits=limits, overrides={**self.overrides, **pairs})


def _build(name: str, current: bool, description: str) -> CffRuleSet:
    limits = {}
    for rule, value, unit, where, note in CFF_LIMIT_ROWS:
        for trig in CFF_TRIGGERS:
            limits[(rule, trig)] = Limit(rule, trig, value, unit, where, note)
    return CffRuleSet(
        name=name,
        limits=limits,
        header_rules=tuple(_header_rules(current)),
        decisions=CFF_DECISIONS,
        description=description,
    )


CFF_RULE_SETS: dict[str, RuleSet] = {
    "2025-11": _build(
        "2025-11",
        True,
        "CloudFront Functions, the current developer guide (§4.1 with its revisions); the default",
    ),
    "2023-03": _build("2023-03", False, "CloudFront Functions, the March 2023 header lists"),
}
DEFAULT_CFF_RULES = CFF_RULE_SETS["2025-11"]


def is_cff_rules(rules: RuleSet) -> bool:
    """True for a CloudFront Functions rule set (it has a compute budget)."""
    return ("compute-budget", VREQ) in rules.limits


def get_cff_rules(
    name: str | RuleSet | None = None, overrides: Mapping[str, Any] | Iterable[str] | None = None
) -> RuleSet:
    """The CloudFront Functions rule set called ``name`` (default ``"2025-11"``), with
    ``overrides`` applied (``{"compute-budget": 0.5}`` or ``["memory=1"]``); a deprecated
    name gives the set it now means, with a ``FutureWarning``, as for Lambda@Edge."""
    if isinstance(name, RuleSet):
        if not is_cff_rules(name):
            raise ConfigError(
                f"rules {name.name!r} is a Lambda@Edge rule set; a CloudFront Function needs "
                f"one of {', '.join(CFF_RULE_SETS)} (edgelab.get_cff_rules)",
                key="rules",
            )
        rules = name
    else:
        key = name or DEFAULT_CFF_RULES.name
        if key in DEPRECATED_RULE_SETS:
            key, why = DEPRECATED_RULE_SETS[key]
            warnings.warn(
                f"rule set {name!r} is deprecated and now means {key!r}: {why}",
                FutureWarning,
                stacklevel=2,
            )
        if key not in CFF_RULE_SETS:
            raise ConfigError(
                f"CloudFront Functions rule set must be one of {', '.join(CFF_RULE_SETS)}; "
                f"got {name!r}",
                key="rules",
            )
        rules = CFF_RULE_SETS[key]
    return rules.with_overrides(overrides) if overrides else rules


def limit(rules: RuleSet, rule: str, trigger: Trigger | str = VREQ) -> float:
    """A limit's value (every CloudFront Functions rule applies to both triggers)."""
    value = rules.limit(rule, trigger)
    if value is None:
        raise ConfigError(
            f"{rule!r} is not a CloudFront Functions limit; the limits are "
            f"{', '.join(r[0] for r in CFF_LIMIT_ROWS)}",
            key=rule,
        )
    return float(value)
