// edgelab's Node.js worker: one process = one simulated Lambda@Edge container.
//
//   node node_worker.mjs <handler file> <export name>
//
// Loads the handler module once (Node's own resolution: dynamic import() of a file://
// URL, which runs .cjs and CommonJS .js through require() semantics and .mjs / "type":
// "module" .js as ES modules), then answers requests, one JSON line each, in order.
// Nothing the handler writes (console.*, process.stdout/stderr, even fs.writeSync(1, ...))
// can reach the answer channel: console and process.stdout/stderr go to a per-invocation
// log buffer in Lambda's format, raw fd 1/2 writes to the parent's "last words" buffer.
//
// The protocol is private (see edgelab/runtimes/worker.py) and spoken only through
// protocol.mjs (imported first, so it runs before the handler is imported): requests
// arrive on a pipe and answers leave on another, both named by $EDGELAB_PROTOCOL_FDS,
// which is removed; stdin is /dev/null. Each request carries a nonce and each answer line
// is `<nonce>:<pid>:<json>`, so bytes the handler writes into the answer pipe cannot pass
// for an answer. JSON.stringify/parse, fs.writeSync, Buffer.from and the other functions
// this file and protocol.mjs rely on are bound before the handler is imported, and the
// answer's envelope is written by hand, so a handler that patches them (or defines
// Object.prototype.toJSON) cannot corrupt the protocol.
//
// Outbound network (see edgelab/runtimes/netguard.py for the Python twin): before the
// handler is imported, dns.lookup and net.Socket.prototype.connect (which http, https,
// tls and fetch/undici all go through) send the hosts declared in $EDGELAB_OUTBOUND to
// edgelab's loopback server, let loopback through, and refuse everything else with a
// clear error; each answer lists the refused calls as "outbound".
//
// Messages (protocol.json, through protocol.mjs): requests are "invoke" (the event and
// the context fields, ContextInfo.to_json()); answers are "ready" (the first line: Node's
// version and how loading went), "result" and "retry".
// A result's "restart": true asks the parent to replace this container (after a timeout or an
// unhandled rejection, as Lambda resets the execution environment); this worker then
// answers nothing more and waits to be killed. "retry": the container broke between
// calls (an error thrown or a promise rejected after the previous call returned): the
// parent runs this call on a fresh container and puts these logs in front of its logs.

import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

import { NONCE, readRequests, send, sendReady } from './protocol.mjs';

// Bound before any handler code can replace them.
const stringify = JSON.stringify;
const parse = JSON.parse;
const writeSync = fs.writeSync;
const bufferFrom = Buffer.from.bind(Buffer);
const format = util.format;
const now = performance.now.bind(performance);
const apply = Reflect.apply;
const toISOString = Date.prototype.toISOString;
const DateCtor = Date;
const isoNow = () => apply(toISOString, new DateCtor(), []);
const [handlerFile, exportName = 'handler'] = process.argv.slice(2);
const MAX_LOGS = maxLogs(process.env.EDGELAB_MAX_LOGS);
const OUTBOUND = readOutbound(process.env.EDGELAB_OUTBOUND);
delete process.env.EDGELAB_OUTBOUND;

