"""The backward pass and transposed convolution: finite differences, the adjoint identity, PyTorch."""

import numpy as np
import pytest
from hypothesis import given

import convlab
from convlab.backward import conv2d_backward, conv_transpose2d
from strategies import conv_cases


@given(case=conv_cases(dtypes=["float64"], max_size=3))
def test_gradients_match_finite_differences(case):
    x, k = case["x"], case["k"]
    params = {p: case[p] for p in ("stride", "padding", "dilation")}
    rng = np.random.default_rng(0)
    g = rng.standard_normal(convlab.conv2d(x, k, **params).shape)
    gx, gk = conv2d_backward(x, k, g, **params)
    assert gx.shape == x.shape and gk.shape == k.shape

    def loss(xx, kk):
        return np.sum(convlab.conv2d(xx, kk, **params) * g)

    # the loss is linear in x (and in k), so a central difference is exact up to rounding
    eps = 1e-3
    for grad, arg in ((gx, 0), (gk, 1)):
        base = [x, k]
        flat_index = rng.integers(grad.size)
        idx = np.unravel_index(flat_index, grad.shape)
        plus, minus = [a.copy() for a in base], [a.copy() for a in base]
        plus[arg][idx] += eps
        minus[arg][idx] -= eps
        numeric = (loss(*plus) - loss(*minus)) / (2 * eps)
        assert abs(numeric - grad[idx]) < 1e-8 * max(1.0, abs(numeric))


@given(case=conv_cases(dtypes=["float64"], max_size=3))
def test_transpose_is_the_adjoint_of_conv2d(case):
    """<conv2d(x), y> == <x, conv_transpose2d(y)> for every x and y."""
    x = case["x"].reshape((1,) * (4 - case["x"].ndim) + case["x"].shape)
    k = case["k"].reshape((1,) * (4 - case["k"].ndim) + case["k"].shape)
    params = {p: case[p] for p in ("stride", "padding", "dilation")}
    out = convlab.conv2d(x, k, **params)
    y = np.random.default_rng(1).standard_normal(out.shape)
    # output_padding brings the result back to x's size: the rows and columns that the
    # forward pass's floor division dropped
    pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
    (sh, sw), (ph, pw), (dh, dw) = (pair(params[p]) for p in ("stride", "padding", "dilation"))
    extra = tuple((size + 2 * p - d * (r - 1) - 1) % st
                  for size, p, d, r, st in zip(x.shape[-2:], (ph, pw), (dh, dw), k.shape[-2:], (sh, sw)))
    back = conv_transpose2d(y, k, **params, output_padding=extra)
    assert back.shape == x.shape
    assert np.isclose(np.sum(out * y), np.sum(x * back), rtol=1e-10, atol=1e-10)


torch = pytest.importorskip("torch", reason="PyTorch is not installed; it is an optional reference")


@given(case=conv_cases(dtypes=["float64"], max_size=3))
def test_gradients_match_torch_autograd(case):
    x, k = case["x"], case["k"]
    params = {p: case[p] for p in ("stride", "padding", "dilation")}
    x4 = x.reshape((1,) * (4 - x.ndim) + x.shape)
    k4 = k.reshape((1,) * (4 - k.ndim) + k.shape)
    tx = torch.tensor(np.ascontiguousarray(x4), requires_grad=True)
    tk = torch.tensor(np.ascontiguousarray(k4), requires_grad=True)
    pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
    out = torch.nn.functional.conv2d(tx, tk, stride=pair(params["stride"]), padding=pair(params["padding"]),
                                     dilation=pair(params["dilation"]))
    g = np.random.default_rng(2).standard_normal(tuple(out.shape))
    out.backward(torch.from_numpy(g))
    lead = (x.shape[:1] if x.ndim == 4 else ()) + (k.shape[:1] if k.ndim == 4 else ())
    gx, gk = conv2d_backward(x, k, g.reshape(lead + g.shape[-2:]), **params)
    np.testing.assert_allclose(gx, tx.grad.numpy().reshape(x.shape), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gk, tk.grad.numpy().reshape(k.shape), rtol=1e-10, atol=1e-10)


@given(case=conv_cases(dtypes=["float64"], max_size=3))
def test_conv_transpose_matches_torch(case):
    k = case["k"] if case["k"].ndim == 4 else case["k"].reshape((1,) * (4 - case["k"].ndim) + case["k"].shape)
    params = {p: case[p] for p in ("stride", "padding", "dilation")}
    pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
    y = np.random.default_rng(3).standard_normal((2, k.shape[0], 4, 3))
    try:
        expected = torch.nn.functional.conv_transpose2d(
            torch.from_numpy(y), torch.from_numpy(np.ascontiguousarray(k)), stride=pair(params["stride"]),
            padding=pair(params["padding"]), dilation=pair(params["dilation"])).numpy()
    except RuntimeError:  # padding crops everything away
        with pytest.raises(ValueError, match="crops away the whole output"):
            conv_transpose2d(y, k, **params)
        return
    np.testing.assert_allclose(conv_transpose2d(y, k, **params), expected, rtol=1e-10, atol=1e-10)


def test_bad_grad_out_shape():
    with pytest.raises(ValueError, match=r"grad_out must have the shape of conv2d's result, \(2, 2\), got \(3, 3\)"):
        conv2d_backward(np.ones((3, 3)), np.ones((2, 2)), np.ones((3, 3)))


def test_bad_output_padding():
    with pytest.raises(ValueError, match="output_padding must be smaller than stride or dilation"):
        conv_transpose2d(np.ones((2, 2)), np.ones((2, 2)), stride=2, output_padding=2)
