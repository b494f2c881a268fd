// edgelab's Node.js worker: one process = one simulated Lambda@Edge container.
//
//   node node_worker.mjs <handler file> <export name>
//
// Loads the handler module once (Node's own resolution: dynamic import() of a file://
// URL, which runs .cjs and CommonJS .js through require() semantics and .mjs / "type":
// "module" .js as ES modules), then answers requests read from stdin, one JSON object per
// line, with one JSON line each, in order, on the descriptor named by
// $EDGELAB_PROTOCOL_FD. Nothing the handler writes (console.*, process.stdout/stderr, even
// fs.writeSync(1, ...)) can reach that descriptor: console and process.stdout/stderr go
// to a per-invocation log buffer in Lambda's format, raw fd 1/2 writes to the parent's
// "last words" buffer.
//
// Request:  {"e": event, "c": context fields (ContextInfo.to_json(): camelCase, timeoutMs)}
// Answer:   {"status": "ok"|"error"|"timeout", "value", "error_type", "error_message",
//            "logs", "duration_ms", "cold_start", "restart"?}
// "restart": true asks the parent to replace this container (after a timeout or an
// unhandled rejection, as Lambda resets the execution environment); this worker then
// answers nothing more and waits to be killed.

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const writeSync = fs.writeSync; // taken before any handler code can replace it
const PROTO_FD = Number(process.env.EDGELAB_PROTOCOL_FD);
delete process.env.EDGELAB_PROTOCOL_FD;
const [handlerFile, exportName = 'handler'] = process.argv.slice(2);

