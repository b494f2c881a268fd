"""The stages after the cache, batched: rows of different cache partitions interleaved.

:func:`run_rows_batched` gives the rows :func:`edgelab.frames.replay._run_rows` gives
(same rows, same order, same ``position`` contract), faster when a function after the
cache (origin request, origin response, viewer response) has a round trip to a worker
process (Node.js, isolated Python): instead of one round trip per call, the calls that
rows are waiting on go to each function in one :meth:`~edgelab.runtimes.base.Handler.invoke_many`
round trip.

How: each row's chain runs in its own greenlet (a coroutine of the ``greenlet`` C
extension: the chain's stages stay plain nested calls). A call to a function with a round
trip *parks* the row: its greenlet hands the call to the scheduler and waits. When every
runnable row is parked or done, the scheduler sends the parked calls to each function
in one round trip (in row order) and resumes the rows with their answers. Strictly one
greenlet runs at a time, and the schedule depends on the input only, so the results are
those of one row after the other, but for what is measured
(:data:`~edgelab.frames.replay.MEASURED_COLUMNS`).

Which rows may interleave: rows of one *partition* run one after another, in time
order; rows of different partitions interleave. The partition of a row is the key the
front phase found (:meth:`~edgelab.frames.replay_tape.Tape.front_keys`: deployment,
regional edge cache or edge location, cache key), so rows that share a cache entry never
overlap and see it in the order one row after the other would. A row that never reached
the cache (key None: a generated response, an edge refusal) is a partition of its own.
Two things reach cache entries that the front phase cannot name, and make its keys
coarser (:func:`~edgelab.frames.replay_tape.coarse_partitions`), the regional edge cache
(or edge location) the row's edge location uses, both deployments together, which the
Dask engine's owners follow too:

* a custom error page (:mod:`edgelab.edge.error_pages`) is fetched through its own
  behaviour's cache, under its own key, by whichever row got the error;
* a cache with ``max_entries`` evicts the least recently used entry: the order of
  every access to that cache decides what is evicted.

At most :data:`IN_FLIGHT` partitions are in flight at a time (their rows' greenlets
with their exchanges), so memory stays bounded whatever the piece size.

What the audit of the chain for per-distribution state found (state that a row parked
mid-chain would see changed by another row):

* the caches: per partition, above; the exchange (:class:`~edgelab.edge.exchange.Exchange`)
  carries everything else of a request (its clock ``now``, its behaviour, deployment,
  origin, attempts, notes); the stages keep only what they computed from the
  distribution's settings (``EdgeCache``'s plans per POP and method);
* continuous deployment's router draws from the request id (a replay always has one),
  not from its seeded stream; the response headers policy's Server-Timing sampling too;
* the tape (:class:`~edgelab.frames.replay_tape.Tape`): read only during this phase
  (``replaying``; ``recording`` and ``collecting`` are None), so parked rows share it
  safely;
* the outbound recorder (:class:`~edgelab.outbound.RecordedHandler`) takes the calls the
  sandbox saw while one invocation ran: it must make its calls one at a time, so it is
  called directly, never parked (it would gain nothing: its ``invoke_many`` is one call
  after another);
* the latency model: it runs after the rows, on their columns (the row's ``time`` is
  its clock, never the wall's), so the interleaving cannot touch it;
* timing: the trace's ``duration_ms`` (now minus the exchange's start) would count the
  time a row spent parked while others ran, so the row's ``duration_ms`` is replaced by
  its own time: its slices of running plus its share of each round trip it waited on;
  cold starts are each call's own (a function's calls still go to its one container);
* a function's module state: a function sees the calls of different partitions in
  another order than one row after the other (each function's calls of one partition
  keep their order). Results that depend on that order (a counter in module state)
  can differ from one row after the other. A choice: CloudFront runs concurrent
  requests in separate containers (up to the Regional concurrency quota,
  lambda-edge-facts §5), so it promises no order between requests either, and
  batching is what makes a Node.js replay fast. The README says so.

A handler that throws, times out or whose worker dies inside a batch costs only its own
call (``invoke_many`` gives one result per call); a handler whose ``invoke_many`` itself
raises is asked again one call at a time, and a call that raises again raises in its own
row (a ``replay-error`` row, as without batching).
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from collections.abc import Hashable, Sequence
from typing import Any

from greenlet import getcurrent, greenlet

from ..outbound import RecordedHandler
from ..runtimes.base import Call, Handler, RawResult
from ..triggers import Trigger
from .replay_tape import _Taped

__all__ = ["IN_FLIGHT", "batches_after_cache", "run_rows_batched"]

#: partitions in flight at a time (bounds the greenlets and exchanges kept)
IN_FLIGHT = 256

_AFTER_CACHE = (Trigger.ORIGIN_REQUEST, Trigger.ORIGIN_RESPONSE, Trigger.VIEWER_RESPONSE)


def _round_trip(h: Handler) -> bool:
    """Whether calls to ``h`` cross to a worker process and gain from a batch."""
    if isinstance(h, RecordedHandler):  # one call at a time: see the module docstring
        return False
    return type(h).invoke_many is not Handler.invoke_many


def _distributions(dist: Any) -> list[Any]:
    staging = getattr(dist, "staging", None)
    return [dist] + ([staging.distribution] if staging is not None else [])


def _slots(dist: Any) -> list[tuple[Any, str, Trigger]]:
    """(object, attribute, trigger) holding each function's handler: the bound trigger,
    or the tape's wrapper around it (the tape answers what the front phase ran)."""
    out = []
    for d in _distributions(dist):
        for b in d.behaviors:
            for trig, bound in b.bound.items():
                h = bound.handler
                if isinstance(h, _Taped):
                    out.append((h, "inner", trig))
                else:
                    out.append((bound, "handler", trig))
    return out


