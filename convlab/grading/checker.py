"""The in-notebook checker: ``check("conv2d_loops")`` right below the learner's code.

:func:`check` gives immediate feedback in the notebook.  It tries the
learner's answer on each case of the task, with inputs drawn from a
generator seeded from the task's name: the same inputs on every run, so the
feedback is reproducible, and never shown in the notebook.  It works exactly
as the grader does (:mod:`convlab.grading.grader`), with the same rule
checks, comparisons and hints, but in the learner's own kernel, on those
fixed inputs; the grade itself is decided by the grader, outside the
sandbox the answers run in, on inputs drawn afresh for every grading run.

It also protects the learner from the usual accidents:

- a stub that still raises ``NotImplementedError`` is "not attempted";
- any other exception shows the learner's own line, not the checker's;
- a call that runs longer than ``time_limit`` seconds is stopped;
- a window view that reaches outside its array's memory is reported, never read;
- inputs are copies, compared with the originals afterwards.
"""

from __future__ import annotations

import contextlib
import sys

from .deciding import judge as judging
from .deciding import library
from .deciding.results import CheckResult
from .deciding.source import Source
from .inside.answers import respond
from .tasks import TASKS, tasks_for
from .tasks.base import fixed_rng

__all__ = ["check", "needs", "run_task", "DEFAULT_TIME_LIMIT"]

#: Seconds one sub-check may run.  The inputs are small: even loops finish in milliseconds.
DEFAULT_TIME_LIMIT = judging.DEFAULT_TIME_LIMIT

#: Said under every check: what it ran on, and what the grade runs on.
INPUTS_NOTE = "checked on fixed inputs, the same at every run; the grader tries new ones"

_MISSING = object()


def check(task, answer=_MISSING, *, time_limit=DEFAULT_TIME_LIMIT):
    """Check an answer to an exercise task and show what was found.

    Parameters
    ----------
    task : str
        The task's name, which is also the name of the function or value the
        exercise asks for, e.g. ``"conv2d_loops"``.
    answer : object, optional
        What to check.  By default the checker takes the name ``task`` from
        the notebook (the caller's global names), so that a cell that has not
        been run yet, or a stub, reads as "not attempted" rather than as a
        ``NameError``.
    time_limit : float or None, optional
        Seconds one sub-check may run before it is stopped; ``None`` for no limit.

    Returns
    -------
    CheckResult
        Points, maximum points, a status and one :class:`SubCheck` per
        sub-check.  In a notebook it is displayed at once (HTML in
        JupyterLab, text elsewhere); outside IPython it is only returned.

    Raises
    ------
    ValueError
        If there is no task of that name.

    Examples
    --------
    >>> import convlab
    >>> def conv2d_loops(x, k):
    ...     return convlab.conv2d(x, k)
    >>> result = check("conv2d_loops", conv2d_loops)
    >>> result.points, result.first_failure().hint_id
    (0, 'rule')
    >>> print(result.first_failure().message)
    breaks the rule of this task: it uses convlab.conv2d
    """
    if task not in TASKS:
        raise ValueError(f"no task named {task!r}; the tasks are {', '.join(TASKS)}")
    namespace = sys._getframe(1).f_globals
    note = None
    if answer is _MISSING:
        source = _session_source(namespace)
        answer = namespace.get(task, _MISSING)
        if answer is _MISSING:
            note = f"{task} is not defined yet: run the cell that defines it, then this one."
    else:
        source = Source.of_function(answer)
    result = run_task(TASKS[task], answer, namespace, source, time_limit=time_limit, note=note)
    if "IPython" in sys.modules:  # imported by every Jupyter kernel; never imported here
        from IPython import get_ipython

        if get_ipython() is not None:
            result._ipython_display_()
    return result


@contextlib.contextmanager
def needs(*tasks):
    """Run a cell that uses the learner's answers; while one is a stub, say which task to solve first.

    A demonstration below a task (a timing, a plot on larger inputs) calls
    the learner's function.  In the untouched exercise that function still
    raises ``NotImplementedError``, which would stop *Run All* there.  Inside
    ``with needs("task_name"):`` the cell stops quietly instead, prints which
    task to solve first, and the notebook runs on.  Any other error is shown
    as usual.

    Parameters
    ----------
    *tasks : str
        The names of the tasks whose answers the cell uses.

    Raises
    ------
    ValueError
        If a name is not a task.

    Examples
    --------
    >>> def conv2d_loops(x, k):
    ...     raise NotImplementedError()
    >>> with needs("conv2d_loops"):
    ...     conv2d_loops(1, 2)
    Solve task 1 (conv2d with loops) first: this cell runs your conv2d_loops. The cells below run without it.
    """
    unknown = [name for name in tasks if name not in TASKS]
    if unknown or not tasks:
        raise ValueError(f"needs() takes the names of tasks, got {unknown or 'none'}")
    try:
        yield
    except NotImplementedError:
        found = [TASKS[name] for name in tasks]
        which = " and ".join(f"task {_number(t)} ({t.title})" for t in found)
        print(f"Solve {which} first: this cell runs your {', '.join(tasks)}. The cells below run without it.")


def _number(task):
    return [t.name for t in tasks_for(task.exercise)].index(task.name) + 1


def run_task(task, answer, namespace, source=None, time_limit=DEFAULT_TIME_LIMIT, note=None):
    """Run every sub-check of ``task`` on ``answer``, on the checker's fixed inputs.

    Parameters
    ----------
    task : convlab.grading.tasks.Task
    answer : object
        The learner's function or value; the checker's private "missing"
        marker when the name is not defined.
    namespace : dict
        The learner's globals (where the rule's guards also apply).
    source : Source, optional
        The learner's code, for the rule's source check.
    time_limit : float or None
        Seconds one sub-check may run.
    note : str, optional
        Shown under the sub-checks.

    Returns
    -------
    CheckResult
    """
    built = [case.build(fixed_rng(task.name, i)) for i, case in enumerate(task.cases)]
    violation = refusal = None
    if answer is _MISSING:
        reply = {"defined": False}
    else:
        library.prepare(library.imported_roots())  # not SciPy, unless this kernel imported it
        wire = judging.roundtrip(judging.request(task, built, time_limit))
        reply = judging.roundtrip(respond(wire, namespace, answer=answer))
        if source is not None:
            name = task.name if task.name in source.definitions or task.name in source.aliases else getattr(
                answer, "__name__", task.name)
            uses = source.uses(name)
            refusal = judging.refusal_of(uses)
            if task.rule is not None:
                violation = task.rule.violation(uses)
    subchecks = judging.judge(task, built, reply, violation, refusal)
    result = CheckResult(task.name, task.title, task.exercise, subchecks, note, inputs=INPUTS_NOTE)
    if note is None and result.status == "not attempted":
        result.note = (
            f"Replace raise NotImplementedError() in the cell that defines {task.name} with your "
            f"code, run that cell, then this one."
        )
    return result


def _session_source(namespace):
    """The code the session ran, in order (IPython's input history), for the rule's source check."""
    history = namespace.get("In")
    if isinstance(history, list) and all(isinstance(cell, str) for cell in history):
        return Source(history, namespace)
    return Source([], namespace)
