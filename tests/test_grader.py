"""The command-line grader: solutions score full marks, broken submissions never break it.

The notebooks come from the class graded once for every grading test
(``graded_class`` in ``tests/conftest.py``, built by ``tests/submissions.py``).
Hostile submissions are in ``tests/test_grading_trust.py``.
"""

import csv
import json
import subprocess
import sys
from argparse import Namespace
from io import StringIO
from pathlib import Path

import nbformat
import pytest

from convlab.grading import EXERCISES, RECORD_MIME, TASKS
from convlab.grading import sandbox as sandboxing
from convlab.grading.deciding.reports import progress_bar, text_report
from convlab.grading.deciding.results import CheckResult, NotebookGrade, SubCheck
from convlab.grading.grader import (
    EXIT_GRADED,
    EXIT_NO_SANDBOX,
    EXIT_POINTS_LOST,
    EXIT_UNGRADABLE,
    Limits,
    exit_status,
    grade,
    main,
)

ROOT = Path(__file__).resolve().parents[1]


def honest(graded_class):
    return {stem: g for stem, g in graded_class["grades"].items() if stem.startswith(("a_honest_", "zz_after_"))}


def tasks_of(g):
    return {t["task"]: t for t in g["tasks"]}


def scores(g):
    return {t["task"]: (t["points"], t["status"]) for t in g["tasks"]}


def executed(graded_class, stem):
    return nbformat.read(graded_class["executed"][stem], as_version=4)


def test_the_run_ends_with_a_complete_report(graded_class):
    assert graded_class["report"] is not None, graded_class["stderr"]
    assert graded_class["returncode"] == EXIT_UNGRADABLE, graded_class["stderr"]  # some notebooks are broken
    assert set(graded_class["grades"]) == set(graded_class["paths"])
    rows = list(csv.DictReader(open(graded_class["csv"], encoding="utf-8")))
    assert len(rows) == len(graded_class["paths"])
    lines = Path(graded_class["results"]).read_text().splitlines()  # one per file, written as it finished
    assert len(lines) == len(graded_class["paths"])


def test_every_solution_scores_full_marks(graded_class):
    grades = honest(graded_class)
    assert len(grades) == len(EXERCISES) + 3
    for stem, g in grades.items():
        exercise = stem.removeprefix("a_honest_").removeprefix("zz_after_")
        assert g["graded"], g["error"]
        assert g["exercise"] == exercise
        assert [t["task"] for t in g["tasks"]] == EXERCISES[exercise]
        assert g["points"] == g["max_points"] == sum(TASKS[name].max_points for name in EXERCISES[exercise])
        assert all(t["status"] == "passed" for t in g["tasks"]), g["tasks"]
        assert g["cell_errors"] == []
        assert all("reference solution's" in f for f in g["flags"]), g["flags"]  # no flag but "it is the solution"
        assert g["sandbox"] == "bubblewrap"


def test_each_check_reports_once(graded_class):
    """check() displays its result at once; as the cell's last value it must not show again."""
    for name in EXERCISES:
        for cell in executed(graded_class, f"a_honest_{name}").cells:
            if cell.cell_type == "code" and cell.source.startswith("check("):
                records = [o for o in cell.outputs if RECORD_MIME in o.get("data", {})]
                assert len(records) == 1, (name, cell.source)
                assert set(records[0].data) == {"text/plain", "text/html", RECORD_MIME}


# --- broken submissions ---------------------------------------------------------------------------


def broken(graded_class, name):
    return graded_class["grades"][f"broken_{name}"]


def test_syntax_error(graded_class):
    g = broken(graded_class, "syntax_error_01_loops")
    assert g["graded"]
    assert scores(g)["conv2d_loops"] == (0, "not attempted")
    assert scores(g)["conv2d_loops_channels"] == (3, "passed")  # the rest is graded
    assert any("SyntaxError" in error for error in g["cell_errors"])


def test_infinite_loop_in_a_cell(graded_class):
    g = broken(graded_class, "loop_in_a_cell_01_loops")
    assert g["graded"]
    assert scores(g)["convolve2d_loops"] == (0, "not attempted")
    assert scores(g)["count_multiplies"] == (3, "passed")  # cells after the loop still ran
    assert any("ran longer than" in error for error in g["cell_errors"])


