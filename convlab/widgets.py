"""Interactive explorers for the lessons (ipywidgets 8, no JupyterLab extension needed).

:func:`stride_explorer` shows what stride, kernel size, padding and dilation
do: sliders for each, the input with a marker where every window starts and
the current window filled in, the output, the output-size formula with the
numbers filled in, and the code that computes the same output.

The logic lives in :class:`StrideExplorer`, plain Python around the widgets:
setting a slider's ``value`` (as a test does, or a learner's mouse) updates
everything at once.  Every number comes from :func:`convlab.output_shape`,
:func:`convlab.sliding_windows` and :func:`convlab.conv2d`, through
:func:`convlab.viz.conv_steps`.  The picture is a PNG in a ``widgets.Image``,
which JupyterLab shows without any extension.
"""

from __future__ import annotations

from io import BytesIO

import ipywidgets as widgets
import numpy as np

from .params import output_shape
from .viz.animation import ConvScene
from .viz.steps import conv_steps

__all__ = ["StrideExplorer", "stride_explorer", "KERNELS"]

#: Kernels the explorer offers: name -> (function of R and S, the same as code).
#: The explorer shows the code; the tests run it and compare.
KERNELS = {
    # all entries different, so flipping shows
    "ramp": (lambda r, s: np.arange(1, r * s + 1).reshape(r, s),
             "np.arange(1, {R} * {S} + 1).reshape({R}, {S})"),
    # a blur
    "mean": (lambda r, s: np.ones((r, s)) / (r * s), "np.ones(({R}, {S})) / ({R} * {S})"),
    # left minus right: finds vertical edges
    "edge": (lambda r, s: np.tile(np.linspace(1, -1, s), (r, 1)),
             "np.tile(np.linspace(1, -1, {S}), ({R}, 1))"),
}

# The picture is shown at 90 CSS pixels per inch of figure, drawn with 1.5 times as many
# pixels so it stays sharp on high-density screens.
PIXELS_PER_INCH = 90
SHARPNESS = 1.5

_MAX_PADDING = 3
_MAX_DILATION = 4
_MAX_STRIDE = 8
#: Inputs up to this many rows and columns are drawn with their numbers, and get a small kernel.
_SMALL_IMAGE = 16
_MAX_KERNEL_SMALL = 5
_MAX_KERNEL = 9
#: Milliseconds per window when the explorer plays.
_PLAY_INTERVAL = 700


def _make_controls(small, max_stride):
    """The sliders, the kernel menu and the flip toggle, at their first values.

    Small inputs start at stride 1 with a ramp kernel, whose numbers can be
    followed; images at stride 2 with an edge detector.  The kernel, padding
    and dilation sliders get their real ranges from ``StrideExplorer._limits``.
    """
    slider = dict(continuous_update=False, style={"description_width": "8em"},
                  layout=widgets.Layout(width="22em"))
    stride = 1 if small else 2
    return {
        "stride_rows": widgets.IntSlider(stride, 1, max_stride, description="stride (rows)", **slider),
        "stride_cols": widgets.IntSlider(stride, 1, max_stride, description="stride (cols)", **slider),
        "kernel_rows": widgets.IntSlider(3, 1, 3, description="kernel height", **slider),
        "kernel_cols": widgets.IntSlider(3, 1, 3, description="kernel width", **slider),
        "padding": widgets.IntSlider(0, 0, _MAX_PADDING, description="padding", **slider),
        "dilation": widgets.IntSlider(1, 1, 1, description="dilation", **slider),
        "kernel": widgets.Dropdown(
            options=list(KERNELS), value="ramp" if small else "edge", description="kernel",
            style={"description_width": "8em"}, layout=widgets.Layout(width="22em"),
        ),
        "flip": widgets.ToggleButtons(
            options=[("cross-correlation: conv2d", False), ("true convolution: convolve2d", True)],
            value=False, style={"button_width": "18em"},
        ),
        "position": widgets.IntSlider(0, 0, 0, description="window", **slider),
    }


def _small_grid():
    """The default input: an 8 x 8 grid of small integers, the same every time."""
    return np.random.default_rng(0).integers(0, 10, size=(8, 8))


