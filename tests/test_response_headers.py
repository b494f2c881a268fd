"""Response headers policies (distribution facts §5): CORS with preflight, security
headers, custom and removed headers, Server-Timing; where the policy sits in the chain.
One table per rule, ids citing the facts; the UNSURE points are DISTRIBUTION_DECISIONS
rows pinned here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.cli import main
from edgelab.definitions.model import CorsConfig, ResponseHeader, ResponseHeadersPolicySpec
from edgelab.definitions.model import ServerTiming as ServerTimingSpec
from edgelab.edge.response_headers import allowed_origin, cors_headers, sampled
from tests.definitions_helpers import DEFS

SITE = DEFS / "toml" / "policies" / "site.toml"
ALL_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")


def policy(**kw: Any) -> ResponseHeadersPolicySpec:
    return ResponseHeadersPolicySpec(name="test", **kw)


def origin_with(headers: dict[str, str], status: int = 200) -> Any:
    def origin(request: dict[str, Any]) -> dict[str, Any]:
        return {
            "status": str(status),
            "headers": {k.lower(): [{"key": k, "value": v}] for k, v in headers.items()},
            "body": "ok",
        }

    return origin


def dist(rhp: Any, *, origin: Any = None, **behavior: Any) -> el.Distribution:
    behavior.setdefault("allowed_methods", ALL_METHODS)
    return el.Distribution(
        behaviors=[el.CacheBehavior("*", "o", response_headers_policy=rhp, **behavior)],
        origins={"o": origin or origin_with({"Content-Type": "text/plain"})},
    )


def value(trace: el.Trace, name: str) -> str | None:
    got = trace.response["headers"].get(name.lower())
    return ", ".join(e["value"] for e in got) if got else None


# -- §5.1 CORS: which origins match --------------------------------------------------------
ORIGINS = [
    ("§5.1 exact origin", ["https://app.example"], "https://app.example", "https://app.example"),
    ("§5.1 scheme and host case-insensitive", ["https://app.example"], "HTTPS://App.Example",
     "HTTPS://App.Example"),
    ("§5.1 another scheme does not match", ["https://app.example"], "http://app.example", None),
    ("§5.1 star answers star", ["*"], "https://anything.test", "*"),
    ("§5.1 wildcard subdomain", ["https://*.example.org"], "https://a.example.org",
     "https://a.example.org"),
    ("§5.1 wildcard spans labels", ["https://*.example.org"], "https://a.b.example.org",
     "https://a.b.example.org"),
    ("§5.1 wildcard needs a subdomain", ["https://*.example.org"], "https://example.org", None),
    ("§5.1 port wildcard", ["http://example.org:*"], "http://example.org:8080",
     "http://example.org:8080"),
    ("§5.1 port wildcard needs a port", ["http://example.org:*"], "http://example.org", None),
    ("§5.1 partial port wildcard", ["http://example.org:1*3"], "http://example.org:1023",
     "http://example.org:1023"),
    ("§5.1 partial port wildcard mismatch", ["http://example.org:1*3"],
     "http://example.org:1024", None),
    ("§5.1 entry without a scheme", ["app.example"], "https://app.example", None),
    ("§5.1 no Origin header", ["*"], "", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("allowed", "origin", "expected"), [r[1:] for r in ORIGINS], ids=[r[0] for r in ORIGINS]
)
def test_cors_allowed_origins(allowed: list[str], origin: str, expected: str | None) -> None:
    """DISTRIBUTION_DECISIONS "CORS allowed origins"."""
    assert allowed_origin(origin, allowed) == expected


CORS = CorsConfig(
    allow_origins=("https://app.example",),
    allow_methods=("GET", "POST"),
    allow_headers=("Content-Type",),
    expose_headers=("X-Request-Id",),
    allow_credentials=True,
    max_age_sec=600,
    origin_override=True,
)
PREFLIGHT = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
CORS_CASES = [
    (
        "§5.1 preflight gets origin, methods, headers, max age, credentials",
        "OPTIONS",
        PREFLIGHT,
        {
            "Access-Control-Allow-Origin": "https://app.example",
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Allow-Methods": "GET, POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        },
    ),
    (
        "§5.1 other requests get origin, credentials, expose headers",
        "GET",
        {"Origin": "https://app.example"},
        {
            "Access-Control-Allow-Origin": "https://app.example",
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Expose-Headers": "X-Request-Id",
        },
    ),
    (
        "§5.1 OPTIONS without Access-Control-Request-Method is not a preflight",
        "OPTIONS",
        {"Origin": "https://app.example"},
        {
            "Access-Control-Allow-Origin": "https://app.example",
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Expose-Headers": "X-Request-Id",
        },
    ),
    ("§5.1 origin not allowed: no CORS headers", "OPTIONS",
     {**PREFLIGHT, "Origin": "https://evil.example"}, {}),
    ("§5.1 no Origin: no CORS headers", "GET", {}, {}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "headers", "expected"), [c[1:] for c in CORS_CASES], ids=[c[0] for c in CORS_CASES]
)
def test_cors_headers_through_the_chain(
    method: str, headers: dict[str, str], expected: dict[str, str]
) -> None:
    """DISTRIBUTION_DECISIONS "CORS preflight" and "CORS headers on other requests": the
    OPTIONS request reaches the origin; the policy adds the headers to its response."""
    seen: list[str] = []

    def origin(request: dict[str, Any]) -> tuple[int, str]:
        seen.append(request["method"])
        return 200, "ok"

    with dist(policy(cors=CORS), origin=origin) as d:
        trace = d.request("/x", method=method, headers=headers)
    got = {
        e["key"]: e["value"]
        for name, elems in trace.response["headers"].items()
        if name.startswith("access-control-")
        for e in elems
    }
    assert got == expected
    assert seen == [method]


def test_all_methods_and_the_managed_preflight_policy() -> None:
    """§5.1 ``ALL``; §5.5 CORS-With-Preflight by name: origin `*`, every method."""
    every = CorsConfig(allow_origins=("*",), allow_methods=("ALL",))
    request = {"method": "OPTIONS", "headers": el.header_map(PREFLIGHT)}
    assert dict(cors_headers(every, request))["Access-Control-Allow-Methods"] == (
        "GET, DELETE, HEAD, OPTIONS, PATCH, POST, PUT"
    )
    with dist("CORS-With-Preflight") as d:
        pre = d.request("/", method="OPTIONS", headers=PREFLIGHT)
        simple = d.request("/", headers={"Origin": "https://app.example"})
    assert value(pre, "Access-Control-Allow-Origin") == "*"
    assert (
        value(pre, "Access-Control-Allow-Methods") == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    )
    assert value(simple, "Access-Control-Expose-Headers") == "*"
    assert value(simple, "Access-Control-Allow-Methods") is None


def test_a_preflight_the_behaviour_does_not_allow_is_refused() -> None:
    """DISTRIBUTION_DECISIONS "CORS preflight": OPTIONS not in the allowed methods: 403,
    answered before the policy, so no CORS headers."""
    with dist(policy(cors=CORS), allowed_methods=("GET", "HEAD")) as d:
        trace = d.request("/", method="OPTIONS", headers=PREFLIGHT)
    assert (trace.status, trace.edge_rule) == (403, "method-not-allowed")
    assert value(trace, "Access-Control-Allow-Origin") is None


OVERRIDE = [
    ("§5.1 override off, origin sends a CORS header: none added", False,
     {"Access-Control-Allow-Origin": "https://other.example"},
     ("https://other.example", None)),
    ("§5.1 override off, origin sends none: all added", False, {},
     ("https://app.example", "true")),
    ("§5.1 override on: the policy's replace the origin's", True,
     {"Access-Control-Allow-Origin": "https://other.example"},
     ("https://app.example", "true")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("override", "origin_headers", "expected"),
    [c[1:] for c in OVERRIDE],
    ids=[c[0] for c in OVERRIDE],
)
def test_cors_origin_override(
    override: bool, origin_headers: dict[str, str], expected: tuple[str, str | None]
) -> None:
    """DISTRIBUTION_DECISIONS "CORS origin override off"."""
    cors = CorsConfig(
        allow_origins=("https://app.example",), allow_credentials=True, origin_override=override
    )
    with dist(policy(cors=cors), origin=origin_with(origin_headers)) as d:
        trace = d.request("/", headers={"Origin": "https://app.example"})
    got = (
        value(trace, "Access-Control-Allow-Origin"),
        value(trace, "Access-Control-Allow-Credentials"),
    )
    assert got == expected


# -- §5.2, §5.3 security and custom headers, each with its override ------------------------
HEADERS = [
    ("§5.2 added when the origin has none", False, {}, "DENY"),
    ("§5.2 override off keeps the origin's", False, {"X-Frame-Options": "SAMEORIGIN"},
     "SAMEORIGIN"),
    ("§5.2 override on replaces the origin's", True, {"X-Frame-Options": "SAMEORIGIN"}, "DENY"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("override", "origin_headers", "expected"),
    [c[1:] for c in HEADERS],
    ids=[c[0] for c in HEADERS],
)
def test_security_and_custom_header_override(
    override: bool, origin_headers: dict[str, str], expected: str
) -> None:
    for kind in ("security_headers", "custom_headers"):
        rhp = policy(**{kind: (ResponseHeader("X-Frame-Options", "DENY", override),)})
        with dist(rhp, origin=origin_with(origin_headers)) as d:
            assert value(d.request("/"), "X-Frame-Options") == expected, kind


def test_managed_security_headers_policy_by_name_and_id() -> None:
    """§5.5 SecurityHeadersPolicy: nosniff overrides, the others keep the origin's."""
    origin = origin_with({"X-Frame-Options": "DENY", "X-Content-Type-Options": "off"})
    for ref in ("SecurityHeadersPolicy", "Managed-SecurityHeadersPolicy",
                "67f7725c-6f97-4210-82d7-5512b31e9d03"):  # fmt: skip
        with dist(ref, origin=origin) as d:
            t = d.request("/")
        assert value(t, "X-Frame-Options") == "DENY"
        assert value(t, "X-Content-Type-Options") == "nosniff"
        assert value(t, "Strict-Transport-Security") == "max-age=31536000"
        assert value(t, "Referrer-Policy") == "strict-origin-when-cross-origin"
        assert value(t, "X-XSS-Protection") == "1; mode=block"


