"""Grade submitted exercise notebooks: ``python -m convlab grade PATH...``.

Each notebook is read once, its old outputs are discarded, and a copy runs
top to bottom in a fresh kernel (nbclient), in an empty temporary folder,
with a time limit per cell.  The submitted file is never written.  Points
come from the records that :func:`convlab.grading.check` displays under the
MIME type ``application/vnd.convlab.check+json``, never from printed text;
a task whose check did not run scores 0.

Exit status: 0 when every notebook was graded, 1 with ``--strict`` when a
point was lost, 3 when some notebook could not be graded (not a notebook,
or the kernel died); 2 is argparse's usage error.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .results import RECORD_MIME, RECORD_VERSION
from .tasks import EXERCISES, TASKS

__all__ = ["grade_notebook", "grade", "NotebookGrade", "TaskGrade", "EXIT_GRADED", "EXIT_POINTS_LOST", "EXIT_UNGRADABLE"]

EXIT_GRADED = 0
EXIT_POINTS_LOST = 1
EXIT_UNGRADABLE = 3

DEFAULT_CELL_TIMEOUT = 60


@dataclass
class TaskGrade:
    """The grade of one task: points, status and the first sub-check that did not pass."""

    task: str
    points: int
    max_points: int
    status: str  # "passed", "failed", "not attempted" or "not run"
    first_failure: str | None = None
    hint_id: str | None = None


@dataclass
class NotebookGrade:
    """The grade of one notebook, or why it could not be graded."""

    path: str
    exercise: str | None
    graded: bool
    tasks: list = field(default_factory=list)
    error: str | None = None
    cell_errors: list = field(default_factory=list)  # "cell 5: NameError: ...", one per cell that raised
    executed: object = field(default=None, repr=False)  # the executed notebook, when asked to keep it

    @property
    def points(self):
        return sum(task.points for task in self.tasks)

    @property
    def max_points(self):
        return sum(task.max_points for task in self.tasks)

    def to_dict(self):
        data = {key: value for key, value in asdict(self).items() if key != "executed"}
        data.update(points=self.points, max_points=self.max_points)
        return data


# --- running one notebook -------------------------------------------------------------------------


def grade_notebook(path, timeout=DEFAULT_CELL_TIMEOUT, keep=False):
    """Execute one notebook in a fresh kernel and grade it.

    Parameters
    ----------
    path : str or Path
        The submitted notebook.  It is read, never written.
    timeout : int, optional
        Seconds one cell may run before the kernel is interrupted.
    keep : bool, optional
        Keep the executed notebook in the result's ``executed`` (for tests).

    Returns
    -------
    NotebookGrade
        ``graded`` is False, with ``error`` saying why, when the file is not
        a notebook or the kernel died.
    """
    path = Path(path)
    nb, problem = _read(path)
    if nb is None:
        return NotebookGrade(str(path), None, False, error=problem)
    exercise = _which_exercise(nb, path)
    executed, problem = execute(nb, timeout)
    if executed is None:
        return NotebookGrade(str(path), exercise, False, error=problem)
    records = collect_records(executed)
    names = EXERCISES[exercise] if exercise else list(records)
    if not names:
        return NotebookGrade(
            str(path), None, False,
            error="not an exercise notebook: no exercise name in its metadata or file name, and no checks ran",
        )
    errors = cell_errors(executed)
    tasks = [_task_grade(n, records.get(n), _why_not_run(executed, n)) for n in names]
    return NotebookGrade(
        str(path), exercise, True, tasks, cell_errors=list(errors.values()), executed=executed if keep else None
    )


def cell_errors(nb):
    """``{cell index: "cell N: Name: message"}`` for each cell of an executed notebook that raised."""
    found = {}
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                if output.ename == "KeyboardInterrupt":  # how nbclient stops a cell at its time limit
                    message = "interrupted: the cell ran longer than the time limit"
                else:
                    message = f"{output.ename}: {output.evalue}".strip().splitlines()[0]
                found[index] = f"cell {index + 1}: {message[:120]}"
    return found


_CHECK_OF = re.compile(r"""check\(\s*["'](\w+)["']""")


def _why_not_run(nb, task):
    """Why a task has no record: its check cell is missing, or raised before the check reported."""
    errors = cell_errors(nb)
    cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and task in _CHECK_OF.findall(cell.source)]
    if not cells:
        return "no check cell for it in the notebook"
    for index in cells:
        if index in errors:
            return f"its check stopped: {errors[index]}"
    return "its check cell did not report"


def _read(path):
    import nbformat

    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return None, f"cannot read it: {err}"
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # nbformat raises several kinds for "not a notebook"
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return None, f"not a Jupyter notebook ({first})"
    return nb, None


def _which_exercise(nb, path):
    """The exercise a notebook answers: from its metadata, else from its file name."""
    name = nb.metadata.get("convlab", {}).get("exercise")
    if name in EXERCISES:
        return name
    matches = [exercise for exercise in EXERCISES if exercise in path.stem]
    return max(matches, key=len) if matches else None


def execute(nb, timeout=DEFAULT_CELL_TIMEOUT):
    """Run ``nb`` (modified in place) from a clean state; return it, or None and why not."""
    import asyncio

    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    code_cells = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # results from the learner's own session never count
            cell.execution_count = None
            code_cells += 1
    position = {"cell": None}

    async def started(cell, cell_index, **kwargs):
        position["cell"] = cell_index

    with tempfile.TemporaryDirectory(prefix="convlab-grade-") as folder:
        client = NotebookClient(
            nb,
            timeout=timeout,
            startup_timeout=120,
            kernel_name="python3",
            allow_errors=True,
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "CellTimeoutError",
                "evalue": f"the cell ran longer than {timeout} s and was interrupted",
                "traceback": [],
            },
            record_timing=False,
            on_cell_start=started,
            resources={"metadata": {"path": folder}},
        )
        # A kernel that ignores interrupts could hold a cell forever: bound the whole run too.
        limit = timeout * (code_cells + 2) + 120
        log = Path(folder, "kernel-stderr.txt")
        try:
            with open(log, "wb") as stderr:  # the kernel's own messages stay out of the report
                asyncio.run(asyncio.wait_for(client.async_execute(stderr=stderr), limit))
        except DeadKernelError:
            return None, f"the kernel died while running {_describe_cell(nb, position['cell'])}{_last_words(log)}"
        except (asyncio.TimeoutError, TimeoutError):
            return None, f"the notebook did not finish within {limit} s"
        except Exception as err:  # the kernel did not start, or nbclient failed: report, go on
            return None, f"could not run it: {type(err).__name__}: {err}"
    return nb, None