def batches_after_cache(dist: Any) -> bool:
    """Whether a function after the cache (origin request, origin response, viewer
    response) has a round trip to batch."""
    return any(
        trig in _AFTER_CACHE and _round_trip(getattr(obj, attr)) for obj, attr, trig in _slots(dist)
    )


class _Park(Handler):
    """Stands for a handler with a round trip: a call made inside a row's greenlet parks
    the row (the scheduler batches it); any other call goes straight through."""

    def __init__(self, inner: Handler, scheduler: greenlet) -> None:
        self.inner, self.scheduler = inner, scheduler
        self.language, self.spec = inner.language, inner.spec
        self.function_name = inner.function_name

    def invoke(self, call: Call) -> RawResult:
        if getcurrent().parent is not self.scheduler:
            return self.inner.invoke(call)
        raw: RawResult = self.scheduler.switch(("call", self, call))
        return raw

    def invoke_many(self, calls: Sequence[Call]) -> list[RawResult]:
        return self.inner.invoke_many(calls)

    def reset(self) -> None:
        self.inner.reset()

    def close(self) -> None:
        self.inner.close()


class _Installed:
    """The parking handlers put in place of the round-trip ones, for one run."""

    def __init__(self, dist: Any, scheduler: greenlet) -> None:
        self.saved: list[tuple[Any, str, Handler]] = []
        parks: dict[int, _Park] = {}
        for obj, attr, _ in _slots(dist):
            h = getattr(obj, attr)
            if isinstance(h, _Park) or not _round_trip(h):
                continue
            if id(h) not in parks:
                parks[id(h)] = _Park(h, scheduler)
            self.saved.append((obj, attr, h))
            setattr(obj, attr, parks[id(h)])

    def remove(self) -> None:
        for obj, attr, h in reversed(self.saved):
            setattr(obj, attr, h)


def _partitions(viewers: Sequence[dict[str, Any]], keys: Sequence[str | None]) -> list[Hashable]:
    """Each row's partition: the key the front phase gave it (already coarse when the
    distribution needs it: :func:`~.replay_tape.coarse_partitions`), or a partition of
    its own."""
    return [
        ("row", k) if v["problem"] is not None or key is None else ("key", key)
        for k, (v, key) in enumerate(zip(viewers, keys, strict=True))
    ]


def run_rows_batched(
    dist: Any,
    viewers: Sequence[dict[str, Any]],
    indices: Sequence[int],
    seed: int,
    keys: Sequence[str | None],
    position: Any = None,
) -> list[dict[str, Any]]:
    """:func:`~edgelab.frames.replay._run_rows` with the calls of functions that have a
    round trip batched across rows of different partitions (module docstring). ``keys[k]``
    is row k's partition key from the front phase (None: it never reached the cache)."""
    from .replay import _run_rows

    if len(keys) != len(viewers):
        raise ValueError(f"keys must have one key per row ({len(viewers)}); got {len(keys)}")
    run = _Schedule(dist, viewers, indices, seed, position)
    installed = _Installed(dist, run.scheduler)
    try:
        if not installed.saved:  # nothing to batch
            return _run_rows(dist, viewers, indices, seed, position)
        return run.all(_partitions(viewers, keys))
    finally:
        installed.remove()


