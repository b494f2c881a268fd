"""Exercises of notebook 6, size limits and errors."""

from __future__ import annotations

from typing import Any

from ..display import human_size
from ..event.build import build_event
from ..event.headers import header_bytes
from ..invoke import invoke
from ..resources import notebook_handler
from ..rules.tables import get_rules
from ._check import NotYet, as_number, need, task


@task(
    "06.1",
    "Write a viewer-request handler that generates a 200 page as large as the "
    "limit allows: within 1 KB of it, not over.",
)
def task1(answer: Any) -> str:
    need(callable(answer), f"give a handler function answer_1(event, context); got {answer!r}")
    limit = int(get_rules().limit("generated-response-size", "viewer-request") or 0)
    res = invoke(answer, build_event("viewer-request"))
    if res.outcome == "error":
        v = (
            res.violations[0].message
            if res.violations
            else (res.error.message if res.error else "invalid result")
        )
        raise NotYet(f"CloudFront answers {res.status}: {v}")
    need(
        res.outcome == "response",
        "the handler passed the request on; return a response {'status': '200', 'body': 'x' * n}",
    )
    body = (res.response or {}).get("body", "") or ""
    headers = header_bytes((res.response or {}).get("headers", {})) - 4 * sum(
        len(lines) for lines in (res.response or {}).get("headers", {}).values()
    )
    size = len(body.encode()) + headers
    need(
        size >= limit - 1024,
        f"{human_size(size)} is accepted, but {human_size(limit)} is "
        "the limit: make the body bigger",
    )
    return f"{human_size(size)} accepted, the limit is {human_size(limit)} (headers and body count)"


@task("06.2", "What status does CloudFront answer when a function raises an exception?")
def task2(answer: Any) -> str:
    got = as_number(answer, "the status")

    def crash(event: Any, context: Any) -> Any:
        raise RuntimeError("boom")

    res = invoke(crash, build_event("viewer-request"))
    need(
        got == res.status,
        f"{got:g} is not it: that status means "
        + {
            502: "the function returned something invalid",
            503: "the function ran past its timeout",
        }.get(int(got), "something else")
        + ". Look at crash.py's row",
    )
    return (
        f"{res.status} ({res.error.type if res.error else 'error'}): the viewer never sees "
        "the exception, only CloudFront's error page"
    )


@task("06.3", "Which rule does handlers/bad_header.py break? Give the rule's name.")
def task3(answer: Any) -> str:
    need(isinstance(answer, str), f"give the rule name as text; got {answer!r}")
    res = invoke(str(notebook_handler("bad_header.py")), build_event("viewer-request"))
    rules = [v.rule for v in res.violations]
    if answer.strip() not in rules:
        raise NotYet(
            f"{answer!r} is not among the violations of bad_header.py; read the "
            "rule column of its Violation records"
        )
    v = res.violations[rules.index(answer.strip())]
    return f"{v.rule} ({v.section}): {v.message}"
