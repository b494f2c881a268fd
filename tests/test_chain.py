"""The CloudFront chain's rules (facts §8.1, §8.2, §7, §6), one test per rule, table-driven
where it fits. Handlers are Python callables; the origin is a mapping or a function."""

from __future__ import annotations

from typing import Any

import pytest

import edgelab as el
from edgelab.edge.chain import CHAIN_DECISIONS


def passthrough_request(event: dict, context: Any) -> dict:
    return event["Records"][0]["cf"]["request"]


def passthrough_response(event: dict, context: Any) -> dict:
    return event["Records"][0]["cf"]["response"]


def generate(status: str, body: str = "generated") -> Any:
    def handler(event: dict, context: Any) -> dict:
        return {
            "status": status,
            "body": body,
            "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain"}]},
        }

    return handler


def fail(event: dict, context: Any) -> dict:
    raise RuntimeError("boom")


def set_status(status: str) -> Any:
    def handler(event: dict, context: Any) -> dict:
        resp = event["Records"][0]["cf"]["response"]
        resp["status"] = status
        return resp

    return handler


ALL_PASS = {
    "viewer-request": passthrough_request,
    "origin-request": passthrough_request,
    "origin-response": passthrough_response,
    "viewer-response": passthrough_response,
}


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make(triggers: dict | None = None, origin: Any = None, **kw: Any) -> el.Distribution:
    origin = origin or el.MappingOrigin({"/a": "hello", "/missing": (404, "nope")})
    return el.Distribution(
        triggers if triggers is not None else dict(ALL_PASS),
        origin=origin,
        clock=kw.pop("clock", Clock()),
        **kw,
    )


# (id, trigger overrides, path, expected stages first request, cache, status, VResp ran)
RULES = [
    (
        "§8.1 all four run on a miss",
        {},
        "/a",
        ["viewer-request", "origin-request", "origin-response", "viewer-response"],
        "Miss",
        200,
    ),
    (
        "§8.1 VReq-generated response skips everything, even VResp",
        {"viewer-request": generate("200")},
        "/a",
        ["viewer-request"],
        "LambdaGeneratedResponse",
        200,
    ),
    (
        "§8.1 OReq-generated response skips OResp; VResp runs (UNSURE, decided)",
        {"origin-request": generate("200")},
        "/a",
        ["viewer-request", "origin-request", "viewer-response"],
        "LambdaGeneratedResponse",
        200,
    ),
    (
        "§8.1 OResp runs when the origin answers >= 400; VResp does not",
        {},
        "/missing",
        ["viewer-request", "origin-request", "origin-response"],
        "Miss",
        404,
    ),
    (
        "§8.1 VResp reads the status after OResp: OResp 404 -> 200 lets VResp run (UNSURE)",
        {"origin-response": set_status("200")},
        "/missing",
        ["viewer-request", "origin-request", "origin-response", "viewer-response"],
        "Miss",
        200,
    ),
    (
        "§8.1 VResp reads the status after OResp: OResp 200 -> 403 skips VResp (UNSURE)",
        {"origin-response": set_status("403")},
        "/a",
        ["viewer-request", "origin-request", "origin-response"],
        "Miss",
        403,
    ),
    (
        "§8.1 an OReq-generated 4xx skips VResp like an origin 4xx",
        {"origin-request": generate("403")},
        "/a",
        ["viewer-request", "origin-request"],
        "LambdaGeneratedResponse",
        403,
    ),
    (
        "§6 VReq failure: 500, nothing else runs",
        {"viewer-request": fail},
        "/a",
        ["viewer-request"],
        "Error",
        500,
    ),
    (
        "§6 OReq failure: 500, no origin, no VResp",
        {"origin-request": fail},
        "/a",
        ["viewer-request", "origin-request"],
        "Error",
        500,
    ),
    (
        "§6 OResp failure: 500, no VResp",
        {"origin-response": fail},
        "/a",
        ["viewer-request", "origin-request", "origin-response"],
        "Error",
        500,
    ),
    (
        "§6 VResp failure: 500",
        {"viewer-response": fail},
        "/a",
        ["viewer-request", "origin-request", "origin-response", "viewer-response"],
        "Error",
        500,
    ),
]


