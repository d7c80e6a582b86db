"""Tasks of ``exercises/07_beyond.ipynb``: pooling, gradients, transposed convolution."""

from __future__ import annotations

import numpy as np

from ..rules import GRADIENTS, POOLING, Rule
from .base import STRIDE_IGNORED, Case, ConvLoss, Mistake, Task, flip, floats, ints, mistake

import convlab

EXERCISE = "07_beyond"

#: Pooling from the windows of lesson 02, not from convlab's pooling.
OWN_POOLING = Rule("Reduce window views yourself; do not call convlab's pooling.", forbid=POOLING)

max_pool = Task(
    name="max_pool",
    exercise=EXERCISE,
    title="max pooling from windows",
    difficulty="easy",
    kind="function",
    params=("x",),
    axes=("Ho", "Wo"),
    reference=lambda x, window, stride: convlab.max_pool2d(x, window, stride),
    rule=OWN_POOLING,
    cases=(
        Case("4×4 integers, window 2, stride 2", (ints(4, 4, low=0, high=10), 2, 2)),
        Case("7×6 floats, window 3, stride 2", (floats(7, 6), 3, 2)),
        Case("2 channels of 5×5, window 2, stride 1", (floats(2, 5, 5), 2, 1)),
    ),
    mistakes=(
        mistake(STRIDE_IGNORED, lambda x, window, stride: convlab.max_pool2d(x, window, 1)),
        Mistake("stride-is-window", "You used non-overlapping windows (stride = window). Here the "
                "stride is its own argument.", lambda x, window, stride: convlab.max_pool2d(x, window, window)),
    ),
)

avg_pool = Task(
    name="avg_pool",
    exercise=EXERCISE,
    title="average pooling",
    difficulty="easy",
    kind="function",
    params=("x",),
    axes=("Ho", "Wo"),
    reference=lambda x, window, stride: convlab.avg_pool2d(x, window, stride),
    rule=OWN_POOLING,
    cases=(
        Case("4×4 integers, window 2, stride 2", (ints(4, 4, low=0, high=10), 2, 2)),
        Case("5×7 floats, window 3, stride 2", (floats(5, 7), 3, 2)),
    ),
    mistakes=(mistake(STRIDE_IGNORED, lambda x, window, stride: convlab.avg_pool2d(x, window, 1)),),
)


def _loss_case(label, x_shape, k_shape):
    return Case(label, (lambda rng: ConvLoss(rng.uniform(-1, 1, k_shape)), floats(*x_shape)), {"eps": 1e-5})


def _forward_differences(f, x, eps):
    """What one-sided differences (f(x + eps) - f(x)) / eps give."""
    grad = np.empty_like(x)
    fx = f(x)
    for index in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[index] += eps
        grad[index] = (f(shifted) - fx) / eps
    return grad


#: The gradient tasks are about deriving the gradient, not calling it.
OWN_GRADIENT = Rule(
    "You may call convlab.conv2d (and np.pad), but not conv2d_backward or conv_transpose2d.",
    forbid=GRADIENTS,
)

numerical_gradient = Task(
    name="numerical_gradient",
    exercise=EXERCISE,
    title="a gradient by finite differences",
    difficulty="medium",
    kind="function",
    params=("f", "x"),
    reference=lambda f, x, eps: f.gradient(x),
    rule=Rule("Use finite differences of f only: no gradient routine.", forbid=GRADIENTS),
    cases=(
        _loss_case("4×4 input, L with a 2×2 kernel", (4, 4), (2, 2)),
        _loss_case("5×6 input, L with a 3×2 kernel", (5, 6), (3, 2)),
        _loss_case("2 channels of 4×5, L with a 2×2×2 kernel", (2, 4, 5), (2, 2, 2)),
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

_GRAD_CASES = (
    Case("4×4 integers, 2×2 kernel", (ints(4, 4), ints(2, 2), ints(3, 3))),
    Case("6×7 floats, 3×3 kernel", (floats(6, 7), floats(3, 3), floats(4, 5))),
    Case("5×8 floats, 2×3 kernel", (floats(5, 8), floats(2, 3), floats(4, 6))),
)

def _gradient_task(name, title, difficulty, which, axes, known):
    """The gradient of ``conv2d(x, k)`` with respect to ``x`` (which=0) or ``k`` (which=1)."""
    return Task(
        name=name, exercise=EXERCISE, title=title, difficulty=difficulty, kind="function",
        params=("x", "k", "grad_out"), axes=axes, rule=OWN_GRADIENT, cases=_GRAD_CASES, mistakes=(known,),
        reference=lambda x, k, g: convlab.conv2d_backward(x, k, g)[which],
    )


conv2d_grad_k = _gradient_task(
    "conv2d_grad_k", "the gradient with respect to the kernel", "medium", 1, ("R", "S"),
    Mistake("kernel-flipped", "This is the gradient turned by 180°. dL/dk[r, s] sums "
            "grad_out[i, j] * x[i + r, j + s]: conv2d(x, grad_out), nothing flipped.",
            lambda x, k, g: convlab.conv2d_backward(x, k, g)[1][::-1, ::-1]),
)

conv2d_grad_x = _gradient_task(
    "conv2d_grad_x", "the gradient with respect to the input", "hard", 0, ("H", "W"),
    Mistake("kernel-not-flipped", "The kernel must be turned by 180° here: dL/dx is the full "
            "convolution of grad_out with k, i.e. conv2d(padded grad_out, k[::-1, ::-1]).",
            lambda x, k, g: convlab.conv2d(g, k, padding=(k.shape[0] - 1, k.shape[1] - 1))),
)

conv_transpose = Task(
    name="conv_transpose",
    exercise=EXERCISE,
    title="transposed convolution with a stride",
    difficulty="hard",
    kind="function",
    params=("y", "k"),
    axes=("H", "W"),
    reference=lambda y, k, stride: convlab.conv_transpose2d(y, k, stride),
    rule=Rule("Scatter each y[i, j] * k yourself; do not call conv_transpose2d or conv2d_backward.",
              forbid=GRADIENTS),
    cases=(
        Case("2×2 integers, 2×2 kernel, stride 1", (ints(2, 2), ints(2, 2), 1)),
        Case("3×3 integers, 2×2 kernel, stride 2", (ints(3, 3), ints(2, 2), 2)),
        Case("3×4 floats, 3×3 kernel, stride 2", (floats(3, 4), floats(3, 3), 2)),
        Case("2×3 floats, 2×3 kernel, stride 3", (floats(2, 3), floats(2, 3), 3)),
    ),
    mistakes=(
        mistake(STRIDE_IGNORED, lambda y, k, stride: convlab.conv_transpose2d(y, k, 1)),
        Mistake("kernel-flipped", "Each y[i, j] should add y[i, j] * k to the output block at "
                "(i*stride, j*stride) with the kernel as it is; yours was turned by 180°.",
                lambda y, k, stride: convlab.conv_transpose2d(y, flip(k), stride)),
    ),
)

TASKS = (max_pool, avg_pool, numerical_gradient, conv2d_grad_k, conv2d_grad_x, conv_transpose)
