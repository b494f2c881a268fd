"""Ordered cache behaviours as the chain runs them (distribution facts §3, §7;
lambda-edge-facts §8.2): the behaviour is chosen once from the viewer's uri, each has its
own functions, policies, methods and viewer protocol policy, and CloudFront answers some
requests at the edge by itself. One table per rule, ids citing the facts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from tests.definitions_helpers import DEFS


class Recorder:
    """An origin that answers with its name and the uri, and keeps what it received."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: list[dict[str, Any]] = []

    def __call__(self, request: dict[str, Any]) -> tuple[int, str]:
        self.seen.append(request)
        return 200, f"{self.name}:{request['uri']}"


def passthrough(event: dict, context: Any) -> dict:
    cf = event["Records"][0]["cf"]
    return cf.get("response", cf["request"])


def tag(name: str) -> Any:
    """A viewer-request function that says which behaviour's function ran."""

    def handler(event: dict, context: Any) -> dict:
        req = event["Records"][0]["cf"]["request"]
        req["headers"]["x-ran"] = [{"key": "X-Ran", "value": name}]
        return req

    return handler


def dist(*behaviors: el.CacheBehavior, **kw: Any) -> el.Distribution:
    origins = kw.pop("origins", None) or {
        o: Recorder(o) for o in {b.target_origin for b in behaviors}
    }
    return el.Distribution(behaviors=list(behaviors), origins=origins, **kw)


PATTERNS = ["/api/*", "*.jpg", "/img/?.png", "images/*", "/a*"]
MATCHING = [
    ("§3.1 first match in order", "/api/users", "/api/*"),
    ("§3.1 star crosses slashes", "/photos/2024/cat.jpg", "*.jpg"),
    ("§3.1 question mark is one character", "/img/a.png", "/img/?.png"),
    ("§3.1 question mark is exactly one", "/img/ab.png", "*"),
    ("§3.1 leading slash optional", "/images/x.gif", "images/*"),
    ("§3.1 case-sensitive", "/API/users", "*"),
    ("§3.1 path only, query ignored", "/api/x?debug=1", "/api/*"),
    ("§3.1 dot segments resolved before matching", "/static/../api/x", "/api/*"),
    ("§3.1 default matches the rest", "/zzz", "*"),
]


@pytest.mark.parametrize(
    ("uri", "pattern"), [m[1:] for m in MATCHING], ids=[m[0] for m in MATCHING]
)
def test_the_behaviour_is_chosen_by_path_pattern(uri: str, pattern: str) -> None:
    targets = {p: f"o{i}" for i, p in enumerate([*PATTERNS, "*"])}
    d = dist(*(el.CacheBehavior(p, targets[p]) for p in [*PATTERNS, "*"]))
    trace = d.request(uri)
    assert trace.behavior == pattern
    assert trace.origin_id == targets[pattern]
    assert trace.body.decode().startswith(targets[pattern] + ":")


def test_a_rewritten_uri_keeps_the_behaviour_and_its_origin() -> None:
    """lambda-edge-facts §8.2, facts §3.1: changing uri does not re-select the behaviour."""

    def to_static(event: dict, context: Any) -> dict:
        req = event["Records"][0]["cf"]["request"]
        req["uri"] = "/static" + req["uri"]
        return req

    seen: list[str] = []

    def oreq(event: dict, context: Any) -> dict:
        seen.append("api")
        return event["Records"][0]["cf"]["request"]

    d = dist(
        el.CacheBehavior(
            "/api/*", "api", triggers={"viewer-request": to_static, "origin-request": oreq}
        ),
        el.CacheBehavior("/static/*", "static"),
        el.CacheBehavior("*", "site"),
    )
    trace = d.request("/api/x")
    assert (trace.behavior, trace.origin_id) == ("/api/*", "api")
    assert trace.origin.request["uri"] == "/static/api/x" and seen == ["api"]


