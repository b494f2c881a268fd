"""``edgelab traffic --n N --out FILE``: generate a seeded synthetic traffic set."""

from __future__ import annotations

import argparse
import sys


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
    p.add_argument("--n", type=int, default=10_000, help="number of requests (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
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
