"""The window animation: a kernel sliding over an input, the output filling in.

One figure has three kinds of panel, each labelled: the **input** (one panel
per channel, zero padding drawn grey with a dashed edge), the **kernel**
beside it, and the **output**.  In each frame the cells the window covers are
filled orange and the window's extent is outlined in blue, so with dilation
the gaps between the taps show.  The output cell just computed is filled
orange with the same blue outline, the cells computed before it green, and
the sum that gave it is written out above the panels.

Everything drawn comes from :class:`convlab.viz.steps.ConvSteps`, that is
from :func:`convlab.sliding_windows` and :func:`convlab.conv2d` themselves.

Colours are from :mod:`convlab.viz.style`, shared with the memory pictures.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

# pyplot, imported here on purpose: in a notebook it sets up the inline
# backend, so a Figure returned by a function below shows as one PNG.
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.patches import Rectangle

from .player import to_html
from .steps import conv_steps, format_value
from .style import BLUE, CELL_EDGE, DONE_FILL, GREY, KERNEL_FILL, ORANGE, PAD_EDGE, PAD_FILL

__all__ = ["animate_conv", "play", "conv_frame", "save_gif"]

#: Largest grid (rows or columns) drawn with its numbers; larger ones are drawn as images.
MAX_NUMBERED = 16

# Layout, in inches.
_TOP = 0.62  # the sum written out
_TITLE = 0.42  # a panel's title and its column numbers
_ROW_GAP = 0.18  # between the panels of two channels (plus a title)
_GAP = 0.62  # between input, kernel and output
_LEFT = 0.42  # row numbers
_RIGHT = 0.2
_BOTTOM = 0.42  # the parameters
_MIN_WIDTH = 6.4  # room for the sum
_MAX_WIDTH = 12.0
_TEXT_MARGIN = 0.2  # between the figure's edge and the sum above, the parameters below
_SUM_LINE = 0.24  # a second line of the sum
# Cells, in inches: with numbers (smaller with three or four channels, which stack up),
# as pixels of an image, and an image's kernel, which keeps its numbers.
_NUMBER_CELL = 0.42
_NUMBER_CELL_MANY = 0.36
_PIXEL_CELL = 0.16
_IMAGE_KERNEL_CELL = 0.46
_SUM_FONT = 10.5


def _chars_that_fit(inches, fontsize):
    """How many characters of a typical sum fit in ``inches`` of text at ``fontsize``."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    sample = "out[1, 1] = 4×1 + 0×0 + 3×(-1) + 0.25×0.111 + "
    width, _, _ = TextToPath().get_text_width_height_descent(sample, FontProperties(size=fontsize), ismath=False)
    return int(inches * 72 / (width / len(sample)) * 0.97)


def _wrap_sum(text, max_chars):
    """Break a long sum before a ``+`` so each line has at most ``max_chars`` characters."""
    lines = [""]
    for n, part in enumerate(text.split(" + ")):
        piece = part if n == 0 else f" + {part}"
        if n and len(lines[-1]) + len(piece) > max_chars:
            lines.append(f"+ {part}")
        else:
            lines[-1] += piece
    return "\n".join(lines)


def _place(ax, patch):
    """Add ``patch`` to ``ax``, whose limits are set already: ``ax.add_patch`` would also measure it for
    autoscaling, a fifth of the time of drawing a scene of a few hundred cells."""
    ax.add_artist(patch)
    return patch


