"""Exercises of notebook 3, A/B testing with cookies."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import analysis
from ._check import NotYet, as_number, need, task

HALF = {"A": 0.5, "B": 0.5}


@task("03.1", "How many viewers (not requests) saw variant B in results?")
def task1(answer: Any, results: pd.DataFrame) -> str:
    got = as_number(answer, "the number of viewers")
    viewers = analysis.ab_split(results, weights=HALF, unit="viewer").set_index("variant")
    requests = analysis.ab_split(results, weights=HALF, unit="request").set_index("variant")
    expected, per_request = int(viewers.loc["B", "viewers"]), int(requests.loc["B", "requests"])
    if got == per_request and per_request != expected:
        raise NotYet(
            f"{per_request:,} counts requests: a returning viewer counts once per "
            "visit. Count each viewer (client IP) once: unit='viewer'"
        )
    need(
        got == expected,
        f"{got:,.0f} is not the number of viewers who saw B; "
        "analysis.ab_split(results, unit='viewer') counts them",
    )
    return f"{expected:,} viewers saw variant B (they made {per_request:,} requests)"


@task(
    "03.2",
    "Is the split per viewer consistent with the intended 50/50 at the 5% level? True or False.",
)
def task2(answer: Any, results: pd.DataFrame) -> str:
    need(
        isinstance(answer, bool | np.bool_),
        f"answer True or False; got {answer!r}",
    )
    p = float(analysis.ab_split(results, weights=HALF, unit="viewer")["p_value"].iloc[0])
    consistent = p >= 0.05
    if bool(answer) != consistent:
        raise NotYet(
            f"the chi-square test per viewer gives p = {p:.3g}, which is "
            + (
                "not below 0.05: no evidence that the split is off"
                if consistent
                else "below 0.05: the split is off"
            )
        )
    return f"p = {p:.3g} per viewer: " + (
        "no evidence against 50/50" if consistent else "the split is not 50/50"
    )


@task("03.3", "Which device's split, per viewer, is furthest from 50/50 (the smallest p-value)?")
def task3(answer: Any, results: pd.DataFrame) -> str:
    need(isinstance(answer, str), f"give the device name as text, such as 'mobile'; got {answer!r}")
    table = analysis.ab_split(results, weights=HALF, by="device", unit="viewer")
    p = table.groupby("device", observed=True)["p_value"].first().sort_values()
    need(
        answer.strip().lower() in p.index,
        f"{answer!r} is not a device in results; they are {', '.join(p.index)}",
    )
    best = str(p.index[0])
    need(
        answer.strip().lower() == best,
        f"{answer} has p = {p[answer.strip().lower()]:.3g}; one device has a smaller one",
    )
    small = int(table[table["device"] == best]["total"].iloc[0])
    return (
        f"{best}: p = {p.iloc[0]:.3g} over {small:,} viewers. With {len(p)} groups a small "
        "p-value somewhere is likely by chance alone"
    )
