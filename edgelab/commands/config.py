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


#: The repeatable NAME=VALUE mapping options, in help order: (option, dest, metavar,
#: help). ``dest`` is also the keyword of :func:`edgelab.load_definition` they feed.
_PAIR_OPTIONS = (
    (
        "--function",
        "functions",
        "NAME_OR_ARN_OR_LOGICAL_ID=PATH[:export]",
        "a function's local code: a handler file (file:export) or a folder (repeatable)",
    ),
    (
        "--origin",
        "origins",
        "ORIGIN_ID=DIR_OR_URL",
        "serve an origin from a folder (like S3) or a local http:// server "
        "(repeatable; unmapped origins answer with the echo origin)",
    ),
    (
        "--parameter",
        "parameters",
        "NAME=VALUE",
        "a CloudFormation parameter or pseudo-parameter, e.g. AWS::Region=eu-west-1 (repeatable)",
    ),
    (
        "--kvs",
        "key_value_stores",
        "NAME_OR_ARN=FILE.json",
        "a key value store's import file (repeatable)",
    ),
    (
        "--policy",
        "policies",
        "POLICY_ID=FILE.json",
        "a custom policy's get-*-policy JSON, for files that name it by id only (repeatable)",
    ),
)

#: ``--config``'s help where it names any definition edgelab reads
DEFINITION_HELP = (
    "the definition: distribution.toml, a template, a cdk.out folder, API or Terraform JSON"
)


def add_config_option(parser: argparse.ArgumentParser, help: str = DEFINITION_HELP) -> None:
    """``--config FILE``, the definition a command runs (required)."""
    parser.add_argument("--config", required=True, metavar="FILE", help=help)


def add_mapping_options(parser: argparse.ArgumentParser) -> None:
    """The options that map what a definition cannot say locally (README: Your real
    distribution). Paths are relative to the working directory."""
    g = parser.add_argument_group("mapping options")
    for option, dest, metavar, text in _PAIR_OPTIONS:
        g.add_argument(
            option, type=_pair, action="append", default=[], dest=dest, metavar=metavar, help=text
        )
    _add_file_options(g)


def _add_file_options(g: argparse._ArgumentGroup) -> None:
    """Which file says the mappings, which distribution of the file, how to read it."""
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
        **{dest: dict(getattr(args, dest)) for _, dest, _, _ in _PAIR_OPTIONS},
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


def _outbound(spec: DistributionSpec) -> list[str]:
    """``[aws]`` and ``[http]``: what the functions' outbound calls reach."""
    if spec.aws is None and spec.http is None:
        return []
    lines = ["outbound calls (the functions' network: nothing else is reached):"]
    if spec.aws is not None:
        ms = spec.aws.remote_call_ms
        lines.append(
            f"  local AWS: {', '.join(spec.aws.services)}"
            + (f"; seed {', '.join(spec.aws.seed)}" if spec.aws.seed else "")
            + (f"; {_n(ms)} ms per call" if ms is not None else "")
        )
    if spec.http is not None:
        for m in spec.http.mocks:
            answer = ", ".join(f"{k} {v!r}" for k, v in m.response.items()) or "204"
            lines.append(f"  http mock: {m.method or 'any'} {m.url} -> {answer}")
        for host, target in spec.http.hosts.items():
            lines.append(f"  http host: {host} -> {target}")
        if spec.http.remote_call_ms is not None:
            lines.append(f"  http: {_n(spec.http.remote_call_ms)} ms per call")
    return lines


def render(spec: DistributionSpec, indent: str = "") -> str:
    """The readable view of ``edgelab config show``."""
    lines = [
        *_heading(spec),
        "",
        *_behaviors(spec),
        "",
        *_origins(spec),
        *_error_responses(spec),
        *_staging(spec),
        *_outbound(spec),
        *_skipped_and_notes(spec),
    ]
    return "\n".join(indent + line for line in lines)


