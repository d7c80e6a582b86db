"""Pictures of convolution: window animations, memory pictures, a terminal demo.

Everything here draws from the functions the lessons teach --
:func:`convlab.sliding_windows`, :func:`convlab.conv2d`,
:func:`convlab.output_shape` -- so a number in a picture is the number the
code computes.  This package imports matplotlib (and Pillow); ``import
convlab`` alone does not.

Examples
--------
>>> import numpy as np
>>> from convlab import viz
>>> x = np.arange(16).reshape(4, 4)
>>> steps = viz.conv_steps(x, np.ones((2, 2)), stride=2)   # what every picture draws
>>> steps.output_shape, steps.arithmetic(3)
((2, 2), 'out[1, 1] = 10×1 + 11×1 + 14×1 + 15×1 = 50')
"""

from .animation import ConvScene, animate_conv, conv_frame, frame_steps, play, save_gif, to_html
from .images import grace_hopper
from .memory import addresses, memory_figure
from .steps import ConvSteps, conv_steps, format_value

__all__ = [
    "ConvScene",
    "ConvSteps",
    "addresses",
    "animate_conv",
    "conv_frame",
    "conv_steps",
    "format_value",
    "frame_steps",
    "grace_hopper",
    "memory_figure",
    "play",
    "save_gif",
    "to_html",
]
