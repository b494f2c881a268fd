"""Response headers policies (facts §5): what CloudFront adds to and removes from the
response a viewer gets, on hits and misses alike, without touching what is cached.

:class:`ResponseHeadersPolicy` is the chain's unit (between the ``CloudFront-*`` headers
and viewer response, so a viewer-response function sees the policy's headers); the
pure functions below do the work and are what the tests and notebooks call:

* :func:`cors_headers`: CORS (§5.1): the request's ``Origin`` matched against the
  allowed origins (exact, ``*``, ``https://*.example.org``, ``http://example.org:*``);
  a preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) gets
  Allow-Origin, Allow-Methods, Allow-Headers, Max-Age and Allow-Credentials, other
  requests Allow-Origin, Allow-Credentials and Expose-Headers;
* security headers (§5.2) and custom headers (§5.3), each with its ``Override``;
* removed headers (§5.3): removal first, then additions; CloudFront puts its own
  ``Server`` and ``Date`` back when a policy removes them;
* :func:`server_timing`: the ``Server-Timing`` header (§5.4), filled from what edgelab
  measured for the request (cache outcome and tier, origin first-byte time, time to the
  viewer), for the sampled share of requests or any request with ``Pragma:
  server-timing``.

A policy is the model's ``ResponseHeadersPolicySpec`` (``edgelab.definitions``), or a
managed policy's name or id::

    el.CacheBehavior(response_headers_policy="CORS-With-Preflight")

The UNSURE points decided are rows of ``DISTRIBUTION_DECISIONS``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from email.utils import formatdate
from functools import cache
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..event.headers import HeaderMap, Headers
from .exchange import Exchange, Next, Reply, perf
from .stage import StageUnit

if TYPE_CHECKING:
    from .behavior import CacheBehavior
    from .distribution import Distribution

__all__ = [
    "CORS_RESPONSE_HEADERS",
    "ResponseHeadersPolicy",
    "allowed_origin",
    "apply_policy",
    "cors_headers",
    "is_preflight",
    "policy_of",
    "sampled",
    "server_timing",
]

#: the CORS response headers a policy sets (facts §5.1)
CORS_RESPONSE_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
)
_CORS_LOWER = frozenset(h.lower() for h in CORS_RESPONSE_HEADERS)
#: ``ALL`` in ``AccessControlAllowMethods`` (facts §5.1)
ALL_CORS_METHODS = ("GET", "DELETE", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
#: what CloudFront puts back when a policy removes it (facts §5.3)
RESTORED = ("server", "date")


def policy_of(value: Any, *, key: str = "response_headers_policy") -> Any:
    """The ``ResponseHeadersPolicySpec`` a behaviour names: the spec itself, or a managed
    policy by name or id (facts §5.5); a ConfigError names what is allowed otherwise."""
    if value is None or hasattr(value, "security_headers"):
        return value
    from ..definitions import managed

    found = managed.lookup("response_headers", value) if isinstance(value, str) else None
    if found is None:
        names = ", ".join(p.name for p in managed.all_policies("response_headers"))
        raise ConfigError(
            f"{key} must be a managed response headers policy's name or id ({names}) or "
            f"an edgelab.definitions.ResponseHeadersPolicySpec (facts §5.5); got {value!r}",
            key=key,
        )
    return found


# -- CORS (§5.1) ----------------------------------------------------------------------------
def is_preflight(request: Mapping[str, Any]) -> bool:
    """An ``OPTIONS`` request with ``Origin`` and ``Access-Control-Request-Method``."""
    headers = request.get("headers", {})
    return (
        str(request.get("method", "")).upper() == "OPTIONS"
        and bool(headers.get("origin"))
        and bool(headers.get("access-control-request-method"))
    )


@cache
def _origin_pattern(entry: str) -> re.Pattern[str] | None:
    """An allowed-origins entry as a regular expression (None for ``*``): ``*.`` in the
    host stands for one or more subdomain labels, ``*`` in the port for digits."""
    if entry == "*":
        return None
    scheme, sep, rest = entry.partition("://")
    if not sep:
        return re.compile(r"(?!)")  # without a scheme no Origin can equal it
    host, colon, port = rest.rstrip("/").partition(":")
    host_re = re.escape(host.lower()).replace(r"\*\.", r"(?:[a-z0-9-]+\.)+")
    port_re = (":" + re.escape(port).replace(r"\*", r"[0-9]*")) if colon else ""
    return re.compile(re.escape(scheme.lower()) + "://" + host_re + port_re)


def allowed_origin(origin: str, allowed: Sequence[str]) -> str | None:
    """The ``Access-Control-Allow-Origin`` value for a request's ``Origin``: the origin
    itself when an entry matches it, ``*`` when ``*`` is allowed, else None (no CORS
    headers). Scheme and host compare case-insensitively."""
    if not origin:
        return None
    low = origin.lower()
    for entry in allowed:
        pattern = _origin_pattern(entry)
        if pattern is None:
            return "*"
        if pattern.fullmatch(low):
            return origin
    return None


def cors_headers(cors: Any, request: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The CORS headers a policy's ``CorsConfig`` gives ``request`` (facts §5.1), as
    ``(name, value)`` pairs; none when its ``Origin`` is not allowed."""
    origin = Headers(request.get("headers", {})).get("origin", "")
    allow = allowed_origin(origin, cors.allow_origins)
    if allow is None:
        return []
    out = [("Access-Control-Allow-Origin", allow)]
    if cors.allow_credentials:
        out.append(("Access-Control-Allow-Credentials", "true"))
    if is_preflight(request):
        methods = ALL_CORS_METHODS if "ALL" in cors.allow_methods else cors.allow_methods
        if methods:
            out.append(("Access-Control-Allow-Methods", ", ".join(methods)))
        if cors.allow_headers:
            out.append(("Access-Control-Allow-Headers", ", ".join(cors.allow_headers)))
        if cors.max_age_sec is not None:
            out.append(("Access-Control-Max-Age", str(cors.max_age_sec)))
    elif cors.expose_headers:
        out.append(("Access-Control-Expose-Headers", ", ".join(cors.expose_headers)))
    return out


