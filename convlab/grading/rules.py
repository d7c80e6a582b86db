"""What a task lets the learner call, and how that is checked on the source.

Most tasks teach one way of computing something, and most can be skipped by
calling a routine that already does the job: "write it with loops" answered
with ``convlab.conv2d``.  A :class:`Rule` names what a task's answer may not
use (``forbid``) and what it must use (``require``), in the words the task's
text shows the learner (``text``) and as dotted names.  It is checked twice:

- **on the source**, here: :class:`Source` parses the code (a submitted
  notebook's cells, or the session's history in the notebook), finds the
  answer's definition and every function of the notebook it calls, and
  follows names through ``import ... as ...``, ``from ... import ... as ...``
  and simple assignments to what they stand for;
- **at run time**, in :mod:`convlab.grading.probe`: while the answer runs on
  the task's inputs, every forbidden routine raises and every required one
  counts its calls (:meth:`Rule.guards` tells the probe where they live).

A name is matched by the object it resolves to, not by its spelling, so
``convlab.conv2d``, ``convlab.conv.conv2d`` and ``from convlab import conv2d
as c`` are the same routine.  Only NumPy, SciPy and convlab are imported to
resolve names; other libraries (PyTorch, say) are matched by spelling.

Examples
--------
>>> rule = Rule("Use loops.", forbid=CONVOLUTIONS)
>>> source = Source(["import convlab as cl", "def f(x, k):\\n    return cl.conv2d(x, k)"])
>>> rule.violation(source.uses("f"))
'it uses convlab.conv2d'
>>> rule.violation(Source(["def f(x, k):\\n    return x[0, 0] * k[0, 0]"]).uses("f")) is None
True
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
import inspect
import textwrap
import types
from dataclasses import dataclass, field
from functools import cache

__all__ = [
    "Rule", "Source", "Uses", "parse_cell",
    "CONVOLUTIONS", "WINDOW_VIEWS", "POOLING", "GRADIENTS", "MATRIX_PRODUCT",
]

#: Libraries whose names are resolved by importing them (they are installed with convlab).
RESOLVABLE = ("numpy", "scipy", "convlab")

#: Modules where learners find the routines a rule may forbid.  The probe
#: replaces a forbidden routine wherever it is an attribute of one of these.
PUBLIC_MODULES = (
    "numpy", "numpy.lib.stride_tricks", "numpy.fft", "numpy.linalg",
    "scipy.signal", "scipy.ndimage",
    "convlab", "convlab.conv", "convlab.methods", "convlab.fast", "convlab.windows",
    "convlab.pooling", "convlab.backward", "convlab.params",
)

#: Every routine that computes a convolution or correlation, whole.
CONVOLUTIONS = (
    "convlab.conv.*", "convlab.methods.*", "convlab.fast.*", "convlab.backward.*",
    "convlab.fourier.*", "convlab.winograd.*", "convlab.layers.*",
    "numpy.convolve", "numpy.correlate",
    "scipy.signal.convolve", "scipy.signal.correlate", "scipy.signal.convolve2d",
    "scipy.signal.correlate2d", "scipy.signal.fftconvolve", "scipy.signal.oaconvolve",
    "scipy.ndimage.convolve", "scipy.ndimage.correlate", "scipy.ndimage.convolve1d",
    "scipy.ndimage.correlate1d",
    "torch.*", "tensorflow.*", "jax.*",
)

#: Ready-made sliding-window views.
WINDOW_VIEWS = (
    "convlab.windows.sliding_windows",
    "numpy.lib.stride_tricks.sliding_window_view",
)

#: convlab's pooling.
POOLING = ("convlab.pooling.*", "torch.*", "tensorflow.*", "jax.*")

#: convlab's backward pass and transposed convolution.
GRADIENTS = ("convlab.backward.*", "convlab.layers.*", "torch.*", "tensorflow.*", "jax.*")

#: ``require`` entry meaning "a matrix product": ``@``, ``np.matmul``, ``np.dot`` or ``.dot``.
MATRIX_PRODUCT = "@"


@dataclass(frozen=True)
class Uses:
    """What a definition refers to, with the notebook functions it calls.

    Attributes
    ----------
    names : set of str
        Dotted names, resolved through imports and aliases
        (``"numpy.einsum"``, ``"convlab.conv2d"``); names that resolve to
        nothing known are left out.
    attributes : set of str
        Every attribute name read, on anything (``"strides"``, ``"dot"``).
    matmul : bool
        Whether the ``@`` operator appears.
    """

    names: set = field(default_factory=set)
    attributes: set = field(default_factory=set)
    matmul: bool = False


@dataclass(frozen=True)
class Rule:
    """What a task's answer may and may not use.

    Parameters
    ----------
    text : str
        The rule in the learner's words, as the task's text in the notebook
        states it (``tests/test_generator.py`` checks that it does).
    forbid : tuple of str
        Dotted names the answer may not use.  ``"module.*"`` stands for every
        function defined in that module.
    require : tuple of str
        The answer must use at least one of these; :data:`MATRIX_PRODUCT`
        stands for any matrix product.
    forbid_attributes : tuple of str
        Attributes the answer may not read (checked on the source only).
    """

    text: str
    forbid: tuple = ()
    require: tuple = ()
    forbid_attributes: tuple = ()

    def violation(self, uses):
        """Why ``uses`` breaks the rule, in a few words, or None when it keeps it.

        Parameters
        ----------
        uses : Uses or None
            What the answer's definition refers to; None when no definition
            was found in the source (only the run-time check applies then).

        Returns
        -------
        str or None
        """
        if uses is None:
            return None
        forbidden = _objects(self.forbid)
        for name in sorted(uses.names):
            found = _resolve(name)
            if (found is not None and id(found) in forbidden) or _spelled(name, self.forbid):
                return f"it uses {_short(name)}"
        for attribute in self.forbid_attributes:
            if attribute in uses.attributes:
                return f"it reads .{attribute}"
        if self.require and not self._required_used(uses):
            return f"it does not use {self.requirement}"
        return None

    @property
    def requirement(self):
        """What ``require`` asks for, in words: ``"np.einsum"``, ``"np.tensordot or np.einsum"``."""
        return _either(self.require)

    def _required_used(self, uses):
        if MATRIX_PRODUCT in self.require and (uses.matmul or "dot" in uses.attributes):
            return True
        required = _objects(tuple(r for r in self.require if r != MATRIX_PRODUCT) + self._matmul_names())
        return any(id(_resolve(name)) in required for name in uses.names if _resolve(name) is not None)

    def _matmul_names(self):
        return ("numpy.matmul", "numpy.dot") if MATRIX_PRODUCT in self.require else ()

    def guards(self):
        """Where the probe must put its guards: ``{"forbid": [...], "require": [...]}``.

        Each entry is ``[module, attribute, shown]``: a place where a routine
        is found, and the name messages use for it.  A matrix product written
        ``@`` cannot be counted at run time; it is checked on the source only.
        """
        return {
            "forbid": _access_points(self.forbid),
            "require": _access_points(tuple(r for r in self.require if r != MATRIX_PRODUCT) + self._matmul_names()),
        }


def _either(names):
    shown = ["a matrix product (@, np.matmul or np.dot)" if n == MATRIX_PRODUCT else _short(n) for n in names]
    return " or ".join(shown)


def _short(name):
    return name.replace("numpy.", "np.", 1) if name.startswith("numpy.") else name


# --- resolving dotted names ------------------------------------------------------------------------


@cache
def _resolve(dotted):
    """The object ``dotted`` names, for names in :data:`RESOLVABLE` libraries; else None."""
    parts = dotted.split(".")
    if parts[0] not in RESOLVABLE:
        return None
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part, None)
            if found is None:
                return None
        return found
    return None


@cache
def _expand(pattern):
    """``(dotted name, object)`` for each routine a forbid/require entry stands for."""
    if pattern.endswith(".*"):
        module = _resolve(pattern[:-2])
        if not isinstance(module, types.ModuleType):
            return ()
        return tuple(
            (f"{module.__name__}.{name}", value)
            for name, value in sorted(vars(module).items())
            if callable(value) and not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
        )
    found = _resolve(pattern)
    return ((pattern, found),) if callable(found) else ()


def _objects(patterns):
    return {id(obj) for pattern in patterns for _, obj in _expand(pattern)}


def _spelled(name, patterns):
    """Names outside the resolvable libraries match by spelling (``torch.nn.functional.conv2d``)."""
    if name.split(".")[0] in RESOLVABLE:
        return False
    return any(fnmatch.fnmatchcase(name, p) or name == p for p in patterns)


def _access_points(patterns):
    points = []
    seen = set()
    for pattern in patterns:
        for home, obj in _expand(pattern):
            places = []
            for module_name in PUBLIC_MODULES + (home.rsplit(".", 1)[0],):
                module = _resolve(module_name)
                if not isinstance(module, types.ModuleType):
                    continue
                for attribute, value in vars(module).items():
                    if value is obj and (module_name, attribute) not in seen:
                        seen.add((module_name, attribute))
                        places.append([module_name, attribute])
            shown = min((f"{m}.{a}" for m, a in places), key=len, default=home)
            points.extend([m, a, _short(shown)] for m, a in places)
    return points


# --- reading source -------------------------------------------------------------------------------


class Source:
    """The code a learner wrote, parsed once, to ask what a definition uses.

    Parameters
    ----------
    cells : list of str
        Code, in the order it ran: a notebook's code cells, or a session's
        history.  IPython syntax (``%timeit``, ``!ls``) is turned into
        Python first; a cell that still does not parse is skipped.
    namespace : dict, optional
        Live names to fall back on for names no import in ``cells`` explains
        (the checker in a notebook passes the notebook's globals).

    Notes
    -----
    The last definition of a name wins, as it does when the cells run in
    order.  A function defined with ``def`` or assigned a ``lambda`` is
    followed into its body; a name assigned a dotted expression
    (``conv = convlab.conv2d``) stands for what the expression names.
    """

    def __init__(self, cells, namespace=None):
        self.aliases = {}  # name -> dotted name it stands for
        self.definitions = {}  # name -> ast node of its definition
        self.namespace = namespace
        self.unparsed = 0
        for cell in cells:
            tree = parse_cell(cell)
            if tree is None:
                self.unparsed += 1
                continue
            self._bind(tree.body)

    @classmethod
    def of_function(cls, function):
        """A Source holding one function's own code, for names resolved in its globals."""
        try:
            code = textwrap.dedent(inspect.getsource(function))
        except (OSError, TypeError):
            code = ""
        source = cls([], getattr(function, "__globals__", None))
        tree = parse_cell(code)
        if tree is not None:
            source._bind(tree.body)
            name = getattr(function, "__name__", "")
            if name not in source.definitions:  # a lambda: all the lambdas on its lines
                lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)]
                if lambdas:
                    source.definitions[name] = ast.Tuple(elts=[ast.Expr(n) for n in lambdas], ctx=ast.Load())
        return source

    def _bind(self, body):
        for statement in body:
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    if alias.asname:
                        self._alias(alias.asname, alias.name)
                    else:
                        root = alias.name.split(".")[0]
                        self._alias(root, root)
            elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
                for alias in statement.names:
                    if alias.name == "*":
                        for name in _public_names(statement.module):
                            self._alias(name, f"{statement.module}.{name}")
                    else:
                        self._alias(alias.asname or alias.name, f"{statement.module}.{alias.name}")
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.aliases.pop(statement.name, None)
                self.definitions[statement.name] = statement
            elif isinstance(statement, ast.ClassDef):
                self.aliases.pop(statement.name, None)
                self.definitions.pop(statement.name, None)
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        self._assign(target.id, statement.value)
            else:
                for block in ("body", "orelse", "finalbody"):
                    self._bind(getattr(statement, block, []))
                for handler in getattr(statement, "handlers", []):
                    self._bind(handler.body)

    def _alias(self, name, dotted):
        self.definitions.pop(name, None)
        self.aliases[name] = dotted

    def _assign(self, name, value):
        dotted = self.dotted(value, {})
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
        if module and qualname and module.split(".")[0] in RESOLVABLE and "<" not in qualname:
            return f"{module}.{qualname}"
        return None

    def uses(self, name):
        """What the definition of ``name`` refers to, following the notebook functions it calls.

        Parameters
        ----------
        name : str

        Returns
        -------
        Uses or None
            None when the source holds no definition of ``name``.
        """
        if name in self.aliases:
            return Uses(names={self.aliases[name]})
        start = self.definitions.get(name)
        if start is None:
            start = self._live_definition(name)
            if start is None:
                return None
        found = Uses()
        names, attributes = found.names, found.attributes
        matmul = False
        todo, seen = [start], {name}
        while todo:
            node = todo.pop()
            local = _local_imports(node)
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute):
                    attributes.add(sub.attr)
                    dotted = self.dotted(sub, local)
                    if dotted:
                        names.add(dotted)
                elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                    if sub.id in local:
                        names.add(local[sub.id])
                    elif sub.id in self.aliases:
                        names.add(self.aliases[sub.id])
                    elif sub.id not in seen:
                        helper = self.definitions.get(sub.id) or self._live_definition(sub.id)
                        if helper is not None:
                            seen.add(sub.id)
                            todo.append(helper)
                        elif (dotted := self._live(sub.id)) is not None:
                            names.add(dotted)
                elif isinstance(sub, (ast.BinOp, ast.AugAssign)) and isinstance(sub.op, ast.MatMult):
                    matmul = True
                elif _is_getattr_call(sub):
                    dotted = self.dotted(sub.args[0], local)
                    if dotted:
                        names.add(f"{dotted}.{sub.args[1].value}")
        return Uses(names, attributes, matmul)

    def _live_definition(self, name):
        """The parsed source of a function in the live namespace that was defined in the notebook."""
        if self.namespace is None:
            return None
        value = self.namespace.get(name)
        if not isinstance(value, types.FunctionType):
            return None
        if (getattr(value, "__module__", "") or "").split(".")[0] in RESOLVABLE:
            return None
        nested = Source.of_function(value)
        return nested.definitions.get(value.__name__)


def parse_cell(code):
    """A code cell as a Python syntax tree (IPython syntax turned into Python first), or None."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        code = TransformerManager().transform_cell(code)
    except Exception:  # IPython missing or the cell is not even IPython: parse as it is
        pass
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


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


@cache
def _public_names(module_name):
    module = _resolve(module_name)
    if not isinstance(module, types.ModuleType):
        return ()
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return tuple(names)
