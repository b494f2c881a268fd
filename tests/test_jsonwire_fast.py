"""Lambda's marshalling of a Python result: orjson's fast path gives the standard encoder's
answer, always.

:func:`edgelab.runtimes.jsonwire.marshal_checked` tries orjson first and keeps its answer
only when what orjson decoded equals what the function returned; everything else (NaN,
an Enum, a UUID, a tuple, a big int, a subclass, a lone surrogate, deep nesting) is
decided by the standard library's encoder. Each case is checked against that encoder
alone (the fast path switched off), on the same value.
"""

from __future__ import annotations

import collections
import enum
import math
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgelab.event.jsoncheck import json_problem
from edgelab.runtimes import jsonwire
from tests import strategies as s


def _standard(value: Any) -> tuple[bool, Any, str, bool]:
    """marshal_checked with the fast path off: the standard library's encoder alone."""
    fast = jsonwire._OR_DUMPS
    jsonwire._OR_DUMPS = _refuse_all
    try:
        return jsonwire.marshal_checked(value)
    finally:
        jsonwire._OR_DUMPS = fast


def _refuse_all(*args: Any, **kwargs: Any) -> Any:
    raise TypeError("off")


def _same(a: Any, b: Any) -> bool:
    """Equal, type for type (a tuple is not a list, True is not 1, NaN is NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _agrees(value: Any) -> None:
    fast = jsonwire.marshal_checked(value)
    plain = _standard(value)
    assert fast[0] == plain[0] and fast[2] == plain[2], (value, fast, plain)
    assert _same(fast[1], plain[1]), (value, fast[1], plain[1])
    if fast[3]:  # marked clean: the validator's own check must agree
        assert fast[0] and json_problem(fast[1]) is None


class Plain(enum.Enum):
    A = 1


class Text(enum.StrEnum):
    A = "a"


class Number(enum.IntEnum):
    A = 7


class Sub(str):
    pass


CASES = {
    "a request": {"uri": "/a", "headers": {"host": [{"key": "Host", "value": "x"}]}},
    "NaN": {"status": math.nan},
    "Infinity": {"v": [math.inf, -math.inf]},
    "None": {"body": None},
    "an Enum": {"status": Plain.A},
    "a str Enum": {"status": Text.A},
    "an IntEnum": {"status": Number.A},
    "a UUID": {"id": uuid.UUID(int=5)},
    "a tuple": {"v": (1, 2)},
    "a tuple at the top": (1, 2),
    "a set": {"v": {1}},
    "a big int": {"v": 2**70},
    "an int key": {1: "a"},
    "a str subclass": {"v": Sub("x")},
    "a str subclass key": {Sub("k"): "x"},
    "an OrderedDict": collections.OrderedDict(a=1),
    "a lone surrogate": {"uri": "/\ud800"},
    "bytes inside": {"body": b"x"},
    "deeper than the validator allows": s.nest(70, "x"),
    "deeper than orjson goes": s.nest(300),
    "a cycle": None,  # filled below
    "-0.0": {"v": -0.0},
    "floats": {"v": [1e16, 0.1, 5e-324, 1.0]},
    "a bool": {"v": [True, False, 1, 0]},
}
_cycle: dict[str, Any] = {}
_cycle["self"] = _cycle
CASES["a cycle"] = _cycle


@pytest.mark.parametrize("value", CASES.values(), ids=CASES.keys())
def test_the_fast_path_gives_the_standard_encoders_answer(value: Any) -> None:
    _agrees(value)


def test_the_fast_path_is_taken_for_plain_data() -> None:
    """A plain request is decided by orjson (the standard encoder is not called)."""
    called = []
    unchecked = jsonwire._dumps_unchecked
    assert unchecked is not None

    def counted(*args: Any) -> Any:
        called.append(args)
        return unchecked(*args)

    jsonwire._dumps_unchecked = counted
    try:
        ok, data, _, clean = jsonwire.marshal_checked(CASES["a request"])
    finally:
        jsonwire._dumps_unchecked = unchecked
    assert ok and clean and data == CASES["a request"] and not called


_odd_leaves = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([Plain.A, Text.A, Number.A, uuid.UUID(int=1), Sub("s"), b"b", (1,)]),
    st.text(max_size=4),
    st.booleans(),
    st.none(),
)
_odd_values = st.recursive(
    _odd_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.one_of(st.text(max_size=3), st.integers(0, 3)), inner, max_size=4),
    ),
    max_leaves=12,
)


@given(st.one_of(s.handler_returns, _odd_values))
def test_any_returned_value_is_marshalled_as_the_standard_encoder_does(value: Any) -> None:
    _agrees(value)


def _containers(value: Any) -> list[Any]:
    """Every dict and list inside ``value`` (itself included)."""
    out, stack = [], [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict | list):
            out.append(v)
            stack.extend(v.values() if isinstance(v, dict) else v)
    return out


@given(s.events())
def test_a_functions_event_is_an_equal_copy_sharing_nothing(event: Any) -> None:
    copied = jsonwire.event_copy(event)
    assert _same(copied, event)
    theirs = {id(c) for c in _containers(copied)}
    assert not theirs & {id(c) for c in _containers(event)}


@pytest.mark.parametrize(
    "event",
    [
        {"Records": [{"cf": {"request": {"body": None}}}]},
        {"v": [math.nan, math.inf]},
        {"v": 2**70},
        {"v": "a null in text"},
    ],
    ids=["None", "NaN", "a big int", "null in a string"],
)
def test_an_event_orjson_would_not_copy_exactly_is_copied_by_copy_event(event: Any) -> None:
    assert _same(jsonwire.event_copy(event), event)


def test_a_tuple_in_an_event_arrives_as_a_list_as_from_json() -> None:
    assert jsonwire.event_copy({"v": (1, "a")}) == {"v": [1, "a"]}
