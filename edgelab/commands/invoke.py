"""``edgelab invoke HANDLER --event FILE``: run a handler once, print one JSON result."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import EventError
from ..event.build import load_event
from ..invoke import close_handlers, invoke
from ._common import add_rules_options, clean_stdout, print_json, rules_from, trigger_type


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "invoke",
        help="run a handler on an event and print CloudFront's outcome as JSON",
        description="Run HANDLER (path/file.py[:func], package.module:func, "
        "path/file.js|.cjs|.mjs[:export]) on the event in FILE and print one JSON "
        "object: trigger, outcome, request, response, status, error, violations, "
        "duration_ms, logs. Exit 0 whenever the handler ran.",
    )
    p.add_argument("handler", metavar="HANDLER")
    p.add_argument(
        "--event", required=True, metavar="FILE", help="event JSON file, or - for standard input"
    )
    p.add_argument(
        "--trigger", type=trigger_type, default=None, help="default: the event's config.eventType"
    )
    p.add_argument(
        "--isolated",
        action="store_true",
        help="run Python handlers in a worker process (killed on timeout)",
    )
    add_rules_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rules = rules_from(args)
    if args.event == "-":
        try:
            data = json.load(sys.stdin)
        except json.JSONDecodeError as exc:
            raise EventError(
                f"standard input is not JSON: {exc.msg} at line {exc.lineno}"
            ) from None
        loaded = load_event(data, trigger=args.trigger)
    else:
        loaded = load_event(args.event, trigger=args.trigger)
    with clean_stdout() as out:
        try:
            result = invoke(args.handler, loaded, rules=rules, isolated=args.isolated)
        finally:
            close_handlers()
        print_json(result.to_dict(), out)
    for note in loaded.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
