"""Tasks of ``exercises/01_loops.ipynb``: the definition written as Python loops."""

from __future__ import annotations

from ..deciding.rules import NUMPY, NUMPY_CONVOLUTIONS, Rule
from .base import KERNEL_FLIPPED, KERNEL_NOT_FLIPPED, Case, Mistake, Task, conv_task, flip, floats, ints, mistake, sizes

import convlab

EXERCISE = "01_loops"

#: The loops are the point: Python and NumPy's arithmetic, indexing and reductions, and nothing
#: that slides or sums for them.
LOOPS = Rule(
    "Write the loops yourself, with Python and NumPy's arithmetic, indexing and reductions only: "
    "no convolution or correlation routine (np.convolve, np.correlate, SciPy's, convlab's) and no "
    "window view (np.lib.stride_tricks, .strides).",
    allow=(NUMPY,), forbid=NUMPY_CONVOLUTIONS + ("numpy.lib.stride_tricks.*",),
    forbid_attributes=("strides",),
)

conv2d_loops = conv_task(
    "conv2d_loops", EXERCISE, "conv2d with loops", "easy",
    [
        ("3×4 integers, 2×2 kernel", ints(3, 4), ints(2, 2)),
        ("6×7 floats, 3×3 kernel", floats(6, 7), floats(3, 3)),
        ("5×8 floats, 2×3 kernel (not square)", floats(5, 8), floats(2, 3)),
        ("5×5 integer image, 3×3 float kernel", ints(5, 5, low=0, high=10), floats(3, 3)),
    ],
    rule=LOOPS, axes=("Ho", "Wo"), exact_dtype=True,
)

_ONE_AXIS = (
    "The kernel was flipped along one axis only. Turning it by 180° reverses both: k[::-1, ::-1]."
)

convolve2d_loops = conv_task(
    "convolve2d_loops", EXERCISE, "true convolution with loops", "easy",
    [
        ("4×4 integers, 2×2 kernel", ints(4, 4), ints(2, 2)),
        ("5×7 floats, 2×3 kernel", floats(5, 7), floats(2, 3)),
    ],
    rule=LOOPS, axes=("Ho", "Wo"), exact_dtype=True,
    reference=lambda x, k: convlab.convolve2d(x, k),
    mistakes=(
        mistake(KERNEL_NOT_FLIPPED, lambda x, k: convlab.conv2d(x, k)),
        Mistake("flipped-one-axis", _ONE_AXIS, lambda x, k: convlab.conv2d(x, k[::-1])),
        Mistake("flipped-one-axis", _ONE_AXIS, lambda x, k: convlab.conv2d(x, k[:, ::-1])),
    ),
)

conv2d_loops_channels = conv_task(
    "conv2d_loops_channels", EXERCISE, "several channels with loops", "medium",
    [
        ("2 channels of 4×4 integers, 2×2×2 kernel", ints(2, 4, 4), ints(2, 2, 2)),
        ("3 channels of 6×5 floats, 3×3×3 kernel", floats(3, 6, 5), floats(3, 3, 3)),
        ("1 channel of 5×6 floats, 1×2×3 kernel", floats(1, 5, 6), floats(1, 2, 3)),
    ],
    rule=LOOPS, axes=("Ho", "Wo"), exact_dtype=True,
    mistakes=(
        mistake(KERNEL_FLIPPED, lambda x, k: convlab.conv2d(x, flip(k))),
        Mistake(
            "first-channel-only",
            "Only channel 0 was used. The output at (i, j) sums over every channel c as well as "
            "over the window: add a loop over c (or sum over axis 0).",
            lambda x, k: convlab.conv2d(x[0], k[0]),
        ),
    ),
)


def _count(hw, k, positions="output"):
    (h, w), (r, s) = hw, k
    if positions == "output":
        return (h - r + 1) * (w - s + 1) * r * s
    if positions == "input":
        return h * w * r * s
    return (h - r) * (w - s) * r * s


count_multiplies = Task(
    name="count_multiplies",
    exercise=EXERCISE,
    title="the cost of the loops",
    difficulty="medium",
    kind="function",
    reference=lambda hw, k: _count(hw, k),
    cases=(
        Case("a small input, 3×3 kernel", (sizes((5, 10), (5, 10)), (3, 3))),
        Case("an input near 28×28, 5×5 kernel", (sizes((24, 33), (24, 33)), (5, 5))),
        Case("an input near 480×640, 3×2 kernel", (sizes((400, 560), (600, 700)), (3, 2))),
    ),
    mistakes=(
        Mistake(
            "input-positions",
            "You counted a window at every input pixel. The kernel fits only (H - R + 1) × "
            "(W - S + 1) times, and each position costs R × S multiplications.",
            lambda hw, k: _count(hw, k, "input"),
        ),
        Mistake(
            "off-by-one",
            "Off by one: a kernel of R rows fits H - R + 1 times in H rows, not H - R.",
            lambda hw, k: _count(hw, k, "short"),
        ),
    ),
)

TASKS = (conv2d_loops, convolve2d_loops, conv2d_loops_channels, count_multiplies)
