"""convlab.viz: every frame shows what sliding_windows and conv2d compute.

The animation is driven through ``Animation.save`` with a writer that, instead
of encoding pixels, reads the figure's artists at each frame: which input
cells are filled as taps, which output cell is current and what number it
shows.  Those are compared with sliding_windows (on a grid of cell numbers)
and with conv2d, and the window positions with plain index arithmetic.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.animation import AbstractMovieWriter  # noqa: E402
from PIL import Image  # noqa: E402

from reference import scipy_conv2d  # noqa: E402

import convlab  # noqa: E402
from convlab import viz  # noqa: E402
from convlab.viz.steps import format_value  # noqa: E402

RNG = np.random.default_rng(7)

pytestmark = pytest.mark.long(15)  # seconds on two cores

# name -> (x, k, parameters): the combinations the issue asks to look at
CASES = {
    "stride 2": (RNG.integers(0, 10, (5, 5)), RNG.integers(-2, 3, (3, 3)), dict(stride=2)),
    "padding 1": (RNG.integers(0, 10, (4, 4)), RNG.integers(-2, 3, (3, 3)), dict(padding=1)),
    "dilation 2": (RNG.integers(0, 10, (6, 7)), RNG.integers(-2, 3, (2, 2)), dict(dilation=2)),
    "non-square": (
        RNG.integers(-5, 6, (5, 8)),
        RNG.integers(-2, 3, (2, 3)),
        dict(stride=(1, 2), padding=(0, 1), dilation=(2, 1)),
    ),
    "3 channels": (RNG.integers(0, 5, (3, 4, 5)), RNG.integers(-1, 2, (3, 2, 2)), dict(stride=(2, 1), padding=1)),
    "1x1 kernel": (RNG.integers(0, 9, (3, 4)), np.array([[3]]), {}),
    "12x12": (RNG.uniform(-1, 1, (12, 12)), RNG.uniform(-1, 1, (3, 3)), dict(stride=2, padding=1)),
    "flipped": (RNG.integers(0, 10, (4, 5)), RNG.integers(-3, 4, (2, 3)), dict(padding=(1, 0), flip=True)),
    "image": (RNG.uniform(0, 1, (20, 20)), RNG.uniform(-1, 1, (3, 3)), dict(stride=3, padding=2)),
}


def pairs(v):
    return v if isinstance(v, tuple) else (v, v)


class FrameReader(AbstractMovieWriter):
    """A movie writer that records what each frame shows instead of pixels."""

    def __init__(self):
        super().__init__(fps=1)
        self.frames = []

    def setup(self, fig, outfile, dpi=None):
        self.fig = fig

    def grab_frame(self, **savefig_kwargs):
        self.frames.append(read_frame(self.fig))

    def finish(self):
        pass


def read_frame(fig):
    """What one drawn frame shows, read back from its artists."""
    inputs = [ax for ax in fig.axes if ax.get_title().startswith("input")]
    output = next(ax for ax in fig.axes if ax.get_title() == "output")
    taps = [
        {(round(p.get_y()), round(p.get_x())) for p in ax.patches if p.get_gid() == "tap"} for ax in inputs
    ]
    (current,) = [p for p in output.patches if p.get_gid() == "current"]
    i, j = round(current.get_y()), round(current.get_x())
    shown = {t.get_gid(): t.get_text() for t in output.texts if t.get_gid()}
    (arithmetic,) = [t.get_text() for t in fig.texts if t.get_gid() == "arithmetic"]
    return dict(taps=taps, current=(i, j), shown=shown, arithmetic=arithmetic)


def expected_cells(xp_shape, k_shape, i, j, kw):
    """Cells of the padded input under window (i, j), as sliding_windows gives them."""
    hp, wp = xp_shape
    cell = np.arange(hp * wp).reshape(hp, wp)
    window = convlab.sliding_windows(cell, k_shape, kw.get("stride", 1), kw.get("dilation", 1))[i, j]
    return {divmod(int(n), wp) for n in window.ravel()}


def reference_out(x, k, kw):
    params = {key: kw[key] for key in ("stride", "padding", "dilation") if key in kw}
    return scipy_conv2d(x, k, flip=kw.get("flip", False), **params)


@pytest.mark.parametrize("name", CASES)
def test_every_frame_shows_the_window_and_value_of_its_position(name):
    x, k, kw = CASES[name]
    conv = convlab.convolve2d if kw.get("flip") else convlab.conv2d
    params = {key: kw[key] for key in ("stride", "padding", "dilation") if key in kw}
    out = conv(x, k, **params)
    np.testing.assert_allclose(out, reference_out(x, k, kw), atol=1e-12)
    ho, wo = convlab.output_shape(x.shape[-2:], k.shape[-2:], **params)
    (ph, pw), (sh, sw), (dh, dw) = pairs(kw.get("padding", 0)), pairs(kw.get("stride", 1)), pairs(
        kw.get("dilation", 1)
    )
    xp_shape = (x.shape[-2] + 2 * ph, x.shape[-1] + 2 * pw)

    anim = viz.animate_conv(x, k, **kw)
    reader = FrameReader()
    anim.save("unused", writer=reader)

    assert len(reader.frames) == ho * wo == len(list(anim.new_frame_seq()))
    channels = x.shape[0] if x.ndim == 3 else 1
    for t, frame in enumerate(reader.frames):
        i, j = divmod(t, wo)
        cells = expected_cells(xp_shape, k.shape[-2:], i, j, kw)
        # the same cells by plain index arithmetic
        assert cells == {
            (i * sh + r * dh, j * sw + s * dw) for r in range(k.shape[-2]) for s in range(k.shape[-1])
        }
        assert frame["taps"] == [cells] * channels, f"frame {t}"
        assert frame["current"] == (i, j)
        value = format_value(out[i, j])
        assert frame["arithmetic"].startswith(f"out[{i}, {j}] = ")
        assert frame["arithmetic"].endswith(f" = {value}")
        if frame["shown"]:  # numbers are written (not an image)
            assert frame["shown"][f"out {i},{j}"] == value
            # earlier outputs stay, later ones are still blank
            for n in range(ho * wo):
                a, b = divmod(n, wo)
                assert frame["shown"][f"out {a},{b}"] == (format_value(out[a, b]) if n <= t else "")
    plt.close("all")


@st.composite
def drawable_cases(draw):
    c = draw(st.sampled_from([None, 1, 2, 3]))
    r, s = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    h = draw(st.integers(max(1, dilation[0] * (r - 1) + 1 - 2 * padding[0]), 12))
    w = draw(st.integers(max(1, dilation[1] * (s - 1) + 1 - 2 * padding[1]), 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lead = () if c is None else (c,)
    x = rng.integers(-9, 10, lead + (h, w))
    k = rng.integers(-3, 4, lead + (r, s))
    return x, k, dict(stride=stride, padding=padding, dilation=dilation, flip=draw(st.booleans()))


@given(drawable_cases())
def test_steps_agree_with_index_arithmetic_and_scipy(case):
    x, k, kw = case
    steps = viz.conv_steps(x, k, **kw)
    (sh, sw), (ph, pw), (dh, dw) = kw["stride"], kw["padding"], kw["dilation"]
    np.testing.assert_array_equal(steps.out, reference_out(x, k, kw))
    x3 = x if x.ndim == 3 else x[None]
    xp = np.pad(x3, ((0, 0), (ph, ph), (pw, pw)))
    kernel = (k if k.ndim == 3 else k[None])[:, ::-1, ::-1] if kw["flip"] else (k if k.ndim == 3 else k[None])
    ho, wo = steps.output_shape
    assert len(steps) == ho * wo
    for t in range(ho * wo):
        i, j = divmod(t, wo)
        rows = [i * sh + r * dh for r in range(k.shape[-2])]
        cols = [j * sw + s * dw for s in range(k.shape[-1])]
        assert steps.cells(t) == {(a, b) for a in rows for b in cols}
        window = xp[:, rows][:, :, cols]
        np.testing.assert_array_equal(steps.window(t), window)
        assert steps.value(t) == (window * kernel).sum()
        assert steps.arithmetic(t, max_chars=10**6).endswith(f" = {steps.value(t)}")


def test_arithmetic_is_the_sum_of_the_products_it_shows():
    x = np.array([[1, -2, 3], [4, 5, -6]])
    k = np.array([[2, -1], [0, 3]])
    steps = viz.conv_steps(x, k)
    assert steps.arithmetic(0) == "out[0, 0] = 1×2 + (-2)×(-1) + 4×0 + 5×3 = 19"
    assert steps.out[0, 0] == 19 == 1 * 2 + (-2) * (-1) + 4 * 0 + 5 * 3
    # flipped: the products use the kernel as it slides, turned by 180 degrees
    flipped = viz.conv_steps(x, k, flip=True)
    assert flipped.arithmetic(0) == "out[0, 0] = 1×3 + (-2)×0 + 4×(-1) + 5×2 = 9"
    assert convlab.convolve2d(x, k)[0, 0] == 9
    # long sums are shortened in the middle, never at the result
    big = viz.conv_steps(np.ones((3, 5, 5)), np.ones((3, 3, 3)))
    text = big.arithmetic(0, max_chars=60)
    assert len(text) <= 60 and text.endswith("(27 products) = 27")


@pytest.mark.parametrize("name", ["3 channels", "non-square", "dilation 2"])
def test_steps_match_sliding_windows_and_conv2d(name):
    x, k, kw = CASES[name]
    pairs = [kw.get(p, default) for p, default in (("stride", 1), ("padding", 0), ("dilation", 1))]
    (sh, sw), (ph, pw), (dh, dw) = ((v, v) if np.isscalar(v) else v for v in pairs)
    steps = viz.conv_steps(x, k, **kw)
    x3, k3 = (x, k) if x.ndim == 3 else (x[None], k[None])
    xp = np.pad(x3, ((0, 0), (ph, ph), (pw, pw)))
    r, s = k3.shape[1:]
    assert len(steps) == np.prod(convlab.output_shape(x.shape[-2:], (r, s), (sh, sw), (ph, pw), (dh, dw)))
    for t in range(len(steps)):
        i, j = steps.position(t)
        assert (i, j) == divmod(t, steps.output_shape[1])  # reading order
        # the cells of window (i, j), from the definition rather than from convlab
        cells = {(i * sh + a * dh, j * sw + b * dw) for a in range(r) for b in range(s)}
        assert steps.cells(t) == cells
        under = np.stack([xp[:, row, col] for row, col in sorted(cells)], axis=-1)
        np.testing.assert_array_equal(np.sort(steps.window(t).reshape(len(x3), -1)), np.sort(under))
        assert steps.value(t) == (xp[:, i * sh : i * sh + dh * (r - 1) + 1 : dh,
                                      j * sw : j * sw + dw * (s - 1) + 1 : dw] * k3).sum()


def test_numbers_written_in_the_input_are_the_padded_input():
    x, k, kw = CASES["padding 1"]
    fig = viz.conv_frame(x, k, 0, **kw)
    (ax,) = [a for a in fig.axes if a.get_title() == "input"]
    xp = np.pad(x, 1)
    written = {(round(t.get_position()[1] - 0.5), round(t.get_position()[0] - 0.5)): t.get_text() for t in ax.texts}
    assert written == {(r, c): format_value(v) for (r, c), v in np.ndenumerate(xp)}
    # padding is drawn unlike the input: grey, dashed
    pads = {(round(p.get_y()), round(p.get_x())): p.get_linestyle() for p in ax.patches if p.get_gid() is None}
    assert pads[0, 0] == "--" and pads[1, 1] == "-"


def test_panels_are_labelled():
    x, k, kw = CASES["3 channels"]
    fig = viz.conv_frame(x, k, (1, 2), **kw)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "input, channel 0", "kernel, channel 0", "input, channel 1", "kernel, channel 1",
        "input, channel 2", "kernel, channel 2", "output",
    ]
    fig = viz.conv_frame(*CASES["flipped"][:2], 0, flip=True)
    assert [ax.get_title() for ax in fig.axes] == ["input", "kernel, flipped", "output"]


def test_max_frames_bounds_the_animation_and_keeps_first_and_last():
    x = np.zeros((12, 12))
    anim = viz.animate_conv(x, np.ones((3, 3)), padding=1, max_frames=10)
    frames = list(anim.new_frame_seq())
    assert len(frames) == 10 and frames[0] == 0 and frames[-1] == 143
    assert frames == sorted(set(frames))
    reader = FrameReader()
    anim.save("unused", writer=reader)
    assert [f["current"] for f in reader.frames] == [divmod(t, 12) for t in frames]
    with pytest.raises(ValueError, match="max_frames"):
        viz.animate_conv(x, np.ones((3, 3)), max_frames=1)


def test_figures_are_closed_so_a_notebook_shows_them_once():
    before = plt.get_fignums()
    x, k, kw = CASES["stride 2"]
    fig = viz.conv_frame(x, k, 0, **kw)
    anim = viz.animate_conv(x, k, **kw)
    viz.memory_figure((2, 3), (24, 8), 8, highlight=(1, 1))
    assert plt.get_fignums() == before
    anim.save("unused", writer=FrameReader())  # still renders, closed or not
    assert fig.number not in plt.get_fignums() and anim._fig.number not in plt.get_fignums()


def test_play_gives_a_small_html_player_with_bounded_frames():
    x = RNG.integers(0, 10, (12, 12))
    html = viz.play(x, np.ones((3, 3), int), padding=1, max_frames=6)
    text = html.data
    assert text.count("data:image/png;base64,") == 6 + 1  # the frames, and the first as the picture
    assert len(text) < 300_000, f"{len(text)} bytes for 6 frames"


def test_the_player_shows_its_first_frame_without_its_script_and_fetches_nothing():
    """The picture is the first frame at its own size before any script runs; the icons are inline."""
    import base64
    import io
    import re

    x, k, kw = CASES["non-square"]
    text = viz.play(x, k, **kw).data
    frames = [f.replace("\\\n", "") for f in re.findall(r'frames\[\d+\] = "data:image/png;base64,([^"]+)"', text)]
    picture = re.search(r'<img id="_anim_img\w+" src="data:image/png;base64,([^"]+)" width="(\d+)" '
                        r'height="(\d+)" alt="([^"]+)"', text)
    assert picture and picture[1] == frames[0]
    with Image.open(io.BytesIO(base64.b64decode(picture[1]))) as first:
        assert first.size == (int(picture[2]), int(picture[3]))
    assert picture[4] == viz.animation.describe(viz.conv_steps(x, k, **kw))
    assert re.search(rf'class="anim-slider"\s+name="points" min="0" max="{len(frames) - 1}"', text)
    assert not re.search(r"https?://|<link|fa fa-", text), "the player must not fetch anything (icon font)"
    assert text.count("<button") == text.count("<svg") == 9
    assert text.startswith('<div class="convlab-player">')


def test_save_gif_writes_one_frame_per_position(tmp_path):
    x, k, kw = CASES["stride 2"]
    path = viz.save_gif(viz.animate_conv(x, k, **kw), tmp_path / "w.gif", fps=2, dpi=40)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 4


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="one filter"):
        viz.conv_steps(np.ones((2, 5, 5)), np.ones((4, 2, 3, 3)))
    with pytest.raises(ValueError, match="at most 4"):
        viz.conv_steps(np.ones((5, 5, 5)), np.ones((5, 3, 3)))
    with pytest.raises(TypeError, match="real"):
        viz.conv_steps(np.ones((4, 4), complex), np.ones((2, 2)))
    with pytest.raises(ValueError, match="kernel too large"):
        viz.conv_frame(np.ones((3, 3)), np.ones((4, 4)), 0)
    with pytest.raises(ValueError, match="channel mismatch"):
        viz.animate_conv(np.ones((2, 4, 4)), np.ones((3, 2, 2)))
    with pytest.raises(ValueError, match="position"):
        viz.conv_frame(np.ones((4, 4)), np.ones((2, 2)), 9)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        viz.animate_conv(np.ones((4, 4)), np.ones((2, 2)), stride=0)


def test_inputs_are_not_modified():
    x, k, kw = CASES["3 channels"]
    x0, k0 = x.copy(), k.copy()
    viz.conv_frame(x, k, 3, **kw)
    viz.conv_steps(x, k, flip=True)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(k, k0)


# -- memory pictures -----------------------------------------------------------


def first_byte(a, base):
    """Where element [0, 0, ...] of the view ``a`` lies in ``base``'s buffer."""
    return a.__array_interface__["data"][0] - base.__array_interface__["data"][0]


