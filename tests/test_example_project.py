"""The sample project in examples/handler-project runs its own tests green, as its README
says: a copy of the folder, `pytest` in it (the plugin comes from edgelab's entry point)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from edgelab.testing import missing_node_modules
from tests.conftest import ON_CI, ROOT

PROJECT = ROOT / "examples" / "handler-project"


@pytest.mark.slow
def test_the_sample_project_suite_is_green(tmp_path: Path) -> None:
    copy = tmp_path / "handler-project"
    shutil.copytree(PROJECT, copy, ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
    if (PROJECT / "node_modules").is_dir():
        (copy / "node_modules").symlink_to(PROJECT / "node_modules", target_is_directory=True)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert " passed" in out.stdout and "failed" not in out.stdout
    if ON_CI:  # .ci/run installs the SDK first: nothing may be skipped there
        assert missing_node_modules(PROJECT, "@aws-sdk/client-dynamodb") == []
        assert "skipped" not in out.stdout, out.stdout[-4000:]


def test_the_readme_commands_are_the_ones_that_run_it() -> None:
    readme = (PROJECT / "README.md").read_text()
    assert "npm install --no-package-lock" in readme and "uv run pytest" in readme
    assert (PROJECT / "pytest.ini").read_text().count("edgelab_config = distribution.toml") == 1
    assert not (PROJECT / "package-lock.json").exists()  # a lock file records registry hosts
    main = (ROOT / "README.md").read_text()
    assert "examples/handler-project" in main and "## Test your handlers with pytest" in main
