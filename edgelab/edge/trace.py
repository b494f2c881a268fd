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

from ..errors import ConfigError
from ..rules.validate import Violation
from ..triggers import TRIGGERS, Trigger
from .viewer import ViewerRequest

if TYPE_CHECKING:
    import pandas as pd

CACHE_STATUSES = ("Hit", "Miss", "LambdaGeneratedResponse", "Error")


def _key_text(key: Any) -> str | None:
    return key if key is None or isinstance(key, str) else repr(key)


def _header_values(headers: Mapping[str, Any] | None) -> dict[str, list[str]]:
    return {name: [e.get("value", "") for e in elems] for name, elems in (headers or {}).items()}


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """What changed from ``before`` to ``after`` (requests or responses).

    ``{"headers": {"added": {name: values}, "removed": {...}, "changed": {name: [old,
    new]}}, "uri": [old, new], "querystring": ..., "status": ..., "origin": ...,
    "body": ...}``; a key is present only when something changed there.
    """
    before, after = before or {}, after or {}
    out: dict[str, Any] = {}
    hb, ha = _header_values(before.get("headers")), _header_values(after.get("headers"))
    added = {k: v for k, v in ha.items() if k not in hb}
    removed = {k: v for k, v in hb.items() if k not in ha}
    changed = {k: [hb[k], v] for k, v in ha.items() if k in hb and hb[k] != v}
    if added or removed or changed:
        out["headers"] = {k: v for k, v in (("added", added), ("removed", removed),
                                            ("changed", changed)) if v}
    for key in ("uri", "querystring", "status", "statusDescription", "origin", "body"):
        if key in before or key in after:
            old, new = before.get(key), after.get(key)
            if old != new:
                out[key] = [old, new]
    return out


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
        return {"trigger": self.trigger, "outcome": self.outcome,
                "duration_ms": self.duration_ms,
                "violations": [v.to_dict() for v in self.violations], "error": self.error,
                "cold_start": self.cold_start, "logs": self.logs, "input": self.input,
                "output": self.output, "diff": self.diff}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Stage:
        return cls(d["trigger"], d["outcome"], d.get("input") or {}, d.get("output"),
                   float(d.get("duration_ms") or 0.0),
                   [Violation(**v) for v in d.get("violations", [])], d.get("logs", ""),
                   d.get("error"), bool(d.get("cold_start")))


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
        return {"request": self.request, "response": self.response, "status": self.status,
                "duration_ms": self.duration_ms, "error": self.error}


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
        from .origins import body_bytes

        return body_bytes(self.response)

    def to_dict(self) -> dict[str, Any]:
        """The ``edgelab request --json`` object (and one line of a trace file)."""
        return {"request_id": self.request_id, "time": self.time, "status": self.status,
                "cache": self.cache, "ttl": self.ttl, "age": self.age,
                "cache_key": _key_text(self.cache_key), "duration_ms": self.duration_ms,
                "stages": [s.to_dict() for s in self.stages],
                "origin": self.origin.to_dict() if self.origin else None,
                "response": self.response, "viewer": self.viewer.to_dict(),
                "notes": list(self.notes),
                "generated_by": self.generated_by.value if self.generated_by else None}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Trace:
        o = d.get("origin")
        origin = (OriginCall(o.get("request") or {}, o.get("response"),
                             float(o.get("duration_ms") or 0.0), o.get("error"))
                  if o else None)
        return cls(d["request_id"], ViewerRequest.from_dict(d.get("viewer") or {}),
                   float(d.get("time") or 0.0), d["cache"], d["response"],
                   [Stage.from_dict(s) for s in d.get("stages", [])], origin, d.get("cache_key"),
                   d.get("ttl"), d.get("age"), float(d.get("duration_ms") or 0.0),
                   list(d.get("notes", [])),
                   Trigger.parse(d["generated_by"]) if d.get("generated_by") else None)

    def to_row(self) -> dict[str, Any]:
        """A flat dict; the same columns for every trace (None where a stage did not run)."""
        v = self.viewer
        row: dict[str, Any] = {
            "request_id": self.request_id, "time": self.time, "method": v.method,
            "uri": v.uri, "querystring": v.querystring, "client_ip": v.client_ip,
            "country": v.country, "edge_location": v.edge_location,
            "user_agent": v.user_agent, "status": self.status, "cache": self.cache,
            "cache_key": _key_text(self.cache_key),
            "ttl": self.ttl, "age": self.age, "duration_ms": self.duration_ms,
            "stages": ">".join(s.trigger for s in self.stages),
            "violations": sum(len(s.violations) for s in self.stages),
            "error_type": next((s.error["type"] for s in self.stages if s.error), None),
            "origin_status": self.origin.status if self.origin else None,
            "origin_ms": self.origin.duration_ms if self.origin else None,
            "origin_error": self.origin.error if self.origin else None,
            "response_bytes": len(self.body),
        }
        for trig in TRIGGERS:
            short = trig.prefix
            s = self.stage(trig)
            row[f"{short}_outcome"] = s.outcome if s else None
            row[f"{short}_ms"] = s.duration_ms if s else None
            row[f"{short}_violations"] = len(s.violations) if s else None
        return row


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
        raise ConfigError(f"trace file {str(path)!r} does not exist; edgelab serve writes "
                          ".edgelab/traces.jsonl next to the config", key="file")
    out = []
    with p.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(Trace.from_dict(json.loads(line)))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ConfigError(f"trace file {str(path)!r} line {n} is not a trace: {exc}",
                                  key="file") from None
    return out


def load_traces(path: str | Path) -> pd.DataFrame:
    """A DataFrame of the traces in a trace file (see :func:`traces_to_frame`)."""
    return traces_to_frame(read_trace_file(path))
