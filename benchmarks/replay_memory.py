"""Bounded memory: ``edgelab replay`` of 2,000,000 requests on one worker, peak RSS.

The same replay at two sizes (200,000 and 2,000,000 ``shop`` requests by default), each
in its own Python process: a saved Parquet traffic set in (or CloudFront logs, with
``--logs``), a Parquet results file out (``replay_to``, streamed in chunks), four trivial
Python handlers in-process (``isolated = false``) and a folder origin. The inputs are
generated beforehand in other processes, so only the replay counts.

``--logs FORMAT`` writes the input as CloudFront logs of that format instead (``legacy``,
``v2-w3c`` and ``realtime`` as gzip text, ``v2-json`` as gzip JSON lines, ``v2-parquet``;
with ``edgelab.write_log``, in a folder of files of 200,000 lines each, which the replay
reads as one input): issue 13's "2,000,000 log lines of any supported format run in
bounded memory". Real-time records carry every field of the documented order (so the
reader recognises them without a field list).

A replay of a config whose Python handlers run in-process runs them in one supervised
child process (so a handler that ends its process costs only its row): the figure is
the larger of the peak RSS (``ru_maxrss``) of the replay process and of that child.

    uv run python benchmarks/replay_memory.py [--n 2000000] [--small 200000] [--chunk-rows N]
                                              [--no-handlers | --both] [--logs FORMAT]
                                              [--workers N] [--progress]

``--no-handlers``: the same replay without functions (quicker; the replay's own memory).
``--both``: with the handlers and without, one after the other, in one run.
``--workers N``: each replay runs a second time with ``--workers N`` (a local Dask cluster
of N worker processes), and the two results files are compared column by column (so the
comparison's memory stays bounded too), measured columns aside: issue 13's "on one worker
and on a local Dask cluster with identical results". ``--progress`` lets each replay's
progress bar through to the terminal.

Target: the 2,000,000-request peak well under 1 GB, and close to the 200,000 one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay_overhead import setup

GENERATE = """
import sys, edgelab as el
frame = el.generate_traffic("shop", int(sys.argv[1]), seed=1)
el.save_traffic(frame, sys.argv[2])
"""

#: write a saved traffic set as CloudFront logs: a folder of files of PER_FILE lines
WRITE_LOGS = """
import sys
from pathlib import Path
import edgelab as el
from edgelab.frames.logs.fields import REALTIME_ORDER
traffic, fmt, folder, per_file = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
frame = el.load_traffic(traffic)
suffix = {"v2-parquet": ".parquet", "v2-json": ".json.gz"}.get(fmt, ".log.gz")
fields = {"fields": REALTIME_ORDER} if fmt == "realtime" else {}
folder.mkdir()
for k, start in enumerate(range(0, len(frame), per_file)):
    part = frame.iloc[start : start + per_file]
    el.write_log(part, folder / f"part-{k:04d}{suffix}", format=fmt, **fields)
"""
LOG_FORMATS = ("legacy", "v2-w3c", "v2-json", "v2-parquet", "realtime")
PER_FILE = 200_000

REPLAY = """
import json, resource, sys, time
from edgelab.cli import main
started = time.perf_counter()
code = main(sys.argv[1:])
took = time.perf_counter() - started
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "seconds": took, "self_kb": me, "child_kb": kids}))
"""


def replay(
    config: Path,
    traffic: Path,
    out: Path,
    chunk_rows: int | None,
    workers: int = 1,
    progress: bool = False,
) -> dict:
    args = ["replay", str(traffic), "--config", str(config), "--out", str(out)]
    args += ["--workers", str(workers)] + ([] if progress else ["--no-progress"])
    if chunk_rows:
        args += ["--chunk-rows", str(chunk_rows)]
    done = subprocess.run(
        [sys.executable, "-c", REPLAY, *args],
        stdout=subprocess.PIPE,
        stderr=None if progress else subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_results(one: Path, other: Path) -> str:
    """ "identical", or the first difference: two results files compared one column at a
    time (measured columns aside)."""
    import pandas as pd
    import pyarrow.parquet as pq

    from edgelab.frames.replay import MEASURED_COLUMNS

    names = pq.read_schema(one).names
    if names != pq.read_schema(other).names:
        return f"DIFFERENT columns: {names} vs {pq.read_schema(other).names}"
    for name in names:
        if name in MEASURED_COLUMNS:
            continue
        a, b = (pq.read_table(path, columns=[name]).to_pandas()[name] for path in (one, other))
        try:
            pd.testing.assert_series_equal(a, b, check_categorical=False)
        except AssertionError as exc:
            return f"DIFFERENT in {name}: {str(exc).splitlines()[0]}"
    return "identical"


def make_input(root: Path, n: int, logs: str | None) -> Path:
    """The replay's input of ``n`` requests: a traffic set, or a folder of logs."""
    traffic = root / f"traffic-{n}.parquet"
    subprocess.run([sys.executable, "-c", GENERATE, str(n), str(traffic)], check=True)
    if logs is None:
        return traffic
    folder = root / f"logs-{n}"
    subprocess.run(
        [sys.executable, "-c", WRITE_LOGS, str(traffic), logs, str(folder), str(PER_FILE)],
        check=True,
    )
    traffic.unlink()
    return folder


