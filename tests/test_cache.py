"""Cache key normalisation and TTLs (facts §8.3), with an injected clock."""

from __future__ import annotations

import pytest

import edgelab as el
from edgelab.edge.cache import Cache, CachePolicy
from edgelab.event.headers import header_map

D = "d111111abcdef8.cloudfront.net"


def key(
    policy: CachePolicy,
    uri: str = "/a",
    qs: str = "",
    headers: list | None = None,
    method: str = "GET",
) -> tuple:
    return policy.key(D, method, uri, qs, header_map(headers or []))


SAME = [
    (
        "§8.3 header name case is ignored",
        CachePolicy(headers=["X-Dev"]),
        {"headers": [("X-Dev", "a")]},
        {"headers": [("x-dev", "a")]},
    ),
    (
        "§8.3 header order does not matter",
        CachePolicy(headers=["A", "B"]),
        {"headers": [("A", "1"), ("B", "2")]},
        {"headers": [("B", "2"), ("A", "1")]},
    ),
    (
        "§8.3 headers not in the policy are not in the key",
        CachePolicy(),
        {"headers": [("X-Dev", "a")]},
        {"headers": [("X-Dev", "b")]},
    ),
    ("§8.3 query strings not in the key by default", CachePolicy(), {"qs": "a=1"}, {"qs": "a=2"}),
    (
        "§8.3 signed-URL params are stripped",
        CachePolicy(query_strings="all"),
        {"qs": "a=1&Expires=1&Signature=x&Key-Pair-Id=k&Policy=p"},
        {"qs": "a=1"},
    ),
    (
        "§8.3 only listed query strings count",
        CachePolicy(query_strings=["a"]),
        {"qs": "a=1&b=2"},
        {"qs": "b=3&a=1"},
    ),
    (
        "§8.3 cookie order does not matter (sorted)",
        CachePolicy(cookies="all"),
        {"headers": [("Cookie", "a=1; b=2")]},
        {"headers": [("Cookie", "b=2; a=1")]},
    ),
    (
        "§8.3 Accept-Encoding normalised: gzip, br == br,gzip",
        CachePolicy(),
        {"headers": [("Accept-Encoding", "gzip, deflate, br")]},
        {"headers": [("Accept-Encoding", "br;q=1, gzip")]},
    ),
    (
        "§8.3 Accept-Encoding without gzip/br is left out",
        CachePolicy(),
        {"headers": [("Accept-Encoding", "deflate")]},
        {"headers": []},
    ),
    ("§8.3 GET and HEAD share a key", CachePolicy(), {"method": "GET"}, {"method": "HEAD"}),
]
DIFFERENT = [
    (
        "§8.3 header value case counts",
        CachePolicy(headers=["X-Dev"]),
        {"headers": [("X-Dev", "a")]},
        {"headers": [("X-Dev", "A")]},
    ),
    (
        "§8.3 query string order counts",
        CachePolicy(query_strings="all"),
        {"qs": "a=1&b=2"},
        {"qs": "b=2&a=1"},
    ),
    (
        "§8.3 query string case counts",
        CachePolicy(query_strings="all"),
        {"qs": "a=1"},
        {"qs": "A=1"},
    ),
    (
        "§8.3 cookie names are case-sensitive",
        CachePolicy(cookies=["s"]),
        {"headers": [("Cookie", "s=1")]},
        {"headers": [("Cookie", "S=1")]},
    ),
    ("§8.3 OPTIONS is in the key", CachePolicy(), {"method": "GET"}, {"method": "OPTIONS"}),
    (
        "§8.3 gzip vs br,gzip differ",
        CachePolicy(),
        {"headers": [("Accept-Encoding", "gzip")]},
        {"headers": [("Accept-Encoding", "gzip, br")]},
    ),
    ("§8.3 path counts", CachePolicy(), {"uri": "/a"}, {"uri": "/b"}),
]


def _k(policy: CachePolicy, spec: dict) -> tuple:
    return key(
        policy,
        spec.get("uri", "/a"),
        spec.get("qs", ""),
        spec.get("headers"),
        spec.get("method", "GET"),
    )


