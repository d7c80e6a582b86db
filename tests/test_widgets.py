"""The stride explorer, driven the way a learner drives it: by setting slider values."""

import matplotlib

matplotlib.use("Agg")

import itertools  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from reference import scipy_conv2d  # noqa: E402

import convlab  # noqa: E402
from convlab.viz import grace_hopper  # noqa: E402
from convlab.widgets import KERNELS, StrideExplorer, stride_explorer  # noqa: E402

SLIDERS = ("stride_rows", "stride_cols", "kernel_rows", "kernel_cols", "padding", "dilation")

pytestmark = pytest.mark.long(24)  # seconds on two cores


def set_values(ex, **values):
    for name, value in values.items():
        ex.controls[name].value = value


def run_code(ex):
    """Run the code the explorer shows; return both results it computes."""
    space = {"np": np, "convlab": convlab, "x": ex.x}
    lines = ex.code.splitlines()
    exec("\n".join(lines[:2]), space)
    first = space["out"]
    exec("\n".join(lines[2:]), space)
    return first, space["out"]


def check_consistent(ex):
    """Everything the explorer shows agrees with convlab and with SciPy."""
    (sh, sw), (r, s), p, d = ex.stride, ex.kernel_size, ex.padding, ex.dilation
    expected = scipy_conv2d(ex.x, ex.k, (sh, sw), p, d, flip=ex.flip)
    np.testing.assert_allclose(ex.result, expected, atol=1e-12)
    assert ex.result.shape == ex.output_shape == convlab.output_shape(ex.x.shape, (r, s), (sh, sw), p, d)
    ho, wo = ex.output_shape
    assert ho >= 1 and wo >= 1
    # the overlay: a window starts every stride cells, in padded coordinates
    assert ex.window_origins == [(i * sh, j * sw) for i in range(ho) for j in range(wo)]
    # and the code string computes exactly this output, both ways
    by_call, by_numpy = run_code(ex)
    np.testing.assert_allclose(by_call, ex.result, atol=1e-12)
    np.testing.assert_allclose(by_numpy, ex.result, atol=1e-12)
    # the formula ends in the same numbers
    assert f"output shape <b>({ho}, {wo})</b>" in ex.formula
    assert ex.formula.count(f"= <b>{ho}</b>") >= 1 and f"= <b>{wo}</b>" in ex.formula
    assert ex.controls["position"].max == ho * wo - 1


def test_defaults_and_picture():
    ex = StrideExplorer()
    check_consistent(ex)
    assert ex.output_shape == (6, 6)
    assert ex.picture.value[:8] == b"\x89PNG\r\n\x1a\n"
    box = stride_explorer()
    assert box.explorer.output_shape == (6, 6)


def test_sliders_change_shape_overlay_and_code():
    ex = StrideExplorer()
    png = ex.picture.value
    set_values(ex, stride_rows=2, stride_cols=3, padding=1)
    assert ex.output_shape == (4, 3)
    assert ex.window_origins[:4] == [(0, 0), (0, 3), (0, 6), (2, 0)]
    assert "convlab.conv2d(x, k, stride=(2, 3), padding=1, dilation=1)" in ex.code
    assert "convlab.sliding_windows(np.pad(x, 1), (3, 3), stride=(2, 3), dilation=1)" in ex.code
    assert "rows: ⌊(H + 2p − d·(R − 1) − 1) / s⌋ + 1 = ⌊(8 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1" in ex.formula
    assert ex.picture.value != png
    check_consistent(ex)
    # the overlay drawn is the overlay computed
    fig = ex.figure()
    (ax,) = [a for a in fig.axes if a.get_title() == "input"]
    (markers,) = [line for line in ax.lines if line.get_gid() == "overlay"]
    cols, rows = markers.get_data()
    assert list(zip(np.asarray(rows).tolist(), np.asarray(cols).tolist())) == ex.window_origins


def test_flip_toggle_switches_to_true_convolution():
    ex = StrideExplorer()
    before = ex.result.copy()
    ex.controls["flip"].value = True
    assert "convlab.convolve2d(x, k," in ex.code and "k[::-1, ::-1]" in ex.code
    np.testing.assert_array_equal(ex.result, convlab.conv2d(ex.x, ex.k[::-1, ::-1]))
    assert not np.array_equal(ex.result, before)  # the ramp kernel is not symmetric
    check_consistent(ex)
    titles = [a.get_title() for a in ex.figure().axes]
    assert "kernel, flipped" in titles


