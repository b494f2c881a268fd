"""A distribution behind a real HTTP endpoint: a raw ASGI app for uvicorn.

Every request goes through :meth:`Distribution.send` in a worker thread, one at a time
(under a lock: handler state and print capture are per container, as in Lambda). Its
trace row is kept in memory (``GET /_edgelab/traces`` lists the latest as JSON rows) and,
if ``trace_file`` is set, the whole trace is appended to that JSON-lines file
(:func:`edgelab.load_traces` reads it back).

Safe on a shared machine (the defaults; each has an option):

* request bodies over ``max_body`` bytes get ``413`` before more than that is read
  (the ``Content-Length`` is checked first, a chunked body is counted as it streams);
* the values of :data:`CREDENTIAL_HEADERS` are replaced by ``[redacted]`` in stored
  traces (``keep_credentials=True`` keeps them);
* ``/_edgelab/traces`` answers only loopback clients (``share_traces=True`` opens it);
* the trace file is rotated at ``trace_max_bytes`` keeping ``trace_backups`` old files
  (``traces.jsonl.1`` ...), and each body (and each stage's logs) in a stored trace is
  cut to ``trace_body_chars`` characters;
* a response that cannot be sent (a status outside 100-599, a header value that is not
  Latin-1, an unreadable body) is replaced by a 502 error page, and the stored trace is
  that 502, with a note: the trace records what the viewer actually got.
"""

from __future__ import annotations

import ipaddress
import logging
import logging.handlers
import threading
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio.to_thread

from ..errors import EventError
from ..event.headers import canonical_key
from ..limits import SERVE_MAX_BODY, TRACE_BACKUPS, TRACE_BODY_CHARS, TRACE_MAX_BYTES
from ..rules.outcome import error_response
from ..runtimes.jsonwire import dumps_text
from .distribution import Distribution
from .origins import HOP_BY_HOP, body_bytes
from .trace import Trace
from .viewer import ViewerRequest

TRACES_PATH = "/_edgelab/traces"
#: Headers whose values are credentials: redacted in stored traces unless asked otherwise.
CREDENTIAL_HEADERS = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-amz-security-token",
    "x-auth-token",
    "x-csrf-token",
)
REDACTED = "[redacted]"

Wire = tuple[int, list[tuple[bytes, bytes]], bytes]


