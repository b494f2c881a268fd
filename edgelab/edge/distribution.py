"""A CloudFront distribution: ordered cache behaviours, origins by id, two cache tiers.

The short form is one behaviour, up to four functions, a cache policy, an origin
request policy and one origin::

    >>> import edgelab as el
    >>> dist = el.Distribution(
    ...     triggers={"viewer-request": "handlers/vr.py"},
    ...     origin=el.MappingOrigin({"/": "hello"}))
    >>> trace = dist.request("/", headers={"Accept-Encoding": "gzip"})
    >>> trace.status, trace.cache
    (200, 'Miss')

The full form takes behaviours in evaluation order (the last, ``*``, is the default)
and origins by id::

    el.Distribution(
        behaviors=[el.CacheBehavior("/api/*", target_origin="api", triggers={...}),
                   el.CacheBehavior(target_origin="site")],
        origins={"api": el.HttpOrigin("http://127.0.0.1:9000"), "site": el.FolderOrigin("site/")})

:func:`edgelab.load_distribution` builds one from a definition in any format
(:mod:`edgelab.edge.config`). Handlers are loaded once (a function two behaviours share
is one handler, one set of containers) and reloaded by their runtime when their file
changes. The chain itself is in :mod:`edgelab.edge.chain`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from os import PathLike
from pathlib import Path
from typing import Any

from ..cloudfront_functions.limits import CFF_RULE_SETS, get_cff_rules
from ..errors import ConfigError, EdgelabError, EventError
from ..event.build import DISTRIBUTION_DOMAIN, DISTRIBUTION_ID
from ..outbound.sandbox import AwsLike, HttpLike, Sandbox
from ..rules.tables import RuleSet, get_rules
from ..runtimes import Handler, load_handler
from ..runtimes.base import lambda_runtime
from ..runtimes.cloudfront_js import CloudFrontFunctionHandler
from ..triggers import Trigger
from .behavior import (
    BoundCloudFrontFunction,
    BoundTrigger,
    CacheBehavior,
    CloudFrontFunctionConfig,
    OriginRequestPolicy,
    TriggerConfig,
)
from .cache import Cache, CachePolicy
from .chain import PAGE_STACK, STACK, build_stack, run_chain
from .deployment import Staging
from .exchange import Next
from .origins import HttpOrigin, Origin
from .paths import match_behavior
from .targets import LocalHttpOrigin, OriginTarget
from .tiers import CacheTiers
from .trace import Trace
from .viewer import DEFAULT_EDGE_LOCATION, ViewerRequest

__all__ = [
    "BoundCloudFrontFunction",
    "BoundTrigger",
    "CacheBehavior",
    "CloudFrontFunctionConfig",
    "Distribution",
    "OriginRequestPolicy",
    "TriggerConfig",
    "check_viewer_defaults",
]


def _cache_tiers(cache: CacheTiers | Cache | None, clock: Callable[[], float]) -> CacheTiers:
    """The distribution's cache tiers: a :class:`Cache` gives its clock and size bound to
    every tier; none gives fresh tiers on ``clock``."""
    if isinstance(cache, Cache):
        return CacheTiers(clock=cache.clock, max_entries=cache.max_entries)
    return cache if cache is not None else CacheTiers(clock=clock)


def _cff_rule_set(cff_rules: RuleSet | str | None, rules: RuleSet) -> RuleSet:
    """The CloudFront Functions rule set: the one given, else the one named like the
    Lambda@Edge ``rules`` when there is one, else the default."""
    if isinstance(cff_rules, RuleSet):
        return cff_rules
    return get_cff_rules(cff_rules or (rules.name if rules.name in CFF_RULE_SETS else None))


class Distribution:
    """A distribution; see the module docstring.

    ``origin`` (short form) is any callable ``(request) -> response`` (see
    :mod:`edgelab.edge.origins`); ``origins`` (full form) maps origin ids to such
    callables or :class:`~edgelab.edge.targets.OriginTarget`. ``clock`` (seconds,
    ``time.time`` by default) drives the caches' TTLs and trace times; ``cache`` is a
    :class:`~edgelab.edge.tiers.CacheTiers` (a :class:`Cache` gives its clock and size
    bound to every tier). ``rules`` is the Lambda@Edge rule set and ``cff_rules`` the
    CloudFront Functions one (default: the one of the same name, else ``2025-11``); a
    behaviour's ``cloudfront_functions`` run in sandbox workers, one per function file,
    runtime and key value store. ``spec`` is the model a definition was read into
    (``edgelab.definitions.DistributionSpec``), for the stages that read more of it.
    ``http`` (mocks and loopback hosts, :class:`~edgelab.outbound.HttpMocks` or a mapping
    of URL patterns to responses) and ``aws`` (:class:`~edgelab.outbound.LocalAws` or a
    list of service names) are what the functions' outbound calls reach; they start with
    the distribution and stop with :meth:`close`. Each stage's ``calls`` lists the calls.
    """

    def __init__(
        self,
        triggers: Mapping[str, Any] | Mapping[Trigger, Any] | None = None,
        *,
        origin: Origin | Callable[[dict[str, Any]], Any] | None = None,
        cache_policy: CachePolicy | None = None,
        origin_request_policy: OriginRequestPolicy | None = None,
        behaviors: Sequence[CacheBehavior] | None = None,
        origins: Mapping[str, Any] | None = None,
        default_root_object: str = "",
        domain_name: str = DISTRIBUTION_DOMAIN,
        distribution_id: str = DISTRIBUTION_ID,
        rules: RuleSet | str | None = None,
        cff_rules: RuleSet | str | None = None,
        isolated: bool = False,
        clock: Callable[[], float] = time.time,
        cache: CacheTiers | Cache | None = None,
        edge_location: str = DEFAULT_EDGE_LOCATION,
        viewer_defaults: Mapping[str, Any] | None = None,
        resolve: Mapping[str, str] | None = None,
        spec: Any = None,
        staging: Staging | None = None,
        http: HttpLike | None = None,
        aws: AwsLike | None = None,
    ) -> None:
        self.domain_name = domain_name
        self.distribution_id = distribution_id
        self.rules = rules if isinstance(rules, RuleSet) else get_rules(rules)
        self.clock = clock
        self.cache = _cache_tiers(cache, clock)
        self.edge_location = edge_location
        self.viewer_defaults = check_viewer_defaults(viewer_defaults)
        self.default_root_object = default_root_object
        self.spec = spec
        #: the staging copy and its router under continuous deployment (facts §9)
        self.staging = staging
        self.isolated = isolated
        self._resolve = dict(resolve or {})
        self._router: HttpOrigin | None = None
        self._regions: dict[str, str | None] = {}
        self._handlers: dict[Any, tuple[Handler, str]] = {}
        self.sandbox: Sandbox | None = None
        self._cff_handlers: dict[tuple[str, str, str], CloudFrontFunctionHandler] = {}
        #: the CloudFront Functions rule set (default: the one named like ``rules``)
        self.cff_rules = _cff_rule_set(cff_rules, self.rules)
        self._page_stacks: dict[int, Next] = {}
        if behaviors is None:
            behaviors, origins = self._short_form(
                triggers, origin, cache_policy, origin_request_policy
            )
        elif triggers or origin is not None or cache_policy or origin_request_policy:
            raise ConfigError(
                "give either triggers, origin, cache_policy and origin_request_policy (one "
                "behaviour) or behaviors and origins, not both",
                key="behaviors",
            )
        self._set_origins(origins or {}, spec)
        self._set_behaviors(behaviors, http, aws)

    # -- building ---------------------------------------------------------------------------
    def _set_origins(self, origins: Mapping[str, Any], spec: Any) -> None:
        """The origins by id and by domain name, the origin groups and the statuses with
        custom error responses."""
        self.origins: dict[str, OriginTarget] = {
            oid: o if isinstance(o, OriginTarget) else _target(oid, o) for oid, o in origins.items()
        }
        self._by_domain = {
            (kind, str(block.get("domainName", "")).lower()): t
            for t in self.origins.values()
            for kind, block in t.origin_object.items()
        }
        self.origin_groups = {g.id: g for g in getattr(spec, "origin_groups", ())}
        #: the statuses the definition has custom error responses for (facts §6.1)
        self.error_codes = frozenset(
            e.error_code for e in getattr(spec, "custom_error_responses", ())
        )

    def _set_behaviors(
        self, behaviors: Sequence[CacheBehavior], http: HttpLike | None, aws: AwsLike | None
    ) -> None:
        """Start the outbound sandbox, load each behaviour's functions and build its
        stage stack; on a failure, close what started."""
        self.behaviors: list[CacheBehavior] = list(behaviors)
        if not self.behaviors:
            raise ConfigError(
                "a distribution needs at least its default behaviour", key="behaviors"
            )
        try:
            if http is not None or aws is not None:
                self.sandbox = Sandbox(http=http, aws=aws).start()
            for b in self.behaviors:
                self._bind(b, b is self.behaviors[-1])
        except BaseException:
            self.close()
            raise
        self._single = self.behaviors[0] if len(self.behaviors) == 1 else None
        for b in self.behaviors:
            b.stack = build_stack(self, STACK, b)

    # -- building ---------------------------------------------------------------------------
    def _short_form(
        self,
        triggers: Mapping[Any, Any] | None,
        origin: Any,
        cache_policy: CachePolicy | None,
        origin_request_policy: OriginRequestPolicy | None,
    ) -> tuple[list[CacheBehavior], dict[str, Any]]:
        if origin is None or not callable(origin):
            raise ConfigError(
                f"origin must be a callable from request to response (for example "
                f"el.MappingOrigin, el.FolderOrigin, el.HttpOrigin or a function);"
                f" got {type(origin).__name__}",
                key="origin",
            )
        behavior = CacheBehavior(
            "*",
            "origin",
            cache_policy=cache_policy or CachePolicy(),
            origin_request_policy=origin_request_policy or OriginRequestPolicy(),
            triggers=triggers or {},
        )
        return [behavior], {"origin": OriginTarget.of(origin)}

    def _bind(self, b: CacheBehavior, is_default: bool) -> None:
        """Load the behaviour's functions and check its target."""
        b.is_default = is_default
        if is_default and b.path_pattern != "*":
            raise ConfigError(
                f"the last behaviour is the default and matches every path ('*'); got "
                f"{b.path_pattern!r} (facts §3.1)",
                key="behaviors",
            )
        if b.target_origin not in self.origins and b.target_origin not in self.origin_groups:
            raise ConfigError(
                f"behaviour {b.path_pattern!r} targets {b.target_origin!r}, which is not an "
                f"origin of the distribution ({', '.join(self.origins) or 'none'})",
                key=f"behaviors[{b.path_pattern}].target_origin",
            )
        b.target = self.first_origin(b)
        b.s3_region = b.target.s3_region
        lambdas = b.trigger_configs()
        cffs = b.cloudfront_function_configs(lambdas)
        for trig, conf in lambdas.items():
            b.bound[trig] = self._load(trig, conf)
        for trig, cff in cffs.items():
            b.cff[trig] = self._load_cff(trig, cff)

    def _load_cff(self, trig: Trigger, conf: CloudFrontFunctionConfig) -> BoundCloudFrontFunction:
        """One sandbox worker per (file, runtime, store): behaviours sharing a
        CloudFront Function share it."""
        path = str(Path(conf.function).resolve())
        store = conf.kvs if isinstance(conf.kvs, str | PathLike | None) else id(conf.kvs)
        key = (path, conf.runtime, str(store))
        if key not in self._cff_handlers:
            try:
                self._cff_handlers[key] = CloudFrontFunctionHandler(
                    Path(conf.function),
                    conf.runtime,
                    rules=self.cff_rules,
                    kvs=conf.kvs,
                    origins=list(self.origins),
                    edge_location=self.edge_location,
                )
            except EdgelabError as exc:
                exc.args = (f"cloudfront_functions.{trig.value}: {exc}", *exc.args[1:])
                raise exc.with_context(trigger=trig.value, handler=str(conf.function)) from None
        handler = self._cff_handlers[key]
        return BoundCloudFrontFunction(trig, handler, conf.name or handler.function_name)

    def _load(self, trig: Trigger, conf: TriggerConfig) -> BoundTrigger:
        """One handler per (trigger, handler): two behaviours sharing a function share its
        containers."""
        key = (trig, conf.handler if isinstance(conf.handler, str) else id(conf.handler))
        if key not in self._handlers:
            env = self.sandbox.environ() if self.sandbox is not None else None
            try:
                handler = load_handler(conf.handler, isolated=self.isolated, env=env)
            except EdgelabError as exc:  # say which trigger the handler was meant for
                spec = conf.handler if isinstance(conf.handler, str) else None
                exc.args = (f"triggers.{trig.value}: {exc}", *exc.args[1:])
                raise exc.with_context(trigger=trig.value, handler=spec) from None
            if self.sandbox is not None:
                handler = self.sandbox.wrap(handler)
            self._handlers[key] = (handler, uuid.uuid4().hex)
        handler, container = self._handlers[key]
        timeout = self.rules.timeout_s(trig)
        if conf.timeout_s is not None:
            timeout = min(timeout, conf.timeout_s)
        runtime = lambda_runtime(conf.runtime, handler.language)
        return BoundTrigger(
            trig,
            handler,
            conf.include_body,
            timeout,
            self.rules.memory_mb(trig),
            container,
            runtime,
        )

    # -- what the stages look up ----------------------------------------------------------
    @property
    def default_behavior(self) -> CacheBehavior:
        return self.behaviors[-1]

    def behavior_for(self, uri: str) -> CacheBehavior:
        """The behaviour CloudFront picks for a viewer uri (facts §3.1)."""
        return self._single or match_behavior(self.behaviors, uri)

    def first_origin(self, b: CacheBehavior) -> OriginTarget:
        """The origin a behaviour's requests go to first: its target, or its origin
        group's primary."""
        target = self.origins.get(b.target_origin)
        if target is not None:
            return target
        return self.origins[self.origin_groups[b.target_origin].primary]

    def origin_for(
        self, block: dict[str, Any], current: OriginTarget | None, scheme: str
    ) -> tuple[Callable[[dict[str, Any]], Any], OriginTarget | None]:
        """The local callable for a request's origin block, and the origin it is: the
        current one, another origin of the distribution with that domain name (a
        function switched to it), else a custom origin on this machine (no origin id) or,
        for an S3 bucket the distribution does not define, the current origin."""
        if current is not None and block == current.block(scheme):
            return current.local, current
        kind, fields = next(iter(block.items()))
        other = self._by_domain.get((kind, str(fields.get("domainName", "")).lower()))
        if other is not None:
            return other.local, other
        if kind == "custom" or current is None:
            return self.router, None
        return current.local, current

    def regional_for(self, edge_location: str) -> str | None:
        """The Region of the regional edge cache an edge location uses (facts §8)."""
        try:
            return self._regions[edge_location]
        except KeyError:
            region = self._regions[edge_location] = CacheTiers.regional_for(edge_location)
            return region

    def error_page_stack(self, b: CacheBehavior) -> Next:
        """The chain that fetches a custom error page through behaviour ``b`` (facts
        §6.1): :data:`~edgelab.edge.chain.PAGE_STACK`, built on first use."""
        app = self._page_stacks.get(id(b))
        if app is None:
            app = self._page_stacks[id(b)] = build_stack(self, PAGE_STACK, b)
        return app

    # -- the short form's view ---------------------------------------------------------------
    @property
    def stack(self) -> Next:
        """The default behaviour's chain (the whole chain of a one-behaviour distribution)."""
        assert self.default_behavior.stack is not None
        return self.default_behavior.stack

    @stack.setter
    def stack(self, app: Next) -> None:
        self.default_behavior.stack = app

    @property
    def triggers(self) -> dict[Trigger, BoundTrigger]:
        """The default behaviour's functions by trigger."""
        return self.default_behavior.bound

    @property
    def cache_policy(self) -> CachePolicy:
        return self.default_behavior.cache_policy

    @property
    def origin_request_policy(self) -> OriginRequestPolicy:
        return self.default_behavior.origin_request_policy

    @property
    def origin(self) -> Origin:
        """The local origin of the default behaviour's target."""
        return self.first_origin(self.default_behavior).local

    @property
    def origin_object(self) -> dict[str, Any]:
        return self.first_origin(self.default_behavior).origin_object

    @property
    def router(self) -> HttpOrigin:
        """Reaches a custom origin a function switched to (loopback addresses only)."""
        if self._router is None:
            origin = self.origin
            if isinstance(origin, LocalHttpOrigin):
                origin = origin.http
            self._router = (
                origin
                if isinstance(origin, HttpOrigin)
                else HttpOrigin("http://localhost", resolve=self._resolve)
            )
        return self._router

    # -- sending requests -----------------------------------------------------------------
    def send(self, viewer: ViewerRequest) -> Trace:
        """Run one viewer request through the chain; never raises for what a function or
        the origin does (those are results in the trace)."""
        if self.viewer_defaults:
            viewer = viewer.with_defaults(self.viewer_defaults)
        return run_chain(self, viewer)

    def request(
        self,
        path: str = "/",
        *,
        headers: Any = None,
        cookies: Any = None,
        method: str = "GET",
        body: bytes | str | None = None,
        **viewer: Any,
    ) -> Trace:
        """Send ``path`` (``/a?x=1``); ``viewer`` takes :class:`ViewerRequest` fields such
        as ``country``, ``client_ip``, ``edge_location``, ``protocol``, ``time``."""
        viewer.setdefault("edge_location", self.edge_location)
        for name, value in self.viewer_defaults.items():
            viewer.setdefault(name, value)
        return self.send(
            ViewerRequest.from_path(
                path, headers=headers, cookies=cookies, method=method, body=body, **viewer
            )
        )

    def close(self) -> None:
        staging = getattr(self, "staging", None)
        if staging is not None:
            staging.distribution.close()
        for handler, _ in self._handlers.values():
            handler.close()
        for cff in getattr(self, "_cff_handlers", {}).values():
            cff.close()
        locals_ = [t.local for t in getattr(self, "origins", {}).values()]
        for origin in {id(o): o for o in (*locals_, self._router) if o is not None}.values():
            close = getattr(origin, "close", None)
            if close:
                close()
        if self.sandbox is not None:
            self.sandbox.close()

    def __enter__(self) -> Distribution:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        parts = []
        for b in self.behaviors:
            trig = ", ".join(
                [
                    f"{t.short}={bt.handler.spec or bt.handler.function_name}"
                    for t, bt in b.bound.items()
                ]
                + [f"{t.short}={f.handler.spec} ({f.runtime})" for t, f in b.cff.items()]
            )
            parts.append(f"{b.path_pattern} -> {b.target_origin} [{trig}]")
        if len(parts) == 1:
            return (
                f"<Distribution {self.domain_name} [{parts[0].split('[', 1)[1]} "
                f"origin={type(self.origin).__name__}>"
            )
        return f"<Distribution {self.domain_name} {'; '.join(parts)}>"


def _target(origin_id: str, origin: Any) -> OriginTarget:
    if not callable(origin):
        raise ConfigError(
            f"origins[{origin_id!r}] must be a callable from request to response (for "
            f"example el.FolderOrigin or a function); got {type(origin).__name__}",
            key=f"origins.{origin_id}",
        )
    return OriginTarget.of(origin, origin_id)


def check_viewer_defaults(defaults: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``[viewer]`` table checked as a viewer request would be (a ConfigError naming
    ``viewer.KEY`` otherwise): country, client_ip, latitude ... of every request."""
    out = dict(defaults or {})
    allowed = {f.name for f in fields(ViewerRequest)} - {
        "uri",
        "method",
        "querystring",
        "headers",
        "body",
        "request_id",
        "time",
    }
    for key in out:
        if key not in allowed:
            raise ConfigError(
                f"[viewer] has an unknown key {key!r}; allowed: {', '.join(sorted(allowed))}",
                key=f"viewer.{key}",
            )
    try:
        ViewerRequest(**out).check()
    except EventError as exc:
        text = str(exc).removesuffix(f" (at {exc.path})")
        raise ConfigError(f"viewer.{text}", key=f"viewer.{exc.path}") from None
    return out
