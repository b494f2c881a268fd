"""The worker protocol is one schema (edgelab/runtimes/protocol.json) that every side follows.

Every answer the three workers (isolated Python, Lambda@Edge Node.js, CloudFront
Functions) send for a set of cases, and every request the parent sends them, validates
against the schema (checked here with an independent JSON Schema validator); the schema
is the only place message field names are spelled; a malformed answer is the defined
``Runtime.BadAnswer`` failure.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from edgelab.errors import HandlerLoadError
from edgelab.runtimes import protocol, worker
from edgelab.runtimes.base import Call
from edgelab.runtimes.context import ContextInfo
from edgelab.runtimes.nodefind import find_node
from edgelab.runtimes.worker import WorkerProcess, run_calls

RUNTIMES = Path(protocol.__file__).parent
EVENT = {
    "Records": [
        {
            "cf": {
                "config": {"eventType": "viewer-request", "requestId": "r"},
                "request": {"method": "GET", "uri": "/", "querystring": "", "headers": {}},
            }
        }
    ]
}


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"#/$defs/{name}", "$defs": protocol.SCHEMA["$defs"]}
    return jsonschema.Draft202012Validator(schema)


def _validate_answer(answer: Any) -> str:
    """The schema's kind of ``answer``, after validating it (a failure raises)."""
    kinds = [m.name for m in protocol.ANSWERS.values() if answer.get("status") in m.statuses]
    assert len(kinds) == 1, answer
    _validator(kinds[0]).validate(answer)
    return kinds[0]


def _validate_request(request: Any) -> str:
    kind = request["op"]
    _validator(kind).validate(request)
    return kind


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[Any]]]:
    """Every request the parent sends and every answer it reads (before its check)."""
    seen: dict[str, list[Any]] = {"requests": [], "answers": []}
    check, with_nonce = protocol.check_answer, protocol.with_nonce

    def record_answer(answer: Any) -> dict[str, Any]:
        seen["answers"].append(answer)
        return check(answer)

    def record_request(request: Any, nonce: str) -> dict[str, Any]:
        out = with_nonce(request, nonce)
        seen["requests"].append(out)
        return out

    monkeypatch.setattr(protocol, "check_answer", record_answer)
    monkeypatch.setattr(protocol, "with_nonce", record_request)
    yield seen


def _kinds(seen: dict[str, list[Any]]) -> tuple[list[str], list[str]]:
    return (
        [_validate_request(r) for r in seen["requests"]],
        [_validate_answer(a) for a in seen["answers"]],
    )


# -- the schema ----------------------------------------------------------------------------
def test_the_schema_is_a_valid_json_schema_naming_every_message() -> None:
    jsonschema.Draft202012Validator.check_schema(protocol.SCHEMA)
    assert set(protocol.REQUESTS) == {"load", "invoke", "run"}
    assert set(protocol.ANSWERS) == {"ready", "loaded", "result", "retry"}
    for message in protocol.REQUESTS.values():
        assert protocol.NONCE in message.required, message.name
    statuses = [s for m in protocol.ANSWERS.values() for s in m.statuses]
    assert len(statuses) == len(set(statuses)), "an answer's kind is found from its status"


def test_the_python_builders_make_messages_of_the_schema() -> None:
    for request in (
        protocol.load_request("h.py"),
        protocol.invoke_request(EVENT, {"functionName": "f"}),
        protocol.invoke_request(EVENT, {"function_name": "f"}, spec="h.py"),
        protocol.run_request("{}", kvs="", recheck_ms=0.5),
        protocol.run_request("{}", kvs="d", recheck_ms=0.5, kvs_data="{}"),
    ):
        _validate_request(protocol.with_nonce(request, "00"))
    for answer in (
        protocol.ready_answer(12),
        protocol.loaded_answer("h-handler"),
        protocol.result_answer("ok", value={"a": 1}, logs="", duration_ms=1.0, cold_start=True),
        protocol.result_answer("error", error_type=None, error_message="boom"),
    ):
        _validate_answer(answer)
        assert protocol.check_answer(answer) is answer


def test_a_builder_refuses_a_field_the_schema_does_not_have() -> None:
    with pytest.raises(protocol.ProtocolMisuse, match="unknown fields"):
        protocol.result_answer("ok", valeu=1)
    with pytest.raises(protocol.ProtocolMisuse, match="status"):
        protocol.result_answer("crash")


