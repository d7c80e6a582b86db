"""Every lesson in JupyterLab: Run All shows no error and the committed outputs, and its widgets and animations work.

This is where each lesson runs in ``make test``, once: each is opened and run with Run All
(:class:`AfterRunAll`), then saved from JupyterLab and compared with the committed one by
nbval's rules (``tests/outputs.py``), so no second run under nbval is needed; the tests of
the interactive parts below use the same page. (The solutions run once, graded with the
class, and are compared there: ``tests/test_exercises.py``; they hold no animation and
nothing else that only a browser shows.)

The notebooks are found when the tests are collected, so a new lesson is
tested as soon as its file exists. A cell tagged ``raises-exception`` may
show an error (it demonstrates one); any other error output, including a
warning printed to stderr, fails the test.

Lesson 00 is opened at the address ``make lab`` printed, as a learner opens
it. Every animation a lesson shows must have its first frame drawn at its
own size once scrolled to (the cells ran while out of view), in a window as
wide as a desktop's and as a phone's, with its buttons inside the output.

What a learner does with the interactive parts, with mouse and keyboard, after Run All:

- The stride explorer (``convlab.widgets.stride_explorer``): a slider moved
  with the keyboard and one dragged with the mouse change the readout, the
  output-shape text (checked against :func:`convlab.output_shape`) and the
  picture; its play button walks the window across the input.
- The window animation (``convlab.viz.play``): pressing Play advances the frame.
- The window animation run again while out of view shows its first frame
  when scrolled to.

The explorer and the animation are tested in every lesson that shows them;
while no lesson does, in a small notebook that makes them the same way.
"""

import json
import re

import nbformat
import pytest

from .labdriver import ROOT, NotebookPage
from outputs import differences

import convlab

pytestmark = pytest.mark.long(195)  # seconds on two cores

NOTEBOOKS = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "notebooks").glob("*.ipynb"))
FIRST_LESSON = "notebooks/00_start_here.ipynb"  # what make lab opens
PHONE = 390  # CSS pixels: the width of a phone held upright


class AfterRunAll:
    """Lessons opened in JupyterLab and run with Run All, once each in this file; later tests read the same page.

    Lesson 00 is opened at the address ``make lab`` prints, as on first use; the others in the
    same JupyterLab, as a learner opens the next lesson (File > Open from Path…), so JupyterLab
    is loaded once. A lesson no later test needs (:data:`INTERACTIVE`) is closed once its own
    test is done, with its kernel; the others' tabs stay, and are brought to the front again.
    """

    def __init__(self, lab, chromium):
        self.lab, self.chromium, self.pages, self.browser_page = lab, chromium, {}, None

    def page(self, path):
        if path in self.pages:
            return self.pages[path].activate()
        url = None
        if path == FIRST_LESSON:
            self.lab.forget_layout()  # as on first use
            url = self.lab.printed_url
        here = self.browser_page is not None and url is None
        if not here:
            if self.browser_page is not None:
                self.browser_page.close()
            self.browser_page = self.chromium.new_page()
        nb = NotebookPage(self.lab, self.browser_page, path).open(url=url, here=here)
        nb.run_all()
        self.pages[path] = nb
        return nb

    def done_with(self, path):
        if path not in INTERACTIVE and path in self.pages:
            self.pages.pop(path).close(keep_page=True)

    def close(self):
        for nb in self.pages.values():  # the interaction tests changed them: no saving, the page goes
            nb.shut_down()
        if self.browser_page is not None:
            self.browser_page.close()


@pytest.fixture(scope="module")
def after_run_all(lab, chromium):
    pages = AfterRunAll(lab, chromium)
    yield pages
    pages.close()


KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
SCRATCH_CELLS = {
    "stride_explorer(": ["from convlab.widgets import stride_explorer\nstride_explorer()"],
    "play(": ["import numpy as np\nfrom convlab.viz import play\nplay(np.arange(16).reshape(4, 4), np.ones((2, 2)))"],
}