def _heading(spec: DistributionSpec) -> list[str]:
    lines = [
        f"{spec.name} ({spec.format}, {spec.file})"
        + (f"  id {spec.id}" if spec.id and spec.id != spec.name else "")
        + ("  [staging]" if spec.is_staging else "")
    ]
    if spec.default_root_object:
        lines.append(f"default root object: {spec.default_root_object}")
    return lines


#: the columns of the behaviours table
_BEHAVIOR_COLUMNS = [
    "#",
    "pattern",
    "target",
    "viewer",
    "methods",
    "cache policy",
    "origin request",
    "response headers",
]


def _behaviors(spec: DistributionSpec) -> list[str]:
    """The behaviours as a table, then each one's cache key and functions."""
    rows = [
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
        for i, b in enumerate(spec.behaviors)
    ]
    lines = ["behaviours (evaluation order, first match wins):"]
    lines += ["  " + r for r in _table(rows, _BEHAVIOR_COLUMNS)]
    for i, b in enumerate(spec.behaviors):
        cp = b.cache_policy
        lines.append(
            f"  [{i}] {b.path_pattern}: TTL {_n(cp.min_ttl)}/{_n(cp.default_ttl)}/"
            f"{_n(cp.max_ttl)}; key headers {cp.headers}, cookies {cp.cookies}, "
            f"query strings {cp.query_strings}; cached {','.join(b.cached_methods)}"
            f"{'; compress' if b.compress else ''}"
        )
        lines += [f"      {f}" for f in _functions(b)]
    return lines


def _origins(spec: DistributionSpec) -> list[str]:
    """The origins (with how each is served here), then the origin groups."""
    lines = ["origins:"]
    for o in spec.origins:
        extra = f" path {o.origin_path}" if o.origin_path else ""
        lines.append(f"  {o.id}: {o.kind} {o.domain_name}{extra} -> {_local(o)}")
    if spec.origin_groups:
        lines.append("origin groups:")
        for g in spec.origin_groups:
            codes = ", ".join(map(str, g.failover_status_codes))
            lines.append(f"  {g.id}: {g.primary} then {g.secondary} on {codes}")
    return lines


def _error_responses(spec: DistributionSpec) -> list[str]:
    if not spec.custom_error_responses:
        return []
    lines = ["custom error responses:"]
    for e in spec.custom_error_responses:
        page = (
            f"{e.response_page_path} as {e.response_code or e.error_code}"
            if e.response_page_path
            else "no page"
        )
        lines.append(f"  {e.error_code}: {page}, cached {e.error_caching_min_ttl:g} s")
    return lines


def _staging(spec: DistributionSpec) -> list[str]:
    """Continuous deployment: the policy, then the staging distribution, indented."""
    if not spec.staging:
        return []
    p = spec.staging.policy
    how = (
        f"weight {p.weight:g}"
        if p.type == "SingleWeight"
        else f"header {p.header}: {p.header_value}"
    )
    sticky = p.session_stickiness
    if sticky:
        how += f", sticky (idle {sticky.idle_ttl:g} s, max {sticky.maximum_ttl:g} s)"
    return [
        f"staging ({'enabled' if p.enabled else 'disabled'}, {how}):",
        *("  " + line for line in render(spec.staging.distribution).splitlines()),
    ]


def _skipped_and_notes(spec: DistributionSpec) -> list[str]:
    """What the importer skipped, its notes, and what the chain does not run yet."""
    lines = []
    if spec.skipped:
        lines.append("skipped:")
        lines += [f"  {s.name} ({s.type}): {s.reason}" for s in spec.skipped]
    if spec.notes:
        lines.append("notes:")
        lines += [f"  {n}" for n in spec.notes]
    later = not_run_yet(spec)
    if later:
        lines.append("not run yet (edgelab request, serve and replay say so in each trace):")
        lines += [f"  {n}" for n in later]
    return lines