class EdgeApp:
    """ASGI app: ``uvicorn.run(EdgeApp(dist), ...)``; see the module docstring.
    ``scheme`` (``https`` or ``http``) is the protocol viewers are taken to use (the
    viewer protocol policy reads it), by default the server's own."""

    def __init__(
        self,
        dist: Distribution,
        *,
        trace_file: str | Path | None = None,
        keep: int = 1000,
        scheme: str | None = None,
        max_body: int = SERVE_MAX_BODY,
        keep_credentials: bool = False,
        share_traces: bool = False,
        trace_max_bytes: int = TRACE_MAX_BYTES,
        trace_backups: int = TRACE_BACKUPS,
        trace_body_chars: int = TRACE_BODY_CHARS,
    ) -> None:
        self.dist = dist
        #: the viewer protocol every request is taken to use (None: the server's own)
        self.scheme = scheme
        self.trace_file = Path(trace_file) if trace_file else None
        self.rows: deque[dict[str, Any]] = deque(maxlen=keep)
        self.max_body = max_body
        self.keep_credentials = keep_credentials
        self.share_traces = share_traces
        self.trace_body_chars = trace_body_chars
        self._lock = threading.Lock()
        self._writer: logging.Handler | None = None
        if self.trace_file:
            self.trace_file.parent.mkdir(parents=True, exist_ok=True)
            writer = logging.handlers.RotatingFileHandler(
                self.trace_file,
                maxBytes=trace_max_bytes,
                backupCount=trace_backups,
                encoding="utf-8",
                delay=True,
            )
            writer.setFormatter(logging.Formatter("%(message)s"))
            self._writer = writer

    # -- one request ------------------------------------------------------------------
    def handle(self, viewer: ViewerRequest) -> Trace:
        """Run one request and record its trace (thread-safe)."""
        return self._handle(viewer)[0]

    def _handle(self, viewer: ViewerRequest) -> tuple[Trace, Wire]:
        with self._lock:
            trace = self.dist.send(viewer)
            try:
                wire = wire_response(trace.status, trace.response, head=viewer.method == "HEAD")
            except ValueError as exc:  # the viewer gets a 502, and the trace says so
                trace.response = error_response(
                    502,
                    "Error",
                    f"edgelab serve could not send the response: {exc}",
                    request_id=trace.request_id,
                )
                trace.notes.append(
                    f"edgelab serve could not send the response the chain made "
                    f"({exc}); the viewer got this 502 instead"
                )
                wire = wire_response(502, trace.response, head=viewer.method == "HEAD")
            self.record(trace)
        return trace, wire

    def record(self, trace: Trace) -> None:
        """Keep ``trace``'s row for ``/_edgelab/traces`` and append it to the trace file."""
        self.rows.append(trace.to_row())
        if self._writer is not None:
            data = stored_trace(
                trace.to_dict(),
                keep_credentials=self.keep_credentials,
                body_chars=self.trace_body_chars,
            )
            self._writer.handle(
                logging.LogRecord(
                    "edgelab.traces", logging.INFO, "", 0, dumps_text(data), None, None
                )
            )
            self._writer.close()  # no file left open between requests; the next one reopens

    def close(self) -> None:
        """Close the trace file (the distribution is the caller's to close)."""
        if self._writer is not None:
            self._writer.close()

    def __enter__(self) -> EdgeApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ASGI -------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        client = scope.get("client") or ("127.0.0.1", 0)
        if scope["path"] == TRACES_PATH:
            await self._traces(send, client[0])
            return
        body = await self._body(scope, receive, send)
        if body is None:
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        uri = raw_path.decode("latin-1").partition("?")[0] or "/"
        try:
            viewer = ViewerRequest(
                uri=uri,
                method=scope["method"],
                querystring=scope["query_string"].decode("latin-1"),
                headers=[
                    (canonical_key(k.decode("latin-1")), v.decode("latin-1"))
                    for k, v in scope["headers"]
                ],
                body=body or None,
                client_ip=client[0],
                client_port=client[1] or 0,
                protocol=self.scheme or scope.get("scheme", "http"),
                http_version=scope.get("http_version", "1.1"),
                edge_location=self.dist.edge_location,
            ).check()
        except EventError as exc:  # what CloudFront refuses before any function runs
            await _plain(
                send, 400, f"edgelab serve: this request cannot go through CloudFront: {exc}"
            )
            return
        _, (status, headers, data) = await anyio.to_thread.run_sync(self._handle, viewer)
        await _respond(send, status, headers, data, head=viewer.method == "HEAD")

    async def _traces(self, send: Any, client_ip: str) -> None:
        if not (self.share_traces or is_loopback(client_ip)):
            await _plain(
                send,
                403,
                f"edgelab serve: {TRACES_PATH} answers only clients on "
                "this machine (loopback addresses); start edgelab serve "
                "with --share-traces to show the traces to other hosts",
            )
            return
        data = dumps_text(list(self.rows)).encode()
        await _respond(send, 200, [(b"content-type", b"application/json")], data)

    async def _body(self, scope: dict[str, Any], receive: Any, send: Any) -> bytes | None:
        """The request body, or None after answering 413 (or when the client went away)."""
        limit = self.max_body
        declared = next((v for k, v in scope["headers"] if k.lower() == b"content-length"), None)
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await self._too_large(send, int(declared))
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:  # counted as it streams: never more than the limit in memory
                await self._too_large(send, None)
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def _too_large(self, send: Any, size: int | None) -> None:
        got = f"{size:,} bytes" if size is not None else "a longer body"
        await _plain(
            send,
            413,
            f"edgelab serve: the request body is over the limit of "
            f"{self.max_body:,} bytes (got {got}); start edgelab serve "
            f"with --max-body BYTES to allow larger bodies",
        )


def is_loopback(host: str) -> bool:
    """A loopback address (``127.0.0.0/8``, ``::1``, IPv4-mapped ``::ffff:127.x``)."""
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    mapped = getattr(addr, "ipv4_mapped", None)
    return addr.is_loopback or bool(mapped and mapped.is_loopback)


