"""The per-call fast paths give what the general paths give (README "Performance",
"round three: per call"): the chain's decide without decide()'s copies, the status read
without its pattern, the chain's stage records of a function's outcome."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgelab as el
from edgelab.rules.outcome import chain_outcome, decide, decide_outcome
from edgelab.rules.validate import validate_result, walk_checks
from edgelab.rules.violation import status_code
from edgelab.runtimes.base import RawResult
from edgelab.runtimes.jsonwire import marshal_checked
from tests import strategies

TRIGGERS = [
    el.Trigger(t)
    for t in ("viewer-request", "origin-request", "origin-response", "viewer-response")
]
_STATUS_TEXT = re.compile(r"^\s*[0-9]{1,6}\s*$")


def _status_by_pattern(status: Any) -> int | None:
    """status_code as it read a status before its fast path (§4)."""
    if isinstance(status, bool):
        return None
    if isinstance(status, int):
        return status
    if isinstance(status, float):
        return int(status) if status.is_integer() else None
    if isinstance(status, str) and _STATUS_TEXT.match(status):
        try:
            return int(status)
        except ValueError:
            return None
    return None


@settings(max_examples=300)
@given(
    status=st.one_of(
        st.text(max_size=8),
        st.from_regex(r"\s*[0-9]{1,8}\s*", fullmatch=True),
        st.text(alphabet="0123456789²٣৪", max_size=7),
        st.integers(),
        st.booleans(),
        st.floats(allow_nan=False, allow_infinity=False),
    )
)
def test_a_status_reads_the_same_with_the_digits_fast_path(status: Any) -> None:
    assert status_code(status) == _status_by_pattern(status)


def _raw(result: Any, *, marshalled: bool) -> RawResult:
    """What the runtime hands on for a handler's ``result``: Lambda's JSON round trip of it
    (``marshalled``), or the value as the handler returned it (a copy)."""
    if marshalled:
        ok, value, why, checked = marshal_checked(result)
    else:
        ok, value, why, checked = True, copy.deepcopy(result), "", False
    return RawResult(
        "ok" if ok else "error",
        value,
        None if ok else "Runtime.MarshalError",
        None if ok else why,
        json_checked=checked,
    )


@settings(max_examples=200)
@given(result=strategies.handler_returns, trigger=st.sampled_from(TRIGGERS))
def test_the_chains_decide_is_decide_without_its_copies(result: Any, trigger: el.Trigger) -> None:
    """decide_outcome (run by the chain) gives what decide gives, but for the copies of
    the input and of the outbound calls only el.invoke's result keeps."""
    cf_in = el.cf_record(el.build_event(trigger.value))
    raw = _raw(result, marshalled=True)
    raw.calls = [{"kind": "http", "host": "example.com"}]
    rules = el.get_rules()
    full = decide(raw, trigger=trigger, cf_in=cf_in, rules=rules)
    lean = decide_outcome(raw, trigger=trigger, cf_in=cf_in, rules=rules)
    assert lean.to_dict() == {**full.to_dict(), "calls": []}
    assert (lean.input, full.input) == (None, cf_in)
    assert full.calls == raw.calls and full.calls is not raw.calls


@settings(max_examples=200)
@given(
    result=strategies.handler_returns,
    trigger=st.sampled_from(TRIGGERS),
    marshalled=st.booleans(),
)
def test_the_chains_tuple_is_decide_outcomes_answer(
    result: Any, trigger: el.Trigger, marshalled: bool
) -> None:
    """chain_outcome's tuple (what run_trigger reads) holds decide_outcome's outcome,
    request, response, error and violations, for a value decoded from JSON (its names are
    known to be str) and for one handed over as the handler returned it."""
    cf_in = el.cf_record(el.build_event(trigger.value))
    raw = _raw(result, marshalled=marshalled)
    rules = el.get_rules()
    res = decide_outcome(raw, trigger=trigger, cf_in=cf_in, rules=rules)
    outcome, request, response, error, violations = chain_outcome(raw, trigger, cf_in, rules)
    assert (outcome, request, response) == (res.outcome, res.request, res.response)
    assert (error, violations) == (res.error, res.violations)


