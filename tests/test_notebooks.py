"""Every notebook in ``notebooks/`` runs top to bottom without an error cell.

nbclient starts the ``python3`` kernel that ipykernel installs into the venv
(``.venv/share/jupyter/kernels``), so no ``ipykernel install`` is needed. The working
directory is ``notebooks/`` (handlers are ``handlers/...``); ``CI`` is passed through,
so notebooks pick their small sizes there. Notebooks are committed without outputs:
:func:`test_notebooks_are_committed_without_outputs` keeps that honest.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.timeout(300)
# jupyter_client/zmq, not edgelab: the kernel's event loop policy and its datetime clock
@pytest.mark.filterwarnings("ignore::DeprecationWarning:jupyter_client.*")
@pytest.mark.filterwarnings("ignore::DeprecationWarning:zmq.*")
@pytest.mark.filterwarnings("ignore:.*datetime.datetime.utcnow.*:DeprecationWarning")
@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_notebook_runs_without_errors(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    started = time.perf_counter()
    client.execute(cwd=str(NOTEBOOKS), env=dict(os.environ))  # raises CellExecutionError
    print(f"{path.name}: {time.perf_counter() - started:.1f} s")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors


def test_the_workshop_has_nine_numbered_notebooks() -> None:
    numbers = [p.name[:3] for p in ALL]
    assert numbers == [f"{i:02d}_" for i in range(1, 10)], [p.name for p in ALL]


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_notebooks_are_committed_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: strip the outputs before committing"
            assert cell["execution_count"] is None, f"{path.name}: clear execution counts"