def highlighted_elements(fig, itemsize):
    """Per strip, the byte offsets (as element positions) of the highlighted boxes."""
    strips = [ax for ax in fig.axes]
    return [
        sorted(int(p.get_gid().split()[1]) / itemsize for p in ax.patches if p.get_gid().startswith("highlight"))
        for ax in strips
    ]


@pytest.mark.parametrize(
    "view, index",
    [
        (lambda b: b.T, (1, 2)),
        (lambda b: b[:, ::2], (1,)),
        (lambda b: b[::-1, 1:], (0, 2)),
        (lambda b: convlab.sliding_windows(b, (2, 2), stride=(1, 2)), (1, 1)),
    ],
    ids=["transposed", "sliced", "reversed", "windows"],
)
def test_memory_figure_highlights_the_elements_numpy_reads(view, index):
    base = np.arange(12, dtype=np.int64).reshape(3, 4)  # the value of each element is its number
    a = view(base)
    start = first_byte(a, base)
    fig = viz.memory_figure(a.shape, a.strides, a.itemsize, highlight=index, offset=start,
                            buffer_nbytes=base.nbytes)
    (boxes,) = highlighted_elements(fig, a.itemsize)
    assert boxes == sorted(a[index].ravel().tolist())
    lines = [t.get_text() for t in fig.texts if t.get_gid() == "arithmetic"]
    assert len(lines) == a[index].size
    assert all(line.endswith(f"element {v}") for line, v in zip(lines, np.ravel(a[index])))


