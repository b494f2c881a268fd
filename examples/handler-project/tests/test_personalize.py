"""The origin-request banner, in Python and in Node.js, against a mocked HTTP API."""

import pytest

from edgelab.testing import assert_header, assert_outcome

FLAGS = "https://api.example.com/flags"


@pytest.mark.both_runtimes
def test_the_banner_comes_from_the_flags_api(edge):
    edge.http({FLAGS: {"json": {"banner": "spring-sale"}}})
    result = edge.invoke("handlers/personalize", "origin-request", country="FR")
    assert_header(result, "x-banner", "spring-sale")
    (call,) = result.calls
    assert (call["method"], call["url"], call["status"]) == ("GET", f"{FLAGS}?country=FR", 200)


@pytest.mark.both_runtimes
def test_the_request_goes_on_when_the_api_is_down(edge):
    edge.http({FLAGS: (503, "down for maintenance")})
    result = edge.invoke("handlers/personalize", "origin-request")
    assert_outcome(result, "request")
    assert "x-banner" not in result.request["headers"]
    assert "flags API failed" in result.logs


@pytest.mark.both_runtimes
def test_an_undeclared_api_is_refused_inside_the_function(edge):
    result = edge.invoke("handlers/personalize", "origin-request")  # no mock declared
    assert_outcome(result, "request")  # it fails open
    assert [c["via"] for c in result.calls] == ["refused"]
    assert "edgelab refused the function's outbound call to api.example.com" in result.logs


def test_a_callable_answers_per_country(edge):
    edge.http({FLAGS: lambda request: {"json": {"banner": f"hello-{request.query[-2:]}"}}})
    result = edge.invoke("handlers/personalize.py", "origin-request", country="DE")
    assert_header(result, "x-banner", "hello-DE")
