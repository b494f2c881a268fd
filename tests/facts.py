"""The fact sheet's header lists as written (facts §3.1, §3.2), restated here apart from
``edgelab.rules.tables`` so the tests hold the code to the sheet, not to itself."""

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