def _lessons_using(call):
    """Lessons (paths relative to the course) with a code cell that makes ``call``."""
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        called = re.compile(r"(?<!\w)" + re.escape(call))  # play( or viz.play(, not display(
        if any(c["cell_type"] == "code" and called.search("".join(c["source"])) for c in cells):
            found.append(str(path.relative_to(ROOT)))
    return found or [f"scratch:{call}"]


def _open(lab, after_run_all, open_notebook, target):
    """The lesson as Run All left it, or the scratch notebook for ``scratch:CALL`` written, opened and run."""
    if not target.startswith("scratch:"):
        return after_run_all.page(target)
    cells = [nbformat.v4.new_code_cell(src) for src in SCRATCH_CELLS[target.removeprefix("scratch:")]]
    name = "scratch_" + re.sub(r"\W", "", target) + ".ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": KERNEL}), lab.root / name)
    nb = open_notebook(name)
    nb.run_all()
    return nb


def _name(target):
    return re.sub(r"\W+", "_", target.removesuffix(".ipynb")).strip("_")


#: Lessons whose page the interaction tests use after Run All: it stays open until they are done.
INTERACTIVE = set(_lessons_using("stride_explorer(") + _lessons_using("play("))


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _animation_problems(nb, name):
    """Every animation scrolled to at desktop and at phone width, with what is wrong with it."""
    found = []
    if not nb.notebook.locator(".animation").count():
        return found
    for width in (None, PHONE):
        size = nb.at_width(width) if width else None
        try:
            for number, report in enumerate(nb.animation_reports(f"{name}-{width or 'desktop'}")):
                where = f"animation {number} at {width or 'desktop'} width (see {report['shot']})"
                if not report["drawn"]:
                    found.append(f"{where}: its first frame is not drawn at its size: {report}")
                if not report["fits"]:
                    found.append(f"{where}: its buttons do not fit in the output: {report}")
        finally:
            if size:
                nb.page.set_viewport_size(size)
    return found


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_run_all_shows_no_error_and_the_committed_outputs(after_run_all, path):
    nb = after_run_all.page(path)
    if path == FIRST_LESSON:
        current = nb.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").inner_text()
        assert current.strip() == "00_start_here.ipynb", f"make lab's address opened {current!r}"
    name = path.replace("/", "__").removesuffix(".ipynb")
    shot = nb.screenshot(name)
    print(f"screenshot: {shot}")
    problems = nb.problems(_cells(ROOT / path)) + _animation_problems(nb, name)
    console = "".join(f"\n  browser console: {line}" for line in nb.console_errors)
    assert not problems, f"{path} after Run All (see {shot}):\n" + "\n".join(problems) + console
    found = differences(nbformat.read(ROOT / path, as_version=4), nb.save())
    assert not found, f"{path}, saved after Run All, does not show its committed outputs:\n" + "\n".join(found)
    after_run_all.done_with(path)


def test_run_all_check_sees_errors(lab, after_run_all):
    """The check above can fail: errors, stderr, cells left unrun and requests to elsewhere are all reported.

    Its notebook opens in the JupyterLab the lessons were run in, as the next lesson does.
    """
    v4 = nbformat.v4
    cells = [
        v4.new_code_cell("from IPython.display import HTML\n"
                         "HTML('<link rel=\"stylesheet\" href=\"https://fonts.example.invalid/icons.css\">')"),
        v4.new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),  # allowed: tagged
        v4.new_code_cell("import sys; print('careful', file=sys.stderr)"),
        v4.new_code_cell("raise ValueError('deliberate')"),
        v4.new_code_cell("print('never reached')"),
        v4.new_code_cell(""),  # JupyterLab does not run an empty cell; that is no problem
    ]
    path = lab.root / "run_all_check.ipynb"
    kernel = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(v4.new_notebook(cells=cells, metadata={"kernelspec": kernel}), path)

    nb = after_run_all.page(path.name)
    problems = nb.problems(_cells(path))
    assert len(problems) == 4, problems
    assert problems[0] == "a request left the machine: https://fonts.example.invalid/icons.css"
    assert problems[1].startswith("cell 2 shows an error:") and "careful" in problems[1]
    assert problems[2].startswith("cell 3 shows an error:") and "ValueError: deliberate" in problems[2]
    assert problems[3] == "cell 4 did not run (prompt '[ ]:')"
    nb.save()  # closed as a saved lesson is: JupyterLab asks before closing an unsaved one
    after_run_all.done_with(path.name)


