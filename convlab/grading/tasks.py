"""The graded tasks of the exercise notebooks: what each checks and what each mistake means.

A :class:`Task` is one thing a learner writes (a function such as
``conv2d_loops``, or a value such as ``output_sizes``).  It has a reference
answer computed by :mod:`convlab`, a few :class:`Case` objects (the
sub-checks, each worth some points, each on inputs built from a fixed seed
so every run sees the same numbers) and the :class:`Mistake` objects the
checker compares a wrong answer against, so it can say *which* mistake an
answer looks like.

Mistakes every array task can make (output one row short, axes in the wrong
order, fractions lost to an integer dtype, an input modified) are recognised
by :mod:`convlab.grading.checker` itself; a task lists only the ones that
need its own arithmetic, such as a flipped kernel or an ignored stride.

Examples
--------
>>> task = TASKS["conv2d_loops"]
>>> task.exercise, task.difficulty, task.max_points
('01_loops', 'easy', 4)
>>> [t.name for t in tasks_for("00_start_here")]
['output_sizes', 'top_left']
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import convlab

__all__ = ["Case", "Mistake", "Task", "TASKS", "EXERCISES", "tasks_for", "DIFFICULTY_STARS", "REQUIREMENT_HINTS"]

#: Hints of the requirements some cases verify besides the value (a view, a memory bound).
REQUIREMENT_HINTS = ("copy-not-view", "writeable-view", "memory-bound")

#: How each difficulty is shown in the notebooks (readable without colour).
DIFFICULTY_STARS = {"easy": "★☆☆", "medium": "★★☆", "hard": "★★★"}


@dataclass(frozen=True)
class Case:
    """One sub-check: inputs, points and, rarely, a requirement of its own.

    Parameters
    ----------
    label : str
        What the sub-check tries, in the learner's words ("6×7 floats, 3×3 kernel").
    inputs : callable
        ``inputs()`` builds the positional arguments, afresh on every call and
        identical every time (a fixed seed), so the checker can hand the
        learner a copy nobody else holds and later see whether it changed.
    kwargs : dict
        Keyword arguments that are not arrays.
    points : int
        What passing the sub-check is worth.
    run : callable, optional
        ``run(answer, *args, **kwargs)`` replaces the task's ``apply`` for this
        case (the memory-bound case measures while it calls).
    verify : callable, optional
        ``verify(got, args, kwargs)`` returns ``None`` or ``(message, hint_id,
        hint)`` for a requirement beyond the value: a view rather than a copy,
        memory under a limit.  When given with ``compare_value=False`` it is
        the whole sub-check.
    compare_value : bool
        Whether to compare ``got`` with the reference answer.
    """

    label: str
    inputs: Callable[[], tuple] = lambda: ()
    kwargs: dict = field(default_factory=dict)
    points: int = 1
    run: Callable | None = None
    verify: Callable | None = None
    compare_value: bool = True


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer and the hint for it.

    Parameters
    ----------
    id : str
        A short name ("kernel-flipped"); tests and records use it.
    hint : str
        What the learner should read: what went wrong and how to fix it.
    answer : callable
        Same arguments as the task's reference; returns what code with this
        mistake would return.  The checker shows the hint when the learner's
        answer equals it (and it differs from the right answer).
    """

    id: str
    hint: str
    answer: Callable[..., Any]


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
    apply : callable, optional
        ``apply(answer, *args, **kwargs)`` gives what the learner's answer
        produces for a case; defaults to ``answer(*args, **kwargs)``.
    params : tuple of str
        Names of the positional arguments, for messages ("changed its input x").
    axes : tuple of str, optional
        Names of the result's axes, for the "axes in the wrong order" hint.
    """

    name: str
    exercise: str
    title: str
    difficulty: str
    kind: str
    reference: Callable[..., Any]
    cases: tuple
    mistakes: tuple = ()
    apply: Callable | None = None
    params: tuple = ()
    axes: tuple | None = None

    @property
    def max_points(self):
        return sum(case.points for case in self.cases)


# --- building inputs ---------------------------------------------------------------------------
# Each helper returns a function of a random generator; ``inputs(seed, ...)``
# turns a few of them into a Case's ``inputs``.  Floats are rounded to two
# decimals so that small answers are easy to read side by side.


def floats(*shape, dtype="float64"):
    return lambda rng: rng.uniform(-1, 1, shape).round(2).astype(dtype)


def ints(*shape, low=-3, high=4):
    return lambda rng: rng.integers(low, high, shape)


def transposed(spec, axes=None):
    """The same values seen through a transposed view (not C-contiguous)."""
    return lambda rng: np.transpose(spec(rng), axes)


def every_other_column(spec):
    """A view of every other column: a stride twice the item size."""
    return lambda rng: spec(rng)[..., ::2]


def inputs(seed, *specs):
    """A Case's ``inputs``: arrays from ``specs``, identical on every call."""

    def build():
        rng = np.random.default_rng(seed)
        return tuple(spec(rng) if callable(spec) else spec for spec in specs)

    return build


def _seed(name, i):
    return zlib.crc32(f"{name}:{i}".encode())


def _part(answer, index, what):
    """``answer[index]``, for value tasks, with a message a learner can act on."""
    try:
        return answer[index]
    except (TypeError, IndexError, KeyError):
        raise TypeError(f"{what}; item {index} is missing in {answer!r}") from None


def _flip(k):
    return k[..., ::-1, ::-1]


def _c_order_view(x, window, stride=(1, 1), dilation=(1, 1)):
    """Windows made with strides computed from ``x.shape`` as if ``x`` were C-contiguous.

    This is what ``strides = (W*itemsize, itemsize)`` gives for a view that is
    not C-contiguous.  The result reads ``x``'s memory only where that is safe
    to show: the checker uses it only to recognise the mistake.
    """
    h, w = x.shape[-2:]
    row, col = w * x.itemsize, x.itemsize
    ho, wo = convlab.output_shape((h, w), window, stride, 0, dilation)
    # Read the buffer x points into, from x's first element on, never past its end.
    flat = np.ascontiguousarray(x).reshape(-1) if x.flags.c_contiguous else _memory_of(x)
    shape = (ho, wo) + tuple(window)
    strides = (stride[0] * row, stride[1] * col, dilation[0] * row, dilation[1] * col)
    needed = sum((n - 1) * s for n, s in zip(shape, strides)) + x.itemsize
    if needed > flat.nbytes:
        return None
    return np.lib.stride_tricks.as_strided(flat, shape, strides, writeable=False).copy()


