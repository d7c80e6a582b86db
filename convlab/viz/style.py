"""The pictures' colours, shared by every figure: the window animation and the memory pictures.

Colours are from the Okabe--Ito palette (Okabe and Ito, "Color Universal
Design", 2008), which readers with any common form of colour blindness can
tell apart.  Each has one meaning in every picture: orange is what is read
now (the cells under the window, the highlighted elements), blue outlines it,
green is what is done, vermillion is outside the array.

This module imports matplotlib's colour conversion only.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgb

__all__ = [
    "BLUE", "CELL_EDGE", "DONE_FILL", "GREEN", "GREY", "KERNEL_FILL", "ORANGE", "OUTSIDE_FILL",
    "PAD_EDGE", "PAD_FILL", "REACHED_FILL", "SKY_BLUE", "VERMILLION", "tint",
]

ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
#: Text and lines that explain rather than show: axis numbers, byte offsets, footers.
GREY = "#6E6E6E"
#: A cell of zero padding, and its dashed edge.
PAD_FILL = "#E3E3E3"
PAD_EDGE = "#9A9A9A"
#: The edge of an ordinary cell.
CELL_EDGE = "#BDBDBD"


def tint(colour, amount):
    """``colour`` mixed with white: ``amount`` 1 is the colour, 0 is white.

    Examples
    --------
    >>> tint("#000000", 0.25)
    (0.75, 0.75, 0.75)
    """
    rgb = np.array(to_rgb(colour))
    return tuple(float(v) for v in amount * rgb + (1 - amount) * 1.0)


#: The kernel's cells.
KERNEL_FILL = tint(SKY_BLUE, 0.35)
#: Output cells computed before the current one.
DONE_FILL = tint(GREEN, 0.30)
#: Buffer elements that a memory picture's strides reach.
REACHED_FILL = tint(SKY_BLUE, 0.35)
#: Elements outside the buffer (an out-of-bounds read).
OUTSIDE_FILL = tint(VERMILLION, 0.18)
