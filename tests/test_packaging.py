"""A wheel built from the repo works outside it: its data ships inside the package.

Builds the wheel, installs it into a fresh virtual environment and runs ``edgelab demo``
and ``generate_traffic`` from a folder that is not the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _uv() -> list[str]:
    """uv as the test command was started with it (``uv run`` sets ``UV``)."""
    exe = os.environ.get("UV") or shutil.which("uv")
    return [exe] if exe else [sys.executable, "-m", "uv"]


def _run(cmd: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_"))}
    env["UV_COMPILE_BYTECODE"] = "0"
    out = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    assert out.returncode == 0, f"{cmd} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def test_declared_dependencies_are_the_imported_ones() -> None:
    """starlette was declared and never imported; anyio was imported and not declared."""
    names = {
        d.split(">")[0].split("[")[0].split("<")[0].strip().lower()
        for d in PYPROJECT["project"]["dependencies"]
    }
    assert "anyio" in names
    assert "starlette" not in names
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "edgelab").rglob("*.py"))
    assert "import anyio" in sources
    assert "import starlette" not in sources and "from starlette" not in sources


@pytest.mark.slow
def test_installed_wheel_runs_the_demo_and_generates_traffic(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run([*_uv(), "build", "--wheel", "--out-dir", str(dist), str(ROOT)], cwd=ROOT)
    wheel = next(dist.glob("edgelab-*.whl"))
    venv = tmp_path / "venv"
    _run([*_uv(), "venv", "--python", sys.executable, str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(
        [
            *_uv(),
            "pip",
            "install",
            "--python",
            str(python),
            "--exclude-newer",
            PYPROJECT["tool"]["uv"]["exclude-newer"],
            str(wheel),
        ],
        cwd=tmp_path,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    code = (
        "import edgelab as el, pathlib\n"
        "assert 'site-packages' in pathlib.Path(el.__file__).as_posix()\n"
        "frame = el.generate_traffic('shop', 500, seed=1)\n"
        "print(len(frame), frame['edge_location'].nunique() > 1)\n"
        "from edgelab.resources import example\n"  # what notebooks 09 and 10 read
        "assert 'site-packages' in example('cdk/cdk.out').as_posix()\n"
        "assert example('cloudfront-functions/kvs-weights.js').is_file()\n"
        "el.load_definition(example('cdk/cdk.out'))\n"
    )
    out = _run([str(python), "-c", code], cwd=elsewhere)
    assert out.stdout.split() == ["500", "True"]

    _run(
        [str(venv / "bin" / "edgelab"), "demo", "--n", "300", "--out", "demo-out", "--no-progress"],
        cwd=elsewhere,
    )
    assert (elsewhere / "demo-out" / "results.parquet").is_file()
    assert (elsewhere / "demo-out" / "report" / "index.html").is_file()
