"""The Python runtime: loading handlers, the context, capture, copies, timeouts, containers."""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from tests.helpers import event, write

QUICK = el.get_rules(overrides={"timeout": 0.5})

# A handler whose behaviour is picked by the uri; it counts its calls in module state.
COUNTER = """\
import os, signal, time
calls = 0

def handler(event, context):
    global calls
    calls += 1
    request = event["Records"][0]["cf"]["request"]
    if request["uri"] == "/sleep":
        time.sleep(100)
    if request["uri"] == "/block-alarm":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(100)
    if request["uri"] == "/crash":
        os._exit(3)
    if request["uri"] == "/raise":
        raise ValueError("bad input")
    print("call", calls)
    request["headers"]["x-calls"] = [{"key": "X-Calls", "value": str(calls)}]
    return request
"""


@pytest.fixture(autouse=True)
def _close_workers() -> Iterator[None]:
    yield
    el.close_handlers()


def calls(result: el.InvocationResult) -> int:
    assert result.outcome == "request", (result.error, result.violations)
    return int(el.Headers(result.request["headers"])["x-calls"])


# -- loading ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "spec_suffix", "picked"),
    [
        (
            "def handler(e, c):\n    return 'handler'\n"
            "def lambda_handler(e, c):\n    return 'lambda_handler'\n",
            "",
            "handler",
        ),
        ("def lambda_handler(e, c):\n    return 'lambda_handler'\n", "", "lambda_handler"),
        (
            "def handler(e, c):\n    return 'handler'\ndef other(e, c):\n    return 'other'\n",
            ":other",
            "other",
        ),
    ],
    ids=["handler first", "else lambda_handler", "file.py:func"],
)
def test_file_spec_picks_the_function(
    handlers_dir: Path, source: str, spec_suffix: str, picked: str
) -> None:
    spec = write(handlers_dir / "pick.py", source) + spec_suffix
    handler = el.load_handler(spec)
    raw = handler.invoke(el.runtimes.base.Call(event(), el.ContextInfo("f", 128, 5)))
    assert raw.status == "ok" and raw.value == picked