function readOutbound(text) {
  try {
    const v = parse(String(text || '{}'));
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

function maxLogs(text) {
  const m = /^\s*([0-9.]+)\s*(MB|KB|B)?\s*$/i.exec(String(text || ''));
  if (!m) return 1 << 20;
  const scale = { MB: 1 << 20, KB: 1 << 10, B: 1 }[(m[2] || 'B').toUpperCase()];
  const n = Math.floor(Number(m[1]) * scale);
  return Number.isFinite(n) && n >= 0 ? n : 1 << 20;
}

function field(name, value) {
  // Primitives only: JSON.stringify consults no toJSON for them.
  return `,${stringify(name)}:${value === undefined ? 'null' : stringify(value)}`;
}

// What CloudFront receives: the result as JSON, the way Lambda's runtime encodes it. A
// result it cannot encode (a BigInt, a cycle, nesting past the stack) is a function
// error, Runtime.MarshalError (500), as for Python.
function marshal(answer, raw, value) {
  try {
    const text = stringify(value === undefined ? null : value);
    raw.value = text === undefined ? 'null' : text;
  } catch (err) {
    const f = errorFields(err);
    answer.status = 'error';
    answer.error_type = 'Runtime.MarshalError';
    answer.error_message = `Unable to marshal response: ${f.type}: ${f.message}`;
    pushLog(`${isoNow()}\t${requestId}\tERROR\tRuntime.MarshalError: ${answer.error_message}\n`, true);
  }
}

// -- log capture: Lambda's Node format `<ISO time>\t<request id>\t<LEVEL>\t<message>` ------
// At most MAX_LOGS characters per call ($EDGELAB_MAX_LOGS); the rest is counted and a note
// says how much was dropped.
let logs = [];
let logSize = 0;
let logDropped = 0;
let requestId = 'undefined'; // what Lambda prints for lines logged outside an invocation

function pushLog(text, force = false) {
  const n = text.length;
  if (force || logSize + n <= MAX_LOGS) {
    logs.push(text);
    logSize += n;
    return;
  }
  const room = MAX_LOGS - logSize;
  if (room > 0) {
    logs.push(text.slice(0, room));
    logSize = MAX_LOGS;
  }
  logDropped += n - Math.max(room, 0);
}

function size(n) {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1).replace(/\.0$/, '')} MB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1).replace(/\.0$/, '')} KB`;
  return `${n} bytes`;
}

function takeLogs() {
  let out = logs.join('');
  if (logDropped) {
    if (out && !out.endsWith('\n')) out += '\n';
    out += `[edgelab: ${size(logDropped)} of logs truncated; kept the first ${size(MAX_LOGS)}]\n`;
  }
  logs = [];
  logSize = 0;
  logDropped = 0;
  return out;
}

function logger(level) {
  return (...args) => {
    pushLog(`${isoNow()}\t${requestId}\t${level}\t${format(...args)}\n`);
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
    pushLog(typeof chunk === 'string' ? chunk : bufferFrom(chunk).toString('utf8'));
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
}
// A worker that exits (process.exit, a fatal error) leaves what it logged to the parent.
process.on('exit', () => {
  if (logs.length) {
    try { writeSync(2, takeLogs()); } catch { /* nothing left to tell */ }
  }
});

function errorFields(err) {
  try {
    if (err instanceof Error || (err && typeof err === 'object' && 'message' in err)) {
      return {
        type: String(err.name || err.constructor?.name || 'Error'),
        message: String(err.message ?? ''),
        stack: typeof err.stack === 'string' ? err.stack.split('\n') : [],
      };
    }
    // callback('text') or throw 'text': Lambda reports the value's type as errorType.
    return { type: typeof err, message: String(err), stack: [] };
  } catch {
    return { type: 'Error', message: '(an error whose message cannot be read)', stack: [] };
  }
}

function logInvokeError(err) {
  const f = errorFields(err);
  const body = stringify({ errorType: f.type, errorMessage: f.message, stack: f.stack });
  pushLog(`${isoNow()}\t${requestId}\tERROR\tInvoke Error \t${body}\n`, true);
  return f;
}

// -- outbound network: declared hosts to edgelab's server, loopback through, else refused --
const PROXY = Array.isArray(OUTBOUND.proxy) ? [String(OUTBOUND.proxy[0]), Number(OUTBOUND.proxy[1])] : null;
const ANY_HOST = Boolean(OUTBOUND.any) && PROXY !== null;
const HOST_PATTERNS = (Array.isArray(OUTBOUND.hosts) ? OUTBOUND.hosts : []).map((h) => new RegExp(
  '^' + String(h).toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$'));
const isIP = net.isIP;
const wallNow = Date.now;
let refused = []; // JSON texts of this call's refused destinations

function isLoopback(host) {
  const name = String(host).replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || /^::ffff:127\./.test(name) || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(name);
  return false;
}

function declared(host) {
  if (PROXY === null) return false;
  const name = String(host).replace(/\.$/, '').toLowerCase();
  return ANY_HOST || HOST_PATTERNS.some((re) => re.test(name));
}

function refusal(host, port) {
  const where = port !== undefined && port !== null && port !== '' ? `${host}:${port}` : `${host}`;
  const text = `edgelab refused the function's outbound call to ${where}: ${host} is not declared. ` +
    'Declare a mock for its URL or map the host to a loopback server ([http] in ' +
    'distribution.toml, http= in Python); edgelab never reaches the real network';
  let rec = `{"at":${stringify(wallNow() / 1000)},"kind":"http","via":"refused"`;
  rec += field('host', String(host)) + field('port', Number.isFinite(Number(port)) && port !== null && port !== '' ? Number(port) : null);
  rec += field('url', where) + ',"method":null,"status":null,"duration_ms":0' + field('error', 'not declared') + '}';
  refused.push(rec);
  const err = new Error(text);
  err.code = 'ENOTFOUND';
  err.hostname = String(host);
  err.syscall = 'getaddrinfo';
  return err;
}

