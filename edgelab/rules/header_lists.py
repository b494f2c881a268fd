"""The header lists of Lambda@Edge as data (facts §3, §13): which header names a function
may not add, change or remove in which trigger, as :class:`HeaderRule` rows.

``header_rules_2023_03()`` is the March 2023 fact sheet (§3.1 disallowed, §3.2 read-only,
§3.1 CloudFront-Viewer-Country, §3.4 the origin custom-header denylist);
``header_rules_2025_11()`` adds what the current restrictions page adds (§13).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..triggers import TRIGGERS, Trigger

VREQ, OREQ, ORESP, VRESP = TRIGGERS
ALL = TRIGGERS

#: The kinds of header rule (``HeaderRule.kind``).
DISALLOWED = "disallowed"
READ_ONLY = "read-only"
ADD_FORBIDDEN = "add-forbidden"
CUSTOM_HEADER_DENIED = "custom-header-denied"


@dataclass(frozen=True)
class HeaderRule:
    """A header name (or ``prefix-*``) with what a function may not do to it.

    ``kind`` is one of ``disallowed`` (§3.1: not exposed; adding one gives 502),
    ``read-only`` (§3.2: adding, editing or removing gives 502),
    ``add-forbidden`` (§3.1: adding it in this trigger gives 502) and
    ``custom-header-denied`` (§3.4: not allowed in ``origin.*.customHeaders``).
    """

    name: str
    kind: str
    triggers: tuple[Trigger, ...]
    section: str
    note: str = ""

    @property
    def is_prefix(self) -> bool:
        return self.name.endswith("*")

    def matches(self, lower_name: str) -> bool:
        if self.is_prefix:
            return lower_name.startswith(self.name[:-1])
        return lower_name == self.name


# --- §3: header lists -------------------------------------------------------------------
_DISALLOWED_NAMES = [
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "trailer",
    "upgrade",
    "x-accel-buffering",
    "x-accel-charset",
    "x-accel-limit-rate",
    "x-accel-redirect",
    "x-amz-cf-*",
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
    "x-cache",
    "x-edge-*",
    "x-forwarded-proto",
    "x-real-ip",
]
_READ_ONLY_NAMES = {
    VREQ: ["content-length", "host", "transfer-encoding", "via"],
    OREQ: [
        "accept-encoding",
        "content-length",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "transfer-encoding",
        "via",
    ],
    ORESP: ["transfer-encoding", "via"],
    VRESP: ["warning", "via"],
}
_CUSTOM_HEADER_DENIED_NAMES = [
    "cache-control",
    "connection",
    "content-length",
    "cookie",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "pragma",
    "proxy-authorization",
    "proxy-connection",
    "range",
    "request-range",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "x-amz-*",
    "x-edge-*",
    "x-real-ip",
]


def header_rules_2023_03() -> list[HeaderRule]:
    """The header rules of the March 2023 fact sheet (§3.1, §3.2, §3.4)."""
    rules = [HeaderRule(n, DISALLOWED, ALL, "§3.1") for n in _DISALLOWED_NAMES]
    for trig, names in _READ_ONLY_NAMES.items():
        rules += [HeaderRule(n, READ_ONLY, (trig,), "§3.2") for n in names]
    rules.append(
        HeaderRule(
            "cloudfront-viewer-country",
            ADD_FORBIDDEN,
            (VREQ,),
            "§3.1",
            "adding it in a viewer-request function gives 502",
        )
    )
    rules += [
        HeaderRule(
            n,
            CUSTOM_HEADER_DENIED,
            (OREQ, ORESP),
            "§3.4",
            "UNSURE whether enforced on Lambda customHeaders; edgelab enforces it",
        )
        for n in _CUSTOM_HEADER_DENIED_NAMES
    ]
    return rules


_DISALLOWED_NAMES_2025_11 = ["cloudfront-viewer-cert-pem", "client-cert", "client-cert-chain"]
_READ_ONLY_NAMES_2025_11 = {
    VREQ: ["cdn-loop"],
    OREQ: ["cdn-loop"],
    VRESP: ["content-length", "content-encoding", "transfer-encoding"],
}


def header_rules_2025_11() -> list[HeaderRule]:
    """The 2023-03 header rules and what the current restrictions page adds (§13)."""
    rules = header_rules_2023_03()
    rules += [
        HeaderRule(n, DISALLOWED, ALL, "§13 (§3.1)", "current restrictions page")
        for n in _DISALLOWED_NAMES_2025_11
    ]
    for trig, names in _READ_ONLY_NAMES_2025_11.items():
        rules += [
            HeaderRule(n, READ_ONLY, (trig,), "§13 (§3.2)", "current restrictions page")
            for n in names
        ]
    return rules
