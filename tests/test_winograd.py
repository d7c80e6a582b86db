"""Winograd's F(2, 3) and F(2x2, 3x3) (convlab.winograd) against SciPy and PyTorch on random inputs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import signal

from reference import scipy_conv2d
from strategies import LAYOUTS, in_layout, random_values

from convlab import winograd
from convlab.winograd import AT, BT, G, conv_winograd, correlate1d_f23, f23


def test_f23_is_two_outputs_of_a_3_tap_correlation():
    rng = np.random.default_rng(0)
    d, g = rng.standard_normal((100, 4)), rng.standard_normal(3)
    direct = np.stack([d[:, 0:3] @ g, d[:, 1:4] @ g], axis=-1)
    np.testing.assert_allclose(f23(d, g), direct, rtol=1e-13, atol=1e-13)


def test_f23_uses_four_products():
    # The 4 products m = (G g) * (BT d): G g is 4 numbers per filter, BT d 4 per tile, and
    # AT only adds and subtracts them.
    assert (G @ np.ones(3)).shape == (4,) and BT.shape == (4, 4)
    assert set(np.unique(AT)) <= {-1, 0, 1} and set(np.unique(BT)) <= {-1, 0, 1}
    assert AT.shape == (2, 4)


def test_f23_nested_is_f2x2_3x3():
    rng = np.random.default_rng(1)
    for _ in range(20):
        d, g = rng.standard_normal((4, 4)), rng.standard_normal((3, 3))
        nested = AT @ ((G @ g @ G.T) * (BT @ d @ BT.T)) @ AT.T
        np.testing.assert_allclose(nested, signal.correlate2d(d, g, mode="valid"), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", range(3, 20))
def test_correlate1d_f23_matches_numpy(n):
    rng = np.random.default_rng(n)
    x, g = rng.standard_normal(n), rng.standard_normal(3)
    np.testing.assert_allclose(correlate1d_f23(x, g), np.correlate(x, g, mode="valid"), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("d, g, pattern", [
    (np.ones(3), np.ones(3), r"d must have 4 values along its last axis, got shape \(3,\)"),
    (np.ones(4), np.ones(4), r"g must have shape \(3,\), got \(4,\)"),
])
def test_f23_names_bad_shapes(d, g, pattern):
    with pytest.raises(ValueError, match=pattern):
        f23(d, g)


def test_correlate1d_needs_three_values():
    with pytest.raises(ValueError, match=r"x must be 1-D with at least 3 values, got shape \(2,\)"):
        correlate1d_f23(np.ones(2), np.ones(3))


@pytest.mark.parametrize("height, width", [(3, 3), (4, 4), (5, 7), (8, 9), (10, 6)])
def test_transforms_are_the_matrix_products(height, width):
    """The slice-and-add transforms equal BT @ d @ BT.T and AT @ M @ AT.T tile by tile."""
    rng = np.random.default_rng(height * 31 + width)
    x = rng.standard_normal((2, 3, height, width))
    V, (th, tw) = winograd.input_transform(x)
    padded = np.zeros((2, 3, 2 * th + 2, 2 * tw + 2))
    padded[..., :height, :width] = x
    for n, c, t, u in [(0, 0, 0, 0), (1, 2, th - 1, tw - 1), (1, 1, th // 2, 0)]:
        d = padded[n, c, 2 * t:2 * t + 4, 2 * u:2 * u + 4]
        column = (n * th + t) * tw + u
        np.testing.assert_allclose(V[:, :, c, column], BT @ d @ BT.T, rtol=1e-14, atol=1e-14)

    M = rng.standard_normal((4, 4, 5, 2 * th * tw))
    out = winograd.output_transform(M, 2, (th, tw), (height - 2, width - 2))
    assert out.shape == (2, 5, height - 2, width - 2) and out.flags.c_contiguous
    for n, f, t, u in [(0, 0, 0, 0), (1, 4, th - 1, tw - 1)]:
        block = AT @ M[:, :, f, (n * th + t) * tw + u] @ AT.T
        expected = block[:height - 2 - 2 * t, :width - 2 - 2 * u]  # the last tiles may be cut
        np.testing.assert_allclose(out[n, f, 2 * t:2 * t + 2, 2 * u:2 * u + 2], expected, rtol=1e-14, atol=1e-14)


def test_kernel_transform_is_g_k_gt():
    rng = np.random.default_rng(5)
    k = rng.standard_normal((4, 3, 3, 3))
    U = winograd.kernel_transform(k)
    assert U.shape == (4, 4, 4, 3)
    np.testing.assert_allclose(U[:, :, 2, 1], G @ k[2, 1] @ G.T, rtol=1e-14, atol=1e-14)


@st.composite
def winograd_cases(draw, dtypes=("float64", "float32", "complex128")):
    n, c, f = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(3, 14)), draw(st.integers(3, 14))
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = in_layout(random_values(rng, (n, c, h, w), dtype), draw(st.sampled_from(LAYOUTS)))
    k = in_layout(random_values(rng, (f, c, 3, 3), dtype), draw(st.sampled_from(LAYOUTS)))
    return x, k


def winograd_tolerance(x, k):
    # The transforms add up to 4 inputs (and scale the kernel by up to 9/4), then 16 products
    # are summed over channels: a few times the direct sum's rounding.
    eps = np.finfo(np.result_type(x, k)).eps
    return 64 * eps * x.shape[1] * 9


@given(case=winograd_cases())
def test_conv_winograd_matches_scipy(case):
    x, k = case
    before = x.copy(), k.copy()
    x.flags.writeable = k.flags.writeable = False
    out = conv_winograd(x, k)
    wide = np.complex128 if out.dtype.kind == "c" else np.float64
    expected = scipy_conv2d(x.astype(wide), k.astype(wide))
    assert out.dtype == np.result_type(x, k)
    assert out.shape == expected.shape and out.flags.c_contiguous
    np.testing.assert_allclose(out, expected, rtol=0, atol=winograd_tolerance(x, k))
    assert np.array_equal(x, before[0]) and np.array_equal(k, before[1])


@pytest.mark.parametrize("row, col", [(0, 0), (1, 1), (2, 2), (3, 5), (7, 7), (6, 0)])
def test_a_nan_reaches_exactly_the_outputs_of_its_windows(row, col):
    # Every entry of BT and AT that could carry the NaN elsewhere is zero: the pattern of NaN
    # outputs is the direct sum's.
    x = np.ones((1, 1, 8, 8))
    x[0, 0, row, col] = np.nan
    k = np.ones((1, 1, 3, 3))
    assert np.array_equal(np.isnan(conv_winograd(x, k)), np.isnan(scipy_conv2d(x, k)))


def test_an_inf_can_become_nan():
    # The transforms subtract inputs: inf - inf is NaN where the direct sum gives inf.
    x = np.ones((1, 1, 8, 8))
    x[0, 0, 3, 3] = np.inf
    k = np.ones((1, 1, 3, 3))
    with np.errstate(invalid="ignore"):
        out = conv_winograd(x, k)
    direct = scipy_conv2d(x, k)
    assert np.isinf(direct).sum() == 9
    assert np.isnan(out).sum() > 0 and np.array_equal(np.isfinite(out), np.isfinite(direct))


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(stride=2), r"stride must be 1 for Winograd's F\(2x2, 3x3\), got 2; use convlab.conv2d"),
    (dict(stride=(1, 2)), r"stride must be 1 .*got \(1, 2\)"),
    (dict(dilation=2), r"dilation must be 1 .*got 2"),
    (dict(dilation=True), r"dilation must be 1"),
])
def test_stride_and_dilation_are_refused(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        conv_winograd(np.ones((1, 1, 6, 6)), np.ones((1, 1, 3, 3)), **kwargs)


def test_stride_and_dilation_of_one_are_accepted():
    x, k = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    for value in (1, (1, 1), [1, 1], np.int64(1)):
        assert np.array_equal(conv_winograd(x, k, stride=value, dilation=value), np.full((1, 1, 3, 3), 9.0))


@pytest.mark.parametrize("x, k, error, pattern", [
    (np.ones((1, 1, 5, 5)), np.ones((1, 1, 5, 5)), ValueError, r"k must hold 3x3 kernels .*\(1, 1, 5, 5\)"),
    (np.ones((1, 1, 5, 5), int), np.ones((1, 1, 3, 3)), TypeError, r"x must hold floating-point .*int64"),
    (np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3), np.int8), TypeError, r"k must hold floating-point"),
    (np.ones((5, 5)), np.ones((1, 1, 3, 3)), ValueError, r"x must have 4 dimensions"),
    (np.ones((1, 2, 5, 5)), np.ones((1, 3, 3, 3)), ValueError, r"channel mismatch: x has 2 .*k has 3"),
    (np.ones((1, 1, 2, 5)), np.ones((1, 1, 3, 3)), ValueError, r"x must hold at least one 3x3 window"),
    ([[1.0]], np.ones((1, 1, 3, 3)), TypeError, r"x must be a NumPy array"),
])
def test_bad_input_is_named(x, k, error, pattern):
    with pytest.raises(error, match=pattern):
        conv_winograd(x, k)


@given(case=winograd_cases(dtypes=("float64", "float32")))
def test_conv_winograd_matches_torch(torch, case):
    import torch.nn.functional as F

    x, k = case
    expected = F.conv2d(torch.from_numpy(x.astype(np.float64)), torch.from_numpy(k.astype(np.float64))).numpy()
    np.testing.assert_allclose(conv_winograd(x, k), expected, rtol=0, atol=winograd_tolerance(x, k))
