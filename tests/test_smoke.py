"""The README's quick start, end to end through the public API and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import edgelab as el
from tests.conftest import ROOT


def test_readme_example_handler_runs_unmodified() -> None:
    event = el.build_event("viewer-request", uri="/index.html")
    result = el.invoke(str(ROOT / "examples/handlers/add_header.py"), event)
    assert result.outcome == "request"
    assert el.Headers(result.request["headers"])["x-edgelab"] == "hello"
    assert "viewer asked for /index.html" in result.logs


def test_cli_invoke_prints_one_json_object() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "edgelab",
            "invoke",
            "examples/handlers/add_header.py",
            "--event",
            "examples/events/viewer-request.json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    assert data["outcome"] == "request" and data["status"] is None
