"""Testing your handlers with pytest: the objects behind the plugin's fixtures, and
assertion helpers whose failure message explains what CloudFront did.

    from edgelab.testing import assert_header, assert_no_violations, assert_status

    def test_old_paths_redirect(edge):
        result = edge.invoke("handlers/redirect.py", "viewer-request", uri="/old/a")
        assert_status(result, 301)
        assert_header(result, "location", "https://www.example.com/new/a")

The helpers take an :class:`~edgelab.InvocationResult` (one function) or a
:class:`~edgelab.Trace` (one request through a distribution). On failure the message
says what CloudFront did instead, in its terms: the outcome, the status and error type
(502 ``LambdaValidationError``, 500 ``LambdaExecutionError``, 503
``LambdaLimitExceeded``), what the function changed (the diff), the violations with the
facts section of each rule, the outbound calls and the logs.

The fixtures (``edge``, ``distribution``) are registered by :mod:`edgelab.pytest_plugin`;
:mod:`edgelab.testing.assertions` has the helpers, :mod:`edgelab.testing.fixtures` the
fixtures' objects.
"""

from __future__ import annotations

from .assertions import (
    assert_header,
    assert_no_violations,
    assert_outcome,
    assert_status,
    changed,
    explain,
)
from .fixtures import (
    FROZEN_AT,
    RUNTIMES,
    Distributions,
    Edge,
    FrozenClock,
    in_ci,
    missing_node_modules,
    runtime_available,
)

__all__ = [
    "FROZEN_AT",
    "RUNTIMES",
    "Distributions",
    "Edge",
    "FrozenClock",
    "assert_header",
    "assert_no_violations",
    "assert_outcome",
    "assert_status",
    "changed",
    "explain",
    "in_ci",
    "missing_node_modules",
    "runtime_available",
]
