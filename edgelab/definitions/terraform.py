"""Terraform ``terraform show -json`` output, of a plan or of the state (facts §11.6).

Resources are read from ``values`` (state) or ``planned_values`` (plan), in the root module
and every child module, plus the data sources a plan has already read (``prior_state``).
The chosen ``aws_cloudfront_distribution`` (``--distribution ADDRESS`` when there are
several) is brought to CloudFormation's shape (snake_case blocks -> ``CacheBehaviors``...,
lines and Terraform's names kept for messages) and built by :mod:`.build`.

What a distribution references is followed by value (a state has every ARN and id) or,
when a plan does not know the value yet, through the ``configuration`` section's
``references`` (``aws_lambda_function.edge.qualified_arn``):

* ``aws_cloudfront_cache_policy``, ``aws_cloudfront_origin_request_policy``,
  ``aws_cloudfront_response_headers_policy`` (and their data sources, managed ones by
  name), ``aws_cloudfront_continuous_deployment_policy`` and the staging distribution;
* ``aws_lambda_function``: ``runtime``, ``handler``, and the code from the
  ``archive_file`` data source's ``source_dir``/``source_file`` when present, else the
  ``filename`` zip (relative to the JSON file's folder, where ``terraform`` runs), unpacked
  into the cache;
* ``aws_cloudfront_function`` (``code``, ``runtime``, ``key_value_store_associations``) and
  ``aws_cloudfront_key_value_store`` with its ``aws_cloudfrontkeyvaluestore_key`` /
  ``aws_cloudfrontkeyvaluestore_keys_exclusive`` entries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from . import managed
from .build import Importer, arn_function_name, arn_keys, build_distribution
from .decode import Loc, Node, NodeList, line_of, load_file, node_like
from .model import (
    CloudFrontFunction,
    DistributionSpec,
    KeyValueStore,
    LambdaEdgeFunction,
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

TOKEN = "terraform:"
POLICY_TYPES = {
    "cache": ("aws_cloudfront_cache_policy", "CachePolicyConfig", cache_policy),
    "origin_request": (
        "aws_cloudfront_origin_request_policy",
        "OriginRequestPolicyConfig",
        origin_request_policy,
    ),
    "response_headers": (
        "aws_cloudfront_response_headers_policy",
        "ResponseHeadersPolicyConfig",
        response_headers_policy,
    ),
}
MODELLED = {
    "aws_cloudfront_distribution",
    "aws_cloudfront_cache_policy",
    "aws_cloudfront_origin_request_policy",
    "aws_cloudfront_response_headers_policy",
    "aws_cloudfront_continuous_deployment_policy",
    "aws_cloudfront_function",
    "aws_cloudfront_key_value_store",
    "aws_cloudfrontkeyvaluestore_key",
    "aws_cloudfrontkeyvaluestore_keys_exclusive",
    "aws_lambda_function",
    "archive_file",
}
#: attributes that may be unknown in a plan, and are followed through references.
FOLLOWED = (
    "lambda_arn",
    "function_arn",
    "cache_policy_id",
    "origin_request_policy_id",
    "response_headers_policy_id",
    "continuous_deployment_policy_id",
    "domain_name",
    "key_value_store_arn",
    "filename",
    "target_origin_id",
    "origin_id",
)


def is_terraform_json(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and "format_version" in data
        and any(k in data for k in ("values", "planned_values", "configuration"))
    )


@dataclass
class Resource:
    address: str
    type: str
    mode: str
    values: dict[str, Any]
    module: str  # "" or "module.x." prefix, for resolving references
    expressions: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.address


def _walk_modules(module: Any, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    if not isinstance(module, dict):
        return out
    for res in module.get("resources") or []:
        if isinstance(res, dict):
            out.append((prefix, res))
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            addr = str(child.get("address", ""))
            out.extend(_walk_modules(child, addr + "." if addr else prefix))
    return out


def _walk_config(module: Any, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Address (without index) -> ``expressions``, through ``module_calls``."""
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(module, dict):
        return out
    for res in module.get("resources") or []:
        if isinstance(res, dict) and res.get("address"):
            out[prefix + str(res["address"])] = res.get("expressions") or {}
    for name, call in (module.get("module_calls") or {}).items():
        if isinstance(call, dict):
            out.update(_walk_config(call.get("module"), f"{prefix}module.{name}."))
    return out


