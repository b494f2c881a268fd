"""Batch replay: every row of a traffic set through a distribution, one result row each.

    >>> results = el.replay("distribution.toml", el.generate_traffic("shop", 10_000))
    >>> run = el.replay_to("distribution.toml", "logs/", "results.parquet", workers=2)

:func:`replay` turns each traffic row into a :class:`~edgelab.edge.viewer.ViewerRequest`
and sends it through :meth:`Distribution.send`; what the trace says becomes one row of
the results (see :data:`RESULT_COLUMNS`). Whatever a handler or a row does, the row gets
a result: a broken handler is an ``error`` outcome with CloudFront's status, a row the
chain cannot even take is a ``replay-error`` row with the reason.

Streamed (:mod:`.replay_io`): the input is read ``chunk_rows`` rows at a time, and each
chunk's results go to the sink (a Parquet or CSV file for :func:`replay_to`, a DataFrame
for :func:`replay`) before the next chunk is read, so memory stays bounded.

Deterministic by design: the request id of row ``i`` is derived from ``(seed, i)``,
the clock is the row's ``time`` (never wall time), and rows run in time order (within
each chunk; a DataFrame as a whole). With ``workers=N`` (:mod:`.replay_dask`, a local
Dask cluster, or ``scheduler=`` an existing one) each worker process owns the cache
entries of a set of regional edge caches (or, when the traffic comes from too few of
them to share out, of (regional edge cache, cache key) partitions, worked out after the
viewer-facing stages), and sees them in the same order as a single process would: the
results equal a one-worker run but for what is *measured* (:data:`MEASURED_COLUMNS`:
handler and origin durations, latency that includes them, logs with timestamps, and
cold starts: each worker process is its own set of Lambda containers, so N workers have
up to N cold starts per function).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import gc
import hashlib
import itertools
import operator
import os
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..edge.config import check_distribution, configured_isolated, load_distribution
from ..edge.distribution import Distribution
from ..edge.trace import ROW_COLUMNS
from ..edge.viewer import ViewerRequest
from ..errors import ConfigError
from ..runtimes.base import steady_files
from ..triggers import TRIGGERS
from .columns import TRAFFIC_COLUMNS, normalize_traffic
from .latency import LATENCY_COLUMNS, LATENCY_INPUTS, LatencyModel, estimate_latency
from .logs.reader import input_errors
from .replay_batch import batches_after_cache, run_rows_batched
from .replay_dask import DaskEngine, NotLoaded, require_dask
from .replay_io import CHUNK_ROWS, Chunk, MemorySink, Sink, check_chunk_rows, file_sink, open_source
from .replay_tape import Tape, TapeKey
from .traffic import row_problems

#: copied from the traffic row
CARRIED = (
    "time",
    "method",
    "host",
    "uri",
    "querystring",
    "device",
    "country",
    "city",
    "latitude",
    "longitude",
    "client_ip",
    "edge_location",
)
MEASURED_COLUMNS = (
    "duration_ms",
    "handler_ms",
    "origin_ms",
    "vreq_ms",
    "oreq_ms",
    "oresp_ms",
    "vresp_ms",
    "vreq_compute_utilization",
    "vresp_compute_utilization",
    "logs",
    "cold_starts",
    "outbound_ms",
    "outbound_list",
    "latency_functions_ms",
    "latency_ms",
)
DistributionLike = Any  # Distribution | str | Path | Callable[[], Distribution]


def request_id(seed: int, index: int) -> str:
    """A CloudFront-like request id (56 URL-safe base64 chars) derived from seed and row."""
    digest = hashlib.blake2b(f"{seed}:{index}".encode(), digest_size=42).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def request_ids(seed: int) -> Callable[[int], str]:
    """:func:`request_id` of ``seed``, as a function of the row: the hash of
    ``"{seed}:"`` is taken once, then copied and finished per row (the same digest)."""
    start = hashlib.blake2b(f"{seed}:".encode(), digest_size=42)
    copy, encode, urlsafe = start.copy, binascii.b2a_base64, _URLSAFE

    def of_row(index: int) -> str:
        h = copy()
        h.update(f"{index}".encode())
        return encode(h.digest(), newline=False).translate(urlsafe).decode("ascii")

    return of_row


_URLSAFE = bytes.maketrans(b"+/", b"-_")  # what base64.urlsafe_b64encode translates


def _open(
    distribution: DistributionLike,
    isolated: bool | None = None,
    mapping: Mapping[str, Any] | None = None,
) -> tuple[Any, bool]:
    """(Distribution, whether we opened it and must close it). A definition file's Python
    handlers run isolated unless the file (or ``isolated``) says otherwise; ``mapping``
    holds the mapping options (``functions``, ``origins`` ...) for the file."""
    if isinstance(distribution, Distribution):
        return distribution, False
    if isinstance(distribution, tuple):  # (path, mapping options), as replay packs them
        distribution, mapping = distribution
    if isinstance(distribution, str | Path):
        extra: dict[str, Any] = {} if isolated is None else {"isolated": isolated}
        return (
            load_distribution(distribution, default_isolated=True, **dict(mapping or {}), **extra),
            True,
        )
    if callable(distribution):
        return distribution(), True
    raise ConfigError(
        f"distribution must be a Distribution, the path of a definition file "
        f"(distribution.toml, a template, a cdk.out folder ...) or a function that builds "
        f"one; got {type(distribution).__name__}"
    )


_EPOCH = pd.Timestamp(0, tz="UTC")


def epoch_seconds(times: pd.Series) -> np.ndarray:
    """Seconds since the epoch of UTC datetimes of any resolution (s, ms, us or ns:
    pandas 3 keeps the unit it was given); NaT gives NaN."""
    return ((times - _EPOCH) / pd.Timedelta(seconds=1)).to_numpy(dtype=float, na_value=np.nan)


def _viewers(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Per-row plain values, converted column by column (fast for categoricals)."""
    return viewers_of(_viewer_lists(frame))


