"""Every exercise check says "right" for a right answer and "not yet", with the reason,
for a wrong one; the placeholder and a student's crashing code are "not yet" too."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import edgelab as el
from edgelab import analysis
from edgelab.demo import CONFIG
from edgelab.exercises import (
    TASKS,
    Check,
    nb01,
    nb02,
    nb03,
    nb04,
    nb05,
    nb06,
    nb07,
    nb08,
    nb09,
    nb10,
)
from edgelab.resources import data_file, notebook_handler
from tests.definitions_helpers import CDK_OUT

# -- handlers the right and wrong answers use -----------------------------------------------


def _request(event: dict[str, Any]) -> dict[str, Any]:
    return event["Records"][0]["cf"]["request"]


def _response(event: dict[str, Any]) -> dict[str, Any]:
    return event["Records"][0]["cf"]["response"]


def add_workshop(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _request(event)
    request["headers"]["x-workshop"] = [{"key": "X-Workshop", "value": "edge"}]
    return request


def pass_on(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _request(event)


def ab_cookie(event: dict[str, Any]) -> str | None:
    for line in _request(event)["headers"].get("cookie", []):
        for pair in line["value"].split(";"):
            name, _, value = pair.strip().partition("=")
            if name == "ab":
                return value
    return None


def first_line_only(event: dict[str, Any]) -> str | None:
    lines = _request(event)["headers"].get("cookie", [])
    return (
        dict(p.strip().split("=") for p in lines[0]["value"].split(";")).get("ab")
        if lines
        else None
    )


def edge_page(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _request(event)
    if request["uri"].startswith("/edge/"):
        return {
            "status": "200",
            "body": "hello",
            "headers": {"cache-control": [{"key": "Cache-Control", "value": "max-age=60"}]},
        }
    return request


def edge_page_no_store(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _request(event)
    if request["uri"].startswith("/edge/"):
        return {
            "status": "200",
            "body": "hello",
            "headers": {"cache-control": [{"key": "Cache-Control", "value": "no-store"}]},
        }
    return request


def ttl(seconds: int) -> Callable[..., dict[str, Any]]:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = _response(event)
        response["headers"]["cache-control"] = [
            {"key": "Cache-Control", "value": f"max-age={seconds}"}
        ]
        return response

    return handler


def lower(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _request(event)
    request["uri"] = request["uri"].lower()
    return request


def lower_everything(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = lower(event, context)
    request["querystring"] = request["querystring"].lower()
    return request


def page_of(size: int) -> Callable[..., dict[str, Any]]:
    return lambda event, context: {"status": "200", "body": "x" * size}


def redirect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _request(event)
    if request["uri"].startswith("/old/"):
        return {
            "status": "301",
            "statusDescription": "Moved Permanently",
            "headers": {"location": [{"key": "Location", "value": "/new/" + request["uri"][5:]}]},
        }
    return request


def redirect_home(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _request(event)
    if request["uri"].startswith("/old/"):
        return {"status": "301", "headers": {"location": [{"key": "Location", "value": "/"}]}}
    return request


JS_RIGHT = """exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers['x-workshop'] = [{ key: 'X-Workshop', value: 'edge' }];
  return request;
};"""
JS_WRONG = JS_RIGHT.replace("'edge'", "'cloud'")


# -- data the data-driven tasks read ----------------------------------------------------------


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    return el.replay(CONFIG, el.generate_traffic("workshop-small", 1500, seed=3), progress=False)


@pytest.fixture(scope="module")
def logs() -> pd.DataFrame:
    return el.read_access_logs(data_file("sample-access-log.txt"))


def viewers_b(r: pd.DataFrame) -> int:
    return int(analysis.ab_split(r).set_index("variant").loc["B", "viewers"])


def requests_b(r: pd.DataFrame) -> int:
    return int(analysis.ab_split(r, unit="request").set_index("variant").loc["B", "requests"])


def consistent(r: pd.DataFrame) -> bool:
    return bool(analysis.ab_split(r, weights={"A": 0.5, "B": 0.5})["p_value"].iloc[0] >= 0.05)


def devices_by_p(r: pd.DataFrame) -> list[str]:
    t = analysis.ab_split(r, weights={"A": 0.5, "B": 0.5}, by="device")
    return list(t.groupby("device", observed=True)["p_value"].first().sort_values().index)


def countries_by_p90(r: pd.DataFrame) -> list[str]:
    return list(analysis.latency_percentiles(r, by="country").sort_values("p90")["country"])


def minutes(r: pd.DataFrame) -> float:
    return float(analysis.time_span(r)["minutes"].iloc[0])


def cdg(logs: pd.DataFrame) -> int:
    return int((logs["edge_location"].astype(str).str[:3] == "CDG").sum())


# (task, right answer, wrong answer, a words the "not yet" message has); answers that need
# data are functions of it, the data fixture is named by the fourth item
CASES: list[tuple[Any, Any, Any, str, str | None]] = [
    (
        nb01.task1,
        lambda: el.build_event(
            "origin-request", uri="/products/item-1.html", country="DE", device="mobile"
        ),
        lambda: el.build_event(
            "origin-request", uri="/products/item-1.html", country="DE", device="desktop"
        ),
        "CloudFront-Is-Mobile-Viewer",
        None,
    ),
    (nb01.task2, lambda: ab_cookie, lambda: first_line_only, "two Cookie header lines", None),
    (nb01.task3, lambda: add_workshop, lambda: pass_on, "X-Workshop header is None", None),
    (
        nb02.task1,
        lambda: ["viewer-request", "viewer-response"],
        lambda: ["viewer-request", "origin-request", "viewer-response"],
        "does not run on a hit",
        None,
    ),
    (
        nb02.task2,
        lambda: edge_page,
        lambda: edge_page_no_store,
        "the second request for /edge/hello was a LambdaGeneratedResponse",
        None,
    ),
    (nb02.task3, lambda: ttl(300), lambda: ttl(600), "301 s later the request was a Hit", None),
    (nb03.task1, viewers_b, requests_b, "counts requests", "results"),
    (
        nb03.task2,
        consistent,
        lambda r: not consistent(r),
        "the chi-square test per viewer",
        "results",
    ),
    (
        nb03.task3,
        lambda r: devices_by_p(r)[0],
        lambda r: devices_by_p(r)[-1],
        "one device has a smaller one",
        "results",
    ),
    (
        nb04.task1,
        lambda: el.CachePolicy(headers=["Accept-Language", "CloudFront-Is-Mobile-Viewer"]),
        lambda: el.CachePolicy(headers=["Accept-Language"]),
        "must include the device",
        None,
    ),
    (nb04.task2, lambda: lower, lambda: lower_everything, "leave it alone", None),
    (
        nb05.task1,
        lambda r: round(minutes(r)),
        lambda r: 1440,
        "a day would be 1,440 minutes",
        "results",
    ),
    (
        nb05.task2,
        lambda r: countries_by_p90(r)[-1],
        lambda r: countries_by_p90(r)[0],
        "another country's is higher",
        "results",
    ),
    (
        nb05.task3,
        lambda: el.LatencyModel(origin_lat=-33.87, origin_lon=151.21),
        lambda: el.LatencyModel(origin_lat=-37.81, origin_lon=144.96),
        "km from Sydney",
        None,
    ),
    (
        nb06.task1,
        lambda: page_of(40 * 1024 - 200),
        lambda: page_of(41 * 1024),
        "CloudFront answers 502",
        None,
    ),
    (nb06.task2, lambda: 500, lambda: 502, "returned something invalid", None),
    (
        nb06.task3,
        lambda: "disallowed-header",
        lambda: "read-only-header",
        "is not among the violations",
        None,
    ),
    (nb07.task2, lambda: redirect, lambda: redirect_home, "for /old/a", None),
    (nb08.task1, cdg, lambda lg: cdg(lg) + 1, "starts with its airport code", "logs"),
    (
        nb08.task2,
        lambda lg: lg["uri"].astype(str).value_counts().index[0],
        lambda lg: lg["uri"].astype(str).value_counts().index[-1],
        "another uri more often",
        "logs",
    ),
]


def _answer(make: Any, data: pd.DataFrame | None) -> Any:
    return make(data) if data is not None else make()


@pytest.mark.parametrize(
    ("check", "right", "wrong", "why", "data"), CASES, ids=[c[0].task for c in CASES]
)
def test_each_check_says_right_and_not_yet(
    check, right, wrong, why, data, request: pytest.FixtureRequest
) -> None:
    frame = request.getfixturevalue(data) if data else None
    args = (frame,) if frame is not None else ()
    good = check(_answer(right, frame), *args)
    assert isinstance(good, Check) and good.ok and str(good).startswith("right: "), str(good)
    bad = check(_answer(wrong, frame), *args)
    assert not bad and str(bad).startswith("not yet: "), str(bad)
    assert why in bad.message


@pytest.mark.node
def test_the_node_check_runs_the_javascript_right_and_wrong() -> None:
    assert nb07.task1(JS_RIGHT)
    bad = nb07.task1(JS_WRONG)
    assert not bad and "'cloud', not 'edge'" in bad.message
    syntax = nb07.task1("exports.handler = async (event) => { return event.Records[0].cf.")
    assert not syntax and "Node could not load it" in syntax.message


# -- notebook 9: CloudFront Functions (they run in Node) -------------------------------------

LOWERCASE_1_0 = """
function handler(event) {
    var request = event.request;
    var accept = request.headers['accept-language'];
    var first = (accept ? accept.value : 'en').split(',')[0];
    request.uri = request.uri.toLowerCase();
    request.headers['x-lang'] = { value: first.split('-')[0].trim().toLowerCase() };
    return request;
}
"""


def digest(uri: str) -> str:
    value = uri
    for _ in range(20000):
        value = hashlib.sha256(value.encode()).hexdigest()
    return value[:16]


def digest_table(digests: dict[str, str]) -> str:
    return (
        f"var DIGESTS = {json.dumps(digests)};\n"
        "function handler(event) {\n  var request = event.request;\n"
        "  request.headers['x-digest'] = { value: DIGESTS[request.uri] };\n"
        "  return request;\n}\n"
    )


NB09_CASES: list[tuple[Any, Any, Any, str]] = [
    (
        nb09.task1,
        {"redirect": "CloudFront Functions", "heavy hashing": "Lambda@Edge"},
        {"redirect": "Lambda@Edge", "heavy hashing": "Lambda@Edge"},
        "redirect: not 'Lambda@Edge'; both can do it",
    ),
    (
        nb09.task1,
        {"redirect": "cloudfront functions", "heavy hashing": "lambda@edge"},
        {"redirect": "CloudFront Functions", "heavy hashing": "CloudFront Functions"},
        "as a CloudFront Function it gets a 503: compute utilization",
    ),
    (
        nb09.task2,
        LOWERCASE_1_0,
        lambda: notebook_handler("lowercase_cff.js").read_text(),
        "`const` is not in cloudfront-js-1.0",
    ),
    (
        nb09.task2,
        LOWERCASE_1_0,
        LOWERCASE_1_0.replace("(accept ? accept.value : 'en')", "accept.value"),
        "with Accept-Language None the 2.0 function gives uri '/shop/cart' with x-lang 'en'",
    ),
    (
        nb09.task3,
        lambda: digest_table({u: digest(u) for u in nb09.URIS}),
        lambda: notebook_handler("heavy_cff.js").read_text(),
        "CloudFront answers 503: compute utilization",
    ),
    (
        nb09.task3,
        lambda: digest_table({u: digest(u) for u in nb09.URIS}),
        lambda: digest_table({u: digest(u.upper()) for u in nb09.URIS}),
        "the x-digest is",
    ),
]


@pytest.mark.node
@pytest.mark.parametrize(
    ("check", "right", "wrong", "why"), NB09_CASES, ids=[c[0].task for c in NB09_CASES]
)
def test_the_cloudfront_functions_checks_say_right_and_not_yet(
    check: Any, right: Any, wrong: Any, why: str
) -> None:
    good = check(right() if callable(right) else right)
    assert good and str(good).startswith("right: "), str(good)
    bad = check(wrong() if callable(wrong) else wrong)
    assert not bad and str(bad).startswith("not yet: "), str(bad)
    assert why in bad.message
    el.close_handlers()


def test_a_cloudfront_functions_answer_of_the_wrong_shape_says_what_is_expected() -> None:
    assert "give a dict with the keys 'redirect', 'heavy hashing'" in nb09.task1("CFF").message
    half = nb09.task1({"redirect": ..., "heavy hashing": "Lambda@Edge"})
    assert "replace the ... of 'redirect'" in half.message
    assert (
        "name 'CloudFront Functions' or 'Lambda@Edge'"
        in nb09.task1({"redirect": "Fastly", "heavy hashing": "Lambda@Edge"}).message
    )
    for check in (nb09.task2, nb09.task3):
        assert "declares function handler" in check(42).message


def _primary(broken: str) -> Callable[[dict[str, Any]], tuple[int, str]]:
    """A primary API origin that answers ``broken``'s status for /users, 200 otherwise."""
    status = int(broken)
    return lambda request: (status, "down") if request["uri"] == "/users" else (200, "ok")


