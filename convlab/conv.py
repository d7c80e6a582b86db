"""2-D convolution: ``conv2d`` (cross-correlation) and ``convolve2d`` (kernel flipped).

This module checks the arguments, brings every accepted shape to one
canonical layout, pads, hands the work to one of the methods in
:mod:`convlab.methods`, and gives the result back in the caller's layout.
Checking happens once, here, so every method raises the same error for the
same bad input.
"""

from __future__ import annotations

import numpy as np

from . import fast as _fast
from . import methods as _methods
from .params import _output_shape, as_pair, check_numeric_array
from .windows import pad_hw

__all__ = ["conv2d", "convolve2d", "METHODS"]

_IMPLEMENTATIONS = {
    "loops": _methods.conv_loops,
    "tensordot": _methods.conv_tensordot,
    "einsum": _methods.conv_einsum,
    "im2col": _methods.conv_im2col,
    "blocked": _fast.conv_blocked,
    "mec": _fast.conv_mec,
}

#: Names ``conv2d`` accepts for ``method`` besides ``"auto"``.
METHODS = tuple(_IMPLEMENTATIONS)

_SHAPES = (
    "x (H, W) with k (R, S); x (C, H, W) with k (C, R, S) or (K, C, R, S); "
    "x (N, C, H, W) with k (C, R, S) or (K, C, R, S)"
)


def conv2d(x, k, stride=1, padding=0, dilation=1, method="auto"):
    """2-D cross-correlation, the operation deep-learning libraries call convolution.

    Slides ``k`` over the last two axes of ``x`` and, at each position,
    multiplies the window by the kernel element by element and sums over the
    window and the channels.  The kernel is **not** flipped; see
    :func:`convolve2d` for the flipped (mathematical) convolution.

    Parameters
    ----------
    x : array_like
        The input: ``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)``.
    k : array_like
        The kernel: ``(R, S)`` with a 2-D ``x``; ``(C, R, S)`` for one filter
        or ``(K, C, R, S)`` for a bank of ``K`` filters with a 3-D or 4-D
        ``x``.  ``C`` must match the channels of ``x``.
    stride : int or pair of int, optional
        Step between output positions, ``(rows, cols)``.
    padding : int or pair of int, optional
        Zeros added on **each** side, ``(rows, cols)``.  PyTorch counts padding
        this way; d2l's ``p_h`` counts the total of both sides.
    dilation : int or pair of int, optional
        Step between kernel taps, ``(rows, cols)``.
    method : str, optional
        ``"auto"`` (a fast method) or one of :data:`METHODS`.  Every method
        gives the same result up to floating-point rounding.

    Returns
    -------
    numpy.ndarray
        ============  =============  ==================
        x             k              result
        ============  =============  ==================
        (H, W)        (R, S)         (Ho, Wo)
        (C, H, W)     (C, R, S)      (Ho, Wo)
        (C, H, W)     (K, C, R, S)   (K, Ho, Wo)
        (N, C, H, W)  (C, R, S)      (N, Ho, Wo)
        (N, C, H, W)  (K, C, R, S)   (N, K, Ho, Wo)
        ============  =============  ==================

        ``(Ho, Wo)`` is :func:`convlab.output_shape`.  The dtype is
        ``np.result_type(x, k)``: float32 stays float32 and integer inputs
        give integers, which wrap around on overflow as NumPy integers do.

    Raises
    ------
    ValueError
        For shapes or values that cannot work: wrong number of dimensions,
        empty arrays, a channel mismatch, a kernel larger than the padded
        input, ``stride < 1``, ``padding < 0``, ``dilation < 1`` or an
        unknown ``method``.
    TypeError
        For non-numeric arrays (strings, objects, booleans) and non-integer
        ``stride``, ``padding`` or ``dilation``.

    See Also
    --------
    convolve2d : the same with the kernel flipped.
    sliding_windows : the view the vectorised methods contract.

    Notes
    -----
    For an input ``(N, C, H, W)`` and a bank ``(K, C, R, S)``::

        out[n, f, i, j] = sum over c, r, s of
            xp[n, c, i*sh + r*dh, j*sw + s*dw] * k[f, c, r, s]

    where ``xp`` is ``x`` zero-padded.  Complex inputs are multiplied as they
    are, without conjugating the kernel.  Inputs are never modified; NaN and
    inf propagate as in NumPy arithmetic.

    Examples
    --------
    The stride-tricks example: two channels, a 2x2 averaging kernel.

    >>> x = np.array([[[1, 1, 1, 1], [1, 1, 1, 1], [2, 2, 2, 2], [2, 2, 2, 2]],
    ...               [[1, 1, 2, 2], [1, 1, 2, 2], [4, 4, 8, 8], [4, 4, 8, 8]]])
    >>> k = np.ones((2, 2, 2)) / 8
    >>> conv2d(x, k)
    array([[1.   , 1.25 , 1.5  ],
           [2.   , 2.625, 3.25 ],
           [3.   , 4.   , 5.   ]])
    >>> conv2d(x, k, stride=2)
    array([[1. , 1.5],
           [3. , 5. ]])

    Padding and integers:

    >>> conv2d(np.arange(9).reshape(3, 3), np.array([[1, 0], [0, -1]]), padding=1)
    array([[ 0, -1, -2,  0],
           [-3, -4, -4,  2],
           [-6, -4, -4,  5],
           [ 0,  6,  7,  8]])
    """
    return _convolve(x, k, stride, padding, dilation, method, flip=False)