# -- each worker's answers ----------------------------------------------------------------
PY_HANDLER = """\
import time

def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    print("hello from", request["uri"])
    if request["uri"] == "/error":
        raise ValueError("boom")
    if request["uri"] == "/slow":
        time.sleep(30)
    return request
"""


def _call(uri: str, timeout_s: float = 5.0) -> Call:
    event = {"Records": [{"cf": {**EVENT["Records"][0]["cf"]}}]}
    event["Records"][0]["cf"]["request"] = {**EVENT["Records"][0]["cf"]["request"], "uri": uri}
    return Call(event, ContextInfo(function_name="f", memory_limit_in_mb=128, timeout_s=timeout_s))


def test_isolated_python_answers_follow_the_schema(
    wire: dict[str, list[Any]], tmp_path: Path
) -> None:
    from edgelab.runtimes.python import IsolatedPython

    path = tmp_path / "h.py"
    path.write_text(PY_HANDLER)
    handler = IsolatedPython(str(path))
    try:
        results = handler.invoke_many([_call("/"), _call("/error"), _call("/slow", 0.3)])
        again = handler.invoke(_call("/"))
    finally:
        handler.close()
    assert [r.status for r in results] == ["ok", "error", "timeout"]
    assert results[0].cold_start and "hello from /" in results[0].logs
    assert again.status == "ok" and again.cold_start  # re-imported after the timeout
    requests, answers = _kinds(wire)
    assert requests == ["load", "invoke", "invoke", "invoke", "invoke"]
    assert answers == ["ready", "loaded", "result", "result", "result", "result"]
    assert wire["answers"][4]["status"] == "timeout"
    assert wire["answers"][2]["cold_start"] is True


def test_isolated_python_load_error_answer_follows_the_schema(
    wire: dict[str, list[Any]], tmp_path: Path
) -> None:
    from edgelab.runtimes.python import IsolatedPython

    path = tmp_path / "broken.py"
    path.write_text("raise RuntimeError('no')\n")
    with pytest.raises(HandlerLoadError, match="does not import"):
        IsolatedPython(str(path))
    assert _kinds(wire) == (["load"], ["ready", "result"])
    assert wire["answers"][1]["status"] == "error"


NODE_HANDLER = """\
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  console.log('hello from', request.uri);
  if (request.uri === '/error') throw new TypeError('boom');
  if (request.uri === '/slow') { for (;;) {} }
  if (request.uri === '/later') setTimeout(() => { throw new Error('after'); }, 0);
  return request;
};
"""


@pytest.mark.node
def test_node_answers_follow_the_schema(wire: dict[str, list[Any]], tmp_path: Path) -> None:
    from edgelab.runtimes.node import NodeHandler

    path = tmp_path / "h.js"
    path.write_text(NODE_HANDLER)
    handler = NodeHandler(str(path))
    try:
        results = handler.invoke_many([_call("/"), _call("/error"), _call("/slow", 0.3)])
        # A stray error after the call returned: the next call's answer is a retry.
        later = [handler.invoke(_call("/later"))]
        time.sleep(0.5)  # the stray error happens between calls
        later.append(handler.invoke(_call("/")))
    finally:
        handler.close()
    assert [r.status for r in results] == ["ok", "error", "timeout"]
    assert results[0].cold_start and "hello from /" in results[0].logs
    assert [r.status for r in later] == ["ok", "ok"]
    assert later[1].cold_start and "after" in later[1].logs
    requests, answers = _kinds(wire)
    assert set(requests) == {"invoke"}
    assert answers.count("ready") >= 3 and "retry" in answers
    assert {a.get("status") for a in wire["answers"]} >= {"ready", "ok", "error", "retry"}


@pytest.mark.node
def test_node_load_error_hello_follows_the_schema(
    wire: dict[str, list[Any]], tmp_path: Path
) -> None:
    from edgelab.runtimes.node import NodeHandler

    path = tmp_path / "h.js"
    path.write_text("exports.other = () => 1;\n")
    with pytest.raises(HandlerLoadError, match="has no export"):
        NodeHandler(str(path))
    assert _kinds(wire) == ([], ["ready"])
    assert wire["answers"][0]["load"]["ok"] is False


CFF = """\
function handler(event) {
  console.log('uri ' + event.request.uri);
  if (event.request.uri === '/error') throw new Error('boom');
  return event.request;
}
"""


