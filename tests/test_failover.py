"""Origin groups with failover (distribution facts §2, lambda-edge-facts §8.1), through
``el.load_distribution`` + ``Distribution.request``, the trace's JSON and replay rows."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import edgelab as el
from edgelab import analysis
from edgelab.edge.trace import Trace
from edgelab.errors import OriginError

OREQ = """
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    domain = request["origin"]["custom"]["domainName"]
    request["headers"]["x-tried"] = [{"key": "X-Tried", "value": domain}]
    return request
"""
ORESP = """
def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["x-oresp"] = [{"key": "X-OResp", "value": response["status"]}]
    if response["status"] == "503":
        response["status"] = "200"   # origin response cannot hide a failover status
    return response
"""
GENERATE = """
def handler(event, context):
    return {"status": "503", "headers": {}, "body": "generated"}
"""
FAIL = """
def handler(event, context):
    raise RuntimeError("broken")
"""

TOML = """
[distribution]
isolated = false

[[origins]]
id = "primary"
type = "echo"
domain_name = "primary.example.com"
origin_path = "/p"

[[origins]]
id = "secondary"
type = "echo"
domain_name = "secondary.example.com"
origin_path = "/s"
custom_headers = {{ X-Secondary = "yes" }}

[[origin_groups]]
id = "ha"
members = ["primary", "secondary"]
failover_status_codes = [403, 404, 500, 502, 503, 504]

[[behaviors]]
target_origin = "ha"
allowed_methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
cached_methods = ["GET", "HEAD", "OPTIONS"]
cache_policy = {{ default_ttl = 60, min_ttl = 0, max_ttl = 600 }}
[behaviors.functions]
{functions}
"""


class Origin:
    """An origin callable answering from a list of answers (a status, an exception),
    recording what it was sent."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: dict[str, Any]) -> Any:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return (answer, f"{answer} from {request['origin']['custom']['domainName']}")


UNREACHABLE = OriginError(502, "connection refused")
TIMEOUT = OriginError(504, "the origin did not answer within its read timeout")


def load(
    tmp_path: Path,
    primary: Origin,
    secondary: Origin,
    functions: dict[str, str] | None = None,
    **kw: Any,
) -> el.Distribution:
    lines = []
    for trigger, code in (functions or {"origin-request": OREQ, "origin-response": ORESP}).items():
        path = tmp_path / f"{trigger.replace('-', '_')}.py"
        path.write_text(code)
        lines.append(f'{trigger} = "{path.name}"')
    cfg = tmp_path / "dist.toml"
    cfg.write_text(TOML.format(functions="\n".join(lines)))
    return el.load_distribution(cfg, origins={"primary": primary, "secondary": secondary}, **kw)


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., el.Distribution]]:
    made: list[el.Distribution] = []

    def build(*args: Any, **kw: Any) -> el.Distribution:
        made.append(load(tmp_path, *args, **kw))
        return made[-1]

    yield build
    for d in made:
        d.close()


def attempts(trace: Trace) -> list[tuple[str, int | None, str | None]]:
    return [(a.origin_id, a.status, a.failover) for a in trace.attempts]


