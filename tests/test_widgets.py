"""The notebook widgets, driven from plain Python: set values, ``.run()``, read outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import edgelab as el
from edgelab.widgets import EventEditor, LimitsPlayground

REDIRECT = '''
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/old/"):
        return {"status": "301", "headers": {"location": [{"key": "Location", "value": "/new"}]}}
    print("passing", request["uri"])
    return request
'''


@pytest.fixture
def redirect(handlers_dir: Path) -> Path:
    path = handlers_dir / "redirect.py"
    path.write_text(REDIRECT)
    return path


def add_disallowed(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-real-ip"] = [{"key": "X-Real-IP", "value": "1.2.3.4"}]
    return request


def test_editor_runs_the_handler_and_shows_outcome_status_and_logs(redirect: Path) -> None:
    ed = EventEditor(str(redirect))
    ed.uri.value = "/old/page"
    result = ed.run()
    assert result is not None and (result.outcome, result.status) == ("response", 301)
    assert "response 301" in ed.summary.value and "generated a response" in ed.summary.value
    assert "location" in ed.changes.value

    before = ed.summary.value
    ed.uri.value = "/kept"
    result = ed.run()
    assert result is not None and result.outcome == "request"
    assert ed.summary.value != before
    assert "passing /kept" in ed.logs.value
    assert "no changes" in ed.changes.value
    assert "/kept" in ed.event_before.value and "/kept" in ed.event_after.value


def test_editor_sends_every_form_field_to_build_event(redirect: Path) -> None:
    ed = EventEditor(str(redirect), trigger="origin-request")
    ed.method.value = "POST"
    ed.querystring.value = "a=1"
    ed.add_header("Accept-Language", "fr")
    ed.cookies.value = "ab=B; session=42"
    ed.body.value = "name=value"
    ed.country.value = "fr"
    ed.device.value = "mobile"
    ed.run()
    assert ed.event == el.build_event(
        "origin-request", uri="/index.html", method="POST", querystring="a=1",
        headers=[("Accept-Language", "fr")], cookies=["ab=B", "session=42"],
        body="name=value", country="fr", device="mobile")


def test_editor_header_rows_add_edit_and_remove(redirect: Path) -> None:
    ed = EventEditor(str(redirect))
    ed.add_header("X-One", "1")
    i = ed.add_header("X-Two", "2")
    ed.header_rows.children[i].children[1].value = "two"
    assert ed.headers == [("X-One", "1"), ("X-Two", "two")]
    ed.remove_header("x-one")
    assert ed.headers == [("X-Two", "two")]
    ed.header_rows.children[0].children[2].click()  # the row's remove button
    assert ed.headers == []
    ed.set_headers({"A": "1", "B": "2"})
    ed.remove_header(0)
    assert ed.headers == [("B", "2")]


def test_editor_shows_violations_with_limit_and_actual(redirect: Path) -> None:
    ed = EventEditor(add_disallowed)
    result = ed.run()
    assert result is not None and (result.outcome, result.status) == ("error", 502)
    assert "LambdaValidationError" in ed.summary.value
    assert "header-disallowed" in ed.violations.value or "x-real-ip" in ed.violations.value
    assert "x-real-ip" in ed.changes.value


def test_editor_shows_a_generated_body_over_the_limit(redirect: Path) -> None:
    def big(event, context):
        return {"status": "200", "body": "x" * 50_000}

    ed = EventEditor(big)
    ed.run()
    assert ed.result is not None and ed.result.status == 502
    assert "generated-response-size" in ed.violations.value
    assert "40960" in ed.violations.value and "50" in ed.violations.value


def test_editor_reports_unusable_input_instead_of_raising(redirect: Path) -> None:
    ed = EventEditor(str(redirect))
    ed.country.value = "FR"  # CloudFront adds it only after viewer request
    assert ed.run() is None
    assert ed.error is not None and "viewer-request" in ed.error
    assert "not run" in ed.summary.value
    ed.trigger.value = "origin-request"
    assert ed.run() is not None and ed.error is None


def test_editor_response_triggers_get_the_origin_status(redirect: Path) -> None:
    def passthrough(event, context):
        return event["Records"][0]["cf"]["response"]

    ed = EventEditor(passthrough, trigger="origin-response")
    ed.status.value = "404"
    result = ed.run()
    assert result is not None and (result.outcome, result.status) == ("response", 404)


def test_editor_uses_the_new_code_after_the_file_changes(redirect: Path) -> None:
    ed = EventEditor(str(redirect))
    ed.uri.value = "/old/page"
    assert ed.run().status == 301  # type: ignore[union-attr]
    redirect.write_text(REDIRECT.replace('"301"', '"302"'))
    stat = redirect.stat()
    os.utime(redirect, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert ed.run().status == 302  # type: ignore[union-attr]


def test_editor_lists_handler_files_and_notebook_functions(redirect: Path) -> None:
    (redirect.parent / "hello.js").write_text("exports.handler = async (e) => e;\n")
    (redirect.parent / "_private.py").write_text("")
    ed = EventEditor(add_disallowed, directory=redirect.parent)
    labels = [label for label, _ in ed.handler.options]
    assert labels[0] == "add_disallowed (notebook)"
    assert [Path(x).name for x in labels[1:]] == ["hello.js", "redirect.py"]
    ed.handler.value = str(redirect)
    assert ed.run() is not None and ed.result.outcome == "request"  # type: ignore[union-attr]


def test_editor_needs_a_handler() -> None:
    with pytest.raises(el.EdgelabError, match="EventEditor needs a handler"):
        EventEditor()


def test_editor_displays_as_a_widget(redirect: Path) -> None:
    bundle = EventEditor(str(redirect))._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_limits_playground_finds_each_triggers_body_limit() -> None:
    pg = LimitsPlayground(grow="body", size=48 * 1024, points=4)
    data = pg.run()
    assert set(data.trigger) == {t.value for t in el.TRIGGERS}
    last = data.groupby("trigger").last()
    assert last.loc["viewer-request", "status"] == 502
    assert last.loc["viewer-response", "status"] == 502
    assert last.loc["origin-request", "status"] == 200
    assert last.loc["viewer-request", "limit"] == 40 * 1024
    assert "generated-response-size = 40,960 bytes" in pg.table.value
    assert bytes(pg.plot.value).startswith(b"\x89PNG")


def test_limits_playground_uses_the_rule_sets_limits() -> None:
    pg = LimitsPlayground(grow="body", size=48 * 1024, points=2)
    pg.run()
    first = pg.table.value
    pg.rules.value = "2023-03"
    pg.run()
    assert pg.runs == 2 and "2023-03" in el.RULE_SETS
    assert pg.data is not None and pg.data.groupby("trigger").last().loc[
        "viewer-request", "status"] == 502
    assert first  # the same limits in both rule sets, but each run redraws


def test_limits_playground_grows_headers_into_the_request_size_limit() -> None:
    pg = LimitsPlayground(grow="headers", rules="2023-03")  # the 20,480-byte request quota
    assert pg.size.max == 500
    pg.size.value = 300
    pg.points.value = 3
    data = pg.run()
    vreq = data[data.trigger == "viewer-request"]
    assert list(vreq.status) == [200, 200, 502]
    assert set(vreq.limit_rule) == {"request-size"}
    assert "request-size = 20,480 bytes" in pg.table.value
    pg.grow.value = "body"
    assert pg.size.max == 2 * 1024 * 1024


def test_editor_changes_tab_lists_what_the_handler_changed(redirect: Path) -> None:
    ed = EventEditor(add_disallowed)
    ed.run()
    assert "header x-real-ip added" in ed.changes.value


@pytest.fixture
def distribution(redirect: Path):
    secure = redirect.parent / "secure.py"
    secure.write_text(
        "def handler(event, context):\n"
        "    response = event['Records'][0]['cf']['response']\n"
        "    response['headers']['x-secure'] = [{'key': 'X-Secure', 'value': 'yes'}]\n"
        "    return response\n")
    dist = el.Distribution({"viewer-request": str(redirect), "viewer-response": str(secure)},
                           origin=el.MappingOrigin({"/index.html": "hello"}),
                           clock=lambda: 1000.0)
    yield dist
    dist.close()


def test_stepper_steps_through_every_stage_of_a_miss(distribution) -> None:
    from edgelab.widgets import ChainStepper

    st = ChainStepper(distribution, path="/index.html")
    trace = st.send()
    assert trace is not None and (trace.cache, trace.status) == ("Miss", 200)
    assert st.position == 0 and "passing /index.html" in st.stage_view.value
    seen = {st.steps.value: st.stage_view.value}
    while st.position < 5:
        name = st.next()
        seen[name] = st.stage_view.value
    assert list(seen) == ["viewer-request", "cache", "origin-request", "origin",
                          "origin-response", "viewer-response"]
    assert "Miss" in seen["cache"]
    assert "no function is associated" in seen["origin-request"]
    assert "origin answered 200" in seen["origin"]
    assert "header x-secure added" in seen["viewer-response"]
    assert st.next() == "viewer-response" and st.prev() == "origin-response"


def test_stepper_shows_a_hit_when_the_request_is_repeated(distribution) -> None:
    from edgelab.widgets import ChainStepper

    st = ChainStepper(distribution, path="/index.html")
    st.send()
    st.steps.value = "origin"
    second = st.send()
    assert second is not None and second.cache == "Hit"
    assert "request 2" in st.summary.value and "Hit 200" in st.summary.value
    assert st.position == 0
    st.steps.value = "origin"
    assert "cache hit" in st.stage_view.value


def test_stepper_shows_a_generated_response(distribution) -> None:
    from edgelab.widgets import ChainStepper

    st = ChainStepper(distribution, path="/old/page")
    st.headers.value = "Accept-Language: fr"
    st.cookies.value = "ab=B"
    trace = st.send()
    assert trace is not None and trace.status == 301
    assert "LambdaGeneratedResponse" in st.summary.value
    st.steps.value = "origin"
    assert "generated the response" in st.stage_view.value


# -- the traffic explorer -------------------------------------------------------------------

@pytest.fixture
def explorer():
    from edgelab.widgets import TrafficExplorer

    return TrafficExplorer(size=600, progress=False)


def test_explorer_replays_generated_traffic_through_the_demo(explorer) -> None:
    import pandas as pd

    from edgelab.traffic import generate

    assert explorer.results is None and explorer.analyses == 0
    results = explorer.run()
    assert results is not None and len(results) == 600
    assert explorer.runs == 1 and explorer.analyses == 1
    pd.testing.assert_frame_equal(explorer.traffic, generate("workshop-small", 600, seed=0))
    assert set(results["outcome"].astype(str)) <= {"served", "generated"}
    assert explorer.progress.value == explorer.progress.max
    assert "600 requests replayed through demo" in explorer.status.value
    assert "cache hit ratio" in explorer.summary.value
    assert list(explorer.ab["variant"]) == ["A", "B"]
    assert "A/B split against intended" in explorer.ab_table.value
    assert bytes(explorer.image.value).startswith(b"\x89PNG")


def test_explorer_weight_slider_reruns_the_split_test_not_the_replay(explorer) -> None:
    from edgelab import analysis

    explorer.weight_a.value = 0.7  # before the first run: nothing to analyse yet
    assert explorer.analyses == 0
    explorer.run()
    results = explorer.results
    at_70 = explorer.ab
    explorer.weight_a.value = 0.5
    assert explorer.runs == 1 and explorer.analyses == 2 and explorer.results is results
    assert explorer.weights == {"A": 0.5, "B": 0.5}
    assert list(explorer.ab["expected"]) == [0.5, 0.5]
    assert explorer.ab.equals(analysis.ab_split(results, weights={"A": 0.5, "B": 0.5}))
    assert at_70 is not None and list(at_70["expected"]) == [0.7, 0.3]
    assert at_70["p_value"].iloc[0] < explorer.ab["p_value"].iloc[0]


def test_explorer_size_and_profile_replay_again(explorer) -> None:
    explorer.run()
    explorer.size.value = 300
    assert explorer.runs == 2 and len(explorer.results) == 300
    explorer.profile.value = "shop"
    assert explorer.runs == 3
    assert set(explorer.results["host"].astype(str)) == {"shop.example.com"}


def test_explorer_splits_by_device_and_browses_every_plot(explorer) -> None:
    from edgelab.widgets.explorer import PLOT_NAMES

    explorer.run()
    explorer.split.value = "device"
    assert "device" in explorer.ab.columns
    assert set(explorer.ab["device"]) <= {"desktop", "mobile", "tablet", "smarttv", "bot"}
    pngs = {}
    for name in PLOT_NAMES:
        explorer.plot.value = name
        pngs[name] = explorer.figure_png
        assert explorer.figure_png.startswith(b"\x89PNG") and explorer.image.value == pngs[name]
    assert len(set(pngs.values())) == len(PLOT_NAMES)
    assert explorer.runs == 1


def test_explorer_reports_a_distribution_it_cannot_load(tmp_path: Path) -> None:
    from edgelab.widgets import TrafficExplorer

    ex = TrafficExplorer({"missing": str(tmp_path / "nowhere.toml")}, size=100, progress=False)
    assert ex.run() is None
    assert ex.error is not None and "nowhere.toml" in ex.error
    assert "not run" in ex.status.value and ex.progress.bar_style == "danger"


def test_explorer_takes_a_distribution_object_or_a_choice(distribution) -> None:
    from edgelab.demo import CONFIG
    from edgelab.widgets import TrafficExplorer

    ex = TrafficExplorer({"demo": str(CONFIG), "mine": distribution}, size=200, progress=False)
    assert [label for label, _ in ex.distribution.options] == ["demo", "mine"]
    ex.distribution.value = distribution  # before a run: does not replay
    assert ex.runs == 0
    results = ex.run()
    assert results is not None and len(results) == 200
    assert ex.ab is not None and ex.ab.empty  # no A/B test in this distribution
    assert "no requests in the A/B test" in ex.ab_table.value
    assert "application/vnd.jupyter.widget-view+json" in ex._repr_mimebundle_()
