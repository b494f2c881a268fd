"""``edgelab traffic --n N --out FILE``: generate a seeded synthetic traffic set."""

from __future__ import annotations

import argparse
import sys

from ..limits import MAX_TRAFFIC_ROWS
from ._common import int_in


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "traffic",
        help="generate a synthetic traffic set (Parquet or CSV)",
        description="Generate N requests from a named traffic profile with a seed and write "
        "them as Parquet or CSV (chosen by the suffix of --out).",
    )
    p.add_argument(
        "--profile",
        default="shop",
        help="a named traffic profile: shop (default), news, api or workshop-small",
    )
    p.add_argument(
        "--n",
        type=int_in(1, MAX_TRAFFIC_ROWS),
        default=10_000,
        metavar="N",
        help=f"number of requests, 1 to {MAX_TRAFFIC_ROWS:,} (default 10000)",
    )
    p.add_argument(
        "--seed",
        type=int_in(0),
        default=0,
        metavar="SEED",
        help="random seed, a whole number 0 or more (default 0)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.parquet or FILE.csv")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..frames.traffic import generate_traffic, save_traffic  # pandas and numpy only when used

    frame = generate_traffic(args.profile, args.n, seed=args.seed)
    path = save_traffic(frame, args.out)
    print(
        f"wrote {len(frame):,} requests ({args.profile}, seed {args.seed}) to {path}",
        file=sys.stderr,
    )
    return 0