ViewerColumns = dict[str, Any]  # object arrays, or lists


def _viewer_lists(frame: pd.DataFrame) -> dict[str, list[Any]]:
    cols = {c: _plain_list(frame[c]) for c in TRAFFIC_COLUMNS if c != "time"}
    cols["time"] = epoch_seconds(frame["time"]).tolist() if len(frame) else []
    cols["problem"] = list(row_problems(frame))  # a row no viewer could send: input error
    return cols


def _plain_list(values: pd.Series) -> list[Any]:
    """``values.tolist()``; a categorical of text read through its categories, one lookup
    per row in C (pandas iterates it in Python), NaN where a row has none, as pandas has."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories.dtype == _TEXT:
        lookup = np.append(dtype.categories.to_numpy(dtype=object), np.nan)  # code -1: NaN
        return lookup.take(values.cat.codes.to_numpy()).tolist()  # type: ignore[no-any-return]
    return values.tolist()


_TEXT = pd.StringDtype(na_value=np.nan)  # pandas' str dtype


def viewer_columns(frame: pd.DataFrame) -> ViewerColumns:
    """What :func:`_viewers` reads of each row, as columns of plain values (object
    arrays: a piece of them is what a Dask worker gets)."""
    return {
        name: np.fromiter(values, dtype=object, count=len(values))
        for name, values in _viewer_lists(frame).items()
    }


def viewers_of(columns: ViewerColumns) -> list[dict[str, Any]]:
    """The rows of :func:`viewer_columns` (or of a piece of them)."""
    names = list(columns)
    lists = [v.tolist() if isinstance(v, np.ndarray) else v for v in columns.values()]
    # each tuple of the strict zip holds one value per name: no check per row
    return list(map(dict, map(zip, itertools.repeat(names), zip(*lists, strict=True))))


def _viewer_request(v: dict[str, Any], rid: str, default_edge: str) -> ViewerRequest:
    headers = []
    for name, col in _HEADER_COLUMNS:
        value = v[col]
        if value and isinstance(value, str):
            headers.append((name, value))
    body = v["body"]
    lat, lon = v["latitude"], v["longitude"]
    return ViewerRequest(  # by position (see _VIEWER_FIELDS); unset fields: their defaults
        str(v["uri"]),
        str(v["method"] or "GET").upper(),
        str(v["querystring"] or ""),
        headers,
        body.encode() if isinstance(body, str) and body else None,
        str(v["client_ip"] or "203.0.113.178"),
        _CLIENT_PORT,
        v["country"] or None,
        _COUNTRY_NAME,
        _REGION,
        _REGION_NAME,
        v["city"] or None,
        _POSTAL_CODE,
        _TIME_ZONE,
        None if lat != lat else float(lat),
        None if lon != lon else float(lon),
        _METRO_CODE,
        _ASN,
        _PROTOCOL,
        _HTTP_VERSION,
        str(v["edge_location"] or default_edge),
        rid,
        v["time"],
    )


#: the header each traffic column gives a viewer request, when it is set
_HEADER_COLUMNS = (
    ("Host", "host"),
    ("User-Agent", "user_agent"),
    ("Accept-Language", "accept_language"),
    ("Cookie", "cookie"),
    ("Referer", "referer"),
)
#: ViewerRequest's fields up to ``time``, in their order: :func:`_viewer_request` passes
#: them by position (13 keywords to a dataclass of 27 fields cost as much again as the
#: rest of building the request); the class is checked here, where this module loads
_VIEWER_FIELDS = (
    "uri", "method", "querystring", "headers", "body", "client_ip", "client_port", "country",
    "country_name", "region", "region_name", "city", "postal_code", "time_zone", "latitude",
    "longitude", "metro_code", "asn", "protocol", "http_version", "edge_location",
    "request_id", "time",
)  # fmt: skip
_VIEWER_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(ViewerRequest)}
_UNSET = (
    "client_port", "country_name", "region", "region_name", "postal_code", "time_zone",
    "metro_code", "asn", "protocol", "http_version",
)  # fmt: skip
if tuple(_VIEWER_DEFAULTS)[: len(_VIEWER_FIELDS)] != _VIEWER_FIELDS or any(
    _VIEWER_DEFAULTS[name] is dataclasses.MISSING for name in _UNSET
):  # pragma: no cover
    raise ImportError("ViewerRequest's fields changed: update _viewer_request")
(
    _CLIENT_PORT, _COUNTRY_NAME, _REGION, _REGION_NAME, _POSTAL_CODE, _TIME_ZONE,
    _METRO_CODE, _ASN, _PROTOCOL, _HTTP_VERSION,
) = (_VIEWER_DEFAULTS[name] for name in _UNSET)  # fmt: skip


def _run_rows(
    dist: Any,
    viewers: Sequence[dict[str, Any]],
    indices: Sequence[int],
    seed: int,
    position: Any = None,
) -> list[dict[str, Any]]:
    """Run rows (already in processing order); every row gives one dict with ``row``.
    ``position`` (a shared integer) is set to each row's position before it runs, so a
    supervisor knows which row a process was running when it died."""
    default_edge = dist.edge_location
    rid = request_ids(seed)
    out: list[dict[str, Any]] = []
    add = out.append
    # What existed before a piece (imports, the distribution, earlier results) is left
    # out of the collector's passes while it runs; what the piece made is collected young
    # at its end, as it would have been, before the rest is put back (a caller's own
    # freeze is kept). Not for a few rows (a Dask worker runs rows one by one): the
    # young pass would cost more than it saves.
    freeze = len(viewers) >= _FREEZE_ROWS and _nothing_frozen()
    if freeze:
        gc.freeze()
    try:
        with steady_files():  # handler files are looked at once per piece, not per call
            for k, (v, i) in enumerate(zip(viewers, indices, strict=True)):
                if position is not None:
                    position.value = k
                add(_run_row(dist, v, i, rid(i), default_edge))
    finally:
        if freeze:
            gc.collect(1)
            gc.unfreeze()
    return out


_FREEZE_ROWS = 64  # the fewest rows a piece runs frozen (see _run_rows)
#: the process that was seen with objects frozen by someone else (None: none yet)
_FROZEN_IN: int | None = None


def _nothing_frozen() -> bool:
    """Whether nothing is frozen (``gc.freeze``) in this process, so a piece of rows may
    freeze and unfreeze. Once a process was seen with frozen objects, its pieces never
    freeze again without asking: ``gc.get_freeze_count`` walks every frozen object (in a
    supervised worker, a fork whose parent froze its objects, about 10 ms; asked for
    each piece, it took a quarter of the replay's CPU time). With nothing frozen it
    answers at once, so a caller's later freeze is still seen and kept."""
    global _FROZEN_IN
    pid = os.getpid()
    if pid == _FROZEN_IN:
        return False
    if gc.get_freeze_count():
        _FROZEN_IN = pid
        return False
    return True


def _run_row(dist: Any, v: dict[str, Any], i: int, rid: str, default_edge: str) -> dict[str, Any]:
    """One row's result; a row the chain cannot take is an error row, never lost."""
    try:
        row = (
            _input_error_row(rid, i, v["problem"])
            if v["problem"] is not None
            else dist.send(_viewer_request(v, rid, default_edge)).to_row()
        )
    except Exception as exc:
        row = _NO_TRACE.copy()
        row["request_id"], row["outcome"], row["cache"] = rid, "replay-error", "Error"
        row["error_type"] = type(exc).__name__
        row["error_message"] = f"{exc}".strip() or traceback.format_exc(limit=1)
    row["row"] = i
    return row


#: a row without a trace (an input error, a replay error): a trace row's columns, in its
#: order (so that a piece's rows turn into columns at once: ``columns_of``), all None
_NO_TRACE: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)