def test_package_module_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = f"pkg_{uuid.uuid4().hex[:8]}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "edge.py").write_text(
        "from . import helper\n"
        "def redirect(event, context):\n"
        "    return {'status': '302', 'headers': {'location': [{'key': 'Location', "
        "'value': helper.TARGET}]}}\n"
    )
    (tmp_path / package / "helper.py").write_text("TARGET = 'https://example.com/'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = el.invoke(f"{package}.edge:redirect", event())
    assert result.outcome == "response" and result.status == 302
    assert el.Headers(result.response["headers"])["location"] == "https://example.com/"


def test_handler_file_with_a_dataclass_imports(handlers_dir: Path) -> None:
    spec = write(
        handlers_dir / "dc.py",
        "from __future__ import annotations\n"
        "from dataclasses import dataclass\n\n@dataclass\nclass Rule:\n"
        "    path: str\n\n"
        "def handler(event, context):\n"
        "    return {'status': '200', 'body': Rule('/x').path}\n",
    )
    result = el.invoke(spec, event())
    assert result.outcome == "response" and result.response["body"] == "/x"


def test_handler_file_imports_a_sibling_module(handlers_dir: Path) -> None:
    sibling = f"sib_{uuid.uuid4().hex[:8]}"
    (handlers_dir / f"{sibling}.py").write_text("VALUE = '204'\n")
    source = f"import {sibling}\ndef handler(e, c):\n    return {{'status': {sibling}.VALUE}}\n"
    spec = write(handlers_dir / "main.py", source)
    assert el.invoke(spec, event()).status == 204


@pytest.mark.parametrize(
    ("files", "spec", "message"),
    [
        ({}, "missing.py", "does not exist"),
        (
            {"nofn.py": "def other(e, c): pass\ndef more(e, c): pass\n"},
            "nofn.py",
            "has no function 'handler' or 'lambda_handler'; functions defined there: more, other",
        ),
        ({"named.py": "def handler(e, c): pass\n"}, "named.py:nope", "has no function 'nope'"),
        (
            {"syntax.py": "def handler(e, c) return 1\n"},
            "syntax.py",
            "does not import: SyntaxError",
        ),
        (
            {"imp.py": "import no_such_module_edgelab\n"},
            "imp.py",
            "does not import: ModuleNotFoundError: No module named 'no_such_module_edgelab'",
        ),
        (
            {"boom.py": "raise RuntimeError('at import')\n"},
            "boom.py",
            "does not import: RuntimeError: at import",
        ),
        ({"f.py": "def handler(e, c): pass\n"}, "f.py:1bad", "is not a Python identifier"),
        ({}, "no_such_pkg_edgelab.mod:handler", "does not import: ModuleNotFoundError"),
        ({}, "not a spec!", "neither a .py file nor a module path"),
    ],
)
@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_unloadable_handler_raises_handler_load_error(
    handlers_dir: Path, files: dict[str, str], spec: str, message: str, isolated: bool
) -> None:
    for name, text in files.items():
        (handlers_dir / name).write_text(text)
    target = spec if spec.startswith(("no_such", "not a")) else str(handlers_dir / spec)
    with pytest.raises(el.HandlerLoadError) as info:
        el.load_handler(target, isolated=isolated)
    assert message in str(info.value)


def test_a_non_callable_is_not_a_handler() -> None:
    with pytest.raises(el.HandlerLoadError):
        el.load_handler(42)  # type: ignore[arg-type]


def test_aws_documentation_handler_runs_unmodified(handlers_dir: Path) -> None:
    # The Python "generate an HTTP redirect" example of lambda-examples.md, with its print.
    spec = write(
        handlers_dir / "redirect.py",
        """\
def lambda_handler(event, context):
    request = event['Records'][0]['cf']['request']
    print("Redirecting " + request['uri'])

    response = {
        'status': '302',
        'statusDescription': 'Found',
        'headers': {
            'location': [{
                'key': 'Location',
                'value': 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-edge.html'
            }]
        }
    }

    return response
""",
    )
    for isolated in (False, True):
        result = el.invoke(spec, event("/old"), isolated=isolated)
        assert (result.outcome, result.status) == ("response", 302)
        assert result.logs == "Redirecting /old\n"


# -- the context ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("trigger", "memory", "timeout_ms"),
    [("viewer-request", "128", 30000), ("origin-request", "10240", 30000)],
)  # rules 2025-11
def test_context_fields(handlers_dir: Path, trigger: str, memory: str, timeout_ms: int) -> None:
    seen: dict[str, Any] = {}

    def handler(event: dict[str, Any], context: Any) -> Any:
        seen.update(vars(context))
        seen["left"] = context.get_remaining_time_in_millis()
        return event["Records"][0]["cf"]["request"]

    el.invoke(handler, el.build_event(trigger), request_id="req-1")
    assert seen["aws_request_id"] == "req-1"
    assert seen["function_name"] == "handler" and seen["function_version"] == "1"
    assert seen["invoked_function_arn"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:handler:1"
    )
    assert seen["memory_limit_in_mb"] == memory
    assert 0 < seen["left"] <= timeout_ms
    assert seen["log_group_name"] == "/aws/lambda/us-east-1.handler"
    assert "[1]" in seen["log_stream_name"]


def test_context_of_a_file_handler_is_named_after_the_file(handlers_dir: Path) -> None:
    spec = write(
        handlers_dir / "geo_route.py",
        "def handler(event, context):\n"
        "    return {'status': '200', 'body': context.function_name + ' ' + "
        "context.invoked_function_arn + ' ' + context.aws_request_id}\n",
    )
    for isolated in (False, True):
        body = el.invoke(spec, event(), isolated=isolated).response["body"]
        name, arn, request_id = body.split()
        assert name == "geo-route-handler" and arn.endswith(":function:geo-route-handler:1")
        assert uuid.UUID(request_id)


