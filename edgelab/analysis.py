"""Analysis of replay results: each function takes a DataFrame and returns one.

The input is what :func:`edgelab.frames.replay.replay` returns (one row per request). No
function keeps state beyond its parameters; plots (:mod:`edgelab.plots`) and the
report draw these tables.

* A/B split: :func:`ab_split` (shares with confidence intervals from
  ``scipy.stats.binomtest(...).proportion_ci`` and a ``scipy.stats.chisquare`` test of
  the observed split against the intended weights, overall or by device / country).
* Rewrites: :func:`header_changes`, :func:`uri_rewrites`.
* Limits: :func:`violations`, :func:`headroom`, :func:`headroom_summary`.
* Cache: :func:`cache_over_time`, :func:`cache_by_path`, :func:`cache_by_edge`,
  :func:`cache_by_behavior` (which cache tier answered, per behaviour),
  :func:`cache_by_deployment` (the same per deployment: primary or staging),
  :func:`origin_savings`; the hit ratio is ``Hit / (Hit + Miss)`` over cacheable
  responses only (:data:`HIT_RATIO_DEFINITION`).
* What happened: :func:`summary` (served, generated, function errors by type, origin
  4xx/5xx, CloudFront errors, with percentages), :func:`outcomes`,
  :func:`status_explained` (each status with where it came from and what it means).
* Latency: :func:`latency_percentiles`, :func:`edge_traffic`, :func:`time_span`.
* Logs: :func:`behavior_mismatches` (the behaviour CloudFront logged vs edgelab's).
* Cost and capacity (:mod:`edgelab.frames.billing`, :mod:`edgelab.frames.capacity`): :func:`cost`,
  :func:`scale_to`, :func:`capacity`, :func:`capacity_peaks`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import numpy as np
import pandas as pd

from .edge.diff import changes
from .errors import ConfigError, InputError
from .frames import billing
from .frames import capacity as _capacity
from .frames.latency import edge_locations
from .rules.tables import RuleSet, get_rules
from .triggers import TRIGGERS, Trigger

DEFAULT_AB_PATTERN = r"/experiment/([^/]+)/"
UNITS = {"viewer": "viewers", "request": "requests"}


def _need(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{what} needs the columns {', '.join(columns)} of a replay results "
            f"frame; missing {', '.join(missing)}"
        )


# -- A/B split -----------------------------------------------------------------------------


def ab_variants(
    results: pd.DataFrame, *, pattern: str = DEFAULT_AB_PATTERN, column: str = "edge_uri"
) -> pd.Series:
    """The variant of each request, from ``pattern``'s first group in ``column`` (NA when
    the request was not in the test)."""
    _need(results, [column], "ab_variants")
    text = results[column].astype(object).where(results[column].notna(), "").astype(str)
    return text.str.extract(pattern, expand=False).str.upper()


def has_ab_test(
    results: pd.DataFrame, *, pattern: str = DEFAULT_AB_PATTERN, column: str = "edge_uri"
) -> bool:
    """True when some request was assigned a variant (the report shows its A/B section
    only then)."""
    if column not in results.columns or results.empty:
        return False
    return bool(ab_variants(results, pattern=pattern, column=column).notna().any())


def ab_split(
    results: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    by: str | Sequence[str] | None = None,
    variant: str | None = None,
    pattern: str = DEFAULT_AB_PATTERN,
    column: str = "edge_uri",
    unit: str = "viewer",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of each variant with a confidence interval, and a test against ``weights``.

    The variant is the column ``variant`` or else extracted with ``pattern`` from
    ``column``. ``by`` splits by device, country ... ``unit="viewer"`` (the default)
    counts each client IP once (its first variant), as assignment is per viewer;
    ``unit="request"`` counts every request. Returns one row per (group, variant):
    the count, named after the unit (``viewers`` or ``requests``), ``total``, ``share``,
    ``ci_low``, ``ci_high`` (Wilson), ``expected`` (the intended share), ``p_value`` of
    the chi-square test of the group's counts against the weights (small: the split is
    off).
    """
    if unit not in UNITS:
        raise ConfigError(f"unit must be 'request' or 'viewer'; got {unit!r}")
    counted = UNITS[unit]
    groups = [by] if isinstance(by, str) else list(by or [])
    _need(results, groups, "ab_split")
    var = results[variant] if variant else ab_variants(results, pattern=pattern, column=column)
    frame = _assignments(results, groups, var, unit)
    names, expected = _intended_shares(frame, weights)
    rows: list[dict[str, Any]] = []
    grouped = frame.groupby(groups, observed=True, sort=True) if groups else [((), frame)]
    for key, part in grouped:
        key = key if isinstance(key, tuple) else (key,)
        labels = dict(zip(groups, key, strict=True))
        rows += _split_rows(part, names, expected, labels, counted, confidence)
    cols = [
        *groups,
        "variant",
        counted,
        "total",
        "share",
        "ci_low",
        "ci_high",
        "expected",
        "p_value",
    ]
    return pd.DataFrame(rows, columns=cols)


