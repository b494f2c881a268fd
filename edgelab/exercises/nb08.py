"""Exercises of notebook 8, replaying CloudFront logs."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._check import as_number, need, task


@task("08.1", "How many requests in the log came through edge locations in Paris (code CDG)?")
def task1(answer: Any, logs: pd.DataFrame) -> str:
    got = as_number(answer, "the number of requests")
    codes = logs["edge_location"].astype(str).str[:3]
    expected = int((codes == "CDG").sum())
    need(
        got == expected,
        f"{got:,.0f} is not it; an edge location such as CDG50-C1 starts with its airport code",
    )
    return f"{expected:,} of {len(logs):,} requests came through Paris"


@task("08.2", "Which uri does the log request most often?")
def task2(answer: Any, logs: pd.DataFrame) -> str:
    need(isinstance(answer, str), f"give the uri as text; got {answer!r}")
    counts = logs["uri"].astype(str).value_counts()
    top = str(counts.index[0])
    need(
        answer == top,
        f"{answer!r} is requested {int(counts.get(answer, 0)):,} times; another uri more often",
    )
    return f"{top}, {int(counts.iloc[0]):,} requests"
