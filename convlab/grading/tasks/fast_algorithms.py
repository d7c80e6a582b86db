"""Tasks of ``exercises/07_fast_algorithms.ipynb``: FFT and Winograd convolution, written anew.

The lesson builds FFT convolution and Winograd's F(2, 3) and F(2×2, 3×3) on
one example each, and measures where their time goes.  These tasks grade what
can be checked on any machine (results, and the products an algorithm makes,
never time): FFT convolution for a filter bank, and Winograd's minimal
filtering along a whole signal and over a whole image.
"""

from __future__ import annotations

import numpy as np

from ..deciding.rules import NUMPY, NUMPY_CONVOLUTIONS, SLIDING_WINDOWS, Rule
from .base import Case, Mistake, Task, conv_task, flip, floats, ints, transposed

import convlab
from convlab import winograd

EXERCISE = "07_fast_algorithms"


# --- 1 · FFT convolution for a filter bank -------------------------------------------------------------------


def _circular(x, k):
    """The circular convolution of each channel of x with each kernel turned by 180°, summed: (K, H, W)."""
    size = x.shape[-2:]
    spectra = np.fft.rfft2(x)[None] * np.fft.rfft2(flip(k), s=size)      # (K, C, H, W//2 + 1)
    return np.fft.irfft2(spectra.sum(axis=1), s=size)


def _wrapped(x, k):
    ho, wo = convlab.output_shape(x.shape[-2:], k.shape[-2:])
    return _circular(x, k)[:, :ho, :wo]


conv2d_fft = conv_task(
    "conv2d_fft", EXERCISE, "FFT convolution for a filter bank", "medium",
    [
        ("1 channel of 16×16, 1 filter of 3×3", floats(1, 16, 16), floats(1, 1, 3, 3)),
        ("3 channels of 20×24, 4 filters of 5×5", floats(3, 20, 24), floats(4, 3, 5, 5)),
        ("2 channels of 18×15 integers, 3 filters of 4×2", ints(2, 18, 15), ints(3, 2, 4, 2)),
        ("a transposed input (channels last in memory), 7×7 filters",
         transposed(floats(22, 20, 2), (2, 0, 1)), floats(2, 2, 7, 7)),
    ],
    rule=Rule(
        "Multiply Fourier transforms (numpy.fft), with NumPy only: no convolution routine "
        "(convlab.fourier's included) and no window view.",
        allow=(NUMPY,), forbid=NUMPY_CONVOLUTIONS + ("numpy.lib.stride_tricks.*",),
        require=("numpy.fft.rfft2", "numpy.fft.fft2", "numpy.fft.rfftn", "numpy.fft.fftn",
                 "numpy.fft.rfft", "numpy.fft.fft"),
    ),
    axes=("K", "Ho", "Wo"),
    reference=lambda x, k: convlab.conv2d(x * 1.0, k * 1.0),  # transforms give floats, integer inputs too
    mistakes=(
        Mistake("kernel-not-turned", "These are the values of a true convolution: the FFT's product "
                "convolves, which turns the kernel by 180°, while conv2d does not. Transform "
                "k[..., ::-1, ::-1] instead of k (or multiply by the complex conjugate of k's transform "
                "and keep the first Ho rows and Wo columns).", lambda x, k: convlab.conv2d(x, flip(k))),
        Mistake("wrapped-outputs", "These are the first Ho rows and Wo columns of the circular "
                "convolution, whose windows wrap around the edge. With the kernel turned, the outputs "
                "that did not wrap are the last ones: rows R - 1 to H - 1 and columns S - 1 to W - 1.",
                _wrapped),
        Mistake("channels-not-summed", "One map per (filter, channel) pair: each filter's output sums "
                "over the channels, so add the products of the transforms over the channel axis (before "
                "or after transforming back: the transform is linear).",
                lambda x, k: np.stack([convlab.conv2d(x[:, None], kf[:, None])[:, 0] for kf in k])),
    ),
)


# --- 2 · Winograd F(2, 3) along a signal ----------------------------------------------------------------------


def _tiles_1d(d, step=2):
    """Tiles of 4 values starting every ``step`` values: (T, 4)."""
    starts = range(0, len(d) - 3, step)
    return np.array([d[t:t + 4] for t in starts], dtype=np.result_type(d, float))


def _f23(d, g, *, bt=winograd.BT, gt=winograd.G, step=2):
    """The products and outputs of F(2, 3) with these transforms: the model of each mistake below."""
    m = (_tiles_1d(d, step) @ bt.T) * (gt @ g)
    return m, (m @ winograd.AT.T).reshape(-1)


def _winograd_1d(d, g):
    """The 4 products of every tile, and the outputs as convlab's F(2, 3) computes them along the signal."""
    return (_tiles_1d(d) @ winograd.BT.T) * (winograd.G @ g), winograd.correlate1d_f23(d, g)


