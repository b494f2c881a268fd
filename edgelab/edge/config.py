"""A runnable :class:`~edgelab.edge.distribution.Distribution` from a definition file in
any format edgelab reads, or from the model one was read into.

    >>> dist = el.load_distribution("cdk.out", origins={"ApiOrigin": "http://127.0.0.1:9000"})

:func:`load_distribution` reads the file with :mod:`edgelab.definitions` (edgelab's TOML,
today's one-behaviour files included, CloudFormation/SAM/CDK, the CloudFront API's JSON,
``terraform show -json``; one reader per format) and builds the runtime with
:func:`from_spec`: one :class:`~edgelab.edge.behavior.CacheBehavior` per behaviour, in
evaluation order, with its policies, its Lambda@Edge functions and the CloudFront
Functions associated with it; one :class:`~edgelab.edge.targets.OriginTarget` per origin
id (served from what the definition or the mapping options say, else by the echo origin).

A TOML definition's (or a ``--map`` file's) ``[aws]`` and ``[http]`` become the
distribution's ``aws`` (:class:`~edgelab.outbound.LocalAws`) and ``http``
(:class:`~edgelab.outbound.HttpMocks`): what the functions' outbound calls reach (a
staging distribution gets its own definition's).

Everything the model holds runs: CloudFront Functions, response headers policies,
continuous deployment (a staging copy, :mod:`edgelab.edge.deployment`), origin group
failover (:mod:`edgelab.edge.failover`) and custom error responses
(:mod:`edgelab.edge.error_pages`); what a later model adds and this version does not run
would be said in the notes of every trace it concerns, and by ``edgelab config show``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DefinitionError, EdgelabError
from ..outbound.aws import LocalAws
from ..outbound.mocks import HttpMocks, http_mocks_from_config
from .behavior import CacheBehavior, OriginRequestPolicy, TriggerConfig
from .cache import CachePolicy, NameMatch, Selection
from .deployment import Router, Staging
from .distribution import Distribution
from .targets import LocalHttpOrigin, OriginTarget, kind_of, origin_blocks, target_from_spec
from .tiers import CacheTiers

#: the keyword arguments of :func:`edgelab.load_definition` (the mapping options)
MAPPING_OPTIONS = (
    "functions",
    "origins",
    "key_value_stores",
    "policies",
    "parameters",
    "map_file",
    "distribution",
    "cache_dir",
    "format",
)
#: the Distribution arguments a caller may override
OVERRIDES = (
    "origin",
    "cache_policy",
    "origin_request_policy",
    "domain_name",
    "distribution_id",
    "rules",
    "cff_rules",
    "isolated",
    "clock",
    "cache",
    "edge_location",
    "viewer_defaults",
    "resolve",
    "seed",
    "http",
    "aws",
)


def load_distribution(path: Any, *, default_isolated: bool = False, **options: Any) -> Distribution:
    """A :class:`Distribution` from a definition file (any format, see the module
    docstring) or a ``DistributionSpec``.

    ``options`` are the mapping options of :func:`edgelab.load_definition`
    (``functions``, ``origins``, ``key_value_stores``, ``policies``, ``parameters``,
    ``map_file``, ``distribution``, ``cache_dir``, ``format``) and overrides of the
    :class:`Distribution` arguments (``origin``, ``isolated``, ``clock``, ``rules``,
    ``http`` and ``aws`` in place of the definition's ``[http]`` / ``[aws]`` ...);
    ``origins`` may also map an origin id to a Python callable. ``default_isolated``: the
    mode of Python handlers when the file does not set ``isolated`` (``edgelab replay``
    and ``edgelab serve`` pass True).
    """
    unknown = sorted(set(options) - set(MAPPING_OPTIONS) - set(OVERRIDES))
    if unknown:
        raise ConfigError(
            f"load_distribution takes the mapping options ({', '.join(MAPPING_OPTIONS)}) "
            f"and the overrides ({', '.join(OVERRIDES)}); got {unknown[0]!r}",
            key=unknown[0],
        )
    overrides = {k: v for k, v in options.items() if k in OVERRIDES}
    mapping = {k: v for k, v in options.items() if k in MAPPING_OPTIONS and v is not None}
    python_origins = {k: v for k, v in (mapping.get("origins") or {}).items() if callable(v)}
    if python_origins:
        mapping["origins"] = {
            k: v for k, v in mapping["origins"].items() if k not in python_origins
        }
    if hasattr(path, "behaviors") and hasattr(path, "origins"):  # a DistributionSpec
        spec = path
    else:
        from ..definitions.load import load_definition

        p = Path(path)
        if not p.exists():
            raise ConfigError(
                f"config file {str(path)!r} does not exist; give a distribution.toml, a "
                "CloudFormation/SAM template, a cdk.out folder, get-distribution-config "
                "JSON or terraform show -json output",
                key="config",
            )
        try:
            spec = load_definition(p, **mapping)
        except DefinitionError as exc:
            raise _named(exc, str(path)) from None
    try:
        return from_spec(
            spec, default_isolated=default_isolated, origins=python_origins, **overrides
        )
    except EdgelabError as exc:  # a value the runtime refuses: name the file too
        where = str(path) if spec is not path else str(getattr(spec, "file", ""))
        if where and not str(exc).startswith(where):
            exc.args = (f"{where}: {exc}", *exc.args[1:])
        raise


def _named(exc: DefinitionError, given: str) -> DefinitionError:
    """``exc`` naming the file as the caller gave it: ``FILE: key: message`` for a file
    without line numbers (TOML, as distribution.toml errors always read), ``FILE:LINE,
    where: message`` otherwise (STYLE 17)."""
    place = exc.file + (f":{exc.line}" if exc.file and exc.line else "")
    prefix = ", ".join(p for p in (place, exc.where) if p)
    text = str(exc)
    body = text[len(prefix) + 2 :] if prefix and text.startswith(prefix + ": ") else text
    if exc.line:
        head = f"{given}:{exc.line}" + (f", {exc.where}" if exc.where else "")
    else:
        head = given + (f": {exc.where}" if exc.where else "")
    out = DefinitionError(body, unresolved=exc.unresolved)
    out.args = (f"{head}: {body}",)
    out.file, out.line, out.where, out.key = given, exc.line, exc.where, exc.key
    return out


def check_distribution(path: Any, **options: Any) -> None:
    """Load the distribution in ``path`` once, as a dry run, and close it.

    Every value is checked and every handler imported, Python ones in worker processes
    (the runtime's isolated mode), so a handler that calls ``os._exit`` or hangs while
    importing is reported as a :class:`~edgelab.errors.HandlerLoadError` instead of
    taking the caller with it. Replay on N workers (before it starts them), the
    supervised one-worker replay (only when its worker could not load the definition)
    and ``edgelab serve`` (for in-process handlers) call this, so one worker and N
    workers refuse the same definition with the same message. ``options`` are the
    mapping options of :func:`load_distribution`.
    """
    options = {k: v for k, v in options.items() if k != "isolated"}
    load_distribution(path, isolated=True, **options).close()


def configured_isolated(path: str | Path) -> bool | None:
    """What a TOML definition's ``[distribution] isolated`` says (None: not set, or a
    format without edgelab's settings), read without loading the definition."""
    p = Path(path)
    if p.suffix.lower() != ".toml" or not p.is_file():
        return None
    try:
        table = tomllib.loads(p.read_text(encoding="utf-8")).get("distribution")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return None
    value = table.get("isolated") if isinstance(table, dict) else None
    return value if isinstance(value, bool) else None


def from_spec(
    spec: Any,
    *,
    default_isolated: bool = False,
    origins: Mapping[str, Any] | None = None,
    origin: Any = None,
    cache_policy: CachePolicy | None = None,
    origin_request_policy: OriginRequestPolicy | None = None,
    **overrides: Any,
) -> Distribution:
    """The runtime :class:`Distribution` of a ``DistributionSpec``; ``origins`` maps
    origin ids to Python callables that serve them, ``origin`` serves the default
    behaviour's origin, ``cache_policy`` / ``origin_request_policy`` replace the default
    behaviour's; other ``overrides`` go to the constructor."""
    behaviors = _behaviors(spec, cache_policy, origin_request_policy)
    callables = _origin_callables(spec, origins, origin)
    targets, resolve = _origin_targets(spec, callables)
    kw = _distribution_options(spec, default_isolated, resolve)
    seed = int(overrides.pop("seed", 0) or 0)
    kw.update(outbound_of(spec))
    kw.update(overrides)
    staging = None
    if spec.staging is not None:
        staging = _staging(spec.staging, callables, default_isolated, seed, kw)
    try:
        return Distribution(
            behaviors=behaviors,
            origins=targets,
            default_root_object=spec.default_root_object,
            spec=spec,
            staging=staging,
            **kw,
        )
    except BaseException:
        if staging is not None:
            staging.distribution.close()
        raise


def _behaviors(
    spec: Any,
    cache_policy: CachePolicy | None,
    origin_request_policy: OriginRequestPolicy | None,
) -> list[CacheBehavior]:
    """The spec's cache behaviours, the default last, with the caller's policies in place
    of the default behaviour's."""
    error_ttl = float(spec.default_error_caching_ttl)
    error_min_ttls = tuple(
        (e.error_code, float(e.error_caching_min_ttl)) for e in spec.custom_error_responses
    )
    behaviors = [_behavior(spec, b, error_ttl, error_min_ttls) for b in spec.behaviors]
    default = behaviors[-1]
    if cache_policy is not None:
        default.cache_policy = cache_policy
    if origin_request_policy is not None:
        default.origin_request_policy = origin_request_policy
    if cache_policy is not None or origin_request_policy is not None:
        default.plan()
    return behaviors


def _origin_callables(spec: Any, origins: Mapping[str, Any] | None, origin: Any) -> dict[str, Any]:
    """Origin id -> the Python callable that serves it; ``origin`` serves the default
    behaviour's origin (the primary of its origin group)."""
    callables = dict(origins or {})
    if origin is not None:
        first = spec.default_behavior.target_origin_id
        group = spec.origin_group(first)
        callables[group.primary if group else first] = origin
    return callables


def _origin_targets(
    spec: Any, callables: Mapping[str, Any]
) -> tuple[dict[str, OriginTarget], dict[str, str]]:
    """Every origin of the spec as a target (a callable by id, else what the spec maps
    it to), and the host names its local HTTP origins resolve; an id in ``callables``
    that is no origin of the spec is a :class:`ConfigError`."""
    targets: dict[str, OriginTarget] = {}
    resolve: dict[str, str] = {}
    for o in spec.origins:
        if o.id in callables:
            fn = callables[o.id]
            block, https = origin_blocks(o)
            targets[o.id] = OriginTarget(o.id, fn, block, https, kind_of(fn), "python", o)
        else:
            targets[o.id] = target_from_spec(o)
            if isinstance(targets[o.id].local, LocalHttpOrigin):
                resolve.update(o.local.resolve)
    unknown = sorted(set(callables) - set(targets))
    if unknown:
        raise ConfigError(
            f"origins names {unknown[0]!r}, which is not an origin of the distribution "
            f"({', '.join(targets)})",
            key=f"origins.{unknown[0]}",
        )
    return targets, resolve


def _distribution_options(
    spec: Any, default_isolated: bool, resolve: dict[str, str]
) -> dict[str, Any]:
    """The :class:`Distribution` keywords the spec's settings and names give."""
    settings = dict(spec.settings)
    kw: dict[str, Any] = {
        "rules": settings.get("rules"),
        "isolated": settings.get("isolated", default_isolated),
        "viewer_defaults": settings.get("viewer") or {},
        "resolve": resolve,
    }
    if settings.get("edge_location"):
        kw["edge_location"] = settings["edge_location"]
    if spec.domain_name:
        kw["domain_name"] = spec.domain_name
    if spec.id:
        kw["distribution_id"] = spec.id
    return kw


def _staging(
    staging: Any,
    callables: Mapping[str, Any],
    default_isolated: bool,
    seed: int,
    kw: Mapping[str, Any],
) -> Staging:
    """The staging distribution beside the primary (facts §9): built like the primary,
    with the same clock, rules and Python origins by id, but caches of its own."""
    ids = {o.id for o in staging.distribution.origins}
    cache = kw.get("cache")
    own = {k: v for k, v in kw.items() if k in ("rules", "isolated", "clock", "resolve")}
    if cache is not None:  # separate caches with the caller's clock and size bound
        own["cache"] = CacheTiers(clock=cache.clock, max_entries=cache.max_entries)
    dist = from_spec(
        staging.distribution,
        default_isolated=default_isolated,
        origins={k: v for k, v in callables.items() if k in ids},
        **own,
    )
    return Staging(dist, Router(staging.policy, seed))


def outbound_of(spec: Any) -> dict[str, Any]:
    """The ``aws`` and ``http`` arguments of a ``DistributionSpec`` (its ``[aws]`` and
    ``[http]``: what the functions' outbound calls reach); {} when it has neither."""
    out: dict[str, Any] = {}
    aws = getattr(spec, "aws", None)
    if aws is not None:
        out["aws"] = LocalAws(aws.services, seed=aws.seed, remote_call_ms=aws.remote_call_ms)
    http = getattr(spec, "http", None)
    if http is not None:
        out["http"] = http_from_spec(http)
    return out


def http_from_spec(http: Any) -> HttpMocks:
    """:class:`~edgelab.outbound.HttpMocks` from the model's ``HttpSpec``."""
    mocks = [
        {"url": m.url, **({"method": m.method} if m.method else {}), **m.response}
        for m in http.mocks
    ]
    table = {"mocks": mocks, "hosts": dict(http.hosts), "remote_call_ms": http.remote_call_ms}
    return http_mocks_from_config(table)


def selection(sel: Any, *, lower: bool = False) -> Selection:
    """A model ``Selection`` (facts §4.1, §4.2) as the runtime's."""
    names = tuple(n.lower() for n in sel.names) if lower else tuple(sel.names)
    if sel.behavior in ("all", "allViewer", "allViewerAndWhitelistCloudFront"):
        return "all"
    if sel.behavior == "allExcept":
        return NameMatch(names, exclude=True)
    if sel.behavior == "whitelist" and names:
        if any("*" in n or "?" in n for n in names):
            return NameMatch(names)  # legacy cookie names may use wildcards (§4.6)
        return names
    return "none"


def _behavior(
    spec: Any, b: Any, error_ttl: float, error_min_ttls: tuple[tuple[int, float], ...] = ()
) -> CacheBehavior:
    cp = b.cache_policy
    headers = selection(cp.headers, lower=True)
    cache_policy = CachePolicy(
        default_ttl=cp.default_ttl,
        min_ttl=cp.min_ttl,
        max_ttl=cp.max_ttl,
        headers=headers if isinstance(headers, tuple) else (),
        cookies=selection(cp.cookies),
        query_strings=selection(cp.query_strings),
        gzip=cp.gzip,
        brotli=cp.brotli,
        cached_methods=b.cached_methods,
        error_ttl=error_ttl,
        error_min_ttls=error_min_ttls,
    )
    orp = b.origin_request_policy
    origin_request_policy = (
        OriginRequestPolicy(
            headers=selection(orp.headers, lower=True),
            cookies=selection(orp.cookies),
            query_strings=selection(orp.query_strings),
            cloudfront_headers=tuple(orp.cloudfront_headers),
        )
        if orp is not None
        else OriginRequestPolicy()
    )
    triggers: dict[str, TriggerConfig] = {}
    cloudfront_functions: dict[str, Any] = {}
    for a in b.functions:
        if a.kind == "cloudfront-function":
            cloudfront_functions[a.event_type] = a.function
        else:
            f = a.function
            triggers[a.event_type] = TriggerConfig(
                f.handler, a.include_body, f.timeout_s, f.runtime or None
            )
    return CacheBehavior(
        "*" if b.is_default else b.path_pattern,
        b.target_origin_id,
        b.viewer_protocol_policy,
        b.allowed_methods,
        b.compress,
        cache_policy,
        origin_request_policy,
        triggers,
        cloudfront_functions,
        b.response_headers_policy,
        spec=b,
        notes=behavior_notes(spec, b),
    )


def behavior_notes(spec: Any, b: Any) -> tuple[str, ...]:
    """What a behaviour of the definition has that this version does not run yet; every
    trace of the behaviour carries these notes. Nothing today: CloudFront Functions,
    origin group failover, custom error responses, response headers policies and
    continuous deployment all run. A feature a later model reads before the chain runs
    it is noted here, and ``edgelab config show`` lists it."""
    return ()


def not_run_yet(spec: Any) -> list[str]:
    """Everything in the definition that ``edgelab request``, ``serve`` and ``replay`` do
    not run yet (``edgelab config show`` lists it)."""
    return [n for b in spec.behaviors for n in behavior_notes(spec, b)]
