"""CloudFront Functions inside a distribution, beside Lambda@Edge functions
(cloudfront-functions-facts, cited as CFF §n): users' existing function files run
unmodified from a TOML and a CloudFormation definition, through ``el.load_distribution``,
``edgelab request --json`` and replay, with CloudFront's outcome for valid, invalid and
over-limit functions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

import edgelab as el
from edgelab.cli import main
from edgelab.cloudfront_functions.event import cff_request, cff_response
from edgelab.cloudfront_functions.result import normalize_cff_request, normalize_cff_response
from edgelab.edge.cloudfront_function import request_from_cff, response_from_cff
from edgelab.edge.config import not_run_yet
from edgelab.errors import ConfigError, DefinitionError
from tests import strategies

pytestmark = pytest.mark.node

HERE = Path(__file__).parent
FIX = HERE / "fixtures" / "chain_cff"
TOML = FIX / "distribution.toml"
TEMPLATE = FIX / "template.yaml"
EXAMPLES = HERE.parent / "examples" / "cloudfront-functions"
T0 = 1_750_000_000.0


@pytest.fixture(scope="module")
def dist() -> Any:
    d = el.load_distribution(TOML)
    yield d
    d.close()


@pytest.fixture(scope="module")
def cfn(tmp_path_factory: pytest.TempPathFactory) -> Any:
    d = el.load_distribution(
        TEMPLATE,
        origins={"site": str(FIX / "site")},
        key_value_stores={"Redirects": str(FIX / "redirects.json")},
        cache_dir=tmp_path_factory.mktemp("cache"),
    )
    yield d
    d.close()


def vreq(trace: Any) -> Any:
    stage = trace.stage("viewer-request")
    assert stage is not None
    return stage


# -- CloudFront's outcome, one row per case -------------------------------------------------
OUTCOMES = {
    "CFF §3 a valid request goes on to the cache and origin": (
        "/index.html",
        200,
        "Miss",
        "request",
        None,
    ),
    "CFF §3 a generated response goes to the viewer uncached": (
        "/old/page?a=1&b=2",
        301,
        "FunctionGeneratedResponse",
        "response",
        None,
    ),
    "CFF §4.1 §4.2 an invalid result (read-only Host) is a 502": (
        "/bad/x",
        502,
        "FunctionValidationError",
        "error",
        "FunctionValidationError",
    ),
    "CFF §4.2 an uncaught exception is a 503": (
        "/throw/x",
        503,
        "FunctionExecutionError",
        "error",
        "FunctionExecutionError",
    ),
    "CFF §8 compute utilization over 100 % is a 503": (
        "/slow/x",
        503,
        "FunctionExecutionError",
        "error",
        "FunctionExecutionError",
    ),
    "CFF §5.5 an unknown origin id is a 502": (
        "/o/x?how=unknown",
        502,
        "FunctionValidationError",
        "error",
        "FunctionValidationError",
    ),
}


@pytest.mark.parametrize(
    ("path", "status", "x_cache", "outcome", "error"), OUTCOMES.values(), ids=OUTCOMES.keys()
)
def test_cloudfront_outcome_in_the_chain(
    dist: Any, path: str, status: int, x_cache: str, outcome: str, error: str | None
) -> None:
    trace = dist.request(path)
    assert trace.status == status
    assert trace.headers["x-cache"] == f"{x_cache} from cloudfront"
    stage = vreq(trace)
    assert (stage.kind, stage.outcome) == ("cloudfront-function", outcome)
    assert (stage.error or {}).get("type") == error
    assert stage.compute_utilization is not None and stage.compute_utilization >= 0
    if error is not None:  # CloudFront's page; nothing cached, no origin, no VResp
        assert trace.cache == "Error" and trace.origin is None and trace.outcome == "error"
        assert "The CloudFront function" in trace.body.decode()
    if status == 503 and path.startswith("/slow"):
        assert stage.compute_utilization > 100
        assert "compute utilization" in stage.error["message"]


def test_a_generated_response_is_not_cached_and_skips_viewer_response(dist: Any) -> None:
    """CFF §3: the redirect of a user's redirect.js (1.0), sent uncached; the behaviour's
    viewer-response function does not run; the function runs for every request."""
    first = dist.request("/old/page?a=1&b=2")
    again = dist.request("/old/page?a=1&b=2")
    for t in (first, again):
        assert (t.status, t.cache, t.cache_tier) == (301, "FunctionGeneratedResponse", None)
        assert t.headers["location"] == "/new/page?a=1&b=2"
        assert t.generated_by is el.Trigger.VIEWER_REQUEST and t.outcome == "generated"
        assert t.triggers == ["viewer-request"]
        assert vreq(t).runtime == "cloudfront-js-1.0"
        assert vreq(t).diff["generated"]["status"] == "301"


def test_cloudfront_functions_run_beside_lambda_edge() -> None:
    """CFF §6: the user's ab-test.js (1.0) on both viewer events, a Python Lambda@Edge
    function on origin request of the same behaviour; what the CloudFront Function
    added reaches Lambda@Edge and the origin; viewer response sets the cookie."""
    with el.load_distribution(TOML) as dist:  # its own caches: a miss first
        check_beside_lambda_edge(dist)


def check_beside_lambda_edge(dist: Any) -> None:
    trace = dist.request("/", cookies={"ab": "B"}, time=T0)
    assert trace.status == 200 and trace.body == b"page B"
    assert [(s.trigger, s.kind) for s in trace.stages] == [
        ("viewer-request", "cloudfront-function"),
        ("origin-request", "lambda@edge"),
        ("viewer-response", "cloudfront-function"),
    ]
    assert trace.origin is not None
    sent = trace.origin.request["headers"]
    assert sent["x-ab-group"][0]["value"] == "B" and sent["x-oreq-saw"][0]["value"] == "B"
    assert vreq(trace).output["uri"] == "/b/index.html"
    new = dist.request("/", time=T0 + 1)  # a new viewer gets the group as a cookie
    group = new.origin.request["headers"]["x-ab-group"][0]["value"] if new.origin else None
    if group is None:  # served from the cache: the cookie comes from the request header
        group = vreq(new).output["headers"]["x-ab-group"][0]["value"]
    assert new.headers["set-cookie"].startswith(f"ab={group}; Path=/")
    assert new.stage("viewer-response").kind == "cloudfront-function"


def test_viewer_functions_run_on_hits_and_not_after_a_4xx(dist: Any) -> None:
    """CFF §3, §4.3: viewer request runs on every request, hit or miss; viewer response
    does not run for a status >= 400."""
    dist.request("/index.html", cookies={"ab": "A"})
    hit = dist.request("/index.html", cookies={"ab": "A"})
    assert hit.cache == "Hit" and hit.origin is None
    assert hit.triggers == ["viewer-request", "viewer-response"]
    missing = dist.request("/nothing-here", cookies={"ab": "A"})
    assert missing.status == 404 and "viewer-response" not in missing.triggers


def test_a_viewer_request_function_sees_the_headers_a_policy_adds(dist: Any) -> None:
    """CFF §7: with CloudFront-Viewer-Country in the cache policy, the function sees it
    and the user's select-origin.js sends French viewers to eu-origin; the same file on a
    behaviour whose policies do not ask for it sees no country."""
    fr, us = dist.request("/geo/x", country="FR"), dist.request("/geo/x", country="US")
    assert (fr.origin_id, fr.body, us.origin_id, us.body) == ("eu-origin", b"eu", "site", b"site")
    assert vreq(fr).input["headers"]["cloudfront-viewer-country"][0]["value"] == "FR"
    nogeo = dist.request("/nogeo/x", country="FR")
    assert "cloudfront-viewer-country" not in vreq(nogeo).input["headers"]
    assert nogeo.origin_id == "site"


ORIGIN_HELPERS = {
    "CFF §5.5 selectRequestOriginById": ("select", "eu-origin"),
    "CFF §5.5 selectRequestOriginById with hostHeader": ("host", "api"),
    "CFF §5.5 updateRequestOrigin to another origin's domain": ("update", "api"),
    "CFF §5.5 createRequestOriginGroup": ("group", "eu-origin"),
}


@pytest.mark.parametrize(("how", "origin_id"), ORIGIN_HELPERS.values(), ids=ORIGIN_HELPERS.keys())
def test_origin_helpers_act_on_the_distributions_origins(
    dist: Any, how: str, origin_id: str
) -> None:
    trace = dist.request(f"/o/x?how={how}")
    assert trace.status == 200 and trace.origin_id == origin_id
    assert trace.origin is not None
    block = trace.origin.request["origin"]["custom"]
    headers = trace.origin.request["headers"]
    if how == "host":
        assert headers["host"][0]["value"] == "tenant.example"
    if how == "update":  # the fields given change, the rest keep the origin's
        echo = json.loads(trace.body)
        assert (block["domainName"], block["path"]) == ("api.internal", "/v9")
        assert echo["path"] == "/v9/o/x" and echo["headers"]["x-origin-key"] == "from-function"
    if how == "group":
        assert any("createRequestOriginGroup" in n for n in trace.notes)


def test_the_key_value_store_of_the_definition_reaches_the_function(dist: Any) -> None:
    """CFF §5.4: kvs-weights.js reads the weights of kvs.json (A 0.9, B 0.1)."""
    groups = [
        json.loads(dist.request(f"/kvs/{i}", time=T0 + i).body)["headers"]["X-Ab-Group"]
        for i in range(40)
    ]
    assert set(groups) <= {"A", "B"} and groups.count("A") > groups.count("B")
    assert "no weights" not in "".join(dist.request("/kvs/x").stages[0].logs)


def test_rows_carry_the_cloudfront_function_columns(dist: Any) -> None:
    row = dist.request("/old/page").to_row()
    assert (row["vreq_kind"], row["vreq_runtime"]) == ("cloudfront-function", "cloudfront-js-1.0")
    assert row["vreq_compute_utilization"] >= 0 and row["cache"] == "FunctionGeneratedResponse"
    assert row["vresp_kind"] is None and row["outcome"] == "generated"
    lam = el.Distribution(
        {"viewer-request": str(HERE.parent / "examples" / "handlers" / "add_header.py")},
        origin=el.MappingOrigin({"/": "x"}),
    ).request("/")
    assert lam.to_row()["vreq_kind"] == "lambda@edge"
    assert lam.to_row()["vreq_compute_utilization"] is None


def test_a_trace_with_cloudfront_functions_round_trips(dist: Any) -> None:
    trace = dist.request("/", cookies={"ab": "A"})
    again = el.Trace.from_dict(json.loads(json.dumps(trace.to_dict())))
    assert again.to_row() == trace.to_row()


# -- CloudFormation ---------------------------------------------------------------------------
def test_cloudformation_function_runs_beside_lambda_edge(cfn: Any) -> None:
    """An inline AWS::CloudFront::Function (2.0) with its key value store mapped locally,
    on viewer request, and an inline Python Lambda@Edge on origin response, one
    behaviour; the origin request policy's CloudFront-Viewer-Country reaches the function
    (CFF §7)."""
    page = cfn.request("/INDEX.html", country="FR")
    assert (page.status, page.body, page.headers["x-frame-options"]) == (200, b"hello\n", "DENY")
    assert [(s.trigger, s.kind) for s in page.stages] == [
        ("viewer-request", "cloudfront-function"),
        ("origin-response", "lambda@edge"),
    ]
    assert page.origin is not None
    assert page.origin.request["headers"]["x-country"][0]["value"] == "FR"
    moved = cfn.request("/old.html")
    assert (moved.status, moved.headers["location"]) == (302, "/new.html")
    assert moved.headers["x-cache"] == "FunctionGeneratedResponse from cloudfront"
    assert moved.triggers == ["viewer-request"]


# -- edgelab request --json and replay -------------------------------------------------------
def test_request_json_shows_cloudfront_function_stages(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    argv = ["request", "/old.html", "--config", str(TEMPLATE), "--json"]
    argv += ["--origin", f"site={FIX / 'site'}", "--kvs", f"Redirects={FIX / 'redirects.json'}"]
    argv += ["--cache-dir", str(tmp_path)]
    assert main(argv) == 0
    (trace,) = json.loads(capfd.readouterr().out)
    assert (trace["status"], trace["cache"], trace["generated_by"]) == (
        302,
        "FunctionGeneratedResponse",
        "viewer-request",
    )
    (stage,) = trace["stages"]
    assert (stage["kind"], stage["runtime"], stage["outcome"]) == (
        "cloudfront-function",
        "cloudfront-js-2.0",
        "response",
    )
    assert isinstance(stage["compute_utilization"], float)
    assert trace["response"]["headers"]["x-cache"][0]["value"] == (
        "FunctionGeneratedResponse from cloudfront"
    )
    assert main(["request", "/throw/x", "--config", str(TOML), "--json"]) == 0
    (failed,) = json.loads(capfd.readouterr().out)
    assert main(["request", "/old/x", "--config", str(TOML)]) == 0
    text = capfd.readouterr().out
    assert "301 FunctionGeneratedResponse" in text and "cloudfront-js-1.0, compute" in text
    assert failed["status"] == 503 and failed["stages"][0]["error"]["type"] == (
        "FunctionExecutionError"
    )


def test_replay_rows_have_the_cloudfront_function_outcomes() -> None:
    uris = ["/", "/old/a", "/bad/x", "/throw/x", "/geo/x", "/index.html"]
    traffic = el.generate_traffic("workshop-small", 12, seed=1)
    traffic["uri"] = [uris[i % len(uris)] for i in range(len(traffic))]
    traffic["querystring"] = ""
    out = el.replay(TOML, traffic, progress=False)
    assert len(out) == len(traffic)
    by_uri = out.assign(u=out["uri"].astype(str)).groupby("u")
    first = by_uri.first()
    assert first.loc["/old/a", "status"] == 301 and first.loc["/old/a", "outcome"] == "generated"
    assert first.loc["/bad/x", "status"] == 502
    assert first.loc["/bad/x", "error_type"] == "FunctionValidationError"
    assert first.loc["/throw/x", "status"] == 503
    assert (out["vreq_kind"] == "cloudfront-function").all()
    assert out["vreq_compute_utilization"].notna().all()
    assert (first.loc["/", "oreq_outcome"], first.loc["/", "vresp_kind"]) == (
        "request",
        "cloudfront-function",
    )


# -- placement (CFF §6) and the TOML form -----------------------------------------------------
def test_a_behaviour_cannot_mix_the_kinds_on_viewer_events(tmp_path: Path) -> None:
    f = str(EXAMPLES / "redirect.js")
    h = str(HERE.parent / "examples" / "handlers" / "add_header.py")
    mixed = el.CacheBehavior(
        cloudfront_functions={"viewer-request": f}, triggers={"viewer-response": h}
    )
    with pytest.raises(ConfigError, match=r"cannot be combined.*§6"):
        el.Distribution(behaviors=[mixed], origins={"origin": el.MappingOrigin({})})
    origin_event = el.CacheBehavior(cloudfront_functions={"origin-request": f})
    with pytest.raises(ConfigError, match=r"viewer-request or viewer-response only.*§6"):
        el.Distribution(behaviors=[origin_event], origins={"origin": el.MappingOrigin({})})
    fine = el.CacheBehavior(
        cloudfront_functions={
            "viewer-request": el.CloudFrontFunctionConfig(f, "cloudfront-js-1.0")
        },
        triggers={"origin-request": h},
    )
    with el.Distribution(behaviors=[fine], origins={"origin": el.MappingOrigin({})}) as d:
        assert d.request("/old/x").status == 301
    (tmp_path / "f.js").write_text("function handler(event) { return event.request; }\n")
    (tmp_path / "h.py").write_text("def handler(event, context):\n    return None\n")
    cfg = tmp_path / "d.toml"
    cfg.write_text(
        '[triggers]\nviewer-request = { function = "f.js", runtime = "cloudfront-js-2.0" }\n'
        'viewer-response = "h.py"\n[origin]\ntype = "mapping"\n[origin.responses."/"]\n'
    )
    with pytest.raises(DefinitionError, match=r"d\.toml.*cannot be combined"):
        el.load_distribution(cfg)
    cfg.write_text(
        '[triggers]\nviewer-request = { function = "f.js", runtime = "nodejs20.x" }\n'
        '[origin]\ntype = "mapping"\n[origin.responses."/"]\n'
    )
    with pytest.raises(DefinitionError, match=r"runtime must be one of cloudfront-js-1\.0"):
        el.load_distribution(cfg)


def test_one_behaviour_toml_takes_a_cloudfront_function(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The task's form, in today's one-behaviour [triggers]: function, runtime, kvs."""
    kvs = EXAMPLES / "kvs.json"
    cfg = tmp_path / "distribution.toml"
    cfg.write_text(
        "[triggers]\n"
        f'viewer-request = {{ function = "{EXAMPLES / "kvs-weights.js"}", '
        f'runtime = "cloudfront-js-2.0", kvs = "{kvs}" }}\n'
        '[origin]\ntype = "mapping"\n[origin.responses."/"]\nbody = "hi"\n'
    )
    spec = el.load_definition(cfg)
    (assoc,) = spec.default_behavior.functions
    assert (assoc.kind, assoc.function.runtime) == ("cloudfront-function", "cloudfront-js-2.0")
    assert assoc.function.key_value_store is not None
    assert not_run_yet(spec) == []
    with el.load_distribution(cfg) as d:
        trace = d.request("/")
        assert trace.body == b"hi"
        assert vreq(trace).output["headers"]["x-ab-group"][0]["value"] in ("A", "B")
    assert main(["config", "show", str(cfg)]) == 0
    shown = capfd.readouterr().out
    assert "viewer-request: cloudfront-function kvs-weights (cloudfront-js-2.0)" in shown
    assert f"kvs kvs: {kvs}" in shown


