"""The fast methods behind method="auto": every block boundary, and memory bounded by the budget.

Results are compared exactly on integers (the sums are exact, so any block
that is missed, doubled or shifted shows), against SciPy.  Memory is measured
with tracemalloc, which sees every NumPy allocation.  No test here measures
time: speed is the business of benchmarks/.
"""

import itertools
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference import scipy_conv2d

import convlab
from convlab import fast
from convlab.choose import REGISTRY, choose_method
from convlab.methods import conv_im2col

FAST = {"blocked": fast.conv_blocked, "mec": fast.conv_mec}
MB = 2**20
# (stride, dilation) pairs covering stride/dilation ratios: equal, coprime, multiples
STEPS = [((1, 1), (1, 1)), ((2, 1), (1, 2)), ((1, 3), (2, 1)), ((2, 2), (2, 2)), ((3, 1), (2, 3)), ((2, 3), (3, 1))]


def reference(x, k, stride, dilation):
    """SciPy's answer for canonical (N, C, H, W) and (K, C, R, S) inputs, exact on int64."""
    return scipy_conv2d(x, k, stride, 0, dilation)


def int_case(shape_x, shape_k, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(-9, 10, shape_x), rng.integers(-9, 10, shape_k)


def blocked_sizes(x, k, stride, dilation):
    """block_bytes giving every possible block: 1, 2, ... output rows, then 1, 2, ... images."""
    n, c = x.shape[:2]
    r, s = k.shape[2:]
    ho, wo = convlab.output_shape(x.shape[2:], (r, s), stride, 0, dilation)
    row_bytes = c * r * s * wo * x.itemsize
    return [b * row_bytes for b in range(1, ho)] + [m * ho * row_bytes for m in range(1, n + 1)]


def shared_sizes(x, k, stride, dilation):
    """block_bytes giving every number of small images that share one product."""
    n, c = x.shape[:2]
    kk, _, r, s = k.shape
    ho, wo = convlab.output_shape(x.shape[2:], (r, s), stride, 0, dilation)
    image_bytes = (c * r * s + kk) * ho * wo * x.itemsize
    return [m * image_bytes for m in range(2, n + 1)]  # sharing needs room for two images


def mec_sizes(x, k, stride, dilation):
    """block_bytes giving every possible band of output rows, then every number of images."""
    n, c = x.shape[:2]
    r, s = k.shape[2:]
    ho, wo = convlab.output_shape(x.shape[2:], (r, s), stride, 0, dilation)
    strip_row = c * s * wo * x.itemsize

    def span(band):
        return (band - 1) * stride[0] + (r - 1) * dilation[0] + 1

    return [span(b) * strip_row for b in range(1, ho)] + [m * span(ho) * strip_row for m in range(1, n + 1)]


#: conv_blocked's shared_positions for each of its two ways: a product per image (in bands of
#: rows), or, for images with fewer output positions than this, one product shared by a block's images.
SHARED = {"rows": 0, "shared": 10**9}


@pytest.fixture(params=sorted(SHARED))
def blocked_path(request):
    """conv_blocked's two ways: a product per image (in bands of rows), or one shared by small images."""
    return request.param


def fast_method(method, path):
    """The fast method by name; for "blocked", taking the given path."""
    if method == "blocked":
        return lambda *args, **kwargs: fast.conv_blocked(*args, **kwargs, shared_positions=SHARED[path])
    return FAST[method]


@pytest.mark.parametrize("stride, dilation", STEPS)
def test_every_block_size_gives_the_exact_result_blocked(blocked_path, stride, dilation):
    sizes = blocked_sizes if blocked_path == "rows" else shared_sizes
    check_every_block_size("blocked", sizes, stride, dilation, blocked_path)


@pytest.mark.parametrize("stride, dilation", STEPS)
def test_every_block_size_gives_the_exact_result_mec(stride, dilation):
    check_every_block_size("mec", mec_sizes, stride, dilation)


def check_every_block_size(method, sizes, stride, dilation, path="rows"):
    x, k = int_case((3, 2, 17, 13), (4, 2, 3, 2))
    expected = reference(x, k, stride, dilation)
    block_sizes = sizes(x, k, stride, dilation)
    assert len(block_sizes) >= 2  # several bands or several image blocks are exercised
    for block_bytes in [1] + block_sizes + [b + 1 for b in block_sizes] + [10**9]:
        out = fast_method(method, path)(x, k, stride, dilation, block_bytes=block_bytes)
        assert out.dtype == x.dtype and out.flags.c_contiguous
        np.testing.assert_array_equal(out, expected, err_msg=f"block_bytes={block_bytes}")


@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 12), st.integers(1, 12)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    block_bytes=st.integers(1, 4096),
    method=st.sampled_from(sorted(FAST)),
    seed=st.integers(0, 2**32 - 1),
    path=st.sampled_from(sorted(SHARED)),
)
def test_random_blocks_exact(shape, kernel, stride, dilation, block_bytes, method, seed, path):
    n, c, h, w = shape
    kk, r, s = kernel
    h = max(h, (r - 1) * dilation[0] + 1)  # the kernel must fit
    w = max(w, (s - 1) * dilation[1] + 1)
    x, k = int_case((n, c, h, w), (kk, c, r, s), seed)
    out = fast_method(method, path)(x, k, stride, dilation, block_bytes=block_bytes)
    np.testing.assert_array_equal(out, reference(x, k, stride, dilation))