def test_each_behaviour_runs_its_own_functions() -> None:
    d = dist(
        el.CacheBehavior("/a/*", "o", triggers={"viewer-request": tag("a")}),
        el.CacheBehavior("*", "o", triggers={"viewer-request": tag("default")}),
    )
    ran = {
        uri: d.request(uri).stage("viewer-request").output["headers"]["x-ran"][0]["value"]
        for uri in ("/a/1", "/b")
    }
    assert ran == {"/a/1": "a", "/b": "default"}


def test_a_function_two_behaviours_share_is_one_set_of_containers() -> None:
    d = dist(
        el.CacheBehavior("/a/*", "o", triggers={"viewer-request": passthrough}),
        el.CacheBehavior("*", "o", triggers={"viewer-request": passthrough}),
    )
    a, default = (b.bound[el.Trigger.VIEWER_REQUEST] for b in d.behaviors)
    assert a.handler is default.handler and a.container_id == default.container_id
    colds = [d.request(u).stages[0].cold_start for u in ("/a/1", "/b", "/a/2")]
    assert colds == [True, False, False]


def test_each_behaviour_has_its_own_cache_policy() -> None:
    """§4.3: CachingDisabled caches nothing; the default behaviour caches."""
    no_cache = el.CachePolicy(default_ttl=0, min_ttl=0, max_ttl=0)
    d = dist(el.CacheBehavior("/api/*", "o", cache_policy=no_cache), el.CacheBehavior("*", "o"))
    assert [d.request("/api/x").cache for _ in range(2)] == ["Miss", "Miss"]
    assert [d.request("/page").cache for _ in range(2)] == ["Miss", "Hit"]


def test_each_behaviour_forwards_what_its_origin_request_policy_says() -> None:
    """§4.2: the origin gets the cookies the behaviour's policies forward, no more."""
    o = Recorder("o")
    d = dist(
        el.CacheBehavior(
            "/api/*", "o", origin_request_policy=el.OriginRequestPolicy(cookies="all")
        ),
        el.CacheBehavior("*", "o"),
        origins={"o": o},
    )
    d.request("/api/x", cookies={"session": "s"})
    d.request("/page", cookies={"session": "s"})
    assert [r["headers"].get("cookie") for r in o.seen] == [
        [{"key": "Cookie", "value": "session=s"}],
        None,
    ]


def _origin_headers(orp: el.OriginRequestPolicy, **kw: Any) -> dict[str, Any]:
    o = Recorder("o")
    d = dist(el.CacheBehavior("*", "o", origin_request_policy=orp), origins={"o": o})
    d.request("/x", headers={"X-A": "1", "X-B": "2", "Host": "viewer.example"}, **kw)
    return o.seen[0]["headers"]


def test_all_except_forwards_every_viewer_header_but_the_named_ones() -> None:
    """§4.2 allExcept: Host left out means the origin gets its own domain."""
    headers = _origin_headers(
        el.OriginRequestPolicy(headers=el.edge.cache.NameMatch(("x-b", "host"), exclude=True))
    )
    assert "x-a" in headers and "x-b" not in headers
    assert headers["host"][0]["value"] == "origin.example"


def test_all_viewer_forwards_the_viewers_host() -> None:
    """§4.4 AllViewer forwards every viewer header, Host included."""
    headers = _origin_headers(el.OriginRequestPolicy(headers="all"))
    assert headers["host"][0]["value"] == "viewer.example" and "x-b" in headers


def test_legacy_cookie_names_may_use_wildcards() -> None:
    """§4.6: WhitelistedNames take * and ?."""
    o = Recorder("o")
    policy = el.CachePolicy(cookies=el.edge.cache.NameMatch(("sess*",)))
    d = dist(el.CacheBehavior("*", "o", cache_policy=policy), origins={"o": o})
    d.request("/x", cookies={"session": "1", "sess_b": "2", "other": "3"})
    assert o.seen[0]["headers"]["cookie"][0]["value"] == "sess_b=2; session=1"


