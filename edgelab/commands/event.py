"""``edgelab event TRIGGER [options]``: print a Lambda@Edge event as JSON, or with
``--runtime cloudfront-js-1.0|cloudfront-js-2.0`` a CloudFront Functions event."""

from __future__ import annotations

import argparse

from ..cloudfront_functions.event import build_cff_event
from ..cloudfront_functions.features import RUNTIMES as CFF_RUNTIMES
from ..errors import EdgelabError
from ..event.build import DEVICES, build_event, custom_origin, s3_origin
from ._common import int_in, print_json, trigger_type


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "event",
        help="print a Lambda@Edge event for a trigger",
        description="Print a Lambda@Edge event. With no options it has the "
        "key paths and header names of AWS's example event.",
    )
    p.add_argument(
        "trigger",
        type=trigger_type,
        metavar="TRIGGER",
        help="viewer-request, origin-request, origin-response or viewer-response",
    )
    p.add_argument("--uri", default="/", help="request uri (starts with /)")
    p.add_argument(
        "--method",
        default="GET",
        help="HTTP method, a single token such as GET or POST (default GET)",
    )
    p.add_argument("--querystring", default="", help="query string, no leading ?")
    p.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="request header (repeatable; replaces a default of that name)",
    )
    p.add_argument(
        "--cookie",
        action="append",
        default=[],
        metavar="name=value",
        help="a cookie in the Cookie header (repeatable)",
    )
    p.add_argument(
        "--client-ip",
        default="203.0.113.178",
        metavar="IP",
        help="request.clientIp, an IPv4 or IPv6 address (default 203.0.113.178)",
    )
    p.add_argument(
        "--body",
        default=None,
        help="request body (Include Body: base64, truncated at the trigger's limit)",
    )
    p.add_argument(
        "--status",
        type=int_in(200, 599),
        default=None,
        metavar="CODE",
        help="response status, 200-599 (response triggers; default 200)",
    )
    p.add_argument(
        "--response-header",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="response header (response triggers; repeatable; replaces a default of that name)",
    )
    p.add_argument(
        "--country",
        default=None,
        help="CloudFront-Viewer-Country (not in viewer-request, facts §7)",
    )
    p.add_argument(
        "--device",
        choices=DEVICES,
        default=None,
        help="sets the CloudFront-Is-*-Viewer headers (not in viewer-request)",
    )
    p.add_argument(
        "--origin",
        default=None,
        metavar="custom:DOMAIN|s3:DOMAIN",
        help="request.origin for origin triggers",
    )
    p.add_argument(
        "--runtime",
        choices=CFF_RUNTIMES,
        default=None,
        help="print a CloudFront Functions event (viewer-request or viewer-response; "
        "--country and --device allowed at viewer request, facts §7)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.runtime:
        return _run_function_event(args)
    origin = None
    if args.origin:
        kind, sep, domain = args.origin.partition(":")
        if not sep or kind not in ("custom", "s3") or not domain:
            raise EdgelabError(f"--origin must be custom:DOMAIN or s3:DOMAIN; got {args.origin!r}")
        origin = custom_origin(domain) if kind == "custom" else s3_origin(domain)
    event = build_event(
        args.trigger,
        uri=args.uri,
        method=args.method,
        querystring=args.querystring,
        headers=args.header,
        cookies=args.cookie,
        client_ip=args.client_ip,
        body=args.body,
        origin=origin,
        status=args.status,
        response_headers=args.response_header or None,
        country=args.country,
        device=args.device,
    )
    print_json(event)
    return 0


def _run_function_event(args: argparse.Namespace) -> int:
    if args.body is not None or args.origin is not None:
        raise EdgelabError(
            "--body and --origin do not exist for CloudFront Functions: "
            "they cannot read the request body, and change the origin "
            "with cf.updateRequestOrigin (facts §2.2, §5.5)"
        )
    event = build_cff_event(
        args.trigger,
        uri=args.uri,
        method=args.method,
        querystring=args.querystring,
        headers=args.header,
        cookies=args.cookie,
        client_ip=args.client_ip,
        status=args.status,
        response_headers=args.response_header or None,
        country=args.country,
        device=args.device,
    )
    print_json(event)
    return 0
