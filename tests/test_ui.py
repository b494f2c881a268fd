"""edgelab serve's request-journey UI (/_edgelab/): pages and their JSON twins, filters,
a request's journey, replay, error-page links, access rules and escaping.

The browser test (Chromium: live updates, filters, replay, the error-page link) is in
tests/test_browser.py; these run the ASGI app over HTTP (uvicorn in a thread) or call it
directly.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings

import edgelab as el
from edgelab.edge.server import EdgeApp, loopback_host
from edgelab.edge.trace import read_trace_file
from edgelab.edge.viewer import ViewerRequest
from edgelab.ui import pages
from edgelab.ui.journal import Filters, Journal, summary
from edgelab.ui.journey import journey
from tests.strategies import stored_traces
from tests.test_serve import _asgi, _serve

VREQ = """
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/old/"):
        return {"status": "301", "statusDescription": "Moved Permanently",
                "headers": {"location": [{"key": "Location", "value": "/new/"}]}}
    if request["uri"] == "/boom":
        raise RuntimeError("the handler broke on purpose")
    if request["uri"] == "/bad-header":
        request["headers"]["x-cache"] = [{"key": "X-Cache", "value": "mine"}]
    request["headers"]["x-experiment"] = [{"key": "X-Experiment", "value": "B"}]
    for evil in request["headers"].get("x-evil", []):
        print("x-evil said", evil["value"])
    print("viewer request for", request["uri"])
    return request
"""
ORES = """
def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["strict-transport-security"] = [
        {"key": "Strict-Transport-Security", "value": "max-age=63072000"}]
    response["headers"].pop("server", None)
    return response
