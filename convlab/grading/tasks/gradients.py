"""Tasks of ``exercises/08_gradients.ipynb``: pooling with padding, gradients, transposed convolution."""

from __future__ import annotations

import numpy as np

from ..deciding.rules import NUMPY, NUMPY_CONVOLUTIONS, SLIDING_WINDOWS, Rule
from .base import STRIDE_IGNORED, Case, ConvLoss, ErrorHint, Mistake, Task, flip, floats, ints, mistake, transposed

import convlab

EXERCISE = "08_gradients"

#: Pooling from the windows of lesson 02, not from convlab's pooling.
OWN_POOLING = Rule(
    "Reduce window views yourself, with NumPy and convlab.sliding_windows only: no pooling or filter "
    "routine (convlab's or SciPy's).",
    allow=(NUMPY, SLIDING_WINDOWS),
)


def _zero_padded_max(x, window, stride, padding):
    width = [(0, 0)] * (x.ndim - 2) + [(padding, padding)] * 2
    return convlab.sliding_windows(np.pad(x, width), (window, window), stride).max(axis=(-2, -1))


def _negative(spec):
    """The same values made negative (-|v|): a zero in the padding would beat all of them."""
    return lambda rng: -np.abs(spec(rng))


max_pool_padded = Task(
    name="max_pool_padded",
    exercise=EXERCISE,
    title="max pooling with padding",
    difficulty="medium",
    kind="function",
    params=("x",),
    axes=("Ho", "Wo"),
    reference=lambda x, window, stride, padding: convlab.max_pool2d(x, window, stride, padding),
    rule=OWN_POOLING,
    cases=(
        Case("5×5 negative integers, window 2, stride 2, padding 1", (ints(5, 5, low=-9, high=0), 2, 2, 1)),
        Case("7×6 floats, window 3, stride 2, padding 1", (floats(7, 6), 3, 2, 1)),
        Case("2 channels of 6×5, window 3, stride 1, padding 1: the size kept", (floats(2, 6, 5), 3, 1, 1)),
        Case("a transposed input of negative floats, window 2, stride 1, padding 1",
             (_negative(transposed(floats(7, 6))), 2, 1, 1)),
    ),
    mistakes=(
        Mistake("zero-padding", "A padded zero won some windows at the border: where every real cell of a "
                "window is negative, a zero is its maximum. Pad with the smallest value there is "
                "(np.pad(..., constant_values=-np.inf) on floats), so that padded cells never win.",
                _zero_padded_max),
        mistake(STRIDE_IGNORED, lambda x, window, stride, padding: convlab.max_pool2d(x, window, 1, padding)),
        Mistake("padding-ignored", "The padding was ignored: pad the last two axes by padding cells on "
                "each side first, then take the windows.",
                lambda x, window, stride, padding: convlab.max_pool2d(x, window, stride, 0)),
    ),
    errors=(
        ErrorHint("inf-in-integers", r"OverflowError: cannot convert float infinity to integer",
                  "An integer array cannot hold -inf, so np.pad(x, ..., constant_values=-np.inf) fails when x "
                  "holds integers. Pad with the smallest value x's dtype can hold instead: -np.inf for floats, "
                  "np.iinfo(x.dtype).min for integers (x.dtype.kind tells which). The result keeps x's dtype."),
    ),
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
    "Use NumPy and convlab.conv2d only (np.pad included): not conv2d_backward or conv_transpose2d.",
    allow=(NUMPY, "convlab.conv2d"),
)

