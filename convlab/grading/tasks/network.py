"""The capstone's network, as the grader knows it: forward, loss and gradients, and the digits it trains on.

Convolution (``F`` filters of 3×3, padding 1) → ReLU → 2×2 max pooling →
dense (10 scores), on the 8×8 handwritten digits of :func:`convlab.load_digits`;
parameters ``(k, b, w, c)``: ``k`` (F, 1, 3, 3), ``b`` (F,), ``w`` (10, 16 F), ``c`` (10,).
The exercise gives the learner the same forward pass (``network_forward``).

:class:`Digits` draws a split for one grading run: a permutation of the ten
labels, one of the eight turns and mirror images of the square, training
digits sorted by label (so a loop that forgets to shuffle learns one digit at
a time), and held-out digits that stay with the judge: only the training part
is sent to the learner's ``train``.

Examples
--------
>>> import numpy as np
>>> params = init(np.random.default_rng(0), filters=4)
>>> x = np.random.default_rng(1).uniform(0, 1, (5, 1, 8, 8))
>>> logits = forward(x, *params)
>>> logits.shape
(5, 10)
>>> loss, *grads = loss_and_gradients(x, np.arange(5), *params)
>>> [g.shape for g in grads]
[(4, 1, 3, 3), (4,), (10, 64), (10,)]
"""

from __future__ import annotations

import math

import numpy as np

import convlab

__all__ = ["init", "forward", "loss_and_gradients", "accuracy", "Digits", "LN10"]

#: The loss of a network that knows nothing, over ten classes: -ln(1/10).
LN10 = math.log(10)


def init(rng, filters=8):
    """Parameters scaled so the first loss is about ln 10: He for the convolution, small for the scores."""
    return (rng.standard_normal((filters, 1, 3, 3)) * math.sqrt(2 / 9), np.zeros(filters),
            rng.standard_normal((10, filters * 16)) * math.sqrt(1 / (filters * 16)) * 0.1, np.zeros(10))


def _layers(x, k, b, w, c):
    z = convlab.conv_layer(x, k, b, padding=1)
    a = convlab.relu(z)
    p = convlab.max_pool2d(a, 2)
    h = p.reshape(len(x), -1)
    return convlab.dense(h, w, c), (z, a, p, h)


def forward(x, k, b, w, c):
    """The network's scores, (N, 10)."""
    return _layers(x, k, b, w, c)[0]


def loss_and_gradients(x, labels, k, b, w, c):
    """``(mean softmax cross-entropy, dk, db, dw, dc)``, from convlab's backward passes."""
    logits, (z, a, p, h) = _layers(x, k, b, w, c)
    loss, g = convlab.softmax_cross_entropy(logits, labels)
    g, dw, dc = convlab.dense_backward(h, w, g)
    g = convlab.max_pool2d_backward(a, g.reshape(p.shape), 2)
    g = convlab.relu_backward(z, g)
    _, dk, db = convlab.conv_layer_backward(x, k, g, padding=1)
    return loss, dk, db, dw, dc


def accuracy(params, x, labels):
    """The share of ``x`` the parameters label right (NaN parameters: 0)."""
    if not all(np.all(np.isfinite(p)) for p in params):
        return 0.0
    return float(np.mean(forward(x, *params).argmax(axis=1) == labels))


def _digits():
    images, labels = convlab.load_digits()
    return (images / 16.0)[:, None], labels


class Digits:
    """A split of the digits for one grading run; only :attr:`x` (or :attr:`y`) crosses to the learner.

    Parameters
    ----------
    rng : numpy.random.Generator
    train : int
        How many digits to train on (sorted by label); the rest are held out, or ``held_out`` of them.
    part : {"x", "y"}
        Which of the training arrays this object sends (the judge reads the rest from it).
    """

    def __init__(self, rng, train, held_out=None, part="x"):
        x, y = _digits()
        order = rng.permutation(len(y))
        turn, mirror = int(rng.integers(4)), bool(rng.integers(2))
        x = np.rot90(x, turn, axes=(2, 3))
        x = np.ascontiguousarray(x[..., ::-1] if mirror else x)
        relabel = rng.permutation(10)
        y = relabel[y]
        chosen, rest = order[:train], order[train:train + (held_out or len(y))]
        chosen = chosen[np.argsort(y[chosen], kind="stable")]  # sorted by label: shuffling is the learner's job
        self.x, self.y = x[chosen], y[chosen]
        self.held_x, self.held_y = x[rest], y[rest]
        self.part = part

    def sends(self, part):
        """The same split, sending its other array."""
        other = object.__new__(Digits)
        other.__dict__.update(self.__dict__, part=part)
        return other

    def encode_input(self):
        from ..plain import encode_input

        return encode_input(self.x if self.part == "x" else self.y)

    def __repr__(self):
        return f"{len(self.x)} training digits ({self.part}), {len(self.held_y)} held out by the grader"
