"""The two cache tiers (distribution facts §8, §4.5, §10; lambda-edge-facts §8.1, §11): one
cache per edge location, one per regional edge cache; origin-facing functions run on the
way to the origin, so a regional hit skips them; some requests bypass the regional tier;
an expired object is revalidated (RefreshHit)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.edge.locations import pop_code, regional_cache, s3_region
from tests.test_behaviors import passthrough


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


ALL = {t.value: passthrough for t in el.Trigger}
# IAD and JFK send their misses to us-east-1; GRU to sa-east-1 (data/edge_locations.csv)
IAD, JFK, GRU = "IAD89-C1", "JFK50-C1", "GRU50-C1"


def make(**kw: Any) -> el.Distribution:
    kw.setdefault("origin", el.MappingOrigin({"/a": "a", "/b": "b"}))
    return el.Distribution(ALL, **kw)


def test_the_edge_then_the_regional_edge_cache_then_the_origin() -> None:
    """§8: a POP miss goes to its regional edge cache; what comes back is kept in both."""
    d = make()
    got = [
        (t.cache, t.cache_tier, t.regional_edge_cache)
        for t in (d.request("/a", edge_location=pop) for pop in (IAD, IAD, JFK, JFK, GRU))
    ]
    assert got == [
        ("Miss", "origin", "us-east-1"),
        ("Hit", "edge", "us-east-1"),
        ("Hit", "regional", "us-east-1"),  # JFK's first request: us-east-1 had it
        ("Hit", "edge", "us-east-1"),  # and JFK keeps a copy
        ("Miss", "origin", "sa-east-1"),  # another regional edge cache: another miss
    ]
    assert sorted(d.cache.names()) == [
        "edge:GRU50-C1",
        "edge:IAD89-C1",
        "edge:JFK50-C1",
        "regional:sa-east-1",
        "regional:us-east-1",
    ]


def test_a_regional_hit_skips_the_origin_facing_functions() -> None:
    """§8 (DISTRIBUTION_DECISIONS), lambda-edge-facts §8.1: OReq and OResp run on the way
    to the origin; the viewer-facing functions run for every request."""
    d = make()
    d.request("/a", edge_location=IAD)
    regional = d.request("/a", edge_location=JFK)
    assert regional.cache_tier == "regional" and regional.origin is None
    assert regional.triggers == ["viewer-request", "viewer-response"]


def test_an_object_from_the_regional_cache_keeps_its_age() -> None:
    """DISTRIBUTION_DECISIONS: one object in two tiers; Age counts from the origin."""
    clock = Clock()
    d = make(clock=clock, cache_policy=el.CachePolicy(default_ttl=60))
    d.request("/a", edge_location=IAD)
    clock.t += 30
    copy = d.request("/a", edge_location=JFK)
    assert (copy.cache_tier, copy.headers["age"], copy.ttl) == ("regional", "30", 60)
    clock.t += 31
    assert [d.request("/a", edge_location=p).cache for p in (JFK, IAD)] == ["Miss", "Hit"]


BYPASS = [
    ("§8 PUT", "PUT", el.CachePolicy(), IAD),
    ("§8 POST", "POST", el.CachePolicy(), IAD),
    ("§8 PATCH", "PATCH", el.CachePolicy(), IAD),
    ("§8 OPTIONS", "OPTIONS", el.CachePolicy(), IAD),
    ("§8 DELETE", "DELETE", el.CachePolicy(), IAD),
    ("§8 dynamic: all TTLs 0", "GET", el.CachePolicy(default_ttl=0, max_ttl=0), IAD),
    ("§8 edge location not in the table", "GET", el.CachePolicy(), "XXX1-C1"),
]


@pytest.mark.parametrize(
    ("method", "policy", "pop"), [b[1:] for b in BYPASS], ids=[b[0] for b in BYPASS]
)
def test_requests_that_bypass_the_regional_edge_cache(
    method: str, policy: el.CachePolicy, pop: str
) -> None:
    trace = make(cache_policy=policy).request("/a", method=method, edge_location=pop)
    assert trace.cache_tier == "origin" and trace.regional_edge_cache is None
    assert any(n.startswith("regional edge cache bypassed") for n in trace.notes)


def test_s3_origins_in_the_regional_caches_region_bypass_it(tmp_path: Path) -> None:
    """§8: S3 origins in the same Region as the regional edge cache; the Region comes
    from the bucket's domain name (DISTRIBUTION_DECISIONS)."""
    (tmp_path / "a").write_text("a")
    d = make(origin=el.FolderOrigin(tmp_path))  # edgelab-site.s3.us-east-1.amazonaws.com
    assert d.request("/a", edge_location=IAD).regional_edge_cache is None
    assert d.request("/a", edge_location=JFK).cache_tier == "origin"  # nothing regional
    assert d.request("/a", edge_location=GRU).regional_edge_cache == "sa-east-1"


S3_REGIONS = [
    ("bucket.s3.eu-west-1.amazonaws.com", "eu-west-1"),
    ("bucket.s3-eu-west-1.amazonaws.com", "eu-west-1"),
    ("bucket.s3.amazonaws.com", "us-east-1"),
    ("bucket.s3-website-us-west-2.amazonaws.com", "us-west-2"),
    ("bucket.s3-website.eu-central-1.amazonaws.com", "eu-central-1"),
    ("api.example.com", None),
]


@pytest.mark.parametrize(("domain", "region"), S3_REGIONS)
def test_the_region_of_an_s3_domain(domain: str, region: str | None) -> None:
    assert s3_region(domain) == region


