"""Checks of workshop lab 7, a lookup in a DynamoDB table from the handler (a local
DynamoDB, :class:`edgelab.LocalAws`)."""

from __future__ import annotations

import html
from typing import Any

from ..edge.origins import MappingOrigin
from ..outbound.aws import LocalAws
from ._check import need, task
from ._labs import distribution, failed, handler_of

ORIGIN_PAGE = "<h1>from the origin</h1>"
#: the check's own table: a card the notebook's table does not have, so a page made from
#: cards.json (or from anything but the table) cannot pass
CARD = {"name": "zulu", "title": "Zulu", "word": "see you", "description": "Seeded by the check."}
SEED = {"dynamodb": {"tables": [{"name": "cards", "key": {"name": "S"}, "items": [CARD]}]}}


def _run(handler: Any, paths: tuple[str, ...]) -> list[Any]:
    # the distribution starts the local DynamoDB (recording the function's calls) and
    # stops it when it closes
    with distribution(
        {"origin-request": handler},
        origin=MappingOrigin({"/index.html": ORIGIN_PAGE}),
        aws=LocalAws(["dynamodb"], seed=SEED),
    ) as site:
        return [site.request(p) for p in paths]


def _operations(trace: Any) -> list[str]:
    stage = trace.stage("origin-request")
    return [
        f"{c.get('service')} {c.get('operation')}"
        for c in (stage.calls if stage is not None else [])
        if c.get("kind") == "aws"
    ]


@task(
    "lab7.1",
    "Complete handlers/card_from_table.py: /card/NAME answers an HTML page of the card "
    "read from the DynamoDB table 'cards' (one GetItem), cached for 5 minutes; other "
    "paths go on to the origin.",
)
def task1(answer: Any) -> str:
    handler = handler_of(answer)
    path = f"/card/{CARD['name']}"
    first, second, other = _run(handler, (path, path, "/index.html"))
    for trace in (first, other):
        failed(trace, "origin-request")
    stage = first.stage("origin-request")
    need(
        stage is not None and stage.generated,
        f"{path} went on to the origin (it answered {first.status}); return page(200, ...)",
    )
    calls = _operations(first)
    need(
        calls == ["dynamodb GetItem"],
        f"for {path} the function called {calls or 'nothing'}; read the card with one "
        "dynamodb GetItem (the check's table has a card the notebook's does not)",
    )
    need(first.status == 200, f"{path} is a {first.status}, not a 200")
    text = html.unescape(first.body.decode("utf-8", "replace"))
    missing = [CARD[k] for k in ("title", "word") if CARD[k] not in text]
    need(not missing, f"the page of {CARD['name']!r} does not show {missing}")
    need(
        second.cache == "Hit" and not _operations(second),
        f"the second request for {path} was a {second.cache}: give the page "
        "Cache-Control: max-age=300, so the table is read once per edge location and TTL",
    )
    need(
        other.status == 200 and other.body.decode() == ORIGIN_PAGE and not _operations(other),
        f"/index.html should reach the origin unchanged, without reading the table; it got "
        f"{other.status} after {_operations(other) or 'no call'}",
    )
    return (
        f"{path} is made from the table with one GetItem and cached: the second request "
        "is a Hit and reads nothing"
    )


@task(
    "lab7.2",
    "A card the table does not have gets a 404 page made at the edge, after one GetItem "
    "(never a Scan of the whole table).",
)
def task2(answer: Any) -> str:
    handler = handler_of(answer)
    (missing,) = _run(handler, ("/card/nobody",))
    failed(missing, "origin-request")
    stage = missing.stage("origin-request")
    need(
        stage is not None and stage.generated,
        f"/card/nobody went on to the origin, which answered {missing.status}: answer it "
        "at the edge",
    )
    need(missing.status == 404, f"/card/nobody is a {missing.status}, not a 404")
    calls = _operations(missing)
    need(
        calls == ["dynamodb GetItem"],
        f"the function called {calls or 'nothing'}: one GetItem by key answers whether the "
        "card exists (a Scan reads, and bills, the whole table)",
    )
    return "an unknown card is one GetItem and a 404 made at the edge"
