"""edgelab serve: the distribution behind a real local HTTP server (uvicorn in a thread)."""

from __future__ import annotations

import contextlib
import json
import os
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
from edgelab.edge.trace import read_trace_file
from tests.helpers import free_port

HANDLER = (
    "def handler(event, context):\n"
    "    r = event['Records'][0]['cf']['response']\n"
    "    r['headers']['x-version'] = [{{'key': 'X-Version', 'value': '{v}'}}]\n"
    "    return r\n"
)


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
        with app, _serve(app) as url:
            yield url, cfg, app
    finally:
        dist.close()


@contextlib.contextmanager
def _serve(app: EdgeApp) -> Iterator[str]:
    """uvicorn in a background thread on a free loopback port."""
    port = free_port()
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


# -- issue 9: serve is safe on a shared machine --------------------------------------------
def _asgi(
    app: EdgeApp,
    path: str = "/",
    *,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    chunks: list[bytes] | None = None,
    client: tuple[str, int] = ("127.0.0.1", 50000),
) -> tuple[int, bytes, int]:
    """Call the ASGI app directly: (status, body, how many body chunks it read)."""
    import asyncio

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers or [],
        "client": client,
        "scheme": "http",
        "http_version": "1.1",
    }
    body_chunks = list(chunks or [b""])
    read = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal read
        read += 1
        chunk = body_chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(body_chunks)}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body, read


def _mapping_dist(**responses: object) -> el.Distribution:
    return el.Distribution({}, origin=el.MappingOrigin(responses or {"/": "ok"}))


@pytest.mark.parametrize(
    ("client", "share", "status"),
    [
        pytest.param(("127.0.0.1", 1), False, 200, id="loopback IPv4"),
        pytest.param(("::1", 1), False, 200, id="loopback IPv6"),
        pytest.param(("::ffff:127.0.0.1", 1), False, 200, id="IPv4-mapped loopback"),
        pytest.param(("192.0.2.7", 1), False, 403, id="another host"),
        pytest.param(("192.0.2.7", 1), True, 200, id="another host with --share-traces"),
    ],
)
def test_traces_endpoint_answers_loopback_clients_only(
    client: tuple[str, int], share: bool, status: int
) -> None:
    with _mapping_dist() as dist:
        app = EdgeApp(dist, share_traces=share)
        assert _asgi(app, "/")[0] == 200
        got, body, _ = _asgi(app, "/_edgelab/traces", client=client)
    assert got == status
    if status == 200:
        assert json.loads(body)[0]["uri"] == "/"
    else:
        assert b"--share-traces" in body and b"uri" not in body


SECRETS = {
    "authorization": "Bearer abc.def.secret-token",
    "cookie": "session=s3cr3t-cookie",
    "x-api-key": "key-1234567890",
}


@pytest.mark.parametrize("keep", [False, True], ids=["redacted by default", "--keep-credentials"])
def test_stored_traces_redact_credential_headers(tmp_path: Path, keep: bool) -> None:
    dist = el.Distribution(
        {},
        origin=el.MappingOrigin(
            {
                "/": {
                    "status": 200,
                    "body": "hi",
                    "headers": {"Set-Cookie": "id=origin-set-cookie-value"},
                }
            }
        ),
        cache_policy=el.CachePolicy(headers=["Authorization"], cookies=["session"]),
        origin_request_policy=el.OriginRequestPolicy(headers="all", cookies="all"),
    )
    trace_file = tmp_path / "t.jsonl"
    headers = [(k.encode(), v.encode()) for k, v in SECRETS.items()]
    with dist, EdgeApp(dist, trace_file=trace_file, keep_credentials=keep) as app:
        assert _asgi(app, "/", headers=headers)[0] == 200
    text = trace_file.read_text()
    for secret in [*SECRETS.values(), "origin-set-cookie-value", "s3cr3t-cookie"]:
        assert (secret in text) is keep, secret
    frame = el.load_traces(trace_file)  # still a readable trace file
    assert list(frame["status"]) == [200]
    if not keep:
        assert "[redacted]" in text and "credential header values redacted" in text
        assert "Authorization" in text  # names stay, only values go


def test_request_body_over_the_limit_is_413_without_reading_it_all() -> None:
    with _mapping_dist() as dist:
        app = EdgeApp(dist, max_body=2_500_000)
        declared = [(b"content-length", b"200000000")]
        status, body, read = _asgi(
            app, "/", method="POST", headers=declared, chunks=[b"x" * 1_000_000] * 5
        )
        assert (status, read) == (413, 0)  # refused from the Content-Length alone
        assert b"over the limit of 2,500,000 bytes" in body and b"--max-body" in body
        status, body, read = _asgi(app, "/", method="POST", chunks=[b"x" * 1_000_000] * 200)
        assert (status, read) == (413, 3)  # chunked: stops at the chunk that crosses it
        status, _, _ = _asgi(app, "/", method="POST", chunks=[b"x" * 1_000_000] * 2)
        assert status == 200
        assert [r["method"] for r in app.rows] == ["POST"]  # a 413 runs no function


