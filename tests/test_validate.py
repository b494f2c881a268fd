"""Conformance: what CloudFront makes of a handler's result, case by case, citing the facts.

Each case runs a real handler through ``el.invoke`` on an event from ``el.build_event``
and checks the outcome (request / response / 502 / 500 / 503) and the violated rule.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgelab as el
from tests import strategies
from tests.facts import DISALLOWED_NAMES_BY_SET, READ_ONLY_BY_SET

VREQ, OREQ, ORESP, VRESP = (t.value for t in el.TRIGGERS)
TRIGGERS = [VREQ, OREQ, ORESP, VRESP]
SETS = ["2025-11", "2023-03"]
KB, MB = 1024, 1024 * 1024
QUICK = el.get_rules(overrides={"timeout": 0.5})

Edit = Callable[[dict[str, Any]], Any]


# -- helpers -----------------------------------------------------------------------------
def own(cf: dict[str, Any]) -> dict[str, Any]:
    """The part a trigger returns: the response in response triggers, else the request."""
    return cf["response"] if "response" in cf else cf["request"]


def editing(*edits: Edit) -> Callable[..., Any]:
    """A handler that applies ``edits`` to its own part of the event and returns it."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        part = own(event["Records"][0]["cf"])
        for edit in edits:
            edit(part)
        return part

    return handler


def returning(value: Any) -> Callable[..., Any]:
    return lambda event, context: copy.deepcopy(value)


def set_h(name: str, value: str = "x") -> Edit:
    return lambda part: el.MutableHeaders(part["headers"]).__setitem__(name, value)


def del_h(name: str) -> Edit:
    return lambda part: el.MutableHeaders(part["headers"]).remove(name)


def put(path: str, value: Any) -> Edit:
    """Set a dotted key inside the part, e.g. ``put("origin.custom.port", 81)``."""

    def edit(part: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            part = part[key]
        part[last] = value

    return edit


def run(
    trigger: str,
    handler: Callable[..., Any],
    *,
    event: dict[str, Any] | None = None,
    rules: el.RuleSet | str | None = None,
    **build: Any,
) -> el.InvocationResult:
    return el.invoke(handler, event or el.build_event(trigger, **build), rules=rules)


def assert_502(result: el.InvocationResult, rule: str) -> None:
    assert (result.outcome, result.status) == ("error", 502), result
    assert result.error is not None and result.error.type == "LambdaValidationError"
    assert rule in {v.rule for v in result.violations}, result.violations


def assert_ok(result: el.InvocationResult) -> None:
    assert result.outcome in ("request", "response"), (result.error, result.violations)
    assert result.violations == []


def with_header(trigger: str, name: str, value: str = "orig") -> dict[str, Any]:
    """An event whose own part (request or response) carries ``name``."""
    if trigger in (VREQ, OREQ):
        return el.build_event(trigger, headers={name: value})
    return el.build_event(trigger, response_headers={name: value})


def without_header(trigger: str, name: str) -> dict[str, Any]:
    return el.remove_header(el.build_event(trigger), name)


# -- §3.1 disallowed headers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "trigger", "name"),
    [
        pytest.param(
            r, t, n, id=f"{'§13' if r == '2025-11' else '§3.1'} {r}: adding {n} in {t} gives 502"
        )
        for r in SETS
        for n in DISALLOWED_NAMES_BY_SET[r]
        for t in TRIGGERS
    ],
)
def test_adding_a_disallowed_header_gives_502(rules: str, trigger: str, name: str) -> None:
    assert_502(run(trigger, editing(set_h(name)), rules=rules), "disallowed-header")


@pytest.mark.parametrize(
    "trigger",
    [
        pytest.param(VREQ, id="§3.1 X-Cache in a VReq generated response gives 502"),
        pytest.param(OREQ, id="§3.1 X-Cache in an OReq generated response gives 502"),
    ],
)
def test_disallowed_header_in_a_generated_response_gives_502(trigger: str) -> None:
    generated = {"status": "200", "headers": el.header_map([("X-Cache", "Hit")])}
    assert_502(run(trigger, returning(generated)), "disallowed-header")


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("x-amz-cf-anything", id="§3.1 prefix X-Amz-Cf-* matches any suffix"),
        pytest.param("X-EDGE-ORIGIN-SHIELD", id="§3.1 names compare case-insensitively"),
    ],
)
def test_disallowed_prefixes_and_case(name: str) -> None:
    assert_502(run(VRESP, editing(set_h(name))), "disallowed-header")


def test_x_amzn_headers_outside_the_list_are_allowed() -> None:
    # §3.1 history: X-Amzn-* stopped being one wildcard in 2021.
    assert_ok(run(VRESP, editing(set_h("X-Amzn-Trace-Id"))))


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_disallowed_header_present_in_the_input_passes_through(trigger: str) -> None:
    # DECISIONS "disallowed or read-only header present in the input"
    event = with_header(trigger, "X-Cache", "Hit from cloudfront")
    assert_ok(run(trigger, editing(), event=event))
    assert_502(run(trigger, editing(set_h("X-Cache", "Miss")), event=event), "disallowed-header")


def test_removing_a_disallowed_header_present_in_the_input_is_fine() -> None:
    event = with_header(VRESP, "X-Cache", "Hit")
    assert_ok(run(VRESP, editing(del_h("X-Cache")), event=event))


# -- §3.2 read-only headers ----------------------------------------------------------------
READ_ONLY_CASES = [
    (r, t, n, a)
    for r in SETS
    for t, names in READ_ONLY_BY_SET[r].items()
    for n in names
    for a in ("added", "edited", "removed")
]


@pytest.mark.parametrize(
    ("rules", "trigger", "name", "action"),
    [
        pytest.param(
            r, t, n, a, id=f"{'§13' if r == '2025-11' else '§3.2'} {r}: {n} {a} in {t} gives 502"
        )
        for r, t, n, a in READ_ONLY_CASES
    ],
)
def test_changing_a_read_only_header_gives_502(
    rules: str, trigger: str, name: str, action: str
) -> None:
    if action == "added":
        event, edit = without_header(trigger, name), set_h(name, "new")
    else:
        event = with_header(trigger, name)
        edit = set_h(name, "new") if action == "edited" else del_h(name)
    assert_502(run(trigger, editing(edit), event=event, rules=rules), "read-only-header")