#: G with the halves left out: the sums of the taps, not half of them.
_G_WHOLE = winograd.G * [[1], [2], [2], [1]]

winograd_1d = Task(
    name="winograd_1d",
    exercise=EXERCISE,
    title="Winograd's F(2, 3) along a signal",
    difficulty="medium",
    kind="function",
    params=("d", "g"),
    reference=_winograd_1d,
    rule=Rule(
        "Write F(2, 3) yourself with the matrices given, with NumPy only and no Python loop: no convolution "
        "routine (convlab.winograd's, np.convolve and np.correlate included).",
        allow=(NUMPY,), forbid=NUMPY_CONVOLUTIONS, forbid_loops=True,
    ),
    cases=(
        Case("8 integers, 3 integer taps", (ints(8), ints(3))),
        Case("14 floats", (floats(14), floats(3))),
        Case("every other value of 24: a strided signal", (lambda rng: floats(24)(rng)[::2], floats(3))),
        Case("30 floats", (floats(30), floats(3))),
    ),
    mistakes=(
        Mistake("bt-transposed", "The tiles were multiplied by B, not Bᵀ: with the tiles as the rows of a "
                "(T, 4) array, Bᵀ d for every tile is tiles @ BT.T (rows of BT: d0 - d2, d1 + d2, "
                "d2 - d1, d1 - d3).", lambda d, g: _f23(d, g, bt=winograd.BT.T)),
        Mistake("halves-missing", "m2 and m3 are twice what they should be: G's middle rows are "
                "(g0 + g1 + g2)/2 and (g0 - g1 + g2)/2, with the halves.",
                lambda d, g: _f23(d, g, gt=_G_WHOLE)),
        Mistake("separate-blocks", "The tiles do not overlap: you cut d into blocks of 4. Each tile gives "
                "2 outputs and needs the next 2 inputs too, so tile t is d[2t : 2t + 4], tiles starting "
                "every 2 values.", lambda d, g: _f23(d, g, step=4) if len(d) % 4 == 0 else None),
    ),
)


# --- 3 · Winograd F(2×2, 3×3) over an image -------------------------------------------------------------------


def _f2x2(x, k, *, bt=winograd.BT, step=2, scrambled=False):
    tiles = convlab.sliding_windows(x, (4, 4), stride=step)                       # (TH, TW, 4, 4)
    u = winograd.G @ k @ winograd.G.T
    m = np.einsum("ai,tuij,bj->tuab", bt, tiles, bt) * u
    y = np.einsum("ia,tuab,jb->tuij", winograd.AT, m, winograd.AT)                # (TH, TW, 2, 2)
    th, tw = y.shape[:2]
    if not scrambled:
        y = y.transpose(0, 2, 1, 3)                                                # (TH, 2, TW, 2)
    return m, y.reshape(2 * th, 2 * tw)


winograd_2d = Task(
    name="winograd_2d",
    exercise=EXERCISE,
    title="Winograd's F(2×2, 3×3) over an image",
    difficulty="hard",
    kind="function",
    params=("x", "k"),
    reference=_f2x2,
    rule=Rule(
        "Write F(2×2, 3×3) yourself with the matrices given, with NumPy and convlab.sliding_windows "
        "only and no Python loop: no convolution routine (convlab.winograd's included).",
        allow=(NUMPY, SLIDING_WINDOWS), forbid=NUMPY_CONVOLUTIONS, forbid_loops=True,
    ),
    cases=(
        Case("6×6 integers, integer kernel", (ints(6, 6), ints(3, 3))),
        Case("8×12 floats", (floats(8, 12), floats(3, 3))),
        Case("a transposed 10×8 input", (transposed(floats(8, 10)), floats(3, 3))),
        Case("16×14 floats", (floats(16, 14), floats(3, 3))),
    ),
    mistakes=(
        Mistake("tiles-scrambled", "The products are right, the output's blocks are out of place: Y has axes "
                "(tile row, tile column, i, j), and output row 2t + i, column 2u + j needs the axes in the "
                "order (t, i, u, j) before the reshape: Y.transpose(0, 2, 1, 3).",
                lambda x, k: _f2x2(x, k, scrambled=True)),
        Mistake("bt-transposed", "The tiles were transformed with B d Bᵀ: the input transform is Bᵀ d B, "
                "BT @ d @ BT.T, whose first row is d0 - d2.", lambda x, k: _f2x2(x, k, bt=winograd.BT.T)),
        Mistake("tiles-stride-1", "The tiles start at every pixel. Each tile gives a 2×2 block of outputs, "
                "so tiles start every 2 rows and columns: windows of 4×4 with stride 2 (lesson 04).",
                lambda x, k: _f2x2(x, k, step=1)),
    ),
)

TASKS = (conv2d_fft, winograd_1d, winograd_2d)
