"""Checks of workshop lab 5, content per device (CloudFront-Is-*-Viewer, origin request)."""

from __future__ import annotations

from typing import Any

from ..edge.cache import CachePolicy
from ..edge.distribution import OriginRequestPolicy
from ..edge.origins import FolderOrigin
from ..event.build import build_event
from ..invoke import invoke
from ._check import NotYet, need, task
from ._labs import DESKTOP, IPAD, IPHONE, distribution, failed, handler_of, workshop_file

DEVICE_HEADERS = (
    "CloudFront-Is-Desktop-Viewer",
    "CloudFront-Is-Mobile-Viewer",
    "CloudFront-Is-Tablet-Viewer",
)
VIEWERS = (
    ("desktop", DESKTOP, "/index.html"),
    ("iPhone", IPHONE, "/mobile/index.html"),
    ("iPad", IPAD, "/tablet/index.html"),
)


def device_site(handler: Any) -> Any:
    """The lab's distribution: the device headers forwarded and in the cache key."""
    return distribution(
        {"origin-request": handler},
        origin=FolderOrigin(workshop_file("site")),
        cache_policy=CachePolicy(headers=DEVICE_HEADERS),
        origin_request_policy=OriginRequestPolicy(cloudfront_headers=DEVICE_HEADERS),
    )


@task(
    "lab5.1",
    "Complete handlers/device_content.py, an origin-request function that sends phones "
    "to /mobile/... and tablets to /tablet/..., desktops to the page they asked for.",
)
def task1(answer: Any) -> str:
    handler = handler_of(answer)
    with device_site(handler) as site:
        seen = [
            (who, want, site.request("/index.html", headers={"User-Agent": ua}))
            for who, ua, want in VIEWERS
        ]
    for who, want, trace in seen:
        failed(trace, "origin-request")
        sent = trace.origin.request.get("uri") if trace.origin else None
        if sent != want and who == "iPad" and sent == "/mobile/index.html":
            raise NotYet(
                "an iPad was sent to the mobile page: CloudFront marks a tablet as "
                "mobile too (CloudFront-Is-Mobile-Viewer and -Tablet-Viewer both true, "
                "lambda-edge-facts §7), so ask about the tablet first"
            )
        need(sent == want, f"for a {who} the origin was asked for {sent!r}, not {want!r}")
        need(trace.status == 200, f"the {who} got {trace.status}")
    return "each device gets its own page, and the cache keeps the three apart"


@task(
    "lab5.2",
    "Make handlers/device_content.py safe when the device headers are missing (a "
    "distribution whose policy forgot them): the request goes on unchanged.",
)
def task2(answer: Any) -> str:
    handler = handler_of(answer)
    event = build_event("origin-request", uri="/index.html")
    headers = event["Records"][0]["cf"]["request"]["headers"]
    for name in list(headers):
        if name.startswith("cloudfront-is-"):
            del headers[name]
    res = invoke(handler, event)
    if res.outcome == "error":
        raise NotYet(
            f"without the device headers CloudFront answers {res.status}: "
            + (res.error.message if res.error else "the result is not valid")
        )
    need(res.outcome == "request", "without the device headers it answered with a response")
    uri = (res.request or {}).get("uri")
    need(uri == "/index.html", f"without the device headers the uri became {uri!r}")
    return "without the device headers the request goes on as it came (the desktop page)"
