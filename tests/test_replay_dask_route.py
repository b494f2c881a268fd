"""The Dask engine's cost rule (edgelab.frames.replay_route): a first chunk's shape (the
rows each worker would own by group, the workers, the cores they share with the
replaying process, the kind of functions) -> the path its rows take. Pure functions:
no cluster needed."""

from __future__ import annotations

import pytest

import edgelab as el
from edgelab.frames.replay_route import COSTS, MARGIN, choose_path, group_seconds, key_seconds

N = 20_000  # the first chunk's rows (the default chunk)


def one_region(workers: int) -> list[int]:
    return [N] + [0] * (workers - 1)


@pytest.mark.parametrize(
    ("loads", "workers", "cores", "kind", "path"),
    [
        # this machine: a local cluster shares 2 cores with the replaying process
        pytest.param(
            one_region(2), 2, 2, "in-process", "group", id="in-process-one-region-2-workers-2-cores"
        ),
        pytest.param(
            one_region(16),
            16,
            2,
            "in-process",
            "group",
            id="in-process-one-region-16-workers-2-cores",
        ),
        # by cache key the replaying process spends about what a worker spends by group
        # (122 + 12 against 137 us a row): more workers of their own cannot make
        # in-process functions much faster that way, and a near tie goes by group
        pytest.param(
            one_region(2), 2, None, "in-process", "group", id="in-process-one-region-2-workers"
        ),
        pytest.param(
            one_region(64), 64, None, "in-process", "group", id="in-process-one-region-64-workers"
        ),
        # functions in other processes: a row costs a worker 3x more, the split pays
        pytest.param(
            one_region(16), 16, None, "round-trip", "key", id="round-trip-one-region-16-workers"
        ),
        pytest.param(
            one_region(2), 2, None, "round-trip", "key", id="round-trip-one-region-2-workers"
        ),
        pytest.param(
            one_region(2), 2, 2, "round-trip", "key", id="round-trip-one-region-2-workers-2-cores"
        ),
        pytest.param(
            [N // 2, N // 2, 0, 0],
            4,
            None,
            "round-trip",
            "key",
            id="round-trip-2-regions-4-workers",
        ),
        # groups that balance: each row once, no front phase
        pytest.param(
            [N // 4] * 4, 4, None, "round-trip", "group", id="round-trip-4-regions-4-workers"
        ),
        pytest.param(
            [N // 2] * 2, 2, 2, "round-trip", "group", id="round-trip-2-regions-2-workers-2-cores"
        ),
        pytest.param(
            [12_000, 8_000], 2, 2, "in-process", "group", id="in-process-regions-60-40-2-cores"
        ),
        pytest.param([N // 4] * 4, 4, None, "in-process", "group", id="in-process-4-regions"),
        # one worker: nothing to split
        pytest.param([N], 1, None, "round-trip", "group", id="round-trip-one-worker"),
        pytest.param([0, 0], 2, 2, "in-process", "group", id="in-process-an-empty-chunk"),
    ],
)
def test_the_cheaper_modelled_path_is_chosen(loads, workers, cores, kind: str, path: str) -> None:
    route = choose_path(loads, workers, cores, kind)
    assert route.path == path
    costs = COSTS[kind]
    by_group = group_seconds(loads, cores, costs)
    by_key = key_seconds(sum(loads), workers, cores, costs)
    assert (route.group_seconds, route.key_seconds) == (by_group, by_key)
    assert (by_key < MARGIN * by_group and workers > 1) == (path == "key")


def test_the_model_is_the_busiest_worker_or_the_parent_or_the_shared_cores() -> None:
    costs = COSTS["in-process"]
    # by group: one busy worker of its own; on 2 shared cores, still that worker
    assert group_seconds([N, 0], None, costs) == N * costs.own
    assert group_seconds([N // 2, N // 2], 1, costs) == N * (costs.own + costs.parent_group)
    # by cache key: the replaying process bounds it, plus its work between phases
    many = key_seconds(N, 64, None, costs)
    assert many == pytest.approx(N * (costs.parent_key + costs.key_serial))
    shared = key_seconds(N, 2, 2, costs)
    assert shared == pytest.approx(N * ((costs.keyed + costs.parent_key) / 2 + costs.key_serial))


def test_the_note_says_which_path_and_why() -> None:
    route = choose_path(one_region(2), 2, 2)
    assert route.path == "group" and route.note() == (
        "rows went to 2 workers by regional edge cache (each group of edge locations on one "
        "worker), the path modelled cheaper on the first chunk: by group the busiest worker "
        f"would run 100% of its 20,000 rows; modelled (in-process functions) "
        f"{route.group_seconds:.2f} s by group, {route.key_seconds:.2f} s by cache key"
    )
    forced = choose_path(one_region(2), 2, 2, force="key")
    assert forced.path == "key" and forced.forced
    assert "by cache key (a front phase" in forced.note() and "as forced" in forced.note()


def test_a_forced_path_must_be_one_of_the_two() -> None:
    with pytest.raises(el.ConfigError, match=r"one of group, key or None; got 'keys'"):
        choose_path([5, 5], 2, None, force="keys")
