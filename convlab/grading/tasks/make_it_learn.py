"""Tasks of ``exercises/08_make_it_learn.ipynb``: the backward passes and the update that train a CNN."""

from __future__ import annotations

import numpy as np

from ..deciding.rules import NUMPY, SLIDING_WINDOWS, Rule
from .base import Case, Mistake, Task, floats

import convlab

EXERCISE = "08_make_it_learn"

#: The gradients are the learner's to derive; the library's are what they are checked against.
OWN_GRADIENT = Rule(
    "Derive it yourself, with NumPy and convlab.sliding_windows only: window views and contractions "
    "(np.tensordot, np.einsum) are allowed; convlab's backward passes and layers are not.",
    allow=(NUMPY, SLIDING_WINDOWS),
)


# --- 1 · the bias gradient -----------------------------------------------------------------------------


def _bias_grad(grad_out):
    return grad_out.sum(axis=(0, 2, 3))


conv_bias_grad = Task(
    name="conv_bias_grad",
    exercise=EXERCISE,
    title="the bias gradient",
    difficulty="easy",
    kind="function",
    params=("grad_out",),
    reference=_bias_grad,
    rule=OWN_GRADIENT,
    cases=(
        Case("a batch of 3 images, 4 filters", (floats(3, 4, 5, 5),)),
        Case("a batch of 8 images, 2 filters, 6×7 maps", (floats(8, 2, 6, 7),)),
        Case("one image, 5 filters", (floats(1, 5, 3, 4),)),
    ),
    mistakes=(
        Mistake("not-summed-over-batch", "Only the first image's gradient: every image of the batch adds to "
                "dL/db[f], so sum grad_out over the images (axis 0) as well as over the positions.",
                lambda g: g[0].sum(axis=(1, 2))),
        Mistake("averaged-twice", "Divided by the batch size: the loss is already the mean over the batch, "
                "so grad_out already holds the 1/N. Sum over the images; do not average again.",
                lambda g: g.mean(axis=0).sum(axis=(1, 2))),
        Mistake("summed-over-filters", "Summed over the filters instead of the images: there is one bias per "
                "filter, so keep axis 1 and sum axes 0, 2 and 3.", lambda g: g.sum(axis=(1, 2, 3))),
    ),
)


# --- 2 · the weight gradient of a bank over a batch, with stride 2 -----------------------------------------


def _weight_grad(x, grad_out, kernel_hw, stride):
    kernels = np.zeros((grad_out.shape[1], x.shape[1]) + tuple(kernel_hw))
    return convlab.conv2d_backward(x, kernels, grad_out, stride=stride)[1]


def _weight_case(label, n, c, h, w, k, r, s, stride=(2, 2)):
    def build(rng):
        x = rng.uniform(-1, 1, (n, c, h, w)).round(2)
        ho, wo = convlab.output_shape((h, w), (r, s), stride)
        return x, rng.uniform(-1, 1, (n, k, ho, wo)).round(2), (r, s), stride

    return Case(label, build)


conv_weight_grad = Task(
    name="conv_weight_grad",
    exercise=EXERCISE,
    title="the weight gradient of a filter bank, stride 2",
    difficulty="hard",
    kind="function",
    params=("x", "grad_out"),
    axes=("K", "C", "R", "S"),
    reference=_weight_grad,
    rule=OWN_GRADIENT,
    cases=(
        _weight_case("2 images, 3 channels, 4 filters of 3×3", 2, 3, 9, 9, 4, 3, 3),
        _weight_case("4 images, 2 channels, 3 filters of 2×3, odd sizes", 4, 2, 8, 11, 3, 2, 3),
        _weight_case("1 image, 1 channel, 2 filters of 3×3", 1, 1, 7, 8, 2, 3, 3),
        _weight_case("3 images, 2 channels, 2 filters, stride (2, 1)", 3, 2, 8, 7, 2, 3, 2, stride=(2, 1)),
    ),
    mistakes=(
        Mistake("not-summed-over-batch", "Only one image's gradient: each image of the batch adds its own "
                "windows times its own grad_out, so contract over the images (axis 0) too.",
                lambda x, g, kernel_hw, stride: _weight_grad(x[:1], g[:1], kernel_hw, stride)),
        Mistake("averaged-twice", "Divided by the batch size: grad_out already carries the 1/N of the mean "
                "loss. Sum over the images; do not average again.",
                lambda x, g, kernel_hw, stride: _weight_grad(x, g, kernel_hw, stride) / len(x)),
        Mistake("kernel-flipped", "This is the gradient turned by 180°. dL/dk[f, c, r, s] sums "
                "grad_out[n, f, i, j] * x[n, c, i*stride + r, j*stride + s]: the windows as they are.",
                lambda x, g, kernel_hw, stride: _weight_grad(x, g, kernel_hw, stride)[..., ::-1, ::-1]),
        Mistake("stride-ignored", "The windows were taken with stride 1. With stride 2, output (i, j) read "
                "the window starting at row 2i and column 2j: take the windows with the same stride.",
                lambda x, g, kernel_hw, stride: _stride_one(x, g, kernel_hw)),
    ),
)


