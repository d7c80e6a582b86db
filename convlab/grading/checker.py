"""The in-notebook checker: ``check("conv2d_loops")`` right below the learner's code.

:func:`check` runs every sub-check of a task on fresh inputs (built from
fixed seeds, never shown in the notebook) and compares the answer with
convlab's.  When an answer is wrong it says how: expected and got side by
side when they are small, their shapes and the largest error when they are
not, and a hint when the answer equals what a known mistake produces.

It also protects the learner from the usual accidents:

- a stub that still raises ``NotImplementedError`` is "not attempted";
- any other exception shows the learner's own line, not the checker's;
- a call that runs longer than ``time_limit`` seconds is stopped (with
  ``SIGALRM``, where the platform has it and the check runs in the main
  thread, as it does in a Jupyter kernel);
- a window view that reaches outside its array's memory is reported, never
  read;
- inputs are copies, compared with the originals afterwards.
"""

from __future__ import annotations

import itertools
import signal
import sys
import sysconfig
import threading
import traceback
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .results import CheckResult, SubCheck
from .tasks import TASKS

__all__ = ["check", "run_task", "DEFAULT_TIME_LIMIT", "GENERIC_HINTS"]

#: Seconds one sub-check may run.  The inputs are small: even loops finish in milliseconds.
DEFAULT_TIME_LIMIT = 10.0

#: Hints the checker gives for any task, besides the tasks' own mistakes.
GENERIC_HINTS = (
    "returned-none", "time-limit", "input-mutated", "outside-memory",
    "axes-swapped", "off-by-one", "integer-truncation",
)

