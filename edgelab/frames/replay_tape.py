"""The staged engine's front phase: the Tape, and the partition key of each request.

A chunk of rows runs in two phases (on one process, :class:`~.replay._InProcess`, or on
the workers of a Dask cluster when rows go to them by cache key, :mod:`.replay_dask`):

1. **front**: each row runs the stages in front of the cache (viewer protocol policy,
   allowed methods, viewer request, CloudFront headers, default root object) up to the
   cache key, and stops there (:class:`_KeyProbe` stands where the cache stands). The
   row's *partition key* is (the deployment, primary or staging; the regional edge cache
   its edge location uses, or the edge location when it has none; the cache key): every
   cache entry a request can read or write (its POP's and its regional edge cache's)
   belongs to one partition key. Two things reach entries no cache key names: a custom
   error page (fetched and cached under the page's own key) and a cache with a bounded
   size (its evictions depend on every request's order): a distribution with either is
   partitioned by the regional edge cache (or edge location) alone, both deployments
   together (:func:`coarse_partitions`). What each function returned in this phase is recorded
   on a *tape*; the calls of a function with a round trip (isolated Python, Node.js) are
   gathered and sent in one batch per piece of rows (:meth:`Tape.front_keys`).
2. **back**: a stable hash (CRC-32) of the partition key picks the worker that owns the
   row (:func:`owner_of`); each worker runs its rows through the whole chain in time
   order, the functions of the front stages answered from the tape (they are not run
   twice). A row that never reached the cache (a generated response, an edge refusal, an
   input error) goes to the worker its row number picks.

A stage added in front of the cache must be deterministic for a request and reach
functions only through ``bound.handler`` (so the tape sees the calls); :class:`Tape`
swaps the stacks of the staging copy's behaviours too (continuous deployment routes a
request there before the cache).

Each worker owns disjoint cache entries and sees them in the same order as one process
would, so the results equal a one-worker run but for what is measured (durations, cold
starts: each worker has its own containers).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..edge.caching import EdgeCache
from ..edge.chain import STACK, build_stack
from ..edge.error_pages import CustomErrorResponses
from ..runtimes.base import Call, Handler, RawResult

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
        self.coarse = coarse_partitions(self.distributions)
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
        if self.coarse:  # every request, those that never reached the cache too
            out = [
                (None if v is None else self._group(v), taped)
                for v, (_, taped) in zip(viewers, out, strict=True)
            ]
        return out

    def _group(self, viewer: Any) -> str:
        pop = viewer.edge_location
        return repr(("group", self.dist.regional_for(pop) or f"edge:{pop}"))


def coarse_partitions(distributions: Sequence[Any]) -> bool:
    """Whether requests reach cache entries the front phase cannot name (a custom error
    page's, or any in a cache of bounded size): then a partition is a regional edge cache
    or edge location (module docstring)."""
    for d in distributions:
        if any(CustomErrorResponses.wanted(d, b) for b in d.behaviors):
            return True
        if getattr(d.cache, "max_entries", None) is not None:
            return True
    return False


def owner_of(key: str | None, row: int, workers: int) -> int:
    """The worker that owns a row: a stable hash of its partition key."""
    if key is None:
        return row % workers
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % workers
