"""The user's real distribution through the commands: ``edgelab request`` (its JSON
contract), ``edgelab serve`` and ``edgelab replay`` run the CDK fixture
(``tests/fixtures/definitions/cdk/cdk.out``) unmodified, with its Node.js and Python
Lambda@Edge functions on two behaviours, and say what they do not run yet."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

import edgelab as el
from edgelab import analysis, report
from edgelab.cli import main
from edgelab.edge.decisions import DISTRIBUTION_DECISIONS
from edgelab.edge.server import EdgeApp
from tests.definitions_helpers import CDK_OUT
from tests.test_serve import _serve

API = "SiteStackDistOrigin2ApiPrimary6E7F"
SITE = "SiteStackDistOrigin1A2B3C4D5"
CONTRACT = (
    "status",
    "cache",
    "cache_tier",
    "behavior",
    "origin_id",
    "deployment",
    "stages",
    "response",
    "edge_location",
)


@pytest.fixture
def cdk(tmp_path: Path) -> Path:
    """A copy of the cdk synth output (its cache folder then lands in tmp_path)."""
    return Path(shutil.copytree(CDK_OUT, tmp_path / "cdk.out"))


def request(capfd: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    assert main(["request", *args, "--json"]) == 0
    return json.loads(capfd.readouterr().out)


@pytest.mark.node
def test_request_runs_the_cdk_default_behaviour(
    cdk: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """facts §7 and §3.1: "/" asks for the default root object; the Node.js viewer
    request and the Python origin response of the default behaviour run unmodified."""
    first, second = request(capfd, "/", "--config", str(cdk), "--repeat", "2")
    for trace in (first, second):
        assert set(CONTRACT) <= set(trace)
        assert all("trigger" in s for s in trace["stages"])
        assert trace["deployment"] == "primary" and trace["edge_location"] == "IAD89-C1"
    assert (first["status"], first["cache"], first["cache_tier"]) == (200, "Miss", "origin")
    assert (first["behavior"], first["origin_id"], first["origin_kind"]) == ("*", SITE, "folder")
    assert [s["trigger"] for s in first["stages"]] == ["viewer-request", "origin-response"]
    assert first["stages"][0]["input"]["uri"] == "/"  # DISTRIBUTION_DECISIONS
    assert first["origin"]["request"]["uri"] == "/index.html"
    response = first["response"]
    assert response["status"] == "200" and "<title>Edge site</title>" in response["body"]
    assert response["headers"]["cache-control"][0]["value"] == "public, max-age=300"
    assert (second["cache"], second["cache_tier"]) == ("Hit", "edge")
    for trace in (first, second):  # the SiteStackSecurityHeaders policy, hit and miss
        headers = trace["response"]["headers"]
        assert headers["x-served-by"][0]["value"] == "edge-site"
        assert headers["x-frame-options"][0]["value"] == "DENY"
        assert headers["server"][0]["value"] == "CloudFront"  # removed, CloudFront's back
    assert not any("SiteStackSecurityHeaders" in n for n in first["notes"])


@pytest.mark.node
def test_request_pretty_urls_and_http_viewers(cdk: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (docs,) = request(capfd, "/docs/", "--config", str(cdk))
    assert docs["origin"]["request"]["uri"] == "/docs/index.html" and docs["status"] == 200
    (redirect,) = request(capfd, "/docs/?a=1", "--config", str(cdk), "--scheme", "http")
    assert (redirect["status"], redirect["cache"], redirect["stages"]) == (301, "Redirect", [])
    location = redirect["response"]["headers"]["location"][0]["value"]
    assert location.startswith("https://") and location.endswith(".cloudfront.net/docs/?a=1")
    (refused,) = request(capfd, "/api/x", "--config", str(cdk), "--scheme", "http")
    assert (refused["status"], refused["edge_rule"]) == (403, "https-only")


def test_request_runs_the_api_behaviour_with_its_python_function(
    cdk: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The /api/* behaviour: all methods, CachingDisabled (a dynamic request, §8), the
    managed AllViewerExceptHostHeader policy, an origin-request function with Include
    Body; its origin group's primary is unmapped, so the echo origin answers."""
    (trace,) = request(
        capfd,
        "/api/users",
        "--config",
        str(cdk),
        "--method",
        "POST",
        "--body",
        "name=a",
        "--edge",
        "GRU",
        "--country",
        "BR",
    )
    assert (trace["behavior"], trace["origin_id"], trace["origin_kind"]) == ("/api/*", API, "echo")
    assert (trace["edge_location"], trace["cache_tier"], trace["regional_edge_cache"]) == (
        "GRU50-C1",
        "origin",
        None,
    )
    (oreq,) = trace["stages"]
    assert oreq["trigger"] == "origin-request"
    assert base64.b64decode(oreq["input"]["body"]["data"]) == b"name=a"  # Include Body
    echo = json.loads(trace["response"]["body"])
    assert (echo["origin_id"], echo["method"], echo["uri"]) == (API, "POST", "/users")
    assert echo["path"] == "/v1/users"  # the origin path first (facts §1.2)
    assert echo["headers"]["X-Client-Country"] == "BR"
    assert echo["headers"]["Host"] == "api.example.com"
    notes = " ".join(trace["notes"])
    assert "POST requests do not fail over" not in notes  # the echo origin answered 200
    assert f"--origin {API}=DIR_OR_URL" in notes
    assert trace["failover"] is False and [a["origin_id"] for a in trace["attempts"]] == [API]


