"""CloudFront logs of every format, read streamed into traffic sets; writing them too.

    frame = el.read_access_logs("logs/")               # any format, detected per file
    for chunk in el.iter_access_logs("logs/", chunk_rows=50_000): ...
    el.logs.inspect_logs("logs/E2EXAMPLE.2025-03-01-10.abc.gz")

Formats (facts logs §1-§3): legacy standard logs (W3C, ``#Fields`` header, 33 fields in
lambda-edge-facts §12 and two since); standard logging v2 with W3C, plain, JSON and
Parquet output and all three spellings of field names; real-time log records (fixed
field order, no header). Modules: :mod:`.fields` (names, spellings, encoding),
:mod:`.sources` (files, gzip, format detection), :mod:`.readers` (one streaming reader
per format), :mod:`.frame` (raw rows -> traffic shape), :mod:`.reader` (chunks, line
accounting, inspect), :mod:`.write` (writing logs), :mod:`.calibrate` (the latency
model fitted to logged origin latency), :mod:`.decisions`.
"""

from .calibrate import calibrate_latency, origin_latency_points
from .decisions import LOG_DECISIONS
from .fields import (
    FIELDS,
    FIELDS_CURRENT,
    REALTIME_ORDER,
    V2_ONLY,
    canonical,
    decode_value,
    encode_value,
)
from .reader import LogReader, concat_chunks, inspect_logs, iter_access_logs, read_access_logs
from .sources import FORMATS, detect_format, is_parquet_log
from .write import write_access_log, write_log

__all__ = [
    "FIELDS",
    "FIELDS_CURRENT",
    "FORMATS",
    "LOG_DECISIONS",
    "REALTIME_ORDER",
    "V2_ONLY",
    "LogReader",
    "calibrate_latency",
    "canonical",
    "concat_chunks",
    "decode_value",
    "detect_format",
    "encode_value",
    "inspect_logs",
    "is_parquet_log",
    "iter_access_logs",
    "origin_latency_points",
    "read_access_logs",
    "write_access_log",
    "write_log",
]
