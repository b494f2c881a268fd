"""Handlers that call out: HTTP mocks, loopback servers and the network guard, in every
runtime and client (facts §10: functions may call external resources; edgelab never
lets them reach the real network)."""

from __future__ import annotations

import ast
import contextlib
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.errors import ConfigError
from edgelab.outbound.decisions import OUTBOUND_DECISIONS
from edgelab.outbound.mocks import HttpMock, http_mocks_from_config, to_response
from edgelab.runtimes import netguard

HERE = Path(__file__).resolve().parent
PY_CLIENTS = str(HERE / "outbound" / "clients.py")
NODE_CLIENTS = str(HERE / "outbound" / "clients.mjs")
API = "https://api.example.com/ping"
PY_NAMES = ("urllib", "http.client", "requests", "httpx", "httpx-async")


class _Loopback(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = f"loopback {self.path} host={self.headers.get('Host')}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def loopback() -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 (the user's own test server)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Loopback)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _event(url: str, *clients: str) -> dict[str, Any]:
    qs = urllib.parse.urlencode([("url", url), *(("client", c) for c in clients)])
    return el.build_event("viewer-request", uri="/check", querystring=qs)


def _answers(result: el.InvocationResult) -> dict[str, str]:
    assert result.outcome == "response", result.error
    assert result.response is not None
    return json.loads(result.response["body"])


PY_MODES = [pytest.param(False, id="in-process"), pytest.param(True, id="isolated")]


# -- mocks: the patterns ---------------------------------------------------------------------
# fmt: off
MATCHES = [
    # pattern,                               method, url,                              matches
    ("https://a.example/users/*",             "GET",  "https://a.example/users/7",      True),
    ("https://a.example/users/*",             "GET",  "https://a.example/users/7/a",    True),
    ("https://a.example/users/*",             "GET",  "http://a.example/users/7",       False),
    ("a.example/users/*",                     "GET",  "http://a.example/users/7",       True),
    ("https://a.example",                     "GET",  "https://a.example/anything?x=1", True),
    ("https://a.example/flags",               "GET",  "https://a.example/flags?c=FR",   True),
    ("https://a.example/flags?c=FR",          "GET",  "https://a.example/flags?c=DE",   False),
    ("https://*.example/a",                   "GET",  "https://cdn.example/a",          True),
    ("https://*.example/a",                   "GET",  "https://example.org/a",          False),
    ("POST https://a.example/orders",         "GET",  "https://a.example/orders",       False),
    ("POST https://a.example/orders",         "POST", "https://a.example/orders",       True),
    ("https://a.example:8443/x",              "GET",  "https://a.example/x",            False),
    ("https://a.example:8443/x",              "GET",  "https://a.example:8443/x",       True),
]
# fmt: on


@pytest.mark.parametrize(("pattern", "method", "url", "expected"), MATCHES)
def test_a_mock_pattern_matches_urls_like_a_glob(
    pattern: str, method: str, url: str, expected: bool
) -> None:
    assert HttpMock(pattern).matches(method, url) is expected


@pytest.mark.parametrize(
    ("value", "status", "body"),
    [
        ("hi", 200, b"hi"),
        (b"\x00", 200, b"\x00"),
        ((404, "gone"), 404, b"gone"),
        ((201, {"x-a": "1"}, "made"), 201, b"made"),
        ({"status": 503, "body": "down"}, 503, b"down"),
        ({"json": {"a": 1}}, 200, b'{"a": 1}'),
        (None, 204, b""),
    ],
)
def test_a_response_can_be_given_in_every_documented_shape(
    value: Any, status: int, body: bytes
) -> None:
    r = to_response(value)
    assert (r.status, r.body) == (status, body)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"mocks": {"url": "x"}}, "http.mocks must be an array of tables"),
        ({"mocks": [{"body": "x"}]}, 'http.mocks[0] needs url = "https://host/path"'),
        ({"mocks": [{"url": "https://a.example/x", "status": 99}]}, "status 100-599"),
        ({"mocks": [{"url": "ftp://a.example/x"}]}, "the scheme must be http or https"),
        ({"mocks": [{"url": "https://a.example/x", "colour": 1}]}, "unknown key 'colour'"),
        ({"hosts": {"api.internal": "10.0.0.5:80"}}, "must be a loopback server"),
        ({"remote_call_ms": -1}, "0 or more"),
        ({"mock": []}, "[http] has an unknown key 'mock'"),
    ],
)
def test_a_bad_http_section_names_the_key_and_what_is_allowed(
    table: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=None) as info:
        http_mocks_from_config(table)
    assert message in str(info.value)


