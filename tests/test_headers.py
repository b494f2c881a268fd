"""edgelab.event.headers: the case-insensitive multi-valued view of CloudFront headers (§1.5)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

import edgelab as el
from edgelab.edge.cloudfront_headers import (
    ORIGIN_POLICY_ONLY,
    add_cloudfront_headers,
    canonical_cloudfront_name,
)
from edgelab.event.headers import fill_keys, header_name_notes

RAW = {
    "host": [{"key": "Host", "value": "example.org"}],
    "cookie": [{"key": "Cookie", "value": "a=1; b=2"}, {"key": "cookie", "value": "c=3"}],
    "x-empty": [],
}


@pytest.mark.parametrize(
    ("name", "key"),
    [
        pytest.param("user-agent", "User-Agent", id="§1.5 user-agent"),
        ("x-forwarded-for", "X-Forwarded-For"),
        ("host", "Host"),
        ("cloudfront-is-mobile-viewer", "Cloudfront-Is-Mobile-Viewer"),
        ("etag", "Etag"),
    ],
)
def test_canonical_key_capitalises_each_hyphen_part(name: str, key: str) -> None:
    assert el.canonical_key(name) == key


def test_header_map_groups_lines_under_the_lowercase_name_keeping_case_in_key() -> None:
    assert el.header_map([("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("ETag", "x")]) == {
        "set-cookie": [
            {"key": "Set-Cookie", "value": "a=1"},
            {"key": "set-cookie", "value": "b=2"},
        ],
        "etag": [{"key": "ETag", "value": "x"}],
    }
    assert el.header_map({"X-A": 1}) == {"x-a": [{"key": "X-A", "value": "1"}]}
    assert el.header_map() == {}


def test_headers_lookup_is_case_insensitive_and_gives_the_first_value() -> None:
    h = el.Headers(RAW)
    assert h["COOKIE"] == h["cookie"] == "a=1; b=2"
    assert "Host" in h and "HOST" in h and 3 not in h
    with pytest.raises(KeyError):
        h["missing"]
    assert h.get("missing") is None


def test_headers_get_list_gives_every_line_and_values_are_not_split() -> None:
    assert el.Headers(RAW).get_list("Cookie") == ["a=1; b=2", "c=3"]
    assert el.Headers(RAW).get_list("nope") == []


def test_headers_first_values_and_value_lists_by_map_name() -> None:
    h = el.Headers(RAW)
    assert h.first_values() == {"host": "example.org", "cookie": "a=1; b=2"}
    assert h.value_lists() == {
        "host": ["example.org"],
        "cookie": ["a=1; b=2", "c=3"],
        "x-empty": [],
    }
    assert el.Headers().first_values() == {} and el.Headers(None).value_lists() == {}


def test_headers_skip_names_with_no_lines() -> None:
    h = el.Headers(RAW)
    assert "x-empty" not in h and list(h) == ["host", "cookie"] and len(h) == 2


def test_headers_multi_items_and_key_of_fill_a_missing_key() -> None:
    h = el.Headers(
        {"user-agent": [{"value": "curl"}], "accept": [{"key": "accept", "value": "*/*"}]}
    )
    assert h.multi_items() == [("User-Agent", "curl"), ("accept", "*/*")]
    assert h.key_of("user-agent") == "User-Agent"


def test_headers_raw_is_the_wrapped_map_itself() -> None:
    raw = copy.deepcopy(RAW)
    assert el.Headers(raw).raw is raw


def test_headers_cookies_reads_every_cookie_line_first_value_wins() -> None:
    h = el.Headers(
        {
            "cookie": [
                {"key": "Cookie", "value": "a=1; b=2"},
                {"key": "Cookie", "value": "a=9; c=3; flag"},
            ]
        }
    )
    assert h.cookies() == {"a": "1", "b": "2", "c": "3"}


def test_headers_equality_ignores_line_grouping_order() -> None:
    a = el.Headers(el.header_map([("A", "1"), ("B", "2")]))
    b = el.Headers(el.header_map([("B", "2"), ("A", "1")]))
    assert a == b and a != el.Headers(el.header_map([("A", "2")]))


def test_mutable_copy_does_not_touch_the_original() -> None:
    raw = copy.deepcopy(RAW)
    m = el.Headers(raw).mutable()
    m["host"] = "other"
    assert raw == RAW and m["host"] == "other"


def test_set_header_replaces_all_duplicates() -> None:
    raw = copy.deepcopy(RAW)
    m = el.MutableHeaders(raw)
    m["Cookie"] = "z=1"
    assert raw["cookie"] == [{"key": "Cookie", "value": "z=1"}]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        pytest.param("user-agent", "User-Agent", id="§1.5 lowercase name gets the filled key"),
        ("X-Custom-ID", "X-Custom-ID"),
    ],
)
def test_mutable_headers_key_case(name: str, key: str) -> None:
    raw: dict = {}
    m = el.MutableHeaders(raw)
    m[name] = "v"
    m.append(name, "w")
    assert [e["key"] for e in raw[name.lower()]] == [key, key]


def test_append_keeps_existing_lines() -> None:
    raw = copy.deepcopy(RAW)
    el.MutableHeaders(raw).append("COOKIE", "d=4")
    assert [e["value"] for e in raw["cookie"]] == ["a=1; b=2", "c=3", "d=4"]


def test_remove_is_quiet_and_del_raises_for_a_missing_name() -> None:
    raw = copy.deepcopy(RAW)
    m = el.MutableHeaders(raw)
    m.remove("Cookie")
    m.remove("not-there")
    assert "cookie" not in raw
    del m["HOST"]
    assert "host" not in raw
    with pytest.raises(KeyError):
        del m["host"]


def test_setdefault_only_sets_a_missing_header() -> None:
    m = el.MutableHeaders(copy.deepcopy(RAW))
    assert m.setdefault("host", "x") == "example.org"
    assert m.setdefault("x-new", "1") == "1" and m.key_of("x-new") == "X-New"


def test_values_are_stored_as_strings() -> None:
    raw: dict = {}
    el.MutableHeaders(raw)["content-length"] = 12  # type: ignore[assignment]
    assert raw["content-length"][0]["value"] == "12"


# -- normalising maps: names in any case (§1.5, §13) --------------------------------------------
def test_fill_keys_keeps_an_already_normal_map_as_the_same_object() -> None:
    raw = {"host": [{"key": "Host", "value": "a"}]}
    assert fill_keys(raw) is raw


def test_fill_keys_lowercases_names_and_merges_elements_in_map_order() -> None:
    # DECISIONS "header map name case", "same header under two map-name cases"
    raw = {
        "X-Foo": [{"key": "X-Foo", "value": "1"}],
        "accept": [{"value": "*/*"}],
        "x-foo": [{"key": "x-foo", "value": "2"}],
        "X-FOO": [{"value": "3"}],
    }
    assert fill_keys(raw) == {
        "x-foo": [
            {"key": "X-Foo", "value": "1"},
            {"key": "x-foo", "value": "2"},
            {"key": "X-Foo", "value": "3"},
        ],
        "accept": [{"key": "Accept", "value": "*/*"}],
    }
    notes = header_name_notes(raw, "response.headers")
    assert notes == [
        "response.headers: header map name 'X-Foo' taken as 'x-foo', before the lines of "
        "'x-foo'; CloudFront accepts map names in any case (facts §13)",
        "response.headers: header map name 'X-FOO' taken as 'x-foo', after the lines of "
        "'X-Foo'; CloudFront accepts map names in any case (facts §13)",
    ]
    assert header_name_notes({"x-foo": []}) == []


def test_load_event_lowercases_and_merges_mixed_case_map_names() -> None:
    event = el.build_event("viewer-request")
    headers = el.cf_record(event)["request"]["headers"]
    headers["X-Frame-Options"] = [{"key": "X-Frame-Options", "value": "DENY"}]
    headers["x-frame-options"] = [{"value": "SAMEORIGIN"}]
    loaded = el.load_event(event)
    out = el.cf_record(loaded.event)["request"]["headers"]
    assert out["x-frame-options"] == [
        {"key": "X-Frame-Options", "value": "DENY"},
        {"key": "X-Frame-Options", "value": "SAMEORIGIN"},
    ]
    assert "X-Frame-Options" not in out
    assert (
        "header map name 'X-Frame-Options' lowercased to 'x-frame-options' (facts §1.5, "
        "§13)" in loaded.notes
    )
    assert (
        "header 'x-frame-options' element 0 had no key; filled with 'X-Frame-Options' "
        "(facts §1.5)" in loaded.notes
    )
    del headers["X-Frame-Options"]
    headers["X-Frame-Options"] = [{"key": "X-Frame-Options", "value": "DENY"}]  # now listed last
    loaded = el.load_event(event)
    assert [
        e["value"] for e in el.cf_record(loaded.event)["request"]["headers"]["x-frame-options"]
    ] == ["SAMEORIGIN", "DENY"]
    assert any(
        "'X-Frame-Options' lowercased to 'x-frame-options' and merged after the lines "
        "already there" in n
        for n in loaded.notes
    )


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        pytest.param(
            {"x-a": [{"key": 5, "value": "1"}]},
            "has a key that is not a string",
            id="§1.5 non-string key in an input event",
        ),
        pytest.param(
            {5: [{"key": "A", "value": "1"}]},
            "header names must be strings",
            id="§1.5 non-string map name in an input event",
        ),
    ],
)
def test_load_event_refuses_keys_and_names_that_are_not_strings(
    headers: dict[Any, Any], message: str
) -> None:
    event = el.build_event("viewer-request")
    el.cf_record(event)["request"]["headers"] = headers
    with pytest.raises(el.EventError, match=message):
        el.load_event(event)


# -- CloudFront headers added between stages (§7, §13) --------------------------------------
def test_tls_fingerprint_headers_are_synthetic_stable_and_https_only() -> None:
    # DECISIONS "TLS fingerprint headers"
    names = [
        "cloudfront-viewer-ja3-fingerprint",
        "cloudfront-viewer-ja4-fingerprint",
        "cloudfront-viewer-tls",
    ]
    https = el.ViewerRequest.from_path("/", headers={"User-Agent": "curl/8"}, protocol="https")
    again = el.ViewerRequest.from_path("/a", headers={"User-Agent": "curl/8"}, protocol="https")
    other = el.ViewerRequest.from_path("/", headers={"User-Agent": "Firefox"}, protocol="https")
    h1 = add_cloudfront_headers({}, https, names)
    assert h1 == add_cloudfront_headers({}, again, names)
    ja3 = h1["cloudfront-viewer-ja3-fingerprint"][0]["value"]
    ja4 = h1["cloudfront-viewer-ja4-fingerprint"][0]
    assert len(ja3) == 32 and int(ja3, 16) >= 0
    assert ja4["key"] == "CloudFront-Viewer-JA4-Fingerprint"
    assert re.fullmatch(r"t13d1516h2_[0-9a-f]{12}_[0-9a-f]{12}", ja4["value"])
    assert h1["cloudfront-viewer-tls"][0]["value"].split(":")[2] in (
        "fullHandshake",
        "sessionResumed",
        "connectionReused",
    )
    assert add_cloudfront_headers({}, other, names) != h1
    plain = el.ViewerRequest.from_path("/", protocol="http")
    assert (
        add_cloudfront_headers(
            {"cloudfront-viewer-tls": [{"key": "x", "value": "y"}]}, plain, names
        )
        == {}
    )
    assert {n for n in names} <= ORIGIN_POLICY_ONLY


def test_error_uri_and_args_are_known_names_never_added() -> None:
    # DECISIONS "CloudFront-Error-Uri and CloudFront-Error-Args": never added to an
    # ordinary request (tests/test_error_pages.py: added to a custom error page's fetch)
    viewer = el.ViewerRequest.from_path("/missing?a=1")
    for name in ("CloudFront-Error-Uri", "CloudFront-Error-Args"):
        assert canonical_cloudfront_name(name.lower()) == name
        assert add_cloudfront_headers({}, viewer, [name.lower()]) == {}
    policy = el.OriginRequestPolicy(
        cloudfront_headers=["CloudFront-Error-Uri", "CloudFront-Viewer-JA4-Fingerprint"]
    )
    assert set(policy.cloudfront_headers) == {
        "cloudfront-error-uri",
        "cloudfront-viewer-ja4-fingerprint",
    }
