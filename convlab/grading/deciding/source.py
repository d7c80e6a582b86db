"""Reading a learner's code: what a definition uses, and the statements that define it.

:class:`Source` parses code cells once (a submitted notebook's, or the
session's history when the notebook checks itself) and answers two questions
about a name, say ``conv2d_loops``:

- :meth:`Source.uses`: every dotted name its definition refers to, following
  ``import ... as ...``, ``from ... import ... as ...``, simple assignments and
  the notebook's own helper functions, plus anything the grader will not run
  (:attr:`Uses.unsafe`: reading ``__closure__``, ``getattr`` with a name made at
  run time, ``eval``, a private or closed module);
- :meth:`Source.program`: the top-level statements that define it and what it
  needs (functions, classes, constants), and the names its imports bind.  The
  grader runs exactly these statements, and nothing else of the notebook, in the
  fresh interpreter that asks the questions (:mod:`convlab.grading.inside.ask`),
  so the rules are checked on the very code that answers.

Parsing runs no code.  A cell that does not parse is skipped (its names stay
undefined); so is a cell too large or too deeply nested for the parser, which
then fails with ``MemoryError`` or ``RecursionError`` inside :func:`parse_cell`.

Examples
--------
>>> source = Source(["import numpy as np", "K = 2", "def f(x):\\n    return np.sum(x) * K"])
>>> sorted(source.uses("f").names)
['numpy', 'numpy.sum']
>>> program = source.program("f")
>>> program.statements, program.imports
([(1, 0), (2, 0)], {'np': 'numpy'})
>>> Source(["def f(g):\\n    return g.__closure__"]).uses("f").unsafe
['reads .__closure__']
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from dataclasses import dataclass, field

from . import library

__all__ = ["Source", "Uses", "Program", "parse_cell", "MAX_CELL_CHARS"]

#: Cells longer than this are not parsed (a notebook's code cells are a few thousand characters).
MAX_CELL_CHARS = 200_000

#: Special methods a class in graded code may define: none of them hands NumPy raw memory or
#: intercepts attribute access.
SAFE_SPECIAL_METHODS = frozenset({
    "__init__", "__call__", "__repr__", "__str__", "__len__", "__getitem__", "__setitem__", "__iter__",
    "__next__", "__contains__", "__eq__", "__hash__", "__post_init__",
})

#: Special attributes graded code may read.
SAFE_SPECIAL_ATTRIBUTES = frozenset({"__init__", "__name__"})

#: Strings that name NumPy's raw-memory interfaces: an object carrying them is an array at any address.
RAW_MEMORY = ("__array_interface__", "__array_struct__", "__dlpack__", "__buffer__")

#: Attributes graded code may not read, special or not: an array's raw memory through ctypes.
UNSAFE_ATTRIBUTES = frozenset({"ctypes"})


@dataclass(frozen=True)
class Uses:
    """What a definition refers to, with the notebook functions it calls.

    Attributes
    ----------
    names : set of str
        Dotted names, resolved through imports and aliases
        (``"numpy.einsum"``, ``"convlab.conv2d"``).
    attributes : set of str
        Every attribute name read, on anything (``"strides"``, ``"dot"``).
    matmul : bool
        Whether the ``@`` operator appears.
    unsafe : list of str
        What the grader does not run, in a few words each ("reads .__closure__").
    loops : bool
        Whether it loops in Python: a ``for`` or ``while`` statement, or a
        comprehension.
    """

    names: set = field(default_factory=set)
    attributes: set = field(default_factory=set)
    matmul: bool = False
    unsafe: list = field(default_factory=list)
    loops: bool = False


@dataclass(frozen=True)
class Program:
    """The code that defines one name, as the grader runs it.

    Attributes
    ----------
    statements : list of (int, int)
        ``(cell, index)``: the top-level statements to run, in notebook order
        (functions, classes and assignments, each the last binding of its name).
    imports : dict
        ``{name: dotted name}`` bound by the notebook's import statements; the
        grader binds them itself rather than running the imports.
    unsupported : list of str
        Names the definition needs whose last binding is not a top-level
        function, class, assignment or import (a ``for`` loop, an ``if`` block):
        the grader cannot define them.
    """

    statements: list
    imports: dict
    unsupported: list


class Source:
    """The code a learner wrote, parsed once.

    Parameters
    ----------
    cells : list of str
        Code, in the order it ran: a notebook's code cells, or a session's
        history.  IPython syntax (``%timeit``, ``!ls``) is turned into Python
        first (:attr:`cells` holds the result).
    namespace : dict, optional
        Live names to fall back on for names no import in ``cells`` explains
        (the checker in a notebook passes the notebook's globals).

    Notes
    -----
    The last binding of a name wins, as it does when the cells run in order.
    """

    def __init__(self, cells, namespace=None):
        self.cells = []
        self.trees = []
        self.aliases = {}  # name -> dotted name it stands for
        self.definitions = {}  # name -> ast node of its definition (a function, class or value)
        self.bindings = {}  # name -> (cell, index, node) of its last top-level binding
        self.namespace = namespace
        self.unparsed = 0
        for number, cell in enumerate(cells):
            code, tree = parse_cell(cell)
            self.cells.append(code)
            self.trees.append(tree)
            if tree is None:
                self.unparsed += 1
                continue
            self._bind(tree.body, number)

    @classmethod
    def of_function(cls, function):
        """A Source holding one function's own code, for names resolved in its globals."""
        try:
            code = textwrap.dedent(inspect.getsource(function))
        except (OSError, TypeError):
            code = ""
        source = cls([], getattr(function, "__globals__", None))
        _, tree = parse_cell(code)
        if tree is not None:
            source._bind(tree.body, None)
            name = getattr(function, "__name__", "")
            if name not in source.definitions:  # a lambda: all the lambdas on its lines
                lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)]
                if lambdas:
                    source.definitions[name] = ast.Tuple(elts=[ast.Expr(n) for n in lambdas], ctx=ast.Load())
        return source

    # --- what each name is bound to -------------------------------------------------------------

    def _bind(self, body, cell, top=True):
        """Record what each statement of ``body`` binds; ``top``: whether the grader may run them."""
        for index, statement in enumerate(body):
            names = []
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    name = alias.asname or alias.name.split(".")[0]
                    self._alias(name, alias.name if alias.asname else name)
                    names.append(name)
            elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
                for alias in statement.names:
                    pairs = ([(n, n) for n in _public_names(statement.module)] if alias.name == "*"
                             else [(alias.asname or alias.name, alias.name)])
                    for name, attribute in pairs:
                        self._alias(name, f"{statement.module}.{attribute}")
                        names.append(name)
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.aliases.pop(statement.name, None)
                self.definitions[statement.name] = statement
                names.append(statement.name)
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                for target in targets:
                    for name_node in _target_names(target):
                        self._assign(name_node.id, statement.value if isinstance(target, ast.Name) else statement)
                        names.append(name_node.id)
            else:  # a loop, a condition, a with or try block, an expression: the grader runs none of them
                for block in ("body", "orelse", "finalbody"):
                    self._bind(getattr(statement, block, []), cell, top=False)
                for handler in getattr(statement, "handlers", []):
                    self._bind(handler.body, cell, top=False)
                for name in _bound_names(statement):
                    self.bindings[name] = (cell, index, None)
                continue
            runnable = statement if top and cell is not None else None
            for name in names:
                self.bindings[name] = (cell, index, runnable)

    def _alias(self, name, dotted):
        self.definitions.pop(name, None)
        self.aliases[name] = dotted

    def _assign(self, name, value):
        dotted = self.dotted(value, {}) if not isinstance(value, ast.stmt) else None
        if dotted is not None:
            self._alias(name, dotted)
        else:
            self.aliases.pop(name, None)
            self.definitions[name] = value

    def dotted(self, node, local=None):
        """The dotted name an expression like ``np.lib.stride_tricks.as_strided`` stands for, or None."""
        local = local or {}
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        root = local.get(node.id) or self.aliases.get(node.id) or self._live(node.id)
        if root is None:
            return None
        return ".".join([root] + parts[::-1])

    def _live(self, name):
        """A name no import explains, looked up in the live namespace (the checker's case)."""
        if self.namespace is None or name not in self.namespace:
            return None
        value = self.namespace[name]
        if isinstance(value, types.ModuleType):
            return value.__name__
        module = getattr(value, "__module__", None)
        qualname = getattr(value, "__qualname__", None)
        if isinstance(module, str) and isinstance(qualname, str) and module.split(".")[0] in library.ROOTS \
                and "<" not in qualname:
            return f"{module}.{qualname}"
        return None

    # --- what a definition uses -------------------------------------------------------------------

    def uses(self, name):
        """What the definition of ``name`` refers to, following the notebook functions it calls.

        Returns
        -------
        Uses or None
            None when the source holds no definition of ``name``.
        """
        reached = self._reach(name)
        return None if reached is None else reached[0]

    def program(self, name):
        """The statements the grader runs to define ``name``, or None when nothing defines it.

        Returns
        -------
        Program or None
        """
        reached = self._reach(name)
        if reached is None:
            return None
        _, visited = reached
        statements, imports, unsupported = set(), {}, []
        for needed in sorted(visited):
            cell, index, node = self.bindings.get(needed, (None, None, None))
            if cell is None:
                continue  # a builtin, a name from the live namespace, or undefined: NameError when called
            if node is None:
                unsupported.append(needed)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                imports[needed] = self.aliases[needed]
            else:
                statements.add((cell, index))
        return Program(sorted(statements), imports, unsupported)

    def _reach(self, name):
        """``(Uses, names of the notebook's top-level bindings reached)`` from ``name``, or None."""
        if name in self.aliases and name not in self.definitions:
            found = Uses(names={self.aliases[name]})
            visited = {name}
            value = self._alias_value(name)
            if value is None:
                _check_names(found)
                return found, visited
            start = value
        else:
            start = self.definitions.get(name)
            if start is None:
                start = self._live_definition(name)
                if start is None:
                    return None
            found, visited = Uses(), {name}
        names, attributes = found.names, found.attributes
        unsafe = set()
        matmul = loops = False
        todo, seen = [start], {name}
        while todo:
            node = todo.pop()
            local = _local_imports(node)
            own = _local_names(node)
            unsafe.update(_unsafe(node))
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute):
                    attributes.add(sub.attr)
                    dotted = self.dotted(sub, local)
                    if dotted:
                        names.add(dotted)
                        if not isinstance(sub.ctx, ast.Load):  # np.save = ..., del np.einsum
                            unsafe.add(f"replaces {dotted}")
                elif isinstance(sub, ast.Subscript) and not isinstance(sub.ctx, ast.Load):
                    dotted = self.dotted(sub.value, local)
                    if dotted:  # convlab.choose.IMPLEMENTATIONS["loops"] = ...
                        unsafe.add(f"changes {dotted}")
                elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                    if sub.id in own and sub.id not in local:
                        continue  # a parameter or a local variable, not the notebook's name
                    if sub.id in local:
                        names.add(local[sub.id])
                    elif sub.id in self.aliases:
                        names.add(self.aliases[sub.id])
                        visited.add(sub.id)
                        value = self._alias_value(sub.id)
                        if value is not None and sub.id not in seen:
                            seen.add(sub.id)
                            todo.append(value)
                    elif sub.id not in seen:
                        helper = self.definitions.get(sub.id) or self._live_definition(sub.id)
                        if helper is not None:
                            seen.add(sub.id)
                            visited.add(sub.id)
                            todo.append(helper)
                        elif (dotted := self._live(sub.id)) is not None:
                            names.add(dotted)
                        elif sub.id in library.UNSAFE_BUILTINS and not _allowed_getattr(node, sub):
                            unsafe.add(f"uses {sub.id}")
                        else:
                            visited.add(sub.id)  # perhaps bound by a statement the grader does not run
                elif isinstance(sub, (ast.BinOp, ast.AugAssign)) and isinstance(sub.op, ast.MatMult):
                    matmul = True
                elif isinstance(sub, _LOOPS):
                    loops = True
                elif _is_getattr_call(sub):
                    dotted = self.dotted(sub.args[0], local)
                    if dotted:
                        names.add(f"{dotted}.{sub.args[1].value}")
        result = Uses(names, attributes, matmul, sorted(unsafe), loops)
        _check_names(result)
        return result, visited

    def _alias_value(self, name):
        """The expression of an assignment ``name = np.something`` (None for an import)."""
        cell, index, node = self.bindings.get(name, (None, None, None))
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            return node.value
        return None

    def _live_definition(self, name):
        """The parsed source of a function in the live namespace that was defined in the notebook."""
        if self.namespace is None:
            return None
        value = self.namespace.get(name)
        if not isinstance(value, types.FunctionType):
            return None
        if (getattr(value, "__module__", "") or "").split(".")[0] in library.ROOTS:
            return None
        nested = Source.of_function(value)
        return nested.definitions.get(value.__name__)


