"""Tasks of ``exercises/04_stride_padding_dilation.ipynb``: output size, strided windows, padding, general conv2d."""

from __future__ import annotations

import numpy as np

from ..deciding.rules import NUMPY, NUMPY_CONVOLUTIONS, SLIDING_WINDOWS, Rule
from .base import (
    DILATION_IGNORED,
    KERNEL_FLIPPED,
    STRIDE_IGNORED,
    STRIDES_FROM_SHAPE,
    TOTAL_PADDING,
    Case,
    Mistake,
    Task,
    c_order_windows,
    flip,
    floats,
    ints,
    mistake,
    or_none,
    sizes,
    transposed,
    view_requirement,
)
from .memory_and_strides import VIEW_BY_STRIDES

import convlab

EXERCISE = "04_stride_padding_dilation"


def _size_variant(hw, k, stride, padding, dilation, *, ceil=False, plus_one=True, total_padding=False,
                  dilation_mode="span"):
    out = []
    for n, r, s, p, d in zip(hw, k, stride, padding, dilation):
        span = {"span": d * (r - 1) + 1, "ignored": r, "times": d * r}[dilation_mode]
        room = n + (p if total_padding else 2 * p) - span
        out.append((-(-room // s) if ceil else room // s) + plus_one)
    return tuple(out)


def _uneven_for_stride_2(rng):
    """Rows that a 3-row kernel with stride 2 does not cover evenly (an even height)."""
    return 2 * int(rng.integers(4, 8)), int(rng.integers(8, 14))


output_size = Task(
    name="output_size",
    exercise=EXERCISE,
    title="the output-size formula",
    difficulty="easy",
    kind="function",
    reference=lambda hw, k, stride, padding, dilation: convlab.output_shape(hw, k, stride, padding, dilation),
    rule=Rule(
        "Use the formula, with Python (and NumPy) only: do not call convlab.output_shape or compute a "
        "convolution to read its shape.",
        allow=(NUMPY,), forbid=NUMPY_CONVOLUTIONS + ("numpy.lib.stride_tricks.*",),
    ),
    cases=(
        Case("an input near 10×12, 3×3 kernel", (sizes((8, 14), (8, 14)), (3, 3), (1, 1), (0, 0), (1, 1))),
        Case("stride 2 that does not divide evenly", (_uneven_for_stride_2, (3, 3), (2, 2), (0, 0), (1, 1))),
        Case("padding (1, 2)", (sizes((6, 10), (7, 11)), (3, 5), (1, 1), (1, 2), (1, 1))),
        Case("dilation (2, 3)", (sizes((11, 15), (12, 16)), (3, 3), (1, 1), (0, 0), (2, 3))),
        Case("all at once", (sizes((28, 36), (28, 36)), (5, 3), (3, 2), (2, 1), (2, 1))),
    ),
    mistakes=(
        Mistake("ceil-division", "Rounded up. Windows that would run off the end are dropped: the "
                "division floors (//), it does not round up.", lambda *a: _size_variant(*a, ceil=True)),
        Mistake("off-by-one", "Off by one: forgot the +1 (a window fits at position 0 too).",
                lambda *a: _size_variant(*a, plus_one=False)),
        mistake(TOTAL_PADDING, lambda *a: _size_variant(*a, total_padding=True)),
        Mistake("dilation-ignored", "The dilation was ignored. A dilated kernel of R taps spans "
                "d*(R - 1) + 1 rows.", lambda *a: _size_variant(*a, dilation_mode="ignored")),
        Mistake("dilation-span", "A dilated kernel of R taps spans d*(R - 1) + 1 rows, not d*R: "
                "there are R - 1 gaps between R taps.", lambda *a: _size_variant(*a, dilation_mode="times")),
    ),
)


windows_strided = Task(
    name="windows_strided",
    exercise=EXERCISE,
    title="windows with stride and dilation",
    difficulty="hard",
    kind="function",
    params=("x",),
    axes=("Ho", "Wo", "R", "S"),
    reference=lambda x, window, stride, dilation: convlab.sliding_windows(x, window, stride, dilation),
    rule=VIEW_BY_STRIDES,
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
            lambda x, window, stride, dilation: or_none(convlab.sliding_windows)(x, window, dilation, stride),
        ),
        mistake(STRIDES_FROM_SHAPE,
                lambda x, window, stride, dilation: c_order_windows(x, window, stride, dilation)),
    ),
)


def _pad(x, padding):
    width = [(0, 0)] * (x.ndim - 2) + [(padding[0], padding[0]), (padding[1], padding[1])]
    return np.pad(x, width)


pad = Task(
    name="pad",
    exercise=EXERCISE,
    title="zero padding, per side",
    difficulty="easy",
    kind="function",
    params=("x",),
    reference=_pad,
    exact_dtype=True,
    rule=Rule("Pad with np.pad or by building the array yourself, with NumPy only: not with convlab's padding.",
              allow=(NUMPY,), forbid=NUMPY_CONVOLUTIONS),
    cases=(
        Case("3×4 integers, padding (1, 2)", (ints(3, 4, low=1, high=9), (1, 2))),
        Case("2 channels of 3×3 floats, padding (2, 0)", (floats(2, 3, 3), (2, 0))),
        Case("float32 stays float32", (floats(4, 4, dtype="float32"), (1, 1))),
    ),
    mistakes=(
        mistake(TOTAL_PADDING, lambda x, padding: _pad(x, (padding[0] // 2, padding[1] // 2))),
        Mistake("rows-cols-swapped", "Rows and columns are swapped: padding is (rows, cols), so "
                "padding[0] goes above and below, padding[1] left and right.",
                lambda x, padding: _pad(x, padding[::-1])),
        Mistake("padded-every-axis", "The channel axis was padded too. Pad only the last two "
                "axes: np.pad(x, [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)]).",
                lambda x, padding: np.pad(x, [(padding[0],) * 2] * (x.ndim - 1) + [(padding[1],) * 2])),
    ),
)

_PARAMS_CASES = [  # label, x, k, stride, padding, dilation
    ("stride (2, 2)", floats(2, 7, 7), floats(2, 3, 3), (2, 2), (0, 0), (1, 1)),
    ("padding (1, 1)", ints(1, 4, 5), ints(1, 3, 3), (1, 1), (1, 1), (1, 1)),
    ("dilation (2, 2)", floats(3, 8, 7), floats(3, 2, 2), (1, 1), (0, 0), (2, 2)),
    ("stride (2, 1), padding (0, 2)", floats(2, 7, 6), floats(2, 3, 2), (2, 1), (0, 2), (1, 1)),
    ("padding (1, 0), dilation (1, 2)", floats(1, 6, 9), floats(1, 2, 3), (1, 1), (1, 0), (1, 2)),
    ("stride 3, padding 2, dilation 2, integers", ints(2, 9, 10), ints(2, 3, 3), (3, 3), (2, 2), (2, 2)),
]


def _general(x, k, stride, padding, dilation):
    return convlab.conv2d(x, k, stride, padding, dilation)


conv2d_general = Task(
    name="conv2d_general",
    exercise=EXERCISE,
    title="conv2d with stride, padding and dilation",
    difficulty="hard",
    kind="function",
    params=("x", "k"),
    axes=("Ho", "Wo"),
    reference=_general,
    rule=Rule(
        "Use NumPy and convlab.sliding_windows only: pad, take the windows and contract them yourself, "
        "with no convolution routine.",
        allow=(NUMPY, SLIDING_WINDOWS), forbid=NUMPY_CONVOLUTIONS,
    ),
    cases=tuple(Case(label, (x, k, s, p, d)) for label, x, k, s, p, d in _PARAMS_CASES),
    mistakes=(
        mistake(STRIDE_IGNORED, or_none(lambda x, k, s, p, d: _general(x, k, 1, p, d))),
        mistake(DILATION_IGNORED, or_none(lambda x, k, s, p, d: _general(x, k, s, p, 1))),
        mistake(TOTAL_PADDING, or_none(lambda x, k, s, p, d: _general(x, k, s, (p[0] // 2, p[1] // 2), d))),
        mistake(KERNEL_FLIPPED, or_none(lambda x, k, s, p, d: _general(x, flip(k), s, p, d))),
        Mistake("padding-ignored", "The padding was ignored: pad x with zeros first, padding[0] "
                "rows above and below, padding[1] columns left and right.",
                or_none(lambda x, k, s, p, d: _general(x, k, s, 0, d))),
    ),
)

TASKS = (output_size, windows_strided, pad, conv2d_general)
