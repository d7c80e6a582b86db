"""The terminal demo: a window sliding over a small multi-channel array, in text.

``python -m convlab demo`` prints the input's channels, the kernel and the
output side by side, marks the cells under the window with brackets
(``[3]``), and fills the output in position by position, with the sum for
each written out -- the terminal version of the animation in
:mod:`convlab.viz.animation`, drawn from the same
:class:`~convlab.viz.steps.ConvSteps`.

On a terminal it plays in place: each frame is drawn on the terminal's
alternate screen from the top, so it redraws correctly whatever the sizes of
the array and the window, and the last frame stays on screen at the end.
Colours come on top of the brackets, never instead of them.  When the output
is not a terminal (a pipe, a file) every frame is printed one after another
as plain text, without delay.  Ctrl-C stops it and restores the terminal.

This module imports NumPy only.
"""

from __future__ import annotations

import os
import shutil
import sys
import time

import numpy as np

from .steps import conv_steps, format_value

__all__ = ["render_frame", "demo_steps", "play_in_terminal"]

# ANSI styles (SGR).  Yellow and cyan backgrounds differ in lightness too.
_STYLE = {
    "window": "\x1b[30;43m",  # black on yellow: a cell under the window
    "current": "\x1b[30;46m",  # black on cyan: the output just computed
    "done": "\x1b[32m",  # green: outputs computed before
    "padding": "\x1b[2m",  # dim: zero padding
    "title": "\x1b[1m",  # bold
}
_RESET = "\x1b[0m"
#: How a padding zero is written.
PAD = "·"
_GAP = "   "


def _cell(text, width, marked, style, color):
    """One cell: ``[ 3]`` when marked, `` 3 `` (same width) when not."""
    body = f"[{text:>{width}}]" if marked else f" {text:>{width}} "
    return f"{_STYLE[style]}{body}{_RESET}" if color and style else body


def _block(title, rows, color):
    """A titled block of text lines; returns (lines, visible width)."""
    width = max([len(title)] + [r[1] for r in rows])
    head = f"{_STYLE['title']}{title}{_RESET}" if color else title
    lines = [head + " " * (width - len(title))]
    lines += [text + " " * (width - visible) for text, visible in rows]
    return lines, width


def _grid(texts, width, marked, styles, color):
    """Rows of cells, each row as (text, visible width)."""
    rows = []
    for r in range(texts.shape[0]):
        cells = [_cell(texts[r, c], width, marked[r, c], styles[r, c], color) for c in range(texts.shape[1])]
        rows.append(("".join(cells), texts.shape[1] * (width + 2)))
    return rows


def render_frame(steps, t, color=False, columns=80):
    """Step ``t`` of a convolution as text.

    Parameters
    ----------
    steps : ConvSteps
        From :func:`convlab.viz.conv_steps`.
    t : int or (int, int)
        The output position.
    color : bool, optional
        Add ANSI colours (on top of the brackets).
    columns : int, optional
        Width to fit: blocks that do not fit beside each other go below.

    Returns
    -------
    str
        Lines separated by newlines, without a final newline.

    Examples
    --------
    >>> steps = conv_steps(np.arange(6).reshape(2, 3), np.ones((2, 2), int))
    >>> print(render_frame(steps, 1))
    step 2 of 2 · conv2d · stride (1, 1) · padding (0, 0) · dilation (1, 1)
    out[0, 1] = 1×1 + 2×1 + 4×1 + 5×1 = 12
    <BLANKLINE>
    input          kernel     output
      0 [ 1][ 2]     1   1      8 [12]
      3 [ 4][ 5]     1   1
    <BLANKLINE>
    [ ] the window, and the output it gives
    """
    i, j = steps.position(t)
    t = i * steps.output_shape[1] + j
    values = steps.padded.ravel().tolist() + steps.kernel.ravel().tolist() + steps.out.ravel().tolist()
    width = max(len(format_value(v)) for v in values)  # one cell width for every block
    blocks = _input_blocks(steps, t, width, color) + _kernel_blocks(steps, width, color)
    blocks.append(_output_block(steps, t, width, color))
    lines = _header(steps, t, columns) + [""] + _side_by_side(blocks, columns)
    legend = ["[ ] the window, and the output it gives"]
    if steps.is_padding.any():
        legend.append(f"{PAD} zero padding")
    return "\n".join(lines + [""] + _wrap(legend, "   ", columns))