@pytest.mark.parametrize(
    ("trigger", "name", "rules"),
    [
        pytest.param(OREQ, "Host", "2025-11", id="§3.2 Host is writable in OReq"),
        pytest.param(
            VREQ, "Accept-Encoding", "2025-11", id="§3.2 Accept-Encoding writable in VReq"
        ),
        pytest.param(VREQ, "If-None-Match", "2025-11", id="§3.2 If-None-Match is writable in VReq"),
        pytest.param(VREQ, "If-Modified-Since", "2025-11", id="§3.2 If-Modified-Since in VReq"),
        pytest.param(ORESP, "Warning", "2025-11", id="§3.2 Warning is writable in OResp"),
        pytest.param(ORESP, "Content-Length", "2025-11", id="§13 Content-Length writable in OResp"),
        pytest.param(
            VRESP, "Content-Length", "2023-03", id="§3.2 2023-03: Content-Length in VResp"
        ),
        pytest.param(VRESP, "Transfer-Encoding", "2023-03", id="§3.2 2023-03: Transfer-Encoding"),
        pytest.param(VREQ, "CDN-Loop", "2023-03", id="§3.2 2023-03: CDN-Loop writable in VReq"),
    ],
)
def test_read_only_header_is_fine_where_it_is_not_read_only(
    trigger: str, name: str, rules: str
) -> None:
    event = with_header(trigger, name)
    assert_ok(run(trigger, editing(set_h(name, "new")), event=event, rules=rules))
    assert_ok(run(trigger, editing(del_h(name)), event=event, rules=rules))


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_read_only_header_passed_through_unchanged_is_fine(trigger: str) -> None:
    assert_ok(run(trigger, editing(), event=with_header(trigger, "Via", "1.1 proxy")))


# -- §3.1 CloudFront-Viewer-Country, §7 ---------------------------------------------------------
@pytest.mark.parametrize(
    ("trigger", "fails"),
    [
        pytest.param(VREQ, True, id="§3.1 adding CloudFront-Viewer-Country in VReq gives 502"),
        pytest.param(OREQ, False, id="§3.3 adding CloudFront-Viewer-Country in OReq is fine"),
    ],
)
def test_viewer_country_added(trigger: str, fails: bool) -> None:
    result = run(trigger, editing(set_h("CloudFront-Viewer-Country", "US")))
    if fails:
        assert_502(result, "viewer-country-added")
    else:
        assert_ok(result)


def test_viewer_country_sent_by_the_viewer_passes_through_in_vreq() -> None:
    event = el.build_event(VREQ, headers={"CloudFront-Viewer-Country": "US"})
    assert_ok(run(VREQ, editing(), event=event))


@pytest.mark.parametrize("name", ["CloudFront-Is-Mobile-Viewer", "CloudFront-Forwarded-Proto"])
def test_other_cloudfront_headers_may_be_added_in_vreq(name: str) -> None:
    # §3.3: readable and editable; only the country has the VReq exception.
    assert_ok(run(VREQ, editing(set_h(name, "true"))))


# -- §4, §5.1 generated responses and bodies --------------------------------------------------
def generated(size: int, **extra: Any) -> dict[str, Any]:
    return {"status": "200", "body": "a" * size, **extra}


@pytest.mark.parametrize(
    ("trigger", "size", "fails"),
    [
        pytest.param(VREQ, 40 * KB, False, id="§4 VReq generated response of 40 KB passes"),
        pytest.param(VREQ, 40 * KB + 1, True, id="§4 VReq generated response over 40 KB gives 502"),
        pytest.param(OREQ, 40 * KB + 1, False, id="§4 OReq generated response over 40 KB passes"),
        pytest.param(OREQ, 1 * MB, False, id="§4 OReq generated response of 1 MB passes"),
        pytest.param(OREQ, 1 * MB + 1, True, id="§4 OReq generated response over 1 MB gives 502"),
    ],
)
def test_generated_response_size_limit(trigger: str, size: int, fails: bool) -> None:
    result = run(trigger, returning(generated(size)))
    if fails:
        assert_502(result, "generated-response-size")
        v = next(v for v in result.violations if v.rule == "generated-response-size")
        assert (v.actual, v.limit) == (size, size - 1)
    else:
        assert_ok(result)
        assert result.status == 200 and len(result.response["body"]) == size


def test_generated_response_size_counts_headers() -> None:
    headers = el.header_map([("X-Pad", "p" * 100)])
    assert_502(
        run(VREQ, returning(generated(40 * KB - 50, headers=headers))), "generated-response-size"
    )


def replace_body(data: str, encoding: str) -> Edit:
    return put(
        "body", {"inputTruncated": False, "action": "replace", "encoding": encoding, "data": data}
    )


@pytest.mark.parametrize(
    ("trigger", "encoding", "size", "fails"),
    [
        pytest.param(VREQ, "text", 40 * KB, False, id="§5.1 VReq text body of 40 KB passes"),
        pytest.param(
            VREQ, "text", 40 * KB + 1, True, id="§5.1 VReq text body over 40 KB gives 502"
        ),
        pytest.param(VREQ, "base64", 54476, False, id="§5.1 VReq base64 body of 53.2 KB passes"),
        pytest.param(
            VREQ, "base64", 54480, True, id="§5.1 VReq base64 body over 53.2 KB gives 502"
        ),
        pytest.param(OREQ, "text", 1 * MB, False, id="§5.1 OReq text body of 1 MB passes"),
        pytest.param(OREQ, "text", 1 * MB + 1, True, id="§5.1 OReq text body over 1 MB gives 502"),
        pytest.param(OREQ, "base64", 1394604, False, id="§5.1 OReq base64 body of 1.33 MB passes"),
        pytest.param(OREQ, "base64", 1394608, True, id="§5.1 OReq base64 over 1.33 MB gives 502"),
    ],
)
def test_replaced_body_size_limit(trigger: str, encoding: str, size: int, fails: bool) -> None:
    # DECISIONS "oversized replaced body": rejected, not truncated.
    result = run(trigger, editing(replace_body("A" * size, encoding)), method="POST", body="x")
    if fails:
        assert_502(result, f"body-replace-{encoding}")
    else:
        assert_ok(result)


def test_read_only_body_changes_are_not_checked() -> None:
    # §1.4: with action read-only, changes to data/encoding are ignored.
    edit = put(
        "body",
        {
            "inputTruncated": False,
            "action": "read-only",
            "encoding": "base64",
            "data": "!!!" * 30000,
        },
    )
    assert_ok(run(VREQ, editing(edit), method="POST", body="x"))