# -- capture ------------------------------------------------------------------------------------
LOGGING = """\
import logging, sys
logger = logging.getLogger("edge")

def handler(event, context):
    print("to stdout", event["Records"][0]["cf"]["request"]["uri"])
    print("to stderr", file=sys.stderr)
    logger.warning("careful %s", "now")
    return event["Records"][0]["cf"]["request"]
"""


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_print_and_logging_are_captured_per_call_and_not_leaked(
    handlers_dir: Path, capsys: pytest.CaptureFixture[str], isolated: bool
) -> None:
    spec = write(handlers_dir / "logs.py", LOGGING)
    first = el.invoke(spec, event("/one"), isolated=isolated, request_id="rid-1")
    second = el.invoke(spec, event("/two"), isolated=isolated)
    assert "to stdout /one\n" in first.logs and "to stderr\n" in first.logs
    warning = next(line for line in first.logs.splitlines() if line.startswith("[WARNING]"))
    _level, stamp, rid, message = warning.split("\t")
    assert (rid, message) == ("rid-1", "careful now") and stamp.endswith("Z")
    assert "/one" not in second.logs and "to stdout /two" in second.logs
    out, err = capsys.readouterr()
    assert "to stdout" not in out and "to stderr" not in err and "careful" not in err


def test_print_outside_a_handler_still_reaches_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    el.invoke(lambda e, c: print("inside"), event())
    print("outside")
    assert capsys.readouterr().out == "outside\n"


# -- the handler's input is a copy ------------------------------------------------------------
@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_handler_mutating_its_event_leaves_the_callers_event_unchanged(
    handlers_dir: Path, isolated: bool
) -> None:
    spec = write(
        handlers_dir / "mutates.py",
        """\
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["host"][0]["value"] = "changed"
    request["headers"]["user-agent"].append({"key": "User-Agent", "value": "x"})
    event["Records"].append({})
    return request
""",
    )
    ev = event()
    snapshot = copy.deepcopy(ev)
    el.invoke(spec, ev, isolated=isolated)
    assert ev == snapshot


def test_callable_mutating_its_event_leaves_the_callers_event_unchanged() -> None:
    def handler(event: dict[str, Any], context: Any) -> None:
        event["Records"][0]["cf"]["request"]["headers"].clear()

    ev = event()
    snapshot = copy.deepcopy(ev)
    el.invoke(handler, ev)
    assert ev == snapshot


# -- timeouts -----------------------------------------------------------------------------------
@pytest.mark.parametrize("uri", ["/sleep", "/block-alarm"])
def test_timeout_in_isolated_mode_gives_503_and_a_fresh_container(
    handlers_dir: Path, uri: str
) -> None:
    spec = write(handlers_dir / "counter.py", COUNTER)
    assert calls(el.invoke(spec, event(), isolated=True, rules=QUICK)) == 1
    assert calls(el.invoke(spec, event(), isolated=True, rules=QUICK)) == 2
    stuck = el.invoke(spec, event(uri), isolated=True, rules=QUICK)
    assert (stuck.status, stuck.error.type) == (503, "LambdaLimitExceeded")
    after = el.invoke(spec, event(), isolated=True, rules=QUICK)
    assert calls(after) == 1 and after.cold_start


def test_timeout_in_process_in_the_main_thread_gives_503_and_resets_state(
    handlers_dir: Path,
) -> None:
    assert threading.current_thread() is threading.main_thread()
    spec = write(handlers_dir / "counter.py", COUNTER)
    assert calls(el.invoke(spec, event(), rules=QUICK)) == 1
    assert calls(el.invoke(spec, event(), rules=QUICK)) == 2
    assert el.invoke(spec, event("/sleep"), rules=QUICK).status == 503
    after = el.invoke(spec, event(), rules=QUICK)
    assert calls(after) == 1 and after.cold_start


@pytest.mark.parametrize(
    "body", ["time.sleep(100)", "while True:\n        pass"], ids=["sleep", "busy loop"]
)
def test_timeout_in_process_from_another_thread_gives_503(handlers_dir: Path, body: str) -> None:
    spec = write(
        handlers_dir / "stuck.py", f"import time\ndef handler(event, context):\n    {body}\n"
    )
    box: dict[str, el.InvocationResult] = {}
    thread = threading.Thread(
        target=lambda: box.setdefault("result", el.invoke(spec, event(), rules=QUICK))
    )
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    assert box["result"].status == 503 and box["result"].error.type == "LambdaLimitExceeded"


