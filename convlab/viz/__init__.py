"""Pictures of convolution: window animations, memory pictures, a terminal demo.

Everything here draws from the functions the lessons teach --
:func:`convlab.sliding_windows`, :func:`convlab.conv2d`,
:func:`convlab.output_shape` -- so a number in a picture is the number the
code computes.

The figures need matplotlib and Pillow, which are imported the first time a
figure function is used; :func:`conv_steps` and the terminal demo need NumPy
only.

Examples
--------
>>> import numpy as np
>>> from convlab import viz
>>> x = np.arange(16).reshape(4, 4)
>>> steps = viz.conv_steps(x, np.ones((2, 2)), stride=2)   # what every picture draws
>>> steps.output_shape, steps.arithmetic(3)
((2, 2), 'out[1, 1] = 10×1 + 11×1 + 14×1 + 15×1 = 50')
"""

import importlib

from .steps import ConvSteps, conv_steps, format_value

# name -> module that defines it, imported on first use (PEP 562)
_LAZY = {
    "ConvScene": "animation",
    "animate_conv": "animation",
    "conv_frame": "animation",
    "frame_steps": "animation",
    "play": "animation",
    "save_gif": "animation",
    "to_html": "player",
    "grace_hopper": "images",
    "InputGradientSteps": "gradients",
    "input_gradient_figure": "gradients",
    "input_gradient_steps": "gradients",
    "confusion_figure": "learning",
    "divergence_edge": "learning",
    "layer_histograms": "learning",
    "lr_sweep_figure": "learning",
    "feature_maps": "learning",
    "image_grid": "learning",
    "training_curves": "learning",
    "addresses": "memory",
    "memory_figure": "memory",
}

__all__ = [
    "ConvScene",
    "ConvSteps",
    "InputGradientSteps",
    "addresses",
    "animate_conv",
    "conv_frame",
    "conv_steps",
    "format_value",
    "frame_steps",
    "grace_hopper",
    "input_gradient_figure",
    "input_gradient_steps",
    "memory_figure",
    "play",
    "save_gif",
    "to_html",
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
