"""How edgelab reads what the facts leave open about functions that call out."""

from __future__ import annotations

from ..rules.tables import Decision

#: (topic, facts section, decision): shown by ``edgelab rules --decisions`` and the README
OUTBOUND_DECISIONS: tuple[Decision, ...] = (
    Decision(
        "environment variables for local services",
        "§5.4",
        "Lambda@Edge functions have no environment variables of their own; edgelab sets "
        "AWS_ENDPOINT_URL, fake credentials (testing), AWS_REGION=us-east-1 and its CA "
        "file (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS) only when a run "
        "declares [aws] or [http], only in the function's process (around its import and "
        "each call for in-process Python), as the deviation that points a real SDK at "
        "local services",
    ),
    Decision(
        "outbound network",
        "§10",
        "functions may call out (credentials, extra content), but reach only what the run "
        "declares: mocked URLs, host names mapped to loopback servers, loopback addresses "
        "and the local AWS; any other destination fails inside the function (a name "
        "resolution error naming the host and how to declare it) and is recorded as "
        "refused; edgelab never reaches the real network",
    ),
    Decision(
        "Region of a function's AWS calls",
        "§5.4",
        "us-east-1, where Lambda@Edge functions are created; in production a replica runs "
        "in the Region nearest the viewer, so a function that needs a regional service "
        "should name its Region",
    ),
    Decision(
        "latency of outbound calls",
        "§10, §11",
        "each call that reached a service adds remote_call_ms to the latency estimate (30 "
        "ms unless [http]/[aws] or LatencyModel(remote_call_ms=...) say otherwise); its "
        "local duration is already in the function's measured time; refused calls add "
        "nothing",
    ),
)
