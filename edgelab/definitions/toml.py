"""edgelab's own TOML format: today's one-behaviour files, and the model's full form.

Today's format (``[triggers]``, ``[origin]``, ``[cache]``, ``[origin_request_policy]``,
``[viewer]``; README "distribution.toml") reads as one origin ``origin`` and one default
behaviour that allows all methods, exactly what ``el.load_distribution`` builds from it.
The full form uses the model's names (README "Your real distribution")::

    [distribution]                      # domain_name, id, rules, isolated, edge_location,
    default_root_object = "index.html"  # comment, enabled, aliases, http_version

    [[origins]]
    id = "site"
    type = "folder"                     # folder | http | mapping | callable | echo
    path = "site/"

    [[origin_groups]]
    id = "ha"
    members = ["site", "backup"]
    failover_status_codes = [500, 502, 503, 504]

    [[behaviors]]                       # in evaluation order; the last, without
    path_pattern = "/api/*"             # path_pattern (or "*"), is the default
    target_origin = "api"
    cache_policy = "CachingDisabled"    # managed name or id, [cache_policies.NAME], or a table
    origin_request_policy = "AllViewerExceptHostHeader"
    [behaviors.functions]
    viewer-request = { function = "cff/auth.js", runtime = "cloudfront-js-2.0", kvs = "kvs.json" }
    origin-request = { handler = "handlers/or.js", include_body = true }

    [[custom_error_responses]]
    error_code = 404
    response_page_path = "/404.html"
    response_code = 404

    [staging]
    definition = "staging.toml"         # any format edgelab reads
    weight = 0.1                        # or header = "aws-cf-cd-test", value = "1"

Either form may also have ``[aws]`` and ``[http]`` (what the functions' outbound calls
reach, :mod:`.outbound`).

The file is brought to CloudFormation's shape and built by :mod:`.build`, so the same
checks (patterns, methods, placement rules...) apply, naming TOML's keys.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..edge.distribution import check_viewer_defaults
from ..edge.origins import check_http_origin
from ..edge.viewer import ViewerRequest
from ..errors import ConfigError, DefinitionError
from ..rules.tables import RULE_SETS, is_rule_set_name
from ..triggers import TRIGGER_NAMES
from . import managed
from .build import Importer, build_distribution
from .decode import Loc, Node, NodeList
from .model import (
    ALL_METHODS,
    CLOUDFRONT_RUNTIMES,
    CachePolicySpec,
    CloudFrontFunction,
    DistributionSpec,
    LambdaEdgeFunction,
    LocalTarget,
    OriginRequestPolicySpec,
    ResponseHeadersPolicySpec,
    Selection,
    Staging,
)
from .outbound import OUTBOUND_SECTIONS, read_outbound
from .policies import continuous_deployment_policy, response_headers_policy, split_cloudfront
from .resolve import MappingOptions, local_from_mapping

OLD_SECTIONS = ("triggers", "origin", "cache", "origin_request_policy")
NEW_SECTIONS = (
    "origins",
    "origin_groups",
    "behaviors",
    "custom_error_responses",
    "staging",
    "cache_policies",
    "origin_request_policies",
    "response_headers_policies",
)
SECTIONS = ("distribution", "viewer", *OLD_SECTIONS, *NEW_SECTIONS, *OUTBOUND_SECTIONS)
DISTRIBUTION_KEYS = (
    "domain_name",
    "id",
    "rules",
    "isolated",
    "edge_location",
    "default_root_object",
    "comment",
    "enabled",
    "aliases",
    "http_version",
)
ORIGIN_KEYS = {
    "folder": ("path", "missing"),
    "http": ("url", "read_timeout", "resolve"),
    "mapping": ("responses",),
    "callable": ("handler",),
    "echo": (),
}
ORIGIN_COMMON = (
    "id",
    "type",
    "domain_name",
    "origin_path",
    "custom_headers",
    "connection_attempts",
    "connection_timeout",
)
BEHAVIOR_KEYS = (
    "path_pattern",
    "target_origin",
    "viewer_protocol_policy",
    "allowed_methods",
    "cached_methods",
    "compress",
    "cache_policy",
    "origin_request_policy",
    "response_headers_policy",
    "functions",
    "forwarded_values",
    "min_ttl",
    "default_ttl",
    "max_ttl",
)
CACHE_KEYS = (
    "default_ttl",
    "min_ttl",
    "max_ttl",
    "headers",
    "cookies",
    "query_strings",
    "gzip",
    "brotli",
    "comment",
)
OLD_CACHE_KEYS = (*CACHE_KEYS[:-1], "error_ttl", "cached_methods")
ORP_KEYS = ("headers", "cookies", "query_strings", "cloudfront_headers", "comment")
STAGING_KEYS = ("definition", "enabled", "weight", "idle_ttl", "maximum_ttl", "header", "value")
VIEWER_KEYS = tuple(
    f.name
    for f in fields(ViewerRequest)
    if f.name not in ("uri", "method", "querystring", "headers", "body", "request_id", "time")
)
HANDLER_SUFFIXES = (".py", ".js", ".mjs", ".cjs")
DEFAULT_CACHE_POLICY = "CachingOptimized"  # the console's default for a new behaviour


#: a CloudFront Function association: ``{ function = "f.js", runtime = ..., kvs = ... }``
#: (``cloudfront_function`` and ``key_value_store`` are the same keys, long-named)
CFF_KEYS = ("function", "cloudfront_function", "runtime", "kvs", "key_value_store")


def _is_cloudfront_function(value: Mapping[str, Any]) -> bool:
    """A function table names a CloudFront Function by ``function``/``cloudfront_function``
    or a ``cloudfront-js-*`` runtime (a Lambda@Edge one has ``handler``)."""
    runtime = value.get("runtime")
    return (
        "function" in value
        or "cloudfront_function" in value
        or (isinstance(runtime, str) and runtime.startswith("cloudfront-js"))
    )


def _keys(
    table: Mapping[str, Any], allowed: tuple[str, ...], loc: Loc, *, at_key: bool = False
) -> None:
    """Refuse keys not in ``allowed``; ``at_key`` names the key itself as the place
    (today's one-behaviour files always did: ``cache.ttl``)."""
    for key in table:
        if key not in allowed:
            where = loc.at(table, key) if at_key else loc
            raise where.error(f"unknown key {key!r}; allowed: {', '.join(allowed)}")


def _need_table(value: Any, loc: Loc) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise loc.error(f"must be a table; got {value!r}")
    return value


def _selection(value: Any, loc: Loc, *, origin: bool = False) -> Selection:
    """``"none"`` | ``"all"`` | ``[names]`` | ``{behavior, names}`` (facts §4.1, §4.2)."""
    if value in (None, "none", []):
        return Selection()
    if value == "all":
        return Selection("allViewer" if origin else "all")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return Selection("whitelist", tuple(value))
    if isinstance(value, Mapping) and isinstance(value.get("behavior"), str):
        names = value.get("names", [])
        if not isinstance(names, list):
            raise loc.error(f"names must be a list of strings; got {names!r}")
        return Selection(value["behavior"], tuple(str(n) for n in names))
    raise loc.error(
        f'must be "none", "all", a list of names or {{ behavior = ..., names = '
        f"[...] }}; got {value!r}"
    )


def _labelled(data: dict[str, Any], **labels: str) -> Node:
    """A node whose keys are named in messages as TOML names them ("" = not at all)."""
    node = Node(data)
    node.key_labels = dict(labels)
    return node


def _ttl(value: Any, loc: Loc) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise loc.error(f"must be a number of seconds, 0 or more; got {value!r}")
    return float(value)


#: What each key of a [[behaviors]] table is called in CloudFormation's shape.
_BEHAVIOR_LABELS = {
    "PathPattern": "path_pattern",
    "TargetOriginId": "target_origin",
    "ViewerProtocolPolicy": "viewer_protocol_policy",
    "AllowedMethods": "allowed_methods",
    "CachedMethods": "cached_methods",
    "Compress": "compress",
    "CachePolicyId": "cache_policy",
    "OriginRequestPolicyId": "origin_request_policy",
    "ResponseHeadersPolicyId": "response_headers_policy",
    "ForwardedValues": "forwarded_values",
    "MinTTL": "min_ttl",
    "DefaultTTL": "default_ttl",
    "MaxTTL": "max_ttl",
}
#: A behaviour's policy keys: (TOML key, policy kind, CloudFormation key).
_POLICY_REFS = (
    ("cache_policy", "cache", "CachePolicyId"),
    ("origin_request_policy", "origin_request", "OriginRequestPolicyId"),
    ("response_headers_policy", "response_headers", "ResponseHeadersPolicyId"),
)
_RHP_KEYS = (
    "cors",
    "security_headers",
    "custom_headers",
    "remove_headers",
    "server_timing",
    "comment",
)
_CORS_KEYS = (
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "expose_headers",
    "allow_credentials",
    "max_age",
    "origin_override",
)
#: [security_headers] key -> (CloudFormation key, the key of its value, if it has one).
_SECURITY_HEADERS = {
    "content_security_policy": ("ContentSecurityPolicy", "ContentSecurityPolicy"),
    "content_type_options": ("ContentTypeOptions", None),
    "frame_options": ("FrameOptions", "FrameOption"),
    "referrer_policy": ("ReferrerPolicy", "ReferrerPolicy"),
    "strict_transport_security": ("StrictTransportSecurity", None),
    "xss_protection": ("XSSProtection", None),
}


def _forwarded_values(fv: Mapping[str, Any], loc: Loc) -> Node:
    """A behaviour's legacy ``forwarded_values`` as CloudFormation's ``ForwardedValues``."""
    _keys(fv, ("query_string", "query_string_cache_keys", "cookies", "headers"), loc)
    cookies = fv.get("cookies", "none")
    forward = (
        Node({"Forward": "whitelist", "WhitelistedNames": list(cookies)})
        if isinstance(cookies, list)
        else Node({"Forward": cookies})
    )
    conv = Node(
        {
            "QueryString": fv.get("query_string", False),
            "Cookies": forward,
            "Headers": fv.get("headers", []),
            "QueryStringCacheKeys": fv.get("query_string_cache_keys", []),
        }
    )
    conv.key_labels = {
        "QueryString": "query_string",
        "Cookies": "cookies",
        "Headers": "headers",
        "QueryStringCacheKeys": "query_string_cache_keys",
    }
    return conv


def _cors_config(c: Mapping[str, Any], loc: Loc) -> dict[str, Any]:
    """A response headers policy's ``[cors]`` as CloudFormation's ``CorsConfig``."""
    _keys(c, _CORS_KEYS, loc)
    return {
        "AccessControlAllowOrigins": c.get("allow_origins", []),
        "AccessControlAllowMethods": c.get("allow_methods", []),
        "AccessControlAllowHeaders": c.get("allow_headers", []),
        "AccessControlExposeHeaders": c.get("expose_headers", []),
        "AccessControlAllowCredentials": c.get("allow_credentials", False),
        "OriginOverride": c.get("origin_override", True),
        **({"AccessControlMaxAgeSec": c["max_age"]} if "max_age" in c else {}),
    }


def _security_headers_config(s: Mapping[str, Any], loc: Loc) -> dict[str, Any]:
    """A response headers policy's ``[security_headers]`` as ``SecurityHeadersConfig``."""
    _keys(s, tuple(_SECURITY_HEADERS), loc)
    sec: dict[str, Any] = {}
    for key, (cfn, value_key) in _SECURITY_HEADERS.items():
        if key not in s:
            continue
        item = _need_table(s[key], loc.at(s, key))
        entry = {"Override": item.get("override", False)}
        if value_key:
            entry[value_key] = item.get("value")
        if key == "strict_transport_security":
            entry.update(
                AccessControlMaxAgeSec=item.get("max_age", 31536000),
                IncludeSubdomains=item.get("include_subdomains", False),
                Preload=item.get("preload", False),
            )
        if key == "xss_protection":
            entry.update(
                Protection=item.get("protection", True),
                ModeBlock=item.get("mode_block", False),
            )
            if item.get("report_uri"):
                entry["ReportUri"] = item["report_uri"]
        sec[cfn] = entry
    return sec


class TomlImporter(Importer):
    format = "toml"
    default_http_version = "http2"

    def __init__(
        self,
        file: Path,
        display: str,
        mappings: MappingOptions,
        cache_dir: Path,
        data: dict[str, Any],
    ) -> None:
        super().__init__(file, display, mappings, cache_dir)
        self.base = file.resolve().parent
        self.data = data
        self.root = Loc(display)
        self.locals: dict[str, LocalTarget] = {}
        self.inline: dict[str, Any] = {}  # token -> a policy or function spec
        self.staging_table: Mapping[str, Any] | None = None
        self.default_error_ttl = 10.0  # facts §6.2; [cache] error_ttl in today's format

    # -- conversion to CloudFormation's shape ------------------------------------------------
    def convert(self) -> tuple[Node, dict[str, Any]]:
        data = self.data
        for name in data:
            if name not in SECTIONS:
                raise self.root.at(data, name).error(
                    f"unknown section [{name}]; allowed: {', '.join(SECTIONS)}"
                )
        old = [s for s in OLD_SECTIONS if s in data]
        new = [s for s in NEW_SECTIONS if s in data]
        if old and new:
            raise self.root.error(
                f"the file mixes today's one-behaviour sections "
                f"({', '.join(f'[{s}]' for s in old)}) with the full form "
                f"({', '.join(f'[{s}]' for s in new)}); use one or the "
                "other (README: Your real distribution)"
            )
        dist = _need_table(data.get("distribution", {}), self.root.at(data, "distribution"))
        _keys(dist, DISTRIBUTION_KEYS, self.root.at(data, "distribution"))
        settings = self._settings(dist)
        cfg = Node()
        for key, cfn in (
            ("default_root_object", "DefaultRootObject"),
            ("comment", "Comment"),
            ("enabled", "Enabled"),
            ("aliases", "Aliases"),
            ("http_version", "HttpVersion"),
        ):
            if key in dist:
                cfg[cfn] = dist[key]
                cfg.key_labels[cfn] = f"distribution.{key}"
        if old or not new:
            self._old_format(cfg)
        else:
            self._new_format(cfg)
        return cfg, settings

    def _settings(self, dist: Mapping[str, Any]) -> dict[str, Any]:
        loc = self.root.at(self.data, "distribution")
        out: dict[str, Any] = {}
        for key in ("domain_name", "id", "edge_location"):
            if key in dist and (not isinstance(dist[key], str) or not dist[key]):
                raise loc.at(dist, key).error(f"must be a non-empty string; got {dist[key]!r}")
        if "rules" in dist:
            if not is_rule_set_name(dist["rules"]):
                raise loc.at(dist, "rules").error(
                    f"must be one of {', '.join(RULE_SETS)}; got {dist['rules']!r}"
                )
            out["rules"] = dist["rules"]
        if "isolated" in dist:
            if not isinstance(dist["isolated"], bool):
                raise loc.at(dist, "isolated").error(
                    f"must be true or false; got {dist['isolated']!r}"
                )
            out["isolated"] = dist["isolated"]
        if "edge_location" in dist:
            out["edge_location"] = dist["edge_location"]
        viewer = dict(_need_table(self.data.get("viewer", {}), self.root.at(self.data, "viewer")))
        _keys(viewer, VIEWER_KEYS, self.root.at(self.data, "viewer"))
        if "edge_location" in viewer:
            out.setdefault("edge_location", viewer.pop("edge_location"))
        self._check_viewer(viewer)
        if viewer:
            out["viewer"] = viewer
        return out

    def _check_viewer(self, viewer: dict[str, Any]) -> None:
        """``[viewer]`` checked as a viewer request would be (edgelab.edge.distribution)."""
        try:
            check_viewer_defaults(viewer)
        except ConfigError as exc:
            key = exc.key.removeprefix("viewer.")
            table = self.root.at(self.data, "viewer")
            where = table.at(self.data["viewer"], key) if key in viewer else table
            raise where.error(str(exc).removeprefix(f"{exc.key} ")) from None

    # -- today's format ---------------------------------------------------------------------
    def _old_format(self, cfg: Node) -> None:
        data = self.data
        oloc = self.root.at(data, "origin", "origin")
        if "origin" not in data:
            raise oloc.error(
                'the config needs an [origin] table with type = "folder", '
                '"http" or "mapping" (or [[origins]] in the full form)'
            )
        origin = dict(_need_table(data["origin"], oloc))
        if origin.get("type") not in ("folder", "http", "mapping"):
            raise oloc.at(origin, "type").error(
                f"type must be one of folder, http, mapping; got {origin.get('type')!r}"
            )
        origin["id"] = "origin"
        if origin["type"] == "folder":
            origin.setdefault("domain_name", "edgelab-site.s3.us-east-1.amazonaws.com")
        cfg["Origins"] = NodeList([self._origin(origin, oloc, old=True)])
        cfg.key_labels["Origins"] = "origin"
        cache = dict(_need_table(data.get("cache", {}), self.root.at(data, "cache", "cache")))
        closs = self.root.at(data, "cache", "cache")
        _keys(cache, OLD_CACHE_KEYS, closs, at_key=True)
        cached = cache.pop("cached_methods", ["GET", "HEAD"])
        error_ttl = cache.pop("error_ttl", 10)
        self.default_error_ttl = _ttl(error_ttl, closs.at(cache, "error_ttl"))
        policy = self._cache_policy(cache, closs, "[cache]", old=True)
        orp_table = _need_table(
            data.get("origin_request_policy", {}), self.root.at(data, "origin_request_policy")
        )
        orp = self._orp(
            orp_table,
            self.root.at(data, "origin_request_policy", "origin_request_policy"),
            "[origin_request_policy]",
        )
        behavior = Node(
            {
                "TargetOriginId": "origin",
                "ViewerProtocolPolicy": "allow-all",
                "AllowedMethods": list(ALL_METHODS),
                "CachedMethods": cached,
                "Compress": False,
                "CachePolicyId": self._token(policy),
            }
        )
        behavior.key_labels = {"CachedMethods": "cache.cached_methods", "CachePolicyId": "cache"}
        if orp is not None:
            behavior["OriginRequestPolicyId"] = self._token(orp)
        triggers = _need_table(data.get("triggers", {}), self.root.at(data, "triggers"))
        for name in triggers:
            if name not in TRIGGER_NAMES:
                raise (
                    self.root.at(data, "triggers")
                    .at(triggers, name)
                    .error(f"unknown trigger {name!r}; allowed: {', '.join(TRIGGER_NAMES)}")
                )
        self._functions(behavior, triggers, self.root.at(data, "triggers", "triggers"))
        for key in ("LambdaFunctionAssociations", "FunctionAssociations"):
            if key in behavior:  # named triggers.EVENT, as ever
                behavior.key_labels[key] = "triggers"
        cfg["DefaultCacheBehavior"] = behavior
        cfg.key_labels["DefaultCacheBehavior"] = ""  # its keys are named by their section

    # -- the full form ----------------------------------------------------------------------
    def _new_format(self, cfg: Node) -> None:
        self._origins(cfg)
        self._origin_groups(cfg)
        self._cache_behaviors(cfg)
        self._custom_error_responses(cfg)
        data = self.data
        if "staging" in data:
            self.staging_table = _need_table(data["staging"], self.root.at(data, "staging"))
            cfg["ContinuousDeploymentPolicyId"] = "toml:staging"
            cfg.key_labels["ContinuousDeploymentPolicyId"] = "staging"

    def _origins(self, cfg: Node) -> None:
        """``[[origins]]`` as ``Origins`` (at least one)."""
        data = self.data
        origins = data.get("origins")
        oloc = self.root.at(data, "origins", "origins")
        if not isinstance(origins, list) or not origins:
            raise oloc.error("the file needs [[origins]] (at least one, each with an id)")
        cfg["Origins"] = NodeList(
            [
                self._origin(_need_table(o, oloc.at(origins, i)), oloc.at(origins, i), old=False)
                for i, o in enumerate(origins)
            ]
        )
        cfg.key_labels["Origins"] = "origins"

    def _origin_groups(self, cfg: Node) -> None:
        """``[[origin_groups]]`` as ``OriginGroups``, when there are any."""
        data = self.data
        groups = data.get("origin_groups", [])
        gloc = self.root.at(data, "origin_groups", "origin_groups")
        out_groups = NodeList()
        for i, g in enumerate(groups if isinstance(groups, list) else [groups]):
            iloc = gloc.at(groups, i)
            g = _need_table(g, iloc)
            _keys(g, ("id", "members", "failover_status_codes", "selection_criteria"), iloc)
            node = Node(
                {
                    "Id": g.get("id"),
                    "Members": [{"OriginId": m} for m in g.get("members", [])],
                    "FailoverCriteria": _labelled(
                        {"StatusCodes": g.get("failover_status_codes", [])}, StatusCodes=""
                    ),
                }
            )
            if "selection_criteria" in g:
                node["SelectionCriteria"] = g["selection_criteria"]
            node.key_labels = {
                "Id": "id",
                "Members": "members",
                "FailoverCriteria": "failover_status_codes",
            }
            out_groups.append(node)
        if out_groups:
            cfg["OriginGroups"] = out_groups
            cfg.key_labels["OriginGroups"] = "origin_groups"

    def _cache_behaviors(self, cfg: Node) -> None:
        """``[[behaviors]]`` as ``CacheBehaviors``, the last one as the
        ``DefaultCacheBehavior``."""
        data = self.data
        behaviors = data.get("behaviors")
        bloc = self.root.at(data, "behaviors", "behaviors")
        if not isinstance(behaviors, list) or not behaviors:
            raise bloc.error(
                "the file needs [[behaviors]]: in evaluation order, the last one "
                "(without path_pattern) is the default"
            )
        default_target = cfg["Origins"][0]["Id"] if len(cfg["Origins"]) == 1 else None
        converted = []
        for i, b in enumerate(behaviors):
            iloc = bloc.at(behaviors, i)
            b = _need_table(b, iloc)
            is_last = i == len(behaviors) - 1
            if is_last and b.get("path_pattern", "*") != "*":
                raise iloc.at(b, "path_pattern").error(
                    "the last [[behaviors]] is the default: leave out path_pattern (or use "
                    f'"*"); got {b["path_pattern"]!r} (facts §3.1)'
                )
            if not is_last and "path_pattern" not in b:
                raise iloc.error(
                    "only the last [[behaviors]] (the default) may leave out path_pattern"
                )
            converted.append(self._behavior(b, iloc, default_target, is_last))
        cfg["CacheBehaviors"] = NodeList(converted[:-1])
        cfg.key_labels["CacheBehaviors"] = "behaviors"
        cfg["DefaultCacheBehavior"] = converted[-1]
        cfg.key_labels["DefaultCacheBehavior"] = f"behaviors[{len(behaviors) - 1}]"

    def _custom_error_responses(self, cfg: Node) -> None:
        """``[[custom_error_responses]]`` as ``CustomErrorResponses``, when any."""
        data = self.data
        errors = data.get("custom_error_responses", [])
        eloc = self.root.at(data, "custom_error_responses", "custom_error_responses")
        out_errors = NodeList()
        for i, e in enumerate(errors if isinstance(errors, list) else [errors]):
            iloc = eloc.at(errors, i)
            e = _need_table(e, iloc)
            _keys(
                e,
                ("error_code", "response_page_path", "response_code", "error_caching_min_ttl"),
                iloc,
            )
            node = Node({"ErrorCode": e.get("error_code")})
            for key, cfn in (
                ("response_page_path", "ResponsePagePath"),
                ("response_code", "ResponseCode"),
                ("error_caching_min_ttl", "ErrorCachingMinTTL"),
            ):
                if key in e:
                    node[cfn] = e[key]
                    node.key_labels[cfn] = key
            node.key_labels["ErrorCode"] = "error_code"
            out_errors.append(node)
        if out_errors:
            cfg["CustomErrorResponses"] = out_errors
            cfg.key_labels["CustomErrorResponses"] = "custom_error_responses"

    def _origin(self, o: Mapping[str, Any], loc: Loc, *, old: bool) -> Node:
        kind = o.get("type")
        if kind not in ORIGIN_KEYS:
            raise loc.at(o, "type").error(
                f"type must be one of {', '.join(ORIGIN_KEYS)}; got {kind!r}"
            )
        allowed = ORIGIN_KEYS[kind] + (("type", "id") if old else ORIGIN_COMMON)
        _keys(
            {k: v for k, v in o.items() if not (old and k in ("id", "domain_name"))},
            allowed,
            loc,
            at_key=old,
        )
        oid = o.get("id")
        if not isinstance(oid, str) or not oid:
            raise loc.at(o, "id").error(f"an origin needs an id (a non-empty string); got {oid!r}")
        local, domain, s3, custom = self._local(kind, o, loc, oid)
        node = Node({"Id": oid, "DomainName": o.get("domain_name", domain)})
        node.key_labels = {"Id": "id", "DomainName": "domain_name"}
        if s3:
            node["S3OriginConfig"] = Node()
        else:
            if "OriginPath" in custom:
                node["OriginPath"] = custom.pop("OriginPath")
                node.key_labels["OriginPath"] = "url"
            node["CustomOriginConfig"] = custom
            node.key_labels["CustomOriginConfig"] = "url"
        for key, cfn in (
            ("origin_path", "OriginPath"),
            ("connection_attempts", "ConnectionAttempts"),
            ("connection_timeout", "ConnectionTimeout"),
        ):
            if key in o:
                node[cfn] = o[key]
                node.key_labels[cfn] = key
        if "custom_headers" in o:
            headers = _need_table(o["custom_headers"], loc.at(o, "custom_headers"))
            node["OriginCustomHeaders"] = [
                {"HeaderName": k, "HeaderValue": str(v)} for k, v in headers.items()
            ]
            node.key_labels["OriginCustomHeaders"] = "custom_headers"
        if oid in self.mappings.origins:
            local = local_from_mapping(
                self.mappings.origins[oid], oid, self.mappings.origin_of.get(oid, "--origin")
            )
        self.locals[oid] = local
        return node

    def _local(
        self, kind: str, o: Mapping[str, Any], loc: Loc, oid: str
    ) -> tuple[LocalTarget, str, bool, Node]:
        """What serves a local origin of ``kind``: (its target, the domain name it gets,
        whether it is an S3 origin, its CustomOriginConfig)."""
        custom = Node({"OriginProtocolPolicy": "https-only"})
        if kind == "folder":
            return self._local_folder(o, loc, oid, custom)
        if kind == "http":
            return self._local_http(o, loc)
        if kind == "mapping":
            return (
                LocalTarget("mapping", responses=self._responses(o, loc)),
                "origin.example",
                False,
                custom,
            )
        if kind == "callable":
            return self._local_callable(o, loc, custom)
        return LocalTarget("echo", mapped_by="definition"), "origin.example", False, custom

    def _local_folder(
        self, o: Mapping[str, Any], loc: Loc, oid: str, custom: Node
    ) -> tuple[LocalTarget, str, bool, Node]:
        """A folder served as an S3 bucket named after the origin id."""
        path = o.get("path")
        if not isinstance(path, str):
            raise loc.at(o, "path").error(
                f"must be the folder to serve (relative to the file); got {path!r}"
            )
        folder = (self.base / path).resolve()
        if not folder.is_dir():
            raise loc.at(o, "path").error(
                f"the folder {path!r} does not exist (looked for "
                f"{folder}); paths are relative to the file"
            )
        missing = o.get("missing", 403)
        if missing not in (403, 404) or isinstance(missing, bool):
            raise loc.at(o, "missing").error(
                "must be 403 (AccessDenied, as S3 answers "
                "without ListBucket) or 404 (NoSuchKey); got "
                f"{missing!r}"
            )
        bucket = "".join(c if c.isalnum() or c == "-" else "-" for c in oid.lower())
        return (
            LocalTarget("folder", path=str(folder), missing=missing),
            f"{bucket}.s3.us-east-1.amazonaws.com",
            True,
            custom,
        )

    def _local_http(self, o: Mapping[str, Any], loc: Loc) -> tuple[LocalTarget, str, bool, Node]:
        """A server on this machine, checked as ``edgelab.edge.origins.HttpOrigin`` checks it."""
        url = o.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise loc.at(o, "url").error(
                f'must be a URL such as "http://127.0.0.1:8000"; got {url!r}'
            )
        resolve = o.get("resolve", {})
        if not isinstance(resolve, Mapping) or not all(
            isinstance(v, str) for v in resolve.values()
        ):
            raise loc.at(o, "resolve").error(
                f'must map domain names to loopback "host:port" strings; got {resolve!r}'
            )
        timeout = o.get("read_timeout")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise loc.at(o, "url").error(f"has an invalid port; got {url!r}") from None
        try:  # the checks of edgelab.edge.origins.HttpOrigin, at the key's position
            check_http_origin(url, resolve=resolve, read_timeout=timeout)
        except ConfigError as exc:
            key = exc.key.removeprefix("origin.").partition(".")[0]
            text = str(exc).removeprefix(f"{exc.key} ")
            raise loc.at(o, key).error(text) from None  # the key that would fix it
        host = parts.hostname
        domain = "localhost" if host.replace(".", "").isdigit() or ":" in host else host
        custom = Node(
            {
                "OriginProtocolPolicy": "http-only" if parts.scheme == "http" else "https-only",
                "HTTPPort" if parts.scheme == "http" else "HTTPSPort": port,
            }
        )
        base = f"{parts.scheme}://{parts.netloc}"
        path = parts.path.rstrip("/")
        if path and "origin_path" not in o:
            custom["OriginPath"] = path  # moved to the origin below
        return (
            LocalTarget(
                "http",
                url=base,
                resolve=dict(resolve),
                read_timeout=None if timeout is None else _ttl(timeout, loc.at(o, "read_timeout")),
            ),
            domain,
            False,
            custom,
        )

    def _local_callable(
        self, o: Mapping[str, Any], loc: Loc, custom: Node
    ) -> tuple[LocalTarget, str, bool, Node]:
        """A Python callable, ``file.py:func`` (relative to the file) or ``module:func``."""
        handler = o.get("handler")
        if not isinstance(handler, str) or ":" not in handler:
            raise loc.at(o, "handler").error(
                f'must be "file.py:func" or "module:func"; got {handler!r}'
            )
        target, _, func = handler.rpartition(":")
        if target.endswith(".py") or "/" in target:
            path = (self.base / target).resolve()
            if not path.is_file():
                raise loc.at(o, "handler").error(
                    f"the file {target!r} does not exist (looked for {path})"
                )
            handler = f"{path}:{func}"
        return LocalTarget("callable", handler=handler), "origin.example", False, custom

    def _responses(self, o: Mapping[str, Any], loc: Loc) -> dict[str, Any]:
        responses = o.get("responses")
        rloc = loc.at(o, "responses")
        if not isinstance(responses, Mapping):
            raise rloc.error(
                'must be a table of paths, e.g. [origin.responses."/a"] with '
                "status, headers and body"
            )
        out: dict[str, Any] = {}
        for path, spec in responses.items():
            ploc = rloc.at(responses, path, f'"{path}"')
            if not str(path).startswith("/"):
                raise ploc.error(f"a path must start with '/'; got {path!r}")
            if isinstance(spec, str):
                out[path] = spec
                continue
            if not isinstance(spec, Mapping) or set(spec) - {"status", "headers", "body"}:
                raise ploc.error(
                    f"must be a body string or a table with status, headers and body; got {spec!r}"
                )
            status = spec.get("status", 200)
            if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
                raise ploc.error(f"status must be an HTTP status 100-599; got {status!r}")
            headers = spec.get("headers", {})
            if not isinstance(headers, Mapping):
                raise ploc.error(f"headers must be a table of name = value; got {headers!r}")
            out[path] = {
                "status": status,
                "headers": {str(n): str(v) for n, v in headers.items()},
                "body": str(spec.get("body", "")),
            }
        return out

    def _behavior(
        self, b: Mapping[str, Any], loc: Loc, default_target: str | None, is_default: bool
    ) -> Node:
        _keys(b, BEHAVIOR_KEYS, loc)
        node = Node()
        if not is_default:
            node["PathPattern"] = b.get("path_pattern")
        target = b.get("target_origin", default_target)
        if target is None:
            raise loc.error("target_origin is required when there is more than one origin")
        node["TargetOriginId"] = target
        node["ViewerProtocolPolicy"] = b.get("viewer_protocol_policy", "allow-all")
        for key, cfn in (
            ("allowed_methods", "AllowedMethods"),
            ("cached_methods", "CachedMethods"),
            ("compress", "Compress"),
            ("min_ttl", "MinTTL"),
            ("default_ttl", "DefaultTTL"),
            ("max_ttl", "MaxTTL"),
        ):
            if key in b:
                node[cfn] = b[key]
        if "forwarded_values" in b:
            floc = loc.at(b, "forwarded_values")
            node["ForwardedValues"] = _forwarded_values(
                _need_table(b["forwarded_values"], floc), floc
            )
        elif "cache_policy" not in b:
            node["CachePolicyId"] = DEFAULT_CACHE_POLICY
        for key, kind, cfn in _POLICY_REFS:
            if key in b:
                node[cfn] = self._policy_ref(b[key], kind, loc.at(b, key))
        node.key_labels = dict(_BEHAVIOR_LABELS)
        functions = _need_table(b.get("functions", {}), loc.at(b, "functions"))
        self._functions(node, functions, loc.at(b, "functions"))
        return node

    # -- policies ---------------------------------------------------------------------------
    def _token(self, spec: Any) -> str:
        token = f"toml:{len(self.inline)}"
        self.inline[token] = spec
        return token

    def _policy_ref(self, value: Any, kind: str, loc: Loc) -> str:
        if isinstance(value, str):
            section = {
                "cache": "cache_policies",
                "origin_request": "origin_request_policies",
                "response_headers": "response_headers_policies",
            }[kind]
            tables = _need_table(
                self.data.get(section, {}), self.root.at(self.data, section, section)
            )
            if value in tables:
                return self._token(self._named_policy(kind, value, tables[value]))
            return value  # a managed name or id; unknown ones fail in Importer.policy
        table = _need_table(value, loc)
        return self._token(self._policy_table(kind, table, loc, "inline policy"))

    def _named_policy(self, kind: str, name: str, table: Any) -> Any:
        section = {
            "cache": "cache_policies",
            "origin_request": "origin_request_policies",
            "response_headers": "response_headers_policies",
        }[kind]
        loc = self.root.at(self.data, section, section).at(self.data[section], name)
        return self._policy_table(kind, _need_table(table, loc), loc, name)

    def _policy_table(self, kind: str, table: Mapping[str, Any], loc: Loc, name: str) -> Any:
        if kind == "cache":
            _keys(table, CACHE_KEYS, loc)
            return self._cache_policy(dict(table), loc, name)
        if kind == "origin_request":
            return self._orp(table, loc, name)
        return self._rhp(table, loc, name)

    def _cache_policy(
        self, table: dict[str, Any], loc: Loc, name: str, *, old: bool = False
    ) -> CachePolicySpec:
        lo = _ttl(table.get("min_ttl", 0), loc.at(table, "min_ttl"))
        default = _ttl(table.get("default_ttl", 86400), loc.at(table, "default_ttl"))
        hi = _ttl(table.get("max_ttl", 31536000), loc.at(table, "max_ttl"))
        if not lo <= default <= hi:
            raise loc.error(
                f"TTLs must satisfy min_ttl <= default_ttl <= max_ttl, as "
                f"CloudFront requires; got {lo:g}, {default:g}, {hi:g}"
            )
        headers = table.get("headers", [])
        if headers == "all" or (
            isinstance(headers, Mapping)
            and headers.get("behavior") not in (None, "none", "whitelist")
        ):
            raise loc.at(table, "headers").error(
                "a cache policy cannot key on all headers; name them (facts §4.1)"
            )
        flags = {}
        for key in ("gzip", "brotli"):
            value = table.get(key, True)
            if not isinstance(value, bool):
                raise loc.at(table, key).error(f"must be true or false; got {value!r}")
            flags[key] = value
        return CachePolicySpec(
            name=name,
            min_ttl=lo,
            default_ttl=default,
            max_ttl=hi,
            headers=_selection(headers, loc.at(table, "headers")),
            cookies=_selection(table.get("cookies"), loc.at(table, "cookies")),
            query_strings=_selection(table.get("query_strings"), loc.at(table, "query_strings")),
            gzip=flags["gzip"],
            brotli=flags["brotli"],
            comment=str(table.get("comment", "")),
            source=loc.source(),
        )

    def _orp(self, table: Mapping[str, Any], loc: Loc, name: str) -> OriginRequestPolicySpec | None:
        _keys(table, ORP_KEYS, loc)
        if not table:
            return None
        headers = _selection(table.get("headers"), loc.at(table, "headers"), origin=True)
        headers, cf = split_cloudfront(headers)
        extra = table.get("cloudfront_headers", [])
        if not isinstance(extra, list) or not all(
            isinstance(n, str) and n.lower().startswith("cloudfront-") for n in extra
        ):
            raise loc.at(table, "cloudfront_headers").error(
                f"must be a list of CloudFront-* header names (lambda-edge-facts §7); got {extra!r}"
            )
        return OriginRequestPolicySpec(
            name=name,
            headers=headers,
            cloudfront_headers=cf + tuple(extra),
            cookies=_selection(table.get("cookies"), loc.at(table, "cookies")),
            query_strings=_selection(table.get("query_strings"), loc.at(table, "query_strings")),
            comment=str(table.get("comment", "")),
            source=loc.source(),
        )

    def _rhp(self, table: Mapping[str, Any], loc: Loc, name: str) -> ResponseHeadersPolicySpec:
        _keys(table, _RHP_KEYS, loc)
        cfg: dict[str, Any] = {"Name": name, "Comment": str(table.get("comment", ""))}
        if "cors" in table:
            cloc = loc.at(table, "cors")
            cfg["CorsConfig"] = _cors_config(_need_table(table["cors"], cloc), cloc)
        if "security_headers" in table:
            sloc = loc.at(table, "security_headers")
            cfg["SecurityHeadersConfig"] = _security_headers_config(
                _need_table(table["security_headers"], sloc), sloc
            )
        if "custom_headers" in table:
            items = table["custom_headers"]
            if not isinstance(items, list):
                raise loc.at(table, "custom_headers").error(
                    "must be a list of { name, value, override } tables"
                )
            cfg["CustomHeadersConfig"] = {
                "Items": [
                    {
                        "Header": h.get("name"),
                        "Value": h.get("value", ""),
                        "Override": h.get("override", False),
                    }
                    for h in items
                ]
            }
        if "remove_headers" in table:
            cfg["RemoveHeadersConfig"] = {"Items": [{"Header": h} for h in table["remove_headers"]]}
        if "server_timing" in table:
            t = _need_table(table["server_timing"], loc.at(table, "server_timing"))
            cfg["ServerTimingHeadersConfig"] = {
                "Enabled": t.get("enabled", True),
                "SamplingRate": t.get("sampling_rate", 100),
            }
        spec = response_headers_policy(cfg, loc, name)
        return replace(spec, id=None)

    def policy(self, kind: str, policy_id: str, loc: Loc) -> Any:
        if policy_id in self.inline:
            return self.inline[policy_id]
        found = managed.lookup(kind, policy_id)
        if found is not None:
            return found
        section = {
            "cache": "cache_policies",
            "origin_request": "origin_request_policies",
            "response_headers": "response_headers_policies",
        }[kind]
        names = [p.name for p in managed.all_policies(kind)]
        raise loc.error(
            f"{policy_id!r} is neither a [{section}.NAME] table of this file nor "
            f"a managed {managed.KIND_NAMES[kind]} ({', '.join(names)})"
        )

    # -- functions --------------------------------------------------------------------------
    def _functions(self, node: Node, table: Mapping[str, Any], loc: Loc) -> None:
        lambdas, cffs = NodeList(), NodeList()
        for event, value in table.items():
            floc = loc.at(table, event)
            if event not in TRIGGER_NAMES:
                raise floc.error(
                    f"unknown event type {event!r}; allowed: {', '.join(TRIGGER_NAMES)}"
                )
            if isinstance(value, Mapping) and _is_cloudfront_function(value):
                token = self._token(self._cloudfront_function(value, floc, event))
                cffs.append(
                    _labelled(
                        {"EventType": event, "FunctionARN": token},
                        EventType="",
                        FunctionARN=(
                            "cloudfront_function" if "cloudfront_function" in value else "function"
                        ),
                    )
                )
                cffs.item_labels.append(event)
                continue
            include_body = False
            if isinstance(value, Mapping):
                _keys(value, ("handler", "include_body"), floc)
                include_body = value.get("include_body", False)
                value = value.get("handler")
            token = self._token(self._lambda(value, floc, event))
            entry: dict[str, Any] = {"EventType": event, "LambdaFunctionARN": token}
            if include_body is not False:
                entry["IncludeBody"] = include_body
            lambdas.append(Node(entry))
            lambdas[-1].key_labels = {
                "IncludeBody": "include_body",
                "EventType": "",
                "LambdaFunctionARN": "handler",
            }
            lambdas.item_labels.append(event)
        if lambdas:
            node["LambdaFunctionAssociations"] = lambdas
            node.key_labels["LambdaFunctionAssociations"] = "functions"
        if cffs:
            node["FunctionAssociations"] = cffs
            node.key_labels["FunctionAssociations"] = "functions"

    def _lambda(self, value: Any, loc: Loc, event: str) -> LambdaEdgeFunction:
        if not isinstance(value, str) or not value.strip():
            raise loc.error(
                'must be a handler such as "handlers/vr.py", "file.py:func", '
                '"file.js" or a table { handler = ..., include_body = true }; got '
                f"{value!r}"
            )
        target, sep, func = value.rpartition(":") if ":" in value else (value, "", "")
        suffix = Path(target).suffix.lower()
        if (
            target.endswith(HANDLER_SUFFIXES)
            or "/" in target
            or (suffix and (self.base / target).is_file())
        ):
            path = (self.base / target).resolve()
            if not path.is_file():
                raise loc.error(
                    f"the handler file {target!r} does not exist (looked for "
                    f"{path}); paths are relative to the file"
                )
            if not path.name.endswith(HANDLER_SUFFIXES):
                raise loc.error(
                    f"names {target!r}, which is not a handler file: a handler is a "
                    f"{', '.join(HANDLER_SUFFIXES)} file (Python or Node.js), optionally "
                    "with :function"
                )
            language = "python" if path.suffix == ".py" else "node"
            export = func or ("handler" if language == "node" else "")
            return LambdaEdgeFunction(
                name=path.stem,
                arn="",
                runtime="python" if language == "python" else "nodejs",
                language=language,
                handler=f"{path}{sep}{func}",
                path=str(path),
                export=export,
                code_root=str(path.parent),
                code_from="definition",
                source=loc.source(),
            )
        return LambdaEdgeFunction(
            name=value,
            arn="",
            runtime="python",
            language="python",
            handler=value,
            path="",
            export=func,
            code_root=str(self.base),
            code_from="definition",
            source=loc.source(),
        )

    def _cloudfront_function(
        self, value: Mapping[str, Any], loc: Loc, event: str
    ) -> CloudFrontFunction:
        _keys(value, CFF_KEYS, loc)
        for long, short in (("cloudfront_function", "function"), ("key_value_store", "kvs")):
            if long in value and short in value:
                raise loc.error(f"give {short} or {long} (the same key), not both")
        file_key = "function" if "function" in value else "cloudfront_function"
        path = (self.base / str(value[file_key])).resolve()
        if path.suffix != ".js" or not path.is_file():
            raise loc.error(
                f"{file_key} must be an existing .js file; got "
                f"{value[file_key]!r} (looked for {path})"
            )
        runtime = value.get("runtime", "cloudfront-js-2.0")
        if runtime not in CLOUDFRONT_RUNTIMES:
            raise loc.error(
                f"runtime must be one of {', '.join(CLOUDFRONT_RUNTIMES)} for a CloudFront "
                f"Function; got {runtime!r} (a Lambda@Edge function is "
                '{ handler = "file", include_body = ... })'
            )
        kvs = None
        kvs_key = "kvs" if "kvs" in value else "key_value_store"
        if kvs_key in value:
            data = (self.base / str(value[kvs_key])).resolve()
            if not data.is_file():
                raise loc.error(
                    f"{kvs_key} must be a JSON import file "
                    f'{{"data": [{{"key", "value"}}]}}; {data} does not exist'
                )
            kvs = self.finder.key_value_store(
                name=data.stem, arn="", keys=[data.stem], loc=loc, data_path=data
            )
        return CloudFrontFunction(
            name=path.stem,
            arn="",
            runtime=runtime,
            path=str(path),
            code_from="definition",
            key_value_store=kvs,
            source=loc.source(),
        )

    def lambda_function(self, arn: str, event: str, loc: Loc) -> LambdaEdgeFunction | None:
        return self.inline[arn]

    def cloudfront_function(self, arn: str, event: str, loc: Loc) -> CloudFrontFunction | None:
        return self.inline[arn]

    def local_origin(self, origin_id: str, config: dict[str, Any], loc: Loc) -> LocalTarget:
        return self.locals[origin_id]

    # -- staging ----------------------------------------------------------------------------
    def staging(self, policy_id: str, loc: Loc) -> Staging | None:
        from .load import load_definition_with

        t = self.staging_table or {}
        _keys(t, STAGING_KEYS, loc)
        traffic: Node
        if "header" in t:
            header = _labelled(
                {"Header": t.get("header"), "Value": t.get("value", "")},
                Header="header",
                Value="value",
            )
            traffic = _labelled(
                {"Type": "SingleHeader", "SingleHeaderConfig": header}, SingleHeaderConfig=""
            )
        else:
            weight = _labelled({"Weight": t.get("weight")}, Weight="weight")
            if "idle_ttl" in t or "maximum_ttl" in t:
                weight["SessionStickinessConfig"] = _labelled(
                    {"IdleTTL": t.get("idle_ttl"), "MaximumTTL": t.get("maximum_ttl")},
                    IdleTTL="idle_ttl",
                    MaximumTTL="maximum_ttl",
                )
                weight.key_labels["SessionStickinessConfig"] = ""
            traffic = _labelled(
                {"Type": "SingleWeight", "SingleWeightConfig": weight}, SingleWeightConfig=""
            )
        config = _labelled(
            {"Enabled": t.get("enabled", True), "TrafficConfig": traffic},
            Enabled="enabled",
            TrafficConfig="",
        )
        policy = continuous_deployment_policy(config, loc, "staging")
        target = t.get("definition")
        if not isinstance(target, str):
            raise loc.error(
                '[staging] needs definition = "FILE": the staging distribution '
                "(any format edgelab reads), relative to this file"
            )
        path = (self.base / target).resolve()
        if path == self.file.resolve():
            raise loc.error("[staging] definition names this same file")
        spec = load_definition_with(path, self.mappings, allow_staging=False)
        return Staging(policy, replace(spec, is_staging=True))


def load_toml(
    path: Path,
    display: str,
    mappings: MappingOptions,
    cache_dir: Path,
    *,
    allow_staging: bool = True,
) -> DistributionSpec:
    """Import edgelab's TOML (today's one-behaviour format or the full form)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"not valid TOML: {exc}", file=display) from None
    imp = TomlImporter(path, display, mappings, cache_dir, data)
    cfg, settings = imp.convert()
    dist = data.get("distribution", {})
    spec = build_distribution(
        imp,
        cfg,
        Loc(display),
        name=path.stem,
        dist_id=str(dist.get("id", "")),
        domain_name=str(dist.get("domain_name", "")),
        settings=settings,
        allow_staging=allow_staging,
    )
    aws, http = read_outbound(data, imp.base, Loc(display))
    return replace(spec, default_error_caching_ttl=imp.default_error_ttl, aws=aws, http=http)
