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


def test_headroom_shows_the_largest_and_p99_share_of_each_limit_with_sizes(results) -> None:
    ax = plots.headroom(results)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert any("request-size" in t and "(limit 32 KB)" in t for t in labels)  # 2025-11
    assert any("(limit 8,192 chars)" in t for t in labels)
    assert ax.get_xscale() == "log"  # the demo uses a few percent at most
    notes = [t.get_text() for t in ax.texts]
    assert any(t.strip().endswith(" B") for t in notes)
    assert not any("e+" in t for t in labels + notes)
    assert {"largest", "99th percentile"} <= {t.get_text() for t in ax.get_legend().texts}


def test_edge_map_has_coastlines_and_labels_that_do_not_overlap(results) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.6), layout="constrained")
    canvas = FigureCanvasAgg(fig)
    ax = plots.edge_map(results, ax=fig.subplots())
    land = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert land and len(land[0].get_paths()) > 100  # Natural Earth 1:110m land
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) >= 5
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "two edge-location labels overlap"


def test_ab_split_labels_say_what_is_counted(results) -> None:
    assert plots.ab_split(results).get_ylabel() == "share of viewers"
    ax = plots.ab_split(results, unit="request")
    assert ax.get_ylabel() == "share of requests" and "per request" in ax.get_title()


def test_outcome_labels_have_integer_statuses(results) -> None:
    frame = results.assign(status=results["status"].astype(float))
    labels = [t.get_text() for t in plots.outcomes(frame).get_yticklabels()]
    assert labels and not any(".0" in t for t in labels)
