"""The ``edgelab`` command line: one sub-command per module in ``edgelab.commands``.

Exit status: 0 when the work ran (handler failures are results, not errors), 2 for
unusable arguments or input (with a one-paragraph message), 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from .errors import EdgelabError

# Each module has ``register(subparsers)``, which adds its parser and sets ``func``.
COMMANDS = (
    "event", "invoke", "rules",
    "lab",
    "traffic", "replay", "report", "demo", "logs",
    "request", "serve", "traces",
    "config",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edgelab",
        description="Learn, prototype and document AWS Lambda@Edge handlers without AWS.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"edgelab.commands.{name}").register(sub)
    return parser


def _put_cwd_on_path() -> None:
    """``python -m edgelab`` has the working directory on sys.path, the ``edgelab``
    console script does not; add it so ``package.module:func`` handlers import the same."""
    cwd = os.getcwd()
    if "" not in sys.path and cwd not in sys.path:
        sys.path.insert(0, cwd)


def main(argv: Sequence[str] | None = None) -> int:
    _put_cwd_on_path()
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
