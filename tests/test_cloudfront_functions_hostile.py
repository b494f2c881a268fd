"""Hostile CloudFront Functions: a function cannot reach edgelab's worker protocol at all.

The sandbox worker speaks the same private protocol as the Lambda@Edge workers (private
pipes, a nonce and the worker's pid on every answer; ``tests/test_hostile.py``), but a
CloudFront Function never gets near it: it runs in a vm realm of its own. These tests
show that from inside: every object a function can reach was made in its own realm (no
host object, so no ``process``, no file descriptor); what it does to its realm's
prototypes (a ``toJSON``, setters) cannot change the report its run sends, nor lift the
log cap; and each request of a batch still gets its own answer.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import edgelab as el
from edgelab.runtimes.base import MAX_LOGS
from tests.conftest import ROOT
from tests.helpers import write

pytestmark = pytest.mark.node

RT1, RT2 = el.CFF_RUNTIMES
# Walking a realm allocates and takes time: roomy limits for that test only.
ROOMY = el.get_cff_rules(
    overrides={"compute-budget": 5000, "stop-after": 20000, "memory": 200, "log-size": 4 << 20}
)


@pytest.fixture(autouse=True)
def _close() -> Iterator[None]:
    yield
    el.close_handlers()


# Every object reachable from what a function is given (the global object, the modules,
# the event, a store, instances the runtime library makes, errors it throws), through
# own properties, accessors and prototypes, without calling any getter. A host object
# (one made by Node outside the sandbox: process, a file descriptor's stream, the
# worker's own functions) has its prototype chain end at the host realm's
# Object.prototype, never at the sandbox's (a null-prototype object such as
# Array.prototype[Symbol.unscopables] ends at itself: its values are walked in turn).
WALK = """\
var OP = Object.prototype;
function handler(event) {
  var seen = new Map(), queue = [], foreign = [], at = 0, modules = {};
  function add(v, path) {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return;
    if (seen.has(v)) return;
    seen.set(v, true);
    queue.push([v, path]);
  }
  function rootOf(o) {
    var p = o;
    for (var i = 0; i < 100; i++) {
      var q = Object.getPrototypeOf(p);
      if (q === null) return p;
      p = q;
    }
    return p;
  }
  add(globalThis, 'globalThis');
  add(event, 'event');
  add(require, 'require');
  add(new Date(), 'a Date');
  add(new Error('x'), 'an Error');
  var names = ['crypto', 'querystring', 'buffer', 'cloudfront', 'fs', 'net',
               'child_process', 'process', 'vm', 'worker_threads'];
  for (var n = 0; n < names.length; n++) {
    try { add(require(names[n]), 'require:' + names[n]); modules[names[n]] = 'loaded'; }
    catch (e) { add(e, 'require error:' + names[n]); modules[names[n]] = 'refused'; }
  }
  var h = require('crypto').createHash('md5');
  add(h, 'a hash');
  h.digest('hex');
  try { h.digest('hex'); } catch (e) { add(e, 'a runtime error'); }
  try { (function () {}).constructor('return 1'); } catch (e) { add(e, 'an EvalError'); }
  if (typeof Buffer === 'function') add(Buffer.from('hi'), 'a Buffer');
  var rest = null;
  if (modules.cloudfront === 'loaded') {
    var store = require(names[3]).kvs();
    add(store, 'a store');
    rest = store.get('missing').then(null, function (e) { add(e, 'a rejection'); });
  }
  function walk() {
    while (at < queue.length && at < 200000) {
      var item = queue[at++], o = item[0], path = item[1];
      var root = rootOf(o);  // a realm's Object.prototype, or a null-prototype bag
      if (root !== OP && Object.getOwnPropertyDescriptor(root, 'hasOwnProperty')) {
        foreign.push(path);
      }
      add(Object.getPrototypeOf(o), path + '.[[Prototype]]');
      var keys = Object.getOwnPropertyNames(o);
      if (typeof Object.getOwnPropertySymbols === 'function') {
        keys = keys.concat(Object.getOwnPropertySymbols(o));
      }
      for (var i = 0; i < keys.length; i++) {
        var d = Object.getOwnPropertyDescriptor(o, keys[i]);
        if (!d) continue;
        var name = path + '.' + String(keys[i]);
        if ('value' in d) add(d.value, name);
        else { add(d.get, name + '[get]'); add(d.set, name + '[set]'); }
      }
    }
    return { statusCode: 200, body: JSON.stringify(
      { objects: at, foreign: foreign.slice(0, 20), modules: modules }) };
  }
  return rest === null ? walk() : rest.then(walk);
}
"""


@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
def test_every_object_a_function_can_reach_is_of_its_own_realm(
    handlers_dir: Path, runtime: str
) -> None:
    path = write(handlers_dir / "walk.js", WALK)
    res = el.invoke(path, el.build_cff_event(), runtime=runtime, rules=ROOMY, kvs={"k": "v"})
    assert res.outcome == "response", res.error
    got = json.loads(res.response["body"])
    assert got["foreign"] == []
    # the walk did go through the runtime library: thousands of objects, every module
    assert got["objects"] > 400
    offered = {"crypto", "querystring"} | ({"buffer", "cloudfront"} if runtime == RT2 else set())
    assert {m for m, how in got["modules"].items() if how == "loaded"} == offered


# A function that attacks the report its run sends: prototype setters for the report's
# fields, a toJSON on Object.prototype and Array.prototype that would put a forged
# outcome and 3 MB of logs in it, and log lines that look like protocol answers (with
# line ends in them). It answers every request with its own uri under /answered.
FORGE = """\
function handler(event) {
  var request = event.request;
  if (request.uri.indexOf('/evil') === 0) {
    var forged = { state: 'returned', type: 'object', json: '{"statusCode":200,"body":"forged"}',
                   logs: [new Array(3 << 20).join('x')], logsTruncated: false, error: null };
    var own = Object.prototype.hasOwnProperty;
    Object.prototype.toJSON = function () {  // only for the report (it has logsTruncated)
      return own.call(this, 'logsTruncated') ? forged : this;
    };
    Array.prototype.toJSON = function () {  // only for the report's logs
      return this.length && String(this[0]).indexOf('\\n0000') === 0 ? forged.logs : this;
    };
    var fields = ['state', 'logs', 'json', 'error', 'logsTruncated', 'origin', 'kvsReads'];
    for (var i = 0; i < fields.length; i++) {
      Object.defineProperty(Object.prototype, fields[i], {
        configurable: true, get: function () { return 'forged'; }, set: function () {} });
    }
    var answer = JSON.stringify(
      { status: 'ok', value: { statusCode: 200, body: 'forged' }, logs: '', duration_ms: 1 });
    console.log('\\n' + '0'.repeat(24) + ':1:' + answer + '\\n');
    console.log('{"ready": true}\\n' + answer);
  }
  request.uri = '/answered' + request.uri;
  return request;
}
"""
ROWS = ["/r/0", "/evil/1", "/r/2", "/evil/3", "/r/4"]


@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
def test_a_function_cannot_forge_its_report_and_each_request_gets_its_own_answer(
    handlers_dir: Path, runtime: str
) -> None:
    path = write(handlers_dir / "forge.js", FORGE)
    events = [el.build_cff_event(uri=u) for u in ROWS]
    results = el.invoke_many(path, events, runtime=runtime, rules=ROOMY)
    assert [r.outcome for r in results] == ["request"] * len(ROWS)
    assert [r.request["uri"] for r in results] == [f"/answered{u}" for u in ROWS]
    for uri, res in zip(ROWS, results, strict=True):
        if uri.startswith("/evil"):
            # its own log lines, verbatim, and no more than them: the forged 3 MB never
            # reached the report
            assert res.log_lines[0].startswith("\n000000000000000000000000:1:{")
            assert '"ready": true' in res.logs and "forged" in res.logs
            assert len(res.logs) < 4096
        else:
            assert res.logs == "" and res.error is None
    # the run after an attack gets a fresh sandbox: Object.prototype is clean again
    assert results[2].request["uri"] == "/answered/r/2"


def test_the_cli_prints_one_json_object_for_a_forging_function(handlers_dir: Path) -> None:
    path = write(handlers_dir / "forge.js", FORGE)
    event = handlers_dir / "ev.json"
    event.write_text(json.dumps(el.build_cff_event(uri="/evil/cli")))
    out = subprocess.run(
        [sys.executable, "-m", "edgelab", "invoke", path, "--runtime", RT2, "--event", str(event),
         "--set", "compute-budget=5000", "--set", "memory=200"],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)  # exactly one JSON object
    assert result["outcome"] == "request"
    assert result["request"]["uri"] == "/answered/evil/cli"


LOUD = """\
function handler(event) {
  var line = new Array(1024).join('y');
  for (var i = 0; i < 3072; i++) console.log(line);
  return event.request;
}
"""


def test_logs_stay_within_edgelabs_cap_even_when_the_rule_set_allows_more(
    handlers_dir: Path,
) -> None:
    path = write(handlers_dir / "loud.js", LOUD)
    res = el.invoke(path, el.build_cff_event(), runtime=RT2, rules=ROOMY)
    assert res.outcome == "request", res.error
    assert MAX_LOGS < 3 << 20 <= ROOMY.limit("log-size", "viewer-request")  # type: ignore[operator]
    assert 0 < len(res.logs.encode()) <= MAX_LOGS
    assert any("$EDGELAB_MAX_LOGS" in n for n in res.notes)


def test_a_run_that_changes_a_prototype_leaves_nothing_for_the_next(handlers_dir: Path) -> None:
    # CFF_DECISIONS "state between invocations": built-ins and prototypes too
    path = write(
        handlers_dir / "proto.js",
        "function handler(event) {\n"
        "  var before = typeof ''.leaked + '/' + typeof [].leaked2 + '/' + typeof Math.leaked3;\n"
        "  String.prototype.leaked = function () { return 1; };\n"
        "  Object.defineProperty(Array.prototype, 'leaked2', { value: 1, configurable: true });\n"
        "  Math.leaked3 = 1;\n"
        "  return { statusCode: 200, body: before };\n}\n",
    )
    for runtime in el.CFF_RUNTIMES:
        results = el.invoke_many(path, [el.build_cff_event()] * 3, runtime=runtime, rules=ROOMY)
        assert [r.response["body"] for r in results] == ["undefined/undefined/undefined"] * 3
