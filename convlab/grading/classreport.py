"""Where the class is stuck: ``python -m convlab report GRADEBOOK -o report.html``.

Reads the grader's gradebook (the JSON lines ``python -m convlab grade``
writes as it goes, ``grades.jsonl`` by default) and writes one self-contained
HTML page for the instructor — figures embedded as PNG, no script, nothing
fetched from anywhere:

- per task, the share of students with full marks, some points and none;
- the known mistakes, ranked by how many students made them, with the hint
  the learners read;
- the tasks whose answers raised errors, and the most common errors;
- apart from all that, rule breaks and flags: what an instructor should look at,
  never mixed in with the mistakes.

A student counts once per task: their best notebook for its exercise.

Examples
--------
>>> from convlab.grading.deciding.results import CheckResult, NotebookGrade, SubCheck
>>> wrong = SubCheck("a case", "failed", 0, 4, message="wrong values", hint_id="kernel-flipped", hint="Turn it.")
>>> grades = [NotebookGrade("a.ipynb", "01_loops", True, [CheckResult("conv2d_loops", "t", "01_loops", [wrong])],
...                         student="ann")]
>>> summary(grades)["mistakes"]
[('conv2d_loops', 'kernel-flipped', 1, 'Turn it.')]
"""

from __future__ import annotations

import base64
import html
import io
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

__all__ = ["summary", "render", "read_gradebook"]

#: Hints that say a rule was broken or the sandbox refused: listed apart from the mistakes.
RULE_HINTS = ("rule", "sandbox")


def read_gradebook(path):
    """The notebooks' grades from a gradebook file (JSON lines); lines cut short are skipped."""
    from .deciding.results import NotebookGrade

    grades = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            grades.append(NotebookGrade.from_dict(json.loads(line)["grade"]))
        except (ValueError, KeyError, TypeError):
            continue
    return grades


def _best(grades):
    """``{(student, exercise): grade}``: each student's best graded notebook for each exercise."""
    best = {}
    for g in grades:
        if not g.graded:
            continue
        key = (g.student or g.path, g.exercise)
        if key not in best or g.points > best[key].points:
            best[key] = g
    return best


def summary(grades):
    """What the report shows, as plain data.

    Returns
    -------
    dict
        ``tasks``: ``[(task, full, partial, none)]`` counts of students;
        ``mistakes``: ``[(task, hint_id, students, hint)]`` ranked; ``errors``:
        ``[(task, message, students)]``; ``rules``: ``[(task, hint_id, students)]``;
        ``flags``: ``[(who, flag)]``; ``ungraded``: ``[(who, error)]``; ``students``: how many.
    """
    best = _best(grades)
    outcome = defaultdict(Counter)
    mistakes, hints, errors, rules = Counter(), {}, Counter(), Counter()
    for (_, _), g in best.items():
        for task in g.tasks:
            kind = "full" if task.points == task.max_points else "partial" if task.points else "none"
            outcome[task.task][kind] += 1
            seen = set()
            for sub in task.subchecks:
                if sub.hint_id in RULE_HINTS:
                    seen.add(("rule", sub.hint_id))
                elif sub.hint_id:
                    seen.add(("mistake", sub.hint_id))
                    hints[(task.task, sub.hint_id)] = sub.hint or ""
                elif sub.status == "error" and sub.message:
                    seen.add(("error", sub.message.split(":")[0] if sub.message.startswith("error") else sub.message))
            for kind, what in seen:
                if kind == "mistake":
                    mistakes[(task.task, what)] += 1
                elif kind == "rule":
                    rules[(task.task, what)] += 1
                else:
                    errors[(task.task, what)] += 1
    order = {name: i for i, name in enumerate(_task_order())}

    def ranked(counts):
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    tasks = sorted(outcome, key=lambda t: order.get(t, len(order)))
    return {
        "students": len({who for who, _ in best}),
        "tasks": [(t, outcome[t]["full"], outcome[t]["partial"], outcome[t]["none"]) for t in tasks],
        "mistakes": [(t, h, n, hints[(t, h)]) for (t, h), n in ranked(mistakes)],
        "errors": [(t, m, n) for (t, m), n in ranked(errors)],
        "rules": [(t, h, n) for (t, h), n in ranked(rules)],
        "flags": sorted((g.student or g.path, flag) for g in grades for flag in g.flags),
        "ungraded": sorted((g.student or g.path, g.error or "") for g in grades if not g.graded),
    }


def _task_order():
    from .tasks import TASKS

    return list(TASKS)


def _figure(rows):
    """A horizontal stacked bar per task, as a PNG in base64: full, partial and no marks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [row[0] for row in rows][::-1]
    full, partial, none = (list(col)[::-1] for col in zip(*[row[1:] for row in rows])) if rows else ([], [], [])
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * max(len(rows), 3) + 1.0), dpi=110)
    left = [0] * len(names)
    for values, label, colour in ((full, "full marks", "#009E73"), (partial, "some points", "#E69F00"),
                                  (none, "no points", "#D55E00")):
        ax.barh(names, values, left=left, label=label, color=colour)
        left = [a + b for a, b in zip(left, values)]
    ax.set_xlabel("students")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_title("Points per task")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _table(header, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return (f"<div class='wide'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
            if rows else "<p>None.</p>")


def render(grades, title="Where the class is stuck"):
    """The report as one HTML page (a string)."""
    data = summary(grades)
    figure = _figure(data["tasks"])
    style = ("body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45}"
             "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border-bottom:1px solid #ccc;"
             "padding:0.25em 0.6em;text-align:left;vertical-align:top}img{max-width:100%}"
             "h2{margin-top:1.6em}.note{color:#555}.wide{overflow-x:auto}td{overflow-wrap:break-word}"
             "@media (max-width:600px){body{font-size:15px;margin:1em auto}td,th{padding:0.2em 0.35em}}")
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(title)}</title><style>{style}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='note'>{data['students']} students; each counts once per task, with their best notebook for "
        f"its exercise.</p>",
        "<h2>Points per task</h2>",
        f"<img alt='For each task, how many students got full marks, some points and none.' "
        f"src='data:image/png;base64,{figure}'>",
        _table(["task", "full marks", "some points", "no points"], data["tasks"]),
        "<h2>The mistakes students made</h2>",
        "<p class='note'>Known mistakes, by how many students made them, with the hint they were shown.</p>",
        _table(["task", "mistake", "students", "hint"], data["mistakes"]),
        "<h2>Errors</h2>",
        _table(["task", "error", "students"], data["errors"]),
        "<h2>For the instructor: rule breaks and flags</h2>",
        "<p class='note'>Answers that broke their task's rule or did what the grader's sandbox refuses, and what "
        "looked like tampering. They are not mistakes of understanding; read them one by one.</p>",
        _table(["task", "what", "students"], data["rules"]),
        _table(["student", "flag"], data["flags"]),
        "<h2>Notebooks that could not be graded</h2>",
        _table(["student", "why"], data["ungraded"]),
        "</body></html>",
    ]
    return "\n".join(parts)


def add_arguments(parser):
    parser.add_argument("gradebook", metavar="GRADEBOOK", help="the grader's gradebook (grades.jsonl)")
    parser.add_argument("-o", "--output", default="report.html", metavar="HTML",
                        help="the page to write (default report.html)")


def main(args):
    try:
        grades = read_gradebook(args.gradebook)
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    Path(args.output).write_text(render(grades), encoding="utf-8")
    print(f"wrote {args.output}: {summary(grades)['students']} students")
    return 0