def _strip_index(address: str) -> str:
    """``module.a["x"].aws_y.z[0]`` -> ``module.a.aws_y.z`` (configuration addresses)."""
    out, depth = [], 0
    for ch in address:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _first(block: Any) -> Any:
    """A Terraform nested block (a list of at most one object) as the object, or None."""
    if isinstance(block, list):
        return block[0] if block else None
    return block


def _ref_target(refs: Any, module: str) -> str | None:
    """The resource address a ``references`` list points at (attribute dropped)."""
    for ref in refs or []:
        parts = str(ref).split(".")
        if parts[0] == "data" and len(parts) >= 3:
            return module + ".".join(parts[:3])
        if len(parts) >= 2 and (parts[0].startswith("aws_") or parts[0] == "archive_file"):
            return module + ".".join(parts[:2])
    return None


class TerraformImporter(Importer):
    format = "terraform"
    default_http_version = "http2"  # facts §11.6: the provider's default

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
        self.root = Loc(display, getattr(data, "line", None))
        config = _walk_config((data.get("configuration") or {}).get("root_module"))
        self.resources: dict[str, Resource] = {}
        sources = [
            data.get("values"),
            data.get("planned_values"),
            (data.get("prior_state") or {}).get("values"),
        ]
        for section in sources:
            if not isinstance(section, dict):
                continue
            for prefix, res in _walk_modules(section.get("root_module")):
                address = str(res.get("address", ""))
                if not address or address in self.resources:
                    continue
                self.resources[address] = Resource(
                    address,
                    str(res.get("type", "")),
                    str(res.get("mode", "managed")),
                    res.get("values") or Node(line=getattr(res, "line", None)),
                    prefix,
                    config.get(_strip_index(address), {}),
                )
        self.by_value: dict[str, str] = {}
        for resource in self.resources.values():
            for key in (
                "arn",
                "qualified_arn",
                "id",
                "name",
                "domain_name",
                "function_name",
                "output_path",
            ):
                value = resource.values.get(key)
                if isinstance(value, str) and value:
                    self.by_value.setdefault(value, resource.address)

    # -- helpers ----------------------------------------------------------------------------
    def loc(self, address: str) -> Loc:
        res = self.resources[address]
        return Loc(self.display, getattr(res.values, "line", None), address)

    def target(self, value: Any) -> str | None:
        """The resource a value (an ARN, an id, or a reference token) belongs to."""
        if isinstance(value, str):
            if value.startswith(TOKEN):
                address = value[len(TOKEN) :]
                return (
                    address
                    if address in self.resources
                    else next((a for a in self.resources if _strip_index(a) == address), None)
                )
            return self.by_value.get(value)
        return None

    def _value(self, res: Resource, values: dict[str, Any], expr: Any, key: str) -> Any:
        """``values[key]``, or a reference token when a plan does not know it yet."""
        value = values.get(key)
        if value not in (None, "") or key not in FOLLOWED:
            return value
        refs = (
            expr.get(key, {}).get("references")
            if isinstance(expr, dict) and isinstance(expr.get(key), dict)
            else None
        )
        address = _ref_target(refs, res.module)
        return TOKEN + address if address else value

    # -- choosing ---------------------------------------------------------------------------
    def distributions(self) -> list[str]:
        return [
            a
            for a, r in self.resources.items()
            if r.type == "aws_cloudfront_distribution" and r.mode == "managed"
        ]

    def choose(self) -> str:
        found = self.distributions()
        wanted = self.mappings.distribution
        if wanted:
            match = [
                a
                for a in found
                if a == wanted or _strip_index(a) == wanted or a.rpartition(".")[2] == wanted
            ]
            if len(match) != 1:
                raise self.root.error(
                    f"--distribution {wanted}: no single "
                    "aws_cloudfront_distribution by that address; the file "
                    f"has: {', '.join(found) or 'none'}"
                )
            return match[0]
        primary = [a for a in found if not self.resources[a].values.get("staging")]
        if len(primary) == 1:
            return primary[0]
        if not found:
            raise self.root.error(
                "no aws_cloudfront_distribution in this terraform show "
                "-json output (looked in values, planned_values and every "
                "child module)"
            )
        raise self.root.error(
            f"{len(found)} distributions ({', '.join(found)}); pick one with --distribution ADDRESS"
        )

    def skipped_resources(self, used: set[str]) -> None:
        for address, res in self.resources.items():
            if res.type == "aws_cloudfront_distribution" and address not in used:
                reason = "another distribution (pick it with --distribution)"
            elif res.type not in MODELLED:
                reason = "not part of what edgelab models"
            else:
                continue
            self.skipped.append(Skipped(address, res.type, reason, self.loc(address).source()))

    # -- the distribution in CloudFormation's shape ------------------------------------------
    def build(self, address: str, *, allow_staging: bool = True) -> DistributionSpec:
        res = self.resources[address]
        config = self.to_cloudformation(res)
        loc = self.loc(address)
        domain = res.values.get("domain_name")
        return build_distribution(
            self,
            config,
            loc,
            name=address,
            dist_id=str(res.values.get("id") or ""),
            domain_name=domain if isinstance(domain, str) else "",
            allow_staging=allow_staging,
        )

    def _node(self, src: Any, pairs: list[tuple[str, str, Any]]) -> Node:
        """A CloudFormation-named node: (CfnKey, tf_key, value) with lines and labels."""
        out = Node(line=getattr(src, "line", None))
        for cfn, tf, value in pairs:
            if value is None or value == "" or value == []:
                continue
            out[cfn] = value
            line = line_of(src, tf.split("[")[0])
            if line:
                out.key_lines[cfn] = line
            out.key_labels[cfn] = tf
        return out

    def _list(self, src: Any, key: str, convert: Any) -> NodeList:
        items = src.get(key) or [] if isinstance(src, dict) else []
        out = NodeList(line=line_of(src, key))
        lines = getattr(items, "item_lines", [])
        for i, item in enumerate(items):
            out.append(convert(item, i))
            out.item_lines.append(lines[i] if i < len(lines) else None)
        return out

    def to_cloudformation(self, res: Resource) -> Node:
        """The distribution's ``values`` in CloudFormation's ``DistributionConfig`` shape."""
        v, x = res.values, res.expressions
        default = _first(v.get("default_cache_behavior"))
        return self._node(
            v,
            [
                ("Origins", "origin", self._list(v, "origin", partial(self._origin, res))),
                ("OriginGroups", "origin_group", self._list(v, "origin_group", self._group)),
                (
                    "DefaultCacheBehavior",
                    "default_cache_behavior[0]",
                    None
                    if default is None
                    else self._behavior(res, default, _first(_block(x, "default_cache_behavior"))),
                ),
                ("CacheBehaviors", "ordered_cache_behavior", self._ordered_behaviors(res)),
                (
                    "CustomErrorResponses",
                    "custom_error_response",
                    self._list(v, "custom_error_response", self._error),
                ),
                *_copied(v, _DISTRIBUTION_FIELDS),
                (
                    "ContinuousDeploymentPolicyId",
                    "continuous_deployment_policy_id",
                    self._value(res, v, x, "continuous_deployment_policy_id"),
                ),
                ("Restrictions", "restrictions", _restrictions(v)),
                ("WebACLId", "web_acl_id", v.get("web_acl_id")),
                ("Logging", "logging_config", _first(v.get("logging_config")) or None),
            ],
        )

    def _origin(self, res: Resource, o: Any, i: int) -> Node:
        """One ``origin`` block as an ``Origins`` item."""
        ox = _nth(res.expressions.get("origin"), i)
        custom, s3 = _first(o.get("custom_origin_config")), _first(o.get("s3_origin_config"))
        shield = _first(o.get("origin_shield"))
        headers = self._list(
            o, "custom_header", lambda h, _j: self._node(h, _copied(h, _CUSTOM_HEADER_FIELDS))
        )
        return self._node(
            o,
            [
                ("Id", "origin_id", o.get("origin_id")),
                ("DomainName", "domain_name", self._value(res, o, ox, "domain_name")),
                ("OriginPath", "origin_path", o.get("origin_path")),
                ("OriginCustomHeaders", "custom_header", headers),
                ("ConnectionAttempts", "connection_attempts", o.get("connection_attempts")),
                ("ConnectionTimeout", "connection_timeout", o.get("connection_timeout")),
                (
                    "ResponseCompletionTimeout",
                    "response_completion_timeout",
                    o.get("response_completion_timeout") or None,
                ),
                (
                    "OriginAccessControlId",
                    "origin_access_control_id",
                    o.get("origin_access_control_id"),
                ),
                (
                    "OriginShield",
                    "origin_shield",
                    None if not shield else self._node(shield, _copied(shield, _SHIELD_FIELDS)),
                ),
                (
                    "S3OriginConfig",
                    "s3_origin_config",
                    None if s3 is None else self._node(s3, _copied(s3, _S3_FIELDS)) or Node(),
                ),
                (
                    "CustomOriginConfig",
                    "custom_origin_config",
                    None if custom is None else self._node(custom, _copied(custom, _CUSTOM_FIELDS)),
                ),
            ],
        )

    def _group(self, g: Any, _i: int) -> Node:
        """One ``origin_group`` block as an ``OriginGroups`` item."""
        crit = _first(g.get("failover_criteria")) or {}
        members = self._list(
            g,
            "member",
            lambda m, _j: self._node(m, [("OriginId", "origin_id", m.get("origin_id"))]),
        )
        return self._node(
            g,
            [
                ("Id", "origin_id", g.get("origin_id")),
                (
                    "FailoverCriteria",
                    "failover_criteria",
                    self._node(crit, [("StatusCodes", "status_codes", crit.get("status_codes"))]),
                ),
                ("Members", "member", members),
            ],
        )

    def _ordered_behaviors(self, res: Resource) -> NodeList:
        """The ``ordered_cache_behavior`` blocks, each with its expressions, in order."""
        v = res.values
        ordered = v.get("ordered_cache_behavior") or []
        ordered_x = _block(res.expressions, "ordered_cache_behavior")
        behaviors = NodeList(line=line_of(v, "ordered_cache_behavior"))
        lines = getattr(ordered, "item_lines", [])
        for i, b in enumerate(ordered):
            behaviors.append(self._behavior(res, b, _nth(ordered_x, i)))
            behaviors.item_lines.append(lines[i] if i < len(lines) else None)
        return behaviors

    def _behavior(self, res: Resource, b: Any, bx: Any) -> Node:
        """One cache behaviour block; the legacy cache settings (``forwarded_values`` and
        the TTLs) only when no cache policy replaces them."""
        has_policy = bool(self._value(res, b, bx, "cache_policy_id"))
        legacy = [] if has_policy else _copied(b, _LEGACY_TTL_FIELDS)
        grpc = _first(b.get("grpc_config"))
        return self._node(
            b,
            [
                *_copied(b, _BEHAVIOR_FIELDS),
                *[(cfn, tf, self._value(res, b, bx, tf)) for cfn, tf in _BEHAVIOR_POLICY_FIELDS],
                (
                    "ForwardedValues",
                    "forwarded_values",
                    None if has_policy else self._forwarded_values(b),
                ),
                *legacy,
                *[
                    (cfn, tf, self._associations(res, b, bx, tf, arn_cfn, arn_tf))
                    for cfn, tf, arn_cfn, arn_tf in _ASSOCIATIONS
                ],
                *_copied(b, _BEHAVIOR_TAIL_FIELDS),
                ("SmoothStreaming", "smooth_streaming", b.get("smooth_streaming") or None),
                (
                    "GrpcConfig",
                    "grpc_config",
                    None if not grpc or not grpc.get("enabled") else {"Enabled": True},
                ),
            ],
        )

    def _forwarded_values(self, b: Any) -> Node | None:
        """A behaviour's legacy ``forwarded_values`` block, or None without one."""
        fv = _first(b.get("forwarded_values"))
        if not fv:
            return None
        cookies = _first(fv.get("cookies")) or {}
        forward = [
            ("Forward", "forward", cookies.get("forward", "none")),
            ("WhitelistedNames", "whitelisted_names", cookies.get("whitelisted_names")),
        ]
        return self._node(
            fv,
            [
                ("QueryString", "query_string", fv.get("query_string", False)),
                (
                    "QueryStringCacheKeys",
                    "query_string_cache_keys",
                    fv.get("query_string_cache_keys"),
                ),
                ("Cookies", "cookies", self._node(cookies, forward)),
                ("Headers", "headers", fv.get("headers")),
            ],
        )

    def _associations(
        self, res: Resource, b: Any, bx: Any, key: str, arn_cfn: str, arn_tf: str
    ) -> NodeList:
        """A behaviour's ``lambda_function_association`` or ``function_association``
        blocks, each function's ARN followed through references when a plan lacks it."""
        return self._list(
            b,
            key,
            lambda a, j: self._node(
                a,
                [
                    ("EventType", "event_type", a.get("event_type")),
                    (arn_cfn, arn_tf, self._value(res, a, _nth(_block(bx, key), j), arn_tf)),
                    *_copied(a, _INCLUDE_BODY if key == "lambda_function_association" else ()),
                ],
            ),
        )

    def _error(self, e: Any, _i: int) -> Node:
        """One ``custom_error_response`` block as a ``CustomErrorResponses`` item."""
        return self._node(
            e,
            [
                ("ErrorCode", "error_code", e.get("error_code")),
                ("ResponseCode", "response_code", e.get("response_code") or None),
                ("ResponsePagePath", "response_page_path", e.get("response_page_path")),
                ("ErrorCachingMinTTL", "error_caching_min_ttl", e.get("error_caching_min_ttl")),
            ],
        )

    # -- policies ---------------------------------------------------------------------------
    def custom_policy(self, kind: str, policy_id: str, loc: Loc) -> Any | None:
        address = self.target(policy_id)
        rtype, _, build = POLICY_TYPES[kind]
        if address is None:
            if policy_id.startswith(TOKEN):
                raise loc.error(
                    f"{policy_id[len(TOKEN) :]} is referenced but not in the "
                    "terraform show -json output"
                )
            return None
        res = self.resources[address]
        if res.type != rtype:
            raise loc.error(f"{policy_id!r} is {address} ({res.type}), not an {rtype}")
        if res.mode == "data":
            name = str(res.values.get("name") or "")
            found = managed.lookup(kind, name) if name else None
            if found is None:
                raise loc.error(
                    f"{address} looks up the policy {name!r}, which is not a "
                    f"managed policy; give it with --policy {policy_id}=FILE.json"
                )
            return found
        config = _camel_policy(res.values)
        return build(
            config,
            Loc(self.display, getattr(res.values, "line", None), address),
            str(res.values.get("id") or address),
        )

    # -- functions --------------------------------------------------------------------------
    def lambda_function(self, arn: str, event: str, loc: Loc) -> LambdaEdgeFunction | None:
        address = self.target(arn)
        shown = arn[len(TOKEN) :] if arn.startswith(TOKEN) else arn
        keys = [address or "", *([] if arn.startswith(TOKEN) else arn_keys(arn))]
        if address is None or self.resources[address].type != "aws_lambda_function":
            return self.finder.lambda_function(
                name=arn_function_name(shown),
                arn=shown,
                keys=keys,
                loc=loc,
                event=event,
                runtime=None,
                handler=None,
                code_dir=None,
                code_from="",
                missing_reason=f"{shown!r} is not an aws_lambda_function in this file",
            )
        res = self.resources[address]
        v = res.values
        floc = self.loc(address)
        if isinstance(arn, str) and arn == v.get("arn"):
            self.note(
                f"{loc}: {address} is associated by its unqualified arn; CloudFront "
                "needs qualified_arn (publish = true) (facts §11.6)"
            )
        name = str(v.get("function_name") or address)
        code_dir, code_from, reason = self._code(res, floc)
        memory, timeout = v.get("memory_size"), v.get("timeout")
        real_arn = v.get("qualified_arn") or v.get("arn") or shown
        return self.finder.lambda_function(
            name=name,
            arn=str(real_arn),
            keys=[address, _strip_index(address), name, *keys],
            loc=floc,
            event=event,
            runtime=v.get("runtime"),
            handler=v.get("handler"),
            code_dir=code_dir,
            code_from=code_from,
            missing_reason=reason,
            memory_mb=memory if isinstance(memory, int) else None,
            timeout_s=float(timeout) if isinstance(timeout, int | float) else None,
        )

    def _code(self, res: Resource, loc: Loc) -> tuple[Path | None, str, str]:
        v = res.values
        archive = self.target(self._value(res, v, res.expressions, "filename"))
        if archive and self.resources[archive].type == "archive_file":
            av = self.resources[archive].values
            if av.get("source_dir") and (self.base / str(av["source_dir"])).is_dir():
                return (self.base / str(av["source_dir"])).resolve(), "archive source_dir", ""
            if av.get("source_file") and (self.base / str(av["source_file"])).is_file():
                return (
                    (self.base / str(av["source_file"])).resolve().parent,
                    "archive source_file",
                    "",
                )
            if av.get("output_path") and (self.base / str(av["output_path"])).is_file():
                return (
                    unzip(self.base / str(av["output_path"]), self.finder.cache_dir, loc),
                    "archive",
                    "",
                )
        filename = v.get("filename")
        if isinstance(filename, str) and filename:
            path = self.base / filename
            if path.is_file():
                return unzip(path, self.finder.cache_dir, loc), "filename zip", ""
            return None, "", f"its filename {filename} is not beside the JSON file"
        if v.get("s3_key"):
            return None, "", f"its code is in S3 (s3://{v.get('s3_bucket')}/{v['s3_key']})"
        if v.get("image_uri"):
            return None, "", "it is a container image, which Lambda@Edge does not run"
        return None, "", "its code (filename, archive_file) is not in the output"

    def cloudfront_function(self, arn: str, event: str, loc: Loc) -> CloudFrontFunction | None:
        address = self.target(arn)
        shown = arn[len(TOKEN) :] if arn.startswith(TOKEN) else arn
        if address is None or self.resources[address].type != "aws_cloudfront_function":
            name = shown.rpartition("/")[2] or shown
            return self.finder.cloudfront_function(
                name=name,
                arn=shown,
                keys=[address or "", shown, name],
                loc=loc,
                event=event,
                runtime=None,
                code=None,
                missing_reason=f"{shown!r} is not an aws_cloudfront_function in this file",
            )
        res = self.resources[address]
        v = res.values
        floc = self.loc(address)
        stores = v.get("key_value_store_associations") or []
        if not stores and isinstance(res.expressions.get("key_value_store_associations"), dict):
            refs = res.expressions["key_value_store_associations"].get("references")
            target = _ref_target(refs, res.module)
            stores = [TOKEN + target] if target else []
        if len(stores) > 1:
            raise floc.error(
                "a CloudFront Function has at most one key value store "
                "(cloudfront-functions-facts §5.4)"
            )
        kvs = self._key_value_store(str(stores[0]), floc) if stores else None
        name = str(v.get("name") or address)
        code = v.get("code")
        return self.finder.cloudfront_function(
            name=name,
            arn=str(v.get("arn") or shown),
            keys=[address, name, shown],
            loc=floc,
            event=event,
            runtime=v.get("runtime"),
            code=code if isinstance(code, str) else None,
            key_value_store=kvs,
            missing_reason="its code is not in the output",
        )

    def _key_value_store(self, arn: str, loc: Loc) -> KeyValueStore:
        address = self.target(arn)
        if address is None:
            return self.finder.key_value_store(
                name=arn.rpartition("/")[2], arn=arn, keys=[arn], loc=loc
            )
        res = self.resources[address]
        entries: list[dict[str, str]] = []
        for other in self.resources.values():
            if other.type not in (
                "aws_cloudfrontkeyvaluestore_key",
                "aws_cloudfrontkeyvaluestore_keys_exclusive",
            ):
                continue
            if (
                self.target(
                    self._value(other, other.values, other.expressions, "key_value_store_arn")
                )
                != address
            ):
                continue
            pairs = (
                [other.values]
                if other.type == "aws_cloudfrontkeyvaluestore_key"
                else other.values.get("resource_key_value_pair") or []
            )
            entries.extend({"key": str(p.get("key")), "value": str(p.get("value"))} for p in pairs)
        name = str(res.values.get("name") or address)
        data = json.dumps({"data": entries}, indent=1).encode() if entries else None
        return self.finder.key_value_store(
            name=name,
            arn=str(res.values.get("arn") or arn),
            keys=[address, name, arn],
            loc=self.loc(address),
            data=data,
        )

    # -- staging ----------------------------------------------------------------------------
    def staging(self, policy_id: str, loc: Loc) -> Staging | None:
        address = self.target(policy_id)
        if (
            address is None
            or self.resources[address].type != "aws_cloudfront_continuous_deployment_policy"
        ):
            return super().staging(policy_id, loc)
        res = self.resources[address]
        policy = continuous_deployment_policy(
            _camel_policy(res.values), self.loc(address), str(res.values.get("id") or address)
        )
        names = _first(res.values.get("staging_distribution_dns_names")) or {}
        expr = _first(_block(res.expressions, "staging_distribution_dns_names")) or {}
        targets = [self.target(n) for n in names.get("items") or []]
        refs = (expr.get("items") or {}).get("references") if isinstance(expr, dict) else None
        if _ref_target(refs, res.module):
            targets.append(self.target(TOKEN + str(_ref_target(refs, res.module))))
        target = next(
            (t for t in targets if t and self.resources[t].type == "aws_cloudfront_distribution"),
            None,
        )
        if target is None:
            self.note(
                f"{self.loc(address)}: the staging distribution is not in this file; "
                "staging is not modelled"
            )
            return None
        outer = self.notes, self.skipped
        self.notes, self.skipped = [], []
        try:
            spec = self.build(target, allow_staging=False)
        finally:
            self.notes, self.skipped = outer
        if not spec.is_staging:
            raise self.loc(address).error(
                f"the policy names {target}, which is not a staging "
                "distribution (staging = true, facts §9)"
            )
        return Staging(policy, spec)


