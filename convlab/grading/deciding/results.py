"""What a check or the grader found: one result model, shown as plain text, HTML and JSON.

:class:`CheckResult` holds one :class:`SubCheck` per case of a task, for the
notebook's ``check()`` and the grader alike, with one rule for its status;
:class:`NotebookGrade` holds the grader's results for one notebook.  In
JupyterLab it shows as HTML; anywhere else as text, one line per sub-check,
readable without colour.  Both carry, in the same display, a JSON record
with the MIME type :data:`RECORD_MIME`.  The record is never a grade: the
grader decides points in its own process, and reads records only to tell an
instructor when a notebook showed full marks that its own grading did not
confirm (:mod:`convlab.grading.deciding.flags`).

Examples
--------
>>> result = CheckResult("demo", "a demonstration", "00_start_here", [
...     SubCheck("first case", "passed", 1, 1),
...     SubCheck("second case", "failed", 0, 2, message="wrong values",
...              expected="[1 2]", got="[2 1]", hint_id="axes-swapped", hint="Axes swapped."),
... ])
>>> result.points, result.max_points, result.status
(1, 3, 'failed')
>>> print(result)
demo: 1/3 points
  ✓ 1/1  first case
  ✗ 0/2  second case: wrong values
         expected  got
         [1 2]     [2 1]
         Hint: Axes swapped.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field

__all__ = ["CheckResult", "SubCheck", "NotebookGrade", "RECORD_MIME", "SYMBOLS"]

#: MIME type of the machine-readable record of a check.
RECORD_MIME = "application/vnd.convlab.check+json"

#: One symbol per status; each line also says the status in words unless it passed.
SYMBOLS = {"passed": "✓", "failed": "✗", "not attempted": "–", "error": "!"}
_COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "not attempted": "#6e7781", "error": "#bc4c00"}


@dataclass
class SubCheck:
    """The outcome of one sub-check.

    Parameters
    ----------
    label : str
        What was tried.
    status : {"passed", "failed", "not attempted", "error"}
    points, max_points : int
    message : str
        Why it did not pass, in a few words ("wrong values", "error: IndexError: ...").
    expected, got : str, optional
        Small values, formatted to be shown side by side.
    summary : str, optional
        One line comparing values too large to show (shape, dtype, largest error).
    where : str, optional
        The learner's line an error or time limit happened in.
    hint_id, hint : str, optional
        A recognised mistake and what to do about it.
    """

    label: str
    status: str
    points: int
    max_points: int
    message: str = ""
    expected: str | None = None
    got: str | None = None
    summary: str | None = None
    where: str | None = None
    hint_id: str | None = None
    hint: str | None = None

    @property
    def passed(self):
        return self.status == "passed"


@dataclass
class CheckResult:
    """The result of :func:`convlab.grading.check` for one task.

    Attributes
    ----------
    task, title, exercise : str
        Which task was checked.
    subchecks : list of SubCheck
    note : str, optional
        Something about the task as a whole ("conv2d_loops is not defined yet").
    inputs : str, optional
        What the sub-checks ran on, said once under them.
    points, max_points : int
    status : {"passed", "failed", "not attempted"}
    passed : bool
    """

    task: str
    title: str
    exercise: str
    subchecks: list = field(default_factory=list)
    note: str | None = None
    inputs: str | None = None

    def __post_init__(self):
        self._shown_in = None  # the IPython execution that already displayed it

    @property
    def points(self):
        return sum(sub.points for sub in self.subchecks)

    @property
    def max_points(self):
        return sum(sub.max_points for sub in self.subchecks)

    @property
    def status(self):
        statuses = {sub.status for sub in self.subchecks}
        if statuses <= {"passed"}:
            return "passed"
        if statuses == {"not attempted"}:
            return "not attempted"
        return "failed"

    @property
    def passed(self):
        return self.status == "passed"

    def first_failure(self):
        """The first sub-check that did not pass, or None."""
        return next((sub for sub in self.subchecks if not sub.passed), None)

    def record(self):
        """The JSON-ready record the grader reads."""
        return {
            "version": 1,  # of this layout
            "task": self.task,
            "exercise": self.exercise,
            "points": self.points,
            "max_points": self.max_points,
            "status": self.status,
            "subchecks": [
                {key: value for key, value in asdict(sub).items() if key not in ("expected", "got")}
                for sub in self.subchecks
            ],
        }

    def failure_line(self):
        """``"label: why"`` of the first sub-check that did not pass, for reports; None when all passed."""
        failed = next((s for s in self.subchecks if s.status not in ("passed", "not attempted")), None)
        return f"{failed.label}: {failed.message or failed.status}" if failed is not None else None

    def to_dict(self):
        """Everything, JSON-ready: the task, its points and status, its first failure, every sub-check."""
        failed = next((s for s in self.subchecks if s.status not in ("passed", "not attempted")), None)
        return {
            "task": self.task, "title": self.title, "exercise": self.exercise,
            "points": self.points, "max_points": self.max_points, "status": self.status,
            "first_failure": self.failure_line(), "hint_id": failed.hint_id if failed else None,
            "note": self.note, "subchecks": [asdict(sub) for sub in self.subchecks],
        }

    @classmethod
    def from_dict(cls, data):
        """The result :meth:`to_dict` described (for a gradebook read back)."""
        return cls(data["task"], data.get("title", ""), data.get("exercise", ""),
                   [SubCheck(**sub) for sub in data.get("subchecks", [])], data.get("note"))

    # --- plain text -------------------------------------------------------------------------

    def __str__(self):
        if self.status == "not attempted":
            head = f"{self.task}: not attempted (0/{self.max_points} points)"
        else:
            head = f"{self.task}: {self.points}/{self.max_points} points"
        lines = [head]
        for sub, shown in zip(self.subchecks, _details(self.subchecks)):
            lines.append(f"  {SYMBOLS[sub.status]} {sub.points}/{sub.max_points}  {sub.label}{_reason(shown)}")
            lines.extend("         " + line for line in _detail_lines(shown))
        if self.note:
            lines.append(f"  {self.note}")
        if self.inputs and self.status != "not attempted":
            lines.append(f"  ({self.inputs})")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))

    # --- HTML -------------------------------------------------------------------------------

    def _repr_html_(self):
        colour = _COLOURS[self.status]
        if self.status == "not attempted":
            score = f"not attempted · 0/{self.max_points} points"
        else:
            score = f"{self.points}/{self.max_points} points"
        parts = [
            '<div class="convlab-check" style="margin: 0.2em 0; line-height: 1.45">',
            f'<div><code style="font-weight: bold">{_h(self.task)}</code> · {_h(self.title)} · '
            f'<b style="color: {colour}">{_h(score)}</b></div>',
        ]
        for sub, shown in zip(self.subchecks, _details(self.subchecks)):
            parts.append(
                '<div style="display: flex; margin: 0.15em 0 0.15em 1em">'
                f'<div style="color: {_COLOURS[sub.status]}; font-weight: bold; flex: 0 0 1.3em">'
                f"{SYMBOLS[sub.status]}</div>"
                f'<div style="flex: 0 0 2.8em">{sub.points}/{sub.max_points}</div>'
                f"<div>{_h(sub.label)}{_h(_reason(shown))}{_detail_html(shown)}</div></div>"
            )
        if self.note:
            parts.append(f'<div style="margin: 0.3em 0 0 1em"><i>{_h(self.note)}</i></div>')
        if self.inputs and self.status != "not attempted":
            parts.append(f'<div style="margin: 0.2em 0 0 1em; opacity: 0.7; font-size: 0.9em">{_h(self.inputs)}</div>')
        parts.append("</div>")
        return "".join(parts)

    # --- Jupyter display ------------------------------------------------------------------------

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": str(self), "text/html": self._repr_html_(), RECORD_MIME: self.record()}

    def _ipython_display_(self):
        """Show the result once per cell run.

        :func:`~convlab.grading.check` displays its result as soon as it is
        ready, so that the grader's record is in the cell's output even when
        the result is assigned to a name; when the same result is also the
        cell's last expression, IPython asks again and this shows nothing.
        """
        from IPython import get_ipython
        from IPython.display import display

        shell = get_ipython()
        count = getattr(shell, "execution_count", None)
        if count is not None and count == self._shown_in:
            return
        self._shown_in = count
        display(self._repr_mimebundle_(), raw=True)


def _details(subchecks):
    """What to show under each sub-check: everything for the first failure, then only what is new.

    Several sub-checks usually fail for one reason; repeating the same hint and
    the same line of code under each would bury the first, most readable one.
    """
    seen = set()
    details = []
    first = True
    for sub in subchecks:
        if sub.passed or sub.status == "not attempted":
            details.append(SubCheck(sub.label, sub.status, sub.points, sub.max_points))
            continue
        repeated = sub.status == "error" and ("message", sub.message) in seen
        shown = SubCheck(
            sub.label, sub.status, sub.points, sub.max_points,
            "the same error as above" if repeated else sub.message,
            expected=sub.expected if first else None,
            got=sub.got if first else None,
            summary=sub.summary,
            where=None if ("where", sub.where) in seen else sub.where,
            hint=None if ("hint", sub.hint) in seen else sub.hint,
        )
        seen.update({("where", sub.where), ("hint", sub.hint), ("message", sub.message)})
        first = False
        details.append(shown)
    return details


def _reason(sub):
    if sub.status == "passed":
        return ""
    if sub.status == "not attempted":
        return ": not attempted"
    return f": {sub.message}" if sub.message else ""


def _detail_lines(sub):
    lines = []
    if sub.where:
        lines.append(sub.where)
    if sub.expected is not None and sub.got is not None:
        lines.extend(_side_by_side(sub.expected, sub.got))
    if sub.summary:
        lines.append(sub.summary)
    if sub.hint:
        lines.append(f"Hint: {sub.hint}")
    return lines


def _side_by_side(expected, got):
    left = ["expected"] + expected.splitlines()
    right = ["got"] + got.splitlines()
    width = max(len(line) for line in left) + 2
    rows = max(len(left), len(right))
    left += [""] * (rows - len(left))
    right += [""] * (rows - len(right))
    return [(a.ljust(width) + b).rstrip() for a, b in zip(left, right)]


def _detail_html(sub):
    parts = []
    style = 'style="margin: 0.1em 0"'
    if sub.where:
        parts.append(f"<div {style}><code>{_h(sub.where)}</code></div>")
    if sub.expected is not None and sub.got is not None:
        pre = 'style="margin: 0; padding: 0.2em 0.5em; background: rgba(127, 127, 127, 0.1)"'
        parts.append(
            f'<div style="margin: 0.2em 0; display: flex; gap: 1.5em">'
            f"<div><div><i>expected</i></div><pre {pre}>{_h(sub.expected)}</pre></div>"
            f"<div><div><i>got</i></div><pre {pre}>{_h(sub.got)}</pre></div></div>"
        )
    if sub.summary:
        parts.append(f"<div {style}>{_h(sub.summary)}</div>")
    if sub.hint:
        parts.append(f"<div {style}><b>Hint:</b> {_h(sub.hint)}</div>")
    return "".join(parts)


def _h(text):
    return html.escape(str(text), quote=False)


@dataclass
class NotebookGrade:
    """The grade of one notebook, or why it could not be graded.

    Attributes
    ----------
    path : str
    exercise : str or None
    graded : bool
        False when the notebook could not be graded; ``error`` says why.
    tasks : list of CheckResult
    error : str, optional
    cell_errors : list of str
        ``"cell N: Name: message"``, one per cell that raised while the notebook ran.
    flags : list of str
        What an instructor should look at (:mod:`convlab.grading.deciding.flags`).
    sandbox : str
        How it ran: ``"bubblewrap"``, or ``"none"`` with ``--no-sandbox``.
    executed : nbformat.NotebookNode, optional
        The notebook as it ran, when asked to keep it (tests).
    """

    path: str
    exercise: str | None
    graded: bool
    tasks: list = field(default_factory=list)
    error: str | None = None
    cell_errors: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    sandbox: str = "bubblewrap"
    executed: object = field(default=None, repr=False)

    @property
    def points(self):
        return sum(task.points for task in self.tasks)

    @property
    def max_points(self):
        return sum(task.max_points for task in self.tasks)

    def to_dict(self):
        return {
            "path": self.path, "exercise": self.exercise, "graded": self.graded,
            "points": self.points, "max_points": self.max_points,
            "tasks": [task.to_dict() for task in self.tasks], "error": self.error,
            "cell_errors": list(self.cell_errors), "flags": list(self.flags), "sandbox": self.sandbox,
        }

    @classmethod
    def from_dict(cls, data):
        return cls(data["path"], data.get("exercise"), bool(data.get("graded")),
                   [CheckResult.from_dict(t) for t in data.get("tasks", [])], data.get("error"),
                   list(data.get("cell_errors", [])), list(data.get("flags", [])), data.get("sandbox", "bubblewrap"))
