"""Batch replay: every row of a traffic set through a distribution, one result row each.

    >>> results = el.replay("distribution.toml", el.generate_traffic("shop", 10_000))

:func:`replay` turns each traffic row into a :class:`~edgelab.viewer.ViewerRequest`
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
import hashlib
import json
import multiprocessing as mp
import queue
import sys
import traceback
import types
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError
from .latency import LatencyModel, estimate_latency
from .traffic import TRAFFIC_COLUMNS, normalize_traffic, read_traffic
from .viewer import ViewerRequest

STAGES = (("viewer-request", "vreq"), ("origin-request", "oreq"),
          ("origin-response", "oresp"), ("viewer-response", "vresp"))
#: copied from the traffic row
CARRIED = ("time", "method", "host", "uri", "querystring", "device", "country", "city",
           "latitude", "longitude", "client_ip", "edge_location")
MEASURED_COLUMNS = ("duration_ms", "handler_ms", "origin_ms", "vreq_ms", "oreq_ms", "oresp_ms",
                    "vresp_ms", "logs", "cold_starts", "latency_functions_ms", "latency_ms")
DistributionLike = Any  # Distribution | str | Path | Callable[[], Distribution]


def request_id(seed: int, index: int) -> str:
    """A CloudFront-like request id (56 URL-safe base64 chars) derived from seed and row."""
    digest = hashlib.blake2b(f"{seed}:{index}".encode(), digest_size=42).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def _open(distribution: DistributionLike) -> tuple[Any, bool]:
    """(Distribution, whether we opened it and must close it)."""
    from .distribution import Distribution, load_distribution

    if isinstance(distribution, Distribution):
        return distribution, False
    if isinstance(distribution, str | Path):
        return load_distribution(distribution), True
    if callable(distribution):
        return distribution(), True
    raise ConfigError(f"distribution must be a Distribution, the path of a distribution.toml "
                      f"or a function that builds one; got {type(distribution).__name__}")


def _viewers(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Per-row plain values, converted column by column (fast for categoricals)."""
    cols = {c: frame[c].tolist() for c in TRAFFIC_COLUMNS if c != "time"}
    times = (frame["time"].astype("int64") / 1e9).tolist() if len(frame) else []
    return [dict(zip(cols, vals, strict=True), time=t)
            for vals, t in zip(zip(*cols.values(), strict=True), times, strict=True)]


def _viewer_request(v: dict[str, Any], rid: str, default_edge: str) -> ViewerRequest:
    headers = []
    for name, col in (("Host", "host"), ("User-Agent", "user_agent"),
                      ("Accept-Language", "accept_language"), ("Cookie", "cookie"),
                      ("Referer", "referer")):
        value = v[col]
        if value and isinstance(value, str):
            headers.append((name, value))
    body = v["body"]
    lat, lon = v["latitude"], v["longitude"]
    return ViewerRequest(
        uri=str(v["uri"]), method=str(v["method"] or "GET").upper(),
        querystring=str(v["querystring"] or ""), headers=headers,
        body=body.encode() if isinstance(body, str) and body else None,
        client_ip=str(v["client_ip"] or "203.0.113.178"),
        country=v["country"] or None, city=v["city"] or None,
        latitude=None if lat != lat else float(lat), longitude=None if lon != lon else float(lon),
        edge_location=str(v["edge_location"] or default_edge), request_id=rid, time=v["time"])


def _header_bytes(headers: dict[str, Any]) -> int:
    return sum(len(e.get("key") or name) + len(e.get("value", "")) + 4
               for name, elems in headers.items() for e in elems)


