"""The same code under other names: a fingerprint of the statements that define an answer.

Two answers have the same fingerprint when their code is the same once
whitespace, comments, docstrings and the names of variables, arguments and
functions are set aside (what a copy changes first).  The grader compares a
submission's fingerprints with the reference solutions' (a renamed copy of a
solution is flagged) and with each other's (pairs of students with identical
code are listed).  Short answers are left out: a one-line solution is what
many honest learners write.

Examples
--------
>>> from .source import Source
>>> a = Source(["def f(x, k):\\n    total = x * k  # product\\n    return total.sum()"])
>>> b = Source(["def g(image, kernel):\\n    s = image * kernel\\n    return s.sum()"])
>>> fingerprint(a, "f", minimum=1) == fingerprint(b, "g", minimum=1)
True
>>> fingerprint(a, "f") is None  # too short to tell a copy from an honest answer
True
"""

from __future__ import annotations

import ast
import copy
import hashlib
from itertools import combinations

__all__ = ["fingerprint", "MIN_NODES", "identical_pairs"]

#: Smallest answer, in syntax-tree nodes, that a fingerprint is taken of (about five lines of code).
MIN_NODES = 60


class _Renamer(ast.NodeTransformer):
    """Names replaced by their order of first appearance; docstrings dropped."""

    def __init__(self):
        self.names = {}

    def _name(self, name):
        return self.names.setdefault(name, f"n{len(self.names)}")

    def visit_Name(self, node):
        node.id = self._name(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._name(node.arg)
        node.annotation = None
        return node

    def _body(self, node):
        if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) \
                and isinstance(node.body[0].value.value, str):
            node.body = node.body[1:] or [ast.Pass()]
        return node

    def visit_FunctionDef(self, node):
        node.name = self._name(node.name)
        node.returns = None
        self.generic_visit(node)
        return self._body(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        node.name = self._name(node.name)
        self.generic_visit(node)
        return self._body(node)


def fingerprint(source, name, minimum=MIN_NODES):
    """The fingerprint of the statements that define ``name`` in ``source``, or None.

    Parameters
    ----------
    source : Source
    name : str
    minimum : int
        None for code smaller than this many syntax-tree nodes, and for a stub
        that only raises ``NotImplementedError``.

    Returns
    -------
    str or None
        A SHA-256 hex digest.
    """
    program = source.program(name)
    if program is None or not program.statements:
        return None
    nodes = [copy.deepcopy(source.trees[cell].body[index]) for cell, index in program.statements]
    module = _Renamer().visit(ast.Module(body=nodes, type_ignores=[]))
    if sum(1 for _ in ast.walk(module)) < minimum or _is_stub(module):
        return None
    text = ast.dump(module, annotate_fields=False, include_attributes=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _is_stub(module):
    raises = [node for node in ast.walk(module) if isinstance(node, ast.Raise)]
    calls = [node for node in ast.walk(module) if isinstance(node, ast.Call)]
    return bool(raises) and len(calls) <= 1 and all(
        isinstance(r.exc, (ast.Call, ast.Name)) and "NotImplementedError" in ast.dump(r.exc) for r in raises)


def identical_pairs(fingerprints):
    """Pairs of submitters whose code for a task is the same.

    Parameters
    ----------
    fingerprints : dict
        ``{submitter: {task: fingerprint or None}}``.

    Returns
    -------
    list of (str, str, list of str)
        ``(one, other, tasks)`` for every pair with at least one task in common, sorted.

    Examples
    --------
    >>> identical_pairs({"ann": {"t": "a1", "u": None}, "bob": {"t": "a1", "u": None}, "cy": {"t": "b2"}})
    [('ann', 'bob', ['t'])]
    """
    by_task = {}
    for who, tasks in fingerprints.items():
        for task, value in tasks.items():
            if value:
                by_task.setdefault((task, value), []).append(who)
    pairs = {}
    for (task, _), people in by_task.items():
        for one, other in combinations(sorted(set(people)), 2):
            pairs.setdefault((one, other), []).append(task)
    return sorted((one, other, sorted(tasks)) for (one, other), tasks in pairs.items())
