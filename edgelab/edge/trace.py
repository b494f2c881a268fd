"""Traces: what happened to one request, stage by stage, and as DataFrame rows.

A :class:`Trace` holds, for each function that ran (a :class:`Stage`), its input and
output (the ``cf.request`` / ``cf.response`` it got and what CloudFront carried on),
the duration, violations, logs and error; the origin call, if any
(:class:`OriginCall`); the cache status (``Hit``, ``Miss``, ``LambdaGeneratedResponse``
or ``Error``) and the final response. Diffs are computed when asked for, so recording
a trace costs no more than keeping references.

``trace.to_row()`` is a flat dict with the same columns for every trace;
:func:`traces_to_frame` turns many into a pandas DataFrame; :func:`load_traces` reads
the JSON-lines files ``edgelab serve`` writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..event.headers import header_bytes
from ..rules.validate import Violation
from ..runtimes.jsonwire import dumps_sorted, dumps_text
from ..triggers import TRIGGERS, Trigger
from .diff import diff
from .origins import body_bytes
from .viewer import ViewerRequest

if TYPE_CHECKING:
    import pandas as pd


def _key_text(key: Any) -> str | None:
    return key if key is None or isinstance(key, str) else repr(key)


@dataclass
class Stage:
    """One function run: ``outcome`` is ``request``, ``response`` or ``error``."""

    trigger: str
    outcome: str
    input: dict[str, Any]
    output: dict[str, Any] | None
    duration_ms: float
    violations: list[Violation] = field(default_factory=list)
    logs: str = ""
    error: dict[str, str] | None = None
    cold_start: bool = False

    @property
    def diff(self) -> dict[str, Any]:
        if self.output is None:
            return {}
        return diff(self.input, self.output)

    def to_dict(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "outcome": self.outcome,
            "duration_ms": self.duration_ms,
            "violations": [v.to_dict() for v in self.violations],
            "error": self.error,
            "cold_start": self.cold_start,
            "logs": self.logs,
            "input": self.input,
            "output": self.output,
            "diff": self.diff,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Stage:
        return cls(
            d["trigger"],
            d["outcome"],
            d.get("input") or {},
            d.get("output"),
            float(d.get("duration_ms") or 0.0),
            [Violation(**v) for v in d.get("violations", [])],
            d.get("logs", ""),
            d.get("error"),
            bool(d.get("cold_start")),
        )


@dataclass
class OriginCall:
    """The request sent to the origin and what came back (or the error)."""

    request: dict[str, Any]
    response: dict[str, Any] | None
    duration_ms: float
    error: str | None = None

    @property
    def status(self) -> int | None:
        return int(self.response["status"]) if self.response else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "response": self.response,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "error": self.error,
        }


@dataclass
class Trace:
    """One request through the distribution."""

    request_id: str
    viewer: ViewerRequest
    time: float
    cache: str
    response: dict[str, Any]
    stages: list[Stage] = field(default_factory=list)
    origin: OriginCall | None = None
    cache_key: Any = None
    ttl: float | None = None
    age: int | None = None
    duration_ms: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: the trigger whose function generated the response, if one did (§4)
    generated_by: Trigger | None = None

    @property
    def status(self) -> int:
        return int(self.response["status"])

    @property
    def triggers(self) -> list[str]:
        return [s.trigger for s in self.stages]

    def stage(self, trigger: str) -> Stage | None:
        for s in self.stages:
            if s.trigger == trigger:
                return s
        return None

    @property
    def headers(self) -> dict[str, str]:
        """The final response's headers, first value per lowercase name."""
        return {k: v[0]["value"] for k, v in self.response.get("headers", {}).items() if v}

    @property
    def body(self) -> bytes:
        return body_bytes(self.response)

    def to_dict(self) -> dict[str, Any]:
        """The ``edgelab request --json`` object (and one line of a trace file)."""
        return {
            "request_id": self.request_id,
            "time": self.time,
            "status": self.status,
            "cache": self.cache,
            "ttl": self.ttl,
            "age": self.age,
            "cache_key": _key_text(self.cache_key),
            "duration_ms": self.duration_ms,
            "stages": [s.to_dict() for s in self.stages],
            "origin": self.origin.to_dict() if self.origin else None,
            "response": self.response,
            "viewer": self.viewer.to_dict(),
            "notes": list(self.notes),
            "generated_by": self.generated_by.value if self.generated_by else None,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Trace:
        o = d.get("origin")
        origin = (
            OriginCall(
                o.get("request") or {},
                o.get("response"),
                float(o.get("duration_ms") or 0.0),
                o.get("error"),
            )
            if o
            else None
        )
        return cls(
            d["request_id"],
            ViewerRequest.from_dict(d.get("viewer") or {}),
            float(d.get("time") or 0.0),
            d["cache"],
            d["response"],
            [Stage.from_dict(s) for s in d.get("stages", [])],
            origin,
            d.get("cache_key"),
            d.get("ttl"),
            d.get("age"),
            float(d.get("duration_ms") or 0.0),
            list(d.get("notes", [])),
            Trigger.parse(d["generated_by"]) if d.get("generated_by") else None,
        )

    @property
    def outcome(self) -> str:
        """``served``, ``generated``, ``error`` (a function failed) or ``origin-error``."""
        if self.cache == "Error":
            stage_failed = any(s.error for s in self.stages)
            origin_failed = self.origin is not None and self.origin.error is not None
            return "origin-error" if origin_failed and not stage_failed else "error"
        generated = self.generated_by is not None or self.cache == "LambdaGeneratedResponse"
        return "generated" if generated else "served"

    def to_row(self) -> dict[str, Any]:
        """A flat dict; the same columns for every trace (None where a stage did not run).

        The one row schema of edgelab: ``edgelab traces``, ``traces_to_frame`` and
        batch replay (``edgelab.frames.replay``) all build their rows here.
        """
        v = self.viewer
        row: dict[str, Any] = {
            "request_id": self.request_id,
            "time": self.time,
            "method": v.method,
            "uri": v.uri,
            "querystring": v.querystring,
            "client_ip": v.client_ip,
            "country": v.country,
            "edge_location": v.edge_location,
            "user_agent": v.user_agent,
            "status": self.status,
            "cache": self.cache,
            "outcome": self.outcome,
            "generated_by": self.generated_by.value if self.generated_by else None,
            "cache_key": _key_text(self.cache_key),
            "ttl": self.ttl,
            "age": self.age,
            "duration_ms": self.duration_ms,
            "stages": ">".join(s.trigger for s in self.stages),
        }
        row.update(_NO_STAGE_COLUMNS)
        for stage in self.stages:
            _stage_columns(row, Trigger(stage.trigger), stage)
        _origin_columns(row, self.origin)
        _summary_columns(row, self)
        return row


_STAGE_COLUMNS = (
    "outcome",
    "ms",
    "violations",
    "uri",
    "querystring",
    "changes",
    "uri_qs_len",
    "request_bytes",
    "generated_bytes",
)


_NO_STAGE_COLUMNS: dict[str, Any] = {}
for _t in TRIGGERS:  # every stage's columns, None until the stage runs
    _NO_STAGE_COLUMNS.update({f"{_t.prefix}_{col}": None for col in _STAGE_COLUMNS})
    if _t is TRIGGERS[0]:
        _NO_STAGE_COLUMNS.update(edge_uri=None, edge_querystring=None)


def _stage_columns(row: dict[str, Any], trig: Trigger, s: Stage) -> None:
    """``vreq_outcome``, ``vreq_ms`` ... of a stage that ran."""
    p = trig.prefix
    row[f"{p}_outcome"], row[f"{p}_ms"] = s.outcome, s.duration_ms
    row[f"{p}_violations"] = len(s.violations)
    out = s.output
    if trig.is_request:
        row[f"{p}_uri"], row[f"{p}_querystring"] = s.input.get("uri"), s.input.get("querystring")
    generated = trig.is_request and s.outcome == "response" and out is not None
    d = {"generated": {"status": out.get("status")}} if generated and out else s.diff
    row[f"{p}_changes"] = dumps_sorted(d) if d else None
    if s.outcome == "request" and out is not None:
        uri_qs = len(out.get("uri", "")) + len(out.get("querystring", ""))
        row[f"{p}_uri_qs_len"] = uri_qs
        row[f"{p}_request_bytes"] = uri_qs + header_bytes(out.get("headers", {}))
    elif s.outcome == "response" and out is not None and (generated or "body" in d):
        size = header_bytes(out.get("headers", {})) + len(str(out.get("body", "")))
        row[f"{p}_generated_bytes"] = size
    if trig is TRIGGERS[0]:
        after = out if s.outcome == "request" and out is not None else None
        row["edge_uri"] = after.get("uri") if after else None
        row["edge_querystring"] = after.get("querystring") if after else None


def _origin_columns(row: dict[str, Any], o: OriginCall | None) -> None:
    row["origin_uri"] = o.request.get("uri") if o else None
    row["origin_querystring"] = o.request.get("querystring") if o else None
    row["origin_status"] = o.status if o else None
    row["origin_ms"] = o.duration_ms if o else None
    row["origin_error"] = o.error if o else None


def _summary_columns(row: dict[str, Any], t: Trace) -> None:
    """Errors, violations, logs, handler time, cold starts and sizes over all stages."""
    failed = next((s.error for s in t.stages if s.error), None)
    if failed is None and t.origin is not None and t.origin.error:
        failed = {"type": "OriginError", "message": t.origin.error}
    row["error_type"] = failed.get("type") if failed else None
    row["error_message"] = failed.get("message") if failed else None
    violations = [v.to_dict() for s in t.stages for v in s.violations]
    row["violations"] = len(violations)
    row["violation_list"] = dumps_text(violations) if violations else ""
    row["logs"] = "".join(f"[{s.trigger}] {s.logs}" for s in t.stages if s.logs)
    row["handler_ms"] = sum(s.duration_ms for s in t.stages)
    row["cold_starts"] = sum(bool(s.cold_start) for s in t.stages)
    row["response_bytes"] = len(t.body)
    row["response_header_bytes"] = header_bytes(t.response.get("headers", {}))


def traces_to_frame(traces: Iterable[Trace]) -> pd.DataFrame:
    """One DataFrame row per trace (see :meth:`Trace.to_row`)."""
    import pandas as pd

    rows = [t.to_row() for t in traces]
    if not rows:
        columns = list(Trace("", ViewerRequest(), 0.0, "Miss", {"status": "200"}).to_row())
        return pd.DataFrame(columns=columns)
    return pd.DataFrame.from_records(rows)


def read_trace_file(path: str | Path) -> list[Trace]:
    """The traces in a JSON-lines file written by ``edgelab serve``."""
    p = Path(path)
    if not p.is_file():
        raise InputError(
            f"trace file {str(path)!r} does not exist; edgelab serve writes "
            ".edgelab/traces.jsonl next to the config",
            source=str(path),
            key="file",
        )
    out = []
    with p.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(Trace.from_dict(json.loads(line)))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise InputError(
                    f"trace file {str(path)!r} line {n} is not a trace: {exc}",
                    source=str(path),
                    key="file",
                ) from None
    return out


def load_traces(path: str | Path) -> pd.DataFrame:
    """A DataFrame of the traces in a trace file (see :func:`traces_to_frame`)."""
    return traces_to_frame(read_trace_file(path))
