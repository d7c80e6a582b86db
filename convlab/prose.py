"""Sentences whose numbers come from the code beside them.

A lesson that says "the loops are about 1,900 times slower" next to an
output that says 1,859 has two sources for one number, and sooner or later
they disagree: a re-run on another machine, a changed example, a rounding
typed by hand.  In the lessons, every number that a cell computes reaches the
prose through that cell's output instead.  :func:`say` shows a sentence,
formatted from the cell's variables, as Markdown under the cell, so the
sentence with the number *is* the output: nbval compares it on every test
run when it is deterministic, and the cell is tagged ``nbval-ignore-output``
when it reports a timing.  :func:`about` rounds a measured value for such a
sentence.  ``tests/test_prose.py`` checks the Markdown cells: a number in
them that looks computed (a decimal, a ratio, a size, a time) must appear in
a neighbouring cell's code or checked output.

This module imports nothing outside the standard library; IPython is used
only when it is already running.

Examples
--------
>>> ratio = 1859.4
>>> say(f"The loops are about **{about(ratio)}** times slower.")
The loops are about **1,900** times slower.
"""

from __future__ import annotations

import math
import sys

__all__ = ["about", "say"]


def say(text):
    """Show ``text`` as Markdown under the notebook cell (printed outside Jupyter).

    The output carries the sentence twice: as ``text/markdown``, which
    JupyterLab and GitHub render, and as ``text/plain``, which nbval's diffs
    and terminals show.

    Parameters
    ----------
    text : str
        Markdown, usually an f-string of the cell's results.

    Returns
    -------
    None

    Examples
    --------
    >>> say(f"{3 * 7} multiply-adds per output")
    21 multiply-adds per output
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    shell = _ipython()
    if shell is None:
        print(text)
        return
    from IPython.display import display

    display({"text/markdown": text, "text/plain": text}, raw=True)


def about(value, digits=2):
    """``value`` rounded to ``digits`` significant figures, with thousands separators.

    For sentences about measured quantities, whose last digits are noise.

    Parameters
    ----------
    value : real number
    digits : int, optional
        Significant figures kept, at least 1.

    Returns
    -------
    str

    Examples
    --------
    >>> about(1859.4), about(0.04172), about(3.0), about(115.6, 3), about(0)
    ('1,900', '0.042', '3.0', '116', '0')
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be an int >= 1, got {digits!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value!r}")
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - exponent)
    rounded = round(value, digits - 1 - exponent)
    return f"{rounded:,.{decimals}f}"


def _ipython():
    """The running IPython shell, or None (without importing IPython)."""
    module = sys.modules.get("IPython")
    if module is None:
        return None
    return module.get_ipython()
