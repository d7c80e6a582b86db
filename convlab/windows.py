"""Sliding windows: a strided view of every kernel-sized patch of an array.

The view is built with :func:`numpy.lib.stride_tricks.as_strided` from the
array's own byte strides, so it copies nothing and works for any memory
layout.  Every strided view in convlab goes through
:func:`checked_as_strided`, which refuses one that would reach outside the
array it views.  This module also holds the helpers the lessons use to
account for memory: which array owns a view's memory, how many bytes a view
spans in it and how many a copy of it would take.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .params import check_args, output_hw

__all__ = [
    "byte_extent",
    "checked_as_strided",
    "memory_owner",
    "pad_hw",
    "sliding_windows",
    "window_view",
]


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
    size of ``x``.  The view's ``nbytes`` tells how much: like ``size``, it
    counts every element of every window, so it is what a copy would hold,
    not the memory the view reads.

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
    args = check_args(x, window=window, stride=stride, dilation=dilation)
    return window_view(args.x, args.window, args.stride, args.dilation, args.out_hw)


def window_view(x, window, stride, dilation, out_hw=None):
    """:func:`sliding_windows` for arguments that are already checked.

    The methods of :mod:`convlab.methods` run after ``conv2d`` has checked
    every argument once (:func:`convlab.params.check_args`); they build their
    windows with this, which skips the checks but not the guard of
    :func:`checked_as_strided`.

    Parameters
    ----------
    x : numpy.ndarray, shape (..., H, W)
    window, stride, dilation : pair of int
    out_hw : pair of int, optional
        ``(Ho, Wo)`` when the caller knows it already.

    Returns
    -------
    numpy.ndarray, shape x.shape[:-2] + (Ho, Wo, R, S)
        A read-only view of ``x``.

    Examples
    --------
    >>> window_view(np.arange(16).reshape(4, 4), (2, 2), (2, 2), (1, 1))[1, 1]
    array([[10, 11],
           [14, 15]])
    """
    if out_hw is None:
        out_hw = output_hw(x.shape[-2:], window, stride, (0, 0), dilation)
    row_step, col_step = x.strides[-2:]
    view_shape = x.shape[:-2] + tuple(out_hw) + tuple(window)
    view_strides = x.strides[:-2] + (
        stride[0] * row_step,
        stride[1] * col_step,
        dilation[0] * row_step,
        dilation[1] * col_step,
    )
    return checked_as_strided(x, view_shape, view_strides)


def checked_as_strided(a, shape, strides):
    """``as_strided(a, shape, strides, writeable=False)``, refusing a view that reaches outside ``a``.

    :func:`numpy.lib.stride_tricks.as_strided` trusts its caller: a shape or
    a stride one too large makes a view that reads whatever lies beyond the
    array, silently (or crashes).  This computes the lowest and the highest
    byte the view can reach and compares them with the bytes ``a`` itself
    spans, before making the view.

    Parameters
    ----------
    a : numpy.ndarray
        The array to view.
    shape, strides : tuple of int
        The view's shape and byte strides.

    Returns
    -------
    numpy.ndarray
        A read-only view of ``a``.

    Raises
    ------
    ValueError
        If the view would reach a byte outside ``a``, naming both ranges.

    Examples
    --------
    >>> a = np.arange(6, dtype=np.int64)
    >>> checked_as_strided(a, (2, 3), (24, 8))
    array([[0, 1, 2],
           [3, 4, 5]])
    >>> checked_as_strided(a, (2, 3), (32, 8))
    Traceback (most recent call last):
    ...
    ValueError: a view of shape (2, 3) and strides (32, 8) would reach bytes 0 to 56 of an array spanning bytes 0 to 48
    """  # noqa: E501 -- a doctest's expected output is one line
    low, high = _reach(shape, strides)
    contiguous = a.flags.c_contiguous or a.flags.f_contiguous
    own_low, own_high = (0, a.nbytes - a.itemsize) if contiguous else _reach(a.shape, a.strides)
    if low < own_low or high > own_high:
        raise ValueError(
            f"a view of shape {tuple(shape)} and strides {tuple(strides)} would reach bytes "
            f"{low} to {high + a.itemsize} of an array spanning bytes {own_low} to {own_high + a.itemsize}"
        )
    if contiguous and a.size:
        # The same view from the array's buffer: as_strided builds it through
        # __array_interface__, which costs more than a small convolution's whole
        # contraction; the ndarray constructor takes a contiguous array's buffer
        # directly (and checks the view against the buffer's end once more).
        view = np.ndarray(shape, a.dtype, buffer=a, strides=strides)
        view.flags.writeable = False
        return view
    return as_strided(a, shape=shape, strides=strides, writeable=False)


def _reach(shape, strides):
    """Offsets, from element ``[0, 0, ...]``, of the lowest and the highest element's first byte."""
    low = high = 0
    for n, step in zip(shape, strides):
        if n == 0:
            return 0, 0  # an empty view reads nothing
        if step < 0:
            low += (n - 1) * step
        else:
            high += (n - 1) * step
    return low, high


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
    low, high = np.lib.array_utils.byte_bounds(a)
    start = np.lib.array_utils.byte_bounds(memory_owner(a))[0]
    return low - start, high - start


def memory_owner(a):
    """The array that owns the memory ``a`` views: ``a`` itself, or the end of its chain of bases.

    A view's ``.base`` is the array it was made from, whose own ``.base`` may
    be another view, and so on, up to the array that allocated the memory.
    :func:`numpy.lib.stride_tricks.as_strided` keeps its input behind a small
    helper object that is not an array, so the walk looks through non-arrays
    too, to the last array in the chain.  Two arrays share memory only if
    they have the same owner.

    Parameters
    ----------
    a : numpy.ndarray

    Returns
    -------
    numpy.ndarray
        ``a`` when it owns its memory.

    Examples
    --------
    >>> x = np.zeros((4, 4))
    >>> memory_owner(x[1:, ::2].T) is x
    True
    >>> memory_owner(sliding_windows(x[1:], 2)) is x
    True
    >>> memory_owner(x.copy()) is x
    False
    """
    owner, obj = a, a.base
    while obj is not None:
        if isinstance(obj, np.ndarray):
            owner = obj
        obj = getattr(obj, "base", None)
    return owner