def wire_response(status: Any, resp: Mapping[str, Any], *, head: bool = False) -> Wire:
    """``(status, headers, body)`` as HTTP can carry them; ValueError saying why not."""
    try:
        code = int(status)
    except (TypeError, ValueError):
        code = -1
    if not 100 <= code <= 599:
        raise ValueError(f"status {status!r} is not an HTTP status (100-599)")
    out: list[tuple[bytes, bytes]] = []
    content_length = None
    try:
        lines = [
            (name, str(e.get("key") or name), str(e.get("value", "")))
            for name, elems in (resp.get("headers") or {}).items()
            for e in elems
        ]
    except (AttributeError, TypeError):
        raise ValueError("the headers are not a map of name to [{key, value}]") from None
    for name, key, value in lines:
        try:
            pair = (key.encode("latin-1"), value.encode("latin-1"))
        except UnicodeEncodeError:
            raise ValueError(
                f"header {key!r} has a name or value that is not Latin-1 text, "
                "which HTTP/1.1 cannot carry"
            ) from None
        if any(c in pair[0] + pair[1] for c in b"\r\n\x00") or not pair[0]:
            raise ValueError(f"header {key!r} has a line break or NUL in its name or value")
        if name == "content-length":
            content_length = pair[1]
        if name not in HOP_BY_HOP and name != "content-length":
            out.append(pair)
    try:
        data = body_bytes(resp)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"the body cannot be encoded ({type(exc).__name__})") from None
    if head and content_length is not None:
        out.append((b"content-length", content_length))
    return code, out, data


def stored_trace(
    data: dict[str, Any], *, keep_credentials: bool = False, body_chars: int = TRACE_BODY_CHARS
) -> dict[str, Any]:
    """A trace dict as written to the trace file: credential header values redacted
    (unless ``keep_credentials``), every body and log cut to ``body_chars`` characters (a
    multiple of 4, so base64 stays decodable), and a note saying what was changed."""
    store = _Storer(keep_credentials, max(4, body_chars - body_chars % 4))
    out = store.walk(data)
    if not keep_credentials and isinstance(out.get("cache_key"), str):
        out["cache_key"] = store.hide_in_cache_key(out["cache_key"], data)
    if store.done:
        out["notes"] = [*out.get("notes", []), *(f"stored trace: {d}" for d in sorted(store.done))]
    return out


class _Storer:
    """The walk behind :func:`stored_trace`; ``done`` says what it changed."""

    def __init__(self, keep_credentials: bool, limit: int) -> None:
        self.keep_credentials = keep_credentials
        self.limit = limit
        self.done: set[str] = set()

    def secret(self, name: Any) -> bool:
        return (
            not self.keep_credentials
            and isinstance(name, str)
            and name.lower() in CREDENTIAL_HEADERS
        )

    def cut(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) > self.limit:
            self.done.add(f"bodies and logs cut to their first {self.limit:,} characters")
            return value[: self.limit]
        if isinstance(value, list):
            return [self.cut(v) for v in value]
        if isinstance(value, Mapping) and isinstance(value.get("data"), str):
            return {**value, "data": self.cut(value["data"])}
        return value

    def redact(self, value: Any) -> Any:
        if isinstance(value, str):
            self.done.add(f"credential header values redacted ({', '.join(CREDENTIAL_HEADERS)})")
            return REDACTED
        if isinstance(value, list):
            return [self.redact(v) for v in value]
        if isinstance(value, Mapping):
            return {k: v if k == "key" else self.redact(v) for k, v in value.items()}
        return value

    def walk(self, value: Any, depth: int = 0) -> Any:
        if depth > 40:  # trace dicts are shallow; a deeper value is left as it is
            return value
        if isinstance(value, list):
            return [self.walk(v, depth + 1) for v in value]
        if not isinstance(value, Mapping):
            return value
        out = {}
        for k, v in value.items():
            if k in ("body", "logs") or (k == "data" and isinstance(v, str)):
                out[k] = self.cut(v)
            elif self.secret(k):
                out[k] = self.redact(v)
            elif k == "headers" and isinstance(v, list):  # the viewer's (name, value) pairs
                out[k] = [[n, self.redact(val) if self.secret(n) else val] for n, val in v]
            else:
                out[k] = self.walk(v, depth + 1)
        return out

    def hide_in_cache_key(self, key: str, data: Mapping[str, Any]) -> str:
        """A cache key made of a credential header or a cookie shows its value: hide it."""
        pairs = (data.get("viewer") or {}).get("headers") or []
        values = {val for n, val in pairs if self.secret(n) and isinstance(val, str)}
        values |= {
            c.partition("=")[2].strip()
            for n, val in pairs
            if isinstance(n, str) and n.lower() == "cookie" and isinstance(val, str)
            for c in val.split(";")
        }
        for value in sorted((v for v in values if len(v) >= 8), key=len, reverse=True):
            if value in key:
                key = key.replace(value, REDACTED)
                self.done.add("credential values in the cache key redacted")
        return key


async def _plain(send: Any, status: int, text: str) -> None:
    await _respond(
        send, status, [(b"content-type", b"text/plain; charset=utf-8")], (text + "\n").encode()
    )


async def _respond(
    send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes, *, head: bool = False
) -> None:
    if not head:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})