def _stride_one(x, g, kernel_hw):
    """The weight gradient with the windows of stride 1, cut to grad_out's size."""
    windows = convlab.sliding_windows(x, kernel_hw)[:, :, : g.shape[2], : g.shape[3]]
    return np.tensordot(g, windows, axes=([0, 2, 3], [0, 2, 3]))


# --- 3 · max-pool backward, with ties ---------------------------------------------------------------------


def _ties(*shape, high=3):
    """Small integers as floats: windows often hold their maximum twice."""
    return lambda rng: rng.integers(0, high, shape).astype(float)


def _pool_case(label, shape, window):
    def build(rng):
        x = _ties(*shape)(rng)
        out = convlab.max_pool2d(x, window).shape
        return x, rng.uniform(-1, 1, out).round(2), window

    return Case(label, build)


def _masked(x, g, window, share):
    """Gradients routed by ``share(is_max)`` within each window (stride = window)."""
    windows = convlab.sliding_windows(x, window, window)
    is_max = windows == windows.max(axis=(-2, -1), keepdims=True)
    parts = share(is_max) * g[..., None, None]
    out = np.zeros(x.shape, dtype=np.result_type(x, g))
    ho, wo = g.shape[-2:]
    block = out[..., : ho * window, : wo * window].reshape(x.shape[:-2] + (ho, window, wo, window))
    block[...] = np.moveaxis(parts, -2, -3)
    return out


max_pool_backward = Task(
    name="max_pool_backward",
    exercise=EXERCISE,
    title="max pooling backward, with ties",
    difficulty="medium",
    kind="function",
    params=("x", "grad_out"),
    axes=("C", "H", "W"),
    reference=lambda x, g, window: convlab.max_pool2d_backward(x, g, window),
    rule=OWN_GRADIENT,
    cases=(
        _pool_case("2 channels of 4×4, window 2", (2, 4, 4), 2),
        _pool_case("a batch of 2 images, 3 channels of 6×6, window 3", (2, 3, 6, 6), 3),
        _pool_case("5×7 maps, window 2: the last row and column are never pooled", (2, 5, 7), 2),
        _pool_case("one 6×6 map of 0s and 1s, window 2: ties everywhere", (1, 6, 6), 2),
    ),
    mistakes=(
        Mistake("every-tie", "The gradient went to every cell that ties for the maximum, so a window with "
                "two maxima passes on twice its gradient. Send it to one cell per window: the first "
                "maximum in row-major order (np.argmax over the flattened window), as PyTorch does.",
                lambda x, g, w: _masked(x, g, w, lambda m: m)),
        Mistake("split-ties", "The gradient was split between the tied cells. That is a valid subgradient, "
                "but not the convention here (PyTorch's): all of it goes to the first maximum in row-major order.",
                lambda x, g, w: _masked(x, g, w, lambda m: m / m.sum(axis=(-2, -1), keepdims=True))),
        Mistake("last-tie", "The gradient went to the last of the tied cells; the convention is the first "
                "in row-major order, which np.argmax returns.",
                lambda x, g, w: convlab.max_pool2d_backward(x[..., ::-1, ::-1], g[..., ::-1, ::-1], w)[..., ::-1, ::-1]
                if x.shape[-2] % w == 0 and x.shape[-1] % w == 0 else None),
        Mistake("every-cell", "Every cell of the window got the gradient. Only the cell that won the maximum "
                "affected the output, so only it gets dL/dout; the others get 0.",
                lambda x, g, w: _masked(x, g, w, lambda m: np.ones_like(m, dtype=float))),
    ),
)


# --- 4 · softmax cross-entropy and its gradient --------------------------------------------------------------


def _logits_case(label, n, classes, extremes=()):
    def build(rng):
        logits = rng.normal(0, 3, (n, classes)).round(2)
        for row, value in enumerate(extremes):  # one extreme logit in each of the first rows
            logits[row, int(rng.integers(classes))] = value
        return logits, rng.integers(0, classes, n)

    return Case(label, build)


