"""The stages after the cache batched across cache partitions (edgelab.frames.replay_batch):
the same rows as one row after the other, with one round trip per function and round."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import edgelab as el
from edgelab.frames import replay_batch
from edgelab.frames.replay import (
    _frame,
    _run_rows,
    _viewer_request,
    _viewers,
    comparable,
    request_id,
)
from edgelab.frames.replay_batch import batches_after_cache, run_rows_batched
from edgelab.frames.replay_io import Chunk
from edgelab.frames.replay_tape import Tape
from edgelab.frames.traffic import normalize_traffic
from edgelab.runtimes.base import Call, Handler, RawResult
from edgelab.runtimes.node import NodeHandler
from edgelab.runtimes.python import InProcessPython
from edgelab.triggers import Trigger

pytestmark = pytest.mark.node

# Node.js handlers: each leaves a mark; /boom throws, /slow never gives the loop back
VREQ = """
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers['x-vreq'] = [{ key: 'X-VReq', value: request.uri }];
  if (request.uri === '/old') request.uri = '/a.html';
  return request;
};
"""
OREQ = """
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/boom')) throw new Error('boom at ' + request.uri);
  if (request.uri.startsWith('/slow')) { for (;;) {} }
  if (request.uri === '/gen') return { status: '200', body: 'generated at origin request' };
  const tried = (request.origin.custom || {}).domainName || 'folder';
  request.headers['x-oreq'] = [{ key: 'X-OReq', value: tried }];
  return request;
};
"""
ORESP = """
exports.handler = async (event) => {
  const { request, response } = event.Records[0].cf;
  response.headers['x-oresp'] = [{ key: 'X-OResp', value: response.status + ' ' + request.uri }];
  return response;
};
"""
VRESP = """
exports.handler = async (event) => {
  const { request, response } = event.Records[0].cf;
  response.headers['x-vresp'] = [{ key: 'X-VResp', value: request.uri }];
  return response;
};
"""
HANDLERS = {"viewer-request": VREQ, "origin-request": OREQ, "origin-response": ORESP,
            "viewer-response": VRESP}  # fmt: skip

SITE = {"a.html": "a", "b.html": "b", "c.html": "c", "index.html": "home", "404.html": "gone"}


def site_toml(root: Path, triggers: tuple[str, ...], extra: str = "") -> Path:
    """A folder origin with a one-minute cache and Node.js functions at ``triggers``."""
    (root / "site").mkdir(exist_ok=True)
    for name, body in SITE.items():
        (root / "site" / name).write_text(body)
    lines = []
    for trig in triggers:
        (root / f"{trig}.js").write_text(HANDLERS[trig])
        lines.append(f'{trig} = "{trig}.js"')
    cfg = root / "distribution.toml"
    cfg.write_text(
        "[distribution]\nisolated = true\n[triggers]\n"
        + "\n".join(lines)
        + '\n[origin]\ntype = "folder"\npath = "site"\nmissing = 404\n'
        + "[cache]\ndefault_ttl = 60\n"
        + extra
    )
    return cfg


def traffic(uris: list[str], pops: list[str] | None = None, step: float = 1.0) -> pd.DataFrame:
    n = len(uris)
    pops = pops or ["IAD89-C1"]
    return normalize_traffic(
        pd.DataFrame(
            {
                "time": pd.Timestamp("2026-01-01", tz="UTC")
                + pd.to_timedelta(np.arange(n) * step, unit="s"),
                "method": ["GET"] * n,
                "uri": uris,
                "edge_location": [pops[k % len(pops)] for k in range(n)],
            }
        )
    )


def one_after_another(load: Callable[[], Any], frame: pd.DataFrame) -> pd.DataFrame:
    """The reference: every row through the chain in time order, one call at a time."""
    rows = np.arange(len(frame))
    with load() as dist:
        got = _run_rows(dist, _viewers(frame), rows.tolist(), 0)
    return _frame(Chunk(frame, rows), got, None)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(comparable(a), comparable(b), check_categorical=False)


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int]]]:
    """(handler file, calls) of every round trip to a Node.js worker."""
    trips: list[tuple[str, int]] = []
    original = NodeHandler.invoke_many

    def counted(self: NodeHandler, calls: Any) -> Any:
        trips.append((Path(self.spec).name, len(calls)))
        return original(self, calls)

    monkeypatch.setattr(NodeHandler, "invoke_many", counted)
    yield trips


def loader(cfg: Path, **options: Any) -> Callable[[], Any]:
    return lambda: el.load_distribution(cfg, **options)


# -- identical results ---------------------------------------------------------------------

MIXED = ["/a.html", "/b.html", "/a.html", "/missing", "/c.html", "/b.html", "/", "/a.html"]


@pytest.mark.parametrize(
    "triggers",
    [
        ("origin-request",),
        ("origin-response",),
        ("viewer-response",),
        ("viewer-request", "origin-request", "origin-response", "viewer-response"),
    ],
    ids=["oreq", "oresp", "vresp", "all-four"],
)
def test_batched_rows_equal_one_after_another(tmp_path: Path, triggers: tuple[str, ...]) -> None:
    # hits and misses, several edge locations (regional and POP caches), partitions
    # interleaved: the user-visible replay gives the rows of one row after the other
    cfg = site_toml(tmp_path, triggers)
    frame = traffic(MIXED * 4, pops=["IAD89-C1", "FRA56-P1", "NRT57-C1"])
    with el.load_distribution(cfg) as dist:
        assert batches_after_cache(dist)
    batched = el.replay(cfg, frame, progress=False)
    same(batched, one_after_another(loader(cfg), frame))
    assert (batched["cache"].astype(str) == "Hit").sum() > 0
    assert batched["cache_tier"].astype(str).isin(["edge", "regional"]).any()


def test_one_round_trip_per_function_per_round(tmp_path: Path, round_trips) -> None:
    # six misses in six partitions: their origin request calls go in one round trip,
    # then their origin response calls in another
    cfg = site_toml(tmp_path, ("origin-request", "origin-response"))
    uris = ["/a.html", "/b.html", "/c.html", "/index.html", "/missing", "/404.html"]
    frame = traffic(uris)
    with el.load_distribution(cfg) as dist:
        tape = Tape(dist)
        try:
            requests = [
                _viewer_request(v, request_id(0, i), dist.edge_location)
                for i, v in enumerate(_viewers(frame))
            ]
            keys = [k for k, _ in tape.front_keys(requests)]
            round_trips.clear()
            rows = run_rows_batched(dist, _viewers(frame), list(range(6)), 0, keys)
        finally:
            tape.remove()
    assert round_trips == [("origin-request.js", 6), ("origin-response.js", 6)]
    assert [r["row"] for r in rows] == list(range(6))
    assert [r["status"] for r in rows] == [200, 200, 200, 200, 404, 200]


def test_rows_of_one_partition_wait_for_the_row_before(tmp_path: Path, round_trips) -> None:
    # the same object three times: the first misses, the next two are hits (no call);
    # the second object's miss shares the first round trip
    cfg = site_toml(tmp_path, ("origin-request",))
    frame = traffic(["/a.html", "/a.html", "/b.html", "/a.html"])
    results = el.replay(cfg, frame, progress=False)
    assert results["cache"].astype(str).tolist() == ["Miss", "Hit", "Miss", "Hit"]
    assert round_trips[-1] == ("origin-request.js", 2)
    assert sum(n for _, n in round_trips) == 2


def test_the_per_request_path_makes_a_round_trip_per_call(tmp_path: Path, round_trips) -> None:
    # what batching saves: without it, each miss is its own round trip
    cfg = site_toml(tmp_path, ("origin-request",))
    frame = traffic(["/a.html", "/b.html", "/c.html"])
    one_after_another(loader(cfg), frame)
    assert round_trips == [("origin-request.js", 1)] * 3


def test_a_handler_that_throws_or_times_out_costs_only_its_row(tmp_path: Path) -> None:
    cfg = site_toml(tmp_path, ("origin-request",))

    def load() -> Any:
        dist = el.load_distribution(cfg)
        for b in dist.behaviors:
            for bound in b.bound.values():
                bound.timeout_s = 1.0  # the test's own: the rule set says 30 s
        return dist

    frame = traffic(["/a.html", "/boom", "/b.html", "/slow", "/c.html", "/gen", "/a.html"])
    batched = el.replay(load, frame, progress=False)
    same(batched, one_after_another(load, frame))
    assert batched["outcome"].astype(str).tolist() == [
        "served", "error", "served", "error", "served", "generated", "served",
    ]  # fmt: skip
    assert batched["error_type"].astype(str).tolist()[1] == "LambdaExecutionError"
    assert batched["error_type"].astype(str).tolist()[3] == "LambdaLimitExceeded"


class Flaky(Handler):
    """A handler with a round trip whose batches always fail: each call is asked again
    alone, and the one that raises then costs only its own row."""

    def __init__(self) -> None:
        self.inner = InProcessPython.from_callable(
            lambda event, context: event["Records"][0]["cf"]["request"]
        )

    def invoke(self, call: Call) -> RawResult:
        if call.event["Records"][0]["cf"]["request"]["uri"] == "/boom":
            raise RuntimeError("the worker went away")
        return self.inner.invoke(call)

    def invoke_many(self, calls: Any) -> list[RawResult]:
        raise RuntimeError("the batch went away")


def test_a_batch_that_raises_is_asked_again_call_by_call(tmp_path: Path) -> None:
    cfg = site_toml(tmp_path, ("origin-request",))

    def load() -> Any:
        dist = el.load_distribution(cfg)
        flaky = Flaky()
        for b in dist.behaviors:
            b.bound[Trigger.ORIGIN_REQUEST].handler = flaky
        return dist

    frame = traffic(["/a.html", "/boom", "/b.html", "/c.html"])
    batched = el.replay(load, frame, progress=False)
    same(batched, one_after_another(load, frame))
    assert batched["outcome"].astype(str).tolist() == [
        "served", "replay-error", "served", "served",
    ]  # fmt: skip
    assert "the worker went away" in batched["error_message"][1]


FAILOVER = """
[distribution]
isolated = true

