"""Checks of workshop lab 3, a small POST API at the edge (include_body, JSON)."""

from __future__ import annotations

import json
from typing import Any

from ..edge.behavior import CacheBehavior, TriggerConfig
from ..edge.cache import CachePolicy
from ..edge.origins import MappingOrigin
from ._check import need, task
from ._labs import distribution, failed, handler_of, json_body, table_beside

ALL_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")


def api_site(handler: Any) -> Any:
    """The lab's distribution: /api/* runs the function with the body, caches nothing."""
    return distribution(
        behaviors=[
            CacheBehavior(
                "/api/*",
                target_origin="site",
                allowed_methods=ALL_METHODS,
                cache_policy=CachePolicy(default_ttl=0, max_ttl=0),
                triggers={"origin-request": TriggerConfig(handler, include_body=True)},
            ),
            CacheBehavior("*", target_origin="site"),
        ],
        origins={"site": MappingOrigin({"/index.html": "home"})},
    )


def _post(site: Any, body: str) -> Any:
    return site.request(
        "/api/like", method="POST", body=body, headers={"Content-Type": "application/json"}
    )


def _json_answer(trace: Any, what: str) -> Any:
    failed(trace, "origin-request")
    stage = trace.stage("origin-request")
    need(
        stage is not None and stage.generated,
        f"{what}: the request went on to the origin ({trace.status}); answer it in the function",
    )
    need(
        trace.headers.get("content-type", "").startswith("application/json"),
        f"{what}: Content-Type is {trace.headers.get('content-type')!r}, not application/json",
    )
    return json_body(trace, what)


@task(
    "lab3.1",
    "Complete handlers/like_api.py: POST /api/like with a JSON body "
    '{"card": NAME} answers 200, application/json, {"card": NAME, "title": TITLE, '
    '"liked": true}.',
)
def task1(answer: Any) -> str:
    handler = handler_of(answer)
    cards = table_beside(answer, "cards.json")
    with api_site(handler) as site:
        traces = {name: _post(site, json.dumps({"card": name})) for name in list(cards)[:2]}
    for name, trace in traces.items():
        got = _json_answer(trace, f"POST {{'card': {name!r}}}")
        need(trace.status == 200, f"POST {{'card': {name!r}}} got {trace.status}, not 200")
        want = {"card": name, "title": cards[name]["title"], "liked": True}
        need(
            isinstance(got, dict) and all(got.get(k) == v for k, v in want.items()),
            f"for {name!r} the answer is {got!r}; it should have {want!r}",
        )
    return "the function reads the JSON body and answers JSON for each card, at the edge"


@task(
    "lab3.2",
    "Make handlers/like_api.py refuse bad input with a JSON error: a body that is not "
    'JSON (or has no "card") is a 400, a card that does not exist a 404.',
)
def task2(answer: Any) -> str:
    handler = handler_of(answer)
    cases = (
        ("not json at all", 400, "a body that is not JSON"),
        (json.dumps({"name": "alpha"}), 400, 'a body without "card"'),
        (json.dumps(["alpha"]), 400, "a JSON list instead of an object"),
        (json.dumps({"card": "nobody"}), 404, "a card that does not exist"),
    )
    with api_site(handler) as site:
        for body, status, what in cases:
            trace = _post(site, body)
            got = _json_answer(trace, what)
            need(trace.status == status, f"{what} got {trace.status}, not {status}")
            need(
                isinstance(got, dict) and "error" in got,
                f"{what}: the answer {got!r} should say what was wrong in an 'error' key",
            )
    return "bad bodies get a 400 and unknown cards a 404, each with a JSON error"
