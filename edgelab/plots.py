"""Plots of replay results (matplotlib): each takes the results frame and ``ax=None``,
draws on ``ax`` (a new figure when None) and returns the axes.

    >>> from edgelab import plots
    >>> plots.cache_hit_ratio(results)

Not imported by ``import edgelab``; the numbers come from :mod:`edgelab.analysis`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from . import analysis
from .latency import edge_locations, regional_edge_caches


def _axes(ax: Axes | None, size: tuple[float, float] = (7, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _empty(ax: Axes, what: str) -> Axes:
    ax.text(0.5, 0.5, f"no {what} in these results", ha="center", va="center",
            transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])
    if not ax.get_title():
        ax.set_title(what[:1].upper() + what[1:])
    return ax


def ab_split(results: pd.DataFrame, ax: Axes | None = None, *,
             weights: Mapping[str, float] | None = None, by: str | None = None,
             **kwargs: Any) -> Axes:
    """Share per variant with its confidence interval; the intended share as a line."""
    ax = _axes(ax)
    table = analysis.ab_split(results, weights=weights, by=by, **kwargs)
    if table.empty:
        return _empty(ax, "A/B test requests")
    variants = list(dict.fromkeys(table["variant"]))
    groups = list(dict.fromkeys(table[by])) if by else ["all"]
    width = 0.8 / len(variants)
    x = np.arange(len(groups))
    for i, v in enumerate(variants):
        part = table[table["variant"] == v]
        share = part["share"].to_numpy(float)
        err = np.vstack([share - part["ci_low"].to_numpy(float),
                         part["ci_high"].to_numpy(float) - share])
        pos = x[: len(part)] + (i - (len(variants) - 1) / 2) * width
        ax.bar(pos, share, width, yerr=err, capsize=3, label=f"variant {v}")
        ax.hlines(part["expected"].to_numpy(float), pos - width / 2, pos + width / 2,
                  colors="k", linestyles="dashed", linewidth=1)
    ax.set_xticks(x, groups)
    ax.set_ylabel("share of requests")
    ax.set_ylim(0, 1)
    ax.set_title("A/B split (bars: 95% CI; dashed: intended)")
    ax.legend()
    return ax


def cache_hit_ratio(results: pd.DataFrame, ax: Axes | None = None, *, freq: str = "1min"
                    ) -> Axes:
    """Cache hit ratio over time (line) with requests per bin (bars, right axis)."""
    ax = _axes(ax)
    table = analysis.cache_over_time(results, freq=freq)
    if table.empty:
        return _empty(ax, "requests")
    t = table["time"].dt.tz_localize(None)
    ax.plot(t, table["hit_ratio"], marker=".", color="C0")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("hit ratio (Hit / (Hit + Miss))")
    ax.set_title(f"Cache hit ratio per {freq}")
    ax2 = ax.twinx()
    ax2.bar(t, table["requests"], width=(t.iloc[1] - t.iloc[0]) * 0.8 if len(t) > 1 else 0.0005,
            alpha=0.25, color="C1")
    ax2.set_ylabel("requests")
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.figure.autofmt_xdate()
    return ax


def cache_by_path(results: pd.DataFrame, ax: Axes | None = None, *, top: int = 15) -> Axes:
    """Hits and misses for the most requested paths (horizontal bars)."""
    ax = _axes(ax, (7, 5))
    table = analysis.cache_by_path(results, top=top).iloc[::-1]
    if table.empty:
        return _empty(ax, "requests")
    other = table["requests"] - table["hits"] - table["misses"]
    ax.barh(table["path"], table["hits"], label="Hit")
    ax.barh(table["path"], table["misses"], left=table["hits"], label="Miss")
    ax.barh(table["path"], other, left=table["hits"] + table["misses"],
            label="generated / error")
    ax.set_xlabel("requests")
    ax.set_title(f"Top {len(table)} paths by requests")
    ax.legend()
    return ax


def headroom(results: pd.DataFrame, ax: Axes | None = None, *, rules: Any = None,
             bins: int = 40) -> Axes:
    """Histogram of how much of each size limit passing stages used (0 = none, 1 = all)."""
    ax = _axes(ax)
    table = analysis.headroom(results, rules)
    if table.empty:
        return _empty(ax, "size measurements")
    edges = np.linspace(0, 1, bins + 1)
    for (trigger, rule), part in table.groupby(["trigger", "rule"], sort=True):
        ax.hist(np.clip(part["used"], 0, 1), bins=edges, histtype="step", linewidth=1.5,
                label=f"{trigger}: {rule}")
    ax.axvline(1.0, color="r", linestyle="dashed", linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("share of the limit used")
    ax.set_ylabel("stage runs")
    ax.set_title("Headroom to Lambda@Edge size limits (passing stages)")
    ax.legend(fontsize="small")
    return ax


def violations(results: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Violations per rule and trigger."""
    ax = _axes(ax)
    table = analysis.violations(results)
    if table.empty:
        return _empty(ax, "violations")
    labels = table["trigger"] + ": " + table["rule"]
    ax.barh(labels.iloc[::-1], table["count"].iloc[::-1], color="C3")
    ax.set_xlabel("violations")
    ax.set_title("Rule violations (each is a 502)")
    return ax


