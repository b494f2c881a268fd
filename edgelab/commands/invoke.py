"""``edgelab invoke HANDLER --event FILE`` or ``--trigger T [event options]``: run a
handler once, print one JSON result (or ``--format text``).

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
from pathlib import Path
from typing import Any

from ..edge.config import outbound_from_config, read_config
from ..errors import EventError
from ..event.build import LoadedEvent, load_event
from ..invoke import close_handlers, invoke
from ..outbound.sandbox import Sandbox
from ..runtimes.jsonwire import dumps_lenient, loads
from ._common import add_rules_options, clean_stdout, rules_from, trigger_type
from ._text import format_result
from ._watch import handler_files, watch
from .event import add_event_options, event_from_args, event_options_given

FORMATS = ("json", "text")


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
        "handlers you trust).",
    )
    p.add_argument("handler", metavar="HANDLER")
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
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="json",
        help="json (default: one object, for scripts) or text (readable, with what the "
        "handler changed)",
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
    add_event_options(p)
    p.set_defaults(func=run)


def _event(args: argparse.Namespace) -> LoadedEvent:
    given = event_options_given(args)
    if args.event is None:
        if args.trigger is None:
            raise EventError(
                "give the event: --event FILE (or - for standard input), or --trigger "
                "TRIGGER with event options such as --uri /index.html (as for edgelab event)"
            )
        return load_event(event_from_args(args, args.trigger), trigger=args.trigger)
    if given:
        raise EventError(
            f"{', '.join(given)} build an event, and --event {args.event} reads one: give "
            "either --event or --trigger with event options"
        )
    if args.event == "-":
        try:
            data = loads(sys.stdin.read())
        except json.JSONDecodeError as exc:
            raise EventError(
                f"standard input is not JSON: {exc.msg} at line {exc.lineno}"
            ) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise EventError(f"standard input is not JSON: {exc}") from None
        return load_event(data, trigger=args.trigger)
    return load_event(args.event, trigger=args.trigger)


def _sandbox(args: argparse.Namespace) -> Sandbox | None:
    if args.config is None:
        return None
    base = Path(args.config).resolve().parent
    kw = outbound_from_config(read_config(args.config), base)
    return Sandbox(**kw).start() if kw else None


def run(args: argparse.Namespace) -> int:
    if args.watch:
        if args.event == "-":
            raise EventError("--watch cannot read the event from standard input; give a file")
        return watch(lambda: _watched(args), lambda: _once(args, watching=True))
    return _once(args, watching=False)


def _watched(args: argparse.Namespace) -> list[Path]:
    files = handler_files(args.handler)
    for extra in (args.event, args.config):
        if extra:
            files.append(Path(extra).resolve())
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
                    args.handler,
                    loaded,
                    rules=rules,
                    isolated=not args.in_process,
                    sandbox=box,
                )
            finally:
                close_handlers()
            if args.format == "text":
                out.write(format_result(result, args.handler))
            else:
                # edgelab's own encoder, bound before the handler ran: a handler that
                # patched json cannot change this output.
                out.write(dumps_lenient(result.to_dict(), indent=2) + "\n")
            out.flush()
    finally:
        if box is not None:
            box.close()
    for note in loaded.notes:
        print(f"note: {note}", file=sys.stderr)
    left: list[Any] = [
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
