"""An HTML report of replay results: the plots as PNG files next to ``index.html`` and
the analysis tables inline.

    >>> el.write_report(results, "report/")   # -> report/index.html, report/*.png

Figures are drawn on ``matplotlib.figure.Figure`` objects (no pyplot, no GUI backend),
so this works headless; :mod:`edgelab.plots` is imported only when a report is written.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from . import analysis
from .errors import ConfigError

_SECTIONS = (
    ("outcomes", "Outcomes", "What CloudFront answered: outcome, cache status and status."),
    ("ab_split", "A/B split", "Share of each variant (per viewer) with 95% Wilson intervals "
     "and a chi-square test against the intended weights."),
    ("cache_hit_ratio", "Cache over time", "Hit ratio per minute and requests per minute."),
    ("cache_by_path", "Cache by path", "The most requested paths, hits and misses."),
    ("headroom", "Size limits", "How much of each Lambda@Edge size limit passing stages used."),
    ("violations", "Violations", "Rule violations by rule and trigger (each one is a 502)."),
    ("latency", "Latency estimate", "Estimated latency percentiles by country (a model, "
     "not a measurement; see edgelab.latency.LatencyModel)."),
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
        raise ConfigError("write_report needs the results frame of edgelab.replay (a "
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
            f"<h2>Summary</h2>{summary}{''.join(parts)}{cost_capacity_section(results, d)}"
            f"</body></html>\n")
    index = d / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


# -- cost and capacity (edgelab.billing) ------------------------------------------------------

def _money(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    for c in columns:
        out[c] = [f"${v:,.2f}" if abs(v) >= 100 else f"${v:.3g}" if v == v else ""
                  for v in out[c].astype(float)]
    return out


def cost_capacity_section(results: pd.DataFrame, out: Path,
                          month_rps: Sequence[float] = (100.0, 1000.0)) -> str:
    """The report's "Cost and capacity" section (HTML) with its two plots saved in ``out``:
    the bill for these results, a month at a few request rates, the Regional concurrency
    against the quota, and the price table with sources. Never fails the report."""
    from matplotlib.figure import Figure

    from . import billing, plots

    try:
        pricing = billing.get_pricing()
        table = analysis.cost(results, pricing=pricing)
        cap = analysis.capacity(results, pricing=pricing)
        peaks = analysis.capacity_peaks(cap)
    except Exception as exc:  # one bad section must not cost the whole report
        return (f"<section id='cost'><h2>Cost and capacity</h2><p class='empty'>not available: "
                f"{html.escape(str(exc))}</p></section>")
    imgs = []
    for name, draw, size in (("cost", lambda ax: plots.cost_breakdown(
            results, ax, per_million=True, pricing=pricing), (9, 3.8)),
            ("concurrency", lambda ax: plots.concurrency(results, ax, pricing=pricing),
             (9, 4))):
        fig = Figure(figsize=size, layout="constrained")
        try:
            draw(fig.subplots())
            fig.savefig(out / f"{name}.png", dpi=100)
            imgs.append(f"<img src='{name}.png' alt='{name}'>")
        except Exception as exc:
            imgs.append(f"<p class='empty'>plot failed: {html.escape(str(exc))}</p>")
    t = pd.to_datetime(results["time"], utc=True) if len(results) else pd.Series(dtype=object)
    span = (t.max() - t.min()).total_seconds() if len(t) > 1 else 0.0
    own = len(results) / span if span > 0 else None
    months = []
    for rps in ([round(own, 2)] if own else []) + [r for r in month_rps if r != own]:
        scaled = analysis.scale_to(results, rps=rps, period="30D")
        bill = billing.summary_text(analysis.cost(scaled, pricing=pricing))
        pk = analysis.capacity_peaks(analysis.capacity(scaled, pricing=pricing))
        months.append({"requests per second": rps,
                       "requests in 30 days": rps * 30 * 86400,
                       "Lambda@Edge": bill.get("Lambda@Edge", {}).get("cost", 0.0),
                       "CloudFront Functions": bill.get("CloudFront Functions", {}).get(
                           "cost", 0.0),
                       "busiest Region": pk["region"].iloc[0] if len(pk) else "",
                       "peak environments": pk["peak_environments"].iloc[0] if len(pk) else 0,
                       "throttled windows": int(pk["throttled_windows"].sum()) if len(pk)
                       else 0})
    month = _money(pd.DataFrame(months), ["Lambda@Edge", "CloudFront Functions"])
    shown = _money(table.drop(columns=["memory_mb"]).fillna({"trigger": ""}),
                   ["request_cost", "duration_cost", "cost", "per_million"])
    prices = pricing.table()[["name", "value", "unit", "as_of", "unsure", "source"]]
    prices["value"] = [f"{v:,.10f}".rstrip("0").rstrip(".") for v in prices["value"]]
    dated = ", ".join(sorted({p for p in prices.loc[prices["unsure"], "as_of"]}))
    text = (
        "<p>What these requests would cost with the functions deployed as Lambda@Edge "
        "(a charge per invocation and GB-seconds: the function's memory times its duration "
        "rounded up to the billing granularity) and, for the viewer events, as CloudFront "
        "Functions (a charge per invocation only; origin events have no CloudFront Functions "
        "equivalent). Durations are the ones measured in this replay on this machine, not "
        "AWS's; memory is the rule set's (128 MB for viewer triggers); pass "
        "<code>duration_ms=</code> and <code>memory_mb=</code> to "
        "<code>edgelab.analysis.cost</code> for your functions' own figures. "
        f"<b>Prices are UNSURE</b>: read from secondary sources as of {html.escape(dated)} "
        "(AWS's pricing pages render their numbers in the browser); check them, or override "
        "them (<code>edgelab.billing.get_pricing(overrides=...)</code>).</p>")
    cap_text = (
        "<p>Lambda@Edge runs each request's functions in the AWS Region of its edge "
        "location's regional edge cache. Per Region and time window, the execution "
        "environments needed are max(rate &times; duration, rate / 10), as each environment "
        "takes at most 10 requests per second; the quota is 1,000 concurrent executions per "
        "Region (shared with the account's other Lambda functions) and 10,000 requests per "
        "second. Window averages: bursts inside a window are not seen.</p>")
    month_text = (
        "<p>The same traffic pattern scaled to 30 days at a mean rate (the replay's own rate "
        "first): each request stands for many, the sample's time pattern repeats "
        "(<code>edgelab.analysis.scale_to</code>).</p>")
    return (f"<section id='cost'><h2>Cost and capacity</h2>{text}{imgs[0]}"
            f"{_table(shown)}<h4>A month at a steady rate</h4>{month_text}{_table(month)}"
            f"<h4>Regional concurrency</h4>{cap_text}{imgs[1]}{_table(peaks)}"
            f"<h4>Prices and quotas used</h4>{_table(prices, limit=50)}</section>")
