"""What a replay would cost: the Lambda@Edge and CloudFront Functions bills, from prices as data.

    pricing = get_pricing(overrides={"lambda_edge_gb_second": 0.0000500})
    cost(results, pricing=pricing)            # Lambda@Edge and CloudFront Functions bills
    cost(scale_to(results, rps=500, period="30D"))   # a month at 500 req/s

Prices and quotas live in ``edgelab/data/pricing.toml``, each with its unit, the date
and its source (facts logs §5, §6; the prices are UNSURE: secondary sources).

**Lambda@Edge** bills every invocation (a request charge) and its duration, rounded up
to the billing granularity (1 ms since 2021-04-01), times the function's memory in GB
(GB-seconds). The memory is what edgelab ran the trigger with: the rule set's memory
(128 MB for viewer triggers, lambda-edge-facts §5.1), or ``memory_mb=``. Durations are the replay's
measured ones (``vreq_ms`` ...: this machine's, not AWS's), or ``duration_ms=`` to price
an assumed duration. **CloudFront Functions** bill invocations only and run only on
viewer events: the same traffic through CloudFront Functions is priced for the viewer
request and viewer response invocations; origin triggers have no equivalent. A viewer
stage that ran as a CloudFront Function in the distribution (``vreq_kind``) is priced as
one only: it is not on the Lambda@Edge bill, nor in the capacity figures.

Capacity, from the same invocations and the quotas of the same table, is
:mod:`edgelab.frames.capacity`.

Rows may carry a ``weight`` (requests each row stands for, over the period) and
``repeat`` (how often the sample's time span recurs within the period), which
:func:`scale_to` sets; without them every row is one request.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..resources import data_file
from ..rules.tables import Decision, RuleSet, get_rules
from ..triggers import Trigger

PRICING_FILE = data_file("pricing.toml")
TRIGGERS = tuple((t.value, t.prefix) for t in Trigger)
VIEWER = tuple(t.value for t in Trigger if t.is_viewer)
#: the ``kind`` of an invocation (the ``*_kind`` columns of replay rows)
LAMBDA_EDGE, CLOUDFRONT_FUNCTION = "lambda@edge", "cloudfront-function"

BILLING_DECISIONS: tuple[Decision, ...] = (
    Decision(
        "prices",
        "logs §5",
        "the secondary sources' figures ($0.60 per 1M L@E requests, $0.00005001 per "
        "GB-second, $0.10 per 1M CloudFront Functions invocations), marked UNSURE in "
        "the price table and the report; every value can be overridden",
    ),
    Decision(
        "memory billed",
        "logs §5, lambda-edge-facts §5.1",
        "the memory edgelab ran the trigger with (the rule set's: 128 MB viewer, the "
        "origin maximum otherwise) unless memory_mb= gives the deployed function's",
    ),
    Decision(
        "where Lambda@Edge runs",
        "logs §6, distribution §11",
        "every trigger of a request in the AWS Region of its edge location's regional "
        "edge cache; origin triggers in the Origin Shield Region when one is given",
    ),
    Decision(
        "concurrency",
        "logs §6",
        "per Region and window: max(rate x mean duration, rate / 10 per environment), "
        "against 1,000 less other_concurrency; the rate against 10,000 rps. Averages "
        "over the window: bursts inside it are not seen",
    ),
    Decision(
        "CloudFront Functions free tier",
        "logs §5",
        "not subtracted unless free_tier=True (then 2,000,000 invocations once, for a "
        "one-month bill)",
    ),
)


@dataclass(frozen=True)
class Price:
    name: str
    value: float
    unit: str
    kind: str
    as_of: str
    section: str
    source: str
    unsure: bool


@dataclass(frozen=True)
class Pricing:
    """Prices and quotas by name (see ``edgelab/data/pricing.toml``)."""

    items: Mapping[str, Price]
    overrides: Mapping[str, float] = field(default_factory=dict)

    def __getitem__(self, name: str) -> float:
        return self.items[name].value

    def table(self) -> pd.DataFrame:
        """One row per item: name, value, unit, kind, as_of, section, unsure, source."""
        rows = [
            {
                "name": p.name,
                "value": p.value,
                "unit": p.unit,
                "kind": p.kind,
                "as_of": "override" if p.name in self.overrides else p.as_of,
                "section": p.section,
                "unsure": p.unsure,
                "source": p.source,
            }
            for p in self.items.values()
        ]
        return pd.DataFrame(rows)


def _load(source: Path, items: dict[str, Price]) -> None:
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"price file {str(source)!r} cannot be read: {exc}") from None
    for name, row in data.items():
        if not isinstance(row, dict) or "value" not in row:
            raise ConfigError(
                f"price file {str(source)!r}: [{name}] needs a value (and unit, as_of, source)"
            )
        old = items.get(name)
        items[name] = Price(
            name,
            float(row["value"]),
            str(row.get("unit", old.unit if old else "")),
            str(row.get("kind", old.kind if old else "price")),
            str(row.get("as_of", "")),
            str(row.get("section", old.section if old else "")),
            str(row.get("source", str(source))),
            bool(row.get("unsure", False)),
        )


def get_pricing(
    overrides: Mapping[str, float] | None = None, path: str | Path | None = None
) -> Pricing:
    """The bundled prices and quotas, updated from the TOML file ``path`` (same shape,
    any subset of items), with ``overrides`` (name -> value) applied last."""
    items: dict[str, Price] = {}
    _load(PRICING_FILE, items)
    if path is not None:
        _load(Path(path), items)
    over = dict(overrides or {})
    unknown = sorted(set(over) - set(items))
    if unknown:
        raise ConfigError(f"unknown price or quota {unknown}; known: {', '.join(items)}")
    for name, value in over.items():
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"price or quota {name} must be a number; got {value!r}") from None
        if not np.isfinite(v) or v < 0:
            raise ConfigError(f"price or quota {name} must be a number >= 0; got {value!r}")
        old = items[name]
        items[name] = Price(
            name, v, old.unit, old.kind, "override", old.section, "given by the caller", False
        )
    return Pricing(items, over)


def as_pricing(pricing: Pricing | Mapping[str, float] | None) -> Pricing:
    if isinstance(pricing, Pricing):
        return pricing
    return get_pricing(pricing)


def _per_trigger(value: float | Mapping[str, float] | None, what: str) -> dict[str, float | None]:
    if value is None or isinstance(value, int | float):
        if value is not None and (not np.isfinite(value) or value < 0):
            raise ConfigError(f"{what} must be a number >= 0; got {value!r}")
        return {t: value for t, _ in TRIGGERS}
    unknown = sorted(set(value) - {t for t, _ in TRIGGERS})
    if unknown:
        raise ConfigError(
            f"{what} keys must be triggers (viewer-request, origin-request, "
            f"origin-response, viewer-response); got {unknown}"
        )
    return {t: (float(value[t]) if t in value else None) for t, _ in TRIGGERS}


def row_weights(results: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    n = len(results)
    w = (
        pd.to_numeric(results["weight"], errors="coerce").fillna(1.0).to_numpy(float)
        if "weight" in results
        else np.ones(n)
    )
    r = (
        pd.to_numeric(results["repeat"], errors="coerce").fillna(1.0).to_numpy(float)
        if "repeat" in results
        else np.ones(n)
    )
    return w, r


def invocations(
    results: pd.DataFrame, *, duration_ms: float | Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Long form: one row per (request, trigger that ran): ``trigger``, ``ran_ms`` (the
    measured or assumed duration), the request's position ``i``, and ``kind``: what ran
    there, ``lambda@edge`` or ``cloudfront-function`` (a distribution's viewer stages may
    be CloudFront Functions: the ``vreq_kind``/``vresp_kind`` columns of replay rows)."""
    fixed = _per_trigger(duration_ms, "duration_ms")
    parts = []
    for trig, short in TRIGGERS:
        col = f"{short}_outcome"
        if col not in results:
            continue
        ran = results[col].notna().to_numpy() & (results[col].astype(str) != "").to_numpy()
        if not ran.any():
            continue
        idx = np.flatnonzero(ran)
        if fixed[trig] is not None:
            ms = np.full(len(idx), fixed[trig])
        else:
            ms = pd.to_numeric(results[f"{short}_ms"], errors="coerce").fillna(0.0).to_numpy()[idx]
        kinds = (
            results[f"{short}_kind"].astype(object).to_numpy()[idx]
            if f"{short}_kind" in results
            else np.full(len(idx), None, dtype=object)
        )
        kind = np.where(pd.isna(kinds), LAMBDA_EDGE, kinds).astype(str)
        parts.append(
            pd.DataFrame({"i": idx, "trigger": trig, "ran_ms": np.maximum(ms, 0.0), "kind": kind})
        )
    if not parts:
        return pd.DataFrame(
            {
                "i": pd.Series([], dtype=int),
                "trigger": pd.Series([], dtype=str),
                "ran_ms": pd.Series([], dtype=float),
                "kind": pd.Series([], dtype=str),
            }
        )
    return pd.concat(parts, ignore_index=True)


