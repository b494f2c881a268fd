"""``edgelab logs inspect`` and log replay from the command line; input errors in results."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import edgelab as el
from edgelab import analysis
from edgelab.demo import CONFIG
from tests.test_cli import edgelab

LOGS = Path(__file__).resolve().parent / "fixtures" / "logs"


def test_replayed_logs_give_a_row_per_line_and_never_blame_a_function() -> None:
    traffic = el.read_access_logs(LOGS / "legacy-mixed.log")
    results = el.replay(CONFIG, traffic, progress=False)
    assert len(results) == 3 + 5  # every data line: a result or an input error
    bad = results[results["outcome"] == "input-error"]
    assert bad["source_line"].tolist() == [7, 8, 9, 10, 11]
    assert (bad["error_type"] == "InputError").all() and bad["status"].isna().all()
    assert (
        bad["error_message"]
        .iloc[0]
        .endswith("legacy-mixed.log:7: 20 values, but the #Fields line names 33")
    )
    assert (bad["vreq_outcome"].isna()).all() and (bad["violations"] == 0).all()
    ok = results[results["outcome"] != "input-error"]
    assert ok["source_line"].tolist() == [4, 5, 12]
    assert ok["log_status"].tolist() == [200, 200, 304]  # what CloudFront logged, kept
    assert results["row"].tolist() == list(range(8))


def test_results_keep_the_logged_behaviour_for_comparison() -> None:
    results = el.replay(CONFIG, el.read_access_logs(LOGS / "v2-w3c.log"), progress=False)
    assert results["log_behavior"].astype(str).tolist() == ["/images/*", "*", "/api/*"]
    compared = analysis.behavior_mismatches(results.assign(behavior="*"))
    assert compared["logged"].tolist() == ["/images/*", "/api/*"]


def test_logs_inspect_prints_format_span_rows_and_rejected_lines() -> None:
    out = edgelab("logs", "inspect", str(LOGS / "legacy-mixed.log"), "--sample", "1")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "format: legacy" in text and "fields (33): date time" in text
    assert "time span: 2025-11-03T11:00:00+00:00 .. 2025-11-03T11:00:09+00:00" in text
    assert "rows: 3; rejected lines: 5 (of 12 lines: 3 header, 1 blank)" in text
    assert "line 7: 20 values, but the #Fields line names 33" in text
    assert "line 4: time=2025-11-03T11:00:00+00:00  method=GET" in text
    assert text.rstrip().endswith("1 file(s), 3 rows, 5 rejected lines")


def test_logs_inspect_json_for_every_format() -> None:
    fields = ",".join((LOGS / "realtime-fields.txt").read_text().split())
    out = edgelab("logs", "inspect", str(LOGS / "v2-w3c.log"), str(LOGS / "v2.json"), "--json")
    assert out.returncode == 0, out.stderr
    infos = json.loads(out.stdout)
    assert [i["format"] for i in infos] == ["v2-w3c", "v2-json"]
    assert [i["rows"] for i in infos] == [3, 2] and infos[1]["rejected"] == 3
    rt = json.loads(
        edgelab("logs", "inspect", str(LOGS / "realtime.txt"), "--fields", fields, "--json").stdout
    )[0]
    assert rt["format"] == "realtime" and rt["sample"][0]["uri"] == "/images/cat.jpg"


def test_logs_inspect_exits_2_for_unknown_or_missing_files(tmp_path) -> None:
    (tmp_path / "x.txt").write_text("hello\n")
    out = edgelab("logs", "inspect", str(tmp_path / "x.txt"))
    assert out.returncode == 2 and "not a CloudFront log" in out.stderr and "'hello'" in out.stderr
    out = edgelab("logs", "inspect", str(tmp_path / "missing.log"))
    assert out.returncode == 2 and "does not exist" in out.stderr
    out = edgelab("logs", "inspect", str(LOGS / "realtime.txt"))
    assert out.returncode == 2 and "--fields" in out.stderr


def test_replay_cli_lists_the_lines_it_could_not_use(tmp_path) -> None:
    out = edgelab(
        "replay",
        str(LOGS / "legacy-mixed.log"),
        "--config",
        str(CONFIG),
        "--out",
        str(tmp_path / "r.parquet"),
        "--no-progress",
    )
    assert out.returncode == 0, out.stderr
    assert "5 input line(s) could not be used" in out.stderr
    assert "legacy-mixed.log:7: 20 values, but the #Fields line names 33" in out.stderr
    assert "replayed 3 requests and 5 input errors" in out.stderr
    saved = pd.read_parquet(tmp_path / "r.parquet")
    assert (saved["outcome"] == "input-error").sum() == 5
