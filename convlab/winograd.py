"""Winograd's minimal filtering: F(2, 3) and F(2x2, 3x3).

Two outputs of a 3-tap cross-correlation,

    y0 = d0*g0 + d1*g1 + d2*g2
    y1 = d1*g0 + d2*g1 + d3*g2,

take 6 multiplications computed directly.  Winograd's F(2, 3) needs 4:

    m1 = (d0 - d2) * g0                 y0 = m1 + m2 + m3
    m2 = (d1 + d2) * (g0 + g1 + g2)/2   y1 = m2 - m3 - m4
    m3 = (d2 - d1) * (g0 - g1 + g2)/2
    m4 = (d1 - d3) * g2

The sums of the taps ``g`` are made once per filter and reused for every
tile, so what is left per tile is 4 multiplications and a few additions.  In
matrix form, with the input tile ``d`` (4 values) and the filter ``g``
(3 taps), ``y = AT @ ((G @ g) * (BT @ d))`` (Lavin and Gray, *Fast
Algorithms for Convolutional Neural Networks*, 2016).  Nesting the 1-D
algorithm in rows and columns gives F(2x2, 3x3): a 2x2 block of outputs
from a 4x4 input tile with 16 multiplications instead of 36,

    Y = AT @ ((G @ g @ G.T) * (BT @ d @ BT.T)) @ AT.T.

For a layer, the element-wise product becomes a sum over channels too, so
each of the 16 positions of the transformed tile is one matrix product
``(K, C) @ (C, tiles)``: 16 matrix products in all, each with a ninth of the
columns of im2col's one product and 16/36 of its multiply-adds.  The price is
the transforms: the input is cut into overlapping 4x4 tiles (4 times its
size), transformed, multiplied, and the results transformed back.  The
transform matrices hold only 0, 1 and -1, so the transforms are additions
and subtractions of whole arrays; in NumPy each of them is a pass over memory.

:func:`conv_winograd` takes the canonical arguments of
:mod:`convlab.methods` (``x`` padded, ``(N, C, H, W)``; ``k``
``(K, C, 3, 3)``) and returns ``(N, K, H - 2, W - 2)``; its stages,
:func:`kernel_transform`, :func:`input_transform`, :func:`tile_products` and
:func:`output_transform`, are public so their time can be measured
separately.  Only 3x3 kernels, stride 1 and dilation 1 are supported, and
only floating-point and complex inputs (``G`` holds halves).
"""

from __future__ import annotations

import numpy as np

from .params import check_canonical

__all__ = ["AT", "BT", "G", "f23", "correlate1d_f23", "kernel_transform", "input_transform",
           "tile_products", "output_transform", "conv_winograd"]


def _constant(rows):
    array = np.array(rows, dtype=float)
    array.flags.writeable = False
    return array


