"""edgelab.event.build: building, loading, saving and normalising Lambda@Edge events (facts §1)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from tests.conftest import AWS_EVENTS

TRIGGERS = [t.value for t in el.TRIGGERS]


def key_paths(value: Any, prefix: str = "") -> dict[str, str]:
    """Every key path of a JSON value with its JSON type; header maps collapse to one path
    (their names are compared separately), list items to ``[]``."""
    kind = {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "null",
    }[type(value)]
    out = {prefix or "$": kind}
    if isinstance(value, dict):
        if prefix.endswith(("headers", "customHeaders")):
            for elems in value.values():
                out.update(key_paths(elems, f"{prefix}.*"))
            return out
        for key, child in value.items():
            out.update(key_paths(child, f"{prefix}.{key}" if prefix else key))
    elif isinstance(value, list):
        for child in value:
            out.update(key_paths(child, f"{prefix}[]"))
    return out


def header_names(event: dict[str, Any]) -> dict[str, set[str]]:
    cf = el.cf_record(event)
    return {part: set(cf[part]["headers"]) for part in ("request", "response") if part in cf}


def spec_event(trigger: str) -> dict[str, Any]:
    return json.loads((AWS_EVENTS / f"{trigger}.json").read_text())


def request(event: dict[str, Any]) -> dict[str, Any]:
    return el.cf_record(event)["request"]


# -- build_event with no options matches AWS's example (§1) ----------------------------------
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_build_event_has_the_key_paths_and_types_of_the_aws_example(trigger: str) -> None:
    assert key_paths(el.build_event(trigger)) == key_paths(spec_event(trigger))


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_build_event_has_the_header_names_of_the_aws_example(trigger: str) -> None:
    assert header_names(el.build_event(trigger)) == header_names(spec_event(trigger))


def test_key_paths_helper_notices_a_missing_key_and_a_changed_type() -> None:
    event = el.build_event("origin-request")
    base = key_paths(event)
    del request(event)["querystring"]
    request(event)["origin"]["custom"]["port"] = "443"
    changed = key_paths(event)
    assert "Records[].cf.request.querystring" in base
    assert "Records[].cf.request.querystring" not in changed
    assert changed["Records[].cf.request.origin.custom.port"] == "string"


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_build_event_sets_event_type_and_response_only_for_response_triggers(trigger: str) -> None:
    cf = el.cf_record(el.build_event(trigger))
    assert cf["config"]["eventType"] == trigger
    assert ("response" in cf) == trigger.endswith("response")
    assert ("origin" in cf["request"]) == trigger.startswith("origin")


# -- options -----------------------------------------------------------------------------
def test_build_event_options_set_uri_method_querystring_and_client_ip() -> None:
    event = el.build_event(
        "viewer-request",
        uri="/a/b.html",
        method="post",
        querystring="?x=1&y=2",
        client_ip="2001:db8::1",
    )
    req = request(event)
    assert (req["uri"], req["method"], req["querystring"], req["clientIp"]) == (
        "/a/b.html",
        "POST",
        "x=1&y=2",
        "2001:db8::1",
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Test": "1", "Accept": "text/html"},
        [("X-Test", "1"), ("Accept", "text/html")],
        ["X-Test: 1", "Accept: text/html"],
    ],
    ids=["mapping", "pairs", "strings"],
)
def test_build_event_headers_accept_mapping_pairs_and_strings(headers: Any) -> None:
    h = el.Headers(request(el.build_event("viewer-request", headers=headers))["headers"])
    assert h["x-test"] == "1"
    assert h.get_list("accept") == ["text/html"]  # replaces the default accept line
    assert h.key_of("x-test") == "X-Test"


def test_build_event_cookies_go_in_one_cookie_header() -> None:
    event = el.build_event("viewer-request", cookies={"a": "1", "b": "2"})
    h = el.Headers(request(event)["headers"])
    assert h.get_list("cookie") == ["a=1; b=2"]
    assert h.cookies() == {"a": "1", "b": "2"}
    assert el.Headers(
        request(el.build_event("viewer-request", cookies=["c=3"]))["headers"]
    ).cookies() == {"c": "3"}


@pytest.mark.parametrize(
    ("trigger", "limit"),
    [
        pytest.param("viewer-request", 40 * 1024, id="§1.4 §5.1 VReq exposes 40 KB"),
        pytest.param("origin-request", 1024 * 1024, id="§1.4 §5.1 OReq exposes 1 MB"),
    ],
)
def test_build_event_body_is_base64_and_truncated_at_the_trigger_limit(
    trigger: str, limit: int
) -> None:
    for size, truncated in ((limit, False), (limit + 1, True)):
        data = b"a" * (size - 1) + b"z"
        body = request(el.build_event(trigger, method="POST", body=data))["body"]
        assert body["encoding"] == "base64" and body["action"] == "read-only"
        assert body["inputTruncated"] is truncated
        assert base64.b64decode(body["data"]) == data[:limit]


def test_build_event_small_text_body_round_trips_and_sets_content_length() -> None:
    event = el.build_event("viewer-request", method="POST", body="name1=a&name2=b")
    assert request(event)["body"] == {
        "inputTruncated": False,
        "action": "read-only",
        "encoding": "base64",
        "data": "bmFtZTE9YSZuYW1lMj1i",
    }
    assert el.Headers(request(event)["headers"])["content-length"] == "15"


def test_build_event_body_limit_follows_a_rule_override() -> None:
    rules = el.get_rules(overrides={"body-exposed.viewer-request": 4})
    body = request(el.build_event("viewer-request", body="abcdef", rules=rules))["body"]
    assert body["inputTruncated"] is True and base64.b64decode(body["data"]) == b"abcd"


@pytest.mark.parametrize(
    "origin",
    [
        el.custom_origin(
            "api.example.com",
            port=8443,
            protocol="http",
            path="/v1",
            keepalive_timeout=10,
            read_timeout=20,
            ssl_protocols=["TLSv1.2"],
            custom_headers={"X-Origin-Key": "k"},
        ),
        el.s3_origin(
            "bucket.s3.eu-west-1.amazonaws.com",
            path="/p",
            auth_method="origin-access-identity",
            region="eu-west-1",
        ),
    ],
    ids=["custom", "s3"],
)
def test_build_event_origin_option_sets_every_field(origin: dict[str, Any]) -> None:
    got = request(el.build_event("origin-request", origin=origin))["origin"]
    assert got == origin
    kind = next(iter(got))
    expected = (
        {
            "customHeaders",
            "domainName",
            "keepaliveTimeout",
            "path",
            "port",
            "protocol",
            "readTimeout",
            "sslProtocols",
        }
        if kind == "custom"
        else {"authMethod", "customHeaders", "domainName", "path", "region"}
    )
    assert set(got[kind]) == expected


def test_build_event_response_status_and_headers() -> None:
    cf = el.cf_record(
        el.build_event(
            "origin-response", status=404, response_headers={"Content-Type": "text/plain"}
        )
    )
    assert cf["response"]["status"] == "404"
    assert cf["response"]["statusDescription"] == "Not Found"
    assert el.Headers(cf["response"]["headers"]).get_list("content-type") == ["text/plain"]


@pytest.mark.parametrize("trigger", ["origin-request", "origin-response", "viewer-response"])
def test_build_event_adds_cloudfront_country_and_device_headers(trigger: str) -> None:
    h = el.Headers(request(el.build_event(trigger, country="de", device="tablet"))["headers"])
    assert h["cloudfront-viewer-country"] == "DE"
    assert h.key_of("cloudfront-viewer-country") == "CloudFront-Viewer-Country"
    assert {n: h[n] for n in h if n.startswith("cloudfront-is-")} == {
        "cloudfront-is-desktop-viewer": "false",
        "cloudfront-is-mobile-viewer": "false",
        "cloudfront-is-tablet-viewer": "true",
        "cloudfront-is-smarttv-viewer": "false",
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"trigger": "viewer-request", "country": "US"},
            "after viewer request",
            id="§7 country refused in VReq",
        ),
        pytest.param(
            {"trigger": "viewer-request", "device": "mobile"},
            "after viewer request",
            id="§7 device refused in VReq",
        ),
        pytest.param(
            {"trigger": "origin-request", "device": "watch"},
            "device must be one of",
            id="unknown device",
        ),
        pytest.param(
            {"trigger": "viewer-request", "uri": "index.html"},
            "uri must start with",
            id="§1.3 uri without /",
        ),
        pytest.param(
            {"trigger": "viewer-response", "body": "x"},
            "Include Body",
            id="§1.4 body in a response trigger",
        ),
        pytest.param(
            {"trigger": "viewer-request", "origin": el.custom_origin()},
            "origin exists only",
            id="§1.3 origin in VReq",
        ),
        pytest.param(
            {"trigger": "origin-request", "status": 200},
            "response triggers",
            id="§1.1 status in a request trigger",
        ),
        pytest.param(
            {"trigger": "origin-response", "status": "abc"},
            "HTTP status number",
            id="non-numeric status",
        ),
        pytest.param(
            {"trigger": "viewer-request", "headers": ["no colon"]},
            "Name: value",
            id="header string without colon",
        ),
        pytest.param(
            {"trigger": "viewer-request", "cookies": ["novalue"]},
            "name=value",
            id="cookie without =",
        ),
        pytest.param({"trigger": "viewer"}, "trigger must be one of", id="unknown trigger"),
    ],
)
def test_build_event_refuses_unusable_options(kwargs: dict[str, Any], message: str) -> None:
    trigger = kwargs.pop("trigger")
    with pytest.raises(el.EdgelabError, match=message):
        el.build_event(trigger, **kwargs)


# -- load / save / normalise ---------------------------------------------------------------
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_saved_event_loads_back_unchanged_without_notes(trigger: str, tmp_path: Path) -> None:
    event = el.build_event(trigger, uri="/x", headers={"X-A": "1"})
    el.save_event(event, tmp_path / "e.json")
    loaded = el.load_event(tmp_path / "e.json")
    assert loaded.event == event and loaded.trigger.value == trigger and loaded.notes == []


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_aws_example_events_load_without_notes(trigger: str) -> None:
    loaded = el.load_event(AWS_EVENTS / f"{trigger}.json")
    assert loaded.notes == [] and loaded.event == spec_event(trigger)


def test_load_event_does_not_change_its_input() -> None:
    event = el.build_event("viewer-request")
    del request(event)["querystring"]
    snapshot = json.dumps(event, sort_keys=True)
    loaded = el.load_event(event)
    assert request(loaded.event)["querystring"] == ""
    assert json.dumps(event, sort_keys=True) == snapshot


def test_load_event_trigger_argument_overrides_event_type_with_a_note() -> None:
    loaded = el.load_event(el.build_event("viewer-request"), trigger="origin-request")
    assert loaded.trigger is el.Trigger.ORIGIN_REQUEST
    assert el.cf_record(loaded.event)["config"]["eventType"] == "origin-request"
    assert "origin" in request(loaded.event)
    assert any("eventType" in n for n in loaded.notes)


@pytest.mark.parametrize(
    ("fill", "note"),
    [
        (lambda cf: cf["request"].pop("querystring"), "querystring was missing"),
        (lambda cf: cf["request"].pop("clientIp"), "clientIp was missing"),
        (lambda cf: cf["config"].pop("requestId"), "requestId was missing"),
        (lambda cf: cf["request"]["headers"]["host"][0].pop("key"), "filled with 'Host'"),
        (
            lambda cf: cf["config"].__setitem__(
                "distributionID", cf["config"].pop("distributionId")
            ),
            "distributionID renamed",
        ),
    ],
    ids=["querystring", "clientIp", "requestId", "header key", "distributionID"],
)
def test_load_event_fills_what_cloudfront_always_sends_with_a_note(fill: Any, note: str) -> None:
    event = el.build_event("viewer-request")
    fill(el.cf_record(event))
    loaded = el.load_event(event)
    assert any(note in n for n in loaded.notes)
    assert el.load_event(loaded.event).notes == []  # filled completely


def test_load_event_lowercases_header_map_names() -> None:
    event = el.build_event("viewer-request")
    request(event)["headers"]["X-Mixed"] = [{"key": "X-Mixed", "value": "1"}]
    loaded = el.load_event(event)
    assert request(loaded.event)["headers"]["x-mixed"] == [{"key": "X-Mixed", "value": "1"}]


def _cf(**changes: Any) -> dict[str, Any]:
    event = el.build_event("origin-response")
    el.cf_record(event).update(changes)
    return event


MALFORMED = [
    pytest.param([], "JSON object", id="not an object"),
    pytest.param({}, "Records", id="no Records"),
    pytest.param({"Records": []}, "Records", id="empty Records"),
    pytest.param({"Records": [{"x": 1}]}, "Records[0].cf", id="no cf"),
    pytest.param(_cf(config=[]), "cf.config", id="config not an object"),
    pytest.param(_cf(config={"eventType": "viewer"}), "config.eventType", id="bad eventType"),
    pytest.param(_cf(request="x"), "cf.request", id="request not an object"),
    pytest.param(_cf(request={"method": "GET"}), "request.uri", id="no uri"),
    pytest.param(_cf(request={"uri": "x"}), "request.uri", id="uri without /"),
    pytest.param(_cf(request={"uri": "/", "method": 3}), "request.method", id="method number"),
    pytest.param(
        _cf(request={"uri": "/", "querystring": 1}), "request.querystring", id="querystring number"
    ),
    pytest.param(_cf(request={"uri": "/", "headers": []}), "request.headers", id="headers a list"),
    pytest.param(
        _cf(request={"uri": "/", "headers": {"a": {"key": "A", "value": "1"}}}),
        "request.headers.a",
        id="header not a list",
    ),
    pytest.param(
        _cf(request={"uri": "/", "headers": {"a": [{"key": "A"}]}}),
        "request.headers.a[0]",
        id="header element without value",
    ),
    pytest.param(
        _cf(request={"uri": "/", "headers": {"a": [{"key": "A", "value": 1}]}}),
        "request.headers.a[0]",
        id="header value a number",
    ),
    pytest.param(_cf(response=None), "cf.response", id="response not an object"),
    pytest.param(_cf(response={"headers": {}}), "response.status", id="response without status"),
    pytest.param(_cf(response={"status": "OK"}), "response.status", id="status not a number"),
    pytest.param(_cf(response={"status": True}), "response.status", id="status a boolean"),
    pytest.param(
        _cf(response={"status": "200", "headers": "x"}),
        "response.headers",
        id="response headers a string",
    ),
]


@pytest.mark.parametrize(("data", "names"), MALFORMED)
def test_malformed_events_raise_event_error_naming_the_bad_key(data: Any, names: str) -> None:
    with pytest.raises(el.EventError) as info:
        el.normalize_event(data)
    assert names in str(info.value)


def test_response_trigger_without_response_names_cf_response() -> None:
    event = el.build_event("viewer-request")
    with pytest.raises(el.EventError, match=r"cf\.response"):
        el.load_event(event, trigger="viewer-response")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{not json", "is not JSON"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_load_event_from_a_bad_file_says_why(tmp_path: Path, content: Any, message: str) -> None:
    path = tmp_path / "event.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(el.EventError, match=message) as info:
        el.load_event(path)
    assert str(path) in str(info.value)
