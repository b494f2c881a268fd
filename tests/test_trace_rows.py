"""One row schema (Trace.to_row) for traces, replay and the CLI; one diff renderer."""

from __future__ import annotations

import edgelab as el
from edgelab.edge.diff import changes, diff
from edgelab.frames.replay import RESULT_COLUMNS


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
