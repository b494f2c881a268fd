"""The supervised one-worker replay: a definition file whose Python handlers run
in-process replays on a one-worker local Dask cluster, so a handler that ends its process
costs one row (``tests/test_hostile.py``). Here: that worker is a fork of this process
(nothing imported again), a spawned one when the fork does not start; the dry run of the
definition runs only when the worker cannot load it, and then refuses it with the dry
run's own error; Ctrl-C and progress work as in one process; results travel as one
pickled blob of columns."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import edgelab as el
from edgelab.edge.config import check_distribution
from edgelab.frames import replay, replay_dask
from edgelab.frames.replay import columns_of, comparable
from tests import strategies

distributed = pytest.importorskip("distributed")
replay_dask_worker = pytest.importorskip("edgelab.frames.replay_dask_worker")

#: rewrites every uri to say whether the process it runs in has this test module loaded:
#: a fork of this process has, a freshly spawned one has not
WHERE = (
    "import sys\n"
    "def handler(event, context):\n"
    "    request = event['Records'][0]['cf']['request']\n"
    f"    request['uri'] = '/forked' if {__name__!r} in sys.modules else '/spawned'\n"
    "    return request\n"
)
#: rewrites every uri to say whether its process ignores Ctrl-C (SIGINT)
HEARS = (
    "import signal\n"
    "def handler(event, context):\n"
    "    request = event['Records'][0]['cf']['request']\n"
    "    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN\n"
    "    request['uri'] = '/ignores-ctrl-c' if ignored else '/hears-ctrl-c'\n"
    "    return request\n"
)
EXITS = "import os\nos._exit(3)\n"
SYNTAX = "def handler(event, context) return\n"


def site(root: Path, handler: str = WHERE, extra: str = "") -> Path:
    """A distribution.toml with one in-process viewer-request function, a folder origin."""
    (root / "site").mkdir()
    for name in ("forked", "spawned"):
        (root / "site" / name).write_text("page")
    (root / "vreq.py").write_text(handler)
    cfg = root / "distribution.toml"
    cfg.write_text(
        '[distribution]\nisolated = false\n[triggers]\nviewer-request = "vreq.py"\n'
        '[origin]\ntype = "folder"\npath = "site"\n' + extra
    )
    return cfg


@pytest.fixture(scope="module")
def traffic() -> pd.DataFrame:
    return el.generate_traffic("workshop-small", 600, seed=4)


def in_one_process(cfg: Path, traffic: pd.DataFrame) -> pd.DataFrame:
    dist = el.load_distribution(cfg)
    try:
        return el.replay(dist, traffic, progress=False)
    finally:
        dist.close()


def test_the_supervised_worker_is_a_fork_with_the_one_process_results(
    tmp_path: Path, traffic
) -> None:
    cfg = site(tmp_path)
    supervised = el.replay(cfg, traffic, progress=False, chunk_rows=250)
    assert set(supervised["edge_uri"].astype(str)) == {"/forked"}
    pd.testing.assert_frame_equal(
        comparable(supervised), comparable(in_one_process(cfg, traffic)), check_categorical=False
    )


def test_a_fork_that_does_not_start_gives_way_to_a_spawned_worker(
    tmp_path: Path, traffic, monkeypatch
) -> None:
    # a start method multiprocessing does not know: the forked cluster fails to start
    method = "distributed.worker.multiprocessing-method"
    monkeypatch.setattr(replay_dask, "FORKED_CONFIG", {method: "no-such-method"})
    results = el.replay(site(tmp_path), traffic.head(50), progress=False)
    assert set(results["edge_uri"].astype(str)) == {"/spawned"}
    assert results["status"].eq(200).all()


@pytest.mark.parametrize(
    ("handler", "extra", "says"),
    [
        pytest.param(WHERE, "[cache]\ndefault_ttl = -5\n", "cache.default_ttl", id="bad TTL"),
        pytest.param(SYNTAX, "", "SyntaxError", id="handler syntax error"),
        pytest.param(EXITS, "", "exited while importing (code 3)", id="handler exits at import"),
    ],
)
def test_what_the_worker_cannot_load_is_refused_with_the_dry_runs_error(
    tmp_path: Path, traffic, handler: str, extra: str, says: str
) -> None:
    cfg = site(tmp_path, handler, extra)
    with pytest.raises(el.EdgelabError) as dry:
        check_distribution(cfg)
    with pytest.raises(type(dry.value)) as refused:
        el.replay_to(cfg, traffic.head(20), tmp_path / "r.parquet", progress=False)
    assert str(refused.value) == str(dry.value)
    assert says in str(refused.value)
    assert not (tmp_path / "r.parquet").exists()


def test_a_worker_that_cannot_load_what_the_dry_run_accepts_is_a_config_error(
    tmp_path: Path, traffic, monkeypatch
) -> None:
    monkeypatch.setattr(replay, "_check_before_workers", lambda *args: None)
    with pytest.raises(el.ConfigError, match=r"supervised worker process could not load the "):
        el.replay(site(tmp_path, EXITS), traffic.head(20), progress=False)


def test_ctrl_c_keeps_the_rows_the_supervised_worker_gave(tmp_path: Path, traffic) -> None:
    cfg = site(tmp_path)

    def stop(progress: dict[str, Any]) -> None:
        if progress["rows"] >= 300:
            raise KeyboardInterrupt

    run = el.replay_to(cfg, traffic, tmp_path / "r.parquet", progress=stop, chunk_rows=250)
    assert run.interrupted and "stopped by Ctrl-C after" in run.interrupted
    back = pd.read_parquet(run.out)
    assert 300 <= run.rows == len(back) < len(traffic)
    whole = in_one_process(cfg, traffic).iloc[back["row"].to_numpy()].reset_index(drop=True)
    pd.testing.assert_frame_equal(comparable(whole), comparable(back), check_categorical=False)


def test_the_supervised_worker_leaves_ctrl_c_to_the_replaying_process(
    tmp_path: Path, traffic
) -> None:
    # a terminal's Ctrl-C reaches the worker too: it ignores it, this process stops it
    cfg = site(tmp_path, HEARS)
    assert set(el.replay(cfg, traffic.head(20), progress=False)["edge_uri"].astype(str)) == {
        "/ignores-ctrl-c"
    }
    assert set(in_one_process(cfg, traffic.head(20))["edge_uri"].astype(str)) == {"/hears-ctrl-c"}


def test_progress_counts_the_supervised_workers_rows(tmp_path: Path, traffic) -> None:
    seen: list[dict[str, Any]] = []
    el.replay(site(tmp_path), traffic, progress=seen.append, chunk_rows=250)
    assert seen[-1]["rows"] == len(traffic) == sum(seen[-1]["outcomes"].values())
    assert [s["rows"] for s in seen] == sorted(s["rows"] for s in seen)


# -- what travels -------------------------------------------------------------------------


def _as_lists(columns: dict[str, Any]) -> dict[str, list[Any]]:
    for values in columns.values():  # one object per row, never a nested array
        assert values.dtype == object and values.ndim == 1
    return {name: values.tolist() for name, values in columns.items()}


@given(strategies.row_dicts, st.booleans())
def test_columns_are_the_rows_values_by_key_whatever_keys_rows_have(rows, same_keys) -> None:
    if same_keys and rows:  # a replay's rows: every key, in the same order
        rows = [{k: r.get(k) for k in ("row", "a", "b", "c")} for r in rows]
    names = dict.fromkeys(k for r in rows for k in r)
    expected = {n: [r.get(n) for r in rows] for n in names} if rows else {"row": []}
    got = columns_of(rows)
    assert _as_lists(got) == expected and list(got) == list(expected)
    assert _as_lists(replay_dask.unpacked(replay_dask_worker.packed(got))) == expected


def test_a_forked_worker_gets_a_live_offload_thread(monkeypatch) -> None:
    # an executor whose thread ran, then ended: what a fork copies of one that ran here
    ended = ThreadPoolExecutor(max_workers=1)
    ended.submit(int).result()
    ended.shutdown(wait=True)
    monkeypatch.setattr(distributed.utils, "_offload_executor", ended)
    replay_dask_worker.fresh_offload_thread()
    fresh = distributed.utils._offload_executor
    assert fresh is not ended and fresh.submit(int, "7").result(timeout=10) == 7
    replay_dask_worker.fresh_offload_thread()  # one with a live thread stays
    assert distributed.utils._offload_executor is fresh
    fresh.shutdown(wait=True)


#: ends its process at one row (its uri), else passes the request on
KILLS_AT = (
    "import os\n"
    "def handler(event, context):\n"
    "    request = event['Records'][0]['cf']['request']\n"
    "    if request['uri'] == '/kill':\n"
    "        os._exit(7)\n"
    "    return request\n"
)


def test_a_worker_killed_again_and_again_always_comes_back(tmp_path: Path, traffic) -> None:
    """Dask's local cluster closes the nanny of a removed worker when, after
    ``lost-worker-timeout``, no worker of its name is registered: a check that can fall
    while the nanny is starting the next worker (a handler that kills its process on many
    rows), and the replay then had no worker left. Here the check falls at once after
    every death, always in that gap: every killing row is still one replay-error row, and
    every other row runs."""
    import dask

    cfg = site(tmp_path, KILLS_AT)
    rows = traffic.copy()
    rows["uri"] = rows["uri"].astype(str)
    killers = [40, 200, 450]
    rows.loc[rows.index[killers], "uri"] = "/kill"
    with dask.config.set({"distributed.deploy.lost-worker-timeout": "0s"}):
        got = el.replay(cfg, rows, progress=False)
    died = got[got["error_type"] == "ReplayWorkerDied"]
    assert list(died["row"]) == killers
    assert len(got) == len(rows) and (got.drop(died.index)["outcome"] != "replay-error").all()


@pytest.mark.parametrize("at", [0, 250, 410])
def test_the_row_that_killed_the_worker_is_read_from_its_mark_not_searched_row_by_row(
    tmp_path: Path, traffic, monkeypatch, at: int
) -> None:
    """A worker of the replay's own cluster marks the row it is running: when it dies,
    the rows before that row in its task run again as one task, the row alone (the
    culprit: a replay-error row), then the rest of the task as one, and the tasks that
    were in flight behind it after them. Results are those of the search row by row (one
    row per task, what a cluster without marks still does), in a handful of tasks
    rather than one per row before the culprit."""
    cfg = site(tmp_path, KILLS_AT)
    rows = traffic.copy()
    rows["uri"] = rows["uri"].astype(str)
    rows.loc[rows.index[at], "uri"] = "/kill"
    submitted: list[int] = []
    submit = replay_dask.DaskEngine._submit

    def counted(self: Any, s: int, job: Any) -> Any:
        submitted.append(len(job.positions))
        return submit(self, s, job)

    monkeypatch.setattr(replay_dask.DaskEngine, "_submit", counted)
    monkeypatch.setattr(replay_dask, "PIECE", 200)  # three tasks, all in flight at once
    marked = el.replay(cfg, rows, progress=False)
    marked_tasks = len(submitted)
    submitted.clear()
    monkeypatch.setattr(replay_dask.DaskEngine, "_read_mark", lambda *a: None)
    searched = el.replay(cfg, rows, progress=False)

    died = marked[marked["error_type"] == "ReplayWorkerDied"]
    assert list(died["row"]) == [at] and len(marked) == len(rows)
    pd.testing.assert_frame_equal(comparable(marked), comparable(searched), check_categorical=False)
    # the three pieces; the rows before, the row, the rows after; the pieces behind, again
    assert marked_tasks <= 3 + 3 + 2
    assert len(submitted) > at % 200  # one task per row before the culprit in its piece
