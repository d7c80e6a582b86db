"""Memory pictures: an array's flat buffer, and where its strides point.

An ndarray is a flat block of bytes plus a rule for finding element
``[i, j, ...]`` in it::

    offset = i*strides[0] + j*strides[1] + ...      (in bytes)

:func:`memory_figure` draws the block as a strip of cells, one per element,
shades every element a given ``(shape, strides)`` can reach, fills the
elements of one index (or one window, or one row) orange and writes the
offset arithmetic out for each.  Given several stride tuples it draws one
strip for each, so the right strides and the wrong ones can be compared: the
classic mistake is to compute strides from an array's *shape*, which is only
right for a C-contiguous array, never for a transposed or sliced one.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from ..params import is_int
from .steps import format_value
from .style import BLUE, GREY, ORANGE, OUTSIDE_FILL, REACHED_FILL, VERMILLION

__all__ = ["memory_figure", "addresses"]

#: Most cells a strip draws.
MAX_CELLS = 64
#: Longest strip drawn without leaving anything out.
MAX_RUN = 32
#: Most highlighted elements whose arithmetic is written out.
MAX_LINES = 9


def _check_tuple(value, name, length=None):
    if not isinstance(value, (tuple, list)) or not all(is_int(v) for v in value):
        raise TypeError(f"{name} must be a tuple of ints, got {value!r}")
    if length is not None and len(value) != length:
        raise ValueError(f"{name} must have {length} entries, one per axis of shape, got {value!r}")
    return tuple(int(v) for v in value)


def _expand(highlight, shape):
    """Every full index under ``highlight``: one index, a prefix of one, or a list of them."""
    if highlight is None:
        return []
    if is_int(highlight):
        highlight = (highlight,)
    if isinstance(highlight, tuple):
        highlight = [highlight]
    if not isinstance(highlight, list):
        raise TypeError(f"highlight must be an index tuple or a list of index tuples, got {highlight!r}")
    full = []
    for index in highlight:
        if is_int(index):
            index = (index,)
        index = _check_tuple(index, "highlight")
        if len(index) > len(shape):
            raise ValueError(f"highlight index {index} has more entries than shape {shape} has axes")
        for axis, (i, n) in enumerate(zip(index, shape)):
            if not 0 <= i < n:
                raise ValueError(f"highlight index {index} is out of range on axis {axis} of shape {shape}")
        full += [index + rest for rest in np.ndindex(*shape[len(index):])]
    return full


def addresses(shape, strides, offset=0):
    """Byte offset of every element of an array with this shape and these strides.

    Parameters
    ----------
    shape, strides : tuple of int
        As ``a.shape`` and ``a.strides``.
    offset : int, optional
        Byte where element ``[0, 0, ...]`` starts.

    Returns
    -------
    numpy.ndarray of int, shape ``shape``

    Examples
    --------
    >>> x = np.arange(6, dtype=np.int64).reshape(2, 3)
    >>> addresses(x.shape, x.strides)
    array([[ 0,  8, 16],
           [24, 32, 40]])
    >>> addresses(x.T.shape, x.T.strides)     # same bytes, other order
    array([[ 0, 24],
           [ 8, 32],
           [16, 40]])
    """
    grids = np.indices(shape, dtype=np.int64)
    return offset + sum((g * s for g, s in zip(grids, strides)), np.zeros(shape, dtype=np.int64))


def memory_figure(shape, strides, itemsize, highlight=None, *, offset=0, buffer_nbytes=None,
                  values=None, name="x"):
    """Draw an array's flat buffer and the elements its strides reach.

    Parameters
    ----------
    shape : tuple of int
        The array's shape (for a window view, e.g. ``(Ho, Wo, R, S)``).
    strides : tuple of int, or dict of str to tuple of int
        Its byte strides.  A dict draws one strip per entry, labelled by its
        key, with the same ``highlight`` -- e.g. ``{"x.T.strides": x.T.strides,
        "strides from the shape": (24, 8)}``.
    itemsize : int
        Bytes per element (``x.itemsize``).
    highlight : tuple of int, or list of them, optional
        Elements to fill orange and write the arithmetic for.  A full index
        ``(i, j)`` is one element; a shorter one is everything under it, so
        ``(i, j)`` of a window view ``(Ho, Wo, R, S)`` is one whole window,
        and ``(i,)`` of a 2-D array one row.
    offset : int, optional
        Byte of the buffer where element ``[0, 0, ...]`` lies (``x[1:]`` of a
        C-ordered ``x`` starts one row in).
    buffer_nbytes : int, optional
        Size of the buffer.  Defaults to ``len(values) * itemsize`` or else
        to just past the last element the first strides reach.  Addresses at
        or past the end are drawn outside the buffer, red and hatched.
    values : array_like, optional
        The buffer's contents, written in the cells.  Default: element
        numbers 0, 1, 2, ... (the values of ``np.arange``).
    name : str, optional
        The array's name in the arithmetic.

    Returns
    -------
    matplotlib.figure.Figure
        Already closed, so a notebook shows it once, as the cell's result.

    Raises
    ------
    ValueError
        If the strides do not have one entry per axis, a highlight index is
        out of range, ``itemsize`` is not positive, or the strip would need
        more than 64 cells.
    TypeError
        If an argument is not made of integers.

    Examples
    --------
    The transpose of a 3 x 4 array: element ``[1, 2]`` is 8 + 64 = 72 bytes
    in, element 9 of the buffer; strides computed from the shape (4, 3) point
    at element 5 instead.

    >>> x = np.arange(12, dtype=np.int64).reshape(3, 4)
    >>> fig = memory_figure(x.T.shape, {"x.T.strides": x.T.strides, "from the shape": (24, 8)},
    ...                     x.itemsize, highlight=(1, 2), name="x.T")
    >>> [t.get_text() for t in fig.texts if t.get_gid() == "arithmetic"]
    ['x.T[1, 2] → 1×8 + 2×32 = 72 bytes → element 9', 'x.T[1, 2] → 1×24 + 2×8 = 40 bytes → element 5']
    """
    shape = _check_tuple(shape, "shape")
    strips = _check_strides(strides, shape)
    if not is_int(itemsize) or itemsize < 1:
        raise ValueError(f"itemsize must be a positive int, got {itemsize!r}")
    if not is_int(offset):
        raise TypeError(f"offset must be an int, got {offset!r}")
    values, buffer_nbytes = _check_buffer(values, buffer_nbytes, shape, strips, itemsize, offset)
    picture = _MemoryPicture(shape, strips, itemsize, _expand(highlight, shape), offset, buffer_nbytes, values, name)
    fig = plt.figure(figsize=(picture.width, picture.height))
    for n, label in enumerate(strips):
        picture.draw_strip(fig, n, label)
    plt.close(fig)
    return fig


# A memory picture's layout, in inches (text sizes in points, 72 to the inch).
_LEFT = 0.25  # margin left of the strips, and right of them
_TOP = 0.12  # above the first strip
_BOTTOM = 0.15  # below the last strip
_LABEL_Y = 0.15  # a strip's label, below the top of its strip
_LABEL_HEIGHT = 0.34  # from the top of a strip to its cells
_MAX_CELL = 0.46  # widest cell
_CELLS_WIDTH = 11.0  # the cells of a long strip share this width
_UNDER_CELLS = 0.28  # the byte offsets under the cells
_FIRST_LINE = 0.36  # from the bottom of the cells to the first line of arithmetic
_LINE = 0.2  # one line of arithmetic
_STRIP_GAP = 0.22  # below a strip's last line
_INDENT = 0.05  # the arithmetic, right of the cells' left edge
_MIN_WIDTH = 7.0  # room for a typical line of arithmetic
_CHAR = 0.08  # one character of 9-point monospace (about 0.075 inch), with room
_EM = 0.62  # average width of a digit, in em
_POINTS = 72
_MAX_FONT = 10.0  # numbers in the cells, at most
_CELL_FILL = 0.8  # of a cell's width the longest number may take
_BYTE_FONT = 7.0  # the byte offsets
_BYTE_GAP = 0.06  # inch between two byte offsets
_ARITHMETIC_FONT = 9


def _check_strides(strides, shape):
    """``{label: strides}``: one strip per entry of a dict, or one labelled by the strides."""
    strips = dict(strides) if isinstance(strides, dict) else {f"strides {tuple(strides)}": strides}
    if not strips:
        raise ValueError("strides must not be an empty dict")
    return {label: _check_tuple(s, "strides", len(shape)) for label, s in strips.items()}


def _check_buffer(values, buffer_nbytes, shape, strips, itemsize, offset):
    """``values`` flattened, and the buffer's size: given, or from ``values``, or what the first strides reach."""
    if values is not None:
        values = np.asarray(values).ravel()
        if buffer_nbytes is None:
            buffer_nbytes = values.size * itemsize
    if buffer_nbytes is None:
        first = addresses(shape, next(iter(strips.values())), offset)
        buffer_nbytes = int(first.max()) + itemsize if first.size else itemsize
    if not is_int(buffer_nbytes) or buffer_nbytes < 1:
        raise ValueError(f"buffer_nbytes must be a positive int, got {buffer_nbytes!r}")
    return values, buffer_nbytes


