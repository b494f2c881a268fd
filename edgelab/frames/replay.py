"""Batch replay: every row of a traffic set through a distribution, one result row each.

    >>> results = el.replay("distribution.toml", el.generate_traffic("shop", 10_000))

:func:`replay` turns each traffic row into a :class:`~edgelab.edge.viewer.ViewerRequest`
and sends it through :meth:`Distribution.send`; what the trace says becomes one row of
the results DataFrame (see :data:`RESULT_COLUMNS`). Whatever a handler or a row does,
the row gets a result: a broken handler is an ``error`` outcome with CloudFront's
status, a row the chain cannot even take is a ``replay-error`` row with the reason.

Deterministic by design: the request id of row ``i`` is derived from ``(seed, i)``,
the clock is the row's ``time`` (never wall time), and rows run in time order. With
``workers=N`` the rows are split by a hash of the viewer's uri, so each worker process
owns a disjoint set of cache keys and sees them in the same order as a single process
would; results are put back in input order. What is *measured* differs between runs
and is listed in :data:`MEASURED_COLUMNS` (handler and origin durations, latency
that includes them, logs with timestamps, and cold starts: each worker process is its
own set of Lambda containers, so N workers have up to N cold starts per function).
A rewrite that maps *different* viewer uris to one cache key can make hits differ
between 1 and N workers (the keys then span partitions).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import multiprocessing as mp
import multiprocessing.connection as mp_connection
import traceback
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..edge.config import check_distribution, configured_isolated, load_distribution
from ..edge.distribution import Distribution
from ..edge.viewer import ViewerRequest
from ..errors import ConfigError
from ..triggers import TRIGGERS
from .columns import TRAFFIC_COLUMNS, normalize_traffic
from .latency import LATENCY_COLUMNS, LatencyModel, estimate_latency
from .logs.reader import append_input_errors
from .traffic import read_traffic, row_problems

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
    "latency_functions_ms",
    "latency_ms",
)
DistributionLike = Any  # Distribution | str | Path | Callable[[], Distribution]


def request_id(seed: int, index: int) -> str:
    """A CloudFront-like request id (56 URL-safe base64 chars) derived from seed and row."""
    digest = hashlib.blake2b(f"{seed}:{index}".encode(), digest_size=42).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


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


def _viewers(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Per-row plain values, converted column by column (fast for categoricals)."""
    cols = {c: frame[c].tolist() for c in TRAFFIC_COLUMNS if c != "time"}
    times = (frame["time"].astype("int64") / 1e9).tolist() if len(frame) else []
    problems = row_problems(frame)  # a row no viewer could send: an input-error row
    return [
        dict(zip(cols, vals, strict=True), time=t, problem=p)
        for vals, t, p in zip(zip(*cols.values(), strict=True), times, problems, strict=True)
    ]


def _viewer_request(v: dict[str, Any], rid: str, default_edge: str) -> ViewerRequest:
    headers = []
    for name, col in (
        ("Host", "host"),
        ("User-Agent", "user_agent"),
        ("Accept-Language", "accept_language"),
        ("Cookie", "cookie"),
        ("Referer", "referer"),
    ):
        value = v[col]
        if value and isinstance(value, str):
            headers.append((name, value))
    body = v["body"]
    lat, lon = v["latitude"], v["longitude"]
    return ViewerRequest(
        uri=str(v["uri"]),
        method=str(v["method"] or "GET").upper(),
        querystring=str(v["querystring"] or ""),
        headers=headers,
        body=body.encode() if isinstance(body, str) and body else None,
        client_ip=str(v["client_ip"] or "203.0.113.178"),
        country=v["country"] or None,
        city=v["city"] or None,
        latitude=None if lat != lat else float(lat),
        longitude=None if lon != lon else float(lon),
        edge_location=str(v["edge_location"] or default_edge),
        request_id=rid,
        time=v["time"],
    )