_MISSING = object()
_LIBRARY_DIRS = tuple(
    {str(Path(__file__).resolve().parents[1])}  # convlab itself
    | {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
)


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
        JupyterLab, text elsewhere), together with the record the grader
        reads; outside IPython it is only returned.

    Raises
    ------
    ValueError
        If there is no task of that name.

    Examples
    --------
    >>> import convlab
    >>> result = check("conv2d_loops", lambda x, k: convlab.conv2d(x, k))
    >>> result.points == result.max_points
    True
    >>> check("conv2d_loops", lambda x, k: convlab.conv2d(x, k[::-1, ::-1])).first_failure().hint_id
    'kernel-flipped'
    """
    if task not in TASKS:
        raise ValueError(f"no task named {task!r}; the tasks are {', '.join(TASKS)}")
    note = None
    if answer is _MISSING:
        namespace = sys._getframe(1).f_globals
        answer = namespace.get(task, _MISSING)
        if answer is _MISSING:
            note = f"{task} is not defined yet: run the cell that defines it, then this one."
    result = run_task(TASKS[task], answer, time_limit=time_limit, note=note)
    if "IPython" in sys.modules:  # imported by every Jupyter kernel; never imported here
        from IPython import get_ipython

        if get_ipython() is not None:
            result._ipython_display_()
    return result


def run_task(task, answer, time_limit=DEFAULT_TIME_LIMIT, note=None):
    """Run every sub-check of ``task`` on ``answer`` and collect the results.

    Parameters
    ----------
    task : convlab.grading.tasks.Task
    answer : object
        The learner's function or value; the checker's private "missing"
        marker when the name is not defined.
    time_limit : float or None
        Seconds one sub-check may run.
    note : str, optional
        Shown under the sub-checks.

    Returns
    -------
    CheckResult
    """
    subchecks = []
    stopped = False
    for case in task.cases:
        if answer is _MISSING:
            sub = SubCheck(case.label, "not attempted", 0, case.points)
        elif stopped:
            sub = SubCheck(case.label, "error", 0, case.points, message="skipped: an earlier sub-check was stopped")
        else:
            sub = _run_case(task, case, answer, time_limit)
            stopped = sub.hint_id == "time-limit"
        subchecks.append(sub)
    result = CheckResult(task.name, task.title, task.exercise, subchecks, note)
    if note is None and result.status == "not attempted":
        result.note = (
            f"Replace raise NotImplementedError() in the cell that defines {task.name} with your "
            f"code, run that cell, then this one."
        )
    return result


# --- one sub-check ----------------------------------------------------------------------------


class _TimeUp(BaseException):
    """Raised into the learner's code when a sub-check runs too long.

    A BaseException, so that a learner's ``except Exception`` does not swallow it.
    """


@contextmanager
def _time_limit(seconds):
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def stop(signum, frame):
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _call(task, case, answer, args, time_limit):
    run = case.run or task.apply
    with _time_limit(time_limit):
        if run is not None:
            return run(answer, *args, **case.kwargs)
        return answer(*args, **case.kwargs)


def _run_case(task, case, answer, time_limit):
    fail = _failure(case)
    if task.kind == "function" and not callable(answer):
        return fail(f"{task.name} should be a function, but it is {_describe(answer)}", status="error")

    args = case.inputs()
    try:
        got = _call(task, case, answer, args, time_limit)
    except _TimeUp as stop:
        return fail(
            f"stopped after {time_limit:g} s",
            status="error",
            where=_learner_line(stop.__traceback__, "was running"),
            hint_id="time-limit",
            hint="The input is small, so this should take well under a second. Is a loop "
            "running forever (a while loop whose condition never changes)?",
        )
    except NotImplementedError:
        return SubCheck(case.label, "not attempted", 0, case.points)
    except Exception as err:  # the learner's bug: report it, keep checking
        return fail(
            f"error: {type(err).__name__}: {err}",
            status="error",
            where=_learner_line(err.__traceback__, "raised it"),
        )

    pristine = case.inputs()
    for name, before, after in zip(task.params, pristine, args):
        if isinstance(before, np.ndarray) and not _same_array(before, after):
            return fail(f"your function changed its input {name}", **_mutation_hint(name, before, after))

    if isinstance(got, np.ndarray) and _reaches_outside(got):
        return fail(
            "your view reaches outside the memory of its array",
            hint_id="outside-memory",
            hint="Some windows start or end past the last element, so reading them would show "
            "whatever lies in memory there (or crash). Check the shape: (H - R) // stride + 1 "
            "positions per axis.",
        )

    if case.verify is not None:
        problem = case.verify(got, args, case.kwargs)
        if problem is not None:
            message, hint_id, hint = problem
            return fail(message, hint_id=hint_id, hint=hint)
    if not case.compare_value:
        return SubCheck(case.label, "passed", case.points, case.points)

    expected = task.reference(*pristine, **case.kwargs)
    if _equal(expected, got):
        return SubCheck(case.label, "passed", case.points, case.points)
    return fail(
        _what_differs(expected, got),
        **_show(expected, got),
        **_diagnose(task, case, expected, got),
    )


def _mutation_hint(name, before, after):
    hint = (
        f"Never modify an input: the caller still needs {name}. Work on a copy "
        f"({name}.copy(), or np.pad, which returns a new array) or build a new array."
    )
    if before.shape == after.shape and before.dtype.kind == "f":
        change = float(np.max(np.abs(after - before)))
        if change < 1e-9:
            hint = (
                f"{name} changed by at most {change:.1e}: adding eps and subtracting it again "
                f"does not always give back the same float. Save the old value and put it "
                f"back, or perturb a copy."
            )
    return {"hint_id": "input-mutated", "hint": hint}


def _failure(case):
    def fail(message, status="failed", **details):
        return SubCheck(case.label, status, 0, case.points, message=message, **details)

    return fail


# --- comparing ---------------------------------------------------------------------------------


def _tolerance(expected):
    rtol = 1e-4 if expected.dtype in (np.float32, np.complex64, np.float16) else 1e-7
    scale = float(np.max(np.abs(expected), initial=0.0)) if expected.size else 0.0
    return rtol, rtol * max(1.0, scale)


def _as_array(got):
    """``got`` as a numeric array, or None when it cannot be one."""
    if isinstance(got, np.ndarray):
        return got if got.dtype.kind in "biufc" else None
    try:
        array = np.asarray(got)
    except (ValueError, TypeError):
        return None
    return array if array.dtype.kind in "biufc" else None


def _equal(expected, got):
    if got is None:
        return False
    if isinstance(expected, tuple):
        return isinstance(got, (tuple, list, np.ndarray)) and _equal(np.array(expected), got)
    expected = np.asarray(expected)
    array = _as_array(got)
    if array is None or array.shape != expected.shape:
        return False
    if expected.dtype.kind in "iub" and array.dtype.kind in "iub":
        return bool(np.array_equal(expected, array))
    rtol, atol = _tolerance(expected)
    return bool(np.allclose(array, expected, rtol=rtol, atol=atol, equal_nan=True))


def _same_array(a, b):
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def _owner(a):
    """The array that owns the memory ``a`` views (through as_strided's helper objects too)."""
    owner, obj = a, a.base
    while obj is not None:
        if isinstance(obj, np.ndarray):
            owner = obj
        obj = getattr(obj, "base", None)
    return owner


def _reaches_outside(view):
    if view.base is None or view.size == 0:
        return False
    low, high = np.lib.array_utils.byte_bounds(view)
    own_low, own_high = np.lib.array_utils.byte_bounds(_owner(view))
    return low < own_low or high > own_high


def _what_differs(expected, got):
    if got is None:
        return "your function returned None"
    if not isinstance(expected, np.ndarray):
        return "wrong answer"
    array = _as_array(got)
    if array is None:
        return f"expected an array, got {_describe(got)}"
    if array.shape != np.shape(expected):
        return f"wrong shape: expected {np.shape(expected)}, got {array.shape}"
    return "wrong values"


# --- showing expected and got -----------------------------------------------------------------


def _format(value):
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=4, suppress=True, linewidth=72):
            return np.array2string(value, separator=" ")
    if isinstance(value, (np.generic, float)):
        return f"{float(value):.6g}" if np.isrealobj(value) else str(value)
    return repr(value)


