"""Policies from CloudFront-shaped configs (CloudFormation names; API and Terraform input
is brought to this shape first), and legacy ``ForwardedValues`` as policies.

* ``CachePolicyConfig`` (facts §4.1), ``OriginRequestPolicyConfig`` (§4.2),
  ``ResponseHeadersPolicyConfig`` (§5), ``ContinuousDeploymentPolicyConfig`` (§9);
* :func:`legacy_policies`: a behaviour's ``ForwardedValues`` + ``MinTTL``/``DefaultTTL``/
  ``MaxTTL`` as the equivalent cache key and origin forwarding (§4.6): the query string
  is forwarded whole when ``QueryString`` is true and keyed on ``QueryStringCacheKeys``
  when given; cookies and headers are keyed and forwarded alike; ``Headers: ["*"]``
  forwards every header and caches nothing (TTLs 0); compression caches gzip only
  (``DEFINITION_DECISIONS``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .decode import Loc
from .model import (
    CachePolicySpec,
    ContinuousDeploymentPolicy,
    CorsConfig,
    LegacyCacheSettings,
    OriginRequestPolicySpec,
    ResponseHeader,
    ResponseHeadersPolicySpec,
    Selection,
    ServerTiming,
    SessionStickiness,
)
from .values import as_bool, as_list, as_number, as_str, table

CACHE_KEY_BEHAVIORS = {
    "HeaderBehavior": ("none", "whitelist"),
    "CookieBehavior": ("none", "whitelist", "allExcept", "all"),
    "QueryStringBehavior": ("none", "whitelist", "allExcept", "all"),
}
ORIGIN_BEHAVIORS = {
    "HeaderBehavior": (
        "none",
        "whitelist",
        "allViewer",
        "allViewerAndWhitelistCloudFront",
        "allExcept",
    ),
    "CookieBehavior": ("none", "whitelist", "all", "allExcept"),
    "QueryStringBehavior": ("none", "whitelist", "all", "allExcept"),
}
REFERRER_POLICIES = (
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
)
CORS_METHODS = ("GET", "DELETE", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "ALL")
#: facts §5.3: headers a response headers policy cannot remove (nor, edgelab reads, add).
UNREMOVABLE = (
    "connection",
    "content-encoding",
    "content-length",
    "expect",
    "host",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "warning",
    "x-accel-buffering",
    "x-accel-charset",
    "x-accel-limit-rate",
    "x-accel-redirect",
    "x-amzn-auth",
    "x-amzn-cf-billing",
    "x-amzn-cf-id",
    "x-amzn-cf-xff",
    "x-amzn-errortype",
    "x-amzn-fle-profile",
    "x-amzn-header-count",
    "x-amzn-header-order",
    "x-amzn-lambda-integration-tag",
    "x-amzn-requestid",
    "x-forwarded-proto",
    "x-real-ip",
)
UNREMOVABLE_PREFIXES = ("x-amz-cf-", "x-edge-")
LEGACY_TTLS = (0.0, 86400.0, 31536000.0)  # facts §4.6


def is_cloudfront_header(name: str) -> bool:
    return name.lower().startswith("cloudfront-")


def _selection(
    cfg: Any, loc: Loc, key: str, behavior_key: str, names_key: str, allowed: tuple[str, ...]
) -> Selection:
    if cfg is None:
        return Selection()
    t = table(cfg, loc)
    behavior = as_str(t.get(behavior_key, "none"), loc.at(t, behavior_key))
    if behavior not in allowed:
        raise loc.at(t, behavior_key).error(
            f"must be one of {', '.join(allowed)}; got {behavior!r} (facts §4.1, §4.2)"
        )
    names = tuple(
        as_str(n, loc.at(t, names_key)) for n in as_list(t.get(names_key), loc.at(t, names_key))
    )
    if behavior in ("whitelist", "allExcept") and not names:
        raise loc.at(t, names_key).error(f"{behavior_key} {behavior} needs at least one name")
    if behavior in ("none", "all", "allViewer") and names:
        names = ()
    return Selection(behavior, names)


def _ttls(
    t: dict[str, Any], loc: Loc, keys: tuple[str, str, str], defaults: tuple[float, float, float]
) -> tuple[float, float, float]:
    lo, default, hi = (
        as_number(t.get(k, d), loc.at(t, k)) for k, d in zip(keys, defaults, strict=True)
    )
    if "DefaultTTL" not in t and keys[1] == "DefaultTTL" and lo > default:
        default = lo  # facts §4.6: raising MinTTL raises the others
    if "MaxTTL" not in t and keys[2] == "MaxTTL" and default > hi:
        hi = default
    for k, v in zip(keys, (lo, default, hi), strict=True):
        if v < 0:
            raise loc.at(t, k).error(f"a TTL is 0 or more seconds; got {v:g}")
    if not lo <= default <= hi:
        raise loc.error(
            f"TTLs must satisfy MinTTL <= DefaultTTL <= MaxTTL; got {lo:g}, "
            f"{default:g}, {hi:g} (facts §4.1)"
        )
    return lo, default, hi


def cache_policy(config: Any, loc: Loc, policy_id: str) -> CachePolicySpec:
    """``CachePolicyConfig`` -> :class:`CachePolicySpec` (facts §4.1)."""
    t = table(config, loc)
    lo, default, hi = _ttls(t, loc, ("MinTTL", "DefaultTTL", "MaxTTL"), LEGACY_TTLS)
    params = table(
        t.get("ParametersInCacheKeyAndForwardedToOrigin", {}),
        loc.at(t, "ParametersInCacheKeyAndForwardedToOrigin"),
    )
    ploc = loc.at(t, "ParametersInCacheKeyAndForwardedToOrigin")
    return CachePolicySpec(
        name=as_str(t.get("Name", policy_id), loc.at(t, "Name")),
        id=policy_id,
        min_ttl=lo,
        default_ttl=default,
        max_ttl=hi,
        headers=_selection(
            params.get("HeadersConfig"),
            ploc.at(params, "HeadersConfig"),
            "headers",
            "HeaderBehavior",
            "Headers",
            CACHE_KEY_BEHAVIORS["HeaderBehavior"],
        ),
        cookies=_selection(
            params.get("CookiesConfig"),
            ploc.at(params, "CookiesConfig"),
            "cookies",
            "CookieBehavior",
            "Cookies",
            CACHE_KEY_BEHAVIORS["CookieBehavior"],
        ),
        query_strings=_selection(
            params.get("QueryStringsConfig"),
            ploc.at(params, "QueryStringsConfig"),
            "query strings",
            "QueryStringBehavior",
            "QueryStrings",
            CACHE_KEY_BEHAVIORS["QueryStringBehavior"],
        ),
        gzip=as_bool(
            params.get("EnableAcceptEncodingGzip", False),
            ploc.at(params, "EnableAcceptEncodingGzip"),
        ),
        brotli=as_bool(
            params.get("EnableAcceptEncodingBrotli", False),
            ploc.at(params, "EnableAcceptEncodingBrotli"),
        ),
        comment=as_str(t.get("Comment", ""), loc.at(t, "Comment")),
        source=loc.source(),
    )


def split_cloudfront(sel: Selection) -> tuple[Selection, tuple[str, ...]]:
    """(headers without CloudFront-*, the CloudFront-* names) for an origin policy."""
    cf = tuple(n for n in sel.names if is_cloudfront_header(n))
    if not cf or sel.behavior == "allExcept":
        return sel, ()
    rest = tuple(n for n in sel.names if not is_cloudfront_header(n))
    behavior = sel.behavior
    if behavior == "whitelist" and not rest:
        behavior = "none"
    if behavior == "allViewerAndWhitelistCloudFront":
        behavior = "allViewer"
    return Selection(behavior, rest), cf


def origin_request_policy(config: Any, loc: Loc, policy_id: str) -> OriginRequestPolicySpec:
    """``OriginRequestPolicyConfig`` -> :class:`OriginRequestPolicySpec` (facts §4.2)."""
    t = table(config, loc)
    headers = _selection(
        t.get("HeadersConfig"),
        loc.at(t, "HeadersConfig"),
        "headers",
        "HeaderBehavior",
        "Headers",
        ORIGIN_BEHAVIORS["HeaderBehavior"],
    )
    headers, cf = split_cloudfront(headers)
    return OriginRequestPolicySpec(
        name=as_str(t.get("Name", policy_id), loc.at(t, "Name")),
        id=policy_id,
        headers=headers,
        cloudfront_headers=cf,
        cookies=_selection(
            t.get("CookiesConfig"),
            loc.at(t, "CookiesConfig"),
            "cookies",
            "CookieBehavior",
            "Cookies",
            ORIGIN_BEHAVIORS["CookieBehavior"],
        ),
        query_strings=_selection(
            t.get("QueryStringsConfig"),
            loc.at(t, "QueryStringsConfig"),
            "query strings",
            "QueryStringBehavior",
            "QueryStrings",
            ORIGIN_BEHAVIORS["QueryStringBehavior"],
        ),
        comment=as_str(t.get("Comment", ""), loc.at(t, "Comment")),
        source=loc.source(),
    )


def _items(value: Any, loc: Loc) -> tuple[str, ...]:
    """``{Items: [...]}`` (CloudFormation keeps this wrapper in RHP configs) or a list."""
    if isinstance(value, dict):
        value = value.get("Items", [])
    return tuple(as_str(v, loc) for v in as_list(value, loc))


def _item_list(value: Any, loc: Loc) -> list[Any]:
    """``{Items: [...]}`` or the list itself."""
    return (
        as_list(value, loc)
        if isinstance(value, list)
        else as_list(table(value, loc).get("Items", []), loc)
    )


def _check_header_name(name: str, loc: Loc, what: str) -> None:
    low = name.lower()
    if low in UNREMOVABLE or low.startswith(UNREMOVABLE_PREFIXES):
        raise loc.error(f"a response headers policy cannot {what} the header {name!r} (facts §5.3)")


def _content_security_policy(s: dict[str, Any], sloc: Loc) -> str:
    value = as_str(s.get("ContentSecurityPolicy", ""), sloc.at(s, "ContentSecurityPolicy"))
    if len(value) > 1783:
        raise sloc.error(
            f"Content-Security-Policy is at most 1,783 characters; got {len(value)} (facts §5.2)"
        )
    return value


def _frame_options(s: dict[str, Any], sloc: Loc) -> str:
    value = as_str(s.get("FrameOption", ""), sloc.at(s, "FrameOption")).upper()
    if value not in ("DENY", "SAMEORIGIN"):
        raise sloc.at(s, "FrameOption").error(f"must be DENY or SAMEORIGIN; got {value!r}")
    return value


def _referrer_policy(s: dict[str, Any], sloc: Loc) -> str:
    value = as_str(s.get("ReferrerPolicy", ""), sloc.at(s, "ReferrerPolicy"))
    if value not in REFERRER_POLICIES:
        raise sloc.at(s, "ReferrerPolicy").error(
            f"must be one of {', '.join(REFERRER_POLICIES)}; got {value!r} (facts §5.2)"
        )
    return value


def _strict_transport_security(s: dict[str, Any], sloc: Loc) -> str:
    age = int(as_number(s.get("AccessControlMaxAgeSec", 0), sloc.at(s, "AccessControlMaxAgeSec")))
    value = f"max-age={age}"
    if as_bool(s.get("IncludeSubdomains", False), sloc.at(s, "IncludeSubdomains")):
        value += "; includeSubDomains"
    if as_bool(s.get("Preload", False), sloc.at(s, "Preload")):
        value += "; preload"
    return value


def _xss_protection(s: dict[str, Any], sloc: Loc) -> str:
    on = as_bool(s.get("Protection", False), sloc.at(s, "Protection"))
    block = as_bool(s.get("ModeBlock", False), sloc.at(s, "ModeBlock"))
    report = s.get("ReportUri")
    if block and report:
        raise sloc.error("X-XSS-Protection takes ModeBlock or ReportUri, not both (facts §5.2)")
    value = "1" if on else "0"
    if on and block:
        value += "; mode=block"
    elif on and report:
        value += f"; report={as_str(report, sloc.at(s, 'ReportUri'))}"
    return value


#: SecurityHeadersConfig's settings (facts §5.2): (key, header, its value from the setting)
SECURITY_HEADERS: tuple[tuple[str, str, Callable[[dict[str, Any], Loc], str]], ...] = (
    ("ContentSecurityPolicy", "Content-Security-Policy", _content_security_policy),
    ("ContentTypeOptions", "X-Content-Type-Options", lambda _s, _loc: "nosniff"),
    ("FrameOptions", "X-Frame-Options", _frame_options),
    ("ReferrerPolicy", "Referrer-Policy", _referrer_policy),
    ("StrictTransportSecurity", "Strict-Transport-Security", _strict_transport_security),
    ("XSSProtection", "X-XSS-Protection", _xss_protection),
)


def _security(t: dict[str, Any], loc: Loc) -> tuple[ResponseHeader, ...]:
    out: list[ResponseHeader] = []
    for key, header, value_of in SECURITY_HEADERS:
        if t.get(key) is None:
            continue
        sloc = loc.at(t, key)
        s = table(t[key], sloc)
        value = value_of(s, sloc)
        out.append(
            ResponseHeader(header, value, as_bool(s.get("Override", False), sloc.at(s, "Override")))
        )
    return tuple(out)


def response_headers_policy(config: Any, loc: Loc, policy_id: str) -> ResponseHeadersPolicySpec:
    """``ResponseHeadersPolicyConfig`` -> :class:`ResponseHeadersPolicySpec` (facts §5)."""
    t = table(config, loc)
    cors = _cors(t, loc)
    security: tuple[ResponseHeader, ...] = ()
    if t.get("SecurityHeadersConfig") is not None:
        sloc = loc.at(t, "SecurityHeadersConfig")
        security = _security(table(t["SecurityHeadersConfig"], sloc), sloc)
    return ResponseHeadersPolicySpec(
        name=as_str(t.get("Name", policy_id), loc.at(t, "Name")),
        id=policy_id,
        cors=cors,
        security_headers=security,
        custom_headers=_custom_headers(t, loc),
        remove_headers=_removed_headers(t, loc),
        server_timing=_server_timing(t, loc),
        comment=as_str(t.get("Comment", ""), loc.at(t, "Comment")),
        source=loc.source(),
    )


def _cors(t: dict[str, Any], loc: Loc) -> CorsConfig | None:
    if t.get("CorsConfig") is None:
        return None
    cloc = loc.at(t, "CorsConfig")
    c = table(t["CorsConfig"], cloc)

    def items(key: str) -> tuple[str, ...]:
        return _items(c.get(key), cloc.at(c, key))

    methods = tuple(m.upper() for m in items("AccessControlAllowMethods"))
    bad = [m for m in methods if m not in CORS_METHODS]
    if bad:
        raise cloc.at(c, "AccessControlAllowMethods").error(
            f"methods must be among {', '.join(CORS_METHODS)}; got {bad[0]!r}"
        )
    max_age = c.get("AccessControlMaxAgeSec")
    return CorsConfig(
        allow_origins=items("AccessControlAllowOrigins"),
        allow_methods=methods,
        allow_headers=items("AccessControlAllowHeaders"),
        expose_headers=items("AccessControlExposeHeaders"),
        allow_credentials=as_bool(
            c.get("AccessControlAllowCredentials", False),
            cloc.at(c, "AccessControlAllowCredentials"),
        ),
        max_age_sec=None
        if max_age is None
        else int(as_number(max_age, cloc.at(c, "AccessControlMaxAgeSec"))),
        origin_override=as_bool(c.get("OriginOverride", False), cloc.at(c, "OriginOverride")),
    )


def _custom_headers(t: dict[str, Any], loc: Loc) -> tuple[ResponseHeader, ...]:
    """CustomHeadersConfig: at most 10, none CloudFront keeps for itself (facts §5.3)."""
    custom: list[ResponseHeader] = []
    if t.get("CustomHeadersConfig") is None:
        return ()
    hloc = loc.at(t, "CustomHeadersConfig")
    items = _item_list(t["CustomHeadersConfig"], hloc)
    for i, item in enumerate(as_list(items, hloc)):
        iloc = hloc.at(items, i, f"Items[{i}]")
        h = table(item, iloc)
        name = as_str(h.get("Header"), iloc.at(h, "Header"))
        _check_header_name(name, iloc.at(h, "Header"), "add")
        custom.append(
            ResponseHeader(
                name,
                as_str(h.get("Value", ""), iloc.at(h, "Value")),
                as_bool(h.get("Override", False), iloc.at(h, "Override")),
            )
        )
    if len(custom) > 10:
        raise hloc.error(
            f"a response headers policy has at most 10 custom headers; got "
            f"{len(custom)} (facts §5.3)"
        )
    return tuple(custom)


def _removed_headers(t: dict[str, Any], loc: Loc) -> tuple[str, ...]:
    removed: list[str] = []
    if t.get("RemoveHeadersConfig") is None:
        return ()
    rloc = loc.at(t, "RemoveHeadersConfig")
    items = _item_list(t["RemoveHeadersConfig"], rloc)
    for i, item in enumerate(as_list(items, rloc)):
        iloc = rloc.at(items, i, f"Items[{i}]")
        name = as_str(table(item, iloc).get("Header"), iloc)
        _check_header_name(name, iloc, "remove")
        removed.append(name)
    return tuple(removed)


def _server_timing(t: dict[str, Any], loc: Loc) -> ServerTiming | None:
    if t.get("ServerTimingHeadersConfig") is None:
        return None
    tloc = loc.at(t, "ServerTimingHeadersConfig")
    s = table(t["ServerTimingHeadersConfig"], tloc)
    rate = as_number(s.get("SamplingRate", 0), tloc.at(s, "SamplingRate"))
    if not 0 <= rate <= 100:
        raise tloc.at(s, "SamplingRate").error(
            f"must be 0-100 (percent); got {rate:g} (facts §5.4)"
        )
    return ServerTiming(as_bool(s.get("Enabled", False), tloc.at(s, "Enabled")), rate)


def continuous_deployment_policy(
    config: Any, loc: Loc, policy_id: str
) -> ContinuousDeploymentPolicy:
    """``ContinuousDeploymentPolicyConfig`` (facts §9): weight at most 0.15, stickiness
    TTLs 300-3600 with idle <= max, header names starting ``aws-cf-cd-``."""
    t = table(config, loc)
    traffic = table(t.get("TrafficConfig", {}), loc.at(t, "TrafficConfig"))
    tloc = loc.at(t, "TrafficConfig")
    kind = as_str(traffic.get("Type", ""), tloc.at(traffic, "Type"))
    names = t.get("StagingDistributionDnsNames", [])
    if isinstance(names, dict):
        names = names.get("Items", [])
    dns = tuple(
        as_str(n, loc.at(t, "StagingDistributionDnsNames"))
        for n in as_list(names, loc.at(t, "StagingDistributionDnsNames"))
    )
    enabled = as_bool(t.get("Enabled", True), loc.at(t, "Enabled"))
    if kind == "SingleWeight":
        weight, sticky = _single_weight(traffic, tloc)
        return ContinuousDeploymentPolicy(
            policy_id,
            enabled,
            kind,
            weight=weight,
            session_stickiness=sticky,
            staging_domain_names=dns,
            source=loc.source(),
        )
    if kind == "SingleHeader":
        header, value = _single_header(traffic, tloc)
        return ContinuousDeploymentPolicy(
            policy_id,
            enabled,
            kind,
            header=header,
            header_value=value,
            staging_domain_names=dns,
            source=loc.source(),
        )
    raise tloc.at(traffic, "Type").error(
        f"must be SingleWeight or SingleHeader; got {kind!r} (facts §9)"
    )


def _single_weight(traffic: dict[str, Any], tloc: Loc) -> tuple[float, SessionStickiness | None]:
    """(weight, session stickiness) of a SingleWeight policy (facts §9)."""
    wloc = tloc.at(traffic, "SingleWeightConfig")
    w = table(traffic.get("SingleWeightConfig", {}), wloc)
    weight = as_number(w.get("Weight"), wloc.at(w, "Weight"))
    if not 0 <= weight <= 0.15:
        raise wloc.at(w, "Weight").error(
            f"the staging weight is 0.0-0.15 (at most 15 %); got {weight:g} (facts §9)"
        )
    if w.get("SessionStickinessConfig") is None:
        return weight, None
    sloc = wloc.at(w, "SessionStickinessConfig")
    s = table(w["SessionStickinessConfig"], sloc)
    idle = as_number(s.get("IdleTTL"), sloc.at(s, "IdleTTL"))
    most = as_number(s.get("MaximumTTL"), sloc.at(s, "MaximumTTL"))
    for k, v in (("IdleTTL", idle), ("MaximumTTL", most)):
        if not 300 <= v <= 3600:
            raise sloc.at(s, k).error(f"must be 300-3600 seconds; got {v:g} (facts §9)")
    if idle > most:
        raise sloc.error(f"IdleTTL ({idle:g}) must not exceed MaximumTTL ({most:g}) (facts §9)")
    return weight, SessionStickiness(idle, most)


def _single_header(traffic: dict[str, Any], tloc: Loc) -> tuple[str, str]:
    """(header, value) of a SingleHeader policy: the header starts aws-cf-cd- (facts §9)."""
    hloc = tloc.at(traffic, "SingleHeaderConfig")
    h = table(traffic.get("SingleHeaderConfig", {}), hloc)
    header = as_str(h.get("Header"), hloc.at(h, "Header"))
    if not header.lower().startswith("aws-cf-cd-"):
        raise hloc.at(h, "Header").error(
            f"the staging header must start with aws-cf-cd-; got {header!r} (facts §9)"
        )
    return header, as_str(h.get("Value"), hloc.at(h, "Value"))


def legacy_policies(
    behavior: dict[str, Any], loc: Loc, compress: bool
) -> tuple[CachePolicySpec, OriginRequestPolicySpec, LegacyCacheSettings, list[str]]:
    """A behaviour's ``ForwardedValues`` + TTLs as a cache policy and an origin request
    policy (facts §4.6), the settings as written, and notes."""
    floc = loc.at(behavior, "ForwardedValues")
    settings = _legacy_settings(behavior, loc)
    notes: list[str] = []
    qs, qs_keys, headers = settings.query_string, settings.query_string_cache_keys, settings.headers
    lo, default, hi = settings.min_ttl, settings.default_ttl, settings.max_ttl
    all_headers = "*" in headers
    if all_headers:
        notes.append(
            f"{loc}: ForwardedValues.Headers is ['*']: every header is forwarded "
            "and nothing is cached (facts §4.6)"
        )
        lo = default = hi = 0.0
    key_headers = Selection() if all_headers or not headers else Selection("whitelist", headers)
    key_qs = (
        Selection() if not qs else Selection("whitelist", qs_keys) if qs_keys else Selection("all")
    )
    cp = CachePolicySpec(
        name="legacy ForwardedValues",
        min_ttl=lo,
        default_ttl=default,
        max_ttl=hi,
        headers=key_headers,
        cookies=settings.cookies,
        query_strings=key_qs,
        gzip=compress,
        brotli=False,
        legacy=True,
        comment="equivalent of the behaviour's legacy cache settings",
        source=floc.source(),
    )
    fwd_headers, cf = split_cloudfront(Selection("allViewer") if all_headers else key_headers)
    orp = OriginRequestPolicySpec(
        name="legacy ForwardedValues",
        headers=fwd_headers,
        cloudfront_headers=cf,
        cookies=settings.cookies,
        query_strings=Selection("all") if qs else Selection(),
        legacy=True,
        source=floc.source(),
        comment="what legacy settings forward to the origin",
    )
    return cp, orp, settings, notes


def _legacy_settings(behavior: dict[str, Any], loc: Loc) -> LegacyCacheSettings:
    """``ForwardedValues`` and the TTLs, checked, as written (facts §4.6)."""
    floc = loc.at(behavior, "ForwardedValues")
    fv = table(behavior.get("ForwardedValues"), floc)
    if "QueryString" not in fv:
        raise floc.error("ForwardedValues needs QueryString (true or false) (facts §4.6)")
    qs = as_bool(fv["QueryString"], floc.at(fv, "QueryString"))
    qs_keys = tuple(
        as_str(k, floc.at(fv, "QueryStringCacheKeys"))
        for k in as_list(fv.get("QueryStringCacheKeys"), floc.at(fv, "QueryStringCacheKeys"))
    )
    cookies_cfg = table(fv.get("Cookies", {"Forward": "none"}), floc.at(fv, "Cookies"))
    cloc = floc.at(fv, "Cookies")
    forward = as_str(cookies_cfg.get("Forward", "none"), cloc.at(cookies_cfg, "Forward"))
    if forward not in ("none", "whitelist", "all"):
        raise cloc.at(cookies_cfg, "Forward").error(
            f"must be none, whitelist or all; got {forward!r} (facts §4.6)"
        )
    names = tuple(as_str(n, cloc) for n in as_list(cookies_cfg.get("WhitelistedNames"), cloc))
    cookies = Selection(forward, names if forward == "whitelist" else ())
    headers = tuple(
        as_str(h, floc.at(fv, "Headers"))
        for h in as_list(fv.get("Headers"), floc.at(fv, "Headers"))
    )
    lo, default, hi = _ttls(behavior, loc, ("MinTTL", "DefaultTTL", "MaxTTL"), LEGACY_TTLS)
    return LegacyCacheSettings(qs, qs_keys, cookies, headers, lo, default, hi)
