"""``edgelab demo``: replay the bundled traffic through the bundled handlers, write a report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..demo import CONFIG, TRAFFIC
from ..errors import ConfigError
from ..limits import MAX_TRAFFIC_ROWS
from ._common import clean_stdout, int_in


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="replay bundled traffic through example handlers and write a report",
        description="Replay the bundled traffic set through the demo distribution (an A/B "
        "test, a device-based rewrite, security headers, a redirect) and write "
        "OUT/results.parquet and OUT/report/index.html.",
    )
    p.add_argument(
        "--out",
        default="edgelab-demo",
        metavar="DIR",
        help="output folder (default ./edgelab-demo)",
    )
    p.add_argument(
        "--n",
        type=int_in(1, MAX_TRAFFIC_ROWS),
        default=None,
        metavar="N",
        help="generate N requests (profile workshop-small, seed 0) instead of the bundled 3,000",
    )
    p.add_argument(
        "--workers",
        type=int_in(1, 256),
        default=1,
        metavar="N",
        help="worker processes, 1-256 (default 1; N > 1 runs on a local Dask cluster, the "
        "edgelab[dask] extra)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from ..frames.replay import replay
    from ..frames.traffic import generate_traffic, read_traffic, save_traffic
    from ..report import write_report

    if args.n is not None and args.n < 1:
        raise ConfigError(f"--n must be 1 or more requests; got {args.n}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    traffic = (
        read_traffic(TRAFFIC) if args.n is None else generate_traffic("workshop-small", args.n)
    )
    started = time.perf_counter()
    with clean_stdout():
        results = replay(CONFIG, traffic, workers=args.workers, progress=not args.no_progress)
    took = time.perf_counter() - started
    save_traffic(results, out / "results.parquet")
    index = write_report(
        results,
        out / "report",
        title="edgelab demo: replay report",
        weights={"A": 0.5, "B": 0.5},
        notes=f"{len(results):,} synthetic requests (profile workshop-small) "
        f"through {CONFIG.parent.name}/distribution.toml: an A/B test "
        "and a redirect in viewer request, smaller images for mobile in "
        "origin request, security headers in origin response, a sticky "
        "A/B cookie in viewer response.",
    )
    print(
        f"replayed {len(results):,} requests in {took:.1f} s; wrote {out / 'results.parquet'}"
        f" and {index}",
        file=sys.stderr,
    )
    return 0