# -- the stride explorer -----------------------------------------------------------------------


class Explorer:
    """The first stride explorer on the page, read the way a learner reads it."""

    def __init__(self, page):
        self.page = page
        label = page.locator(".widget-label", has_text="stride (rows)")
        self.root = page.locator(".jp-OutputArea-output").filter(has=label).first
        self.root.wait_for()
        self.picture = self.root.locator(".widget-image img, img.widget-image").first
        self.shape_text = self.root.locator(".widget-html").filter(has_text="output shape").first

    def slider(self, label):
        return self.root.locator(".widget-hslider").filter(
            has=self.page.locator(".widget-label", has_text=re.compile(rf"^{re.escape(label)}$"))).first

    def value(self, label):
        return int(self.slider(label).locator(".widget-readout").text_content())

    def state(self):
        """Everything a slider can change: readouts, the shape text, the picture."""
        labels = ["stride (rows)", "stride (cols)", "kernel height", "kernel width", "padding", "dilation", "window"]
        return {
            "values": {label: self.value(label) for label in labels},
            "text": self.shape_text.text_content(),
            "src": self.picture.get_attribute("src"),
            "pixels": self.picture.screenshot(),
        }

    def check_shape_text(self):
        """The text states the output shape convlab.output_shape computes for the sliders' values."""
        text = self.shape_text.text_content()
        shown = re.search(r"output shape \((\d+), (\d+)\) from input \((\d+), (\d+)\)", text)
        assert shown, f"no output shape in {text!r}"
        ho, wo, h, w = map(int, shown.groups())
        v = {label: self.value(label) for label in
             ("stride (rows)", "stride (cols)", "kernel height", "kernel width", "padding", "dilation")}
        expected = convlab.output_shape((h, w), (v["kernel height"], v["kernel width"]),
                                        stride=(v["stride (rows)"], v["stride (cols)"]),
                                        padding=v["padding"], dilation=v["dilation"])
        assert (ho, wo) == expected, f"explorer says {(ho, wo)} for {v}, output_shape gives {expected}"

    def wait_for_change(self, before, label, timeout=30):
        """Wait until the slider ``label``, the text and the picture all differ from ``before``."""
        from playwright.sync_api import expect

        readout = self.slider(label).locator(".widget-readout")
        expect(readout).not_to_have_text(str(before["values"][label]), timeout=timeout * 1000)
        if label != "window":
            expect(self.shape_text).not_to_have_text(before["text"], timeout=timeout * 1000)
        expect(self.picture).not_to_have_attribute("src", before["src"], timeout=timeout * 1000)
        self.page.wait_for_timeout(300)  # the new image decodes
        after = self.state()
        assert after["pixels"] != before["pixels"], f"moving {label!r} left the picture unchanged"
        return after