#: What loops in Python: statements and comprehensions.
_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _check_names(uses):
    """Add to ``uses.unsafe`` the names no graded code may use (private, closed, outside the libraries)."""
    for dotted in sorted(uses.names):
        why = library.problem(dotted)
        if why is not None:
            uses.unsafe.append(f"uses {dotted} ({why})")
    uses.unsafe.sort()


def _unsafe(node):
    """What in ``node`` the grader does not run: special attributes, raw memory, special methods."""
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and (
                (_special(sub.attr) and sub.attr not in SAFE_SPECIAL_ATTRIBUTES) or sub.attr in UNSAFE_ATTRIBUTES):
            found.add(f"reads .{sub.attr}")
        elif _is_getattr_call(sub) and (_special(sub.args[1].value) or sub.args[1].value in UNSAFE_ATTRIBUTES):
            found.add(f"reads .{sub.args[1].value}")
        elif isinstance(sub, ast.Name) and _special(sub.id) and sub.id not in SAFE_SPECIAL_ATTRIBUTES:
            found.add(f"uses {sub.id}")
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and any(r in sub.value for r in RAW_MEMORY):
            found.add("names NumPy's raw-memory interface")
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "type" \
                and len(sub.args) == 3:
            found.add("makes a class with type()")
        elif isinstance(sub, ast.ClassDef):
            for statement in sub.body:
                for name in _defined_in_class(statement):
                    if _special(name) and name not in SAFE_SPECIAL_METHODS:
                        found.add(f"defines {name}")
    return found


