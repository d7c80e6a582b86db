"""The input gradient of a convolution, drawn: spread the output gradient, turn the kernel, correlate.

For ``out = conv2d(x, k, stride=σ, dilation=d)``, every output gradient
``g[i, j]`` goes back along the window it came from: input cell
``(i·σ + r·d, j·σ + s·d)`` receives ``g[i, j]·k[r, s]``.  The same sums come
from one convolution, and lesson 08 draws it in four panels:

1. ``g``, the output gradient;
2. ``g`` *spread*: its values ``σ`` cells apart, zeros between, as the
   outputs sit over the input;
3. the kernel *turned* by 180°, its taps ``d`` cells apart;
4. ``dL/dx``: the spread gradient, padded by the turned kernel's span less
   one, correlated with it (``convlab.conv2d``); cells no window read get 0.

For a bank ``(K, C, R, S)`` the recipe is the same with the bank's first two
axes swapped, so that each input channel sums what every filter sent back.
:func:`input_gradient_steps` computes the panels with the course's functions
(NumPy only); :func:`input_gradient_figure` draws them, with one output's
window marked.

Examples
--------
>>> import numpy as np
>>> steps = input_gradient_steps((5, 5), np.array([[1, 2], [3, 4]]), np.array([[1, 0], [0, 1]]), stride=2)
>>> steps.spread
array([[1, 0, 0],
       [0, 0, 0],
       [0, 0, 1]])
>>> steps.grad_x
array([[1, 2, 0, 0, 0],
       [3, 4, 0, 0, 0],
       [0, 0, 1, 2, 0],
       [0, 0, 3, 4, 0],
       [0, 0, 0, 0, 0]])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backward import conv2d_backward
from ..conv import conv2d
from ..params import as_pair, output_shape
from .steps import format_value
from .style import BLUE, GREY, ORANGE, PAD_FILL, tint

__all__ = ["InputGradientSteps", "input_gradient_steps", "input_gradient_figure"]


@dataclass(frozen=True)
class InputGradientSteps:
    """The arrays of the input gradient's recipe, for one channel and one kernel.

    Attributes
    ----------
    g : numpy.ndarray, shape (Ho, Wo)
        The output gradient.
    spread : numpy.ndarray, shape ((Ho - 1)·σh + 1, (Wo - 1)·σw + 1)
        ``g`` with its values ``stride`` apart and zeros between.
    turned : numpy.ndarray, shape (dh·(R - 1) + 1, dw·(S - 1) + 1)
        The kernel turned by 180°, its taps ``dilation`` apart.
    padded : numpy.ndarray
        ``spread`` with ``dh·(R - 1)`` rows and ``dw·(S - 1)`` columns of zeros on each side.
    grad_x : numpy.ndarray, shape (H, W)
        ``conv2d(padded, turned)``, with zeros for the rows and columns past the last window.
    read : numpy.ndarray of bool, shape (H, W)
        Which input cells some window read.
    stride, dilation : tuple of int
    """

    g: np.ndarray
    spread: np.ndarray
    turned: np.ndarray
    padded: np.ndarray
    grad_x: np.ndarray
    read: np.ndarray
    stride: tuple
    dilation: tuple

    def window(self, i, j):
        """The input cells output ``(i, j)`` read: ``[(row, column), ...]``, tap by tap."""
        (sh, sw), (dh, dw) = self.stride, self.dilation
        rows, cols = (self.turned.shape[0] - 1) // dh + 1, (self.turned.shape[1] - 1) // dw + 1
        return [(i * sh + r * dh, j * sw + s * dw) for r in range(rows) for s in range(cols)]


def input_gradient_steps(input_hw, k, g, stride=1, dilation=1):
    """The input gradient of ``conv2d(x, k, stride, dilation)`` for an ``input_hw`` input, step by step.

    Parameters
    ----------
    input_hw : tuple of int
        ``(H, W)``, the size of ``x``.
    k : array_like, shape (R, S)
        The kernel.
    g : array_like, shape (Ho, Wo)
        The output gradient, of the forward result's shape.
    stride, dilation : int or pair of int
        As in :func:`convlab.conv2d`.

    Returns
    -------
    InputGradientSteps
        Its ``grad_x`` equals ``conv2d_backward(x, k, g, stride=stride, dilation=dilation)[0]``.

    Raises
    ------
    ValueError
        If ``g`` does not have the forward result's shape, or for arguments ``conv2d`` rejects.

    Examples
    --------
    >>> steps = input_gradient_steps((4, 4), np.ones((2, 2)), np.ones((2, 2)), dilation=2)
    >>> steps.turned
    array([[1., 0., 1.],
           [0., 0., 0.],
           [1., 0., 1.]])
    >>> steps.window(1, 0)
    [(1, 0), (1, 2), (3, 0), (3, 2)]
    """
    k, g = np.asarray(k), np.asarray(g)
    stride, dilation = as_pair(stride, "stride", 1), as_pair(dilation, "dilation", 1)
    expected = output_shape(tuple(input_hw), k.shape, stride, 0, dilation)
    if g.shape != expected:
        raise ValueError(f"g must have the forward result's shape {expected}, got {g.shape}")
    (sh, sw), (dh, dw) = stride, dilation
    (ho, wo), (r, s) = g.shape, k.shape
    dtype = np.result_type(g, k)
    spread = np.zeros(((ho - 1) * sh + 1, (wo - 1) * sw + 1), dtype=dtype)
    spread[::sh, ::sw] = g
    turned = np.zeros((dh * (r - 1) + 1, dw * (s - 1) + 1), dtype=dtype)
    turned[::dh, ::dw] = k[::-1, ::-1]
    span = (dh * (r - 1), dw * (s - 1))
    padded = np.pad(spread, [(span[0], span[0]), (span[1], span[1])])
    reached = conv2d(padded, turned)  # up to the last row and column a window read
    height, width = input_hw
    grad_x = np.pad(reached, [(0, height - reached.shape[0]), (0, width - reached.shape[1])])
    ones = conv2d_backward(np.zeros(input_hw), np.ones(k.shape), np.ones(g.shape), stride=stride, dilation=dilation)
    return InputGradientSteps(g, spread, turned, padded, grad_x, ones[0] > 0, stride, dilation)


def input_gradient_figure(steps, highlight=(0, 0), *, cell=0.42):
    """The four panels of the input gradient's recipe, with the window of one output marked.

    Parameters
    ----------
    steps : InputGradientSteps
        From :func:`input_gradient_steps`.
    highlight : tuple of int, optional
        The output ``(i, j)`` whose gradient, position in the spread and window over the input are
        outlined (orange), or None for none.
    cell : float, optional
        The side of one cell, in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> steps = input_gradient_steps((5, 5), np.array([[1, 2], [3, 4]]), np.array([[1, -1], [2, 1]]), stride=2)
    >>> fig = input_gradient_figure(steps, highlight=(1, 1))
    >>> [ax.get_title().split("\\n")[0] for ax in fig.axes]
    ['g, the output gradient', 'g spread 2 apart', 'k turned 180°', 'dL/dx']
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.patches import Rectangle

    (sh, sw), (dh, dw) = steps.stride, steps.dilation
    stride = f"{sh}" if sh == sw else f"({sh}, {sw})"
    dilation = f"{dh}" if dh == dw else f"({dh}, {dw})"
    panels = [
        ("g, the output gradient", steps.g, None),
        (f"g spread {stride} apart", steps.spread, "zeros between"),
        ("k turned 180°", steps.turned, f"taps {dilation} apart" if (dh, dw) != (1, 1) else None),
        ("dL/dx", steps.grad_x, "grey: no window read it"),
    ]
    limit = max(float(np.max(np.abs(a))) for _, a, _ in panels) or 1.0
    norm = TwoSlopeNorm(0.0, -limit, limit)
    gap, top, bottom, side = 0.9, 0.5, 0.45, 0.2
    width = side * 2 + sum(a.shape[1] * cell for _, a, _ in panels) + gap * (len(panels) - 1)
    tallest = max(a.shape[0] for _, a, _ in panels) * cell
    height = top + bottom + tallest
    fig = plt.figure(figsize=(width, height))
    left = side
    axes = []
    for number, (title, values, note) in enumerate(panels):
        h, w = values.shape
        y0 = bottom + (tallest - h * cell) / 2  # every panel centred on one line
        ax = fig.add_axes((left / width, y0 / height, w * cell / width, h * cell / height))
        ax.imshow(values.astype(float), cmap="RdBu_r", norm=norm, interpolation="nearest")
        for (i, j), value in np.ndenumerate(values):
            unread = number == 3 and not steps.read[i, j]
            if unread:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, color=PAD_FILL))
            faint = value == 0 and number in (1, 2)
            dark = abs(float(value)) > 0.6 * limit
            ax.text(j, i, format_value(value), ha="center", va="center", fontsize=8,
                    color=GREY if faint or unread else "white" if dark else "black")
        ax.set_xticks(np.arange(w + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(h + 1) - 0.5, minor=True)
        ax.grid(which="minor", color=tint(GREY, 0.4), linewidth=0.6)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        ax.set_title(title + (f"\n({note})" if note else ""), fontsize=9)
        if number < len(panels) - 1:
            symbol, label = [("→", "spread"), ("∗", "pad, then\ncorrelate"), ("=", "")][number]
            x_mid, y_mid = (left + w * cell + gap / 2) / width, (bottom + tallest / 2) / height
            fig.text(x_mid, y_mid, symbol, ha="center", va="center", fontsize=16, color=GREY)
            fig.text(x_mid, y_mid - 0.3 / height, label, ha="center", va="top", fontsize=7, color=GREY)
        axes.append(ax)
        left += w * cell + gap
    if highlight is not None:
        i, j = highlight
        marks = [(axes[0], [(i, j)]), (axes[1], [(i * sh, j * sw)]), (axes[3], steps.window(i, j))]
        for ax, where in marks:
            for r, c in where:
                ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor=ORANGE, linewidth=2.2))
    fig.text(0.5, 0.08 / height, f"dL/dx = conv2d(spread g padded by the turned kernel's span less one, turned k); "
             f"stride {stride}, dilation {dilation}. Orange: output {tuple(highlight) if highlight else ''} "
             "and the input cells its window read.", ha="center", va="bottom", fontsize=8, color=BLUE)
    plt.close(fig)
    return fig