"""
XSS = "<script>alert(1)</script>"
XSS_HEADER = '"><img src=x onerror=alert(2)><script>alert(3)</script>'


def make_dist(tmp_path: Path, **kw: object) -> el.Distribution:
    (tmp_path / "site").mkdir(exist_ok=True)
    (tmp_path / "site" / "index.html").write_text("<h1>hello</h1>")
    (tmp_path / "vreq.py").write_text(VREQ)
    (tmp_path / "ores.py").write_text(ORES)
    return el.Distribution(
        {"viewer-request": str(tmp_path / "vreq.py"), "origin-response": str(tmp_path / "ores.py")},
        origin=el.FolderOrigin(tmp_path / "site"),
        cache_policy=el.CachePolicy(default_ttl=3600),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def ui(tmp_path: Path) -> Iterator[tuple[str, httpx.Client, EdgeApp]]:
    """The test distribution served on a loopback port, a client, and the app."""
    dist = make_dist(tmp_path)
    app = EdgeApp(dist, trace_file=tmp_path / "traces.jsonl")
    with dist, app, _serve(app) as url, httpx.Client(base_url=url, trust_env=False) as client:
        yield url, client, app


def send_mix(client: httpx.Client) -> list[httpx.Response]:
    """A miss, a hit, a generated response and a function error, in that order."""
    return [client.get(p) for p in ("/index.html", "/index.html", "/old/page", "/boom")]


def test_the_list_twin_shows_requests_newest_first_with_what_ran(ui) -> None:
    _, client, _ = ui
    sent = send_mix(client)
    data = client.get("/_edgelab/.json").json()
    rows = data["requests"]
    assert [r["request_id"] for r in rows] == [r.headers["x-amz-cf-id"] for r in sent][::-1]
    assert [r["uri"] for r in rows] == ["/boom", "/old/page", "/index.html", "/index.html"]
    assert [r["status"] for r in rows] == [500, 301, 200, 200]
    assert [r["cache"] for r in rows] == ["Error", "LambdaGeneratedResponse", "Hit", "Miss"]
    assert [r["outcome"] for r in rows] == ["error", "generated", "served", "served"]
    assert [[f["trigger"] for f in r["functions"]] for r in rows] == [
        ["viewer-request"],
        ["viewer-request"],
        ["viewer-request"],
        ["viewer-request", "origin-response"],
    ]
    assert rows[0]["error"] == {
        "trigger": "viewer-request",
        "type": "LambdaExecutionError",
        "message": "RuntimeError: the handler broke on purpose",
    }
    assert all(r["error"] is None for r in rows[1:])
    assert all(r["method"] == "GET" and r["url"].endswith(r["request_id"]) for r in rows)
    assert datetime.fromisoformat(rows[0]["time"]).utcoffset().total_seconds() == 0
    assert (data["shown"], data["matching"], data["kept"]) == (4, 4, 4)


def test_the_list_page_links_every_request_and_carries_iso_times(ui) -> None:
    _, client, _ = ui
    sent = send_mix(client)
    page = client.get("/_edgelab/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for resp in sent:
        assert f'href="/_edgelab/requests/{resp.headers["x-amz-cf-id"]}"' in page.text
    assert len(re.findall(r'<time datetime="\d{4}-\d\d-\d\dT[^"]+\+00:00">', page.text)) == 4
    assert 'data-live="/_edgelab/.json"' in page.text
    assert "LambdaExecutionError: RuntimeError: the handler broke on purpose" in page.text
    assert client.get("/_edgelab", follow_redirects=False).headers["location"] == "/_edgelab/"


@pytest.mark.parametrize(
    ("query", "uris"),
    [
        pytest.param("status=5xx", ["/boom"], id="status class"),
        pytest.param("status=301", ["/old/page"], id="exact status"),
        pytest.param("status=2XX", ["/index.html", "/index.html"], id="status class any case"),
        pytest.param("outcome=generated", ["/old/page"], id="outcome"),
        pytest.param("outcome=error", ["/boom"], id="outcome error"),
        pytest.param("path=index", ["/index.html", "/index.html"], id="part of the path"),
        pytest.param("path=/old/&status=3xx", ["/old/page"], id="two filters"),
        pytest.param("path=nothing-like-it", [], id="none match"),
        pytest.param("limit=1", ["/boom"], id="limit"),
    ],
)
def test_the_list_filters_by_status_outcome_and_path(ui, query: str, uris: list[str]) -> None:
    _, client, _ = ui
    send_mix(client)
    data = client.get(f"/_edgelab/.json?{query}").json()
    assert [r["uri"] for r in data["requests"]] == uris
    html = client.get(f"/_edgelab/?{query}").text
    assert html.count('<tr data-id="') == len(uris)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("status=abc", "status must be an HTTP status such as 502 or a class such as 5xx"),
        ("status=700", "status must be"),
        ("outcome=fine", "outcome must be one of served, generated, error, origin-error"),
        ("limit=0", "limit must be a whole number from 1 to 200"),
        ("limit=many", "limit must be a whole number"),
        ("path=" + "a" * 1100, "path must be at most 1,024 characters"),
    ],
)
def test_a_bad_filter_is_400_naming_it(ui, query: str, named: str) -> None:
    _, client, _ = ui
    data = client.get(f"/_edgelab/.json?{query}")
    assert data.status_code == 400 and named in data.json()["error"]
    page = client.get(f"/_edgelab/?{query}")
    assert page.status_code == 400 and named in page.text


def _page(client: httpx.Client, response: httpx.Response) -> dict:
    rid = response.headers["x-amz-cf-id"]
    page = client.get(f"/_edgelab/requests/{rid}")
    assert page.status_code == 200
    data = client.get(f"/_edgelab/requests/{rid}.json").json()
    data["html"] = page.text
    return data


def test_a_miss_shows_its_journey_stage_by_stage(ui) -> None:
    _, client, _ = ui
    miss = _page(client, send_mix(client)[0])
    steps = miss["journey"]
    assert [(s["kind"], s.get("trigger")) for s in steps] == [
        ("viewer", None),
        ("function", "viewer-request"),
        ("cache", None),
        ("origin", None),
        ("function", "origin-response"),
        ("response", None),
    ]
    viewer, vreq, cache, origin, ores, final = steps
    assert viewer["uri"] == "/index.html" and viewer["method"] == "GET"
    assert vreq["did"] == "passed the request on" and vreq["outcome"] == "request"
    assert [c["line"] for c in vreq["changes"]] == ["+ x-experiment: B"]
    assert vreq["logs"]["text"].strip().endswith("viewer request for /index.html")
    assert '"uri": "/index.html"' in vreq["input"]["text"]
    assert cache["cache"] == "Miss" and cache["ttl"] == 3600
    assert cache["key"].startswith("d111111abcdef8.cloudfront.net/index.html | accept-encoding")
    assert origin["status"] == 200 and origin["uri"] == "/index.html" and not origin["error"]
    assert {c["line"] for c in ores["changes"]} == {
        "+ strict-transport-security: max-age=63072000",
        "- server: AmazonS3",
    }
    assert final["status"] == 200 and final["body"]["text"] == "<h1>hello</h1>"
    html = miss["html"]
    assert (
        html.index("Viewer request function")
        < html.index("Cache key")
        < html.index("Origin response function")
    )
    assert '<tr class="d-added">' in html and '<tr class="d-removed">' in html
    assert "3,600 s" in html and "d111111abcdef8.cloudfront.net/index.html" in html


def test_a_hit_a_generated_response_and_an_error_have_their_own_journeys(ui) -> None:
    _, client, _ = ui
    _, hit, generated, error = (_page(client, r) for r in send_mix(client))
    assert [s["kind"] for s in hit["journey"]] == ["viewer", "function", "cache", "response"]
    assert hit["journey"][2]["cache"] == "Hit" and hit["journey"][2]["age"] == 0
    kinds = [s["kind"] for s in generated["journey"]]
    assert kinds == ["viewer", "function", "response"]  # no cache lookup, no origin
    assert generated["journey"][1]["did"] == "generated a 301 response"
    assert generated["generated_by"] == "viewer-request"
    assert "generated a 301 response" in generated["html"]
    failed = error["journey"][1]
    assert failed["did"] == "failed: LambdaExecutionError"
    assert failed["error"]["message"] == "RuntimeError: the handler broke on purpose"
    assert error["journey"][-1]["status"] == 500
    assert 'class="step step-function st-error"' in error["html"]


def test_violations_show_their_limit_and_actual(ui) -> None:
    _, client, _ = ui
    data = _page(client, client.get("/bad-header"))
    (violation,) = data["journey"][1]["violations"]
    assert violation["rule"] == "disallowed-header" and violation["section"] == "§3.1"
    assert violation["path"] == "request.headers.x-cache"
    assert "mine" in str(violation["actual"]) and violation["limit"] is not None
    assert "<caption>Rules broken</caption>" in data["html"]
    assert f"<td>{violation['limit']}</td>" in data["html"]


def test_the_request_page_says_when_a_request_is_not_kept(ui) -> None:
    _, client, _ = ui
    for path in ("/_edgelab/requests/unknown-id", "/_edgelab/requests/unknown-id.json"):
        resp = client.get(path)
        assert resp.status_code == 404 and "is not among the 200 latest requests" in resp.text
    assert client.get("/_edgelab/requests/bad id!").status_code == 404
    assert client.get("/_edgelab/nothing-here").status_code == 404


def test_pages_escape_a_script_in_a_uri_a_header_and_a_log_line(tmp_path: Path) -> None:
    """Traces hold what viewers sent and handlers printed: a uri, a header and a log line
    made to run script in the UI are shown as text, and the pages allow only the
    server's own script."""
    with make_dist(tmp_path) as dist, EdgeApp(dist) as app:
        status, _, _ = _asgi(
            app,
            f"/x{XSS}",
            headers=[(b"x-evil", XSS_HEADER.encode()), (b"user-agent", XSS.encode())],
        )
        assert status == 403  # the folder origin has no such key
        (row,) = app.journal.select(Filters(), 10)[0]
        rid = row.summary["request_id"]
        assert row.summary["uri"] == f"/x{XSS}"
        logs = app.journal.get(rid).trace["stages"][0]["logs"]  # type: ignore[union-attr]
        assert f"x-evil said {XSS_HEADER}" in logs
        bodies = [
            _asgi(app, "/_edgelab/")[1],
            _asgi(app, f"/_edgelab/requests/{rid}")[1],
            pages.page(app.journal, "GET", "/_edgelab/", f"path={XSS}", may_replay=True).body,
        ]
    for body in bodies:
        text = body.decode()
        assert XSS not in text and "<img src=x" not in text
        assert "<script" not in text.replace('<script src="/_edgelab/static/ui.js" defer>', "")
    assert "/x&lt;script&gt;alert(1)&lt;/script&gt;" in bodies[0].decode()
    escaped = "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;&lt;script&gt;alert(3)&lt;/script&gt;"
    assert f"<td>{escaped}</td>" in bodies[1].decode()  # the header
    assert f"x-evil said {escaped}" in bodies[1].decode()  # the log line