def remove(path: Path) -> None:
    if path.is_dir():
        for f in path.iterdir():
            f.unlink()
        path.rmdir()
    else:
        path.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2_000_000)
    ap.add_argument("--small", type=int, default=200_000)
    ap.add_argument("--chunk-rows", type=int, default=None)
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--no-handlers", action="store_true", help="no functions")
    which.add_argument("--both", action="store_true", help="with the handlers, then without")
    ap.add_argument("--logs", choices=LOG_FORMATS, default=None, help="input as CloudFront logs")
    ap.add_argument("--workers", type=int, default=None, help="also on N Dask workers")
    ap.add_argument("--progress", action="store_true", help="show each replay's progress bar")
    args = ap.parse_args()
    modes = [True, False] if args.both else [not args.no_handlers]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _, with_handlers, _ = setup(root, 1_000)  # handlers, site (the shop catalogue), config
        without = root / "no-handlers.toml"
        without.write_text(
            '[distribution]\nisolated = false\n[origin]\ntype = "folder"\npath = "site"\n'
            "[cache]\ndefault_ttl = 3600\n"
        )
        rows, compared = [], []
        for n in (args.small, args.n):
            source = make_input(root, n, args.logs)
            for handlers in modes:
                config = with_handlers if handlers else without
                for workers in (1, args.workers) if args.workers else (1,):
                    out = root / f"results-{n}-{workers}.parquet"
                    started = time.perf_counter()
                    got = replay(config, source, out, args.chunk_rows, workers, args.progress)
                    wall = time.perf_counter() - started
                    peak_mb = max(got["self_kb"], got["child_kb"]) / 1024
                    me, kid = got["self_kb"] / 1024, got["child_kb"] / 1024
                    rows.append((handlers, n, workers, peak_mb, me, kid, wall))
                if args.workers:
                    ones, many = (root / f"results-{n}-{w}.parquet" for w in (1, args.workers))
                    compared.append((handlers, n, same_results(ones, many)))
                    remove(many)
            remove(source)
        what = f"CloudFront logs, {args.logs}" if args.logs else "traffic set (Parquet)"
        print(f"input: {what}; chunk rows: {args.chunk_rows or 'default'}")
        head = f"{'handlers':>8} {'requests':>10} {'workers':>7} {'peak RSS':>10} {'replay':>9}"
        print(f"{head} {'child':>9} {'req/s':>8}")
        for handlers, n, workers, peak, me, kid, wall in rows:
            print(
                f"{'4' if handlers else 'none':>8} {n:>10,} {workers:>7} {peak:>7.0f} MB "
                f"{me:>6.0f} MB {kid:>6.0f} MB {n / wall:>8,.0f}"
            )
        for handlers in modes:
            for workers in (1, args.workers) if args.workers else (1,):
                small, big = (r[3] for r in rows if r[0] == handlers and r[2] == workers)
                print(
                    f"{'with' if handlers else 'without'} handlers, {workers} worker(s): peak "
                    f"at {args.n:,} / peak at {args.small:,}: {big / small:.2f}x"
                )
        for handlers, n, same in compared:
            print(
                f"{'with' if handlers else 'without'} handlers, {n:,} requests: 1 worker vs "
                f"{args.workers} workers: {same} (measured columns aside)"
            )


if __name__ == "__main__":
    main()
