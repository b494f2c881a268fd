"""What runs inside the Dask workers of a replay (imported by :mod:`.replay_dask` only
once a replay asks for workers, and by the workers when they unpickle a task).

- :class:`WarmDistribution`, a worker plugin: each worker loads the distribution once
  when the replay starts (and a replacement worker when it joins), with its
  :class:`~.replay_tape.Tape`, and keeps it for the whole replay: its caches and its warm
  function containers (isolated Python workers, Node.js workers). Its teardown closes it.
- :class:`ExitCodes`, a nanny plugin: the nanny records the exit code of a worker
  process that ends, so the replay can say how a worker died (``os._exit(7)``).
- :func:`own_task`: one piece of rows the worker owns whole (rows by group), and
  :func:`front_task` and :func:`back_task`: one piece of rows of the front and the back
  phase (rows by cache key, see :mod:`.replay_tape`), on the worker's loaded
  distribution, each giving its result as one pickled blob (:func:`packed`). They are
  coroutine functions: a worker runs them in its event loop, in
  the main thread (see :mod:`.replay_dask`).
"""

from __future__ import annotations

import asyncio
import contextlib
import mmap
import os
import pickle
import signal
import struct
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import distributed.utils
from distributed import NannyPlugin, WorkerPlugin

from .replay import (
    _open,
    _run_rows,
    columns_of,
    staged_rows,
    viewer_requests,
    viewers_of,
)
from .replay_batch import batches_after_cache
from .replay_tape import Tape, TapeKey

Row = dict[str, Any]


@dataclass
class _Loaded:
    dist: Any = None
    tape: Tape | None = None
    error: str | None = None
    #: a function after the cache has a round trip: rows interleaved, calls batched
    batched: bool = False


#: in a worker process: plugin name -> the distribution that replay loaded
_LOADED: dict[str, _Loaded] = {}
_LOCK = threading.Lock()

#: rows run between two turns of the worker's event loop (tasks run in it: module docstring)
BREATHE = 200


class WarmDistribution(WorkerPlugin):
    """Loads the distribution once per worker and keeps it for the replay (one plugin per
    replay, under its own name)."""

    def __init__(
        self, name: str, spec: Any, isolated: bool | None, exit_dir: str | None = None
    ) -> None:
        self.name, self.spec, self.isolated = name, spec, isolated
        self.exit_dir = exit_dir

    def setup(self, worker: Any) -> None:
        fresh_offload_thread()
        if self.exit_dir is not None:  # a worker of the replay's own local cluster
            note_exits(Path(self.exit_dir), worker.address)
            ignore_ctrl_c()
            with contextlib.suppress(OSError):  # (without it, a death is searched row by row)
                _MARK[0] = RowMark(mark_file(Path(self.exit_dir), worker.address))
        try:
            dist, _ = _open(self.spec, self.isolated)
            loaded = _Loaded(dist, Tape(dist), batched=batches_after_cache(dist))
        except Exception as exc:  # the tasks turn it into replay-error rows
            loaded = _Loaded(error=f"{type(exc).__name__}: {exc}")
        with _LOCK:
            _LOADED[self.name] = loaded

    def teardown(self, worker: Any) -> None:
        with _LOCK:
            loaded = _LOADED.pop(self.name, None)
        if loaded is not None and loaded.dist is not None:
            assert loaded.tape is not None
            loaded.tape.remove()
            loaded.dist.close()


