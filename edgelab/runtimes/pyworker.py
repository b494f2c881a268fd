"""Worker process for isolated Python handlers (``python -m edgelab.runtimes.pyworker``).

Before any handler code runs, the worker takes its protocol private: the request and
answer pipes named by ``$EDGELAB_PROTOCOL_FDS`` are moved to high, close-on-exec
descriptor numbers (the variables are removed), fd 0 is ``/dev/null``, and fds 1 and 2
are only the parent's "last words" tail. A child the function forks has both protocol
descriptors closed (``os.register_at_fork``) and exits as soon as it returns into this
module. JSON is read and written with references bound before the handler is imported
(:mod:`edgelab.runtimes.jsonwire`), so a handler that patches ``json`` cannot corrupt
the protocol.

Outbound network goes through :mod:`edgelab.runtimes.netguard`, installed (from
``$EDGELAB_OUTBOUND``, then removed) before the handler is imported; each answer carries
the calls it refused as ``outbound``.

Requests are ``load`` (Lambda's init phase: import the handler) or ``invoke`` (one call),
each with its nonce; each answer (``ready``, ``loaded``, ``result``) is one line
``<nonce>:<pid>:<json>``. Messages are built and read through
:mod:`edgelab.runtimes.protocol` (the schema ``protocol.json``; see
:mod:`edgelab.runtimes.worker` for the framing).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

from ..errors import HandlerLoadError
from . import protocol
from .context import ContextInfo
from .jsonwire import dumps, loads
from .netguard import ENV as OUTBOUND_ENV
from .netguard import Guard, config_from_env
from .python import _Loader, parse_python_spec, run_function

_write = os.write
_getpid = os.getpid
_exit = os._exit
_PRIVATE_FD_MIN = 512


def _private(fd: int) -> int:
    """``fd`` moved to a high, close-on-exec number."""
    try:
        import fcntl

        new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, _PRIVATE_FD_MIN)
    except (ImportError, OSError, AttributeError):
        new = os.dup(fd)
    os.close(fd)
    return new


# -- the memory quota (facts §5.1) -------------------------------------------------------
_untouched_cache: list[int] = [-1, 0]


def _untouched_bytes() -> int:
    """Reserved but untouched data memory (``VmData - RssAnon``): mostly the stacks of
    threads, 8 MB each, which Lambda's memory accounting (resident memory) does not
    count but ``RLIMIT_DATA`` does. Recomputed when the number of threads changes."""
    threads = threading.active_count()
    if threads == _untouched_cache[0]:
        return _untouched_cache[1]
    fields: dict[bytes, int] = {}
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                key, _, rest = line.partition(b":")
                if key in (b"VmData", b"RssAnon"):
                    fields[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        fields = {}
    value = max(0, fields.get(b"VmData", 0) - fields.get(b"RssAnon", 0))
    _untouched_cache[:] = [threads, value]
    return value


@contextlib.contextmanager
def memory_limit(megabytes: int) -> Iterator[None]:
    """Hold the process to ``megabytes`` of data memory while a call runs (the trigger's
    memory quota, facts §5.1, which counts the runtime as Lambda's does): an allocation
    past it raises MemoryError in the function. Reserved but untouched memory (the stacks
    of threads a handler left running) is not counted, as Lambda counts resident memory.
    Where the platform has no RLIMIT_DATA, the call runs unlimited."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = megabytes * 1024 * 1024 + _untouched_bytes()
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ImportError, ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


# -- the loop -----------------------------------------------------------------------------
class _Worker:
    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        r, w = (int(x) for x in os.environ.pop(protocol.FDS_ENV).split(","))
        self.hello = os.environ.pop(protocol.HELLO_ENV)
        self.rfd, self.wfd = _private(r), _private(w)
        self.pid = _getpid()
        self.loaders: dict[str, _Loader] = {}
        self.fresh: set[str] = set()  # loaded by a "load" request, not called yet: cold
        os.register_at_fork(after_in_child=self._in_child)

    def _in_child(self) -> None:
        for fd in (self.rfd, self.wfd):
            with contextlib.suppress(OSError):
                os.close(fd)

    def send(self, nonce: str, obj: dict[str, Any]) -> None:
        if _getpid() != self.pid:  # a forked child never answers
            _exit(0)
        data = f"{nonce}:{self.pid}:{dumps(obj)}\n".encode("utf-8", "surrogatepass")
        view = memoryview(data)
        while view:
            view = view[_write(self.wfd, view) :]

    def run(self) -> None:
        # The function's prints go to its capture buffer; outside a call, to fd 1 (the
        # parent's "last words"), line by line.
        sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", closefd=False)
        self.send(self.hello, protocol.ready_answer(self.pid))
        reader = os.fdopen(self.rfd, "rb", closefd=False)
        for line in reader:
            try:
                request = protocol.read_python_request(loads(line))
            except (ValueError, UnicodeDecodeError):
                request = None
            if request is None:
                continue  # not edgelab's request (the parent never sends such lines)
            self.send(request.nonce, self.answer(request))

    def _load(self, spec: str) -> _Loader:
        target, func, is_file = parse_python_spec(spec)
        loader = _Loader(spec, target, func, is_file=is_file)
        loader.load()
        self.loaders[spec] = loader
        return loader

    def answer(self, request: protocol.PythonRequest) -> dict[str, Any]:
        spec = request.spec
        if request.is_load:  # the init phase only: import, report the name
            self.loaders.pop(spec, None)
            try:
                loaded = self._load(spec)
            except HandlerLoadError as exc:
                return protocol.result_answer("error", error_message=str(exc))
            self.fresh.add(spec)
            return protocol.loaded_answer(loaded.function_name)
        loader = self.loaders.get(spec)
        cold = spec in self.fresh
        self.fresh.discard(spec)
        try:
            if loader is None or loader.changed():
                self.loaders.pop(spec, None)
                loader = self._load(spec)
                cold = True
        except HandlerLoadError as exc:
            return protocol.result_answer(
                "error",
                error_type="Runtime.ImportModuleError",
                error_message=str(exc),
                cold_start=True,
            )
        info = ContextInfo(**request.context)
        assert loader.function is not None
        with memory_limit(info.memory_limit_in_mb):
            result = run_function(loader.function, request.event, info, cold_start=cold, copy=False)
        if result.error_type == "MemoryError":
            result.error_message = (
                f"the function used more than its {info.memory_limit_in_mb} MB memory "
                "limit (facts §5.1)"
            )
        if result.status == "timeout":
            # Lambda resets the environment after a timeout: the next call re-imports
            # the handler (cold start, fresh module state).
            self.loaders.pop(spec, None)
        return protocol.result_of(result, self.guard.take())


def main() -> None:
    guard = Guard(config_from_env())
    os.environ.pop(OUTBOUND_ENV, None)
    guard.install()
    _Worker(guard).run()


if __name__ == "__main__":
    main()
