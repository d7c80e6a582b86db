"""The parts every task is made of: cases, mistakes, rules, inputs.

A :class:`Task` is one thing a learner writes (a function such as
``conv2d_loops``, or a value such as ``output_sizes``).  It has a reference
answer computed by :mod:`convlab`, a few :class:`Case` objects (the
sub-checks, each worth some points), the :class:`Mistake` objects a wrong
answer is compared with, so the learner reads *which* mistake it looks
like, and a :class:`~convlab.grading.deciding.rules.Rule` saying what the answer may
and may not call.

A case describes its inputs (shapes, dtypes, layouts), not their values:
:meth:`Case.build` draws the values from a random generator.  The notebook's
``check()`` passes a generator seeded from the task's name, so its feedback
is the same on every run; the grader passes one seeded afresh for every
grading run, so no answer can be looked up in advance.

Examples
--------
>>> import numpy as np
>>> case = Case("3×4 floats, 2×2 kernel", (floats(3, 4), floats(2, 2)))
>>> x, k = case.build(np.random.default_rng(0))
>>> x.shape, k.shape
((3, 4), (2, 2))
>>> np.array_equal(case.build(fixed_rng("demo", 0))[0], case.build(fixed_rng("demo", 0))[0])
True
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..deciding.rules import Rule

import convlab
from convlab.windows import memory_owner

__all__ = [
    "Case", "Mistake", "ErrorHint", "Task", "Rule", "DIFFICULTY_STARS", "REQUIREMENT_HINTS",
    "floats", "ints", "sizes", "transposed", "every_other_column", "fixed_rng", "fresh_rng",
    "ConvLoss", "conv_task", "mistake", "or_none", "flip", "view_requirement", "view_of",
    "KERNEL_FLIPPED", "KERNEL_NOT_FLIPPED", "STRIDE_IGNORED", "DILATION_IGNORED", "TOTAL_PADDING",
    "STRIDES_FROM_SHAPE", "c_order_windows",
]

#: Hints of the requirements some cases verify besides the value (a view, a memory bound).
REQUIREMENT_HINTS = ("copy-not-view", "writeable-view", "strides-from-shape", "memory-bound")

#: How each difficulty is shown in the notebooks (readable without colour).
DIFFICULTY_STARS = {"easy": "★☆☆", "medium": "★★☆", "hard": "★★★"}


@dataclass(frozen=True)
class Case:
    """One sub-check: what its inputs look like, and what it is worth.

    Parameters
    ----------
    label : str
        What the sub-check tries, in the learner's words ("6×7 floats, 3×3 kernel").
    args : tuple or callable
        The positional arguments: each a function of a random generator
        (:func:`floats`, :func:`ints`, ...) or a plain value used as it is;
        or one function of a random generator returning them all, for
        arguments that depend on each other (a kernel with the input's channels).
    kwargs : dict
        Keyword arguments that are plain values.
    points : int
        What passing the sub-check is worth.
    verify : callable, optional
        ``verify(got, args, kwargs, facts)`` returns None or ``(message,
        hint_id, hint)`` for a requirement beyond the value (a view rather
        than a copy, memory under a limit).  ``facts`` holds what the probe
        observed: for an array answer ``shares``, ``writeable``, ``strides``;
        ``peak`` when measured.
    compare_value : bool
        Whether to compare the answer with the reference (False when
        ``verify`` is the whole sub-check).
    measure : {None, "peak-memory"}
        Something the probe measures while the answer runs.
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    points: int = 1
    verify: Callable | None = None
    compare_value: bool = True
    measure: str | None = None

    def build(self, rng):
        """The positional arguments, drawn from ``rng``."""
        if callable(self.args):
            return tuple(self.args(rng))
        return tuple(spec(rng) if callable(spec) else spec for spec in self.args)


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer and the hint for it.

    Parameters
    ----------
    id : str
        A short name ("kernel-flipped"); tests and reports use it.
    hint : str
        What the learner should read: what went wrong and how to fix it.
    answer : callable
        Same arguments as the task's reference; returns what code with this
        mistake would return (None when the mistake cannot happen on these inputs).
    """

    id: str
    hint: str
    answer: Callable[..., Any]


@dataclass(frozen=True)
class ErrorHint:
    """A known mistake that shows as an error, and the hint for it.

    Parameters
    ----------
    id : str
        A short name ("inf-in-integers"); tests and reports use it.
    error : str
        A regular expression searched in the error as the learner sees it,
        ``"TypeName: message"``.
    hint : str
        What the learner should read: why the error happens and how to avoid it.

    Examples
    --------
    >>> known = ErrorHint("inf-in-integers", r"OverflowError: cannot convert float infinity", "...")
    >>> known.matches("OverflowError: cannot convert float infinity to integer")
    True
    """

    id: str
    error: str
    hint: str

    def matches(self, error):
        import re

        return isinstance(error, str) and re.search(self.error, error) is not None


@dataclass(frozen=True)
class Task:
    """One graded task of an exercise notebook.

    Parameters
    ----------
    name : str
        The task's name, which is also the name of what the learner defines.
    exercise : str
        The notebook it belongs to, e.g. ``"01_loops"``.
    title : str
        A short title for reports.
    difficulty : {"easy", "medium", "hard"}
    kind : {"function", "value"}
        Whether the learner writes a function (called with each case's
        inputs) or a value (each case looks at part of it).
    reference : callable
        ``reference(*args, **kwargs)``: the right answer, from convlab.
    cases : tuple of Case
    mistakes : tuple of Mistake
    rule : Rule, optional
        What the answer may and may not call; stated in the task's text.
    apply : callable, optional
        For value tasks: ``apply(value, *args, **kwargs)`` gives what the
        learner's value answers for one case.
    params : tuple of str
        Names of the positional arguments, for messages ("changed its input x").
    axes : tuple of str, optional
        Names of the result's axes, for the "axes in the wrong order" hint.
    time_limit : float, optional
        Seconds one call may run, when the task needs more than the grader's
        ``--call-timeout`` (training a network, say).
    exact_dtype : bool
        Whether an integer result must come back as integers (the task asks for
        ``np.result_type(x, k)``, or to keep the input's dtype).
    errors : tuple of ErrorHint
        Known mistakes that raise an error rather than return a wrong value.
    """

    name: str
    exercise: str
    title: str
    difficulty: str
    kind: str
    reference: Callable[..., Any]
    cases: tuple
    mistakes: tuple = ()
    rule: Rule | None = None
    apply: Callable | None = None
    params: tuple = ()
    axes: tuple | None = None
    time_limit: float | None = None
    exact_dtype: bool = False
    errors: tuple = ()

    @property
    def max_points(self):
        return sum(case.points for case in self.cases)


# --- random inputs --------------------------------------------------------------------------------


def fixed_rng(task, index):
    """The generator ``check()`` uses for a case: the same on every run."""
    return np.random.default_rng(zlib.crc32(f"{task}:{index}".encode()))


def fresh_rng(run_seed, task, index):
    """The generator the grader uses for a case, from the seed of one grading run."""
    return np.random.default_rng([run_seed, zlib.crc32(f"{task}:{index}".encode())])


# Floats are rounded to two decimals so that small answers are easy to read side by side.
def floats(*shape, dtype="float64"):
    """Uniform floats in [-1, 1) of ``shape``."""
    return lambda rng: rng.uniform(-1, 1, shape).round(2).astype(dtype)


def ints(*shape, low=-3, high=4):
    """Integers in [low, high) of ``shape``."""
    return lambda rng: rng.integers(low, high, shape)


def sizes(*ranges):
    """A tuple of ints, one drawn from each ``(low, high)`` range (high excluded)."""
    return lambda rng: tuple(int(rng.integers(low, high)) for low, high in ranges)


def transposed(spec, axes=None):
    """The same values seen through a transposed view (not C-contiguous)."""
    return lambda rng: np.transpose(spec(rng), axes)


def every_other_column(spec):
    """A view of every other column: a stride twice the item size."""
    return lambda rng: spec(rng)[..., ::2]


class ConvLoss:
    """``L(x) = sum(conv2d(x, k)**2) / 2``: a function input, with its exact gradient.

    The learner's kernel gets a plain NumPy function computing the same
    loss (:data:`convlab.grading.plain.CALLABLES`); the judge uses
    :meth:`gradient`, computed by convlab in its own process.
    """

    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return float((convlab.conv2d(x, self.k) ** 2).sum() / 2)

    def gradient(self, x):
        return convlab.conv2d_backward(x, self.k, convlab.conv2d(x, self.k))[0]

    def encode_input(self):
        from ..plain import encode_input

        return {"__callable__": "half_squared_correlation", "args": [encode_input(self.k)]}

    def __repr__(self):
        return f"L(x) = sum(conv2d(x, k)**2) / 2 with k of shape {self.k.shape}"


# --- requirements besides the value -------------------------------------------------------------


def view_of(reference, strides=True):
    """A ``verify`` for a view task whose right answer is the view ``reference(*args, **kwargs)``.

    The answer must share x's memory, be read-only and (with ``strides``) step
    through memory as the reference does.  Without ``strides``, a view that
    steps wrongly is left to the comparison of values, where the task's own
    mistakes can tell which wrong step it took.
    """

    def verify(got, args, kwargs, facts):
        return _view_problem(got, facts, reference(*args, **kwargs), strides)

    return verify


def view_requirement(got, args, kwargs, facts):
    """A window view must share x's memory, be read-only and step by x's own strides."""
    return _view_problem(got, facts, convlab.sliding_windows(*args, **kwargs))


def _view_problem(got, facts, expected, strides=True):
    if not facts or not facts.get("shares") or not facts["shares"][0]:
        return (
            "your result is a copy, not a view of x",
            "copy-not-view",
            "A copy of all windows can take R×S times the memory of x. Return the view "
            "as_strided gives, without np.array/np.copy/ascontiguousarray.",
        )
    if facts.get("writeable"):
        return (
            "your view is writeable",
            "writeable-view",
            "Neighbouring windows share elements, so a write through the view changes several "
            "windows at once. Pass writeable=False to as_strided.",
        )
    steps = [s for s, n in zip(facts.get("strides", []), expected.shape) if n > 1]
    right = [s for s, n in zip(expected.strides, expected.shape) if n > 1]
    if strides and tuple(np.shape(got)) == expected.shape and steps != right:
        return (
            f"your view's strides are {tuple(facts['strides'])}, expected {expected.strides}",
            "strides-from-shape",
            STRIDES_FROM_SHAPE[1],
        )
    return None


def c_order_windows(x, window, stride=(1, 1), dilation=(1, 1)):
    """Windows made with strides computed from ``x.shape``, as if ``x`` were C-contiguous.

    This is what a view with ``strides = (W*itemsize, itemsize)`` (and the
    leading axes' strides worked out the same way) gives for an ``x`` that is
    not C-contiguous: the windows read ``x``'s memory in the wrong places.
    The result reads memory only inside ``x``'s owner, as a copy of shape
    ``x.shape[:-2] + (Ho, Wo, R, S)``, or is None when such a view would
    reach past it: the judge uses it only to recognise the mistake.
    """
    *lead, h, w = x.shape
    steps = [x.itemsize]
    for n in reversed(x.shape[1:]):
        steps.insert(0, steps[0] * n)
    ho, wo = convlab.output_shape((h, w), window, stride, 0, dilation)
    owner = memory_owner(x)
    if not (owner.flags.c_contiguous or owner.flags.f_contiguous):
        return None
    start = x.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    flat = owner.ravel(order="A").view(np.uint8)[start:]
    row, col = steps[-2:]
    shape = tuple(lead) + (ho, wo) + tuple(window)
    strides = tuple(steps[:-2]) + (stride[0] * row, stride[1] * col, dilation[0] * row, dilation[1] * col)
    needed = sum((n - 1) * s for n, s in zip(shape, strides)) + x.itemsize
    if start < 0 or needed > flat.nbytes:
        return None
    flat = flat[: flat.nbytes // x.itemsize * x.itemsize].view(x.dtype)
    return np.lib.stride_tricks.as_strided(flat, shape, strides, writeable=False).copy()


# --- mistakes shared by several tasks ---------------------------------------------------------------

KERNEL_FLIPPED = (
    "kernel-flipped",
    "These are the values of the kernel turned by 180°. conv2d slides k as it is "
    "(cross-correlation): multiply x[i + r, j + s] by k[r, s], not by k[R-1-r, S-1-s].",
)
KERNEL_NOT_FLIPPED = (
    "kernel-not-flipped",
    "These are the values of conv2d, with the kernel as it is. Convolution turns the "
    "kernel by 180° first: use k[::-1, ::-1] (both axes).",
)
STRIDE_IGNORED = (
    "stride-ignored",
    "Your result is what stride 1 gives: the stride was ignored. With stride s the "
    "window for output (i, j) starts at row i*s and column j*s.",
)
DILATION_IGNORED = (
    "dilation-ignored",
    "Your result is what dilation 1 gives: the dilation was ignored. With dilation d the "
    "taps of one window are d apart: rows i*s + r*d.",
)
TOTAL_PADDING = (
    "total-padding",
    "You padded as if padding counted both sides together (d2l's p_h). Here padding is "
    "per side: padding=1 adds one row of zeros at the top AND one at the bottom.",
)
STRIDES_FROM_SHAPE = (
    "strides-from-shape",
    "Your strides were computed from the shape, as if x were C-contiguous. This input is "
    "a transposed or sliced view, whose steps in memory are different: take them from "
    "x.strides.",
)


def mistake(pair, answer):
    """A :class:`Mistake` from one of the shared ``(id, hint)`` pairs above."""
    return Mistake(pair[0], pair[1], answer)


def or_none(f):
    """``f`` for a mistake that cannot happen on some inputs: None where ``f`` raises ValueError."""

    def safe(*args):
        try:
            return f(*args)
        except ValueError:  # that mistake cannot happen with these sizes
            return None

    return safe


def flip(k):
    """The kernel turned by 180° in its two spatial axes."""
    return k[..., ::-1, ::-1]


# --- the many convolution tasks ---------------------------------------------------------------------


def conv_task(name, exercise, title, difficulty, cases, *, rule, axes, params=("x", "k"),
              reference=None, mistakes=None, points=None, exact_dtype=False):
    """A task whose answer is ``conv2d(x, k)``: cases as ``(label, x spec, k spec)``.

    Parameters
    ----------
    name, exercise, title, difficulty
        As in :class:`Task`.
    cases : list of tuple
        ``(label, x, k)`` with ``x`` and ``k`` input specs.
    rule : Rule
    axes : tuple of str
        Names of the result's axes.
    params : tuple of str, optional
    reference : callable, optional
        Defaults to ``convlab.conv2d(x, k)``.
    mistakes : tuple of Mistake, optional
        Defaults to the flipped kernel.
    points : list of int, optional
        Points per case (1 each by default).
    exact_dtype : bool, optional
        See :class:`Task`.

    Returns
    -------
    Task
    """
    reference = reference or (lambda x, k: convlab.conv2d(x, k))
    if mistakes is None:
        mistakes = (mistake(KERNEL_FLIPPED, lambda x, k: reference(x, flip(k))),)
    points = points or [1] * len(cases)
    return Task(
        name=name, exercise=exercise, title=title, difficulty=difficulty, kind="function",
        params=params, axes=axes, reference=reference, rule=rule, mistakes=tuple(mistakes), exact_dtype=exact_dtype,
        cases=tuple(Case(label, (x, k), points=p) for (label, x, k), p in zip(cases, points)),
    )
