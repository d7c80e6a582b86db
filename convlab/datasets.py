"""Data bundled with convlab, read with NumPy alone (no network, no extra package).

The files live in ``convlab/data/``; its ``README.md`` gives each one's
source, licence and citation.
"""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np

__all__ = ["load_digits", "DIGITS_CITATION"]

#: How to credit the digits (CC BY 4.0 asks for attribution).
DIGITS_CITATION = (
    "E. Alpaydin and C. Kaynak (1998), Optical Recognition of Handwritten Digits, "
    "UCI Machine Learning Repository, https://doi.org/10.24432/C50P49 (CC BY 4.0)"
)


def load_digits():
    """The 1,797 handwritten digits of UCI's *Optical Recognition of Handwritten Digits* test set.

    Each digit is an 8x8 image whose pixels count the "on" pixels in a 4x4
    block of a 32x32 bitmap: integers from 0 (white) to 16 (all ink).

    Returns
    -------
    images : numpy.ndarray of uint8, shape (1797, 8, 8)
        Values 0 to 16.
    labels : numpy.ndarray of int64, shape (1797,)
        The digit each image shows, 0 to 9.

    Notes
    -----
    The data are by E. Alpaydin and C. Kaynak (1998) and licensed CC BY 4.0;
    cite them as :data:`DIGITS_CITATION`.  The file is the copy scikit-learn
    ships (``sklearn.datasets.load_digits``), unchanged; ``convlab/data/README.md``
    records where it came from.  Each call reads the file again (a few
    milliseconds) and returns new arrays.

    Examples
    --------
    >>> images, labels = load_digits()
    >>> images.shape, labels.shape
    ((1797, 8, 8), (1797,))
    >>> int(images.max()), np.bincount(labels)[:3]
    (16, array([178, 182, 177]))
    """
    source = resources.files(__package__).joinpath("data", "digits.csv.gz")
    with source.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    images = table[:, :64].astype(np.uint8).reshape(-1, 8, 8)
    return images, table[:, 64].copy()
