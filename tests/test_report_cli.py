"""The traffic, replay, report and demo commands, through a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from edgelab.demo import CONFIG

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edgelab", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_traffic_replay_report_pipeline(tmp_path: Path) -> None:
    r = run(
        "traffic",
        "--profile",
        "workshop-small",
        "--n",
        "300",
        "--seed",
        "1",
        "--out",
        "t.parquet",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    r = run(
        "replay",
        "t.parquet",
        "--config",
        str(CONFIG),
        "--out",
        "r.csv",
        "--no-progress",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert len(pd.read_csv(tmp_path / "r.csv")) == 300
    r = run("report", "r.csv", "--out", "rep", "--weights", "A=0.5,B=0.5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "A/B split" in page and "<img src='edge_map.png'" in page
    assert (tmp_path / "rep" / "cache_hit_ratio.png").stat().st_size > 1000


def test_demo_writes_results_and_a_report(tmp_path: Path) -> None:
    r = run("demo", "--out", "d", "--no-progress", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "d" / "results.parquet").is_file()
    page = (tmp_path / "d" / "report" / "index.html").read_text()
    for heading in ("Outcomes", "A/B split", "Cache over time", "Size limits", "Edge locations"):
        assert heading in page
    assert "plot failed" not in page


def test_unknown_profile_exits_2_listing_profiles(tmp_path: Path) -> None:
    r = run("traffic", "--profile", "blog", "--n", "5", "--out", "t.csv", cwd=tmp_path)
    assert r.returncode == 2
    assert "shop, news, api, workshop-small" in r.stderr


def test_traffic_file_with_missing_columns_exits_2_naming_them(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("uri\n/a\n")
    r = run("replay", "t.csv", "--config", str(CONFIG), "--out", "r.parquet", cwd=tmp_path)
    assert r.returncode == 2
    assert "time, method" in r.stderr


def test_log_without_fields_line_exits_2(tmp_path: Path) -> None:
    (tmp_path / "x.log").write_text("#Version: 1.0\n2019-12-04\t21:02:31\tLAX1\n")
    r = run("replay", "x.log", "--config", str(CONFIG), "--out", "r.parquet", cwd=tmp_path)
    assert r.returncode == 2 and "#Fields" in r.stderr


def test_report_of_a_traffic_set_instead_of_results_exits_2(tmp_path: Path) -> None:
    r = run(
        "report", str(ROOT / "data" / "traffic-workshop-small-1k.csv"), "--out", "rep", cwd=tmp_path
    )
    assert r.returncode == 2 and "lacks the columns" in r.stderr