def test_memory_figure_strides_from_the_shape_read_the_wrong_element():
    x = np.arange(12, dtype=np.int64).reshape(3, 4)
    xt = x.T  # shape (4, 3), strides (8, 32)
    from_shape = (xt.shape[1] * 8, 8)
    fig = viz.memory_figure(xt.shape, {"x.T.strides": xt.strides, "from the shape": from_shape}, 8,
                            highlight=(1, 2), name="x.T")
    right, wrong = highlighted_elements(fig, 8)
    assert right == [xt[1, 2]] == [9]
    assert wrong == [5]
    lines = [t.get_text() for t in fig.texts if t.get_gid() == "arithmetic"]
    assert lines == ["x.T[1, 2] → 1×8 + 2×32 = 72 bytes → element 9",
                     "x.T[1, 2] → 1×24 + 2×8 = 40 bytes → element 5"]


def test_memory_figure_shows_misaligned_and_out_of_bounds_reads():
    # strides counted in items instead of bytes: not an element at all
    fig = viz.memory_figure((3, 4), (4, 1), 8, highlight=(1, 1), buffer_nbytes=96)
    (line,) = [t.get_text() for t in fig.texts if t.get_gid() == "arithmetic"]
    assert line == "x[1, 1] → 1×4 + 1×1 = 5 bytes → not an element: bytes 5–12 straddle elements 0 and 1"
    assert highlighted_elements(fig, 8) == [[5 / 8]]
    # strides that run past the end of a 96-byte buffer
    fig = viz.memory_figure((3, 3), (32, 16), 8, highlight=(2, 2), buffer_nbytes=96)
    (line,) = [t.get_text() for t in fig.texts if t.get_gid() == "arithmetic"]
    assert line.endswith("= 96 bytes → outside the 96-byte buffer")


