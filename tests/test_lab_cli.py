"""``edgelab lab``: its help, the JupyterLab command it builds, JupyterLab's options passed
through, the notebooks copied outside the repository (a student's edits kept), and one
real JupyterLab started that way."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from edgelab import resources
from edgelab.cli import main
from edgelab.commands import lab
from tests.helpers import free_port, stop

ROOT = Path(__file__).resolve().parent.parent


def test_lab_help_lists_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["lab", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--port",
        "--ip",
        "--no-browser",
        "--dir",
        "--refresh",
        "--with-solutions",
        "--ServerApp.token",
    ):
        assert option in out


def test_lab_help_works_from_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "edgelab", "lab", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "JupyterLab" in done.stdout


def test_lab_argv_opens_the_folder_with_port_ip_and_no_browser(tmp_path: Path) -> None:
    argv = lab.lab_argv(tmp_path, port=9123, ip="127.0.0.1", no_browser=True, as_root=False)
    assert argv[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={tmp_path}" in argv
    assert "--port=9123" in argv and "--ip=127.0.0.1" in argv and "--no-browser" in argv
    assert "--allow-root" not in argv


def test_lab_argv_adds_allow_root_for_root(tmp_path: Path) -> None:
    assert "--allow-root" in lab.lab_argv(tmp_path, as_root=True)
    argv = lab.lab_argv(tmp_path)
    assert ("--allow-root" in argv) == (lab.os.geteuid() == 0)


def test_lab_rejects_a_port_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(lab.ConfigError, match="--port must be between 1 and 65535; got 70000"):
        lab.lab_argv(tmp_path, port=70000)


def test_jupyter_options_pass_through_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(lab, "launch", lambda argv: seen.append(argv) or 0)
    assert (
        main(
            [
                "lab",
                "--dir",
                str(tmp_path),
                "--port",
                "9999",
                "--no-browser",
                "--ServerApp.token=s3cret",
                "--LabApp.default_url",
                "/lab/tree/x.ipynb",
                "--ip",
                "127.0.0.1",
            ]
        )
        == 0
    )
    argv = seen[0]
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in argv
    assert "--port=9999" in argv and "--ip=127.0.0.1" in argv and "--no-browser" in argv
    assert argv[-3:] == ["--ServerApp.token=s3cret", "--LabApp.default_url", "/lab/tree/x.ipynb"]


def test_other_commands_still_refuse_unknown_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["rules", "--ServerApp.token=x"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --ServerApp.token=x" in capsys.readouterr().err


def test_in_a_folder_with_notebooks_it_opens_them_as_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notebooks").mkdir()
    assert lab.notebooks_dir() == (tmp_path / "notebooks", False)
    (tmp_path / "notebooks").rmdir()
    assert lab.notebooks_dir() == (tmp_path / "edgelab-notebooks", True)
    assert lab.notebooks_dir("class") == (tmp_path / "class", True)
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(lab.ConfigError, match=r"--dir must be a folder; .file\.txt. is a file"):
        lab.notebooks_dir("file.txt")


def test_outside_the_repository_the_bundled_notebooks_are_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(lab, "launch", lambda argv: 0)
    assert main(["lab", "--no-browser"]) == 0
    copy = tmp_path / "edgelab-notebooks"
    names = sorted(p.name for p in copy.glob("*.ipynb"))
    assert names == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert (copy / "handlers" / "redirect.py").is_file()
    assert (copy / "handlers" / "redirect.js").is_file()
    assert not (copy / "solutions").exists()  # the teacher hands those out
    assert "file(s) copied to" in capsys.readouterr().err


def test_a_students_edited_copy_is_kept_unless_refreshed(tmp_path: Path) -> None:
    first = lab.install_kit(tmp_path)
    assert "01_event_anatomy.ipynb" in first.added
    notebook = tmp_path / "01_event_anatomy.ipynb"
    notebook.write_text(notebook.read_text() + " ")  # the student's work
    (tmp_path / "handlers" / "redirect.py").unlink()  # a file lost
    again = lab.install_kit(tmp_path)
    assert again.added == [str(Path("handlers") / "redirect.py")]
    assert again.kept == ["01_event_anatomy.ipynb"]
    assert notebook.read_text().endswith(" ")
    assert "--refresh" in again.summary()
    fresh = lab.install_kit(tmp_path, refresh=True)
    assert fresh.refreshed == ["01_event_anatomy.ipynb"]
    assert (tmp_path / "01_event_anatomy.mine.ipynb").read_text().endswith(" ")
    assert notebook.read_bytes() == (ROOT / "notebooks" / "01_event_anatomy.ipynb").read_bytes()
    assert lab.install_kit(tmp_path).added == lab.install_kit(tmp_path).kept == []


def test_the_teacher_can_copy_the_solutions_too(tmp_path: Path) -> None:
    lab.install_kit(tmp_path, solutions=True)
    assert (tmp_path / "solutions" / "03_ab_testing_with_cookies.py").is_file()


def test_refresh_needs_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notebooks").mkdir()
    assert main(["lab", "--refresh"]) == 2
    assert "--refresh works on a copy" in capsys.readouterr().err


def test_resources_find_the_checkout_and_the_wheel_layouts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resources.bundled("notebooks") == ROOT / "notebooks"
    assert resources.data_file("sample-access-log.txt").is_file()
    assert resources.notebook_handler("language.py").is_file()
    wheel = tmp_path / "site-packages" / "edgelab"
    (wheel / "notebooks").mkdir(parents=True)
    monkeypatch.setattr(resources, "PACKAGE_DIR", wheel)
    assert resources.bundled("notebooks") == wheel / "notebooks"
    assert resources.example("cdk/cdk.out").is_dir()
    with pytest.raises(resources.ConfigError, match="no bundled example 'nothing'"):
        resources.example("nothing")
    with pytest.raises(resources.ConfigError, match="bundled files are one of notebooks, data"):
        resources.bundled("models")


def test_the_wheel_ships_what_the_resources_look_for() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert shipped["notebooks"] == "edgelab/notebooks"
    for source, target in shipped.items():
        assert (ROOT / source).exists(), source
        assert target.startswith(("edgelab/notebooks", "edgelab/data/", "edgelab/examples/"))
    for name in ("edge_locations.csv", "regional_edge_caches.csv", "sample-access-log.txt"):
        assert f"data/{name}" in shipped
    # every example a notebook reads through resources.example() is shipped
    for nb in (ROOT / "notebooks").rglob("*.ipynb"):
        for used in re.findall(r'example\(\\"([^"\\]+)\\"\)', nb.read_text()):
            assert any(used.startswith(s.removeprefix("examples/")) for s in shipped), used


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_edgelab_lab_starts_jupyterlab_on_a_copy_with_options_passed_through(
    tmp_path: Path,
) -> None:
    port, token = free_port(), secrets.token_hex(8)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edgelab",
            "lab",
            "--dir",
            "class",
            "--no-browser",
            "--port",
            str(port),
            "--ip",
            "127.0.0.1",
            f"--ServerApp.token={token}",
            f"--LabApp.workspaces_dir={tmp_path / 'ws'}",
        ],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "lab.log").read_text()
            try:
                r = httpx.get(
                    f"http://127.0.0.1:{port}/api/contents", params={"token": token}, timeout=5
                )
                if r.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "lab.log").read_text()
            time.sleep(0.5)  # polling a server that is starting; nothing is timed
        names = {item["name"] for item in r.json()["content"]}
        assert "03_ab_testing_with_cookies.ipynb" in names and "handlers" in names
        assert (
            httpx.get(
                f"http://127.0.0.1:{port}/api/contents", timeout=5, params={"token": "wrong"}
            ).status_code
            == 403
        )  # the token passed
    finally:
        stop(proc)
        log.close()
