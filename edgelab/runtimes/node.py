"""Node.js handlers, run unmodified in a persistent ``node`` worker per simulated container.

``path/file.js|.cjs|.mjs[:export]`` (export ``handler`` by default): CommonJS and ES
modules load through Node's own resolution (the worker ``import()``s the file, so the
nearest ``package.json`` ``"type"`` decides for ``.js``, and ``require`` of relative
modules and ``node_modules`` packages works as in Lambda). All three handler styles of
facts §9 work: ``(event, context, callback)``, ``async (event, context)`` and a function
returning a Promise; whichever of callback or promise settles first wins.

One worker process is one container: module state persists between calls and a new
worker starts clean (``reset()``, a changed handler file, a timeout or a crash each
start a new one on the next call, a cold start). Workers run with
``--max-old-space-size`` set to the trigger's memory (facts §5.1), one per memory size.

Outcomes (facts §6; ``edgelab.rules.outcome.decide`` turns them into CloudFront's):
a throw, a rejected promise or ``callback(err)`` -> ``error``; running past the
trigger's timeout (an endless loop, a callback never called) -> ``timeout``, the worker
killed; a worker that exits (``process.exit``, out of memory) -> ``crash``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import HandlerLoadError
from . import protocol
from .base import Call, Handler, RawResult, file_stamp
from .nodefind import find_node
from .worker import KILL_GRACE_S, WorkerDied, WorkerProcess, WorkerTimeout, run_calls

WORKER_JS = Path(__file__).with_name("node_worker.mjs")
NODE_SUFFIXES = (".js", ".cjs", ".mjs")
# How long past the function's own timeout the parent waits before killing a worker that
# did not answer (a synchronous endless loop cannot answer): the outcome comes within
# timeout + 1 s.
_EXPORT_RE = re.compile(r"^[A-Za-z_$][\w$]*$")
INIT_TIMEOUT_S = 10.0  # Lambda's init phase: loading the handler module


def parse_node_spec(spec: str) -> tuple[str, str]:
    """``path/file.js[:export]`` -> (file, export); the export defaults to ``handler``."""
    target, sep, name = spec.rpartition(":")
    if not sep or target.endswith(("\\", "/")) or name.endswith(NODE_SUFFIXES) or not target:
        return spec, "handler"  # no export given (or a drive letter's colon)
    name = name.strip() or "handler"
    if not _EXPORT_RE.match(name):
        raise HandlerLoadError(
            f"export name {name!r} in {spec!r} is not a JavaScript identifier; give "
            "path/file.js, path/file.mjs or path/file.cjs, optionally with :exportName",
            spec=spec,
        )
    return target, name


def _last_words(stderr_tail: str) -> str:
    """The most telling line a dead worker left: Node's fatal error, else its last line."""
    lines = [ln.strip() for ln in stderr_tail.splitlines() if ln.strip()]
    for ln in lines:
        if "FATAL ERROR" in ln or "heap out of memory" in ln:
            return ln
    return lines[-1] if lines else ""


