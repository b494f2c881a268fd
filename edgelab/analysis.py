"""Analysis of replay results: each function takes a DataFrame and returns one.

The input is what :func:`edgelab.replay.replay` returns (one row per request). No
function keeps state beyond its parameters; plots (:mod:`edgelab.plots`) and the
report draw these tables.

* A/B split: :func:`ab_split` (shares with confidence intervals from
  ``scipy.stats.binomtest(...).proportion_ci`` and a ``scipy.stats.chisquare`` test of
  the observed split against the intended weights, overall or by device / country).
* Rewrites: :func:`header_changes`, :func:`uri_rewrites`.
* Limits: :func:`violations`, :func:`headroom`.
* Cache: :func:`cache_over_time`, :func:`cache_by_path`, :func:`origin_savings`.
* Latency: :func:`latency_percentiles`, :func:`edge_traffic`.
* Logs: :func:`behavior_mismatches` (the behaviour CloudFront logged vs edgelab's).
* Cost and capacity (:mod:`edgelab.billing`, :mod:`edgelab.capacity`): :func:`cost`,
  :func:`scale_to`, :func:`capacity`, :func:`capacity_peaks`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from . import billing
from . import capacity as _capacity
from .errors import ConfigError
from .latency import edge_locations
from .rules import RuleSet, get_rules

STAGE_SHORT = {"viewer-request": "vreq", "origin-request": "oreq",
               "origin-response": "oresp", "viewer-response": "vresp"}
DEFAULT_AB_PATTERN = r"/experiment/([^/]+)/"


def _need(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{what} needs the columns {', '.join(columns)} of a replay results "
                          f"frame; missing {', '.join(missing)}")


# -- A/B split -----------------------------------------------------------------------------

def ab_variants(results: pd.DataFrame, *, pattern: str = DEFAULT_AB_PATTERN,
                column: str = "edge_uri") -> pd.Series:
    """The variant of each request, from ``pattern``'s first group in ``column`` (NA when
    the request was not in the test)."""
    _need(results, [column], "ab_variants")
    text = results[column].astype(object).where(results[column].notna(), "").astype(str)
    return text.str.extract(pattern, expand=False).str.upper()


def ab_split(results: pd.DataFrame, *, weights: Mapping[str, float] | None = None,
             by: str | Sequence[str] | None = None, variant: str | None = None,
             pattern: str = DEFAULT_AB_PATTERN, column: str = "edge_uri",
             unit: str = "request", confidence: float = 0.95) -> pd.DataFrame:
    """Share of each variant with a confidence interval, and a test against ``weights``.

    The variant is the column ``variant`` or else extracted with ``pattern`` from
    ``column``. ``by`` splits by device, country ... ``unit="viewer"`` counts each
    client IP once (its first variant), as assignment is per viewer. Returns one row per
    (group, variant): ``requests`` (or viewers), ``share``, ``ci_low``, ``ci_high``
    (Wilson), ``expected`` (the intended share), ``p_value`` of the chi-square test of
    the group's counts against the weights (small: the split is off).
    """
    if unit not in ("request", "viewer"):
        raise ConfigError(f"unit must be 'request' or 'viewer'; got {unit!r}")
    groups = [by] if isinstance(by, str) else list(by or [])
    _need(results, groups, "ab_split")
    var = results[variant] if variant else ab_variants(results, pattern=pattern, column=column)
    frame = results[groups].copy() if groups else pd.DataFrame(index=results.index)
    frame["variant"] = var.astype(object)
    if unit == "viewer":
        _need(results, ["client_ip"], "ab_split(unit='viewer')")
        frame["_viewer"] = results["client_ip"].astype(str)
        frame = frame.dropna(subset=["variant"]).drop_duplicates("_viewer")
    frame = frame.dropna(subset=["variant"])
    names = sorted(weights) if weights else sorted(frame["variant"].unique())
    w = np.array([float((weights or {}).get(n, 1.0)) for n in names])
    if weights and (w <= 0).any():
        raise ConfigError(f"weights must be positive numbers per variant; got {dict(weights)}")
    expected = w / w.sum() if len(w) else w
    rows: list[dict[str, Any]] = []
    grouped = frame.groupby(groups, observed=True, sort=True) if groups else [((), frame)]
    for key, part in grouped:
        key = key if isinstance(key, tuple) else (key,)
        counts = part["variant"].value_counts().reindex(names, fill_value=0).to_numpy()
        total = int(counts.sum())
        if total == 0:
            continue
        p = stats.chisquare(counts, expected * total).pvalue if len(names) > 1 else np.nan
        for name, count, exp in zip(names, counts, expected, strict=True):
            ci = stats.binomtest(int(count), total).proportion_ci(confidence, method="wilson")
            rows.append({**dict(zip(groups, key, strict=True)), "variant": name,
                         "requests": int(count), "total": total, "share": count / total,
                         "ci_low": ci.low, "ci_high": ci.high, "expected": exp,
                         "p_value": float(p)})
    cols = [*groups, "variant", "requests", "total", "share", "ci_low", "ci_high", "expected",
            "p_value"]
    return pd.DataFrame(rows, columns=cols)


# -- rewrites ------------------------------------------------------------------------------

def _changes(results: pd.DataFrame) -> list[tuple[str, dict[str, Any], int]]:
    """(trigger, parsed diff, count) for each distinct diff of each stage."""
    out = []
    for trigger, short in STAGE_SHORT.items():
        col = f"{short}_changes"
        if col not in results:
            continue
        counts = results[col].dropna().astype(str).value_counts()
        for text, count in counts.items():
            if text:
                out.append((trigger, json.loads(text), int(count)))
    return out


def header_changes(results: pd.DataFrame) -> pd.DataFrame:
    """Which headers each trigger added, removed or changed, how often, with an example
    before and after value (one row per trigger, change and header)."""
    agg: dict[tuple[str, str, str], list[Any]] = {}
    for trigger, diff, count in _changes(results):
        for change, items in diff.get("headers", {}).items():
            for name, values in items.items():
                if change == "changed":
                    before, after = values
                elif change == "added":
                    before, after = None, values
                else:
                    before, after = values, None
                slot = agg.setdefault((trigger, change, name), [0, before, after])
                slot[0] += count
    rows = [{"trigger": t, "change": c, "header": h, "count": v[0],
             "example_before": _join(v[1]), "example_after": _join(v[2])}
            for (t, c, h), v in agg.items()]
    frame = pd.DataFrame(rows, columns=["trigger", "change", "header", "count",
                                        "example_before", "example_after"])
    return frame.sort_values(["count", "trigger", "header"], ascending=[False, True, True],
                             kind="stable").reset_index(drop=True)


def _join(values: Any) -> str | None:
    if values is None:
        return None
    return ", ".join(map(str, values)) if isinstance(values, list) else str(values)


def uri_rewrites(results: pd.DataFrame) -> pd.DataFrame:
    """Every uri rewrite as (trigger, from, to, count), most frequent first."""
    counts: dict[tuple[str, str, str], int] = {}
    for trigger, diff, count in _changes(results):
        if "uri" in diff:
            old, new = diff["uri"]
            key = (trigger, str(old), str(new))
            counts[key] = counts.get(key, 0) + count
    frame = pd.DataFrame([{"trigger": t, "from": a, "to": b, "count": c}
                          for (t, a, b), c in counts.items()],
                         columns=["trigger", "from", "to", "count"])
    return frame.sort_values(["count", "from"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)


# -- limits --------------------------------------------------------------------------------

def violations(results: pd.DataFrame) -> pd.DataFrame:
    """Every rule violation by rule and trigger: count, an example message and path."""
    _need(results, ["violation_list"], "violations")
    agg: dict[tuple[str, str], list[Any]] = {}
    counts = results["violation_list"].astype(str).value_counts()
    for text, count in counts.items():
        if not text:
            continue
        for v in json.loads(text):
            slot = agg.setdefault((v["rule"], v["trigger"]), [0, v.get("message"),
                                                              v.get("path"), v.get("section")])
            slot[0] += int(count)
    frame = pd.DataFrame([{"rule": r, "trigger": t, "count": s[0], "example": s[1],
                           "path": s[2], "section": s[3]} for (r, t), s in agg.items()],
                         columns=["rule", "trigger", "count", "example", "path", "section"])
    return frame.sort_values(["count", "rule"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)


_HEADROOM = (("request_bytes", "request-size"), ("uri_qs_len", "uri-querystring-length"),
             ("generated_bytes", "generated-response-size"))


def headroom(results: pd.DataFrame, rules: RuleSet | str | None = None) -> pd.DataFrame:
    """How close passing stages came to each size limit: one row per (request, stage,
    limit) with ``actual``, ``limit``, ``used`` (actual / limit) and ``headroom``
    (1 - used)."""
    ruleset = rules if isinstance(rules, RuleSet) else get_rules(rules)
    parts = []
    for trigger, short in STAGE_SHORT.items():
        for suffix, rule in _HEADROOM:
            col = f"{short}_{suffix}"
            limit = ruleset.limit(rule, trigger)
            if col not in results or limit is None:
                continue
            actual = pd.to_numeric(results[col], errors="coerce").dropna()
            if actual.empty:
                continue
            used = actual.to_numpy(float) / float(limit)
            parts.append(pd.DataFrame({"trigger": trigger, "rule": rule,
                                       "actual": actual.to_numpy(float), "limit": float(limit),
                                       "used": used, "headroom": 1 - used}))
    if not parts:
        return pd.DataFrame(columns=["trigger", "rule", "actual", "limit", "used", "headroom"])
    return pd.concat(parts, ignore_index=True)


def headroom_summary(results: pd.DataFrame, rules: RuleSet | str | None = None
                     ) -> pd.DataFrame:
    """:func:`headroom` per (trigger, rule): count, largest actual, limit, least headroom."""
    h = headroom(results, rules)
    g = h.groupby(["trigger", "rule"], sort=True)
    return pd.DataFrame({"count": g.size(), "max_actual": g["actual"].max(),
                         "limit": g["limit"].first(), "min_headroom": g["headroom"].min(),
                         "median_headroom": g["headroom"].median()}).reset_index()


# -- cache ---------------------------------------------------------------------------------

def _hits(results: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    _need(results, ["cache"], "cache analysis")
    cache = results["cache"].astype(str).to_numpy()
    return cache == "Hit", np.isin(cache, ["Hit", "Miss"])


def cache_over_time(results: pd.DataFrame, freq: str = "1min") -> pd.DataFrame:
    """Per time bin: requests, hits, misses, and the hit ratio of Hit / (Hit + Miss)."""
    _need(results, ["time"], "cache_over_time")
    hit, counted = _hits(results)
    frame = pd.DataFrame({"time": pd.to_datetime(results["time"], utc=True),
                          "requests": 1, "hits": hit.astype(int),
                          "misses": (counted & ~hit).astype(int)})
    out = frame.set_index("time").resample(freq).sum()
    out["hit_ratio"] = out["hits"] / (out["hits"] + out["misses"]).replace(0, np.nan)
    return out.reset_index()


def cache_by_path(results: pd.DataFrame, *, top: int = 20, column: str = "uri"
                  ) -> pd.DataFrame:
    """The ``top`` paths by requests: requests, hits, misses, hit ratio."""
    _need(results, [column], "cache_by_path")
    hit, counted = _hits(results)
    frame = pd.DataFrame({"path": results[column].astype(str).to_numpy(), "requests": 1,
                          "hits": hit.astype(int), "misses": (counted & ~hit).astype(int)})
    out = frame.groupby("path", sort=False).sum()
    out["hit_ratio"] = out["hits"] / (out["hits"] + out["misses"]).replace(0, np.nan)
    return out.sort_values(["requests", "hits"], ascending=False, kind="stable") \
        .head(top).reset_index()


def origin_savings(results: pd.DataFrame) -> pd.DataFrame:
    """One row: requests, origin requests (those that reached the origin), saved (served
    from the cache or generated at the edge) and the share saved."""
    n = len(results)
    if "origin_status" in results:
        reached = int(results["origin_status"].notna().sum())
    else:
        reached = int((results["cache"].astype(str) == "Miss").sum())
    return pd.DataFrame([{"requests": n, "origin_requests": reached, "saved": n - reached,
                          "saved_share": (n - reached) / n if n else np.nan}])


# -- outcomes and latency ------------------------------------------------------------------

def outcomes(results: pd.DataFrame) -> pd.DataFrame:
    """Requests by outcome, cache status and final status."""
    _need(results, ["outcome", "cache", "status"], "outcomes")
    frame = results[["outcome", "cache", "status"]].astype(str)
    return frame.value_counts().rename("requests").reset_index()


def latency_percentiles(results: pd.DataFrame, by: str | Sequence[str] = "country",
                        q: Sequence[float] = (0.5, 0.9, 0.99),
                        column: str = "latency_ms") -> pd.DataFrame:
    """Percentiles of the estimated latency (ms) per group, with the request count."""
    groups = [by] if isinstance(by, str) else list(by)
    _need(results, [*groups, column], "latency_percentiles")
    frame = results[groups].astype(str).copy()
    frame["value"] = pd.to_numeric(results[column], errors="coerce")
    g = frame.groupby(groups, sort=True)["value"]
    out = g.quantile(list(q)).unstack()
    out.columns = [f"p{round(x * 100):g}" for x in q]
    out.insert(0, "requests", g.size())
    return out.reset_index().sort_values("requests", ascending=False,
                                         kind="stable").reset_index(drop=True)


def edge_traffic(results: pd.DataFrame) -> pd.DataFrame:
    """Requests per edge location (IATA code), with its city and coordinates."""
    _need(results, ["edge_location"], "edge_traffic")
    code = results["edge_location"].astype(str).str[:3].str.upper()
    counts = code.value_counts().rename("requests").rename_axis("code").reset_index()
    table = edge_locations()[["code", "city", "country", "latitude", "longitude"]]
    return counts.merge(table, on="code", how="left")


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """A few headline numbers as (metric, value) rows."""
    n = len(results)
    hit, counted = _hits(results)
    saved = origin_savings(results).iloc[0]
    lat = pd.to_numeric(results.get("latency_ms", pd.Series(dtype=float)), errors="coerce")
    rows = [("requests", n),
            ("errors", int(results["outcome"].astype(str).isin(
                ["error", "origin-error", "replay-error"]).sum())),
            ("generated at the edge", int((results["outcome"].astype(str) == "generated").sum())),
            ("cache hit ratio", round(hit.sum() / counted.sum(), 4) if counted.sum() else None),
            ("origin requests saved", round(float(saved["saved_share"]), 4) if n else None),
            ("violations", int(results.get("violations", pd.Series(dtype=int)).sum())),
            ("cold starts", int(results.get("cold_starts", pd.Series(dtype=int)).sum())),
            ("median latency ms (estimate)", round(float(lat.median()), 1) if n else None),
            ("p99 latency ms (estimate)", round(float(lat.quantile(0.99)), 1) if n else None)]
    return pd.DataFrame({"metric": [r[0] for r in rows],
                         "value": pd.Series([r[1] for r in rows], dtype=object)})


# -- logs ----------------------------------------------------------------------------------

DEFAULT_BEHAVIOR = "*"
_DEFAULT_SPELLINGS = frozenset({"*", "default (*)", "default", "defaultcachebehavior", ""})


def _behavior(values: pd.Series) -> pd.Series:
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return text.where(~text.str.lower().isin(_DEFAULT_SPELLINGS), DEFAULT_BEHAVIOR)


def behavior_mismatches(frame: pd.DataFrame, *, logged: str = "log_behavior",
                        chosen: str = "behavior", example: str = "uri") -> pd.DataFrame:
    """Requests whose logged cache behaviour (``cache-behavior-path-pattern``, facts logs
    §2/§3) differs from the one edgelab chose: one row per (logged, chosen) pair with
    ``requests``, ``share`` of all compared requests and an ``example`` uri, most frequent
    first. The default behaviour is ``*`` whichever way it is spelled (``*``,
    ``Default (*)``, ``default``, empty). Rows without a logged pattern are not compared.
    """
    _need(frame, [logged, chosen], "behavior_mismatches")
    log = _behavior(frame[logged])
    has = frame[logged].notna().to_numpy() & (frame[logged].astype(str) != "").to_numpy()
    ours = _behavior(frame[chosen])
    differ = has & (log != ours).to_numpy()
    compared = int(has.sum())
    cols = ["logged", "chosen", "requests", "share", "example"]
    if not differ.any():
        return pd.DataFrame(columns=cols)
    ex = frame[example].astype(str) if example in frame else pd.Series("", index=frame.index)
    table = pd.DataFrame({"logged": log[differ].to_numpy(), "chosen": ours[differ].to_numpy(),
                          "example": ex[differ].to_numpy()})
    out = table.groupby(["logged", "chosen"], sort=False).agg(
        requests=("example", "size"), example=("example", "first")).reset_index()
    out["share"] = out["requests"] / compared
    return out.sort_values("requests", ascending=False, kind="stable") \
        .reset_index(drop=True)[cols]


# -- cost and capacity (prices and quotas as data: edgelab.billing, edgelab.capacity) ----

cost = billing.cost
scale_to = billing.scale_to
capacity = _capacity.capacity
capacity_peaks = _capacity.capacity_peaks
