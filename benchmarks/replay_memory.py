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

``--no-handlers``: the same replay without functions (quicker; the replay's own memory).
``--both``: with the handlers and without, one after the other, in one run.

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


def replay(config: Path, traffic: Path, out: Path, chunk_rows: int | None) -> dict:
    args = ["replay", str(traffic), "--config", str(config), "--out", str(out), "--no-progress"]
    if chunk_rows:
        args += ["--chunk-rows", str(chunk_rows)]
    done = subprocess.run(
        [sys.executable, "-c", REPLAY, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


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
        rows = []
        for n in (args.small, args.n):
            source = make_input(root, n, args.logs)
            for handlers in modes:
                config = with_handlers if handlers else without
                started = time.perf_counter()
                got = replay(config, source, root / f"results-{n}.parquet", args.chunk_rows)
                wall = time.perf_counter() - started
                peak_mb = max(got["self_kb"], got["child_kb"]) / 1024
                me, kid = got["self_kb"] / 1024, got["child_kb"] / 1024
                rows.append((handlers, n, peak_mb, me, kid, wall))
            remove(source)
        what = f"CloudFront logs, {args.logs}" if args.logs else "traffic set (Parquet)"
        print(f"input: {what}; chunk rows: {args.chunk_rows or 'default'}")
        head = f"{'handlers':>8} {'requests':>10} {'peak RSS':>10} {'replay':>9} {'child':>9}"
        print(f"{head} {'req/s':>8}")
        for handlers, n, peak, me, kid, wall in rows:
            print(
                f"{'4' if handlers else 'none':>8} {n:>10,} {peak:>7.0f} MB {me:>6.0f} MB "
                f"{kid:>6.0f} MB {n / wall:>8,.0f}"
            )
        for handlers in modes:
            small, big = (r[2] for r in rows if r[0] == handlers)
            print(
                f"{'with' if handlers else 'without'} handlers: peak at {args.n:,} / peak at "
                f"{args.small:,}: {big / small:.2f}x"
            )


if __name__ == "__main__":
    main()
