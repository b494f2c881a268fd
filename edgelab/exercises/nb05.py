"""Exercises of notebook 5, latency estimates."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import analysis
from ..frames.latency import LatencyModel, haversine_km
from ._check import as_number, need, task

SYDNEY = (-33.87, 151.21)


@task("05.1", "How many minutes of traffic does results span (to the nearest minute)?")
def task1(answer: Any, results: pd.DataFrame) -> str:
    got = as_number(answer, "the number of minutes")
    minutes = float(analysis.time_span(results)["minutes"].iloc[0])
    need(
        abs(got - minutes) <= 1,
        f"{got:g} minutes is not it; compare the first and the last request's time "
        "(analysis.time_span)" + (": a day would be 1,440 minutes" if got >= 1000 else ""),
    )
    return (
        f"about {minutes:.0f} minutes, not a day: per-hour shapes (the diurnal curve) "
        "are not in this sample"
    )


@task("05.2", "Which country has the highest p90 estimated latency in results?")
def task2(answer: Any, results: pd.DataFrame) -> str:
    need(isinstance(answer, str), f"give the country code as text, such as 'FR'; got {answer!r}")
    table = analysis.latency_percentiles(results, by="country").set_index("country")
    code = answer.strip().upper()
    need(
        code in table.index,
        f"{answer!r} is not a country in results; they are {', '.join(sorted(table.index))}",
    )
    highest = float(table["p90"].max())
    need(
        float(table.loc[code, "p90"]) == highest,  # any country tied for the highest
        f"{code} has a p90 of {table.loc[code, 'p90']:.0f} ms; another country's is higher",
    )
    return (
        f"{code}: p90 {highest:.0f} ms over {int(table.loc[code, 'requests']):,}"
        " requests, far from its edge location or from the origin"
    )


@task("05.3", "Make a LatencyModel whose origin is in Sydney.")
def task3(answer: Any) -> str:
    need(isinstance(answer, LatencyModel), f"give an el.LatencyModel(...); got {answer!r}")
    km = float(haversine_km(answer.origin_lat, answer.origin_lon, *SYDNEY))
    need(
        km < 100,
        f"that origin is {km:,.0f} km from Sydney (latitude -33.87, longitude "
        f"151.21); set origin_lat and origin_lon",
    )
    return f"an origin {km:.0f} km from Sydney: replay with latency=answer_3 to compare"