class _Name(str):
    """A header name that is a str subclass: never an exactly-str name (§4)."""


def test_a_str_subclass_name_gives_what_decide_outcome_gives() -> None:
    """A value handed over in-process may name a header with a str subclass (a
    JSON-decoded one cannot): the chain's tuple and notes are decide_outcome's."""
    trigger = el.Trigger("viewer-request")
    cf_in = el.cf_record(el.build_event(trigger.value))
    request = copy.deepcopy(cf_in["request"])
    request["headers"][_Name("x-a")] = [{"key": "X-A", "value": "1"}]
    rules = el.get_rules()
    notes: list[str] = []
    raw = RawResult("ok", request, None, None, json_checked=False)
    outcome, out, _, error, _ = chain_outcome(raw, trigger, cf_in, rules, notes)
    res = decide_outcome(raw, trigger=trigger, cf_in=cf_in, rules=rules)
    assert (outcome, error) == ("request", None) and out == res.request
    assert notes == res.notes and "x-a" in out["headers"]


@pytest.mark.parametrize(
    ("handler", "error"),
    [
        ("def handler(event, context):\n    return None\n", "LambdaValidationError"),
        ("def handler(event, context):\n    raise ValueError('no')\n", "LambdaExecutionError"),
        ("def handler(event, context):\n    return event['Records'][0]['cf']['request']\n", None),
    ],
    ids=["502-invalid-return-§6", "500-unhandled-§6", "passes-§1.3"],
)
def test_a_chain_stage_records_the_outcome_decide_gives(
    handler: str, error: str | None, tmp_path: Any
) -> None:
    """The stage the chain records for a function call holds what el.invoke's result
    says of the same call: outcome, error, violations, output."""
    path = tmp_path / "h.py"
    path.write_text(handler)
    dist = el.Distribution(
        {"viewer-request": str(path)}, origin=lambda request: {"status": "200", "headers": {}}
    )
    trace = dist.request("/a")
    stage = trace.stages[0]
    alone = el.invoke(str(path), el.build_event("viewer-request", uri="/a"))
    assert stage.outcome == alone.outcome
    assert stage.error == (alone.error.to_dict() if alone.error else None)
    assert (stage.error or {}).get("type") == error
    assert [v.rule for v in stage.violations] == [v.rule for v in alone.violations]
    if error is None:
        assert stage.output is not None and stage.output["uri"] == "/a"


def test_a_status_with_a_space_int_does_not_take_is_a_502_not_a_crash() -> None:
    """§4, §6: "200\\x1f" matched the status pattern (its \\s takes \\x1c-\\x1f) but int()
    refused it, so the validator raised; it is an invalid status (502) like any other."""
    result = el.invoke(lambda e, c: {"status": "200\x1f"}, el.build_event("viewer-request"))
    assert (result.status, [v.rule for v in result.violations]) == (502, ["status-invalid"])


RULE_SETS = [
    el.get_rules(),
    el.get_rules("2023-03"),
    el.get_rules(overrides={"uri-querystring-length": 20, "status-min": 250, "status-max": 404}),
]


@settings(max_examples=500)
@given(
    request=strategies.requests_like | strategies.usual_requests,
    response=strategies.responses_like | strategies.usual_responses,
    trigger=st.sampled_from(TRIGGERS),
    rules=st.sampled_from(RULE_SETS),
    change=st.sampled_from([None, "uri", "status", "header"]),
)
def test_a_result_equal_to_its_input_gets_what_the_walk_of_every_check_gives(
    request: dict[str, Any],
    response: dict[str, Any],
    trigger: el.Trigger,
    rules: Any,
    change: str | None,
) -> None:
    """validate_result's shortcut for a result equal (==) to the request or response the
    function was given finds what walking every check finds, whatever the input's shape
    (odd uris, statuses, header maps, bodies) and the rule set's limits (§2, §4, §6)."""
    cf_in = {"request": request, "response": response}
    result = copy.deepcopy(request if trigger.is_request else response)
    if change == "uri":
        result["uri"] = "/changed"
    elif change == "status":
        result["status"] = "203"
    elif change == "header":
        result["headers"] = {**(result.get("headers") or {}), "x-new": [{"value": "1"}]}
    kind, found = validate_result(result, trigger=trigger, cf_in=cf_in, rules=rules)
    if kind is not None:
        assert found == walk_checks(kind, result, trigger=trigger, cf_in=cf_in, rules=rules)


