"""The event editor: build one event with form fields, run a handler on it, see the outcome.

    from edgelab.widgets import EventEditor
    ed = EventEditor(directory="handlers")      # every .py / .js file there
    ed                                          # in a notebook: the form
    ed.uri.value = "/old"; ed.run()             # from plain Python: set values, run
    ed.result.outcome, ed.summary.value

Run calls :func:`edgelab.build_event` with the form's values and :func:`edgelab.invoke`
with the chosen handler, exactly as ``edgelab event`` and ``edgelab invoke`` do. A handler
file edited between runs is re-loaded by the runtime (a cold start).

With ``runtime`` set to ``cloudfront-js-1.0`` or ``cloudfront-js-2.0`` the chosen ``.js``
file runs as a CloudFront Function: the event is :func:`edgelab.build_cff_event`'s
(viewer triggers only, no body), ``kvs`` names its KeyValueStore file, and the summary
gives its compute utilization.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as W

from ..cloudfront_functions.event import build_cff_event, to_lambda_request, to_lambda_response
from ..cloudfront_functions.features import RUNTIMES as CFF_RUNTIMES
from ..edge.diff import diff
from ..errors import EdgelabError
from ..event.build import DEVICES, build_event, cf_record
from ..invoke import invoke
from ..rules.outcome import InvocationResult
from ..rules.tables import RULE_SETS, get_rules
from ..runtimes import NODE_SUFFIXES
from ..triggers import TRIGGER_NAMES, Trigger
from ._view import WidgetView, diff_html, esc, json_html, outcome_badge, pre, table
from .stepper import changes_rows

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
HANDLER_SUFFIXES = (".py", *NODE_SUFFIXES)
VIOLATION_COLUMNS = ("rule", "path", "actual", "limit", "message", "section")
HandlerChoice = str | Callable[..., Any]
_STYLE = {"description_width": "110px"}


def _wide() -> W.Layout:
    return W.Layout(width="460px")


def handler_options(
    handlers: Iterable[HandlerChoice] = (),
    directory: str | Path | None = None,
) -> list[tuple[str, HandlerChoice]]:
    """Dropdown options: ``(label, handler)`` for each given handler and each file in a folder."""
    options: list[tuple[str, HandlerChoice]] = []
    for h in handlers:
        label = h if isinstance(h, str) else f"{getattr(h, '__name__', 'function')} (notebook)"
        options.append((label, h))
    if directory is not None:
        for path in sorted(Path(directory).iterdir()):
            if path.suffix in HANDLER_SUFFIXES and not path.name.startswith(("_", ".")):
                options.append((str(path), str(path)))
    return options


class EventEditor(WidgetView):
    """A form for one Lambda@Edge event, a handler picker and a Run button.

    Fields (ipywidgets, set ``.value``): ``trigger``, ``method``, ``uri``, ``querystring``,
    ``cookies`` (``a=1; b=2``), ``body`` (empty: no Include Body), ``country``, ``device``,
    ``status`` (the origin's status, response triggers), ``handler``, ``rules``; header
    rows with :meth:`add_header`, :meth:`remove_header`, :meth:`set_headers`.

    Outputs (``widgets.HTML``, read ``.value``): ``summary``, ``changes``, ``violations``,
    ``logs``, ``event_before``, ``event_after``; and ``result``, ``event`` and ``error``.
    """

    def __init__(
        self,
        handler: HandlerChoice | None = None,
        *,
        handlers: Sequence[HandlerChoice] = (),
        directory: str | Path | None = None,
        trigger: str = "viewer-request",
        uri: str = "/index.html",
        rules: str | None = None,
        runtime: str | None = None,
        kvs: str | None = None,
    ) -> None:
        choices = handler_options(
            ([handler] if handler is not None else []) + list(handlers), directory
        )
        if not choices:
            raise EdgelabError(
                "EventEditor needs a handler: pass handler=, handlers= (file "
                "paths or functions) or directory= (a folder of .py/.js files)"
            )
        self._request_fields(trigger, uri)
        self._viewer_fields()
        self._run_fields(choices, rules, runtime, kvs)
        self.runtime.observe(self._runtime_changed, names="value")
        self._runtime_changed({"new": self.runtime.value})
        self.header_rows = W.VBox([])
        self.add_header_button = W.Button(description="add header", icon="plus")
        self.add_header_button.on_click(lambda _: self.add_header())
        self.run_button = W.Button(description="Run", button_style="primary", icon="play")
        self.run_button.on_click(lambda _: self.run())
        self._outputs()
        self.result: InvocationResult | None = None
        self.event: dict[str, Any] | None = None
        self.error: str | None = None
        self.runs = 0
        self.widget = W.VBox([self._form(), self.summary, self.tabs])

    def _request_fields(self, trigger: str, uri: str) -> None:
        """The request's fields: trigger, method, uri, query string, cookies, body."""
        self.trigger = W.Dropdown(
            options=TRIGGER_NAMES,
            value=Trigger.parse(trigger).value,
            description="trigger",
            style=_STYLE,
        )
        self.method = W.Dropdown(options=METHODS, value="GET", description="method", style=_STYLE)
        self.uri = W.Text(value=uri, description="uri", style=_STYLE, layout=_wide())
        self.querystring = W.Text(
            value="",
            description="query string",
            style=_STYLE,
            layout=_wide(),
            placeholder="a=1&b=2",
        )
        self.cookies = W.Text(
            value="",
            description="cookies",
            style=_STYLE,
            layout=_wide(),
            placeholder="name=value; other=2",
        )
        self.body = W.Textarea(
            value="",
            description="body",
            style=_STYLE,
            layout=_wide(),
            placeholder="empty: Include Body off (request triggers only)",
        )

    def _viewer_fields(self) -> None:
        """What CloudFront adds about the viewer, and the origin's status."""
        self.country = W.Text(
            value="",
            description="viewer country",
            style=_STYLE,
            placeholder="e.g. FR (not in viewer-request)",
        )
        self.device = W.Dropdown(
            options=[("(none)", ""), *[(d, d) for d in DEVICES]],
            value="",
            description="device",
            style=_STYLE,
        )
        self.status = W.Text(
            value="200", description="origin status", style=_STYLE, placeholder="response triggers"
        )

    def _run_fields(
        self,
        choices: list[tuple[str, HandlerChoice]],
        rules: str | None,
        runtime: str | None,
        kvs: str | None,
    ) -> None:
        """What runs: the handler, the rule set, the runtime and a KeyValueStore file."""
        self.handler = W.Dropdown(
            options=choices,
            value=choices[0][1],
            description="handler",
            style=_STYLE,
            layout=_wide(),
        )
        self.rules = W.Dropdown(
            options=list(RULE_SETS),
            value=get_rules(rules).name,
            description="rule set",
            style=_STYLE,
        )
        self.runtime = W.Dropdown(
            options=[("Lambda@Edge (.py or .js)", ""), *[(r, r) for r in CFF_RUNTIMES]],
            value=runtime or "",
            description="runtime",
            style=_STYLE,
        )
        self.kvs = W.Text(
            value=kvs or "",
            description="kvs file",
            style=_STYLE,
            layout=_wide(),
            placeholder="CloudFront Functions: a KeyValueStore import file",
        )

    def _outputs(self) -> None:
        """The summary and the tabs a run fills."""
        self.summary = W.HTML("<i>press Run</i>")
        self.changes = W.HTML()
        self.violations = W.HTML()
        self.logs = W.HTML()
        self.event_before = W.HTML()
        self.event_after = W.HTML()
        self.tabs = W.Tab(
            children=[self.changes, self.violations, self.logs, self.event_before, self.event_after]
        )
        for i, title in enumerate(
            ("changes", "violations", "logs", "event before", "result after")
        ):
            self.tabs.set_title(i, title)

    def _form(self) -> W.VBox:
        return W.VBox(
            [
                W.HBox([self.trigger, self.method]),
                self.uri,
                self.querystring,
                W.HTML("<b>headers</b>"),
                self.header_rows,
                self.add_header_button,
                self.cookies,
                self.body,
                W.HBox([self.country, self.device]),
                self.status,
                self.handler,
                W.HBox([self.runtime, self.kvs]),
                W.HBox([self.rules, self.run_button]),
            ]
        )

    # -- header rows --------------------------------------------------------------------
    def add_header(self, name: str = "", value: str = "") -> int:
        """Add a header row; returns its index."""
        name_box = W.Text(value=name, placeholder="Name", layout=W.Layout(width="200px"))
        value_box = W.Text(value=value, placeholder="value", layout=W.Layout(width="300px"))
        remove = W.Button(icon="trash", tooltip="remove this header", layout=W.Layout(width="40px"))
        row = W.HBox([name_box, value_box, remove])
        remove.on_click(lambda _: self._drop(row))
        self.header_rows.children = (*self.header_rows.children, row)
        return len(self.header_rows.children) - 1

    def _drop(self, row: W.HBox) -> None:
        self.header_rows.children = tuple(r for r in self.header_rows.children if r is not row)

    def remove_header(self, which: int | str) -> None:
        """Remove a row by index, or every row with this header name (any case)."""
        rows = self.header_rows.children
        if isinstance(which, int):
            self._drop(rows[which])
            return
        for row in rows:
            if row.children[0].value.strip().lower() == which.lower():
                self._drop(row)

    def set_headers(self, headers: Iterable[tuple[str, str]] | dict[str, str]) -> None:
        """Replace every header row."""
        self.header_rows.children = ()
        items = headers.items() if isinstance(headers, dict) else headers
        for name, value in items:
            self.add_header(name, value)

    @property
    def headers(self) -> list[tuple[str, str]]:
        """The header rows with a name, as ``(name, value)`` pairs."""
        return [
            (r.children[0].value.strip(), r.children[1].value)
            for r in self.header_rows.children
            if r.children[0].value.strip()
        ]

    def _runtime_changed(self, change: dict[str, Any]) -> None:
        """CloudFront Functions run at viewer request and viewer response only (§6)."""
        current = self.trigger.value
        names = (
            [t for t in TRIGGER_NAMES if t.startswith("viewer")]
            if change["new"]
            else list(TRIGGER_NAMES)
        )
        self.trigger.options = names
        self.trigger.value = current if current in names else names[0]

    # -- running ------------------------------------------------------------------------
    def cff_event_options(self) -> dict[str, Any]:
        """The keyword arguments the form gives :func:`edgelab.build_cff_event`."""
        if self.body.value:
            raise EdgelabError(
                "a CloudFront Function cannot read the request body (facts "
                "§2.2): empty the body field"
            )
        options = self.event_options()
        for key in ("body", "rules"):
            options.pop(key)
        return options

    def event_options(self) -> dict[str, Any]:
        """The keyword arguments the form gives :func:`edgelab.build_event`."""
        trig = Trigger.parse(self.trigger.value)
        cookies = [c.strip() for c in self.cookies.value.split(";") if c.strip()]
        return {
            "uri": self.uri.value,
            "method": self.method.value,
            "querystring": self.querystring.value,
            "headers": self.headers,
            "cookies": cookies or None,
            "body": self.body.value or None,
            "country": self.country.value.strip() or None,
            "device": self.device.value or None,
            "status": None if trig.is_request else (self.status.value.strip() or None),
            "rules": get_rules(self.rules.value),
        }

    def run(self) -> InvocationResult | None:
        """Build the event, invoke the handler, refresh every output; returns the result."""
        self.runs += 1
        self.result, self.error = None, None
        try:
            if self.runtime.value:
                self.event = build_cff_event(self.trigger.value, **self.cff_event_options())
                self.result = invoke(
                    self.handler.value,
                    self.event,
                    rules=self.rules.value,
                    runtime=self.runtime.value,
                    kvs=self.kvs.value.strip() or None,
                )
            else:
                self.event = build_event(self.trigger.value, **self.event_options())
                self.result = invoke(self.handler.value, self.event, rules=self.rules.value)
        except EdgelabError as exc:
            self.error = str(exc)
            self._show_error(self.error)
            return None
        self._show(self.result)
        return self.result

    def _show_error(self, message: str) -> None:
        self.summary.value = (
            f"<div>{outcome_badge('not run', None)} run {self.runs}: {esc(message)}</div>"
        )
        for out in (self.changes, self.violations, self.logs, self.event_after):
            out.value = ""
        self.event_before.value = json_html(self.event) if self.event else ""

    def _show(self, res: InvocationResult) -> None:
        cff = bool(self.runtime.value)
        cf = cff_as_lambda(self.event or {}) if cff else cf_record(self.event or {})
        what = {
            "request": "the request goes on to the next stage",
            "response": (
                "the function generated a response"
                if res.trigger.is_request
                else "the response goes on to the viewer"
            ),
            "error": f"CloudFront answers {res.status}",
        }[res.outcome]
        err = f"<br><b>{esc(res.error.type)}</b>: {esc(res.error.message)}" if res.error else ""
        cold = ", cold start" if res.cold_start else ""
        if cff:
            cold += f", compute utilization {getattr(res, 'compute_utilization', 0):.0f} %"
        self.summary.value = (
            f"<div>{outcome_badge(res.outcome, res.status)} run {self.runs}: {esc(what)} "
            f"({res.trigger.value}, {res.duration_ms:.1f} ms{cold}){err}</div>"
        )
        part = "request" if res.trigger.is_request else "response"
        before = cf.get(part)
        if res.outcome == "request":
            after: Any = to_lambda_request(res.request or {}) if cff else res.request
        elif res.outcome == "response":
            after = to_lambda_response(res.response or {}) if cff else res.response
            if res.trigger.is_request:
                part, before = "generated response", {}
        else:
            after = res.returned
        readable = (
            table(changes_rows(diff(before, after)), empty="no changes")
            if isinstance(after, dict)
            else f"<i>returned {esc(type(after).__name__)}</i>"
        )
        self.changes.value = (
            readable
            + "<br>"
            + diff_html(before, after, before_name=f"{part} in", after_name=f"{part} returned")
        )
        self.violations.value = table(
            [v.to_dict() for v in res.violations], VIOLATION_COLUMNS, empty="no violations"
        )
        self.logs.value = pre(res.logs, empty="(the function printed nothing)")
        self.event_before.value = json_html(self.event)
        self.event_after.value = json_html(res.to_dict())


def cff_as_lambda(event: dict[str, Any]) -> dict[str, Any]:
    """A CloudFront Functions event's request and response in Lambda@Edge's shape, so the
    editor's change table reads the same for both kinds of function."""
    out: dict[str, Any] = {"request": to_lambda_request(event.get("request", {}))}
    if "response" in event:
        out["response"] = to_lambda_response(event["response"])
    return out
