"""Continuous deployment (distribution facts §9): a staging distribution beside the
primary, reached by a header or by weight with optional session stickiness, with caches
of its own; traces, replay rows and the analysis say which one served. The UNSURE points
are DISTRIBUTION_DECISIONS rows pinned here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given

import edgelab as el
from edgelab import analysis, report
from edgelab.cli import main
from edgelab.definitions.model import ContinuousDeploymentPolicy, SessionStickiness
from edgelab.edge.deployment import STICKY_COOKIE, Router, Staging
from tests.definitions_helpers import DEFS
from tests.strategies import routing_seeds, staging_weights

POLICIES = DEFS / "toml" / "policies"
SITE = POLICIES / "site.toml"  # header aws-cf-cd-preview: yes
WEIGHTED = POLICIES / "weighted.toml"  # 15 %, idle 300 s, max 900 s


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def weight_policy(weight: float, sticky: SessionStickiness | None = None) -> Any:
    return ContinuousDeploymentPolicy(
        "cd", True, "SingleWeight", weight=weight, session_stickiness=sticky
    )


def set_cookie(trace: el.Trace) -> str | None:
    lines = [e["value"] for e in trace.response["headers"].get("set-cookie", ())]
    return next((v.split(";")[0] for v in lines if v.startswith(STICKY_COOKIE)), None)


# -- §9 header-based routing ----------------------------------------------------------------
HEADER = [
    ("§9 header and value: staging", {"aws-cf-cd-preview": "yes"}, "staging"),
    ("§9 header name in any case", {"AWS-CF-CD-Preview": "yes"}, "staging"),
    ("§9 another value: primary", {"aws-cf-cd-preview": "no"}, "primary"),
    ("§9 value compared exactly", {"aws-cf-cd-preview": "YES"}, "primary"),
    ("§9 no header: primary", {}, "primary"),
]


@pytest.mark.parametrize(
    ("headers", "deployment"), [h[1:] for h in HEADER], ids=[h[0] for h in HEADER]
)
def test_header_routing(headers: dict[str, str], deployment: str) -> None:
    """DISTRIBUTION_DECISIONS "staging header"; "a request routed to staging" runs the
    staging copy's behaviour, origin and policy."""
    with el.load_distribution(SITE) as d:
        trace = d.request("/index.html", headers=headers)
    assert trace.deployment == deployment
    assert trace.body == f"<p>{deployment}</p>".encode()
    assert trace.to_dict()["deployment"] == deployment


def test_the_staging_header_reaches_staging_functions() -> None:
    """DISTRIBUTION_DECISIONS "staging header": the header stays on the request."""
    seen: list[dict[str, Any]] = []
    with el.load_distribution(SITE, origins={"app": lambda r: seen.append(r) or (200, "x")}) as d:
        d.request("/api/data", headers={"aws-cf-cd-preview": "yes", "Origin": "https://x.test"})
    assert seen and seen[0]["uri"] == "/api/data"


def test_staging_has_caches_of_its_own() -> None:
    """§9: staging starts empty; each distribution caches apart."""
    staged = {"aws-cf-cd-preview": "yes"}
    with el.load_distribution(SITE) as d:
        got = [
            (t.deployment, t.cache)
            for t in (
                d.request("/index.html"),
                d.request("/index.html"),
                d.request("/index.html", headers=staged),
                d.request("/index.html", headers=staged),
            )
        ]
        assert d.staging is not None and d.staging.distribution.cache is not d.cache
    assert got == [
        ("primary", "Miss"),
        ("primary", "Hit"),
        ("staging", "Miss"),
        ("staging", "Hit"),
    ]


def test_staging_runs_its_own_response_headers_policy() -> None:
    """The staging copy's managed CORS-With-Preflight (by id) answers, not the primary's
    SecurityHeadersPolicy."""
    with el.load_distribution(SITE) as d:
        t = d.request("/index.html", headers={"aws-cf-cd-preview": "yes", "Origin": "https://a.b"})
        p = d.request("/index.html", headers={"Origin": "https://a.b"})
    assert t.response["headers"]["access-control-allow-origin"][0]["value"] == "*"
    assert "x-xss-protection" not in t.response["headers"]
    assert "access-control-allow-origin" not in p.response["headers"]
    assert "x-xss-protection" in p.response["headers"]


