"""A Gradescope autograder for one exercise: ``python -m convlab autograder EXERCISE -o autograder.zip``.

Gradescope grades each submission in a container of its own, made from the
zip an instructor uploads (its autograder specification: ``setup.sh`` and
``run_autograder`` at the root; the submission in ``/autograder/submission``;
``/autograder/results/results.json`` written by ``run_autograder``).  The
bundle holds:

- ``setup.sh``: installs Python, then convlab from the wheel built from this
  repository, with its dependencies pinned as in ``pyproject.toml`` (``requirements.txt``);
- ``run_autograder``: grades the submitted notebook with :func:`run` and writes
  ``results.json``, one test per task: its score and maximum, the same
  feedback and hints the learner's ``check()`` shows, and its visibility;
- ``convlab.toml``-free settings in ``autograder.json``: the exercise, the
  visibility of the tests, and the fingerprints of the reference solutions
  (never the solutions themselves), so a copied solution is flagged.

There, the container is the sandbox: one submission, thrown away after, no
way to another student.  So the grader runs with ``--no-sandbox`` inside it
(Gradescope's containers do not let bubblewrap make namespaces), and the
results say so to the instructor only.  Every path is relative to
``$AUTOGRADER_ROOT`` (default ``/autograder``), so the bundle can be tried in
a folder of one's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

__all__ = ["build", "run", "results", "VISIBILITIES"]

#: Gradescope's visibility settings.
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder's image.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v python3 >/dev/null || ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    apt-get install -y python3.11 python3.11-venv || apt-get install -y python3 python3-venv
fi
PYTHON=$(command -v python3.11 || command -v python3)
"$PYTHON" -m venv /opt/convlab
/opt/convlab/bin/python -m pip install --quiet --upgrade pip
/opt/convlab/bin/python -m pip install --quiet -r requirements.txt convlab-*.whl
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission, in a fresh container: the container is the sandbox.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${CONVLAB_PYTHON:-/opt/convlab/bin/python}"
mkdir -p "$ROOT/results"
exec "$PYTHON" -m convlab.grading.gradescope "$ROOT"
"""


def build(exercise, output, visibility="visible", repository=None, solutions=None):
    """Write the autograder zip for ``exercise``.

    Parameters
    ----------
    exercise : str
        An exercise notebook's name, e.g. ``"01_loops"``.
    output : str or Path
        The zip to write.
    visibility : {"visible", "hidden", "after_due_date", "after_published"}
        When students see each test's result.
    repository : Path, optional
        The course repository to build the wheel from (the one convlab is installed from by default).
    solutions : Path, optional
        The reference solutions, for the fingerprints of copied code (the repository's by default).

    Returns
    -------
    Path
    """
    from .grader import reference_fingerprints
    from .tasks import EXERCISES

    if exercise not in EXERCISES:
        raise ValueError(f"no exercise named {exercise!r}; the exercises are {', '.join(EXERCISES)}")
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    repository = Path(repository or _repository())
    fingerprints = reference_fingerprints(solutions or repository / "solutions")
    settings = {"exercise": exercise, "visibility": visibility,
                "fingerprints": {t: fingerprints[t] for t in EXERCISES[exercise] if t in fingerprints}}
    with tempfile.TemporaryDirectory(prefix="convlab-autograder-") as folder:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                        "--wheel-dir", folder, str(repository)], check=True, capture_output=True)
        (wheel,) = Path(folder).glob("convlab-*.whl")
        output = Path(output)
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bundle:
            _add(bundle, "setup.sh", SETUP, executable=True)
            _add(bundle, "run_autograder", RUN, executable=True)
            _add(bundle, "requirements.txt", "\n".join(_requirements(repository)) + "\n")
            _add(bundle, "autograder.json", json.dumps(settings, indent=1) + "\n")
            bundle.write(wheel, wheel.name)
    return output


def _add(bundle, name, text, executable=False):
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, text)


def _repository():
    import convlab

    return Path(convlab.__file__).resolve().parents[1]