@pytest.mark.parametrize(
    ("overrides", "path", "stages", "cache", "status"),
    [r[1:] for r in RULES],
    ids=[r[0] for r in RULES],
)
def test_chain_rules(
    overrides: dict, path: str, stages: list[str], cache: str, status: int
) -> None:
    dist = make({**ALL_PASS, **overrides})
    trace = dist.request(path)
    assert trace.triggers == stages
    assert trace.cache == cache
    assert trace.status == status
    assert trace.to_row()["status"] == status


def test_hit_skips_origin_side_and_runs_viewer_response() -> None:
    """§8.1: OReq and OResp do not run on a hit; VResp runs on hits and misses."""
    calls: list[str] = []

    def origin(req: dict) -> tuple[int, str]:
        calls.append(req["uri"])
        return 200, "x"

    dist = make(origin=origin)
    first, second = dist.request("/a"), dist.request("/a")
    assert (first.cache, second.cache) == ("Miss", "Hit")
    assert second.triggers == ["viewer-request", "viewer-response"]
    assert calls == ["/a"]
    assert second.headers["x-cache"] == "Hit from cloudfront"
    assert first.headers["x-cache"] == "Miss from cloudfront"
    assert second.headers["age"] == "0"


def test_vreq_generated_response_is_not_cached() -> None:
    """§4, §8.1: a VReq-generated response goes to the viewer uncached."""
    dist = make({"viewer-request": generate("200")})
    dist.request("/a")
    assert len(dist.cache) == 0
    assert dist.request("/a").headers["x-cache"] == "LambdaGeneratedResponse from cloudfront"


def test_oreq_generated_response_is_cached_and_served_as_hit() -> None:
    """§4, §8.2: an OReq-generated response is cached; later requests are hits."""
    dist = make({**ALL_PASS, "origin-request": generate("200", "from oreq")})
    first, second = dist.request("/a"), dist.request("/a")
    assert first.cache == "LambdaGeneratedResponse" and second.cache == "Hit"
    assert second.body == b"from oreq"
    assert second.triggers == ["viewer-request", "viewer-response"]


def test_origin_response_output_is_what_is_cached() -> None:
    """§8.2: OResp's changes (headers, status, body) are cached and replayed on hits."""

    def oresp(event: dict, context: Any) -> dict:
        resp = event["Records"][0]["cf"]["response"]
        resp["headers"]["x-oresp"] = [{"key": "X-Oresp", "value": "yes"}]
        resp["body"] = "rewritten"
        return resp

    dist = make({**ALL_PASS, "origin-response": oresp})
    dist.request("/a")
    hit = dist.request("/a")
    assert hit.cache == "Hit" and hit.headers["x-oresp"] == "yes" and hit.body == b"rewritten"


def test_origin_response_does_not_see_the_body_but_it_passes_through() -> None:
    """§1.7: the origin body is not exposed to OResp; unset, it passes through."""
    seen: list[Any] = []

    def oresp(event: dict, context: Any) -> dict:
        seen.append(event["Records"][0]["cf"]["response"].get("body"))
        return event["Records"][0]["cf"]["response"]

    trace = make({"origin-response": oresp}).request("/a")
    assert seen == [None] and trace.body == b"hello"


def test_ttl_expiry_with_injected_clock() -> None:
    """Time is injected: after the TTL the object is fetched again (no sleeping)."""
    clock = Clock()
    dist = make(
        origin=el.MappingOrigin(
            {"/a": {"status": 200, "body": "x", "headers": {"Cache-Control": "max-age=60"}}}
        ),
        clock=clock,
    )
    assert dist.request("/a").cache == "Miss"
    clock.t += 59
    hit = dist.request("/a")
    assert hit.cache == "Hit" and hit.headers["age"] == "59"
    clock.t += 1
    assert dist.request("/a").cache == "Miss"


