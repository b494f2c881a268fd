"""Invocations per second of a trivial Node.js handler: edgelab's persistent worker versus
one ``node`` process per invocation (the naive harness).

    uv run python benchmarks/node_throughput.py [--events 20000] [--naive 40]

Measures, in one run on this machine:

* ``edgelab.invoke_many``: the full path (events prepared, run in the worker in batches,
  every result validated by ``edgelab.rules.outcome.decide``);
* the raw runtime, ``NodeHandler.invoke_many``: the worker round trip alone;
* the naive harness: ``node`` started per invocation with a tiny script that requires the
  handler, runs one event and prints the result.

Prints each rate and the ratios. Not a test: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import edgelab as el
from edgelab.runtimes.base import Call
from edgelab.runtimes.context import ContextInfo
from edgelab.runtimes.node import NodeHandler
from edgelab.runtimes.nodefind import find_node

HANDLER = """\
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers['x-bench'] = [{ key: 'X-Bench', value: '1' }];
  return request;
};
"""

NAIVE = """\
const { handler } = require(process.argv[2]);
const event = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));
Promise.resolve(handler(event, {})).then((r) => process.stdout.write(JSON.stringify(r)));
"""


def best_rate(run: object, n: int, repeats: int) -> float:
    """Invocations per second: the best of ``repeats`` runs of ``n`` invocations."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20000, help="events per batched run")
    parser.add_argument("--naive", type=int, default=40, help="node processes to start")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    node = find_node()
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        handler = folder / "bench.js"
        handler.write_text(HANDLER)
        (folder / "naive.js").write_text(NAIVE)
        event = el.build_event("viewer-request", uri="/index.html")
        (folder / "event.json").write_text(json.dumps(event))
        events = [event] * args.events

        # Full path: the public API, validation included.
        el.invoke_many(str(handler), events[:100])  # warm up the cached worker

        def full() -> None:
            results = el.invoke_many(str(handler), events)
            assert results[-1].outcome == "request", results[-1].error

        full_rate = best_rate(full, args.events, args.repeats)

        # Raw runtime: the worker round trip only.
        h = NodeHandler(str(handler))
        info = ContextInfo(function_name=h.function_name, memory_limit_in_mb=128, timeout_s=5)
        calls = [Call(event, info) for _ in range(args.events)]
        h.invoke_many(calls[:100])

        def raw() -> None:
            assert h.invoke_many(calls)[-1].status == "ok"

        raw_rate = best_rate(raw, args.events, args.repeats)
        h.close()
        el.close_handlers()

        # Naive: one node process per invocation.
        argv = [node, str(folder / "naive.js"), str(handler), str(folder / "event.json")]

        def naive() -> None:
            for _ in range(args.naive):
                out = subprocess.run(argv, capture_output=True, text=True, check=True)
                assert "x-bench" in out.stdout

        naive_rate = best_rate(naive, args.naive, 1)

    print(f"node {version}, python {sys.version.split()[0]}, one worker process")
    print(f"{'path':<44}{'invocations/s':>14}{'x naive':>10}")
    for name, rate in [
        (f"edgelab.invoke_many ({args.events} events, validated)", full_rate),
        (f"NodeHandler.invoke_many ({args.events} events, raw)", raw_rate),
        (f"naive: one node process each ({args.naive} runs)", naive_rate),
    ]:
        print(f"{name:<44}{rate:>14,.0f}{rate / naive_rate:>10,.0f}")


if __name__ == "__main__":
    main()