#: result rows as columns (column name -> one value per row, an object array): what a
#: Dask worker sends, and what the results frame is built from
Columns = dict[str, np.ndarray]


def columns_of(rows: Sequence[dict[str, Any]]) -> Columns:
    """Result rows as columns of objects (None where a row has no such key), far fewer
    objects to send than one dict per row. Rows with the same keys in the same order (a
    replay's: ``Trace.to_row`` and the error rows fill every column, in one order) are
    turned in C: every value, row after row, into one array (``np.fromiter`` stores
    each as it is, never reading a list value as a nested row), then read by column."""
    if not rows:
        return {"row": np.zeros(0, dtype=object)}
    first = list(rows[0])
    if all(map(first.__eq__, map(list, rows))):  # keys in one order (a list: the quickest)
        flat = np.fromiter(
            itertools.chain.from_iterable(map(dict.values, rows)),
            dtype=object,
            count=len(rows) * len(first),
        )
        return dict(zip(first, flat.reshape(len(rows), len(first)).T.copy(), strict=True))
    names = dict.fromkeys(itertools.chain.from_iterable(rows))
    return {
        name: np.fromiter((r.get(name) for r in rows), dtype=object, count=len(rows))
        for name in names
    }


def viewer_requests(
    viewers: Sequence[dict[str, Any]], indices: Sequence[int], seed: int, default_edge: str
) -> list[ViewerRequest | None]:
    """The viewer request of each row (None for a row no viewer could send)."""
    rid = request_ids(seed)
    return [
        None if v["problem"] is not None else _viewer_request(v, rid(i), default_edge)
        for v, i in zip(viewers, indices, strict=True)
    ]


def staged_rows(
    dist: Any,
    tape: Tape,
    viewers: Sequence[dict[str, Any]],
    indices: Sequence[int],
    seed: int,
    *,
    batched: bool,
    taped: Mapping[TapeKey, Any] | None = None,
) -> list[dict[str, Any]]:
    """Rows run in stages: the stages in front of the cache for all of them (their
    functions' calls batched, or answered from ``taped``: what the engine's front phase
    recorded), then every row through the chain, those functions answered from the
    tape: one row after the other, or (``batched``: a function after the cache has a
    round trip) interleaved by partition (:func:`~.replay_batch.run_rows_batched`)."""
    tape.replaying = dict(taped or {})
    found = tape.front_keys(viewer_requests(viewers, indices, seed, dist.edge_location))
    tape.replaying = {**(taped or {}), **{k: raw for _, calls in found for k, raw in calls}}
    try:
        if batched:
            return run_rows_batched(dist, viewers, indices, seed, [key for key, _ in found])
        return _run_rows(dist, viewers, indices, seed)
    finally:
        tape.replaying = {}