def test_handler_error_is_cloudfront_error_response_not_exception() -> None:
    """§6: a function error is a result: 500/502 page, X-Cache names the error."""

    def bad_header(event: dict, context: Any) -> dict:
        req = event["Records"][0]["cf"]["request"]
        req["headers"]["via"] = [{"key": "Via", "value": "x"}]  # read-only in VReq
        return req

    t500 = make({"viewer-request": fail}).request("/a")
    assert t500.status == 500
    assert t500.headers["x-cache"] == "LambdaExecutionError from cloudfront"
    assert t500.stages[0].error["type"] == "LambdaExecutionError"
    t502 = make({"viewer-request": bad_header}).request("/a")
    assert t502.status == 502 and t502.stages[0].violations
    assert t502.headers["x-amz-cf-id"] == t502.request_id


def test_cloudfront_headers_added_after_viewer_request() -> None:
    """§7: VReq never sees CloudFront-Viewer-Country; OReq, OResp and VResp do."""
    seen: dict[str, Any] = {}

    def spy(name: str, part: str) -> Any:
        def handler(event: dict, context: Any) -> dict:
            cf = event["Records"][0]["cf"]
            seen[name] = cf["request"]["headers"].get("cloudfront-viewer-country")
            return cf[part]

        return handler

    policy = el.OriginRequestPolicy(cloudfront_headers=["CloudFront-Viewer-Country"])
    dist = make(
        {
            "viewer-request": spy("vreq", "request"),
            "origin-request": spy("oreq", "request"),
            "origin-response": spy("oresp", "response"),
            "viewer-response": spy("vresp", "response"),
        },
        origin_request_policy=policy,
    )
    dist.request("/a", country="de", headers={"CloudFront-Viewer-Country": "XX"})
    assert seen["vreq"] == [{"key": "CloudFront-Viewer-Country", "value": "XX"}]
    for name in ("oreq", "oresp", "vresp"):
        assert seen[name] == [{"key": "CloudFront-Viewer-Country", "value": "DE"}]


def test_origin_request_headers_added_by_cloudfront() -> None:
    """§1.8: Host = origin domain, Via, X-Forwarded-For, User-Agent Amazon CloudFront."""
    got: dict[str, Any] = {}

    def oreq(event: dict, context: Any) -> dict:
        got.update(event["Records"][0]["cf"]["request"])
        return event["Records"][0]["cf"]["request"]

    dist = make(
        {"origin-request": oreq}, origin=el.MappingOrigin({"/a": "x"}, domain_name="example.org")
    )
    dist.request(
        "/a",
        headers={"User-Agent": "Mozilla/5.0", "X-Forwarded-For": "10.0.0.1", "X-Secret": "s"},
        client_ip="198.51.100.7",
    )
    h = el.Headers(got["headers"])
    assert h["host"] == "example.org"
    assert h["user-agent"] == "Amazon CloudFront"
    assert h["x-forwarded-for"] == "10.0.0.1, 198.51.100.7"
    assert h["via"].startswith("2.0 ") and h["via"].endswith(".cloudfront.net (CloudFront)")
    assert "x-secret" not in h  # not forwarded by any policy
    assert got["origin"]["custom"]["domainName"] == "example.org"


def test_forwarded_user_agent_is_the_viewers() -> None:
    got: dict[str, Any] = {}

    def origin(req: dict) -> str:
        got.update(req["headers"])
        return "x"

    dist = make(
        {}, origin=origin, origin_request_policy=el.OriginRequestPolicy(headers=["User-Agent"])
    )
    dist.request("/a", headers={"User-Agent": "Mozilla/5.0"})
    assert got["user-agent"][0]["value"] == "Mozilla/5.0"


def test_response_headers_on_every_response() -> None:
    trace = make(edge_location="FRA56-P1").request("/a", edge_location="FRA56-P1")
    assert trace.headers["x-amz-cf-pop"] == "FRA56-P1"
    assert trace.headers["x-amz-cf-id"] == trace.request_id
    assert "cloudfront.net (CloudFront)" in trace.headers["via"]


