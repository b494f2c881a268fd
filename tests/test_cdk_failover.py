"""Issue 11's "done when", end to end: the CDK-synthesised fixture
(``tests/fixtures/definitions/cdk/cdk.out``: four behaviours, an origin group, custom
error responses, Lambda@Edge functions in Node.js and Python on two behaviours) runs
unmodified with ``edgelab request`` and ``edgelab serve``, including the origin group's
failover (facts §2) and the custom error page (facts §6)."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

import edgelab as el
from edgelab import analysis
from edgelab.cli import main
from edgelab.edge.server import EdgeApp
from tests.definitions_helpers import CDK_OUT
from tests.test_serve import _serve

PRIMARY = "SiteStackDistOrigin2ApiPrimary6E7F"
BACKUP = "SiteStackDistOrigin3ApiBackup8A9B"
SITE = "SiteStackDistOrigin1A2B3C4D5"


class _Down(http.server.BaseHTTPRequestHandler):
    """An API that is down: 503 for everything (a failover status of the group)."""

    def do_GET(self) -> None:
        body = b"primary down"
        self.send_response(503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_OPTIONS = do_GET

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def down() -> Iterator[str]:
    """A local server answering 503, on a free loopback port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Down)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def cdk(tmp_path: Path) -> Path:
    return Path(shutil.copytree(CDK_OUT, tmp_path / "cdk.out"))


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    root = tmp_path / "backup"
    (root / "v1").mkdir(parents=True)
    (root / "v1" / "users").write_text('{"users": ["from the backup"]}')
    return root


def request(capfd: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    assert main(["request", *args, "--json"]) == 0
    return json.loads(capfd.readouterr().out)


def test_request_fails_over_to_the_backup_api(
    cdk: Path, down: str, backup: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """facts §2: the primary API answers 503 (in the group's criteria), the backup
    answers; the Python origin request of /api/* runs for each; origin_id is the backup."""
    maps = ["--origin", f"{PRIMARY}={down}", "--origin", f"{BACKUP}={backup}"]
    (trace,) = request(capfd, "/api/users", "--config", str(cdk), *maps)
    assert (trace["status"], trace["behavior"], trace["origin_id"]) == (200, "/api/*", BACKUP)
    assert trace["failover"] is True and trace["origin_kind"] == "folder"
    assert [(a["origin_id"], a["status"], a["failover"]) for a in trace["attempts"]] == [
        (PRIMARY, 503, "503"),
        (BACKUP, 200, None),
    ]
    assert [s["trigger"] for s in trace["stages"]] == ["origin-request", "origin-request"]
    assert trace["response"]["body"] == '{"users": ["from the backup"]}'
    (post,) = request(capfd, "/api/users", "--config", str(cdk), *maps, "--method", "POST")
    assert (post["status"], post["origin_id"], post["failover"]) == (503, PRIMARY, False)


def test_request_fails_over_when_the_primary_is_unreachable(
    cdk: Path, backup: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback
    maps = ["--origin", f"{PRIMARY}={closed}", "--origin", f"{BACKUP}={backup}"]
    (trace,) = request(capfd, "/api/users", "--config", str(cdk), *maps)
    assert (trace["status"], trace["origin_id"]) == (200, BACKUP)
    assert trace["attempts"][0]["failover"] == "unreachable"


@pytest.mark.node
def test_request_serves_the_custom_error_page(cdk: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """facts §6: S3 answers 403 for a missing object; the custom error response sends
    /404.html (fetched through the default behaviour) with 404; the Node.js viewer
    request ran once, for the viewer's uri."""
    first, second = request(capfd, "/nope.html", "--config", str(cdk), "--repeat", "2")
    assert (first["status"], first["origin_id"]) == (404, SITE)
    assert first["origin"]["response"]["status"] == "403"
    page = first["error_page"]
    assert (page["original_status"], page["page"], page["status"]) == (403, "/404.html", 404)
    assert (page["behavior"], page["cache"]) == ("*", "Miss")
    assert [s["trigger"] for s in first["stages"]] == ["viewer-request", "origin-response"]
    assert "Not found" in first["response"]["body"]
    # the page's behaviour's response headers policy (DISTRIBUTION_DECISIONS)
    assert first["response"]["headers"]["x-frame-options"][0]["value"] == "DENY"
    assert second["error_page"]["cache"] == "Hit"  # the page is cached under its own path
    assert second["cache"] == "Miss"  # S3's 403 without max-age is not cached (§6.2)


@pytest.mark.node
def test_serve_runs_failover_and_the_error_page(
    cdk: Path,
    down: str,
    backup: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    apps: list[EdgeApp] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: apps.append(app))
    maps = {"origins": {PRIMARY: down, BACKUP: str(backup)}}
    argv = ["serve", "--config", str(cdk), "--port", "0"]
    assert main([*argv, "--origin", f"{PRIMARY}={down}", "--origin", f"{BACKUP}={backup}"]) == 0
    (app,) = apps
    app.dist = el.load_distribution(cdk, default_isolated=True, **maps)  # serve closed its own
    try:
        with _serve(app) as url, httpx.Client(trust_env=False) as client:
            api = client.get(url + "/api/users")
            missing = client.get(url + "/nope.html")
        assert api.status_code == 200 and api.json() == {"users": ["from the backup"]}
        assert missing.status_code == 404 and "Not found" in missing.text
        rows = {r["uri"]: r for r in app.rows}
        assert rows["/api/users"]["failover"] is True
        assert rows["/api/users"]["origin_id"] == BACKUP
        assert rows["/nope.html"]["error_page"] == "/404.html"
        assert rows["/nope.html"]["original_status"] == 403
    finally:
        app.dist.close()


@pytest.mark.node
def test_replay_counts_failovers_and_error_pages(
    cdk: Path, down: str, backup: Path, tmp_path: Path
) -> None:
    start = pd.Timestamp("2025-11-03T10:00:00Z")
    uris = ["/api/users", "/api/users", "/nope.html", "/"]
    traffic = pd.DataFrame(
        {
            "time": [start + pd.Timedelta(seconds=i) for i in range(len(uris))],
            "method": ["GET"] * len(uris),
            "uri": uris,
        }
    )
    results = el.replay(
        cdk,
        traffic,
        progress=False,
        mapping={"origins": {PRIMARY: down, BACKUP: str(backup)}},
    )
    assert list(results["failover"]) == [True, True, False, False]  # /api/* caches nothing
    assert [None if pd.isna(v) else v for v in results["error_page"]] == [
        None,
        None,
        "/404.html",
        None,
    ]
    table = analysis.cache_by_behavior(results).set_index("behavior")
    assert table.loc["/api/*", "failovers"] == 2 and table.loc["*", "error_pages"] == 1
    (row,) = analysis.failovers(results).to_dict("records")
    assert row == {"behavior": "/api/*", "reason": "503", "origin_id": BACKUP, "requests": 2}


@pytest.mark.node
def test_request_text_shows_each_try_and_the_error_page(
    cdk: Path, backup: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    maps = ["--origin", f"{PRIMARY}=http://127.0.0.1:9", "--origin", f"{BACKUP}={backup}"]
    assert main(["request", "/api/users", "--config", str(cdk), *maps]) == 0
    out = capfd.readouterr().out
    assert "origin try       failed" in out and "-> failover (unreachable)" in out
    assert "origin try       200" in out and BACKUP in out
    assert main(["request", "/nope.html", "--config", str(cdk)]) == 0
    out = capfd.readouterr().out
    assert "error page       403 -> /404.html (behaviour *, Miss), sent as 404" in out
