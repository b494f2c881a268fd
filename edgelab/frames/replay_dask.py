"""The replay engine on Dask: N workers give the one-worker results.

``workers=N`` starts a local Dask cluster (N worker processes, one thread each) for the
replay and closes it after; ``scheduler="tcp://host:port"`` uses an existing cluster
instead (its workers are the N). dask and distributed are the ``edgelab[dask]`` extra,
imported only here, once a replay asks for workers.

Each worker loads the distribution once (a worker plugin,
:class:`~.replay_dask_worker.WarmDistribution`) and keeps it, its caches and warm
function containers, for the whole replay. A worker owns cache entries, so that it sees
them in the order one process would; rows reach their owner one of two ways:

- **by group** (:meth:`DaskEngine._by_group`): every entry a request can read or write
  is in its edge location's cache or its regional edge cache (the staging copy's too),
  so a *group*, the edge locations that use one regional edge cache (an edge location
  without one is a group of its own), can belong to one worker. The first chunk's groups
  are dealt to the *slots* (one per worker; slot -> worker address is fixed at the start,
  a replacement takes its slot) largest first, each to the slot with the fewest rows so
  far; a group keeps its slot for the replay, one first seen later goes to the slot with
  the fewest rows. Each row runs once, whole, on its group's worker
  (:func:`~.replay_dask_worker.own_task`), and the chunks stream: the next chunk's
  pieces are queued behind the current ones, so the workers do not wait while this
  process writes a chunk and reads the next.
- **by cache key**: each chunk runs in the two phases of :mod:`.replay_tape`: the front
  phase deals the rows to the workers in turn, then every row goes to the worker that
  owns its partition key (:func:`~.replay_tape.owner_of` picks a slot), in time order,
  the front stages' functions answered from the tape; one chunk after the other.

Which one: the first chunk's shape decides for the whole replay, by the cost rule of
:mod:`.replay_route` (the rows the busiest slot would own by group, the workers, the
cores this process shares with them on a local cluster, whether the distribution's
functions run in the worker's process): by group unless by cache key is modelled
clearly faster. The replay's summary (``ReplayRun.notes``, the CLI's ``note:`` lines)
says which path ran and why (:attr:`DaskEngine.notes`); :data:`FORCE` overrides the
rule (benchmarks, tests).

Tasks are pieces of at most :data:`PIECE` rows; each slot has up to :data:`AHEAD` of
them on its worker, which runs them in the order they were submitted (each task's Dask
priority is its submission number: no dependency between them, so no round trip to the
scheduler between two). A task is a coroutine function, so a worker runs it in its event
loop, the process's main thread: an in-process handler's timeout is the ``SIGALRM`` of
one process (no crossing to a handler thread for each call), and the task hands the
loop back every :data:`~.replay_dask_worker.BREATHE` rows so the worker keeps sending
results and heartbeats. A piece travels as the plain values its rows need
(:func:`~.replay.viewer_columns`, worked out once a chunk), pickled here into one bytes
object (numpy arrays given to Dask as a task's arguments stayed alive in this process,
which grew by about 1.4 KB a row), and comes back as columns (:func:`~.replay.columns_of`),
pickled by the worker into one bytes object too (Dask walks a dict of columns, measures
it and pickles it column by column); the chunk's frame is made here, once.

Supervision: every wait is bounded. A worker that dies (an in-process handler that
called ``os._exit``, a crash in native code) costs the row it was running: that row
gets a ``replay-error`` row (``ReplayWorkerDied``, with the exit code the nanny saw),
and the other rows of the lost pieces run again on the slot's replacement worker (the
local cluster's nanny starts one; the scheduler does not retry a task that killed a
worker: ``allowed-failures`` is 0), in the new process (whose caches start empty). A
worker of the replay's own cluster marks the row it is running in a small shared file
(:class:`~.replay_dask_worker.RowMark`), so the row that killed it is read, not
searched: the rows before it run again as one task, then the row alone, then the rest;
on a cluster without marks the lost piece runs again one row per task until one kills
its worker. Results of finished tasks that went with a dead worker are not waited for
(:meth:`DaskEngine._dead_slots`; a gather is bounded by :data:`GATHER_SECONDS`).

The supervised one-worker cluster (``supervised``: a definition file whose Python
handlers run in-process, one worker) is made to cost what one process costs: its worker
is a *fork* of this process (:data:`FORKED_CONFIG`; nothing imported again, about a
second of CPU less than a spawned worker), with every object of this process frozen out
of the child's garbage collections (:func:`_frozen`); it forks while the cluster starts,
before this replay's tasks, so this process's other threads (Dask's event loop, idle,
waiting for the worker) hold no lock the child needs, and a fork that does not start
within :data:`REPLACE_SECONDS` gives way to a spawned worker. A replacement after a
death is spawned, as N workers are. The dry run of the definition
(``check_distribution``, every Python handler imported in a process of its own) runs
only when that worker cannot load the distribution (:class:`NotLoaded`), to refuse it
with the same error as N workers would.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import itertools
import logging
import os
import pickle
import shutil
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..edge.tiers import CacheTiers
from ..errors import ConfigError
from .replay_io import Chunk
from .replay_route import Route, choose_path
from .replay_tape import TapeKey, owner_of

PIECE = 1000  # rows of a task at most: progress moves, a worker death loses little
#: the next chunk is read once fewer pieces than this (a slot) wait to be submitted
REFILL = 2
#: the path every replay's rows take, whatever the model says: "group", "key", or None
#: (the cost rule of :mod:`.replay_route` decides); for benchmarks and tests
FORCE: str | None = None
AHEAD = 8  # a slot's tasks in flight: its worker has work while this process writes
START_SECONDS = 60.0  # a local cluster's start, the workers of a scheduler
CONNECT_SECONDS = 10.0  # a scheduler's first answer
REPLACE_SECONDS = 60.0  # a dead worker's replacement (then its slot moves to another)
EXIT_CODE_SECONDS = 5.0  # a dead worker's exit code (a crash's comes from its nanny)
CLOSE_SECONDS = 10.0
#: a gather of finished tasks' results (from a live worker: milliseconds, or a block of
#: rows: its event loop answers between blocks); past it each is fetched alone
GATHER_SECONDS = 5.0
STALL_SECONDS = 2.0  # no task ended for this long: check that the workers are alive
_POLL = 0.5

Row = dict[str, Any]

LOG_LENGTH = "distributed.admin.low-level-log-length"

#: the local cluster's settings (its nannies pass them on to the worker processes)
LOCAL_CONFIG = {
    # a task that killed its worker is not run again on another: the replay finds the
    # row that did it and gives it a replay-error row
    "distributed.scheduler.allowed-failures": 0,
    # the workers' sampling profiler takes the GIL from the handlers every 10 ms
    "distributed.worker.profile.enabled": False,
    # each batched stream (client -> scheduler, scheduler -> worker) keeps its last 1,000
    # messages for debugging, task pieces included: 300-400 MB of a long replay's peak
    LOG_LENGTH: 16,
    # what a replay never uses, running on timers in each process (the scheduler and the
    # nannies here, the workers): the loop health check every 20 ms (500 ms, as Dask's
    # own test clusters), the system monitor every 500 ms (psutil readings for the
    # dashboard), work stealing (every task is pinned to its worker) and the active
    # memory manager (a task's result is fetched and released at once)
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.scheduler.work-stealing": False,
    "distributed.scheduler.active-memory-manager.start": False,
}


#: the supervised one-worker cluster's extra settings: its worker process is a fork of
#: this one (see :func:`_frozen`)
FORKED_CONFIG = {"distributed.worker.multiprocessing-method": "fork"}


@contextlib.contextmanager
def _frozen(frozen: bool) -> Iterator[None]:
    """While the worker forks: every object of this process in the collector's permanent
    generation (``gc.freeze``), so the child's collections never walk (and write to) the
    pages it shares with this process."""
    if not frozen:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class NotLoaded(Exception):
    """The supervised worker could not load the distribution (it raised, or its process
    ended while importing a handler): the replay's dry run then says why."""