def _run_rows(
    dist: Any,
    viewers: Sequence[dict[str, Any]],
    indices: Sequence[int],
    seed: int,
    tick: Callable[[int], None] | None = None,
    position: Any = None,
) -> list[dict[str, Any]]:
    """Run rows (already in processing order); every row gives one dict with ``row``.
    ``position`` (a shared integer) is set to each row's position before it runs, so a
    supervisor knows which row a process was running when it died."""
    default_edge = dist.edge_location
    out = []
    pending = 0
    for k, (v, i) in enumerate(zip(viewers, indices, strict=True)):
        if position is not None:
            position.value = k
        rid = request_id(seed, i)
        try:
            row = (
                _input_error_row(rid, i, v["problem"])
                if v["problem"] is not None
                else dist.send(_viewer_request(v, rid, default_edge)).to_row()
            )
        except Exception as exc:  # a row the chain cannot take: an error row, never lost
            row = {
                "request_id": rid,
                "outcome": "replay-error",
                "status": None,
                "cache": "Error",
                "error_type": type(exc).__name__,
                "error_message": f"{exc}".strip() or traceback.format_exc(limit=1),
            }
        row["row"] = i
        out.append(row)
        pending += 1
        if tick is not None and pending >= 500:
            tick(pending)
            pending = 0
    if tick is not None and pending:
        tick(pending)
    return out


def _input_error_row(rid: str, index: int, problem: str) -> dict[str, Any]:
    """A row no viewer could send: reported with its number and reason; no function ran,
    so none is blamed (``edgelab.frames.traffic.row_problems``)."""
    return {
        "request_id": rid,
        "outcome": "input-error",
        "status": None,
        "cache": None,
        "error_type": "InputError",
        "error_message": f"traffic row {index}: {problem}",
    }


_CHUNK = 500  # rows a replay worker sends back at a time


def _worker(
    spec: Any,
    isolated: bool | None,
    frame: pd.DataFrame,
    indices: list[int],
    seed: int,
    conn: Any,
    position: Any,
) -> None:
    try:
        dist, _ = _open(spec, isolated)
        try:
            viewers = _viewers(frame)
            for start in range(0, len(indices), _CHUNK):
                chunk = _run_rows(
                    dist,
                    viewers[start : start + _CHUNK],
                    indices[start : start + _CHUNK],
                    seed,
                    position=_Offset(position, start),
                )
                conn.send(("rows", chunk))
        finally:
            dist.close()
        conn.send(("done", None))
    except BaseException as exc:  # the rest of the partition failed: the parent makes rows
        with contextlib.suppress(BaseException):
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))


class _Offset:
    """A shared position counter seen through an offset (a chunk's rows)."""

    __slots__ = ("offset", "shared")

    def __init__(self, shared: Any, offset: int) -> None:
        self.shared, self.offset = shared, offset

    @property
    def value(self) -> int:
        return self.shared.value - self.offset

    @value.setter
    def value(self, k: int) -> None:
        self.shared.value = k + self.offset


def _order(frame: pd.DataFrame) -> np.ndarray:
    """Row positions in time order (stable, so ties keep input order)."""
    return np.argsort(frame["time"].to_numpy("datetime64[ns]"), kind="stable")


def partition(frame: pd.DataFrame, workers: int) -> np.ndarray:
    """The worker that owns each row: a stable hash (CRC-32) of the viewer's uri."""
    uri = frame["uri"].astype("category")
    cat_hash = np.array([zlib.crc32(str(c).encode()) for c in uri.cat.categories], dtype=np.int64)
    codes = uri.cat.codes.to_numpy()
    return np.where(codes >= 0, cat_hash[np.maximum(codes, 0)], 0) % workers