def test_pages_carry_a_content_security_policy() -> None:
    page = pages.page(Journal(), "GET", "/_edgelab/", "", may_replay=True)
    headers = dict(page.headers)
    assert b"script-src 'self'" in headers[b"content-security-policy"]
    assert b"default-src 'none'" in headers[b"content-security-policy"]
    assert headers[b"x-content-type-options"] == b"nosniff"
    js = pages.page(Journal(), "GET", "/_edgelab/static/ui.js", "", may_replay=True)
    assert js.status == 200 and dict(js.headers)[b"content-type"].startswith(b"text/javascript")
    assert b"innerHTML" not in js.body  # the script never builds HTML from data


@pytest.mark.parametrize("keep", [False, True], ids=["redacted by default", "--keep-credentials"])
def test_pages_show_credentials_redacted(tmp_path: Path, keep: bool) -> None:
    secrets = {"authorization": "Bearer very-secret-token", "cookie": "session=s3cr3t-cookie"}
    with (
        make_dist(tmp_path) as dist,
        EdgeApp(dist, keep_credentials=keep) as app,
    ):
        headers = [(k.encode(), v.encode()) for k, v in secrets.items()]
        assert _asgi(app, "/index.html", headers=headers)[0] == 200
        rid = app.journal.select(Filters(), 1)[0][0].summary["request_id"]
        html = _asgi(app, f"/_edgelab/requests/{rid}")[1].decode()
        data = _asgi(app, f"/_edgelab/requests/{rid}.json")[1].decode()
    for text in (html, data):
        assert ("very-secret-token" in text) is keep
        assert ("s3cr3t-cookie" in text) is keep
        assert ("[redacted]" in text) is not keep