def test_request_maps_an_origin_and_says_what_is_not_run_yet(
    cdk: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    api = tmp_path / "api"
    api.mkdir()
    (api / "v1").mkdir()
    (api / "v1" / "users").write_text('{"users": []}')
    (trace,) = request(capfd, "/api/users", "--config", str(cdk), "--origin", f"{API}={api}")
    assert trace["origin_kind"] == "folder" and trace["response"]["body"] == '{"users": []}'
    (image,) = request(capfd, "/images/Logo.SVG", "--config", str(cdk))
    assert image["behavior"] == "images/*" and image["status"] == 200
    (vreq,) = image["stages"]  # the CDK's CloudFront Function runs (CFF §6), unmodified
    assert (vreq["trigger"], vreq["kind"], vreq["runtime"]) == (
        "viewer-request",
        "cloudfront-function",
        "cloudfront-js-2.0",
    )
    assert vreq["output"]["uri"] == "/images/logo.svg" and vreq["compute_utilization"] >= 0
    assert not any("CloudFront Function" in n for n in image["notes"])


def test_request_body_is_base64_when_it_is_not_text(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "b.bin").write_bytes(b"\xff\xfe\x00")
    cfg = tmp_path / "d.toml"
    cfg.write_text('[origin]\ntype = "folder"\npath = "site/"\n')
    (trace,) = request(capfd, "/b.bin", "--config", str(cfg))
    assert trace["response"]["bodyEncoding"] == "base64"
    assert base64.b64decode(trace["response"]["body"]) == b"\xff\xfe\x00"


BAD = [
    ("unknown edge location", ["--edge", "XYZ"], "GRU50-C1"),
    ("unknown airport", ["--edge", "QQQ12-C1"], "AMS"),
]


@pytest.mark.parametrize(("extra", "said"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_request_bad_edge_is_exit_2(
    cdk: Path, extra: list[str], said: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["request", "/", "--config", str(cdk), *extra]) == 2
    err = capfd.readouterr().err
    assert said in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_request_with_unresolved_functions_lists_the_flags(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    dist = {
        "DistributionConfig": {
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "web",
                        "DomainName": "web.example",
                        "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "web",
                "ViewerProtocolPolicy": "allow-all",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                "LambdaFunctionAssociations": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "EventType": "viewer-request",
                            "LambdaFunctionARN": "arn:aws:lambda:us-east-1:1:function:gate:2",
                        }
                    ],
                },
            },
        }
    }
    path = tmp_path / "dist.json"
    path.write_text(json.dumps(dist))
    assert main(["request", "/", "--config", str(path)]) == 2
    assert "--function gate=PATH" in capfd.readouterr().err