class StrideExplorer:
    """The stride explorer's state, controls and drawing.

    Parameters
    ----------
    image : array_like, shape (H, W), optional
        The input.  Default: an 8 x 8 grid of integers 0-9 (seeded), drawn
        with its numbers.  Larger inputs, e.g.
        ``convlab.viz.grace_hopper(size=(48, 48))``, are drawn as images.

    Attributes
    ----------
    controls : dict of str to ipywidgets.Widget
        ``stride_rows``, ``stride_cols``, ``kernel_rows``, ``kernel_cols``,
        ``padding``, ``dilation`` (sliders), ``kernel`` (a dropdown of
        :data:`KERNELS`), ``flip`` (cross-correlation or true convolution)
        and ``position`` (which window is filled in).  Every slider's range
        is exactly the values for which the output is at least 1 x 1.
    widget : ipywidgets.VBox
        What a notebook displays.
    x : numpy.ndarray
        The input.
    k : numpy.ndarray
        The kernel for the current sliders (before any flip).
    steps : convlab.viz.ConvSteps
        The convolution for the current sliders.
    code : str
        Python that computes ``result`` from ``x``, with ``np`` and
        ``convlab`` imported: the convlab call, and the same with NumPy and
        ``sliding_windows``.
    formula : str
        The output-size formula with the numbers filled in (HTML).

    Examples
    --------
    >>> ex = StrideExplorer()
    >>> ex.controls["stride_rows"].value = 2
    >>> ex.output_shape
    (3, 6)
    >>> print(ex.code.splitlines()[1])
    out = convlab.conv2d(x, k, stride=(2, 1), padding=0, dilation=1)
    """

    def __init__(self, image=None):
        x = _small_grid() if image is None else np.asarray(image)
        if x.ndim != 2 or x.dtype.kind not in "iuf" or x.size == 0:
            raise ValueError(
                f"image must be a non-empty 2-D array of numbers (H, W), got shape {x.shape} and dtype {x.dtype}"
            )
        self.x = x
        small = max(x.shape) <= _SMALL_IMAGE
        self._max_kernel = _MAX_KERNEL_SMALL if small else _MAX_KERNEL
        self.controls = _make_controls(small, max_stride=max(2, min(_MAX_STRIDE, max(x.shape) // 2)))
        # Shown at its own size (a flex column would stretch it to the full width and blur it),
        # never wider than the notebook.
        self.picture = widgets.Image(format="png", layout=widgets.Layout(max_width="100%", align_self="flex-start"))
        self.formula_box = widgets.HTML()
        self.code_box = widgets.HTML()
        self.widget = self._arrange()
        self.widget.explorer = self  # reachable from the displayed widget
        self._busy = False
        self._update()
        for control in self.controls.values():
            control.observe(self._changed, names="value")

    def _arrange(self):
        """The controls in two columns, a player for the window, then picture, formula and code."""
        c = self.controls
        play = widgets.Play(interval=_PLAY_INTERVAL, min=0, max=0, step=1, description="play the window")
        widgets.jslink((play, "value"), (c["position"], "value"))
        widgets.jslink((play, "max"), (c["position"], "max"))
        return widgets.VBox([
            widgets.HBox([
                widgets.VBox([c["stride_rows"], c["stride_cols"], c["kernel_rows"], c["kernel_cols"]]),
                widgets.VBox([c["padding"], c["dilation"], c["kernel"]]),
            ]),
            c["flip"],
            widgets.HBox([c["position"], play]),
            self.picture,
            self.formula_box,
            self.code_box,
        ])

    # -- the values of the controls -------------------------------------------

    def _value(self, name):
        return self.controls[name].value

    @property
    def stride(self):
        """``(rows, cols)``."""
        return (self._value("stride_rows"), self._value("stride_cols"))

    @property
    def kernel_size(self):
        """``(R, S)``."""
        return (self._value("kernel_rows"), self._value("kernel_cols"))

    @property
    def padding(self):
        return self._value("padding")

    @property
    def dilation(self):
        return self._value("dilation")

    @property
    def flip(self):
        return self._value("flip")

    @property
    def output_shape(self):
        """``(Ho, Wo)``, from :func:`convlab.output_shape`."""
        return output_shape(self.x.shape, self.kernel_size, self.stride, self.padding, self.dilation)

    @property
    def result(self):
        """The output array, from :func:`convlab.conv2d` (or ``convolve2d`` when flipped)."""
        return self.steps.out

    @property
    def window_origins(self):
        """Top-left cell ``(row, col)`` of every window, in padded coordinates, reading order."""
        corners = self.steps.taps[:, :, 0, 0].reshape(-1, 2)
        return [(int(r), int(c)) for r, c in corners]

    # -- keeping every range valid --------------------------------------------

    def _limits(self):
        """For each slider, the range of values that keeps the output at least 1 x 1.

        A window covers ``d*(k - 1) + 1`` cells, which must fit in ``n + 2*p``.
        Each range holds the other sliders fixed, so any value in it is valid.
        """
        (h, w), (r, s), p, d = self.x.shape, self.kernel_size, self.padding, self.dilation
        kmax = [min(self._max_kernel, (n + 2 * p - 1) // d + 1) for n in (h, w)]
        dmax = min(
            [_MAX_DILATION] + [(n + 2 * p - 1) // (k - 1) for n, k in ((h, r), (w, s)) if k > 1]
        )
        spans = (d * (r - 1) + 1 - h, d * (s - 1) + 1 - w)
        pmin = max(0, *(-(-excess // 2) for excess in spans))
        return {
            "kernel_rows": (1, kmax[0]),
            "kernel_cols": (1, kmax[1]),
            "dilation": (1, dmax),
            "padding": (pmin, _MAX_PADDING),
        }

    def _set_range(self, name, low, high):
        slider = self.controls[name]
        # Widen first, then narrow: a slider never holds min > max.
        slider.min, slider.max = min(slider.min, low), max(slider.max, high)
        slider.min, slider.max = low, high  # clamps value into [low, high]

    def _changed(self, change):
        if self._busy:
            return
        if change["owner"] is self.controls["position"]:
            self._move()  # only the window moves: the same scene, drawn at the new position
        else:
            self._update()

    def _move(self):
        self._scene.draw(self._value("position"))
        self.picture.value = _png(self._scene.fig, PIXELS_PER_INCH * SHARPNESS)

    def _update(self):
        """Bring ranges, picture, formula and code in line with the sliders."""
        self._busy = True
        try:
            for name, (low, high) in self._limits().items():
                self._set_range(name, low, high)
            self.k = KERNELS[self._value("kernel")][0](*self.kernel_size)
            self.steps = conv_steps(self.x, self.k, self.stride, self.padding, self.dilation, self.flip)
            ho, wo = self.steps.output_shape
            self._set_range("position", 0, ho * wo - 1)
            self.code = self._code()
            self.formula = self._formula()
            self.code_box.value = f"<pre style='line-height:1.35'>{self.code}</pre>"
            self.formula_box.value = self.formula
            self._scene = self._new_scene()
            figure = self._scene.fig
            self.picture.value = _png(figure, PIXELS_PER_INCH * SHARPNESS)
            self.picture.layout.width = f"{round(figure.get_figwidth() * PIXELS_PER_INCH)}px"
        finally:
            self._busy = False

    # -- what it shows ----------------------------------------------------------

    @property
    def kernel_expression(self):
        """NumPy expression for the kernel, e.g. ``np.arange(1, 3 * 3 + 1).reshape(3, 3)``."""
        r, s = self.kernel_size
        return KERNELS[self._value("kernel")][1].format(R=r, S=s)

    def _code(self):
        stride = self.stride[0] if self.stride[0] == self.stride[1] else self.stride
        args = f"stride={stride}, padding={self.padding}, dilation={self.dilation}"
        name = "convolve2d" if self.flip else "conv2d"
        kernel = "k[::-1, ::-1]" if self.flip else "k"
        flipped = "  # convolve2d turns the kernel by 180 degrees" if self.flip else ""
        pad = f"np.pad(x, {self.padding})" if self.padding else "x"
        return "\n".join([
            f"k = {self.kernel_expression}",
            f"out = convlab.{name}(x, k, {args})",
            f"# the same with NumPy: every window as a view, then one contraction{flipped}",
            f"windows = convlab.sliding_windows({pad}, {self.kernel_size}, stride={stride}, "
            f"dilation={self.dilation})",
            f"out = np.tensordot(windows, {kernel}, axes=2)   # shape {self.output_shape}",
        ])

    def _formula(self):
        names = (("H", "R", "rows"), ("W", "S", "cols"))
        lines = []
        for axis, (big, small, label) in enumerate(names):
            n, k, st = self.x.shape[axis], self.kernel_size[axis], self.stride[axis]
            p, d = self.padding, self.dilation
            result = self.output_shape[axis]
            lines.append(
                f"{label}: ⌊({big} + 2p − d·({small} − 1) − 1) / s⌋ + 1"
                f" = ⌊({n} + 2·{p} − {d}·({k} − 1) − 1) / {st}⌋ + 1"
                f" = ⌊{n + 2 * p - d * (k - 1) - 1} / {st}⌋ + 1 = <b>{result}</b>"
            )
        ho, wo = self.output_shape
        return (
            f"<div style='font-family:monospace'>output shape <b>({ho}, {wo})</b> "
            f"from input ({self.x.shape[0]}, {self.x.shape[1]})<br>" + "<br>".join(lines) + "</div>"
        )

    def figure(self):
        """The picture for the current sliders, as a matplotlib Figure."""
        return self._new_scene().fig

    def _new_scene(self):
        import matplotlib.pyplot as plt

        scene = ConvScene(self.steps, overview=True)
        scene.draw(self._value("position"))
        plt.close(scene.fig)
        return scene

    def png(self, dpi=PIXELS_PER_INCH * SHARPNESS):
        """:meth:`figure` as PNG bytes."""
        return _png(self.figure(), dpi)


def _png(figure, dpi):
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def stride_explorer(image=None):
    """Sliders for stride, kernel size, padding and dilation, and what they do.

    Parameters
    ----------
    image : array_like, shape (H, W), optional
        The input; default an 8 x 8 grid of small integers.  Try
        ``convlab.viz.grace_hopper(size=(48, 48))``.

    Returns
    -------
    ipywidgets.VBox
        Put it last in a cell to show it.  Its ``explorer`` attribute is the
        :class:`StrideExplorer` behind it.

    Examples
    --------
    >>> box = stride_explorer()
    >>> box.explorer.output_shape
    (6, 6)
    """
    return StrideExplorer(image).widget
