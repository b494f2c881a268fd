"""Showing results to people: sizes, percentages, statuses, diffs, cache keys and tables
that are read whole.

    >>> from edgelab.display import show, human_size
    >>> human_size(40 * 1024), human_size(1024 * 1024)
    ('40 KB', '1 MB')
    >>> show(frame)          # in a notebook: every cell in full, lists and diffs as text

The report, the plots, the widgets, the CLI and the notebooks use these, so a number
reads the same everywhere: sizes as ``40 KB`` (1 KB = 1,024 bytes, as the rule sets
count), statuses as integers (never ``301.0``), numpy scalars as plain numbers (never
``np.int64(4)``). Pure Python: pandas is imported only by :func:`show`.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .edge.diff import changes

KB = 1024
MB = 1024 * 1024
# edgelab.analysis columns that hold a share (0..1), shown as percentages by show()
PERCENT_COLUMNS = frozenset(
    {
        "share",
        "ci_low",
        "ci_high",
        "expected",
        "hit_ratio",
        "saved_share",
        "used",
        "headroom",
        "max_used",
        "p99_used",
        "min_headroom",
    }
)
# columns that hold a size or a length in the frame's "unit" column
SIZE_COLUMNS = frozenset({"actual", "limit", "max_actual", "p99_actual"})


def plain(value: Any) -> Any:
    """A numpy or pandas scalar as the Python number it holds (``np.int64(4)`` -> ``4``);
    NA and NaN as None; anything else unchanged."""
    if value is None:
        return None
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        value = item()
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _number(value: float, digits: int = 1) -> str:
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def human_size(n: Any) -> str:
    """Bytes as people read them: ``316 B``, ``40 KB``, ``53.2 KB``, ``1 MB``
    (1 KB = 1,024 bytes, facts §5); ``""`` for a missing value."""
    n = plain(n)
    if n is None:
        return ""
    n = float(n)
    if abs(n) < KB:
        return f"{_number(n, 0)} B"
    if abs(n) < MB:
        return f"{_number(n / KB)} KB"
    return f"{_number(n / MB, 2)} MB"


def quantity(value: Any, unit: str) -> str:
    """A limit or a measurement in its unit: bytes as :func:`human_size`, others as
    ``8,192 chars``, ``5 s``, ``128 MB``."""
    value = plain(value)
    if value is None:
        return ""
    if unit == "bytes":
        return human_size(value)
    if unit == "status":
        return status_text(value)
    return f"{_number(float(value), 2)} {unit}"


def percent(share: Any, digits: int = 1) -> str:
    """A share (0..1) as ``95.8%``; ``""`` for a missing value."""
    share = plain(share)
    if share is None:
        return ""
    return f"{float(share) * 100:.{digits}f}%"


def status_text(value: Any) -> str:
    """An HTTP status as an integer string (``301``, never ``301.0``); ``""`` when NA."""
    value = plain(value)
    if value is None or value == "":
        return ""
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return str(value)


def cache_key_text(key: Any) -> str:
    """A cache key as one readable line: ``domain/path?query`` then what else is in it
    (headers, cookies, the normalised Accept-Encoding, the method for OPTIONS)."""
    if key is None or isinstance(key, str):
        return key or ""
    if not isinstance(key, tuple) or len(key) != 7:
        return str(key)
    domain, uri, method, query, headers, cookies, encoding = key
    parts = [f"{domain}{uri}" + (f"?{query}" if query else "")]
    if method:
        parts.append(f"method {method}")
    for name, values in headers:
        parts.append(f"{name}: {', '.join(values) if values else '(absent)'}")
    if cookies:
        parts.append("cookies " + "; ".join(f"{n}={v}" for n, v in cookies))
    if encoding:
        parts.append(f"accept-encoding: {encoding}")
    return " | ".join(parts)


def _values(values: Any) -> str:
    if isinstance(values, list):
        return ", ".join(map(str, values))
    return "" if values is None else str(values)


def diff_lines(diff: Mapping[str, Any]) -> list[str]:
    """A stage diff (:func:`edgelab.edge.diff.diff`, ``Stage.diff``, the ``*_changes``
    columns) as whole lines: ``+ name: value`` added, ``- name: value`` removed,
    ``~ name: old -> new`` changed, ``generated a 301 response`` for a response a request
    trigger generated (rendered by :meth:`edgelab.edge.diff.Change.line`)."""
    return [c.line(short=False) for c in changes(diff)] if diff else []


def cell_text(value: Any, column: str = "") -> str:
    """How :func:`show` writes one cell: whole, numbers plain, statuses as integers,
    lists joined, diffs as :func:`diff_lines`, other dicts as compact JSON."""
    if column == "status" or column.endswith("_status") or column.startswith("status"):
        return status_text(value)
    if isinstance(value, str) and value[:1] == "{" and column.endswith(("changes", "diff")):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, Mapping):
        if column.endswith(("changes", "changed", "diff")) or _looks_like_diff(value):
            return "\n".join(diff_lines(value)) or "(no changes)"
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v) for v in value)
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _looks_like_diff(value: Mapping[str, Any]) -> bool:
    keys = set(value)
    return (
        bool(keys)
        and keys
        <= {
            "headers",
            "uri",
            "querystring",
            "status",
            "statusDescription",
            "origin",
            "body",
            "generated",
        }
        and all(isinstance(v, list | dict) for v in value.values())
    )


class Table:
    """A table shown whole: every row given, every cell's full text (wrapped, never cut
    with ``...``). ``frame`` is the DataFrame; ``text`` the same as plain text."""

    def __init__(self, frame: Any, *, index: bool | None = None, caption: str = "") -> None:
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            frame = pd.DataFrame(list(frame) if not isinstance(frame, Mapping) else frame)
        self.frame = frame
        self.caption = caption
        named = frame.index.name is not None or any(n is not None for n in frame.index.names)
        self.index = named if index is None else index

    def rows(self) -> tuple[list[str], list[list[str]]]:
        """Column headings and cell texts: shares (:data:`PERCENT_COLUMNS`) as ``95.8%``
        and, in a frame with a ``unit`` column, sizes (:data:`SIZE_COLUMNS`) in it."""
        f = self.frame.reset_index() if self.index else self.frame
        cols = [str(c) for c in f.columns]
        units = "unit" in cols

        def text(c: str, v: Any, row: tuple[Any, ...]) -> str:
            if c in PERCENT_COLUMNS and isinstance(plain(v), float):
                return percent(v)
            if units and c in SIZE_COLUMNS:
                return quantity(v, str(row[cols.index("unit")]))
            return cell_text(v, c)

        body = [
            [text(c, v, row) for c, v in zip(cols, row, strict=True)]
            for row in f.itertuples(index=False, name=None)
        ]
        return cols, body

    def _repr_html_(self) -> str:
        cols, body = self.rows()
        head = "".join(
            f"<th style='text-align:left;padding:2px 8px'>{html.escape(c)}</th>" for c in cols
        )
        rows = "".join(
            "<tr>"
            + "".join(
                "<td style='text-align:left;vertical-align:top;padding:2px 8px;white-space:"
                f"pre-wrap'>{html.escape(v)}</td>"
                for v in r
            )
            + "</tr>"
            for r in body
        )
        cap = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (
            f"<table class='edgelab-table'>{cap}<thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )

    @property
    def text(self) -> str:
        cols, body = self.rows()
        widths = [
            max([len(c)] + [max(map(len, r[i].splitlines() or [""])) for r in body])
            for i, c in enumerate(cols)
        ]
        lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip()]
        for r in body:
            cells = [v.splitlines() or [""] for v in r]
            for k in range(max(len(c) for c in cells)):
                lines.append(
                    "  ".join(
                        (c[k] if k < len(c) else "").ljust(w)
                        for c, w in zip(cells, widths, strict=True)
                    ).rstrip()
                )
        return "\n".join(([self.caption] if self.caption else []) + lines)

    def __repr__(self) -> str:
        return self.text

    def __len__(self) -> int:
        return len(self.frame)


def show(data: Any, *, index: bool | None = None, caption: str = "") -> Table:
    """A table to read whole in a notebook: a DataFrame, a list of dicts or a dict of
    columns. No column is cut short (requests, functions, changes, reasons and logs are
    what a workshop teaches); diffs read as ``+ header: value`` lines, statuses as
    integers, numbers without numpy's reprs. The index is shown when it has a name."""
    return Table(data, index=index, caption=caption)


def join_steps(names: Iterable[str]) -> str:
    """Trigger names in order, as ``viewer-request → origin-request``."""
    return " → ".join(names) or "(none)"


def plain_tuple(values: Sequence[Any]) -> tuple[Any, ...]:
    """A tuple of :func:`plain` values (for a cell whose value is several numbers)."""
    return tuple(plain(v) for v in values)
