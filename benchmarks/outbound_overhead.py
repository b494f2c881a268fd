"""What handlers that call out cost: the network guard on every in-process call, and one
mocked HTTPS call or local DynamoDB call per invocation, in each runtime.

    uv run python benchmarks/outbound_overhead.py [--calls 2000] [--outbound 200]

Measures, in one run on this machine:

* a trivial in-process Python handler called through ``run_function`` alone (no guard)
  and through the runtime (the guard installed and removed around each call): the
  guard's share;
* invocations per second of a handler making one HTTPS call to a mock (``urllib``,
  Python in-process and isolated; ``fetch``, Node.js), and one ``GetItem`` on the local
  DynamoDB (boto3, in-process and isolated);
* the time to start a sandbox with HTTP mocks, and with a seeded local DynamoDB.

Prints rates and ratios. Not a test: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import edgelab as el
from edgelab.runtimes import load_handler
from edgelab.runtimes.base import Call
from edgelab.runtimes.context import ContextInfo
from edgelab.runtimes.python import run_function

PY_HTTP = """\
import urllib.request
def handler(event, context):
    with urllib.request.urlopen("https://api.example.com/flags") as r:
        r.read()
    return event["Records"][0]["cf"]["request"]
"""
NODE_HTTP = """\
exports.handler = async (event) => {
  await (await fetch('https://api.example.com/flags')).text();
  return event.Records[0].cf.request;
};
"""
PY_DDB = """\
import boto3
ddb = boto3.client("dynamodb")
def handler(event, context):
    ddb.get_item(TableName="t", Key={"k": {"S": "a"}})
    return event["Records"][0]["cf"]["request"]
"""
SEED = {"dynamodb": {"tables": [{"name": "t", "key": {"k": "S"}, "items": [{"k": "a"}]}]}}


def trivial(event: dict, context: object) -> dict:
    return event["Records"][0]["cf"]["request"]


def rate(fn: Callable[[], object], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="trivial calls per mode")
    parser.add_argument("--outbound", type=int, default=200, help="calls that call out")
    args = parser.parse_args()
    event = el.build_event("viewer-request")
    info = ContextInfo("bench", 128, 30)

    bare = rate(lambda: run_function(trivial, event, info), args.calls)
    guarded_handler = load_handler(trivial)
    guarded = rate(lambda: guarded_handler.invoke(Call(event, info)), args.calls)
    print(f"trivial in-process call, no guard:   {bare:9,.0f} calls/s")
    print(f"trivial in-process call, guarded:    {guarded:9,.0f} calls/s  ({bare / guarded:.2f}x)")

    started = time.perf_counter()
    http_box = el.Sandbox(http={"https://api.example.com/flags": {"json": {"on": True}}}).start()
    print(f"start a sandbox with HTTP mocks:     {time.perf_counter() - started:9.3f} s")
    started = time.perf_counter()
    aws_box = el.Sandbox(aws=el.LocalAws(["dynamodb"], seed=SEED)).start()
    print(f"start a seeded local DynamoDB:       {time.perf_counter() - started:9.3f} s")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "http.py").write_text(PY_HTTP)
            (folder / "http.js").write_text(NODE_HTTP)
            (folder / "ddb.py").write_text(PY_DDB)
            cases = [
                ("HTTPS mock, Python in-process", "http.py", False, http_box),
                ("HTTPS mock, Python isolated", "http.py", True, http_box),
                ("HTTPS mock, Node.js fetch", "http.js", False, http_box),
                ("DynamoDB GetItem, in-process", "ddb.py", False, aws_box),
                ("DynamoDB GetItem, isolated", "ddb.py", True, aws_box),
            ]
            for label, name, isolated, box in cases:
                h = box.wrap(load_handler(str(folder / name), isolated=isolated, env=box.environ()))
                h.invoke(Call(event, info))  # warm: the import, the first connection
                r = rate(lambda h=h: h.invoke(Call(event, info)), args.outbound)
                print(f"{label + ':':<36} {r:9,.0f} calls/s")
                h.close()
    finally:
        http_box.close()
        aws_box.close()


if __name__ == "__main__":
    main()
