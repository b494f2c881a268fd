"""edgelab.event.mutate: pure helpers that return a new event and never change their input."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import Any

import pytest

import edgelab as el


def req(event: dict[str, Any]) -> dict[str, Any]:
    return el.cf_record(event)["request"]


def resp(event: dict[str, Any]) -> dict[str, Any]:
    return el.cf_record(event)["response"]


VREQ = el.build_event(
    "viewer-request",
    querystring="a=1&b=2",
    headers=[("X-Dup", "1"), ("X-Dup", "2")],
    cookies={"s": "1", "t": "2"},
)
OREQ = el.build_event("origin-request", method="POST", body="hello")
ORESP = el.build_event("origin-response")
VRESP = el.build_event("viewer-response")

MUTATIONS: list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], Any]]] = [
    ("set_header", VREQ, lambda e: el.set_header(e, "X-Dup", "3")),
    ("append_header", VREQ, lambda e: el.append_header(e, "X-Dup", "3")),
    ("remove_header", VREQ, lambda e: el.remove_header(e, "x-dup")),
    ("set_header response", ORESP, lambda e: el.set_header(e, "X-A", "1")),
    (
        "set_header request of a response event",
        VRESP,
        lambda e: el.set_header(e, "X-A", "1", where="request"),
    ),
    ("set_cookie", VREQ, lambda e: el.set_cookie(e, "s", "9")),
    ("set_response_cookie", VRESP, lambda e: el.set_response_cookie(e, "s", "9")),
    ("set_query_param", VREQ, lambda e: el.set_query_param(e, "a", "9")),
    ("remove query param", VREQ, lambda e: el.set_query_param(e, "a", None)),
    ("rewrite_uri", VREQ, lambda e: el.rewrite_uri(e, "/new")),
    ("set_body request", OREQ, lambda e: el.set_body(e, "new")),
    ("set_body base64", OREQ, lambda e: el.set_body(e, b"\x00\x01", encoding="base64")),
    ("set_body response", ORESP, lambda e: el.set_body(e, "<p>hi</p>")),
    ("switch_origin custom", OREQ, lambda e: el.switch_origin(e, "api.example.com", port=8443)),
    (
        "switch_origin s3",
        OREQ,
        lambda e: el.switch_origin(e, "b.s3.amazonaws.com", kind="s3", region="us-east-1"),
    ),
    ("set_status", ORESP, lambda e: el.set_status(e, 404)),
]


@pytest.mark.parametrize(
    ("event", "mutate"), [(e, m) for _, e, m in MUTATIONS], ids=[n for n, _, _ in MUTATIONS]
)
def test_mutation_returns_a_changed_copy_and_never_changes_its_input(
    event: dict[str, Any], mutate: Callable[[dict[str, Any]], Any]
) -> None:
    snapshot = copy.deepcopy(event)
    out = mutate(event)
    assert event == snapshot
    assert out != event and out is not event
    # nothing shared: editing the result leaves the input alone
    req(out)["headers"]["x-probe"] = [{"key": "X-Probe", "value": "1"}]
    assert event == snapshot


def test_set_header_replaces_all_duplicates() -> None:
    h = el.Headers(req(el.set_header(VREQ, "x-dup", "3"))["headers"])
    assert h.get_list("X-Dup") == ["3"] and h.key_of("x-dup") == "X-Dup"


def test_append_and_remove_header() -> None:
    h = el.Headers(req(el.append_header(VREQ, "X-Dup", "3"))["headers"])
    assert h.get_list("x-dup") == ["1", "2", "3"]
    assert "x-dup" not in el.Headers(req(el.remove_header(VREQ, "X-DUP"))["headers"])
    assert el.remove_header(VREQ, "absent") == VREQ


def test_header_helpers_default_to_the_response_in_response_events() -> None:
    out = el.set_header(ORESP, "X-A", "1")
    assert el.Headers(resp(out)["headers"])["x-a"] == "1"
    assert "x-a" not in req(out)["headers"]


def test_header_helper_on_a_missing_part_raises_event_error() -> None:
    with pytest.raises(el.EventError, match="no response"):
        el.set_header(VREQ, "X-A", "1", where="response")


def test_set_cookie_replaces_one_cookie_and_keeps_the_others() -> None:
    h = el.Headers(req(el.set_cookie(VREQ, "s", "9"))["headers"])
    assert h.cookies() == {"t": "2", "s": "9"} and len(h.get_list("cookie")) == 1


def test_set_response_cookie_appends_a_set_cookie_line() -> None:
    out = el.set_response_cookie(
        el.set_response_cookie(VRESP, "a", "1"), "b", "2", attributes="Secure"
    )
    assert el.Headers(resp(out)["headers"]).get_list("set-cookie") == ["a=1; Path=/", "b=2; Secure"]


@pytest.mark.parametrize(
    ("qs", "name", "value", "expected"),
    [
        ("a=1&b=2", "a", "9", "b=2&a=9"),
        ("a=1&b=2", "a", None, "b=2"),
        ("", "q", "x y", "q=x%20y"),
        ("x=a+b&flag&y=%2F", "z", "1", "x=a+b&flag&y=%2F&z=1"),
        ("a=1&a=2&b=3", "a", "x", "b=3&a=x"),
    ],
)
def test_set_query_param_changes_only_that_parameter(
    qs: str, name: str, value: str | None, expected: str
) -> None:
    event = el.build_event("viewer-request", querystring=qs)
    assert req(el.set_query_param(event, name, value))["querystring"] == expected


def test_rewrite_uri_refuses_a_relative_uri() -> None:
    assert req(el.rewrite_uri(VREQ, "/b"))["uri"] == "/b"
    with pytest.raises(el.EventError, match="start with '/'"):
        el.rewrite_uri(VREQ, "b")


def test_set_body_replaces_the_request_body() -> None:
    body = req(el.set_body(OREQ, "new"))["body"]
    assert body == {"inputTruncated": False, "action": "replace", "encoding": "text", "data": "new"}
    b64 = req(el.set_body(OREQ, b"\x00\x01", encoding="base64"))["body"]
    assert base64.b64decode(b64["data"]) == b"\x00\x01" and b64["encoding"] == "base64"


def test_set_body_in_a_response_event_sets_the_response_body() -> None:
    r = resp(el.set_body(ORESP, "hi", encoding="base64"))
    assert (r["body"], r["bodyEncoding"]) == ("aGk=", "base64")


def test_switch_origin_sets_origin_and_host() -> None:
    out = el.switch_origin(OREQ, "b.s3.amazonaws.com", kind="s3")
    assert req(out)["origin"] == el.s3_origin("b.s3.amazonaws.com")
    assert el.Headers(req(out)["headers"])["host"] == "b.s3.amazonaws.com"
    kept = el.switch_origin(OREQ, "api.example.com", set_host=False)
    assert el.Headers(req(kept)["headers"])["host"] == "example.org"


def test_set_status_sets_a_string_status_and_phrase() -> None:
    r = resp(el.set_status(ORESP, 404))
    assert (r["status"], r["statusDescription"]) == ("404", "Not Found")
    assert resp(el.set_status(ORESP, "302", "Moved"))["statusDescription"] == "Moved"


def test_mutated_events_pass_validation() -> None:
    rules = el.get_rules()
    for name, event, mutate in MUTATIONS:
        out = mutate(event)
        trig = el.Trigger(el.cf_record(event)["config"]["eventType"])
        part = "request" if trig.is_request else "response"
        _, violations = el.validate_result(
            el.cf_record(out)[part], trigger=trig, cf_in=el.cf_record(event), rules=rules
        )
        assert violations == [], name


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda: el.set_body(ORESP, b"\xff", encoding="text"), "must be UTF-8"),
        (lambda: el.set_body(OREQ, "x", encoding="gzip"), "encoding must be text or base64"),
        (
            lambda: el.switch_origin(OREQ, "b.s3.amazonaws.com", kind="s3", port=80),
            "s3 origin fields are",
        ),
        (lambda: el.switch_origin(OREQ, "x.example", kind="ftp"), "kind must be custom or s3"),
        (lambda: el.set_status(VREQ, 200), "no response"),
    ],
    ids=["binary text body", "bad encoding", "s3 with port", "bad kind", "status on a request"],
)
def test_helpers_refuse_unusable_arguments_with_event_error(
    mutate: Callable[[], Any], message: str
) -> None:
    with pytest.raises(el.EventError, match=message):
        mutate()
