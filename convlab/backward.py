"""The backward pass of ``conv2d``, and transposed convolution.

Training a network needs, for a loss ``L`` and ``out = conv2d(x, k, ...)``,
the gradients ``dL/dx`` and ``dL/dk`` from ``g = dL/dout``.  Both are
convolutions again, built from the same sliding windows:

- ``dL/dk[f, c, r, s] = sum over n, i, j of g[n, f, i, j] * xp[n, c, i*sh + r*dh, j*sw + s*dw]``:
  the windows of the padded input, contracted with ``g`` over images and
  output positions;
- ``dL/dx`` sends every ``g[n, f, i, j]`` back to the input cells its
  window read, weighted by the kernel: a *transposed convolution* of ``g``.

Both check their arguments with :func:`convlab.params.check_args`, as
``conv2d`` does, and sum float16 values in float32, as ``conv2d`` does.
"""

from __future__ import annotations

import numpy as np

from .params import check_args, check_numeric_array, sum_dtype
from .windows import pad_hw, window_view

__all__ = ["conv2d_backward", "conv_transpose2d"]


def conv2d_backward(x, k, grad_out, stride=1, padding=0, dilation=1):
    """Gradients of ``conv2d(x, k, stride, padding, dilation)`` with respect to ``x`` and ``k``.

    Parameters
    ----------
    x, k, stride, padding, dilation
        As in :func:`convlab.conv2d` (any shape combination of its table).
    grad_out : array_like
        ``dL/dout``, the shape of ``conv2d``'s result.

    Returns
    -------
    grad_x : numpy.ndarray
        ``dL/dx``, the shape of ``x``.
    grad_k : numpy.ndarray
        ``dL/dk``, the shape of ``k``.

    Raises
    ------
    ValueError
        If ``grad_out`` does not have the shape of the forward result, or
        for any input :func:`convlab.conv2d` rejects.

    Examples
    --------
    For ``L = sum(out)``, ``grad_out`` is all ones, and ``dL/dk[r, s]`` is the
    sum of the input cells that tap ``(r, s)`` touched:

    >>> x = np.arange(9.0).reshape(3, 3)
    >>> k = np.ones((2, 2))
    >>> gx, gk = conv2d_backward(x, k, np.ones((2, 2)))
    >>> gk
    array([[ 8., 12.],
           [20., 24.]])
    >>> gx          # how many windows read each input cell
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    args = check_args(x, k, stride, padding, dilation)
    x4, k4, pads = args.x4, args.k4, args.padding
    grad_out = check_numeric_array(grad_out, "grad_out")
    if grad_out.shape != args.lead + args.out_hw:
        raise ValueError(
            f"grad_out must have the shape of conv2d's result, {args.lead + args.out_hw}, got {grad_out.shape}"
        )
    dtype = np.result_type(args.x, args.k, grad_out)
    work = sum_dtype(dtype)  # float16 is summed in float32, as in conv2d
    g4 = grad_out.reshape((x4.shape[0], k4.shape[0]) + args.out_hw).astype(work, copy=False)
    xp = pad_hw(x4.astype(work, copy=False), pads)

    windows = window_view(xp, args.window, args.stride, args.dilation, args.out_hw)  # (N, C, Ho, Wo, R, S)
    grad_k = np.tensordot(g4, windows, axes=([0, 2, 3], [0, 2, 3]))  # (K, C, R, S)

    grad_xp = _scatter_windows(g4, k4.astype(work, copy=False), xp.shape[-2:], args.stride, args.dilation)
    grad_x = grad_xp[:, :, pads[0] : pads[0] + x4.shape[2], pads[1] : pads[1] + x4.shape[3]]
    return grad_x.reshape(args.x.shape).astype(dtype), grad_k.reshape(args.k.shape).astype(dtype, copy=False)


def conv_transpose2d(y, k, stride=1, padding=0, dilation=1, output_padding=0):
    """Transposed convolution: the gradient of ``conv2d`` with respect to its input.

    Each value of ``y`` is spread over a window of the output, weighted by the
    kernel, and overlapping contributions add up.  With ``stride > 1`` this
    makes the output larger than ``y``, which is why it is used to upsample.
    It is the adjoint of :func:`convlab.conv2d`, not its inverse.

    Parameters
    ----------
    y : array_like
        ``(H, W)`` with a 2-D ``k``, or ``(K, H, W)`` / ``(N, K, H, W)`` with
        ``k`` of shape ``(K, C, R, S)``.
    k : array_like
        The kernel of the forward convolution, ``(R, S)`` or ``(K, C, R, S)``
        (PyTorch's ``conv_transpose2d`` weight layout ``(in, out, R, S)``).
    stride, padding, dilation : int or pair of int, optional
        Those of the forward convolution; ``padding`` is cropped from each
        side of the result.
    output_padding : int or pair of int, optional
        Extra rows/cols added at the bottom/right, to reach sizes that the
        forward convolution's floor division maps to the same ``y`` shape.
        Must be smaller than ``stride`` or ``dilation``.

    Returns
    -------
    numpy.ndarray
        ``(Ho, Wo)``, ``(C, Ho, Wo)`` or ``(N, C, Ho, Wo)`` with
        ``Ho = (H - 1)*sh - 2*ph + dh*(R - 1) + output_padding + 1``.

    Examples
    --------
    >>> conv_transpose2d(np.array([[1, 2], [3, 4]]), np.ones((2, 2), dtype=int), stride=2)
    array([[1, 1, 2, 2],
           [1, 1, 2, 2],
           [3, 3, 4, 4],
           [3, 3, 4, 4]])
    """
    args = check_args(y, k, stride, padding, dilation, output_padding=output_padding)
    (ph, pw), (ho, wo) = args.padding, args.out_hw
    dtype = np.result_type(args.x, args.k)
    work = sum_dtype(dtype)  # float16 is summed in float32, as in conv2d
    y4, k4 = args.x4.astype(work, copy=False), args.k4.astype(work, copy=False)
    out = _scatter_windows(y4, k4, (ho + 2 * ph, wo + 2 * pw), args.stride, args.dilation)
    out = out[:, :, ph : ph + ho, pw : pw + wo]
    return np.ascontiguousarray(out.reshape(args.lead + args.out_hw), dtype=dtype)


def _scatter_windows(g, k, size_hw, strides, dils):
    """Add ``g[n, f, i, j] * k[f, c, r, s]`` into ``out[n, c, i*sh + r*dh, j*sw + s*dw]``.

    One tap ``(r, s)`` at a time: every output position sends its share to a
    strided slice of the result, so R*S vectorised additions replace the loop
    over positions.  ``size_hw`` is the (padded) height and width of the result.
    """
    n_images, filters, ho, wo = g.shape
    _, channels, rows, cols = k.shape
    (sh, sw), (dh, dw) = strides, dils
    out = np.zeros((n_images, channels) + tuple(size_hw), dtype=g.dtype)
    # The operands laid out once, as np.tensordot(g, k[:, :, r, s], axes=([1], [0])) would lay them out
    # for every tap: the same products, without R*S copies of g.
    g_rows = g.transpose(0, 2, 3, 1).reshape(n_images * ho * wo, filters)  # (N*Ho*Wo, K)
    for r in range(rows):
        for s in range(cols):
            tap = k[:, :, r, s].reshape(filters, channels)  # (K, C)
            share = np.dot(g_rows, tap).reshape(n_images, ho, wo, channels)
            out[:, :, r * dh : r * dh + sh * (ho - 1) + 1 : sh, s * dw : s * dw + sw * (wo - 1) + 1 : sw] += (
                share.transpose(0, 3, 1, 2)
            )
    return out
