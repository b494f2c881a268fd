"""The chain's own stages take direct paths on the hot path (header maps read and written
in place, responses built without the generic helpers); each is checked here against the
generic code it stands for, which is kept in this file as the reference."""

from __future__ import annotations

import hashlib
import os
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgelab as el
from edgelab.edge.cache import CachePolicy, Entry, NameMatch, _expires, _seconds
from edgelab.edge.caching import _with_age
from edgelab.edge.chain import _viewer_via
from edgelab.edge.cloudfront_headers import forwarded_for, via_value
from edgelab.edge.exchange import Exchange
from edgelab.edge.forward import ForwardToOrigin
from edgelab.edge.origins import make_response
from edgelab.edge.stage import without
from edgelab.event.headers import (
    Headers,
    MutableHeaders,
    cookie_header,
    header_map,
    lowercase_names,
    select_cookies,
)
from edgelab.runtimes.base import steady_files
from tests.strategies import header_pairs, usual_requests, usual_responses

D = "d111111abcdef8.cloudfront.net"


def ordered(value: Any) -> Any:
    """``value`` with every dict as its list of items: equal only in the same order."""
    if isinstance(value, dict):
        return [(k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list | tuple):
        return [ordered(v) for v in value]
    return value


# -- the cache key and TTL: the header map read in place, as the Headers view reads it ----------
def reference_key(policy: CachePolicy, method: str, uri: str, qs: str, headers: Any) -> tuple:
    view = Headers(headers)
    hvals = tuple((name, tuple(view.get_list(name))) for name in policy._key_headers)
    return (
        D,
        uri,
        method if method == "OPTIONS" else "",
        policy.key_querystring(qs),
        hvals,
        () if policy.cookies == "none" else policy.key_cookies(headers),
        policy.accept_encoding(view.get("accept-encoding")),
    )


def reference_ttl(policy: CachePolicy, status: int, headers: Any, now: float) -> float:
    directives: dict[str, str] = {}
    for line in Headers(headers).get_list("cache-control"):
        for part in line.split(","):
            name, _, value = part.strip().partition("=")
            if name:
                directives.setdefault(name.lower(), value.strip().strip('"'))
    if any(d in directives for d in ("no-store", "no-cache", "private")):
        return policy.min_ttl
    seconds = _seconds(directives.get("s-maxage"))
    if seconds is None:
        seconds = _seconds(directives.get("max-age"))
    if seconds is None:
        seconds = _expires(headers, now)
    if status in (400, 403, 404, 405, 412, 414, 415, 416, 500, 501, 502, 503, 504):
        return policy.error_caching_ttl(status, seconds)
    if seconds is None:
        return policy.default_ttl if status in (200, 203, 206, 300, 301, 410) else 0.0
    return min(policy.max_ttl, max(policy.min_ttl, seconds))


policies = st.builds(
    CachePolicy,
    headers=st.sampled_from([(), ("X-A",), ("x-a", "Accept-Encoding", "b")]),
    cookies=st.sampled_from(["none", "all", ("a",)]),
    query_strings=st.sampled_from(["none", "all", ("a", "b")]),
    gzip=st.booleans(),
    brotli=st.booleans(),
)
caching_lines = st.lists(
    st.tuples(
        st.sampled_from(["Cache-Control", "cache-control", "Expires", "Accept-Encoding", "X-A"]),
        st.sampled_from(
            [
                *("max-age=60", "s-maxage=5, max-age=1", "no-cache", "PRIVATE", "x", ""),
                *("gzip, br", "Wed, 21 Oct 2015 07:28:00 GMT", "Thu, 01 Jan 2099 00:00:00 GMT"),
            ]
        ),
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(
    policies,
    st.sampled_from(["GET", "OPTIONS"]),
    st.sampled_from(["", "a=1&b=2", "b=2&Signature=x&a=1", "&&"]),
    header_pairs,
    caching_lines,
    st.sampled_from([200, 204, 301, 403, 404, 416, 503]),
)
def test_the_cache_key_and_ttl_read_the_map_as_the_headers_view_does(
    policy: CachePolicy,
    method: str,
    qs: str,
    pairs: list,
    lines: list,
    status: int,
) -> None:
    headers = header_map(pairs + lines)
    assert policy.key(D, method, "/a", qs, headers) == reference_key(
        policy, method, "/a", qs, headers
    )
    assert policy.ttl(status, headers, 1_700_000_000.0) == reference_ttl(
        policy, status, headers, 1_700_000_000.0
    )


# -- the origin request: lines set in the map, as MutableHeaders sets them ----------------------
def reference_origin_request(unit: ForwardToOrigin, ex: Exchange, origin: Any) -> tuple:
    """ForwardToOrigin.origin_request as it was, through the MutableHeaders view."""
    b, req = unit.behavior, ex.request
    vh = req["headers"]
    block = origin.block(ex.viewer.protocol)
    out = MutableHeaders(unit.forwarded_headers(vh, block))
    viewer = Headers(vh)
    if "user-agent" not in out:
        out["User-Agent"] = "Amazon CloudFront"
    xff = viewer.get_list("x-forwarded-for")
    out["X-Forwarded-For"] = forwarded_for(", ".join(xff) if xff else None, ex.viewer.client_ip)
    via = via_value(unit.dist.domain_name, ex.viewer.edge_location)
    old_via = viewer.get("via")
    out["Via"] = f"{old_via}, {via}" if old_via else via
    cp = b.cache_policy
    if cp.compresses:
        accept = (
            None
            if ex.viewer.http_version.startswith(("0.", "1.0"))
            else viewer.get("accept-encoding")
        )
        out["Accept-Encoding"] = cp.accept_encoding(accept) or "identity"
    if b.forward_cookies == "all" and "cookie" in vh:
        out.raw["cookie"] = vh["cookie"]
    else:
        jar = select_cookies(vh, b.forward_cookies)
        if jar:
            out["Cookie"] = cookie_header(jar)
        else:
            out.remove("cookie")
    if ex.body is not None:
        out["Content-Length"] = str(len(ex.body))
    if ex.revalidate is not None:
        for name, value in ex.revalidate.validators.items():
            out[name] = value
    qs = unit.forwarded_querystring(req["querystring"])
    oreq = {
        "clientIp": req["clientIp"],
        "headers": out.raw,
        "method": req["method"],
        "querystring": qs if b.origin_events_see_querystring else "",
        "uri": req["uri"],
        "origin": {k: dict(v) for k, v in block.items()},
    }
    return oreq, qs


viewer_lines = st.lists(
    st.tuples(
        st.sampled_from(
            [
                *("User-Agent", "user-agent", "X-Forwarded-For", "Via", "Accept-Encoding"),
                *("Cookie", "X-A", "Host", "Cookie"),
            ]
        ),
        st.sampled_from(["", "gzip, br", "a=1; b=2", "1.2.3.4", "1.1 proxy", "x"]),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(
    policies,
    st.sampled_from(["none", "all", ("x-a", "host"), NameMatch(("x-a",), exclude=True)]),
    st.sampled_from(["none", "all", ("b",)]),
    viewer_lines,
    st.sampled_from(["1.0", "1.1", "2.0"]),
    st.booleans(),
    st.sampled_from([None, b"", b"body"]),
    usual_requests,
    st.sampled_from([{}, {"user-agent": []}, {"via": [], "accept-encoding": [], "cookie": []}]),
)
def test_the_origin_request_is_the_one_the_headers_view_made(
    cache_policy: CachePolicy,
    forwarded: Any,
    cookies: Any,
    lines: list,
    http_version: str,
    revalidate: bool,
    body: bytes | None,
    request: dict[str, Any],
    empty: dict[str, list],  # names without a line: not there for the views
) -> None:
    orp = el.OriginRequestPolicy(headers=forwarded, cookies=cookies, query_strings="all")
    dist = el.Distribution(
        origin=el.MappingOrigin({}), cache_policy=cache_policy, origin_request_policy=orp
    )
    unit = dist.stack
    while not isinstance(unit, ForwardToOrigin):
        unit = unit.next  # type: ignore[attr-defined]
    viewer = el.ViewerRequest(uri="/a", headers=lines, http_version=http_version, body=body)
    req = {
        "clientIp": viewer.client_ip,
        "headers": {**viewer.header_map(D), **request["headers"], **empty},
        "method": "GET",
        "querystring": request["querystring"],
        "uri": "/a",
    }
    ex = Exchange(viewer, "rid", 0.0, req, body, unit.behavior)
    if revalidate:
        stored = header_map([("ETag", '"e"'), ("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT")])
        ex.revalidate = Entry({"status": "200", "headers": stored}, 0.0, 1.0)
    origin = dist.first_origin(unit.behavior)
    assert ordered(unit.origin_request(ex, origin)) == ordered(
        reference_origin_request(unit, ex, origin)
    )
    dist.close()


# -- small helpers: the same result in the same order ----------------------------------------
@given(usual_requests | usual_responses, st.sampled_from([(), ("body",), ("body", "bodyEncoding")]))
def test_without_keeps_the_order_of_what_it_keeps(message: dict, keys: tuple) -> None:
    expected = {k: v for k, v in message.items() if k not in keys}
    assert ordered(without(message, *keys)) == ordered(expected)


@given(usual_responses.filter(lambda r: isinstance(r.get("headers"), dict)), st.integers(0, 99))
def test_a_hit_gets_its_age_on_copies(response: dict, age: int) -> None:
    entry = Entry(response, 0.0, 1.0)
    before = ordered(response)
    headers = {**response["headers"], "age": [{"key": "Age", "value": str(age)}]}
    assert ordered(_with_age(entry, age)) == ordered({**response, "headers": headers})
    assert ordered(response) == before  # the stored response is left alone


class Name(str):
    pass


@pytest.mark.parametrize(
    ("raw", "exact", "expected"),
    [
        ({"a": 1, "b-c": 2}, True, True),
        ({"a": 1, "B": 2}, True, False),
        ({"a": 1, Name("b"): 2}, True, False),  # a str subclass is no exact str
        ({"a": 1, Name("b"): 2}, False, True),
        ({}, True, True),
        ({1: 2}, True, False),
    ],
)
def test_lowercase_names_tells_exact_str_names(raw: dict, exact: bool, expected: bool) -> None:
    assert lowercase_names(raw, exact=exact) is expected


@pytest.mark.parametrize("version", ["1.0", "1.1", "2.0", "3.0"])
def test_the_viewers_via_is_its_version_then_the_edge_hash(version: str) -> None:
    ver = "1.1" if version.startswith("1") else "2.0"
    assert _viewer_via(D, "IAD50-C1", version) == ver + via_value(D, "IAD50-C1")[3:]


# -- the folder origin: S3's answer built directly, as make_response builds it ------------------
@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "a b").mkdir()
    (tmp_path / "a b" / "é.html").write_text("<h1>é</h1>")
    (tmp_path / "page.html").write_text("<h1>page</h1>")
    (tmp_path / "bin.dat").write_bytes(b"\xff\x00\x01")
    (tmp_path / "empty.txt").write_bytes(b"")
    return tmp_path


def s3_answer(path: Path, status: int, method: str) -> dict[str, Any]:
    data = path.read_bytes()
    st_ = path.stat()
    ctype = {".html": "text/html", ".txt": "text/plain"}.get(path.suffix, "binary/octet-stream")
    headers = {
        "Last-Modified": formatdate(st_.st_mtime, usegmt=True),
        "ETag": f'"{hashlib.md5(data).hexdigest()}"',
        "Accept-Ranges": "bytes",
        "Content-Type": ctype,
        "Content-Length": str(st_.st_size),
        "Server": "AmazonS3",
    }
    if status == 304:
        headers.pop("Content-Length")
    body = data if status == 200 and method == "GET" else None
    return make_response(status, body, headers)


@pytest.mark.parametrize("steady", [False, True])
@pytest.mark.parametrize(
    ("uri", "name"),
    [
        ("/page.html", "page.html"),
        ("/a%20b/%C3%A9.html", "a b/é.html"),
        ("/a b/é.html", "a b/é.html"),
        ("//bin.dat", "bin.dat"),
        ("/empty.txt", "empty.txt"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_folder_origin_answers_as_make_response_builds_it(
    site: Path, uri: str, name: str, method: str, steady: bool
) -> None:
    origin = el.FolderOrigin(site)
    expected = s3_answer(site / name, 200, method)
    etag = expected["headers"]["etag"][0]["value"]
    since = expected["headers"]["last-modified"][0]["value"]
    asks = [
        ({}, 200),
        ({"if-none-match": [{"key": "If-None-Match", "value": etag}]}, 304),
        ({"if-none-match": [{"key": "If-None-Match", "value": "*"}]}, 304),
        ({"if-none-match": [{"key": "If-None-Match", "value": '"other"'}]}, 200),
        ({"if-modified-since": [{"key": "If-Modified-Since", "value": since}]}, 304),
        ({"if-modified-since": [{"key": "If-Modified-Since", "value": "nonsense"}]}, 200),
    ]
    with steady_files() if steady else open(os.devnull):
        for _ in range(2):  # the first answer reads the file, the second the kept version
            for headers, status in asks:
                got = origin({"method": method, "uri": uri, "headers": headers})
                assert ordered(got) == ordered(s3_answer(site / name, status, method))
            assert ordered(origin({"method": method, "uri": uri, "headers": None})) == ordered(
                expected
            )


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("/", "AccessDenied"),
        ("/nope.html", "AccessDenied"),
        ("/%ff", "InvalidURI"),
        ("/\udc80", "InvalidURI"),
        ("/a%00", "InvalidURI"),
        ("/" + "é" * 513, "KeyTooLongError"),
        ("/" + "e" * 1025, "KeyTooLongError"),
        ("/" + "e" * 1024, "AccessDenied"),
    ],
)
def test_the_folder_origins_errors_carry_the_uris_request_id(
    site: Path, uri: str, code: str
) -> None:
    got = el.FolderOrigin(site)({"method": "GET", "uri": uri})
    rid = hashlib.md5(uri.encode("utf-8", "replace")).hexdigest()[:16].upper()
    assert f"<Code>{code}</Code>" in got["body"]
    assert f"<RequestId>{rid}</RequestId>" in got["body"]


@pytest.mark.parametrize("code", ["AccessDenied", "NoSuchKey", "MethodNotAllowed", "InvalidURI"])
def test_the_folder_origins_error_is_the_one_make_response_builds(site: Path, code: str) -> None:
    from edgelab.edge.origins import _S3_ERRORS

    got = el.FolderOrigin(site)._error(code, "k<ey>", "/k%3Cey%3E")
    expected = make_response(
        _S3_ERRORS[code][0], got["body"], {"Content-Type": "application/xml", "Server": "AmazonS3"}
    )
    assert ordered(got) == ordered(expected)
    assert ("<Key>k&lt;ey&gt;</Key>" in got["body"]) is (code == "NoSuchKey")


@pytest.mark.parametrize(
    "items",
    [
        {"A": "1", "b": 2},
        [("A", "1"), ("a", "2")],
        (("A", "1"),),
        None,
        Headers({"a": [{"key": "A", "value": "1"}]}),
    ],
)
def test_header_map_takes_a_dict_as_any_mapping(items: Any) -> None:
    pairs = list(items.items()) if hasattr(items, "items") else list(items) if items else []
    expected: dict[str, list] = {}
    for name, value in pairs:
        expected.setdefault(name.lower(), []).append({"key": name, "value": str(value)})
    assert ordered(header_map(items)) == ordered(expected)
