"""Requests per second through a distribution whose viewer request is a trivial CloudFront
Function, beside the same job as a Lambda@Edge Node.js handler and as an in-process
Python handler, measured in the same run.

    uv run python benchmarks/chain_cloudfront_functions.py [--requests 2000] [--repeats 3]

Each distribution has one behaviour, a mapping origin and the default cache policy, so
after the first request every request is a cache hit: what is measured is the chain
around the viewer-request function (the event built from the chain's request, the run,
the result decided and converted back). Prints requests per second, best of the
repeats, and each figure against the CloudFront Function's. Not a test: timings on a
shared machine are noisy.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import edgelab as el

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

PYTHON = """\
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-bench"] = [{"key": "X-Bench", "value": "1"}]
    return request
"""


def per_second(dist: el.Distribution, requests: int, repeats: int) -> float:
    dist.request("/")  # the miss, and each runtime's first start
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(requests):
            trace = dist.request("/")
        best = min(best, time.perf_counter() - started)
        assert trace.status == 200 and trace.cache == "Hit", (trace.status, trace.cache)
    return requests / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "f.js").write_text(CFF)
        (folder / "h.js").write_text(NODE)
        (folder / "h.py").write_text(PYTHON)
        origin = {"origin": el.MappingOrigin({"/": "hello"})}
        kinds = {
            "CloudFront Function (cloudfront-js-2.0)": el.CacheBehavior(
                cloudfront_functions={"viewer-request": folder / "f.js"}
            ),
            "CloudFront Function (cloudfront-js-1.0)": el.CacheBehavior(
                cloudfront_functions={
                    "viewer-request": el.CloudFrontFunctionConfig(
                        folder / "f.js", "cloudfront-js-1.0"
                    )
                }
            ),
            "Lambda@Edge, Node.js": el.CacheBehavior(
                triggers={"viewer-request": str(folder / "h.js")}
            ),
            "Lambda@Edge, Python in-process": el.CacheBehavior(
                triggers={"viewer-request": str(folder / "h.py")}
            ),
        }
        rates = {}
        for name, behavior in kinds.items():
            with el.Distribution(behaviors=[behavior], origins=origin) as dist:
                rates[name] = per_second(dist, args.requests, args.repeats)
    base = next(iter(rates.values()))
    print(f"{'viewer request':42} {'requests/s':>12} {'ms/request':>11} {'× CFF 2.0':>10}")
    for name, rate in rates.items():
        print(f"{name:42} {rate:12,.0f} {1000 / rate:11.3f} {rate / base:10.2f}")


if __name__ == "__main__":
    main()
