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
    strips = dict(strides) if isinstance(strides, dict) else {f"strides {tuple(strides)}": strides}
    if not strips:
        raise ValueError("strides must not be an empty dict")
    strips = {label: _check_tuple(s, "strides", len(shape)) for label, s in strips.items()}
    if not is_int(itemsize) or itemsize < 1:
        raise ValueError(f"itemsize must be a positive int, got {itemsize!r}")
    if not is_int(offset):
        raise TypeError(f"offset must be an int, got {offset!r}")
    if values is not None:
        values = np.asarray(values).ravel()
        if buffer_nbytes is None:
            buffer_nbytes = values.size * itemsize
    first = addresses(shape, next(iter(strips.values())), offset)
    if buffer_nbytes is None:
        buffer_nbytes = int(first.max()) + itemsize if first.size else itemsize
    if not is_int(buffer_nbytes) or buffer_nbytes < 1:
        raise ValueError(f"buffer_nbytes must be a positive int, got {buffer_nbytes!r}")
    indices = _expand(highlight, shape)

    # Cells: the buffer, plus the cells outside it that an address reaches.
    reached = {label: addresses(shape, s, offset) for label, s in strips.items()}
    n_buffer = -(-buffer_nbytes // itemsize)
    slots = _slots(reached, indices, itemsize, n_buffer)
    n_cells = len(slots)
    if n_cells > MAX_CELLS:
        raise ValueError(
            f"the picture would need {n_cells} cells (one per element of the buffer and each element "
            f"read outside it); draw a smaller array (at most {MAX_CELLS} cells)"
        )
    where = {e: n for n, e in enumerate(slots) if e is not None}

    buffer_end = n_buffer * itemsize if values is None else buffer_nbytes
    sums = {
        label: [_arithmetic(name, index, s, offset, itemsize, buffer_end) for index in indices[:MAX_LINES]]
        for label, s in strips.items()
    }
    longest = max((len(line) for lines in sums.values() for line in lines), default=0)
    cell = min(0.46, 11.0 / n_cells)
    lines = min(len(indices), MAX_LINES) + (len(indices) > MAX_LINES)
    strip_h = 0.34 + cell + 0.28 + 0.2 * lines + 0.22
    left = 0.25
    # 9-point monospace is about 0.075 inch a character, plus room
    width = max(left * 2 + n_cells * cell, left + 0.2 + 0.08 * longest, 7.0)
    height = strip_h * len(strips) + 0.15
    fig = plt.figure(figsize=(width, height))
    shown = [e for e in slots if e is not None]
    digits = max(len(str(e)) if values is None else len(format_value(values[e])) for e in shown if 0 <= e < n_buffer)
    size = float(min(10, 0.8 * cell * 72 / (0.62 * max(digits, 1))))
    # Byte offsets under the cell edges: every one, or every 2nd, 4th, ... so they never touch.
    byte_size = 7.0
    label_width = len(str((max(shown) + 1) * itemsize)) * 0.62 * byte_size / 72 + 0.06
    byte_every = next(n for n in (1, 2, 4, 8, 16, 32, 64) if label_width <= n * cell)

    for n, (label, s) in enumerate(strips.items()):
        top = n * strip_h + 0.12
        ax = fig.add_axes((left / width, 1 - (top + 0.34 + cell) / height, n_cells * cell / width, cell / height))
        ax.set_xlim(0, n_cells)
        ax.set_ylim(1, 0)
        ax.set_axis_off()
        fig.text(left / width, 1 - (top + 0.15) / height, f"{label}   (shape {shape}, itemsize {itemsize})",
                 fontsize=10, va="center", ha="left", gid="label")
        addr = reached[label]
        footprint = set((addr.ravel() // itemsize).tolist()) if addr.size else set()
        last_label = -np.inf
        for x, e in enumerate(slots):
            if e is None:  # elements left out between two that are drawn
                ax.text(x + 0.5, 0.5, "…", ha="center", va="center", fontsize=size, color=GREY)
                continue
            inside = 0 <= e < n_buffer
            fill = REACHED_FILL if (e in footprint and inside) else ("white" if inside else OUTSIDE_FILL)
            ax.add_patch(Rectangle((x, 0), 1, 1, facecolor=fill, edgecolor=GREY if inside else VERMILLION,
                                   lw=0.6, hatch=None if inside else "///", gid="cell"))
            text = (str(e) if values is None else format_value(values[e])) if inside else "?"
            ax.text(x + 0.5, 0.5, text, ha="center", va="center", fontsize=size, zorder=4,
                    color="black" if inside else VERMILLION)
            # a byte offset where a run of cells starts and ends, and every byte_every cells
            run_start, run_end = x == 0 or slots[x - 1] is None, x + 1 == n_cells or slots[x + 1] is None
            for at, byte, wanted in ((x, e * itemsize, run_start or e % byte_every == 0),
                                     (x + 1, (e + 1) * itemsize, run_end)):
                if wanted and (at - last_label) * cell >= label_width:
                    ax.text(at, 1.12, str(byte), ha="center", va="top", fontsize=byte_size, color=GREY,
                            clip_on=False)
                    last_label = at
        # The highlighted elements, at their exact bytes: a misaligned stride
        # ("bits" for bytes, items for bytes) shows as a box across two cells.
        for index in indices:
            a = int(addr[index])
            e, rest = divmod(a, itemsize)
            ax.add_patch(Rectangle((where[e] + rest / itemsize, 0.04), 1, 0.92, facecolor=ORANGE, alpha=0.9,
                                   edgecolor=BLUE, lw=1.6, zorder=3, gid=f"highlight {a}"))
        for k, line in enumerate(sums[label]):
            fig.text((left + 0.05) / width, 1 - (top + 0.34 + cell + 0.36 + 0.2 * k) / height, line,
                     fontsize=9, va="center", ha="left", family="monospace", gid="arithmetic")
        if len(indices) > MAX_LINES:
            fig.text((left + 0.05) / width, 1 - (top + 0.34 + cell + 0.36 + 0.2 * MAX_LINES) / height,
                     f"… and {len(indices) - MAX_LINES} more", fontsize=9, va="center", ha="left", color=GREY)
    plt.close(fig)
    return fig


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
