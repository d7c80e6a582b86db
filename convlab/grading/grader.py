"""Grade submitted exercise notebooks: ``python -m convlab grade PATH...``.

For each notebook the grader

1. reads the file (never writes it) and parses its code, to check each
   task's rule on the source and to look for what an instructor should see
   (:mod:`convlab.grading.flags`);
2. runs it top to bottom in a fresh kernel of its own, in an empty
   temporary folder, within the limits of :class:`~convlab.grading.kernel.Limits`;
3. draws every task's inputs from a seed made for this grading run, sends
   them to the kernel with the probe (:mod:`convlab.grading.probe`), and gets
   back plain data: the answers, and whether each broke its task's rule;
4. judges in its own process (:mod:`convlab.grading.judge`): references,
   comparisons, hints and points.

Nothing a notebook displays or prints counts: not its stored outputs, not the
records its ``check()`` cells show while it runs.

Exit status: 0 when every notebook was graded, 1 with ``--strict`` when a
point was lost, 3 when some notebook could not be graded (not a notebook,
or the kernel died); 2 is argparse's usage error.
"""

from __future__ import annotations

import secrets
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import flags as flagging
from . import judge as judging
from .kernel import KernelGone, Limits, run
from .reports import json_report, progress_bar, text_report, write_csv
from .rules import Source
from .tasks import EXERCISES, TASKS, tasks_for
from .tasks.base import fresh_rng

__all__ = [
    "grade_notebook", "grade", "NotebookGrade", "TaskGrade", "Limits",
    "EXIT_GRADED", "EXIT_POINTS_LOST", "EXIT_UNGRADABLE",
]

EXIT_GRADED = 0
EXIT_POINTS_LOST = 1
EXIT_UNGRADABLE = 3


@dataclass
class TaskGrade:
    """The grade of one task: points, status, the first sub-check that did not pass, every sub-check."""

    task: str
    points: int
    max_points: int
    status: str  # "passed", "failed", "not attempted" or "error"
    first_failure: str | None = None
    hint_id: str | None = None
    subchecks: list = field(default_factory=list)


@dataclass
class NotebookGrade:
    """The grade of one notebook, or why it could not be graded."""

    path: str
    exercise: str | None
    graded: bool
    tasks: list = field(default_factory=list)
    error: str | None = None
    cell_errors: list = field(default_factory=list)  # "cell 5: NameError: ...", one per cell that raised
    flags: list = field(default_factory=list)  # what an instructor should look at
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


# --- one notebook ----------------------------------------------------------------------------------


def grade_notebook(path, limits=None, keep=False, seed=None):
    """Run one notebook in a fresh kernel and grade it on inputs drawn for this run.

    Parameters
    ----------
    path : str or Path
        The submitted notebook.  It is read, never written.
    limits : Limits, optional
        Time, memory and output limits for its kernel (:class:`Limits`' defaults when not given).
    keep : bool, optional
        Keep the executed notebook in the result's ``executed`` (for tests).
    seed : int, optional
        The seed of the inputs; by default a new one from the operating
        system's random source, never stored anywhere.

    Returns
    -------
    NotebookGrade
        ``graded`` is False, with ``error`` saying why, when the file is not
        a notebook, is not an exercise, or its kernel died.
    """
    path, limits = Path(path), limits or Limits()
    nb, problem = _read(path)
    if nb is None:
        return NotebookGrade(str(path), None, False, error=problem)
    exercise = _which_exercise(nb, path)
    if exercise is None:
        return NotebookGrade(
            str(path), None, False,
            error="not an exercise notebook: no exercise name in its metadata or in its file name",
        )
    cells = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    source = Source(cells)
    tasks = tasks_for(exercise)
    seed = secrets.randbits(63) if seed is None else seed
    built = {task.name: [c.build(fresh_rng(seed, task.name, i)) for i, c in enumerate(task.cases)] for task in tasks}

    async def environment(session):
        try:
            return await session.ask("environment", timeout=30)
        except KernelGone:
            return None

    async def ask_every_task(session):
        replies, gone = {}, None
        for task in tasks:
            if gone is not None:
                replies[task.name] = gone
                continue
            wait = len(task.cases) * (limits.call_timeout + 2) + 30
            try:
                replies[task.name] = await session.ask(
                    "respond", judging.request(task, built[task.name], limits.call_timeout), timeout=wait,
                    keywords="{'namespace': globals()}",
                )
            except KernelGone as err:
                replies[task.name] = gone = {"gone": str(err)}
        return replies, await environment(session)

    executed, problem, before, asked = run(nb, limits, before=environment, after=ask_every_task)
    if executed is None:
        return NotebookGrade(str(path), exercise, False, error=problem)
    replies, after = asked
    grades = [_task_grade(task, built[task.name], replies[task.name], source) for task in tasks]
    found = flagging.from_source(cells) + flagging.from_environment(before, after)
    found += flagging.from_outputs(executed, {g.task: (g.points, g.max_points) for g in grades})
    errors = cell_errors(executed)
    return NotebookGrade(
        str(path), exercise, True, grades, cell_errors=list(errors.values()), flags=found,
        executed=executed if keep else None,
    )


