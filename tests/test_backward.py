"""The backward pass and transposed convolution: finite differences, the adjoint identity, PyTorch.

PyTorch is an optional reference: without it only the tests that ask for the ``torch``
fixture are skipped (``test_runs_without_torch`` checks that).
"""

import inspect
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given

from strategies import conv_cases

import convlab
from convlab.backward import conv2d_backward, conv_transpose2d


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


@given(case=conv_cases(dtypes=["float64"], max_size=3))
def test_gradients_match_torch_autograd(torch, case):
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
def test_conv_transpose_matches_torch(torch, case):
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


def test_float16_scatter_accumulates_in_float32():
    """Overlapping windows add up in float32, as in conv2d: sums past float16's range cancel back into it."""
    y = np.array([[-1, 1, -1], [0, 1, 1]], np.float16) * 30000
    k = np.array([[-1, -1, 0], [1, 0, -1]], np.float16)
    # out[1, 2] adds -30000 three times before +30000: -90000 on the way, -60000 at the end
    expected = conv_transpose2d(y.astype(np.float64), k.astype(np.float64))
    assert expected[1, 2] == -60000 and np.abs(expected).max() <= 60000  # float16 reaches 65504
    out = conv_transpose2d(y, k)
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out, expected.astype(np.float16))
    gx, gk = conv2d_backward(np.ones((3, 5), np.float16), k, y)
    assert gx.dtype == gk.dtype == np.float16
    np.testing.assert_array_equal(gx, expected.astype(np.float16))


def test_runs_without_torch(tmp_path):
    """Without PyTorch, every test of this module that does not need it still runs and passes."""
    report = tmp_path / "report.xml"
    code = (
        "import sys, pytest\n"
        "sys.modules['torch'] = None  # import torch now raises ImportError\n"
        f"sys.exit(pytest.main([{__file__!r}, '-q', '-p', 'no:cacheprovider', '-p', 'no:randomly',"
        f" '--junitxml', {str(report)!r}, '-k', 'not test_runs_without_torch']))\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "CI"}  # under CI a missing torch fails
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent, timeout=600, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    cases = ET.parse(report).getroot().iter("testcase")
    skipped = sorted(c.get("name") for c in cases if c.find("skipped") is not None)
    needing = sorted(name for name, f in globals().items()
                     if name.startswith("test_") and "torch" in inspect.signature(f).parameters)
    assert needing and skipped == needing, f"skipped {skipped}, but only {needing} need PyTorch"
