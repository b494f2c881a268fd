"""Whether a replay's traffic fits the Lambda@Edge quotas: concurrency per Region.

    capacity(results)                              # per Region and window, vs the quotas
    capacity_peaks(capacity(scale_to(results, rps=2000), duration_ms=20))

**Capacity**: the functions of a request run in the AWS Region of its edge location's
regional edge cache (``data/edge_locations.csv``; see ``BILLING_DECISIONS``). Per Region
and time window, the average concurrency is rate x duration (Little's law) and each
execution environment takes at most 10 requests per second, so a window needs
``max(rate x duration, rate / 10)`` environments; it is throttled when that exceeds the
concurrency quota (less ``other_concurrency``, the account's other Lambda functions) or
the rate exceeds the Region's request quota.

The quotas come from the price and quota table of :mod:`edgelab.frames.billing`
(``edgelab/data/pricing.toml``, facts logs §6), overridable like the prices.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .billing import CLOUDFRONT_FUNCTION, Pricing, as_pricing, invocations, row_weights
from .latency import edge_locations

FREQS = ("1s", "5s", "10s", "30s", "1min", "5min", "15min", "30min", "1h", "3h", "6h", "1D")


def regions(results: pd.DataFrame) -> np.ndarray:
    """The AWS Region each request's functions run in: its edge location's regional edge
    cache (``data/edge_locations.csv``); ``unknown`` for an edge location not in it."""
    if "edge_location" not in results:
        return np.full(len(results), "unknown", dtype=object)
    table = edge_locations().set_index("code")["regional_edge_cache"]
    codes = results["edge_location"].astype(str).str[:3].str.upper()
    return codes.map(table).fillna("unknown").to_numpy(object)


def pick_freq(
    times: pd.Series, groups: pd.Series | np.ndarray | None = None, rows_per_window: int = 25
) -> str:
    """The smallest window of :data:`FREQS` in which the busiest group (Region) has
    ``rows_per_window`` rows on average, so a window's rate is not a few requests' noise."""
    t = pd.to_datetime(pd.Series(times), utc=True)
    if len(t) < 2:
        return "1min"
    span = max((t.max() - t.min()).total_seconds(), 1.0)
    busiest = (
        int(pd.Series(groups).value_counts().iloc[0])
        if groups is not None and len(groups)
        else len(t)
    )
    for f in FREQS:
        if busiest * pd.Timedelta(f).total_seconds() / span >= rows_per_window:
            return f
    return FREQS[-1]


def capacity(
    results: pd.DataFrame,
    *,
    freq: str = "auto",
    pricing: Pricing | Mapping[str, float] | None = None,
    duration_ms: float | Mapping[str, float] | None = None,
    other_concurrency: float = 0.0,
    origin_shield_region: str | None = None,
) -> pd.DataFrame:
    """Lambda@Edge load per AWS Region and time window, against the Regional quotas.

    Columns: ``time`` (window start), ``region``, ``requests`` (invocations in the window),
    ``rate_rps``, ``concurrency`` (rate x mean duration), ``environments`` (max of that
    and rate / 10), ``concurrency_quota`` (less ``other_concurrency``), ``rate_quota``,
    ``throttled`` and ``reason``; ``window_s`` gives the window (``freq="auto"``: see
    :func:`pick_freq`).
    """
    p = as_pricing(pricing)
    if "time" not in results:
        raise ConfigError("capacity needs the time column of replay results")
    f = pick_freq(results["time"], regions(results)) if freq == "auto" else freq
    try:
        window = pd.Timedelta(f).total_seconds()
    except ValueError:
        raise ConfigError(
            f"freq must be 'auto' or a pandas frequency such as '1min'; got {freq!r}"
        ) from None
    if window <= 0:
        raise ConfigError(f"freq must be a positive duration; got {freq!r}")
    frame = _regional_invocations(results, duration_ms, origin_shield_region)
    if frame.empty:
        return pd.DataFrame(columns=list(CAPACITY_COLUMNS))
    frame["time"] = pd.to_datetime(frame["time"], utc=True).dt.floor(f)
    out = frame.groupby(["time", "region"], sort=True)[["requests", "busy_s"]].sum().reset_index()
    out["rate_rps"] = out["requests"] / window
    out["concurrency"] = out["busy_s"] / window
    out["environments"] = np.maximum(
        out["concurrency"], out["rate_rps"] / p["lambda_edge_rps_per_environment"]
    )
    out["concurrency_quota"] = max(p["lambda_edge_concurrency"] - other_concurrency, 0.0)
    out["rate_quota"] = p["lambda_edge_rate"]
    _mark_throttled(out)
    out["window_s"] = window
    return out[list(CAPACITY_COLUMNS)]


CAPACITY_COLUMNS = (
    "time",
    "region",
    "requests",
    "rate_rps",
    "concurrency",
    "environments",
    "concurrency_quota",
    "rate_quota",
    "throttled",
    "reason",
    "window_s",
)


def _regional_invocations(
    results: pd.DataFrame,
    duration_ms: float | Mapping[str, float] | None,
    origin_shield_region: str | None,
) -> pd.DataFrame:
    """One row per invocation: its time, the Region that runs it (origin triggers run in
    the Origin Shield Region when there is one), the requests it stands for in one repeat
    of the sample's span, and the seconds they keep an environment busy."""
    inv = invocations(results, duration_ms=duration_ms)
    inv = inv[inv["kind"] != CLOUDFRONT_FUNCTION].reset_index(drop=True)  # not Lambda's quota
    weight, repeat = row_weights(results)
    w = weight / repeat  # requests per occurrence in one repeat of the sample's span
    region = regions(results)
    idx = inv["i"].to_numpy()
    reg = region[idx]
    if origin_shield_region:
        reg = np.where(
            inv["trigger"].isin(["origin-request", "origin-response"]), origin_shield_region, reg
        )
    return pd.DataFrame(
        {
            "time": pd.to_datetime(results["time"], utc=True).to_numpy()[idx],
            "region": reg,
            "requests": w[idx],
            "busy_s": w[idx] * inv["ran_ms"].to_numpy() / 1e3,
        }
    )