def _texts(a):
    """Every number of a 2-D array as it is shown."""
    return np.vectorize(format_value, otypes=[object])(a)


def _input_blocks(steps, t, width, color):
    """One block per channel of the padded input, the cells under the window in brackets."""
    under = np.zeros(steps.is_padding.shape, dtype=bool)
    for r, col in steps.cells(t):
        under[r, col] = True
    styles = np.where(under, "window", np.where(steps.is_padding, "padding", ""))
    blocks = []
    for ch in range(steps.padded.shape[0]):
        texts = _texts(steps.padded[ch])
        texts[steps.is_padding] = PAD
        label = f"input, channel {ch}" if steps.channels_given else "input"
        blocks.append(_block(label, _grid(texts, width, under, styles, color), color))
    return blocks


def _kernel_blocks(steps, width, color):
    """One block per channel of the kernel, as it slides (flipped for convolve2d)."""
    flipped = ", flipped" if steps.flip else ""
    blocks = []
    for ch in range(steps.kernel.shape[0]):
        texts = _texts(steps.kernel[ch])
        label = f"kernel, channel {ch}{flipped}" if steps.channels_given else f"kernel{flipped}"
        unmarked = np.zeros(texts.shape, dtype=bool)
        blocks.append(_block(label, _grid(texts, width, unmarked, np.full(texts.shape, ""), color), color))
    return blocks


def _output_block(steps, t, width, color):
    """The output filled in up to step ``t``, the value of step ``t`` in brackets."""
    ho, wo = steps.output_shape
    order = np.arange(ho * wo).reshape(ho, wo)
    texts = _texts(steps.out).astype(object)
    texts[order > t] = ""
    styles = np.where(order < t, "done", np.where(order == t, "current", ""))
    return _block("output", _grid(texts, width, order == t, styles, color), color)


def _header(steps, t, columns):
    """The step, the operation and its parameters, then the sum that gives the output."""
    operation = "convolve2d (kernel flipped)" if steps.flip else "conv2d"
    head = (
        f"step {t + 1} of {len(steps)} · {operation} · stride {steps.stride} · "
        f"padding {steps.padding} · dilation {steps.dilation}"
    )
    return _wrap(head.split(" · "), " · ", columns) + [steps.arithmetic(t, max_chars=max(40, columns - 1))]


def _side_by_side(blocks, columns):
    """Blocks laid out left to right, starting a new band below when the next one does not fit."""
    bands = [[]]
    band_width = 0
    for block in blocks:
        if bands[-1] and band_width + len(_GAP) + block[1] > columns:
            bands.append([])
        band_width = block[1] if not bands[-1] else band_width + len(_GAP) + block[1]
        bands[-1].append(block)
    lines = []
    for band in bands:
        if lines:
            lines.append("")
        for row in range(max(len(b[0]) for b in band)):
            parts = [b[0][row] if row < len(b[0]) else " " * b[1] for b in band]
            lines.append(_GAP.join(parts).rstrip())
    return lines


def _wrap(parts, sep, columns):
    """Join ``parts`` with ``sep`` into lines of at most ``columns`` (a part is never split)."""
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + len(sep) + len(part) <= columns:
            lines[-1] += sep + part
        else:
            lines.append(part)
    return lines