@pytest.mark.parametrize(
    ("policy", "oreq_qs", "origin_qs"),
    [
        ("none", "", ""),
        ("all", "b=2&a=1", "b=2&a=1"),
        (["a"], "", "a=1"),
    ],
    ids=[
        "§2 none: OReq sees '' and the origin none",
        "§2 all: OReq and origin see it all",
        "§2 names: OReq sees '' (UNSURE, decided), the origin gets the names",
    ],
)
def test_query_string_origin_functions_see(policy: Any, oreq_qs: str, origin_qs: str) -> None:
    seen: dict[str, str] = {}

    def oreq(event: dict, context: Any) -> dict:
        seen["oreq"] = event["Records"][0]["cf"]["request"]["querystring"]
        return event["Records"][0]["cf"]["request"]

    def origin(req: dict) -> str:
        seen["origin"] = req["querystring"]
        return "x"

    dist = make(
        {"origin-request": oreq}, origin=origin, cache_policy=el.CachePolicy(query_strings=policy)
    )
    dist.request("/a?b=2&a=1")
    assert (seen["oreq"], seen["origin"]) == (oreq_qs, origin_qs)


def test_query_string_set_in_origin_request_reaches_the_origin() -> None:
    def oreq(event: dict, context: Any) -> dict:
        req = event["Records"][0]["cf"]["request"]
        req["querystring"] = "v=2"
        return req

    got: list[str] = []
    make({"origin-request": oreq}, origin=lambda r: got.append(r["querystring"]) or "x").request(
        "/a?x=1"
    )
    assert got == ["v=2"]


def test_unforwarded_cookies_stripped_and_set_cookie_removed() -> None:
    """§8.3: cookies not forwarded are stripped; Set-Cookie too when none is forwarded."""
    got: dict[str, Any] = {}

    def origin(req: dict) -> dict:
        got["cookie"] = req["headers"].get("cookie")
        return {"status": 200, "body": "x", "headers": {"Set-Cookie": "s=1"}}

    none = make({}, origin=origin).request("/a", cookies={"b": "2", "a": "1"})
    assert got["cookie"] is None and "set-cookie" not in none.headers
    some = make({}, origin=origin, cache_policy=el.CachePolicy(cookies=["b", "a"])).request(
        "/a", cookies={"b": "2", "c": "3", "a": "1"}
    )
    assert got["cookie"] == [{"key": "Cookie", "value": "a=1; b=2"}]  # sorted by name
    assert some.headers["set-cookie"] == "s=1"


def test_vreq_added_header_reaches_origin_only_when_forwarded() -> None:
    def vreq(event: dict, context: Any) -> dict:
        req = event["Records"][0]["cf"]["request"]
        req["headers"]["x-variant"] = [{"key": "X-Variant", "value": "b"}]
        return req

    got: list[Any] = []

    def origin(r: dict) -> str:
        got.append(r["headers"].get("x-variant"))
        return "x"

    make({"viewer-request": vreq}, origin=origin).request("/a")
    make(
        {"viewer-request": vreq}, origin=origin, cache_policy=el.CachePolicy(headers=["X-Variant"])
    ).request("/a")
    assert got == [None, [{"key": "X-Variant", "value": "b"}]]


def test_vreq_can_change_cache_key_uri() -> None:
    """§8.2: VReq changes the cache key; OReq changes do not."""

    def vreq(event: dict, context: Any) -> dict:
        req = event["Records"][0]["cf"]["request"]
        req["uri"] = "/a"
        return req

    dist = make({"viewer-request": vreq})
    assert dist.request("/x").cache == "Miss"
    assert dist.request("/y").cache == "Hit"


def test_include_body_exposes_and_replaces_the_body() -> None:
    """§1.4: Include Body exposes base64; action replace changes what the origin gets."""

    def oreq(event: dict, context: Any) -> dict:
        req = event["Records"][0]["cf"]["request"]
        assert req["body"]["data"] == "bmFtZT1h"  # base64 of name=a
        req["body"] = {"action": "replace", "encoding": "text", "data": "name=b"}
        return req

    got: list[bytes] = []
    dist = make(
        {"origin-request": el.TriggerConfig(oreq, include_body=True)},
        origin=lambda r: got.append(el.edge.origins.body_bytes(r)) or "ok",
    )
    trace = dist.request("/a", method="POST", body="name=a")
    assert trace.status == 200 and got == [b"name=b"]
    assert trace.stages[0].outcome == "request"


