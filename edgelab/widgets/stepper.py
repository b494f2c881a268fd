"""The chain stepper: send one request through a distribution, then step through its stages.

    from edgelab.widgets import ChainStepper
    st = ChainStepper(el.load_distribution("site.toml"), path="/index.html")
    st.send()            # a Trace; st.position is 0 (viewer request)
    st.next(); st.stage_view.value
    st.send()            # the same request again: a cache hit skips the origin side

Each send calls the distribution's own ``request`` (as ``edgelab request`` does); the
stepper only shows the :class:`~edgelab.edge.trace.Trace` it returns.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from ..edge.diff import changes
from ..edge.trace import Trace
from ..errors import EdgelabError
from ._view import WidgetView, esc, json_html, outcome_badge, pre, table

STEPS = (
    "viewer-request",
    "cache",
    "origin-request",
    "origin",
    "origin-response",
    "viewer-response",
)


def changes_rows(change: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows (what, before, after) for a :func:`edgelab.edge.diff.diff` result."""
    return [c.row() for c in changes(change)]


class ChainStepper(WidgetView):
    """Controls: ``path``, ``method``, ``country``, ``headers`` (``Name: value`` lines),
    ``cookies``; buttons Send, Previous, Next. Outputs: ``summary`` and ``stage_view``
    (HTML), ``trace`` (the last :class:`Trace`), ``traces`` (all of them), ``position``.
    """

    def __init__(self, distribution: Any, *, path: str = "/") -> None:
        self.distribution = distribution
        style = {"description_width": "80px"}
        self.path = W.Text(
            value=path, description="path", style=style, layout=W.Layout(width="420px")
        )
        self.method = W.Dropdown(
            options=("GET", "HEAD", "POST", "PUT", "DELETE"),
            value="GET",
            description="method",
            style=style,
        )
        self.country = W.Text(value="", description="country", style=style, placeholder="e.g. DE")
        self.headers = W.Textarea(
            value="",
            description="headers",
            style=style,
            placeholder="Name: value, one a line",
            layout=W.Layout(width="420px"),
        )
        self.cookies = W.Text(
            value="",
            description="cookies",
            style=style,
            placeholder="name=value; other=2",
            layout=W.Layout(width="420px"),
        )
        self.send_button = W.Button(description="Send", button_style="primary", icon="paper-plane")
        self.prev_button = W.Button(description="Previous", icon="arrow-left")
        self.next_button = W.Button(description="Next", icon="arrow-right")
        self.steps = W.ToggleButtons(options=STEPS, value=STEPS[0], style={"button_width": "120px"})
        self.send_button.on_click(lambda _: self.send())
        self.prev_button.on_click(lambda _: self.step(-1))
        self.next_button.on_click(lambda _: self.step(+1))
        self.steps.observe(lambda _: self._show_stage(), names="value")
        self.summary = W.HTML("<i>press Send</i>")
        self.stage_view = W.HTML()
        self.trace: Trace | None = None
        self.traces: list[Trace] = []
        self.error: str | None = None
        self.widget = W.VBox(
            [
                W.HBox([self.method, self.path]),
                self.headers,
                self.cookies,
                self.country,
                W.HBox([self.send_button, self.prev_button, self.next_button]),
                self.summary,
                self.steps,
                self.stage_view,
            ]
        )

    @property
    def position(self) -> int:
        return STEPS.index(self.steps.value)

    def send(self) -> Trace | None:
        """Send the request once more; shows the first stage. Returns the trace."""
        lines = [x.strip() for x in self.headers.value.splitlines() if x.strip()]
        cookies = [c.strip() for c in self.cookies.value.split(";") if c.strip()]
        extra = (
            {"country": self.country.value.strip().upper()} if self.country.value.strip() else {}
        )
        self.error = None
        try:
            self.trace = self.distribution.request(
                self.path.value,
                method=self.method.value,
                headers=lines or None,
                cookies=cookies or None,
                **extra,
            )
        except EdgelabError as exc:
            self.error, self.trace = str(exc), None
            self.summary.value = f"{outcome_badge('not sent', None)} {esc(exc)}"
            self.stage_view.value = ""
            return None
        self.traces.append(self.trace)
        t = self.trace
        ran = ", ".join(t.triggers) or "no function"
        self.summary.value = (
            f"<div>request {len(self.traces)}: {outcome_badge(t.cache, t.status)} "
            f"{esc(self.method.value)} {esc(self.path.value)}: functions run: {esc(ran)}; "
            f"{t.duration_ms:.1f} ms</div>"
        )
        if self.steps.value == STEPS[0]:
            self._show_stage()
        else:
            self.steps.value = STEPS[0]
        return t

    def step(self, by: int = 1) -> str:
        """Move ``by`` stages (clamped); returns the stage shown."""
        self.steps.value = STEPS[min(max(self.position + by, 0), len(STEPS) - 1)]
        return self.steps.value

    def next(self) -> str:
        return self.step(+1)

    def prev(self) -> str:
        return self.step(-1)

    def _show_stage(self) -> None:
        t = self.trace
        if t is None:
            self.stage_view.value = ""
            return
        name = self.steps.value
        if name == "cache":
            self.stage_view.value = table(
                [
                    {
                        "cache status": t.cache,
                        "cache key": t.cache_key,
                        "ttl (s)": t.ttl,
                        "age (s)": t.age,
                    }
                ]
            ) + self._skipped_note(t)
            return
        if name == "origin":
            if t.origin is None:
                self.stage_view.value = self._not_run(name, t)
                return
            o = t.origin
            self.stage_view.value = (
                f"<p>origin answered {o.status} in {o.duration_ms:.1f} ms"
                f"{': ' + esc(o.error) if o.error else ''}</p>"
                f"<b>request to the origin</b>{json_html(o.request)}"
                f"<b>origin response</b>{json_html(o.response)}"
            )
            return
        stage = t.stage(name)
        if stage is None:
            self.stage_view.value = self._not_run(name, t)
            return
        err = (
            f"<br><b>{esc(stage.error.get('type'))}</b>: {esc(stage.error.get('message'))}"
            if stage.error
            else ""
        )
        self.stage_view.value = (
            f"<p>{outcome_badge(stage.outcome, None)} {esc(name)} in {stage.duration_ms:.1f} ms"
            f"{', cold start' if stage.cold_start else ''}{err}</p>"
            f"<b>what changed</b>{table(changes_rows(stage.diff), empty='nothing')}"
            f"<b>violations</b>{table([v.to_dict() for v in stage.violations], empty='none')}"
            f"<b>logs</b>{pre(stage.logs)}"
            f"<b>input</b>{json_html(stage.input)}<b>output</b>{json_html(stage.output)}"
        )

    def _not_run(self, name: str, t: Trace) -> str:
        bound = getattr(self.distribution, "triggers", {})
        if name != "origin" and name not in {str(k) for k in bound}:
            why = "no function is associated with this trigger"
        elif t.cache == "Hit":
            why = "a cache hit: CloudFront answered from the cache"
        elif t.cache == "LambdaGeneratedResponse":
            why = "an earlier function generated the response"
        elif t.cache == "Error":
            why = "an earlier stage failed"
        else:
            why = "not reached for this request"
        return f"<p><i>{esc(name)} did not run: {esc(why)}</i></p>"

    @staticmethod
    def _skipped_note(t: Trace) -> str:
        if t.cache == "Hit":
            return "<p>Hit: origin request, the origin and origin response are skipped.</p>"
        return ""
