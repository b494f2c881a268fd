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

The request-journey UI lives under ``/_edgelab/`` (:mod:`edgelab.ui`): the latest
requests live, each one's journey stage by stage, a JSON twin of every page, and a
replay button. Its pages obey the traces rule (loopback clients only, unless
``share_traces``) and show the stored, redacted traces; replaying (``POST``) is for
loopback clients only, always, and refused for a request another site's page sends
(its ``Origin`` must be this server). A CloudFront error page (a function's or the
origin's 5xx, or serve's own 502) sent to a client that may see the UI links to the
failing request's page; the stored trace keeps CloudFront's page without the link.
``/favicon.ico`` is answered 404 without running the chain, so browsers' icon requests
leave no traces.
"""

from __future__ import annotations

import html
import ipaddress
import logging
import logging.handlers
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread

from ..errors import EventError
from ..event.headers import canonical_key
from ..limits import (
    SERVE_MAX_BODY,
    TRACE_BACKUPS,
    TRACE_BODY_CHARS,
    TRACE_MAX_BYTES,
    UI_KEEP,
)
from ..rules.outcome import error_response
from ..runtimes.jsonwire import dumps_text
from ..ui import pages
from ..ui.journal import PREFIX, Entry, Journal, request_url
from .distribution import Distribution
from .origins import HOP_BY_HOP, body_bytes
from .trace import Trace
from .viewer import ViewerRequest

TRACES_PATH = f"{PREFIX}/traces"
#: Browsers ask every site for it; answered 404 without running the chain (no trace).
FAVICON = "/favicon.ico"
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
        ui_keep: int = UI_KEEP,
    ) -> None:
        self.dist = dist
        #: the latest requests, stored (redacted) as the UI shows them
        self.journal = Journal(ui_keep)
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

    def _handle(
        self, viewer: ViewerRequest, *, link: bool = False, replay_of: str | None = None
    ) -> tuple[Trace, Wire]:
        """Run ``viewer``, record it, and give what goes on the wire; ``link`` adds a link
        to the request's page to a CloudFront error page (not to the stored trace)."""
        with self._lock:
            trace = self.dist.send(viewer)
            error_page = trace.cache == "Error"
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
                error_page = True
            self.record(trace, replay_of=replay_of)
        if link and error_page:
            wire = (wire[0], wire[1], link_error_page(wire[2], trace.request_id))
        return trace, wire

    def record(self, trace: Trace, *, replay_of: str | None = None) -> Entry:
        """Keep ``trace``'s row for ``/_edgelab/traces`` and its stored form for the UI,
        and append it to the trace file."""
        data = stored_trace(
            trace.to_dict(),
            keep_credentials=self.keep_credentials,
            body_chars=self.trace_body_chars,
        )
        row = trace.to_row()
        row["cache_key"] = data.get("cache_key")  # as stored: credential values redacted
        self.rows.append(row)
        entry = self.journal.add(data, trace.outcome, trace.viewer, replay_of=replay_of)
        if self._writer is not None:
            self._writer.handle(
                logging.LogRecord(
                    "edgelab.traces", logging.INFO, "", 0, dumps_text(data), None, None
                )
            )
            self._writer.close()  # no file left open between requests; the next one reopens
        return entry

    def replay(self, request_id: str) -> Entry:
        """Send the viewer request of ``request_id`` through the distribution again (as
        it came in, credentials included); the new request's journal entry. Raises
        LookupError when the request is not kept, ValueError when it cannot be replayed."""
        entry = self.journal.get(request_id)
        if entry is None:
            raise LookupError(
                f"request {request_id} is not among the {self.journal.keep:,} latest "
                "requests edgelab serve keeps"
            )
        if entry.viewer is None:
            raise ValueError(f"request {request_id} cannot be replayed: {entry.no_replay}")
        trace, _ = self._handle(
            replace(entry.viewer, request_id=None, time=None), replay_of=request_id
        )
        found = self.journal.get(trace.request_id)
        assert found is not None  # just recorded; the journal keeps at least one entry
        return found

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
        path = scope["path"]
        if path == FAVICON:
            await _plain(send, 404, "edgelab serve answers /favicon.ico 404 and traces nothing")
            return
        if path == PREFIX or path.startswith(PREFIX + "/"):
            await self._edgelab(scope, send, client[0])
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
        link = self.may_see_traces(client[0])
        _, (status, headers, data) = await anyio.to_thread.run_sync(
            lambda: self._handle(viewer, link=link)
        )
        await _respond(send, status, headers, data, head=viewer.method == "HEAD")

    def may_see_traces(self, client_ip: str) -> bool:
        """Whether a client may read traces (the UI, ``/_edgelab/traces``, error-page links)."""
        return self.share_traces or is_loopback(client_ip)

    async def _edgelab(self, scope: dict[str, Any], send: Any, client_ip: str) -> None:
        """``/_edgelab/...``: the traces API and the UI, for the clients allowed to see them."""
        path, method = scope["path"], scope["method"]
        if not self.may_see_traces(client_ip):
            await _plain(
                send,
                403,
                f"edgelab serve: {PREFIX}/ (the request UI and {TRACES_PATH}) answers only "
                "clients on this machine (loopback addresses); start edgelab serve "
                "with --share-traces to show the traces to other hosts",
            )
            return
        host = _header(scope, b"host")
        if not (self.share_traces or host is None or loopback_host(host)):
            await _plain(
                send,
                403,
                f"edgelab serve: {PREFIX}/ answers only requests addressed to this machine "
                f"(127.0.0.1, [::1] or localhost); this one named the host {host[:100]!r}, "
                "as a page of another site can make a browser do (DNS rebinding); start "
                "edgelab serve with --share-traces to allow other host names",
            )
            return
        if path == TRACES_PATH:
            data = dumps_text(list(self.rows)).encode()
            await _respond(send, 200, [(b"content-type", b"application/json")], data)
            return
        target = pages.replay_target(method, path)
        if target is not None:
            page = await self._replay(scope, client_ip, *target)
        else:
            query = scope.get("query_string", b"").decode("utf-8", "replace")
            page = pages.page(self.journal, method, path, query, may_replay=is_loopback(client_ip))
        await _respond(send, page.status, page.headers, page.body, head=method == "HEAD")

    async def _replay(
        self, scope: dict[str, Any], client_ip: str, request_id: str, as_data: bool
    ) -> pages.Page:
        refused = replay_refusal(scope, client_ip)
        if refused:
            return pages.replay_refused(403, refused, as_data)
        try:
            entry = await anyio.to_thread.run_sync(self.replay, request_id)
        except LookupError as exc:
            return pages.replay_refused(404, str(exc), as_data)
        except ValueError as exc:
            return pages.replay_refused(409, str(exc), as_data)
        return pages.replayed(entry, as_data)

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


