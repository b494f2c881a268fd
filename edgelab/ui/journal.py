"""The latest requests ``edgelab serve`` answered, as its UI shows them.

A :class:`Journal` holds up to ``keep`` entries (:data:`edgelab.limits.UI_KEEP`), the
oldest dropped first. Each :class:`Entry` is one trace as the trace file stores it
(:func:`edgelab.edge.server.stored_trace`: credential values redacted, bodies cut), its
:func:`summary` (one row of the list page and of its JSON twin) and, for the replay
button, the viewer request as it came in (credentials included, in memory only, and
only when its body is at most :data:`edgelab.limits.REPLAY_BODY` bytes).

:meth:`Journal.select` answers the list's filters: ``status`` (``502`` or a class such
as ``5xx``), ``outcome`` (one of :data:`OUTCOMES`) and ``path`` (a part of the uri).
Fields a trace may lack (``behavior``, ``cache_tier``, ``origin_id`` ... from an older
edgelab or a distribution without them) are None in the summary, never an error.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..edge.viewer import ViewerRequest
from ..errors import InputError
from ..limits import REPLAY_BODY, UI_KEEP

#: What a request's outcome can be (``Trace.outcome``), in the order the filter lists them.
OUTCOMES = ("served", "generated", "error", "origin-error", "refused")
#: Where the UI's pages live; a request's page is ``{PREFIX}/requests/{request_id}``.
PREFIX = "/_edgelab"
_STATUS = re.compile(r"^[1-5](\d\d|xx)$")
MAX_PATH_FILTER = 1024


def request_url(request_id: str) -> str:
    return f"{PREFIX}/requests/{request_id}"


def iso_time(epoch: Any) -> str | None:
    """Seconds since the epoch as ISO 8601 in UTC with milliseconds (the browser shows
    it in its own locale and time zone)."""
    try:
        return datetime.fromtimestamp(float(epoch), UTC).isoformat(timespec="milliseconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def as_dict(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one (stored traces are read, not trusted)."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def error_info(error: Any) -> dict[str, str] | None:
    """A stage's or the origin's error as ``{type, message}`` text, None when there is none."""
    if not error:
        return None
    if isinstance(error, Mapping):
        return {"type": str(error.get("type") or "error"), "message": str(error.get("message"))}
    return {"type": "error", "message": str(error)}


def _error(trace: Mapping[str, Any]) -> dict[str, Any] | None:
    for stage in as_list(trace.get("stages")):
        info = error_info(as_dict(stage).get("error"))
        if info:
            return {"trigger": str(as_dict(stage).get("trigger")), **info}
    origin = as_dict(trace.get("origin"))
    if origin.get("error"):
        return {"trigger": None, "type": "OriginError", "message": str(origin["error"])}
    return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def summary(trace: Mapping[str, Any], outcome: str, *, replay_of: str | None = None) -> dict:
    """One row of the list: what the request was, what answered and how it went."""
    viewer = as_dict(trace.get("viewer"))
    rid = str(trace.get("request_id") or "")
    stages = [as_dict(s) for s in as_list(trace.get("stages"))]
    return {
        "request_id": rid,
        "url": request_url(rid),
        "time": iso_time(trace.get("time")),
        "method": _text(viewer.get("method")),
        "uri": _text(viewer.get("uri")),
        "querystring": _text(viewer.get("querystring")) or "",
        "status": trace.get("status"),
        "cache": _text(trace.get("cache")),
        "cache_tier": _text(trace.get("cache_tier")),
        "behavior": _text(trace.get("behavior")),
        "origin_id": _text(trace.get("origin_id")),
        "deployment": _text(trace.get("deployment")),
        "edge_location": _text(trace.get("edge_location") or viewer.get("edge_location")),
        "functions": [
            {
                "trigger": str(s.get("trigger")),
                "outcome": str(s.get("outcome")),
                "kind": str(s.get("kind") or "lambda@edge"),
            }
            for s in stages
        ],
        "outcome": outcome,
        "error": _error(trace),
        "violations": sum(len(as_list(s.get("violations"))) for s in stages),
        "duration_ms": trace.get("duration_ms"),
        "replay_of": replay_of,
    }


@dataclass
class Entry:
    """One request: its stored trace, its list row, and what replaying it sends."""

    seq: int
    trace: dict[str, Any]
    summary: dict[str, Any]
    viewer: ViewerRequest | None
    #: why the request cannot be replayed (None: it can)
    no_replay: str | None = None


@dataclass(frozen=True)
class Filters:
    """The list's filters, checked; empty strings mean 'any'."""

    status: str = ""
    outcome: str = ""
    path: str = ""

    @classmethod
    def parse(cls, status: str = "", outcome: str = "", path: str = "") -> Filters:
        """Raises :class:`InputError` naming the filter, the bad value and what is allowed."""
        status, outcome = status.strip().lower(), outcome.strip()
        if status and not _STATUS.match(status):
            raise InputError(
                f"status must be an HTTP status such as 502 or a class such as 5xx; "
                f"got {status[:40]!r}",
                key="status",
            )
        if outcome and outcome not in OUTCOMES:
            raise InputError(
                f"outcome must be one of {', '.join(OUTCOMES)}; got {outcome[:40]!r}",
                key="outcome",
            )
        if len(path) > MAX_PATH_FILTER:
            raise InputError(
                f"path must be at most {MAX_PATH_FILTER:,} characters; got {len(path):,}",
                key="path",
            )
        return cls(status, outcome, path)

    def match(self, row: Mapping[str, Any]) -> bool:
        if self.status:
            got = str(row.get("status"))
            if self.status.endswith("xx") and got[:1] != self.status[0]:
                return False
            if not self.status.endswith("xx") and got != self.status:
                return False
        if self.outcome and row.get("outcome") != self.outcome:
            return False
        return not self.path or self.path in str(row.get("uri") or "")

    def to_dict(self) -> dict[str, str]:
        return {"status": self.status, "outcome": self.outcome, "path": self.path}


