"""Property tests where inputs are open-ended (STYLE item 15); strategies in strategies.py."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
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


# -- hostile input: only EdgelabError (or a result) ever comes out ---------------------------
def _returns_or_refuses(call: Any) -> Any:
    """Call; an EdgelabError is an accepted answer, anything else escaping is the bug."""
    try:
        return call()
    except el.EdgelabError as exc:
        assert str(exc).strip()
        assert "\n\n" not in str(exc)  # one paragraph
        return None


def _passthrough(event: dict, context: Any) -> Any:
    cf = event["Records"][0]["cf"]
    return cf["response"] if "response" in cf else cf["request"]


FUZZ = settings(max_examples=60)
FUZZ_SLOW = settings(max_examples=2_000)


def _fuzz_invoke(event: Any, trigger: Any = None) -> None:
    result = _returns_or_refuses(lambda: el.invoke(_passthrough, event, trigger=trigger))
    if result is not None:
        _consistent(result)
        json.dumps(result.to_dict())  # what `edgelab invoke` prints


def _fuzz_load(event: Any) -> None:
    loaded = _returns_or_refuses(lambda: el.load_event(event))
    if loaded is not None:
        assert isinstance(loaded, el.LoadedEvent)
        json.dumps(loaded.event)


def _fuzz_build(trigger: Any, kwargs: dict[str, Any]) -> None:
    event = _returns_or_refuses(lambda: el.build_event(trigger, **kwargs))
    if event is not None:
        json.dumps(event)
        assert el.load_event(event).trigger == el.Trigger.parse(trigger)


@given(s.mutated_events())
@FUZZ
def test_invoke_and_load_event_raise_only_edgelab_errors(event: Any) -> None:
    _fuzz_load(event)
    _fuzz_invoke(event)


@given(s.trigger_args, s.build_event_kwargs)
@FUZZ
def test_build_event_raises_only_edgelab_errors(trigger: Any, kwargs: dict[str, Any]) -> None:
    _fuzz_build(trigger, kwargs)


@given(st.sampled_from(s.TRIGGERS), s.hostile_values | s.mutated_events())
@FUZZ
def test_any_hostile_returned_value_gets_a_defined_outcome(trigger: str, value: Any) -> None:
    result = el.invoke(lambda e, c: value, el.build_event(trigger))
    _consistent(result)
    json.dumps(result.to_dict())


@pytest.mark.slow
@given(s.mutated_events(), s.trigger_args, s.build_event_kwargs)
@FUZZ_SLOW
def test_fuzz_many_events_zero_escapes(event: Any, trigger: Any, kwargs: dict[str, Any]) -> None:
    _fuzz_load(event)
    _fuzz_invoke(event)
    _fuzz_invoke(event, trigger)
    _fuzz_build(trigger, kwargs)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(s.nest(100_000), "more than 64 levels deep", id="100,000-deep dict"),
        pytest.param(5, "an event is a dict", id="neither a dict nor a path"),
        pytest.param("x" * 5_000, "longer than the file system allows", id="long string as path"),
        pytest.param(
            {"Records": [{"cf": {"request": {"uri": "/\ud800"}}}]},
            "lone surrogate",
            id="lone surrogate",
        ),
    ],
)
def test_each_hostile_class_is_an_event_error(value: Any, message: str) -> None:
    with pytest.raises(el.EventError, match=message):
        el.invoke(_passthrough, value)


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        pytest.param({"status": "200", "body": "a\ud800b"}, "lone surrogate", id="surrogate body"),
        pytest.param(
            {"status": "200", "headers": {"x-a": [{"value": "\udc80"}]}},
            "lone surrogate",
            id="surrogate header value",
        ),
        pytest.param(s.nest(100), "more than 64 levels deep", id="100-deep dict"),
        pytest.param(
            {"status": "200", "extra": s.nest(65, kind="list")},
            "more than 64 levels",
            id="deep extra key",
        ),
    ],
)
def test_unreadable_results_are_502_validation_errors(returned: Any, message: str) -> None:
    result = el.invoke(lambda e, c: returned, el.build_event("viewer-request"))
    assert (result.status, result.error.type) == (502, "LambdaValidationError")
    assert message in result.error.message
    assert result.violations[0].rule == "result-not-json"


@pytest.mark.parametrize(
    "returned",
    [s.nest(100_000), {"status": "200", "extra": s.nest(100_000)}],
    ids=["100,000-deep dict", "100,000-deep extra key"],
)
def test_results_deeper_than_the_encoder_goes_are_marshal_errors(returned: Any) -> None:
    """Lambda's runtime cannot encode them at all: a function error (the runtime's reading)."""
    result = el.invoke(lambda e, c: returned, el.build_event("viewer-request"))
    assert (result.status, result.error.type) == (500, "LambdaExecutionError")
    assert "Runtime.MarshalError" in result.error.message


def test_a_non_string_ssl_protocol_in_a_passed_through_origin_is_a_502() -> None:
    """Found by the fuzz run: a tuple became an unhashable list in the validator."""
    event = el.build_event("origin-request")
    el.cf_record(event)["request"]["origin"]["custom"]["sslProtocols"] = [(0,), "TLSv1.1"]
    result = el.invoke(_passthrough, event)
    assert (result.status, result.error.type) == (502, "LambdaValidationError")
    assert "sslProtocols" in result.error.message


# -- the hot path's shortcuts give the answers of the rules they stand for ----------------
_NAME_KEYS = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["Σ", "x-Σ", "İ", "ǅ", "ß", "ﬁ", "123", "x-a"]),
    st.integers(),
    st.none(),
)


@given(st.dictionaries(_NAME_KEYS, st.just([]), max_size=5))
def test_lowercase_names_answers_name_by_name(raw: dict[Any, Any]) -> None:
    from edgelab.event.headers import lowercase_names

    def by_name(exact: bool) -> bool | type[BaseException]:
        try:
            if exact:
                return all(type(n) is str and n == n.lower() for n in raw)
            return all(n == n.lower() for n in raw)
        except AttributeError:
            return AttributeError

    for exact in (True, False):
        try:
            got: bool | type[BaseException] = lowercase_names(raw, exact=exact)
        except AttributeError:
            got = AttributeError
        assert got == by_name(exact)


@given(s.header_maps | s.raw_header_maps)
def test_header_bytes_and_fill_keys_keep_their_rules(raw: dict[str, Any]) -> None:
    from edgelab.event.headers import fill_keys, header_bytes

    try:
        expected = sum(
            len(e.get("key") or name) + len(e["value"]) + 4
            for name, elems in raw.items()
            for e in elems
        )
    except (AttributeError, KeyError, TypeError):
        expected = None
    if expected is not None:
        assert header_bytes(raw) == expected

    def outcome(fn: Any) -> Any:  # the map itself, an equal copy, or the error raised
        try:
            out = fn(raw)
        except (AttributeError, TypeError) as exc:
            return type(exc)
        return "same" if out is raw else out

    def as_before(raw: dict[str, Any]) -> Any:  # fill_keys as written before the shortcut
        if all(n == n.lower() for n in raw) and all(
            type(e) is dict and "key" in e for elems in raw.values() for e in elems
        ):
            return raw
        return _copy_fill(raw)

    assert outcome(fill_keys) == outcome(as_before)


def _copy_fill(raw: dict[str, Any]) -> dict[str, Any]:
    from collections.abc import Mapping

    from edgelab.event.headers import canonical_key

    out: dict[str, Any] = {}
    for name, elems in raw.items():
        lower = name.lower()
        out.setdefault(lower, []).extend(
            {"key": e.get("key") or canonical_key(lower), "value": e.get("value", "")}
            if isinstance(e, Mapping)
            else e
            for e in elems
        )
    return out


@given(s.handler_returns | st.text(max_size=6).map(lambda t: {"uri": t + "\ud800"}))
def test_a_result_marked_json_checked_passes_the_json_check(value: Any) -> None:
    from edgelab.event.jsoncheck import json_problem
    from edgelab.runtimes.jsonwire import marshal_checked

    ok, data, _, checked = marshal_checked(value)
    if checked:
        assert ok and json_problem(data) is None


_FOLDER_PARTS = ["a.html", "d", "b.html", "in", "out", "loop", "secret.txt", "..", ".", ""]


@pytest.fixture(scope="module")
def folder_site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A site folder with plain files, a sub-folder, symlinks inside and out, a loop."""
    root = tmp_path_factory.mktemp("folder-origin")
    site, outside = root / "site", root / "outside"
    (site / "d").mkdir(parents=True)
    outside.mkdir()
    (site / "a.html").write_text("a")
    (site / "d" / "b.html").write_text("b")
    (outside / "secret.txt").write_text("secret")
    (site / "in").symlink_to(site / "d")
    (site / "out").symlink_to(outside)
    (site / "d" / "loop").symlink_to(site / "d" / "loop")
    (site / "d" / "a.html").symlink_to(site / "a.html")
    return el.FolderOrigin(site)


@settings(deadline=None)
@given(st.lists(st.sampled_from(_FOLDER_PARTS), min_size=1, max_size=5))
def test_a_folder_key_walked_name_by_name_is_what_realpath_finds(
    folder_site: Any, parts: list[str]
) -> None:
    """The folder origin walks the usual key from the resolved folder (an lstat per
    name); the oracle resolves it in full (os.path.realpath, then stat): the same file
    or none, whatever the names, symlinks, loops and '..' in the key."""
    key = "/".join(parts)

    def outcome(look: Any) -> Any:
        try:
            found = look(key)
        except OSError:
            return "OSError"
        return None if found is None else (found[0], found[1].st_ino)

    walked, resolved = outcome(folder_site._look), outcome(folder_site._resolved)
    if walked == "OSError" or resolved == "OSError":  # no such object either way
        assert walked in ("OSError", None) and resolved in ("OSError", None)
    else:
        assert walked == resolved
