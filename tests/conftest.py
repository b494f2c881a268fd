"""Shared test set-up: seeded randomness, closed figures, and needs-X markers.

Tests marked ``node`` or ``browser`` skip with a reason on a machine without Node.js or
Chromium, except under CI (``CI`` set), where a missing tool is a failure: CI must run
them.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests are seeded (derandomize) and sized to keep the suite quick.
settings.register_profile(
    "edgelab", derandomize=True, deadline=None, max_examples=50, database=None
)
settings.load_profile("edgelab")

ROOT = Path(__file__).resolve().parent.parent
# Public example events kept in the repo (see each folder's README for the source), so a
# clone of the project alone runs the whole suite.
FIXTURES = ROOT / "tests" / "fixtures"
AWS_EVENTS = FIXTURES / "aws-events"
SAM = FIXTURES / "sam"
WORKSHOP = FIXTURES / "aws-workshop"
ON_CI = bool(os.environ.get("CI"))


def _missing(tool: str) -> str | None:
    if tool == "node":
        from edgelab.runtimes.nodefind import find_node

        try:
            find_node()
        except Exception as exc:  # RuntimeUnavailable
            return str(exc)
        return None
    if tool == "browser":
        if not shutil.which("chromium") and not Path("/usr/bin/chromium").exists():
            return "Chromium is not installed (apt-get install -y chromium)"
        try:
            import playwright  # noqa: F401
        except ImportError:
            return "Playwright for Python is not installed"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for tool in ("node", "browser"):
        marked = [it for it in items if tool in it.keywords]
        if not marked:
            continue
        reason = _missing(tool)
        if reason is None:
            continue
        if ON_CI:
            continue  # on CI the test runs, and fails if the tool is missing
        for it in marked:
            it.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _seed_and_close() -> None:
    random.seed(1234)
    yield
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        plt.close("all")


@pytest.fixture
def handlers_dir(tmp_path: Path) -> Path:
    """A fresh folder for handler files written by a test."""
    d = tmp_path / "handlers"
    d.mkdir()
    return d
