"""CloudFront standard access logs (facts §12): read by #Fields, URL-decoded, gzip."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import edgelab as el
from edgelab.frames.logs import FIELDS, decode_value, encode_value, read_access_logs

DATA = Path(__file__).resolve().parent.parent / "data"

LINE = (
    "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t"
    "/index.html\t200\t-\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)\t"
    "a=1&b=%7Bx%7D\tab=B\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\t"
    "d111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256"
    "\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-"
)


def _write(path: Path, fields: str, lines: list[str]) -> Path:
    path.write_text("#Version: 1.0\n#Fields: " + fields + "\n" + "\n".join(lines) + "\n")
    return path


def test_the_aws_example_line_parses_into_the_traffic_shape(tmp_path) -> None:
    frame = read_access_logs(_write(tmp_path / "a.log", " ".join(FIELDS), [LINE]))
    row = frame.iloc[0]
    assert str(row["time"]) == "2019-12-04 21:02:31+00:00"
    assert row["uri"] == "/index.html" and row["method"] == "GET"
    assert row["querystring"] == "a=1&b={x}"
    assert row["user_agent"] == "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
    assert row["cookie"] == "ab=B" and row["referer"] == ""
    assert row["edge_location"] == "LAX1" and row["country"] == "US"
    assert row["log_status"] == 200 and row["log_result_type"] == "Hit"


def test_older_files_with_fewer_fields_are_read_by_the_fields_line(tmp_path) -> None:
    fields = "date time x-edge-location c-ip cs-method cs-uri-stem sc-status cs(User-Agent)"
    line = "2014-05-23\t01:13:11\tFRA2\t192.0.2.10\tGET\t/view/my/file.html\t200\tcurl/7.0"
    frame = read_access_logs(_write(tmp_path / "old.log", fields, [line]))
    assert frame.loc[0, "uri"] == "/view/my/file.html"
    assert frame.loc[0, "user_agent"] == "curl/7.0" and frame.loc[0, "cookie"] == ""


def test_gzip_files_folders_and_globs_are_read(tmp_path) -> None:
    text = "#Version: 1.0\n#Fields: " + " ".join(FIELDS) + "\n" + LINE + "\n"
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "E1.2019-12-04-21.a.gz").write_bytes(gzip.compress(text.encode()))
    (tmp_path / "logs" / "E1.2019-12-04-22.b").write_text(text)
    assert len(read_access_logs(tmp_path / "logs")) == 2
    assert len(read_access_logs(str(tmp_path / "logs" / "*.gz"))) == 1
    assert len(read_access_logs([tmp_path / "logs" / "E1.2019-12-04-22.b"])) == 1


def test_a_file_without_fields_line_is_refused_with_the_reason(tmp_path) -> None:
    path = tmp_path / "nofields.log"
    path.write_text("#Version: 1.0\n" + LINE + "\n")
    with pytest.raises(el.ConfigError, match="#Fields"):
        read_access_logs(path)


def test_a_missing_path_is_refused(tmp_path) -> None:
    with pytest.raises(el.ConfigError, match="does not exist"):
        read_access_logs(tmp_path / "nope.log")


def test_the_bundled_samples_parse_and_agree() -> None:
    plain = read_access_logs(DATA / "sample-access-log.txt")
    gz = read_access_logs(DATA / "sample-access-log.txt.gz")
    assert len(plain) == len(gz) > 100
    assert plain["uri"].astype(str).tolist() == gz["uri"].astype(str).tolist()
    assert set(plain["log_result_type"].astype(str)) <= {
        "Hit",
        "Miss",
        "RefreshHit",
        "Error",
        "Redirect",
        "LimitExceeded",
        "CapacityExceeded",
    }


def test_encoding_follows_the_documented_byte_set() -> None:
    assert encode_value("a b") == "a%20b"
    assert encode_value("<>\"#%{}|\\^~[]`'") == "%3C%3E%22%23%25%7B%7D%7C%5C%5E%7E%5B%5D%60%27"
    assert encode_value("é") == "%C3%A9"
    assert encode_value("") == "-" and decode_value("-") == ""
    assert encode_value("/a/b.html?x=1&y=2") == "/a/b.html?x=1&y=2"


@given(st.text(min_size=1).filter(lambda s: s != "-"))
def test_any_value_round_trips_through_the_log_encoding(value: str) -> None:
    assert decode_value(encode_value(value)) == value
    assert "\t" not in encode_value(value) and "\n" not in encode_value(value)


@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=30).filter(lambda s: s != "-"),
            st.text(max_size=30).filter(lambda s: s != "-"),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_written_logs_read_back_to_the_same_fields(tmp_path_factory, rows) -> None:
    import pandas as pd

    path = tmp_path_factory.mktemp("logs") / "x.log"
    frame = pd.DataFrame(
        {
            "time": pd.Timestamp("2025-03-01T10:00:00Z"),
            "method": "GET",
            "uri": ["/" + a for a, _ in rows],
            "cookie": [b for _, b in rows],
            "user_agent": [a for a, _ in rows],
        }
    )
    el.write_access_log(frame, path)
    back = read_access_logs(path)
    assert back["uri"].astype(str).tolist() == frame["uri"].tolist()
    assert back["cookie"].astype(str).tolist() == frame["cookie"].tolist()
    assert back["user_agent"].astype(str).tolist() == frame["user_agent"].tolist()