# -- §3.2 allowed methods --------------------------------------------------------------------
GET_HEAD = ("GET", "HEAD")
GET_HEAD_OPTIONS = ("GET", "HEAD", "OPTIONS")
METHODS = [
    ("§3.2 GET allowed by GET, HEAD", GET_HEAD, "GET", 200),
    ("§3.2 HEAD allowed by GET, HEAD", GET_HEAD, "HEAD", 200),
    ("§3.2 POST refused by GET, HEAD", GET_HEAD, "POST", 403),
    ("§3.2 OPTIONS refused by GET, HEAD", GET_HEAD, "OPTIONS", 403),
    ("§3.2 OPTIONS allowed by GET, HEAD, OPTIONS", GET_HEAD_OPTIONS, "OPTIONS", 200),
    ("§3.2 DELETE refused by GET, HEAD, OPTIONS", GET_HEAD_OPTIONS, "DELETE", 403),
    ("§3.2 DELETE allowed by all seven", el.edge.behavior.ALL_METHODS, "DELETE", 200),
]


@pytest.mark.parametrize(
    ("allowed", "method", "status"), [m[1:] for m in METHODS], ids=[m[0] for m in METHODS]
)
def test_allowed_methods(allowed: tuple[str, ...], method: str, status: int) -> None:
    o = Recorder("o")
    d = dist(
        el.CacheBehavior("*", "o", allowed_methods=allowed, triggers={"viewer-request": tag("v")}),
        origins={"o": o},
    )
    trace = d.request("/x", method=method)
    assert trace.status == status
    if status == 403:
        assert trace.stages == [] and o.seen == []  # refused before viewer request
        assert trace.headers["x-cache"] == "Error from cloudfront"
        assert (trace.outcome, trace.edge_rule, trace.cache_tier) == (
            "refused",
            "method-not-allowed",
            None,
        )
        assert "not configured to allow the HTTP request method" in trace.body.decode()


def test_options_is_cached_when_the_cached_methods_say_so() -> None:
    """§3.2: OPTIONS responses are cached (the method is in the key) when chosen; OPTIONS
    bypasses the regional edge cache (§8), so only the edge location keeps them."""
    policy = el.CachePolicy(cached_methods=GET_HEAD_OPTIONS)
    d = dist(el.CacheBehavior("*", "o", allowed_methods=GET_HEAD_OPTIONS, cache_policy=policy))
    first, second = (d.request("/x", method="OPTIONS") for _ in range(2))
    assert (first.cache, second.cache, second.cache_tier) == ("Miss", "Hit", "edge")
    assert first.regional_edge_cache is None
    assert d.request("/x").cache == "Miss"  # GET is another key


# -- §3.3 viewer protocol policy -------------------------------------------------------------
R2H = "redirect-to-https"
VPP = [
    ("§3.3 allow-all serves HTTP", "allow-all", "http", "GET", "2.0", 200, None),
    ("§3.3 redirect-to-https GET: 301", R2H, "http", "GET", "2.0", 301, "Redirect"),
    ("§3.3 redirect-to-https HEAD: 301", R2H, "http", "HEAD", "1.1", 301, "Redirect"),
    ("§3.3 redirect-to-https POST: 307", R2H, "http", "POST", "1.1", 307, "Redirect"),
    ("§3.3 redirect-to-https POST on HTTP/1.0: 403", R2H, "http", "POST", "1.0", 403, "Error"),
    ("§3.3 redirect-to-https serves HTTPS", R2H, "https", "GET", "2.0", 200, None),
    ("§3.3 https-only refuses HTTP: 403", "https-only", "http", "GET", "2.0", 403, "Error"),
    ("§3.3 https-only serves HTTPS", "https-only", "https", "GET", "2.0", 200, None),
]