function takeRefused() {
  const out = `[${refused.join(',')}]`;
  refused = [];
  return out;
}

const realLookup = dns.lookup;
const realPromisesLookup = dns.promises.lookup;
const nextTick = process.nextTick.bind(process);
dns.lookup = function lookup(hostname, options, callback) {
  const cb = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'function' ? {} : options;
  const host = String(hostname ?? '');
  if (!host || isLoopback(host) || typeof cb !== 'function') return apply(realLookup, dns, [hostname, options, callback].filter((a) => a !== undefined));
  if (declared(host) && !isIP(host)) {
    const all = opts && typeof opts === 'object' && opts.all;
    nextTick(() => (all ? cb(null, [{ address: PROXY[0], family: 4 }]) : cb(null, PROXY[0], 4)));
    return {};
  }
  const err = refusal(host, undefined);
  nextTick(() => cb(err));
  return {};
};
dns.promises.lookup = async function lookup(hostname, options) {
  const host = String(hostname ?? '');
  if (!host || isLoopback(host)) return apply(realPromisesLookup, dns.promises, [hostname, options]);
  if (declared(host) && !isIP(host)) {
    const all = options && typeof options === 'object' && options.all;
    return all ? [{ address: PROXY[0], family: 4 }] : { address: PROXY[0], family: 4 };
  }
  throw refusal(host, undefined);
};
for (const name of ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname']) {
  const real = dns[name];
  if (typeof real !== 'function') continue;
  dns[name] = function resolve(hostname, ...rest) {
    const cb = rest.find((a) => typeof a === 'function');
    if (isLoopback(String(hostname)) || !cb) return apply(real, dns, [hostname, ...rest]);
    const err = refusal(String(hostname), undefined);
    nextTick(() => cb(err));
    return {};
  };
}

const realConnect = net.Socket.prototype.connect;
const normalizeArgs = net._normalizeArgs;
net.Socket.prototype.connect = function connect(...args) {
  let options;
  let cb;
  if (Array.isArray(args[0])) {
    [options, cb] = args[0];
  } else if (typeof normalizeArgs === 'function') {
    [options, cb] = normalizeArgs(args);
  } else {
    return apply(realConnect, this, args);
  }
  if (options && typeof options === 'object' && (options.path === undefined || options.path === null)) {
    const host = options.host === undefined || options.host === null || options.host === '' ? 'localhost' : String(options.host);
    if (PROXY !== null && PROXY[0] !== '127.0.0.1' && host === PROXY[0]) {
      // edgelab's server address on any port: a library that resolved a declared name
      // itself and kept the URL's port
      options = { ...options, port: PROXY[1] };
    } else if (!isLoopback(host)) {
      if (declared(host) && !isIP(host)) {
        options = { ...options, host: PROXY[0], port: PROXY[1] };
      } else {
        const err = refusal(host, options.port);
        nextTick(() => this.destroy(err));
        return this;
      }
    }
  }
  return cb === undefined ? apply(realConnect, this, [options]) : apply(realConnect, this, [options, cb]);
};

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
let current = null; // {fail} of the invocation in flight
let answered = 0; // calls answered by this container
let broken = false; // a stray error fired between calls: the container is lost
const setTimer = setTimeout;
const clearTimer = clearTimeout;
const activeResources = process.getActiveResourcesInfo.bind(process);

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
    getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - now())),
    // The legacy completion methods of the Node runtime.
    succeed: (value) => callback(null, value),
    fail: (err) => callback(err ?? new Error('context.fail called')),
    done: (err, value) => callback(err, value),
  };
}