def test_an_unknown_managed_policy_is_a_clear_error() -> None:
    with pytest.raises(el.ConfigError, match=r"response_headers_policy must be a managed.*'Nope'"):
        dist("Nope")


def test_removal_comes_first_then_additions() -> None:
    """§5.3: a header both removed and added ends with the policy's value; removing
    Server or Date brings CloudFront's own back (DISTRIBUTION_DECISIONS "removed")."""
    rhp = policy(
        custom_headers=(ResponseHeader("X-Env", "local", False),),
        remove_headers=("X-Env", "X-Powered-By", "Server", "Date"),
    )
    origin = origin_with(
        {"X-Env": "prod", "X-Powered-By": "Express", "Server": "nginx", "Date": "yesterday"}
    )
    with dist(rhp, origin=origin) as d:
        t = d.request("/", time=0.0)
    assert value(t, "X-Env") == "local"
    assert value(t, "X-Powered-By") is None
    assert value(t, "Server") == "CloudFront"
    assert value(t, "Date") == "Thu, 01 Jan 1970 00:00:00 GMT"


# -- where the policy sits (§5, DISTRIBUTION_DECISIONS) -------------------------------------
def test_viewer_response_sees_the_policy_headers_on_hits_and_misses() -> None:
    """DISTRIBUTION_DECISIONS "response headers policy and viewer response": the policy
    runs before viewer response, on a miss and on a hit; what is cached has no policy
    header (the origin's response is stored)."""
    seen: list[str | None] = []

    def vresp(event: dict, context: Any) -> dict:
        cf = event["Records"][0]["cf"]
        got = cf["response"]["headers"].get("x-env")
        seen.append(got[0]["value"] if got else None)
        cf["response"]["headers"]["x-env"] = [{"key": "X-Env", "value": "changed"}]
        return cf["response"]

    rhp = policy(custom_headers=(ResponseHeader("X-Env", "local", True),))
    with dist(rhp, triggers={"viewer-response": vresp}) as d:
        miss, hit = d.request("/"), d.request("/")
        edge = d.cache.edge(d.edge_location)
        cached = [edge.peek(k).response for k in list(edge.keys())]
    assert (miss.cache, hit.cache) == ("Miss", "Hit")
    assert seen == ["local", "local"]
    assert value(hit, "X-Env") == "changed"
    assert all("x-env" not in r["headers"] for r in cached)


