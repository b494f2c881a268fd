"""Analysis steps: DataFrame in, DataFrame out, checked on hand-made result frames."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from edgelab import analysis


def _results(n_a: int, n_b: int, **extra) -> pd.DataFrame:
    n = n_a + n_b
    frame = pd.DataFrame(
        {
            "edge_uri": ["/experiment/a/index.html"] * n_a + ["/experiment/b/index.html"] * n_b,
            "device": (["mobile", "desktop"] * n)[:n],
            "country": ["US"] * n,
            "client_ip": [f"198.18.0.{i % 250}" for i in range(n)],
            "cache": ["Hit"] * n,
            "outcome": ["served"] * n,
            "status": [200] * n,
            "time": pd.date_range("2025-03-01", periods=n, freq="s", tz="UTC"),
        }
    )
    for k, v in extra.items():
        frame[k] = v
    return frame


def test_ab_split_shares_and_intervals_come_from_scipy() -> None:
    table = analysis.ab_split(_results(500, 500), weights={"A": 0.5, "B": 0.5}, unit="request")
    assert list(table["variant"]) == ["A", "B"]
    assert table["share"].tolist() == [0.5, 0.5]
    assert (table["ci_low"] < 0.5).all() and (table["ci_high"] > 0.5).all()
    assert table["p_value"].iloc[0] == pytest.approx(1.0)


def test_ab_split_flags_a_split_far_from_the_weights() -> None:
    table = analysis.ab_split(_results(700, 300), weights={"A": 0.5, "B": 0.5}, unit="request")
    assert table["p_value"].iloc[0] < 1e-6
    ok = analysis.ab_split(_results(700, 300), weights={"A": 0.7, "B": 0.3}, unit="request")
    assert ok["p_value"].iloc[0] > 0.5


def test_ab_split_by_device_gives_one_block_per_device() -> None:
    table = analysis.ab_split(_results(100, 100), by="device", unit="request")
    assert set(table["device"]) == {"mobile", "desktop"}
    assert table.groupby("device")["share"].sum().round(9).eq(1).all()


def test_ab_split_per_viewer_counts_each_ip_once() -> None:
    table = analysis.ab_split(_results(500, 500), unit="viewer")
    assert table["total"].iloc[0] == 250


def test_requests_outside_the_test_are_left_out() -> None:
    frame = _results(10, 10)
    frame.loc[0, "edge_uri"] = "/about.html"
    assert analysis.ab_split(frame, unit="request")["total"].iloc[0] == 19


def test_header_changes_and_uri_rewrites_are_counted_with_examples() -> None:
    diff = json.dumps(
        {
            "headers": {"added": {"x-a": ["1"]}, "changed": {"x-b": [["o"], ["n"]]}},
            "uri": ["/", "/experiment/a/index.html"],
        }
    )
    frame = _results(3, 0, vreq_changes=[diff, diff, None])
    table = analysis.header_changes(frame)
    added = table[table["header"] == "x-a"].iloc[0]
    assert (added["trigger"], added["change"], added["count"]) == ("viewer-request", "added", 2)
    changed = table[table["header"] == "x-b"].iloc[0]
    assert (changed["example_before"], changed["example_after"]) == ("o", "n")
    rewrites = analysis.uri_rewrites(frame)
    assert rewrites.iloc[0].tolist() == ["viewer-request", "/", "/experiment/a/index.html", 2]


def test_violations_are_counted_by_rule_and_trigger() -> None:
    v = {
        "rule": "generated-response-size",
        "trigger": "viewer-request",
        "path": "response",
        "actual": 50000,
        "limit": 40960,
        "message": "too big",
        "section": "§5.1",
    }
    frame = _results(2, 0, violation_list=[json.dumps([v]), ""])
    table = analysis.violations(frame)
    assert table.iloc[0][["rule", "trigger", "count"]].tolist() == [
        "generated-response-size",
        "viewer-request",
        1,
    ]


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


# -- what the report and the notebooks say ---------------------------------------------------


def _mixed() -> pd.DataFrame:
    """Ten requests, one of each kind the summary separates."""
    return pd.DataFrame(
        {
            "outcome": [
                "served",
                "served",
                "served",
                "generated",
                "served",
                "served",
                "error",
                "error",
                "origin-error",
                "served",
            ],
            "cache": [
                "Hit",
                "Hit",
                "Miss",
                "LambdaGeneratedResponse",
                "Miss",
                "Hit",
                "Error",
                "Error",
                "Error",
                "Miss",
            ],
            "status": [200.0, 200.0, 200.0, 301.0, 405.0, 404.0, 502.0, 500.0, 504.0, 200.0],
            "method": ["GET"] * 9 + ["POST"],
            "error_type": [None] * 6
            + ["LambdaValidationError", "LambdaExecutionError", "OriginError", None],
            "origin_status": [None, None, 200, None, 405, None, None, None, None, 200],
            "time": pd.date_range("2025-03-01", periods=10, freq="30s", tz="UTC"),
        }
    )


def test_summary_puts_each_request_in_one_category_with_percentages() -> None:
    s = analysis.summary(_mixed()).set_index("metric")
    categories = [
        "served from the cache",
        "served via the origin",
        "generated by a function",
        "origin 4xx",
        "origin 5xx",
        "function errors",
        "CloudFront errors",
    ]
    assert [s.loc[c, "value"] for c in categories] == [2, 2, 1, 2, 0, 2, 1]
    assert sum(s.loc[c, "value"] for c in categories) == 10
    assert s.loc["served from the cache", "percent"] == 20.0
    # function errors apart from origin errors and CloudFront errors, by type
    assert s.loc["  LambdaValidationError (502)", "value"] == 1
    assert s.loc["  LambdaExecutionError (500)", "value"] == 1


def test_hit_ratio_counts_only_cacheable_non_error_responses() -> None:
    frame = _mixed()
    # counted: the two 200 hits and the 200 GET miss; not the 404 hit, the 405, the POST
    assert analysis.hit_ratio(frame) == pytest.approx(2 / 3)
    assert "hits / (hits + misses)" in analysis.HIT_RATIO_DEFINITION
    s = analysis.summary(frame).set_index("metric")
    assert s.loc["cache hit ratio", "percent"] == pytest.approx(66.7)


def test_statuses_are_integers_and_explained_by_where_they_came_from() -> None:
    frame = _mixed()
    assert analysis.outcomes(frame)["status"].tolist()[0] in {"200", "404", "301"}
    assert not any("." in s for s in analysis.outcomes(frame)["status"])
    explained = analysis.status_explained(frame).set_index(["status", "source"])
    assert "S3's 405 MethodNotAllowed" in explained.loc[(405, "origin"), "meaning"]
    assert "redirect" in explained.loc[(301, "function"), "meaning"]
    assert "LambdaExecutionError" in explained.loc[(500, "CloudFront"), "meaning"]
    assert "AccessDenied" in analysis.status_meaning(403, "origin")
    assert analysis.status_codes(frame).dtype == "Int64"


def test_headroom_summary_has_the_largest_and_p99_share_in_each_unit() -> None:
    frame = _results(
        100, 0, vreq_request_bytes=np.arange(100.0) * 100, vreq_uri_qs_len=[10.0] * 100
    )
    h = analysis.headroom_summary(frame, rules="2023-03").set_index("rule")
    size = h.loc["request-size"]
    assert size["unit"] == "bytes" and size["limit"] == 20480  # 2023-03's request quota
    assert size["max_actual"] == 9900 and size["max_used"] == pytest.approx(9900 / 20480)
    assert size["max_actual"] > size["p99_actual"] > 9700
    assert h.loc["uri-querystring-length", "unit"] == "chars"


def test_cache_by_edge_counts_hits_another_edge_location_filled() -> None:
    frame = pd.DataFrame(
        {
            "edge_location": ["LHR50-C1", "SYD1-C1", "SYD1-C1", "LHR50-C1"],
            "edge_uri": ["/a", "/a", "/b", "/a"],
            "uri": ["/a", "/a", "/b", "/a"],
            "cache": ["Miss", "Hit", "Miss", "Hit"],
            "status": [200] * 4,
            "method": ["GET"] * 4,
            "time": pd.date_range("2025-03-01", periods=4, freq="1min", tz="UTC"),
        }
    )
    t = analysis.cache_by_edge(frame).set_index("code")
    assert t.loc["SYD", "hits"] == 1 and t.loc["SYD", "hits_filled_elsewhere"] == 1
    assert t.loc["LHR", "hits"] == 1 and t.loc["LHR", "hits_filled_elsewhere"] == 0


def test_time_span_says_how_long_the_traffic_lasts() -> None:
    span = analysis.time_span(_mixed()).iloc[0]
    assert span["minutes"] == 4.5 and span["span"] == pd.Timedelta(minutes=4, seconds=30)


def test_the_ab_count_is_named_after_its_unit_and_viewers_by_default() -> None:
    frame = _results(500, 500)
    assert "viewers" in analysis.ab_split(frame).columns
    assert "requests" in analysis.ab_split(frame, unit="request").columns
    assert analysis.has_ab_test(frame)
    frame["edge_uri"] = "/index.html"
    assert not analysis.has_ab_test(frame)
    with pytest.raises(Exception, match="unit must be 'request' or 'viewer'; got 'ip'"):
        analysis.ab_split(frame, unit="ip")


def test_input_errors_are_their_own_category_never_served_or_a_function_error() -> None:
    frame = _mixed()
    bad = frame.iloc[[0]].copy()
    bad["outcome"], bad["cache"], bad["status"], bad["error_type"] = (
        "input-error",
        "",
        float("nan"),
        "InputError",
    )
    frame = pd.concat([frame, bad], ignore_index=True)
    assert analysis.categories(frame).iloc[-1] == "input error"
    s = analysis.summary(frame).set_index("metric")
    assert s.loc["input errors", "value"] == 1
    assert s.loc["served via the origin", "value"] == 2  # unchanged by the bad row
    assert "input errors" not in analysis.summary(_mixed())["metric"].tolist()
