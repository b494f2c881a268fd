"""Presentation helpers shared by the widgets: HTML tables, JSON, diffs, figures.

Everything here turns library results into HTML strings or PNG bytes, so a widget's
output can be read from plain Python (``editor.summary.value``) as well as seen in
JupyterLab. No Lambda@Edge logic lives here.
"""

from __future__ import annotations

import difflib
import html
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as W

from ..display import percent, show

OUTCOME_COLOURS = {"request": "#1a7f37", "response": "#0969da", "error": "#cf222e"}


def esc(value: Any) -> str:
    return html.escape(str(value))


def pre(text: str, *, empty: str = "(nothing)") -> str:
    body = esc(text) if text else f"<i>{esc(empty)}</i>"
    return f"<pre style='white-space:pre-wrap;margin:0'>{body}</pre>"


def json_text(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, ensure_ascii=False, default=str)


def json_html(obj: Any) -> str:
    return pre(json_text(obj))


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    empty: str = "(none)",
) -> str:
    """An HTML table of ``rows`` (dicts); ``columns`` picks and orders the keys."""
    if not rows:
        return f"<i>{esc(empty)}</i>"
    cols = list(columns or rows[0].keys())
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{esc(c)}</th>" for c in cols)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td style='padding:2px 8px;vertical-align:top'>{esc(r.get(c, ''))}</td>" for c in cols
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def frame_html(
    frame: Any, *, percent_columns: Iterable[str] = (), caption: str = "", empty: str = "(none)"
) -> str:
    """An HTML table of a DataFrame with every cell whole (:func:`edgelab.display.show`),
    ``percent_columns`` as ``95.8%``."""
    if frame is None or len(frame) == 0:
        return f"<i>{esc(empty)}</i>"
    shown = frame.copy()
    for c in percent_columns:
        if c in shown:
            shown[c] = shown[c].map(percent)
    if "percent" in shown:  # analysis.summary: already in percent
        import pandas as pd

        shown["percent"] = [("" if pd.isna(v) else f"{v:.1f}%") for v in shown["percent"]]
        shown = shown.rename(columns={"percent": "% of requests"})
    return show(shown, caption=caption)._repr_html_()


def badge(text: str, colour: str) -> str:
    return (
        f"<span style='background:{colour};color:white;border-radius:4px;"
        f"padding:1px 6px;font-weight:bold'>{esc(text)}</span>"
    )


def outcome_badge(outcome: str, status: int | None) -> str:
    label = outcome if status is None else f"{outcome} {status}"
    return badge(label, OUTCOME_COLOURS.get(outcome, "#57606a"))


def diff_html(
    before: Any, after: Any, *, before_name: str = "before", after_name: str = "after"
) -> str:
    """A coloured line diff of two JSON documents (``+`` added, ``-`` removed)."""
    a = json.dumps(before, indent=2, sort_keys=True, default=str).splitlines()
    b = json.dumps(after, indent=2, sort_keys=True, default=str).splitlines()
    lines = list(difflib.unified_diff(a, b, before_name, after_name, n=2, lineterm=""))
    if not lines:
        return "<i>no changes</i>"
    out = []
    for line in lines:
        if line.startswith(("+++", "---")):
            style = "color:#57606a"
        elif line.startswith("+"):
            style = "background:#dafbe1"
        elif line.startswith("-"):
            style = "background:#ffebe9"
        elif line.startswith("@@"):
            style = "color:#8250df"
        else:
            style = ""
        out.append(f"<span style='{style}'>{esc(line)}</span>")
    return "<pre style='margin:0'>" + "\n".join(out) + "</pre>"


def figure_png(fig: Any) -> bytes:
    """PNG bytes of a matplotlib figure (for a ``widgets.Image``)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    return buf.getvalue()


def labelled(widgets: Iterable[W.Widget]) -> W.VBox:
    return W.VBox(list(widgets))


class WidgetView:
    """Base for the widgets: shows ``self.widget`` when the object is a cell's value."""

    widget: W.Widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def display(self) -> None:
        from IPython.display import display

        display(self.widget)
