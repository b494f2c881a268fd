"""Parity: the same behaviour written as a Python and a Node.js handler gets the same outcome,
status, headers and violations (one ``edgelab.outcome.decide`` for both runtimes, facts §6).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from tests.conftest import ROOT

pytestmark = pytest.mark.node

QUICK = el.get_rules(overrides={"timeout": 1})

# name -> (Python source, Node source, trigger, expected (outcome, status))
CASES: dict[str, tuple[str, str, str, tuple[str, int | None]]] = {
    "add a header": (
        """\
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-edgelab"] = [{"key": "X-Edgelab", "value": "hello"}]
    return request
""",
        """\
exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  request.headers['x-edgelab'] = [{ key: 'X-Edgelab', value: 'hello' }];
  callback(null, request);
};
""", "viewer-request", ("request", None)),
    "302 redirect": (
        """\
def handler(event, context):
    return {"status": "302", "statusDescription": "Found",
            "headers": {"location": [{"key": "Location", "value": "https://example.com/new"}]}}
""",
        """\
export const handler = async () => ({
  status: '302', statusDescription: 'Found',
  headers: { location: [{ key: 'Location', value: 'https://example.com/new' }] },
});
""", "viewer-request", ("response", 302)),
    "response header in a response trigger": (
        """\
def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["strict-transport-security"] = [
        {"key": "Strict-Transport-Security", "value": "max-age=63072000"}]
    return response
""",
        """\
exports.handler = async (event) => {
  const response = event.Records[0].cf.response;
  response.headers['strict-transport-security'] = [
    { key: 'Strict-Transport-Security', value: 'max-age=63072000' }];
  return response;
};
""", "origin-response", ("response", 200)),
    "disallowed header": (
        """\
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["connection"] = [{"key": "Connection", "value": "close"}]
    return request
""",
        """\
exports.handler = (event) => new Promise((resolve) => {
  const request = event.Records[0].cf.request;
  request.headers['connection'] = [{ key: 'Connection', value: 'close' }];
  resolve(request);
});
""", "viewer-request", ("error", 502)),
    "throw": (
        "def handler(event, context):\n    raise ValueError('bad input')\n",
        "exports.handler = async () => { throw new Error('bad input'); };\n",
        "viewer-request", ("error", 500)),
    "timeout": (
        "import time\ndef handler(event, context):\n    time.sleep(60)\n",
        "exports.handler = async () => { for (;;) {} };\n",
        "viewer-request", ("error", 503)),
    "no result": (
        "def handler(event, context):\n    return None\n",
        "exports.handler = async () => undefined;\n",
        "viewer-request", ("error", 502)),
}


@pytest.fixture(autouse=True)
def _close_workers() -> Iterator[None]:
    yield
    el.close_handlers()


def comparable(result: el.InvocationResult) -> dict[str, Any]:
    headers = (result.response or result.request or {}).get("headers", {})
    return {"outcome": result.outcome, "status": result.status,
            "error_type": result.error.type if result.error else None,
            "headers": headers if result.outcome != "error" else None,
            "violations": [(v.rule, v.path, v.section) for v in result.violations]}


@pytest.mark.parametrize(("py", "js", "trigger", "expected"), CASES.values(), ids=CASES.keys())
def test_python_and_node_handlers_get_the_same_outcome(
        handlers_dir: Path, py: str, js: str, trigger: str,
        expected: tuple[str, int | None]) -> None:
    (handlers_dir / "same.py").write_text(py)
    js_name = "same.mjs" if "export const" in js else "same.js"
    (handlers_dir / js_name).write_text(js)
    event = el.build_event(trigger, uri="/parity")
    python = el.invoke(str(handlers_dir / "same.py"), event, rules=QUICK, isolated=True)
    node = el.invoke(str(handlers_dir / js_name), event, rules=QUICK)
    assert (node.outcome, node.status) == expected, (node.error, node.logs)
    assert comparable(node) == comparable(python)


def test_cli_real_viewer_timeout_gives_503_within_the_limit(handlers_dir: Path) -> None:
    """The one test with the real 5 s viewer timeout of rule set 2023-03 (facts §5.1)."""
    spec = handlers_dir / "stuck.js"
    spec.write_text("exports.handler = (event, context, callback) => { while (true) {} };\n")
    out = subprocess.run(
        [sys.executable, "-m", "edgelab", "invoke", str(spec), "--event",
         "examples/events/viewer-request.json", "--rules", "2023-03"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["outcome"] == "error" and data["status"] == 503
    assert data["error"]["type"] == "LambdaLimitExceeded" and "5 s timeout" in data["error"][
        "message"]


def test_cli_node_handler_result_matches_the_python_one(handlers_dir: Path) -> None:
    py, js = CASES["302 redirect"][:2]
    (handlers_dir / "r.py").write_text(py)
    (handlers_dir / "r.mjs").write_text(js)
    outputs = []
    for name in ("r.py", "r.mjs"):
        out = subprocess.run(
            [sys.executable, "-m", "edgelab", "invoke", str(handlers_dir / name), "--event",
             "examples/events/viewer-request.json"],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
        data = json.loads(out.stdout)
        outputs.append({k: data[k] for k in ("outcome", "status", "response", "violations")})
    assert outputs[0] == outputs[1]
    assert outputs[1]["status"] == 302
