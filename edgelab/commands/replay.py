"""``edgelab replay TRAFFIC --config FILE --out results.parquet [mapping options]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ._common import clean_stdout, int_in
from .config import add_config_option, add_mapping_options, mapping_kwargs

if TYPE_CHECKING:
    import pandas as pd


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
    add_config_option(p)
    p.add_argument("--out", required=True, metavar="FILE", help="results.parquet or .csv")
    p.add_argument(
        "--workers",
        type=int_in(1, 256),
        default=1,
        metavar="N",
        help="worker processes, 1-256 (default 1; N > 1 starts a local Dask cluster of N "
        "workers, the edgelab[dask] extra; results equal a 1-worker run)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on an existing Dask cluster, on all its workers (tcp://HOST:PORT of `dask "
        "scheduler`); the definition file and handlers must be at the same path on every "
        "worker",
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
            scheduler=args.scheduler,
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
    print(outcome_summary(_summary_frame(run.out)), file=sys.stderr)
    return 130 if run.interrupted else 0


def outcome_summary(results: pd.DataFrame) -> str:
    """What became of the requests (served, generated, function errors by type, origin
    and CloudFront errors) and the cache hit ratio, as ``analysis.summary`` counts them;
    then the outbound calls, when the functions made any."""
    from ..analysis import summary

    table = summary(results)
    lines = ["outcomes:"]
    for metric, value, percent in table.itertuples(index=False):
        if metric == "requests":
            continue
        if metric == "cache hit ratio":
            ratio = "n/a (nothing cacheable)" if value is None else f"{percent:.1f}%"
            lines.append(
                f"  {'cache hit ratio':<34} {ratio:>9}  (hits / (hits + misses), GET and "
                "HEAD answered below 400)"
            )
            break
        share = "" if percent is None or percent != percent else f"{percent:5.1f}%"
        lines.append(f"  {metric:<34} {int(value):>8,}  {share}")
    if "outbound_calls" in results:
        calls = int(results["outbound_calls"].sum())
        refused = int(results["outbound_refused"].sum()) if "outbound_refused" in results else 0
        if calls or refused:
            lines.append(f"  outbound calls {calls:,}, refused (not declared) {refused:,}")
    return "\n".join(lines)


#: the result columns the outcome summary reads (a streamed replay's results are read
#: back with these columns only, so the summary stays small whatever the replay's size)
SUMMARY_COLUMNS = (
    "outcome",
    "cache",
    "status",
    "method",
    "error_type",
    "origin_status",
    "violations",
    "cold_starts",
    "latency_ms",
    "outbound_calls",
    "outbound_refused",
)


def _summary_frame(out: Any) -> pd.DataFrame:
    """The results the summary needs: ``out`` itself when it is a DataFrame, else the
    :data:`SUMMARY_COLUMNS` the results file has (Parquet or CSV)."""
    import pandas as pd

    if isinstance(out, pd.DataFrame):
        return out
    path = Path(out)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        names = set(pq.read_schema(path).names)
        return pd.read_parquet(path, columns=[c for c in SUMMARY_COLUMNS if c in names])
    return pd.read_csv(path, usecols=lambda c: c in SUMMARY_COLUMNS, low_memory=False)
