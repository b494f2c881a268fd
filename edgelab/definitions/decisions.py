"""How the importers read the facts marked UNSURE (shown by ``edgelab config decisions``
and in the README; each row is pinned by a test in ``tests/test_definitions_*.py``)."""

from __future__ import annotations

from ..rules import Decision

DEFINITION_DECISIONS: tuple[Decision, ...] = (
    Decision(
        "ErrorCachingMinTTL default",
        "§6.1",
        "10 seconds when a custom error response leaves it out (the guide and console), "
        "not the CloudFormation schema's 300",
    ),
    Decision(
        "CloudFront Function beside Lambda@Edge",
        "CFF §6",
        "any Lambda@Edge viewer function forbids any CloudFront Function on the same "
        "behaviour, and the reverse (the current guide's combination table)",
    ),
    Decision(
        "AllViewerExceptHostHeader CloudFront headers",
        "§4.4",
        "the same 21 CloudFront headers as AllViewerAndCloudFrontHeaders-2022-06",
    ),
    Decision("HostHeaderOnly cookies and query strings", "§4.4", "none forwarded"),
    Decision(
        "CORS-With-Preflight Allow-Headers",
        "§5.5",
        "none: the page lists Allow-Methods, Allow-Origin and Expose-Headers only",
    ),
    Decision(
        "legacy settings and compression",
        "§4.6, §3.4",
        "Compress caches gzip only; Brotli needs a cache policy",
    ),
    Decision(
        "Amplify Hosting managed cache policies",
        "§4.3",
        "known by id, but their settings are unpublished: an error asks for --policy",
    ),
    Decision(
        "response headers policy custom header names",
        "§5.3",
        "the names a policy cannot remove cannot be added either",
    ),
    Decision(
        "OriginKeepaliveTimeout upper bound",
        "§1.2",
        "not checked: the sources disagree (60, 120, 300); the value is kept as written",
    ),
    Decision(
        "dot segments in the path",
        "§3.1",
        "resolved as RFC 3986 says before matching: /a/b/.. is matched as /a/",
    ),
    Decision(
        "function associated without a version",
        "§3.6",
        "CloudFront would refuse it; edgelab runs the function's code and adds a note",
    ),
)