def demo_steps(shape=(2, 4, 5), kernel=(2, 2), stride=1, padding=0, dilation=1):
    """The demo's convolution: input ``arange`` mod 10, kernel of ones (integers).

    Integers keep every number short and every sum exact.

    Examples
    --------
    >>> steps = demo_steps(shape=(2, 4, 4), stride=2)
    >>> steps.out
    array([[24, 40],
           [48, 24]])
    """
    shape = tuple(int(v) for v in shape)
    x = np.arange(int(np.prod(shape))).reshape(shape) % 10
    k = np.ones((shape[0],) + tuple(kernel) if len(shape) == 3 else tuple(kernel), dtype=int)
    return conv_steps(x, k, stride=stride, padding=padding, dilation=dilation)


def play_in_terminal(steps, delay=0.6, color=None, stream=None):
    """Play every step of ``steps`` on ``stream`` (standard output by default).

    On a terminal the frames replace each other on the alternate screen and
    the last one is printed again on the normal screen at the end; otherwise
    each frame is printed after the previous one, without delay.

    Parameters
    ----------
    steps : ConvSteps
    delay : float, optional
        Seconds per frame on a terminal.
    color : bool or None, optional
        None: colours on a terminal unless the ``NO_COLOR`` environment
        variable is set.
    stream : file, optional

    Returns
    -------
    int
        0, or 130 when interrupted with Ctrl-C.
    """
    stream = sys.stdout if stream is None else stream
    live = stream.isatty()
    if color is None:
        color = live and not os.environ.get("NO_COLOR")
    n = len(steps)
    if not live:
        for t in range(n):
            stream.write(render_frame(steps, t, color, shutil.get_terminal_size().columns) + "\n\n")
        stream.flush()
        return 0

    last = ""
    # alternate screen, cursor hidden; undone in `finally` whatever happens
    stream.write("\x1b[?1049h\x1b[?25l")
    try:
        for t in range(n):
            columns = shutil.get_terminal_size().columns  # read each frame: the window may be resized
            last = render_frame(steps, t, color, columns)
            stream.write("\x1b[H\x1b[J" + last + "\n")
            stream.flush()
            if t < n - 1:
                time.sleep(delay)
    except KeyboardInterrupt:
        stream.write(_RESET + "\x1b[?25h\x1b[?1049l")
        stream.write(last + "\n" + "interrupted\n" if last else "interrupted\n")
        stream.flush()
        return 130
    stream.write(_RESET + "\x1b[?25h\x1b[?1049l")
    stream.write(last + "\n")
    stream.flush()
    return 0


# -- python -m convlab demo ---------------------------------------------------


def add_arguments(parser):
    parser.add_argument("--stride", nargs=2, type=int, default=(1, 1), metavar=("R", "C"),
                        help="rows and columns the window moves per step (default 1 1)")
    parser.add_argument("--delay", type=float, default=0.6, metavar="S",
                        help="seconds per frame on a terminal (default 0.6)")
    parser.add_argument("--no-color", action="store_true", help="brackets only, no colours")
    parser.add_argument("--shape", nargs=3, type=int, default=(2, 4, 5), metavar=("C", "H", "W"),
                        help="input channels, height, width (default 2 4 5)")
    parser.add_argument("--kernel", nargs=2, type=int, default=(2, 2), metavar=("R", "S"),
                        help="kernel height and width (default 2 2)")
    parser.add_argument("--padding", nargs=2, type=int, default=(0, 0), metavar=("R", "C"),
                        help="zeros added on each side (default 0 0)")
    parser.add_argument("--dilation", nargs=2, type=int, default=(1, 1), metavar=("R", "C"),
                        help="step between kernel taps (default 1 1)")


def main(args):
    if args.delay < 0:
        print(f"error: --delay must be >= 0, got {args.delay}", file=sys.stderr)
        return 2
    for option, sizes in (("--shape", args.shape), ("--kernel", args.kernel)):
        if min(sizes) < 1:
            print(f"error: {option} sizes must be >= 1, got {' '.join(map(str, sizes))}", file=sys.stderr)
            return 2
    try:
        steps = demo_steps(args.shape, args.kernel, tuple(args.stride), tuple(args.padding), tuple(args.dilation))
    except (ValueError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return play_in_terminal(steps, delay=args.delay, color=False if args.no_color else None)
