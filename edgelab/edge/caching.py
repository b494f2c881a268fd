"""The cache stage: the edge location's cache, then its regional edge cache, then the
origin (facts §8, lambda-edge-facts §8.1-§8.3).

:class:`EdgeCache` looks a request up in its POP's cache; a miss there looks in the
regional edge cache the POP uses (a hit there is copied into the POP); a miss there goes
on down the chain to the origin-facing stages (origin request, the origin, origin
response), so a regional hit skips those functions, and what comes back is stored in both
tiers. Proxy methods, dynamic requests and S3 origins in the regional cache's own Region
skip the regional tier (:func:`~edgelab.edge.tiers.regional_bypass`).

An expired object that has an ``ETag`` or ``Last-Modified`` is revalidated: the origin
request carries ``If-None-Match`` / ``If-Modified-Since``; a 304 refreshes the stored
object's TTL and the viewer gets it as a ``RefreshHit`` (facts §4.5, §10).
"""

from __future__ import annotations

from typing import Any

from .cache import Cache, Entry
from .exchange import Exchange, Reply
from .stage import StageUnit
from .tiers import CacheTiers, regional_bypass

#: bypass reason, the edge location's cache, the regional edge cache's, its Region
_Plan = tuple[str | None, Cache, Cache | None, str | None]

#: headers of a 304 that update the stored object (RFC 9111 §4.3.4)
REFRESHED = ("cache-control", "expires", "etag", "last-modified", "date")


def _with_age(entry: Entry, age: int) -> dict[str, Any]:
    """The stored response with its ``Age`` (copies: the stored one is left alone)."""
    response = entry.response.copy()
    headers = response["headers"] = response["headers"].copy()
    headers["age"] = [{"key": "Age", "value": str(age)}]
    return response


class EdgeCache(StageUnit):
    """Both cache tiers; see the module docstring. Failures are never cached."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._tiers: CacheTiers | None = None
        self._plans: dict[tuple[str, str], _Plan] = {}

    def plan(self, pop: str, method: str) -> _Plan:
        """(bypass reason, the edge location's cache, the regional one or None) for a
        POP and a method, worked out once per pair (the hot path stays lean)."""
        tiers = self.dist.cache
        if tiers is not self._tiers:  # a new CacheTiers was set: plan afresh
            self._tiers, self._plans = tiers, {}
        found = self._plans.get((pop, method))
        if found is None:
            policy = self.behavior.cache_policy
            region = self.dist.regional_for(pop)
            bypass = regional_bypass(
                method, policy.caching_disabled, self.behavior.s3_region, region
            )
            rec = None if bypass or region is None else tiers.regional(region)
            found = self._plans[(pop, method)] = (bypass, tiers.edge(pop), rec, region)
        return found

    def key_for(self, ex: Exchange) -> Any:
        """The cache key of the request as it stands (facts §8.3)."""
        req = ex.request
        headers = req["headers"]
        if "accept-encoding" in headers and ex.viewer.http_version.startswith(("0.", "1.0")):
            # facts §3.4: for HTTP/1.0 CloudFront drops Accept-Encoding (no compression)
            headers = {k: v for k, v in headers.items() if k != "accept-encoding"}
        return self.behavior.cache_policy.key(
            self.dist.domain_name, req["method"], req["uri"], req["querystring"], headers
        )

    def __call__(self, ex: Exchange) -> Reply:
        b, now = self.behavior, ex.now
        policy = b.cache_policy
        method = ex.request["method"]
        cacheable = method in policy.cached_methods
        ex.cache_key = key = self.key_for(ex)
        pop = ex.viewer.edge_location
        # the plan worked out before for this POP and method (plan() keeps them)
        plan = self._plans.get((pop, method)) if self.dist.cache is self._tiers else None
        ex.bypass, edge, rec, region = plan or self.plan(pop, method)
        ex.regional = None if ex.bypass else region
        stale: Entry | None = None
        if cacheable:
            for cache in (edge, rec):
                if cache is None:
                    continue
                entry = cache.peek(key)
                if entry is None:
                    continue
                if entry.fresh(now):
                    name = "edge" if cache is edge else "regional"
                    if cache is not edge:
                        edge.put_entry(key, entry)  # fetched through the REC: both keep it
                    ex.cache_tier, ex.age, ex.ttl = name, entry.age(now), entry.ttl
                    return Reply(_with_age(entry, ex.age), "Hit")
                if stale is None or entry.stored_at > stale.stored_at:
                    stale = entry
        ex.cache_tier = "origin"
        if stale is not None and method == "GET" and stale.validators:
            ex.revalidate = stale
        reply = self.next(ex)
        if reply.failed or not cacheable or method == "HEAD":
            return reply
        if ex.revalidate is not None and reply.status == 304 and reply.generated_by is None:
            return self.refreshed(ex, ex.revalidate, reply, edge, rec)
        ex.ttl = policy.ttl(reply.status, reply.response["headers"], now)
        if ex.ttl > 0:
            entry = Entry(reply.response, now, ex.ttl)
            if rec is not None:
                rec.put_entry(key, entry)
            edge.put_entry(key, entry)
        return reply

    def refreshed(self, ex: Exchange, stale: Entry, reply: Reply, edge: Any, rec: Any) -> Reply:
        """The origin said 304 to a revalidation: the stored object, with the 304's
        caching headers, lives for a new TTL (facts §4.5)."""
        headers = dict(stale.response["headers"])
        for name in REFRESHED:
            if name in reply.response["headers"]:
                headers[name] = reply.response["headers"][name]
        response = {**stale.response, "headers": headers}
        ex.ttl = self.behavior.cache_policy.ttl(int(response["status"]), headers, ex.now)
        entry = Entry(response, ex.now, ex.ttl)
        if ex.ttl > 0:
            if rec is not None:
                rec.put_entry(ex.cache_key, entry)
            edge.put_entry(ex.cache_key, entry)
        ex.age = 0
        return Reply(_with_age(entry, 0), "RefreshHit")
