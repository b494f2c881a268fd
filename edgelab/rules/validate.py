"""Validation of what a handler returned, against one :class:`~edgelab.rules.tables.RuleSet`.

:func:`validate_result` classifies the returned value (a request, a response, or
neither) and returns :class:`Violation` records; any violation means CloudFront answers
502 ``LambdaValidationError`` (facts §6). Changes are judged against the function's
input, so a header that was already there and passes through unchanged is never an
error (SAM's samples carry ``X-Cache``; see the ``DECISIONS`` table in ``rules``).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from ipaddress import ip_address
from typing import Any

from ..event.headers import header_bytes
from ..triggers import Trigger
from .tables import RuleSet

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token; use fullmatch
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_WIDE = re.compile(r"[^\x00-\xff]")
_BAD_URI = re.compile(r"[\x00-\x20\x7f#]")
_BAD_QS = re.compile(r"[\x00-\x20\x7f#]")
_DNS = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_SSL = {"TLSv1.2", "TLSv1.1", "TLSv1", "SSLv3"}


@dataclass(frozen=True)
class Violation:
    """One broken rule: what, where, how big it was and what was allowed."""

    rule: str
    trigger: str
    path: str
    actual: Any
    limit: Any
    message: str
    section: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Checker:
    def __init__(self, trigger: Trigger, rules: RuleSet) -> None:
        self.trigger = trigger
        self.rules = rules
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

    def limit(self, rule: str) -> float | None:
        return self.rules.limit(rule, self.trigger)

    # -- headers ------------------------------------------------------------------
    def headers(
        self, after: Any, before: Mapping[str, Any] | None, path: str, *, side: str
    ) -> None:
        """Shape of a header map, then what changed against ``before`` (§1.5, §3).

        Map names may have any case (§13): they are compared lowercased, and the
        elements of names that differ only in case count together, in map order.
        ``side`` is ``own`` (the trigger's request or response), ``generated`` (a
        response generated in a request trigger: every header counts as added) or
        ``custom`` (origin custom headers).
        """
        if not isinstance(after, Mapping):
            self.add(
                "header-shape",
                path,
                "headers must be an object mapping header names to lists of {key, value}",
                "§1.5",
                actual=type(after).__name__,
            )
            return
        before = before or {}
        for name, elems in after.items():
            if type(elems) is list and before.get(name) == elems:
                continue  # passed through unchanged: it was valid on the way in
            where = f"{path}.{name}"
            if not isinstance(name, str) or not _TOKEN.fullmatch(name):
                self.add(
                    "header-name-invalid",
                    where,
                    f"header name {name!r} is not a valid "
                    "HTTP token (RFC 9110: no spaces, colons, control or non-ASCII "
                    "characters)",
                    "§1.5, §6",
                    actual=name,
                )
                continue
            if not isinstance(elems, list):
                self.add(
                    "header-shape",
                    where,
                    f"header {name!r} must map to a list of {{key, value}} objects",
                    "§1.5",
                    actual=type(elems).__name__,
                )
                continue
            for i, elem in enumerate(elems):
                self.header_element(name, i, elem, f"{where}[{i}]")
        self.header_changes(after, before, path, side=side)

    def header_element(self, name: str, i: int, elem: Any, where: str) -> None:
        if not isinstance(elem, Mapping) or not isinstance(elem.get("value"), str):
            self.add(
                "header-shape",
                where,
                f"header {name!r} element {i} needs a string 'value'",
                "§1.5",
                actual=elem,
            )
            return
        key = elem.get("key")
        if key is not None and not isinstance(key, str):
            self.add(
                "header-shape",
                f"{where}.key",
                f"header {name!r} element {i}: a header key must be a string",
                "§1.5",
                actual=key,
            )
        elif key and not _TOKEN.fullmatch(key):
            self.add(
                "header-name-invalid",
                f"{where}.key",
                f"header {name!r} element {i} has "
                f"the key {key!r}, which is not a valid HTTP token (RFC 9110: no CR, LF, "
                "spaces, colons, control or non-ASCII characters)",
                "§1.5, §6",
                actual=key,
            )
        value = elem["value"]
        bad = _BAD_VALUE.search(value)
        if bad:
            self.add(
                "header-value-invalid",
                f"{where}.value",
                f"header {name!r} has the "
                f"control character {_char(bad.group())} in its value (502)",
                "§6",
                actual=value,
            )
        else:
            wide = _WIDE.search(value)
            if wide:
                self.add(
                    "header-value-invalid",
                    f"{where}.value",
                    f"header {name!r} has the "
                    f"character {_char(wide.group())} in its value, beyond Latin-1, which "
                    "has no byte on the wire (502)",
                    "§6",
                    actual=value,
                )

    def header_changes(
        self, after: Mapping[str, Any], before: Mapping[str, Any], path: str, *, side: str
    ) -> None:
        names = set(after) | set(before)
        if all(type(n) is str and n == n.lower() for n in names):
            # The usual case: lowercase map names, so a look-up per name suffices, and a
            # header whose element list is unchanged needs no further thought.
            changed = [n for n in names if after.get(n) != before.get(n)]
        else:
            changed = list({str(n).lower() for n in names})
        checked = side in ("own", "generated")
        for name in sorted(changed):
            kinds = self.rules.header_kinds(name, self.trigger)
            if not kinds:
                continue
            old, new = _values(before, name), _values(after, name)
            if old == new:
                continue
            what = "added" if not old else "removed" if not new else "changed"
            if side == "generated":
                what = "put in a generated response"
            key = _key(after, name) or _key(before, name) or name
            where = f"{path}.{name}"
            if "disallowed" in kinds and new:
                self.add(
                    "disallowed-header",
                    where,
                    f"header {key!r} is disallowed for Lambda@Edge functions and was {what} (502)",
                    "§3.1",
                    actual=new,
                    limit="not allowed",
                )
            if "read-only" in kinds and checked:
                self.add(
                    "read-only-header",
                    where,
                    f"header {key!r} is read-only in {self.trigger.value} and was {what} (502)",
                    "§3.2",
                    actual=new or None,
                    limit=old or None,
                )
            if "add-forbidden" in kinds and new and checked:
                self.add(
                    "viewer-country-added",
                    where,
                    f"header {key!r} may not be added or changed in {self.trigger.value} (502)",
                    "§3.1",
                    actual=new,
                )

    # -- request ------------------------------------------------------------------
    def request(self, req: Mapping[str, Any], before: Mapping[str, Any]) -> None:
        base = "request"
        uri = req.get("uri")
        if not isinstance(uri, str):
            self.add(
                "request-missing-field",
                f"{base}.uri",
                "a returned request needs a string uri",
                "§1.3, §6",
                actual=uri,
            )
            uri = ""
        elif not uri.startswith("/"):
            self.add(
                "uri-invalid",
                f"{base}.uri",
                f"uri must start with '/'; got {uri!r}",
                "§1.3",
                actual=uri,
                limit="starts with /",
            )
        elif uri != before.get("uri") and _BAD_URI.search(uri):
            self.add(
                "uri-invalid",
                f"{base}.uri",
                "uri has a space, control character or '#'",
                "§2, §6",
                actual=uri,
            )
        qs = req.get("querystring", before.get("querystring", ""))
        if not isinstance(qs, str):
            self.add(
                "querystring-invalid",
                f"{base}.querystring",
                "querystring must be a string",
                "§1.3",
                actual=qs,
            )
            qs = ""
        elif qs != before.get("querystring", ""):
            if qs.startswith("?"):
                self.add(
                    "querystring-invalid",
                    f"{base}.querystring",
                    "querystring must not start with '?'",
                    "§1.3",
                    actual=qs,
                )
            if _BAD_QS.search(qs):
                self.add(
                    "querystring-invalid",
                    f"{base}.querystring",
                    "a query string a "
                    "function sets must not contain spaces, control characters or '#'",
                    "§2",
                    actual=qs,
                )
        max_len = self.limit("uri-querystring-length")
        if max_len is not None and len(uri) + len(qs) >= max_len:
            self.add(
                "uri-querystring-length",
                base,
                f"uri + querystring is {len(uri) + len(qs)}"
                f" characters; it must be under {int(max_len)}",
                "§2, §5.3",
                actual=len(uri) + len(qs),
                limit=int(max_len),
            )
        for field in ("method", "clientIp"):
            if field in req and req[field] != before.get(field):
                self.add(
                    "read-only-field",
                    f"{base}.{field}",
                    f"request.{field} is read-only (502)",
                    "§1.3",
                    actual=req[field],
                    limit=before.get(field),
                )
        headers = req.get("headers", before.get("headers", {}))
        self.headers(headers, before.get("headers", {}), f"{base}.headers", side="own")
        size_limit = self.limit("request-size")
        unchanged = (
            headers == before.get("headers")
            and uri == before.get("uri")
            and qs == before.get("querystring")
        )
        if size_limit is not None and not unchanged and isinstance(headers, dict):
            size = len(uri) + len(qs) + header_bytes(headers)
            if size > size_limit:
                self.add(
                    "request-size",
                    base,
                    f"the request's headers, uri and query string "
                    f"take {size} bytes; CloudFront allows {int(size_limit)}",
                    "§5.3",
                    actual=size,
                    limit=int(size_limit),
                )
        if "body" in req and req["body"] != before.get("body"):
            self.request_body(req["body"])
        if (
            self.trigger is Trigger.ORIGIN_REQUEST
            and "origin" in req
            and req["origin"] != before.get("origin")
        ):
            self.origin(req["origin"], headers if isinstance(headers, Mapping) else {})

    def request_body(self, body: Any) -> None:
        path = "request.body"
        if not isinstance(body, Mapping):
            self.add(
                "body-invalid",
                path,
                "request.body must be an object {action, encoding, data}",
                "§1.4",
                actual=body,
            )
            return
        action = body.get("action", "read-only")
        if action not in ("read-only", "replace"):
            self.add(
                "body-invalid",
                f"{path}.action",
                "body.action must be read-only or replace",
                "§1.4",
                actual=action,
                limit="read-only | replace",
            )
        if action != "replace":
            return  # changes to data/encoding are ignored with read-only (§1.4)
        encoding = body.get("encoding", "base64")
        data = body.get("data", "")
        if encoding not in ("base64", "text"):
            self.add(
                "body-invalid",
                f"{path}.encoding",
                "body.encoding must be base64 or text",
                "§1.4",
                actual=encoding,
                limit="base64 | text",
            )
            return
        if not isinstance(data, str):
            self.add(
                "body-invalid",
                f"{path}.data",
                "body.data must be a string",
                "§1.4",
                actual=type(data).__name__,
            )
            return
        if encoding == "base64" and not _is_base64(data):
            self.add(
                "body-base64-invalid",
                f"{path}.data",
                "body.data is declared base64 but is not valid base64",
                "§1.4",
                actual=data,
            )
        rule = "body-replace-base64" if encoding == "base64" else "body-replace-text"
        limit = self.limit(rule)
        size = len(data.encode())
        if limit is not None and size > limit:
            self.add(
                rule,
                f"{path}.data",
                f"replaced body ({encoding}) is {size} bytes; "
                f"{self.trigger.value} allows {int(limit)}",
                "§5.1",
                actual=size,
                limit=int(limit),
            )

    def origin(self, origin: Any, request_headers: Mapping[str, Any]) -> None:
        path = "request.origin"
        if (
            not isinstance(origin, Mapping)
            or len([k for k in ("custom", "s3") if k in origin]) != 1
        ):
            self.add(
                "origin-invalid",
                path,
                "request.origin must hold exactly one of custom or s3",
                "§1.6",
                actual=origin,
            )
            return
        kind = "custom" if "custom" in origin else "s3"
        o = origin[kind]
        p = f"{path}.{kind}"
        if not isinstance(o, Mapping):
            self.add("origin-invalid", p, f"origin.{kind} must be an object", "§1.6", actual=o)
            return

        def bad(field: str, message: str, actual: Any, limit: Any = None) -> None:
            self.add("origin-invalid", f"{p}.{field}", message, "§1.6", actual=actual, limit=limit)

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
        if not isinstance(opath, str) or (
            opath and (not opath.startswith("/") or opath.endswith("/"))
        ):
            bad("path", "origin path must be '' or start with '/' and not end with '/'", opath)
        elif kind == "custom" and len(opath) > 255:
            bad("path", "a custom origin's path may have at most 255 characters", len(opath), 255)
        if kind == "custom":
            ranges = {"keepaliveTimeout": (1, 60), "readTimeout": (4, 60)}
            for field, (lo, hi) in ranges.items():
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
            if not isinstance(ssl, list) or not ssl or not set(ssl) <= _SSL:
                bad(
                    "sslProtocols",
                    f"sslProtocols must be a list drawn from {sorted(_SSL)}",
                    ssl,
                    sorted(_SSL),
                )
        else:
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
        self.custom_headers(o.get("customHeaders", {}), request_headers, f"{p}.customHeaders")

    def custom_headers(self, custom: Any, request_headers: Mapping[str, Any], path: str) -> None:
        if not isinstance(custom, Mapping):
            self.add(
                "header-shape", path, "customHeaders must be a header map", "§1.6", actual=custom
            )
            return
        self.headers(custom, {}, path, side="custom")
        request_names = {str(n).lower() for n in request_headers}
        count = total = 0
        for name, elems in custom.items():
            if not isinstance(elems, list):
                continue
            count += len(elems)
            kinds = self.rules.header_kinds(str(name).lower(), self.trigger)
            if "custom-header-denied" in kinds:
                self.add(
                    "custom-header-denied",
                    f"{path}.{name}",
                    f"{name!r} cannot be an origin custom header",
                    "§3.4",
                    actual=name,
                )
            if str(name).lower() in request_names:
                self.add(
                    "custom-header-duplicate",
                    f"{path}.{name}",
                    f"{name!r} is both a custom header and a request header",
                    "§1.6",
                    actual=name,
                )
            for elem in elems:
                if isinstance(elem, Mapping) and isinstance(elem.get("value"), str):
                    total += len(str(name)) + len(elem["value"])
                    for rule, actual in (
                        ("custom-header-name-length", len(str(name))),
                        ("custom-header-value-length", len(elem["value"])),
                    ):
                        lim = self.limit(rule)
                        if lim is not None and actual > lim:
                            self.add(
                                rule,
                                f"{path}.{name}",
                                f"custom header {name!r}: {rule} {actual} over {int(lim)}",
                                "§5.3",
                                actual=actual,
                                limit=int(lim),
                            )
        for rule, actual in (
            ("origin-custom-headers", count),
            ("custom-headers-total-length", total),
        ):
            lim = self.limit(rule)
            if lim is not None and actual > lim:
                self.add(
                    rule,
                    path,
                    f"origin custom headers: {rule} is {actual}, over {int(lim)}",
                    "§5.3",
                    actual=actual,
                    limit=int(lim),
                )

    # -- response -----------------------------------------------------------------
    def response(self, resp: Mapping[str, Any], before: Mapping[str, Any] | None) -> None:
        base = "response"
        generated = before is None
        status = resp.get("status")
        code = _status_code(status)
        lo, hi = self.limit("status-min") or 200, self.limit("status-max") or 599
        if code is None:
            self.add(
                "status-invalid",
                f"{base}.status",
                f"status must be an HTTP status such as '200'; got {status!r}",
                "§4, §6",
                actual=status,
            )
        elif not lo <= code <= hi:
            self.add(
                "status-range",
                f"{base}.status",
                f"status {code} is outside {int(lo)}-{int(hi)}",
                "§1.7, §4",
                actual=code,
                limit=f"{int(lo)}-{int(hi)}",
            )
        if (
            self.trigger is Trigger.VIEWER_RESPONSE
            and before is not None
            and code is not None
            and str(code) != str(before.get("status"))
        ):
            self.add(
                "status-read-only",
                f"{base}.status",
                "viewer response cannot change the status",
                "§1.7, §2",
                actual=code,
                limit=before.get("status"),
            )
        desc = resp.get("statusDescription")
        if desc is not None and not isinstance(desc, str):
            self.add(
                "response-invalid",
                f"{base}.statusDescription",
                "statusDescription must be a string",
                "§4",
                actual=desc,
            )
        before_headers = {} if generated or before is None else before.get("headers", {})
        headers = resp.get("headers", before_headers)
        if generated and isinstance(headers, list):
            headers = {}  # DECISIONS "headers given as a list in a generated response"
        self.headers(
            headers, before_headers, f"{base}.headers", side="generated" if generated else "own"
        )
        body = resp.get("body")
        if body is None:
            return
        if not isinstance(body, str):
            self.add(
                "response-invalid",
                f"{base}.body",
                "response body must be a string",
                "§4",
                actual=type(body).__name__,
            )
            return
        encoding = resp.get("bodyEncoding", "text")
        if encoding not in ("text", "base64"):
            self.add(
                "response-invalid",
                f"{base}.bodyEncoding",
                "bodyEncoding must be text or base64",
                "§4",
                actual=encoding,
                limit="text | base64",
            )
        elif encoding == "base64" and not _is_base64(body):
            self.add(
                "body-base64-invalid",
                f"{base}.body",
                "body is declared base64 but is not valid base64",
                "§4",
                actual=body,
            )
        if body and code == 204 and generated and self.trigger is Trigger.VIEWER_REQUEST:
            self.add(
                "status-204-with-body",
                f"{base}.body",
                "a 204 response generated in viewer request must not have a body",
                "§4",
                actual=len(body),
                limit=0,
            )
        limit = self.limit("generated-response-size")
        size = len(body.encode()) + (header_bytes(headers) if isinstance(headers, Mapping) else 0)
        if limit is not None and size > limit:
            self.add(
                "generated-response-size",
                base,
                f"the {'generated' if generated else ''}"
                f" response (headers + body) is {size} bytes; {self.trigger.value} allows "
                f"{int(limit)}".replace("the  ", "the "),
                "§4, §5.1",
                actual=size,
                limit=int(limit),
            )


def classify(result: Any, trigger: Trigger) -> str | None:
    """``"request"``, ``"response"`` or None (not a request or response object at all)."""
    if not isinstance(result, Mapping) or "Records" in result:
        return None
    if "status" in result:
        return "response"
    if trigger.is_request and ("uri" in result or "headers" in result or "method" in result):
        return "request"
    return None


def validate_result(
    result: Any, *, trigger: Trigger, cf_in: Mapping[str, Any], rules: RuleSet
) -> tuple[str | None, list[Violation]]:
    """Classify ``result`` and check it against ``rules``; see the module docstring."""
    check = _Checker(trigger, rules)
    kind = classify(result, trigger)
    if kind is None:
        if isinstance(result, Mapping) and "Records" in result:
            msg = (
                "the function returned the whole event; return "
                "event['Records'][0]['cf']['request'] or a response object"
            )
        elif trigger.is_request:
            msg = (
                f"the function returned {_describe(result)}; {trigger.with_article} function "
                "must return the request or a response object with a status"
            )
        else:
            msg = (
                f"the function returned {_describe(result)}; {trigger.with_article} function "
                "must return the response object (with a status)"
            )
        check.add("invalid-return", "", msg, "§2, §6", actual=_describe(result))
        return None, check.found
    if kind == "request":
        check.request(result, cf_in.get("request", {}))
    elif trigger.is_request:
        check.response(result, None)
    else:
        check.response(result, cf_in.get("response", {}))
    return kind, check.found


# -- helpers --------------------------------------------------------------------------
_STATUS_TEXT = re.compile(r"^\s*[0-9]{1,6}\s*$")


def _status_code(status: Any) -> int | None:
    """The status as an int: a string of ASCII digits or an integer (§4 accepts both);
    a whole float counts too. Anything else (bool, inf, '1e3', other digits) is None."""
    if isinstance(status, bool):
        return None
    if isinstance(status, int):
        return status
    if isinstance(status, float):
        return int(status) if status.is_integer() else None
    if isinstance(status, str) and _STATUS_TEXT.match(status):
        return int(status)
    return None


def _char(c: str) -> str:
    """A character as a reader can see it: ``U+000D (CR)``."""
    names = {"\r": " (CR)", "\n": " (LF)", "\x00": " (NUL)", "\x7f": " (DEL)"}
    return f"U+{ord(c):04X}{names.get(c, '')}"


def _values(headers: Mapping[str, Any], lower: str) -> list[str]:
    out: list[str] = []
    for name, elems in headers.items():
        if str(name).lower() == lower and isinstance(elems, list):
            out += [e.get("value", "") for e in elems if isinstance(e, Mapping)]
    return out


def _key(headers: Mapping[str, Any], lower: str) -> str | None:
    for name, elems in headers.items():
        if str(name).lower() == lower and isinstance(elems, list) and elems:
            first = elems[0]
            if isinstance(first, Mapping) and isinstance(first.get("key"), str):
                return first["key"]
    return None


def _is_base64(data: str) -> bool:
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _is_ip(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


def _describe(value: Any) -> str:
    if value is None:
        return "None (null)"
    if isinstance(value, Mapping):
        keys = ", ".join(map(str, list(value)[:6]))
        return f"an object with keys [{keys}]"
    return f"a {type(value).__name__}"


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 200:
        return value[:197] + "..."
    if isinstance(value, (list, dict)) and len(repr(value)) > 200:
        return repr(value)[:197] + "..."
    return value
