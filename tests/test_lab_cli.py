"""``edgelab lab``: its help and the JupyterLab command it builds (no server is started)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edgelab.cli import build_parser, main
from edgelab.commands import lab


def test_lab_help_lists_port_and_no_browser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["lab", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--port" in out and "--no-browser" in out


def test_lab_help_works_from_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "edgelab", "lab", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "JupyterLab" in done.stdout


def test_lab_argv_opens_the_folder_with_port_and_no_browser(tmp_path: Path) -> None:
    argv = lab.lab_argv(tmp_path, port=9123, no_browser=True, as_root=False)
    assert argv[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={tmp_path}" in argv
    assert "--port=9123" in argv and "--no-browser" in argv
    assert "--allow-root" not in argv


def test_lab_argv_adds_allow_root_for_root(tmp_path: Path) -> None:
    assert "--allow-root" in lab.lab_argv(tmp_path, as_root=True)
    argv = lab.lab_argv(tmp_path)
    assert ("--allow-root" in argv) == (lab.os.geteuid() == 0)


def test_lab_rejects_a_port_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(lab.ConfigError, match="--port must be between 1 and 65535; got 70000"):
        lab.lab_argv(tmp_path, port=70000)


def test_lab_defaults_to_the_notebooks_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert lab.notebooks_dir() == tmp_path
    (tmp_path / "notebooks").mkdir()
    assert lab.notebooks_dir() == tmp_path / "notebooks"
    with pytest.raises(lab.ConfigError, match="--dir must be an existing folder"):
        lab.notebooks_dir("missing")


def test_lab_runs_the_built_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(lab.subprocess, "call", lambda argv: seen.append(argv) or 0)
    args = build_parser().parse_args(
        ["lab", "--port", "9999", "--no-browser", "--dir", str(tmp_path)]
    )
    assert args.func(args) == 0
    assert seen and "--port=9999" in seen[0] and "--no-browser" in seen[0]
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in seen[0]


def test_lab_bad_dir_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "--dir", "/nonexistent/folder"]) == 2
    assert "--dir must be an existing folder" in capsys.readouterr().err
