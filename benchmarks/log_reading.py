"""Reading CloudFront logs streamed: rows/s and peak memory, 2,000,000 lines vs 200,000.

    uv run python benchmarks/log_reading.py [--lines 2000000] [--chunk-rows 50000]

Generates two legacy standard logs (gzip, the 33 fields of lambda-edge-facts §12) in a
temporary folder, from the same synthetic lines: one of ``--lines`` lines and one of a
tenth as many. Each is read by ``el.iter_access_logs`` in its own Python process (so
each peak RSS, ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, is that read's alone),
counting rows and dropping each chunk. On a shared machine the wall-clock rate swings
with the load; rows per CPU-second (the process's user + system time, imports
included) is steadier. Bounded memory means the big file's peak is about
the small one's: the ratio printed last.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

READ = """
import json, resource, sys, time
import edgelab as el
started = time.perf_counter()
rows = chunks = biggest = 0
reader = el.iter_access_logs(sys.argv[1], chunk_rows=int(sys.argv[2]))
for chunk in reader:
    rows += len(chunk); chunks += 1; biggest = max(biggest, len(chunk))
took = time.perf_counter() - started
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"rows": rows, "chunks": chunks, "biggest": biggest, "seconds": took,
                  "cpu": use.ru_utime + use.ru_stime,
                  "rejected": reader.rejected_count,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_log(path: Path, lines: int, base: list[str], head: list[str]) -> None:
    with gzip.open(path, "wt", compresslevel=1, encoding="utf-8") as f:
        f.write("\n".join(head) + "\n")
        full, rest = divmod(lines, len(base))
        block = "\n".join(base) + "\n"
        for _ in range(full):
            f.write(block)
        if rest:
            f.write("\n".join(base[:rest]) + "\n")


def measure(path: Path, chunk_rows: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", READ, str(path), str(chunk_rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=2_000_000)
    ap.add_argument("--chunk-rows", type=int, default=50_000)
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "data"))
    from make_samples import log_frame

    import edgelab as el

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        el.write_access_log(log_frame(20_000, seed=3), d / "base.log")
        text = (d / "base.log").read_text(encoding="utf-8").splitlines()
        head, base = text[:2], text[2:]
        small, big = d / "small.log.gz", d / "big.log.gz"
        make_log(small, args.lines // 10, base, head)
        make_log(big, args.lines, base, head)
        results = {}
        for name, path in (("small", small), ("big", big)):
            results[name] = r = measure(path, args.chunk_rows)
            print(
                f"{r['rows']:>10,} lines ({path.stat().st_size / 2**20:,.0f} MB gz): "
                f"{r['seconds']:.1f} s, {r['rows'] / r['seconds']:,.0f} rows/s "
                f"({r['rows'] / r['cpu']:,.0f} per CPU-second), "
                f"{r['chunks']} chunks of <= {r['biggest']:,} rows, peak RSS "
                f"{r['peak_mb']:,.0f} MB, {r['rejected']} rejected"
            )
    s, b = results["small"], results["big"]
    print(
        f"peak RSS big / small: {b['peak_mb'] / s['peak_mb']:.2f}x for "
        f"{b['rows'] / s['rows']:.0f}x the lines; rows/s big / small: "
        f"{(b['rows'] / b['seconds']) / (s['rows'] / s['seconds']):.2f}x"
    )


if __name__ == "__main__":
    main()
