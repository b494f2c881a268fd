"""Writing traffic or results frames as CloudFront logs, in every format the readers know.

:func:`write_access_log` writes the legacy standard log (W3C, ``#Fields`` header);
:func:`write_log` writes any format (``legacy``, ``v2-w3c``, ``v2-plain``, ``v2-json``,
``v2-parquet``, ``realtime``) with a chosen field list, which is how the test fixtures and
the samples in ``data/`` are made. Columns map back to fields (``uri`` -> ``cs-uri-stem``,
``log_status`` -> ``sc-status`` ...; a column named as the field itself, e.g.
``ssl-protocol``, is written as is); fields with no column are ``-``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .fields import (
    FIELDS,
    REALTIME_ORDER,
    REALTIME_TO_STANDARD,
    TO_LOG,
    TO_TRAFFIC,
    canonical,
    encode_value,
)
from .sources import format_name

V2_DEFAULT_FIELDS = (
    "timestamp(ms)",
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "time-taken",
    "time-to-first-byte",
    "origin-fbl",
    "origin-lbl",
    "c-country",
    "cache-behavior-path-pattern",
)
REALTIME_DEFAULT_FIELDS = (
    "timestamp",
    "c-ip",
    "time-to-first-byte",
    "sc-status",
    "sc-bytes",
    "cs-method",
    "cs-protocol",
    "cs-host",
    "cs-uri-stem",
    "x-edge-location",
    "x-edge-request-id",
    "x-host-header",
    "time-taken",
    "cs-user-agent",
    "cs-referer",
    "cs-cookie",
    "x-edge-result-type",
    "c-country",
    "cache-behavior-path-pattern",
    "origin-fbl",
    "origin-lbl",
)
_BACK = {**{k: v for k, v in TO_TRAFFIC.items()}, **{k: v[0] for k, v in TO_LOG.items()}}


def _text(values: Iterable[object], encode: bool) -> list[str]:
    out = []
    for v in values:
        if isinstance(v, float | np.floating) and not np.isnan(v):
            v = f"{v:.3f}"
        out.append(
            encode_value(v)
            if encode
            else (
                "-"
                if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v == ""
                else str(v)
            )
        )
    return out


def _columns(
    frame: pd.DataFrame, keys: Sequence[tuple[str, str]], *, realtime: bool, encode: bool = True
) -> dict[str, list[str]]:
    """(name as written, canonical key) -> the written values of each field."""
    n = len(frame)
    times = pd.to_datetime(frame["time"], utc=True) if "time" in frame else None
    cols: dict[str, list[str]] = {}
    for name, key in keys:
        if key in ("date", "time", "timestamp_ms", "timestamp") and times is not None:
            if key == "date":
                cols[name] = times.dt.strftime("%Y-%m-%d").tolist()
            elif key == "time":
                cols[name] = times.dt.strftime("%H:%M:%S").tolist()
            else:
                ms = (
                    (times - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)
                ).to_numpy()
                cols[name] = (
                    [str(m) for m in ms]
                    if key == "timestamp_ms"
                    else [f"{m // 1000}.{m % 1000:03d}" for m in ms]
                )
            continue
        if realtime and key == "cs_uri_stem" and "uri" in frame:
            qs = frame["querystring"].astype(str) if "querystring" in frame else ""
            uri = frame["uri"].astype(str)
            values = (
                (uri + np.where(qs != "", "?" + qs, "")).tolist()
                if "querystring" in frame
                else uri.tolist()
            )
            cols[name] = [encode_value(v).replace("%3F", "?") for v in values]
            continue
        col = next((c for c in (name, key, _BACK.get(key)) if c and c in frame), None)
        if col is None:
            cols[name] = ["-"] * n
            continue
        values = frame[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            enc = dict(
                zip(values.cat.categories, _text(values.cat.categories, encode), strict=True)
            )
            cols[name] = [enc.get(v, "-") for v in values.tolist()]
        else:
            cols[name] = _text(values.tolist(), encode)
    return cols


def write_log(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    format: str = "legacy",
    fields: Iterable[str] | None = None,
    delimiter: str = "\t",
    remark: str | None = None,
) -> Path:
    """Write ``frame`` as a CloudFront log of ``format`` (gzip when the name ends in
    ``.gz``; Parquet has its own compression). ``fields`` in the format's spelling."""
    fmt = format_name(format) or "legacy"
    if fmt == "legacy":
        names = list(fields or FIELDS)
    elif fmt == "realtime":
        names = sorted(
            dict.fromkeys(fields or REALTIME_DEFAULT_FIELDS), key=list(REALTIME_ORDER).index
        )
    else:
        names = list(fields or V2_DEFAULT_FIELDS)
    realtime = fmt == "realtime"
    keys = [
        (n, REALTIME_TO_STANDARD.get(n, canonical(n)) if realtime else canonical(n)) for n in names
    ]
    p = Path(path)
    if fmt == "v2-parquet":
        cols = _columns(frame, keys, realtime=False)
        pd.DataFrame({key: cols[name] for name, key in keys}).to_parquet(p, index=False)
        return p
    cols = _columns(frame, keys, realtime=realtime)
    rows = zip(*(cols[n] for n in names), strict=True)
    if fmt == "v2-json":
        lines = [json.dumps(dict(zip(names, r, strict=True)), separators=(",", ":")) for r in rows]
    else:
        if any(delimiter in v for c in cols.values() for v in c):
            raise ConfigError(f"delimiter {delimiter!r} occurs in a value; pick another")
        lines = [delimiter.join(r) for r in rows]
        if fmt in ("legacy", "v2-w3c"):
            head = ["#Version: 1.0", "#Fields: " + " ".join(names)]
            if remark:
                head.insert(1, "#Remark: " + remark)
            lines = head + lines
    text = "\n".join(lines) + "\n"
    if p.suffix == ".gz":
        p.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    else:
        p.write_text(text, encoding="utf-8")
    return p


def write_access_log(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    fields: Iterable[str] = FIELDS,
    remark: str | None = None,
) -> Path:
    """Write a traffic or results frame as a legacy CloudFront standard log (gzip by
    ``.gz``). ``remark`` adds a W3C ``#Remark:`` line (used to mark samples)."""
    return write_log(frame, path, format="legacy", fields=fields, remark=remark)