def ignore_ctrl_c() -> None:
    """A terminal's Ctrl-C reaches every process of its group, the local cluster's
    workers too: the replaying process stops them (and keeps the rows done), so they
    ignore it rather than print a traceback each."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def fresh_offload_thread() -> None:
    """In a worker forked from a process whose Dask offload thread had run (a replay
    before this one): the executor was copied without its thread, and believes it idle,
    so what Dask offloads (a message over 10 MB) would wait forever; a new one."""
    executor = getattr(distributed.utils, "_offload_executor", None)
    threads = getattr(executor, "_threads", None)
    if threads and not any(t.is_alive() for t in threads):
        distributed.utils._offload_executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="Dask-Offload"
        )


def _loaded(name: str) -> _Loaded:
    with _LOCK:
        loaded = _LOADED.get(name)
    if loaded is None or loaded.dist is None:
        why = "it was not loaded" if loaded is None else loaded.error
        raise RuntimeError(f"this replay worker has no distribution: {why}")
    return loaded


async def default_edge(name: str) -> tuple[str | None, str | None, str]:
    """The edge location of the distribution this worker loaded (rows without one), or
    why it has none, and its kind of functions for the path's cost rule
    (:data:`~.replay_route.COSTS`): ``(edge location, None, kind)`` or ``(None, reason,
    "in-process")``."""
    with _LOCK:
        loaded = _LOADED.get(name)
    if loaded is None or loaded.dist is None:
        return None, "it was not loaded" if loaded is None else loaded.error, "in-process"
    assert loaded.tape is not None
    kind = "round-trip" if loaded.tape.batches or loaded.batched else "in-process"
    return str(loaded.dist.edge_location), None, kind


def packed(result: Any) -> bytes:
    """A task's result as one pickled blob: Dask sends it as it is, where a dict of
    columns is walked, measured and pickled column by column (the parent unpickles it:
    :func:`~.replay_dask.unpacked`)."""
    return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


async def own_task(name: str, piece: bytes, seed: int, token: int = 0) -> bytes:
    """A piece of rows this worker owns whole (rows by group): each runs here once, in
    stages as in one process (:class:`~.replay._InProcess`); their results as columns.
    ``token`` names the task in this worker's :class:`RowMark` while its rows run."""
    loaded, (columns, rows) = _loaded(name), pickle.loads(piece)
    assert loaded.tape is not None
    viewers = viewers_of(columns)
    if loaded.tape.batches or loaded.batched:
        got = staged_rows(loaded.dist, loaded.tape, viewers, rows, seed, batched=loaded.batched)
        return packed(columns_of(got))
    got = []
    mark = _MARK[0] if token else None
    for k in range(0, len(rows), BREATHE):
        if mark is not None:
            mark.start(token, k)
        got.extend(
            _run_rows(
                loaded.dist, viewers[k : k + BREATHE], rows[k : k + BREATHE], seed, position=mark
            )
        )
        if mark is not None:
            mark.clear()  # no row of the task is running while the loop has its turn
        await asyncio.sleep(0)  # the worker answers (sends results, heartbeats) meanwhile
    return packed(columns_of(got))


_MARK_FORMAT = struct.Struct("<qq")  # (task token, position of the row running; -1: none)


class RowMark:
    """Which row of which task a worker of the replay's local cluster is running: two
    integers in a small file mapped into its memory, written before each row (a fraction
    of a microsecond), so that when the process dies (an in-process handler that calls
    ``os._exit``, a crash in native code) the replay reads which row killed it rather than
    running the piece again one row per task to find it (:func:`read_mark`). Set as
    :func:`~.replay._run_rows`'s ``position``: ``value`` is the row's position in the
    block of rows :meth:`start` began."""

    __slots__ = ("_base", "_mm", "_token")

    def __init__(self, path: Path) -> None:
        with open(path, "w+b") as f:
            f.write(bytes(_MARK_FORMAT.size))
            f.flush()
            self._mm = mmap.mmap(f.fileno(), _MARK_FORMAT.size)
        self._token, self._base = 0, 0
        self.clear()

    def start(self, token: int, base: int) -> None:
        self._token, self._base = token, base

    def clear(self) -> None:
        _MARK_FORMAT.pack_into(self._mm, 0, self._token, -1)

    @property
    def value(self) -> int:
        return int(_MARK_FORMAT.unpack_from(self._mm)[1])

    @value.setter
    def value(self, k: int) -> None:
        _MARK_FORMAT.pack_into(self._mm, 0, self._token, self._base + k)