numerical_gradient = Task(
    name="numerical_gradient",
    exercise=EXERCISE,
    title="a gradient by finite differences",
    difficulty="medium",
    kind="function",
    params=("f", "x"),
    reference=lambda f, x, eps: f.gradient(x),
    rule=Rule("Use finite differences of f, with NumPy only: no gradient routine.", allow=(NUMPY,)),
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

conv2d_grad_k = Task(
    name="conv2d_grad_k", exercise=EXERCISE, title="the gradient with respect to the kernel", difficulty="medium",
    kind="function", params=("x", "k", "grad_out"), axes=("R", "S"), rule=OWN_GRADIENT,
    reference=lambda x, k, g: convlab.conv2d_backward(x, k, g)[1],
    cases=(
        Case("4×4 integers, 2×2 kernel", (ints(4, 4), ints(2, 2), ints(3, 3))),
        Case("6×7 floats, 3×3 kernel", (floats(6, 7), floats(3, 3), floats(4, 5))),
        Case("5×8 floats, 2×3 kernel", (floats(5, 8), floats(2, 3), floats(4, 6))),
    ),
    mistakes=(
        Mistake("kernel-flipped", "This is the gradient turned by 180°. dL/dk[r, s] sums "
                "grad_out[i, j] * x[i + r, j + s]: conv2d(x, grad_out), nothing flipped.",
                lambda x, k, g: convlab.conv2d_backward(x, k, g)[1][::-1, ::-1]),
    ),
)


def _layer_case(label, n, c, h, w, kf, r, s, stride, dilation, draw=floats):
    def build(rng):
        out_hw = convlab.output_shape((h, w), (r, s), stride, 0, dilation)
        return draw(n, c, h, w)(rng), draw(kf, c, r, s)(rng), draw(n, kf, *out_hw)(rng), stride, dilation

    return Case(label, build)


def _grad_x_recipe(x, k, g, stride, dilation, *, turn=True, swap=True, spread=True, dilate=True):
    """dL/dx by lesson 08's recipe, each step optional; None when a skipped step makes no result of x's shape."""
    h, w = x.shape[-2:]
    r, s = k.shape[-2:]
    if spread:  # the values of g stride apart, zeros between them
        ho, wo = g.shape[-2:]
        spread_g = np.zeros(g.shape[:2] + ((ho - 1) * stride[0] + 1, (wo - 1) * stride[1] + 1), dtype=g.dtype)
        spread_g[..., ::stride[0], ::stride[1]] = g
        g = spread_g
    bank = k.transpose(1, 0, 2, 3) if swap else k
    bank = bank[..., ::-1, ::-1] if turn else bank
    d = dilation if dilate else (1, 1)
    try:
        full = convlab.conv2d(g, bank, padding=(d[0] * (r - 1), d[1] * (s - 1)), dilation=d)
    except ValueError:  # the channels do not match: this mistake cannot happen on these shapes
        return None
    if full.shape[-2] > h or full.shape[-1] > w:
        return None
    return np.pad(full, [(0, 0), (0, 0), (0, h - full.shape[-2]), (0, w - full.shape[-1])])


layer_grad_x = Task(
    name="layer_grad_x",
    exercise=EXERCISE,
    title="the input gradient of a layer, with stride and dilation",
    difficulty="hard",
    kind="function",
    params=("x", "k", "grad_out"),
    axes=("N", "C", "H", "W"),
    reference=lambda x, k, g, stride, dilation: convlab.conv2d_backward(x, k, g, stride=stride, dilation=dilation)[0],
    rule=OWN_GRADIENT,
    cases=(
        _layer_case("2 images, 3 channels of 9×8, 4 filters of 3×3, stride (2, 2)",
                    2, 3, 9, 8, 4, 3, 3, (2, 2), (1, 1)),
        _layer_case("2 channels of 9×10, 3 filters of 3×3, dilation (2, 2)", 1, 2, 9, 10, 3, 3, 3, (1, 1), (2, 2)),
        _layer_case("3 images, 2 filters of 3×2, stride (2, 1), dilation (1, 2)", 3, 2, 10, 9, 2, 3, 2, (2, 1), (1, 2)),
        _layer_case("as many filters as channels, integers, stride (2, 2), dilation (2, 2)",
                    2, 2, 9, 9, 2, 2, 2, (2, 2), (2, 2), draw=ints),
    ),
    mistakes=(
        Mistake("kernel-not-flipped", "The bank must be turned by 180° here, as in the stride-1 recipe: "
                "each output gradient goes back along its window with the taps in reverse order. Use "
                "k.transpose(1, 0, 2, 3)[..., ::-1, ::-1].",
                lambda x, k, g, st, d: _grad_x_recipe(x, k, g, st, d, turn=False)),
        Mistake("bank-not-swapped", "The bank was used as (K, C, R, S). Going back, the filters are the "
                "input channels and the channels the outputs: swap the bank's first two axes, "
                "k.transpose(1, 0, 2, 3), so that the sum runs over the K filters.",
                lambda x, k, g, st, d: _grad_x_recipe(x, k, g, st, d, swap=False)),
        mistake(STRIDE_IGNORED, lambda x, k, g, st, d: _grad_x_recipe(x, k, g, st, d, spread=False)),
        Mistake("dilation-ignored", "The dilation was ignored on the way back: the kernel's taps were d "
                "apart in the forward pass, so they are d apart going back too (conv2d with the same "
                "dilation, and padding d*(R - 1) rows and d*(S - 1) columns).",
                lambda x, k, g, st, d: _grad_x_recipe(x, k, g, st, d, dilate=False)),
    ),
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
    rule=Rule("Scatter each y[i, j] * k yourself, with NumPy only: no conv_transpose2d or conv2d_backward.",
              allow=(NUMPY,), forbid=NUMPY_CONVOLUTIONS),
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

TASKS = (max_pool_padded, numerical_gradient, conv2d_grad_k, layer_grad_x, conv_transpose)
