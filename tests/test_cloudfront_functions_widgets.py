"""The event editor and the limits playground with CloudFront Functions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import edgelab as el
from edgelab.widgets import EventEditor, LimitsPlayground
from edgelab.widgets.limits import sweep
from tests.conftest import ROOT

pytestmark = pytest.mark.node

EXAMPLES = ROOT / "examples" / "cloudfront-functions"
RT1, RT2 = el.CFF_RUNTIMES


@pytest.fixture(autouse=True)
def _close() -> Iterator[None]:
    yield
    el.close_handlers()


def test_editor_runs_a_cloudfront_function() -> None:
    ed = EventEditor(str(EXAMPLES / "redirect.js"), runtime=RT1, uri="/old/page")
    result = ed.run()
    assert result is not None and (result.outcome, result.status) == ("response", 301)
    assert ed.event == el.build_cff_event("viewer-request", uri="/old/page")
    assert "compute utilization" in ed.summary.value
    assert "header location added" in ed.changes.value
    assert '"runtime": "cloudfront-js-1.0"' in ed.event_after.value.replace("&quot;", '"')


def test_editor_offers_only_viewer_triggers_for_cloudfront_functions() -> None:
    ed = EventEditor(str(EXAMPLES / "redirect.js"), trigger="origin-request")
    assert ed.trigger.value == "origin-request"
    ed.runtime.value = RT2
    assert list(ed.trigger.options) == ["viewer-request", "viewer-response"]
    assert ed.trigger.value == "viewer-request"
    ed.runtime.value = ""
    assert len(ed.trigger.options) == 4


def test_editor_with_a_key_value_store_and_its_errors() -> None:
    ed = EventEditor(str(EXAMPLES / "kvs-weights.js"), runtime=RT2, kvs=str(EXAMPLES / "kvs.json"))
    ed.cookies.value = "ab=B"
    result = ed.run()
    assert result is not None and result.request["headers"]["x-ab-group"] == {"value": "B"}
    ed.body.value = "payload"
    assert ed.run() is None and "cannot read the request body" in ed.error
    ed.body.value = ""
    ed.runtime.value = RT1
    assert ed.run() is None and "is not valid cloudfront-js-1.0" in ed.error


def test_playground_headers_hit_the_request_size() -> None:
    pg = LimitsPlayground(grow="headers", size=250, points=3, runtime=RT2)
    data = pg.run()
    assert set(data["trigger"]) == {"viewer-request", "viewer-response"}
    last = data[data["size"] == 250].set_index("trigger")
    assert last.loc["viewer-request", "status"] == 502
    assert last.loc["viewer-request", "limit_rule"] == "request-size"
    assert "request-size = 20,480 bytes" in pg.table.value
    assert pg.plot.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_playground_compute_over_the_budget() -> None:
    tiny = el.get_cff_rules(overrides={"compute-budget": 0.00001})
    data = sweep("compute", 1000, points=2, rules=tiny, runtime=RT1)
    assert list(data["status"]) == [503, 503, 503, 503]
    assert (data["compute_utilization"] > 100).all()
    roomy = el.get_cff_rules(overrides={"compute-budget": 10_000})
    assert set(sweep("compute", 1000, points=2, rules=roomy, runtime=RT1)["status"]) == {200}
    with pytest.raises(el.EdgelabError, match="for CloudFront Functions"):
        sweep("compute", 10, points=2)


def test_playground_switches_sliders_with_the_runtime() -> None:
    pg = LimitsPlayground(grow="body")
    assert pg.size.value == 64 * 1024
    pg.runtime.value = RT2
    assert pg.size.value == 3 * 1024 * 1024
    pg.grow.value = "compute"
    assert pg.size.value == 1_000_000
