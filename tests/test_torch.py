"""conv2d against PyTorch's conv2d, when PyTorch is installed (it is not a course dependency)."""

import numpy as np
import pytest
from hypothesis import given

from reference import torch_conv2d
from strategies import conv_cases

import convlab

ALL_METHODS = convlab.METHODS + ("auto",)

pytestmark = pytest.mark.long(12)  # seconds on two cores


@pytest.mark.parametrize("method", ALL_METHODS)
@given(case=conv_cases(dtypes=["float64"]))
def test_conv2d_matches_torch_float64(torch, method, case):
    out = convlab.conv2d(**case, method=method)
    expected = torch_conv2d(case["x"], case["k"], case["stride"], case["padding"], case["dilation"])
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("method", ALL_METHODS)
@given(case=conv_cases(dtypes=["float32"]))
def test_conv2d_matches_torch_float32(torch, method, case):
    out = convlab.conv2d(**case, method=method)
    expected = torch_conv2d(case["x"], case["k"], case["stride"], case["padding"], case["dilation"])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


def test_cnn_layer_shape_against_torch(torch):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 8, 14, 14))
    k = rng.standard_normal((6, 8, 3, 3))
    out = convlab.conv2d(x, k, stride=2, padding=1)
    np.testing.assert_allclose(out, torch_conv2d(x, k, 2, 1), rtol=1e-10, atol=1e-10)
