"""Exercises of notebook 2, the four triggers and the cache."""

from __future__ import annotations

from typing import Any

from ..edge.cache import CachePolicy
from ..edge.distribution import Distribution
from ..edge.origins import MappingOrigin
from ..triggers import TRIGGER_NAMES
from ._check import NotYet, need, task


def _pass_on(event: dict[str, Any], context: Any) -> dict[str, Any]:
    cf = event["Records"][0]["cf"]
    return cf["response"] if "response" in cf else cf["request"]


def _all_four() -> Distribution:
    return Distribution(
        {t: _pass_on for t in TRIGGER_NAMES},
        origin=MappingOrigin({"/about.html": "<h1>about</h1>"}),
        clock=lambda: 1_700_000_000.0,
    )


@task(
    "02.1",
    "Which functions run when /about.html is requested a second time? A list of "
    "trigger names, in the order they run.",
)
def task1(answer: Any) -> str:
    need(
        isinstance(answer, list | tuple) and all(isinstance(a, str) for a in answer),
        f"give a list of trigger names such as ['viewer-request']; got {answer!r}",
    )
    site = _all_four()
    try:
        site.request("/about.html")
        expected = site.request("/about.html").triggers
    finally:
        site.close()
    got = [a.strip().lower() for a in answer]
    unknown = [a for a in got if a not in TRIGGER_NAMES]
    need(
        not unknown,
        f"{', '.join(unknown)} is not a trigger; the four are {', '.join(TRIGGER_NAMES)}",
    )
    if set(got) != set(expected):
        extra = sorted(set(got) - set(expected))
        if extra:
            raise NotYet(
                f"{', '.join(extra)} does not run on a hit: CloudFront answers from "
                "the cache before the origin side (fact sheet §8.1)"
            )
        raise NotYet(
            f"{', '.join(sorted(set(expected) - set(got)))} runs on every request, hits too"
        )
    need(got == expected, f"the right functions, but they run in the order {' → '.join(expected)}")
    return f"on a hit only {' and '.join(expected)} run; the origin side is skipped"


@task(
    "02.2",
    "Write an origin-request handler that answers /edge/... with a 200 page of "
    "its own, and passes every other request on.",
)
def task2(answer: Any) -> str:
    need(callable(answer), f"give a handler function answer_2(event, context); got {answer!r}")
    site = Distribution(
        {"origin-request": answer},
        origin=MappingOrigin({"/index.html": "from the origin"}),
        clock=lambda: 1_700_000_000.0,
    )
    try:
        first, second = site.request("/edge/hello"), site.request("/edge/hello")
        other = site.request("/index.html")
    finally:
        site.close()
    stage = first.stage("origin-request")
    if stage is not None and stage.outcome == "error":
        raise NotYet(
            f"CloudFront answers {first.status}: {stage.error['message']}"
            if stage.error
            else f"CloudFront answers {first.status}"
        )
    need(
        stage is not None and stage.generated,
        "for /edge/hello the function passed the request on; return a response dict "
        "{'status': '200', 'body': ...} instead",
    )
    need(first.status == 200, f"the generated response has status {first.status}, not 200")
    need(
        second.cache == "Hit",
        f"the second request for /edge/hello was a {second.cache}: an origin-request "
        "response is cached like an origin's; give it a Cache-Control: max-age",
    )
    need(
        other.status == 200 and other.body == b"from the origin",
        f"/index.html should reach the origin unchanged; it got {other.status} {other.body[:40]!r}",
    )
    return (
        "the page is made at the edge, cached (the second request is a Hit), and other "
        "paths still reach the origin"
    )


@task(
    "02.3",
    "Write an origin-response handler that makes CloudFront cache every response for 300 seconds.",
)
def task3(answer: Any) -> str:
    need(callable(answer), f"give a handler function answer_3(event, context); got {answer!r}")
    now = [1_700_000_000.0]
    site = Distribution(
        {"origin-response": answer},
        origin=MappingOrigin({"/index.html": "home"}),
        cache_policy=CachePolicy(default_ttl=0, min_ttl=0, max_ttl=86400),
        clock=lambda: now[0],
    )
    seen = []
    try:
        for after in (0, 299, 301):
            now[0] = 1_700_000_000.0 + after
            seen.append(site.request("/index.html"))
    finally:
        site.close()
    stage = seen[0].stage("origin-response")
    if stage is not None and stage.outcome == "error":
        raise NotYet(
            f"CloudFront answers {seen[0].status}: "
            + (stage.error["message"] if stage.error else "invalid result")
        )
    need(
        seen[1].cache == "Hit",
        f"299 s later the request was a {seen[1].cache}: set "
        "Cache-Control: max-age=300 on the response",
    )
    need(
        seen[2].cache == "Miss",
        f"301 s later the request was a {seen[2].cache}, so the object lived longer than 300 s",
    )
    return f"a hit 299 s later and a miss 301 s later: cached for 300 s (ttl {seen[0].ttl:g})"
