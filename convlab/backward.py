"""The backward pass of ``conv2d``, and transposed convolution.

Training a network needs, for a loss ``L`` and ``out = conv2d(x, k, ...)``,
the gradients ``dL/dx`` and ``dL/dk`` from ``g = dL/dout``.  Both are
convolutions again, built from the same sliding windows:

- ``dL/dk[f, c, r, s] = sum over n, i, j of g[n, f, i, j] * xp[n, c, i*sh + r*dh, j*sw + s*dw]``:
  the windows of the padded input, contracted with ``g`` over images and
  output positions;
- ``dL/dx`` sends every ``g[n, f, i, j]`` back to the input cells its
  window read, weighted by the kernel: a *transposed convolution* of ``g``.
"""

from __future__ import annotations

import numpy as np

from .conv import _canonical
from .params import _output_shape, as_pair, check_numeric_array
from .windows import pad_hw, sliding_windows

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
    x = check_numeric_array(x, "x")
    k = check_numeric_array(k, "k")
    strides = as_pair(stride, "stride", 1)
    pads = as_pair(padding, "padding", 0)
    dils = as_pair(dilation, "dilation", 1)
    x4, k4, lead = _canonical(x, k)
    ho, wo = _output_shape(x4.shape[-2:], k4.shape[-2:], strides, pads, dils)
    grad_out = check_numeric_array(grad_out, "grad_out")
    if grad_out.shape != lead + (ho, wo):
        raise ValueError(
            f"grad_out must have the shape of conv2d's result, {lead + (ho, wo)}, got {grad_out.shape}"
        )
    dtype = np.result_type(x, k, grad_out)
    g4 = grad_out.reshape((x4.shape[0], k4.shape[0], ho, wo)).astype(dtype, copy=False)
    xp = pad_hw(x4.astype(dtype, copy=False), pads)

    windows = sliding_windows(xp, k4.shape[-2:], strides, dils)  # (N, C, Ho, Wo, R, S)
    grad_k = np.tensordot(g4, windows, axes=([0, 2, 3], [0, 2, 3]))  # (K, C, R, S)

    grad_xp = _scatter_windows(g4, k4.astype(dtype, copy=False), xp.shape[-2:], strides, dils)
    grad_x = grad_xp[:, :, pads[0] : pads[0] + x4.shape[2], pads[1] : pads[1] + x4.shape[3]]
    return grad_x.reshape(x.shape).copy(), grad_k.reshape(k.shape)


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
    y = check_numeric_array(y, "y")
    k = check_numeric_array(k, "k")
    strides = as_pair(stride, "stride", 1)
    pads = as_pair(padding, "padding", 0)
    dils = as_pair(dilation, "dilation", 1)
    extra = as_pair(output_padding, "output_padding", 0)
    for axis in (0, 1):
        if extra[axis] >= max(strides[axis], dils[axis]):
            raise ValueError(
                f"output_padding must be smaller than stride or dilation, got output_padding={output_padding!r} "
                f"with stride={stride!r}, dilation={dilation!r}"
            )
    if y.ndim == 2 and k.ndim == 2:
        y4, k4 = y[None, None], k[None, None]
    elif y.ndim in (3, 4) and k.ndim == 4:
        y4 = y if y.ndim == 4 else y[None]
        k4 = k
        if y4.shape[1] != k4.shape[0]:
            raise ValueError(f"y has {y4.shape[1]} channels but k has {k4.shape[0]} filters (k.shape[0]); they must match")
    else:
        raise ValueError(
            f"y and k must be (H, W) with (R, S), or (K, H, W) / (N, K, H, W) with (K, C, R, S); "
            f"got y of shape {y.shape} and k of shape {k.shape}"
        )
    size = [
        (n - 1) * st - 2 * p + d * (r - 1) + e + 1
        for n, st, p, d, r, e in zip(y4.shape[-2:], strides, pads, dils, k4.shape[-2:], extra)
    ]
    if min(size) < 1:
        raise ValueError(f"padding={padding!r} crops away the whole output (size before cropping {[s + 2 * p for s, p in zip(size, pads)]})")
    dtype = np.result_type(y, k)
    full = [s + 2 * p for s, p in zip(size, pads)]
    out = _scatter_windows(y4.astype(dtype, copy=False), k4.astype(dtype, copy=False), full, strides, dils)
    out = out[:, :, pads[0] : pads[0] + size[0], pads[1] : pads[1] + size[1]]
    lead = y.shape[:1] if y.ndim == 4 else ()
    channels = k4.shape[1:2] if k.ndim == 4 else ()
    return np.ascontiguousarray(out.reshape(lead + channels + out.shape[-2:]))


def _scatter_windows(g, k, size_hw, strides, dils):
    """Add ``g[n, f, i, j] * k[f, c, r, s]`` into ``out[n, c, i*sh + r*dh, j*sw + s*dw]``.

    One tap ``(r, s)`` at a time: every output position sends its share to a
    strided slice of the result, so R*S vectorised additions replace the loop
    over positions.  ``size_hw`` is the (padded) height and width of the result.
    """
    n_images, _, ho, wo = g.shape
    _, channels, rows, cols = k.shape
    (sh, sw), (dh, dw) = strides, dils
    out = np.zeros((n_images, channels) + tuple(size_hw), dtype=g.dtype)
    for r in range(rows):
        for s in range(cols):
            share = np.tensordot(g, k[:, :, r, s], axes=([1], [0]))  # (N, Ho, Wo, C)
            out[:, :, r * dh : r * dh + sh * (ho - 1) + 1 : sh, s * dw : s * dw + sw * (wo - 1) + 1 : sw] += (
                share.transpose(0, 3, 1, 2)
            )
    return out