@pytest.mark.parametrize(
    ("policy", "scheme", "method", "version", "status", "x_cache"),
    [v[1:] for v in VPP],
    ids=[v[0] for v in VPP],
)
def test_viewer_protocol_policy(
    policy: str, scheme: str, method: str, version: str, status: int, x_cache: str | None
) -> None:
    d = dist(
        el.CacheBehavior(
            "*",
            "o",
            viewer_protocol_policy=policy,
            triggers={"viewer-request": tag("v"), "viewer-response": passthrough},
        )
    )
    trace = d.request(
        "/a/b?x=1",
        method=method,
        protocol=scheme,
        http_version=version,
        headers={"Host": "www.example.com"},
    )
    assert trace.status == status
    if x_cache is None:
        assert trace.triggers == ["viewer-request", "viewer-response"]
        return
    assert trace.stages == [] and trace.origin is None  # lambda-edge-facts §8.1 (d)
    assert trace.headers["x-cache"] == f"{x_cache} from cloudfront"
    assert trace.outcome == "refused" and trace.edge_rule == policy
    if status in (301, 307):
        assert trace.headers["location"] == "https://www.example.com/a/b?x=1"


# -- §7 default root object ------------------------------------------------------------------
def test_default_root_object_applies_to_the_root_only() -> None:
    seen: dict[str, list[str]] = {"vreq": [], "vresp": []}

    def vreq(event: dict, context: Any) -> dict:
        seen["vreq"].append(event["Records"][0]["cf"]["request"]["uri"])
        return event["Records"][0]["cf"]["request"]

    def vresp(event: dict, context: Any) -> dict:
        seen["vresp"].append(event["Records"][0]["cf"]["request"]["uri"])
        return event["Records"][0]["cf"]["response"]

    o = Recorder("o")
    d = dist(
        el.CacheBehavior("*", "o", triggers={"viewer-request": vreq, "viewer-response": vresp}),
        origins={"o": o},
        default_root_object="index.html",
    )
    root = d.request("/?a=1")
    assert root.origin.request["uri"] == "/index.html"  # §7: query string allowed
    assert seen == {"vreq": ["/"], "vresp": ["/"]}  # DISTRIBUTION_DECISIONS
    assert d.request("/index.html?a=1").cache == "Hit"  # one cache key
    assert d.request("/docs/").origin.request["uri"] == "/docs/"  # §7: not subfolders
    post = d.request("/", method="POST")  # §7: every allowed method
    assert post.origin.request["uri"] == "/index.html"


def test_default_root_object_after_viewer_request_rewrites() -> None:
    """DISTRIBUTION_DECISIONS: a uri viewer request turns into "/" gets the object; a
    "/" it rewrites elsewhere does not."""

    def to(uri: str) -> Any:
        def handler(event: dict, context: Any) -> dict:
            req = event["Records"][0]["cf"]["request"]
            req["uri"] = uri
            return req

        return handler

    for vreq, origin_uri in ((to("/"), "/home.html"), (to("/x"), "/x")):
        d = dist(
            el.CacheBehavior("*", "o", triggers={"viewer-request": vreq}),
            default_root_object="home.html",
        )
        assert d.request("/").origin.request["uri"] == origin_uri


# -- the full TOML form runs -----------------------------------------------------------------
@pytest.fixture
def full(tmp_path: Path) -> el.Distribution:
    d = el.load_distribution(DEFS / "toml" / "full.toml", cache_dir=tmp_path / "cache")
    yield d
    d.close()


def test_the_full_toml_form_runs_behaviours_in_order(full: el.Distribution) -> None:
    assert [b.path_pattern for b in full.behaviors] == ["/api/*", "/health", "/legacy/*", "*"]
    health = full.request("/health")
    assert (health.status, health.body, health.behavior, health.origin_kind) == (
        200,
        b"ok",
        "/health",
        "mapping",
    )
    assert health.regional_edge_cache is None  # §8: TTLs all 0, a dynamic request
    api = full.request("/api/users", protocol="http")
    assert (api.status, api.edge_rule) == (403, "https-only")


