"""The CloudFront Functions sandbox: what each runtime offers and refuses (facts §1),
its modules (§1.1), limits (§8) and failures (§4.2). Every test runs real ``node``.

Runs are given a roomy compute budget unless compute is the subject, so a busy machine
never turns a test about something else into a compute-utilization failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.errors import HandlerLoadError
from tests.helpers import write

pytestmark = pytest.mark.node

RT1, RT2 = el.CFF_RUNTIMES
ROOMY = el.get_cff_rules(overrides={"compute-budget": 200})


@pytest.fixture(autouse=True)
def _close() -> Iterator[None]:
    yield
    el.close_handlers()


def run(path: str, event: Any = None, runtime: str = RT2, **kw: Any) -> el.FunctionResult:
    kw.setdefault("rules", ROOMY)
    return el.invoke(path, event or el.build_cff_event(), runtime=runtime, **kw)


def body_of(result: el.FunctionResult) -> Any:
    assert result.outcome == "response", result.error
    return json.loads(result.response["body"])


def reply(expr: str) -> str:
    """A function that answers with the JSON of ``expr`` (1.0 syntax)."""
    return (
        "function handler(event) {\n"
        f"  return {{ statusCode: 200, body: JSON.stringify({expr}) }};\n"
        "}\n"
    )


# -- unmodified files, both runtimes -------------------------------------------------------
def test_a_1_0_file_runs_unmodified_in_both_runtimes(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "v.js",
        "var crypto = require('crypto');\n"
        "function handler(event) {\n"
        "  var request = event.request;\n"
        "  request.headers['x-h'] = { value: crypto.createHash('md5').update('a')"
        ".digest('hex') };\n  return request;\n}\n",
    )
    for runtime in (RT1, RT2):
        res = run(path, runtime=runtime)
        assert res.outcome == "request" and res.runtime == runtime
        assert res.request["headers"]["x-h"] == {"value": hashlib.md5(b"a").hexdigest()}


def test_2_0_async_handler_with_imports(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "a.mjs.js",
        "import cf from 'cloudfront';\n"
        "import crypto from 'crypto';\nimport { Buffer as B } from 'buffer';\n"
        "import * as qs from 'querystring';\n"
        "const tag = crypto.createHash('sha1').update('x').digest('base64');\n"
        "async function later(v) { return v; }\n"
        "async function handler(event) {\n"
        "  const request = event.request;\n"
        "  request.headers['x-t'] = { value: await later(tag) };\n"
        "  request.headers['x-b'] = { value: B.from('hi').toString('hex') };\n"
        "  request.headers['x-q'] = { value: qs.stringify({ a: [1, 2] }) };\n"
        "  request.headers['x-cf'] = { value: typeof cf.kvs };\n"
        "  return request;\n}\n",
    )
    res = run(path)
    assert res.outcome == "request", res.error
    headers = res.request["headers"]
    assert headers["x-t"]["value"] == base64.b64encode(hashlib.sha1(b"x").digest()).decode()
    assert headers["x-b"]["value"] == "6869"
    assert headers["x-q"]["value"] == "a=1&a=2"
    assert headers["x-cf"]["value"] == "function"


# -- what each runtime offers (§1) -----------------------------------------------------------
GLOBALS = [
    ("process", "undefined", "undefined"),
    ("setTimeout", "undefined", "undefined"),
    ("setImmediate", "undefined", "undefined"),
    ("fetch", "undefined", "undefined"),
    ("module", "undefined", "undefined"),
    ("Buffer", "undefined", "function"),
    ("TextEncoder", "undefined", "function"),
    ("TextDecoder", "undefined", "function"),
    ("atob", "undefined", "function"),
    ("btoa", "undefined", "function"),
    ("console.log", "function", "function"),
    ("console.error", "undefined", "undefined"),
    ("WebAssembly", "undefined", "undefined"),
    ("Intl", "undefined", "undefined"),
    ("SharedArrayBuffer", "undefined", "undefined"),
    ("WeakRef", "undefined", "undefined"),
    ("escape", "undefined", "undefined"),
    ("String.prototype.replaceAll", "undefined", "function"),
    ("Promise.all", "undefined", "function"),
    ("Promise.any", "undefined", "function"),
    ("Promise.allSettled", "undefined", "function"),
    ("Promise.race", "undefined", "function"),
    ("Promise.resolve", "function", "function"),
    ("Symbol.for", "undefined", "function"),
    ("DataView", "undefined", "function"),
    ("Uint8Array.from", "undefined", "function"),
    ("Uint8Array.prototype.map", "undefined", "function"),
    ("Uint8Array.prototype.subarray", "function", "function"),
    ("String.bytesFrom", "function", "undefined"),
    ("String.prototype.toUTF8", "function", "undefined"),
    ("String.prototype.fromUTF8", "function", "undefined"),
    ("String.prototype.charCodeAt", "function", "function"),
    ("String.prototype.padStart", "function", "function"),
    ("String.prototype.trimEnd", "function", "function"),
    ("Array.prototype.flat", "undefined", "function"),
    ("Object.fromEntries", "undefined", "function"),
    ("BigInt", "undefined", "function"),
    ("Array.prototype.at", "undefined", "undefined"),
    ("Object.hasOwn", "undefined", "undefined"),
    ("Array.prototype.findLast", "undefined", "undefined"),
    ("Object.entries", "function", "function"),
    ("Array.prototype.includes", "function", "function"),
    ("InternalError", "function", "function"),
    ("MemoryError", "function", "function"),
    ("globalThis", "object", "object"),
    ("encodeURIComponent", "function", "function"),
]


@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
def test_the_sandbox_offers_what_the_runtime_offers(handlers_dir: Path, runtime: str) -> None:
    # CFF_DECISIONS "built-in methods (1.0)" and "built-in objects (2.0)"
    names = [g[0] for g in GLOBALS]
    probe = (
        "(function () { var out = {}; var names = " + json.dumps(names) + ";\n"
        "names.forEach(function (n) { var v = globalThis; n.split('.').forEach("
        "function (k) { v = v === undefined || v === null ? undefined : v[k]; });"
        " out[n] = typeof v; }); return out; })()"
    )
    got = body_of(run(write(handlers_dir / "g.js", reply(probe)), runtime=runtime))
    column = 1 if runtime == RT1 else 2
    expected = {g[0]: g[column] for g in GLOBALS}
    assert got == expected


@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
def test_eval_and_the_function_constructor_throw(handlers_dir: Path, runtime: str) -> None:
    path = write(
        handlers_dir / "e.js",
        reply(
            "[(function () { try { eval('1'); return 'ran'; } catch (e) { return e.name; } })(),"
            " (function () { try { new Function('return 1'); return 'ran'; } catch (e) {"
            " return e.name; } })(), typeof require]"
        ),
    )
    assert body_of(run(path, runtime=runtime)) == ["EvalError", "EvalError", "function"]


@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
def test_date_is_frozen_at_the_runs_start(handlers_dir: Path, runtime: str) -> None:
    path = write(
        handlers_dir / "d.js",
        reply(
            "(function () { var a = Date.now(); for (var i = 0; i < 200000; i++) {}\n"
            "  return [a, Date.now(), new Date().getTime(), typeof Date(), "
            "new Date(0).getTime(), new Date() instanceof Date]; })()"
        ),
    )
    now = 1_700_000_000.25
    with el.load_cloudfront_function(path, runtime, rules=ROOMY) as fn:
        res = fn.invoke(el.build_cff_event(), now=now)
    first, second, constructed, kind, epoch, is_date = body_of(res)
    assert first == second == constructed == 1_700_000_000_250
    assert (kind, epoch, is_date) == ("string", 0, True)


def test_math_random_is_seeded_per_run(handlers_dir: Path) -> None:
    # CFF_DECISIONS "Math.random"
    path = write(handlers_dir / "r.js", reply("[Math.random(), Math.random()]"))
    fn = el.load_cloudfront_function(path, RT2, rules=ROOMY)

    def draw(request_id: str, now: float) -> list[float]:
        return body_of(fn.invoke(el.build_cff_event(request_id=request_id), now=now))

    a = draw("req-1", 1_700_000_000)
    assert a == draw("req-1", 1_700_000_000)
    assert a != draw("req-2", 1_700_000_000)
    assert a != draw("req-1", 1_700_000_001)
    assert all(0 <= x < 1 for x in a) and a[0] != a[1]
    fn.close()


def test_console_log(handlers_dir: Path) -> None:
    # CFF_DECISIONS "console.log with several arguments"
    path = write(
        handlers_dir / "l.js",
        "function handler(event) {\n"
        "  console.log('a', 1, { b: 2 });\n  console.log([1, 'x']);\n"
        "  return event.request;\n}\n",
    )
    assert run(path, runtime=RT1).logs == 'a 1 {"b":2}\n[1,"x"]'
    res = run(path, runtime=RT2)
    assert res.logs == 'a\n[1,"x"]' and res.log_lines == ["a", '[1,"x"]']


def test_logs_are_cut_at_the_log_size(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "big.js",
        "function handler(event) {\n"
        "  for (var i = 0; i < 100; i++) console.log('line ' + i + ' xxxxxxxxxx');\n"
        "  return event.request;\n}\n",
    )
    res = run(path, rules=el.get_cff_rules(overrides={"log-size": 100, "compute-budget": 200}))
    assert res.outcome == "request"
    assert 0 < len(res.logs.encode()) <= 100 and res.log_lines[0] == "line 0 xxxxxxxxxx"
    assert any("truncates" in n for n in res.notes)


def test_no_state_persists_between_invocations(handlers_dir: Path) -> None:
    # CFF_DECISIONS "state between invocations"
    path = write(
        handlers_dir / "s.js",
        "var calls = 0;\n"
        "function handler(event) {\n  calls += 1;\n"
        "  var before = typeof globalThis.leaked;\n  globalThis.leaked = calls;\n"
        "  return { statusCode: 200, body: JSON.stringify([calls, before]) };\n}\n",
    )
    for runtime in (RT1, RT2):
        results = el.invoke_many(path, [el.build_cff_event()] * 3, runtime=runtime, rules=ROOMY)
        assert [body_of(r) for r in results] == [[1, "undefined"]] * 3


def test_top_level_code_sees_the_global_object(handlers_dir: Path) -> None:
    path = write(handlers_dir / "t.js", "var g = this === globalThis;\n" + reply("g"))
    assert body_of(run(path, runtime=RT1)) is True


# -- modules (§1.1) --------------------------------------------------------------------------
@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256"])
def test_crypto_matches_node_and_python(handlers_dir: Path, runtime: str, algorithm: str) -> None:
    path = write(
        handlers_dir / "c.js",
        "var crypto = require('crypto');\n"
        + reply(
            f"['hex', 'base64', 'base64url'].map(function (enc) {{ return ["
            f"crypto.createHash('{algorithm}').update('h\\u00e9').update('llo').digest(enc),"
            f"crypto.createHmac('{algorithm}', 'key').update('msg').digest(enc)]; }})"
        ),
    )
    got = body_of(run(path, runtime=runtime))
    digest = hashlib.new(algorithm, "héllo".encode()).digest()
    mac = hmac.new(b"key", b"msg", algorithm).digest()
    as_text = {
        "hex": bytes.hex,
        "base64": lambda b: base64.b64encode(b).decode(),
        "base64url": lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="),
    }
    assert got == [[as_text[e](digest), as_text[e](mac)] for e in ("hex", "base64", "base64url")]


def test_digest_without_encoding(handlers_dir: Path) -> None:
    # CFF_DECISIONS "hash digest() without encoding (1.0)": a byte string; 2.0 a Buffer.
    path = write(
        handlers_dir / "c.js",
        "var crypto = require('crypto');\n"
        + reply(
            "(function () { var d = crypto.createHash('sha256').update('a').digest();"
            " return [typeof d, d.length, typeof Buffer !== 'undefined' && Buffer.isBuffer(d)"
            " ? d.toString('hex') : d.split('').map(function (c) { return"
            " ('0' + c.charCodeAt(0).toString(16)).slice(-2); }).join('')]; })()"
        ),
    )
    expected = hashlib.sha256(b"a").hexdigest()
    assert body_of(run(path, runtime=RT1)) == ["string", 32, expected]
    assert body_of(run(path, runtime=RT2)) == ["object", 32, expected]


def test_an_unsupported_hash_algorithm_throws(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "c.js",
        "var crypto = require('crypto');\n"
        "function handler(event) { crypto.createHash('sha512'); return event.request; }\n",
    )
    res = run(path)
    assert res.status == 503 and "sha512" in res.error.message


def test_querystring_module_as_documented(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "q.js",
        "var qs = require('querystring');\n"
        + reply(
            "[qs.parse('name=value&abc=xyz&abc=123'),"
            " qs.stringify({ name: 'value', abc: ['xyz', '123'], anotherName: '' }),"
            " qs.parse('a=%E2%82%AC&b=%FF&c=x+y'), qs.parse('a:1;b:2', ';', ':'),"
            " qs.parse('a=1&b=2&c=3', null, null, { maxKeys: 2 }), qs.escape('a b/é'),"
            " qs.unescape('%41%zz'), qs.decode === qs.parse, qs.encode === qs.stringify]"
        ),
    )
    for runtime in (RT1, RT2):
        assert body_of(run(path, runtime=runtime)) == [
            {"name": "value", "abc": ["xyz", "123"]},
            "name=value&abc=xyz&abc=123&anotherName=",
            {"a": "€", "b": "\ufffd", "c": "x y"},
            {"a": "1", "b": "2"},
            {"a": "1", "b": "2"},
            "a%20b%2F%C3%A9",
            "A%zz",
            True,
            True,
        ]


def test_buffer_text_encoder_atob_btoa_in_2_0(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "b.js",
        reply(
            "[Buffer.from('aGk', 'base64url').toString(), Buffer.from('hi').toString('base64url'),"
            " Buffer.byteLength('é'), Array.prototype.slice.call(new TextEncoder().encode('é')),"
            " new TextDecoder().decode(new Uint8Array([104, 195, 169])), btoa('hi'), atob('aGk='),"
            " Buffer.concat([Buffer.from('a'), Buffer.alloc(1, 98)]).toString('latin1')]"
        ),
    )
    assert body_of(run(path)) == ["hi", "aGk", 2, [195, 169], "hé", "aGk=", "hi", "ab"]


def test_1_0_byte_string_methods(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "b.js",
        reply(
            "[String.bytesFrom([104, 105]), String.bytesFrom('6869', 'hex'),"
            " String.bytesFrom('aGk', 'base64url'), 'é'.toUTF8().length, 'é'.toUTF8().fromUTF8(),"
            " '\\u00ff'.toBytes(), '\\u0100'.toBytes(), '\\u00e9'.fromBytes(), "
            " String.bytesFrom([255]).fromUTF8()]"
        ),
    )
    assert body_of(run(path, runtime=RT1)) == ["hi", "hi", "hi", 2, "é", "ÿ", None, "é", None]


# -- refused when loaded (§1) -----------------------------------------------------------------
HANDLER = "function handler(event) { return event.request; }\n"
REFUSED = [
    pytest.param(RT1, "let a = 1;\n", "let", "use `var`", id="§1 1.0 let"),
    pytest.param(RT1, "const a = 1;\n", "const", "use `var`", id="§1 1.0 const"),
    pytest.param(RT1, "async function f() {}\n", "async", "cloudfront-js-2.0", id="§1 1.0 async"),
    pytest.param(
        RT1,
        "function f() { return arguments.length; }\n",
        "arguments",
        "rest parameters",
        id="§1 1.0 arguments",
    ),
    pytest.param(
        RT1, "import crypto from 'crypto';\n", "import", "require('crypto')", id="§1 1.0 import"
    ),
    pytest.param(
        RT1,
        "var n = 1_000;\n",
        "newer-syntax",
        "numeric separators",
        id="§1 1.0 numeric separators",
    ),
    pytest.param(
        RT1,
        "var a = {}; var b = a?.b;\n",
        "newer-syntax",
        "optional chaining",
        id="§1 1.0 optional chaining",
    ),
    pytest.param(
        RT1,
        "var s = 'a'; try {} catch {}\n",
        "newer-syntax",
        "catch (e)",
        id="§1 1.0 catch without binding",
    ),
    pytest.param(
        RT2,
        "const f = async () => 1;\n",
        "async-closure",
        "top level",
        id="§1 2.0 async arrow (decision)",
    ),
    pytest.param(
        RT2,
        "function g() { return [1].map(async function (x) { return x; }); }\n",
        "async-closure",
        "top level",
        id="§1 2.0 async argument (decision)",
    ),
    pytest.param(
        RT2,
        "function g() { async function inner() {} }\n",
        "async-closure",
        "top level",
        id="§1 2.0 nested async function (decision)",
    ),
    pytest.param(
        RT2, "await 1;\n", "top-level-await", "async function", id="§1 2.0 top-level await"
    ),
    pytest.param(RT2, "class A {}\n", "class", "constructor function", id="§1 class"),
    pytest.param(RT2, "function* g() {}\n", "generator", "loop", id="§1 generator"),
    pytest.param(RT2, "var [a] = [1];\n", "destructuring", "one by one", id="§1 destructuring"),
    pytest.param(RT2, "var a = Math.max(...[1]);\n", "spread", "apply", id="§1 spread"),
    pytest.param(RT2, "for (var x of []) {}\n", "for-of", "forEach", id="§1 for-of"),
    pytest.param(
        RT2, "function f(a = 1) {}\n", "default-parameter", "undefined", id="§1 default parameters"
    ),
    pytest.param(
        RT2,
        "function t() {} var s = t`x`;\n",
        "tagged-template",
        "pieces",
        id="§1 tagged templates",
    ),
    pytest.param(RT2, "export function other() {}\n", "export", "by name", id="§1 export"),
    pytest.param(RT2, "var m = import('crypto');\n", "dynamic-import", "import", id="§1 import()"),
    pytest.param(
        RT2,
        "import fs from 'fs';\n",
        "unknown-module",
        "crypto, querystring, buffer",
        id="§1.1 import fs",
    ),
    pytest.param(
        RT1,
        "var fs = require('fs');\n",
        "unknown-module",
        "crypto, querystring",
        id="§1.1 require fs",
    ),
    pytest.param(
        RT1,
        "var b = require('buffer');\n",
        "unknown-module",
        "crypto, querystring",
        id="§1.1 buffer is 2.0 only",
    ),
    pytest.param(
        RT2, "class A { x = 1 }\n", "class", "constructor function", id="§1 2.0 class fields"
    ),
    pytest.param(RT1, "var ok = ;\n", "syntax-error", "SyntaxError", id="§1 a syntax error"),
]


@pytest.mark.parametrize(("runtime", "source", "feature", "instead"), REFUSED)
def test_what_the_runtime_lacks_is_refused_when_loaded(
    handlers_dir: Path, runtime: str, source: str, feature: str, instead: str
) -> None:
    # CFF_DECISIONS "syntax the runtime pages do not list", "async arguments and closures"
    path = write(handlers_dir / "f.js", "// a comment line\n" + source + HANDLER)
    with pytest.raises(HandlerLoadError) as info:
        el.load_cloudfront_function(path, runtime)
    message = str(info.value)
    assert "line 2: " in message, message
    assert instead in message and runtime in message


ALLOWED = [
    pytest.param(
        RT1,
        "var f = function (a, ...rest) { return `x${a ** 2}` + rest.length; };\n",
        id="§1 1.0 arrow-free ES6: template, **, rest",
    ),
    pytest.param(
        RT1, "var f = (a) => a;\nvar re = /(?<y>\\d{4})/;\n", id="§1 1.0 arrows and named groups"
    ),
    pytest.param(
        RT2,
        "let a = 1; const b = { a, c() { return 1; } };\n"
        "async function f() { await 1; }\nvar n = 1_000; var o = b?.a ?? 2;\n",
        id="§1 2.0 let, const, async, ES 12 syntax",
    ),
]


@pytest.mark.parametrize(("runtime", "source"), ALLOWED)
def test_what_the_runtime_has_loads(handlers_dir: Path, runtime: str, source: str) -> None:
    path = write(handlers_dir / "ok.js", source + HANDLER)
    assert run(path, runtime=runtime).outcome == "request"


def test_a_file_without_handler_is_refused(handlers_dir: Path) -> None:
    path = write(handlers_dir / "h.js", "function main(event) { return event.request; }\n")
    with pytest.raises(HandlerLoadError, match="no top-level function named handler"):
        el.load_cloudfront_function(path, RT1)


def test_every_problem_is_listed_with_its_line(handlers_dir: Path) -> None:
    path = write(handlers_dir / "m.js", "let a = 1;\nconst b = 2;\nclass C {}\n" + HANDLER)
    with pytest.raises(HandlerLoadError) as info:
        el.load_cloudfront_function(path, RT1)
    message = str(info.value)
    assert (
        message.index("line 1: `let`")
        < message.index("line 2: `const`")
        < message.index("line 3: classes")
    )


def test_function_size_is_limited_to_10_kb(handlers_dir: Path) -> None:
    # CFF_DECISIONS "function size"
    padding = 10 * 1024 - len(HANDLER.encode()) - 3
    path = write(handlers_dir / "big.js", HANDLER + "//" + "x" * padding + "\n")
    assert Path(path).stat().st_size == 10 * 1024
    assert run(path).outcome == "request"
    write(handlers_dir / "big.js", HANDLER + "//é" + "x" * padding + "\n")
    with pytest.raises(HandlerLoadError, match=r"10,242 bytes.*FunctionSizeLimitExceeded"):
        el.load_cloudfront_function(str(handlers_dir / "big.js"), RT2)
    bigger = el.get_cff_rules(overrides={"function-size": 20000})
    assert el.load_cloudfront_function(str(handlers_dir / "big.js"), RT2, rules=bigger)


def test_an_edited_file_is_loaded_again(handlers_dir: Path) -> None:
    path = write(handlers_dir / "e.js", reply("1"))
    fn = el.load_cloudfront_function(path, RT2, rules=ROOMY)
    with fn:
        assert body_of(fn.invoke(el.build_cff_event())) == 1
        write(Path(path), reply("2"))
        assert body_of(fn.invoke(el.build_cff_event())) == 2
        write(Path(path), "let x = ;\n")
        with pytest.raises(HandlerLoadError):
            fn.invoke(el.build_cff_event())


# -- failures (§4.2) and limits (§8) -----------------------------------------------------------
def test_a_thrown_error_is_an_execution_error_with_its_line(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "t.js", "function handler(event) {\n  var x = null;\n  return x.uri;\n}\n"
    )
    res = run(path)
    assert (res.outcome, res.status, res.error.type) == ("error", 503, "FunctionExecutionError")
    assert res.error.message.startswith("TypeError: ") and res.error.message.endswith("(line 3)")


def test_an_endless_loop_is_stopped_and_the_next_call_works(handlers_dir: Path) -> None:
    # CFF_DECISIONS "a run that does not finish"
    path = write(
        handlers_dir / "loop.js",
        "function handler(event) {\n"
        "  if (event.request.uri === '/loop') { for (;;) {} }\n"
        "  return event.request;\n}\n",
    )
    rules = el.get_cff_rules(overrides={"stop-after": 300, "compute-budget": 200})
    results = el.invoke_many(
        path,
        [
            el.build_cff_event(uri="/a"),
            el.build_cff_event(uri="/loop"),
            el.build_cff_event(uri="/b"),
        ],
        runtime=RT1,
        rules=rules,
    )
    assert [r.outcome for r in results] == ["request", "error", "request"]
    assert results[1].status == 503 and "within 300 ms" in results[1].error.message
    assert results[1].compute_utilization > 100


def test_a_promise_that_never_settles(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "p.js",
        "async function handler(event) {\n"
        "  if (event.request.uri === '/wait') await new Promise(function () {});\n"
        "  return event.request;\n}\n",
    )
    wait, ok = el.invoke_many(
        path, [el.build_cff_event(uri="/wait"), el.build_cff_event()], runtime=RT2, rules=ROOMY
    )
    assert wait.status == 503 and "never settled" in wait.error.message
    assert ok.outcome == "request"


def test_a_rejected_promise_is_an_execution_error(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "p.js",
        "async function handler(event) {\n  throw new RangeError('no such page');\n}\n",
    )
    res = run(path)
    assert res.status == 503 and res.error.message == "RangeError: no such page (line 2)"


def test_memory_over_2_mb_is_a_memory_error(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "m.js",
        "function handler(event) {\n"
        "  var keep = new Array(500000).fill(0.5);\n"
        "  event.request.headers['x-n'] = { value: String(keep.length) };\n"
        "  return event.request;\n}\n",
    )
    res = run(path)
    assert res.status == 503 and res.error.message.startswith("MemoryError")
    assert res.memory_bytes > 2 * 1024 * 1024
    roomy = el.get_cff_rules(overrides={"memory": 64, "compute-budget": 200})
    assert run(path, rules=roomy).outcome == "request"


def test_compute_over_the_budget_fails(handlers_dir: Path) -> None:
    path = write(handlers_dir / "c.js", HANDLER)
    tiny = el.get_cff_rules(overrides={"compute-budget": 0.00001})
    res = run(path, rules=tiny)
    assert res.status == 503 and "over 100 %" in res.error.message
    assert res.compute_utilization > 100
    fine = run(path)
    assert fine.outcome == "request" and 0 < fine.compute_utilization < 100


def test_a_batch_gets_one_result_per_event(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "n.js",
        "function handler(event) {\n"
        "  if (event.request.uri === '/bad') return 'nope';\n"
        "  event.request.headers['x-uri'] = { value: event.request.uri };\n"
        "  return event.request;\n}\n",
    )
    uris = [f"/{i}" for i in range(30)]
    uris[7] = "/bad"
    results = el.invoke_many(
        path, [el.build_cff_event(uri=u) for u in uris], runtime=RT1, rules=ROOMY
    )
    assert [r.status for r in results].count(502) == 1 and results[7].status == 502
    assert [r.request["headers"]["x-uri"]["value"] for i, r in enumerate(results) if i != 7] == [
        u for i, u in enumerate(uris) if i != 7
    ]


# -- the sandbox holds (security) ---------------------------------------------------------------
ESCAPES = """\
var top = (function () { try { return this.constructor.constructor('return process')(); }
  catch (e) { return 'blocked'; } }).call(this);