def test_a_disabled_policy_sends_everything_to_the_primary() -> None:
    router = Router(
        ContinuousDeploymentPolicy(
            "cd", False, "SingleHeader", header="aws-cf-cd-x", header_value="1"
        )
    )
    assert router.route(el.header_map({"aws-cf-cd-x": "1"}), None, 0).deployment == "primary"


# -- §9 weight-based routing ----------------------------------------------------------------
def test_weight_routing_is_deterministic_given_the_seed() -> None:
    """DISTRIBUTION_DECISIONS "staging weight": the same seed routes the same requests;
    request ids route alike whatever the order."""

    def run(seed: int) -> list[str]:
        with el.load_distribution(WEIGHTED, clock=Clock(), seed=seed) as d:
            return [d.request("/index.html").deployment for _ in range(200)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    router = Router(weight_policy(0.15), seed=3)
    ids = [f"id-{i}" for i in range(500)]
    forward = [router.draw(i) for i in ids]
    assert [router.draw(i) for i in reversed(ids)] == forward[::-1]


def test_the_weight_comes_out_right_over_many_requests() -> None:
    """§9 weight 0.15: the staging share of 40,000 requests through the distribution's
    seeded stream is within four standard deviations (fixed seed: cannot be flaky)."""
    router = Router(weight_policy(0.15), seed=0)
    n = 40_000
    share = sum(router.route({}, None, 0).deployment == "staging" for _ in range(n)) / n
    assert abs(share - 0.15) < 4 * (0.15 * 0.85 / n) ** 0.5


@given(weight=staging_weights, seed=routing_seeds)
def test_the_weight_holds_for_any_weight_and_seed(weight: float, seed: int) -> None:
    """§9: over 4,000 request ids, the share is within five standard deviations of any
    weight (derandomized examples; weight 0 never routes)."""
    router = Router(weight_policy(weight), seed=seed)
    n = 4_000
    share = sum(router.route({}, f"r{i}", 0).deployment == "staging" for i in range(n)) / n
    assert abs(share - weight) <= 5 * (weight * (1 - weight) / n) ** 0.5 + 1e-12


# -- §9 session stickiness ------------------------------------------------------------------
def test_sessions_stick_and_end_on_the_injected_clock() -> None:
    """DISTRIBUTION_DECISIONS "session stickiness cookie": a viewer keeps its deployment
    while it sends the cookie back; the session ends idle_ttl after its last request
    or maximum_ttl after it began."""
    clock = Clock()
    with el.load_distribution(WEIGHTED, clock=clock, seed=1) as d:
        first = [d.request("/index.html") for _ in range(60)]
        staged = next(t for t in first if t.deployment == "staging")
        cookie = set_cookie(staged)
        assert cookie is not None and cookie.startswith(f"{STICKY_COOKIE}=staging.")
        assert all(set_cookie(t) for t in first)  # primary viewers get one too

        def again(cookie: str) -> el.Trace:
            name, value = cookie.split("=", 1)
            return d.request("/index.html", cookies={name: value})

        follow = []
        for _ in range(3):  # every 200 s: idle 300 s is never reached, until 900 s
            clock.t += 200
            t = again(cookie)
            follow.append(t.deployment)
            cookie = set_cookie(t) or ""
        assert follow == ["staging"] * 3
        clock.t += 299
        assert again(cookie).deployment == "staging"  # 899 s after the start
        clock.t += 2
        late = again(cookie)  # 901 s: past maximum_ttl, a new session
        assert set_cookie(late) != cookie and set_cookie(late).split(".")[1] == str(int(clock.t))
        idle = set_cookie(late) or ""
        clock.t += 301
        assert set_cookie(again(idle)).split(".")[1] == str(int(clock.t))  # idle: new one


def test_the_stickiness_cookie_is_cloudfronts_own() -> None:
    """DISTRIBUTION_DECISIONS "session stickiness cookie": stripped before the functions,
    the cache key and the origin; the viewer's other cookies stay. A distribution with a
    staging copy built in Python."""
    seen: list[str] = []

    def vreq(event: dict, context: Any) -> dict:
        req = event["Records"][0]["cf"]["request"]
        seen.append(",".join(e["value"] for e in req["headers"].get("cookie", ())))
        return req

    def origin(request: dict[str, Any]) -> tuple[int, str]:
        seen.append(",".join(e["value"] for e in request["headers"].get("cookie", ())))
        return 200, "ok"

    everything = el.CachePolicy(cookies="all")
    staging = el.Distribution({"viewer-request": vreq}, origin=origin, cache_policy=everything)
    router = Router(weight_policy(0.15, SessionStickiness(300, 900)))
    with el.Distribution(
        {"viewer-request": vreq},
        origin=origin,
        cache_policy=everything,
        staging=Staging(staging, router),
        clock=Clock(),
    ) as d:
        cookie = set_cookie(d.request("/a"))
        assert cookie is not None
        name, value = cookie.split("=", 1)
        t = d.request("/b", cookies={"a": "1", name: value})
    assert seen[2:] == ["a=1", "a=1"]
    assert set_cookie(t) is not None and set_cookie(t).split(".")[0] == cookie.split(".")[0]


def test_a_cloudformation_staging_distribution_runs(tmp_path: Path) -> None:
    """§9, §11.2: the template's ContinuousDeploymentPolicy (SingleWeight 0.05) and its
    staging distribution, followed from the primary; each deployment calls its own
    origin (the staging copy's domain name)."""
    with el.load_distribution(DEFS / "cloudformation" / "site.yaml", cache_dir=tmp_path) as d:
        traces = [d.request("/x", request_id=f"cfn-{i}") for i in range(200)]
    by = {
        t.deployment: t.origin.request["origin"]["custom"]["domainName"]
        for t in traces
        if t.origin is not None  # a miss
    }
    assert by == {
        "primary": "site-web.import:shared-web-domain",
        "staging": "staging-web.shop.example",
    }
    assert sum(t.deployment == "staging" for t in traces) == 13  # fixed ids: 6.5 % of 200


# -- traces, CLI, replay, analysis ----------------------------------------------------------
def test_request_json_says_which_deployment_served(capfd: pytest.CaptureFixture[str]) -> None:
    argv = ["request", "/index.html", "--config", str(SITE), "--json"]
    assert main([*argv, "--header", "aws-cf-cd-preview: yes", "--repeat", "2"]) == 0
    staged = json.loads(capfd.readouterr().out)
    assert [(t["deployment"], t["cache"]) for t in staged] == [
        ("staging", "Miss"),
        ("staging", "Hit"),
    ]
    assert staged[0]["response"]["body"] == "<p>staging</p>"
    assert main(argv) == 0
    (primary,) = json.loads(capfd.readouterr().out)
    assert primary["deployment"] == "primary"


def test_replay_rows_and_the_analysis_break_down_by_deployment(tmp_path: Path) -> None:
    """§9: replay rows carry ``deployment``; routing by request id (seed, row) gives the
    same rows for the same seed; the analysis and the report break results down."""
    n = 400
    start = pd.Timestamp("2025-11-03T10:00:00Z")
    traffic = pd.DataFrame(
        {
            "time": [start + pd.Timedelta(seconds=i) for i in range(n)],
            "method": "GET",
            "uri": "/index.html",
            "edge_location": ["IAD50-C1", "GRU50-C1"] * (n // 2),
        }
    )
    results = el.replay(WEIGHTED, traffic, progress=False, seed=5)
    again = el.replay(WEIGHTED, traffic, progress=False, seed=5, workers=2)
    cols = ["deployment", "cache", "cache_tier", "status"]
    pd.testing.assert_frame_equal(results[cols], again[cols])  # 1 and 2 workers agree
    staged = results["deployment"] == "staging"
    assert 0.08 < staged.mean() < 0.22  # 15 % of 400 (sessions are new: no cookies sent)
    table = analysis.cache_by_deployment(results).set_index("deployment")
    assert set(table.index) == {"primary", "staging"}
    assert table.loc["staging", "requests"] == staged.sum()
    # each deployment misses once per edge location: caches of its own
    assert table.loc["staging", "misses"] == 2 and table.loc["primary", "misses"] == 2
    section = report.behavior_section(report.Context(results))
    assert section is not None and len(section.tables) == 2
    by = analysis.latency_percentiles(results, by="deployment")
    assert set(by["deployment"]) == {"primary", "staging"}
