"""Field names of every CloudFront log format, their spellings, and the value encoding.

One canonical key per field: the W3C name lower-cased with ``(``, ``)`` and ``-`` turned
into ``_`` (``cs(Host)`` -> ``cs_host``, ``timestamp(ms)`` -> ``timestamp_ms``). That is
also the Parquet spelling (facts logs §2: Parquet columns use underscores), so the three
spellings of standard logging v2 (W3C/plain names, JSON keys that keep the W3C names with
their parentheses, Parquet's underscores) all map to one key with :func:`canonical`.

Real-time logs (facts logs §3) spell some fields differently *and* swap two meanings:
there ``cs-host`` is the Host header the viewer sent and ``x-host-header`` the
distribution's domain, the reverse of the standard logs. :data:`REALTIME_TO_STANDARD`
renames real-time fields to the standard key with the same meaning.
"""

from __future__ import annotations

from urllib.parse import unquote

import numpy as np
import pandas as pd

#: The legacy standard log's fields in order: 33 (lambda-edge-facts §12) and fields 34-35
#: added since (facts logs §1, lambda-edge-facts §13).
FIELDS = (
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
)
FIELDS_CURRENT = (*FIELDS, "distribution-tenant-id", "connection-id")

#: Fields only standard logging v2 offers (facts logs §2, CUR); their presence in a
#: ``#Fields`` line marks a v2 file.
V2_ONLY = (
    "timestamp(ms)",
    "origin-fbl",
    "origin-lbl",
    "asn",
    "c-country",
    "cache-behavior-path-pattern",
    "viewer-request-log-data",
    "viewer-response-log-data",
)

#: Real-time log fields in the fixed documented order (facts logs §3.1, reading (a): the
#: 2023 list 1-40, then primary-distribution-id/-dns-name, origin-fbl, origin-lbl, asn,
#: the 18 CMCD fields and the later additions; ``s-ip`` right after ``c-ip``).
CMCD = (
    "cmcd-encoded-bitrate",
    "cmcd-buffer-length",
    "cmcd-buffer-starvation",
    "cmcd-content-id",
    "cmcd-object-duration",
    "cmcd-deadline",
    "cmcd-measured-throughput",
    "cmcd-next-object-request",
    "cmcd-next-range-request",
    "cmcd-object-type",
    "cmcd-playback-rate",
    "cmcd-requested-maximum-throughput",
    "cmcd-streaming-format",
    "cmcd-session-id",
    "cmcd-stream-type",
    "cmcd-startup",
    "cmcd-top-bitrate",
    "cmcd-version",
)
REALTIME_2023 = (
    "timestamp",
    "c-ip",
    "time-to-first-byte",
    "sc-status",
    "sc-bytes",
    "cs-method",
    "cs-protocol",
    "cs-host",
    "cs-uri-stem",
    "cs-bytes",
    "x-edge-location",
    "x-edge-request-id",
    "x-host-header",
    "time-taken",
    "cs-protocol-version",
    "c-ip-version",
    "cs-user-agent",
    "cs-referer",
    "cs-cookie",
    "cs-uri-query",
    "x-edge-response-result-type",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-result-type",
    "fle-encrypted-fields",
    "fle-status",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
    "c-port",
    "x-edge-detailed-result-type",
    "c-country",
    "cs-accept-encoding",
    "cs-accept",
    "cache-behavior-path-pattern",
    "cs-headers",
    "cs-header-names",
    "cs-headers-count",
    "origin-fbl",
    "origin-lbl",
    "asn",
)
REALTIME_ORDER = (
    *REALTIME_2023[:2],
    "s-ip",
    *REALTIME_2023[2:40],
    "primary-distribution-id",
    "primary-distribution-dns-name",
    *REALTIME_2023[40:],
    *CMCD,
    "r-host",
    "sr-reason",
    "x-edge-mqcs",
    "distribution-tenant-id",
    "connection-id",
    "viewer-request-log-data",
    "viewer-response-log-data",
)