def convolve2d(x, k, stride=1, padding=0, dilation=1, method="auto"):
    """2-D convolution in the mathematical sense: the kernel is flipped.

    Identical to :func:`conv2d` with ``k[..., ::-1, ::-1]``: the kernel is
    turned by 180 degrees in its two spatial axes (not across channels)
    before it slides.  This is what :func:`scipy.signal.convolve2d` computes.
    For a symmetric kernel the two operations agree.

    Parameters
    ----------
    x, k, stride, padding, dilation, method
        As in :func:`conv2d`.

    Returns
    -------
    numpy.ndarray
        As in :func:`conv2d`.

    Examples
    --------
    >>> x = np.arange(9).reshape(3, 3)
    >>> k = np.array([[1, 2], [3, 4]])
    >>> convolve2d(x, k)
    array([[13, 23],
           [43, 53]])
    >>> conv2d(x, k[::-1, ::-1])
    array([[13, 23],
           [43, 53]])
    >>> conv2d(x, k)
    array([[27, 37],
           [57, 67]])
    """
    return _convolve(x, k, stride, padding, dilation, method, flip=True)


def _convolve(x, k, stride, padding, dilation, method, flip):
    """Check every argument, then compute; ``flip`` turns the kernel by 180 degrees."""
    x = check_numeric_array(x, "x")
    k = check_numeric_array(k, "k")
    strides = as_pair(stride, "stride", 1)
    pads = as_pair(padding, "padding", 0)
    dils = as_pair(dilation, "dilation", 1)
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, 'auto' or one of {METHODS}, got {method!r}")
    if method != "auto" and method not in _IMPLEMENTATIONS:
        raise ValueError(f"method must be 'auto' or one of {METHODS}, got {method!r}")

    x4, k4, out_shape = _canonical(x, k)
    if flip:
        k4 = k4[..., ::-1, ::-1]
    _output_shape(x4.shape[-2:], k4.shape[-2:], strides, pads, dils)  # raises if too large

    dtype = np.result_type(x, k)
    x4 = x4.astype(dtype, copy=False)
    k4 = k4.astype(dtype, copy=False)
    x4 = pad_hw(x4, pads)  # a new array when padded: x itself is never written to

    if method == "auto":
        method = choose_method(x4.shape, k4.shape, dtype)
    out = _IMPLEMENTATIONS[method](x4, k4, strides, dils)
    return np.ascontiguousarray(out.reshape(out_shape + out.shape[-2:]), dtype=dtype)