def test_body_not_exposed_without_include_body() -> None:
    seen: list[Any] = []

    def oreq(event: dict, context: Any) -> dict:
        seen.append(event["Records"][0]["cf"]["request"].get("body"))
        return event["Records"][0]["cf"]["request"]

    got: list[bytes] = []
    make(
        {"origin-request": oreq}, origin=lambda r: got.append(el.edge.origins.body_bytes(r)) or "x"
    ).request("/a", method="POST", body="data")
    assert seen == [None] and got == [b"data"]


def test_origin_raising_is_a_502_in_the_trace() -> None:
    def origin(req: dict) -> str:
        raise ValueError("origin bug")

    trace = make(origin=origin).request("/a")
    assert trace.status == 502 and trace.cache == "Error"
    assert "origin bug" in trace.origin.error
    assert trace.triggers == ["viewer-request", "origin-request"]


def test_post_is_not_cached() -> None:
    dist = make()
    dist.request("/a", method="POST", body="x")
    assert dist.request("/a", method="POST", body="x").cache == "Miss"


def test_head_returns_no_body() -> None:
    trace = make().request("/a", method="HEAD")
    assert trace.status == 200 and trace.body == b""


def test_stage_diff_and_row() -> None:
    def vreq(event: dict, context: Any) -> dict:
        req = event["Records"][0]["cf"]["request"]
        req["uri"] = "/a"
        req["headers"]["x-new"] = [{"key": "X-New", "value": "1"}]
        del req["headers"]["user-agent"]
        return req

    trace = make({"viewer-request": vreq}).request("/b?q=1")
    d = trace.stages[0].diff
    assert d["uri"] == ["/b", "/a"]
    assert d["headers"]["added"] == {"x-new": ["1"]}
    assert "user-agent" in d["headers"]["removed"]
    row = trace.to_row()
    assert row["vreq_outcome"] == "request" and row["oreq_outcome"] is None
    frame = el.traces_to_frame([trace, trace])
    assert len(frame) == 2 and "vresp_ms" in frame.columns


def test_trace_round_trips_through_json() -> None:
    import json

    trace = make().request("/a")
    back = el.Trace.from_dict(json.loads(json.dumps(trace.to_dict())))
    assert back.to_row() == trace.to_row()


def test_chain_decisions_are_data() -> None:
    topics = [d.topic for d in CHAIN_DECISIONS]
    assert any("OReq generates" in t for t in topics)
    assert any(">= 400" in t for t in topics)


DEVICES = [
    (
        "§7 iPhone is mobile + iOS",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) "
        "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1",
        {"mobile", "ios"},
    ),
    (
        "§7 iPad is tablet and mobile at once",
        "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) "
        "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1",
        {"mobile", "tablet", "ios"},
    ),
    (
        "§7 Android phone",
        "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36",
        {"mobile", "android"},
    ),
    (
        "§7 Windows desktop",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/116.0 Safari/537.36",
        {"desktop"},
    ),
    (
        "§7 Tizen smart TV",
        "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 "
        "(KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0 TV Safari/537.36",
        {"smarttv"},
    ),
    (
        "§7 webOS smart TV",
        "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/79.0 Safari/537.36 WebAppManager",
        {"smarttv"},
    ),
    ("§7 curl counts as desktop", "curl/7.66.0", {"desktop"}),
]


@pytest.mark.parametrize(("ua", "true"), [d[1:] for d in DEVICES], ids=[d[0] for d in DEVICES])
def test_device_headers_from_user_agent(ua: str, true: set[str]) -> None:
    names = {
        "desktop": "Desktop",
        "mobile": "Mobile",
        "tablet": "Tablet",
        "smarttv": "SmartTV",
        "ios": "IOS",
        "android": "Android",
    }
    policy = el.OriginRequestPolicy(
        cloudfront_headers=[f"CloudFront-Is-{n}-Viewer" for n in names.values()]
    )
    got: dict[str, Any] = {}

    def origin(req: dict) -> str:
        got.update(el.Headers(req["headers"]))
        return "x"

    make({}, origin=origin, origin_request_policy=policy).request("/a", headers={"User-Agent": ua})
    flags = {k for k, n in names.items() if got[f"cloudfront-is-{n.lower()}-viewer"] == "true"}
    assert flags == true
