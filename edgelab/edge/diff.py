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

FIELDS = ("uri", "querystring", "status", "statusDescription", "origin", "body")
Kind = Literal["added", "removed", "changed"]
_MARK = {"added": "+", "removed": "-", "changed": "~"}


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
        out["headers"] = {
            k: v for k, v in (("added", added), ("removed", removed), ("changed", changed)) if v
        }
    for key in FIELDS:
        if key in before or key in after:
            old, new = before.get(key), after.get(key)
            if old != new:
                out[key] = [old, new]
    return out


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
        return f"header {self.name} {self.kind}" if self.header else f"{self.name} changed"

    def row(self) -> dict[str, Any]:
        """``{what, before, after}``; an absent side is ``""``."""
        return {
            "what": self.what,
            "before": "" if self.before is None else self.before,
            "after": "" if self.after is None else self.after,
        }

    def line(self) -> str:
        """``+ x-new: 1``, ``- cookie: a=1``, ``~ uri: /b -> /a``."""
        mark = _MARK[self.kind]
        if not self.header:
            return f"{mark} {self.name}: {_short(self.before, 40)} -> {_short(self.after, 40)}"
        if self.kind == "changed":
            return (
                f"{mark} {self.name}: {_short(', '.join(self.before), 30)} -> "
                f"{_short(', '.join(self.after), 30)}"
            )
        values = self.after if self.kind == "added" else self.before
        return f"{mark} {self.name}: {_short(', '.join(values), 60)}"


def changes(d: Mapping[str, Any]) -> list[Change]:
    """The changes of a :func:`diff` result: headers (added, removed, changed), then fields."""
    out = []
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