def _mark_throttled(out: pd.DataFrame) -> None:
    """``throttled`` and its ``reason``: the rate quota first, then concurrency."""
    over_c = out["environments"] > out["concurrency_quota"]
    over_r = out["rate_rps"] > out["rate_quota"]
    out["throttled"] = over_c | over_r
    out["reason"] = np.where(
        over_r,
        "rate "
        + out["rate_rps"].round(0).astype(int).astype(str)
        + " rps > "
        + out["rate_quota"].astype(int).astype(str),
        np.where(
            over_c,
            "concurrency "
            + out["environments"].round(0).astype(int).astype(str)
            + " > "
            + out["concurrency_quota"].astype(int).astype(str),
            "",
        ),
    )


def capacity_peaks(table: pd.DataFrame) -> pd.DataFrame:
    """Per Region: the busiest window's rate and environments, the quota, the share of the
    quota used at peak, and how many windows would be throttled."""
    if table.empty:
        return pd.DataFrame(
            columns=[
                "region",
                "windows",
                "peak_rate_rps",
                "peak_environments",
                "concurrency_quota",
                "peak_share",
                "throttled_windows",
            ]
        )
    g = table.groupby("region", sort=True)
    out = pd.DataFrame(
        {
            "windows": g.size(),
            "peak_rate_rps": g["rate_rps"].max(),
            "peak_environments": g["environments"].max(),
            "concurrency_quota": g["concurrency_quota"].first(),
            "throttled_windows": g["throttled"].sum().astype(int),
        }
    ).reset_index()
    out["peak_share"] = out["peak_environments"] / out["concurrency_quota"].replace(0, np.nan)
    return out.sort_values("peak_environments", ascending=False, kind="stable").reset_index(
        drop=True
    )[
        [
            "region",
            "windows",
            "peak_rate_rps",
            "peak_environments",
            "concurrency_quota",
            "peak_share",
            "throttled_windows",
        ]
    ]