def _memory_of(x):
    """The buffer ``x`` views, as items of ``x.dtype`` in memory order from ``x``'s first element."""
    owner = x
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    if not (owner.flags.c_contiguous or owner.flags.f_contiguous):
        return np.empty(0, x.dtype)
    start = np.lib.array_utils.byte_bounds(x)[0] - np.lib.array_utils.byte_bounds(owner)[0]
    flat = owner.ravel(order="K").view(np.uint8)[start:]
    usable = flat.nbytes // x.itemsize * x.itemsize
    return flat[:usable].view(x.dtype)


# --- mistakes shared by several tasks ---------------------------------------------------------

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


def _mistake(pair, answer):
    return Mistake(pair[0], pair[1], answer)


# --- 00 start here ------------------------------------------------------------------------------

_SIZE_PROBLEMS = [  # (input_hw, kernel_hw, stride, padding), as the notebook states them
    ((6, 6), (3, 3), 1, 0),
    ((7, 7), (3, 3), 2, 0),
    ((5, 6), (3, 3), 1, 2),
]
_SIZE_LABELS = [
    "6×6 input, 3×3 kernel",
    "7×7 input, 3×3 kernel, stride 2",
    "5×6 input, 3×3 kernel, padding 2",
]
_SIZES_WHAT = "output_sizes should be a list of three (rows, cols) pairs, one per problem"


def _size_case(i):
    hw, k, stride, padding = _SIZE_PROBLEMS[i]
    return Case(_SIZE_LABELS[i], inputs(0, hw, k), {"stride": stride, "padding": padding, "index": i})