def _local_names(node):
    """Names local to the functions, lambdas and comprehensions in ``node`` (parameters, assignments)."""
    found, declared_global = set(), set()
    for sub in ast.walk(node):
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = sub.args
            for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs:
                found.add(arg.arg)
            for arg in (arguments.vararg, arguments.kwarg):
                if arg is not None:
                    found.add(arg.arg)
            if sub is not node and not isinstance(sub, ast.Lambda):
                found.add(sub.name)
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            found.add(sub.id)
        elif isinstance(sub, (ast.Global, ast.Nonlocal)):
            declared_global.update(sub.names)
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            found.add(sub.name)
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
        found = {n for n in found if _in_comprehension(node, n)}  # a constant's own names are the notebook's
    return found - declared_global


def _in_comprehension(node, name):
    return any(
        isinstance(sub, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda))
        and any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in ast.walk(sub))
        for sub in ast.walk(node)
    )


def _defined_in_class(statement):
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return [n.id for t in targets for n in _target_names(t)]
    return []


def _special(name):
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _allowed_getattr(tree, name_node):
    """``getattr(obj, "constant")``: the same as ``obj.constant``, which the source check follows."""
    return name_node.id == "getattr" and any(
        _is_getattr_call(sub) and sub.func is name_node for sub in ast.walk(tree)
    )


