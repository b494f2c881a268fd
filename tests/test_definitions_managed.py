"""The managed policies table (cloudfront-distribution-facts.md §4.3, §4.4, §5.5)."""

from __future__ import annotations

import pytest

from edgelab.definitions import managed
from edgelab.definitions.model import Selection

# name, id, (min, default, max), headers, cookies, query strings, gzip, brotli  (facts §4.3)
CACHE = [
    (
        "Amplify",
        "2e54312d-136d-493c-8eb9-b001f22f67d2",
        (2, 2, 600),
        Selection("whitelist", ("Authorization", "CloudFront-Viewer-Country", "Host")),
        Selection("all"),
        Selection("all"),
        True,
        True,
    ),
    (
        "CachingDisabled",
        "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        (0, 0, 0),
        Selection(),
        Selection(),
        Selection(),
        False,
        False,
    ),
    (
        "CachingOptimized",
        "658327ea-f89d-4fab-a63d-7e88639e58f6",
        (1, 86400, 31536000),
        Selection(),
        Selection(),
        Selection(),
        True,
        True,
    ),
    (
        "CachingOptimizedForUncompressedObjects",
        "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
        (1, 86400, 31536000),
        Selection(),
        Selection(),
        Selection(),
        False,
        False,
    ),
    (
        "Elemental-MediaPackage",
        "08627262-05a9-4f76-9ded-b50ca2e3a84f",
        (0, 86400, 31536000),
        Selection("whitelist", ("Origin",)),
        Selection(),
        Selection("whitelist", ("aws.manifestfilter", "start", "end", "m")),
        True,
        False,
    ),
    (
        "UseOriginCacheControlHeaders",
        "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
        (0, 0, 31536000),
        Selection(
            "whitelist",
            ("Host", "Origin", "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"),
        ),
        Selection("all"),
        Selection(),
        True,
        True,
    ),
    (
        "UseOriginCacheControlHeaders-QueryStrings",
        "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
        (0, 0, 31536000),
        Selection(
            "whitelist",
            ("Host", "Origin", "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"),
        ),
        Selection("all"),
        Selection("all"),
        True,
        True,
    ),
]


@pytest.mark.parametrize("row", CACHE, ids=[f"§4.3 {r[0]}" for r in CACHE])
def test_managed_cache_policies(row: tuple) -> None:
    name, pid, ttls, headers, cookies, qs, gzip, brotli = row
    by_id, by_name = managed.cache_policy(pid), managed.cache_policy(name)
    assert by_id is by_name
    assert by_id is not None and by_id.managed and by_id.id == pid and by_id.name == name
    assert (by_id.min_ttl, by_id.default_ttl, by_id.max_ttl) == ttls
    assert (by_id.headers, by_id.cookies, by_id.query_strings) == (headers, cookies, qs)
    assert (by_id.gzip, by_id.brotli) == (gzip, brotli)


AVC = managed._data()["cloudfront_headers"]["ALL_21"]
# name, id, headers, CloudFront headers, cookies, query strings  (facts §4.4)
ORIGIN = [
    (
        "AllViewer",
        "216adef6-5c7f-47e4-b989-5492eafa07d3",
        Selection("allViewer"),
        (),
        Selection("all"),
        Selection("all"),
    ),
    (
        "AllViewerAndCloudFrontHeaders-2022-06",
        "33f36d7e-f396-46d9-90e0-52428a34d9dc",
        Selection("allViewerAndWhitelistCloudFront"),
        tuple(AVC),
        Selection("all"),
        Selection("all"),
    ),
    (
        "AllViewerExceptHostHeader",
        "b689b0a8-53d0-40ab-baf2-68738e2966ac",
        Selection("allExcept", ("Host",)),
        tuple(AVC),
        Selection("all"),
        Selection("all"),
    ),
    (
        "CORS-CustomOrigin",
        "59781a5b-3903-41f3-afcb-af62929ccde1",
        Selection("whitelist", ("Origin",)),
        (),
        Selection(),
        Selection(),
    ),
    (
        "CORS-S3Origin",
        "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
        Selection(
            "whitelist",
            ("Origin", "Access-Control-Request-Headers", "Access-Control-Request-Method"),
        ),
        (),
        Selection(),
        Selection(),
    ),
    (
        "Elemental-MediaTailor-PersonalizedManifests",
        "775133bc-15f2-49f9-abea-afb2e0bf67d2",
        Selection(
            "whitelist",
            (
                "Origin",
                "Access-Control-Request-Headers",
                "Access-Control-Request-Method",
                "User-Agent",
                "X-Forwarded-For",
            ),
        ),
        (),
        Selection(),
        Selection("all"),
    ),
    (
        "UserAgentRefererHeaders",
        "acba4595-bd28-49b8-b9fe-13317c0390fa",
        Selection("whitelist", ("User-Agent", "Referer")),
        (),
        Selection(),
        Selection("all"),
    ),
    (
        "HostHeaderOnly",
        "bf0718e1-ba1e-49d1-88b1-f726733018ae",
        Selection("whitelist", ("Host",)),
        (),
        Selection(),
        Selection(),
    ),
]


