"""Tasks of ``exercises/02_memory_and_strides.ipynb``: byte strides, window views, and a drill of strided views.

After the window views, four small puzzles ask for other views that
``as_strided`` makes from an array's own strides, each without a copy: a
Toeplitz matrix from a vector, a row repeated without copying it, a matrix's
diagonal, and a transpose.  Each is checked like the window tasks: the values,
and that the answer is a read-only view of the input stepping through memory
as the right view does (:func:`~convlab.grading.tasks.base.view_of`), on inputs
that are transposed, reversed or sliced with a step.
"""

from __future__ import annotations

import numpy as np

from ..deciding.rules import AS_STRIDED, NUMPY, NUMPY_CONVOLUTIONS, WINDOW_VIEWS, Rule
from .base import (
    STRIDES_FROM_SHAPE,
    Case,
    Mistake,
    Task,
    c_order_windows,
    every_other_column,
    floats,
    ints,
    mistake,
    transposed,
    view_of,
    view_requirement,
)

import convlab
from convlab.windows import memory_owner

EXERCISE = "02_memory_and_strides"


def _c_strides(shape, itemsize):
    return np.empty(shape, dtype=np.dtype((np.void, itemsize))).strides


def _shape(ndim, ones=False):
    """A random shape of ``ndim`` axes (one of them of length 1 when ``ones``)."""

    def build(rng):
        shape = [int(n) for n in rng.integers(2, 8, ndim)]
        if ones:
            shape[int(rng.integers(0, ndim - 1))] = 1
        return tuple(shape)

    return build