def choose_method(x_shape, k_shape, dtype):
    """Name of the method ``method="auto"`` uses for these canonical shapes.

    The rule comes from measurement: ``benchmarks/choose.py`` times the
    BLAS-based methods on a grid of shapes and records, for each, the fastest
    method and how much slower this choice is (``benchmarks/results/choose.md``).

    - A 1x1 kernel goes to ``"blocked"``, which multiplies the input itself,
      without copying it (with stride 1).
    - A small problem, whose whole window matrix fits in a few hundred
      kilobytes, goes to ``"im2col"``: it takes the fewest Python steps.
    - Few kernels (``K < 32``) go to ``"mec"``: there the product is cheap and
      copying windows is most of the work, and MEC copies ``R`` times less.
    - Many kernels go to ``"blocked"``: the product dominates, and large
      products keep BLAS busiest.

    ``"blocked"`` and ``"mec"`` bound their temporary memory to
    :data:`convlab.fast.BLOCK_BYTES`, so ``"auto"`` builds a whole window
    matrix only when it is small.

    Parameters
    ----------
    x_shape : tuple of int
        ``(N, C, H, W)`` of the padded input.
    k_shape : tuple of int
        ``(K, C, R, S)``.
    dtype : numpy.dtype
        The result dtype.

    Returns
    -------
    str
        One of :data:`METHODS`.

    Examples
    --------
    >>> choose_method((1, 2, 4, 4), (1, 2, 2, 2), np.dtype(np.float64))
    'im2col'
    >>> choose_method((1, 1, 512, 512), (1, 1, 11, 11), np.dtype(np.float32))
    'mec'
    >>> choose_method((8, 64, 58, 58), (64, 64, 3, 3), np.dtype(np.float32))
    'blocked'
    """
    n_images, channels, height, width = x_shape
    n_kernels, _, rows, cols = k_shape
    window_bytes = n_images * channels * rows * cols * (height - rows + 1) * (width - cols + 1)
    window_bytes *= np.dtype(dtype).itemsize  # at stride 1 and dilation 1: an upper bound
    if rows * cols == 1:
        return "blocked"
    if window_bytes <= _SMALL_BYTES:
        return "im2col"
    if n_kernels < 32:
        return "mec"
    return "blocked"


#: Window matrices up to this size are built whole (``choose_method``).
_SMALL_BYTES = 256 * 2**10


def _canonical(x, k):
    """Views of ``x`` as (N, C, H, W) and ``k`` as (K, C, R, S), and the leading output shape."""
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"x must have 2, 3 or 4 dimensions ({_SHAPES}), got shape {x.shape}")
    if k.ndim not in (2, 3, 4):
        raise ValueError(f"k must have 2, 3 or 4 dimensions ({_SHAPES}), got shape {k.shape}")
    if x.ndim == 2:
        if k.ndim != 2:
            raise ValueError(
                f"a 2-D x (H, W) needs a 2-D kernel (R, S), got k of shape {k.shape}; "
                f"add a channel axis to x (x[None]) for a kernel with channels"
            )
        return x[None, None], k[None, None], ()
    if k.ndim == 2:
        raise ValueError(
            f"a {x.ndim}-D x needs a kernel (C, R, S) or (K, C, R, S) whose C matches the "
            f"channels of x, got k of shape {k.shape}"
        )
    x4 = x if x.ndim == 4 else x[None]
    k4 = k if k.ndim == 4 else k[None]
    if x4.shape[1] != k4.shape[1]:
        x_axis = "x.shape[1]" if x.ndim == 4 else "x.shape[0]"
        k_axis = "k.shape[1]" if k.ndim == 4 else "k.shape[0]"
        raise ValueError(
            f"channel mismatch: x has {x4.shape[1]} channels ({x_axis}, x of shape {x.shape}) "
            f"but k has {k4.shape[1]} ({k_axis}, k of shape {k.shape})"
        )
    lead = x.shape[:1] if x.ndim == 4 else ()
    lead += k.shape[:1] if k.ndim == 4 else ()
    return x4, k4, lead
