"""Naming the mistake: what a wrong answer looks like, and the hint for it.

A wrong answer is compared with what each of the task's known mistakes
produces on the same inputs (a flipped kernel, an ignored stride), then with
mistakes any array task can make: the right numbers with the axes in the
wrong order, an output one row short or long, fractions lost to an integer
dtype.  The first match gives the hint.  Everything here runs on plain data
in the judging process.

Examples
--------
>>> import numpy as np
>>> expected = np.arange(6.0).reshape(2, 3) + 0.5
>>> diagnose(None, None, (), {}, expected, expected.T)["hint_id"]
'axes-swapped'
>>> diagnose(None, None, (), {}, expected, expected[:, :2])["hint_id"]
'off-by-one'
>>> diagnose(None, None, (), {}, expected, np.floor(expected).astype(int))["hint_id"]
'integer-truncation'
>>> diagnose(None, None, (), {}, np.arange(4), np.arange(4.0))["hint_id"]
'floats-for-integers'
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["diagnose", "equal", "is_tuple_of_arrays", "as_array", "tolerance", "GENERIC_HINTS"]

#: Hints the judge gives for any task, besides the tasks' own mistakes.
GENERIC_HINTS = (
    "returned-none", "time-limit", "input-mutated", "outside-memory", "not-plain-data", "rule",
    "axes-swapped", "off-by-one", "integer-truncation", "floats-for-integers",
)


# --- comparing ------------------------------------------------------------------------------------


def tolerance(expected):
    """``(rtol, atol)`` for comparing with ``expected``: looser for float32 and float16."""
    rtol = 1e-4 if expected.dtype in (np.float32, np.complex64, np.float16) else 1e-7
    finite = np.abs(expected[np.isfinite(expected)]) if expected.dtype.kind in "fc" else np.abs(expected)
    scale = float(np.max(finite, initial=0.0))
    return rtol, rtol * max(1.0, scale)


def as_array(got):
    """``got`` as a numeric array, or None when it cannot be one."""
    if isinstance(got, np.ndarray):
        return got if got.dtype.kind in "biufc" else None
    try:
        array = np.asarray(got)
    except (ValueError, TypeError):
        return None
    return array if array.dtype.kind in "biufc" else None


def is_tuple_of_arrays(value):
    """A tuple of results with an array among them, like ``(loss, gradient)``."""
    return isinstance(value, tuple) and any(isinstance(v, np.ndarray) for v in value)


def equal(expected, got, exact_dtype=False):
    """Whether the plain answer ``got`` equals ``expected`` (exactly for integers, closely for floats).

    With ``exact_dtype``, an integer array is not answered by a float one, even of the same values.
    """
    if got is None:
        return False
    if is_tuple_of_arrays(expected):  # several results, such as (loss, gradient): item by item
        return (isinstance(got, (tuple, list)) and len(got) == len(expected)
                and all(equal(e, g, exact_dtype) for e, g in zip(expected, got)))
    if isinstance(expected, tuple):
        return isinstance(got, (tuple, list, np.ndarray)) and equal(np.array(expected), got)
    expected = np.asarray(expected)
    array = as_array(got)
    if array is None or array.shape != expected.shape:
        return False
    if expected.dtype.kind in "iub" and array.dtype.kind in "iub":
        return bool(np.array_equal(expected, array))
    if exact_dtype and expected.dtype.kind in "iu" and array.dtype.kind not in "iub":
        return False  # the task asks for integers in, integers out
    rtol, atol = tolerance(expected)
    return bool(np.allclose(array, expected, rtol=rtol, atol=atol, equal_nan=True))


# --- recognising mistakes -------------------------------------------------------------------------


def diagnose(task, case, args, kwargs, expected, got):
    """``{"hint_id": ..., "hint": ...}`` when ``got`` looks like a known mistake, else ``{}``.

    Parameters
    ----------
    task : Task or None
        Its ``mistakes`` are tried first, on ``args`` and ``kwargs``.
    case : Case or None
    args : tuple
        The inputs the answer was given (never modified here).
    kwargs : dict
    expected : object
        The right answer.
    got : object
        The learner's answer, plain data.
    """
    if got is None:
        return {
            "hint_id": "returned-none",
            "hint": "A function without a return statement returns None: end it with return and your result.",
        }
    for known in getattr(task, "mistakes", ()):
        try:
            wrong = known.answer(*args, **kwargs)
        except Exception:  # this mistake is not possible with these inputs
            continue
        if wrong is not None and not equal(expected, wrong) and equal(wrong, got):
            return {"hint_id": known.id, "hint": known.hint}
    if is_tuple_of_arrays(expected):  # the recognisers below read one array or one size
        return {}
    for recognise in (_floats, _axes_swapped, _off_by_one, _truncated):
        try:
            found = recognise(task, expected, got)
        except (TypeError, ValueError, OverflowError):  # an answer too odd to resemble a known mistake
            found = None
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
        array = as_array(got)
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
    except (TypeError, ValueError, OverflowError):
        return None


def _axes_swapped(task, expected, got):
    if not isinstance(expected, np.ndarray) or expected.ndim < 2 or expected.ndim > 5:
        return None
    array = as_array(got)
    if array is None or array.ndim != expected.ndim or sorted(array.shape) != sorted(expected.shape):
        return None
    axes = getattr(task, "axes", None)
    names = axes if axes and len(axes) == expected.ndim else [f"axis {i}" for i in range(expected.ndim)]
    for order in itertools.permutations(range(expected.ndim)):
        if order == tuple(range(expected.ndim)):
            continue
        moved = expected.transpose(order)
        if moved.shape == array.shape and equal(moved, array):
            yours = ", ".join(names[i] for i in order)
            return (
                "axes-swapped",
                f"The right numbers, with the axes in the wrong order: expected "
                f"({', '.join(names)}), yours are ({yours}). Check the order of the axes that "
                f"tensordot or einsum leaves, or transpose the result.",
            )
    return None


def _floats(task, expected, got):
    """The right values as floats, where the exact answer is an integer array."""
    array = as_array(got)
    if (not isinstance(expected, np.ndarray) or expected.dtype.kind not in "iu" or array is None
            or array.dtype.kind != "f" or array.shape != expected.shape or not np.array_equal(array, expected)):
        return None
    return (
        "floats-for-integers",
        f"The right values, but as {array.dtype}: integer inputs give an exact integer result "
        f"({expected.dtype} here). Make the output with dtype=np.result_type(x, k), which keeps "
        f"integers integers and floats floats.",
    )


def _truncated(task, expected, got):
    if not isinstance(expected, np.ndarray) or expected.dtype.kind not in "fc":
        return None
    array = as_array(got)
    if array is None or array.shape != expected.shape or np.all(expected == np.round(expected)):
        return None
    real = expected.real
    if equal(np.trunc(real), array) or equal(np.floor(real), array):
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
