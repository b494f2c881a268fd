"""What a function's outbound HTTP calls may reach: mocks by URL pattern, host names mapped
to loopback servers, or one Python callable that answers everything.

    >>> http = el.HttpMocks(
    ...     {"https://api.example.com/flags/*": {"json": {"beta": True}},
    ...      "https://auth.example.com/check": lambda req: (403, "no")},
    ...     hosts={"profiles.internal": "127.0.0.1:9000"},
    ...     remote_call_ms=40)

A pattern is a URL whose ``*`` matches any run of characters (``/`` included) and ``?``
one character; without a scheme it matches http and https, without a path every path of
the host, and without a ``?`` the query string is ignored. Patterns are tried in order;
``"POST https://..."`` limits one to a method. A response is a body (``str``/``bytes``),
a mapping (``status``, ``headers``, ``body`` or ``json``), a ``(status, body)`` or
``(status, headers, body)`` tuple, an :class:`HttpResponse`, or a callable taking the
:class:`MockRequest` and returning one of these. The host names of the patterns, and of
``hosts``, are what the function may call; any other name is refused inside it.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..runtimes.netguard import is_loopback

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class MockRequest:
    """An outbound request as a mock sees it."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes = b""

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @property
    def query(self) -> str:
        return urlsplit(self.url).query

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass(frozen=True)
class HttpResponse:
    """A mocked response."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


Responder = Callable[[MockRequest], Any]


def to_response(value: Any, *, where: str = "response") -> HttpResponse:
    """A response from any of the accepted shapes (see the module docstring)."""
    if isinstance(value, HttpResponse):
        return value
    if value is None:
        return HttpResponse(204)
    if isinstance(value, str | bytes):
        body = value.encode() if isinstance(value, str) else value
        return HttpResponse(200, {"content-type": "text/plain; charset=utf-8"}, body)
    if isinstance(value, tuple) and len(value) in (2, 3):
        status, *rest = value
        headers = rest[0] if len(rest) == 2 else {}
        base = to_response(rest[-1], where=where)
        return HttpResponse(
            _status(status, where), {**base.headers, **_headers(headers, where)}, base.body
        )
    if isinstance(value, Mapping):
        extra = set(value) - {"status", "headers", "body", "json"}
        if extra:
            raise ConfigError(
                f"{where} has an unknown key {sorted(extra)[0]!r}; allowed: status, headers, "
                "body, json",
                key=where,
            )
        if "json" in value and "body" in value:
            raise ConfigError(f"{where} gives both body and json; give one", key=where)
        headers = _headers(value.get("headers", {}), where)
        if "json" in value:
            body = json.dumps(value["json"]).encode()
            headers = {"content-type": "application/json", **headers}
        else:
            raw = value.get("body", b"")
            body = raw.encode() if isinstance(raw, str) else bytes(raw)
        return HttpResponse(_status(value.get("status", 200), where), headers, body)
    raise ConfigError(
        f"{where} must be a body (str or bytes), a table with status, headers and body or "
        f"json, a (status, body) tuple or a callable; got {type(value).__name__}",
        key=where,
    )


def _status(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise ConfigError(
            f"{where}.status must be an HTTP status 100-599; got {value!r}", key=where
        )
    return value


def _headers(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{where}.headers must be a table of name = value; got {value!r}", key=where
        )
    return {str(k).lower(): str(v) for k, v in value.items()}


@dataclass(frozen=True)
class HttpMock:
    """One pattern and what it answers (a response, or a callable making one)."""

    pattern: str
    response: Any = ""
    method: str | None = None

    def __post_init__(self) -> None:
        pattern = self.pattern.strip()
        method = self.method
        first, _, rest = pattern.partition(" ")
        if rest and first.upper() in METHODS:
            method, pattern = first, rest.strip()
        if method is not None and method.upper() not in METHODS:
            raise ConfigError(
                f"mock {self.pattern!r}: method must be one of {', '.join(METHODS)}; "
                f"got {method!r}",
                key="http.mocks",
            )
        scheme, host, _ = split_pattern(pattern)
        if not host:
            raise ConfigError(
                f"mock pattern {self.pattern!r} names no host; give a URL such as "
                '"https://api.example.com/users/*"',
                key="http.mocks",
            )
        if scheme not in ("http", "https", "*"):
            raise ConfigError(
                f"mock pattern {self.pattern!r}: the scheme must be http or https; got {scheme!r}",
                key="http.mocks",
            )
        object.__setattr__(self, "pattern", pattern)
        object.__setattr__(self, "method", method.upper() if method else None)
        if not callable(self.response):
            to_response(self.response, where=f"mock {self.pattern!r}")  # checked up front

    @property
    def host(self) -> str:
        return split_pattern(self.pattern)[1]

    def matches(self, method: str, url: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        scheme, host, rest = split_pattern(self.pattern)
        u = urlsplit(url)
        if scheme != "*" and scheme != u.scheme:
            return False
        if not fnmatch.fnmatchcase((u.hostname or "").lower(), host):
            return False
        port = _port_of(host_part(self.pattern))
        if port is not None and port != (u.port or (443 if u.scheme == "https" else 80)):
            return False
        if not rest:
            return True
        path = u.path or "/"
        target = f"{path}?{u.query}" if "?" in rest else path
        return fnmatch.fnmatchcase(target, rest)

    def answer(self, request: MockRequest) -> HttpResponse:
        value = self.response(request) if callable(self.response) else self.response
        return to_response(value, where=f"the mock {self.pattern!r}")


def split_pattern(pattern: str) -> tuple[str, str, str]:
    """(scheme or ``*``, lowercase host without port, path pattern or "")."""
    scheme, sep, rest = pattern.partition("://")
    if not sep:
        scheme, rest = "*", pattern
    hostport, slash, path = rest.partition("/")
    host = hostport.rsplit(":", 1)[0] if _port_of(hostport) is not None else hostport
    return scheme.lower(), host.lower(), (slash + path) if slash else ""


def host_part(pattern: str) -> str:
    rest = pattern.partition("://")[2] or pattern
    return rest.partition("/")[0]


def _port_of(hostport: str) -> int | None:
    head, sep, tail = hostport.rpartition(":")
    return int(tail) if sep and head and tail.isdigit() else None


def _target(value: str, where: str) -> str:
    """A loopback ``host:port`` (or ``http(s)://host:port``) as a base URL."""
    text = value.strip()
    url = text if "://" in text else f"http://{text}"
    parts = urlsplit(url)
    if (
        not parts.hostname
        or not is_loopback(parts.hostname)
        or parts.scheme not in ("http", "https")
    ):
        raise ConfigError(
            f'{where} must be a loopback server such as "127.0.0.1:9000" or '
            f'"http://localhost:9000" (edgelab never reaches the real network); got {value!r}',
            key=where,
        )
    return f"{parts.scheme}://{parts.netloc}"


class HttpMocks:
    """The HTTP destinations of a run: ``mocks`` (a mapping of patterns to responses, a
    sequence of :class:`HttpMock`, or one callable answering every request to any host),
    ``hosts`` (name or ``*.pattern`` -> a loopback server, to which requests are
    forwarded) and ``remote_call_ms`` (the latency the model adds per call, in place of
    the latency model's own ``remote_call_ms``)."""

    def __init__(
        self,
        mocks: Mapping[str, Any] | Iterable[HttpMock] | Responder | None = None,
        *,
        hosts: Mapping[str, str] | None = None,
        remote_call_ms: float | None = None,
    ) -> None:
        self.fallback: Responder | None = None
        self.mocks: list[HttpMock] = []
        if callable(mocks) and not isinstance(mocks, Mapping):
            self.fallback = mocks
        elif isinstance(mocks, Mapping):
            self.mocks = [HttpMock(str(p), r) for p, r in mocks.items()]
        elif mocks is not None:
            for m in mocks:
                if not isinstance(m, HttpMock):
                    raise ConfigError(
                        f"mocks must be a mapping of URL patterns to responses, HttpMock "
                        f"objects or a callable; got an item {type(m).__name__}",
                        key="http.mocks",
                    )
                self.mocks.append(m)
        self.hosts = {
            str(name).lower().rstrip("."): _target(str(t), f"http.hosts.{name}")
            for name, t in (hosts or {}).items()
        }
        self.remote_call_ms = checked_remote_call_ms(remote_call_ms, "http")

    @property
    def any_host(self) -> bool:
        """One callable answers every host: every name is declared."""
        return self.fallback is not None

    def host_patterns(self) -> list[str]:
        """The declared host names (patterns with ``*``)."""
        names = [m.host for m in self.mocks] + list(self.hosts)
        return list(dict.fromkeys(names))

    def find(self, method: str, url: str) -> HttpMock | None:
        for m in self.mocks:
            if m.matches(method, url):
                return m
        return None

    def forward_target(self, host: str) -> str | None:
        name = host.lower().rstrip(".")
        for pattern, target in self.hosts.items():
            if fnmatch.fnmatchcase(name, pattern):
                return target
        return None

    def describe(self, host: str) -> str:
        mine = [
            (f"{m.method} " if m.method else "") + m.pattern
            for m in self.mocks
            if fnmatch.fnmatchcase(host.lower(), m.host)
        ]
        return ", ".join(mine) or "none"

    def __repr__(self) -> str:
        return f"<HttpMocks {len(self.mocks)} mocks, hosts={sorted(self.hosts)}>"


def http_mocks_from_config(table: Mapping[str, Any]) -> HttpMocks:
    """``[http]`` of a distribution.toml: ``mocks`` (an array of tables with ``url``,
    optional ``method``, and ``status``/``headers``/``body``/``json``), ``hosts`` and
    ``remote_call_ms``."""
    allowed = ("mocks", "hosts", "remote_call_ms")
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"[http] has an unknown key {key!r}; allowed: {', '.join(allowed)}",
                key=f"http.{key}",
            )
    mocks = []
    raw = table.get("mocks", [])
    if not isinstance(raw, list):
        raise ConfigError(
            'http.mocks must be an array of tables ([[http.mocks]] with url = "https://...")',
            key="http.mocks",
        )
    for i, entry in enumerate(raw):
        where = f"http.mocks[{i}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("url"), str):
            raise ConfigError(
                f'{where} needs url = "https://host/path" (a pattern); got {entry!r}', key=where
            )
        response = {k: v for k, v in entry.items() if k not in ("url", "method")}
        try:
            mock = HttpMock(entry["url"], to_response(response, where=where), entry.get("method"))
        except ConfigError as exc:  # name the entry, not only the array
            exc.key = where if exc.key == "http.mocks" else exc.key
            raise
        mocks.append(mock)
    hosts = table.get("hosts", {})
    if not isinstance(hosts, Mapping) or not all(isinstance(v, str) for v in hosts.values()):
        raise ConfigError(
            f'http.hosts must map host names to loopback servers ("127.0.0.1:9000"); got {hosts!r}',
            key="http.hosts",
        )
    return HttpMocks(mocks, hosts=hosts, remote_call_ms=table.get("remote_call_ms"))


def checked_remote_call_ms(value: Any, section: str) -> Any:
    """``remote_call_ms`` of ``[http]`` or ``[aws]`` (``section``) as given: None, or a
    number of milliseconds, 0 or more; anything else is a ConfigError naming the key."""
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or value < 0
    ):
        raise ConfigError(
            f"{section}.remote_call_ms must be a number of milliseconds, 0 or more; got {value!r}",
            key=f"{section}.remote_call_ms",
        )
    return value