def _last_words(log):
    """The kernel's last line on stderr, if it said anything besides routine warnings."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    said = [line.strip() for line in lines if line.strip() and "WARNING" not in line]
    return f" ({said[-1]})" if said else ""


def _describe_cell(nb, index):
    if index is None:
        return "the notebook"
    first = next((line.strip() for line in nb.cells[index].source.splitlines() if line.strip()), "")
    return f"cell {index + 1} ({first[:60]})" if first else f"cell {index + 1}"


def collect_records(nb):
    """The last check record of each task in an executed notebook, by task name."""
    records = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get(RECORD_MIME)
            if _well_formed(record):
                records[record["task"]] = record
    return records


def _well_formed(record):
    return (
        isinstance(record, dict)
        and record.get("version") == RECORD_VERSION
        and record.get("task") in TASKS
        and isinstance(record.get("subchecks"), list)
        and all(isinstance(sub, dict) for sub in record["subchecks"])
    )


def _task_grade(name, record, why_not_run=None):
    """A task's grade from its record, with points recounted from the registry's sub-checks."""
    task = TASKS[name]
    if record is None:
        return TaskGrade(name, 0, task.max_points, "not run", why_not_run)
    subs = record["subchecks"]
    points = 0
    for case, sub in zip(task.cases, subs):
        if sub.get("status") == "passed" and sub.get("label") == case.label:
            points += case.points
    if len(subs) != len(task.cases):
        points = 0
    failed = next((sub for sub in subs if sub.get("status") != "passed"), None)
    if points == task.max_points:
        status = "passed"
    elif all(sub.get("status") == "not attempted" for sub in subs):
        status = "not attempted"
    else:
        status = "failed"
    first = None
    if failed is not None and status == "failed":
        first = f"{failed.get('label')}: {failed.get('message') or failed.get('status')}"
    return TaskGrade(name, points, task.max_points, status, first, failed.get("hint_id") if failed else None)


# --- many notebooks ------------------------------------------------------------------------------


def expand(paths):
    """Notebook paths from files and folders (a folder means its ``*.ipynb``, sorted)."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(path.glob("*.ipynb")))
        else:
            found.append(path)
    return found


def grade(paths, timeout=DEFAULT_CELL_TIMEOUT, jobs=1, progress=None, keep=False):
    """Grade several notebooks, ``jobs`` at a time; results in the order of ``paths``.

    Parameters
    ----------
    paths : list of str or Path
    timeout : int
        Seconds one cell may run.
    jobs : int
        Notebooks graded at once, each in its own kernel.
    progress : callable, optional
        ``progress(done, total)`` after each notebook.
    keep : bool
        Keep each executed notebook (see :func:`grade_notebook`).

    Returns
    -------
    list of NotebookGrade
    """
    paths = list(paths)
    results = [None] * len(paths)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_notebook, path, timeout, keep): i for i, path in enumerate(paths)}
        done = 0
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done += 1
            if progress:
                progress(done, len(paths))
    return results