@contextlib.contextmanager
def _quiet(name: str, quiet: bool) -> Iterator[None]:
    """Logger ``name`` says only what is critical meanwhile (when ``quiet``)."""
    logger = logging.getLogger(name)
    level = logger.level
    if quiet:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def require_dask() -> Any:
    """The ``distributed`` module, or a ConfigError naming the extra to install."""
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError as exc:
        raise ConfigError(
            "replay with workers > 1 (or a Dask scheduler) runs on Dask, which is not "
            f"installed ({exc}); install the extra: pip install 'edgelab[dask]' (or uv "
            "sync --extra dask), or replay with one worker"
        ) from None
    return distributed


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


@dataclass
class _Flight:
    """A chunk in flight: its rows, and what its jobs gave. Each piece goes to ``tick``
    and, kept (``keep``), to ``parts``; ``left``: the rows still to come. A front phase's
    jobs give their keys to ``tick`` and the rows they lost to ``gone``. (No callback
    refers back to its flight: a reference cycle would keep a chunk's rows and results
    until a full garbage collection.)"""

    chunk: Chunk
    tick: Callable[[Any], None]
    gone: Callable[[list[Row]], None] | None = None
    keep: bool = True
    parts: list[Any] = field(default_factory=list)
    left: int = 0
    columns: dict[str, np.ndarray] | None = None  # the rows as the workers read them

    def got(self, piece: Any) -> None:
        if self.keep:
            self.parts.append(piece)
            self.left -= _length(piece)
        self.tick(piece)

    def lost(self, rows: list[Row]) -> None:
        """Replay-error rows for rows a job could not give."""
        if self.gone is not None:
            self.gone(rows)
        else:
            self.got(rows)


@dataclass
class _Job:
    """A piece of a chunk's rows for one slot (``positions`` in the chunk's frame)."""

    kind: str  # "own" (rows by group), "front" or "back" (rows by cache key)
    positions: np.ndarray
    flight: _Flight
    tapes: dict[TapeKey, Any] = field(default_factory=dict)
    split: bool = False  # rows of a job lost with its worker, run again to find the culprit
    token: int = 0  # the task's number (its submission's), which its worker's mark names

    def again(self, positions: np.ndarray, tapes: dict[TapeKey, Any], split: bool) -> _Job:
        return _Job(self.kind, positions, self.flight, tapes, split)