def test_off_the_main_thread_calls_share_a_handler_thread_until_one_times_out(
    handlers_dir: Path,
) -> None:
    spec = write(
        handlers_dir / "where.py",
        "import threading, time\n"
        "SEEN = []  # the threads stay referenced: no id is reused\n"
        "def handler(event, context):\n"
        "    if event['Records'][0]['cf']['request']['uri'] == '/sleep':\n"
        "        time.sleep(100)\n"
        "    SEEN.append(threading.current_thread())\n"
        "    print(id(SEEN[-1]))\n"
        "    return event['Records'][0]['cf']['request']\n",
    )
    box: dict[str, list[el.InvocationResult]] = {"results": []}

    def calls_in_a_thread() -> None:
        for uri in ("/a", "/b", "/sleep", "/c", "/d"):
            box["results"].append(el.invoke(spec, event(uri), rules=QUICK))

    thread = threading.Thread(target=calls_in_a_thread)
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    a, b, stuck, c, d = box["results"]
    assert (stuck.status, stuck.error.type) == (503, "LambdaLimitExceeded")
    assert [r.error for r in (a, b, c, d)] == [None] * 4
    where = [int(r.logs.strip()) for r in (a, b, c, d)]
    assert where[0] == where[1] != where[2] == where[3]  # the stuck thread was abandoned
    assert id(threading.current_thread()) not in where and id(thread) not in where


def test_handler_that_finishes_in_time_is_not_a_timeout() -> None:
    assert el.invoke(lambda e, c: {"status": "200"}, event(), rules=QUICK).status == 200


# -- isolated containers --------------------------------------------------------------------------
def test_isolated_module_state_persists_between_calls(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "counter.py", COUNTER)
    results = [el.invoke(spec, event(), isolated=True) for _ in range(3)]
    assert [calls(r) for r in results] == [1, 2, 3]
    assert [r.cold_start for r in results] == [True, False, False]
    assert results[2].logs == "call 3\n"


def test_isolated_crash_gives_500_and_the_next_call_works(handlers_dir: Path) -> None:
    # DECISIONS "worker process dies (exit, out of memory)"
    spec = write(handlers_dir / "counter.py", COUNTER)
    assert calls(el.invoke(spec, event(), isolated=True)) == 1
    crash = el.invoke(spec, event("/crash"), isolated=True)
    assert (crash.status, crash.error.type) == (500, "LambdaExecutionError")
    assert "status 3" in crash.error.message
    after = el.invoke(spec, event(), isolated=True)
    assert calls(after) == 1 and after.cold_start


def test_isolated_exception_gives_500_with_the_traceback_in_logs(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "counter.py", COUNTER)
    result = el.invoke(spec, event("/raise"), isolated=True)
    assert result.status == 500 and "ValueError: bad input" in result.error.message
    assert "Traceback" in result.logs and "bad input" in result.logs
    assert calls(el.invoke(spec, event(), isolated=True)) == 2  # exceptions keep the container


def test_invoke_many_in_isolated_mode_keeps_order_across_a_crash(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "counter.py", COUNTER)
    results = el.invoke_many(spec, [event(), event("/crash"), event(), event()], isolated=True)
    assert [r.status for r in results] == [None, 500, None, None]
    assert [calls(r) for r in (results[0], results[2], results[3])] == [1, 1, 2]


# -- editing the handler file ------------------------------------------------------------
@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_edited_handler_file_is_picked_up_on_the_next_run(
    handlers_dir: Path, isolated: bool
) -> None:
    path = handlers_dir / "edit_me.py"
    source = "def handler(event, context):\n    return {{'status': '{}'}}\n"
    spec = write(path, source.format(201))
    assert el.invoke(spec, event(), isolated=isolated).status == 201
    write(path, source.format(202))
    result = el.invoke(spec, event(), isolated=isolated)
    assert result.status == 202 and result.cold_start


def test_edit_that_breaks_the_handler_gives_500_until_fixed(handlers_dir: Path) -> None:
    path = handlers_dir / "fragile.py"
    spec = write(path, "def handler(e, c):\n    return {'status': '200'}\n")
    assert el.invoke(spec, event()).status == 200
    write(path, "def handler(e, c) oops\n")
    broken = el.invoke(spec, event())
    assert broken.status == 500 and "SyntaxError" in broken.error.message
    write(path, "def handler(e, c):\n    return {'status': '203'}\n")
    assert el.invoke(spec, event()).status == 203