def _size_formula(plus_one=True, total_padding=False, ignore_stride=False):
    def sizes(hw, k, stride, padding, index):
        pad = padding if total_padding else 2 * padding
        step = 1 if ignore_stride else stride
        return tuple((n + pad - r) // step + plus_one for n, r in zip(hw, k))

    return sizes


_output_sizes = Task(
    name="output_sizes",
    exercise="00_start_here",
    title="output sizes by hand",
    difficulty="easy",
    kind="value",
    reference=lambda hw, k, stride, padding, index: convlab.output_shape(hw, k, stride, padding),
    apply=lambda answer, hw, k, stride, padding, index: _part(answer, index, _SIZES_WHAT),
    cases=tuple(_size_case(i) for i in range(3)),
    mistakes=(
        Mistake(
            "off-by-one",
            "Off by one: forgot the +1. A window of R rows first fits at row 0 and last at "
            "row H - R, which is H - R + 1 positions.",
            _size_formula(plus_one=False),
        ),
        _mistake(STRIDE_IGNORED, _size_formula(ignore_stride=True)),
        _mistake(TOTAL_PADDING, _size_formula(total_padding=True)),
    ),
)

_top_left = Task(
    name="top_left",
    exercise="00_start_here",
    title="the top-left output",
    difficulty="easy",
    kind="function",
    params=("x", "k"),
    reference=lambda x, k: convlab.conv2d(x, k)[0, 0],
    cases=(
        Case("4×4 integers, 2×2 kernel", inputs(_seed("top_left", 0), ints(4, 4), ints(2, 2))),
        Case("5×6 floats, 3×3 kernel", inputs(_seed("top_left", 1), floats(5, 6), floats(3, 3))),
        Case("6×5 floats, 2×3 kernel", inputs(_seed("top_left", 2), floats(6, 5), floats(2, 3))),
    ),
    mistakes=(_mistake(KERNEL_FLIPPED, lambda x, k: convlab.conv2d(x, _flip(k))[0, 0]),),
)

# --- 01 loops -----------------------------------------------------------------------------------


def _conv_cases(name, specs, labels):
    return tuple(Case(label, inputs(_seed(name, i), *spec)) for i, (label, spec) in enumerate(zip(labels, specs)))


_conv2d_loops = Task(
    name="conv2d_loops",
    exercise="01_loops",
    title="conv2d with loops",
    difficulty="easy",
    kind="function",
    params=("x", "k"),
    axes=("Ho", "Wo"),
    reference=lambda x, k: convlab.conv2d(x, k),
    cases=_conv_cases(
        "conv2d_loops",
        [(ints(3, 4), ints(2, 2)), (floats(6, 7), floats(3, 3)), (floats(5, 8), floats(2, 3)),
         (ints(5, 5, low=0, high=10), floats(3, 3))],
        ["3×4 integers, 2×2 kernel", "6×7 floats, 3×3 kernel", "5×8 floats, 2×3 kernel (not square)",
         "5×5 integer image, 3×3 float kernel"],
    ),
    mistakes=(_mistake(KERNEL_FLIPPED, lambda x, k: convlab.conv2d(x, _flip(k))),),
)

_convolve2d_loops = Task(
    name="convolve2d_loops",
    exercise="01_loops",
    title="true convolution with loops",
    difficulty="easy",
    kind="function",
    params=("x", "k"),
    axes=("Ho", "Wo"),
    reference=lambda x, k: convlab.convolve2d(x, k),
    cases=_conv_cases(
        "convolve2d_loops",
        [(ints(4, 4), ints(2, 2)), (floats(5, 7), floats(2, 3))],
        ["4×4 integers, 2×2 kernel", "5×7 floats, 2×3 kernel"],
    ),
    mistakes=(
        _mistake(KERNEL_NOT_FLIPPED, lambda x, k: convlab.conv2d(x, k)),
        Mistake(
            "flipped-one-axis",
            "The kernel was flipped along one axis only. Turning it by 180° reverses both: "
            "k[::-1, ::-1].",
            lambda x, k: convlab.conv2d(x, k[::-1]),
        ),
        Mistake(
            "flipped-one-axis",
            "The kernel was flipped along one axis only. Turning it by 180° reverses both: "
            "k[::-1, ::-1].",
            lambda x, k: convlab.conv2d(x, k[:, ::-1]),
        ),
    ),
)

_conv2d_loops_channels = Task(
    name="conv2d_loops_channels",
    exercise="01_loops",
    title="several channels with loops",
    difficulty="medium",
    kind="function",
    params=("x", "k"),
    axes=("Ho", "Wo"),
    reference=lambda x, k: convlab.conv2d(x, k),
    cases=_conv_cases(
        "conv2d_loops_channels",
        [(ints(2, 4, 4), ints(2, 2, 2)), (floats(3, 6, 5), floats(3, 3, 3)), (floats(1, 5, 6), floats(1, 2, 3))],
        ["2 channels of 4×4 integers, 2×2×2 kernel", "3 channels of 6×5 floats, 3×3×3 kernel",
         "1 channel of 5×6 floats, 1×2×3 kernel"],
    ),
    mistakes=(
        _mistake(KERNEL_FLIPPED, lambda x, k: convlab.conv2d(x, _flip(k))),
        Mistake(
            "first-channel-only",
            "Only channel 0 was used. The output at (i, j) sums over every channel c as well as "
            "over the window: add a loop over c (or sum over axis 0).",
            lambda x, k: convlab.conv2d(x[0], k[0]),
        ),
    ),
)


def _count(hw, k, positions="output", channels=1):
    (h, w), (r, s) = hw, k
    if positions == "output":
        return (h - r + 1) * (w - s + 1) * r * s
    if positions == "input":
        return h * w * r * s
    return (h - r) * (w - s) * r * s


_count_multiplies = Task(
    name="count_multiplies",
    exercise="01_loops",
    title="the cost of the loops",
    difficulty="medium",
    kind="function",
    reference=lambda hw, k: _count(hw, k),
    cases=(
        Case("6×6 input, 3×3 kernel", inputs(0, (6, 6), (3, 3))),
        Case("28×28 input, 5×5 kernel", inputs(0, (28, 28), (5, 5))),
        Case("480×640 input, 3×2 kernel", inputs(0, (480, 640), (3, 2))),
    ),
    mistakes=(
        Mistake(
            "input-positions",
            "You counted a window at every input pixel. The kernel fits only (H - R + 1) × "
            "(W - S + 1) times, and each position costs R × S multiplications.",
            lambda hw, k: _count(hw, k, "input"),
        ),
        Mistake(
            "off-by-one",
            "Off by one: a kernel of R rows fits H - R + 1 times in H rows, not H - R.",
            lambda hw, k: _count(hw, k, "short"),
        ),
    ),
)

# --- 02 memory and strides ----------------------------------------------------------------------


def _c_strides(shape, itemsize):
    return np.empty(shape, dtype=np.dtype((np.void, itemsize))).strides


_c_strides_task = Task(
    name="c_strides",
    exercise="02_memory_and_strides",
    title="byte strides of a C-ordered array",
    difficulty="easy",
    kind="function",
    reference=_c_strides,
    cases=(
        Case("shape (3, 4), 8-byte items", inputs(0, (3, 4), 8)),
        Case("shape (2, 3, 5), 4-byte items", inputs(0, (2, 3, 5), 4)),
        Case("shape (4, 1, 6, 7), 2-byte items", inputs(0, (4, 1, 6, 7), 2)),
    ),
    mistakes=(
        Mistake(
            "elements-not-bytes",
            "These are steps in elements. NumPy's strides count bytes: multiply by the item size.",
            lambda shape, itemsize: tuple(s // itemsize for s in _c_strides(shape, itemsize)),
        ),
        Mistake(
            "bits-not-bytes",
            "These are steps in bits (8 times too large). Strides count bytes: an 8-byte float "
            "is 8, not 64.",
            lambda shape, itemsize: tuple(8 * s for s in _c_strides(shape, itemsize)),
        ),
        Mistake(
            "fortran-order",
            "These are the strides of a Fortran-ordered (column-major) array, where the FIRST "
            "axis is contiguous. In C order the LAST axis steps by one item.",
            lambda shape, itemsize: np.empty(shape, dtype=np.dtype((np.void, itemsize)), order="F").strides,
        ),
    ),
)


def _view_requirements(got, args, kwargs):
    """A window view must share x's memory and be read-only."""
    x = args[0]
    if not isinstance(got, np.ndarray) or not np.shares_memory(got, x):
        return (
            "your result is a copy, not a view of x",
            "copy-not-view",
            "A copy of all windows can take R×S times the memory of x. Return the view "
            "as_strided gives, without np.array/np.copy/ascontiguousarray.",
        )
    if got.flags.writeable:
        return (
            "your view is writeable",
            "writeable-view",
            "Neighbouring windows share elements, so a write through the view changes several "
            "windows at once. Pass writeable=False to as_strided.",
        )
    return None


_windows = Task(
    name="windows",
    exercise="02_memory_and_strides",
    title="sliding windows with as_strided",
    difficulty="medium",
    kind="function",
    params=("x",),
    axes=("Ho", "Wo", "R", "S"),
    reference=lambda x, window: convlab.sliding_windows(x, window),
    apply=lambda answer, x, window: answer(x, window),
    cases=(
        Case("4×5 integers, 2×2 windows", inputs(_seed("windows", 0), ints(4, 5), (2, 2))),
        Case("6×6 float32, 3×2 windows", inputs(_seed("windows", 1), floats(6, 6, dtype="float32"), (3, 2))),
        Case("a transposed input x.T, 2×3 windows", inputs(_seed("windows", 2), transposed(floats(6, 5)), (2, 3))),
        Case("every other column, x[:, ::2]", inputs(_seed("windows", 3), every_other_column(ints(5, 9)), (3, 2))),
        Case("a view: no copy, read-only", inputs(_seed("windows", 4), floats(5, 5), (2, 2)),
             verify=_view_requirements, compare_value=False),
    ),
    mistakes=(_mistake(STRIDES_FROM_SHAPE, lambda x, window: _c_order_view(x, window)),),
)

_windows_strided = Task(
    name="windows_strided",
    exercise="02_memory_and_strides",
    title="windows with stride and dilation",
    difficulty="hard",
    kind="function",
    params=("x",),
    axes=("Ho", "Wo", "R", "S"),
    reference=lambda x, window, stride, dilation: convlab.sliding_windows(x, window, stride, dilation),
    apply=lambda answer, x, window, stride, dilation: answer(x, window, stride, dilation),
    cases=(
        Case("7×7, 3×3 windows, stride (2, 2)", inputs(_seed("ws", 0), ints(7, 7), (3, 3), (2, 2), (1, 1))),
        Case("6×9, 2×2 windows, stride (1, 3)", inputs(_seed("ws", 1), floats(6, 9), (2, 2), (1, 3), (1, 1))),
        Case("7×7, 2×2 windows, dilation (2, 2)", inputs(_seed("ws", 2), ints(7, 7), (2, 2), (1, 1), (2, 2))),
        Case("9×8, 3×2 windows, stride (2, 1), dilation (1, 3)",
             inputs(_seed("ws", 3), floats(9, 8), (3, 2), (2, 1), (1, 3))),
        Case("a transposed 8×7 input, 2×2 windows, stride 2, dilation 2",
             inputs(_seed("ws", 4), transposed(floats(7, 8)), (2, 2), (2, 2), (2, 2))),
    ),
    mistakes=(
        _mistake(STRIDE_IGNORED, lambda x, window, stride, dilation: convlab.sliding_windows(x, window, 1, dilation)),
        _mistake(DILATION_IGNORED, lambda x, window, stride, dilation: convlab.sliding_windows(x, window, stride, 1)),
        Mistake(
            "stride-dilation-swapped",
            "Stride and dilation are swapped. The stride is the step between windows (the first "
            "two axes), the dilation the step between taps inside one window (the last two).",
            lambda x, window, stride, dilation: _safe_windows(x, window, dilation, stride),
        ),
        _mistake(STRIDES_FROM_SHAPE, lambda x, window, stride, dilation: _c_order_view(x, window, stride, dilation)),
    ),
)


def _safe_windows(x, window, stride, dilation):
    try:
        return convlab.sliding_windows(x, window, stride, dilation)
    except ValueError:  # that mistake does not fit this input at all
        return None


# --- 03 one contraction --------------------------------------------------------------------------

_ORIGINAL_X = np.array([
    [[1, 1, 1, 1], [1, 1, 1, 1], [2, 2, 2, 2], [2, 2, 2, 2]],
    [[1, 1, 2, 2], [1, 1, 2, 2], [4, 4, 8, 8], [4, 4, 8, 8]],
])


def _tensordot_with(axes, x, k):
    windows = convlab.sliding_windows(x, k.shape[-2:])  # (C, Ho, Wo, R, S)
    try:
        return np.tensordot(windows, k, axes=axes)
    except (ValueError, TypeError, IndexError) as err:
        raise ValueError(f"np.tensordot(windows, k, axes={axes!r}) fails: {err}") from None


_tensordot_axes = Task(
    name="tensordot_axes",
    exercise="03_one_contraction",
    title="which axes tensordot sums over",
    difficulty="easy",
    kind="value",
    axes=("Ho", "Wo"),
    reference=lambda x, k: convlab.conv2d(x, k),
    apply=lambda answer, x, k: _tensordot_with(answer, x, k),
    cases=(
        Case("the two-channel example, 2×2×2 kernel", inputs(0, _ORIGINAL_X, np.ones((2, 2, 2)) / 8)),
        Case("3 channels of 5×6 floats, 3×3×2 kernel", inputs(_seed("axes", 1), floats(3, 5, 6), floats(3, 3, 2))),
    ),
)

_contraction_cases = lambda name: (  # noqa: E731 (one table, used twice)
    Case("the two-channel example, 2×2×2 kernel", inputs(0, _ORIGINAL_X, np.ones((2, 2, 2)) / 8)),
    Case("3 channels of 6×7 floats, 3×3×3 kernel", inputs(_seed(name, 1), floats(3, 6, 7), floats(3, 3, 3))),
    Case("2 channels of 5×8 integers, 2×3 kernel", inputs(_seed(name, 2), ints(2, 5, 8), ints(2, 2, 3))),
    Case("a transposed input (channels last in memory)",
         inputs(_seed(name, 3), transposed(floats(7, 6, 4), (2, 0, 1)), floats(4, 2, 2))),
)

_conv2d_tensordot = Task(
    name="conv2d_tensordot",
    exercise="03_one_contraction",
    title="conv2d with one tensordot",
    difficulty="medium",
    kind="function",
    params=("x", "k"),
    axes=("Ho", "Wo"),
    reference=lambda x, k: convlab.conv2d(x, k),
    cases=_contraction_cases("conv2d_tensordot"),
    mistakes=(_mistake(KERNEL_FLIPPED, lambda x, k: convlab.conv2d(x, _flip(k))),),
)

_conv2d_einsum = Task(
    name="conv2d_einsum",
    exercise="03_one_contraction",
    title="conv2d with einsum",
    difficulty="medium",
    kind="function",
    params=("x", "k"),
    axes=("Ho", "Wo"),
    reference=lambda x, k: convlab.conv2d(x, k),
    cases=_contraction_cases("conv2d_einsum")[1:],
    mistakes=(_mistake(KERNEL_FLIPPED, lambda x, k: convlab.conv2d(x, _flip(k))),),
)

# --- 04 stride, padding, dilation ----------------------------------------------------------------


def _size_variant(hw, k, stride, padding, dilation, *, ceil=False, plus_one=True, total_padding=False,
                  dilation_mode="span"):
    out = []
    for n, r, s, p, d in zip(hw, k, stride, padding, dilation):
        span = {"span": d * (r - 1) + 1, "ignored": r, "times": d * r}[dilation_mode]
        room = n + (p if total_padding else 2 * p) - span
        out.append((-(-room // s) if ceil else room // s) + plus_one)
    return tuple(out)


_output_size = Task(
    name="output_size",
    exercise="04_stride_padding_dilation",
    title="the output-size formula",
    difficulty="easy",
    kind="function",
    reference=lambda hw, k, stride, padding, dilation: convlab.output_shape(hw, k, stride, padding, dilation),
    cases=(
        Case("10×12 input, 3×3 kernel", inputs(0, (10, 12), (3, 3), (1, 1), (0, 0), (1, 1))),
        Case("stride 2 that does not divide evenly", inputs(0, (10, 11), (3, 3), (2, 2), (0, 0), (1, 1))),
        Case("padding (1, 2)", inputs(0, (7, 8), (3, 5), (1, 1), (1, 2), (1, 1))),
        Case("dilation (2, 3)", inputs(0, (12, 13), (3, 3), (1, 1), (0, 0), (2, 3))),
        Case("all at once", inputs(0, (32, 31), (5, 3), (3, 2), (2, 1), (2, 1))),
    ),
    mistakes=(
        Mistake("ceil-division", "Rounded up. Windows that would run off the end are dropped: the "
                "division floors (//), it does not round up.", lambda *a: _size_variant(*a, ceil=True)),
        Mistake("off-by-one", "Off by one: forgot the +1 (a window fits at position 0 too).",
                lambda *a: _size_variant(*a, plus_one=False)),
        _mistake(TOTAL_PADDING, lambda *a: _size_variant(*a, total_padding=True)),
        Mistake("dilation-ignored", "The dilation was ignored. A dilated kernel of R taps spans "
                "d*(R - 1) + 1 rows.", lambda *a: _size_variant(*a, dilation_mode="ignored")),
        Mistake("dilation-span", "A dilated kernel of R taps spans d*(R - 1) + 1 rows, not d*R: "
                "there are R - 1 gaps between R taps.", lambda *a: _size_variant(*a, dilation_mode="times")),
    ),
)


def _pad(x, padding):
    width = [(0, 0)] * (x.ndim - 2) + [(padding[0], padding[0]), (padding[1], padding[1])]
    return np.pad(x, width)


_pad_task = Task(
    name="pad",
    exercise="04_stride_padding_dilation",
    title="zero padding, per side",
    difficulty="easy",
    kind="function",
    params=("x",),
    reference=_pad,
    cases=(
        Case("3×4 integers, padding (1, 2)", inputs(_seed("pad", 0), ints(3, 4, low=1, high=9), (1, 2))),
        Case("2 channels of 3×3 floats, padding (2, 0)", inputs(_seed("pad", 1), floats(2, 3, 3), (2, 0))),
        Case("float32 stays float32", inputs(_seed("pad", 2), floats(4, 4, dtype="float32"), (1, 1))),
    ),
    mistakes=(
        _mistake(TOTAL_PADDING, lambda x, padding: _pad(x, (padding[0] // 2, padding[1] // 2))),
        Mistake("rows-cols-swapped", "Rows and columns are swapped: padding is (rows, cols), so "
                "padding[0] goes above and below, padding[1] left and right.",
                lambda x, padding: _pad(x, padding[::-1])),
        Mistake("padded-every-axis", "The channel axis was padded too. Pad only the last two "
                "axes: np.pad(x, [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)]).",
                lambda x, padding: np.pad(x, [(padding[0],) * 2] * (x.ndim - 1) + [(padding[1],) * 2])),
    ),
)

_PARAMS_CASES = [  # label, x, k, stride, padding, dilation
    ("stride (2, 2)", floats(2, 7, 7), floats(2, 3, 3), (2, 2), (0, 0), (1, 1)),
    ("padding (1, 1)", ints(1, 4, 5), ints(1, 3, 3), (1, 1), (1, 1), (1, 1)),
    ("dilation (2, 2)", floats(3, 8, 7), floats(3, 2, 2), (1, 1), (0, 0), (2, 2)),
    ("stride (2, 1), padding (0, 2)", floats(2, 7, 6), floats(2, 3, 2), (2, 1), (0, 2), (1, 1)),
    ("padding (1, 0), dilation (1, 2)", floats(1, 6, 9), floats(1, 2, 3), (1, 1), (1, 0), (1, 2)),
    ("stride 3, padding 2, dilation 2, integers", ints(2, 9, 10), ints(2, 3, 3), (3, 3), (2, 2), (2, 2)),
]


def _general(x, k, stride, padding, dilation):
    return convlab.conv2d(x, k, stride, padding, dilation)


def _or_none(f):
    def safe(*args):
        try:
            return f(*args)
        except ValueError:  # that mistake cannot happen with these sizes
            return None

    return safe


_conv2d_general = Task(
    name="conv2d_general",
    exercise="04_stride_padding_dilation",
    title="conv2d with stride, padding and dilation",
    difficulty="hard",
    kind="function",
    params=("x", "k"),
    axes=("Ho", "Wo"),
    reference=_general,
    cases=tuple(
        Case(label, inputs(_seed("conv2d_general", i), x, k, s, p, d))
        for i, (label, x, k, s, p, d) in enumerate(_PARAMS_CASES)
    ),
    mistakes=(
        _mistake(STRIDE_IGNORED, _or_none(lambda x, k, s, p, d: _general(x, k, 1, p, d))),
        _mistake(DILATION_IGNORED, _or_none(lambda x, k, s, p, d: _general(x, k, s, p, 1))),
        _mistake(TOTAL_PADDING, _or_none(lambda x, k, s, p, d: _general(x, k, s, (p[0] // 2, p[1] // 2), d))),
        _mistake(KERNEL_FLIPPED, _or_none(lambda x, k, s, p, d: _general(x, _flip(k), s, p, d))),
        Mistake("padding-ignored", "The padding was ignored: pad x with zeros first, padding[0] "
                "rows above and below, padding[1] columns left and right.",
                _or_none(lambda x, k, s, p, d: _general(x, k, s, 0, d))),
    ),
)

# --- 05 filters and batches ------------------------------------------------------------------------

_conv2d_bank = Task(
    name="conv2d_bank",
    exercise="05_filters_and_batches",
    title="a bank of filters",
    difficulty="medium",
    kind="function",
    params=("x", "k"),
    axes=("K", "Ho", "Wo"),
    reference=lambda x, k: convlab.conv2d(x, k),
    cases=_conv_cases(
        "conv2d_bank",
        [(floats(3, 6, 7), floats(4, 3, 3, 3)), (ints(2, 5, 5), ints(2, 2, 2, 2)), (floats(1, 8, 6), floats(5, 1, 3, 2))],
        ["3 channels of 6×7, 4 filters of 3×3", "2 channels of 5×5 integers, 2 filters of 2×2",
         "1 channel of 8×6, 5 filters of 3×2"],
    ),
    mistakes=(_mistake(KERNEL_FLIPPED, lambda x, k: convlab.conv2d(x, _flip(k))),),
)

_conv2d_batch = Task(
    name="conv2d_batch",
    exercise="05_filters_and_batches",
    title="a batch of images, a bank of filters",
    difficulty="medium",
    kind="function",
    params=("x", "k"),
    axes=("N", "K", "Ho", "Wo"),
    reference=lambda x, k: convlab.conv2d(x, k),
    cases=_conv_cases(
        "conv2d_batch",
        [(floats(2, 3, 6, 7), floats(4, 3, 3, 3)), (ints(3, 2, 5, 5), ints(2, 2, 2, 2)),
         (floats(5, 1, 6, 6), floats(3, 1, 3, 2)), (floats(4, 3, 5, 5), floats(4, 3, 2, 2))],
        ["2 images, 3 channels of 6×7, 4 filters of 3×3", "3 images of 2×5×5 integers, 2 filters",
         "5 images, 1 channel, 3 filters of 3×2", "4 images, 4 filters (as many filters as images)"],
    ),
    mistakes=(_mistake(KERNEL_FLIPPED, lambda x, k: convlab.conv2d(x, _flip(k))),),
)

_conv1x1 = Task(
    name="conv1x1",
    exercise="05_filters_and_batches",
    title="a 1×1 convolution as a matrix product",
    difficulty="easy",
    kind="function",
    params=("x", "w"),
    axes=("N", "K", "H", "W"),
    reference=lambda x, w: convlab.conv2d(x, w[:, :, None, None]),
    cases=_conv_cases(
        "conv1x1",
        [(floats(2, 3, 4, 5), floats(4, 3)), (ints(1, 2, 3, 3), ints(5, 2)), (floats(3, 4, 2, 6), floats(4, 4))],
        ["2 images of 3×4×5, 4 filters", "1 image of 2×3×3 integers, 5 filters", "3 images, 4 channels, 4 filters"],
    ),
    mistakes=(
        Mistake("weights-transposed", "The weight matrix was used transposed: w[f, c] weighs channel "
                "c for output channel f, so output[n, f] = sum over c of w[f, c] * x[n, c].",
                lambda x, w: convlab.conv2d(x, w.T[:, :, None, None]) if w.shape[0] == w.shape[1] else None),
    ),
)


def _im2col(x, window):
    c = x.shape[0]
    view = convlab.sliding_windows(x, window)  # (C, Ho, Wo, R, S)
    ho, wo = view.shape[1:3]
    return view.transpose(0, 3, 4, 1, 2).reshape(c * window[0] * window[1], ho * wo)


_im2col_task = Task(
    name="im2col",
    exercise="05_filters_and_batches",
    title="im2col: windows as columns",
    difficulty="hard",
    kind="function",
    params=("x",),
    axes=("C·R·S", "Ho·Wo"),
    reference=_im2col,
    cases=(
        Case("1 channel of 3×4 integers, 2×2 windows", inputs(_seed("im2col", 0), ints(1, 3, 4), (2, 2))),
        Case("2 channels of 4×4 integers, 2×3 windows", inputs(_seed("im2col", 1), ints(2, 4, 4), (2, 3))),
        Case("3 channels of 6×7 floats, 3×3 windows", inputs(_seed("im2col", 2), floats(3, 6, 7), (3, 3))),
        Case("a transposed input", inputs(_seed("im2col", 3), transposed(floats(5, 6, 2), (2, 0, 1)), (2, 2))),
    ),
    mistakes=(
        Mistake("row-order", "The right numbers in a different row order. Order the rows (c, r, s), "
                "channel slowest, so that row c*R*S + r*S + s lines up with k.reshape(K, -1).",
                lambda x, window: convlab.sliding_windows(x, window).transpose(3, 4, 0, 1, 2).reshape(
                    -1, _im2col(x, window).shape[1])),
    ),
)

_conv2d_im2col = Task(
    name="conv2d_im2col",
    exercise="05_filters_and_batches",
    title="conv2d with im2col and one matrix product",
    difficulty="hard",
    kind="function",
    params=("x", "k"),
    axes=("N", "K", "Ho", "Wo"),
    reference=lambda x, k: convlab.conv2d(x, k),
    cases=_conv_cases(
        "conv2d_im2col",
        [(floats(1, 2, 5, 5), floats(3, 2, 2, 2)), (floats(3, 3, 6, 7), floats(4, 3, 3, 3)),
         (ints(2, 2, 5, 6), ints(2, 2, 3, 2))],
        ["1 image of 2×5×5, 3 filters of 2×2", "3 images of 3×6×7, 4 filters of 3×3",
         "2 images of 2×5×6 integers, 2 filters of 3×2"],
    ),
    mistakes=(_mistake(KERNEL_FLIPPED, lambda x, k: convlab.conv2d(x, _flip(k))),),
)

# --- 06 performance ---------------------------------------------------------------------------------


def _multiply_adds(x_shape, k_shape, stride=1, padding=0, dilation=1, *, positions="output", channels=True):
    n, c, h, w = x_shape
    kf, _, r, s = k_shape
    ho, wo = convlab.output_shape((h, w), (r, s), stride, padding, dilation)
    if positions == "input":
        ho, wo = h, w
    return n * kf * ho * wo * (c if channels else 1) * r * s


_multiply_adds_task = Task(
    name="multiply_adds",
    exercise="06_performance",
    title="counting multiply-adds",
    difficulty="easy",
    kind="function",
    reference=_multiply_adds,
    cases=(
        Case("8 images of 3×32×32, 16 filters of 3×3", inputs(0, (8, 3, 32, 32), (16, 3, 3, 3))),
        Case("stride 2, padding 1", inputs(0, (4, 8, 28, 28), (8, 8, 3, 3)), {"stride": 2, "padding": 1}),
        Case("dilation 2", inputs(0, (1, 2, 20, 25), (4, 2, 3, 3)), {"dilation": 2}),
    ),
    mistakes=(
        Mistake("input-positions", "You counted a window at every input pixel; use the output size "
                "(convlab.output_shape) for the number of positions.",
                lambda *a, **kw: _multiply_adds(*a, **kw, positions="input")),
        Mistake("channels-missing", "The channels are missing: every output sums over C channels "
                "as well as over the R×S window.", lambda *a, **kw: _multiply_adds(*a, **kw, channels=False)),
    ),
)


def _columns_nbytes(x_shape, k_shape, itemsize):
    n, c, h, w = x_shape
    _, _, r, s = k_shape
    ho, wo = convlab.output_shape((h, w), (r, s))
    return n * c * r * s * ho * wo * itemsize


_columns_nbytes_task = Task(
    name="columns_nbytes",
    exercise="06_performance",
    title="the memory im2col needs",
    difficulty="easy",
    kind="function",
    reference=_columns_nbytes,
    cases=(
        Case("8 images of 3×32×32, 3×3 filters, float64", inputs(0, (8, 3, 32, 32), (16, 3, 3, 3), 8)),
        Case("64 images of 16×56×56, 3×3 filters, float32", inputs(0, (64, 16, 56, 56), (32, 16, 3, 3), 4)),
        Case("1 image of 1×480×640, 5×5 filters, float64", inputs(0, (1, 1, 480, 640), (4, 1, 5, 5), 8)),
    ),
    mistakes=(
        Mistake("bits-not-bytes", "That is bits, 8 times too many: itemsize is already in bytes.",
                lambda *a: 8 * _columns_nbytes(*a)),
        Mistake("input-bytes", "That is the size of x itself. The columns hold every window: "
                "C×R×S rows and Ho×Wo columns per image.", lambda x_shape, k_shape, itemsize: int(np.prod(x_shape)) * itemsize),
    ),
)


def _measure_peak(answer, x, k, max_bytes):
    """Call ``answer`` and return the largest amount of memory it held at once, in bytes."""
    import tracemalloc

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        answer(x, k, max_bytes)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _peak_within_bound(peak, args, kwargs):
    x, k, max_bytes = args
    out_nbytes = x.shape[0] * k.shape[0] * np.prod(convlab.output_shape(x.shape[-2:], k.shape[-2:])) * 8
    # Two chunks of columns (the next is built before the last is freed), the result
    # twice (chunks, then the whole), x once more and a little for Python itself.
    bound = int(2 * max_bytes + 2 * out_nbytes + x.nbytes + 64 * 1024)
    if peak <= bound:
        return None
    return (
        f"your function held {peak:,} bytes at once; this input allows about {bound:,}",
        "memory-bound",
        "Build the columns for only as many images as fit in max_bytes at a time "
        "(max_bytes // bytes of one image's columns, at least 1), and multiply chunk by chunk.",
    )


def _chunked_case(label, seed, n, max_images, measure=False):
    c, h, w, kf, r, s = 4, 16, 16, 2, 5, 5
    per_image = c * r * s * (h - r + 1) * (w - s + 1) * 8
    make = inputs(seed, floats(n, c, h, w), floats(kf, c, r, s), max_images * per_image)
    if measure:
        return Case(label, make, points=2, run=_measure_peak, verify=_peak_within_bound, compare_value=False)
    return Case(label, make)


_conv2d_chunked = Task(
    name="conv2d_chunked",
    exercise="06_performance",
    title="im2col in chunks, within a memory budget",
    difficulty="hard",
    kind="function",
    params=("x", "k"),
    axes=("N", "K", "Ho", "Wo"),
    reference=lambda x, k, max_bytes: convlab.conv2d(x, k),
    cases=(
        _chunked_case("3 images, room for all of them", _seed("chunked", 0), 3, 3),
        _chunked_case("5 images, room for 2 at a time", _seed("chunked", 1), 5, 2),
        _chunked_case("4 images, room for 1 at a time", _seed("chunked", 2), 4, 1),
        _chunked_case("memory: 8 images, room for 1 at a time", _seed("chunked", 3), 8, 1, measure=True),
    ),
    mistakes=(
        Mistake("last-chunk-dropped", "The last, smaller chunk is missing. Step through the images "
                "with range(0, N, step); the last chunk x[start:start + step] may be shorter.",
                lambda x, k, max_bytes: _without_last_chunk(x, k, max_bytes)),
    ),
)


def _without_last_chunk(x, k, max_bytes):
    c, (r, s) = x.shape[1], k.shape[-2:]
    per_image = c * r * s * int(np.prod(convlab.output_shape(x.shape[-2:], (r, s)))) * x.itemsize
    step = max(1, max_bytes // per_image)
    full = x.shape[0] // step * step
    return convlab.conv2d(x[:full], k) if 0 < full < x.shape[0] else None


# --- 07 beyond ----------------------------------------------------------------------------------------

_max_pool = Task(
    name="max_pool",
    exercise="07_beyond",
    title="max pooling from windows",
    difficulty="easy",
    kind="function",
    params=("x",),
    axes=("Ho", "Wo"),
    reference=lambda x, window, stride: convlab.max_pool2d(x, window, stride),
    cases=(
        Case("4×4 integers, window 2, stride 2", inputs(_seed("max_pool", 0), ints(4, 4, low=0, high=10), 2, 2)),
        Case("7×6 floats, window 3, stride 2", inputs(_seed("max_pool", 1), floats(7, 6), 3, 2)),
        Case("2 channels of 5×5, window 2, stride 1", inputs(_seed("max_pool", 2), floats(2, 5, 5), 2, 1)),
    ),
    mistakes=(
        _mistake(STRIDE_IGNORED, lambda x, window, stride: convlab.max_pool2d(x, window, 1)),
        Mistake("stride-is-window", "You used non-overlapping windows (stride = window). Here the "
                "stride is its own argument.", lambda x, window, stride: convlab.max_pool2d(x, window, window)),
    ),
)

_avg_pool = Task(
    name="avg_pool",
    exercise="07_beyond",
    title="average pooling",
    difficulty="easy",
    kind="function",
    params=("x",),
    axes=("Ho", "Wo"),
    reference=lambda x, window, stride: convlab.avg_pool2d(x, window, stride),
    cases=(
        Case("4×4 integers, window 2, stride 2", inputs(_seed("avg_pool", 0), ints(4, 4, low=0, high=10), 2, 2)),
        Case("5×7 floats, window 3, stride 2", inputs(_seed("avg_pool", 1), floats(5, 7), 3, 2)),
    ),
    mistakes=(_mistake(STRIDE_IGNORED, lambda x, window, stride: convlab.avg_pool2d(x, window, 1)),),
)


class _Loss:
    """``L(x) = sum(conv2d(x, k)**2) / 2``, callable, with its exact gradient (from convlab)."""

    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return float((convlab.conv2d(x, self.k) ** 2).sum() / 2)

    def gradient(self, x):
        return convlab.conv2d_backward(x, self.k, convlab.conv2d(x, self.k))[0]

    def __repr__(self):
        return f"L(x) = sum(conv2d(x, k)**2) / 2 with k of shape {self.k.shape}"


def _loss_case(label, seed, x_shape, k_shape):
    return Case(label, inputs(seed, lambda rng: _Loss(rng.uniform(-1, 1, k_shape)), floats(*x_shape)), {"eps": 1e-5})


def _forward_differences(f, x, eps):
    """What one-sided differences (f(x + eps) - f(x)) / eps give."""
    grad = np.empty_like(x)
    fx = f(x)
    for index in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[index] += eps
        grad[index] = (f(shifted) - fx) / eps
    return grad


_numerical_gradient = Task(
    name="numerical_gradient",
    exercise="07_beyond",
    title="a gradient by finite differences",
    difficulty="medium",
    kind="function",
    params=("f", "x"),
    reference=lambda f, x, eps: f.gradient(x),
    cases=(
        _loss_case("4×4 input, L with a 2×2 kernel", _seed("numgrad", 0), (4, 4), (2, 2)),
        _loss_case("5×6 input, L with a 3×2 kernel", _seed("numgrad", 1), (5, 6), (3, 2)),
        _loss_case("2 channels of 4×5, L with a 2×2×2 kernel", _seed("numgrad", 2), (2, 4, 5), (2, 2, 2)),
    ),
    mistakes=(
        Mistake("half-difference", "Twice the gradient: the central difference "
                "(f(x + eps) - f(x - eps)) spans 2*eps, so divide by 2*eps.",
                lambda f, x, eps: 2 * f.gradient(x)),
        Mistake("forward-difference", "One-sided differences (f(x + eps) - f(x)) / eps are off by "
                "about eps times the curvature. Central differences, (f(x + eps) - f(x - eps)) / "
                "(2*eps), are far more accurate.", _forward_differences),
    ),
)

_grad_cases = lambda name: (  # noqa: E731
    Case("4×4 integers, 2×2 kernel", inputs(_seed(name, 0), ints(4, 4), ints(2, 2), ints(3, 3))),
    Case("6×7 floats, 3×3 kernel", inputs(_seed(name, 1), floats(6, 7), floats(3, 3), floats(4, 5))),
    Case("5×8 floats, 2×3 kernel", inputs(_seed(name, 2), floats(5, 8), floats(2, 3), floats(4, 6))),
)

_conv2d_grad_k = Task(
    name="conv2d_grad_k",
    exercise="07_beyond",
    title="the gradient with respect to the kernel",
    difficulty="medium",
    kind="function",
    params=("x", "k", "grad_out"),
    axes=("R", "S"),
    reference=lambda x, k, g: convlab.conv2d_backward(x, k, g)[1],
    cases=_grad_cases("grad_k"),
    mistakes=(
        Mistake("kernel-flipped", "This is the gradient turned by 180°. dL/dk[r, s] sums "
                "grad_out[i, j] * x[i + r, j + s]: conv2d(x, grad_out), nothing flipped.",
                lambda x, k, g: convlab.conv2d_backward(x, k, g)[1][::-1, ::-1]),
    ),
)

_conv2d_grad_x = Task(
    name="conv2d_grad_x",
    exercise="07_beyond",
    title="the gradient with respect to the input",
    difficulty="hard",
    kind="function",
    params=("x", "k", "grad_out"),
    axes=("H", "W"),
    reference=lambda x, k, g: convlab.conv2d_backward(x, k, g)[0],
    cases=_grad_cases("grad_x"),
    mistakes=(
        Mistake("kernel-not-flipped", "The kernel must be turned by 180° here: dL/dx is the full "
                "convolution of grad_out with k, i.e. conv2d(padded grad_out, k[::-1, ::-1]).",
                lambda x, k, g: convlab.conv2d(g, k, padding=(k.shape[0] - 1, k.shape[1] - 1))),
    ),
)

_conv_transpose = Task(
    name="conv_transpose",
    exercise="07_beyond",
    title="transposed convolution with a stride",
    difficulty="hard",
    kind="function",
    params=("y", "k"),
    axes=("H", "W"),
    reference=lambda y, k, stride: convlab.conv_transpose2d(y, k, stride),
    cases=(
        Case("2×2 integers, 2×2 kernel, stride 1", inputs(_seed("ct", 0), ints(2, 2), ints(2, 2), 1)),
        Case("3×3 integers, 2×2 kernel, stride 2", inputs(_seed("ct", 1), ints(3, 3), ints(2, 2), 2)),
        Case("3×4 floats, 3×3 kernel, stride 2", inputs(_seed("ct", 2), floats(3, 4), floats(3, 3), 2)),
        Case("2×3 floats, 2×3 kernel, stride 3", inputs(_seed("ct", 3), floats(2, 3), floats(2, 3), 3)),
    ),
    mistakes=(
        _mistake(STRIDE_IGNORED, lambda y, k, stride: convlab.conv_transpose2d(y, k, 1)),
        Mistake("kernel-flipped", "Each y[i, j] should add y[i, j] * k to the output block at "
                "(i*stride, j*stride) with the kernel as it is; yours was turned by 180°.",
                lambda y, k, stride: convlab.conv_transpose2d(y, _flip(k), stride)),
    ),
)

# --- the registry ----------------------------------------------------------------------------------

_ALL = (
    _output_sizes, _top_left,
    _conv2d_loops, _convolve2d_loops, _conv2d_loops_channels, _count_multiplies,
    _c_strides_task, _windows, _windows_strided,
    _tensordot_axes, _conv2d_tensordot, _conv2d_einsum,
    _output_size, _pad_task, _conv2d_general,
    _conv2d_bank, _conv2d_batch, _conv1x1, _im2col_task, _conv2d_im2col,
    _multiply_adds_task, _columns_nbytes_task, _conv2d_chunked,
    _max_pool, _avg_pool, _numerical_gradient, _conv2d_grad_k, _conv2d_grad_x, _conv_transpose,
)

#: Every task, by name, in the order of the notebooks.
TASKS = {task.name: task for task in _ALL}

#: Exercise notebook name -> names of its tasks, in order.
EXERCISES = {}
for _task in _ALL:
    EXERCISES.setdefault(_task.exercise, []).append(_task.name)


def tasks_for(exercise):
    """The tasks of one exercise notebook, in order.

    Parameters
    ----------
    exercise : str
        The notebook's name without ``.ipynb``, e.g. ``"01_loops"``.

    Returns
    -------
    list of Task

    Raises
    ------
    KeyError
        If there is no such exercise notebook.
    """
    if exercise not in EXERCISES:
        raise KeyError(f"no exercise notebook {exercise!r}; there are {sorted(EXERCISES)}")
    return [TASKS[name] for name in EXERCISES[exercise]]
