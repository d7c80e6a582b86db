"""What looks like tampering, for an instructor to read: flags, never penalties.

Points come only from the grader's own judging, so none of what is flagged
here earns a point; a flag says that a notebook *tried* something an honest
answer has no reason to do, so that an instructor can look.  A flag costs
nothing: honest notebooks rarely raise one, and when they do, the instructor
decides.

Three sources:

- the notebook's code (:func:`from_source`): IPython hooks and input or AST
  transformers, tracers, assignments to attributes of NumPy, SciPy,
  convlab, IPython or builtins, check records built by hand, the grading
  package's internals;
- the kernel after the notebook ran (:func:`from_environment`): hooks that
  were not there when it started, library functions defined in a notebook;
- the executed notebook (:func:`from_outputs`): check records displayed by a
  cell that does not call ``check``, and tasks that showed full marks in the
  notebook but lost points on the grader's inputs.

Examples
--------
>>> from_source(["import numpy as np", "np.allclose = lambda *a, **k: True"])
['replaces numpy.allclose']
>>> from_source(["import numpy as np", "def f(x):\\n    return np.sum(x)"])
[]
"""

from __future__ import annotations

import ast

from .results import RECORD_MIME
from .source import Source, parse_cell

__all__ = ["from_source", "from_environment", "from_outputs"]

#: Libraries whose attributes a notebook has no reason to replace.
GUARDED_ROOTS = ("numpy", "scipy", "convlab", "IPython", "ipykernel", "builtins", "sys", "json", "base64", "inspect")

#: Attributes through which code can intercept or rewrite what runs or what is shown.
HOOKS = (
    "input_transformers_cleanup", "input_transformers_post", "ast_transformers", "set_custom_exc",
    "register_magic_function", "display_pub", "display_formatter", "displayhook", "excepthook",
    "settrace", "setprofile", "addaudithook", "user_expressions",
)

#: Names and strings that belong to check records.
RECORD_PARTS = ("RECORD_MIME", "CheckResult", "SubCheck", "_repr_mimebundle_", "publish_display_data", "vnd.convlab")


def from_source(cells):
    """Flags found in a notebook's code cells.

    Parameters
    ----------
    cells : list of str

    Returns
    -------
    list of str
        One line per kind of finding, sorted.
    """
    source = Source(cells)
    found = set()
    for cell in cells:
        _, tree = parse_cell(cell)
        if tree is None:
            continue
        for node in ast.walk(tree):
            found.update(_hooks(node))
            found.update(_patches(node, source))
            found.update(_records(node))
            found.update(_internals(node, source))
    return sorted(found)


def _hooks(node):
    if isinstance(node, ast.Attribute):
        if node.attr in HOOKS:
            return {f"registers a hook or tracer ({node.attr})"}
        if node.attr == "register" and isinstance(node.value, ast.Attribute) and node.value.attr == "events":
            return {"registers a hook or tracer (events.register)"}
    return set()


def _patches(node, source):
    targets = []
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
        if node.args:
            dotted = source.dotted(node.args[0], {})
            if dotted and dotted.split(".")[0] in GUARDED_ROOTS:
                return {f"replaces attributes of {dotted}"}
        return set()
    found = set()
    for target in targets:
        if isinstance(target, ast.Subscript) and _is_dict_of(target.value):
            target = target.value
        if isinstance(target, ast.Attribute):
            dotted = source.dotted(target, {})
            if dotted and dotted.split(".")[0] in GUARDED_ROOTS:
                found.add(f"replaces {dotted}")
    return found


def _is_dict_of(node):
    """``module.__dict__``, through which a name can be replaced as well."""
    return isinstance(node, ast.Attribute) and node.attr == "__dict__"


def _records(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and "vnd.convlab" in node.value:
        return {"builds check records itself"}
    if isinstance(node, ast.Name) and node.id in RECORD_PARTS:
        return {"builds check records itself"}
    if isinstance(node, ast.Attribute) and node.attr in RECORD_PARTS:
        return {"builds check records itself"}
    return set()


#: What a notebook may use of the grading package: the check cells' check, and needs around demonstrations.
PUBLIC = ("check", "needs")


def _internals(node, source):
    if isinstance(node, (ast.Attribute, ast.Name)):
        dotted = source.dotted(node, {}) if isinstance(node, ast.Attribute) else source.aliases.get(node.id)
        allowed = ("convlab.grading", "convlab.grading.check", "convlab.grading.needs")
        if dotted and dotted.startswith("convlab.grading") and dotted not in allowed:
            return {f"uses the grading package's internals ({dotted})"}
    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("convlab.grading"):
        names = [a.name for a in node.names if not (node.module == "convlab.grading" and a.name in PUBLIC)]
        if names:
            return {f"uses the grading package's internals ({node.module}: {', '.join(names)})"}
    return set()


def from_environment(before, after):
    """Flags from :func:`convlab.grading.inside.facts.environment`, taken before and after the notebook ran.

    ``before`` and ``after`` come from the submission's own sandbox: they are
    checked for shape here, and a kernel that lies about them spoils only its own flags.
    """
    before, after = _facts(before), _facts(after)
    found = []
    new_hooks = sorted(set((after or {}).get("hooks", [])) - set((before or {}).get("hooks", [])))
    if new_hooks:
        found.append(f"hooks registered while it ran: {', '.join(new_hooks)}")
    replaced = (after or {}).get("replaced", [])
    if replaced:
        shown = ", ".join(replaced[:5]) + (f" and {len(replaced) - 5} more" if len(replaced) > 5 else "")
        found.append(f"library functions replaced by notebook code: {shown}")
    return found


def _facts(data):
    """``{"hooks": [...], "replaced": [...]}`` of short strings, whatever the sandbox sent."""
    if not isinstance(data, dict):
        return {}
    return {key: [str(v)[:200] for v in data.get(key, [])[:50]] if isinstance(data.get(key), list) else []
            for key in ("hooks", "replaced")}


def from_outputs(nb, grades):
    """Flags from an executed notebook's outputs, compared with the grader's own grades.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook as the grader ran it.
    grades : dict
        Task name -> (points, max_points) the grader gave.
    """
    found = []
    shown_full = set()
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if isinstance(cell.get("outputs"), list) else []:
            data = output.get("data", {}) if isinstance(output, dict) else {}
            record = data.get(RECORD_MIME) if isinstance(data, dict) else None
            if not isinstance(record, dict) or not isinstance(record.get("task"), str):
                continue
            task = record["task"][:100]
            source = cell.get("source", "") if isinstance(cell.get("source"), str) else ""
            if cell.get("cell_type") != "code" or f"check(\"{task}\"" not in source.replace("'", '"'):
                found.append(f"cell {index + 1} displays a check record for {task!r} without calling check({task!r})")
            elif record.get("points") == record.get("max_points") and record.get("max_points"):
                shown_full.add(task)
    for task in sorted(shown_full):
        points, max_points = grades.get(task, (None, None))
        if points is not None and points < max_points:
            found.append(
                f"{task}: full marks in the notebook's own check, {points}/{max_points} on the grader's inputs"
            )
    return found
