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
"""

from . import nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08, nb09, nb10
from ._check import TASKS, Check, NotYet

__all__ = [
    "TASKS",
    "Check",
    "NotYet",
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