def test_which_responses_get_the_policy() -> None:
    """DISTRIBUTION_DECISIONS "which responses get the policy's headers": origin errors
    and CloudFront's error page for a failed function yes; a redirect to HTTPS and a
    viewer-request-generated response no."""
    rhp = policy(custom_headers=(ResponseHeader("X-Env", "local", True),))

    def respond(event: dict, context: Any) -> dict:
        return {"status": "200", "body": "generated"}

    def broken(event: dict, context: Any) -> dict:
        raise RuntimeError("boom")

    with dist(rhp, origin=origin_with({}, 404)) as d:
        assert value(d.request("/"), "X-Env") == "local"
    with dist(rhp, triggers={"origin-response": broken}) as d:
        t = d.request("/")
        assert (t.cache, t.status >= 500, value(t, "X-Env")) == ("Error", True, "local")
    with dist(rhp, viewer_protocol_policy="redirect-to-https") as d:
        t = d.request("/", protocol="http")
        assert (t.status, value(t, "X-Env")) == (301, None)
    with dist(rhp, triggers={"viewer-request": respond}) as d:
        t = d.request("/")
        assert (t.body, value(t, "X-Env")) == (b"generated", None)


# -- §5.4 Server-Timing ---------------------------------------------------------------------
def timing_dist(rate: float, origin: Any = None) -> el.Distribution:
    return dist(policy(server_timing=ServerTimingSpec(True, rate)), origin=origin)


