"""The replay engine on Dask: N workers give the one-worker results.

``workers=N`` starts a local Dask cluster (N worker processes, one thread each) for the
replay and closes it after; ``scheduler="tcp://host:port"`` uses an existing cluster
instead (its workers are the N). dask and distributed are the ``edgelab[dask]`` extra,
imported only here, once a replay asks for workers.

Each worker loads the distribution once (a worker plugin,
:class:`~.replay_dask_worker.WarmDistribution`) and keeps it, its caches and warm
function containers, for the whole replay. Each chunk runs in the two phases of
:mod:`.replay_tape`: the front phase deals the rows to the workers in turn, pieces of at
most :data:`PIECE` rows; then every row goes to the worker that owns its partition key
(:func:`~.replay_tape.owner_of` picks a *slot*; slot -> worker address is fixed at the
start, so an owner keeps its partitions for the whole replay, across chunks), in time
order, in pieces. A slot's pieces run one after the other: the next is submitted when
the previous one's rows are back (deterministic order; a piece lost with a worker is
the only thing to run again).

Supervision: every wait is bounded. A worker that dies (an in-process handler that
called ``os._exit``, a crash in native code) costs the row it was running: the lost
piece runs again row by row on the slot's replacement worker (the local cluster's
nanny starts one; the scheduler does not retry a task that killed a worker:
``allowed-failures`` is 0), the row that kills it gets a ``replay-error`` row
(``ReplayWorkerDied``, with the exit code the nanny saw), and the other rows run again
in the new process (whose caches start empty).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import shutil
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .replay_tape import TapeKey, owner_of

PIECE = 500  # rows of a task at most: progress moves, and a worker death loses little
AHEAD = 2  # a slot's tasks in flight: the next is on its worker when one ends
START_SECONDS = 60.0  # a local cluster's start, the workers of a scheduler
CONNECT_SECONDS = 10.0  # a scheduler's first answer
REPLACE_SECONDS = 60.0  # a dead worker's replacement (then its slot moves to another)
EXIT_CODE_SECONDS = 5.0  # a dead worker's exit code (a crash's comes from its nanny)
CLOSE_SECONDS = 10.0
STALL_SECONDS = 2.0  # no task ended for this long: check that the workers are alive
_POLL = 0.5

Row = dict[str, Any]

#: the local cluster's settings (its nannies pass them on to the worker processes)
LOCAL_CONFIG = {
    # a task that killed its worker is not run again on another: the replay finds the
    # row that did it and gives it a replay-error row
    "distributed.scheduler.allowed-failures": 0,
    # the workers' sampling profiler takes the GIL from the handlers every 10 ms
    "distributed.worker.profile.enabled": False,
}


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
class _Job:
    """A piece of a chunk's rows for one slot (``positions`` in the chunk's frame)."""

    kind: str  # "front" or "back"
    positions: np.ndarray
    tapes: dict[TapeKey, Any] = field(default_factory=dict)
    split: bool = False  # one row of a piece lost with its worker


class DaskEngine:
    """The replay's runner on a Dask cluster (see the module docstring)."""

    def __init__(
        self,
        spec: Any,
        isolated: bool | None,
        workers: int,
        seed: int,
        scheduler: str | None = None,
    ) -> None:
        self.distributed = require_dask()
        self.seed, self.scheduler = seed, scheduler
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

            with dask.config.set(LOCAL_CONFIG):
                self.cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    host="127.0.0.1",
                    # the scheduler serves HTTP (metrics) even without a dashboard, by
                    # default on port 8787: a free loopback port instead, so two replays
                    # (or another Dask) can run at once
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                )
            self.client = distributed.Client(
                self.cluster, set_as_default=False, timeout=START_SECONDS
            )
            want = workers
        try:
            self.client.wait_for_workers(want, timeout=START_SECONDS)
        except TimeoutError:
            raise ConfigError(
                f"the Dask cluster {self._where()} had no worker within {START_SECONDS:.0f} s "
                "(start some with: dask worker SCHEDULER_ADDRESS)"
            ) from None
        #: slot -> worker address, fixed for the replay (a replacement takes its slot)
        self.slots = sorted(self._alive())

    def _warm(self, spec: Any, isolated: bool | None) -> None:
        from .replay_dask_worker import ExitCodes, WarmDistribution

        if self.cluster is not None:  # the nannies we started tell how a worker died
            self.client.register_plugin(ExitCodes())
            self.exit_dir = tempfile.mkdtemp(prefix="edgelab-exits-")
        self.client.register_plugin(
            WarmDistribution(self.name, spec, isolated, self.exit_dir), name=self.name
        )
        self.warm = True

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

    def _where(self) -> str:
        return self.scheduler if self.scheduler is not None else "started for the replay"

    def _alive(self) -> list[str]:
        return list(self.client.scheduler_info(n_workers=-1)["workers"])

    # -- a chunk ------------------------------------------------------------------------
    def run(self, frame: pd.DataFrame, rows: np.ndarray, tick: Callable[[list[Row]], None]) -> None:
        """Run one chunk (rows in time order); ``tick`` gets every result row, in pieces."""
        owned: dict[int, np.ndarray]
        taped: dict[int, Any]
        if len(self.slots) == 1:  # one owner: no front phase
            owned, taped = {0: np.arange(len(rows))}, {}
        else:
            owned, taped = self._front(frame, rows, tick)
        jobs = {s: deque(self._back_jobs(rows, positions, taped)) for s, positions in owned.items()}
        self._phase(frame, rows, jobs, tick, tick)
        release_freed_memory()

    @staticmethod
    def _back_jobs(rows: np.ndarray, positions: np.ndarray, taped: dict[int, Any]) -> list[_Job]:
        """An owner's rows in pieces, each with the taped calls of its rows."""
        jobs = []
        for k in range(0, len(positions), PIECE):
            piece = positions[k : k + PIECE]
            tapes = {tk: raw for i in rows[piece].tolist() for tk, raw in taped.get(i, ())}
            jobs.append(_Job("back", piece, tapes))
        return jobs

    def _front(
        self, frame: pd.DataFrame, rows: np.ndarray, tick: Callable[[list[Row]], None]
    ) -> tuple[dict[int, np.ndarray], dict[int, Any]]:
        """The front phase: rows dealt to the slots in turn; then the positions each slot
        owns, and each row's taped calls."""
        n = len(self.slots)
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

        jobs = {}
        for s in range(n):
            dealt = np.arange(s, len(rows), n)
            jobs[s] = deque(
                _Job("front", dealt[k : k + PIECE]) for k in range(0, len(dealt), PIECE)
            )
        self._phase(frame, rows, jobs, got, gone)
        by_owner: dict[int, list[int]] = {s: [] for s in range(n)}
        for k, i in enumerate(rows.tolist()):
            if i not in lost:
                by_owner[owner_of(keys[i], i, n)].append(k)
        return {s: np.array(p, dtype=np.int64) for s, p in by_owner.items()}, taped

    def _phase(
        self,
        frame: pd.DataFrame,
        rows: np.ndarray,
        jobs: dict[int, deque[_Job]],
        got: Callable[[list[Any]], None],
        lost: Callable[[list[Row]], None],
    ) -> None:
        """Run the jobs, each slot's one after the other on its worker (:data:`AHEAD`
        in flight, each task depending on the one before, so the worker never waits for
        the parent between two); what a job gave goes to ``got``, rows it could not give
        to ``lost`` (as replay-error rows)."""
        running: dict[int, deque[tuple[Any, _Job]]] = {s: deque() for s in jobs}
        quiet = time.monotonic()  # when a task last ended
        try:
            while any(running.values()) or any(jobs.values()):
                for s, queue in jobs.items():
                    flying = running[s]
                    # the rows of a piece lost with its worker run one at a time
                    while queue and (
                        not flying
                        or (len(flying) < AHEAD and not (queue[0].split or flying[-1][1].split))
                    ):
                        job = queue.popleft()
                        after = flying[-1][0] if flying else None
                        flying.append((self._submit(frame, rows, s, job, after), job))
                self.settled.wait(_POLL)
                self.settled.clear()
                for s, flying in running.items():
                    while flying and flying[0][0].done():
                        future, job = flying.popleft()
                        if not self._settle(s, future, job, rows, jobs[s], got, lost):
                            self._requeue(flying, jobs[s])
                        quiet = time.monotonic()
                if any(running.values()) and time.monotonic() - quiet > STALL_SECONDS:
                    self._check_alive(running, rows, jobs, lost)
                    quiet = time.monotonic()
        finally:
            for flying in running.values():
                for future, _ in flying:
                    with contextlib.suppress(Exception):
                        future.cancel()

    @staticmethod
    def _requeue(flying: deque[tuple[Any, _Job]], queue: deque[_Job]) -> None:
        """The jobs in flight behind one lost with its worker go back to the front of
        the slot's queue, in order, behind the lost job's own reruns (which
        :meth:`_lost_worker` queued at the very front)."""
        split = 0
        while split < len(queue) and queue[split].split:
            split += 1
        for k, (future, job) in enumerate(flying):
            with contextlib.suppress(Exception):
                future.cancel()
            queue.insert(split + k, job)
        flying.clear()

    def _submit(self, frame: pd.DataFrame, rows: np.ndarray, s: int, job: _Job, after: Any) -> Any:
        from .replay_dask_worker import back_task, front_task

        piece, indices = _compact(frame.iloc[job.positions]), rows[job.positions].tolist()
        args: tuple[Any, ...] = (
            (front_task, self.name, piece, indices, self.seed, after)
            if job.kind == "front"
            else (back_task, self.name, piece, indices, job.tapes, self.seed, after)
        )
        future = self.client.submit(
            *args,
            workers=[self.slots[s]],
            allow_other_workers=False,
            pure=False,
            retries=0,
            key=f"{job.kind}-{uuid.uuid4().hex}",
        )
        future.add_done_callback(lambda _: self.settled.set())
        return future

    def _settle(
        self,
        s: int,
        future: Any,
        job: _Job,
        rows: np.ndarray,
        queue: deque[_Job],
        got: Callable[[list[Any]], None],
        lost: Callable[[list[Row]], None],
    ) -> bool:
        """Give a finished job's rows; False when its worker died (the jobs behind it on
        that worker are to run again)."""
        indices = rows[job.positions]
        error: BaseException | None = None
        if future.status == "finished":
            try:
                result = future.result(timeout=START_SECONDS)
            except Exception as exc:  # the result could not be fetched: its worker is gone
                error = exc
            else:
                got(result)
                return True
        else:
            error = future.exception(timeout=START_SECONDS) if future.status == "error" else None
        if not self._died(error, future.status):
            lost(failed_rows(indices, self.seed, f"{type(error).__name__}: {error}"))
            return True
        self._lost_worker(s, job, indices, queue, lost)
        return False

    def _check_alive(
        self,
        running: dict[int, deque[tuple[Any, _Job]]],
        rows: np.ndarray,
        jobs: dict[int, deque[_Job]],
        lost: Callable[[list[Row]], None],
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
                self._lost_worker(s, job, rows[job.positions], jobs[s], lost)
                self._requeue(flying, jobs[s])

    def _lost_worker(
        self,
        s: int,
        job: _Job,
        indices: np.ndarray,
        queue: deque[_Job],
        lost: Callable[[list[Row]], None],
    ) -> None:
        """Slot ``s``'s worker died running ``job``: a piece runs again row by row on the
        replacement; a single row is the culprit (a replay-error row), and the rest of
        its piece runs again as one task."""
        code = self._exit_code(self.slots[s])
        self._replace(s)
        if len(job.positions) > 1:  # find the row that killed it: one row per task
            queue.extendleft(
                reversed(
                    [
                        _Job(job.kind, job.positions[k : k + 1], job.tapes, True)
                        for k in range(len(job.positions))
                    ]
                )
            )
            return
        lost(failed_rows(indices, self.seed, _death_message(code), error_type="ReplayWorkerDied"))
        rest: list[_Job] = []
        while queue and queue[0].split:
            rest.append(queue.popleft())
        if rest:
            queue.appendleft(
                _Job(
                    job.kind,
                    np.concatenate([j.positions for j in rest]),
                    {k: v for j in rest for k, v in j.tapes.items()},
                )
            )

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


def _compact(piece: pd.DataFrame) -> pd.DataFrame:
    """A piece without the categories its rows do not use: a chunk's categoricals carry
    every value of the chunk (every client IP...), which each task would otherwise carry
    to the scheduler and its worker (8x the bytes for 20,000 rows)."""
    used = {
        c: piece[c].cat.remove_unused_categories()
        for c in piece.columns
        if isinstance(piece[c].dtype, pd.CategoricalDtype)
    }
    return piece.assign(**used) if used else piece


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
        return distributed.Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(
            f"could not reach the Dask scheduler at {address} within {CONNECT_SECONDS:.0f} s "
            f"({type(exc).__name__}: {exc}); start one with `dask scheduler` and its workers "
            "with `dask worker ADDRESS`, and check the address and port"
        ) from None
