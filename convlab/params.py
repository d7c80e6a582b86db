"""Convolution parameters: checking ``stride``, ``padding`` and ``dilation``, and every other argument.

Every public function of convlab accepts these three parameters as an int
(the same for rows and columns) or as a pair ``(rows, cols)``.  This module
turns them into pairs, rejects anything else with a message that names the
argument and its value, and computes the output size that follows from them.

It also holds :func:`check_args`, the one argument check that every entry
point of convlab calls first (``conv2d``, ``convolve2d``, the backward pass,
transposed convolution, pooling, ``sliding_windows``, the pictures): the same
bad input gets the same error everywhere because one piece of code raises it.
What comes out is the arguments in one canonical form, :class:`Args`.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

__all__ = [
    "Args",
    "as_pair",
    "canonical",
    "check_args",
    "check_canonical",
    "check_numeric_array",
    "is_int",
    "output_hw",
    "output_shape",
    "sum_dtype",
]

_SHAPES = (
    "x (H, W) with k (R, S); x (C, H, W) with k (C, R, S) or (K, C, R, S); "
    "x (N, C, H, W) with k (C, R, S) or (K, C, R, S)"
)


def is_int(value):
    """True for an integer that can be a size or a parameter: Python and NumPy ints, not bools.

    ``stride=True`` is a mistake, not a stride of 1, although ``bool`` is a
    subclass of ``int``.

    Examples
    --------
    >>> is_int(2), is_int(np.int64(2)), is_int(2.0), is_int(True)
    (True, True, False, False)
    """
    if type(value) is int:  # the common case, without the cost of an ABC check
        return True
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def as_pair(value, name, minimum):
    """Return ``value`` as a pair of Python ints, each at least ``minimum``.

    Parameters
    ----------
    value : int or pair of int
        An int applies to rows and columns alike; a pair is ``(rows, cols)``.
    name : str
        The argument's name, used in error messages.
    minimum : int
        The smallest allowed entry (1 for ``stride`` and ``dilation``, 0 for
        ``padding``).

    Returns
    -------
    tuple of int
        ``(rows, cols)``.

    Raises
    ------
    TypeError
        If ``value`` is not an int or a pair of ints (floats, bools and strings
        are rejected, even ``2.0``).
    ValueError
        If the pair does not have two entries or an entry is below ``minimum``.

    Examples
    --------
    >>> as_pair(2, "stride", 1)
    (2, 2)
    >>> as_pair((1, 3), "stride", 1)
    (1, 3)
    >>> as_pair(0, "stride", 1)
    Traceback (most recent call last):
    ...
    ValueError: stride must be >= 1, got 0
    """
    if type(value) is int and value >= minimum:  # the common case: one plain int in range
        return (value, value)
    if type(value) is tuple and len(value) == 2 and type(value[0]) is type(value[1]) is int and min(value) >= minimum:
        return value  # a pair of plain ints in range: what conv2d passes on once it has checked its arguments
    if isinstance(value, np.ndarray):
        value = value.tolist()  # np.array(2) -> 2, np.array([1, 2]) -> [1, 2]
    if is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(
                f"{name} must be an int or a pair (rows, cols), got {len(value)} values: {value!r}"
            )
        if not all(is_int(v) for v in value):
            raise TypeError(f"{name} must hold integers, got {value!r}")
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be an int or a pair of ints (rows, cols), got {value!r}")
    if min(pair) < minimum:
        shown = pair[0] if is_int(value) else value
        raise ValueError(f"{name} must be >= {minimum}, got {shown!r}")
    return pair


def output_shape(input_hw, kernel_hw, stride=1, padding=0, dilation=1):
    """Height and width of a convolution's output.

    For each spatial axis, with input size ``H``, kernel size ``R``, stride
    ``s``, padding ``p`` (zeros added on *each* side) and dilation ``d``::

        Ho = (H + 2*p - d*(R - 1) - 1) // s + 1

    ``d*(R - 1) + 1`` is the span the dilated kernel covers.  The division
    floors: a window that would run off the end of the padded input is dropped,
    never padded silently.

    Parameters
    ----------
    input_hw : int or pair of int
        Input height and width ``(H, W)``, without padding.
    kernel_hw : int or pair of int
        Kernel height and width ``(R, S)``, without dilation.
    stride, padding, dilation : int or pair of int, optional
        As in :func:`convlab.conv2d`.

    Returns
    -------
    tuple of int
        ``(Ho, Wo)``, each at least 1.

    Raises
    ------
    ValueError
        If the dilated kernel is larger than the padded input, or a size or
        parameter is out of range.
    TypeError
        If a size or parameter is not an integer.

    Examples
    --------
    >>> output_shape((4, 4), (2, 2))
    (3, 3)
    >>> output_shape((4, 4), (2, 2), stride=2)
    (2, 2)
    >>> output_shape((5, 7), (3, 3), stride=(1, 2), padding=1, dilation=(1, 2))
    (5, 3)
    """
    h, w = as_pair(input_hw, "input_hw", 1)
    r, s = as_pair(kernel_hw, "kernel_hw", 1)
    strides = as_pair(stride, "stride", 1)
    pads = as_pair(padding, "padding", 0)
    dils = as_pair(dilation, "dilation", 1)
    return output_hw((h, w), (r, s), strides, pads, dils)


def output_hw(input_hw, kernel_hw, stride, padding, dilation):
    """:func:`output_shape` for arguments that are already pairs of checked ints.

    What the methods call on canonical arguments, where checking them again
    would only cost time.  It still refuses a kernel larger than the padded
    input, with the message every entry point gives.

    Parameters
    ----------
    input_hw, kernel_hw, stride, padding, dilation : pair of int
        As in :func:`output_shape`, each already a pair.

    Returns
    -------
    tuple of int
        ``(Ho, Wo)``.

    Examples
    --------
    >>> output_hw((4, 4), (2, 2), (2, 2), (0, 0), (1, 1))
    (2, 2)
    >>> output_hw((4, 4), (3, 3), (1, 1), (0, 0), (2, 2))
    Traceback (most recent call last):
    ...
    ValueError: kernel too large: along rows the kernel covers 5 (size 3, dilation 2) but the padded input has only 4 (size 4, padding 0 per side)
    """  # noqa: E501 -- a doctest's expected output is one line
    rows = input_hw[0] + 2 * padding[0] - dilation[0] * (kernel_hw[0] - 1) - 1
    cols = input_hw[1] + 2 * padding[1] - dilation[1] * (kernel_hw[1] - 1) - 1
    if rows < 0 or cols < 0:
        axis = 0 if rows < 0 else 1
        size, k, p, d = input_hw[axis], kernel_hw[axis], padding[axis], dilation[axis]
        raise ValueError(
            f"kernel too large: along {('rows', 'cols')[axis]} the kernel covers {d * (k - 1) + 1} "
            f"(size {k}, dilation {d}) but the padded input has only "
            f"{size + 2 * p} (size {size}, padding {p} per side)"
        )
    return (rows // stride[0] + 1, cols // stride[1] + 1)


def check_numeric_array(a, name):
    """Return ``a`` as an ndarray, rejecting non-numeric or empty data.

    Parameters
    ----------
    a : array_like
        The data.
    name : str
        The argument's name, used in error messages.

    Returns
    -------
    numpy.ndarray
        ``a`` itself when it is already an ndarray (never a copy).

    Raises
    ------
    TypeError
        If the dtype is not integer, floating or complex (strings, objects,
        bools, dates).
    ValueError
        If the array is empty.

    Examples
    --------
    >>> check_numeric_array([[1, 2], [3, 4]], "x").dtype.kind
    'i'
    >>> check_numeric_array(["a"], "x")
    Traceback (most recent call last):
    ...
    TypeError: x must be a numeric array (integer, float or complex), got dtype <U1
    """
    if type(a) is np.ndarray:
        arr = a
    else:
        try:
            arr = np.asarray(a)
        except (ValueError, TypeError) as err:  # ragged nested lists
            raise TypeError(f"{name} must be a numeric array, got {type(a).__name__}: {err}") from None
    if arr.dtype.kind not in "iufc":
        hint = " (cast booleans with .astype(int))" if arr.dtype.kind == "b" else ""
        raise TypeError(
            f"{name} must be a numeric array (integer, float or complex), got dtype {arr.dtype}{hint}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    return arr


def canonical(x, k):
    """Views of ``x`` as ``(N, C, H, W)`` and ``k`` as ``(K, C, R, S)``, and the result's leading axes.

    Every shape combination :func:`convlab.conv2d` accepts is brought to this
    one layout by adding axes of length 1; the methods only ever see it.
    ``lead`` is what the result has in front of ``(Ho, Wo)``.

    Parameters
    ----------
    x, k : numpy.ndarray
        Numeric arrays (see :func:`check_numeric_array`).

    Returns
    -------
    x4 : numpy.ndarray, shape (N, C, H, W)
    k4 : numpy.ndarray, shape (K, C, R, S)
        Views of ``x`` and ``k``, never copies.
    lead : tuple of int
        ``()``, ``(N,)``, ``(K,)`` or ``(N, K)``.

    Raises
    ------
    ValueError
        For a wrong number of dimensions or a channel mismatch, naming both shapes.

    Examples
    --------
    >>> x4, k4, lead = canonical(np.ones((3, 8, 8)), np.ones((4, 3, 3, 3)))
    >>> x4.shape, k4.shape, lead
    ((1, 3, 8, 8), (4, 3, 3, 3), (4,))
    """
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"x must have 2, 3 or 4 dimensions ({_SHAPES}), got shape {x.shape}")
    if k.ndim not in (2, 3, 4):
        raise ValueError(f"k must have 2, 3 or 4 dimensions ({_SHAPES}), got shape {k.shape}")
    if x.ndim == 2:
        if k.ndim != 2:
            raise ValueError(
                f"a 2-D x (H, W) needs a 2-D kernel (R, S), got k of shape {k.shape}; "
                f"add a channel axis to x (x[None]) for a kernel with channels"
            )
        return x[None, None], k[None, None], ()
    if k.ndim == 2:
        raise ValueError(
            f"a {x.ndim}-D x needs a kernel (C, R, S) or (K, C, R, S) whose C matches the "
            f"channels of x, got k of shape {k.shape}"
        )
    x4 = x if x.ndim == 4 else x[None]
    k4 = k if k.ndim == 4 else k[None]
    if x4.shape[1] != k4.shape[1]:
        x_axis = "x.shape[1]" if x.ndim == 4 else "x.shape[0]"
        k_axis = "k.shape[1]" if k.ndim == 4 else "k.shape[0]"
        raise ValueError(
            f"channel mismatch: x has {x4.shape[1]} channels ({x_axis}, x of shape {x.shape}) "
            f"but k has {k4.shape[1]} ({k_axis}, k of shape {k.shape})"
        )
    lead = x.shape[:1] if x.ndim == 4 else ()
    lead += k.shape[:1] if k.ndim == 4 else ()
    return x4, k4, lead


def _canonical_transposed(y, k):
    """:func:`canonical` for transposed convolution: ``y`` has one channel per filter of ``k``."""
    if y.ndim == 2 and k.ndim == 2:
        return y[None, None], k[None, None], ()
    if y.ndim in (3, 4) and k.ndim == 4:
        y4 = y if y.ndim == 4 else y[None]
        if y4.shape[1] != k.shape[0]:
            raise ValueError(
                f"y has {y4.shape[1]} channels but k has {k.shape[0]} filters (k.shape[0]); they must match"
            )
        return y4, k, (y.shape[:1] if y.ndim == 4 else ()) + k.shape[1:2]
    raise ValueError(
        f"y and k must be (H, W) with (R, S), or (K, H, W) / (N, K, H, W) with (K, C, R, S); "
        f"got y of shape {y.shape} and k of shape {k.shape}"
    )


class Args(NamedTuple):
    """The arguments of one convolution or pooling call, checked, in canonical form.

    Returned by :func:`check_args`.  The entry points compute from these
    fields only, so no unchecked value reaches a method.
    """

    #: The caller's input as an ndarray (never a copy).
    x: np.ndarray
    #: The caller's kernel as an ndarray, or None for pooling and ``sliding_windows``.
    k: np.ndarray | None
    #: ``x`` as ``(N, C, H, W)`` for a convolution (a view); ``x`` itself otherwise.
    x4: np.ndarray
    #: ``k`` as ``(K, C, R, S)`` (a view), or None.
    k4: np.ndarray | None
    #: Axes of the result in front of ``(Ho, Wo)``.
    lead: tuple
    #: ``(R, S)``: the kernel's or the window's height and width.
    window: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    #: ``(Ho, Wo)``; for a transposed convolution, its output's size after cropping.
    out_hw: tuple


def check_canonical(x, k, why_inexact, kernel_axes="(K, C, R, S)"):
    """Check arrays given in the methods' canonical layout, for the algorithms that need floats.

    :func:`check_args` checks what a learner passes to :func:`convlab.conv2d`;
    the FFT and Winograd convolutions (:mod:`convlab.fourier`,
    :mod:`convlab.winograd`) are also called directly, on arrays already
    padded and in the layout of :mod:`convlab.methods`, and they cannot keep
    integers exact.  This is their one check.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
    k : numpy.ndarray, shape (K, C, R, S)
    why_inexact : str
        Why integers are refused, for the message ("an FFT cannot keep integers exact").
    kernel_axes : str, optional
        How the message writes ``k``'s axes.

    Raises
    ------
    TypeError
        If an argument is not an ndarray of floating-point or complex numbers.
    ValueError
        If an argument is not 4-D or the channels differ.

    Examples
    --------
    >>> check_canonical(np.ones((1, 2, 4, 4)), np.ones((3, 2, 2, 2)), "why")
    >>> check_canonical(np.ones((1, 2, 4, 4), dtype=int), np.ones((3, 2, 2, 2)), "an FFT rounds")
    Traceback (most recent call last):
    ...
    TypeError: x must hold floating-point or complex numbers, got dtype int64: an FFT rounds (convert with x.astype(float) or use conv2d)
    """  # noqa: E501 -- a doctest's expected output is one line
    for name, a, axes in (("x", x, "(N, C, H, W)"), ("k", k, kernel_axes)):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{name} must be a NumPy array {axes}, got {type(a).__name__}")
        if a.dtype.kind not in "fc":
            raise TypeError(
                f"{name} must hold floating-point or complex numbers, got dtype {a.dtype}: "
                f"{why_inexact} (convert with {name}.astype(float) or use conv2d)"
            )
        if a.ndim != 4:
            raise ValueError(f"{name} must have 4 dimensions {axes}, got shape {a.shape}")
    if x.shape[1] != k.shape[1]:
        raise ValueError(
            f"channel mismatch: x has {x.shape[1]} channels (x.shape[1], x of shape {x.shape}) "
            f"but k has {k.shape[1]} (k.shape[1], k of shape {k.shape})"
        )


def check_args(x, k=None, stride=1, padding=0, dilation=1, *, window=None, output_padding=None):
    """Check the arguments of any convlab entry point, once, in the order of its signature.

    One function for every kind of call, so that the same bad input gets the
    same error from every entry point:

    - a convolution, ``check_args(x, k, stride, padding, dilation)``
      (:func:`convlab.conv2d`, :func:`convlab.convolve2d`,
      :func:`convlab.conv2d_backward`, the pictures);
    - a transposed convolution, with ``output_padding`` (``x`` is then the
      ``y`` of :func:`convlab.conv_transpose2d`);
    - a window without a kernel, with ``window`` instead of ``k``
      (pooling and :func:`convlab.sliding_windows`, for any ``(..., H, W)``).

    The checks run in this order: the arrays are numeric and non-empty (and,
    for a window, ``x`` has two dimensions at least); the window, ``stride``,
    ``padding``, ``dilation`` and ``output_padding`` are ints or pairs in
    range; the shapes fit together (dimensions, channels); the kernel fits in
    the padded input.

    Parameters
    ----------
    x : array_like
        The input (``y`` of a transposed convolution).
    k : array_like, optional
        The kernel; omitted when ``window`` is given.
    stride, padding, dilation : int or pair of int, optional
        As in :func:`convlab.conv2d`.
    window : int or pair of int, optional
        A window's size, for calls without a kernel.
    output_padding : int or pair of int, optional
        Marks a transposed convolution; see :func:`convlab.conv_transpose2d`.

    Returns
    -------
    Args
        Every argument checked, arrays in canonical layout.

    Raises
    ------
    TypeError, ValueError
        With a message that names the argument and its value.

    Examples
    --------
    >>> args = check_args(np.ones((3, 8, 8)), np.ones((3, 3, 3)), stride=2, padding=1)
    >>> args.x4.shape, args.k4.shape, args.lead, args.stride, args.out_hw
    ((1, 3, 8, 8), (1, 3, 3, 3), (), (2, 2), (4, 4))
    >>> check_args(np.ones((3, 5, 5)), np.ones((2, 3, 3)))
    Traceback (most recent call last):
    ...
    ValueError: channel mismatch: x has 3 channels (x.shape[0], x of shape (3, 5, 5)) but k has 2 (k.shape[0], k of shape (2, 3, 3))
    >>> check_args(np.ones((4, 4)), window=2, stride=2).out_hw
    (2, 2)
    >>> check_args(np.ones((4, 4)), np.ones((2, 2)), window=2)
    Traceback (most recent call last):
    ...
    TypeError: give either a kernel k or a window, not both and not neither (k given, window=2)
    """  # noqa: E501 -- a doctest's expected output is one line
    transposed = output_padding is not None
    if (window is None) == (k is None):
        raise TypeError(
            "give either a kernel k or a window, not both and not neither"
            f" (k {'given' if k is not None else 'missing'}, window={window!r})"
        )
    x = check_numeric_array(x, "y" if transposed else "x")
    if window is None:
        k = check_numeric_array(k, "k")
    else:
        if x.ndim < 2:
            raise ValueError(f"x must have at least 2 dimensions (..., H, W), got shape {x.shape}")
        window = as_pair(window, "window", 1)
    raw = (stride, padding, dilation, output_padding)  # as given, for messages
    stride = as_pair(stride, "stride", 1)
    padding = as_pair(padding, "padding", 0)
    dilation = as_pair(dilation, "dilation", 1)
    if window is not None:  # pooling, sliding windows: any (..., H, W)
        out_hw = output_hw(x.shape[-2:], window, stride, padding, dilation)
        return Args(x, None, x, None, x.shape[:-2], window, stride, padding, dilation, out_hw)
    if transposed:
        given = dict(zip(("stride", "padding", "dilation", "output_padding"), raw))
        extra = _output_padding(output_padding, stride, dilation, given)
        x4, k4, lead = _canonical_transposed(x, k)
        out_hw = _transposed_hw(x4.shape[-2:], k4.shape[-2:], stride, padding, dilation, extra, given)
    else:
        x4, k4, lead = canonical(x, k)
        out_hw = output_hw(x4.shape[-2:], k4.shape[-2:], stride, padding, dilation)
    return Args(x, k, x4, k4, lead, k4.shape[-2:], stride, padding, dilation, out_hw)


def _output_padding(value, stride, dilation, given):
    """``output_padding`` as a pair, each entry smaller than the stride or the dilation of its axis."""
    extra = as_pair(value, "output_padding", 0)
    for axis in (0, 1):
        if extra[axis] >= max(stride[axis], dilation[axis]):
            raise ValueError(
                f"output_padding must be smaller than stride or dilation, got output_padding="
                f"{given['output_padding']!r} with stride={given['stride']!r}, dilation={given['dilation']!r}"
            )
    return extra


def _transposed_hw(y_hw, kernel_hw, stride, padding, dilation, extra, given):
    """Size of a transposed convolution's output: the input size of the forward convolution."""
    size = [(n - 1) * st - 2 * p + d * (r - 1) + e + 1
            for n, st, p, d, r, e in zip(y_hw, stride, padding, dilation, kernel_hw, extra)]
    if min(size) < 1:
        uncropped = [s + 2 * p for s, p in zip(size, padding)]
        raise ValueError(
            f"padding={given['padding']!r} crops away the whole output (size before cropping {uncropped})"
        )
    return tuple(size)


def sum_dtype(dtype):
    """The dtype a convolution or a mean adds its products in, for a result in ``dtype``.

    float16 holds values up to 65504 with three significant digits: a sum of
    many products can leave its range, or lose its small terms, although the
    result itself fits.  Sums of float16 values are therefore taken in float32
    and rounded to float16 once, at the end, as PyTorch does on the CPU.
    Every other dtype adds in itself (integers wrap around, as NumPy's do).

    Examples
    --------
    >>> sum_dtype(np.dtype(np.float16)), sum_dtype(np.dtype(np.float64)), sum_dtype(np.dtype(np.int8))
    (dtype('float32'), dtype('float64'), dtype('int8'))
    """
    return np.dtype(np.float32) if dtype == np.float16 else dtype
