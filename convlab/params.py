"""Convolution parameters: checking ``stride``, ``padding`` and ``dilation``.

Every public function of convlab accepts these three parameters as an int
(the same for rows and columns) or as a pair ``(rows, cols)``.  This module
turns them into pairs, rejects anything else with a message that names the
argument and its value, and computes the output size that follows from them.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_pair", "output_shape", "check_numeric_array"]


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
    if isinstance(value, np.ndarray):
        value = value.tolist()  # np.array(2) -> 2, np.array([1, 2]) -> [1, 2]
    if _is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(
                f"{name} must be an int or a pair (rows, cols), got {len(value)} values: {value!r}"
            )
        if not all(_is_int(v) for v in value):
            raise TypeError(f"{name} must hold integers, got {value!r}")
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be an int or a pair of ints (rows, cols), got {value!r}")
    if min(pair) < minimum:
        shown = pair[0] if _is_int(value) else value
        raise ValueError(f"{name} must be >= {minimum}, got {shown!r}")
    return pair


def _is_int(value):
    # bool is an int subclass, but stride=True is a mistake, not a stride of 1.
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


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
    return _output_shape((h, w), (r, s), strides, pads, dils)


def _output_shape(input_hw, kernel_hw, strides, pads, dils):
    """:func:`output_shape` for arguments that are already checked pairs."""
    out = []
    for axis, size, k, st, p, d in zip(("rows", "cols"), input_hw, kernel_hw, strides, pads, dils):
        span = d * (k - 1) + 1
        if span > size + 2 * p:
            raise ValueError(
                f"kernel too large: along {axis} the kernel covers {span} "
                f"(size {k}, dilation {d}) but the padded input has only "
                f"{size + 2 * p} (size {size}, padding {p} per side)"
            )
        out.append((size + 2 * p - span) // st + 1)
    return tuple(out)


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