[[origins]]
id = "primary"
type = "mapping"
[origins.responses."/a.html"]
status = 503
body = "down"
[origins.responses."/b.html"]
status = 200
body = "primary b"
headers = {{ Cache-Control = "max-age=60" }}

[[origins]]
id = "backup"
type = "folder"
path = "site"
missing = 404

[[origin_groups]]
id = "ha"
members = ["primary", "backup"]
failover_status_codes = [500, 502, 503, 504]

[[behaviors]]
target_origin = "ha"
cache_policy = {{ default_ttl = 60, min_ttl = 0, max_ttl = 600 }}
[behaviors.functions]
origin-request = "origin-request.js"
origin-response = "origin-response.js"
{extra}
"""


def failover_toml(root: Path, extra: str = "") -> Path:
    site_toml(root, ("origin-request", "origin-response"))
    cfg = root / "ha.toml"
    cfg.write_text(FAILOVER.format(extra=extra))
    return cfg


def test_origin_group_failover_runs_origin_request_twice_in_rounds(tmp_path: Path) -> None:
    cfg = failover_toml(tmp_path)
    frame = traffic(["/a.html", "/b.html", "/a.html", "/c.html", "/b.html"], pops=["IAD89-C1"])
    batched = el.replay(cfg, frame, progress=False)
    same(batched, one_after_another(loader(cfg), frame))
    assert batched["failover"].tolist()[:2] == [True, False]
    assert batched["origin_id"].astype(str).tolist()[:2] == ["backup", "primary"]


def test_a_custom_error_page_is_fetched_as_one_after_another(tmp_path: Path) -> None:
    # the page's cache entry is shared by every row that gets the error: rows run in
    # partitions by regional edge cache then (the module docstring)
    extra = '\n[[custom_error_responses]]\nerror_code = 404\nresponse_page_path = "/404.html"\n'
    cfg = failover_toml(tmp_path, extra)
    uris = ["/nope", "/b.html", "/gone", "/404.html", "/nope", "/c.html", "/other"]
    frame = traffic(uris * 2, pops=["IAD89-C1", "FRA56-P1"])
    batched = el.replay(cfg, frame, progress=False)
    same(batched, one_after_another(loader(cfg), frame))
    pages = batched["error_page"].astype(str)
    assert (pages == "/404.html").sum() >= 4


FULL = """
[distribution]
isolated = true

