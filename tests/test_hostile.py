"""Hostile handlers: whatever a handler does to its process costs at most its own request.

Each behaviour (the fixtures in ``tests/hostile``) runs under each runtime and mode it
applies to (Python in-process, Python isolated, Node) and each command: ``el.invoke_many``,
``edgelab invoke`` (a real subprocess), ``el.replay`` with 1 and 2 workers, and ``edgelab
serve``'s ASGI app behind a real loopback uvicorn. Every case asserts the defined outcome
of the misbehaving requests (README "Hostile handlers") and that every other request got
exactly one result: its own answer (the fixtures rewrite ``/x`` to ``/answered/x``; a
forged answer says ``/forged``, a forked child's ``/forked-child``).
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from hypothesis import given, settings

import edgelab as el
from edgelab.edge.config import load_distribution as distribution_from_toml
from edgelab.edge.server import EdgeApp
from edgelab.runtimes.base import LogBuffer, truncation_note
from tests.conftest import ROOT
from tests.strategies import hostile_batches
from tests.test_serve import _serve

HOSTILE = ROOT / "tests" / "hostile"
ROWS = ["/r/0", "/evil/1", "/r/2", "/r/3", "/evil/4", "/r/5"]
ONE_EVIL = ["/r/0", "/evil/1", "/r/2"]

Outcome = tuple[int, str, str] | None  # (status, error type, text in the message); None: own answer
GOES_ON: Outcome = None
TRUNCATED = "of logs truncated; kept the first 1 MB]"


@dataclass(frozen=True)
class Case:
    behaviour: str
    file: str
    mode: str  # "in-process", "isolated" or "node"
    evil: Outcome  # what a misbehaving request gets
    commands: tuple[str, ...] = ("api", "cli", "replay-1", "replay-2", "serve")
    also: tuple[Outcome, ...] = ()  # other outcomes allowed for a misbehaving request
    timeout: float | None = None  # seconds (a rules override), to keep timeouts short
    rows: tuple[str, ...] = tuple(ROWS)
    logs: str = ""  # text the misbehaving request's logs must hold (api, cli, replay)
    marks: tuple[Any, ...] = field(default=())

    @property
    def id(self) -> str:
        return f"{self.behaviour}-{self.mode}"


def exec_error(text: str) -> Outcome:
    return (500, "LambdaExecutionError", text)


ALL = ("api", "cli", "replay-1", "replay-2", "serve")
CASES = [
    Case("os._exit", "exit.py", "isolated", exec_error("exited with status 7")),
    Case("process.exit", "exit.js", "node", exec_error("exited with status 7")),
    # In-process, the process dies with the handler: a replay supervises the processes that
    # run in-process handlers, so it loses only that row and re-runs the rest of the
    # partition in a new process.
    Case(
        "os._exit",
        "exit.py",
        "in-process",
        (0, "ReplayWorkerDied", "died (exit code 7)"),
        commands=("replay-1", "replay-2"),
    ),
    Case("fork", "fork.py", "isolated", GOES_ON),
    Case(
        "fork",
        "fork.py",
        "in-process",
        GOES_ON,
        commands=("api", "cli", "replay-1", "replay-2", "serve"),
    ),
    Case("forge answers on every fd", "forge.py", "isolated", GOES_ON, logs="discarded"),
    # Node's own descriptors (its event loop's) are among those written to: the process
    # may die of it, which costs only that request.
    Case(
        "forge answers on every fd",
        "forge.js",
        "node",
        GOES_ON,
        also=(exec_error("Runtime exited"),),
    ),
    # Without its channel (or, for Node, its event loop's descriptors) the worker dies.
    Case(
        "closes every fd",
        "close_fds.py",
        "isolated",
        exec_error("Runtime exited"),
        also=(exec_error("closed edgelab's private answer channel"),),
    ),
    Case(
        "closes every fd",
        "close_fds.js",
        "node",
        exec_error("Runtime exited"),
        also=(exec_error("closed edgelab's private answer channel"),),
    ),
    Case("patch json", "json_patch.py", "isolated", GOES_ON),
    Case("patch json", "json_patch.py", "in-process", GOES_ON, commands=("cli", "replay-2")),
    Case("patch JSON and Buffer", "json_patch.js", "node", GOES_ON),
    Case(
        "C code holding the GIL",
        "gil.py",
        "isolated",
        (503, "LambdaLimitExceeded", "ran past its"),
        timeout=1,
        rows=tuple(ONE_EVIL),
    ),
    Case(
        "endless loop",
        "busy.js",
        "node",
        (503, "LambdaLimitExceeded", "ran past its"),
        timeout=1,
        rows=tuple(ONE_EVIL),
    ),
    Case("20 MB of logs", "big_logs.py", "isolated", GOES_ON, logs=TRUNCATED),
    Case("20 MB of logs", "big_logs.py", "in-process", GOES_ON, logs=TRUNCATED),
    Case("20 MB of logs", "big_logs.js", "node", GOES_ON, logs=TRUNCATED),
    Case("reads stdin", "stdin.py", "isolated", GOES_ON),
    Case("reads stdin", "stdin.js", "node", GOES_ON),
    Case("leaves threads running", "threads.py", "isolated", GOES_ON),
    Case("leaves threads running", "threads.py", "in-process", GOES_ON, commands=("cli",)),
]


def params(command: str) -> list[Any]:
    out = []
    for case in CASES:
        if command not in case.commands:
            continue
        marks = [*case.marks]
        if case.mode == "node":
            marks.append(pytest.mark.node)
        if command != "api":
            marks.append(pytest.mark.slow)
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


def rules(case: Case) -> el.RuleSet:
    return el.get_rules(overrides={"timeout": case.timeout} if case.timeout else None)


def check(case: Case, uri: str, got: Outcome | str, where: str) -> None:
    """``got``: the outcome of one request, or the uri its answer carried on."""
    if not uri.startswith("/evil"):
        assert got == f"/answered{uri}", f"{where}: {uri} got {got!r}, not its own answer"
        return
    allowed = (case.evil, *case.also)
    for want in allowed:
        if want is None and got == f"/answered{uri}":
            return
        if (
            want is not None
            and isinstance(got, tuple)
            and got[:2] == want[:2]
            and want[2] in got[2]
        ):
            return
    raise AssertionError(f"{where}: {uri} got {got!r}; allowed: {allowed!r}")


def handler_spec(case: Case) -> str:
    return str(HOSTILE / case.file)


# -- el.invoke_many ---------------------------------------------------------------------
@pytest.mark.parametrize("case", params("api"))
def test_api_every_request_gets_its_own_result(case: Case) -> None:
    handler = el.load_handler(handler_spec(case), isolated=case.mode == "isolated")
    events = [el.build_event("viewer-request", uri=u) for u in case.rows]
    try:
        results = el.invoke_many(handler, events, rules=rules(case))
        after = el.invoke(
            handler, el.build_event("viewer-request", uri="/r/after"), rules=rules(case)
        )
    finally:
        handler.close()
    assert len(results) == len(case.rows)
    for uri, res in zip(case.rows, results, strict=True):
        got = (
            (res.request or {}).get("uri")
            if res.outcome == "request"
            else (res.status, res.error.type, f"{res.error.message} {res.logs}")
            if res.error
            else None
        )
        check(case, uri, got, "el.invoke_many")
        if uri.startswith("/evil") and case.logs:
            assert case.logs in res.logs
    check(case, "/r/after", after.request and after.request["uri"], "the call after")


# -- edgelab invoke -----------------------------------------------------------------------
@pytest.mark.parametrize("case", params("cli"))
def test_cli_invoke_prints_one_json_object_and_exits_0(case: Case, tmp_path: Path) -> None:
    event = tmp_path / "evil.json"
    el.save_event(el.build_event("viewer-request", uri="/evil/1"), event)
    argv = [
        sys.executable,
        "-m",
        "edgelab",
        "invoke",
        handler_spec(case),
        "--event",
        str(event),
        *(["--in-process"] if case.mode == "in-process" else []),
    ]
    if case.timeout:
        argv += ["--set", f"timeout={case.timeout}"]
    out = subprocess.run(
        argv, capture_output=True, text=True, timeout=120, cwd=tmp_path, stdin=subprocess.DEVNULL
    )
    assert out.returncode == 0, out.stderr[-2000:]
    data = json.loads(out.stdout)  # exactly one JSON object, nothing else
    got = (
        data["request"]["uri"]
        if data["outcome"] == "request"
        else (data["status"], data["error"]["type"], data["error"]["message"])
    )
    check(case, "/evil/1", got, "edgelab invoke")
    if case.logs:
        assert case.logs in data["logs"]


# -- el.replay ----------------------------------------------------------------------------
def site(root: Path, rows: tuple[str, ...]) -> None:
    for uri in rows:
        path = root / "site" / "answered" / uri.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"row {uri}")


def config(root: Path, case: Case) -> Path:
    site(root, (*case.rows, "/r/after"))
    cfg = root / "distribution.toml"
    isolated = "" if case.mode != "in-process" else "[distribution]\nisolated = false\n"
    cfg.write_text(
        f'{isolated}[triggers]\nviewer-request = "{handler_spec(case)}"\n'
        '[origin]\ntype = "folder"\npath = "site"\nmissing = 404\n'
    )
    return cfg


def build(cfg: Path, timeout: float | None) -> el.Distribution:
    """A picklable distribution factory (replay workers build their own)."""
    overrides = {"timeout": timeout} if timeout else None
    return distribution_from_toml(
        cfg, default_isolated=True, rules=el.get_rules(overrides=overrides)
    )


def traffic(rows: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": pd.date_range("2025-01-01", periods=len(rows), freq="s", tz="UTC"),
            "method": "GET",
            "uri": list(rows),
        }
    )


REPLAYED = {id(p.values[0]): p for p in (*params("replay-1"), *params("replay-2"))}


@pytest.mark.parametrize("workers", [1, 2], ids=["1 worker", "2 workers"])
@pytest.mark.parametrize("case", list(REPLAYED.values()))
def test_replay_every_row_gets_its_own_result(case: Case, workers: int, tmp_path: Path) -> None:
    if f"replay-{workers}" not in case.commands:
        pytest.skip(f"{case.id} is defined for {', '.join(case.commands)}")
    cfg = config(tmp_path, case)
    dist = functools.partial(build, cfg, case.timeout) if case.timeout else cfg
    results = el.replay(dist, traffic(case.rows), workers=workers, progress=False)
    assert_rows(case, results, f"replay, {workers} worker(s)")


def assert_rows(case: Case, results: pd.DataFrame, where: str) -> None:
    assert len(results) == len(case.rows)
    assert results["row"].tolist() == list(range(len(case.rows)))
    for uri, row in zip(case.rows, results.itertuples(), strict=True):
        assert row.uri == uri
        if row.outcome in ("served", "generated"):
            got: Outcome | str = row.edge_uri
            assert row.status == 200, f"{where}: {uri} status {row.status}"
        else:
            got = (
                0 if pd.isna(row.status) else int(row.status),
                row.error_type,
                f"{row.error_message} {row.logs}",
            )
        check(case, uri, got, where)
        if uri.startswith("/evil") and case.logs and row.outcome == "served":
            assert case.logs in row.logs


@pytest.mark.slow
@pytest.mark.parametrize(
    ("file", "mode"),
    [
        pytest.param("json_patch.py", "isolated", id="patch json"),
        pytest.param("exit.py", "in-process", id="os._exit in-process, 1 worker"),
    ],
)
def test_cli_replay_writes_every_row_and_clean_metadata(
    file: str, mode: str, tmp_path: Path
) -> None:
    case = next(c for c in CASES if c.file == file and c.mode == mode)
    cfg = config(tmp_path, case)
    el.save_traffic(traffic(case.rows), tmp_path / "traffic.csv")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "edgelab",
            "replay",
            "traffic.csv",
            "--config",
            str(cfg),
            "--out",
            "results.parquet",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    import pyarrow.parquet as pq

    meta = pq.read_schema(tmp_path / "results.parquet").metadata
    assert json.loads(meta[b"pandas"])["columns"]  # pandas' metadata is real JSON
    assert_rows(case, pd.read_parquet(tmp_path / "results.parquet"), "edgelab replay")


# -- edgelab serve ------------------------------------------------------------------------
@pytest.mark.parametrize("case", params("serve"))
def test_serve_answers_every_request_and_keeps_serving(case: Case, tmp_path: Path) -> None:
    cfg = config(tmp_path, case)
    dist = (
        build(cfg, case.timeout)
        if case.timeout
        else distribution_from_toml(cfg, default_isolated=True)
    )
    app = EdgeApp(dist, trace_file=tmp_path / "traces.jsonl")
    try:
        with _serve(app) as url, httpx.Client(base_url=url, timeout=60) as client:
            for uri in case.rows:
                resp = client.get(uri)
                got: Outcome | str = (
                    f"/answered{uri}"
                    if resp.status_code == 200 and resp.text == f"row {uri}"
                    else (resp.status_code, _error_type(resp.status_code), resp.text)
                )
                check(case, uri, got, "edgelab serve")
            traces = client.get("/_edgelab/traces").json()
    finally:
        dist.close()
    assert [t["uri"] for t in traces] == list(case.rows)
    lines = (tmp_path / "traces.jsonl").read_text().splitlines()
    assert [json.loads(line)["viewer"]["uri"] for line in lines] == list(case.rows)


def _error_type(status: int) -> str | None:
    return {
        500: "LambdaExecutionError",
        502: "LambdaValidationError",
        503: "LambdaLimitExceeded",
    }.get(status)


# -- after the call returned: the container is lost, the next call says so ------------------
LATE = [
    pytest.param("late_exit.py", "exited with status 9 between calls", id="thread os._exit"),
    pytest.param(
        "late_exit.js",
        "exited with status 9 between calls",
        id="node process.exit",
        marks=pytest.mark.node,
    ),
    pytest.param(
        "late_reject.js", "late rejection", id="node unhandled rejection", marks=pytest.mark.node
    ),
    pytest.param(
        "late_throw.js", "late throw", id="node uncaught exception", marks=pytest.mark.node
    ),
]


@pytest.mark.parametrize(("file", "said"), LATE)
def test_a_failure_after_the_call_returned_costs_the_container(file: str, said: str) -> None:
    handler = el.load_handler(str(HOSTILE / file), isolated=True)
    try:
        first = el.invoke(handler, el.build_event("viewer-request", uri="/evil/1"))
        time.sleep(0.5)  # the failure happens between calls
        second = el.invoke(handler, el.build_event("viewer-request", uri="/r/2"))
        third = el.invoke(handler, el.build_event("viewer-request", uri="/r/3"))
    finally:
        handler.close()
    assert first.request["uri"] == "/answered/evil/1"  # the call itself had returned
    assert second.request["uri"] == "/answered/r/2" and second.cold_start
    assert said in second.logs and "between calls" in second.logs
    assert third.request["uri"] == "/answered/r/3" and not third.cold_start
    assert said not in third.logs


# -- threads left behind and the memory quota (facts §5.1) -----------------------------------
def test_threads_left_behind_do_not_count_against_the_memory_quota() -> None:
    handler = el.load_handler(str(HOSTILE / "threads.py"), isolated=True)
    hog = el.load_handler(str(ROOT / "tests" / "hostile" / "hog.py"), isolated=True)
    try:
        results = [
            el.invoke(handler, el.build_event("viewer-request", uri=f"/r/{i}")) for i in range(30)
        ]  # 30 threads of 8 MB stack each: 240 MB reserved
        over = el.invoke(hog, el.build_event("viewer-request"))
    finally:
        handler.close()
        hog.close()
    assert [r.outcome for r in results] == ["request"] * 30
    assert (over.status, over.error.type) == (500, "LambdaExecutionError")
    assert "128 MB memory limit" in over.error.message


# -- time limits at load ----------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    ("file", "isolated"),
    [
        pytest.param("import_hang.py", False, id="python in-process"),
        pytest.param("import_hang.py", True, id="python isolated"),
        pytest.param("import_loop.js", True, id="node", marks=pytest.mark.node),
    ],
)
def test_a_handler_that_never_finishes_loading_is_refused_after_the_init_phase(
    file: str, isolated: bool
) -> None:
    with pytest.raises(el.HandlerLoadError, match=r"within Lambda's 10 s init phase"):
        el.load_handler(str(HOSTILE / file), isolated=isolated)


@pytest.mark.slow
@pytest.mark.parametrize(
    "file", ["import_hang.py", pytest.param("import_loop.js", marks=pytest.mark.node)]
)
def test_cli_invoke_of_a_handler_that_never_loads_exits_2_with_one_paragraph(
    file: str, tmp_path: Path
) -> None:
    event = tmp_path / "e.json"
    el.save_event(el.build_event("viewer-request"), event)
    out = subprocess.run(
        [sys.executable, "-m", "edgelab", "invoke", str(HOSTILE / file), "--event", str(event)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2 and out.stdout == ""
    assert "10 s init phase" in out.stderr and "Traceback" not in out.stderr


# -- logs: capped per call, with a note ----------------------------------------------------
def test_log_buffer_keeps_the_first_part_and_says_how_much_was_dropped() -> None:
    buf = LogBuffer(limit=10)
    buf.append("12345")
    buf.append("67890abc")
    buf.append("tail", force=True)
    assert buf.text() == "1234567890tail\n" + truncation_note(3, 10)
    assert (
        truncation_note(int(19.2 * 2**20), 2**20)
        == "[edgelab: 19.2 MB of logs truncated; kept the first 1 MB]\n"
    )


# -- in-process and isolated agree on every return value ------------------------------------
MARSHAL = (500, "LambdaExecutionError", "Runtime.MarshalError: Unable to marshal response")
RETURNS = [
    pytest.param("set", MARSHAL, id="a set inside the result"),
    pytest.param("deep-extra-key", MARSHAL, id="an extra key nested 5,000 deep"),
    pytest.param("raising-eq", MARSHAL, id="an object whose __eq__ raises"),
    pytest.param("raising-eq-dict", None, id="a dict subclass whose __eq__ raises"),
    pytest.param("bytes-json", None, id="bytes holding the request as JSON"),
    pytest.param("bytes-garbage", (502, "LambdaValidationError", ""), id="bytes, not JSON"),
    pytest.param("decimal-status", (200, None, ""), id="a Decimal status"),
    pytest.param("tuple-headers", None, id="a tuple of header elements"),
    pytest.param("nan", "either", id="a NaN extra value"),
    pytest.param(
        "unprintable-error",
        (500, "LambdaExecutionError", "Unprintable"),
        id="an exception whose __str__ raises",
    ),
]


def _summary(res: el.InvocationResult) -> tuple[Any, ...]:
    return (
        res.outcome,
        res.status,
        res.error.type if res.error else None,
        res.error.message if res.error else None,
        res.request,
        res.response,
    )


@pytest.mark.parametrize(("kind", "expected"), RETURNS)
def test_in_process_and_isolated_agree_on_the_same_return_value(kind: str, expected: Any) -> None:
    spec = str(HOSTILE / "returns.py")
    event = el.build_event("viewer-request", uri=f"/{kind}")
    fast = el.invoke(spec, event)
    safe = el.invoke(spec, event, isolated=True)
    assert _summary(fast) == _summary(safe)
    if expected is None:
        assert fast.outcome == "request"
    elif expected != "either":
        status, kind_, text = expected
        assert fast.status == status
        assert (fast.error.type if fast.error else None) == kind_
        assert text in (fast.error.message if fast.error else "")


@pytest.mark.node
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        pytest.param("bigint", MARSHAL, id="a BigInt"),
        pytest.param("cycle", MARSHAL, id="a cycle"),
        pytest.param("deep-extra-key", MARSHAL, id="an extra key nested 200,000 deep"),
        pytest.param("undefined", (502, "LambdaValidationError", "None (null)"), id="undefined"),
        pytest.param("to-json", None, id="a toJSON method (used, as JSON.stringify does)"),
    ],
)
def test_node_results_are_marshalled_like_lambdas(kind: str, expected: Outcome) -> None:
    res = el.invoke(str(HOSTILE / "returns.js"), el.build_event("viewer-request", uri=f"/{kind}"))
    if expected is None:
        assert res.outcome == "request" and res.request["extra"] == "fine"
    else:
        assert (res.status, res.error.type) == expected[:2]
        assert expected[2] in res.error.message


@pytest.mark.slow
def test_serve_keeps_answering_while_a_handler_blocks_in_c_code(tmp_path: Path) -> None:
    import threading

    case = next(c for c in CASES if c.file == "gil.py")
    cfg = config(tmp_path, case)
    dist = build(cfg, 5)  # a 5 s viewer timeout, as in rule set 2023-03
    app = EdgeApp(dist)
    statuses: list[int] = []
    try:
        with _serve(app) as url, httpx.Client(base_url=url, timeout=60) as client:
            client.get("/r/0")
            stuck = threading.Thread(
                target=lambda: statuses.append(client.get("/evil/1").status_code)
            )
            stuck.start()
            time.sleep(0.3)  # the handler is now blocked in C code, holding its GIL
            traces = client.get("/_edgelab/traces").json()
            answered_first = stuck.is_alive()
            stuck.join(30)
    finally:
        dist.close()
    assert answered_first, "the traces endpoint waited for the blocked handler"
    assert [t["uri"] for t in traces] == ["/r/0"]
    assert statuses == [503]


# -- any mix of misbehaviour in one batch: one result per call, each its own ------------------
EXPECTED = {
    "raise": (500, "LambdaExecutionError", "ValueError: asked to fail"),
    "exit": exec_error("exited with status 5"),
    "sleep": (503, "LambdaLimitExceeded", "ran past its"),
    "marshal": MARSHAL,
}


@pytest.mark.slow
@settings(max_examples=15)
@given(actions=hostile_batches)
def test_any_mix_of_hostile_calls_gives_each_call_its_own_result(actions: list[str]) -> None:
    handler = el.load_handler(str(HOSTILE / "mixed.py"), isolated=True)
    uris = [f"/{a}/{i}" for i, a in enumerate(actions)]
    try:
        results = el.invoke_many(
            handler,
            [el.build_event("viewer-request", uri=u) for u in uris],
            rules=el.get_rules(overrides={"timeout": 0.5}),
        )
    finally:
        handler.close()
    assert len(results) == len(actions)
    for action, uri, res in zip(actions, uris, results, strict=True):
        if action in EXPECTED:
            status, kind, text = EXPECTED[action]
            assert (res.status, res.error.type) == (status, kind) and text in res.error.message
        else:
            assert res.outcome == "request" and res.request["uri"] == f"/answered{uri}"