def test_legacy_forwarded_values_key_and_forward(full: el.Distribution) -> None:
    """§4.6: QueryStringCacheKeys, whitelisted cookies and headers are in the key; TTLs
    are the behaviour's (MinTTL 10)."""
    first = full.request("/legacy/a.txt?v=1&w=2", cookies={"session": "s", "x": "y"})
    same = full.request("/legacy/a.txt?v=1&w=3", cookies={"session": "s"})
    other = full.request("/legacy/a.txt?v=2", cookies={"session": "s"})
    assert (first.behavior, first.origin_id) == ("/legacy/*", "site")
    assert [t.cache for t in (first, same, other)] == ["Miss", "Hit", "Miss"]
    assert first.origin.request["querystring"] == "v=1&w=2"  # QueryString true: all of it
    assert first.origin.request["headers"]["cookie"][0]["value"] == "session=s"


def test_the_default_behaviour_says_what_is_not_run_yet(full: el.Distribution) -> None:
    trace = full.request("/index.html")
    assert trace.behavior == "*" and trace.origin_id == "site"  # the group's primary
    notes = " | ".join(trace.notes)
    vreq = trace.stage("viewer-request")  # the CloudFront Function runs (CFF §6)
    assert vreq is not None and (vreq.kind, vreq.runtime) == (
        "cloudfront-function",
        "cloudfront-js-2.0",
    )
    assert "CloudFront Function" not in notes
    assert "origin group site-ha" not in notes and "response headers policy" not in notes


def test_python_origins_serve_definition_origins(tmp_path: Path) -> None:
    """el.load_distribution takes callables for origin ids, and origin= for the default
    behaviour's origin."""
    api = Recorder("api")
    d = el.load_distribution(
        DEFS / "toml" / "full.toml",
        cache_dir=tmp_path / "cache",
        origins={"api": api},
        origin=Recorder("site"),
    )
    try:
        assert d.request("/api/x").body == b"api:/api/x"
        assert d.request("/page.html").body == b"site:/page.html"
        assert d.origins["api"].kind == "callable" and d.origins["api"].mapped_by == "python"
    finally:
        d.close()
    with pytest.raises(el.ConfigError, match="not an origin of the distribution"):
        el.load_distribution(
            DEFS / "toml" / "full.toml", cache_dir=tmp_path / "cache", origins={"nope": api}
        )


BAD_PYTHON = [
    ("§3.3 unknown viewer protocol policy", {"viewer_protocol_policy": "https"}),
    ("§3.2 methods without GET", {"allowed_methods": ("HEAD",)}),
    ("§3.2 unknown method", {"allowed_methods": ("GET", "HEAD", "TRACE")}),
]


@pytest.mark.parametrize("kw", [b[1] for b in BAD_PYTHON], ids=[b[0] for b in BAD_PYTHON])
def test_bad_behaviour_settings_are_config_errors(kw: dict[str, Any]) -> None:
    with pytest.raises(el.ConfigError):
        el.CacheBehavior("*", "o", **kw)


def test_the_last_behaviour_is_the_default_and_targets_exist() -> None:
    with pytest.raises(el.ConfigError, match="the last behaviour is the default"):
        dist(el.CacheBehavior("/a/*", "o"))
    with pytest.raises(el.ConfigError, match="not an origin of the distribution"):
        el.Distribution(behaviors=[el.CacheBehavior("*", "x")], origins={"o": Recorder("o")})
    with pytest.raises(el.ConfigError, match="either"):
        el.Distribution({}, origin=Recorder("o"), behaviors=[el.CacheBehavior()])


