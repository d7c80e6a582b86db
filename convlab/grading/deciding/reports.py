"""Grade reports for instructors: text for a terminal, JSON, and a CSV gradebook.

Everything a submission can influence (messages of its exceptions, paths, flags) goes
through :func:`clean` before it reaches a report, so no submission can forge a
line of the report or send escape sequences to the instructor's terminal.

Examples
--------
>>> from convlab.grading.deciding.results import CheckResult, NotebookGrade, SubCheck
>>> loops = CheckResult("conv2d_loops", "conv2d with loops", "01_loops", [SubCheck("a case", "passed", 4, 4)])
>>> g = NotebookGrade("alice.ipynb", "01_loops", True, [loops])
>>> print(text_report([g]))
alice.ipynb (01_loops)
  conv2d_loops    4/4  passed
  total           4/4
<BLANKLINE>
1 passed, 0 failed
"""

from __future__ import annotations

import csv
import json
import unicodedata

__all__ = ["text_report", "json_report", "write_csv", "progress_bar", "clean"]


def clean(text, keep_newlines=False):
    """``text`` with every control or format character shown as an escape (``\\n``, ``\\x1b``, ``\\u202e``).

    Examples
    --------
    >>> print(clean("cell 3: ValueError: no\\n  conv2d_loops  4/4  passed\\x1b[2J"))
    cell 3: ValueError: no\\n  conv2d_loops  4/4  passed\\x1b[2J
    """
    shown = []
    for ch in str(text):
        if ch == "\n" and keep_newlines:
            shown.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            shown.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            shown.append(ch)
    return "".join(shown)


def text_report(grades):
    """Per notebook: one line per task, a total, the flags; then ``N passed, M failed``."""
    lines = []
    for grade in grades:
        path = clean(grade.path)
        if not grade.graded:
            lines.append(f"{path}: could not grade: {clean(grade.error)}")
            lines.append("")
            continue
        lines.append(f"{path} ({clean(grade.exercise or 'unknown exercise')})")
        width = max([len(task.task) for task in grade.tasks] + [len("total")])
        for task in grade.tasks:
            line = f"  {task.task:<{width}}  {_score(task.points, task.max_points)}  {task.status}"
            details = task.to_dict()
            if details["first_failure"]:
                line += f": {clean(details['first_failure'])}"
                if details["hint_id"]:
                    line += f" [{clean(details['hint_id'])}]"
            lines.append(line)
        lines.append(f"  {'total':<{width}}  {_score(grade.points, grade.max_points)}")
        if grade.cell_errors:
            lines.append(f"  cells that raised an error ({len(grade.cell_errors)}):")
            lines.extend(f"    {clean(error)}" for error in grade.cell_errors)
        if grade.flags:
            lines.append(f"  flags for the instructor ({len(grade.flags)}):")
            lines.extend(f"    {clean(flag)}" for flag in grade.flags)
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
    """Everything, as JSON: every notebook, task and sub-check, the flags, and the counts."""
    passed, failed, ungradable = _counts(grades)
    return json.dumps(
        {"notebooks": [g.to_dict() for g in grades], "passed": passed, "failed": failed, "ungradable": ungradable},
        indent=2,
        ensure_ascii=False,
    )


def write_csv(grades, path, tasks):
    """One row per notebook: path, exercise, graded, points, max_points, one column per task, flags, error.

    Parameters
    ----------
    grades : list of NotebookGrade
    path : str or Path
    tasks : iterable of str
        Every task name, in order; columns are kept for the tasks that occur.
    """
    names = [name for name in tasks if any(task.task == name for g in grades for task in g.tasks)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["notebook", "exercise", "graded", "points", "max_points", *names, "flags", "error"])
        for grade in grades:
            scores = {task.task: task.points for task in grade.tasks}
            writer.writerow([
                _cell(grade.path),
                grade.exercise or "",
                "yes" if grade.graded else "no",
                grade.points if grade.graded else "",
                grade.max_points if grade.graded else "",
                *[scores.get(name, "") for name in names],
                _cell("; ".join(grade.flags)),
                _cell(grade.error or ""),
            ])


def _cell(text):
    """Text from a submission, safe in a spreadsheet: no control characters, never read as a formula."""
    text = clean(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def progress_bar(stream):
    """``progress(done, total)`` drawing a bar on ``stream`` (a terminal)."""

    def show(done, total):
        filled = round(30 * done / total)
        stream.write(f"\rgrading [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show
