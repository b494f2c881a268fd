// Calls the URL in the query string (url=) with every Node.js HTTP client and answers with
// a JSON body: client -> "STATUS BODY" or "error: ...". Used by tests/test_outbound.py.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

function get(mod, url) {
  return new Promise((resolve, reject) => {
    mod.get(url, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    }).on('error', reject);
  });
}

function raw() {
  return new Promise((resolve, reject) => {
    const s = net.connect(80, '93.184.216.34', () => { s.destroy(); resolve('connected'); });
    s.on('error', reject);
  });
}

const CLIENTS = {
  fetch: async (url) => { const r = await fetch(url); return `${r.status} ${await r.text()}`; },
  http: (url) => get(url.startsWith('https:') ? https : http, url),
  socket: () => raw(),
};

export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const query = new URLSearchParams(request.querystring);
  const url = query.get('url');
  const only = query.getAll('client');
  const out = {};
  for (const [name, call] of Object.entries(CLIENTS)) {
    if (only.length && !only.includes(name)) continue;
    try {
      out[name] = await call(url);
    } catch (err) {
      out[name] = `error: ${err.cause?.message ?? err.message}`;
    }
  }
  return { status: '200', body: JSON.stringify(out) };
};
