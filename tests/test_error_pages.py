"""Custom error responses and error caching (distribution facts §6, lambda-edge-facts
§8.1), through ``el.load_distribution`` + ``Distribution.request``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.edge.cache import CachePolicy
from edgelab.edge.trace import Trace
from edgelab.errors import OriginError
from edgelab.event.headers import header_map

VREQ = """
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"] == "/generated":
        return {"status": "404", "headers": {}, "body": "a function's own 404"}
    return request
"""
VRESP = """
def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["x-vresp"] = [{"key": "X-VResp", "value": "ran"}]
    return response
"""
PAGE_OREQ = """
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-page-oreq"] = [{"key": "X-Page-OReq", "value": request["uri"]}]
    return request
"""
API_OREQ = """
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"] == "/api/fail":
        raise RuntimeError("broken")
    return request
"""

TOML = """
[distribution]
isolated = false

[[origins]]
id = "site"
type = "folder"
path = "site/"
missing = 404

[[origins]]
id = "api"
type = "echo"
domain_name = "api.example.com"

[[behaviors]]
path_pattern = "/errors/*"
target_origin = "site"
cache_policy = { default_ttl = 300, min_ttl = 0, max_ttl = 600 }
origin_request_policy = { cloudfront_headers = ["CloudFront-Error-Uri", "CloudFront-Error-Args"] }
[behaviors.functions]
origin-request = "page_oreq.py"

[[behaviors]]
path_pattern = "/api/*"
target_origin = "api"
viewer_protocol_policy = "https-only"
cache_policy = { default_ttl = 0, min_ttl = 0, max_ttl = 0 }
[behaviors.functions]
origin-request = "api_oreq.py"

[[behaviors]]
target_origin = "site"
[behaviors.functions]
viewer-request = "vreq.py"
viewer-response = "vresp.py"

[[custom_error_responses]]
error_code = 404
response_page_path = "/errors/404.html"
response_code = 404
error_caching_min_ttl = 30

[[custom_error_responses]]
error_code = 503
response_page_path = "/errors/sorry.html"
response_code = 200

[[custom_error_responses]]
error_code = 500
response_page_path = "/errors/sorry.html"

[[custom_error_responses]]
error_code = 504
response_page_path = "/errors/sorry.html"

[[custom_error_responses]]
error_code = 502
response_page_path = "/errors/gone.html"

[[custom_error_responses]]
error_code = 403
response_page_path = "/errors/404.html"

[[custom_error_responses]]
error_code = 501
error_caching_min_ttl = 60
"""


class Api:
    """The api origin: the status in the path (/api/s503 -> 503), or a timeout."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, request: dict[str, Any]) -> Any:
        self.calls += 1
        uri = request["uri"]
        if uri == "/api/slow":
            raise OriginError(504, "the origin did not answer within its read timeout")
        if uri.startswith("/api/s"):
            return (int(uri[len("/api/s") :]), "api says no")
        return (200, "api ok")


@pytest.fixture
def now() -> list[float]:
    return [1_700_000_000.0]


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def site(tmp_path: Path, now: list[float], api: Api) -> Iterator[el.Distribution]:
    root = tmp_path / "site"
    (root / "errors").mkdir(parents=True)
    (root / "index.html").write_text("<p>home</p>")
    (root / "errors" / "404.html").write_text("<p>not here</p>")
    (root / "errors" / "sorry.html").write_text("<p>sorry</p>")
    for name, code in (
        ("vreq.py", VREQ),
        ("vresp.py", VRESP),
        ("page_oreq.py", PAGE_OREQ),
        ("api_oreq.py", API_OREQ),
    ):
        (tmp_path / name).write_text(code)
    cfg = tmp_path / "dist.toml"
    cfg.write_text(TOML)
    d = el.load_distribution(cfg, origins={"api": api}, clock=lambda: now[0])
    yield d
    d.close()


def get(d: el.Distribution, path: str, **kw: Any) -> Trace:
    kw.setdefault("protocol", "https")
    return d.request(path, **kw)