class ConvScene:
    """The figure of one convolution, redrawn for any step.

    :func:`animate_conv` animates it and :func:`conv_frame` draws one step.
    The artists that change carry a ``gid`` so tests can find them:
    ``"tap"`` (the cells under the window, one rectangle per tap and
    channel), ``"window"`` (the window's outline), ``"current"`` (the output
    cell just computed), ``"out i,j"`` (an output cell's number) and
    ``"arithmetic"`` (the sum above the panels), and with ``overview``
    ``"overlay"`` (a marker at the top-left corner of every window).

    Parameters
    ----------
    steps : ConvSteps
        What to draw.
    numbers : bool or None, optional
        Write the numbers in the cells.  None (default) writes them when no
        grid is larger than 16 cells; otherwise grids are drawn as images.
    overview : bool, optional
        Mark where every window starts and show the whole output at once
        (the stride explorer); by default the output fills in step by step.
    """

    def __init__(self, steps, numbers=None, overview=False):
        self.steps = steps
        self.overview = overview
        if numbers is None:
            numbers = max(steps.padded.shape[1:] + steps.output_shape) <= MAX_NUMBERED
        self.numbers = numbers
        self._measure()
        self.fig = plt.figure(figsize=(self.width, self.height))
        self._taps, self._outlines = [], []  # per channel: the window's cells, and its outline
        self._add_panels()
        self._add_text()

    def _measure(self):
        """Cell sizes, the figure's width and height, and how many lines the sum takes."""
        st = self.steps
        c, hp, wp = st.padded.shape
        s = st.kernel.shape[2]
        ho, wo = st.output_shape
        # With numbers, one cell size for every panel, so a cell is a cell
        # everywhere.  An image keeps that for input and output (the output
        # is smaller by the stride) but its kernel is drawn with numbers.
        if self.numbers:
            cell = _NUMBER_CELL if c < 3 else _NUMBER_CELL_MANY
            kcell = cell
        else:
            cell, kcell = _PIXEL_CELL, _IMAGE_KERNEL_CELL
        cell = min(cell, (_MAX_WIDTH - _LEFT - 2 * _GAP - _RIGHT - s * kcell) / (wp + wo))
        self.cell = cell
        self.kernel_cell = cell if self.numbers else kcell
        self.width = max(_MIN_WIDTH, _LEFT + (wp + wo) * cell + s * self.kernel_cell + 2 * _GAP + _RIGHT)
        # The sum goes on one line, or on two when one is too short for every product.
        self.max_chars = _chars_that_fit(self.width - _LEFT - _RIGHT, _SUM_FONT)
        longest = max(len(st.arithmetic(t, max_chars=10**6)) for t in range(len(st)))
        self.sum_lines = 1 if longest <= self.max_chars else 2
        self.head = _TOP + _SUM_LINE * (self.sum_lines - 1)
        column = c * (_TITLE + hp * cell) + (c - 1) * _ROW_GAP
        self.height = self.head + column + _BOTTOM

    def _axes(self, left, top, w, h):
        """Axes at ``left``, ``top`` (inches from the figure's top left), ``w`` by ``h`` inches."""
        return self.fig.add_axes((left / self.width, 1 - (top + h) / self.height, w / self.width, h / self.height))

    def _add_panels(self):
        """Input and kernel panels, one row per channel, and the output beside them."""
        st, cell, kcell = self.steps, self.cell, self.kernel_cell
        c, hp, wp = st.padded.shape
        _, r, s = st.kernel.shape
        ho, wo = st.output_shape
        x0 = _LEFT  # spare width goes right, so the input never moves when the output shrinks
        x1 = x0 + wp * cell + _GAP
        x2 = x1 + s * kcell + _GAP
        flipped = ", flipped" if st.flip else ""
        self.input_axes, self.kernel_axes = [], []
        for ch in range(c):
            top = self.head + ch * (_TITLE + hp * cell + _ROW_GAP) + _TITLE
            label = f", channel {ch}" if st.channels_given else ""
            ax = self._axes(x0, top, wp * cell, hp * cell)
            self._draw_input(ax, ch, f"input{label}")
            self.input_axes.append(ax)
            ax = self._axes(x1, top, s * kcell, r * kcell)
            self._draw_kernel(ax, ch, f"kernel{label}{flipped}")
            self.kernel_axes.append(ax)
        self.output_axes = self._axes(x2, self.head + _TITLE, wo * cell, ho * cell)
        self._draw_output(self.output_axes)

    def _add_text(self):
        """The sum above the panels (filled in by :meth:`draw`) and the parameters below them."""
        st = self.steps
        self.arithmetic = self.fig.text(
            _LEFT / self.width, 1 - _TEXT_MARGIN / self.height, "", fontsize=_SUM_FONT, va="top", ha="left",
            linespacing=1.45, gid="arithmetic",
        )
        operation = "true convolution, convolve2d" if st.flip else "cross-correlation, conv2d"
        footer = f"stride {st.stride} · padding {st.padding} · dilation {st.dilation} · {operation}"
        self.fig.text(_LEFT / self.width, _TEXT_MARGIN / self.height, footer, fontsize=9, color=GREY,
                      va="center", ha="left")

    # -- drawing the parts that do not change ---------------------------------

    def _grid_axes(self, ax, rows, cols, title, row_labels, col_labels):
        ax.set_xlim(0, cols)
        ax.set_ylim(rows, 0)  # row 0 at the top, as NumPy prints arrays
        ax.set_aspect("equal")
        for side in ax.spines.values():
            side.set_visible(False)
        ax.xaxis.tick_top()
        tick = dict(length=0, labelsize=7, labelcolor=GREY, pad=2)
        ax.tick_params(**tick)
        if self.numbers or max(rows, cols) <= MAX_NUMBERED:
            ax.set_yticks([p + 0.5 for p, _ in row_labels], [str(v) for _, v in row_labels])
            ax.set_xticks([p + 0.5 for p, _ in col_labels], [str(v) for _, v in col_labels])
        else:
            ax.set_xticks([])
            ax.set_yticks([])
        ax.set_title(title, fontsize=10, pad=4)

    def _font(self, texts, cell=None):
        longest = max(len(t) for t in texts)
        # about 0.6 em per character, filling at most 85 % of a cell
        cell = self.cell if cell is None else cell
        return float(min(10.5, 0.85 * cell * 72 / (0.62 * max(longest, 1))))

    def _draw_input(self, ax, ch, title):
        """Channel ``ch`` of the padded input, and the window that moves over it."""
        st = self.steps
        hp, wp = st.is_padding.shape
        ph, pw = st.padding
        h, w = hp - 2 * ph, wp - 2 * pw
        self._grid_axes(
            ax, hp, wp, title, [(r + ph, r) for r in range(h)], [(c + pw, c) for c in range(w)]
        )
        if self.numbers:
            self._draw_input_numbers(ax, ch)
        else:
            self._draw_input_image(ax, ch)
        self._add_window(ax)
        if self.overview:
            # Each window's top-left corner: with a stride the markers space out.
            corners = st.taps[:, :, 0, 0].reshape(-1, 2)
            ax.plot(corners[:, 1], corners[:, 0], ls="none", marker="o", ms=max(2.5, min(5.0, self.cell * 14)),
                    color=BLUE, mec="white", mew=0.6, zorder=5, clip_on=False, gid="overlay")

    def _draw_input_numbers(self, ax, ch):
        """A cell per value, padding grey and dashed."""
        st = self.steps
        texts = [format_value(v) for v in st.padded[ch].ravel().tolist()]
        size = self._font(texts)
        for (r, c), text in zip(np.ndindex(st.is_padding.shape), texts):
            pad = st.is_padding[r, c]
            _place(ax, Rectangle((c, r), 1, 1, facecolor=PAD_FILL if pad else "white",
                                 edgecolor=PAD_EDGE if pad else CELL_EDGE, lw=0.6, ls="--" if pad else "-",
                                 clip_on=False))
            ax.text(c + 0.5, r + 0.5, text, ha="center", va="center", fontsize=size,
                    color=GREY if pad else "black", zorder=3)

    def _draw_input_image(self, ax, ch):
        """Grey levels scaled to the channel's values, padding drawn over them in its own grey."""
        st = self.steps
        hp, wp = st.is_padding.shape
        ph, pw = st.padding
        lo, hi = float(np.min(st.x[ch])), float(np.max(st.x[ch]))
        ax.imshow(st.padded[ch], cmap="gray", vmin=lo, vmax=hi if hi > lo else lo + 1,
                  extent=(0, wp, hp, 0), interpolation="nearest")
        if ph or pw:  # padding: grey and hatched, so it never looks like image
            frame = np.where(st.is_padding, 1.0, np.nan)
            ax.imshow(frame, cmap=matplotlib.colors.ListedColormap([PAD_FILL]),
                      extent=(0, wp, hp, 0), interpolation="nearest")
        _place(ax, Rectangle((0, 0), wp, hp, fill=False, edgecolor=GREY, lw=0.6, clip_on=False))
        if ph or pw:
            _place(ax, Rectangle((pw, ph), wp - 2 * pw, hp - 2 * ph, fill=False, edgecolor=GREY, lw=0.8, ls="--"))

    def _add_window(self, ax):
        """The window: one rectangle per tap, moved each frame by :meth:`draw`, then its outline."""
        _, r, s = self.steps.kernel.shape
        taps = [
            Rectangle((0, 0), 1, 1, facecolor=ORANGE, edgecolor="none", alpha=1.0 if self.numbers else 0.75,
                      zorder=2, gid="tap")
            for _ in range(r * s)
        ]
        for tap in taps:
            _place(ax, tap)
        self._taps.append(taps)
        outline = Rectangle((0, 0), 1, 1, fill=False, edgecolor=BLUE, lw=2.4, zorder=4, gid="window",
                            clip_on=False)
        _place(ax, outline)
        self._outlines.append(outline)

    def _draw_kernel(self, ax, ch, title):
        k = self.steps.kernel[ch]
        r, s = k.shape
        self._grid_axes(ax, r, s, title, [(i, i) for i in range(r)], [(j, j) for j in range(s)])
        texts = [format_value(v) for v in k.ravel().tolist()]
        size = self._font(texts, self.kernel_cell)
        show = size >= 5
        for (i, j), text in zip(np.ndindex(r, s), texts):
            _place(ax, Rectangle((j, i), 1, 1, facecolor=KERNEL_FILL, edgecolor="white", lw=1.0, clip_on=False))
            if show:
                ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=size, zorder=3)

    def _draw_output(self, ax):
        out = self.steps.out
        ho, wo = out.shape
        self._grid_axes(ax, ho, wo, "output", [(i, i) for i in range(ho)], [(j, j) for j in range(wo)])
        self._out_cells = {}
        self._out_texts = {}
        if self.numbers:
            size = self._font([format_value(v) for v in out.ravel().tolist()])
            for i, j in np.ndindex(ho, wo):
                cell = Rectangle((j, i), 1, 1, facecolor="white", edgecolor=CELL_EDGE, lw=0.6, clip_on=False)
                _place(ax, cell)
                self._out_cells[i, j] = cell
                self._out_texts[i, j] = ax.text(
                    j + 0.5, i + 0.5, "", ha="center", va="center", fontsize=size, zorder=3, gid=f"out {i},{j}"
                )
        else:
            lo, hi = float(out.min()), float(out.max())
            # gray, like the input: no colour of the map can be mistaken for the highlights
            cmap = matplotlib.colormaps["gray"].with_extremes(bad="white")
            self._out_image = ax.imshow(
                np.full(out.shape, np.nan), cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1,
                extent=(0, wo, ho, 0), interpolation="nearest",
            )
            _place(ax, Rectangle((0, 0), wo, ho, fill=False, edgecolor=GREY, lw=0.6, clip_on=False))
        self._current = Rectangle((0, 0), 1, 1, facecolor=ORANGE if self.numbers else "none",
                                  edgecolor=BLUE, lw=2.4, zorder=2, gid="current", clip_on=False)
        _place(ax, self._current)

    # -- one step -------------------------------------------------------------

    def draw(self, t):
        """Show step ``t``: the window of output position ``t`` and every output before it.

        Returns the artists that changed (for ``FuncAnimation``).
        """
        st = self.steps
        i, j = st.position(t)
        t = i * st.output_shape[1] + j
        taps = st.taps[i, j].reshape(-1, 2)
        top, left = taps.min(axis=0)
        bottom, right = taps.max(axis=0) + 1
        changed = []
        for ch_taps, outline in zip(self._taps, self._outlines):
            for tap, (r, c) in zip(ch_taps, taps):
                tap.set_xy((c, r))
            outline.set_bounds(left, top, right - left, bottom - top)
            changed += ch_taps + [outline]

        ho, wo = st.output_shape
        if self.numbers:
            for n, (a, b) in enumerate(np.ndindex(ho, wo)):
                done = n <= t or self.overview
                self._out_texts[a, b].set_text(format_value(st.out[a, b]) if done else "")
                self._out_cells[a, b].set_facecolor(DONE_FILL if done and n != t else "white")
            changed += list(self._out_texts.values()) + list(self._out_cells.values())
        else:
            shown = st.out if self.overview else np.where(np.arange(ho * wo).reshape(ho, wo) <= t, st.out, np.nan)
            self._out_image.set_data(shown)
            changed.append(self._out_image)
        self._current.set_xy((j, i))
        text = st.arithmetic(t, self.max_chars * self.sum_lines - 3 * (self.sum_lines - 1))
        self.arithmetic.set_text(_wrap_sum(text, self.max_chars))
        return changed + [self._current, self.arithmetic]


