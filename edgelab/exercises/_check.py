"""The result of an exercise check, and the decorator that turns a checking function
into a task: placeholders and the student's own exceptions become "not yet" messages,
never a traceback."""

from __future__ import annotations

import functools
import html
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EdgelabError
from ..runtimes.nodefind import find_node

TASKS: dict[str, Callable[..., Check]] = {}


@dataclass(frozen=True)
class Check:
    """What a check found: ``ok`` (also the object's truth value) and a message that
    says what is right, or what is not yet right and why."""

    task: str
    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return f"{'right' if self.ok else 'not yet'}: {self.message}"

    def __repr__(self) -> str:
        return f"task {self.task}, {self}"

    def _repr_html_(self) -> str:
        colour, mark, word = (
            ("#1a7f37", "&#10004;", "right") if self.ok else ("#9a6700", "&#9998;", "not yet")
        )
        return (
            f"<div style='border-left:4px solid {colour};padding:.3em .8em;"
            f"background:{'#dafbe1' if self.ok else '#fff8c5'}'>"
            f"<b style='color:{colour}'>{mark} task {html.escape(self.task)}, {word}</b>: "
            f"{html.escape(self.message)}</div>"
        )


class NotYet(Exception):
    """Raised inside a check to answer "not yet" with this message."""


def is_placeholder(answer: Any) -> bool:
    return answer is ... or answer is None


def task(number: str, prompt: str) -> Callable[[Callable[..., str]], Callable[..., Check]]:
    """Make ``check(answer, *data) -> str`` (the "right" message; raise :class:`NotYet`
    with the reason) into a task that returns a :class:`Check`.

    The answer ``...`` or ``None`` is the placeholder: "not yet, replace the ...". An
    exception from the student's code (a handler that raises, a wrong type) is "not
    yet" with the exception's message.
    """

    def wrap(check: Callable[..., str]) -> Callable[..., Check]:
        @functools.wraps(check)
        def run(answer: Any = ..., *args: Any, **kwargs: Any) -> Check:
            if is_placeholder(answer):
                return Check(
                    number, False, "replace the ... with your answer and run the cell again"
                )
            try:
                return Check(number, True, check(answer, *args, **kwargs))
            except NotYet as exc:
                if "ellipsis" in str(exc):  # the ... is still in the student's function
                    return Check(number, False, f"replace the ... in your code ({exc})")
                return Check(number, False, str(exc))
            except Exception as exc:
                return Check(
                    number, False, f"your answer raised {type(exc).__name__}: {exc}{_where(exc)}"
                )

        run.task = number  # type: ignore[attr-defined]
        run.prompt = prompt  # type: ignore[attr-defined]
        TASKS[number] = run
        return run

    return wrap


def _where(exc: BaseException) -> str:
    """Where in the student's code an exception was raised (not in edgelab's own)."""
    package = str(Path(__file__).resolve().parent.parent)
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if not str(Path(f.filename).resolve()).startswith(package)
    ]
    return f" (line {frames[-1].lineno} of your code)" if frames else ""


def need(condition: Any, message: str) -> None:
    """Answer "not yet" with ``message`` unless ``condition`` holds."""
    if not condition:
        raise NotYet(message)


def as_number(answer: Any, what: str) -> float:
    """The answer as a number (numpy scalars and numeric strings accepted)."""
    try:
        return float(answer)
    except (TypeError, ValueError):
        raise NotYet(f"{what} should be a number; got {answer!r}") from None


def node_available() -> bool:
    """Whether Node.js is there for a check that runs JavaScript."""
    try:
        find_node()
    except EdgelabError:
        return False
    return True
