"""The replay engine on Dask (issue 13): a local cluster for ``workers=N``, an existing
cluster for ``scheduler=``, the same results as one worker, clear errors without Dask or
without a scheduler. Most tests share one local cluster through ``scheduler=`` (a
cluster starts in about 2 s)."""

from __future__ import annotations

import functools
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import edgelab as el
from edgelab.cli import main
from edgelab.demo import CONFIG
from edgelab.frames import replay_dask
from edgelab.frames.replay import comparable

distributed = pytest.importorskip("distributed")

#: the demo distribution, its handlers in-process (a factory: each worker builds its own)
DEMO = functools.partial(el.load_distribution, CONFIG, isolated=False)
LOGS = Path(__file__).resolve().parent.parent / "data" / "sample-access-log.txt.gz"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """An existing two-worker cluster, as a user would start with `dask scheduler`."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
        host="127.0.0.1",
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not 8787: may be taken
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close(timeout=10)


@pytest.fixture(scope="module")
def one_worker() -> pd.DataFrame:
    return el.replay(DEMO, LOGS, progress=False, chunk_rows=60)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(comparable(a), comparable(b), check_categorical=False)


def test_a_local_cluster_gives_the_one_worker_results_across_chunks(one_worker) -> None:
    # 400 log lines in 7 chunks: an owner keeps its partitions (and its cache entries)
    # from one chunk to the next, so the hits are the one-worker hits
    assert one_worker["cache"].eq("Hit").sum() > 50
    assert set(one_worker["cache_tier"].dropna()) >= {"edge", "regional", "origin"}
    two = el.replay(DEMO, LOGS, progress=False, chunk_rows=60, workers=2)
    same(one_worker, two)


def test_an_existing_cluster_gives_the_one_worker_results(scheduler: str, one_worker) -> None:
    on_cluster = el.replay(DEMO, LOGS, progress=False, chunk_rows=60, scheduler=scheduler)
    same(one_worker, on_cluster)


def test_isolated_handlers_are_taped_and_batched_on_the_workers(
    scheduler: str, tmp_path: Path
) -> None:
    # the config's default: Python handlers isolated, viewer request batched per piece
    traffic = el.generate_traffic("workshop-small", 400, seed=11)
    here = el.replay(CONFIG, traffic, progress=False, chunk_rows=150)
    run = el.replay_to(
        CONFIG, traffic, tmp_path / "r.parquet", progress=False, chunk_rows=150,
        scheduler=scheduler,
    )  # fmt: skip
    same(here, pd.read_parquet(run.out))
    assert here["cache"].eq("Hit").any()
    # the workers told the cost rule that these functions cost a round trip a call
    assert any("(round-trip functions)" in note for note in run.notes)


def test_the_cli_runs_on_a_scheduler(scheduler: str, tmp_path: Path, one_worker, capsys) -> None:
    out = tmp_path / "r.parquet"
    args = ["replay", str(LOGS), "--config", str(CONFIG), "--out", str(out)]
    code = main([*args, "--chunk-rows", "60", "--scheduler", scheduler, "--no-progress"])
    assert code == 0
    # the path the rows took, and why, in one note line
    [note] = [line for line in capsys.readouterr().err.splitlines() if "rows went to" in line]
    assert note.startswith("note: rows went to 2 workers by ") and "modelled (" in note
    back = pd.read_parquet(out)
    assert back["row"].tolist() == list(range(len(one_worker)))
    assert back["cache"].astype(str).tolist() == one_worker["cache"].astype(str).tolist()


def test_each_worker_keeps_the_distribution_for_the_replay_only(scheduler: str) -> None:
    with distributed.Client(scheduler, set_as_default=False, timeout=10) as client:

        def ours() -> list[str]:
            plugins = client.run(lambda dask_worker: list(dask_worker.plugins))
            return [n for names in plugins.values() for n in names if "edgelab-replay-" in n]

        during: list[list[str]] = []
        el.replay(DEMO, LOGS, progress=lambda p: during.append(ours()), scheduler=scheduler)
        # the plugin (one per replay) is on both workers while it runs, gone after
        assert during and all(len(names) == 2 and len(set(names)) == 1 for names in during)
        assert ours() == []


def without_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the extra were not installed: importing dask or distributed fails."""
    for name in ("dask", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)


def test_workers_without_the_extra_is_a_config_error_naming_it(monkeypatch) -> None:
    without_dask(monkeypatch)
    traffic = el.generate_traffic("workshop-small", 20, seed=1)
    with pytest.raises(el.ConfigError, match=r"pip install 'edgelab\[dask\]'"):
        el.replay(DEMO, traffic, progress=False, workers=2)
    with pytest.raises(el.ConfigError, match="not installed"):
        el.replay(DEMO, traffic, progress=False, scheduler="tcp://127.0.0.1:8786")