@pytest.mark.parametrize(
    ("client", "host", "share", "status"),
    [
        pytest.param(("127.0.0.1", 1), b"127.0.0.1:8080", False, 200, id="loopback"),
        pytest.param(("::1", 1), b"[::1]:8080", False, 200, id="loopback IPv6"),
        pytest.param(("127.0.0.1", 1), b"localhost:8080", False, 200, id="localhost"),
        pytest.param(("192.0.2.7", 1), b"192.0.2.1:8080", False, 403, id="another host"),
        pytest.param(("192.0.2.7", 1), b"192.0.2.1:8080", True, 200, id="--share-traces"),
        pytest.param(("127.0.0.1", 1), b"evil.example:8080", False, 403, id="DNS rebinding"),
        pytest.param(("127.0.0.1", 1), b"evil.example:8080", True, 200, id="rebinding shared"),
    ],
)
@pytest.mark.parametrize("path", ["/_edgelab/", "/_edgelab/.json", "/_edgelab/requests/ID"])
def test_the_ui_answers_as_the_traces_api_does(
    tmp_path: Path, client: tuple[str, int], host: bytes, share: bool, status: int, path: str
) -> None:
    with make_dist(tmp_path) as dist, EdgeApp(dist, share_traces=share) as app:
        assert _asgi(app, "/index.html")[0] == 200
        rid = app.journal.select(Filters(), 1)[0][0].summary["request_id"]
        got, body, _ = _asgi(app, path.replace("ID", rid), client=client, headers=[(b"host", host)])
        traces, _, _ = _asgi(app, "/_edgelab/traces", client=client, headers=[(b"host", host)])
    assert got == status == traces
    if status == 403:
        assert b"--share-traces" in body and b"index.html" not in body


def test_loopback_host_names() -> None:
    assert all(
        loopback_host(h)
        for h in (
            "localhost",
            "LOCALHOST:80",
            "127.0.0.1",
            "127.8.9.1:5",
            "[::1]:80",
            "a.localhost",
        )
    )
    assert not any(loopback_host(h) for h in ("example.com", "10.0.0.1:80", "[2001:db8::1]:80"))


