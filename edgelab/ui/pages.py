"""The pages of ``/_edgelab/``: one URL, two shapes (HTML, and JSON at the same path + ``.json``).

==============================================  ===========================================
``GET /_edgelab/`` (``/_edgelab/.json``)         the latest requests, newest first; filters
                                                 ``?status=5xx&outcome=error&path=/api``,
                                                 ``&limit=N``
``GET /_edgelab/requests/ID`` (``ID.json``)      one request's journey, stage by stage
``POST /_edgelab/requests/ID/replay`` (``.json``)  send it again: 303 to the new request's
                                                 page (JSON: ``201`` with its summary)
``GET /_edgelab/static/ui.css``, ``ui.js``       the style sheet and the live list's script
==============================================  ===========================================

:func:`page` answers a GET (a :class:`Page`: status, headers, body); the replay itself is
the server's (it runs the chain), which then calls :func:`replayed`. Every template is
autoescaped and every page carries a Content-Security-Policy that allows only this
server's own script and style sheet, so nothing a trace holds (uris, headers, bodies,
logs: attacker-controlled) can run in the page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jinja2

from ..errors import InputError
from ..runtimes.jsonwire import dumps_text
from ..triggers import Trigger
from .journal import OUTCOMES, PREFIX, Entry, Filters, Journal, as_list, request_url
from .journey import journey

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "ui"
#: Rows the list shows unless ``?limit=`` says otherwise (at most the journal's size).
LIST_ROWS = 100
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]
_REQUEST = re.compile(r"^/requests/([A-Za-z0-9_=-]{1,128})(\.json)?$")
_REPLAY = re.compile(r"^/requests/([A-Za-z0-9_=-]{1,128})/replay(\.json)?$")
_STATIC = {"ui.css": b"text/css; charset=utf-8", "ui.js": b"text/javascript; charset=utf-8"}
#: How the list names a function that ran (the page's legend spells each out).
_SHORT = {t.value: t.short for t in Trigger}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def seconds(value: Any) -> str:
    """``3,600 s``, ``0.25 s``; ``-`` for anything that is not a finite number."""
    n = _number(value)
    if n is None:
        return "-"
    return f"{n:,.0f} s" if n == int(n) else f"{n:,.3f} s"


def milliseconds(value: Any) -> str:
    n = _number(value)
    return "-" if n is None else f"{n:,.1f} ms"


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals.update(prefix=PREFIX, outcomes=OUTCOMES, short=_SHORT)
_env.filters.update(seconds=seconds, ms=milliseconds)


@dataclass
class Page:
    """An answer: ``status``, ``headers`` (bytes pairs) and ``body``."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def html(code: int, template: str, **context: Any) -> Page:
    text = _env.get_template(template).render(**context)
    headers = [(b"content-type", b"text/html; charset=utf-8"), *SECURITY_HEADERS]
    return Page(code, headers, text.encode("utf-8", "replace"))


def as_json(status: int, data: Any) -> Page:
    headers = [(b"content-type", b"application/json"), *SECURITY_HEADERS]
    return Page(status, headers, dumps_text(data).encode())


def _problem(status: int, message: str, as_data: bool) -> Page:
    if as_data:
        return as_json(status, {"error": message, "status": status})
    return html(status, "problem.html.j2", status=status, message=message)


def replay_target(method: str, path: str) -> tuple[str, bool] | None:
    """``(request_id, json)`` when ``method path`` asks to replay a request."""
    m = _REPLAY.match(path[len(PREFIX) :]) if path.startswith(PREFIX) else None
    return (m.group(1), bool(m.group(2))) if m and method == "POST" else None


