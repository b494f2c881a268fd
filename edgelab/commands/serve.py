"""``edgelab serve --config FILE``: the distribution on a real local port.

edgelab serve --config FILE [--host H] [--port P] [--trace-file F] [--scheme https|http]
    [mapping options: --origin, --function, --parameter, --map, --distribution ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..edge.config import load_distribution
from .config import add_mapping_options, mapping_kwargs


def default_trace_file(config: str | Path) -> Path:
    return Path(config).resolve().parent / ".edgelab" / "traces.jsonl"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve a distribution on a local HTTP port",
        description="Put the distribution in --config (any definition edgelab reads) behind "
        "a local HTTP server (uvicorn); each request takes the behaviour its path selects. "
        "Every request's trace is appended to --trace-file (default "
        ".edgelab/traces.jsonl next to the config) and listed at "
        "/_edgelab/traces; 'edgelab traces --config FILE' prints them. Handler "
        "files are reloaded when they change. Python handlers run in worker "
        "processes unless the config says isolated = false.",
    )
    p.add_argument("--config", required=True, metavar="FILE")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--trace-file", default=None, metavar="FILE")
    p.add_argument(
        "--scheme",
        choices=("https", "http"),
        default="https",
        help="the protocol viewers are taken to use (default https: the local server speaks "
        "plain HTTP, but a redirect-to-https behaviour serves the browser; http: every "
        "request meets the viewer protocol policy as an HTTP request)",
    )
    add_mapping_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from ..edge.server import EdgeApp

    if not 0 <= args.port <= 65535:
        print(f"edgelab serve: error: --port must be 0-65535; got {args.port}", file=sys.stderr)
        return 2
    # Python handlers run in worker processes unless the config says isolated = false:
    # a handler that exits, forks or blocks in C code then costs only its request.
    dist = load_distribution(args.config, default_isolated=True, **mapping_kwargs(args))
    trace_file = Path(args.trace_file) if args.trace_file else default_trace_file(args.config)
    app = EdgeApp(dist, trace_file=trace_file, scheme=args.scheme)
    print(
        f"edgelab serve: {dist!r} on http://{args.host}:{args.port}/ (traces: {trace_file})",
        file=sys.stderr,
    )
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level="info",
            lifespan="off",
            server_header=False,
        )
    finally:
        dist.close()
    return 0
