"""Grade submitted exercise notebooks: ``python -m convlab grade PATH...``.

Every submission is treated as code written by an adversary who wants a
better grade, a worse grade for someone else, or the grading machine.  For
each notebook the grader

1. reads the file (never writes it, never runs it here) and parses its code
   cells (:mod:`convlab.grading.deciding.source`): which statements define each
   task's answer, what they use, and whether that keeps the task's rule;
2. runs the notebook top to bottom in a kernel, in a sandbox of its own
   (:mod:`convlab.grading.sandbox`, :mod:`convlab.grading.inside.notebook`),
   for the cells' errors and what an instructor should see (flags) — never for
   points;
3. asks the questions in *another* sandbox, made after the first is gone, in
   a fresh interpreter guarded before any learner code runs, holding only the
   statements that define the graded names (:mod:`convlab.grading.inside.ask`),
   on inputs drawn from a seed made for this grading run;
4. judges here (:mod:`convlab.grading.deciding.judge`), from the plain data
   that came back: references, comparisons, hints and points.

Each notebook is graded inside its own error boundary: a file that is not a
notebook, metadata of the wrong type, code the parser chokes on, a sandbox
that dies or sends too much — each makes that notebook "could not grade",
with the reason, and the run goes on.  Results are written to a gradebook
file (JSON lines) as each notebook finishes, so an interrupted run resumes
with ``--resume`` without losing or regrading anything.

Exit status: 0 when every notebook was graded, 1 with ``--strict`` when a
point was lost, 3 when some notebook could not be graded; 2 is argparse's
usage error, and 4 means no sandbox could be made here (see ``--no-sandbox``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from . import students as placing
from .deciding import flags as flagging
from .deciding import judge as judging
from .deciding import library
from .deciding.reports import clean, json_report, progress_bar, progress_lines, text_report, write_csv, write_gradebook
from .deciding.results import CheckResult, NotebookGrade, SubCheck
from .deciding.similarity import fingerprint
from .deciding.source import Source
from .limits import Limits
from .sandbox import NO_SANDBOX_NOTE, Sandbox, SandboxUnavailable
from .tasks import EXERCISES, TASKS, tasks_for
from .tasks.base import fresh_rng

__all__ = [
    "grade_notebook", "grade", "NotebookGrade", "Limits", "Gradebook",
    "EXIT_GRADED", "EXIT_POINTS_LOST", "EXIT_UNGRADABLE", "EXIT_NO_SANDBOX",
]

EXIT_GRADED = 0
EXIT_POINTS_LOST = 1
EXIT_UNGRADABLE = 3
EXIT_NO_SANDBOX = 4


# --- one notebook ----------------------------------------------------------------------------------


def grade_notebook(path, sandbox=None, keep=False, seed=None, references=None):
    """Grade one notebook: run it in a sandbox, ask its answers in another, judge here.

    Parameters
    ----------
    path : str or Path
        The submitted notebook.  It is read, never written.
    sandbox : Sandbox, optional
        Where its code runs (a bubblewrap sandbox with :class:`Limits`' defaults if not given).
    keep : bool, optional
        Keep the executed notebook in the result's ``executed`` (for tests).
    seed : int, optional
        The seed of the inputs; by default a new one from the operating
        system's random source, never stored anywhere.
    references : dict, optional
        ``{task: fingerprint}`` of the reference solutions (:func:`reference_fingerprints`):
        a submission whose code for a task is the solution's is flagged.

    Returns
    -------
    NotebookGrade
        ``graded`` is False, with ``error`` saying why, when the file is not
        an exercise notebook, its notebook did not run to the end, or a
        sandbox failed.  Never raises for anything in the file.
    """
    sandbox = sandbox or Sandbox()
    try:
        return _grade(Path(path), sandbox, keep, seed, references or {})
    except Exception as err:  # noqa: BLE001 - MemoryError, RecursionError included: one notebook, not the run
        return _ungradable(path, sandbox, f"could not grade it: {type(err).__name__}: {err}")


def _ungradable(path, sandbox, error, exercise=None):
    return NotebookGrade(str(path), exercise, False, error=clean(str(error))[:500], sandbox=_mode(sandbox))


def _mode(sandbox):
    return "bubblewrap" if sandbox.isolate else "none"


def _grade(path, sandbox, keep, seed, references):
    limits = sandbox.limits
    nb, problem = _read(path, limits.notebook_bytes)
    if nb is None:
        return _ungradable(path, sandbox, problem)
    exercise = _which_exercise(nb, path)
    if exercise is None:
        return _ungradable(path, sandbox,
                           "not an exercise notebook: no exercise name in its metadata or in its file name")
    cells = [cell.get("source") if isinstance(cell.get("source"), str) else ""
             for cell in nb.cells if cell.get("cell_type") == "code"]
    source = parse(cells)
    tasks = tasks_for(exercise)
    seed = secrets.randbits(63) if seed is None else seed
    built = {task.name: [c.build(fresh_rng(seed, task.name, i)) for i, c in enumerate(task.cases)] for task in tasks}

    ran = sandbox.run("notebook", {"notebook": _without_outputs(nb), "limits": limits.to_dict()},
                      timeout=limits.notebook_timeout + 180)
    executed, environment, problem = _read_run(ran)
    if problem is not None:
        return _ungradable(path, sandbox, problem, exercise)

    checks = {task.name: _static_check(task, source) for task in tasks}
    asked = [
        {"name": task.name, "statements": checks[task.name]["statements"], "imports": checks[task.name]["imports"],
         "request": judging.request(task, built[task.name], limits.call_timeout)}
        for task in tasks if checks[task.name]["refusal"] is None
    ]
    replies = {}
    if asked:
        timeout = sum(limits.definition_timeout + 5
                      + (len(t["request"]["cases"]) + 1) * ((t["request"]["time_limit"] or limits.call_timeout) + 2)
                      for t in asked) + 60
        outcome = sandbox.run("ask", {"cells": source.cells, "tasks": asked, "limits": limits.to_dict()}, timeout)
        if outcome.problem is not None:
            return _ungradable(path, sandbox, f"could not ask its answers: {outcome.problem}", exercise)
        replies = outcome.reply.get("tasks") if isinstance(outcome.reply, dict) else None
        if not isinstance(replies, dict):
            return _ungradable(path, sandbox, "could not ask its answers: the reply is not the grader's", exercise)

    results = [_task_result(task, built[task.name], replies.get(task.name), checks[task.name]) for task in tasks]
    prints = {task.name: fingerprint(source, task.name) for task in tasks}
    found = flagging.from_source(cells) + flagging.from_environment(*environment)
    found += flagging.from_outputs(executed, {r.task: (r.points, r.max_points) for r in results})
    found += [f"{name}: the code is the reference solution's, under other names or spacing"
              for name, value in prints.items() if value and value == references.get(name)]
    if not sandbox.isolate:
        found.append(NO_SANDBOX_NOTE)
    return NotebookGrade(
        str(path), exercise, True, results, cell_errors=[clean(e) for e in cell_errors(executed).values()],
        flags=[clean(f) for f in found], sandbox=_mode(sandbox), fingerprints=prints,
        executed=executed if keep else None,
    )


def reference_fingerprints(location):
    """``{task: fingerprint}`` of the reference solutions: a folder of solution notebooks, or a JSON file of them.

    Returns
    -------
    dict
        Empty when ``location`` is None or does not exist.
    """
    if location is None or not Path(location).exists():
        return {}
    location = Path(location)
    if location.is_file():
        return {str(k): str(v) for k, v in json.loads(location.read_text()).items()}
    import nbformat

    found = {}
    for exercise, names in EXERCISES.items():
        path = location / f"{exercise}.ipynb"
        if path.exists():
            nb = nbformat.read(path, as_version=4)
            source = parse([cell.source for cell in nb.cells if cell.cell_type == "code"])  # as submissions are
            found.update({name: fingerprint(source, name) for name in names})
    return {name: value for name, value in found.items() if value}


def default_solutions():
    """The solutions folder of the repository convlab is installed from, when there is one (else None)."""
    import convlab

    folder = Path(convlab.__file__).resolve().parents[1] / "solutions"
    return folder if folder.is_dir() else None


def parse(cells):
    """The code cells as a :class:`Source`, read after the libraries they name are in the table.

    SciPy's names are imported only for code that writes ``scipy`` (:func:`.library.named_roots`),
    and before the code is read: ``from scipy.signal import *`` binds SciPy's names, not nothing.
    """
    library.prepare(library.named_roots(cells))
    return Source(cells)


def _static_check(task, source):
    """What the source says about a task: the statements to run, its rule, and whether to run it at all."""
    program = source.program(task.name)
    uses = source.uses(task.name)
    refusal = judging.refusal_of(uses, program.unsupported if program else ())
    violation = task.rule.violation(uses) if task.rule is not None else None
    return {
        "statements": [list(place) for place in program.statements] if program else [],
        "imports": dict(program.imports) if program else {},
        "refusal": refusal, "violation": violation,
    }


def _task_result(task, built, reply, check):
    try:
        if check["refusal"] is None and reply is None:
            reply = {"gone": "no reply for this task"}
        subchecks = judging.judge(task, built, reply or {}, check["violation"], check["refusal"])
    except Exception as err:  # noqa: BLE001 - a reply too odd to judge fails this task, not the run
        subchecks = [SubCheck(case.label, "error", 0, case.points,
                                      message=f"the grader could not judge the reply ({type(err).__name__})")
                     for case in task.cases]
    for sub in subchecks:
        for key in ("message", "expected", "got", "summary", "where", "hint"):
            value = getattr(sub, key)
            if isinstance(value, str):
                setattr(sub, key, clean(value, keep_newlines=key in ("expected", "got")))
    note = None
    problems = reply.get("definitions") if isinstance(reply, dict) else None
    if isinstance(problems, list) and problems and any(s.status != "passed" for s in subchecks):
        note = clean("while defining it: " + "; ".join(str(p) for p in problems[:3]))[:500]
    return CheckResult(task.name, task.title, task.exercise, subchecks, note)


def cell_errors(nb):
    """``{cell index: "cell N: Name: message"}`` for each cell of an executed notebook that raised."""
    found = {}
    if nb is None:
        return found
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if isinstance(cell.get("outputs"), list) else []:
            if isinstance(output, dict) and output.get("output_type") == "error":
                if output.get("ename") == "KeyboardInterrupt":  # how nbclient stops a cell at its time limit
                    message = "interrupted: the cell ran longer than the time limit"
                else:
                    message = f"{output.get('ename')}: {output.get('evalue')}".strip().splitlines()[0]
                found[index] = f"cell {index + 1}: {message[:120]}"
    return found


def _without_outputs(nb):
    """The notebook as plain JSON-ready data, with the learner's own outputs removed: they never count."""
    data = json.loads(json.dumps(nb))
    for cell in data.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return data


def _read_run(outcome):
    """``(executed notebook, (environment before, after), problem)`` from the notebook's sandbox."""
    import nbformat

    if outcome.problem is not None:
        return None, (None, None), f"could not run it: {outcome.problem}"
    reply = outcome.reply
    if not isinstance(reply, dict):
        return None, (None, None), "could not run it: the sandbox's reply is not the grader's"
    if reply.get("problem") is not None:
        return None, (None, None), str(reply["problem"])[:500]
    environment = reply.get("environment")
    environment = tuple(environment) if isinstance(environment, list) and len(environment) == 2 else (None, None)
    try:
        executed = nbformat.from_dict(reply["notebook"])
        if not isinstance(executed.get("cells"), list):
            raise ValueError("no cells")
    except Exception:  # noqa: BLE001 - what a sandbox sends is data, checked here
        return None, (None, None), "could not run it: the sandbox sent back something that is not a notebook"
    return executed, environment, None


def _read(path, max_bytes):
    import nbformat

    try:
        if path.stat().st_size > max_bytes:
            return None, f"it is larger than {max_bytes:,} bytes"
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return None, f"cannot read it: {err}"
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # noqa: BLE001 - nbformat raises several kinds for "not a notebook"
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return None, f"not a Jupyter notebook ({first[:200]})"
    return nb, None


def _which_exercise(nb, path):
    """The exercise a notebook answers: from its metadata, else from its file name."""
    meta = nb.metadata.get("convlab") if isinstance(nb.get("metadata"), dict) else None
    name = meta.get("exercise") if isinstance(meta, dict) else None
    if isinstance(name, str) and name in EXERCISES:
        return name
    matches = [exercise for exercise in EXERCISES if exercise in path.stem]
    return max(matches, key=len) if matches else None


# --- many notebooks ------------------------------------------------------------------------------


def expand(paths):
    """``[(notebook, folder it was found in)]`` from files and folders (a folder means every ``*.ipynb`` in it,
    at any depth, sorted)."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend((notebook, path) for notebook in placing.expand_folder(path))
        else:
            found.append((path, path.parent))
    return found


def digest(path):
    """The SHA-256 of a file's bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class Gradebook:
    """Results written as each notebook finishes (JSON lines), read back by ``--resume``.

    Parameters
    ----------
    path : str or Path
    resume : bool
        Keep the results already in the file and skip the notebooks they
        cover (same path, same bytes); without it the file starts empty.
    """

    def __init__(self, path, resume=False):
        self.path = Path(path)
        self.done = {}
        if resume and self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self.done[(entry["path"], entry["sha256"])] = NotebookGrade.from_dict(entry["grade"])
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short when the run was stopped
        else:
            self.path.write_text("", encoding="utf-8")

    def get(self, path, sha256):
        return self.done.get((str(path), sha256))

    def add(self, grade, sha256):
        entry = {"path": grade.path, "sha256": sha256, "grade": grade.to_dict()}
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()


def grade(paths, limits=None, jobs=1, progress=None, keep=False, sandbox=None, gradebook=None, references=None,
          students=None):
    """Grade several notebooks, ``jobs`` at a time; results in the order of ``paths``.

    Parameters
    ----------
    paths : list of str or Path
    limits : Limits, optional
        For each notebook's sandboxes (ignored when ``sandbox`` is given).
    jobs : int
        Notebooks graded at once, each in sandboxes of its own.
    progress : callable, optional
        ``progress(done, total)`` after each notebook.
    keep : bool
        Keep each executed notebook (see :func:`grade_notebook`).
    sandbox : Sandbox, optional
        Bubblewrap with ``limits`` if not given.
    gradebook : Gradebook, optional
        Where each result is written as it finishes; notebooks it already
        holds (same path, same bytes) are not graded again.
    references : dict, optional
        The reference solutions' fingerprints (see :func:`grade_notebook`).
    students : list, optional
        Whose each notebook is (None where it could not be placed), in the order of ``paths``.

    Returns
    -------
    list of NotebookGrade
    """
    sandbox = sandbox or Sandbox(limits or Limits())
    paths = list(paths)
    results = [None] * len(paths)
    hashes = [digest(path) for path in paths]
    todo = []
    students = list(students) if students is not None else [None] * len(paths)
    for i, (path, sha256) in enumerate(zip(paths, hashes)):
        earlier = gradebook.get(path, sha256) if gradebook is not None and sha256 else None
        if earlier is not None:
            results[i] = earlier
            earlier.student = students[i]
        else:
            todo.append(i)
    done = len(paths) - len(todo)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_notebook, paths[i], sandbox, keep, None, references): i for i in todo}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            results[i].student = students[i]
            if gradebook is not None and hashes[i]:
                gradebook.add(results[i], hashes[i])
            done += 1
            if progress:
                progress(done, len(paths), paths[i])
    return results


