"""Which way rows go to the Dask workers: by group or by cache key, by modelled cost.

The Dask engine (:mod:`.replay_dask`) can send a chunk's rows to its workers two ways:

- **by group**: each regional edge cache's group of edge locations belongs to one
  worker; each row runs once, whole, there, and the chunks stream (the workers never
  wait for the replaying process). The chunk takes as long as its busiest worker's rows,
  or as the replaying process's own work on every row (reading, sending, receiving,
  writing), whichever is longer.
- **by cache key**: two phases (:mod:`.replay_tape`): the front phase deals the rows
  out to every worker, then each row goes to its partition key's owner (about the same
  share each), the front stages answered from the tape. The workers' work splits N
  ways, but a row costs the workers more (the front stages run twice, the tape is taken
  apart), and the replaying process carries every row twice with its taped answers
  (that cost does not shrink with N), some of it between phases, when no worker works.

:func:`choose_path` models each path's wall time for the first chunk from its shape
(the rows each worker would get by group, the number of workers, the cores the
processes share, whether the functions run in the worker's process) with the per-row
costs in :data:`COSTS`, and takes the cheaper: by group unless by cache key is modelled
at least 10 % faster (:data:`MARGIN`; by group streams and runs each row once). What
the measured costs give: traffic whose groups balance goes by group; so does one
region with in-process functions, whatever the workers (by cache key the replaying
process alone spends about what a worker spends on a row by group, so more workers
cannot make it faster); one region with functions in other processes (isolated
Python, Node.js) goes by cache key, from two workers on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ConfigError

PATHS = ("group", "key")
#: by cache key only when modelled at least this much faster than by group (its
#: figures are measured to about 10 % on a shared machine; by group streams and runs
#: each row once, the safer side of a near tie)
MARGIN = 0.9


@dataclass(frozen=True)
class Costs:
    """CPU seconds a row on each side of a replay, for one kind of distribution."""

    #: a worker, a row by group: the whole chain once
    own: float
    #: a worker, a row by cache key: the front phase, then the whole chain (the front
    #: stages twice, the tape taken apart)
    keyed: float
    #: the replaying process, a row by group: the piece out, the results in, the frame
    #: and the file written, the local cluster's scheduler; it overlaps the workers
    #: (chunks stream)
    parent_group: float
    #: the replaying process, a row by cache key: each row sent twice, its key and taped
    #: answers in and out again, its owner, its results in, the chunk written
    parent_key: float
    #: the part of ``parent_key`` no worker works through: a chunk's owners and back
    #: pieces worked out between its two phases, the chunk written and the next one read
    #: before its front phase (the replaying process's main thread meanwhile)
    key_serial: float


#: by kind of distribution: "in-process" (every function runs in the worker's process)
#: or "round-trip" (an isolated Python or Node.js function: each call crosses to
#: another process, so a row costs a worker more and the N-way split of the cache key
#: path gains more). Measured on the 2-core development machine on 30 Nov 2026 (load
#: 2-3 from other jobs: CPU seconds, which the load disturbs far less than wall time,
#: over rows) with ``benchmarks/replay_workers.py --one-edge --path group|key`` (its
#: four trivial Python handlers, one per trigger, a folder origin, Parquet in and out,
#: chunks of 20,000 rows, 2 workers; 100,000 rows in-process, 30,000 with
#: ``--isolated``). ``parent_*``: the replaying process's CPU (the local cluster's
#: scheduler and nannies included), its start (0.25 s) taken off (in-process by cache
#: key, the mean of three runs: 129, 117 with one worker, 120 us). ``own``, ``keyed``
#: in-process: the workers' CPU, their start (1.5 s for two, from a 2,000-row run) taken
#: off; round-trip: the wall time a row of the one-process replay (441 us: a worker's
#: CPU leaves out the function processes it waits for), and 1.30 times that by cache
#: key (the ratio of the workers' CPU, 13.2 s against 10.2 s). ``key_serial``: the main
#: thread's CPU between a phase's last result and the next phase's first task, timed
#: around ``DaskEngine._rounds`` and ``DaskEngine._submit``: 1.18 s at 100,000 rows
#: in-process, 0.39 s at 30,000 isolated. Handlers that do real work make a row cost the
#: workers more on both paths, which favours by cache key: trivial ones are the case
#: least favourable to it.
COSTS = {
    "in-process": Costs(
        own=137e-6, keyed=205e-6, parent_group=29e-6, parent_key=122e-6, key_serial=12e-6
    ),
    "round-trip": Costs(
        own=441e-6, keyed=573e-6, parent_group=32e-6, parent_key=121e-6, key_serial=13e-6
    ),
}


@dataclass(frozen=True)
class Route:
    """The path the rows take, with both paths' modelled seconds for the first chunk."""

    path: str  # "group" or "key"
    rows: int  # the first chunk's
    workers: int
    busiest: int  # the first chunk's rows on its busiest worker, by group
    group_seconds: float
    key_seconds: float
    kind: str = "in-process"
    forced: bool = False

    def note(self) -> str:
        """One line: which path ran, and why."""
        share = self.busiest / self.rows if self.rows else 0.0
        how = (
            "by regional edge cache (each group of edge locations on one worker)"
            if self.path == "group"
            else "by cache key (a front phase, then each partition on its owner)"
        )
        why = (
            "as forced (edgelab.frames.replay_dask.FORCE)"
            if self.forced
            else "the path modelled cheaper on the first chunk"
        )
        workers = f"{self.workers} worker{'s' if self.workers != 1 else ''}"
        return (
            f"rows went to {workers} {how}, {why}: by group the busiest worker would run "
            f"{share:.0%} of its {self.rows:,} rows; modelled ({self.kind} functions) "
            f"{self.group_seconds:.2f} s by group, {self.key_seconds:.2f} s by cache key"
        )


