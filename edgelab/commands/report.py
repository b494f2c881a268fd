"""``edgelab report results.parquet --out report/``: an HTML page of plots and tables."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, InputError

if TYPE_CHECKING:
    import pandas as pd


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="write an HTML report (plots and tables) of replay results",
        description="Read the results of 'edgelab replay' (.parquet or .csv) and write "
        "OUT/index.html with PNG plots beside it.",
    )
    p.add_argument(
        "results", metavar="RESULTS", help="results of 'edgelab replay' (.parquet or .csv)"
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder for index.html and its PNG plots (created if missing)",
    )
    p.add_argument(
        "--weights",
        default=None,
        metavar="A=0.5,B=0.5",
        help="intended A/B weights (default: equal)",
    )
    p.add_argument(
        "--ab-unit",
        choices=("viewer", "request"),
        default="viewer",
        help="count the A/B split per viewer (client IP, the default: what the "
        "test assigns) or per request",
    )
    p.set_defaults(func=run)


def parse_weights(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    out = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            out[name.strip().upper()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip() or out.get(name.strip().upper(), 0) <= 0:
            raise ConfigError(
                f"--weights must look like A=0.5,B=0.5 (positive numbers); got {text!r}"
            )
    return out


def read_results(path: str) -> pd.DataFrame:
    import pandas as pd  # only when a report is asked for

    p = Path(path)
    if not p.is_file():
        raise InputError(
            f"results file {path!r} does not exist; 'edgelab replay TRAFFIC "
            "--config distribution.toml --out results.parquet' writes one"
        )
    try:
        frame = (
            pd.read_parquet(p)
            if p.suffix.lower() in (".parquet", ".pq")
            else pd.read_csv(p, keep_default_na=False, na_values=[""])
        )
    except Exception as exc:
        raise InputError(f"results file {path!r} cannot be read: {exc}") from None
    for col in ("status", "origin_status"):  # a CSV has no dtypes: the nullable statuses
        if col in frame.columns:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    missing = [c for c in ("outcome", "cache", "status", "time") if c not in frame.columns]
    if missing:
        raise InputError(
            f"results file {path!r} lacks the columns {', '.join(missing)}; give "
            "the output of 'edgelab replay', not a traffic set"
        )
    return frame


def run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from ..report import write_report

    index = write_report(
        read_results(args.results), args.out, weights=parse_weights(args.weights), unit=args.ab_unit
    )
    print(f"wrote {index}", file=sys.stderr)
    return 0
