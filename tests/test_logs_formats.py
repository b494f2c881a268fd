"""Every CloudFront log format (facts logs §1-§3), read streamed, with exact line accounting.

Fixtures in ``tests/fixtures/logs/`` are hand-written, one per format; the table below
states what each must give.
"""

from __future__ import annotations

import gzip
import importlib
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgelab as el
from edgelab.logs import FIELDS_CURRENT, LOG_DECISIONS, canonical, detect_format
from edgelab.logs.fields import REALTIME_2023, REALTIME_ORDER
from tests.strategies import log_values

LOGS = Path(__file__).resolve().parent / "fixtures" / "logs"
V2_FIELDS = [
    "timestamp(ms)",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "cs-uri-query",
    "sc-status",
    "x-edge-location",
    "x-host-header",
    "cs(User-Agent)",
    "cs(Cookie)",
    "x-edge-result-type",
    "time-taken",
    "time-to-first-byte",
    "origin-fbl",
    "origin-lbl",
    "c-country",
    "cache-behavior-path-pattern",
    "asn",
]
RT_FIELDS = (LOGS / "realtime-fields.txt").read_text().split()


def _read(name: str, **options: Any) -> tuple[pd.DataFrame, el.LogReader]:
    reader = el.LogReader(LOGS / name, **options)
    return el.logs.concat_chunks(list(reader)), reader


# (id, file, options, format, rows, rejected, {row: {column: value}})
CASES = [
    (
        "§1 legacy with fields 34-35, grpcs, LambdaExecutionError",
        "legacy-35-fields.log",
        {},
        "legacy",
        3,
        0,
        {
            0: {
                "uri": "/index.html",
                "querystring": "lang=de&x={1}",
                "country": "DE",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
                "host": "www.example.com",
                "log_distribution_host": "d111111abcdef8.cloudfront.net",
                "log_status": 200,
            },
            1: {"method": "POST", "log_protocol": "grpcs", "edge_location": "IAD89-C1"},
            2: {
                "uri": "/img/café.png",
                "cookie": "ab=B; s=1",
                "log_result_type": "LambdaExecutionError",
                "country": "JP",
                "log_status": 500,
            },
        },
    ),
    (
        "§1 legacy with extra, short and garbage lines",
        "legacy-mixed.log",
        {},
        "legacy",
        3,
        5,
        {
            1: {"uri": "/b", "source_line": 5},
            2: {"uri": "/last", "querystring": "v=2", "source_line": 12},
        },
    ),
    (
        "§2 v2 W3C: timestamp(ms), c-country, behaviour, origin latency",
        "v2-w3c.log",
        {},
        "v2-w3c",
        3,
        0,
        {
            0: {
                "time": pd.Timestamp("2025-11-03T10:00:00.123Z"),
                "country": "FR",
                "log_behavior": "/images/*",
                "log_origin_fbl": 0.092,
                "log_origin_lbl": 0.101,
                "host": "shop.example.com",
                "user_agent": "Mozilla/5.0 (iPhone)",
                "log_asn": "16509",
            },
            1: {"log_behavior": "*", "cookie": "ab=A"},
            2: {"method": "POST", "country": "BR", "log_status": 201},
        },
    ),
    (
        "§2 v2 plain without a header, comma-delimited, fields given",
        "v2-plain.txt",
        {"fields": V2_FIELDS},
        "v2-plain",
        3,
        0,
        {
            0: {
                "time": pd.Timestamp("2025-11-03T10:00:00.123Z"),
                "uri": "/images/cat.jpg",
                "querystring": "w=200",
                "log_behavior": "/images/*",
            }
        },
    ),
    (
        "§2 v2 JSON: strings, numbers and nulls; bad lines rejected",
        "v2.json",
        {},
        "v2-json",
        2,
        3,
        {
            0: {
                "uri": "/images/cat.jpg",
                "querystring": "w=200",
                "country": "FR",
                "log_origin_fbl": 0.092,
                "user_agent": "Mozilla/5.0 (iPhone)",
            },
            1: {
                "time": pd.Timestamp("2025-11-03T10:00:00.456Z"),
                "log_status": 200,
                "querystring": "",
                "log_time_taken": 0.002,
            },
        },
    ),
    (
        "§3 real-time: query string in cs-uri-stem, fields in config order",
        "realtime.txt",
        {"fields": RT_FIELDS},
        "realtime",
        3,
        1,
        {
            0: {
                "uri": "/images/cat.jpg",
                "querystring": "mobile=true",
                "country": "DE",
                "host": "shop.example.com",
                "log_distribution_host": "d111111abcdef8.cloudfront.net",
                "time": pd.Timestamp("2025-11-03T10:00:00.123Z"),
                "log_origin_fbl": 0.04,
            },
            2: {
                "uri": "/search",
                "querystring": "q=café&p=2",
                "log_behavior": "/search*",
                "source_line": 4,
            },
        },
    ),
]


