"""max_pool2d and avg_pool2d against PyTorch (when installed) and a direct loop."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import LAYOUTS, in_layout

import convlab


def loop_pool(x, window, stride, padding, dilation, reduce, fill):
    xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(padding[0],) * 2, (padding[1],) * 2], constant_values=fill)
    ho, wo = convlab.output_shape(x.shape[-2:], window, stride, padding, dilation)
    out = np.empty(x.shape[:-2] + (ho, wo))
    for i in range(ho):
        for j in range(wo):
            rows = [i * stride[0] + r * dilation[0] for r in range(window[0])]
            cols = [j * stride[1] + s * dilation[1] for s in range(window[1])]
            out[..., i, j] = reduce(xp[..., rows, :][..., cols], axis=(-2, -1))
    return out


#: Means of at most nine standard normal values summed in another order: they agree to a few units of
#: float64's rounding of the values (about 1e-16 each), not relative to a mean that cancels to nearly 0
#: (-2.0491946388752e-05 against -2.0491946388812e-05 from PyTorch, for one).
MEAN_ATOL = 1e-14


@st.composite
def pool_cases(draw):
    window = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, window[0] // 2)), draw(st.integers(0, window[1] // 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    h = draw(st.integers(dilation[0] * (window[0] - 1) + 1, 12))
    w = draw(st.integers(dilation[1] * (window[1] - 1) + 1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = in_layout(rng.standard_normal((2, 3, h, w)), draw(st.sampled_from(LAYOUTS)))
    return x, window, stride, padding, dilation


@given(pool_cases())
def test_max_pool_matches_loop(case):
    x, window, stride, padding, dilation = case
    out = convlab.max_pool2d(x, window, stride, padding, dilation)
    np.testing.assert_array_equal(out, loop_pool(x, window, stride, padding, dilation, np.max, -np.inf))


@given(pool_cases())
def test_avg_pool_matches_loop(case):
    x, window, stride, padding, dilation = case
    out = convlab.avg_pool2d(x, window, stride, padding, dilation)
    np.testing.assert_allclose(out, loop_pool(x, window, stride, padding, dilation, np.mean, 0.0), rtol=1e-12,
                               atol=MEAN_ATOL)


@given(pool_cases())
def test_pooling_matches_torch(torch, case):
    x, window, stride, padding, dilation = case
    t = torch.from_numpy(np.ascontiguousarray(x))
    expected = torch.nn.functional.max_pool2d(t, window, stride, padding, dilation).numpy()
    np.testing.assert_array_equal(convlab.max_pool2d(x, window, stride, padding, dilation), expected)
    if dilation == (1, 1):  # avg_pool2d has no dilation in PyTorch
        expected = torch.nn.functional.avg_pool2d(t, window, stride, padding).numpy()
        np.testing.assert_allclose(convlab.avg_pool2d(x, window, stride, padding), expected, rtol=1e-12,
                                   atol=MEAN_ATOL)


def test_stride_defaults_to_window():
    x = np.arange(36).reshape(6, 6)
    assert convlab.max_pool2d(x, 3).shape == (2, 2)
    assert convlab.max_pool2d(x, 3).tolist() == [[14, 17], [32, 35]]


def test_dtypes():
    x = np.arange(16, dtype=np.int16).reshape(4, 4)
    assert convlab.max_pool2d(x, 2, padding=1).dtype == np.int16
    assert convlab.max_pool2d(x, 2, padding=1)[0, 0] == 0  # padding never wins
    assert convlab.avg_pool2d(x, 2).dtype == np.float64
    assert convlab.avg_pool2d(x.astype(np.float32), 2).dtype == np.float32


@pytest.mark.parametrize("func", [convlab.max_pool2d, convlab.avg_pool2d])
@pytest.mark.parametrize("kwargs, error, message", [
    (dict(x=np.ones(4), window=2), ValueError, r"x must have at least 2 dimensions"),
    (dict(x=np.ones((3, 3)), window=4), ValueError, r"kernel too large"),
    (dict(x=np.ones((3, 3)), window=2, stride=0), ValueError, r"stride must be >= 1, got 0"),
    (dict(x=np.ones((3, 3)), window=2, padding=-1), ValueError, r"padding must be >= 0, got -1"),
    (dict(x=np.ones((3, 3)), window=2.5), TypeError, r"window must be an int"),
    (dict(x=np.array([["a"]]), window=1), TypeError, r"x must be a numeric array"),
])
def test_bad_input(func, kwargs, error, message):
    with pytest.raises(error, match=message):
        func(**kwargs)


def test_complex_max_pool_is_rejected():
    with pytest.raises(TypeError, match="complex numbers have no order"):
        convlab.max_pool2d(np.ones((2, 2), complex), 2)


def test_float16_mean_accumulates_in_float32():
    """The mean of sixteen 30000s is 30000, which float16 holds; their float16 sum (480000) does not."""
    x = np.full((2, 4, 4), 30000, np.float16)
    out = convlab.avg_pool2d(x, 4)
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out, np.full((2, 1, 1), 30000, np.float16))
    # padding zeros count in the mean, as in PyTorch: (9 * 30000) / 16 in the corner window
    padded = convlab.avg_pool2d(x, 4, stride=1, padding=1)
    assert padded[0, 0, 0] == np.float16(9 * 30000 / 16)
    assert np.isfinite(padded).all()
