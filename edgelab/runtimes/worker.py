"""A persistent worker process spoken to in JSON lines, killed and replaced when stuck.

Both the isolated Python runtime and the Node.js runtime run functions in one of these:
one process per simulated container. The parent writes one JSON object per line to the
worker's stdin and reads one JSON line back per request on a dedicated channel: the
worker's stdout, or (``channel_fd=True``) an extra pipe whose descriptor number the child
finds in ``$EDGELAB_PROTOCOL_FD``, so that nothing the function writes to fd 1 can reach
the protocol. A request that is not answered by its deadline gets the worker killed (the
whole process group); a worker that dies is reported as such. Either way the next request
starts a new worker, a cold start.
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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .base import Call, RawResult

# Payloads larger than this are written from a helper thread while answers are read, so
# a worker blocked writing answers (pipe full) never waits on a parent blocked writing
# requests (pipe full): the classic two-pipe deadlock of big batches.
_DIRECT_WRITE_MAX = 32 * 1024


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

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        ready_timeout_s: float = 20.0,
        channel_fd: bool = False,
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.ready_timeout_s = ready_timeout_s
        self.channel_fd = channel_fd
        self.proc: subprocess.Popen[bytes] | None = None
        self.hello: dict[str, Any] = {}
        self._rfd: int | None = None
        self._buf = b""
        self._lines: deque[bytes] = deque()
        self._stderr: deque[str] = deque(maxlen=40)
        self._lock = threading.Lock()
        self.starts = 0

    # -- life cycle ---------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """Start the process and wait for its ``{"ready": true, ...}`` line (kept in
        :attr:`hello`); raises WorkerDied or WorkerTimeout, the process gone."""
        self._buf = b""
        self._lines.clear()
        self._stderr.clear()
        self.starts += 1
        if self.channel_fd:
            rfd, wfd = os.pipe()
            env = dict(self.env if self.env is not None else os.environ)
            env["EDGELAB_PROTOCOL_FD"] = str(wfd)
            try:
                # The child's own stdout and stderr both feed the "last words" drain.
                self.proc = subprocess.Popen(
                    self.argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=self.cwd,
                    start_new_session=True,
                    pass_fds=(wfd,),
                )
            except BaseException:
                os.close(rfd)
                raise
            finally:
                os.close(wfd)
            self._rfd = rfd
            noise = self.proc.stdout
        else:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )
            assert self.proc.stdout is not None
            self._rfd = self.proc.stdout.fileno()
            noise = self.proc.stderr
        threading.Thread(target=self._drain_stderr, args=(noise,), daemon=True).start()
        try:
            hello = self._read_line(time.monotonic() + self.ready_timeout_s)
        except BaseException:
            self.kill()
            raise
        if hello.get("ready") is not True:
            code, tail = self.proc.poll(), self.stderr_tail()
            self.kill()
            raise WorkerDied(f"worker did not start: {hello!r}", returncode=code, stderr_tail=tail)
        self.hello = hello

    def kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        rfd, self._rfd = self._rfd, None
        if self.channel_fd and rfd is not None:
            with contextlib.suppress(OSError):
                os.close(rfd)
        # The stream the drain thread reads is closed by that thread at EOF (closing it
        # here could wait on the thread's read).
        for stream in (proc.stdin, None if self.channel_fd else proc.stdout):
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

    def _drain_stderr(self, stream: Any) -> None:
        with contextlib.suppress(ValueError, OSError):  # closed by kill()
            for line in iter(stream.readline, b""):
                self._stderr.append(line.decode("utf-8", "replace"))
        with contextlib.suppress(OSError):
            stream.close()

    # -- requests -----------------------------------------------------------------------
    def request(self, message: Mapping[str, Any], *, timeout_s: float) -> dict[str, Any]:
        """Send one request and wait for its answer (see :meth:`request_many`)."""
        return self.request_many([message], timeout_s=timeout_s)[0]

    def request_many(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        timeout_s: float,
        stop: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """Send requests in one write and read their answers, each within ``timeout_s``.

        The worker answers in order, so each request's deadline runs from the moment the
        previous answer arrived. Raises :class:`WorkerTimeout` (with ``.answers`` so far)
        or :class:`WorkerDied` (likewise); the worker is gone after either. When ``stop``
        says yes to an answer, the worker is killed and the answers up to and including
        that one are returned (fewer than the messages): the caller re-sends the rest.
        """
        with self._lock:
            answers: list[dict[str, Any]] = []
            try:
                if not self.alive:
                    self.start()
            except (WorkerTimeout, WorkerDied) as exc:
                setattr(exc, "answers", answers)  # noqa: B010 (read back by run_calls)
                raise
            assert self.proc is not None and self.proc.stdin is not None
            payload = b"".join(
                json.dumps(m, separators=(",", ":")).encode() + b"\n" for m in messages
            )
            writer: threading.Thread | None = None
            if len(payload) <= _DIRECT_WRITE_MAX:
                try:
                    self.proc.stdin.write(payload)
                    self.proc.stdin.flush()
                except OSError:
                    return self._died([])
            else:
                writer = threading.Thread(
                    target=self._write_all, daemon=True, args=(self.proc.stdin, payload)
                )
                writer.start()
            try:
                for _ in messages:
                    answer = self._read_line(time.monotonic() + timeout_s)
                    answers.append(answer)
                    if stop is not None and stop(answer):
                        self.kill()
                        break
            except (WorkerTimeout, WorkerDied) as exc:
                setattr(exc, "answers", answers)  # noqa: B010 (read back by run_calls)
                self.kill()
                raise
            finally:
                if writer is not None:
                    writer.join(5)
            return answers

    @staticmethod
    def _write_all(stream: Any, payload: bytes) -> None:
        with contextlib.suppress(OSError, ValueError):  # the worker died or was killed
            stream.write(payload)
            stream.flush()

    def _died(self, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        code = self.proc.poll() if self.proc else None
        tail = self.stderr_tail()
        self.kill()
        exc = WorkerDied(f"worker exited (code {code})", returncode=code, stderr_tail=tail)
        exc.answers = answers  # type: ignore[attr-defined]
        raise exc

    def _read_line(self, deadline: float) -> dict[str, Any]:
        assert self.proc is not None and self._rfd is not None
        fd = self._rfd
        while not self._lines:
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
                raise WorkerDied(
                    f"worker exited (code {code})", returncode=code, stderr_tail=self.stderr_tail()
                )
            # Split each chunk once (answers of a batch arrive many to a chunk).
            *complete, self._buf = (self._buf + chunk).split(b"\n")
            self._lines.extend(complete)
        return json.loads(self._lines.popleft())

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.kill()


KILL_GRACE_S = 0.5  # past the function's own timeout, before its worker is killed


def answer_to_result(answer: Mapping[str, Any]) -> RawResult:
    """A worker's JSON answer as a :class:`RawResult` (the shape both workers write)."""
    return RawResult(
        answer["status"],
        answer.get("value"),
        answer.get("error_type"),
        answer.get("error_message"),
        answer.get("logs", ""),
        answer.get("duration_ms", 0.0),
        answer.get("cold_start", False),
    )


