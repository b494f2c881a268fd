"""Plots of replay results (matplotlib): each takes the results frame and ``ax=None``,
draws on ``ax`` (a new figure when None) and returns the axes.

    >>> from edgelab import plots
    >>> plots.cache_hit_ratio(results)

Not imported by ``import edgelab``; the numbers come from :mod:`edgelab.analysis`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from . import analysis
from .frames.latency import edge_locations, regional_edge_caches


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
        ax.hist(np.clip(part["used"], 0, 1), bins=list(edges), histtype="step", linewidth=1.5,
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


PLOTS = {"outcomes": outcomes, "ab_split": ab_split, "cache_hit_ratio": cache_hit_ratio,
         "cache_by_path": cache_by_path, "headroom": headroom, "violations": violations,
         "latency": latency, "edge_map": edge_map}
