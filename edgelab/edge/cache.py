"""The edge cache: cache policy, cache key, TTL and a store with an injected clock.

* :class:`CachePolicy` says what is in the cache key (facts §8.3) and how long objects
  live (default/min/max TTL).
* :func:`CachePolicy.key` builds the key: distribution domain + path, the method for
  ``OPTIONS``, and the headers, cookies and query strings the policy names, normalised
  as CloudFront does (header names case-insensitive and order-free, values case-
  sensitive; query strings in order and case-sensitive, signed-URL parameters
  stripped; cookies case-sensitive and sorted; ``Accept-Encoding`` as ``br,gzip`` /
  ``gzip`` / left out).
* :func:`CachePolicy.ttl` reads ``Cache-Control`` / ``Expires`` and clamps to min/max.
* :class:`Cache` stores responses; time comes from ``clock`` so tests never sleep.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from fnmatch import fnmatchcase
from functools import cached_property, lru_cache
from typing import Any

from ..errors import ConfigError
from ..event.headers import HeaderMap, Headers, all_values, first_value, select_cookies

SIGNED_URL_PARAMS = frozenset({"Expires", "Key-Pair-Id", "Policy", "Signature"})
#: Cached for the policy's TTL (CloudFront's list of cacheable statuses).
CACHEABLE_STATUSES = frozenset({200, 203, 206, 300, 301, 410})
#: Error caching (distribution facts §6.2): cached for the error caching TTL even
#: without caching headers ...
ALWAYS_CACHED_ERRORS = frozenset({404, 414, 500, 501, 502, 503, 504})
#: ... cached only when the origin sends ``max-age`` / ``s-maxage`` (or ``Expires``) ...
ERRORS_CACHED_WITH_MAX_AGE = frozenset({400, 403, 405, 412, 415})
#: ... and never cached.
NEVER_CACHED_ERRORS = frozenset({416})
ERROR_STATUSES = ALWAYS_CACHED_ERRORS | ERRORS_CACHED_WITH_MAX_AGE | NEVER_CACHED_ERRORS
NOT_CACHED_DIRECTIVES = ("no-store", "no-cache", "private")


@dataclass(frozen=True)
class NameMatch:
    """A choice of names a plain list cannot say: names with the wildcards ``*`` and
    ``?`` (legacy cookie allow-lists, facts §4.6), or, with ``exclude``, every name but
    these (``allExcept``, §4.1, §4.2). ``name in match`` answers for one name; matching
    is case-sensitive (header names are lower-cased by their policy first)."""

    names: tuple[str, ...]
    exclude: bool = False

    def __contains__(self, name: object) -> bool:
        hit = isinstance(name, str) and any(fnmatchcase(name, p) for p in self.names)
        return hit != self.exclude

    def __str__(self) -> str:
        return ("all except " if self.exclude else "matching ") + ", ".join(self.names)


Selection = str | tuple[str, ...] | NameMatch  # "none" | "all" | names | a NameMatch


def parse_selection(value: Any, *, key: str, allow_all: bool = True) -> Selection:
    """``"none"``, ``"all"``, a list of names or a :class:`NameMatch`; a clear
    ConfigError otherwise."""
    allowed = '"none", "all" or a list of names' if allow_all else '"none" or a list of names'
    if isinstance(value, NameMatch) and allow_all:
        return value
    if isinstance(value, str):
        v = value.strip().lower()
        if v == "none" or (v == "all" and allow_all):
            return v
        raise ConfigError(f"{key} must be {allowed}; got {value!r}", key=key)
    if isinstance(value, Iterable) and not isinstance(value, Mapping | bytes):
        names = tuple(value)
        if all(isinstance(n, str) and n.strip() for n in names):
            return tuple(n.strip() for n in names) or "none"
    raise ConfigError(f"{key} must be {allowed}; got {value!r}", key=key)


def _ttl_number(value: Any, key: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value != value
        or value < 0
        or value == float("inf")
    ):
        raise ConfigError(
            f"{key} must be a number of seconds, 0 or more (CloudFront cache "
            f"policy TTL); got {value!r}",
            key=key,
        )
    return float(value)


#: CachedMethods a cache behaviour may have (distribution facts §3.2).
CACHED_METHOD_SETS = (("GET", "HEAD"), ("GET", "HEAD", "OPTIONS"))


def _cached_methods(value: Any) -> tuple[str, ...]:
    names = None
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        items = list(value)
        if all(isinstance(m, str) for m in items):
            names = tuple(dict.fromkeys(m.strip().upper() for m in items))
    for allowed in CACHED_METHOD_SETS:
        if names is not None and sorted(names) == sorted(allowed):
            return allowed
    raise ConfigError(
        f'cache.cached_methods must be ["GET", "HEAD"] or ["GET", "HEAD", "OPTIONS"], the two '
        f"sets CloudFront offers (distribution facts §3.2); got {value!r}",
        key="cache.cached_methods",
    )


@lru_cache(maxsize=512)
def _accept_encoding(value: Any, gzip: bool, brotli: bool) -> str | None:
    """:meth:`CachePolicy.accept_encoding` of a value (viewers send few distinct ones:
    each is parsed once)."""
    codings = {part.split(";")[0].strip().lower() for part in (value or "").split(",")}
    if brotli and "br" in codings and "gzip" in codings:
        return "br,gzip"
    if gzip and "gzip" in codings:
        return "gzip"
    return None


@dataclass(frozen=True)
class CachePolicy:
    """What goes in the cache key and how long objects live (facts §8.3)."""

    default_ttl: float = 86400
    min_ttl: float = 0
    max_ttl: float = 31536000
    headers: tuple[str, ...] = ()
    cookies: Selection = "none"
    query_strings: Selection = "none"
    gzip: bool = True
    brotli: bool = True
    cached_methods: tuple[str, ...] = ("GET", "HEAD")
    error_ttl: float = 10
    #: (status, ErrorCachingMinTTL) of the distribution's custom error responses (§6.1)
    error_min_ttls: tuple[tuple[int, float], ...] = ()

    def __post_init__(self) -> None:
        for name in ("default_ttl", "min_ttl", "max_ttl", "error_ttl"):
            object.__setattr__(self, name, _ttl_number(getattr(self, name), f"cache.{name}"))
        object.__setattr__(
            self,
            "error_min_ttls",
            tuple(
                (int(code), _ttl_number(ttl, "custom_error_responses.error_caching_min_ttl"))
                for code, ttl in self.error_min_ttls
            ),
        )
        if not self.min_ttl <= self.default_ttl <= self.max_ttl:
            raise ConfigError(
                f"cache TTLs must satisfy min_ttl <= default_ttl <= max_ttl, as CloudFront "
                f"requires; got min_ttl={self.min_ttl:g}, default_ttl={self.default_ttl:g}, "
                f"max_ttl={self.max_ttl:g}",
                key="cache.default_ttl",
            )
        object.__setattr__(
            self, "headers", tuple(h.lower() for h in parse_selection_names(self.headers))
        )
        object.__setattr__(self, "cookies", parse_selection(self.cookies, key="cache.cookies"))
        object.__setattr__(
            self, "query_strings", parse_selection(self.query_strings, key="cache.query_strings")
        )
        object.__setattr__(self, "cached_methods", _cached_methods(self.cached_methods))

    # -- the key -------------------------------------------------------------------------
    @property
    def caching_disabled(self) -> bool:
        """All three TTLs 0: nothing is cached (CloudFront's CachingDisabled)."""
        return self.min_ttl == self.default_ttl == self.max_ttl == 0

    @property
    def compresses(self) -> bool:
        return self.gzip or self.brotli

    def accept_encoding(self, value: str | None) -> str | None:
        """``Accept-Encoding`` normalised as CloudFront does with compression caching on."""
        if not self.compresses:
            return None
        if value is None or type(value) is str:
            return _accept_encoding(value, self.gzip, self.brotli)
        return _accept_encoding.__wrapped__(value, self.gzip, self.brotli)

    def key_querystring(self, querystring: str) -> str:
        """The query string as it counts in the key: order and case kept (§8.3)."""
        sel = self.query_strings
        if sel == "none" or not querystring:
            return ""
        params = [p for p in querystring.split("&") if p]
        if sel == "all":
            return "&".join(p for p in params if p.partition("=")[0] not in SIGNED_URL_PARAMS)
        return "&".join(p for p in params if p.partition("=")[0] in sel)

    def key_cookies(self, headers: HeaderMap) -> tuple[tuple[str, str], ...]:
        return select_cookies(headers, self.cookies)

    def key(
        self, domain: str, method: str, uri: str, querystring: str, headers: HeaderMap
    ) -> tuple[Any, ...]:
        """The cache key of a request (§8.3): a hashable tuple."""
        names = self._key_headers  # lowercase: the map's own names, read directly
        hvals = tuple((name, tuple(all_values(headers, name))) for name in names) if names else ()
        ae = self.accept_encoding(first_value(headers, "accept-encoding"))
        return (
            domain,
            uri,
            method if method == "OPTIONS" else "",
            "" if not querystring else self.key_querystring(querystring),
            hvals,
            () if self.cookies == "none" else self.key_cookies(headers),
            ae,
        )

    @cached_property
    def _key_headers(self) -> tuple[str, ...]:
        """The header names the key holds, sorted (Accept-Encoding counts on its own)."""
        return tuple(name for name in sorted(self.headers) if name != "accept-encoding")

    # -- TTL ---------------------------------------------------------------------------
    def error_min_ttl(self, status: int) -> float:
        """The error caching minimum TTL of ``status``: its custom error response's
        ``ErrorCachingMinTTL``, else the distribution's default (10 s, facts §6.2)."""
        for code, ttl in self.error_min_ttls:
            if code == status:
                return ttl
        return self.error_ttl

    def error_caching_ttl(self, status: int, seconds: float | None) -> float:
        """Seconds to keep an error response (facts §6.2): 404, 414 and 5xx always, for
        the error caching TTL; 400, 403, 405, 412 and 415 only when the origin gives a
        ``max-age``/``s-maxage``/``Expires`` (``seconds``); 416 never. With ``seconds``
        the TTL is max(ErrorCachingMinTTL, seconds capped by max_ttl)."""
        if status in NEVER_CACHED_ERRORS:
            return 0.0
        floor = self.error_min_ttl(status)
        if seconds is None:
            return floor if status in ALWAYS_CACHED_ERRORS else 0.0
        return max(floor, min(self.max_ttl, seconds))

    def ttl(self, status: int, headers: HeaderMap, now: float) -> float:
        """Seconds to keep a response with ``status`` and ``headers``; 0 = not cached.

        ``s-maxage`` wins over ``max-age``, which wins over ``Expires``; the value is
        clamped to [min_ttl, max_ttl]. ``no-store``/``no-cache``/``private`` mean not
        cached when min_ttl is 0, and min_ttl otherwise (CloudFront's TTL table).
        Without any of them the default TTL applies. Error statuses follow error caching
        (:meth:`error_caching_ttl`).
        """
        directives: dict[str, str] = {}
        for line in all_values(headers, "cache-control"):
            for part in line.split(","):
                name, _, value = part.strip().partition("=")
                if name:
                    directives.setdefault(name.lower(), value.strip().strip('"'))
        if directives and not directives.keys().isdisjoint(NOT_CACHED_DIRECTIVES):
            return self.min_ttl
        seconds = _seconds(directives.get("s-maxage"))
        if seconds is None:
            seconds = _seconds(directives.get("max-age"))
        if seconds is None:
            seconds = _expires(headers, now)
        if status in ERROR_STATUSES:
            return self.error_caching_ttl(status, seconds)
        if seconds is None:
            if status not in CACHEABLE_STATUSES:
                return 0.0
            return self.default_ttl
        return min(self.max_ttl, max(self.min_ttl, seconds))


def parse_selection_names(value: Any) -> tuple[str, ...]:
    sel = parse_selection(value, key="cache.headers", allow_all=False)
    assert not isinstance(sel, NameMatch)
    return () if sel == "none" else tuple(sel)


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(int(value)))
    except ValueError:
        return None


