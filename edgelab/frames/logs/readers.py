"""One streaming reader per log format: each yields :class:`Raw` batches of at most
``chunk_rows`` rows (the fields still as logged, keyed by :func:`~.fields.canonical`)
and reports every line it cannot use to ``stats.reject`` with its line number.

* :func:`read_w3c` - legacy standard logs and standard logging v2 W3C/plain output:
  read by the ``#Fields`` line (or ``fields=`` for plain files without one), several
  ``#Fields`` sections per file allowed. A line with fewer values than the header names
  is rejected; one with more keeps the header's fields (see ``LOG_DECISIONS``).
* :func:`read_json` - v2 JSON output, one object per line, keys in any spelling.
* :func:`read_parquet` - v2 Parquet output, by record batches (``iter_batches``); the
  "line" of a row is its 1-based row number in the file.
* :func:`read_realtime` - real-time records: tab-separated values in the fixed order of
  facts logs §3.1 for the configured fields, no header.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ...errors import InputError
from .fields import NUMERIC, REALTIME_2023, REALTIME_ORDER, REALTIME_TO_STANDARD, USED, canonical
from .sources import lines

_DELIMITERS = (b"\t", b",", b"|", b";", b" ")


@dataclass
class FileStats:
    """What one file held: every physical line is a header, a blank, a row or rejected."""

    path: str
    format: str
    detected: str = ""
    fields: list[str] = field(default_factory=list)
    lines: int = 0
    header_lines: int = 0
    blank_lines: int = 0
    rows: int = 0
    rejected: int = 0
    notes: list[str] = field(default_factory=list)
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    sink: Callable[[str, int, str, str], None] | None = None

    def reject(self, line: int, reason: str, text: bytes | str = b"") -> None:
        self.rejected += 1
        if self.sink is not None:
            shown = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
            self.sink(self.path, line, reason, shown[:160])

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "detected": self.detected,
            "fields": list(self.fields),
            "lines": self.lines,
            "header_lines": self.header_lines,
            "blank_lines": self.blank_lines,
            "rows": self.rows,
            "rejected": self.rejected,
            "notes": list(self.notes),
            "first": None if self.first is None else self.first.isoformat(),
            "last": None if self.last is None else self.last.isoformat(),
        }


@dataclass
class Raw:
    """A batch of rows as logged: columns keyed by canonical field name (strings, or
    typed for Parquet) and the line number of each row."""

    stats: FileStats
    frame: pd.DataFrame
    lines: np.ndarray
    uri_has_query: bool = False  # real-time cs-uri-stem carries the query string


def _keys(names: Sequence[str]) -> list[str]:
    keys: list[str] = []
    for name in names:
        key = canonical(name)
        while key in keys:  # a repeated name: keep both, the second suffixed
            key += "_2"
        keys.append(key)
    return keys


def _parse_delimited(data: list[bytes], keys: list[str], delimiter: bytes) -> pd.DataFrame:
    """Lines that all have ``len(keys)`` values -> a DataFrame of the fields edgelab uses
    (:data:`~.fields.USED`; the others are not even converted): numbers as float64 where
    every value is a number or ``-``, everything else as strings (pyarrow's CSV parser: no
    quoting; CloudFront encodes tabs and newlines)."""
    used = [k for k in keys if k in USED] or keys[:1]
    body = b"\n".join(data) + b"\n"

    def parse(numeric: bool) -> pa.Table:
        types = {k: pa.float64() if numeric and k in NUMERIC else pa.string() for k in used}
        return pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=keys, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter.decode(),
                quote_char=False,
                escape_char=False,
                double_quote=False,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=used,
                column_types=types,
                null_values=["-"],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    try:
        table = parse(numeric=True)
    except pa.ArrowInvalid:  # a value that is not a number: read as text, coerced later
        table = parse(numeric=False)
    return pd.DataFrame(
        {
            k: table.column(k).to_pandas()
            if pa.types.is_floating(table.column(k).type)
            else table.column(k).dictionary_encode().to_pandas()
            for k in used
        }
    )


def _pick_delimiter(line: bytes, n: int, given: bytes | None) -> bytes:
    if given is not None:
        return given
    for d in _DELIMITERS:
        if line.count(d) + 1 == n:
            return d
    return b"\t"


def read_w3c(
    path: Path,
    stats: FileStats,
    *,
    chunk_rows: int,
    fields: Sequence[str] | None = None,
    delimiter: str | None = None,
    **_: Any,
) -> Iterator[Raw]:
    reader = _W3cChunks(path, stats, fields, delimiter.encode() if delimiter else None)
    number = 0
    for number, line in lines(path):
        if not line.strip():
            stats.blank_lines += 1
            continue
        if line[:1] == b"#":
            raw = reader.comment(line, number)
            if raw is not None:
                yield raw
            continue
        reader.data(line, number)
        if reader.full(chunk_rows):
            yield reader.flush()
    stats.lines = number
    reader.note_extra()
    if reader.buf:
        yield reader.flush()


class _W3cChunks:
    """A W3C log's lines gathered into chunks of raw rows: ``#Fields:`` lines name the
    fields (a new one ends the chunk), data lines are split on the delimiter."""

    def __init__(
        self, path: Path, stats: FileStats, fields: Sequence[str] | None, given: bytes | None
    ) -> None:
        self.path, self.stats, self.given = path, stats, given
        self.names: list[str] | None = list(fields) if fields else None
        self.keys = _keys(self.names) if self.names else []
        if self.names:
            stats.fields = list(self.names)
        self.sep: bytes | None = None
        self.buf: list[bytes] = []
        self.nums: list[int] = []
        self.extra = 0
        self.first_extra = 0

    def flush(self) -> Raw:
        raw = Raw(
            self.stats,
            _parse_delimited(self.buf, self.keys, self.sep or b"\t"),
            np.array(self.nums, np.int64),
        )
        self.buf.clear()
        self.nums.clear()
        return raw

    def full(self, chunk_rows: int) -> bool:
        return len(self.buf) >= chunk_rows

    def comment(self, line: bytes, number: int) -> Raw | None:
        """A ``#`` line; a ``#Fields:`` line returns the chunk read with the former fields."""
        self.stats.header_lines += 1
        if not line.startswith(b"#Fields:"):
            return None
        raw = self.flush() if self.buf else None
        names = line[len(b"#Fields:") :].decode("utf-8", "replace").split()
        _check_fields(self.path, names, number)
        self.names, self.keys, self.sep = names, _keys(names), None
        self.stats.fields = list(names)
        return raw

    def data(self, line: bytes, number: int) -> None:
        """One data line: kept (values past the named fields cut off) or rejected."""
        if self.names is None:
            raise InputError(
                f"access log {str(self.path)!r} has a data line (line {number}) before any "
                "'#Fields:' line; a CloudFront standard log starts with '#Version: 1.0' and "
                "'#Fields: date time x-edge-location ...' naming the fields (lambda-edge-facts "
                "§12); a v2 'plain' file without a header needs fields=[...] (--fields on the "
                "command line; facts logs §2)"
            )
        n = len(self.keys)
        if self.sep is None:
            self.sep = _pick_delimiter(line, n, self.given)
        count = line.count(self.sep) + 1
        if count < n:
            self.stats.reject(number, f"{count} values, but the #Fields line names {n}", line)
            return
        if count == n:
            self.buf.append(line)
        else:
            self.buf.append(self.sep.join(line.split(self.sep, n)[:n]))
            self.extra += 1
            self.first_extra = self.first_extra or number
        self.nums.append(number)

    def note_extra(self) -> None:
        if self.extra:
            self.stats.notes.append(
                f"{self.extra} line(s) had more values than the #Fields line names "
                f"(first: line {self.first_extra}); the values past its {len(self.keys)} "
                "fields were ignored, as newer formats add fields at the end "
                "(facts logs §1)"
            )


