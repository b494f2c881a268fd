"""``edgelab config``: the normalised distribution a definition file describes.

    edgelab config show FILE [--json] [mapping options]
    edgelab config decisions [--json]

``show`` reads any format (TOML, CloudFormation/SAM/CDK, CloudFront API JSON, Terraform
``show -json``) and prints the behaviours in evaluation order with their policies
expanded and functions resolved, the origins, origin groups, error responses, staging,
what was skipped and the notes; ``--json`` prints the whole model
(``DistributionSpec.to_dict()``). The mapping options (:func:`add_mapping_options`) are
the ones every command that reads a definition takes.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..edge.config import not_run_yet
from ..errors import DefinitionError
from ._common import print_json

if TYPE_CHECKING:  # the definitions package is imported when a sub-command runs
    from ..definitions.model import Behavior, DistributionSpec, Origin

#: the same as ``edgelab.definitions.FORMATS`` (a test keeps them equal).
FORMATS = ("toml", "cloudformation", "cloudfront-api", "terraform")


def _pair(value: str) -> tuple[str, str]:
    key, sep, rest = value.partition("=")
    if not sep or not key or not rest:
        raise argparse.ArgumentTypeError(f"must be NAME=VALUE; got {value!r}")
    return key, rest


def add_mapping_options(parser: argparse.ArgumentParser) -> None:
    """The options that map what a definition cannot say locally (README: Your real
    distribution). Paths are relative to the working directory."""
    g = parser.add_argument_group("mapping options")
    g.add_argument(
        "--function",
        type=_pair,
        action="append",
        default=[],
        dest="functions",
        metavar="NAME_OR_ARN_OR_LOGICAL_ID=PATH[:export]",
        help="a function's local code: a handler file (file:export) or a folder (repeatable)",
    )
    g.add_argument(
        "--origin",
        type=_pair,
        action="append",
        default=[],
        dest="origins",
        metavar="ORIGIN_ID=DIR_OR_URL",
        help="serve an origin from a folder (like S3) or a local http:// server "
        "(repeatable; unmapped origins answer with the echo origin)",
    )
    g.add_argument(
        "--parameter",
        type=_pair,
        action="append",
        default=[],
        dest="parameters",
        metavar="NAME=VALUE",
        help="a CloudFormation parameter or pseudo-parameter, e.g. "
        "AWS::Region=eu-west-1 (repeatable)",
    )
    g.add_argument(
        "--kvs",
        type=_pair,
        action="append",
        default=[],
        dest="key_value_stores",
        metavar="NAME_OR_ARN=FILE.json",
        help="a key value store's import file (repeatable)",
    )
    g.add_argument(
        "--policy",
        type=_pair,
        action="append",
        default=[],
        dest="policies",
        metavar="POLICY_ID=FILE.json",
        help="a custom policy's get-*-policy JSON, for files that name it by id only (repeatable)",
    )
    g.add_argument(
        "--map",
        metavar="FILE",
        dest="map_file",
        help="a TOML file with a [mappings] table (functions, origins, "
        "key_value_stores, policies, parameters); paths relative to it",
    )
    g.add_argument(
        "--distribution",
        metavar="LOGICAL_ID_OR_ADDRESS",
        help="which distribution, when the file has several",
    )
    g.add_argument(
        "--format", choices=FORMATS, default=None, help="the file's format (default: detected)"
    )
    g.add_argument(
        "--cache-dir",
        metavar="DIR",
        default=None,
        help="where inline and zipped code is written (default: "
        ".edgelab/cache/<file stem>/ next to the file)",
    )


def mapping_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for :func:`edgelab.load_definition` from the mapping options."""
    return {
        "functions": dict(args.functions),
        "origins": dict(args.origins),
        "parameters": dict(args.parameters),
        "key_value_stores": dict(args.key_value_stores),
        "policies": dict(args.policies),
        "map_file": args.map_file,
        "distribution": args.distribution,
        "format": args.format,
        "cache_dir": args.cache_dir,
    }


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "config",
        help="show the normalised distribution a definition describes",
        description="Read a distribution definition (TOML, CloudFormation, SAM, "
        "cdk synth output, CloudFront API JSON, terraform show "
        "-json) and show what edgelab makes of it.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser(
        "show",
        help="the normalised distribution: behaviours in "
        "evaluation order, origins, policies, functions",
    )
    show.add_argument("file", metavar="FILE", help="the definition file (or a cdk.out folder)")
    show.add_argument("--json", action="store_true", help="print the whole model as JSON")
    add_mapping_options(show)
    show.set_defaults(func=run_show)
    decisions = actions.add_parser("decisions", help="how the importers read UNSURE facts")
    decisions.add_argument("--json", action="store_true", help="print JSON rows")
    decisions.set_defaults(func=run_decisions)


def run_show(args: argparse.Namespace) -> int:
    from ..definitions import load_definition

    if not Path(args.file).exists():
        raise DefinitionError(f"the definition file {args.file!r} does not exist", where="FILE")
    spec = load_definition(args.file, **mapping_kwargs(args))
    if args.json:
        print_json(spec.to_dict())
    else:
        print(render(spec))
    return 0