# (id, path, viewer status, original status, page, body, page served)
PAGES = [
    ("§6.1 origin 404: the page, with the response code", "/missing", 404, 404,
     "/errors/404.html", b"<p>not here</p>", True),
    ("§6.1 the response code replaces the status (503 -> 200)", "/api/s503", 200, 503,
     "/errors/sorry.html", b"<p>sorry</p>", True),
    ("§6.1 no response code: the original status", "/api/s500", 500, 500,
     "/errors/sorry.html", b"<p>sorry</p>", True),
    ("§6.2 an origin timeout (504) gets its page", "/api/slow", 504, 504,
     "/errors/sorry.html", b"<p>sorry</p>", True),
    ("§6.3 a Lambda@Edge failure gets the page for its status", "/api/fail", 500, 500,
     "/errors/sorry.html", b"<p>sorry</p>", True),
    ("§6.1 the page cannot be fetched: its origin's answer", "/api/s502", 404, 502,
     "/errors/gone.html", None, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "status", "original", "page", "body", "served"),
    [r[1:] for r in PAGES],
    ids=[r[0] for r in PAGES],
)
def test_custom_error_pages(
    site: el.Distribution,
    path: str,
    status: int,
    original: int,
    page: str,
    body: bytes | None,
    served: bool,
) -> None:
    trace = get(site, path)
    assert trace.status == status
    assert trace.response["status"] == str(status)
    ep = trace.error_page
    assert ep is not None
    assert (ep.original_status, ep.page, ep.status, ep.served) == (original, page, status, served)
    assert ep.behavior == "/errors/*"
    if body is not None:
        assert trace.body == body
    assert "viewer-response" not in trace.triggers  # §6.3: never for an error page
    row = trace.to_row()
    assert (row["error_page"], row["original_status"]) == (page, original)


def test_the_page_is_fetched_through_its_behaviour(site: el.Distribution) -> None:
    """DISTRIBUTION_DECISIONS "fetching the custom error page": a GET through the
    behaviour the page matches, its origin request (not viewer request), from its cache;
    the request's own stages are viewer request only (viewer response skipped)."""
    first = get(site, "/missing", method="HEAD")
    assert first.triggers == ["viewer-request"]  # not the page's functions
    ep = first.error_page
    assert ep is not None and [s.trigger for s in ep.stages] == ["origin-request"]
    (oreq,) = ep.stages
    assert (oreq.input["method"], oreq.input["uri"]) == ("GET", "/errors/404.html")
    assert (ep.cache, ep.cache_tier, ep.origin_id) == ("Miss", "origin", "site")
    assert first.status == 404 and first.body == b""  # a HEAD viewer gets no body
    again = get(site, "/other-missing")
    assert again.error_page is not None and again.error_page.cache == "Hit"
    assert again.error_page.stages == [] and again.body == b"<p>not here</p>"


def test_error_uri_and_args_reach_the_page_origin(site: el.Distribution) -> None:
    """DECISIONS "CloudFront-Error-Uri and CloudFront-Error-Args": added to the page's
    fetch when its behaviour's origin request policy names them."""
    trace = get(site, "/no/such?x=1")
    assert trace.error_page is not None
    (oreq,) = trace.error_page.stages
    headers = oreq.input["headers"]
    assert headers["cloudfront-error-uri"][0]["value"] == "/no/such"
    assert headers["cloudfront-error-args"][0]["value"] == "x=1"
    plain = get(site, "/index.html")
    assert "cloudfront-error-uri" not in plain.stages[0].input["headers"]


@pytest.mark.parametrize(
    ("path", "kw", "status", "why"),
    [
        ("/generated", {}, 404, "§6.3 a function's generated 404 is sent as it is"),
        ("/api/x", {"protocol": "http"}, 403, "§3.3 CloudFront's 403 at the edge"),
    ],
    ids=["§6.3 generated", "§3.3 https-only"],
)
def test_responses_that_keep_their_status(
    site: el.Distribution, path: str, kw: dict[str, Any], status: int, why: str
) -> None:
    """DISTRIBUTION_DECISIONS "which responses get a custom error page"."""
    trace = get(site, path, **kw)
    assert (trace.status, trace.error_page) == (status, None), why


def test_vresp_runs_for_pages_that_are_not_errors(site: el.Distribution) -> None:
    ok = get(site, "/index.html")
    assert ok.triggers == ["viewer-request", "viewer-response"] and ok.error_page is None
    assert ok.headers["x-vresp"] == "ran"
    missing = get(site, "/missing")
    assert "x-vresp" not in missing.headers


def test_the_error_is_cached_for_its_error_caching_min_ttl(
    site: el.Distribution, now: list[float]
) -> None:
    """§6.2: the origin's 404 is cached for the custom error response's
    ErrorCachingMinTTL (30 s), so the next request is a hit on the error and on the
    page; after 30 s the origin is asked again."""
    first = get(site, "/gone")
    assert (first.cache, first.ttl) == ("Miss", 30)
    now[0] += 29
    hit = get(site, "/gone")
    assert (hit.cache, hit.status, hit.body) == ("Hit", 404, b"<p>not here</p>")
    assert hit.error_page is not None and hit.error_page.cache == "Hit"
    now[0] += 2
    assert get(site, "/gone").cache == "Miss"


