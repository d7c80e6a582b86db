"""The README's picture: a window moving with stride 2 over a padded input.

``make figures`` runs ``python -m convlab.viz.readme``, which writes
``docs/sliding_window.gif`` with :func:`convlab.viz.animate_conv` and
:func:`convlab.viz.save_gif` -- the functions the lessons use -- so the
picture on the front page is computed, never drawn by hand.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

__all__ = ["README_GIF", "readme_case", "write_readme_gif"]

README_GIF = Path("docs") / "sliding_window.gif"
FPS = 1.25
DPI = 72


def readme_case():
    """``(x, k, parameters)`` of the README's animation.

    A 5 x 5 input of small integers, a 3 x 3 vertical-edge kernel, stride 2
    and padding 1: nine output positions, each sum short enough to read.
    """
    x = np.random.default_rng(2).integers(0, 10, size=(5, 5))
    k = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
    return x, k, dict(stride=2, padding=1)


def write_readme_gif(path=README_GIF):
    """Write the README's animated GIF to ``path`` and return the path."""
    from .animation import animate_conv, save_gif

    x, k, params = readme_case()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return save_gif(animate_conv(x, k, **params), path, fps=FPS, dpi=DPI)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m convlab.viz.readme", description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(README_GIF), help=f"where to write it (default {README_GIF})")
    args = parser.parse_args(argv)
    print(f"wrote {write_readme_gif(args.path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
