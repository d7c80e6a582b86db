"""The course website for the tests: build it (as ``make site`` does) and read its pages.

``.ci/run`` builds the site with ``make site`` and sets ``CONVLAB_SITE`` to
its ``html`` folder, so CI proves that command works and the tests read what
it made; without the variable the tests build the site themselves into a
temporary folder (about a minute: every lesson runs).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# The same options as the Makefile's `site` target.
SPHINX_ARGS = ["-b", "html", "-c", "docs", "-E", "-W", "--keep-going"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def build(dest, timeout=900):
    """Build the site into ``dest/html``; return that folder."""
    dest = Path(dest)
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", *SPHINX_ARGS, "-d", str(dest / "doctrees"), ".", str(dest / "html")],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )
    assert result.returncode == 0, f"the site did not build:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    return dest / "html"


def site_folder(tmp_path_factory):
    """``CONVLAB_SITE`` when set (what `make site` built), else a site built now."""
    given = os.environ.get("CONVLAB_SITE")
    if given:
        html = Path(given).resolve()
        assert (html / "index.html").is_file(), f"CONVLAB_SITE={given} holds no built site"
        return html
    return build(tmp_path_factory.mktemp("site"))


def sources(folder):
    """The notebooks of ``folder`` (``notebooks`` or ``exercises``) as paths relative to the repository."""
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / folder).glob("*.ipynb"))


def page_of(source):
    """``notebooks/04_x.ipynb`` -> ``notebooks/04_x.html``."""
    return str(Path(source).with_suffix(".html").as_posix())


def executed(html, source):
    """The notebook as the site build ran it (MyST-NB keeps it beside the html folder)."""
    return json.loads((Path(html).parent / "jupyter_execute" / source).read_text())


def outputs(nb):
    """Every display output of a notebook, with the tags of its cell."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            for output in cell.get("outputs", []):
                yield cell.get("metadata", {}).get("tags", []), output


def is_animation(output):
    return "_anim_img" in "".join(output.get("data", {}).get("text/html", ""))


def is_widget(output):
    return WIDGET_VIEW in output.get("data", {})


class Page(HTMLParser):
    """What a test needs from one HTML page: its links, images, ids, classes and title (its first heading)."""

    URL_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "source": "src",
                      "iframe": "src", "video": "src", "audio": "src"}

    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.path = Path(path)
        self.urls = []  # (tag, attributes)
        self.images = []  # attributes of each <img>
        self.ids = set()
        self.classes = []
        self._title = None  # the text of the first <h1>, while it is read
        self.text = self.path.read_text(encoding="utf-8")
        self.feed(self.text)
        self.title = "".join(self._title or []).strip().removesuffix("#").strip()

    def handle_data(self, data):
        if self._title is not None and not self._title_done:
            self._title.append(data)

    def handle_endtag(self, tag):
        if tag == "h1" and self._title is not None:
            self._title_done = True

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h1" and self._title is None:
            self._title, self._title_done = [], False
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if attrs.get("name") and tag == "a":
            self.ids.add(attrs["name"])
        self.classes.extend((attrs.get("class") or "").split())
        if tag == "img":
            self.images.append(attrs)
        attribute = self.URL_ATTRIBUTES.get(tag)
        if attribute and attrs.get(attribute) is not None:
            self.urls.append((tag, attrs))

    @classmethod
    def url_of(cls, tag, attrs):
        return attrs[cls.URL_ATTRIBUTES[tag]]

    @property
    def links(self):
        """The targets of the page's ``<a>`` elements."""
        return {attrs["href"] for tag, attrs in self.urls if tag == "a"}


def is_remote(url):
    """Whether a browser would fetch ``url`` from another host (a ``data:`` URL holds what it shows)."""
    parts = urlsplit(url)
    return bool(parts.scheme and parts.scheme not in ("file", "data")) or url.startswith("//")


def content_pages(html):
    """Every HTML page of the site except the theme's own files."""
    return sorted(p for p in Path(html).rglob("*.html") if "_static" not in p.relative_to(html).parts)


def unique_word(lesson, others):
    """A word of ``lesson``'s prose that appears in none of ``others``: longest first, then alphabetical.

    Prose is the Markdown cells without code, links' targets and HTML blocks
    (the site's search index holds neither code blocks nor raw HTML).
    """
    def prose(source):
        nb = json.loads((ROOT / source).read_text())
        text = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        text = re.sub(r"<details>.*?</details>", " ", text, flags=re.S)
        text = re.sub(r"```.*?```|`[^`]*`|\]\([^)]*\)|<[^>]+>|\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)
        return text

    def everything(source):
        return (ROOT / source).read_text().lower()

    words = set(re.findall(r"(?<![\w-])[A-Za-z]{7,}(?![\w-])", prose(lesson)))
    elsewhere = " ".join(everything(o) for o in others)
    unique = sorted((w for w in words if w.lower() not in elsewhere), key=lambda w: (-len(w), w))
    assert unique, f"{lesson} has no word of its own to search for"
    return unique[0].lower()