class NodeHandler(Handler):
    """A Node.js Lambda@Edge handler in a ``node`` worker process per container; ``env``
    is laid over the worker's environment (None removes a name)."""

    language = "node"

    def __init__(self, spec: str, env: Mapping[str, str | None] | None = None) -> None:
        self.spec = spec
        self._extra_env = dict(env or {})
        target, self.export = parse_node_spec(spec)
        if not target.endswith(NODE_SUFFIXES):
            raise HandlerLoadError(
                f"handler {spec!r} is not a Node.js file; give path/file.js, path/file.mjs "
                "or path/file.cjs, optionally with :exportName (default: handler)",
                spec=spec,
            )
        self.path = Path(target).resolve()
        if not self.path.is_file():
            raise HandlerLoadError(
                f"handler file {target!r} does not exist; give path/file.js, path/file.mjs "
                "or path/file.cjs, optionally with :exportName (default: handler)",
                spec=spec,
            )
        self.node = find_node()  # RuntimeUnavailable, with how to get Node, if none
        self.function_name = f"{self.path.stem}-{self.export}".replace("_", "-")
        self._workers: dict[int, WorkerProcess] = {}
        self._stamp = file_stamp(self.path)
        # Load the module now, so a missing export or an import error is reported up front
        # (the CLI's exit 2); the worker is kept for the most common memory size.
        probe = self._worker_for(128)
        try:
            probe.start()
        except WorkerTimeout:
            self.close()
            raise HandlerLoadError(
                f"handler {spec!r} did not finish loading within Lambda's "
                f"{INIT_TIMEOUT_S:g} s init phase (for example an endless loop at module "
                "level); its node process was killed",
                spec=spec,
            ) from None
        except WorkerDied as exc:
            self.close()
            tail = _last_words(exc.stderr_tail or "")
            raise HandlerLoadError(
                f"handler {spec!r} does not import: the node process exited while loading "
                f"it{': ' + tail if tail else ''}",
                spec=spec,
            ) from None
        self._check_load(protocol.hello_load(probe.hello))
        self.node_version = protocol.hello_node(probe.hello)

    # -- workers ----------------------------------------------------------------------
    def _worker_for(self, memory_mb: int) -> WorkerProcess:
        worker = self._workers.get(memory_mb)
        if worker is None:
            env = dict(os.environ)
            # Lambda's own variables (facts §5.4: a function sets no environment of its own).
            env.update(
                {
                    "AWS_REGION": "us-east-1",
                    "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
                    "AWS_LAMBDA_FUNCTION_VERSION": "1",
                    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
                    "AWS_EXECUTION_ENV": "AWS_Lambda_nodejs",
                    "TZ": "UTC",
                }
            )
            for name, value in self._extra_env.items():
                if value is None:
                    env.pop(name, None)
                else:
                    env[name] = value
            argv = [
                self.node,
                f"--max-old-space-size={memory_mb}",
                str(WORKER_JS),
                str(self.path),
                self.export,
            ]
            worker = WorkerProcess(
                argv,
                env=env,
                cwd=str(self.path.parent),
                ready_timeout_s=INIT_TIMEOUT_S + KILL_GRACE_S,
            )
            self._workers[memory_mb] = worker
        return worker

    def _check_load(self, load: dict[str, Any]) -> None:
        if load.get("ok"):
            return
        self.close()
        if load.get("type") == "Runtime.HandlerNotFound":
            fns = load.get("functions") or []
            others = load.get("others") or []
            found = ", ".join(fns) if fns else "no functions"
            if others:
                found += f" (other exports: {', '.join(others)})"
            raise HandlerLoadError(
                f"handler {self.spec!r} {load.get('message')}; functions exported there: "
                f"{found}. Name one with {self.path.name}:NAME, or export "
                f"'{self.export}' (exports.{self.export} = ... or export const "
                f"{self.export} = ...)",
                spec=self.spec,
            )
        raise HandlerLoadError(f"handler {self.spec!r} {load.get('message')}", spec=self.spec)

    def _refresh(self) -> None:
        """An edited handler file means a new deployment: new containers, cold starts."""
        stamp = file_stamp(self.path)
        if stamp != self._stamp:
            self._stamp = stamp
            for worker in self._workers.values():
                worker.kill()

    # -- Handler ----------------------------------------------------------------------
    def invoke(self, call: Call) -> RawResult:
        return self.invoke_many([call])[0]

    def invoke_many(self, calls: Sequence[Call]) -> list[RawResult]:
        self._refresh()
        results: list[RawResult] = []
        i = 0
        while i < len(calls):
            # A run of calls with the same memory size goes to that size's worker.
            memory = calls[i].info.memory_limit_in_mb
            j = i
            while j < len(calls) and calls[j].info.memory_limit_in_mb == memory:
                j += 1
            results += self._run(self._worker_for(memory), calls[i:j])
            i = j
        return results

    def _run(self, worker: WorkerProcess, calls: Sequence[Call]) -> list[RawResult]:
        return run_calls(
            worker,
            calls,
            encode=lambda c: protocol.invoke_request(c.event, c.info.to_json()),
            timeout_text=lambda c: (
                f"the function ran past its {c.info.timeout_s:g} s timeout (facts §5.1) and "
                "did not give the event loop back (for example an endless loop); its node "
                "worker was killed and will be replaced"
            ),
            init_text=lambda c: (
                f"handler {self.spec!r} did not finish loading within Lambda's "
                f"{INIT_TIMEOUT_S:g} s init phase; its node worker was killed"
            ),
            crashed=self._crash,
            stop=protocol.wants_restart,
        )

    @staticmethod
    def _crash(exc: WorkerDied, started: float) -> RawResult:
        code = exc.returncode
        words = _last_words(exc.stderr_tail)
        if code is not None and code < 0:
            how = f"was killed by signal {-code}"
        else:
            how = f"exited with status {code}"
        hint = (
            "out of memory: the function used more than its memory limit (facts §5.1)"
            if "heap out of memory" in words
            else "the function called process.exit() or the process died"
            if code is not None and code >= 0
            else "the process died"
        )
        phase = " while loading the handler" if exc.during_start else ""
        message = f"Runtime exited: the node worker running the function {how}{phase} ({hint})"
        if words and "heap out of memory" not in hint:
            message += f"; last output: {words}"
        elif words:
            message += f"; node said: {words}"
        return RawResult(
            "crash",
            None,
            "Runtime.ExitError",
            message,
            logs=exc.stderr_tail,
            duration_ms=(time.monotonic() - started) * 1000,
        )

    def reset(self) -> None:
        for worker in self._workers.values():
            worker.kill()

    def close(self) -> None:
        for worker in self._workers.values():
            worker.kill()