def test_edge_location_codes() -> None:
    """--edge takes a POP code or an airport code (its first POP)."""
    assert pop_code("GRU") == pop_code("gru") == "GRU50-C1"
    assert pop_code("GRU50-C1") == "GRU50-C1" and pop_code("iad89-c1") == "IAD89-C1"
    assert regional_cache("GRU50-C1") == "sa-east-1" and regional_cache("ZZZ1-C1") is None
    for bad in ("ZZZ", "GR", "GRU-1", "50-C1"):
        with pytest.raises(el.ConfigError) as info:
            pop_code(bad)
        assert "AMS, ARN" in str(info.value) and repr(bad) in str(info.value)


def test_an_expired_object_is_revalidated_refreshhit(tmp_path: Path) -> None:
    """§4.5, §10: CloudFront asks the origin with the object's validators; a 304 refreshes
    the object, served as RefreshHit (origin request sees the conditional header)."""
    (tmp_path / "a.html").write_text("<p>a</p>")
    clock = Clock()
    seen: list[str | None] = []

    def oreq(event: dict, context: Any) -> dict:
        req = event["Records"][0]["cf"]["request"]
        seen.append(el.Headers(req["headers"]).get("if-none-match"))
        return req

    d = el.Distribution(
        {"origin-request": oreq},
        origin=el.FolderOrigin(tmp_path),
        clock=clock,
        cache_policy=el.CachePolicy(default_ttl=10),
    )
    first = d.request("/a.html")
    clock.t += 11
    refreshed = d.request("/a.html")
    assert (refreshed.status, refreshed.cache, refreshed.body) == (200, "RefreshHit", b"<p>a</p>")
    assert refreshed.headers["x-cache"] == "RefreshHit from cloudfront"
    assert refreshed.origin.status == 304 and refreshed.ttl == 10
    assert seen == [None, first.headers["etag"]]
    assert d.request("/a.html").cache == "Hit"  # a fresh TTL again
    clock.t += 11
    (tmp_path / "a.html").write_text("<p>changed</p>")
    changed = d.request("/a.html")
    assert (changed.cache, changed.body) == ("Miss", b"<p>changed</p>")


def test_no_validators_no_revalidation() -> None:
    clock = Clock()
    d = make(clock=clock, cache_policy=el.CachePolicy(default_ttl=10))
    d.request("/a")
    clock.t += 11
    again = d.request("/a")
    assert again.cache == "Miss"
    assert "if-none-match" not in again.origin.request["headers"]


def test_a_cache_given_to_the_distribution_sets_every_tier() -> None:
    clock = Clock(5.0)
    d = make(cache=el.Cache(clock=clock, max_entries=1))
    assert isinstance(d.cache, el.CacheTiers) and d.cache.clock is clock
    d.request("/a")
    d.request("/b")
    assert d.request("/a").cache == "Miss"  # one entry per tier: /b pushed /a out
    assert len(d.cache) == 2 and set(d.cache.names()) == {"edge:IAD89-C1", "regional:us-east-1"}


def test_partitions_by_regional_edge_cache_give_the_one_process_answers() -> None:
    """STYLE 20: caches are keyed by tier, nothing global, so work split by regional edge
    cache (and cache key) gets the same cache statuses and tiers as one distribution."""
    rng = random.Random(7)
    pops = [IAD, JFK, GRU, "LHR50-C1", "DUB50-C1", "FRA50-C1", "NRT50-C1"]
    paths = [f"/p{i}" for i in range(6)]
    clock = Clock()
    requests = [(rng.choice(pops), rng.choice(paths), 1_000_000.0 + 7 * i) for i in range(300)]

    def run(rows: list[tuple[str, str, float]]) -> dict[tuple[str, str, float], tuple[str, ...]]:
        d = make(
            origin=lambda r: (200, r["uri"]),
            clock=clock,
            cache_policy=el.CachePolicy(default_ttl=120),
        )
        out = {}
        for pop, path, t in rows:
            trace = d.request(path, edge_location=pop, time=t)
            out[(pop, path, t)] = (trace.cache, str(trace.cache_tier))
        return out

    whole = run(requests)
    parts: dict[tuple[str, str, float], tuple[str, ...]] = {}
    for region in {regional_cache(p) for p in pops}:
        parts.update(run([r for r in requests if regional_cache(r[0]) == region]))
    assert parts == whole
    tiers = {v[1] for v in whole.values()}
    assert tiers == {"origin", "edge", "regional"}


def test_refresh_hits_count_as_hits_in_the_hit_ratio() -> None:
    """DISTRIBUTION_DECISIONS "an expired object (RefreshHit)": the object came from the
    cache, the origin only confirmed it."""
    import pandas as pd

    from edgelab import analysis

    frame = pd.DataFrame(
        {"cache": ["Miss", "RefreshHit", "Hit", "Miss"], "status": [200] * 4, "method": ["GET"] * 4}
    )
    assert analysis.hit_ratio(frame) == 0.5


def test_the_latency_model_reads_which_tier_answered() -> None:
    """A regional hit pays the edge -> regional edge cache round trip (its own column);
    a miss that bypassed the regional edge cache goes straight to the origin."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "edge_location": ["SCL50-C1"] * 4,  # SCL -> the sa-east-1 REC at GRU
            "method": ["GET"] * 4,
            "cache": ["Hit", "Hit", "Miss", "Miss"],
            "cache_tier": ["edge", "regional", "origin", "origin"],
            "regional_edge_cache": ["sa-east-1", "sa-east-1", "sa-east-1", None],
        }
    )
    out = el.estimate_latency(frame)
    assert list(out["latency_origin_ms"][:2]) == [0.0, 0.0]
    assert out.loc[0, "latency_regional_ms"] == 0 < out.loc[1, "latency_regional_ms"]
    assert out.loc[3, "latency_origin_ms"] < out.loc[2, "latency_origin_ms"]  # bypassed
    assert out.loc[1, "latency_ms"] > out.loc[0, "latency_ms"]