# -- every client, every runtime ---------------------------------------------------------------
@pytest.mark.parametrize("isolated", PY_MODES)
def test_every_python_client_reaches_an_https_mock(isolated: bool) -> None:
    http = el.HttpMocks({API: {"json": {"pong": True}}})
    result = el.invoke(PY_CLIENTS, _event(API, *PY_NAMES), isolated=isolated, http=http)
    answers = _answers(result)
    assert answers == {name: '200 {"pong": true}' for name in PY_NAMES}
    assert [(c["method"], c["url"], c["status"], c["via"]) for c in result.calls] == [
        ("GET", API, 200, "mock")
    ] * len(PY_NAMES)
    assert all(c["duration_ms"] >= 0 for c in result.calls)


@pytest.mark.parametrize("isolated", PY_MODES)
def test_an_undeclared_destination_fails_inside_every_python_client(isolated: bool) -> None:
    http = el.HttpMocks({"https://other.example.com/*": "x"})
    result = el.invoke(
        PY_CLIENTS, _event("https://evil.example.net/x"), isolated=isolated, http=http
    )
    answers = _answers(result)
    for name in (*PY_NAMES, "socket"):
        assert answers[name].startswith("error:"), (name, answers[name])
    assert "evil.example.net is not declared" in answers["urllib"]
    assert "93.184.216.34 is not declared" in answers["socket"]
    refused = {c["host"] for c in result.calls if c["via"] == "refused"}
    assert refused == {"evil.example.net", "93.184.216.34"}


@pytest.mark.parametrize("isolated", PY_MODES)
def test_without_any_declaration_the_guard_still_refuses(isolated: bool) -> None:
    result = el.invoke(
        PY_CLIENTS, _event("http://api.example.com/", "urllib", "httpx"), isolated=isolated
    )
    answers = _answers(result)
    assert "api.example.com is not declared" in answers["urllib"]
    assert "api.example.com is not declared" in answers["httpx"]
    assert [c["via"] for c in result.calls] == ["refused", "refused"]


@pytest.mark.parametrize("isolated", PY_MODES)
def test_loopback_servers_pass_through_directly(isolated: bool, loopback: str) -> None:
    result = el.invoke(
        PY_CLIENTS, _event(f"http://{loopback}/direct", *PY_NAMES), isolated=isolated
    )
    answers = _answers(result)
    assert all(a.startswith("200 loopback /direct") for a in answers.values()), answers


@pytest.mark.parametrize("isolated", PY_MODES)
def test_a_host_mapped_to_a_loopback_server_is_forwarded_and_recorded(
    isolated: bool, loopback: str
) -> None:
    http = el.HttpMocks(hosts={"profiles.internal": loopback})
    for scheme in ("http", "https"):
        url = f"{scheme}://profiles.internal/users/1"
        result = el.invoke(PY_CLIENTS, _event(url, "urllib"), isolated=isolated, http=http)
        assert _answers(result)["urllib"] == "200 loopback /users/1 host=profiles.internal"
        (call,) = result.calls
        assert (call["url"], call["via"], call["status"]) == (url, "loopback", 200)


def test_a_callable_answers_every_host_when_given_alone() -> None:
    seen: list[str] = []

    def answer(request: el.MockRequest) -> Any:
        seen.append(request.url)
        return {"json": {"host": request.host, "path": request.path}}

    url = "https://anything.example.org/p?q=1"
    result = el.invoke(PY_CLIENTS, _event(url, "urllib", "requests"), http=answer)
    expected = '200 {"host": "anything.example.org", "path": "/p"}'
    assert _answers(result) == {"urllib": expected, "requests": expected}
    assert seen == [url, url]


def test_a_path_no_mock_matches_gets_a_502_that_lists_the_host_mocks() -> None:
    http = el.HttpMocks({"https://api.example.com/a": "a"})
    result = el.invoke(PY_CLIENTS, _event("https://api.example.com/b", "requests"), http=http)
    answer = _answers(result)["requests"]
    assert answer.startswith("502 edgelab: no mock matched GET https://api.example.com/b")
    assert "https://api.example.com/a" in answer
    assert result.calls[0]["via"] == "unmatched"


def test_a_mock_that_raises_gives_the_function_a_500_and_records_why() -> None:
    def broken(request: el.MockRequest) -> Any:
        raise RuntimeError("bad mock")

    http = el.HttpMocks({API: broken})
    result = el.invoke(PY_CLIENTS, _event(API, "requests"), http=http)
    assert _answers(result)["requests"].startswith("500 edgelab: the mock for GET")
    assert "bad mock" in result.calls[0]["error"]


