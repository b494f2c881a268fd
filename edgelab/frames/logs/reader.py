"""Reading logs in bounded chunks: :class:`LogReader`, :func:`iter_access_logs`,
:func:`read_access_logs` and :func:`inspect_logs`.

    reader = el.iter_access_logs("logs/", chunk_rows=50_000)
    for chunk in reader:          # DataFrames in the traffic shape, <= 50,000 rows each
        ...
    reader.rejected               # file, line, reason, text of every line not used
    reader.summary()              # per file: format, fields, lines, rows, rejected ...

Memory stays bounded by ``chunk_rows``: files are read line by line (gzip streamed),
small files are gathered into one chunk and large ones split. Every physical line is
counted as a header line, a blank line, a row or a rejected line, so
``lines == header_lines + blank_lines + rows + rejected`` holds for each text file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from ...errors import ConfigError
from ..columns import TRAFFIC_COLUMNS, normalize_traffic
from .fields import REALTIME_ORDER
from .frame import to_traffic
from .readers import READERS, FileStats
from .sources import DESCRIPTIONS, detect_format, expand, format_name

REJECTED_COLUMNS = ("source_file", "source_line", "reason", "text")
Sources = str | Path | Iterable[str | Path]


def concat_chunks(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate traffic chunks keeping categoricals categorical (categories unioned)."""
    frames = [f for f in frames if len(f.columns)]
    if not frames:
        return pd.DataFrame()
    if len(frames) == 1:
        return frames[0]
    columns: list[str] = list(dict.fromkeys(c for f in frames for c in f.columns))
    out: dict[str, Any] = {}
    for col in columns:
        parts = [f[col] if col in f else pd.Series([pd.NA] * len(f), dtype=object) for f in frames]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            try:
                out[col] = pd.Series(union_categoricals(parts, ignore_order=True))
            except TypeError:  # categories of different dtypes (an all-missing part)
                out[col] = pd.concat([p.astype(object) for p in parts], ignore_index=True).astype(
                    "category"
                )
        else:
            out[col] = pd.concat([p.reset_index(drop=True) for p in parts], ignore_index=True)
    return pd.DataFrame(out)