@pytest.mark.node
def test_cloudfront_function_answers_follow_the_schema(
    wire: dict[str, list[Any]], tmp_path: Path
) -> None:
    import edgelab as el

    path = tmp_path / "f.js"
    path.write_text(CFF)
    event = {
        "version": "1.0",
        "context": {"eventType": "viewer-request"},
        "viewer": {"ip": "192.0.2.1"},
        "request": {"method": "GET", "uri": "/", "querystring": {}, "headers": {}, "cookies": {}},
    }
    failing = {**event, "request": {**event["request"], "uri": "/error"}}
    with el.load_cloudfront_function(path) as fn:
        results = fn.invoke_many([event, failing], kvs={"k": "v"})
    assert [r.outcome for r in results] == ["request", "error"]
    requests, answers = _kinds(wire)
    assert requests == ["run", "run"] and "kvsData" in wire["requests"][0]
    assert answers == ["ready", "result", "result"]
    assert [a["status"] for a in wire["answers"][1:]] == ["ok", "error"]


@pytest.mark.node
def test_cloudfront_function_refused_at_load_says_so_in_its_ready_answer(
    wire: dict[str, list[Any]], tmp_path: Path
) -> None:
    import edgelab as el

    path = tmp_path / "f.js"
    path.write_text("function nothing() {}\n")
    with pytest.raises(HandlerLoadError, match="handler"):
        el.load_cloudfront_function(path)
    assert _kinds(wire) == ([], ["ready"])
    assert wire["answers"][0]["load"]["ok"] is False


# -- a malformed answer --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ([1, 2], "not an object"),
        ({"status": "done"}, "unknown status 'done'"),
        ({"status": "ok", "logs": 5}, "logs=5"),
        ({"status": "ok", "duration_ms": True}, "duration_ms=True"),
        ({"status": "ok", "cold_start": "yes"}, "cold_start='yes'"),
        ({"status": "error", "error_message": ["x"]}, "error_message"),
        ({"status": "ok", "outbound": {}}, "outbound"),
        ({"status": "loaded"}, "has no function_name"),
        ({"status": "retry"}, "has no logs"),
        ({"status": "ready", "ready": True}, "has no pid"),
    ],
)
def test_a_malformed_answer_is_a_bad_answer_error(answer: Any, why: str) -> None:
    checked = protocol.check_answer(answer)
    assert checked["status"] == "error"
    assert checked["error_type"] == "Runtime.BadAnswer"
    assert why in checked["error_message"]
    result = protocol.answer_to_result(checked)
    assert (result.status, result.error_type) == ("error", "Runtime.BadAnswer")


def test_well_formed_answers_pass_unchanged() -> None:
    for answer in (
        {"status": "ok", "value": None, "logs": "", "duration_ms": 3, "cold_start": False},
        {"status": "error", "error_type": None, "error_message": None, "outbound": []},
        {"status": "timeout", "restart": True},
        {"status": "retry", "logs": "x"},
    ):
        assert protocol.check_answer(answer) is answer


FAKE_WORKER = """\
import json, os, sys
fds = os.environ.pop({fds!r})
hello = os.environ.pop({hello!r})
r, w = (int(x) for x in fds.split(","))
pid = os.getpid()
def send(nonce, obj):
    os.write(w, f"{{nonce}}:{{pid}}:{{json.dumps(obj)}}\\n".encode())
send(hello, {{"status": "ready", "ready": True, "pid": pid}})
answers = iter([
    {{"status": "ok", "value": 1, "logs": 5}},
    {{"status": "done"}},
    {{"status": "ok", "value": 2, "logs": "fine"}},
])
for line in os.fdopen(r, "rb"):
    send(json.loads(line)[{nonce!r}], next(answers))
"""


def test_the_parent_turns_a_malformed_answer_into_a_bad_answer_result(tmp_path: Path) -> None:
    script = tmp_path / "fake_worker.py"
    script.write_text(
        FAKE_WORKER.format(fds=protocol.FDS_ENV, hello=protocol.HELLO_ENV, nonce=protocol.NONCE)
    )
    proc = WorkerProcess([sys.executable, str(script)])
    try:
        results = run_calls(
            proc,
            [_call("/a"), _call("/b"), _call("/c")],
            encode=lambda c: protocol.invoke_request(c.event, c.info.to_json()),
            timeout_text=lambda c: "late",
            crashed=lambda exc, started: pytest.fail(f"died: {exc}"),
        )
    finally:
        proc.kill()
    assert [(r.status, r.error_type) for r in results] == [
        ("error", "Runtime.BadAnswer"),
        ("error", "Runtime.BadAnswer"),
        ("ok", None),
    ]
    assert "logs=5" in (results[0].error_message or "")
    assert "unknown status 'done'" in (results[1].error_message or "")
    assert (results[2].value, results[2].logs) == (2, "fine")


