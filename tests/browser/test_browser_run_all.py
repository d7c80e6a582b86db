"""Every lesson runs cleanly in JupyterLab when a learner clicks Run All, and shows its committed outputs.

This is where each lesson runs in ``make test``: once Run All is done, the notebook is saved
from JupyterLab and compared with the committed one by nbval's rules (``tests/outputs.py``),
so no second run under nbval is needed. (The solutions run once, graded with the class,
and are compared there: ``tests/test_exercises.py``; they hold no animation and nothing
else that only a browser shows.)

The notebooks are found when the tests are collected, so a new lesson is
tested as soon as its file exists. A cell tagged ``raises-exception`` may
show an error (it demonstrates one); any other error output, including a
warning printed to stderr, fails the test.

Lesson 00 is opened at the address ``make lab`` printed, as a learner opens
it. Every animation a lesson shows must have its first frame drawn at its
own size once scrolled to (the cells ran while out of view), in a window as
wide as a desktop's and as a phone's, with its buttons inside the output.
"""

import json

import nbformat
import pytest

from .labdriver import ROOT
from outputs import differences

NOTEBOOKS = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "notebooks").glob("*.ipynb"))
FIRST_LESSON = "notebooks/00_start_here.ipynb"  # what make lab opens
PHONE = 390  # CSS pixels: the width of a phone held upright


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
def test_run_all_shows_no_error_and_the_committed_outputs(lab, open_notebook, path):
    if path == FIRST_LESSON:
        lab.forget_layout()  # as on first use
        nb = open_notebook(path, url=lab.printed_url)
        current = nb.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").inner_text()
        assert current.strip() == "00_start_here.ipynb", f"make lab's address opened {current!r}"
    else:
        nb = open_notebook(path)
    nb.run_all()
    name = path.replace("/", "__").removesuffix(".ipynb")
    shot = nb.screenshot(name)
    print(f"screenshot: {shot}")
    problems = nb.problems(_cells(ROOT / path)) + _animation_problems(nb, name)
    console = "".join(f"\n  browser console: {line}" for line in nb.console_errors)
    assert not problems, f"{path} after Run All (see {shot}):\n" + "\n".join(problems) + console
    found = differences(nbformat.read(ROOT / path, as_version=4), nb.save())
    assert not found, f"{path}, saved after Run All, does not show its committed outputs:\n" + "\n".join(found)


def test_run_all_check_sees_errors(lab, open_notebook):
    """The check above can fail: errors, stderr, cells left unrun and requests to elsewhere are all reported."""
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

    nb = open_notebook(path.name)
    nb.run_all()
    problems = nb.problems(_cells(path))
    assert len(problems) == 4, problems
    assert problems[0] == "a request left the machine: https://fonts.example.invalid/icons.css"
    assert problems[1].startswith("cell 2 shows an error:") and "careful" in problems[1]
    assert problems[2].startswith("cell 3 shows an error:") and "ValueError: deliberate" in problems[2]
    assert problems[3] == "cell 4 did not run (prompt '[ ]:')"
