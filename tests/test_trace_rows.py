"""One row schema (Trace.to_row) for traces, replay and the CLI; one diff renderer."""

from __future__ import annotations

from pathlib import Path

import pytest

import edgelab as el
from edgelab.edge.diff import changes, diff
from edgelab.frames.replay import RESULT_COLUMNS
from tests.definitions_helpers import BASE_TEMPLATE


def vreq(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["uri"] = "/a"
    request["headers"]["x-new"] = [{"key": "X-New", "value": "1"}]
    return request


def test_replay_rows_are_trace_rows() -> None:
    dist = el.Distribution({"viewer-request": vreq}, origin=el.MappingOrigin({"/a": "hi"}))
    row = dist.request("/b").to_row()
    assert {c for c, _ in RESULT_COLUMNS} - {"row"} <= set(row)
    assert row["outcome"] == "served" and row["edge_uri"] == "/a" and row["vreq_uri"] == "/b"


def test_one_diff_rendering_for_lines_and_rows() -> None:
    before = {"uri": "/b", "headers": {"a": [{"key": "A", "value": "1"}]}}
    after = {"uri": "/a", "headers": {"b": [{"key": "B", "value": "2"}]}}
    found = changes(diff(before, after))
    assert [c.line() for c in found] == ["+ b: 2", "- a: 1", "~ uri: /b -> /a"]
    assert [c.row() for c in found] == [
        {"what": "header b added", "before": "", "after": ["2"]},
        {"what": "header a removed", "before": ["1"], "after": ""},
        {"what": "uri changed", "before": "/b", "after": "/a"},
    ]


# -- a Lambda@Edge stage names its runtime, as a CloudFront Function's does -----------------
def vresp(event, context):
    return event["Records"][0]["cf"]["response"]


def test_a_python_function_without_a_named_runtime_reports_the_default_python_runtime() -> None:
    dist = el.Distribution(
        {"viewer-request": vreq, "viewer-response": vresp, "origin-request": vreq},
        origin=el.MappingOrigin({"/a": "hi"}),
    )
    trace = dist.request("/b")
    assert [(s.trigger, s.kind, s.runtime) for s in trace.stages] == [
        ("viewer-request", "lambda@edge", "python3.12"),
        ("origin-request", "lambda@edge", "python3.12"),
        ("viewer-response", "lambda@edge", "python3.12"),
    ]
    assert trace.to_dict()["stages"][0]["runtime"] == "python3.12"
    row = trace.to_row()
    assert (row["vreq_kind"], row["vreq_runtime"]) == ("lambda@edge", "python3.12")
    assert row["vresp_runtime"] == "python3.12"


def test_the_runtime_a_trigger_config_names_is_the_stages_runtime() -> None:
    conf = el.TriggerConfig(vreq, runtime="python3.11")
    dist = el.Distribution({"viewer-request": conf}, origin=el.MappingOrigin({"/a": "hi"}))
    trace = dist.request("/b")
    assert trace.stages[0].runtime == "python3.11"
    assert el.Trace.from_dict(trace.to_dict()).stages[0].runtime == "python3.11"


def test_a_stage_that_did_not_run_leaves_its_runtime_column_empty() -> None:
    dist = el.Distribution({"viewer-request": vreq}, origin=el.MappingOrigin({"/a": "hi"}))
    row = dist.request("/b").to_row()
    assert row["vreq_runtime"] == "python3.12" and row["vresp_runtime"] is None


@pytest.mark.parametrize(
    ("named", "want"),
    [("python3.11", "python3.11"), ("python", "python3.12")],
    ids=["a versioned runtime is kept", "a bare language gets its default"],
)
def test_a_definitions_runtime_reaches_the_trace_and_the_row(
    tmp_path: Path, named: str, want: str
) -> None:
    text = BASE_TEMPLATE.replace("Runtime: python3.12", f"Runtime: {named}")
    text = (
        text.replace(
            "CachePolicyId: CachingOptimized",
            "CachePolicyId: CachingOptimized\n"
            "          LambdaFunctionAssociations:\n"
            "            - {EventType: viewer-request, LambdaFunctionARN: !Ref FnVersion}",
        )
        .replace("BEHAVIORS", "[]")
        .replace("COMMENT", "c")
        .replace("EXTRA", "")
    )
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    dist = el.load_distribution(path, cache_dir=tmp_path / "cache", origins={"web": _ok})
    try:
        row = dist.request("/x").to_row()
    finally:
        dist.close()
    assert (row["vreq_kind"], row["vreq_runtime"]) == ("lambda@edge", want)


def _ok(request):
    return {"status": "200", "headers": {}, "body": "ok"}


@pytest.mark.node
def test_a_node_function_reports_the_default_node_runtime(tmp_path: Path) -> None:
    handler = tmp_path / "index.mjs"
    handler.write_text(
        "export const handler = async (event) => event.Records[0].cf.request;\n", encoding="utf-8"
    )
    dist = el.Distribution(
        {"viewer-request": f"{handler}:handler"}, origin=el.MappingOrigin({"/": "hi"})
    )
    try:
        trace = dist.request("/")
    finally:
        dist.close()
    assert (trace.stages[0].runtime, trace.to_row()["vreq_runtime"]) == ("nodejs20.x", "nodejs20.x")
