"""``edgelab request PATH --config FILE``: send requests through a distribution and
print each one's trace, stage by stage (or JSON with ``--json``).

    edgelab request PATH --config FILE [--method M] [--header 'N: v']... [--cookie n=v]...
        [--scheme http|https] [--edge LOCATION] [--country CC] [--repeat N] [--json]
        [mapping options: --origin, --function, --parameter, --map, --distribution ...]

One process keeps its caches, so ``--repeat`` shows the edge and regional tiers."""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path
from typing import Any

from ..edge.config import load_distribution
from ..edge.diff import changes
from ..edge.locations import pop_code
from ..edge.trace import Trace
from ..event.headers import Headers
from ._common import clean_stdout, int_in, print_json
from ._text import calls_lines
from ._watch import handler_files, watch
from .config import add_config_option, add_mapping_options, mapping_kwargs
from .event import add_cookie_option, add_method_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "request",
        help="send a request through a distribution and print its trace",
        description="Send PATH (with an optional ?query) through the distribution in "
        "--config (any definition edgelab reads: distribution.toml, a CloudFormation/SAM "
        "template, a cdk.out folder, CloudFront API JSON, terraform show -json): the "
        "behaviour its path selects, viewer request, the edge and regional caches, origin "
        "request, the origin, origin response, viewer response. --repeat 2 shows a miss, "
        "then a hit. Exit 0 whenever the chain ran (handler failures are results).",
    )
    p.add_argument("path", metavar="PATH", help="e.g. /index.html or '/search?q=x'")
    add_config_option(p, help="the definition (or a cdk.out folder)")
    _add_request_options(p)
    _add_viewer_options(p)
    _add_run_options(p)
    add_mapping_options(p)
    p.set_defaults(func=run)


def _add_request_options(p: argparse.ArgumentParser) -> None:
    """What the request carries besides its path."""
    p.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="request header (repeatable)",
    )
    add_cookie_option(p, default=[])
    add_method_option(p, default="GET")
    p.add_argument("--body", default=None, help="request body")


def _add_viewer_options(p: argparse.ArgumentParser) -> None:
    """Who sends it and through which edge location."""
    p.add_argument(
        "--scheme",
        choices=("http", "https"),
        default="https",
        help="the viewer's protocol (default https; http meets the viewer protocol policy)",
    )
    p.add_argument(
        "--edge",
        metavar="LOCATION",
        default=None,
        help="the edge location: a POP code (GRU50-C1) or an airport code (GRU, its first POP)",
    )
    p.add_argument("--country", default=None, help="viewer country (ISO 3166-1 alpha-2)")
    p.add_argument(
        "--client-ip",
        default=None,
        metavar="IP",
        help="the viewer's IPv4 or IPv6 address (default: [viewer] client_ip, else 203.0.113.178)",
    )


def _add_run_options(p: argparse.ArgumentParser) -> None:
    """How often to send it, and how to print the traces."""
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
        help="send again whenever the definition, a function's code, the map file or a "
        "seed file changes (Ctrl-C stops)",
    )


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
        return watch(lambda: watched_files(args.config, mapping_kwargs(args)), lambda: _send(args))
    return _send(args)


def watched_files(config: str, options: dict[str, Any] | None = None) -> list[Path]:
    """What ``request --watch`` watches, from the loaded definition: the file (the
    template of a cdk.out folder), the map file, its functions' code (with the files
    beside them), their key value stores, and the local AWS seed files."""
    from ..definitions import load_definition

    options = options or {}
    path = Path(config).resolve()
    files = [path]
    if options.get("map_file"):
        files.append(Path(options["map_file"]).resolve())
    try:
        spec = load_definition(config, **options)
    except Exception:  # a definition being edited: watch the file itself until it reads
        return files
    for s in (spec, *([spec.staging.distribution] if spec.staging else [])):
        files.append(Path(s.file).resolve())
        for f in s.functions().values():
            files += handler_files(f.path)
            store = getattr(f, "key_value_store", None)
            if store is not None and store.data_path:
                files.append(Path(store.data_path).resolve())
        if s.aws is not None:
            files += [Path(seed) for seed in s.aws.seed]
    return list(dict.fromkeys(files))


