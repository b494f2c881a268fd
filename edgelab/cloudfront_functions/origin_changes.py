"""Validation of the origin changes a CloudFront Function asks for (facts §5.5).

``cf.updateRequestOrigin``, ``cf.selectRequestOriginById`` and
``cf.createRequestOriginGroup`` are recorded by the sandbox in call order
(``FunctionResult.origin_changes``); :class:`OriginChangeRules` checks their parameters
against the tables below and, when the distribution's origin ids are known, that every
id names one of them (decision "unknown origin id"). Any violation is a 502
``FunctionValidationError``, like the rest of the result's validation.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..rules.tables import get_rules
from ..triggers import Trigger

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_DNS = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.?$"
)

# §5.5: what the origin modification helpers accept.
UPDATE_ORIGIN_KEYS = frozenset(
    {
        "domainName",
        "hostHeader",
        "originPath",
        "customHeaders",
        "connectionAttempts",
        "originShield",
        "originAccessControlConfig",
        "timeouts",
        "customOriginConfig",
        "ipAddressType",
        "sni",
        "allowedCertificateNames",
    }
)
OAC_VALUES = {
    "signingBehavior": ("always", "never", "no-override"),
    "signingProtocol": ("sigv4",),
    "originType": ("s3", "mediapackagev2", "mediastore", "lambda"),
}
TIMEOUT_RANGES = {
    "readTimeout": (1, 120),
    "keepAliveTimeout": (1, 120),
    "connectionTimeout": (1, 10),
}
SELECTION_CRITERIA = ("default", "media-quality-score", "media-quality-based")
FAILOVER_CODES = (400, 403, 404, 416, 500, 502, 503, 504)
SSL_PROTOCOLS = ("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2")


class OriginChangeRules:
    """The checks; ``add(rule, path, message, section, actual=, limit=)`` records a
    violation (the result validator's own)."""

    def __init__(self, add: Callable[..., None]) -> None:
        self.add = add

    # -- origin modification (§5.5) -------------------------------------------------------
    def origin_changes(
        self, changes: Sequence[Mapping[str, Any]], origins: Sequence[str] | None
    ) -> None:
        for i, change in enumerate(changes):
            helper, params = change.get("helper"), change.get("params")
            where = f"origin_changes[{i}]"
            if helper == "updateRequestOrigin":
                self.update_origin(params, where)
            elif helper == "selectRequestOriginById":
                origin_id = params.get("originId") if isinstance(params, Mapping) else None
                if not isinstance(origin_id, str) or not origin_id:
                    self.add(
                        "origin-id",
                        f"{where}.originId",
                        "selectRequestOriginById needs the id of one of the distribution's origins",
                        "§5.5",
                        actual=origin_id,
                    )
                else:
                    self.known_origin(origin_id, origins, f"{where}.originId")
                self.tls(params, where)
            elif helper == "createRequestOriginGroup":
                self.origin_group(params, origins, where)

    def known_origin(self, origin_id: str, origins: Sequence[str] | None, where: str) -> None:
        if origins is not None and origin_id not in origins:
            self.add(
                "origin-unknown",
                where,
                f"origin id {origin_id!r} is not an origin of the "
                f"distribution ({', '.join(origins) or 'none'})",
                "§5.5",
                actual=origin_id,
                limit=list(origins),
            )

    def tls(self, params: Any, where: str) -> None:
        if not isinstance(params, Mapping):
            return
        names = params.get("allowedCertificateNames")
        if names is not None and (
            not isinstance(names, list)
            or len(names) > 20
            or any(not isinstance(n, str) or len(n) > 64 for n in names)
        ):
            self.add(
                "origin-param",
                f"{where}.allowedCertificateNames",
                "allowedCertificateNames is a list of at most 20 names of at most 64 characters",
                "§5.5",
                actual=names,
            )
        for key in ("hostHeader", "sni"):
            if key in params and not isinstance(params[key], str):
                self.add(
                    "origin-param",
                    f"{where}.{key}",
                    f"{key} must be a string",
                    "§5.5",
                    actual=params[key],
                )

    def domain_name(self, domain: Any, where: str) -> None:
        if domain is None:
            return
        bad = not isinstance(domain, str) or ":" in domain or not _DNS.match(domain)
        if not bad:
            try:
                ipaddress.ip_address(domain)
                bad = True
            except ValueError:
                pass
        s3 = isinstance(domain, str) and ".s3." in domain and domain.endswith(".amazonaws.com")
        if not bad and s3 and (len(domain) > 128 or domain != domain.lower()):
            bad = True
        if bad:
            self.add(
                "origin-param",
                f"{where}.domainName",
                "domainName must be a DNS name "
                "of at most 253 characters, without a port, not an IP address (an S3 "
                "bucket domain: at most 128 characters, lowercase)",
                "§5.5",
                actual=domain,
            )

    def custom_headers(self, headers: Any, where: str) -> None:
        if headers is None:
            return
        if not isinstance(headers, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            self.add(
                "origin-param",
                f"{where}.customHeaders",
                "customHeaders maps header names to string values",
                "§5.5",
                actual=headers,
            )
        else:
            denied = get_rules()
            for name in headers:
                if name != name.lower() or not _TOKEN.match(name):
                    self.add(
                        "origin-param",
                        f"{where}.customHeaders.{name}",
                        "custom header names are lowercase HTTP tokens",
                        "§5.5",
                        actual=name,
                    )
                elif {"custom-header-denied", "disallowed"} & set(
                    denied.header_kinds(name, Trigger.ORIGIN_REQUEST)
                ):
                    self.add(
                        "origin-param",
                        f"{where}.customHeaders.{name}",
                        f"{name!r} may not be an origin custom header",
                        "§5.5, L@E §3.4",
                        actual=name,
                    )

    def update_origin(self, params: Any, where: str) -> None:
        if not isinstance(params, Mapping):
            self.add(
                "origin-param",
                where,
                "updateRequestOrigin takes an object of origin settings",
                "§5.5",
                actual=params,
            )
            return
        for key in sorted(set(params) - UPDATE_ORIGIN_KEYS):
            self.add(
                "origin-param",
                f"{where}.{key}",
                f"updateRequestOrigin has no parameter {key!r}",
                "§5.5",
                actual=key,
                limit=sorted(UPDATE_ORIGIN_KEYS),
            )
        self.domain_name(params.get("domainName"), where)
        self.origin_path(params.get("originPath"), where)
        self.custom_headers(params.get("customHeaders"), where)
        self.connection_attempts(params.get("connectionAttempts"), where)
        self.origin_shield(params.get("originShield"), where)
        self.origin_access_control(params.get("originAccessControlConfig"), where)
        self.timeouts(params.get("timeouts"), f"{where}.timeouts")
        self.custom_origin_config(params.get("customOriginConfig"), where)
        self.ip_address_type(params, where)
        self.tls(params, where)

    def origin_path(self, path: Any, where: str) -> None:
        if path is not None and (
            not isinstance(path, str)
            or not path.startswith("/")
            or path.endswith("/")
            or len(path) > 255
        ):
            self.add(
                "origin-param",
                f"{where}.originPath",
                "originPath starts with '/', does not end with '/' and has at most 255 characters",
                "§5.5",
                actual=path,
            )

    def connection_attempts(self, attempts: Any, where: str) -> None:
        if attempts is not None and (isinstance(attempts, bool) or attempts not in (1, 2, 3)):
            self.add(
                "origin-param",
                f"{where}.connectionAttempts",
                "connectionAttempts is 1, 2 or 3",
                "§5.5",
                actual=attempts,
                limit=[1, 3],
            )

    def origin_shield(self, shield: Any, where: str) -> None:
        if shield is not None and (
            not isinstance(shield, Mapping) or not isinstance(shield.get("enabled"), bool)
        ):
            self.add(
                "origin-param",
                f"{where}.originShield",
                "originShield is {enabled, region}",
                "§5.5",
                actual=shield,
            )

    def origin_access_control(self, oac: Any, where: str) -> None:
        if oac is None:
            return
        if not isinstance(oac, Mapping):
            self.add(
                "origin-param",
                f"{where}.originAccessControlConfig",
                "an object",
                "§5.5",
                actual=oac,
            )
            return
        for key, allowed in OAC_VALUES.items():
            if key in oac and oac[key] not in allowed:
                self.add(
                    "origin-param",
                    f"{where}.originAccessControlConfig.{key}",
                    f"{key} must be one of {', '.join(allowed)}",
                    "§5.5",
                    actual=oac[key],
                    limit=list(allowed),
                )

    def custom_origin_config(self, custom: Any, where: str) -> None:
        if custom is None:
            return
        ok = (
            isinstance(custom, Mapping)
            and custom.get("protocol", "https") in ("http", "https")
            and isinstance(custom.get("port", 443), int)
            and 1 <= custom.get("port", 443) <= 65535
            and all(p in SSL_PROTOCOLS for p in custom.get("sslProtocols", []))
        )
        if not ok:
            self.add(
                "origin-param",
                f"{where}.customOriginConfig",
                "customOriginConfig is {port 1-65535, protocol http|https, sslProtocols: [...]}",
                "§5.5",
                actual=custom,
            )

    def ip_address_type(self, params: Mapping[str, Any], where: str) -> None:
        """``ipAddressType`` is one of three, and only beside a ``domainName``."""
        ip_type = params.get("ipAddressType")
        if ip_type is not None and (
            ip_type not in ("ipv4", "ipv6", "dualstack") or "domainName" not in params
        ):
            self.add(
                "origin-param",
                f"{where}.ipAddressType",
                "ipAddressType is ipv4, ipv6 or dualstack, and only together with a domainName",
                "§5.5",
                actual=ip_type,
            )

    def timeouts(self, value: Any, where: str) -> None:
        if value is None:
            return
        if not isinstance(value, Mapping):
            self.add(
                "origin-param", where, "timeouts is an object of seconds", "§5.5", actual=value
            )
            return
        for key, (low, high) in TIMEOUT_RANGES.items():
            v = value.get(key)
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, int | float) or not low <= v <= high
            ):
                self.add(
                    "origin-param",
                    f"{where}.{key}",
                    f"{key} is {low} to {high} seconds",
                    "§5.5",
                    actual=v,
                    limit=[low, high],
                )
        done, read = value.get("responseCompletionTimeout"), value.get("readTimeout")
        if (
            done is not None
            and isinstance(done, int | float)
            and isinstance(read, int | float)
            and done < read
        ):
            self.add(
                "origin-param",
                f"{where}.responseCompletionTimeout",
                "responseCompletionTimeout must be at least readTimeout",
                "§5.5",
                actual=done,
                limit=read,
            )

    def origin_group(self, params: Any, origins: Sequence[str] | None, where: str) -> None:
        if not isinstance(params, Mapping):
            self.add(
                "origin-param",
                where,
                "createRequestOriginGroup takes {originIds, failoverCriteria, selectionCriteria?}",
                "§5.5",
                actual=params,
            )
            return
        ids = params.get("originIds")
        if not isinstance(ids, list) or len(ids) != 2:
            self.add(
                "origin-param",
                f"{where}.originIds",
                "originIds lists two origins of the distribution",
                "§5.5",
                actual=ids,
            )
        else:
            for j, item in enumerate(ids):
                oid = item.get("originId") if isinstance(item, Mapping) else item
                if not isinstance(oid, str) or not oid:
                    self.add(
                        "origin-param",
                        f"{where}.originIds[{j}]",
                        "an origin id (a string, or {originId, originOverrides})",
                        "§5.5",
                        actual=item,
                    )
                else:
                    self.known_origin(oid, origins, f"{where}.originIds[{j}]")
                if isinstance(item, Mapping) and "originOverrides" in item:
                    self.tls(item["originOverrides"], f"{where}.originIds[{j}].originOverrides")
        failover = params.get("failoverCriteria")
        codes = failover.get("statusCodes") if isinstance(failover, Mapping) else failover
        if not isinstance(codes, list) or not codes or any(c not in FAILOVER_CODES for c in codes):
            self.add(
                "origin-param",
                f"{where}.failoverCriteria",
                f"failoverCriteria lists status codes among {', '.join(map(str, FAILOVER_CODES))}",
                "§5.5",
                actual=failover,
                limit=list(FAILOVER_CODES),
            )
        selection = params.get("selectionCriteria", "default")
        if selection not in SELECTION_CRITERIA:
            self.add(
                "origin-param",
                f"{where}.selectionCriteria",
                f"selectionCriteria is {', '.join(SELECTION_CRITERIA)}",
                "§5.5",
                actual=selection,
                limit=list(SELECTION_CRITERIA),
            )
