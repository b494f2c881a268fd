"""The widgets in a real JupyterLab, the report and ``edgelab serve``'s request UI in
Chromium, driven by Playwright.

JupyterLab serves a temporary copy of ``notebooks/handlers`` plus a one-cell notebook
that shows a widget. The tests run the cell, use the widget as a person would and check
what shows. The report test opens the demo report. The UI test starts ``edgelab serve``
on a loopback port, sends requests and watches them arrive in the list, filters it,
opens a request, replays it and follows the link of a 502 page. Screenshots of the
traffic explorer, the report and the UI go to ``docs/screenshots/`` (the README shows
them; a PNG is rewritten only when its pixels change), other screenshots to
``tests/artifacts/`` (git-ignored).

Chromium is Debian's ``/usr/bin/chromium`` (``apt-get install chromium``); Playwright's
own browser download is never used.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EDITOR = (
    "from edgelab.widgets import EventEditor\n"
    'editor = EventEditor(directory="handlers", uri="/index.html")\n'
    "editor"
)
EXPLORER = (
    "from edgelab.widgets import TrafficExplorer\n"
    'explorer = TrafficExplorer(size=400, plot="edge_map")\n'
    "explorer"
)
WAIT_MS = 120_000
XSS_QUERY = "<script>alert(1)</script>"
XSS_HEADER = '"><img src=x onerror=alert(2)><script>alert(3)</script>'
IDLE = re.compile(r"Python 3 \(ipykernel\) \| Idle")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(300),
    # Playwright's sync API, not edgelab: greenlet/asyncio loop deprecations on 3.11+
    pytest.mark.filterwarnings("ignore::DeprecationWarning:playwright.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:asyncio.*"),
]


def _notebook(path: Path, source: str) -> None:
    path.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "execution_count": None,
                        "id": "widget",
                        "metadata": {},
                        "outputs": [],
                        "source": source,
                    }
                ],
                "metadata": {
                    "kernelspec": {
                        "display_name": "Python 3 (ipykernel)",
                        "language": "python",
                        "name": "python3",
                    }
                },
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )


def save_png(png: bytes, path: Path, *, tolerance: float = 0.003) -> Path:
    """Write a small palette PNG, unless the file there already looks the same: same size
    and at most ``tolerance`` of its pixels different (measured latencies and durations
    change a few digits from run to run; a change of layout rewrites the file)."""
    from PIL import Image, ImageChops

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if path.exists():
        with Image.open(path) as old:
            if old.size == image.size:
                diff = ImageChops.difference(old.convert("RGB"), image).convert("L")
                changed = sum(diff.point(lambda v: 255 if v > 48 else 0).histogram()[255:])
                if changed <= tolerance * image.size[0] * image.size[1]:
                    return path
    path.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """A JupyterLab server on a free port over a temp copy of the notebooks' handlers;
    gives a function that writes a one-cell notebook and returns its URL (with the
    token). Killed afterwards."""
    root = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks" / "handlers", root / "handlers")
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "MPLBACKEND": "Agg",
    }
    argv = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--allow-root",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
    ]
    log = (tmp_path / "jupyter.log").open("w")
    proc = subprocess.Popen(argv, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail("jupyter lab exited: " + (tmp_path / "jupyter.log").read_text())
            try:
                if (
                    httpx.get(f"{base}/api/status", params={"token": token}, timeout=5).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("jupyter lab did not answer: " + (tmp_path / "jupyter.log").read_text())
            time.sleep(0.5)  # polling a server that is starting; no test timing depends on it

        def open_notebook(source: str, name: str = "widget.ipynb") -> str:
            _notebook(root / name, source)
            return f"{base}/lab/tree/{name}?token={token}"

        yield open_notebook
    finally:
        stop(proc)
        log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1400},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(WAIT_MS)
            expect.set_options(timeout=WAIT_MS)
            yield page
        finally:
            context.close()


def _run_the_cell(page, url: str):
    from playwright.sync_api import expect

    page.goto(url)
    cell = page.locator(".jp-Notebook .jp-Cell").first
    expect(cell).to_be_visible()
    expect(page.get_by_text(IDLE)).to_be_visible()  # the kernel is connected
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    return page.locator(".jp-OutputArea-output")


def _on_failure(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    failed = ARTIFACTS / f"browser-{name}-failure.png"
    page.screenshot(path=str(failed), full_page=True)
    print(f"screenshot of the failure: {failed}")


def test_event_editor_runs_in_jupyterlab(lab, browser) -> None:
    from playwright.sync_api import expect

    page = browser
    try:
        output = _run_the_cell(page, lab(EDITOR))
        run = output.locator("button", has_text=re.compile(r"^\s*Run\s*$"))
        expect(run).to_be_visible()
        expect(output.locator(".widget-html", has_text="press Run")).to_be_visible()

        uri = output.locator(
            ".widget-text", has=page.locator("label", has_text=re.compile(r"^uri$"))
        ).locator("input")
        uri.fill("/old/from-the-browser")
        uri.press("Enter")
        handler = output.locator(
            ".widget-dropdown", has=page.locator("label", has_text=re.compile(r"^handler$"))
        ).locator("select")
        handler.select_option(label="handlers/redirect.py")
        run.click()

        changed = output.locator(".widget-html", has_text="response 301")
        expect(changed).to_be_visible()
        expect(changed).to_contain_text("run 1")
        expect(output.locator(".widget-html", has_text="press Run")).to_have_count(0)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-event-editor.png"), full_page=True)
    except Exception:
        _on_failure(page, "event-editor")
        raise


def test_traffic_explorer_renders_and_runs_in_jupyterlab(lab, browser) -> None:
    from playwright.sync_api import expect

    page = browser
    try:
        output = _run_the_cell(page, lab(EXPLORER))
        run = output.locator("button", has_text=re.compile(r"^\s*Run\s*$"))
        expect(run).to_be_visible()
        expect(output.locator(".widget-html", has_text="press Run")).to_be_visible()
        run.click()
        expect(
            output.get_by_text(re.compile(r"400 requests replayed through demo \(run 1\)"))
        ).to_be_visible()
        title = output.locator(
            ".widget-html", has_text="A/B split per viewer against the intended A 50% / B 50%"
        )
        expect(title).to_be_visible()
        expect(output.locator("img")).to_have_count(1)
        # the replay's progress bar was a widget: it must not be left behind, closed
        expect(page.get_by_text("model not found")).to_have_count(0)
        expect(page.get_by_text("Error displaying widget")).to_have_count(0)

        # the A/B count switches to requests in the browser too
        count = output.locator(
            ".widget-dropdown", has=page.locator("label", has_text=re.compile(r"^count$"))
        ).locator("select")
        count.select_option(label="per request")
        expect(output.locator(".widget-html", has_text="A/B split per request")).to_be_visible()
        count.select_option(label="per viewer")
        expect(title).to_be_visible()
        # labels are not cut: every control's description is shown whole
        for label in ("intended A share", "distribution", "requests"):
            box = output.locator("label.widget-label", has_text=re.compile(f"^{label}$")).first
            assert box.evaluate("e => e.scrollWidth <= e.clientWidth"), label
        expect(page.get_by_text(IDLE)).to_be_visible()
        page.wait_for_function("document.fonts.status === 'loaded'")
        shot = save_png(output.first.screenshot(), SCREENSHOTS / "traffic-explorer.png")
        print(f"screenshot: {shot}")
    except Exception:
        _on_failure(page, "traffic-explorer")
        raise


def test_report_screenshots_for_the_readme(
    browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo report in Chromium: its contents and summary, the headroom bars and the
    map, as the README shows them."""
    import edgelab as el
    from edgelab.demo import CONFIG, TRAFFIC

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01: a stable page
    results = el.replay(CONFIG, el.load_traffic(TRAFFIC), progress=False)
    index = el.write_report(
        results,
        tmp_path / "report",
        title="edgelab demo: replay report",
        weights={"A": 0.5, "B": 0.5},
    )
    page = browser
    page.set_viewport_size({"width": 1100, "height": 1000})
    page.goto(index.as_uri())
    assert page.title() == "edgelab demo: replay report"
    toc = page.locator("nav.toc a")
    assert toc.count() >= 9
    # every link of the table of contents lands on its section
    for i in range(toc.count()):
        target = toc.nth(i).get_attribute("href")
        assert page.locator(f"section{target}").count() == 1, target
    images = page.locator("img")
    assert images.count() >= 7  # every section with something to draw
    for i in range(images.count()):  # every plot loaded
        assert images.nth(i).evaluate("e => e.complete && e.naturalWidth > 300")
    assert "2.048e+04" not in page.content()
    shots = {
        "report.png": page.screenshot(clip={"x": 0, "y": 0, "width": 1100, "height": 1000}),
        "report-headroom.png": page.locator("#headroom").screenshot(),
        "report-map.png": page.locator("#edge_map img").screenshot(),
    }
    for name, png in shots.items():
        print(f"screenshot: {save_png(png, SCREENSHOTS / name)}")
    assert (SCREENSHOTS / "report.png").stat().st_size < 400_000


