"""Generating a 1,000,000-row traffic set: time and peak memory.

    uv run python benchmarks/traffic_generation.py [--n 1000000] [--profile shop]

Time is one warm run (after a small warm-up run that loads modules and caches the
edge table); peak memory is the process's maximum resident set size
(``resource.getrusage``), which includes the Python interpreter, numpy and pandas.
Targets: under 3 s and under 1 GB.
"""

from __future__ import annotations

import argparse
import resource
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--profile", default="shop")
    args = ap.parse_args()
    import edgelab as el

    el.generate_traffic(args.profile, 1000, seed=0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    frame = el.generate_traffic(args.profile, args.n, seed=0)
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = frame.memory_usage(deep=True).sum() / 2**20
    print(
        f"generate_traffic({args.profile!r}, {args.n:,}): {took:.2f} s, {args.n / took:,.0f} rows/s"
    )
    print(
        f"peak RSS {peak:,.0f} MB (before: {before:,.0f} MB); the frame itself {size:,.0f} MB "
        f"(categoricals)"
    )
    print(
        f"targets: < 3 s {'met' if took < 3 else 'MISSED'}, < 1 GB "
        f"{'met' if peak < 1024 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