def run_calls(
    worker: WorkerProcess,
    calls: Sequence[Call],
    *,
    encode: Callable[[Call], Mapping[str, Any]],
    timeout_text: Callable[[Call], str],
    crashed: Callable[[WorkerDied, float], RawResult],
    stop: Callable[[dict[str, Any]], bool] | None = None,
) -> list[RawResult]:
    """Run ``calls`` on ``worker`` in batches, one result per call, whatever happens.

    A call that runs past its timeout gets a ``timeout`` result and one whose worker dies
    a ``crashed(...)`` result; either way the worker is replaced and the remaining calls
    are sent to the new one (as are the calls after an answer ``stop`` says yes to).
    """
    results: list[RawResult] = []
    pending = list(calls)
    while pending:
        timeout = max(c.info.timeout_s for c in pending)
        started = time.monotonic()
        try:
            answers = worker.request_many(
                [encode(c) for c in pending], timeout_s=timeout + KILL_GRACE_S, stop=stop
            )
        except WorkerTimeout as exc:
            answers = exc.answers  # type: ignore[attr-defined]
            results += [answer_to_result(a) for a in answers]
            results.append(
                RawResult(
                    "timeout",
                    None,
                    "LambdaLimitExceeded",
                    timeout_text(pending[len(answers)]),
                    duration_ms=(time.monotonic() - started) * 1000,
                )
            )
            pending = pending[len(answers) + 1 :]
            continue
        except WorkerDied as exc:
            answers = exc.answers  # type: ignore[attr-defined]
            results += [answer_to_result(a) for a in answers]
            results.append(crashed(exc, started))
            pending = pending[len(answers) + 1 :]
            continue
        results += [answer_to_result(a) for a in answers]
        pending = pending[len(answers) :]  # the rest after a stop, if any
    return results
