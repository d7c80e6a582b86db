"""Running a class: a gradebook per student, where the class is stuck, a release, a Gradescope autograder.

The class is the one every grading test reads (``graded_class`` in
``tests/conftest.py``): its submissions sit in a folder per student at
several depths, or carry a learning platform's file names, and a roster maps
them to IDs.
"""

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest

from convlab.grading import EXERCISES, TASKS
from convlab.grading.classreport import read_gradebook, render, summary
from convlab.jupyter.release import leaks, release

pytestmark = pytest.mark.long(30)  # seconds on two cores

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())


# --- the gradebook -----------------------------------------------------------------------------------


def gradebook(graded_class):
    return {row["student"]: row for row in csv.DictReader(open(graded_class["gradebook"], encoding="utf-8"))}


def test_every_notebook_is_placed_with_its_student_or_reported(graded_class):
    for stem, expected in graded_class["students"].items():
        assert graded_class["grades"][stem]["student"] == expected, stem
    rows = gradebook(graded_class)
    roster = [line.split(",")[0] for line in Path(graded_class["roster"]).read_text().splitlines()[1:]]
    assert set(roster) <= set(rows)  # every student has a row, one who handed nothing in too
    assert "no notebook" in rows["2026-s99"]["notes"]
    unplaced = [row for row in csv.DictReader(open(graded_class["gradebook"], encoding="utf-8"))
                if not row["student"]]
    assert len(unplaced) == 2 and all("could not place" in row["notes"] for row in unplaced)


def test_a_students_row_adds_up_their_best_notebooks(graded_class):
    rows = gradebook(graded_class)
    by_student = {}
    for stem, student in graded_class["students"].items():
        if student:
            by_student.setdefault(student, []).append(graded_class["grades"][stem])
    assert len(by_student) >= 30
    for student, grades in by_student.items():
        row = rows[student]
        best = {}
        for g in grades:
            if g["graded"]:
                best[g["exercise"]] = max(best.get(g["exercise"], 0), g["points"])
        assert int(row["total"]) == sum(best.values()), (student, row, best)
        for exercise, points in best.items():
            assert int(row[exercise]) == points


def test_a_renamed_solution_is_flagged(graded_class):
    g = graded_class["grades"]["renamed_solution_04_stride_padding_dilation"]
    assert g["points"] == g["max_points"]
    copied = [f for f in g["flags"] if "reference solution's" in f]
    assert {f.split(":")[0] for f in copied} >= {"conv2d_general", "windows_strided"}, g["flags"]


def test_identical_code_is_listed_in_pairs(graded_class):
    pairs = {tuple(p["between"]): p["tasks"] for p in graded_class["report"]["identical"]}
    honest = {graded_class["students"][f"a_honest_{name}"] for name in EXERCISES}
    assert any(set(pair) <= honest | {graded_class["students"]["zz_after_01_loops"]} for pair in pairs)
    assert all(tasks for tasks in pairs.values())


# --- where the class is stuck --------------------------------------------------------------------------


