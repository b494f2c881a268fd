"""CloudFront Functions' limits and header rules as data: a named rule set per facts date.

Every number here cites its section of ``cloudfront-functions-facts.md`` (written
``§N`` below; ``L@E §N`` is ``lambda-edge-facts.md``). The tables form an
:class:`edgelab.rules.RuleSet`, the same class Lambda@Edge's rules use, with one row
per trigger (CloudFront Functions run only at viewer request and viewer response, §6),
so overrides work the same way: ``get_cff_rules(overrides={"compute-budget": 0.5})``
from Python, ``--set compute-budget=0.5`` or ``--set memory.viewer-response=1048576``
on the command line.

Rule sets, named like Lambda@Edge's so one distribution-wide name means the same date:

* ``"2023-03"`` (the default): the header lists of the 2023 developer guide
  (L@E §3.1, §3.2, which §4.1 applies to all edge functions);
* ``"2025"``: with the current guide's revisions (§4.1): ``CloudFront-Viewer-Cert-PEM``,
  ``Client-Cert`` and ``Client-Cert-Chain`` disallowed, ``CDN-Loop`` read-only in viewer
  request.

The limits are the same in both: 10 KB of function code, 2 MB of memory, the compute
budget behind compute utilization, 10 KB of logs per run, the KeyValueStore sizes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ConfigError
from ..rules import HeaderRule, Limit, RuleSet, get_rules
from ..triggers import Trigger
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
        "UTF-8 bytes of the source file as uploaded, comments included; larger is refused "
        "when the function is loaded (FunctionSizeLimitExceeded)",
    ),
    (
        "memory",
        2 * MB,
        "bytes",
        "§8",
        "heap a run may use (estimated from V8's heap growth); more is a MemoryError, 503",
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


def _header_rules(lambda_rules_name: str, section: str) -> list[HeaderRule]:
    """The disallowed and read-only headers of the same-dated Lambda@Edge rule set, for
    the viewer triggers: §4.1 applies those lists to all edge functions."""
    rules = []
    for rule in get_rules(lambda_rules_name).header_rules:
        if rule.kind not in ("disallowed", "read-only"):
            continue
        triggers = tuple(t for t in rule.triggers if t in CFF_TRIGGERS)
        if triggers:
            rules.append(
                HeaderRule(
                    rule.name,
                    rule.kind,
                    triggers,
                    section,
                    f"{rule.note} (L@E {rule.section})".strip(),
                )
            )
    return rules


def _build(name: str, lambda_rules_name: str, section: str) -> RuleSet:
    limits = {}
    for rule, value, unit, where, note in CFF_LIMIT_ROWS:
        for trig in CFF_TRIGGERS:
            limits[(rule, trig)] = Limit(rule, trig, value, unit, where, note)
    return RuleSet(
        name=name,
        limits=limits,
        header_rules=tuple(_header_rules(lambda_rules_name, section)),
        decisions=CFF_DECISIONS,
    )


CFF_RULE_SETS: dict[str, RuleSet] = {
    "2023-03": _build("2023-03", "2023-03", "§4.1"),
    "2025": _build("2025", "2025", "§4.1 (CUR)"),
}
DEFAULT_CFF_RULES = CFF_RULE_SETS["2023-03"]


def is_cff_rules(rules: RuleSet) -> bool:
    """True for a CloudFront Functions rule set (it has a compute budget)."""
    return ("compute-budget", VREQ) in rules.limits


def get_cff_rules(
    name: str | RuleSet | None = None, overrides: Mapping[str, Any] | Iterable[str] | None = None
) -> RuleSet:
    """The CloudFront Functions rule set called ``name`` (default ``"2023-03"``), with
    ``overrides`` applied (``{"compute-budget": 0.5}`` or ``["memory=1048576"]``)."""
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
