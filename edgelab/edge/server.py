"""A distribution behind a real HTTP endpoint: a raw ASGI app for uvicorn.

Every request goes through :meth:`Distribution.send` in a worker thread, one at a time
(under a lock: handler state and print capture are per container, as in Lambda), and
its trace is kept in memory (``GET /_edgelab/traces`` lists the latest as JSON rows)
and, if ``trace_file`` is set, appended to that JSON-lines file
(:func:`edgelab.load_traces` reads it back).
"""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path
from typing import Any

import anyio.to_thread

from ..event.headers import canonical_key
from ..runtimes.jsonwire import dumps_text
from .distribution import Distribution
from .origins import HOP_BY_HOP, body_bytes
from .trace import Trace
from .viewer import ViewerRequest

TRACES_PATH = "/_edgelab/traces"


class EdgeApp:
    """ASGI app: ``uvicorn.run(EdgeApp(dist), ...)``; ``scheme`` (``https`` or ``http``)
    is the protocol viewers are taken to use, by default the server's own."""

    def __init__(
        self,
        dist: Distribution,
        *,
        trace_file: str | Path | None = None,
        keep: int = 1000,
        scheme: str | None = None,
    ) -> None:
        self.dist = dist
        #: the viewer protocol every request is taken to use (None: the server's own)
        self.scheme = scheme
        self.trace_file = Path(trace_file) if trace_file else None
        self.traces: deque[Trace] = deque(maxlen=keep)
        self._lock = threading.Lock()
        if self.trace_file:
            self.trace_file.parent.mkdir(parents=True, exist_ok=True)

    def handle(self, viewer: ViewerRequest) -> Trace:
        """Run one request and record its trace (thread-safe)."""
        with self._lock:
            trace = self.dist.send(viewer)
            self.traces.append(trace)
            if self.trace_file:
                with self.trace_file.open("a", encoding="utf-8") as fh:
                    fh.write(dumps_text(trace.to_dict()) + "\n")
        return trace

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
        if scope["path"] == TRACES_PATH:
            rows = [t.to_row() for t in list(self.traces)]
            data = dumps_text(rows).encode()
            await _respond(send, 200, [(b"content-type", b"application/json")], data)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        uri = raw_path.decode("latin-1").partition("?")[0] or "/"
        client = scope.get("client") or ("127.0.0.1", 0)
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
        )
        trace = await anyio.to_thread.run_sync(self.handle, viewer)
        resp = trace.response
        headers = [
            (e.get("key") or name).encode("latin-1")
            for name, elems in resp.get("headers", {}).items()
            for e in elems
        ]
        values = [
            e["value"].encode("latin-1")
            for name, elems in resp.get("headers", {}).items()
            for e in elems
        ]
        names = [name for name, elems in resp.get("headers", {}).items() for _ in elems]
        out = [
            (k, v)
            for k, v, n in zip(headers, values, names, strict=True)
            if n not in HOP_BY_HOP and n != "content-length"
        ]
        data = body_bytes(resp)
        if viewer.method == "HEAD":
            cl = next((e["value"] for e in resp["headers"].get("content-length", ())), None)
            if cl is not None:
                out.append((b"content-length", cl.encode()))
        await _respond(send, trace.status, out, data, head=viewer.method == "HEAD")


async def _respond(
    send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes, *, head: bool = False
) -> None:
    if not head:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})
