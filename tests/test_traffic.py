"""Synthetic traffic sets: seeded, shaped by their profile, saved and loaded by suffix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import edgelab as el
from edgelab.demo import TRAFFIC
from edgelab.frames.columns import REQUIRED_COLUMNS, TRAFFIC_COLUMNS
from edgelab.frames.traffic import TRAFFIC_PROFILES as PROFILES
from edgelab.frames.traffic import USER_AGENTS


def test_same_seed_gives_the_same_frame_and_another_seed_does_not() -> None:
    a = el.generate_traffic("shop", 2000, seed=3)
    b = el.generate_traffic("shop", 2000, seed=3)
    c = el.generate_traffic("shop", 2000, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a["uri"].astype(str).equals(c["uri"].astype(str))


def test_the_bundled_demo_traffic_is_drawn_again_from_its_profile_and_seed() -> None:
    """The demo's traffic set was written by generate_traffic: drawing it again from its
    profile and seed gives the same requests, so the order of the seeded draws (viewers,
    the viewer of each request, the requests, the times) is unchanged. edge_location is
    left out: the edge-location table was revised after the file was written."""
    bundled = el.load_traffic(TRAFFIC)
    again = el.generate_traffic(bundled.attrs["profile"], len(bundled), seed=bundled.attrs["seed"])
    for column in TRAFFIC_COLUMNS:
        if column != "edge_location":
            assert again[column].astype(str).tolist() == bundled[column].astype(str).tolist()


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_profile_has_every_column_one_row_per_request(profile: str) -> None:
    frame = el.generate_traffic(profile, 500, seed=1)
    assert list(frame.columns) == list(TRAFFIC_COLUMNS)
    assert len(frame) == 500
    assert frame["time"].is_monotonic_increasing
    assert str(frame["time"].dt.tz) == "UTC"
    assert frame["uri"].astype(str).str.startswith("/").all()


def test_device_shares_follow_the_profile() -> None:
    frame = el.generate_traffic("news", 20_000, seed=0)
    shares = frame["device"].value_counts(normalize=True)
    for device, want in PROFILES["news"].devices.items():
        if want > 0.02:
            assert abs(shares[device] - want) < 0.05


def test_user_agents_are_real_strings_of_the_drawn_device_class() -> None:
    frame = el.generate_traffic("shop", 3000, seed=2)
    for device, agents in USER_AGENTS.items():
        seen = set(frame.loc[frame["device"] == device, "user_agent"].astype(str))
        assert seen <= set(agents)


def test_path_popularity_is_zipf_like() -> None:
    frame = el.generate_traffic("news", 50_000, seed=0)
    counts = frame["uri"].value_counts().to_numpy()
    # a few paths carry much of the traffic, and popularity falls with rank
    assert counts[0] > 5 * counts[20]
    assert counts[:10].sum() > 0.3 * counts.sum()


def test_returning_viewers_carry_session_and_ab_cookies() -> None:
    frame = el.generate_traffic("shop", 10_000, seed=0)
    cookies = frame["cookie"].astype(str)
    with_cookie = (cookies != "").mean()
    assert 0.4 < with_cookie < 0.8  # returning share 0.6
    assert cookies.str.contains(r"\bab=(?:A|B)\b").any()
    assert not cookies.str.contains("ab=").all()


def test_writes_have_bodies_and_reads_do_not() -> None:
    frame = el.generate_traffic("api", 5000, seed=0)
    posts = frame["method"] == "POST"
    assert posts.any()
    assert (frame.loc[posts, "body"].astype(str) != "").all()
    assert (frame.loc[~posts, "body"].astype(str) == "").all()


def test_client_ips_come_from_test_ranges() -> None:
    ips = el.generate_traffic("shop", 3000, seed=0)["client_ip"].astype(str)
    assert (
        ips.str.startswith("198.18.")
        | ips.str.startswith("198.19.")
        | ips.str.startswith("2001:db8:")
    ).all()


def test_viewers_are_served_by_a_nearby_edge_location() -> None:
    frame = el.generate_traffic("shop", 3000, seed=0)
    jp = frame[frame["country"] == "JP"]["edge_location"].astype(str).str[:3]
    assert set(jp) <= {"NRT", "KIX", "ICN"}


def test_unknown_profile_lists_the_profiles() -> None:
    with pytest.raises(el.ConfigError, match="shop, news, api, workshop-small"):
        el.generate_traffic("nope", 10)


def test_profile_fields_can_be_overridden() -> None:
    frame = el.generate_traffic("shop", 2000, seed=0, returning=0.0)
    assert (frame["cookie"].astype(str) == "").all()
    with pytest.raises(el.ConfigError, match="profile fields"):
        el.generate_traffic("shop", 10, colour="red")


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_save_and_load_round_trip_by_suffix(tmp_path, suffix: str) -> None:
    frame = el.generate_traffic("workshop-small", 300, seed=5)
    path = el.save_traffic(frame, tmp_path / f"t{suffix}")
    back = el.load_traffic(path)
    assert list(back.columns) == list(TRAFFIC_COLUMNS)
    for col in ("uri", "cookie", "user_agent", "querystring", "body", "client_ip"):
        assert back[col].astype(str).tolist() == frame[col].astype(str).tolist()
    assert (back["time"] == frame["time"]).all()
    np.testing.assert_allclose(back["latitude"], frame["latitude"], rtol=1e-6)


def test_loading_a_file_with_missing_columns_names_them(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    pd.DataFrame({"uri": ["/"], "colour": ["red"]}).to_csv(path, index=False)
    with pytest.raises(el.ConfigError) as info:
        el.load_traffic(path)
    msg = str(info.value)
    assert "time, method" in msg and all(c in msg for c in REQUIRED_COLUMNS)


def test_minimal_traffic_file_gets_the_optional_columns(tmp_path) -> None:
    path = tmp_path / "min.csv"
    path.write_text("time,method,uri\n2025-01-01T00:00:00Z,GET,/a\n")
    frame = el.load_traffic(path)
    assert frame.loc[0, "uri"] == "/a" and frame.loc[0, "cookie"] == ""


def test_unknown_suffix_is_refused() -> None:
    with pytest.raises(el.ConfigError, match=r"\.parquet or \.csv"):
        el.save_traffic(el.generate_traffic("shop", 5), "traffic.xlsx")
