"""Headers CloudFront adds between stages (facts §1.8, §7).

* device headers (``CloudFront-Is-*-Viewer``) from the User-Agent, parsed with
  ``user-agents-ng`` (built on ``ua-parser``), never hand-written regexes; parse
  results are cached because traffic repeats user agents;
* geolocation and connection headers (``CloudFront-Viewer-*``,
  ``CloudFront-Forwarded-Proto``) from what the edge knows about the viewer;
* TLS headers (``CloudFront-Viewer-JA3-Fingerprint``, ``-JA4-Fingerprint``, ``-TLS``)
  for HTTPS viewers: edgelab sees no TLS handshake, so their values are synthetic,
  stable per User-Agent and HTTP version (the same client gets the same fingerprint);
* ``Via`` and ``X-Forwarded-For`` on the way to the origin.

``CloudFront-Error-Uri`` and ``CloudFront-Error-Args`` (facts §13) are known names a
policy may list, but CloudFront sends them only when it fetches a custom error page,
which edgelab does not serve, so they are never added.

Only the headers a policy asks for are added, and only after viewer request, so a
viewer-request function never sees CloudFront's values (§7).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import quote

from ..event.headers import HeaderMap
from .viewer import ViewerRequest

SMART_TV_OS = frozenset(
    {
        "tizen",
        "web0s",
        "webos",
        "roku",
        "tvos",
        "android tv",
        "fire os tv",
        "vidaa",
        "netcast",
        "orsay",
    }
)
SMART_TV_WORDS = (
    "smart-tv",
    "smarttv",
    "smart tv",
    "roku",
    "apple tv",
    "appletv",
    "chromecast",
    "fire tv",
    "bravia",
    "android tv",
    "googletv",
    "google tv",
)


@lru_cache(maxsize=4096)
def device_flags(user_agent: str) -> dict[str, bool]:
    """``{desktop, mobile, tablet, smarttv, ios, android}`` for a User-Agent (§7).

    A tablet is Mobile and Tablet at once (§7); Desktop is anything that is none of
    mobile, tablet or smart TV (curl and unknown agents count as desktop). Smart TVs come
    from the parsed OS (Tizen, webOS, Roku, tvOS, ...) or device family/brand/model.
    """
    from user_agents import parse  # imported on first use: it loads a large regex table

    ua = parse(user_agent or "")
    os_family = (ua.os.family or "").lower()
    device_words = " ".join(filter(None, (ua.device.family, ua.device.brand, ua.device.model)))
    device_words = device_words.lower()
    smarttv = (
        os_family in SMART_TV_OS
        or "tv" in device_words.split()
        or any(w in device_words for w in SMART_TV_WORDS)
    )
    tablet = bool(ua.is_tablet) and not smarttv
    mobile = (bool(ua.is_mobile) or tablet) and not smarttv
    return {
        "desktop": not (mobile or tablet or smarttv),
        "mobile": mobile,
        "tablet": tablet,
        "smarttv": smarttv,
        "ios": os_family == "ios",
        "android": os_family == "android",
    }


def _flag(which: str) -> Callable[[ViewerRequest], str | None]:
    return lambda v: "true" if device_flags(v.user_agent)[which] else "false"


def _attr(name: str, encode: bool = False) -> Callable[[ViewerRequest], str | None]:
    def get(v: ViewerRequest) -> str | None:
        value = getattr(v, name)
        if value is None:
            return None
        text = str(value)
        # Location values percent-encode non-ASCII characters (RFC 3986), §7.
        return quote(text, safe=" !#$&'()*+,/:;=?@[]~-._") if encode else text

    return get


def _https_only(make: Callable[[ViewerRequest], str]) -> Callable[[ViewerRequest], str | None]:
    return lambda v: make(v) if v.protocol.lower() in ("https", "wss", "grpcs") else None


@lru_cache(maxsize=4096)
def _digest(kind: str, user_agent: str, http_version: str) -> str:
    return hashlib.sha256(f"{kind}|{user_agent}|{http_version}".encode()).hexdigest()


def _ja3(v: ViewerRequest) -> str:
    """A JA3-shaped value (32 hex digits, an MD5 in production), synthetic (§7)."""
    return _digest("ja3", v.user_agent, v.http_version)[:32]


def _ja4(v: ViewerRequest) -> str:
    """A JA4-shaped value ``t13d1516h2_<12 hex>_<12 hex>``, synthetic (§13)."""
    alpn = "h2" if v.http_version.startswith("2") else "h1"
    h = _digest("ja4", v.user_agent, v.http_version)
    return f"t13d1516{alpn}_{h[:12]}_{h[12:24]}"


def _header_order(v: ViewerRequest) -> str:
    return ":".join(n for n, _ in v.headers)[:7680]


#: Each CloudFront header (§7) and how its value comes from the viewer; None = not added.
CLOUDFRONT_HEADERS: dict[str, Callable[[ViewerRequest], str | None]] = {
    "CloudFront-Is-Android-Viewer": _flag("android"),
    "CloudFront-Is-Desktop-Viewer": _flag("desktop"),
    "CloudFront-Is-IOS-Viewer": _flag("ios"),
    "CloudFront-Is-Mobile-Viewer": _flag("mobile"),
    "CloudFront-Is-SmartTV-Viewer": _flag("smarttv"),
    "CloudFront-Is-Tablet-Viewer": _flag("tablet"),
    "CloudFront-Viewer-Address": lambda v: (
        f"[{v.client_ip}]:{v.client_port}"
        if ":" in v.client_ip
        else f"{v.client_ip}:{v.client_port}"
    ),
    "CloudFront-Viewer-ASN": _attr("asn"),
    "CloudFront-Viewer-Country": lambda v: v.country.upper() if v.country else None,
    "CloudFront-Viewer-City": _attr("city", True),
    "CloudFront-Viewer-Country-Name": _attr("country_name", True),
    "CloudFront-Viewer-Country-Region": _attr("region", True),
    "CloudFront-Viewer-Country-Region-Name": _attr("region_name", True),
    "CloudFront-Viewer-Latitude": _attr("latitude"),
    "CloudFront-Viewer-Longitude": _attr("longitude"),
    "CloudFront-Viewer-Metro-Code": _attr("metro_code"),
    "CloudFront-Viewer-Postal-Code": _attr("postal_code", True),
    "CloudFront-Viewer-Time-Zone": _attr("time_zone"),
    "CloudFront-Viewer-Header-Order": _header_order,
    "CloudFront-Viewer-Header-Count": lambda v: str(len(v.headers)),
    "CloudFront-Forwarded-Proto": lambda v: v.protocol.lower(),
    "CloudFront-Viewer-Http-Version": lambda v: v.http_version,
    "CloudFront-Viewer-JA3-Fingerprint": _https_only(_ja3),
    "CloudFront-Viewer-JA4-Fingerprint": _https_only(_ja4),
    "CloudFront-Viewer-TLS": _https_only(lambda v: "TLSv1.3:TLS_AES_128_GCM_SHA256:fullHandshake"),
    # Sent only when CloudFront fetches a custom error page (§13), which edgelab does not.
    "CloudFront-Error-Uri": lambda v: None,
    "CloudFront-Error-Args": lambda v: None,
}
_BY_LOWER = {name.lower(): name for name in CLOUDFRONT_HEADERS}
#: Headers only an origin request policy can ask for (§7), never the cache key.
ORIGIN_POLICY_ONLY = frozenset(
    {
        "cloudfront-viewer-address",
        "cloudfront-viewer-asn",
        "cloudfront-viewer-ja3-fingerprint",
        "cloudfront-viewer-ja4-fingerprint",
        "cloudfront-viewer-tls",
    }
)


def is_cloudfront_header(name: str) -> bool:
    return name.lower() in _BY_LOWER


def canonical_cloudfront_name(name: str) -> str | None:
    return _BY_LOWER.get(name.lower())


def add_cloudfront_headers(
    headers: HeaderMap, viewer: ViewerRequest, names: Iterable[str]
) -> HeaderMap:
    """A new map: ``headers`` plus the CloudFront headers ``names`` asks for (lowercase).

    A same-named header the viewer sent is overwritten (§7). ``headers`` is not changed.
    """
    out = dict(headers)
    for lower in names:
        name = _BY_LOWER[lower]
        value = CLOUDFRONT_HEADERS[name](viewer)
        if value is not None:
            out[lower] = [{"key": name, "value": value}]
        else:
            out.pop(lower, None)
    return out


@lru_cache(maxsize=1024)
def via_value(distribution_domain: str, edge_location: str) -> str:
    """``2.0 <hash>.cloudfront.net (CloudFront)``: the hash is stable per edge location
    (worked out once per distribution and edge location)."""
    digest = hashlib.md5(f"{distribution_domain}|{edge_location}".encode()).hexdigest()
    return f"2.0 {digest}.cloudfront.net (CloudFront)"


def forwarded_for(viewer_xff: str | None, client_ip: str) -> str:
    """``X-Forwarded-For``: what the viewer sent, then the viewer's IP (§1.8)."""
    return f"{viewer_xff}, {client_ip}" if viewer_xff else client_ip
