"""``edgelab traces``: list the traces ``edgelab serve`` recorded."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..edge.trace import read_trace_file, rotated_files
from ..errors import ConfigError
from ._common import int_in, print_json
from .serve import default_trace_file


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "traces",
        help="list the traces recorded by edgelab serve",
        description="List the request traces in a trace file (default: "
        ".edgelab/traces.jsonl next to --config), oldest first, the rotated files "
        "serve kept (traces.jsonl.1 ...) included.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--config", metavar="FILE", help="distribution.toml that was served")
    src.add_argument("--file", metavar="FILE", help="a traces.jsonl file")
    p.add_argument("--json", action="store_true", help="print a JSON array of flat rows")
    p.add_argument(
        "--current-only",
        action="store_true",
        help="read only the current file, not the rotated ones (traces.jsonl.1 ...)",
    )
    p.add_argument(
        "--last", type=int_in(0), default=None, metavar="N", help="only the last N traces"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.file) if args.file else default_trace_file(args.config)
    if args.config and not Path(args.config).exists():
        raise ConfigError(f"config file {args.config!r} does not exist", key="config")
    traces = read_trace_file(path, rotated=not args.current_only)
    if args.last is not None:
        traces = traces[-args.last :] if args.last > 0 else []
    rows = [t.to_row() for t in traces]
    if args.json:
        print_json(rows)
        return 0
    print(f"{'time':>17}  {'method':<6} {'status':>6} {'cache':<23} {'ms':>8}  uri / stages")
    for r in rows:
        print(
            f"{r['time']:17.3f}  {r['method']:<6} {r['status']:>6} {r['cache']:<23} "
            f"{r['duration_ms']:8.2f}  {r['uri']}  [{r['stages']}]"
        )
    older = 0 if args.current_only else len(rotated_files(path)) - 1
    also = f" and {older} rotated file{'s' if older > 1 else ''}" if older else ""
    print(f"{len(rows)} trace(s) in {path}{also}")
    return 0