def cost(
    results: pd.DataFrame,
    *,
    pricing: Pricing | Mapping[str, float] | None = None,
    memory_mb: float | Mapping[str, float] | None = None,
    duration_ms: float | Mapping[str, float] | None = None,
    rules: RuleSet | str | None = None,
    by: str | Sequence[str] | None = None,
    free_tier: bool = False,
) -> pd.DataFrame:
    """The bill for these results: one row per service and trigger (and ``by`` group),
    then a total row per service.

    Columns: ``service`` (Lambda@Edge, CloudFront Functions), ``trigger``, ``invocations``,
    ``memory_mb``, ``billed_ms`` (mean billed duration), ``gb_seconds``,
    ``request_cost``, ``duration_cost``, ``cost`` (USD), ``per_million`` (USD per million
    viewer requests of these results).
    """
    p = as_pricing(pricing)
    rs = get_rules(rules) if not isinstance(rules, RuleSet) else rules
    mem = _per_trigger(memory_mb, "memory_mb")
    groups = [by] if isinstance(by, str) else list(by or [])
    missing = [g for g in groups if g not in results]
    if missing:
        raise ConfigError(f"cost by {missing}: no such column in the results")
    total_w, _ = row_weights(results)  # requests each row stands for over the whole period
    viewers = float(total_w.sum())
    inv = invocations(results, duration_ms=duration_ms)
    gran = p["lambda_edge_granularity_ms"]
    billed = (
        np.ceil(inv["ran_ms"].to_numpy() / gran) * gran if gran > 0 else inv["ran_ms"].to_numpy()
    )
    inv["weight"] = total_w[inv["i"].to_numpy()]
    inv["billed_ms"] = billed
    inv["memory_mb"] = [
        mem[t] if mem[t] is not None else float(rs.memory_mb(t)) for t in inv["trigger"]
    ]
    inv["gb_seconds"] = inv["memory_mb"] / 1024.0 * inv["billed_ms"] / 1000.0 * inv["weight"]
    for g in groups:
        inv[g] = results[g].astype(str).to_numpy()[inv["i"].to_numpy()]
    keys = [*groups, "trigger"]
    rows = _service_rows(inv, keys, p) if len(inv) else []
    out = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(
            columns=["service", *keys, "invocations", "request_cost", "duration_cost"]
        )
    )
    out["cost"] = out["request_cost"] + out["duration_cost"]
    totals = [_total(out, service, groups, p, free_tier) for service in SERVICES]
    out = pd.concat([out, pd.DataFrame(totals)], ignore_index=True)
    out["per_million"] = out["cost"] / viewers * 1e6 if viewers else np.nan
    out = out.reindex(columns=[COST_COLUMNS[0], *groups, *COST_COLUMNS[1:]])
    out.attrs["viewer_requests"] = viewers
    return out


