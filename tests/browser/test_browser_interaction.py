"""What a learner does with the interactive parts, done in JupyterLab with mouse and keyboard.

- The stride explorer (``convlab.widgets.stride_explorer``): a slider moved
  with the keyboard and one dragged with the mouse change the readout, the
  output-shape text (checked against :func:`convlab.output_shape`) and the
  picture; its play button walks the window across the input.
- The window animation (``convlab.viz.play``): pressing Play advances the frame.
- The window animation run again while out of view shows its first frame
  when scrolled to.
- An exercise: typing a correct solution into a stub cell and running it
  and its check shows full marks, where the untouched stub showed none; the
  learner saves it and grades it with the command lesson 00 gives, in
  JupyterLab's Terminal, which reports the same points; and the website's
  exercise pages, built from that course with the work saved in it, build and
  show the exercise, not the learner's answer.

The explorer and the animation are tested in every lesson that shows them;
while no lesson does yet, in a small notebook that makes them the same way.
"""

import html as html_module
import json
import re
import subprocess
import sys
import time

import nbformat
import pytest

from .labdriver import ROOT, SCREENSHOTS, Terminal

import convlab

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


def _open(lab, open_notebook, target):
    """Open a lesson, or write and open the scratch notebook for ``scratch:CALL``; then Run All."""
    if target.startswith("scratch:"):
        cells = [nbformat.v4.new_code_cell(src) for src in SCRATCH_CELLS[target.removeprefix("scratch:")]]
        name = "scratch_" + re.sub(r"\W", "", target) + ".ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": KERNEL}), lab.root / name)
        target = name
    nb = open_notebook(target)
    nb.run_all()
    return nb


def _name(target):
    return re.sub(r"\W+", "_", target.removesuffix(".ipynb")).strip("_")


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
def test_stride_explorer_sliders_by_keyboard_and_mouse(lab, open_notebook, target):
    nb = _open(lab, open_notebook, target)
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
    ex.root.locator(".widget-play button").filter(has=page.locator("i.fa-pause")).first.click()
    assert not nb.page_errors, nb.page_errors


# -- the window animation ----------------------------------------------------------------------


@pytest.mark.parametrize("target", _lessons_using("play("))
def test_animation_play_advances_the_frame(lab, open_notebook, target):
    from playwright.sync_api import expect

    nb = _open(lab, open_notebook, target)
    player = nb.page.locator(".jp-OutputArea-output").filter(has=nb.page.locator(".animation")).first
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


# -- an exercise -------------------------------------------------------------------------------

EXERCISE, TASK = "01_loops", "conv2d_loops"


def _solution_code(task):
    """The solution of ``task`` as a learner would type it: the solution cell without its markers."""
    cells = nbformat.read(ROOT / "solutions" / f"{EXERCISE}.ipynb", as_version=4).cells
    source = next(c.source for c in cells if c.cell_type == "code" and f"def {task}(" in c.source)
    return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


def _type_code(page, code):
    """Type ``code`` line by line; each new line's automatic indentation is replaced by the code's own."""
    for number, line in enumerate(code.splitlines()):
        if number:
            page.keyboard.press("Enter")
            page.keyboard.press("Shift+Home")  # select the editor's indentation, if any
            page.keyboard.press("Delete")
        page.keyboard.type(line)


def _score(cell):
    cell.scroll_into_view_if_needed()  # a cell out of view is not drawn, and has no text to read
    text = cell.locator(".jp-OutputArea-output").last.inner_text()
    found = re.search(r"(\d+)/(\d+) points", text)
    assert found, f"no score in the check's output: {text!r}"
    return int(found[1]), int(found[2]), text


#: What a learner might type first: a shortcut the task's rule forbids, then a flipped kernel.
SHORTCUT = "def conv2d_loops(x, k):\n    return convlab.conv2d(x, k)"
FLIPPED = (
    "def conv2d_loops(x, k):\n"
    "    R, S = k.shape\n"
    "    out = np.zeros((x.shape[0] - R + 1, x.shape[1] - S + 1), dtype=np.result_type(x, k))\n"
    "    for i in range(out.shape[0]):\n"
    "        for j in range(out.shape[1]):\n"
    "            out[i, j] = np.sum(x[i:i + R, j:j + S] * k[::-1, ::-1])\n"
    "    return out"
)


