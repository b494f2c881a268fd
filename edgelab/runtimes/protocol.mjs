// edgelab's worker protocol, the Node.js side: node_worker.mjs (Lambda@Edge) and
// cloudfront_worker.mjs (CloudFront Functions) read requests and write answers only
// through this module, which follows protocol.json (the one schema; runtimes/protocol.py
// is its Python side).
//
// Imported before anything else of the worker runs: it reads and removes the variables
// naming the private pipes and the hello nonce, and binds the functions it relies on
// (JSON, fs.writeSync, Buffer.from, Object.keys) before any function code exists, so a
// handler that patches them cannot corrupt the protocol.
//
// send(nonce, fields, raw) writes one answer line `<nonce>:<pid>:<json>`. Its kind comes
// from fields.status; every field must be one of that kind's in the schema (anything
// else throws: edgelab's bug, never the function's). The envelope is written by hand in
// the schema's field order: primitives through the bound JSON.stringify (which consults
// no toJSON for them), objects through it too, and `raw` fields as JSON text already
// encoded (a function's result, the refused calls).
// readRequests(onRequest) calls onRequest(message) for each request line, in order;
// a line that is not one of the schema's requests is skipped (the parent never sends one).

import fs from 'node:fs';
import net from 'node:net';

const stringify = JSON.stringify;
const parse = JSON.parse;
const writeSync = fs.writeSync;
const bufferFrom = Buffer.from.bind(Buffer);
const keysOf = Object.keys;
const exit = process.exit.bind(process);

const SCHEMA = parse(fs.readFileSync(new URL('./protocol.json', import.meta.url), 'utf8'));
const FRAMING = SCHEMA['x-framing'];
export const NONCE = FRAMING.nonce;
export const PID = process.pid;

const [REQ_FD, ANS_FD] = String(process.env[FRAMING.env.fds] || '').split(',').map(Number);
export const HELLO = String(process.env[FRAMING.env.hello] || '');
delete process.env[FRAMING.env.fds];
delete process.env[FRAMING.env.hello];

// Null-prototype tables: no lookup here can be redirected through Object.prototype.
const REQUESTS = Object.create(null); // op -> true
const KIND_OF_STATUS = Object.create(null); // status -> {name, fields: [...], known: {field: true}}
for (const name of keysOf(SCHEMA.$defs)) {
  const def = SCHEMA.$defs[name];
  if (def['x-direction'] === 'request') {
    REQUESTS[def.properties.op.const] = true;
    continue;
  }
  const fields = keysOf(def.properties).filter((k) => k !== 'status');
  const known = Object.create(null);
  for (const k of fields) known[k] = true;
  const status = def.properties.status;
  for (const s of status.enum || [status.const]) KIND_OF_STATUS[s] = { name, fields, known };
}

function envelope(fields, raw) {
  const kind = KIND_OF_STATUS[fields.status];
  if (kind === undefined) throw new Error(`edgelab protocol: unknown answer status ${String(fields.status)}`);
  for (const k of keysOf(fields)) {
    if (k !== 'status' && kind.known[k] !== true) throw new Error(`edgelab protocol: ${kind.name} answers have no field ${k}`);
  }
  if (raw) {
    for (const k of keysOf(raw)) {
      if (kind.known[k] !== true) throw new Error(`edgelab protocol: ${kind.name} answers have no field ${k}`);
    }
  }
  let text = `{"status":${stringify(String(fields.status))}`;
  for (const k of kind.fields) {
    if (raw && raw[k] !== undefined) {
      text += `,"${k}":${raw[k]}`;
    } else if (fields[k] !== undefined) {
      text += `,"${k}":${fields[k] === null ? 'null' : stringify(fields[k])}`;
    }
  }
  return text + '}';
}

export function send(nonce, fields, raw) {
  let buf = bufferFrom(`${nonce}:${PID}:${envelope(fields, raw)}\n`, 'utf8');
  while (buf.length) {
    try {
      buf = buf.subarray(writeSync(ANS_FD, buf));
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}

// The first line: the worker started ({node, load} and the like, as the schema's ready).
export function sendReady(fields) {
  send(HELLO, { status: 'ready', ready: true, pid: PID, ...fields });
}

export function readRequests(onRequest) {
  let partial = []; // pieces of a request line not yet ended (joined once: linear)
  const take = (line) => {
    let msg;
    try {
      msg = parse(line);
    } catch {
      return; // not edgelab's request (the parent never sends such lines)
    }
    if (msg === null || typeof msg !== 'object' || REQUESTS[msg.op] !== true || typeof msg[NONCE] !== 'string') return;
    onRequest(msg);
  };
  const input = new net.Socket({ fd: REQ_FD, readable: true, writable: false });
  input.setEncoding('utf8');
  input.on('data', (chunk) => {
    let start = 0;
    let at = chunk.indexOf('\n');
    while (at >= 0) {
      partial.push(chunk.slice(start, at));
      const line = partial.join('');
      partial = [];
      if (line) take(line);
      start = at + 1;
      at = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) partial.push(chunk.slice(start));
  });
  input.on('end', () => exit(0));
  input.on('error', () => exit(0));
}
