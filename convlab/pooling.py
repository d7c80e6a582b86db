"""Pooling from the same sliding windows: the largest or the mean value of each window."""

from __future__ import annotations

import numpy as np

from .params import check_args, check_numeric_array, output_hw, sum_dtype
from .windows import pad_hw, window_view

__all__ = ["max_pool2d", "avg_pool2d", "max_pool2d_backward"]


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
    # One tap of the window at a time, over whole feature maps: R*S elementwise maxima are many
    # times faster than a reduction over the window view's two short, strided window axes.
    largest = None
    for rows, cols in _tap_slices(args.window, args.stride, args.dilation, args.out_hw):
        tap = x[..., rows, cols]
        largest = tap.copy() if largest is None else np.maximum(largest, tap, out=largest)
    return largest


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


def max_pool2d_backward(x, grad_out, window, stride=None, padding=0, dilation=1):
    """Gradient of ``max_pool2d(x, window, stride, padding, dilation)`` with respect to ``x``.

    Each window passes its output gradient to the one cell of ``x`` that won
    its maximum; every other cell of the window gets nothing.  Where windows
    overlap (``stride`` smaller than the window) a cell that wins several
    windows collects the sum of their gradients.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        The input of the forward pass (real numbers).
    grad_out : array_like, shape x.shape[:-2] + (Ho, Wo)
        ``dL/dout``, the shape of :func:`max_pool2d`'s result.
    window, stride, padding, dilation
        As in :func:`max_pool2d`.

    Returns
    -------
    numpy.ndarray, shape x.shape
        ``dL/dx``, in ``np.result_type(x, grad_out)`` (a float whenever
        ``grad_out`` is).

    Raises
    ------
    ValueError
        If ``grad_out`` does not have the shape of the forward result, or for
        any input :func:`max_pool2d` rejects.
    TypeError
        If ``x`` or ``grad_out`` is not real and numeric.

    Notes
    -----
    **Ties.**  When several cells of a window hold the maximum, only the
    *first* of them in row-major window order (top row first, left to right)
    receives the gradient, as in PyTorch, whose ``max_pool2d`` records that
    one index per window.  Splitting the gradient between the ties would be
    another valid choice (a subgradient); copying it to each tied cell would
    not: it multiplies the window's gradient by the number of ties.  With one
    winner per window (or a split), the sum of ``dL/dx`` equals the sum of
    ``grad_out`` when no window lies wholly in the padding.  Padded cells
    never receive a gradient.  A window holding NaN passes its gradient to
    its last NaN, as PyTorch does.

    Examples
    --------
    >>> x = np.array([[1., 3., 2., 2.],
    ...               [0., 3., 2., 2.]])
    >>> max_pool2d(x, 2)
    array([[3., 2.]])
    >>> max_pool2d_backward(x, np.array([[10., 20.]]), 2)   # ties: the first maximum wins
    array([[ 0., 10., 20.,  0.],
           [ 0.,  0.,  0.,  0.]])

    Overlapping windows add up at a cell that wins more than one:

    >>> max_pool2d_backward(np.array([[0., 5., 0.]]), np.ones((1, 2)), (1, 2), stride=1)
    array([[0., 2., 0.]])
    """
    args = check_args(x, window=window, stride=window if stride is None else stride, padding=padding,
                      dilation=dilation)
    x, window, strides, pads, dils = args.x, args.window, args.stride, args.padding, args.dilation
    if x.dtype.kind == "c":
        raise TypeError(f"x must be real for max pooling (complex numbers have no order), got dtype {x.dtype}")
    grad_out = check_numeric_array(grad_out, "grad_out")
    ho, wo = args.out_hw
    if grad_out.shape != x.shape[:-2] + (ho, wo):
        raise ValueError(
            f"grad_out must have the shape of max_pool2d's result, {x.shape[:-2] + (ho, wo)}, got {grad_out.shape}"
        )
    if grad_out.dtype.kind == "c":
        raise TypeError(f"grad_out must be real, got dtype {grad_out.dtype}")

    wins = _window_winners(x, window, strides, pads, dils)  # (R*S, ..., Ho, Wo) booleans
    dtype = np.result_type(x, grad_out)
    grad = np.zeros(x.shape[:-2] + (x.shape[-2] + 2 * pads[0], x.shape[-1] + 2 * pads[1]), dtype=dtype)
    zero = np.zeros((), dtype=dtype)
    for tap, (rows, cols) in enumerate(_tap_slices(window, strides, dils, (ho, wo))):
        # One tap of every window is a strided slice with no cell twice, so += is safe;
        # overlapping windows add up across taps.
        grad[..., rows, cols] += np.where(wins[tap], grad_out, zero)
    return np.ascontiguousarray(grad[..., pads[0] : pads[0] + x.shape[-2], pads[1] : pads[1] + x.shape[-1]])


def _tap_slices(window, strides, dils, out_hw):
    """For each tap ``(r, s)`` of the window, in row-major order, the slices of the padded
    input that it reads at every output position."""
    (sh, sw), (dh, dw), (ho, wo) = strides, dils, out_hw
    return [
        (slice(r * dh, r * dh + sh * (ho - 1) + 1, sh), slice(s * dw, s * dw + sw * (wo - 1) + 1, sw))
        for r in range(window[0])
        for s in range(window[1])
    ]


def _window_winners(x, window, strides, pads, dils):
    """For each tap of the window (row-major order), where it holds its window's maximum.

    Returns booleans ``(R*S,) + x.shape[:-2] + (Ho, Wo)`` with exactly one
    ``True`` per window, at PyTorch's choice: the first maximum among the
    real cells, or the last NaN of a window that holds NaN.  Padded cells
    never win, even against a real cell holding the smallest value.  The taps
    are gathered into one contiguous array first: comparisons of whole
    contiguous feature maps are much faster than reductions over the two
    short window axes of the window view.
    """
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = pad_hw(x, pads, fill)
    out_hw = output_hw(x.shape[-2:], window, strides, pads, dils)
    taps = _tap_slices(window, strides, dils, out_hw)
    values = np.stack([xp[..., rows, cols] for rows, cols in taps])
    candidates = values == values.max(axis=0)
    if any(pads):  # padded cells never win
        real = pad_hw(np.ones(x.shape[-2:], dtype=np.uint8), pads) == 1
        real = np.stack([real[rows, cols] for rows, cols in taps])
        candidates &= real.reshape((len(taps),) + (1,) * (x.ndim - 2) + out_hw)
    wins = _first_true(candidates)
    if x.dtype.kind == "f":
        nan = np.isnan(values)
        if nan.any():  # a window with NaN passes its gradient to its last NaN
            wins = np.where(nan.any(axis=0), _first_true(nan[::-1])[::-1], wins)
    return wins


def _first_true(candidates):
    """Keep only the first ``True`` along axis 0."""
    wins = np.empty_like(candidates)
    taken = np.zeros(candidates.shape[1:], dtype=bool)
    for tap, candidate in enumerate(candidates):
        np.greater(candidate, taken, out=wins[tap])  # candidate and not taken yet
        taken |= candidate
    return wins