def _trace_row(trace: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "request_id": trace.request_id, "status": trace.status, "cache": trace.cache,
        "error_type": None, "error_message": None,
    }
    violations: list[dict[str, Any]] = []
    logs: list[str] = []
    handler_ms = 0.0
    cold = 0
    generated = None
    for s in trace.stages:
        short = _SHORT[s.trigger]
        seen = s.input if s.trigger in _REQUEST_TRIGGERS else None
        row[f"{short}_outcome"] = s.outcome
        row[f"{short}_ms"] = s.duration_ms
        if seen is not None:
            row[f"{short}_uri"] = seen.get("uri")
            row[f"{short}_querystring"] = seen.get("querystring")
        if s.trigger in _REQUEST_TRIGGERS and s.outcome == "response" and s.output:
            d = {"generated": {"status": s.output.get("status")}}  # not a request diff
        else:
            d = s.diff
        if d:
            row[f"{short}_changes"] = json.dumps(d, sort_keys=True, default=str)
        if s.error and row["error_type"] is None:
            row["error_type"] = s.error.get("type")
            row["error_message"] = s.error.get("message")
        if s.violations:
            violations += [v.to_dict() for v in s.violations]
        if s.logs:
            logs.append(f"[{s.trigger}] {s.logs}")
        handler_ms += s.duration_ms
        cold += bool(s.cold_start)
        out = s.output
        if s.trigger == "viewer-request" and s.outcome == "request" and out is not None:
            row["edge_uri"] = out.get("uri")
            row["edge_querystring"] = out.get("querystring")
        if s.outcome == "request" and out is not None:
            uri_qs = len(out.get("uri", "")) + len(out.get("querystring", ""))
            row[f"{short}_uri_qs_len"] = uri_qs
            row[f"{short}_request_bytes"] = uri_qs + _header_bytes(out.get("headers", {}))
        elif s.outcome == "response" and out is not None:
            size = _header_bytes(out.get("headers", {})) + len(str(out.get("body", "")))
            if s.trigger in _REQUEST_TRIGGERS:
                generated = s.trigger
                row[f"{short}_generated_bytes"] = size
            elif "body" in (d or {}):
                row[f"{short}_generated_bytes"] = size
    o = trace.origin
    if o is not None:
        row["origin_uri"] = o.request.get("uri")
        row["origin_querystring"] = o.request.get("querystring")
        row["origin_status"] = o.status
        row["origin_ms"] = o.duration_ms
        if o.error and row["error_type"] is None:
            row["error_type"] = "OriginError"
            row["error_message"] = o.error
    if trace.cache == "Error":
        row["outcome"] = "error" if row["error_type"] != "OriginError" else "origin-error"
    elif generated is not None or trace.cache == "LambdaGeneratedResponse":
        row["outcome"] = "generated"
    else:
        row["outcome"] = "served"
    row["violations"] = len(violations)
    row["violation_list"] = json.dumps(violations, default=str) if violations else ""
    row["logs"] = "".join(logs)
    row["handler_ms"] = handler_ms
    row["cold_starts"] = cold
    row["duration_ms"] = trace.duration_ms
    row["response_bytes"] = len(trace.body)
    row["response_header_bytes"] = _header_bytes(trace.response.get("headers", {}))
    return row


_SHORT = dict(STAGES)
_REQUEST_TRIGGERS = ("viewer-request", "origin-request")


