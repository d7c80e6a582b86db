"""Which method computes a convolution: the methods by name, and the rule ``method="auto"`` follows.

:data:`REGISTRY` holds every method :func:`convlab.conv2d` accepts for
``method``: its function in :mod:`convlab.methods` or :mod:`convlab.fast` and
its capabilities (:class:`Method`).
:func:`choose_method` is the rule that picks one of them for
``method="auto"``, from the shapes alone, or, with ``measure=True``, by
timing the candidates on the caller's own arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from . import fast, methods
from .params import as_pair, check_args, output_hw, sum_dtype
from .timing import compare
from .windows import pad_hw

__all__ = ["CANDIDATES", "IMPLEMENTATIONS", "METHODS", "Method", "REGISTRY", "SMALL_BYTES", "check_method",
           "choose_method"]

@dataclass(frozen=True)
class Method:
    """One way ``conv2d`` computes the sum, and what it can be trusted with.

    Tests and benchmarks choose methods by these capabilities, never by name,
    so a new method is tested and timed as soon as it is registered.

    Attributes
    ----------
    name : str
        What ``conv2d`` accepts for ``method``.
    function : callable
        ``function(x, k, stride, dilation)`` on canonical arguments (see
        :mod:`convlab.methods`).
    slow : bool
        Python loops, one multiply-add at a time: for small inputs only.
    bounded_memory : bool
        Its working memory does not grow with the window matrix
        (``N*C*R*S*Ho*Wo`` elements).
    products : bool
        The sum is taken as 2-D matrix products of windows by kernels (BLAS's
        GEMM for floats), the form the fast methods share.
    candidate : bool
        ``method="auto"`` chooses among these (:data:`CANDIDATES`).

    Examples
    --------
    >>> [name for name, m in REGISTRY.items() if m.bounded_memory and not m.slow]
    ['blocked', 'mec', 'shift_add']
    """

    name: str
    function: Callable
    slow: bool = False
    bounded_memory: bool = False
    products: bool = False
    candidate: bool = False


#: Every method by name, with its capabilities.  Read-only.
REGISTRY = MappingProxyType({m.name: m for m in (
    Method("loops", methods.conv_loops, slow=True, bounded_memory=True),
    Method("tensordot", methods.conv_tensordot),
    Method("einsum", methods.conv_einsum),
    Method("im2col", methods.conv_im2col, products=True, candidate=True),
    Method("blocked", fast.conv_blocked, bounded_memory=True, products=True, candidate=True),
    Method("mec", fast.conv_mec, bounded_memory=True, products=True, candidate=True),
    Method("shift_add", methods.conv_shift_add, bounded_memory=True, products=True),
)})

#: Every method by name: the function that computes it on canonical arguments.  Read-only.
IMPLEMENTATIONS = MappingProxyType({name: m.function for name, m in REGISTRY.items()})

#: Names ``conv2d`` accepts for ``method`` besides ``"auto"``.
METHODS = tuple(REGISTRY)

#: The methods ``method="auto"`` chooses among: the fast ones whose memory stays
#: bounded or small (``benchmarks/choose.py`` times them).
CANDIDATES = tuple(name for name, m in REGISTRY.items() if m.candidate)

#: Window matrices up to this many bytes are built whole, by ``"im2col"``.
SMALL_BYTES = 256 * 2**10

#: ``choose_method(measure=True)`` times each candidate in this many rounds, of batches of at least
#: :data:`MEASURE_SECONDS` seconds.
MEASURE_ROUNDS = 3
MEASURE_SECONDS = 0.005


def check_method(method):
    """``method`` if ``conv2d`` accepts it, else an error naming the choices.

    Examples
    --------
    >>> check_method("mec")
    'mec'
    >>> check_method("fast")
    Traceback (most recent call last):
    ...
    ValueError: method must be 'auto' or one of ('loops', 'tensordot', 'einsum', 'im2col', 'blocked', 'mec', 'shift_add'), got 'fast'
    """  # noqa: E501 -- a doctest's expected output is one line
    if isinstance(method, str) and (method == "auto" or method in IMPLEMENTATIONS):
        return method
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, 'auto' or one of {METHODS}, got {method!r}")
    raise ValueError(f"method must be 'auto' or one of {METHODS}, got {method!r}")


def choose_method(x, k, dtype=None, *, stride=1, padding=0, dilation=1, measure=False):
    """The method ``conv2d(x, k, ..., method="auto")`` uses, or with ``measure=True`` the fastest here.

    Without ``measure``, the choice follows a rule on the shapes, made from
    measurements (``benchmarks/choose.py`` times the candidates on a grid of
    shapes and records how much slower the rule's choice is than the
    fastest; ``benchmarks/results/choose.md``; the rule was made on a quiet
    run of 324 shapes, without dilation, before ``"blocked"`` copied from
    column phases):

    - a 1x1 kernel goes to ``"blocked"``, which multiplies the input itself,
      without copying it, with stride 1; with a larger stride its window
      matrix, every stride-th value of the input, goes to ``"im2col"`` when
      it fits in one of ``"blocked"``'s blocks (:data:`convlab.fast.BLOCK_BYTES`);
    - a small problem, whose whole window matrix fits in :data:`SMALL_BYTES`,
      goes to ``"im2col"``: it takes the fewest Python steps;
    - few kernels (``K < 32``) go to ``"mec"``: there the matrix product is
      cheap and copying windows is most of the work, and MEC copies ``R``
      times less;
    - many kernels go to ``"blocked"``: the product dominates, and large
      products keep BLAS busiest.

    ``"blocked"`` bounds its temporary memory to
    :data:`convlab.fast.BLOCK_BYTES` and ``"mec"`` to
    :data:`convlab.fast.STRIP_BYTES`, so ``"auto"`` builds a whole window
    matrix only when it is small, or no larger than one of those blocks.

    Parameters
    ----------
    x, k : array_like, or tuple of int
        The input and the kernels, in any layout :func:`convlab.conv2d`
        accepts.  Or only their shapes, as ``conv2d`` passes them: the
        padded input ``(N, C, H, W)`` and the kernels ``(K, C, R, S)``, as
        tuples (a tuple of ints is always read as a shape).
    dtype : numpy.dtype, optional
        The dtype of the result.  Default: ``np.result_type(x, k)`` for
        arrays, float64 for shapes.  (float16 is summed in float32, and
        chosen for as float32.)
    stride, padding, dilation : int or pair of int, optional
        As in :func:`convlab.conv2d`; used with arrays.
    measure : bool, optional
        If True, run every method of :data:`CANDIDATES` on ``x`` and ``k``
        and return the fastest, with the times.  Needs the arrays.

    Returns
    -------
    method : str
        One of :data:`METHODS`.
    times : dict of str to float
        Only with ``measure=True``: each candidate's best time per call, in
        seconds.

    Raises
    ------
    TypeError, ValueError
        For arguments :func:`convlab.conv2d` rejects, for shapes that are
        not four ints each, and for ``measure=True`` with shapes.

    See Also
    --------
    convlab.conv2d : computes with the chosen method.

    Notes
    -----
    **What is timed.** With ``measure=True`` the candidates are timed by
    :func:`convlab.timing.compare`, the course's one timing loop: each runs
    once to warm up, then in turns with the others, :data:`MEASURE_ROUNDS`
    rounds of batches of at least :data:`MEASURE_SECONDS`; the best time per
    call counts.  They run with the thread settings of the caller, as
    ``conv2d`` will (``compare``'s ``threads=None``).  The candidates
    are timed on the arrays as every method receives them (checked, padded,
    in canonical layout), so the time ``conv2d`` spends before and after the
    method, the same for all, is left out.  Timings depend on the machine,
    its load and its BLAS threads: measure where you will compute.

    **Accuracy.** Every method adds up the same products; only the grouping
    and the order of the additions differ.  Floating-point results therefore
    agree to rounding: relative differences of a few units of the dtype's
    precision times the square root of the number of terms ``C*R*S``.
    Integer results are exact and agree exactly (overflow wraps around in
    every method alike).  float16 inputs are summed in float32 by every
    method and rounded to float16 once.

    Examples
    --------
    >>> choose_method((1, 2, 4, 4), (1, 2, 2, 2), np.dtype(np.float64))
    'im2col'
    >>> choose_method((1, 1, 512, 512), (1, 1, 11, 11), np.dtype(np.float32))
    'mec'
    >>> choose_method((8, 64, 58, 58), (64, 64, 3, 3), np.dtype(np.float32))
    'blocked'
    >>> [choose_method((16, 64, 32, 32), (128, 64, 1, 1), np.dtype(np.float32), stride=s) for s in (1, 2)]
    ['blocked', 'im2col']

    With arrays, in any layout ``conv2d`` takes, and with the padding:

    >>> rng = np.random.default_rng(0)
    >>> x, k = rng.standard_normal((3, 64, 64)), rng.standard_normal((8, 3, 5, 5))
    >>> choose_method(x, k, padding=2)
    'mec'
    >>> fastest, times = choose_method(x, k, padding=2, measure=True)
    >>> fastest in CANDIDATES, sorted(times) == sorted(CANDIDATES)
    (True, True)
    """
    if type(x) is tuple and type(k) is tuple:  # shapes, as conv2d passes them
        if measure:
            raise TypeError("measure=True times the methods on the arrays themselves: pass x and k, not their shapes")
        itemsize = 8 if dtype is None else sum_dtype(dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)).itemsize
        stride = as_pair(stride, "stride", 1)
        try:
            if len(x) == len(k) == 4 and min(x) >= 1 and min(k) >= 1:
                return _rule(x, k, itemsize, stride)
        except TypeError:  # not numbers
            pass
        raise ValueError(f"shapes must be four positive ints each, (N, C, H, W) and (K, C, R, S), got {x!r} and {k!r}")
    args = check_args(x, k, stride, padding, dilation)
    dtype = sum_dtype(np.result_type(args.x, args.k) if dtype is None else np.dtype(dtype))
    x4 = pad_hw(args.x4.astype(dtype, copy=False), args.padding)
    k4 = args.k4.astype(dtype, copy=False)
    if not measure:
        return _rule(x4.shape, k4.shape, dtype.itemsize, args.stride)
    times = _time_candidates(x4, k4, args.stride, args.dilation)
    return min(times, key=times.get), times


def _rule(x_shape, k_shape, itemsize, stride=(1, 1)):
    """:func:`choose_method` on canonical padded shapes: the rule alone."""
    n_images, channels, height, width = x_shape
    n_kernels, _, rows, cols = k_shape
    if rows * cols == 1:
        if stride == (1, 1):
            return "blocked"  # the input itself is the window matrix: nothing is copied
        # Every stride-th value of the input, a matrix smaller than the input: built whole when it
        # fits in one of blocked's blocks (what blocked would do, in more Python steps)
        ho, wo = output_hw((height, width), (1, 1), stride, (0, 0), (1, 1))
        return "im2col" if n_images * channels * ho * wo * itemsize <= fast.BLOCK_BYTES else "blocked"
    # the window matrix at stride 1 and dilation 1: an upper bound for any stride and dilation
    window_bytes = n_images * channels * rows * cols * (height - rows + 1) * (width - cols + 1) * itemsize
    if window_bytes <= SMALL_BYTES:
        return "im2col"
    if n_kernels < 32:
        return "mec"
    return "blocked"


def _time_candidates(x4, k4, stride, dilation):
    """Best seconds per call of every candidate on these canonical arrays, timed in turns."""
    calls = {name: (lambda f=IMPLEMENTATIONS[name]: f(x4, k4, stride, dilation)) for name in CANDIDATES}
    return compare(calls, rounds=MEASURE_ROUNDS, min_time=MEASURE_SECONDS, threads=None).seconds