@given(cols=st.integers(1, 9), sw=st.integers(1, 5), dw=st.integers(1, 5))
def test_column_phases_place_every_tap_once(cols, sw, dw):
    """Each tap s is in one group (b, s0, q0): s = s0 + t*tap_step, read at column (j + q0 + t*q_step)*sw + b."""
    groups, tap_step, q_step, q_max = fast.column_phases(cols, sw, dw)
    placed = []
    for b, s0, q0 in groups:
        for t, s in enumerate(range(s0, cols, tap_step)):
            assert (q0 + t * q_step) * sw + b == s * dw  # window 0's column of tap s
            placed.append(s)
    assert sorted(placed) == list(range(cols))
    assert [g[0] for g in groups] == sorted({s * dw % sw for s in range(cols)})
    assert q_max == (cols - 1) * dw // sw


@pytest.mark.parametrize("method", sorted(FAST))
@pytest.mark.parametrize("layout", ["F", "transposed", "sliced"])
def test_non_contiguous_inputs(method, layout, blocked_path):
    from strategies import in_layout

    x, k = int_case((2, 3, 11, 9), (5, 3, 3, 3), seed=1)
    x, k = in_layout(x, layout), in_layout(k, layout)
    for block_bytes in (1, 700, 10**9):
        out = fast_method(method, blocked_path)(x, k, (2, 1), (1, 2), block_bytes=block_bytes)
        np.testing.assert_array_equal(out, reference(x, k, (2, 1), (1, 2)))


def test_one_by_one_kernel_multiplies_the_input_without_copying_it():
    x, k = int_case((2, 5, 6, 7), (3, 5, 1, 1))
    out, peak = peak_bytes(fast.conv_blocked, x, k, (1, 1), (1, 1))
    np.testing.assert_array_equal(out, reference(x, k, (1, 1), (1, 1)))
    assert not np.shares_memory(out, x)
    assert peak <= out.nbytes + k.nbytes + 4096  # the output and the kernel matrix, nothing else