class LogReader:
    """An iterable of traffic-shaped chunks from CloudFront logs of any format.

    ``format``: ``None``/``"auto"`` (detected per file, see :mod:`.sources`) or one of
    ``legacy``, ``v2-w3c``, ``v2-plain``, ``v2-json``, ``v2-parquet``, ``realtime``.
    ``fields``: the field list of files without a header (v2 plain; real-time records,
    whose values follow ``realtime_order``). ``delimiter``: v2 plain/W3C field delimiter
    (default: found from the header's field count, tab first).
    """

    def __init__(
        self,
        sources: Sources,
        *,
        format: str | None = None,
        chunk_rows: int = 50_000,
        fields: Sequence[str] | None = None,
        delimiter: str | None = None,
        realtime_order: Sequence[str] = REALTIME_ORDER,
        max_rejected: int = 100_000,
    ) -> None:
        if not isinstance(chunk_rows, int) or chunk_rows < 1:
            raise ConfigError(f"chunk_rows must be a whole number >= 1; got {chunk_rows!r}")
        self.paths = expand(sources)
        self.format = format_name(format)
        self.chunk_rows = chunk_rows
        self.options: dict[str, Any] = {
            "fields": list(fields) if fields else None,
            "delimiter": delimiter,
            "realtime_order": tuple(realtime_order),
        }
        self.max_rejected = max_rejected
        self.stats: list[FileStats] = []
        self._rejected: list[tuple[str, int, str, str]] = []
        self.rejected_count = 0

    def _sink(self, path: str, line: int, reason: str, text: str) -> None:
        self.rejected_count += 1
        if len(self._rejected) < self.max_rejected:
            self._rejected.append((path, line, reason, text))

    def files(self) -> Iterator[tuple[FileStats, Iterator[pd.DataFrame]]]:
        """(stats, chunks) per file, in order; the stats fill in as the chunks are read."""
        for path in self.paths:
            detected, why = detect_format(path) if self.format is None else (self.format, "given")
            stats = FileStats(str(path), detected, why, sink=self._sink)
            self.stats.append(stats)
            raws = READERS[detected](path, stats, chunk_rows=self.chunk_rows, **self.options)
            yield stats, (to_traffic(raw) for raw in raws)

    def __iter__(self) -> Iterator[pd.DataFrame]:
        self.stats, self._rejected, self.rejected_count = [], [], 0
        pending: list[pd.DataFrame] = []
        held = 0
        for _, chunks in self.files():
            for chunk in chunks:
                if not len(chunk):
                    continue
                pending.append(chunk)
                held += len(chunk)
                while held >= self.chunk_rows:
                    whole = concat_chunks(pending)
                    yield whole.iloc[: self.chunk_rows].reset_index(drop=True)
                    rest = whole.iloc[self.chunk_rows :].reset_index(drop=True)
                    pending, held = ([rest], len(rest)) if len(rest) else ([], 0)
        if held:
            yield concat_chunks(pending)

    @property
    def rejected(self) -> pd.DataFrame:
        """Every line that did not become a row: source_file, source_line, reason, text
        (the first ``max_rejected``; ``rejected_count`` counts them all)."""
        frame = pd.DataFrame(self._rejected, columns=list(REJECTED_COLUMNS))
        frame["source_line"] = frame["source_line"].astype("int64")
        order = {s.path: i for i, s in enumerate(self.stats)}
        key = frame["source_file"].map(order).fillna(len(order)) * 1e12 + frame["source_line"]
        return frame.iloc[key.argsort(kind="stable")].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """One row per file read so far: format, fields, lines, rows, rejected, span."""
        rows = [s.to_dict() for s in self.stats]
        for r in rows:
            r["fields"] = " ".join(r["fields"])
            r["notes"] = " ".join(r["notes"])
        return pd.DataFrame(rows)


def iter_access_logs(sources: Sources, *, chunk_rows: int = 50_000, **options: Any) -> LogReader:
    """CloudFront logs of any format as an iterable of DataFrame chunks of at most
    ``chunk_rows`` rows in the traffic shape, each row with ``source_file`` and
    ``source_line``; options as for :class:`LogReader`."""
    return LogReader(sources, chunk_rows=chunk_rows, **options)


def read_access_logs(sources: Sources, **options: Any) -> pd.DataFrame:
    """CloudFront logs of any format as one traffic set, sorted by time (stable).

    ``sources``: a file (plain, gzip or Parquet), a folder (recursive), a glob, or a list
    of those; options as for :class:`LogReader`. Lines that could not be used are in
    ``frame.attrs["rejected"]`` (dicts: source_file, source_line, reason, text) and the
    per-file accounting in ``frame.attrs["log_files"]``.
    """
    reader = LogReader(sources, **options)
    frame = concat_chunks(list(reader))
    if not len(frame.columns):
        frame = to_traffic_empty()
    frame = frame.sort_values("time", kind="stable").reset_index(drop=True)
    frame = normalize_traffic(frame, source="access logs")
    frame.attrs["rejected"] = reader.rejected.to_dict("records")
    frame.attrs["rejected_count"] = reader.rejected_count
    frame.attrs["log_files"] = [s.to_dict() for s in reader.stats]
    return frame


def to_traffic_empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype="category") for c in TRAFFIC_COLUMNS})
    frame["time"] = pd.Series([], dtype="datetime64[ns, UTC]")
    frame["source_file"] = pd.Series([], dtype="category")
    frame["source_line"] = pd.Series([], dtype="int64")
    return frame


