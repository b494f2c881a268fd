"""The user's real distribution: one normalised model, read from every format.

    >>> import edgelab as el
    >>> spec = el.load_definition("cdk.out/SiteStack.template.json")
    >>> spec.behavior_for("/api/users").target_origin_id
    'api'

Modules, in the order a definition meets them:

* ``decode``: JSON and YAML that remember lines (CloudFormation short-form tags included);
* ``load``: which format a file is, and :func:`load_definition`;
* ``toml``, ``cloudformation`` (+ ``intrinsics``), ``cloudfront_api``, ``terraform``: one
  importer per format; all but TOML hand a CloudFormation-shaped ``DistributionConfig`` to
* ``build``: validation, defaults and placement rules, once for every format, using
* ``policies`` (policy configs, legacy ``ForwardedValues``), ``managed`` (the managed
  policies table, ``managed_policies.toml``), ``resolve`` (functions and origins found
  locally, and the mapping options), ``paths`` (path patterns and
  :func:`match_behavior`);
* ``model``: the frozen dataclasses every importer produces (:class:`DistributionSpec`);
* ``decisions``: how UNSURE facts are read.
"""

from .decisions import DEFINITION_DECISIONS
from .load import FORMATS, load_definition, load_definition_with
from .model import (
    Behavior,
    CachePolicySpec,
    CloudFrontFunction,
    ContinuousDeploymentPolicy,
    CorsConfig,
    CustomErrorResponse,
    DistributionSpec,
    FunctionAssociation,
    KeyValueStore,
    LambdaEdgeFunction,
    LegacyCacheSettings,
    LocalTarget,
    Origin,
    OriginGroup,
    OriginRequestPolicySpec,
    ResponseHeader,
    ResponseHeadersPolicySpec,
    Selection,
    ServerTiming,
    SessionStickiness,
    Skipped,
    Source,
    Staging,
)
from .paths import match_behavior, pattern_matches
from .resolve import MappingOptions, mapping_options

__all__ = [
    "DEFINITION_DECISIONS",
    "FORMATS",
    "Behavior",
    "CachePolicySpec",
    "CloudFrontFunction",
    "ContinuousDeploymentPolicy",
    "CorsConfig",
    "CustomErrorResponse",
    "DistributionSpec",
    "FunctionAssociation",
    "KeyValueStore",
    "LambdaEdgeFunction",
    "LegacyCacheSettings",
    "LocalTarget",
    "MappingOptions",
    "Origin",
    "OriginGroup",
    "OriginRequestPolicySpec",
    "ResponseHeader",
    "ResponseHeadersPolicySpec",
    "Selection",
    "ServerTiming",
    "SessionStickiness",
    "Skipped",
    "Source",
    "Staging",
    "load_definition",
    "load_definition_with",
    "mapping_options",
    "match_behavior",
    "pattern_matches",
]
