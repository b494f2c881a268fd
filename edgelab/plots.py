"""Plots of replay results (matplotlib): each takes the results frame and ``ax=None``,
draws on ``ax`` (a new figure when None) and returns the axes.

    >>> from edgelab import plots
    >>> plots.cache_hit_ratio(results)

Not imported by ``import edgelab``; the numbers come from :mod:`edgelab.analysis`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.ticker import FuncFormatter

from . import analysis
from .display import quantity, status_text
from .frames.latency import edge_locations, regional_edge_caches

LAND = Path(__file__).resolve().parent / "basemap" / "land_110m.json.gz"


def _axes(ax: Axes | None, size: tuple[float, float] = (7, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _empty(ax: Axes, what: str) -> Axes:
    ax.text(
        0.5,
        0.5,
        f"no {what} in these results",
        ha="center",
        va="center",
        transform=ax.transAxes,
        color="0.4",
    )
    ax.set_xticks([])
    ax.set_yticks([])
    if not ax.get_title():
        ax.set_title(what[:1].upper() + what[1:])
    return ax


def ab_split(
    results: pd.DataFrame,
    ax: Axes | None = None,
    *,
    weights: Mapping[str, float] | None = None,
    by: str | None = None,
    unit: str = "viewer",
    **kwargs: Any,
) -> Axes:
    """Share per variant with its confidence interval; the intended share as a line.
    Counts viewers by default (``unit="request"`` counts requests); the labels say which."""
    ax = _axes(ax)
    table = analysis.ab_split(results, weights=weights, by=by, unit=unit, **kwargs)
    counted = analysis.UNITS[unit]
    if table.empty:
        return _empty(ax, "A/B test " + counted)
    variants = list(dict.fromkeys(table["variant"]))
    groups = list(dict.fromkeys(table[by])) if by else ["all " + counted]
    width = 0.8 / len(variants)
    x = np.arange(len(groups))
    for i, v in enumerate(variants):
        part = table[table["variant"] == v]
        share = part["share"].to_numpy(float)
        err = np.vstack(
            [share - part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float) - share]
        )
        pos = x[: len(part)] + (i - (len(variants) - 1) / 2) * width
        ax.bar(pos, share, width, yerr=err, capsize=3, label=f"variant {v}")
        ax.hlines(
            part["expected"].to_numpy(float),
            pos - width / 2,
            pos + width / 2,
            colors="k",
            linestyles="dashed",
            linewidth=1,
        )
    ax.set_xticks(x, [str(g) for g in groups], rotation=45 if len(groups) > 8 else 0)
    ax.set_ylabel(f"share of {counted}")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    total = int(table.groupby(by)["total"].first().sum()) if by else int(table["total"].iloc[0])
    ax.set_title(f"A/B split per {unit}, {total:,} {counted} (bars: 95% CI; dashed: intended)")
    ax.legend()
    return ax


def cache_hit_ratio(results: pd.DataFrame, ax: Axes | None = None, *, freq: str = "1min") -> Axes:
    """Cache hit ratio over time (line) with requests per bin (bars, right axis); the
    ratio counts cacheable responses only (:data:`edgelab.analysis.HIT_RATIO_DEFINITION`)."""
    ax = _axes(ax)
    table = analysis.cache_over_time(results, freq=freq)
    if table.empty:
        return _empty(ax, "requests")
    t = table["time"].dt.tz_localize(None)
    ax.plot(t, table["hit_ratio"], marker=".", color="C0", label="hit ratio")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_ylabel("hits / (hits + misses)")
    ax.set_title(f"Cache hit ratio per {freq} (cacheable responses; UTC)")
    ax2 = ax.twinx()
    ax2.bar(
        t,
        table["requests"],
        width=(t.iloc[1] - t.iloc[0]) * 0.8 if len(t) > 1 else 0.0005,
        alpha=0.25,
        color="C1",
    )
    ax2.set_ylabel("requests (bars)")
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
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
    ax.barh(
        table["path"],
        other,
        left=table["hits"] + table["misses"],
        label="not cacheable: generated, error or POST",
    )
    ax.set_xlabel("requests")
    ax.set_title(f"Top {len(table)} paths by requests")
    ax.legend(fontsize="small")
    return ax


def headroom(
    results: pd.DataFrame, ax: Axes | None = None, *, rules: Any = None, log: bool | None = None
) -> Axes:
    """For each size limit, the largest and the 99th-percentile share of it that passing
    stages used (bars; 100% is the limit). ``log`` (default: when the shares are small)
    puts the shares on a log scale so that 0.1% and 10% are both readable."""
    table = analysis.headroom_summary(results, rules)
    ax = _axes(ax, (8, 1.2 + 0.55 * max(len(table), 1)))
    if table.empty:
        return _empty(ax, "size measurements")
    table = table.iloc[::-1].reset_index(drop=True)
    labels = [
        f"{r.trigger}: {r.rule}\n(limit {quantity(r.limit, r.unit)})" for r in table.itertuples()
    ]
    y = np.arange(len(table))
    floor = 1e-4
    ax.barh(y + 0.18, np.maximum(table["max_used"], floor), 0.36, color="C3", label="largest")
    ax.barh(
        y - 0.18, np.maximum(table["p99_used"], floor), 0.36, color="C0", label="99th percentile"
    )
    for yi, r in zip(y, table.itertuples(), strict=True):
        ax.annotate(
            f" {quantity(r.max_actual, r.unit)}",
            (max(r.max_used, floor), yi + 0.18),
            va="center",
            fontsize=8,
        )
        ax.annotate(
            f" {quantity(r.p99_actual, r.unit)}",
            (max(r.p99_used, floor), yi - 0.18),
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(1.0, color="r", linestyle="dashed", linewidth=1)
    if log is None:
        log = float(table["max_used"].max()) < 0.2
    if log:
        ax.set_xscale("log")
        ax.set_xlim(floor, 2)
    else:
        ax.set_xlim(0, max(1.1, float(table["max_used"].max()) * 1.15))
    ax.xaxis.set_major_formatter(FuncFormatter(_share_label))
    ax.set_xlabel("share of the limit used (dashed: the limit)" + (", log scale" if log else ""))
    ax.set_title("Size-limit headroom of passing stages")
    ax.legend(fontsize="small", loc="lower right")
    return ax


def _share_label(value: float, _: Any = None) -> str:
    pct = value * 100
    return f"{pct:.0f}%" if pct >= 1 else f"{pct:.2g}%"


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


def latency(
    results: pd.DataFrame, ax: Axes | None = None, *, by: str = "country", top: int = 12
) -> Axes:
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
    ax.set_title(f"Latency estimate by {by.replace('_', ' ')} (a model, not a measurement)")
    ax.legend()
    return ax


@cache
def land_polygons() -> list[np.ndarray]:
    """The world's land as polygons of (longitude, latitude) points: Natural Earth's
    1:110m land outline, bundled (``edgelab/basemap``)."""
    data = json.loads(gzip.decompress(LAND.read_bytes()))
    out = []
    for polygon in data["polygons"]:
        ring = np.asarray(polygon[0], dtype=float).reshape(-1, 2)
        # a ring that crosses the antimeridian jumps from 180 to -180: make it continuous
        # and draw it a second time one turn over, so both halves fill
        ring[:, 0] = np.degrees(np.unwrap(np.radians(ring[:, 0])))
        out.append(ring)
        if ring[:, 0].max() > 180:
            out.append(ring - np.array([360.0, 0.0]))
        elif ring[:, 0].min() < -180:
            out.append(ring + np.array([360.0, 0.0]))
    return out


def edge_map(
    results: pd.DataFrame, ax: Axes | None = None, *, show_all: bool = True, labels: int = 12
) -> Axes:
    """Edge locations on a world map (Natural Earth coastlines, longitude/latitude),
    sized by requests; regional edge caches as triangles; the ``labels`` busiest edge
    locations named, moved apart so that no two labels overlap."""
    ax = _axes(ax, (10, 4.6))
    ax.add_collection(
        PolyCollection(
            land_polygons(), facecolors="0.93", edgecolors="0.7", linewidths=0.5, zorder=0
        )
    )
    if show_all:
        table = edge_locations()
        ax.scatter(
            table["longitude"],
            table["latitude"],
            s=6,
            color="0.55",
            zorder=2,
            label="edge locations",
        )
    recs = regional_edge_caches()
    ax.scatter(
        recs["longitude"],
        recs["latitude"],
        marker="^",
        s=40,
        color="C2",
        zorder=3,
        label="regional edge caches",
    )
    traffic = analysis.edge_traffic(results).dropna(subset=["latitude"])
    if not traffic.empty:
        size = 20 + 600 * traffic["requests"] / traffic["requests"].max()
        ax.scatter(
            traffic["longitude"],
            traffic["latitude"],
            s=size,
            alpha=0.45,
            color="C0",
            edgecolors="C0",
            zorder=4,
            label="requests served (area)",
        )
    ax.set_xlim(-180, 180)
    ax.set_ylim(-58, 78)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"Requests per edge location ({len(traffic)} used)")
    ax.legend(loc="lower left", fontsize="small")
    if not traffic.empty and labels:
        _label_points(ax, traffic.head(labels))
    return ax


def _label_points(ax: Axes, rows: pd.DataFrame) -> None:
    """Name the points, then move the names apart (adjustText) with a thin leader line."""
    from adjustText import adjust_text

    texts = [
        ax.text(
            r.longitude,
            r.latitude,
            f"{r.code} {r.requests:,}",
            fontsize=7,
            zorder=5,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
        for r in rows.itertuples()
    ]
    adjust_text(
        texts,
        ax=ax,
        x=rows["longitude"].to_numpy(float),
        y=rows["latitude"].to_numpy(float),
        expand=(1.3, 1.6),
        arrowprops={"arrowstyle": "-", "color": "0.4", "lw": 0.5},
    )


def outcomes(results: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Requests by outcome, cache status and status."""
    ax = _axes(ax)
    table = analysis.outcomes(results)
    if table.empty:
        return _empty(ax, "requests")
    labels = table["outcome"] + " / " + table["cache"] + " / " + table["status"].map(status_text)
    ax.barh(labels.iloc[::-1], table["requests"].iloc[::-1])
    for y, k in enumerate(table["requests"].iloc[::-1]):
        ax.annotate(f" {k:,} ({k / table['requests'].sum():.1%})", (k, y), va="center", fontsize=8)
    ax.set_xlim(0, table["requests"].max() * 1.25)
    ax.set_xlabel("requests")
    ax.set_title("Outcome / cache status / status")
    return ax


