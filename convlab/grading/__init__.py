"""Exercises and grading: tasks and their rules, the in-notebook checker, and the sandboxed grader.

In an exercise notebook::

    from convlab.grading import check
    check("conv2d_loops")        # feedback on the notebook's conv2d_loops, on fixed inputs
    with needs("conv2d_loops"):  # a cell that uses it: "solve task 1 first" while it is a stub
        ...

The package is laid out by where its code runs, so the trust boundary shows:

- :mod:`~convlab.grading.tasks`: every task, one module per exercise, with its
  cases, points, rule and known mistakes;
- :mod:`~convlab.grading.inside`: what runs where a learner's code runs (the
  learner's kernel, or the grader's sandboxes): calling an answer and encoding
  what it returned, the guards, the notebook's run, the questions;
- :mod:`~convlab.grading.deciding`: where a grade is decided, from plain data
  only: the names graded code may use, reading the source, rules, the judge,
  results, flags, reports;
- :mod:`~convlab.grading.checker`: ``check()``, deciding in the learner's kernel
  for feedback only; :mod:`~convlab.grading.grader` and
  :mod:`~convlab.grading.sandbox`: ``python -m convlab grade``, which runs every
  submission in bubblewrap sandboxes and decides outside them.

The exercise generator, which writes ``exercises/`` from ``solutions/``, is not
grading: it is in :mod:`convlab.jupyter.generator`.
This package imports NumPy and convlab only; the grader imports nbformat,
nbclient and IPython when it runs.
"""

from .checker import check, needs
from .deciding.results import RECORD_MIME, CheckResult, SubCheck
from .deciding.rules import Rule
from .tasks import EXERCISES, TASKS

__all__ = ["check", "needs", "CheckResult", "SubCheck", "RECORD_MIME", "TASKS", "EXERCISES", "Rule"]
