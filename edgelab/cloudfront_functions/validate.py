"""Validation of what a CloudFront Function returned (facts §3, §4.1, §5.5).

:func:`validate_cff_result` classifies the returned value (a request, a response, or
neither), checks its shape, the header rules of the rule set, the sizes, and the origin
changes the function asked for; it returns :class:`edgelab.Violation` records, the same
records Lambda@Edge's validator makes. Any violation means CloudFront answers 502
``FunctionValidationError`` (decision "validation errors other than header rules").
Changes are judged against the function's input: a header that passes through unchanged
is never an error.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..rules import RuleSet, get_rules
from ..triggers import Trigger
from ..validate import Violation
from .event import effective_values, querystring_to_string
from .features import RUNTIME_2

VREQ = Trigger.VIEWER_REQUEST
VRESP = Trigger.VIEWER_RESPONSE
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_URI = re.compile(r"[\x00-\x20\x7f#]")
_BAD_QS = re.compile(r"[\x00-\x20\x7f#]")
_DNS = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_REQUEST_KEYS = {"method", "uri", "querystring", "headers", "cookies"}

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


def _short(value: Any, n: int = 200) -> Any:
    if isinstance(value, str) and len(value) > n:
        return value[:n] + "..."
    return value


class _Checker:
    def __init__(self, trigger: Trigger, rules: RuleSet, runtime: str) -> None:
        self.trigger = trigger
        self.rules = rules
        self.runtime = runtime
        self.found: list[Violation] = []

    def add(
        self,
        rule: str,
        path: str,
        message: str,
        section: str,
        *,
        actual: Any = None,
        limit: Any = None,
    ) -> None:
        self.found.append(
            Violation(rule, self.trigger.value, path, _short(actual), limit, message, section)
        )

    def limit(self, rule: str) -> float:
        value = self.rules.limit(rule, self.trigger)
        return float("inf") if value is None else float(value)

    # -- {value, multiValue} maps ---------------------------------------------------------
    def fields(
        self, after: Any, path: str, *, kind: str, cookies: bool = False, before: Any = None
    ) -> bool:
        """Shape of a headers / cookies / querystring map (§2.4); False when unusable."""
        if not isinstance(after, dict):
            self.add(
                "field-shape",
                path,
                f"{path} must be an object mapping names to {{value, multiValue?}}",
                "§2.4",
                actual=type(after).__name__,
            )
            return False
        before = before if isinstance(before, dict) else {}
        for name, entry in after.items():
            if before.get(name) == entry and isinstance(entry, dict):
                continue  # passed through unchanged: it was valid on the way in
            where = f"{path}.{name}"
            if kind == "header":
                if not _TOKEN.match(str(name)):
                    self.add(
                        "header-name-invalid",
                        where,
                        f"header name {name!r} is not a valid HTTP token",
                        "§4.1",
                        actual=name,
                    )
                    continue
                if name != name.lower():
                    self.add(
                        "header-name-case",
                        where,
                        f"header names must be lowercase when a function adds them; got {name!r}",
                        "§2.4",
                        actual=name,
                        limit=name.lower(),
                    )
            elif not name:
                self.add("field-shape", where, f"{path} has an empty name", "§2.4")
            if not isinstance(entry, dict):
                self.add(
                    "field-shape",
                    where,
                    f"{where} must be an object with a string 'value'",
                    "§2.4",
                    actual=entry,
                )
                continue
            items = [("value", entry.get("value"))]
            mv = entry.get("multiValue")
            if mv is not None:
                if not isinstance(mv, list):
                    self.add(
                        "field-shape",
                        f"{where}.multiValue",
                        "multiValue must be a list of {value} objects",
                        "§2.4",
                        actual=type(mv).__name__,
                    )
                else:
                    items += [
                        (f"multiValue[{i}].value", m.get("value") if isinstance(m, dict) else m)
                        for i, m in enumerate(mv)
                    ]
                    if cookies:
                        items += [
                            (f"multiValue[{i}].attributes", m.get("attributes", ""))
                            for i, m in enumerate(mv)
                            if isinstance(m, dict)
                        ]
            if cookies:
                items.append(("attributes", entry.get("attributes", "")))
            for sub, value in items:
                if not isinstance(value, str):
                    self.add(
                        "value-not-string",
                        f"{where}.{sub}",
                        f"{where}.{sub} must be a string; got {type(value).__name__}",
                        "§4.1",
                        actual=value,
                    )
                elif _BAD_VALUE.search(value):
                    self.add(
                        "value-invalid",
                        f"{where}.{sub}",
                        f"{where}.{sub} has a control character",
                        "§4.1",
                        actual=value,
                    )
        return True

    def header_rules(
        self, after: Mapping[str, Any], before: Mapping[str, Any], path: str, *, generated: bool
    ) -> None:
        """Disallowed and read-only headers (§4.1): only additions, edits and removals
        count; a header passed through unchanged is fine."""
        for name in sorted(set(after) | set(before)):
            if not isinstance(name, str) or after.get(name) == before.get(name):
                continue
            lower = name.lower()
            kinds = self.rules.header_kinds(lower, self.trigger)
            if not kinds:
                continue
            old = effective_values(before.get(name)) if name in before else []
            new = effective_values(after.get(name), before.get(name)) if name in after else []
            if old == new:
                continue
            what = "added" if not old else "removed" if not new else "changed"
            if "disallowed" in kinds and new:
                self.add(
                    "disallowed-header",
                    f"{path}.{name}",
                    f"header {name!r} is disallowed for edge functions and was {what} (502)",
                    "§4.1",
                    actual=new,
                    limit="not allowed",
                )
            if "read-only" in kinds and not generated:
                self.add(
                    "read-only-header",
                    f"{path}.{name}",
                    f"header {name!r} is read-only in {self.trigger.value} and was {what} (502)",
                    "§4.1",
                    actual=new or None,
                    limit=old or None,
                )

    # -- request --------------------------------------------------------------------------
    def request(self, req: Mapping[str, Any], before: Mapping[str, Any]) -> None:
        if "body" in req:
            self.add(
                "request-body",
                "request.body",
                "a CloudFront Function cannot set a request body; only a response may carry one",
                "§2.2",
                actual="body",
            )
        if "method" in req and req["method"] != before.get("method"):
            self.add(
                "read-only-field",
                "request.method",
                "request.method is read-only (the only read-only field of the request)",
                "§2.2",
                actual=req["method"],
                limit=before.get("method"),
            )
        uri = req.get("uri", before.get("uri"))
        if not isinstance(uri, str) or not uri.startswith("/"):
            self.add(
                "uri-invalid",
                "request.uri",
                "request.uri must be a string starting with '/'",
                "§2.2, §4.1",
                actual=uri,
            )
            uri = ""
        elif _BAD_URI.search(uri):
            self.add(
                "uri-invalid",
                "request.uri",
                "request.uri must not contain spaces, control characters or '#'",
                "§4.1",
                actual=uri,
            )
        qs_value = req.get("querystring", before.get("querystring", {}))
        if isinstance(qs_value, str):
            if self.runtime != RUNTIME_2:
                self.add(
                    "querystring-string",
                    "request.querystring",
                    "a querystring string is "
                    f"accepted from cloudfront-js-2.0 only; {self.runtime} returns the "
                    "querystring object",
                    "§2.2",
                    actual=qs_value,
                )
            qs = qs_value[1:] if qs_value.startswith("?") else qs_value
        elif self.fields(
            qs_value, "request.querystring", kind="query", before=before.get("querystring")
        ):
            qs = querystring_to_string(qs_value)
        else:
            qs = ""
        if _BAD_QS.search(qs):
            self.add(
                "querystring-invalid",
                "request.querystring",
                "the query string must not contain spaces, control characters or '#'",
                "§4.1",
                actual=qs,
            )
        total = len(uri) + (len(qs) + 1 if qs else 0)
        if total >= self.limit("uri-querystring-length"):
            self.add(
                "uri-too-long",
                "request.uri",
                f"uri + querystring is {total:,} characters; "
                f"it must be shorter than {self.limit('uri-querystring-length'):,.0f}",
                "§4.1",
                actual=total,
                limit=self.limit("uri-querystring-length"),
            )
        headers = req.get("headers", before.get("headers", {}))
        size = len(uri) + len(qs)
        if self.fields(headers, "request.headers", kind="header", before=before.get("headers")):
            if "cookie" in headers and "cookie" not in before.get("headers", {}):
                self.add(
                    "cookie-header",
                    "request.headers.cookie",
                    "set cookies through "
                    "request.cookies; a CloudFront Function never sees a cookie header",
                    "§2.2",
                    actual="cookie",
                )
            self.header_rules(
                headers, before.get("headers", {}), "request.headers", generated=False
            )
            size += sum(
                len(str(n)) + sum(len(str(v)) for v in effective_values(e)) + 4
                for n, e in headers.items()
                if isinstance(e, dict)
            )
        cookies = req.get("cookies", before.get("cookies", {}))
        self.fields(cookies, "request.cookies", kind="cookie", before=before.get("cookies"))
        if size > self.limit("request-size"):
            self.add(
                "request-too-large",
                "request",
                f"the request's headers, uri and query "
                f"string are {size:,} bytes; at most {self.limit('request-size'):,.0f}",
                "§4.1",
                actual=size,
                limit=self.limit("request-size"),
            )

    # -- response -------------------------------------------------------------------------
    def response(self, resp: Mapping[str, Any], before: Mapping[str, Any] | None) -> None:
        generated = before is None
        before = before or {}
        status = resp.get("statusCode", before.get("statusCode"))
        if isinstance(status, bool) or not isinstance(status, int):
            if isinstance(status, float) and status.is_integer():
                status = int(status)
            else:
                self.add(
                    "status-invalid",
                    "response.statusCode",
                    "statusCode must be an integer such as 302 (not a string)",
                    "§2.3",
                    actual=status,
                )
                status = None
        if status is not None and not (
            self.limit("status-min") <= status <= self.limit("status-max")
        ):
            self.add(
                "status-invalid",
                "response.statusCode",
                f"statusCode must be from "
                f"{self.limit('status-min'):.0f} to {self.limit('status-max'):.0f}",
                "§4.1",
                actual=status,
                limit=[self.limit("status-min"), self.limit("status-max")],
            )
        desc = resp.get("statusDescription")
        if desc is not None and not isinstance(desc, str):
            self.add(
                "status-description",
                "response.statusDescription",
                "statusDescription must be a string",
                "§2.3",
                actual=desc,
            )
        headers = resp.get("headers", before.get("headers", {}))
        if self.fields(headers, "response.headers", kind="header", before=before.get("headers")):
            if "set-cookie" in headers and "set-cookie" not in before.get("headers", {}):
                self.add(
                    "set-cookie-header",
                    "response.headers.set-cookie",
                    "set cookies "
                    "through response.cookies; a CloudFront Function never sees a "
                    "set-cookie header",
                    "§2.3",
                    actual="set-cookie",
                )
            self.header_rules(
                headers, before.get("headers", {}), "response.headers", generated=generated
            )
        self.fields(
            resp.get("cookies", before.get("cookies", {})),
            "response.cookies",
            kind="cookie",
            cookies=True,
            before=before.get("cookies"),
        )
        if "body" in resp:
            self.body(resp["body"])

    def body(self, body: Any) -> None:
        if isinstance(body, str):
            return
        if not isinstance(body, Mapping):
            self.add(
                "body-shape",
                "response.body",
                "body must be a string or {data, encoding}",
                "§2.3",
                actual=type(body).__name__,
            )
            return
        data, encoding = body.get("data"), body.get("encoding", "text")
        if not isinstance(data, str):
            self.add(
                "body-shape",
                "response.body.data",
                "body.data must be a string",
                "§2.3",
                actual=data,
            )
            return
        if encoding not in ("text", "base64"):
            self.add(
                "body-encoding",
                "response.body.encoding",
                "body.encoding must be text or base64",
                "§2.3",
                actual=encoding,
                limit=["text", "base64"],
            )
        elif encoding == "base64":
            try:
                base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                self.add(
                    "body-base64",
                    "response.body.data",
                    "body.data is not valid base64 (encoding base64)",
                    "§2.3",
                    actual=data,
                )

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
        domain = params.get("domainName")
        if domain is not None:
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
        path = params.get("originPath")
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
        headers = params.get("customHeaders")
        if headers is not None:
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
        attempts = params.get("connectionAttempts")
        if attempts is not None and (isinstance(attempts, bool) or attempts not in (1, 2, 3)):
            self.add(
                "origin-param",
                f"{where}.connectionAttempts",
                "connectionAttempts is 1, 2 or 3",
                "§5.5",
                actual=attempts,
                limit=[1, 3],
            )
        shield = params.get("originShield")
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
        oac = params.get("originAccessControlConfig")
        if oac is not None:
            if not isinstance(oac, Mapping):
                self.add(
                    "origin-param",
                    f"{where}.originAccessControlConfig",
                    "an object",
                    "§5.5",
                    actual=oac,
                )
            else:
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
        self.timeouts(params.get("timeouts"), f"{where}.timeouts")
        custom = params.get("customOriginConfig")
        if custom is not None:
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
                    "customOriginConfig is "
                    "{port 1-65535, protocol http|https, sslProtocols: [...]}",
                    "§5.5",
                    actual=custom,
                )
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
        self.tls(params, where)

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


def validate_cff_result(
    value: Any,
    *,
    trigger: Trigger,
    event: Mapping[str, Any],
    rules: RuleSet,
    runtime: str,
    value_type: str = "object",
    promise: bool = False,
    origin_changes: Sequence[Mapping[str, Any]] = (),
    origins: Sequence[str] | None = None,
) -> tuple[str | None, list[Violation]]:
    """``(kind, violations)`` for what a function returned; ``kind`` is ``"request"``,
    ``"response"`` or None (nothing usable). ``value`` is the returned value as JSON
    data, ``value_type`` its JavaScript type (``undefined``, ``function`` ...), ``promise``
    whether a 1.0 function returned a Promise."""
    check = _Checker(trigger, rules, runtime)
    request_in = event.get("request", {})
    response_in = event.get("response")
    if promise:
        check.add(
            "return-shape",
            "return",
            f"a {runtime} handler must return the request or "
            "response itself, not a Promise (1.0 has no async)",
            "§1, §3",
            actual="Promise",
        )
        return None, check.found
    if value_type in ("undefined", "function", "symbol") or not isinstance(value, dict):
        got = (
            value_type
            if value_type != "object"
            else (
                "null"
                if value is None
                else "an array"
                if isinstance(value, list)
                else type(value).__name__
            )
        )
        check.add(
            "return-shape",
            "return",
            f"the function must return the "
            f"{'request or a response' if trigger is VREQ else 'response'} object; it "
            f"returned {got}",
            "§3",
            actual=got,
        )
        return None, check.found
    if "request" in value and ("context" in value or "version" in value):
        check.add(
            "return-shape",
            "return",
            "the function returned the whole event; return "
            f"event.{'request' if trigger is VREQ else 'response'}",
            "§3",
            actual="event",
        )
        return None, check.found
    is_response = "statusCode" in value or (
        trigger is VRESP and not (set(value) & {"uri", "method", "querystring"})
    )
    if trigger is VRESP and not is_response:
        check.add(
            "return-shape",
            "return",
            "a viewer-response function must return the response (event.response), not the request",
            "§3",
            actual="request",
        )
        return None, check.found
    if is_response:
        check.response(value, response_in if trigger is VRESP else None)
        kind = "response"
    else:
        if not set(value) & _REQUEST_KEYS:
            check.add(
                "return-shape",
                "return",
                "the returned object is neither a request "
                "(method, uri, querystring, headers, cookies) nor a response "
                "(statusCode)",
                "§3",
                actual=sorted(value)[:8],
            )
            return None, check.found
        check.request(value, request_in)
        kind = "request"
    if trigger is VREQ and origin_changes:
        check.origin_changes(origin_changes, origins)
    return kind, check.found
