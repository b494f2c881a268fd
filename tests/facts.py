"""The fact sheet's header lists as written (facts §3.1, §3.2, §13), restated here apart from
``edgelab.rules`` so the tests hold the code to the sheet, not to itself."""

from __future__ import annotations

import edgelab as el

VREQ, OREQ, ORESP, VRESP = el.TRIGGERS

# §3.1: the 27 entries, prefixes included.
DISALLOWED = ["Connection", "Expect", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
              "Proxy-Connection", "Trailer", "Upgrade", "X-Accel-Buffering", "X-Accel-Charset",
              "X-Accel-Limit-Rate", "X-Accel-Redirect", "X-Amz-Cf-*", "X-Amzn-Auth",
              "X-Amzn-Cf-Billing", "X-Amzn-Cf-Id", "X-Amzn-Cf-Xff", "X-Amzn-Errortype",
              "X-Amzn-Fle-Profile", "X-Amzn-Header-Count", "X-Amzn-Header-Order",
              "X-Amzn-Lambda-Integration-Tag", "X-Amzn-RequestId", "X-Cache", "X-Edge-*",
              "X-Forwarded-Proto", "X-Real-IP"]

# A real header name for each prefix entry, for tests that send one.
_PREFIX_EXAMPLES = {"X-Amz-Cf-*": "X-Amz-Cf-Pop", "X-Edge-*": "X-Edge-Location"}
DISALLOWED_NAMES = [_PREFIX_EXAMPLES.get(n, n) for n in DISALLOWED]

# §3.2: read-only headers per trigger.
READ_ONLY = {
    VREQ: ["Content-Length", "Host", "Transfer-Encoding", "Via"],
    OREQ: ["Accept-Encoding", "Content-Length", "If-Modified-Since", "If-None-Match", "If-Range",
           "If-Unmodified-Since", "Transfer-Encoding", "Via"],
    ORESP: ["Transfer-Encoding", "Via"],
    VRESP: ["Warning", "Via"],
}

# §13: what the current pages add (rule set 2025-11).
DISALLOWED_2025_11 = [*DISALLOWED, "CloudFront-Viewer-Cert-PEM", "Client-Cert",
                      "Client-Cert-Chain"]
DISALLOWED_NAMES_2025_11 = [_PREFIX_EXAMPLES.get(n, n) for n in DISALLOWED_2025_11]
READ_ONLY_2025_11 = {
    VREQ: [*READ_ONLY[VREQ], "CDN-Loop"],
    OREQ: [*READ_ONLY[OREQ], "CDN-Loop"],
    ORESP: READ_ONLY[ORESP],
    VRESP: [*READ_ONLY[VRESP], "Content-Length", "Content-Encoding", "Transfer-Encoding"],
}

# The header lists of each rule set, by its name.
DISALLOWED_BY_SET = {"2023-03": DISALLOWED, "2025-11": DISALLOWED_2025_11}
DISALLOWED_NAMES_BY_SET = {"2023-03": DISALLOWED_NAMES, "2025-11": DISALLOWED_NAMES_2025_11}
READ_ONLY_BY_SET = {"2023-03": READ_ONLY, "2025-11": READ_ONLY_2025_11}
