"""edgelab's pytest plugin, run by pytester on small sample projects: fixtures, markers,
ini options and the messages of failing assertions."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from edgelab.errors import RuntimeUnavailable

pytest_plugins = ["pytester"]

REDIRECT_PY = """
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/old/"):
        return {"status": "301", "headers": {"location": [
            {"key": "Location", "value": "/new/" + request["uri"][5:]}]}}
    return request
"""
REDIRECT_JS = """
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/old/')) {
    return { status: '301', headers: { location: [
      { key: 'Location', value: '/new/' + request.uri.slice(5) }] } };
  }
  return request;
};
"""
TAG_PY = """
def handler(event, context):
    cf = event["Records"][0]["cf"]
    target = cf.get("response") or cf["request"]
    target["headers"]["x-tag"] = [{"key": "X-Tag", "value": cf["config"]["eventType"]}]
    return target
"""
BAD_PY = """
def handler(event, context):
    print("adding a header CloudFront refuses")
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["via"] = [{"key": "Via", "value": "1.1 me"}]
    return response
"""
SLOW_PY = """
import time
def handler(event, context):
    time.sleep(1.5)
    return event["Records"][0]["cf"]["request"]
"""
CONFIG = """
[triggers]
viewer-request = "handlers/redirect.py"
[origin]
type = "mapping"
[origin.responses."/"]
status = 200
headers = { "Cache-Control" = "max-age=60" }
body = "home"
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A sample handler project: handlers in both runtimes, a distribution, an ini."""
    handlers = pytester.mkdir("handlers")
    (handlers / "redirect.py").write_text(REDIRECT_PY)
    (handlers / "redirect.js").write_text(REDIRECT_JS)
    (handlers / "tag.py").write_text(TAG_PY)
    (handlers / "bad.py").write_text(BAD_PY)
    (handlers / "slow.py").write_text(SLOW_PY)
    pytester.makefile(".toml", distribution=CONFIG)
    pytester.makeini("[pytest]\nedgelab_config = distribution.toml\n")
    return pytester


def test_the_plugin_is_registered_through_the_pytest11_entry_point() -> None:
    found = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="pytest11")}
    assert found.get("edgelab") == "edgelab.pytest_plugin"


@pytest.mark.node
def test_the_fixtures_markers_and_helpers_pass_on_a_sample_project(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_sample="""
        import pytest
        from edgelab.testing import (assert_header, assert_no_violations, assert_outcome,
                                     assert_status)

        def test_invoke_by_path(edge):
            result = edge.invoke("handlers/redirect.py", "viewer-request", uri="/old/a")
            assert_status(result, 301)
            assert_header(result, "location", "/new/a")
            assert_no_violations(result)

        def test_invoke_a_function_with_an_event(edge):
            def handler(event, context):
                return event["Records"][0]["cf"]["request"]
            result = edge.invoke(handler, edge.event("origin-request", uri="/x"))
            assert_outcome(result, "request")

        def test_rules_and_overrides(edge):
            result = edge.invoke("handlers/slow.py", "viewer-request", rules="2023-03",
                                 overrides={"timeout.viewer-request": 1})
            assert_status(result, 503)

        @pytest.mark.every_trigger
        def test_every_trigger(edge, edge_trigger):
            result = edge.invoke("handlers/tag.py")
            assert_header(result, "x-tag", edge_trigger)

        @pytest.mark.every_trigger("viewer-request", "origin-request")
        def test_some_triggers(edge):
            assert edge.trigger in ("viewer-request", "origin-request")

        @pytest.mark.both_runtimes
        def test_both_runtimes(edge, edge_runtime):
            result = edge.invoke("handlers/redirect", "viewer-request", uri="/old/b")
            assert_header(result, "location", "/new/b")

        def test_a_fresh_cache_and_a_frozen_clock(distribution):
            dist = distribution()
            assert dist.request("/").cache == "Miss"
            assert dist.request("/").cache == "Hit"
            distribution.clock.advance(61)
            assert dist.request("/").cache == "Miss"
            assert len(distribution.traces) == 3
            assert_outcome(distribution.last, "served")

        def test_the_next_test_starts_with_an_empty_cache(distribution):
            assert distribution().request("/").cache == "Miss"
            assert distribution.clock() == 1735689600.0

        def test_http_mocks_through_the_edge_fixture(edge):
            def handler(event, context):
                import urllib.request
                with urllib.request.urlopen("https://api.example.com/v") as r:
                    value = r.read().decode()
                request = event["Records"][0]["cf"]["request"]
                request["headers"]["x-v"] = [{"key": "X-V", "value": value}]
                return request
            edge.http({"https://api.example.com/v": "42"})
            result = edge.invoke(handler, "viewer-request")
            assert_header(result, "x-v", "42")
            assert result.calls[0]["url"] == "https://api.example.com/v"
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=14)  # 3 + 4 triggers + 2 + 2 runtimes + 3