# --- reports -------------------------------------------------------------------------------------


def text_report(grades):
    """Per notebook: one line per task, a total; then ``N passed, M failed``."""
    lines = []
    for grade in grades:
        if not grade.graded:
            lines.append(f"{grade.path}: could not grade: {grade.error}")
            lines.append("")
            continue
        lines.append(f"{grade.path} ({grade.exercise or 'unknown exercise'})")
        width = max(len(task.task) for task in grade.tasks)
        for task in grade.tasks:
            line = f"  {task.task:<{width}}  {_score(task.points, task.max_points)}  {task.status}"
            if task.first_failure:
                line += f": {task.first_failure}"
                if task.hint_id:
                    line += f" [{task.hint_id}]"
            lines.append(line)
        lines.append(f"  {'total':<{width}}  {_score(grade.points, grade.max_points)}")
        if grade.cell_errors:
            lines.append(f"  cells that raised an error ({len(grade.cell_errors)}):")
            lines.extend(f"    {error}" for error in grade.cell_errors)
        lines.append("")
    passed, failed, ungradable = _counts(grades)
    closing = f"{passed} passed, {failed} failed"
    if ungradable:
        closing += f", {ungradable} {'notebook' if ungradable == 1 else 'notebooks'} could not be graded"
    lines.append(closing)
    return "\n".join(lines)


def _score(points, max_points):
    return f"{points}/{max_points}".rjust(5)


def _counts(grades):
    tasks = [task for grade in grades if grade.graded for task in grade.tasks]
    passed = sum(task.status == "passed" for task in tasks)
    return passed, len(tasks) - passed, sum(not grade.graded for grade in grades)


def json_report(grades):
    passed, failed, ungradable = _counts(grades)
    return json.dumps(
        {"notebooks": [g.to_dict() for g in grades], "passed": passed, "failed": failed, "ungradable": ungradable},
        indent=2,
        ensure_ascii=False,
    )


def write_csv(grades, path):
    """One row per notebook: path, exercise, graded, points, max_points, one column per task, error."""
    names = [name for name in TASKS if any(task.task == name for g in grades for task in g.tasks)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["notebook", "exercise", "graded", "points", "max_points", *names, "error"])
        for grade in grades:
            scores = {task.task: task.points for task in grade.tasks}
            writer.writerow([
                grade.path,
                grade.exercise or "",
                "yes" if grade.graded else "no",
                grade.points if grade.graded else "",
                grade.max_points if grade.graded else "",
                *[scores.get(name, "") for name in names],
                grade.error or "",
            ])


def _progress_bar(stream):
    def show(done, total):
        filled = round(30 * done / total)
        stream.write(f"\rgrading [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


# --- command line -----------------------------------------------------------------------------------


def add_arguments(parser):
    parser.epilog = (
        "Exit status: 0 graded; 1 with --strict when a point was lost; 3 when a notebook could "
        "not be graded. Grading runs the submitted code: grade untrusted work in a container or VM."
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders of notebooks")
    parser.add_argument("--json", action="store_true", help="print the grades as JSON instead of text")
    parser.add_argument("--csv", metavar="FILE", help="also write a gradebook: one row per notebook")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="notebooks graded at once (default 1)")
    parser.add_argument(
        "--timeout", type=int, default=DEFAULT_CELL_TIMEOUT, metavar="SECONDS",
        help=f"seconds one cell may run (default {DEFAULT_CELL_TIMEOUT})",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when any point was lost")


def main(args):
    paths = expand(args.paths)
    if not paths:
        print("error: no notebooks found in " + ", ".join(args.paths), file=sys.stderr)
        return EXIT_UNGRADABLE
    progress = _progress_bar(sys.stderr) if sys.stderr.isatty() and len(paths) > 1 else None
    grades = grade(paths, timeout=args.timeout, jobs=args.jobs, progress=progress)
    print(json_report(grades) if args.json else text_report(grades))
    if args.csv:
        write_csv(grades, args.csv)
    return exit_status(grades, args.strict)


def exit_status(grades, strict=False):
    """3 if a notebook could not be graded; else 1 if ``strict`` and a point was lost; else 0."""
    if any(not g.graded for g in grades):
        return EXIT_UNGRADABLE
    if strict and any(g.points < g.max_points for g in grades):
        return EXIT_POINTS_LOST
    return EXIT_GRADED
