"""Batch replay: one result row per input row, deterministic, the same with 2 workers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import edgelab as el
from edgelab.demo import CONFIG, TRAFFIC
from edgelab.frames.replay import comparable, partition, request_id


@pytest.fixture(scope="module")
def traffic() -> pd.DataFrame:
    return el.generate_traffic("workshop-small", 600, seed=2)


@pytest.fixture(scope="module")
def results(traffic) -> pd.DataFrame:
    return el.replay(CONFIG, traffic, progress=False)


def test_every_input_row_has_exactly_one_result_row_in_input_order(traffic, results) -> None:
    assert len(results) == len(traffic)
    assert results["row"].tolist() == list(range(len(traffic)))
    assert results["uri"].astype(str).tolist() == traffic["uri"].astype(str).tolist()


def test_results_say_what_each_stage_saw_and_did(results) -> None:
    home = results[results["uri"].astype(str) == "/"].iloc[0]
    assert home["vreq_uri"] == "/"
    assert str(home["edge_uri"]).startswith("/experiment/")
    assert home["status"] == 200 and home["cache"] in ("Hit", "Miss")
    old = results[results["uri"].astype(str).str.startswith("/old/")].iloc[0]
    assert old["outcome"] == "generated" and old["status"] == 301
    miss = results[results["cache"] == "Miss"].iloc[0]
    assert (
        '"added"' in miss["oresp_changes"] and "strict-transport-security" in miss["oresp_changes"]
    )


def test_replay_is_deterministic_for_the_same_seed(traffic, results) -> None:
    again = el.replay(CONFIG, traffic, progress=False)
    pd.testing.assert_frame_equal(comparable(results), comparable(again))
    assert results["request_id"].iloc[5] == request_id(0, 5)


def test_two_workers_give_the_same_results_as_one(traffic, results) -> None:
    two = el.replay(str(CONFIG), traffic, workers=2, progress=False)
    pd.testing.assert_frame_equal(comparable(results), comparable(two))


def test_partition_keeps_each_uri_in_one_worker(traffic) -> None:
    owner = partition(traffic, 2)
    per_uri = pd.DataFrame({"uri": traffic["uri"].astype(str), "w": owner}).groupby("uri")["w"]
    assert per_uri.nunique().max() == 1


def test_a_broken_handler_gives_error_rows_not_exceptions(tmp_path: Path, traffic) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "h.py").write_text(
        "def handler(event, context):\n"
        "    if event['Records'][0]['cf']['request']['uri'].endswith('.jpg'):\n"
        "        raise RuntimeError('boom')\n"
        "    return event['Records'][0]['cf']['request']\n"
    )
    cfg = tmp_path / "d.toml"
    cfg.write_text(
        '[triggers]\nviewer-request = "h.py"\n[origin]\ntype = "folder"\npath = "site"\n'
    )
    out = el.replay(cfg, traffic, progress=False)
    assert len(out) == len(traffic)
    jpg = out["uri"].astype(str).str.endswith(".jpg")
    assert (out.loc[jpg, "outcome"] == "error").all()
    assert (out.loc[jpg, "status"] == 500).all()
    assert out.loc[jpg, "error_type"].astype(str).eq("LambdaExecutionError").all()


def test_bad_rows_become_replay_error_rows(traffic) -> None:
    bad = traffic.head(5).copy()
    bad["uri"] = bad["uri"].cat.add_categories(["no-slash"])
    bad.loc[2, "uri"] = "no-slash"
    out = el.replay(CONFIG, bad, progress=False)
    assert len(out) == 5
    assert out["outcome"].notna().all()


def test_workers_need_a_path_not_an_object(traffic) -> None:
    dist = el.load_distribution(CONFIG)
    try:
        with pytest.raises(el.ConfigError, match="path"):
            el.replay(dist, traffic.head(10), workers=2, progress=False)
    finally:
        dist.close()


def test_replay_reads_saved_traffic_and_access_logs() -> None:
    out = el.replay(CONFIG, TRAFFIC, progress=False)
    assert len(out) == len(el.load_traffic(TRAFFIC))
    logs = Path(__file__).resolve().parent.parent / "data" / "sample-access-log.txt.gz"
    assert len(el.replay(CONFIG, logs, progress=False)) == len(el.read_access_logs(logs))


def test_results_have_latency_estimates(results) -> None:
    assert (results["latency_ms"] > 0).all()
    hits = results["cache"] == "Hit"
    assert (results.loc[hits, "latency_origin_ms"] == 0).all()