c_strides = Task(
    name="c_strides",
    exercise=EXERCISE,
    title="byte strides of a C-ordered array",
    difficulty="easy",
    kind="function",
    reference=_c_strides,
    rule=Rule(
        "Compute the strides from the shape and the item size, with Python (and NumPy) only: do not make "
        "an array to read its .strides.",
        allow=(NUMPY,), forbid=("numpy.empty", "numpy.zeros", "numpy.ones", "numpy.full", "numpy.ndarray",
                "numpy.empty_like", "numpy.zeros_like", "numpy.ones_like", "numpy.lib.stride_tricks.as_strided"),
        forbid_attributes=("strides",),
    ),
    cases=(
        Case("a 2-D shape, 8-byte items", (_shape(2), 8)),
        Case("a 3-D shape, 4-byte items", (_shape(3), 4)),
        Case("a 4-D shape with an axis of length 1, 2-byte items", (_shape(4, ones=True), 2)),
    ),
    mistakes=(
        Mistake(
            "elements-not-bytes",
            "These are steps in elements. NumPy's strides count bytes: multiply by the item size.",
            lambda shape, itemsize: tuple(s // itemsize for s in _c_strides(shape, itemsize)),
        ),
        Mistake(
            "bits-not-bytes",
            "These are steps in bits (8 times too large). Strides count bytes: an 8-byte float "
            "is 8, not 64.",
            lambda shape, itemsize: tuple(8 * s for s in _c_strides(shape, itemsize)),
        ),
        Mistake(
            "fortran-order",
            "These are the strides of a Fortran-ordered (column-major) array, where the FIRST "
            "axis is contiguous. In C order the LAST axis steps by one item.",
            lambda shape, itemsize: np.empty(shape, dtype=np.dtype((np.void, itemsize)), order="F").strides,
        ),
    ),
)


#: Build the view, don't fetch it: as_strided from x's own strides, returned as a view.
VIEW_BY_STRIDES = Rule(
    "Build the view with np.lib.stride_tricks.as_strided from x.strides, with NumPy only (not "
    "sliding_window_view or convlab.sliding_windows), and return the view itself, read-only, not a copy.",
    allow=(NUMPY,), forbid=WINDOW_VIEWS + NUMPY_CONVOLUTIONS, require=AS_STRIDED,
)

windows = Task(
    name="windows",
    exercise=EXERCISE,
    title="sliding windows with as_strided",
    difficulty="medium",
    kind="function",
    params=("x",),
    axes=("Ho", "Wo", "R", "S"),
    reference=lambda x, window: convlab.sliding_windows(x, window),
    rule=VIEW_BY_STRIDES,
    cases=(
        Case("4×5 integers, 2×2 windows", (ints(4, 5), (2, 2)), verify=view_requirement),
        Case("6×6 float32, 3×2 windows", (floats(6, 6, dtype="float32"), (3, 2)), verify=view_requirement),
        Case("a transposed input x.T, 2×3 windows", (transposed(floats(6, 5)), (2, 3)), verify=view_requirement),
        Case("every other column, x[:, ::2]", (every_other_column(ints(5, 9)), (3, 2)), verify=view_requirement),
        Case("5×5 floats, 2×2 windows", (floats(5, 5), (2, 2)), verify=view_requirement),
    ),
    mistakes=(mistake(STRIDES_FROM_SHAPE, lambda x, window: c_order_windows(x, window)),),
)

def _signal(length, step=1, dtype="float64"):
    """A 1-D signal; with ``step`` every step-th value of a longer one (negative: reversed)."""

    def build(rng):
        values = rng.uniform(-50, 50, length * abs(step)).round(2).astype(dtype)
        return values[::step]

    return build


def _windows_1d(x, width):
    return np.lib.stride_tricks.sliding_window_view(x, width)


def _steps_of_items(x, width):
    """Windows stepping one item at a time, as if x were contiguous (None where that leaves x's memory)."""
    owner = memory_owner(x)
    start = x.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    count = len(x) - width + 1
    if x.strides[0] < 0 or start + (count + width - 1) * x.itemsize > owner.nbytes:
        return None
    flat = owner.ravel(order="A").view(np.uint8)[start:start + (count + width - 1) * x.itemsize].view(x.dtype)
    return np.lib.stride_tricks.sliding_window_view(flat, width).copy()


windows_1d = Task(
    name="windows_1d",
    exercise=EXERCISE,
    title="the windows of a signal",
    difficulty="medium",
    kind="function",
    params=("x",),
    axes=("positions", "taps"),
    reference=_windows_1d,
    rule=VIEW_BY_STRIDES,
    cases=(
        Case("12 floats, width 3", (_signal(12), 3), verify=view_of(_windows_1d)),
        Case("9 int16 values, width 4", (_signal(9, dtype="int16"), 4), verify=view_of(_windows_1d)),
        Case("every third value of a signal, x[::3], width 2", (_signal(10, step=3), 2), verify=view_of(_windows_1d)),
        Case("a reversed signal, x[::-1], width 3", (_signal(10, step=-1), 3), verify=view_of(_windows_1d)),
    ),
    mistakes=(mistake(STRIDES_FROM_SHAPE, _steps_of_items),),
)


# --- the drill: four more views made from an array's own strides -------------------------------------


def _read(x, shape, strides, start=0):
    """The view of ``shape`` and byte ``strides``, from ``start`` bytes past x's first element, that a mistake makes.

    A read-only view of the memory x belongs to, as ``as_strided`` with those steps would give;
    None where such a view would leave that memory (the judge uses it only to recognise a mistake).
    """
    owner = memory_owner(x)
    base = x.__array_interface__["data"][0] - owner.__array_interface__["data"][0] + start
    reached = [base + sum((n - 1) * st for n, st in zip(shape, strides) if st > 0),
               base + sum((n - 1) * st for n, st in zip(shape, strides) if st < 0)]
    if min(reached) < 0 or max(reached) + x.itemsize > owner.nbytes or owner.base is not None:
        return None
    flat = owner.reshape(-1, order="A").view(np.uint8)[base:].view(x.dtype)
    return np.lib.stride_tricks.as_strided(flat, shape, strides, writeable=False)


def _matrix(rows, cols, dtype="float64"):
    return lambda rng: rng.uniform(-9, 9, (rows, cols)).round(1).astype(dtype)


def _drill_rule(ready_made, attributes=()):
    return Rule(
        "Build the view with np.lib.stride_tricks.as_strided from x.strides, with NumPy only (not "
        f"{ready_made}), and return the view itself, read-only, not a copy.",
        allow=(NUMPY,), forbid=WINDOW_VIEWS + NUMPY_CONVOLUTIONS + tuple(f"numpy.{n}" for n in attributes),
        require=AS_STRIDED, forbid_attributes=attributes,
    )


def _toeplitz(x, rows):
    return np.lib.stride_tricks.sliding_window_view(x, len(x) - rows + 1)[::-1]


# A view that steps wrongly is judged on its values, where each task's mistakes name the wrong step.
_TOEPLITZ_VIEW = view_of(_toeplitz, strides=False)


toeplitz = Task(
    name="toeplitz",
    exercise=EXERCISE,
    title="a Toeplitz matrix from a vector",
    difficulty="medium",
    kind="function",
    params=("x",),
    axes=("rows", "columns"),
    reference=_toeplitz,
    rule=_drill_rule("sliding_window_view or np.flip", ("flip", "flipud")),
    cases=(
        Case("8 integers, 3 rows", (_signal(8, dtype="int64"), 3), verify=_TOEPLITZ_VIEW),
        Case("10 float32 values, 4 rows", (_signal(10, dtype="float32"), 4), verify=_TOEPLITZ_VIEW),
        Case("every other value of a signal, x[::2], 3 rows", (_signal(9, step=2), 3), verify=_TOEPLITZ_VIEW),
        Case("a reversed signal, x[::-1], 5 rows", (_signal(11, step=-1), 5), verify=_TOEPLITZ_VIEW),
    ),
    mistakes=(
        Mistake("hankel", "Each row starts one element later than the row above: these are the sliding "
                "windows of task 3, whose anti-diagonals are constant (a Hankel matrix). In a Toeplitz matrix "
                "the diagonals are constant: each row starts one element EARLIER. Start at x[rows - 1] and "
                "step back one element per row: the row stride is -x.strides[0].",
                lambda x, rows: np.lib.stride_tricks.sliding_window_view(x, len(x) - rows + 1)),
        mistake(STRIDES_FROM_SHAPE, lambda x, rows: _read(  # from x[rows - 1], with steps of one item
            x, (rows, len(x) - rows + 1), (-x.itemsize, x.itemsize), (rows - 1) * x.strides[0])),
    ),
)


def _repeated(x, times):
    return np.broadcast_to(x, (times, len(x)))


_REPEATED_VIEW = view_of(_repeated, strides=False)


repeat_row = Task(
    name="repeat_row",
    exercise=EXERCISE,
    title="a row repeated without copying it",
    difficulty="easy",
    kind="function",
    params=("x",),
    axes=("copies", "values"),
    reference=_repeated,
    rule=_drill_rule("np.broadcast_to, np.tile or np.repeat", ("broadcast_to", "tile", "repeat")),
    cases=(
        Case("the first 5 of 12 floats, x[:5], 3 times", (lambda rng: _signal(12)(rng)[:5], 3),
             verify=_REPEATED_VIEW),
        Case("4 int16 values, 6 times", (_signal(4, dtype="int16"), 6), verify=_REPEATED_VIEW),
        Case("a column of a matrix, m[:, 2], 4 times", (lambda rng: _matrix(6, 5)(rng)[:, 2], 4),
             verify=_REPEATED_VIEW),
        Case("a reversed signal, x[::-1], 2 times", (_signal(7, step=-1), 2), verify=_REPEATED_VIEW),
    ),
    mistakes=(
        Mistake("rows-slide", "Each row starts one element further along x, so the rows slide like windows. "
                "To repeat the row, every row starts at the same place: the row stride is 0.",
                lambda x, times: _read(x, (times, len(x)), (x.strides[0], x.strides[0]))),
        mistake(STRIDES_FROM_SHAPE, lambda x, times: _read(x, (times, len(x)), (0, x.itemsize))),
    ),
)


def _diagonal(x):
    return np.diagonal(x)


_DIAGONAL_VIEW = view_of(_diagonal, strides=False)


diagonal = Task(
    name="diagonal",
    exercise=EXERCISE,
    title="the diagonal of a matrix",
    difficulty="easy",
    kind="function",
    params=("x",),
    axes=("diagonal",),
    reference=_diagonal,
    rule=_drill_rule("np.diagonal, np.diag or .diagonal()", ("diagonal", "diag")),
    cases=(
        Case("a 4×4 matrix", (_matrix(4, 4),), verify=_DIAGONAL_VIEW),
        Case("a 3×6 float32 matrix", (_matrix(3, 6, "float32"),), verify=_DIAGONAL_VIEW),
        Case("a transposed matrix, m.T", (transposed(_matrix(5, 4)),), verify=_DIAGONAL_VIEW),
        Case("every other row of a matrix, m[::2]", (lambda rng: _matrix(10, 5)(rng)[::2],), verify=_DIAGONAL_VIEW),
    ),
    mistakes=(
        Mistake("one-axis", "These are the first column's values: you stepped down one row at a time. The "
                "diagonal moves one row AND one column at each step: its stride is x.strides[0] + x.strides[1].",
                lambda x: _read(x, (min(x.shape),), (x.strides[0],))),
        mistake(STRIDES_FROM_SHAPE, lambda x: _read(x, (min(x.shape),), ((x.shape[1] + 1) * x.itemsize,))),
    ),
)


def _transpose(x):
    return x.T


_TRANSPOSE_VIEW = view_of(_transpose, strides=False)


transpose = Task(
    name="transpose",
    exercise=EXERCISE,
    title="a transpose, by strides",
    difficulty="easy",
    kind="function",
    params=("x",),
    axes=("columns", "rows"),
    reference=_transpose,
    rule=_drill_rule("np.transpose, .T, .swapaxes or np.moveaxis", ("transpose", "T", "mT", "swapaxes",
                                                                     "moveaxis", "rollaxis")),
    cases=(
        Case("a 3×5 matrix", (_matrix(3, 5),), verify=_TRANSPOSE_VIEW),
        Case("a 4×2 int8 matrix", (lambda rng: rng.integers(-9, 10, (4, 2)).astype("int8"),),
             verify=_TRANSPOSE_VIEW),
        Case("a transposed matrix, m.T", (transposed(_matrix(4, 6)),), verify=_TRANSPOSE_VIEW),
        Case("every third column of a matrix, m[:, ::3]", (lambda rng: _matrix(3, 9)(rng)[:, ::3],),
             verify=_TRANSPOSE_VIEW),
    ),
    mistakes=(
        Mistake("strides-not-swapped", "You swapped the shape but kept x's strides: that reads x's memory in "
                "its old order, like a reshape, not a transpose. Swap the strides too: (x.strides[1], x.strides[0]).",
                lambda x: _read(x, x.shape[::-1], x.strides)),
        mistake(STRIDES_FROM_SHAPE, lambda x: _read(x, x.shape[::-1], (x.itemsize, x.shape[1] * x.itemsize))),
    ),
)

TASKS = (c_strides, windows, windows_1d, toeplitz, repeat_row, diagonal, transpose)
