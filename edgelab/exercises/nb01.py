"""Exercises of notebook 1, the anatomy of an event."""

from __future__ import annotations

from typing import Any

from ..event.build import build_event, cf_record
from ..event.headers import Headers
from ..invoke import invoke
from ._check import NotYet, need, task


@task(
    "01.1", "Build the origin-request event of a phone in Germany asking for /products/item-1.html."
)
def task1(answer: Any) -> str:
    need(
        isinstance(answer, dict) and "Records" in answer,
        f"give the event dict el.build_event returns; got a {type(answer).__name__}",
    )
    cf = cf_record(answer)
    trigger = cf.get("config", {}).get("eventType")
    need(
        trigger == "origin-request",
        f"this is {'an' if str(trigger).startswith('origin') else 'a'} {trigger} event: "
        "country and device headers exist from origin request "
        "on (fact sheet §7), so build an origin-request event",
    )
    request = cf["request"]
    need(
        request.get("uri") == "/products/item-1.html",
        f"the uri is {request.get('uri')!r}, not '/products/item-1.html'",
    )
    headers = Headers(request.get("headers", {}))
    country = headers.get("cloudfront-viewer-country")
    need(
        country == "DE",
        f"CloudFront-Viewer-Country is {country!r}; a viewer in Germany has 'DE' (country='DE')",
    )
    mobile = headers.get("cloudfront-is-mobile-viewer")
    need(
        mobile == "true",
        f"CloudFront-Is-Mobile-Viewer is {mobile!r}; a phone has 'true' (device='mobile')",
    )
    return (
        "an origin-request event with CloudFront-Viewer-Country: DE and "
        "CloudFront-Is-Mobile-Viewer: true, as CloudFront adds them after viewer request"
    )


def _cookie_cases() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("one ab cookie", build_event("viewer-request", cookies={"ab": "A"})),
        (
            "ab after another cookie",
            build_event("viewer-request", cookies={"session": "42", "ab": "B"}),
        ),
        ("no cookie at all", build_event("viewer-request")),
        ("cookies but no ab", build_event("viewer-request", cookies={"session": "7"})),
        (
            "two Cookie header lines",
            build_event("viewer-request", headers=[("Cookie", "session=1"), ("Cookie", "ab=B")]),
        ),
    ]


@task(
    "01.2",
    "Write a function that returns the value of the ab cookie of a viewer-request event, or None.",
)
def task2(answer: Any) -> str:
    need(callable(answer), f"give a function answer_2(event); got {answer!r}")
    for name, event in _cookie_cases():
        expected = Headers(cf_record(event)["request"]["headers"]).cookies().get("ab")
        got = answer(event)
        if got != expected:
            raise NotYet(
                f"for an event with {name} it returned {got!r}; the ab cookie is "
                f"{expected!r} (read every line of the cookie header, split on ';')"
            )
    return "the ab cookie is read right with one, several or no Cookie lines"


@task(
    "01.3",
    "Write a viewer-request handler that adds the header X-Workshop: edge to the "
    "request and passes it on.",
)
def task3(answer: Any) -> str:
    need(callable(answer), f"give a handler function answer_3(event, context); got {answer!r}")
    res = invoke(answer, build_event("viewer-request", uri="/index.html"))
    if res.outcome == "error":
        raise NotYet(
            f"CloudFront would answer {res.status}: "
            + (res.error.message if res.error else "the result is not valid")
        )
    need(
        res.outcome == "request",
        "the handler returned a response; return the request so "
        "that it goes on to the cache and the origin",
    )
    value = Headers((res.request or {}).get("headers", {})).get("x-workshop")
    need(
        value == "edge",
        f"the request's X-Workshop header is {value!r}, not 'edge' "
        "(headers['x-workshop'] = [{'key': 'X-Workshop', 'value': 'edge'}])",
    )
    return "the request goes on with X-Workshop: edge and no violation"