def _usd(value: float) -> str:
    """Dollars for matplotlib text (``\\$``: a bare ``$`` pair starts mathtext)."""
    return f"\\${value:,.2f}" if abs(value) >= 100 else f"\\${value:.3g}"


def cost_breakdown(
    results: pd.DataFrame, ax: Axes | None = None, *, per_million: bool = False, **options: Any
) -> Axes:
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
    triggers = [
        t
        for t in ("viewer-request", "origin-request", "origin-response", "viewer-response")
        if t in set(rows["trigger"])
    ]
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
    _label_bars(ax, y, req + dur, cff, have)
    ax.set_yticks(y, triggers)
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(np.nanmax(np.r_[req + dur, cff[have], 0])) * 1.3, 1e-12))
    ax.set_xlabel(
        "USD per million viewer requests" if per_million and viewers else "USD for these requests"
    )
    totals = table[table["trigger"] == "total"].set_index("service")["cost"] * scale
    what = "per million viewer requests" if per_million and viewers else "for these requests"
    ax.set_title(
        f"Bill {what}: Lambda@Edge {_usd(totals.get('Lambda@Edge', 0.0))}, "
        f"CloudFront Functions {_usd(totals.get('CloudFront Functions', 0.0))} "
        "(prices UNSURE)",
        fontsize=10,
    )
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def _label_bars(
    ax: Axes, y: np.ndarray, lambda_edge: np.ndarray, cff: np.ndarray, have: np.ndarray
) -> None:
    """Each bar's dollars at its end; a note where CloudFront Functions cannot run."""
    label: dict[str, Any] = {"xytext": (3, 0), "textcoords": "offset points", "va": "center"}
    for yi, total in zip(y, lambda_edge, strict=True):
        ax.annotate(_usd(total), (total, yi - 0.2), fontsize=8, **label)
    for yi, total in zip(y[have], cff[have], strict=True):
        ax.annotate(_usd(total), (total, yi + 0.2), fontsize=8, **label)
    for yi in y[~have]:
        ax.annotate(
            "no CloudFront Functions equivalent (origin event)",
            (0, yi + 0.2),
            fontsize=8,
            color="0.4",
            **label,
        )


