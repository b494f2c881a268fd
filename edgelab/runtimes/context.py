"""The Lambda-like ``context`` object handlers receive (facts §9: not in the source docs,
so this follows the standard Lambda context of the Python and Node.js runtimes)."""

from __future__ import annotations

import base64
import os
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

REGION = "us-east-1"  # Lambda@Edge functions live in us-east-1 (facts §5.4)
ACCOUNT = "123456789012"


def new_request_id() -> str:
    """A CloudFront-like request id: 56 URL-safe base64 chars. The one generator of the
    id CloudFront gives a viewer's request: the event's ``requestId`` and the log field
    ``x-edge-request-id`` are the same id (lambda-edge facts §1.2)."""
    return base64.urlsafe_b64encode(os.urandom(42)).decode("ascii")


def new_aws_request_id() -> str:
    """A random UUID-4 string, as Lambda's ``context.aws_request_id`` is: the id of one
    invocation of a function, not CloudFront's request id (cheaper than ``uuid.uuid4``)."""
    h = f"{random.getrandbits(128) & _V4_MASK | _V4_BITS:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_V4_MASK = ~(0xF000 << 64) & ~(0xC000 << 48) & ((1 << 128) - 1)
_V4_BITS = (0x4000 << 64) | (0x8000 << 48)
# One id per edgelab process; runtimes that run containers elsewhere pass their own.
_CONTAINER_ID = uuid.uuid4().hex


_day: tuple[float, str] = (0.0, "")


def _today() -> str:
    """Today's date as Lambda log streams spell it, recomputed at most once a minute."""
    global _day
    now = time.time()
    if now - _day[0] > 60:
        _day = (now, datetime.now(UTC).strftime("%Y/%m/%d"))
    return _day[1]


@dataclass
class ContextInfo:
    """What both runtimes need to build a context: plain data, JSON-friendly."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: float
    function_version: str = "1"
    aws_request_id: str = field(default_factory=lambda: new_aws_request_id())
    container_id: str = field(default_factory=lambda: _CONTAINER_ID)

    @property
    def invoked_function_arn(self) -> str:
        return (
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}:"
            f"{self.function_version}"
        )

    @property
    def log_group_name(self) -> str:
        # Lambda@Edge function logs: /aws/lambda/us-east-1.<function-name> (facts §6)
        return f"/aws/lambda/{REGION}.{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{_today()}/[{self.function_version}]{self.container_id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "functionName": self.function_name,
            "functionVersion": self.function_version,
            "invokedFunctionArn": self.invoked_function_arn,
            "memoryLimitInMB": self.memory_limit_in_mb,
            "awsRequestId": self.aws_request_id,
            "logGroupName": self.log_group_name,
            "logStreamName": self.log_stream_name,
            "timeoutMs": int(self.timeout_s * 1000),
        }


#: (function name, version, container id) -> (day, ARN, log group, log stream): the
#: context's names, the same for every call of a function on one day (a handful of
#: functions per process; emptied if it ever holds more than 1,024)
_NAMES: dict[tuple[str, str, str], tuple[str, str, str, str]] = {}


def _names(info: ContextInfo) -> tuple[str, str, str, str]:
    """``info``'s ARN, log group and log stream names, worked out once per function and
    day (:class:`ContextInfo`'s properties are the definition)."""
    key = (info.function_name, info.function_version, info.container_id)
    day = _today()
    names = _NAMES.get(key)
    if names is None or names[0] != day:
        if len(_NAMES) >= 1024:
            _NAMES.clear()
        names = _NAMES[key] = (
            day,
            info.invoked_function_arn,
            info.log_group_name,
            info.log_stream_name,
        )
    return names


class LambdaContext:
    """The Python runtime's context: snake_case attributes and the remaining-time clock."""

    def __init__(self, info: ContextInfo, *, started: float | None = None) -> None:
        self.function_name = info.function_name
        self.function_version = info.function_version
        names = _names(info)
        self.invoked_function_arn = names[1]
        self.memory_limit_in_mb = str(info.memory_limit_in_mb)  # a string, as in Lambda
        self.aws_request_id = info.aws_request_id
        self.log_group_name = names[2]
        self.log_stream_name = names[3]
        self.identity = None
        self.client_context = None
        self._deadline = (started if started is not None else time.monotonic()) + info.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return (
            f"LambdaContext(function_name={self.function_name!r}, "
            f"aws_request_id={self.aws_request_id!r})"
        )