#: Input transform of F(2, 3): ``BT @ d`` for an input tile ``d`` of 4 values.
BT = _constant([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]])
#: Filter transform of F(2, 3): ``G @ g`` for a filter ``g`` of 3 taps.
G = _constant([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
#: Output transform of F(2, 3): ``AT @ m`` for the 4 products ``m``.
AT = _constant([[1, 1, 1, 0], [0, 1, -1, -1]])


def f23(d, g):
    """F(2, 3): two outputs of a 3-tap cross-correlation from 4 inputs, with 4 multiplications.

    Parameters
    ----------
    d : array_like, shape (..., 4)
        Input tiles of 4 values (leading axes: as many tiles as you like).
    g : array_like, shape (3,)
        The filter taps.

    Returns
    -------
    numpy.ndarray, shape (..., 2)
        ``[d0*g0 + d1*g1 + d2*g2, d1*g0 + d2*g1 + d3*g2]`` for each tile,
        as floats.

    Examples
    --------
    >>> f23([1.0, 2.0, 3.0, 4.0], [1.0, 0.0, -1.0])
    array([-2., -2.])
    >>> np.correlate([1.0, 2.0, 3.0, 4.0], [1.0, 0.0, -1.0], mode="valid")
    array([-2., -2.])
    """
    d, g = np.asarray(d), np.asarray(g)
    if d.ndim < 1 or d.shape[-1] != 4:
        raise ValueError(f"d must have 4 values along its last axis, got shape {d.shape}")
    if g.shape != (3,):
        raise ValueError(f"g must have shape (3,), got {g.shape}")
    return ((G @ g) * (d @ BT.T)) @ AT.T   # the 4 products, then their sums


def correlate1d_f23(x, g):
    """The valid cross-correlation of a 1-D signal with 3 taps, two outputs per F(2, 3) tile.

    Tiles of 4 inputs start every 2 inputs; an odd number of outputs is
    reached by a zero after the last input, whose output is dropped.

    Parameters
    ----------
    x : array_like, shape (n,)
        The signal, ``n >= 3``.
    g : array_like, shape (3,)

    Returns
    -------
    numpy.ndarray, shape (n - 2,)
        Equal to ``np.correlate(x, g, mode="valid")`` up to rounding.

    Examples
    --------
    >>> correlate1d_f23([1.0, 2.0, 4.0, 8.0, 16.0], [1.0, 1.0, 1.0])
    array([ 7., 14., 28.])
    """
    x = np.asarray(x, dtype=np.result_type(np.asarray(x), float))
    if x.ndim != 1 or x.shape[0] < 3:
        raise ValueError(f"x must be 1-D with at least 3 values, got shape {x.shape}")
    n_out = x.shape[0] - 2
    tiles = -(-n_out // 2)
    padded = np.concatenate([x, np.zeros(2 * tiles + 2 - x.shape[0], dtype=x.dtype)])
    d = np.lib.stride_tricks.sliding_window_view(padded, 4)[::2]     # (tiles, 4), a view
    return f23(d, g).reshape(-1)[:n_out]


def kernel_transform(k):
    """``U = G @ g @ G.T`` for every filter and channel: the 4x4 transformed kernels.

    Parameters
    ----------
    k : numpy.ndarray, shape (K, C, 3, 3)

    Returns
    -------
    numpy.ndarray, shape (4, 4, K, C)
        ``U[a, b]`` is the ``(K, C)`` matrix that multiplies position
        ``(a, b)`` of the transformed input tiles.

    Examples
    --------
    >>> U = kernel_transform(np.ones((1, 1, 3, 3)))
    >>> U[:, :, 0, 0]
    array([[1.  , 1.5 , 0.5 , 1.  ],
           [1.5 , 2.25, 0.75, 1.5 ],
           [0.5 , 0.75, 0.25, 0.5 ],
           [1.  , 1.5 , 0.5 , 1.  ]])
    """
    g = G.astype(k.dtype)
    return np.einsum("ar,kcrs,bs->abkc", g, k, g, optimize=True)


def input_transform(x):
    """``V = BT @ d @ BT.T`` for every overlapping 4x4 tile ``d`` of the input.

    Tiles start every 2 rows and columns, so they overlap by 2 and each
    yields a 2x2 block of outputs.  When ``H - 2`` or ``W - 2`` is odd, a row
    or column of zeros completes the last tiles (their extra outputs are
    dropped by :func:`output_transform`).

    ``BT`` holds only 0, 1 and -1, so its products are sums and differences
    of rows: ``BT @ d`` is ``(d0 - d2, d1 + d2, d2 - d1, d1 - d3)``.  Done
    for every tile at once, row ``i`` of all tiles is the strided slice
    ``x[..., i::2, :]``, so the transform is 4 subtractions or additions of
    slices along the rows, then 16 along the columns, each a pass over memory
    and none a matrix product.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        ``H, W >= 3``.

    Returns
    -------
    V : numpy.ndarray, shape (4, 4, C, N * TH * TW)
        One column per tile, tiles in (image, tile row, tile column) order.
    tiles : tuple of int
        ``(TH, TW)``, tiles per column and per row: ``ceil((H - 2) / 2)`` and
        ``ceil((W - 2) / 2)``.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> V, tiles = input_transform(x)
    >>> V.shape, tiles
    ((4, 4, 1, 1), (1, 1))
    >>> np.array_equal(V[:, :, 0, 0], BT @ x[0, 0] @ BT.T)
    True
    """
    n_images, channels, height, width = x.shape
    th, tw = -(-(height - 2) // 2), -(-(width - 2) // 2)
    extra = (2 * th + 2 - height, 2 * tw + 2 - width)
    if any(extra):
        x = np.pad(x, ((0, 0), (0, 0), (0, extra[0]), (0, extra[1])))
    # Along the rows: row i of every tile is every other row of x from row i.
    d = [x[..., i:i + 2 * th:2, :] for i in range(4)]             # 4 x (N, C, TH, W)
    rows = np.empty((4,) + d[0].shape, dtype=x.dtype)
    _times_bt(d, rows)
    # Along the columns, written straight into V's (a, b, C, N, TH, TW) layout.
    v = np.empty((4, 4, channels, n_images, th, tw), dtype=x.dtype)
    for a in range(4):
        cols = [rows[a][..., j:j + 2 * tw:2] for j in range(4)]   # 4 x (N, C, TH, TW)
        _times_bt(cols, v[a].transpose(0, 2, 1, 3, 4))
    return v.reshape(4, 4, channels, n_images * th * tw), (th, tw)


def _times_bt(d, out):
    """``out[a] = sum over i of BT[a, i] * d[i]`` for the 0/1/-1 entries of BT."""
    np.subtract(d[0], d[2], out=out[0])
    np.add(d[1], d[2], out=out[1])
    np.subtract(d[2], d[1], out=out[2])
    np.subtract(d[1], d[3], out=out[3])


def tile_products(U, V):
    """The 16 matrix products ``U[a, b] @ V[a, b]``: all multiplications of the layer.

    Parameters
    ----------
    U : numpy.ndarray, shape (4, 4, K, C)
        From :func:`kernel_transform`.
    V : numpy.ndarray, shape (4, 4, C, P)
        From :func:`input_transform`.

    Returns
    -------
    numpy.ndarray, shape (4, 4, K, P)

    Examples
    --------
    >>> tile_products(np.ones((4, 4, 2, 3)), np.ones((4, 4, 3, 5))).shape
    (4, 4, 2, 5)
    """
    return np.matmul(U, V)


def output_transform(M, n_images, tiles, out_hw):
    """``Y = AT @ M @ AT.T`` for every tile, laid out as ``(N, K, Ho, Wo)``.

    ``AT`` holds only 0, 1 and -1: ``AT @ m`` is ``(m0 + m1 + m2, m1 - m2 - m3)``,
    sums of whole arrays again, the results written every other row and column
    of the output.

    Parameters
    ----------
    M : numpy.ndarray, shape (4, 4, K, N * TH * TW)
        From :func:`tile_products`.
    n_images : int
    tiles : pair of int
        ``(TH, TW)`` from :func:`input_transform`.
    out_hw : pair of int
        ``(Ho, Wo)``: the extra row and column of odd sizes are dropped.

    Returns
    -------
    numpy.ndarray, shape (N, K, Ho, Wo), C-contiguous

    Examples
    --------
    >>> M = np.zeros((4, 4, 1, 1)); M[1, 1] = 1.0
    >>> output_transform(M, 1, (1, 1), (2, 2))[0, 0]
    array([[1., 1.],
           [1., 1.]])
    >>> AT @ M[:, :, 0, 0] @ AT.T
    array([[1., 1.],
           [1., 1.]])
    """
    th, tw = tiles
    n_kernels = M.shape[2]
    m = M.reshape(4, 4, n_kernels, n_images, th, tw)
    rows = np.empty((2, 4, n_kernels, n_images, th, tw), dtype=M.dtype)
    _times_at(m, rows)
    out = np.empty((n_images, n_kernels, 2 * th, 2 * tw), dtype=M.dtype)
    for i in range(2):
        # output row 2t + i, columns 2u and 2u + 1 of every tile (t, u), as (K, N, TH, TW) views
        _times_at(rows[i], [out[:, :, i::2, j::2].transpose(1, 0, 2, 3) for j in range(2)])
    if (2 * th, 2 * tw) != tuple(out_hw):
        out = np.ascontiguousarray(out[..., :out_hw[0], :out_hw[1]])
    return out


def _times_at(m, out):
    """``out[i] = sum over a of AT[i, a] * m[a]`` for the 0/1/-1 entries of AT."""
    np.add(m[0], m[1], out=out[0])
    out[0] += m[2]
    np.subtract(m[1], m[2], out=out[1])
    out[1] -= m[3]


def conv_winograd(x, k, stride=(1, 1), dilation=(1, 1)):
    """Cross-correlation of a batch with a bank of 3x3 filters by Winograd's F(2x2, 3x3).

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        The input, already padded, ``H, W >= 3``.  Floating-point or complex.
    k : numpy.ndarray, shape (K, C, 3, 3)
        The filter bank.  Floating-point or complex.
    stride, dilation : 1 or (1, 1)
        Accepted for the canonical signature; anything else is refused.

    Returns
    -------
    numpy.ndarray, shape (N, K, H - 2, W - 2)
        In ``np.result_type(x, k)``; equal to :func:`convlab.conv2d` up to
        rounding (see Notes).

    Raises
    ------
    TypeError
        If ``x`` or ``k`` is not a NumPy array of floating-point or complex
        numbers.
    ValueError
        If a shape is wrong (not 4-D, channels differ, a kernel other than
        3x3, an input smaller than 3x3) or ``stride`` or ``dilation`` is not 1.

    Notes
    -----
    Rounding errors are a small multiple of the direct sum's for
    F(2x2, 3x3); larger tiles (F(4x4, 3x3) and up) trade accuracy for fewer
    multiplications.  A NaN reaches exactly the outputs whose windows hold it,
    as in the direct sum, but the transforms subtract inputs from each other,
    so an infinite input can give NaN (``inf - inf``, with NumPy's
    "invalid value" warning) where the direct sum gives ``inf``.

    Examples
    --------
    >>> x = np.arange(25.0).reshape(1, 1, 5, 5)
    >>> k = np.ones((1, 1, 3, 3))
    >>> conv_winograd(x, k)[0, 0]
    array([[ 54.,  63.,  72.],
           [ 99., 108., 117.],
           [144., 153., 162.]])
    >>> conv_winograd(x, k, stride=2)
    Traceback (most recent call last):
    ...
    ValueError: stride must be 1 for Winograd's F(2x2, 3x3), got 2; use convlab.conv2d
    """
    _check(x, k, stride, dilation)
    dtype = np.result_type(x, k)
    x, k = x.astype(dtype, copy=False), k.astype(dtype, copy=False)
    n_images, _, height, width = x.shape
    U = kernel_transform(k)
    V, tiles = input_transform(x)
    M = tile_products(U, V)
    return output_transform(M, n_images, tiles, (height - 2, width - 2))


def _check(x, k, stride, dilation):
    check_canonical(x, k, "Winograd's transforms hold halves", kernel_axes="(K, C, 3, 3)")
    if k.shape[2:] != (3, 3):
        raise ValueError(f"k must hold 3x3 kernels for F(2x2, 3x3), got k of shape {k.shape}")
    if 0 in x.shape[:2] or 0 in k.shape[:2] or x.shape[2] < 3 or x.shape[3] < 3:
        raise ValueError(f"x must hold at least one 3x3 window, got x of shape {x.shape} and k of shape {k.shape}")
    for name, value in (("stride", stride), ("dilation", dilation)):
        if not _is_one(value):
            raise ValueError(f"{name} must be 1 for Winograd's F(2x2, 3x3), got {value!r}; use convlab.conv2d")


def _is_one(value):
    values = value if isinstance(value, (tuple, list)) else (value,)
    return len(values) in (1, 2) and all(
        not isinstance(v, bool) and isinstance(v, (int, np.integer)) and v == 1 for v in values
    )
