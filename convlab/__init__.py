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

from .backward import conv2d_backward, conv_transpose2d
from .choose import METHODS, choose_method
from .conv import conv2d, convolve2d
from .params import output_shape
from .pooling import avg_pool2d, max_pool2d
from .windows import byte_extent, materialized_nbytes, sliding_windows

__version__ = "0.1.0"

__all__ = [
    "METHODS",
    "avg_pool2d",
    "byte_extent",
    "choose_method",
    "conv2d",
    "conv2d_backward",
    "conv_transpose2d",
    "convolve2d",
    "materialized_nbytes",
    "max_pool2d",
    "output_shape",
    "sliding_windows",
]
