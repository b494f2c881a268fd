"""Which format a definition is, and loading it: :func:`load_definition`.

| input | format |
|---|---|
| ``*.toml`` | edgelab's TOML (today's one-behaviour format or the full form) |
| a ``cdk.out`` folder | ``cdk synth`` output: the ``*.template.json`` holding the distribution |
| JSON/YAML with ``Resources`` | CloudFormation, SAM (``Transform: AWS::Serverless...``), CDK |
| JSON with ``DistributionConfig`` or ``Distribution`` | the CloudFront API's JSON |
| JSON with ``format_version`` and ``values``/``planned_values`` | ``terraform show -json`` |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import DefinitionError
from .cloudformation import is_template, load_cloudformation
from .cloudfront_api import is_api_json, load_cloudfront_api
from .decode import load_file
from .model import DistributionSpec
from .resolve import MappingOptions, mapping_options
from .terraform import is_terraform_json, load_terraform

FORMATS = ("toml", "cloudformation", "cloudfront-api", "terraform")


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def _cdk_template(folder: Path, wanted: str | None) -> Path:
    """The template in a ``cdk.out`` folder that holds the distribution."""
    found: list[tuple[Path, list[str]]] = []
    for template in sorted(folder.glob("*.template.json")):
        try:
            data = load_file(template, _display(template))
        except DefinitionError:
            continue
        resources = data.get("Resources") if isinstance(data, dict) else None
        ids = [
            lid
            for lid, r in (resources or {}).items()
            if isinstance(r, dict) and r.get("Type") == "AWS::CloudFront::Distribution"
        ]
        if ids:
            found.append((template, ids))
    if wanted:
        hits = [t for t, ids in found if wanted in ids]
        if len(hits) == 1:
            return hits[0]
    elif len(found) == 1:
        return found[0][0]
    listing = "; ".join(f"{t.name}: {', '.join(ids)}" for t, ids in found) or "none"
    if not found:
        raise DefinitionError(
            f"no *.template.json in {_display(folder)} has an AWS::CloudFront::Distribution",
            file=_display(folder),
        )
    raise DefinitionError(
        f"pick the distribution with --distribution LOGICAL_ID (or give the "
        f"template file); distributions: {listing}",
        file=_display(folder),
    )


def load_definition_with(
    path: str | Path,
    mappings: MappingOptions,
    *,
    format: str | None = None,
    allow_staging: bool = True,
) -> DistributionSpec:
    """:func:`load_definition` with the mapping options already merged; a map file's
    ``[aws]`` / ``[http]`` replace the definition's."""
    spec = _load_with(path, mappings, format=format, allow_staging=allow_staging)
    if mappings.aws is not None:
        spec = replace(spec, aws=mappings.aws)
    if mappings.http is not None:
        spec = replace(spec, http=mappings.http)
    return spec


def _load_with(
    path: str | Path,
    mappings: MappingOptions,
    *,
    format: str | None,
    allow_staging: bool,
) -> DistributionSpec:
    p = Path(path)
    if p.is_dir():
        p = _cdk_template(p, mappings.distribution)
    if not p.is_file():
        raise DefinitionError(
            f"the definition file {str(path)!r} does not exist; give a "
            "distribution.toml, a CloudFormation/SAM template, a cdk.out "
            "folder, get-distribution-config JSON or terraform show -json "
            "output",
            where="definition",
        )
    display = _display(p)
    cache_dir = mappings.cache_dir or (p.resolve().parent / ".edgelab" / "cache" / p.stem)
    if format not in (None, *FORMATS):
        raise DefinitionError(
            f"format must be one of {', '.join(FORMATS)}; got {format!r}", where="format"
        )
    if format == "toml" or (format is None and p.suffix.lower() == ".toml"):
        from .toml import load_toml

        return load_toml(p, display, mappings, cache_dir, allow_staging=allow_staging)
    data = load_file(p, display)
    if format == "cloudformation" or (format is None and is_template(data)):
        return load_cloudformation(p, display, mappings, cache_dir, data)
    if format == "cloudfront-api" or (format is None and is_api_json(data)):
        return load_cloudfront_api(p, display, mappings, cache_dir, data)
    if format == "terraform" or (format is None and is_terraform_json(data)):
        return load_terraform(p, display, mappings, cache_dir, data)
    raise DefinitionError(
        "not a definition edgelab reads: expected a CloudFormation template "
        "(Resources), CloudFront API JSON (DistributionConfig), terraform "
        "show -json output (format_version + values/planned_values), or a "
        ".toml file",
        file=display,
    )


def load_definition(
    path: str | Path,
    *,
    functions: Mapping[str, str] | None = None,
    origins: Mapping[str, str] | None = None,
    key_value_stores: Mapping[str, str] | None = None,
    policies: Mapping[str, str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    map_file: str | Path | None = None,
    distribution: str | None = None,
    cache_dir: str | Path | None = None,
    format: str | None = None,
) -> DistributionSpec:
    """Read a distribution definition in any format edgelab knows, fully resolved.

    ``functions`` (``{"EdgeFn": "src/index.mjs:handler"}``), ``origins``
    (``{"S3Origin": "site/"}``), ``key_value_stores``, ``policies`` and ``parameters``
    map what the definition cannot say locally; ``map_file`` is a TOML file with the same
    in a ``[mappings]`` table (and ``[aws]`` / ``[http]`` when the functions call out);
    ``distribution`` picks one by logical id or address;
    ``cache_dir`` is where unpacked and inline code goes (default
    ``.edgelab/cache/<file stem>/`` next to the file). Paths given here are relative to
    the working directory; paths inside the files, to their file. Anything unusable is a
    :class:`~edgelab.errors.DefinitionError` naming the file, line and logical id.
    """
    mappings = mapping_options(
        functions=functions,
        origins=origins,
        key_value_stores=key_value_stores,
        policies=policies,
        parameters=parameters,
        map_file=map_file,
        distribution=distribution,
        cache_dir=cache_dir,
    )
    return load_definition_with(path, mappings, format=format)
