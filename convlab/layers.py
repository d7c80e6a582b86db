"""The layers of a small convolutional network, forward and backward, in NumPy.

Lesson 09 trains a network built from the course's own pieces.  Each layer
here is a pair of plain functions: the forward pass computes the layer's
output, and the backward pass takes ``grad_out = dL/dout``, the gradient of
the loss with respect to that output, and returns the gradients with respect
to the layer's input and weights.  Backward passes take the forward pass's
input again instead of a stored cache, like :func:`convlab.conv2d_backward`.

============================  =====================================================
forward                       backward
============================  =====================================================
:func:`conv_layer`            :func:`conv_layer_backward` -> ``dx, dk, db``
:func:`relu`                  :func:`relu_backward` -> ``dx``
:func:`convlab.max_pool2d`    :func:`convlab.max_pool2d_backward` -> ``dx``
:func:`dense`                 :func:`dense_backward` -> ``dx, dw, db``
:func:`softmax_cross_entropy` returns the loss and ``dL/dlogits`` together
============================  =====================================================

:func:`sgd_momentum` updates a weight from its gradient.  Shapes and
conventions follow PyTorch (``NCHW``, dense weights ``(out, in)``, the loss
averaged over the batch, SGD's momentum), so every function can be checked
against its autograd; ``tests/test_layers.py`` does.
"""

from __future__ import annotations

import numbers

import numpy as np

from .backward import conv2d_backward
from .conv import conv2d
from .params import check_numeric_array

__all__ = [
    "conv_layer",
    "conv_layer_backward",
    "relu",
    "relu_backward",
    "dense",
    "dense_backward",
    "log_softmax",
    "softmax_cross_entropy",
    "sgd_momentum",
]


def conv_layer(x, k, b, stride=1, padding=0, dilation=1, method="auto"):
    """A convolution layer: :func:`convlab.conv2d` plus one bias per filter.

    Parameters
    ----------
    x : array_like
        ``(C, H, W)`` or a batch ``(N, C, H, W)`` (or ``(H, W)`` with a 2-D kernel).
    k : array_like
        A filter bank ``(K, C, R, S)``, or one filter ``(C, R, S)`` / ``(R, S)``.
    b : array_like or None
        The biases: shape ``(K,)`` for a bank, a scalar for one filter.
        ``None`` adds nothing.
    stride, padding, dilation, method
        As in :func:`convlab.conv2d`.

    Returns
    -------
    numpy.ndarray
        ``conv2d(x, k, ...)`` with ``b[f]`` added to every position of
        output channel ``f``: ``(N, K, Ho, Wo)`` for a batch and a bank.

    Raises
    ------
    ValueError
        If ``b`` does not have one value per filter, or for any input
        :func:`convlab.conv2d` rejects.
    TypeError
        If ``b`` is not numeric, or for any input :func:`convlab.conv2d` rejects.

    Examples
    --------
    >>> x = np.ones((1, 1, 3, 3))                        # N, C, H, W
    >>> k = np.ones((2, 1, 2, 2))                        # K, C, R, S
    >>> conv_layer(x, k, np.array([0.5, -4.0]))[0]       # 4 + b[f]
    array([[[4.5, 4.5],
            [4.5, 4.5]],
    <BLANKLINE>
           [[0. , 0. ],
            [0. , 0. ]]])
    """
    # Arguments are checked in the order of the signature: b before stride and the rest.
    x = check_numeric_array(x, "x")
    k = check_numeric_array(k, "k")
    if b is not None:
        b = _check_bias(b, k)
    out = conv2d(x, k, stride=stride, padding=padding, dilation=dilation, method=method)
    if b is None:
        return out
    # With a bank, the filter axis is the third from the end of the output.
    return out + (b[:, None, None] if b.ndim == 1 else b)


