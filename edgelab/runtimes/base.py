"""What every runtime shares: the raw result of one call and the Handler interface.

A runtime only *runs* a function and reports what happened (:class:`RawResult`);
deciding what CloudFront makes of it is ``edgelab.rules.outcome``'s job, the same for
Python and Node.js handlers.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .context import ContextInfo

RawStatus = Literal["ok", "error", "timeout", "crash"]


def _size_from_env(name: str, default: int) -> int:
    """A size in the environment: a number of bytes, or with KB/MB (1,024-based)."""
    text = os.environ.get(name, "").strip().upper().replace(" ", "")
    if not text:
        return default
    scale = 1
    for suffix, factor in (("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)):
        if text.endswith(suffix):
            text, scale = text[: -len(suffix)], factor
            break
    try:
        return max(0, int(float(text) * scale))
    except ValueError:
        return default


#: What one call keeps of its logs (characters; ``$EDGELAB_MAX_LOGS``, for example
#: ``4MB``; default 1 MB). The rest is dropped and a note says how much.
MAX_LOGS = _size_from_env("EDGELAB_MAX_LOGS", 1 << 20)


def _mb(n: int) -> str:
    if n >= 1 << 20:
        value, unit = n / (1 << 20), "MB"
    elif n >= 1 << 10:
        value, unit = n / (1 << 10), "KB"
    else:
        return f"{n} bytes"
    return f"{value:.1f}".rstrip("0").rstrip(".") + f" {unit}"


def truncation_note(dropped: int, kept: int) -> str:
    """The line that ends logs cut at the per-call cap."""
    return f"[edgelab: {_mb(dropped)} of logs truncated; kept the first {_mb(kept)}]\n"


class LogBuffer:
    """One call's captured output, capped at ``limit`` characters (:data:`MAX_LOGS`)."""

    __slots__ = ("dropped", "limit", "parts", "size")

    def __init__(self, limit: int | None = None) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0
        self.limit = MAX_LOGS if limit is None else limit

    def append(self, text: str, *, force: bool = False) -> None:
        n = len(text)
        if force or self.size + n <= self.limit:
            self.parts.append(text)
            self.size += n
            return
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size = self.limit
        self.dropped += n - max(room, 0)

    def text(self) -> str:
        out = "".join(self.parts)
        if self.dropped:
            if out and not out.endswith("\n"):
                out += "\n"
            out += truncation_note(self.dropped, self.limit)
        return out


def file_stamp(path: str | Path) -> tuple[int, int] | None:
    """``(mtime_ns, size)`` of a handler file, or None when it is gone: runtimes compare
    stamps before each call to pick up an edited handler (a cold start)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


_steady = threading.local()


@contextlib.contextmanager
def steady_files() -> Iterator[None]:
    """Within this block (in this thread), a runtime compares its handler file's stamp
    once rather than before every call (:func:`stamp_due`): a replay runs each piece of
    rows in one such block, so an edited handler is picked up at the next piece, not
    at the next call, and a call does not pay a ``stat`` each. Outside any block (a
    notebook, ``el.invoke``, the server), every call compares it, as before.

    A block entered inside another one of the same thread is part of it: the block
    ends when the last one entered is left, whatever the order (the greenlets of a
    batched piece run their rows' blocks interleaved in one thread)."""
    block = getattr(_steady, "block", None)
    if block is None:
        block = _steady.block = SteadyBlock()
    block.depth += 1
    try:
        yield
    finally:
        block.depth -= 1
        if block.depth == 0:
            if getattr(_steady, "block", None) is block:
                _steady.block = None
            while block.undo:  # what was left in place for the block, undone in reverse
                block.undo.pop()()


class SteadyBlock:
    """One :func:`steady_files` block: how many entries are open in it, and ``undo``:
    what to run when it ends (a runtime may leave something in place for the block's
    calls, see python.py)."""

    __slots__ = ("depth", "undo")

    def __init__(self) -> None:
        self.depth = 0
        self.undo: list[Callable[[], object]] = []


def steady_block() -> SteadyBlock | None:
    """The :func:`steady_files` block this thread is in (None: none): whatever is looked
    up on disk once per block can be kept in it (a folder origin's files, for example)."""
    return getattr(_steady, "block", None)


def stamp_due(owner: Any) -> bool:
    """Whether ``owner`` (a runtime's loader) should compare its file's stamp now: always
    outside :func:`steady_files`, once per block inside one (it remembers the block in
    its ``checked_in`` attribute)."""
    block = getattr(_steady, "block", None)
    if block is not None and owner.checked_in is block:
        return False
    owner.checked_in = block
    return True


@dataclass
class RawResult:
    """What one call of a function did.

    ``status``: ``ok`` (``value`` is what it returned), ``error`` (it threw, or called
    the callback with an error), ``timeout`` (it ran past its time and was stopped),
    ``crash`` (the process running it died). ``calls``: the outbound calls it made
    (see :mod:`edgelab.runtimes.netguard` and :mod:`edgelab.outbound`), one dict each.
    """

    status: RawStatus
    value: Any = None
    error_type: str | None = None
    error_message: str | None = None
    logs: str = ""
    duration_ms: float = 0.0
    cold_start: bool = False
    calls: list[dict[str, Any]] = field(default_factory=list)
    #: True when ``value`` is known to be JSON data the validator's "is it JSON" check
    #: passes (worked out where it was encoded: ``jsonwire.marshal_checked``), so that
    #: check is not made twice; False: unknown, the validator makes it
    json_checked: bool = False


@dataclass
class Call:
    """One call to make: the event, and the context's data."""

    event: dict[str, Any]
    info: ContextInfo


#: The Lambda runtime a function of each language gets when nothing names a version (a
#: handler given by path, a definition that says only "python" or "nodejs").
DEFAULT_LAMBDA_RUNTIMES = {"python": "python3.12", "node": "nodejs20.x"}
#: What a versioned Lambda runtime identifier looks like (``python3.12``, ``nodejs20.x``).
LAMBDA_RUNTIME_ID = re.compile(r"python3\.\d+|nodejs\d+\.x")


def lambda_runtime(named: str | None, language: str) -> str:
    """The Lambda runtime of a function in ``language`` (``python`` or ``node``): the
    versioned one ``named`` (a definition's ``Runtime``), else the language's default."""
    if named and LAMBDA_RUNTIME_ID.fullmatch(named):
        return named
    return DEFAULT_LAMBDA_RUNTIMES.get(language, language)


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
