"""The normalised distribution: what every importer produces, fully resolved.

Frozen dataclasses, nothing to re-read: policies are expanded (managed ones from
:mod:`.managed`), functions carry their runtime and local file, origins say how edgelab
serves them locally. Every object keeps its :class:`Source` (file, line, where) so an
error found later can still name the place in the user's file (STYLE 17).

Defaults the model fills, each from the facts (cloudfront-distribution-facts.md):

| value | default | facts |
|---|---|---|
| origin ``ConnectionAttempts`` / ``ConnectionTimeout`` | 3 / 10 s | §1.2 |
| origin ``OriginReadTimeout`` / ``OriginKeepaliveTimeout`` | 30 s / 5 s | §1.2 |
| custom origin ``HTTPPort`` / ``HTTPSPort`` | 80 / 443 | §1.2 |
| behaviour ``AllowedMethods`` / ``CachedMethods`` | GET, HEAD / GET, HEAD | §11.1, §3.2 |
| behaviour ``Compress`` | false | §11.1 |
| legacy ``MinTTL`` / ``DefaultTTL`` / ``MaxTTL`` | 0 / 86400 / 31536000 | §4.6 |
| ``ErrorCachingMinTTL`` | 10 s (see ``DEFINITION_DECISIONS``) | §6.1 |
| error caching TTL without a custom error response | 10 s | §6.2 |
| origin group ``SelectionCriteria`` | default | §2 |
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .paths import match_behavior, pattern_matches

EVENT_TYPES = ("viewer-request", "origin-request", "origin-response", "viewer-response")
VIEWER_EVENTS = ("viewer-request", "viewer-response")
REQUEST_EVENTS = ("viewer-request", "origin-request")
ALL_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")
#: §3.2: the three allowed sets, and for each the cached sets CloudFront accepts.
METHOD_SETS: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {
    ("GET", "HEAD"): (("GET", "HEAD"),),
    ("GET", "HEAD", "OPTIONS"): (("GET", "HEAD"), ("GET", "HEAD", "OPTIONS")),
    ALL_METHODS: (("GET", "HEAD"), ("GET", "HEAD", "OPTIONS")),
}
VIEWER_PROTOCOL_POLICIES = ("allow-all", "redirect-to-https", "https-only")
#: §2: the status codes an origin group may fail over on.
FAILOVER_STATUS_CODES = (400, 403, 404, 416, 500, 502, 503, 504)
#: §6.1: the codes a custom error response may be configured for.
ERROR_CODES = (400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504)
LOCAL_KINDS = ("folder", "http", "mapping", "callable", "echo")
CLOUDFRONT_RUNTIMES = ("cloudfront-js-1.0", "cloudfront-js-2.0")


@dataclass(frozen=True)
class Source:
    """Where a value came from: ``file:line, where`` (``where`` names the logical id and
    the key path, e.g. ``Dist CacheBehaviors[1].PathPattern``)."""

    file: str = ""
    line: int | None = None
    where: str = ""

    def __str__(self) -> str:
        place = self.file + (f":{self.line}" if self.file and self.line else "")
        return ", ".join(p for p in (place, self.where) if p)


# -- origins ------------------------------------------------------------------------------
@dataclass(frozen=True)
class LocalTarget:
    """How edgelab serves an origin locally.

    ``kind``: ``folder`` (``path``, S3-like, ``missing`` 403|404), ``http`` (``url``: the
    base URL edgelab connects to, the origin request's path -- the origin's
    ``origin_path`` + uri -- is appended to it; ``resolve``), ``mapping`` (``responses``),
    ``callable`` (``handler``: a
    ``file.py:func`` / ``module:func`` spec or a Python callable) or ``echo`` (the default
    for an origin nobody mapped: 200 with a JSON body naming the origin id, uri and
    headers). ``mapped_by`` says who chose it (``definition``, ``--origin``, ``map file``,
    ``cdk bucket deployment``, ``default``).
    """

    kind: str
    path: str | None = None
    missing: int = 403
    url: str | None = None
    read_timeout: float | None = None
    resolve: Mapping[str, str] = field(default_factory=dict)
    responses: Mapping[str, Any] = field(default_factory=dict)
    handler: str | Callable[..., Any] | None = None
    mapped_by: str = "definition"


@dataclass(frozen=True)
class Origin:
    """One origin by id (facts §1): CloudFront's settings plus the local target."""

    id: str
    domain_name: str
    kind: str  # CloudFront's kind: "s3" | "custom" | "vpc"
    local: LocalTarget
    origin_path: str = ""
    custom_headers: tuple[tuple[str, str], ...] = ()
    connection_attempts: int = 3
    connection_timeout: float = 10
    read_timeout: float = 30
    keepalive_timeout: float = 5
    response_completion_timeout: float | None = None
    protocol_policy: str | None = None  # custom: http-only | match-viewer | https-only
    http_port: int = 80
    https_port: int = 443
    ssl_protocols: tuple[str, ...] = ()
    origin_access_control_id: str | None = None
    origin_access_identity: str | None = None
    origin_shield_region: str | None = None
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class OriginGroup:
    """Two origins with failover (facts §2): ``primary`` first, then ``secondary`` for
    GET/HEAD/OPTIONS when the primary answers one of ``failover_status_codes`` or cannot
    be reached."""

    id: str
    primary: str
    secondary: str
    failover_status_codes: tuple[int, ...]
    selection_criteria: str = "default"
    source: Source = field(default_factory=Source)

    @property
    def members(self) -> tuple[str, str]:
        return (self.primary, self.secondary)