def _input_error_row(rid: str, index: int, problem: str) -> dict[str, Any]:
    """A row no viewer could send: reported with its number and reason; no function ran,
    so none is blamed (``edgelab.frames.traffic.row_problems``)."""
    row = _NO_TRACE.copy()
    row["request_id"], row["outcome"], row["error_type"] = rid, "input-error", "InputError"
    row["error_message"] = f"traffic row {index}: {problem}"
    return row


@dataclass
class ReplayRun:
    """What :func:`replay_to` did: ``out`` the results file, ``rows`` the result rows
    written (input errors included), ``input_errors`` the log lines that could not be
    used, ``outcomes`` the count of each outcome, ``seconds`` the wall time,
    ``interrupted`` a note saying how far a replay stopped by Ctrl-C got (None when it
    ran to the end), ``notes`` anything else worth knowing (rows out of time order
    across chunks)."""

    out: Any
    rows: int = 0
    input_errors: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    interrupted: str | None = None
    notes: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Result rows per second."""
        return self.rows / self.seconds if self.seconds > 0 else float("nan")


Progress = bool | Callable[[dict[str, Any]], None]


def replay(
    distribution: DistributionLike,
    traffic: pd.DataFrame | str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress = True,
    seed: int = 0,
    latency: LatencyModel | None = None,
    isolated: bool | None = None,
    mapping: Mapping[str, Any] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> pd.DataFrame:
    """Run every traffic row through ``distribution``; one result row per input row, as
    one DataFrame in input order (for inputs larger than memory, :func:`replay_to`
    writes the results to a file instead).

    ``distribution``: a Distribution, the path of a definition file (any format
    ``el.load_distribution`` reads), or a picklable function that builds one
    (``workers > 1`` needs a path or a function: each worker process loads its own).
    ``workers``: 1 runs here; N > 1 starts a local Dask cluster of N worker processes for
    the replay (the ``edgelab[dask]`` extra); ``scheduler`` (``"tcp://host:port"``) runs
    on an existing Dask cluster instead, on all its workers. The results are the same.
    ``traffic``: a DataFrame, a saved traffic set (``.parquet``/``.csv``) or CloudFront
    logs of any format (a file, a folder, a glob), read ``chunk_rows`` rows at a time.
    ``isolated``: for a path, whether Python handlers run in worker processes; by
    default the file's ``isolated`` key, else True (a handler that exits, forks,
    patches the standard library or blocks in C code then costs only its request).
    ``mapping``: the mapping options for a path (``functions``, ``origins``,
    ``parameters``, ``map_file`` ..., as :func:`edgelab.load_definition` takes them).
    ``progress``: a tqdm bar (rows, rate, outcomes so far), False for none, or a
    function called with ``{"rows": done, "outcomes": {...}}`` after each piece of rows.

    The distribution keeps its caches (one per edge location and per regional edge
    cache) across the rows, so both tiers show in the results' ``cache_tier``. Stopped
    by Ctrl-C, it returns the rows done so far, with the note in
    ``results.attrs["interrupted"]``.
    """
    run = _replay(
        distribution,
        traffic,
        MemorySink(),
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        seed=seed,
        latency=latency,
        isolated=isolated,
        mapping=mapping,
        chunk_rows=chunk_rows,
    )
    results: pd.DataFrame = run.out
    if run.interrupted:
        results.attrs["interrupted"] = run.interrupted
    return results


def replay_to(
    distribution: DistributionLike,
    traffic: pd.DataFrame | str | Path,
    out: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress = True,
    seed: int = 0,
    latency: LatencyModel | None = None,
    isolated: bool | None = None,
    mapping: Mapping[str, Any] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ReplayRun:
    """:func:`replay`, streamed: the input read and the results written ``chunk_rows``
    rows at a time to ``out`` (``.parquet``: one row group per chunk; ``.csv``), so
    memory stays bounded whatever the input size. Stopped by Ctrl-C, the file keeps
    every row written and :attr:`ReplayRun.interrupted` says how far it got."""
    return _replay(
        distribution,
        traffic,
        file_sink(out),
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        seed=seed,
        latency=latency,
        isolated=isolated,
        mapping=mapping,
        chunk_rows=chunk_rows,
    )


class _InProcess:
    """Rows run here, on one distribution kept for the whole replay. When a function has
    a round trip (isolated Python, Node.js), each piece of rows runs in stages: the
    stages in front of the cache for the whole piece, its calls batched (one round trip
    per function), then every row through the chain, the viewer request answered from
    the tape (:class:`~.replay_tape.Tape`): in time order, or, when a function after the
    cache has a round trip, rows of different cache partitions interleaved so that their
    calls are batched too (:func:`~.replay_batch.run_rows_batched`)."""

    def __init__(self, distribution: DistributionLike, isolated: bool | None, seed: int):
        self.dist, self.opened = _open(distribution, isolated)
        self.seed = seed
        self.tape: Tape | None = Tape(self.dist)
        # a function after the cache with a round trip: rows interleaved by partition
        self.batched = batches_after_cache(self.dist)
        if not self.tape.batches and not self.batched:
            self.tape.remove()
            self.tape = None

    def run(
        self, frame: pd.DataFrame, rows: np.ndarray, tick: Callable[[list[dict[str, Any]]], None]
    ) -> None:
        viewers = _viewers(frame)
        indices = rows.tolist()
        for start in range(0, len(indices), _PIECE):
            vs, ix = viewers[start : start + _PIECE], indices[start : start + _PIECE]
            if self.tape is None:
                tick(_run_rows(self.dist, vs, ix, self.seed))
                continue
            done = staged_rows(self.dist, self.tape, vs, ix, self.seed, batched=self.batched)
            tick(done)

    def close(self, abort: bool = False) -> None:
        if self.tape is not None:
            self.tape.remove()
        if self.opened:
            self.dist.close()


_PIECE = 500  # rows between progress updates


def _runner(
    distribution: Any, isolated: bool | None, workers: int, seed: int, scheduler: str | None
) -> Any:
    """Where the rows run: here (one worker), or on a Dask cluster (N workers, a
    scheduler, or one supervised worker for in-process handlers when Dask is there)."""
    supervised = workers == 1 and scheduler is None
    if supervised:
        if not _supervise(distribution, isolated):
            return _InProcess(distribution, isolated, seed)
        try:
            require_dask()
        except ConfigError:  # no Dask: in-process handlers run here, unsupervised
            return _InProcess(distribution, isolated, seed)
    if isinstance(distribution, Distribution):
        raise ConfigError(
            "replay with workers > 1 needs the distribution as a distribution.toml path or "
            "a picklable function that builds it (each worker process loads its own); got "
            "a Distribution object"
        )
    require_dask()
    if not supervised:
        _check_before_workers(distribution, isolated)
        return DaskEngine(distribution, isolated, workers, seed, scheduler)
    # the check's dry run (every Python handler imported in a process of its own) only
    # when the supervised worker could not load the distribution: it then says why, as
    # it does before N workers
    try:
        return DaskEngine(distribution, isolated, 1, seed, supervised=True)
    except NotLoaded as exc:
        _check_before_workers(distribution, isolated)
        raise ConfigError(
            f"the replay's supervised worker process could not load the distribution "
            f"({exc}), though a dry run of it in this process found nothing wrong; run it "
            "again, or run its Python handlers isolated (isolated = true)"
        ) from None


_OUTCOME = operator.methodcaller("get", "outcome")


class _Progress:
    """Rows done, the outcomes so far, shown on a tqdm bar or given to a function."""

    def __init__(self, progress: Progress, total: int | None) -> None:
        from tqdm.auto import tqdm

        self.call = progress if callable(progress) else None
        self.bar = tqdm(
            total=total, disable=progress is not True, unit="req", desc="replay", leave=False
        )
        self.done = 0
        self.outcomes: Counter[str] = Counter()

    def add(self, piece: Sequence[dict[str, Any]] | Columns) -> None:
        if isinstance(piece, dict):  # a worker's results, as columns
            n = len(piece["row"])
            self.outcomes.update(str(o) for o in piece.get("outcome", [None] * n))
        else:
            n = len(piece)
            self.outcomes.update(map(str, map(_OUTCOME, piece)))
        self.done += n
        self.bar.update(n)
        self.bar.set_postfix(dict(self.outcomes.most_common()), refresh=False)
        if self.call is not None:
            self.call({"rows": self.done, "outcomes": dict(self.outcomes)})

    def close(self) -> None:
        self.bar.close()


def _total(traffic: Any) -> int | None:
    if isinstance(traffic, pd.DataFrame):
        return len(traffic)
    p = Path(traffic)
    if p.suffix.lower() in (".parquet", ".pq") and p.is_file():
        with contextlib.suppress(Exception):
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(p).metadata.num_rows)
    return None


def _check_args(workers: Any, scheduler: Any, chunk_rows: Any) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be a whole number >= 1; got {workers!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or workers != 1):
        raise ConfigError(
            "scheduler must be the address of a Dask scheduler (tcp://HOST:PORT), given "
            "without workers (the replay runs on all the cluster's workers); got "
            f"scheduler={scheduler!r}, workers={workers!r}"
        )
    check_chunk_rows(chunk_rows)


class _Feed:
    """The chunks of a source through a runner into a sink, one after the other."""

    def __init__(self, sink: Sink, shown: _Progress, latency: LatencyModel | None) -> None:
        self.sink, self.shown, self.latency = sink, shown, latency
        self.got: list[dict[str, Any]] = []
        self.chunk: Chunk | None = None  # the chunk running
        self.runner: Any = None
        self.latest: Any = None  # the latest time of the chunks before (rows out of order)
        self.late = 0

    def tick(self, piece: list[dict[str, Any]]) -> None:
        self.got.extend(piece)
        self.shown.add(piece)

    def run(self, runner: Any, source: Any, run: ReplayRun) -> None:
        like = None
        self.runner = runner
        if hasattr(runner, "stream"):  # the chunks run ahead of what is written
            for chunk, pieces in runner.stream(self._late(source.chunks), self.shown.add):
                like = self._write(chunk, pieces, [])
        else:
            for chunk in self._late(source.chunks):
                self.got.clear()
                self.chunk = chunk
                runner.run(chunk.frame, chunk.rows, self.tick)
                like, self.chunk = self._write(chunk, [], self.got), None
        if like is None:
            like = _frame(Chunk(_empty_traffic(), np.zeros(0, np.int64)), [], self.latency)
            self.sink.write(like)
        run.rejected = source.rejected_lines()
        if run.rejected:
            self.sink.write(input_errors(run.rejected, like, first_row=self.shown.done))
            run.input_errors = len(run.rejected)

    def _late(self, chunks: Iterator[Chunk]) -> Iterator[Chunk]:
        """The chunks, counting the rows stamped before a row of an earlier chunk."""
        for chunk in chunks:
            times = chunk.frame["time"]
            if self.latest is not None and len(times):
                self.late += int((times < self.latest).sum())
            if len(times) and times.notna().any():
                top = times.max()
                self.latest = top if self.latest is None else max(self.latest, top)
            yield chunk

    def _write(self, chunk: Chunk, pieces: list[Any], rows: list[dict[str, Any]]) -> pd.DataFrame:
        like = _merge(chunk, pieces, rows, self.latency)
        self.sink.write(like)
        return like

    def keep_partial(self) -> None:
        """After Ctrl-C: the rows of the chunks that ran are kept too."""
        if self.chunk is not None and self.got:
            self.sink.write(_merge(self.chunk, [], self.got, self.latency, partial=True))
        if hasattr(self.runner, "partial"):
            for chunk, pieces in self.runner.partial():
                self.sink.write(_merge(chunk, pieces, [], self.latency, partial=True))


def _replay(
    distribution: DistributionLike,
    traffic: pd.DataFrame | str | Path,
    sink: Sink,
    *,
    workers: int,
    scheduler: str | None,
    progress: Progress,
    seed: int,
    latency: LatencyModel | None,
    isolated: bool | None,
    mapping: Mapping[str, Any] | None,
    chunk_rows: int,
) -> ReplayRun:
    _check_args(workers, scheduler, chunk_rows)
    if mapping and isinstance(distribution, str | Path):
        distribution = (distribution, dict(mapping))
    started = time.perf_counter()
    source = open_source(traffic, chunk_rows)
    run = ReplayRun(out=None)
    shown = _Progress(progress, _total(traffic))
    feed = _Feed(sink, shown, latency)
    runner: Any = None
    try:
        runner = _runner(distribution, isolated, workers, seed, scheduler)
        feed.run(runner, source, run)
    except KeyboardInterrupt:
        feed.keep_partial()
        run.interrupted = (
            f"replay stopped by Ctrl-C after {shown.done:,} rows; the results hold those "
            f"{sink.rows:,} rows (rows numbered by their input position), the rest of the "
            "input was not replayed"
        )
    except BaseException:
        with contextlib.suppress(Exception):
            sink.close()  # what was written stays readable
        raise
    finally:
        shown.close()
        if runner is not None:
            runner.close(abort=run.interrupted is not None)
            run.notes.extend(getattr(runner, "notes", ()))  # the Dask engine's path
    if feed.late:
        run.notes.append(
            f"{feed.late:,} rows ran after a later-stamped row of an earlier chunk: rows run "
            f"in time order within each chunk of {chunk_rows:,} rows (sort the input by "
            "time, or raise chunk_rows, for one time order overall)"
        )
    run.rows = sink.rows
    run.out = sink.close()
    run.outcomes = dict(shown.outcomes)
    run.seconds = time.perf_counter() - started
    if run.interrupted:
        print(run.interrupted, file=sys.stderr)
    return run


def _empty_traffic() -> pd.DataFrame:
    return normalize_traffic(pd.DataFrame({"time": [], "method": [], "uri": []}))


def _check_before_workers(spec: Any, isolated: bool | None) -> None:
    """Refuse an unusable config or handler here, as a one-process replay would, not as
    partitions of ``replay-error`` rows (Python handlers imported in worker processes, so
    one that exits while importing cannot end this process)."""
    if isinstance(spec, str | Path):
        check_distribution(spec)
    elif isinstance(spec, tuple):  # (path, mapping options)
        check_distribution(spec[0], **spec[1])
    else:
        _open(spec, isolated)[0].close()


def _supervise(distribution: DistributionLike, isolated: bool | None) -> bool:
    """Whether a one-worker replay runs in a supervised child process: for a
    distribution.toml whose Python handlers run in-process (isolated handlers cannot end
    this process, so they run here, without the cost of a child)."""
    if isinstance(distribution, tuple):
        distribution = distribution[0]
    if not isinstance(distribution, str | Path):
        return False
    if isolated is not None:
        return not isolated
    return configured_isolated(distribution) is False


RESULT_COLUMNS = (
    ("row", "int64"),
    ("request_id", "str"),
    ("outcome", "category"),
    ("status", "Int64"),
    ("cache", "category"),
    ("cache_tier", "category"),
    ("regional_edge_cache", "category"),
    ("behavior", "category"),
    ("origin_id", "category"),
    ("origin_kind", "category"),
    ("deployment", "category"),
    ("edge_rule", "category"),
    ("failover", "bool"),
    ("failover_reason", "category"),
    ("error_page", "category"),
    ("original_status", "Int64"),
    ("error_type", "category"),
    ("error_message", "str"),
    *[
        (f"{s}_{k}", t)
        for s in (t.prefix for t in TRIGGERS)
        for k, t in (
            ("outcome", "category"),
            ("ms", "float64"),
            ("uri", "category"),
            ("querystring", "category"),
            ("changes", "category"),
            ("uri_qs_len", "Int64"),
            ("request_bytes", "Int64"),
            ("generated_bytes", "Int64"),
        )
    ],
    *[  # a viewer trigger runs either kind of function (cloudfront-functions-facts §6)
        (f"{s}_{k}", t)
        for s in (t.prefix for t in TRIGGERS if t.is_viewer)
        for k, t in (
            ("kind", "category"),
            ("runtime", "category"),
            ("compute_utilization", "float64"),
        )
    ],
    ("edge_uri", "category"),
    ("edge_querystring", "category"),
    ("origin_uri", "category"),
    ("origin_querystring", "category"),
    ("origin_status", "Int64"),
    ("origin_ms", "float64"),
    ("violations", "int64"),
    ("violation_list", "str"),
    ("logs", "str"),
    ("handler_ms", "float64"),
    ("cold_starts", "int64"),
    ("outbound_calls", "int64"),
    ("outbound_refused", "int64"),
    ("outbound_ms", "float64"),
    ("outbound_remote_ms", "float64"),
    ("outbound_list", "str"),
    ("duration_ms", "float64"),
    ("response_bytes", "Int64"),
    ("response_header_bytes", "Int64"),
)


_STATUS_COLUMNS = ("status", "origin_status", "original_status")


def _frame(
    chunk: Chunk,
    rows: list[dict[str, Any]] | Columns,
    latency: LatencyModel | None,
    partial: bool = False,
) -> pd.DataFrame:
    """The results of one chunk, in row order: its traffic columns beside what each row
    gave (``partial``: only the rows that ran, for a replay stopped by Ctrl-C). Each
    column is built once, in its final type, and the frame once from all of them."""
    numbers, got = _results(rows)
    order = np.argsort(chunk.rows, kind="stable")
    wanted = chunk.rows[order]
    if partial:
        keep = np.isin(wanted, numbers)
        order, wanted = order[keep], wanted[keep]
    if len(numbers) != len(wanted) or not np.array_equal(numbers, wanted):
        raise AssertionError("replay lost or duplicated rows; this is a bug in edgelab")
    traffic = chunk.frame.iloc[order].reset_index(drop=True)
    n = len(numbers)
    data: dict[str, Any] = {col: traffic[col] for col in CARRIED}
    data["row"] = numbers
    for col, dtype in RESULT_COLUMNS[1:]:
        data[col] = _column(col, got(col), n, dtype)
    _edge_uri_default(data, n)
    # the latency model reads the summed function time as duration_ms
    reads = {c: data["handler_ms" if c == "duration_ms" else c] for c in LATENCY_INPUTS}
    lat = estimate_latency(pd.DataFrame(reads), latency)
    for col in LATENCY_COLUMNS:
        data[col] = lat[col].to_numpy()
    for col in traffic.columns:  # where a log row came from, and what CloudFront logged
        if col in ("source_file", "source_line") or str(col).startswith("log_"):
            data[col] = traffic[col]
    return pd.DataFrame(data)


def _results(
    rows: list[dict[str, Any]] | Columns,
) -> tuple[np.ndarray, Callable[[str], Values | None]]:
    """The row numbers the rows gave, in order, and each result column in that order
    (a list for rows, an object array for columns; None for a column no row has)."""
    columns: Mapping[str, Any] = rows if isinstance(rows, dict) else _row_lists(rows)
    numbers = _objects(columns.get("row", ())).astype(np.int64)
    order = np.argsort(numbers, kind="stable")
    in_order = bool((order == np.arange(len(order))).all())
    picks = [] if in_order else order.tolist()

    def column(col: str) -> Values | None:
        values = columns.get(col)
        if values is None:
            return None
        if isinstance(values, list):
            return values if in_order else [values[i] for i in picks]
        values = _objects(values)
        return values if in_order else values[order]

    return numbers[order], column


#: a result column's values, one per row: a list, or an object array
Values = list[Any] | np.ndarray


def _row_lists(rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """:func:`columns_of` as lists, what the results frame is built from (each column is
    read as a list, so arrays would be made only to be turned back): rows with the same
    keys in the same order are turned as one list of every value, row after row, each
    column a slice of it."""
    if not rows:
        return {"row": []}
    first = list(rows[0])
    if all(map(first.__eq__, map(list, rows))):  # keys in one order (a list: the quickest)
        flat = list(itertools.chain.from_iterable(map(dict.values, rows)))
        return {name: flat[j :: len(first)] for j, name in enumerate(first)}
    names = dict.fromkeys(itertools.chain.from_iterable(rows))
    return {name: [r.get(name) for r in rows] for name in names}


def _objects(values: Any) -> np.ndarray:
    """Values as a one-dimensional object array (a list value stays one value)."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        return values
    return np.fromiter(values, dtype=object, count=len(values))