@pytest.mark.node
def test_the_node_answer_builder_refuses_a_field_the_schema_does_not_have(
    tmp_path: Path,
) -> None:
    script = tmp_path / "probe.mjs"
    script.write_text(
        textwrap.dedent(
            f"""\
            import {{ send }} from {str(RUNTIMES / "protocol.mjs")!r};
            try {{ send('x', {{ status: 'ok', valeu: 1 }}); }}
            catch (err) {{ process.stderr.write('refused: ' + err.message + '\\n'); }}
            try {{ send('x', {{ status: 'crash' }}); }}
            catch (err) {{ process.stderr.write('refused: ' + err.message + '\\n'); }}
            send('x', {{ status: 'ok', logs: 'a', cold_start: true }}, {{ value: '[1]' }});
            """
        )
    )
    env = {protocol.FDS_ENV: "0,1", protocol.HELLO_ENV: "h", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [find_node(), str(script)], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "refused: edgelab protocol: result answers have no field valeu" in out.stderr
    assert "refused: edgelab protocol: unknown answer status crash" in out.stderr
    nonce, pid, text = out.stdout.strip().split(":", 2)
    assert nonce == "x" and pid.isdigit()
    answer = protocol.check_answer(__import__("json").loads(text))
    assert answer == {"status": "ok", "value": [1], "logs": "a", "cold_start": True}
    _validate_answer(answer)


# -- the schema is the only place field names are spelled ------------------------------------
def _field_names() -> set[str]:
    return {f for m in protocol.MESSAGES.values() for f in m.fields}


# String constants in the runtimes that equal a message field name but are not one.
NOT_MESSAGE_FIELDS = {
    "node.py": {"node"},  # the handler's language
    "base.py": {"node"},  # a language, in the table of default Lambda runtimes
    "nodefind.py": {"node"},  # the executable's name
    "netguard.py": {"status", "duration_ms"},  # an outbound call's record
    "cloudfront_js.py": {"event", "context"},  # the CloudFront Functions event's keys
}


def test_no_python_runtime_module_but_protocol_spells_a_message_field() -> None:
    names = _field_names() | set(protocol.MESSAGES)
    found: dict[str, set[str]] = {}
    for path in sorted(RUNTIMES.glob("*.py")):
        if path.name == "protocol.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in names
            ):
                found.setdefault(path.name, set()).add(node.value)
    assert found == NOT_MESSAGE_FIELDS


def _js_without_comments(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"^\s*//.*$", "", text, flags=re.M)


@pytest.mark.parametrize("name", ["node_worker.mjs", "cloudfront_worker.mjs"])
def test_the_node_workers_use_only_the_schemas_field_names(name: str) -> None:
    source = _js_without_comments(RUNTIMES / name)
    request_fields = {f for m in protocol.REQUESTS.values() for f in m.fields}
    answer_fields = {f for m in protocol.ANSWERS.values() for f in m.fields}
    # The framing is protocol.mjs's: no worker names the pipes' variables or the nonce.
    assert "EDGELAB_PROTOCOL" not in source
    assert not re.search(r"\bmsg\.n\b|\bmsg\[['\"]n['\"]\]", source)
    # Requests: every field a worker reads from a message is one of the schema's.
    read = set(re.findall(r"\bmsg\.(\w+)", source))
    assert read and read <= request_fields, read - request_fields
    # Answers: every key of an answer literal (one with a status) or set on an answer.
    keys: set[str] = set()
    for literal in re.findall(r"\{[^{}]*\bstatus:[^{}]*\}", source):
        keys |= set(re.findall(r"(?:^|[{,\s])(\w+):", literal))
    keys |= set(re.findall(r"\banswer\.(\w+)\s*=[^=]", source))
    assert keys and keys <= answer_fields, keys - answer_fields
    assert "send(" in source and "from './protocol.mjs'" in source


def test_the_python_worker_and_parent_speak_only_through_protocol() -> None:
    for name in ("worker.py", "pyworker.py"):
        source = (RUNTIMES / name).read_text(encoding="utf-8")
        assert "from . import" in source and "protocol" in source
        assert "EDGELAB_PROTOCOL" not in source.split('"""', 2)[2]
    assert worker.protocol is protocol
