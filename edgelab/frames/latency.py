"""Where a request is served and how long it takes: edge locations and a latency model.

The tables ``edgelab/data/edge_locations.csv`` and ``regional_edge_caches.csv`` are
compiled from the public CloudFront edge network page and airport coordinates
(approximate, as of 2025; see their header comments). :func:`nearest_edge` picks the
edge location nearest a viewer by great-circle distance (vectorised haversine), as
CloudFront's latency-based DNS routing roughly does.

:class:`LatencyModel` is a documented, overridable *estimate*, not a measurement:

* propagation at fibre speed (~200,000 km/s) over the great-circle distance times a
  path-inflation factor (real routes are longer than great circles), plus a fixed
  last-mile delay on the viewer's side;
* a new viewer connection costs TCP and TLS round trips to the edge location
  (``connection_reuse`` is the share of requests on an already open connection);
* a cache miss adds edge -> regional edge cache -> origin round trips (persistent
  connections: one round trip per hop) plus the origin's own time; methods that
  bypass the regional edge cache (facts §11: PUT, POST, PATCH, OPTIONS, DELETE), and
  the requests a replay says bypassed it (``regional_edge_cache`` empty), go from the
  edge straight to the origin; a hit the regional edge cache answered
  (``cache_tier`` ``regional``) adds the edge -> regional edge cache round trip
  (``latency_regional_ms``; the origin part of a hit is always 0);
* handler durations are added as measured, plus ``cold_start_ms`` per cold start;
* each outbound call a function made (an HTTP API, a local AWS service: answered on
  loopback here) adds the network time it would take from the function's Region:
  ``remote_call_ms`` per call when the model sets it, else each call's own value
  (``remote_call_ms`` of ``[http]``/``[aws]``, 30 ms by default; the
  ``outbound_remote_ms`` column of replay results).

:func:`estimate_latency` takes a DataFrame and returns one with latency columns added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import cache
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..errors import ConfigError, InputError
from ..resources import data_file

EARTH_RADIUS_KM = 6371.0088
BYPASS_REC_METHODS = frozenset({"PUT", "POST", "PATCH", "OPTIONS", "DELETE"})


@cache
def edge_locations() -> pd.DataFrame:
    """The edge-location table: code (IATA), city, country, latitude, longitude,
    regional_edge_cache (the nearest of the 13 regional edge caches)."""
    return pd.read_csv(
        data_file("edge_locations.csv"),
        comment="#",
        dtype={"code": str, "city": str, "country": str, "regional_edge_cache": str},
    )


@cache
def regional_edge_caches() -> pd.DataFrame:
    """The 13 regional edge caches: code, region, city, country, latitude, longitude."""
    return pd.read_csv(
        data_file("regional_edge_caches.csv"),
        comment="#",
        dtype={"code": str, "region": str, "city": str, "country": str},
    )


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Great-circle distance in km; arguments broadcast like numpy arrays."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def nearest_edge(lat: Any, lon: Any, edges: pd.DataFrame | None = None) -> np.ndarray:
    """The code of the edge location nearest each (lat, lon), as an array of strings.

    Vectorised: the nearest point on a sphere by great-circle distance is the one whose
    unit vector has the largest dot product, so this is one (n, 3) x (3, m) product
    (done in chunks so a million viewers stay within a few tens of MB).
    """
    table = edges_table(edges)
    codes = table["code"].to_numpy(object)
    targets = _unit(table["latitude"].to_numpy(float), table["longitude"].to_numpy(float))
    points = _unit(
        np.atleast_1d(np.asarray(lat, dtype=float)), np.atleast_1d(np.asarray(lon, dtype=float))
    )
    out = np.empty(len(points), dtype=np.int64)
    step = 262144
    for i in range(0, len(points), step):
        out[i : i + step] = (points[i : i + step] @ targets.T).argmax(axis=1)
    return codes[out]


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    p, q = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)], axis=-1)


def edges_table(edges: pd.DataFrame | None = None) -> pd.DataFrame:
    table = edge_locations() if edges is None else edges
    missing = {"code", "latitude", "longitude"} - set(table.columns)
    if missing:
        raise InputError(
            f"an edge-location table needs the columns code, latitude, longitude "
            f"(and regional_edge_cache for misses); missing {sorted(missing)}"
        )
    return table


@dataclass(frozen=True)
class LatencyModel:
    """An estimate of one request's latency; every number can be overridden.

    ``LatencyModel(path_inflation=2.0, origin_ms=50)``; the origin sits at
    ``origin_lat``/``origin_lon`` (default: us-east-1, N. Virginia).
    """

    fibre_km_per_s: float = 200_000.0
    path_inflation: float = 1.5
    last_mile_ms: float = 8.0
    tcp_rtts: float = 1.0
    tls_rtts: float = 1.0
    connection_reuse: float = 0.6
    edge_ms: float = 1.0
    origin_ms: float = 20.0
    origin_lat: float = 38.9445
    origin_lon: float = -77.4558
    cold_start_ms: float = 150.0
    remote_call_ms: float | None = None

    def rtt_ms(self, km: Any) -> np.ndarray:
        """A round trip over ``km`` of great-circle distance, at fibre speed with inflation."""
        return 2 * np.asarray(km, dtype=float) * self.path_inflation / self.fibre_km_per_s * 1e3

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LatencyModel:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ConfigError(
                f"unknown latency model settings {sorted(unknown)}; allowed: "
                f"{', '.join(sorted(names))}"
            )
        return cls(**{k: None if v is None else float(v) for k, v in data.items()})  # type: ignore[arg-type]


LATENCY_COLUMNS = (
    "latency_viewer_ms",
    "latency_origin_ms",
    "latency_regional_ms",
    "latency_functions_ms",
    "latency_ms",
)
#: every column :func:`estimate_latency` reads (a frame of just these gives the same
#: latency columns as the whole frame)
LATENCY_INPUTS = (
    "latitude",
    "longitude",
    "edge_location",
    "method",
    "cache",
    "cache_tier",
    "regional_edge_cache",
    "origin_id",
    "duration_ms",
    "cold_starts",
    "outbound_calls",
    "outbound_remote_ms",
)


def origin_place(where: Any, origin_id: str = "origin") -> tuple[float, float]:
    """Where an origin is: an AWS Region code (``"eu-west-1"``, one of the regional edge
    caches' Regions) or a ``(latitude, longitude)`` pair."""
    if isinstance(where, str):
        table = regional_edge_caches().set_index("region")
        if where not in table.index:
            raise ConfigError(
                f"origins[{origin_id!r}] must be an AWS Region ({', '.join(table.index)}) "
                f"or a (latitude, longitude) pair; got {where!r}"
            )
        return float(table.at[where, "latitude"]), float(table.at[where, "longitude"])
    try:
        lat, lon = (float(v) for v in where)
    except (TypeError, ValueError):
        raise ConfigError(
            f"origins[{origin_id!r}] must be an AWS Region or a (latitude, longitude) pair; "
            f"got {where!r}"
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ConfigError(
            f"origins[{origin_id!r}] must have a latitude in -90..90 and a longitude in "
            f"-180..180; got ({lat:g}, {lon:g})"
        )
    return lat, lon


def _origin_places(
    frame: pd.DataFrame, m: LatencyModel, origins: Mapping[str, Any] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, where its origin is: ``origins[origin_id]``, else the model's origin."""
    n = len(frame)
    lat, lon = np.full(n, m.origin_lat), np.full(n, m.origin_lon)
    if not origins:
        return lat, lon
    ids = (
        frame["origin_id"].astype(object).to_numpy(object)
        if "origin_id" in frame
        else np.full(n, None, dtype=object)
    )
    for origin_id, where in origins.items():
        olat, olon = origin_place(where, origin_id)
        rows = ids == origin_id
        lat[rows], lon[rows] = olat, olon
    return lat, lon


def estimate_latency(
    frame: pd.DataFrame,
    model: LatencyModel | None = None,
    *,
    edges: pd.DataFrame | None = None,
    origins: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """``frame`` with the columns of :data:`LATENCY_COLUMNS` added (milliseconds).

    ``origins`` places a distribution's origins by id (``{"eu": "eu-west-1", "us":
    (38.9, -77.5)}``: an AWS Region or a latitude/longitude pair); a row's miss goes to
    the origin its ``origin_id`` names, and rows of other origins to the model's.

    Reads ``latitude``/``longitude`` (viewer; missing -> at the edge location),
    ``edge_location`` (missing -> the nearest), ``method``, ``cache`` (``Miss`` and other
    non-hits go to the origin; absent -> every request is a miss), ``duration_ms``
    (sum of handler durations, absent -> 0), ``cold_starts`` (absent -> 0) and the
    outbound calls: ``outbound_calls`` times the model's ``remote_call_ms`` when set,
    else ``outbound_remote_ms`` (absent -> 0).
    """
    m = model or LatencyModel()
    at = _places(frame, m, edges, origins)
    hit, bypass, regional_tier = _cache_paths(frame)
    edge_to_regional = m.rtt_ms(haversine_km(*at.edge, *at.regional))
    viewer = _viewer_ms(m, at)
    origin = _origin_ms(m, at, edge_to_regional, hit, bypass)
    regional = np.where(hit & regional_tier, np.nan_to_num(edge_to_regional), 0.0)
    functions = np.nan_to_num(_functions_ms(frame, m))
    out = frame.copy()
    out["latency_viewer_ms"] = np.round(viewer, 3)
    out["latency_origin_ms"] = np.round(origin, 3)
    out["latency_regional_ms"] = np.round(regional, 3)
    out["latency_functions_ms"] = np.round(functions, 3)
    out["latency_ms"] = np.round(viewer + origin + regional + functions, 3)
    return out


class _Places(NamedTuple):
    """Per row, (latitudes, longitudes) of the viewer, the edge location that served it,
    that location's regional edge cache and the origin (NaN where the edge is unknown)."""

    viewer: tuple[np.ndarray, np.ndarray]
    edge: tuple[np.ndarray, np.ndarray]
    regional: tuple[np.ndarray, np.ndarray]
    origin: tuple[np.ndarray, np.ndarray]


def _places(
    frame: pd.DataFrame,
    m: LatencyModel,
    edges: pd.DataFrame | None,
    origins: Mapping[str, Any] | None,
) -> _Places:
    """Where each row's viewer, edge location, regional edge cache and origin are; a
    viewer without coordinates is placed at its edge location."""
    table = edges_table(edges).set_index("code")
    lat = _col(frame, "latitude", np.nan)
    lon = _col(frame, "longitude", np.nan)
    have_xy = ~(np.isnan(lat) | np.isnan(lon))
    pos, ok = _edge_rows(frame, table, edges, (lat, lon), have_xy)
    elat = np.where(ok, table["latitude"].to_numpy(float)[pos], np.nan)
    elon = np.where(ok, table["longitude"].to_numpy(float)[pos], np.nan)
    return _Places(
        viewer=(np.where(have_xy, lat, elat), np.where(have_xy, lon, elon)),
        edge=(elat, elon),
        regional=_regional_places(table, pos, elat, elon),
        origin=_origin_places(frame, m, origins),
    )


def _edge_rows(
    frame: pd.DataFrame,
    table: pd.DataFrame,
    edges: pd.DataFrame | None,
    viewer: tuple[np.ndarray, np.ndarray],
    have_xy: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's position in the edge table (0 where unknown) and whether it is known:
    the ``edge_location`` column's airport code, else the edge nearest the viewer."""
    if "edge_location" in frame:
        codes = _per_value(frame["edge_location"], _airport_codes)
    else:
        codes = np.full(len(frame), "", dtype=object)
    known = pd.Index(table.index)
    fix = np.asarray(known.get_indexer(codes) < 0) & have_xy
    if fix.any():
        codes = codes.copy()
        codes[fix] = nearest_edge(viewer[0][fix], viewer[1][fix], edges)
    pos = known.get_indexer(codes)
    ok = pos >= 0
    return np.where(ok, pos, 0), ok


def _regional_places(
    table: pd.DataFrame, pos: np.ndarray, elat: np.ndarray, elon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where each row's regional edge cache is (the edge location itself when the edge
    table does not say, or names an unknown one)."""
    if "regional_edge_cache" not in table:
        return elat, elon
    recs = regional_edge_caches().set_index("region")
    rpos = pd.Index(recs.index).get_indexer(table["regional_edge_cache"].to_numpy(object)[pos])
    rok = rpos >= 0
    rpos = np.where(rok, rpos, 0)
    return (
        np.where(rok, recs["latitude"].to_numpy(float)[rpos], elat),
        np.where(rok, recs["longitude"].to_numpy(float)[rpos], elon),
    )


def _cache_paths(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: a cache hit; a miss that bypasses the regional edge cache (its method,
    facts §11, or the replay says so); a hit the regional edge cache answered."""
    n = len(frame)
    methods = (
        _per_value(frame["method"], _upper_texts)
        if "method" in frame
        else np.full(n, "GET", dtype=object)
    )
    bypass = np.isin(methods, list(BYPASS_REC_METHODS))
    hit = _per_value(frame["cache"], _hits) if "cache" in frame else np.zeros(n, dtype=bool)
    if "cache_tier" not in frame:
        return hit, bypass, np.zeros(n, dtype=bool)
    tier = _per_value(frame["cache_tier"], _texts)
    if "regional_edge_cache" in frame:
        bypass = bypass | (frame["regional_edge_cache"].isna().to_numpy(bool) & (tier == "origin"))
    return hit, bypass, tier == "regional"


def _per_value(values: pd.Series, convert: Callable[[pd.Series], np.ndarray]) -> np.ndarray:
    """``convert(values)``, a conversion value by value; of a categorical, worked out
    once per category and once for a missing value, each row taking its category's."""
    dtype = values.dtype
    if not isinstance(dtype, pd.CategoricalDtype) or len(values) <= len(dtype.categories):
        return convert(values)
    each = np.append(np.arange(len(dtype.categories)), -1)  # every category, then none
    per_code = convert(pd.Series(pd.Categorical.from_codes(each, dtype=dtype)))
    return per_code.take(values.cat.codes.to_numpy())  # code -1 (none): the last


def _airport_codes(values: pd.Series) -> np.ndarray:
    """An edge location's airport code (``FRA56-P1``: ``FRA``)."""
    return values.astype(str).str[:3].str.upper().to_numpy(object)


def _upper_texts(values: pd.Series) -> np.ndarray:
    return values.astype(str).str.upper().to_numpy(object)


def _hits(values: pd.Series) -> np.ndarray:
    return values.astype(str).str.contains("Hit", regex=False).to_numpy(bool)


def _texts(values: pd.Series) -> np.ndarray:
    return values.astype(str).to_numpy(object)


def _viewer_ms(m: LatencyModel, at: _Places) -> np.ndarray:
    """Viewer to edge location: a round trip plus the last mile, the connection set-up
    when the connection is new, and the edge's own time."""
    rtt = m.rtt_ms(np.nan_to_num(haversine_km(*at.viewer, *at.edge))) + m.last_mile_ms
    setup = (m.tcp_rtts + m.tls_rtts) * (1 - m.connection_reuse) * rtt
    return setup + rtt + m.edge_ms


def _origin_ms(
    m: LatencyModel,
    at: _Places,
    edge_to_regional: np.ndarray,
    hit: np.ndarray,
    bypass: np.ndarray,
) -> np.ndarray:
    """A miss's way to the origin (through the regional edge cache unless it bypasses
    it) plus the origin's own time; 0 for a hit."""
    via_regional = edge_to_regional + m.rtt_ms(haversine_km(*at.regional, *at.origin))
    direct = m.rtt_ms(haversine_km(*at.edge, *at.origin))
    return np.where(hit, 0.0, np.nan_to_num(np.where(bypass, direct, via_regional)) + m.origin_ms)


def _functions_ms(frame: pd.DataFrame, m: LatencyModel) -> np.ndarray:
    """Handler durations, cold starts and the network time of the functions' outbound
    calls."""
    ms = _col(frame, "duration_ms", 0.0) + _col(frame, "cold_starts", 0.0) * m.cold_start_ms
    if m.remote_call_ms is not None:
        return ms + _col(frame, "outbound_calls", 0.0) * m.remote_call_ms
    return ms + _col(frame, "outbound_remote_ms", 0.0)


def _col(frame: pd.DataFrame, name: str, default: float) -> np.ndarray:
    if name not in frame:
        return np.full(len(frame), default, dtype=float)
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(float, na_value=np.nan)
    return values if np.isnan(default) else np.nan_to_num(values, nan=default)
