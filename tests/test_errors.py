"""Every bad input raises the same clear error from every method, naming the argument and value."""

import re

import numpy as np
import pytest

import convlab
from convlab.viz import conv_steps

ALL_METHODS = convlab.METHODS + ("auto",)
X3 = np.ones((2, 5, 5))
K3 = np.ones((2, 3, 3))

BAD_CALLS = [
    # (id, args, kwargs, error, message regex)
    ("x string", (np.array([["a", "b"], ["c", "d"]]), np.ones((1, 1))), {}, TypeError, r"x must be a numeric array.*dtype <U1"),
    ("x object", (np.array([[1, None]], dtype=object), np.ones((1, 1))), {}, TypeError, r"x must be a numeric array.*dtype object"),
    ("x bool", (np.ones((3, 3), bool), np.ones((2, 2))), {}, TypeError, r"x must be a numeric array.*dtype bool.*astype\(int\)"),
    ("x datetime", (np.array([["2020-01-01"]], dtype="datetime64[D]"), np.ones((1, 1))), {}, TypeError, r"x must be a numeric.*datetime64"),
    ("x ragged", ([[1, 2], [3]], np.ones((1, 1))), {}, TypeError, r"x must be a numeric array, got list"),
    ("x None", (None, np.ones((1, 1))), {}, TypeError, r"x must be a numeric array.*dtype object"),
    ("k string", (np.ones((3, 3)), "abc"), {}, TypeError, r"k must be a numeric array.*<U3"),
    ("x empty", (np.ones((0, 3)), np.ones((1, 1))), {}, ValueError, r"x must not be empty, got shape \(0, 3\)"),
    ("k empty", (np.ones((3, 3)), np.ones((2, 0))), {}, ValueError, r"k must not be empty, got shape \(2, 0\)"),
    ("x 1-D", (np.ones(5), np.ones(2)), {}, ValueError, r"x must have 2, 3 or 4 dimensions.*got shape \(5,\)"),
    ("x 5-D", (np.ones((1, 1, 1, 3, 3)), np.ones((1, 2, 2))), {}, ValueError, r"x must have 2, 3 or 4 dimensions.*\(1, 1, 1, 3, 3\)"),
    ("x scalar", (np.float64(3.0), np.ones((1, 1))), {}, ValueError, r"x must have 2, 3 or 4 dimensions.*got shape \(\)"),
    ("k 1-D", (np.ones((3, 3)), np.ones(2)), {}, ValueError, r"k must have 2, 3 or 4 dimensions.*got shape \(2,\)"),
    ("2-D x, 3-D k", (np.ones((4, 4)), np.ones((1, 2, 2))), {}, ValueError, r"a 2-D x \(H, W\) needs a 2-D kernel.*\(1, 2, 2\)"),
    ("3-D x, 2-D k", (X3, np.ones((3, 3))), {}, ValueError, r"a 3-D x needs a kernel \(C, R, S\).*\(3, 3\)"),
    ("channel mismatch 3/3", (X3, np.ones((3, 3, 3))), {}, ValueError, r"channel mismatch: x has 2 channels \(x.shape\[0\].*k has 3 \(k.shape\[0\]"),
    ("channel mismatch 4/4", (np.ones((1, 2, 5, 5)), np.ones((4, 3, 3, 3))), {}, ValueError, r"x has 2 channels \(x.shape\[1\].*k has 3 \(k.shape\[1\]"),
    ("kernel too large", (X3, np.ones((2, 6, 3))), {}, ValueError, r"kernel too large: along rows the kernel covers 6.*padded input has only 5"),
    ("dilated too large", (X3, K3), dict(dilation=3), ValueError, r"covers 7 \(size 3, dilation 3\)"),
    ("stride 0", (X3, K3), dict(stride=0), ValueError, r"stride must be >= 1, got 0"),
    ("stride negative pair", (X3, K3), dict(stride=(1, -2)), ValueError, r"stride must be >= 1, got \(1, -2\)"),
    ("stride float", (X3, K3), dict(stride=1.5), TypeError, r"stride must be an int or a pair of ints.*1\.5"),
    ("stride whole float", (X3, K3), dict(stride=2.0), TypeError, r"stride must be an int.*2\.0"),
    ("stride triple", (X3, K3), dict(stride=(1, 1, 1)), ValueError, r"stride must be an int or a pair \(rows, cols\), got 3 values"),
    ("stride bool", (X3, K3), dict(stride=True), TypeError, r"stride must be an int.*True"),
    ("padding negative", (X3, K3), dict(padding=-1), ValueError, r"padding must be >= 0, got -1"),
    ("padding string", (X3, K3), dict(padding="same"), TypeError, r"padding must be an int or a pair of ints.*'same'"),
    ("dilation 0", (X3, K3), dict(dilation=0), ValueError, r"dilation must be >= 1, got 0"),
    ("dilation float pair", (X3, K3), dict(dilation=(1, 2.0)), TypeError, r"dilation must hold integers, got \(1, 2\.0\)"),
]


