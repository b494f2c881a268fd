"""edgelab's pytest plugin (registered through the ``pytest11`` entry point).

Fixtures:

* ``edge``: an :class:`edgelab.testing.Edge`: ``edge.invoke(handler, trigger, uri=...)``,
  ``edge.event(...)``, ``edge.http({...})`` and ``edge.aws([...], seed=...)`` for
  handlers that call out; handlers and services are stopped after the test;
* ``distribution``: an :class:`edgelab.testing.Distributions`:
  ``distribution("distribution.toml").request("/")``, a fresh cache and a frozen clock
  (``distribution.clock.advance(301)``) per test, ``distribution.traces``;
* ``edge_trigger`` / ``edge_runtime``: the trigger and runtime a marked test runs with.

Markers: ``@pytest.mark.every_trigger`` (or ``every_trigger("viewer-request",
"origin-request")``) runs the test once per trigger, ``edge.trigger`` being each in
turn; ``@pytest.mark.both_runtimes`` runs it with Python and Node.js handlers, a
handler named without its suffix (``handlers/redirect``) being ``.py`` for one and
``.js``/``.mjs`` for the other (the Node.js run is skipped, with the reason, when no
``node`` is found).

ini options: ``edgelab_config`` (the default config of ``distribution()``),
``edgelab_rules`` (the default rule set) and ``edgelab_isolated`` (run Python handlers
in worker processes; default false: in-process, fast). Paths are relative to the rootdir.

The assertion helpers are in :mod:`edgelab.testing`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .testing import RUNTIMES, Distributions, Edge, runtime_available
from .triggers import TRIGGER_NAMES, Trigger


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("edgelab_config", "default distribution.toml of the distribution fixture")
    parser.addini("edgelab_rules", "default rule set of the edge fixture (e.g. 2023-03)")
    parser.addini(
        "edgelab_isolated",
        "run Python handlers in worker processes (true/false, default false)",
        default="false",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "every_trigger(*triggers): run the test once per CloudFront trigger (all four, "
        "or the ones named); the edge fixture's trigger is each in turn",
    )
    config.addinivalue_line(
        "markers",
        "both_runtimes: run the test with Python and Node.js handlers (a handler named "
        "without its suffix resolves to .py or .js/.mjs)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    every = metafunc.definition.get_closest_marker("every_trigger")
    if every is not None:
        names = [Trigger.parse(t).value for t in every.args] or list(TRIGGER_NAMES)
        metafunc.parametrize("edge_trigger", names, indirect=True, ids=names)
    if metafunc.definition.get_closest_marker("both_runtimes") is not None:
        metafunc.parametrize("edge_runtime", list(RUNTIMES), indirect=True, ids=list(RUNTIMES))


@pytest.fixture
def edge_trigger(request: pytest.FixtureRequest) -> str | None:
    """The trigger of a test marked ``every_trigger`` (else None)."""
    return getattr(request, "param", None)


@pytest.fixture
def edge_runtime(request: pytest.FixtureRequest) -> str | None:
    """The runtime of a test marked ``both_runtimes`` (else None); skips the Node.js
    run when no ``node`` is found."""
    runtime = getattr(request, "param", None)
    if runtime is not None:
        why = runtime_available(runtime)
        if why:
            pytest.skip(why)
    return runtime


def _flag(config: pytest.Config, name: str) -> bool:
    return str(config.getini(name)).strip().lower() in ("1", "true", "yes", "on")


@pytest.fixture
def edge(
    request: pytest.FixtureRequest, edge_trigger: str | None, edge_runtime: str | None
) -> Iterator[Edge]:
    """Build events and invoke handlers (see :class:`edgelab.testing.Edge`)."""
    config = request.config
    rules: Any = str(config.getini("edgelab_rules") or "").strip() or None
    helper = Edge(
        root=config.rootpath,
        trigger=edge_trigger,
        runtime=edge_runtime,
        rules=rules,
        isolated=_flag(config, "edgelab_isolated"),
    )
    try:
        yield helper
    finally:
        helper.close()


@pytest.fixture
def distribution(request: pytest.FixtureRequest) -> Iterator[Distributions]:
    """Load distributions and send requests, with a fresh cache and a frozen clock per
    test (see :class:`edgelab.testing.Distributions`)."""
    config = request.config
    factory = Distributions(
        root=config.rootpath,
        default_config=str(config.getini("edgelab_config") or "").strip() or None,
        isolated=_flag(config, "edgelab_isolated"),
    )
    try:
        yield factory
    finally:
        factory.close()
