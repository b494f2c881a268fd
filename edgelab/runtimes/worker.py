"""A persistent worker process spoken to in JSON lines, killed and replaced when stuck.

Both the isolated Python runtime and the Node.js runtime run functions in one of these:
one process per simulated container. The parent writes one JSON object per line to the
worker's stdin and reads one JSON line back per request on a dedicated channel. A
request that is not answered by its deadline gets the worker killed (the whole process
group); a worker that dies is reported as such. Either way the next request starts a
new worker, a cold start.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any


class WorkerTimeout(Exception):
    """The worker did not answer by the deadline; it has been killed."""


class WorkerDied(Exception):
    """The worker process exited; ``stderr_tail`` holds its last words."""

    def __init__(self, message: str, *, returncode: int | None, stderr_tail: str) -> None:
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        super().__init__(message)


class WorkerProcess:
    """One child process answering newline-delimited JSON requests in order."""

    def __init__(self, argv: Sequence[str], *, env: Mapping[str, str] | None = None,
                 cwd: str | None = None, ready_timeout_s: float = 20.0) -> None:
        self.argv = list(argv)
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.ready_timeout_s = ready_timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self._buf = b""
        self._stderr: deque[str] = deque(maxlen=40)
        self._lock = threading.Lock()
        self.starts = 0

    # -- life cycle ---------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=self.env, cwd=self.cwd, start_new_session=True)
        self._buf = b""
        self._stderr.clear()
        self.starts += 1
        threading.Thread(target=self._drain_stderr, args=(self.proc,), daemon=True).start()
        hello = self._read_line(time.monotonic() + self.ready_timeout_s)
        if hello.get("ready") is not True:
            raise WorkerDied(f"worker did not start: {hello!r}", returncode=self.proc.poll(),
                             stderr_tail=self.stderr_tail())

    def kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)

    close = kill

    def stderr_tail(self) -> str:
        return "".join(self._stderr).strip()

    def _drain_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for line in iter(proc.stderr.readline, b""):
            self._stderr.append(line.decode("utf-8", "replace"))

    # -- requests -----------------------------------------------------------------------
    def request(self, message: Mapping[str, Any], *, timeout_s: float) -> dict[str, Any]:
        """Send one request and wait for its answer (see :meth:`request_many`)."""
        return self.request_many([message], timeout_s=timeout_s)[0]

    def request_many(self, messages: Sequence[Mapping[str, Any]], *,
                     timeout_s: float) -> list[dict[str, Any]]:
        """Send requests in one write and read their answers, each within ``timeout_s``.

        The worker answers in order, so each request's deadline runs from the moment the
        previous answer arrived. Raises :class:`WorkerTimeout` (with ``.answers`` so far)
        or :class:`WorkerDied` (likewise); the worker is gone after either.
        """
        with self._lock:
            if not self.alive:
                self.start()
            assert self.proc is not None and self.proc.stdin is not None
            payload = b"".join(json.dumps(m, separators=(",", ":")).encode() + b"\n"
                               for m in messages)
            try:
                self.proc.stdin.write(payload)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                return self._died([])
            answers: list[dict[str, Any]] = []
            for _ in messages:
                try:
                    answers.append(self._read_line(time.monotonic() + timeout_s))
                except WorkerTimeout as exc:
                    self.kill()
                    exc.answers = answers  # type: ignore[attr-defined]
                    raise
                except WorkerDied as exc:
                    exc.answers = answers  # type: ignore[attr-defined]
                    self.kill()
                    raise
            return answers

    def _died(self, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        code = self.proc.poll() if self.proc else None
        tail = self.stderr_tail()
        self.kill()
        exc = WorkerDied(f"worker exited (code {code})", returncode=code, stderr_tail=tail)
        exc.answers = answers  # type: ignore[attr-defined]
        raise exc

    def _read_line(self, deadline: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerTimeout("worker did not answer in time")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                # EOF: give the stderr drain a moment to collect the last words.
                code = None
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = self.proc.wait(timeout=2)
                time.sleep(0.05)
                raise WorkerDied(f"worker exited (code {code})", returncode=code,
                                 stderr_tail=self.stderr_tail())
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return json.loads(line)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.kill()
