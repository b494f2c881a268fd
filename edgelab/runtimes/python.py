"""Python handlers: ``handler(event, context)`` run unmodified, in-process or isolated.

* :class:`InProcessPython` runs the function in this interpreter: the fast mode. Its
  timeout is real: in the main thread (scripts, the CLI, a Jupyter cell) a timer signal
  interrupts the function, elsewhere it runs in the calling thread's handler thread
  (one kept per calling thread) and an asynchronous exception is raised in it at the
  deadline (a thread stuck past it is abandoned).
* :class:`IsolatedPython` runs it in a worker process per simulated container
  (``edgelab.runtimes.pyworker``), killed and replaced on timeout or crash.

Both capture what the function prints or logs, per call (capped at
:data:`~edgelab.runtimes.base.MAX_LOGS`), both turn the return value into JSON data the
way Lambda's runtime does (:func:`~edgelab.runtimes.jsonwire.marshal_result`), and both
re-load the handler file when it changes on disk (a cold start, as after a Lambda
deployment). A process the function forks never comes back into edgelab: when it
returns from the function it exits at once, so it cannot answer for its parent.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # signal.signal without its enum wrapping
import contextlib
import ctypes
import importlib
import importlib.util
import io
import logging
import os
import queue
import signal
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import HandlerLoadError
from . import protocol
from .base import (
    Call,
    Handler,
    LogBuffer,
    RawResult,
    RawStatus,
    file_stamp,
    stamp_due,
    steady_block,
)
from .context import ContextInfo, LambdaContext
from .jsonwire import event_copy, marshal_checked
from .netguard import ENV as OUTBOUND_ENV
from .netguard import Guard, config_from_env
from .worker import WorkerDied, WorkerProcess, WorkerTimeout, run_calls

# Bound before any handler code runs (a handler may replace them).
_exit = os._exit
#: how many times this process was forked (counted in each child): a call that sees it
#: change is running in a child the function forked, which must never answer (a list
#: read rather than two getpid() system calls per call)
_forks = [0]


def _forked() -> None:
    _forks[0] += 1


if hasattr(os, "register_at_fork"):  # (no fork on Windows)
    os.register_at_fork(after_in_child=_forked)
# the C functions that signal.signal and signal.setitimer wrap (the timeout of every
# in-process call sets and restores SIGALRM: without the enum conversions of the wrapper)
_SIGNAL = _signal.signal
_GETSIGNAL = _signal.getsignal
_SETITIMER = getattr(_signal, "setitimer", None)
_get_ident = threading.get_ident
_monotonic = time.monotonic
_SIGALRM = int(getattr(signal, "SIGALRM", 14))
_ITIMER_REAL = int(getattr(signal, "ITIMER_REAL", 0))

DEFAULT_NAMES = ("handler", "lambda_handler")
INIT_TIMEOUT_S = 10.0  # Lambda's init phase: importing the handler module


class _Timeout(BaseException):
    """Raised inside a function that ran past its time (BaseException: ``except
    Exception`` in a handler does not swallow it)."""


# -- per-thread capture of print() and logging ------------------------------------------
_capture = threading.local()


class _RoutedStream(io.TextIOBase):
    """Stands in for sys.stdout/stderr: writes go to the calling thread's capture buffer
    while a function runs in it, and to the original stream otherwise."""

    def __init__(self, original: Any) -> None:
        self.original = original

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        buf = getattr(_capture, "buf", None)
        if buf is not None:
            buf.append(text)
            return len(text)
        return self.original.write(text)

    def flush(self) -> None:
        if getattr(_capture, "buf", None) is None:
            self.original.flush()

    def writable(self) -> bool:
        return True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


def _install_routing() -> None:
    if not isinstance(sys.stdout, _RoutedStream):
        sys.stdout = _RoutedStream(sys.stdout)
    if not isinstance(sys.stderr, _RoutedStream):
        sys.stderr = _RoutedStream(sys.stderr)


class _LambdaLogHandler(logging.Handler):
    """Formats records the way the Lambda Python runtime does:
    ``[LEVEL]\\t<UTC time>\\t<request id>\\t<message>``."""

    def emit(self, record: logging.LogRecord) -> None:
        buf = getattr(_capture, "buf", None)
        if buf is None:
            return
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        rid = getattr(_capture, "request_id", "")
        try:
            msg = record.getMessage()
        except Exception:  # a bad format string in the handler's own log call
            msg = str(record.msg)
        buf.append(f"[{record.levelname}]\t{stamp[:-3]}Z\t{rid}\t{msg}\n")


_LOG_HANDLER = _LambdaLogHandler()


# -- loading --------------------------------------------------------------------------
class _Loader:
    """Finds and (re)loads the function named by a spec; one module object = one container."""

    _counter = 0

    def __init__(self, spec: str, target: str, func: str | None, *, is_file: bool) -> None:
        self.spec = spec
        self.target = target
        self.func_name = func
        self.is_file = is_file
        self.path: Path | None = Path(target).resolve() if is_file else None
        self.module: Any = None
        self.function: Callable[..., Any] | None = None
        self.stamp: tuple[int, int] | None = None
        self.checked_in: object | None = None  # the steady_files block last checked in

    @property
    def function_name(self) -> str:
        stem = self.path.stem if self.path else self.target.rsplit(".", 1)[-1]
        func = self.func_name or getattr(self.function, "__name__", "handler")
        return f"{stem}-{func}".replace("_", "-")

    def load(self) -> None:
        """Import the module afresh; raises HandlerLoadError with a clear message."""
        module = self._import_file() if self.is_file else self._import_module()
        previous, self.module = self.module, module
        self.function = self._find(module)
        if self.is_file and previous is not None and previous is not module:
            sys.modules.pop(previous.__name__, None)

    def _import_file(self) -> Any:
        """``path/file.py``: a new module under a unique name, its folder on the path
        while it runs (Lambda's init phase, bounded)."""
        assert self.path is not None
        if not self.path.is_file():
            raise HandlerLoadError(
                f"handler file {self.target!r} does not exist; give path/file.py, "
                "path/file.py:function or package.module:function",
                spec=self.spec,
            )
        _Loader._counter += 1
        name = f"_edgelab_handler_{self.path.stem}_{_Loader._counter}"
        spec = importlib.util.spec_from_file_location(name, self.path)
        if spec is None or spec.loader is None:  # not a .py file: nothing can import it
            raise HandlerLoadError(
                f"handler file {self.target!r} is not a Python (.py) or Node.js (.js, .cjs, "
                ".mjs) file",
                spec=self.spec,
            )
        module = importlib.util.module_from_spec(spec)
        folder = str(self.path.parent)
        sys.path.insert(0, folder)
        # Registered under its unique name, as an import would: dataclasses, pickle and
        # typing look a class's module up in sys.modules.
        sys.modules[name] = module
        try:
            self.stamp = file_stamp(self.path)
            loader = spec.loader
            _call_with_timeout(lambda: loader.exec_module(module), INIT_TIMEOUT_S)
        except _Timeout:
            sys.modules.pop(name, None)
            raise HandlerLoadError(
                f"handler {self.spec!r} did not finish importing within Lambda's "
                f"{INIT_TIMEOUT_S:g} s init phase",
                spec=self.spec,
            ) from None
        except BaseException as exc:
            sys.modules.pop(name, None)
            raise HandlerLoadError(
                f"handler {self.spec!r} does not import: {_one_line(exc)}", spec=self.spec
            ) from exc
        finally:
            with contextlib.suppress(ValueError):
                sys.path.remove(folder)
        return module

    def _import_module(self) -> Any:
        """``package.module``: imported (reloaded after the first time), bounded."""

        def imp() -> Any:
            mod = importlib.import_module(self.target)
            return importlib.reload(mod) if self.module is not None else mod

        try:
            module = _call_with_timeout(imp, INIT_TIMEOUT_S)
        except _Timeout:
            raise HandlerLoadError(
                f"handler module {self.target!r} did not finish importing within "
                f"Lambda's {INIT_TIMEOUT_S:g} s init phase",
                spec=self.spec,
            ) from None
        except BaseException as exc:
            raise HandlerLoadError(
                f"handler module {self.target!r} does not import: {_one_line(exc)}",
                spec=self.spec,
            ) from exc
        file = getattr(module, "__file__", None)
        self.path = Path(file) if file else None
        self.stamp = file_stamp(self.path) if self.path else None
        return module

    def _find(self, module: Any) -> Callable[..., Any]:
        names = (self.func_name,) if self.func_name else DEFAULT_NAMES
        for name in names:
            fn = getattr(module, name, None)
            if callable(fn):
                return fn
        available = sorted(
            n
            for n, v in vars(module).items()
            if callable(v)
            and not n.startswith("_")
            and getattr(v, "__module__", None) == module.__name__
        )
        wanted = " or ".join(repr(n) for n in names)
        raise HandlerLoadError(
            f"handler {self.spec!r} has no function {wanted}; functions defined there: "
            f"{', '.join(available) or 'none'} (name one with {self.target}:NAME)",
            spec=self.spec,
        )

    def changed(self) -> bool:
        """Whether the handler file changed on disk since it was loaded (a cold start
        follows); inside a ``steady_files`` block, looked at once per block."""
        return self.path is not None and stamp_due(self) and file_stamp(self.path) != self.stamp


def parse_python_spec(spec: str) -> tuple[str, str | None, bool]:
    """``path/file.py[:func]`` or ``package.module[:func]`` -> (target, func, is_file)."""
    target, sep, func = spec.rpartition(":") if ":" in spec else (spec, "", "")
    if not sep:
        target, func = spec, ""
    name = func.strip() or None
    if name is not None and not name.isidentifier():
        raise HandlerLoadError(
            f"function name {name!r} in {spec!r} is not a Python identifier", spec=spec
        )
    if target.endswith(".py") or os.sep in target or "/" in target:
        return target, name, True
    if all(part.isidentifier() for part in target.split(".")):
        return target, name, False
    raise HandlerLoadError(
        f"handler {spec!r} is neither a .py file nor a module path; use path/file.py, "
        "path/file.py:function or package.module:function",
        spec=spec,
    )


# -- running with a real timeout -------------------------------------------------------
_INF = float("inf")
#: the deadline (``time.monotonic``) of the in-process call running in the main thread,
#: inf between calls: what the SIGALRM handler reads
_deadline: list[float] = [_INF]


def _raise_timeout(signum: int, frame: Any) -> None:
    deadline = _deadline[0]
    if deadline == _INF:  # a timer left armed in a steady_files block fired between calls
        return
    left = deadline - _monotonic()
    if left > 0.0005 and _SETITIMER is not None:  # armed for a call nested in this one
        _SETITIMER(_ITIMER_REAL, left)
        return
    raise _Timeout()


def _call_with_timeout(fn: Callable[..., Any], timeout_s: float, *args: Any) -> Any:
    """``fn(*args)``, stopped by :class:`_Timeout` past ``timeout_s`` (the arguments are
    passed on rather than bound in a closure: one object less on every call).

    In the main thread a SIGALRM timer interrupts it. Inside a ``steady_files`` block
    (see :func:`_alarm_kept`) the timer is armed at each call and left running after
    it, rather than disarmed (one system call less a call): the handler ignores a
    timer that fires between calls, and the block disarms it when it ends (at once if
    the function put its own SIGALRM handler in place, which must never run after its
    call)."""
    if _SETITIMER is not None and _get_ident() == threading.main_thread().ident:
        kept = _alarm_kept()
        previous = None if kept else _SIGNAL(_SIGALRM, _raise_timeout)
        outer = _deadline[0]
        _deadline[0] = _monotonic() + timeout_s
        _SETITIMER(_ITIMER_REAL, timeout_s)
        try:
            return fn(*args)
        finally:
            _deadline[0] = outer
            if outer != _INF:  # back in the call this one was nested in: its deadline
                _SETITIMER(_ITIMER_REAL, max(outer - _monotonic(), 0.0005))
            elif not kept or _GETSIGNAL(_SIGALRM) is not _raise_timeout:
                _SETITIMER(_ITIMER_REAL, 0)  # (a function's own handler: never after it)
            if not kept:
                _SIGNAL(_SIGALRM, previous)
    return _call_in_thread(lambda: fn(*args), timeout_s)


_alarm_block: list[Any] = [None]  # the steady_files block our SIGALRM handler is kept for


def _alarm_kept() -> bool:
    """In a ``steady_files`` block (a replay's piece of rows, main thread), the timeout's
    SIGALRM handler is installed at the block's first call and kept until the block ends
    (then the timer is disarmed and the handler before it put back), rather than
    swapped in and out around every call; a function that replaced it gets it installed
    again at the next call."""
    block = steady_block()
    if block is None:
        return False
    if _alarm_block[0] is block and _GETSIGNAL(_SIGALRM) is _raise_timeout:
        return True
    previous = _SIGNAL(_SIGALRM, _raise_timeout)
    if _alarm_block[0] is not block:
        _alarm_block[0] = block
        block.undo.append(lambda: _restore_alarm(block, previous))
    return True


def _restore_alarm(block: Any, previous: Any) -> None:
    if _deadline[0] == _INF and _SETITIMER is not None:  # (a block that ends inside a
        _SETITIMER(_ITIMER_REAL, 0)  # call leaves that call its timer)
    _SIGNAL(_SIGALRM, previous)
    if _alarm_block[0] is block:
        _alarm_block[0] = None


_log_block: list[Any] = [None]  # the steady_files block our log handler is kept for


def _log_kept(root: logging.Logger) -> bool:
    """In a ``steady_files`` block, the handler that captures a function's log records
    stays on the root logger from the block's first call until the block ends, rather
    than being added and removed around every call (as Lambda's runtime keeps its own
    on the root logger); a function that removed it gets it back at its next call.
    Between calls it drops what it is given (no call is capturing). Main thread only:
    the root logger is shared, and another thread's block must not take it away."""
    block = steady_block()
    if block is None or _get_ident() != threading.main_thread().ident:
        return False
    if _log_block[0] is not block:
        _log_block[0] = block
        block.undo.append(lambda: _end_log_block(block, root))
    if _LOG_HANDLER not in root.handlers:
        root.addHandler(_LOG_HANDLER)
    return True


def _end_log_block(block: Any, root: logging.Logger) -> None:
    root.removeHandler(_LOG_HANDLER)
    if _log_block[0] is block:
        _log_block[0] = None


def _call_in_thread(fn: Callable[[], Any], timeout_s: float) -> Any:
    """Off the main thread: run ``fn`` in the calling thread's handler thread (one kept per
    calling thread: starting a thread per call cost more than a trivial handler) and,
    past the deadline, raise an asynchronous exception in it. A function blocked inside C
    code cannot be stopped this way; its thread is abandoned, and the next call starts a
    new one (use the isolated mode for such handlers)."""
    owner_buf = getattr(_capture, "buf", None)
    owner_rid = getattr(_capture, "request_id", "")

    def job() -> tuple[bool, Any]:
        _capture.buf, _capture.request_id = owner_buf, owner_rid
        try:
            return True, fn()
        except BaseException as exc:
            return False, exc
        finally:
            _capture.buf = None

    helper = getattr(_helpers, "helper", None)
    if helper is None:
        helper = _helpers.helper = _HandlerThread()
    helper.inbox.put(job)
    try:
        ok, value = helper.out.get(timeout=timeout_s)
    except queue.Empty:
        _helpers.helper = None  # abandoned: the next call gets a new thread
        helper.abandon()
        raise _Timeout() from None
    if not ok:
        raise value
    return value


class _HandlerThread:
    """A calling thread's handler thread: jobs in, ``(ok, value)`` out. It ends when its
    calling thread does (this object is then collected) or when it is abandoned."""

    def __init__(self) -> None:
        self.inbox: queue.SimpleQueue[Callable[[], tuple[bool, Any]] | None] = queue.SimpleQueue()
        self.out: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
        self.thread = threading.Thread(
            target=_serve_jobs, args=(self.inbox, self.out), daemon=True, name="edgelab-handler"
        )
        self.thread.start()
        weakref.finalize(self, self.inbox.put, None)

    def abandon(self) -> None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(self.thread.ident or 0), ctypes.py_object(_Timeout)
        )
        self.inbox.put(None)  # it ends once the function returns, if it ever does
        self.thread.join(0.5)