def _run_rows(dist: Any, viewers: Sequence[dict[str, Any]], indices: Sequence[int], seed: int,
              tick: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Run rows (already in processing order); every row gives one dict with ``row``."""
    default_edge = dist.edge_location
    out = []
    pending = 0
    for v, i in zip(viewers, indices, strict=True):
        rid = request_id(seed, i)
        try:
            row = _trace_row(dist.send(_viewer_request(v, rid, default_edge)))
        except Exception as exc:  # a row the chain cannot take: an error row, never lost
            row = {"request_id": rid, "outcome": "replay-error", "status": None,
                   "cache": "Error", "error_type": type(exc).__name__,
                   "error_message": f"{exc}".strip() or traceback.format_exc(limit=1)}
        row["row"] = i
        out.append(row)
        pending += 1
        if tick is not None and pending >= 500:
            tick(pending)
            pending = 0
    if tick is not None and pending:
        tick(pending)
    return out


def _worker(spec: Any, frame: pd.DataFrame, indices: list[int], seed: int, part: int,
            q: Any) -> None:
    try:
        dist, _ = _open(spec)
        try:
            rows = _run_rows(dist, _viewers(frame), indices, seed,
                             lambda k: q.put(("tick", part, k)))
        finally:
            dist.close()
        q.put(("done", part, rows))
    except BaseException as exc:  # the whole partition failed: the parent makes error rows
        q.put(("failed", part, f"{type(exc).__name__}: {exc}"))


def _order(frame: pd.DataFrame) -> np.ndarray:
    """Row positions in time order (stable, so ties keep input order)."""
    return np.argsort(frame["time"].to_numpy("datetime64[ns]"), kind="stable")


def partition(frame: pd.DataFrame, workers: int) -> np.ndarray:
    """The worker that owns each row: a stable hash (CRC-32) of the viewer's uri."""
    uri = frame["uri"].astype("category")
    cat_hash = np.array([zlib.crc32(str(c).encode()) for c in uri.cat.categories],
                        dtype=np.int64)
    codes = uri.cat.codes.to_numpy()
    return np.where(codes >= 0, cat_hash[np.maximum(codes, 0)], 0) % workers


def replay(distribution: DistributionLike, traffic: pd.DataFrame | str | Path, *,
           workers: int = 1, progress: bool = True, seed: int = 0,
           latency: LatencyModel | None = None) -> pd.DataFrame:
    """Run every traffic row through ``distribution``; one result row per input row.

    ``distribution``: a Distribution, a distribution.toml path, or a picklable function
    that builds one (``workers > 1`` needs a path or a function: each worker process
    loads its own). ``traffic``: a DataFrame or a saved traffic set / access logs path.
    """
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
        if workers == 1 or n < 2:
            dist, opened = _open(distribution)
            try:
                order = _order(frame)
                viewers = _viewers(frame.iloc[order])
                rows = _run_rows(dist, viewers, order.tolist(), seed, bar.update)
            finally:
                if opened:
                    dist.close()
        else:
            from .distribution import Distribution

            if isinstance(distribution, Distribution):
                raise ConfigError("replay with workers > 1 needs the distribution as a "
                                  "distribution.toml path or a picklable function that builds "
                                  "it (each worker process loads its own); got a Distribution "
                                  "object")
            rows = _parallel(distribution, frame, workers, seed, bar)
    finally:
        bar.close()
    from .logs.reader import append_input_errors  # lines of a log that could not be used

    return append_input_errors(_frame(frame, rows, latency), frame.attrs.get("rejected"))


def _parallel(spec: Any, frame: pd.DataFrame, workers: int, seed: int, bar: Any
              ) -> list[dict[str, Any]]:
    owner = partition(frame, workers)
    order = _order(frame)
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs, parts = [], {}
    for w in range(workers):
        idx = order[owner[order] == w]
        parts[w] = idx
        if len(idx) == 0:
            continue
        p = ctx.Process(target=_worker, args=(spec, frame.iloc[idx], idx.tolist(), seed, w, q),
                        daemon=True)
        p.start()
        procs.append((w, p))
    rows: list[dict[str, Any]] = []
    left = {w for w, _ in procs}
    while left:
        try:
            kind, part, payload = q.get(timeout=1.0)
        except queue.Empty:
            for w, p in procs:
                if w in left and not p.is_alive() and p.exitcode not in (0, None):
                    rows += _failed_rows(parts[w], seed, f"worker process died (exit code "
                                                         f"{p.exitcode})")
                    left.discard(w)
            continue
        if kind == "tick":
            bar.update(payload)
        elif kind == "done":
            rows += payload
            left.discard(part)
        else:
            rows += _failed_rows(parts[part], seed, payload)
            left.discard(part)
    for _, p in procs:
        p.join(timeout=10)
    return rows


def _failed_rows(indices: np.ndarray, seed: int, message: str) -> list[dict[str, Any]]:
    return [{"row": int(i), "request_id": request_id(seed, int(i)), "outcome": "replay-error",
             "status": None, "cache": "Error", "error_type": "ReplayWorkerError",
             "error_message": message} for i in indices]


RESULT_COLUMNS = (
    ("row", "int64"), ("request_id", "str"), ("outcome", "category"), ("status", "Int64"),
    ("cache", "category"), ("error_type", "category"), ("error_message", "str"),
    *[(f"{s}_{k}", t) for _, s in STAGES for k, t in (
        ("outcome", "category"), ("ms", "float64"), ("uri", "category"),
        ("querystring", "category"), ("changes", "category"), ("uri_qs_len", "Int64"),
        ("request_bytes", "Int64"), ("generated_bytes", "Int64"))],
    ("edge_uri", "category"), ("edge_querystring", "category"),
    ("origin_uri", "category"), ("origin_querystring", "category"),
    ("origin_status", "Int64"), ("origin_ms", "float64"), ("violations", "int64"),
    ("violation_list", "str"), ("logs", "str"), ("handler_ms", "float64"),
    ("cold_starts", "int64"), ("duration_ms", "float64"), ("response_bytes", "Int64"),
    ("response_header_bytes", "Int64"),
)


def _frame(traffic: pd.DataFrame, rows: list[dict[str, Any]],
           latency: LatencyModel | None) -> pd.DataFrame:
    got = pd.DataFrame.from_records(rows) if rows else pd.DataFrame({"row": []})
    got = got.sort_values("row", kind="stable").reset_index(drop=True)
    if len(got) != len(traffic) or (len(got) and
                                    not np.array_equal(got["row"].to_numpy(),
                                                       np.arange(len(traffic)))):
        raise AssertionError("replay lost or duplicated rows; this is a bug in edgelab")
    out = traffic[list(CARRIED)].reset_index(drop=True).copy()
    for col, dtype in RESULT_COLUMNS:
        values = got[col] if col in got else pd.Series([None] * len(got), dtype=object)
        if dtype in ("int64",):
            values = pd.to_numeric(values, errors="coerce").fillna(0).astype("int64")
        elif dtype == "Int64":
            values = pd.to_numeric(values, errors="coerce").astype("Int64")
        elif dtype == "float64":
            values = pd.to_numeric(values, errors="coerce").astype("float64")
        elif dtype == "category":
            values = values.astype(object).where(values.notna(), None).astype("category")
        else:
            values = values.astype(object).where(values.notna(), "").astype(str)
        out[col] = values.to_numpy() if dtype != "category" else values.array
    # without a viewer-request function the edge sees the viewer's uri
    no_vreq = out["edge_uri"].isna().to_numpy()
    if no_vreq.any():
        out["edge_uri"] = out["edge_uri"].astype(object).where(~no_vreq, out["uri"].astype(
            object)).astype("category")
        out["edge_querystring"] = out["edge_querystring"].astype(object).where(
            ~no_vreq, out["querystring"].astype(object)).astype("category")
    # the latency model reads the summed function time as duration_ms
    lat = estimate_latency(out.rename(columns={"duration_ms": "chain_ms",
                                               "handler_ms": "duration_ms"}), latency)
    for col in ("latency_viewer_ms", "latency_origin_ms", "latency_functions_ms", "latency_ms"):
        out[col] = lat[col].to_numpy()
    for col in traffic.columns:  # where a log row came from, and what CloudFront logged
        if col in ("source_file", "source_line") or str(col).startswith("log_"):
            out[col] = traffic[col].reset_index(drop=True)
    return out


def comparable(results: pd.DataFrame) -> pd.DataFrame:
    """``results`` without :data:`MEASURED_COLUMNS`: equal for equal inputs and seed."""
    return results.drop(columns=[c for c in MEASURED_COLUMNS if c in results.columns])


class _CallableModule(types.ModuleType):
    """``el.replay`` is this function, but once ``edgelab.replay`` the module has been
    imported, Python's import system binds the package attribute to the module (the
    function is exported lazily, so the module cannot win by importing first). Making
    the module callable keeps ``el.replay(dist, traffic)`` working either way."""

    def __call__(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        return replay(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
