"""CloudFront's managed policies as data, by name and by id.

The table is ``managed_policies.toml`` in this package, compiled from AWS's managed
policy pages (cache: facts §4.3, origin request: §4.4, response headers: §5.5; the file
names each page and the date). A name matches with or without the API's ``Managed-``
prefix, in any case (``CachingOptimized``, ``Managed-CachingOptimized``).

    >>> from edgelab.definitions import managed
    >>> managed.cache_policy("Managed-CachingOptimized").default_ttl
    86400.0
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from .model import (
    CachePolicySpec,
    CorsConfig,
    OriginRequestPolicySpec,
    ResponseHeader,
    ResponseHeadersPolicySpec,
    Selection,
)

KINDS = ("cache", "origin_request", "response_headers")
KIND_NAMES = {
    "cache": "cache policy",
    "origin_request": "origin request policy",
    "response_headers": "response headers policy",
}


@cache
def _data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("managed_policies.toml").read_text("utf-8")
    return tomllib.loads(text)


def source() -> dict[str, str]:
    """The pages the table was compiled from, and the date."""
    return dict(_data()["source"])


def selection(value: Any) -> Selection:
    """``"none"``, ``"all"``, a list (whitelist) or ``{behavior, names}``."""
    if value in ("none", "all"):
        return Selection(value)
    if isinstance(value, list):
        return Selection("whitelist" if value else "none", tuple(value))
    return Selection(value["behavior"], tuple(value.get("names", ())))


def _cache(row: dict[str, Any]) -> CachePolicySpec:
    lo, default, hi = row["ttl"]
    return CachePolicySpec(
        name=row["name"],
        id=row["id"],
        managed=True,
        min_ttl=float(lo),
        default_ttl=float(default),
        max_ttl=float(hi),
        headers=selection(row["headers"]),
        cookies=selection(row["cookies"]),
        query_strings=selection(row["query_strings"]),
        gzip=row["gzip"],
        brotli=row["brotli"],
        comment="managed cache policy",
    )


def _origin_request(row: dict[str, Any]) -> OriginRequestPolicySpec:
    data = _data()
    cf = row.get("cloudfront_headers", ())
    cf = tuple(data["cloudfront_headers"][cf]) if isinstance(cf, str) else tuple(cf)
    headers = selection(row["headers"])
    split = tuple(n for n in headers.names if n.lower().startswith("cloudfront-"))
    if split:
        headers = Selection(headers.behavior, tuple(n for n in headers.names if n not in split))
    return OriginRequestPolicySpec(
        name=row["name"],
        id=row["id"],
        managed=True,
        headers=headers,
        cookies=selection(row["cookies"]),
        query_strings=selection(row["query_strings"]),
        cloudfront_headers=split + cf,
        comment="managed origin request policy",
    )


def _response_headers(row: dict[str, Any]) -> ResponseHeadersPolicySpec:
    data = _data()
    cors = None
    if "cors" in row:
        c = data["cors_sets"][row["cors"]]
        cors = CorsConfig(
            allow_origins=tuple(c.get("allow_origins", ())),
            allow_methods=tuple(c.get("allow_methods", ())),
            allow_headers=tuple(c.get("allow_headers", ())),
            expose_headers=tuple(c.get("expose_headers", ())),
            allow_credentials=c.get("allow_credentials", False),
            max_age_sec=c.get("max_age_sec"),
            origin_override=c["origin_override"],
        )
    security = tuple(
        ResponseHeader(n, v, o)
        for n, v, o in data["security_sets"].get(row.get("security", ""), ())
    )
    return ResponseHeadersPolicySpec(
        name=row["name"],
        id=row["id"],
        managed=True,
        cors=cors,
        security_headers=security,
        comment="managed response headers policy",
    )


_BUILD = {"cache": _cache, "origin_request": _origin_request, "response_headers": _response_headers}


def _key(name: str) -> str:
    name = name.strip().lower()
    return name.removeprefix("managed-")


@cache
def _index(kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for row in _data()[kind]:
        spec = _BUILD[kind](row)
        out[row["id"]] = spec
        out[_key(row["name"])] = spec
    return out


def all_policies(kind: str) -> list[Any]:
    """Every managed policy of one kind (``cache``, ``origin_request``, ``response_headers``)."""
    return [_BUILD[kind](row) for row in _data()[kind]]


def lookup(kind: str, name_or_id: str) -> Any | None:
    """The managed policy of ``kind`` with that id or name, or None."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    return _index(kind).get(name_or_id.strip()) or _index(kind).get(_key(name_or_id))


def unpublished(name_or_id: str) -> str | None:
    """The name of a managed policy AWS lists without its settings (Amplify Hosting)."""
    for row in _data().get("unpublished", ()):
        if name_or_id.strip() == row["id"] or _key(name_or_id) == _key(row["name"]):
            return row["name"]
    return None


def cache_policy(name_or_id: str) -> CachePolicySpec | None:
    return lookup("cache", name_or_id)


def origin_request_policy(name_or_id: str) -> OriginRequestPolicySpec | None:
    return lookup("origin_request", name_or_id)


def response_headers_policy(name_or_id: str) -> ResponseHeadersPolicySpec | None:
    return lookup("response_headers", name_or_id)
