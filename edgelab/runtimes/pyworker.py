"""Worker process for isolated Python handlers (``python -m edgelab.runtimes.pyworker``).

Reads one JSON request per line on stdin and answers one JSON line per request on the
original stdout. A request is a call (``spec``, ``event``, ``info``) or, first, a
``{"op": "load", "spec"}`` that only imports the handler (Lambda's init phase). The
handler's own prints go to a capture buffer (and fd 1 is pointed at stderr, so even a
raw ``os.write(1, ...)`` cannot corrupt the protocol).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator

from ..errors import HandlerLoadError
from .context import ContextInfo
from .python import _Loader, parse_python_spec, run_function


@contextlib.contextmanager
def memory_limit(megabytes: int) -> Iterator[None]:
    """Hold the process to ``megabytes`` of data memory while a call runs (the trigger's
    memory quota, facts §5.1, which counts the runtime as Lambda's does): an allocation
    past it raises MemoryError in the function. Where the platform has no RLIMIT_DATA,
    the call runs unlimited."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = megabytes * 1024 * 1024
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


def main() -> None:
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", closefd=False)
    loaders: dict[str, _Loader] = {}
    channel.write(json.dumps({"ready": True}) + "\n")
    fresh: set[str] = set()  # loaded by a "load" request, not called yet: still cold
    for line in sys.stdin:
        msg = json.loads(line)
        spec = msg["spec"]
        loader = loaders.get(spec)
        cold = spec in fresh
        fresh.discard(spec)
        try:
            if loader is None:
                target, func, is_file = parse_python_spec(spec)
                loader = loaders[spec] = _Loader(spec, target, func, is_file=is_file)
                loader.load()
                cold = True
            elif loader.changed():
                loader.load()
                cold = True
        except HandlerLoadError as exc:
            if msg.get("op") == "load":
                channel.write(json.dumps({"status": "error", "error_message": str(exc)}) + "\n")
                continue
            loaders.pop(spec, None)
            answer = {
                "status": "error",
                "error_type": "Runtime.ImportModuleError",
                "error_message": str(exc),
                "cold_start": True,
            }
        else:
            if msg.get("op") == "load":  # the init phase only: import, report the name
                fresh.add(spec)
                channel.write(
                    json.dumps({"status": "loaded", "function_name": loader.function_name}) + "\n"
                )
                continue
            info = ContextInfo(**msg["info"])
            with memory_limit(info.memory_limit_in_mb):
                assert loader.function is not None
                result = run_function(loader.function, msg["event"], info, cold_start=cold)
            if result.error_type == "MemoryError":
                result.error_message = (
                    f"the function used more than its {info.memory_limit_in_mb} MB memory "
                    "limit (facts §5.1)"
                )
            if result.status == "timeout":
                # Lambda resets the environment after a timeout: the next call re-imports
                # the handler (cold start, fresh module state).
                loaders.pop(spec, None)
            answer = {
                "status": result.status,
                "value": result.value,
                "error_type": result.error_type,
                "error_message": result.error_message,
                "logs": result.logs,
                "duration_ms": result.duration_ms,
                "cold_start": result.cold_start,
            }
        try:
            text = json.dumps(answer, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            text = json.dumps(
                {
                    "status": "ok",
                    "value": {"__unserializable__": repr(exc)},
                    "logs": answer.get("logs", ""),
                    "duration_ms": answer.get("duration_ms", 0.0),
                }
            )
        channel.write(text + "\n")


if __name__ == "__main__":
    main()