SERVICES = ("Lambda@Edge", "CloudFront Functions")
#: cost's columns; the ``by`` groups come after ``service``
COST_COLUMNS = (
    "service",
    "trigger",
    "invocations",
    "memory_mb",
    "billed_ms",
    "gb_seconds",
    "request_cost",
    "duration_cost",
    "cost",
    "per_million",
)


def _service_rows(inv: pd.DataFrame, keys: list[str], p: Pricing) -> list[pd.DataFrame]:
    """The Lambda@Edge bill per trigger (and group), of the invocations that ran as
    Lambda@Edge functions, and the viewer triggers as CloudFront Functions (no duration
    charge): those that ran as CloudFront Functions, and what the Lambda@Edge ones
    would cost as such."""
    cff_ran = inv[inv["kind"] == CLOUDFRONT_FUNCTION]
    inv = inv[inv["kind"] != CLOUDFRONT_FUNCTION]
    le = _lambda_edge_rows(inv, keys)
    le["service"] = "Lambda@Edge"
    le["request_cost"] = le["invocations"] * p["lambda_edge_request"]
    le["duration_cost"] = le["gb_seconds"] * p["lambda_edge_gb_second"]
    viewer = pd.concat([inv[inv["trigger"].isin(VIEWER)], cff_ran[cff_ran["trigger"].isin(VIEWER)]])
    cff = viewer.groupby(keys, sort=False)["weight"].sum().rename("invocations").reset_index()
    cff["service"] = "CloudFront Functions"
    cff["request_cost"] = cff["invocations"] * p["cloudfront_functions_invocation"]
    cff["duration_cost"] = 0.0
    return [le, cff]