def _naive_softmax(logits, labels):
    with np.errstate(all="ignore"):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        rows = np.arange(len(labels))
        grad = p.copy()
        grad[rows, labels] -= 1
        return float(-np.log(p[rows, labels]).mean()), grad / len(labels)


def _scaled(logits, labels, loss_by, grad_by):
    loss, grad = convlab.softmax_cross_entropy(logits, labels)
    return loss * loss_by, grad * grad_by


softmax_cross_entropy = Task(
    name="softmax_cross_entropy",
    exercise=EXERCISE,
    title="softmax cross-entropy and its gradient",
    difficulty="medium",
    kind="function",
    params=("logits", "labels"),
    reference=lambda logits, labels: convlab.softmax_cross_entropy(logits, labels),
    rule=Rule(
        "Compute it yourself, stably, with NumPy only: convlab's layers and SciPy's logsumexp and softmax "
        "are not allowed.",
        allow=(NUMPY,),
    ),
    cases=(
        _logits_case("4 digits, 10 classes", 4, 10),
        _logits_case("a batch of 16, 3 classes", 16, 3),
        _logits_case("one logit of 1000: exp overflows", 5, 10, extremes=(1000.0,)),
        _logits_case("a logit of -1000 and one of 800", 3, 4, extremes=(-1000.0, 800.0)),
    ),
    mistakes=(
        Mistake("softmax-overflow", "np.exp(1000) is inf in float64, and inf / inf is nan. Subtract each "
                "row's maximum from the logits first: softmax does not change, and exp never overflows.",
                _naive_softmax),
        Mistake("not-divided-by-n", "The loss and its gradient are summed over the batch, not averaged: "
                "divide both by the number of rows N.",
                lambda z, y: _scaled(z, y, len(y), len(y))),
        Mistake("averaged-twice", "The gradient is divided by N twice: (softmax - onehot) / N is already "
                "the gradient of the mean loss.",
                lambda z, y: _scaled(z, y, 1, 1 / len(y))),
        Mistake("sign-flipped", "The gradient has the wrong sign: dL/dlogits = (softmax - onehot) / N, "
                "which is positive for the wrong classes.",
                lambda z, y: _scaled(z, y, 1, -1)),
    ),
)


# --- 5 · one SGD-with-momentum step ---------------------------------------------------------------------------


def _step_case(label, shape, lr, momentum):
    return Case(label, (floats(*shape), floats(*shape), floats(*shape), lr, momentum))


sgd_momentum_step = Task(
    name="sgd_momentum_step",
    exercise=EXERCISE,
    title="one step of SGD with momentum",
    difficulty="easy",
    kind="function",
    params=("param", "grad", "velocity"),
    reference=lambda p, g, v, lr, mu: convlab.sgd_momentum(p, g, v, lr=lr, momentum=mu),
    rule=Rule("Write the update yourself, with NumPy only: convlab's sgd_momentum and layers are not allowed.",
              allow=(NUMPY,)),
    cases=(
        _step_case("a vector, lr 0.1, momentum 0.9", (6,), 0.1, 0.9),
        _step_case("a filter bank, lr 0.05, momentum 0.5", (2, 3, 3, 3), 0.05, 0.5),
        _step_case("a weight matrix, lr 0.01, momentum 0.99", (4, 5), 0.01, 0.99),
    ),
    mistakes=(
        Mistake("momentum-before-gradient", "The step used the old velocity, before the new gradient was "
                "added to it. First velocity = momentum * velocity + grad, then param - lr * velocity.",
                lambda p, g, v, lr, mu: (p - lr * v, mu * v + g)),
        Mistake("gradient-inside-momentum", "velocity = momentum * (velocity + grad) scales the new gradient "
                "by the momentum too; only the old velocity is scaled: momentum * velocity + grad.",
                lambda p, g, v, lr, mu: (p - lr * mu * (v + g), mu * (v + g))),
        Mistake("lr-in-velocity", "The learning rate went into the velocity (momentum * velocity + lr * grad). "
                "In this convention (PyTorch's) the velocity sums raw gradients and lr scales the step.",
                lambda p, g, v, lr, mu: (p - (mu * v + lr * g), mu * v + lr * g)),
        Mistake("uphill", "The step went up the gradient: descent subtracts, param - lr * velocity.",
                lambda p, g, v, lr, mu: (p + lr * (mu * v + g), mu * v + g)),
    ),
)

TASKS = (conv_bias_grad, conv_weight_grad, max_pool_backward, softmax_cross_entropy, sgd_momentum_step)
