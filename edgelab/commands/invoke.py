"""``edgelab invoke HANDLER --event FILE`` or ``--trigger T [event options]``: run a
handler once, print one JSON result (or ``--format text``).

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
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TextIO

from ..cloudfront_functions.event import is_cff_event, normalize_cff_event, to_lambda_event
from ..cloudfront_functions.features import RUNTIMES as CFF_RUNTIMES
from ..cloudfront_functions.limits import get_cff_rules, limit
from ..cloudfront_functions.result import aws_test_result
from ..edge.config import outbound_of
from ..errors import EdgelabError, EventError
from ..event.build import LoadedEvent, load_event, normalize_event, read_event_file
from ..invoke import close_handlers, invoke
from ..outbound.sandbox import Sandbox
from ..runtimes.cloudfront_js import CloudFrontFunctionHandler
from ..runtimes.jsonwire import dumps, dumps_lenient, loads
from ._common import add_rules_options, clean_stdout, rules_from, trigger_type
from ._text import format_result
from ._watch import handler_files, watch
from .event import (
    add_event_options,
    event_from_args,
    event_options_given,
    function_event_from_args,
)

FORMATS = ("json", "text", "aws-test-result")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "invoke",
        help="run a handler on an event and print CloudFront's outcome as JSON",
        description="Run HANDLER (path/file.py[:func], package.module:func, "
        "path/file.js|.cjs|.mjs[:export]) on the event in FILE, or on an event built "
        "from --trigger and the event options (as for edgelab event), and print one JSON "
        "object: trigger, outcome, request, response, status, error, violations, "
        "duration_ms, logs, calls. Exit 0 whenever the handler ran. Python handlers run "
        "in a worker process (--in-process runs them in this one: faster, for "
        "handlers you trust). With --runtime, HANDLER is a CloudFront Function.",
    )
    p.add_argument(
        "handler",
        metavar="HANDLER",
        help="path/file.py[:func], package.module:func or path/file.js|.cjs|.mjs[:export]",
    )
    _add_event_source_options(p)
    _add_output_options(p)
    _add_isolation_options(p)
    _add_function_options(p)
    add_rules_options(p)
    add_event_options(p)
    p.set_defaults(func=run)


def _add_event_source_options(p: argparse.ArgumentParser) -> None:
    """Where the event comes from: a file, or --trigger with the event options."""
    p.add_argument(
        "--event",
        default=None,
        metavar="FILE",
        help="event JSON file, or - for standard input (else --trigger and event options)",
    )
    p.add_argument(
        "--trigger",
        type=trigger_type,
        default=None,
        help="the trigger; default: the event's config.eventType (needed without --event)",
    )


def _add_output_options(p: argparse.ArgumentParser) -> None:
    """What is printed, what the handler's calls reach, and when it runs again."""
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="json",
        help="json (default: one object, for scripts), text (readable, with what the "
        "handler changed) or aws-test-result (what `aws cloudfront test-function` "
        "returns; CloudFront Functions only)",
    )
    p.add_argument(
        "--config",
        metavar="FILE",
        default=None,
        help="a distribution.toml whose [aws] and [http] sections the handler's outbound "
        "calls reach (local AWS services, HTTP mocks)",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        help="run again whenever the handler, the event file or the config changes (Ctrl-C stops)",
    )


def _add_isolation_options(p: argparse.ArgumentParser) -> None:
    """--isolated (the default) or --in-process, for Python handlers."""
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


def _add_function_options(p: argparse.ArgumentParser) -> None:
    """CloudFront Functions: the runtime, the KeyValueStore, the origin ids."""
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


def _inline(args: argparse.Namespace) -> bool:
    """True when the event is built from --trigger and the event options."""
    given = event_options_given(args)
    if args.event is None:
        if args.trigger is None:
            raise EventError(
                "give the event: --event FILE (or - for standard input), or --trigger "
                "TRIGGER with event options such as --uri /index.html (as for edgelab event)"
            )
        return True
    if given:
        raise EventError(
            f"{', '.join(given)} build an event, and --event {args.event} reads one: give "
            "either --event or --trigger with event options"
        )
    return False