def _merge(
    chunk: Chunk,
    pieces: list[Any],
    rows: list[dict[str, Any]],
    latency: LatencyModel | None,
    partial: bool = False,
) -> pd.DataFrame:
    """The results of one chunk (:func:`_frame`) from the pieces a Dask engine gave (a
    worker's columns, or rows it could not give) and the rows run here."""
    if not pieces:
        return _frame(chunk, rows, latency, partial)
    parts = [*pieces, columns_of(rows)] if rows else pieces
    return _frame(chunk, _joined([p if isinstance(p, dict) else columns_of(p) for p in parts]),
                  latency, partial)  # fmt: skip


def _joined(parts: list[Columns]) -> Columns:
    """Columns end to end (None where a part has no such column)."""
    names = list(dict.fromkeys(k for p in parts for k in p))
    sizes = [len(p["row"]) for p in parts]
    return {
        name: np.concatenate(
            [
                _objects(p[name]) if name in p else np.full(size, None, dtype=object)
                for p, size in zip(parts, sizes, strict=True)
            ]
        )
        if parts
        else np.zeros(0, dtype=object)
        for name in names
    }


_NONE = type(None)
#: the types of value each column type is built from directly (others: :func:`_any_column`)
_DIRECT: dict[str, frozenset[type]] = {
    "int64": frozenset({int, _NONE}),
    "Int64": frozenset({int, _NONE}),
    "float64": frozenset({int, float, _NONE}),
    "bool": frozenset({bool, _NONE}),
    "category": frozenset({str, _NONE}),
    "str": frozenset({str, _NONE}),
}


