"""What running a function costs, Lambda@Edge beside CloudFront Functions, as data.

Prices from ``cloudfront-logs-and-pricing-facts.md`` §5 (all marked UNSURE there: they
come from secondary sources, as of 2026-11-30), one row each in :data:`PRICES`; pass
``prices={...}`` to use others. Lambda@Edge bills each request and its duration
(memory in GB x seconds, each invocation rounded up to 1 ms); CloudFront Functions bill
invocations only, with a monthly free tier.

    compare_costs(10_000_000, lambda_duration_ms=5, free_tier=False)
    # Lambda@Edge: 10 x $0.60 + 6,250 GB-s x $0.00005001 = $6.31; CloudFront Functions: $1.00
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import ConfigError


@dataclass(frozen=True)
class Price:
    name: str
    value: float
    unit: str
    section: str


PRICES: dict[str, Price] = {
    p.name: p
    for p in (
        Price("lambda-edge-request", 0.60 / 1_000_000, "USD per request", "§5"),
        Price("lambda-edge-gb-second", 0.00005001, "USD per GB-second", "§5"),
        Price("lambda-edge-billing-ms", 1, "ms: each duration is rounded up to this", "§5"),
        Price("cloudfront-functions-invocation", 0.10 / 1_000_000, "USD per invocation", "§5"),
        Price("cloudfront-functions-free-tier", 2_000_000, "invocations free per month", "§5"),
    )
}


def _price(prices: Mapping[str, float] | None, name: str) -> float:
    if prices and name in prices:
        return float(prices[name])
    if prices and (unknown := set(prices) - set(PRICES)):
        raise ConfigError(
            f"unknown price {sorted(unknown)[0]!r}; the prices are {', '.join(PRICES)}",
            key="prices",
        )
    return PRICES[name].value


def lambda_edge_cost(
    requests: int,
    duration_ms: float | Iterable[float],
    *,
    memory_mb: int = 128,
    prices: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """The cost of ``requests`` Lambda@Edge invocations lasting ``duration_ms`` each (or
    a sample of durations whose mean stands for all), at ``memory_mb``."""
    step = _price(prices, "lambda-edge-billing-ms")
    if isinstance(duration_ms, int | float):
        billed = math.ceil(duration_ms / step) * step
    else:
        sample = [float(d) for d in duration_ms]
        if not sample:
            raise ConfigError("duration_ms needs at least one duration", key="duration_ms")
        billed = sum(math.ceil(d / step) * step for d in sample) / len(sample)
    gb_seconds = requests * billed / 1000 * memory_mb / 1024
    request_cost = requests * _price(prices, "lambda-edge-request")
    duration_cost = gb_seconds * _price(prices, "lambda-edge-gb-second")
    return {
        "requests": requests,
        "billed_ms": billed,
        "gb_seconds": gb_seconds,
        "request_cost": request_cost,
        "duration_cost": duration_cost,
        "total": request_cost + duration_cost,
    }


def cloudfront_functions_cost(
    requests: int, *, free_tier: bool = True, prices: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The cost of ``requests`` CloudFront Functions invocations in a month."""
    free = _price(prices, "cloudfront-functions-free-tier") if free_tier else 0
    billed = max(0, requests - free)
    cost = billed * _price(prices, "cloudfront-functions-invocation")
    return {
        "requests": requests,
        "billed_ms": 0.0,
        "gb_seconds": 0.0,
        "request_cost": cost,
        "duration_cost": 0.0,
        "total": cost,
    }


def compare_costs(
    requests: int | Iterable[int],
    *,
    lambda_duration_ms: Any,
    memory_mb: int = 128,
    free_tier: bool = True,
    prices: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per (monthly request count, function kind): what each would cost."""
    counts = [requests] if isinstance(requests, int) else list(requests)
    rows = []
    for n in counts:
        rows.append(
            {
                "function": "Lambda@Edge",
                **lambda_edge_cost(n, lambda_duration_ms, memory_mb=memory_mb, prices=prices),
            }
        )
        rows.append(
            {
                "function": "CloudFront Functions",
                **cloudfront_functions_cost(n, free_tier=free_tier, prices=prices),
            }
        )
    return pd.DataFrame(rows)
