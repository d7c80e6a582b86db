"""The ways convlab computes a convolution, one small function each.

Every function here takes arrays that :func:`convlab.conv2d` has already
checked, padded and brought to one canonical layout:

- ``x``: shape ``(N, C, H, W)``, already zero-padded, in the dtype the sum
  is taken in;
- ``k``: shape ``(K, C, R, S)``, in the same dtype;
- ``stride``, ``dilation``: pairs of ints;

and returns an array of shape ``(N, K, Ho, Wo)`` in the same dtype.  They
compute cross-correlation (the kernel is not flipped), as deep-learning
libraries do.  They are written to be read side by side in the lessons: each
is the same sum, ``out[n, k, i, j] = sum over c, r, s of
x[n, c, i*sh + r*dh, j*sw + s*dw] * k[k, c, r, s]``, organised differently.
The two methods that bound their memory, ``blocked`` and ``mec``, are in
:mod:`convlab.fast`.
"""

from __future__ import annotations

import numpy as np

from .params import output_hw
from .windows import window_view

__all__ = ["conv_loops", "conv_tensordot", "conv_einsum", "conv_im2col", "conv_shift_add"]


def conv_loops(x, k, stride, dilation):
    """Seven nested Python loops: one multiply-add at a time.

    The slowest method and the easiest to check by hand: it is the
    definition of the sum, written out.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        The padded input.
    k : numpy.ndarray, shape (K, C, R, S)
        The kernels, in the dtype of ``x``.
    stride, dilation : pair of int
        ``(rows, cols)``.

    Returns
    -------
    numpy.ndarray, shape (N, K, Ho, Wo)
        In the dtype of ``x``.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv_loops(x, np.ones((1, 1, 2, 2)), (2, 2), (1, 1))
    array([[[[10., 18.],
             [42., 50.]]]])
    """
    n_images, channels, height, width = x.shape
    n_kernels, _, rows, cols = k.shape
    (sh, sw), (dh, dw) = stride, dilation
    ho, wo = output_hw((height, width), (rows, cols), stride, (0, 0), dilation)
    out = np.zeros((n_images, n_kernels, ho, wo), dtype=x.dtype)
    # Integer results wrap around like every other NumPy integer operation;
    # errstate keeps scalar arithmetic from warning about it.
    with np.errstate(over="ignore"):
        for n in range(n_images):
            for f in range(n_kernels):
                for i in range(ho):
                    for j in range(wo):
                        total = out.dtype.type(0)
                        for c in range(channels):
                            for r in range(rows):
                                for s in range(cols):
                                    total += x[n, c, i * sh + r * dh, j * sw + s * dw] * k[f, c, r, s]
                        out[n, f, i, j] = total
    return out


def conv_tensordot(x, k, stride, dilation):
    """Sliding windows, then one ``np.tensordot`` over (C, R, S).

    ``windows`` has shape ``(N, C, Ho, Wo, R, S)``; tensordot multiplies it
    with ``k`` (``(K, C, R, S)``) and sums over the axes they share: axes
    1, 4, 5 of the windows against axes 1, 2, 3 of the kernel.  What is left
    is ``(N, Ho, Wo, K)``, which we move to ``(N, K, Ho, Wo)``.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        The padded input.
    k : numpy.ndarray, shape (K, C, R, S)
        The kernels, in the dtype of ``x``.
    stride, dilation : pair of int
        ``(rows, cols)``.

    Returns
    -------
    numpy.ndarray, shape (N, K, Ho, Wo)
        A view of tensordot's ``(N, Ho, Wo, K)`` result with the kernel axis
        moved (``conv2d`` makes it contiguous).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv_tensordot(x, np.ones((1, 1, 2, 2)), (2, 2), (1, 1))
    array([[[[10., 18.],
             [42., 50.]]]])
    """
    windows = window_view(x, k.shape[-2:], stride, dilation)
    out = np.tensordot(windows, k, axes=([1, 4, 5], [1, 2, 3]))
    return np.moveaxis(out, -1, 1)


def conv_einsum(x, k, stride, dilation):
    """Sliding windows, then ``np.einsum`` with every index named.

    ``"ncijrs,fcrs->nfij"`` is the definition of the sum: indices that
    appear on the left and not on the right (c, r, s) are summed over.
    ``optimize=True`` lets NumPy hand the sum to BLAS; without it, einsum
    runs its own loop and is many times slower.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        The padded input.
    k : numpy.ndarray, shape (K, C, R, S)
        The kernels, in the dtype of ``x``.
    stride, dilation : pair of int
        ``(rows, cols)``.

    Returns
    -------
    numpy.ndarray, shape (N, K, Ho, Wo)

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv_einsum(x, np.ones((1, 1, 2, 2)), (2, 2), (1, 1))
    array([[[[10., 18.],
             [42., 50.]]]])
    """
    windows = window_view(x, k.shape[-2:], stride, dilation)
    return np.einsum("ncijrs,fcrs->nfij", windows, k, optimize=True)


