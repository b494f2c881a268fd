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


def test_origins_by_id_place_each_miss_at_its_own_origin() -> None:
    frame = _frame(
        latitude=[48.86] * 3,
        longitude=[2.35] * 3,
        edge_location=["CDG50-C1"] * 3,
        method=["GET"] * 3,
        cache=["Miss"] * 3,
        origin_id=["eu", "us", "other"],
    )
    out = estimate_latency(frame, origins={"eu": "eu-west-1", "us": (38.9445, -77.4558)})
    plain = estimate_latency(frame)
    eu, us, other = out["latency_origin_ms"]
    assert eu < us  # Paris -> Ireland is closer than Paris -> Virginia
    assert us == pytest.approx(plain["latency_origin_ms"][1])  # us-east-1 is the default
    assert other == pytest.approx(plain["latency_origin_ms"][2])  # not named: the model's
    m = el.LatencyModel()
    dublin = regional_edge_caches().set_index("region").loc["eu-west-1"]
    paris = edge_locations().set_index("code").loc["CDG"]
    # edge -> its regional edge cache (the table's, London for Paris) -> Ireland
    rec = regional_edge_caches().set_index("region").loc[paris.regional_edge_cache]
    want = (
        m.rtt_ms(haversine_km(paris.latitude, paris.longitude, rec.latitude, rec.longitude))
        + m.rtt_ms(haversine_km(rec.latitude, rec.longitude, dublin.latitude, dublin.longitude))
        + m.origin_ms
    )
    assert eu == pytest.approx(float(want), abs=0.01)


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("mars-north-1", "must be an AWS Region (us-east-1"),
        ((95.0, 0.0), "latitude in -90..90"),
        ("(1, 2)", "must be an AWS Region"),
        ((1.0,), "or a (latitude, longitude) pair; got (1.0,)"),
    ],
)
def test_a_bad_origin_place_is_a_clear_error(where: object, words: str) -> None:
    with pytest.raises(el.ConfigError, match=r"origins\['eu'\]") as info:
        estimate_latency(_frame(origin_id=["eu"]), origins={"eu": where})
    assert words in str(info.value)
