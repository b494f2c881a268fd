"""A CloudFront ``DistributionConfig`` (CloudFormation's names and plain lists) -> the model.

The CloudFormation importer hands its resolved ``DistributionConfig`` over as is; the API
and Terraform importers first bring theirs to this shape (keeping line numbers). Each
format supplies an :class:`Importer` that knows where its policies, functions, origins'
contents and staging distributions are; everything else (validation, defaults, the
placement rules) is here, once:

* origins (facts §1.2 ranges), origin groups (§2: two members, failover codes), every
  behaviour's target exists;
* behaviours in evaluation order, the default last (§3.1), valid path patterns, method
  sets (§3.2), viewer protocol policy (§3.3), a cache policy or legacy settings (§4.6);
* function associations (cloudfront-functions-facts §6): at most one function per event
  type, CloudFront Functions only on viewer events and never beside a Lambda@Edge function
  on a viewer event of the same behaviour, Include Body only on request events
  (lambda-edge-facts §5.4);
* custom error responses (§6.1), default root object (§7), staging (§9).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import DefinitionError
from . import managed, policies
from .decode import Loc, NodeList, load_json, node_like
from .model import (
    ALL_METHODS,
    CLOUDFRONT_RUNTIMES,
    ERROR_CODES,
    EVENT_TYPES,
    FAILOVER_STATUS_CODES,
    METHOD_SETS,
    REQUEST_EVENTS,
    VIEWER_EVENTS,
    VIEWER_PROTOCOL_POLICIES,
    Behavior,
    CachePolicySpec,
    CloudFrontFunction,
    CustomErrorResponse,
    DistributionSpec,
    FunctionAssociation,
    LambdaEdgeFunction,
    LocalTarget,
    Origin,
    OriginGroup,
    Skipped,
    Staging,
)
from .paths import pattern_problem
from .resolve import ECHO, FunctionFinder, MappingOptions, local_from_mapping
from .values import as_bool, as_int, as_list, as_number, as_str, table

POLICY_KEYS = {
    "cache": "CachePolicyId",
    "origin_request": "OriginRequestPolicyId",
    "response_headers": "ResponseHeadersPolicyId",
}
POLICY_CONFIGS = {
    "cache": ("CachePolicy", "CachePolicyConfig", policies.cache_policy),
    "origin_request": (
        "OriginRequestPolicy",
        "OriginRequestPolicyConfig",
        policies.origin_request_policy,
    ),
    "response_headers": (
        "ResponseHeadersPolicy",
        "ResponseHeadersPolicyConfig",
        policies.response_headers_policy,
    ),
}
QUOTAS = {"origins": 100, "origin groups": 10, "cache behaviors": 75}  # facts §1.5


def unwrap_items(value: Any) -> Any:
    """The API's ``{Quantity, Items}`` lists as plain lists, everywhere (facts §11.5),
    keeping line numbers."""
    if isinstance(value, dict):
        if "Quantity" in value and set(value) <= {"Quantity", "Items"}:
            return unwrap_items(value.get("Items") or NodeList(line=getattr(value, "line", None)))
        return node_like(value, {k: unwrap_items(v) for k, v in value.items()})
    if isinstance(value, list):
        out = NodeList([unwrap_items(v) for v in value], line=getattr(value, "line", None))
        out.item_lines = list(getattr(value, "item_lines", []))
        return out
    return value


class Importer:
    """What one format knows; the defaults suit a format with no resources around the
    distribution (the CloudFront API's JSON)."""

    format = "cloudfront-api"
    default_http_version = "http2"

    def __init__(self, file: Path, display: str, mappings: MappingOptions, cache_dir: Path) -> None:
        self.file = file
        self.display = display
        self.mappings = mappings
        self.finder = FunctionFinder(mappings, cache_dir)
        self.notes: list[str] = []
        self.skipped: list[Skipped] = []
        self._policy_files: dict[str, Any] | None = None

    # -- policies ---------------------------------------------------------------------------
    def custom_policy(self, kind: str, policy_id: str, loc: Loc) -> Any | None:
        """A policy defined in the same definition (CloudFormation resource, Terraform
        resource), or None."""
        return None

    def _mapped_policy(self, kind: str, policy_id: str) -> Any | None:
        path_text = self.mappings.policies.get(policy_id)
        if path_text is None:
            return None
        path = Path(path_text)
        if not path.is_file():
            raise DefinitionError(
                f"--policy {policy_id}={path}: the file does not exist",
                where=f"policies.{policy_id}",
            )
        data = unwrap_items(load_json(path.read_text(encoding="utf-8"), str(path)))
        outer, config_key, build = POLICY_CONFIGS[kind]
        loc = Loc(str(path), getattr(data, "line", None), policy_id)
        if isinstance(data, dict) and outer in data:
            data = data[outer]
        if not isinstance(data, dict) or config_key not in data:
            raise loc.error(
                f"expected the output of aws cloudfront get-"
                f'{kind.replace("_", "-")}-policy ({{"{outer}": {{"Id", '
                f'"{config_key}"}}}}) for policy {policy_id}'
            )
        return build(data[config_key], loc.at(data, config_key), policy_id)

    def policy(self, kind: str, policy_id: str, loc: Loc) -> Any:
        """The policy a behaviour names: defined beside it, mapped with ``--policy``, or
        managed; anything else is an error naming the id."""
        found = (
            self.custom_policy(kind, policy_id, loc)
            or self._mapped_policy(kind, policy_id)
            or managed.lookup(kind, policy_id)
        )
        if found is not None:
            return found
        what = managed.KIND_NAMES[kind]
        amplify = managed.unpublished(policy_id)
        if amplify:
            raise loc.error(
                f"{policy_id} is the managed {what} {amplify}, which AWS lists "
                "for Amplify Hosting without its settings; give them with "
                f"--policy {policy_id}=FILE.json (get-{kind.replace('_', '-')}"
                "-policy output)"
            )
        names = ", ".join(p.name for p in managed.all_policies(kind))
        raise loc.error(
            f"unknown {what} id {policy_id!r}: it is not defined in this file and "
            f"not a managed policy ({names}); give its settings with --policy "
            f"{policy_id}=FILE.json (aws cloudfront get-{kind.replace('_', '-')}"
            "-policy output)"
        )

    # -- functions, origins, staging ---------------------------------------------------------
    def lambda_function(self, arn: str, event: str, loc: Loc) -> LambdaEdgeFunction | None:
        name = arn_function_name(arn)
        return self.finder.lambda_function(
            name=name,
            arn=arn,
            keys=arn_keys(arn),
            loc=loc,
            event=event,
            runtime=None,
            handler=None,
            code_dir=None,
            code_from="",
            missing_reason="the CloudFront API's JSON names functions only by ARN",
        )

    def cloudfront_function(self, arn: str, event: str, loc: Loc) -> CloudFrontFunction | None:
        name = arn.rpartition("/")[2] or arn
        return self.finder.cloudfront_function(
            name=name,
            arn=arn,
            keys=[name, arn],
            loc=loc,
            event=event,
            runtime=None,
            code=None,
            missing_reason="the CloudFront API's JSON names functions only by ARN",
        )

    def local_origin(self, origin_id: str, config: dict[str, Any], loc: Loc) -> LocalTarget | None:
        """A local target the definition itself implies (e.g. a CDK bucket deployment)."""
        return None

    def staging(self, policy_id: str, loc: Loc) -> Staging | None:
        self.notes.append(
            f"{loc}: continuous deployment policy {policy_id} is not in this "
            "file; the staging distribution is not modelled"
        )
        return None

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def arn_function_name(arn: str) -> str:
    """``arn:aws:lambda:us-east-1:123:function:name:3`` -> ``name``."""
    parts = arn.split(":")
    if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
        return parts[6]
    return arn


def arn_keys(arn: str) -> list[str]:
    """Keys a ``--function`` mapping may use for an ARN: name, ARN, unqualified ARN."""
    parts = arn.split(":")
    keys = [arn_function_name(arn), arn]
    if len(parts) == 8:
        keys.append(":".join(parts[:7]))
    return keys


# -- the builder ----------------------------------------------------------------------------
def build_distribution(
    imp: Importer,
    config: Any,
    loc: Loc,
    *,
    name: str,
    dist_id: str = "",
    domain_name: str = "",
    settings: dict[str, Any] | None = None,
    allow_staging: bool = True,
) -> DistributionSpec:
    """Validate and normalise one ``DistributionConfig``."""
    cfg = table(config, loc)
    _refuse_single_origin_shorthand(cfg, loc)
    origins = _origins(imp, cfg, loc)
    groups = _groups(cfg, loc, {o.id for o in origins})
    targets = {o.id for o in origins} | {g.id for g in groups}
    behaviors = _behaviors(imp, cfg, loc, targets)
    imp.finder.check()
    errors = _error_responses(cfg, loc)
    counted = (("origins", origins), ("origin groups", groups), ("cache behaviors", behaviors))
    _note_quotas(imp, loc, counted)
    root = as_str(cfg.get("DefaultRootObject", ""), loc.at(cfg, "DefaultRootObject"))
    geo = _geo_restriction(imp, cfg, loc)
    for key, what in (("WebACLId", "AWS WAF web ACL"), ("Logging", "standard logging")):
        if cfg.get(key):
            imp.note(f"{loc.at(cfg, key)}: {what} is not emulated")
    http_version = as_str(
        cfg.get("HttpVersion", imp.default_http_version), loc.at(cfg, "HttpVersion")
    )
    staging = _staging(imp, cfg, loc, http_version, behaviors) if allow_staging else None
    aliases = cfg.get("Aliases", cfg.get("CNAMEs", []))
    return DistributionSpec(
        name=name,
        format=imp.format,
        file=imp.display,
        origins=tuple(origins),
        behaviors=tuple(behaviors),
        origin_groups=tuple(groups),
        custom_error_responses=tuple(errors),
        default_root_object=root,
        id=dist_id,
        domain_name=domain_name,
        enabled=as_bool(cfg.get("Enabled", True), loc.at(cfg, "Enabled")),
        comment=as_str(cfg.get("Comment", ""), loc.at(cfg, "Comment")),
        aliases=tuple(as_str(a, loc.at(cfg, "Aliases")) for a in as_list(aliases, loc)),
        http_version=http_version,
        ipv6=as_bool(cfg.get("IPV6Enabled", cfg.get("IsIPV6Enabled", False)), loc),
        price_class=as_str(cfg.get("PriceClass", "PriceClass_All"), loc.at(cfg, "PriceClass")),
        geo_restriction=geo,
        is_staging=as_bool(cfg.get("Staging", False), loc.at(cfg, "Staging")),
        staging=staging,
        settings=dict(settings or {}),
        skipped=tuple(imp.skipped),
        notes=tuple(imp.notes),
        source=loc.source(),
    )


def _refuse_single_origin_shorthand(cfg: dict[str, Any], loc: Loc) -> None:
    for legacy in ("S3Origin", "CustomOrigin"):
        if legacy in cfg and not cfg.get("Origins"):
            raise loc.at(cfg, legacy).error(
                f"the legacy single-origin {legacy} shorthand is not supported; describe the "
                "origin under Origins"
            )


def _note_quotas(imp: Importer, loc: Loc, counted: tuple[tuple[str, list[Any]], ...]) -> None:
    """A note for each kind of item past CloudFront's default quota (facts §1.5)."""
    for what, items in counted:
        if len(items) > QUOTAS[what]:
            imp.note(
                f"{loc}: {len(items)} {what}; CloudFront's default quota is "
                f"{QUOTAS[what]} per distribution (facts §1.5)"
            )


def _geo_restriction(imp: Importer, cfg: dict[str, Any], loc: Loc) -> tuple[str, tuple[str, ...]]:
    """(restriction type, countries): kept in the model, never enforced (a note says so)."""
    geo: tuple[str, tuple[str, ...]] = ("none", ())
    restrictions = cfg.get("Restrictions")
    if isinstance(restrictions, dict) and isinstance(restrictions.get("GeoRestriction"), dict):
        g = restrictions["GeoRestriction"]
        gloc = loc.at(cfg, "Restrictions").at(restrictions, "GeoRestriction")
        geo = (
            as_str(g.get("RestrictionType", "none"), gloc.at(g, "RestrictionType")),
            tuple(as_str(c, gloc) for c in as_list(g.get("Locations"), gloc)),
        )
        if geo[0] != "none":
            imp.note(
                f"{gloc}: geographic restriction {geo[0]} {list(geo[1])} is kept in the "
                "model; requests are not refused by country"
            )
    return geo


def _staging(
    imp: Importer, cfg: dict[str, Any], loc: Loc, http_version: str, behaviors: list[Behavior]
) -> Staging | None:
    """The staging distribution a continuous deployment policy names (facts §9)."""
    if not cfg.get("ContinuousDeploymentPolicyId"):
        return None
    cd_loc = loc.at(cfg, "ContinuousDeploymentPolicyId")
    if "3" in http_version:
        raise loc.at(cfg, "HttpVersion").error(
            f"continuous deployment cannot be used on a distribution that supports HTTP/3;"
            f" got HttpVersion {http_version} (facts §9)"
        )
    staging = imp.staging(as_str(cfg["ContinuousDeploymentPolicyId"], cd_loc), cd_loc)
    if staging is not None:
        primary = {b.path_pattern for b in behaviors}
        extra = [
            b.path_pattern for b in staging.distribution.behaviors if b.path_pattern not in primary
        ]
        if extra:
            imp.note(
                f"{cd_loc}: the staging distribution has path patterns the primary "
                f"lacks ({', '.join(extra)}); CloudFront expects the same or a subset "
                "(facts §9)"
            )
    return staging


def _origins(imp: Importer, cfg: dict[str, Any], loc: Loc) -> list[Origin]:
    items = cfg.get("Origins")
    oloc = loc.at(cfg, "Origins")
    if not items:
        raise oloc.error("a distribution needs at least one origin (Origins)")
    out: list[Origin] = []
    for i, item in enumerate(as_list(items, oloc)):
        iloc = oloc.at(items, i)
        o = table(item, iloc)
        oid = as_str(o.get("Id"), iloc.at(o, "Id"))
        if any(x.id == oid for x in out):
            raise iloc.at(o, "Id").error(
                f"origin ids are unique within a distribution; {oid!r} appears twice (facts §1.2)"
            )
        out.append(_origin(imp, o, iloc, oid))
    return out


def _range(value: Any, loc: Loc, lo: float, hi: float, what: str) -> float:
    number = as_number(value, loc)
    if not lo <= number <= hi:
        raise loc.error(f"{what} must be {lo:g}-{hi:g}; got {number:g} (facts §1.2)")
    return number


def _bounded(d: dict[str, Any], key: str, default: float, loc: Loc, lo: float, hi: float) -> float:
    """``d[key]`` (or its default) within ``lo``-``hi`` (facts §1.2)."""
    return _range(d.get(key, default), loc.at(d, key), lo, hi, key)


#: the origin config key -> the model's kind of origin
ORIGIN_KINDS = {"S3OriginConfig": "s3", "CustomOriginConfig": "custom", "VpcOriginConfig": "vpc"}


def _origin_kind(o: dict[str, Any], loc: Loc, domain: str) -> str:
    """The one origin config key an origin has, or the one its domain implies."""
    configs = [k for k in ORIGIN_KINDS if o.get(k) is not None]
    if len(configs) > 1:
        raise loc.error(
            f"an origin has one of S3OriginConfig, CustomOriginConfig, "
            f"VpcOriginConfig; got {', '.join(configs)} (facts §1.1)"
        )
    if configs:
        return configs[0]
    if ".s3." in domain or domain.endswith(".s3.amazonaws.com"):
        return "S3OriginConfig"
    return "CustomOriginConfig"


def _origin_path(o: dict[str, Any], loc: Loc) -> str:
    path = as_str(o.get("OriginPath", ""), loc.at(o, "OriginPath"))
    if path and (not path.startswith("/") or path.endswith("/")):
        raise loc.at(o, "OriginPath").error(
            f"OriginPath starts with / and has no trailing /; got {path!r} (facts §1.2)"
        )
    return path


def _origin_headers(o: dict[str, Any], loc: Loc) -> tuple[tuple[str, str], ...]:
    """(name, value) of the origin's custom headers."""
    headers = []
    hdrs = o.get("OriginCustomHeaders", o.get("CustomHeaders"))
    for j, h in enumerate(as_list(hdrs, loc.at(o, "OriginCustomHeaders"))):
        hloc = loc.at(o, "OriginCustomHeaders").at(hdrs, j)
        h = table(h, hloc)
        headers.append(
            (
                as_str(h.get("HeaderName"), hloc.at(h, "HeaderName")),
                as_str(h.get("HeaderValue", ""), hloc.at(h, "HeaderValue")),
            )
        )
    return tuple(headers)


def _protocol_policy(sub: dict[str, Any], sloc: Loc) -> str:
    """A custom origin's OriginProtocolPolicy (facts §1.2)."""
    protocol = as_str(sub.get("OriginProtocolPolicy", ""), sloc.at(sub, "OriginProtocolPolicy"))
    if protocol not in ("http-only", "match-viewer", "https-only"):
        raise sloc.at(sub, "OriginProtocolPolicy").error(
            f"must be http-only, match-viewer or https-only; got {protocol!r} (facts §1.2)"
        )
    return protocol


def _shield_region(o: dict[str, Any], loc: Loc) -> str | None:
    shield = o.get("OriginShield")
    if isinstance(shield, dict) and as_bool(shield.get("Enabled", False), loc):
        return as_str(shield.get("OriginShieldRegion", ""), loc.at(o, "OriginShield"))
    return None


def _completion_timeout(o: dict[str, Any], loc: Loc, read: float) -> float | None:
    """ResponseCompletionTimeout, never shorter than OriginReadTimeout (facts §1.2)."""
    completion = o.get("ResponseCompletionTimeout")
    if completion is None:
        return None
    completion = as_number(completion, loc.at(o, "ResponseCompletionTimeout"))
    if completion < read:
        raise loc.at(o, "ResponseCompletionTimeout").error(
            f"ResponseCompletionTimeout ({completion:g}) must be at least OriginReadTimeout"
            f" ({read:g}) (facts §1.2)"
        )
    return completion


def _origin(imp: Importer, o: dict[str, Any], loc: Loc, oid: str) -> Origin:
    domain = as_str(o.get("DomainName"), loc.at(o, "DomainName"))
    kind_key = _origin_kind(o, loc, domain)
    kind = ORIGIN_KINDS[kind_key]
    sub = table(o.get(kind_key) or {}, loc.at(o, kind_key))
    sloc = loc.at(o, kind_key)
    path = _origin_path(o, loc)
    headers = _origin_headers(o, loc)
    protocol = _protocol_policy(sub, sloc) if kind == "custom" else None
    shield_region = _shield_region(o, loc)
    read = _bounded(sub, "OriginReadTimeout", 30, sloc, 1, 120)
    completion = _completion_timeout(o, loc, read)
    oai = sub.get("OriginAccessIdentity") if kind == "s3" else None
    return Origin(
        id=oid,
        domain_name=domain,
        kind=kind,
        local=_local(imp, oid, o, loc),
        origin_path=path,
        custom_headers=headers,
        connection_attempts=int(_bounded(o, "ConnectionAttempts", 3, loc, 1, 3)),
        connection_timeout=_bounded(o, "ConnectionTimeout", 10, loc, 1, 10),
        read_timeout=read,
        keepalive_timeout=as_number(
            sub.get("OriginKeepaliveTimeout", 5), sloc.at(sub, "OriginKeepaliveTimeout")
        ),
        response_completion_timeout=completion,
        protocol_policy=protocol,
        http_port=as_int(sub.get("HTTPPort", 80), sloc.at(sub, "HTTPPort")),
        https_port=as_int(sub.get("HTTPSPort", 443), sloc.at(sub, "HTTPSPort")),
        ssl_protocols=tuple(
            as_str(p, sloc)
            for p in as_list(sub.get("OriginSSLProtocols", sub.get("OriginSslProtocols")), sloc)
        ),
        origin_access_control_id=(
            as_str(o["OriginAccessControlId"], loc) if o.get("OriginAccessControlId") else None
        ),
        origin_access_identity=as_str(oai, sloc) if oai else None,
        origin_shield_region=shield_region,
        source=loc.source(),
    )


def _local(imp: Importer, oid: str, o: dict[str, Any], loc: Loc) -> LocalTarget:
    if oid in imp.mappings.origins:
        return local_from_mapping(
            imp.mappings.origins[oid], oid, imp.mappings.origin_of.get(oid, "--origin")
        )
    return imp.local_origin(oid, o, loc) or ECHO


def _groups(cfg: dict[str, Any], loc: Loc, origin_ids: set[str]) -> list[OriginGroup]:
    raw = cfg.get("OriginGroups")
    gloc = loc.at(cfg, "OriginGroups")
    if isinstance(raw, dict):  # CloudFormation keeps {Quantity, Items} here (facts §11.1)
        gloc = gloc.at(raw, "Items")
        raw = raw.get("Items", [])
    out: list[OriginGroup] = []
    for i, item in enumerate(as_list(raw, gloc)):
        iloc = gloc.at(raw, i)
        g = table(item, iloc)
        gid = as_str(g.get("Id"), iloc.at(g, "Id"))
        if gid in origin_ids or any(x.id == gid for x in out):
            raise iloc.at(g, "Id").error(
                f"origin group id {gid!r} is already used by an origin or another group"
            )
        primary, secondary = _group_members(g, iloc, origin_ids)
        out.append(
            OriginGroup(
                gid,
                primary,
                secondary,
                _failover_codes(g, iloc),
                as_str(g.get("SelectionCriteria", "default"), iloc.at(g, "SelectionCriteria")),
                iloc.source(),
            )
        )
    return out


def _group_members(g: dict[str, Any], iloc: Loc, origin_ids: set[str]) -> tuple[str, str]:
    """(primary, secondary): exactly two origins of this distribution (facts §2)."""
    members = g.get("Members", {})
    mloc = iloc.at(g, "Members")
    items = members.get("Items", []) if isinstance(members, dict) else members
    ids = [
        as_str(
            table(m, mloc).get("OriginId") if isinstance(m, dict) else m,
            mloc.at(items, j, f"Items[{j}]"),
        )
        for j, m in enumerate(as_list(items, mloc))
    ]
    if len(ids) != 2:
        raise mloc.error(
            f"an origin group has exactly 2 members (primary, secondary); got {len(ids)} (facts §2)"
        )
    for j, mid in enumerate(ids):
        if mid not in origin_ids:
            raise mloc.at(items, j, f"Items[{j}]").error(
                f"member {mid!r} is not an origin of this distribution; origins: "
                f"{', '.join(sorted(origin_ids))}"
            )
    return ids[0], ids[1]


def _failover_codes(g: dict[str, Any], iloc: Loc) -> tuple[int, ...]:
    """The status codes that make an origin group fail over (facts §2)."""
    crit = table(g.get("FailoverCriteria", {}), iloc.at(g, "FailoverCriteria"))
    cloc = iloc.at(g, "FailoverCriteria")
    codes_raw = crit.get("StatusCodes", {})
    codes_raw = codes_raw.get("Items", []) if isinstance(codes_raw, dict) else codes_raw
    codes = tuple(
        as_int(c, cloc.at(crit, "StatusCodes"))
        for c in as_list(codes_raw, cloc.at(crit, "StatusCodes"))
    )
    bad = [c for c in codes if c not in FAILOVER_STATUS_CODES]
    if bad or not codes:
        raise cloc.at(crit, "StatusCodes").error(
            f"failover status codes are one or more of "
            f"{', '.join(map(str, FAILOVER_STATUS_CODES))}; got {list(codes)} (facts §2)"
        )
    return codes


def _methods(b: dict[str, Any], loc: Loc) -> tuple[tuple[str, ...], tuple[str, ...]]:
    raw = b.get("AllowedMethods", ["GET", "HEAD"])
    cached_raw = b.get("CachedMethods", ["GET", "HEAD"])
    if isinstance(raw, dict):  # API: AllowedMethods{Items, CachedMethods}
        cached_raw = raw.get("CachedMethods", cached_raw)
        raw = raw.get("Items", [])
    aloc, cloc = loc.at(b, "AllowedMethods"), loc.at(b, "CachedMethods")
    allowed = {as_str(m, aloc).upper() for m in as_list(raw, aloc)}
    cached = {as_str(m, cloc).upper() for m in as_list(cached_raw, cloc)}
    sets = {frozenset(k): k for k in METHOD_SETS}
    if frozenset(allowed) not in sets:
        raise aloc.error(
            "AllowedMethods must be one of [GET, HEAD], [GET, HEAD, OPTIONS] or "
            f"all seven ({', '.join(ALL_METHODS)}); got {sorted(allowed)} "
            "(facts §3.2)"
        )
    allowed_t = sets[frozenset(allowed)]
    options = {frozenset(c): c for c in METHOD_SETS[allowed_t]}
    if frozenset(cached) not in options:
        raise cloc.error(
            f"with AllowedMethods {list(allowed_t)}, CachedMethods must be "
            f"{' or '.join(str(list(c)) for c in METHOD_SETS[allowed_t])}; got "
            f"{sorted(cached)} (facts §3.2)"
        )
    return allowed_t, options[frozenset(cached)]


def _behaviors(imp: Importer, cfg: dict[str, Any], loc: Loc, targets: set[str]) -> list[Behavior]:
    out: list[Behavior] = []
    items = cfg.get("CacheBehaviors")
    bloc = loc.at(cfg, "CacheBehaviors")
    for i, item in enumerate(as_list(items, bloc)):
        out.append(
            _behavior(
                imp, table(item, bloc.at(items, i)), bloc.at(items, i), targets, default=False
            )
        )
    if cfg.get("DefaultCacheBehavior") is None:
        raise loc.error("a distribution needs a DefaultCacheBehavior")
    dloc = loc.at(cfg, "DefaultCacheBehavior")
    out.append(
        _behavior(imp, table(cfg["DefaultCacheBehavior"], dloc), dloc, targets, default=True)
    )
    return out


def _behavior(
    imp: Importer, b: dict[str, Any], loc: Loc, targets: set[str], *, default: bool
) -> Behavior:
    pattern = _path_pattern(b, loc, default)
    target = _target(b, loc, targets)
    vloc = loc.at(b, "ViewerProtocolPolicy")
    viewer = as_str(b.get("ViewerProtocolPolicy"), vloc)
    if viewer not in VIEWER_PROTOCOL_POLICIES:
        raise vloc.error(
            f"must be one of {', '.join(VIEWER_PROTOCOL_POLICIES)}; got {viewer!r} (facts §3.3)"
        )
    allowed, cached = _methods(b, loc)
    compress = as_bool(b.get("Compress", False), loc.at(b, "Compress"))
    cp, orp, legacy = _cache_settings(imp, b, loc, compress)
    rhp = None
    if b.get("ResponseHeadersPolicyId"):
        rhp = imp.policy(
            "response_headers",
            as_str(b["ResponseHeadersPolicyId"], loc),
            loc.at(b, "ResponseHeadersPolicyId"),
        )
    functions = _functions(imp, b, loc)
    keys = _trusted_key_groups(imp, b, loc)
    _note_not_emulated(imp, b, loc)
    return Behavior(
        path_pattern=pattern,
        target_origin_id=target,
        viewer_protocol_policy=viewer,
        allowed_methods=allowed,
        cached_methods=cached,
        compress=compress,
        cache_policy=cp,
        origin_request_policy=orp,
        response_headers_policy=rhp,
        functions=functions,
        legacy=legacy,
        is_default=default,
        trusted_key_groups=tuple(str(k) for k in as_list(keys, loc)),
        source=loc.source(),
    )


def _path_pattern(b: dict[str, Any], loc: Loc, default: bool) -> str:
    if default:
        if b.get("PathPattern") not in (None, "*"):
            raise loc.at(b, "PathPattern").error("the default behaviour has no PathPattern")
        return "*"
    ploc = loc.at(b, "PathPattern")
    pattern = as_str(b.get("PathPattern"), ploc)
    problem = pattern_problem(pattern)
    if problem:
        raise ploc.error(problem)
    return pattern


def _target(b: dict[str, Any], loc: Loc, targets: set[str]) -> str:
    tloc = loc.at(b, "TargetOriginId")
    target = as_str(b.get("TargetOriginId"), tloc)
    if target not in targets:
        raise tloc.error(
            f"{target!r} is neither an origin nor an origin group of this "
            f"distribution; known: {', '.join(sorted(targets))}"
        )
    return target


def _cache_settings(
    imp: Importer, b: dict[str, Any], loc: Loc, compress: bool
) -> tuple[CachePolicySpec, Any, Any]:
    """(cache policy, origin request policy, legacy settings): a CachePolicyId or the
    legacy ForwardedValues and TTLs, never both (facts §4.6)."""
    legacy = None
    orp = None
    if b.get("CachePolicyId"):
        for key in ("ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL"):
            if b.get(key) is not None:
                raise loc.at(b, key).error(
                    f"a behaviour with a CachePolicyId has no {key} (legacy settings, facts §4.6)"
                )
        cp: CachePolicySpec = imp.policy(
            "cache",
            as_str(b["CachePolicyId"], loc.at(b, "CachePolicyId")),
            loc.at(b, "CachePolicyId"),
        )
    elif b.get("ForwardedValues") is not None:
        cp, orp, legacy, notes = policies.legacy_policies(b, loc, compress)
        for n in notes:
            imp.note(n)
    else:
        raise loc.error("a behaviour needs a CachePolicyId or legacy ForwardedValues (facts §4.6)")
    if b.get("OriginRequestPolicyId"):
        if legacy is not None:
            raise loc.at(b, "OriginRequestPolicyId").error(
                "an origin request policy needs a cache policy, not legacy ForwardedValues"
            )
        orp = imp.policy(
            "origin_request",
            as_str(b["OriginRequestPolicyId"], loc),
            loc.at(b, "OriginRequestPolicyId"),
        )
    return cp, orp, legacy


def _trusted_key_groups(imp: Importer, b: dict[str, Any], loc: Loc) -> Any:
    """The behaviour's trusted key groups, kept; signed URLs are not checked (a note)."""
    keys = b.get("TrustedKeyGroups") or []
    signers = b.get("TrustedSigners")
    if isinstance(keys, dict):
        keys = keys.get("Items", []) if keys.get("Enabled", True) else []
    if keys or (signers and (not isinstance(signers, dict) or signers.get("Enabled"))):
        imp.note(
            f"{loc}: private content (TrustedKeyGroups/TrustedSigners, signed URLs) is "
            "not checked: requests are served as if signed (facts §3.5)"
        )
    return keys


#: behaviour settings kept in the model but not run, each with a note
NOT_EMULATED = (
    ("FieldLevelEncryptionId", "field-level encryption"),
    ("RealtimeLogConfigArn", "real-time logs"),
    ("SmoothStreaming", "Smooth Streaming"),
    ("GrpcConfig", "gRPC"),
)


def _note_not_emulated(imp: Importer, b: dict[str, Any], loc: Loc) -> None:
    for key, what in NOT_EMULATED:
        value = b.get(key)
        if value and not (isinstance(value, dict) and not value.get("Enabled")):
            imp.note(f"{loc.at(b, key)}: {what} is not emulated")


def _functions(imp: Importer, b: dict[str, Any], loc: Loc) -> tuple[FunctionAssociation, ...]:
    found: dict[str, FunctionAssociation] = {}
    kinds: dict[str, tuple[str, Loc]] = {}
    for kind, aloc, a in _association_entries(b, loc):
        event = _association_event(kind, aloc, a, kinds)
        include_body = _include_body(kind, aloc, a, event)
        kinds[event] = (
            "a CloudFront Function" if kind == "cloudfront" else "a Lambda@Edge function",
            aloc,
        )
        fn = _associated_function(imp, kind, aloc, a, event)
        if fn is not None:
            found[event] = FunctionAssociation(event, fn, include_body)
    viewer_kinds = {kinds[e][0] for e in VIEWER_EVENTS if e in kinds}
    if len(viewer_kinds) == 2:
        where = ", ".join(f"{e} {kinds[e][0]}" for e in VIEWER_EVENTS if e in kinds)
        raise loc.error(
            f"CloudFront Functions and Lambda@Edge cannot be combined on the "
            f'viewer events of one behaviour; got {where} (CUR "Restrictions on '
            'all edge functions", cloudfront-functions-facts §6)'
        )
    return tuple(found[e] for e in EVENT_TYPES if e in found)


def _association_entries(b: dict[str, Any], loc: Loc) -> list[tuple[str, Loc, dict[str, Any]]]:
    """(kind, where, association) for every Lambda@Edge then CloudFront Function one."""
    entries: list[tuple[str, Loc, dict[str, Any]]] = []
    for key, kind in (
        ("LambdaFunctionAssociations", "lambda"),
        ("FunctionAssociations", "cloudfront"),
    ):
        raw = b.get(key)
        kloc = loc.at(b, key)
        for i, item in enumerate(as_list(raw, kloc)):
            entries.append((kind, kloc.at(raw, i), table(item, kloc.at(raw, i))))
    return entries


def _association_event(
    kind: str, aloc: Loc, a: dict[str, Any], kinds: dict[str, tuple[str, Loc]]
) -> str:
    """The association's EventType: one function per event type, CloudFront Functions on
    viewer events only (cloudfront-functions-facts §6)."""
    eloc = aloc.at(a, "EventType")
    event = as_str(a.get("EventType"), eloc)
    if event not in EVENT_TYPES:
        raise eloc.error(f"EventType must be one of {', '.join(EVENT_TYPES)}; got {event!r}")
    if event in kinds:
        other, other_loc = kinds[event]
        raise eloc.error(
            f"the behaviour already has {other} on {event} ({other_loc}); "
            "at most one function per event type "
            "(cloudfront-functions-facts §6)"
        )
    if kind == "cloudfront" and event not in VIEWER_EVENTS:
        raise eloc.error(
            f"a CloudFront Function runs on viewer-request or viewer-response only; got "
            f"{event} (cloudfront-functions-facts §6)"
        )
    return event


def _include_body(kind: str, aloc: Loc, a: dict[str, Any], event: str) -> bool:
    """A Lambda@Edge association's IncludeBody, on request events only (facts §5.4)."""
    if kind != "lambda" or a.get("IncludeBody") is None:
        return False
    include_body = as_bool(a["IncludeBody"], aloc.at(a, "IncludeBody"))
    if include_body and event not in REQUEST_EVENTS:
        raise aloc.at(a, "IncludeBody").error(
            f"IncludeBody is for viewer-request and origin-request only; got it on "
            f"{event} (lambda-edge-facts §5.4)"
        )
    return include_body


def _associated_function(imp: Importer, kind: str, aloc: Loc, a: dict[str, Any], event: str) -> Any:
    """The function an association's ARN names, found by the importer (None: skipped)."""
    arn_key = "LambdaFunctionARN" if kind == "lambda" else "FunctionARN"
    arn = as_str(a.get(arn_key), aloc.at(a, arn_key))
    fn: Any = (
        imp.lambda_function(arn, event, aloc.at(a, arn_key))
        if kind == "lambda"
        else imp.cloudfront_function(arn, event, aloc.at(a, arn_key))
    )
    if isinstance(fn, CloudFrontFunction) and fn.runtime not in CLOUDFRONT_RUNTIMES:
        raise aloc.error(
            f"CloudFront Function runtime must be one of "
            f"{', '.join(CLOUDFRONT_RUNTIMES)}; got {fn.runtime!r}"
        )
    return fn


def _error_responses(cfg: dict[str, Any], loc: Loc) -> list[CustomErrorResponse]:
    raw = cfg.get("CustomErrorResponses")
    eloc = loc.at(cfg, "CustomErrorResponses")
    out: list[CustomErrorResponse] = []
    for i, item in enumerate(as_list(raw, eloc)):
        iloc = eloc.at(raw, i)
        e = table(item, iloc)
        code = as_int(e.get("ErrorCode"), iloc.at(e, "ErrorCode"))
        if code not in ERROR_CODES:
            raise iloc.at(e, "ErrorCode").error(
                f"ErrorCode must be one of {', '.join(map(str, ERROR_CODES))}; got {code} "
                "(facts §6.1)"
            )
        if any(x.error_code == code for x in out):
            raise iloc.at(e, "ErrorCode").error(f"ErrorCode {code} is configured twice")
        page = e.get("ResponsePagePath") or None
        if page is not None:
            page = as_str(page, iloc.at(e, "ResponsePagePath"))
            if not page.startswith("/"):
                raise iloc.at(e, "ResponsePagePath").error(
                    f"ResponsePagePath starts with /; got {page!r} (facts §6.1)"
                )
        response = e.get("ResponseCode")
        response_code = None
        if response not in (None, ""):
            response_code = as_int(response, iloc.at(e, "ResponseCode"))
            if response_code != 200 and response_code not in ERROR_CODES:
                raise iloc.at(e, "ResponseCode").error(
                    f"ResponseCode must be 200 or one of the error codes; got {response_code}"
                    " (facts §6.1)"
                )
            if page is None:
                raise iloc.at(e, "ResponseCode").error(
                    "ResponseCode needs a ResponsePagePath (facts §6.1)"
                )
        ttl = as_number(e.get("ErrorCachingMinTTL", 10), iloc.at(e, "ErrorCachingMinTTL"))
        out.append(CustomErrorResponse(code, page, response_code, ttl, iloc.source()))
    return out
