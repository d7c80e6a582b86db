"""Tasks of ``exercises/02_memory_and_strides.ipynb``: byte strides and window views."""

from __future__ import annotations

import numpy as np

from ..rules import CONVOLUTIONS, WINDOW_VIEWS, Rule
from .base import (
    DILATION_IGNORED,
    STRIDE_IGNORED,
    STRIDES_FROM_SHAPE,
    Case,
    Mistake,
    Task,
    every_other_column,
    floats,
    ints,
    mistake,
    transposed,
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
        "Compute the strides from the shape and the item size: do not make an array to read its .strides.",
        forbid=("numpy.empty", "numpy.zeros", "numpy.ones", "numpy.full", "numpy.ndarray",
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


def _c_order_view(x, window, stride=(1, 1), dilation=(1, 1)):
    """Windows made with strides computed from ``x.shape`` as if ``x`` were C-contiguous.

    This is what ``strides = (W*itemsize, itemsize)`` gives for a view that is
    not C-contiguous.  The result reads ``x``'s memory only where it lies
    inside it: the judge uses it only to recognise the mistake.
    """
    h, w = x.shape[-2:]
    row, col = w * x.itemsize, x.itemsize
    ho, wo = convlab.output_shape((h, w), window, stride, 0, dilation)
    owner = memory_owner(x)
    if not (owner.flags.c_contiguous or owner.flags.f_contiguous):
        return None
    start = x.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    flat = owner.ravel(order="A").view(np.uint8)[start:]
    shape = (ho, wo) + tuple(window)
    strides = (stride[0] * row, stride[1] * col, dilation[0] * row, dilation[1] * col)
    needed = sum((n - 1) * s for n, s in zip(shape, strides)) + x.itemsize
    if needed > flat.nbytes:
        return None
    flat = flat[: flat.nbytes // x.itemsize * x.itemsize].view(x.dtype)
    return np.lib.stride_tricks.as_strided(flat, shape, strides, writeable=False).copy()


#: Build the view, don't fetch it: as_strided from x's own strides, returned as a view.
AS_STRIDED = Rule(
    "Build the view with np.lib.stride_tricks.as_strided from x.strides (not sliding_window_view "
    "or convlab.sliding_windows) and return the view itself, read-only, not a copy.",
    forbid=WINDOW_VIEWS + CONVOLUTIONS,
    require=("numpy.lib.stride_tricks.as_strided",),
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
    rule=AS_STRIDED,
    cases=(
        Case("4×5 integers, 2×2 windows", (ints(4, 5), (2, 2)), verify=view_requirement),
        Case("6×6 float32, 3×2 windows", (floats(6, 6, dtype="float32"), (3, 2)), verify=view_requirement),
        Case("a transposed input x.T, 2×3 windows", (transposed(floats(6, 5)), (2, 3)), verify=view_requirement),
        Case("every other column, x[:, ::2]", (every_other_column(ints(5, 9)), (3, 2)), verify=view_requirement),
        Case("5×5 floats, 2×2 windows", (floats(5, 5), (2, 2)), verify=view_requirement),
    ),
    mistakes=(mistake(STRIDES_FROM_SHAPE, lambda x, window: _c_order_view(x, window)),),
)


def _safe_windows(x, window, stride, dilation):
    try:
        return convlab.sliding_windows(x, window, stride, dilation)
    except ValueError:  # that mistake does not fit this input at all
        return None


windows_strided = Task(
    name="windows_strided",
    exercise=EXERCISE,
    title="windows with stride and dilation",
    difficulty="hard",
    kind="function",
    params=("x",),
    axes=("Ho", "Wo", "R", "S"),
    reference=lambda x, window, stride, dilation: convlab.sliding_windows(x, window, stride, dilation),
    rule=AS_STRIDED,
    cases=tuple(
        Case(label, args, verify=view_requirement)
        for label, args in [
            ("7×7, 3×3 windows, stride (2, 2)", (ints(7, 7), (3, 3), (2, 2), (1, 1))),
            ("6×9, 2×2 windows, stride (1, 3)", (floats(6, 9), (2, 2), (1, 3), (1, 1))),
            ("7×7, 2×2 windows, dilation (2, 2)", (ints(7, 7), (2, 2), (1, 1), (2, 2))),
            ("9×8, 3×2 windows, stride (2, 1), dilation (1, 3)", (floats(9, 8), (3, 2), (2, 1), (1, 3))),
            ("a transposed 8×7 input, 2×2 windows, stride 2, dilation 2",
             (transposed(floats(7, 8)), (2, 2), (2, 2), (2, 2))),
        ]
    ),
    mistakes=(
        mistake(STRIDE_IGNORED, lambda x, window, stride, dilation: convlab.sliding_windows(x, window, 1, dilation)),
        mistake(DILATION_IGNORED, lambda x, window, stride, dilation: convlab.sliding_windows(x, window, stride, 1)),
        Mistake(
            "stride-dilation-swapped",
            "Stride and dilation are swapped. The stride is the step between windows (the first "
            "two axes), the dilation the step between taps inside one window (the last two).",
            lambda x, window, stride, dilation: _safe_windows(x, window, dilation, stride),
        ),
        mistake(STRIDES_FROM_SHAPE, lambda x, window, stride, dilation: _c_order_view(x, window, stride, dilation)),
    ),
)

TASKS = (c_strides, windows, windows_strided)