def _requirements(repository):
    """The dependencies, pinned as ``pyproject.toml`` pins them, and bubblewrap's wheel left out."""
    import tomllib

    project = tomllib.loads((repository / "pyproject.toml").read_text())["project"]
    return list(project["dependencies"])


# --- inside the container -----------------------------------------------------------------------------


def results(grade, visibility="visible", seconds=None):
    """Gradescope's ``results.json`` for one graded notebook (a ``NotebookGrade``).

    One test per task, named after its title, with its score and maximum, and
    as output the same text the learner's ``check()`` prints (each sub-check,
    what was expected and got, the hint).  A notebook that could not be graded
    gives a score of 0 and says why.
    """
    if not grade.graded:
        return {"score": 0.0, "output": f"Your notebook could not be graded: {grade.error}",
                "visibility": visibility, "stdout_visibility": "hidden", "tests": [],
                **({"execution_time": round(seconds)} if seconds is not None else {})}
    tests = []
    for number, task in enumerate(grade.tasks, start=1):
        tests.append({
            "name": f"{task.task}: {task.title}", "number": str(number),
            "score": float(task.points), "max_score": float(task.max_points),
            "status": "passed" if task.passed else "failed",
            "output": str(task), "output_format": "text", "visibility": visibility,
            "tags": sorted({sub.hint_id for sub in task.subchecks if sub.hint_id}),
        })
    data = {
        "output": f"{grade.exercise}: {grade.points}/{grade.max_points} points. Each test below is one task; "
                  f"its answers were tried on inputs drawn for this grading.",
        "visibility": visibility, "stdout_visibility": "hidden", "tests": tests,
        "extra_data": {"flags": list(grade.flags), "cell_errors": list(grade.cell_errors)},
    }
    if seconds is not None:
        data["execution_time"] = round(seconds)
    return data


def run(root):
    """Grade the notebook in ``ROOT/submission`` and write ``ROOT/results/results.json`` (Gradescope's layout)."""
    from .deciding.results import NotebookGrade
    from .grader import grade_notebook
    from .sandbox import Sandbox

    root = Path(root)
    settings = json.loads((root / "source" / "autograder.json").read_text())
    exercise, visibility = settings["exercise"], settings.get("visibility", "visible")
    start = time.monotonic()
    notebooks = sorted((root / "submission").rglob("*.ipynb"))
    notebooks = [p for p in notebooks if ".ipynb_checkpoints" not in p.parts]
    if not notebooks:
        grade = NotebookGrade("submission", exercise, False, error="no notebook (.ipynb) was submitted")
    else:
        named = [p for p in notebooks if exercise in p.stem]
        path = (named or notebooks)[0]
        grade = grade_notebook(path, Sandbox(isolate=False), references=settings.get("fingerprints", {}))
        if grade.graded and grade.exercise != exercise:
            grade = NotebookGrade(str(path), grade.exercise, False,
                                  error=f"this is not the {exercise} notebook (it answers {grade.exercise})")
    data = results(grade, visibility, time.monotonic() - start)
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))
    print(f"{exercise}: {grade.points}/{grade.max_points}" if grade.graded else f"not graded: {grade.error}")
    return data


# --- command line -------------------------------------------------------------------------------------


def add_arguments(parser):
    parser.add_argument("exercise", metavar="EXERCISE", help="the exercise notebook's name, e.g. 01_loops")
    parser.add_argument("-o", "--output", default="autograder.zip", metavar="ZIP",
                        help="the bundle to write (default autograder.zip)")
    parser.add_argument("--visibility", choices=VISIBILITIES, default="visible",
                        help="when students see each task's result (default visible)")


def main(args):
    try:
        path = build(args.exercise, args.output, args.visibility)
    except (ValueError, subprocess.CalledProcessError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it as the autograder of a Gradescope programming assignment")
    return 0


if __name__ == "__main__":
    sys.exit(0 if run(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("AUTOGRADER_ROOT", "/autograder"))
             else 1)
