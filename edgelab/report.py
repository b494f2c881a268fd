"""An HTML report of replay results: the plots as PNG files next to ``index.html`` and
the analysis tables inline.

    >>> el.write_report(results, "report/")   # -> report/index.html, report/*.png

Figures are drawn on ``matplotlib.figure.Figure`` objects (no pyplot, no GUI backend),
so this works headless; :mod:`edgelab.plots` is imported only when a report is written.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from . import analysis
from .errors import InputError

_SECTIONS = (
    ("outcomes", "Outcomes", "What CloudFront answered: outcome, cache status and status."),
    ("ab_split", "A/B split", "Share of each variant (per viewer) with 95% Wilson intervals "
     "and a chi-square test against the intended weights."),
    ("cache_hit_ratio", "Cache over time", "Hit ratio per minute and requests per minute."),
    ("cache_by_path", "Cache by path", "The most requested paths, hits and misses."),
    ("headroom", "Size limits", "How much of each Lambda@Edge size limit passing stages used."),
    ("violations", "Violations", "Rule violations by rule and trigger (each one is a 502)."),
    ("latency", "Latency estimate", "Estimated latency percentiles by country (a model, "
     "not a measurement; see edgelab.frames.latency.LatencyModel)."),
    ("edge_map", "Edge locations", "Requests per edge location, sized by traffic."),
)


def _table(frame: pd.DataFrame, limit: int = 25) -> str:
    if frame.empty:
        return "<p class='empty'>(none)</p>"
    shown = frame.head(limit)
    extra = f"<p class='more'>... {len(frame) - limit} more rows</p>" if len(frame) > limit \
        else ""
    return shown.to_html(index=False, border=0, classes="t", float_format=lambda x: f"{x:.4g}",
                         na_rep="") + extra


def _tables(results: pd.DataFrame, weights: Mapping[str, float] | None) -> dict[str, str]:
    return {
        "outcomes": _table(analysis.outcomes(results)),
        "ab_split": _table(analysis.ab_split(results, weights=weights, unit="viewer"))
        + "<h4>by device</h4>" + _table(analysis.ab_split(results, weights=weights, by="device",
                                                         unit="viewer"))
        + "<h4>by country</h4>" + _table(analysis.ab_split(results, weights=weights,
                                                          by="country", unit="viewer")),
        "cache_hit_ratio": _table(analysis.origin_savings(results)),
        "cache_by_path": _table(analysis.cache_by_path(results)),
        "headroom": _table(analysis.headroom_summary(results))
        + "<h4>Header changes</h4>" + _table(analysis.header_changes(results))
        + "<h4>URI rewrites</h4>" + _table(analysis.uri_rewrites(results)),
        "violations": _table(analysis.violations(results)),
        "latency": _table(analysis.latency_percentiles(results, by="country"))
        + "<h4>by edge location</h4>"
        + _table(analysis.latency_percentiles(results, by="edge_location")),
        "edge_map": _table(analysis.edge_traffic(results)),
    }


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}h1{margin-bottom:0}.sub{color:#666}img{max-width:100%;border:1px solid #eee}
table.t{border-collapse:collapse;font-size:13px;margin:.5em 0}table.t td,table.t th{padding:2px
8px;border-bottom:1px solid #ddd;text-align:left;max-width:420px;overflow-wrap:anywhere}
section{margin-top:2em}.empty,.more{color:#888}"""


def write_report(results: pd.DataFrame, out: str | Path, *, title: str = "edgelab replay report",
                 weights: Mapping[str, float] | None = None,
                 notes: str | None = None) -> Path:
    """Write ``out/index.html`` and one PNG per plot; returns the path of index.html."""
    from matplotlib.figure import Figure

    from . import plots

    if not isinstance(results, pd.DataFrame) or "outcome" not in results:
        raise InputError("write_report needs the results frame of edgelab.frames.replay (a "
                          "DataFrame with outcome, cache, status ... columns); edgelab replay "
                          "--out results.parquet writes one")
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    tables = _tables(results, weights)
    parts = []
    for name, heading, text in _SECTIONS:
        fig = Figure(figsize=(9, 4.5) if name == "edge_map" else (8, 4), layout="constrained")
        ax = fig.subplots()
        kw: dict[str, Any] = {"weights": weights, "unit": "viewer"} if name == "ab_split" \
            else {}
        try:
            plots.PLOTS[name](results, ax=ax, **kw)
            fig.savefig(d / f"{name}.png", dpi=100)
            img = f"<img src='{name}.png' alt='{html.escape(heading)}'>"
        except Exception as exc:  # one bad plot must not cost the whole report
            img = f"<p class='empty'>plot failed: {html.escape(str(exc))}</p>"
        parts.append(f"<section id='{name}'><h2>{html.escape(heading)}</h2><p>"
                     f"{html.escape(text)}</p>{img}{tables[name]}</section>")
    summary = _table(analysis.summary(results))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = f"<p>{html.escape(notes)}</p>" if notes else ""
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p class='sub'>{len(results):,} requests; written {stamp} by edgelab</p>{note}"
            f"<h2>Summary</h2>{summary}{''.join(parts)}</body></html>\n")
    index = d / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