def _check_fields(path: Path, names: list[str], number: int) -> None:
    keys = {canonical(n) for n in names}
    has_time = {"date", "time"} <= keys or bool(keys & {"timestamp_ms", "timestamp"})
    if not has_time or "cs_uri_stem" not in keys:
        raise InputError(
            f"access log {str(path)!r}: the '#Fields:' line (line {number}) lacks "
            f"{'date and time (or timestamp(ms))' if not has_time else repr('cs-uri-stem')}; "
            "edgelab needs at least the time and cs-uri-stem (lambda-edge-facts §12, facts "
            "logs §2)"
        )


def read_json(path: Path, stats: FileStats, *, chunk_rows: int, **_: Any) -> Iterator[Raw]:
    cache: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    nums: list[int] = []
    seen: dict[str, None] = {}
    number = 0
    for number, line in lines(path):
        if not line.strip():
            stats.blank_lines += 1
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            stats.reject(number, f"not JSON ({exc.msg} at column {exc.colno})", line)
            continue
        if not isinstance(obj, dict):
            stats.reject(number, f"a JSON {type(obj).__name__}, not an object", line)
            continue
        row = {}
        for k, v in obj.items():
            key = cache.get(k)
            if key is None:
                key = cache[k] = canonical(k)
                seen.setdefault(k)
            row[key] = "-" if v is None else v if isinstance(v, str) else json.dumps(v)
        rows.append(row)
        nums.append(number)
        if len(rows) >= chunk_rows:
            yield Raw(stats, pd.DataFrame.from_records(rows), np.array(nums, np.int64))
            rows, nums = [], []
    stats.lines = number
    stats.fields = list(seen)
    if rows:
        yield Raw(stats, pd.DataFrame.from_records(rows), np.array(nums, np.int64))


