"""Tasks of ``exercises/03_one_contraction.ipynb``: one contraction, in layouts the lesson did not use.

The lesson contracts a ``(C, Ho, Wo, R, S)`` window view with a ``(C, R, S)``
kernel.  These tasks ask for the same idea where the axes are elsewhere: a
signal with one axis fewer, an image with its channels last, and a
depthwise convolution, which keeps the channel axis instead of summing it.
"""

from __future__ import annotations

import numpy as np

from ..deciding.rules import NUMPY, NUMPY_CONVOLUTIONS, SLIDING_WINDOWS, Rule
from .base import KERNEL_FLIPPED, Mistake, conv_task, floats, ints, mistake, transposed

import convlab

EXERCISE = "03_one_contraction"


# --- 1 · a signal with channels ------------------------------------------------------------------------


def _conv1d(x, k):
    return convlab.conv2d(x[:, None, :], k[:, None, :])[0]


conv1d = conv_task(
    "conv1d", EXERCISE, "a 1-D signal with channels", "easy",
    [
        ("2 channels of 12 integers, 3 taps", ints(2, 12), ints(2, 3)),
        ("3 channels of 20 floats, 5 taps", floats(3, 20), floats(3, 5)),
        ("a transposed input: 16 samples of 3 channels, seen as (3, 16)", transposed(floats(16, 3)), floats(3, 2)),
    ],
    rule=Rule(
        "Use NumPy and convlab.sliding_windows only: contract a window view with one np.tensordot or "
        "np.einsum, with no convolution routine (np.convolve and np.correlate included).",
        allow=(NUMPY, SLIDING_WINDOWS), forbid=NUMPY_CONVOLUTIONS,
        require=("numpy.tensordot", "numpy.einsum"),
    ),
    axes=("Lo",), reference=_conv1d,
    mistakes=(
        Mistake("kernel-flipped", "These are the values of the kernel reversed, as np.convolve would "
                "use it. Here, as in conv2d, output t is the sum of x[c, t + r] * k[c, r]: the taps in "
                "their own order.", lambda x, k: _conv1d(x, k[:, ::-1])),
        Mistake("channels-not-summed", "One row per channel: the channels were not summed. Each output "
                "sums over the channels as well as over the taps, so pair the channel axes too.",
                lambda x, k: np.stack([_conv1d(x[c:c + 1], k[c:c + 1]) for c in range(len(x))])),
    ),
)


# --- 2 · channels last --------------------------------------------------------------------------------


def _hwc(x, k):
    """Cross-correlation of x (H, W, C) with k (R, S, C): (Ho, Wo)."""
    return convlab.conv2d(np.moveaxis(x, -1, 0), np.moveaxis(k, -1, 0))


def _channels_last_image(h, w, c, kind=floats):
    """(H, W, C) channels-last values seen through a transposed view of a (C, H, W) array."""
    return lambda rng: np.moveaxis(kind(c, h, w)(rng), 0, -1)


conv2d_hwc = conv_task(
    "conv2d_hwc", EXERCISE, "channels last, with one tensordot", "medium",
    [
        ("6×7 pixels of 3 channels, 3×3×3 kernel", floats(6, 7, 3), floats(3, 3, 3)),
        ("5×8 integers of 2 channels, 2×3 kernel", ints(5, 8, 2), ints(2, 3, 2)),
        ("7×5 pixels of 4 channels, 3×2 kernel", floats(7, 5, 4), floats(3, 2, 4)),
        ("a channels-last view of a (C, H, W) array", _channels_last_image(6, 6, 3), floats(2, 2, 3)),
    ],
    rule=Rule(
        "Use NumPy and convlab.sliding_windows only: contract a window view with one np.tensordot, "
        "with no convolution routine and no np.einsum.",
        allow=(NUMPY, SLIDING_WINDOWS), forbid=NUMPY_CONVOLUTIONS + ("numpy.einsum",),
        require=("numpy.tensordot",),
    ),
    axes=("Ho", "Wo"), reference=_hwc,
    mistakes=(
        mistake(KERNEL_FLIPPED, lambda x, k: _hwc(x, k[::-1, ::-1])),
        Mistake("input-reshaped", "x was reshaped to (C, H, W). reshape keeps the numbers in their "
                "order in memory, so it mixes pixels and channels; moving an axis is np.moveaxis(x, -1, 0) "
                "or x.transpose(2, 0, 1), or pair the axes where they are.",
                lambda x, k: convlab.conv2d(np.reshape(x, (x.shape[2],) + x.shape[:2]), np.moveaxis(k, -1, 0))),
        Mistake("kernel-reshaped", "k was reshaped to (C, R, S). reshape keeps the numbers in their "
                "order in memory, so it mixes taps and channels; moving an axis is np.moveaxis(k, -1, 0) "
                "or k.transpose(2, 0, 1), or pair the axes where they are.",
                lambda x, k: convlab.conv2d(np.moveaxis(x, -1, 0), np.reshape(k, (k.shape[2],) + k.shape[:2]))),
    ),
)


# --- 3 · depthwise -------------------------------------------------------------------------------------


def _depthwise(x, k):
    return np.stack([convlab.conv2d(xc, kc) for xc, kc in zip(x, k)])


depthwise_conv = conv_task(
    "depthwise_conv", EXERCISE, "a depthwise convolution with einsum", "medium",
    [
        ("3 channels of 6×7 floats, 3×3 kernels", floats(3, 6, 7), floats(3, 3, 3)),
        ("2 channels of 5×8 integers, 2×3 kernels", ints(2, 5, 8), ints(2, 2, 3)),
        ("a transposed input (channels last in memory)", transposed(floats(7, 6, 3), (2, 0, 1)), floats(3, 2, 2)),
    ],
    rule=Rule(
        "Use NumPy and convlab.sliding_windows only: contract a window view with one np.einsum, "
        "with no convolution routine and no np.tensordot.",
        allow=(NUMPY, SLIDING_WINDOWS), forbid=NUMPY_CONVOLUTIONS + ("numpy.tensordot",),
        require=("numpy.einsum",),
    ),
    axes=("C", "Ho", "Wo"), reference=_depthwise,
    mistakes=(
        Mistake("summed-over-channels", "One map, summed over the channels: that is lesson 03's "
                "convolution. A depthwise convolution keeps one map per channel, so c stays on the "
                "right of -> in the subscripts.", lambda x, k: convlab.conv2d(x, k)),
        Mistake("every-kernel-on-every-channel", "A map for every (kernel, channel) pair: kernel d was "
                "applied to channel c for every d and c. Channel c meets only its own kernel k[c]: use "
                "the same letter for both channel axes.",
                lambda x, k: np.stack([_depthwise(x, np.broadcast_to(kd, k.shape)) for kd in k])),
        mistake(KERNEL_FLIPPED, lambda x, k: _depthwise(x, k[..., ::-1, ::-1])),
    ),
)

TASKS = (conv1d, conv2d_hwc, depthwise_conv)