#: this worker's mark (a worker of the replay's local cluster), else None
_MARK: list[RowMark | None] = [None]


def mark_file(folder: Path, address: str) -> Path:
    """Where a worker of a local cluster keeps its :class:`RowMark`."""
    return exit_file(folder, address).with_name("row-" + exit_file(folder, address).name)


def read_mark(folder: Path, address: str) -> tuple[int, int] | None:
    """What the dead worker at ``address`` was running, as its :class:`RowMark` says: (the
    task's token, the position of the row in it; -1: no row), None when unreadable."""
    try:
        token, at = _MARK_FORMAT.unpack(mark_file(folder, address).read_bytes())
    except (OSError, struct.error):
        return None
    return int(token), int(at)


async def front_task(name: str, piece: bytes, seed: int) -> bytes:
    """The front phase of a piece of rows: ``[(row, partition key, taped calls)]``."""
    loaded, (columns, rows) = _loaded(name), pickle.loads(piece)
    assert loaded.tape is not None
    requests = viewer_requests(viewers_of(columns), rows, seed, loaded.dist.edge_location)
    keys = loaded.tape.front_keys(requests)
    return packed([(i, key, taped) for i, (key, taped) in zip(rows, keys, strict=True)])


async def back_task(
    name: str,
    piece: bytes,
    tapes: dict[TapeKey, Any],
    seed: int,
) -> bytes:
    """The back phase of a piece of rows (the owner's, in time order): their results as
    columns, the front stages' functions answered from ``tapes``."""
    loaded, (columns, rows) = _loaded(name), pickle.loads(piece)
    assert loaded.tape is not None
    loaded.tape.replaying = tapes
    viewers = viewers_of(columns)
    try:
        if loaded.batched:  # the rows' keys again, then the rows interleaved
            got = staged_rows(loaded.dist, loaded.tape, viewers, rows, seed,
                              batched=True, taped=tapes)  # fmt: skip
        else:
            got = _run_rows(loaded.dist, viewers, rows, seed)
    finally:
        loaded.tape.replaying = {}
    return packed(columns_of(got))


def exit_file(folder: Path, address: str) -> Path:
    """Where a worker of a local cluster leaves its exit code (:func:`note_exits`)."""
    return folder / "".join(c if c.isalnum() else "_" for c in address)


def note_exits(folder: Path, address: str) -> None:
    """Make ``os._exit`` (what an in-process handler that ends its process calls) leave
    the exit code in ``folder`` first, so the replay can say how this worker died at
    once (the nanny learns it too, but on a busy machine only seconds later)."""
    real: Callable[[int], NoReturn] = getattr(os._exit, "__wrapped__", os._exit)

    def noted(status: int) -> NoReturn:
        with contextlib.suppress(Exception):
            exit_file(folder, address).write_text(str(int(status)))
        real(status)

    noted.__wrapped__ = real  # type: ignore[attr-defined]
    os._exit = noted


class ExitCodes(NannyPlugin):
    """Keeps, in the nanny, the exit code of each worker process that ended (by the
    worker's address), for :func:`exit_codes`."""

    name = "edgelab-exit-codes"
    idempotent = True

    def setup(self, nanny: Any) -> None:
        codes: dict[str, int] = nanny.__dict__.setdefault("_edgelab_exit_codes", {})
        original = type(nanny)._on_worker_exit_sync

        def on_exit(code: int) -> None:
            process = nanny.process
            address = getattr(process, "worker_address", None)
            if address:
                codes[address] = code
            original(nanny, code)

        nanny._on_worker_exit_sync = on_exit  # the next worker processes call it
        if nanny.process is not None:
            nanny.process.on_exit = on_exit  # and the running one


def exit_codes(dask_worker: Any) -> dict[str, int]:
    """Run in each nanny (``client.run(..., nanny=True)``): worker address -> exit code."""
    return dict(getattr(dask_worker, "_edgelab_exit_codes", {}))
