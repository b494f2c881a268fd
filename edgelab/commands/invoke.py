"""``edgelab invoke HANDLER --event FILE``: run a handler once, print one JSON result.

Python handlers run in a worker process by default (``--in-process`` for the fast path),
so nothing the handler does (``os._exit``, a fork, patching ``json``, writing to file
descriptors, blocking in C code, leaving threads behind) can stop this command from
printing exactly one JSON object and exiting 0.

``--runtime cloudfront-js-1.0|cloudfront-js-2.0`` runs FILE.js as a CloudFront Function
in its sandbox worker (with ``--kvs FILE`` its KeyValueStore and ``--origins`` the
distribution's origin ids); ``--format aws-test-result`` prints what ``aws cloudfront
test-function`` returns instead of edgelab's JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from typing import Any, TextIO

from ..cloudfront_functions.event import is_cff_event, normalize_cff_event, to_lambda_event
from ..cloudfront_functions.features import RUNTIMES as CFF_RUNTIMES
from ..cloudfront_functions.limits import get_cff_rules, limit
from ..cloudfront_functions.result import aws_test_result
from ..errors import EdgelabError, EventError
from ..event.build import normalize_event, read_event_file
from ..invoke import close_handlers, invoke
from ..runtimes.cloudfront_js import CloudFrontFunctionHandler
from ..runtimes.jsonwire import dumps, dumps_lenient, loads
from ._common import add_rules_options, clean_stdout, rules_from, trigger_type


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "invoke",
        help="run a handler on an event and print CloudFront's outcome as JSON",
        description="Run HANDLER (path/file.py[:func], package.module:func, "
        "path/file.js|.cjs|.mjs[:export]) on the event in FILE and print one JSON "
        "object: trigger, outcome, request, response, status, error, violations, "
        "duration_ms, logs. Exit 0 whenever the handler ran. Python handlers run "
        "in a worker process (--in-process runs them in this one: faster, for "
        "handlers you trust). With --runtime, HANDLER is a CloudFront Function.",
    )
    p.add_argument(
        "handler",
        metavar="HANDLER",
        help="path/file.py[:func], package.module:func or path/file.js|.cjs|.mjs[:export]",
    )
    p.add_argument(
        "--event", required=True, metavar="FILE", help="event JSON file, or - for standard input"
    )
    p.add_argument(
        "--trigger", type=trigger_type, default=None, help="default: the event's config.eventType"
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--isolated",
        dest="in_process",
        action="store_false",
        help="run Python handlers in a worker process, killed on timeout or crash (the default)",
    )
    mode.add_argument(
        "--in-process",
        dest="in_process",
        action="store_true",
        help="run Python handlers in this process (fast; a handler that "
        "exits, forks, patches the standard library or blocks in C code "
        "can take the command with it)",
    )
    p.set_defaults(in_process=False)
    p.add_argument(
        "--runtime",
        choices=CFF_RUNTIMES,
        default=None,
        help="run HANDLER (a .js file) as a CloudFront Function in this runtime",
    )
    p.add_argument(
        "--kvs",
        metavar="FILE",
        default=None,
        help="CloudFront Functions: the KeyValueStore, in AWS's import format "
        '({"data": [{"key": ..., "value": ...}]})',
    )
    p.add_argument(
        "--origins",
        metavar="ID[,ID...]",
        default=None,
        help="CloudFront Functions: the distribution's origin ids, so that "
        "selecting an unknown one is an error (facts §5.5)",
    )
    p.add_argument(
        "--format",
        choices=("json", "aws-test-result"),
        default="json",
        help="aws-test-result: print what `aws cloudfront test-function` returns "
        "(CloudFront Functions only)",
    )
    add_rules_options(p)
    p.set_defaults(func=run)


def _read_event(args: argparse.Namespace) -> Any:
    if args.event == "-":
        try:
            return loads(sys.stdin.read())
        except json.JSONDecodeError as exc:
            raise EventError(
                f"standard input is not JSON: {exc.msg} at line {exc.lineno}"
            ) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise EventError(f"standard input is not JSON: {exc}") from None
    return read_event_file(args.event)


def _print_json(data: object, out: TextIO) -> None:
    """edgelab's own encoder, bound before any handler ran (see ``runtimes.jsonwire``):
    a handler that patched json cannot change this output."""
    out.write(dumps_lenient(data, indent=2) + "\n")
    out.flush()


def run(args: argparse.Namespace) -> int:
    if args.runtime:
        return _run_function(args)
    if args.kvs or args.origins or args.format != "json":
        raise EdgelabError(
            "--kvs, --origins and --format aws-test-result are for CloudFront "
            f"Functions: add --runtime {CFF_RUNTIMES[-1]} (or {CFF_RUNTIMES[0]})"
        )
    rules = rules_from(args)
    data = _read_event(args)
    notes: list[str] = []
    if is_cff_event(data):
        data, notes = to_lambda_event(data)
    loaded = normalize_event(
        data, trigger=args.trigger, source="" if args.event == "-" else args.event
    )
    loaded.notes[:0] = notes
    threads_before = set(threading.enumerate())
    with clean_stdout() as out:
        try:
            result = invoke(args.handler, loaded, rules=rules, isolated=not args.in_process)
        finally:
            close_handlers()
        _print_json(result.to_dict(), out)
    for note in loaded.notes:
        print(f"note: {note}", file=sys.stderr)
    left = [
        t
        for t in threading.enumerate()
        if t not in threads_before and t.is_alive() and not t.daemon
    ]
    if left:
        # Threads the handler left running would keep the interpreter alive at exit:
        # the result is out, so leave now.
        sys.stderr.flush()
        os._exit(0)
    return 0


def _run_function(args: argparse.Namespace) -> int:
    """``--runtime cloudfront-js-*``: the function on the event, as JSON or TestResult."""
    if args.in_process:
        raise EdgelabError(
            "--in-process is for Python handlers; a CloudFront Function always "
            "runs in its sandbox worker"
        )
    rules = rules_from(args, get=get_cff_rules)
    data = _read_event(args)
    if args.format == "aws-test-result":
        size = len(dumps(data).encode())
        allowed = limit(rules, "test-event-size")
        if size > allowed:
            raise EventError(
                f"the event is {size:,} bytes; TestFunction accepts an EventObject "
                f"of at most {allowed:,.0f} bytes (facts §10)"
            )
    loaded = normalize_cff_event(
        data, trigger=args.trigger, source="" if args.event == "-" else args.event
    )
    origins = [o.strip() for o in args.origins.split(",") if o.strip()] if args.origins else None
    with clean_stdout() as out:
        fn = CloudFrontFunctionHandler(
            args.handler, args.runtime, rules=rules, kvs=args.kvs, origins=origins
        )
        try:
            result = fn.invoke(loaded)
        finally:
            fn.close()
        if args.format == "aws-test-result":
            shown = aws_test_result(
                result,
                name=fn.function_name,
                created=fn.path.stat().st_mtime,
                kvs_id=fn.kvs.name if fn.kvs else None,
            )
            _print_json(shown, out)
        else:
            _print_json(result.to_dict(), out)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
