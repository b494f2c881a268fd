"""Options and output helpers shared by sub-commands."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import TriggerNameError
from ..rules.tables import DEFAULT_RULES, RULE_SETS, RuleSet, get_rules
from ..triggers import Trigger


def add_rules_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        metavar="NAME",
        default=None,
        help=f"rule set to enforce: {', '.join(RULE_SETS)} (default {DEFAULT_RULES.name})",
    )
    parser.add_argument(
        "--set",
        metavar="RULE[.TRIGGER]=VALUE",
        action="append",
        default=[],
        dest="overrides",
        help="override one limit, e.g. timeout=30 or timeout.viewer-request=10 "
        "(repeatable; 'edgelab rules' lists them)",
    )


def rules_from(args: argparse.Namespace, get: Callable[..., RuleSet] = get_rules) -> RuleSet:
    """The rule set ``--rules`` and ``--set`` ask for (``get``: ``get_cff_rules`` for
    CloudFront Functions); a deprecated name is a note on stderr."""
    with warnings.catch_warnings(record=True) as said:  # a deprecated --rules name
        warnings.simplefilter("always", FutureWarning)
        try:
            return get(args.rules, args.overrides or None)
        finally:
            for w in said:
                print(f"note: {w.message}", file=sys.stderr)


def int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (inclusive)."""
    allowed = f"from {low:,} to {high:,}" if high is not None else f"{low:,} or more"

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a whole number {allowed}; got {value!r}"
            ) from None
        if number < low or (high is not None and number > high):
            raise argparse.ArgumentTypeError(f"must be a whole number {allowed}; got {value}")
        return number

    parse.__name__ = "whole number"
    return parse


def trigger_type(value: str) -> str:
    try:
        return Trigger.parse(value).value
    except TriggerNameError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


@contextlib.contextmanager
def clean_stdout() -> Iterator[Any]:
    """Point fd 1 (and sys.stdout) at stderr while work runs; yield the real stdout.

    Handler output, even a raw write to fd 1 from native code, never reaches stdout,
    so stdout carries only the command's own result.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    real = os.fdopen(saved, "w", encoding="utf-8", errors="backslashreplace", closefd=True)
    old = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield real
    finally:
        real.flush()
        sys.stdout = old
        os.dup2(saved, 1) if not real.closed else None
        real.close()


def print_json(data: Any, stream: Any = None) -> None:
    stream = stream or sys.stdout
    stream.write(json.dumps(data, indent=2, default=str) + "\n")
    stream.flush()
