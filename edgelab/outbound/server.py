"""edgelab's outbound server: one loopback port answering the function's HTTP and HTTPS
calls to declared hosts, from the mocks or by forwarding to a loopback server.

A function's process resolves every declared host name to this server
(:mod:`edgelab.runtimes.netguard`, and the hooks of the Node.js worker), whatever the
port in the URL. The server tells TLS from plain HTTP by the first byte of the
connection (a TLS ClientHello starts with 0x16), shows a certificate for the name the
client asked for (SNI), signed by this run's CA (:mod:`edgelab.outbound.certs`), and
reads the request with :mod:`http.server`. Each call is recorded (method, URL, status,
duration, how it was answered) *before* its response is sent, so the caller finds it
in the log as soon as the function has its answer.
"""

from __future__ import annotations

import contextlib
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .certs import CertificateAuthority
from .mocks import HttpMocks, HttpResponse, MockRequest, to_response

Record = Callable[[dict[str, Any]], None]
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
        "host",
    }
)
FORWARD_TIMEOUT_S = 30.0


def _own_address() -> str:
    rng = random.SystemRandom()
    return f"127.{rng.randrange(64, 250)}.{rng.randrange(1, 250)}.{rng.randrange(1, 250)}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, owner: OutboundServer) -> None:
        self.owner = owner
        try:  # an address of its own, so any port on it means this server (see address)
            super().__init__((_own_address(), 0), _Handler)
        except OSError:  # a system with only 127.0.0.1 on its loopback interface
            super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(FORWARD_TIMEOUT_S)
        # headers and body leave in two writes: without this, Nagle's algorithm holds the
        # second until the client's delayed ACK (40 ms per call on a kept-alive connection)
        with contextlib.suppress(OSError):
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            first = request.recv(1, socket.MSG_PEEK)
        except OSError:
            return
        conn = request
        if first == b"\x16":
            try:
                conn = self.owner.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.owner.note_handshake(exc)
                return
        try:
            self.RequestHandlerClass(conn, client_address, self)  # type: ignore[arg-type]
        finally:
            if conn is not request:
                with contextlib.suppress(OSError):
                    conn.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self.serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def serve(self) -> None:
        started, at = time.perf_counter(), time.time()
        owner = self.server.owner
        tls = isinstance(self.connection, ssl.SSLSocket)
        body = self._body()
        if self.path.startswith(("http://", "https://")):
            url = self.path
        else:
            url = f"{'https' if tls else 'http'}://{self.headers.get('Host', '')}{self.path}"
        request = MockRequest(
            self.command, url, {k.lower(): v for k, v in self.headers.items()}, body
        )
        response, via, error = owner.answer(request)
        owner.record(
            {
                "at": at,
                "kind": "http",
                "via": via,
                "method": self.command,
                "url": url,
                "host": urlsplit(url).hostname,
                "status": response.status,
                "duration_ms": (time.perf_counter() - started) * 1000,
                "error": error,
                "remote_call_ms": owner.mocks.remote_call_ms,
            }
        )
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)


class OutboundServer:
    """The server for ``mocks``; ``record`` gets one dict per call."""

    def __init__(self, mocks: HttpMocks, record: Record) -> None:
        self.mocks = mocks
        self.record = record
        self.ca = CertificateAuthority()
        names = [*mocks.host_patterns(), "localhost", "127.0.0.1"]
        cert, key = self.ca.leaf(*names)
        self.tls_context = self._context(cert, key)
        self._by_name: dict[str, ssl.SSLContext] = {}
        self.tls_context.sni_callback = self._sni
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            daemon=True,
            name="edgelab-outbound",
        )
        self._thread.start()
        self._http: Any = None
        self.handshake_errors: list[str] = []

    @property
    def address(self) -> tuple[str, int]:
        """(host, port): a loopback address of its own (127.x.y.z, where Linux answers
        the whole 127/8 range), so that a client that resolves a declared name and then
        connects to the port of the URL (asyncio's happy eyeballs, a Node.js library that
        calls dns.lookup itself) is sent to this port by the network guard."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @staticmethod
    def _context(cert: Any, key: Any) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(cert), str(key))
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx

    def _sni(self, sslobj: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        """A certificate for the very name asked for, when no declared pattern covers it
        (a callable answering every host)."""
        if not name or not self.mocks.any_host:
            return
        if name not in self._by_name:
            self._by_name[name] = self._context(*self.ca.leaf(name))
        sslobj.context = self._by_name[name]

    def note_handshake(self, exc: BaseException) -> None:
        self.handshake_errors.append(f"{type(exc).__name__}: {exc}")

    def answer(self, request: MockRequest) -> tuple[HttpResponse, str, str | None]:
        """(response, how it was answered, error): a mock, the loopback server the host
        is mapped to, the catch-all callable, or a 502 that says no mock matched."""
        mocks = self.mocks
        try:
            mock = mocks.find(request.method, request.url)
            if mock is not None:
                return mock.answer(request), "mock", None
            target = mocks.forward_target(request.host)
            if target is not None:
                return self._forward(target, request), "loopback", None
            if mocks.fallback is not None:
                return to_response(mocks.fallback(request), where="the http callable"), "mock", None
        except _ForwardFailed as exc:
            return _text(502, str(exc)), "loopback", str(exc)
        except Exception as exc:  # a mock's own failure: the function sees a 500
            text = f"edgelab: the mock for {request.method} {request.url} raised {exc!r}"
            return _text(500, text), "mock", text
        text = (
            f"edgelab: no mock matched {request.method} {request.url}; the mocks for "
            f"{request.host}: {mocks.describe(request.host)}"
        )
        return _text(502, text), "unmatched", text

    def _forward(self, target: str, request: MockRequest) -> HttpResponse:
        import httpx

        if self._http is None:
            self._http = httpx.Client(timeout=FORWARD_TIMEOUT_S, verify=False, trust_env=False)
        parts = urlsplit(request.url)
        url = target + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {k: v for k, v in request.headers.items() if k not in _HOP_BY_HOP}
        if "host" in request.headers:
            headers["host"] = request.headers["host"]
        try:
            got = self._http.request(request.method, url, headers=headers, content=request.body)
        except httpx.HTTPError as exc:
            raise _ForwardFailed(
                f"edgelab: the loopback server {target} for {request.host} did not answer "
                f"{request.method} {parts.path or '/'}: {type(exc).__name__}: {exc}"
            ) from None
        out = {k.lower(): v for k, v in got.headers.items() if k.lower() not in _HOP_BY_HOP}
        out.pop("content-encoding", None)  # httpx has decoded the body
        return HttpResponse(got.status_code, out, got.content)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self._http is not None:
            self._http.close()
        self.ca.close()


class _ForwardFailed(Exception):
    pass


def _text(status: int, text: str) -> HttpResponse:
    return HttpResponse(
        status,
        {"content-type": "text/plain; charset=utf-8", "x-edgelab-outbound": "error"},
        text.encode(),
    )
