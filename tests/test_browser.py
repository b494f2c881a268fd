"""The event editor in a real JupyterLab, driven by headless Chromium through Playwright.

JupyterLab serves a temporary copy of ``notebooks/handlers`` plus a one-cell notebook
that shows an :class:`~edgelab.widgets.EventEditor`. The test runs the cell, types a uri,
picks a handler, clicks Run and checks that the widget's summary changed. A screenshot
goes to ``tests/artifacts/`` (git-ignored); its path is printed.

Chromium is Debian's ``/usr/bin/chromium`` (``apt-get install chromium``); Playwright's
own browser download is never used.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
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
CELL = (
    "from edgelab.widgets import EventEditor\n"
    'editor = EventEditor(directory="handlers", uri="/index.html")\n'
    "editor"
)
WAIT_MS = 120_000

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


def _notebook(path: Path) -> None:
    path.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "execution_count": None,
                        "id": "editor",
                        "metadata": {},
                        "outputs": [],
                        "source": CELL,
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


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[str]:
    """A JupyterLab server on a free port over a temp copy of the notebooks' handlers;
    yields the URL of the editor notebook (with its token). Killed afterwards."""
    root = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks" / "handlers", root / "handlers")
    _notebook(root / "editor.ipynb")
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
        yield f"{base}/lab/tree/editor.ipynb?token={token}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_event_editor_runs_in_jupyterlab(lab: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "browser-event-editor.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1400},
        )
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.set_default_timeout(WAIT_MS)
            expect.set_options(timeout=WAIT_MS)
            page.goto(lab)
            cell = page.locator(".jp-Notebook .jp-Cell").first
            expect(cell).to_be_visible()
            # the kernel has started and the notebook is connected to it
            expect(page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle"))).to_be_visible()
            cell.locator(".jp-InputArea-editor").click()
            page.keyboard.press("Shift+Enter")

            output = page.locator(".jp-OutputArea-output")
            run = output.locator("button", has_text=re.compile(r"^\s*Run\s*$"))
            expect(run).to_be_visible()
            summary = output.locator(".widget-html", has_text="press Run")
            expect(summary).to_be_visible()

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

            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
        except Exception:
            failed = ARTIFACTS / "browser-event-editor-failure.png"
            page.screenshot(path=str(failed), full_page=True)
            print(f"screenshot of the failure: {failed}")
            raise
        finally:
            browser.close()