def _send(args: argparse.Namespace) -> int:
    viewer: dict[str, Any] = {"protocol": args.scheme}
    if args.edge:
        viewer["edge_location"] = pop_code(args.edge)
    if args.country:
        viewer["country"] = args.country.upper()
    if args.client_ip:
        viewer["client_ip"] = args.client_ip
    with clean_stdout() as out:
        dist = load_distribution(args.config, **mapping_kwargs(args))
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
    """One object of ``edgelab request --json`` (README: the request JSON contract): the
    trace (``Trace.to_dict``) with ``response`` in CloudFront's shape, its body as text,
    or base64 with ``bodyEncoding``."""
    d = t.to_dict()
    body = t.body
    response: dict[str, Any] = {
        "status": str(t.status),
        "statusDescription": t.response.get("statusDescription", ""),
        "headers": t.response.get("headers", {}),
    }
    try:
        response["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        response["body"] = base64.b64encode(body).decode("ascii")
        response["bodyEncoding"] = "base64"
    d["response"] = response
    return d


def _short(value: Any, width: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def format_trace(t: Trace) -> str:
    """The text view of one trace: the journey stage by stage, then the response."""
    out = [
        *_summary(t),
        *_stage(t, "viewer-request"),
        *_cache_hit(t),
        *_stage(t, "origin-request"),
        *_origin(t),
        *_stage(t, "origin-response"),
        *_origin_tries(t),
        *_cache_store(t),
        *_stage(t, "viewer-response"),
        *_error_page(t),
        *_response(t),
        *(f"  note: {n}" for n in t.notes),
    ]
    return "\n".join(out) + "\n"


def _summary(t: Trace) -> list[str]:
    """The request and its status, the behaviour, and CloudFront's own answer if any."""
    v = t.viewer
    qs = f"?{v.querystring}" if v.querystring else ""
    lines = [
        f"{v.method} {v.uri}{qs} -> {t.status} {t.cache} ({t.duration_ms:.2f} ms, "
        f"request id {t.request_id[:12]}…)",
        f"  {'behaviour':<16} {t.behavior}  (edge location {v.edge_location}, "
        f"{v.protocol}, deployment {t.deployment})",
    ]
    if t.edge_rule:
        lines.append(f"  {'CloudFront':<16} {t.edge_rule}: answered at the edge")
    return lines


def _stage(t: Trace, trigger: str) -> list[str]:
    """The function that ran at ``trigger`` (none: no lines): its outcome and time, then
    what it changed, its outbound calls, violations and first log lines."""
    s = t.stage(trigger)
    if s is None:
        return []
    cff = (
        f"  {s.runtime}, compute {s.compute_utilization:.0f} %"
        if s.kind == "cloudfront-function" and s.compute_utilization is not None
        else ""
    )
    return [
        f"  {s.trigger:<16} {s.outcome:<9} {s.duration_ms:8.2f} ms{cff}"
        + (f"  {s.error['type']}: {_short(s.error['message'], 70)}" if s.error else ""),
        *(f"      {c.line()}" for c in changes(s.diff)),
        *calls_lines(s.calls, "      > "),
        *(f"      ! {viol.rule}: {_short(viol.message, 80)}" for viol in s.violations),
        *(f"      | {_short(log, 80)}" for log in s.logs.splitlines()[:5]),
    ]


def _cache_hit(t: Trace) -> list[str]:
    if t.cache != "Hit":
        return []
    return [f"  {'cache':<16} Hit       {t.cache_tier} cache, age {t.age} s, ttl {t.ttl:g} s"]


def _origin(t: Trace) -> list[str]:
    """The call to the origin: its status, time, request and which origin served it."""
    if t.origin is None:
        return []
    o = t.origin
    status = o.status if o.status is not None else "no response"
    return [
        f"  {'origin':<16} {status!s:<9} {o.duration_ms:8.2f} ms  "
        f"{o.request.get('method')} {o.request.get('uri')}  "
        f"[{t.origin_id or 'not in the distribution'}: {t.origin_kind}]"
        + (f"  {_short(o.error, 70)}" if o.error else "")
    ]


def _origin_tries(t: Trace) -> list[str]:
    """Each try of an origin group's members, when the group failed over."""
    if not t.failover:
        return []
    lines = []
    for a in t.attempts:
        got = a.status if a.status is not None else ("failed" if a.error else "none")
        then = f"  -> failover ({a.failover})" if a.failover else ""
        lines.append(
            f"  {'origin try':<16} {got!s:<9} {a.duration_ms:8.2f} ms  "
            f"{a.origin_id} [{', '.join(a.stages) or 'no function'}]{then}"
        )
    return lines


def _cache_store(t: Trace) -> list[str]:
    """Whether a response from the origin was stored, in which tiers and for how long."""
    if t.cache not in ("Miss", "RefreshHit") or t.ttl is None:
        return []
    tiers = "edge and regional" if t.regional_edge_cache else "edge"
    stored = f"stored in the {tiers} cache" if t.ttl > 0 else "not stored"
    return [
        f"  {'cache':<16} {stored}"
        + (f", ttl {t.ttl:g} s" if t.ttl > 0 else "")
        + (" (revalidated: 304)" if t.cache == "RefreshHit" else "")
    ]


def _error_page(t: Trace) -> list[str]:
    if t.error_page is None:
        return []
    ep = t.error_page
    how = f"sent as {ep.status}" if ep.served else f"not fetched ({ep.page_status})"
    return [
        f"  {'error page':<16} {ep.original_status} -> {ep.page} (behaviour "
        f"{ep.behavior}, {ep.cache}), {how}"
    ]


def _response(t: Trace) -> list[str]:
    """The response the viewer got: status, headers, the start of the body."""
    lines = [f"  response {t.status} {t.response.get('statusDescription', '')}"]
    headers = Headers(t.response.get("headers", {}))
    lines += [f"    {key}: {_short(value, 70)}" for key, value in headers.multi_items()]
    body = t.body
    if body:
        text = body[:200].decode("utf-8", "replace")
        lines.append("    " + _short(text.replace("\n", " "), 90) + f"  ({len(body)} bytes)")
    return lines
