"""``edgelab event TRIGGER [options]``: print a Lambda@Edge event as JSON, or with
``--runtime cloudfront-js-1.0|cloudfront-js-2.0`` a CloudFront Functions event.

The event options are shared with ``edgelab invoke`` (:func:`add_event_options`,
:func:`event_from_args`, :func:`function_event_from_args`), which builds the same event
inline.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..cloudfront_functions.event import build_cff_event
from ..cloudfront_functions.features import RUNTIMES as CFF_RUNTIMES
from ..errors import EdgelabError
from ..event.build import DEVICES, build_event, custom_origin, s3_origin
from ._common import int_in, print_json, trigger_type

#: each event option's value when it is not given
EVENT_DEFAULTS: dict[str, Any] = {
    "uri": "/",
    "method": "GET",
    "querystring": "",
    "header": [],
    "cookie": [],
    "client_ip": "203.0.113.178",
    "body": None,
    "status": None,
    "response_header": [],
    "country": None,
    "device": None,
    "origin": None,
}


def add_event_options(p: argparse.ArgumentParser) -> None:
    """The options that describe an event (their defaults are applied by
    :func:`event_from_args`, so a command can tell whether any was given)."""
    g = p.add_argument_group("event options (as for edgelab event)")
    _add_request_options(g)
    _add_response_options(g)
    _add_cloudfront_options(g)


def add_method_option(parser: argparse._ActionsContainer, default: str | None = None) -> None:
    """``--method`` (``edgelab request`` registers it too, with its default given)."""
    parser.add_argument(
        "--method",
        default=default,
        help="HTTP method, a single token such as GET or POST (default GET)",
    )


def add_cookie_option(parser: argparse._ActionsContainer, default: list[str] | None = None) -> None:
    """``--cookie``, repeatable (``edgelab request`` registers it too, default ``[]``)."""
    parser.add_argument(
        "--cookie",
        action="append",
        default=default,
        metavar="name=value",
        help="a cookie in the Cookie header (repeatable)",
    )


def _add_request_options(g: argparse._ArgumentGroup) -> None:
    """What the viewer sends: the request line, headers, cookies, address and body."""
    g.add_argument("--uri", default=None, help="request uri (starts with /; default /)")
    add_method_option(g)
    g.add_argument("--querystring", default=None, help="query string, no leading ?")
    g.add_argument(
        "--header",
        action="append",
        default=None,
        metavar="'Name: value'",
        help="request header (repeatable; replaces a default of that name)",
    )
    add_cookie_option(g)
    g.add_argument(
        "--client-ip",
        default=None,
        metavar="IP",
        help="request.clientIp, an IPv4 or IPv6 address (default 203.0.113.178)",
    )
    g.add_argument(
        "--body",
        default=None,
        help="request body (Include Body: base64, truncated at the trigger's limit)",
    )


def _add_response_options(g: argparse._ArgumentGroup) -> None:
    """The response the response triggers see."""
    g.add_argument(
        "--status",
        type=int_in(200, 599),
        default=None,
        metavar="CODE",
        help="response status, 200-599 (response triggers; default 200)",
    )
    g.add_argument(
        "--response-header",
        action="append",
        default=None,
        metavar="'Name: value'",
        help="response header (response triggers; repeatable; replaces a default of that name)",
    )


def _add_cloudfront_options(g: argparse._ArgumentGroup) -> None:
    """What CloudFront adds: the viewer's country and device headers, request.origin."""
    g.add_argument(
        "--country",
        default=None,
        help="CloudFront-Viewer-Country (not in viewer-request, facts §7)",
    )
    g.add_argument(
        "--device",
        choices=DEVICES,
        default=None,
        help="sets the CloudFront-Is-*-Viewer headers (not in viewer-request)",
    )
    g.add_argument(
        "--origin",
        default=None,
        metavar="custom:DOMAIN|s3:DOMAIN",
        help="request.origin for origin triggers",
    )


def event_options_given(args: argparse.Namespace) -> list[str]:
    """The event options given on the command line, as ``--name``."""
    return [
        "--" + name.replace("_", "-")
        for name in EVENT_DEFAULTS
        if getattr(args, name, None) not in (None, [])
    ]


def _values(args: argparse.Namespace) -> dict[str, Any]:
    """Each event option's value, its default when it was not given."""
    return {
        name: default if getattr(args, name, None) is None else getattr(args, name)
        for name, default in EVENT_DEFAULTS.items()
    }


def event_from_args(args: argparse.Namespace, trigger: str) -> dict[str, Any]:
    """The event the options describe, for ``trigger``."""
    v = _values(args)
    origin = None
    if v["origin"]:
        kind, sep, domain = v["origin"].partition(":")
        if not sep or kind not in ("custom", "s3") or not domain:
            raise EdgelabError(f"--origin must be custom:DOMAIN or s3:DOMAIN; got {v['origin']!r}")
        origin = custom_origin(domain) if kind == "custom" else s3_origin(domain)
    return build_event(trigger, body=v["body"], origin=origin, **_event_values(v))


def _event_values(v: dict[str, Any]) -> dict[str, Any]:
    """The options both kinds of event take, as the event builders' keywords."""
    return {
        "uri": v["uri"],
        "method": v["method"],
        "querystring": v["querystring"],
        "headers": v["header"],
        "cookies": v["cookie"],
        "client_ip": v["client_ip"],
        "status": v["status"],
        "response_headers": v["response_header"] or None,
        "country": v["country"],
        "device": v["device"],
    }


def function_event_from_args(args: argparse.Namespace, trigger: str) -> dict[str, Any]:
    """The CloudFront Functions event the options describe, for ``trigger``."""
    if args.body is not None or args.origin is not None:
        raise EdgelabError(
            "--body and --origin do not exist for CloudFront Functions: "
            "they cannot read the request body, and change the origin "
            "with cf.updateRequestOrigin (facts §2.2, §5.5)"
        )
    v = _values(args)
    return build_cff_event(trigger, **_event_values(v))


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
    add_event_options(p)
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
        print_json(function_event_from_args(args, args.trigger))
    else:
        print_json(event_from_args(args, args.trigger))
    return 0
