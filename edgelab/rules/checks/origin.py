"""The origin an origin-request function picks (facts §1.6, §3.4, §5.3): one custom or
S3 origin with valid fields, and custom headers off the denylist and within quotas."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from ipaddress import ip_address
from typing import Any

from ...triggers import Trigger
from ..catalogue import Check
from ..header_lists import CUSTOM_HEADER_DENIED
from ..violation import RequestSubject
from .headers import header_map

_DNS = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_SSL = {"TLSv1.2", "TLSv1.1", "TLSv1", "SSLv3"}
_CUSTOM_RANGES = {"keepaliveTimeout": (1, 60), "readTimeout": (4, 60)}
#: A field's check: (field, message, actual, limit) -> None
Bad = Callable[..., None]


def origin(s: RequestSubject) -> None:
    """A changed origin in origin request (the origin is chosen after viewer request)."""
    req = s.value
    if (
        s.trigger is Trigger.ORIGIN_REQUEST
        and "origin" in req
        and req["origin"] != s.before.get("origin")
    ):
        headers = s.headers if isinstance(s.headers, Mapping) else {}
        _origin(s, req["origin"], headers)


def _origin(s: RequestSubject, origin: Any, request_headers: Mapping[str, Any]) -> None:
    path = "request.origin"
    if not isinstance(origin, Mapping) or len([k for k in ("custom", "s3") if k in origin]) != 1:
        s.add(
            Check.ORIGIN_INVALID,
            path,
            "request.origin must hold exactly one of custom or s3",
            actual=origin,
        )
        return
    kind = "custom" if "custom" in origin else "s3"
    o = origin[kind]
    p = f"{path}.{kind}"
    if not isinstance(o, Mapping):
        s.add(Check.ORIGIN_INVALID, p, f"origin.{kind} must be an object", actual=o)
        return

    def bad(field: str, message: str, actual: Any, limit: Any = None) -> None:
        s.add(Check.ORIGIN_INVALID, f"{p}.{field}", message, actual=actual, limit=limit)

    _domain_and_path(o, kind, bad)
    if kind == "custom":
        _custom_fields(o, bad)
    else:
        _s3_fields(o, bad)
    _custom_headers(s, o.get("customHeaders", {}), request_headers, f"{p}.customHeaders")


def _domain_and_path(o: Mapping[str, Any], kind: str, bad: Bad) -> None:
    domain = o.get("domainName")
    if not isinstance(domain, str) or not domain:
        bad("domainName", "origin domainName must not be empty", domain)
    elif kind == "custom":
        if ":" in domain or _is_ip(domain) or not _DNS.match(domain):
            bad(
                "domainName",
                "a custom origin's domainName must be a DNS name (no ':', "
                "not an IP address, at most 253 characters)",
                domain,
            )
    elif len(domain) > 128 or domain != domain.lower():
        bad(
            "domainName",
            "an S3 origin's domainName must be all lowercase and at most 128 characters",
            domain,
            128,
        )
    opath = o.get("path", "")
    if not isinstance(opath, str) or (opath and (not opath.startswith("/") or opath.endswith("/"))):
        bad("path", "origin path must be '' or start with '/' and not end with '/'", opath)
    elif kind == "custom" and len(opath) > 255:
        bad("path", "a custom origin's path may have at most 255 characters", len(opath), 255)


def _custom_fields(o: Mapping[str, Any], bad: Bad) -> None:
    for field, (lo, hi) in _CUSTOM_RANGES.items():
        v = o.get(field)
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            bad(field, f"{field} must be an integer from {lo} to {hi}", v, f"{lo}-{hi}")
    port = o.get("port")
    if (
        not isinstance(port, int)
        or isinstance(port, bool)
        or not (port in (80, 443) or 1024 <= port <= 65535)
    ):
        bad("port", "port must be 80, 443 or 1024-65535", port, "80|443|1024-65535")
    if o.get("protocol") not in ("http", "https"):
        bad("protocol", "protocol must be http or https", o.get("protocol"), "http|https")
    ssl = o.get("sslProtocols")
    if (
        not isinstance(ssl, list)
        or not ssl
        or not all(isinstance(p, str) and p in _SSL for p in ssl)
    ):
        bad(
            "sslProtocols",
            f"sslProtocols must be a list drawn from {sorted(_SSL)}",
            ssl,
            sorted(_SSL),
        )


def _s3_fields(o: Mapping[str, Any], bad: Bad) -> None:
    auth = o.get("authMethod")
    if auth not in ("origin-access-identity", "none"):
        bad(
            "authMethod",
            "authMethod must be origin-access-identity or none",
            auth,
            "origin-access-identity|none",
        )
    elif auth == "origin-access-identity" and not o.get("region"):
        bad("region", "an origin-access-identity S3 origin needs its region", "")


def _custom_headers(
    s: RequestSubject, custom: Any, request_headers: Mapping[str, Any], path: str
) -> None:
    """Custom headers: a valid header map, off the denylist (§3.4), not also request
    headers (§1.6), and within the count and length quotas (§5.3)."""
    if not header_map(s, custom, {}, path, side="custom"):
        return
    request_names = {str(n).lower() for n in request_headers}
    count = total = 0
    for name, elems in custom.items():
        if not isinstance(elems, list):
            continue
        count += len(elems)
        where = f"{path}.{name}"
        if CUSTOM_HEADER_DENIED in s.rules.header_kinds(str(name).lower(), s.trigger):
            s.add(
                Check.CUSTOM_HEADER_DENIED,
                where,
                f"{name!r} cannot be an origin custom header",
                actual=name,
            )
        if str(name).lower() in request_names:
            s.add(
                Check.CUSTOM_HEADER_DUPLICATE,
                where,
                f"{name!r} is both a custom header and a request header",
                actual=name,
            )
        for elem in elems:
            if isinstance(elem, Mapping) and isinstance(elem.get("value"), str):
                total += len(str(name)) + len(elem["value"])
                _quota(s, Check.CUSTOM_HEADER_NAME_LENGTH, len(str(name)), where, name)
                _quota(s, Check.CUSTOM_HEADER_VALUE_LENGTH, len(elem["value"]), where, name)
    for check, actual in (
        (Check.ORIGIN_CUSTOM_HEADERS, count),
        (Check.CUSTOM_HEADERS_TOTAL_LENGTH, total),
    ):
        lim = s.limit(check)
        if lim is not None and actual > lim:
            s.add(
                check,
                path,
                f"origin custom headers: {check.value} is {actual}, over {int(lim)}",
                actual=actual,
                limit=int(lim),
            )


def _quota(s: RequestSubject, check: Check, actual: int, where: str, name: Any) -> None:
    lim = s.limit(check)
    if lim is not None and actual > lim:
        s.add(
            check,
            where,
            f"custom header {name!r}: {check.value} {actual} over {int(lim)}",
            actual=actual,
            limit=int(lim),
        )


def _is_ip(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True