@pytest.mark.parametrize(
    ("trigger", "handler"),
    [
        pytest.param(
            VREQ,
            editing(replace_body("not base64!", "base64")),
            id="§1.4 invalid base64 in a replaced request body gives 502",
        ),
        pytest.param(
            VREQ,
            returning({"status": "200", "body": "%%%", "bodyEncoding": "base64"}),
            id="§4 invalid base64 in a generated response gives 502",
        ),
        pytest.param(
            ORESP,
            editing(put("body", "%%%"), put("bodyEncoding", "base64")),
            id="§4 invalid base64 in an OResp body gives 502",
        ),
    ],
)
def test_invalid_base64_gives_502(trigger: str, handler: Callable[..., Any]) -> None:
    # DECISIONS "invalid base64 body"
    assert_502(
        run(trigger, handler, method="POST") if trigger == VREQ else run(trigger, handler),
        "body-base64-invalid",
    )


def test_valid_base64_generated_body_is_fine() -> None:
    assert_ok(run(VREQ, returning({"status": "200", "body": "aGk=", "bodyEncoding": "base64"})))


# -- §4, §1.7 status ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("trigger", "status", "rule"),
    [
        pytest.param(VREQ, "199", "status-range", id="§4 generated status 199 gives 502"),
        pytest.param(VREQ, "600", "status-range", id="§4 generated status 600 gives 502"),
        pytest.param(OREQ, 100, "status-range", id="§4 generated int status 100 gives 502"),
        pytest.param(VREQ, "OK", "status-invalid", id="§4 non-numeric status gives 502"),
        pytest.param(VREQ, None, "status-invalid", id="§4 null status gives 502"),
        pytest.param(VREQ, True, "status-invalid", id="§4 boolean status gives 502"),
        pytest.param(VREQ, float("inf"), "status-invalid", id="§4 infinite status gives 502"),
        pytest.param(VREQ, 200.5, "status-invalid", id="§4 fractional status gives 502"),
        pytest.param(VREQ, "2e2", "status-invalid", id="§4 status '2e2' gives 502"),
        pytest.param(VREQ, "٢٠٠", "status-invalid", id="§4 non-ASCII digits give 502"),
    ],
)
def test_generated_status_outside_200_599_gives_502(trigger: str, status: Any, rule: str) -> None:
    # DECISIONS "status outside 200-599"
    assert_502(run(trigger, returning({"status": status})), rule)


@pytest.mark.parametrize(
    ("status", "fails"),
    [
        pytest.param("199", True, id="§1.7 OResp status 199 gives 502"),
        pytest.param(600, True, id="§1.7 OResp int status 600 gives 502"),
        pytest.param(200, False, id="§4 OResp int status 200 is accepted"),
        pytest.param("599", False, id="§1.7 OResp status 599 is accepted"),
        pytest.param(302, False, id="§4 OResp int status 302 as in the docs' examples"),
    ],
)
def test_origin_response_status_range(status: Any, fails: bool) -> None:
    result = run(ORESP, editing(put("status", status)))
    if fails:
        assert_502(result, "status-range")
    else:
        assert_ok(result)
        assert result.status == int(status) and result.response["status"] == str(status)


@pytest.mark.parametrize(
    ("status", "fails"),
    [
        pytest.param("404", True, id="§1.7 VResp changing the status gives 502"),
        pytest.param(200, False, id="§1.7 VResp returning the same status as an int is fine"),
    ],
)
def test_viewer_response_cannot_change_status(status: Any, fails: bool) -> None:
    # DECISIONS "viewer-response changes status"
    result = run(VRESP, editing(put("status", status)))
    if fails:
        assert_502(result, "status-read-only")
    else:
        assert_ok(result)


@pytest.mark.parametrize(
    ("trigger", "body", "fails"),
    [
        pytest.param(VREQ, "x", True, id="§4 204 with a body in VReq gives 502"),
        pytest.param(VREQ, "", False, id="§4 204 without a body in VReq is fine"),
        pytest.param(OREQ, "x", False, id="§4 204 with a body in OReq is fine (decision)"),
    ],
)
def test_204_with_body(trigger: str, body: str, fails: bool) -> None:
    # DECISIONS "204 with a body"
    result = run(trigger, returning({"status": "204", "body": body}))
    if fails:
        assert_502(result, "status-204-with-body")
    else:
        assert_ok(result)


@pytest.mark.parametrize(
    ("size", "fails"),
    [
        pytest.param(100, False, id="§1.7 VResp may replace the body (decision)"),
        pytest.param(41 * KB, True, id="§5.1 VResp replaced body over 40 KB gives 502"),
    ],
)
def test_viewer_response_body_replacement(size: int, fails: bool) -> None:
    # DECISIONS "response body in viewer response"
    result = run(VRESP, editing(put("body", "b" * size)))
    if fails:
        assert_502(result, "generated-response-size")
    else:
        assert_ok(result)
        assert result.response["body"] == "b" * size


# -- §1.3, §2 uri and query string -------------------------------------------------------------
@pytest.mark.parametrize(
    ("edit", "rule"),
    [
        pytest.param(put("uri", "index.html"), "uri-invalid", id="§1.3 uri not starting with /"),
        pytest.param(put("uri", "/a b"), "uri-invalid", id="§2 uri with a space"),
        pytest.param(put("querystring", "a=b c"), "querystring-invalid", id="§2 qs with a space"),
        pytest.param(put("querystring", "a=b#c"), "querystring-invalid", id="§2 qs with #"),
        pytest.param(
            put("querystring", "a=b\x01"),
            "querystring-invalid",
            id="§2 qs with a control character",
        ),
        pytest.param(put("querystring", "a=b\x7f"), "querystring-invalid", id="§2 qs with DEL"),
        pytest.param(
            put("querystring", "?a=b"), "querystring-invalid", id="§1.3 qs with leading ?"
        ),
        pytest.param(put("uri", 3), "request-missing-field", id="§1.3 uri not a string"),
        pytest.param(put("querystring", 3), "querystring-invalid", id="§1.3 qs not a string"),
        pytest.param(
            put("uri", "/" + "a" * 8191),
            "uri-querystring-length",
            id="§2 uri + qs of 8192 gives 502",
        ),
        pytest.param(
            put("querystring", "q=" + "a" * 8189),
            "uri-querystring-length",
            id="§2 uri 1 + qs 8191 gives 502",
        ),
    ],
)
@pytest.mark.parametrize("trigger", [VREQ, OREQ])
def test_bad_uri_or_querystring_gives_502(trigger: str, edit: Edit, rule: str) -> None:
    assert_502(run(trigger, editing(edit)), rule)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(put("uri", "/" + "a" * 8190), id="§2 uri + qs of 8191 passes"),
        pytest.param(put("querystring", "a=%20b&c=%23"), id="§2 percent-encoded qs passes"),
        pytest.param(put("uri", "/forecast/Seattle:NewYork"), id="uri with ':' passes"),
    ],
)
def test_good_uri_or_querystring_is_fine(edit: Edit) -> None:
    assert_ok(run(VREQ, editing(edit)))