def test_a_failing_assertion_explains_what_cloudfront_did(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_failing="""
        from edgelab.testing import assert_header, assert_no_violations, assert_status

        def test_status(edge):
            result = edge.invoke("handlers/bad.py", "origin-response", status=200)
            assert_status(result, 200)

        def test_header_of_a_trace(distribution):
            trace = distribution().request("/old/page")
            assert_header(trace, "location", "/elsewhere")

        def test_violations(edge):
            assert_no_violations(edge.invoke("handlers/bad.py", "viewer-response"))
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            "*expected status 200, got 502: it failed: 502 LambdaValidationError*Via*",
            "*origin-response  the function  -> error 502*",
            "*! read-only-header*",
            "*| adding a header CloudFront refuses*",
            "*the response to the viewer has 'location' = *'/new/page'*, not '/elsewhere'*",
            "*viewer-request   response*",
            "*= generated a 301 response*",
            "*1 Lambda@Edge rule violation(s); CloudFront answers 502 LambdaValidationError:*",
            "*read-only-header at response.headers.via*(§3.2)*",
        ],
        consecutive=False,
    )
    assert "edgelab/testing/" not in result.stdout.str()  # the helpers' frames are hidden


def test_the_node_run_is_skipped_with_the_reason_when_node_is_missing(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_node() -> str:
        raise RuntimeUnavailable("Node.js 18 or later is needed to run Node.js handlers")

    monkeypatch.setattr("edgelab.testing.fixtures.find_node", no_node)  # the run is in this process
    project.makepyfile(
        test_runtimes="""
        import pytest

        @pytest.mark.both_runtimes
        def test_both(edge):
            edge.invoke("handlers/redirect", "viewer-request")
        """
    )
    result = project.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*Node.js*"])


@pytest.mark.node
def test_a_handler_missing_in_one_runtime_is_named(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_missing="""
        import pytest

        @pytest.mark.both_runtimes
        def test_both(edge):
            edge.invoke("handlers/tag", "viewer-request")
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*no node handler found (looked for .js, .mjs, .cjs*"])


def test_the_distribution_fixture_takes_the_full_form_and_any_definition(
    tmp_path: Path,
) -> None:
    """``distribution(behaviors=..., origins=...)`` needs no config; a template is loaded
    with the mapping options (a map file with [http] here), relative to the rootdir."""
    import edgelab as el
    from edgelab.testing import Distributions
    from tests.test_definitions_outbound import CALLS, MOCK, cloudformation

    fixture = Distributions(root=tmp_path)
    try:
        full = fixture(
            behaviors=[el.CacheBehavior(target_origin="site")],
            origins={"site": el.MappingOrigin({"/": "home"})},
        )
        assert full.request("/").body == b"home" and fixture.clock() == full.clock()
        (tmp_path / "vr.py").write_text(CALLS)
        cloudformation(tmp_path)
        (tmp_path / "map.toml").write_text('[mappings.functions]\nflags = "vr.py"\n' + MOCK)
        dist = fixture("template.json", map_file=str(tmp_path / "map.toml"))
        trace = dist.request("/")
        assert trace.stage("viewer-request").calls[0]["url"] == "https://api.example.com/flags"
        assert fixture.last is trace and len(fixture.traces) == 2
    finally:
        fixture.close()