def test_memory_figure_far_outside_the_buffer_leaves_out_the_gaps():
    # strides in bits instead of bytes: the windows of `small` read far into `big`
    big = np.arange(1000, dtype=np.int64)
    small = big[:16].reshape(4, 4)
    bits = small.itemsize * 8
    wrong = np.lib.stride_tricks.as_strided(small, shape=(3, 3, 2, 2), strides=(4 * bits, bits, 4 * bits, bits))
    fig = viz.memory_figure(wrong.shape, wrong.strides, 8, highlight=(0, 1), buffer_nbytes=small.nbytes)
    (boxes,) = highlighted_elements(fig, 8)
    assert boxes == sorted(wrong[0, 1].ravel().tolist()) == [8, 16, 40, 48]  # big's values are positions
    (ax,) = fig.axes
    assert "…" in [t.get_text() for t in ax.texts]
    assert sum(t.get_text() == "?" for t in ax.texts) == 3  # 16, 40, 48 lie outside small
    lines = [t.get_text() for t in fig.texts if t.get_gid() == "arithmetic"]
    assert [line.endswith("outside the 128-byte buffer") for line in lines] == [False, True, True, True]


def test_memory_figure_rejects_bad_arguments():
    with pytest.raises(ValueError, match="strides must have 2 entries"):
        viz.memory_figure((3, 4), (8,), 8)
    with pytest.raises(ValueError, match="out of range"):
        viz.memory_figure((3, 4), (32, 8), 8, highlight=(3, 0))
    with pytest.raises(ValueError, match="itemsize"):
        viz.memory_figure((3, 4), (32, 8), 0)
    with pytest.raises(TypeError, match="shape"):
        viz.memory_figure("3x4", (32, 8), 8)
    with pytest.raises(ValueError, match="at most 64 cells"):
        viz.memory_figure((10, 10), (80, 8), 8)


