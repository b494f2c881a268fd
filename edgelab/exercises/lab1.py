"""Checks of workshop lab 1, security headers on every response (origin response)."""

from __future__ import annotations

import re
from typing import Any

from ..definitions.policies import REFERRER_POLICIES  # the values browsers accept
from ..edge.origins import FolderOrigin
from ._check import NotYet, as_number, need, task
from ._labs import distribution, failed, handler_of, workshop_file

ONE_YEAR = 31_536_000
#: the five headers the lab adds (lowercase, as in a trace's headers)
SECURITY_HEADERS = (
    "strict-transport-security",
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
)


def _problems(headers: dict[str, str]) -> list[str]:
    """What is missing or wrong among the five security headers."""
    out = []
    hsts = headers.get("strict-transport-security", "")
    age = re.search(r"max-age=(\d+)", hsts)
    if not age or int(age.group(1)) < ONE_YEAR:
        out.append(
            f"Strict-Transport-Security should have max-age of at least {ONE_YEAR} (a year); "
            f"got {hsts or None!r}"
        )
    csp = headers.get("content-security-policy", "")
    if "default-src" not in csp:
        out.append(f"Content-Security-Policy should set default-src; got {csp or None!r}")
    nosniff = headers.get("x-content-type-options", "")
    if nosniff.lower() != "nosniff":
        out.append(f"X-Content-Type-Options should be nosniff; got {nosniff or None!r}")
    frame = headers.get("x-frame-options", "")
    if frame.upper() not in ("DENY", "SAMEORIGIN"):
        out.append(f"X-Frame-Options should be DENY or SAMEORIGIN; got {frame or None!r}")
    referrer = headers.get("referrer-policy", "")
    if referrer.lower() not in REFERRER_POLICIES:
        out.append(
            f"Referrer-Policy should be a policy such as same-origin; got {referrer or None!r}"
        )
    return out


@task(
    "lab1.1",
    "Complete handlers/security_headers.py, an origin-response function that adds "
    "Strict-Transport-Security, Content-Security-Policy, X-Content-Type-Options, "
    "X-Frame-Options and Referrer-Policy to every response, keeping the origin's headers.",
)
def task1(answer: Any) -> str:
    handler = handler_of(answer)
    with distribution(
        {"origin-response": handler}, origin=FolderOrigin(workshop_file("site"))
    ) as site:
        seen = [site.request(p) for p in ("/index.html", "/index.html", "/missing.html")]
    for trace in seen:
        failed(trace, "origin-response")
    first, hit, missing = seen
    need(
        first.stage("origin-response") is not None,
        "the function did not run: is it the origin-response function?",
    )
    problems = _problems(first.headers)
    need(not problems, "on /index.html: " + "; ".join(problems))
    need(
        first.headers.get("content-type", "").startswith("text/html"),
        "the origin's Content-Type is gone: add headers to response['headers'], do not "
        "replace the whole map",
    )
    need(
        hit.cache == "Hit" and not _problems(hit.headers),
        f"the second request ({hit.cache}) lacks them: {'; '.join(_problems(hit.headers))}",
    )
    need(
        not _problems(missing.headers),
        f"the {missing.status} for a missing page lacks them: origin response runs for "
        "error responses too; add the headers whatever the status",
    )
    return (
        "all five headers are on the page, on its cached copy and on the error page, "
        "and the origin's own headers are kept"
    )


def _runs(trigger: str, requests: int) -> int:
    def pass_on(event: dict[str, Any], context: Any) -> dict[str, Any]:
        cf = event["Records"][0]["cf"]
        return cf["response"] if "response" in cf else cf["request"]

    with distribution({trigger: pass_on}, origin=FolderOrigin(workshop_file("site"))) as site:
        traces = [site.request("/index.html") for _ in range(requests)]
    return sum(t.stage(trigger) is not None for t in traces)


@task(
    "lab1.2",
    "How many times does an origin-response function run for 10 requests of "
    "/index.html in a row (one edge location, a 24-hour TTL)? And a viewer-response one?",
)
def task2(answer: Any) -> str:
    need(
        isinstance(answer, tuple | list) and len(answer) == 2,
        f"give two numbers, (origin response, viewer response); got {answer!r}",
    )
    origin_runs, viewer_runs = _runs("origin-response", 10), _runs("viewer-response", 10)
    got = (as_number(answer[0], "the first number"), as_number(answer[1], "the second number"))
    if got[0] != origin_runs:
        raise NotYet(
            f"origin response ran {origin_runs} time(s), not {got[0]:g}: it runs on a cache "
            "miss only, and what it returns is cached with the object"
        )
    need(
        got[1] == viewer_runs,
        f"viewer response ran {viewer_runs} times, not {got[1]:g}: it runs for every "
        "response, hits included",
    )
    return (
        f"origin response ran {origin_runs} time and viewer response {viewer_runs} times: "
        "headers added in origin response are cached with the page, so they cost one run"
    )
