"""A CLI that takes one step: invoke builds the event inline and prints text with the diff,
--watch reruns, a handler given the wrong event type gets a hint, replay ends with a
summary, traffic draws the user's own paths."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import edgelab as el
from edgelab import analysis
from edgelab.errors import EventError
from tests.conftest import ROOT

HANDLER = """
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-version"] = [{"key": "X-Version", "value": "VERSION"}]
    print("served", request["uri"])
    return request
"""
RESPONSE_HANDLER = """
def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["x-frame-options"] = [{"key": "X-Frame-Options", "value": "SAMEORIGIN"}]
    return response
"""
RESPONSE_HANDLER_JS = """
exports.handler = async (event) => {
  const response = event.Records[0].cf.response;
  response.headers['x-frame-options'] = [{ key: 'X-Frame-Options', value: 'SAMEORIGIN' }];
  return response;
};
"""


def edgelab(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edgelab", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def handler(tmp_path: Path) -> Path:
    path = tmp_path / "vr.py"
    path.write_text(HANDLER.replace("VERSION", "1"))
    return path


# -- invoke builds the event ---------------------------------------------------------------------
def test_invoke_with_event_options_runs_the_event_edgelab_event_prints(
    handler: Path, tmp_path: Path
) -> None:
    options = ["--uri", "/a", "--querystring", "x=1", "--header", "Accept-Language: fr"]
    event = edgelab("event", "viewer-request", *options)
    (tmp_path / "e.json").write_text(event.stdout)
    inline = json.loads(
        edgelab("invoke", str(handler), "--trigger", "viewer-request", *options).stdout
    )
    from_file = json.loads(
        edgelab("invoke", str(handler), "--event", str(tmp_path / "e.json")).stdout
    )
    for d in (inline, from_file):
        d.pop("duration_ms"), d.pop("logs")
    assert inline == from_file
    assert inline["request"]["headers"]["accept-language"][0]["value"] == "fr"


def test_invoke_text_shows_what_the_handler_changed_and_its_logs(handler: Path) -> None:
    out = edgelab(
        "invoke", str(handler), "--trigger", "viewer-request", "--uri", "/p", "--format", "text"
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert text.startswith(f"viewer-request  {handler}  -> the request goes on (")
    assert "what the function changed:\n  + x-version: 1\n" in text
    assert "  | served /p" in text


def test_invoke_text_of_a_response_trigger_diffs_the_response(tmp_path: Path) -> None:
    path = tmp_path / "ores.py"
    path.write_text(RESPONSE_HANDLER)
    out = edgelab(
        "invoke", str(path), "--trigger", "origin-response", "--status", "404", "--format", "text"
    )
    assert "-> response 404" in out.stdout
    assert "  ~ x-frame-options: DENY -> SAMEORIGIN" in out.stdout


def test_invoke_text_of_a_generated_response_says_so(tmp_path: Path) -> None:
    path = tmp_path / "gen.py"
    path.write_text(
        "def handler(e, c):\n    return {'status': '302', 'headers': {'location': "
        "[{'key': 'Location', 'value': '/b'}]}}\n"
    )
    out = edgelab("invoke", str(path), "--trigger", "viewer-request", "--format", "text")
    assert "  = generated a 302 response\n  + location: /b\n" in out.stdout


def test_invoke_reaches_the_services_of_a_config(tmp_path: Path) -> None:
    path = tmp_path / "vr.py"
    path.write_text(
        "import urllib.request\n"
        "def handler(event, context):\n"
        "    body = urllib.request.urlopen('https://api.example.com/v').read().decode()\n"
        "    request = event['Records'][0]['cf']['request']\n"
        "    request['headers']['x-v'] = [{'key': 'X-V', 'value': body}]\n"
        "    return request\n"
    )
    config = tmp_path / "distribution.toml"
    config.write_text(
        '[origin]\ntype = "mapping"\n[origin.responses]\n"/" = "x"\n'
        '[[http.mocks]]\nurl = "https://api.example.com/v"\nbody = "7"\n'
    )
    out = edgelab("invoke", str(path), "--trigger", "viewer-request", "--config", str(config))
    result = json.loads(out.stdout)
    assert result["request"]["headers"]["x-v"][0]["value"] == "7"
    assert [(c["url"], c["status"], c["via"]) for c in result["calls"]] == [
        ("https://api.example.com/v", 200, "mock")
    ]
    text = edgelab(
        "invoke",
        str(path),
        "--trigger",
        "viewer-request",
        "--config",
        str(config),
        "--format",
        "text",
    ).stdout
    assert "outbound calls (1):\n  GET https://api.example.com/v -> 200 mock (" in text


# -- the wrong event type ----------------------------------------------------------------------
@pytest.mark.parametrize("trigger", ["viewer-request", "origin-request"])
def test_a_response_handler_given_a_request_event_gets_a_hint(tmp_path: Path, trigger: str) -> None:
    path = tmp_path / "ores.py"
    path.write_text(RESPONSE_HANDLER)
    result = json.loads(edgelab("invoke", str(path), "--trigger", trigger).stdout)
    message = result["error"]["message"]
    counterpart = trigger.replace("request", "response")
    assert message.startswith("KeyError: 'response' (hint: the function reads cf.response")
    assert f"{el.Trigger(trigger).with_article} event does not have (facts §1.1)" in message
    assert f"give it --trigger {counterpart}" in message


@pytest.mark.node
def test_a_node_response_handler_given_a_request_event_gets_the_same_hint(tmp_path: Path) -> None:
    path = tmp_path / "ores.js"
    path.write_text(RESPONSE_HANDLER_JS)
    result = el.invoke(str(path), el.build_event("origin-request"))
    assert result.error is not None
    assert "Cannot read properties of undefined (reading 'headers')" in result.error.message
    assert (
        "it looks like a handler for origin-response (or viewer-response)" in result.error.message
    )


def test_a_handler_reading_the_origin_in_a_viewer_event_gets_a_hint() -> None:
    def handler(event: Any, context: Any) -> Any:
        return event["Records"][0]["cf"]["request"]["origin"]

    result = el.invoke(handler, el.build_event("viewer-request"))
    assert result.error is not None
    assert "it looks like a handler for origin-request events" in result.error.message


def test_an_ordinary_key_error_gets_no_hint() -> None:
    def handler(event: Any, context: Any) -> Any:
        return {}["missing"]

    result = el.invoke(handler, el.build_event("viewer-request"))
    assert result.error is not None and "hint" not in result.error.message


def test_messages_say_an_origin_response_event() -> None:
    with pytest.raises(EventError, match=r"an origin-response event needs cf\.response"):
        el.load_event(el.build_event("origin-request"), trigger="origin-response")


# -- --watch ----------------------------------------------------------------------------------
class _Lines:
    """A child process's stdout, read by a thread into a queue, each wait bounded."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.queue.put(line)
        self.queue.put(None)

    def until(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not seen; output so far:\n{''.join(self.seen)}")


def _watch(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-u", "-m", "edgelab", *args, "--watch"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    try:
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()


@pytest.mark.slow
def test_invoke_watch_reruns_when_the_handler_changes_and_ctrl_c_exits_0(handler: Path) -> None:
    proc = _watch("invoke", str(handler), "--trigger", "viewer-request", "--format", "text")
    lines = _Lines(proc)
    try:
        lines.until("+ x-version: 1")
        time.sleep(0.3)  # a new modification time, even on coarse file systems
        handler.write_text(HANDLER.replace("VERSION", "2"))
        separator = lines.until("--- edgelab:")
        assert "vr.py changed; run 2 ---" in separator
        lines.until("+ x-version: 2")
    finally:
        code = _stop(proc)
    assert code == 0


@pytest.mark.slow
def test_request_watch_reruns_when_the_config_changes(tmp_path: Path, handler: Path) -> None:
    config = tmp_path / "distribution.toml"
    body = '[triggers]\nviewer-request = "vr.py"\n[origin]\ntype = "mapping"\n[origin.responses]\n'
    config.write_text(body + '"/" = "first"\n')
    proc = _watch("request", "/", "--config", str(config))
    lines = _Lines(proc)
    try:
        lines.until("first")
        time.sleep(0.3)
        config.write_text(body + '"/" = "second"\n')
        lines.until("distribution.toml changed; run 2")
        lines.until("second")
        time.sleep(0.3)
        handler.write_text(HANDLER.replace("VERSION", "3"))
        lines.until("vr.py changed; run 3")
        lines.until("+ x-version: 3")
    finally:
        code = _stop(proc)
    assert code == 0


# -- replay's summary and traffic from the user's paths -----------------------------------------
def test_replay_ends_with_an_outcome_summary(tmp_path: Path) -> None:
    traffic = tmp_path / "t.parquet"
    assert (
        edgelab(
            "traffic", "--profile", "workshop-small", "--n", "200", "--out", str(traffic)
        ).returncode
        == 0
    )
    out = edgelab(
        "replay",
        str(traffic),
        "--config",
        "examples/distribution/distribution.toml",
        "--out",
        str(tmp_path / "r.parquet"),
        "--no-progress",
    )
    assert out.returncode == 0, out.stderr
    results = pd.read_parquet(tmp_path / "r.parquet")
    summary = out.stderr[out.stderr.index("outcomes:") :]
    counts = analysis.summary(results).set_index("metric")["value"]
    for metric in ("served from the cache", "served via the origin", "generated by a function",
                   "origin 4xx", "function errors", "CloudFront errors"):  # fmt: skip
        assert f"  {metric:<34} {int(counts[metric]):>8,}" in summary
    ratio = analysis.hit_ratio(results)
    assert ratio is not None and f"  {'cache hit ratio':<34} {100 * ratio:8.1f}%" in summary


def test_traffic_draws_paths_from_a_file_or_a_site(tmp_path: Path) -> None:
    listed = tmp_path / "paths.txt"
    listed.write_text("# most requested first\n/home\n\n/products/a\n/products/b\n")
    out = edgelab("traffic", "--n", "300", "--paths", str(listed), "--out", str(tmp_path / "p.csv"))
    assert out.returncode == 0, out.stderr
    frame = pd.read_csv(tmp_path / "p.csv")
    gets = frame.loc[frame["method"] == "GET", "uri"]
    assert set(gets) == {"/home", "/products/a", "/products/b"}
    assert gets.value_counts().index[0] == "/home"  # the first is the most requested
    site = ROOT / "examples" / "distribution" / "site"
    assert el.site_paths(site)[0] == "/index.html"
    out = edgelab("traffic", "--n", "300", "--site", str(site), "--out", str(tmp_path / "s.csv"))
    assert out.returncode == 0, out.stderr
    uris = set(pd.read_csv(tmp_path / "s.csv").query("method == 'GET'")["uri"])
    assert uris <= set(el.site_paths(site)) and "/index.html" in uris


def test_a_bad_paths_file_names_the_line(tmp_path: Path) -> None:
    listed = tmp_path / "paths.txt"
    listed.write_text("/ok\nno-slash\n")
    out = edgelab("traffic", "--n", "10", "--paths", str(listed), "--out", str(tmp_path / "x.csv"))
    assert out.returncode == 2
    assert f"{listed}:2: a path must start with /" in out.stderr


def test_gitignore_covers_what_edgelab_writes() -> None:
    lines = (ROOT / ".gitignore").read_text().splitlines()
    for written in (".edgelab/", "edgelab-demo/", "node_modules/"):
        assert written in lines


@pytest.mark.node
def test_invoke_builds_a_cloudfront_functions_event_inline_too() -> None:
    fn = ROOT / "examples" / "cloudfront-functions" / "redirect.js"
    out = edgelab(
        "invoke", str(fn), "--runtime", "cloudfront-js-2.0", "--trigger", "viewer-request",
        "--uri", "/old/page", "--querystring", "a=1", "--set", "compute-budget=200",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["status"], data["response"]["headers"]["location"]) == (
        301,
        {"value": "/new/page?a=1"},
    )


def test_text_and_config_are_for_lambda_edge_handlers(handler: Path) -> None:
    out = edgelab(
        "invoke", str(handler), "--runtime", "cloudfront-js-2.0", "--trigger", "viewer-request",
        "--format", "text",
    )  # fmt: skip
    assert out.returncode == 2
    assert "--format text and --config are for Lambda@Edge handlers" in out.stderr


def test_the_summary_of_a_results_file_is_counted_a_piece_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """edgelab replay's closing summary reads a streamed replay's results a piece at a
    time (memory stays bounded): the counts of the pieces add up to the whole's."""
    from edgelab.commands import replay as command

    traffic = el.generate_traffic("workshop-small", 300, seed=4)
    results = el.replay(ROOT / "examples" / "distribution" / "distribution.toml", traffic,
                        progress=False)  # fmt: skip
    results = results.astype({"outcome": object, "error_type": object, "status": "Int64"})
    for k, etype in zip(range(5, 300, 40), ["LambdaLimitExceeded", "LambdaValidationError"] * 4,
                        strict=True):  # fmt: skip
        results.loc[k, ["outcome", "status", "error_type"]] = ["error", 503, etype]
    whole = command.outcome_summary(results)
    assert "  LambdaLimitExceeded" in whole and "  LambdaValidationError" in whole
    assert "function errors" in whole and "cache hit ratio" in whole
    monkeypatch.setattr(command, "SUMMARY_PIECE_ROWS", 37)
    for name in ("r.parquet", "r.csv"):
        path = tmp_path / name
        if name.endswith(".parquet"):
            results.to_parquet(path, row_group_size=50)
        else:
            results.to_csv(path, index=False)
        assert command.outcome_summary(command._counted(path)) == whole
    parts = [analysis.OutcomeTally.of(results.iloc[k : k + 37]) for k in range(0, 300, 37)]
    total = sum(parts[1:], parts[0])
    assert total == analysis.OutcomeTally.of(results)
    assert total.category_rows() == analysis.OutcomeTally.of(results).category_rows()