@pytest.mark.parametrize(
    ("rules", "limit"),
    [
        pytest.param("2023-03", 20480, id="§5.3 2023-03: request over 20,480 bytes gives 502"),
        pytest.param("2025-11", 32768, id="§13 2025-11: request over 32,768 bytes gives 502"),
    ],
)
def test_request_size_limit(rules: str, limit: int) -> None:
    # DECISIONS "request size in 2025-11"
    big = run(VREQ, editing(set_h("X-Big", "v" * limit)), rules=rules)
    assert_502(big, "request-size")
    v = next(v for v in big.violations if v.rule == "request-size")
    assert v.limit == limit and v.actual > limit
    assert_ok(run(VREQ, editing(set_h("X-Big", "v" * (limit - 1000))), rules=rules))


# -- §1.3 read-only request fields; §2 response triggers ignore request changes --------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("method", "POST", id="§1.3 method is read-only"),
        pytest.param("clientIp", "198.51.100.1", id="§1.3 clientIp is read-only"),
    ],
)
def test_changing_a_read_only_request_field_gives_502(field: str, value: str) -> None:
    # DECISIONS "read-only request fields (method, clientIp) changed"
    assert_502(run(VREQ, editing(put(field, value))), "read-only-field")


@pytest.mark.parametrize("trigger", [ORESP, VRESP])
def test_request_changes_in_a_response_trigger_are_ignored(trigger: str) -> None:
    # DECISIONS "uri/querystring/request headers changed in a response trigger"
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        cf = event["Records"][0]["cf"]
        cf["request"]["uri"] = "no-slash"
        cf["request"]["headers"]["x-cache"] = [{"key": "X-Cache", "value": "x"}]
        return cf["response"]

    event = el.build_event(trigger, uri="/orig")
    result = run(trigger, handler, event=event)
    assert_ok(result)
    assert result.request == el.cf_record(event)["request"]


def test_origin_in_a_viewer_request_result_is_ignored() -> None:
    # DECISIONS "origin in a viewer-request result"
    assert_ok(run(VREQ, editing(put("origin", el.custom_origin("bad:name")))))


# -- §1.6 origin ---------------------------------------------------------------------------------
def custom(**fields: Any) -> dict[str, Any]:
    origin = el.custom_origin("api.example.com")
    origin["custom"].update(fields)
    return origin


def s3(**fields: Any) -> dict[str, Any]:
    origin = el.s3_origin("bucket.s3.amazonaws.com")
    origin["s3"].update(fields)
    return origin


BAD_ORIGINS = [
    pytest.param(custom(domainName="api.example.com:8080"), "domainName", id="§1.6 custom ':'"),
    pytest.param(custom(domainName="192.0.2.10"), "domainName", id="§1.6 custom IP address"),
    pytest.param(custom(domainName="2001:db8::1"), "domainName", id="§1.6 custom IPv6"),
    pytest.param(
        custom(domainName=("a" * 60 + ".") * 4 + "abcdefghij.com"),
        "domainName",
        id="§1.6 custom over 253 chars",
    ),
    pytest.param(custom(domainName=""), "domainName", id="§1.6 empty domainName"),
    pytest.param(s3(domainName="Bucket.s3.amazonaws.com"), "domainName", id="§1.6 s3 uppercase"),
    pytest.param(
        s3(domainName="b" * 120 + ".s3.amazonaws.com"), "domainName", id="§1.6 s3 over 128 chars"
    ),
    pytest.param(custom(path="/v1/"), "path", id="§1.6 path with trailing /"),
    pytest.param(custom(path="v1"), "path", id="§1.6 path not starting with /"),
    pytest.param(s3(path="/p/"), "path", id="§1.6 s3 path trailing /"),
    pytest.param(custom(path="/" + "p" * 255), "path", id="§1.6 custom path over 255"),
    pytest.param(custom(keepaliveTimeout=0), "keepaliveTimeout", id="§1.6 keepalive 0"),
    pytest.param(custom(keepaliveTimeout=61), "keepaliveTimeout", id="§1.6 keepalive 61"),
    pytest.param(custom(keepaliveTimeout="5"), "keepaliveTimeout", id="§1.6 keepalive string"),
    pytest.param(custom(readTimeout=3), "readTimeout", id="§1.6 readTimeout 3"),
    pytest.param(custom(readTimeout=61), "readTimeout", id="§1.6 readTimeout 61"),
    pytest.param(custom(port=79), "port", id="§1.6 port 79"),
    pytest.param(custom(port=81), "port", id="§1.6 port 81"),
    pytest.param(custom(port=1023), "port", id="§1.6 port 1023"),
    pytest.param(custom(port=65536), "port", id="§1.6 port 65536"),
    pytest.param(custom(protocol="ftp"), "protocol", id="§1.6 protocol ftp"),
    pytest.param(custom(sslProtocols=["TLSv1.3"]), "sslProtocols", id="§1.6 sslProtocols bad"),
    pytest.param(custom(sslProtocols=[]), "sslProtocols", id="§1.6 sslProtocols empty"),
    pytest.param(s3(authMethod="origin-access-control"), "authMethod", id="§1.6 authMethod bad"),
    pytest.param(
        s3(authMethod="origin-access-identity", region=""), "region", id="§1.6 OAI without region"
    ),
    pytest.param({**custom(), **s3()}, "origin", id="§1.6 both custom and s3"),
    pytest.param({}, "origin", id="§1.6 neither custom nor s3"),
    pytest.param({"custom": "example.org"}, "custom", id="§1.6 custom not an object"),
]


