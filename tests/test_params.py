"""output_shape and parameter checking."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import convlab
from convlab.params import as_pair


@given(
    size=st.integers(1, 40), kernel=st.integers(1, 7), stride=st.integers(1, 5),
    padding=st.integers(0, 4), dilation=st.integers(1, 4),
)
def test_output_shape_counts_the_windows(size, kernel, stride, padding, dilation):
    """The formula equals a direct count of window start positions that fit."""
    span = dilation * (kernel - 1) + 1
    starts = [p for p in range(0, size + 2 * padding, stride) if p + span <= size + 2 * padding]
    if not starts:
        with pytest.raises(ValueError, match="kernel too large"):
            convlab.output_shape(size, kernel, stride, padding, dilation)
    else:
        shape = convlab.output_shape((size, 3), (kernel, 1), (stride, 1), (padding, 0), (dilation, 1))
        assert shape == (len(starts), 3)


def test_output_shape_examples():
    assert convlab.output_shape((4, 4), (2, 2)) == (3, 3)
    assert convlab.output_shape((4, 4), (2, 2), stride=2) == (2, 2)
    assert convlab.output_shape((224, 224), (7, 7), stride=2, padding=3) == (112, 112)
    assert convlab.output_shape((5, 5), (3, 3), stride=2) == (2, 2)  # floor: the last column is dropped
    assert convlab.output_shape(6, 3, stride=(1, 2)) == (4, 2)


@pytest.mark.parametrize(
    "value, expected", [(2, (2, 2)), ((1, 3), (1, 3)), ([4, 5], (4, 5)), (np.int64(2), (2, 2)),
                        (np.array([1, 2]), (1, 2)), (np.array(3), (3, 3))],
)
def test_as_pair_accepts(value, expected):
    assert as_pair(value, "stride", 1) == expected
    assert all(type(v) is int for v in as_pair(value, "stride", 1))


@pytest.mark.parametrize(
    "value, error, message",
    [
        (0, ValueError, r"stride must be >= 1, got 0"),
        (-1, ValueError, r"stride must be >= 1, got -1"),
        ((1, 0), ValueError, r"stride must be >= 1, got \(1, 0\)"),
        ((1, 2, 3), ValueError, r"stride must be an int or a pair \(rows, cols\), got 3 values"),
        ((), ValueError, r"got 0 values"),
        (1.0, TypeError, r"stride must be an int or a pair of ints.*1\.0"),
        ((1, 2.5), TypeError, r"stride must hold integers, got \(1, 2\.5\)"),
        ((True, 1), TypeError, r"stride must hold integers, got \(True, 1\)"),  # a bool is not a stride
        ((2, np.True_), TypeError, r"stride must hold integers"),
        ("2", TypeError, r"stride must be an int.*'2'"),
        (None, TypeError, r"stride must be an int.*None"),
        (True, TypeError, r"stride must be an int.*True"),
        (np.array([[1, 2]]), ValueError, r"stride must be an int or a pair"),
    ],
)
def test_as_pair_rejects(value, error, message):
    with pytest.raises(error, match=message):
        as_pair(value, "stride", 1)


@pytest.mark.parametrize(
    "args, error, message",
    [
        (((0, 4), (2, 2)), ValueError, r"input_hw must be >= 1, got \(0, 4\)"),
        (((4, 4), (0, 2)), ValueError, r"kernel_hw must be >= 1"),
        (((4, 4), (5, 2)), ValueError, r"kernel too large: along rows the kernel covers 5"),
        (((4, 4), (2, 2), 1, -1), ValueError, r"padding must be >= 0, got -1"),
        (((4, 4), (2, 2), 1, 0, 0), ValueError, r"dilation must be >= 1, got 0"),
        (((4.0, 4), (2, 2)), TypeError, r"input_hw must hold integers"),
    ],
)
def test_output_shape_rejects(args, error, message):
    with pytest.raises(error, match=message):
        convlab.output_shape(*args)


def test_output_shape_names_the_axis_and_padding():
    message = r"along cols.*covers 7 \(size 4, dilation 2\).*has only 6 \(size 4, padding 1 per side\)"
    with pytest.raises(ValueError, match=message):
        convlab.output_shape((9, 4), (1, 4), padding=(0, 1), dilation=2)


def positions(n, kernel, stride, padding, dilation):
    """Where a window can start, counted one by one: the last tap must land inside the padded input."""
    return sum(1 for start in range(0, n + 2 * padding, stride) if start + dilation * (kernel - 1) < n + 2 * padding)


def test_every_parameter_combination_counts_the_windows_that_fit():
    x = np.ones((7, 8))
    for stride, padding, dilation, kernel in itertools.product((1, 2, 3), (0, 1, 2), (1, 2), (1, 2, 3)):
        counted = tuple(positions(n, kernel, stride, padding, dilation) for n in x.shape)
        if min(counted) == 0:
            with pytest.raises(ValueError, match="kernel too large"):
                convlab.output_shape(x.shape, (kernel, kernel), stride, padding, dilation)
            with pytest.raises(ValueError, match="kernel too large"):
                convlab.conv2d(x, np.ones((kernel, kernel)), stride, padding, dilation)
            continue
        assert convlab.output_shape(x.shape, (kernel, kernel), stride, padding, dilation) == counted
        assert convlab.conv2d(x, np.ones((kernel, kernel)), stride, padding, dilation).shape == counted