@pytest.mark.parametrize(
    ("name", "options", "fmt", "rows", "rejected", "expect"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_each_format_reads_into_the_traffic_shape(
    name, options, fmt, rows, rejected, expect
) -> None:
    frame, reader = _read(name, **options)
    assert reader.stats[0].format == fmt
    assert len(frame) == rows and reader.rejected_count == rejected
    assert list(frame.columns[:17]) == list(el.traffic.TRAFFIC_COLUMNS)
    assert (frame["source_file"].astype(str) == str(LOGS / name)).all()
    for i, values in expect.items():
        for col, want in values.items():
            got = frame.loc[i, col]
            if isinstance(want, float):
                assert got == pytest.approx(want), (col, got)
            else:
                assert got == want, (col, got)


@pytest.mark.parametrize(
    ("name", "options"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_every_line_is_a_header_a_blank_a_row_or_rejected(name, options) -> None:
    frame, reader = _read(name, **options)
    s = reader.stats[0]
    physical = len((LOGS / name).read_text().splitlines())
    assert s.lines == physical
    assert s.header_lines + s.blank_lines + s.rows + s.rejected == physical
    assert s.rows == len(frame)
    lines = set(frame["source_line"]) | set(reader.rejected["source_line"])
    assert len(lines) == s.rows + s.rejected


def test_rejected_lines_carry_file_line_and_reason() -> None:
    _, reader = _read("legacy-mixed.log")
    rej = reader.rejected
    assert rej["source_line"].tolist() == [7, 8, 9, 10, 11]
    reasons = dict(zip(rej["source_line"], rej["reason"], strict=True))
    assert reasons[7] == "20 values, but the #Fields line names 33"
    assert "'2025-13-45'" in reasons[8] and "not a time" in reasons[8]
    assert "'25:61'" in reasons[9]
    assert reasons[10] == "no cs-uri-stem (the request's path)"
    assert reasons[11] == "1 values, but the #Fields line names 33"
    assert (rej["source_file"] == str(LOGS / "legacy-mixed.log")).all()


def test_a_line_with_more_values_than_fields_is_kept_and_noted() -> None:
    # LOG_DECISIONS "log line with more values than #Fields"
    frame, reader = _read("legacy-mixed.log")
    assert "/b" in frame["uri"].astype(str).tolist()
    assert reader.stats[0].notes and "first: line 5" in reader.stats[0].notes[0]


def test_eager_read_keeps_rejected_lines_and_file_accounting_in_attrs() -> None:
    frame = el.read_access_logs(LOGS / "legacy-mixed.log")
    assert frame.attrs["rejected_count"] == 5
    assert [r["source_line"] for r in frame.attrs["rejected"]] == [7, 8, 9, 10, 11]
    assert frame.attrs["log_files"][0]["rows"] == 3


def test_parquet_with_underscore_names_and_typed_columns(tmp_path) -> None:
    # LOG_DECISIONS "v2 Parquet column names and values"
    table = pa.table(
        {
            "timestamp_ms": pa.array([1762164000123, 1762164000456], pa.int64()),
            "cs_method": ["GET", "GET"],
            "cs_uri_stem": ["/a%20b.html", "/c"],
            "cs_uri_query": ["x=1", "-"],
            "x_edge_location": ["CDG50-C1", "SIN2-C1"],
            "cs_user_agent": ["Mozilla/5.0%20(iPhone)", "curl/8.5.0"],
            "sc_status": pa.array([200, 404], pa.int32()),
            "origin_fbl": [0.05, None],
            "c_country": ["FR", "SG"],
            "cache_behavior_path_pattern": ["*", "/c"],
            "x_host_header": ["shop.example.com", "shop.example.com"],
        }
    )
    path = tmp_path / "part-0001.parquet"
    pq.write_table(table, path)
    frame = el.read_access_logs(path)
    assert detect_format(path)[0] == "v2-parquet"
    assert frame["uri"].astype(str).tolist() == ["/a b.html", "/c"]
    assert frame["querystring"].astype(str).tolist() == ["x=1", ""]
    assert frame["log_status"].tolist() == [200, 404]
    assert frame["source_line"].tolist() == [1, 2]
    assert frame["time"].iloc[1] == pd.Timestamp("2025-11-03T10:00:00.456Z")
    assert frame["country"].astype(str).tolist() == ["FR", "SG"]


def test_json_spelling_and_parquet_spelling_are_one_field() -> None:
    assert canonical("cs(User-Agent)") == canonical("cs_user_agent") == "cs_user_agent"
    assert canonical("timestamp(ms)") == "timestamp_ms"
    assert canonical("cs(Host)") == "cs_host" and canonical("x-edge-location") == "x_edge_location"


@pytest.mark.parametrize(
    ("fmt", "fields", "ext"),
    [
        ("legacy", None, ".log.gz"),
        ("v2-w3c", None, ".log"),
        ("v2-json", None, ".json"),
        ("v2-parquet", None, ".parquet"),
        ("realtime", None, ".txt"),
        ("v2-plain", el.logs.write.V2_DEFAULT_FIELDS, ".txt"),
    ],
    ids=["§1 legacy gz", "§2 v2 w3c", "§2 v2 json", "§2 v2 parquet", "§3 realtime", "§2 v2 plain"],
)
def test_written_logs_of_each_format_read_back(tmp_path, fmt, fields, ext) -> None:
    traffic = el.generate_traffic("shop", 300, seed=4)
    path = el.write_log(traffic, tmp_path / f"x{ext}", format=fmt)
    options: dict[str, Any] = {}
    if fmt == "v2-plain":
        options["fields"] = list(fields)
    if fmt == "realtime":
        options["fields"] = list(el.logs.write.REALTIME_DEFAULT_FIELDS)
    back = el.read_access_logs(path, **options)
    want = traffic.sort_values("time", kind="stable").reset_index(drop=True)
    assert detect_format(path)[0] == fmt
    for col in ("uri", "querystring", "user_agent", "client_ip", "method", "host"):
        assert back[col].astype(str).tolist() == want[col].astype(str).tolist(), col
    assert back.attrs["rejected_count"] == 0


def test_folders_are_searched_recursively_and_formats_mixed(tmp_path) -> None:
    traffic = el.generate_traffic("shop", 50, seed=5)
    deep = tmp_path / "AWSLogs" / "111122223333" / "CloudFront" / "year=2025" / "month=11"
    deep.mkdir(parents=True)
    el.write_log(traffic, deep / "a.log.gz", format="legacy")
    el.write_log(traffic, deep / "b.json.gz", format="v2-json")
    el.write_log(traffic, tmp_path / "c.parquet", format="v2-parquet")
    reader = el.LogReader(tmp_path)
    total = sum(len(c) for c in reader)
    assert total == 150
    assert sorted(s.format for s in reader.stats) == ["legacy", "v2-json", "v2-parquet"]


def test_streaming_yields_bounded_chunks_and_every_row(tmp_path) -> None:
    traffic = el.generate_traffic("shop", 2_500, seed=6)
    el.write_log(traffic, tmp_path / "big.log.gz")
    el.write_log(traffic.head(700), tmp_path / "small.json", format="v2-json")
    sizes = [len(c) for c in el.iter_access_logs(tmp_path, chunk_rows=1000)]
    assert sizes == [1000, 1000, 1000, 200]
    chunk = next(iter(el.iter_access_logs(tmp_path / "big.log.gz", chunk_rows=1000)))
    assert chunk["source_line"].tolist() == list(range(3, 1003))


def test_a_chunk_is_already_a_normalized_traffic_frame(tmp_path) -> None:
    chunk = next(iter(el.iter_access_logs(LOGS / "v2-w3c.log")))
    again = el.traffic.normalize_traffic(chunk)
    pd.testing.assert_frame_equal(again, chunk)


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("#Version: 1.0\n#Fields: date time cs-uri-stem\n", "legacy"),
        ("#Version: 1.0\n#Fields: timestamp(ms) cs-uri-stem c-country\n", "v2-w3c"),
        ('{"timestamp(ms)": "1762164000123", "cs-uri-stem": "/"}\n', "v2-json"),
        ("1762164000.123\t192.0.2.1\t200\tGET\t/\n", "realtime"),
        ("2025-11-03,10:00:00,/index.html,200\n", "v2-plain"),
        ("1762164000123\t/index.html\tGET\t200\n", "v2-plain"),
    ],
    ids=[
        "§1 W3C legacy names",
        "§2 W3C with v2-only names",
        "§2 JSON",
        "§3 real-time epoch seconds",
        "§2 plain with a date",
        "§2 plain with timestamp(ms)",
    ],
)
def test_format_detection(tmp_path, text, fmt) -> None:
    path = tmp_path / "f"
    path.write_bytes(gzip.compress(text.encode()))
    assert detect_format(path)[0] == fmt


def test_an_unknown_file_is_refused_with_its_first_line(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Dear diary, today\n")
    with pytest.raises(el.ConfigError, match="Dear diary"):
        el.read_access_logs(path)


def test_format_can_be_forced_and_unknown_names_are_refused(tmp_path) -> None:
    shutil.copy(LOGS / "v2-w3c.log", tmp_path / "x.log")
    assert el.LogReader(tmp_path / "x.log", format="w3c").format == "v2-w3c"
    with pytest.raises(el.ConfigError, match="format must be one of"):
        el.LogReader(tmp_path / "x.log", format="csv")


def test_realtime_without_fields_needs_a_known_count(tmp_path) -> None:
    # LOG_DECISIONS "real-time field list"
    with pytest.raises(el.ConfigError, match="fields="):
        el.read_access_logs(LOGS / "realtime.txt")
    traffic = el.generate_traffic("shop", 20, seed=7)
    path = el.write_log(traffic, tmp_path / "all.txt", format="realtime", fields=REALTIME_2023)
    assert len(el.read_access_logs(path)) == 20


def test_realtime_order_follows_reading_a_and_can_be_overridden(tmp_path) -> None:
    # LOG_DECISIONS "real-time field order" and "real-time separator, missing value and
    # timestamp"
    assert REALTIME_ORDER[:3] == ("timestamp", "c-ip", "s-ip")
    i = REALTIME_ORDER.index
    assert (
        i("cs-headers-count")
        < i("primary-distribution-id")
        < i("origin-fbl")
        < i("asn")
        < i("cmcd-encoded-bitrate")
        < i("cmcd-version")
        < i("r-host")
        < i("s-ip") + 100
    )
    line = "x-edge-location\ttimestamp\tcs-uri-stem"
    (tmp_path / "r.txt").write_text("CDG50-C1\t1762164000.5\t/a?b=1\n")
    frame = el.read_access_logs(
        tmp_path / "r.txt",
        format="realtime",
        fields=line.split("\t"),
        realtime_order=line.split("\t"),
    )
    assert frame.loc[0, "uri"] == "/a" and frame.loc[0, "querystring"] == "b=1"
    assert frame.loc[0, "time"] == pd.Timestamp("2025-11-03T10:00:00.500Z")


def test_v2_time_prefers_timestamp_ms_and_reads_seconds_too(tmp_path) -> None:
    # LOG_DECISIONS "v2 time field"
    (tmp_path / "a.json").write_text(
        '{"timestamp(ms)":"1762164000250","date":"2025-11-03","time":"10:00:00",'
        '"cs-uri-stem":"/a"}\n{"timestamp(ms)":1762164001,"cs-uri-stem":"/b"}\n'
        '{"timestamp(ms)":"2025-11-03T10:00:02Z","cs-uri-stem":"/c"}\n'
    )
    frame = el.read_access_logs(tmp_path / "a.json")
    assert frame["time"].tolist() == [
        pd.Timestamp("2025-11-03T10:00:00.250Z"),
        pd.Timestamp("2025-11-03T10:00:01Z"),
        pd.Timestamp("2025-11-03T10:00:02Z"),
    ]


def test_json_numbers_nulls_and_dashes(tmp_path) -> None:
    # LOG_DECISIONS "v2 JSON values"
    (tmp_path / "a.json").write_text(
        '{"timestamp(ms)":1762164000000,"cs-uri-stem":"/a%3Fb","sc-status":200,'
        '"cs(Cookie)":null,"cs-uri-query":"-","time-taken":0.5}\n'
    )
    row = el.read_access_logs(tmp_path / "a.json").iloc[0]
    assert row["uri"] == "/a?b" and row["log_status"] == 200 and row["cookie"] == ""
    assert row["querystring"] == "" and row["log_time_taken"] == 0.5


def test_v2_plain_without_fields_is_refused_with_the_fix(tmp_path) -> None:
    # LOG_DECISIONS "v2 plain output"
    with pytest.raises(el.ConfigError, match=r"fields=\[\.\.\.\]"):
        el.read_access_logs(LOGS / "v2-plain.txt")


def test_current_legacy_fields_are_35() -> None:
    assert len(FIELDS_CURRENT) == 35 and FIELDS_CURRENT[-2:] == (
        "distribution-tenant-id",
        "connection-id",
    )


def test_inspect_reports_format_fields_span_rows_rejected_and_samples() -> None:
    info = el.inspect_logs(LOGS / "legacy-mixed.log", sample=2)[0]
    assert info["format"] == "legacy" and info["rows"] == 3 and info["rejected"] == 5
    assert info["fields"][:3] == ["date", "time", "x-edge-location"]
    assert info["first"] == "2025-11-03T11:00:00+00:00"
    assert info["last"] == "2025-11-03T11:00:09+00:00"
    assert [r["source_line"] for r in info["rejected_lines"]] == [7, 8, 9, 10, 11]
    assert [s["uri"] for s in info["sample"]] == ["/a", "/b"]
    json.dumps(info)  # the CLI prints it as JSON


# -- every log decision is pinned by a test -------------------------------------------------
PINNED = {
    "log line with more values than #Fields": (
        "test_logs_formats",
        "test_a_line_with_more_values_than_fields_is_kept_and_noted",
    ),
    "v2 time field": (
        "test_logs_formats",
        "test_v2_time_prefers_timestamp_ms_and_reads_seconds_too",
    ),
    "v2 JSON values": ("test_logs_formats", "test_json_numbers_nulls_and_dashes"),
    "v2 Parquet column names and values": (
        "test_logs_formats",
        "test_parquet_with_underscore_names_and_typed_columns",
    ),
    "v2 plain output": (
        "test_logs_formats",
        "test_v2_plain_without_fields_is_refused_with_the_fix",
    ),
    "real-time field order": (
        "test_logs_formats",
        "test_realtime_order_follows_reading_a_and_can_be_overridden",
    ),
    "real-time separator, missing value and timestamp": (
        "test_logs_formats",
        "test_realtime_order_follows_reading_a_and_can_be_overridden",
    ),
    "real-time field list": (
        "test_logs_formats",
        "test_realtime_without_fields_needs_a_known_count",
    ),
    "default behaviour path pattern": (
        "test_logs_analysis",
        "test_behaviour_mismatches_treat_star_as_the_default",
    ),
    "who measured origin-fbl": (
        "test_logs_analysis",
        "test_calibration_recovers_origin_ms_and_path_inflation",
    ),
}


@pytest.mark.parametrize("decision", LOG_DECISIONS, ids=lambda d: d.topic)
def test_every_log_decision_is_pinned_by_a_test(decision: Any) -> None:
    assert decision.topic in PINNED, f"no test pins the decision {decision.topic!r}"
    module, function = PINNED[decision.topic]
    assert callable(getattr(importlib.import_module(f"tests.{module}"), function))


def test_read_traffic_tells_a_parquet_log_from_a_traffic_set(tmp_path) -> None:
    traffic = el.generate_traffic("shop", 30, seed=8)
    log = el.write_log(traffic, tmp_path / "log.parquet", format="v2-parquet")
    saved = el.save_traffic(traffic, tmp_path / "traffic.parquet")
    assert "source_line" in el.read_traffic(log).columns
    assert "source_line" not in el.read_traffic(saved).columns
    assert len(el.read_traffic(LOGS / "realtime.txt", fields=RT_FIELDS)) == 3


@pytest.mark.parametrize("fmt", ["legacy", "v2-w3c", "v2-json", "realtime", "v2-parquet"])
@given(rows=st.lists(st.tuples(log_values, log_values, log_values), min_size=1, max_size=4))
@settings(max_examples=25)
def test_encoded_fields_round_trip_in_every_format(tmp_path_factory, fmt, rows) -> None:
    """lambda-edge-facts §12 encoding, written and read back per format."""
    path = tmp_path_factory.mktemp("rt") / ("x.parquet" if fmt == "v2-parquet" else "x.log")
    frame = pd.DataFrame(
        {
            "time": pd.Timestamp("2025-11-03T10:00:00Z"),
            "method": "GET",
            "uri": ["/" + a.replace("?", "") for a, _, _ in rows],  # real-time: ? starts the query
            "user_agent": [b for _, b, _ in rows],
            "cookie": [c for _, _, c in rows],
        }
    )
    el.write_log(frame, path, format=fmt)
    options = {"format": fmt}
    if fmt == "realtime":
        options["fields"] = list(el.logs.write.REALTIME_DEFAULT_FIELDS)
    back = el.read_access_logs(path, **options)
    for col in ("uri", "user_agent", "cookie"):
        assert back[col].astype(str).tolist() == frame[col].tolist(), col


def test_a_w3c_file_with_another_field_delimiter(tmp_path) -> None:
    # LOG_DECISIONS "v2 plain output": the delimiter that splits a line into the header's count
    traffic = el.generate_traffic("shop", 20, seed=9)
    path = el.write_log(traffic, tmp_path / "pipe.log", format="v2-w3c", delimiter="|")
    back = el.read_access_logs(path)
    want = traffic.sort_values("time", kind="stable")
    assert back["uri"].astype(str).tolist() == want["uri"].astype(str).tolist()
    assert back.attrs["rejected_count"] == 0