def _no_store_origin(seen: list[dict]) -> el.Distribution:
    def origin(request: dict) -> dict:
        seen.append(request)
        return {"status": 200, "body": "ok", "headers": {"Cache-Control": "no-store"}}

    return el.Distribution(
        {},
        origin=origin,
        origin_request_policy=el.OriginRequestPolicy(cookies="all", query_strings="all"),
    )


def test_replay_sends_the_same_viewer_request_again_and_opens_the_new_trace(
    tmp_path: Path,
) -> None:
    seen: list[dict] = []
    with (
        _no_store_origin(seen) as dist,
        EdgeApp(dist, trace_file=tmp_path / "t.jsonl") as app,
        _serve(app) as url,
        httpx.Client(base_url=url, trust_env=False) as client,
    ):
        first = client.post("/form?x=1", content=b"a=1", headers={"Cookie": "session=s3cr3t"})
        rid = first.headers["x-amz-cf-id"]
        replay = client.post(
            f"/_edgelab/requests/{rid}/replay",
            headers={"Origin": url},
            follow_redirects=False,
        )
        assert replay.status_code == 303
        new_id = replay.headers["location"].rsplit("/", 1)[1]
        assert new_id != rid
        page = client.get(replay.headers["location"])
        again = client.post(f"/_edgelab/requests/{rid}/replay.json").json()["replayed"]
        data = client.get(f"/_edgelab/requests/{new_id}.json").json()
        rows = client.get("/_edgelab/.json").json()["requests"]
    cookies = [r["headers"]["cookie"][0]["value"] for r in seen]
    assert cookies == ["session=s3cr3t"] * 3  # the real value, though pages show it redacted
    assert [r["querystring"] for r in seen] == ["x=1"] * 3
    assert [el.edge.origins.body_bytes(r) for r in seen] == [b"a=1"] * 3
    assert data["summary"]["replay_of"] == rid and again["replay_of"] == rid
    assert f'href="/_edgelab/requests/{rid}"' in page.text and "Replay of" in page.text
    assert [r["request_id"] for r in rows] == [again["request_id"], new_id, rid]
    assert len(read_trace_file(tmp_path / "t.jsonl")) == 3


@pytest.mark.parametrize(
    ("client", "headers", "status", "says"),
    [
        pytest.param(("192.0.2.7", 1), [], 403, b"loopback", id="another host"),
        pytest.param(
            ("127.0.0.1", 1),
            [(b"host", b"127.0.0.1:8080"), (b"origin", b"http://evil.example")],
            403,
            b"replay answers only this server",
            id="another site's page",
        ),
        pytest.param(
            ("127.0.0.1", 1),
            [(b"host", b"127.0.0.1:8080"), (b"origin", b"null")],
            403,
            b"replay answers only this server",
            id="an opaque origin",
        ),
    ],
)
def test_replay_is_refused_to_other_hosts_and_other_sites(
    tmp_path: Path, client: tuple[str, int], headers: list, status: int, says: bytes
) -> None:
    with make_dist(tmp_path) as dist, EdgeApp(dist, share_traces=True) as app:
        assert _asgi(app, "/index.html")[0] == 200
        rid = app.journal.select(Filters(), 1)[0][0].summary["request_id"]
        got, body, _ = _asgi(
            app, f"/_edgelab/requests/{rid}/replay", method="POST", client=client, headers=headers
        )
        assert (got, len(app.journal)) == (status, 1)
        assert says in body
        page = _asgi(app, f"/_edgelab/requests/{rid}.json", client=client, headers=headers)[1]
    if client[0] != "127.0.0.1":  # the page shows why the button is off
        assert json.loads(page)["replay"] == {
            "allowed": False,
            "why_not": "replay answers only clients on this machine (loopback)",
        }


def test_replay_of_an_unknown_a_get_or_a_large_body_is_refused(tmp_path: Path) -> None:
    with make_dist(tmp_path) as dist, EdgeApp(dist) as app:
        app.journal.replay_body = 10
        assert _asgi(app, "/index.html", method="POST", chunks=[b"x" * 11])[0] == 405
        rid = app.journal.select(Filters(), 1)[0][0].summary["request_id"]
        got, body, _ = _asgi(app, f"/_edgelab/requests/{rid}/replay.json", method="POST")
        assert got == 409 and b"is over the 10 bytes edgelab serve keeps" in body
        assert _asgi(app, "/_edgelab/requests/nope/replay", method="POST")[0] == 404
        assert _asgi(app, f"/_edgelab/requests/{rid}/replay")[0] == 405
        assert _asgi(app, "/_edgelab/", method="DELETE")[0] == 405
        assert len(app.journal) == 1


