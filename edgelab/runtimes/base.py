"""What every runtime shares: the raw result of one call and the Handler interface.

A runtime only *runs* a function and reports what happened (:class:`RawResult`);
deciding what CloudFront makes of it is ``edgelab.rules.outcome``'s job, the same for
Python and Node.js handlers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .context import ContextInfo

RawStatus = Literal["ok", "error", "timeout", "crash"]


def file_stamp(path: Path) -> tuple[int, int] | None:
    """``(mtime_ns, size)`` of a handler file, or None when it is gone: runtimes compare
    stamps before each call to pick up an edited handler (a cold start)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


@dataclass
class RawResult:
    """What one call of a function did.

    ``status``: ``ok`` (``value`` is what it returned), ``error`` (it threw, or called
    the callback with an error), ``timeout`` (it ran past its time and was stopped),
    ``crash`` (the process running it died).
    """

    status: RawStatus
    value: Any = None
    error_type: str | None = None
    error_message: str | None = None
    logs: str = ""
    duration_ms: float = 0.0
    cold_start: bool = False


@dataclass
class Call:
    """One call to make: the event, and the context's data."""

    event: dict[str, Any]
    info: ContextInfo


class Handler(ABC):
    """A loaded function in a simulated container; module state persists between calls."""

    language: str = "python"
    spec: str = ""
    function_name: str = "handler"

    @abstractmethod
    def invoke(self, call: Call) -> RawResult:
        """Run the function once; never raises for anything the function does."""

    def invoke_many(self, calls: Sequence[Call]) -> list[RawResult]:
        """Run several calls in order (runtimes with a round trip batch them)."""
        return [self.invoke(c) for c in calls]

    def reset(self) -> None:
        """Start a fresh container: the next call is a cold start with clean module state."""
        return None

    def close(self) -> None:
        """Release processes or other resources."""
        return None

    def __enter__(self) -> Handler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec or self.function_name!r}>"
