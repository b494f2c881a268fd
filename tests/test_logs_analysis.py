"""What the logs know, put to use: behaviour mismatches and latency calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import edgelab as el
from edgelab import analysis
from edgelab.latency import LatencyModel
from edgelab.logs import origin_latency_points


def test_behaviour_mismatches_treat_star_as_the_default() -> None:
    # LOG_DECISIONS "default behaviour path pattern"
    frame = pd.DataFrame(
        {
            "uri": [
                "/images/a.jpg",
                "/images/b.jpg",
                "/api/x",
                "/index.html",
                "/index.html",
                "/api/y",
                "/z",
            ],
            "log_behavior": ["/images/*", "/images/*", "/api/*", "*", "Default (*)", "/api/*", ""],
            "behavior": ["/images/*", "*", "default", "", "*", "*", "/z*"],
        }
    )
    out = analysis.behavior_mismatches(frame)
    assert out[["logged", "chosen", "requests"]].values.tolist() == [
        ["/api/*", "*", 2],
        ["/images/*", "*", 1],
    ]
    assert out["example"].tolist() == ["/api/x", "/images/b.jpg"]
    assert out["share"].tolist() == pytest.approx([2 / 6, 1 / 6])  # the empty row: not logged


def test_behaviour_mismatches_empty_when_all_agree_and_need_both_columns() -> None:
    frame = pd.DataFrame({"log_behavior": ["*", "/a*"], "behavior": ["*", "/a*"]})
    assert analysis.behavior_mismatches(frame).empty
    with pytest.raises(el.ConfigError, match="behavior"):
        analysis.behavior_mismatches(frame.drop(columns=["behavior"]))


def _synthetic_logs(model: LatencyModel, n: int = 400, seed: int = 3) -> pd.DataFrame:
    """Requests at edges around the world whose origin-fbl follows ``model`` exactly,
    plus some noise and a few outliers."""
    rng = np.random.default_rng(seed)
    edges = np.array(
        [
            "FRA56-P1",
            "NRT57-P2",
            "SYD1-C1",
            "GRU3-C2",
            "IAD89-C1",
            "BOM78-P1",
            "LHR61-C1",
            "SIN2-C1",
        ]
    )
    frame = pd.DataFrame(
        {
            "edge_location": rng.choice(edges, n),
            "method": "GET",
            "latitude": np.nan,
            "longitude": np.nan,
        }
    )
    truth = el.estimate_latency(frame.assign(cache="Miss"), model)["latency_origin_ms"]
    noisy = truth.to_numpy() + rng.normal(0, 2.0, n)
    noisy[:8] *= 6  # a few slow origin responses
    frame["log_origin_fbl"] = noisy / 1000.0
    return frame


def test_calibration_recovers_origin_ms_and_path_inflation() -> None:
    # LOG_DECISIONS "who measured origin-fbl": the model's whole origin leg
    truth = LatencyModel(path_inflation=2.1, origin_ms=45.0)
    fitted = el.calibrate_latency(_synthetic_logs(truth))
    assert fitted.path_inflation == pytest.approx(2.1, rel=0.03)
    assert fitted.origin_ms == pytest.approx(45.0, abs=3.0)
    assert fitted.fibre_km_per_s == truth.fibre_km_per_s  # nothing else changes


def test_calibration_with_one_edge_fits_only_origin_ms() -> None:
    truth = LatencyModel(origin_ms=80.0)
    frame = _synthetic_logs(truth)
    frame["edge_location"] = "FRA56-P1"
    frame["log_origin_fbl"] = (
        el.estimate_latency(frame.assign(cache="Miss"), truth)["latency_origin_ms"] / 1000.0
    )
    fitted = el.calibrate_latency(frame, LatencyModel(path_inflation=1.5))
    assert fitted.path_inflation == 1.5
    assert fitted.origin_ms == pytest.approx(80.0, abs=0.01)


def test_calibration_skips_hits_and_needs_enough_rows() -> None:
    frame = _synthetic_logs(LatencyModel())
    frame.loc[frame.index[:390], "log_origin_fbl"] = np.nan  # hits log '-'
    assert len(origin_latency_points(frame)) == 10
    with pytest.raises(el.ConfigError, match="at least 20 rows"):
        el.calibrate_latency(frame)
    with pytest.raises(el.ConfigError, match="origin-fbl"):
        el.calibrate_latency(frame.drop(columns=["log_origin_fbl"]))


def test_calibration_from_a_v2_log_file(tmp_path) -> None:
    truth = LatencyModel(path_inflation=1.8, origin_ms=30.0)
    frame = _synthetic_logs(truth, n=200)
    frame["time"] = pd.Timestamp("2025-11-03T10:00:00Z")
    frame["uri"] = "/x"
    frame["log_origin_fbl"] = frame["log_origin_fbl"].round(3)
    path = el.write_log(frame, tmp_path / "v2.log", format="v2-w3c")
    fitted = el.calibrate_latency(el.read_access_logs(path))
    assert fitted.origin_ms == pytest.approx(30.0, abs=4.0)
    assert fitted.path_inflation == pytest.approx(1.8, rel=0.05)