# -- the decisions -----------------------------------------------------------------------
def test_a_functions_own_timeout_is_used_within_the_quota(tmp_path: Path) -> None:
    """DISTRIBUTION_DECISIONS "a function's own timeout"."""
    from tests.test_origin_ids import CUSTOM, template

    path = template(tmp_path, [CUSTOM])
    text = path.read_text().replace(
        '"Handler": "oreq.handler"', '"Handler": "oreq.handler", "Timeout": 2'
    )
    timed = tmp_path / "timed.json"
    timed.write_text(text)
    for file, seconds in ((path, 30.0), (timed, 2.0)):
        with el.load_distribution(file, cache_dir=tmp_path / "cache") as d:
            assert d.triggers[el.Trigger.ORIGIN_REQUEST].timeout_s == seconds


PINNED = {
    "method the behaviour does not allow (UNSURE)": "test_behaviors::test_allowed_methods",
    "redirect to HTTPS (UNSURE)": "test_behaviors::test_viewer_protocol_policy",
    "default root object and viewer request (UNSURE)": (
        "test_behaviors::test_default_root_object_after_viewer_request_rewrites"
    ),
    "where origin request and origin response run (UNSURE)": (
        "test_tiers::test_a_regional_hit_skips_the_origin_facing_functions"
    ),
    "dynamic requests bypass the regional edge cache (UNSURE)": (
        "test_tiers::test_requests_that_bypass_the_regional_edge_cache"
    ),
    "S3 origin in the regional edge cache's Region": (
        "test_tiers::test_s3_origins_in_the_regional_caches_region_bypass_it"
    ),
    "an object fetched through the regional edge cache": (
        "test_tiers::test_an_object_from_the_regional_cache_keeps_its_age"
    ),
    "edge location edgelab's table does not list": "test_tiers::test_edge_location_codes",
    "an expired object (RefreshHit)": (
        "test_tiers::test_an_expired_object_is_revalidated_refreshhit"
    ),
    "Content-Length of a compressed object": "test_behaviors::test_compress",
    "a function's own timeout": (
        "test_behaviors::test_a_functions_own_timeout_is_used_within_the_quota"
    ),
    "viewers of `edgelab serve`": "test_request_cli::test_serve_runs_the_cdk_fixture",
    "response headers policy and viewer response (UNSURE)": (
        "test_response_headers::test_viewer_response_sees_the_policy_headers_on_hits_and_misses"
    ),
    "which responses get the policy's headers (UNSURE)": (
        "test_response_headers::test_which_responses_get_the_policy"
    ),
    "CORS preflight (UNSURE)": "test_response_headers::test_cors_headers_through_the_chain",
    "CORS headers on other requests (UNSURE)": (
        "test_response_headers::test_all_methods_and_the_managed_preflight_policy"
    ),
    "CORS origin override off (UNSURE)": "test_response_headers::test_cors_origin_override",
    "CORS allowed origins (UNSURE)": "test_response_headers::test_cors_allowed_origins",
    "removed `Server` or `Date`": "test_response_headers::test_removal_comes_first_then_additions",
    "Server-Timing values (UNSURE)": (
        "test_response_headers::test_server_timing_on_a_miss_and_a_hit"
    ),
    "staging weight (UNSURE)": (
        "test_deployment::test_weight_routing_is_deterministic_given_the_seed"
    ),
    "staging header": "test_deployment::test_header_routing",
    "session stickiness cookie (UNSURE)": (
        "test_deployment::test_sessions_stick_and_end_on_the_injected_clock"
    ),
    "a request routed to staging": "test_deployment::test_staging_has_caches_of_its_own",
    "which requests fail over": "test_failover::test_failover",
    "failover and origin response (UNSURE)": (
        "test_failover::test_failover_is_decided_on_the_primarys_own_status"
    ),
    "an origin request function answers or fails in an origin group (UNSURE)": (
        "test_failover::test_no_failover_without_an_origins_answer"
    ),
    "the secondary's try (UNSURE)": (
        "test_failover::test_the_secondary_try_is_built_for_the_secondary"
    ),
    "what is cached after a failover (UNSURE)": (
        "test_failover::test_what_is_cached_after_a_failover"
    ),
    "which responses get a custom error page (UNSURE)": (
        "test_error_pages::test_responses_that_keep_their_status"
    ),
    "fetching the custom error page (UNSURE)": (
        "test_error_pages::test_the_page_is_fetched_through_its_behaviour"
    ),
    "the custom error page cannot be fetched": "test_error_pages::test_custom_error_pages",
    "error caching (UNSURE for unlisted codes)": "test_error_pages::test_error_caching",
}