def test_infinite_loop_in_a_checked_function(graded_class):
    g = broken(graded_class, "loop_in_a_function_01_loops")
    task = tasks_of(g)["convolve2d_loops"]
    assert (task["points"], task["status"], task["hint_id"]) == (0, "failed", "time-limit")
    assert task["first_failure"].endswith("stopped after 3 s")
    assert scores(g)["count_multiplies"] == (3, "passed")


def test_a_kernel_that_dies_cannot_be_graded(graded_class):
    g = broken(graded_class, "kernel_dies_01_loops")
    assert not g["graded"]
    assert "kernel died while running cell" in g["error"] and "import os" in g["error"]


def test_deleted_function_and_deleted_check(graded_class):
    assert scores(broken(graded_class, "function_deleted_01_loops"))["conv2d_loops_channels"] == (0, "not attempted")
    g = broken(graded_class, "check_deleted_01_loops")  # the grader asks for the function, checked or not
    assert scores(g)["count_multiplies"] == (3, "passed")
    assert g["max_points"] == 12


def test_memory_is_capped(graded_class):
    g = broken(graded_class, "memory_hog_01_loops")
    assert g["graded"] and any("MemoryError" in error for error in g["cell_errors"]), g["cell_errors"]
    assert scores(g)["count_multiplies"] == (3, "passed")


def test_a_flood_of_output_is_cut(graded_class):
    g = broken(graded_class, "flood_01_loops")
    assert g["graded"] and scores(g)["count_multiplies"] == (3, "passed")
    nb = executed(graded_class, "broken_flood_01_loops")
    kept = sum(len(json.dumps(cell.get("outputs", []))) for cell in nb.cells)
    assert kept < 3 * 2**20
    assert any("the grader cut the output here" in json.dumps(cell.get("outputs", [])) for cell in nb.cells)


def test_exercise_from_the_file_name(graded_class):
    g = broken(graded_class, "renamed_01_loops")
    assert g["exercise"] == "01_loops" and g["points"] == g["max_points"]


def test_stored_outputs_never_count(graded_class):
    task = tasks_of(broken(graded_class, "stale_outputs_01_loops"))["conv2d_loops"]
    assert (task["points"], task["status"], task["hint_id"]) == (0, "failed", "returned-none")


def test_files_that_are_not_notebooks(graded_class):
    for name in ("not_a_notebook", "binary"):
        g = graded_class["grades"][name]
        assert not g["graded"] and g["error"].startswith(("not a Jupyter notebook", "cannot read it")), g["error"]


def test_a_notebook_has_a_time_limit_of_its_own(tmp_path):
    nb = nbformat.v4.new_notebook(metadata={"convlab": {"exercise": "01_loops"}})
    nb.cells = [nbformat.v4.new_code_cell("import time\ntime.sleep(3)") for _ in range(3)]
    path = tmp_path / "slow.ipynb"
    nbformat.write(nb, path)
    (g,) = grade([path], limits=Limits(cell_timeout=60, notebook_timeout=5))
    assert not g.graded and g.error == "the notebook did not finish within 5 s"
    assert "missing.ipynb" in grade([tmp_path / "missing.ipynb"])[0].path  # and a file that is not there
    assert "cannot read it" in grade([tmp_path / "missing.ipynb"])[0].error


# --- reports and exit status, without sandboxes ---------------------------------------------------


def fake(path, tasks, graded=True, error=None):
    results = [CheckResult(name, name, "01_loops", [SubCheck(label, status, points, most, message=message,
                                                             hint_id=hint)])
               for name, label, points, most, status, message, hint in tasks]
    return NotebookGrade(path, "01_loops" if graded else None, graded, results, error)


FULL = [("conv2d_loops", "a case", 4, 4, "passed", "", None)]
PARTIAL = [("conv2d_loops", "6×7 floats, 3×3 kernel", 3, 4, "failed", "wrong values", "kernel-flipped"),
           ("convolve2d_loops", "a case", 0, 2, "not attempted", "", None)]


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


def test_a_report_line_cannot_be_forged():
    forged = [("conv2d_loops", "a case", 0, 4, "failed", "error: ValueError: no\n  zz  4/4  passed\x1b[2J", None)]
    report = text_report([fake("evil\nname.ipynb", forged)])
    assert "\x1b" not in report and "evil\nname" not in report
    assert not any(line.startswith("  zz") for line in report.splitlines())
    assert "\\n  zz  4/4  passed\\x1b[2J" in report


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


