"""CloudFront Functions' helper methods (facts §5): request.rawQueryString(),
cf.edgeLocation, cf.logCustomData() and the origin modification helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from tests.helpers import write

pytestmark = pytest.mark.node

RT1, RT2 = el.CFF_RUNTIMES
ROOMY = el.get_cff_rules(overrides={"compute-budget": 200})


@pytest.fixture(autouse=True)
def _close() -> Iterator[None]:
    yield
    el.close_handlers()


def body(result: el.FunctionResult) -> Any:
    assert result.outcome == "response", result.error
    return json.loads(result.response["body"])


RAW = """\
function handler(event) {
  var r = event.request;
  return { statusCode: 200, body: JSON.stringify(typeof r.rawQueryString === 'function'
    ? [r.rawQueryString() === undefined ? 'undefined' : r.rawQueryString()] : 'none') };
}
"""


def test_raw_query_string(handlers_dir: Path) -> None:
    # CFF_DECISIONS "request.rawQueryString()"
    path = write(handlers_dir / "raw.js", RAW)
    fn = el.load_cloudfront_function(path, RT2, rules=ROOMY)
    with fn:
        built = el.build_cff_event(querystring="b=2&a=%20&flag")
        assert body(fn.invoke(built)) == ["b=2&a=%20&flag"]
        assert body(fn.invoke(el.build_cff_event())) == ["undefined"]
        assert body(fn.invoke(el.build_cff_event(), raw_querystring="")) == [""]
        assert body(fn.invoke(built, raw_querystring="a=1&&b=2")) == ["a=1&&b=2"]
        lambda_event = el.build_event("viewer-request", querystring="x=1&x=2&y")
        assert body(fn.invoke(lambda_event)) == ["x=1&x=2&y"]
    assert body(el.invoke(path, built, runtime=RT1, rules=ROOMY)) == "none"


EDGE = """\
import cf from 'cloudfront';
function handler(event) {
  return { statusCode: 200, body: JSON.stringify(cf.edgeLocation) };
}
"""


def test_edge_location(handlers_dir: Path) -> None:
    """§5.2: name, serverIp and region at viewer request; an empty object at viewer
    response."""
    path = write(handlers_dir / "edge.js", EDGE)
    fn = el.load_cloudfront_function(path, RT2, rules=ROOMY, edge_location="SEA19-C1")
    with fn:
        got = body(fn.invoke(el.build_cff_event()))
        assert got == {"name": "SEA", "serverIp": "198.51.100.10", "region": "us-east-1"}
        other = {"name": "CDG", "serverIp": "192.0.2.9", "region": "eu-west-3"}
        assert body(fn.invoke(el.build_cff_event(), edge_location=other)) == other
    path = write(
        handlers_dir / "edge2.js",
        "import cf from 'cloudfront';\n"
        "function handler(event) {\n  var r = event.response;\n"
        "  r.headers['x-edge'] = { value: JSON.stringify(cf.edgeLocation) };\n"
        "  return r;\n}\n",
    )
    res = el.invoke(path, el.build_cff_event("viewer-response"), runtime=RT2, rules=ROOMY)
    assert res.response["headers"]["x-edge"] == {"value": "{}"}


def test_log_custom_data(handlers_dir: Path) -> None:
    # CFF_DECISIONS "cf.logCustomData over 800 bytes"
    path = write(
        handlers_dir / "log.js",
        "import cf from 'cloudfront';\n"
        "function handler(event) {\n  cf.logCustomData('first');\n"
        "  cf.logCustomData('a b/' + 'x'.repeat(event.request.uri.length * 200));\n"
        "  return event.request;\n}\n",
    )
    res = el.invoke(path, el.build_cff_event(uri="/1"), runtime=RT2, rules=ROOMY)
    assert res.log_data == "a%20b%2F" + "x" * 400
    long = el.invoke(path, el.build_cff_event(uri="/12345"), runtime=RT2, rules=ROOMY)
    assert long.log_data.startswith("a%20b%2Fxxx") and len(long.log_data) == 800
    assert long.to_dict()["log_data"] == long.log_data


ORIGINS = """\
import cf from 'cloudfront';
function handler(event) {
  cf.selectRequestOriginById('eu', { hostHeader: 'eu.example.com' });
  cf.updateRequestOrigin({ originPath: '/v2', timeouts: { readTimeout: 5 } });
  return event.request;
}
"""


def test_origin_helpers_are_recorded_for_the_chain(handlers_dir: Path) -> None:
    path = write(handlers_dir / "o.js", ORIGINS)
    res = el.invoke(path, el.build_cff_event(), runtime=RT2, rules=ROOMY, origins=["us", "eu"])
    assert res.outcome == "request"
    assert res.origin_changes == [
        {
            "helper": "selectRequestOriginById",
            "params": {"originId": "eu", "hostHeader": "eu.example.com"},
        },
        {
            "helper": "updateRequestOrigin",
            "params": {"originPath": "/v2", "timeouts": {"readTimeout": 5}},
        },
    ]
    unknown = el.invoke(path, el.build_cff_event(), runtime=RT2, rules=ROOMY, origins=["us"])
    assert unknown.status == 502 and "'eu' is not an origin" in unknown.error.message


def test_origin_helpers_in_viewer_response_throw(handlers_dir: Path) -> None:
    # CFF_DECISIONS "origin helpers in viewer response"
    path = write(
        handlers_dir / "o.js",
        "import cf from 'cloudfront';\n"
        "function handler(event) {\n  cf.updateRequestOrigin({ domainName: 'a.com' });\n"
        "  return event.response;\n}\n",
    )
    res = el.invoke(path, el.build_cff_event("viewer-response"), runtime=RT2, rules=ROOMY)
    assert res.status == 503 and "viewer-request functions only" in res.error.message
    assert res.error.message.endswith("(line 3)")


def test_origin_helper_arguments_must_be_json(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "o.js",
        "import cf from 'cloudfront';\n"
        "function handler(event) {\n  var p = {}; p.self = p;\n"
        "  cf.updateRequestOrigin(p);\n  return event.request;\n}\n",
    )
    res = el.invoke(path, el.build_cff_event(), runtime=RT2, rules=ROOMY)
    assert res.status == 503 and "plain JSON data" in res.error.message