@pytest.mark.parametrize(("origin", "field"), BAD_ORIGINS)
def test_bad_origin_field_gives_502(origin: dict[str, Any], field: str) -> None:
    result = run(OREQ, editing(put("origin", origin)))
    assert_502(result, "origin-invalid")
    assert any(v.path.endswith(field) and v.section == "§1.6" for v in result.violations)


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param(custom(keepaliveTimeout=1, readTimeout=4, port=80), id="§1.6 lowest bounds"),
        pytest.param(
            custom(keepaliveTimeout=60, readTimeout=60, port=65535), id="§1.6 upper bounds"
        ),
        pytest.param(
            custom(port=1024, protocol="http", path="/v1", sslProtocols=["SSLv3"]),
            id="§1.6 port 1024, path /v1",
        ),
        pytest.param(
            s3(authMethod="origin-access-identity", region="eu-west-1"), id="§1.6 OAI with region"
        ),
        pytest.param(
            s3(domainName="bucket.s3.eu-west-1.amazonaws.com"), id="§1.6 switch custom to s3"
        ),
    ],
)
def test_good_origin_is_fine(origin: dict[str, Any]) -> None:
    assert_ok(run(OREQ, editing(put("origin", origin))))


def custom_headers(pairs: list[tuple[str, str]]) -> Edit:
    return put("origin", el.custom_origin("api.example.com", custom_headers=pairs))


@pytest.mark.parametrize(
    ("pairs", "rule"),
    [
        pytest.param([("Cookie", "a=1")], "custom-header-denied", id="§3.4 Cookie denied"),
        pytest.param(
            [("Cache-Control", "no")], "custom-header-denied", id="§3.4 Cache-Control denied"
        ),
        pytest.param([("X-Amz-Meta-A", "1")], "custom-header-denied", id="§3.4 X-Amz-* denied"),
        pytest.param([("X-Edge-A", "1")], "custom-header-denied", id="§3.4 X-Edge-* denied"),
        pytest.param([("TE", "gzip")], "custom-header-denied", id="§3.4 TE denied"),
        pytest.param([("X-Cache", "1")], "disallowed-header", id="§1.6 disallowed header"),
        pytest.param(
            [("User-Agent", "me")],
            "custom-header-duplicate",
            id="§1.6 duplicate of a request header",
        ),
        pytest.param(
            [(f"X-C{i}", "v") for i in range(11)],
            "origin-custom-headers",
            id="§5.3 11 custom headers",
        ),
        pytest.param([("X-" + "n" * 255, "v")], "custom-header-name-length", id="§5.3 name 257"),
        pytest.param([("X-C", "v" * 1784)], "custom-header-value-length", id="§5.3 value 1784"),
        pytest.param(
            [(f"X-C{i}", "v" * 1783) for i in range(6)],
            "custom-headers-total-length",
            id="§5.3 names and values over 10,240",
        ),
    ],
)
def test_bad_origin_custom_headers_give_502(pairs: list[tuple[str, str]], rule: str) -> None:
    # DECISIONS "origin custom-header denylist"
    assert_502(run(OREQ, editing(custom_headers(pairs))), rule)


def test_custom_header_duplicating_a_mixed_case_request_header_gives_502() -> None:
    # §1.6 with DECISIONS "header map name case": "X-Dup" and "x-dup" are one header.
    edits = (
        put("headers.X-Dup", [{"key": "X-Dup", "value": "1"}]),
        custom_headers([("x-dup", "2")]),
    )
    assert_502(run(OREQ, editing(*edits)), "custom-header-duplicate")


def test_ten_custom_headers_within_limits_are_fine() -> None:
    assert_ok(run(OREQ, editing(custom_headers([(f"X-C{i}", "v" * 1000) for i in range(10)]))))


# -- §2, §6 invalid return values ------------------------------------------------------------------
INVALID_RETURNS = [
    pytest.param(None, id="§6 None"),
    pytest.param("ok", id="§6 a string"),
    pytest.param([1, 2], id="§6 a list"),
    pytest.param(42, id="§6 a number"),
    pytest.param({}, id="§6 an empty object"),
]


@pytest.mark.parametrize("value", INVALID_RETURNS)
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_returning_no_request_or_response_gives_502_invalid_return(
    trigger: str, value: Any
) -> None:
    # DECISIONS "returning None or a non-object"
    result = run(trigger, returning(value))
    assert_502(result, "invalid-return")
    assert "must return" in result.violations[0].message


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_returning_the_whole_event_gives_502_that_says_so(trigger: str) -> None:
    result = run(trigger, lambda event, context: event)
    assert_502(result, "invalid-return")
    assert "whole event" in result.violations[0].message


@pytest.mark.parametrize("trigger", [ORESP, VRESP])
def test_returning_the_request_from_a_response_trigger_gives_502(trigger: str) -> None:
    # DECISIONS "returning a request from a response trigger"
    result = run(trigger, lambda event, context: event["Records"][0]["cf"]["request"])
    assert_502(result, "invalid-return")


# -- §6 execution errors and timeouts ---------------------------------------------------
def raising(event: dict[str, Any], context: Any) -> None:
    raise RuntimeError("boom")


def endless(event: dict[str, Any], context: Any) -> None:
    while True:
        pass


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_exception_gives_500_lambda_execution_error(trigger: str) -> None:
    result = run(trigger, raising)
    assert (result.outcome, result.status, result.error.type) == (
        "error",
        500,
        "LambdaExecutionError",
    )
    assert "RuntimeError: boom" in result.error.message
    assert "Traceback" in result.logs and "boom" in result.logs


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_timeout_gives_503_lambda_limit_exceeded(trigger: str) -> None:
    result = run(trigger, endless, rules=QUICK)
    assert (result.outcome, result.status, result.error.type) == (
        "error",
        503,
        "LambdaLimitExceeded",
    )
    assert "0.5 s" in result.error.message


def test_handler_that_swallows_the_timeout_still_times_out() -> None:
    def stubborn(event: dict[str, Any], context: Any) -> Any:
        try:
            while True:
                pass
        except BaseException:
            return event["Records"][0]["cf"]["request"]

    assert run(VREQ, stubborn, rules=QUICK).status == 503


# -- rule sets 2025-11 (§13) and 2023-03 ------------------------------------------------------
@pytest.mark.parametrize(
    ("rules", "fails"),
    [
        pytest.param("2025-11", True, id="§13 2025-11: CDN-Loop read-only in VReq gives 502"),
        pytest.param("2023-03", False, id="§3.2 2023-03: CDN-Loop writable in VReq"),
    ],
)
def test_cdn_loop_in_viewer_request(rules: str, fails: bool) -> None:
    event = el.build_event(VREQ, headers={"CDN-Loop": "cloudfront"})
    result = el.invoke(editing(set_h("CDN-Loop", "other")), event, rules=rules)
    if fails:
        assert_502(result, "read-only-header")
    else:
        assert_ok(result)


