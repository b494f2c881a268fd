"""The replay's per-row fast paths give what their plain forms give.

Each fast path (a request id finished from a hash of the seed taken once, a viewer
request built by position, a trace row's columns filled without helper calls, a client
IP read by an IPv4 pattern and inet_pton before ipaddress) is checked against the plain
form it replaces, on the same inputs.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import edgelab as el
from edgelab.edge.trace import Trace, _noted_columns
from edgelab.edge.viewer import ViewerRequest
from edgelab.errors import EventError
from edgelab.event.build import check_client_ip
from edgelab.frames.columns import normalize_traffic
from edgelab.frames.latency import _airport_codes, _hits, _per_value, _texts, _upper_texts
from edgelab.frames.replay import (
    RESULT_COLUMNS,
    _any_column,
    _column,
    _direct_column,
    _frame,
    _plain_list,
    _row_lists,
    _run_rows,
    _viewer_request,
    _viewers,
    columns_of,
    comparable,
    request_id,
    request_ids,
)
from edgelab.frames.replay_io import Chunk
from tests import strategies


def _plain_request_id(seed: int, index: int) -> str:
    digest = hashlib.blake2b(f"{seed}:{index}".encode(), digest_size=42).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


@given(st.integers(-(2**70), 2**70), st.lists(st.integers(0, 2**63), max_size=5))
def test_request_ids_of_a_seed_are_request_id(seed: int, indices: list[int]) -> None:
    of_row = request_ids(seed)
    for i in indices:
        assert of_row(i) == request_id(seed, i) == _plain_request_id(seed, i)
        assert len(of_row(i)) == 56


def _plain_viewer_request(v: dict[str, Any], rid: str, default_edge: str) -> ViewerRequest:
    """The viewer request of a traffic row, built by keyword."""
    headers = []
    for name, col in (
        ("Host", "host"),
        ("User-Agent", "user_agent"),
        ("Accept-Language", "accept_language"),
        ("Cookie", "cookie"),
        ("Referer", "referer"),
    ):
        value = v[col]
        if value and isinstance(value, str):
            headers.append((name, value))
    body = v["body"]
    lat, lon = v["latitude"], v["longitude"]
    return ViewerRequest(
        uri=str(v["uri"]),
        method=str(v["method"] or "GET").upper(),
        querystring=str(v["querystring"] or ""),
        headers=headers,
        body=body.encode() if isinstance(body, str) and body else None,
        client_ip=str(v["client_ip"] or "203.0.113.178"),
        country=v["country"] or None,
        city=v["city"] or None,
        latitude=None if lat != lat else float(lat),
        longitude=None if lon != lon else float(lon),
        edge_location=str(v["edge_location"] or default_edge),
        request_id=rid,
        time=v["time"],
    )


def _sparse_traffic() -> pd.DataFrame:
    """Rows with and without each optional column's value."""
    t0 = pd.Timestamp("2025-03-01", tz="UTC")
    return pd.DataFrame(
        {
            "time": [t0, t0, t0 + pd.Timedelta(seconds=1)],
            "method": ["get", None, "POST"],
            "uri": ["/a", "/b", "/c"],
            "querystring": [None, "x=1", ""],
            "user_agent": ["UA", None, ""],
            "cookie": [None, "a=1", None],
            "body": [None, "", "data"],
            "country": ["DE", None, ""],
            "city": [None, "Paris", None],
            "latitude": [50.1, None, 1.5],
            "longitude": [8.6, None, None],
            "client_ip": [None, "198.51.100.7", None],
            "edge_location": [None, "FRA56-P1", ""],
        }
    )


def test_a_viewer_request_by_position_is_the_one_by_keyword() -> None:
    for frame in (el.generate_traffic("shop", 300, seed=3), _sparse_traffic()):
        for i, v in enumerate(_viewers(normalize_traffic(frame))):
            got = _viewer_request(v, f"r{i}", "IAD89-C1")
            assert got == _plain_viewer_request(v, f"r{i}", "IAD89-C1")
            assert got.client_port == ViewerRequest().client_port


def test_a_trace_row_reads_the_trace_as_its_properties_do() -> None:
    dist = el.Distribution(
        {"viewer-request": lambda e, c: e["Records"][0]["cf"]["request"]},
        origin=el.MappingOrigin({"/a": "hello"}),
    )
    with dist:
        trace = dist.send(ViewerRequest.from_path("/a", headers={"User-Agent": "UA/1"}))
    row = trace.to_row()
    assert row["user_agent"] == trace.viewer.user_agent == "UA/1"
    assert row["status"] == trace.status
    assert row["stages"] == ">".join(trace.triggers)
    assert row["handler_ms"] == sum([s.duration_ms for s in trace.stages])
    assert row["vreq_changes"] is None and trace.stages[0].diff == {}