def latency(results: pd.DataFrame, ax: Axes | None = None, *, by: str = "country",
            top: int = 12) -> Axes:
    """Estimated latency percentiles (p50, p90, p99) per group, busiest groups first."""
    ax = _axes(ax)
    table = analysis.latency_percentiles(results, by=by).head(top)
    if table.empty:
        return _empty(ax, "latency estimates")
    x = np.arange(len(table))
    for i, col in enumerate(("p50", "p90", "p99")):
        ax.bar(x + (i - 1) * 0.27, table[col], 0.27, label=col)
    ax.set_xticks(x, table[by].astype(str), rotation=45 if len(table) > 8 else 0)
    ax.set_ylabel("estimated latency (ms)")
    ax.set_title(f"Latency estimate by {by.replace('_', ' ')}")
    ax.legend()
    return ax


def edge_map(results: pd.DataFrame, ax: Axes | None = None, *, show_all: bool = True
             ) -> Axes:
    """Edge locations on a plain lon/lat plane, sized by requests; regional edge caches
    as triangles."""
    ax = _axes(ax, (9, 4.5))
    if show_all:
        table = edge_locations()
        ax.scatter(table["longitude"], table["latitude"], s=6, color="0.75",
                   label="edge locations")
    recs = regional_edge_caches()
    ax.scatter(recs["longitude"], recs["latitude"], marker="^", s=40, color="C2",
               label="regional edge caches")
    traffic = analysis.edge_traffic(results).dropna(subset=["latitude"])
    if not traffic.empty:
        size = 20 + 600 * traffic["requests"] / traffic["requests"].max()
        ax.scatter(traffic["longitude"], traffic["latitude"], s=size, alpha=0.5, color="C0",
                   edgecolors="C0", label="requests served")
        for _, row in traffic.head(8).iterrows():
            ax.annotate(row["code"], (row["longitude"], row["latitude"]), fontsize=7,
                        ha="center", va="bottom")
    ax.set_xlim(-180, 180)
    ax.set_ylim(-60, 75)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect("equal")
    ax.set_title("Requests per edge location")
    ax.legend(loc="lower left", fontsize="small")
    return ax