#: The UI test's distribution: an API behaviour to an echo origin (nothing cached) and
#: the default behaviour to a folder, with a viewer-request and an origin-response function.
SERVED = """
[[origins]]
id = "site"
type = "folder"
path = "site/"
[[origins]]
id = "api"
type = "echo"
[cache_policies.site]
default_ttl = 3600
[[behaviors]]
path_pattern = "/api/*"
target_origin = "api"
cache_policy = "CachingDisabled"
[behaviors.functions]
viewer-request = "vreq.py"
[[behaviors]]
target_origin = "site"
cache_policy = "site"
[behaviors.functions]
viewer-request = "vreq.py"
origin-response = "ores.py"
"""


@pytest.fixture
def edgelab_serve(tmp_path: Path) -> Iterator[str]:
    """``edgelab serve`` (a real process) with the UI tests' distribution on a free
    loopback port; gives its base URL. Stopped afterwards."""
    from tests.test_ui import ORES, VREQ

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>hello</h1>")
    (tmp_path / "vreq.py").write_text(VREQ)
    (tmp_path / "ores.py").write_text(ORES)
    cfg = tmp_path / "distribution.toml"
    cfg.write_text(SERVED)
    port = free_port()
    argv = [sys.executable, "-m", "edgelab", "serve", "--config", str(cfg), "--port", str(port)]
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(argv, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail("edgelab serve exited: " + (tmp_path / "serve.log").read_text())
            try:
                if httpx.get(f"{base}/_edgelab/.json", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("edgelab serve did not answer: " + (tmp_path / "serve.log").read_text())
            time.sleep(0.2)  # polling a server that is starting; no test timing depends on it
        yield base
    finally:
        stop(proc)
        log.close()


def _raw_get(base: str, target: str, headers: dict[str, str]) -> int:
    """GET ``target`` exactly as written (httpx would percent-encode ``<``); the status."""
    host, port = base.removeprefix("http://").split(":")
    lines = [f"GET {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_the_request_ui_lists_requests_live_and_shows_their_journeys(
    browser, edgelab_serve: str
) -> None:
    """Send requests and watch them arrive without a reload; filter; open a miss and
    check its stages and diff; replay it; follow a 502 page's link to its request."""
    from playwright.sync_api import expect

    base, page = edgelab_serve, browser
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_viewport_size({"width": 1280, "height": 900})
    client = httpx.Client(base_url=base, trust_env=False)
    try:
        page.goto(f"{base}/_edgelab/")
        expect(page.get_by_text("No requests yet")).to_be_visible()
        expect(page.locator("#live")).to_have_text("live")
        page.evaluate("window.sameDocument = true")  # gone if the page reloads

        rows = page.locator("table.requests tbody tr")
        client.get("/index.html")
        expect(rows).to_have_count(1)  # arrived live, without a reload
        assert _raw_get(base, f"/search?q={XSS_QUERY}", {"X-Evil": XSS_HEADER}) == 403
        for path in ("/index.html", "/api/users?page=2", "/old/page", "/boom", "/bad-header"):
            client.get(path)
        expect(rows).to_have_count(7)
        assert page.evaluate("window.sameDocument") is True
        expect(rows.locator("td.path")).to_have_text(
            [
                "/bad-header",
                "/boom",
                "/old/page",
                "/api/users?page=2",
                "/index.html",
                f"/search?q={XSS_QUERY}",
                "/index.html",
            ]
        )
        expect(rows.first.locator("td.outcome")).to_contain_text("LambdaValidationError")
        expect(rows.nth(2).locator("td.functions")).to_have_text("VReq")
        expect(rows.nth(3).locator("td.behavior")).to_have_text("/api/*")
        expect(rows.nth(4)).to_contain_text("Hit (edge)")
        expect(rows.nth(6)).to_contain_text("Miss (origin)")
        # times in the browser's locale, the ISO form as the tooltip
        time_cell = rows.first.locator("time")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", time_cell.get_attribute("title") or "")
        assert "T" not in time_cell.inner_text() and ":" in time_cell.inner_text()
        page.set_viewport_size({"width": 1280, "height": 300})  # the page's own height
        save = save_png(
            page.screenshot(full_page=True), SCREENSHOTS / "ui-list.png", tolerance=0.02
        )
        print(f"screenshot: {save}")
        page.set_viewport_size({"width": 1280, "height": 900})

        page.locator("input[name=status]").fill("5xx")
        page.locator("form.filters button").click()
        expect(rows).to_have_count(2)
        expect(page.locator("td.path")).to_have_text(["/bad-header", "/boom"])
        page.locator("select[name=outcome]").select_option("error")
        page.locator("input[name=path]").fill("boom")
        page.locator("form.filters button").click()
        expect(rows).to_have_count(1)
        client.get("/boom")  # a new match arrives in the filtered list too
        expect(rows).to_have_count(2)
        page.get_by_role("link", name="clear filters").click()
        expect(rows).to_have_count(8)

        # the miss: every stage, its diff, the cache key and TTL, the origin call
        rows.last.locator("td.path a").click()
        steps = page.locator("ol.journey > li")
        expect(steps).to_have_count(6)
        expect(steps.locator("h3")).to_contain_text(
            [
                "Viewer request",
                "Viewer request function",
                "Cache",
                "Origin",
                "Origin response function",
                "Response to the viewer",
            ]
        )
        expect(steps.nth(1).locator("tr.d-added")).to_contain_text("x-experiment")
        expect(steps.nth(2)).to_contain_text("3,600 s")
        expect(steps.nth(3)).to_contain_text("answered 200")
        expect(steps.nth(4).locator("tr.d-removed")).to_contain_text("AmazonS3")
        steps.nth(1).locator("summary", has_text="input").click()
        expect(steps.nth(1).locator("pre.text").nth(1)).to_contain_text('"uri": "/index.html"')
        steps.nth(1).locator("summary", has_text="input").click()
        page.wait_for_function("document.fonts.status === 'loaded'")
        shot = save_png(
            page.screenshot(full_page=True), SCREENSHOTS / "ui-request.png", tolerance=0.02
        )
        print(f"screenshot: {shot}")
        first = page.url

        page.get_by_role("button", name="Replay this request").click()
        expect(page.locator("dl.facts")).to_contain_text("Replay of")
        assert page.url != first and page.url.startswith(f"{base}/_edgelab/requests/")
        expect(page.locator("h1")).to_contain_text("/index.html")

        # CloudFront's 502 page links to the failing request's page
        page.goto(f"{base}/bad-header")
        expect(page.get_by_text("502 ERROR")).to_be_visible()
        page.get_by_role("link", name="this request's journey").click()
        expect(page.locator("h1 .status")).to_have_text("502")
        expect(page.locator("table.violations")).to_contain_text("disallowed-header")

        # the request made to run script: its page shows it as text, nothing ran
        page.goto(f"{base}/_edgelab/?path=/search")
        rows.first.locator("td.path a").click()
        journey = page.locator("ol.journey > li")
        expect(journey.first).to_contain_text(XSS_HEADER)
        expect(journey.nth(1).locator(".logs")).to_contain_text(f"x-evil said {XSS_HEADER}")
        expect(page.locator("h1 .path")).to_have_text(f"/search?q={XSS_QUERY}")
        assert page.locator("script").count() == 1  # the UI's own, nothing injected
        assert page.locator("img").count() == 0
        assert dialogs == []
    except Exception:
        _on_failure(page, "request-ui")
        raise
    finally:
        client.close()