# --- command line -----------------------------------------------------------------------------------


def add_arguments(parser):
    defaults = Limits()
    parser.epilog = (
        "Each notebook runs in sandboxes made by bubblewrap: no network, a private file system, "
        "its processes ended with it. Exit status: 0 graded; 1 with --strict when a point was "
        "lost; 3 when a notebook could not be graded; 4 when no sandbox can be made here."
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders of notebooks")
    parser.add_argument("--json", action="store_true", help="print the grades as JSON instead of text")
    parser.add_argument("--csv", metavar="FILE", help="also write a gradebook: one row per notebook")
    parser.add_argument("--results", metavar="FILE",
                        help="where each result is written as it finishes (default: grades.jsonl when a folder is "
                             "graded; nothing for single notebooks)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the results already in --results and grade only the notebooks they miss")
    parser.add_argument("--executed", metavar="FOLDER",
                        help="also write each notebook as it ran there (its outputs, for feedback)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="notebooks graded at once (default 1)")
    parser.add_argument(
        "--timeout", type=int, default=defaults.cell_timeout, metavar="SECONDS",
        help=f"seconds one cell may run (default {defaults.cell_timeout})",
    )
    parser.add_argument(
        "--call-timeout", type=float, default=defaults.call_timeout, metavar="SECONDS",
        help=f"seconds one call of an answer may run (default {defaults.call_timeout:g})",
    )
    parser.add_argument(
        "--definition-timeout", type=float, default=defaults.definition_timeout, metavar="SECONDS",
        help=f"seconds the statements that define one answer may run when it is asked "
             f"(default {defaults.definition_timeout:g})",
    )
    parser.add_argument(
        "--notebook-timeout", type=int, default=defaults.notebook_timeout, metavar="SECONDS",
        help=f"seconds a whole notebook may run (default {defaults.notebook_timeout})",
    )
    parser.add_argument(
        "--memory", type=float, default=defaults.memory_bytes / 2**30, metavar="GIB",
        help=f"memory of each sandbox, in GiB (default {defaults.memory_bytes / 2**30:g})",
    )
    parser.add_argument("--gradebook", metavar="FILE",
                        help="also write one row per student, one column per exercise, and a total")
    parser.add_argument("--roster", metavar="CSV",
                        help="students' IDs (first column) and the names their files may show (other columns)")
    parser.add_argument("--student-pattern", metavar="REGEX",
                        help="where a file's path names its student: a regular expression with a group "
                             "(?P<student>...), matched against the path inside the folder")
    parser.add_argument("--solutions", metavar="PATH", default="auto",
                        help="reference solutions, to flag copies of them: a folder of solution notebooks or a "
                             "JSON file of fingerprints (default: the repository's solutions/, if there is one; "
                             "none to skip)")
    parser.add_argument(
        "--no-sandbox", action="store_true",
        help="run submissions without bubblewrap (only inside a container that is itself the sandbox, "
             "such as an autograder's; every notebook's report says so)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when any point was lost")


def main(args):
    import re

    library.prepare(library.named_roots([]))  # NumPy's, convlab's and Python's names resolve before any submission
    found = expand(args.paths)
    paths = [path for path, _ in found]
    if not paths:
        print("error: no notebooks found in " + ", ".join(args.paths), file=sys.stderr)
        return EXIT_UNGRADABLE
    limits = Limits(
        cell_timeout=args.timeout, call_timeout=getattr(args, "call_timeout", Limits.call_timeout),
        definition_timeout=getattr(args, "definition_timeout", Limits.definition_timeout),
        notebook_timeout=args.notebook_timeout, memory_bytes=int(args.memory * 2**30),
    )
    sandbox = Sandbox(limits, isolate=not getattr(args, "no_sandbox", False))
    try:
        sandbox.check()
    except SandboxUnavailable as err:
        print(f"error: {err}. Submissions are code from strangers: the grader will not run them "
              f"unsandboxed unless told --no-sandbox.", file=sys.stderr)
        return EXIT_NO_SANDBOX
    try:
        roster = placing.Roster(args.roster) if getattr(args, "roster", None) else None
        pattern = re.compile(args.student_pattern) if getattr(args, "student_pattern", None) else None
    except (OSError, ValueError, re.error) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_UNGRADABLE
    solutions = getattr(args, "solutions", "auto")
    references = reference_fingerprints(default_solutions() if solutions == "auto" else
                                        None if solutions == "none" else solutions)
    results = getattr(args, "results", None)
    if results is None and any(Path(p).is_dir() for p in args.paths):
        results = "grades.jsonl"  # a class: results kept as they come, so an interrupted run can resume
    gradebook = Gradebook(results, resume=getattr(args, "resume", False)) if results else None
    progress = None
    if len(paths) > 1:
        progress = progress_bar(sys.stderr) if sys.stderr.isatty() else progress_lines(sys.stderr)
    executed = getattr(args, "executed", None)
    students = [placing.place(path, root, roster, pattern) for path, root in found]
    try:
        grades = grade(paths, jobs=args.jobs, progress=progress, sandbox=sandbox, gradebook=gradebook,
                       keep=bool(executed), references=references, students=students)
    except KeyboardInterrupt:
        kept = f"the results so far are in {results}; grade again with --resume to go on" if results else \
            "nothing was kept (give --results FILE to keep results as they come)"
        print(f"\nstopped: {kept}", file=sys.stderr)
        return EXIT_UNGRADABLE
    print(json_report(grades) if args.json else text_report(grades))
    if getattr(args, "gradebook", None):
        write_gradebook(grades, args.gradebook, EXERCISES, roster.ids if roster else None)
    if executed:
        write_executed(grades, executed)
    if args.csv:
        write_csv(grades, args.csv, TASKS)
    return exit_status(grades, args.strict)


def write_executed(grades, folder):
    """Each executed notebook as ``FOLDER/<file name>`` (``<stem>-2.ipynb`` and so on when names repeat)."""
    import nbformat

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    taken = set()
    for g in grades:
        if g.executed is None:
            continue
        stem, number = Path(g.path).stem, 1
        name = f"{stem}.ipynb"
        while name in taken:
            number += 1
            name = f"{stem}-{number}.ipynb"
        taken.add(name)
        nbformat.write(g.executed, folder / name)


def exit_status(grades, strict=False):
    """3 if a notebook could not be graded; else 1 if ``strict`` and a point was lost; else 0."""
    if any(not g.graded for g in grades):
        return EXIT_UNGRADABLE
    if strict and any(g.points < g.max_points for g in grades):
        return EXIT_POINTS_LOST
    return EXIT_GRADED
