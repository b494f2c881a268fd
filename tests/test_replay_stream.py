"""Streamed replay: chunks in, chunks out, bounded memory, progress and Ctrl-C."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import edgelab as el
from edgelab.demo import CONFIG
from edgelab.frames.replay import comparable

#: the demo distribution with its handlers in-process (quick; a factory, as workers need)
DEMO = functools.partial(el.load_distribution, CONFIG, isolated=False)
LOGS = Path(__file__).resolve().parent.parent / "data" / "sample-access-log.txt.gz"


@pytest.fixture(scope="module")
def traffic() -> pd.DataFrame:
    return el.generate_traffic("workshop-small", 700, seed=3)


@pytest.fixture(scope="module")
def whole(traffic) -> pd.DataFrame:
    return el.replay(DEMO, traffic, progress=False)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal but for what is measured; categoricals compared by value."""
    a, b = comparable(a), comparable(b)
    for f in (a, b):  # a CSV round trip keeps times in microseconds
        f["time"] = f["time"].dt.as_unit("ns")
    pd.testing.assert_frame_equal(a, b, check_categorical=False)


def test_small_chunks_give_the_results_of_one_chunk(traffic, whole) -> None:
    chunked = el.replay(DEMO, traffic, progress=False, chunk_rows=97)
    same(whole, chunked)


def test_replay_to_parquet_writes_one_row_group_per_chunk(tmp_path: Path, traffic, whole) -> None:
    run = el.replay_to(DEMO, traffic, tmp_path / "r.parquet", progress=False, chunk_rows=200)
    assert isinstance(run, el.ReplayRun)
    assert run.out == tmp_path / "r.parquet" and run.rows == len(traffic)
    assert run.interrupted is None and sum(run.outcomes.values()) == len(traffic)
    assert pq.ParquetFile(run.out).num_row_groups == 4
    same(whole, pd.read_parquet(run.out))


def test_replay_to_csv_appends_chunks_under_one_header(tmp_path: Path, traffic, whole) -> None:
    run = el.replay_to(DEMO, traffic, tmp_path / "r.csv", progress=False, chunk_rows=300)
    back = pd.read_csv(run.out)
    assert len(back) == len(traffic)
    assert back["row"].tolist() == list(range(len(traffic)))
    assert back["status"].tolist() == whole["status"].astype("float").tolist()


def test_a_saved_traffic_set_is_read_in_chunks(tmp_path: Path, traffic, whole) -> None:
    for name in ("t.parquet", "t.csv"):
        el.save_traffic(traffic, tmp_path / name)
        same(whole, el.replay(DEMO, tmp_path / name, progress=False, chunk_rows=150))


def test_logs_are_read_in_chunks_and_every_line_gets_a_row() -> None:
    one = el.replay(DEMO, LOGS, progress=False)
    small = el.replay(DEMO, LOGS, progress=False, chunk_rows=7)
    assert len(small) == len(one) == len(el.read_access_logs(LOGS))
    assert small["row"].tolist() == list(range(len(one)))


def test_rows_out_of_time_order_across_chunks_are_noted(tmp_path: Path, traffic) -> None:
    backwards = traffic.iloc[::-1].reset_index(drop=True)
    el.save_traffic(backwards, tmp_path / "t.parquet")
    run = el.replay_to(
        DEMO, tmp_path / "t.parquet", tmp_path / "r.parquet", progress=False, chunk_rows=350
    )
    assert run.rows == len(traffic)
    assert any("350 rows ran after a later-stamped row" in n for n in run.notes)


def test_progress_gets_rows_and_outcome_counts(traffic) -> None:
    seen: list[dict] = []
    el.replay(DEMO, traffic, progress=seen.append, chunk_rows=250)
    assert seen[-1]["rows"] == len(traffic)
    assert sum(seen[-1]["outcomes"].values()) == len(traffic)
    assert [s["rows"] for s in seen] == sorted(s["rows"] for s in seen)


def stop_after(rows: int):
    def progress(p: dict) -> None:
        if p["rows"] >= rows:
            raise KeyboardInterrupt

    return progress


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_keeps_what_was_replayed_with_a_note(
    tmp_path: Path, traffic, whole, workers: int, capsys
) -> None:
    run = el.replay_to(
        DEMO,
        traffic,
        tmp_path / "r.parquet",
        progress=stop_after(400),
        chunk_rows=300,
        workers=workers,
    )
    assert run.interrupted and "stopped by Ctrl-C after" in run.interrupted
    assert "stopped by Ctrl-C" in capsys.readouterr().err
    back = pd.read_parquet(run.out)
    assert run.rows == len(back) >= 300
    done = whole.iloc[back["row"].to_numpy()].reset_index(drop=True)
    same(done, back)


def test_ctrl_c_in_memory_returns_the_rows_done(traffic, whole) -> None:
    part = el.replay(DEMO, traffic, progress=stop_after(500), chunk_rows=250)
    assert "stopped by Ctrl-C after 500 rows" in part.attrs["interrupted"]
    assert len(part) == 500
    same(whole.head(500), part)


def test_chunk_rows_must_be_a_positive_whole_number(traffic) -> None:
    with pytest.raises(el.ConfigError, match="chunk_rows must be a whole number >= 1; got 0"):
        el.replay(DEMO, traffic, chunk_rows=0)


def test_staged_rows_equal_the_per_request_chain(traffic, whole) -> None:
    # isolated handlers (the config's default): viewer request for a piece of rows in
    # one round trip, then each row through the chain; in-process: one row at a time
    from edgelab.frames.replay import _InProcess

    runner = _InProcess(CONFIG, None, 0)
    try:
        assert runner.tape is not None  # staged
    finally:
        runner.close()
    same(whole, el.replay(CONFIG, traffic, progress=False))
