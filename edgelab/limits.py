"""edgelab's own limits on what it accepts: not CloudFront's rules (those are data in
:mod:`edgelab.rules`), but bounds that keep a bad input from exhausting the machine.

Each is a clear error (or an HTTP 413) when crossed, never a crash; the README's
"Limits edgelab sets itself" table lists them.
"""

from __future__ import annotations

#: Events and function results nested deeper than this are refused (CloudFront's own
#: deepest field, ``Records[0].cf.request.origin.custom.customHeaders.NAME[0].value``,
#: is nine levels down).
MAX_DEPTH = 64

#: ``edgelab traffic --n`` / ``generate_traffic(n=...)``: about 450 MB per million rows.
MAX_TRAFFIC_ROWS = 20_000_000

#: ``edgelab serve``: request bodies above this get 413 (``--max-body``).
SERVE_MAX_BODY = 10 * 1024 * 1024

#: ``edgelab serve``: a trace file is rotated when it reaches this size (``--trace-max-bytes``)
#: and this many rotated files are kept (``--trace-backups``): ``traces.jsonl.1`` ...
TRACE_MAX_BYTES = 50 * 1024 * 1024
TRACE_BACKUPS = 3

#: ``edgelab serve``: a body (viewer, origin, response) is stored in a trace up to this
#: many characters (``--trace-body``); the rest is cut and the trace says so.
TRACE_BODY_CHARS = 64 * 1024

#: ``edgelab serve``'s request-journey UI keeps this many whole traces (redacted and cut
#: as the trace file stores them) for its pages; the list shows at most this many rows.
UI_KEEP = 200
#: The most ``--ui-keep`` allows (each kept trace holds its bodies, up to ``--trace-body``
#: characters each, in memory).
UI_KEEP_MAX = 10_000

#: ``edgelab serve``: a request is kept for the UI's "replay this request" button only
#: when its body is at most this many bytes (the body is kept whole, in memory only).
REPLAY_BODY = 1024 * 1024
