"""Analysis steps: DataFrame in, DataFrame out, checked on hand-made result frames."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from edgelab import analysis


def _results(n_a: int, n_b: int, **extra) -> pd.DataFrame:
    n = n_a + n_b
    frame = pd.DataFrame({
        "edge_uri": ["/experiment/a/index.html"] * n_a + ["/experiment/b/index.html"] * n_b,
        "device": (["mobile", "desktop"] * n)[:n],
        "country": ["US"] * n,
        "client_ip": [f"198.18.0.{i % 250}" for i in range(n)],
        "cache": ["Hit"] * n, "outcome": ["served"] * n, "status": [200] * n,
        "time": pd.date_range("2025-03-01", periods=n, freq="s", tz="UTC"),
    })
    for k, v in extra.items():
        frame[k] = v
    return frame


def test_ab_split_shares_and_intervals_come_from_scipy() -> None:
    table = analysis.ab_split(_results(500, 500), weights={"A": 0.5, "B": 0.5})
    assert list(table["variant"]) == ["A", "B"]
    assert table["share"].tolist() == [0.5, 0.5]
    assert (table["ci_low"] < 0.5).all() and (table["ci_high"] > 0.5).all()
    assert table["p_value"].iloc[0] == pytest.approx(1.0)


def test_ab_split_flags_a_split_far_from_the_weights() -> None:
    table = analysis.ab_split(_results(700, 300), weights={"A": 0.5, "B": 0.5})
    assert table["p_value"].iloc[0] < 1e-6
    ok = analysis.ab_split(_results(700, 300), weights={"A": 0.7, "B": 0.3})
    assert ok["p_value"].iloc[0] > 0.5


def test_ab_split_by_device_gives_one_block_per_device() -> None:
    table = analysis.ab_split(_results(100, 100), by="device")
    assert set(table["device"]) == {"mobile", "desktop"}
    assert table.groupby("device")["share"].sum().round(9).eq(1).all()


def test_ab_split_per_viewer_counts_each_ip_once() -> None:
    table = analysis.ab_split(_results(500, 500), unit="viewer")
    assert table["total"].iloc[0] == 250


def test_requests_outside_the_test_are_left_out() -> None:
    frame = _results(10, 10)
    frame.loc[0, "edge_uri"] = "/about.html"
    assert analysis.ab_split(frame)["total"].iloc[0] == 19


def test_header_changes_and_uri_rewrites_are_counted_with_examples() -> None:
    diff = json.dumps({"headers": {"added": {"x-a": ["1"]}, "changed": {"x-b": [["o"], ["n"]]}},
                       "uri": ["/", "/experiment/a/index.html"]})
    frame = _results(3, 0, vreq_changes=[diff, diff, None])
    table = analysis.header_changes(frame)
    added = table[table["header"] == "x-a"].iloc[0]
    assert (added["trigger"], added["change"], added["count"]) == ("viewer-request", "added", 2)
    changed = table[table["header"] == "x-b"].iloc[0]
    assert (changed["example_before"], changed["example_after"]) == ("o", "n")
    rewrites = analysis.uri_rewrites(frame)
    assert rewrites.iloc[0].tolist() == ["viewer-request", "/", "/experiment/a/index.html", 2]


def test_violations_are_counted_by_rule_and_trigger() -> None:
    v = {"rule": "generated-response-size", "trigger": "viewer-request", "path": "response",
         "actual": 50000, "limit": 40960, "message": "too big", "section": "§5.1"}
    frame = _results(2, 0, violation_list=[json.dumps([v]), ""])
    table = analysis.violations(frame)
    assert table.iloc[0][["rule", "trigger", "count"]].tolist() == [
        "generated-response-size", "viewer-request", 1]


def test_headroom_relates_sizes_to_the_rule_table() -> None:
    frame = _results(2, 0, vreq_request_bytes=[2048, 10240], vreq_uri_qs_len=[10, None])
    h = analysis.headroom(frame, "2023-03")  # the 20,480-byte request quota
    size = h[h["rule"] == "request-size"]
    assert size["limit"].iloc[0] == 20480
    assert size["used"].tolist() == [0.1, 0.5]
    assert len(h[h["rule"] == "uri-querystring-length"]) == 1


def test_cache_hit_ratio_over_time_and_by_path() -> None:
    frame = _results(4, 0)
    frame["cache"] = ["Miss", "Hit", "Hit", "LambdaGeneratedResponse"]
    frame["uri"] = ["/a", "/a", "/a", "/b"]
    t = analysis.cache_over_time(frame, freq="1h")
    assert t["hit_ratio"].iloc[0] == pytest.approx(2 / 3)
    p = analysis.cache_by_path(frame)
    assert p.iloc[0][["path", "requests", "hits", "misses"]].tolist() == ["/a", 3, 2, 1]
    assert np.isnan(p.iloc[1]["hit_ratio"])


def test_origin_savings_counts_requests_that_never_reached_the_origin() -> None:
    frame = _results(4, 0, origin_status=pd.array([200, None, None, None], dtype="Int64"))
    row = analysis.origin_savings(frame).iloc[0]
    assert (row["origin_requests"], row["saved"], row["saved_share"]) == (1, 3, 0.75)


def test_latency_percentiles_per_group() -> None:
    frame = _results(100, 0, latency_ms=np.arange(100.0))
    frame["country"] = ["US"] * 50 + ["FR"] * 50
    table = analysis.latency_percentiles(frame, by="country")
    us = table[table["country"] == "US"].iloc[0]
    assert us["requests"] == 50 and us["p50"] == pytest.approx(24.5)


def test_missing_columns_are_named() -> None:
    with pytest.raises(Exception, match="edge_location"):
        analysis.edge_traffic(pd.DataFrame({"x": [1]}))
