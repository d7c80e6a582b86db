"""Tasks of ``exercises/02_memory_and_strides.ipynb``: byte strides and a window view."""

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

TASKS = (c_strides, windows, windows_1d)