class _Schedule:
    """The rows of one piece, their greenlets, and the rounds of batched calls."""

    def __init__(
        self,
        dist: Any,
        viewers: Sequence[dict[str, Any]],
        indices: Sequence[int],
        seed: int,
        position: Any,
    ) -> None:
        self.dist, self.viewers, self.indices = dist, viewers, indices
        self.seed, self.position = seed, position
        self.scheduler = getcurrent()
        self.out: list[dict[str, Any] | None] = [None] * len(viewers)
        self.spent = [0.0] * len(viewers)  # each row's own seconds
        self.rows: dict[int, greenlet] = {}
        self.ready: list[tuple[int, Any, bool]] = []  # heap: (row, what to send, throw)
        from .replay import _run_rows

        self.run_rows = _run_rows

    def row(self, k: int) -> tuple[str, dict[str, Any]]:
        """Row k's chain (in its greenlet): one row as ``_run_rows`` runs it."""
        got = self.run_rows(self.dist, [self.viewers[k]], [self.indices[k]], self.seed)
        return ("done", got[0])

    def all(self, parts: list[Hashable]) -> list[dict[str, Any]]:
        queues: dict[Hashable, deque[int]] = {}
        for k, p in enumerate(parts):
            queues.setdefault(p, deque()).append(k)
        waiting = deque(queues)  # partitions not yet started, by their first row
        active = 0
        while waiting and active < IN_FLIGHT:
            self.start(queues[waiting.popleft()][0])
            active += 1
        while self.ready:
            parked: list[tuple[int, _Park, Call]] = []
            while self.ready:
                k, send, throw = heapq.heappop(self.ready)
                what = self.step(k, send, throw)
                if what[0] == "call":
                    parked.append((k, what[1], what[2]))
                    continue
                self.finish(k, what[1])
                q = queues[parts[k]]
                q.popleft()
                if q:
                    self.start(q[0])
                elif waiting:
                    self.start(queues[waiting.popleft()][0])
            self.batch(parked)
        assert all(r is not None for r in self.out), "a batched row never finished"
        return [r for r in self.out if r is not None]

    def start(self, k: int) -> None:
        self.rows[k] = greenlet(lambda *_: self.row(k), parent=self.scheduler)
        heapq.heappush(self.ready, (k, None, False))

    def step(self, k: int, send: Any, throw: bool) -> Any:
        """Run row k until it parks or ends."""
        if self.position is not None:
            self.position.value = k
        g = self.rows[k]
        began = time.perf_counter()
        try:
            return g.throw(send) if throw else g.switch(send)
        finally:
            self.spent[k] += time.perf_counter() - began

    def finish(self, k: int, row: dict[str, Any]) -> None:
        del self.rows[k]
        if "duration_ms" in row:
            row["duration_ms"] = self.spent[k] * 1000
        self.out[k] = row

    def batch(self, parked: list[tuple[int, _Park, Call]]) -> None:
        """The parked calls, to each function in one round trip; the rows made ready."""
        by_handler: dict[int, list[tuple[int, _Park, Call]]] = {}
        for item in sorted(parked, key=lambda p: p[0]):
            by_handler.setdefault(id(item[1]), []).append(item)
        for items in by_handler.values():
            inner = items[0][1].inner
            began = time.perf_counter()
            answers = _answers(inner, [c for _, _, c in items])
            share = (time.perf_counter() - began) / len(items)
            for (k, _, _), answer in zip(items, answers, strict=True):
                self.spent[k] += share
                heapq.heappush(self.ready, (k, answer, isinstance(answer, BaseException)))


def _answers(h: Handler, calls: list[Call]) -> list[RawResult | Exception]:
    """One answer per call: ``invoke_many``'s, or when it raises, each call's own (an
    exception raised by a call is raised again in its row)."""
    try:
        return list(h.invoke_many(calls))
    except Exception:
        out: list[RawResult | Exception] = []
        for c in calls:
            try:
                out.append(h.invoke(c))
            except Exception as exc:
                out.append(exc)
        return out