def group_seconds(loads: Sequence[int], cores: int | None, costs: Costs) -> float:
    """A chunk's modelled wall time by group: the busiest worker's rows, or the replaying
    process's work on every row (they overlap), or, on ``cores`` shared by every
    process, all their work over the cores, whichever is longest."""
    rows = sum(loads)
    wall = max(max(loads, default=0) * costs.own, rows * costs.parent_group)
    if cores is not None:
        wall = max(wall, rows * (costs.own + costs.parent_group) / cores)
    return wall


def key_seconds(rows: int, workers: int, cores: int | None, costs: Costs) -> float:
    """A chunk's modelled wall time by cache key: each worker's share of the rows, or the
    replaying process's work on every row (they overlap), or, on ``cores`` shared by
    every process, all their work over the cores, whichever is longest; then the
    replaying process's work between phases, which nothing overlaps."""
    wall = max(rows / workers * costs.keyed, rows * costs.parent_key)
    if cores is not None:
        wall = max(wall, rows * (costs.keyed + costs.parent_key) / cores)
    return wall + rows * costs.key_serial


def choose_path(
    loads: Sequence[int],
    workers: int,
    cores: int | None,
    kind: str = "in-process",
    *,
    force: str | None = None,
) -> Route:
    """The path of a replay's rows, from its first chunk's shape: ``loads``, the rows
    each of the ``workers`` would own by group; ``cores``, the cores the replaying
    process and the workers share (a local cluster), or None when each has its own (an
    existing cluster is taken to be so); ``kind``, the distribution's (a key of
    :data:`COSTS`). ``force`` ("group" or "key") overrides the model (benchmarks,
    tests). By cache key only when it is modelled :data:`MARGIN` times by group or less."""
    costs = COSTS[kind]
    rows = sum(loads)
    by_group = group_seconds(loads, cores, costs)
    by_key = key_seconds(rows, workers, cores, costs)
    if force is not None:
        if force not in PATHS:
            raise ConfigError(
                f"the replay's forced path must be one of {', '.join(PATHS)} or None; got {force!r}"
            )
        path = force
    else:
        path = "key" if workers > 1 and by_key < MARGIN * by_group else "group"
    busiest = max(loads, default=0)
    return Route(path, rows, workers, busiest, by_group, by_key, kind, forced=force is not None)