#: (CloudFormation key, Terraform key) of the settings copied as they are, in the order
#: CloudFormation lists them.
_DISTRIBUTION_FIELDS = (
    ("DefaultRootObject", "default_root_object"),
    ("Enabled", "enabled"),
    ("Comment", "comment"),
    ("Aliases", "aliases"),
    ("HttpVersion", "http_version"),
    ("IPV6Enabled", "is_ipv6_enabled"),
    ("PriceClass", "price_class"),
    ("Staging", "staging"),
)
_CUSTOM_HEADER_FIELDS = (("HeaderName", "name"), ("HeaderValue", "value"))
_SHIELD_FIELDS = (("Enabled", "enabled"), ("OriginShieldRegion", "origin_shield_region"))
_S3_FIELDS = (("OriginAccessIdentity", "origin_access_identity"),)
_CUSTOM_FIELDS = (
    ("HTTPPort", "http_port"),
    ("HTTPSPort", "https_port"),
    ("OriginProtocolPolicy", "origin_protocol_policy"),
    ("OriginSSLProtocols", "origin_ssl_protocols"),
    ("OriginReadTimeout", "origin_read_timeout"),
    ("OriginKeepaliveTimeout", "origin_keepalive_timeout"),
)
_BEHAVIOR_FIELDS = (
    ("PathPattern", "path_pattern"),
    ("TargetOriginId", "target_origin_id"),
    ("ViewerProtocolPolicy", "viewer_protocol_policy"),
    ("AllowedMethods", "allowed_methods"),
    ("CachedMethods", "cached_methods"),
    ("Compress", "compress"),
)
#: policy ids, followed through references when a plan does not know them yet
_BEHAVIOR_POLICY_FIELDS = (
    ("CachePolicyId", "cache_policy_id"),
    ("OriginRequestPolicyId", "origin_request_policy_id"),
    ("ResponseHeadersPolicyId", "response_headers_policy_id"),
)
_LEGACY_TTL_FIELDS = (("MinTTL", "min_ttl"), ("DefaultTTL", "default_ttl"), ("MaxTTL", "max_ttl"))
#: (CloudFormation list, Terraform block, CloudFormation ARN key, Terraform ARN key)
_ASSOCIATIONS = (
    (
        "LambdaFunctionAssociations",
        "lambda_function_association",
        "LambdaFunctionARN",
        "lambda_arn",
    ),
    ("FunctionAssociations", "function_association", "FunctionARN", "function_arn"),
)
_INCLUDE_BODY = (("IncludeBody", "include_body"),)
_BEHAVIOR_TAIL_FIELDS = (
    ("TrustedKeyGroups", "trusted_key_groups"),
    ("TrustedSigners", "trusted_signers"),
    ("FieldLevelEncryptionId", "field_level_encryption_id"),
    ("RealtimeLogConfigArn", "realtime_log_config_arn"),
)