def test_server_timing_on_a_miss_and_a_hit() -> None:
    """§5.4 / DISTRIBUTION_DECISIONS "Server-Timing values": a miss names the upstream
    layer and its measured first-byte time and keeps the origin's own metrics; a hit
    names the layer that answered and drops the cached origin metrics."""
    origin = origin_with({"Server-Timing": "db;dur=12", "Cache-Control": "max-age=60"})
    with timing_dist(100, origin) as d:
        miss = d.request("/", request_id="rid-1")
        hit = d.request("/", request_id="rid-2")
    m = value(miss, "Server-Timing")
    assert m is not None and m.startswith('db;dur=12,cdn-upstream-layer;desc="REC"')
    names = [part.split(";")[0] for part in m.split(",")]
    assert names == [
        "db",
        "cdn-upstream-layer",
        "cdn-upstream-dns",
        "cdn-upstream-connect",
        "cdn-upstream-fbl",
        "cdn-cache-miss",
        "cdn-pop",
        "cdn-rid",
        "cdn-downstream-fbl",
    ]
    assert "cdn-upstream-dns;dur=0" in m and 'cdn-rid;desc="rid-1"' in m
    assert f'cdn-pop;desc="{d.edge_location}"' in m
    h = value(hit, "Server-Timing")
    assert h is not None and "db;dur" not in h
    assert [p.split(";")[0] for p in h.split(",")] == [
        "cdn-cache-hit",
        "cdn-pop",
        "cdn-rid",
        "cdn-hit-layer",
        "cdn-downstream-fbl",
    ]
    assert 'cdn-hit-layer;desc="EDGE"' in h


def test_server_timing_sampling_and_pragma() -> None:
    """§5.4: rate 0 never, unless ``Pragma: server-timing``; a disabled config never."""
    with timing_dist(0) as d:
        assert value(d.request("/"), "Server-Timing") is None
        assert value(d.request("/", headers={"Pragma": "no-cache, server-timing"}), "Server-Timing")
    off = policy(server_timing=ServerTimingSpec(False, 100))
    with dist(off) as d:
        assert value(d.request("/", headers={"Pragma": "server-timing"}), "Server-Timing") is None


def test_server_timing_sampling_rate_is_deterministic_and_right() -> None:
    """§5.4 sampling: decided from the request id, so the same ids are sampled every run,
    and the share over many ids is the rate (fixed ids: cannot be flaky)."""
    ids = [f"req-{i}" for i in range(20_000)]
    picked = [sampled(12.5, rid, {}) for rid in ids]
    assert picked == [sampled(12.5, rid, {}) for rid in ids]
    share = sum(picked) / len(ids)
    assert abs(share - 0.125) < 4 * (0.125 * 0.875 / len(ids)) ** 0.5


# -- definitions, CLI ----------------------------------------------------------------------
def test_toml_policies_run_through_load_distribution() -> None:
    """A custom policy in ``[response_headers_policies]`` and a managed one by name, on
    two ``[[behaviors]]``; no "not applied yet" note any more."""
    with el.load_distribution(SITE) as d:
        api = d.request("/api/data", headers={"Origin": "https://shop.example.org"})
        page = d.request("/index.html")
    assert api.behavior == "/api/*" and page.behavior == "*"
    assert value(api, "Access-Control-Allow-Origin") == "https://shop.example.org"
    assert value(api, "Access-Control-Expose-Headers") == "X-Request-Id"
    assert value(api, "X-Powered-By") is None and value(api, "X-Env") == "local"
    assert value(api, "Strict-Transport-Security") == "max-age=63072000; includeSubDomains; preload"
    assert (value(api, "Server-Timing") or "").startswith("db;dur=12,cdn-upstream-layer")
    assert value(page, "X-Frame-Options") == "DENY"  # the origin's: override off (§5.5)
    assert value(page, "X-Content-Type-Options") == "nosniff"
    assert not any("response headers policy" in n for n in (*api.notes, *page.notes))


def test_request_json_shows_a_preflight(capfd: pytest.CaptureFixture[str]) -> None:
    argv = ["request", "/api/data", "--config", str(SITE), "--method", "OPTIONS", "--json"]
    argv += ["--header", "Origin: https://app.example"]
    argv += ["--header", "Access-Control-Request-Method: POST"]
    assert main(argv) == 0
    (trace,) = json.loads(capfd.readouterr().out)
    headers = trace["response"]["headers"]
    assert headers["access-control-allow-origin"][0]["value"] == "https://app.example"
    assert headers["access-control-allow-methods"][0]["value"] == "GET, POST, OPTIONS"
    assert headers["access-control-allow-headers"][0]["value"] == "Content-Type, Authorization"
    assert headers["access-control-max-age"][0]["value"] == "600"
    assert trace["deployment"] == "primary"


def test_config_show_no_longer_lists_policies_or_staging_as_not_run(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "show", str(SITE)]) == 0
    out = capfd.readouterr().out
    assert "not applied yet" not in out and "continuous deployment is not run" not in out