def peak_bytes(func, *args, **kwargs):
    """(result, largest allocation beyond what existed before) of one call."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = func(*args, **kwargs)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return out, peak


@pytest.mark.parametrize("stride", [(1, 1), (1, 2)], ids=["stride 1", "column phases"])
@pytest.mark.parametrize("method, path", [("blocked", "rows"), ("blocked", "shared"), ("mec", None)],
                         ids=["blocked-rows", "blocked-shared", "mec"])
def test_temporary_memory_stays_within_the_block(method, path, stride):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 16, 20, 20))
    k = rng.standard_normal((8, 16, 3, 3))
    block = 2**20  # a few images' windows (and, when shared, their product) per block
    # Images share a product when two images' windows and products fit in a block: true here with
    # either stride (16*9 taps + 8 kernels, at most 18 x 18 positions), so "shared" takes that path.
    assert 2 * (16 * 9 + 8) * 18 * 18 * x.itemsize <= block
    out, peak = peak_bytes(fast_method(method, path), x, k, stride, (1, 1), block_bytes=block)
    np.testing.assert_allclose(out, conv_im2col(x, k, stride, (1, 1)), rtol=1e-12, atol=1e-12)
    # With column stride 2, blocked also splits the input rows of a block into their column
    # phases: at most the block's images of x, 5 of them (an image's windows, C*R*S x Ho x Wo,
    # take 144 * 18 * 9 * 8 bytes).  mec's strip is within its block either way.
    phases = x[: block // (144 * 18 * 9 * 8)].nbytes if method == "blocked" and stride[1] > 1 else 0
    assert peak <= out.nbytes + block + phases + k.nbytes + 64 * 2**10
    # The whole window matrix is 16*9*18*18*8 floats, 2.8 MiB: the measurement would see it.
    _, whole = peak_bytes(conv_im2col, x, k, (1, 1), (1, 1))
    assert whole > out.nbytes + 2 * MB


# Problems whose whole window matrix is far larger than the budget (max(64 MB, 2x output)).
BIG = [
    ("grayscale, 11x11 kernel", (1024, 1024), (11, 11), 0, "float64"),  # window matrix 995 MB
    ("many channels, few kernels", (1, 256, 64, 64), (8, 256, 3, 3), 1, "float64"),  # 75 MB
    ("batch, padding", (16, 32, 40, 40), (16, 32, 5, 5), 2, "float32"),  # 82 MB
]


@pytest.mark.parametrize("name, x_shape, k_shape, padding, dtype", BIG, ids=[b[0] for b in BIG])
def test_auto_peak_memory_within_budget(name, x_shape, k_shape, padding, dtype):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(x_shape).astype(dtype)
    k = rng.standard_normal(k_shape).astype(dtype)
    out, peak = peak_bytes(convlab.conv2d, x, k, padding=padding)
    budget = max(64 * MB, 2 * out.nbytes)
    assert peak <= budget, f"auto used {peak / MB:.1f} MB, budget {budget / MB:.1f} MB"
    # spot-check the values: one output row against SciPy
    row = out.shape[-2] // 2
    x_pad = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(padding, padding)] * 2)
    r = k.shape[-2]
    expected = scipy_conv2d(x_pad[..., row : row + r, :].astype(np.float64), k.astype(np.float64))
    tol = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(out[..., row : row + 1, :], expected, rtol=tol, atol=tol * k.shape[-1] * r)


def test_float32_stays_float32_inside():
    """No float64 temporaries: float32's peak is half of float64's for the same problem.

    (A problem small enough that no buffer reaches its size limit, which is in bytes.)
    """
    rng = np.random.default_rng(4)
    x64, k64 = rng.standard_normal((2, 8, 32, 32)), rng.standard_normal((8, 8, 5, 5))
    for method in ("auto", *(m.name for m in REGISTRY.values() if m.candidate and m.bounded_memory)):
        out64, peak64 = peak_bytes(convlab.conv2d, x64, k64, padding=2, method=method)
        out32, peak32 = peak_bytes(convlab.conv2d, x64.astype(np.float32), k64.astype(np.float32),
                                   padding=2, method=method)
        assert out32.dtype == np.float32
        assert peak32 <= 0.5 * peak64 + 4096, method


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "complex128", "float16"])
def test_choose_method_names_a_bounded_method(dtype):
    dtype = np.dtype(dtype)
    shapes = [
        ((1, 2, 4, 4), (1, 2, 2, 2)),
        ((1, 1, 512, 512), (1, 1, 3, 3)),
        ((1, 1, 512, 512), (1, 1, 11, 11)),
        ((1, 3, 1024, 1024), (16, 3, 3, 3)),
        ((8, 64, 58, 58), (64, 64, 3, 3)),
        ((32, 3, 230, 230), (64, 3, 7, 7)),
        ((4, 64, 56, 56), (128, 64, 1, 1)),
    ]
    for (x_shape, k_shape), stride in itertools.product(shapes, (1, 2)):
        method = choose_method(x_shape, k_shape, dtype, stride=stride)
        assert method in convlab.METHODS
        n, c, h, w = x_shape
        ho, wo = convlab.output_shape((h, w), k_shape[2:], stride)
        window_matrix = n * c * k_shape[2] * k_shape[3] * ho * wo * dtype.itemsize
        # a method that builds the whole window matrix only when it is small: at most 1 MB, or for a
        # strided 1x1 kernel (every stride-th value of the input) no more than one of blocked's blocks
        limit = fast.BLOCK_BYTES if k_shape[2:] == (1, 1) else 1 * MB
        assert REGISTRY[method].bounded_memory or window_matrix <= limit, (x_shape, k_shape, stride, method)


def test_a_strided_1x1_kernel_is_built_whole_when_it_fits_in_a_block():
    """With stride 1 a 1x1 kernel's window matrix is the input itself (blocked copies nothing); with a
    larger stride im2col copies every stride-th value at once, up to one of blocked's blocks."""
    f32 = np.dtype(np.float32)
    assert choose_method((16, 64, 32, 32), (128, 64, 1, 1), f32) == "blocked"
    assert choose_method((16, 64, 32, 32), (128, 64, 1, 1), f32, stride=2) == "im2col"  # 1 MiB
    assert choose_method((16, 64, 32, 32), (128, 64, 1, 1), f32, stride=(1, 2)) == "im2col"  # 2 MiB
    assert choose_method((16, 64, 128, 128), (128, 64, 1, 1), f32, stride=2) == "blocked"  # 16 MiB
    x = np.ones((16, 64, 32, 32), dtype=f32)
    assert choose_method(x, np.ones((128, 64, 1, 1), dtype=f32), stride=2) == "im2col"  # arrays: the same rule
    with pytest.raises(ValueError, match="stride"):
        choose_method((1, 1, 4, 4), (1, 1, 1, 1), stride=0)
