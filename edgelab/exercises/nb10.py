"""Exercises of notebook 10, Your distribution.

Both checks run the notebook's distribution (the CDK template the notebook loads, passed
in as its path): which behaviour serves a uri comes from the definition's own matching
(facts §3.1), and the failover task sends requests through the origin group with the
student's origin as its primary (facts §2).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..definitions.load import load_definition
from ..edge.config import load_distribution
from ._check import need, task

#: the uris of task 1: each one's behaviour depends on the order of the behaviours
URIS = ("/images/site.css", "/api/site.css", "/images", "/docs/print.css", "/docs/")
#: task 2: the backup answers this; the primary must lose /api/users and keep /api/status
FAILS, STAYS = "/api/users", "/api/status"


def _group(spec: Any) -> Any:
    need(spec.origin_groups, "this distribution has no origin group")
    return spec.origin_groups[0]


@task(
    "10.1",
    "For each uri, give the path pattern of the behaviour that serves it (first match "
    "wins, in the behaviours' order).",
)
def task1(answer: Any, definition: str | Path) -> str:
    need(
        isinstance(answer, dict) and set(answer) == set(URIS),
        f"give a dict with the keys {', '.join(repr(u) for u in URIS)}; got {answer!r}",
    )
    spec = load_definition(definition)
    order = [b.path_pattern for b in spec.behaviors]
    for uri, value in answer.items():
        need(value is not ..., f"replace the ... of {uri!r} with a path pattern")
        need(
            value in order,
            f"{uri!r}: {value!r} is not a path pattern of this distribution; they are "
            f"{', '.join(repr(p) for p in order)}",
        )
    for uri, value in answer.items():
        chosen = spec.behavior_for(uri).path_pattern
        if value != chosen:
            before = order[: order.index(chosen)]
            skipped = (
                f"it does not match {', '.join(repr(p) for p in before)}, "
                if before
                else "it is the first behaviour, "
            )
            need(
                False,
                f"{uri}: not {value!r}; CloudFront tries {', '.join(order)} in that order: "
                f"{skipped}then matches {chosen!r}",
            )
    return "; ".join(f"{uri} -> {answer[uri]}" for uri in URIS)


@task(
    "10.2",
    "Write the primary API as a Python origin so that the origin group serves /api/users "
    "from the backup and /api/status from the primary.",
)
def task2(answer: Any, definition: str | Path) -> str:
    need(
        callable(answer),
        f"give a function (request) -> (status, body) as the primary API; got {answer!r}",
    )
    spec = load_definition(definition)
    group = _group(spec)
    codes = ", ".join(str(c) for c in group.failover_status_codes)
    primary: Callable[[dict[str, Any]], Any] = answer
    dist = load_distribution(
        spec,
        origins={group.primary: primary, group.secondary: lambda request: (200, "backup")},
    )
    try:
        fails, stays = dist.request(FAILS), dist.request(STAYS)
    finally:
        dist.close()
    first = fails.attempts[0] if fails.attempts else None
    said = first.error or first.status if first else fails.status
    need(
        fails.origin_id == group.secondary,
        f"{FAILS} was served by the primary: it answered {said}, and the group fails over "
        f"only on {codes} (or when the primary cannot be reached)",
    )
    kept = stays.attempts[0] if stays.attempts else None
    if kept is not None and kept.error:
        why = f"your origin failed for /status ({kept.error}), so the group tried the backup"
    else:
        why = f"the primary answered {kept.status if kept else stays.status}, one of {codes}"
    need(
        stays.origin_id == group.primary,
        f"{STAYS} failed over too: {why}; answer it yourself with (status, body) (the "
        "origin request of /api/* drops the /api prefix: your origin sees /status)",
    )
    return (
        f"{FAILS}: the primary answered {said}, so the backup served it (2 tries); "
        f"{STAYS}: the primary answered {stays.status} itself"
    )
