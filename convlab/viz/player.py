"""An animation as an HTML player that shows its picture wherever a notebook is shown.

matplotlib's :class:`~matplotlib.animation.HTMLWriter` makes the player: a
picture, a slider, buttons, and a script that swaps the frames.
:func:`to_html` keeps all of that and changes what a learner would otherwise
see go wrong:

- the picture's own ``src`` is the first frame, with its width and height, so
  it shows at its size before the script runs, and without it: after *Run
  All*, in an output out of view or in a cell run again, on a web page;
- nothing is fetched from elsewhere: the buttons draw their icons with inline
  SVG, not with matplotlib's icon font from a CDN (Font Awesome), so they
  show offline too;
- on a narrow screen (a phone) the picture keeps its size, so its numbers stay
  legible, and pans sideways in its own box; the slider and the buttons fit
  the width there is;
- the picture has alt text.

The frames are PNG images with a palette, a quarter of the size of
full-colour PNGs for the flat colours of a grid of numbers.
"""

from __future__ import annotations

import base64
import html
import re
from io import BytesIO
from pathlib import Path
from tempfile import TemporaryDirectory

from matplotlib.animation import HTMLWriter
from PIL import Image

__all__ = ["to_html", "PLAYER_CLASS"]

#: The class of the ``<div>`` around every player :func:`to_html` makes.
PLAYER_CLASS = "convlab-player"

# matplotlib's icons (Font Awesome 4 class names) drawn as SVG paths in a 16 x 16 box.
ICONS = {
    "fa-minus": "M2 7h12v2H2z",
    "fa-plus": "M7 2h2v5h5v2H9v5H7V9H2V7h5z",
    "fa-play": "M4 2l10 6-10 6z",
    "fa-pause": "M3 2h4v12H3zM9 2h4v12H9z",
    "fa-step-forward": "M2 2l9 6-9 6zM11 2h3v12h-3z",
    "fa-step-backward": "M14 2L5 8l9 6zM2 2h3v12H2z",
    "fa-fast-forward": "M1 2l6 6-6 6zM7 2l6 6-6 6zM13 2h2v12h-2z",
    "fa-fast-backward": "M15 2L9 8l6 6zM9 2L3 8l6 6zM1 2h2v12H1z",
}

# Scoped to the player, after matplotlib's own style, so it wins over a page's rules for
# every picture (JupyterLab and the website shrink pictures to the width of the text).
STYLE = f"""<style>
.{PLAYER_CLASS} {{ max-width: 100%; }}
.{PLAYER_CLASS} .animation {{ max-width: 100%; }}
.{PLAYER_CLASS} .anim-frame {{ max-width: 100%; overflow-x: auto; }}
.{PLAYER_CLASS} .anim-frame img {{ max-width: none; height: auto; display: block; margin: 0 auto; }}
.{PLAYER_CLASS} input[type=range].anim-slider {{ max-width: 100%; }}
.{PLAYER_CLASS} .anim-buttons {{ display: flex; flex-wrap: wrap; justify-content: center; gap: 2px; }}
.{PLAYER_CLASS} .anim-buttons button {{ height: 24px; display: inline-flex; align-items: center;
  justify-content: center; }}
</style>"""


def to_html(anim, fps=1.5, dpi=64, alt=None):
    """An animation as HTML with a player, like ``anim.to_jshtml()``, that works offline.

    Parameters
    ----------
    anim : matplotlib.animation.Animation
    fps : float, optional
        Frames per second.
    dpi : float, optional
        Resolution of the frames.
    alt : str, optional
        The picture's alt text.  Default: one that says it is an animation
        and what the buttons do.

    Returns
    -------
    str
        The player inside ``<div class="convlab-player">``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from matplotlib.animation import FuncAnimation
    >>> fig, ax = plt.subplots(figsize=(2, 1))
    >>> anim = FuncAnimation(fig, lambda t: ax.set_title(str(t)), frames=3)
    >>> page = to_html(anim, dpi=50)
    >>> plt.close(fig)
    >>> page.count("data:image/png")                  # each frame, and the first as the picture itself
    4
    >>> re.search(r'<img id="_anim_img\\w+" src="data:image/png;base64,[^"]+" width="(\\d+)" height="(\\d+)"',
    ...           page).groups()
    ('100', '50')
    >>> "font-awesome" in page, "<svg" in page
    (False, True)
    """
    scene = getattr(anim, "scene", None)
    colors = 64 if scene is not None and scene.numbers else 256
    writer = _PaletteHTMLWriter(colors, fps=fps, embed_frames=True, default_mode="loop")
    with TemporaryDirectory() as tmp:
        path = Path(tmp, "animation.html")
        anim.save(path, writer=writer, dpi=dpi)
        page = path.read_text()
    if alt is None:
        alt = "Animation: the buttons below it play it or step through its frames."
    return _finish(page, writer.first_frame, writer.first_size, len(writer._saved_frames), alt)


def _finish(page, first_frame, size, count, alt):
    """matplotlib's player page, changed as the module's docstring says."""
    page = re.sub(r"<link[^>]*font-awesome[^>]*>\s*", "", page)
    page = re.sub(r'<i class="fa (fa-[a-z-]+)( fa-flip-horizontal)?"></i>', _icon, page)
    width, height = size
    picture = (
        f'<div class="anim-frame"><img id="\\1" src="data:image/png;base64,{first_frame}" '
        f'width="{width}" height="{height}" alt="{html.escape(alt, quote=True)}"></div>'
    )
    page, pictures = re.subn(r'<img id="(_anim_img\w+)">', picture, page)
    # the slider reaches the last frame before the script has run, too
    page, sliders = re.subn(r'(<input id="_anim_slider\w+" type="range" class="anim-slider"\s+'
                            r'name="points" min="0" )max="1"', rf'\1max="{count - 1}"', page)
    problems = [what for what, missing in (
        ("the picture <img id=_anim_img...>", not pictures),
        ("the slider", not sliders),
        ("an icon or the icon font", "fa fa-" in page or "font-awesome" in page),
    ) if missing]
    if problems:
        raise RuntimeError(f"matplotlib's animation player has changed; not as expected: {', '.join(problems)}")
    return f'<div class="{PLAYER_CLASS}">\n{page}\n{STYLE}\n</div>'


def _icon(match):
    if match[1] not in ICONS:
        return match[0]  # left for the check in _finish
    flip = ' style="transform: scaleX(-1)"' if match[2] else ""
    return (f'<svg viewBox="0 0 16 16" width="1em" height="1em" aria-hidden="true" focusable="false"{flip}>'
            f'<path fill="currentColor" d="{ICONS[match[1]]}"/></svg>')


class _PaletteHTMLWriter(HTMLWriter):
    """matplotlib's HTMLWriter, embedding each frame as a PNG with a palette of ``colors``."""

    def __init__(self, colors, **kwargs):
        super().__init__(**kwargs)
        self.colors = colors
        self.first_frame = None  # base64, for the picture's src

    def grab_frame(self, **savefig_kwargs):
        full = BytesIO()
        self.fig.savefig(full, format="png", dpi=self.dpi, **savefig_kwargs)
        with Image.open(full) as image:
            small = image.convert("RGB").quantize(colors=self.colors, dither=Image.Dither.NONE)
        out = BytesIO()
        small.save(out, format="png")
        if self.first_frame is None:
            self.first_frame = base64.b64encode(out.getvalue()).decode("ascii")
            self.first_size = small.size
        # HTMLWriter.finish writes these base64 strings into its player.
        self._saved_frames.append(base64.encodebytes(out.getvalue()).decode("ascii"))