@pytest.mark.parametrize(
    ("rules", "at_least_ms", "limit_ms"),
    [
        pytest.param("2025-11", 5_001, 30_000, id="§13 2025-11: 30 s timeout in VReq"),
        pytest.param("2023-03", 0, 5_000, id="§5.1 2023-03: 5 s timeout in VReq"),
    ],
)
def test_rule_set_sets_the_handlers_timeout(rules: str, at_least_ms: int, limit_ms: int) -> None:
    # DECISIONS "viewer timeout in 2025-11"
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request = event["Records"][0]["cf"]["request"]
        request["headers"]["x-left"] = [
            {"key": "X-Left", "value": str(context.get_remaining_time_in_millis())}
        ]
        return request

    result = el.invoke(handler, el.build_event(VREQ), rules=rules)
    left = int(el.Headers(result.request["headers"])["x-left"])
    assert at_least_ms <= left <= limit_ms


def test_default_rule_set_is_2025_11_in_invoke() -> None:
    # DECISIONS "default rule set": a viewer response that copies Content-Length is a 502
    # by default (the current pages), and passes only under 2023-03.
    edit = editing(set_h("Content-Length", "1"))
    assert_502(run(VRESP, edit), "read-only-header")
    assert_ok(run(VRESP, edit, rules="2023-03"))


def test_client_cert_is_disallowed_in_2025_11_and_the_old_name_2025() -> None:
    result = el.invoke(editing(set_h("Client-Cert", "x")), el.build_event(VRESP))
    assert_502(result, "disallowed-header")
    with pytest.warns(FutureWarning, match="now means '2025-11'"):
        assert_502(
            el.invoke(editing(set_h("Client-Cert", "x")), el.build_event(VRESP), rules="2025"),
            "disallowed-header",
        )
    assert_ok(el.invoke(editing(set_h("Client-Cert", "x")), el.build_event(VRESP), rules="2023-03"))


# -- §4, §3, §13 headers of a generated response ----------------------------------------------
GENERATED_READ_ONLY = [
    (r, t, n) for r in SETS for t in (VREQ, OREQ) for n in READ_ONLY_BY_SET[r][t]
]


@pytest.mark.parametrize(
    ("rules", "trigger", "name"),
    [
        pytest.param(r, t, n, id=f"§4 {r}: {n} in a response generated in {t} gives 502")
        for r, t, n in GENERATED_READ_ONLY
    ],
)
def test_read_only_header_in_a_generated_response_gives_502(
    rules: str, trigger: str, name: str
) -> None:
    # DECISIONS "headers of a generated response": Kludex/mangum#262, opennextjs-aws#427.
    response = {"status": "200", "headers": el.header_map([(name, "1")]), "body": "a"}
    result = run(trigger, returning(response), rules=rules)
    assert_502(result, "read-only-header")
    v = next(v for v in result.violations if v.rule == "read-only-header")
    assert name in v.message and "generated response" in v.message


@pytest.mark.parametrize(
    ("trigger", "name"),
    [
        pytest.param(
            OREQ, "Host", id="§3.2 Host is not read-only in OReq, so fine generated there"
        ),
        pytest.param(VREQ, "Accept-Encoding", id="§3.2 Accept-Encoding fine generated in VReq"),
        pytest.param(VREQ, "Warning", id="§3.2 Warning (read-only in VResp only) fine in VReq"),
        pytest.param(OREQ, "Content-Type", id="§4 an ordinary header is fine"),
    ],
)
def test_header_not_on_the_triggers_lists_is_fine_in_a_generated_response(
    trigger: str, name: str
) -> None:
    response = {"status": "200", "headers": el.header_map([(name, "x")])}
    assert_ok(run(trigger, returning(response)))


def test_viewer_country_in_a_response_generated_in_viewer_request_gives_502() -> None:
    response = {"status": "200", "headers": el.header_map([("CloudFront-Viewer-Country", "US")])}
    assert_502(run(VREQ, returning(response)), "viewer-country-added")
    assert_ok(run(OREQ, returning(response)))


@pytest.mark.parametrize("trigger", [VREQ, OREQ])
def test_headers_given_as_a_list_in_a_generated_response_are_dropped(trigger: str) -> None:
    # DECISIONS "headers given as a list in a generated response":
    # aws-samples/amazon-cloudfront-cache-graphql#7 (served status and body, no headers).
    listed = {
        "status": "200",
        "body": "hello",
        "headers": [
            {"key": "Content-Type", "value": "text/plain"},
            {"key": "Content-Length", "value": "5"},
        ],
    }
    result = run(trigger, returning(listed))
    assert_ok(result)
    assert (result.status, result.response["body"], result.response["headers"]) == (
        200,
        "hello",
        {},
    )
    assert any("response.headers is a list" in n and "2 header(s)" in n for n in result.notes)


@pytest.mark.parametrize(
    ("trigger", "handler"),
    [
        pytest.param(VREQ, editing(put("headers", [])), id="§1.5 a returned request's list"),
        pytest.param(
            ORESP,
            editing(put("headers", [{"key": "A", "value": "1"}])),
            id="§1.5 an origin response's list",
        ),
        pytest.param(VRESP, editing(put("headers", [])), id="§1.5 a viewer response's list"),
    ],
)
def test_headers_given_as_a_list_elsewhere_give_502(
    trigger: str, handler: Callable[..., Any]
) -> None:
    assert_502(run(trigger, handler), "header-shape")


# -- §1.5, §13 header shape and names --------------------------------------------------------
def test_header_key_differing_from_its_map_name_is_accepted() -> None:
    # DECISIONS "header key vs map name": the docs' "Overriding a response header" example.
    edit = put("headers.last-modified", [{"key": "X-Amz-Meta-Last-Modified", "value": "x"}])
    assert_ok(run(ORESP, editing(edit)))


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_map_name_that_is_not_lowercase_is_accepted_and_lowercased(trigger: str) -> None:
    # DECISIONS "header map name case" (it was a 502 before issue 9; production serves it).
    result = run(
        trigger,
        editing(
            put(
                "headers.X-Frame-Options",
                [{"key": "X-Frame-Options", "value": "DENY"}, {"value": "SAMEORIGIN"}],
            )
        ),
    )
    assert_ok(result)
    headers = (result.response or result.request)["headers"]
    assert "X-Frame-Options" not in headers and all(n == n.lower() for n in headers)
    assert headers["x-frame-options"][-2:] == [
        {"key": "X-Frame-Options", "value": "DENY"},
        {"key": "X-Frame-Options", "value": "SAMEORIGIN"},
    ]
    assert any("'X-Frame-Options' taken as 'x-frame-options'" in n for n in result.notes)


