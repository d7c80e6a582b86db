"""2-D convolution: ``conv2d`` (cross-correlation) and ``convolve2d`` (kernel flipped).

The public functions of convolution, and nothing else: the arguments are
checked once, by :func:`convlab.params.check_args` (the same check every
entry point of convlab makes, so every method raises the same error for the
same bad input); the input is padded and brought to the canonical layout the
methods take; :func:`convlab.choose.choose_method` picks a method for
``"auto"``; the methods themselves are in :mod:`convlab.methods` and
:mod:`convlab.fast`.
"""

from __future__ import annotations

import numpy as np

from .choose import IMPLEMENTATIONS, METHODS, check_method, choose_method
from .params import check_args, sum_dtype
from .windows import pad_hw

__all__ = ["conv2d", "convolve2d", "choose_method", "METHODS"]


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
        ``"auto"`` (a fast method, picked by :func:`choose_method`) or one of
        :data:`METHODS`.  Every method gives the same result up to
        floating-point rounding.

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
        float16 stays float16, but its sums are taken in float32 and rounded
        once (as PyTorch does), so a result float16 can hold is never ``inf``.

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
    args = check_args(x, k, stride, padding, dilation)
    method = check_method(method)
    x, k = args.x, args.k
    dtype = x.dtype if x.dtype == k.dtype else np.result_type(x, k)
    work = sum_dtype(dtype)  # float16 is summed in float32
    x4 = args.x4 if args.x4.dtype == work else args.x4.astype(work)
    k4 = args.k4 if args.k4.dtype == work else args.k4.astype(work)
    if flip:
        k4 = k4[..., ::-1, ::-1]
    x4 = pad_hw(x4, args.padding)  # a new array when padded: x itself is never written to
    if method == "auto":
        method = choose_method(x4.shape, k4.shape, work, stride=args.stride)
    out = IMPLEMENTATIONS[method](x4, k4, args.stride, args.dilation)
    return np.ascontiguousarray(out.reshape(args.lead + args.out_hw), dtype=dtype)
