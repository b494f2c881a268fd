"""Replay worker processes, partitioned by cache: N workers give the one-worker results.

Each worker process loads its own distribution once and keeps it (its caches, its warm
function containers) for the whole replay; the parent sends it one job per chunk.
A chunk runs in two phases:

1. **front** (rows dealt out to the workers in turn): each row runs the stages in front
   of the cache (viewer protocol policy, allowed methods, viewer request, CloudFront
   headers, default root object) up to the cache key, and stops there. The row's
   *partition key* is (the deployment, primary or staging; the regional edge cache its
   edge location uses, or the edge location when it has none; the cache key): every
   cache entry a request can read or write (its POP's and its regional edge cache's)
   belongs to one partition key. What
   each function returned in this phase is recorded on a *tape*; the calls of a
   function with a round trip (isolated Python, Node.js) are gathered and sent in one
   batch per piece of rows (:meth:`Tape.front_keys`).
2. **back** (rows by owner): a stable hash (CRC-32) of the partition key picks the
   worker that owns the row; each worker runs its rows through the whole chain in time
   order, the functions of the front stages answered from the tape (they are not run
   twice). A row that never reached the cache (a generated response, an edge refusal,
   an input error) goes to the worker its row number picks.

A stage added in front of the cache must be deterministic for a request and reach
functions only through ``bound.handler`` (so the tape sees the calls); :class:`Tape`
swaps the stacks of the staging copy's behaviours too (continuous deployment routes a
request there before the cache).

Each worker owns disjoint cache entries and sees them in the same order as one process
would, so the results equal a one-worker run but for what is measured (durations, cold
starts: each worker has its own containers).

Supervision: every wait is bounded; a worker that dies (an in-process handler that
called ``os._exit``, a crash in native code) costs the row it was running, which gets a
``replay-error`` row (``ReplayWorkerDied``); its other unfinished rows run again in a
new process (whose caches start empty).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import multiprocessing.connection as mp_connection
import signal
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from ..edge.caching import EdgeCache
from ..edge.chain import STACK, build_stack
from ..runtimes.base import Call, Handler, RawResult

_PIECE = 500  # rows a worker sends back at a time

Row = dict[str, Any]
TapeKey = tuple[str, str]  # (event type, request id)


class _AtCache(Exception):
    """Raised where the cache stands, with the partition key (a signal, not an error)."""

    def __init__(self, key: str) -> None:
        self.key = key


class _KeyProbe(EdgeCache):
    """Stands where the cache stands: works out the partition key and stops the chain."""

    def __call__(self, ex: Any) -> Any:
        pop = ex.viewer.edge_location
        group = self.dist.regional_for(pop) or f"edge:{pop}"
        # the staging copy has caches of its own: its keys are another partition
        raise _AtCache(repr((ex.deployment, group, self.key_for(ex))))


FRONT = (*STACK[: STACK.index(EdgeCache)], _KeyProbe)


class _NeedCall(Exception):
    """A function call the front phase gathers into a batch (the row runs again after)."""


class _Taped(Handler):
    """A handler whose calls are recorded, gathered into batches, or answered from the
    tape. Only handlers with a round trip (isolated Python, Node.js) are batched: an
    in-process handler gains nothing from it, and runs at once so that a handler that
    ends its process is known by its row."""

    def __init__(self, inner: Handler, tape: Tape) -> None:
        self.inner, self.tape = inner, tape
        self.language, self.spec = inner.language, inner.spec
        self.function_name = inner.function_name
        self.batches = type(inner).invoke_many is not Handler.invoke_many

    @staticmethod
    def _key(call: Call) -> TapeKey:
        conf = call.event["Records"][0]["cf"]["config"]
        return conf["eventType"], conf["requestId"]

    def invoke(self, call: Call) -> RawResult:
        key = self._key(call)
        raw = self.tape.replaying.get(key)
        if raw is None:
            if self.tape.collecting is not None and self.batches:
                self.tape.collecting.append((self, key, call))
                raise _NeedCall
            raw = self.inner.invoke(call)
        if self.tape.recording is not None:
            self.tape.recording.append((key, raw))
        return raw

    def reset(self) -> None:
        self.inner.reset()

    def close(self) -> None:
        self.inner.close()


Taped = list[tuple[TapeKey, RawResult]]


class Tape:
    """The taped handlers of a distribution, and the front stacks of its behaviours."""

    def __init__(self, dist: Any) -> None:
        self.dist = dist
        self.recording: Taped | None = None
        self.collecting: list[tuple[_Taped, TapeKey, Call]] | None = None
        self.replaying: dict[TapeKey, RawResult] = {}
        self.wrapped: dict[int, _Taped] = {}
        staging = getattr(dist, "staging", None)
        #: the primary and, under continuous deployment, the staging copy (its own
        #: behaviours, functions and caches: its requests are taped and stopped at its
        #: cache the same way)
        self.distributions = [dist] + ([staging.distribution] if staging is not None else [])
        self.behaviors = [b for d in self.distributions for b in d.behaviors]
        for b in self.behaviors:
            for bound in b.bound.values():
                h = bound.handler
                if id(h) not in self.wrapped:
                    self.wrapped[id(h)] = _Taped(h, self)
                bound.handler = self.wrapped[id(h)]
        self.front = {
            id(b): build_stack(d, FRONT, b) for d in self.distributions for b in d.behaviors
        }

    @property
    def batches(self) -> bool:
        """Whether a function in front of the cache (viewer request) has a round trip
        to batch."""
        return any(
            isinstance(bound.handler, _Taped) and bound.handler.batches
            for b in self.behaviors
            for trig, bound in b.bound.items()
            if trig.is_request and not trig.sees_origin
        )

    def remove(self) -> None:
        """Give the distributions their own handlers back."""
        for b in self.behaviors:
            for bound in b.bound.values():
                if isinstance(bound.handler, _Taped):
                    bound.handler = bound.handler.inner

    @contextmanager
    def front_stacks(self) -> Iterator[None]:
        saved = [(b, b.stack) for b in self.behaviors]
        for b in self.behaviors:
            b.stack = self.front[id(b)]
        try:
            yield
        finally:
            for b, stack in saved:
                b.stack = stack

    def _probe(self, viewer: Any) -> tuple[str, str | None, Taped]:
        """("key" | "done" | "need", partition key, the calls taped) of one request."""
        self.recording = []
        try:
            self.dist.send(viewer)
        except _AtCache as at:
            return "key", at.key, self.recording
        except _NeedCall:
            return "need", None, []
        except Exception:  # the back phase makes its replay-error row
            return "done", None, []
        finally:
            taped, self.recording = self.recording, None
        return "done", None, taped

    def front_keys(
        self, viewers: Sequence[Any], position: Any = None
    ) -> list[tuple[str | None, Taped]]:
        """The partition key and taped calls of each request (None: an input error) by
        the stages in front of the cache, their functions' calls batched: every request
        runs up to its first call not yet answered; the calls gathered go to each
        function in one round trip (in time order); the requests run again, answered from
        the tape, until each reaches the cache or an answer."""
        out: list[tuple[str | None, Taped]] = [(None, [])] * len(viewers)
        pending = [k for k, v in enumerate(viewers) if v is not None]
        with self.front_stacks():
            try:
                while pending:
                    self.collecting, needs = [], []
                    for k in pending:
                        if position is not None:
                            position.value = k
                        status, key, taped = self._probe(viewers[k])
                        if status == "need":
                            needs.append(k)
                        else:
                            out[k] = (key, taped)
                    gathered, self.collecting = self.collecting, None
                    by_handler: dict[int, list[tuple[_Taped, TapeKey, Call]]] = {}
                    for item in gathered:
                        by_handler.setdefault(id(item[0]), []).append(item)
                    for items in by_handler.values():
                        answers = items[0][0].inner.invoke_many([c for _, _, c in items])
                        for (_, tkey, _), raw in zip(items, answers, strict=True):
                            self.replaying[tkey] = raw
                    pending = needs
            finally:
                self.collecting = None
                self.replaying = {}
        return out


def owner_of(key: str | None, row: int, workers: int) -> int:
    """The worker that owns a row: a stable hash of its partition key."""
    if key is None:
        return row % workers
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % workers


# -- the worker process ---------------------------------------------------------------------


def _serve(spec: Any, isolated: bool | None, seed: int, conn: Any, position: Any) -> None:
    """A worker: load the distribution, then run jobs until told to stop."""
    from .replay import _open, _run_rows, _viewer_request, _viewers, request_id

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the replay
    try:
        dist, _ = _open(spec, isolated)
    except BaseException as exc:
        with contextlib.suppress(BaseException):
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    tape = Tape(dist)
    try:
        while True:
            job = conn.recv()
            if job[0] == "stop":
                break
            kind, frame, rows, tapes = job
            try:
                viewers = _viewers(frame)
                if kind == "front":
                    for start in range(0, len(rows), _PIECE):
                        requests = [
                            None
                            if v["problem"] is not None
                            else _viewer_request(v, request_id(seed, i), dist.edge_location)
                            for v, i in zip(
                                viewers[start : start + _PIECE],
                                rows[start : start + _PIECE],
                                strict=True,
                            )
                        ]
                        keys = tape.front_keys(requests, _Offset(position, start))
                        conn.send(
                            (
                                "front",
                                [
                                    (i, key, taped)
                                    for i, (key, taped) in zip(
                                        rows[start : start + _PIECE], keys, strict=True
                                    )
                                ],
                            )
                        )
                else:
                    tape.replaying = tapes
                    for start in range(0, len(rows), _PIECE):
                        piece = _run_rows(
                            dist,
                            viewers[start : start + _PIECE],
                            rows[start : start + _PIECE],
                            seed,
                            position=_Offset(position, start),
                        )
                        conn.send(("rows", piece))
                    tape.replaying = {}
                conn.send(("done", None))
            except Exception as exc:  # the rest of the job failed: the parent makes rows
                conn.send(("failed", f"{type(exc).__name__}: {exc}"))
    except (EOFError, OSError, KeyboardInterrupt):
        pass
    finally:
        dist.close()


class _Offset:
    """A shared position counter seen through an offset (a piece of a job's rows)."""

    __slots__ = ("offset", "shared")

    def __init__(self, shared: Any, offset: int) -> None:
        self.shared, self.offset = shared, offset

    @property
    def value(self) -> int:
        return self.shared.value - self.offset

    @value.setter
    def value(self, k: int) -> None:
        self.shared.value = k + self.offset


class _Worker:
    """One worker process and the job it is running."""

    def __init__(self, ctx: Any, spec: Any, isolated: bool | None, seed: int) -> None:
        self.position = ctx.Value("q", -1, lock=False)
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(
            target=_serve, daemon=True, args=(spec, isolated, seed, child, self.position)
        )
        self.proc.start()
        child.close()  # ours: so the parent sees EOF when the process dies
        self.job: tuple[str, pd.DataFrame, list[int], dict[TapeKey, RawResult]] | None = None
        self.received = 0

    def start(self, kind: str, frame: pd.DataFrame, rows: list[int], tapes: Any) -> None:
        self.job, self.received = (kind, frame, rows, tapes), 0
        self.position.value = -1
        self.conn.send(self.job)

    def stop(self, wait: float = 10) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(("stop",))
        self.proc.join(timeout=wait)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5)
        self.conn.close()