def _column(col: str, values: Values | None, n: int, dtype: str) -> Any:
    """One result column from the rows' values (a list or an object array, None: no row
    has it), in its :data:`RESULT_COLUMNS` type: built at once from the values when they
    are of the usual types, else through pandas' conversions (:func:`_any_column`), which
    give the same column for the usual types too."""
    if values is None:
        if n:
            return _no_values(col, n, dtype)
        values = np.full(n, None, dtype=object)
    items = values.tolist() if isinstance(values, np.ndarray) else values
    kinds = set(map(type, items))
    if kinds <= _DIRECT[dtype]:
        if kinds == _ONLY_NONE:  # no row has a value (a stage that never ran)
            return _no_values(col, n, dtype)
        with contextlib.suppress(OverflowError):  # an int beyond int64: pandas' way
            return _direct_column(col, values, items, _NONE in kinds, dtype)
    return _any_column(col, pd.Series(_objects(values), dtype=object), dtype)


_ONLY_NONE = {_NONE}
_NAN = float("nan")


def _no_values(col: str, n: int, dtype: str) -> Any:
    """:func:`_direct_column` of ``n`` (> 0) Nones, made without reading them."""
    if dtype == "category":  # no categories, every code missing
        return pd.Categorical.from_codes(np.full(n, -1, np.intp), np.empty(0, dtype=object))
    if dtype == "str":
        return np.full(n, "", dtype=object)
    if dtype == "bool":
        return np.zeros(n, dtype=bool)
    if dtype == "int64":
        return np.zeros(n, dtype=np.int64)
    if col in _STATUS_COLUMNS:  # Int64
        return pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, dtype=bool))
    return np.full(n, _NAN)  # float64, and an Int64 size column (float64 with NaN)


