"""Triggers carry their data (facts §1.1, §1.3, §1.4, §8.1), and one parser reads names."""

from __future__ import annotations

import ast

import pytest

import edgelab as el
from edgelab.errors import TriggerNameError
from edgelab.triggers import TRIGGER_NAMES
from tests.conftest import ROOT

T = el.Trigger


@pytest.mark.parametrize(
    ("trigger", "short", "prefix", "is_request", "origin"),
    [
        pytest.param(T.VIEWER_REQUEST, "VReq", "vreq", True, False, id="§8.1 viewer-request"),
        pytest.param(T.ORIGIN_REQUEST, "OReq", "oreq", True, True, id="§8.1 origin-request"),
        pytest.param(T.ORIGIN_RESPONSE, "OResp", "oresp", False, True, id="§8.1 origin-response"),
        pytest.param(T.VIEWER_RESPONSE, "VResp", "vresp", False, False, id="§8.1 viewer-response"),
    ],
)
def test_each_trigger_knows_its_names_and_what_its_event_carries(
    trigger: el.Trigger, short: str, prefix: str, is_request: bool, origin: bool
) -> None:
    assert (trigger.short, trigger.prefix) == (short, prefix)
    assert trigger.is_request is is_request and trigger.is_response is not is_request
    assert trigger.sees_origin is origin and trigger.is_viewer is not origin
    assert trigger.sees_body is is_request  # §1.4: Include Body is for request triggers
    event = el.build_event(trigger)["Records"][0]["cf"]
    assert ("origin" in event["request"]) is origin  # §1.3
    assert ("response" in event) is not is_request  # §1.1


def test_triggers_are_in_the_order_one_request_meets_them() -> None:
    assert TRIGGER_NAMES == (
        "viewer-request",
        "origin-request",
        "origin-response",
        "viewer-response",
    )
    assert tuple(el.Trigger) == el.TRIGGERS


@pytest.mark.parametrize("name", ["viewer-request", " Viewer-Request ", T.VIEWER_REQUEST])
def test_parse_accepts_any_case_and_members(name: str) -> None:
    assert T.parse(name) is T.VIEWER_REQUEST


def test_parse_has_one_error_naming_the_allowed_values_and_the_key() -> None:
    with pytest.raises(TriggerNameError) as info:
        T.parse("viewer", what="a key of [triggers]", key="triggers.viewer")
    assert str(info.value) == (
        "a key of [triggers] must be one of viewer-request, "
        "origin-request, origin-response, viewer-response; got 'viewer'"
    )
    assert info.value.key == "triggers.viewer" and info.value.value == "viewer"
    assert isinstance(info.value, el.ConfigError)


def test_no_module_but_triggers_tables_the_short_names() -> None:
    names = {n for t in T for n in (t.short, t.prefix)}
    found = []
    for path in (ROOT / "edgelab").rglob("*.py"):
        if path.name == "triggers.py" or "demo" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert found == []
