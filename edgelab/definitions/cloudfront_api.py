"""The CloudFront API's JSON: ``aws cloudfront get-distribution-config`` (``{ETag,
DistributionConfig}``) and ``get-distribution`` (``{Distribution: {Id, DomainName,
DistributionConfig}}``) output (facts §11.5).

Every ``{Quantity, Items}`` list becomes a plain list (line numbers kept) and the few
names that differ from CloudFormation's are read under both spellings, then
:mod:`.build` does the rest. The API names functions and custom policies only by ARN
or id, so their code comes from ``--function`` and their settings from ``--policy``
(managed policies are known by id).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .build import Importer, build_distribution, unwrap_items
from .decode import Loc, load_file, node_like
from .model import DistributionSpec
from .resolve import MappingOptions

LEGACY_TTL_KEYS = ("MinTTL", "DefaultTTL", "MaxTTL")


def is_api_json(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    dist = data.get("Distribution")
    return "DistributionConfig" in data or (isinstance(dist, dict) and "DistributionConfig" in dist)


def _tidy_behavior(b: Any) -> Any:
    if isinstance(b, dict) and b.get("CachePolicyId"):
        return node_like(b, {k: v for k, v in b.items() if k not in LEGACY_TTL_KEYS})
    return b


def to_cloudformation_shape(config: Any) -> Any:
    """An API ``DistributionConfig`` in CloudFormation's shape (lines kept)."""
    cfg = unwrap_items(config)
    if not isinstance(cfg, dict):
        return cfg
    out = node_like(cfg, dict(cfg))
    logging = out.get("Logging")
    if isinstance(logging, dict) and not logging.get("Enabled"):
        out.pop("Logging")
    restrictions = out.get("Restrictions")
    if isinstance(restrictions, dict) and isinstance(restrictions.get("GeoRestriction"), dict):
        geo = restrictions["GeoRestriction"]
        fixed = node_like(
            geo,
            {
                "RestrictionType": geo.get("RestrictionType", "none"),
                "Locations": geo.get("Items") or [],
            },
        )
        out["Restrictions"] = node_like(restrictions, {"GeoRestriction": fixed})
    if isinstance(out.get("DefaultCacheBehavior"), dict):
        out["DefaultCacheBehavior"] = _tidy_behavior(out["DefaultCacheBehavior"])
    if isinstance(out.get("CacheBehaviors"), list):
        behaviors = out["CacheBehaviors"]
        tidy = type(behaviors)([_tidy_behavior(b) for b in behaviors])
        if hasattr(behaviors, "item_lines"):
            tidy.line, tidy.item_lines = behaviors.line, behaviors.item_lines
        out["CacheBehaviors"] = tidy
    return out


def load_cloudfront_api(
    path: Path, display: str, mappings: MappingOptions, cache_dir: Path, data: Any | None = None
) -> DistributionSpec:
    """Import ``get-distribution-config`` / ``get-distribution`` output."""
    if data is None:
        data = load_file(path, display)
    loc = Loc(display, getattr(data, "line", None))
    if not is_api_json(data):
        raise loc.error(
            'not CloudFront API JSON: expected {"DistributionConfig": ...} '
            '(get-distribution-config) or {"Distribution": {...}} '
            "(get-distribution)"
        )
    dist_id, domain = "", ""
    holder = data
    if "Distribution" in data:
        holder = data["Distribution"]
        dist_id = str(holder.get("Id", ""))
        domain = str(holder.get("DomainName", ""))
        loc = loc.at(data, "Distribution", "Distribution")
    cloc = Loc(
        display, loc.at(holder, "DistributionConfig").line, dist_id or "", "DistributionConfig"
    )
    config = to_cloudformation_shape(holder["DistributionConfig"])
    imp = Importer(path, display, mappings, cache_dir)
    return build_distribution(
        imp, config, cloc, name=dist_id or path.stem, dist_id=dist_id, domain_name=domain
    )
