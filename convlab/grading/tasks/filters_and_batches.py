"""Tasks of ``exercises/05_filters_and_batches.ipynb``: filter banks, batches, 1×1 convolutions, im2col."""

from __future__ import annotations

from ..rules import CONVOLUTIONS, MATRIX_PRODUCT, Rule
from .base import Case, Mistake, Task, conv_task, floats, ints, transposed

import convlab

EXERCISE = "05_filters_and_batches"

#: Build it from the pieces of lessons 02 and 03, not from a routine that does it all.
CONTRACTION = Rule(
    "No convolution routine: contract window views yourself (np.tensordot, np.einsum or a "
    "matrix product).",
    forbid=CONVOLUTIONS,
)

conv2d_bank = conv_task(
    "conv2d_bank", EXERCISE, "a bank of filters", "medium",
    [
        ("3 channels of 6×7, 4 filters of 3×3", floats(3, 6, 7), floats(4, 3, 3, 3)),
        ("2 channels of 5×5 integers, 2 filters of 2×2", ints(2, 5, 5), ints(2, 2, 2, 2)),
        ("1 channel of 8×6, 5 filters of 3×2", floats(1, 8, 6), floats(5, 1, 3, 2)),
    ],
    rule=CONTRACTION, axes=("K", "Ho", "Wo"),
)

conv2d_batch = conv_task(
    "conv2d_batch", EXERCISE, "a batch of images, a bank of filters", "medium",
    [
        ("2 images, 3 channels of 6×7, 4 filters of 3×3", floats(2, 3, 6, 7), floats(4, 3, 3, 3)),
        ("3 images of 2×5×5 integers, 2 filters", ints(3, 2, 5, 5), ints(2, 2, 2, 2)),
        ("5 images, 1 channel, 3 filters of 3×2", floats(5, 1, 6, 6), floats(3, 1, 3, 2)),
        ("4 images, 4 filters (as many filters as images)", floats(4, 3, 5, 5), floats(4, 3, 2, 2)),
    ],
    rule=CONTRACTION, axes=("N", "K", "Ho", "Wo"),
)

conv1x1 = conv_task(
    "conv1x1", EXERCISE, "a 1×1 convolution as a matrix product", "easy",
    [
        ("2 images of 3×4×5, 4 filters", floats(2, 3, 4, 5), floats(4, 3)),
        ("1 image of 2×3×3 integers, 5 filters", ints(1, 2, 3, 3), ints(5, 2)),
        ("3 images, 4 channels, 4 filters", floats(3, 4, 2, 6), floats(4, 4)),
    ],
    rule=Rule(
        "Write it as one product over the channels (@, np.matmul, np.tensordot or np.einsum); "
        "no convolution routine.",
        forbid=CONVOLUTIONS,
        require=(MATRIX_PRODUCT, "numpy.tensordot", "numpy.einsum"),
    ),
    axes=("N", "K", "H", "W"), params=("x", "w"),
    reference=lambda x, w: convlab.conv2d(x, w[:, :, None, None]),
    mistakes=(
        Mistake("weights-transposed", "The weight matrix was used transposed: w[f, c] weighs channel "
                "c for output channel f, so output[n, f] = sum over c of w[f, c] * x[n, c].",
                lambda x, w: convlab.conv2d(x, w.T[:, :, None, None]) if w.shape[0] == w.shape[1] else None),
    ),
)


def _im2col(x, window):
    c = x.shape[0]
    view = convlab.sliding_windows(x, window)  # (C, Ho, Wo, R, S)
    ho, wo = view.shape[1:3]
    return view.transpose(0, 3, 4, 1, 2).reshape(c * window[0] * window[1], ho * wo)


im2col = Task(
    name="im2col",
    exercise=EXERCISE,
    title="im2col: windows as columns",
    difficulty="hard",
    kind="function",
    params=("x",),
    axes=("C·R·S", "Ho·Wo"),
    reference=_im2col,
    rule=Rule("Reshape a window view yourself; no convolution routine.", forbid=CONVOLUTIONS),
    cases=(
        Case("1 channel of 3×4 integers, 2×2 windows", (ints(1, 3, 4), (2, 2))),
        Case("2 channels of 4×4 integers, 2×3 windows", (ints(2, 4, 4), (2, 3))),
        Case("3 channels of 6×7 floats, 3×3 windows", (floats(3, 6, 7), (3, 3))),
        Case("a transposed input", (transposed(floats(5, 6, 2), (2, 0, 1)), (2, 2))),
    ),
    mistakes=(
        Mistake("row-order", "The right numbers in a different row order. Order the rows (c, r, s), "
                "channel slowest, so that row c*R*S + r*S + s lines up with k.reshape(K, -1).",
                lambda x, window: convlab.sliding_windows(x, window).transpose(3, 4, 0, 1, 2).reshape(
                    -1, _im2col(x, window).shape[1])),
    ),
)

conv2d_im2col = conv_task(
    "conv2d_im2col", EXERCISE, "conv2d with im2col and one matrix product", "hard",
    [
        ("1 image of 2×5×5, 3 filters of 2×2", floats(1, 2, 5, 5), floats(3, 2, 2, 2)),
        ("3 images of 3×6×7, 4 filters of 3×3", floats(3, 3, 6, 7), floats(4, 3, 3, 3)),
        ("2 images of 2×5×6 integers, 2 filters of 3×2", ints(2, 2, 5, 6), ints(2, 2, 3, 2)),
    ],
    rule=Rule(
        "Multiply the kernel matrix by the im2col matrix in one matrix product (@, np.matmul or "
        "np.dot); no convolution routine, no np.tensordot or np.einsum.",
        forbid=CONVOLUTIONS + ("numpy.tensordot", "numpy.einsum"),
        require=(MATRIX_PRODUCT,),
    ),
    axes=("N", "K", "Ho", "Wo"),
)

TASKS = (conv2d_bank, conv2d_batch, conv1x1, im2col, conv2d_im2col)
