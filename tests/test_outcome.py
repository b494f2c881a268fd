"""edgelab.rules.outcome: what CloudFront makes of a call, and the invoke JSON contract (§6)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import edgelab as el

CONTRACT = {
    "trigger",
    "outcome",
    "request",
    "response",
    "status",
    "error",
    "violations",
    "duration_ms",
    "logs",
}


@pytest.mark.parametrize(
    ("handler", "outcome", "status"),
    [
        (lambda e, c: e["Records"][0]["cf"]["request"], "request", None),
        (lambda e, c: {"status": "301"}, "response", 301),
        (lambda e, c: None, "error", 502),
        (lambda e, c: 1 / 0, "error", 500),
    ],
)
def test_to_dict_has_the_invoke_contract_and_is_json(
    handler: Any, outcome: str, status: int | None
) -> None:
    data = el.invoke(handler, el.build_event("viewer-request")).to_dict()
    assert set(data) >= CONTRACT
    assert (data["trigger"], data["outcome"], data["status"]) == ("viewer-request", outcome, status)
    assert json.loads(json.dumps(data)) == data
    assert (data["error"] is None) == (outcome != "error")
    assert isinstance(data["duration_ms"], float) and data["duration_ms"] >= 0


def test_generated_response_is_normalised() -> None:
    result = el.invoke(
        lambda e, c: {"status": 404, "body": "gone", "headers": {"x-a": [{"value": "1"}]}},
        el.build_event("viewer-request"),
    )
    assert result.response == {
        "status": "404",
        "statusDescription": "Not Found",
        "headers": {"x-a": [{"key": "X-A", "value": "1"}]},
        "body": "gone",
        "bodyEncoding": "text",
    }
    assert result.status == 404 and result.ok


def test_response_without_headers_keeps_the_input_headers() -> None:
    event = el.build_event("origin-response", response_headers={"X-Origin": "1"})
    result = el.invoke(lambda e, c: {"status": "200"}, event)
    assert el.Headers(result.response["headers"])["x-origin"] == "1"


def test_request_result_keeps_read_only_fields_and_origin() -> None:
    event = el.build_event("origin-request", querystring="a=1")
    result = el.invoke(lambda e, c: {"uri": "/new"}, event)
    assert result.outcome == "request" and result.request["uri"] == "/new"
    assert result.request["headers"] == el.cf_record(event)["request"]["headers"]
    assert result.request["querystring"] == "a=1" and result.request["method"] == "GET"
    assert result.request["origin"] == el.cf_record(event)["request"]["origin"]


def test_error_keeps_the_request_and_has_no_response() -> None:
    event = el.build_event("viewer-request", uri="/x")
    result = el.invoke(lambda e, c: None, event)
    assert result.request["uri"] == "/x" and result.response is None and not result.ok


@pytest.mark.parametrize(
    ("status", "kind"),
    [(502, "LambdaValidationError"), (500, "LambdaExecutionError"), (503, "LambdaLimitExceeded")],
)
def test_error_response_is_cloudfronts_error_page(status: int, kind: str) -> None:
    page = el.error_response(status, kind, "detail", request_id="abc==")
    assert page["status"] == str(status)
    assert el.Headers(page["headers"])["x-cache"] == f"{kind} from cloudfront"
    assert f"{status} ERROR" in page["body"] and "abc==" in page["body"]
    assert "detail" in page["body"]


def test_error_info_to_dict() -> None:
    assert el.ErrorInfo("LambdaExecutionError", "x").to_dict() == {
        "type": "LambdaExecutionError",
        "message": "x",
    }


def test_invoke_reports_load_notes() -> None:
    event = el.build_event("viewer-request")
    del el.cf_record(event)["request"]["querystring"]
    result = el.invoke(lambda e, c: e["Records"][0]["cf"]["request"], event)
    assert any("querystring" in n for n in result.notes)
    assert result.to_dict()["notes"] == result.notes
