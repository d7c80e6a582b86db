"""The graded tasks, one module per exercise notebook, and the registry of all of them.

Each module (:mod:`~convlab.grading.tasks.loops` for ``exercises/01_loops.ipynb``,
and so on) defines its tasks with the parts in :mod:`~convlab.grading.tasks.base`
and lists them, in notebook order, in ``TASKS``.  A new exercise notebook gets
a module here and a line in ``_MODULES``.

Examples
--------
>>> task = TASKS["conv2d_loops"]
>>> task.exercise, task.difficulty, task.max_points
('01_loops', 'easy', 4)
>>> [t.name for t in tasks_for("00_start_here")]
['output_sizes', 'top_left']
>>> print(task.rule.text)  # doctest: +ELLIPSIS
Write the loops yourself, with Python and NumPy...
"""

from __future__ import annotations

from . import (
    fast_algorithms,
    filters_and_batches,
    gradients,
    loops,
    make_it_learn,
    memory_and_strides,
    one_contraction,
    performance,
    start_here,
    stride_padding_dilation,
)
from .base import DIFFICULTY_STARS, Case, Mistake, Task

__all__ = ["TASKS", "EXERCISES", "tasks_for", "Task", "Case", "Mistake", "DIFFICULTY_STARS"]

_MODULES = (
    start_here, loops, memory_and_strides, one_contraction, stride_padding_dilation,
    filters_and_batches, performance, fast_algorithms, gradients, make_it_learn,
)

#: Every task, by name, in the order of the notebooks.
TASKS = {task.name: task for module in _MODULES for task in module.TASKS}

#: Exercise notebook name -> names of its tasks, in order.
EXERCISES = {}
for _task in TASKS.values():
    EXERCISES.setdefault(_task.exercise, []).append(_task.name)


def tasks_for(exercise):
    """The tasks of one exercise notebook, in order.

    Parameters
    ----------
    exercise : str
        The notebook's name without ``.ipynb``, e.g. ``"01_loops"``.

    Returns
    -------
    list of Task

    Raises
    ------
    KeyError
        If there is no such exercise notebook.
    """
    if exercise not in EXERCISES:
        raise KeyError(f"no exercise notebook {exercise!r}; there are {sorted(EXERCISES)}")
    return [TASKS[name] for name in EXERCISES[exercise]]
