"""Solutions reproduce their committed outputs; exercises run top to bottom with their stubs, and score zero.

Both run once, graded with the class (``graded_class`` in ``tests/conftest.py``) in a
sandbox as the grader runs a submission.  Each solution, as the grader ran it, is
compared with its committed outputs by nbval's rules (``tests/outputs.py``); the
exercises are stored without outputs, so there only stub and check cells (tagged
``raises-exception``) may raise.
"""

from pathlib import Path

import nbformat
import pytest

from outputs import differences

from convlab.grading import EXERCISES, RECORD_MIME

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "exercises").glob("*.ipynb"))


def untouched(graded_class):
    return {name: graded_class["grades"][f"untouched_{name}"] for name in EXERCISES}


def executed(graded_class, name, kind="untouched"):
    return nbformat.read(graded_class["executed"][f"{kind}_{name}"], as_version=4)


@pytest.mark.parametrize("name", EXERCISES)
def test_solution_reproduces_its_committed_outputs(graded_class, name):
    committed = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    found = differences(committed, executed(graded_class, name, "a_honest"))
    assert not found, f"solutions/{name}.ipynb, as the grader ran it:\n" + "\n".join(found)


def test_every_lesson_has_an_exercise():
    assert [path.stem for path in NOTEBOOKS] == list(EXERCISES)


def test_untouched_exercises_score_zero(graded_class):
    for name, g in untouched(graded_class).items():
        assert g["graded"], (name, g["error"])
        assert g["points"] == 0 and g["max_points"] > 0
        assert {t["status"] for t in g["tasks"]} == {"not attempted"}, [(t["task"], t["status"]) for t in g["tasks"]]


def test_only_stub_and_check_cells_raise(graded_class):
    for name in EXERCISES:
        for number, cell in enumerate(executed(graded_class, name).cells, start=1):
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if errors:
                assert "raises-exception" in cell.metadata.get("tags", []), (name, number, cell.source)
                assert [e.ename for e in errors] == ["NotImplementedError"], (name, number, errors)


def test_stubs_show_not_attempted_without_traceback(graded_class):
    for name in EXERCISES:
        for cell in executed(graded_class, name).cells:
            if cell.cell_type == "code" and cell.source.startswith("check("):
                (shown,) = [o for o in cell.outputs if RECORD_MIME in o.get("data", {})]
                assert shown.data[RECORD_MIME]["status"] == "not attempted"
                assert "not attempted" in shown.data["text/plain"]
                assert not any(o.output_type == "error" for o in cell.outputs)
