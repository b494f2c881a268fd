"""``edgelab replay TRAFFIC --config FILE --out results.parquet [mapping options]``."""

from __future__ import annotations

import argparse
import sys
import time

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
    from ..frames.replay import replay  # pandas, numpy and the chain only when used
    from ..frames.traffic import read_traffic, save_traffic

    if args.workers < 1:
        raise ConfigError(f"--workers must be 1 or more; got {args.workers}")
    frame = read_traffic(args.traffic)
    bad = frame.attrs.get("rejected_count", 0)
    if bad:  # lines of a log that could not be used: input-error rows, listed here
        print(
            f"{bad:,} input line(s) could not be used; they are input-error rows in the results:",
            file=sys.stderr,
        )
        for r in frame.attrs["rejected"][:5]:
            print(f"  {r['source_file']}:{r['source_line']}: {r['reason']}", file=sys.stderr)
    started = time.perf_counter()
    with clean_stdout():
        results = replay(
            args.config,
            frame,
            workers=args.workers,
            seed=args.seed,
            progress=not args.no_progress,
            mapping=mapping_kwargs(args),
        )
    took = time.perf_counter() - started
    path = save_traffic(results, args.out)
    rate = len(results) / took if took > 0 else float("nan")
    errors = f" and {bad:,} input errors" if bad else ""
    print(
        f"replayed {len(results) - bad:,} requests{errors} in {took:.2f} s ({rate:,.0f} "
        f"req/s); wrote {path}",
        file=sys.stderr,
    )
    return 0