function send(obj) {
  let text;
  try {
    text = JSON.stringify(obj) + '\n';
  } catch (err) {
    // An unserializable result (BigInt, cycle): CloudFront cannot parse it either (facts
    // §6: unparsable output is a 502), so hand the validator something it rejects.
    text = JSON.stringify({ ...obj, value: { __unserializable__: String(err && err.message) } }) + '\n';
  }
  let buf = Buffer.from(text, 'utf8');
  while (buf.length) {
    try {
      const n = writeSync(PROTO_FD, buf);
      buf = buf.subarray(n);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}

// -- log capture: Lambda's Node format `<ISO time>\t<request id>\t<LEVEL>\t<message>` ------
let logs = [];
let requestId = 'undefined'; // what Lambda prints for lines logged outside an invocation

function logger(level) {
  return (...args) => {
    logs.push(`${new Date().toISOString()}\t${requestId}\t${level}\t${util.format(...args)}\n`);
  };
}
console.log = logger('INFO');
console.info = logger('INFO');
console.warn = logger('WARN');
console.error = logger('ERROR');
console.debug = logger('DEBUG');
console.trace = (...args) => {
  const stack = new Error().stack.split('\n').slice(2).join('\n');
  logger('TRACE')(`Trace: ${util.format(...args)}\n${stack}`);
};
for (const stream of [process.stdout, process.stderr]) {
  stream.write = (chunk, encoding, cb) => {
    logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
}
// A worker that exits (process.exit, a fatal error) leaves what it logged to the parent.
process.on('exit', () => {
  if (logs.length) {
    try { writeSync(2, logs.join('')); } catch { /* nothing left to tell */ }
  }
});

function errorFields(err) {
  if (err instanceof Error || (err && typeof err === 'object' && 'message' in err)) {
    return {
      type: err.name || err.constructor?.name || 'Error',
      message: String(err.message ?? ''),
      stack: typeof err.stack === 'string' ? err.stack.split('\n') : [],
    };
  }
  // callback('text') or throw 'text': Lambda reports the value's type as errorType.
  return { type: typeof err, message: String(err), stack: [] };
}

function logInvokeError(err) {
  const f = errorFields(err);
  const body = JSON.stringify({ errorType: f.type, errorMessage: f.message, stack: f.stack });
  logs.push(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${body}\n`);
  return f;
}

// -- loading the handler (before "ready", like Lambda's init phase) -----------------------
let fn = null;
let loadError = null; // {type, message}

async function load() {
  let mod;
  try {
    mod = await import(pathToFileURL(path.resolve(handlerFile)).href);
  } catch (err) {
    const f = errorFields(err);
    let where = '';
    if (f.type === 'SyntaxError') {
      // Node puts "file:///...:LINE" as the first stack line of a module syntax error.
      const first = f.stack[0] || '';
      const m = /([^/\\]+:\d+)\s*$/.exec(first);
      if (m) where = ` (${m[1]})`;
    }
    const code = err && err.code ? ` [${err.code}]` : '';
    loadError = {
      type: f.type === 'SyntaxError' ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError',
      message: `does not import: ${f.type}: ${f.message.split('\n')[0]}${code}${where}`,
    };
    logInvokeError(err);
    return;
  }
  const candidate = mod[exportName] ?? mod.default?.[exportName];
  if (typeof candidate === 'function') {
    fn = candidate;
    return;
  }
  const names = new Set(Object.keys(mod).filter((k) => k !== 'default' || typeof mod.default === 'function'));
  const dflt = mod.default;
  if (dflt && (typeof dflt === 'object' || typeof dflt === 'function')) {
    for (const k of Object.keys(dflt)) names.add(k);
  }
  const source = (k) => (k in mod ? mod[k] : dflt?.[k]);
  const fns = [...names].filter((k) => typeof source(k) === 'function').sort();
  const others = [...names].filter((k) => typeof source(k) !== 'function').sort();
  const what = candidate === undefined ? 'has no export' : `exports a ${typeof candidate} (not a function) as`;
  loadError = {
    type: 'Runtime.HandlerNotFound',
    message: `${what} '${exportName}'`,
    functions: fns,
    others,
  };
}

// -- one invocation ---------------------------------------------------------------------
let cold = true;
let dead = false; // after a timeout: answer nothing more, wait to be replaced
let current = null; // {settle} of the invocation in flight

function makeContext(c, deadline, callback) {
  return {
    awsRequestId: c.awsRequestId,
    functionName: c.functionName,
    functionVersion: c.functionVersion,
    invokedFunctionArn: c.invokedFunctionArn,
    memoryLimitInMB: String(c.memoryLimitInMB), // a string in Lambda's Node runtime
    logGroupName: c.logGroupName,
    logStreamName: c.logStreamName,
    identity: undefined,
    clientContext: undefined,
    // Accepted and ignored: this worker's event loop never empties (it waits for the next
    // request), so a callback's result is returned when the callback is called, as with
    // callbackWaitsForEmptyEventLoop = false.
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - performance.now())),
    // The legacy completion methods of the Node runtime.
    succeed: (value) => callback(null, value),
    fail: (err) => callback(err ?? new Error('context.fail called')),
    done: (err, value) => callback(err, value),
  };
}

function invoke(msg) {
  return new Promise((resolve) => {
    const c = msg.c || {};
    const timeoutMs = Number(c.timeoutMs) || 3000;
    requestId = c.awsRequestId || 'undefined';
    const started = performance.now();
    const deadline = started + timeoutMs;
    const wasCold = cold;
    cold = false;
    let settled = false;
    let timer = null;

    const finish = (answer) => {
      if (settled) return;
      settled = true;
      current = null;
      if (timer !== null) clearTimeout(timer);
      const duration = performance.now() - started;
      if (answer.status !== 'timeout' && duration > timeoutMs) {
        // It ran past its time (a long synchronous stretch) yet finished: still a timeout.
        answer = timeoutAnswer();
      }
      answer.duration_ms = duration;
      answer.cold_start = wasCold;
      answer.logs = logs.join('');
      logs = [];
      requestId = 'undefined';
      if (answer.restart) dead = true;
      resolve(answer);
    };
    const timeoutAnswer = () => ({
      status: 'timeout',
      error_type: 'LambdaLimitExceeded',
      error_message: `the function ran past its ${timeoutMs / 1000} s timeout (facts §5.1) ` +
        'and was stopped; its container is replaced',
      restart: true,
    });
    const fail = (err, restart = false) => {
      const f = logInvokeError(err);
      const answer = { status: 'error', error_type: f.type, error_message: f.message };
      if (restart) answer.restart = true;
      finish(answer);
    };
    current = { fail };

    if (loadError) {
      logs.push(`${new Date().toISOString()}\t${requestId}\tERROR\t${loadError.type}: ${loadError.message}\n`);
      finish({ status: 'error', error_type: loadError.type, error_message: `handler ${handlerFile} ${loadError.message}` });
      return;
    }

    // facts §9: callback(null, value) succeeds, callback(Error) is an execution error (500);
    // an async function or returned promise settles the same way. Whichever comes first
    // wins, as in Lambda's runtime.
    const callback = (err, value) => {
      if (err !== null && err !== undefined) fail(err);
      else finish({ status: 'ok', value });
    };
    timer = setTimeout(() => finish(timeoutAnswer()), Math.max(0, timeoutMs));
    const baseline = process.getActiveResourcesInfo().length;
    let ret;
    try {
      ret = fn(msg.e, makeContext(c, deadline, callback), callback);
    } catch (err) {
      fail(err);
      return;
    }
    if (settled) return;
    if (ret !== null && typeof ret === 'object' && typeof ret.then === 'function') {
      ret.then((value) => finish({ status: 'ok', value }), (err) => fail(err));
    } else if (fn.length < 3) {
      // Not a promise: as in Lambda's runtime, what a plain function returns is ignored;
      // the result is what it passes to context.succeed/fail/done, or null once the event
      // loop has nothing left to do (this worker's own stdin and timers aside), or a
      // timeout. A handler that takes a callback (facts §9: every Node function "must
      // call callback") is instead waited for until it calls it or times out, so a
      // forgotten callback shows as a 503 rather than Lambda's silent null.
      const poll = () => {
        if (settled) return;
        // Inside this callback its own timer still counts as active: hence the - 1.
        if (process.getActiveResourcesInfo().length - 1 <= baseline) {
          finish({ status: 'ok', value: null });
        } else {
          setTimeout(poll, 2);
        }
      };
      setTimeout(poll, 0);
    }
  });
}

// An error thrown by stray asynchronous code fails the invocation in flight and, as in
// Lambda, costs the container.
function strayError(err, type) {
  if (current) {
    const f = errorFields(err);
    current.fail(Object.assign(new Error(f.message), { name: type === 'rejection' ? 'Runtime.UnhandledPromiseRejection' : f.type, stack: (f.stack || []).join('\n') }), true);
  } else {
    logInvokeError(err);
  }
}
process.on('uncaughtException', (err) => strayError(err, 'exception'));
process.on('unhandledRejection', (reason) => strayError(reason, 'rejection'));

// -- the request loop -------------------------------------------------------------------
const queue = [];
let pumping = false;
let pending = '';

async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    while (queue.length && !dead) {
      const line = queue.shift();
      let msg;
      try {
        msg = JSON.parse(line);
      } catch (err) {
        send({ status: 'error', error_type: 'Runtime.BadRequest', error_message: String(err) });
        continue;
      }
      send(await invoke(msg));
    }
  } finally {
    pumping = false;
  }
}

await load();

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  const parts = (pending + chunk).split('\n');
  pending = parts.pop();
  for (const p of parts) if (p) queue.push(p);
  pump();
});
process.stdin.on('end', () => process.exit(0));

send({
  ready: true,
  node: process.version,
  load: loadError ? { ok: false, ...loadError } : { ok: true, arity: fn.length },
});