def conv_layer_backward(x, k, grad_out, stride=1, padding=0, dilation=1):
    """Gradients of :func:`conv_layer` with respect to ``x``, ``k`` and the bias.

    Parameters
    ----------
    x, k, stride, padding, dilation
        As in :func:`conv_layer`.
    grad_out : array_like
        ``dL/dout``, the shape of the layer's output.

    Returns
    -------
    grad_x : numpy.ndarray
        The shape of ``x``.
    grad_k : numpy.ndarray
        The shape of ``k``.
    grad_b : numpy.ndarray
        ``(K,)`` for a bank, a 0-d array for one filter: ``grad_out`` summed
        over images and output positions.  The bias adds to every output of
        its filter, so each of them passes its gradient to it.

    Raises
    ------
    ValueError, TypeError
        As :func:`convlab.conv2d_backward`.

    Notes
    -----
    ``grad_x`` and ``grad_k`` do not depend on the bias: it only shifts the
    output.  They come from :func:`convlab.conv2d_backward`, and lesson 08
    derives them for batches, filter banks, stride and padding.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> k = np.ones((2, 1, 2, 2))
    >>> g = np.ones((1, 2, 2, 2))                        # dL/dout for L = sum(out)
    >>> gx, gk, gb = conv_layer_backward(x, k, g)
    >>> gb                                               # 4 outputs per filter
    array([4., 4.])
    >>> gk[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    grad_x, grad_k = conv2d_backward(x, k, grad_out, stride=stride, padding=padding, dilation=dilation)
    grad_out = np.asarray(grad_out)  # checked by conv2d_backward
    k = np.asarray(k)
    dtype = grad_k.dtype
    if k.ndim == 4:
        # sum over images, then positions: grad_out is (N, K, Ho, Wo) or (K, Ho, Wo)
        axes = (0, 2, 3) if grad_out.ndim == 4 else (1, 2)
        grad_b = grad_out.sum(axis=axes, dtype=dtype)
    else:
        grad_b = np.asarray(grad_out.sum(dtype=dtype))
    return grad_x, grad_k, grad_b


def relu(x):
    """The rectified linear unit, ``max(x, 0)`` element by element.

    Parameters
    ----------
    x : array_like
        Real numbers, any shape.

    Returns
    -------
    numpy.ndarray
        A new array of the shape and dtype of ``x``.

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    x = _check_real(x, "x")
    return np.maximum(x, 0)


def relu_backward(x, grad_out):
    """Gradient of :func:`relu`: ``grad_out`` where ``x > 0``, zero elsewhere.

    Parameters
    ----------
    x : array_like
        The forward pass's input.
    grad_out : array_like
        ``dL/dout``, the shape of ``x``.

    Returns
    -------
    numpy.ndarray
        ``dL/dx``, the shape of ``x``.

    Notes
    -----
    ReLU has no derivative at 0; this takes 0 there, as PyTorch does.

    Examples
    --------
    >>> relu_backward(np.array([-2.0, 0.0, 3.0]), np.array([5.0, 5.0, 5.0]))
    array([0., 0., 5.])
    """
    x = _check_real(x, "x")
    grad_out = _check_real(grad_out, "grad_out")
    _check_same_shape(grad_out, x, "grad_out", "x")
    return np.where(x > 0, grad_out, np.zeros((), np.result_type(grad_out, x)))


def dense(x, w, b):
    """A fully connected (dense) layer: ``x @ w.T + b``.

    Parameters
    ----------
    x : array_like, shape (..., D_in)
        A batch of vectors; flatten feature maps first
        (``h.reshape(len(h), -1)``).
    w : array_like, shape (D_out, D_in)
        The weights, one row per output (PyTorch's ``nn.Linear`` layout).
    b : array_like, shape (D_out,), or None

    Returns
    -------
    numpy.ndarray, shape (..., D_out)

    Examples
    --------
    >>> dense(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0], [1.0, 1.0], [0.0, -1.0]]), np.array([0.0, 0.0, 10.0]))
    array([[1., 3., 8.]])
    """
    x, w, b = _dense_args(x, w, b)
    out = x @ w.T
    return out if b is None else out + b


