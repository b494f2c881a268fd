"""What each CloudFront Functions runtime offers, as data the sandbox applies (facts §1).

Three tables, each row citing why:

* :data:`SYNTAX_RULES`: language features a runtime refuses when the function is loaded,
  with what to use instead (the sandbox's parser finds them; facts §1, decisions "syntax
  the runtime pages do not list" and "async arguments and closures");
* :data:`ABSENT_BUILTINS`: globals and methods the engine has but a runtime does not:
  those the facts name as absent, those newer than the runtime's ECMAScript edition
  (ES 9 for 1.0, ES 12 for 2.0), and globals neither runtime lists (decisions
  "built-in methods (1.0)" and "built-in objects (2.0)");
* :data:`MODULES`: the modules ``require``/``import`` may name.

The runtime pages' method lists are not used as allow-lists: they are incomplete (the
1.0 page omits ``String.prototype.charCodeAt``, which AWS's own 1.0 JWT example calls).
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError

RUNTIME_1 = "cloudfront-js-1.0"
RUNTIME_2 = "cloudfront-js-2.0"
RUNTIMES: tuple[str, ...] = (RUNTIME_1, RUNTIME_2)
BOTH = RUNTIMES

# The ECMAScript edition each runtime parses (facts §1: "ES 5.1 + some ES 6-9" for 1.0,
# "ES 5.1 + some ES 6-12" for 2.0); newer syntax is refused when the function loads.
ECMA_VERSION = {RUNTIME_1: 2018, RUNTIME_2: 2021}
ECMA_NAME = {RUNTIME_1: "ES 9", RUNTIME_2: "ES 12"}

# (feature id, runtimes that refuse it, what it is (with its verb), what to use instead,
# section).
# The sandbox's parser reports each with its line: "line 3: `let` is not in
# cloudfront-js-1.0; use `var`, or runtime cloudfront-js-2.0".
SYNTAX_RULES: tuple[tuple[str, tuple[str, ...], str, str, str], ...] = (
    ("let", (RUNTIME_1,), "`let` is", "use `var`, or runtime cloudfront-js-2.0", "§1"),
    ("const", (RUNTIME_1,), "`const` is", "use `var`, or runtime cloudfront-js-2.0", "§1"),
    (
        "async",
        (RUNTIME_1,),
        "`async` functions are",
        "return the request or response directly, or use runtime cloudfront-js-2.0",
        "§1",
    ),
    ("await", (RUNTIME_1,), "`await` is", "use runtime cloudfront-js-2.0", "§1"),
    (
        "arguments",
        (RUNTIME_1,),
        "the `arguments` object is",
        "use rest parameters (`function f(...args)`), or runtime cloudfront-js-2.0",
        "§1",
    ),
    (
        "import",
        (RUNTIME_1,),
        "`import` declarations are",
        "use `var crypto = require('crypto')`, or runtime cloudfront-js-2.0",
        "§1",
    ),
    (
        "async-closure",
        (RUNTIME_2,),
        "async arrow functions, async function expressions and nested async functions are",
        "declare `async function name() {...}` at the top level",
        "§1",
    ),
    (
        "top-level-await",
        (RUNTIME_2,),
        "`await` outside an async function is",
        "move it into an `async function`",
        "§1",
    ),
    ("class", BOTH, "classes are", "use a constructor function and its prototype", "§1"),
    ("generator", BOTH, "generator functions (`function*`) are", "use a loop or an array", "§1"),
    (
        "destructuring",
        BOTH,
        "destructuring is",
        "read the properties one by one (`var a = obj.a`)",
        "§1",
    ),
    (
        "spread",
        BOTH,
        "spread (`...x` outside parameters) is",
        "use `concat`, `Object.assign` or `fn.apply`",
        "§1",
    ),
    (
        "for-of",
        BOTH,
        "`for (... of ...)` is",
        "use `for (var i = 0; i < a.length; i++)` or `forEach`",
        "§1",
    ),
    (
        "default-parameter",
        BOTH,
        "default parameter values are",
        "test for `undefined` in the function body",
        "§1",
    ),
    ("tagged-template", BOTH, "tagged templates are", "call the function with the pieces", "§1"),
    (
        "export",
        BOTH,
        "`export` is",
        "declare a top-level `function handler(event)`: CloudFront calls it by name",
        "§1",
    ),
    ("dynamic-import", BOTH, "`import()` is", "import modules with `import ... from`", "§1"),
    ("unknown-module", BOTH, "this module is", "use one of the runtime's modules", "§1.1"),
    (
        "no-handler",
        BOTH,
        "a file without a top-level `handler` function is",
        "declare `function handler(event) {...}` at the top level",
        "§1",
    ),
)

_NEWER_THAN_ES9 = [  # ES 2019 and later: absent from 1.0 (ES 5.1 + some ES 6-9)
    "Array.prototype.flat",
    "Array.prototype.flatMap",
    "Object.fromEntries",
    "String.prototype.matchAll",
    "Symbol.prototype.description",
    "BigInt",
    "BigInt64Array",
    "BigUint64Array",
    "Promise.allSettled",
    "Promise.any",
    "String.prototype.replaceAll",
    "AggregateError",
]
_NEWER_THAN_ES12 = [  # ES 2022 and later: absent from both
    "Array.prototype.at",
    "String.prototype.at",
    "%TypedArray%.prototype.at",
    "Object.hasOwn",
    "Array.prototype.findLast",
    "Array.prototype.findLastIndex",
    "%TypedArray%.prototype.findLast",
    "%TypedArray%.prototype.findLastIndex",
    "Array.prototype.toReversed",
    "Array.prototype.toSorted",
    "Array.prototype.toSpliced",
    "Array.prototype.with",
    "%TypedArray%.prototype.toReversed",
    "%TypedArray%.prototype.toSorted",
    "%TypedArray%.prototype.with",
    "Object.groupBy",
    "Map.groupBy",
    "Promise.withResolvers",
    "String.prototype.isWellFormed",
    "String.prototype.toWellFormed",
    "ArrayBuffer.prototype.resize",
    "ArrayBuffer.prototype.transfer",
    "ArrayBuffer.prototype.transferToFixedLength",
    "Array.fromAsync",
]
_UNLISTED_GLOBALS = [  # neither runtime lists them among its globals (§1)
    "Intl",
    "WebAssembly",
    "SharedArrayBuffer",
    "Atomics",
    "WeakRef",
    "FinalizationRegistry",
    "escape",
    "unescape",
]
# §1's table: what 1.0 lacks that 2.0 has. Typed arrays in 1.0 have only copyWithin, fill,
# join, set, slice, subarray and toString among their methods.
_ABSENT_IN_1 = [
    "Promise.all",
    "Promise.race",
    "Symbol.for",
    "Symbol.keyFor",
    "DataView",
    "%TypedArray%.from",
    "%TypedArray%.of",
    *(
        f"%TypedArray%.prototype.{m}"
        for m in (
            "entries",
            "keys",
            "values",
            "every",
            "filter",
            "find",
            "findIndex",
            "forEach",
            "includes",
            "indexOf",
            "lastIndexOf",
            "map",
            "reverse",
            "reduce",
            "reduceRight",
            "some",
            "sort",
            "toLocaleString",
        )
    ),
]

# (path, runtimes without it, why)
ABSENT_BUILTINS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    *((p, BOTH, "not a listed global (§1)") for p in _UNLISTED_GLOBALS),
    *((p, BOTH, "newer than ES 12 (§1)") for p in _NEWER_THAN_ES12),
    *((p, (RUNTIME_1,), "newer than ES 9 (§1)") for p in _NEWER_THAN_ES9),
    *((p, (RUNTIME_1,), "2.0 only (§1 table)") for p in _ABSENT_IN_1),
)

# Modules a function may require or import (§1, §1.1); `buffer`'s Buffer and
# TextEncoder/TextDecoder/atob/btoa are also globals in 2.0.
MODULES: dict[str, tuple[str, ...]] = {
    RUNTIME_1: ("crypto", "querystring"),
    RUNTIME_2: ("crypto", "querystring", "buffer", "cloudfront"),
}


def check_runtime(runtime: str) -> str:
    """``runtime`` normalised, or a ConfigError listing the runtimes."""
    value = str(runtime).strip().lower()
    if value not in RUNTIMES:
        raise ConfigError(
            f"runtime must be one of {', '.join(RUNTIMES)}; got {runtime!r}", key="runtime"
        )
    return value


def is_cff_runtime(runtime: object) -> bool:
    return isinstance(runtime, str) and runtime.strip().lower() in RUNTIMES


def sandbox_spec(runtime: str) -> dict[str, Any]:
    """What the sandbox worker needs to build ``runtime``'s world (JSON-ready)."""
    runtime = check_runtime(runtime)
    return {
        "runtime": runtime,
        "ecmaVersion": ECMA_VERSION[runtime],
        "ecmaName": ECMA_NAME[runtime],
        "syntax": {
            fid: {"what": what, "instead": instead}
            for fid, refused, what, instead, _ in SYNTAX_RULES
            if runtime in refused
        },
        "absent": [path for path, lacking, _ in ABSENT_BUILTINS if runtime in lacking],
        "modules": list(MODULES[runtime]),
    }
