"""The command-line grader: solutions score full marks, broken submissions never break it.

Each graded notebook starts a kernel (a second or two), so the notebooks are
graded in a few batches, two at a time, and the tests share the results.
Hostile submissions (forged records, shortcuts, patched NumPy) are in
``tests/test_grading_trust.py``.
"""

import copy
import csv
import hashlib
import json
import subprocess
import sys
from argparse import Namespace
from io import StringIO
from pathlib import Path

import nbformat
import pytest

from convlab.grading import EXERCISES, RECORD_MIME, TASKS
from convlab.grading.grader import (
    EXIT_GRADED,
    EXIT_POINTS_LOST,
    EXIT_UNGRADABLE,
    Limits,
    NotebookGrade,
    TaskGrade,
    exit_status,
    grade,
    main,
)
from convlab.grading.reports import progress_bar, text_report

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def solution_grades():
    before = {path: digest(path) for path in SOLUTIONS}
    grades = grade(SOLUTIONS, jobs=2, keep=True)
    assert {path: digest(path) for path in SOLUTIONS} == before
    return grades


def test_every_solution_scores_full_marks(solution_grades):
    for g in solution_grades:
        assert g.graded, g.error
        assert g.exercise == Path(g.path).stem
        assert [t.task for t in g.tasks] == EXERCISES[g.exercise]
        assert g.points == g.max_points == sum(TASKS[name].max_points for name in EXERCISES[g.exercise])
        assert all(t.status == "passed" for t in g.tasks), text_report([g])
        assert g.cell_errors == []
        assert g.flags == [], g.flags  # honest work raises no flag


def test_each_check_reports_once(solution_grades):
    """check() displays its result at once; as the cell's last value it must not show again."""
    for g in solution_grades:
        for cell in g.executed.cells:
            if cell.cell_type == "code" and cell.source.startswith("check("):
                records = [o for o in cell.outputs if RECORD_MIME in o.get("data", {})]
                assert len(records) == 1, (g.path, cell.source)
                assert set(records[0].data) == {"text/plain", "text/html", RECORD_MIME}


# --- broken submissions ---------------------------------------------------------------------------


def _cell(nb, text):
    return next(cell for cell in nb.cells if cell.cell_type == "code" and text in cell.source)


def _variants():
    """Submissions of 01_loops, each broken in one way."""
    source = nbformat.read(ROOT / "solutions" / "01_loops.ipynb", as_version=4)

    def syntax_error(nb):
        _cell(nb, "def conv2d_loops(").source = "def conv2d_loops(x, k)\n    return x"

    def loop_in_a_cell(nb):
        _cell(nb, "def convolve2d_loops(").source = "while True:\n    pass"

    def loop_in_a_function(nb):
        _cell(nb, "def convolve2d_loops(").source = "def convolve2d_loops(x, k):\n    while True:\n        pass"

    def kernel_dies(nb):
        _cell(nb, "def convolve2d_loops(").source = "import os\nos._exit(1)"

    def function_deleted(nb):
        nb.cells.remove(_cell(nb, "def conv2d_loops_channels("))

    def check_deleted(nb):
        nb.cells.remove(_cell(nb, 'check("count_multiplies")'))

    def renamed(nb):  # metadata lost: the file name tells the exercise
        del nb.metadata["convlab"]

    def stale_outputs(nb):  # a faked record in the stored outputs must not count
        cell = _cell(nb, "def conv2d_loops(")
        cell.source = "def conv2d_loops(x, k):\n    return None"
        fake = copy.deepcopy(_cell(nb, 'check("conv2d_loops")').outputs)
        cell.outputs = fake

    def memory_hog(nb):  # 3 GiB where the kernel may have 2: a MemoryError, not a swapping machine
        _cell(nb, "def convolve2d_loops(").source = "import numpy as np\nbig = np.ones(3 * 2**27)"

    def flood(nb):  # about 20 MB of output
        _cell(nb, "def convolve2d_loops(").source = "for i in range(200_000):\n    print('x' * 100)"

    for change in (syntax_error, loop_in_a_cell, loop_in_a_function, kernel_dies, function_deleted,
                   check_deleted, renamed, stale_outputs, memory_hog, flood):
        nb = copy.deepcopy(source)
        change(nb)
        name = change.__name__ + ("_01_loops" if change is renamed else "")
        yield name, nb


