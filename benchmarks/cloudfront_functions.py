"""Cost per call of a trivial CloudFront Function through edgelab's persistent sandbox
worker, beside a trivial Lambda@Edge Node.js handler measured in the same run.

    uv run python benchmarks/cloudfront_functions.py [--events 20000] [--repeats 3]

Measures, on this machine, one after the other:

* ``CloudFrontFunctionHandler.invoke_many`` (cloudfront-js-1.0 and 2.0): the full path (events
  prepared, run in the sandbox in batches, every result decided by ``decide_cff``);
* the CloudFront Functions worker round trip alone (``run_many``: prepared runs in, raw
  results out);
* the Lambda@Edge Node.js handler the same way (``edgelab.invoke_many`` and
  ``NodeHandler.invoke_many``), as in ``benchmarks/node_throughput.py``.

Prints milliseconds per call and calls per second, best of the repeats. The target is
well under 1 ms per call for the CloudFront Function. Not a test: timings on a shared
machine are noisy.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import edgelab as el
from edgelab.runtimes.base import Call
from edgelab.runtimes.cloudfront_js import CloudFrontFunctionHandler
from edgelab.runtimes.context import ContextInfo
from edgelab.runtimes.node import NodeHandler
from edgelab.runtimes.nodefind import find_node

CFF = """\
function handler(event) {
    var request = event.request;
    request.headers['x-bench'] = { value: '1' };
    return request;
}
"""

NODE = """\
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers['x-bench'] = [{ key: 'X-Bench', value: '1' }];
  return request;
};
"""


def best_seconds(run: Callable[[], None], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20000, help="events per batched run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = args.events
    node = find_node()
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    rows: list[tuple[str, float]] = []
    roomy = el.get_cff_rules(overrides={"compute-budget": 1000})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "bench.js").write_text(CFF)
        (folder / "lambda.js").write_text(NODE)

        cff_event = el.build_cff_event("viewer-request", uri="/index.html")
        for runtime in el.CFF_RUNTIMES:
            fn = CloudFrontFunctionHandler(folder / "bench.js", runtime, rules=roomy)
            events = [cff_event] * n
            fn.invoke_many(events[:200])  # warm up

            def full(fn: CloudFrontFunctionHandler = fn, events: list = events) -> None:
                assert fn.invoke_many(events)[-1].outcome == "request"

            rows.append(
                (
                    f"CloudFront Function {runtime}, invoke_many (decided)",
                    best_seconds(full, args.repeats),
                )
            )
            runs = [
                fn._prepare(
                    cff_event,
                    trigger=None,
                    rules=roomy,
                    kvs=None,
                    now=None,
                    request_id=None,
                    raw_querystring=None,
                    edge=fn.edge_location,
                )
                for _ in range(n)
            ]

            def raw(fn: CloudFrontFunctionHandler = fn, runs: list = runs) -> None:
                assert fn.run_many(runs, stop_ms=1000)[-1].status == "ok"

            rows.append(
                (
                    f"CloudFront Function {runtime}, worker round trip",
                    best_seconds(raw, args.repeats),
                )
            )
            fn.close()

        lambda_event = el.build_event("viewer-request", uri="/index.html")
        handler = str(folder / "lambda.js")
        el.invoke_many(handler, [lambda_event] * 200)

        def lambda_full() -> None:
            assert el.invoke_many(handler, [lambda_event] * n)[-1].outcome == "request"

        rows.append(
            ("Lambda@Edge Node.js, invoke_many (decided)", best_seconds(lambda_full, args.repeats))
        )
        h = NodeHandler(handler)
        info = ContextInfo(function_name=h.function_name, memory_limit_in_mb=128, timeout_s=5)
        calls = [Call(lambda_event, info) for _ in range(n)]
        h.invoke_many(calls[:200])

        def lambda_raw() -> None:
            assert h.invoke_many(calls)[-1].status == "ok"

        rows.append(
            ("Lambda@Edge Node.js, worker round trip", best_seconds(lambda_raw, args.repeats))
        )
        h.close()
        el.close_handlers()

    print(
        f"node {version.strip()}, python {sys.version.split()[0]}, {n} events per run, "
        f"best of {args.repeats}"
    )
    print(f"{'path':<56}{'ms/call':>10}{'calls/s':>12}")
    for name, seconds in rows:
        print(f"{name:<56}{seconds / n * 1000:>10.3f}{n / seconds:>12,.0f}")


if __name__ == "__main__":
    main()
