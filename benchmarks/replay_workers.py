"""Replay on Dask workers: the same replay with 1 worker and with ``--workers 2``.

The replay: ``benchmarks/replay_overhead.py``'s setup (four trivial Python handlers, one
per trigger, a folder origin, a saved ``shop`` traffic set in Parquet), run with
``el.replay_to`` (results to a Parquet file) three ways in one run:

- 1 worker, in this process (the distribution given as a factory, so nothing is
  supervised: the one-worker baseline);
- ``workers=2``: a local Dask cluster of two worker processes, rows partitioned by
  regional edge cache (the ``shop`` viewers come from all over the world); with
  ``--one-edge`` every viewer is at one edge location, so rows go by cache key (a front
  phase first: see ``edgelab.frames.replay_dask``);
- with ``--dask-one``, also ``workers=1`` on a one-worker local cluster (what a
  definition file with in-process handlers gets: a supervised worker).

Prints each rate, the ratio of the 2-worker rate to the 1-worker rate (target >= 1.6 on a
2-core machine), and whether the results are identical (measured columns aside).
``--isolated`` runs the Python handlers isolated (worker processes; slower) instead of
in-process. ``--profile`` prints where the parent spends its time with 2 workers (what it
does per row limits the speed-up). Beside each wall time: the CPU seconds of this process
(with a local cluster: the client, the scheduler and the nannies) and of the Dask workers
(read just before the cluster closes): CPU is far less disturbed by a shared machine than
wall time.

    uv run python benchmarks/replay_workers.py [--n 20000] [--isolated] [--dask-one] [--one-edge]
                                               [--profile]
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay_overhead import setup

#: CPU seconds of the Dask workers of the last replay, read just before its cluster closed
WORKER_CPU: list[float] = []


def _watch_workers() -> None:
    """Before a replay's Dask cluster closes, read its workers' CPU seconds."""
    from edgelab.frames import replay_dask

    close = replay_dask.DaskEngine.close

    def closing(self: Any, abort: bool = False) -> None:
        if self.client is not None:
            times = self.client.run(_cpu_seconds)
            WORKER_CPU[:] = [float(t) for t in times.values()]
        close(self, abort)

    replay_dask.DaskEngine.close = closing  # type: ignore[method-assign]


def _cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(
    spec: Any, traffic: Path, out: Path, workers: int, profile: Path | None
) -> tuple[float, float, float]:
    """Wall seconds, this process's CPU seconds, the workers' CPU seconds."""
    import edgelab as el

    WORKER_CPU.clear()
    cpu = _cpu_seconds()
    started = time.perf_counter()
    if profile is None:
        el.replay_to(spec, traffic, out, workers=workers, progress=False)
    else:
        import cProfile

        cProfile.runctx(
            "el.replay_to(spec, traffic, out, workers=workers, progress=False)",
            globals(),
            {"el": el, "spec": spec, "traffic": traffic, "out": out, "workers": workers},
            str(profile),
        )
    wall = time.perf_counter() - started
    return wall, _cpu_seconds() - cpu, sum(WORKER_CPU)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--isolated", action="store_true", help="Python handlers isolated")
    ap.add_argument("--dask-one", action="store_true", help="also a one-worker Dask cluster")
    ap.add_argument("--one-edge", action="store_true", help="every viewer at one edge location")
    ap.add_argument("--profile", action="store_true", help="cProfile the parent, 2 workers")
    args = ap.parse_args()
    import pandas as pd

    import edgelab as el
    from edgelab.frames.replay import comparable

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _watch_workers()
        config, fast, traffic = setup(root, args.n, one_edge=args.one_edge)
        cfg = config if args.isolated else fast
        factory = functools.partial(el.load_distribution, cfg, isolated=args.isolated)
        took = {"1 worker, this process": run(factory, traffic, root / "one.parquet", 1, None)}
        if args.dask_one:
            took["1 worker, Dask"] = run(str(cfg), traffic, root / "dask1.parquet", 1, None)
        prof = root / "profile" if args.profile else None
        took["2 workers, Dask"] = run(factory, traffic, root / "two.parquet", 2, prof)
        one = comparable(pd.read_parquet(root / "one.parquet"))
        two = comparable(pd.read_parquet(root / "two.parquet"))
        try:
            pd.testing.assert_frame_equal(one, two, check_categorical=False)
            same = "identical"
        except AssertionError as exc:
            same = f"DIFFERENT: {str(exc).splitlines()[0]}"
        hits = int(one["cache"].eq("Hit").sum())
        if prof is not None:
            import pstats

            pstats.Stats(str(prof)).sort_stats("cumulative").print_stats(30)
    mode = "isolated" if args.isolated else "in-process"
    for name, (seconds, cpu, workers_cpu) in took.items():
        print(
            f"{name:24}: {args.n:,} requests in {seconds:.2f} s = {args.n / seconds:,.0f} "
            f"req/s (Python handlers {mode}; Parquet in and out); CPU s: this process "
            f"{cpu:.2f}, workers {workers_cpu:.2f}"
        )
    base, two_s = took["1 worker, this process"][0], took["2 workers, Dask"][0]
    print(f"2 workers / 1 worker    : {base / two_s:.2f}x the rate (target >= 1.6 on 2 cores)")
    print(f"results                 : {same} (measured columns aside; {hits:,} hits)")


if __name__ == "__main__":
    main()
