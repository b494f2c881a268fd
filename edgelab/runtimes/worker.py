"""A persistent worker process spoken to in JSON lines, killed and replaced when stuck.

Both the isolated Python runtime and the Node.js runtime run functions in one of these:
one process per simulated container. The protocol is out of the function's reach:

* requests go down a private pipe and answers come back on another, whose numbers the
  child reads from ``$EDGELAB_PROTOCOL_FDS`` (and removes) before any handler code runs;
  the child's stdin is ``/dev/null`` and its stdout and stderr are only its "last
  words" (a bounded tail kept for crash reports), so nothing the function reads or
  writes on fds 0-2 touches the protocol;
* every request carries a fresh random nonce, and an answer counts only when its line
  carries ``<nonce>:<worker pid>:`` before its JSON: a line the function wrote into the
  answer pipe (it can find the descriptor by trying numbers) is discarded and noted in
  that call's logs, and a process forked by the function (another pid) can never answer
  for the worker;
* every message is one of the schema ``protocol.json`` (built and checked through
  :mod:`edgelab.runtimes.protocol`; the Node.js workers through ``protocol.mjs``): each
  answer is checked against it before anything reads it, and a malformed one is a
  ``Runtime.BadAnswer`` error for its call;
* answers are read in large chunks into a buffer scanned only where new bytes arrived,
  so a big answer (a lot of logs) costs linear time.

A request not answered by its deadline gets the worker killed (the whole process group);
a worker that dies is reported as such. Either way the next request starts a new worker,
a cold start, and what a worker said before dying *between* calls is carried into the
next call's logs.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import jsonwire, protocol
from .base import Call, RawResult

# Payloads larger than this are written from a helper thread while answers are read, so
# a worker blocked writing answers (pipe full) never waits on a parent blocked writing
# requests (pipe full): the classic two-pipe deadlock of big batches.
_DIRECT_WRITE_MAX = 32 * 1024
# A worker's stdout/stderr tail kept for crash reports.
_TAIL_BYTES = 64 * 1024
# An answer line longer than this is not edgelab's (answers carry at most the capped
# logs and the function's result): the worker is killed as having been tampered with.
MAX_LINE_BYTES = 256 * 1024 * 1024
KILL_GRACE_S = 0.5  # past the function's own timeout, before its worker is killed


class WorkerTimeout(Exception):
    """The worker did not answer by the deadline; it has been killed. ``during_start``:
    it was still starting (loading the handler: Lambda's init phase)."""

    def __init__(self, message: str, *, during_start: bool = False) -> None:
        self.during_start = during_start
        super().__init__(message)


class WorkerDied(Exception):
    """The worker process exited; ``stderr_tail`` holds its last words."""

    def __init__(
        self, message: str, *, returncode: int | None, stderr_tail: str, during_start: bool = False
    ) -> None:
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        self.during_start = during_start
        super().__init__(message)


class ProtocolBroken(WorkerDied):
    """The answer channel carried bytes that are not edgelab's (the function wrote into
    it mid-answer, or endlessly): the worker has been killed."""


def _nonce() -> str:
    return os.urandom(12).hex()


class WorkerProcess:
    """One child process answering newline-delimited JSON requests in order.

    ``init(worker)``, if given, runs after each start (the worker's ``hello`` is known)
    and may send requests of its own, such as importing the handler.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        ready_timeout_s: float = 20.0,
        init: Callable[[WorkerProcess], None] | None = None,
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.ready_timeout_s = ready_timeout_s
        self.init = init
        self.proc: subprocess.Popen[bytes] | None = None
        self.hello: dict[str, Any] = {}
        self._rfd: int | None = None
        self._wfile: Any = None
        self._buf = bytearray()
        self._lines: deque[bytes] = deque()
        self._tail = bytearray()
        self._tail_lock = threading.Lock()
        self._lock = threading.RLock()
        self._forged = 0
        self._carry = ""
        self.starts = 0

    # -- life cycle ---------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        """Start the process and wait for its ``ready`` line (kept in :attr:`hello`),
        then run ``init``; raises WorkerDied or WorkerTimeout (``during_start``), the
        process gone."""
        self._buf = bytearray()
        self._lines.clear()
        with self._tail_lock:
            self._tail = bytearray()
        self._forged = 0
        self.starts += 1
        hello_nonce = _nonce()
        self._spawn(hello_nonce)
        self.hello = self._await_ready(hello_nonce)
        if self.init is not None:
            self._run_init()

    def _spawn(self, hello_nonce: str) -> None:
        """The child, with the two private pipes (their numbers and the hello nonce in
        its environment) and a thread draining its stdout and stderr."""
        req_r, req_w = os.pipe()
        ans_r, ans_w = os.pipe()
        env = dict(self.env if self.env is not None else os.environ)
        env[protocol.FDS_ENV] = f"{req_r},{ans_w}"
        env[protocol.HELLO_ENV] = hello_nonce
        try:
            # stdout and stderr both feed the "last words" drain; stdin is empty.
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.cwd,
                start_new_session=True,
                pass_fds=(req_r, ans_w),
            )
        except BaseException:
            for fd in (req_w, ans_r):
                os.close(fd)
            raise
        finally:
            for fd in (req_r, ans_w):
                os.close(fd)
        self._rfd = ans_r
        self._wfile = os.fdopen(req_w, "wb", buffering=0)
        threading.Thread(
            target=self._drain, args=(self.proc.stdout,), daemon=True, name="edgelab-worker-drain"
        ).start()

    def _await_ready(self, hello_nonce: str) -> dict[str, Any]:
        """The worker's ``ready`` answer; the worker killed and the error raised
        (``during_start``) when it is late, dies or says something else."""
        assert self.proc is not None
        try:
            hello = self._read_answer(hello_nonce, time.monotonic() + self.ready_timeout_s)
        except WorkerTimeout:
            self.kill()
            raise WorkerTimeout("worker did not start in time", during_start=True) from None
        except WorkerDied as exc:
            exc.during_start = True
            self.kill()
            raise
        if not protocol.is_ready(hello):
            code, tail = self.proc.poll(), self.stderr_tail()
            self.kill()
            raise WorkerDied(
                f"worker did not start: {hello!r}",
                returncode=code,
                stderr_tail=tail,
                during_start=True,
            )
        return hello

    def _run_init(self) -> None:
        assert self.init is not None
        carry, self._carry = self._carry, ""  # for the first call, not for init's
        try:
            self.init(self)
        except (WorkerTimeout, WorkerDied) as exc:
            exc.during_start = True
            self.kill()
            raise
        finally:
            self._carry = carry + self._carry

    def kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        rfd, self._rfd = self._rfd, None
        if rfd is not None:
            with contextlib.suppress(OSError):
                os.close(rfd)
        wfile, self._wfile = self._wfile, None
        if wfile is not None:
            with contextlib.suppress(OSError, ValueError):
                wfile.close()
        # The stream the drain thread reads is closed by that thread at EOF (closing it
        # here could wait on the thread's read).
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)

    close = kill

    def stderr_tail(self) -> str:
        with self._tail_lock:
            return bytes(self._tail).decode("utf-8", "replace").strip()

    def _drain(self, stream: Any) -> None:
        """Keep the last :data:`_TAIL_BYTES` of what the worker writes on fd 1 and 2."""
        fd = stream.fileno()
        with contextlib.suppress(ValueError, OSError):
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                with self._tail_lock:
                    self._tail += chunk
                    if len(self._tail) > 2 * _TAIL_BYTES:
                        del self._tail[:-_TAIL_BYTES]
        with self._tail_lock:
            if len(self._tail) > _TAIL_BYTES:
                del self._tail[:-_TAIL_BYTES]
        with contextlib.suppress(OSError):
            stream.close()

    def _note_death_between_calls(self) -> None:
        """The process exited while no request was in flight (a thread or timer the
        function left behind): keep its last words for the next call's logs."""
        proc = self.proc
        if proc is None or proc.poll() is None:
            return
        code = proc.returncode
        time.sleep(0.05)  # let the drain collect the last words
        tail = self.stderr_tail()
        self.kill()
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        self._carry += (
            f"[edgelab: the previous container's process {how} between calls; "
            "this call is a cold start" + (f". Its last output:\n{tail}" if tail else "") + "]\n"
        )

    def carry(self, text: str) -> None:
        """Logs to put in front of the next answer's logs (what a dead container said)."""
        self._carry += text

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
                if self.proc is not None:
                    self._note_death_between_calls()
                if not self.alive:
                    self.start()
            except (WorkerTimeout, WorkerDied) as exc:
                setattr(exc, "answers", answers)  # noqa: B010 (read back by run_calls)
                raise
            nonces = [_nonce() for _ in messages]
            payload = b"".join(
                jsonwire.dumps(protocol.with_nonce(m, n)).encode() + b"\n"
                for m, n in zip(messages, nonces, strict=True)
            )
            writer: threading.Thread | None = None
            if len(payload) <= _DIRECT_WRITE_MAX:
                try:
                    self._wfile.write(payload)
                except (OSError, ValueError):
                    return self._died([])
            else:
                writer = threading.Thread(
                    target=self._write_all, daemon=True, args=(self._wfile, payload)
                )
                writer.start()
            try:
                for nonce in nonces:
                    answer = self._read_answer(nonce, time.monotonic() + timeout_s)
                    if self._carry:
                        protocol.prepend_logs(answer, self._carry)
                        self._carry = ""
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

    def _died(self, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        code = self.proc.poll() if self.proc else None
        tail = self.stderr_tail()
        self.kill()
        exc = WorkerDied(f"worker exited (code {code})", returncode=code, stderr_tail=tail)
        exc.answers = answers  # type: ignore[attr-defined]
        raise exc

    def _read_answer(self, nonce: str, deadline: float) -> dict[str, Any]:
        """The answer that carries ``nonce`` and this worker's pid; other lines (written
        into the channel by the function's process) are counted and discarded."""
        assert self.proc is not None
        prefix = f"{nonce}:{self.proc.pid}:".encode()
        while True:
            line = self._read_line(deadline)
            at = line.find(prefix)
            if at < 0:
                self._forged += 1
                continue
            try:
                answer = jsonwire.loads(line[at + len(prefix) :])
            except (ValueError, UnicodeDecodeError, RecursionError):
                code = self.proc.poll()
                self.kill()
                raise ProtocolBroken(
                    "the answer was corrupted by bytes the function's process wrote into "
                    "edgelab's private answer channel",
                    returncode=code,
                    stderr_tail="",
                ) from None
            answer = protocol.check_answer(answer)
            if self._forged:
                protocol.prepend_logs(
                    answer,
                    f"[edgelab: discarded {self._forged} line(s) that the function's process "
                    "wrote into edgelab's private answer channel; they cannot forge an "
                    "answer]\n",
                )
                self._forged = 0
            return answer

    def _read_line(self, deadline: float) -> bytes:
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
                # EOF: give the drain a moment to collect the last words.
                code = None
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = self.proc.wait(timeout=2)
                time.sleep(0.05)
                if code is None:  # alive, but its answer channel is gone
                    self.kill()
                    raise ProtocolBroken(
                        "the function's process closed edgelab's private answer channel",
                        returncode=None,
                        stderr_tail=self.stderr_tail(),
                    )
                raise WorkerDied(
                    f"worker exited (code {code})", returncode=code, stderr_tail=self.stderr_tail()
                )
            end = chunk.rfind(b"\n")
            if end < 0:  # no line ends in this chunk: only append (linear in all)
                self._buf += chunk
                if len(self._buf) > MAX_LINE_BYTES:
                    code = self.proc.poll()
                    self.kill()
                    raise ProtocolBroken(
                        f"more than {MAX_LINE_BYTES >> 20} MB arrived on edgelab's private "
                        "answer channel without a line end",
                        returncode=code,
                        stderr_tail="",
                    )
                continue
            self._buf += chunk[:end]
            self._lines.extend(bytes(self._buf).split(b"\n"))
            self._buf = bytearray(chunk[end + 1 :])
        return self._lines.popleft()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.kill()


def run_calls(
    worker: WorkerProcess,
    calls: Sequence[Call],
    *,
    encode: Callable[[Call], Mapping[str, Any]],
    timeout_text: Callable[[Call], str],
    crashed: Callable[[WorkerDied, float], RawResult],
    init_text: Callable[[Call], str] | None = None,
    stop: Callable[[dict[str, Any]], bool] | None = None,
) -> list[RawResult]:
    """Run ``calls`` on ``worker`` in batches, one result per call, whatever happens.

    ``encode`` makes each call's request (through :mod:`edgelab.runtimes.protocol`). A
    call that runs past its timeout gets a ``timeout`` result and one whose worker dies
    a ``crashed(...)`` result; either way the worker is replaced and the remaining calls
    are sent to the new one (as are the calls after an answer ``stop`` says yes to). A
    ``retry`` answer means the container broke between calls (a stray error after the
    previous call returned): its logs are carried and the call runs on a fresh container.
    """
    results: list[RawResult] = []
    pending = list(calls)

    def stop_or_retry(answer: dict[str, Any]) -> bool:
        return protocol.is_retry(answer) or (stop is not None and stop(answer))

    while pending:
        timeout = max(c.info.timeout_s for c in pending)
        started = time.monotonic()
        try:
            answers = worker.request_many(
                [encode(c) for c in pending], timeout_s=timeout + KILL_GRACE_S, stop=stop_or_retry
            )
        except WorkerTimeout as exc:
            answers = exc.answers  # type: ignore[attr-defined]
            call = pending[len(answers)]
            text = (
                init_text(call)
                if exc.during_start and init_text is not None
                else timeout_text(call)
            )
            failed = _timed_out(worker, exc, text, started)
        except WorkerDied as exc:
            answers = exc.answers  # type: ignore[attr-defined]
            failed = _died(exc, crashed, started)
        else:
            answers = _carry_retry(worker, answers)
            results += [protocol.answer_to_result(a) for a in answers]
            pending = pending[len(answers) :]  # the rest after a stop or retry, if any
            continue
        results += [protocol.answer_to_result(a) for a in answers]
        results.append(failed)
        pending = pending[len(answers) + 1 :]
    return results


def _timed_out(worker: WorkerProcess, exc: WorkerTimeout, text: str, started: float) -> RawResult:
    """The result of the call in flight when the worker missed its deadline."""
    return RawResult(
        "timeout",
        None,
        "LambdaLimitExceeded",
        text,
        logs=worker.stderr_tail() if exc.during_start else "",
        duration_ms=(time.monotonic() - started) * 1000,
        cold_start=bool(exc.during_start),
    )


def _died(
    exc: WorkerDied, crashed: Callable[[WorkerDied, float], RawResult], started: float
) -> RawResult:
    """The result of the call in flight when its worker died (or broke the protocol)."""
    if isinstance(exc, ProtocolBroken):
        return RawResult(
            "crash",
            None,
            "Runtime.ProtocolViolation",
            f"{exc}; the container was replaced",
            duration_ms=(time.monotonic() - started) * 1000,
        )
    return crashed(exc, started)


def _carry_retry(worker: WorkerProcess, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``answers`` without a last ``retry`` answer, whose logs go to the next call."""
    if not answers or not protocol.is_retry(answers[-1]):
        return answers
    worker.carry(
        "[edgelab: the previous container broke between calls (an error "
        "thrown or a promise rejected after its call returned) and was "
        "replaced; this call is a cold start. Its logs:]\n" + protocol.logs_of(answers[-1])
    )
    return answers[:-1]
