"""Tasks of ``exercises/06_performance.ipynb``: float32's rounding, and im2col within a memory budget.

The lesson measures speed and memory.  These tasks grade what can be checked
on any machine (results and memory, never time): how float32's rounding
grows with the length of a sum, and im2col that builds its columns a few
images at a time.
"""

from __future__ import annotations

import numpy as np

from ..deciding.rules import NUMPY, NUMPY_CONVOLUTIONS, SLIDING_WINDOWS, Rule
from .base import Case, Mistake, Task, floats

import convlab

EXERCISE = "06_performance"


# --- 1 · float32's error as a sum grows ------------------------------------------------------------------

FLOAT32_EPS = float(np.finfo(np.float32).eps)


def _running_error(x, *, rounded_after=False, relative=True, unit=FLOAT32_EPS):
    exact = np.cumsum(x)
    running = exact.astype(np.float32) if rounded_after else np.cumsum(x.astype(np.float32))
    error = np.abs(running.astype(np.float64) - exact)
    return (error / np.abs(exact) if relative else error) / unit


def _uniform(n, low=0.0, high=1.0, step=1):
    """``n`` floats drawn uniformly from [low, high), every ``step``-th of a longer array."""
    return lambda rng: rng.uniform(low, high, n * step)[::step]


float32_running_error = Task(
    name="float32_running_error",
    exercise=EXERCISE,
    title="float32's error as a sum grows",
    difficulty="easy",
    kind="function",
    params=("x",),
    reference=_running_error,
    cases=(
        Case("10 values in [0, 1)", (_uniform(10),)),
        Case("1000 values in [0, 1)", (_uniform(1000),)),
        Case("2000 values between 1 and 100", (_uniform(2000, 1.0, 100.0),)),
        Case("every other value of an array: a strided view", (_uniform(1500, step=2),)),
    ),
    mistakes=(
        Mistake("rounded-after", "These errors stay below one unit: you summed in float64 and rounded the "
                "sums to float32 afterwards, which rounds once. Convert x to float32 first and add in "
                "float32 (np.cumsum(x.astype(np.float32))), so that every partial sum is rounded.",
                lambda x: _running_error(x, rounded_after=True)),
        Mistake("absolute-error", "This is the absolute error: divide it by the float64 running sum "
                "to make it relative, then by float32's eps.", lambda x: _running_error(x, relative=False)),
        Mistake("not-in-eps", "The relative error itself: express it in units of float32's machine "
                "epsilon, np.finfo(np.float32).eps, by dividing by it.", lambda x: _running_error(x, unit=1.0)),
        Mistake("float64-eps", "Divided by float64's eps: the unit here is float32's, "
                "np.finfo(np.float32).eps.", lambda x: _running_error(x, unit=float(np.finfo(np.float64).eps))),
    ),
)


# --- 2 · im2col within a memory budget ---------------------------------------------------------------------


def _peak_within_bound(got, args, kwargs, facts):
    x, k, max_bytes = args
    peak = (facts or {}).get("peak")
    if peak is None:
        return ("the memory your function held could not be measured", "memory-bound", None)
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


def _chunked_case(label, n, max_images, measure=False):
    c, h, w, kf, r, s = 4, 16, 16, 2, 5, 5
    per_image = c * r * s * (h - r + 1) * (w - s + 1) * 8
    args = (floats(n, c, h, w), floats(kf, c, r, s), max_images * per_image)
    if measure:
        return Case(label, args, points=2, verify=_peak_within_bound, measure="peak-memory")
    return Case(label, args)


def _without_last_chunk(x, k, max_bytes):
    c, (r, s) = x.shape[1], k.shape[-2:]
    per_image = c * r * s * int(np.prod(convlab.output_shape(x.shape[-2:], (r, s)))) * x.itemsize
    step = max(1, max_bytes // per_image)
    full = x.shape[0] // step * step
    return convlab.conv2d(x[:full], k) if 0 < full < x.shape[0] else None


conv2d_chunked = Task(
    name="conv2d_chunked",
    exercise=EXERCISE,
    title="im2col in chunks, within a memory budget",
    difficulty="hard",
    kind="function",
    params=("x", "k"),
    axes=("N", "K", "Ho", "Wo"),
    reference=lambda x, k, max_bytes: convlab.conv2d(x, k),
    rule=Rule(
        "Build im2col columns for a few images at a time and multiply them yourself, with NumPy, "
        "convlab.sliding_windows and convlab.output_shape only: no convolution routine.",
        allow=(NUMPY, SLIDING_WINDOWS, "convlab.output_shape"), forbid=NUMPY_CONVOLUTIONS,
    ),
    cases=(
        _chunked_case("3 images, room for all of them", 3, 3),
        _chunked_case("5 images, room for 2 at a time", 5, 2),
        _chunked_case("4 images, room for 1 at a time", 4, 1),
        _chunked_case("memory: 8 images, room for 1 at a time", 8, 1, measure=True),
    ),
    mistakes=(
        Mistake("last-chunk-dropped", "The last, smaller chunk is missing. Step through the images "
                "with range(0, N, step); the last chunk x[start:start + step] may be shorter.",
                _without_last_chunk),
    ),
)

TASKS = (float32_running_error, conv2d_chunked)
