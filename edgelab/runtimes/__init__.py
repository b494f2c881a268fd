"""Runtimes: the only code that runs functions or touches subprocesses.

:func:`load_handler` turns a spec into a :class:`Handler`:

* ``path/file.py`` (function ``handler``, else ``lambda_handler``), ``path/file.py:func``
  or ``package.module:func``: Python, in-process by default, or ``isolated=True`` for a
  worker process per simulated container;
* ``path/file.js|.cjs|.mjs[:export]``: Node.js, through a persistent ``node`` worker;
* a Python callable: run in-process.

CloudFront Functions (``cloudfront-js-1.0`` / ``2.0``) are not Lambda handlers: they
load with ``cloudfront_js.load_cloudfront_function`` (a ``CloudFrontFunctionHandler``,
whose sandbox worker is ``cloudfront_worker.mjs``). That module is not imported here:
it builds on ``edgelab.cloudfront_functions``, which itself builds on ``runtimes.base``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import HandlerLoadError
from .base import Call, Handler, RawResult
from .node import NodeHandler
from .python import CallableHandler, InProcessPython, IsolatedPython

NODE_SUFFIXES = (".js", ".cjs", ".mjs")

__all__ = ["Call", "Handler", "RawResult", "is_node_spec", "load_handler"]


def is_node_spec(spec: str) -> bool:
    target = spec.rsplit(":", 1)[0] if spec.count(":") else spec
    return target.endswith(NODE_SUFFIXES)


def load_handler(
    spec: str | Callable[..., Any] | Handler,
    *,
    isolated: bool = False,
    env: Mapping[str, str | None] | None = None,
) -> Handler:
    """A :class:`Handler` for ``spec``; raises HandlerLoadError with a clear message.

    ``env``: variables the function's process gets (set around the import and each call
    for in-process functions); None removes a name. A loaded Handler is returned as is.
    """
    if isinstance(spec, Handler):
        return spec
    if callable(spec):
        return CallableHandler(spec, env=env)
    if not isinstance(spec, str) or not spec.strip():
        raise HandlerLoadError(
            f"a handler is a file path, module:function or callable; got {spec!r}"
        )
    spec = spec.strip()
    if is_node_spec(spec):
        return NodeHandler(spec, env=env)
    return IsolatedPython(spec, env=env) if isolated else InProcessPython(spec, env=env)
