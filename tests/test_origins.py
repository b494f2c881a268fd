"""Origins: mapping, callable, S3-like folder and a real HTTP server on loopback."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.edge.origins import body_bytes


def req(uri: str, method: str = "GET", headers: dict | None = None) -> dict[str, Any]:
    return {
        "method": method,
        "uri": uri,
        "querystring": "",
        "headers": el.header_map(headers or {}),
    }


# -- folder (S3-like) -------------------------------------------------------------------
@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<h1>hi</h1>")
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff")
    return tmp_path


def test_folder_serves_like_s3(site: Path) -> None:
    resp = el.FolderOrigin(site)(req("/index.html"))
    h = el.Headers(resp["headers"])
    assert resp["status"] == "200" and body_bytes(resp) == b"<h1>hi</h1>"
    assert h["content-type"] == "text/html"
    assert h["etag"] == '"' + hashlib.md5(b"<h1>hi</h1>").hexdigest() + '"'
    assert h["last-modified"].endswith("GMT")


def test_folder_binary_is_base64(site: Path) -> None:
    resp = el.FolderOrigin(site)(req("/img/a.png"))
    assert resp["bodyEncoding"] == "base64"
    assert body_bytes(resp) == b"\x89PNG\r\n\x1a\n\xff"
    assert resp["headers"]["content-type"][0]["value"] == "image/png"


@pytest.mark.parametrize(
    ("missing", "status", "code"), [(403, "403", "AccessDenied"), (404, "404", "NoSuchKey")]
)
def test_folder_missing_key(site: Path, missing: int, status: str, code: str) -> None:
    resp = el.FolderOrigin(site, missing=missing)(req("/nope.html"))
    assert resp["status"] == status and f"<Code>{code}</Code>" in resp["body"]


@pytest.mark.parametrize(
    ("uri", "status", "code"),
    [
        pytest.param("/a%00b.html", 400, "InvalidURI", id="NUL in the key"),
        pytest.param("/%ff%fe.html", 400, "InvalidURI", id="not UTF-8 once decoded"),
        pytest.param("/" + "k" * 1025, 400, "KeyTooLongError", id="key over 1,024 bytes"),
        pytest.param("/" + "é" * 513, 400, "KeyTooLongError", id="key over 1,024 UTF-8 bytes"),
        pytest.param(
            "/" + "s" * 300 + "/x.html",
            403,
            "AccessDenied",
            id="300-character segment: just a missing key",
        ),
        pytest.param("/loop/x.html", 403, "AccessDenied", id="symlink loop"),
    ],
)
def test_folder_answers_odd_keys_as_s3_would_and_shows_no_local_path(
    site: Path, uri: str, status: int, code: str
) -> None:
    import json

    (site / "loop").symlink_to(site / "loop")
    with el.Distribution(
        {"viewer-request": lambda e, c: e["Records"][0]["cf"]["request"]},
        origin=el.FolderOrigin(site),
    ) as dist:
        trace = dist.request(uri)
    assert trace.status == status and f"<Code>{code}</Code>" in trace.body.decode()
    assert trace.origin.error is None and trace.stages[0].outcome == "request"
    stored = json.dumps(trace.to_dict())
    assert str(site) not in stored and "Lambda" not in trace.body.decode()


@pytest.mark.parametrize(
    "uri",
    ["/", "/img/", "/../secret", "/img"],
    ids=["no index for /", "no index for a folder", "no traversal", "a folder is no key"],
)
def test_folder_no_directory_index_and_no_escape(site: Path, uri: str) -> None:
    assert el.FolderOrigin(site)(req(uri))["status"] == "403"


def test_folder_conditional_get(site: Path) -> None:
    origin = el.FolderOrigin(site)
    etag = origin(req("/index.html"))["headers"]["etag"][0]["value"]
    assert origin(req("/index.html", headers={"If-None-Match": etag}))["status"] == "304"


def test_folder_missing_folder_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(el.ConfigError) as info:
        el.FolderOrigin(tmp_path / "nope")
    assert info.value.key == "origin.path"


def test_mapping_and_callable_origins() -> None:
    m = el.MappingOrigin(
        {"/a": "x", "/b": (201, "y"), "/c": {"status": 302, "headers": {"Location": "/a"}}}
    )
    assert body_bytes(m(req("/a"))) == b"x"
    assert m(req("/b"))["status"] == "201"
    assert m(req("/c"))["headers"]["location"][0]["value"] == "/a"
    assert m(req("/z"))["status"] == "404"
    c = el.CallableOrigin(lambda r: f"you asked {r['uri']}")
    assert body_bytes(c(req("/q"))) == b"you asked /q"


# -- HTTP origin ------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    name = "one"

    def do_GET(self) -> None:
        if self.path.startswith("/slow"):
            time.sleep(1.5)
        body = f"{self.server.name} {self.path} host={self.headers['Host']}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Cache-Control", "max-age=60")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[list[ThreadingHTTPServer]]:
    out = []
    for name in ("one", "two"):
        srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        srv.name = name  # type: ignore[attr-defined]
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        out.append(srv)
    yield out
    for srv in out:
        srv.shutdown()
        srv.server_close()


def test_http_origin_through_the_chain(servers: list) -> None:
    port = servers[0].server_address[1]
    origin = el.HttpOrigin(f"http://127.0.0.1:{port}")
    with el.Distribution({}, origin=origin) as dist:
        first, second = dist.request("/hello?x=1"), dist.request("/hello?x=1")
    assert first.status == 200 and first.body == b"one /hello host=localhost"
    assert (first.cache, second.cache) == ("Miss", "Hit")


def test_handler_switching_origin_really_reaches_the_other(servers: list) -> None:
    """§1.6: a function may point the request at another origin; it is really reached."""
    one, two = (s.server_address[1] for s in servers)

    def switch(event: dict, context: Any) -> dict:
        request = event["Records"][0]["cf"]["request"]
        request["origin"] = el.custom_origin("localhost", port=two, protocol="http")
        request["headers"]["host"] = [{"key": "Host", "value": "other.example"}]
        return request

    with el.Distribution(
        {"origin-request": switch}, origin=el.HttpOrigin(f"http://127.0.0.1:{one}")
    ) as dist:
        trace = dist.request("/x")
    assert trace.stages[0].violations == []
    assert trace.body == b"two /x host=other.example"


def test_switch_from_folder_origin_to_http(servers: list, site: Path) -> None:
    two = servers[1].server_address[1]

    def switch(event: dict, context: Any) -> dict:
        request = event["Records"][0]["cf"]["request"]
        request["origin"] = el.custom_origin("localhost", port=two, protocol="http")
        return request

    with el.Distribution({"origin-request": switch}, origin=el.FolderOrigin(site)) as dist:
        assert dist.request("/y").body.startswith(b"two /y")


def test_refused_connection_is_502_in_the_trace() -> None:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port = srv.server_address[1]
    srv.server_close()  # nothing listens there now
    with el.Distribution({}, origin=el.HttpOrigin(f"http://127.0.0.1:{port}")) as dist:
        trace = dist.request("/a")
    assert trace.status == 502 and trace.cache == "Error"
    assert trace.headers["x-cache"] == "Error from cloudfront"
    assert "cannot be reached" in trace.origin.error
    assert "Lambda" not in trace.body.decode()  # an origin failure blames no function


def test_timeout_is_504_in_the_trace(servers: list) -> None:
    port = servers[0].server_address[1]
    with el.Distribution(
        {}, origin=el.HttpOrigin(f"http://127.0.0.1:{port}", read_timeout=0.2)
    ) as dist:
        trace = dist.request("/slow")
    assert trace.status == 504 and trace.cache == "Error"


def test_non_loopback_origin_is_refused_without_connecting() -> None:
    """A name a function switches to must resolve to this machine (else a 502)."""
    from edgelab.edge.origins import OriginError, _loopback_target

    assert _loopback_target("localhost", {}) == ("127.0.0.1", None)
    assert _loopback_target("api.example", {"api.example": "127.0.0.1:81"}) == ("127.0.0.1", 81)
    with pytest.raises(OriginError, match="not a loopback address") as info:
        _loopback_target("203.0.113.5", {})
    assert info.value.status == 502


@pytest.mark.parametrize(
    ("url", "kwargs", "key"),
    [
        pytest.param("http://10.1.2.3:8000", {}, "origin.resolve", id="non-loopback url"),
        pytest.param("http://api.example.com", {}, "origin.resolve", id="unmapped name"),
        pytest.param(
            "http://127.0.0.1:9",
            {"resolve": {"example.com": "10.1.2.3"}},
            "origin.resolve",
            id="resolve to a non-loopback address",
        ),
        pytest.param(
            "http://127.0.0.1:9",
            {"resolve": {"example.com": "127.0.0.1:notaport"}},
            "origin.resolve",
            id="resolve with a bad port",
        ),
        pytest.param(
            "http://127.0.0.1:9",
            {"resolve": {"example.com": "127.0.0.1:70000"}},
            "origin.resolve",
            id="resolve port out of range",
        ),
        pytest.param(
            "http://127.0.0.1:9",
            {"read_timeout": -5},
            "origin.read_timeout",
            id="negative read_timeout",
        ),
        pytest.param(
            "http://127.0.0.1:9", {"read_timeout": 0}, "origin.read_timeout", id="zero read_timeout"
        ),
        pytest.param(
            "http://127.0.0.1:9",
            {"read_timeout": 121},
            "origin.read_timeout",
            id="read_timeout over CloudFront's 120 s",
        ),
    ],
)
def test_unusable_http_origin_is_refused_at_load(url: str, kwargs: dict, key: str) -> None:
    with pytest.raises(el.ConfigError) as info:
        el.HttpOrigin(url, **kwargs)
    assert info.value.key == key


def test_a_name_mapped_in_resolve_is_a_usable_origin_url(servers: list) -> None:
    port = servers[0].server_address[1]
    origin = el.HttpOrigin(
        "http://api.example.com", resolve={"API.example.com": f"127.0.0.1:{port}"}
    )
    with el.Distribution({}, origin=origin) as dist:
        trace = dist.request("/mapped")
    assert trace.status == 200 and trace.body == b"one /mapped host=api.example.com"


@pytest.mark.parametrize("url", ["ftp://x", "127.0.0.1:80", "http://"])
def test_malformed_url_is_config_error(url: str) -> None:
    with pytest.raises(el.ConfigError) as info:
        el.HttpOrigin(url)
    assert info.value.key == "origin.url"


def test_a_folder_origin_in_a_steady_files_block_looks_a_key_up_once(site: Path) -> None:
    """A replay's piece of rows runs in a steady_files block: a key is resolved and
    stat'ed once per block, so a file changed meanwhile is served as it was until the
    next block; outside any block, every request looks at the file."""
    from edgelab.runtimes.base import steady_files

    origin = el.FolderOrigin(site)
    page = site / "index.html"
    with steady_files():
        assert body_bytes(origin(req("/index.html"))) == b"<h1>hi</h1>"
        page.write_text("<h1>changed</h1>")
        os.utime(page, ns=(1, 1))
        assert body_bytes(origin(req("/index.html"))) == b"<h1>hi</h1>"
        (site / "new.html").write_text("new")  # a key first asked for in the block
        assert body_bytes(origin(req("/new.html"))) == b"new"
    with steady_files():
        assert body_bytes(origin(req("/index.html"))) == b"<h1>changed</h1>"
        page.unlink()
        assert origin(req("/index.html"))["status"] == "200"
    assert origin(req("/index.html"))["status"] == "403"  # outside: looked at each time
    (site / "new.html").write_text("newer")
    os.utime(site / "new.html", ns=(1, 1))
    assert body_bytes(origin(req("/new.html"))) == b"newer"


def test_a_folder_origin_keeps_only_small_files_bytes_within_its_budget(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edgelab.edge import origins

    monkeypatch.setattr(origins, "KEPT_FILE_BYTES", 8)
    monkeypatch.setattr(origins, "KEPT_BYTES", 12)
    for name, text in (("a.txt", "aaaaaaa"), ("b.txt", "bbbbbbb"), ("big.txt", "x" * 20)):
        (site / name).write_text(text)
    origin = el.FolderOrigin(site)
    for _ in range(2):
        for name, text in (("a.txt", "aaaaaaa"), ("b.txt", "bbbbbbb"), ("big.txt", "x" * 20)):
            assert body_bytes(origin(req(f"/{name}"))) == text.encode()
    kept = {stamp[0].rsplit("/", 1)[-1]: data for stamp, data in origin._bodies.items()}
    assert kept == {"a.txt": b"aaaaaaa"}  # b.txt would pass the budget, big.txt is too big
    (site / "a.txt").write_text("A new a")  # another version: read and kept again
    os.utime(site / "a.txt", ns=(1, 1))
    assert body_bytes(origin(req("/a.txt"))) == b"A new a"
