"""``edgelab request PATH --config distribution.toml``: send requests through a
distribution and print each one's trace, stage by stage (or JSON with ``--json``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..edge.config import load_distribution, read_config
from ..edge.diff import changes
from ..edge.trace import Trace
from ._common import clean_stdout, int_in, print_json
from ._text import calls_lines
from ._watch import handler_files, watch


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "request",
        help="send a request through a distribution and print its trace",
        description="Send PATH (with an optional ?query) through the distribution in "
        "--config: viewer request, cache, origin request, origin, origin "
        "response, viewer response. --repeat 2 shows a miss, then a hit. "
        "Exit 0 whenever the chain ran (handler failures are results).",
    )
    p.add_argument("path", metavar="PATH", help="e.g. /index.html or '/search?q=x'")
    p.add_argument("--config", required=True, metavar="FILE", help="distribution.toml")
    p.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="request header (repeatable)",
    )
    p.add_argument(
        "--cookie",
        action="append",
        default=[],
        metavar="name=value",
        help="a cookie in the Cookie header (repeatable)",
    )
    p.add_argument(
        "--method",
        default="GET",
        help="HTTP method, a single token such as GET or POST (default GET)",
    )
    p.add_argument("--body", default=None, help="request body")
    p.add_argument("--country", default=None, help="viewer country (ISO 3166-1 alpha-2)")
    p.add_argument(
        "--client-ip",
        default=None,
        metavar="IP",
        help="the viewer's IPv4 or IPv6 address (default: [viewer] client_ip, else 203.0.113.178)",
    )
    p.add_argument(
        "--repeat",
        type=int_in(1, 1000),
        default=1,
        metavar="N",
        help="send the request N times, 1-1000 (default 1)",
    )
    p.add_argument(
        "--json", action="store_true", help="print one JSON array, one object per request"
    )
    p.add_argument(
        "--watch",
        action="store_true",
        help="send again whenever the config, a handler or a seed file changes (Ctrl-C stops)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.repeat < 1:
        print(
            f"edgelab request: error: --repeat must be 1 or more; got {args.repeat}",
            file=sys.stderr,
        )
        return 2
    if not args.path.startswith("/"):
        print(
            f"edgelab request: error: PATH must start with '/'; got {args.path!r}", file=sys.stderr
        )
        return 2
    if args.watch:
        return watch(lambda: watched_files(args.config), lambda: _send(args))
    return _send(args)


def watched_files(config: str) -> list[Path]:
    """The config, its handlers (with the files beside them) and its seed files."""
    path = Path(config).resolve()
    files = [path]
    try:
        data = read_config(path)
    except Exception:  # a config being edited: watch the file itself until it reads
        return files
    base = path.parent
    for value in (data.get("triggers") or {}).values():
        spec = value.get("handler") if isinstance(value, dict) else value
        if isinstance(spec, str):
            files += handler_files(str(base / spec))
    seed = (data.get("aws") or {}).get("seed") if isinstance(data.get("aws"), dict) else None
    for s in [seed] if isinstance(seed, str) else seed or []:
        if isinstance(s, str):
            files.append((base / s).resolve())
    return files


def _send(args: argparse.Namespace) -> int:
    viewer: dict[str, Any] = {}
    if args.country:
        viewer["country"] = args.country.upper()
    if args.client_ip:
        viewer["client_ip"] = args.client_ip
    with clean_stdout() as out:
        dist = load_distribution(args.config)
        try:
            traces = [
                dist.request(
                    args.path,
                    headers=args.header,
                    cookies=args.cookie,
                    method=args.method,
                    body=args.body,
                    **viewer,
                )
                for _ in range(args.repeat)
            ]
        finally:
            dist.close()
        if args.json:
            print_json([trace_json(t) for t in traces], out)
        else:
            for i, t in enumerate(traces):
                if i:
                    out.write("\n")
                out.write(format_trace(t))
            out.flush()
    return 0


def trace_json(t: Trace) -> dict[str, Any]:
    d = t.to_dict()
    d["response"] = {
        "status": t.status,
        "statusDescription": t.response.get("statusDescription", ""),
        "headers": t.response.get("headers", {}),
        "body": t.body.decode("utf-8", "replace"),
    }
    return d


def _short(value: Any, width: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def format_trace(t: Trace) -> str:
    v = t.viewer
    qs = f"?{v.querystring}" if v.querystring else ""
    out = [
        f"{v.method} {v.uri}{qs} -> {t.status} {t.cache} ({t.duration_ms:.2f} ms, "
        f"request id {t.request_id[:12]}…)"
    ]

    def stage_line(trigger: str) -> None:
        s = t.stage(trigger)
        if s is None:
            return
        out.append(
            f"  {s.trigger:<16} {s.outcome:<9} {s.duration_ms:8.2f} ms"
            + (f"  {s.error['type']}: {_short(s.error['message'], 70)}" if s.error else "")
        )
        out.extend(f"      {c.line()}" for c in changes(s.diff))
        out.extend(calls_lines(s.calls, "      > "))
        for viol in s.violations:
            out.append(f"      ! {viol.rule}: {_short(viol.message, 80)}")
        for log in s.logs.splitlines()[:5]:
            out.append(f"      | {_short(log, 80)}")

    stage_line("viewer-request")
    if t.cache == "Hit":
        out.append(f"  {'cache':<16} Hit       age {t.age} s, ttl {t.ttl:g} s")
    stage_line("origin-request")
    if t.origin is not None:
        o = t.origin
        status = o.status if o.status is not None else "no response"
        out.append(
            f"  {'origin':<16} {status!s:<9} {o.duration_ms:8.2f} ms  "
            f"{o.request.get('method')} {o.request.get('uri')}"
            + (f"  {_short(o.error, 70)}" if o.error else "")
        )
    stage_line("origin-response")
    if t.cache == "Miss" and t.ttl is not None:
        out.append(
            f"  {'cache':<16} {'stored' if t.ttl > 0 else 'not stored'}"
            + (f"    ttl {t.ttl:g} s" if t.ttl > 0 else "")
        )
    stage_line("viewer-response")
    out.append(f"  response {t.status} {t.response.get('statusDescription', '')}")
    for name, elems in t.response.get("headers", {}).items():
        for e in elems:
            out.append(f"    {e.get('key') or name}: {_short(e['value'], 70)}")
    body = t.body
    if body:
        text = body[:200].decode("utf-8", "replace")
        out.append("    " + _short(text.replace("\n", " "), 90) + f"  ({len(body)} bytes)")
    return "\n".join(out) + "\n"