def _serve_jobs(
    inbox: queue.SimpleQueue[Callable[[], tuple[bool, Any]] | None],
    out: queue.SimpleQueue[tuple[bool, Any]],
) -> None:
    forks = _forks[0]
    try:
        while (job := inbox.get()) is not None:
            done = job()
            if _forks[0] != forks:  # a child the function forked came back: it never answers
                _exit(0)
            out.put(done)
    except BaseException:  # a timeout that arrived after its function returned: abandoned
        return


_helpers = threading.local()


def run_function(
    fn: Callable[..., Any],
    event: dict[str, Any],
    info: ContextInfo,
    *,
    cold_start: bool = False,
    copy: bool = True,
) -> RawResult:
    """Call ``fn(event, context)`` on a copy of ``event``, with capture and the timeout.

    Never raises; nothing the function does changes the caller's event. The value is
    what Lambda's runtime would send on: JSON data (:func:`~.jsonwire.marshal_result`), or a
    ``Runtime.MarshalError`` when it cannot be encoded. A process the function forked
    that returns here exits at once (it must never answer for its parent)."""
    if copy:
        event = event_copy(event)
    if type(sys.stdout) is not _RoutedStream or type(sys.stderr) is not _RoutedStream:
        _install_routing()
    buf = LogBuffer()
    forks = _forks[0]
    prev_buf = getattr(_capture, "buf", None)
    _capture.buf, _capture.request_id = buf, info.aws_request_id
    root = logging.root  # what logging.getLogger() returns
    log_kept = _log_kept(root)
    if not log_kept:
        root.addHandler(_LOG_HANDLER)
    started = _monotonic()
    context = LambdaContext(info, started=started)
    checked = False
    try:
        value = _call_with_timeout(fn, info.timeout_s, event, context)
        elapsed = _monotonic() - started
        if elapsed > info.timeout_s:  # it swallowed the interrupt and carried on
            raise _Timeout()
        status: RawStatus = "ok"
        err_type, err_msg = None, None
        ok, value, why, checked = marshal_checked(value)
        if not ok:
            status, err_type, err_msg = "error", "Runtime.MarshalError", why
            buf.append(f"[ERROR] Runtime.MarshalError: {why}\n", force=True)
    except _Timeout:
        value, status = None, "timeout"
        err_type = "LambdaLimitExceeded"
        err_msg = f"the function ran past its {info.timeout_s:g} s timeout and was stopped"
    except BaseException as exc:  # SystemExit too: the function's own failure
        value, status = None, "error"
        err_type, err_msg = type(exc).__name__, _text(exc)
        buf.append(_format_traceback(exc), force=True)
    finally:
        if _forks[0] != forks:  # a child the function forked came back: it never answers
            _exit(0)
        duration = (_monotonic() - started) * 1000
        if not log_kept:
            root.removeHandler(_LOG_HANDLER)
        _capture.buf = prev_buf
    return RawResult(
        status, value, err_type, err_msg, buf.text(), duration, cold_start, json_checked=checked
    )


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except BaseException:  # an exception whose __str__ raises
        return f"<{type(exc).__name__} whose message cannot be printed>"


