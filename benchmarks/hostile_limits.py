"""Limits that must hold against hostile handlers, measured in one run.

* Logs: one call that writes 20 MB and one that writes 40 MB of logs (Node and isolated
  Python): how long the call takes end to end, its outcome, and how much of the logs
  came back (edgelab keeps the first 1 MB, ``$EDGELAB_MAX_LOGS``), then the same with
  the cap raised to 64 MB, which times moving all of it from the worker (linear).
* Time limits: a 5 s limit against a handler that never gives control back (Node: a
  synchronous endless loop; isolated Python: C code holding the GIL, deaf to signals;
  in-process Python: a Python endless loop). Prints when the 503 came.

    uv run python benchmarks/hostile_limits.py

Uses only the public API, so the same script measures an older edgelab for comparison.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import edgelab as el

NODE_LOGS = """exports.handler = async (event) => {
  const line = 'x'.repeat(1023);
  for (let i = 0; i < MB * 1024; i++) console.log(line);
  return event.Records[0].cf.request;
};
"""
PY_LOGS = """LINE = 'x' * 1023
def handler(event, context):
    for _ in range(MB * 1024):
        print(LINE)
    return event['Records'][0]['cf']['request']
"""
GIL = """import ctypes, signal
def handler(event, context):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    ctypes.PyDLL(None).sleep(60)
"""
PY_LOOP = """def handler(event, context):
    while True:
        pass
"""
NODE_LOOP = "exports.handler = async () => { for (;;) {} };\n"


def timed(handler: object, event: dict) -> tuple[float, el.InvocationResult]:
    started = time.perf_counter()
    result = el.invoke(handler, event)
    return time.perf_counter() - started, result


def main() -> None:
    event = el.build_event("viewer-request")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(
            "logs: one call writing N MB of logs (end to end, warm container); 'all kept' "
            "raises the cap to 64 MB ($EDGELAB_MAX_LOGS) to time the transfer itself"
        )
        for label, suffix, source, isolated, cap in (
            ("node", "js", NODE_LOGS, False, ""),
            ("python isolated", "py", PY_LOGS, True, ""),
            ("node, all kept", "js", NODE_LOGS, False, "64MB"),
            ("python isolated, all kept", "py", PY_LOGS, True, "64MB"),
        ):
            os.environ["EDGELAB_MAX_LOGS"] = cap  # read by each new worker process
            for mb in (20, 40):
                path = root / f"logs{mb}.{suffix}"
                path.write_text(source.replace("MB", str(mb)))
                handler = el.load_handler(str(path), isolated=isolated)
                try:
                    took, res = timed(handler, event)
                finally:
                    handler.close()
                print(
                    f"  {label:26} {mb} MB: {took:6.2f} s, outcome {res.outcome} "
                    f"{res.status or ''}, logs kept {len(res.logs) / 2**20:.2f} MB"
                )
        os.environ.pop("EDGELAB_MAX_LOGS", None)
        print("time limits: a 5 s limit against a handler that never returns")
        for label, name, source, isolated in (
            ("node, endless loop", "loop.js", NODE_LOOP, False),
            ("python isolated, C code holding the GIL", "gil.py", GIL, True),
            ("python in-process, endless loop", "loop.py", PY_LOOP, False),
        ):
            path = root / name
            path.write_text(source)
            handler = el.load_handler(str(path), isolated=isolated)
            try:
                took, res = timed(handler, event)
            finally:
                handler.close()
            print(
                f"  {label:42} {res.status} after {took:.2f} s ({took - 5:+.2f} s past the limit)"
            )


if __name__ == "__main__":
    main()