def replay(
    distribution: DistributionLike,
    traffic: pd.DataFrame | str | Path,
    *,
    workers: int = 1,
    progress: bool = True,
    seed: int = 0,
    latency: LatencyModel | None = None,
    isolated: bool | None = None,
    mapping: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Run every traffic row through ``distribution``; one result row per input row.

    ``distribution``: a Distribution, the path of a definition file (any format
    ``el.load_distribution`` reads), or a picklable function that builds one
    (``workers > 1`` needs a path or a function: each worker process loads its own).
    ``traffic``: a DataFrame or a saved traffic set / access logs path. ``isolated``: for
    a path, whether Python handlers run in worker processes; by default the file's
    ``isolated`` key, else True (a handler that exits, forks, patches the standard
    library or blocks in C code then costs only its request). ``mapping``: the mapping
    options for a path (``functions``, ``origins``, ``parameters``, ``map_file`` ...,
    as :func:`edgelab.load_definition` takes them).

    The distribution keeps its caches (one per edge location and per regional edge
    cache) across the rows, so both tiers show in the results' ``cache_tier``.
    """
    if mapping and isinstance(distribution, str | Path):
        distribution = (distribution, dict(mapping))
    if isinstance(traffic, str | Path):
        traffic = read_traffic(traffic)
    frame = normalize_traffic(traffic, source="traffic")
    n = len(frame)
    if not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be a whole number >= 1; got {workers!r}")
    from tqdm.auto import tqdm

    bar = tqdm(total=n, disable=not progress, unit="req", desc="replay", leave=False)
    rows: list[dict[str, Any]] = []
    try:
        if (workers == 1 or n < 2) and n and _supervise(distribution, isolated):
            # In-process handlers of a config file: run them in a supervised process, so
            # one that ends the process costs only its row (see _parallel).
            _check_before_workers(distribution, isolated)
            rows = _parallel(distribution, isolated, frame, 1, seed, bar)
        elif workers == 1 or n < 2:
            dist, opened = _open(distribution, isolated)
            try:
                order = _order(frame)
                viewers = _viewers(frame.iloc[order])
                rows = _run_rows(dist, viewers, order.tolist(), seed, bar.update)
            finally:
                if opened:
                    dist.close()
        else:
            if isinstance(distribution, Distribution):
                raise ConfigError(
                    "replay with workers > 1 needs the distribution as a "
                    "distribution.toml path or a picklable function that builds "
                    "it (each worker process loads its own); got a Distribution "
                    "object"
                )
            _check_before_workers(distribution, isolated)
            rows = _parallel(distribution, isolated, frame, workers, seed, bar)
    finally:
        bar.close()
    return append_input_errors(_frame(frame, rows, latency), frame.attrs.get("rejected"))


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


def _parallel(
    spec: Any, isolated: bool | None, frame: pd.DataFrame, workers: int, seed: int, bar: Any
) -> list[dict[str, Any]]:
    """Run each partition in its own process and supervise them: every wait is bounded,
    and a process that dies (a handler running in-process that called ``os._exit``, a
    crash in native code) costs only the row it was running, which gets a
    ``replay-error`` row; its other unfinished rows run again in a new process."""
    owner = partition(frame, workers)
    order = _order(frame)
    ctx = mp.get_context("spawn")
    rows: list[dict[str, Any]] = []
    running: list[_Part] = []
    for w in range(workers):
        idx = order[owner[order] == w]
        if len(idx):
            running.append(_Part(ctx, spec, isolated, frame, idx, seed))

    def settle_death(p: _Part) -> None:
        p.finish()
        rest = p.indices[p.received :]
        if not len(rest):
            return
        code = p.proc.exitcode
        culprit = max(p.position.value, p.received - 1)
        if culprit < p.received:  # died before running a row of its own
            rows.extend(
                _failed_rows(
                    rest,
                    seed,
                    f"the replay worker process exited (code {code}) before running a row",
                )
            )
            bar.update(len(rest))
            return
        rows.extend(
            _failed_rows(
                [p.indices[culprit]],
                seed,
                f"the replay worker process died (exit code {code}) while running this row: a "
                "handler running in-process ended or crashed the process (run Python handlers "
                "isolated, the default, to get a 500 for this request instead); the replay went "
                "on in a new process",
                error_type="ReplayWorkerDied",
            )
        )
        bar.update(1)
        again = np.concatenate([p.indices[p.received : culprit], p.indices[culprit + 1 :]])
        if len(again):
            running.append(_Part(ctx, spec, isolated, frame, again, seed))

    while running:
        ready = mp_connection.wait([p.conn for p in running], timeout=0.5)
        for p in list(running):
            if p.conn in ready:
                try:
                    kind, payload = p.conn.recv()
                except (EOFError, OSError):  # the process is gone
                    running.remove(p)
                    settle_death(p)
                    continue
                if kind == "rows":
                    rows.extend(payload)
                    p.received += len(payload)
                    bar.update(len(payload))
                    continue
                running.remove(p)
                if kind == "failed":
                    rows.extend(_failed_rows(p.indices[p.received :], seed, payload))
                    bar.update(len(p.indices) - p.received)
                    p.received = len(p.indices)
                p.finish()
            elif not p.proc.is_alive() and not p.conn.poll():
                running.remove(p)  # dead, nothing more to read (a child may hold the pipe)
                settle_death(p)
    return rows


class _Part:
    """One partition's process, with the rows it was given and how many came back."""

    def __init__(
        self,
        ctx: Any,
        spec: Any,
        isolated: bool | None,
        frame: pd.DataFrame,
        indices: np.ndarray,
        seed: int,
    ) -> None:
        self.indices = indices
        self.received = 0
        self.position = ctx.Value("q", -1, lock=False)
        self.conn, child = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(
            target=_worker,
            daemon=True,
            args=(
                spec,
                isolated,
                frame.iloc[indices],
                indices.tolist(),
                seed,
                child,
                self.position,
            ),
        )
        self.proc.start()
        child.close()  # ours: so the parent sees EOF when the process dies

    def finish(self) -> None:
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5)
        self.conn.close()