def conv_im2col(x, k, stride, dilation):
    """im2col: copy every window into a column of a matrix, then one matmul.

    The window matrix has one column per output position (all images) and
    one row per kernel tap (C*R*S).  Building it is the reshape of a window
    view that cannot stay a view: it copies ``R*S`` times more data than the
    input holds.  The kernels, flattened to ``(K, C*R*S)``, multiply it in a
    single matrix product, which is exactly what BLAS is fastest at.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        The padded input.
    k : numpy.ndarray, shape (K, C, R, S)
        The kernels, in the dtype of ``x``.
    stride, dilation : pair of int
        ``(rows, cols)``.

    Returns
    -------
    numpy.ndarray, shape (N, K, Ho, Wo)
        A view of the ``(K, N, Ho, Wo)`` product with its first two axes
        swapped (``conv2d`` makes it contiguous).

    Notes
    -----
    The window matrix takes ``N*C*R*S*Ho*Wo`` elements: the ``nbytes`` of
    the window view, which counts what a copy of it would hold.
    :func:`convlab.fast.conv_blocked` builds it a block at a time.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv_im2col(x, np.ones((1, 1, 2, 2)), (2, 2), (1, 1))
    array([[[[10., 18.],
             [42., 50.]]]])
    """
    n_images, channels = x.shape[:2]
    n_kernels, _, rows, cols = k.shape
    windows = window_view(x, (rows, cols), stride, dilation)  # (N, C, Ho, Wo, R, S)
    ho, wo = windows.shape[2:4]
    columns = windows.transpose(1, 4, 5, 0, 2, 3).reshape(channels * rows * cols, n_images * ho * wo)
    out = k.reshape(n_kernels, channels * rows * cols) @ columns  # (K, N*Ho*Wo)
    if n_images == 1:  # (K, 1, Ho, Wo) is already (1, K, Ho, Wo) in memory
        return out.reshape(1, n_kernels, ho, wo)
    return out.reshape(n_kernels, n_images, ho, wo).transpose(1, 0, 2, 3)


def conv_shift_add(x, k, stride, dilation):
    """Shift-and-add: one matrix product per kernel tap, and no window matrix.

    Each tap ``(r, s)`` of the kernels meets the input shifted by ``(r*dh,
    s*dw)`` and sampled every ``(sh, sw)``: a strided slice of ``x``, the
    same size as the output.  Its contribution to every output is one matrix
    product over the channels, ``k[:, :, r, s]`` ``(K, C)`` times the slice
    ``(C, Ho*Wo)``, and the ``R*S`` contributions add up into the output.
    No buffer grows with ``R*S``, but every tap reads the whole input and
    adds a whole output, so it pays when kernels are large and channels few;
    lessons 06 and 07 and ``benchmarks/`` measure where.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        The padded input.
    k : numpy.ndarray, shape (K, C, R, S)
        The kernels, in the dtype of ``x``.
    stride, dilation : pair of int
        ``(rows, cols)``.

    Returns
    -------
    numpy.ndarray, shape (N, K, Ho, Wo)
        A new C-contiguous array in the dtype of ``x``.

    Notes
    -----
    ``np.matmul`` needs each tap's strided slice as a matrix, so it copies it
    (``C*Ho*Wo`` elements, one tap at a time).  The sum over the taps is
    taken in the dtype of ``x``: ``conv2d`` passes float16 inputs as float32,
    so it cannot leave float16's range half-way.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv_shift_add(x, np.ones((1, 1, 2, 2)), (2, 2), (1, 1))
    array([[[[10., 18.],
             [42., 50.]]]])
    """
    n_images, channels, height, width = x.shape
    n_kernels, _, rows, cols = k.shape
    (sh, sw), (dh, dw) = stride, dilation
    ho, wo = output_hw((height, width), (rows, cols), stride, (0, 0), dilation)
    out = np.zeros((n_images, n_kernels, ho * wo), x.dtype)
    # Integer sums wrap around, as in every other method.
    with np.errstate(over="ignore"):
        for r in range(rows):
            for s in range(cols):
                tap = x[:, :, r * dh : r * dh + sh * (ho - 1) + 1 : sh, s * dw : s * dw + sw * (wo - 1) + 1 : sw]
                out += np.matmul(k[:, :, r, s], tap.reshape(n_images, channels, ho * wo))
    return out.reshape(n_images, n_kernels, ho, wo)