@pytest.mark.parametrize(
    "decision", el.edge.decisions.DISTRIBUTION_DECISIONS, ids=lambda d: d.topic
)
def test_every_distribution_decision_is_pinned_by_a_test(decision: Any) -> None:
    import importlib

    assert decision.topic in PINNED, f"no test pins the decision {decision.topic!r}"
    module, function = PINNED[decision.topic].split("::")
    assert callable(getattr(importlib.import_module(f"tests.{module}"), function))


def test_readme_distribution_table_is_rendered_from_the_decisions() -> None:
    from edgelab.rules.tables import decisions_markdown
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = decisions_markdown(
        el.edge.decisions.DISTRIBUTION_DECISIONS, ("case", "what edgelab does", "facts")
    )
    assert table in readme


# -- §3.4 compress ---------------------------------------------------------------------------
def _compressing(tmp_path: Path, **policy: Any) -> el.Distribution:
    (tmp_path / "big.html").write_text("<p>edge</p>" * 200)  # 2,200 bytes
    (tmp_path / "small.css").write_text("a{}")
    (tmp_path / "big.png").write_bytes(b"\x89PNG" + b"\x00" * 2000)
    return dist(
        el.CacheBehavior("*", "o", compress=True, cache_policy=el.CachePolicy(**policy)),
        origins={"o": el.FolderOrigin(tmp_path)},
    )


COMPRESS = [
    ("§3.4 br and gzip accepted: Brotli", "br, gzip", "/big.html", "br"),
    ("§3.4 gzip accepted", "gzip, deflate", "/big.html", "gzip"),
    ("§3.4 nothing accepted", "identity", "/big.html", None),
    ("§3.4 under 1,000 bytes", "gzip", "/small.css", None),
    ("§3.4 not a compressible type", "gzip", "/big.png", None),
    ("§3.4 status not 200/403/404", "gzip", "/missing.html", None),
]


@pytest.mark.parametrize(
    ("accept", "uri", "encoding"), [c[1:] for c in COMPRESS], ids=[c[0] for c in COMPRESS]
)
def test_compress(tmp_path: Path, accept: str, uri: str, encoding: str | None) -> None:
    import gzip

    import brotli

    d = _compressing(tmp_path)
    trace = d.request(uri, headers={"Accept-Encoding": accept})
    assert trace.headers.get("content-encoding") == encoding
    if encoding is None:
        return
    raw = {"br": brotli.decompress, "gzip": gzip.decompress}[encoding](trace.body)
    assert raw == (tmp_path / "big.html").read_bytes()
    assert trace.headers["etag"].startswith('W/"') and "content-length" not in trace.headers
    again = d.request(uri, headers={"Accept-Encoding": accept})
    assert again.cache == "Hit" and again.headers["content-encoding"] == encoding


def test_compress_follows_the_cache_policy_and_http_version(tmp_path: Path) -> None:
    """§3.4: only the encodings the cache policy caches; HTTP/1.0 gets none."""
    d = _compressing(tmp_path, brotli=False)
    assert (
        d.request("/big.html", headers={"Accept-Encoding": "br, gzip"}).headers["content-encoding"]
        == "gzip"
    )
    old = d.request("/big.html", headers={"Accept-Encoding": "gzip"}, http_version="1.0")
    assert "content-encoding" not in old.headers
    plain = dist(el.CacheBehavior("*", "o"), origins={"o": el.FolderOrigin(tmp_path)})
    assert (
        "content-encoding"
        not in plain.request("/big.html", headers={"Accept-Encoding": "gzip"}).headers
    )
