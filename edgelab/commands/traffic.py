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
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--paths",
        metavar="FILE",
        default=None,
        help="draw paths from this text file (one path per line, most requested first) "
        "instead of the profile's catalogue",
    )
    where.add_argument(
        "--site",
        metavar="DIR",
        default=None,
        help="draw paths from the files of this site folder (pages first) instead of the "
        "profile's catalogue",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # pandas and numpy only when used
    from ..frames.traffic import generate_traffic, read_paths, save_traffic, site_paths

    extra = {}
    source = ""
    if args.paths:
        extra["catalogue"] = read_paths(args.paths)
        source = f", paths from {args.paths}"
    elif args.site:
        extra["catalogue"] = site_paths(args.site)
        source = f", paths from the site {args.site}"
    frame = generate_traffic(args.profile, args.n, seed=args.seed, **extra)
    path = save_traffic(frame, args.out)
    print(
        f"wrote {len(frame):,} requests ({args.profile}, seed {args.seed}{source}) to {path}",
        file=sys.stderr,
    )
    return 0