class _MemoryPicture:
    """What :func:`memory_figure` draws, measured once: cells, sizes, the arithmetic of every strip."""

    def __init__(self, shape, strips, itemsize, indices, offset, buffer_nbytes, values, name):
        self.strips, self.itemsize, self.indices, self.values = strips, itemsize, indices, values
        # Cells: the buffer, plus the cells outside it that an address reaches.
        self.reached = {label: addresses(shape, s, offset) for label, s in strips.items()}
        self.n_buffer = -(-buffer_nbytes // itemsize)
        self.slots = _slots(self.reached, indices, itemsize, self.n_buffer)
        self.n_cells = len(self.slots)
        if self.n_cells > MAX_CELLS:
            raise ValueError(
                f"the picture would need {self.n_cells} cells (one per element of the buffer and each element "
                f"read outside it); draw a smaller array (at most {MAX_CELLS} cells)"
            )
        self.where = {e: n for n, e in enumerate(self.slots) if e is not None}
        self.shape_text = f"(shape {shape}, itemsize {itemsize})"
        buffer_end = self.n_buffer * itemsize if values is None else buffer_nbytes
        self.sums = {
            label: [_arithmetic(name, index, s, offset, itemsize, buffer_end) for index in indices[:MAX_LINES]]
            for label, s in strips.items()
        }
        self._measure()

    def _measure(self):
        """Sizes of the cells, the strips, the figure and the text."""
        longest = max((len(line) for lines in self.sums.values() for line in lines), default=0)
        self.cell = min(_MAX_CELL, _CELLS_WIDTH / self.n_cells)
        lines = min(len(self.indices), MAX_LINES) + (len(self.indices) > MAX_LINES)
        self.strip_height = _LABEL_HEIGHT + self.cell + _UNDER_CELLS + _LINE * lines + _STRIP_GAP
        self.width = max(2 * _LEFT + self.n_cells * self.cell, _LEFT + 0.2 + _CHAR * longest, _MIN_WIDTH)
        self.height = self.strip_height * len(self.strips) + _BOTTOM
        shown = [e for e in self.slots if e is not None]
        digits = max(len(self.text(e)) for e in shown if self.inside(e))
        self.font = float(min(_MAX_FONT, _CELL_FILL * self.cell * _POINTS / (_EM * max(digits, 1))))
        # Byte offsets under the cell edges: every one, or every 2nd, 4th, ... so they never touch.
        self.byte_width = len(str((max(shown) + 1) * self.itemsize)) * _EM * _BYTE_FONT / _POINTS + _BYTE_GAP
        self.byte_every = next(n for n in (1, 2, 4, 8, 16, 32, 64) if self.byte_width <= n * self.cell)

    def inside(self, e):
        return 0 <= e < self.n_buffer

    def text(self, e):
        """What cell ``e`` shows: its element number, or its value."""
        return str(e) if self.values is None else format_value(self.values[e])

    def draw_strip(self, fig, n, label):
        """Strip ``n``: its label, cells, byte offsets, highlighted elements and arithmetic."""
        top = n * self.strip_height + _TOP
        cells_bottom = top + _LABEL_HEIGHT + self.cell
        ax = fig.add_axes((_LEFT / self.width, 1 - cells_bottom / self.height,
                           self.n_cells * self.cell / self.width, self.cell / self.height))
        ax.set_xlim(0, self.n_cells)
        ax.set_ylim(1, 0)
        ax.set_axis_off()
        fig.text(_LEFT / self.width, 1 - (top + _LABEL_Y) / self.height, f"{label}   {self.shape_text}",
                 fontsize=10, va="center", ha="left", gid="label")
        addr = self.reached[label]
        self._draw_cells(ax, set((addr.ravel() // self.itemsize).tolist()) if addr.size else set())
        self._draw_highlights(ax, addr)
        self._draw_arithmetic(fig, self.sums[label], cells_bottom + _FIRST_LINE)

    def _draw_cells(self, ax, footprint):
        """One cell per slot, shaded where the strides reach, and the byte offsets under them."""
        last_label = -np.inf
        for x, e in enumerate(self.slots):
            if e is None:  # elements left out between two that are drawn
                ax.text(x + 0.5, 0.5, "…", ha="center", va="center", fontsize=self.font, color=GREY)
                continue
            inside = self.inside(e)
            fill = REACHED_FILL if (e in footprint and inside) else ("white" if inside else OUTSIDE_FILL)
            ax.add_patch(Rectangle((x, 0), 1, 1, facecolor=fill, edgecolor=GREY if inside else VERMILLION,
                                   lw=0.6, hatch=None if inside else "///", gid="cell"))
            ax.text(x + 0.5, 0.5, self.text(e) if inside else "?", ha="center", va="center", fontsize=self.font,
                    zorder=4, color="black" if inside else VERMILLION)
            # a byte offset where a run of cells starts and ends, and every byte_every cells
            run_start = x == 0 or self.slots[x - 1] is None
            run_end = x + 1 == self.n_cells or self.slots[x + 1] is None
            for at, byte, wanted in ((x, e * self.itemsize, run_start or e % self.byte_every == 0),
                                     (x + 1, (e + 1) * self.itemsize, run_end)):
                if wanted and (at - last_label) * self.cell >= self.byte_width:
                    ax.text(at, 1.12, str(byte), ha="center", va="top", fontsize=_BYTE_FONT, color=GREY,
                            clip_on=False)
                    last_label = at

    def _draw_highlights(self, ax, addr):
        """The highlighted elements, at their exact bytes.

        A misaligned stride ("bits" for bytes, items for bytes) shows as a box across two cells.
        """
        for index in self.indices:
            a = int(addr[index])
            e, rest = divmod(a, self.itemsize)
            ax.add_patch(Rectangle((self.where[e] + rest / self.itemsize, 0.04), 1, 0.92, facecolor=ORANGE,
                                   alpha=0.9, edgecolor=BLUE, lw=1.6, zorder=3, gid=f"highlight {a}"))

    def _draw_arithmetic(self, fig, lines, first):
        """One line of offset arithmetic per highlighted element, and how many more were left out."""
        left = (_LEFT + _INDENT) / self.width
        for k, line in enumerate(lines):
            fig.text(left, 1 - (first + _LINE * k) / self.height, line, fontsize=_ARITHMETIC_FONT,
                     va="center", ha="left", family="monospace", gid="arithmetic")
        if len(self.indices) > MAX_LINES:
            fig.text(left, 1 - (first + _LINE * MAX_LINES) / self.height,
                     f"… and {len(self.indices) - MAX_LINES} more", fontsize=_ARITHMETIC_FONT, va="center",
                     ha="left", color=GREY)


def _slots(reached, indices, itemsize, n_buffer):
    """The elements a strip draws, in order, with None where a run of them is left out.

    Every element of the buffer is drawn.  Outside it, when everything the
    strides reach fits in :data:`MAX_RUN` cells, every element up to the
    farthest reached is drawn; otherwise only the highlighted ones (both
    cells of a misaligned one), and the stretches between are shown as "…".
    """
    everything = [a for a in reached.values() if a.size]
    low = min([0] + [int(a.min()) // itemsize for a in everything])
    high = max([n_buffer] + [-(-(int(a.max()) + itemsize) // itemsize) for a in everything])
    if high - low <= max(MAX_RUN, n_buffer):
        return list(range(low, high))
    wanted = set(range(n_buffer))
    for a in reached.values():
        for index in indices:
            e, rest = divmod(int(a[index]), itemsize)
            wanted |= {e, e + 1} if rest else {e}
    slots = []
    for e in sorted(wanted):
        if slots and e > slots[-1] + 1:
            slots.append(None)
        slots.append(e)
    return slots


def _arithmetic(name, index, strides, offset, itemsize, buffer_nbytes):
    """``x[1, 2] → 1×8 + 2×32 = 72 bytes → element 9`` (or where it lands instead)."""
    terms = [f"{i}×{s}" if s >= 0 else f"{i}×({s})" for i, s in zip(index, strides)]
    if offset:
        terms.insert(0, str(offset))
    a = offset + sum(i * s for i, s in zip(index, strides))
    head = f"{name}[{', '.join(map(str, index))}] → {' + '.join(terms) or '0'} = {a} bytes"
    if a < 0 or a + itemsize > buffer_nbytes:
        return f"{head} → outside the {buffer_nbytes}-byte buffer"
    element, rest = divmod(a, itemsize)
    if rest:
        return f"{head} → not an element: bytes {a}–{a + itemsize - 1} straddle elements {element} and {element + 1}"
    return f"{head} → element {element}"
