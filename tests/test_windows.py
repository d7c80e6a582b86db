"""sliding_windows: values, read-only view, never outside the input's memory."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import LAYOUTS, in_layout

import convlab


@st.composite
def window_cases(draw):
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    r, s = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    h = draw(st.integers(dilation[0] * (r - 1) + 1, dilation[0] * (r - 1) + 8))
    w = draw(st.integers(dilation[1] * (s - 1) + 1, dilation[1] * (s - 1) + 8))
    dtype = draw(st.sampled_from(["float64", "float32", "int16", "uint8", "complex64"]))
    values = np.arange(int(np.prod(lead + (h, w)))).reshape(lead + (h, w)).astype(dtype)
    x = in_layout(values, draw(st.sampled_from(LAYOUTS)))
    return x, (r, s), stride, dilation


@given(window_cases())
def test_window_values_and_shape(case):
    x, window, stride, dilation = case
    view = convlab.sliding_windows(x, window, stride, dilation)
    ho, wo = convlab.output_shape(x.shape[-2:], window, stride, 0, dilation)
    assert view.shape == x.shape[:-2] + (ho, wo) + window
    # view[..., i, j, r, s] == x[..., i*sh + r*dh, j*sw + s*dw], for every index at once
    i, j, r, s = np.ix_(range(ho), range(wo), range(window[0]), range(window[1]))
    rows = i * stride[0] + r * dilation[0]
    cols = j * stride[1] + s * dilation[1]
    np.testing.assert_array_equal(view, x[..., rows, cols])


@given(window_cases())
def test_view_never_leaves_the_input(case):
    x, window, stride, dilation = case
    view = convlab.sliding_windows(x, window, stride, dilation)
    # absolute addresses, from NumPy itself
    low, high = np.lib.array_utils.byte_bounds(view)
    x_low, x_high = np.lib.array_utils.byte_bounds(x)
    assert x_low <= low and high <= x_high
    # and convlab's relative accounting agrees
    assert convlab.byte_extent(view)[0] - convlab.byte_extent(x)[0] == low - x_low
    # the first and last element of the view are elements of x
    assert view.reshape(-1)[0] == x[..., 0, 0].reshape(-1)[0]


@given(window_cases())
def test_view_is_read_only_and_shares_memory(case):
    x, window, stride, dilation = case
    view = convlab.sliding_windows(x, window, stride, dilation)
    assert not view.flags.writeable
    assert np.shares_memory(view, x)
    with pytest.raises(ValueError, match="read-only"):
        view[(0,) * view.ndim] = 1


def test_strides_come_from_the_array_not_its_shape():
    # The classic mistake derives strides from the shape, assuming C order.
    x = np.arange(20.0).reshape(4, 5).T  # shape (5, 4), strides (8, 40)
    view = convlab.sliding_windows(x, (2, 2))
    assert view.strides == (8, 40, 8, 40)
    np.testing.assert_array_equal(view[1, 2], x[1:3, 2:4])


def test_matches_numpy_sliding_window_view():
    x = np.random.default_rng(0).standard_normal((3, 9, 11))
    ours = convlab.sliding_windows(x, (3, 4), stride=(2, 3))
    theirs = np.lib.stride_tricks.sliding_window_view(x, (3, 4), axis=(-2, -1))[:, ::2, ::3]
    np.testing.assert_array_equal(ours, theirs)


def test_window_as_large_as_the_input():
    x = np.arange(6).reshape(2, 3)
    view = convlab.sliding_windows(x, (2, 3))
    assert view.shape == (1, 1, 2, 3)
    np.testing.assert_array_equal(view[0, 0], x)


def test_memory_accounting():
    x = np.zeros((10, 10), dtype=np.float32)
    view = convlab.sliding_windows(x, 3)
    assert view.nbytes == 8 * 8 * 3 * 3 * 4  # what a copy would hold; the view reads x's 400 bytes
    assert convlab.byte_extent(view) == (0, 400)
    assert convlab.byte_extent(x[2:5, 3:7]) == ((2 * 10 + 3) * 4, (4 * 10 + 7) * 4)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(x=np.zeros(5), window=2), ValueError, r"x must have at least 2 dimensions.*\(5,\)"),
        (dict(x=np.zeros((0, 4)), window=2), ValueError, r"x must not be empty.*\(0, 4\)"),
        (dict(x=np.array([["a"]]), window=1), TypeError, r"x must be a numeric array.*<U1"),
        (dict(x=np.zeros((3, 3)), window=4), ValueError, r"kernel too large.*rows.*covers 4"),
        (dict(x=np.zeros((3, 3)), window=(2, 2), dilation=3), ValueError, r"covers 4 \(size 2, dilation 3\)"),
        (dict(x=np.zeros((3, 3)), window=0), ValueError, r"window must be >= 1, got 0"),
        (dict(x=np.zeros((3, 3)), window=2.0), TypeError, r"window must be an int.*2\.0"),
        (dict(x=np.zeros((3, 3)), window=2, stride=0), ValueError, r"stride must be >= 1, got 0"),
        (dict(x=np.zeros((3, 3)), window=2, dilation=(1, 0)), ValueError, r"dilation must be >= 1, got \(1, 0\)"),
    ],
)
def test_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        convlab.sliding_windows(**kwargs)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_checked_as_strided_refuses_any_byte_outside(layout):
    """One element too far, in either direction, along any axis, and for any memory layout, is refused."""
    from convlab.windows import checked_as_strided

    x = in_layout(np.arange(20.0).reshape(4, 5), layout)
    whole = checked_as_strided(x, x.shape, x.strides)  # the array itself fits exactly
    np.testing.assert_array_equal(whole, x)
    assert not whole.flags.writeable and np.shares_memory(whole, x)
    for axis in (0, 1):
        longer = list(x.shape)
        longer[axis] += 1
        with pytest.raises(ValueError, match="would reach bytes"):
            checked_as_strided(x, tuple(longer), x.strides)
        # the same length read backwards from element [0, 0] leaves x at once
        backwards = list(x.strides)
        backwards[axis] = -backwards[axis]
        with pytest.raises(ValueError, match="would reach bytes"):
            checked_as_strided(x, x.shape, tuple(backwards))


def test_memory_owner_looks_through_as_strided():
    x = np.zeros((4, 6))  # owns its memory (np.arange(24.0).reshape(4, 6) would be a view)
    view = np.lib.stride_tricks.as_strided(x[1:, ::2], (2, 2), (48, 16))
    assert not isinstance(view.base, np.ndarray)  # as_strided puts a helper object in between
    assert convlab.windows.memory_owner(view) is x
    assert convlab.windows.memory_owner(convlab.sliding_windows(x.T[::-1], 2)) is x
    assert convlab.windows.memory_owner(x) is x