def replay_refusal(scope: Mapping[str, Any], client_ip: str) -> str | None:
    """Why a replay request is refused, or None: replay answers loopback clients only,
    and a browser's request must come from this server's own pages (its ``Origin``
    names the host it was sent to), so another site cannot make a visitor replay."""
    if not is_loopback(client_ip):
        return "replay answers only clients on this machine (loopback addresses)"
    origin = _header(scope, b"origin")
    if origin is None:
        return None
    try:
        netloc = urlsplit(origin).netloc
    except ValueError:
        netloc = ""
    if netloc != _header(scope, b"host"):
        return (
            f"replay answers only this server's own pages; the request came from {origin[:100]!r}"
        )
    return None


def _header(scope: Mapping[str, Any], name: bytes) -> str | None:
    """The first value of header ``name`` (lowercase) in an ASGI scope, as text."""
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def loopback_host(host: str) -> bool:
    """Whether a Host header names this machine: ``localhost``, ``127.0.0.1:8080``,
    ``[::1]:8080`` ... (a name that merely resolves here, as in DNS rebinding, does not)."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    return name.endswith(".localhost") or is_loopback(name)


def link_error_page(body: bytes, request_id: str) -> bytes:
    """CloudFront's error page with a link to the request's page before ``</BODY>``."""
    link = (
        f'<P>edgelab serve: <A href="{html.escape(request_url(request_id))}">'
        "this request's journey</A></P>\n"
    ).encode()
    at = body.rfind(b"</BODY>")
    return body[:at] + link + body[at:] if at >= 0 else body


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