def frame_steps(n, max_frames=None):
    """Which of ``n`` steps an animation shows: all, or ``max_frames`` spread evenly.

    The first and the last step are always shown.

    Examples
    --------
    >>> frame_steps(5)
    [0, 1, 2, 3, 4]
    >>> frame_steps(100, max_frames=5)
    [0, 25, 50, 74, 99]
    """
    if max_frames is None or n <= max_frames:
        return list(range(n))
    if max_frames < 2:
        raise ValueError(f"max_frames must be None or >= 2, got {max_frames}")
    return sorted({int(v) for v in np.linspace(0, n - 1, max_frames).round()})


def animate_conv(x, k, stride=1, padding=0, dilation=1, flip=False, max_frames=None, interval=700,
                 numbers=None):
    """Animate a kernel sliding over an input, one frame per output position.

    Parameters
    ----------
    x : array_like, shape (H, W) or (C, H, W)
        The input; at most four channels.
    k : array_like, shape (R, S) or (C, R, S)
        The kernel, with the same channels as ``x``.
    stride, padding, dilation : int or pair of int, optional
        As in :func:`convlab.conv2d`.
    flip : bool, optional
        True animates :func:`convlab.convolve2d` (the kernel is drawn
        flipped, as it slides); False (default) :func:`convlab.conv2d`.
    max_frames : int or None, optional
        Show at most this many positions, spread evenly (first and last
        always); None (default) shows every one.
    interval : int, optional
        Milliseconds between frames when played.
    numbers : bool or None, optional
        Write the numbers in the cells; None decides by size (see
        :class:`ConvScene`).

    Returns
    -------
    matplotlib.animation.FuncAnimation
        Its figure is already closed, so a notebook shows no static copy;
        show it with :func:`play` or ``anim.to_jshtml()``, or save it with
        :func:`save_gif`.  ``anim.scene`` is the :class:`ConvScene` it draws.

    Examples
    --------
    >>> anim = animate_conv(np.arange(16).reshape(4, 4), np.ones((2, 2)), stride=2)
    >>> list(anim.new_frame_seq())          # one frame per output position
    [0, 1, 2, 3]
    >>> html = to_html(anim)                # what play() shows in a notebook
    >>> html.count("data:image/png")         # the four frames, and the first as the picture itself
    5
    """
    scene = ConvScene(conv_steps(x, k, stride, padding, dilation, flip), numbers=numbers)
    frames = frame_steps(len(scene.steps), max_frames)
    scene.draw(frames[0])
    anim = FuncAnimation(scene.fig, scene.draw, frames=frames, interval=interval, blit=False, repeat=True)
    anim.scene = scene
    plt.close(scene.fig)
    return anim