def _expires(headers: HeaderMap, now: float) -> float | None:
    value = first_value(headers, "expires")
    if value is None:
        return None
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return 0.0  # an invalid Expires means already expired (RFC 9111 §5.3)
    return max(0.0, when - now)


@dataclass
class Entry:
    """One cached response and when it was stored."""

    response: dict[str, Any]
    stored_at: float
    ttl: float

    def age(self, now: float) -> int:
        return max(0, int(now - self.stored_at))

    def fresh(self, now: float) -> bool:
        return now - self.stored_at < self.ttl

    @property
    def validators(self) -> dict[str, str]:
        """The headers a revalidation sends (``If-None-Match`` from ``ETag``,
        ``If-Modified-Since`` from ``Last-Modified``); empty when the object has none."""
        h = Headers(self.response.get("headers", {}))
        out = {}
        if "etag" in h:
            out["If-None-Match"] = h["etag"]
        if "last-modified" in h:
            out["If-Modified-Since"] = h["last-modified"]
        return out


@dataclass
class Cache:
    """A cache store; ``clock`` gives the time in seconds (``time.time`` by default).

    ``max_entries`` bounds memory for long replays (least recently used goes first).
    """

    clock: Callable[[], float] = time.time
    max_entries: int | None = None
    _store: OrderedDict[Any, Entry] = field(default_factory=OrderedDict, repr=False)

    def get(self, key: Any, now: float | None = None) -> Entry | None:
        entry = self._store.get(key)
        if entry is None:
            return None
        now = self.clock() if now is None else now
        if now - entry.stored_at >= entry.ttl:
            del self._store[key]
            return None
        if self.max_entries is not None:
            self._store.move_to_end(key)
        return entry

    def peek(self, key: Any) -> Entry | None:
        """The entry under ``key``, fresh or expired (an expired one can be revalidated),
        without touching it."""
        return self._store.get(key)

    def put(
        self, key: Any, response: dict[str, Any], ttl: float, now: float | None = None
    ) -> Entry:
        now = self.clock() if now is None else now
        return self.put_entry(key, Entry(response, now, ttl))

    def put_entry(self, key: Any, entry: Entry) -> Entry:
        """Store ``entry`` as it is (a copy from another tier keeps its age and expiry)."""
        self._store[key] = entry
        if self.max_entries is not None:
            self._store.move_to_end(key)
            while len(self._store) > self.max_entries:
                self._store.popitem(last=False)
        return entry

    def clear(self) -> None:
        self._store.clear()

    def __len__(self) -> int:
        return len(self._store)

    def keys(self) -> Sequence[Any]:
        return list(self._store)