@pytest.mark.node
def test_every_node_client_reaches_an_https_mock() -> None:
    http = el.HttpMocks({API: {"json": {"pong": True}}})
    result = el.invoke(NODE_CLIENTS, _event(API, "fetch", "http"), http=http)
    assert _answers(result) == {"fetch": '200 {"pong": true}', "http": '200 {"pong": true}'}
    assert [(c["url"], c["status"]) for c in result.calls] == [(API, 200), (API, 200)]


@pytest.mark.node
def test_an_undeclared_destination_fails_inside_every_node_client() -> None:
    http = el.HttpMocks({"https://other.example.com/*": "x"})
    result = el.invoke(NODE_CLIENTS, _event("https://evil.example.net/x"), http=http)
    answers = _answers(result)
    assert "evil.example.net is not declared" in answers["fetch"]
    assert "evil.example.net is not declared" in answers["http"]
    assert "93.184.216.34 is not declared" in answers["socket"]
    assert sorted(c["host"] for c in result.calls) == [
        "93.184.216.34",
        "evil.example.net",
        "evil.example.net",
    ]


@pytest.mark.node
def test_node_reaches_loopback_directly_and_mapped_hosts_through_edgelab(loopback: str) -> None:
    direct = el.invoke(NODE_CLIENTS, _event(f"http://{loopback}/d", "fetch", "http"))
    assert set(_answers(direct).values()) == {f"200 loopback /d host={loopback}"}
    http = el.HttpMocks(hosts={"profiles.internal": loopback})
    mapped = el.invoke(
        NODE_CLIENTS, _event("https://profiles.internal/u", "fetch", "http"), http=http
    )
    assert set(_answers(mapped).values()) == {"200 loopback /u host=profiles.internal"}
    assert [c["via"] for c in mapped.calls] == ["loopback", "loopback"]


# -- the guard's parts -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("api.localhost", True),
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("10.0.0.1", False),
        ("example.com", False),
    ],
)
def test_loopback_is_localhost_and_the_loopback_ranges(host: str, loopback: bool) -> None:
    assert netguard.is_loopback(host) is loopback


def test_the_in_process_guard_is_only_in_place_during_a_call() -> None:
    import socket

    before = socket.getaddrinfo
    seen: list[Any] = []

    def handler(event: Any, context: Any) -> Any:
        seen.append(socket.getaddrinfo)
        return event["Records"][0]["cf"]["request"]

    el.invoke(handler, el.build_event("viewer-request"))
    assert seen[0] is not before
    assert socket.getaddrinfo is before


# -- the variables a function gets -------------------------------------------------------------
ENV_PROBE = """
import os
NAMES = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_REGION", "SSL_CERT_FILE",
         "NODE_EXTRA_CA_CERTS", "EDGELAB_OUTBOUND", "AWS_PROFILE")
AT_IMPORT = {n: os.environ.get(n) for n in NAMES}
def handler(event, context):
    now = {n: os.environ.get(n) for n in NAMES}
    return {"status": "200", "body": repr((AT_IMPORT, now))}
"""