# -- Server-Timing (§5.4) ------------------------------------------------------------------
def sampled(rate: float, request_id: str, headers: Mapping[str, Any]) -> bool:
    """Whether a request gets ``Server-Timing`` at ``rate`` percent: always with
    ``Pragma: server-timing``; else when the request id's hash falls in the rate (the
    same request id always gives the same answer, so a replay is reproducible)."""
    pragma = ",".join(Headers(headers).get_list("pragma")).lower()
    if "server-timing" in (p.strip() for p in pragma.split(",")):
        return True
    if rate <= 0:
        return False
    digest = hashlib.blake2b(request_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 * 100 < rate


def server_timing(ex: Exchange, reply: Reply, now: float | None = None) -> str:
    """The ``Server-Timing`` value for a request (facts §5.4): the cache outcome, where it
    was answered or which layer went upstream, the origin's first-byte time as measured,
    the POP, the request id and the time to the viewer's first byte so far (``now``:
    ``perf_counter()`` seconds). DNS and connect times are 0: a local origin is reached
    over a persistent connection without a lookup (DISTRIBUTION_DECISIONS)."""
    parts: list[str] = []
    hit = reply.cache in ("Hit", "RefreshHit")
    layer = "REC" if ex.cache_tier == "regional" or ex.regional else "EDGE"
    if not hit and ex.origin_call is not None:
        parts += [
            f'cdn-upstream-layer;desc="{layer}"',
            "cdn-upstream-dns;dur=0",
            "cdn-upstream-connect;dur=0",
            f"cdn-upstream-fbl;dur={round(ex.origin_call.duration_ms)}",
        ]
    outcome = "refresh" if reply.cache == "RefreshHit" else "hit" if hit else "miss"
    parts.append(f"cdn-cache-{outcome}")
    parts += [f'cdn-pop;desc="{ex.viewer.edge_location}"', f'cdn-rid;desc="{ex.request_id}"']
    if hit:
        parts.append(f'cdn-hit-layer;desc="{"REC" if ex.cache_tier == "regional" else "EDGE"}"')
    elapsed = ((perf() if now is None else now) - ex.started) * 1000
    parts.append(f"cdn-downstream-fbl;dur={round(elapsed)}")
    return ",".join(parts)


# -- the policy as a whole ------------------------------------------------------------------
def _set(headers: HeaderMap, name: str, value: str, override: bool) -> None:
    if override or name.lower() not in headers:
        headers[name.lower()] = [{"key": name, "value": value}]


def apply_policy(
    policy: Any,
    request: Mapping[str, Any],
    response: Mapping[str, Any],
    *,
    timing: str | None = None,
    hit: bool = False,
    now: float | None = None,
) -> dict[str, Any]:
    """``response`` with ``policy`` applied for ``request`` (facts §5): removed headers
    first, then CORS, security and custom headers by their override flags, then
    ``timing`` as ``Server-Timing`` (merged with the origin's on a miss, replacing a
    cached one on a hit). ``now`` (epoch seconds) dates a ``Date`` CloudFront puts back."""
    headers: HeaderMap = dict(response.get("headers", {}))
    removed = {n.lower() for n in policy.remove_headers}
    for name in removed:
        headers.pop(name, None)
    if policy.cors is not None:
        pairs = cors_headers(policy.cors, request)
        if pairs and (policy.cors.origin_override or not _CORS_LOWER & set(headers)):
            for name, value in pairs:
                headers[name.lower()] = [{"key": name, "value": value}]
    for h in (*policy.security_headers, *policy.custom_headers):
        _set(headers, h.name, h.value, h.override)
    if "server" in removed and "server" not in headers:
        headers["server"] = [{"key": "Server", "value": "CloudFront"}]
    if "date" in removed and "date" not in headers:
        headers["date"] = [{"key": "Date", "value": formatdate(now, usegmt=True)}]
    if timing is not None:
        kept = [] if hit else Headers(headers).get_list("server-timing")
        headers["server-timing"] = [{"key": "Server-Timing", "value": ",".join([*kept, timing])}]
    return {**response, "headers": headers}


class ResponseHeadersPolicy(StageUnit):
    """The behaviour's response headers policy (facts §5), applied to every response
    that comes back through it: hits, misses, origin errors, generated responses of
    origin request and CloudFront's own error pages; viewer response sees the result."""

    def __init__(
        self, next: Next, dist: Distribution, behavior: CacheBehavior | None = None
    ) -> None:
        super().__init__(next, dist, behavior)
        self.policy = policy_of(
            self.behavior.response_headers_policy,
            key=f"behaviors[{self.behavior.path_pattern}].response_headers_policy",
        )
        timing = self.policy.server_timing
        self.timing_rate = timing.sampling_rate if timing is not None and timing.enabled else None

    @classmethod
    def wanted(cls, dist: Distribution, behavior: CacheBehavior) -> bool:
        return behavior.response_headers_policy is not None

    def __call__(self, ex: Exchange) -> Reply:
        request = ex.request
        reply = self.next(ex)
        hit = reply.cache in ("Hit", "RefreshHit")
        timing = None
        if self.timing_rate is not None and sampled(
            self.timing_rate, ex.request_id, request.get("headers", {})
        ):
            timing = server_timing(ex, reply)
        response = apply_policy(
            self.policy, request, reply.response, timing=timing, hit=hit, now=ex.now
        )
        return Reply(response, reply.cache, reply.generated_by, reply.edge_rule)