def test_in_a_steady_files_block_an_edit_is_picked_up_at_the_next_block(
    handlers_dir: Path,
) -> None:
    """A replay runs each chunk of rows in a steady_files block: the handler file is
    looked at once per block (no stat per call), so an edit shows at the next block."""
    from edgelab.runtimes.base import Call, steady_files
    from edgelab.runtimes.context import ContextInfo
    from edgelab.runtimes.python import InProcessPython

    path = handlers_dir / "steady.py"
    source = "def handler(event, context):\n    return {{'status': '{}'}}\n"
    handler = InProcessPython(write(path, source.format(201)))

    def status() -> str:
        return handler.invoke(Call(event(), ContextInfo("steady", 128, 5.0))).value["status"]

    with steady_files():
        assert status() == "201"
        write(path, source.format(202))
        assert status() == "201"  # the same block: the file was looked at already
    with steady_files():
        assert status() == "202"  # a new block looks again
        with steady_files():  # a block entered inside it is part of it
            write(path, source.format(203))
            assert status() == "202"
    assert status() == "203"
    write(path, source.format(204))
    assert status() == "204"  # outside any block: every call looks
    write(path, source.format(205))
    assert status() == "205"
    done = threading.Event()

    def other_thread() -> None:  # a block is per thread: another thread's calls look
        write(path, source.format(206))
        assert status() == "206"
        done.set()

    with steady_files():
        assert status() == "205"
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join(10)
    assert done.is_set()


def test_in_a_steady_files_block_the_timeout_handler_is_kept_then_put_back(
    handlers_dir: Path,
) -> None:
    """In a block the SIGALRM handler of the timeout stays installed between calls (no
    swap per call) and the one before the block is put back when it ends; a function
    that installs its own is overruled at the next call, whose timeout still works."""
    import signal

    from edgelab.runtimes.base import Call, steady_files
    from edgelab.runtimes.context import ContextInfo
    from edgelab.runtimes.python import InProcessPython

    spec = write(
        handlers_dir / "alarms.py",
        "import signal, time\n"
        "def handler(event, context):\n"
        "    uri = event['Records'][0]['cf']['request']['uri']\n"
        "    if uri == '/own':\n"
        "        signal.signal(signal.SIGALRM, lambda *a: None)\n"
        "    if uri == '/sleep':\n"
        "        time.sleep(100)\n"
        "    return {'status': '200'}\n",
    )
    handler = InProcessPython(spec)

    def call(uri: str) -> str:
        return handler.invoke(Call(event(uri), ContextInfo("alarms", 128, 0.3))).status

    def mine(signum: int, frame: Any) -> None:
        raise AssertionError("the caller's SIGALRM handler ran")

    before = signal.signal(signal.SIGALRM, mine)
    try:
        with steady_files():
            assert call("/") == "ok"
            kept = signal.getsignal(signal.SIGALRM)
            assert kept is not mine and callable(kept)  # the timeout's, between calls
            assert call("/own") == "ok"
            assert call("/sleep") == "timeout"  # installed again, so the timeout works
            with steady_files():  # part of the same block: nothing is put back
                assert call("/") == "ok"
            assert signal.getsignal(signal.SIGALRM) is kept
            assert call("/sleep") == "timeout"
        assert signal.getsignal(signal.SIGALRM) is mine
        assert call("/") == "ok" and signal.getsignal(signal.SIGALRM) is mine
    finally:
        signal.signal(signal.SIGALRM, before)


