"""Cost and capacity from replay results (facts logs §5, §6), against hand-computed values."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pandas as pd
import pytest

import edgelab as el
from edgelab import analysis
from edgelab.frames import capacity
from edgelab.frames.billing import BILLING_DECISIONS, get_pricing

T0 = pd.Timestamp("2025-11-03T10:00:00Z")


def _results(
    n: int,
    *,
    vreq_ms: float | None = None,
    oreq_ms: float | None = None,
    seconds: float = 60.0,
    edge: str = "FRA56-P1",
    **columns: Any,
) -> pd.DataFrame:
    """A results-shaped frame: n requests evenly over ``seconds`` at one edge location."""
    frame = pd.DataFrame(
        {
            "time": T0 + pd.to_timedelta(np.arange(n) * seconds / n, unit="s"),
            "edge_location": edge,
            "uri": "/x",
        }
    )
    for short, ms in (("vreq", vreq_ms), ("oreq", oreq_ms)):
        frame[f"{short}_outcome"] = "request" if ms is not None else None
        frame[f"{short}_ms"] = ms if ms is not None else np.nan
    for k, v in columns.items():
        frame[k] = v
    return frame


def _row(table: pd.DataFrame, service: str, trigger: str) -> pd.Series:
    return table[(table["service"] == service) & (table["trigger"] == trigger)].iloc[0]


def test_the_facts_worked_example_10m_invocations_at_128_mb_5_ms() -> None:
    # facts logs §5: requests $6.00; 6,250 GB-s x $0.00005001 = $0.3126; CFF $1.00
    results = _results(1000, vreq_ms=4.2, weight=10_000.0)  # billed 5 ms (rounded up to 1)
    table = analysis.cost(results)
    le = _row(table, "Lambda@Edge", "viewer-request")
    assert le["invocations"] == 10_000_000 and le["memory_mb"] == 128
    assert le["billed_ms"] == 5.0
    assert le["gb_seconds"] == pytest.approx(6250.0)
    assert le["request_cost"] == pytest.approx(6.00)
    assert le["duration_cost"] == pytest.approx(0.3125625)
    total = _row(table, "Lambda@Edge", "total")
    assert total["cost"] == pytest.approx(6.3125625)
    assert total["per_million"] == pytest.approx(0.63125625)
    assert _row(table, "CloudFront Functions", "total")["cost"] == pytest.approx(1.00)


def test_duration_is_rounded_up_to_the_billing_granularity() -> None:
    results = _results(10, vreq_ms=0.3)
    assert _row(analysis.cost(results), "Lambda@Edge", "viewer-request")["billed_ms"] == 1.0
    old = analysis.cost(results, pricing={"lambda_edge_granularity_ms": 50})  # before 2021-04
    le = _row(old, "Lambda@Edge", "viewer-request")
    assert le["billed_ms"] == 50.0
    assert le["gb_seconds"] == pytest.approx(10 * 0.125 * 0.050)


def test_memory_comes_from_the_rule_set_unless_given() -> None:
    results = _results(4, vreq_ms=2.0, oreq_ms=10.0)
    table = analysis.cost(results)
    assert _row(table, "Lambda@Edge", "origin-request")["memory_mb"] == el.get_rules().memory_mb(
        "origin-request"
    )
    table = analysis.cost(results, memory_mb={"origin-request": 512})
    oreq = _row(table, "Lambda@Edge", "origin-request")
    assert oreq["memory_mb"] == 512
    assert oreq["gb_seconds"] == pytest.approx(4 * 0.5 * 0.010)
    with pytest.raises(el.ConfigError, match="triggers"):
        analysis.cost(results, memory_mb={"origin": 512})


def test_an_assumed_duration_replaces_the_measured_one() -> None:
    results = _results(100, vreq_ms=0.01, oreq_ms=0.01)
    table = analysis.cost(results, duration_ms={"viewer-request": 12.5, "origin-request": 40})
    assert _row(table, "Lambda@Edge", "viewer-request")["billed_ms"] == 13.0
    assert _row(table, "Lambda@Edge", "origin-request")["billed_ms"] == 40.0


def test_cloudfront_functions_price_only_viewer_events() -> None:
    results = _results(100, vreq_ms=1.0, oreq_ms=1.0)
    table = analysis.cost(results)
    cff = table[table["service"] == "CloudFront Functions"]
    assert cff["trigger"].tolist() == ["viewer-request", "total"]
    assert _row(table, "CloudFront Functions", "total")["cost"] == pytest.approx(100 * 1e-7)
    free = analysis.cost(results, free_tier=True)  # BILLING_DECISIONS free tier
    assert _row(free, "CloudFront Functions", "total")["cost"] == 0.0
    assert _row(table, "Lambda@Edge", "total")["invocations"] == 200


def test_cost_by_a_column() -> None:
    results = _results(6, vreq_ms=1.0, behavior=["/a*", "/a*", "*", "*", "*", "*"])
    table = analysis.cost(results, by="behavior")
    le = table[(table["service"] == "Lambda@Edge") & (table["trigger"] != "total")]
    assert dict(zip(le["behavior"], le["invocations"], strict=True)) == {"/a*": 2, "*": 4}


def test_prices_are_data_with_sources_and_overridable(tmp_path) -> None:
    # BILLING_DECISIONS "prices": UNSURE prices are marked
    table = get_pricing().table().set_index("name")
    assert table.loc["lambda_edge_request", "value"] == 0.0000006
    assert table.loc["lambda_edge_request", "unsure"]
    assert table.loc["lambda_edge_request", "as_of"] == "2026-11-30"
    assert table.loc["lambda_edge_concurrency", "value"] == 1000
    assert (table["source"].str.len() > 10).all() and (table["section"] != "").all()
    over = get_pricing({"lambda_edge_request": 0.000001}).table().set_index("name")
    assert over.loc["lambda_edge_request", "as_of"] == "override"
    custom = tmp_path / "p.toml"
    custom.write_text(
        '[lambda_edge_gb_second]\nvalue = 0.0001\nas_of = "2027-01-01"\nsource = "my contract"\n'
    )
    p = get_pricing(path=custom)
    assert p["lambda_edge_gb_second"] == 0.0001 and p["lambda_edge_request"] == 0.0000006
    with pytest.raises(el.ConfigError, match="unknown price"):
        get_pricing({"lambda_edge_requests": 1})
    with pytest.raises(el.ConfigError, match=">= 0"):
        get_pricing({"lambda_edge_request": -1})


def test_functions_run_in_the_region_of_the_regional_edge_cache() -> None:
    # BILLING_DECISIONS "where Lambda@Edge runs"
    frame = pd.DataFrame({"edge_location": ["FRA56-P1", "NRT57-P2", "IAD89-C1", "XXX1"]})
    assert capacity.regions(frame).tolist() == [
        "eu-central-1",
        "ap-northeast-1",
        "us-east-1",
        "unknown",
    ]


def test_capacity_is_rate_times_duration_per_region_and_window() -> None:
    # BILLING_DECISIONS "concurrency": 600 requests in a minute at FRA, 200 ms each
    results = _results(600, vreq_ms=200.0)
    table = analysis.capacity(results, freq="1min")
    row = table.iloc[0]
    assert len(table) == 1 and row["region"] == "eu-central-1"
    assert row["rate_rps"] == pytest.approx(10.0)
    assert row["concurrency"] == pytest.approx(2.0)
    assert row["environments"] == pytest.approx(2.0)
    assert not row["throttled"] and row["window_s"] == 60.0
    fast = analysis.capacity(_results(600, vreq_ms=20.0), freq="1min").iloc[0]
    assert fast["concurrency"] == pytest.approx(0.2)
    assert fast["environments"] == pytest.approx(1.0)  # 10 rps / 10 per environment


def test_capacity_flags_throttled_windows() -> None:
    busy = _results(600, vreq_ms=200.0, weight=600.0)  # 6,000 rps, 1,200 concurrent
    row = analysis.capacity(busy, freq="1min").iloc[0]
    assert row["throttled"] and row["reason"] == "concurrency 1200 > 1000"
    shared = analysis.capacity(
        _results(600, vreq_ms=200.0, weight=100.0), freq="1min", other_concurrency=850
    ).iloc[0]
    assert shared["concurrency_quota"] == 150 and shared["throttled"]
    fast = analysis.capacity(_results(600, vreq_ms=1.0, weight=1200.0), freq="1min").iloc[0]
    assert fast["reason"] == "rate 12000 rps > 10000"
    peaks = analysis.capacity_peaks(analysis.capacity(busy, freq="1min"))
    assert peaks.loc[0, "throttled_windows"] == 1
    assert peaks.loc[0, "peak_share"] == pytest.approx(1.2)


def test_origin_shield_moves_origin_triggers() -> None:
    table = analysis.capacity(
        _results(60, vreq_ms=1.0, oreq_ms=1.0), freq="1min", origin_shield_region="us-east-1"
    )
    assert sorted(table["region"]) == ["eu-central-1", "us-east-1"]


def test_auto_window_keeps_enough_requests_per_region() -> None:
    results = _results(3000, vreq_ms=1.0, seconds=600)
    assert capacity.pick_freq(results["time"]) == "5s"
    table = analysis.capacity(results)
    assert table["window_s"].iloc[0] == 5.0 and table["requests"].min() >= 25


def test_scale_to_a_month_keeps_totals_and_rates() -> None:
    results = _results(100, vreq_ms=3.0, seconds=100)  # 1 request a second
    scaled = analysis.scale_to(results, rps=50, period="1h")
    assert len(scaled) == 100
    assert scaled["weight"].sum() == pytest.approx(50 * 3600)
    assert scaled["repeat"].iloc[0] == pytest.approx(36.0)
    bill = analysis.cost(scaled)
    assert _row(bill, "Lambda@Edge", "total")["invocations"] == pytest.approx(180_000)
    assert _row(bill, "Lambda@Edge", "total")["request_cost"] == pytest.approx(0.108)
    cap = analysis.capacity(scaled, freq="10s")
    assert cap["rate_rps"].to_numpy() == pytest.approx(50.0)
    with pytest.raises(el.ConfigError, match="period"):
        analysis.scale_to(results, rps=50, period="a month")
    with pytest.raises(el.ConfigError, match="rps > 0"):
        analysis.scale_to(results, rps=0)


def test_cost_and_capacity_of_a_real_replay() -> None:
    from edgelab.demo import CONFIG

    results = el.replay(CONFIG, el.generate_traffic("workshop-small", 300, seed=2), progress=False)
    table = analysis.cost(results)
    ran = results["vreq_outcome"].notna().sum()
    assert _row(table, "Lambda@Edge", "viewer-request")["invocations"] == ran
    assert _row(table, "CloudFront Functions", "viewer-request")["cost"] == pytest.approx(
        ran * 1e-7
    )
    cap = analysis.capacity(results)
    assert (
        cap.groupby("time")["requests"].sum().sum()
        == _row(table, "Lambda@Edge", "total")["invocations"]
    )


# -- every billing decision is pinned by a test ---------------------------------------------
PINNED = {
    "prices": "test_prices_are_data_with_sources_and_overridable",
    "memory billed": "test_memory_comes_from_the_rule_set_unless_given",
    "where Lambda@Edge runs": "test_functions_run_in_the_region_of_the_regional_edge_cache",
    "concurrency": "test_capacity_is_rate_times_duration_per_region_and_window",
    "CloudFront Functions free tier": "test_cloudfront_functions_price_only_viewer_events",
}


@pytest.mark.parametrize("decision", BILLING_DECISIONS, ids=lambda d: d.topic)
def test_every_billing_decision_is_pinned_by_a_test(decision: Any) -> None:
    assert decision.topic in PINNED, f"no test pins the decision {decision.topic!r}"
    assert callable(getattr(importlib.import_module("tests.test_cost"), PINNED[decision.topic]))


def test_readme_lists_every_log_and_billing_decision() -> None:
    from edgelab.frames.logs import LOG_DECISIONS
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        d.topic
        for d in (*LOG_DECISIONS, *BILLING_DECISIONS)
        if f"| {d.section} | {d.topic} | {d.decision} |" not in readme
    ]
    assert missing == []


def test_viewer_stages_that_ran_as_cloudfront_functions_are_billed_as_such() -> None:
    """A distribution's viewer request may be a CloudFront Function (replay rows say so in
    ``vreq_kind``): those invocations are not on the Lambda@Edge bill nor count against
    Lambda's concurrency quota; they are CloudFront Functions invocations (logs §5)."""
    results = _results(100, vreq_ms=1.0, oreq_ms=1.0)
    results["vreq_kind"] = ["cloudfront-function"] * 60 + ["lambda@edge"] * 40
    table = analysis.cost(results)
    assert _row(table, "Lambda@Edge", "viewer-request")["invocations"] == 40
    assert _row(table, "Lambda@Edge", "origin-request")["invocations"] == 100
    assert _row(table, "Lambda@Edge", "total")["invocations"] == 140
    # all 100 viewer requests priced as CloudFront Functions: 60 ran so, 40 could have
    assert _row(table, "CloudFront Functions", "viewer-request")["invocations"] == 100
    only_cff = results.assign(vreq_kind="cloudfront-function").drop(
        columns=["oreq_outcome", "oreq_ms"]
    )
    alone = analysis.cost(only_cff)
    assert _row(alone, "Lambda@Edge", "total")["invocations"] == 0
    assert _row(alone, "CloudFront Functions", "total")["cost"] == pytest.approx(100 * 1e-7)
    busy = capacity.capacity(results, freq="1min")
    mixed = capacity.capacity(results.assign(vreq_kind="lambda@edge"), freq="1min")
    assert busy["concurrency"].sum() < mixed["concurrency"].sum()  # 60 invocations fewer