def test_a_generated_by_column_is_the_triggers_value() -> None:
    respond = {"status": "200", "headers": {}, "body": "hi"}
    dist = el.Distribution({"viewer-request": lambda e, c: respond}, origin=el.MappingOrigin({}))
    with dist:
        trace: Trace = dist.send(ViewerRequest.from_path("/a"))
    assert trace.generated_by is not None
    assert trace.to_row()["generated_by"] == trace.generated_by.value == "viewer-request"


# -- the results frame --------------------------------------------------------------------


@given(strategies.row_dicts, st.booleans())
def test_row_lists_are_the_columns_of_the_rows(rows: list[dict[str, Any]], same: bool) -> None:
    if same and rows:  # a replay's rows: every key, in the same order (the fast path)
        rows = [{k: r.get(k) for k in ("row", "a", "b", "c")} for r in rows]
    want = {name: values.tolist() for name, values in columns_of(rows).items()}
    got = _row_lists(rows)
    assert got == want and list(got) == list(want)


@pytest.mark.parametrize("col, dtype", [(c, t) for c, t in RESULT_COLUMNS if c != "row"])
def test_a_column_of_nones_is_built_as_the_values_would_be(col: str, dtype: str) -> None:
    for n in (1, 4):
        nones = np.full(n, None, dtype=object)
        want = _direct_column(col, nones, nones.tolist(), True, dtype)
        for values in (nones, [None] * n, None):
            _same(_column(col, values, n, dtype), want)
        _same(want, _any_column(col, pd.Series(nones, dtype=object), dtype))


NUMBERS = {
    "float64": st.none() | st.integers(-(2**40), 2**40) | st.floats(width=32),
    "Int64": st.none() | st.integers(0, 2**40),
}


@pytest.mark.parametrize("col", ["oreq_ms", "origin_ms", "oreq_uri_qs_len", "response_bytes"])
@given(data=st.data())
def test_a_number_column_with_gaps_is_what_numpy_gives(col: str, data: Any) -> None:
    dtype = dict(RESULT_COLUMNS)[col]
    values = data.draw(st.lists(NUMBERS[dtype], min_size=1))
    got = _column(col, values, len(values), dtype)
    if None in values:  # float64 with NaN: what np.array gives
        np.testing.assert_array_equal(got, np.array(values, dtype=np.float64))
        assert got.dtype == np.float64


def _same(got: Any, want: Any) -> None:
    got, want = pd.Series(got), pd.Series(want)
    assert repr(got.dtype) == repr(want.dtype)
    if isinstance(want.dtype, pd.CategoricalDtype):
        assert repr(got.cat.categories.dtype) == repr(want.cat.categories.dtype)
        assert got.cat.codes.dtype == want.cat.codes.dtype
    pd.testing.assert_series_equal(got, want, check_exact=True)


def test_a_results_frame_from_rows_in_any_order_is_one_frame() -> None:
    frame = normalize_traffic(el.generate_traffic("shop", 60, seed=2))
    rows = np.arange(len(frame))
    with el.Distribution({}, origin=el.MappingOrigin({"/": "home"})) as dist:
        got = _run_rows(dist, _viewers(frame), rows.tolist(), 0)
    chunk = Chunk(frame, rows)
    want = _frame(chunk, columns_of(got), None)  # as a worker's columns give it
    shuffled = [got[i] for i in np.random.default_rng(0).permutation(len(got))]
    for given_rows in (got, shuffled):
        pd.testing.assert_frame_equal(comparable(_frame(chunk, given_rows, None)), comparable(want))


def _frames() -> list[pd.DataFrame]:
    t0 = pd.Timestamp("2025-03-01", tz="UTC")
    odd = pd.DataFrame(
        {
            "time": [t0] * 4,
            "method": pd.Categorical(["GET", None, "x", "GET"]),  # a missing value: -1
            "uri": ["/a", None, "/b", ""],
            "country": pd.Categorical([1, None, 2, 1]),  # categories of numbers
            "city": ["a", "b", None, "a"],  # not categorical
        }
    )
    return [normalize_traffic(el.generate_traffic("shop", 50, seed=4)), odd]


def test_a_columns_plain_list_is_its_tolist() -> None:
    for frame in _frames():
        for col in frame.columns:
            got, want = _plain_list(frame[col]), frame[col].tolist()
            assert len(got) == len(want), col
            for a, b in zip(got, want, strict=True):
                assert type(a) is type(b) and (a == b or (a != a and b != b)), (col, a, b)


# -- latency inputs -----------------------------------------------------------------------

CONVERSIONS = [_airport_codes, _upper_texts, _hits, _texts]