def test_in_a_steady_files_block_the_log_handler_is_kept_then_taken_off(
    handlers_dir: Path,
) -> None:
    """In a block the handler that captures a function's log records stays on the root
    logger between calls (as Lambda's runtime keeps its own) and is taken off when the
    block ends; a function that clears the root logger's handlers still has its records
    captured at its next call, and a record logged between calls goes to no call."""
    import logging

    from edgelab.runtimes.base import Call, steady_files
    from edgelab.runtimes.context import ContextInfo
    from edgelab.runtimes.python import InProcessPython

    spec = write(
        handlers_dir / "logs.py",
        "import logging\n"
        "def handler(event, context):\n"
        "    uri = event['Records'][0]['cf']['request']['uri']\n"
        "    if uri == '/clear':\n"
        "        logging.root.handlers.clear()\n"
        "    logging.getLogger().warning('seen %s', uri)\n"
        "    return {'status': '200'}\n",
    )
    handler = InProcessPython(spec)

    def logs(uri: str) -> str:
        result = handler.invoke(Call(event(uri), ContextInfo("logs", 128, 3)))
        assert result.status == "ok", result.error_message
        return result.logs

    root = logging.getLogger()
    before = list(root.handlers)
    try:
        with steady_files():
            assert "[WARNING]" in logs("/a") and "seen /a" in logs("/a")
            ours = [h for h in root.handlers if h not in before]
            assert len(ours) == 1  # kept between calls
            logging.getLogger("between").warning("not a call's")
            assert "seen /clear" in logs("/clear")  # cleared after its record was taken
            assert ours[0] not in root.handlers
            text = logs("/b")
            assert "seen /b" in text and "not a call's" not in text  # back at the next call
        assert ours[0] not in root.handlers  # taken off when the block ends
        root.handlers[:] = before  # (the function cleared the others)
        assert "seen /c" in logs("/c")  # outside a block: added and removed per call
        assert root.handlers == before
    finally:
        root.handlers[:] = before


def test_steady_files_blocks_left_out_of_order_end_with_the_last_one() -> None:
    """The greenlets of a batched piece enter and leave their rows' blocks interleaved
    in one thread: the block lasts until the last one is left, then what it kept in
    place (the timeout's SIGALRM handler) is put back."""
    import signal

    from greenlet import greenlet

    from edgelab.runtimes.base import steady_block, steady_files
    from edgelab.runtimes.python import _call_with_timeout

    def row() -> None:
        with steady_files():
            _call_with_timeout(lambda: None, 5.0)
            parent.switch()  # parked, as a row waiting for its batched call

    before = signal.getsignal(signal.SIGALRM)
    parent = greenlet.getcurrent()
    first, second = greenlet(row), greenlet(row)
    first.switch()
    second.switch()
    block = steady_block()
    assert block is not None and signal.getsignal(signal.SIGALRM) is not before
    first.switch()  # the first one entered leaves first
    assert steady_block() is block and signal.getsignal(signal.SIGALRM) is not before
    second.switch()
    assert first.dead and second.dead
    assert steady_block() is None and signal.getsignal(signal.SIGALRM) is before


