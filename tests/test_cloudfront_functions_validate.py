"""CloudFront's outcome for what a CloudFront Function returned: conformance tables.

Each case is what a function returned (as the sandbox reports it) and the outcome
CloudFront gives; ids cite cloudfront-functions-facts. No Node.js needed: the sandbox's
report is built here and decided by ``decide_cff``, the one place outcomes are decided.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import edgelab as el
from edgelab.cloudfront_functions.result import decide_cff
from edgelab.runtimes.base import RawResult
from edgelab.triggers import Trigger

RT1, RT2 = el.CFF_RUNTIMES
VREQ, VRESP = "viewer-request", "viewer-response"


def report(returned: Any = None, *, type_: str | None = None, **extra: Any) -> dict[str, Any]:
    """What the sandbox reports for a run that returned ``returned``."""
    if type_ is None:
        type_ = (
            "undefined"
            if returned is None and "json" not in extra
            else (
                "null"
                if returned is None
                else "string"
                if isinstance(returned, str)
                else "number"
                if isinstance(returned, int | float)
                else "object"
            )
        )
    out = {
        "state": "returned",
        "type": type_,
        "array": isinstance(returned, list),
        "promise": False,
        "json": None if type_ == "undefined" else json.dumps(returned),
        "error": None,
        "logs": [],
        "logsTruncated": False,
        "logData": None,
        "origin": [],
        "kvsReads": 0,
        "cpu_ms": 0.01,
        "wall_ms": 0.01,
        "heap_bytes": 1000,
    }
    out.update(extra)
    return out


def decide(
    returned: Any = None,
    *,
    trigger: str = VREQ,
    event: dict[str, Any] | None = None,
    runtime: str = RT2,
    rules: Any = None,
    status: str = "ok",
    origins: list[str] | None = None,
    **extra: Any,
) -> el.FunctionResult:
    ev = event or el.build_cff_event(trigger)
    raw = RawResult(status, report(returned, **extra) if status != "timeout" else None)
    return decide_cff(
        raw,
        trigger=Trigger(trigger),
        event=ev,
        rules=el.get_cff_rules(rules),
        runtime=runtime,
        origins=origins,
    )


def request(**changes: Any) -> dict[str, Any]:
    req = el.build_cff_event(VREQ)["request"]
    req.update(changes)
    return req


def response(**changes: Any) -> dict[str, Any]:
    resp = el.build_cff_event(VRESP)["response"]
    resp.update(changes)
    return resp


def rules_of(result: el.FunctionResult) -> list[str]:
    return [v.rule for v in result.violations]


# -- what a function may return (§3) ----------------------------------------------------------
def test_returning_the_request_lets_it_go_on() -> None:
    res = decide(request(uri="/new"))
    assert (res.outcome, res.status, res.error) == ("request", None, None)
    assert res.request["uri"] == "/new"


def test_a_generated_response_goes_to_the_viewer_with_its_status() -> None:
    res = decide({"statusCode": 302, "headers": {"location": {"value": "/x"}}})
    assert (res.outcome, res.status) == ("response", 302)
    assert res.response["statusDescription"] == "Found"
    assert res.response["headers"]["location"] == {"value": "/x"}


RETURNS = [
    pytest.param(None, "undefined", VREQ, id="§3 undefined"),
    pytest.param(None, "null", VREQ, id="§3 null"),
    pytest.param("text", "string", VREQ, id="§3 a string"),
    pytest.param(3, "number", VREQ, id="§3 a number"),
    pytest.param([1, 2], "object", VREQ, id="§3 an array"),
    pytest.param({}, "object", VREQ, id="§3 an empty object"),
    pytest.param(None, "function", VREQ, id="§3 a function"),
    pytest.param(el.build_cff_event(VREQ), "object", VREQ, id="§3 the whole event (VReq)"),
    pytest.param(el.build_cff_event(VRESP), "object", VRESP, id="§3 the whole event (VResp)"),
    pytest.param(request(), "object", VRESP, id="§3 the request from viewer response"),
]


@pytest.mark.parametrize(("returned", "type_", "trigger"), RETURNS)
def test_returning_no_request_or_response_gives_502(
    returned: Any, type_: str, trigger: str
) -> None:
    # CFF_DECISIONS "returning undefined, the whole event or a non-object"
    res = decide(returned, type_=type_, trigger=trigger)
    assert (res.outcome, res.status, res.error.type) == ("error", 502, "FunctionValidationError")
    assert rules_of(res) == ["return-shape"]


def test_a_1_0_handler_returning_a_promise_gives_502() -> None:
    res = decide({}, runtime=RT1, promise=True)
    assert res.status == 502 and "not a Promise" in res.error.message


def test_fields_a_returned_request_leaves_out_keep_them() -> None:
    # CFF_DECISIONS "what a returned object is"
    ev = el.build_cff_event(VREQ, uri="/a", querystring="q=1", cookies={"c": "1"})
    res = decide({"uri": "/b"}, event=ev)
    assert res.outcome == "request"
    assert res.request["uri"] == "/b"
    assert res.request["querystring"] == {"q": {"value": "1"}}
    assert res.request["cookies"] == {"c": {"value": "1"}}
    assert res.request["headers"] == ev["request"]["headers"]
    # ... and an object with a statusCode is a response, whatever else it has.
    assert decide({"statusCode": 403, "uri": "/x"}).outcome == "response"


def test_viewer_response_may_change_the_status_and_keeps_omitted_fields() -> None:
    ev = el.build_cff_event(VRESP, response_headers=["X-Origin: 1"])
    res = decide({"statusCode": 404}, trigger=VRESP, event=ev)
    assert (res.outcome, res.status) == ("response", 404)
    assert res.response["headers"]["x-origin"] == {"value": "1"}
    assert res.response["statusDescription"] == "Not Found"


# -- validation rules (§2, §4.1) --------------------------------------------------------------
HEADERS = {"host": {"value": "example.com"}}
CASES: list[Any] = [
    pytest.param(request(method="POST"), VREQ, "read-only-field", id="§2.2 method is read-only"),
    pytest.param(request(uri="index.html"), VREQ, "uri-invalid", id="§2.2 uri must start with /"),
    pytest.param(request(uri="/a b"), VREQ, "uri-invalid", id="§4.1 uri with a space"),
    pytest.param(
        request(uri="/" + "a" * 8191),
        VREQ,
        "uri-too-long",
        id="§4.1 uri + querystring of 8192 characters",
    ),
    pytest.param(
        request(headers={"X-New": {"value": "1"}}),
        VREQ,
        "header-name-case",
        id="§2.4 header names must be lowercase",
    ),
    pytest.param(
        request(headers={"x new": {"value": "1"}}),
        VREQ,
        "header-name-invalid",
        id="§4.1 header name not a token",
    ),
    pytest.param(
        request(headers={"x-n": {"value": 1}}),
        VREQ,
        "value-not-string",
        id="§4.1 header value a number (decision)",
    ),
    pytest.param(
        request(headers={"x-n": {"value": "a\nb"}}),
        VREQ,
        "value-invalid",
        id="§4.1 header value with a newline",
    ),
    pytest.param(request(headers={"x-n": "1"}), VREQ, "field-shape", id="§2.4 header not {value}"),
    pytest.param(
        request(headers={"x-n": {"value": "1", "multiValue": "a"}}),
        VREQ,
        "field-shape",
        id="§2.4 multiValue not a list",
    ),
    pytest.param(
        request(cookies={"c": {"value": 2}}),
        VREQ,
        "value-not-string",
        id="§4.1 cookie value a number (decision)",
    ),
    pytest.param(
        request(querystring={"q": {"value": True}}),
        VREQ,
        "value-not-string",
        id="§4.1 query value a boolean (decision)",
    ),
    pytest.param(
        request(querystring={"q": {"value": "a b"}}),
        VREQ,
        "querystring-invalid",
        id="§4.1 query value with a space (decision)",
    ),
    pytest.param(
        request(querystring={"q": {"value": "a#b"}}),
        VREQ,
        "querystring-invalid",
        id="§4.1 query value with # (decision)",
    ),
    pytest.param(
        request(headers={**request()["headers"], "cookie": {"value": "a=1"}}),
        VREQ,
        "cookie-header",
        id="§2.2 a cookie header (decision)",
    ),
    pytest.param(request(body="x"), VREQ, "request-body", id="§2.2 a request body"),
    pytest.param(
        request(headers={"x-big": {"value": "v" * 21000}}),
        VREQ,
        "request-too-large",
        id="§4.1 request of more than 20480 bytes",
    ),
    pytest.param({"statusCode": "302"}, VREQ, "status-invalid", id="§2.3 statusCode a string"),
    pytest.param({"statusCode": 199}, VREQ, "status-invalid", id="§4.1 statusCode 199 (decision)"),
    pytest.param({"statusCode": 600}, VREQ, "status-invalid", id="§4.1 statusCode 600 (decision)"),
    pytest.param({"statusCode": 302.5}, VREQ, "status-invalid", id="§2.3 statusCode 302.5"),
    pytest.param(
        {"statusCode": 200, "statusDescription": 3},
        VREQ,
        "status-description",
        id="§2.3 statusDescription a number",
    ),
    pytest.param(
        {"statusCode": 200, "headers": {"set-cookie": {"value": "a=1"}}},
        VREQ,
        "set-cookie-header",
        id="§2.3 a set-cookie header (decision)",
    ),
    pytest.param(
        {"statusCode": 200, "cookies": {"a": {"value": "1", "attributes": 3}}},
        VREQ,
        "value-not-string",
        id="§2.3 cookie attributes a number",
    ),
    pytest.param(
        {"statusCode": 200, "body": {"data": "%%%", "encoding": "base64"}},
        VREQ,
        "body-base64",
        id="§2.3 invalid base64 body (decision)",
    ),
    pytest.param(
        {"statusCode": 200, "body": {"data": "x", "encoding": "gzip"}},
        VREQ,
        "body-encoding",
        id="§2.3 body encoding gzip",
    ),
    pytest.param(
        {"statusCode": 200, "body": {"data": 5}}, VREQ, "body-shape", id="§2.3 body data a number"
    ),
    pytest.param({"statusCode": 200, "body": 5}, VREQ, "body-shape", id="§2.3 body a number"),
    pytest.param(
        {"statusCode": 200, "headers": {"x-cache": {"value": "Hit"}}},
        VREQ,
        "disallowed-header",
        id="§4.1 generated response adds a disallowed header",
    ),
    pytest.param(
        response(headers={**response()["headers"], "via": {"value": "x"}}),
        VRESP,
        "read-only-header",
        id="§4.1 VResp adds via (read-only)",
    ),
    pytest.param(
        response(headers={**response()["headers"], "x-edge-location": {"value": "x"}}),
        VRESP,
        "disallowed-header",
        id="§4.1 VResp adds an X-Edge-* header",
    ),
]


@pytest.mark.parametrize(("returned", "trigger", "rule"), CASES)
def test_invalid_results_give_502_with_the_broken_rule(
    returned: Any, trigger: str, rule: str
) -> None:
    # CFF_DECISIONS "validation errors other than header rules": 502 like header rules.
    res = decide(returned, trigger=trigger)
    assert (res.outcome, res.status, res.error.type) == ("error", 502, "FunctionValidationError")
    assert rule in rules_of(res), res.violations
    assert all(v.section.startswith("§") for v in res.violations)
    assert res.error.message.startswith("the function result failed validation: ")


VALID: list[Any] = [
    pytest.param(request(uri="/" + "a" * 8100), VREQ, id="§4.1 uri under 8192 characters"),
    pytest.param({"statusCode": 200}, VREQ, id="§4.1 statusCode 200"),
    pytest.param({"statusCode": 599}, VREQ, id="§4.1 statusCode 599"),
    pytest.param({"statusCode": 200, "body": "<p>hi</p>"}, VREQ, id="§2.3 a string body"),
    pytest.param(
        {"statusCode": 200, "body": {"data": "aGk=", "encoding": "base64"}},
        VREQ,
        id="§2.3 a base64 body",
    ),
    pytest.param(
        {"statusCode": 200, "body": {"data": "hi", "encoding": "text"}}, VREQ, id="§2.3 a text body"
    ),
    pytest.param(
        {"statusCode": 200, "body": {"data": "x" * 100_000}},
        VREQ,
        id="§3 a 100 KB body (decision: no size limit beyond memory)",
    ),
    pytest.param(
        response(headers={**response()["headers"], "content-length": {"value": "1"}}),
        VRESP,
        id="§4.1 VResp may change content-length (read-only for L@E only)",
    ),
    pytest.param(response(body=""), VRESP, id="§2.3 VResp may remove the body"),
    pytest.param(
        request(querystring={"q": {"value": "%E5%AE%B6"}}), VREQ, id="§2.2 an encoded query value"
    ),
]


@pytest.mark.parametrize(("returned", "trigger"), VALID)
def test_valid_results_go_through(returned: Any, trigger: str) -> None:
    res = decide(returned, trigger=trigger)
    assert res.outcome in ("request", "response"), res.error


def test_a_querystring_string_is_accepted_from_2_0_only() -> None:
    # CFF_DECISIONS "querystring as a string"
    ok = decide(request(querystring="b=2&a=1"), runtime=RT2)
    assert ok.outcome == "request" and ok.request["querystring"] == "b=2&a=1"
    bad = decide(request(querystring="b=2&a=1"), runtime=RT1)
    assert bad.status == 502 and rules_of(bad) == ["querystring-string"]
    assert "querystring-invalid" in rules_of(decide(request(querystring="a=1 2")))


@pytest.mark.parametrize(
    ("name", "rule_set", "bad"),
    [
        pytest.param("host", "2023-03", True, id="§4.1 Host read-only in VReq"),
        pytest.param("via", "2023-03", True, id="§4.1 Via read-only in VReq"),
        pytest.param("cdn-loop", "2023-03", False, id="§4.1 CDN-Loop free in the 2023 rules"),
        pytest.param(
            "cdn-loop", "2025-11", True, id="§4.1 CDN-Loop read-only in the 2025-11 rules"
        ),
        pytest.param("client-cert", "2023-03", False, id="§4.1 Client-Cert free in the 2023 rules"),
        pytest.param("client-cert", "2025-11", True, id="§4.1 Client-Cert disallowed in 2025-11"),
        pytest.param("x-amz-cf-id", "2023-03", True, id="§4.1 X-Amz-Cf-* disallowed"),
        pytest.param("x-custom", "2025-11", False, id="§4.1 a custom header"),
    ],
)
def test_header_rules_follow_the_rule_set(name: str, rule_set: str, bad: bool) -> None:
    req = request()
    req["headers"] = {**req["headers"], name: {"value": "changed"}}
    res = decide(req, rules=rule_set)
    assert (res.status == 502) is bad, res.violations


def test_read_only_headers_passed_through_or_removed() -> None:
    # A read-only header the viewer sent may pass through; removing it is a change.
    assert decide(request()).outcome == "request"
    req = request()
    del req["headers"]["host"]
    res = decide(req)
    assert res.status == 502 and rules_of(res) == ["read-only-header"]
    assert "was removed" in res.violations[0].message


def test_a_disallowed_header_in_the_input_may_pass_through() -> None:
    ev = el.build_cff_event(VRESP, response_headers=["X-Cache: Hit from cloudfront"])
    assert decide(ev["response"], trigger=VRESP, event=ev).outcome == "response"


def test_multi_value_write_rules() -> None:
    """§2.4: a changed multiValue wins; a changed value replaces the first value only."""
    ev = el.build_cff_event(VREQ, headers=["Accept: a", "Accept: b", "Accept: c"])
    req = ev["request"]
    req["headers"]["accept"]["value"] = "z"
    res = decide(
        req, event=el.build_cff_event(VREQ, headers=["Accept: a", "Accept: b", "Accept: c"])
    )
    assert [m["value"] for m in res.request["headers"]["accept"]["multiValue"]] == ["z", "b", "c"]
    req["headers"]["accept"] = {"value": "ignored", "multiValue": [{"value": "x"}]}
    res = decide(req, event=el.build_cff_event(VREQ, headers=["Accept: a", "Accept: b"]))
    assert res.request["headers"]["accept"] == {"value": "x"}


# -- origin modification helpers (§5.5) -------------------------------------------------------
def origin(helper: str, *args: Any) -> list[dict[str, str]]:
    return [{"helper": helper, "args": json.dumps(list(args))}]


ORIGIN_BAD: list[Any] = [
    pytest.param(
        origin("updateRequestOrigin", {"domainName": "10.0.0.1"}),
        None,
        id="§5.5 domainName an IP address",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"domainName": "a.example.com:8080"}),
        None,
        id="§5.5 domainName with a port",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"domainName": "x" * 254}),
        None,
        id="§5.5 domainName over 253 characters",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"domainName": "Bucket.s3.us-east-1.amazonaws.com"}),
        None,
        id="§5.5 S3 domain not lowercase",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"originPath": "/v2/"}),
        None,
        id="§5.5 originPath ending with /",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"originPath": "v2"}),
        None,
        id="§5.5 originPath not starting with /",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"customHeaders": {"host": "x"}}),
        None,
        id="§5.5 custom header host is denied",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"customHeaders": {"X-A": "x"}}),
        None,
        id="§5.5 custom header names are lowercase",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"customHeaders": {"x-a": 1}}),
        None,
        id="§5.5 custom header values are strings",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"connectionAttempts": 4}),
        None,
        id="§5.5 connectionAttempts 4",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"timeouts": {"readTimeout": 121}}),
        None,
        id="§5.5 readTimeout 121",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"timeouts": {"connectionTimeout": 11}}),
        None,
        id="§5.5 connectionTimeout 11",
    ),
    pytest.param(
        origin(
            "updateRequestOrigin",
            {"timeouts": {"readTimeout": 30, "responseCompletionTimeout": 10}},
        ),
        None,
        id="§5.5 responseCompletionTimeout under readTimeout",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"ipAddressType": "ipv6"}),
        None,
        id="§5.5 ipAddressType without domainName",
    ),
    pytest.param(
        origin(
            "updateRequestOrigin",
            {"originAccessControlConfig": {"enabled": True, "signingBehavior": "sometimes"}},
        ),
        None,
        id="§5.5 bad signingBehavior",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"customOriginConfig": {"protocol": "ftp"}}),
        None,
        id="§5.5 customOriginConfig protocol ftp",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"allowedCertificateNames": ["a"] * 21}),
        None,
        id="§5.5 21 allowedCertificateNames",
    ),
    pytest.param(
        origin("updateRequestOrigin", {"domain": "x.example.com"}),
        None,
        id="§5.5 an unknown parameter",
    ),
    pytest.param(origin("updateRequestOrigin", "x.example.com"), None, id="§5.5 not an object"),
    pytest.param(
        origin("selectRequestOriginById", "eu"),
        ["us"],
        id="§5.5 select an unknown origin id (decision)",
    ),
    pytest.param(origin("selectRequestOriginById", ""), None, id="§5.5 select an empty id"),
    pytest.param(
        origin("createRequestOriginGroup", {"originIds": ["a"], "failoverCriteria": [500]}),
        None,
        id="§5.5 a group of one origin",
    ),
    pytest.param(
        origin("createRequestOriginGroup", {"originIds": ["a", "z"], "failoverCriteria": [500]}),
        ["a", "b"],
        id="§5.5 a group with an unknown origin (decision)",
    ),
    pytest.param(
        origin("createRequestOriginGroup", {"originIds": ["a", "b"], "failoverCriteria": [200]}),
        None,
        id="§5.5 failover on 200",
    ),
    pytest.param(
        origin(
            "createRequestOriginGroup",
            {"originIds": ["a", "b"], "failoverCriteria": [500], "selectionCriteria": "fastest"},
        ),
        None,
        id="§5.5 an unknown selectionCriteria",
    ),
]


@pytest.mark.parametrize(("calls", "origins"), ORIGIN_BAD)
def test_invalid_origin_changes_give_502(
    calls: list[dict[str, str]], origins: list[str] | None
) -> None:
    res = decide(request(), origin=calls, origins=origins)
    assert res.status == 502, res.outcome
    assert {v.rule for v in res.violations} <= {"origin-param", "origin-id", "origin-unknown"}
    assert res.origin_changes[0]["helper"] == calls[0]["helper"]


ORIGIN_OK: list[Any] = [
    pytest.param(
        origin(
            "updateRequestOrigin",
            {
                "domainName": "cloudfront-demo.s3.eu-west-3.amazonaws.com",
                "originPath": "/v2",
                "customHeaders": {"x-edge": "1"},
                "connectionAttempts": 2,
                "originShield": {"enabled": True, "region": "eu-west-3"},
                "originAccessControlConfig": {
                    "enabled": True,
                    "region": "eu-west-3",
                    "signingBehavior": "always",
                    "signingProtocol": "sigv4",
                    "originType": "s3",
                },
                "timeouts": {
                    "readTimeout": 30,
                    "responseCompletionTimeout": 60,
                    "keepAliveTimeout": 5,
                    "connectionTimeout": 3,
                },
                "customOriginConfig": {
                    "port": 443,
                    "protocol": "https",
                    "sslProtocols": ["TLSv1.2"],
                },
                "ipAddressType": "dualstack",
                "hostHeader": "www.example.com",
                "sni": "example.com",
                "allowedCertificateNames": ["example.com"],
            },
        ),
        None,
        id="§5.5 every parameter",
    ),
    pytest.param(
        origin("selectRequestOriginById", "eu", {"hostHeader": "eu.example.com"}),
        ["us", "eu"],
        id="§5.5 select a known id",
    ),
    pytest.param(
        origin("selectRequestOriginById", "anything"),
        None,
        id="§5.5 select without the distribution's ids",
    ),
    pytest.param(
        origin(
            "createRequestOriginGroup",
            {
                "originIds": ["a", {"originId": "b", "originOverrides": {"sni": "b.example.com"}}],
                "failoverCriteria": {"statusCodes": [500, 502]},
                "selectionCriteria": "media-quality-score",
            },
        ),
        ["a", "b"],
        id="§5.5 group: both forms (decision)",
    ),
    pytest.param(
        origin(
            "createRequestOriginGroup", {"originIds": ["a", "b"], "failoverCriteria": [503, 504]}
        ),
        None,
        id="§5.5 group: failover codes as a list",
    ),
]


@pytest.mark.parametrize(("calls", "origins"), ORIGIN_OK)
def test_valid_origin_changes_are_kept_for_the_chain(
    calls: list[dict[str, str]], origins: list[str] | None
) -> None:
    # CFF_DECISIONS "createRequestOriginGroup forms"
    res = decide(request(), origin=calls, origins=origins)
    assert res.outcome == "request", res.violations
    assert res.to_dict()["origin_changes"] == res.origin_changes
    assert res.origin_changes[0]["helper"] == calls[0]["helper"]


def test_several_origin_calls_are_kept_in_order() -> None:
    # CFF_DECISIONS "several origin helper calls"
    calls = [
        *origin("selectRequestOriginById", "b"),
        *origin("updateRequestOrigin", {"originPath": "/x"}),
    ]
    res = decide(request(), origin=calls, origins=["a", "b"])
    assert [c["helper"] for c in res.origin_changes] == [
        "selectRequestOriginById",
        "updateRequestOrigin",
    ]
    assert res.origin_changes[0]["params"] == {"originId": "b"}


# -- execution outcomes (§4.2, §8) ------------------------------------------------------------
def test_a_thrown_error_gives_503_with_its_line() -> None:
    # CFF_DECISIONS "execution errors"
    res = decide(
        status="error",
        state="threw",
        error={"name": "TypeError", "message": "x is not a function", "line": 4},
    )
    assert (res.outcome, res.status, res.error.type) == ("error", 503, "FunctionExecutionError")
    assert res.error.message == "TypeError: x is not a function (line 4)"


def test_a_promise_that_never_settles_gives_503() -> None:
    res = decide(status="error", state="pending")
    assert res.status == 503 and "never settled" in res.error.message


def test_a_run_stopped_at_its_deadline_gives_503() -> None:
    res = decide(status="timeout", rules=el.get_cff_rules(overrides={"stop-after": 200}))
    assert res.status == 503 and "within 200 ms" in res.error.message
    assert res.compute_utilization >= 200 * 100


def test_a_dead_sandbox_gives_503() -> None:
    res = decide(status="crash")
    assert (res.status, res.error.type) == (503, "FunctionExecutionError")


def test_memory_over_the_limit_gives_503_memory_error() -> None:
    # CFF_DECISIONS "memory"
    res = decide(request(), heap_bytes=2 * 1024 * 1024 + 1)
    assert res.status == 503 and res.error.message.startswith("MemoryError")
    assert decide(request(), heap_bytes=2 * 1024 * 1024).outcome == "request"
    small = el.get_cff_rules(overrides={"memory": 0.001})
    assert decide(request(), heap_bytes=2000, rules=small).status == 503


@pytest.mark.parametrize(
    ("cpu_ms", "budget", "outcome", "utilization"),
    [
        pytest.param(0.25, 1, "request", 25.0, id="§8 25 %"),
        pytest.param(1.0, 1, "request", 100.0, id="§8 exactly 100 %"),
        pytest.param(1.2, 1, "error", 120.0, id="§8 120 % (decision)"),
        pytest.param(0.5, 0.25, "error", 200.0, id="§8 a smaller budget"),
    ],
)
def test_compute_utilization_is_cpu_time_against_the_budget(
    cpu_ms: float, budget: float, outcome: str, utilization: float
) -> None:
    # CFF_DECISIONS "compute budget" and "compute utilization over 100 %"
    rules = el.get_cff_rules(overrides={"compute-budget": budget})
    res = decide(request(), cpu_ms=cpu_ms, rules=rules)
    assert res.outcome == outcome
    assert res.compute_utilization == pytest.approx(utilization)
    assert res.to_dict()["compute_utilization"] == pytest.approx(utilization)
    if outcome == "error":
        assert (res.status, res.error.type) == (503, "FunctionExecutionError")
        assert "over 100 %" in res.error.message


def test_the_result_keeps_the_invoke_contract_and_adds_runtime_keys() -> None:
    data = decide(request(), logs=["one", "two"], logData="x%20y").to_dict()
    assert {
        "trigger",
        "outcome",
        "request",
        "response",
        "status",
        "error",
        "violations",
        "duration_ms",
        "logs",
        "cold_start",
        "notes",
    } <= set(data)
    assert data["runtime"] == RT2 and isinstance(data["compute_utilization"], float)
    assert data["logs"] == "one\ntwo" and data["log_data"] == "x%20y"
    assert data["cold_start"] is False and data["origin_changes"] == []


def test_error_page_for_a_failed_function() -> None:
    page = el.cloudfront_functions.cff_error_response(
        503, "FunctionExecutionError", request_id="r1"
    )
    assert page["statusCode"] == 503
    assert "is invalid or could not run" in page["body"]["data"]
    assert page["headers"]["x-cache"] == {"value": "FunctionExecutionError from cloudfront"}


# -- the rule set -------------------------------------------------------------------------------
def test_rule_sets_follow_lambda_edges_names() -> None:
    assert list(el.CFF_RULE_SETS) == ["2025-11", "2023-03"]
    assert el.get_cff_rules().name == "2025-11"
    with pytest.warns(FutureWarning, match="deprecated"):
        assert el.get_cff_rules("2025").name == "2025-11"
    with pytest.raises(el.ConfigError, match="Lambda@Edge rule set"):
        el.get_cff_rules(el.get_rules())


def test_viewer_response_read_only_headers_are_cloudfront_functions_own() -> None:
    """§4.1: Content-Length, Content-Encoding and Transfer-Encoding are read-only in viewer
    response for Lambda@Edge only."""
    rules = el.get_cff_rules("2025-11")
    read_only = {
        r.name
        for r in rules.header_rules
        if r.kind == "read-only" and Trigger.VIEWER_RESPONSE in r.triggers
    }
    assert read_only == {"warning", "via"}
    assert {r.trigger for r in rules.limits.values()} == {
        Trigger.VIEWER_REQUEST,
        Trigger.VIEWER_RESPONSE,
    }


@pytest.mark.parametrize(
    ("override", "message"),
    [
        pytest.param(
            {"compute-budget": 0},
            "compute-budget must be a number of ms from 1e-05 up",
            id="a zero budget",
        ),
        pytest.param(
            {"memory": -1}, "memory must be a number of MB from 0.001 up", id="negative memory"
        ),
        pytest.param({"function-size": 1.5}, "a whole number", id="a fractional size"),
        pytest.param({"timeout": 5}, "unknown rule 'timeout'", id="a Lambda@Edge rule"),
        pytest.param(
            {"memory.origin-request": 1},
            "use viewer-request or viewer-response",
            id="an origin trigger",
        ),
        pytest.param({"memory.nowhere": 1}, "unknown trigger", id="an unknown trigger"),
        pytest.param(
            {"status-min": 500, "status-max": 400},
            "must not be above",
            id="status-min above status-max",
        ),
    ],
)
def test_overrides_are_checked(override: dict[str, float], message: str) -> None:
    with pytest.raises(el.ConfigError, match=message):
        el.get_cff_rules(overrides=override)


def test_overrides_apply_per_trigger() -> None:
    rules = el.get_cff_rules(overrides=["compute-budget.viewer-response=2.5", "memory=0.5"])
    assert rules.limit("compute-budget", "viewer-request") == 1.0
    assert rules.limit("compute-budget", "viewer-response") == 2.5
    assert rules.limit("memory", "viewer-request") == 0.5
    assert rules.overrides == {"compute-budget.viewer-response": 2.5, "memory": 0.5}
