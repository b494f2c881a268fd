"""Exercises of notebook 4, header rewrites and device-based content."""

from __future__ import annotations

from typing import Any

from ..edge.cache import CachePolicy
from ..edge.distribution import Distribution, OriginRequestPolicy
from ..edge.origins import MappingOrigin
from ..event.build import build_event
from ..invoke import invoke
from ..resources import notebook_handler
from ._check import NotYet, need, task

DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


@task(
    "04.1",
    "Give a cache policy that keeps the desktop and the mobile page apart, and still "
    "keeps one copy per language.",
)
def task1(answer: Any) -> str:
    need(isinstance(answer, CachePolicy), f"give an el.CachePolicy(...); got {answer!r}")
    site = Distribution(
        {
            "viewer-request": str(notebook_handler("language.py")),
            "origin-request": str(notebook_handler("device_pages.py")),
        },
        origin=MappingOrigin({"/index.html": "desktop home", "/mobile/index.html": "mobile home"}),
        cache_policy=answer,
        origin_request_policy=OriginRequestPolicy(
            cloudfront_headers=("CloudFront-Is-Mobile-Viewer",)
        ),
        clock=lambda: 1_700_000_000.0,
    )
    try:
        seen = {
            who: site.request(
                "/index.html", headers={"User-Agent": ua, "Accept-Language": "fr-FR"}
            ).body
            for who, ua in (("desktop", DESKTOP), ("iphone", IPHONE))
        }
    finally:
        site.close()
    if seen["iphone"] != b"mobile home":
        raise NotYet(
            f"after a desktop viewer, an iPhone got {seen['iphone'].decode()!r}: the "
            "cache key must include the device (CloudFront-Is-Mobile-Viewer)"
        )
    need(
        "accept-language" in answer.headers,
        "the device is in the key, but Accept-Language is not any more: every language "
        "would share one copy",
    )
    return "the device and the language are both in the cache key: each viewer gets its page"


@task(
    "04.2",
    "Write a viewer-request handler that lowercases the uri, so /Index.HTML and "
    "/index.html share one cache entry.",
)
def task2(answer: Any) -> str:
    need(callable(answer), f"give a handler function answer_2(event, context); got {answer!r}")
    for uri, qs in (
        ("/Index.HTML", ""),
        ("/Products/Item-1.html", "Color=Red"),
        ("/already/lower", ""),
    ):
        res = invoke(answer, build_event("viewer-request", uri=uri, querystring=qs))
        if res.outcome == "error":
            raise NotYet(
                f"for {uri} CloudFront would answer {res.status}: "
                + (res.error.message if res.error else "invalid result")
            )
        need(res.outcome == "request", f"for {uri} it returned a response; return the request")
        got = (res.request or {})["uri"]
        need(got == uri.lower(), f"{uri} became {got!r}, not {uri.lower()!r}")
        need(
            (res.request or {}).get("querystring", "") == qs,
            f"the query string {qs!r} became {(res.request or {}).get('querystring')!r}; leave it "
            "alone (its values can be case-sensitive)",
        )
    return "every uri is lowercased and the query string is kept as it was"
