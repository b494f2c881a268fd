"""A cache behaviour as the chain runs it: everything a request needs once CloudFront has
picked the behaviour from the viewer's uri (facts §3).

:class:`CacheBehavior` holds what the behaviour says (its path pattern, target origin or
origin group, viewer protocol policy, allowed methods, compress, cache policy, origin
request policy, response headers policy, functions) and, once a
:class:`~edgelab.edge.distribution.Distribution` has bound it, its runtime state: one
:class:`BoundTrigger` per Lambda@Edge event type (a function two behaviours share is one
loaded handler, one set of containers), the CloudFront Functions associated with it, the
forwarding plan the policies make (computed once, so the hot path stays lean) and its own
chain of stages (:func:`edgelab.edge.chain.build_stack`).

    el.CacheBehavior("/api/*", target_origin="api", viewer_protocol_policy="https-only",
                     triggers={"origin-request": "handlers/auth.py"},
                     cache_policy=el.CachePolicy(default_ttl=0, min_ttl=0, max_ttl=0))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from os import PathLike
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..runtimes import Handler
from ..triggers import Trigger
from .cache import CachePolicy, NameMatch, Selection, parse_selection, parse_selection_names
from .cloudfront_headers import ORIGIN_POLICY_ONLY, canonical_cloudfront_name

if TYPE_CHECKING:
    from .exchange import Next
    from .targets import OriginTarget

ALL_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")
VIEWER_PROTOCOL_POLICIES = ("allow-all", "redirect-to-https", "https-only")


@dataclass(frozen=True)
class TriggerConfig:
    """One function association: the handler and Include Body (request triggers only)."""

    handler: str | Callable[..., Any] | Handler
    include_body: bool = False
    #: the function's own Timeout (seconds), when its definition gives one
    timeout_s: float | None = None
    #: the function's Lambda runtime (``python3.12``, ``nodejs20.x``) when its definition
    #: names one; else the default of the handler's language (``runtimes.base``)
    runtime: str | None = None


@dataclass(frozen=True)
class CloudFrontFunctionConfig:
    """One CloudFront Function association (cloudfront-functions-facts §6): the ``.js``
    file, its runtime and its key value store (``kvs``: an import file, a
    ``{key: value}`` mapping or an ``el.KeyValueStoreData``; None: no store)."""

    function: str | PathLike[str]
    runtime: str = "cloudfront-js-2.0"
    kvs: Any = None
    name: str = ""

    @classmethod
    def of(cls, value: Any, key: str) -> CloudFrontFunctionConfig:
        """A config from what ``CacheBehavior.cloudfront_functions`` holds: a config, a
        path (runtime 2.0, no store) or a definition's ``CloudFrontFunction`` (a store the
        definition associates but nothing maps to local data is empty)."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str | PathLike):
            return cls(value)
        if all(hasattr(value, a) for a in ("path", "runtime", "key_value_store")):
            store = value.key_value_store
            kvs = None if store is None else store if store.data_path else {}
            return cls(value.path, value.runtime, kvs, value.name)
        raise ConfigError(
            f"{key} must be the path of a CloudFront Function's .js file or an "
            f"el.CloudFrontFunctionConfig(function, runtime, kvs); got {type(value).__name__}",
            key=key,
        )


@dataclass
class BoundCloudFrontFunction:
    """A loaded CloudFront Function attached to one viewer trigger of a behaviour
    (``handler`` is an ``edgelab.CloudFrontFunctionHandler``)."""

    trigger: Trigger
    handler: Any
    name: str

    @property
    def runtime(self) -> str:
        return str(self.handler.runtime)


@dataclass(frozen=True)
class OriginRequestPolicy:
    """What is forwarded to the origin beyond the cache key (facts §7, §8.3).

    ``headers``: ``"none"``, ``"all"`` (every viewer header) or names; ``cookies`` and
    ``query_strings``: ``"none"``, ``"all"`` or names; ``cloudfront_headers``: the
    ``CloudFront-*`` headers of §7 to add. A :class:`~edgelab.edge.cache.NameMatch`
    stands for ``allExcept`` and for names with wildcards.
    """

    headers: Selection = "none"
    cookies: Selection = "none"
    query_strings: Selection = "none"
    cloudfront_headers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        key = "origin_request_policy"
        object.__setattr__(
            self, "headers", _lower(parse_selection(self.headers, key=f"{key}.headers"))
        )
        object.__setattr__(self, "cookies", parse_selection(self.cookies, key=f"{key}.cookies"))
        object.__setattr__(
            self, "query_strings", parse_selection(self.query_strings, key=f"{key}.query_strings")
        )
        names = []
        for n in parse_selection_names(self.cloudfront_headers):
            if canonical_cloudfront_name(n) is None:
                raise ConfigError(
                    f"{key}.cloudfront_headers names {n!r}, which is not a CloudFront header; "
                    "allowed: the CloudFront-Is-*-Viewer, CloudFront-Viewer-* and "
                    "CloudFront-Forwarded-Proto headers of facts §7",
                    key=f"{key}.cloudfront_headers",
                )
            names.append(n.lower())
        object.__setattr__(self, "cloudfront_headers", tuple(names))


