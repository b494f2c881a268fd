"""CloudFormation JSON/YAML, SAM templates and ``cdk synth`` output (facts §11.1-§11.4).

The chosen ``AWS::CloudFront::Distribution`` (``--distribution LOGICAL_ID`` when there
are several; staging distributions are not picked by themselves) is resolved through the
intrinsic functions (:mod:`.intrinsics`) and built by :mod:`.build`. What it references
is followed inside the template:

* policies: ``AWS::CloudFront::CachePolicy``, ``OriginRequestPolicy``,
  ``ResponseHeadersPolicy``, ``ContinuousDeploymentPolicy`` (and through it the staging
  ``AWS::CloudFront::Distribution`` whose domain it names);
* Lambda@Edge: ``LambdaFunctionARN`` -> ``AWS::Lambda::Version`` (or SAM's
  ``Fn.Version``, or an alias) -> ``AWS::Lambda::Function`` with inline ``Code.ZipFile``
  (written to the cache as ``index.js``/``index.py``), a CDK asset
  (``Metadata.aws:asset:path``, a folder or zip beside the template) or SAM's
  ``AWS::Serverless::Function`` (``CodeUri`` folder or zip, ``InlineCode``, ``Globals``);
  ``Runtime`` decides Python or Node.js, ``Handler`` the file and export; CDK's
  cross-region ``EdgeFunction`` (a ``Custom::CrossRegionStringParameterReader``) is
  followed into the edge stack's template beside this one, through the SSM parameter it
  writes;
* CloudFront Functions: ``AWS::CloudFront::Function`` (inline ``FunctionCode`` written to
  the cache as a ``.js`` file, ``FunctionConfig.Runtime``, ``KeyValueStoreAssociations``
  -> ``AWS::CloudFront::KeyValueStore`` whose ``ImportSource`` is a CDK asset when the
  template comes from ``cdk synth``);
* origins: an S3 origin whose bucket a CDK ``BucketDeployment`` fills from an asset
  folder is served from that folder; other origins need ``--origin`` (else the echo
  origin answers).

Resource types edgelab does not model are listed as skipped; ``Fn::GetAtt`` on them
gives a placeholder and a note.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .build import Importer, arn_function_name, arn_keys, build_distribution
from .decode import Loc, line_of, load_file
from .intrinsics import NOVALUE, Template
from .model import (
    CloudFrontFunction,
    DistributionSpec,
    KeyValueStore,
    LambdaEdgeFunction,
    LocalTarget,
    Skipped,
    Staging,
)
from .policies import (
    cache_policy,
    continuous_deployment_policy,
    origin_request_policy,
    response_headers_policy,
)
from .resolve import MappingOptions, unzip

FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
MODELLED = {
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::OriginRequestPolicy",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::CloudFront::ContinuousDeploymentPolicy",
    "AWS::CloudFront::Function",
    "AWS::CloudFront::KeyValueStore",
    "AWS::Lambda::Function",
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::Serverless::Function",
    "AWS::S3::Bucket",
    "Custom::CDKBucketDeployment",
    "Custom::CrossRegionStringParameterReader",
}
POLICY_TYPES = {
    "cache": ("AWS::CloudFront::CachePolicy", "CachePolicyConfig", cache_policy),
    "origin_request": (
        "AWS::CloudFront::OriginRequestPolicy",
        "OriginRequestPolicyConfig",
        origin_request_policy,
    ),
    "response_headers": (
        "AWS::CloudFront::ResponseHeadersPolicy",
        "ResponseHeadersPolicyConfig",
        response_headers_policy,
    ),
}
_ASSET_KEY = re.compile(r"([0-9a-f]{64})(\.[A-Za-z0-9]+)?$")


def stack_name(path: Path) -> str:
    name = path.name
    for suffix in (".template.json", ".template.yaml", ".json", ".yaml", ".yml", ".template"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def is_template(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("Resources"), dict)


class CloudFormationImporter(Importer):
    """Follows what a distribution references inside one template."""

    default_http_version = "http1.1"  # facts §11.1: CloudFormation's default

    def __init__(
        self,
        file: Path,
        display: str,
        mappings: MappingOptions,
        cache_dir: Path,
        data: dict[str, Any],
    ) -> None:
        super().__init__(file, display, mappings, cache_dir)
        self.base = file.parent
        self.tpl = Template(
            data, Loc(display, getattr(data, "line", None)), mappings.parameters, stack_name(file)
        )
        transform = data.get("Transform") or []
        transforms = [transform] if isinstance(transform, str) else list(transform)
        resources = self.tpl.resources.values()
        cdk = any(
            isinstance(r, dict)
            and isinstance(r.get("Metadata"), dict)
            and "aws:cdk:path" in r["Metadata"]
            for r in resources
        )
        self.format = (
            "sam"
            if any(str(t).startswith("AWS::Serverless") for t in transforms)
            else "cdk"
            if cdk or (self.base / "manifest.json").is_file()
            else "cloudformation"
        )
        self._assets: dict[str, Path] | None = None

    # -- choosing the distribution ----------------------------------------------------------
    def distributions(self) -> list[str]:
        return [
            lid
            for lid, r in self.tpl.resources.items()
            if isinstance(r, dict)
            and r.get("Type") == "AWS::CloudFront::Distribution"
            and self.tpl.exists(lid)
        ]

    def choose(self) -> str:
        found = self.distributions()
        wanted = self.mappings.distribution
        if wanted:
            if wanted not in found:
                raise self.tpl.loc.error(
                    f"--distribution {wanted}: no AWS::CloudFront::Distribution with that "
                    f"logical id; the template has: {', '.join(found) or 'none'}"
                )
            return wanted
        primary = [
            lid for lid in found if not _truthy(self.tpl.prop(lid, "DistributionConfig", "Staging"))
        ]
        if len(primary) == 1:
            return primary[0]
        if not found:
            raise self.tpl.loc.error("the template has no AWS::CloudFront::Distribution resource")
        raise self.tpl.loc.error(
            f"the template has {len(found)} distributions "
            f"({', '.join(found)}); pick one with --distribution "
            "LOGICAL_ID"
        )

    def build(self, lid: str, *, allow_staging: bool = True) -> DistributionSpec:
        loc = self.tpl.resource_loc(lid)
        res = self.tpl.resources[lid]
        props = res.get("Properties") or {}
        if "DistributionConfig" not in props:
            raise loc.error("an AWS::CloudFront::Distribution needs Properties.DistributionConfig")
        cloc = Loc(self.display, line_of(props, "DistributionConfig") or loc.line, lid)
        config = self.tpl.resolve(props["DistributionConfig"], cloc)
        spec = build_distribution(
            self,
            config,
            cloc,
            name=lid,
            dist_id=lid,
            domain_name=f"{lid.lower()}.cloudfront.net",
            allow_staging=allow_staging,
        )
        return spec

    def skipped_resources(self, used: set[str]) -> None:
        for lid, res in self.tpl.resources.items():
            rtype = res.get("Type", "") if isinstance(res, dict) else ""
            loc = self.tpl.resource_loc(lid)
            if rtype == "AWS::CloudFront::Distribution" and lid not in used:
                reason = "another distribution (pick it with --distribution)"
            elif rtype not in MODELLED:
                reason = "not part of what edgelab models"
            else:
                continue
            self.skipped.append(Skipped(lid, rtype, reason, loc.source()))

    # -- policies ---------------------------------------------------------------------------
    def custom_policy(self, kind: str, policy_id: str, loc: Loc) -> Any | None:
        lid = self.tpl.tokens.get(policy_id, policy_id)
        rtype, config_key, build = POLICY_TYPES[kind]
        if self.tpl.rtype(lid) != rtype:
            if lid in self.tpl.resources and lid != policy_id:
                raise loc.error(
                    f"{policy_id!r} refers to {lid} ({self.tpl.rtype(lid)}), not an {rtype}"
                )
            return None
        rloc = self.tpl.resource_loc(lid)
        config = self.tpl.prop(lid, config_key)
        if config is None:
            raise rloc.error(f"an {rtype} needs Properties.{config_key}")
        return build(
            config, Loc(rloc.file, getattr(config, "line", rloc.line), lid, config_key), lid
        )

    # -- functions --------------------------------------------------------------------------
    def _follow(self, arn: str) -> tuple[str | None, list[str]]:
        """The function resource an association's ARN leads to, and the logical ids on
        the way (version, alias)."""
        lid = self.tpl.tokens.get(arn)
        via: list[str] = []
        for _ in range(4):
            if lid is None:
                return None, via
            rtype = self.tpl.rtype(lid)
            if rtype in FUNCTION_TYPES:
                return lid, via
            if "." in lid and self.tpl.rtype(lid.rpartition(".")[0]) in FUNCTION_TYPES:
                via.append(lid)
                return lid.rpartition(".")[0], via
            if rtype in ("AWS::Lambda::Version", "AWS::Lambda::Alias"):
                via.append(lid)
                target = self.tpl.prop(lid, "FunctionName")
                lid = self.tpl.tokens.get(target) if isinstance(target, str) else None
                continue
            via.append(lid)
            return None, via
        return None, via

    def _cross_region(self, reader: str, event: str, loc: Loc) -> LambdaEdgeFunction | None:
        """CDK's ``EdgeFunction`` from a stack outside us-east-1 (facts §11.4): the
        association reads an SSM parameter that the edge stack's template (beside this one
        in ``cdk.out``) writes with the version's ARN; follow it into that template."""
        name = self.tpl.prop(reader, "ParameterName")
        for other in sorted(self.base.glob("*.template.json")):
            if other.resolve() == self.file.resolve():
                continue
            data = load_file(other, str(other))
            if not is_template(data):
                continue
            for lid, res in data["Resources"].items():
                if not isinstance(res, dict) or res.get("Type") != "AWS::SSM::Parameter":
                    continue
                sub = CloudFormationImporter(
                    other, _display(other), self.mappings, self.finder.cache_dir, data
                )
                if sub.tpl.prop(lid, "Name") != name:
                    continue
                sub.finder = self.finder
                value = sub.tpl.prop(lid, "Value")
                self.note(
                    f"{loc}: {reader} reads {name}, which {other.name} writes; "
                    "following the function there"
                )
                found = sub.lambda_function(str(value), event, loc)
                self.notes.extend(n for n in sub.notes if n not in self.notes)
                return found
        return self.finder.lambda_function(
            name=reader,
            arn=str(name),
            keys=[reader, str(name)],
            loc=loc,
            event=event,
            runtime=None,
            handler=None,
            code_dir=None,
            code_from="",
            missing_reason=f"{reader} reads the SSM parameter {name}, and no template beside "
            "this one writes it (is the edge stack's template in the same cdk.out?)",
        )

    def lambda_function(self, arn: str, event: str, loc: Loc) -> LambdaEdgeFunction | None:
        reader = self.tpl.tokens.get(arn)
        if reader and self.tpl.rtype(reader) == "Custom::CrossRegionStringParameterReader":
            return self._cross_region(reader, event, loc)
        fn, via = self._follow(arn)
        keys = [fn or "", *via, *arn_keys(arn)]
        if fn is None:
            what = (
                f"it leads to {via[-1]} ({self.tpl.rtype(via[-1]) or 'not a resource'})"
                if via
                else "it is not a function of this template"
            )
            return self.finder.lambda_function(
                name=arn_function_name(arn),
                arn=arn,
                keys=keys,
                loc=loc,
                event=event,
                runtime=None,
                handler=None,
                code_dir=None,
                code_from="",
                missing_reason=f"{arn!r}: {what}",
            )
        if not via:
            self.note(
                f"{loc}: {fn} is associated without a published version; CloudFront "
                "requires a numbered version ARN (facts §3.6), edgelab runs the code"
            )
        tpl = self.tpl
        floc = tpl.resource_loc(fn)
        runtime = tpl.prop(fn, "Runtime")
        handler = tpl.prop(fn, "Handler")
        name = tpl.function_name(fn)
        code_dir, code_from, reason = self._code(fn, runtime, handler)
        memory = tpl.prop(fn, "MemorySize")
        timeout = tpl.prop(fn, "Timeout")
        return self.finder.lambda_function(
            name=name,
            arn=arn,
            keys=[fn, *via, name, *arn_keys(arn)],
            loc=floc,
            event=event,
            runtime=runtime if isinstance(runtime, str) else None,
            handler=handler if isinstance(handler, str) else None,
            code_dir=code_dir,
            code_from=code_from,
            missing_reason=reason,
            memory_mb=None if _number(memory) is None else int(_number(memory) or 0),
            timeout_s=_number(timeout),
        )

    def _code(self, fn: str, runtime: Any, handler: Any) -> tuple[Path | None, str, str]:
        """(folder with the code, how it was found, why not)."""
        tpl = self.tpl
        res = tpl.resources[fn]
        meta = res.get("Metadata") or {}
        if isinstance(meta, dict) and meta.get("aws:asset:path"):
            path = (self.base / str(meta["aws:asset:path"])).resolve()
            if path.is_dir():
                return path, "cdk asset", ""
            if path.is_file() and path.suffix == ".zip":
                return unzip(path, self.finder.cache_dir, tpl.resource_loc(fn)), "cdk asset", ""
            return None, "", f"its CDK asset {meta['aws:asset:path']} is not beside the template"
        if tpl.rtype(fn) == "AWS::Serverless::Function":
            inline = tpl.prop(fn, "InlineCode")
            if isinstance(inline, str):
                return (
                    self.finder.inline_lambda_dir(
                        fn, str(runtime or ""), str(handler or ""), inline
                    ),
                    "inline",
                    "",
                )
            uri = tpl.prop(fn, "CodeUri")
            if isinstance(uri, str) and not uri.startswith("s3://"):
                path = (self.base / uri).resolve()
                if path.is_dir():
                    return path, "code uri", ""
                if path.is_file() and path.suffix == ".zip":
                    return unzip(path, self.finder.cache_dir, tpl.resource_loc(fn)), "code uri", ""
                return None, "", f"its CodeUri {uri} does not exist beside the template"
            if uri is None:
                return self.base, "code uri", ""  # SAM's default CodeUri is the template dir
            return None, "", f"its CodeUri is in S3 ({_text(uri)})"
        code = tpl.prop(fn, "Code") or {}
        if isinstance(code, dict) and isinstance(code.get("ZipFile"), str):
            return (
                self.finder.inline_lambda_dir(
                    fn, str(runtime or ""), str(handler or ""), code["ZipFile"]
                ),
                "inline",
                "",
            )
        if isinstance(code, dict) and code.get("S3Key"):
            asset = self.asset(str(code["S3Key"]))
            if asset is not None:
                if asset.is_dir():
                    return asset, "cdk asset", ""
                return unzip(asset, self.finder.cache_dir, tpl.resource_loc(fn)), "cdk asset", ""
            return (
                None,
                "",
                (f"its code is in S3 (s3://{_text(code.get('S3Bucket'))}/{code['S3Key']})"),
            )
        if isinstance(code, dict) and code.get("ImageUri"):
            return None, "", "it is a container image, which Lambda@Edge does not run"
        return None, "", "it has no Code"

    def asset(self, key: str) -> Path | None:
        """A CDK asset by its S3 object key (``<hash>.zip``), via ``*.assets.json`` or the
        ``asset.<hash>`` naming beside the template (facts §11.4)."""
        if self._assets is None:
            self._assets = {}
            for manifest in sorted(self.base.glob("*.assets.json")):
                try:
                    files = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
                except (OSError, ValueError):
                    continue
                for entry in files.values():
                    source = (entry.get("source") or {}).get("path")
                    for dest in (entry.get("destinations") or {}).values():
                        if source and dest.get("objectKey"):
                            self._assets[dest["objectKey"]] = self.base / source
        name = key.rpartition("/")[2]
        if name in self._assets and self._assets[name].exists():
            return self._assets[name]
        m = _ASSET_KEY.search(name)
        if m:
            for candidate in (
                self.base / f"asset.{m.group(1)}",
                self.base / f"asset.{m.group(1)}{m.group(2) or ''}",
            ):
                if candidate.exists():
                    return candidate
        return None

    def cloudfront_function(self, arn: str, event: str, loc: Loc) -> CloudFrontFunction | None:
        lid = self.tpl.tokens.get(arn)
        if lid is None or self.tpl.rtype(lid) != "AWS::CloudFront::Function":
            name = arn.rpartition("/")[2] or arn
            return self.finder.cloudfront_function(
                name=name,
                arn=arn,
                keys=[lid or "", arn, name],
                loc=loc,
                event=event,
                runtime=None,
                code=None,
                missing_reason=f"{arn!r} is not an AWS::CloudFront::Function of this template",
            )
        tpl = self.tpl
        floc = tpl.resource_loc(lid)
        name = str(tpl.prop(lid, "Name") or lid)
        config = tpl.prop(lid, "FunctionConfig") or {}
        runtime = config.get("Runtime") if isinstance(config, dict) else None
        kvs = None
        assoc = config.get("KeyValueStoreAssociations") if isinstance(config, dict) else None
        if assoc:
            if len(assoc) > 1:
                raise floc.error(
                    "a CloudFront Function has at most one key value store "
                    "(cloudfront-functions-facts §5.4)"
                )
            kvs = self._key_value_store(str(assoc[0].get("KeyValueStoreARN", "")), floc)
        code = tpl.prop(lid, "FunctionCode")
        return self.finder.cloudfront_function(
            name=name,
            arn=arn,
            keys=[lid, name, arn],
            loc=floc,
            event=event,
            runtime=runtime if isinstance(runtime, str) else None,
            code=code if isinstance(code, str) else None,
            key_value_store=kvs,
            missing_reason="it has no inline FunctionCode",
        )

    def _key_value_store(self, arn: str, loc: Loc) -> KeyValueStore:
        lid = self.tpl.tokens.get(arn)
        if lid is None or self.tpl.rtype(lid) != "AWS::CloudFront::KeyValueStore":
            self.note(
                f"{loc}: key value store {arn} is not in this template; its data is "
                f"empty unless mapped with --kvs {arn}=FILE.json"
            )
            return self.finder.key_value_store(
                name=arn.rpartition("/")[2], arn=arn, keys=[arn, arn.rpartition("/")[2]], loc=loc
            )
        name = str(self.tpl.prop(lid, "Name") or lid)
        source = self.tpl.prop(lid, "ImportSource", "SourceArn")
        data_path = None
        if isinstance(source, str):
            data_path = self.asset(source)
            if data_path is None:
                self.note(
                    f"{self.tpl.resource_loc(lid)}: the import file of key value store "
                    f"{name} ({source}) is not local; map it with --kvs {lid}=FILE.json"
                )
        return self.finder.key_value_store(
            name=name,
            arn=arn,
            keys=[lid, name, arn],
            loc=self.tpl.resource_loc(lid),
            data_path=data_path,
        )

    # -- origins and staging ----------------------------------------------------------------
    def local_origin(self, origin_id: str, config: dict[str, Any], loc: Loc) -> LocalTarget | None:
        bucket = self.tpl.tokens.get(str(config.get("DomainName", "")))
        if bucket is None or self.tpl.rtype(bucket) != "AWS::S3::Bucket":
            return None
        bucket_ref = self.tpl.resource_ref(bucket)
        for lid, res in self.tpl.resources.items():
            if not isinstance(res, dict) or res.get("Type") != "Custom::CDKBucketDeployment":
                continue
            if self.tpl.prop(lid, "DestinationBucketName") != bucket_ref:
                continue
            keys = self.tpl.prop(lid, "SourceObjectKeys") or []
            prefix = self.tpl.prop(lid, "DestinationBucketKeyPrefix") or ""
            folders = [self.asset(str(k)) for k in keys]
            folders = [f for f in folders if f is not None and f.is_dir()]
            if prefix or len(folders) != 1 or len(keys) != 1:
                self.note(
                    f"{loc}: bucket {bucket} is filled by {lid}, but not from exactly "
                    "one asset folder without a key prefix; map the origin with "
                    f"--origin {origin_id}=DIR"
                )
                return None
            self.note(
                f"{loc}: origin {origin_id} serves {folders[0].name}, the asset that "
                f"{lid} deploys to bucket {bucket}"
            )
            return LocalTarget("folder", path=str(folders[0]), mapped_by="cdk bucket deployment")
        return None

    def staging(self, policy_id: str, loc: Loc) -> Staging | None:
        lid = self.tpl.tokens.get(policy_id, policy_id)
        if self.tpl.rtype(lid) != "AWS::CloudFront::ContinuousDeploymentPolicy":
            return super().staging(policy_id, loc)
        rloc = self.tpl.resource_loc(lid)
        config = self.tpl.prop(lid, "ContinuousDeploymentPolicyConfig")
        policy = continuous_deployment_policy(
            config,
            Loc(
                rloc.file,
                getattr(config, "line", rloc.line),
                lid,
                "ContinuousDeploymentPolicyConfig",
            ),
            lid,
        )
        staged = [self.tpl.tokens.get(n) for n in policy.staging_domain_names]
        target = next(
            (s for s in staged if s and self.tpl.rtype(s) == "AWS::CloudFront::Distribution"), None
        )
        if target is None:
            self.note(
                f"{rloc}: the staging distribution {list(policy.staging_domain_names)} "
                "is not in this template; staging is not modelled"
            )
            return None
        outer_notes, outer_skipped = self.notes, self.skipped
        self.notes, self.skipped = [], []
        try:
            spec = self.build(target, allow_staging=False)
        finally:
            self.notes, self.skipped = outer_notes, outer_skipped
        if not spec.is_staging:
            raise rloc.error(
                f"the continuous deployment policy names {target}, which is not a "
                "staging distribution (DistributionConfig.Staging: true, facts §9)"
            )
        return Staging(policy, spec)


def _display(path: Path) -> str:
    from .load import _display as display

    return display(path)


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    return "" if value is NOVALUE else str(value)


def load_cloudformation(
    path: Path, display: str, mappings: MappingOptions, cache_dir: Path, data: Any | None = None
) -> DistributionSpec:
    """Import a CloudFormation/SAM/CDK template (see the module docstring)."""
    if data is None:
        data = load_file(path, display)
    if not is_template(data):
        raise Loc(display).error("not a CloudFormation template (no Resources mapping)")
    imp = CloudFormationImporter(path, display, mappings, cache_dir, data)
    lid = imp.choose()
    spec = imp.build(lid)
    imp.skipped_resources({lid, spec.staging.distribution.name} if spec.staging else {lid})
    notes = tuple(dict.fromkeys([*spec.notes, *imp.tpl.notes, *imp.notes]))
    return _replace(spec, notes=notes, skipped=tuple(imp.skipped))


def _replace(spec: DistributionSpec, **changes: Any) -> DistributionSpec:
    from dataclasses import replace

    return replace(spec, **changes)