@pytest.mark.parametrize("isolated", PY_MODES)
def test_the_ca_file_is_given_only_when_http_is_declared_and_the_guard_config_is_hidden(
    isolated: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OUTBOUND_DECISIONS 'environment variables for local services' (the HTTP part)."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    probe = tmp_path / "probe.py"
    probe.write_text(ENV_PROBE)
    plain = el.invoke(str(probe), el.build_event("viewer-request"), isolated=isolated)
    at_import, now = ast.literal_eval(plain.response["body"])
    assert now["SSL_CERT_FILE"] is None and now["EDGELAB_OUTBOUND"] is None
    mocked = el.invoke(
        str(probe), el.build_event("viewer-request"), isolated=isolated, http={API: "x"}
    )
    at_import, now = ast.literal_eval(mocked.response["body"])
    assert now["SSL_CERT_FILE"] and now["SSL_CERT_FILE"] == at_import["SSL_CERT_FILE"]
    assert now["SSL_CERT_FILE"].endswith("ca.pem")
    assert now["EDGELAB_OUTBOUND"] is None  # read by edgelab, never seen by the function
    assert now["AWS_ENDPOINT_URL"] is None  # no [aws]: no AWS variables
    import os

    assert "SSL_CERT_FILE" not in os.environ  # the in-process call restored it


# -- the chain, rows and the latency model -------------------------------------------------------
def test_a_distribution_records_each_stages_calls_and_the_rows_count_them() -> None:
    def vreq(event: Any, context: Any) -> Any:
        import urllib.request

        request = event["Records"][0]["cf"]["request"]
        with urllib.request.urlopen("https://api.example.com/flags") as r:
            r.read()
        with contextlib.suppress(OSError):
            urllib.request.urlopen("https://evil.example.net/")
        return request

    dist = el.Distribution(
        {"viewer-request": vreq},
        origin=el.MappingOrigin({"/": "home"}),
        http=el.HttpMocks({"https://api.example.com/*": "{}"}, remote_call_ms=50),
    )
    with dist:
        trace = dist.request("/")
    calls = trace.stage("viewer-request").calls
    assert [c["via"] for c in calls] == ["mock", "refused"]
    row = trace.to_row()
    assert (row["outbound_calls"], row["outbound_refused"]) == (1, 1)
    assert row["outbound_remote_ms"] == 50.0  # [http] remote_call_ms; refused: nothing
    assert json.loads(row["outbound_list"])[0]["trigger"] == "viewer-request"
    again = el.Trace.from_dict(json.loads(json.dumps(trace.to_dict())))
    assert again.stage("viewer-request").calls == calls


def test_the_latency_model_adds_a_remote_call_latency_per_call() -> None:
    """OUTBOUND_DECISIONS 'latency of outbound calls'."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "edge_location": ["IAD89-C1"] * 3,
            "cache": ["Hit"] * 3,
            "duration_ms": [1.0] * 3,
            "outbound_calls": [0, 2, 2],
            "outbound_remote_ms": [0.0, 60.0, 100.0],
        }
    )
    default = el.estimate_latency(frame)["latency_functions_ms"].tolist()
    assert default == [1.0, 61.0, 101.0]  # each call's own remote_call_ms
    fixed = el.estimate_latency(frame, el.LatencyModel(remote_call_ms=10))
    assert fixed["latency_functions_ms"].tolist() == [1.0, 21.0, 21.0]


def test_a_replay_counts_outbound_calls_and_their_latency(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("hi")
    (tmp_path / "vr.py").write_text(
        "import urllib.request\n"
        "def handler(event, context):\n"
        "    urllib.request.urlopen('https://api.example.com/a').read()\n"
        "    return event['Records'][0]['cf']['request']\n"
    )
    config = tmp_path / "distribution.toml"
    config.write_text(
        '[triggers]\nviewer-request = "vr.py"\n'
        '[origin]\ntype = "folder"\npath = "site/"\n'
        '[[http.mocks]]\nurl = "https://api.example.com/*"\nbody = "ok"\n'
        "[http]\nremote_call_ms = 40\n"
    )
    traffic = el.generate_traffic("workshop-small", 20, seed=3)
    results = el.replay(config, traffic, progress=False)
    assert results["outbound_calls"].tolist() == [1] * 20
    assert results["outbound_remote_ms"].tolist() == [40.0] * 20
    base = el.replay(config, traffic, progress=False, latency=el.LatencyModel(remote_call_ms=0))
    cold_ms = el.LatencyModel().cold_start_ms
    for frame, remote in ((results, 40.0), (base, 0.0)):  # measured durations differ by run
        measured = frame["handler_ms"].fillna(0) + frame["cold_starts"].fillna(0) * cold_ms
        added = (frame["latency_functions_ms"] - measured).round(2)
        assert added.tolist() == [remote] * 20


# -- decisions -----------------------------------------------------------------------------
PINNED = {
    "environment variables for local services": (
        "test_outbound::test_the_ca_file_is_given_only_when_http_is_declared_and_the_guard_"
        "config_is_hidden",
        "test_local_aws::test_the_aws_variables_are_set_only_for_the_function",
    ),
    "outbound network": (
        "test_outbound::test_an_undeclared_destination_fails_inside_every_python_client",
        "test_outbound::test_without_any_declaration_the_guard_still_refuses",
    ),
    "Region of a function's AWS calls": (
        "test_local_aws::test_the_aws_variables_are_set_only_for_the_function",
    ),
    "latency of outbound calls": (
        "test_outbound::test_the_latency_model_adds_a_remote_call_latency_per_call",
    ),
}


@pytest.mark.parametrize("decision", OUTBOUND_DECISIONS, ids=lambda d: d.topic)
def test_every_outbound_decision_is_pinned_by_a_test(decision: Any) -> None:
    import importlib

    assert decision.topic in PINNED
    for ref in PINNED[decision.topic]:
        module, function = ref.split("::")
        assert callable(getattr(importlib.import_module(f"tests.{module}"), function))


def test_readme_lists_every_outbound_decision() -> None:
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        d.topic
        for d in OUTBOUND_DECISIONS
        if f"| {d.section} | {d.topic} | {d.decision} |" not in readme
    ]
    assert missing == []


def test_rules_decisions_prints_the_outbound_decisions() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "edgelab", "rules", "--decisions"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    for d in OUTBOUND_DECISIONS:
        assert f"{d.section:<10} {d.topic}: {d.decision}" in out.stdout