def test_csv_rows(graded_class):
    by_path = {row["notebook"]: row for row in csv.DictReader(open(graded_class["csv"], encoding="utf-8"))}
    rows = {stem: by_path[path] for stem, path in graded_class["paths"].items()}
    first = rows["a_honest_00_start_here"]
    assert (first["graded"], first["points"], first["max_points"], first["output_sizes"], first["top_left"]) == (
        "yes", "6", "6", "3", "3")
    assert rows["untouched_00_start_here"]["points"] == "0" and rows["untouched_00_start_here"]["flags"] == ""
    assert rows["not_a_notebook"]["graded"] == "no" and rows["not_a_notebook"]["points"] == ""
    assert "not a Jupyter notebook" in rows["not_a_notebook"]["error"]


def test_resume_grades_nothing_twice(graded_class, tmp_path):
    """Every notebook is in the gradebook already: a resumed run opens no sandbox and says the same."""
    results = tmp_path / "grades.jsonl"
    results.write_text(Path(graded_class["results"]).read_text())
    folder = Path(graded_class["folder"]) / "submissions"
    args = ["--json", "--resume", "--results", str(results), "--solutions", "none", str(folder)]
    result = subprocess.run([sys.executable, "-m", "convlab", "grade", *args], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    again = {g["path"]: g["points"] for g in json.loads(result.stdout)["notebooks"]}
    assert again == {graded_class["paths"][stem]: g["points"] for stem, g in graded_class["grades"].items()}
    assert results.read_text() == Path(graded_class["results"]).read_text()  # nothing regraded, nothing lost


PARSE = """
import sys
from convlab.grading.grader import parse
numpy_only = parse(["import numpy as np", "def f(x):\\n    return np.sum(x)"])
print("scipy" in sys.modules, numpy_only.aliases["np"])
with_scipy = parse([sys.argv[1], "def f(x, k):\\n    return correlate2d(x, k)"])
print("scipy" in sys.modules, with_scipy.aliases.get("correlate2d"))
"""


@pytest.mark.parametrize("scipy", ["scipy", "\uff53\uff43\uff49\uff50\uff59"], ids=["ascii", "full-width"])
def test_the_grader_imports_scipy_for_the_code_that_names_it_before_reading_it(scipy):
    """In a fresh interpreter: code without SciPy leaves it unimported; code with SciPy's star import
    binds its names (read before SciPy were in the table, it would bind nothing), however SciPy's
    name is spelt (Python reads full-width letters as the ASCII ones)."""
    said = subprocess.run([sys.executable, "-c", PARSE, f"from {scipy}.signal import *"], capture_output=True,
                          text=True, cwd=ROOT, check=True)
    assert said.stdout.splitlines() == ["False numpy", "True scipy.signal.correlate2d"], said.stderr


def test_no_sandbox_no_grading(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sandboxing, "find_bwrap", lambda: None)
    args = Namespace(paths=[str(ROOT / "exercises" / "00_start_here.ipynb")], json=False, csv=None,
                     results=str(tmp_path / "g.jsonl"), resume=False, jobs=1, timeout=60, call_timeout=10,
                     notebook_timeout=600, memory=4, strict=False, no_sandbox=False, executed=None)
    assert main(args) == EXIT_NO_SANDBOX
    said = capsys.readouterr().err
    assert "bubblewrap" in said and "--no-sandbox" in said and "Traceback" not in said


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandboxed", "no-sandbox"])
def test_python_m_convlab_grade(sandbox, tmp_path):
    command = [sys.executable, "-m", "convlab", "grade", "--strict", "--results", str(tmp_path / "g.jsonl"),
               str(ROOT / "solutions" / "00_start_here.ipynb"), str(ROOT / "exercises" / "00_start_here.ipynb")]
    result = subprocess.run(command + ([] if sandbox else ["--no-sandbox"]), capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.returncode == EXIT_POINTS_LOST, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "2 passed, 2 failed"
    assert any(line.split()[:3] == ["output_sizes", "0/3", "not"] for line in lines)
    assert ("graded without a sandbox" in result.stdout) is not sandbox
