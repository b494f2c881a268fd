"""Reading scalar values the way CloudFormation and the CloudFront API accept them.

CloudFormation takes ``"true"``/``"false"`` for booleans and ``"80"`` for numbers (the
SAM Lambda@Edge sample writes ``Enabled: 'true'``), so the readers accept both forms;
anything else is a :class:`~edgelab.errors.DefinitionError` at the value's place.
"""

from __future__ import annotations

from typing import Any

from .decode import Loc


def as_bool(value: Any, loc: Loc) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise loc.error(f"must be true or false; got {value!r}")


def as_number(value: Any, loc: Loc) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise loc.error(f"must be a number; got {value!r}")


def as_int(value: Any, loc: Loc) -> int:
    number = as_number(value, loc)
    if number != int(number):
        raise loc.error(f"must be a whole number; got {value!r}")
    return int(number)


def as_str(value: Any, loc: Loc) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise loc.error(f"must be a string; got {value!r}")


def as_list(value: Any, loc: Loc) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise loc.error(f"must be a list; got {value!r}")


def table(value: Any, loc: Loc) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise loc.error(f"must be a mapping of keys to values; got {value!r}")