class DaskEngine:
    """The replay's runner on a Dask cluster (see the module docstring)."""

    def __init__(
        self,
        spec: Any,
        isolated: bool | None,
        workers: int,
        seed: int,
        scheduler: str | None = None,
        *,
        supervised: bool = False,
    ) -> None:
        self.distributed = require_dask()
        #: one local worker that supervises in-process handlers: started by fork
        self.supervised = supervised and scheduler is None and workers == 1
        self.seed, self.scheduler = seed, scheduler
        #: regional edge cache (or edge location) -> its slot; None: rows go by cache key
        self.groups: dict[str, int] | None = None
        self.loads: list[int] = []  # rows given to each slot so far, by group
        self.by_key = False  # rows go by cache key (the cost rule, or no distribution)
        self.route: Route | None = None  # the path the first chunk chose, and why
        self.kind = "in-process"  # the distribution's functions (replay_route.COSTS)
        #: cores the parent and the workers share (a local cluster); None: each its own
        self.cores = _cores() if scheduler is None else None
        self.default_edge: str | None = None  # the distribution's, for rows without one
        self.flights: deque[_Flight] = deque()  # the chunks in flight, oldest first
        self.submitted = 0  # tasks submitted so far
        #: what a worker that died was running, as its mark says: (token, row position)
        self.dead_mark: tuple[int, int] | None = None
        self.name = f"edgelab-replay-{uuid.uuid4().hex}"
        self.cluster: Any = None
        self.client: Any = None
        self.exit_dir: str | None = None  # local cluster: where workers leave exit codes
        self.warm = False
        self.settled = threading.Event()  # a task ended
        try:
            self._start(workers)
            self._warm(spec, isolated)
        except BaseException:
            self.close(abort=True)
            raise

    # -- start and stop -----------------------------------------------------------------
    def _start(self, workers: int) -> None:
        distributed = self.distributed
        if self.scheduler is not None:
            self.client = _connect(distributed, self.scheduler)
            want = 1
        else:
            import dask

            self.cluster = self._local_cluster(workers)
            with dask.config.set(LOCAL_CONFIG):
                self.client = distributed.Client(
                    self.cluster, set_as_default=False, timeout=START_SECONDS
                )
            want = workers
        with contextlib.suppress(Exception):
            self.client.loop.asyncio_loop.set_exception_handler(_quiet_abandoned_gathers)
        try:
            self.client.wait_for_workers(want, timeout=START_SECONDS)
        except TimeoutError:
            raise ConfigError(
                f"the Dask cluster {self._where()} had no worker within {START_SECONDS:.0f} s "
                "(start some with: dask worker SCHEDULER_ADDRESS)"
            ) from None
        #: slot -> worker address, fixed for the replay (a replacement takes its slot)
        self.slots = sorted(self._alive())

    def _local_cluster(self, workers: int) -> Any:
        """A local cluster of ``workers`` processes. The supervised one's worker is a
        fork of this process (:data:`FORKED_CONFIG`); a fork that did not start within
        :data:`REPLACE_SECONDS` (a lock another thread of this process held when it
        forked) gives way to a spawned worker, as N workers are."""
        if self.supervised:
            with contextlib.suppress(Exception):
                return _local_cluster(
                    self.distributed, workers, FORKED_CONFIG, death_timeout=REPLACE_SECONDS
                )
        return _local_cluster(self.distributed, workers, {})

    def _warm(self, spec: Any, isolated: bool | None) -> None:
        from .replay_dask_worker import ExitCodes, WarmDistribution, default_edge

        if self.cluster is not None:  # the nannies we started tell how a worker died
            self.client.register_plugin(ExitCodes())
            self.exit_dir = tempfile.mkdtemp(prefix="edgelab-exits-")
        self.loads = [0] * len(self.slots)
        try:
            # a supervised worker's process may end importing a handler: the caller's dry
            # run then says why, better than the scheduler's log of the failed broadcast
            with _quiet("distributed.scheduler", self.supervised):
                self.client.register_plugin(
                    WarmDistribution(self.name, spec, isolated, self.exit_dir), name=self.name
                )
            self.warm = True
            self.default_edge, error, self.kind = self.client.submit(
                default_edge, self.name, workers=[self.slots[0]], pure=False
            ).result(timeout=START_SECONDS)
        except Exception as exc:
            if not (self.warm or self.supervised):
                raise
            error = f"{type(exc).__name__}: {exc}"
        if error is None:
            return
        if self.supervised:  # the caller finds out why (replay._runner)
            raise NotLoaded(error)
        self.by_key = True  # the distribution did not load there: its rows say why

    def close(self, abort: bool = False) -> None:
        """Unregister the plugin (the workers close their distributions), then close the
        client and the local cluster; bounded waits."""
        if self.client is not None and self.warm:
            with contextlib.suppress(Exception):
                self.client.unregister_worker_plugin(self.name)
            with contextlib.suppress(Exception):
                self.client.close(timeout=CLOSE_SECONDS)
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close(timeout=CLOSE_SECONDS)
        if self.exit_dir is not None:
            shutil.rmtree(self.exit_dir, ignore_errors=True)
        self.client = self.cluster = self.exit_dir = None

    @property
    def notes(self) -> list[str]:
        """What the replay's summary says of this engine: the path its rows took and
        why, once the first chunk chose it (with more than one worker, or forced)."""
        if self.route is None or (self.route.workers == 1 and not self.route.forced):
            return []
        return [self.route.note()]

    def _where(self) -> str:
        return self.scheduler if self.scheduler is not None else "started for the replay"

    def _alive(self) -> list[str]:
        return list(self.client.scheduler_info(n_workers=-1)["workers"])

    # -- the chunks ---------------------------------------------------------------------
    def stream(
        self, chunks: Iterator[Chunk], tick: Callable[[Any], None]
    ) -> Iterator[tuple[Chunk, list[Any]]]:
        """Run the chunks (rows in time order in each), giving each chunk's pieces of
        results as soon as they come (``tick``) and each chunk with its pieces once
        done, in order. Rows by group: the next chunk's pieces are queued behind the
        last ones of the chunk before, so the workers never wait for this process to
        write a chunk or read the next; rows by cache key: one chunk after the other."""
        source = iter(chunks)
        first = next(source, None)
        if first is None:
            return
        owned = None if self.by_key else self._by_group(first.frame)
        if owned is None:
            yield from self._keyed(itertools.chain([first], source), tick)
            return
        self.flights.clear()
        jobs: dict[int, deque[_Job]] = {s: deque() for s in range(len(self.slots))}
        self._queue(first, owned, jobs, tick)

        def refill(jobs: dict[int, deque[_Job]]) -> None:
            while sum(len(q) for q in jobs.values()) < REFILL * len(jobs):
                chunk = next(source, None)
                if chunk is None:
                    return
                self._queue(chunk, self._by_group(chunk.frame), jobs, tick)

        for _ in itertools.chain(self._rounds(jobs, refill), [None]):
            while self.flights and self.flights[0].left == 0:
                done = self.flights.popleft()
                yield done.chunk, done.parts
                release_freed_memory()
        assert not self.flights, "a chunk's rows never all came back"

    def _queue(
        self,
        chunk: Chunk,
        owned: dict[int, np.ndarray] | None,
        jobs: dict[int, deque[_Job]],
        tick: Callable[[Any], None],
    ) -> None:
        """A chunk's pieces behind those queued, each slot's rows in time order."""
        assert owned is not None  # the first chunk decided: rows go by group
        flight = _Flight(chunk, tick, left=len(chunk.rows))
        self.flights.append(flight)
        for s, p in owned.items():
            jobs[s].extend(_Job("own", p[k : k + PIECE], flight) for k in range(0, len(p), PIECE))

    def partial(self) -> list[tuple[Chunk, list[Any]]]:
        """The chunks in flight with the pieces they got (a replay stopped by Ctrl-C)."""
        return [(f.chunk, f.parts) for f in self.flights if f.parts]

    def _by_group(self, frame: pd.DataFrame) -> dict[int, np.ndarray] | None:
        """The positions each slot owns when rows go by group (the regional edge cache
        their edge location uses, or the edge location: module docstring), each new group
        to the slot with the fewest rows so far, the largest first; None, from the first
        chunk on, when the cost rule (:func:`~.replay_route.choose_path`) sends the rows
        by cache key instead."""
        groups = _row_groups(frame, self.default_edge or "")
        assigned, loads, slot_of = deal_groups(groups, self.groups or {}, self.loads)
        if self.groups is None and len(frame):  # the first chunk decides
            self.route = choose_path(loads, len(loads), self.cores, self.kind, force=FORCE)
            if self.route.path == "key":
                self.by_key = True
                return None
        self.groups, self.loads = assigned, loads
        return {s: np.flatnonzero(slot_of == s) for s in range(len(loads))}

    def _keyed(
        self, chunks: Iterator[Chunk], tick: Callable[[Any], None]
    ) -> Iterator[tuple[Chunk, list[Any]]]:
        """The chunks one after the other, rows by cache key."""
        for chunk in chunks:
            flight = _Flight(chunk, tick, left=len(chunk.rows))
            self.flights.append(flight)
            self._by_key(flight)
            self.flights.clear()
            yield chunk, flight.parts
            release_freed_memory()

    def _by_key(self, flight: _Flight) -> None:
        """One chunk, rows by cache key: the front phase, then each owner's rows."""
        keyed, taped = self._front(flight.chunk, flight.got)
        jobs = {
            s: deque(self._back_jobs(flight, positions, taped)) for s, positions in keyed.items()
        }
        for _ in self._rounds(jobs):
            pass

    @staticmethod
    def _back_jobs(flight: _Flight, positions: np.ndarray, taped: dict[int, Any]) -> list[_Job]:
        """An owner's rows in pieces, each with the taped calls of its rows."""
        rows, jobs = flight.chunk.rows, []
        for k in range(0, len(positions), PIECE):
            piece = positions[k : k + PIECE]
            tapes = {tk: raw for i in rows[piece].tolist() for tk, raw in taped.get(i, ())}
            jobs.append(_Job("back", piece, flight, tapes))
        return jobs

    def _front(
        self, chunk: Chunk, tick: Callable[[Any], None]
    ) -> tuple[dict[int, np.ndarray], dict[int, Any]]:
        """The front phase: rows dealt to the slots in turn; then the positions each slot
        owns, and each row's taped calls."""
        n, rows = len(self.slots), chunk.rows
        keys: dict[int, str | None] = {}
        taped: dict[int, Any] = {}
        lost: set[int] = set()

        def got(piece: list[Any]) -> None:
            for i, key, calls in piece:
                keys[i] = key
                if calls:
                    taped[i] = calls

        def gone(piece: list[Row]) -> None:
            lost.update(r["row"] for r in piece)
            tick(piece)

        flight = _Flight(chunk, got, gone, keep=False)
        jobs = {}
        for s in range(n):
            dealt = np.arange(s, len(rows), n)
            jobs[s] = deque(
                _Job("front", dealt[k : k + PIECE], flight) for k in range(0, len(dealt), PIECE)
            )
        for _ in self._rounds(jobs):
            pass
        by_owner: dict[int, list[int]] = {s: [] for s in range(n)}
        for k, i in enumerate(rows.tolist()):
            if i not in lost:
                by_owner[owner_of(keys[i], i, n)].append(k)
        return {s: np.array(p, dtype=np.int64) for s, p in by_owner.items()}, taped

    def _rounds(
        self,
        jobs: dict[int, deque[_Job]],
        refill: Callable[[dict[int, deque[_Job]]], None] | None = None,
    ) -> Iterator[None]:
        """Run the jobs, each slot's one after the other on its worker (:data:`AHEAD`
        in flight, each task depending on the one before, so the worker never waits for
        the parent between two); what a job gave goes to its flight. Yields after each
        wait; ``refill`` may queue more jobs before each."""
        running: dict[int, deque[tuple[Any, _Job]]] = {s: deque() for s in jobs}
        quiet = time.monotonic()  # when a task last ended
        try:
            while True:
                if refill is not None:
                    refill(jobs)
                if not (any(running.values()) or any(jobs.values())):
                    return
                self._launch(jobs, running)
                self.settled.wait(_POLL)
                self.settled.clear()
                if self._collect(jobs, running):
                    quiet = time.monotonic()
                elif any(running.values()) and time.monotonic() - quiet > STALL_SECONDS:
                    self._check_alive(running, jobs)
                    quiet = time.monotonic()
                yield
        finally:
            for flying in running.values():
                for future, _ in flying:
                    with contextlib.suppress(Exception):
                        future.cancel()

    def _launch(
        self, jobs: dict[int, deque[_Job]], running: dict[int, deque[tuple[Any, _Job]]]
    ) -> None:
        """Submit what each slot may have in flight (the rows of a piece lost with its
        worker run one at a time)."""
        for s, queue in jobs.items():
            flying = running[s]
            while queue and (
                not flying or (len(flying) < AHEAD and not (queue[0].split or flying[-1][1].split))
            ):
                job = queue.popleft()
                flying.append((self._submit(s, job), job))

    def _collect(
        self, jobs: dict[int, deque[_Job]], running: dict[int, deque[tuple[Any, _Job]]]
    ) -> bool:
        """Settle the tasks that ended, in each slot's order; whether any did. Their
        results are fetched together (one wait for every worker's)."""
        dead = self._dead_slots(running)
        done = [
            f
            for s, flying in running.items()
            if s not in dead
            for f, _ in flying
            if f.status == "finished"
        ]
        fetched: dict[str, Any] = {}
        if done:
            with contextlib.suppress(Exception):  # a worker is gone: each alone, below
                # (Client.gather's own call, bounded: a result held by a worker that has
                # just died is waited for forever)
                results = self.client.sync(
                    self.client._gather, done, callback_timeout=GATHER_SECONDS
                )
                fetched = {f.key: unpacked(r) for f, r in zip(done, results, strict=True)}
        ended = False
        for s, flying in running.items():
            while flying and flying[0][0].done():
                future, job = flying.popleft()
                ended = True
                if s in dead and future.status == "finished":  # its result went with it
                    self._lost_worker(s, job, jobs[s])
                    self._requeue(flying, jobs[s])
                elif not self._settle(s, future, job, jobs[s], fetched):
                    self._requeue(flying, jobs[s])
        return ended

    def _dead_slots(self, running: dict[int, deque[tuple[Any, _Job]]]) -> set[int]:
        """The slots whose worker died, as a task in flight on it says (it ended with
        the worker: killed, lost, cancelled). The results of their finished tasks went
        with the worker: fetching one would wait forever (Dask computes a lost result
        again, on that worker alone), so they are not fetched but run again."""
        dead = self._gone_processes(running)
        for s, flying in running.items():
            for future, _ in flying:
                status = future.status
                if status in ("pending", "finished"):
                    continue
                error = future.exception(timeout=GATHER_SECONDS) if status == "error" else None
                if self._died(error, status):
                    dead.add(s)
                    break
        return dead

    def _gone_processes(self, running: dict[int, deque[tuple[Any, _Job]]]) -> set[int]:
        """The busy slots of the replay's own cluster whose worker process has ended (it
        left its exit code, or its nanny's process at that address is not alive), before
        any task says so. (A nanny learns its new worker's address some time after the
        scheduler does: an address no nanny names is not taken for a dead one.)"""
        if self.cluster is None or self.exit_dir is None:
            return set()
        from .replay_dask_worker import exit_file

        with contextlib.suppress(Exception):  # (a nanny replacing its worker meanwhile)
            ended = {n.worker_address for n in self.cluster.workers.values() if not n.is_alive()}
            return {
                s
                for s, flying in running.items()
                if flying
                and (
                    self.slots[s] in ended or exit_file(Path(self.exit_dir), self.slots[s]).exists()
                )
            }
        return set()

    def _requeue(self, flying: deque[tuple[Any, _Job]], queue: deque[_Job]) -> None:
        """The jobs in flight behind one lost with its worker go back to the front of
        the slot's queue, in order, behind the lost job's own reruns (which
        :meth:`_lost_worker` queued at the very front); the one the dead worker's mark
        names as running is split at that row (:meth:`_split_at_mark`)."""
        split = 0
        while split < len(queue) and queue[split].split:
            split += 1
        again: list[_Job] = []
        for future, job in flying:
            with contextlib.suppress(Exception):
                future.cancel()
            again.extend(self._split_at_mark(job) or [job])
        for k, job in enumerate(again):
            queue.insert(split + k, job)
        flying.clear()
        self.dead_mark = None

    def _split_at_mark(self, job: _Job) -> list[_Job] | None:
        """``job`` as the rows before the row its dead worker's mark names, that row
        alone, and the rows after it, each run as one task (the lost job's reruns); None
        when the mark names another job or no row."""
        mark = self.dead_mark
        if mark is None or mark[0] != job.token or not 0 <= mark[1] < len(job.positions):
            return None
        parts = np.split(job.positions, [mark[1], mark[1] + 1])
        return [job.again(p, job.tapes, True) for p in parts if len(p)]

    def _submit(self, s: int, job: _Job) -> Any:
        from .replay import viewer_columns
        from .replay_dask_worker import back_task, front_task, own_task

        chunk, columns = job.flight.chunk, job.flight.columns
        if columns is None:  # what the workers read of each row, worked out once a chunk
            columns = job.flight.columns = viewer_columns(chunk.frame)
        # one opaque blob: Dask neither walks it nor keeps it (numpy arrays given as a
        # task's arguments stayed in this process: the parent grew by ~1.4 KB a row)
        piece = pickle.dumps(
            (
                {name: values[job.positions].tolist() for name, values in columns.items()},
                chunk.rows[job.positions].tolist(),
            ),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        args: tuple[Any, ...]
        job.token = self.submitted + 1
        if job.kind == "own":
            args = (own_task, self.name, piece, self.seed, job.token)
        elif job.kind == "front":
            args = (front_task, self.name, piece, self.seed)
        else:
            args = (back_task, self.name, piece, job.tapes, self.seed)
        self.submitted += 1
        future = self.client.submit(
            *args,
            workers=[self.slots[s]],
            allow_other_workers=False,
            pure=False,
            retries=0,
            # a worker runs its ready tasks by priority: the order they were submitted in
            priority=-self.submitted,
            key=f"{job.kind}-{uuid.uuid4().hex}",
        )
        future.add_done_callback(lambda _: self.settled.set())
        return future

    def _settle(
        self, s: int, future: Any, job: _Job, queue: deque[_Job], fetched: dict[str, Any]
    ) -> bool:
        """Give a finished job's rows (``fetched``: results already here, by key); False
        when its worker died (the jobs behind it on that worker are to run again)."""
        indices = job.flight.chunk.rows[job.positions]
        error: BaseException | None = None
        if future.key in fetched:
            job.flight.got(fetched[future.key])
            return True
        if future.status == "finished":
            try:
                result = future.result(timeout=START_SECONDS)
            except Exception as exc:  # the result could not be fetched: its worker is gone
                error = exc
            else:
                job.flight.got(unpacked(result))
                return True
        else:
            error = future.exception(timeout=START_SECONDS) if future.status == "error" else None
        if not self._died(error, future.status):
            job.flight.lost(failed_rows(indices, self.seed, f"{type(error).__name__}: {error}"))
            return True
        self._lost_worker(s, job, queue)
        return False

    def _check_alive(
        self, running: dict[int, deque[tuple[Any, _Job]]], jobs: dict[int, deque[_Job]]
    ) -> None:
        """A worker that died without its task being told (it died between two tasks, or
        a scheduler of ours would retry the task on that worker alone): its first job is
        lost as if it had died running it, the others run again."""
        alive = set(self._alive())
        for s, flying in running.items():
            if flying and self.slots[s] not in alive:
                future, job = flying.popleft()
                with contextlib.suppress(Exception):
                    future.cancel()
                self._lost_worker(s, job, jobs[s])
                self._requeue(flying, jobs[s])

    def _lost_worker(self, s: int, job: _Job, queue: deque[_Job]) -> None:
        """Slot ``s``'s worker died running ``job``, or after it ran it and before its
        result was fetched. A worker of the replay's own cluster marks the row it runs
        (:class:`~.replay_dask_worker.RowMark`): when the mark names a row of ``job``,
        the rows before it run again as one task on the replacement, then that row
        alone, then the rows after it; when it names a row of a job in flight behind
        ``job``, ``job`` runs again whole and that job is split so (:meth:`_requeue`).
        Without a mark, the piece runs again row by row. A single row that kills its
        worker is the culprit (a replay-error row), and the rest of its piece runs
        again as one task."""
        address = self.slots[s]
        code = self._exit_code(address)
        self.dead_mark = self._read_mark(address)
        self._replace(s)
        mark = self.dead_mark
        if mark is not None and mark[0] != job.token and mark[1] >= 0:
            # its worker died running a job behind this one: this one's rows ran, and
            # their results went with the worker
            queue.appendleft(job.again(job.positions, job.tapes, True))
            return
        parts = self._split_at_mark(job) if len(job.positions) > 1 else None
        if parts is not None:
            queue.extendleft(reversed(parts))
            return
        if len(job.positions) > 1:  # find the row that killed it: one row per task
            queue.extendleft(
                reversed(
                    [
                        job.again(job.positions[k : k + 1], job.tapes, True)
                        for k in range(len(job.positions))
                    ]
                )
            )
            return
        indices = job.flight.chunk.rows[job.positions]
        job.flight.lost(
            failed_rows(indices, self.seed, _death_message(code), error_type="ReplayWorkerDied")
        )
        rest: list[_Job] = []
        while queue and queue[0].split:
            rest.append(queue.popleft())
        if rest:
            queue.appendleft(
                job.again(
                    np.concatenate([j.positions for j in rest]),
                    {k: v for j in rest for k, v in j.tapes.items()},
                    False,
                )
            )

    def _read_mark(self, address: str) -> tuple[int, int] | None:
        """What the dead worker at ``address`` was running, as its mark says: (the task's
        token, the position of its row; -1: none), None when unknown."""
        if self.exit_dir is None:
            return None
        from .replay_dask_worker import read_mark

        return read_mark(Path(self.exit_dir), address)

    def _died(self, error: BaseException | None, status: str) -> bool:
        from distributed.scheduler import KilledWorker

        return isinstance(error, KilledWorker | OSError) or status in ("lost", "cancelled")

    def _exit_code(self, address: str) -> int | None:
        """The exit code of a worker process that ended: the one it left calling
        ``os._exit``, else as its nanny saw it (None when no nanny of ours watched it)."""
        if self.cluster is None or self.exit_dir is None:
            return None
        from .replay_dask_worker import exit_codes, exit_file

        deadline = time.monotonic() + EXIT_CODE_SECONDS
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                return int(exit_file(Path(self.exit_dir), address).read_text())
            with contextlib.suppress(Exception):
                for codes in self.client.run(exit_codes, nanny=True, on_error="ignore").values():
                    if isinstance(codes, dict) and address in codes:
                        return int(codes[address])
            time.sleep(0.1)
        return None

    def _replace(self, s: int) -> None:
        """Give slot ``s`` its dead worker's replacement (a new worker the cluster
        started); without one in time, a live worker takes the slot too (partitions stay
        disjoint: one process then holds the caches of two slots)."""
        known = set(self.slots)
        wait = REPLACE_SECONDS if self.cluster is not None else CONNECT_SECONDS
        deadline = time.monotonic() + wait
        while True:
            alive = self._alive()
            fresh = sorted(set(alive) - known)
            if fresh:
                self.slots[s] = fresh[0]
                return
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        others = sorted(set(alive) - {self.slots[s]})
        if not others:
            raise ConfigError(
                f"every worker of the Dask cluster {self._where()} is gone and none came back "
                f"within {wait:.0f} s; the replay cannot go on"
            )
        self.slots[s] = others[0]


def _quiet_abandoned_gathers(loop: Any, context: dict[str, Any]) -> None:
    """The client's event loop's exception handler: a gather given up after
    :data:`GATHER_SECONDS` (its worker died while sending results) leaves Dask's waits
    for them behind, which end with ``AllExit`` when the client closes; asyncio would
    print each as an exception never retrieved. Everything else is reported as usual."""
    if type(context.get("exception")).__name__ == "AllExit":
        return
    loop.default_exception_handler(context)


def unpacked(result: bytes) -> Any:
    """A task's result as the worker pickled it (:func:`~.replay_dask_worker.packed`:
    every task of the engine returns its result so)."""
    return pickle.loads(result)


def _local_cluster(distributed: Any, workers: int, config: dict[str, Any], **kwargs: Any) -> Any:
    """A local cluster of ``workers`` processes, one thread each, on loopback, with
    :data:`LOCAL_CONFIG` and ``config``; ``kwargs`` go to the nannies."""
    import dask

    forked = "distributed.worker.multiprocessing-method" in config
    with dask.config.set({**LOCAL_CONFIG, **config}), _frozen(forked):
        return _nannies_kept(distributed)(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
            host="127.0.0.1",
            # the scheduler serves HTTP (metrics) even without a dashboard, by default on
            # port 8787: a free loopback port instead, so two replays (or another Dask)
            # can run at once
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            **kwargs,
        )


@functools.cache
def _nannies_kept(distributed: Any) -> type:
    """``LocalCluster``, but one that never closes a nanny itself. Dask's cluster closes
    the nanny of a removed worker when, ``lost-worker-timeout`` (15 s) later, no worker
    of that name is registered. When a handler kills its worker again and again, that
    check can fall in the second or two the nanny takes to start the next worker: the
    nanny was closed, its slot had no worker any more, and a one-worker replay stopped
    ("every worker ... is gone"). Here a nanny keeps starting its worker again (the
    replay waits :data:`REPLACE_SECONDS` for each) until the replay closes the cluster.
    In a Dask without this private hook, Dask's own behaviour stays."""
    base = distributed.LocalCluster
    found = getattr(getattr(distributed.deploy, "Cluster", None), "_update_worker_status", None)
    if found is None:
        return base
    update: Callable[..., None] = found

    class NanniesKept(base):  # type: ignore[misc, valid-type]
        def _update_worker_status(self, op: str, msg: Any) -> None:
            if op == "remove":  # the bookkeeping, without the timer that closes a nanny
                update(self, op, msg)
            else:
                super()._update_worker_status(op, msg)

    return NanniesKept


def _cores() -> int:
    """The cores this process may run on (a container's limit too, where the system says)."""
    with contextlib.suppress(AttributeError, OSError):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _length(piece: Any) -> int:
    """The rows of a piece of results: columns (a worker's) or a list of rows."""
    return len(piece["row"]) if isinstance(piece, dict) else len(piece)


def _row_groups(frame: pd.DataFrame, default_edge: str) -> np.ndarray:
    """Each row's group: the regional edge cache its edge location uses (the
    distribution's edge location for a row without one), else the edge location, as
    :meth:`~.replay_tape.Tape._group` names it."""
    col = frame["edge_location"]
    values = col.astype(str).to_numpy(dtype=object) if len(col) else np.zeros(0, dtype=object)
    group = {}
    for v in set(values.tolist()):
        pop = str(v or default_edge)
        group[v] = repr(("group", CacheTiers.regional_for(pop) or f"edge:{pop}"))
    return np.array([group[v] for v in values.tolist()], dtype=object)


def deal_groups(
    groups: np.ndarray, assigned: Mapping[str, int], loads: Sequence[int]
) -> tuple[dict[str, int], list[int], np.ndarray]:
    """Rows dealt out by group (each row's group: :func:`_row_groups`): a group already
    ``assigned`` keeps its slot, each new one goes to the slot with the fewest rows so far
    (``loads``), the largest group first. (The groups' slots, the slots' rows with these,
    each row's slot.)"""
    names, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    slots, rows = dict(assigned), list(loads)
    for k in sorted(range(len(names)), key=lambda k: (-counts[k], names[k])):
        slot = slots.get(names[k])
        if slot is None:
            slot = slots[names[k]] = min(range(len(rows)), key=rows.__getitem__)
        rows[slot] += int(counts[k])
    return slots, rows, np.array([slots[g] for g in names], dtype=np.int64)[inverse]


def release_freed_memory() -> None:
    """Give the C heap's freed pages back to the system (glibc's ``malloc_trim``; a no-op
    elsewhere). This process's Dask threads (the event loop, its comms) allocate in
    malloc arenas of their own, which otherwise keep what every chunk's messages freed:
    measured, a 300,000-request replay on a one-worker local cluster peaked at 1,252 MB
    without this after each chunk and at 678 MB with it (one process: 436 MB at 100,000)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def _death_message(code: int | None) -> str:
    how = f"exit code {code}" if code is not None else "exit code unknown"
    return (
        f"the replay worker process died ({how}) while running this row: a handler running "
        "in-process ended or crashed the process (run Python handlers isolated, the "
        "default, to get a 500 for this request instead); the replay went on in a new process"
    )


def _connect(distributed: Any, address: str) -> Any:
    """A client of the scheduler at ``address``, or a ConfigError after a bounded wait."""
    if "://" not in address:
        raise ConfigError(
            f"--scheduler must be a Dask scheduler address such as tcp://10.0.0.5:8786; got "
            f"{address!r}"
        )
    try:
        import dask

        # this client's stream keeps few messages (LOCAL_CONFIG); the scheduler's are its own
        with dask.config.set({LOG_LENGTH: LOCAL_CONFIG[LOG_LENGTH]}):
            return distributed.Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(
            f"could not reach the Dask scheduler at {address} within {CONNECT_SECONDS:.0f} s "
            f"({type(exc).__name__}: {exc}); start one with `dask scheduler` and its workers "
            "with `dask worker ADDRESS`, and check the address and port"
        ) from None