# -- decisions in the chain (CFF_DECISIONS) ---------------------------------------------------
@pytest.fixture(scope="module")
def introspect() -> Any:
    behavior = el.CacheBehavior(
        "*",
        target_origin="o",
        viewer_protocol_policy="redirect-to-https",
        cloudfront_functions={"viewer-request": FIX / "functions" / "introspect.js"},
        cache_policy=el.CachePolicy(headers=["CloudFront-Viewer-Country"], query_strings="all"),
        origin_request_policy=el.OriginRequestPolicy(
            headers="all", cloudfront_headers=["CloudFront-Viewer-Address"]
        ),
    )
    d = el.Distribution(
        behaviors=[behavior],
        origins={"o": el.MappingOrigin({"/index.html": "home", "/x": "x"})},
        default_root_object="index.html",
    )
    yield d
    d.close()


def seen(trace: Any, name: str) -> str:
    return str(vreq(trace).output["headers"][name][0]["value"])


def test_cloudfront_headers_are_added_once_before_the_function(introspect: Any) -> None:
    """CFF_DECISIONS "CloudFront headers a viewer-request function sees" (CFF §7)."""
    trace = introspect.request("/x", country="FR", client_ip="198.51.100.7")
    assert vreq(trace).input["headers"]["cloudfront-viewer-country"][0]["value"] == "FR"
    assert seen(trace, "x-address-seen") == "yes"  # an origin-request-policy-only header
    assert trace.origin is not None
    assert trace.origin.request["headers"]["cloudfront-viewer-country"][0]["value"] == "XX"