function handler(event) {
  var out = { top: top && top.pid ? 'ESCAPED' : 'blocked' };
  function attempt(name, f) {
    try { var r = f(); out[name] = r && typeof r.pid === 'number' ? 'ESCAPED' : 'blocked'; }
    catch (e) { out[name] = 'blocked'; }
  }
  attempt('console', function () { return console.log.constructor('return process')(); });
  attempt('require', function () { return require.constructor('return process')(); });
  attempt('module fn', function () {
    return require('crypto').createHash.constructor('return process')(); });
  attempt('prototype', function () {
    return Object.getPrototypeOf(console).constructor.constructor('return process')(); });
  attempt('stack trace', function () {
    Error.prepareStackTrace = function (e, s) { return s; };
    var s = new Error().stack; return s && s[1] && s[1].getFunction(); });
  attempt('Error global', function () {
    globalThis.Error = { prepareStackTrace: function (e, s) { return s; } };
    return new TypeError('x').stack; });
  attempt('runtime error', function () {
    var h = require('crypto').createHash('md5'); h.digest('hex');
    try { h.digest('hex'); } catch (e) { return e.constructor.constructor('return process')(); } });
  attempt('Date', function () { return Date.constructor('return process')(); });
  attempt('process', function () { return process; });
  return { statusCode: 200, body: JSON.stringify(out) };
}
"""


@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
def test_function_code_cannot_reach_the_host(handlers_dir: Path, runtime: str) -> None:
    got = body_of(run(write(handlers_dir / "esc.js", ESCAPES), runtime=runtime))
    assert set(got.values()) == {"blocked"}, got
    assert len(got) == 10


HOSTILE = """\
function handler(event) {
  var u = event.request.uri;
  if (u === '/recurse') { var f = function () { return f() + 1; }; return f(); }
  if (u === '/oom') { var a = []; for (;;) a.push(new Array(1e5).fill(1.5)); }
  if (u === '/string') { throw 'plain text'; }
  if (u === '/tojson') { return { toJSON: function () { throw new Error('no json'); } }; }
  if (u === '/cycle') { var o = { statusCode: 200 }; o.self = o; return o; }
  if (u === '/getter') { return { get statusCode() { throw new TypeError('getter'); } }; }
  return event.request;
}
"""


def test_hostile_functions_get_cloudfronts_outcome_and_the_batch_goes_on(
    handlers_dir: Path,
) -> None:
    path = write(handlers_dir / "hostile.js", HOSTILE)
    rules = el.get_cff_rules(overrides={"compute-budget": 500, "stop-after": 5000})
    uris = ["/recurse", "/oom", "/ok", "/string", "/tojson", "/cycle", "/getter", "/ok"]
    results = el.invoke_many(
        path, [el.build_cff_event(uri=u) for u in uris], runtime=RT2, rules=rules
    )
    got = {
        u: (r.status, r.error.message if r.error else "")
        for u, r in zip(uris, results, strict=True)
    }
    assert got["/recurse"][0] == 503 and "RangeError" in got["/recurse"][1]
    assert got["/oom"][0] == 503 and "MemoryError" in got["/oom"][1]
    assert got["/string"] == (503, "string: plain text")
    for uri in ("/tojson", "/cycle", "/getter"):
        assert got[uri][0] == 502 and "cannot be converted to JSON" in got[uri][1]
    assert [r.outcome for u, r in zip(uris, results, strict=True) if u == "/ok"] == [
        "request",
        "request",
    ]