def test_the_cli_exits_2_without_the_extra(monkeypatch, tmp_path: Path, capsys) -> None:
    without_dask(monkeypatch)
    args = ["replay", str(LOGS), "--config", str(CONFIG), "--out", str(tmp_path / "r.parquet")]
    assert main([*args, "--workers", "2", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "edgelab replay: error:" in err and "edgelab[dask]" in err
    assert "Traceback" not in err


def test_in_process_handlers_without_the_extra_run_here(monkeypatch, tmp_path: Path) -> None:
    # a definition file with isolated = false: supervised by a one-worker cluster when
    # Dask is there; without it, the rows run in this process (the README says so)
    cfg = tmp_path / "distribution.toml"
    home = CONFIG.parent.as_posix()
    cfg.write_text(
        CONFIG.read_text()
        .replace("[distribution]", "[distribution]\nisolated = false", 1)
        .replace('"handlers/', f'"{home}/handlers/')
        .replace('path = "site"', f'path = "{home}/site"')
    )
    assert "isolated = false" in cfg.read_text()
    without_dask(monkeypatch)
    traffic = el.generate_traffic("workshop-small", 50, seed=2)
    results = el.replay(cfg, traffic, progress=False)
    assert len(results) == 50 and results["outcome"].ne("replay-error").all()


def test_an_unreachable_scheduler_is_a_clear_error_after_a_bounded_wait(
    monkeypatch, tmp_path: Path, capsys
) -> None:
    monkeypatch.setattr(replay_dask, "CONNECT_SECONDS", 2.0)
    traffic = el.generate_traffic("workshop-small", 20, seed=1)
    with pytest.raises(el.ConfigError, match=r"could not reach the Dask scheduler at tcp://"):
        el.replay(DEMO, traffic, progress=False, scheduler="tcp://127.0.0.1:9")
    args = ["replay", str(LOGS), "--config", str(CONFIG), "--out", str(tmp_path / "r.parquet")]
    assert main([*args, "--scheduler", "tcp://127.0.0.1:9", "--no-progress"]) == 2
    assert "could not reach the Dask scheduler" in capsys.readouterr().err
    assert not (tmp_path / "r.parquet").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scheduler": "127.0.0.1:8786"}, "must be a Dask scheduler address"),
        ({"scheduler": "tcp://127.0.0.1:8786", "workers": 2}, "given without workers"),
        ({"scheduler": 8786}, "scheduler must be the address of a Dask scheduler"),
    ],
)
def test_bad_scheduler_arguments_are_config_errors(kwargs, message: str) -> None:
    traffic = el.generate_traffic("workshop-small", 5, seed=1)
    with pytest.raises(el.ConfigError, match=message):
        el.replay(DEMO, traffic, progress=False, **kwargs)


