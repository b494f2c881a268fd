// edgelab's CloudFront Functions runtime library: evaluated INSIDE the sandbox context
// (a fresh vm context per sandbox) by cloudfront_worker.mjs, before any function code.
//
// It builds the world a CloudFront Function sees (cloudfront-functions-facts §1, §1.1,
// §5): console.log only, Date frozen at the run's start, a seeded Math.random, the
// modules crypto / querystring (both runtimes) and buffer / cloudfront (2.0), 2.0's
// Buffer, TextEncoder, TextDecoder, atob and btoa, 1.0's byte-string methods, the error
// types InternalError and MemoryError; then removes what the runtime lacks.
//
// Security rule: everything here is created in the sandbox's own realm. The host passes
// only primitives in (strings, numbers) and gets only strings back; the host's crypto
// "bridge" functions are kept in this closure and never reachable by function code, and
// any error they throw is replaced by one made here (a host error object would lead
// function code back to the host's Function constructor).
//
// Evaluates to install(bridge, spec, bufferModule) -> api, where api is
//   setStore(id, json)   the KeyValueStore (id or '' for none)
//   begin(callJson)      prepare one run: event, trigger, Date, Math.random, helpers
//   run()                call the function (its promise settles when the host drains
//                        the context's microtasks)
//   end()                JSON string: how the run ended, what it returned, its logs;
//                        encoded here by hand from primitives, so that a toJSON or a
//                        setter the function put on a prototype cannot change it
//   globalsChanged()     true when a run added, removed or replaced a global, or changed
//                        a built-in object or prototype (the next run gets a new sandbox)
(function () {
  'use strict';
  const G = globalThis;
  const OrigDate = Date;
  const ObjectDefineProperty = Object.defineProperty;
  const ObjectKeys = Object.keys;
  const ObjectIs = Object.is;
  const ObjectCreate = Object.create;
  const ObjectGetPrototypeOf = Object.getPrototypeOf;
  const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const ObjectHasOwnProperty = Object.prototype.hasOwnProperty;
  // A descriptor's own "value" (a data property), whatever Object.prototype holds.
  const ObjectHasOwnDataValue = (d) => ReflectApply(ObjectHasOwnProperty, d, ['value']);
  const ReflectApply = Reflect.apply;
  const ReflectConstruct = Reflect.construct;
  const ReflectOwnKeys = Reflect.ownKeys;
  const ReflectGet = Reflect.get;
  const ReflectDeleteProperty = Reflect.deleteProperty;
  const JSONParse = JSON.parse;
  const JSONStringify = JSON.stringify;
  const StringFromCharCode = String.fromCharCode;
  const StringCtor = String;
  const ArrayIsArray = Array.isArray;
  const PromiseCtor = Promise;
  const PromiseThen = Promise.prototype.then;
  const PromiseResolve = (v) => ReflectApply(Promise.resolve, PromiseCtor, [v]);
  const PromiseReject = (e) => ReflectApply(Promise.reject, PromiseCtor, [e]);
  const ErrorCtor = Error;
  const TypeErrorCtor = TypeError;
  const RangeErrorCtor = RangeError;
  const encodeURIComponentFn = encodeURIComponent;
  const MapCtor = Map;
  const parseIntFn = parseInt;
  const isFiniteFn = isFinite;
  const RegExpExec = RegExp.prototype.exec;
  const StringSlice = String.prototype.slice;
  const push = (arr, v) => { arr[arr.length] = v; };

  return function install(bridge, spec, bufferModule) {
    const is2 = spec.runtime === 'cloudfront-js-2.0';
    const filename = spec.filename;
    const Buffer = is2 ? bufferModule.Buffer : undefined;

    // -- per-run state ----------------------------------------------------------------
    let now = 0;
    let trigger = 'viewer-request';
    let event = null;
    let rawQs;
    let logs = [];
    let logBytes = 0;
    let logMax = 10240;
    let logsTruncated = false;
    let logData = null;
    let logDataMax = 800;
    let originCalls = [];
    let kvsReads = 0;
    let state = 'idle';
    let outcome = null;
    let store = null; // {id, map, meta}
    let edge = {};
    let rng = [1, 2, 3, 4];

    // Host calls go through here: a host error never reaches function code.
    function host(name, args) {
      let failed = false;
      let result;
      try {
        result = ReflectApply(bridge[name], undefined, args);
      } catch (e) {
        failed = true;
      }
      if (failed) throw new ErrorCtor('the runtime could not complete ' + name);
      return result;
    }

    // -- console (§1: log only; 2.0 logs one argument) --------------------------------
    function show(v) {
      if (typeof v === 'string') return v;
      if (v === undefined) return 'undefined';
      if (typeof v === 'function') return '[Function]';
      if (v instanceof ErrorCtor) {
        try { return StringCtor(v.name) + ': ' + StringCtor(v.message); } catch (e) { return 'Error'; }
      }
      if (typeof v === 'object' && v !== null) {
        try {
          const text = JSONStringify(v);
          if (typeof text === 'string') return text;
        } catch (e) { /* a cycle: fall through */ }
      }
      try { return StringCtor(v); } catch (e) { return '[object]'; }
    }
    function utf8Length(s) {
      let n = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80) n += 1;
        else if (c < 0x800) n += 2;
        else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; }
        else n += 3;
      }
      return n;
    }
    const console = ObjectCreate(ObjectGetPrototypeOf({}));
    ObjectDefineProperty(console, 'log', {
      writable: true, configurable: true, enumerable: true,
      value: function log() {
        let line;
        if (is2) {
          line = show(arguments[0]);
        } else {
          line = '';
          for (let i = 0; i < arguments.length; i++) line += (i ? ' ' : '') + show(arguments[i]);
        }
        if (logsTruncated) return;
        const size = utf8Length(line) + 1;
        if (logBytes + size > logMax) {
          logsTruncated = true;
          return;
        }
        logBytes += size;
        push(logs, line);
      },
    });

    // -- Date frozen for one run (§1) --------------------------------------------------
    const DateProxy = new Proxy(OrigDate, {
      apply() { return new OrigDate(now).toString(); },
      construct(target, args, newTarget) {
        return ReflectConstruct(target, args.length ? args : [now], newTarget);
      },
      get(target, key, receiver) {
        if (key === 'now') return dateNow;
        return ReflectGet(target, key, receiver);
      },
    });
    function dateNow() { return now; }
    ObjectDefineProperty(OrigDate.prototype, 'constructor', { value: DateProxy, writable: true, configurable: true, enumerable: false });

    // -- Math.random: sfc32, seeded per run (decision "Math.random") -------------------
    function random() {
      let [a, b, c, d] = rng;
      a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
      const t = (a + b | 0) + d | 0;
      d = d + 1 | 0;
      a = b ^ b >>> 9;
      b = c + (c << 3) | 0;
      c = (c << 21 | c >>> 11);
      c = c + t | 0;
      rng = [a, b, c, d];
      return (t >>> 0) / 4294967296;
    }

    // -- error types (§1) ---------------------------------------------------------------
    class InternalError extends ErrorCtor {}
    ObjectDefineProperty(InternalError.prototype, 'name', { value: 'InternalError', writable: true, configurable: true });
    class MemoryError extends ErrorCtor {}
    ObjectDefineProperty(MemoryError.prototype, 'name', { value: 'MemoryError', writable: true, configurable: true });

    // -- bytes and UTF-8 -----------------------------------------------------------------
    function bytesToLatin1(bytes) {
      let out = '';
      for (let i = 0; i < bytes.length; i += 4096) {
        const end = i + 4096 < bytes.length ? i + 4096 : bytes.length;
        const chunk = [];
        for (let j = i; j < end; j++) push(chunk, bytes[j] & 0xff);
        out += ReflectApply(StringFromCharCode, undefined, chunk);
      }
      return out;
    }
    function utf8Encode(s) { // string -> byte string (one char per byte)
      let out = '';
      for (let i = 0; i < s.length; i++) {
        let c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
        }
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        if (c < 0x80) out += StringFromCharCode(c);
        else if (c < 0x800) out += StringFromCharCode(0xc0 | c >> 6, 0x80 | c & 63);
        else if (c < 0x10000) out += StringFromCharCode(0xe0 | c >> 12, 0x80 | c >> 6 & 63, 0x80 | c & 63);
        else out += StringFromCharCode(0xf0 | c >> 18, 0x80 | c >> 12 & 63, 0x80 | c >> 6 & 63, 0x80 | c & 63);
      }
      return out;
    }
    // byte string -> string; invalid sequences become U+FFFD, or null when strict.
    function utf8Decode(b, strict) {
      let out = '';
      for (let i = 0; i < b.length;) {
        const c = b.charCodeAt(i);
        let need = 0, cp = 0, min = 0;
        if (c < 0x80) { out += StringFromCharCode(c); i++; continue; }
        if (c >= 0xc2 && c <= 0xdf) { need = 1; cp = c & 0x1f; min = 0x80; }
        else if (c >= 0xe0 && c <= 0xef) { need = 2; cp = c & 0x0f; min = 0x800; }
        else if (c >= 0xf0 && c <= 0xf4) { need = 3; cp = c & 0x07; min = 0x10000; }
        else { if (strict) return null; out += '\ufffd'; i++; continue; }
        let j = 1;
        for (; j <= need && i + j < b.length; j++) {
          const d = b.charCodeAt(i + j);
          if ((d & 0xc0) !== 0x80) break;
          cp = cp << 6 | d & 0x3f;
        }
        if (j <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          if (strict) return null;
          out += '\ufffd';
          i += j > 1 ? j : 1;
          continue;
        }
        out += cp >= 0x10000 ? StringFromCharCode(0xd800 + (cp - 0x10000 >> 10), 0xdc00 + (cp - 0x10000 & 0x3ff)) : StringFromCharCode(cp);
        i += need + 1;
      }
      return out;
    }
    const HEX = '0123456789abcdef';
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    function fromBase64(s) { // tolerant like Node: - and _ accepted, padding optional
      let bits = 0, n = 0, out = '';
      for (let i = 0; i < s.length; i++) {
        let ch = s[i];
        if (ch === '=') break;
        if (ch === '-') ch = '+';
        else if (ch === '_') ch = '/';
        const v = B64.indexOf(ch);
        if (v < 0) continue;
        bits = bits << 6 | v; n += 6;
        if (n >= 8) { n -= 8; out += StringFromCharCode(bits >> n & 0xff); }
      }
      return out;
    }
    function toBase64(b, url) {
      let out = '';
      for (let i = 0; i < b.length; i += 3) {
        const x = b.charCodeAt(i), y = b.charCodeAt(i + 1), z = b.charCodeAt(i + 2);
        out += B64[x >> 2] + B64[(x & 3) << 4 | (y >= 0 ? y >> 4 : 0)];
        out += i + 1 < b.length ? B64[(y & 15) << 2 | (z >= 0 ? z >> 6 : 0)] : (url ? '' : '=');
        out += i + 2 < b.length ? B64[z & 63] : (url ? '' : '=');
      }
      return url ? out.replace(/\+/g, '-').replace(/\//g, '_') : out;
    }

    // -- 1.0's byte-string methods (§1 table) ------------------------------------------
    function sliceArgs(s, start, end) {
      const a = start === undefined ? 0 : start;
      return end === undefined ? s.slice(a) : s.slice(a, end);
    }
    const byteStringMethods = {
      fromBytes(start, end) { return sliceArgs(StringCtor(this), start, end); },
      fromUTF8(start, end) { return utf8Decode(sliceArgs(StringCtor(this), start, end), true); },
      toBytes(start, end) {
        const s = sliceArgs(StringCtor(this), start, end);
        for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) return null;
        return s;
      },
      toUTF8(start, end) { return utf8Encode(sliceArgs(StringCtor(this), start, end)); },
    };
    function bytesFrom(value, encoding) {
      if (typeof value === 'string') {
        if (encoding === 'hex') {
          let out = '';
          for (let i = 0; i + 1 < value.length; i += 2) {
            const byte = parseIntFn(value.substr(i, 2), 16);
            if (byte !== byte) break;
            out += StringFromCharCode(byte);
          }
          return out;
        }
        if (encoding === 'base64' || encoding === 'base64url') return fromBase64(value);
        throw new TypeError('String.bytesFrom: unknown encoding ' + StringCtor(encoding) + ' (hex, base64 or base64url)');
      }
      if (ArrayIsArray(value)) return bytesToLatin1(value);
      throw new TypeError('String.bytesFrom takes an array of octets or an encoded string');
    }

    // -- crypto (§1.1) -----------------------------------------------------------------
    const ALGORITHMS = ['md5', 'sha1', 'sha256'];
    const ENCODINGS = ['hex', 'base64', 'base64url'];
    function dataArg(data, encoding) {
      if (typeof data === 'string') {
        if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') return ['s', data];
        if (encoding === 'hex' || encoding === 'base64' || encoding === 'base64url' || encoding === 'latin1' || encoding === 'binary') return ['e:' + encoding, data];
        throw new TypeError('unknown input encoding ' + StringCtor(encoding));
      }
      if (data !== null && typeof data === 'object' && typeof data.length === 'number' && data.BYTES_PER_ELEMENT === 1) {
        return ['b', bytesToLatin1(data)];
      }
      throw new TypeError('the data to hash must be a string' + (is2 ? ' or a Buffer' : ''));
    }
    function makeDigest(kind, algorithm, key) {
      const alg = StringCtor(algorithm).toLowerCase();
      if (ALGORITHMS.indexOf(alg) < 0) {
        throw new ErrorCtor('crypto.create' + (kind === 'hash' ? 'Hash' : 'Hmac') + ': algorithm "' + StringCtor(algorithm) + '" is not supported; use md5, sha1 or sha256');
      }
      let keyArg = ['', ''];
      if (kind === 'hmac') keyArg = dataArg(key);
      const handle = host('open', [kind, alg, keyArg[0], keyArg[1]]);
      let done = false;
      const obj = {
        update(data, inputEncoding) {
          if (done) throw new ErrorCtor('Digest already called');
          const [k, v] = dataArg(data, inputEncoding);
          host('update', [handle, k, v]);
          return obj;
        },
        digest(encoding) {
          if (done) throw new ErrorCtor('Digest already called');
          if (encoding !== undefined && ENCODINGS.indexOf(encoding) < 0) {
            throw new TypeError('digest encoding must be hex, base64 or base64url; got ' + StringCtor(encoding));
          }
          done = true;
          if (encoding !== undefined) return host('digest', [handle, encoding]);
          const bytes = host('digest', [handle, 'latin1']);
          return is2 ? Buffer.from(bytes, 'latin1') : bytes;
        },
      };
      return obj;
    }
    const cryptoModule = {
      createHash(algorithm) { return makeDigest('hash', algorithm); },
      createHmac(algorithm, key) { return makeDigest('hmac', algorithm, key); },
    };

    // -- querystring (§1.1) -------------------------------------------------------------
    function qsUnescape(s) {
      let bytes = '';
      for (let i = 0; i < s.length; i++) {
        const ch = s[i];
        if (ch === '%' && i + 2 < s.length && HEX.indexOf(s[i + 1].toLowerCase()) >= 0 && HEX.indexOf(s[i + 2].toLowerCase()) >= 0) {
          bytes += StringFromCharCode(parseIntFn(s.substr(i + 1, 2), 16));
          i += 2;
        } else {
          bytes += utf8Encode(ch);
        }
      }
      return utf8Decode(bytes, false);
    }
    function qsEscape(s) { return encodeURIComponentFn(s); }
    const querystringModule = {
      unescape: qsUnescape,
      escape: qsEscape,
      parse(str, sep, eq, options) {
        const out = {};
        if (typeof str !== 'string' || str.length === 0) return out;
        sep = sep || '&';
        eq = eq || '=';
        const decode = options && typeof options.decodeURIComponent === 'function' ? options.decodeURIComponent : qsUnescape;
        let maxKeys = options && typeof options.maxKeys === 'number' ? options.maxKeys : 1000;
        let parts = str.split(sep);
        if (maxKeys > 0 && parts.length > maxKeys) parts = parts.slice(0, maxKeys);
        for (let i = 0; i < parts.length; i++) {
          const part = parts[i].replace(/\+/g, ' ');
          if (!part) continue;
          const at = part.indexOf(eq);
          const k = decode(at >= 0 ? part.slice(0, at) : part);
          const v = at >= 0 ? decode(part.slice(at + eq.length)) : '';
          if (!Object.prototype.hasOwnProperty.call(out, k)) out[k] = v;
          else if (ArrayIsArray(out[k])) push(out[k], v);
          else out[k] = [out[k], v];
        }
        return out;
      },
      stringify(obj, sep, eq, options) {
        sep = sep || '&';
        eq = eq || '=';
        const encode = options && typeof options.encodeURIComponent === 'function' ? options.encodeURIComponent : qsEscape;
        if (obj === null || typeof obj !== 'object') return '';
        const parts = [];
        const keys = ObjectKeys(obj);
        const prim = (v) => (typeof v === 'string' ? v : (typeof v === 'number' && isFiniteFn(v)) || typeof v === 'boolean' ? StringCtor(v) : '');
        for (let i = 0; i < keys.length; i++) {
          const k = encode(keys[i]) + eq;
          const v = obj[keys[i]];
          if (ArrayIsArray(v)) {
            for (let j = 0; j < v.length; j++) push(parts, k + encode(prim(v[j])));
          } else {
            push(parts, k + encode(prim(v)));
          }
        }
        return parts.join(sep);
      },
    };
    querystringModule.decode = querystringModule.parse;
    querystringModule.encode = querystringModule.stringify;

    // -- 2.0 globals: TextEncoder, TextDecoder, atob, btoa ---------------------------------
    class TextEncoder {
      get encoding() { return 'utf-8'; }
      encode(input) {
        const bytes = utf8Encode(input === undefined ? '' : StringCtor(input));
        const out = new Uint8Array(bytes.length);
        for (let i = 0; i < bytes.length; i++) out[i] = bytes.charCodeAt(i);
        return out;
      }
    }
    class TextDecoder {
      constructor(label) {
        const l = label === undefined ? 'utf-8' : StringCtor(label).toLowerCase();
        if (l !== 'utf-8' && l !== 'utf8') throw new RangeErrorCtor('TextDecoder: only utf-8 is supported; got ' + StringCtor(label));
      }
      get encoding() { return 'utf-8'; }
      decode(input) {
        if (input === undefined) return '';
        const view = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
        return utf8Decode(bytesToLatin1(view), false);
      }
    }
    function btoa(s) {
      s = StringCtor(s);
      for (let i = 0; i < s.length; i++) {
        if (s.charCodeAt(i) > 255) throw new ErrorCtor('btoa: the string has characters outside Latin1 (InvalidCharacterError)');
      }
      return toBase64(s, false);
    }
    function atob(s) { return fromBase64(StringCtor(s).replace(/[\t\n\f\r ]/g, '')); }

    // -- cloudfront module (§5) -----------------------------------------------------------
    function reject(message, Ctor) { return PromiseReject(new (Ctor || ErrorCtor)(message)); }
    function kvsHandle() {
      return {
        get(key, options) {
          kvsReads++;
          const k = StringCtor(key);
          const format = options && options.format !== undefined ? options.format : 'string';
          if (format !== 'string' && format !== 'json' && format !== 'bytes') {
            return reject('kvs get: format must be string, json or bytes; got ' + StringCtor(format), TypeErrorCtor);
          }
          if (!store.map.has(k)) return reject('Key ' + k + ' not found in the KeyValueStore');
          const value = store.map.get(k);
          if (format === 'json') {
            try { return PromiseResolve(JSONParse(value)); } catch (e) { return PromiseReject(e); }
          }
          if (format === 'bytes') return PromiseResolve(Buffer.from(value, 'utf8'));
          return PromiseResolve(value);
        },
        exists(key) {
          kvsReads++;
          return PromiseResolve(store.map.has(StringCtor(key)));
        },
        meta() {
          kvsReads++;
          return PromiseResolve(JSONParse(store.meta));
        },
      };
    }
    function record(helper, args) {
      if (trigger !== 'viewer-request') {
        throw new ErrorCtor('cf.' + helper + '() can be used in viewer-request functions only (facts §5.5)');
      }
      let json;
      try { json = JSONStringify(args); } catch (e) { json = undefined; }
      if (typeof json !== 'string') throw new TypeErrorCtor('cf.' + helper + '(): the arguments must be plain JSON data');
      push(originCalls, { helper, args: json });
    }
    const cf = {
      kvs(id) {
        if (store === null) {
          throw new ErrorCtor('cf.kvs(): no KeyValueStore is associated with this function (give edgelab one with kvs=)');
        }
        return kvsHandle();
      },
      updateRequestOrigin(params) { record('updateRequestOrigin', [params]); },
      selectRequestOriginById(originId, options) {
        record('selectRequestOriginById', options === undefined ? [originId] : [originId, options]);
      },
      createRequestOriginGroup(params) { record('createRequestOriginGroup', [params]); },
      logCustomData(text) {
        let s = encodeURIComponentFn(StringCtor(text));
        if (s.length > logDataMax) s = ReflectApply(StringSlice, s, [0, logDataMax]);
        logData = s;
      },
      edgeLocation: {},
    };

    // -- modules ---------------------------------------------------------------------------
    const modules = { crypto: cryptoModule, querystring: querystringModule };
    if (is2) {
      modules.buffer = bufferModule;
      modules.cloudfront = cf;
    }
    function require(name) {
      const key = StringCtor(name);
      if (spec.modules.indexOf(key) < 0 || !modules[key]) {
        throw new ErrorCtor('Cannot find module "' + key + '" (' + spec.runtime + ' has ' + spec.modules.join(', ') + ')');
      }
      return modules[key];
    }
    function importBinding(name, what) {
      const mod = require(name);
      if (what === 'default' || what === '*') return mod;
      return mod[what];
    }

    // -- the global object ------------------------------------------------------------------
    function defineGlobal(name, value) {
      ObjectDefineProperty(G, name, { value, writable: true, configurable: true, enumerable: false });
    }
    defineGlobal('console', console);
    defineGlobal('Date', DateProxy);
    ObjectDefineProperty(Math, 'random', { value: random, writable: true, configurable: true, enumerable: false });
    defineGlobal('InternalError', InternalError);
    defineGlobal('MemoryError', MemoryError);
    if (is2) {
      defineGlobal('Buffer', Buffer);
      defineGlobal('TextEncoder', TextEncoder);
      defineGlobal('TextDecoder', TextDecoder);
      defineGlobal('atob', atob);
      defineGlobal('btoa', btoa);
    } else {
      ObjectDefineProperty(String, 'bytesFrom', { value: bytesFrom, writable: true, configurable: true, enumerable: false });
      const names = ObjectKeys(byteStringMethods);
      for (let i = 0; i < names.length; i++) {
        ObjectDefineProperty(String.prototype, names[i], { value: byteStringMethods[names[i]], writable: true, configurable: true, enumerable: false });
      }
    }
    // Node's stack-trace hook calls the context's Error.prepareStackTrace with V8's call
    // sites: keep both fixed, so function code cannot install one.
    ObjectDefineProperty(ErrorCtor, 'prepareStackTrace', { value: undefined, writable: false, configurable: false, enumerable: false });
    ObjectDefineProperty(G, 'Error', { value: ErrorCtor, writable: false, configurable: false, enumerable: false });
    // What the runtime does not have (features.py ABSENT_BUILTINS).
    const TypedArray = ObjectGetPrototypeOf(Uint8Array);
    for (let i = 0; i < spec.absent.length; i++) {
      const parts = spec.absent[i].split('.');
      let owner = G;
      for (let j = 0; j < parts.length - 1 && owner; j++) {
        owner = parts[j] === '%TypedArray%' ? TypedArray : owner[parts[j]];
      }
      if (owner && (typeof owner === 'object' || typeof owner === 'function')) {
        ReflectDeleteProperty(owner, parts[parts.length - 1]);
      }
    }
    // What a run must leave as it found it: the global object, every built-in it holds
    // and their prototypes (a function that sets Object.prototype.x, or a toJSON on
    // Array.prototype, gets a fresh sandbox for the next run, as it would in CloudFront).
    // Each watched object's own keys, with the value (or getter) and setter of each.
    function snapshot(obj) {
      const keys = ReflectOwnKeys(obj);
      const values = [];
      const setters = [];
      for (let i = 0; i < keys.length; i++) {
        const d = ObjectGetOwnPropertyDescriptor(obj, keys[i]);
        values[i] = d === undefined ? undefined : ObjectHasOwnDataValue(d) ? d.value : d.get;
        setters[i] = d === undefined ? undefined : d.set;
      }
      return { keys, values, setters };
    }
    function unchanged(obj, base) {
      const keys = ReflectOwnKeys(obj);
      const n = keys.length;
      if (n !== base.keys.length) return false;
      for (let i = 0; i < n; i++) {
        if (keys[i] !== base.keys[i]) return false;
        const d = ObjectGetOwnPropertyDescriptor(obj, keys[i]);
        if (ObjectHasOwnDataValue(d)) {
          if (!ObjectIs(d.value, base.values[i]) || base.setters[i] !== undefined) return false;
        } else if (d.get !== base.values[i] || d.set !== base.setters[i]) {
          return false;
        }
      }
      return true;
    }
    const watched = [G];
    function watch(v) {
      if (v !== null && (typeof v === 'object' || typeof v === 'function') && watched.indexOf(v) < 0) {
        push(watched, v);
      }
    }
    const globalKeys = ReflectOwnKeys(G);
    for (let i = 0; i < globalKeys.length; i++) {
      const d = ObjectGetOwnPropertyDescriptor(G, globalKeys[i]);
      const v = d && 'value' in d ? d.value : undefined;
      watch(v);
      if (typeof v === 'function') {
        const pd = ObjectGetOwnPropertyDescriptor(v, 'prototype');
        if (pd && 'value' in pd) watch(pd.value);
      }
    }
    watch(TypedArray);
    watch(TypedArray.prototype);
    watch(ObjectGetPrototypeOf(function () {}));
    watch(ObjectGetPrototypeOf([][Symbol.iterator]()));
    watch(ObjectGetPrototypeOf(ObjectGetPrototypeOf([][Symbol.iterator]())));
    const baseline = [];
    for (let i = 0; i < watched.length; i++) baseline[i] = snapshot(watched[i]);

    // -- one run -------------------------------------------------------------------------
    let wrapper = null;

    function errorInfo(e) {
      let name = 'Error';
      let message = '';
      let line = null;
      try {
        if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
          name = StringCtor(e.name === undefined ? 'Error' : e.name);
          message = StringCtor(e.message === undefined ? '' : e.message);
          const stack = typeof e.stack === 'string' ? e.stack : '';
          const at = stack.indexOf(filename + ':');
          if (at >= 0) {
            const m = ReflectApply(RegExpExec, /^:(\d+)/, [stack.slice(at + filename.length)]);
            if (m) line = +m[1];
          }
        } else {
          name = typeof e;
          message = StringCtor(e);
        }
      } catch (err) {
        message = '(the thrown value could not be read)';
      }
      return { name, message, line };
    }
    function settleOk(value, promise) {
      if (state !== 'pending') return;
      state = 'returned';
      const type = value === null ? 'null' : typeof value;
      let json = null;
      let error = null;
      try {
        const text = JSONStringify(value);
        json = typeof text === 'string' ? text : null;
      } catch (e) {
        error = errorInfo(e);
      }
      outcome = { type, array: ArrayIsArray(value), promise: !!promise, json, error };
    }
    function settleErr(e) {
      if (state !== 'pending') return;
      state = 'threw';
      outcome = { error: errorInfo(e) };
    }
    function isThenable(v) {
      return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
    }

    function own(o, key) {
      const d = ObjectGetOwnPropertyDescriptor(o, key);
      return d !== undefined && 'value' in d ? d.value : undefined;
    }
    function hasOwn(o, key) { return ObjectGetOwnPropertyDescriptor(o, key) !== undefined; }
    function jsonText(v) { // a primitive as JSON; anything else is null
      if (typeof v === 'string') return JSONStringify(v);
      if (typeof v === 'number') return isFiniteFn(v) ? JSONStringify(v) : 'null';
      if (typeof v === 'boolean') return v ? 'true' : 'false';
      return 'null';
    }
    function errorText(e) {
      if (e === null || typeof e !== 'object') return 'null';
      return '{"name":' + jsonText(own(e, 'name')) + ',"message":' + jsonText(own(e, 'message'))
        + ',"line":' + jsonText(own(e, 'line')) + '}';
    }

    return {
      setWrapper(fn) { wrapper = fn; },
      setStore(id, json) {
        if (!id) { store = null; return; }
        const data = JSONParse(json);
        const map = new MapCtor();
        for (let i = 0; i < data.data.length; i++) map.set(data.data[i][0], data.data[i][1]);
        store = { id, map, meta: JSONStringify(data.meta) };
      },
      storeId() { return store === null ? '' : store.id; },
      begin(callJson) {
        const c = JSONParse(callJson);
        now = c.now;
        trigger = c.trigger;
        rng = [c.seed[0] | 0, c.seed[1] | 0, c.seed[2] | 0, c.seed[3] | 0];
        for (let i = 0; i < 12; i++) random();
        logs = [];
        logBytes = 0;
        logMax = c.logMax;
        logsTruncated = false;
        logData = null;
        logDataMax = c.logDataMax;
        originCalls = [];
        kvsReads = 0;
        outcome = null;
        state = 'ready';
        edge = trigger === 'viewer-request' ? c.edge : {};
        cf.edgeLocation = JSONParse(JSONStringify(edge));
        event = JSONParse(c.event);
        rawQs = c.rawQs === null ? undefined : c.rawQs;
        if (is2 && event && event.request && typeof event.request === 'object') {
          ObjectDefineProperty(event.request, 'rawQueryString', {
            value: function rawQueryString() { return rawQs; },
            writable: true, configurable: true, enumerable: false,
          });
        }
      },
      run() {
        state = 'pending';
        try {
          const handler = ReflectApply(wrapper, G, [require, importBinding]);
          if (typeof handler !== 'function') {
            throw new TypeErrorCtor('handler is not a function: the file must declare a top-level function handler(event)');
          }
          const ret = ReflectApply(handler, undefined, [event]);
          if (is2 && isThenable(ret)) {
            ReflectApply(PromiseThen, PromiseResolve(ret), [(v) => settleOk(v, false), settleErr]);
          } else {
            settleOk(ret, isThenable(ret));
          }
        } catch (e) {
          settleErr(e);
        }
      },
      end() {
        // By hand, from primitives: JSONStringify of a string or number consults no toJSON,
        // and only own properties are read (outcome and errorInfo build object literals).
        const o = outcome === null ? {} : outcome;
        let text = '{"state":' + jsonText(state);
        const keys = ['type', 'array', 'promise', 'json'];
        for (let i = 0; i < keys.length; i++) {
          if (hasOwn(o, keys[i])) text += ',"' + keys[i] + '":' + jsonText(own(o, keys[i]));
        }
        if (hasOwn(o, 'error')) text += ',"error":' + errorText(own(o, 'error'));
        let lines = '';
        for (let i = 0; i < logs.length; i++) lines += (i ? ',' : '') + jsonText(logs[i]);
        text += ',"logs":[' + lines + '],"logsTruncated":' + jsonText(logsTruncated);
        text += ',"logData":' + jsonText(logData);
        let calls = '';
        for (let i = 0; i < originCalls.length; i++) {
          const c = originCalls[i];
          calls += (i ? ',' : '') + '{"helper":' + jsonText(c.helper) + ',"args":' + jsonText(c.args) + '}';
        }
        text += ',"origin":[' + calls + '],"kvsReads":' + jsonText(kvsReads) + '}';
        state = 'idle';
        event = null;
        return text;
      },
      globalsChanged() {
        for (let i = 0; i < watched.length; i++) {
          if (!unchanged(watched[i], baseline[i])) return true;
        }
        return false;
      },
    };
  };
})()
