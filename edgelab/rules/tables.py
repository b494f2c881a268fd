"""Lambda@Edge rule sets: the quota and header tables put together, named, overridable.

The tables themselves live beside this module, one row per fact, each citing the
fact-sheet section it comes from (``lambda-edge-facts.md``): quotas and their override
ranges in ``limits``, header lists in ``header_lists``, UNSURE readings in ``decisions``,
the validator's checks in ``catalogue``. AWS changes the tables over time, so they
form named :class:`RuleSet` objects:

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
This module also re-exports the table types and values its importers use.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from ..errors import ConfigError, TriggerNameError
from ..triggers import TRIGGERS, Trigger
from .decisions import DECISIONS, Decision, decisions_markdown
from .header_lists import HeaderRule, header_rules_2023_03, header_rules_2025_11
from .limits import (
    ALL,
    KB,
    LIMIT_ROWS_2023_03,
    MB,
    OREQ,
    ORESP,
    OVERRIDE_RANGES,
    REQUEST,
    VREQ,
    VRESP,
    Limit,
    LimitRow,
    Range,
    limit_rows_2025_11,
)

__all__ = [
    "ALL",
    "DECISIONS",
    "DEFAULT_RULES",
    "DEPRECATED_RULE_SETS",
    "KB",
    "MB",
    "OREQ",
    "ORESP",
    "OVERRIDE_RANGES",
    "REQUEST",
    "RULE_SETS",
    "VREQ",
    "VRESP",
    "Decision",
    "HeaderRule",
    "Limit",
    "Range",
    "RuleSet",
    "decisions_markdown",
    "get_rules",
    "is_rule_set_name",
]


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
                    f"{', '.join(known)} (optionally followed by .TRIGGER)",
                    key=key,
                )
            if trig_name:
                try:
                    trigs = [Trigger.parse(trig_name)]
                except TriggerNameError:
                    raise ConfigError(
                        f"rule override {key!r}: unknown trigger {trig_name!r}; use one of "
                        f"{', '.join(t.value for t in TRIGGERS)}",
                        key=key,
                    ) from None
            else:
                trigs = [t for (r, t) in limits if r == rule]
            allowed = OVERRIDE_RANGES[rule]
            if not allowed.contains(value):
                raise ConfigError(
                    f"rule override {key!r}: {rule} must be {allowed.describe()}; got "
                    f"{value:g} ('edgelab rules' lists every rule and its range)",
                    key=key,
                )
            for trig in trigs:
                base = limits.get((rule, trig))
                if base is None:
                    raise ConfigError(
                        f"rule override {key!r}: {rule} does not apply to {trig.value}", key=key
                    )
                limits[(rule, trig)] = replace(base, value=value, note=base.note + " (overridden)")
        for trig in TRIGGERS:
            low, high = limits.get(("status-min", trig)), limits.get(("status-max", trig))
            if low is not None and high is not None and low.value > high.value:
                raise ConfigError(
                    f"rule overrides {dict(pairs)}: status-min ({low.value:g}) must not be above "
                    f"status-max ({high.value:g}) in {trig.value}",
                    key="status-min",
                )
        merged = {**self.overrides, **pairs}
        return replace(self, limits=limits, overrides=merged)

    def table(self) -> list[dict[str, Any]]:
        """Every limit and header rule as flat rows (``pandas.DataFrame(rules.table())``)."""
        rows: list[dict[str, Any]] = [
            {
                "kind": "limit",
                "rule": lim.rule,
                "trigger": lim.trigger.value,
                "value": lim.value,
                "unit": lim.unit,
                "section": lim.section,
                "note": lim.note,
            }
            for lim in self.limits.values()
        ]
        for rule in self.header_rules:
            for trig in rule.triggers:
                rows.append(
                    {
                        "kind": rule.kind,
                        "rule": rule.name,
                        "trigger": trig.value,
                        "value": None,
                        "unit": "header",
                        "section": rule.section,
                        "note": rule.note,
                    }
                )
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
                    "for example timeout=30 or timeout.viewer-request=10",
                    key=str(text),
                )
            items.append((key.strip(), value.strip()))
    out: dict[str, float] = {}
    for key, value in items:
        try:
            if isinstance(value, bool):
                raise TypeError(value)
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"rule override {key!r} needs a number; got {value!r}", key=key
            ) from None
        if not math.isfinite(number):
            raise ConfigError(
                f"rule override {key!r} needs a finite number; got {value!r}", key=key
            )
        out[key] = int(number) if number.is_integer() else number
    return out


def _build(
    name: str, limit_rows: Iterable[LimitRow], header_rules: Iterable[HeaderRule], description: str
) -> RuleSet:
    limits: dict[tuple[str, Trigger], Limit] = {}
    for rule, unit, section, note, per_trigger in limit_rows:
        for trig, value in per_trigger.items():
            limits[(rule, trig)] = Limit(rule, trig, value, unit, section, note)
    return RuleSet(
        name=name, limits=limits, header_rules=tuple(header_rules), description=description
    )


RULE_SETS: dict[str, RuleSet] = {
    "2025-11": _build(
        "2025-11",
        limit_rows_2025_11(),
        header_rules_2025_11(),
        "the current developer guide pages (facts §13); the default",
    ),
    "2023-03": _build(
        "2023-03",
        LIMIT_ROWS_2023_03,
        header_rules_2023_03(),
        "the March 2023 developer guide (facts §1-§12)",
    ),
}
DEFAULT_RULES = RULE_SETS["2025-11"]
#: Old names that still work: name -> (the set it now means, why it changed).
DEPRECATED_RULE_SETS: dict[str, tuple[str, str]] = {
    "2025": (
        "2025-11",
        "it was another emulator's reading of the later pages; 2025-11 follows "
        "the current pages themselves (facts §13), which also make Content-Length, "
        "Content-Encoding and Transfer-Encoding read-only in viewer response and "
        "raise the request quota to 32,768 bytes",
    ),
}


def get_rules(
    name: str | RuleSet | None = None, overrides: Mapping[str, Any] | Iterable[str] | None = None
) -> RuleSet:
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
            warnings.warn(
                f"rule set {name!r} is deprecated and now means {key!r}: {why}. "
                f"Use --rules {key} (or --rules 2023-03 for the March 2023 rules)",
                FutureWarning,
                stacklevel=2,
            )
        if key not in RULE_SETS:
            raise ConfigError(
                f"rule set must be one of {', '.join(RULE_SETS)}; got {name!r}", key="rules"
            )
        rules = RULE_SETS[key]
    return rules.with_overrides(overrides) if overrides else rules


def is_rule_set_name(name: object) -> bool:
    """Whether ``name`` names a rule set, deprecated names included."""
    return isinstance(name, str) and (name in RULE_SETS or name in DEPRECATED_RULE_SETS)
