"""Checks of workshop lab 4, pretty URLs: 301s from a redirect map (viewer request)."""

from __future__ import annotations

from typing import Any

from ..edge.origins import MappingOrigin
from ._check import need, task
from ._labs import distribution, failed, handler_of, table_beside


def _site(handler: Any) -> Any:
    return distribution({"viewer-request": handler}, origin=MappingOrigin({"/index.html": "home"}))


def _redirect(trace: Any, want: str) -> None:
    failed(trace, "viewer-request")
    uri = trace.viewer.uri + (f"?{trace.viewer.querystring}" if trace.viewer.querystring else "")
    stage = trace.stage("viewer-request")
    need(
        stage is not None and stage.generated,
        f"{uri} went on (it got {trace.status}); answer it with a redirect",
    )
    need(
        trace.status == 301,
        f"{uri} got {trace.status}; a permanent move is a 301 (browsers and search "
        "engines remember it)",
    )
    location = trace.headers.get("location")
    need(location == want, f"{uri} redirects to {location!r}, not {want!r}")


@task(
    "lab4.1",
    "Complete handlers/pretty_urls.py, a viewer-request function that answers every "
    "path of redirects.json with a 301 to its new place and lets other paths through.",
)
def task1(answer: Any) -> str:
    handler = handler_of(answer)
    table = table_beside(answer, "redirects.json")
    with _site(handler) as site:
        for old, new in table.items():
            _redirect(site.request(old), new)
        other = site.request("/index.html")
    failed(other, "viewer-request")
    need(
        other.status == 200 and other.body == b"home",
        f"/index.html is not in the map but got {other.status}; let it through",
    )
    return f"all {len(table)} paths of the map get a 301 to their new place; others go on"


@task(
    "lab4.2",
    "Keep the query string: /r/alpha?utm_source=talk should go to "
    "/card/alpha?utm_source=talk (and a path without one gets no '?').",
)
def task2(answer: Any) -> str:
    handler = handler_of(answer)
    table = table_beside(answer, "redirects.json")
    old, new = next(iter(table.items()))
    with _site(handler) as site:
        _redirect(site.request(f"{old}?utm_source=talk&lang=fr"), f"{new}?utm_source=talk&lang=fr")
        _redirect(site.request(old), new)
    return "the query string follows the redirect, and a bare path stays bare"
