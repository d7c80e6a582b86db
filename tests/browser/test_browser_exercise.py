"""An exercise in JupyterLab, done as a learner does it, with mouse and keyboard.

Typing a shortcut the rule forbids into a stub cell and running it and its check shows what is
wrong, where the untouched stub showed no points; pasting a flipped kernel shows what is wrong,
and pasting a correct solution shows full marks; the learner saves it and grades it with the
command lesson 00 gives, in JupyterLab's Terminal, which reports the same points; and the
website's page of that exercise, built from that course with the work saved in it, builds and
shows the exercise, not the learner's answer.
"""

import html as html_module
import re
import subprocess
import sys
import time

import nbformat
import pytest

from .labdriver import ROOT, SCREENSHOTS, Terminal

pytestmark = pytest.mark.long(35)  # seconds on two cores

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


def _answer(nb, stub, check_cell, code, name, paste=False):
    """Type ``code`` into the stub cell (or paste it, as a learner pastes a longer answer), run it and
    its check; return the check's score and text."""
    editor = nb.cells.nth(stub).locator(".cm-content")
    editor.click()
    nb.page.keyboard.press("Control+a")
    if paste:
        nb.page.keyboard.insert_text(code)
    else:
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

    points, _, text = _answer(nb, stub, check_cell, FLIPPED, "flipped", paste=True)
    assert points == 0 and "wrong values" in text and "turned by 180°" in text, text

    points, max_points, text = _answer(nb, stub, check_cell, _solution_code(TASK), "right", paste=True)
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

    # The website, built from this course with the learner's work saved in it: the page of this
    # exercise (the only notebook the learner changed; the lessons, which take a minute to run,
    # are left out) builds, and shows the exercise as every learner gets it, never this
    # learner's answer.
    html = _build_exercise_page(nb.lab.root, f"exercises/{path.name}", nb.lab.scratch / "site")
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


def _build_exercise_page(course, exercise, dest):
    """Build the website of ``course`` with its start page and one exercise's page only; return its html folder."""
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-c", "docs", "-E", "-W", "--keep-going", "-q",
         "-D", f"include_patterns=README.md,{exercise}", ".", str(dest / "html")],
        cwd=course, capture_output=True, text=True, timeout=300,
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "exercise-site-build.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"the site did not build:\n{result.stderr[-3000:]}"
    return dest / "html"
