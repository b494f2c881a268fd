"""What people read: sizes, shares, statuses, diffs (a generated response compared with
nothing), cache keys, and tables shown whole."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import edgelab as el
from edgelab.demo import CONFIG
from edgelab.display import (
    cache_key_text,
    cell_text,
    diff_lines,
    human_size,
    percent,
    plain,
    quantity,
    show,
    status_text,
)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (316, "316 B"),
        (1023, "1,023 B"),
        (1024, "1 KB"),
        (20480, "20 KB"),
        (40 * 1024, "40 KB"),
        (int(53.2 * 1024), "53.2 KB"),
        (1024 * 1024, "1 MB"),
        (int(1.33 * 1024 * 1024), "1.33 MB"),
        (np.float64(2048.0), "2 KB"),
        (None, ""),
        (float("nan"), ""),
    ],
    ids=str,
)
def test_sizes_read_as_people_write_them_with_1_kb_as_1024_bytes(n, text: str) -> None:
    assert human_size(n) == text


def test_limits_in_their_units_never_in_scientific_notation() -> None:
    assert quantity(20480.0, "bytes") == "20 KB"
    assert quantity(8192.0, "chars") == "8,192 chars"
    assert quantity(5, "s") == "5 s" and quantity(599, "status") == "599"
    assert "e+" not in quantity(2.048e4, "bytes")


def test_shares_statuses_and_numpy_scalars_are_plain() -> None:
    assert percent(0.9583) == "95.8%" and percent(None) == ""
    assert status_text(301.0) == "301" and status_text(np.int64(404)) == "404"
    assert status_text(pd.NA) == "" and status_text(float("nan")) == ""
    assert plain(np.int64(4)) == 4 and type(plain(np.int64(4))) is int
    assert plain(np.True_) is True and plain(pd.NA) is None


def test_a_cache_key_reads_as_one_line() -> None:
    policy = el.CachePolicy(
        headers=["CloudFront-Is-Mobile-Viewer"], cookies=["session"], query_strings=["v"]
    )
    site = el.Distribution({}, origin=el.MappingOrigin({"/a": "a"}), cache_policy=policy)
    trace = site.request(
        "/a?v=2&x=1", headers={"CloudFront-Is-Mobile-Viewer": "true"}, cookies={"session": "s1"}
    )
    text = cache_key_text(trace.cache_key)
    assert text.startswith("d111111abcdef8.cloudfront.net/a?v=2")
    assert "cookies session=s1" in text and "(" not in text.split("|")[0]
    assert "cloudfront-is-mobile-viewer" in text
    assert cache_key_text("already text") == "already text" and cache_key_text(None) == ""


@pytest.fixture
def site():
    dist = el.load_distribution(CONFIG)
    yield dist
    dist.close()


def test_a_generated_response_is_compared_with_nothing(site) -> None:
    trace = site.request("/old/page")
    stage = trace.stage("viewer-request")
    assert stage.generated
    diff = stage.diff
    assert set(diff) == {"generated"}  # no fake "host removed, uri -> None"
    assert diff["generated"]["status"] == "301"
    lines = diff_lines(diff)
    assert lines[0] == "generated a 301 response"
    assert not any(line.startswith("-") or "uri" in line for line in lines)
    passed = site.request("/").stage("viewer-request")
    assert not passed.generated and "uri" in passed.diff


def test_edgelab_request_prints_a_generated_response_without_removed_rows() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "edgelab", "request", "/old/x", "--config", str(CONFIG)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "= generated a 301 response" in out.stdout
    assert "- host" not in out.stdout and "-> None" not in out.stdout


def test_diff_lines_for_requests_and_responses() -> None:
    diff = {
        "headers": {
            "added": {"x-a": ["1"]},
            "removed": {"server": ["S3"]},
            "changed": {"accept-language": [["fr-FR,fr"], ["fr"]]},
        },
        "uri": ["/", "/experiment/a/index.html"],
    }
    assert diff_lines(diff) == [
        "+ x-a: 1",
        "- server: S3",
        "~ accept-language: fr-FR,fr -> fr",
        "~ uri: / -> /experiment/a/index.html",
    ]


def test_show_keeps_every_character_of_the_taught_columns() -> None:
    long_reason = "the generated response (headers + body) is 51200 bytes; " * 3
    table = show(
        [
            {
                "handler": "big_page.py",
                "status": 502.0,
                "why": long_reason,
                "functions": ["viewer-request", "origin-request", "origin-response"],
                "changes": {"uri": ["/", "/experiment/b/index.html"]},
                "requests": np.int64(4),
            }
        ]
    )
    html = table._repr_html_()
    assert long_reason.strip() in html and "..." not in html
    assert "viewer-request, origin-request, origin-response" in html
    assert "~ uri: / -&gt; /experiment/b/index.html" in html
    assert ">502<" in html and "502.0" not in html and "np.int64" not in html
    assert "502" in table.text and len(table) == 1


def test_show_keeps_a_named_index_and_formats_cells() -> None:
    frame = pd.DataFrame({"p50": [12.3456]}, index=pd.Index(["FR"], name="country"))
    assert show(frame).text.splitlines()[0].split() == ["country", "p50"]
    assert cell_text(12.3456) == "12.35" and cell_text(1234567) == "1,234,567"
    assert cell_text('{"uri": ["/", "/a"]}', "vreq_changes") == "~ uri: / -> /a"