def test_a_cloudfront_error_page_links_to_the_failing_request(tmp_path: Path) -> None:
    trace_file = tmp_path / "t.jsonl"
    with make_dist(tmp_path) as dist, EdgeApp(dist, trace_file=trace_file) as app:
        status, body, _ = _asgi(app, "/boom")
        rid = app.journal.select(Filters(), 1)[0][0].summary["request_id"]
        assert status == 500
        link = f'<A href="/_edgelab/requests/{rid}">this request\'s journey</A>'
        assert link in body.decode() and body.rstrip().endswith(b"</BODY></HTML>")
        assert _asgi(app, "/bad-header")[0] == 502
        # another host gets CloudFront's page as it is
        status, body, _ = _asgi(app, "/boom", client=("192.0.2.7", 1))
        assert status == 500 and b"_edgelab" not in body
        # a page the origin served is never touched
        assert b"_edgelab" not in _asgi(app, "/nope")[1]
    stored = [t.body for t in read_trace_file(trace_file)]
    assert len(stored) == 4 and not any(b"_edgelab" in b for b in stored)


def test_an_unreachable_origins_502_links_to_the_request(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    dist = el.Distribution({}, origin=el.HttpOrigin(f"http://127.0.0.1:{port}"))
    with dist, EdgeApp(dist) as app:
        status, body, _ = _asgi(app, "/x")
        (entry,), _ = app.journal.select(Filters(), 1)
    assert status == 502 and entry.summary["outcome"] == "origin-error"
    assert f'href="/_edgelab/requests/{entry.summary["request_id"]}"'.encode() in body


def test_serves_own_502_links_to_the_request_too(tmp_path: Path) -> None:
    dist = el.Distribution({}, origin=lambda r: {"status": 200, "headers": {"X-Price": "5 €"}})
    with dist, EdgeApp(dist) as app:
        status, body, _ = _asgi(app, "/")
        assert status == 502 and b"could not send the response" in body
        rid = app.journal.select(Filters(), 1)[0][0].summary["request_id"]
        assert f"/_edgelab/requests/{rid}".encode() in body
        with_share = EdgeApp(dist, share_traces=True)
        assert b"/_edgelab/requests/" in _asgi(with_share, "/", client=("192.0.2.7", 1))[1]


def test_favicon_requests_run_nothing_and_leave_no_trace(tmp_path: Path) -> None:
    calls: list[str] = []
    dist = el.Distribution({}, origin=lambda r: calls.append(r["uri"]) or "x")
    with dist, EdgeApp(dist, trace_file=tmp_path / "t.jsonl") as app:
        status, body, _ = _asgi(app, "/favicon.ico")
        assert (status, calls, len(app.rows), len(app.journal)) == (404, [], 0, 0)
        assert b"traces nothing" in body
    assert not (tmp_path / "t.jsonl").exists()


def test_the_journal_keeps_the_latest_requests_only(tmp_path: Path) -> None:
    with make_dist(tmp_path) as dist, EdgeApp(dist, ui_keep=3) as app:
        for n in range(5):
            _asgi(app, f"/page-{n}")
        data = json.loads(_asgi(app, "/_edgelab/.json")[1])
        assert [r["uri"] for r in data["requests"]] == ["/page-4", "/page-3", "/page-2"]
        assert (data["kept"], data["keep"]) == (3, 3)
        assert len(app.rows) == 5  # /_edgelab/traces keeps its own 1,000
        assert (
            pages.page(app.journal, "GET", "/_edgelab/.json", "limit=4", may_replay=True).status
            == 400
        )


def test_fields_a_trace_lacks_show_as_a_dash() -> None:
    """A trace from before behaviours and cache tiers (or a distribution without them)."""
    journal = Journal()
    stored = {"request_id": "abc", "status": 200, "cache": "Miss", "response": {"status": "200"}}
    journal.add(stored, "served", None)
    html = pages.page(journal, "GET", "/_edgelab/", "", may_replay=True).body.decode()
    row = re.search(r'<tr data-id="abc".*?</tr>', html, re.S)
    assert row is not None
    assert row.group(0).count('<td class="behavior">-</td>') == 1
    page = pages.page(journal, "GET", "/_edgelab/requests/abc", "", may_replay=True)
    assert page.status == 200 and b"<dt>Behaviour</dt><dd>-</dd>" in page.body
    data = json.loads(
        pages.page(journal, "GET", "/_edgelab/requests/abc.json", "", may_replay=True).body
    )
    assert data["replay"] == {"allowed": False, "why_not": "the request as it came in was not kept"}


@settings(max_examples=150, deadline=None)
@given(stored_traces)
def test_any_stored_trace_renders_without_error(trace: dict) -> None:
    journal = Journal()
    journal.add(trace, "served", None)
    rid = trace["request_id"]
    for path in (
        "/_edgelab/",
        "/_edgelab/.json",
        f"/_edgelab/requests/{rid}",
        f"/_edgelab/requests/{rid}.json",
    ):
        assert pages.page(journal, "GET", path, "", may_replay=True).status == 200


def _two_behaviours() -> el.Distribution:
    """``/api/*`` (HTTPS only, nothing cached) to an ``api`` callable, the rest to a
    cached ``site`` mapping: behaviours, origins by id and both cache tiers."""
    return el.Distribution(
        behaviors=[
            el.CacheBehavior(
                "/api/*",
                target_origin="api",
                viewer_protocol_policy="https-only",
                cache_policy=el.CachePolicy(default_ttl=0, max_ttl=0),
            ),
            el.CacheBehavior(
                "*", target_origin="site", cache_policy=el.CachePolicy(default_ttl=60)
            ),
        ],
        origins={
            "api": lambda request: {"status": "200", "body": "[]"},
            "site": el.MappingOrigin({"/index.html": "<h1>hello</h1>"}),
        },
    )


def test_rows_and_pages_name_the_behaviour_the_origin_the_tier_and_the_edge(
    tmp_path: Path,
) -> None:
    """Distribution facts §3.1 (the behaviour), §8 (the tier), §3.3 (a refusal at the
    edge): the list's columns and the request page's facts come from the trace."""
    iad, jfk = "IAD89-C1", "JFK50-C1"  # both send their misses to us-east-1
    with _two_behaviours() as dist, EdgeApp(dist) as app:
        app.handle(ViewerRequest(uri="/index.html", edge_location=iad))
        app.handle(ViewerRequest(uri="/index.html", edge_location=jfk))
        app.handle(ViewerRequest(uri="/api/users", edge_location=iad))
        app.handle(ViewerRequest(uri="/api/users", edge_location=iad, protocol="http"))
        data = json.loads(_asgi(app, "/_edgelab/.json")[1])
        rows = {(r["uri"], r["edge_location"]): r for r in data["requests"]}
        refused, api = (r for r in data["requests"] if r["uri"] == "/api/users")
        html = _asgi(app, "/_edgelab/")[1].decode()
        page = json.loads(
            _asgi(app, f"/_edgelab/requests/{rows['/index.html', jfk]['request_id']}.json")[1]
        )
        refused_html = _asgi(app, f"/_edgelab/requests/{refused['request_id']}")[1].decode()
        refused_page = json.loads(_asgi(app, f"/_edgelab/requests/{refused['request_id']}.json")[1])
    miss, regional = rows["/index.html", iad], rows["/index.html", jfk]
    assert (miss["behavior"], miss["origin_id"], miss["cache"], miss["cache_tier"]) == (
        "*",
        "site",
        "Miss",
        "origin",
    )
    assert (regional["cache"], regional["cache_tier"], regional["origin_id"]) == (
        "Hit",
        "regional",
        None,
    )
    assert (api["behavior"], api["origin_id"], api["status"]) == ("/api/*", "api", 200)
    assert (refused["outcome"], refused["status"], refused["cache_tier"]) == ("refused", 403, None)
    assert all(r["deployment"] == "primary" for r in data["requests"])
    assert '<td class="behavior">/api/*</td>' in html
    assert 'Hit <span class="tier">(regional)</span>' in html
    (cache,) = (s for s in page["journey"] if s["kind"] == "cache")
    assert (cache["cache"], cache["tier"], cache["regional_edge_cache"]) == (
        "Hit",
        "regional",
        "us-east-1",
    )
    assert [s["kind"] for s in page["journey"]] == ["viewer", "cache", "response"]
    assert page["summary"]["edge_location"] == jfk
    assert page["edge_rule"] is None
    assert "(https-only)" in refused_html and "<dd>/api/*</dd>" in refused_html
    assert [s["kind"] for s in refused_page["journey"]] == ["viewer", "edge", "response"]
    assert refused_page["journey"][1]["did"] == "answered 403 itself (https-only); no function ran"
    assert "viewer protocol policy is https-only and this request came over HTTP" in refused_html


def test_stages_of_other_names_keep_the_order_they_ran_in() -> None:
    """A stage whose name holds an event type (a CloudFront Function's, say) goes with
    that event; a name without one follows the stage before it."""
    trace = {
        "request_id": "r1",
        "cache_key": "k",
        "origin": {"request": {"uri": "/"}, "response": {"status": "200"}, "status": 200},
        "stages": [
            {"trigger": "viewer-response", "outcome": "request"},
            {"trigger": "cloudfront-function:viewer-request", "outcome": "request"},
            {"trigger": "origin-response", "outcome": "request"},
            {"trigger": "something-new", "outcome": "request"},
            {"trigger": "viewer-request", "outcome": "request"},
        ],
    }
    got = [s.get("trigger", s["kind"]) for s in journey(trace)]
    assert got == [
        "viewer",
        "cloudfront-function:viewer-request",
        "viewer-request",
        "cache",
        "origin",
        "origin-response",
        "something-new",
        "viewer-response",
        "response",
    ]


@pytest.mark.parametrize("value", ["0", "10001", "many"])
def test_serve_refuses_a_ui_keep_out_of_range(value: str) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "edgelab", "serve", "--config", "x.toml", "--ui-keep", value],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "--ui-keep: must be a whole number from 1 to 10,000" in r.stderr
    assert "Traceback" not in r.stderr


