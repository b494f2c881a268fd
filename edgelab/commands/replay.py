"""``edgelab replay TRAFFIC --config FILE --out results.parquet [mapping options]``."""

from __future__ import annotations

import argparse
import sys

from ..errors import ConfigError
from ._common import clean_stdout, int_in
from .config import add_mapping_options, mapping_kwargs


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "replay",
        help="run a traffic set or CloudFront access logs through a distribution",
        description="Replay every request of TRAFFIC (a .parquet/.csv traffic set, or "
        "CloudFront standard access logs: a file, .gz, a folder or a glob) "
        "through the distribution in --config and write one result row per "
        "request to --out (.parquet or .csv).",
    )
    p.add_argument(
        "traffic",
        metavar="TRAFFIC",
        help="a .parquet or .csv traffic set, or CloudFront access logs (a file, .gz, a "
        "folder or a glob)",
    )
    p.add_argument(
        "--config",
        required=True,
        metavar="FILE",
        help="the definition: distribution.toml, a template, a cdk.out folder, API or "
        "Terraform JSON",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="results.parquet or .csv")
    p.add_argument(
        "--workers",
        type=int_in(1, 256),
        default=1,
        metavar="N",
        help="worker processes, 1-256 (default 1; results equal a 1-worker run)",
    )
    p.add_argument(
        "--chunk-rows",
        type=int_in(1, 10_000_000),
        default=None,
        metavar="N",
        help="rows read, replayed and written at a time, 1-10,000,000 (default 20,000; "
        "memory grows with it)",
    )
    p.add_argument(
        "--seed",
        type=int_in(0),
        default=0,
        metavar="SEED",
        help="seed of the request ids, 0 or more (default 0)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_mapping_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..frames.replay import replay_to  # pandas, numpy and the chain only when used
    from ..frames.replay_io import CHUNK_ROWS

    if args.workers < 1:
        raise ConfigError(f"--workers must be 1 or more; got {args.workers}")
    with clean_stdout():
        run = replay_to(
            args.config,
            args.traffic,
            args.out,
            workers=args.workers,
            seed=args.seed,
            progress=not args.no_progress,
            mapping=mapping_kwargs(args),
            chunk_rows=args.chunk_rows or CHUNK_ROWS,
        )
    bad = run.input_errors
    if bad:  # lines of a log that could not be used: input-error rows, listed here
        print(
            f"{bad:,} input line(s) could not be used; they are input-error rows in the results:",
            file=sys.stderr,
        )
        for r in run.rejected[:5]:
            print(f"  {r['source_file']}:{r['source_line']}: {r['reason']}", file=sys.stderr)
    for note in run.notes:
        print(f"note: {note}", file=sys.stderr)
    errors = f" and {bad:,} input errors" if bad else ""
    print(
        f"replayed {run.rows - bad:,} requests{errors} in {run.seconds:.2f} s ({run.rate:,.0f} "
        f"req/s); wrote {run.out}",
        file=sys.stderr,
    )
    return 130 if run.interrupted else 0
