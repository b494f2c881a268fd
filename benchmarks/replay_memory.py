"""Bounded memory: ``edgelab replay`` of 2,000,000 requests on one worker, peak RSS.

The same replay at two sizes (200,000 and 2,000,000 ``shop`` requests by default), each
in its own Python process: a saved Parquet traffic set in, a Parquet results file out,
four trivial Python handlers in-process (``isolated = false``) and a folder origin. The
traffic sets are generated beforehand in other processes, so only the replay counts.

A replay of a config whose Python handlers run in-process runs them in one supervised
child process (so a handler that ends its process costs only its row): the figure is
the larger of the peak RSS (``ru_maxrss``) of the replay process and of that child.

    uv run python benchmarks/replay_memory.py [--n 2000000] [--small 200000] [--chunk-rows N]
                                              [--no-handlers]

``--no-handlers``: the same replay without functions (quicker; the replay's own memory).

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2_000_000)
    ap.add_argument("--small", type=int, default=200_000)
    ap.add_argument("--chunk-rows", type=int, default=None)
    ap.add_argument("--no-handlers", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _, fast, _ = setup(root, 1_000)  # handlers, site (the shop catalogue) and config
        if args.no_handlers:
            fast.write_text(
                '[distribution]\nisolated = false\n[origin]\ntype = "folder"\npath = "site"\n'
                "[cache]\ndefault_ttl = 3600\n"
            )
        rows = []
        for n in (args.small, args.n):
            traffic = root / f"traffic-{n}.parquet"
            subprocess.run([sys.executable, "-c", GENERATE, str(n), str(traffic)], check=True)
            started = time.perf_counter()
            got = replay(fast, traffic, root / f"results-{n}.parquet", args.chunk_rows)
            wall = time.perf_counter() - started
            peak_mb = max(got["self_kb"], got["child_kb"]) / 1024
            rows.append((n, peak_mb, got["self_kb"] / 1024, got["child_kb"] / 1024, wall))
            traffic.unlink()
        print(f"{'requests':>10} {'peak RSS':>10} {'replay':>9} {'child':>9} {'req/s':>8}")
        for n, peak, me, kid, wall in rows:
            print(f"{n:>10,} {peak:>7.0f} MB {me:>6.0f} MB {kid:>6.0f} MB {n / wall:>8,.0f}")
        print(f"peak at {args.n:,} / peak at {args.small:,}: {rows[1][1] / rows[0][1]:.2f}x")


if __name__ == "__main__":
    main()
