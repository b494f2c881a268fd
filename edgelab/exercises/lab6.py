"""Checks of workshop lab 6, the origin chosen by the viewer's country (origin request),
with the latency model's estimate before and after."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..analysis import latency_percentiles
from ..edge.behavior import CacheBehavior
from ..edge.cache import CachePolicy
from ..edge.distribution import OriginRequestPolicy
from ..edge.origins import MappingOrigin
from ..event.headers import Headers
from ._check import NotYet, as_number, need, task
from ._labs import distribution, failed, handler_of

US_DOMAIN = "cards-us.example.com"
EU_DOMAIN = "cards-eu.example.com"
#: where the two origins are, for el.estimate_latency(..., origins=ORIGIN_REGIONS)
ORIGIN_REGIONS = {"us": "us-east-1", "eu": "eu-west-1"}
EUROPE = ("DE", "FR", "GB", "IE", "ES")
ELSEWHERE = ("US", "BR", "JP", "AU")


def country_site(handler: Any = None) -> Any:
    """The lab's distribution: two origins (us, eu), nothing cached (a dynamic site),
    CloudFront-Viewer-Country forwarded to origin request."""
    triggers = {"origin-request": handler} if handler is not None else {}
    return distribution(
        behaviors=[
            CacheBehavior(
                "*",
                target_origin="us",
                cache_policy=CachePolicy(default_ttl=0, max_ttl=0),
                origin_request_policy=OriginRequestPolicy(
                    cloudfront_headers=("CloudFront-Viewer-Country",)
                ),
                triggers=triggers,
            )
        ],
        origins={
            "us": MappingOrigin({"/index.html": "served from us-east-1"}, domain_name=US_DOMAIN),
            "eu": MappingOrigin({"/index.html": "served from eu-west-1"}, domain_name=EU_DOMAIN),
        },
    )


@task(
    "lab6.1",
    "Complete handlers/origin_by_country.py, an origin-request function that sends "
    f"viewers in Europe to the eu origin ({EU_DOMAIN}, Host header too) and everyone "
    "else to the us origin.",
)
def task1(answer: Any) -> str:
    handler = handler_of(answer)
    with country_site(handler) as site:
        seen = {c: site.request("/index.html", country=c) for c in (*EUROPE, *ELSEWHERE)}
    for country, trace in seen.items():
        failed(trace, "origin-request")
        want = "eu" if country in EUROPE else "us"
        if trace.origin_id != want:
            raise NotYet(
                f"a viewer in {country} reached the {trace.origin_id} origin, not {want}"
                + (
                    f": set request['origin']['custom']['domainName'] to {EU_DOMAIN!r}"
                    if want == "eu"
                    else ""
                )
            )
        sent = trace.origin.request if trace.origin else {}
        host = Headers(sent.get("headers", {})).get("host")
        domain = EU_DOMAIN if want == "eu" else US_DOMAIN
        need(
            host == domain,
            f"a viewer in {country} reached the {want} origin with Host {host!r}; set the "
            f"Host header to {domain!r} too (the origin serves by host name; Host is "
            "writable in origin request, lambda-edge-facts §3.2)",
        )
    return (
        f"viewers in {', '.join(EUROPE)} reach the eu origin, viewers in "
        f"{', '.join(ELSEWHERE)} the us one, each with its own Host"
    )


def _p50(frame: Any, country: str) -> float:
    need(
        isinstance(frame, pd.DataFrame) and "latency_ms" in frame and "country" in frame,
        "give the two result frames with latency columns (before, after)",
    )
    table = latency_percentiles(frame, by="country").set_index("country")
    need(country in table.index, f"the results have no viewers in {country}")
    return float(table.at[country, "p50"])


@task(
    "lab6.2",
    "By how many milliseconds did the median (p50) estimated latency of viewers in "
    "Germany (DE) fall when their requests went to the eu origin?",
)
def task2(answer: Any, before: Any, after: Any) -> str:
    got = as_number(answer, "the answer")
    was, now = _p50(before, "DE"), _p50(after, "DE")
    fall = was - now
    need(
        fall > 0,
        f"in these frames the p50 for DE went from {was:.1f} to {now:.1f} ms: is the "
        "after frame the one estimated with each origin where it is?",
    )
    if abs(got - fall) > max(1.0, 0.02 * fall):
        if abs(got + fall) <= max(1.0, 0.02 * fall):
            raise NotYet(f"{got:g} has the wrong sign: the latency fell, give the fall as positive")
        raise NotYet(
            f"{got:g} ms is not the fall: compare the p50 column for DE in "
            "analysis.latency_percentiles(before) and (after)"
        )
    return (
        f"the p50 for viewers in Germany fell from {was:.0f} ms to {now:.0f} ms "
        f"({fall:.0f} ms): their misses no longer cross the Atlantic"
    )
