"""CloudFront standard access logs (facts §12): read them into a traffic set, write them.

A log file is W3C extended format: ``#Version: 1.0``, a ``#Fields:`` line naming the
tab-separated fields in order, then one line per viewer request; files are usually
gzip-compressed. Values are URL-encoded (bytes 0-32, 127 and above, and
``< > " # % { } | \\ ^ ~ [ ] ` '``); a missing value is ``-``. Older files have fewer
fields, so :func:`read_access_logs` goes by the ``#Fields`` line, never by position.

The rows come out in the traffic shape of :mod:`edgelab.frames.traffic`; what only a log
knows (status, result type, bytes, time taken, request id) is kept in ``log_*``
columns. Country and location are not in a log: the viewer is placed at the edge
location that served it (``latitude``/``longitude`` of ``edgelab/data/edge_locations.csv``).
"""

from __future__ import annotations

import glob
import gzip
import io
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd

from ..errors import InputError
from .columns import categorical, normalize_traffic
from .latency import edge_locations

FIELDS = (
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)",
    "cs-uri-stem", "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)",
    "x-edge-result-type", "x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes",
    "time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher",
    "x-edge-response-result-type", "cs-protocol-version", "fle-status", "fle-encrypted-fields",
    "c-port", "time-to-first-byte", "x-edge-detailed-result-type", "sc-content-type",
    "sc-content-len", "sc-range-start", "sc-range-end",
)
# log field -> traffic column
_TO_TRAFFIC = {
    "x-edge-location": "edge_location", "c-ip": "client_ip", "cs-method": "method",
    "cs-uri-stem": "uri", "cs(Referer)": "referer", "cs(User-Agent)": "user_agent",
    "cs-uri-query": "querystring", "cs(Cookie)": "cookie", "sc-status": "log_status",
    "x-edge-result-type": "log_result_type", "x-edge-request-id": "log_request_id",
    "sc-bytes": "log_sc_bytes", "time-taken": "log_time_taken",
    "cs-protocol": "log_protocol", "cs(Host)": "log_distribution_host",
}
_SAFE = frozenset(range(33, 127)) - {ord(c) for c in '<>"#%{}|\\^~[]`\''}


def encode_value(value: object) -> str:
    """One log value as CloudFront writes it: URL-encoded per §12, ``-`` when empty."""
    text = "" if value is None or value is pd.NA or (isinstance(value, float) and
                                                     np.isnan(value)) else str(value)
    if text == "":
        return "-"
    data = text.encode("utf-8")
    if all(b in _SAFE for b in data):
        return text
    return "".join(chr(b) if b in _SAFE else f"%{b:02X}" for b in data)


def decode_value(value: str) -> str:
    """Inverse of :func:`encode_value`: ``-`` is empty, ``%XX`` sequences decoded once."""
    if value == "-":
        return ""
    return unquote(value) if "%" in value else value


def _expand(sources: str | Path | Iterable[str | Path]) -> list[Path]:
    items = [sources] if isinstance(sources, str | Path) else list(sources)
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
        elif p.is_file():
            files.append(p)
        elif any(ch in str(item) for ch in "*?["):
            files += sorted(Path(m) for m in glob.glob(str(item)) if Path(m).is_file())
        else:
            raise InputError(f"access log {str(item)!r} does not exist; give a log file "
                              "(plain or .gz), a folder of them or a glob such as 'logs/*.gz'")
    if not files:
        raise InputError(f"no access log files found in {', '.join(map(str, items))}; give "
                          "CloudFront standard log files (plain or .gz), a folder or a glob")
    return files


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(f"access log {str(path)!r} looks gzip-compressed but cannot be "
                              f"decompressed: {exc}") from None
    return raw.decode("utf-8", errors="replace")


def _parse_file(path: Path) -> pd.DataFrame:
    """The raw (still encoded) fields of one file; several #Fields sections are fine."""
    text = _read_text(path)
    parts: list[pd.DataFrame] = []
    fields: list[str] | None = None
    body: list[str] = []

    def flush() -> None:
        if fields is not None and body:
            frame = pd.read_csv(io.StringIO("\n".join(body)), sep="\t", header=None,
                                names=fields, dtype=str, keep_default_na=False,
                                na_filter=False, quoting=3, engine="c",
                                on_bad_lines="skip", index_col=False)
            parts.append(frame)
        body.clear()

    for line in text.splitlines():
        if line.startswith("#"):
            if line.startswith("#Fields:"):
                flush()
                fields = line[len("#Fields:"):].split()
            continue
        if not line.strip():
            continue
        if fields is None:
            raise InputError(
                f"access log {str(path)!r} has a data line before any '#Fields:' line; a "
                "CloudFront standard log starts with '#Version: 1.0' and '#Fields: date time "
                "x-edge-location ...' naming the tab-separated fields (facts §12)")
        body.append(line)
    flush()
    if fields is None:
        raise InputError(f"access log {str(path)!r} has no '#Fields:' line; a CloudFront "
                          "standard log names its fields in a '#Fields: date time ...' header "
                          "line (facts §12)")
    for needed in ("date", "time", "cs-uri-stem"):
        if needed not in fields:
            raise InputError(f"access log {str(path)!r}: the '#Fields:' line lacks {needed!r}; "
                              "edgelab needs at least date, time and cs-uri-stem (facts §12)")
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=fields)