def failed_rows(
    indices: Sequence[int] | np.ndarray,
    seed: int,
    message: str,
    *,
    error_type: str = "ReplayWorkerError",
) -> list[Row]:
    from .replay import request_id

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


class Pool:
    """N worker processes partitioned by cache (see the module docstring); with
    ``partitioned=False`` one supervised process runs every row (no front phase)."""

    def __init__(self, spec: Any, isolated: bool | None, workers: int, seed: int) -> None:
        self.spec, self.isolated, self.seed = spec, isolated, seed
        self.ctx = mp.get_context("spawn")
        self.workers = [_Worker(self.ctx, spec, isolated, seed) for _ in range(workers)]

    def close(self, abort: bool = False) -> None:
        """Stop the workers (``abort``: at once, mid-job, as after Ctrl-C)."""
        for w in self.workers:
            w.stop(wait=2 if abort else 10)

    def run(self, frame: pd.DataFrame, rows: np.ndarray, tick: Callable[[list[Row]], None]) -> None:
        """Run one chunk (rows in time order); ``tick`` gets every result row, in pieces."""
        n = len(self.workers)
        done: list[Row] = []
        if n == 1:
            jobs = {0: np.arange(len(rows))}
            tapes: dict[int, dict[TapeKey, RawResult]] = {0: {}}
        else:
            keys: dict[int, tuple[str | None, list[Any]]] = {}

            def front(piece: list[Any]) -> None:
                for i, key, taped in piece:
                    keys[i] = (key, taped)

            def front_lost(piece: list[Row]) -> None:
                done.extend(piece)
                tick(piece)

            deals = {w: np.arange(w, len(rows), n) for w in range(n)}
            self._phase("front", frame, rows, deals, {}, front, front_lost)
            lost = {r["row"] for r in done}
            pos = {int(i): k for k, i in enumerate(rows)}
            by_owner: dict[int, list[int]] = {w: [] for w in range(n)}
            tapes = {w: {} for w in range(n)}
            for i in rows.tolist():
                if i in lost:
                    continue
                key, taped = keys[i]
                w = owner_of(key, i, n)
                by_owner[w].append(pos[i])
                tapes[w].update(taped)
            jobs = {w: np.array(p, dtype=np.int64) for w, p in by_owner.items()}
        self._phase("back", frame, rows, jobs, tapes, tick, tick)

    def _phase(
        self,
        kind: str,
        frame: pd.DataFrame,
        rows: np.ndarray,
        jobs: dict[int, np.ndarray],
        tapes: dict[int, dict[TapeKey, RawResult]],
        got: Callable[[list[Any]], None],
        lost: Callable[[list[Row]], None],
    ) -> None:
        running: set[int] = set()
        for w, positions in jobs.items():
            if len(positions):
                self.workers[w].start(
                    kind, frame.iloc[positions], rows[positions].tolist(), tapes.get(w, {})
                )
                running.add(w)
        while running:
            ready = mp_connection.wait([self.workers[w].conn for w in running], timeout=0.5)
            for w in list(running):
                worker = self.workers[w]
                if worker.conn in ready:
                    try:
                        what, payload = worker.conn.recv()
                    except (EOFError, OSError):  # the process is gone
                        self._died(w, lost, running)
                        continue
                    if what in ("front", "rows"):
                        got(payload)
                        worker.received += len(payload)
                        continue
                    running.discard(w)
                    if what == "failed":
                        assert worker.job is not None
                        rest = worker.job[2][worker.received :]
                        lost(failed_rows(rest, self.seed, payload))
                        if not worker.proc.is_alive() or worker.received == 0:
                            self._respawn(w)
                elif not worker.proc.is_alive() and not worker.conn.poll():
                    self._died(w, lost, running)  # dead, nothing more to read

    def _respawn(self, w: int) -> None:
        old = self.workers[w]
        old.stop(wait=1)
        self.workers[w] = _Worker(self.ctx, self.spec, self.isolated, self.seed)

    def _died(self, w: int, lost: Callable[[list[Row]], None], running: set[int]) -> None:
        worker = self.workers[w]
        assert worker.job is not None
        kind, frame, rows, tapes = worker.job
        worker.proc.join(timeout=5)  # EOF can come before the exit status
        code = worker.proc.exitcode
        running.discard(w)
        self._respawn(w)
        rest = rows[worker.received :]
        if not rest:
            return
        culprit = max(worker.position.value, worker.received - 1)
        if culprit < worker.received:  # died before running a row of its own
            lost(
                failed_rows(
                    rest,
                    self.seed,
                    f"the replay worker process exited (code {code}) before running a row",
                )
            )
            return
        lost(
            failed_rows(
                [rows[culprit]],
                self.seed,
                f"the replay worker process died (exit code {code}) while running this row: a "
                "handler running in-process ended or crashed the process (run Python handlers "
                "isolated, the default, to get a 500 for this request instead); the replay went "
                "on in a new process",
                error_type="ReplayWorkerDied",
            )
        )
        again = [*range(worker.received, culprit), *range(culprit + 1, len(rows))]
        if again:
            self.workers[w].start(kind, frame.iloc[again], [rows[k] for k in again], tapes)
            running.add(w)