# -- isolation of the import (Lambda's init phase) -------------------------------------------
def test_isolated_import_runs_only_in_the_worker(
    handlers_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    spec = write(
        handlers_dir / "noisy.py",
        "print('importing noisy')\n"
        "def handler(event, context):\n"
        "    return event['Records'][0]['cf']['request']\n",
    )
    handler = el.load_handler(spec, isolated=True)
    try:
        result = el.invoke(handler, el.build_event("viewer-request"))
    finally:
        handler.close()
    assert result.outcome == "request" and result.cold_start
    out, err = capfd.readouterr()
    assert "importing noisy" not in out + err  # the parent never imported the handler


def test_isolated_handler_that_hangs_at_import_is_refused(
    handlers_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("edgelab.runtimes.python.INIT_TIMEOUT_S", 0.5)
    spec = write(
        handlers_dir / "hang.py",
        "while True:\n    pass\ndef handler(event, context):\n    return None\n",
    )
    with pytest.raises(el.HandlerLoadError, match="did not finish importing"):
        el.load_handler(spec, isolated=True)


def test_isolated_handler_that_fails_to_import_names_the_error(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "broken.py", "import no_such_module_here\n")
    with pytest.raises(el.HandlerLoadError, match="no_such_module_here"):
        el.load_handler(spec, isolated=True)


# -- memory (facts §5.1): enforced in isolated mode ------------------------------------------
HOG = (
    "def handler(event, context):\n"
    "    blob = bytearray(300 * 1024 * 1024)\n"
    "    return event['Records'][0]['cf']['request']\n"
)


def test_isolated_handler_over_its_memory_quota_gets_500(handlers_dir: Path) -> None:
    handler = el.load_handler(write(handlers_dir / "hog.py", HOG), isolated=True)
    try:
        over = el.invoke(handler, el.build_event("viewer-request"))  # 128 MB
        fits = el.invoke(handler, el.build_event("origin-request"))  # 10,240 MB
        roomier = el.invoke(
            handler,
            el.build_event("viewer-request"),
            rules=el.get_rules(overrides={"memory.viewer-request": 1024}),
        )
    finally:
        handler.close()
    assert (over.outcome, over.status, over.error.type) == ("error", 500, "LambdaExecutionError")
    assert "128 MB memory limit" in over.error.message
    assert fits.outcome == "request" and roomier.outcome == "request"


def test_in_a_steady_files_block_the_timer_left_armed_never_stops_code_between_calls(
    handlers_dir: Path,
) -> None:
    """In a block the timeout's timer is armed at each call and left running after it
    (one system call less a call): when it fires between calls nothing is stopped, the
    next call's timeout still works, and the block disarms it when it ends."""
    import signal
    import time

    from edgelab.runtimes.base import Call, steady_files
    from edgelab.runtimes.context import ContextInfo
    from edgelab.runtimes.python import InProcessPython

    spec = write(
        handlers_dir / "naps.py",
        "import time\n"
        "def handler(event, context):\n"
        "    if event['Records'][0]['cf']['request']['uri'] == '/sleep':\n"
        "        time.sleep(100)\n"
        "    return {'status': '200'}\n",
    )
    handler = InProcessPython(spec)

    def call(uri: str, timeout_s: float) -> str:
        return handler.invoke(Call(event(uri), ContextInfo("naps", 128, timeout_s))).status

    with steady_files():
        assert call("/", 0.05) == "ok"
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0  # left running
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:  # it fires here, between calls: ignored
            time.sleep(0.01)
        assert signal.getitimer(signal.ITIMER_REAL)[0] == 0  # it fired
        assert call("/sleep", 0.2) == "timeout"  # armed again by the next call
        assert call("/", 5.0) == "ok"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # disarmed with the block


def test_in_a_steady_files_block_a_functions_own_alarm_handler_never_runs_after_its_call(
    handlers_dir: Path,
) -> None:
    """A function that puts its own SIGALRM handler in place during its call: the timer
    left armed after the call is disarmed at once, so that handler never runs later,
    outside the function (as when the timer was disarmed after every call)."""
    import signal

    from edgelab.runtimes.base import Call, steady_files
    from edgelab.runtimes.context import ContextInfo
    from edgelab.runtimes.python import InProcessPython

    spec = write(
        handlers_dir / "own_alarm.py",
        "import signal\n"
        "def handler(event, context):\n"
        "    def later(signum, frame):\n"
        "        raise RuntimeError('the function handler ran after its call')\n"
        "    signal.signal(signal.SIGALRM, later)\n"
        "    return {'status': '200'}\n",
    )
    handler = InProcessPython(spec)
    before = signal.getsignal(signal.SIGALRM)
    try:
        with steady_files():
            result = handler.invoke(Call(event("/"), ContextInfo("own-alarm", 128, 0.05)))
            assert result.status == "ok"
            assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, before)


def test_a_call_nested_in_another_leaves_the_outer_one_its_timeout() -> None:
    """A call made inside another (a function that invokes one in-process) arms the timer
    for itself; when it returns, the outer call's deadline is armed again, inside a
    steady_files block or not."""
    import time

    from edgelab.runtimes.base import steady_files
    from edgelab.runtimes.python import _call_with_timeout, _Timeout

    def outer() -> None:
        _call_with_timeout(lambda: None, 5.0)  # a longer inner timeout, returned early
        time.sleep(100)

    with steady_files(), pytest.raises(_Timeout):
        _call_with_timeout(outer, 0.2)
    started = time.monotonic()
    with pytest.raises(_Timeout):
        _call_with_timeout(outer, 0.2)
    assert time.monotonic() - started < 50
