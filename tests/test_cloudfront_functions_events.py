"""CloudFront Functions events (facts §2): built, loaded from AWS's example, and converted
to and from Lambda@Edge's shape."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given

import edgelab as el
from edgelab.cloudfront_functions.event import (
    normalize_cff_event,
    parse_querystring,
    querystring_to_string,
)
from edgelab.cloudfront_functions.result import decide_cff
from edgelab.errors import EventError
from edgelab.runtimes.base import RawResult
from tests.conftest import FIXTURES, ROOT
from tests.strategies import cff_events, cff_returns

AWS_EXAMPLE = FIXTURES / "cloudfront_functions" / "aws-example-event.json"


def shape(value: Any) -> Any:
    """Key paths and JSON types, not values."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def test_aws_example_event_loads_unchanged() -> None:
    data = json.loads(AWS_EXAMPLE.read_text())
    loaded = el.load_cff_event(AWS_EXAMPLE)
    assert loaded.event == data and loaded.notes == []
    assert loaded.trigger is el.Trigger.VIEWER_RESPONSE


def test_built_events_have_the_aws_example_shape() -> None:
    example = json.loads(AWS_EXAMPLE.read_text())
    built = el.build_cff_event(
        "viewer-response",
        querystring="ID=42&mv=1&mv=2",
        headers=["Accept: a", "Accept: b"],
        cookies={"c": "1"},
        response_headers=["Set-Cookie: ID=1; Path=/", "Set-Cookie: ID=2"],
    )
    top = {k: shape(v) for k, v in example.items() if k not in ("request", "response")}
    assert {k: shape(v) for k, v in built.items() if k not in ("request", "response")} == top
    assert set(built["request"]) == set(example["request"])
    assert set(built["response"]) == set(example["response"])
    assert built["request"]["querystring"]["mv"] == {
        "value": "1",
        "multiValue": [{"value": "1"}, {"value": "2"}],
    }
    assert built["response"]["cookies"]["ID"]["multiValue"][0] == {
        "value": "1",
        "attributes": "Path=/",
    }
    assert isinstance(built["response"]["statusCode"], int)
    assert "response" not in el.build_cff_event("viewer-request")


def test_viewer_request_events_may_carry_geo_and_device_headers() -> None:
    """§7: a CloudFront Function sees them at viewer request (Lambda@Edge does not)."""
    headers = el.build_cff_event("viewer-request", country="fr", device="tablet")["request"][
        "headers"
    ]
    assert headers["cloudfront-viewer-country"] == {"value": "FR"}
    assert headers["cloudfront-is-tablet-viewer"] == {"value": "true"}
    assert headers["cloudfront-is-mobile-viewer"] == {"value": "false"}
    with pytest.raises(EventError, match="viewer-request and viewer-response only"):
        el.build_cff_event("origin-request")
    with pytest.raises(EventError, match="device must be one of"):
        el.build_cff_event("viewer-request", device="watch")


def test_querystring_values_stay_as_sent() -> None:
    # CFF_DECISIONS "querystring values"
    qs = parse_querystring("a=%E5%AE%B6&b=x+y&flag&a=2")
    assert qs == {
        "a": {"value": "%E5%AE%B6", "multiValue": [{"value": "%E5%AE%B6"}, {"value": "2"}]},
        "b": {"value": "x+y"},
        "flag": {"value": ""},
    }
    assert querystring_to_string(qs) == "a=%E5%AE%B6&a=2&b=x+y&flag"


def test_test_events_may_omit_the_context_ids() -> None:
    """§2.1: AWS's test events may leave out distributionDomainName, distributionId and
    requestId; edgelab fills them and says so."""
    loaded = el.load_cff_event(
        {
            "version": "1.0",
            "context": {"eventType": "viewer-request"},
            "viewer": {"ip": "1.2.3.4"},
            "request": {
                "method": "GET",
                "uri": "/",
                "querystring": {},
                "headers": {},
                "cookies": {},
            },
        }
    )
    assert set(loaded.event["context"]) == {
        "distributionDomainName",
        "distributionId",
        "eventType",
        "requestId",
    }
    assert len(loaded.notes) == 3


def test_loading_fills_and_fixes_with_notes() -> None:
    loaded = normalize_cff_event(
        {
            "request": {
                "uri": "/a",
                "headers": {"Host": {"value": "x"}, "cookie": {"value": "a=1; b=2"}},
            }
        }
    )
    ev = loaded.event
    assert ev["version"] == "1.0" and ev["context"]["eventType"] == "viewer-request"
    assert ev["request"]["headers"] == {"host": {"value": "x"}}
    assert ev["request"]["cookies"] == {"a": {"value": "1"}, "b": {"value": "2"}}
    assert ev["request"]["method"] == "GET" and ev["request"]["querystring"] == {}
    assert any("lowercased" in n for n in loaded.notes)
    assert any("moved to request.cookies" in n for n in loaded.notes)
    resp = normalize_cff_event({"response": {"statusCode": "302"}, "request": {"uri": "/"}}).event[
        "response"
    ]
    assert resp["statusCode"] == 302 and resp["statusDescription"] == "Found"