class Journal:
    """The latest ``keep`` requests by id (thread-safe: the server records from its
    worker thread while pages are read)."""

    def __init__(self, keep: int = UI_KEEP, replay_body: int = REPLAY_BODY) -> None:
        self.keep = max(1, keep)
        self.replay_body = replay_body
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._seq = 0
        self._lock = threading.Lock()

    def add(
        self,
        stored: dict[str, Any],
        outcome: str,
        viewer: ViewerRequest | None,
        *,
        replay_of: str | None = None,
    ) -> Entry:
        """Keep one request (``stored``: its trace as the trace file stores it)."""
        no_replay = None
        if viewer is not None and len(viewer.body or b"") > self.replay_body:
            no_replay = (
                f"its body ({len(viewer.body or b''):,} bytes) is over the "
                f"{self.replay_body:,} bytes edgelab serve keeps for replay"
            )
            viewer = None
        elif viewer is None:
            no_replay = "the request as it came in was not kept"
        row = summary(stored, outcome, replay_of=replay_of)
        with self._lock:
            self._seq += 1
            entry = Entry(self._seq, stored, row, viewer, no_replay)
            self._entries[row["request_id"]] = entry
            self._entries.move_to_end(row["request_id"])
            while len(self._entries) > self.keep:
                self._entries.popitem(last=False)
        return entry

    def get(self, request_id: str) -> Entry | None:
        with self._lock:
            return self._entries.get(request_id)

    def __len__(self) -> int:
        return len(self._entries)

    def select(self, filters: Filters, limit: int) -> tuple[list[Entry], int]:
        """The newest ``limit`` entries that match, newest first, and how many match."""
        with self._lock:
            entries = list(self._entries.values())
        found = [e for e in reversed(entries) if filters.match(e.summary)]
        return found[: max(0, limit)], len(found)
