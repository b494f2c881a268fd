"""The results frame of a replay: every column's type and values, however it is written.

The frame is built column by column from the rows' values (``_column``): at once for
the usual types of each column, through pandas' conversions otherwise; both ways must
give the same column (``_any_column`` is the reference).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import edgelab as el
from edgelab.edge.trace import ROW_COLUMNS
from edgelab.frames.columns import normalize_traffic
from edgelab.frames.latency import LATENCY_COLUMNS
from edgelab.frames.replay import (
    _STATUS_COLUMNS,
    RESULT_COLUMNS,
    _any_column,
    _column,
    _input_error_row,
    _run_row,
    comparable,
    viewer_columns,
    viewers_of,
)
from tests.strategies import result_values


def vreq(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["Records"][0]["cf"]["request"]
    if request["uri"] == "/gen":
        return {"status": "403", "statusDescription": "Forbidden", "headers": {}, "body": "no"}
    if request["uri"] == "/boom":
        raise RuntimeError("boom")
    return request


URIS = ["/a", "/a", "/gen", "/boom", "/missing", "index.html"]


def _traffic() -> pd.DataFrame:
    t0 = pd.Timestamp("2025-03-01", tz="UTC")
    return pd.DataFrame(
        {
            "time": [t0 + pd.Timedelta(seconds=s) for s in range(len(URIS))],
            "method": ["GET"] * len(URIS),
            "uri": URIS,
        }
    )


def _dist() -> el.Distribution:
    return el.Distribution({"viewer-request": vreq}, origin=el.MappingOrigin({"/a": "hello"}))


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    return el.replay(_dist(), _traffic(), progress=False)


#: what each row gave: a miss, a hit, a generated response, a function error, an origin's
#: 404, a row no viewer could send
EXPECTED = {
    "outcome": ["served", "served", "generated", "error", "served", "input-error"],
    "status": [200, 200, 403, 500, 404, None],
    "cache": ["Miss", "Hit", "LambdaGeneratedResponse", "Error", "Miss", None],
    "cache_tier": ["origin", "edge", None, None, "origin", None],
    "error_type": [None, None, None, "LambdaExecutionError", None, "InputError"],
    "edge_uri": ["/a", "/a", "/gen", "/boom", "/missing", "index.html"],
    "vreq_outcome": ["request", "request", "response", "error", "request", None],
    "vreq_uri_qs_len": [2, 2, None, None, 8, None],
    "vreq_generated_bytes": [None, None, 2, None, None, None],
    "origin_status": [200, None, None, None, 404, None],
    "failover": [False] * 6,
    "violations": [0] * 6,
    "cold_starts": [1, 0, 0, 0, 0, 0],
    "outbound_ms": [0.0, 0.0, 0.0, 0.0, 0.0, None],
    "oreq_outcome": [None] * 6,
}
#: the README's results contract: nullable Int64 status columns, counts int64, sizes
#: and times float64 (a size column some row has no value for: NaN), text as str
KINDS = {
    "int64": ("row", "violations", "cold_starts", "outbound_calls", "outbound_refused"),
    "Int64": _STATUS_COLUMNS,
    "bool": ("failover",),
    "str": ("request_id", "error_message", "violation_list", "logs", "outbound_list"),
}


def _kind(col: str, dtype: str) -> str:
    for kind, cols in KINDS.items():
        if col in cols:
            return kind
    return "float64" if dtype in ("float64", "Int64") else dtype


def test_every_result_column_has_its_type(results) -> None:
    result_cols = [c for c, _ in RESULT_COLUMNS]
    carried = normalize_traffic(_traffic())
    assert list(results.columns[:12]) == list(carried.columns.intersection(results.columns))
    assert list(results.columns[12:]) == [*result_cols, *LATENCY_COLUMNS]
    for col in results.columns[:12]:
        assert results[col].dtype == carried[col].dtype, col
    expected = {c: _kind(c, t) for c, t in RESULT_COLUMNS} | dict.fromkeys(
        LATENCY_COLUMNS, "float64"
    )
    for col, kind in expected.items():
        dtype = results[col].dtype
        if kind == "category":
            assert isinstance(dtype, pd.CategoricalDtype), col
        elif kind == "str":
            assert dtype == pd.StringDtype(na_value=np.nan), col
        else:
            assert dtype == np.dtype(kind) if kind != "Int64" else dtype == "Int64", col


def test_every_row_gives_what_happened_to_it(results) -> None:
    for col, values in EXPECTED.items():
        got = [None if pd.isna(v) else v for v in results[col].tolist()]
        assert got == values, col
    assert results["error_message"].tolist()[3] == "RuntimeError: boom"
    assert results["error_message"].tolist()[5].startswith("traffic row 5: uri must start")
    assert results["request_id"].str.len().tolist() == [56] * 6


def test_written_results_read_back_as_the_frame(results, tmp_path: Path) -> None:
    want = comparable(results)
    el.replay_to(_dist(), _traffic(), tmp_path / "r.parquet", progress=False)
    pd.testing.assert_frame_equal(comparable(pd.read_parquet(tmp_path / "r.parquet")), want)
    el.replay_to(_dist(), _traffic(), tmp_path / "r.csv", progress=False)
    csv = pd.read_csv(tmp_path / "r.csv", keep_default_na=False, na_values=[""])
    assert list(csv.columns) == list(results.columns)
    for col in EXPECTED:
        got = [None if pd.isna(v) else v for v in csv[col].tolist()]
        assert got == EXPECTED[col], col


def test_rows_of_every_kind_have_one_column_order() -> None:
    class Broken:
        edge_location = "IAD50-C1"

        def send(self, request: Any) -> Any:
            raise ValueError("no")

    viewers = viewers_of(viewer_columns(normalize_traffic(_traffic())))
    traced = _run_row(_dist(), viewers[0], 0, "r0", "IAD50-C1")
    failed = _run_row(Broken(), viewers[0], 1, "r1", "IAD50-C1")
    refused = _run_row(_dist(), viewers[5], 5, "r5", "IAD50-C1")
    assert failed["outcome"] == "replay-error" and failed["error_type"] == "ValueError"
    assert refused["outcome"] == "input-error"
    for row in (traced, failed, refused):
        assert tuple(row) == (*ROW_COLUMNS, "row")
    assert tuple(_input_error_row("r", 3, "why")) == ROW_COLUMNS


def _same_column(got: Any, want: Any) -> None:
    got, want = pd.Series(got), pd.Series(want)
    assert repr(got.dtype) == repr(want.dtype)
    if isinstance(want.dtype, pd.CategoricalDtype):
        assert repr(got.cat.categories.dtype) == repr(want.cat.categories.dtype)
    pd.testing.assert_series_equal(got, want, check_exact=True)


@pytest.mark.parametrize(
    "col, dtype",
    [(c, t) for c, t in RESULT_COLUMNS if c != "row"],
    ids=[c for c, _ in RESULT_COLUMNS if c != "row"],
)
@given(data=st.data())
def test_a_column_built_at_once_equals_pandas_conversions(col, dtype, data) -> None:
    values = data.draw(result_values(dtype))
    array = np.fromiter(values, dtype=object, count=len(values))
    try:
        want = _any_column(col, pd.Series(array, dtype=object), dtype)
    except Exception as exc:  # what pandas refuses (1.5 as a status): refused alike
        with pytest.raises(type(exc)):
            _column(col, array, len(values), dtype)
        return
    _same_column(_column(col, array, len(values), dtype), want)


@pytest.mark.parametrize("col, dtype", [(c, t) for c, t in RESULT_COLUMNS if c != "row"])
def test_a_column_no_row_has_is_the_empty_value_of_its_type(col, dtype) -> None:
    for n in (0, 3):
        want = _any_column(col, pd.Series([None] * n, dtype=object), dtype)
        _same_column(_column(col, None, n, dtype), want)
