"""Edge locations, nearest-edge by great-circle distance, and the latency model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import edgelab as el
from edgelab.frames.latency import (
    edge_locations,
    estimate_latency,
    haversine_km,
    nearest_edge,
    regional_edge_caches,
)


def test_tables_hold_the_13_regional_edge_caches_and_many_edge_locations() -> None:
    recs = regional_edge_caches()
    assert len(recs) == 13 and recs["region"].is_unique
    edges = edge_locations()
    assert len(edges) >= 80 and edges["code"].is_unique
    assert set(edges["regional_edge_cache"]) <= set(recs["region"])
    assert edges["latitude"].between(-90, 90).all() and edges["longitude"].between(-180, 180).all()


def test_haversine_matches_known_distances() -> None:
    # London Heathrow to New York JFK is about 5,540 km
    assert haversine_km(51.47, -0.4543, 40.6413, -73.7781) == pytest.approx(5540, rel=0.01)
    assert haversine_km(10.0, 20.0, 10.0, 20.0) == 0.0


def test_nearest_edge_picks_the_closest_metro() -> None:
    codes = nearest_edge([48.86, 35.68, -33.87, 40.71], [2.35, 139.69, 151.21, -74.01])
    assert list(codes) == ["CDG", "NRT", "SYD", "EWR"]


def test_nearest_edge_agrees_with_a_brute_force_haversine() -> None:
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(-60, 70, 300), rng.uniform(-180, 180, 300)
    edges = edge_locations()
    d = haversine_km(
        lat[:, None],
        lon[:, None],
        edges["latitude"].to_numpy()[None, :],
        edges["longitude"].to_numpy()[None, :],
    )
    want = edges["code"].to_numpy()[d.argmin(axis=1)]
    assert (nearest_edge(lat, lon) == want).all()


def _frame(**cols) -> pd.DataFrame:
    base = {
        "latitude": [48.86],
        "longitude": [2.35],
        "edge_location": ["CDG50-C1"],
        "method": ["GET"],
        "cache": ["Hit"],
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_a_hit_costs_only_the_viewer_leg() -> None:
    out = estimate_latency(_frame())
    assert out.loc[0, "latency_origin_ms"] == 0
    assert out.loc[0, "latency_ms"] == pytest.approx(out.loc[0, "latency_viewer_ms"])


def test_a_miss_adds_the_trip_to_the_origin() -> None:
    hit = estimate_latency(_frame())
    miss = estimate_latency(_frame(cache=["Miss"]))
    # Paris -> Frankfurt REC -> N. Virginia origin: well over 50 ms of round trips
    assert miss.loc[0, "latency_origin_ms"] > 50
    assert miss.loc[0, "latency_ms"] > hit.loc[0, "latency_ms"]


def test_farther_viewers_wait_longer() -> None:
    near = estimate_latency(_frame())
    far = estimate_latency(_frame(latitude=[43.3], longitude=[5.4]))  # Marseille via CDG
    assert far.loc[0, "latency_viewer_ms"] > near.loc[0, "latency_viewer_ms"]


def test_the_model_is_overridable_and_adds_handler_time_and_cold_starts() -> None:
    frame = _frame(duration_ms=[5.0], cold_starts=[1])
    model = el.LatencyModel(cold_start_ms=100, path_inflation=1.0, last_mile_ms=0)
    out = estimate_latency(frame, model)
    assert out.loc[0, "latency_functions_ms"] == pytest.approx(105.0)
    slower = estimate_latency(
        frame, el.LatencyModel(cold_start_ms=100, path_inflation=3.0, last_mile_ms=0)
    )
    assert slower.loc[0, "latency_viewer_ms"] > out.loc[0, "latency_viewer_ms"]


def test_writes_bypass_the_regional_edge_cache() -> None:
    frame = _frame(
        cache=["Miss", "Miss"],
        method=["GET", "POST"],
        latitude=[-33.87, -33.87],
        longitude=[151.21, 151.21],
        edge_location=["SYD1", "SYD1"],
    )
    out = estimate_latency(frame)
    assert out.loc[1, "latency_origin_ms"] <= out.loc[0, "latency_origin_ms"]


def test_unknown_edge_codes_fall_back_to_the_nearest_edge() -> None:
    out = estimate_latency(_frame(edge_location=["ZZZ9"]))
    assert np.isfinite(out.loc[0, "latency_ms"])


def test_unknown_model_settings_are_refused() -> None:
    with pytest.raises(el.ConfigError, match="allowed"):
        el.LatencyModel.from_dict({"speed_of_light": 1})