def read_access_logs(sources: str | Path | Iterable[str | Path]) -> pd.DataFrame:
    """CloudFront standard access logs as a traffic set (sorted by time, stable).

    ``sources``: a file (plain or gzip), a folder of them, a glob, or a list of those.
    """
    frames = [_parse_file(p) for p in _expand(sources)]
    raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out = pd.DataFrame(index=raw.index)
    out["time"] = pd.to_datetime(raw["date"] + "T" + raw["time"], utc=True, errors="coerce",
                                 format="%Y-%m-%dT%H:%M:%S")
    out["method"] = raw.get("cs-method", pd.Series("GET", index=raw.index))
    host = raw["x-host-header"] if "x-host-header" in raw else raw.get("cs(Host)")
    out["host"] = host if host is not None else ""
    for field, col in _TO_TRAFFIC.items():
        if field in raw and col not in ("method",):
            out[col] = raw[field]
    for col in out.columns:
        if col != "time":
            codes, uniques = pd.factorize(out[col])
            decoded = np.array([decode_value(str(u)) for u in uniques], dtype=object)
            out[col] = categorical(decoded, codes)
    for col in ("log_sc_bytes", "log_status"):
        if col in out:
            out[col] = pd.to_numeric(out[col].astype(str), errors="coerce").astype("Int64")
    if "log_time_taken" in out:
        out["log_time_taken"] = pd.to_numeric(out["log_time_taken"].astype(str),
                                              errors="coerce")
    if out["time"].isna().any():
        bad = int(out["time"].isna().sum())
        raise InputError(f"{bad} access log line(s) have a date/time that is not "
                          "'YYYY-MM-DD' and 'HH:MM:SS' (UTC, facts §12)")
    out["method"] = out["method"].astype(str).replace("", "GET")
    if "edge_location" in out:
        table = edge_locations().set_index("code")
        iata = out["edge_location"].astype(str).str[:3].str.upper()
        pos = table.index.get_indexer(iata)
        have = pos >= 0
        pos = np.where(have, pos, 0)
        out["country"] = np.where(have, table["country"].to_numpy(object)[pos], "")
        out["latitude"] = np.where(have, table["latitude"].to_numpy(float)[pos], np.nan)
        out["longitude"] = np.where(have, table["longitude"].to_numpy(float)[pos], np.nan)
    out = out.sort_values("time", kind="stable").reset_index(drop=True)
    return normalize_traffic(out, source="access logs")


def write_access_log(frame: pd.DataFrame, path: str | Path, *,
                     fields: Iterable[str] = FIELDS, remark: str | None = None) -> Path:
    """Write a traffic or results frame as a CloudFront standard log (gzip by ``.gz``).

    Columns map back to log fields (``uri`` -> ``cs-uri-stem`` ...; a column named as
    the field itself, e.g. ``ssl-protocol``, is written as is); fields with no column
    are ``-``. ``remark`` adds a W3C ``#Remark:`` line (used to mark samples).
    """
    fields = list(fields)
    n = len(frame)
    back = {v: k for k, v in _TO_TRAFFIC.items()}
    back["host"] = "x-host-header"
    cols: dict[str, list[str]] = {}
    times = pd.to_datetime(frame["time"], utc=True) if "time" in frame else None
    for field in fields:
        if field == "date" and times is not None:
            cols[field] = times.dt.strftime("%Y-%m-%d").tolist()
        elif field == "time" and times is not None:
            cols[field] = times.dt.strftime("%H:%M:%S").tolist()
        else:
            col = field if field in frame else next(
                (c for c, f in back.items() if f == field and c in frame), None)
            if col is None:
                cols[field] = ["-"] * n
            else:
                values = frame[col]
                if isinstance(values.dtype, pd.CategoricalDtype):
                    enc = {c: encode_value(c) for c in values.cat.categories}
                    cols[field] = [enc.get(v, "-") for v in values.tolist()]
                else:
                    cols[field] = [encode_value(v) for v in values.tolist()]
    lines = ["#Version: 1.0", "#Fields: " + " ".join(fields)]
    if remark:
        lines.insert(1, "#Remark: " + remark)
    lines += ["\t".join(row) for row in zip(*(cols[f] for f in fields), strict=True)]
    text = "\n".join(lines) + "\n"
    p = Path(path)
    if p.suffix == ".gz":
        p.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    else:
        p.write_text(text, encoding="utf-8")
    return p