# -- policies -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Selection:
    """A policy's choice of headers, cookies or query strings (facts §4.1, §4.2).

    ``behavior``: ``none``, ``whitelist``, ``allExcept``, ``all``, and for origin request
    policy headers ``allViewer`` and ``allViewerAndWhitelistCloudFront``; ``names`` as
    written (header names keep their case; CloudFront compares them case-insensitively).
    """

    behavior: str = "none"
    names: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.behavior + (f" [{', '.join(self.names)}]" if self.names else "")


NONE = Selection()
ALL = Selection("all")


@dataclass(frozen=True)
class CachePolicySpec:
    """A cache policy (facts §4.1), managed or custom, or the equivalent of a behaviour's
    legacy ``ForwardedValues`` + TTLs (``legacy=True``, facts §4.6)."""

    name: str
    id: str | None = None
    managed: bool = False
    min_ttl: float = 0
    default_ttl: float = 86400
    max_ttl: float = 31536000
    headers: Selection = NONE
    cookies: Selection = NONE
    query_strings: Selection = NONE
    gzip: bool = False
    brotli: bool = False
    comment: str = ""
    legacy: bool = False
    source: Source = field(default_factory=Source)

    @property
    def caching_disabled(self) -> bool:
        """All three TTLs 0: CloudFront does not cache (CUR "Understand cache policies")."""
        return self.min_ttl == self.default_ttl == self.max_ttl == 0


@dataclass(frozen=True)
class OriginRequestPolicySpec:
    """What reaches the origin beyond the cache key (facts §4.2). ``cloudfront_headers``
    holds the ``CloudFront-*`` names the policy asks for (split out of ``headers``)."""

    name: str
    id: str | None = None
    managed: bool = False
    headers: Selection = NONE
    cookies: Selection = NONE
    query_strings: Selection = NONE
    cloudfront_headers: tuple[str, ...] = ()
    comment: str = ""
    legacy: bool = False
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class CorsConfig:
    """``CorsConfig`` of a response headers policy (facts §5.1)."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age_sec: int | None = None
    origin_override: bool = True


@dataclass(frozen=True)
class ResponseHeader:
    """A header a response headers policy adds; ``override`` replaces the origin's."""

    name: str
    value: str
    override: bool = False


@dataclass(frozen=True)
class ServerTiming:
    """``ServerTimingHeadersConfig`` (facts §5.4): sampling rate in percent."""

    enabled: bool = False
    sampling_rate: float = 0


@dataclass(frozen=True)
class ResponseHeadersPolicySpec:
    """A response headers policy (facts §5): CORS, security headers (as the header values
    CloudFront sends, e.g. ``Strict-Transport-Security: max-age=31536000; preload``), custom
    headers, removed headers, Server-Timing."""

    name: str
    id: str | None = None
    managed: bool = False
    cors: CorsConfig | None = None
    security_headers: tuple[ResponseHeader, ...] = ()
    custom_headers: tuple[ResponseHeader, ...] = ()
    remove_headers: tuple[str, ...] = ()
    server_timing: ServerTiming | None = None
    comment: str = ""
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class LegacyCacheSettings:
    """A behaviour's legacy settings as written (facts §4.6); the behaviour's
    ``cache_policy`` and ``origin_request_policy`` hold their equivalent."""

    query_string: bool = False
    query_string_cache_keys: tuple[str, ...] = ()
    cookies: Selection = NONE  # none | whitelist (names may use * and ?) | all
    headers: tuple[str, ...] = ()  # ["*"] = forward all headers, objects not cached
    min_ttl: float = 0
    default_ttl: float = 86400
    max_ttl: float = 31536000