def _lambda_edge_rows(inv: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Invocations, memory, mean billed duration and GB-seconds per ``keys`` group."""
    if inv.empty:
        return pd.DataFrame(
            {
                **{k: pd.Series([], dtype=str) for k in keys},
                "invocations": pd.Series([], dtype=float),
                "memory_mb": pd.Series([], dtype=float),
                "billed_ms": pd.Series([], dtype=float),
                "gb_seconds": pd.Series([], dtype=float),
            }
        )
    g = inv.groupby(keys, sort=False)
    return pd.DataFrame(
        {
            "invocations": g["weight"].sum(),
            "memory_mb": g["memory_mb"].max(),
            "billed_ms": g.apply(
                lambda d: (
                    np.average(d["billed_ms"], weights=d["weight"]) if d["weight"].sum() else 0.0
                ),
                include_groups=False,
            ),
            "gb_seconds": g["gb_seconds"].sum(),
        }
    ).reset_index()


def _total(
    out: pd.DataFrame, service: str, groups: list[str], p: Pricing, free_tier: bool
) -> dict[str, Any]:
    """One service's total row; CloudFront Functions' free tier taken off when asked."""
    part = out[out["service"] == service]
    t = {
        "service": service,
        "trigger": "total",
        **dict.fromkeys(groups, ""),
        "invocations": part["invocations"].sum(),
        "gb_seconds": part.get("gb_seconds", pd.Series(dtype=float)).sum(),
        "request_cost": part["request_cost"].sum(),
        "duration_cost": part["duration_cost"].sum(),
    }
    if service == "CloudFront Functions" and free_tier:
        free = min(t["invocations"], p["cloudfront_functions_free_invocations"])
        t["request_cost"] = max(
            t["request_cost"] - free * p["cloudfront_functions_invocation"], 0.0
        )
    t["cost"] = t["request_cost"] + t["duration_cost"]
    return t


def scale_to(results: pd.DataFrame, rps: float, period: str = "30D") -> pd.DataFrame:
    """``results`` standing for ``period`` of traffic at a mean of ``rps`` requests/s.

    The sample's time span ``S`` (first to last request, plus one mean gap) is taken as
    one repeat of the traffic's pattern: each row gets ``weight = rps x period / n``
    (requests it stands for over the period, so ``cost`` sums to the period's bill) and
    ``repeat = period / S`` (how often the span recurs, so ``capacity`` sees the rates of
    one repeat: a mean of ``rps`` with the sample's own peaks). Nothing is copied n-fold.
    """
    n = len(results)
    try:
        p = pd.Timedelta(period).total_seconds()
    except ValueError:
        raise ConfigError(
            f"period must be a duration such as '30D' or '1h'; got {period!r}"
        ) from None
    if not n or not (isinstance(rps, int | float) and rps > 0) or p <= 0:
        raise ConfigError(
            f"scale_to needs results with rows, rps > 0 and a positive period; "
            f"got {n} rows, rps={rps!r}, period={period!r}"
        )
    t = pd.to_datetime(results["time"], utc=True)
    span = (t.max() - t.min()).total_seconds()
    span = span * n / (n - 1) if n > 1 and span > 0 else n / rps
    out = results.copy()
    out["weight"] = rps * p / n
    out["repeat"] = p / span
    out.attrs["scaled"] = {"rps": float(rps), "period": period, "span_s": span}
    return out


def summary_text(table: pd.DataFrame) -> dict[str, Any]:
    """Totals of a :func:`cost` table as a small dict (for the CLI and the report)."""
    t = table[table["trigger"] == "total"].set_index("service")
    return {
        s: {
            "cost": float(t.loc[s, "cost"]),
            "per_million": float(t.loc[s, "per_million"]),
            "invocations": float(t.loc[s, "invocations"]),
        }
        for s in t.index
    }
