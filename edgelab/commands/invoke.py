"""``edgelab invoke HANDLER --event FILE``: run a handler once, print one JSON result.

Python handlers run in a worker process by default (``--in-process`` for the fast path),
so nothing the handler does (``os._exit``, a fork, patching ``json``, writing to file
descriptors, blocking in C code, leaving threads behind) can stop this command from
printing exactly one JSON object and exiting 0.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading

from ..errors import EventError
from ..event.build import load_event
from ..invoke import close_handlers, invoke
from ..runtimes.jsonwire import dumps_lenient, loads
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
        "handlers you trust).",
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
    add_rules_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rules = rules_from(args)
    if args.event == "-":
        try:
            data = loads(sys.stdin.read())
        except json.JSONDecodeError as exc:
            raise EventError(
                f"standard input is not JSON: {exc.msg} at line {exc.lineno}"
            ) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise EventError(f"standard input is not JSON: {exc}") from None
        loaded = load_event(data, trigger=args.trigger)
    else:
        loaded = load_event(args.event, trigger=args.trigger)
    threads_before = set(threading.enumerate())
    with clean_stdout() as out:
        try:
            result = invoke(args.handler, loaded, rules=rules, isolated=not args.in_process)
        finally:
            close_handlers()
        # edgelab's own encoder, bound before the handler ran: a handler that patched
        # json cannot change this output.
        out.write(dumps_lenient(result.to_dict(), indent=2) + "\n")
        out.flush()
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
