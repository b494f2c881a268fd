"""``[aws]`` and ``[http]``: what the functions' outbound calls reach.

edgelab's TOML (either form) and a ``--map`` file may declare them; CloudFormation,
Terraform and the CloudFront API's JSON have no such sections, so a ``--map`` file
carries them for those (README "Handlers that call out")::

    [aws]                    # local AWS services (edgelab.outbound.LocalAws)
    services = ["dynamodb"]  # seed = ["seed/dynamodb.json"], remote_call_ms = 20

    [[http.mocks]]           # what the functions' HTTP calls reach (edgelab.outbound.HttpMocks)
    url = "https://api.example.com/flags/*"   # method, status, headers, body | json
    json = { beta = true }
    [http.hosts]             # names forwarded to loopback servers; remote_call_ms
    "profiles.internal" = "127.0.0.1:9000"

Each table is checked by the constructor that will run it (the same messages as
``el.LocalAws`` and ``el.HttpMocks``), each error naming the key (``aws.services``,
``http.mocks[0]``); seed paths are relative to the file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DefinitionError
from ..outbound.aws import aws_from_config
from ..outbound.mocks import http_mocks_from_config
from .decode import Loc
from .model import HttpMockSpec, HttpSpec, LocalAwsSpec

OUTBOUND_SECTIONS = ("aws", "http")


def read_outbound(
    data: Mapping[str, Any], base: Path, loc: Loc
) -> tuple[LocalAwsSpec | None, HttpSpec | None]:
    """The model of a TOML file's ``[aws]`` and ``[http]`` (None where it has none);
    ``base`` is the file's folder, ``loc`` the file's place for messages."""
    aws = http = None
    for name in OUTBOUND_SECTIONS:
        if name in data and not isinstance(data[name], Mapping):
            raise loc.at(data, name).error(f"must be a table; got {data[name]!r}")
    try:
        if "aws" in data:
            table = data["aws"]
            checked = aws_from_config(table, base)  # the runtime's own checks
            seeds = table.get("seed", [])
            aws = LocalAwsSpec(
                checked.services,
                tuple(
                    str((base / s).resolve())
                    for s in ([seeds] if isinstance(seeds, str) else seeds)
                ),
                checked.remote_call_ms,
                loc.at(data, "aws").source(),
            )
        if "http" in data:
            table = data["http"]
            http_mocks_from_config(table)
            http = HttpSpec(
                tuple(
                    HttpMockSpec(
                        m["url"],
                        {k: v for k, v in m.items() if k not in ("url", "method")},
                        m.get("method"),
                    )
                    for m in table.get("mocks", [])
                ),
                dict(table.get("hosts", {})),
                table.get("remote_call_ms"),
                loc.at(data, "http").source(),
            )
    except ConfigError as exc:
        message = str(exc)
        key = exc.key or "aws"
        raise Loc(loc.file, loc.line, loc.name, key).error(
            message.removeprefix(f"{key} ")
        ) from None
    return aws, http


def read_outbound_file(path: str | Path) -> tuple[LocalAwsSpec | None, HttpSpec | None]:
    """``[aws]`` and ``[http]`` of a TOML file (a distribution.toml or a ``--map``
    file), without reading the rest (``edgelab invoke --config``)."""
    p = Path(path)
    display = str(path)
    if p.suffix.lower() != ".toml" or not p.is_file():
        raise DefinitionError(
            f"{display!r} is not a TOML file; --config takes edgelab's TOML (a "
            "distribution.toml or a --map file) with [aws] and [http] sections",
            where="--config",
        )
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"not valid TOML: {exc}", file=display) from None
    return read_outbound(data, p.resolve().parent, Loc(display))