def _copied(src: Any, pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, str, Any]]:
    """``(CfnKey, tf_key, value)`` for settings copied as they are."""
    return [(cfn, tf, src.get(tf)) for cfn, tf in pairs]


def _restrictions(values: Any) -> dict[str, Any] | None:
    """``Restrictions`` from the ``restrictions`` block's ``geo_restriction``, if any."""
    geo = _first((_first(values.get("restrictions")) or {}).get("geo_restriction")) or {}
    if not geo:
        return None
    return {
        "GeoRestriction": {
            "RestrictionType": geo.get("restriction_type", "none"),
            "Locations": geo.get("locations") or [],
        }
    }


def _block(expressions: Any, key: str) -> Any:
    return expressions.get(key) if isinstance(expressions, dict) else None


def _nth(items: Any, i: int) -> Any:
    return items[i] if isinstance(items, list) and i < len(items) else None


_SPECIAL = {
    "http_port": "HTTPPort",
    "https_port": "HTTPSPort",
    "xss_protection": "XSSProtection",
    "min_ttl": "MinTTL",
    "default_ttl": "DefaultTTL",
    "max_ttl": "MaxTTL",
    "idle_ttl": "IdleTTL",
    "maximum_ttl": "MaximumTTL",
    "staging_distribution_dns_names": "StagingDistributionDnsNames",
}


