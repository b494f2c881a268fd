"""Outbound network of Python functions: declared hosts go to edgelab's loopback server,
loopback passes, everything else is refused inside the function with a clear error.

A Lambda@Edge function may call any service ("make network calls to external resources
to confirm user credentials, or fetch additional content"); edgelab never lets it reach
the real network. Name resolution in the function's process is edgelab's:

* a host name the run declares (a mock's URL, a name mapped to a loopback server) resolves
  to edgelab's outbound server on loopback, which answers from the mocks or forwards to
  the loopback server and records the call (method, URL, status, duration);
* loopback addresses and ``localhost`` pass through (a server the user runs on this
  machine, the local AWS endpoint);
* any other name or address fails the call with :class:`OutboundRefused` (an
  ``OSError``: ``socket.gaierror`` for names, which every client reports as a failed
  connection), whose message names the host and says how to declare it; the refusal is
  recorded too.

The hooks are ``socket.getaddrinfo``, ``gethostbyname(_ex)`` and ``socket.socket.connect``
/ ``connect_ex``, which every Python client goes through (``urllib``, ``http.client``,
``requests``, ``httpx``, ``asyncio``). An isolated worker installs them for its whole life
before the handler is imported; an in-process function gets them around each call (and
its import) only. The configuration comes from ``$EDGELAB_OUTBOUND`` (JSON: ``proxy``
``[host, port]``, ``hosts`` patterns, ``any``), which the worker removes before any
handler code runs.
"""

from __future__ import annotations

import contextlib
import fnmatch
import ipaddress
import json
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

ENV = "EDGELAB_OUTBOUND"

# The real functions, bound before any handler code runs.
_getaddrinfo = socket.getaddrinfo
_gethostbyname = socket.gethostbyname
_gethostbyname_ex = socket.gethostbyname_ex
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_now = time.time


class OutboundRefused(socket.gaierror):
    """An outbound call to a destination the run did not declare."""


def refusal_text(host: str, port: Any) -> str:
    """The one message of a refused call (the same words as the Node.js worker's)."""
    where = f"{host}:{port}" if port not in (None, "", 0) else host
    return (
        f"edgelab refused the function's outbound call to {where}: {host} is not declared. "
        "Declare a mock for its URL or map the host to a loopback server ([http] in "
        "distribution.toml, http= in Python); edgelab never reaches the real network"
    )


def is_loopback(host: str) -> bool:
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


