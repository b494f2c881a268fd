"""``edgelab serve --config FILE``: the distribution on a real local port.

edgelab serve --config FILE [--host H] [--port P] [--trace-file F] [--scheme https|http]
    [... trace and body limits] [mapping options: --origin, --function, --map ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..edge.config import check_distribution, configured_isolated, load_distribution
from ..limits import (
    SERVE_MAX_BODY,
    TRACE_BACKUPS,
    TRACE_BODY_CHARS,
    TRACE_MAX_BYTES,
    UI_KEEP,
    UI_KEEP_MAX,
)
from ._common import int_in
from .config import add_config_option, add_mapping_options, mapping_kwargs


def default_trace_file(config: str | Path) -> Path:
    return Path(config).resolve().parent / ".edgelab" / "traces.jsonl"


def _in_process(config: str) -> bool:
    """Whether the config runs its Python handlers in this process (isolated = false)."""
    return configured_isolated(config) is False


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve a distribution on a local HTTP port",
        description="Put the distribution in --config (any definition edgelab reads) behind "
        "a local HTTP server (uvicorn); each request takes the behaviour its path selects. "
        "Every request's trace is appended to --trace-file (default "
        ".edgelab/traces.jsonl next to the config), with credential headers "
        "redacted, shown live at /_edgelab/ (each request's journey, a replay "
        "button) and listed at /_edgelab/traces for clients on this machine; "
        "'edgelab traces --config FILE' prints them. Handler files are reloaded "
        "when they change. Python handlers run in worker processes unless the "
        "config says isolated = false.",
    )
    add_config_option(p)
    _add_server_options(p)
    _add_sharing_options(p)
    _add_trace_size_options(p)
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


def _add_server_options(p: argparse.ArgumentParser) -> None:
    """Where the server listens, where it writes traces, the largest body it takes."""
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, this machine only; another "
        "address lets other hosts in, with a warning)",
    )
    p.add_argument(
        "--port",
        type=int_in(0, 65535),
        default=8080,
        metavar="N",
        help="port to listen on, 0-65535 (default 8080; 0 picks a free one)",
    )
    p.add_argument(
        "--trace-file",
        default=None,
        metavar="FILE",
        help="JSON-lines file the traces are appended to (default "
        ".edgelab/traces.jsonl next to the config)",
    )
    p.add_argument(
        "--max-body",
        type=int_in(0),
        default=SERVE_MAX_BODY,
        metavar="BYTES",
        help=f"largest request body accepted; a larger one gets 413 (default {SERVE_MAX_BODY:,})",
    )


def _add_sharing_options(p: argparse.ArgumentParser) -> None:
    """What traces keep of credentials, and which clients may read them."""
    p.add_argument(
        "--keep-credentials",
        action="store_true",
        help="store Authorization, Cookie, Set-Cookie and other credential header "
        "values in traces (default: redacted)",
    )
    p.add_argument(
        "--share-traces",
        action="store_true",
        help="show /_edgelab/ (the request UI) and /_edgelab/traces to any client "
        "(default: loopback clients only; replay stays loopback only)",
    )


def _add_trace_size_options(p: argparse.ArgumentParser) -> None:
    """How much of the traces the file and the UI keep."""
    p.add_argument(
        "--trace-max-bytes",
        type=int_in(0),
        default=TRACE_MAX_BYTES,
        metavar="BYTES",
        help=f"rotate the trace file at this size, 0 for never (default {TRACE_MAX_BYTES:,})",
    )
    p.add_argument(
        "--trace-backups",
        type=int_in(0, 1000),
        default=TRACE_BACKUPS,
        metavar="N",
        help=f"rotated trace files to keep: traces.jsonl.1 ... (default {TRACE_BACKUPS})",
    )
    p.add_argument(
        "--trace-body",
        type=int_in(4),
        default=TRACE_BODY_CHARS,
        metavar="CHARS",
        help=f"store each body in a trace up to this many characters (default "
        f"{TRACE_BODY_CHARS:,})",
    )
    p.add_argument(
        "--ui-keep",
        type=int_in(1, UI_KEEP_MAX),
        default=UI_KEEP,
        metavar="N",
        help=f"requests the UI at /_edgelab/ keeps in memory, 1-{UI_KEEP_MAX:,} (default "
        f"{UI_KEEP}; the trace file keeps them all)",
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from ..edge.server import EdgeApp, is_loopback

    mapping = mapping_kwargs(args)
    if _in_process(args.config):  # import such handlers in workers first: none can end us
        check_distribution(args.config, **mapping)
    # Python handlers run in worker processes unless the config says isolated = false:
    # a handler that exits, forks or blocks in C code then costs only its request.
    dist = load_distribution(args.config, default_isolated=True, **mapping)
    trace_file = Path(args.trace_file) if args.trace_file else default_trace_file(args.config)
    app = EdgeApp(
        dist,
        trace_file=trace_file,
        max_body=args.max_body,
        keep_credentials=args.keep_credentials,
        share_traces=args.share_traces,
        trace_max_bytes=args.trace_max_bytes,
        trace_backups=args.trace_backups,
        trace_body_chars=args.trace_body,
        scheme=args.scheme,
        ui_keep=args.ui_keep,
    )
    if not is_loopback(args.host):
        print(
            f"edgelab serve: warning: listening on {args.host}, not a loopback address: "
            "other hosts can reach this server and run your handlers"
            + (
                "; --share-traces also shows them every request's trace"
                if args.share_traces
                else ""
            ),
            file=sys.stderr,
        )
    print(
        f"edgelab serve: {dist!r} on http://{args.host}:{args.port}/ (requests: "
        f"http://{args.host}:{args.port}/_edgelab/; traces: {trace_file})",
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
        app.close()
        dist.close()
    return 0