# (id, method, primary's answer, secondary's answer, status, origin_id, attempts, stages)
FAILOVER = [
    (
        "§2 primary answers 2xx: served, no failover",
        "GET",
        200,
        200,
        200,
        "primary",
        [("primary", 200, None)],
        ["origin-request", "origin-response"],
    ),
    (
        "§2 primary answers a failover status: the secondary answers",
        "GET",
        503,
        200,
        200,
        "secondary",
        [("primary", 503, "503"), ("secondary", 200, None)],
        ["origin-request", "origin-response", "origin-request", "origin-response"],
    ),
    (
        "§2 a 4xx in the criteria fails over too",
        "GET",
        404,
        200,
        200,
        "secondary",
        [("primary", 404, "404"), ("secondary", 200, None)],
        ["origin-request", "origin-response", "origin-request", "origin-response"],
    ),
    (
        "§2 a status not in the criteria is returned as is",
        "GET",
        410,
        200,
        410,
        "primary",
        [("primary", 410, None)],
        ["origin-request", "origin-response"],
    ),
    (
        "§2 a 3xx is returned as is",
        "GET",
        302,
        200,
        302,
        "primary",
        [("primary", 302, None)],
        ["origin-request", "origin-response"],
    ),
    (
        "§2 primary unreachable: the secondary answers (no origin response for the primary)",
        "GET",
        UNREACHABLE,
        200,
        200,
        "secondary",
        [("primary", None, "unreachable"), ("secondary", 200, None)],
        ["origin-request", "origin-request", "origin-response"],
    ),
    (
        "§2 §1.3 primary times out: the secondary answers",
        "GET",
        TIMEOUT,
        200,
        200,
        "secondary",
        [("primary", None, "timeout"), ("secondary", 200, None)],
        ["origin-request", "origin-request", "origin-response"],
    ),
    (
        "§2 the secondary fails too: its answer is returned",
        "GET",
        503,
        500,
        500,
        "secondary",
        [("primary", 503, "503"), ("secondary", 500, None)],
        ["origin-request", "origin-response", "origin-request", "origin-response"],
    ),
    (
        "§2 both unreachable: CloudFront's 502",
        "GET",
        UNREACHABLE,
        UNREACHABLE,
        502,
        "secondary",
        [("primary", None, "unreachable"), ("secondary", None, None)],
        ["origin-request", "origin-request"],
    ),
    (
        "§2 HEAD fails over",
        "HEAD",
        503,
        200,
        200,
        "secondary",
        [("primary", 503, "503"), ("secondary", 200, None)],
        ["origin-request", "origin-response", "origin-request", "origin-response"],
    ),
    (
        "§2 OPTIONS fails over",
        "OPTIONS",
        503,
        200,
        200,
        "secondary",
        [("primary", 503, "503"), ("secondary", 200, None)],
        ["origin-request", "origin-response", "origin-request", "origin-response"],
    ),
    (
        "§2 POST does not fail over: the primary's answer",
        "POST",
        503,
        200,
        200,  # origin response turned the primary's 503 into 200 (ORESP above)
        "primary",
        [("primary", 503, None)],
        ["origin-request", "origin-response"],
    ),
    (
        "§2 PUT does not fail over, even when the primary is unreachable",
        "PUT",
        UNREACHABLE,
        200,
        502,
        "primary",
        [("primary", None, None)],
        ["origin-request"],
    ),
]


@pytest.mark.parametrize(
    ("method", "first", "second", "status", "origin_id", "tries", "stages"),
    [r[1:] for r in FAILOVER],
    ids=[r[0] for r in FAILOVER],
)
def test_failover(
    make: Callable[..., el.Distribution],
    method: str,
    first: Any,
    second: Any,
    status: int,
    origin_id: str,
    tries: list[Any],
    stages: list[str],
) -> None:
    primary, secondary = Origin(first), Origin(second)
    d = make(primary, secondary)
    trace = d.request("/a", method=method, body="x" if method in ("POST", "PUT") else None)
    assert (trace.status, trace.origin_id) == (status, origin_id)
    assert attempts(trace) == tries and trace.failover == (len(tries) > 1)
    assert trace.triggers == stages
    assert len(secondary.requests) == (len(tries) > 1)
    row = trace.to_row()
    assert row["failover"] == trace.failover
    assert row["failover_reason"] == next((t[2] for t in tries if t[2]), None)
    if method in ("POST", "PUT") and first in (503, UNREACHABLE):
        assert any(f"{method} requests do not fail over" in n for n in trace.notes)


def test_the_secondary_try_is_built_for_the_secondary(
    make: Callable[..., el.Distribution],
) -> None:
    """DISTRIBUTION_DECISIONS "the secondary's try": origin request runs again and sees
    the secondary's request.origin; the secondary gets its own origin path and custom
    headers, not what origin request did for the primary."""
    primary, secondary = Origin(503), Origin(200)
    d = make(primary, secondary)
    trace = d.request("/a/b?q=1")
    oreqs = [s for s in trace.stages if s.trigger == "origin-request"]
    assert [s.input["origin"]["custom"]["domainName"] for s in oreqs] == [
        "primary.example.com",
        "secondary.example.com",
    ]
    (sent,) = secondary.requests
    assert sent["origin"]["custom"]["path"] == "/s"
    assert sent["headers"]["x-tried"][0]["value"] == "secondary.example.com"
    assert sent["headers"]["x-secondary"][0]["value"] == "yes"
    assert primary.requests[0]["origin"]["custom"]["path"] == "/p"
    assert all(a.duration_ms >= 0 for a in trace.attempts)
    assert [a.stages for a in trace.attempts] == [["origin-request", "origin-response"]] * 2
    assert any("tried the secondary, secondary" in n for n in trace.notes)


def test_failover_is_decided_on_the_primarys_own_status(
    make: Callable[..., el.Distribution],
) -> None:
    """DISTRIBUTION_DECISIONS "failover and origin response": origin response turning
    the primary's 503 into a 200 does not stop the failover; what it made is dropped."""
    d = make(Origin(503), Origin(503))
    trace = d.request("/a")
    primary_oresp, secondary_oresp = [s for s in trace.stages if s.trigger == "origin-response"]
    assert primary_oresp.output is not None and primary_oresp.output["status"] == "200"
    assert secondary_oresp.input["status"] == "503"
    assert attempts(trace) == [("primary", 503, "503"), ("secondary", 503, None)]
    assert trace.status == 200 and trace.origin_id == "secondary"  # the secondary's, via ORESP
    assert trace.headers["x-oresp"] == "503"