# -- functions ----------------------------------------------------------------------------
@dataclass(frozen=True)
class LambdaEdgeFunction:
    """A Lambda@Edge function found locally.

    ``handler`` is edgelab's handler spec (``/abs/path/index.mjs:handler``); ``code_root``
    is the folder Lambda would unpack the code into (for the handler's own imports);
    ``code_from`` says how it was found (``inline``, ``cdk asset``, ``code uri``,
    ``archive``, ``--function``, ``definition``...).
    """

    name: str
    arn: str
    runtime: str
    language: str  # "python" | "node"
    handler: str
    path: str
    export: str
    code_root: str
    code_from: str
    memory_mb: int | None = None
    timeout_s: float | None = None
    source: Source = field(default_factory=Source)

    kind = "lambda@edge"


@dataclass(frozen=True)
class KeyValueStore:
    """A CloudFront KeyValueStore (cloudfront-functions-facts §5.4); ``data_path`` is a
    local JSON import file ``{"data": [{"key", "value"}]}`` when one was found."""

    name: str
    arn: str
    data_path: str | None = None
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class CloudFrontFunction:
    """A CloudFront Function: its JavaScript file, runtime and key value store."""

    name: str
    arn: str
    runtime: str  # cloudfront-js-1.0 | cloudfront-js-2.0
    path: str
    code_from: str
    key_value_store: KeyValueStore | None = None
    source: Source = field(default_factory=Source)

    kind = "cloudfront-function"


@dataclass(frozen=True)
class FunctionAssociation:
    """One function on one event type of a behaviour (Include Body only for L@E request
    events, lambda-edge-facts §5.4)."""

    event_type: str
    function: LambdaEdgeFunction | CloudFrontFunction
    include_body: bool = False

    @property
    def kind(self) -> str:
        return self.function.kind


# -- behaviours, errors, staging ----------------------------------------------------------
@dataclass(frozen=True)
class Behavior:
    """A cache behaviour (facts §3). ``path_pattern`` as written (``*`` for the default);
    match with :func:`edgelab.definitions.paths.match_behavior`."""

    path_pattern: str
    target_origin_id: str
    viewer_protocol_policy: str
    allowed_methods: tuple[str, ...]
    cached_methods: tuple[str, ...]
    compress: bool
    cache_policy: CachePolicySpec
    origin_request_policy: OriginRequestPolicySpec | None = None
    response_headers_policy: ResponseHeadersPolicySpec | None = None
    functions: tuple[FunctionAssociation, ...] = ()
    legacy: LegacyCacheSettings | None = None
    is_default: bool = False
    trusted_key_groups: tuple[str, ...] = ()
    source: Source = field(default_factory=Source)

    def function(self, event_type: str) -> FunctionAssociation | None:
        return next((f for f in self.functions if f.event_type == event_type), None)

    def matches(self, uri: str) -> bool:
        return self.is_default or pattern_matches(self.path_pattern, uri)


@dataclass(frozen=True)
class CustomErrorResponse:
    """Facts §6.1: for ``error_code``, serve ``response_page_path`` (fetched through the
    behaviour that matches it) with ``response_code``; cache the error ``error_caching_min_ttl``
    seconds."""

    error_code: int
    response_page_path: str | None = None
    response_code: int | None = None
    error_caching_min_ttl: float = 10
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class SessionStickiness:
    """Facts §9: ``idle_ttl`` and ``maximum_ttl`` seconds, each 300-3600."""

    idle_ttl: float
    maximum_ttl: float


@dataclass(frozen=True)
class ContinuousDeploymentPolicy:
    """Facts §9: ``SingleWeight`` (``weight`` 0-0.15, optional stickiness) or
    ``SingleHeader`` (``header`` starting ``aws-cf-cd-`` with ``header_value``)."""

    id: str
    enabled: bool
    type: str
    weight: float | None = None
    session_stickiness: SessionStickiness | None = None
    header: str | None = None
    header_value: str | None = None
    staging_domain_names: tuple[str, ...] = ()
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class Staging:
    """A staging distribution beside the primary, and the policy that routes to it."""

    policy: ContinuousDeploymentPolicy
    distribution: DistributionSpec