def _event(args: argparse.Namespace) -> LoadedEvent:
    if _inline(args):
        return load_event(event_from_args(args, args.trigger), trigger=args.trigger)
    data = _read_event(args)
    notes: list[str] = []
    if is_cff_event(data):
        data, notes = to_lambda_event(data)
    loaded = normalize_event(
        data, trigger=args.trigger, source="" if args.event == "-" else args.event
    )
    loaded.notes[:0] = notes
    return loaded


def _print_json(data: object, out: TextIO) -> None:
    """edgelab's own encoder, bound before any handler ran (see ``runtimes.jsonwire``):
    a handler that patched json cannot change this output."""
    out.write(dumps_lenient(data, indent=2) + "\n")
    out.flush()


def _sandbox(args: argparse.Namespace) -> Sandbox | None:
    if args.config is None:
        return None
    from ..definitions.outbound import read_outbound_file

    aws, http = read_outbound_file(args.config)
    kw = outbound_of(SimpleNamespace(aws=aws, http=http))
    return Sandbox(**kw).start() if kw else None


def run(args: argparse.Namespace) -> int:
    if args.runtime:
        if args.format == "text" or args.config:
            raise EdgelabError(
                "--format text and --config are for Lambda@Edge handlers; a CloudFront "
                "Function prints json or aws-test-result and makes no outbound calls"
            )
    elif args.kvs or args.origins or args.format == "aws-test-result":
        raise EdgelabError(
            "--kvs, --origins and --format aws-test-result are for CloudFront "
            f"Functions: add --runtime {CFF_RUNTIMES[-1]} (or {CFF_RUNTIMES[0]})"
        )
    once = _run_function if args.runtime else _once
    if args.watch:
        if args.event == "-":
            raise EventError("--watch cannot read the event from standard input; give a file")
        return watch(lambda: _watched(args), lambda: once(args, watching=True))
    return once(args, watching=False)


def _watched(args: argparse.Namespace) -> list[Path]:
    files = handler_files(args.handler)
    for extra in (args.event, args.config, args.kvs):
        if extra:
            files.append(Path(extra).resolve())
    if args.config:
        from ..definitions.outbound import read_outbound_file

        try:
            aws, _ = read_outbound_file(args.config)
        except EdgelabError:  # a config being edited: watch the file itself until it reads
            aws = None
        files += [Path(seed) for seed in (aws.seed if aws else ())]
    return files


def _once(args: argparse.Namespace, *, watching: bool) -> int:
    rules = rules_from(args)
    loaded = _event(args)
    threads_before = set(threading.enumerate())
    box = _sandbox(args)
    try:
        with clean_stdout() as out:
            try:
                result = invoke(
                    args.handler, loaded, rules=rules, isolated=not args.in_process, sandbox=box
                )
            finally:
                close_handlers()
            if args.format == "text":
                out.write(format_result(result, args.handler))
                out.flush()
            else:
                _print_json(result.to_dict(), out)
    finally:
        if box is not None:
            box.close()
    for note in loaded.notes:
        print(f"note: {note}", file=sys.stderr)
    left = [
        t
        for t in threading.enumerate()
        if t not in threads_before and t.is_alive() and not t.daemon
    ]
    if left and not watching:
        # Threads the handler left running would keep the interpreter alive at exit:
        # the result is out, so leave now.
        sys.stderr.flush()
        os._exit(0)
    return 0


def _run_function(args: argparse.Namespace, *, watching: bool = False) -> int:
    """``--runtime cloudfront-js-*``: the function on the event, as JSON or TestResult."""
    if args.in_process:
        raise EdgelabError(
            "--in-process is for Python handlers; a CloudFront Function always "
            "runs in its sandbox worker"
        )
    rules = rules_from(args, get=get_cff_rules)
    data = function_event_from_args(args, args.trigger) if _inline(args) else _read_event(args)
    if args.format == "aws-test-result":
        size = len(dumps(data).encode())
        allowed = limit(rules, "test-event-size")
        if size > allowed:
            raise EventError(
                f"the event is {size:,} bytes; TestFunction accepts an EventObject "
                f"of at most {allowed:,.0f} bytes (facts §10)"
            )
    loaded = normalize_cff_event(
        data, trigger=args.trigger, source="" if args.event in ("-", None) else args.event
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