@pytest.mark.parametrize("row", ORIGIN, ids=[f"§4.4 {r[0]}" for r in ORIGIN])
def test_managed_origin_request_policies(row: tuple) -> None:
    name, pid, headers, cf, cookies, qs = row
    p = managed.origin_request_policy(pid)
    assert p is managed.origin_request_policy(f"Managed-{name}")
    assert p is not None and p.name == name and p.managed
    assert (p.headers, p.cloudfront_headers, p.cookies, p.query_strings) == (
        headers,
        cf,
        cookies,
        qs,
    )


def test_all_viewer_and_cloudfront_headers_has_the_21_names() -> None:
    assert len(AVC) == 21 and len(set(AVC)) == 21
    assert all(n.startswith("CloudFront-") for n in AVC)


def test_all_viewer_except_host_gets_the_same_cloudfront_headers() -> None:
    # DEFINITION_DECISIONS "AllViewerExceptHostHeader CloudFront headers"
    a = managed.origin_request_policy("AllViewerExceptHostHeader")
    b = managed.origin_request_policy("AllViewerAndCloudFrontHeaders-2022-06")
    assert a is not None and b is not None and a.cloudfront_headers == b.cloudfront_headers


def test_host_header_only_forwards_no_cookies_or_query_strings() -> None:
    # DEFINITION_DECISIONS "HostHeaderOnly cookies and query strings"
    p = managed.origin_request_policy("HostHeaderOnly")
    assert p is not None and p.cookies == Selection() and p.query_strings == Selection()


SECURITY = {
    ("Referrer-Policy", "strict-origin-when-cross-origin", False),
    ("Strict-Transport-Security", "max-age=31536000", False),
    ("X-Content-Type-Options", "nosniff", True),
    ("X-Frame-Options", "SAMEORIGIN", False),
    ("X-XSS-Protection", "1; mode=block", False),
}
RESPONSE = [
    (
        "CORS-and-SecurityHeadersPolicy",
        "e61eb60c-9c35-4d20-a928-2b84e02af89c",
        ("*",),
        (),
        SECURITY,
    ),
    (
        "CORS-With-Preflight",
        "5cc3b908-e619-4b99-88e5-2cf7f45965bd",
        ("*",),
        ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"),
        set(),
    ),
    (
        "CORS-with-preflight-and-SecurityHeadersPolicy",
        "eaab4381-ed33-4a86-88ca-d9558dc6cd63",
        ("*",),
        ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"),
        SECURITY,
    ),
    ("SecurityHeadersPolicy", "67f7725c-6f97-4210-82d7-5512b31e9d03", None, None, SECURITY),
    ("SimpleCORS", "60669652-455b-4ae9-85a4-c4c02393f86c", ("*",), (), set()),
]


@pytest.mark.parametrize("row", RESPONSE, ids=[f"§5.5 {r[0]}" for r in RESPONSE])
def test_managed_response_headers_policies(row: tuple) -> None:
    name, pid, origins, methods, security = row
    p = managed.response_headers_policy(pid)
    assert p is managed.response_headers_policy(name.upper())
    assert p is not None and p.name == name and p.managed
    if origins is None:
        assert p.cors is None
    else:
        assert p.cors is not None and p.cors.allow_origins == origins
        assert p.cors.allow_methods == methods and p.cors.origin_override is False
    assert {(h.name, h.value, h.override) for h in p.security_headers} == security


def test_cors_with_preflight_lists_no_allow_headers() -> None:
    # DEFINITION_DECISIONS "CORS-With-Preflight Allow-Headers"
    p = managed.response_headers_policy("CORS-With-Preflight")
    assert p is not None and p.cors is not None
    assert p.cors.allow_headers == () and p.cors.expose_headers == ("*",)


@pytest.mark.parametrize(
    "name",
    [
        "CachingOptimized",
        "Managed-CachingOptimized",
        "managed-cachingoptimized",
        " CachingOptimized ",
    ],
)
def test_names_match_with_or_without_the_managed_prefix_in_any_case(name: str) -> None:
    assert managed.cache_policy(name) is managed.cache_policy("CachingOptimized")


def test_unknown_names_and_kinds() -> None:
    assert managed.cache_policy("NoSuchPolicy") is None
    assert managed.cache_policy("216adef6-5c7f-47e4-b989-5492eafa07d3") is None  # an ORP id
    with pytest.raises(ValueError, match="kind must be one of"):
        managed.lookup("viewer", "x")


def test_amplify_hosting_policies_are_known_but_unpublished() -> None:
    # DEFINITION_DECISIONS "Amplify Hosting managed cache policies"
    assert managed.unpublished("4d1d2f1d-3a71-49ad-9e08-7ea5d843a556") == "Amplify-Default"
    assert managed.cache_policy("4d1d2f1d-3a71-49ad-9e08-7ea5d843a556") is None


def test_the_table_names_its_sources_and_date() -> None:
    src = managed.source()
    assert src["compiled"] == "2025-11-24"
    for kind in ("cache", "origin_request", "response_headers"):
        assert src[kind].startswith("https://docs.aws.amazon.com/AmazonCloudFront/")


def test_ids_are_unique_across_the_table() -> None:
    ids = [p.id for kind in managed.KINDS for p in managed.all_policies(kind)]
    assert len(ids) == len(set(ids)) == 7 + 8 + 5