@pytest.mark.parametrize(
    ("order", "values"),
    [
        pytest.param(["X-Foo", "x-foo"], ["upper", "lower"], id="§13 X-Foo listed first"),
        pytest.param(["x-foo", "X-Foo"], ["lower", "upper"], id="§13 x-foo listed first"),
        pytest.param(
            ["X-FOO", "X-Foo", "x-foo"], ["shout", "upper", "lower"], id="§13 three cases"
        ),
    ],
)
def test_same_header_under_two_map_name_cases_is_merged_in_map_order(
    order: list[str], values: list[str]
) -> None:
    # DECISIONS "same header under two map-name cases"
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request = event["Records"][0]["cf"]["request"]
        for name, value in zip(order, values, strict=True):
            request["headers"][name] = [{"key": name, "value": value}]
        return request

    result = run(VREQ, handler)
    assert_ok(result)
    assert [e["value"] for e in result.request["headers"]["x-foo"]] == values
    assert [e["key"] for e in result.request["headers"]["x-foo"]] == order


@pytest.mark.parametrize(
    ("rules", "trigger", "name"),
    [
        pytest.param("2025-11", VRESP, "CONTENT-LENGTH", id="§13 CONTENT-LENGTH in VResp"),
        pytest.param("2025-11", VREQ, "Via", id="§3.2 Via as a map name in VReq"),
        pytest.param("2025-11", ORESP, "X-Cache", id="§3.1 X-Cache as a map name in OResp"),
    ],
)
def test_a_map_name_in_another_case_is_judged_like_its_lowercase_name(
    rules: str, trigger: str, name: str
) -> None:
    result = run(
        trigger, editing(put(f"headers.{name}", [{"key": name, "value": "9"}])), rules=rules
    )
    assert result.status == 502 and result.violations


@pytest.mark.parametrize(
    ("edit", "rule", "names"),
    [
        pytest.param(
            put("headers.x-a", {"key": "X-A", "value": "1"}),
            "header-shape",
            "x-a",
            id="§1.5 header not a list gives 502",
        ),
        pytest.param(
            put("headers.x-a", [{"key": "X-A", "value": 1}]),
            "header-shape",
            "x-a",
            id="§1.5 header value not a string gives 502",
        ),
        pytest.param(
            put("headers.x-a", [{"key": 7, "value": "1"}]),
            "header-shape",
            "x-a",
            id="§1.5 header key not a string gives 502",
        ),
        pytest.param(
            put("headers.x-a", [{"key": "X-A", "value": "a\nb"}]),
            "header-value-invalid",
            "x-a",
            id="§6 header value with LF gives 502",
        ),
        pytest.param(
            put("headers.location", [{"key": "Location", "value": "/?a=1\r\nb"}]),
            "header-value-invalid",
            "location",
            id="§6 header value with CR gives 502",
        ),
        pytest.param(
            put("headers.x-a", [{"key": "X-A", "value": "a\x00"}]),
            "header-value-invalid",
            "x-a",
            id="§6 header value with NUL gives 502",
        ),
        pytest.param(
            put("headers.x-a", [{"key": "X-A", "value": "5 €"}]),
            "header-value-invalid",
            "x-a",
            id="§6 header value beyond Latin-1 gives 502",
        ),
        pytest.param(
            put("headers.x-a", [{"key": "X-A", "value": "🙂"}]),
            "header-value-invalid",
            "x-a",
            id="§6 emoji in a header value gives 502",
        ),
        pytest.param(
            put("headers.bad name", [{"key": "bad name", "value": "1"}]),
            "header-name-invalid",
            "bad name",
            id="§6 header name with a space gives 502",
        ),
        pytest.param(
            put("headers.x-a\n", [{"key": "X-A", "value": "1"}]),
            "header-name-invalid",
            "x-a",
            id="§6 map name ending in LF gives 502",
        ),
        pytest.param(
            put("headers.x-a", [{"key": "X-A\r\nSet-Cookie: a=1", "value": "1"}]),
            "header-name-invalid",
            "x-a",
            id="§6 CRLF in a header key gives 502",
        ),
        pytest.param(
            put("headers.x-a", [{"key": "X-A\n", "value": "1"}]),
            "header-name-invalid",
            "x-a",
            id="§6 header key ending in LF gives 502",
        ),
        pytest.param(
            put("headers.x-a", [{"key": "X-Ä", "value": "1"}]),
            "header-name-invalid",
            "x-a",
            id="§6 non-ASCII header key gives 502",
        ),
        pytest.param(
            put("headers.x-a", [{"key": "X:A", "value": "1"}]),
            "header-name-invalid",
            "x-a",
            id="§6 colon in a header key gives 502",
        ),
        pytest.param(
            put("headers", []), "header-shape", "headers", id="§1.5 headers not an object gives 502"
        ),
    ],
)
def test_malformed_headers_give_502_naming_the_header(edit: Edit, rule: str, names: str) -> None:
    # DECISIONS "header name characters", "header value characters"
    result = run(VREQ, editing(edit))
    assert_502(result, rule)
    v = next(v for v in result.violations if v.rule == rule)
    assert names in v.message or names in v.path


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("café", id="§6 Latin-1 letter é passes"),
        pytest.param("a\tb", id="§6 a tab passes"),
        pytest.param("", id="§6 an empty value passes"),
        pytest.param("\xff", id="§6 U+00FF, the last Latin-1 character, passes"),
    ],
)
def test_header_value_that_can_go_on_the_wire_is_fine(value: str) -> None:
    assert_ok(run(VRESP, editing(put("headers.x-a", [{"key": "X-A", "value": value}]))))


def test_missing_header_keys_are_filled_in_the_result() -> None:
    result = run(VREQ, editing(put("headers.x-new-thing", [{"value": "1"}])))
    assert_ok(result)
    assert result.request["headers"]["x-new-thing"] == [{"key": "X-New-Thing", "value": "1"}]


# -- property tests: header maps with any case, CR/LF and wide characters --------------------
@settings(max_examples=300, deadline=None, derandomize=True)
@given(headers=strategies.raw_header_maps)
def test_header_validation_never_raises_and_flags_exactly_the_bad_characters(
    headers: dict[str, Any],
) -> None:
    cf_in = el.cf_record(el.build_event(VREQ))
    result = {**cf_in["request"], "headers": {**cf_in["request"]["headers"], **headers}}
    kind, found = el.validate_result(
        result, trigger=el.Trigger(VREQ), cf_in=cf_in, rules=el.get_rules()
    )
    assert kind == "request"
    assert {v.rule for v in found} == strategies.expected_header_violations(headers)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(headers=strategies.raw_header_maps, trigger=st.sampled_from(TRIGGERS))
