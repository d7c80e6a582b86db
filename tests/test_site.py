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
        page = pages[page_of(source)]
        if (ROOT / "notebooks" / name).exists():
            lesson = f"../notebooks/{Path(name).with_suffix('.html')}"
            assert lesson in page.links, source
            # by the lesson's title, as in the sidebar, not by its file name
            title = pages[page_of(f"notebooks/{name}")].title
            assert re.search(rf'<a [^>]*href="{re.escape(lesson)}"[^>]*>.*?{re.escape(title)}', page.text), source
        if (ROOT / "solutions" / name).exists():
            assert any(link.endswith(f"/solutions/{name}") and is_remote(link) for link in page.links), source
        # the page opens with its title: the generator's note on where the file comes from is for the file
        article = page.text[page.text.index('<article'):]
        assert article.index("<h1") < article.index("<p"), f"{source}: something above its title"
        assert "Course maintainers" not in page.text, source
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
    for name, page in pages.items():
        # a formula MyST did not take for display math is left between literal dollar signs
        prose = re.sub(r"<(pre|code)\b.*?</\1>", "", page.text, flags=re.S)
        assert "$$" not in prose and not re.search(r"\$\s*<math|</math>\s*\$", prose), f"{name}: dollar signs left"


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


CHECK = 'from convlab.grading import check\ncheck("output_sizes")'

SOLUTION = "def twice(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
LEARNERS_ANSWER = "def twice(x):\n    return x + x  # the learner's own answer"


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    """A small project built with the site's configuration: a lesson with any widget, two plain
    figures (one with alt text of its own) and a check; an exercise a learner has worked in and
    saved, with its solutions notebook; and a learner's copy of the exercise.

    The site's mechanisms are not tied to the course's own notebooks."""
    import nbformat

    v4 = nbformat.v4
    tmp_path = tmp_path_factory.mktemp("small-site")
    project = tmp_path / "project"
    shutil.copytree(ROOT / "docs", project / "docs", ignore=shutil.ignore_patterns("*.gif", "*.md", "__pycache__"))
    (project / "README.md").write_text("# A course\n\nSee [the lesson](notebooks/w.ipynb) and "
                                       "[its exercises](exercises/w.ipynb).\n")
    own_alt = v4.new_code_cell(FIGURE)
    own_alt.metadata["mystnb"] = {"image": {"alt": "Three points on a rising line."}}
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}

    def notebook(folder, title, *cells):
        nb = v4.new_notebook(cells=[v4.new_markdown_cell(f"# {title}"), *cells], metadata={"kernelspec": kernel})
        (project / folder).mkdir(exist_ok=True)
        nbformat.write(nb, project / folder / "w.ipynb")
        return nb

    notebook("notebooks", "A widget", v4.new_code_cell(WIDGET_NOTEBOOK), v4.new_code_cell(FIGURE), own_alt,
             v4.new_code_cell(CHECK))
    notebook("solutions", "Exercises", v4.new_code_cell(SOLUTION))
    # what JupyterLab saves after a learner answered and ran a check: the answer, the check's record
    saved = nbformat.read(project / "solutions" / "w.ipynb", as_version=4)
    saved.cells[1].source = LEARNERS_ANSWER
    record = {"text/plain": "twice: 3/3 points", "text/html": "<b>3/3 points</b>",
              "application/vnd.convlab.check+json": {"task": "twice", "points": 3}}
    saved.cells.append(v4.new_code_cell('check("twice")', outputs=[v4.new_output("display_data", data=record)]))
    (project / "exercises").mkdir()
    nbformat.write(saved, project / "exercises" / "w.ipynb")
    nbformat.write(saved, project / "exercises" / "w-Copy1.ipynb")  # JupyterLab's Duplicate

    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-c", "docs", "-E", "-W", "-q",
                             ".", str(tmp_path / "html")], cwd=project, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    return tmp_path / "html"


def test_any_widget_becomes_a_still_and_any_figure_gets_alt_text(small_site):
    page = Page(small_site / "notebooks" / "w.html")
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
    # a check shows as its HTML; its record, data for the grader, is dropped on purpose
    assert "output_sizes is not defined yet" in page.text
    assert "vnd.convlab.check" not in page.text and "max_points" not in page.text


def test_a_learners_saved_exercise_is_never_published(small_site):
    """The exercise page is made from the solutions notebook: the learner's answer, outputs and
    copy stay on the learner's computer, and do not break the build."""
    page = Page(small_site / "exercises" / "w.html")
    assert "NotImplementedError" in page.text and "YOUR CODE HERE" in page.text
    assert "learner" not in page.text and "3/3 points" not in page.text
    assert "return 2" not in page.text  # nor the solution
    assert not (small_site / "exercises" / "w-Copy1.html").exists()