@pytest.mark.parametrize(
    ("event", "path"),
    [
        pytest.param([], "", id="not an object"),
        pytest.param({"request": {"uri": "x"}}, "request.uri", id="uri without /"),
        pytest.param(
            {"request": {"uri": "/", "headers": {"a": "1"}}},
            "request.headers.a",
            id="header not {value}",
        ),
        pytest.param(
            {"request": {"uri": "/", "cookies": {"a": {"value": "1", "multiValue": 2}}}},
            "request.cookies.a.multiValue",
            id="multiValue not a list",
        ),
        pytest.param(
            {"context": {"eventType": "origin-request"}, "request": {"uri": "/"}},
            "context.eventType",
            id="origin event type",
        ),
        pytest.param(
            {"context": {"eventType": "viewer-response"}, "request": {"uri": "/"}},
            "response",
            id="viewer response without response",
        ),
        pytest.param(
            {"response": {"statusCode": "abc"}, "request": {"uri": "/"}},
            "response.statusCode",
            id="statusCode not a number",
        ),
    ],
)
def test_unusable_events_are_refused_with_the_path(event: Any, path: str) -> None:
    with pytest.raises(EventError) as info:
        normalize_cff_event(event)
    assert info.value.path == path


# -- conversions ------------------------------------------------------------------------------
def test_a_lambda_edge_event_is_converted_for_a_cloudfront_function() -> None:
    lam = el.build_event(
        "viewer-request",
        uri="/x",
        querystring="a=1&a=2",
        headers=["Accept: a", "Accept: b"],
        cookies={"c": "1", "d": "2"},
        body="secret",
    )
    loaded = el.load_cff_event(lam)
    req = loaded.event["request"]
    assert req["uri"] == "/x" and req["cookies"] == {"c": {"value": "1"}, "d": {"value": "2"}}
    assert req["headers"]["accept"]["multiValue"] == [{"value": "a"}, {"value": "b"}]
    assert "cookie" not in req["headers"] and "body" not in req
    assert loaded.raw_querystring == "a=1&a=2"
    assert any("converted to the CloudFront Functions event shape" in n for n in loaded.notes)
    assert any("request.body was dropped" in n for n in loaded.notes)
    with pytest.raises(EventError, match="viewer-request and viewer-response only"):
        el.load_cff_event(el.build_event("origin-request"))


def test_a_cloudfront_functions_event_is_converted_for_a_lambda_edge_handler() -> None:
    event = el.build_cff_event(
        "viewer-response",
        cookies={"s": "1"},
        response_headers=["Set-Cookie: a=1; Path=/"],
        status=404,
    )
    result = el.invoke(lambda e, c: e["Records"][0]["cf"]["response"], event)
    assert result.outcome == "response" and result.status == 404
    assert result.response["headers"]["set-cookie"] == [
        {"key": "Set-Cookie", "value": "a=1; Path=/"}
    ]
    assert any("converted to the Lambda@Edge event shape" in n for n in result.notes)
    seen = el.invoke(
        lambda e, c: e["Records"][0]["cf"]["request"], el.build_cff_event(cookies={"s": "1"})
    ).request
    assert seen["headers"]["cookie"] == [{"key": "Cookie", "value": "s=1"}]


@given(cff_events())
def test_conversion_round_trips(event: dict[str, Any]) -> None:
    lam, _ = el.to_lambda_event(event)
    back, _ = el.to_cff_event(lam)
    assert back == event


@given(cff_events(), cff_returns)
def test_deciding_any_return_value_never_crashes(event: dict[str, Any], returned: Any) -> None:
    raw = RawResult(
        "ok",
        {
            "state": "returned",
            "type": "object",
            "json": json.dumps(returned),
            "logs": [],
            "origin": [],
            "cpu_ms": 0.0,
            "heap_bytes": 0,
        },
    )
    trigger = el.Trigger(event["context"]["eventType"])
    result = decide_cff(
        raw, trigger=trigger, event=event, rules=el.get_cff_rules(), runtime="cloudfront-js-2.0"
    )
    assert result.outcome in ("request", "response", "error")
    assert (result.status in (502, 503)) == (result.outcome == "error")
    json.dumps(result.to_dict())


# -- the command line --------------------------------------------------------------------------
def edgelab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edgelab", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("trigger", ["viewer-request", "viewer-response"])
@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
def test_edgelab_event_prints_a_cloudfront_functions_event(trigger: str, runtime: str) -> None:
    out = edgelab("event", trigger, "--runtime", runtime)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == el.build_cff_event(trigger)
    opts = [
        "--uri",
        "/p",
        "--querystring",
        "a=1",
        "--header",
        "X-A: 1",
        "--cookie",
        "c=2",
        "--country",
        "de",
        "--device",
        "mobile",
    ]
    if trigger == "viewer-response":
        opts += ["--status", "304", "--response-header", "Set-Cookie: s=1"]
    event = json.loads(edgelab("event", trigger, "--runtime", runtime, *opts).stdout)
    assert event["request"]["headers"]["cloudfront-viewer-country"] == {"value": "DE"}
    assert event["request"]["cookies"] == {"c": {"value": "2"}}


def test_edgelab_event_refuses_what_cloudfront_functions_cannot_see() -> None:
    out = edgelab("event", "viewer-request", "--runtime", "cloudfront-js-2.0", "--body", "x")
    assert out.returncode == 2 and "cannot read the request body" in out.stderr
    out = edgelab("event", "origin-request", "--runtime", "cloudfront-js-2.0")
    assert out.returncode == 2 and "viewer-request and viewer-response only" in out.stderr
