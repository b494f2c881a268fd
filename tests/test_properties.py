"""Property tests where inputs are open-ended (STYLE item 15); strategies in strategies.py."""

from __future__ import annotations

import copy
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import edgelab as el
from tests import strategies as s

RULES = el.get_rules()


@given(s.header_pairs)
def test_header_pairs_round_trip_through_header_map(pairs: list[tuple[str, str]]) -> None:
    items = el.Headers(el.header_map(pairs)).multi_items()
    assert sorted(items) == sorted(pairs)
    for name in {n.lower() for n, _ in pairs}:  # each name keeps its lines' order
        assert [p for p in items if p[0].lower() == name] == [
            p for p in pairs if p[0].lower() == name
        ]


@given(
    s.header_pairs,
    st.lists(
        st.tuples(st.sampled_from(["set", "append", "remove"]), s.header_names, s.header_values),
        max_size=12,
    ),
)
def test_mutable_headers_follow_a_simple_model(
    pairs: list[tuple[str, str]], ops: list[tuple[str, str, str]]
) -> None:
    raw = el.header_map(pairs)
    model: dict[str, list[str]] = {k: [e["value"] for e in v] for k, v in raw.items()}
    h = el.MutableHeaders(raw)
    for op, name, value in ops:
        lower = name.lower()
        if op == "set":
            h[name] = value
            model[lower] = [value]
        elif op == "append":
            h.append(name, value)
            model.setdefault(lower, []).append(value)
        else:
            h.remove(name)
            model.pop(lower, None)
        if op != "remove":
            expected_key = el.canonical_key(lower) if name == lower else name
            assert h.raw[lower][-1]["key"] == expected_key
    assert [(n, h.get_list(n)) for n in h] == [(k, v) for k, v in model.items() if v]
    assert len(h) == len([v for v in model.values() if v])


@given(s.events(), st.lists(s.mutations, max_size=6))
@settings(max_examples=60)
def test_mutate_then_validate_never_raises(
    event: dict[str, Any], steps: list[tuple[Any, tuple, dict]]
) -> None:
    snapshot = copy.deepcopy(event)
    current = event
    for fn, args, kwargs in steps:
        try:
            current = fn(current, *args, **kwargs)
        except el.EventError:
            continue  # a helper refusing unusable input (a relative uri, no response ...)
    assert event == snapshot
    trigger = el.Trigger(el.cf_record(event)["config"]["eventType"])
    cf = el.cf_record(current)
    part = cf["request"] if trigger.is_request else cf["response"]
    kind, violations = el.validate_result(
        part, trigger=trigger, cf_in=el.cf_record(event), rules=RULES
    )
    assert isinstance(violations, list)
    assert all(isinstance(v, el.Violation) for v in violations)
    assert kind in ("request", "response", None)


def _consistent(result: el.InvocationResult) -> None:
    assert result.outcome in ("request", "response", "error")
    if result.outcome == "error":
        assert result.status in (500, 502, 503) and result.error is not None
        assert result.response is None
    elif result.outcome == "response":
        assert isinstance(result.status, int) and 200 <= result.status <= 599
        assert result.response["status"] == str(result.status)
        assert result.violations == [] and result.error is None
    else:
        assert result.status is None and result.violations == [] and result.error is None
        assert isinstance(result.request["headers"], dict)


@given(st.sampled_from(s.TRIGGERS), s.handler_returns)
@settings(max_examples=150)
def test_any_returned_value_gets_a_defined_outcome(trigger: str, value: Any) -> None:
    result = el.invoke(lambda e, c: value, el.build_event(trigger))
    _consistent(result)
    if not isinstance(value, dict):
        assert (result.outcome, result.status) == ("error", 502)


@given(st.sampled_from(s.TRIGGERS), st.data())
@settings(max_examples=80)
def test_edits_of_the_real_request_or_response_get_a_defined_outcome(
    trigger: str, data: st.DataObject
) -> None:
    """Dicts shaped like the event's own part, with random fields replaced or added."""
    event = el.build_event(trigger)
    part = copy.deepcopy(
        el.cf_record(event)["request" if trigger.endswith("request") else "response"]
    )
    fields = s.requests_like if trigger.endswith("request") else s.responses_like
    part.update(data.draw(fields))
    _consistent(el.invoke(lambda e, c: part, event))


@given(st.sampled_from([math.inf, -math.inf, math.nan, 1e300, 10**40, "1e3", "٣٠٠"]))
def test_odd_numeric_statuses_get_a_defined_outcome(status: Any) -> None:
    for trigger in ("viewer-request", "origin-response"):
        _consistent(el.invoke(lambda e, c: {"status": status}, el.build_event(trigger)))
