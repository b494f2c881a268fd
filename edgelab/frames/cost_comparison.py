"""Lambda@Edge beside CloudFront Functions for a number of requests: what each would cost.

A thin front over :mod:`edgelab.frames.billing`, which holds the prices as data
(``edgelab/data/pricing.toml``, cloudfront-logs-and-pricing-facts §5, UNSURE there) and
computes the bills: Lambda@Edge bills each request and its duration (memory in GB x
seconds, each run rounded up to 1 ms), CloudFront Functions bill invocations only. Here
the requests are a count and the Lambda@Edge durations a number or a sample of measured
ones (for example the ``duration_ms`` of :func:`edgelab.invoke_many`'s results), for a
viewer-request function written both ways::

    compare_costs(10_000_000, lambda_duration_ms=5)
    # Lambda@Edge: 10 x $0.60 + 6,250 GB-s x $0.00005001 = $6.31; CloudFront Functions: $1.00
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..errors import ConfigError
from .billing import Pricing, cost, get_pricing

COLUMNS = (
    "function",
    "requests",
    "billed_ms",
    "gb_seconds",
    "request_cost",
    "duration_cost",
    "total",
)


def compare_costs(
    requests: int | Iterable[int],
    *,
    lambda_duration_ms: Any,
    memory_mb: float = 128,
    free_tier: bool = False,
    pricing: Pricing | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per (request count, function kind): what a viewer-request function would
    cost as Lambda@Edge (at ``memory_mb``, lasting ``lambda_duration_ms``: a number, or a
    sample whose runs stand for all) and as a CloudFront Function. ``free_tier`` subtracts
    CloudFront Functions' monthly free invocations; ``pricing`` overrides prices by name
    (:func:`edgelab.frames.billing.get_pricing`)."""
    if isinstance(lambda_duration_ms, int | float):
        sample = [float(lambda_duration_ms)]
    else:
        sample = [float(d) for d in lambda_duration_ms]
    if not sample:
        raise ConfigError(
            "lambda_duration_ms needs at least one duration", key="lambda_duration_ms"
        )
    prices = pricing if isinstance(pricing, Pricing) else get_pricing(pricing)
    rows = []
    for n in [requests] if isinstance(requests, int) else list(requests):
        runs = pd.DataFrame(
            {"vreq_outcome": "request", "vreq_ms": sample, "weight": n / len(sample)}
        )
        bill = cost(runs, pricing=prices, memory_mb=memory_mb, free_tier=free_tier)
        lam = bill[(bill["service"] == "Lambda@Edge") & (bill["trigger"] == "viewer-request")]
        for service, name in (
            ("Lambda@Edge", "Lambda@Edge"),
            ("CloudFront Functions", "CloudFront Functions"),
        ):
            total = bill[(bill["service"] == service) & (bill["trigger"] == "total")].iloc[0]
            rows.append(
                {
                    "function": name,
                    "requests": n,
                    "billed_ms": float(lam["billed_ms"].iloc[0]) if name == "Lambda@Edge" else 0.0,
                    "gb_seconds": float(total["gb_seconds"] or 0.0),
                    "request_cost": float(total["request_cost"]),
                    "duration_cost": float(total["duration_cost"]),
                    "total": float(total["cost"]),
                }
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))
