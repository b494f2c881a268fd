"""``edgelab rules``: print the rule set (limits, header rules, the checks, UNSURE decisions);
``--runtime cloudfront-js-*`` prints CloudFront Functions' rule set instead."""

from __future__ import annotations

import argparse
from typing import Any

from ..cloudfront_functions.decisions import CFF_DECISIONS
from ..cloudfront_functions.features import RUNTIMES as CFF_RUNTIMES
from ..cloudfront_functions.limits import (
    CFF_OVERRIDE_RANGES,
    CFF_RULE_SETS,
    DEFAULT_CFF_RULES,
    get_cff_rules,
)
from ..edge.decisions import CHAIN_DECISIONS, DISTRIBUTION_DECISIONS
from ..rules.catalogue import CATALOGUE
from ..rules.tables import (
    DECISIONS,
    DEFAULT_RULES,
    DEPRECATED_RULE_SETS,
    OVERRIDE_RANGES,
    RULE_SETS,
    Decision,
)
from ._common import add_rules_options, print_json, rules_from

CFF_TITLE = "CloudFront Functions (cloudfront-functions-facts)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rules", help="list the Lambda@Edge rules and quotas edgelab enforces")
    add_rules_options(p)
    p.add_argument("--json", action="store_true", help="print JSON rows")
    p.add_argument(
        "--decisions", action="store_true", help="list how edgelab reads the facts marked UNSURE"
    )
    p.add_argument(
        "--checks",
        action="store_true",
        help="list every check the validator makes: id, what it checks, facts section, summary",
    )
    p.add_argument(
        "--runtime",
        choices=CFF_RUNTIMES,
        default=None,
        help="CloudFront Functions' rule set and decisions instead of Lambda@Edge's",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cff = bool(args.runtime)
    rules = rules_from(args, get=get_cff_rules) if cff else rules_from(args)
    if args.decisions:
        _decisions(cff, args.json)
    elif args.checks:
        _checks(args.json)
    elif args.json:
        print_json(rules.table())
    else:
        _rules(rules, cff)
    return 0


def _decisions(cff: bool, as_json: bool) -> None:
    from ..frames.billing import BILLING_DECISIONS
    from ..frames.logs.decisions import LOG_DECISIONS

    listed: tuple[Decision, ...] = (
        CFF_DECISIONS if cff else (*DECISIONS, *LOG_DECISIONS, *BILLING_DECISIONS)
    )
    rows = [{"topic": d.topic, "section": d.section, "decision": d.decision} for d in listed]
    if as_json:
        print_json(rows)
        return
    if cff:
        print(f"{CFF_TITLE}:")
    for r in rows:
        print(f"{r['section']:<10} {r['topic']}: {r['decision']}")
    if cff:
        return
    groups = [
        ("the CloudFront chain (edgelab.edge.chain.CHAIN_DECISIONS)", CHAIN_DECISIONS),
        (
            "the distribution (edgelab.edge.decisions.DISTRIBUTION_DECISIONS)",
            DISTRIBUTION_DECISIONS,
        ),
        (f"{CFF_TITLE}; --runtime cloudfront-js-2.0 --json for these alone", CFF_DECISIONS),
    ]
    for title, decisions in groups:
        print(f"{title}:")
        for d in decisions:
            print(f"{d.section:<10} {d.topic}: {d.decision}")


def _checks(as_json: bool) -> None:
    """Every registered validator's checks (edgelab.rules.catalogue.CATALOGUE)."""
    if as_json:
        print_json(CATALOGUE.table())
        return
    for service in CATALOGUE.services:
        print(f"{service.name} checks ({service.facts}); any one gives {service.outcome}:")
        group = None
        for row in CATALOGUE.rows(service.name):
            if row.group != group:
                group = row.group
                print(f"  {group}: {service.groups.get(group, '')}".rstrip(": "))
            print(f"    {row.id:<28} {row.section:<13} {row.summary}")


def _rules(rules: Any, cff: bool) -> None:
    rows = rules.table()
    print(
        ("CloudFront Functions " if cff else "")
        + f"rule set {rules.name}"
        + (f" with {rules.overrides}" if rules.overrides else "")
        + (f": {rules.description}" if rules.description else "")
    )
    for r in rows:
        if r["kind"] == "limit":
            print(
                f"  {r['rule']:<28} {r['trigger']:<16} {r['value']:>10} {r['unit']:<6} "
                f"{r['section']}"
            )
    kinds: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        if r["kind"] != "limit":
            kinds.setdefault((r["kind"], r["trigger"]), []).append(r["rule"])
    for (kind, trig), names in kinds.items():
        print(f"  {kind} in {trig}: {', '.join(names)}")
    print("override with --set RULE[.TRIGGER]=VALUE:")
    for rule, allowed in (CFF_OVERRIDE_RANGES if cff else OVERRIDE_RANGES).items():
        print(f"  {rule:<28} {allowed.describe()}")
    if not cff:
        for service in CATALOGUE.services:
            print(
                f"checks of {service.name}, by what they check (--checks for each one's summary):"
            )
            by_group: dict[str, list[str]] = {}
            for row in CATALOGUE.rows(service.name):
                by_group.setdefault(row.group, []).append(row.id)
            for group, ids in by_group.items():
                print(f"  {group:<8} {', '.join(ids)}")
    sets, default = (CFF_RULE_SETS, DEFAULT_CFF_RULES) if cff else (RULE_SETS, DEFAULT_RULES)
    others = [n for n in sets if n != rules.name]
    print(
        f"rule sets: {', '.join(sets)} (default {default.name}); "
        + "; ".join(
            f"{old!r} is a deprecated name for {new}"
            for old, (new, _) in DEPRECATED_RULE_SETS.items()
        )
        + (f"; compare with --rules {others[0]}" if others else "")
    )