NB10_RIGHT_1 = {
    "/images/site.css": "images/*",
    "/api/site.css": "/api/*",
    "/images": "*",
    "/docs/print.css": "*.css",
    "/docs/": "*",
}
NB10_CASES: list[tuple[Any, Any, Any, str]] = [
    # facts §3.1: first match in order; images/* is before *.css
    (nb10.task1, NB10_RIGHT_1, {**NB10_RIGHT_1, "/images/site.css": "*.css"}, "then matches"),
    # "/images" has nothing after the slash images/* needs
    (nb10.task1, NB10_RIGHT_1, {**NB10_RIGHT_1, "/images": "images/*"}, "not 'images/*'"),
    (nb10.task1, NB10_RIGHT_1, {**NB10_RIGHT_1, "/docs/": "/docs/*"}, "not a path pattern"),
    # facts §2: 404 is not a failover status of the group
    (nb10.task2, _primary("503"), _primary("404"), "fails over only on 500, 502, 503, 504"),
    (nb10.task2, _primary("502"), lambda request: (500, "down"), "/api/status failed over"),
]


@pytest.mark.parametrize(
    ("check", "right", "wrong", "why"),
    NB10_CASES,
    ids=[f"{c[0].task}-{i}" for i, c in enumerate(NB10_CASES)],
)
def test_the_distribution_checks_say_right_and_not_yet(
    check: Any, right: Any, wrong: Any, why: str, tmp_path: Path
) -> None:
    cdk = shutil.copytree(CDK_OUT, tmp_path / "cdk.out")
    good = check(right, cdk)
    assert good and str(good).startswith("right: "), str(good)
    bad = check(wrong, cdk)
    assert not bad and str(bad).startswith("not yet: "), str(bad)
    assert why in bad.message