class Guard:
    """The hooks and what they refused; ``config`` as in ``$EDGELAB_OUTBOUND``."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        config = config or {}
        proxy = config.get("proxy")
        self.proxy: tuple[str, int] | None = (str(proxy[0]), int(proxy[1])) if proxy else None
        self.hosts = tuple(str(h).lower() for h in config.get("hosts") or ())
        self.any = bool(config.get("any")) and self.proxy is not None
        self.refused: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._depth = 0
        self._hooks: tuple[Any, ...] | None = None

    # -- decisions ------------------------------------------------------------------------
    def declared(self, host: str) -> bool:
        name = host.rstrip(".").lower()
        if self.proxy is None:
            return False
        return self.any or any(fnmatch.fnmatchcase(name, h) for h in self.hosts)

    def refuse(self, host: str, port: Any) -> OutboundRefused:
        with self._lock:
            self.refused.append(
                {
                    "at": _now(),
                    "kind": "http",
                    "via": "refused",
                    "host": host,
                    "port": port if isinstance(port, int) else None,
                    "url": f"{host}:{port}" if port else host,
                    "method": None,
                    "status": None,
                    "duration_ms": 0.0,
                    "error": "not declared",
                }
            )
        return OutboundRefused(socket.EAI_NONAME, refusal_text(host, port))

    def take(self) -> list[dict[str, Any]]:
        """What was refused since the last call of this method."""
        if not self.refused:  # the usual case, without the lock (an append after this
            return []  # check is taken next time, as it would be after the lock)
        with self._lock:
            out, self.refused = self.refused, []
        return out

    # -- the hooks ------------------------------------------------------------------------
    def getaddrinfo(
        self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> Any:
        name = host.decode("idna") if isinstance(host, bytes) else host
        if name is None or name == "" or is_loopback(str(name)):
            return _getaddrinfo(host, port, family, type, proto, flags)
        name = str(name)
        if self.declared(name) and not _is_ip(name):
            assert self.proxy is not None
            ip, pport = self.proxy
            kinds = [type] if type else [socket.SOCK_STREAM]
            return [
                (socket.AF_INET, k, proto or socket.IPPROTO_TCP, "", (ip, pport)) for k in kinds
            ]
        raise self.refuse(name, port)

    def gethostbyname(self, host: str) -> str:
        if is_loopback(host):
            return _gethostbyname(host)
        if self.declared(host) and not _is_ip(host):
            assert self.proxy is not None
            return self.proxy[0]
        raise self.refuse(host, None)

    def gethostbyname_ex(self, host: str) -> Any:
        if is_loopback(host):
            return _gethostbyname_ex(host)
        if self.declared(host) and not _is_ip(host):
            assert self.proxy is not None
            return (host, [], [self.proxy[0]])
        raise self.refuse(host, None)

    def allowed_address(self, sock: socket.socket, address: Any) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return True
        host = address[0] if isinstance(address, tuple) and address else address
        return isinstance(host, str | bytes) and is_loopback(
            host.decode() if isinstance(host, bytes) else host
        )

    def _to_proxy(self, address: Any) -> Any:
        """A connection to edgelab's server address on any port (a client that kept the
        URL's port after resolving a declared name) goes to the server's port."""
        proxy = self.proxy
        if (
            proxy is not None
            and proxy[0] != "127.0.0.1"
            and isinstance(address, tuple)
            and len(address) >= 2
            and address[0] == proxy[0]
        ):
            return (proxy[0], proxy[1], *address[2:])
        return address

    def connect(self, sock: socket.socket, address: Any) -> None:
        if not self.allowed_address(sock, address):
            raise self.refuse(str(address[0]), address[1] if len(address) > 1 else None)
        return _connect(sock, self._to_proxy(address))

    def connect_ex(self, sock: socket.socket, address: Any) -> int:
        if not self.allowed_address(sock, address):
            raise self.refuse(str(address[0]), address[1] if len(address) > 1 else None)
        return _connect_ex(sock, self._to_proxy(address))

    # -- installing -----------------------------------------------------------------------
    def install(self) -> None:
        """Put the hooks in place (nested calls count: only the outermost installs)."""
        self._depth += 1
        if self._depth > 1:
            return
        hooks = self._hooks
        if hooks is None:  # made once: an in-process call installs them every time
            hooks = self._hooks = self._make_hooks()
        getaddrinfo, gethostbyname, gethostbyname_ex, connect, connect_ex = hooks
        socket.getaddrinfo = getaddrinfo
        socket.gethostbyname = gethostbyname
        socket.gethostbyname_ex = gethostbyname_ex
        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]

    def _make_hooks(self) -> tuple[Any, ...]:
        guard = self

        def connect(sock: socket.socket, address: Any) -> None:
            return guard.connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            return guard.connect_ex(sock, address)

        return (guard.getaddrinfo, guard.gethostbyname, guard.gethostbyname_ex, connect, connect_ex)

    def uninstall(self) -> None:
        self._depth = max(0, self._depth - 1)
        if self._depth:
            return
        socket.getaddrinfo = _getaddrinfo
        socket.gethostbyname = _gethostbyname
        socket.gethostbyname_ex = _gethostbyname_ex
        socket.socket.connect = _connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]

    @contextlib.contextmanager
    def installed(self) -> Iterator[Guard]:
        self.install()
        try:
            yield self
        finally:
            self.uninstall()


def config_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The guard's configuration in ``$EDGELAB_OUTBOUND`` (empty: refuse all but loopback)."""
    text = (environ if environ is not None else os.environ).get(ENV, "")
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
