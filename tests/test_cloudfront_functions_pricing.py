"""What functions cost, Lambda@Edge beside CloudFront Functions
(cloudfront-logs-and-pricing-facts §5)."""

from __future__ import annotations

import pytest

import edgelab as el
from edgelab.cloudfront_functions.pricing import (
    PRICES,
    cloudfront_functions_cost,
    lambda_edge_cost,
)
from edgelab.errors import ConfigError


def test_the_facts_worked_example() -> None:
    """§5: 10M Lambda@Edge invocations at 128 MB, 5 ms each -> about $6.31; the same 10M
    through CloudFront Functions -> $1.00."""
    costs = el.compare_costs(10_000_000, lambda_duration_ms=5, free_tier=False)
    by_kind = costs.set_index("function")
    assert by_kind.loc["Lambda@Edge", "request_cost"] == pytest.approx(6.00)
    assert by_kind.loc["Lambda@Edge", "gb_seconds"] == pytest.approx(6250)
    assert by_kind.loc["Lambda@Edge", "total"] == pytest.approx(6.3126, abs=1e-4)
    assert by_kind.loc["CloudFront Functions", "total"] == pytest.approx(1.00)


def test_durations_are_rounded_up_to_1_ms() -> None:
    assert lambda_edge_cost(1000, 0.2)["billed_ms"] == 1
    assert lambda_edge_cost(1000, [0.2, 1.5])["billed_ms"] == pytest.approx(1.5)
    assert lambda_edge_cost(1000, 3, memory_mb=256)["gb_seconds"] == pytest.approx(0.75)
    with pytest.raises(ConfigError, match="at least one duration"):
        lambda_edge_cost(1000, [])


def test_the_cloudfront_functions_free_tier() -> None:
    assert cloudfront_functions_cost(1_500_000)["total"] == 0
    assert cloudfront_functions_cost(3_000_000)["total"] == pytest.approx(0.10)
    assert cloudfront_functions_cost(3_000_000, free_tier=False)["total"] == pytest.approx(0.30)


def test_prices_are_data_and_can_be_replaced() -> None:
    assert all(p.section == "§5" for p in PRICES.values())
    cheaper = el.compare_costs(
        [1_000_000, 2_000_000], lambda_duration_ms=1, prices={"lambda-edge-request": 0.0}
    )
    assert list(cheaper["requests"]) == [1_000_000] * 2 + [2_000_000] * 2
    assert cheaper.iloc[0]["request_cost"] == 0
    with pytest.raises(ConfigError, match="unknown price"):
        el.compare_costs(1, lambda_duration_ms=1, prices={"lambda-request": 1})
