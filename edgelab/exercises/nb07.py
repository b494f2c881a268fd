"""Exercises of notebook 7, Node.js handlers beside Python ones."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ..errors import EdgelabError
from ..event.build import build_event
from ..event.headers import Headers
from ..invoke import invoke
from ..resources import notebook_handler
from ._check import NotYet, need, node_available, task


@task(
    "07.1",
    "Write, as a string, a Node.js viewer-request handler that adds X-Workshop: "
    "edge to the request.",
)
def task1(answer: Any) -> str:
    need(
        isinstance(answer, str) and "handler" in answer,
        f"give the JavaScript source as a string that defines handler; got {answer!r}",
    )
    need(
        node_available(),
        "this check needs Node.js 18 or later (node on PATH, or pip install 'edgelab[node]')",
    )
    suffix = ".mjs" if "export " in answer else ".cjs"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"workshop{suffix}"
        path.write_text(answer, encoding="utf-8")
        try:
            res = invoke(str(path), build_event("viewer-request", uri="/index.html"))
        except EdgelabError as exc:
            raise NotYet(f"Node could not load it: {exc}") from None
    if res.outcome == "error":
        raise NotYet(
            f"CloudFront would answer {res.status}: "
            + (res.error.message if res.error else "invalid result")
        )
    need(res.outcome == "request", "the handler returned a response; return the request")
    value = Headers((res.request or {}).get("headers", {})).get("x-workshop")
    need(value == "edge", f"the request's X-Workshop header is {value!r}, not 'edge'")
    return "Node ran it unmodified: the request goes on with X-Workshop: edge"


@task(
    "07.2", "Write a Python viewer-request handler that behaves exactly like handlers/redirect.js."
)
def task2(answer: Any) -> str:
    need(callable(answer), f"give a handler function answer_2(event, context); got {answer!r}")
    reference = notebook_handler("redirect.js" if node_available() else "redirect.py")
    for uri in ("/old/a", "/old/deep/page.html", "/new/a", "/", "/older"):
        event = build_event("viewer-request", uri=uri)
        want, got = invoke(str(reference), event), invoke(answer, event)
        same = (want.outcome, want.status) == (got.outcome, got.status)
        if same and want.outcome == "response":
            same = Headers((want.response or {})["headers"]).get("location") == Headers(
                (got.response or {})["headers"]
            ).get("location")
        elif same and want.outcome == "request":
            same = (want.request or {})["uri"] == (got.request or {})["uri"]
        if not same:
            where = (
                Headers((want.response or {})["headers"]).get("location")
                if want.outcome == "response"
                else (want.request or {})["uri"]
            )
            raise NotYet(
                f"for {uri} {reference.name} gives {want.outcome} {want.status or ''} "
                f"({where}); yours gives {got.outcome} {got.status or ''}"
                + (f": {got.error.message}" if got.error else "")
            )
    return f"same outcome, status and Location as {reference.name} on every uri tried"