def concurrency(
    results: pd.DataFrame, ax: Axes | None = None, *, top: int = 6, **options: Any
) -> Axes:
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
        ax.plot(
            part["time"], part["environments"], marker=".", ms=3, lw=1, color=f"C{i}", label=region
        )
    hot = table[table["throttled"]]
    if not hot.empty:
        ax.scatter(
            hot["time"],
            hot["environments"],
            color="red",
            s=18,
            zorder=3,
            label=f"throttled ({len(hot)} windows)",
        )
    quota = float(table["concurrency_quota"].iloc[0])
    ax.axhline(quota, color="k", ls="--", lw=1)
    ax.annotate(
        f"quota {quota:,.0f} per Region",
        (0.01, quota),
        xycoords=("axes fraction", "data"),
        xytext=(0, 3),
        textcoords="offset points",
        fontsize=8,
    )
    ax.set_yscale("log")
    positive = table["environments"][table["environments"] > 0]
    low = float(positive.min()) if len(positive) else quota / 1e3
    ax.set_ylim(low / 2, max(quota, float(table["environments"].max())) * 3)
    window = float(table["window_s"].iloc[0])
    ax.set_ylabel("execution environments (log scale)")
    ax.set_xlabel(f"time (UTC), {window:g} s windows")
    ax.set_title("Lambda@Edge concurrency per Region: max(rate x duration, rate / 10)", fontsize=10)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


PLOTS = {
    "outcomes": outcomes,
    "ab_split": ab_split,
    "cache_hit_ratio": cache_hit_ratio,
    "cache_by_path": cache_by_path,
    "headroom": headroom,
    "violations": violations,
    "latency": latency,
    "edge_map": edge_map,
    "cost_breakdown": cost_breakdown,
    "concurrency": concurrency,
}
