"""convlab: 2-D convolution computed by hand with NumPy, for the convlab course.

The numeric core imports NumPy only.  Pictures (:mod:`convlab.viz`), widgets
(:mod:`convlab.widgets`) and exercise checks (:mod:`convlab.grading`) import
matplotlib, ipywidgets and Jupyter's libraries when they are imported
themselves, so ``import convlab`` stays fast and works without them.

Examples
--------
>>> import numpy as np, convlab
>>> convlab.output_shape((5, 5), (3, 3), stride=2, padding=1)
(3, 3)
>>> convlab.conv2d(np.ones((5, 5)), np.ones((3, 3)), stride=2, padding=1)
array([[4., 6., 4.],
       [6., 9., 6.],
       [4., 6., 4.]])
"""

try:
    import numpy  # noqa: F401  (checked first: a Python without it is not the course's environment)
except ModuleNotFoundError:
    import sys

    raise ModuleNotFoundError(
        f"convlab needs NumPy, which this Python ({sys.executable}) does not have: it is not the course's "
        "environment. Use the course's Python: `make lab` (its Terminal's python), `make grade` and the other "
        "make targets, or .venv/bin/python.",
        name="numpy",
    ) from None
del numpy

from .backward import conv2d_backward, conv_transpose2d
from .choose import METHODS, choose_method
from .conv import conv2d, convolve2d
from .datasets import load_digits
from .layers import (
    conv_layer,
    conv_layer_backward,
    dense,
    dense_backward,
    log_softmax,
    relu,
    relu_backward,
    sgd_momentum,
    softmax_cross_entropy,
)
from .params import output_shape
from .pooling import avg_pool2d, max_pool2d, max_pool2d_backward
from .windows import byte_extent, sliding_windows

__version__ = "0.1.0"

__all__ = [
    "METHODS",
    "avg_pool2d",
    "byte_extent",
    "choose_method",
    "conv2d",
    "conv2d_backward",
    "conv_layer",
    "conv_layer_backward",
    "conv_transpose2d",
    "convolve2d",
    "dense",
    "dense_backward",
    "load_digits",
    "log_softmax",
    "max_pool2d",
    "max_pool2d_backward",
    "output_shape",
    "relu",
    "relu_backward",
    "sgd_momentum",
    "sliding_windows",
    "softmax_cross_entropy",
]
