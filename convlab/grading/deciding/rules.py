"""What a task lets the learner call: a :class:`Rule`, checked on the source and enforced while the answer runs.

Most tasks teach one way of computing something, and most could be skipped by
calling a routine that already does the job: "write it with loops" answered
with ``convlab.conv2d``.  A rule says, in the words the task's text shows the
learner (``text``), what the answer may use (``allow``: an allow-list, where that
is what the task means), what it may not use even so (``forbid``) and what it
must use (``require``).  It is checked twice:

- **on the source** (:meth:`Rule.violation`), on the names the answer's
  definition uses, as :class:`~convlab.grading.deciding.source.Source` finds
  them through imports, aliases and helper functions.  Names are matched by the
  object they stand for, in the fixed table of :mod:`.library`, so
  ``convlab.conv2d``, ``convlab.conv.conv2d`` and ``from convlab import conv2d as c``
  are one routine;
- **while the answer runs**, in the fresh interpreter that asks the questions:
  names the notebook imports are bound as the rule allows (:meth:`Rule.binding`:
  the module itself, a view of it that shows only what is allowed, or a
  stand-in that refuses), forbidden routines raise wherever a learner can
  reach them in NumPy's public modules, and required ones count their calls
  (:meth:`Rule.guards`).

Examples
--------
>>> from .source import Source
>>> rule = Rule("Use NumPy only.", allow=(NUMPY,), forbid=NUMPY_CONVOLUTIONS)
>>> rule.violation(Source(["import convlab as cl", "def f(x, k):\\n    return cl.conv2d(x, k)"]).uses("f"))
'it uses convlab.conv2d'
>>> rule.violation(Source(["import numpy as np", "def f(x, k):\\n    return np.correlate(x, k)"]).uses("f"))
'it uses np.correlate'
>>> rule.violation(Source(["def f(x, k):\\n    return x[0, 0] * k[0, 0]"]).uses("f")) is None
True
>>> rule.binding("scipy.signal.correlate2d")
{'refuse': 'this task does not allow scipy.signal.correlate2d'}
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from functools import cache

from . import library

__all__ = [
    "Rule", "NUMPY", "MATRIX_PRODUCT", "NUMPY_CONVOLUTIONS", "WINDOW_VIEWS", "AS_STRIDED",
    "SLIDING_WINDOWS", "PUBLIC_MODULES",
]

#: ``allow`` entry meaning NumPy's public API (less what ``forbid`` lists).
NUMPY = "numpy"

#: ``require`` entry meaning "a matrix product": ``@``, ``np.matmul``, ``np.dot`` or ``.dot``.
MATRIX_PRODUCT = "@"

#: NumPy's own convolution and correlation.
NUMPY_CONVOLUTIONS = ("numpy.convolve", "numpy.correlate")

#: NumPy's ready-made sliding-window view.
WINDOW_VIEWS = ("numpy.lib.stride_tricks.sliding_window_view",)

#: The strided view the memory lessons build windows with.
AS_STRIDED = ("numpy.lib.stride_tricks.as_strided",)

#: convlab's window view, which later tasks may use.
SLIDING_WINDOWS = "convlab.sliding_windows"

#: Modules where learners find routines: while an answer runs, a forbidden routine is replaced
#: wherever it is an attribute of one of these (graded code cannot reach private modules).
PUBLIC_MODULES = (
    "numpy", "numpy.lib.stride_tricks", "numpy.fft", "numpy.linalg",
    "scipy.signal", "scipy.ndimage", "scipy.special",
    "convlab", "convlab.conv", "convlab.methods", "convlab.fast", "convlab.windows",
    "convlab.pooling", "convlab.backward", "convlab.params", "convlab.layers", "convlab.fourier", "convlab.winograd",
)


@dataclass(frozen=True)
class Rule:
    """What a task's answer may and may not use.

    Parameters
    ----------
    text : str
        The rule in the learner's words, as the task's text in the notebook
        states it (``tests/test_generator.py`` checks that it does).
    allow : tuple of str, optional
        What the answer may use besides Python's built-ins and its modules for
        arithmetic (:data:`.library.STDLIB`): :data:`NUMPY` for NumPy's
        public API, or dotted names of single routines (``"convlab.sliding_windows"``).
        None allows everything graded code may use at all.
    forbid : tuple of str
        Dotted names the answer may not use even so; ``"module.*"`` stands for
        every function defined in that module.
    require : tuple of str
        The answer must use at least one of these; :data:`MATRIX_PRODUCT`
        stands for any matrix product.
    forbid_attributes : tuple of str
        Attributes the answer may not read (checked on the source).
    forbid_loops : bool
        Whether the answer may not loop in Python (``for``, ``while``, a
        comprehension; checked on the source, helpers included): for tasks
        whose point is one vectorised expression over a whole stack.
    """

    text: str
    allow: tuple | None = None
    forbid: tuple = ()
    require: tuple = ()
    forbid_attributes: tuple = ()
    forbid_loops: bool = False

    # --- on the source ------------------------------------------------------------------------

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
        for name in sorted(uses.names, key=lambda n: (-n.count("."), n)):  # the most specific name first
            found = library.resolve(name)
            if not self.allows(name) or (found is not None and id(found) in forbidden):
                return f"it uses {_short(name)}"
        for attribute in self.forbid_attributes:
            if attribute in uses.attributes:
                return f"it reads .{attribute}"
        if self.forbid_loops and uses.loops:
            return "it loops in Python (a for or while loop, or a comprehension)"
        if self.require and not self._required_used(uses):
            return f"it does not use {self.requirement}"
        return None

    def allows(self, dotted):
        """Whether the allow-list admits the name ``dotted`` (``forbid`` aside)."""
        root = dotted.split(".")[0]
        if self.allow is None or root in library.STDLIB:
            return True
        if root == NUMPY and NUMPY in self.allow:
            return True
        found = library.resolve(dotted)
        if found is None:
            return False
        if isinstance(found, types.ModuleType):  # a module on the way to something allowed
            return any(place.startswith(found.__name__ + ".") or place.startswith(dotted + ".")
                       for place in self._allowed_places())
        return id(found) in _objects(tuple(self.allow))

    @property
    def requirement(self):
        """What ``require`` asks for, in words: ``"np.einsum"``, ``"np.tensordot or np.einsum"``."""
        shown = ["a matrix product (@, np.matmul or np.dot)" if n == MATRIX_PRODUCT else _short(n)
                 for n in self.require]
        return " or ".join(shown)

    def _required_used(self, uses):
        if MATRIX_PRODUCT in self.require and (uses.matmul or "dot" in uses.attributes):
            return True
        required = _objects(tuple(r for r in self.require if r != MATRIX_PRODUCT) + self._matmul_names())
        return any(id(found) in required for found in map(library.resolve, uses.names) if found is not None)

    def _matmul_names(self):
        return ("numpy.matmul", "numpy.dot") if MATRIX_PRODUCT in self.require else ()

    def _allowed_places(self):
        return [f"{m}.{a}" for m, a, _ in _access_points(tuple(a for a in (self.allow or ()) if a != NUMPY))]

    # --- while the answer runs -----------------------------------------------------------------

    def guards(self):
        """Where the questions' interpreter puts its guards: ``{"forbid": [...], "require": [...]}``.

        Each entry is ``[module, attribute, shown]``: a place where a routine
        is found, and the name messages use for it.  A matrix product written
        ``@`` cannot be counted at run time, and a class (``np.ndarray``) is
        not replaced, since the library itself uses it: both are checked on the
        source only.
        """
        return {
            "forbid": [point for point in _access_points(self.forbid) if not _is_class(point)],
            "require": _access_points(tuple(r for r in self.require if r != MATRIX_PRODUCT) + self._matmul_names()),
        }

    def binding(self, dotted):
        """How the questions' interpreter binds a name the notebook imported as ``dotted``.

        Returns
        -------
        dict
            ``{"real": dotted}`` for the object itself; ``{"view": dotted, "places":
            [...]}`` for a module of which only ``places`` are allowed; ``{"refuse":
            message}`` for a stand-in that raises with ``message`` when used.
        """
        return binding(dotted, self)


def binding(dotted, rule=None):
    """How a name imported as ``dotted`` is bound for a task with ``rule`` (None: a task without one).

    See :meth:`Rule.binding`.
    """
    why = library.problem(dotted)
    if why is not None:
        return {"refuse": f"graded code may not use {dotted}: {why}"}
    if rule is None or rule.allow is None or rule.allows(dotted) and not _is_partial_module(dotted, rule):
        return {"real": dotted}
    if rule.allows(dotted):  # a module of which only some routines are allowed
        return {"view": dotted, "places": rule._allowed_places()}
    return {"refuse": f"this task does not allow {dotted}"}


def _is_partial_module(dotted, rule):
    found = library.resolve(dotted)
    return isinstance(found, types.ModuleType) and not (dotted.split(".")[0] == NUMPY and NUMPY in rule.allow)


def _is_class(point):
    module = library.resolve(point[0])
    return isinstance(vars(module).get(point[1]) if isinstance(module, types.ModuleType) else None, type)


def _short(name):
    return name.replace("numpy.", "np.", 1) if name.startswith("numpy.") else name


# --- names to objects -----------------------------------------------------------------------------


def _expand(pattern):
    """``(dotted name, object)`` for each routine a forbid/require/allow entry stands for."""
    return _expand_in(pattern, tuple(library.table()))


@cache
def _expand_in(pattern, modules):
    """:func:`_expand` for a table of ``modules`` (the key of the cache: the table may grow)."""
    if pattern.endswith(".*"):
        module = library.resolve(pattern[:-2])
        if not isinstance(module, types.ModuleType):
            return ()
        return tuple(
            (f"{module.__name__}.{name}", value)
            for name, value in sorted(vars(module).items())
            if callable(value) and not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
        )
    found = library.resolve(pattern)
    return ((pattern, found),) if found is not None and not isinstance(found, types.ModuleType) else ()


def _objects(patterns):
    return {id(obj) for pattern in patterns for _, obj in _expand(pattern)}


def _access_points(patterns):
    """``[module, attribute, shown]`` for every public module attribute that is one of ``patterns``' routines."""
    return _access_points_in(patterns, tuple(library.table()))


@cache
def _access_points_in(patterns, modules):
    """:func:`_access_points` for a table of ``modules`` (the key of the cache: the table may grow)."""
    points = []
    seen = set()
    for pattern in patterns:
        for home, obj in _expand(pattern):
            places = []
            for module_name in PUBLIC_MODULES + (home.rsplit(".", 1)[0],):
                module = library.resolve(module_name)
                if not isinstance(module, types.ModuleType):
                    continue
                for attribute, value in vars(module).items():
                    if value is obj and (module_name, attribute) not in seen:
                        seen.add((module_name, attribute))
                        places.append([module_name, attribute])
            points.extend([m, a, _short(home)] for m, a in places)
    return points