def _camel_key(key: str) -> str:
    return _SPECIAL.get(key) or "".join(p.capitalize() for p in key.split("_"))


def _camel_policy(value: Any) -> Any:
    """A Terraform policy resource's values in CloudFormation's shape: snake_case keys
    CamelCased, one-object blocks unwrapped, ``{items = [...]}`` blocks as lists."""
    if isinstance(value, dict):
        out = node_like(value)
        for key, item in value.items():
            if (
                key in ("id", "arn", "etag", "last_modified_time", "quantity")
                or (item == [] and key != "items")
                or item is None
            ):
                continue  # an empty block is an absent one
            if (
                isinstance(item, list)
                and key != "items"
                and len(item) == 1
                and isinstance(item[0], dict)
            ):
                item = item[0]
                if set(item) <= {"items"}:
                    item = item.get("items") or []
            name = _camel_key(key)
            out[name] = _camel_policy(item)
            if isinstance(value, Node) and key in value.key_lines:
                out.key_lines[name] = value.key_lines[key]
            out.key_labels[name] = key
        if "ParametersInCacheKeyAndForwardedToOrigin" in out:
            _rename_names(out["ParametersInCacheKeyAndForwardedToOrigin"])
        _rename_names(out)
        return out
    if isinstance(value, list):
        return [_camel_policy(v) for v in value]
    return value


