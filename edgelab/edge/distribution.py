"""A CloudFront distribution: up to four functions, a cache policy, an origin request
policy and an origin, built in Python or loaded from a TOML file.

    >>> import edgelab as el
    >>> dist = el.Distribution(
    ...     triggers={"viewer-request": "handlers/vr.py"},
    ...     origin=el.MappingOrigin({"/": "hello"}))
    >>> trace = dist.request("/", headers={"Accept-Encoding": "gzip"})
    >>> trace.status, trace.cache
    (200, 'Miss')

Handlers are loaded once (:func:`edgelab.runtimes.load_handler`, any language) and
reloaded by their runtime when their file changes. The chain itself is in
:mod:`edgelab.edge.chain`; the TOML format in :mod:`edgelab.edge.config`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..errors import ConfigError, EdgelabError, EventError
from ..event.build import DISTRIBUTION_DOMAIN, DISTRIBUTION_ID
from ..outbound.sandbox import AwsLike, HttpLike, Sandbox
from ..rules.tables import RuleSet, get_rules
from ..runtimes import Handler, load_handler
from ..triggers import Trigger
from .cache import Cache, CachePolicy, Selection, parse_selection, parse_selection_names
from .chain import build_stack, run_chain
from .cloudfront_headers import ORIGIN_POLICY_ONLY, canonical_cloudfront_name
from .origins import CallableOrigin, HttpOrigin, Origin
from .trace import Trace
from .viewer import DEFAULT_EDGE_LOCATION, ViewerRequest


@dataclass(frozen=True)
class TriggerConfig:
    """One function association: the handler and Include Body (request triggers only)."""

    handler: str | Callable[..., Any] | Handler
    include_body: bool = False


@dataclass(frozen=True)
class OriginRequestPolicy:
    """What is forwarded to the origin beyond the cache key (facts §7, §8.3).

    ``headers``: ``"none"``, ``"all"`` (every viewer header) or names; ``cookies`` and
    ``query_strings``: ``"none"``, ``"all"`` or names; ``cloudfront_headers``: the
    ``CloudFront-*`` headers of §7 to add.
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
    return sel if isinstance(sel, str) else tuple(n.lower() for n in sel)


def _union(a: Selection, b: Selection) -> Selection:
    if "all" in (a, b):
        return "all"
    first: tuple[str, ...] = () if isinstance(a, str) else a
    second: tuple[str, ...] = () if isinstance(b, str) else b
    names = tuple(dict.fromkeys(first + second))
    return names or "none"


@dataclass
class BoundTrigger:
    """A loaded function attached to one trigger of a distribution."""

    trigger: Trigger
    handler: Handler
    include_body: bool
    timeout_s: float
    memory_mb: int
    container_id: str