def outcomes(results: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Requests by outcome and cache status."""
    ax = _axes(ax)
    table = analysis.outcomes(results)
    if table.empty:
        return _empty(ax, "requests")
    labels = table["outcome"] + " / " + table["cache"] + " / " + table["status"]
    ax.barh(labels.iloc[::-1], table["requests"].iloc[::-1])
    ax.set_xlabel("requests")
    ax.set_title("Outcome / cache / status")
    return ax


def _usd(value: float) -> str:
    """Dollars for matplotlib text (``\\$``: a bare ``$`` pair starts mathtext)."""
    return f"\\${value:,.2f}" if abs(value) >= 100 else f"\\${value:.3g}"


def cost_breakdown(results: pd.DataFrame, ax: Axes | None = None, *,
                   per_million: bool = False, **options: Any) -> Axes:
    """The bill per trigger: Lambda@Edge (requests + duration, stacked) beside CloudFront
    Functions for the same viewer-event invocations; ``per_million`` shows USD per
    million viewer requests. ``options`` go to :func:`edgelab.analysis.cost`."""
    ax = _axes(ax)
    table = analysis.cost(results, **options)
    rows = table[table["trigger"] != "total"]
    if rows.empty:
        return _empty(ax, "function invocations")
    viewers = table.attrs.get("viewer_requests") or 0
    scale = 1e6 / viewers if per_million and viewers else 1.0
    triggers = [t for t in ("viewer-request", "origin-request", "origin-response",
                            "viewer-response") if t in set(rows["trigger"])]
    y = np.arange(len(triggers))
    le = rows[rows["service"] == "Lambda@Edge"].set_index("trigger").reindex(triggers)
    cf = rows[rows["service"] == "CloudFront Functions"].set_index("trigger").reindex(triggers)
    req = le["request_cost"].fillna(0).to_numpy(float) * scale
    dur = le["duration_cost"].fillna(0).to_numpy(float) * scale
    cff = cf["cost"].to_numpy(float) * scale
    ax.barh(y - 0.2, req, 0.4, color="C0", label="Lambda@Edge requests")
    ax.barh(y - 0.2, dur, 0.4, left=req, color="C1", label="Lambda@Edge GB-seconds")
    have = ~np.isnan(cff)
    ax.barh(y[have] + 0.2, cff[have], 0.4, color="C2", label="CloudFront Functions")
    for yi, total in zip(y, req + dur, strict=True):
        ax.annotate(_usd(total), (total, yi - 0.2), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)
    for yi, total in zip(y[have], cff[have], strict=True):
        ax.annotate(_usd(total), (total, yi + 0.2), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)
    for yi in y[~have]:
        ax.annotate("no CloudFront Functions equivalent (origin event)", (0, yi + 0.2),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=8,
                    color="0.4")
    ax.set_yticks(y, triggers)
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(np.nanmax(np.r_[req + dur, cff[have], 0])) * 1.3, 1e-12))
    ax.set_xlabel("USD per million viewer requests" if per_million and viewers else
                  "USD for these requests")
    totals = table[table["trigger"] == "total"].set_index("service")["cost"] * scale
    what = "per million viewer requests" if per_million and viewers else "for these requests"
    ax.set_title(f"Bill {what}: Lambda@Edge {_usd(totals.get('Lambda@Edge', 0.0))}, "
                 f"CloudFront Functions {_usd(totals.get('CloudFront Functions', 0.0))} "
                 "(prices UNSURE)", fontsize=10)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def concurrency(results: pd.DataFrame, ax: Axes | None = None, *, top: int = 6,
                **options: Any) -> Axes:
    """Execution environments needed per AWS Region and window (log scale) against the
    Regional concurrency quota; throttled windows in red. ``options`` go to
    :func:`edgelab.analysis.capacity`."""
    ax = _axes(ax)
    table = analysis.capacity(results, **options)
    if table.empty:
        return _empty(ax, "Lambda@Edge invocations")
    peaks = analysis.capacity_peaks(table).head(top)
    for i, region in enumerate(peaks["region"]):
        part = table[table["region"] == region]
        ax.plot(part["time"], part["environments"], marker=".", ms=3, lw=1, color=f"C{i}",
                label=region)
    hot = table[table["throttled"]]
    if not hot.empty:
        ax.scatter(hot["time"], hot["environments"], color="red", s=18, zorder=3,
                   label=f"throttled ({len(hot)} windows)")
    quota = float(table["concurrency_quota"].iloc[0])
    ax.axhline(quota, color="k", ls="--", lw=1)
    ax.annotate(f"quota {quota:,.0f} per Region", (0.01, quota), xycoords=("axes fraction",
                "data"), xytext=(0, 3), textcoords="offset points", fontsize=8)
    ax.set_yscale("log")
    positive = table["environments"][table["environments"] > 0]
    low = float(positive.min()) if len(positive) else quota / 1e3
    ax.set_ylim(low / 2, max(quota, float(table["environments"].max())) * 3)
    window = float(table["window_s"].iloc[0])
    ax.set_ylabel("execution environments (log scale)")
    ax.set_xlabel(f"time (UTC), {window:g} s windows")
    ax.set_title("Lambda@Edge concurrency per Region: max(rate x duration, rate / 10)",
                 fontsize=10)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


PLOTS = {"outcomes": outcomes, "ab_split": ab_split, "cache_hit_ratio": cache_hit_ratio,
         "cache_by_path": cache_by_path, "headroom": headroom, "violations": violations,
         "latency": latency, "edge_map": edge_map, "cost_breakdown": cost_breakdown,
         "concurrency": concurrency}
