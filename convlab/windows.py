"""Sliding windows: a strided view of every kernel-sized patch of an array.

The view is built with :func:`numpy.lib.stride_tricks.as_strided` from the
array's own byte strides, so it copies nothing and works for any memory
layout.  This module also holds the helpers the lessons use to account for
memory: how many bytes a view spans in its base buffer and how many a copy of
it would take.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .params import _output_shape, as_pair, check_numeric_array

__all__ = ["sliding_windows", "pad_hw", "memory_owner", "byte_extent", "materialized_nbytes"]


def sliding_windows(x, window, stride=1, dilation=1):
    """Read-only view of every ``window``-sized patch over the last two axes.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        Input with at least two dimensions.  Leading axes (channels, batch)
        are kept as they are.
    window : int or pair of int
        Window height and width ``(R, S)`` (the kernel size).
    stride : int or pair of int, optional
        Step between neighbouring windows, in elements, per axis.
    dilation : int or pair of int, optional
        Step between the taps *inside* one window, per axis.  A dilated
        window covers ``dilation*(R - 1) + 1`` rows.

    Returns
    -------
    numpy.ndarray, shape x.shape[:-2] + (Ho, Wo, R, S)
        ``windows[..., i, j, r, s]`` is
        ``x[..., i*stride_r + r*dilation_r, j*stride_c + s*dilation_c]``.
        ``(Ho, Wo)`` is :func:`convlab.output_shape` without padding.  The
        view is read-only and shares memory with ``x``.

    Raises
    ------
    ValueError
        If ``x`` has fewer than two dimensions or is empty, or the dilated
        window is larger than ``x``.
    TypeError
        If ``x`` is not numeric or a parameter is not an integer.

    See Also
    --------
    numpy.lib.stride_tricks.sliding_window_view : the same idea, without
        stride and dilation built in (slice its result with ``[::s]``).

    Notes
    -----
    Each stride of the view is a multiple of a stride of ``x``: the window
    axes step by ``dilation * x.strides``, the position axes by
    ``stride * x.strides``.  Because the strides come from ``x`` itself, and
    not from its shape, transposed, sliced, reversed and Fortran-ordered
    inputs are handled correctly, and the largest index of the view maps to
    an element of ``x``: the view can never address memory outside ``x``.

    Neighbouring windows overlap, so one element of ``x`` appears in many
    places of the view.  That is why the view is read-only: a write through
    it would land in several windows at once, in an order NumPy does not
    promise.  It is also why a copy is expensive: ``np.ascontiguousarray``
    of the view (or a ``reshape`` that cannot be a view, as im2col needs)
    allocates ``Ho*Wo*R*S`` elements per channel, up to ``R*S`` times the
    size of ``x``.  :func:`materialized_nbytes` tells how much.

    Examples
    --------
    >>> x = np.arange(16).reshape(4, 4)
    >>> w = sliding_windows(x, (2, 2), stride=2)
    >>> w.shape
    (2, 2, 2, 2)
    >>> w[0, 1]
    array([[2, 3],
           [6, 7]])
    >>> sliding_windows(x, 2, dilation=2)[0, 0]
    array([[ 0,  2],
           [ 8, 10]])
    >>> np.shares_memory(w, x), w.flags.writeable
    (True, False)
    """
    x = check_numeric_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have at least 2 dimensions (..., H, W), got shape {x.shape}")
    rs = as_pair(window, "window", 1)
    strides = as_pair(stride, "stride", 1)
    dils = as_pair(dilation, "dilation", 1)
    ho, wo = _output_shape(x.shape[-2:], rs, strides, (0, 0), dils)

    row_step, col_step = x.strides[-2:]
    view_shape = x.shape[:-2] + (ho, wo) + rs
    view_strides = x.strides[:-2] + (
        strides[0] * row_step,
        strides[1] * col_step,
        dils[0] * row_step,
        dils[1] * col_step,
    )
    return as_strided(x, shape=view_shape, strides=view_strides, writeable=False)


def pad_hw(x, padding, fill=0):
    """``x`` with ``padding = (rows, cols)`` cells of ``fill`` added on each side of its last two axes.

    Parameters
    ----------
    x : numpy.ndarray, shape (..., H, W)
        Leading axes (channels, batch) are not padded.
    padding : pair of int
        Cells added above and below, and left and right.
    fill : scalar, optional
        The value of the added cells (0, as convolutions pad).

    Returns
    -------
    numpy.ndarray, shape (..., H + 2*rows, W + 2*cols)
        A new array, or ``x`` itself when ``padding`` is ``(0, 0)``: either
        way ``x`` is never written to.

    Examples
    --------
    >>> pad_hw(np.ones((1, 2, 2), dtype=int), (1, 0))
    array([[[0, 0],
            [1, 1],
            [1, 1],
            [0, 0]]])
    """
    if not any(padding):
        return x
    width = [(0, 0)] * (x.ndim - 2) + [(padding[0], padding[0]), (padding[1], padding[1])]
    return np.pad(x, width, constant_values=fill)


def memory_owner(a):
    """The array whose memory ``a`` views: ``a`` itself when it owns its data.

    Follows ``.base`` to the end of the chain.  :func:`numpy.lib.stride_tricks.as_strided`
    keeps its input behind a small helper object that is not an array, so
    the walk looks through objects of any type and returns the last array
    it met.

    Parameters
    ----------
    a : numpy.ndarray
        Any array or view.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> x = np.arange(12).reshape(3, 4)
    >>> memory_owner(x[1:, ::2]).shape
    (12,)
    >>> memory_owner(sliding_windows(x.T, 2)).shape
    (12,)
    """
    owner, obj = a, a.base
    while obj is not None:
        if isinstance(obj, np.ndarray):
            owner = obj
        obj = getattr(obj, "base", None)
    return owner


def byte_extent(a):
    """First and one-past-last byte that ``a`` can address, relative to its base.

    Parameters
    ----------
    a : numpy.ndarray
        Any array or view.

    Returns
    -------
    tuple of int
        ``(low, high)``: the offsets, from the start of the outermost base
        buffer, of the lowest byte and one past the highest byte reachable
        through ``a``'s shape and strides.  A view lies inside its base when
        its extent lies inside the base's.

    Examples
    --------
    >>> x = np.zeros((4, 4), dtype=np.int64)
    >>> byte_extent(x)
    (0, 128)
    >>> byte_extent(x[1:3, 1:3])
    (40, 88)
    >>> byte_extent(sliding_windows(x, 3))
    (0, 128)
    """
    owner = memory_owner(a)
    low, high = np.lib.array_utils.byte_bounds(a)
    start = np.lib.array_utils.byte_bounds(owner)[0]
    return low - start, high - start


def materialized_nbytes(a):
    """Bytes a contiguous copy of ``a`` would take.

    For a window view this is far more than the memory the view actually
    reads: each element of the input is counted once per window it falls in.

    Parameters
    ----------
    a : numpy.ndarray
        Any array or view.

    Returns
    -------
    int
        ``a.size * a.itemsize``.

    Examples
    --------
    >>> x = np.zeros((6, 6))           # 36 float64 = 288 bytes
    >>> w = sliding_windows(x, 3)      # 4*4 windows of 3*3
    >>> materialized_nbytes(w)         # 144 float64
    1152
    """
    return int(a.size) * a.itemsize