def play(x, k, stride=1, padding=0, dilation=1, flip=False, max_frames=36, fps=1.5, dpi=None):
    """The window animation as a player for a notebook (HTML with play/step buttons).

    Parameters
    ----------
    x, k, stride, padding, dilation, flip, max_frames
        As in :func:`animate_conv`; ``max_frames`` defaults to 36 so the
        notebook stays small (each frame is a PNG inside the HTML).
    fps : float, optional
        Frames per second.
    dpi : float, optional
        Resolution of the frames.  Default: 96 (the size of a notebook's
        own figures), less for a figure that would be more than about 880
        pixels wide or 800 high.

    Returns
    -------
    IPython.display.HTML
        Put it last in a cell to show it.  Nothing else is displayed: the
        figure is closed.
    """
    from IPython.display import HTML

    anim = animate_conv(x, k, stride, padding, dilation, flip, max_frames=max_frames)
    if dpi is None:
        width, height = anim.scene.fig.get_size_inches()
        dpi = min(96, 880 / width, 800 / height)
    return HTML(to_html(anim, fps=fps, dpi=dpi, alt=describe(anim.scene.steps)))


def describe(steps):
    """The window animation in words, for its alt text.

    Parameters
    ----------
    steps : ConvSteps

    Returns
    -------
    str

    Examples
    --------
    >>> print(describe(conv_steps(np.ones((5, 6)), np.ones((3, 3)), stride=2, padding=1)))
    Animation: a 3×3 kernel slides over a 5×6 input (stride (2, 2), padding (1, 1), dilation (1, 1)),
    one frame per output cell, with the sum that gives it. The buttons below it play it or step through
    its frames.
    """
    c, h, w = steps.x.shape
    _, r, s = steps.kernel.shape
    channels = f" with {c} channels" if steps.channels_given else ""
    kernel = "flipped kernel" if steps.flip else "kernel"
    return (
        f"Animation: a {r}×{s} {kernel} slides over a {h}×{w} input{channels} (stride {steps.stride}, "
        f"padding {steps.padding}, dilation {steps.dilation}), one frame per output cell, with the sum that "
        "gives it. The buttons below it play it or step through its frames."
    )