def test_edge_rules_answer_before_the_function_and_the_root_object_after(
    introspect: Any,
) -> None:
    """CFF_DECISIONS "edge rules and a viewer-request function" (CFF §4.3)."""
    http = introspect.request("/x", protocol="http")
    assert (http.status, http.edge_rule, http.stages) == (301, "redirect-to-https", [])
    root = introspect.request("/")
    assert seen(root, "x-uri-seen") == "/" and root.body == b"home"
    assert root.origin is not None and root.origin.request["uri"] == "/index.html"


def test_raw_query_string_and_the_query_string_sent_on(introspect: Any) -> None:
    """CFF_DECISIONS "request.rawQueryString() in a distribution" (CFF §5.1): the raw
    string, and a query string the function leaves alone reaches the origin as sent."""
    trace = introspect.request("/x?b=2&a=1&a=3&flag")
    assert seen(trace, "x-raw-qs") == "b=2&a=1&a=3&flag"
    assert trace.origin is not None and trace.origin.request["querystring"] == "b=2&a=1&a=3&flag"
    assert seen(introspect.request("/x"), "x-raw-qs") == "undefined"


def test_edge_location_is_the_pop_and_its_regional_edge_cache(introspect: Any) -> None:
    """CFF_DECISIONS "cf.edgeLocation in a distribution" (CFF §5.2)."""
    edge = json.loads(seen(introspect.request("/x", edge_location="GRU50-C1"), "x-edge"))
    assert (edge["name"], edge["region"]) == ("GRU", "sa-east-1")
    assert edge["serverIp"]