def _is_small(value):
    if isinstance(value, np.ndarray):
        return value.ndim <= 2 and value.size <= 36 and value.shape[-1:] <= (8,)
    return len(repr(value)) <= 60


def _show(expected, got):
    """``expected``/``got`` blocks when small, a one-line ``summary`` when not."""
    if got is None:
        return {}
    if not isinstance(expected, np.ndarray):
        return {"summary": f"expected {_format(expected)}, got {_format(got)}"}
    array = _as_array(got)
    if array is None:
        return {}
    shown = {}
    if _is_small(expected) and _is_small(array):
        shown.update(expected=_format(expected), got=_format(array))
    if array.shape != expected.shape:
        if array.dtype != expected.dtype:
            shown["summary"] = f"and the dtype: expected {expected.dtype}, got {array.dtype}"
        return shown
    error = np.abs(array.astype(np.result_type(array, expected, np.float64)) - expected)
    error = np.where(np.isnan(error), np.inf, error)
    worst = np.unravel_index(int(np.argmax(error)), error.shape)
    wrong = int(np.count_nonzero(~np.isclose(array, expected, *_tolerance(expected), equal_nan=True)))
    where = ", ".join(str(int(i)) for i in worst)
    dtypes = f"{expected.dtype}" if array.dtype == expected.dtype else f"{expected.dtype}; yours {array.dtype}"
    shown["summary"] = (
        f"{wrong} of {expected.size} values differ; the largest error is {_format(error[worst])} "
        f"at [{where}]: expected {_format(expected[worst])}, got {_format(array[worst])}"
        + ("" if shown.get("expected") else f" (shape {expected.shape}, {dtypes})")
    )
    return shown


def _describe(value):
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{type(value).__name__} {text}"


# --- recognising mistakes -------------------------------------------------------------------------


def _diagnose(task, case, expected, got):
    """``hint_id`` and ``hint`` when ``got`` looks like a known mistake."""
    if got is None:
        return {
            "hint_id": "returned-none",
            "hint": "A function without a return statement returns None: end it with return and your result.",
        }
    for mistake in task.mistakes:
        try:
            wrong = mistake.answer(*case.inputs(), **case.kwargs)
        except Exception:  # this mistake is not possible with these inputs
            continue
        if wrong is not None and not _equal(expected, wrong) and _equal(wrong, got):
            return {"hint_id": mistake.id, "hint": mistake.hint}
    for recognise in (_axes_swapped, _off_by_one, _truncated):
        found = recognise(task, expected, got)
        if found:
            return {"hint_id": found[0], "hint": found[1]}
    return {}