def _failed_rows(
    indices: Sequence[int] | np.ndarray,
    seed: int,
    message: str,
    *,
    error_type: str = "ReplayWorkerError",
) -> list[dict[str, Any]]:
    return [
        {
            "row": int(i),
            "request_id": request_id(seed, int(i)),
            "outcome": "replay-error",
            "status": None,
            "cache": "Error",
            "error_type": error_type,
            "error_message": message,
        }
        for i in indices
    ]


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
    ("duration_ms", "float64"),
    ("response_bytes", "Int64"),
    ("response_header_bytes", "Int64"),
)


_STATUS_COLUMNS = ("status", "origin_status", "original_status")


def _frame(
    traffic: pd.DataFrame, rows: list[dict[str, Any]], latency: LatencyModel | None
) -> pd.DataFrame:
    got = pd.DataFrame.from_records(rows) if rows else pd.DataFrame({"row": []})
    got = got.sort_values("row", kind="stable").reset_index(drop=True)
    if len(got) != len(traffic) or (
        len(got) and not np.array_equal(got["row"].to_numpy(), np.arange(len(traffic)))
    ):
        raise AssertionError("replay lost or duplicated rows; this is a bug in edgelab")
    out = traffic[list(CARRIED)].reset_index(drop=True).copy()
    for col, dtype in RESULT_COLUMNS:
        values = got[col] if col in got else pd.Series([None] * len(got), dtype=object)
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
        out[col] = (
            values.array if dtype == "category" or col in _STATUS_COLUMNS else values.to_numpy()
        )
    # without a viewer-request function the edge sees the viewer's uri
    no_vreq = out["edge_uri"].isna().to_numpy()
    if no_vreq.any():
        out["edge_uri"] = (
            out["edge_uri"]
            .astype(object)
            .where(~no_vreq, out["uri"].astype(object))
            .astype("category")
        )
        out["edge_querystring"] = (
            out["edge_querystring"]
            .astype(object)
            .where(~no_vreq, out["querystring"].astype(object))
            .astype("category")
        )
    # the latency model reads the summed function time as duration_ms
    lat = estimate_latency(
        out.rename(columns={"duration_ms": "chain_ms", "handler_ms": "duration_ms"}), latency
    )
    for col in LATENCY_COLUMNS:
        out[col] = lat[col].to_numpy()
    for col in traffic.columns:  # where a log row came from, and what CloudFront logged
        if col in ("source_file", "source_line") or str(col).startswith("log_"):
            out[col] = traffic[col].reset_index(drop=True)
    return out


def comparable(results: pd.DataFrame) -> pd.DataFrame:
    """``results`` without :data:`MEASURED_COLUMNS`: equal for equal inputs and seed."""
    return results.drop(columns=[c for c in MEASURED_COLUMNS if c in results.columns])
