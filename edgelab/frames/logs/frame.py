"""Raw log rows -> the traffic-set shape of :mod:`edgelab.frames.traffic`, vectorised.

Each output row is a request in the columns of ``TRAFFIC_COLUMNS``, plus ``source_file``
and ``source_line`` (where it was logged) and ``log_*`` columns for what only the log
knows (status, result types, bytes, time taken, time to first byte, origin first/last
byte latency, country, behaviour path pattern ...). Values are URL-decoded once
(lambda-edge-facts §12). A row whose time cannot be read or that has no uri is not
dropped: it goes to ``stats.reject`` with its line number and the reason.

The viewer is placed at the edge location that served it (``data/edge_locations.csv``);
``country`` is the logged ``c-country`` where the format has it (v2, real-time), else the
edge location's country.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..columns import CATEGORICAL, TRAFFIC_COLUMNS
from ..latency import edge_locations
from .fields import TO_LOG, TO_TRAFFIC, decode_value
from .readers import Raw

SOURCE_COLUMNS = ("source_file", "source_line")


def _strings(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, decoded uniques) of a column of logged strings; missing -> ''."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    decoded = np.array(
        [decode_value(u if isinstance(u, str) else str(u)) for u in uniques] + [""], dtype=object
    )
    return np.where(codes < 0, len(decoded) - 1, codes), decoded


def _cat(codes: np.ndarray, values: np.ndarray) -> pd.Categorical:
    vcodes, uniques = pd.factorize(values)
    return pd.Categorical.from_codes(vcodes[codes], categories=pd.Index(uniques, dtype=str))


def _text(frame: pd.DataFrame, key: str) -> tuple[np.ndarray, np.ndarray]:
    if key not in frame:
        return np.zeros(len(frame), np.int64), np.array([""], dtype=object)
    return _strings(frame[key])


def _by_unique(
    series: pd.Series, fn: Callable[[pd.Series], np.ndarray], missing: object = np.nan
) -> np.ndarray:
    """``fn`` applied to the distinct values only (logs repeat most values), spread back."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = fn(pd.Series(uniques, dtype=object))
    values = np.append(values, np.array([missing], dtype=values.dtype))
    return values[np.where(codes < 0, len(values) - 1, codes)]


