"""Fitting the latency model's origin leg to what CloudFront logged (``origin-fbl``).

Standard logging v2 and real-time logs record ``origin-fbl``, the first-byte latency to
the origin in seconds (facts logs §2, §3), for requests that went to the origin. The
model (:class:`edgelab.latency.LatencyModel`) predicts that leg as network round trips
(edge -> regional edge cache -> origin, or edge -> origin for methods that bypass the
regional cache) plus ``origin_ms``. The round trips scale with ``path_inflation``, so

    logged_ms ~= slope * network_ms(model) + origin_ms

is a straight line: a robust fit (Theil-Sen, ``scipy.stats.theilslopes``) gives the new
``path_inflation`` (old x slope) and ``origin_ms`` (the intercept). When the edges are all
about as far from the origin (too little spread to tell slope from intercept), only
``origin_ms`` is fitted: the median of logged - network.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..latency import LatencyModel, estimate_latency


def origin_latency_points(
    frame: pd.DataFrame, model: LatencyModel | None = None, column: str = "log_origin_fbl"
) -> pd.DataFrame:
    """Rows that logged an origin latency: ``logged_ms`` and the model's ``network_ms``."""
    m = model or LatencyModel()
    if column not in frame:
        raise ConfigError(
            f"calibrate_latency needs the column {column!r} (origin-fbl, logged "
            "by standard logging v2 and real-time logs; facts logs §2, §3); "
            f"the frame has {', '.join(map(str, frame.columns))}"
        )
    logged = pd.to_numeric(frame[column], errors="coerce") * 1000.0
    have = logged.notna() & (logged > 0)
    rows = frame.loc[have].copy()
    rows["cache"] = "Miss"  # the model's origin leg, whatever the replay's cache said
    rows = rows.drop(columns=[c for c in ("duration_ms", "cold_starts") if c in rows])
    est = estimate_latency(rows, replace(m, origin_ms=0.0))
    return pd.DataFrame(
        {
            "logged_ms": logged[have].to_numpy(float),
            "network_ms": est["latency_origin_ms"].to_numpy(float),
        },
        index=rows.index,
    )


def calibrate_latency(
    frame: pd.DataFrame,
    model: LatencyModel | None = None,
    *,
    column: str = "log_origin_fbl",
    min_rows: int = 20,
    min_spread_ms: float = 5.0,
) -> LatencyModel:
    """``model`` (default :class:`LatencyModel`) with ``origin_ms`` and, when the edges'
    distances to the origin vary enough, ``path_inflation`` fitted to the logged origin
    first-byte latency. Needs at least ``min_rows`` rows that logged one."""
    m = model or LatencyModel()
    pts = origin_latency_points(frame, m, column).dropna()
    if len(pts) < min_rows:
        raise ConfigError(
            f"calibrate_latency needs at least {min_rows} rows with a logged "
            f"{column} (requests that went to the origin); got {len(pts)}"
        )
    from scipy import stats  # only for a fit: reading logs need not load scipy

    x, y = pts["network_ms"].to_numpy(), pts["logged_ms"].to_numpy()
    if np.ptp(x) >= min_spread_ms:
        slope, intercept, _, _ = stats.theilslopes(y, x)
        if slope > 0:
            return replace(
                m,
                path_inflation=float(m.path_inflation * slope),
                origin_ms=float(max(intercept, 0.0)),
            )
    return replace(m, origin_ms=float(max(np.median(y - x), 0.0)))
