"""The course website (`make site`): every page is there, every link and picture resolves.

The site is built once per run (see ``sitebuild.py``); these tests read its
files. ``tests/browser/test_site_browser.py`` opens it in Chromium. Every
check is derived from the repository (the lessons and exercises present,
the README's Binder link), so a new lesson is checked without editing this
file.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from sitebuild import (
    ROOT,
    WIDGET_VIEW,
    Page,
    content_pages,
    executed,
    is_animation,
    is_remote,
    is_widget,
    outputs,
    page_of,
    sources,
)

LESSONS = sources("notebooks")
EXERCISES = sources("exercises")


@pytest.fixture(scope="module")
def pages(site):
    return {p.relative_to(site).as_posix(): Page(p) for p in content_pages(site)}


def test_the_start_page_is_the_readme_with_every_lesson_and_exercise(site, pages):
    assert (site / "index.html").read_bytes() == (site / "README.html").read_bytes()
    readme = (ROOT / "README.md").read_text()
    start = pages["index.html"].links
    for source in LESSONS + EXERCISES:
        assert (site / page_of(source)).is_file(), f"no page for {source}"
        if f"({source})" in readme:  # the course map links it: so must the start page
            assert page_of(source) in start, f"the start page does not link {page_of(source)}"
    assert "course-map" in pages["index.html"].ids


def test_every_internal_link_and_image_resolves(site, pages):
    broken = []
    for name, page in pages.items():
        for tag, attrs in page.urls:
            url = page.url_of(tag, attrs)
            if is_remote(url) or url.startswith(("mailto:", "data:", "javascript:")):
                continue
            parts = urlsplit(url)
            target = (page.path.parent / unquote(parts.path)).resolve() if parts.path else page.path
            if not target.is_file() and not (target / "index.html").is_file():
                broken.append(f"{name}: <{tag}> {url}")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target.relative_to(site).as_posix()].ids if target.is_relative_to(site) else set()
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{name}: <{tag}> {url} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_pages_load_nothing_from_elsewhere(pages):
    """Offline, or behind a firewall, a page must still be whole: no remote script, style or picture."""
    navigation = {"canonical", "index", "search", "next", "prev", "alternate", "author", "license", "help"}

    def loads(tag, attrs):  # a browser fetches it to show the page
        return tag != "a" and not (tag == "link" and set((attrs.get("rel") or "").split()) <= navigation)

    remote = [
        f"{name}: <{tag}> {page.url_of(tag, attrs)}"
        for name, page in pages.items() for tag, attrs in page.urls
        if loads(tag, attrs) and is_remote(page.url_of(tag, attrs))
    ]
    assert not remote, "\n".join(remote)


def test_every_picture_has_alt_text(pages):
    missing = [
        f"{name}: {img.get('src', '')[:80]} alt={img.get('alt')!r}"
        for name, page in pages.items() for img in page.images
        if not (img.get("alt") or "").strip()
        or re.search(r"\.(png|jpe?g|gif|svg)$", img["alt"].strip())
    ]
    assert not missing, "\n".join(missing)


def test_every_notebook_page_launches_its_own_notebook_on_binder(pages):
    readme = (ROOT / "README.md").read_text()
    badge = re.search(r"\((https://mybinder\.org/[^)]*?urlpath=lab/tree/)notebooks/[^)]+\)", readme)
    assert badge, "the README has no Binder link to a lesson"
    for source in LESSONS + EXERCISES:
        links = pages[page_of(source)].links
        assert badge[1] + source in links, f"{page_of(source)} has no Binder link to {source}"


def test_exercise_pages_link_their_lesson_and_solutions(pages):
    for source in EXERCISES:
        name = Path(source).name
        links = pages[page_of(source)].links
        if (ROOT / "notebooks" / name).exists():
            assert f"../notebooks/{Path(name).with_suffix('.html')}" in links, source
        if (ROOT / "solutions" / name).exists():
            assert any(link.endswith(f"/solutions/{name}") and is_remote(link) for link in links), source
    assert not any(name.startswith("solutions/") for name in pages), "solutions are linked, not published"


@pytest.mark.parametrize("source", LESSONS)
def test_animations_and_widgets_are_on_the_page(site, pages, source):
    """Cells stored without output (animations, widgets) ran when the site was built and show."""
    nb = executed(site, source)
    for cell in nb["cells"]:
        if "strip-output" in cell.get("metadata", {}).get("tags", []):
            assert cell.get("outputs"), f"{source}: a strip-output cell has no output on the site"
    animations = sum(is_animation(o) for _, o in outputs(nb))
    widgets = sum(is_widget(o) for _, o in outputs(nb))
    page = pages[page_of(source)]
    assert page.classes.count("animation") == animations
    # a widget becomes a note that it needs a kernel and a still, never an empty box
    assert page.classes.count("widget-still") == widgets
    assert WIDGET_VIEW not in page.text
    assert "widget-state+json" not in page.text


def test_math_is_mathml(pages):
    for source in LESSONS:
        text = (ROOT / source).read_text()
        page = pages[page_of(source)]
        assert "math-source" not in page.classes, f"{source}: math left as LaTeX"
        if "$$" in text:
            assert "<math" in page.text, f"{source}: its display math is not on the page as MathML"


WIDGET_NOTEBOOK = r'''
import ipywidgets as widgets, matplotlib.pyplot as plt, numpy as np
from io import BytesIO
def png(n):
    fig, ax = plt.subplots(figsize=(2, 2)); ax.plot(np.arange(n)); buf = BytesIO()
    fig.savefig(buf, format="png"); plt.close(fig); return buf.getvalue()
out = widgets.Output()
with out:
    print("drawn with n = 3")
slider = widgets.IntSlider(3, 1, 9, description="n")
widgets.VBox([slider, widgets.Image(value=png(3), format="png", layout=widgets.Layout(width="150px")),
              widgets.HTML("<b>three points</b>"), out])
'''


FIGURE = """
fig, ax = plt.subplots()
ax.plot([1, 2, 3], label="measured")
ax.set_title("three points")
ax.set_xlabel("step")
ax.legend()
plt.show()
"""


def test_any_widget_becomes_a_still_and_any_figure_gets_alt_text(tmp_path):
    """The site's mechanisms are not tied to the course's own pictures: a small notebook of
    any widget and two plain figures, one of them with alt text of its own."""
    import nbformat

    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    shutil.copytree(ROOT / "docs" / "_ext", project / "docs" / "_ext")
    shutil.copytree(ROOT / "docs" / "_static", project / "docs" / "_static")
    conf = (ROOT / "docs" / "conf.py").read_text()
    conf = re.sub(r"include_patterns = .*", 'include_patterns = ["README.md", "notebooks/*.ipynb"]', conf)
    (project / "docs" / "conf.py").write_text(conf)
    (project / "README.md").write_text("# A course\n\nSee [the lesson](notebooks/w.ipynb).\n")
    own_alt = nbformat.v4.new_code_cell(FIGURE)
    own_alt.metadata["mystnb"] = {"image": {"alt": "Three points on a rising line."}}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A widget"),
                                         nbformat.v4.new_code_cell(WIDGET_NOTEBOOK),
                                         nbformat.v4.new_code_cell(FIGURE), own_alt])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (project / "notebooks").mkdir()
    nbformat.write(nb, project / "notebooks" / "w.ipynb")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-c", "docs", "-E", "-W", "-q",
                             ".", str(tmp_path / "html")], cwd=project, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    page = Page(tmp_path / "html" / "notebooks" / "w.html")
    assert page.classes.count("widget-still") == 1
    assert "Python kernel" in page.text and "launch this lesson on Binder" in page.text
    assert "n 3" in page.text  # the slider's setting
    assert "<b>three points</b>" in page.text and "drawn with n = 3" in page.text
    stills = [img for img in page.images if img.get("alt", "").startswith("Still of the widget")]
    assert len(stills) == 1 and "150px" in stills[0].get("style", "")
    assert (page.path.parent / stills[0]["src"]).is_file()
    assert WIDGET_VIEW not in page.text
    alts = [img.get("alt") for img in page.images if "_images/" in img.get("src", "")][-2:]
    assert alts == ["Figure: three points. Horizontal axis: step. Legend: measured.",
                    "Three points on a rising line."]
