"""edgelab.event.headers: the case-insensitive multi-valued view of CloudFront headers (§1.5)."""

from __future__ import annotations

import copy

import pytest

import edgelab as el

RAW = {
    "host": [{"key": "Host", "value": "example.org"}],
    "cookie": [{"key": "Cookie", "value": "a=1; b=2"}, {"key": "cookie", "value": "c=3"}],
    "x-empty": [],
}


@pytest.mark.parametrize(("name", "key"), [
    pytest.param("user-agent", "User-Agent", id="§1.5 user-agent"),
    ("x-forwarded-for", "X-Forwarded-For"),
    ("host", "Host"),
    ("cloudfront-is-mobile-viewer", "Cloudfront-Is-Mobile-Viewer"),
    ("etag", "Etag"),
])
def test_canonical_key_capitalises_each_hyphen_part(name: str, key: str) -> None:
    assert el.canonical_key(name) == key


def test_header_map_groups_lines_under_the_lowercase_name_keeping_case_in_key() -> None:
    assert el.header_map([("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("ETag", "x")]) == {
        "set-cookie": [{"key": "Set-Cookie", "value": "a=1"},
                       {"key": "set-cookie", "value": "b=2"}],
        "etag": [{"key": "ETag", "value": "x"}]}
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


def test_headers_skip_names_with_no_lines() -> None:
    h = el.Headers(RAW)
    assert "x-empty" not in h and list(h) == ["host", "cookie"] and len(h) == 2


def test_headers_multi_items_and_key_of_fill_a_missing_key() -> None:
    h = el.Headers({"user-agent": [{"value": "curl"}], "accept": [{"key": "accept",
                                                                    "value": "*/*"}]})
    assert h.multi_items() == [("User-Agent", "curl"), ("accept", "*/*")]
    assert h.key_of("user-agent") == "User-Agent"


def test_headers_raw_is_the_wrapped_map_itself() -> None:
    raw = copy.deepcopy(RAW)
    assert el.Headers(raw).raw is raw


def test_headers_cookies_reads_every_cookie_line_first_value_wins() -> None:
    h = el.Headers({"cookie": [{"key": "Cookie", "value": "a=1; b=2"},
                               {"key": "Cookie", "value": "a=9; c=3; flag"}]})
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


@pytest.mark.parametrize(("name", "key"), [
    pytest.param("user-agent", "User-Agent", id="§1.5 lowercase name gets the filled key"),
    ("X-Custom-ID", "X-Custom-ID"),
])
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