def write_report(graded_class, folder):
    """``python -m convlab report`` on the class's gradebook: the page's path."""
    page = folder / "report.html"
    result = subprocess.run([sys.executable, "-m", "convlab", "report", graded_class["results"], "-o", str(page)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return page


@pytest.fixture(scope="module")
def report(graded_class, tmp_path_factory):
    return write_report(graded_class, tmp_path_factory.mktemp("report"))


def test_the_report_counts_what_the_gradebook_holds(graded_class, report):
    grades = read_gradebook(graded_class["results"])
    data = summary(grades)
    assert data["students"] == len({s for s in graded_class["students"].values() if s})
    best = {}
    for g in graded_class["grades"].values():
        if g["graded"] and g["student"]:
            key = (g["student"], g["exercise"])
            if key not in best or g["points"] > best[key]["points"]:
                best[key] = g
    for task, full, partial, none in data["tasks"]:
        results = [t for g in best.values() for t in g["tasks"] if t["task"] == task]
        assert full == sum(t["points"] == t["max_points"] for t in results), task
        assert partial == sum(0 < t["points"] < t["max_points"] for t in results), task
        assert none == sum(t["points"] == 0 for t in results), task
    flipped = [(t, n) for t, hint, n, _ in data["mistakes"] if hint == "kernel-flipped"]
    for task, n in flipped:
        assert n == sum(any(s["hint_id"] == "kernel-flipped" for s in t["subchecks"])
                        for g in best.values() for t in g["tasks"] if t["task"] == task)
    assert all(hint not in ("rule", "sandbox") for _, hint, _, _ in data["mistakes"])  # apart, not mixed in
    assert data["rules"] and data["flags"]
    text = report.read_text()
    assert text.count("<img") == 1 and "data:image/png;base64," in text
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text


def test_the_report_escapes_what_students_wrote():
    from convlab.grading.deciding.results import CheckResult, NotebookGrade, SubCheck

    evil = SubCheck("<b>case</b>", "failed", 0, 1, message="<script>alert(1)</script>", hint_id="x", hint="<i>")
    page = render([NotebookGrade("<img src=x>.ipynb", "01_loops", True,
                                 [CheckResult("conv2d_loops", "t", "01_loops", [evil])], student="<s>")])
    assert "<script>" not in page and "<img src=x>" not in page


# --- the release -------------------------------------------------------------------------------------------


def test_the_release_holds_the_course_without_its_solutions(tmp_path):
    target = tmp_path / "release"
    copied = release(ROOT, target)
    assert {"notebooks", "exercises", "convlab", "pyproject.toml", "environment.yml"} <= set(copied)
    assert not (target / "solutions").exists() and not (target / "tests").exists()
    assert sorted(p.name for p in (target / "exercises").glob("*.ipynb")) == [f"{e}.ipynb" for e in EXERCISES]
    assert leaks(target, ROOT / "solutions") == []
    assert "solutions/" not in (target / "README.md").read_text()
    for path in (target / "exercises").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert not any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
    with pytest.raises(FileExistsError):
        release(ROOT, target)


def test_the_release_search_finds_a_solution_that_slipped_in(tmp_path):
    target = tmp_path / "copy"
    (target / "exercises").mkdir(parents=True)
    solution = nbformat.read(ROOT / "solutions" / "01_loops.ipynb", as_version=4)
    nbformat.write(solution, target / "exercises" / "01_loops.ipynb")
    found = leaks(target, ROOT / "solutions")
    assert {name for _, name, _ in found} == {"01_loops.ipynb"} and len(found) >= 4


# --- a Gradescope autograder -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gradescope")
    result = subprocess.run([sys.executable, "-m", "convlab", "autograder", "01_loops", "-o",
                             str(folder / "autograder.zip")], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    return folder / "autograder.zip"


def run_autograder(bundle, folder, notebook):
    """Gradescope's layout in a folder of its own: the bundle in source/, the notebook in submission/."""
    root = folder / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    if notebook is not None:
        nbformat.write(notebook, root / "submission" / "my_notebook.ipynb")
    script = root / "source" / "run_autograder"
    os.chmod(script, 0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "CONVLAB_PYTHON": sys.executable}
    result = subprocess.run([str(script)], capture_output=True, text=True, env=env, cwd=root, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, SCHEMA)
    return data


def test_the_bundle_holds_what_gradescope_expects(bundle):
    names = zipfile.ZipFile(bundle).namelist()
    assert {"setup.sh", "run_autograder", "requirements.txt", "autograder.json"} <= set(names)
    assert any(n.startswith("convlab-") and n.endswith(".whl") for n in names)
    settings = json.loads(zipfile.ZipFile(bundle).read("autograder.json"))
    assert settings["exercise"] == "01_loops" and set(settings["fingerprints"]) <= set(EXERCISES["01_loops"])
    wheel = zipfile.ZipFile(bundle).read(next(n for n in names if n.endswith(".whl")))
    assert b"BEGIN SOLUTION" not in wheel
    requirements = zipfile.ZipFile(bundle).read("requirements.txt").decode().split()
    assert all("==" in r for r in requirements) and not any(r.startswith("torch") for r in requirements)


@pytest.mark.parametrize("kind", ["solution", "exercise", "broken", "nothing"])
def test_run_autograder_grades_a_submission(bundle, tmp_path, kind):
    notebooks = {
        "solution": nbformat.read(ROOT / "solutions" / "01_loops.ipynb", as_version=4),
        "exercise": nbformat.read(ROOT / "exercises" / "01_loops.ipynb", as_version=4),
        "broken": nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os\nos._exit(3)")],
                                           metadata={"convlab": {"exercise": "01_loops"}}),
        "nothing": None,
    }
    data = run_autograder(bundle, tmp_path, notebooks[kind])
    total = sum(TASKS[t].max_points for t in EXERCISES["01_loops"])
    if kind == "solution":
        assert [t["score"] for t in data["tests"]] == [t["max_score"] for t in data["tests"]]
        assert sum(t["max_score"] for t in data["tests"]) == total
        assert all(t["status"] == "passed" and t["visibility"] == "visible" for t in data["tests"])
        assert any("reference solution's" in f for f in data["extra_data"]["flags"])
    elif kind == "exercise":
        assert sum(t["score"] for t in data["tests"]) == 0 and len(data["tests"]) == len(EXERCISES["01_loops"])
        assert all("not attempted" in t["output"] for t in data["tests"])
    else:
        assert data["score"] == 0 and data["tests"] == []
        assert "could not be graded" in data["output"]