def inspect_logs(sources: Sources, *, sample: int = 5, **options: Any) -> list[dict[str, Any]]:
    """Per file, without replaying: the detected format and why, its fields, time span,
    row count (read streamed), rejected lines (count and the first few with line numbers
    and reasons), notes and ``sample`` rows in the traffic shape."""
    reader = LogReader(sources, **options)
    out = []
    for stats, chunks in reader.files():
        start = len(reader._rejected)
        shown: list[dict[str, Any]] = []
        for chunk in chunks:
            if len(shown) < sample:
                head = chunk.head(sample - len(shown))
                shown += [
                    {
                        k: (v.isoformat() if isinstance(v, pd.Timestamp) else v)
                        for k, v in r.items()
                        if not _blank(v)
                    }
                    for r in head.drop(columns=["source_file"]).to_dict("records")
                ]
        info = stats.to_dict()
        info["description"] = DESCRIPTIONS[stats.format]
        info["rejected_lines"] = [
            dict(zip(REJECTED_COLUMNS[1:], r[1:], strict=True))
            for r in sorted(reader._rejected[start:], key=lambda r: r[1])[:5]
        ]
        info["sample"] = shown
        out.append(info)
    return out


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA or value == "":
        return True
    return isinstance(value, float) and value != value


_COUNTS = ("violations", "cold_starts")  # counts are 0 for an input error; other numbers NA


def input_errors(
    rejected: Sequence[dict[str, Any]] | pd.DataFrame | None, like: pd.DataFrame, *, first_row: int
) -> pd.DataFrame:
    """Result rows for lines that could not be used: outcome ``input-error``, error type
    ``InputError``, the message ``file:line: reason``; the columns and dtypes of ``like``
    (a replay results frame), ``row`` numbered from ``first_row``. An input error is
    never blamed on a function: no stage ran, no status."""
    rows = pd.DataFrame(
        list(rejected or ()) if not isinstance(rejected, pd.DataFrame) else rejected,
        columns=list(REJECTED_COLUMNS),
    )
    k = len(rows)
    values = {
        "row": np.arange(first_row, first_row + k, dtype=np.int64),
        "outcome": ["input-error"] * k,
        "error_type": ["InputError"] * k,
        "cache": [""] * k,
        "error_message": (
            rows["source_file"].astype(str)
            + ":"
            + rows["source_line"].astype(str)
            + ": "
            + rows["reason"].astype(str)
        ).tolist(),
        "source_file": rows["source_file"].astype(str).tolist(),
        "source_line": rows["source_line"].astype("int64").to_numpy(),
    }
    out: dict[str, Any] = {}
    for col in like.columns:
        dtype = like[col].dtype
        given = values.get(col)
        if isinstance(dtype, pd.CategoricalDtype):
            out[col] = pd.Categorical(given if given is not None else [None] * k)
        elif given is not None:
            out[col] = (
                pd.Series(given).astype(dtype)
                if col in ("row", "source_line")
                else pd.Series(given, dtype=dtype)
            )
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            out[col] = pd.Series([pd.NaT] * k, dtype=dtype)
        elif col in _COUNTS:
            out[col] = np.zeros(k, dtype=dtype)
        elif pd.api.types.is_bool_dtype(dtype):  # a flag (failover): not set
            out[col] = np.zeros(k, dtype=bool)
        elif pd.api.types.is_float_dtype(dtype):
            out[col] = np.full(k, np.nan)
        elif pd.api.types.is_integer_dtype(dtype):  # int64 -> Int64: no value, not 0
            out[col] = pd.Series([pd.NA] * k, dtype="Int64")
        elif pd.api.types.is_numeric_dtype(dtype):
            out[col] = pd.Series([pd.NA] * k, dtype=dtype)
        else:
            out[col] = pd.Series([""] * k, dtype=dtype)
    return pd.DataFrame(out, columns=list(like.columns))


def append_input_errors(
    results: pd.DataFrame, rejected: Sequence[dict[str, Any]] | None
) -> pd.DataFrame:
    """``results`` with one ``input-error`` row per rejected line appended (categoricals
    stay categorical), so every line of the input is a result row or an input error."""
    if not rejected:
        return results
    extra = input_errors(rejected, results, first_row=len(results))
    return concat_chunks([results, extra])