def dense_backward(x, w, grad_out):
    """Gradients of :func:`dense` with respect to ``x``, ``w`` and ``b``.

    With ``out[n, o] = sum over i of x[n, i] * w[o, i] + b[o]``:

    - ``dx = grad_out @ w``: each input feeds every output, through its weight;
    - ``dw = grad_out.T @ x``, summed over the batch;
    - ``db = grad_out`` summed over the batch.

    Parameters
    ----------
    x, w
        As in :func:`dense`.
    grad_out : array_like, shape (..., D_out)
        ``dL/dout``.

    Returns
    -------
    grad_x : numpy.ndarray, shape of x
    grad_w : numpy.ndarray, shape (D_out, D_in)
    grad_b : numpy.ndarray, shape (D_out,)

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> w = np.array([[1.0, -1.0]])
    >>> gx, gw, gb = dense_backward(x, w, np.array([[1.0], [1.0]]))
    >>> gw, gb          # the two images' inputs, added
    (array([[4., 6.]]), array([2.]))
    """
    x, w, _ = _dense_args(x, w, None)
    grad_out = check_numeric_array(grad_out, "grad_out")
    expected = x.shape[:-1] + w.shape[:1]
    if grad_out.shape != expected:
        raise ValueError(f"grad_out must have the shape of dense's result, {expected}, got {grad_out.shape}")
    g2 = grad_out.reshape(-1, w.shape[0])
    x2 = x.reshape(-1, w.shape[1])
    return grad_out @ w, g2.T @ x2, g2.sum(axis=0)