def test_addresses_agree_with_numpy():
    base = np.arange(24, dtype=np.int32).reshape(4, 6)
    for a in (base, base.T, base[1:, ::2], base[::-1, ::-3]):
        offsets = viz.addresses(a.shape, a.strides, offset=first_byte(a, base))
        np.testing.assert_array_equal(offsets // a.itemsize, a)


# -- the sample image --------------------------------------------------------------


def test_grace_hopper():
    full = viz.grace_hopper()
    assert full.shape == (600, 512) and full.dtype == np.float64
    assert 0 <= full.min() and full.max() <= 1
    colour = viz.grace_hopper(size=(24, 30), gray=False)
    assert colour.shape == (3, 24, 30) and colour.flags.c_contiguous
    gray = viz.grace_hopper(size=(24, 30))
    np.testing.assert_allclose(gray, np.tensordot([0.299, 0.587, 0.114], colour, axes=1), atol=1e-12)
    np.testing.assert_array_equal(gray, viz.grace_hopper(size=(24, 30)))  # deterministic
    with pytest.raises(ValueError, match="size"):
        viz.grace_hopper(size=(0, 10))


# -- the README's animation ---------------------------------------------------------


def test_readme_gif_is_shown_and_up_to_date(tmp_path):
    from pathlib import Path

    from convlab.viz.readme import README_GIF, readme_case, write_readme_gif

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    assert f"]({README_GIF.as_posix()})" in readme
    x, k, params = readme_case()
    positions = np.prod(convlab.output_shape(x.shape, k.shape, **params))
    fresh = write_readme_gif(tmp_path / "fresh.gif")
    with Image.open(root / README_GIF) as committed, Image.open(fresh) as new:
        assert committed.n_frames == new.n_frames == positions
        assert committed.size == new.size
        for n in range(positions):
            committed.seek(n)
            new.seek(n)
            a = np.asarray(committed.convert("RGB"), dtype=int)
            b = np.asarray(new.convert("RGB"), dtype=int)
            changed = np.mean(np.abs(a - b).max(axis=-1) > 40)
            # identical with the pinned matplotlib; one changed digit is about 2e-4
            assert changed < 1e-4, f"frame {n} differs from the code's drawing: run `make figures`"


# --- the input gradient, drawn (lesson 08) -------------------------------------------------------------


@pytest.mark.parametrize("input_hw, kernel_hw, stride, dilation", [
    ((6, 8), (2, 2), 2, 2), ((7, 9), (3, 3), (2, 1), (1, 2)), ((5, 5), (3, 2), 1, 1), ((9, 7), (2, 3), 3, (2, 1))])
def test_input_gradient_steps_give_the_backward_pass(input_hw, kernel_hw, stride, dilation):
    rng = np.random.default_rng(0)
    k = rng.standard_normal(kernel_hw)
    x = rng.standard_normal(input_hw)
    g = rng.standard_normal(convlab.conv2d(x, k, stride=stride, dilation=dilation).shape)
    steps = viz.input_gradient_steps(input_hw, k, g, stride=stride, dilation=dilation)
    np.testing.assert_allclose(steps.grad_x, convlab.conv2d_backward(x, k, g, stride=stride, dilation=dilation)[0])
    read = np.zeros(input_hw, dtype=bool)
    for i, j in np.ndindex(g.shape):
        for r, c in steps.window(i, j):
            read[r, c] = True
    np.testing.assert_array_equal(steps.read, read)
    assert not steps.grad_x[~read].any()  # no gradient where no window read


def test_input_gradient_steps_refuse_a_gradient_of_another_shape():
    with pytest.raises(ValueError, match="forward result's shape"):
        viz.input_gradient_steps((5, 5), np.ones((2, 2)), np.ones((3, 3)), stride=2)


def test_input_gradient_figure_shows_the_numbers_it_computes():
    k, g = np.array([[1, 2], [-1, 3]]), np.array([[1, -2, 1], [2, 1, -1]])
    steps = viz.input_gradient_steps((6, 8), k, g, stride=2, dilation=2)
    fig = viz.input_gradient_figure(steps, highlight=(1, 1))
    panels = [steps.g, steps.spread, steps.turned, steps.grad_x]
    assert len(fig.axes) == len(panels)
    for ax, values in zip(fig.axes, panels):
        assert [t.get_text() for t in ax.texts] == [viz.format_value(v) for v in values.ravel()]
    outlined = [len([p for p in ax.patches if not p.get_fill()]) for ax in fig.axes]
    assert outlined == [1, 1, 0, len(steps.window(1, 1))]