[[origins]]
id = "site"
type = "folder"
path = "site"
missing = 404

[[behaviors]]
target_origin = "site"
cache_policy = {{ default_ttl = 60, min_ttl = 0, max_ttl = 600 }}
[behaviors.functions]
{functions}
{extra}
"""


def test_continuous_deployment_staging_copy_is_batched_too(tmp_path: Path) -> None:
    # the staging copy's own functions and caches: its rows are partitions of their own
    site_toml(tmp_path, ("origin-request", "viewer-response"))
    (tmp_path / "staging").mkdir()
    site_toml(tmp_path / "staging", ("origin-request",))
    (tmp_path / "staging" / "full.toml").write_text(
        FULL.format(functions='origin-request = "origin-request.js"', extra="")
    )
    cfg = tmp_path / "full.toml"
    cfg.write_text(
        FULL.format(
            functions='origin-request = "origin-request.js"\n'
            'viewer-response = "viewer-response.js"',
            extra='[staging]\ndefinition = "staging/full.toml"\nweight = 0.15',
        )
    )
    frame = traffic(MIXED * 8, pops=["IAD89-C1", "FRA56-P1"])
    batched = el.replay(cfg, frame, progress=False)
    same(batched, one_after_another(loader(cfg), frame))
    assert set(batched["deployment"].astype(str)) == {"primary", "staging"}


def test_in_process_functions_are_called_directly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, round_trips
) -> None:
    # a Python origin request in-process beside a Node.js viewer response: the Python
    # calls are never parked (no invoke_many), the Node.js ones are batched
    parked: list[str] = []
    park = replay_batch._Park.__init__

    def spy(self: Any, inner: Any, scheduler: Any) -> None:
        parked.append(type(inner).__name__)
        park(self, inner, scheduler)

    monkeypatch.setattr(replay_batch._Park, "__init__", spy)
    cfg = site_toml(tmp_path, ("viewer-response",))
    (tmp_path / "oreq.py").write_text(
        "def handler(event, context):\n"
        "    request = event['Records'][0]['cf']['request']\n"
        "    request['headers']['x-py'] = [{'key': 'X-Py', 'value': request['uri']}]\n"
        "    return request\n"
    )
    cfg.write_text(
        cfg.read_text()
        .replace("isolated = true", "isolated = false")
        .replace("[triggers]", '[triggers]\norigin-request = "oreq.py"')
    )
    frame = traffic(MIXED, pops=["IAD89-C1", "FRA56-P1"])
    # (a factory: a config path with in-process handlers runs in a supervised child)
    batched = el.replay(loader(cfg), frame, progress=False)
    same(batched, one_after_another(loader(cfg), frame))
    assert parked == ["NodeHandler"]
    assert max(n for _, n in round_trips) > 1
    assert batched["status"].tolist() == [200, 200, 200, 404, 200, 200, 404, 200]


def test_partitions_in_flight_are_capped(tmp_path: Path, monkeypatch, round_trips) -> None:
    # two partitions at a time: six misses take three rounds, the rows the same
    monkeypatch.setattr(replay_batch, "IN_FLIGHT", 2)
    cfg = site_toml(tmp_path, ("origin-request",))
    frame = traffic(["/a.html", "/b.html", "/c.html", "/index.html", "/x", "/y"])
    batched = el.replay(cfg, frame, progress=False)
    assert [n for _, n in round_trips] == [2, 2, 2]
    same(batched, one_after_another(loader(cfg), frame))


def test_keys_must_match_the_rows(tmp_path: Path) -> None:
    cfg = site_toml(tmp_path, ())
    with el.load_distribution(cfg) as dist, pytest.raises(ValueError, match="one key per row"):
        run_rows_batched(dist, _viewers(traffic(["/a.html"])), [0], 0, [])


@st.composite
def small_traffic(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 14))
    uris = draw(
        st.lists(
            st.sampled_from(["/a.html", "/b.html", "/", "/missing", "/boom", "/gen", "/old"]),
            min_size=n,
            max_size=n,
        )
    )
    methods = draw(st.lists(st.sampled_from(["GET", "HEAD", "POST"]), min_size=n, max_size=n))
    gaps = draw(st.lists(st.sampled_from([0.0, 1.0, 30.0, 90.0]), min_size=n, max_size=n))
    pops = draw(st.lists(st.sampled_from(["IAD89-C1", "FRA56-P1"]), min_size=n, max_size=n))
    frame = traffic(uris)
    frame["time"] = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(
        np.cumsum(gaps), unit="s"
    )
    frame["method"] = pd.Categorical(methods)
    frame["edge_location"] = pd.Categorical(pops)
    return frame


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=small_traffic())
def test_random_small_traffic_batched_equals_one_after_another(
    frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("random")
    cfg = site_toml(
        root, ("viewer-request", "origin-request", "origin-response", "viewer-response")
    )
    cfg.write_text(cfg.read_text().replace("[triggers]", "[triggers]").replace(
        '[cache]\ndefault_ttl = 60', '[cache]\ndefault_ttl = 60\ncached_methods = ["GET", "HEAD"]'
    ))  # fmt: skip
    same(el.replay(cfg, frame, progress=False), one_after_another(loader(cfg), frame))
