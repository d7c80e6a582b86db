"""A real image to convolve: the portrait of Grace Hopper that matplotlib ships."""

from __future__ import annotations

import numpy as np

from ..params import as_pair

__all__ = ["grace_hopper"]


def grace_hopper(size=None, gray=True):
    """Grace Hopper's portrait from matplotlib's sample data, as floats in [0, 1].

    The photograph (600 rows by 512 columns, public domain, U.S. Navy) is installed
    with matplotlib, so it needs no download.

    Parameters
    ----------
    size : int or (int, int) or None, optional
        ``(H, W)`` to resize to, with Pillow's Lanczos filter (deterministic:
        the same pixels on every machine with the same Pillow).  None keeps
        (600, 512).
    gray : bool, optional
        True (default) for one gray channel, ``0.299 R + 0.587 G + 0.114 B``
        (ITU-R BT.601 luma); False for the three colour channels.

    Returns
    -------
    numpy.ndarray of float64
        ``(H, W)`` when ``gray``, else ``(3, H, W)``: channels first, as
        :func:`convlab.conv2d` expects.

    Examples
    --------
    >>> img = grace_hopper(size=(32, 40))
    >>> img.shape, img.dtype, bool(0 <= img.min() and img.max() <= 1)
    ((32, 40), dtype('float64'), True)
    >>> grace_hopper(size=16, gray=False).shape
    (3, 16, 16)
    """
    from matplotlib import cbook
    from PIL import Image

    if size is not None:
        h, w = as_pair(size, "size", 1)
    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as image:
        image = image.convert("RGB")
        if size is not None:
            image = image.resize((w, h), Image.Resampling.LANCZOS)
        rgb = np.asarray(image, dtype=np.float64) / 255.0
    if gray:
        # The weights sum to 1 up to rounding; clip so the range is exactly [0, 1].
        return np.clip(rgb @ np.array([0.299, 0.587, 0.114]), 0.0, 1.0)
    return np.ascontiguousarray(rgb.transpose(2, 0, 1))
