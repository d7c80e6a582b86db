"""Pooling from the same sliding windows: the largest or the mean value of each window."""

from __future__ import annotations

import numpy as np

from .params import check_args, sum_dtype
from .windows import pad_hw, window_view

__all__ = ["max_pool2d", "avg_pool2d"]


def max_pool2d(x, window, stride=None, padding=0, dilation=1):
    """Largest value in each window over the last two axes.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        Input with at least two dimensions; leading axes are kept.
    window : int or pair of int
        Window height and width.
    stride : int or pair of int, optional
        Step between windows; defaults to ``window`` (non-overlapping windows).
    padding : int or pair of int, optional
        Added on each side.  Padded cells never win: they hold the smallest
        value of the dtype (``-inf`` for floats), as in PyTorch.
    dilation : int or pair of int, optional
        Step between the cells of one window.

    Returns
    -------
    numpy.ndarray, shape x.shape[:-2] + (Ho, Wo)
        Same dtype as ``x``.

    Examples
    --------
    >>> x = np.array([[1, 2, 0, 1],
    ...               [3, 4, 1, 0],
    ...               [0, 1, 5, 6],
    ...               [1, 0, 7, 8]])
    >>> max_pool2d(x, 2)
    array([[4, 1],
           [1, 8]])
    """
    args = check_args(x, window=window, stride=window if stride is None else stride, padding=padding,
                      dilation=dilation)
    x = args.x
    if x.dtype.kind == "c":
        raise TypeError(f"x must be real for max pooling (complex numbers have no order), got dtype {x.dtype}")
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    x = pad_hw(x, args.padding, fill)
    return window_view(x, args.window, args.stride, args.dilation, args.out_hw).max(axis=(-2, -1))


def avg_pool2d(x, window, stride=None, padding=0, dilation=1):
    """Mean value of each window over the last two axes.

    Parameters
    ----------
    x, window, stride, dilation
        As in :func:`max_pool2d`.
    padding : int or pair of int, optional
        Zeros added on each side; they count in the mean (PyTorch's default,
        ``count_include_pad=True``).

    Returns
    -------
    numpy.ndarray, shape x.shape[:-2] + (Ho, Wo)
        Floating point: float32 stays float32, integers give float64.
        float16 stays float16, but its sum is taken in float32 (as PyTorch
        does), so a mean that float16 can hold is never ``inf``.

    Examples
    --------
    >>> x = np.array([[1, 2, 0, 1],
    ...               [3, 4, 1, 0],
    ...               [0, 1, 5, 6],
    ...               [1, 0, 7, 8]])
    >>> avg_pool2d(x, 2)
    array([[2.5, 0.5],
           [0.5, 6.5]])
    """
    args = check_args(x, window=window, stride=window if stride is None else stride, padding=padding,
                      dilation=dilation)
    x = pad_hw(args.x, args.padding)
    dtype = x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64)
    windows = window_view(x, args.window, args.stride, args.dilation, args.out_hw)
    return windows.mean(axis=(-2, -1), dtype=sum_dtype(dtype)).astype(dtype, copy=False)