def _number(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype("float64")
    return pd.Series(
        _by_unique(
            series,
            lambda u: pd.to_numeric(
                u.astype(str).where(u.astype(str) != "-"), errors="coerce"
            ).to_numpy(float),
        ),
        index=series.index,
        dtype="float64",
    )


def _epoch(series: pd.Series) -> pd.Series:
    """Epoch seconds (with a fraction) or milliseconds, told apart by size; ISO text too."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series):
        return pd.to_datetime(series, utc=True)
    v = _number(series).to_numpy(float)
    ms = np.where(v > 1e11, v, v * 1e3)
    out = pd.to_datetime(np.round(ms), unit="ms", utc=True, errors="coerce")
    out = pd.Series(out, index=series.index)
    if out.isna().any():
        text = series[out.isna()].astype(str)
        out[out.isna()] = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    return out


def _times(frame: pd.DataFrame) -> tuple[pd.Series, str]:
    if "timestamp_ms" in frame:
        return _epoch(frame["timestamp_ms"]), "timestamp(ms)"
    if "timestamp" in frame:
        return _epoch(frame["timestamp"]), "timestamp"
    day = _by_unique(
        frame["date"],
        lambda u: pd.to_datetime(u.astype(str), errors="coerce", format="%Y-%m-%d").to_numpy(
            "datetime64[ns]"
        ),
        np.datetime64("NaT", "ns"),
    )
    clock = _by_unique(
        frame["time"],
        lambda u: pd.to_timedelta(
            u.astype(str).where(u.astype(str).str.fullmatch(r"\d\d:\d\d:\d\d(\.\d+)?")),
            errors="coerce",
        ).to_numpy("timedelta64[ns]"),
        np.timedelta64("NaT", "ns"),
    )
    out = pd.Series(pd.DatetimeIndex(day + clock).tz_localize("UTC"), index=frame.index)
    return out, "date and time"


def to_traffic(raw: Raw) -> pd.DataFrame:
    """One chunk in the traffic shape; unusable rows are reported to ``raw.stats``."""
    f = raw.frame
    time, time_from = _times(f)
    time = pd.Series(time, index=f.index)
    cols = _text_columns(raw)
    ucodes, uvalues = cols["uri"]
    bad_time = time.isna().to_numpy()
    bad = bad_time | (uvalues[ucodes] == "")
    for i in np.flatnonzero(bad):
        reason = (
            _bad_time_reason(f, int(i), time_from)
            if bad_time[i]
            else "no cs-uri-stem (the request's path)"
        )
        raw.stats.reject(
            int(raw.lines[i]), reason, "\t".join(str(v) for v in f.iloc[i].tolist()[:12])
        )
    keep = ~bad
    out: dict[str, object] = {
        "time": time[keep].reset_index(drop=True).astype("datetime64[ns, UTC]")
    }
    m = int(keep.sum())
    mcodes, mvalues = cols["method"]
    cols["method"] = (mcodes, np.where(mvalues == "", "GET", mvalues))  # missing: GET
    for col in TRAFFIC_COLUMNS[1:]:
        if col in cols:
            codes, values = cols[col]
            out[col] = _cat(codes[keep], values)
        elif col in CATEGORICAL:
            out[col] = _cat(np.zeros(m, np.int64), np.array([""], dtype=object))
    _place(out, f, keep)
    out["source_file"] = pd.Categorical.from_codes(
        np.zeros(m, np.int8), categories=pd.Index([raw.stats.path])
    )
    out["source_line"] = raw.lines[keep]
    _log_columns(out, f, keep)
    order = [*TRAFFIC_COLUMNS, *[c for c in out if c not in TRAFFIC_COLUMNS]]
    frame = pd.DataFrame({c: out[c] for c in order})
    frame["latitude"] = frame["latitude"].astype(np.float32)
    frame["longitude"] = frame["longitude"].astype(np.float32)
    if m:
        t = frame["time"]
        first, last = t.min(), t.max()
        s = raw.stats
        s.first = first if s.first is None else min(s.first, first)
        s.last = last if s.last is None else max(s.last, last)
    raw.stats.rows += m
    return frame


def _text_columns(raw: Raw) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The traffic columns read as text, each as (codes, unique values); a real-time
    log's cs-uri-stem ``/path?query`` split in two (facts logs §3)."""
    f = raw.frame
    cols: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for key, col in TO_TRAFFIC.items():
        cols[col] = _text(f, key)
    if "x_host_header" not in f and "cs_host" in f:  # no viewer Host logged: the domain
        cols["host"] = _text(f, "cs_host")
    if raw.uri_has_query:
        ucodes, uvalues = cols["uri"]
        parts = [u.split("?", 1) for u in uvalues]
        qcodes, qvalues = cols["querystring"]
        stem = np.array([p[0] for p in parts], dtype=object)
        query = np.array([p[1] if len(p) > 1 else "" for p in parts], dtype=object)
        logged_q = qvalues[qcodes]
        cols["querystring"] = (
            np.arange(len(f)),
            np.where(query[ucodes] != "", query[ucodes], logged_q),
        )
        cols["uri"] = (ucodes, stem)
    return cols


def _bad_time_reason(f: pd.DataFrame, i: int, time_from: str) -> str:
    """Why row ``i`` has no time, quoting the logged value."""
    shown = (
        f"{f['timestamp_ms'].iloc[i]!r}"
        if time_from == "timestamp(ms)"
        else f"{f['timestamp'].iloc[i]!r}"
        if time_from == "timestamp"
        else f"{f['date'].iloc[i]!r} {f['time'].iloc[i]!r}"
    )
    return (
        f"{time_from} {shown} is not a time (UTC: YYYY-MM-DD and HH:MM:SS, "
        "or epoch seconds/milliseconds)"
    )


def _log_columns(out: dict[str, object], f: pd.DataFrame, keep: np.ndarray) -> None:
    """The log's own fields beyond the traffic shape (TO_LOG), as text or numbers."""
    for key, (col, kind) in TO_LOG.items():
        if key not in f:
            continue
        if kind == "str":
            codes, values = _strings(f[key])
            out[col] = _cat(codes[keep], values)
        else:
            num = _number(f[key])[keep].reset_index(drop=True)
            out[col] = num.round().astype("Int64") if kind == "int" else num


def _place(out: dict[str, object], f: pd.DataFrame, keep: np.ndarray) -> None:
    """country, latitude, longitude from the edge location (and c-country if logged)."""
    edge: Any = out["edge_location"]
    table = edge_locations().set_index("code")
    cats = pd.Index([str(c)[:3].upper() for c in edge.categories])
    pos = table.index.get_indexer(cats)
    have = pos >= 0
    pos = np.where(have, pos, 0)
    country = np.append(np.where(have, table["country"].to_numpy(object)[pos], ""), "")
    lat = np.append(np.where(have, table["latitude"].to_numpy(float)[pos], np.nan), np.nan)
    lon = np.append(np.where(have, table["longitude"].to_numpy(float)[pos], np.nan), np.nan)
    codes = np.where(edge.codes < 0, len(cats), edge.codes)
    out["latitude"] = lat[codes]
    out["longitude"] = lon[codes]
    values = country[codes]
    if "c_country" in f:
        ccodes, cvalues = _strings(f["c_country"])
        logged = cvalues[ccodes[keep]]
        values = np.where(logged != "", logged, values)
    out["country"] = pd.Categorical(values)