def _direct_column(col: str, values: Values, items: list[Any], gaps: bool, dtype: str) -> Any:
    """:func:`_column` of values of the :data:`_DIRECT` types (``gaps``: some are None)."""
    n = len(items)
    if dtype == "category":  # what astype("category") gives: sorted categories
        codes, uniques = pd.factorize(_objects(values), sort=True)
        return pd.Categorical.from_codes(codes, categories=uniques)
    if dtype == "str":
        return np.fromiter(["" if v is None else v for v in items] if gaps else items, object, n)
    if dtype == "float64" and gaps:  # NaN for None, as np.array gives, at half its cost
        return np.fromiter([_NAN if v is None else v for v in items], np.float64, n)
    if dtype in ("float64", "bool"):
        return np.array(items, dtype=dtype)  # None: NaN, False
    if dtype == "int64":
        return np.fromiter([0 if v is None else v for v in items] if gaps else items, np.int64, n)
    # Int64: the nullable status columns; a size column is int64, or float64 with NaN
    # where a row has none (what the nullable column's to_numpy gives)
    if col not in _STATUS_COLUMNS:
        if gaps:
            return np.fromiter([_NAN if v is None else v for v in items], np.float64, n)
        return np.fromiter(items, np.int64, n)
    if not gaps:
        return pd.arrays.IntegerArray(np.fromiter(items, np.int64, n), np.zeros(n, dtype=bool))
    mask = np.array([v is None for v in items], dtype=bool)
    data = np.fromiter([0 if v is None else v for v in items], np.int64, n)
    return pd.arrays.IntegerArray(data, mask)


