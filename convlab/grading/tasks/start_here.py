"""Tasks of ``exercises/00_start_here.ipynb``: output sizes by hand, one output by hand."""

from __future__ import annotations

from ..deciding.rules import NUMPY, NUMPY_CONVOLUTIONS, Rule
from .base import KERNEL_FLIPPED, STRIDE_IGNORED, TOTAL_PADDING, Case, Mistake, Task, flip, floats, ints, mistake

import convlab

EXERCISE = "00_start_here"

# (input_hw, kernel_hw, stride, padding), as the notebook states them: a value task's
# inputs are the problems the learner reads, so they are the same for check() and the grader.
SIZE_PROBLEMS = [
    ((6, 6), (3, 3), 1, 0),
    ((7, 7), (3, 3), 2, 0),
    ((5, 6), (3, 3), 1, 2),
]
_SIZE_LABELS = [
    "6×6 input, 3×3 kernel",
    "7×7 input, 3×3 kernel, stride 2",
    "5×6 input, 3×3 kernel, padding 2",
]
_SIZES_WHAT = "output_sizes should be a list of three (rows, cols) pairs, one per problem"


def _part(answer, index, what):
    """``answer[index]``, for value tasks, with a message a learner can act on."""
    try:
        return answer[index]
    except (TypeError, IndexError, KeyError):
        raise TypeError(f"{what}; item {index} is missing in {answer!r}") from None


def _size_formula(plus_one=True, total_padding=False, ignore_stride=False):
    def sizes(hw, k, stride, padding, index):
        pad = padding if total_padding else 2 * padding
        step = 1 if ignore_stride else stride
        return tuple((n + pad - r) // step + plus_one for n, r in zip(hw, k))

    return sizes


output_sizes = Task(
    name="output_sizes",
    exercise=EXERCISE,
    title="output sizes by hand",
    difficulty="easy",
    kind="value",
    reference=lambda hw, k, stride, padding, index: convlab.output_shape(hw, k, stride, padding),
    apply=lambda answer, hw, k, stride, padding, index: _part(answer, index, _SIZES_WHAT),
    cases=tuple(
        Case(label, (hw, k), {"stride": stride, "padding": padding, "index": i})
        for i, (label, (hw, k, stride, padding)) in enumerate(zip(_SIZE_LABELS, SIZE_PROBLEMS))
    ),
    mistakes=(
        Mistake(
            "off-by-one",
            "Off by one: forgot the +1. A window of R rows first fits at row 0 and last at "
            "row H - R, which is H - R + 1 positions.",
            _size_formula(plus_one=False),
        ),
        mistake(STRIDE_IGNORED, _size_formula(ignore_stride=True)),
        mistake(TOTAL_PADDING, _size_formula(total_padding=True)),
    ),
)

top_left = Task(
    name="top_left",
    exercise=EXERCISE,
    title="the top-left output",
    difficulty="easy",
    kind="function",
    params=("x", "k"),
    reference=lambda x, k: convlab.conv2d(x, k)[0, 0],
    rule=Rule(
        "Compute it from the definition, with Python and NumPy only: no convolution or correlation "
        "routine (np.convolve, np.correlate).",
        allow=(NUMPY,), forbid=NUMPY_CONVOLUTIONS,
    ),
    cases=(
        Case("4×4 integers, 2×2 kernel", (ints(4, 4), ints(2, 2))),
        Case("5×6 floats, 3×3 kernel", (floats(5, 6), floats(3, 3))),
        Case("6×5 floats, 2×3 kernel", (floats(6, 5), floats(2, 3))),
    ),
    mistakes=(mistake(KERNEL_FLIPPED, lambda x, k: convlab.conv2d(x, flip(k))[0, 0]),),
)

TASKS = (output_sizes, top_left)