def _target_names(target):
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for element in target.elts for n in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _bound_names(statement):
    """Names a statement the grader does not run binds at the top level (loop variables, ``with ... as``)."""
    found = []
    for sub in ast.walk(statement):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            found.append(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            found.extend((a.asname or a.name).split(".")[0] for a in sub.names if a.name != "*")
    return found


def parse_cell(code):
    """``(code as Python, syntax tree or None)``: IPython syntax turned into Python first, then parsed.

    Never raises: a cell that is not a string, is longer than :data:`MAX_CELL_CHARS`,
    does not parse, or exhausts the parser (``MemoryError``, ``RecursionError``)
    gives None.
    """
    if not isinstance(code, str) or len(code) > MAX_CELL_CHARS:
        return "", None
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        code = TransformerManager().transform_cell(code)
    except Exception:  # IPython missing or the cell is not even IPython: parse as it is
        pass
    try:
        return code, ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return code, None


def _local_imports(node):
    found = {}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import):
            for alias in sub.names:
                root = alias.name.split(".")[0]
                found[alias.asname or root] = alias.name if alias.asname else root
        elif isinstance(sub, ast.ImportFrom) and sub.module and not sub.level:
            for alias in sub.names:
                if alias.name != "*":
                    found[alias.asname or alias.name] = f"{sub.module}.{alias.name}"
    return found


def _is_getattr_call(node):
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    )


def _public_names(module_name):
    module = library.resolve(module_name)
    if not isinstance(module, types.ModuleType):
        return ()
    names = getattr(module, "__all__", None)
    if not isinstance(names, (list, tuple)):
        names = [n for n in vars(module) if not n.startswith("_")]
    return tuple(n for n in names if isinstance(n, str))