class Distribution:
    """A distribution with up to one function per trigger; see the module docstring.

    ``origin`` is any callable ``(request) -> response`` (see :mod:`edgelab.edge.origins`);
    ``clock`` (seconds, ``time.time`` by default) drives the cache's TTLs and trace times.
    ``http`` (mocks and loopback hosts, :class:`~edgelab.outbound.HttpMocks` or a mapping
    of URL patterns to responses) and ``aws`` (:class:`~edgelab.outbound.LocalAws` or a
    list of service names) are what the functions' outbound calls reach; they start with
    the distribution and stop with :meth:`close`. Each stage's ``calls`` lists the calls.
    """

    def __init__(
        self,
        triggers: Mapping[str, Any] | Mapping[Trigger, Any] | None = None,
        *,
        origin: Origin | Callable[[dict[str, Any]], Any],
        cache_policy: CachePolicy | None = None,
        origin_request_policy: OriginRequestPolicy | None = None,
        domain_name: str = DISTRIBUTION_DOMAIN,
        distribution_id: str = DISTRIBUTION_ID,
        rules: RuleSet | str | None = None,
        isolated: bool = False,
        clock: Callable[[], float] = time.time,
        cache: Cache | None = None,
        edge_location: str = DEFAULT_EDGE_LOCATION,
        viewer_defaults: Mapping[str, Any] | None = None,
        resolve: Mapping[str, str] | None = None,
        http: HttpLike | None = None,
        aws: AwsLike | None = None,
    ) -> None:
        self.domain_name = domain_name
        self.distribution_id = distribution_id
        self.rules = rules if isinstance(rules, RuleSet) else get_rules(rules)
        self.clock = clock
        self.cache = cache if cache is not None else Cache(clock=clock)
        self.cache_policy = cache_policy or CachePolicy()
        self.origin_request_policy = origin_request_policy or OriginRequestPolicy()
        self.edge_location = edge_location
        self.viewer_defaults = check_viewer_defaults(viewer_defaults)
        if not callable(origin):
            raise ConfigError(
                f"origin must be a callable from request to response (for example "
                f"el.MappingOrigin, el.FolderOrigin, el.HttpOrigin or a function);"
                f" got {type(origin).__name__}",
                key="origin",
            )
        self.origin = origin if hasattr(origin, "origin_object") else CallableOrigin(origin)
        self.origin_object: dict[str, Any] = self.origin.origin_object  # type: ignore[attr-defined]
        self._resolve = dict(resolve or {})
        self._router: HttpOrigin | None = None
        self.triggers: dict[Trigger, BoundTrigger] = {}
        self.sandbox: Sandbox | None = None
        try:
            if http is not None or aws is not None:
                self.sandbox = Sandbox(http=http, aws=aws).start()
            env = self.sandbox.environ() if self.sandbox is not None else None
            for name, spec in (triggers or {}).items():
                self._bind(name, spec, isolated, env)
            self._plan()
        except BaseException:
            for bound in self.triggers.values():  # no worker process outlives a failed load
                bound.handler.close()
            if self.sandbox is not None:
                self.sandbox.close()
            raise
        self.stack = build_stack(self)

    def _bind(
        self,
        name: str | Trigger,
        spec: Any,
        isolated: bool,
        env: Mapping[str, str | None] | None = None,
    ) -> None:
        trig = Trigger.parse(name, what="a key of triggers", key=f"triggers.{name}")
        conf = spec if isinstance(spec, TriggerConfig) else TriggerConfig(spec)
        if conf.include_body and not trig.is_request:
            raise ConfigError(
                f"include_body is an option of viewer-request and "
                f"origin-request only (facts §1.4); got it on {trig.value}",
                key=f"triggers.{trig.value}.include_body",
            )
        try:
            handler = load_handler(conf.handler, isolated=isolated, env=env)
        except EdgelabError as exc:  # say which trigger the handler was meant for
            handler_spec = conf.handler if isinstance(conf.handler, str) else None
            exc.args = (f"triggers.{trig.value}: {exc}", *exc.args[1:])
            raise exc.with_context(trigger=trig.value, handler=handler_spec) from None
        if self.sandbox is not None:
            handler = self.sandbox.wrap(handler)
        self.triggers[trig] = BoundTrigger(
            trig,
            handler,
            conf.include_body,
            self.rules.timeout_s(trig),
            self.rules.memory_mb(trig),
            uuid.uuid4().hex,
        )

    def _plan(self) -> None:
        """Precompute what the chain needs per request (the hot path stays lean)."""
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
        self.forward_headers = (
            frozenset(cp.headers)
            | frozenset(() if isinstance(orp.headers, str) else orp.headers)
            | frozenset(cf)
        )
        self.forward_cookies = _union(cp.cookies, orp.cookies)
        self.forward_query_strings = _union(cp.query_strings, orp.query_strings)
        # §2: origin functions see the query string only when all of it is forwarded.
        self.origin_events_see_querystring = self.forward_query_strings == "all"

    @property
    def router(self) -> HttpOrigin:
        """Reaches a custom origin a function switched to (loopback addresses only)."""
        if self._router is None:
            self._router = (
                self.origin
                if isinstance(self.origin, HttpOrigin)
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
        as ``country``, ``client_ip``, ``edge_location``, ``time``."""
        viewer.setdefault("edge_location", self.edge_location)
        for name, value in self.viewer_defaults.items():
            viewer.setdefault(name, value)
        return self.send(
            ViewerRequest.from_path(
                path, headers=headers, cookies=cookies, method=method, body=body, **viewer
            )
        )

    def close(self) -> None:
        for bound in self.triggers.values():
            bound.handler.close()
        for origin in {id(o): o for o in (self.origin, self._router) if o is not None}.values():
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
        trig = ", ".join(
            f"{t.short}={b.handler.spec or b.handler.function_name}"
            for t, b in self.triggers.items()
        )
        return f"<Distribution {self.domain_name} [{trig}] origin={type(self.origin).__name__}>"


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