def _off_by_one(task, expected, got):
    exp_shape = np.shape(expected) if isinstance(expected, np.ndarray) else None
    if exp_shape is None:
        exp_shape, got_shape = (expected, _as_tuple(got)) if isinstance(expected, tuple) else (None, None)
        if exp_shape is None or got_shape is None or len(got_shape) != len(exp_shape):
            return None
        shape_kind = "size"
    else:
        array = _as_array(got)
        if array is None or array.ndim != len(exp_shape) or array.ndim < 2:
            return None
        got_shape = array.shape
        if got_shape[:-2] != exp_shape[:-2]:
            return None
        exp_shape, got_shape = exp_shape[-2:], got_shape[-2:]
        shape_kind = "output"
    differences = [g - e for g, e in zip(got_shape, exp_shape)]
    if not any(differences) or any(abs(d) > 1 for d in differences):
        return None
    more_or_less = "one too many" if max(differences) > 0 else "one too few"
    return (
        "off-by-one",
        f"Off by one: your {shape_kind} has {more_or_less} rows or columns "
        f"({tuple(got_shape)} instead of {tuple(exp_shape)}). A kernel of R rows fits at rows "
        f"0 to H - R, which is H - R + 1 positions: loop over range(H - R + 1).",
    )


def _as_tuple(value):
    try:
        return tuple(int(v) for v in value)
    except (TypeError, ValueError):
        return None


def _axes_swapped(task, expected, got):
    if not isinstance(expected, np.ndarray) or expected.ndim < 2 or expected.ndim > 5:
        return None
    array = _as_array(got)
    if array is None or array.ndim != expected.ndim or sorted(array.shape) != sorted(expected.shape):
        return None
    names = task.axes if task.axes and len(task.axes) == expected.ndim else [f"axis {i}" for i in range(expected.ndim)]
    for order in itertools.permutations(range(expected.ndim)):
        if order == tuple(range(expected.ndim)):
            continue
        moved = expected.transpose(order)
        if moved.shape == array.shape and _equal(moved, array):
            yours = ", ".join(names[i] for i in order)
            return (
                "axes-swapped",
                f"The right numbers, with the axes in the wrong order: expected "
                f"({', '.join(names)}), yours are ({yours}). Check the order of the axes that "
                f"tensordot or einsum leaves, or transpose the result.",
            )
    return None


def _truncated(task, expected, got):
    if not isinstance(expected, np.ndarray) or expected.dtype.kind not in "fc":
        return None
    array = _as_array(got)
    if array is None or array.shape != expected.shape or np.all(expected == np.round(expected)):
        return None
    real = expected.real
    if _equal(np.trunc(real), array) or _equal(np.floor(real), array):
        if array.dtype.kind in "iu":
            cause = f"your result has the integer dtype {array.dtype}"
        else:
            cause = "your result lost its fractions (integer division // or int() somewhere)"
        return (
            "integer-truncation",
            f"The fractions are missing: {cause}. Writing a float into an integer array "
            f"truncates it silently. Make the output with the dtype of the result, e.g. "
            f"np.zeros(shape, dtype=np.result_type(x, k)), and divide with /.",
        )
    return None


# --- the learner's line -------------------------------------------------------------------------


def _learner_line(tb, verb):
    """Where in the learner's own code ``tb`` passed last, as one line; None if nowhere."""
    frames = [
        frame
        for frame in traceback.extract_tb(tb)
        if not frame.filename.startswith(_LIBRARY_DIRS) and not frame.filename.startswith("<frozen")
    ]
    if not frames:
        return None
    frame = frames[-1]
    place = "your cell" if frame.name == "<module>" else frame.name
    code = f": {frame.line.strip()}" if frame.line else ""
    return f"line {frame.lineno} of {place} {verb}{code}"
