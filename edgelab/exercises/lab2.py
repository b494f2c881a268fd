"""Checks of workshop lab 2, a page generated at the edge (origin request)."""

from __future__ import annotations

import html
from typing import Any

from ..edge.origins import MappingOrigin
from ._check import need, task
from ._labs import distribution, failed, handler_of, table_beside

ORIGIN_PAGE = "<h1>from the origin</h1>"


def _site(handler: Any) -> Any:
    return distribution(
        {"origin-request": handler}, origin=MappingOrigin({"/index.html": ORIGIN_PAGE})
    )


@task(
    "lab2.1",
    "Complete handlers/card_page.py, an origin-request function that answers "
    "/card/NAME with an HTML page of that card from cards.json (cached for 5 minutes) "
    "and passes every other request on to the origin.",
)
def task1(answer: Any) -> str:
    handler = handler_of(answer)
    cards = table_beside(answer, "cards.json")
    name, card = next(iter(cards.items()))
    with _site(handler) as site:
        first, second = site.request(f"/card/{name}"), site.request(f"/card/{name}")
        other = site.request("/index.html")
    failed(first, "origin-request")
    stage = first.stage("origin-request")
    need(
        stage is not None and stage.generated,
        f"/card/{name} went on to the origin (it answered {first.status}); return a "
        "response dict {'status': '200', 'headers': ..., 'body': ...} instead",
    )
    need(first.status == 200, f"/card/{name} is a {first.status}, not a 200")
    need(
        first.headers.get("content-type", "").startswith("text/html"),
        f"the page's Content-Type is {first.headers.get('content-type')!r}; a browser "
        "needs text/html to show it as a page",
    )
    text = html.unescape(first.body.decode("utf-8", "replace"))
    missing = [v for k, v in card.items() if k in ("title", "word") and str(v) not in text]
    need(not missing, f"the page of {name!r} does not show {', '.join(map(repr, missing))}")
    need(
        second.cache == "Hit",
        f"the second request for /card/{name} was a {second.cache}: a response made in "
        "origin request is cached like an origin's; give it Cache-Control: max-age=300",
    )
    need(
        other.status == 200 and other.body.decode() == ORIGIN_PAGE,
        f"/index.html should reach the origin unchanged; it got {other.status}",
    )
    return (
        f"/card/{name} is made at the edge and cached (the second request is a Hit); "
        "other pages still come from the origin"
    )


@task(
    "lab2.2",
    "Make handlers/card_page.py answer a card that does not exist (/card/nobody, "
    "/card/) with a 404 page of its own, without calling the origin.",
)
def task2(answer: Any) -> str:
    handler = handler_of(answer)
    cards = table_beside(answer, "cards.json")
    with _site(handler) as site:
        traces = [site.request(p) for p in ("/card/nobody", "/card/")]
        known = site.request(f"/card/{next(iter(cards))}")
    for trace in (*traces, known):
        failed(trace, "origin-request")
    for trace in traces:
        uri = trace.viewer.uri
        stage = trace.stage("origin-request")
        need(
            stage is not None and stage.generated,
            f"{uri} went on to the origin, which answered {trace.status}: answer it at "
            "the edge instead",
        )
        need(trace.status == 404, f"{uri} is a {trace.status}, not a 404")
        need(trace.body, f"the 404 for {uri} has no body: say that the card does not exist")
    need(known.status == 200, f"a known card now gets a {known.status}")
    return "unknown cards get a 404 made at the edge; the origin never sees them"
