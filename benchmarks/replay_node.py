"""Node.js handlers in a replay, beside the same handler in Python, measured in one run.

One viewer request handler (adds a header and rewrites the uri: the same logic in
JavaScript and in Python) and a folder origin; ``el.replay`` of the same ``shop``
traffic set on one worker, four times:

* Node.js, staged (the default): the viewer request calls of each piece of 500 rows go
  to the Node worker in one round trip;
* Node.js, one round trip per request (the staging switched off here, as before this
  engine);
* Python isolated (worker process, the default for a definition file), staged;
* Python in-process (``isolated = false``).

    uv run python benchmarks/replay_node.py [--n 20000]

Prints each rate and the ratio Node (staged) / Python in-process. Target: >= 0.6.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import edgelab as el
from edgelab.frames import replay as replay_module

JS = """\
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers['x-bench'] = [{ key: 'X-Bench', value: '1' }];
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  return request;
};
"""
PY = """\
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-bench"] = [{"key": "X-Bench", "value": "1"}]
    if request["uri"].endswith("/"):
        request["uri"] += "index.html"
    return request
"""


def config(root: Path, handler: str, isolated: bool) -> Path:
    cfg = root / f"{Path(handler).stem}-{'isolated' if isolated else 'in-process'}.toml"
    cfg.write_text(
        f"[distribution]\nisolated = {'true' if isolated else 'false'}\n"
        f'[triggers]\nviewer-request = "{handler}"\n'
        '[origin]\ntype = "folder"\npath = "site"\nmissing = 404\n[cache]\ndefault_ttl = 3600\n'
    )
    return cfg


def timed(config: Path, frame: object) -> float:
    with el.load_distribution(config) as dist:
        dist.request("/")  # warm: the worker started, the handler loaded
        dist.cache.clear()
        started = time.perf_counter()
        out = el.replay(dist, frame, progress=False)
        took = time.perf_counter() - started
    assert (out["vreq_outcome"].astype(str) == "request").all()
    return len(out) / took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    args = ap.parse_args()
    frame = el.generate_traffic("shop", args.n, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "site").mkdir()
        (root / "vreq.js").write_text(JS)
        (root / "vreq.py").write_text(PY)
        node = config(root, "vreq.js", True)
        rates = {"Node.js, staged": timed(node, frame)}
        saved = replay_module.Tape.batches
        replay_module.Tape.batches = property(lambda self: False)  # type: ignore[assignment]
        try:
            rates["Node.js, a round trip per request"] = timed(node, frame)
        finally:
            replay_module.Tape.batches = saved  # type: ignore[assignment]
        rates["Python isolated, staged"] = timed(config(root, "vreq.py", True), frame)
        rates["Python in-process"] = timed(config(root, "vreq.py", False), frame)
    for name, rate in rates.items():
        print(f"{name:<36} {rate:>8,.0f} req/s")
    ratio = rates["Node.js, staged"] / rates["Python in-process"]
    print(f"Node.js staged / Python in-process: {ratio:.2f}x (target >= 0.6)")
    print(
        "Node.js staged / a round trip per request: "
        f"{rates['Node.js, staged'] / rates['Node.js, a round trip per request']:.2f}x"
    )


if __name__ == "__main__":
    main()