def run_decisions(args: argparse.Namespace) -> int:
    from ..definitions import DEFINITION_DECISIONS

    rows = [
        {"topic": d.topic, "section": d.section, "decision": d.decision}
        for d in DEFINITION_DECISIONS
    ]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['section']:<10} {r['topic']}: {r['decision']}")
    return 0


# -- the text view --------------------------------------------------------------------------
def _policy(p: Any) -> str:
    if p is None:
        return "-"
    tag = " (managed)" if p.managed else " (legacy)" if getattr(p, "legacy", False) else ""
    return f"{p.name}{tag}"


def _n(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _local(o: Origin) -> str:
    t = o.local
    where = {
        "folder": t.path,
        "http": t.url,
        "mapping": f"{len(t.responses)} paths",
        "callable": str(t.handler),
        "echo": "answers with what it received",
    }[t.kind]
    return f"{t.kind}: {where} [{t.mapped_by}]"


def _functions(b: Behavior) -> list[str]:
    out = []
    for a in b.functions:
        f = a.function
        body = " +body" if a.include_body else ""
        where = f.path or getattr(f, "handler", "")
        export = getattr(f, "export", "")
        store = getattr(f, "key_value_store", None)
        kvs = (
            f" kvs {store.name}: {store.data_path or 'empty (map it with --kvs)'}"
            if store is not None
            else ""
        )
        out.append(
            f"{a.event_type}: {f.kind} {f.name} ({f.runtime}){body} "
            f"{where}{':' + export if export else ''}{kvs}"
        )
    return out


def _table(rows: list[list[str]], head: list[str]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    return lines


def render(spec: DistributionSpec, indent: str = "") -> str:
    """The readable view of ``edgelab config show``."""
    lines = [
        f"{spec.name} ({spec.format}, {spec.file})"
        + (f"  id {spec.id}" if spec.id and spec.id != spec.name else "")
        + ("  [staging]" if spec.is_staging else "")
    ]
    if spec.default_root_object:
        lines.append(f"default root object: {spec.default_root_object}")
    lines.append("")
    lines.append("behaviours (evaluation order, first match wins):")
    rows = []
    for i, b in enumerate(spec.behaviors):
        rows.append(
            [
                str(i),
                b.path_pattern,
                b.target_origin_id,
                b.viewer_protocol_policy,
                ",".join(b.allowed_methods),
                _policy(b.cache_policy),
                _policy(b.origin_request_policy),
                _policy(b.response_headers_policy),
            ]
        )
    lines += [
        "  " + r
        for r in _table(
            rows,
            [
                "#",
                "pattern",
                "target",
                "viewer",
                "methods",
                "cache policy",
                "origin request",
                "response headers",
            ],
        )
    ]
    for i, b in enumerate(spec.behaviors):
        cp = b.cache_policy
        lines.append(
            f"  [{i}] {b.path_pattern}: TTL {_n(cp.min_ttl)}/{_n(cp.default_ttl)}/"
            f"{_n(cp.max_ttl)}; key headers {cp.headers}, cookies {cp.cookies}, "
            f"query strings {cp.query_strings}; cached {','.join(b.cached_methods)}"
            f"{'; compress' if b.compress else ''}"
        )
        for f in _functions(b):
            lines.append(f"      {f}")
    lines.append("")
    lines.append("origins:")
    for o in spec.origins:
        extra = f" path {o.origin_path}" if o.origin_path else ""
        lines.append(f"  {o.id}: {o.kind} {o.domain_name}{extra} -> {_local(o)}")
    if spec.origin_groups:
        lines.append("origin groups:")
        for g in spec.origin_groups:
            codes = ", ".join(map(str, g.failover_status_codes))
            lines.append(f"  {g.id}: {g.primary} then {g.secondary} on {codes}")
    if spec.custom_error_responses:
        lines.append("custom error responses:")
        for e in spec.custom_error_responses:
            page = (
                f"{e.response_page_path} as {e.response_code or e.error_code}"
                if e.response_page_path
                else "no page"
            )
            lines.append(f"  {e.error_code}: {page}, cached {e.error_caching_min_ttl:g} s")
    if spec.staging:
        p = spec.staging.policy
        how = (
            f"weight {p.weight:g}"
            if p.type == "SingleWeight"
            else f"header {p.header}: {p.header_value}"
        )
        sticky = p.session_stickiness
        if sticky:
            how += f", sticky (idle {sticky.idle_ttl:g} s, max {sticky.maximum_ttl:g} s)"
        lines.append(f"staging ({'enabled' if p.enabled else 'disabled'}, {how}):")
        lines += ["  " + line for line in render(spec.staging.distribution).splitlines()]
    if spec.skipped:
        lines.append("skipped:")
        for s in spec.skipped:
            lines.append(f"  {s.name} ({s.type}): {s.reason}")
    if spec.notes:
        lines.append("notes:")
        lines += [f"  {n}" for n in spec.notes]
    later = not_run_yet(spec)
    if later:
        lines.append("not run yet (edgelab request, serve and replay say so in each trace):")
        lines += [f"  {n}" for n in later]
    return "\n".join(indent + line for line in lines)