def _any_column(col: str, values: pd.Series, dtype: str) -> Any:
    """:func:`_column` of values of any types, through pandas' conversions."""
    if dtype in ("int64",):
        values = pd.to_numeric(values, errors="coerce").fillna(0).astype("int64")
    elif dtype == "bool":
        values = values.astype(object).where(values.notna(), False).astype(bool)
    elif dtype == "Int64":
        values = pd.to_numeric(values, errors="coerce").astype("Int64")
    elif dtype == "float64":
        values = pd.to_numeric(values, errors="coerce").astype("float64")
    elif dtype == "category":
        values = values.astype(object).where(values.notna(), None).astype("category")
    else:
        values = values.astype(object).where(values.notna(), "").astype(str)
    # .array keeps the categorical dtype, and the nullable Int64 of the status columns
    # (the README's contract; the size columns stay float64, as the report reads them)
    return values.array if dtype == "category" or col in _STATUS_COLUMNS else values.to_numpy()


def _edge_uri_default(data: dict[str, Any], n: int) -> None:
    """Without a viewer-request function the edge sees the viewer's uri."""
    no_vreq = np.asarray(data["edge_uri"].isna(), dtype=bool)
    if no_vreq.any():
        for edge, viewer in (("edge_uri", "uri"), ("edge_querystring", "querystring")):
            seen = np.asarray(data[edge], dtype=object)
            given = data[viewer].to_numpy(dtype=object)
            data[edge] = _column(edge, np.where(no_vreq, given, seen), n, "category")


def comparable(results: pd.DataFrame) -> pd.DataFrame:
    """``results`` without :data:`MEASURED_COLUMNS`: equal for equal inputs and seed."""
    return results.drop(columns=[c for c in MEASURED_COLUMNS if c in results.columns])