def test_viewer_functions_sit_outside_the_origin_stages() -> None:
    """CFF_DECISIONS "origin failover" (CFF §4.3): an origin group's failover re-runs the
    stages inside ForwardToOrigin only, so a viewer function never runs twice; an
    unreachable origin's 502 runs each viewer function once."""
    from edgelab.edge import chain

    for unit in (chain.ViewerRequestCloudFrontFunction, chain.ViewerResponseCloudFrontFunction):
        assert chain.STACK.index(unit) < chain.STACK.index(chain.ForwardToOrigin)

    def down(request: dict[str, Any]) -> Any:
        raise el.OriginError(502, "connection refused")

    behavior = el.CacheBehavior(
        cloudfront_functions={"viewer-request": EXAMPLES / "normalize-headers.js"}
    )
    with el.Distribution(behaviors=[behavior], origins={"origin": down}) as d:
        trace = d.request("/x")
    assert trace.status == 502 and trace.triggers == ["viewer-request"]


# -- the conversion between the chain's shape and the function's (CFF §2.4) -----------------
@settings(max_examples=150, deadline=None)
@given(event=strategies.events(["viewer-request"]))
def test_a_request_the_function_returns_unchanged_is_the_chains_request(
    event: dict[str, Any],
) -> None:
    """Headers (duplicates and key case), the Cookie header and the query string come back
    exactly as the chain had them when the function leaves them alone."""
    request = dict(event["Records"][0]["cf"]["request"])
    request.pop("body", None)
    cff = cff_request(request)
    returned = normalize_cff_request(cff, cff)
    assert request_from_cff(returned, request, cff) == request


@settings(max_examples=150, deadline=None)
@given(event=strategies.events(["viewer-response"]))
def test_a_response_the_function_returns_unchanged_keeps_its_headers(
    event: dict[str, Any],
) -> None:
    response = event["Records"][0]["cf"]["response"]
    cff = cff_response(response)
    out = response_from_cff(normalize_cff_response(cff, cff), response, cff)
    assert out["headers"] == response["headers"]
    assert int(out["status"]) == int(response["status"])


def test_terraform_function_and_its_store_run_beside_lambda_edge(tmp_path: Path) -> None:
    """aws_cloudfront_function with its aws_cloudfront_key_value_store entries, on the
    default behaviour's viewer request, beside a Lambda@Edge origin response."""
    state = HERE / "fixtures" / "definitions" / "terraform" / "state.json"
    with el.load_distribution(state, cache_dir=tmp_path) as d:
        moved = d.request("/old-home")
        assert (moved.status, moved.headers["location"]) == (301, "/")
        assert moved.cache == "FunctionGeneratedResponse"
        page = d.request("/x")
        assert [(s.trigger, s.kind) for s in page.stages] == [
            ("viewer-request", "cloudfront-function"),
            ("origin-response", "lambda@edge"),
        ]
