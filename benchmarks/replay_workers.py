"""Replay on Dask workers: the same replay with 1 worker and with ``--workers N`` (2).

The replay: ``benchmarks/replay_overhead.py``'s setup (four trivial Python handlers, one
per trigger, a folder origin, a saved ``shop`` traffic set in Parquet), run with
``el.replay_to`` (results to a Parquet file) three ways in one run:

- 1 worker, in this process (the distribution given as a factory, so nothing is
  supervised: the one-worker baseline);
- ``workers=N``: a local Dask cluster of N worker processes, rows partitioned by
  regional edge cache (the ``shop`` viewers come from all over the world); with
  ``--one-edge`` every viewer is at one edge location, one group: the cost rule
  (``edgelab.frames.replay_route``) picks rows by group or by cache key (a front phase
  first: see ``edgelab.frames.replay_dask``); ``--path group|key`` forces one path
  (``auto``, the default: the rule's choice), which the closing line names;
- with ``--dask-one``, also ``workers=1`` on a one-worker local cluster (what a
  definition file with in-process handlers gets: a supervised worker);
- the machine's ceiling: N processes forked from this one (imports done) that share
  nothing, each replaying in itself the rows of the groups the Dask run gives one worker
  by group (the largest group to the least loaded part, as the engine deals them out;
  by group whatever path the Dask run takes: with one group, one process does it all),
  all started together: the rate of the last to finish is the most N workers could give
  on this machine with no engine between them (no pieces sent, no results merged, one
  file each). Their cache outcomes are checked against the one-worker run, row by row.

Prints each rate, the ratio of the N-worker rate to the 1-worker rate (target >= 1.6 on a
2-core machine with 2 workers) beside the ceiling's ratio (what this machine's cores give
N processes that share nothing: on a shared virtual machine, less than N), and whether
the results are identical (measured columns aside). The per-row figures (microseconds
of CPU a row, this process and the workers) are what ``edgelab.frames.replay_route.COSTS``
holds; by cache key, the CPU this process
spends between phases (no worker has work meanwhile) is printed too.
``--isolated`` runs the Python handlers isolated (worker processes; slower) instead of
in-process. ``--profile`` prints where the parent spends its time with N workers (what it
does per row limits the speed-up). Beside each wall time: the CPU seconds of this process
(with a local cluster: the client, the scheduler and the nannies) and of the Dask workers
(read just before the cluster closes): CPU is far less disturbed by a shared machine than
wall time. ``--rounds R`` runs the sides R times, alternating, and compares the least
wall time of each (the run least disturbed by other jobs).

    uv run python benchmarks/replay_workers.py [--n 20000] [--isolated] [--dask-one] [--one-edge]
                                               [--workers 2] [--path auto|group|key]
                                               [--chunk-rows N] [--rounds R] [--profile]
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

from edgelab.frames.replay_io import CHUNK_ROWS

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


#: the main thread's CPU seconds between a phase's (or a chunk's) last result and the next
#: task, when no worker has work (rows by cache key), and how many such gaps
SERIAL: dict[str, float] = {"cpu": 0.0, "gaps": 0}


#: when the last round of tasks ended (this thread's CPU seconds), until the next task
_ENDED: list[float] = []


def _watch_phases() -> None:
    """Time what this process does between two phases of rows by cache key (the owners
    and back pieces worked out, a chunk written and the next read): from the end of a
    round of tasks to the next task submitted (``replay_route.COSTS``'s ``key_serial``)."""
    from edgelab.frames import replay_dask

    rounds, submit = replay_dask.DaskEngine._rounds, replay_dask.DaskEngine._submit
    ended = _ENDED

    def timed_rounds(self: Any, jobs: Any, refill: Any = None) -> Any:
        yield from rounds(self, jobs, refill)
        ended[:] = [time.thread_time()]

    def timed_submit(self: Any, s: int, job: Any) -> Any:
        if ended:
            SERIAL["cpu"] += time.thread_time() - ended.pop()
            SERIAL["gaps"] += 1
        return submit(self, s, job)

    replay_dask.DaskEngine._rounds = timed_rounds  # type: ignore[method-assign]
    replay_dask.DaskEngine._submit = timed_submit  # type: ignore[method-assign]


def _cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(
    spec: Any, traffic: Path, out: Path, workers: int, profile: Path | None, chunk_rows: int
) -> tuple[float, float, float, list[str]]:
    """Wall seconds, this process's CPU seconds, the workers' CPU seconds, the notes."""
    import edgelab as el

    WORKER_CPU.clear()
    cpu = _cpu_seconds()
    started = time.perf_counter()
    kwargs: dict[str, Any] = {"workers": workers, "progress": False, "chunk_rows": chunk_rows}
    if profile is None:
        done = el.replay_to(spec, traffic, out, **kwargs)
    else:
        import cProfile

        got: list[Any] = []
        cProfile.runctx(
            "got.append(el.replay_to(spec, traffic, out, **kwargs))",
            globals(),
            {"el": el, "spec": spec, "traffic": traffic, "out": out, "kwargs": kwargs, "got": got},
            str(profile),
        )
        done = got[0]
    wall = time.perf_counter() - started
    return wall, _cpu_seconds() - cpu, sum(WORKER_CPU), list(done.notes)


def _parts(traffic: Path, default_edge: str, parts: int, root: Path) -> list[tuple[Path, Any]]:
    """The traffic split as the Dask run deals rows out by group (``deal_groups``):
    (Parquet file, its rows' positions)."""
    import numpy as np
    import pandas as pd

    from edgelab.frames.replay_dask import _row_groups, deal_groups

    frame = pd.read_parquet(traffic)
    _, _, of_row = deal_groups(_row_groups(frame, default_edge), {}, [0] * parts)
    out = []
    for s in range(parts):
        positions = np.flatnonzero(of_row == s)
        path = root / f"part{s}.parquet"
        frame.iloc[positions].to_parquet(path)
        out.append((path, positions))
    return out


def _part(spec: Any, path: Path, out: Path, chunk_rows: int, go: Any, ends: Any) -> None:
    """A forked process of the ceiling: wait for the start, replay its part, say when it
    ended and its CPU seconds."""
    import edgelab as el

    go.wait()
    cpu = _cpu_seconds()
    try:
        el.replay_to(spec, path, out, progress=False, chunk_rows=chunk_rows)
    except BaseException as exc:  # the benchmark stops and says why (not wait an hour)
        ends.put((None, f"{type(exc).__name__}: {exc}"))
        raise
    ends.put((time.perf_counter(), _cpu_seconds() - cpu))


def ceiling(
    spec: Any, parts: list[tuple[Path, Any]], root: Path, chunk_rows: int
) -> tuple[float, float, list[Path]]:
    """N forked processes, each replaying its part, started together: (wall seconds until
    the last ended, their CPU seconds, their results files)."""
    import multiprocessing

    fork = multiprocessing.get_context("fork")
    go, ends = fork.Event(), fork.Queue()
    outs = [root / f"ceiling{s}.parquet" for s in range(len(parts))]
    procs = [
        fork.Process(target=_part, args=(spec, path, out, chunk_rows, go, ends))
        for (path, _), out in zip(parts, outs, strict=True)
    ]
    for proc in procs:
        proc.start()
    time.sleep(1.0)  # every child forked and waiting
    started = time.perf_counter()
    go.set()
    done = [ends.get(timeout=3600) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    failed = [why for end, why in done if end is None]
    if failed:
        raise SystemExit(f"a ceiling process failed: {failed[0]}")
    return max(end for end, _ in done) - started, sum(cpu for _, cpu in done), outs


def _ceiling_same(one: Any, parts: list[tuple[Path, Any]], outs: list[Path]) -> str:
    """Whether each row's outcome, status and cache outcome in the parts' results are the
    one-worker run's (request ids and measured columns differ: a part numbers its rows
    from 0)."""
    import pandas as pd

    cols = ["outcome", "status", "cache"]
    for (_, positions), out in zip(parts, outs, strict=True):
        got = pd.read_parquet(out, columns=["row", *cols])
        want = one.iloc[positions[got["row"].to_numpy()]][cols].reset_index(drop=True)
        for col in cols:
            if got[col].astype(str).tolist() != want[col].astype(str).tolist():
                return f"DIFFERENT ({col})"
    return "the same outcomes, statuses and cache outcomes row by row"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--isolated", action="store_true", help="Python handlers isolated")
    ap.add_argument("--dask-one", action="store_true", help="also a one-worker Dask cluster")
    ap.add_argument("--one-edge", action="store_true", help="every viewer at one edge location")
    ap.add_argument("--workers", type=int, default=2, help="the Dask run's workers (2)")
    ap.add_argument(
        "--path",
        choices=["auto", "group", "key"],
        default="auto",
        help="the Dask run's path: the cost rule's (auto), by group, or by cache key",
    )
    ap.add_argument(
        "--chunk-rows", type=int, default=CHUNK_ROWS, help=f"rows a chunk ({CHUNK_ROWS:,})"
    )
    ap.add_argument("--rounds", type=int, default=1, help="run the sides R times (least wall)")
    ap.add_argument("--profile", action="store_true", help="cProfile the parent, N workers")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error(f"--rounds must be 1 or more; got {args.rounds}")
    import pandas as pd

    import edgelab as el
    from edgelab.frames import replay_dask
    from edgelab.frames.replay import comparable

    replay_dask.FORCE = None if args.path == "auto" else args.path
    n_name = f"{args.workers} worker{'s' if args.workers > 1 else ''}, Dask"
    c_name = f"{args.workers} processes (ceiling)"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _watch_workers()
        _watch_phases()
        config, fast, traffic = setup(root, args.n, one_edge=args.one_edge)
        cfg = config if args.isolated else fast
        factory = functools.partial(el.load_distribution, cfg, isolated=args.isolated)
        rows = args.chunk_rows
        probe = factory()
        try:
            default_edge = str(probe.edge_location)
        finally:
            probe.close()
        parts = _parts(traffic, default_edge, args.workers, root)
        # one worker on Dask: the supervised one-worker cluster of a definition file
        spec = factory if args.workers > 1 else str(cfg)
        took: dict[str, tuple[float, float, float, list[str]]] = {}

        def keep(name: str, got: tuple[float, float, float, list[str]]) -> None:
            if name not in took or got[0] < took[name][0]:
                took[name] = got

        outs: list[Path] = []
        for r in range(args.rounds):
            keep(
                "1 worker, this process", run(factory, traffic, root / "one.parquet", 1, None, rows)
            )
            if args.dask_one:
                keep(
                    "1 worker, Dask", run(str(cfg), traffic, root / "dask1.parquet", 1, None, rows)
                )
            prof = root / "profile" if args.profile and r == 0 else None
            SERIAL.update(cpu=0.0, gaps=0)
            _ENDED.clear()  # (a gap is within one replay)
            keep(n_name, run(spec, traffic, root / "two.parquet", args.workers, prof, rows))
            wall, cpu, outs = ceiling(factory, parts, root, rows)
            keep(c_name, (wall, cpu, 0.0, []))
        one = comparable(pd.read_parquet(root / "one.parquet"))
        two = comparable(pd.read_parquet(root / "two.parquet"))
        try:
            pd.testing.assert_frame_equal(one, two, check_categorical=False)
            same = "identical"
        except AssertionError as exc:
            same = f"DIFFERENT: {str(exc).splitlines()[0]}"
        hits = int(one["cache"].eq("Hit").sum())
        same_parts = _ceiling_same(one, parts, outs)
        if args.profile:
            import pstats

            pstats.Stats(str(root / "profile")).sort_stats("cumulative").print_stats(30)
    mode = "isolated" if args.isolated else "in-process"
    least = f", least of {args.rounds} rounds" if args.rounds > 1 else ""
    for name, (seconds, cpu, workers_cpu, _) in took.items():
        who = "the processes" if name == c_name else "this process"
        print(
            f"{name:24}: {args.n:,} requests in {seconds:.2f} s = {args.n / seconds:,.0f} "
            f"req/s (Python handlers {mode}; Parquet in and out{least}); CPU s: {who} "
            f"{cpu:.2f}, workers {workers_cpu:.2f} (a row: {cpu / args.n * 1e6:.0f} us, "
            f"{workers_cpu / args.n * 1e6:.0f} us)"
        )
    base, two_s, top = took["1 worker, this process"][0], took[n_name][0], took[c_name][0]
    print(
        f"{n_name} / 1 worker: {base / two_s:.2f}x the rate (target >= 1.6, 2 workers on 2 cores)"
    )
    print(
        f"ceiling / 1 worker      : {base / top:.2f}x the rate ({args.workers} processes that "
        f"share nothing); Dask reaches {top / two_s:.0%} of it"
    )
    print(f"results                 : {same} (measured columns aside; {hits:,} hits)")
    print(f"ceiling's results       : {same_parts}")
    if SERIAL["gaps"]:
        print(
            f"between phases          : {SERIAL['cpu']:.2f} CPU s of this process's main thread "
            f"in {SERIAL['gaps']:.0f} gaps ({SERIAL['cpu'] / args.n * 1e6:.0f} us a row)"
        )
    for note in took[n_name][3]:
        print(f"path                    : {note}")


if __name__ == "__main__":
    main()
