"""Plots take the results frame and ax=None, draw, and return the axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.axes import Axes

import edgelab as el
from edgelab import plots
from edgelab.demo import CONFIG


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    return el.replay(CONFIG, el.generate_traffic("workshop-small", 400, seed=1), progress=False)


@pytest.mark.parametrize("name", list(plots.PLOTS))
def test_each_plot_returns_the_axes_it_made(results, name: str) -> None:
    ax = plots.PLOTS[name](results)
    assert isinstance(ax, Axes)
    assert ax.get_title()


@pytest.mark.parametrize("name", list(plots.PLOTS))
def test_each_plot_draws_on_a_given_axes(results, name: str) -> None:
    _, ax = plt.subplots()
    assert plots.PLOTS[name](results, ax=ax) is ax


def test_empty_results_give_a_labelled_empty_plot(results) -> None:
    ax = plots.violations(results.iloc[0:0])
    assert any("no violations" in t.get_text() for t in ax.texts)


def test_importing_edgelab_does_not_import_matplotlib() -> None:
    import subprocess
    import sys

    code = "import sys, edgelab; print('matplotlib' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