@pytest.mark.parametrize("args, kwargs, error, message", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
@pytest.mark.parametrize("func", [convlab.conv2d, convlab.convolve2d], ids=["conv2d", "convolve2d"])
def test_bad_input_gets_a_clear_error(func, args, kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        func(*args, **kwargs)
    # the error is ours, raised before any method ran, not from deep inside NumPy
    assert info.traceback[-1].path.parent.name == "convlab"
    assert info.traceback[-1].path.name in ("params.py", "conv.py")


#: One bad input of each kind: a dtype, a shape, a parameter, a size that does not fit.
EACH_KIND = [c for c in BAD_CALLS if c[0] in ("x string", "channel mismatch 3/3", "stride float", "kernel too large")]


@pytest.mark.parametrize("method", ALL_METHODS)
def test_every_method_gives_the_same_errors(method):
    """The arguments are checked before a method is chosen: every method refuses the same input the same way."""
    for _, args, kwargs, error, message in EACH_KIND:
        with pytest.raises(error, match=message) as info:
            convlab.conv2d(*args, **kwargs, method=method)
        assert info.traceback[-1].path.name == "params.py", method


@pytest.mark.parametrize("method, error, message", [
    ("fast", ValueError, r"method must be 'auto' or one of " + re.escape(str(convlab.METHODS)) + ".*got 'fast'"),
    (convlab.METHODS[0].title(), ValueError, rf"got '{convlab.METHODS[0].title()}'"),
    (None, TypeError, r"method must be a string.*got None"),
    ([convlab.METHODS[0]], TypeError, rf"method must be a string.*\['{convlab.METHODS[0]}'\]"),
])
def test_unknown_method(method, error, message):
    with pytest.raises(error, match=message):
        convlab.conv2d(X3, K3, method=method)


def test_errors_are_checked_in_signature_order():
    # both x and stride are bad: the first argument is reported
    with pytest.raises(TypeError, match=re.escape("x must be a numeric array")):
        convlab.conv2d(np.array([["a"]]), K3, stride=0)
    with pytest.raises(ValueError, match="stride"):
        convlab.conv2d(X3, K3, stride=0, padding=-1)


def test_input_untouched_after_an_error():
    x = np.arange(25.0).reshape(1, 5, 5)
    before = x.copy()
    with pytest.raises(ValueError):
        convlab.conv2d(x, np.ones((1, 3, 3)), padding=-1)
    np.testing.assert_array_equal(x, before)


# Every entry point that takes a convolution's x and k, called the way conv2d is.
CONV_ENTRY_POINTS = {
    "convolve2d": lambda x, k, **kw: convlab.convolve2d(x, k, **kw),
    "conv2d_backward": lambda x, k, **kw: convlab.conv2d_backward(x, k, np.ones((1, 1)), **kw),
    "choose_method": lambda x, k, **kw: convlab.choose_method(x, k, **kw),
    "viz.conv_steps": lambda x, k, **kw: conv_steps(x, k, **kw),
}


@pytest.mark.parametrize("entry", sorted(CONV_ENTRY_POINTS))
@pytest.mark.parametrize("args, kwargs, error, message", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_every_entry_point_gives_conv2ds_error(entry, args, kwargs, error, message):
    """One check (params.check_args) behind every entry point: the same bad input, the same words."""
    with pytest.raises(error) as expected:
        convlab.conv2d(*args, **kwargs)
    with pytest.raises(error) as got:
        CONV_ENTRY_POINTS[entry](*args, **kwargs)
    assert str(got.value) == str(expected.value)


WINDOW_BAD_CALLS = [
    ((np.array([["a"]]),), dict(window=1), TypeError),
    ((np.ones(4),), dict(window=2), ValueError),
    ((np.ones((3, 3)),), dict(window=4), ValueError),
    ((np.ones((3, 3)),), dict(window=2.5), TypeError),
    ((np.ones((3, 3)),), dict(window=2, stride=0), ValueError),
    ((np.ones((3, 3)),), dict(window=2, dilation=(1, 0)), ValueError),
]


@pytest.mark.parametrize("func", [convlab.max_pool2d, convlab.avg_pool2d], ids=["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("args, kwargs, error", WINDOW_BAD_CALLS)
def test_pooling_gives_sliding_windows_error(func, args, kwargs, error):
    with pytest.raises(error) as expected:
        convlab.sliding_windows(*args, **kwargs)
    with pytest.raises(error) as got:
        func(*args, **kwargs)
    assert str(got.value) == str(expected.value)
