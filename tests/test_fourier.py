"""FFT convolution (convlab.fourier) against SciPy and PyTorch on random inputs."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference import scipy_conv2d
from strategies import LAYOUTS, in_layout, random_values

from convlab.fourier import conv_fft, fast_length


@st.composite
def fft_cases(draw, dtypes=("float64", "float32", "float16", "complex128", "complex64")):
    n, c, f = (draw(st.integers(1, 3)) for _ in range(3))
    r, s = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    h = dilation[0] * (r - 1) + 1 + draw(st.integers(0, 12))
    w = dilation[1] * (s - 1) + 1 + draw(st.integers(0, 12))
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = in_layout(random_values(rng, (n, c, h, w), dtype), draw(st.sampled_from(LAYOUTS)))
    k = in_layout(random_values(rng, (f, c, r, s), dtype), draw(st.sampled_from(LAYOUTS)))
    return x, k, stride, dilation


def fft_tolerance(x, k):
    """An FFT's error: relative to the largest input and the kernel's weight, not to each output."""
    eps = np.finfo(np.result_type(x, k)).eps
    height, width = x.shape[-2:]
    scale = np.abs(x).max() * np.abs(k).sum(axis=(1, 2, 3)).max()
    return 8 * eps * math.log2(fast_length(height) * fast_length(width) + 1) * scale + 1e-300


@given(case=fft_cases())
def test_conv_fft_matches_scipy(case):
    x, k, stride, dilation = case
    before = x.copy(), k.copy()
    x.flags.writeable = k.flags.writeable = False
    out = conv_fft(x, k, stride, dilation)
    wide = np.complex128 if out.dtype.kind == "c" else np.float64
    expected = scipy_conv2d(x.astype(wide), k.astype(wide), stride=stride, dilation=dilation)
    assert out.dtype == np.result_type(x, k)
    assert out.shape == expected.shape
    assert out.flags.c_contiguous
    np.testing.assert_allclose(out, expected, rtol=0, atol=fft_tolerance(x, k))
    assert np.array_equal(x, before[0]) and np.array_equal(k, before[1])


def test_mixed_dtypes_give_the_result_type():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 9, 9)).astype(np.float32)
    k = rng.standard_normal((3, 2, 3, 3))
    out = conv_fft(x, k)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, scipy_conv2d(x.astype(float), k), atol=1e-12)


def test_int_parameters_and_pairs_agree():
    rng = np.random.default_rng(4)
    x, k = rng.standard_normal((2, 1, 12, 10)), rng.standard_normal((2, 1, 3, 2))
    assert np.array_equal(conv_fft(x, k, 2, 3), conv_fft(x, k, (2, 2), (3, 3)))


def test_a_nan_spreads_over_its_image_only():
    # The caveat the lesson shows: every output of the image depends on every input.
    x = np.ones((2, 1, 6, 6))
    x[0, 0, 0, 0] = np.nan
    out = conv_fft(x, np.ones((1, 1, 3, 3)))
    assert np.isnan(out[0]).all()
    assert not np.isnan(out[1]).any()


def test_small_outputs_lose_relative_accuracy():
    # Errors follow the largest values: an output a trillion times smaller than them is noise.
    x = np.zeros((1, 1, 16, 16))
    x[..., :, :8] = 1e12
    x[..., :, 8:] = 1.0
    k = np.ones((1, 1, 3, 3))
    direct = scipy_conv2d(x, k)
    out = conv_fft(x, k)
    small = direct[0, 0, :, 8:] == 9.0
    assert small.any()
    assert np.abs(out[0, 0, :, 8:][small] - 9.0).max() > 1e-6  # the direct sum is exact there


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integers_are_refused(dtype):
    with pytest.raises(TypeError, match=r"x must hold floating-point or complex numbers.*dtype"):
        conv_fft(np.ones((1, 1, 4, 4), dtype), np.ones((1, 1, 2, 2)))
    with pytest.raises(TypeError, match=r"k must hold floating-point"):
        conv_fft(np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2), dtype))


@pytest.mark.parametrize("x, k, error, pattern", [
    ([[[[1.0]]]], np.ones((1, 1, 1, 1)), TypeError, r"x must be a NumPy array"),
    (np.ones((4, 4)), np.ones((1, 1, 2, 2)), ValueError,
     r"x must have 4 dimensions \(N, C, H, W\), got shape \(4, 4\)"),
    (np.ones((1, 1, 4, 4)), np.ones((2, 2)), ValueError, r"k must have 4 dimensions \(K, C, R, S\)"),
    (np.ones((1, 2, 4, 4)), np.ones((1, 3, 2, 2)), ValueError, r"channel mismatch: x has 2 channels.*k has 3"),
    (np.ones((1, 1, 4, 4)), np.ones((1, 1, 5, 2)), ValueError, r"kernel"),
    (np.ones((0, 1, 4, 4)), np.ones((1, 1, 2, 2)), ValueError, r"must not be empty"),
])
def test_bad_arrays_are_named(x, k, error, pattern):
    with pytest.raises(error, match=pattern):
        conv_fft(x, k)


@pytest.mark.parametrize("kwargs, error, pattern", [
    (dict(stride=0), ValueError, r"stride must be >= 1, got 0"),
    (dict(stride=(1, -2)), ValueError, r"stride"),
    (dict(dilation=0), ValueError, r"dilation must be >= 1, got 0"),
    (dict(stride=1.5), TypeError, r"stride"),
    (dict(dilation=(2, 3)), ValueError, r"kernel"),   # the dilated kernel no longer fits
])
def test_bad_parameters_are_named(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        conv_fft(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), **kwargs)


def test_fast_length_is_the_smallest_5_smooth_length():
    def smooth(m):
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        return m == 1

    for n in range(1, 700):
        length = fast_length(n)
        assert length >= n and smooth(length)
        assert not any(smooth(m) for m in range(n, length))


@pytest.mark.parametrize("n", [0, -3, 2.5, True, "8"])
def test_fast_length_refuses_non_lengths(n):
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        fast_length(n)


@given(case=fft_cases(dtypes=("float64", "float32")))
def test_conv_fft_matches_torch(torch, case):
    import torch.nn.functional as F

    x, k, stride, dilation = case
    expected = F.conv2d(torch.from_numpy(x.astype(np.float64)), torch.from_numpy(k.astype(np.float64)),
                        stride=stride, dilation=dilation).numpy()
    np.testing.assert_allclose(conv_fft(x, k, stride, dilation), expected, rtol=0, atol=fft_tolerance(x, k))
