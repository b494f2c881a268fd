"""Handlers that call out: HTTP mocks and loopback servers, local AWS services, and the
record of every outbound call (see :mod:`edgelab.outbound.sandbox`)."""

from __future__ import annotations

from .aws import LocalAws
from .mocks import HttpMock, HttpMocks, HttpResponse, MockRequest
from .sandbox import RecordedHandler, Sandbox

__all__ = [
    "HttpMock",
    "HttpMocks",
    "HttpResponse",
    "LocalAws",
    "MockRequest",
    "RecordedHandler",
    "Sandbox",
]
