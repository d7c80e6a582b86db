"""Exercises and grading: tasks and their rules, the in-notebook checker, the generator, the grader.

In an exercise notebook::

    from convlab.grading import check
    check("conv2d_loops")        # feedback on the notebook's conv2d_loops, on fixed inputs

:mod:`convlab.grading.tasks` lists every task, one module per exercise, with
its cases, points, rule and known mistakes.  :mod:`~convlab.grading.probe`
calls an answer and returns plain data; :mod:`~convlab.grading.judge` turns
that into points and messages (:mod:`~convlab.grading.diagnosis` names the
mistake, :mod:`~convlab.grading.rules` checks the source).  The checker
(:mod:`~convlab.grading.checker`) does all of it in the learner's kernel;
the grader (:mod:`~convlab.grading.grader`, ``python -m convlab grade``)
runs each submission in a kernel of its own, sends the probe there with
inputs drawn afresh, and judges in its own process.
:mod:`~convlab.grading.generator` writes ``exercises/`` from ``solutions/``.
This package imports NumPy and convlab only; the grader imports nbformat,
nbclient and IPython when it runs.
"""

from .checker import check
from .results import RECORD_MIME, CheckResult, SubCheck
from .rules import Rule
from .tasks import EXERCISES, TASKS

__all__ = ["check", "CheckResult", "SubCheck", "RECORD_MIME", "TASKS", "EXERCISES", "Rule"]
