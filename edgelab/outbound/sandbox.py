"""The outbound world of one run: HTTP mocks (and loopback hosts) and local AWS services,
the variables a function's process gets to use them, and the record of every call.

    >>> with el.Sandbox(http={"https://api.example.com/*": {"json": {"ok": True}}},
    ...                 aws=el.LocalAws(["dynamodb"], seed="seed.json")) as box:
    ...     result = el.invoke("handlers/vr.py", event, sandbox=box)
    >>> result.calls      # [{"kind": "http", "method": "GET", "url": ..., "status": 200, ...}]

:class:`Sandbox` starts the outbound server (:mod:`edgelab.outbound.server`) and the
local AWS (:mod:`edgelab.outbound.aws`) on loopback, and :meth:`Sandbox.environ` gives
what a function's process needs: the outbound configuration of the network guard
(``$EDGELAB_OUTBOUND``), this run's CA as the trusted certificates (``SSL_CERT_FILE``,
``REQUESTS_CA_BUNDLE`` for Python, ``NODE_EXTRA_CA_CERTS`` for Node.js) and the AWS
endpoint with fake credentials. Both servers write each call into one log;
:class:`RecordedHandler` gives each invocation the calls made while it ran (one
invocation at a time, so the log between its start and its end is its own), with the
destinations the guard refused in the function's process, in time order.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..runtimes.base import Call, Handler, RawResult
from ..runtimes.netguard import ENV as OUTBOUND_ENV
from .aws import LocalAws
from .mocks import HttpMock, HttpMocks

if TYPE_CHECKING:
    from .server import OutboundServer

HttpLike = HttpMocks | Mapping[str, Any] | Iterable[HttpMock] | Callable[..., Any]
AwsLike = LocalAws | Sequence[str]


def as_http(value: HttpLike | None) -> HttpMocks | None:
    if value is None or isinstance(value, HttpMocks):
        return value
    return HttpMocks(value)


def as_aws(value: AwsLike | None) -> LocalAws | None:
    if value is None or isinstance(value, LocalAws):
        return value
    if isinstance(value, str):
        return LocalAws([value])
    return LocalAws(list(value))


class Sandbox:
    """HTTP mocks and local AWS for the functions of a run (either may be None)."""

    def __init__(self, *, http: HttpLike | None = None, aws: AwsLike | None = None) -> None:
        self.http = as_http(http)
        self.aws = as_aws(aws)
        self._server: OutboundServer | None = None
        self._log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._started = False

    @property
    def empty(self) -> bool:
        return self.http is None and self.aws is None

    def start(self) -> Sandbox:
        if self._started:
            return self
        self._started = True
        try:
            if self.http is not None:
                from .server import OutboundServer

                self._server = OutboundServer(self.http, self._append)
            if self.aws is not None:
                self.aws.start(self._append)
        except BaseException:
            self.close()
            raise
        self.take()  # calls before any function ran (seeding) are nobody's
        return self

    def _append(self, call: dict[str, Any]) -> None:
        with self._lock:
            self._log.append(call)

    def take(self) -> list[dict[str, Any]]:
        """The calls recorded since the last take."""
        with self._lock:
            out, self._log = self._log, []
        return out

    @property
    def started(self) -> bool:
        return self._started

    def environ(self) -> dict[str, str | None]:
        """The variables a function's process gets (None: removed from it)."""
        if not self._started:
            raise ConfigError("the sandbox is not started yet (use sandbox.start())")
        env: dict[str, str | None] = {}
        config: dict[str, Any] = {}
        if self._server is not None and self.http is not None:
            config = {
                "proxy": list(self._server.address),
                "hosts": self.http.host_patterns(),
                "any": self.http.any_host,
            }
            ca = str(self._server.ca.ca_file)
            env.update(
                SSL_CERT_FILE=ca,
                REQUESTS_CA_BUNDLE=ca,
                CURL_CA_BUNDLE=ca,
                NODE_EXTRA_CA_CERTS=ca,
            )
        if self.aws is not None:
            env.update(self.aws.environ())
        env[OUTBOUND_ENV] = json.dumps(config)
        return env

    def wrap(self, handler: Handler) -> Handler:
        """``handler`` with each result carrying the calls made while it ran."""
        if isinstance(handler, RecordedHandler):
            return handler
        return RecordedHandler(handler, self)

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        if self.aws is not None:
            self.aws.close()
        self._started = False

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Sandbox http={self.http!r} aws={self.aws!r}>"


class RecordedHandler(Handler):
    """A loaded handler whose results carry the outbound calls of each invocation."""

    def __init__(self, inner: Handler, sandbox: Sandbox) -> None:
        self.inner = inner
        self.sandbox = sandbox
        self.language = inner.language
        self.spec = inner.spec
        self.function_name = inner.function_name

    def invoke(self, call: Call) -> RawResult:
        before = self.sandbox.take()  # left over from earlier (a thread of a past call)
        raw = self.inner.invoke(call)
        calls = [*(dict(c, between_calls=True) for c in before), *self.sandbox.take()]
        raw.calls = sorted([*raw.calls, *calls], key=lambda c: float(c.get("at") or 0.0))
        return raw

    def invoke_many(self, calls: Sequence[Call]) -> list[RawResult]:
        return [self.invoke(c) for c in calls]  # one at a time: each gets its own calls

    def reset(self) -> None:
        self.inner.reset()

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