def conv_frame(x, k, position, stride=1, padding=0, dilation=1, flip=False, numbers=None):
    """One frame of the window animation, as a static figure.

    Parameters
    ----------
    x, k, stride, padding, dilation, flip, numbers
        As in :func:`animate_conv`.
    position : int or (int, int)
        The output position: ``(i, j)``, or its number ``t = i*Wo + j`` in
        reading order.

    Returns
    -------
    matplotlib.figure.Figure
        Already closed, so a notebook shows it once, as the cell's result.

    Examples
    --------
    >>> fig = conv_frame(np.arange(16).reshape(4, 4), np.ones((2, 2)), (0, 1), stride=2)
    >>> [ax.get_title() for ax in fig.axes]
    ['input', 'kernel', 'output']
    """
    scene = ConvScene(conv_steps(x, k, stride, padding, dilation, flip), numbers=numbers)
    scene.draw(position)
    plt.close(scene.fig)
    return scene.fig


def save_gif(anim, path, fps=1.5, dpi=80):
    """Write an animation to a GIF file with Pillow (no ffmpeg needed).

    Parameters
    ----------
    anim : matplotlib.animation.Animation
        For example from :func:`animate_conv`.
    path : str or Path
        The file to write.
    fps : float, optional
        Frames per second.
    dpi : int, optional
        Resolution of the frames.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    anim.save(path, writer=PillowWriter(fps=fps), dpi=dpi)
    return path
