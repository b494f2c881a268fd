"""How edgelab reads the CloudFront Functions facts marked UNSURE (or left open).

One row per choice, citing ``cloudfront-functions-facts.md``; ``edgelab rules
--decisions`` and the README list them, and a test pins each one
(``tests/test_cloudfront_functions_decisions.py``).
"""

from __future__ import annotations

from ..rules.tables import Decision

CFF_DECISIONS: tuple[Decision, ...] = (
    Decision(
        "state between invocations",
        "§1",
        "none: the file's top-level code runs again for every invocation; a run that "
        "adds or replaces globals, or changes a built-in object or prototype, gets a "
        "fresh sandbox for the next one",
    ),
    Decision(
        "syntax the runtime pages do not list",
        "§1",
        "classes, generators, destructuring, spread, for-of, default parameters and "
        "tagged templates are refused when the function is loaded, in both runtimes, as "
        "is syntax newer than ES 9 (1.0) or ES 12 (2.0)",
    ),
    Decision(
        "async arguments and closures (2.0)",
        "§1",
        "only top-level async function declarations; async arrows, async function "
        "expressions and nested async functions are refused when loaded",
    ),
    Decision(
        "built-in methods (1.0)",
        "§1",
        "exactly the methods the 1.0 runtime page lists for Object, String, Number, Math, "
        "Array, typed arrays, ArrayBuffer and Promise; the engine's others are removed",
    ),
    Decision(
        "built-in objects (2.0)",
        "§1",
        "the engine's standard objects, minus what neither runtime lists (Intl, "
        "WebAssembly, SharedArrayBuffer, Atomics, WeakRef, FinalizationRegistry, escape, "
        "unescape) and the 1.0-only string methods",
    ),
    Decision(
        "Math.random",
        "§1",
        "a generator seeded per run from the run's start time and request id, so the "
        "same event at the same time gives the same numbers",
    ),
    Decision(
        "console.log with several arguments",
        "§1",
        "2.0 logs the first argument only; 1.0 joins them with spaces; objects are logged as JSON",
    ),
    Decision(
        "hash digest() without encoding (1.0)",
        "§1.1",
        "a byte string: one character per byte, 0-255",
    ),
    Decision("querystring values", "§2.2", "exactly as the viewer sent them, not percent-decoded"),
    Decision(
        "request.rawQueryString()",
        "§5.1",
        "2.0 only; the raw string when the caller gives it, else rebuilt from "
        "request.querystring (name=value joined by &, a bare name for an empty value); "
        "undefined when there is no query string",
    ),
    Decision(
        "what a returned object is",
        "§3",
        "an object with statusCode is a response, any other object a request; fields "
        "a returned request leaves out keep the values CloudFront received",
    ),
    Decision(
        "returning undefined, the whole event or a non-object", "§3", "502 FunctionValidationError"
    ),
    Decision(
        "validation errors other than header rules",
        "§4.2",
        "502 FunctionValidationError, like the header rules",
    ),
    Decision(
        "statusCode range", "§4.1", "an integer from 200 to 599 (as for Lambda@Edge), else 502"
    ),
    Decision("non-string header, cookie or query values", "§4.1", "502 FunctionValidationError"),
    Decision(
        "cookie and set-cookie headers",
        "§2.2, §2.3",
        "a function that adds request header cookie or response header set-cookie gets "
        "a 502: they live in cookies",
    ),
    Decision(
        "query string characters",
        "§4.1",
        "checked on the query string CloudFront sends on (name=value pairs): a space, a "
        "control character or # is a 502",
    ),
    Decision(
        "querystring as a string",
        "§2.2",
        "accepted from 2.0 functions only; a 1.0 function returning one gets a 502",
    ),
    Decision("invalid base64 body", "§2.3", "502 FunctionValidationError"),
    Decision(
        "generated response size",
        "§3",
        "no limit beyond the 2 MB of memory (none is documented for CloudFront Functions)",
    ),
    Decision(
        "execution errors",
        "§4.2",
        "503 FunctionExecutionError, with the page CloudFront was seen to send "
        '("... is invalid or could not run")',
    ),
    Decision(
        "compute budget",
        "§8",
        "1 ms of CPU time is 100 % (docs: submillisecond; secondary: about 1 ms), "
        "measured as the smaller of the worker's CPU time and the wall time of the run; a "
        "run over half the budget is measured twice and the smaller counts",
    ),
    Decision(
        "compute utilization over 100 %",
        "§4.2, §8",
        "503 FunctionExecutionError: the run did not complete within its time "
        "(CloudFront counts repeated overruns as throttles)",
    ),
    Decision(
        "a run that does not finish",
        "§4.2",
        "an endless loop is stopped after stop-after (1 s) and a promise that can never "
        "settle is noticed at once: both 503 FunctionExecutionError",
    ),
    Decision(
        "function size",
        "§8",
        "10,240 bytes of UTF-8 source as uploaded, comments included; a larger file is "
        "refused when loaded (FunctionSizeLimitExceeded)",
    ),
    Decision(
        "memory",
        "§8",
        "estimated from V8's heap growth during the run (a lower bound); over 2 MB is a "
        "503 FunctionExecutionError (MemoryError)",
    ),
    Decision(
        "cf.logCustomData over 800 bytes",
        "§5.3",
        "truncated to 800 bytes after URL-encoding; the last call wins",
    ),
    Decision("cf.kvs() or cf.kvs(id)", "§5.4", "both give the function's one store"),
    Decision(
        "kvs get of a missing key",
        "§5.4",
        "the promise rejects with an Error naming the key; format bytes gives a Buffer",
    ),
    Decision("kvs key size", "§5.4", "512 bytes (the quota), not the data-plane API's 1,024"),
    Decision(
        "origin helpers in viewer response",
        "§5.5",
        "calling one throws an Error: 503 FunctionExecutionError unless caught",
    ),
    Decision(
        "unknown origin id",
        "§5.5",
        "with the distribution's origin ids given, selecting or grouping an unknown id "
        "is a 502 FunctionValidationError",
    ),
    Decision(
        "createRequestOriginGroup forms",
        "§5.5",
        "originIds as strings or {originId, originOverrides}; failoverCriteria as "
        "{statusCodes: [...]} or a list; selectionCriteria default, media-quality-score "
        "or media-quality-based",
    ),
    Decision(
        "several origin helper calls",
        "§5.5",
        "each call is kept in order (origin_changes), for the chain to apply in order",
    ),
    # -- in a distribution's chain ---------------------------------------------------------
    Decision(
        "CloudFront headers a viewer-request function sees",
        "§7",
        "the CloudFront-Viewer-* and CloudFront-Is-*-Viewer headers the behaviour's cache "
        "or origin request policy asks for (origin-request-policy-only ones included) are "
        "added before the function runs and not again after it: what the function does "
        "to them goes on",
    ),
    Decision(
        "a generated response in a distribution",
        "§3",
        "sent to the viewer uncached with X-Cache FunctionGeneratedResponse from "
        "cloudfront; the cache, the origin and viewer response (either kind) do not run",
    ),
    Decision(
        "edge rules and a viewer-request function",
        "§4.3",
        "the viewer protocol policy and the allowed methods answer before the function "
        "runs; the default root object is applied after it (the function sees /)",
    ),
    Decision(
        "origin helpers in a distribution",
        "§5.5",
        "applied in call order to the request before the cache, on hits and misses; the "
        "cache key does not include the origin; updateRequestOrigin changes the fields it "
        "names (a domainName of another origin of the distribution is that origin, another "
        "custom domain is requested over HTTP on loopback); the trace's origin_id follows",
    ),
    Decision(
        "createRequestOriginGroup in a distribution",
        "§5.5",
        "the request tries the group's first origin, then fails over to the second as a "
        "configured group would (GET, HEAD, OPTIONS; the function's failoverCriteria "
        "replace the behaviour's group's codes); a member's originOverrides change what "
        "that origin is sent; selectionCriteria does not change the order",
    ),
    Decision(
        "request.rawQueryString() in a distribution",
        "§5.1",
        "the query string as the viewer sent it; undefined when it is empty (the chain "
        "does not tell a bare ? from no ?)",
    ),
    Decision(
        "cf.edgeLocation in a distribution",
        "§5.2",
        "name is the POP's IATA code, region the Region of the regional edge cache the "
        "POP uses (edgelab's edge location table), serverIp a documentation address",
    ),
    Decision(
        "origin failover",
        "§4.3",
        "viewer functions sit outside the origin stages: a failover to the secondary "
        "origin never runs them again",
    ),
)