def test_invoking_with_any_header_map_gives_a_result_and_lowercase_names(
    headers: dict[str, Any], trigger: str
) -> None:
    result = run(trigger, editing(lambda part: part["headers"].update(headers)))
    expected = strategies.expected_header_violations(headers)
    assert (result.status == 502) is bool(expected), result.violations
    if not expected:
        out = (result.response or result.request)["headers"]
        assert all(n == n.lower() for n in out)
        lowered = {n.lower() for n in headers}
        assert lowered <= set(out)


# -- §1.3 body presence ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "body", "present"),
    [
        pytest.param("GET", None, False, id="§1.3 no body without Include Body"),
        pytest.param("POST", None, False, id="§1.3 POST without Include Body has no body"),
        pytest.param("GET", "", True, id="§1.3 Include Body on a GET gives a body"),
    ],
)
def test_body_key_present_only_with_include_body(
    method: str, body: str | None, present: bool
) -> None:
    # DECISIONS "body key absent"
    request = el.cf_record(el.build_event(VREQ, method=method, body=body))["request"]
    assert ("body" in request) is present


# -- violations are records ------------------------------------------------------------------
def test_violation_records_carry_rule_trigger_path_actual_limit_message_section() -> None:
    cf_in = el.cf_record(el.build_event(VREQ))
    kind, found = el.validate_result(
        {"status": "700"}, trigger=el.Trigger(VREQ), cf_in=cf_in, rules=el.get_rules()
    )
    assert kind == "response"
    (v,) = found
    assert v.to_dict() == {
        "rule": "status-range",
        "trigger": VREQ,
        "path": "response.status",
        "actual": 700,
        "limit": "200-599",
        "message": v.message,
        "section": "§1.7, §4",
    }
    assert "700" in v.message and "200-599" in v.message


def test_validation_error_message_names_the_first_violation_and_counts_the_rest() -> None:
    result = run(VREQ, editing(set_h("X-Cache"), set_h("Upgrade")))
    assert "(and 1 more)" in result.error.message and "disallowed" in result.error.message


# -- every UNSURE decision is pinned by a test ------------------------------------------------
# fmt: off
PINNED = {
    "body key absent": "test_validate::test_body_key_present_only_with_include_body",
    "header key vs map name":
        "test_validate::test_header_key_differing_from_its_map_name_is_accepted",
    "header map name case":
        "test_validate::test_map_name_that_is_not_lowercase_is_accepted_and_lowercased",
    "same header under two map-name cases":
        "test_validate::test_same_header_under_two_map_name_cases_is_merged_in_map_order",
    "header name characters": "test_validate::test_malformed_headers_give_502_naming_the_header",
    "header value characters":
        "test_validate::test_header_validation_never_raises_and_flags_exactly_the_bad_characters",
    "invalid base64 body": "test_validate::test_invalid_base64_gives_502",
    "status outside 200-599": "test_validate::test_generated_status_outside_200_599_gives_502",
    "headers of a generated response":
        "test_validate::test_read_only_header_in_a_generated_response_gives_502",
    "headers given as a list in a generated response":
        "test_validate::test_headers_given_as_a_list_in_a_generated_response_are_dropped",
    "oversized replaced body": "test_validate::test_replaced_body_size_limit",
    "uri/querystring/request headers changed in a response trigger":
        "test_validate::test_request_changes_in_a_response_trigger_are_ignored",
    "viewer-response changes status": "test_validate::test_viewer_response_cannot_change_status",
    "read-only header removed": "test_validate::test_changing_a_read_only_header_gives_502",
    "disallowed or read-only header present in the input":
        "test_validate::test_disallowed_header_present_in_the_input_passes_through",
    "returning None or a non-object":
        "test_validate::test_returning_no_request_or_response_gives_502_invalid_return",
    "returning a request from a response trigger":
        "test_validate::test_returning_the_request_from_a_response_trigger_gives_502",
    "read-only request fields (method, clientIp) changed":
        "test_validate::test_changing_a_read_only_request_field_gives_502",
    "origin in a viewer-request result":
        "test_validate::test_origin_in_a_viewer_request_result_is_ignored",
    "204 with a body": "test_validate::test_204_with_body",
    "origin custom-header denylist": "test_validate::test_bad_origin_custom_headers_give_502",
    "response body in viewer response": "test_validate::test_viewer_response_body_replacement",
    "worker process dies (exit, out of memory)":
        "test_python_runtime::test_isolated_crash_gives_500_and_the_next_call_works",
    "memory quota": "test_python_runtime::test_isolated_handler_over_its_memory_quota_gets_500",
    "default rule set": "test_validate::test_default_rule_set_is_2025_11_in_invoke",
    "viewer timeout in 2025-11": "test_validate::test_rule_set_sets_the_handlers_timeout",
    "request size in 2025-11": "test_validate::test_request_size_limit",
    "rule set 2025": "test_rules::test_rule_set_2025_is_a_deprecated_name_for_2025_11",
    "rule override ranges":
        "test_rules::test_override_out_of_range_is_a_config_error_naming_rule_range_and_value",
    "CloudFront-Error-Uri and CloudFront-Error-Args":
        "test_error_pages::test_error_uri_and_args_reach_the_page_origin",
    "TLS fingerprint headers":
        "test_headers::test_tls_fingerprint_headers_are_synthetic_stable_and_https_only",
    "KB and MB": "test_validate::test_generated_response_size_limit",
    "return value Lambda cannot encode as JSON":
        "test_hostile::test_in_process_and_isolated_agree_on_the_same_return_value",
    "error or exit after the call returned":
        "test_hostile::test_a_failure_after_the_call_returned_costs_the_container",
    "memory quota and threads left running":
        "test_hostile::test_threads_left_behind_do_not_count_against_the_memory_quota",
    "module that never finishes importing": "test_hostile::"
        "test_a_handler_that_never_finishes_loading_is_refused_after_the_init_phase",
}
# fmt: on


@pytest.mark.parametrize("decision", el.DECISIONS, ids=lambda d: d.topic)
def test_every_decision_is_pinned_by_a_test(decision: Any) -> None:
    assert decision.topic in PINNED, f"no test pins the decision {decision.topic!r}"
    module, function = PINNED[decision.topic].split("::")
    assert callable(getattr(importlib.import_module(f"tests.{module}"), function))