def log_softmax(logits):
    """``log(softmax(logits))`` along the last axis, computed without overflow.

    ``log softmax(z)_i = z_i - log(sum_j exp(z_j))``, and the logarithm of the
    sum is computed as ``m + log(sum_j exp(z_j - m))`` with ``m = max_j z_j``:
    every exponent is then at most 0, so ``exp`` cannot overflow, and the
    largest term is exactly 1, so the sum cannot be 0 either.

    Parameters
    ----------
    logits : array_like, shape (..., classes)
        Real scores.

    Returns
    -------
    numpy.ndarray
        The shape of ``logits``, floating point.

    Examples
    --------
    >>> np.exp(log_softmax(np.array([1000.0, 1000.0])))    # exp(1000) alone is inf
    array([0.5, 0.5])
    """
    z = _check_real(logits, "logits")
    if z.ndim == 0:
        raise ValueError("logits must have at least one axis (the classes), got a scalar")
    z = z.astype(np.result_type(z, np.float16), copy=False)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of the softmax of ``logits`` against ``labels``, and its gradient.

    For one image with scores ``z`` and true class ``y``, the softmax turns
    scores into probabilities ``p = exp(z) / sum(exp(z))`` and the loss is
    ``-log p[y]``.  Its gradient has a short form: ``dL/dz = p - onehot(y)``.
    Over a batch of ``N`` the loss is the mean, so the gradient is divided by
    ``N`` once.

    Parameters
    ----------
    logits : array_like, shape (N, classes)
        Real scores, one row per image.
    labels : array_like of int, shape (N,)
        The true classes, ``0 <= labels < classes``.

    Returns
    -------
    loss : float
        The mean of ``-log softmax(logits)[n, labels[n]]`` (PyTorch's
        ``F.cross_entropy``).
    grad_logits : numpy.ndarray, shape (N, classes)
        ``(softmax(logits) - onehot(labels)) / N``.

    Raises
    ------
    ValueError
        If the shapes do not match or a label is out of range.
    TypeError
        If ``labels`` are not integers or ``logits`` not real.

    Examples
    --------
    >>> loss, grad = softmax_cross_entropy(np.array([[2.0, 0.0], [0.0, 0.0]]), np.array([0, 1]))
    >>> round(loss, 4)                 # (-log 0.881 - log 0.5) / 2
    0.41
    >>> grad.round(3)
    array([[-0.06,  0.06],
           [ 0.25, -0.25]])
    """
    logp = log_softmax(logits)
    if logp.ndim != 2:
        raise ValueError(f"logits must have shape (N, classes), got shape {logp.shape}")
    labels = check_numeric_array(labels, "labels")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers (class numbers), got dtype {labels.dtype}")
    n, classes = logp.shape
    if labels.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), one per row of logits, got {labels.shape}")
    if labels.min() < 0 or labels.max() >= classes:
        bad = labels[(labels < 0) | (labels >= classes)][0]
        raise ValueError(f"labels must be in 0..{classes - 1} (logits has {classes} classes), got {bad}")
    rows = np.arange(n)
    loss = -logp[rows, labels].mean()
    grad = np.exp(logp)  # the softmax, from its stable logarithm
    grad[rows, labels] -= 1
    grad /= n
    return float(loss), grad


def sgd_momentum(param, grad, velocity, lr, momentum=0.9):
    """One step of stochastic gradient descent with momentum (PyTorch's ``optim.SGD``).

    ::

        velocity = momentum * velocity + grad
        param    = param - lr * velocity

    The velocity is a running sum of past gradients, each step's weight
    ``momentum`` times the one after: steps keep going in directions the
    gradients agree on and average out where they zigzag.

    Parameters
    ----------
    param : array_like
        The weights before the step.
    grad : array_like
        ``dL/dparam`` at ``param``, the same shape.
    velocity : array_like or None
        The velocity from the previous step; ``None`` (or zeros) at the first.
    lr : float
        The learning rate, > 0.
    momentum : float, optional
        In ``[0, 1)``; 0 is plain gradient descent.

    Returns
    -------
    param : numpy.ndarray
        The weights after the step.
    velocity : numpy.ndarray
        The velocity to pass to the next step.

    Examples
    --------
    >>> p, v = sgd_momentum(np.array([1.0]), np.array([0.5]), None, lr=0.1)
    >>> p, v
    (array([0.95]), array([0.5]))
    >>> sgd_momentum(p, np.array([0.5]), v, lr=0.1)   # v = 0.9*0.5 + 0.5
    (array([0.855]), array([0.95]))
    """
    param = _check_real(param, "param")
    grad = _check_real(grad, "grad")
    _check_same_shape(grad, param, "grad", "param")
    if velocity is None:
        velocity = np.zeros_like(grad)
    else:
        velocity = _check_real(velocity, "velocity")
        _check_same_shape(velocity, param, "velocity", "param")
    lr = _check_float(lr, "lr")
    momentum = _check_float(momentum, "momentum")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    velocity = momentum * velocity + grad
    return param - lr * velocity, velocity


def _check_real(a, name):
    a = check_numeric_array(a, name)
    if a.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got dtype {a.dtype}")
    return a


def _check_same_shape(a, b, name_a, name_b):
    if a.shape != b.shape:
        raise ValueError(f"{name_a} must have the shape of {name_b}, {b.shape}, got {a.shape}")


def _check_float(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    return float(value)


def _check_bias(b, k):
    b = _check_real(b, "b")
    expected = k.shape[:1] if k.ndim == 4 else ()
    if b.shape != expected:
        what = f"one per filter, k.shape[0] = {k.shape[0]}" if k.ndim == 4 else "a scalar for a single filter"
        raise ValueError(f"b must have shape {expected} ({what}), got shape {b.shape}")
    return b


def _dense_args(x, w, b):
    x = _check_real(x, "x")
    w = _check_real(w, "w")
    if w.ndim != 2:
        raise ValueError(f"w must have shape (D_out, D_in), got shape {w.shape}")
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"x must have D_in = {w.shape[1]} features in its last axis (w has shape {w.shape}), got shape {x.shape}"
        )
    if b is not None:
        b = _check_real(b, "b")
        if b.shape != w.shape[:1]:
            raise ValueError(f"b must have shape ({w.shape[0]},), one per output, got shape {b.shape}")
    return x, w, b