def _assignments(
    results: pd.DataFrame, groups: list[str], variant: pd.Series, unit: str
) -> pd.DataFrame:
    """The ``groups`` columns and the ``variant`` of each request in the test, or with
    ``unit="viewer"`` of each viewer (client IP), as first assigned."""
    frame = results[groups].copy() if groups else pd.DataFrame(index=results.index)
    frame["variant"] = variant.astype(object)
    if unit == "viewer":
        _need(results, ["client_ip"], "ab_split(unit='viewer')")
        frame["_viewer"] = results["client_ip"].astype(str)
        frame = frame.dropna(subset=["variant"]).drop_duplicates("_viewer")
    return frame.dropna(subset=["variant"])


def _intended_shares(
    frame: pd.DataFrame, weights: Mapping[str, float] | None
) -> tuple[list[str], np.ndarray]:
    """The variants (those of ``weights``, else those seen) and their intended shares
    (equal without weights)."""
    names = sorted(weights) if weights else sorted(frame["variant"].unique())
    w = np.array([float((weights or {}).get(n, 1.0)) for n in names])
    if weights and (w <= 0).any():
        raise ConfigError(f"weights must be positive numbers per variant; got {dict(weights)}")
    return names, w / w.sum() if len(w) else w


def _split_rows(
    part: pd.DataFrame,
    names: list[str],
    expected: np.ndarray,
    labels: dict[str, Any],
    counted: str,
    confidence: float,
) -> list[dict[str, Any]]:
    """One group's rows of :func:`ab_split` (none when it has no one in the test): each
    variant's count, share and Wilson interval, and the chi-square test of the group."""
    # imported here, not at the top: every `edgelab replay` imports this module for its
    # closing counts, and importing scipy.stats took 0.7 s of CPU
    from scipy import stats

    counts = part["variant"].value_counts().reindex(names, fill_value=0).to_numpy()
    total = int(counts.sum())
    if total == 0:
        return []
    p = stats.chisquare(counts, expected * total).pvalue if len(names) > 1 else np.nan
    rows = []
    for name, count, exp in zip(names, counts, expected, strict=True):
        ci = stats.binomtest(int(count), total).proportion_ci(confidence, method="wilson")
        rows.append(
            {
                **labels,
                "variant": name,
                counted: int(count),
                "total": total,
                "share": float(count / total),
                "ci_low": float(ci.low),
                "ci_high": float(ci.high),
                "expected": float(exp),
                "p_value": float(p),
            }
        )
    return rows


# -- rewrites ------------------------------------------------------------------------------


