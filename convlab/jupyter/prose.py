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
sentence, and :func:`versus` words a comparison of two times so that the
verdict ("faster", "about as fast", "slower") is chosen by the numbers
themselves.  ``tests/test_prose.py`` checks the Markdown cells: a number in
them that looks computed (a decimal, a ratio, a size, a time) must appear in
a neighbouring cell's code or checked output; ``tests/test_verdicts.py``
checks that no comparison contradicts its numbers.

This module imports nothing outside the standard library; IPython is used
only when it is already running.

Examples
--------
>>> ratio = 1859.4
>>> say(f"The loops are about **{about(ratio)}** times slower.")
The loops are about **1,900** times slower.
>>> say(f"float32 is {versus(0.016, 0.0274, 'float64')}.")
float32 is **1.7 times faster** than float64.
"""

from __future__ import annotations

import math
import sys

__all__ = ["about", "say", "versus", "SAME_SPEED"]

#: Two times that differ by at most this fraction of the smaller are "about as fast" (:func:`versus`).
SAME_SPEED = 0.1


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


def versus(seconds, other_seconds, other, *, within=SAME_SPEED):
    """How a time compares with another, in words the numbers choose.

    The verdict follows the ratio: "N times faster than", "about as fast as
    ... (within X %)" or "N times slower than", with N above 1 in both
    directions, so a reader never has to decode "0.65 times faster".  Use it
    for every sentence that compares two measured times; never type such a
    verdict into the lesson's text, where the next run may contradict it.

    Parameters
    ----------
    seconds : float
        The time of what the sentence is about.
    other_seconds : float
        The time it is compared with.
    other : str
        What it is compared with, as the sentence names it.
    within : float, optional
        Times that differ by at most this fraction are "about as fast".

    Returns
    -------
    str
        Markdown: ``"**1.7 times faster** than float64"``,
        ``"about as fast as float64 (within 6%)"`` or ``"**2.0 times slower** than float64"``.

    Examples
    --------
    >>> versus(1.0, 2.0, "`auto`")
    '**2.0 times faster** than `auto`'
    >>> versus(1.0, 1.04, "`auto`")
    'about as fast as `auto` (within 4%)'
    >>> versus(3.0, 1.0, "PyTorch")
    '**3.0 times slower** than PyTorch'
    >>> versus(1.0, 1.12, "B", within=0.2)
    'about as fast as B (within 12%)'
    """
    seconds, other_seconds = float(seconds), float(other_seconds)
    if not (seconds > 0 and other_seconds > 0 and math.isfinite(seconds) and math.isfinite(other_seconds)):
        raise ValueError(f"times must be positive and finite, got {seconds!r} and {other_seconds!r}")
    if not 0 <= within < 1:
        raise ValueError(f"within must be in [0, 1), got {within!r}")
    factor = max(seconds, other_seconds) / min(seconds, other_seconds)
    if factor <= 1 + within:
        return f"about as fast as {other} (within {max(1, math.ceil(round((factor - 1) * 100, 6)))}%)"
    word = "faster" if seconds < other_seconds else "slower"
    return f"**{_above_one(factor)} times {word}** than {other}"


def _above_one(factor):
    """``factor`` > 1 rounded to two significant figures, or more when those would show 1.0."""
    digits = 2
    while float(about(factor, digits).replace(",", "")) <= 1:
        digits += 1
    return about(factor, digits)


def _ipython():
    """The running IPython shell, or None (without importing IPython)."""
    module = sys.modules.get("IPython")
    if module is None:
        return None
    return module.get_ipython()