def _lower(sel: Selection) -> Selection:
    if isinstance(sel, NameMatch):
        return NameMatch(tuple(n.lower() for n in sel.names), sel.exclude)
    return sel if isinstance(sel, str) else tuple(n.lower() for n in sel)


def union(a: Selection, b: Selection) -> Selection:
    """What two selections forward together (the cache key's and the origin request
    policy's, facts §4.2)."""
    if "all" in (a, b):
        return "all"
    if a == "none":
        return b
    if b == "none":
        return a
    if isinstance(a, NameMatch) or isinstance(b, NameMatch):
        return _union_match(a, b)
    names = tuple(dict.fromkeys(tuple(a) + tuple(b)))
    return names or "none"


def _union_match(a: Selection, b: Selection) -> Selection:
    exclusions = [s for s in (a, b) if isinstance(s, NameMatch) and s.exclude]
    inclusions = [s for s in (a, b) if not (isinstance(s, NameMatch) and s.exclude)]
    names = tuple(n for s in inclusions for n in (s.names if isinstance(s, NameMatch) else s))
    if not exclusions:
        return NameMatch(tuple(dict.fromkeys(names)))
    left = set(exclusions[0].names)
    for other in exclusions[1:]:
        left &= set(other.names)
    kept = tuple(n for n in exclusions[0].names if n in left and not _any_match(n, names))
    return NameMatch(kept, exclude=True) if kept else "all"


def _any_match(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(name, p) for p in patterns)


@dataclass
class BoundTrigger:
    """A loaded function attached to one trigger of a behaviour."""

    trigger: Trigger
    handler: Handler
    include_body: bool
    timeout_s: float
    memory_mb: int
    container_id: str
    #: the Lambda runtime its stages report (``python3.12``, ``nodejs20.x``)
    runtime: str = ""


