"""The two cache tiers: one cache per edge location (POP) and one per regional edge
cache (facts §8).

A POP's miss goes to its regional edge cache (the table in
:mod:`edgelab.edge.locations`); a regional miss goes on to the origin, and what comes
back is stored in both. Some requests skip the regional tier (:func:`regional_bypass`).

:class:`CacheTiers` keeps every tier's :class:`~edgelab.edge.cache.Cache` under its tier
name (``edge:GRU50-C1``, ``regional:sa-east-1``), created on first use. Nothing is
shared between tiers or held globally, so work split by (edge location or regional edge
cache, cache key) gives the same answers as one process: each partition owns its keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .cache import Cache
from .locations import regional_cache

#: facts §8: methods that go from the POP straight to the origin
BYPASS_METHODS = frozenset({"PUT", "POST", "PATCH", "OPTIONS", "DELETE"})
TIERS = ("edge", "regional")


def edge_tier(edge_location: str) -> str:
    return f"edge:{edge_location}"


def regional_tier(region: str) -> str:
    return f"regional:{region}"


def regional_bypass(
    method: str, caching_disabled: bool, s3_region: str | None, region: str | None
) -> str | None:
    """Why a request skips the regional edge cache, or None when it goes through it
    (facts §8, lambda-edge-facts §11): a proxy method, a "dynamic" request (edgelab
    reads it as a behaviour whose TTLs are all 0, see ``DISTRIBUTION_DECISIONS``), an S3
    origin in the regional edge cache's own Region, or a POP edgelab has no regional
    edge cache for."""
    if region is None:
        return "the edge location is not in edgelab's edge-location table"
    if method in BYPASS_METHODS:
        return f"{method} requests go from the edge location to the origin"
    if caching_disabled:
        return "dynamic request: the behaviour caches nothing (all TTLs 0)"
    if s3_region is not None and s3_region == region:
        return f"S3 origin in the regional edge cache's own Region ({region})"
    return None


@dataclass
class CacheTiers:
    """Every tier's cache by tier name; see the module docstring.

    ``clock`` gives the time (``time.time`` by default); ``max_entries`` bounds each
    tier (least recently used first), for long replays.
    """

    clock: Callable[[], float] = time.time
    max_entries: int | None = None
    _tiers: dict[str, Cache] = field(default_factory=dict, repr=False)

    def tier(self, name: str) -> Cache:
        cache = self._tiers.get(name)
        if cache is None:
            cache = self._tiers[name] = Cache(clock=self.clock, max_entries=self.max_entries)
        return cache

    def edge(self, edge_location: str) -> Cache:
        """The cache of one edge location (POP)."""
        return self.tier(edge_tier(edge_location))

    def regional(self, region: str) -> Cache:
        """The cache of one regional edge cache, by its AWS Region."""
        return self.tier(regional_tier(region))

    @staticmethod
    def regional_for(edge_location: str) -> str | None:
        """The Region of the regional edge cache ``edge_location`` uses (facts §8)."""
        return regional_cache(edge_location)

    def names(self) -> list[str]:
        """The tiers that hold (or held) something, in creation order."""
        return list(self._tiers)

    def items(self) -> Iterator[tuple[str, Any]]:
        """(tier name, cache key) of every stored object."""
        for name, cache in self._tiers.items():
            keys = cache.keys()
            for key in keys:
                yield name, key

    def clear(self) -> None:
        for cache in self._tiers.values():
            cache.clear()

    def __len__(self) -> int:
        """Objects stored over all tiers (an object in an edge and a regional cache
        counts twice)."""
        return sum(len(c) for c in self._tiers.values())