@pytest.mark.parametrize("target", _lessons_using("stride_explorer("))
def test_stride_explorer_sliders_by_keyboard_and_mouse(lab, after_run_all, open_notebook, target):
    nb = _open(lab, after_run_all, open_notebook, target)
    page = nb.page
    ex = Explorer(page)
    ex.root.scroll_into_view_if_needed()
    ex.check_shape_text()
    nb.shoot(ex.root, f"explorer-{_name(target)}-0-start")

    # Keyboard: focus the stride (rows) handle and press an arrow key, one step.
    before = ex.state()
    handle = ex.slider("stride (rows)").locator("[role=slider]")
    at_max = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
    handle.focus()
    page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    after = ex.wait_for_change(before, "stride (rows)")
    step = -1 if at_max else 1
    assert after["values"]["stride (rows)"] == before["values"]["stride (rows)"] + step
    ex.check_shape_text()
    nb.shoot(ex.root, f"explorer-{_name(target)}-1-keyboard")

    # Mouse: drag the stride (cols) handle to the far end of its track.
    before = after
    slider = ex.slider("stride (cols)")
    handle, track = slider.locator("[role=slider]"), slider.locator(".noUi-base")
    at_max = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
    h, t = handle.bounding_box(), track.bounding_box()
    y = h["y"] + h["height"] / 2
    page.mouse.move(h["x"] + h["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(t["x"] if at_max else t["x"] + t["width"], y, steps=12)
    page.mouse.up()
    after = ex.wait_for_change(before, "stride (cols)")
    moved = after["values"]["stride (cols)"] - before["values"]["stride (cols)"]
    assert (moved < 0) if at_max else (moved > 0), f"dragging moved stride (cols) by {moved}"
    ex.check_shape_text()
    nb.shoot(ex.root, f"explorer-{_name(target)}-2-dragged")

    # The play button walks the window over the input, one output cell after another.
    before = after
    ex.root.locator(".widget-play button").filter(has=page.locator("i.fa-play")).first.click()
    after = ex.wait_for_change(before, "window")
    assert after["values"]["window"] > before["values"]["window"]
    pause = ex.root.locator(".widget-play button").filter(has=page.locator("i.fa-pause")).first
    if pause.is_visible():  # unless the window already reached the last place and play stopped by itself
        pause.click()
    assert not nb.page_errors, nb.page_errors


# -- the window animation ----------------------------------------------------------------------


@pytest.mark.parametrize("target", _lessons_using("play("))
def test_animation_play_advances_the_frame(lab, after_run_all, open_notebook, target):
    from playwright.sync_api import expect

    nb = _open(lab, after_run_all, open_notebook, target)
    player = nb.notebook.locator(".jp-OutputArea-output").filter(has=nb.page.locator(".animation")).first
    player.scroll_into_view_if_needed()
    frame = player.locator("input.anim-slider")
    image = player.locator(".animation img").first
    first_src = image.get_attribute("src")
    assert frame.input_value() == "0" and first_src.startswith("data:image/png")
    nb.shoot(player, f"animation-{_name(target)}-0")

    player.get_by_role("button", name="Play", exact=True).click()
    expect(frame).not_to_have_value("0", timeout=15_000)
    player.get_by_role("button", name="Pause", exact=True).click()
    assert int(frame.input_value()) > 0
    assert image.get_attribute("src") != first_src, "the frame number moved but the picture did not"
    nb.shoot(player, f"animation-{_name(target)}-1")

    # Run the cell again while it is out of view: its new player shows its first frame when scrolled to.
    cell = nb.cells.filter(has=nb.page.locator(".animation")).first
    cell.locator(".jp-InputArea-prompt").click()  # select the cell (command mode)
    nb.page.keyboard.press("Control+Enter")  # run it, and at once scroll to the end while it runs
    scroller = nb.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer").first
    scroller.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    nb.wait_until_idle()
    out_of_view = cell.evaluate("(el, panel) => el.getBoundingClientRect().bottom < panel.getBoundingClientRect().top",
                                scroller.element_handle())
    assert out_of_view, "the cell was on screen when its output came"
    reports = nb.animation_reports(f"animation-{_name(target)}-rerun")
    assert reports and all(r["drawn"] and r["fits"] for r in reports), reports
    assert not nb.page_errors, nb.page_errors
