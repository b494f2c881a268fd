"""``edgelab logs inspect FILES...``: what CloudFront logs hold, without replaying them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._common import int_in, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "logs",
        help="look into CloudFront log files (every format)",
        description="Look into CloudFront log files of any format: legacy "
        "standard logs, standard logging v2 (W3C, plain, JSON, "
        "Parquet) and real-time logs.",
    )
    inner = p.add_subparsers(dest="logs_command", metavar="SUBCOMMAND", required=True)
    i = inner.add_parser(
        "inspect",
        help="detected format, fields, time span, rows, rejected lines, a sample",
        description="For each file (a file, .gz, .parquet, a folder searched recursively, or "
        "a glob): the detected format and why, its fields, the time span, the row "
        "count (read streamed), every line that cannot be used (counted, the first "
        "few shown with line numbers and reasons) and a few sample rows. Nothing "
        "is replayed.",
    )
    i.add_argument(
        "files",
        nargs="+",
        metavar="FILES",
        help="log files, .gz files, folders or globs to inspect",
    )
    i.add_argument(
        "--format",
        default=None,
        metavar="NAME",
        help="auto (default), legacy, v2-w3c, v2-plain, v2-json, v2-parquet, realtime",
    )
    i.add_argument(
        "--fields",
        default=None,
        metavar="F1,F2,...",
        help="field list of files without a header (v2 plain, real-time records)",
    )
    i.add_argument("--delimiter", default=None, help="v2 plain/W3C field delimiter")
    i.add_argument(
        "--sample",
        type=int_in(0, 1000),
        default=3,
        metavar="N",
        help="sample rows, 0-1000 (default 3)",
    )
    i.add_argument("--json", action="store_true", help="print one JSON array")
    i.set_defaults(func=run)


def _span(info: dict[str, Any]) -> str:
    if not info["first"]:
        return "no rows"
    return f"{info['first']} .. {info['last']}"


def run(args: argparse.Namespace) -> int:
    from ..frames.logs import inspect_logs

    fields = [f.strip() for f in args.fields.split(",") if f.strip()] if args.fields else None
    infos = inspect_logs(
        args.files,
        format=args.format,
        fields=fields,
        delimiter=args.delimiter,
        sample=max(args.sample, 0),
    )
    if args.json:
        print_json(infos)
        return 0
    out = sys.stdout
    for info in infos:
        out.write(
            f"{info['path']}\n  format: {info['format']}: {info['description']}\n"
            f"  detected by: {info['detected']}\n"
        )
        out.write(f"  fields ({len(info['fields'])}): {' '.join(info['fields'])}\n")
        out.write(f"  time span: {_span(info)}\n")
        out.write(
            f"  rows: {info['rows']:,}; rejected lines: {info['rejected']:,} (of "
            f"{info['lines']:,} lines: {info['header_lines']:,} header, "
            f"{info['blank_lines']:,} blank)\n"
        )
        for r in info["rejected_lines"]:
            out.write(f"    line {r['source_line']}: {r['reason']}\n")
        if info["rejected"] > len(info["rejected_lines"]):
            out.write(f"    ... {info['rejected'] - len(info['rejected_lines']):,} more\n")
        for note in info["notes"]:
            out.write(f"  note: {note}\n")
        for row in info["sample"]:
            keys = (
                "time",
                "method",
                "host",
                "uri",
                "querystring",
                "edge_location",
                "country",
                "log_status",
                "log_result_type",
                "log_behavior",
            )
            shown = "  ".join(f"{k}={row[k]}" for k in keys if k in row)
            out.write(f"  line {row['source_line']}: {shown}\n")
    total = sum(i["rows"] for i in infos)
    rejected = sum(i["rejected"] for i in infos)
    out.write(f"{len(infos)} file(s), {total:,} rows, {rejected:,} rejected lines\n")
    return 0