@pytest.mark.node
def test_serve_runs_the_cdk_fixture(
    cdk: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """edgelab serve --config cdk.out: viewers are HTTPS by default (a redirect-to-https
    behaviour serves the browser), --scheme http makes them HTTP (DISTRIBUTION_DECISIONS)."""
    apps: list[EdgeApp] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: apps.append(app))
    for scheme in ("https", "http"):
        assert main(["serve", "--config", str(cdk), "--port", "0", "--scheme", scheme]) == 0
    https, http = apps
    for app in apps:
        app.dist = el.load_distribution(cdk, default_isolated=True)  # serve closed its own
    try:
        with _serve(https) as url, httpx.Client(trust_env=False) as client:
            page = client.get(url + "/")
            api = client.get(url + "/api/orders?id=7")
        assert page.status_code == 200 and "<title>Edge site</title>" in page.text
        assert page.headers["x-cache"] == "Miss from cloudfront"
        assert page.headers["cache-control"] == "public, max-age=300"
        assert api.json()["uri"] == "/orders" and api.json()["origin_id"] == API
        with _serve(http) as url, httpx.Client(trust_env=False) as client:
            moved = client.get(url + "/", follow_redirects=False)
        assert moved.status_code == 301 and moved.headers["location"].startswith("https://")
        assert [r["behavior"] for r in https.rows] == ["*", "/api/*"]
    finally:
        for app in apps:
            app.dist.close()


@pytest.mark.node
def test_replay_through_the_cdk_fixture_breaks_results_down_by_behaviour(
    cdk: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """edgelab replay takes the mapping options; rows gain behavior, origin_id,
    cache_tier, deployment; one process keeps its caches, so both tiers show."""
    start = pd.Timestamp("2025-11-03T10:00:00Z")
    rows = [
        ("GET", "/", "IAD50-C1"),
        ("GET", "/", "IAD50-C1"),
        ("GET", "/site.css", "GRU50-C1"),
        ("GET", "/site.css", "SCL50-C1"),  # SCL uses the sa-east-1 regional edge cache too
        ("GET", "/api/users", "IAD50-C1"),
        ("GET", "/images/logo.svg", "FRA50-C1"),
    ]
    traffic = pd.DataFrame(
        {
            "time": [start + pd.Timedelta(seconds=i) for i in range(len(rows))],
            "method": [r[0] for r in rows],
            "uri": [r[1] for r in rows],
            "edge_location": [r[2] for r in rows],
        }
    )
    el.save_traffic(traffic, tmp_path / "traffic.csv")
    api = tmp_path / "api"
    (api / "v1").mkdir(parents=True)
    (api / "v1" / "users").write_text("[]")
    out = tmp_path / "results.parquet"
    argv = ["replay", str(tmp_path / "traffic.csv"), "--config", str(cdk), "--out", str(out)]
    assert main([*argv, "--origin", f"{API}={api}", "--no-progress"]) == 0
    results = pd.read_parquet(out)
    assert list(results["behavior"]) == ["*", "*", "*.css", "*.css", "/api/*", "images/*"]
    assert list(results["cache_tier"]) == [
        "origin",
        "edge",
        "origin",
        "regional",
        "origin",
        "origin",
    ]
    assert list(results["deployment"].unique()) == ["primary"]
    assert results["origin_id"].iloc[4] == API and results["origin_kind"].iloc[4] == "folder"
    table = analysis.cache_by_behavior(results).set_index("behavior")
    assert table.loc["*.css", "regional_hits"] == 1 and table.loc["*", "edge_hits"] == 1
    assert table.loc["/api/*", "origin_requests"] == 1
    section = report.behavior_section(report.Context(results))
    assert section is not None and section.id == "behaviors"
    by = analysis.latency_percentiles(results, by="behavior")
    assert set(by["behavior"]) == {"*", "*.css", "/api/*", "images/*"}
    bill = analysis.cost(results, by="behavior")
    assert {"*", "/api/*"} <= set(bill["behavior"].dropna())


def test_traces_takes_a_cdk_out_folder(cdk: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (cdk.parent / ".edgelab").mkdir()
    (cdk.parent / ".edgelab" / "traces.jsonl").write_text("")
    assert main(["traces", "--config", str(cdk)]) == 0
    assert "0 trace(s)" in capfd.readouterr().out


def test_config_show_has_nothing_left_that_is_not_run(
    cdk: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # the CDK fixture has an origin group, custom error responses and a CloudFront
    # Function: all of them run now, so config show lists nothing under "not run yet"
    assert main(["config", "show", str(cdk)]) == 0
    out = capfd.readouterr().out
    assert "SiteStackDistOriginGroup1C2D3E4F" in out and "SiteStackImagesLowercase" in out
    assert "not run yet" not in out


def test_rules_decisions_print_the_distribution_decisions(
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules", "--decisions"]) == 0
    out = capfd.readouterr().out
    assert all(d.topic in out for d in DISTRIBUTION_DECISIONS)