def _changes(results: pd.DataFrame) -> list[tuple[str, dict[str, Any], int]]:
    """(trigger, parsed diff, count) for each distinct diff of each stage."""
    out = []
    for trigger, short in ((t.value, t.prefix) for t in TRIGGERS):
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
        for c in changes(diff):
            if c.header and c.kind != "generated":
                slot = agg.setdefault((trigger, c.kind, c.name), [0, c.before, c.after])
                slot[0] += count
    rows = [
        {
            "trigger": t,
            "change": c,
            "header": h,
            "count": v[0],
            "example_before": _join(v[1]),
            "example_after": _join(v[2]),
        }
        for (t, c, h), v in agg.items()
    ]
    frame = pd.DataFrame(
        rows, columns=["trigger", "change", "header", "count", "example_before", "example_after"]
    )
    return frame.sort_values(
        ["count", "trigger", "header"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)


def _join(values: Any) -> str | None:
    if values is None:
        return None
    return ", ".join(map(str, values)) if isinstance(values, list) else str(values)


def uri_rewrites(results: pd.DataFrame) -> pd.DataFrame:
    """Every uri rewrite as (trigger, from, to, count), most frequent first."""
    counts: dict[tuple[str, str, str], int] = {}
    for trigger, diff, count in _changes(results):
        for c in changes(diff):
            if c.name == "uri" and not c.header and c.kind == "changed":
                key = (trigger, str(c.before), str(c.after))
                counts[key] = counts.get(key, 0) + count
    frame = pd.DataFrame(
        [{"trigger": t, "from": a, "to": b, "count": c} for (t, a, b), c in counts.items()],
        columns=["trigger", "from", "to", "count"],
    )
    return frame.sort_values(["count", "from"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


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
            slot = agg.setdefault(
                (v["rule"], v["trigger"]), [0, v.get("message"), v.get("path"), v.get("section")]
            )
            slot[0] += int(count)
    frame = pd.DataFrame(
        [
            {"rule": r, "trigger": t, "count": s[0], "example": s[1], "path": s[2], "section": s[3]}
            for (r, t), s in agg.items()
        ],
        columns=["rule", "trigger", "count", "example", "path", "section"],
    )
    return frame.sort_values(["count", "rule"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


_HEADROOM = (
    ("request_bytes", "request-size"),
    ("uri_qs_len", "uri-querystring-length"),
    ("generated_bytes", "generated-response-size"),
)
_HEADROOM_COLUMNS = ["trigger", "rule", "unit", "actual", "limit", "used", "headroom"]


def headroom(results: pd.DataFrame, rules: RuleSet | str | None = None) -> pd.DataFrame:
    """How close passing stages came to each size limit: one row per (request, stage,
    limit) with ``unit`` (``bytes`` or ``chars``), ``actual``, ``limit``, ``used``
    (actual / limit) and ``headroom`` (1 - used)."""
    ruleset = rules if isinstance(rules, RuleSet) else get_rules(rules)
    parts = []
    for trigger, short in ((t.value, t.prefix) for t in TRIGGERS):
        for suffix, rule in _HEADROOM:
            col = f"{short}_{suffix}"
            limit = ruleset.limit(rule, trigger)
            if col not in results or limit is None:
                continue
            actual = pd.to_numeric(results[col], errors="coerce").dropna()
            if actual.empty:
                continue
            used = actual.to_numpy(float) / float(limit)
            unit = ruleset.limits[(rule, Trigger.parse(trigger))].unit
            parts.append(
                pd.DataFrame(
                    {
                        "trigger": trigger,
                        "rule": rule,
                        "unit": unit,
                        "actual": actual.to_numpy(float),
                        "limit": float(limit),
                        "used": used,
                        "headroom": 1 - used,
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=_HEADROOM_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def headroom_summary(results: pd.DataFrame, rules: RuleSet | str | None = None) -> pd.DataFrame:
    """:func:`headroom` per (trigger, rule): ``count`` of stage runs, ``unit``, the
    largest and the 99th-percentile size (``max_actual``, ``p99_actual``), the
    ``limit``, the share of the limit they use (``max_used``, ``p99_used``) and the
    least headroom left (``min_headroom`` = 1 - max_used)."""
    h = headroom(results, rules)
    cols = [
        "trigger",
        "rule",
        "unit",
        "count",
        "max_actual",
        "p99_actual",
        "limit",
        "max_used",
        "p99_used",
        "min_headroom",
    ]
    if h.empty:
        return pd.DataFrame(columns=cols)
    g = h.groupby(["trigger", "rule"], sort=True)
    out = pd.DataFrame(
        {
            "unit": g["unit"].first(),
            "count": g.size(),
            "max_actual": g["actual"].max(),
            "p99_actual": g["actual"].quantile(0.99),
            "limit": g["limit"].first(),
            "max_used": g["used"].max(),
            "p99_used": g["used"].quantile(0.99),
        }
    ).reset_index()
    out["min_headroom"] = 1 - out["max_used"]
    return out[cols]


# -- cache ---------------------------------------------------------------------------------

CACHED_METHODS = ("GET", "HEAD")
HIT_RATIO_DEFINITION = (
    "cache hit ratio = hits / (hits + misses), counting only responses CloudFront could "
    "cache: GET and HEAD requests answered below status 400 from the cache (Hit, at the "
    "edge location or the regional edge cache, or RefreshHit: an expired object the origin "
    "confirmed with a 304) or via the origin (Miss). Responses generated by a function, "
    "errors and other methods are left out."
)
HITS = ("Hit", "RefreshHit")
ORIGIN_SAVED_DEFINITION = (
    "origin requests saved: without CloudFront every request would reach the origin; "
    "these never did, because the cache or a function answered them."
)


def status_codes(results: pd.DataFrame, column: str = "status") -> pd.Series:
    """A status column as nullable integers (``Int64``), whatever it was stored as
    (int, float with NaN, text)."""
    return pd.to_numeric(results[column], errors="coerce").round().astype("Int64")


def cacheable(results: pd.DataFrame) -> np.ndarray:
    """Rows that count in the hit ratio: Hit or Miss, status below 400, a cached method
    (GET, HEAD) when the frame has a ``method`` column."""
    _need(results, ["cache"], "cache analysis")
    cache = results["cache"].astype(str).to_numpy()
    ok = np.isin(cache, [*HITS, "Miss"])
    if "status" in results:
        ok &= (status_codes(results).fillna(0) < 400).to_numpy(bool)
    if "method" in results:
        ok &= results["method"].astype(str).str.upper().isin(CACHED_METHODS).to_numpy(bool)
    return ok


def _hits(results: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    counted = cacheable(results)
    return counted & np.isin(results["cache"].astype(str).to_numpy(), HITS), counted


def hit_ratio(results: pd.DataFrame) -> float | None:
    """The cache hit ratio as :data:`HIT_RATIO_DEFINITION` says (None with nothing to
    count)."""
    hit, counted = _hits(results)
    return float(hit.sum() / counted.sum()) if counted.sum() else None


def cache_over_time(results: pd.DataFrame, freq: str = "1min") -> pd.DataFrame:
    """Per time bin: requests, hits, misses, and the hit ratio (hits / (hits + misses)
    over cacheable responses, :data:`HIT_RATIO_DEFINITION`)."""
    _need(results, ["time"], "cache_over_time")
    hit, counted = _hits(results)
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(results["time"], utc=True),
            "requests": 1,
            "hits": hit.astype(int),
            "misses": (counted & ~hit).astype(int),
        }
    )
    out = frame.set_index("time").resample(freq).sum()
    out["hit_ratio"] = out["hits"] / (out["hits"] + out["misses"]).replace(0, np.nan)
    return out.reset_index()


def cache_by_path(results: pd.DataFrame, *, top: int = 20, column: str = "uri") -> pd.DataFrame:
    """The ``top`` paths by requests: requests, hits, misses (cacheable responses only),
    hit ratio."""
    _need(results, [column], "cache_by_path")
    hit, counted = _hits(results)
    frame = pd.DataFrame(
        {
            "path": results[column].astype(str).to_numpy(),
            "requests": 1,
            "hits": hit.astype(int),
            "misses": (counted & ~hit).astype(int),
        }
    )
    out = frame.groupby("path", sort=False).sum()
    out["hit_ratio"] = out["hits"] / (out["hits"] + out["misses"]).replace(0, np.nan)
    return (
        out.sort_values(["requests", "hits"], ascending=False, kind="stable")
        .head(top)
        .reset_index()
    )


def cache_by_edge(results: pd.DataFrame, *, column: str = "edge_uri") -> pd.DataFrame:
    """Per edge location (IATA code): requests, hits, misses, hit ratio and
    ``hits_filled_elsewhere``, the hits on a path this edge location never fetched from
    the origin itself before (another edge location's miss filled the cache).

    The replay keeps a cache per edge location and per regional edge cache, as
    CloudFront does (facts §8): a hit an edge location did not fill itself came from its
    regional edge cache, which a neighbour's miss filled. With a ``cache_tier`` column the
    table also counts ``regional_hits``. (Results of a replay with one shared cache, from
    edgelab before its two tiers, show here how much of a hit ratio was borrowed.)
    """
    _need(results, ["edge_location", "time"], "cache_by_edge")
    key_col = column if column in results else "uri"
    _need(results, [key_col], "cache_by_edge")
    hit, counted = _hits(results)
    frame = pd.DataFrame(
        {
            "code": results["edge_location"].astype(str).str[:3].str.upper().to_numpy(),
            "key": results[key_col].astype(str).to_numpy(),
            "time": pd.to_datetime(results["time"], utc=True).to_numpy(),
            "order": np.arange(len(results)),
            "hit": hit,
            "miss": counted & ~hit,
        }
    )
    frame = frame.sort_values(["time", "order"], kind="stable")
    first_miss = frame[frame["miss"]].groupby(["code", "key"])["order"].first().rename("first_miss")
    rank = pd.Series(np.arange(len(frame)), index=frame["order"].to_numpy())
    hits = frame[frame["hit"]].join(first_miss, on=["code", "key"])
    fetched_here = hits["first_miss"].notna() & (
        rank.reindex(hits["first_miss"].fillna(-1).astype(int)).to_numpy()
        < rank.reindex(hits["order"]).to_numpy()
    )
    hits = hits.assign(elsewhere=~fetched_here.to_numpy())
    g = frame.groupby("code", sort=False)
    out = pd.DataFrame({"requests": g.size(), "hits": g["hit"].sum(), "misses": g["miss"].sum()})
    out["hit_ratio"] = out["hits"] / (out["hits"] + out["misses"]).replace(0, np.nan)
    out["hits_filled_elsewhere"] = (
        hits.groupby("code")["elsewhere"].sum().reindex(out.index, fill_value=0).astype(int)
    )
    if "cache_tier" in results:
        regional = pd.Series(
            hit & (results["cache_tier"].astype(str).to_numpy() == "regional"),
            index=frame.index,
        )
        out["regional_hits"] = (
            regional.groupby(frame["code"]).sum().reindex(out.index, fill_value=0).astype(int)
        )
    out = out.astype({"hits": int, "misses": int})
    return (
        out.sort_values("requests", ascending=False, kind="stable")
        .rename_axis("code")
        .reset_index()
    )


def cache_by_behavior(results: pd.DataFrame) -> pd.DataFrame:
    """Per cache behaviour (its path pattern, in the order of first appearance):
    requests, ``edge_hits`` and ``regional_hits`` (which cache tier answered), misses,
    the hit ratio (:data:`HIT_RATIO_DEFINITION`), ``origin_requests`` (requests that
    reached an origin), ``generated`` (by a function), ``refused`` (answered by
    CloudFront at the edge: a redirect to HTTPS, a protocol or method refused),
    ``errors`` (final status 400 or more), ``failovers`` (requests an origin group's
    secondary answered after the primary failed, facts §2) and ``error_pages`` (requests
    answered with a custom error page, facts §6)."""
    return _cache_by(results, "behavior", "cache_by_behavior")


def cache_by_deployment(results: pd.DataFrame) -> pd.DataFrame:
    """:func:`cache_by_behavior`'s table per deployment (``primary``, ``staging``: which
    distribution served the request under continuous deployment, facts §9), so a staging
    copy's hit ratio, origin load and errors read beside the primary's."""
    return _cache_by(results, "deployment", "cache_by_deployment")


def _cache_by(results: pd.DataFrame, column: str, what: str) -> pd.DataFrame:
    _need(results, [column, "cache", "status"], what)
    hit, counted = _hits(results)
    tier = (
        results["cache_tier"].astype(str).to_numpy()
        if "cache_tier" in results
        else np.full(len(results), "", dtype=object)
    )
    outcome = results["outcome"].astype(str).to_numpy() if "outcome" in results else tier
    reached = (
        results["origin_status"].notna().to_numpy()
        if "origin_status" in results
        else tier == "origin"
    )
    frame = pd.DataFrame(
        {
            column: results[column].astype(str).to_numpy(),
            "requests": 1,
            "edge_hits": (hit & (tier == "edge")).astype(int),
            "regional_hits": (hit & (tier == "regional")).astype(int),
            "misses": (counted & ~hit).astype(int),
            "origin_requests": np.asarray(reached, dtype=bool).astype(int),
            "generated": (outcome == "generated").astype(int),
            "refused": (outcome == "refused").astype(int),
            "errors": (status_codes(results).fillna(0).to_numpy(int) >= 400).astype(int),
            "failovers": _flags(results, "failover"),
            "error_pages": _flags(results, "error_page"),
        }
    )
    out = frame.groupby(column, sort=False).sum()
    hits = out["edge_hits"] + out["regional_hits"]
    out.insert(4, "hit_ratio", hits / (hits + out["misses"]).replace(0, np.nan))
    return out.reset_index()


def _flags(results: pd.DataFrame, column: str) -> np.ndarray:
    """1 where ``column`` is set (True, or a value), 0 elsewhere or without the column."""
    if column not in results:
        return np.zeros(len(results), dtype=int)
    values = results[column].astype(object)
    present = values.notna().to_numpy() & (values.astype(str).to_numpy() != "")
    truthy = np.array([bool(v) for v in values.where(values.notna(), False)], dtype=bool)
    return (present & truthy).astype(int)


def failovers(results: pd.DataFrame) -> pd.DataFrame:
    """Origin group failovers (facts §2) per behaviour and reason (the primary's status,
    ``unreachable`` or ``timeout``), with the origin that answered in the end: one row
    per (behaviour, reason, origin_id) with its ``requests``; empty without failovers."""
    _need(results, ["behavior", "failover", "failover_reason", "origin_id"], "failovers")
    hit = results[_flags(results, "failover").astype(bool)]
    frame = pd.DataFrame(
        {
            "behavior": hit["behavior"].astype(str).to_numpy(),
            "reason": hit["failover_reason"].astype(str).to_numpy(),
            "origin_id": hit["origin_id"].astype(str).to_numpy(),
        }
    )
    out = frame.groupby(["behavior", "reason", "origin_id"], sort=False).size()
    return out.rename("requests").reset_index()


def origin_savings(results: pd.DataFrame) -> pd.DataFrame:
    """One row: requests, origin requests (those that reached the origin), saved (served
    from the cache or generated at the edge, :data:`ORIGIN_SAVED_DEFINITION`) and the
    share saved."""
    n = len(results)
    if "origin_status" in results:
        reached = int(results["origin_status"].notna().sum())
    else:
        reached = int((results["cache"].astype(str) == "Miss").sum())
    return pd.DataFrame(
        [
            {
                "requests": n,
                "origin_requests": reached,
                "saved": n - reached,
                "saved_share": (n - reached) / n if n else np.nan,
            }
        ]
    )


# -- what happened -------------------------------------------------------------------------

FUNCTION_ERRORS = {
    "LambdaValidationError": 502,
    "LambdaExecutionError": 500,
    "LambdaLimitExceeded": 503,
}
CATEGORIES = (
    "served from the cache",
    "served via the origin",
    "generated by a function",
    "origin 4xx",
    "origin 5xx",
    "function error",
    "CloudFront error",
    "answered by CloudFront",
    "replay error",
    "input error",
)


def categories(results: pd.DataFrame) -> pd.Series:
    """What became of each request, one of :data:`CATEGORIES`: served (cache Hit or via
    the origin, status below 400), generated by a function, an origin's 4xx or 5xx
    (fresh or from the cache), a function error (502/500/503, the function's fault), a
    CloudFront error (the origin could not be reached: 502/504), answered by CloudFront
    (its viewer protocol policy or allowed methods: a redirect to HTTPS or a 403), a
    replay error, or an input error (a log line or traffic row that could not be
    replayed: never counted as served or blamed on a function)."""
    _need(results, ["outcome", "cache", "status"], "categories")
    outcome = results["outcome"].astype(str).to_numpy()
    cache = results["cache"].astype(str).to_numpy()
    status = status_codes(results).fillna(0).to_numpy(int)
    choices = [
        outcome == "input-error",
        outcome == "replay-error",
        outcome == "refused",
        outcome == "origin-error",
        outcome == "error",
        outcome == "generated",
        status >= 500,
        status >= 400,
        np.isin(cache, HITS),
    ]
    names = [
        "input error",
        "replay error",
        "answered by CloudFront",
        "CloudFront error",
        "function error",
        "generated by a function",
        "origin 5xx",
        "origin 4xx",
        "served from the cache",
    ]
    return pd.Series(
        np.select(choices, names, default="served via the origin"),
        index=results.index,
        name="category",
    )


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """Headline numbers as (``metric``, ``value``, ``percent``) rows: ``percent`` is the
    share of all requests (or the ratio itself) in percent, NA where it means nothing.

    What became of the requests (each in exactly one row: served from the cache, served
    via the origin, generated by a function, origin 4xx, origin 5xx, function errors with
    one row per error type, CloudFront errors, replay errors, input errors; rows that
    are 0 and never expected are left out), then the cache hit ratio (:data:`HIT_RATIO_DEFINITION`),
    origin requests saved (:data:`ORIGIN_SAVED_DEFINITION`), violations, cold starts and
    the latency estimate.
    """
    n = len(results)
    rows = [
        ("requests", n, 100.0 if n else None),
        *OutcomeTally.of(results).category_rows(),
        *_cache_rows(results),
        *_run_rows(results),
    ]
    return pd.DataFrame(
        {
            "metric": [r[0] for r in rows],
            "value": pd.Series([r[1] for r in rows], dtype=object),
            "percent": pd.Series([r[2] for r in rows], dtype="Float64"),
        }
    )


#: one row of :func:`summary`: metric, value, percent
_SummaryRow = tuple[str, Any, float | None]


def _percent(k: float, n: int) -> float | None:
    return round(100 * k / n, 1) if n else None


@dataclass
class OutcomeTally:
    """What :func:`summary` counts of the requests' outcomes, in a form that adds up:
    the tallies of the pieces of a results file sum to the tally of the whole (``edgelab
    replay`` counts a streamed replay's results piece by piece, so its closing summary
    never holds every row)."""

    requests: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    function_errors: Counter[str] = field(default_factory=Counter)
    hits: int = 0
    cacheable: int = 0

    @classmethod
    def of(cls, results: pd.DataFrame) -> OutcomeTally:
        if not len(results):
            return cls()
        cat = categories(results)
        errors: Counter[str] = Counter()
        if "error_type" in results:
            failed = results.loc[cat == "function error", "error_type"].astype(str)
            errors.update(failed.value_counts().to_dict())
        hit, counted = _hits(results)
        return cls(
            len(results),
            Counter(cat.value_counts().to_dict()),
            errors,
            int(hit.sum()),
            int(counted.sum()),
        )

    def __add__(self, other: OutcomeTally) -> OutcomeTally:
        return OutcomeTally(
            self.requests + other.requests,
            self.categories + other.categories,
            self.function_errors + other.function_errors,
            self.hits + other.hits,
            self.cacheable + other.cacheable,
        )

    @property
    def hit_ratio(self) -> float | None:
        """:data:`HIT_RATIO_DEFINITION` (None with nothing to count)."""
        return self.hits / self.cacheable if self.cacheable else None

    def category_rows(self) -> list[_SummaryRow]:
        """How many requests fell in each of :data:`CATEGORIES` (function errors also per
        error type); the rare categories only when some request is in them."""
        n, rows = self.requests, []
        for name in CATEGORIES:
            k = int(self.categories.get(name, 0))
            if k == 0 and name in ("replay error", "input error", "answered by CloudFront"):
                continue
            rows.append((name + ("s" if name.endswith("error") else ""), k, _percent(k, n)))
            if name == "function error" and k:
                for etype, c in self.function_errors.most_common():
                    code = FUNCTION_ERRORS.get(etype)
                    label = f"  {etype}" + (f" ({code})" if code else "")
                    rows.append((label, int(c), _percent(int(c), n)))
        return rows


def _cache_rows(results: pd.DataFrame) -> list[_SummaryRow]:
    """The hit ratio and the origin requests saved."""
    n = len(results)
    ratio = hit_ratio(results) if n else None
    saved = origin_savings(results).iloc[0]
    return [
        (
            "cache hit ratio",
            None if ratio is None else round(ratio, 4),
            None if ratio is None else round(100 * ratio, 1),
        ),
        (
            "origin requests saved",
            int(saved["saved"]),
            round(100 * float(saved["saved_share"]), 1) if n else None,
        ),
    ]


def _run_rows(results: pd.DataFrame) -> list[_SummaryRow]:
    """Violations, cold starts and the latency estimate (when the frame has one)."""
    rows: list[_SummaryRow] = [
        ("rule violations", int(results.get("violations", pd.Series(dtype=int)).sum()), None),
        ("cold starts", int(results.get("cold_starts", pd.Series(dtype=int)).sum()), None),
    ]
    lat = pd.to_numeric(results.get("latency_ms", pd.Series(dtype=float)), errors="coerce")
    if lat.notna().any():
        rows.append(("median latency, ms (estimate)", round(float(lat.median()), 1), None))
        rows.append(("p99 latency, ms (estimate)", round(float(lat.quantile(0.99)), 1), None))
    return rows


def outcomes(results: pd.DataFrame) -> pd.DataFrame:
    """Requests by outcome, cache status and final status (statuses as integers)."""
    _need(results, ["outcome", "cache", "status"], "outcomes")
    frame = pd.DataFrame(
        {
            "outcome": results["outcome"].astype(str),
            "cache": results["cache"].astype(str),
            "status": status_codes(results).astype(str).replace("<NA>", ""),
        }
    )
    return frame.value_counts().rename("requests").reset_index()


# (status, where it came from) -> what it means; (status, None) for any source
STATUS_MEANINGS: dict[tuple[int, str | None], str] = {
    (200, None): "OK: the object was served.",
    (204, None): "No Content: a response without a body.",
    (301, None): "Moved Permanently: a redirect; the Location header says where to.",
    (301, "function"): "Moved Permanently: a function answered with a redirect (the "
    "Location header says where to); no origin was asked.",
    (302, "function"): "Found: a function answered with a temporary redirect.",
    (304, None): "Not Modified: the viewer's copy is current (If-None-Match / "
    "If-Modified-Since matched), so no body was sent.",
    (400, None): "Bad Request: the request was malformed.",
    (403, "origin"): "Forbidden, from the origin: a folder (S3-like) origin answers 403 "
    "AccessDenied for a key that does not exist when the bucket policy "
    "does not grant s3:ListBucket, the usual CloudFront set-up.",
    (403, "cache"): "Forbidden, from the cache: an origin's 403 kept for the error-caching "
    "TTL (10 s by default).",
    (403, "function"): "Forbidden: a function refused the request (for example a missing token).",
    (403, "CloudFront"): "Forbidden, from CloudFront: a method the behaviour does not "
    "allow, an HTTP request to an HTTPS-only behaviour, or a geographic restriction.",
    (301, "CloudFront"): "Moved Permanently, from CloudFront: the behaviour redirects HTTP "
    "to HTTPS (viewer protocol policy redirect-to-https); no function ran.",
    (307, "CloudFront"): "Temporary Redirect, from CloudFront: a request other than GET or "
    "HEAD sent over HTTP to a redirect-to-https behaviour.",
    (404, None): "Not Found: the origin has no object at this path (an S3 origin that "
    "may list the bucket answers 404 NoSuchKey).",
    (405, "origin"): "Method Not Allowed, from the origin: a folder (S3-like) origin takes "
    "only GET and HEAD on an object, so a POST gets S3's 405 "
    "MethodNotAllowed. (A behaviour that allows only GET and HEAD would "
    "refuse the POST at the edge instead, with CloudFront's 403.)",
    (405, None): "Method Not Allowed: the origin does not take this method for this path.",
    (500, "CloudFront"): "LambdaExecutionError: a function raised an exception or its "
    "process died; CloudFront answers 500.",
    (502, "CloudFront"): "Bad Gateway from CloudFront: a function returned something "
    "invalid (LambdaValidationError), or the origin could not be "
    "reached.",
    (503, "CloudFront"): "LambdaLimitExceeded: a function ran past its timeout; "
    "CloudFront answers 503.",
    (504, "CloudFront"): "Gateway Timeout: the origin did not answer in time.",
    (500, None): "Internal Server Error, from the origin.",
    (502, None): "Bad Gateway, from the origin.",
    (503, None): "Service Unavailable, from the origin.",
}


def _source(results: pd.DataFrame) -> np.ndarray:
    outcome = results["outcome"].astype(str).to_numpy()
    cache = results["cache"].astype(str).to_numpy()
    return np.select(
        [
            outcome == "replay-error",
            np.isin(outcome, ["error", "origin-error", "refused"]),
            outcome == "generated",
            np.isin(cache, HITS),
        ],
        ["edgelab", "CloudFront", "function", "cache"],
        default="origin",
    )


def status_meaning(status: int | None, source: str | None = None) -> str:
    """What a status means, from where it came (``origin``, ``cache``, ``function``,
    ``CloudFront``); falls back to the HTTP reason phrase."""
    if status is None:
        return "no response: the row could not be replayed (see error_message)."
    for key in ((status, source), (status, None)):
        if key in STATUS_MEANINGS:
            return STATUS_MEANINGS[key]
    if source == "cache":
        return status_meaning(status, "origin").replace("from the origin", "from the cache")
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:
        return "a status without a standard meaning."


def status_explained(results: pd.DataFrame) -> pd.DataFrame:
    """Each final status with where it came from (``origin``, ``cache``, ``function``,
    ``CloudFront``, ``edgelab``), how many requests got it, their share and what it
    means, most frequent first."""
    _need(results, ["outcome", "cache", "status"], "status_explained")
    frame = pd.DataFrame({"status": status_codes(results), "source": _source(results)})
    counts = frame.value_counts(dropna=False).rename("requests").reset_index()
    n = len(results)
    counts["share"] = counts["requests"] / n if n else np.nan
    counts["meaning"] = [
        status_meaning(None if pd.isna(s) else int(s), src)
        for s, src in zip(counts["status"], counts["source"], strict=True)
    ]
    return counts.sort_values(
        ["requests", "status"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


# -- latency and time ------------------------------------------------------------------------


def latency_percentiles(
    results: pd.DataFrame,
    by: str | Sequence[str] = "country",
    q: Sequence[float] = (0.5, 0.9, 0.99),
    column: str = "latency_ms",
) -> pd.DataFrame:
    """Percentiles of the estimated latency (ms, to 0.1 ms: an estimate) per group, with
    the request count."""
    groups = [by] if isinstance(by, str) else list(by)
    _need(results, [*groups, column], "latency_percentiles")
    frame = results[groups].astype(str).copy()
    frame["value"] = pd.to_numeric(results[column], errors="coerce")
    g = frame.groupby(groups, sort=True)["value"]
    out = g.quantile(list(q)).unstack().round(1)
    out.columns = [f"p{round(x * 100):g}" for x in q]
    out.insert(0, "requests", g.size())
    return (
        out.reset_index()
        .sort_values("requests", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def edge_traffic(results: pd.DataFrame) -> pd.DataFrame:
    """Requests per edge location (IATA code), with its city and coordinates."""
    _need(results, ["edge_location"], "edge_traffic")
    code = results["edge_location"].astype(str).str[:3].str.upper()
    counts = code.value_counts().rename("requests").rename_axis("code").reset_index()
    table = edge_locations()[["code", "city", "country", "latitude", "longitude"]]
    return counts.merge(table, on="code", how="left")


def time_span(results: pd.DataFrame) -> pd.DataFrame:
    """One row: ``start``, ``end``, ``span`` (a Timedelta), ``minutes`` and ``requests``
    per minute: how much time the traffic covers (a sample of minutes is not a day)."""
    _need(results, ["time"], "time_span")
    t = pd.to_datetime(results["time"], utc=True)
    if t.empty:
        return pd.DataFrame(columns=["start", "end", "span", "minutes", "requests_per_minute"])
    span = t.max() - t.min()
    minutes = span.total_seconds() / 60
    return pd.DataFrame(
        [
            {
                "start": t.min(),
                "end": t.max(),
                "span": span,
                "minutes": round(minutes, 1),
                "requests_per_minute": round(len(t) / minutes, 1) if minutes else float(len(t)),
            }
        ]
    )


# -- logs ----------------------------------------------------------------------------------

DEFAULT_BEHAVIOR = "*"
_DEFAULT_SPELLINGS = frozenset({"*", "default (*)", "default", "defaultcachebehavior", ""})


def _behavior(values: pd.Series) -> pd.Series:
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return text.where(~text.str.lower().isin(_DEFAULT_SPELLINGS), DEFAULT_BEHAVIOR)


def behavior_mismatches(
    frame: pd.DataFrame,
    *,
    logged: str = "log_behavior",
    chosen: str = "behavior",
    example: str = "uri",
) -> pd.DataFrame:
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
    table = pd.DataFrame(
        {
            "logged": log[differ].to_numpy(),
            "chosen": ours[differ].to_numpy(),
            "example": ex[differ].to_numpy(),
        }
    )
    out = (
        table.groupby(["logged", "chosen"], sort=False)
        .agg(requests=("example", "size"), example=("example", "first"))
        .reset_index()
    )
    out["share"] = out["requests"] / compared
    return out.sort_values("requests", ascending=False, kind="stable").reset_index(drop=True)[cols]


# -- cost and capacity (prices and quotas as data: frames.billing, frames.capacity) --------

cost = billing.cost
scale_to = billing.scale_to
capacity = _capacity.capacity
capacity_peaks = _capacity.capacity_peaks