def test_a_distribution_answer_of_the_wrong_shape_says_what_is_expected(tmp_path: Path) -> None:
    cdk = shutil.copytree(CDK_OUT, tmp_path / "cdk.out")
    assert "give a dict with the keys '/images/site.css'" in nb10.task1(["*"], cdk).message
    half = nb10.task1({**NB10_RIGHT_1, "/images": ...}, cdk)
    assert "replace the ... of '/images'" in half.message
    assert "give a function (request) -> (status, body)" in nb10.task2(503, cdk).message
    nothing = nb10.task2(lambda request: None, cdk)
    assert "your origin failed for /status" in nothing.message


def test_every_shipped_task_is_tested_here() -> None:
    tested = {c[0].task for c in CASES} | {"07.1"} | {c[0].task for c in NB09_CASES}
    tested |= {c[0].task for c in NB10_CASES}
    # the workshop labs' checks are tested in tests/test_workshop.py
    assert tested == {k for k in TASKS if not k.startswith("lab")}


@pytest.mark.parametrize("number", sorted(TASKS))
def test_the_placeholder_is_not_yet_never_an_error(number: str) -> None:
    check = TASKS[number]
    needs_data = number[:2] in ("03", "05", "08") and number not in ("05.3",)
    result = check(..., pd.DataFrame()) if needs_data else check(...)
    assert not result and "replace the ..." in result.message
    assert not (check(None, pd.DataFrame()) if needs_data else check(None))


