"""conv2d and convolve2d, every method, against SciPy on random cases."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference import scipy_conv2d
from strategies import conv_cases, in_layout, tolerance

import convlab
from convlab.choose import CANDIDATES, REGISTRY

ALL_METHODS = convlab.METHODS + ("auto",)

# The example of the classic stride-tricks answer: two 4x4 channels, a 2x2x2 averaging kernel.
ORIGINAL_X = np.array(
    [
        [[1, 1, 1, 1], [1, 1, 1, 1], [2, 2, 2, 2], [2, 2, 2, 2]],
        [[1, 1, 2, 2], [1, 1, 2, 2], [4, 4, 8, 8], [4, 4, 8, 8]],
    ]
)
ORIGINAL_K = np.ones((2, 2, 2)) / 8


def test_the_registry_is_what_conv2d_accepts():
    assert convlab.METHODS == tuple(REGISTRY) and "auto" not in REGISTRY
    for name, method in REGISTRY.items():
        assert method.name == name and method.function.__module__ in ("convlab.methods", "convlab.fast")
        assert method.function.__doc__ and ">>> " in method.function.__doc__, name  # an example to read
    # What "auto" may choose: fast, and not one at a time in Python.
    assert CANDIDATES and all(REGISTRY[m].products and not REGISTRY[m].slow for m in CANDIDATES)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_original_example_exact(method):
    # Every number is a sum of eighths, exactly representable: compare exactly.
    out1 = convlab.conv2d(ORIGINAL_X, ORIGINAL_K, method=method)
    out2 = convlab.conv2d(ORIGINAL_X, ORIGINAL_K, stride=2, method=method)
    assert out1.tolist() == [[1, 1.25, 1.5], [2, 2.625, 3.25], [3, 4, 5]]
    assert out2.tolist() == [[1, 1.5], [3, 5]]


def _expected_and_tolerance(case, flip=False):
    x, k = case["x"], case["k"]
    dtype = np.result_type(x, k)
    if dtype.kind in "iu":
        # Integers wrap on overflow: the exact sum, reduced modulo 2**bits.
        exact = scipy_conv2d(x.astype(np.int64), k.astype(np.int64),
                             case["stride"], case["padding"], case["dilation"], flip)
        expected = exact.astype(dtype)
    else:
        wide = np.complex128 if dtype.kind == "c" else np.float64
        expected = scipy_conv2d(x.astype(wide), k.astype(wide),
                                case["stride"], case["padding"], case["dilation"], flip)
    n_terms = int(np.prod(k.shape[-3:] if k.ndim >= 3 else k.shape))
    return expected, tolerance(dtype, n_terms), dtype


def _call_unmodified(func, case, method):
    """Call func on read-only inputs and check they are unchanged afterwards."""
    x, k = case["x"], case["k"]
    before = (x.copy(), k.copy())
    x.flags.writeable = False
    k.flags.writeable = False
    out = func(x, k, case["stride"], case["padding"], case["dilation"], method=method)
    assert np.array_equal(x, before[0]) and np.array_equal(k, before[1])
    return out


@pytest.mark.parametrize("method", ALL_METHODS)
@given(case=conv_cases())
def test_conv2d_matches_scipy(method, case):
    expected, (rtol, atol), dtype = _expected_and_tolerance(case)
    out = _call_unmodified(convlab.conv2d, case, method)
    assert out.dtype == dtype
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("method", ALL_METHODS)
@given(case=conv_cases(dtypes=["float64", "int64", "complex128"]))
def test_convolve2d_matches_scipy(method, case):
    expected, (rtol, atol), dtype = _expected_and_tolerance(case, flip=True)
    out = _call_unmodified(convlab.convolve2d, case, method)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=atol)


@given(case=conv_cases(dtypes=["float64"]))
def test_methods_agree_with_each_other(case):
    outs = [convlab.conv2d(**case, method=m) for m in convlab.METHODS]
    for out in outs[1:]:
        np.testing.assert_allclose(out, outs[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_large_random_float64_to_1e10(method):
    """A bigger case than the property test draws, with every parameter non-trivial."""
    rng = np.random.default_rng(7)
    x = in_layout(rng.standard_normal((2, 3, 19, 23)), "transposed")
    k = rng.standard_normal((4, 3, 3, 2))
    params = dict(stride=(2, 3), padding=(1, 2), dilation=(2, 1))
    if method in REGISTRY and REGISTRY[method].slow:
        x = x[:1]
    out = convlab.conv2d(x, k, **params, method=method)
    np.testing.assert_allclose(out, scipy_conv2d(x, k, **params), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_integer_overflow_wraps_like_numpy(method):
    x = np.full((3, 3), 100, dtype=np.int8)
    k = np.ones((2, 2), dtype=np.int8)
    out = convlab.conv2d(x, k, method=method)
    assert out.dtype == np.int8
    assert np.all(out == np.int8(400 - 512))  # 400 wraps to -112


@pytest.mark.parametrize("func", [convlab.conv2d, convlab.convolve2d], ids=["conv2d", "convolve2d"])
@pytest.mark.parametrize("method", ALL_METHODS)
def test_float16_accumulates_in_float32(func, method):
    """A float16 result that fits is returned, even when the running sum leaves float16's range.

    float16 reaches 65504.  Each output here is 30000 * (1 + 1 + 1 + 1 - 1 - 1 - 1) = 30000,
    but summed in the kernel's order (for conv2d) or the flipped order (for convolve2d) it
    passes 90000 or -90000 on the way.  Summing in float32 and rounding once, as PyTorch does on
    the CPU, gives 30000.
    """
    x = np.full((2, 5, 6), 30000, np.float16)
    k = np.array([[[1, 1, 1], [1, -1, -1], [-1, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]], np.float16)
    out = func(x, k, method=method)
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out, np.full((3, 4), 30000, np.float16))
    # a batch and a bank: every output of every image and kernel
    xb, kb = np.stack([x, x / 2]), np.stack([k, -k])
    expected = np.array([30000, -30000], np.float16)[None, :, None, None] * np.array([1, 0.5])[:, None, None, None]
    np.testing.assert_array_equal(func(xb, kb, padding=(0, 1), method=method)[..., 1:-1],
                                  np.broadcast_to(expected.astype(np.float16), (2, 2, 3, 4)))


@pytest.mark.parametrize("method", ALL_METHODS)
def test_mixed_dtypes_follow_result_type(method):
    x = np.arange(16, dtype=np.uint8).reshape(4, 4)
    k = np.ones((3, 3), dtype=np.float32)
    out = convlab.conv2d(x, k, method=method)
    assert out.dtype == np.result_type(np.uint8, np.float32)
    assert out[0, 0] == np.sum(x[:3, :3])


@pytest.mark.parametrize("method", ALL_METHODS)
def test_python_lists_are_accepted(method):
    out = convlab.conv2d([[1, 2, 3], [4, 5, 6]], [[1, 1]], method=method)
    assert out.tolist() == [[3, 5], [9, 11]]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # NumPy's, on inf - inf
@pytest.mark.parametrize("method", ALL_METHODS)
@given(case=conv_cases(dtypes=["float64"]), where=st.tuples(st.integers(0, 99), st.integers(0, 99)),
       bad=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_nan_and_inf_propagate(method, case, where, bad):
    x = case["x"].copy()
    i, j = where[0] % x.shape[-2], where[1] % x.shape[-1]
    x[..., i, j] = bad
    k = np.abs(case["k"]) + 0.5  # no zero taps: 0 * inf would be nan anywhere
    params = {p: case[p] for p in ("stride", "padding", "dilation")}
    out = convlab.conv2d(x, k, **params, method=method)
    # Which outputs see the bad value: convolve an indicator of it.  (The
    # reference dilates by inserting zero taps, and 0 * nan is nan, so the
    # bad value itself must not go through it.)
    touched = scipy_conv2d((~np.isfinite(x)).astype(float), np.ones_like(k), **params) > 0
    expected = scipy_conv2d(np.where(np.isfinite(x), x, 0.0), k, **params)
    expected[touched] = bad  # one bad value times positive taps, plus finite terms
    assert np.array_equal(np.isnan(out), np.isnan(expected))
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_result_is_a_new_array(method):
    x = np.arange(12.0).reshape(3, 4)
    out = convlab.conv2d(x, np.ones((1, 1)), method=method)
    assert not np.shares_memory(out, x)
    out[...] = 0  # writable, and writing does not reach x
    assert x[1, 1] == 5.0


def test_convolve2d_is_conv2d_with_flipped_kernel():
    rng = np.random.default_rng(3)
    x, k = rng.standard_normal((2, 7, 6)), rng.standard_normal((5, 2, 3, 2))
    np.testing.assert_allclose(
        convlab.convolve2d(x, k, stride=2, padding=1, dilation=(1, 2)),
        convlab.conv2d(x, k[..., ::-1, ::-1], stride=2, padding=1, dilation=(1, 2)),
        rtol=1e-12, atol=1e-12,
    )
    # and for a kernel that is not symmetric the two really differ
    assert not np.allclose(convlab.convolve2d(x, k), convlab.conv2d(x, k))
