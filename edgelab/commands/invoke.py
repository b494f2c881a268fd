"""``edgelab invoke HANDLER --event FILE``: run a handler once, print one JSON result.

``--runtime cloudfront-js-1.0|cloudfront-js-2.0`` runs FILE.js as a CloudFront Function
(with ``--kvs FILE`` its KeyValueStore); ``--format aws-test-result`` prints what ``aws
cloudfront test-function`` returns instead of edgelab's JSON."""

from __future__ import annotations

import argparse
import json
import sys

from ..cloudfront_functions.event import is_cff_event, normalize_cff_event, to_lambda_event
from ..cloudfront_functions.features import RUNTIMES as CFF_RUNTIMES
from ..cloudfront_functions.limits import get_cff_rules, limit
from ..cloudfront_functions.result import aws_test_result
from ..errors import EdgelabError, EventError
from ..events import normalize_event, read_event_file
from ..invoke import close_handlers, invoke
from ._common import add_rules_options, clean_stdout, print_json, rules_from, trigger_type


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "invoke", help="run a handler on an event and print CloudFront's outcome as JSON",
        description="Run HANDLER (path/file.py[:func], package.module:func, "
                    "path/file.js|.cjs|.mjs[:export]) on the event in FILE and print one JSON "
                    "object: trigger, outcome, request, response, status, error, violations, "
                    "duration_ms, logs. Exit 0 whenever the handler ran.")
    p.add_argument("handler", metavar="HANDLER")
    p.add_argument("--event", required=True, metavar="FILE", help="event JSON file, or - for "
                   "standard input")
    p.add_argument("--trigger", type=trigger_type, default=None,
                   help="default: the event's config.eventType")
    p.add_argument("--isolated", action="store_true",
                   help="run Python handlers in a worker process (killed on timeout)")
    p.add_argument("--runtime", choices=CFF_RUNTIMES, default=None,
                   help="run HANDLER (a .js file) as a CloudFront Function in this runtime")
    p.add_argument("--kvs", metavar="FILE", default=None,
                   help="CloudFront Functions: the KeyValueStore, in AWS's import format "
                        '({"data": [{"key": ..., "value": ...}]})')
    p.add_argument("--origins", metavar="ID[,ID...]", default=None,
                   help="CloudFront Functions: the distribution's origin ids, so that "
                        "selecting an unknown one is an error (facts §5.5)")
    p.add_argument("--format", choices=("json", "aws-test-result"), default="json",
                   help="aws-test-result: print what `aws cloudfront test-function` returns "
                        "(CloudFront Functions only)")
    add_rules_options(p)
    p.set_defaults(func=run)


def _read_event(args: argparse.Namespace) -> object:
    if args.event == "-":
        try:
            return json.load(sys.stdin)
        except json.JSONDecodeError as exc:
            raise EventError(f"standard input is not JSON: {exc.msg} at line {exc.lineno}"
                             ) from None
    return read_event_file(args.event)


def run(args: argparse.Namespace) -> int:
    if args.runtime:
        return _run_function(args)
    if args.kvs or args.origins or args.format != "json":
        raise EdgelabError("--kvs, --origins and --format aws-test-result are for CloudFront "
                           f"Functions: add --runtime {CFF_RUNTIMES[-1]} (or {CFF_RUNTIMES[0]})")
    rules = rules_from(args)
    data = _read_event(args)
    notes: list[str] = []
    if is_cff_event(data):
        data, notes = to_lambda_event(data)  # type: ignore[arg-type]
    source = "" if args.event == "-" else args.event
    loaded = normalize_event(data, trigger=args.trigger, source=source)
    loaded.notes[:0] = notes
    with clean_stdout() as out:
        try:
            result = invoke(args.handler, loaded, rules=rules, isolated=args.isolated)
        finally:
            close_handlers()
        print_json(result.to_dict(), out)
    for note in loaded.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _run_function(args: argparse.Namespace) -> int:
    """``--runtime cloudfront-js-*``: the function on the event, as JSON or TestResult."""
    from ..runtimes.cloudfront_js import CloudFrontFunctionHandler

    if args.isolated:
        raise EdgelabError("--isolated is for Python handlers; a CloudFront Function always "
                           "runs in its sandbox worker")
    rules = get_cff_rules(args.rules, args.overrides or None)
    data = _read_event(args)
    if args.format == "aws-test-result":
        size = len(json.dumps(data).encode())
        allowed = limit(rules, "test-event-size")
        if size > allowed:
            raise EventError(f"the event is {size:,} bytes; TestFunction accepts an EventObject "
                             f"of at most {allowed:,.0f} bytes (facts §10)")
    loaded = normalize_cff_event(data, trigger=args.trigger,
                                 source="" if args.event == "-" else args.event)
    origins = [o.strip() for o in args.origins.split(",") if o.strip()] \
        if args.origins else None
    with clean_stdout() as out:
        fn = CloudFrontFunctionHandler(args.handler, args.runtime, rules=rules, kvs=args.kvs,
                                origins=origins)
        try:
            result = fn.invoke(loaded)
        finally:
            fn.close()
        if args.format == "aws-test-result":
            print_json(aws_test_result(result, name=fn.function_name,
                                       created=fn.path.stat().st_mtime,
                                       kvs_id=fn.kvs.name if fn.kvs else None), out)
        else:
            print_json(result.to_dict(), out)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
