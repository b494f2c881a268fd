"""``edgelab rules``: print the rule set (limits, header rules, UNSURE decisions)."""

from __future__ import annotations

import argparse

from ..edge.chain import CHAIN_DECISIONS
from ..outbound.decisions import OUTBOUND_DECISIONS
from ..rules.tables import (
    DECISIONS,
    DEFAULT_RULES,
    DEPRECATED_RULE_SETS,
    OVERRIDE_RANGES,
    RULE_SETS,
)
from ._common import add_rules_options, print_json, rules_from


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rules", help="list the Lambda@Edge rules and quotas edgelab enforces")
    add_rules_options(p)
    p.add_argument("--json", action="store_true", help="print JSON rows")
    p.add_argument(
        "--decisions", action="store_true", help="list how edgelab reads the facts marked UNSURE"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rules = rules_from(args)
    if args.decisions:
        from ..frames.billing import BILLING_DECISIONS
        from ..frames.logs.decisions import LOG_DECISIONS

        rows = [
            {"topic": d.topic, "section": d.section, "decision": d.decision}
            for d in (*DECISIONS, *LOG_DECISIONS, *BILLING_DECISIONS)
        ]
        if args.json:
            print_json(rows)
        else:
            for r in rows:
                print(f"{r['section']:<10} {r['topic']}: {r['decision']}")
            print("the CloudFront chain (edgelab.edge.chain.CHAIN_DECISIONS):")
            for d in CHAIN_DECISIONS:
                print(f"{d.section:<10} {d.topic}: {d.decision}")
            print("handlers that call out (edgelab.outbound.decisions.OUTBOUND_DECISIONS):")
            for d in OUTBOUND_DECISIONS:
                print(f"{d.section:<10} {d.topic}: {d.decision}")
        return 0
    rows = rules.table()
    if args.json:
        print_json(rows)
        return 0
    print(
        f"rule set {rules.name}"
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
    for rule, allowed in OVERRIDE_RANGES.items():
        print(f"  {rule:<28} {allowed.describe()}")
    others = [n for n in RULE_SETS if n != rules.name]
    print(
        f"rule sets: {', '.join(RULE_SETS)} (default {DEFAULT_RULES.name}); "
        + "; ".join(
            f"{old!r} is a deprecated name for {new}"
            for old, (new, _) in DEPRECATED_RULE_SETS.items()
        )
        + (f"; compare with --rules {others[0]}" if others else "")
    )
    return 0