def _task_grade(task, built, reply, source):
    if "gone" in reply:
        return TaskGrade(task.name, 0, task.max_points, "error", f"could not ask the kernel: {reply['gone']}")
    violation = task.rule.violation(source.uses(task.name)) if task.rule else None
    subchecks = judging.judge(task, built, reply, violation)
    points = sum(sub.points for sub in subchecks)
    statuses = {sub.status for sub in subchecks}
    if points == task.max_points:
        status = "passed"
    elif statuses == {"not attempted"}:
        status = "not attempted"
    else:
        status = "failed"
    failed = next((sub for sub in subchecks if sub.status not in ("passed", "not attempted")), None)
    first = f"{failed.label}: {failed.message or failed.status}" if failed is not None else None
    return TaskGrade(
        task.name, points, task.max_points, status, first, failed.hint_id if failed else None,
        subchecks=[asdict(sub) for sub in subchecks],
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


def grade(paths, limits=None, jobs=1, progress=None, keep=False):
    """Grade several notebooks, ``jobs`` at a time; results in the order of ``paths``.

    Parameters
    ----------
    paths : list of str or Path
    limits : Limits, optional
        For each notebook's kernel.
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
        futures = {pool.submit(grade_notebook, path, limits, keep): i for i, path in enumerate(paths)}
        done = 0
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done += 1
            if progress:
                progress(done, len(paths))
    return results


# --- command line -----------------------------------------------------------------------------------


def add_arguments(parser):
    defaults = Limits()
    parser.epilog = (
        "Exit status: 0 graded; 1 with --strict when a point was lost; 3 when a notebook could "
        "not be graded. Grading runs the submitted code: grade untrusted work in a container "
        "without network (see CONTRIBUTING.md)."
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders of notebooks")
    parser.add_argument("--json", action="store_true", help="print the grades as JSON instead of text")
    parser.add_argument("--csv", metavar="FILE", help="also write a gradebook: one row per notebook")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="notebooks graded at once (default 1)")
    parser.add_argument(
        "--timeout", type=int, default=defaults.cell_timeout, metavar="SECONDS",
        help=f"seconds one cell may run (default {defaults.cell_timeout})",
    )
    parser.add_argument(
        "--notebook-timeout", type=int, default=defaults.notebook_timeout, metavar="SECONDS",
        help=f"seconds a whole notebook may run (default {defaults.notebook_timeout})",
    )
    parser.add_argument(
        "--memory", type=float, default=defaults.memory_bytes / 2**30, metavar="GIB",
        help=f"memory each notebook's kernel may use, in GiB (default {defaults.memory_bytes / 2**30:g})",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when any point was lost")


def main(args):
    paths = expand(args.paths)
    if not paths:
        print("error: no notebooks found in " + ", ".join(args.paths), file=sys.stderr)
        return EXIT_UNGRADABLE
    limits = Limits(
        cell_timeout=args.timeout, notebook_timeout=args.notebook_timeout, memory_bytes=int(args.memory * 2**30)
    )
    progress = progress_bar(sys.stderr) if sys.stderr.isatty() and len(paths) > 1 else None
    grades = grade(paths, limits=limits, jobs=args.jobs, progress=progress)
    print(json_report(grades) if args.json else text_report(grades))
    if args.csv:
        write_csv(grades, args.csv, TASKS)
    return exit_status(grades, args.strict)


def exit_status(grades, strict=False):
    """3 if a notebook could not be graded; else 1 if ``strict`` and a point was lost; else 0."""
    if any(not g.graded for g in grades):
        return EXIT_UNGRADABLE
    if strict and any(g.points < g.max_points for g in grades):
        return EXIT_POINTS_LOST
    return EXIT_GRADED
