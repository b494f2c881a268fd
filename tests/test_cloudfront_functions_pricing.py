"""What a viewer-request function costs as Lambda@Edge and as a CloudFront Function
(cloudfront-logs-and-pricing-facts §5, prices from ``edgelab.billing``)."""

from __future__ import annotations

import pytest

import edgelab as el
from edgelab.errors import ConfigError


def test_the_facts_worked_example() -> None:
    """§5: 10M Lambda@Edge invocations at 128 MB, 5 ms each -> about $6.31; the same 10M
    through CloudFront Functions -> $1.00."""
    by_kind = el.compare_costs(10_000_000, lambda_duration_ms=5).set_index("function")
    assert by_kind.loc["Lambda@Edge", "request_cost"] == pytest.approx(6.00)
    assert by_kind.loc["Lambda@Edge", "gb_seconds"] == pytest.approx(6250)
    assert by_kind.loc["Lambda@Edge", "total"] == pytest.approx(6.3126, abs=1e-4)
    assert by_kind.loc["CloudFront Functions", "total"] == pytest.approx(1.00)


def test_durations_are_rounded_up_to_1_ms() -> None:
    one = el.compare_costs(1000, lambda_duration_ms=0.2).set_index("function")
    assert one.loc["Lambda@Edge", "billed_ms"] == 1
    sample = el.compare_costs(1000, lambda_duration_ms=[0.2, 1.5]).set_index("function")
    assert sample.loc["Lambda@Edge", "billed_ms"] == pytest.approx(1.5)
    bigger = el.compare_costs(1000, lambda_duration_ms=3, memory_mb=256).set_index("function")
    assert bigger.loc["Lambda@Edge", "gb_seconds"] == pytest.approx(0.75)
    with pytest.raises(ConfigError, match="at least one duration"):
        el.compare_costs(1000, lambda_duration_ms=[])


def test_the_cloudfront_functions_free_tier() -> None:
    def cff(n: int, free: bool) -> float:
        table = el.compare_costs(n, lambda_duration_ms=1, free_tier=free).set_index("function")
        return float(table.loc["CloudFront Functions", "total"])

    assert cff(1_500_000, True) == 0
    assert cff(3_000_000, True) == pytest.approx(0.10)
    assert cff(3_000_000, False) == pytest.approx(0.30)


def test_prices_can_be_replaced() -> None:
    cheaper = el.compare_costs(
        [1_000_000, 2_000_000], lambda_duration_ms=1, pricing={"lambda_edge_request": 0.0}
    )
    assert list(cheaper["requests"]) == [1_000_000] * 2 + [2_000_000] * 2
    assert cheaper.iloc[0]["request_cost"] == 0
    with pytest.raises(ConfigError, match="unknown price"):
        el.compare_costs(1, lambda_duration_ms=1, pricing={"lambda-request": 1})
