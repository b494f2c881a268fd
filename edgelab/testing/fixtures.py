"""The objects behind the pytest plugin's fixtures: :class:`Edge` (``edge``),
:class:`Distributions` (``distribution``) and :class:`FrozenClock`, and what the plugin
asks about the machine (a runtime, CI, a project's ``node_modules``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..edge.config import load_distribution
from ..edge.distribution import Distribution
from ..edge.trace import Trace
from ..errors import ConfigError, HandlerLoadError, RuntimeUnavailable
from ..event.build import build_event, load_event
from ..invoke import run_loaded
from ..outbound.aws import LocalAws
from ..outbound.mocks import HttpMocks
from ..outbound.sandbox import AwsLike, HttpLike, Sandbox
from ..rules.outcome import InvocationResult
from ..rules.tables import RuleSet, get_rules
from ..runtimes import Handler, is_node_spec, load_handler
from ..runtimes.nodefind import find_node
from ..triggers import Trigger

RUNTIMES = ("python", "node")
#: the frozen clock's start: 2025-01-01T00:00:00Z
FROZEN_AT = 1735689600.0


class FrozenClock:
    """A clock that stands still until told: ``clock()`` is the time in seconds,
    ``clock.advance(301)`` moves it (cache TTLs without sleeping)."""

    def __init__(self, at: float = FROZEN_AT) -> None:
        self.now = float(at)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += float(seconds)
        return self.now


def _resolve(spec: str, root: Path, runtime: str | None) -> str:
    """``spec`` relative to ``root`` (or the working directory), with the file suffix
    of ``runtime`` when the spec has none (``handlers/redirect`` -> ``.py`` or ``.js``)."""
    target, sep, func = spec.rpartition(":") if ":" in spec else (spec, "", "")
    if not sep:
        target, func = spec, ""
    looks_like_path = "/" in target or target.endswith((".py", ".js", ".mjs", ".cjs"))
    if not looks_like_path:
        return spec  # package.module:func
    base = Path(target)
    if not base.is_absolute():
        base = (root / base) if (root / base).exists() or not Path(target).exists() else base
    if not base.suffix:
        order = {
            "python": (".py",),
            "node": (".js", ".mjs", ".cjs"),
            None: (".py", ".js", ".mjs", ".cjs"),
        }[runtime]
        found = next((base.with_suffix(s) for s in order if base.with_suffix(s).is_file()), None)
        if found is None:
            kind = f"{runtime} handler" if runtime else "handler"
            raise HandlerLoadError(
                f"{spec!r}: no {kind} found (looked for {', '.join(order)} beside {base})",
                spec=spec,
            )
        base = found
    elif (runtime == "node" and not is_node_spec(str(base))) or (
        runtime == "python" and is_node_spec(str(base))
    ):
        raise HandlerLoadError(
            f"{spec!r} is not a {runtime} handler; under both_runtimes name it without a "
            "suffix (handlers/redirect), so each runtime picks its own file",
            spec=spec,
        )
    return f"{base}{sep}{func}"


class Edge:
    """The ``edge`` fixture: build events and invoke handlers on them.

    ``trigger`` and ``runtime`` are set by the ``every_trigger`` and ``both_runtimes``
    markers; ``rules``, ``overrides`` and ``isolated`` are the defaults of
    :meth:`invoke`. :meth:`http` and :meth:`aws` declare what the handlers' outbound
    calls reach (before the first invoke that needs them).
    """

    def __init__(
        self,
        *,
        root: Path,
        trigger: str | None = None,
        runtime: str | None = None,
        rules: str | RuleSet | None = None,
        isolated: bool = False,
    ) -> None:
        self.root = root
        self.trigger = trigger
        self.runtime = runtime
        self.rules = rules
        self.overrides: dict[str, Any] = {}
        self.isolated = isolated
        self._http: HttpLike | None = None
        self._aws: AwsLike | None = None
        self._sandbox: Sandbox | None = None
        self._handlers: dict[tuple[Any, bool], Handler] = {}

    # -- declaring the outbound world ------------------------------------------------------
    def http(
        self,
        mocks: HttpLike | None = None,
        *,
        hosts: Mapping[str, str] | None = None,
        remote_call_ms: float | None = None,
    ) -> HttpMocks:
        """Declare HTTP mocks (a mapping of URL patterns to responses, or a callable) and
        loopback hosts for the handlers of this test."""
        self._need_no_sandbox("http")
        box = (
            mocks
            if isinstance(mocks, HttpMocks)
            else HttpMocks(mocks, hosts=hosts, remote_call_ms=remote_call_ms)
        )
        self._http = box
        return box

    def aws(
        self,
        services: AwsLike = ("dynamodb",),
        *,
        seed: Any = (),
    ) -> LocalAws:
        """Declare local AWS services (seeded from JSON files, relative to the rootdir)
        for the handlers of this test; returns the :class:`LocalAws` (``.client(...)``
        reaches its data)."""
        self._need_no_sandbox("aws")
        if isinstance(services, LocalAws):
            local = services
        else:
            seeds = [seed] if isinstance(seed, str | Path | Mapping) else list(seed)
            local = LocalAws(
                [services] if isinstance(services, str) else list(services),
                seed=[self.root / s if isinstance(s, str | Path) else s for s in seeds],
            )
        self._aws = local
        return local

    def aws_client(self, service: str) -> Any:
        """A boto3 client of this test's local AWS (started if need be), to read or
        change its data."""
        box = self.sandbox
        if box is None or box.aws is None:
            raise ConfigError("declare the local AWS first: edge.aws(['dynamodb'], seed=...)")
        return box.aws.client(service)

    def _need_no_sandbox(self, what: str) -> None:
        if self._sandbox is not None:
            raise ConfigError(
                f"edge.{what}(...) comes before the first edge.invoke: the handlers of "
                "this test already started with what was declared then"
            )

    @property
    def sandbox(self) -> Sandbox | None:
        """The running sandbox of this test (None when nothing outbound is declared)."""
        if self._sandbox is None and (self._http is not None or self._aws is not None):
            self._sandbox = Sandbox(http=self._http, aws=self._aws).start()
        return self._sandbox

    # -- events and invocations ------------------------------------------------------------
    def event(self, trigger: str | Trigger | None = None, **options: Any) -> dict[str, Any]:
        """``el.build_event`` for ``trigger`` (default: the test's trigger)."""
        return build_event(self._trigger(trigger), **options)

    def _trigger(self, trigger: str | Trigger | None) -> str:
        chosen = trigger or self.trigger
        if chosen is None:
            raise ConfigError(
                "give the trigger (edge.invoke(handler, 'viewer-request', ...)) or mark the "
                "test with @pytest.mark.every_trigger"
            )
        return Trigger.parse(chosen).value

    def handler(self, spec: str | Callable[..., Any], *, isolated: bool | None = None) -> Handler:
        """The loaded handler for ``spec`` (a path relative to the rootdir, with or
        without its suffix, ``module:func``, or a function), kept warm for the test."""
        iso = self.isolated if isolated is None else isolated
        key = (spec, iso)
        if key not in self._handlers:
            target: str | Callable[..., Any] = (
                _resolve(spec, self.root, self.runtime) if isinstance(spec, str) else spec
            )
            box = self.sandbox
            loaded = load_handler(target, isolated=iso, env=box.environ() if box else None)
            self._handlers[key] = box.wrap(loaded) if box else loaded
        return self._handlers[key]

    def invoke(
        self,
        handler: str | Callable[..., Any],
        trigger_or_event: str | Trigger | Mapping[str, Any] | None = None,
        *,
        event: Mapping[str, Any] | None = None,
        rules: str | RuleSet | None = None,
        overrides: Mapping[str, Any] | None = None,
        isolated: bool | None = None,
        **event_options: Any,
    ) -> InvocationResult:
        """Run ``handler`` on an event: ``event`` (or a mapping given second), else one
        built for the trigger (given second, or the test's) from ``event_options``
        (``uri=``, ``headers=``, ``status=`` ... as for ``el.build_event``)."""
        if isinstance(trigger_or_event, Mapping):
            event, trigger = trigger_or_event, None
        else:
            trigger = trigger_or_event
        if event is not None:
            if event_options:
                raise ConfigError(
                    f"give an event or event options ({', '.join(sorted(event_options))}), not both"
                )
            loaded = load_event(dict(event), trigger=trigger or self.trigger)
        else:
            loaded = load_event(self.event(trigger, **event_options))
        ruleset = get_rules(
            rules if rules is not None else self.rules,
            {**self.overrides, **(overrides or {})} or None,
        )
        h = self.handler(handler, isolated=isolated)
        return run_loaded(h, [loaded], ruleset, None)[0]

    def close(self) -> None:
        for h in self._handlers.values():
            h.close()
        self._handlers.clear()
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None


class Distributions:
    """The ``distribution`` fixture: ``distribution("distribution.toml")`` (relative to
    the rootdir; default the ``edgelab_config`` ini option; any definition format, with
    the mapping options as keywords), ``distribution(triggers=..., origin=...)`` or
    ``distribution(behaviors=..., origins=...)``, each with a fresh cache and this
    test's frozen :attr:`clock`; :attr:`traces` holds every trace sent in the test."""

    def __init__(
        self, *, root: Path, default_config: str | None = None, isolated: bool = False
    ) -> None:
        self.root = root
        self.default_config = default_config
        self.isolated = isolated
        self.clock = FrozenClock()
        self.traces: list[Trace] = []
        self._open: list[Distribution] = []

    def __call__(self, config: str | Path | None = None, **kwargs: Any) -> Distribution:
        kwargs.setdefault("clock", self.clock)
        if config is None and not {"origin", "behaviors"} & set(kwargs):
            config = self.default_config
            if config is None:
                raise ConfigError(
                    "distribution() needs a config path, distribution(triggers=..., "
                    "origin=...), distribution(behaviors=..., origins=...), or the "
                    "edgelab_config ini option"
                )
        if config is not None:
            path = Path(config)
            if not path.is_absolute() and (self.root / path).exists():
                path = self.root / path
            dist = load_distribution(path, default_isolated=self.isolated, **kwargs)
        else:
            dist = Distribution(**kwargs)
        send = dist.send

        def recorded(viewer: Any) -> Trace:
            trace = send(viewer)
            self.traces.append(trace)
            return trace

        dist.send = recorded  # type: ignore[method-assign]
        self._open.append(dist)
        return dist

    @property
    def last(self) -> Trace:
        if not self.traces:
            raise ConfigError("no request has been sent through a distribution in this test")
        return self.traces[-1]

    def close(self) -> None:
        while self._open:
            self._open.pop().close()


def runtime_available(runtime: str) -> str | None:
    """None when ``runtime`` can run here, else why not (for a skip)."""
    if runtime != "node":
        return None
    try:
        find_node()
    except RuntimeUnavailable as exc:  # the message says how to get Node
        return str(exc)
    return None


def in_ci() -> bool:
    """Whether this runs on CI (``$CI`` set), where nothing may be skipped for lack of
    a runtime or a package."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing_node_modules(folder: str | Path, *packages: str) -> list[str]:
    """The ``packages`` missing from ``folder``'s ``node_modules`` (for a skip reason)."""
    base = Path(folder)
    return [n for n in packages if not (base / "node_modules" / n / "package.json").is_file()]
