"""Every notebook in ``notebooks/`` runs top to bottom without an error cell, twice: as
the students get it (each exercise's answer is the ``...`` placeholder, so every check
says "not yet" and nothing crashes) and with the teacher's solutions
(``notebooks/solutions/``) pasted over the answer cells (every check says "right").

nbclient starts the ``python3`` kernel that ipykernel installs into the venv
(``.venv/share/jupyter/kernels``), so no ``ipykernel install`` is needed. The working
directory is ``notebooks/`` (handlers are ``handlers/...``); ``CI`` is passed through,
so notebooks pick their small sizes there. Notebooks are committed without outputs:
:func:`test_notebooks_are_committed_without_outputs` keeps that honest.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from edgelab.exercises import TASKS
from edgelab.runtimes.nodefind import find_node

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))
CHECK_CALL = re.compile(r"^nb(\d\d)\.task(\d)\(", re.M)


def solutions(path: Path) -> dict[str, str]:
    """The answer cells of a notebook's solutions file: ``{"03.1": source}``."""
    text = (SOLUTIONS / f"{path.stem}.py").read_text(encoding="utf-8")
    parts = re.split(r"^# %% task (\d\d\.\d)\s*$", text, flags=re.M)
    return {
        number: body.strip() + "\n" for number, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def answer_cells(nb: Any) -> dict[str, Any]:
    return {
        c.metadata["edgelab"]["task"]: c
        for c in nb.cells
        if c.cell_type == "code" and "edgelab" in c.metadata
    }


def check_results(nb: Any) -> dict[str, str]:
    """``{"03.1": "right: ..."}`` from the outputs of the check cells."""
    out = {}
    for cell in nb.cells:
        m = CHECK_CALL.search(cell.source) if cell.cell_type == "code" else None
        if not m:
            continue
        texts = [
            o.get("data", {}).get("text/plain", "")
            for o in cell.outputs
            if o.output_type == "execute_result"
        ]
        assert texts, f"check cell {cell.source!r} showed nothing"
        out[f"{m.group(1)}.{m.group(2)}"] = texts[0].split(", ", 1)[1]
    return out


def execute(nb: Any, monkeypatch: pytest.MonkeyPatch, cwd: Path = NOTEBOOKS) -> float:
    from nbclient import NotebookClient

    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    started = time.perf_counter()
    client.execute(cwd=str(cwd), env=dict(os.environ))  # raises CellExecutionError
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    return time.perf_counter() - started


def _has_node() -> bool:
    try:
        find_node()
    except Exception:
        return False
    return True


NOTEBOOK_RUN = (
    pytest.mark.notebook,
    pytest.mark.slow,
    pytest.mark.timeout(300),
    # jupyter_client/zmq, not edgelab: the kernel's event loop policy and its datetime clock
    pytest.mark.filterwarnings("ignore::DeprecationWarning:jupyter_client.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:zmq.*"),
    pytest.mark.filterwarnings("ignore:.*datetime.datetime.utcnow.*:DeprecationWarning"),
)


def notebook_run(test: Any) -> Any:
    for mark in NOTEBOOK_RUN:
        test = mark(test)
    return test


@notebook_run
@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_notebook_runs_as_handed_out_and_every_check_says_not_yet(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    took = execute(nb, monkeypatch)
    print(f"{path.name}: {took:.1f} s")
    found = check_results(nb)
    assert set(found) == set(answer_cells(nb)) and found
    for number, text in found.items():
        assert text.startswith("not yet: "), (number, text)


@notebook_run
@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_notebook_with_the_solutions_filled_in_says_right(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat

    if path.stem.startswith("07_") and not _has_node() and not os.environ.get("CI"):
        pytest.skip("notebook 7's checks run Node.js handlers; no Node.js here")
    nb = nbformat.read(path, as_version=4)
    cells = answer_cells(nb)
    given = solutions(path)
    assert set(given) == set(cells), "every task needs a solution, and only those"
    for number, cell in cells.items():
        cell.source = given[number]
    execute(nb, monkeypatch)
    for number, text in check_results(nb).items():
        assert text.startswith("right: "), (number, text)


def test_the_workshop_has_ten_numbered_notebooks() -> None:
    numbers = [p.name[:3] for p in ALL]
    assert numbers == [f"{i:02d}_" for i in range(1, 11)], [p.name for p in ALL]


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_notebooks_are_committed_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: strip the outputs before committing"
            assert cell["execution_count"] is None, f"{path.name}: clear execution counts"


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_each_notebook_ends_with_two_to_four_exercises_with_checks(path: Path) -> None:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    cells = answer_cells(nb)
    assert 2 <= len(cells) <= 4
    number = path.name[:2]
    assert all(k.startswith(f"{number}.") and k in TASKS for k in cells)
    for k, cell in cells.items():
        assert "..." in cell.source, f"task {k}: the student's cell needs a ... placeholder"
    checks = [c.source for c in nb.cells if c.cell_type == "code" and CHECK_CALL.search(c.source)]
    assert len(checks) == len(cells)
    tasks_of_notebook = sorted(k for k in TASKS if k.startswith(f"{number}."))
    assert sorted(cells) == tasks_of_notebook, "every shipped check is used in its notebook"
