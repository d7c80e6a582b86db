"""Every lesson and every solution runs cleanly in JupyterLab when a learner clicks Run All.

The notebooks are found when the tests are collected, so a new lesson is
tested as soon as its file exists. A cell tagged ``raises-exception`` may
show an error (it demonstrates one); any other error output, including a
warning printed to stderr, fails the test.
"""

import json

import nbformat
import pytest

from .labdriver import ROOT

NOTEBOOKS = sorted(
    str(path.relative_to(ROOT)) for folder in ("notebooks", "solutions") for path in (ROOT / folder).glob("*.ipynb")
)


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_run_all_shows_no_error(open_notebook, path):
    nb = open_notebook(path)
    nb.run_all()
    shot = nb.screenshot(path.replace("/", "__").removesuffix(".ipynb"))
    print(f"screenshot: {shot}")
    problems = nb.problems(_cells(ROOT / path))
    console = "".join(f"\n  browser console: {line}" for line in nb.console_errors)
    assert not problems, f"{path} after Run All (see {shot}):\n" + "\n".join(problems) + console


def test_run_all_check_sees_errors(lab, open_notebook):
    """The check above can fail: errors, stderr and cells left unrun are all reported."""
    v4 = nbformat.v4
    cells = [
        v4.new_code_cell("print('fine')"),
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
    assert len(problems) == 3, problems
    assert problems[0].startswith("cell 2 shows an error:") and "careful" in problems[0]
    assert problems[1].startswith("cell 3 shows an error:") and "ValueError: deliberate" in problems[1]
    assert problems[2] == "cell 4 did not run (prompt '[ ]:')"