function invoke(msg) {
  return new Promise((resolve) => {
    const c = msg.context || {};
    const timeoutMs = Number(c.timeoutMs) || 3000;
    requestId = String(c.awsRequestId || 'undefined');
    const started = now();
    const deadline = started + timeoutMs;
    const wasCold = cold;
    cold = false;
    let settled = false;
    let timer = null;

    const finish = (answer, value) => {
      if (settled) return;
      settled = true;
      current = null;
      if (timer !== null) clearTimer(timer);
      const duration = now() - started;
      if (answer.status !== 'timeout' && duration > timeoutMs) {
        // It ran past its time (a long synchronous stretch) yet finished: still a timeout.
        answer = timeoutAnswer();
      }
      const raw = {};
      if (answer.status === 'ok') marshal(answer, raw, value);
      raw.outbound = takeRefused();
      answer.duration_ms = duration;
      answer.cold_start = wasCold;
      answer.logs = takeLogs();
      requestId = 'undefined';
      if (answer.restart) dead = true;
      answered += 1;
      resolve({ answer, raw });
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
      pushLog(`${isoNow()}\t${requestId}\tERROR\t${loadError.type}: ${loadError.message}\n`, true);
      finish({ status: 'error', error_type: loadError.type, error_message: `handler ${handlerFile} ${loadError.message}` });
      return;
    }

    // facts §9: callback(null, value) succeeds, callback(Error) is an execution error (500);
    // an async function or returned promise settles the same way. Whichever comes first
    // wins, as in Lambda's runtime.
    const callback = (err, value) => {
      if (err !== null && err !== undefined) fail(err);
      else finish({ status: 'ok' }, value);
    };
    timer = setTimer(() => finish(timeoutAnswer()), Math.max(0, timeoutMs));
    const baseline = activeResources().length;
    let ret;
    try {
      ret = fn(msg.event, makeContext(c, deadline, callback), callback);
    } catch (err) {
      fail(err);
      return;
    }
    if (settled) return;
    let thenable = false;
    try {
      thenable = ret !== null && typeof ret === 'object' && typeof ret.then === 'function';
      if (thenable) ret.then((value) => finish({ status: 'ok' }, value), (err) => fail(err));
    } catch (err) {
      fail(err);
      return;
    }
    if (!thenable && fn.length < 3) {
      // Not a promise: as in Lambda's runtime, what a plain function returns is ignored;
      // the result is what it passes to context.succeed/fail/done, or null once the event
      // loop has nothing left to do (this worker's own channel and timers aside), or a
      // timeout. A handler that takes a callback (facts §9: every Node function "must
      // call callback") is instead waited for until it calls it or times out, so a
      // forgotten callback shows as a 503 rather than Lambda's silent null.
      const poll = () => {
        if (settled) return;
        // Inside this callback its own timer still counts as active: hence the - 1.
        if (activeResources().length - 1 <= baseline) {
          finish({ status: 'ok' }, null);
        } else {
          setTimer(poll, 2);
        }
      };
      setTimer(poll, 0);
    }
  });
}

// An error thrown by stray asynchronous code fails the invocation in flight and, as in
// Lambda, costs the container. Between calls (after a call returned), it is logged and
// the container is lost: the next call runs on a fresh one (a cold start) and carries
// these logs.
function strayError(err, type) {
  const f = errorFields(err);
  const name = type === 'rejection' ? 'Runtime.UnhandledPromiseRejection' : f.type;
  const error = Object.assign(new Error(f.message), { name, stack: (f.stack || []).join('\n') });
  if (current) {
    current.fail(error, true);
  } else {
    logInvokeError(error);
    broken = true;
  }
}
process.on('uncaughtException', (err) => strayError(err, 'exception'));
process.on('unhandledRejection', (reason) => strayError(reason, 'rejection'));

// -- the request loop -------------------------------------------------------------------
const queue = [];
let pumping = false;

async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    while (queue.length && !dead) {
      const msg = queue.shift();
      const nonce = msg[NONCE];
      if (broken) {
        if (answered > 0) {
          // The container broke after the previous call: this call runs elsewhere.
          send(nonce, { status: 'retry', logs: takeLogs() });
          dead = true;
          break;
        }
        broken = false; // broke while loading: the first call reports it
        const f = { status: 'error', error_type: 'Runtime.UnhandledPromiseRejection',
          error_message: 'the module threw or rejected asynchronously while loading; the container is replaced',
          restart: true, logs: takeLogs(), duration_ms: 0, cold_start: true };
        send(nonce, f);
        dead = true;
        break;
      }
      const { answer, raw } = await invoke(msg);
      send(nonce, answer, raw);
    }
  } finally {
    pumping = false;
  }
}

await load();

readRequests((msg) => {
  queue.push(msg);
  pump();
});

sendReady({
  node: process.version,
  load: loadError ? { ok: false, ...loadError } : { ok: true, arity: fn.length },
});