def test_the_readme_names_every_field_of_a_list_row() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    line = next(x for x in readme.splitlines() if x.startswith("| `GET /_edgelab/` ·"))
    fields = line.split("(one summary each:")[1].split(")")[0]
    assert re.findall(r"`(\w+)`", fields) == list(summary({"request_id": "r"}, "served"))


def test_a_cloudfront_function_stage_is_named_with_its_runtime_and_compute() -> None:
    """A stage of kind cloudfront-function (a viewer event's CloudFront Function,
    cloudfront-functions-facts §8) is titled as one, with its runtime and compute
    utilization, and marked CFF in the list."""
    journal = Journal()
    stage = {
        "trigger": "viewer-request",
        "outcome": "request",
        "kind": "cloudfront-function",
        "runtime": "cloudfront-js-2.0",
        "compute_utilization": 12,
        "duration_ms": 0.2,
    }
    lambda_stage = {"trigger": "viewer-response", "outcome": "response", "duration_ms": 1.0}
    journal.add({"request_id": "c1", "stages": [stage, lambda_stage]}, "served", None)
    html = pages.page(journal, "GET", "/_edgelab/", "", may_replay=True).body.decode()
    assert 'title="viewer-request (CloudFront Function): request">VReq CFF</span>' in html
    assert 'title="viewer-response: response">VResp</span>' in html
    data = json.loads(
        pages.page(journal, "GET", "/_edgelab/requests/c1.json", "", may_replay=True).body
    )
    cff, vresp = data["journey"][1], data["journey"][2]
    assert (cff["title"], cff["runtime"], cff["compute_utilization"]) == (
        "Viewer request CloudFront Function",
        "cloudfront-js-2.0",
        12,
    )
    assert (vresp["title"], vresp["function_kind"]) == ("Viewer response function", "lambda@edge")
    page = pages.page(journal, "GET", "/_edgelab/requests/c1", "", may_replay=True).body.decode()
    assert "cloudfront-js-2.0, 0.2 ms, compute utilization 12%" in page
