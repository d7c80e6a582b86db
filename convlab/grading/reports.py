"""Grade reports for instructors: text for a terminal, JSON, and a CSV gradebook.

Examples
--------
>>> from convlab.grading.grader import NotebookGrade, TaskGrade
>>> g = NotebookGrade("alice.ipynb", "01_loops", True, [TaskGrade("conv2d_loops", 4, 4, "passed")])
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

__all__ = ["text_report", "json_report", "write_csv", "progress_bar"]


def text_report(grades):
    """Per notebook: one line per task, a total, the flags; then ``N passed, M failed``."""
    lines = []
    for grade in grades:
        if not grade.graded:
            lines.append(f"{grade.path}: could not grade: {grade.error}")
            lines.append("")
            continue
        lines.append(f"{grade.path} ({grade.exercise or 'unknown exercise'})")
        width = max([len(task.task) for task in grade.tasks] + [len("total")])
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
        if grade.flags:
            lines.append(f"  flags for the instructor ({len(grade.flags)}):")
            lines.extend(f"    {flag}" for flag in grade.flags)
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
                grade.path,
                grade.exercise or "",
                "yes" if grade.graded else "no",
                grade.points if grade.graded else "",
                grade.max_points if grade.graded else "",
                *[scores.get(name, "") for name in names],
                "; ".join(grade.flags),
                grade.error or "",
            ])


def progress_bar(stream):
    """``progress(done, total)`` drawing a bar on ``stream`` (a terminal)."""

    def show(done, total):
        filled = round(30 * done / total)
        stream.write(f"\rgrading [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show
