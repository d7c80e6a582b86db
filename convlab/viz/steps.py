"""What each step of a convolution reads and writes, taken from convlab itself.

Every picture of a sliding window in the course -- the matplotlib animation,
the terminal demo, the stride explorer -- draws from one :class:`ConvSteps`.
It holds nothing computed by hand: the cells each window covers come from
:func:`convlab.sliding_windows` applied to a grid of cell numbers, the
numbers in each window from :func:`convlab.sliding_windows` applied to the
padded input, and every output value from :func:`convlab.conv2d` (or
:func:`convlab.convolve2d`).  A number on screen therefore cannot disagree
with the code the learner calls.

This module imports NumPy only.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d, convolve2d
from ..params import check_args
from ..windows import pad_hw, sliding_windows

__all__ = ["ConvSteps", "conv_steps", "format_value"]

#: Most channels a picture draws; more would not fit on a screen.
MAX_CHANNELS = 4


def format_value(v):
    """Short text for one number in a picture: ``3``, ``-0.5``, ``0.333``.

    Whole numbers are written without a decimal point; others with three
    significant digits.

    Parameters
    ----------
    v : int or float
        The number.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(3.0), format_value(-0.5), format_value(1 / 3), format_value(np.int64(12))
    ('3', '-0.5', '0.333', '12')
    >>> format_value(123.456), format_value(-0.0)
    ('123', '0')
    """
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e6:
        return str(int(v))  # also turns -0.0 into "0"
    return f"{v:.3g}"


class ConvSteps:
    """One 2-D convolution, position by position, as the pictures show it.

    Build it with :func:`conv_steps`.  Positions are numbered in reading
    order, ``t = i * Wo + j`` for output cell ``(i, j)``.

    Attributes
    ----------
    x : numpy.ndarray, shape (C, H, W)
        The input, with a channel axis added for a 2-D input.
    padded : numpy.ndarray, shape (C, H + 2*ph, W + 2*pw)
        The input with its zero padding, as the kernel sees it.
    is_padding : numpy.ndarray of bool, shape (Hp, Wp)
        True where ``padded`` holds a padding zero.
    kernel : numpy.ndarray, shape (C, R, S)
        The kernel as it slides: flipped by 180 degrees when ``flip``.
    stride, padding, dilation : tuple of int
        ``(rows, cols)``.
    flip : bool
        True for true convolution (:func:`convlab.convolve2d`), False for
        cross-correlation (:func:`convlab.conv2d`).
    taps : numpy.ndarray of int, shape (Ho, Wo, R, S, 2)
        ``taps[i, j, r, s]`` is the ``(row, col)`` of ``padded`` that kernel
        tap ``(r, s)`` meets at output position ``(i, j)``.
    windows : numpy.ndarray, shape (C, Ho, Wo, R, S)
        ``sliding_windows(padded, (R, S), stride, dilation)``: the values
        under each window (a read-only view).
    out : numpy.ndarray, shape (Ho, Wo)
        The result of ``conv2d`` (or ``convolve2d``) on the original input.
    channels_given : bool
        Whether the caller's ``x`` had a channel axis.
    """

    def __init__(self, x, k, stride, padding, dilation, flip):
        # conv2d first: it checks the shapes and says what is wrong.
        convolve = convolve2d if flip else conv2d
        self.out = convolve(x, k, stride=stride, padding=padding, dilation=dilation)
        self.channels_given = x.ndim == 3
        self.x = x if x.ndim == 3 else x[None]
        self.stride, self.padding, self.dilation, self.flip = stride, padding, dilation, flip
        k3 = k if k.ndim == 3 else k[None]
        self.kernel = k3[:, ::-1, ::-1] if flip else k3
        ph, pw = padding
        self.padded = pad_hw(self.x, (ph, pw))
        hp, wp = self.padded.shape[1:]
        self.is_padding = np.ones((hp, wp), dtype=bool)
        self.is_padding[ph : hp - ph, pw : wp - pw] = False

        window = self.kernel.shape[1:]
        # Number every cell of the padded grid, then let sliding_windows say
        # which cells each window covers: the same code that computes, not a
        # second copy of its index arithmetic.
        cell = np.arange(hp * wp).reshape(hp, wp)
        covered = sliding_windows(cell, window, stride, dilation)
        self.taps = np.stack(np.divmod(covered, wp), axis=-1)
        self.windows = sliding_windows(self.padded, window, stride, dilation)

    @property
    def output_shape(self):
        """``(Ho, Wo)``."""
        return self.out.shape

    def __len__(self):
        """Number of output positions, ``Ho * Wo``."""
        return self.out.size

    def position(self, t):
        """Output cell ``(i, j)`` of step ``t`` (reading order); ``(i, j)`` passes through."""
        ho, wo = self.out.shape
        if isinstance(t, (tuple, list)):
            i, j = (int(v) for v in t)
            if not (0 <= i < ho and 0 <= j < wo):
                raise ValueError(f"position must lie in the output of shape {(ho, wo)}, got {tuple(t)}")
            return i, j
        t = int(t)
        if not 0 <= t < ho * wo:
            raise ValueError(f"position must be 0 <= t < {ho * wo} (Ho*Wo for output {(ho, wo)}), got {t}")
        return divmod(t, wo)

    def cells(self, t):
        """``(row, col)`` of every padded cell the window covers at step ``t``, as a set."""
        i, j = self.position(t)
        return {(int(r), int(c)) for r, c in self.taps[i, j].reshape(-1, 2)}

    def window(self, t):
        """Values under the window at step ``t``, shape ``(C, R, S)``."""
        i, j = self.position(t)
        return self.windows[:, i, j]

    def value(self, t):
        """The output value at step ``t``, from ``conv2d``/``convolve2d``."""
        i, j = self.position(t)
        return self.out[i, j]

    def arithmetic(self, t, max_chars=72):
        """The sum for step ``t`` written out: ``out[0, 1] = 1×2 + 0×(-1) + … = 5``.

        Each product is window value × kernel value, channel by channel, in
        the order ``(c, r, s)``.  When the sum would be longer than
        ``max_chars`` the middle is left out and the number of products said.
        """
        i, j = self.position(t)
        pairs = zip(self.window(t).ravel().tolist(), self.kernel.ravel().tolist())
        terms = [f"{_term(a)}×{_term(b)}" for a, b in pairs]
        head, result = f"out[{i}, {j}] = ", f" = {format_value(self.value(t))}"
        text = " + ".join(terms)
        if len(head) + len(text) + len(result) > max_chars:
            shown = terms[:1]
            for term in terms[1:]:
                if len(head) + len(" + ".join(shown + [term])) + len(result) + 22 > max_chars:
                    break
                shown.append(term)
            text = " + ".join(shown) + f" + … ({len(terms)} products)"
        return head + text + result


def _term(v):
    s = format_value(v)
    return f"({s})" if s.startswith("-") else s


def conv_steps(x, k, stride=1, padding=0, dilation=1, flip=False):
    """Every position of a 2-D convolution, as the pictures draw it.

    Parameters
    ----------
    x : array_like, shape (H, W) or (C, H, W)
        The input; at most four channels.
    k : array_like, shape (R, S) or (C, R, S)
        The kernel, with the same channels as ``x``.
    stride, padding, dilation : int or pair of int, optional
        As in :func:`convlab.conv2d`.
    flip : bool, optional
        False (default) for cross-correlation, :func:`convlab.conv2d`; True
        for true convolution, :func:`convlab.convolve2d`, whose kernel is
        turned by 180 degrees before it slides.

    Returns
    -------
    ConvSteps

    Raises
    ------
    ValueError
        For shapes :func:`convlab.conv2d` rejects, more than four channels,
        or a filter bank (one picture shows one filter).
    TypeError
        For non-numeric or complex arrays and non-integer parameters.

    Examples
    --------
    >>> steps = conv_steps(np.arange(16).reshape(4, 4), np.ones((2, 2), int), stride=2)
    >>> len(steps), steps.output_shape
    (4, (2, 2))
    >>> sorted(steps.cells(1))               # the window of out[0, 1]
    [(0, 2), (0, 3), (1, 2), (1, 3)]
    >>> steps.arithmetic(1)
    'out[0, 1] = 2×1 + 3×1 + 6×1 + 7×1 = 18'
    """
    args = check_args(x, k, stride, padding, dilation)
    x, k = args.x, args.k
    for name, a in (("x", x), ("k", k)):
        if a.dtype.kind == "c":
            raise TypeError(f"{name} must be real to be drawn, got dtype {a.dtype}")
    if x.ndim not in (2, 3) or k.ndim != x.ndim:
        raise ValueError(
            "a picture shows one filter: x (H, W) with k (R, S), or x (C, H, W) with k (C, R, S); "
            f"got x of shape {x.shape} and k of shape {k.shape}"
        )
    if x.ndim == 3 and x.shape[0] > MAX_CHANNELS:
        raise ValueError(f"x has {x.shape[0]} channels (shape {x.shape}); a picture draws at most {MAX_CHANNELS}")
    return ConvSteps(x, k, args.stride, args.padding, args.dilation, bool(flip))