def _rename_names(cfg: Any) -> None:
    """Terraform's ``headers_config.headers.items`` -> CloudFormation's ``Headers`` list
    (and cookies, query strings)."""
    if not isinstance(cfg, dict):
        return
    for key in ("HeadersConfig", "CookiesConfig", "QueryStringsConfig"):
        inner = cfg.get(key)
        if isinstance(inner, dict):
            for names in ("Headers", "Cookies", "QueryStrings"):
                if isinstance(inner.get(names), dict):
                    inner[names] = inner[names].get("Items") or []


def load_terraform(
    path: Path, display: str, mappings: MappingOptions, cache_dir: Path, data: Any | None = None
) -> DistributionSpec:
    """Import ``terraform show -json`` output (see the module docstring)."""
    if data is None:
        data = load_file(path, display)
    if not is_terraform_json(data):
        raise Loc(display).error(
            "not terraform show -json output (no format_version with values or planned_values)"
        )
    imp = TerraformImporter(path, display, mappings, cache_dir, data)
    address = imp.choose()
    spec = imp.build(address)
    imp.skipped_resources({address, spec.staging.distribution.name} if spec.staging else {address})
    return replace(
        spec, notes=tuple(dict.fromkeys([*spec.notes, *imp.notes])), skipped=tuple(imp.skipped)
    )