@pytest.mark.parametrize(("policy", "a", "b"), [c[1:] for c in SAME], ids=[c[0] for c in SAME])
def test_same_key(policy: CachePolicy, a: dict, b: dict) -> None:
    assert _k(policy, a) == _k(policy, b)


@pytest.mark.parametrize(
    ("policy", "a", "b"), [c[1:] for c in DIFFERENT], ids=[c[0] for c in DIFFERENT]
)
def test_different_key(policy: CachePolicy, a: dict, b: dict) -> None:
    assert _k(policy, a) != _k(policy, b)


def test_accept_encoding_off_when_compression_off() -> None:
    p = CachePolicy(gzip=False, brotli=False)
    assert p.accept_encoding("gzip, br") is None
    assert CachePolicy(brotli=False).accept_encoding("gzip, br") == "gzip"


NOW = 1_700_000_000.0
TTL = [
    ("no headers: default TTL", {}, 200, CachePolicy(default_ttl=100), 100),
    ("max-age", {"Cache-Control": "max-age=60"}, 200, CachePolicy(), 60),
    (
        "s-maxage wins over max-age",
        {"Cache-Control": "max-age=60, s-maxage=30"},
        200,
        CachePolicy(),
        30,
    ),
    (
        "clamped to max_ttl",
        {"Cache-Control": "max-age=999"},
        200,
        CachePolicy(max_ttl=100, default_ttl=50),
        100,
    ),
    ("clamped to min_ttl", {"Cache-Control": "max-age=5"}, 200, CachePolicy(min_ttl=10), 10),
    ("no-store not cached with min_ttl 0", {"Cache-Control": "no-store"}, 200, CachePolicy(), 0),
    ("no-cache not cached", {"Cache-Control": "no-cache"}, 200, CachePolicy(), 0),
    ("private not cached", {"Cache-Control": "private, max-age=60"}, 200, CachePolicy(), 0),
    (
        "no-store with min_ttl > 0 caches for min_ttl",
        {"Cache-Control": "no-store"},
        200,
        CachePolicy(min_ttl=30),
        30,
    ),
    ("Expires", {"Expires": "Wed, 15 Nov 2023 00:13:20 GMT"}, 200, CachePolicy(), 7200),
    ("404 without headers: error TTL", {}, 404, CachePolicy(), 10),
    ("302 without headers: not cached", {}, 302, CachePolicy(), 0),
    ("302 with max-age: cached", {"Cache-Control": "max-age=60"}, 302, CachePolicy(), 60),
]


@pytest.mark.parametrize(
    ("headers", "status", "policy", "ttl"), [c[1:] for c in TTL], ids=[c[0] for c in TTL]
)
def test_ttl(headers: dict, status: int, policy: CachePolicy, ttl: float) -> None:
    assert policy.ttl(status, header_map(headers), NOW) == ttl


def test_cache_store_expires_with_clock() -> None:
    t = [0.0]
    cache = Cache(clock=lambda: t[0])
    cache.put("k", {"status": "200", "headers": {}}, 10)
    t[0] = 9.5
    assert cache.get("k").age(t[0]) == 9
    t[0] = 10
    assert cache.get("k") is None and len(cache) == 0


def test_cache_max_entries_evicts_least_recently_used() -> None:
    cache = Cache(clock=lambda: 0.0, max_entries=2)
    for k in "abc":
        cache.put(k, {}, 10)
    assert cache.keys() == ["b", "c"]


@pytest.mark.parametrize(
    ("kw", "key"),
    [
        ({"default_ttl": "1 day"}, "cache.default_ttl"),
        ({"min_ttl": -1}, "cache.min_ttl"),
        ({"min_ttl": 10, "default_ttl": 5}, "cache.default_ttl"),
        ({"query_strings": "some"}, "cache.query_strings"),
        ({"cookies": 3}, "cache.cookies"),
        ({"headers": "all"}, "cache.headers"),
    ],
)
def test_bad_policy_names_the_key(kw: dict, key: str) -> None:
    with pytest.raises(el.ConfigError) as info:
        CachePolicy(**kw)
    assert info.value.key == key
