"""``edgelab replay TRAFFIC --config FILE --out results.parquet [mapping options]``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ._common import clean_stdout, int_in
from .config import add_config_option, add_mapping_options, mapping_kwargs

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis import OutcomeTally


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
    print(outcome_summary(_counted(run.out)), file=sys.stderr)
    return 130 if run.interrupted else 0


def outcome_summary(results: pd.DataFrame | Counted) -> str:
    """What became of the requests (served, generated, function errors by type, origin
    and CloudFront errors) and the cache hit ratio, as ``analysis.summary`` counts them;
    then the outbound calls, when the functions made any."""
    counted = results if isinstance(results, Counted) else Counted.of(results)
    lines = ["outcomes:"]
    for metric, value, percent in counted.tally.category_rows():
        share = "" if percent is None else f"{percent:5.1f}%"
        lines.append(f"  {metric:<34} {int(value):>8,}  {share}")
    ratio = counted.tally.hit_ratio
    shown = "n/a (nothing cacheable)" if ratio is None else f"{round(100 * ratio, 1):.1f}%"
    lines.append(
        f"  {'cache hit ratio':<34} {shown:>9}  (hits / (hits + misses), GET and "
        "HEAD answered below 400)"
    )
    if counted.outbound_calls or counted.outbound_refused:
        lines.append(
            f"  outbound calls {counted.outbound_calls:,}, refused (not declared) "
            f"{counted.outbound_refused:,}"
        )
    return "\n".join(lines)


@dataclass
class Counted:
    """The outcome tally of results and their outbound calls: sums, so a results file
    is counted a piece at a time (:func:`_counted`)."""

    tally: OutcomeTally
    outbound_calls: int = 0
    outbound_refused: int = 0

    @classmethod
    def of(cls, results: pd.DataFrame) -> Counted:
        from ..analysis import OutcomeTally

        def total(column: str) -> int:
            return int(results[column].sum()) if column in results else 0

        return cls(OutcomeTally.of(results), total("outbound_calls"), total("outbound_refused"))

    def __add__(self, other: Counted) -> Counted:
        return Counted(
            self.tally + other.tally,
            self.outbound_calls + other.outbound_calls,
            self.outbound_refused + other.outbound_refused,
        )


#: the result columns the outcome summary reads (a streamed replay's results are read
#: back with these columns only, so the summary stays small whatever the replay's size)
SUMMARY_COLUMNS = (
    "outcome",
    "cache",
    "status",
    "method",
    "error_type",
    "origin_status",
    "outbound_calls",
    "outbound_refused",
)


#: result rows counted at a time for the closing summary
SUMMARY_PIECE_ROWS = 200_000


def _counted(out: Any) -> Counted:
    """The closing summary's counts: of ``out`` itself when it is a DataFrame, else of
    the :data:`SUMMARY_COLUMNS` of the results file (Parquet or CSV), read
    :data:`SUMMARY_PIECE_ROWS` rows at a time, so memory stays bounded whatever the
    replay's size."""
    import pandas as pd

    from ..analysis import OutcomeTally

    if isinstance(out, pd.DataFrame):
        return Counted.of(out)
    path = Path(out)
    total = Counted(OutcomeTally())
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as f:
            names = [c for c in SUMMARY_COLUMNS if c in set(f.schema_arrow.names)]
            for batch in f.iter_batches(batch_size=SUMMARY_PIECE_ROWS, columns=names):
                total = total + Counted.of(batch.to_pandas())
        return total
    usecols = lambda c: c in SUMMARY_COLUMNS  # noqa: E731
    for piece in pd.read_csv(path, usecols=usecols, low_memory=False, chunksize=SUMMARY_PIECE_ROWS):
        total = total + Counted.of(piece)
    return total