def test_error_caching_ttls_through_the_chain(site: el.Distribution, api: Api) -> None:
    """§6.2: the /api/* behaviour caches nothing (all TTLs 0), but error caching still
    holds its errors: 10 s without a custom error response, the ErrorCachingMinTTL of one
    that has no page."""
    plain = get(site, "/api/s414")
    assert (plain.status, plain.error_page, plain.ttl) == (414, None, 10)
    ttl_only = get(site, "/api/s501")
    assert (ttl_only.status, ttl_only.error_page, ttl_only.ttl) == (501, None, 60)
    assert get(site, "/api/s501").cache == "Hit" and api.calls == 2


def test_request_json_shows_the_error_page(site: el.Distribution) -> None:
    data = json.loads(json.dumps(get(site, "/missing").to_dict()))
    assert data["error_page"]["original_status"] == 404
    assert data["error_page"]["page"] == "/errors/404.html"
    assert data["error_page"]["stages"][0]["trigger"] == "origin-request"
    again = Trace.from_dict(data)
    assert again.error_page is not None and again.error_page.page == "/errors/404.html"


NOW = 1_700_000_000.0
# (id, status, headers, policy, ttl)
ERROR_CACHING = [
    ("§6.2 404 without headers: 10 s", 404, {}, CachePolicy(), 10),
    ("§6.2 414 without headers: 10 s", 414, {}, CachePolicy(), 10),
    ("§6.2 500 without headers: 10 s", 500, {}, CachePolicy(), 10),
    ("§6.2 501 without headers: 10 s", 501, {}, CachePolicy(), 10),
    ("§6.2 502 without headers: 10 s", 502, {}, CachePolicy(), 10),
    ("§6.2 503 without headers: 10 s", 503, {}, CachePolicy(), 10),
    ("§6.2 504 without headers: 10 s", 504, {}, CachePolicy(), 10),
    ("§6.2 404 with a custom ErrorCachingMinTTL", 404, {},
     CachePolicy(error_min_ttls=((404, 30),)), 30),
    ("§6.2 ErrorCachingMinTTL is per code", 500, {},
     CachePolicy(error_min_ttls=((404, 30),)), 10),
    ("§6.2 400 without headers: not cached", 400, {}, CachePolicy(), 0),
    ("§6.2 403 without headers: not cached", 403, {}, CachePolicy(), 0),
    ("§6.2 405 without headers: not cached", 405, {}, CachePolicy(), 0),
    ("§6.2 412 without headers: not cached", 412, {}, CachePolicy(), 0),
    ("§6.2 415 without headers: not cached", 415, {}, CachePolicy(), 0),
    ("§6.2 403 with a custom TTL but no max-age: not cached", 403, {},
     CachePolicy(error_min_ttls=((403, 60),)), 0),
    ("§6.2 403 with max-age above the minimum", 403, {"Cache-Control": "max-age=100"},
     CachePolicy(), 100),
    ("§6.2 403 with max-age under the minimum: the minimum", 403,
     {"Cache-Control": "max-age=5"}, CachePolicy(), 10),
    ("§6.2 s-maxage counts", 412, {"Cache-Control": "s-maxage=60"}, CachePolicy(), 60),
    ("§6.2 max-age capped by MaxTTL", 404, {"Cache-Control": "max-age=999"},
     CachePolicy(max_ttl=100, default_ttl=50), 100),
    ("§6.2 416 never, even with max-age", 416, {"Cache-Control": "max-age=60"},
     CachePolicy(), 0),
    ("§6.2 416 never, even with a custom TTL", 416, {},
     CachePolicy(error_min_ttls=((416, 60),)), 0),
    ("§6.2 an unlisted code is cached as any response", 418,
     {"Cache-Control": "max-age=60"}, CachePolicy(), 60),
    ("§6.2 an unlisted code without headers: not cached", 418, {}, CachePolicy(), 0),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "headers", "policy", "ttl"),
    [r[1:] for r in ERROR_CACHING],
    ids=[r[0] for r in ERROR_CACHING],
)
def test_error_caching(
    status: int, headers: dict[str, str], policy: CachePolicy, ttl: float
) -> None:
    """DISTRIBUTION_DECISIONS "error caching"."""
    assert policy.ttl(status, header_map(headers), NOW) == ttl


def test_error_min_ttls_are_checked() -> None:
    with pytest.raises(el.ConfigError, match="error_caching_min_ttl"):
        CachePolicy(error_min_ttls=((404, -1),))
