"""How edgelab reads the facts the sheet marks UNSURE (or leaves open), as data.

:data:`DECISIONS` is written once and rendered twice: by ``edgelab rules --decisions``
and, through :func:`decisions_markdown`, into the README's table; a test pins each row
to the test that holds edgelab to it (``tests/test_validate.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """How edgelab reads a fact the sheet marks UNSURE (or leaves open)."""

    topic: str
    section: str
    decision: str


def decisions_markdown(
    rows: Iterable[Decision], header: tuple[str, str, str] = ("topic", "decision", "facts")
) -> str:
    """``rows`` as the README's Markdown table: topic | decision | facts section."""
    lines = [f"| {' | '.join(header)} |", "|---|---|---|"]
    lines += [f"| {d.topic} | {d.decision} | {d.section} |" for d in rows]
    return "\n".join(lines) + "\n"


DECISIONS: tuple[Decision, ...] = (
    Decision(
        "body key absent",
        "§1.3",
        "request.body is present only when Include Body is on, for any method",
    ),
    Decision(
        "header key vs map name",
        "§1.5",
        "an element whose key differs from its map name is accepted; the map name wins",
    ),
    Decision(
        "header map name case",
        "§1.5, §13",
        "accepted and normalised, as production serves such names: the map name is "
        "lowercased, each element keeps its key (a missing key is filled as usual), and "
        "the result notes it",
    ),
    Decision(
        "same header under two map-name cases",
        "§1.5, §13",
        "their elements are merged under the lowercase name in map order (X-Foo's lines "
        "first when the object lists X-Foo before x-foo)",
    ),
    Decision(
        "header name characters",
        "§1.5, §6",
        "a map name or element key that is not an RFC 9110 token (CR, LF, space, colon, "
        "other control or non-ASCII characters) is a 502 naming the header",
    ),
    Decision(
        "header value characters",
        "§6",
        "a control character other than tab (a production log names '%0D' in a value) "
        "or a character beyond Latin-1, which has no byte on the wire, is a 502 naming "
        "the header; Latin-1 letters such as é pass",
    ),
    Decision("invalid base64 body", "§1.4, §4", "502 LambdaValidationError"),
    Decision("status outside 200-599", "§4, §1.7", "502 LambdaValidationError"),
    Decision(
        "headers of a generated response",
        "§4, §3, §13",
        "checked against the trigger's disallowed, read-only and CloudFront-Viewer-Country "
        "lists, each header counting as added: Content-Length in a response generated in "
        "origin request is a 502, as production reports",
    ),
    Decision(
        "headers given as a list in a generated response",
        "§4",
        "dropped: the status and body are served without them, as one production report "
        "describes, and the result carries a note; a list in a returned request or a "
        "response trigger's result stays a 502",
    ),
    Decision(
        "oversized replaced body",
        "§5.1",
        "rejected with 502 (not truncated), as §6 lists body size among 502 causes",
    ),
    Decision(
        "uri/querystring/request headers changed in a response trigger",
        "§2",
        "ignored, as the OLD DOC says: a response trigger returns only the response",
    ),
    Decision(
        "viewer-response changes status",
        "§2, §1.7",
        "502 LambdaValidationError (the status is read-only there)",
    ),
    Decision(
        "read-only header removed", "§3.2", "counts as a change: 502, like adding or editing one"
    ),
    Decision(
        "disallowed or read-only header present in the input",
        "§3",
        "passing it through unchanged is fine; only additions and edits are errors",
    ),
    Decision("returning None or a non-object", "§6", "502 LambdaValidationError"),
    Decision("returning a request from a response trigger", "§6", "502 LambdaValidationError"),
    Decision(
        "read-only request fields (method, clientIp) changed", "§1.3", "502 LambdaValidationError"
    ),
    Decision(
        "origin in a viewer-request result",
        "§1.3, §2",
        "ignored: the origin is chosen after viewer request",
    ),
    Decision("204 with a body", "§4", "502, in viewer request only, as documented"),
    Decision("origin custom-header denylist", "§3.4", "enforced on Lambda customHeaders"),
    Decision(
        "response body in viewer response",
        "§1.7",
        "may be replaced, within the 40 KB generated-response quota",
    ),
    Decision(
        "worker process dies (exit, out of memory)",
        "§6",
        "500 LambdaExecutionError, the function gave CloudFront no response",
    ),
    Decision(
        "memory quota",
        "§5.1",
        "enforced in isolated Python workers (an allocation past it is a MemoryError, "
        "500) and for Node's heap (the worker dies, 500); not in-process",
    ),
    Decision(
        "default rule set",
        "§13",
        "2025-11, the current pages: it holds the header rules production enforces today, "
        "and a missed 502 costs a user more than a false one; --rules 2023-03 keeps the "
        "March 2023 quotas",
    ),
    Decision(
        "viewer timeout in 2025-11",
        "§13, §5.1",
        "30 s, as the current Quotas and Differences pages give; the Choosing page's "
        "5 s stays in 2023-03",
    ),
    Decision(
        "request size in 2025-11",
        "§13, §5.3",
        "32,768 bytes, as §13 reads the current Quotas page (a stored copy of that page "
        "from late 2025 still reads 20,480, which 2023-03 keeps)",
    ),
    Decision(
        "rule set 2025",
        "§13",
        "a deprecated name for 2025-11: it still works, with a FutureWarning naming the "
        "replacement",
    ),
    Decision(
        "rule override ranges",
        "§5.1, §13",
        "timeout above 0 and at most 900 s, memory 128 to 10,240 MB, status bounds 100 to "
        "999, sizes, lengths and counts whole numbers from 1; anything else is a "
        "ConfigError naming the rule, the range and the value",
    ),
    Decision(
        "CloudFront-Error-Uri and CloudFront-Error-Args",
        "§13, §7",
        "known CloudFront headers a policy may name; added only to the fetch of a custom "
        "error page whose behaviour's origin request policy names them: the uri and the "
        "query string that got the error (as viewer request left them)",
    ),
    Decision(
        "TLS fingerprint headers",
        "§7, §13",
        "JA3, JA4 and TLS values are synthetic, stable per User-Agent and HTTP version, "
        "and sent only for HTTPS viewers",
    ),
    Decision("KB and MB", "§5", "1 KB = 1,024 bytes, 1 MB = 1,048,576 bytes"),
    Decision(
        "return value Lambda cannot encode as JSON",
        "§6",
        "Runtime.MarshalError, a function error: 500 LambdaExecutionError, the same "
        "in-process and isolated (bytes go as they are: JSON bytes are that JSON)",
    ),
    Decision(
        "error or exit after the call returned",
        "§6",
        "costs the container: the call is answered, the next call is a cold start "
        "whose logs say what happened",
    ),
    Decision(
        "memory quota and threads left running",
        "§5.1",
        "stacks reserved by threads a handler left running are not counted (Lambda "
        "counts resident memory); what a call allocates is",
    ),
    Decision(
        "module that never finishes importing",
        "§5.1",
        "refused after Lambda's 10 s init phase (CLI exit 2); for a replaced "
        "container, its call is a 503",
    ),
)