def test_trace_file_is_rotated_and_bodies_are_cut(tmp_path: Path) -> None:
    trace_file = tmp_path / "t.jsonl"
    with (
        _mapping_dist(**{"/": "b" * 5000}) as dist,
        EdgeApp(
            dist,
            trace_file=trace_file,
            trace_max_bytes=15_000,
            trace_backups=2,
            trace_body_chars=1000,
        ) as app,
    ):
        for _ in range(12):
            assert _asgi(app, "/", method="POST", chunks=[b"v" * 3000])[0] == 200
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["t.jsonl", "t.jsonl.1", "t.jsonl.2"]
    for name in files:
        assert (tmp_path / name).stat().st_size <= 15_000
    trace = read_trace_file(trace_file)[-1]
    assert len(trace.body) == 1000 and trace.viewer.body == b"v" * 750  # base64: 1000 chars
    assert any("bodies and logs cut to their first 1,000 characters" in n for n in trace.notes)


def test_a_response_serve_cannot_send_is_a_502_and_the_trace_says_so(tmp_path: Path) -> None:
    """An origin header value outside Latin-1 cannot go on the wire: the viewer gets a
    502, never a crash or an empty reply, and the stored trace is that 502."""
    dist = el.Distribution(
        {}, origin=lambda r: {"status": 200, "body": "x", "headers": {"X-Price": "5 €"}}
    )
    trace_file = tmp_path / "t.jsonl"
    with (
        dist,
        EdgeApp(dist, trace_file=trace_file) as app,
        _serve(app) as url,
        httpx.Client(trust_env=False) as client,
    ):
        resp = client.get(url + "/")
        rows = client.get(url + "/_edgelab/traces").json()
    assert resp.status_code == 502 and "X-Price" in resp.text
    assert rows[-1]["status"] == 502
    stored = read_trace_file(trace_file)[-1]
    assert stored.status == 502 and "could not send the response" in stored.notes[-1]


def test_a_lone_surrogate_in_a_returned_body_is_a_502_under_serve(tmp_path: Path) -> None:
    h = tmp_path / "sur.py"
    h.write_text("def handler(e, c):\n    return {'status': '200', 'body': 'a\\ud800b'}\n")
    with (
        el.Distribution({"viewer-request": str(h)}, origin=el.MappingOrigin({})) as dist,
        EdgeApp(dist) as app,
        _serve(app) as url,
        httpx.Client(trust_env=False) as client,
    ):
        resp = client.get(url + "/")
    assert resp.status_code == 502 and "LambdaValidationError" in resp.headers["x-cache"]
    assert "lone surrogate" in resp.text


def test_serve_warns_when_listening_beyond_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "site").mkdir()
    cfg = tmp_path / "d.toml"
    cfg.write_text('[origin]\ntype = "folder"\npath = "site/"\n')
    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    assert main(["serve", "--config", str(cfg), "--host", "0.0.0.0", "--port", "0"]) == 0
    assert "warning: listening on 0.0.0.0, not a loopback address" in capsys.readouterr().err
    assert main(["serve", "--config", str(cfg), "--port", "0"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert [c["host"] for c in calls] == ["0.0.0.0", "127.0.0.1"]


def test_serve_refuses_a_handler_that_exits_at_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "exits.py").write_text("import os\nos._exit(3)\n")
    cfg = tmp_path / "d.toml"
    cfg.write_text(
        '[triggers]\nviewer-request = "exits.py"\n[origin]\ntype = "folder"\npath = "site/"\n'
    )
    assert main(["serve", "--config", str(cfg)]) == 2
    assert "exited while importing (code 3)" in capsys.readouterr().err


def test_traces_reads_the_rotated_files_oldest_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """serve rotates its trace file (traces.jsonl.1 is the newest old one): edgelab traces
    and el.load_traces read them all, oldest first, unless told to read the current one."""
    trace_file = tmp_path / "t.jsonl"
    with _mapping_dist(**{"/a": "a", "/b": "b", "/c": "c", "/d": "d"}) as dist:
        for name, uri in (("t.jsonl.2", "/a"), ("t.jsonl.1", "/b"), ("t.jsonl", "/c")):
            line = json.dumps(dist.request(uri).to_dict())
            (tmp_path / name).write_text(line + "\n")
        (tmp_path / "t.jsonl.4").write_text(json.dumps(dist.request("/d").to_dict()) + "\n")
    # .4 is not next in line after .2 (no .3): not one of serve's backups
    assert [t.viewer.uri for t in read_trace_file(trace_file)] == ["/a", "/b", "/c"]
    assert [t.viewer.uri for t in read_trace_file(trace_file, rotated=False)] == ["/c"]
    assert el.load_traces(trace_file)["uri"].tolist() == ["/a", "/b", "/c"]
    assert main(["traces", "--file", str(trace_file), "--last", "2"]) == 0
    out = capsys.readouterr().out
    assert "/a" not in out and out.index("/b") < out.index("/c")
    assert "2 trace(s) in" in out and "and 2 rotated files" in out
    assert main(["traces", "--file", str(trace_file), "--current-only", "--json"]) == 0
    assert [r["uri"] for r in json.loads(capsys.readouterr().out)] == ["/c"]
