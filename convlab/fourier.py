"""Convolution through the fast Fourier transform.

The convolution theorem turns a convolution into a product: the discrete
Fourier transform of a (circular) convolution is the element-wise product of
the transforms.  So instead of ``R*S`` multiply-adds per output, transform
the image and the kernel (``O(H*W*log(H*W))`` each), multiply them, and
transform back.  The cost no longer depends on the kernel's size, which is why
FFT convolution can take less time than the direct sum for large kernels and more for
small ones; lesson 07 measures where the two curves cross on the learner's machine.

:func:`conv_fft` takes the canonical arguments of :mod:`convlab.methods`
(``x`` already padded, ``(N, C, H, W)``; ``k`` ``(K, C, R, S)``; ``stride``
and ``dilation``) and returns ``(N, K, Ho, Wo)`` in the dtype of the inputs,
like every method of :func:`convlab.conv2d`.  Channels are summed in the
frequency domain, so a layer needs ``N*C + K*C`` forward transforms and only
``N*K`` inverse ones.  It uses :mod:`numpy.fft` only.

The result is *not* the same arithmetic as the direct sum, and that changes
what it means:

- Every output depends on every input through the transforms: one NaN or inf
  anywhere in an image makes its whole output NaN, not just the windows that
  hold it.
- Rounding errors are relative to the largest values of the image and kernel,
  not to each output: outputs much smaller than the largest ones lose
  relative accuracy.
- Integers cannot stay exact, so integer inputs are refused.
"""

from __future__ import annotations

import numpy as np

from .params import check_canonical, output_shape

__all__ = ["conv_fft", "fast_length"]


def conv_fft(x, k, stride=(1, 1), dilation=(1, 1)):
    """Cross-correlation of a batch with a filter bank, computed with FFTs.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        The input, already padded.  Floating-point or complex.
    k : numpy.ndarray, shape (K, C, R, S)
        The filter bank.  Floating-point or complex.
    stride : int or pair of int, optional
        Step between outputs.  The transform computes every stride-1 output;
        a stride keeps every ``stride``-th of them, so it saves no work.
    dilation : int or pair of int, optional
        Step between kernel taps.  The kernel is spread out with zeros before
        it is transformed, which costs nothing: the transform's size depends on
        the image only.

    Returns
    -------
    numpy.ndarray, shape (N, K, Ho, Wo)
        ``out[n, f, i, j] = sum over c, r, s of
        x[n, c, i*sh + r*dh, j*sw + s*dw] * k[f, c, r, s]``, in
        ``np.result_type(x, k)``, equal to :func:`convlab.conv2d` up to
        rounding (see Notes).

    Raises
    ------
    TypeError
        If ``x`` or ``k`` is not a NumPy array of floating-point or complex
        numbers (integers cannot stay exact through a transform).
    ValueError
        If ``x`` or ``k`` does not have 4 dimensions, the channels differ, the
        (dilated) kernel is larger than ``x``, or ``stride`` or ``dilation``
        is less than 1.

    See Also
    --------
    scipy.signal.fftconvolve : one channel at a time, any number of dimensions.

    Notes
    -----
    Each image channel is transformed once, at a size of at least ``H x W``
    with no prime factor above 5 (:func:`fast_length`).  A circular
    convolution of that size with the kernel turned by 180 degrees equals the
    cross-correlation at every output whose window lies inside the image, and
    those are exactly the outputs returned.  The error of an output is of the
    order of ``eps * log2(H*W) * max|x| * sum|k|``, ``eps`` the machine
    precision of the dtype, whatever the output's own size.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> k = np.ones((1, 1, 2, 2))
    >>> conv_fft(x, k).round(10)
    array([[[[10., 14., 18.],
             [26., 30., 34.],
             [42., 46., 50.]]]])
    >>> conv_fft(x, k, stride=2).round(10)
    array([[[[10., 18.],
             [42., 50.]]]])

    One NaN spreads to every output (the direct sum has it in 4 of 9):

    >>> x[0, 0, 0, 0] = np.nan
    >>> int(np.isnan(conv_fft(x, k)).sum())
    9
    """
    dtype = _check(x, k)
    output_shape(x.shape[-2:], k.shape[-2:], stride, 0, dilation)  # checks stride, dilation and size
    (sh, sw), (dh, dw) = _pair(stride), _pair(dilation)
    n_images, channels, height, width = x.shape
    n_kernels, _, rows, cols = k.shape

    # Spread the taps out for dilation and turn the kernel by 180 degrees: a
    # convolution with the turned kernel is the cross-correlation.
    span_r, span_c = dh * (rows - 1) + 1, dw * (cols - 1) + 1
    turned = np.zeros((n_kernels, channels, span_r, span_c), dtype=dtype)
    turned[..., ::dh, ::dw] = k[..., ::-1, ::-1]

    # A size >= H x W keeps the wrap-around of the circular convolution out of
    # the outputs we keep; sizes with small prime factors transform fastest.
    size = (fast_length(height), fast_length(width))
    real = dtype.kind == "f"
    forward, inverse = (np.fft.rfft2, np.fft.irfft2) if real else (np.fft.fft2, np.fft.ifft2)
    x_hat = forward(x.astype(dtype, copy=False), s=size)   # (N, C, F1, F2)
    k_hat = forward(turned, s=size)                         # (K, C, F1, F2)

    # At every frequency, sum over channels: a (N, C) @ (C, K) matrix product.
    freqs = x_hat.shape[-2:]
    x_mat = x_hat.reshape(n_images, channels, -1).transpose(2, 0, 1)      # (F, N, C)
    k_mat = k_hat.reshape(n_kernels, channels, -1).transpose(2, 1, 0)     # (F, C, K)
    y_hat = (x_mat @ k_mat).transpose(1, 2, 0).reshape(n_images, n_kernels, *freqs)
    y = inverse(y_hat, s=size) if real else inverse(y_hat)

    # Output i of the correlation is output i + span - 1 of the convolution.
    out = y[..., span_r - 1:height:sh, span_c - 1:width:sw]   # (N, K, Ho, Wo)
    return np.ascontiguousarray(out, dtype=dtype)


def fast_length(n):
    """The smallest length ``>= n`` with no prime factor above 5.

    Fast Fourier transforms split a length into its prime factors; lengths
    made of 2, 3 and 5 transform fastest.

    Parameters
    ----------
    n : int
        At least 1.

    Returns
    -------
    int

    Examples
    --------
    >>> [fast_length(n) for n in (1, 7, 11, 97, 127, 1000)]
    [1, 8, 12, 100, 128, 1000]
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    best = None
    power5 = 1
    while power5 < 2 * n:
        power35 = power5
        while power35 < 2 * n:
            length = power35
            while length < n:
                length *= 2
            if best is None or length < best:
                best = length
            power35 *= 3
        power5 *= 5
    return int(best)


def _check(x, k):
    """The result dtype of x and k, after checking that both are 4-D inexact arrays that fit."""
    check_canonical(x, k, "an FFT cannot keep integers exact")
    if 0 in x.shape or 0 in k.shape:
        raise ValueError(f"x and k must not be empty, got shapes {x.shape} and {k.shape}")
    return np.result_type(x, k)


def _pair(value):
    """An int or a pair, already checked by output_shape, as a pair of ints."""
    return (int(value), int(value)) if np.ndim(value) == 0 else tuple(int(v) for v in value)