def test_import_edgelab_and_the_cli_do_not_import_dask() -> None:
    code = (
        "import sys, edgelab, edgelab.cli, edgelab.frames.replay\n"
        "edgelab.cli.build_parser()\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.node
def test_a_custom_error_page_shared_by_partitions_gives_the_one_worker_results(
    scheduler: str, tmp_path: Path
) -> None:
    """An error page is cached under its own key by whichever row got the error: with
    error pages, rows are owned by regional edge cache (replay_tape.coarse_partitions),
    so the page's hits are the one-worker hits."""
    from tests.test_replay_batch import failover_toml, traffic

    extra = '\n[[custom_error_responses]]\nerror_code = 404\nresponse_page_path = "/404.html"\n'
    cfg = failover_toml(tmp_path, extra)
    uris = ["/nope", "/b.html", "/gone", "/404.html", "/nope", "/c.html", "/other", "/x"]
    frame = traffic(uris * 6, pops=["IAD89-C1", "FRA56-P1", "NRT57-P2", "GRU50-C1"])
    here = el.replay(cfg, frame, progress=False)
    there = el.replay(cfg, frame, progress=False, scheduler=scheduler)
    same(here, there)
    assert (here["error_page"].astype(str) == "/404.html").sum() >= 20


@pytest.mark.node
def test_calls_after_the_cache_are_batched_on_the_workers_too(
    scheduler: str, tmp_path: Path
) -> None:
    """Node.js origin request and origin response functions: each worker interleaves its
    rows by partition and batches their calls (replay_dask_worker._run_batched), with
    the one-worker results."""
    from edgelab.frames import replay_dask_worker
    from tests.test_replay_batch import failover_toml, traffic

    cfg = failover_toml(tmp_path)
    uris = [f"/{name}.html" for name in ("a", "b", "c", "d", "e", "f")] * 8
    frame = traffic(uris, pops=["IAD89-C1", "FRA56-P1", "NRT57-P2"])
    here = el.replay(cfg, frame, progress=False)
    there = el.replay(cfg, frame, progress=False, scheduler=scheduler)
    same(here, there)
    assert here["oreq_outcome"].notna().sum() >= 12 and here["cache"].eq("Hit").any()
    # in this process, the worker side takes the batched path for this distribution
    loaded = replay_dask_worker._Loaded(
        d := el.load_distribution(cfg), replay_dask_worker.Tape(d),
        batched=replay_dask_worker.batches_after_cache(d),
    )  # fmt: skip
    try:
        assert loaded.batched
    finally:
        d.close()


# -- rows by regional edge cache, or by cache key ----------------------------------------
def fronts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the chunks that ran a front phase (rows by cache key)."""
    calls: list[int] = []
    real = replay_dask.DaskEngine._front

    def counted(self: Any, *args: Any) -> Any:
        calls.append(1)
        return real(self, *args)

    monkeypatch.setattr(replay_dask.DaskEngine, "_front", counted)
    return calls


def test_rows_go_by_regional_edge_cache_when_those_balance(scheduler: str, monkeypatch) -> None:
    # viewers all over the world: each row runs once, on the worker owning its regional
    # edge cache's group, with no front phase; the one-worker results, hits included
    ran_front = fronts(monkeypatch)
    traffic = el.generate_traffic("shop", 1500, seed=4)
    here = el.replay(DEMO, traffic, progress=False, chunk_rows=500)
    there = el.replay(DEMO, traffic, progress=False, chunk_rows=500, scheduler=scheduler)
    same(here, there)
    assert here["cache"].eq("Hit").sum() > 100
    assert ran_front == []


def test_one_region_on_two_workers_goes_by_group_and_the_run_says_why(
    scheduler: str, monkeypatch, tmp_path: Path
) -> None:
    # every viewer at one edge location: one group, one busy worker; by cache key would
    # split the rows but cost more than it saves with two workers (replay_route)
    ran_front = fronts(monkeypatch)
    traffic = el.generate_traffic("shop", 600, seed=5).assign(edge_location="FRA56-P1")
    here = el.replay(DEMO, traffic, progress=False, chunk_rows=200)
    run = el.replay_to(
        DEMO, traffic, tmp_path / "r.parquet", progress=False, chunk_rows=200, scheduler=scheduler
    )
    same(here, pd.read_parquet(run.out))
    assert here["cache"].eq("Hit").sum() > 50
    assert ran_front == []
    [note] = [n for n in run.notes if n.startswith("rows went to 2 workers")]
    assert "by regional edge cache" in note and "the path modelled cheaper" in note
    assert "would run 100% of its 200 rows" in note


def test_rows_by_cache_key_give_the_one_worker_results(scheduler: str, monkeypatch) -> None:
    # the path the cost rule takes for one region on many workers, forced here: the
    # front phase works out each row's cache key, and the workers own keys instead
    ran_front = fronts(monkeypatch)
    monkeypatch.setattr(replay_dask, "FORCE", "key")
    traffic = el.generate_traffic("shop", 600, seed=5).assign(edge_location="FRA56-P1")
    here = el.replay(DEMO, traffic, progress=False, chunk_rows=200)
    there = el.replay(DEMO, traffic, progress=False, chunk_rows=200, scheduler=scheduler)
    same(here, there)
    assert here["cache"].eq("Hit").sum() > 50
    assert len(ran_front) == 3  # every chunk


def engine(slots: int = 2, default_edge: str = "IAD89-C1", cores: int | None = None) -> Any:
    """A DaskEngine's dealing of groups, without a cluster."""
    e = replay_dask.DaskEngine.__new__(replay_dask.DaskEngine)
    e.groups, e.loads, e.by_key, e.default_edge = None, [0] * slots, False, default_edge
    e.route, e.cores, e.kind = None, cores, "in-process"
    return e


def pops(*counts: tuple[str, int]) -> pd.DataFrame:
    values = [pop for pop, n in counts for _ in range(n)]
    return pd.DataFrame({"edge_location": pd.Categorical(values)})


def test_groups_go_largest_first_to_the_slot_with_fewest_rows_and_stay_there() -> None:
    from edgelab.edge.tiers import CacheTiers

    four = ("FRA56-P1", "IAD89-C1", "NRT57-P2", "GRU50-C1")
    assert len({CacheTiers.regional_for(p) for p in four}) == 4  # four groups
    e = engine()
    # 5, 4, 3, 2 rows: 5 -> slot 0, 4 -> slot 1, 3 -> slot 1 (4 < 5), 2 -> slot 0
    first = e._by_group(pops(("FRA56-P1", 5), ("IAD89-C1", 4), ("NRT57-P2", 3), ("GRU50-C1", 2)))
    assert first[0].tolist() == [0, 1, 2, 3, 4, 12, 13]
    assert first[1].tolist() == [5, 6, 7, 8, 9, 10, 11]
    assert e.loads == [7, 7]
    assert e.route.path == "group" and e.notes == [e.route.note()]
    # the next chunk: known groups keep their slot; a new one goes to the lighter slot
    # (a row without an edge location is in its distribution's edge location's group)
    e.loads = [7, 9]
    later = e._by_group(pops(("GRU50-C1", 1), ("", 1), ("SIN52-C1", 2)))
    assert later[0].tolist() == [0, 2, 3] and later[1].tolist() == [1]


@pytest.mark.parametrize(
    ("slots", "cores", "kind", "path"),
    [
        pytest.param(2, 2, "in-process", "group", id="2-workers-2-shared-cores"),
        pytest.param(16, None, "in-process", "group", id="16-workers-in-process"),
        pytest.param(16, None, "round-trip", "key", id="16-workers-round-trip"),
        pytest.param(2, 2, "round-trip", "key", id="2-workers-2-shared-cores-round-trip"),
    ],
)
def test_one_region_s_first_chunk_chooses_the_path_by_the_cost_rule(
    slots: int, cores: int | None, kind: str, path: str
) -> None:
    e = engine(slots=slots, cores=cores)
    e.kind = kind
    owned = e._by_group(pops(("FRA56-P1", 20_000)))
    assert e.route.path == path and e.by_key == (path == "key")
    assert (owned is None) == (path == "key") and e.notes == [e.route.note()]
    if path == "group":  # the groups it dealt are kept for the next chunks
        assert e.groups is not None and sorted(e.loads, reverse=True)[:2] == [20_000, 0]
    alone = engine(slots=1)  # one worker: always by group, and no note
    assert alone._by_group(pops(("FRA56-P1", 9)))[0].tolist() == list(range(9))
    assert alone.route.path == "group" and alone.notes == []


# -- in-process handlers on a worker ------------------------------------------------------
SPIN = (
    "import time\n"
    "def handler(event, context):\n"
    "    request = event['Records'][0]['cf']['request']\n"
    "    if request['uri'] == '/spin':\n"
    "        while True:\n"
    "            pass\n"
    "    if request['uri'] == '/sleep':\n"
    "        time.sleep(3600)\n"
    "    return request\n"
)


def one_second_timeout(cfg: Path) -> el.Distribution:
    """A picklable factory: in-process handlers with a 1 s timeout."""
    from edgelab.edge.config import load_distribution

    return load_distribution(
        cfg, default_isolated=False, rules=el.get_rules(overrides={"timeout": 1})
    )


@pytest.mark.timeout(300)
def test_an_in_process_handler_past_its_timeout_is_stopped_on_a_worker(
    scheduler: str, tmp_path: Path
) -> None:
    # tasks run in the worker's main thread, so the timeout interrupts a busy loop and a
    # call blocked in C alike (SIGALRM), as in one process; the other rows go on
    (tmp_path / "vreq.py").write_text(SPIN)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "ok.html").write_text("ok")
    cfg = tmp_path / "distribution.toml"
    cfg.write_text(
        '[triggers]\nviewer-request = "vreq.py"\n[origin]\ntype = "folder"\npath = "site"\n'
    )
    uris = ["/ok.html", "/spin", "/ok.html", "/sleep", "/ok.html"]
    frame = pd.DataFrame(
        {
            "time": pd.date_range("2026-01-01", periods=len(uris), freq="s", tz="UTC"),
            "method": "GET",
            "uri": uris,
        }
    )
    factory = functools.partial(one_second_timeout, cfg)
    here = el.replay(factory, frame, progress=False)
    there = el.replay(factory, frame, progress=False, scheduler=scheduler)
    same(here, there)
    assert there["status"].tolist() == [200, 503, 200, 503, 200]
    assert set(there["error_type"].dropna().astype(str)) == {"LambdaLimitExceeded"}
