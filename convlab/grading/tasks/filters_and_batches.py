"""Tasks of ``exercises/05_filters_and_batches.ipynb``: layers in other layouts, 1×1, groups, im2col.

The lesson computes a layer in NCHW with a ``(K, C, R, S)`` bank and builds
im2col for stride 1.  These tasks move the same ideas somewhere new: the
channels-last layout TensorFlow uses, grouped convolutions, and the im2col
matrix of a strided, dilated convolution built from ``as_strided``.
"""

from __future__ import annotations

import numpy as np

from ..deciding.rules import AS_STRIDED, MATRIX_PRODUCT, NUMPY, NUMPY_CONVOLUTIONS, SLIDING_WINDOWS, WINDOW_VIEWS, Rule
from .base import (
    KERNEL_FLIPPED,
    STRIDES_FROM_SHAPE,
    Case,
    Mistake,
    Task,
    c_order_windows,
    conv_task,
    floats,
    ints,
    mistake,
    or_none,
    transposed,
)

import convlab

EXERCISE = "05_filters_and_batches"

#: Build it from the pieces of lessons 02 and 03, not from a routine that does it all.
CONTRACTION = Rule(
    "Use NumPy and convlab.sliding_windows only: contract window views yourself (np.tensordot, "
    "np.einsum or a matrix product), with no convolution routine.",
    allow=(NUMPY, SLIDING_WINDOWS), forbid=NUMPY_CONVOLUTIONS,
)


# --- 1 · channels last: NHWC with a bank in HWIO -------------------------------------------------------


def _nhwc(x, k):
    """x (N, H, W, C) with k (R, S, C, K): (N, Ho, Wo, K)."""
    return convlab.conv2d(x.transpose(0, 3, 1, 2), k.transpose(3, 2, 0, 1)).transpose(0, 2, 3, 1)


def _nhwc_view(n, c, h, w):
    """A channels-last view of an NCHW batch: the numbers of (N, C, H, W), axes moved, not copied."""
    return lambda rng: floats(n, c, h, w)(rng).transpose(0, 2, 3, 1)


conv2d_nhwc = conv_task(
    "conv2d_nhwc", EXERCISE, "a layer in channels-last layout", "medium",
    [
        ("2 images of 6×7 pixels, 3 channels, 4 filters of 3×3", floats(2, 6, 7, 3), floats(3, 3, 3, 4)),
        ("3 images of 5×5 integers, 2 channels, 2 filters of 2×2", ints(3, 5, 5, 2), ints(2, 2, 2, 2)),
        ("4 images, 4 filters of 2×3 (as many filters as images)", floats(4, 5, 6, 3), floats(2, 3, 3, 4)),
        ("a channels-last view of an NCHW batch, 5 filters", _nhwc_view(2, 3, 6, 6), floats(3, 3, 3, 5)),
    ],
    rule=CONTRACTION, axes=("N", "Ho", "Wo", "K"), reference=_nhwc,
    mistakes=(
        mistake(KERNEL_FLIPPED, lambda x, k: _nhwc(x, k[::-1, ::-1])),
        Mistake("input-reshaped", "x was reshaped to (N, C, H, W). reshape keeps the numbers in their "
                "order in memory, so it mixes pixels and channels; x.transpose(0, 3, 1, 2) moves the "
                "axis, or pair the axes where they are.",
                lambda x, k: _nhwc(np.reshape(x, (x.shape[0], x.shape[3]) + x.shape[1:3]).transpose(0, 2, 3, 1), k)),
        Mistake("kernel-reshaped", "k was reshaped to (K, C, R, S). reshape keeps the numbers in their "
                "order in memory, so it mixes taps, channels and filters; k.transpose(3, 2, 0, 1) moves "
                "the axes, or pair them where they are.",
                lambda x, k: _nhwc(x, np.reshape(k, k.shape[::-1]).transpose(2, 3, 1, 0))),
    ),
)


# --- 2 · a 1×1 convolution --------------------------------------------------------------------------------

