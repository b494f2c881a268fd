"""How edgelab reads the log facts marked UNSURE (facts logs = cloudfront-logs-and-pricing
-facts.md). Each row is pinned by a test (``tests/test_logs_formats.py``)."""

from __future__ import annotations

from ..rules import Decision

LOG_DECISIONS: tuple[Decision, ...] = (
    Decision(
        "log line with more values than #Fields",
        "logs §1, §2",
        "kept: the header's fields are read and the extra values ignored (CloudFront adds "
        "fields at the end, as 34-35 were); the file's notes count such lines and name "
        "the first. A line with fewer values is rejected with its line number",
    ),
    Decision(
        "v2 time field",
        "logs §2",
        "timestamp(ms) when present, else date + time; an epoch value is read as "
        "milliseconds above 1e11, else as seconds; ISO 8601 text is accepted too",
    ),
    Decision(
        "v2 JSON values",
        "logs §2",
        "numbers may be JSON numbers or strings; null and '-' are both missing; strings "
        "are URL-decoded like W3C values (the encoding writes a literal % as %25, so "
        "decoding an unencoded value changes only %XX sequences)",
    ),
    Decision(
        "v2 Parquet column names and values",
        "logs §2",
        "names by the underscore spelling (cs_user_agent, timestamp_ms); strings "
        "URL-decoded like W3C values",
    ),
    Decision(
        "v2 plain output",
        "logs §2",
        "read like W3C: by its #Fields line when it has one, else only with fields=[...] "
        "(the delivery's recordFields); the delimiter is the one that splits a line into "
        "as many values as fields (tab first), or delimiter=...",
    ),
    Decision(
        "real-time field order",
        "logs §3.1",
        "reading (a): 1-40 as in 2023, then primary-distribution-id/-dns-name, origin-fbl,"
        " origin-lbl, asn, the 18 CMCD fields, the later additions; s-ip after c-ip; "
        "overridable with realtime_order=...",
    ),
    Decision(
        "real-time separator, missing value and timestamp",
        "logs §3",
        "tab between values, '-' for a missing one, timestamp in epoch seconds with a "
        "millisecond fraction; values URL-decoded like standard logs",
    ),
    Decision(
        "real-time field list",
        "logs §3",
        "given with fields=[...] in any order (records follow the documented order); "
        "without it, a record of all 43 fields of the 2023 list or of every known field "
        "is recognised by its count, anything else is refused",
    ),
    Decision(
        "default behaviour path pattern",
        "logs §2",
        "the logged cache-behavior-path-pattern '*' (and 'Default (*)', 'default', '') "
        "are the default behaviour when compared with edgelab's choice",
    ),
    Decision(
        "who measured origin-fbl",
        "logs §2",
        "latency calibration compares origin-fbl with the model's whole origin leg (edge "
        "-> regional edge cache -> origin, or edge -> origin for methods that bypass it): "
        "the docs do not say which server measured it",
    ),
)
