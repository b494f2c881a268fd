"""What a stage changed, computed once and rendered one way for the CLI, widgets and report.

:func:`diff` compares two requests or responses (a dict, JSON-friendly, stored in trace
rows as ``vreq_changes`` ...); :func:`changes` reads such a dict back as
:class:`Change` records, which ``edgelab request`` prints as lines
(:meth:`Change.line`), the widgets show as table rows (:meth:`Change.row`) and the
report's analysis counts (``analysis.header_changes``, ``analysis.uri_rewrites``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..event.headers import Headers

FIELDS = ("uri", "querystring", "status", "statusDescription", "origin", "body")
Kind = Literal["added", "removed", "changed", "generated"]
_MARK = {"added": "+", "removed": "-", "changed": "~", "generated": "+"}


def header_values(headers: Mapping[str, Any] | None) -> dict[str, list[str]]:
    return Headers(headers).value_lists()


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """What changed from ``before`` to ``after`` (requests or responses).

    ``{"headers": {"added": {name: values}, "removed": {...}, "changed": {name: [old,
    new]}}, "uri": [old, new], "querystring": ..., "status": ..., "origin": ...,
    "body": ...}``; a key is present only when something changed there.
    """
    if before == after:  # a function that passed its input on: one comparison, in C
        return {}
    before, after = before or {}, after or {}
    out: dict[str, Any] = {}
    hb, ha = header_values(before.get("headers")), header_values(after.get("headers"))
    added = {k: v for k, v in ha.items() if k not in hb}
    removed = {k: v for k, v in hb.items() if k not in ha}
    changed = {k: [hb[k], v] for k, v in ha.items() if k in hb and hb[k] != v}
    if added or removed or changed:
        out["headers"] = {
            k: v for k, v in (("added", added), ("removed", removed), ("changed", changed)) if v
        }
    for key in FIELDS:
        if key in before or key in after:
            old, new = before.get(key), after.get(key)
            if old != new:
                out[key] = [old, new]
    return out


def _status(value: Any) -> str:
    """``301``, never ``301.0``."""
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return "" if value is None else str(value)


def _joined(values: Any) -> str:
    if isinstance(values, list | tuple):
        return ", ".join(map(str, values))
    return "" if values is None else str(values)


def _short(value: Any, width: int) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class Change:
    """One change: a header added, removed or changed (``before``/``after`` are lists of
    values, None when absent), or a field (uri, status ...) changed."""

    kind: Kind
    header: bool
    name: str
    before: Any
    after: Any

    @property
    def what(self) -> str:
        if self.kind == "generated":
            return f"header {self.name}" if self.header else "generated a response"
        return f"header {self.name} {self.kind}" if self.header else f"{self.name} changed"

    def row(self) -> dict[str, Any]:
        """``{what, before, after}``; an absent side is ``""``."""
        if self.kind == "generated":
            if self.header:
                return {"what": self.what, "before": "", "after": ", ".join(self.after)}
            return {
                "what": self.what,
                "before": "(no response yet)",
                "after": f"status {_status(self.after)}",
            }
        return {
            "what": self.what,
            "before": "" if self.before is None else self.before,
            "after": "" if self.after is None else self.after,
        }

    def line(self, short: bool = True) -> str:
        """``+ x-new: 1``, ``- cookie: a=1``, ``~ uri: /b -> /a``, ``= generated a 301
        response``; ``short`` cuts long values (the CLI), else they are whole and the
        generated line has no mark (tables in the report and notebooks)."""
        mark = _MARK[self.kind]
        if self.kind == "generated" and not self.header:
            text = f"generated a {_status(self.after)} response".replace("a  ", "a ")
            return f"= {text}" if short else text
        if not self.header:
            if not short:
                return f"{mark} {self.name}: {self.before!s} -> {self.after!s}"
            return f"{mark} {self.name}: {_short(self.before, 40)} -> {_short(self.after, 40)}"
        if self.kind == "changed":
            old, new = _joined(self.before), _joined(self.after)
            if short:
                old, new = _short(old, 30), _short(new, 30)
            return f"{mark} {self.name}: {old} -> {new}"
        values = _joined(self.before if self.kind == "removed" else self.after)
        return f"{mark} {self.name}: {_short(values, 60) if short else values}"


def changes(d: Mapping[str, Any]) -> list[Change]:
    """The changes of a :func:`diff` result: headers (added, removed, changed), then fields."""
    out = []
    generated = d.get("generated")
    if isinstance(generated, Mapping):  # a response of its own: compared with nothing
        out.append(Change("generated", False, "response", None, generated.get("status")))
        for name, values in (generated.get("headers") or {}).items():
            out.append(Change("generated", True, name, None, values))
    for kind, names in d.get("headers", {}).items():
        for name, values in names.items():
            before, after = (
                (values[0], values[1])
                if kind == "changed"
                else (None, values)
                if kind == "added"
                else (values, None)
            )
            out.append(Change(kind, True, name, before, after))
    for key, pair in d.items():
        if key != "headers" and isinstance(pair, list) and len(pair) == 2:
            out.append(Change("changed", False, key, pair[0], pair[1]))
    return out