@pytest.mark.parametrize("trigger", TRIGGERS, ids=lambda t: f"{t.value}-§6")
def test_the_shortcut_is_taken_for_the_usual_unchanged_input(trigger: el.Trigger) -> None:
    """The usual event's request or response, returned unchanged, passes without the walk
    (the shortcut's own conditions hold), and passes the walk too."""
    from edgelab.rules import validate

    cf_in = el.cf_record(el.build_event(trigger.value))
    result = copy.deepcopy(cf_in["request" if trigger.is_request else "response"])
    rules = el.get_rules()
    if trigger.is_request:
        assert validate.passes_unchanged_request(result, trigger, rules)
    else:
        assert validate.passes_unchanged_response(result, rules, trigger)
    kind = "request" if trigger.is_request else "response"
    assert walk_checks(kind, result, trigger=trigger, cf_in=cf_in, rules=rules) == []
    assert validate_result(result, trigger=trigger, cf_in=cf_in, rules=rules) == (kind, [])


VREQ, OREQ, ORESP, VRESP = TRIGGERS
_GOOD_HEADERS = {"x-a": [{"key": "X-A", "value": "1"}]}


@pytest.mark.parametrize(
    ("trigger", "part", "rule"),
    [
        (VRESP, {"status": "0200", "headers": {}}, "status-read-only"),  # §1.7: as read
        (ORESP, {"status": "0200", "headers": {}}, None),
        (ORESP, {"status": "600", "headers": {}}, "status-range"),
        (
            ORESP,
            {"status": "200", "headers": {"x-a": ({"key": "X-A", "value": "1"},)}},
            "header-shape",
        ),
        (ORESP, {"status": "200", "body": "%%%", "bodyEncoding": "base64"}, "body-base64-invalid"),
        (ORESP, {"status": "200", "statusDescription": 5}, "response-invalid"),
        (VREQ, {"uri": "a", "querystring": "", "headers": _GOOD_HEADERS}, "uri-invalid"),
        (
            VREQ,
            {"uri": "/a", "querystring": "", "headers": {"x-a": ({"value": "1"},)}},
            "header-shape",
        ),
        (
            OREQ,
            {"uri": "/" + "a" * 9000, "querystring": "", "headers": {}},
            "uri-querystring-length",
        ),
        (VREQ, {"uri": "/a", "querystring": 5, "headers": {}}, "querystring-invalid"),
    ],
    ids=[
        "§1.7",
        "§4",
        "§4-range",
        "§1.5",
        "§4-base64",
        "§4-desc",
        "§1.3",
        "§1.5-req",
        "§5.3",
        "§1.3-qs",
    ],
)
def test_an_unchanged_input_of_an_odd_shape_gets_the_walks_violations(
    trigger: el.Trigger, part: dict[str, Any], rule: str | None
) -> None:
    """The shortcut's conditions, one by one: an input the walk finds something in,
    returned unchanged, is still found (§6: a 502), as when it was changed."""
    cf_in = {"request" if trigger.is_request else "response": part}
    if not trigger.is_request:
        cf_in["request"] = {"uri": "/", "querystring": "", "headers": {}}
    result = copy.deepcopy(part)
    kind, found = validate_result(result, trigger=trigger, cf_in=cf_in, rules=el.get_rules())
    assert found == walk_checks(
        kind or "", result, trigger=trigger, cf_in=cf_in, rules=el.get_rules()
    )
    assert [v.rule for v in found][:1] == ([rule] if rule else [])
