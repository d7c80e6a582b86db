"""Exercises and grading: the task registry, the in-notebook checker, the generator, the grader.

In an exercise notebook::

    from convlab.grading import check
    check("conv2d_loops")        # checks the notebook's conv2d_loops

:mod:`convlab.grading.tasks` lists every task with its sub-checks, points
and known mistakes; :mod:`convlab.grading.checker` runs them;
:mod:`convlab.grading.generator` writes ``exercises/`` from ``solutions/``
(``python -m convlab exercises``); :mod:`convlab.grading.grader` grades
submitted notebooks (``python -m convlab grade``).  This package imports
NumPy and convlab only; the generator and the grader import nbformat and
nbclient when they run.
"""

from .checker import check
from .results import RECORD_MIME, CheckResult, SubCheck
from .tasks import EXERCISES, TASKS

__all__ = ["check", "CheckResult", "SubCheck", "RECORD_MIME", "TASKS", "EXERCISES"]
