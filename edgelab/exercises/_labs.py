"""What the workshop labs' checks share: the handler a student wrote (a file beside the
notebook, or a function), the lab's bundled files, and the reasons a run is not yet right.

A lab's handler is a file the class completes (``handlers/security_headers.py``): the
starting point runs, and a bare ``...`` marks where the student writes. The check refuses
a file that still holds one (naming its line), so "not yet" says where to write rather
than what went wrong three steps later.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..edge.distribution import Distribution
from ..edge.trace import Trace
from ..resources import bundled
from ._check import NotYet, need

#: the workshop track's folder inside the bundled notebooks
WORKSHOP = "workshop"
CLOCK = 1_700_000_000.0

DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)


def workshop_file(*parts: str) -> Path:
    """A bundled file of the workshop track (``workshop_file("handlers", "cards.json")``)."""
    return bundled("notebooks").joinpath(WORKSHOP, *parts)


def unfinished(path: Path) -> int | None:
    """The line of the first bare ``...`` in a Python file, or None."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        raise NotYet(f"{path.name} does not parse: {exc.msg} (line {exc.lineno})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            return node.lineno
    return None


def handler_of(answer: Any) -> str | Callable[..., Any]:
    """The student's handler as the chain takes it: a path to a ``.py``/``.js`` file
    (relative to the notebook's folder) or a function."""
    if callable(answer):
        return answer
    need(
        isinstance(answer, str | Path),
        f"give the handler file's path (such as 'handlers/x.py') or a function; got {answer!r}",
    )
    path = Path(answer)
    need(path.is_file(), f"there is no file {str(answer)!r} (the notebook runs in {Path.cwd()})")
    if path.suffix == ".py":
        line = unfinished(path)
        if line is not None:
            raise NotYet(
                f"replace the ... in {path.name} (line {line}) with your code, save the "
                "file and run the check again"
            )
    return str(path)


def table_beside(answer: Any, name: str) -> Any:
    """The JSON table a handler reads (``cards.json``, ``redirects.json``): the one next
    to the student's handler file, else the bundled one."""
    if isinstance(answer, str | Path) and (Path(answer).parent / name).is_file():
        path = Path(answer).parent / name
    else:
        path = workshop_file("handlers", name)
    return json.loads(path.read_text(encoding="utf-8"))


@contextmanager
def distribution(*args: Any, **kwargs: Any) -> Iterator[Distribution]:
    """A distribution on a fixed clock, closed afterwards."""
    kwargs.setdefault("clock", lambda: CLOCK)
    site = Distribution(*args, **kwargs)
    try:
        yield site
    finally:
        site.close()


def failed(trace: Trace, trigger: str) -> None:
    """ "Not yet" with CloudFront's answer when the function failed."""
    stage = trace.stage(trigger)
    if stage is not None and stage.outcome == "error":
        why = stage.error["message"] if stage.error else "its result is not valid"
        violations = "; ".join(v.message for v in stage.violations)
        raise NotYet(
            f"CloudFront answers {trace.status} for {trace.viewer.uri}: your {trigger} "
            f"function failed: {violations or why}"
        )


def json_body(trace: Trace, what: str) -> Any:
    """The response body as JSON, or "not yet" saying what it was."""
    try:
        return json.loads(trace.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise NotYet(f"{what}: the body is not JSON: {trace.body[:80]!r}") from None