@pytest.mark.parametrize(
    ("code", "status", "cache"),
    [(GENERATE, 503, "LambdaGeneratedResponse"), (FAIL, 500, "Error")],
    ids=["§2 an origin request response", "§2 an origin request failure"],
)
def test_no_failover_without_an_origins_answer(
    make: Callable[..., el.Distribution], code: str, status: int, cache: str
) -> None:
    """DISTRIBUTION_DECISIONS "an origin request function answers or fails in an origin
    group": no origin was asked, so no failover."""
    primary, secondary = Origin(200), Origin(200)
    d = make(primary, secondary, {"origin-request": code})
    trace = d.request("/a")
    assert (trace.status, trace.cache, trace.failover) == (status, cache, False)
    assert attempts(trace) == [("primary", None, None)]
    assert primary.requests == [] and secondary.requests == []


def test_what_is_cached_after_a_failover(make: Callable[..., el.Distribution]) -> None:
    """DISTRIBUTION_DECISIONS "what is cached after a failover": the secondary's answer,
    under the viewer's key; when it expires, the next miss starts at the primary again
    (no stickiness, §2)."""
    now = [1_700_000_000.0]
    primary, secondary = Origin(503, 200), Origin(200)
    d = make(primary, secondary, clock=lambda: now[0])
    first = d.request("/a")
    hit = d.request("/a")
    assert (first.origin_id, first.ttl) == ("secondary", 60)
    assert (hit.cache, hit.status, hit.attempts) == ("Hit", 200, [])
    assert hit.body == first.body and b"from secondary.example.com" in hit.body
    now[0] += 61
    later = d.request("/a")
    assert (later.cache, later.origin_id, later.failover) == ("Miss", "primary", False)
    assert len(primary.requests) == 2 and len(secondary.requests) == 1


def test_failover_in_json_and_back(make: Callable[..., el.Distribution]) -> None:
    d = make(Origin(UNREACHABLE), Origin(200))
    trace = d.request("/a")
    data = json.loads(json.dumps(trace.to_dict()))
    assert data["failover"] is True and data["origin_id"] == "secondary"
    assert [a["failover"] for a in data["attempts"]] == ["unreachable", None]
    assert data["attempts"][0]["error"] == "connection refused"
    again = Trace.from_dict(data)
    assert attempts(again) == attempts(trace) and again.failover


def test_replay_rows_say_whether_a_failover_happened(
    make: Callable[..., el.Distribution],
) -> None:
    d = make(Origin(503, 200, 200), Origin(200))
    traffic = pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-11-03T10:00:00Z"] * 3) + pd.to_timedelta([0, 1, 2], "s"),
            "method": ["GET", "GET", "GET"],
            "uri": ["/a", "/b", "/a"],
        }
    )
    results = el.replay(d, traffic, progress=False)
    assert list(results["failover"]) == [True, False, False]
    assert results["failover"].dtype == bool
    reasons = [None if pd.isna(v) else v for v in results["failover_reason"]]
    assert reasons == ["503", None, None]
    origins = [None if pd.isna(v) else v for v in results["origin_id"]]
    assert origins == ["secondary", "primary", None]  # the third is a hit
    assert list(results["cache"].astype(str)) == ["Miss", "Miss", "Hit"]
    table = analysis.cache_by_behavior(results).set_index("behavior")
    assert table.loc["*", "failovers"] == 1
    counted = analysis.failovers(results)
    assert counted.to_dict("records") == [
        {"behavior": "*", "reason": "503", "origin_id": "secondary", "requests": 1}
    ]


SELECT_PRIMARY = """
import cf from 'cloudfront';

function handler(event) {
    cf.selectRequestOriginById('primary');
    return event.request;
}
"""


@pytest.mark.node
def test_an_origin_a_cloudfront_function_chose_does_not_fail_over(tmp_path: Path) -> None:
    """cloudfront-functions-facts §5.5: selectRequestOriginById sends the request to that
    origin alone; the behaviour's group (and its failover) is not used."""
    dist, _, secondary = _with_function(tmp_path, SELECT_PRIMARY, "ha", 503)
    try:
        trace = dist.request("/page")
    finally:
        dist.close()
    assert (trace.status, trace.origin_id) == (503, "primary")
    assert not secondary.requests and not trace.failover
    assert any("a CloudFront Function chose the origin" in n for n in trace.notes)