def _format_traceback(exc: BaseException) -> str:
    try:
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    except BaseException:
        return f"{type(exc).__name__}: {_text(exc)}\n"
    # Drop edgelab's own frames: show the handler's part, as Lambda's log would.
    keep = [ln for ln in lines if "edgelab/runtimes" not in ln]
    return "".join(keep)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} ({Path(exc.filename or '?').name}, line {exc.lineno})"
    return f"{type(exc).__name__}: {exc}"


# -- the function's environment ----------------------------------------------------------
Environ = Mapping[str, str | None]


def worker_environ(extra: Environ | None) -> dict[str, str]:
    """This process's environment with ``extra`` laid over it (None removes a name): what
    a worker process running functions gets."""
    env = dict(os.environ)
    for name, value in (extra or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


class _Surroundings:
    """What an in-process function runs inside: the variables of ``env`` set in
    ``os.environ`` and the outbound guard installed, around its import and each call
    (both undone afterwards, so the caller's process is left as it was)."""

    def __init__(self, env: Environ | None) -> None:
        env = dict(env or {})
        self.guard = Guard(config_from_env({OUTBOUND_ENV: env.pop(OUTBOUND_ENV, None) or ""}))
        self.env = env

    @contextlib.contextmanager
    def around(self) -> Iterator[None]:
        saved = {name: os.environ.get(name) for name in self.env}
        for name, value in self.env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self.guard.install()
        try:
            yield
        finally:
            self.guard.uninstall()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def run(self, fn: Callable[..., Any], call: Call, cold: bool) -> RawResult:
        if self.env:
            with self.around():
                result = run_function(fn, call.event, call.info, cold_start=cold)
        else:  # no variables to set: around() would only install the guard (cheaper so)
            guard = self.guard
            guard.install()
            try:
                result = run_function(fn, call.event, call.info, cold_start=cold)
            finally:
                guard.uninstall()
        result.calls = self.guard.take()
        return result


# -- the two modes -----------------------------------------------------------------------
class InProcessPython(Handler):
    """Runs the function in this interpreter (fast; a stuck C call cannot be killed).

    ``env``: variables set in ``os.environ`` around the function's import and each call
    (the local AWS endpoint and credentials, the outbound configuration), then restored.
    """

    language = "python"

    def __init__(self, spec: str, env: Environ | None = None) -> None:
        self.spec = spec
        target, func, is_file = parse_python_spec(spec)
        self._loader = _Loader(spec, target, func, is_file=is_file)
        self._env = _Surroundings(env)
        with self._env.around():
            self._loader.load()
        self._cold = True
        self._stale = False
        self.function_name = self._loader.function_name

    @classmethod
    def from_callable(cls, fn: Callable[..., Any], name: str | None = None) -> Handler:
        return CallableHandler(fn, name)

    def invoke(self, call: Call) -> RawResult:
        cold = self._cold
        if self._stale or self._loader.changed():
            try:
                with self._env.around():
                    self._loader.load()
            except HandlerLoadError as exc:
                return RawResult(
                    "error", None, "Runtime.ImportModuleError", str(exc), cold_start=True
                )
            cold = True
        self._cold = self._stale = False
        assert self._loader.function is not None
        result = self._env.run(self._loader.function, call, cold)
        # Lambda resets the execution environment after a timeout: the next call is a cold
        # start with fresh module state, as in the isolated mode.
        self._stale = result.status == "timeout"
        return result

    def reset(self) -> None:
        with self._env.around():
            self._loader.load()
        self._cold = True


class CallableHandler(Handler):
    """A Python function object (for example one defined in a notebook) as a handler."""

    language = "python"

    def __init__(
        self, fn: Callable[..., Any], name: str | None = None, env: Environ | None = None
    ) -> None:
        if not callable(fn):
            raise HandlerLoadError(f"a handler must be callable; got {type(fn).__name__}")
        self.fn = fn
        self.function_name = str(name or getattr(fn, "__name__", None) or "handler").replace(
            "_", "-"
        )
        self.spec = f"<function {getattr(fn, '__qualname__', self.function_name)}>"
        self._cold = True
        self._env = _Surroundings(env)

    def invoke(self, call: Call) -> RawResult:
        cold, self._cold = self._cold, False
        return self._env.run(self.fn, call, cold)

    def reset(self) -> None:
        self._cold = True


class IsolatedPython(Handler):
    """Runs the function in a worker process per simulated container; ``env`` is laid
    over this process's environment for the worker (None removes a name)."""

    language = "python"

    def __init__(self, spec: str, env: Environ | None = None) -> None:
        self.spec = spec
        target, func, is_file = parse_python_spec(spec)
        where = _Loader(spec, target, func, is_file=is_file)
        if where.path is not None and not where.path.is_file():
            raise HandlerLoadError(
                f"handler file {target!r} does not exist; give path/file.py, "
                "path/file.py:function or package.module:function",
                spec=spec,
            )
        self._spec_abs = (
            f"{where.path}:{func}" if is_file and func else str(where.path) if is_file else spec
        )
        env = worker_environ(env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.getcwd(), env.get("PYTHONPATH")]))
        self._load_error: str | None = None
        # Every new worker first imports the handler (Lambda's init phase, 10 s), never
        # in this process: a handler that hangs or exits at import cannot take the
        # caller with it.
        self._worker = WorkerProcess(
            [sys.executable, "-m", "edgelab.runtimes.pyworker"], env=env, init=self._init
        )
        try:
            self._worker.start()
        except (WorkerTimeout, WorkerDied) as exc:
            self._worker.kill()
            how = (
                "did not finish importing within Lambda's 10 s init phase"
                if isinstance(exc, WorkerTimeout)
                else f"exited while importing (code {exc.returncode})"
            )
            raise HandlerLoadError(f"handler {spec!r} {how}", spec=spec) from None
        if self._load_error is not None:
            self._worker.kill()
            raise HandlerLoadError(self._load_error, spec=spec)
        self.function_name = self._function_name

    def _init(self, worker: WorkerProcess) -> None:
        answer = worker.request(protocol.load_request(self._spec_abs), timeout_s=INIT_TIMEOUT_S)
        name = protocol.loaded_name(answer)
        if name is not None:
            self._function_name = name
            self._load_error = None
        else:  # the call that follows reports it (Runtime.ImportModuleError)
            self._load_error = protocol.error_message(answer)

    def invoke(self, call: Call) -> RawResult:
        return self.invoke_many([call])[0]

    def invoke_many(self, calls: Sequence[Call]) -> list[RawResult]:
        return run_calls(
            self._worker,
            calls,
            encode=lambda c: protocol.invoke_request(c.event, c.info.__dict__, spec=self._spec_abs),
            timeout_text=lambda c: (
                f"the function ran past its {c.info.timeout_s:g} s timeout; its worker "
                "process was killed and will be replaced"
            ),
            init_text=lambda c: (
                f"handler {self.spec!r} did not finish importing within Lambda's "
                f"{INIT_TIMEOUT_S:g} s init phase; its worker process was killed"
            ),
            crashed=_crashed,
        )

    def reset(self) -> None:
        self._worker.kill()

    def close(self) -> None:
        self._worker.kill()


def _crashed(exc: WorkerDied, started: float) -> RawResult:
    code = exc.returncode
    how = (
        f"was killed by signal {-code}"
        if code is not None and code < 0
        else f"exited with status {code}"
    )
    phase = "while importing the handler" if exc.during_start else "during the call"
    last = exc.stderr_tail.splitlines()[-1] if exc.stderr_tail else ""
    return RawResult(
        "crash",
        None,
        "Runtime.ExitError",
        f"Runtime exited: the worker process running the function {how} {phase} (for "
        "example os._exit(), a fatal error in native code, or the out-of-memory killer)"
        + (f"; last output: {last}" if last else ""),
        logs=exc.stderr_tail,
        duration_ms=(time.monotonic() - started) * 1000,
    )
