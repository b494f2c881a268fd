"""What a replay reads and writes, a chunk at a time: :func:`chunks` and the sinks.

A replay never holds more than one chunk of its input (``chunk_rows`` rows) and one
chunk of results: the input is read in chunks (a traffic set's Parquet row groups by
record batches, a CSV by ``pandas.read_csv(chunksize=...)``, CloudFront logs of any
format through :class:`~edgelab.frames.logs.LogReader`), and each chunk's results go to
a sink as soon as they are made: a Parquet file (one row group per chunk, through
``pyarrow.parquet.ParquetWriter``), a CSV file (appended), or a list of frames joined
at the end when the caller asked for a DataFrame in memory.

Each chunk comes with the row number of each of its rows, in the order the rows run:
time order within the chunk (stable, so ties keep input order). A DataFrame given in
memory runs in time order as a whole (it is in memory already); a file's rows are
numbered by their position in the file; log lines, as :func:`read_access_logs` numbers
them, by their position in the time-sorted chunk (one chunk: the whole input sorted).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, InputError
from .columns import CATEGORICAL, normalize_traffic
from .logs import LogReader, concat_chunks, is_parquet_log

#: rows a replay reads, runs and writes at a time (bounded memory: about 2-3 KB per row)
CHUNK_ROWS = 20_000


@dataclass
class Chunk:
    """Rows of the input in the order they run, and the row number of each."""

    frame: pd.DataFrame
    rows: np.ndarray


@dataclass
class Source:
    """An input read in chunks; ``rejected`` (log lines that could not be used) is
    complete once the chunks are exhausted."""

    chunks: Iterator[Chunk]
    rejected: list[dict[str, Any]] = field(default_factory=list)
    reader: LogReader | None = None

    def rejected_lines(self) -> list[dict[str, Any]]:
        if self.reader is not None:
            return list(self.reader.rejected.to_dict("records"))
        return self.rejected


def check_chunk_rows(chunk_rows: Any) -> int:
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ConfigError(f"chunk_rows must be a whole number >= 1; got {chunk_rows!r}")
    return chunk_rows


def time_order(frame: pd.DataFrame) -> np.ndarray:
    """Row positions in time order (stable, so ties keep input order; NaT last)."""
    return np.argsort(frame["time"].to_numpy("datetime64[ns]"), kind="stable")


def open_source(traffic: pd.DataFrame | str | Path, chunk_rows: int) -> Source:
    """The chunks of ``traffic``: a DataFrame, a saved traffic set or CloudFront logs."""
    if isinstance(traffic, pd.DataFrame):
        frame = normalize_traffic(traffic, source="traffic")
        rejected = list(traffic.attrs.get("rejected") or ())
        return Source(_frame_chunks(frame, chunk_rows), rejected)
    p = Path(traffic)
    if (
        p.suffix.lower() in (".parquet", ".pq", ".csv") or p.name.lower().endswith(".csv.gz")
    ) and not is_parquet_log(p):
        return Source(_file_chunks(p, chunk_rows))
    reader = LogReader(traffic, chunk_rows=chunk_rows)
    return Source(_log_chunks(reader), reader=reader)


def _frame_chunks(frame: pd.DataFrame, chunk_rows: int) -> Iterator[Chunk]:
    order = time_order(frame)
    for start in range(0, len(frame), chunk_rows):
        idx = order[start : start + chunk_rows]
        yield Chunk(frame.iloc[idx].reset_index(drop=True), idx.astype(np.int64))


def _file_chunks(p: Path, chunk_rows: int) -> Iterator[Chunk]:
    from .traffic import load_traffic  # the checks and errors of a one-piece load

    if not p.is_file():
        load_traffic(p)  # raises the one-paragraph error
    base = 0
    for piece in _pieces(p, chunk_rows):
        frame = normalize_traffic(piece, source=str(p))
        order = time_order(frame)
        yield Chunk(frame.iloc[order].reset_index(drop=True), base + order.astype(np.int64))
        base += len(frame)


def _pieces(p: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    suffixes = [s.lower() for s in p.suffixes]
    try:
        if suffixes[-1:] in ([".parquet"], [".pq"]):
            import pyarrow as pa
            import pyarrow.parquet as pq

            with pq.ParquetFile(p) as pf:
                for batch in pf.iter_batches(batch_size=chunk_rows):
                    # a batch of a categorical column carries its row group's whole
                    # dictionary: decoded, a chunk holds only its own strings
                    cols = [
                        c.dictionary_decode() if pa.types.is_dictionary(c.type) else c
                        for c in batch.columns
                    ]
                    yield pa.RecordBatch.from_arrays(cols, names=batch.schema.names).to_pandas()
            return
        if suffixes[-1:] != [".csv"] and suffixes[-2:] != [".csv", ".gz"]:
            from .traffic import load_traffic

            load_traffic(p)  # the error for a suffix it does not read
        with pd.read_csv(
            p,
            keep_default_na=False,
            na_values=[""],
            dtype={c: str for c in CATEGORICAL},
            chunksize=chunk_rows,
        ) as reader:
            yield from reader
    except InputError:
        raise
    except Exception as exc:  # pyarrow / parser errors carry their own types
        kind = "parquet" if suffixes[-1:] in ([".parquet"], [".pq"]) else "csv"
        raise InputError(f"traffic file {str(p)!r} cannot be read as {kind}: {exc}") from None


def _log_chunks(reader: LogReader) -> Iterator[Chunk]:
    base = 0
    for raw in reader:
        frame = normalize_traffic(raw, source="access logs")
        frame = frame.iloc[time_order(frame)].reset_index(drop=True)
        yield Chunk(frame, base + np.arange(len(frame), dtype=np.int64))
        base += len(frame)


# -- sinks ------------------------------------------------------------------------------


class Sink:
    """Where result chunks go; :meth:`close` returns what the caller gets."""

    rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def close(self) -> Any:
        return None


class MemorySink(Sink):
    """Result chunks joined into one DataFrame, in row order."""

    def __init__(self) -> None:
        self.frames: list[pd.DataFrame] = []

    def write(self, frame: pd.DataFrame) -> None:
        self.frames.append(frame)
        self.rows += len(frame)

    def close(self) -> pd.DataFrame:
        frames = [f for f in self.frames if len(f)] or self.frames[:1]
        out = concat_chunks(frames) if len(frames) > 1 else frames[0]
        self.frames = []
        if len(out) and not out["row"].is_monotonic_increasing:
            out = out.sort_values("row", kind="stable")
        return out.reset_index(drop=True)


class ParquetSink(Sink):
    """One Parquet row group per chunk; every chunk cast to the first one's schema
    (categoricals as dictionaries of strings with 32-bit indices)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: Any = None
        self.schema: Any = None

    def _table(self, frame: pd.DataFrame) -> Any:
        import pyarrow as pa

        if self.schema is None:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            fields = [
                pa.field(f.name, pa.dictionary(pa.int32(), pa.string()))
                if pa.types.is_dictionary(f.type)
                else (pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f)
                for f in table.schema
            ]
            self.schema = pa.schema(fields, metadata=table.schema.metadata)
        return pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False)

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow.parquet as pq

        table = self._table(frame)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(table)
        self.rows += len(frame)

    def close(self) -> Path:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        return self.path


class CsvSink(Sink):
    """Chunks appended to one CSV file, the header once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started = False

    def write(self, frame: pd.DataFrame) -> None:
        frame.to_csv(
            self.path, mode="a" if self.started else "w", header=not self.started, index=False
        )
        self.started = True
        self.rows += len(frame)

    def close(self) -> Path:
        return self.path


def file_sink(path: str | Path) -> Sink:
    """A Parquet or CSV sink, chosen by suffix (the folder is made if needed)."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes[-1:] in ([".parquet"], [".pq"]):
        sink: Sink = ParquetSink(p)
    elif suffixes[-1:] == [".csv"]:
        sink = CsvSink(p)
    else:
        raise ConfigError(
            f"the results file must end in .parquet or .csv; got {str(p)!r}", key="out"
        )
    p.parent.mkdir(parents=True, exist_ok=True)
    return sink