@dataclass(eq=False)
class CacheBehavior:
    """One cache behaviour (facts §3): see the module docstring.

    ``triggers`` maps event types to handlers (as :class:`Distribution` takes them);
    ``cached_methods`` come from the cache policy (``CachePolicy.cached_methods``).
    ``cloudfront_functions`` maps viewer-request / viewer-response to CloudFront
    Functions (a ``.js`` path, a :class:`CloudFrontFunctionConfig` or the model's
    ``CloudFrontFunction``); never beside a Lambda@Edge function on a viewer event
    (cloudfront-functions-facts §6). ``response_headers_policy`` is the model's policy.
    """

    path_pattern: str = "*"
    target_origin: str = "origin"
    viewer_protocol_policy: str = "allow-all"
    allowed_methods: tuple[str, ...] = ALL_METHODS
    compress: bool = False
    cache_policy: CachePolicy = field(default_factory=CachePolicy)
    origin_request_policy: OriginRequestPolicy = field(default_factory=OriginRequestPolicy)
    triggers: Mapping[str, Any] | Mapping[Trigger, Any] = field(default_factory=dict)
    cloudfront_functions: Mapping[str, Any] = field(default_factory=dict)
    response_headers_policy: Any = None
    #: the model's Behavior when the behaviour comes from a definition
    spec: Any = None
    #: what a trace of this behaviour notes (features of the definition not run yet)
    notes: tuple[str, ...] = ()
    # -- runtime state, filled by the distribution ---------------------------------------
    bound: dict[Trigger, BoundTrigger] = field(default_factory=dict, init=False, repr=False)
    #: the CloudFront Functions, loaded, by viewer trigger
    cff: dict[Trigger, BoundCloudFrontFunction] = field(
        default_factory=dict, init=False, repr=False
    )
    stack: Next | None = field(default=None, init=False, repr=False)
    is_default: bool = field(default=False, init=False)
    #: the origin requests go to first (the target, or its origin group's primary)
    target: OriginTarget | None = field(default=None, init=False, repr=False)
    #: that origin's S3 Region, for the regional edge cache bypass (facts §8)
    s3_region: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        key = f"behaviors[{self.path_pattern}]"
        if self.viewer_protocol_policy not in VIEWER_PROTOCOL_POLICIES:
            raise ConfigError(
                f"{key}.viewer_protocol_policy must be one of "
                f"{', '.join(VIEWER_PROTOCOL_POLICIES)} (facts §3.3); got "
                f"{self.viewer_protocol_policy!r}",
                key=f"{key}.viewer_protocol_policy",
            )
        methods = tuple(str(m).upper() for m in self.allowed_methods)
        bad = [m for m in methods if m not in ALL_METHODS]
        if bad or not {"GET", "HEAD"} <= set(methods):
            raise ConfigError(
                f"{key}.allowed_methods must include GET and HEAD and be among "
                f"{', '.join(ALL_METHODS)} (facts §3.2); got {list(self.allowed_methods)}",
                key=f"{key}.allowed_methods",
            )
        self.allowed_methods = methods
        self.cloudfront_functions = {
            Trigger.parse(k, key=f"{key}.cloudfront_functions").value: v
            for k, v in self.cloudfront_functions.items()
        }
        self.plan()

    @property
    def matches_everything(self) -> bool:
        return self.is_default or self.path_pattern == "*"

    @property
    def allows_every_method(self) -> bool:
        return set(self.allowed_methods) == set(ALL_METHODS)

    def plan(self) -> None:
        """Precompute what the chain needs per request from the two policies."""
        cp, orp = self.cache_policy, self.origin_request_policy
        cf = [h for h in cp.headers if canonical_cloudfront_name(h)]
        bad = [h for h in cf if h in ORIGIN_POLICY_ONLY]
        if bad:
            raise ConfigError(
                f"cache.headers names {bad[0]!r}, which only an origin request "
                "policy can forward (facts §7)",
                key="cache.headers",
            )
        cf += [h for h in orp.cloudfront_headers if h not in cf]
        self.cloudfront_header_names: tuple[str, ...] = tuple(cf)
        self.forward_all_headers = orp.headers == "all"
        #: allExcept: every viewer header except these names
        self.forward_headers_except: NameMatch | None = (
            orp.headers if isinstance(orp.headers, NameMatch) and orp.headers.exclude else None
        )
        named = () if isinstance(orp.headers, str | NameMatch) else orp.headers
        self.forward_headers = frozenset(cp.headers) | frozenset(named) | frozenset(cf)
        self.forward_cookies = union(cp.cookies, orp.cookies)
        self.forward_query_strings = union(cp.query_strings, orp.query_strings)
        # §2: origin functions see the query string only when all of it is forwarded.
        self.origin_events_see_querystring = self.forward_query_strings == "all"
        self.forwards_host = self.forward_all_headers or (
            "host" in self.forward_headers
            if self.forward_headers_except is None
            else "host" in self.forward_headers_except  # selected: not among the excepted
        )

    def cloudfront_function_configs(
        self, lambdas: Mapping[Trigger, Any]
    ) -> dict[Trigger, CloudFrontFunctionConfig]:
        """The behaviour's CloudFront Functions by trigger, checked against the placement
        rules (cloudfront-functions-facts §6): viewer events only, and no Lambda@Edge
        function on a viewer event of the same behaviour."""
        out: dict[Trigger, CloudFrontFunctionConfig] = {}
        where = f"behaviors[{self.path_pattern}].cloudfront_functions"
        for name, value in self.cloudfront_functions.items():
            trig = Trigger(name)
            if not trig.is_viewer:
                raise ConfigError(
                    f"{where}.{name}: a CloudFront Function runs on viewer-request or "
                    f"viewer-response only (cloudfront-functions-facts §6); got {name}",
                    key=f"{where}.{name}",
                )
            out[trig] = CloudFrontFunctionConfig.of(value, f"{where}.{name}")
        lambda_viewer = [t.value for t in lambdas if t.is_viewer]
        if out and lambda_viewer:
            raise ConfigError(
                f"behaviour {self.path_pattern!r} has CloudFront Functions on "
                f"{', '.join(t.value for t in out)} and Lambda@Edge on "
                f"{', '.join(lambda_viewer)}: the two kinds cannot be combined on the viewer "
                'events of one behaviour (CUR "Restrictions on all edge functions", '
                "cloudfront-functions-facts §6); move one to the other kind",
                key=where,
            )
        return out

    def trigger_configs(self) -> dict[Trigger, TriggerConfig]:
        """The behaviour's functions as :class:`TriggerConfig` by trigger, checked."""
        out: dict[Trigger, TriggerConfig] = {}
        for name, spec in self.triggers.items():
            trig = Trigger.parse(name, what="a key of triggers", key=f"triggers.{name}")
            conf = spec if isinstance(spec, TriggerConfig) else TriggerConfig(spec)
            if conf.include_body and not trig.is_request:
                raise ConfigError(
                    f"include_body is an option of viewer-request and "
                    f"origin-request only (facts §1.4); got it on {trig.value}",
                    key=f"triggers.{trig.value}.include_body",
                )
            out[trig] = conf
        return out