conv1x1 = conv_task(
    "conv1x1", EXERCISE, "a 1×1 convolution as a matrix product", "easy",
    [
        ("2 images of 3×4×5, 4 filters", floats(2, 3, 4, 5), floats(4, 3)),
        ("1 image of 2×3×3 integers, 5 filters", ints(1, 2, 3, 3), ints(5, 2)),
        ("3 images, 4 channels, 4 filters", floats(3, 4, 2, 6), floats(4, 4)),
    ],
    rule=Rule(
        "Write it as one product over the channels (@, np.matmul, np.tensordot or np.einsum), with "
        "NumPy only: no convolution routine.",
        allow=(NUMPY,), forbid=NUMPY_CONVOLUTIONS,
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


# --- 3 · a grouped convolution ----------------------------------------------------------------------------


def _grouped(x, k, groups, filter_group=None):
    """Channels in ``groups`` blocks; filter f reads block ``filter_group(f)`` (PyTorch: f // (K/G))."""
    per_group = x.shape[1] // groups
    filters_per_group = k.shape[0] // groups
    group_of = filter_group or (lambda f: f // filters_per_group)
    maps = [convlab.conv2d(x[:, group_of(f) * per_group:(group_of(f) + 1) * per_group], k[f][None])[:, 0]
            for f in range(k.shape[0])]
    return np.stack(maps, axis=1)


def _interleaved_channels(x, k, groups):
    n, c, h, w = x.shape
    return _grouped(x.reshape(n, c // groups, groups, h, w).swapaxes(1, 2).reshape(n, c, h, w), k, groups)


grouped_conv = Task(
    name="grouped_conv",
    exercise=EXERCISE,
    title="a grouped convolution",
    difficulty="hard",
    kind="function",
    params=("x", "k"),
    axes=("N", "K", "Ho", "Wo"),
    reference=_grouped,
    rule=CONTRACTION,
    cases=(
        Case("2 images, 4 channels in 2 groups, 6 filters of 3×3", (floats(2, 4, 6, 7), floats(6, 2, 3, 3), 2)),
        Case("6 channels of integers in 3 groups, 3 filters of 2×2", (ints(1, 6, 5, 5), ints(3, 2, 2, 2), 3)),
        Case("3 channels in 3 groups (depthwise), 2 filters per channel", (floats(2, 3, 5, 6), floats(6, 1, 2, 3), 3)),
        Case("1 group: an ordinary layer", (floats(2, 3, 5, 5), floats(4, 3, 3, 2), 1)),
    ),
    mistakes=(
        Mistake("interleaved-channels", "The channels were dealt out to the groups in turn (channel c to "
                "group c % G). The groups are consecutive blocks: group g holds channels g*C/G to "
                "(g+1)*C/G - 1, so reshape the channel axis to (G, C/G), groups first.",
                _interleaved_channels),
        Mistake("interleaved-filters", "The filters were dealt out to the groups in turn (filter f to "
                "group f % G). The filters form consecutive blocks too: filters g*K/G to (g+1)*K/G - 1 "
                "belong to group g, so reshape k's first axis to (G, K/G), groups first.",
                lambda x, k, groups: _grouped(x, k, groups, filter_group=lambda f: f % groups)),
        mistake(KERNEL_FLIPPED, lambda x, k, groups: _grouped(x, k[..., ::-1, ::-1], groups)),
    ),
)


# --- 4 · im2col with stride and dilation, from as_strided ---------------------------------------------------


def _columns(view):
    """A (C, Ho, Wo, R, S) window view as the (C·R·S, Ho·Wo) im2col matrix."""
    if view is None:
        return None
    c, ho, wo, r, s = view.shape
    return view.transpose(0, 3, 4, 1, 2).reshape(c * r * s, ho * wo)


def _row_order(x, window, stride, dilation):
    """The matrix with its rows in (r, s, c) order, channel fastest."""
    view = convlab.sliding_windows(x, window, stride, dilation)  # (C, Ho, Wo, R, S)
    c, ho, wo, r, s = view.shape
    return view.transpose(3, 4, 0, 1, 2).reshape(r * s * c, ho * wo)


im2col_strided = Task(
    name="im2col_strided",
    exercise=EXERCISE,
    title="im2col with stride and dilation, from as_strided",
    difficulty="hard",
    kind="function",
    params=("x",),
    axes=("C·R·S", "Ho·Wo"),
    reference=lambda x, window, stride, dilation: _columns(convlab.sliding_windows(x, window, stride, dilation)),
    rule=Rule(
        "Build the window view with np.lib.stride_tricks.as_strided from x.strides, with NumPy only "
        "(not sliding_window_view or convlab.sliding_windows), then reshape it; no convolution routine.",
        allow=(NUMPY,), forbid=WINDOW_VIEWS + NUMPY_CONVOLUTIONS, require=AS_STRIDED,
    ),
    cases=(
        Case("1 channel of 7×7 integers, 3×3 windows, stride (2, 2)", (ints(1, 7, 7), (3, 3), (2, 2), (1, 1))),
        Case("2 channels of 8×9, 2×2 windows, dilation (2, 3)", (floats(2, 8, 9), (2, 2), (1, 1), (2, 3))),
        Case("3 channels of 9×8, 3×2 windows, stride (2, 1), dilation (1, 2)",
             (floats(3, 9, 8), (3, 2), (2, 1), (1, 2))),
        Case("a transposed input (channels last in memory), stride 2, dilation 2",
             (transposed(floats(8, 7, 2), (2, 0, 1)), (2, 2), (2, 2), (2, 2))),
    ),
    mistakes=(
        Mistake("row-order", "The right numbers in a different row order. Order the rows (c, r, s), "
                "channel slowest, so that row c*R*S + r*S + s lines up with k.reshape(K, -1).",
                _row_order),
        Mistake("stride-dilation-swapped", "Stride and dilation are swapped. The stride is the step "
                "between windows (which column of the matrix), the dilation the step between the taps "
                "of one window (which row).",
                lambda x, window, stride, dilation: _columns(
                    or_none(convlab.sliding_windows)(x, window, dilation, stride))),
        mistake(STRIDES_FROM_SHAPE,
                lambda x, window, stride, dilation: _columns(c_order_windows(x, window, stride, dilation))),
    ),
)

TASKS = (conv2d_nhwc, conv1x1, grouped_conv, im2col_strided)
