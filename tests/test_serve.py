"""edgelab serve: the distribution behind a real local HTTP server (uvicorn in a thread)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

import edgelab as el
from edgelab.cli import main
from edgelab.edge.server import EdgeApp

HANDLER = (
    "def handler(event, context):\n"
    "    r = event['Records'][0]['cf']['response']\n"
    "    r['headers']['x-version'] = [{{'key': 'X-Version', 'value': '{v}'}}]\n"
    "    return r\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, EdgeApp]]:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>hi</h1>")
    (tmp_path / "vres.py").write_text(HANDLER.format(v="1"))
    cfg = tmp_path / "distribution.toml"
    cfg.write_text(
        '[triggers]\nviewer-response = "vres.py"\n[origin]\ntype = "folder"\npath = "site/"\n'
    )
    dist = el.load_distribution(cfg)
    trace_file = tmp_path / ".edgelab" / "traces.jsonl"
    app = EdgeApp(dist, trace_file=trace_file)
    try:
        with _serve(app) as url:
            yield url, cfg, app
    finally:
        dist.close()


@contextlib.contextmanager
def _serve(app: EdgeApp) -> Iterator[str]:
    """uvicorn in a background thread on a free loopback port."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


def test_serve_miss_then_hit_and_traces(
    served: tuple[str, Path, EdgeApp], capfd: pytest.CaptureFixture[str]
) -> None:
    url, cfg, _ = served
    with httpx.Client(trust_env=False) as client:
        first = client.get(url + "/index.html")
        second = client.get(url + "/index.html")
        missing = client.get(url + "/nope")
        rows = client.get(url + "/_edgelab/traces").json()
    assert first.status_code == 200 and first.text == "<h1>hi</h1>"
    assert first.headers["x-cache"] == "Miss from cloudfront"
    assert second.headers["x-cache"] == "Hit from cloudfront"
    assert second.headers["x-version"] == "1" and "age" in second.headers
    assert missing.status_code == 403 and "AccessDenied" in missing.text
    assert [r["cache"] for r in rows] == ["Miss", "Hit", "Miss"]
    frame = el.load_traces(cfg.parent / ".edgelab" / "traces.jsonl")
    assert list(frame["status"]) == [200, 200, 403]
    capfd.readouterr()
    assert main(["traces", "--config", str(cfg), "--json"]) == 0
    printed = json.loads(capfd.readouterr().out)
    assert [r["cache"] for r in printed] == ["Miss", "Hit", "Miss"]


def test_serve_reloads_a_changed_handler(served: tuple[str, Path, EdgeApp]) -> None:
    url, cfg, _ = served
    handler = cfg.parent / "vres.py"
    with httpx.Client(trust_env=False) as client:
        assert client.get(url + "/index.html").headers["x-version"] == "1"
        handler.write_text(HANDLER.format(v="2") + "\n")
        st = handler.stat()
        os.utime(handler, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        assert client.get(url + "/index.html").headers["x-version"] == "2"


def test_serve_post_body_reaches_origin() -> None:
    got: list[bytes] = []
    dist = el.Distribution({}, origin=lambda r: got.append(el.edge.origins.body_bytes(r)) or "ok")
    with _serve(EdgeApp(dist)) as url, httpx.Client(trust_env=False) as client:
        resp = client.post(url + "/form", content=b"a=1")
    assert resp.status_code == 200 and resp.text == "ok" and got == [b"a=1"]


def test_traces_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["traces", "--file", str(tmp_path / "none.jsonl")]) == 2
    assert "does not exist" in capsys.readouterr().err
