"""The ``edgelab`` command line: one sub-command per module in ``edgelab.commands``.

Exit status: 0 when the work ran (handler failures are results, not errors), 2 for
unusable arguments or input (with a one-paragraph message), 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .errors import EdgelabError

# Each module has ``register(subparsers)``, which adds its parser and sets ``func``.
COMMANDS = (
    "event", "invoke", "rules",
    "lab",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edgelab",
        description="Learn, prototype and document AWS Lambda@Edge handlers without AWS.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"edgelab.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except EdgelabError as exc:
        print(f"edgelab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
