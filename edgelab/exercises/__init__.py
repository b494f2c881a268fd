"""Exercise checks for the workshop notebooks: each notebook ends with tasks, a cell to
complete and a check that says what is right, or what is not yet right and why.

    from edgelab.exercises import nb03
    answer_1 = ...                  # the student replaces the ...
    nb03.task1(answer_1, results)   # -> Check: "right: ..." or "not yet: ... because ..."

A :class:`Check` is true when the answer is right, prints as ``right: ...`` /
``not yet: ...`` and shows as a coloured box in a notebook. The checks compute what is
right from the library itself (a replay, an invoke, an analysis table), never from a
stored answer, so they hold for any seed or size. ``TASKS`` lists every task by number
(``"03.1"``); the teacher's solutions are in ``notebooks/solutions/``.

The workshop track's labs (``notebooks/workshop/``) are checked by ``lab1`` to ``lab7``
(tasks ``"lab1.1"`` ...): most of their answers are handler files the class completes
beside the notebook (``lab1.task1("handlers/security_headers.py")``), run through a
distribution the check builds.
"""

from . import (
    lab1,
    lab2,
    lab3,
    lab4,
    lab5,
    lab6,
    lab7,
    nb01,
    nb02,
    nb03,
    nb04,
    nb05,
    nb06,
    nb07,
    nb08,
    nb09,
    nb10,
)
from ._check import TASKS, Check, NotYet

__all__ = [
    "TASKS",
    "Check",
    "NotYet",
    "lab1",
    "lab2",
    "lab3",
    "lab4",
    "lab5",
    "lab6",
    "lab7",
    "nb01",
    "nb02",
    "nb03",
    "nb04",
    "nb05",
    "nb06",
    "nb07",
    "nb08",
    "nb09",
    "nb10",
]