LIMITS = Limits(cell_timeout=5, call_timeout=2, memory_bytes=2 * 2**30)


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    paths = {}
    for name, nb in _variants():
        paths[name] = folder / f"{name}.ipynb"
        nbformat.write(nb, paths[name])
    paths["not_a_notebook"] = folder / "notes.ipynb"
    paths["not_a_notebook"].write_text("my notes, not a notebook")
    paths["binary"] = folder / "photo.ipynb"
    paths["binary"].write_bytes(bytes(range(256)))
    paths["missing"] = folder / "absent.ipynb"
    before = {name: digest(path) for name, path in paths.items() if path.exists()}
    grades = grade(list(paths.values()), limits=LIMITS, jobs=2, keep=True)
    after = {name: digest(path) for name, path in paths.items() if path.exists()}
    assert after == before, "the grader modified a submission"
    return dict(zip(paths, grades))


def scores(g):
    return {t.task: (t.points, t.status) for t in g.tasks}


def test_syntax_error(broken):
    g = broken["syntax_error"]
    assert g.graded
    assert scores(g)["conv2d_loops"] == (0, "not attempted")
    assert scores(g)["conv2d_loops_channels"] == (3, "passed")  # the rest is graded
    assert any("SyntaxError" in error for error in g.cell_errors)


def test_infinite_loop_in_a_cell(broken):
    g = broken["loop_in_a_cell"]
    assert g.graded
    assert scores(g)["convolve2d_loops"] == (0, "not attempted")
    assert scores(g)["count_multiplies"] == (3, "passed")  # cells after the loop still ran
    assert any("ran longer than" in error for error in g.cell_errors)


def test_infinite_loop_in_a_checked_function(broken):
    g = broken["loop_in_a_function"]
    assert g.graded
    task = next(t for t in g.tasks if t.task == "convolve2d_loops")
    assert (task.points, task.status, task.hint_id) == (0, "failed", "time-limit")
    assert task.first_failure.endswith("stopped after 2 s")
    assert scores(g)["count_multiplies"] == (3, "passed")


def test_a_kernel_that_dies_cannot_be_graded(broken):
    g = broken["kernel_dies"]
    assert not g.graded
    assert "kernel died while running cell" in g.error and "import os" in g.error


def test_deleted_function_and_deleted_check(broken):
    assert scores(broken["function_deleted"])["conv2d_loops_channels"] == (0, "not attempted")
    g = broken["check_deleted"]  # the grader asks for the function itself, checked in the notebook or not
    assert scores(g)["count_multiplies"] == (3, "passed")
    assert g.max_points == 12


def test_memory_is_capped(broken):
    g = broken["memory_hog"]
    assert g.graded and any("MemoryError" in error for error in g.cell_errors), g.cell_errors
    assert scores(g)["count_multiplies"] == (3, "passed")


def test_a_flood_of_output_is_cut(broken):
    g = broken["flood"]
    assert g.graded and scores(g)["count_multiplies"] == (3, "passed")
    kept = sum(len(json.dumps(cell.get("outputs", []))) for cell in g.executed.cells)
    assert kept < 3 * 2**20
    assert any("the grader cut the output here" in json.dumps(cell.get("outputs", [])) for cell in g.executed.cells)


def test_a_notebook_has_a_time_limit_of_its_own(tmp_path):
    nb = nbformat.v4.new_notebook(metadata={"convlab": {"exercise": "01_loops"}})
    nb.cells = [nbformat.v4.new_code_cell("import time\ntime.sleep(3)") for _ in range(3)]
    path = tmp_path / "slow.ipynb"
    nbformat.write(nb, path)
    (g,) = grade([path], limits=Limits(cell_timeout=60, notebook_timeout=5))
    assert not g.graded and g.error == "the notebook did not finish within 5 s"


def test_exercise_from_the_file_name(broken):
    g = broken["renamed_01_loops"]
    assert g.exercise == "01_loops" and g.points == g.max_points


def test_stored_outputs_never_count(broken):
    g = broken["stale_outputs"]
    task = next(t for t in g.tasks if t.task == "conv2d_loops")
    assert (task.points, task.status, task.hint_id) == (0, "failed", "returned-none")