# real-time name -> the standard (canonical) key with the same meaning
REALTIME_TO_STANDARD = {
    "cs-host": "x_host_header",  # the viewer's Host header (standard: x-host-header)
    "x-host-header": "cs_host",  # the distribution's domain (standard: cs(Host))
    "timestamp": "timestamp",  # epoch seconds with a millisecond fraction
}

# canonical key -> traffic column (strings); host is chosen separately
TO_TRAFFIC = {
    "x_edge_location": "edge_location",
    "c_ip": "client_ip",
    "cs_method": "method",
    "cs_uri_stem": "uri",
    "cs_referer": "referer",
    "cs_user_agent": "user_agent",
    "cs_uri_query": "querystring",
    "cs_cookie": "cookie",
    "x_host_header": "host",
}
# canonical key -> log_* column, and its kind
TO_LOG = {
    "sc_status": ("log_status", "int"),
    "x_edge_result_type": ("log_result_type", "str"),
    "x_edge_response_result_type": ("log_response_result_type", "str"),
    "x_edge_detailed_result_type": ("log_detailed_result_type", "str"),
    "x_edge_request_id": ("log_request_id", "str"),
    "sc_bytes": ("log_sc_bytes", "int"),
    "cs_bytes": ("log_cs_bytes", "int"),
    "time_taken": ("log_time_taken", "float"),
    "time_to_first_byte": ("log_time_to_first_byte", "float"),
    "origin_fbl": ("log_origin_fbl", "float"),
    "origin_lbl": ("log_origin_lbl", "float"),
    "cs_protocol": ("log_protocol", "str"),
    "cs_protocol_version": ("log_protocol_version", "str"),
    "cs_host": ("log_distribution_host", "str"),
    "c_country": ("log_country", "str"),
    "cache_behavior_path_pattern": ("log_behavior", "str"),
    "asn": ("log_asn", "str"),
    "sc_content_type": ("log_content_type", "str"),
    "distribution_tenant_id": ("log_tenant_id", "str"),
    "viewer_request_log_data": ("log_viewer_request_data", "str"),
    "viewer_response_log_data": ("log_viewer_response_data", "str"),
}

#: the fields a reader converts (others are skipped); NUMERIC: parsed as numbers
USED = frozenset(
    {
        *TO_TRAFFIC,
        *TO_LOG,
        "date",
        "time",
        "timestamp",
        "timestamp_ms",
        "cs_host",
        "x_host_header",
        "c_country",
    }
)
NUMERIC = frozenset({k for k, (_, kind) in TO_LOG.items() if kind != "str"})


def canonical(name: str) -> str:
    """The one key of a field in any spelling: ``cs(User-Agent)``, ``cs_user_agent`` and
    ``CS(User-Agent)`` -> ``cs_user_agent``; ``timestamp(ms)`` -> ``timestamp_ms``."""
    key = name.strip().lower()
    for ch in "()-. ":
        key = key.replace(ch, "_")
    while "__" in key:
        key = key.replace("__", "_")
    return key.strip("_")


# -- value encoding (lambda-edge-facts §12) -----------------------------------------------

_SAFE = frozenset(range(33, 127)) - {ord(c) for c in "<>\"#%{}|\\^~[]`'"}


def encode_value(value: object) -> str:
    """One log value as CloudFront writes it: URL-encoded per §12, ``-`` when empty."""
    text = (
        ""
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
        else str(value)
    )
    if text == "":
        return "-"
    data = text.encode("utf-8")
    if all(b in _SAFE for b in data):
        return text
    return "".join(chr(b) if b in _SAFE else f"%{b:02X}" for b in data)


def decode_value(value: str) -> str:
    """Inverse of :func:`encode_value`: ``-`` is empty, ``%XX`` sequences decoded once."""
    if value == "-":
        return ""
    return unquote(value) if "%" in value else value