def test_position_scrubber_moves_the_window():
    ex = StrideExplorer()
    set_values(ex, stride_rows=2, stride_cols=2)  # output (3, 3)
    ex.controls["position"].value = 5  # out[1, 2]
    fig = ex.figure()
    (ax,) = [a for a in fig.axes if a.get_title() == "input"]
    taps = {(round(p.get_y()), round(p.get_x())) for p in ax.patches if p.get_gid() == "tap"}
    assert taps == {(2 + r, 4 + s) for r in range(3) for s in range(3)}
    # moving the window redraws the same scene at the new position: the picture a fresh one would be,
    # backwards and forwards (the play button starts again at 0)
    for position in (8, 0, 5):
        ex.controls["position"].value = position
        assert ex.picture.value == ex.png(), position
    # shrinking the output clamps the position into range
    set_values(ex, stride_rows=4, stride_cols=4)
    assert ex.controls["position"].value <= ex.controls["position"].max == 3
    assert ex.picture.value == ex.png()


def test_invalid_combinations_cannot_be_reached():
    ex = StrideExplorer()
    # a 9-row window does not fit 8 rows: the slider stops at the largest that fits
    ex.controls["kernel_rows"].value = 9
    assert ex.kernel_size[0] <= 5
    set_values(ex, kernel_rows=5, kernel_cols=5)
    ex.controls["dilation"].value = 4
    assert ex.dilation == 1  # 4*(5-1)+1 = 17 > 8: the slider's maximum is 1 ...
    ex.controls["padding"].value = 3
    assert ex.controls["dilation"].max == 3  # ... until padding makes room: (8 + 6 - 1) // 4 = 3
    ex.controls["dilation"].value = 2
    assert ex.controls["padding"].min == 1  # now the window spans 2*(5-1)+1 = 9 > 8: padding >= 1
    ex.controls["padding"].value = 0
    assert ex.padding == 1
    check_consistent(ex)


def test_every_reachable_state_is_valid():
    """Walk many slider settings in a fixed order; every state stays valid."""
    ex = StrideExplorer()
    rng = np.random.default_rng(3)
    for _ in range(20):
        name = SLIDERS[rng.integers(len(SLIDERS))]
        ex.controls[name].value = int(rng.integers(0, 10))  # often out of range on purpose
        (r, s), p, d = ex.kernel_size, ex.padding, ex.dilation
        assert d * (r - 1) + 1 <= 8 + 2 * p and d * (s - 1) + 1 <= 8 + 2 * p
        # every value inside every slider's range is valid with the others fixed
        for other in ("kernel_rows", "kernel_cols", "padding", "dilation"):
            slider = ex.controls[other]
            for value in (slider.min, slider.max):
                kr = value if other == "kernel_rows" else r
                kc = value if other == "kernel_cols" else s
                pp = value if other == "padding" else p
                dd = value if other == "dilation" else d
                convlab.output_shape((8, 8), (kr, kc), 1, pp, dd)  # raises if invalid
    check_consistent(ex)


def test_kernels_offered_are_the_code_shown():
    ex = StrideExplorer()
    for name, (r, s) in itertools.product(KERNELS, [(1, 1), (2, 3)]):
        set_values(ex, kernel=name, kernel_rows=r, kernel_cols=s)
        np.testing.assert_array_equal(eval(ex.kernel_expression, {"np": np}), ex.k)
        assert ex.k.shape == (r, s)
    check_consistent(ex)


def test_real_image():
    img = grace_hopper(size=(40, 36))
    ex = StrideExplorer(img)
    set_values(ex, kernel_rows=5, dilation=2, padding=1, stride_cols=3)
    check_consistent(ex)
    assert ex.picture.value[:4] == b"\x89PNG"


def test_bad_image_is_named():
    with pytest.raises(ValueError, match="image must be a non-empty 2-D array"):
        StrideExplorer(np.ones((3, 8, 8)))
    with pytest.raises(ValueError, match="image"):
        StrideExplorer(np.array([["a"]]))
