"""Compare a notebook as it ran in a test with the notebook as committed, the way nbval does.

Each notebook runs once per ``make test`` where a check needs it run: a lesson in
JupyterLab, when the browser tests click Run All (``tests/browser/test_browser_lessons.py``),
a solution in the grader's sandbox, when the test class is graded
(``tests/classrun.py``).  This module compares what that run produced with the
committed outputs, by nbval's rules, so the notebook is not run a second time
under nbval: outputs are compared by MIME type after nbval's own stream
merging, with ``tests/sanitize.cfg``'s patterns applied; metadata, tracebacks,
execution counts, widget model IDs and pictures' bytes are not compared; cells
tagged ``nbval-ignore-output`` or ``nbval-skip`` are not compared; and an
error is a difference wherever the cell is not tagged ``raises-exception``,
even where the output is not compared.
"""

import re
from pathlib import Path

import nbformat
from nbval.plugin import coalesce_streams, get_sanitize_patterns, transform_streams_for_comparison

ROOT = Path(__file__).resolve().parents[1]

#: What nbval leaves out of a comparison (its ``skip_compare``, pictures included, as without ``--nbdime``).
NOT_COMPARED = frozenset({
    "metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
    "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg",
})
IGNORED_TAGS = ("nbval-ignore-output", "nbval-skip")
PATTERNS = get_sanitize_patterns((ROOT / "tests" / "sanitize.cfg").read_text(encoding="utf-8"))


def sanitize(value):
    """``value`` with every pattern of ``tests/sanitize.cfg`` replaced (strings only)."""
    if not isinstance(value, str):
        return value
    for regex, replace in PATTERNS:
        value = re.sub(regex, replace, value)
    return value


def compared(outputs):
    """``{key: [values]}``: what nbval compares of a cell's outputs, in order within each key."""
    found = {}
    merged = coalesce_streams([nbformat.from_dict(output) for output in outputs])
    for output in transform_streams_for_comparison(merged):
        for key, value in output.items():
            if key in NOT_COMPARED:
                continue
            items = value.items() if key == "data" else [(key, value)]
            for name, item in items:
                if name not in NOT_COMPARED:
                    found.setdefault(name, []).append(sanitize(item))
    return found


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def differences(committed, executed):
    """Where ``executed`` does not reproduce ``committed``, one line per cell (empty: it does).

    Parameters
    ----------
    committed, executed : nbformat.NotebookNode
        The same notebook, as committed and as a test ran it.
    """
    ours = [cell for cell in committed.cells if cell.cell_type == "code"]
    theirs = [cell for cell in executed.cells if cell.cell_type == "code"]
    if [cell.source for cell in ours] != [cell.source for cell in theirs]:
        return ["the notebook that ran is not the committed one: its code cells differ"]
    found = []
    for number, (ours_cell, their_cell) in enumerate(zip(ours, theirs)):
        first = ours_cell.source.strip().splitlines()[:1]
        where = f"code cell {number} ({first[0][:50] if first else 'empty'})"
        errors = [o for o in their_cell.outputs if o.get("output_type") == "error"]
        if errors and "raises-exception" not in _tags(ours_cell):
            found.append(f"{where} raised {errors[0].get('ename')}: {errors[0].get('evalue')}")
            continue
        if ours_cell.execution_count is None or any(tag in _tags(ours_cell) for tag in IGNORED_TAGS):
            continue
        want, got = compared(ours_cell.outputs), compared(their_cell.outputs)
        if want != got:
            keys = sorted(key for key in set(want) | set(got) if want.get(key) != got.get(key))
            detail = "; ".join(f"{key}: committed {want.get(key)!r:.300}, now {got.get(key)!r:.300}" for key in keys)
            found.append(f"{where} shows other outputs: {detail}")
    return found