def _answer(nb, stub, check_cell, code, name):
    """Type ``code`` into the stub cell, run it and its check; return the check's score and text."""
    editor = nb.cells.nth(stub).locator(".cm-content")
    editor.click()
    nb.page.keyboard.press("Control+a")
    _type_code(nb.page, code)
    typed = editor.evaluate("el => [...el.querySelectorAll('.cm-line')].map(l => l.textContent).join('\\n')")
    assert typed == code, f"the editor holds\n{typed}\nnot\n{code}"
    nb.page.keyboard.press("Shift+Enter")  # run the answer; the check cell is selected next
    nb.page.keyboard.press("Shift+Enter")  # run the check
    nb.wait_until_idle()
    check = nb.cells.nth(check_cell)
    nb.shoot(check, f"exercise-{EXERCISE}-{TASK}-{name}")
    return _score(check)


def test_exercise_feedback_for_a_broken_rule_a_wrong_answer_and_a_right_one(open_notebook):
    path = ROOT / "exercises" / f"{EXERCISE}.ipynb"
    if not path.exists() or not (ROOT / "solutions" / path.name).exists():
        pytest.skip(f"exercises/{path.name} and its solutions notebook are not there yet")
    cells = nbformat.read(path, as_version=4).cells
    stub = next(i for i, c in enumerate(cells) if f"def {TASK}(" in c.source and "YOUR CODE HERE" in c.source)
    check_cell = stub + 1
    assert f'check("{TASK}"' in cells[check_cell].source

    nb = open_notebook(f"exercises/{path.name}")
    nb.run_all()
    points, max_points, text = _score(nb.cells.nth(check_cell))
    assert points == 0 and "not attempted" in text, text

    points, _, text = _answer(nb, stub, check_cell, SHORTCUT, "shortcut")
    assert points == 0 and "breaks the rule of this task: it uses convlab.conv2d" in text, text
    assert "Rule: Write the loops yourself" in text, text

    points, _, text = _answer(nb, stub, check_cell, FLIPPED, "flipped")
    assert points == 0 and "wrong values" in text and "turned by 180°" in text, text

    points, max_points, text = _answer(nb, stub, check_cell, _solution_code(TASK), "right")
    assert points == max_points > 0 and "✗" not in text, text
    assert "the grader tries new ones" in text, text
    assert not nb.page_errors, nb.page_errors

    # Save, and grade in JupyterLab's Terminal with the command lesson 00 gives.
    notebook_file = nb.lab.root / "exercises" / path.name
    nb.page.keyboard.press("Control+s")
    answer_line = "total += x[i + r, j + s] * k[r, s]"  # a line of the answer typed above
    _wait_for_file(notebook_file, answer_line)
    terminal = Terminal(nb)
    command = _documented_grade_command().replace("00_start_here", EXERCISE)
    report = terminal.run(command, r"^\d+ passed, \d+ failed", "grade report")
    nb.shoot(terminal.widget, f"exercise-{EXERCISE}-graded-in-the-terminal")
    graded = re.search(rf"^\s*{TASK}\s+(\d+)/(\d+)\s+passed$", report, re.M)
    assert graded and int(graded[1]) == int(graded[2]) == max_points, report

    # The website, built from this course with the learner's work saved in it: its exercise pages
    # (the lessons, which take a minute to run, are left out) build, and show the exercise as
    # every learner gets it, never this learner's answer.
    html = _build_exercise_pages(nb.lab.root, nb.lab.scratch / "site")
    page = (html / "exercises" / path.with_suffix(".html").name).read_text()
    page = html_module.unescape(re.sub(r"<[^>]+>", "", page))  # the text a reader sees
    assert "raise NotImplementedError()" in page
    assert answer_line not in page, "the learner's answer is on the website"


def _documented_grade_command():
    """The grade command lesson 00 tells learners to type in JupyterLab's Terminal."""
    cells = nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4).cells
    commands = [line.strip() for cell in cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.strip().startswith("python -m convlab grade ")]
    assert len(commands) == 1, commands
    return commands[0]


def _wait_for_file(path, text, timeout=30):
    """Wait until JupyterLab has saved ``path`` with ``text`` in it."""
    deadline = time.monotonic() + timeout
    while text not in path.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, f"{path} was not saved with {text!r} in it"
        time.sleep(0.25)


def _build_exercise_pages(course, dest):
    """Build the website of ``course`` with its start page and exercise pages only; return its html folder."""
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-c", "docs", "-E", "-W", "--keep-going", "-q",
         "-D", "include_patterns=README.md,exercises/*.ipynb", ".", str(dest / "html")],
        cwd=course, capture_output=True, text=True, timeout=300,
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "exercise-site-build.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"the site did not build:\n{result.stderr[-3000:]}"
    return dest / "html"