@dataclass(frozen=True)
class LocalAwsSpec:
    """``[aws]`` of edgelab's TOML: the local AWS services the functions call
    (:class:`edgelab.outbound.LocalAws`); ``seed`` holds absolute JSON file paths."""

    services: tuple[str, ...]
    seed: tuple[str, ...] = ()
    remote_call_ms: float | None = None
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class HttpMockSpec:
    """One ``[[http.mocks]]`` entry: a URL pattern, an optional method, and the response
    as written (``status``, ``headers``, ``body`` or ``json``)."""

    url: str
    response: Mapping[str, Any] = field(default_factory=dict)
    method: str | None = None


@dataclass(frozen=True)
class HttpSpec:
    """``[http]`` of edgelab's TOML: what the functions' HTTP calls reach
    (:class:`edgelab.outbound.HttpMocks`): mocks, and ``hosts`` forwarded to loopback
    servers."""

    mocks: tuple[HttpMockSpec, ...] = ()
    hosts: Mapping[str, str] = field(default_factory=dict)
    remote_call_ms: float | None = None
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class Skipped:
    """A resource or setting the importer did not model, and why."""

    name: str
    type: str
    reason: str
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class DistributionSpec:
    """A whole distribution, normalised (see the module docstring).

    ``behaviors`` are in evaluation order, the default (``*``) last (facts §3.1).
    ``format`` is ``toml``, ``cloudformation``, ``sam``, ``cdk``, ``cloudfront-api`` or
    ``terraform``; ``name`` the logical id / Terraform address / TOML file stem.
    ``settings`` holds edgelab's own options from a TOML file (``rules``, ``isolated``,
    ``edge_location``, ``viewer`` defaults); ``aws`` and ``http`` what the functions'
    outbound calls reach (``[aws]``, ``[http]`` of a TOML file or of a ``--map`` file).
    """

    name: str
    format: str
    file: str
    origins: tuple[Origin, ...]
    behaviors: tuple[Behavior, ...]
    origin_groups: tuple[OriginGroup, ...] = ()
    custom_error_responses: tuple[CustomErrorResponse, ...] = ()
    default_root_object: str = ""
    id: str = ""
    domain_name: str = ""
    enabled: bool = True
    comment: str = ""
    aliases: tuple[str, ...] = ()
    http_version: str = "http2"
    ipv6: bool = False
    price_class: str = "PriceClass_All"
    geo_restriction: tuple[str, tuple[str, ...]] = ("none", ())
    is_staging: bool = False
    staging: Staging | None = None
    default_error_caching_ttl: float = 10
    settings: Mapping[str, Any] = field(default_factory=dict)
    aws: LocalAwsSpec | None = None
    http: HttpSpec | None = None
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()
    source: Source = field(default_factory=Source)

    # -- look-ups -------------------------------------------------------------------------
    def origin(self, origin_id: str) -> Origin:
        for o in self.origins:
            if o.id == origin_id:
                return o
        raise KeyError(origin_id)

    def origin_group(self, group_id: str) -> OriginGroup | None:
        return next((g for g in self.origin_groups if g.id == group_id), None)

    def target(self, target_id: str) -> Origin | OriginGroup:
        """The origin or origin group a behaviour's ``target_origin_id`` names."""
        return self.origin_group(target_id) or self.origin(target_id)

    @property
    def default_behavior(self) -> Behavior:
        return self.behaviors[-1]

    def behavior_for(self, uri: str) -> Behavior:
        """The behaviour CloudFront picks for a viewer uri (facts §3.1)."""
        return match_behavior(self.behaviors, uri)

    def error_response(self, status: int) -> CustomErrorResponse | None:
        return next((e for e in self.custom_error_responses if e.error_code == status), None)

    def functions(self) -> dict[str, LambdaEdgeFunction | CloudFrontFunction]:
        """Every function used by a behaviour, by name."""
        return {a.function.name: a.function for b in self.behaviors for a in b.functions}

    def to_dict(self) -> dict[str, Any]:
        """The whole model as JSON-ready data (the ``edgelab config show --json`` output)."""
        return to_jsonable(self)


def to_jsonable(obj: Any) -> Any:
    """Dataclasses to dicts (field order), tuples to lists, callables to their name."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        if isinstance(obj, LambdaEdgeFunction | CloudFrontFunction):
            out["kind"] = obj.kind
        if isinstance(obj, Source):
            return str(obj) or None
        return out
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if callable(obj):
        return f"<callable {getattr(obj, '__qualname__', type(obj).__name__)}>"
    return obj
