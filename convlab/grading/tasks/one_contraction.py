"""Tasks of ``exercises/03_one_contraction.ipynb``: the convolution as one tensordot or einsum."""

from __future__ import annotations

import numpy as np

from ..rules import CONVOLUTIONS, Rule
from .base import Case, Task, conv_task, floats, ints, transposed

import convlab

EXERCISE = "03_one_contraction"


def _tensordot_with(axes, x, k):
    windows = convlab.sliding_windows(x, k.shape[-2:])  # (C, Ho, Wo, R, S)
    try:
        return np.tensordot(windows, k, axes=axes)
    except (ValueError, TypeError, IndexError) as err:
        raise ValueError(f"np.tensordot(windows, k, axes={axes!r}) fails: {err}") from None


tensordot_axes = Task(
    name="tensordot_axes",
    exercise=EXERCISE,
    title="which axes tensordot sums over",
    difficulty="easy",
    kind="value",
    axes=("Ho", "Wo"),
    reference=lambda x, k: convlab.conv2d(x, k),
    apply=lambda answer, x, k: _tensordot_with(answer, x, k),
    cases=(
        Case("2 channels of 4×4, 2×2×2 kernel", (ints(2, 4, 4, low=0, high=9), floats(2, 2, 2))),
        Case("3 channels of 5×6 floats, 3×3×2 kernel", (floats(3, 5, 6), floats(3, 3, 2))),
    ),
)

_CASES = [
    ("2 channels of 4×4, 2×2×2 kernel", ints(2, 4, 4, low=0, high=9), floats(2, 2, 2)),
    ("3 channels of 6×7 floats, 3×3×3 kernel", floats(3, 6, 7), floats(3, 3, 3)),
    ("2 channels of 5×8 integers, 2×3 kernel", ints(2, 5, 8), ints(2, 2, 3)),
    ("a transposed input (channels last in memory)", transposed(floats(7, 6, 4), (2, 0, 1)), floats(4, 2, 2)),
]

conv2d_tensordot = conv_task(
    "conv2d_tensordot", EXERCISE, "conv2d with one tensordot", "medium", _CASES,
    axes=("Ho", "Wo"),
    rule=Rule(
        "Contract a window view with one np.tensordot: no convolution routine and no np.einsum.",
        forbid=CONVOLUTIONS + ("numpy.einsum",),
        require=("numpy.tensordot",),
    ),
)

conv2d_einsum = conv_task(
    "conv2d_einsum", EXERCISE, "conv2d with einsum", "medium", _CASES[1:],
    axes=("Ho", "Wo"),
    rule=Rule(
        "Contract a window view with np.einsum: no convolution routine and no np.tensordot.",
        forbid=CONVOLUTIONS + ("numpy.tensordot",),
        require=("numpy.einsum",),
    ),
)

TASKS = (tensordot_axes, conv2d_tensordot, conv2d_einsum)