@pytest.mark.parametrize("convert", CONVERSIONS, ids=lambda c: c.__name__)
@given(
    st.lists(st.none() | st.sampled_from(["fra56-P1", "Hit", "RefreshHit", "", "é", "Miss"])),
    st.booleans(),
)
def test_a_categoricals_values_convert_per_category_as_one_by_one(
    convert: Any, values: list[str | None], extra: bool
) -> None:
    values = values * 9  # more rows than categories: the per-category path
    categories = sorted({v for v in values if v is not None} | ({"unused"} if extra else set()))
    for series in (
        pd.Series(pd.Categorical(values, categories=categories)),
        pd.Series(values, dtype="category"),
        pd.Series(values, dtype=object),
        pd.Series(pd.Categorical([1, None, 2] * 2)),  # categories of numbers
    ):
        want = convert(series)
        got = _per_value(series, convert)
        assert got.dtype == want.dtype
        assert len(got) == len(want)
        for a, b in zip(got.tolist(), want.tolist(), strict=True):
            assert type(a) is type(b) and (a == b or (a != a and b != b))


# -- a trace's summary columns ------------------------------------------------------------


def _noting(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["Records"][0]["cf"]["request"]
    if request["uri"] == "/log":
        print("a line")
    if request["uri"] == "/boom":
        raise RuntimeError("boom")
    if request["uri"] == "/bad":
        request["headers"]["x-bad"] = [{"key": "X-Bad", "value": "a\nb"}]
    return request


def test_a_trace_that_noted_nothing_has_the_columns_noting_would_give() -> None:
    dist = el.Distribution(
        {"viewer-request": _noting}, origin=el.MappingOrigin({"/a": "a", "/log": "l"})
    )
    with dist:
        traces = [
            dist.send(ViewerRequest.from_path(u)) for u in ("/a", "/a", "/log", "/boom", "/bad")
        ]
    with el.Distribution({}, origin=el.HttpOrigin("http://127.0.0.1:9")) as down:
        traces.append(down.send(ViewerRequest.from_path("/x")))  # an origin error
    noted = []
    for trace in traces:
        row = trace.to_row()
        worked_out = dict(row)
        _noted_columns(worked_out, trace)  # what the quick path skips, worked out
        assert worked_out == row
        noted.append((row["cold_starts"], row["logs"] != "", row["error_type"], row["violations"]))
    assert noted[1] == (0, False, None, 0)  # the quick path: nothing noted
    assert noted[0][0] == 1 and noted[2][1] and noted[3][2] == "LambdaExecutionError"
    assert noted[4][3] > 0 and noted[5][2] == "OriginError"


# -- the traffic's row checks -------------------------------------------------------------
def _ip_by_ipaddress(value: Any) -> bool:
    """check_client_ip as it read every address before its IPv4 fast path (facts §1.3)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _accepted(value: str) -> bool:
    try:
        check_client_ip(value)
    except EventError:
        return False
    return True


_OCTETS = st.one_of(
    st.integers(0, 255).map(str),
    st.integers(0, 999).map(str),
    st.from_regex(r"0[0-9]{1,3}", fullmatch=True),  # leading zeros: refused
    st.text(alphabet="0123456789٣²", min_size=1, max_size=3),  # other digits: refused
)


_GROUPS = st.one_of(
    st.from_regex(r"[0-9a-fA-F]{1,4}", fullmatch=True),
    st.from_regex(r"[0-9a-fA-F]{5,6}", fullmatch=True),  # too long: refused
    st.just(""),  # two colons in a row: "::", once or (refused) more
    st.text(alphabet="0123456789abcdefgxX٣ \x00", min_size=1, max_size=4),
)


def _ipv6_like(groups: list[str], tail: str | None, zone: str | None) -> str:
    text = ":".join(groups)
    if tail is not None:  # an IPv4 address in the last 32 bits: ::ffff:192.0.2.1
        text = f"{text}:{tail}"
    return text if zone is None else f"{text}%{zone}"


@given(
    st.one_of(
        st.lists(_OCTETS, min_size=3, max_size=5).map(".".join),
        st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n))),
        st.integers(0, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n))),
        st.integers(0, 2**128 - 1).map(lambda n: ipaddress.IPv6Address(n).exploded.upper()),
        st.builds(
            _ipv6_like,
            st.lists(_GROUPS, min_size=1, max_size=10),
            st.none() | st.lists(_OCTETS, min_size=3, max_size=5).map(".".join),
            st.none() | st.sampled_from(["eth0", "1", ""]),
        ),
        st.text(alphabet="0123456789.:abcdef \n", max_size=20),
    )
)
def test_a_client_ip_is_accepted_as_ipaddress_accepts_it(value: str) -> None:
    """The IPv4 pattern and the C library's IPv6 reading tried first accept what
    ipaddress accepts, no more, no less."""
    assert _accepted(value) == _ip_by_ipaddress(value)
