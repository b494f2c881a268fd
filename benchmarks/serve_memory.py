"""Memory of ``edgelab serve`` under large request bodies, and the size of its trace file.

Starts ``python -m edgelab serve`` on a free loopback port (a folder origin, one
pass-through viewer-request handler), sends two large POSTs, one with a
``Content-Length`` and one chunked (no length), and reports the server's resident set
size (``VmRSS``) before and after, its peak (``VmHWM``), the statuses and the trace
file's size, all measured in one run.

    uv run python benchmarks/serve_memory.py [--mb 200] [--code DIR] [--max-body BYTES]

``--code DIR`` runs the ``edgelab`` package found in DIR instead (for example an older
checkout) so two versions can be compared with the same client.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

CHUNK = b"x" * (1 << 20)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0]) // 1024  # MB
    return out


def _body(mb: int) -> Iterator[bytes]:
    for _ in range(mb):
        yield CHUNK


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=200, help="size of each POST body in MB")
    ap.add_argument("--code", default=None, help="folder holding the edgelab package to run")
    ap.add_argument("--max-body", default=None, help="passed to edgelab serve --max-body")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "site").mkdir()
        (d / "vr.py").write_text(
            "def handler(e, c):\n    return e['Records'][0]['cf']['request']\n"
        )
        cfg = d / "distribution.toml"
        cfg.write_text(
            '[triggers]\nviewer-request = "vr.py"\n[origin]\ntype = "folder"\npath = "site/"\n'
        )
        port = _free_port()
        env = dict(os.environ)
        if args.code:
            env["PYTHONPATH"] = args.code
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "edgelab",
                "serve",
                "--config",
                str(cfg),
                "--port",
                str(port),
                *(["--max-body", args.max_body] if args.max_body else []),
            ],
            env=env,
            cwd=d,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            with httpx.Client(trust_env=False, timeout=300) as client:
                while True:
                    try:
                        client.get(url + "/_edgelab/traces")
                        break
                    except httpx.TransportError:
                        if time.monotonic() > deadline:
                            raise SystemExit("edgelab serve did not start") from None
                        time.sleep(0.2)
                before = _status(proc.pid)
                statuses = []
                size = args.mb * len(CHUNK)
                for with_length in (True, False):
                    headers = {"content-length": str(size)} if with_length else {}
                    try:
                        r = client.post(url + "/upload", content=_body(args.mb), headers=headers)
                        statuses.append(r.status_code)
                    except httpx.TransportError as exc:  # server closed mid-upload
                        statuses.append(f"closed ({type(exc).__name__})")
                after = _status(proc.pid)
        finally:
            proc.terminate()
            proc.wait(30)
        traces = d / ".edgelab" / "traces.jsonl"
        trace_mb = traces.stat().st_size / 1e6 if traces.exists() else 0.0
    print(f"two {args.mb} MB POSTs (Content-Length, then chunked): statuses {statuses}")
    print(
        f"server RSS before {before['VmRSS']} MB, after {after['VmRSS']} MB, "
        f"peak {after['VmHWM']} MB; trace file {trace_mb:.1f} MB"
    )


if __name__ == "__main__":
    main()