def page(journal: Journal, method: str, path: str, query: str, *, may_replay: bool) -> Page:
    """The answer to ``method path?query`` under :data:`PREFIX` (the traces API excepted)."""
    sub = path[len(PREFIX) :]
    as_data = sub.endswith(".json")
    if _REPLAY.match(sub):
        return _problem(405, "replay a request with POST (the button on its page)", as_data)
    if method not in ("GET", "HEAD"):
        return _problem(405, f"{path} answers GET and HEAD; got {method}", as_data)
    if sub == "":
        return Page(308, [(b"location", f"{PREFIX}/".encode())], b"")
    if sub in ("/", "/.json"):
        return list_page(journal, query, as_data)
    m = _REQUEST.match(sub)
    if m:
        return request_page(journal, m.group(1), as_data, may_replay=may_replay)
    name = sub.removeprefix("/static/")
    if name in _STATIC:
        headers = [(b"content-type", _STATIC[name]), *SECURITY_HEADERS]
        return Page(200, headers, (TEMPLATES / name).read_bytes())
    return _problem(404, f"edgelab serve has no page at {path[:200]}", as_data)


def _query(query: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in parse_qsl(query[:8192], keep_blank_values=True):
        out.setdefault(name, value)
    return out


def _limit(text: str, most: int) -> int:
    if not text:
        return min(LIST_ROWS, most)
    if not text.isdigit() or not 1 <= int(text) <= most:
        raise InputError(f"limit must be a whole number from 1 to {most}; got {text[:20]!r}")
    return int(text)


def list_page(journal: Journal, query: str, as_data: bool) -> Page:
    args = _query(query)
    try:
        filters = Filters.parse(
            args.get("status", ""), args.get("outcome", ""), args.get("path", "")
        )
        limit = _limit(args.get("limit", ""), journal.keep)
    except InputError as exc:
        return _problem(400, str(exc), as_data)
    entries, matching = journal.select(filters, limit)
    data = {
        "requests": [e.summary for e in entries],
        "shown": len(entries),
        "matching": matching,
        "kept": len(journal),
        "keep": journal.keep,
        "limit": limit,
        "filters": filters.to_dict(),
    }
    if as_data:
        return as_json(200, data)
    wanted = {k: v for k, v in {**filters.to_dict(), "limit": args.get("limit", "")}.items() if v}
    twin = f"{PREFIX}/.json" + (f"?{urlencode(wanted)}" if wanted else "")
    return html(
        200,
        "list.html.j2",
        **data,
        twin=twin,
        filtered=any(filters.to_dict().values()),
        limit_param=args.get("limit", ""),
    )


def request_page(journal: Journal, request_id: str, as_data: bool, *, may_replay: bool) -> Page:
    entry = journal.get(request_id)
    if entry is None:
        return _problem(
            404,
            f"request {request_id} is not among the {journal.keep:,} latest requests "
            "edgelab serve keeps for this page (the trace file has them all: "
            "edgelab traces --config FILE)",
            as_data,
        )
    data = request_data(entry, may_replay=may_replay)
    if as_data:
        return as_json(200, data)
    return html(200, "request.html.j2", **data, twin=request_url(request_id) + ".json")


def request_data(entry: Entry, *, may_replay: bool) -> dict[str, Any]:
    """What a request's page shows: its summary, its journey, its notes and the trace."""
    trace: Mapping[str, Any] = entry.trace
    why_not = entry.no_replay or (
        None if may_replay else "replay answers only clients on this machine (loopback)"
    )
    return {
        "summary": entry.summary,
        "journey": journey(trace),
        "notes": [str(n) for n in as_list(trace.get("notes"))],
        "edge_rule": trace.get("edge_rule"),
        "generated_by": trace.get("generated_by"),
        "replay": {"allowed": why_not is None, "why_not": why_not},
        "trace": trace,
    }


def replayed(entry: Entry, as_data: bool) -> Page:
    """The answer to a replay that ran: the new request's page (303) or its summary."""
    if as_data:
        return as_json(201, {"replayed": entry.summary})
    return Page(303, [(b"location", entry.summary["url"].encode())], b"")


def replay_refused(status: int, message: str, as_data: bool) -> Page:
    return _problem(status, message, as_data)