GROUP_FUNCTION = """
import cf from 'cloudfront';

function handler(event) {
    const how = event.request.querystring.how ? event.request.querystring.how.value : '';
    if (how === 'list') {
        cf.createRequestOriginGroup({originIds: ['primary', 'secondary'], failoverCriteria: [503]});
    } else if (how === 'overrides') {
        cf.createRequestOriginGroup({
            originIds: ['primary', {
                originId: 'secondary',
                originOverrides: {originPath: '/o', hostHeader: 'alt.example'}
            }],
            failoverCriteria: {statusCodes: [503]}
        });
    } else {
        cf.createRequestOriginGroup({
            originIds: ['primary', 'secondary'], failoverCriteria: {statusCodes: [503]}
        });
    }
    return event.request;
}
"""

# (id, the behaviour's target, ?how=, primary's answer, status, origin_id, attempts)
FAILED_OVER = [("primary", 503, "503"), ("secondary", 200, None)]
FUNCTION_GROUPS = {
    "CFF §5.5 a function's group fails over on its own criteria": (
        "primary", "", 503, 200, "secondary", FAILED_OVER
    ),
    "CFF §5.5 failoverCriteria as a list": (
        "primary", "list", 503, 200, "secondary", FAILED_OVER
    ),
    "CFF §5.5 a status outside the function's criteria does not fail over": (
        "primary", "", 500, 500, "primary", [("primary", 500, None)]
    ),
    "CFF §5.5 the function's criteria replace the behaviour's group's": (
        "ha", "", 500, 500, "primary", [("primary", 500, None)]
    ),
    "CFF §5.5 the function's group is used instead of the behaviour's": (
        "ha", "", 503, 200, "secondary", FAILED_OVER
    ),
}  # fmt: skip


@pytest.mark.node
@pytest.mark.parametrize(
    ("target", "how", "first", "status", "origin_id", "tries"),
    FUNCTION_GROUPS.values(),
    ids=FUNCTION_GROUPS.keys(),
)
def test_an_origin_group_a_cloudfront_function_built_fails_over(
    tmp_path: Path,
    target: str,
    how: str,
    first: int,
    status: int,
    origin_id: str,
    tries: list[tuple[str, int | None, str | None]],
) -> None:
    """cloudfront-functions-facts §5.5: createRequestOriginGroup builds an origin group
    for the request from the distribution's origins; its failoverCriteria override the
    failover codes, on a behaviour with one origin or with a group of its own."""
    dist, primary, secondary = _with_function(tmp_path, GROUP_FUNCTION, target, first)
    try:
        trace = dist.request(f"/page?how={how}")
    finally:
        dist.close()
    assert (trace.status, trace.origin_id) == (status, origin_id)
    assert attempts(trace) == tries and trace.failover == (len(tries) > 1)
    assert len(primary.requests) == 1 and len(secondary.requests) == len(tries) - 1
    assert any(
        "cf.createRequestOriginGroup: origin group (primary, secondary)" in n for n in trace.notes
    )


@pytest.mark.node
def test_a_function_groups_origin_overrides_change_that_member(tmp_path: Path) -> None:
    """cloudfront-functions-facts §5.5: a member's originOverrides change what that
    origin is sent (its path, its Host); the other member keeps its own settings."""
    dist, primary, secondary = _with_function(tmp_path, GROUP_FUNCTION, "primary", 503)
    try:
        trace = dist.request("/page?how=overrides")
    finally:
        dist.close()
    assert (trace.status, trace.origin_id) == (200, "secondary")
    sent, first = secondary.requests[0], primary.requests[0]
    assert sent["origin"]["custom"]["path"] == "/o"
    assert sent["headers"]["host"][0]["value"] == "alt.example"
    assert first["origin"]["custom"]["path"] == "/p"
    assert first["headers"]["host"][0]["value"] == "primary.example.com"


def _with_function(
    tmp_path: Path, code: str, target: str, first: int
) -> tuple[el.Distribution, Origin, Origin]:
    """The distribution of :data:`TOML` with a viewer-request CloudFront Function of
    ``code``, its behaviour targeting ``target``; the primary answers ``first`` and the
    secondary 200."""
    (tmp_path / "function.js").write_text(code)
    cfg = tmp_path / "dist.toml"
    toml = TOML.format(functions='viewer-request = { function = "function.js" }')
    cfg.write_text(toml.replace('target_origin = "ha"', f'target_origin = "{target}"'))
    primary, secondary = Origin(first), Origin(200)
    dist = el.load_distribution(cfg, origins={"primary": primary, "secondary": secondary})
    return dist, primary, secondary
