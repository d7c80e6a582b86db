"""The layers of lesson 09 and max_pool2d_backward: PyTorch's autograd where installed,
finite differences, hand-made examples, ties, bad input and untouched inputs everywhere."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import LAYOUTS, conv_cases, in_layout

import convlab
from convlab import layers


def params_of(case):
    return {p: case[p] for p in ("stride", "padding", "dilation")}


def pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def bias_for(k, rng):
    return rng.standard_normal(k.shape[:1]) if k.ndim == 4 else np.float64(rng.standard_normal())


def numeric_gradient(loss, array, index, eps=1e-6):
    """Central difference of loss() in array[index]; array is restored afterwards."""
    saved = array[index]
    array[index] = saved + eps
    up = loss()
    array[index] = saved - eps
    down = loss()
    array[index] = saved
    return (up - down) / (2 * eps)


def gradient_check_error(a, b):
    """A gradient check's measure of two numbers' disagreement: ``|a - b| / max(|a|, |b|)``, symmetric in both.

    (Not ``benchmarks/bench.py``'s ``relative_error``, which scales a whole array's worst
    difference by the reference's largest value.)
    """
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


# ---------------------------------------------------------------- conv layer


@given(case=conv_cases(dtypes=["float64"], max_size=3))
def test_conv_layer_is_conv2d_plus_bias(case):
    rng = np.random.default_rng(0)
    b = bias_for(case["k"], rng)
    out = layers.conv_layer(case["x"], case["k"], b, **params_of(case))
    plain = convlab.conv2d(case["x"], case["k"], **params_of(case))
    shift = b[:, None, None] if np.ndim(b) == 1 else b
    np.testing.assert_allclose(out, plain + shift, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(layers.conv_layer(case["x"], case["k"], None, **params_of(case)), plain)


@given(case=conv_cases(dtypes=["float64"], max_size=3))
def test_conv_layer_backward_matches_finite_differences(case):
    x, k = case["x"].copy(), case["k"].copy()
    rng = np.random.default_rng(1)
    b = np.array(bias_for(k, rng))
    params = params_of(case)
    g = rng.standard_normal(layers.conv_layer(x, k, b, **params).shape)
    gx, gk, gb = layers.conv_layer_backward(x, k, g, **params)
    assert gx.shape == x.shape and gk.shape == k.shape and gb.shape == b.shape

    def loss():
        return np.sum(g * layers.conv_layer(x, k, b, **params))

    # the loss is linear in each argument: the central difference is exact up to rounding
    for array, grad in ((x, gx), (k, gk), (b, gb)):
        index = np.unravel_index(rng.integers(array.size), array.shape)
        assert gradient_check_error(numeric_gradient(loss, array, index, 1e-3), grad[index]) < 1e-7


def test_bias_gradient_sums_over_images_and_positions():
    g = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    _, _, gb = layers.conv_layer_backward(np.ones((2, 1, 3, 3)), np.ones((3, 1, 2, 2)), g)
    np.testing.assert_array_equal(gb, [g[:, f].sum() for f in range(3)])
    # one image (C, H, W): the sum runs over positions only
    _, _, gb = layers.conv_layer_backward(np.ones((1, 3, 3)), np.ones((3, 1, 2, 2)), g[0])
    np.testing.assert_array_equal(gb, g[0].sum(axis=(1, 2)))


@given(case=conv_cases(dtypes=["float64"], max_size=3))
def test_conv_layer_and_backward_match_torch_autograd(torch, case):
    x, k = case["x"], case["k"]
    b = bias_for(k, np.random.default_rng(2))
    params = params_of(case)
    x4 = x.reshape((1,) * (4 - x.ndim) + x.shape)
    k4 = k.reshape((1,) * (4 - k.ndim) + k.shape)
    tx = torch.tensor(np.ascontiguousarray(x4), requires_grad=True)
    tk = torch.tensor(np.ascontiguousarray(k4), requires_grad=True)
    tb = torch.tensor(np.reshape(b, (-1,)), requires_grad=True)
    out = torch.nn.functional.conv2d(tx, tk, tb, stride=pair(params["stride"]), padding=pair(params["padding"]),
                                     dilation=pair(params["dilation"]))
    g = np.random.default_rng(3).standard_normal(tuple(out.shape))
    out.backward(torch.from_numpy(g))

    ours = layers.conv_layer(x, k, b, **params)
    np.testing.assert_allclose(ours, out.detach().numpy().reshape(ours.shape), rtol=1e-10, atol=1e-10)
    gx, gk, gb = layers.conv_layer_backward(x, k, g.reshape(ours.shape), **params)
    np.testing.assert_allclose(gx, tx.grad.numpy().reshape(x.shape), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gk, tk.grad.numpy().reshape(k.shape), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gb, tb.grad.numpy().reshape(np.shape(b)), rtol=1e-10, atol=1e-10)


def test_conv_layer_float32_stays_float32():
    x = np.ones((2, 3, 5, 5), np.float32)
    k = np.ones((4, 3, 3, 3), np.float32)
    out = layers.conv_layer(x, k, np.zeros(4, np.float32), stride=2)
    assert out.dtype == np.float32
    assert all(a.dtype == np.float32 for a in layers.conv_layer_backward(x, k, out, stride=2))


# ---------------------------------------------------------------- ReLU


def test_relu_and_its_gradient_by_hand():
    x = np.array([[-1.5, 0.0], [2.0, -0.0]])
    np.testing.assert_array_equal(layers.relu(x), [[0, 0], [2, 0]])
    np.testing.assert_array_equal(layers.relu_backward(x, np.full((2, 2), 7.0)), [[0, 0], [7, 0]])


def test_relu_matches_torch_autograd_including_zero(torch):
    x = np.array([-2.0, -0.0, 0.0, 1e-300, 3.0, np.inf, -np.inf])
    tx = torch.tensor(x, requires_grad=True)
    out = torch.relu(tx)
    g = np.arange(1.0, 8.0)
    out.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(layers.relu(x), out.detach().numpy())
    np.testing.assert_array_equal(layers.relu_backward(x, g), tx.grad.numpy())


# ---------------------------------------------------------------- max pooling backward


def loop_max_pool_backward(x, g, window, stride, padding, dilation):
    """A direct loop: each window's gradient goes to its first largest real cell."""
    grad = np.zeros(x.shape)
    ho, wo = g.shape[-2:]
    for lead in np.ndindex(x.shape[:-2]):
        for i in range(ho):
            for j in range(wo):
                best = None
                for r in range(window[0]):
                    for s in range(window[1]):
                        a = i * stride[0] + r * dilation[0] - padding[0]
                        b = j * stride[1] + s * dilation[1] - padding[1]
                        if 0 <= a < x.shape[-2] and 0 <= b < x.shape[-1]:
                            if best is None or x[lead + (a, b)] > x[lead + best]:
                                best = (a, b)
                if best is not None:
                    grad[lead + best] += g[lead + (i, j)]
    return grad


@st.composite
def pool_cases(draw, ties=True):
    window = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, window[0] // 2)), draw(st.integers(0, window[1] // 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    h = draw(st.integers(dilation[0] * (window[0] - 1) + 1, 9))
    w = draw(st.integers(dilation[1] * (window[1] - 1) + 1, 9))
    lead = draw(st.sampled_from([(), (3,), (2, 3)]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # Few distinct values make ties common; otherwise all values differ.
    values = rng.integers(-2, 3, lead + (h, w)).astype(float) if ties else rng.standard_normal(lead + (h, w))
    x = in_layout(values, draw(st.sampled_from(LAYOUTS)))
    return x, window, stride, padding, dilation


@given(pool_cases())
def test_max_pool_backward_matches_loop(case):
    x, window, stride, padding, dilation = case
    g = np.random.default_rng(0).standard_normal(convlab.max_pool2d(x, window, stride, padding, dilation).shape)
    grad = convlab.max_pool2d_backward(x, g, window, stride, padding, dilation)
    np.testing.assert_allclose(grad, loop_max_pool_backward(x, g, window, stride, padding, dilation),
                               rtol=1e-12, atol=1e-12)


@given(pool_cases(ties=False))
def test_max_pool_backward_matches_finite_differences(case):
    """Away from ties max pooling is linear near x, so central differences are exact up to rounding."""
    x, window, stride, padding, dilation = case
    x = x.copy()
    rng = np.random.default_rng(1)
    g = rng.standard_normal(convlab.max_pool2d(x, window, stride, padding, dilation).shape)
    grad = convlab.max_pool2d_backward(x, g, window, stride, padding, dilation)

    def loss():
        return np.sum(g * convlab.max_pool2d(x, window, stride, padding, dilation))

    for _ in range(3):
        index = np.unravel_index(rng.integers(x.size), x.shape)
        # eps far below the gap between two standard-normal draws, so no window changes its winner
        assert abs(numeric_gradient(loss, x, index, 1e-7) - grad[index]) < 1e-6


@given(pool_cases())
def test_max_pool_backward_matches_torch_autograd_with_ties(torch, case):
    x, window, stride, padding, dilation = case
    tx = torch.tensor(np.ascontiguousarray(x).reshape((1,) * max(0, 3 - x.ndim) + x.shape), requires_grad=True)
    out = torch.nn.functional.max_pool2d(tx, window, stride, padding, dilation)
    g = np.random.default_rng(2).standard_normal(tuple(out.shape))
    out.backward(torch.from_numpy(g))
    grad = convlab.max_pool2d_backward(x, g.reshape(x.shape[:-2] + g.shape[-2:]), window, stride, padding, dilation)
    np.testing.assert_allclose(grad, tx.grad.numpy().reshape(x.shape), rtol=1e-12, atol=1e-12)


def test_max_pool_backward_nan_and_infinities_match_torch(torch):
    nan, inf = np.nan, np.inf
    x = np.array([[[nan, 1.0, 2.0, nan],
                   [0.0, nan, 2.0, 2.0],
                   [-inf, -inf, 5.0, inf],
                   [-inf, -inf, inf, 1.0]]])
    for padding in (0, 1):
        tx = torch.tensor(x, requires_grad=True)
        out = torch.nn.functional.max_pool2d(tx, 2, 2, padding)
        g = np.arange(1.0, 1.0 + out.numel()).reshape(tuple(out.shape))
        out.backward(torch.from_numpy(g))
        np.testing.assert_array_equal(convlab.max_pool2d_backward(x, g, 2, padding=padding), tx.grad.numpy())


def test_max_pool_backward_ties_by_hand():
    x = np.array([[7.0, 7.0],
                  [7.0, 7.0]])
    # the first maximum in row-major window order gets everything; the others nothing
    np.testing.assert_array_equal(convlab.max_pool2d_backward(x, np.array([[5.0]]), 2), [[5, 0], [0, 0]])
    x = np.array([[1.0, 9.0, 9.0],
                  [9.0, 1.0, 1.0]])
    np.testing.assert_array_equal(convlab.max_pool2d_backward(x, np.array([[1.0, 10.0]]), 2, stride=1),
                                  [[0, 11, 0], [0, 0, 0]])


def test_max_pool_backward_overlapping_windows_accumulate():
    x = np.zeros((5, 5))
    x[2, 2] = 1.0  # the largest cell lies in all nine 3x3 windows of stride 1
    grad = convlab.max_pool2d_backward(x, np.ones((3, 3)), 3, stride=1)
    assert grad[2, 2] == 9 and grad.sum() == 9


def test_max_pool_backward_padding_never_wins():
    x = np.full((1, 2, 2), -np.inf)  # real cells as small as the padding
    grad = convlab.max_pool2d_backward(x, np.ones((1, 2, 2)), 2, padding=1)
    np.testing.assert_array_equal(grad, np.ones((1, 2, 2)))  # each window's only real cell
    x = np.full((2, 2), np.iinfo(np.int16).min, dtype=np.int16)
    np.testing.assert_array_equal(convlab.max_pool2d_backward(x, np.ones((2, 2)), 2, padding=1), np.ones((2, 2)))


def test_max_pool_backward_gradient_is_conserved():
    """Each window passes its gradient to exactly one cell: nothing lost, nothing copied."""
    rng = np.random.default_rng(4)
    x = rng.integers(0, 2, (3, 4, 9, 9)).astype(np.float32)  # many ties
    g = rng.standard_normal((3, 4, 4, 4)).astype(np.float32)
    grad = convlab.max_pool2d_backward(x, g, 3, stride=2)
    assert grad.dtype == np.float32
    assert np.isclose(grad.sum(), g.sum(), rtol=1e-5)
    assert np.count_nonzero(grad) <= g.size


# ---------------------------------------------------------------- dense


def test_dense_and_backward_match_finite_differences():
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((4, 6)), rng.standard_normal((3, 6)), rng.standard_normal(3)
    g = rng.standard_normal((4, 3))
    gx, gw, gb = layers.dense_backward(x, w, g)

    def loss():
        return np.sum(g * layers.dense(x, w, b))

    for array, grad in ((x, gx), (w, gw), (b, gb)):
        for index in np.ndindex(array.shape):
            assert gradient_check_error(numeric_gradient(loss, array, index), grad[index]) < 1e-7


def test_dense_and_backward_match_torch_autograd(torch):
    rng = np.random.default_rng(6)
    x, w, b = rng.standard_normal((5, 7)), rng.standard_normal((4, 7)), rng.standard_normal(4)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = torch.nn.functional.linear(tx, tw, tb)
    g = rng.standard_normal((5, 4))
    out.backward(torch.from_numpy(g))
    np.testing.assert_allclose(layers.dense(x, w, b), out.detach().numpy(), rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(layers.dense_backward(x, w, g), (tx, tw, tb)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_dense_takes_one_vector_too():
    w = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(layers.dense(np.ones(3), w, None), [3, 12])
    gx, gw, gb = layers.dense_backward(np.ones(3), w, np.array([1.0, 0.0]))
    np.testing.assert_array_equal(gx, [0, 1, 2])
    np.testing.assert_array_equal(gw, [[1, 1, 1], [0, 0, 0]])


# ---------------------------------------------------------------- softmax cross-entropy


def test_softmax_cross_entropy_by_hand():
    logits = np.log(np.array([[1.0, 1.0, 2.0]]))  # softmax = (0.25, 0.25, 0.5)
    loss, grad = layers.softmax_cross_entropy(logits, np.array([2]))
    assert np.isclose(loss, np.log(2))
    np.testing.assert_allclose(grad, [[0.25, 0.25, -0.5]])


def test_softmax_cross_entropy_gradient_matches_finite_differences():
    rng = np.random.default_rng(7)
    logits = rng.standard_normal((5, 4)) * 3
    labels = rng.integers(0, 4, 5)
    _, grad = layers.softmax_cross_entropy(logits, labels)
    for index in np.ndindex(logits.shape):
        numeric = numeric_gradient(lambda: layers.softmax_cross_entropy(logits, labels)[0], logits, index)
        assert gradient_check_error(numeric, grad[index]) < 1e-6


def test_softmax_cross_entropy_does_not_overflow():
    logits = np.array([[1000.0, 0.0, -1000.0], [-800.0, -800.0, -800.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is harmless
        loss, grad = layers.softmax_cross_entropy(logits, np.array([1, 0]))
    assert np.isfinite(loss) and np.isclose(loss, (1000.0 + np.log(3)) / 2)
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-15)  # softmax sums to 1, one-hot too


def test_softmax_cross_entropy_matches_torch(torch):
    rng = np.random.default_rng(8)
    logits = rng.standard_normal((6, 10)) * 50  # large enough that a naive softmax would lose digits
    labels = rng.integers(0, 10, 6)
    t = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(t, torch.from_numpy(labels))
    expected.backward()
    loss, grad = layers.softmax_cross_entropy(logits, labels)
    assert np.isclose(loss, expected.item(), rtol=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(layers.log_softmax(logits), torch.log_softmax(t, dim=1).detach().numpy(),
                               rtol=1e-12, atol=1e-13)


def test_float32_logits_stay_float32():
    loss, grad = layers.softmax_cross_entropy(np.zeros((2, 3), np.float32), np.array([0, 2]))
    assert grad.dtype == np.float32 and isinstance(loss, float)


# ---------------------------------------------------------------- SGD with momentum


def test_sgd_momentum_matches_torch_optimizer(torch):
    rng = np.random.default_rng(9)
    start = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(5)]
    t = torch.tensor(start, requires_grad=True)
    optimizer = torch.optim.SGD([t], lr=0.1, momentum=0.9)
    param, velocity = start, None
    for g in grads:
        optimizer.zero_grad()
        t.grad = torch.from_numpy(g.copy())
        optimizer.step()
        param, velocity = layers.sgd_momentum(param, g, velocity, lr=0.1, momentum=0.9)
        np.testing.assert_allclose(param, t.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_sgd_momentum_by_hand_and_without_momentum():
    p, v = layers.sgd_momentum(np.array([1.0]), np.array([1.0]), None, lr=0.5)
    np.testing.assert_array_equal((p, v), ([0.5], [1.0]))
    p, v = layers.sgd_momentum(p, np.array([1.0]), v, lr=0.5)  # v = 0.9*1 + 1
    np.testing.assert_allclose((p, v), ([-0.45], [1.9]))
    p, v = layers.sgd_momentum(np.array([1.0]), np.array([2.0]), np.array([100.0]), lr=0.5, momentum=0)
    np.testing.assert_array_equal((p, v), ([0.0], [2.0]))  # momentum 0: plain gradient descent


# ---------------------------------------------------------------- inputs, errors


def test_no_layer_modifies_its_inputs():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 3, 6, 6))
    k = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    g = rng.standard_normal((2, 4, 3, 3))
    w = rng.standard_normal((5, 12))
    labels = np.array([1, 4])
    v = rng.standard_normal((5, 12))
    arrays = [x, k, b, g, w, labels, v]
    before = [a.copy() for a in arrays]
    layers.conv_layer(x, k, b, stride=2, padding=1)
    layers.conv_layer_backward(x, k, g, stride=2, padding=1)
    layers.relu(x)
    layers.relu_backward(x, x)
    convlab.max_pool2d_backward(x, rng.standard_normal((2, 3, 3, 3)), 2)
    layers.dense(x.reshape(2, -1)[:, :12], w, None)
    layers.dense_backward(x.reshape(2, -1)[:, :12], w, x[:, 0, 0, :5])
    layers.softmax_cross_entropy(w[:2], labels)
    layers.sgd_momentum(w, v, v, 0.1)
    for a, original in zip(arrays, before):
        np.testing.assert_array_equal(a, original)


X = np.ones((2, 1, 4, 4))
K = np.ones((3, 1, 3, 3))
BAD_CALLS = [
    ("bias per filter", lambda: layers.conv_layer(X, K, np.zeros(2)), ValueError,
     r"b must have shape \(3,\) \(one per filter, k.shape\[0\] = 3\), got shape \(2,\)"),
    ("bias of one filter", lambda: layers.conv_layer(X[0, 0], K[0, 0], np.zeros(1)), ValueError,
     r"b must have shape \(\) \(a scalar for a single filter\), got shape \(1,\)"),
    ("bias string", lambda: layers.conv_layer(X, K, np.array(["a", "b", "c"])), TypeError,
     r"b must be a numeric array.*<U1"),
    ("bias before stride", lambda: layers.conv_layer(X, K, np.zeros(2), stride=0), ValueError, r"b must have shape"),
    ("conv x checked first", lambda: layers.conv_layer("x", K, np.zeros(2)), TypeError, r"x must be a numeric array"),
    ("conv grad_out shape", lambda: layers.conv_layer_backward(X, K, np.ones((2, 3, 3, 3))), ValueError,
     r"grad_out must have the shape of conv2d's result, \(2, 3, 2, 2\), got \(2, 3, 3, 3\)"),
    ("relu complex", lambda: layers.relu(np.ones(2, complex)), TypeError, r"x must be real, got dtype complex128"),
    ("relu grad shape", lambda: layers.relu_backward(np.ones(3), np.ones(4)), ValueError,
     r"grad_out must have the shape of x, \(3,\), got \(4,\)"),
    ("pool grad shape", lambda: convlab.max_pool2d_backward(X, np.ones((2, 1, 3, 3)), 2), ValueError,
     r"grad_out must have the shape of max_pool2d's result, \(2, 1, 2, 2\), got \(2, 1, 3, 3\)"),
    ("pool complex x", lambda: convlab.max_pool2d_backward(np.ones((2, 2), complex), np.ones((1, 1)), 2), TypeError,
     r"x must be real for max pooling"),
    ("pool complex grad", lambda: convlab.max_pool2d_backward(np.ones((2, 2)), np.ones((1, 1), complex), 2),
     TypeError, r"grad_out must be real, got dtype complex128"),
    ("pool 1-D x", lambda: convlab.max_pool2d_backward(np.ones(4), np.ones(2), 2), ValueError,
     r"x must have at least 2 dimensions \(\.\.\., H, W\), got shape \(4,\)"),
    ("pool window too large", lambda: convlab.max_pool2d_backward(np.ones((2, 2)), np.ones((1, 1)), 3), ValueError,
     r"kernel too large: along rows the kernel covers 3"),
    ("pool stride 0", lambda: convlab.max_pool2d_backward(np.ones((2, 2)), np.ones((1, 1)), 2, stride=0), ValueError,
     r"stride must be >= 1, got 0"),
    ("pool window float", lambda: convlab.max_pool2d_backward(np.ones((2, 2)), np.ones((1, 1)), 2.0), TypeError,
     r"window must be an int or a pair of ints.*2\.0"),
    ("pool grad bool", lambda: convlab.max_pool2d_backward(np.ones((2, 2)), np.ones((1, 1), bool), 2), TypeError,
     r"grad_out must be a numeric array.*bool"),
    ("dense w 1-D", lambda: layers.dense(np.ones((2, 3)), np.ones(3), None), ValueError,
     r"w must have shape \(D_out, D_in\), got shape \(3,\)"),
    ("dense features", lambda: layers.dense(np.ones((2, 4)), np.ones((5, 3)), None), ValueError,
     r"x must have D_in = 3 features in its last axis \(w has shape \(5, 3\)\), got shape \(2, 4\)"),
    ("dense bias", lambda: layers.dense(np.ones((2, 3)), np.ones((5, 3)), np.ones(3)), ValueError,
     r"b must have shape \(5,\), one per output, got shape \(3,\)"),
    ("dense grad shape", lambda: layers.dense_backward(np.ones((2, 3)), np.ones((5, 3)), np.ones((2, 3))),
     ValueError, r"grad_out must have the shape of dense's result, \(2, 5\), got \(2, 3\)"),
    ("labels float", lambda: layers.softmax_cross_entropy(np.ones((2, 3)), np.array([0.0, 1.0])), TypeError,
     r"labels must be integers \(class numbers\), got dtype float64"),
    ("labels range", lambda: layers.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 3])), ValueError,
     r"labels must be in 0\.\.2 \(logits has 3 classes\), got 3"),
    ("labels negative", lambda: layers.softmax_cross_entropy(np.ones((2, 3)), np.array([-1, 0])), ValueError,
     r"labels must be in 0\.\.2.*got -1"),
    ("labels shape", lambda: layers.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 1, 2])), ValueError,
     r"labels must have shape \(2,\), one per row of logits, got \(3,\)"),
    ("logits 1-D", lambda: layers.softmax_cross_entropy(np.ones(3), np.array([0])), ValueError,
     r"logits must have shape \(N, classes\), got shape \(3,\)"),
    ("logits scalar", lambda: layers.log_softmax(np.float64(1.0)), ValueError, r"logits must have at least one axis"),
    ("lr zero", lambda: layers.sgd_momentum(np.ones(2), np.ones(2), None, lr=0), ValueError,
     r"lr must be > 0, got 0\.0"),
    ("lr string", lambda: layers.sgd_momentum(np.ones(2), np.ones(2), None, lr="0.1"), TypeError,
     r"lr must be a real number, got '0\.1'"),
    ("lr bool", lambda: layers.sgd_momentum(np.ones(2), np.ones(2), None, lr=True), TypeError,
     r"lr must be a real number, got True"),
    ("momentum 1", lambda: layers.sgd_momentum(np.ones(2), np.ones(2), None, lr=0.1, momentum=1), ValueError,
     r"momentum must be in \[0, 1\), got 1\.0"),
    ("grad shape", lambda: layers.sgd_momentum(np.ones(2), np.ones(3), None, lr=0.1), ValueError,
     r"grad must have the shape of param, \(2,\), got \(3,\)"),
    ("velocity shape", lambda: layers.sgd_momentum(np.ones(2), np.ones(2), np.ones(3), lr=0.1), ValueError,
     r"velocity must have the shape of param, \(2,\), got \(3,\)"),
]


@pytest.mark.parametrize("call, error, message", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- the bundled digits


def test_load_digits_is_the_uci_test_set():
    images, labels = convlab.datasets.load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert images.min() == 0 and images.max() == 16
    # UCI's class counts for optdigits.tes
    np.testing.assert_array_equal(np.bincount(labels), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])


def test_bundled_digits_file_is_the_one_its_readme_describes():
    import hashlib
    import re
    from pathlib import Path

    data = Path(convlab.__file__).parent / "data"
    digest = hashlib.sha256((data / "digits.csv.gz").read_bytes()).hexdigest()
    readme = (data / "README.md").read_text(encoding="utf-8")
    assert digest in readme
    for needed in ("CC BY 4.0", "Alpaydin", "Kaynak", "10.24432/C50P49"):
        assert needed in readme
    assert re.search(r"CC BY 4\.0", convlab.datasets.DIGITS_CITATION)


def test_layers_are_part_of_the_public_api():
    for name in ("conv_layer", "conv_layer_backward", "relu", "relu_backward", "max_pool2d_backward", "dense",
                 "dense_backward", "log_softmax", "softmax_cross_entropy", "sgd_momentum", "load_digits"):
        assert name in convlab.__all__ and callable(getattr(convlab, name)), name
