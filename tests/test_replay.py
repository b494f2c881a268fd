"""Batch replay: one result row per input row, deterministic, the same with 2 workers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import edgelab as el
from edgelab.demo import CONFIG, TRAFFIC
from edgelab.frames.replay import comparable, epoch_seconds, request_id


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


def one_key_site(root: Path) -> Path:
    """A distribution whose viewer request maps many viewer uris to one cache key per
    first path segment: the case a partition by viewer uri got wrong."""
    site = root / "site"
    site.mkdir()
    for name in ("products", "images", "api", "index.html", "blog", "about"):
        (site / name).write_text(f"page {name}")
    (root / "one.py").write_text(
        "def handler(event, context):\n"
        "    request = event['Records'][0]['cf']['request']\n"
        "    head = request['uri'].strip('/').split('/')[0] or 'index.html'\n"
        "    request['uri'] = '/' + head\n"
        "    return request\n"
    )
    cfg = root / "d.toml"
    cfg.write_text(
        '[distribution]\nisolated = false\n[triggers]\nviewer-request = "one.py"\n'
        '[origin]\ntype = "folder"\npath = "site"\nmissing = 404\n'
    )
    return cfg


@pytest.mark.parametrize("workers", [2, 3])
def test_n_workers_equal_one_when_a_function_maps_many_uris_to_one_key(
    tmp_path: Path, traffic, workers: int
) -> None:
    cfg = one_key_site(tmp_path)
    one = el.replay(cfg, traffic, progress=False)
    many = el.replay(cfg, traffic, workers=workers, progress=False)
    assert one["edge_uri"].nunique() < traffic["uri"].nunique()  # keys shared by uris
    assert (one["cache"] == "Hit").sum() > len(one) // 2
    pd.testing.assert_frame_equal(comparable(one), comparable(many))


def test_the_front_phase_does_not_run_viewer_request_twice(tmp_path: Path, traffic) -> None:
    cfg = one_key_site(tmp_path)
    calls = tmp_path / "calls.txt"
    (tmp_path / "one.py").write_text(
        "def handler(event, context):\n"
        "    request = event['Records'][0]['cf']['request']\n"
        f"    with open({str(calls)!r}, 'a') as f:\n"
        "        f.write(request['uri'] + '\\n')\n"
        "    request['uri'] = '/' + (request['uri'].strip('/').split('/')[0] or 'index.html')\n"
        "    return request\n"
    )
    two = el.replay(cfg, traffic.head(50), workers=2, progress=False)
    assert (two["vreq_outcome"].astype(str) == "request").all()
    assert two["vreq_uri"].astype(str).tolist() == traffic["uri"].head(50).astype(str).tolist()
    assert len(calls.read_text().splitlines()) == 50  # once per row, taped for the rest


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_the_clock_is_the_rows_time_whatever_the_datetime_resolution(unit: str) -> None:
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-03-01T12:00:00.250Z", "2025-03-01T12:00:01.000Z"]),
            "method": "GET",
            "uri": ["/a", "/b"],
        }
    )
    frame["time"] = frame["time"].dt.as_unit(unit)
    seconds = epoch_seconds(frame["time"])
    expected = [1740830400.25, 1740830401.0] if unit != "s" else [1740830400.0, 1740830401.0]
    assert seconds.tolist() == pytest.approx(expected, abs=1e-6)
    # an object cached for 60 s: asked again 30 s later, a hit; 120 s later, expired
    times = pd.to_datetime(
        ["2025-03-01T12:00:00Z", "2025-03-01T12:00:30Z", "2025-03-01T12:02:30Z"]
    ).as_unit(unit)
    again = pd.DataFrame({"time": times, "method": "GET", "uri": ["/a", "/a", "/a"]})
    cached = {
        "status": "200",
        "headers": {"cache-control": [{"key": "Cache-Control", "value": "max-age=60"}]},
    }
    with el.Distribution(origin=lambda request: cached) as dist:
        out = el.replay(dist, again, progress=False)
    assert out["cache"].astype(str).tolist() == ["Miss", "Hit", "Miss"]


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


@pytest.mark.parametrize(
    ("frozen", "answers", "asked"),
    [(0, [True, True, True], 3), (5, [False, False, False], 1)],
    ids=["nothing-frozen-asked-each-time", "frozen-asked-once-per-process"],
)
def test_a_piece_asks_the_costly_freeze_count_once_a_process_has_frozen_objects(
    monkeypatch: pytest.MonkeyPatch, frozen: int, answers: list[bool], asked: int
) -> None:
    """``gc.get_freeze_count`` walks every frozen object (10 ms in a forked supervised
    worker): with nothing frozen it is asked for each piece (a caller's later freeze is
    seen), once objects were frozen it is not asked again in that process."""
    import gc

    import edgelab.frames.replay as replay

    calls = []
    monkeypatch.setattr(replay, "_FROZEN_IN", None)
    monkeypatch.setattr(gc, "get_freeze_count", lambda: calls.append(1) or frozen)
    assert [replay._nothing_frozen() for _ in answers] == answers
    assert len(calls) == asked


def test_a_handler_edited_during_a_replay_runs_from_the_next_piece_of_rows(
    tmp_path: Path,
) -> None:
    """A replay looks at a handler file once per piece of rows (no stat per call): a
    file edited while a piece runs is loaded again for the next piece (a cold start)."""
    import gc

    from edgelab.frames.replay import _PIECE

    (tmp_path / "site").mkdir()
    handler = tmp_path / "h.py"
    handler.write_text(
        "import gc, os, pathlib\n"
        'NEW = \'def handler(event, context):\\n    return {"status": "418"}\\n\'\n'
        "seen = []\n"
        "def handler(event, context):\n"
        "    seen.append(gc.get_freeze_count())\n"
        "    request = event['Records'][0]['cf']['request']\n"
        "    request['headers']['x-frozen'] = [{'key': 'X-Frozen', 'value': str(seen[-1] > 0)}]\n"
        "    if len(seen) == 1:  # the first call rewrites this file, with a later mtime\n"
        "        path = pathlib.Path(__file__)\n"
        "        mtime = path.stat().st_mtime_ns + 2_000_000_000\n"
        "        path.write_text(NEW)\n"
        "        os.utime(path, ns=(mtime, mtime))\n"
        "    return request\n"
    )
    cfg = tmp_path / "d.toml"
    cfg.write_text(
        '[distribution]\nisolated = false\n[triggers]\nviewer-request = "h.py"\n'
        '[origin]\ntype = "folder"\npath = "site"\n'
    )
    traffic = el.generate_traffic("workshop-small", _PIECE + 40, seed=3)
    frozen_before = gc.get_freeze_count()
    with el.load_distribution(cfg) as dist:
        out = el.replay(dist, traffic, progress=False)
    assert (out["status"] == 418).sum() == 40  # the second piece, and only it
    assert (out.loc[out["status"] == 418, "cold_starts"] == 1).sum() == 1
    # the piece ran with what existed before it frozen out of the collector's full
    # passes (gc.freeze), undone after it
    first = out.loc[out["status"] != 418, "vreq_changes"].astype(str)
    assert first.str.contains('"x-frozen": \\["True"\\]').all(), first.iloc[0]
    assert gc.get_freeze_count() == frozen_before
