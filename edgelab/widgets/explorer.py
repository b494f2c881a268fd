"""The traffic explorer: generate traffic, replay it through a distribution, browse the results.

    from edgelab.widgets import TrafficExplorer
    ex = TrafficExplorer()                 # the bundled demo distribution
    ex.profile.value = "shop"; ex.size.value = 2000
    ex.run()                               # generate + replay: the results DataFrame
    ex.weight_a.value = 0.7                # the intended A share: re-runs the split test only
    ex.plot.value = "latency"; ex.figure_png

Run calls :func:`edgelab.frames.traffic.generate_traffic` and
:func:`edgelab.frames.replay.replay` (the same calls as ``edgelab traffic`` and
``edgelab replay``); the tables come from
:mod:`edgelab.analysis` and the pictures from :mod:`edgelab.plots`. After the first run,
changing the traffic (profile, size, seed, distribution) replays again, and changing
the A/B weight, the split or the plot only redraws the analysis.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ipywidgets as W
import pandas as pd

from .. import analysis
from ..demo import CONFIG as DEMO_CONFIG
from ..display import percent
from ..errors import EdgelabError
from ..frames.replay import replay
from ..frames.traffic import TRAFFIC_PROFILES, generate_traffic
from ._view import WidgetView, esc, figure_png, frame_html

PLOT_NAMES = (
    "outcomes",
    "ab_split",
    "cache_hit_ratio",
    "cache_by_path",
    "latency",
    "edge_map",
    "headroom",
    "violations",
)
SPLITS = (("overall", ""), ("by device", "device"), ("by country", "country"))
UNITS = (("per viewer", "viewer"), ("per request", "request"))
AB_PERCENT = ("share", "ci_low", "ci_high", "expected")
STEPS = ("generate traffic", "replay", "analyse")


def distribution_options(distribution: Any) -> list[tuple[str, Any]]:
    """Dropdown options ``(label, distribution)``: one distribution (a Distribution, a
    distribution.toml path or a function that builds one), a ``{name: distribution}``
    mapping, or None for the bundled demo."""
    if distribution is None:
        return [("demo", str(DEMO_CONFIG))]
    if isinstance(distribution, Mapping):
        return [(str(name), d) for name, d in distribution.items()]
    if isinstance(distribution, str | Path):
        path = Path(distribution)
        return [(path.parent.name or path.name, str(path))]
    return [(getattr(distribution, "__name__", type(distribution).__name__), distribution)]


_STYLE = {"description_width": "130px"}


class TrafficExplorer(WidgetView):
    """Controls: ``profile``, ``size``, ``seed``, ``distribution`` (traffic: a change replays
    once the explorer has run), ``weight_a`` (intended share of variant A; B gets the
    rest), ``split`` (``""``, ``"device"``, ``"country"``), ``unit`` (``"viewer"``, the
    default as in notebook 3, or ``"request"``) and ``plot`` (a name in
    :data:`PLOT_NAMES`) (analysis: a change redraws). Run button and a progress bar.

    Outputs: ``summary``, ``ab_table`` (HTML), ``image`` (PNG of the chosen plot),
    ``status`` (HTML); ``traffic``, ``results`` and ``ab`` (DataFrames), ``figure_png``
    (bytes), ``error``; ``runs`` and ``analyses`` count the replays and redraws.

    A Distribution object keeps its cache between replays; pass a path (or a function
    that builds the distribution) to start every replay with an empty cache.
    """

    def __init__(
        self,
        distribution: Any = None,
        *,
        profile: str = "workshop-small",
        size: int = 2000,
        seed: int = 0,
        weights: Mapping[str, float] | None = None,
        split: str = "",
        unit: str = "viewer",
        plot: str = "ab_split",
        progress: bool = True,
    ) -> None:
        self.show_progress = progress
        self._traffic_controls(distribution, profile, size, seed)
        self._analysis_controls(weights, split, unit, plot)
        self.run_button = W.Button(description="Run", button_style="primary", icon="play")
        self.run_button.on_click(lambda _: self.run())
        self.progress = W.IntProgress(
            value=0, min=0, max=len(STEPS), description="", bar_style="info"
        )
        self.status = W.HTML("<i>press Run</i>")
        self.log = W.Output()  # the replay's tqdm bar renders here in a notebook
        self.summary = W.HTML()
        self.ab_table = W.HTML()
        self.image = W.Image(format="png")
        self.traffic: pd.DataFrame | None = None
        self.results: pd.DataFrame | None = None
        self.ab: pd.DataFrame | None = None
        self.figure_png: bytes = b""
        self.error: str | None = None
        self.runs = 0
        self.analyses = 0
        for control in (self.profile, self.size, self.seed, self.distribution):
            control.observe(self._rerun, names="value")
        for control in (self.weight_a, self.split, self.unit, self.plot):
            control.observe(self._reanalyse, names="value")
        self.widget = W.VBox(
            [
                W.HBox([self.profile, self.distribution, self.seed]),
                self.size,
                W.HBox([self.run_button, self.progress, self.status]),
                self.log,
                W.HBox([self.weight_a, self.split, self.unit]),
                self.summary,
                self.ab_table,
                self.plot,
                self.image,
            ]
        )

    def _traffic_controls(self, distribution: Any, profile: str, size: int, seed: int) -> None:
        """What is replayed: a change replays once the explorer has run."""
        self.profile = W.Dropdown(
            options=list(TRAFFIC_PROFILES), value=profile, description="profile", style=_STYLE
        )
        self.size = W.IntSlider(
            value=size,
            min=100,
            max=max(20_000, size),
            step=100,
            description="requests",
            style=_STYLE,
            continuous_update=False,
            layout=W.Layout(width="520px"),
        )
        self.seed = W.IntText(
            value=seed, description="seed", style=_STYLE, layout=W.Layout(width="200px")
        )
        options = distribution_options(distribution)
        self.distribution = W.Dropdown(
            options=options, value=options[0][1], description="distribution", style=_STYLE
        )

    def _analysis_controls(
        self, weights: Mapping[str, float] | None, split: str, unit: str, plot: str
    ) -> None:
        """How the results are read: a change redraws."""
        w = dict(weights or {"A": 0.5, "B": 0.5})
        share_a = float(w.get("A", 0.5)) / float(sum(w.values()) or 1.0)
        self.weight_a = W.FloatSlider(
            value=share_a,
            min=0.05,
            max=0.95,
            step=0.05,
            description="intended A share",
            style=_STYLE,
            continuous_update=False,
            readout_format=".2f",
            layout=W.Layout(width="520px"),
        )
        self.split = W.Dropdown(options=SPLITS, value=split, description="A/B split", style=_STYLE)
        self.unit = W.Dropdown(
            options=UNITS,
            value=unit,
            description="count",
            style={"description_width": "50px"},
            layout=W.Layout(width="200px"),
        )
        self.plot = W.Dropdown(options=PLOT_NAMES, value=plot, description="plot", style=_STYLE)

    @property
    def weights(self) -> dict[str, float]:
        """The intended weights given to :func:`edgelab.analysis.ab_split`."""
        a = round(float(self.weight_a.value), 4)
        return {"A": a, "B": round(1.0 - a, 4)}

    def _rerun(self, _: Any = None) -> None:
        if self.results is not None:
            self.run()

    def _reanalyse(self, _: Any = None) -> None:
        if self.results is not None:
            self.analyse()

    def _step(self, i: int) -> None:
        self.progress.value = i
        self.progress.description = STEPS[i] if i < len(STEPS) else "done"

    def run(self) -> pd.DataFrame | None:
        """Generate the traffic, replay it, analyse; returns the results (None on an error,
        with the reason in ``error`` and ``status``)."""
        self.runs += 1
        self.error = None
        self.progress.bar_style = "info"
        self._step(0)
        self.status.value = (
            f"<i>{esc(self.size.value)} requests of {esc(self.profile.value)}...</i>"
        )
        try:
            self.traffic = generate_traffic(
                self.profile.value, int(self.size.value), seed=int(self.seed.value)
            )
            self._step(1)
            self.log.clear_output()
            try:
                with self.log:
                    self.results = replay(
                        self.distribution.value, self.traffic, progress=self.show_progress
                    )
            finally:
                # the replay's progress bar is a widget that closes when the replay ends;
                # the Output widget would keep a reference to it and show "Error
                # displaying widget: model not found" whenever it is drawn again
                self.log.clear_output()
        except EdgelabError as exc:
            self.error = str(exc)
            self.progress.bar_style = "danger"
            self.status.value = f"<b>not run</b>: {esc(exc)}"
            return None
        self.analyse()
        return self.results

    def analyse(self) -> pd.DataFrame | None:
        """Redraw the summary, the A/B split test and the chosen plot from ``results``;
        returns the split table."""
        results = self.results
        if results is None:
            return None
        self.analyses += 1
        self._step(2)
        split = self.split.value or None
        unit = self.unit.value
        self.summary.value = frame_html(analysis.summary(results), caption="Summary")
        self.ab = analysis.ab_split(results, weights=self.weights, by=split, unit=unit)
        intended = " / ".join(f"{k} {percent(v, 0)}" for k, v in self.weights.items())
        self.ab_table.value = (
            f"<b>A/B split per {esc(unit)} against the intended {esc(intended)}</b> "
            f"(share of {esc(analysis.UNITS[unit])}, Wilson 95% interval; p_value: "
            "chi-square test of the counts against the intended split, small = off)"
            + frame_html(self.ab, percent_columns=AB_PERCENT, empty="no requests in the A/B test")
        )
        self.figure_png = figure_png(self.figure())
        self.image.value = self.figure_png
        self._step(3)
        self.progress.bar_style = "success"
        self.status.value = (
            f"{len(results):,} requests replayed through "
            f"{esc(self.distribution.label)} (run {self.runs})"
        )
        return self.ab

    def figure(self, name: str | None = None) -> Any:
        """A matplotlib Figure of the plot ``name`` (default: the chosen one)."""
        from matplotlib.figure import Figure

        from .. import plots

        name = name or self.plot.value
        fig = Figure(figsize=(9, 4.5) if name == "edge_map" else (7, 4), layout="constrained")
        ax = fig.subplots()
        if self.results is None:
            return fig
        if name == "ab_split":
            plots.ab_split(
                self.results,
                ax,
                weights=self.weights,
                by=self.split.value or None,
                unit=self.unit.value,
            )
        elif name == "latency" and self.split.value:
            plots.latency(self.results, ax, by=self.split.value)
        else:
            plots.PLOTS[name](self.results, ax)
        return fig
