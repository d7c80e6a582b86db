"""Tasks of ``exercises/06_performance.ipynb``: counting the work and the memory, im2col within a budget."""

from __future__ import annotations

import numpy as np

from ..rules import CONVOLUTIONS, Rule
from .base import Case, Mistake, Task, floats

import convlab

EXERCISE = "06_performance"


def _problem(batch, channels, size, filters, kernel, itemsize=None):
    """``(x_shape, k_shape[, itemsize])`` drawn from ``(low, high)`` ranges, channels shared."""

    def build(rng):
        def draw(r):
            return int(rng.integers(*r)) if isinstance(r, tuple) else r

        c = draw(channels)
        x_shape = (draw(batch), c, draw(size), draw(size))
        k_shape = (draw(filters), c, kernel, kernel)
        return (x_shape, k_shape) if itemsize is None else (x_shape, k_shape, itemsize)

    return build


def _multiply_adds(x_shape, k_shape, stride=1, padding=0, dilation=1, *, positions="output", channels=True):
    n, c, h, w = x_shape
    kf, _, r, s = k_shape
    ho, wo = convlab.output_shape((h, w), (r, s), stride, padding, dilation)
    if positions == "input":
        ho, wo = h, w
    return n * kf * ho * wo * (c if channels else 1) * r * s


multiply_adds = Task(
    name="multiply_adds",
    exercise=EXERCISE,
    title="counting multiply-adds",
    difficulty="easy",
    kind="function",
    reference=_multiply_adds,
    cases=(
        Case("a batch of small RGB images, 16 filters of 3×3", _problem((4, 11), 3, (28, 37), 16, 3)),
        Case("stride 2, padding 1", _problem((2, 7), (4, 11), (24, 33), 8, 3), {"stride": 2, "padding": 1}),
        Case("dilation 2", _problem(1, (2, 5), (18, 27), 4, 3), {"dilation": 2}),
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


columns_nbytes = Task(
    name="columns_nbytes",
    exercise=EXERCISE,
    title="the memory im2col needs",
    difficulty="easy",
    kind="function",
    reference=_columns_nbytes,
    cases=(
        Case("a batch of RGB images, 3×3 filters, float64", _problem((4, 11), 3, (28, 37), 16, 3, itemsize=8)),
        Case("a large batch of 16-channel maps, 3×3 filters, float32",
             _problem((48, 80), 16, (50, 60), 32, 3, itemsize=4)),
        Case("one large gray image, 5×5 filters, float64", _problem(1, 1, (400, 640), 4, 5, itemsize=8)),
    ),
    mistakes=(
        Mistake("bits-not-bytes", "That is bits, 8 times too many: itemsize is already in bytes.",
                lambda *a: 8 * _columns_nbytes(*a)),
        Mistake("input-bytes", "That is the size of x itself. The columns hold every window: "
                "C×R×S rows and Ho×Wo columns per image.",
                lambda x_shape, k_shape, itemsize: int(np.prod(x_shape)) * itemsize),
    ),
)


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
        "Build im2col columns for a few images at a time and multiply them yourself; no "
        "convolution routine.",
        forbid=CONVOLUTIONS,
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

TASKS = (multiply_adds, columns_nbytes, conv2d_chunked)