def test_a_crashing_answer_is_not_yet_with_its_error_and_line() -> None:
    def broken(event: dict[str, Any]) -> str:
        return event["nope"]

    result = nb01.task2(broken)
    assert not result
    assert "your answer raised KeyError: 'nope'" in result.message
    assert "of your code" in result.message


def test_a_wrong_type_says_what_was_expected() -> None:
    assert "give a list of trigger names" in nb02.task1("viewer-request").message
    assert "should be a number" in nb06.task2("five hundred").message
    assert "give an el.CachePolicy" in nb04.task1({"headers": []}).message


def test_a_check_reads_in_text_and_html() -> None:
    good, bad = Check("03.1", True, "42 viewers"), Check("03.1", False, "count viewers")
    assert str(good) == "right: 42 viewers" and repr(good) == "task 03.1, right: 42 viewers"
    assert bool(good) and not bool(bad)
    assert "not yet" in bad._repr_html_() and "task 03.1" in bad._repr_html_()
    assert "<script>" not in Check("1", False, "<script>")._repr_html_()


def test_a_function_that_still_has_the_placeholder_says_to_replace_it() -> None:
    def answer_1(event: dict[str, Any], context: Any) -> dict[str, Any]:
        size = ...
        return {"status": "200", "body": "x" * size}  # type: ignore[operator]

    result = nb06.task1(answer_1)
    assert not result and result.message.startswith("replace the ... in your code")
