"""Hypothesis strategies for convolution cases: shapes, parameters, dtypes, memory layouts."""

import numpy as np
from hypothesis import strategies as st

DTYPES = ["float64", "float32", "float16", "int64", "int32", "int16", "uint8", "complex128"]
LAYOUTS = ["C", "F", "transposed", "sliced", "reversed"]
# (x.ndim, k.ndim) pairs from the shape table in docs/architecture.md
COMBOS = [(2, 2), (3, 3), (3, 4), (4, 3), (4, 4)]


def random_values(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return rng.uniform(-1, 1, shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)).astype(dtype)
    low = 0 if dtype.kind == "u" else -3
    return rng.integers(low, 4, shape).astype(dtype)


def in_layout(values, layout):
    """The same values in a different memory layout (values compare equal)."""
    if layout == "C":
        out = np.ascontiguousarray(values)
    elif layout == "F":
        out = np.asfortranarray(values)
    elif layout == "transposed":
        out = np.empty(values.shape[:-2] + values.shape[:-3:-1], values.dtype).swapaxes(-1, -2)
        out[...] = values
    elif layout == "sliced":
        h, w = values.shape[-2:]
        big = np.zeros(values.shape[:-2] + (2 * h + 1, 3 * w + 2), values.dtype)
        out = big[..., 1::2, 2::3][..., :h, :w]
        out[...] = values
    elif layout == "reversed":
        out = np.ascontiguousarray(values[..., ::-1, ::-1])[..., ::-1, ::-1]
    else:
        raise AssertionError(layout)
    assert np.array_equal(out, values)
    return out


@st.composite
def conv_cases(draw, max_size=4, dtypes=DTYPES):
    """A dict with x, k, stride, padding, dilation for one valid conv2d call."""
    x_nd, k_nd = draw(st.sampled_from(COMBOS))
    n, c, f = (draw(st.integers(1, 3)) for _ in range(3))
    r, s = draw(st.integers(1, max_size)), draw(st.integers(1, max_size))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    spans = (dilation[0] * (r - 1) + 1, dilation[1] * (s - 1) + 1)
    h = draw(st.integers(max(1, spans[0] - 2 * padding[0]), max(1, spans[0] - 2 * padding[0]) + 6))
    w = draw(st.integers(max(1, spans[1] - 2 * padding[1]), max(1, spans[1] - 2 * padding[1]) + 6))
    dtype = draw(st.sampled_from(dtypes))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x_shape = {2: (h, w), 3: (c, h, w), 4: (n, c, h, w)}[x_nd]
    k_shape = {2: (r, s), 3: (c, r, s), 4: (f, c, r, s)}[k_nd]
    x = in_layout(random_values(rng, x_shape, dtype), draw(st.sampled_from(LAYOUTS)))
    k = in_layout(random_values(rng, k_shape, dtype), draw(st.sampled_from(LAYOUTS)))
    # Parameters given as an int when both entries agree, as users usually write them.
    simplify = draw(st.booleans())
    as_given = [p[0] if simplify and p[0] == p[1] else p for p in (stride, padding, dilation)]
    return dict(x=x, k=k, stride=as_given[0], padding=as_given[1], dilation=as_given[2])


def tolerance(dtype, n_terms):
    """(rtol, atol) for a sum of n_terms products of values in [-1, 1]."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return 0, 0
    eps = np.finfo(dtype).eps
    if eps >= np.finfo(np.float64).eps * 2:  # float32, float16: rounding of the sum
        return 0, 4 * eps * n_terms
    return 1e-10, 1e-10