def read_parquet(path: Path, stats: FileStats, *, chunk_rows: int, **_: Any) -> Iterator[Raw]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"access log {str(path)!r} cannot be read as Parquet: {exc}") from None
    names = pf.schema_arrow.names
    stats.fields = list(names)
    keys = _keys(names)
    offset = 0
    for batch in pf.iter_batches(batch_size=chunk_rows):
        frame = batch.to_pandas()
        frame.columns = keys
        yield Raw(stats, frame, np.arange(offset + 1, offset + len(frame) + 1, dtype=np.int64))
        offset += len(frame)
    stats.lines = offset


def realtime_fields(
    fields: Sequence[str] | None, count: int, order: Sequence[str] = REALTIME_ORDER
) -> list[str]:
    """The configured fields in record order (facts logs §3: the fixed documented order,
    not the configuration's); without ``fields``, a record of all 43 fields of the 2023
    list or of every field in ``order`` is recognised by its count."""
    if fields:
        unknown = [f for f in fields if f not in order]
        if unknown:
            raise InputError(
                f"real-time log fields {unknown} are not in the documented "
                f"order (facts logs §3.1); known: {', '.join(order)}"
            )
        return sorted(dict.fromkeys(fields), key=list(order).index)
    if count == len(REALTIME_2023):
        return list(REALTIME_2023)
    if count == len(order):
        return list(order)
    raise InputError(
        f"real-time log records hold {count} values and no header, so the field list cannot "
        "be guessed; give fields=[...] (--fields a,b,... on the command line): the real-time "
        "log configuration's Fields, in any order (facts logs §3). Without it, only records "
        f"of all {len(REALTIME_2023)} fields (the 2023 list) or all {len(order)} are "
        "recognised"
    )


def read_realtime(
    path: Path,
    stats: FileStats,
    *,
    chunk_rows: int,
    fields: Sequence[str] | None = None,
    realtime_order: Sequence[str] = REALTIME_ORDER,
    **_: Any,
) -> Iterator[Raw]:
    names: list[str] | None = None
    keys: list[str] = []
    buf: list[bytes] = []
    nums: list[int] = []
    number = 0

    def flush() -> Raw:
        raw = Raw(
            stats, _parse_delimited(buf, keys, b"\t"), np.array(nums, np.int64), uri_has_query=True
        )
        buf.clear()
        nums.clear()
        return raw

    for number, line in lines(path):
        if not line.strip():
            stats.blank_lines += 1
            continue
        count = line.count(b"\t") + 1
        if names is None:
            names = realtime_fields(fields, count, realtime_order)
            keys = [REALTIME_TO_STANDARD.get(n, canonical(n)) for n in names]
            stats.fields = list(names)
        if count != len(keys):
            stats.reject(
                number, f"{count} values, but the configured real-time fields are {len(keys)}", line
            )
            continue
        buf.append(line)
        nums.append(number)
        if len(buf) >= chunk_rows:
            yield flush()
    stats.lines = number
    if buf:
        yield flush()


READERS: dict[str, Callable[..., Iterator[Raw]]] = {
    "legacy": read_w3c,
    "v2-w3c": read_w3c,
    "v2-plain": read_w3c,
    "v2-json": read_json,
    "v2-parquet": read_parquet,
    "realtime": read_realtime,
}
