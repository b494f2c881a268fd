"""The limits playground: grow a body or a header set and see where each trigger says 502.

    from edgelab.widgets import LimitsPlayground
    pg = LimitsPlayground(grow="body", size=64 * 1024)
    pg.run()                  # a table and a plot per trigger
    pg.data                   # one row per (trigger, size): outcome, status, rule, limit

Every point is a real :func:`edgelab.invoke` of a function that returns a body (or a
set of headers) of that size, judged by the chosen rule set's limits.

With ``runtime="cloudfront-js-2.0"`` (or 1.0) the function is a CloudFront Function
(``cff_grower.js``) at viewer request and viewer response: a growing body runs into its
2 MB of memory (503), headers into the request size (502), and ``grow="compute"`` adds
rounds of work until compute utilization passes 100 % (503).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as W
import pandas as pd

from ..cloudfront_functions.event import build_cff_event
from ..cloudfront_functions.features import RUNTIMES as CFF_RUNTIMES
from ..cloudfront_functions.limits import CFF_TRIGGERS, get_cff_rules
from ..cloudfront_functions.result import FunctionResult
from ..errors import EdgelabError
from ..event.build import build_event
from ..invoke import invoke, invoke_many
from ..rules.tables import KB, MB, RULE_SETS, RuleSet, get_rules
from ..triggers import TRIGGERS, Trigger
from ._view import WidgetView, figure_png, table

HEADER_VALUE = "v" * 90  # with "X-Pad-NNNN: " and CRLF, about 100 bytes a header line
GROWTHS = {
    "body": "response body (bytes)",
    "headers": "added headers (about 100 bytes each)",
    "compute": "rounds of work (CloudFront Functions)",
}
SLIDER = {
    "body": (0, 2 * MB, KB, 64 * KB),
    "headers": (0, 500, 1, 250),
    "compute": (0, 3_000_000, 50_000, 1_000_000),
}
CFF_SLIDER = {"body": (0, 4 * MB, 16 * KB, 3 * MB)}
CFF_GROWER = Path(__file__).with_name("cff_grower.js")
CFF_LIMIT_RULE = {
    ("body", Trigger.VIEWER_REQUEST): "memory",
    ("body", Trigger.VIEWER_RESPONSE): "memory",
    ("headers", Trigger.VIEWER_REQUEST): "request-size",
    ("headers", Trigger.VIEWER_RESPONSE): "memory",
    ("compute", Trigger.VIEWER_REQUEST): "compute-budget",
    ("compute", Trigger.VIEWER_RESPONSE): "compute-budget",
}


def limit_rule(grow: str, trigger: Trigger) -> str:
    """The rule-set limit that a growing body or header set runs into for ``trigger``."""
    if grow == "headers" and trigger.is_request:
        return "request-size"
    return "generated-response-size"


def grower(grow: str, size: int):
    """A handler that returns a body of ``size`` bytes, or ``size`` extra headers.

    Request triggers generate a response (body) or pass the request on with the headers;
    response triggers replace the body, or add the headers and set an empty body (so that
    the response counts as replaced and its size is checked).
    """

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        cf = event["Records"][0]["cf"]
        is_request = "response" not in cf
        if grow == "body":
            if is_request:
                return {"status": "200", "statusDescription": "OK", "body": "x" * size}
            return {**cf["response"], "body": "x" * size}
        part = cf["request"] if is_request else {**cf["response"], "body": ""}
        headers = dict(part["headers"])
        for i in range(size):
            headers[f"x-pad-{i:04d}"] = [{"key": f"X-Pad-{i:04d}", "value": HEADER_VALUE}]
        return {**part, "headers": headers}

    handler.__name__ = f"grow_{grow}_{size}"
    return handler


def sweep(
    grow: str,
    size: int,
    *,
    points: int = 16,
    rules: RuleSet | str | None = None,
    runtime: str | None = None,
) -> pd.DataFrame:
    """Invoke :func:`grower` at ``points`` sizes from 0 to ``size`` in each trigger (or the
    CloudFront Function ``cff_grower.js`` in ``runtime``'s two triggers)."""
    sizes = sorted({round(size * i / max(points - 1, 1)) for i in range(points)} | {size})
    if runtime:
        return _cff_sweep(grow, sizes, get_cff_rules(rules), runtime)
    if grow == "compute":
        raise EdgelabError(
            "grow='compute' is for CloudFront Functions: give a runtime "
            f"({', '.join(CFF_RUNTIMES)})"
        )
    ruleset = get_rules(rules)
    rows = []
    for trig in TRIGGERS:
        rule = limit_rule(grow, trig)
        limit = ruleset.limit(rule, trig)
        for n in sizes:
            res = invoke(grower(grow, n), build_event(trig), rules=ruleset)
            v = res.violations[0] if res.violations else None
            rows.append(
                {
                    "trigger": trig.value,
                    "size": n,
                    "outcome": res.outcome,
                    "status": res.status or 200,
                    "limit_rule": rule,
                    "limit": limit,
                    "violation": v.rule if v else "",
                    "actual": v.actual if v else None,
                    "message": v.message if v else "",
                }
            )
    return pd.DataFrame(rows)


def _cff_sweep(grow: str, sizes: list[int], rules: RuleSet, runtime: str) -> pd.DataFrame:
    rows = []
    for trig in CFF_TRIGGERS:
        rule = CFF_LIMIT_RULE[(grow, trig)]
        events = [build_cff_event(trig, headers=[f"X-Grow: {grow}", f"X-Size: {n}"]) for n in sizes]
        results = invoke_many(str(CFF_GROWER), events, runtime=runtime, rules=rules)
        for n, res in zip(sizes, results, strict=True):
            assert isinstance(res, FunctionResult)  # invoke_many with a runtime gives these
            v = res.violations[0] if res.violations else None
            why = v.message if v else (res.error.message if res.error else "")
            rows.append(
                {
                    "trigger": trig.value,
                    "size": n,
                    "outcome": res.outcome,
                    "status": res.status or 200,
                    "limit_rule": rule,
                    "limit": rules.limit(rule, trig),
                    "violation": v.rule if v else "",
                    "actual": v.actual if v else None,
                    "message": why,
                    "compute_utilization": res.compute_utilization,
                    "memory_bytes": res.memory_bytes,
                }
            )
    return pd.DataFrame(rows)


class LimitsPlayground(WidgetView):
    """Controls: ``grow`` (``"body"``, ``"headers"``, or ``"compute"`` for CloudFront
    Functions), ``size``, ``points``, ``rules``, ``runtime`` (empty: Lambda@Edge).

    Outputs: ``table`` (HTML, one row per trigger at the chosen size), ``plot`` (PNG of
    status, or compute utilization, against size per trigger, with the limit marked) and
    ``data`` (every point).
    """

    def __init__(
        self,
        *,
        grow: str = "body",
        size: int | None = None,
        points: int = 16,
        rules: str | None = None,
        runtime: str | None = None,
    ) -> None:
        style = {"description_width": "90px"}
        self.runtime = W.Dropdown(
            options=[("Lambda@Edge", ""), *[(r, r) for r in CFF_RUNTIMES]],
            value=runtime or "",
            description="runtime",
            style=style,
        )
        self.grow = W.Dropdown(
            options=[(label, key) for key, label in GROWTHS.items()],
            value=grow,
            description="grow",
            style=style,
        )
        lo, hi, step, default = self._slider(grow)
        self.size = W.IntSlider(
            value=default if size is None else size,
            min=lo,
            max=max(hi, size or 0),
            step=step,
            description="size",
            style=style,
            continuous_update=False,
            layout=W.Layout(width="520px"),
        )
        self.points = W.IntSlider(
            value=points, min=2, max=64, description="points", style=style, continuous_update=False
        )
        self.rules = W.Dropdown(
            options=list(RULE_SETS),
            value=get_rules(rules).name,
            description="rule set",
            style=style,
        )
        self.run_button = W.Button(description="Run", button_style="primary", icon="play")
        self.run_button.on_click(lambda _: self.run())
        self.grow.observe(self._regrow, names="value")
        self.runtime.observe(self._regrow, names="value")
        self.table = W.HTML("<i>press Run</i>")
        self.plot = W.Image(format="png")
        self.data: pd.DataFrame | None = None
        self.runs = 0
        self.widget = W.VBox(
            [
                W.HBox([self.grow, self.rules, self.runtime]),
                self.size,
                self.points,
                self.run_button,
                self.table,
                self.plot,
            ]
        )

    def _slider(self, grow: str) -> tuple[int, int, int, int]:
        if getattr(self, "runtime", None) is not None and self.runtime.value:
            return CFF_SLIDER.get(grow, SLIDER[grow])
        return SLIDER[grow]

    def _regrow(self, change: dict[str, Any]) -> None:
        lo, hi, step, default = self._slider(self.grow.value)
        self.size.min, self.size.max = lo, max(hi, self.size.min)
        self.size.step, self.size.value = step, default

    def run(self) -> pd.DataFrame:
        """Sweep every trigger, refresh the table and the plot; returns the points."""
        self.runs += 1
        data = sweep(
            self.grow.value,
            self.size.value,
            points=self.points.value,
            rules=self.rules.value,
            runtime=self.runtime.value or None,
        )
        self.data = data
        self.table.value = table(self.summary_rows(data))
        self.plot.value = figure_png(self.figure(data))
        return data

    def summary_rows(self, data: pd.DataFrame) -> list[dict[str, Any]]:
        """Per trigger: its limit, the largest size accepted, the first refused, the status
        at the chosen size and why."""
        rows = []
        unit = {"headers": "headers", "compute": "rounds"}.get(self.grow.value, "bytes")
        for trig, part in data.groupby("trigger", sort=False):
            ok, bad = part[part.outcome != "error"], part[part.outcome == "error"]
            last = part.iloc[-1]
            limit = last["limit"]
            limit_unit = "ms" if last["limit_rule"] == "compute-budget" else "bytes"
            rows.append(
                {
                    "trigger": trig,
                    "limit": f"{last['limit_rule']} = "
                    + ("none" if pd.isna(limit) else f"{limit:,g} {limit_unit}"),
                    f"largest accepted ({unit})": f"{int(ok['size'].max()):,}" if len(ok) else "-",
                    f"first refused ({unit})": f"{int(bad['size'].min()):,}" if len(bad) else "-",
                    f"status at {int(last['size']):,}": int(last["status"]),
                    "why": last["message"] or "accepted",
                }
            )
        return rows

    def figure(self, data: pd.DataFrame) -> Any:
        from matplotlib.figure import Figure

        cff = bool(self.runtime.value)
        fig = Figure(figsize=(9, 3.2 if cff else 5))
        axes = (
            fig.subplots(1, 2, sharex=True, sharey=True).ravel()
            if cff
            else fig.subplots(2, 2, sharex=True, sharey=True).ravel()
        )
        unit = {"headers": "headers added", "compute": "rounds of work"}.get(
            self.grow.value, "body bytes"
        )
        compute = self.grow.value == "compute"
        for ax, (trig, part) in zip(axes, data.groupby("trigger", sort=False), strict=False):
            if compute:
                ax.plot(part["size"], part["compute_utilization"], marker="o", ms=3)
                ax.axhline(100, color="#cf222e", ls="--", lw=1, label="100 %: 503 beyond")
                ax.legend(loc="upper left", fontsize=8)
            else:
                ax.step(part["size"], part["status"], where="post", marker="o", ms=3)
                limit = part["limit"].iloc[0]
                if self.grow.value == "body" and not pd.isna(limit):
                    ax.axvline(
                        limit,
                        color="#cf222e",
                        ls="--",
                        lw=1,
                        label=f"{part['limit_rule'].iloc[0]} {int(limit):,}",
                    )
                    ax.legend(loc="upper left", fontsize=8)
                ax.set_yticks([200, 502, 503] if cff else [200, 502])
                ax.set_ylim(150, 560)
            ax.set_title(trig, fontsize=10)
        for ax in axes[-2:]:
            ax.set_xlabel(unit)
        what = "compute utilization (%)" if compute else "status"
        kind = self.runtime.value or "Lambda@Edge"
        fig.suptitle(f"{what} by size ({kind}, {self.rules.value} rules)")
        return fig
