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
from typing import Any

from ..edge.config import load_distribution
from ..edge.diff import changes
from ..edge.locations import pop_code
from ..edge.trace import Trace
from ._common import clean_stdout, int_in, print_json
from .config import add_mapping_options, mapping_kwargs


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
    p.add_argument(
        "--config", required=True, metavar="FILE", help="the definition (or a cdk.out folder)"
    )
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
    add_mapping_options(p)
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
    v = t.viewer
    qs = f"?{v.querystring}" if v.querystring else ""
    out = [
        f"{v.method} {v.uri}{qs} -> {t.status} {t.cache} ({t.duration_ms:.2f} ms, "
        f"request id {t.request_id[:12]}…)",
        f"  {'behaviour':<16} {t.behavior}  (edge location {v.edge_location}, "
        f"{v.protocol}, deployment {t.deployment})",
    ]
    if t.edge_rule:
        out.append(f"  {'CloudFront':<16} {t.edge_rule}: answered at the edge")

    def stage_line(trigger: str) -> None:
        s = t.stage(trigger)
        if s is None:
            return
        cff = (
            f"  {s.runtime}, compute {s.compute_utilization:.0f} %"
            if s.kind == "cloudfront-function" and s.compute_utilization is not None
            else ""
        )
        out.append(
            f"  {s.trigger:<16} {s.outcome:<9} {s.duration_ms:8.2f} ms{cff}"
            + (f"  {s.error['type']}: {_short(s.error['message'], 70)}" if s.error else "")
        )
        out.extend(f"      {c.line()}" for c in changes(s.diff))
        for viol in s.violations:
            out.append(f"      ! {viol.rule}: {_short(viol.message, 80)}")
        for log in s.logs.splitlines()[:5]:
            out.append(f"      | {_short(log, 80)}")

    stage_line("viewer-request")
    if t.cache == "Hit":
        out.append(
            f"  {'cache':<16} Hit       {t.cache_tier} cache, age {t.age} s, ttl {t.ttl:g} s"
        )
    stage_line("origin-request")
    if t.origin is not None:
        o = t.origin
        status = o.status if o.status is not None else "no response"
        out.append(
            f"  {'origin':<16} {status!s:<9} {o.duration_ms:8.2f} ms  "
            f"{o.request.get('method')} {o.request.get('uri')}  "
            f"[{t.origin_id or 'not in the distribution'}: {t.origin_kind}]"
            + (f"  {_short(o.error, 70)}" if o.error else "")
        )
    stage_line("origin-response")
    if t.failover:
        for a in t.attempts:
            got = a.status if a.status is not None else ("failed" if a.error else "none")
            then = f"  -> failover ({a.failover})" if a.failover else ""
            out.append(
                f"  {'origin try':<16} {got!s:<9} {a.duration_ms:8.2f} ms  "
                f"{a.origin_id} [{', '.join(a.stages) or 'no function'}]{then}"
            )
    if t.cache in ("Miss", "RefreshHit") and t.ttl is not None:
        tiers = "edge and regional" if t.regional_edge_cache else "edge"
        stored = f"stored in the {tiers} cache" if t.ttl > 0 else "not stored"
        out.append(
            f"  {'cache':<16} {stored}"
            + (f", ttl {t.ttl:g} s" if t.ttl > 0 else "")
            + (" (revalidated: 304)" if t.cache == "RefreshHit" else "")
        )
    stage_line("viewer-response")
    if t.error_page is not None:
        ep = t.error_page
        how = f"sent as {ep.status}" if ep.served else f"not fetched ({ep.page_status})"
        out.append(
            f"  {'error page':<16} {ep.original_status} -> {ep.page} (behaviour "
            f"{ep.behavior}, {ep.cache}), {how}"
        )
    out.append(f"  response {t.status} {t.response.get('statusDescription', '')}")
    for name, elems in t.response.get("headers", {}).items():
        for e in elems:
            out.append(f"    {e.get('key') or name}: {_short(e['value'], 70)}")
    body = t.body
    if body:
        text = body[:200].decode("utf-8", "replace")
        out.append("    " + _short(text.replace("\n", " "), 90) + f"  ({len(body)} bytes)")
    out.extend(f"  note: {n}" for n in t.notes)
    return "\n".join(out) + "\n"