def test_files_that_are_not_notebooks(broken):
    for name in ("not_a_notebook", "binary"):
        g = broken[name]
        assert not g.graded and g.error.startswith(("not a Jupyter notebook", "cannot read it")), g.error
    assert "cannot read it" in broken["missing"].error


# --- reports and exit status, without kernels ----------------------------------------------------


def fake(path, tasks, graded=True, error=None):
    return NotebookGrade(path, "01_loops" if graded else None, graded, [TaskGrade(*t) for t in tasks], error)


FULL = [("conv2d_loops", 4, 4, "passed")]
PARTIAL = [("conv2d_loops", 3, 4, "failed", "6×7 floats, 3×3 kernel: wrong values", "kernel-flipped"),
           ("convolve2d_loops", 0, 2, "not attempted")]


def test_text_report_lines():
    report = text_report([fake("a.ipynb", FULL), fake("b.ipynb", PARTIAL), fake("c.txt", [], False, "not a notebook")])
    lines = report.splitlines()
    words = [" ".join(line.split()) for line in lines]  # columns are aligned with spaces
    assert lines[0] == "a.ipynb (01_loops)"
    assert "conv2d_loops 3/4 failed: 6×7 floats, 3×3 kernel: wrong values [kernel-flipped]" in words
    assert "convolve2d_loops 0/2 not attempted" in words
    assert words.count("total 4/4") == 1 and words.count("total 3/6") == 1
    assert "c.txt: could not grade: not a notebook" in lines
    assert lines[-1] == "1 passed, 2 failed, 1 notebook could not be graded"
    assert text_report([fake("a.ipynb", FULL)]).splitlines()[-1] == "1 passed, 0 failed"


def test_exit_status():
    assert exit_status([fake("a", FULL), fake("b", PARTIAL)]) == EXIT_GRADED == 0
    assert exit_status([fake("a", FULL), fake("b", PARTIAL)], strict=True) == EXIT_POINTS_LOST == 1
    assert exit_status([fake("a", FULL)], strict=True) == EXIT_GRADED
    assert exit_status([fake("a", FULL), fake("c", [], False, "x")], strict=True) == EXIT_UNGRADABLE == 3


def test_progress_bar():
    stream = StringIO()
    show = progress_bar(stream)
    show(1, 4)
    show(4, 4)
    assert stream.getvalue() == (
        "\rgrading [" + "#" * 8 + "." * 22 + "] 1/4" + "\rgrading [" + "#" * 30 + "] 4/4\n"
    )


# --- the command line ------------------------------------------------------------------------------


def test_json_csv_and_exit_status(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a notebook")
    gradebook = tmp_path / "grades.csv"
    args = Namespace(
        paths=[str(ROOT / "solutions" / "00_start_here.ipynb"), str(ROOT / "exercises" / "00_start_here.ipynb"),
               str(notes)],
        json=True, csv=str(gradebook), jobs=2, timeout=60, notebook_timeout=600, memory=4, strict=False,
    )
    assert main(args) == EXIT_UNGRADABLE
    captured = capsys.readouterr()
    assert captured.err == ""  # no progress bar when stderr is not a terminal
    report = json.loads(captured.out)
    assert (report["passed"], report["failed"], report["ungradable"]) == (2, 2, 1)
    solution, exercise, text = report["notebooks"]
    assert (solution["points"], solution["max_points"], solution["graded"]) == (6, 6, True)
    assert exercise["points"] == 0 and {t["status"] for t in exercise["tasks"]} == {"not attempted"}
    assert not text["graded"] and "not a Jupyter notebook" in text["error"]

    rows = list(csv.DictReader(gradebook.open()))
    assert [row["graded"] for row in rows] == ["yes", "yes", "no"]
    assert [row["flags"] for row in rows] == ["", "", ""]
    first = rows[0]
    assert (first["points"], first["max_points"], first["output_sizes"], first["top_left"]) == ("6", "6", "3", "3")
    assert rows[1]["points"] == "0" and rows[2]["points"] == ""


def test_python_m_convlab_grade():
    result = subprocess.run(
        [sys.executable, "-m", "convlab", "grade", "--strict", str(ROOT / "exercises" / "00_start_here.ipynb")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == EXIT_POINTS_LOST, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "0 passed, 2 failed"
    assert any(line.split()[:3] == ["output_sizes", "0/3", "not"] for line in lines)
