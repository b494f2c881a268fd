"""The widgets in a real JupyterLab and the report in Chromium, driven by Playwright.

JupyterLab serves a temporary copy of ``notebooks/handlers`` plus a one-cell notebook
that shows a widget. The tests run the cell, use the widget as a person would and check
what shows. The report test opens the demo report. Screenshots of the traffic explorer
and of the report go to ``docs/screenshots/`` (the README shows them; a PNG is rewritten
only when its pixels change), other screenshots to ``tests/artifacts/`` (git-ignored).

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
IDLE = re.compile(r"Python 3 \(ipykernel\) \| Idle")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(300),
    # Playwright's sync API, not edgelab: greenlet/asyncio loop deprecations on 3.11+
    pytest.mark.filterwarnings("ignore::DeprecationWarning:playwright.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:asyncio.*"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    port, token = _free_port(), secrets.token_hex(16)
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
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
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
