"""The libraries graded code may use, as a table of names made from a fixed list of modules.

A learner's code names routines by dotted names (``np.lib.stride_tricks.as_strided``,
``convlab.conv2d``).  To check a task's rule, those names are resolved to the
objects they stand for — but never by importing what a submission names: an
import runs code, and the grading process runs none of a submission's choosing.
Instead, :func:`table` imports a fixed list of modules (:data:`IMPORTED`) the
first time it is asked (or :func:`prepare` imports those of some libraries only:
the grader those a submission names, the learner's kernel and the questions'
interpreter theirs), and :func:`resolve` walks from those modules through
their namespaces' dictionaries only (no ``getattr``, so no module-level
``__getattr__`` can import anything either).  A name outside the table
resolves to nothing.

What graded code may use at all — whatever its task says — is decided here too
(:func:`problem`): NumPy, SciPy and convlab's numeric core, Python's modules for
arithmetic and iteration (:data:`STDLIB`), nothing private (``np._core``,
``scipy.signal._sigtools``), and none of the modules that reach the system,
build code or grade (:data:`CLOSED`).  The fresh interpreter that asks the
questions (:mod:`convlab.grading.inside.ask`) binds names by the same table.

Examples
--------
>>> resolve("numpy.lib.stride_tricks.as_strided") is resolve("np.lib.stride_tricks.as_strided".replace("np", "numpy"))
True
>>> problem("numpy.einsum") is None
True
>>> problem("numpy.f2py.os.system")
'numpy.f2py is not open to graded code'
>>> problem("scipy.signal._sigtools")
'scipy.signal._sigtools is private'
>>> problem("os.system")
'os is not a module graded code may use'
"""

from __future__ import annotations

import builtins
import importlib
import re
import sys
import threading
import types
import unicodedata

__all__ = [
    "ROOTS", "STDLIB", "CLOSED", "IMPORTED", "table", "prepare", "imported_roots", "named_roots", "resolve", "problem",
    "allowed_module", "closed", "module_of",
]

#: The libraries graded code may use, besides Python's own modules in :data:`STDLIB`.
ROOTS = ("numpy", "scipy", "convlab")

#: Python's modules for arithmetic and iteration: nothing in them reaches files, processes or code.
STDLIB = (
    "math", "cmath", "itertools", "functools", "operator", "collections", "numbers", "fractions",
    "decimal", "statistics", "heapq", "bisect", "copy", "typing", "random",
)

#: Parts of those modules closed to graded code: they reach the system, build code from strings,
#: read attributes by names made at run time, or are the grader itself.
CLOSED = (
    "numpy.f2py", "numpy.ctypeslib", "numpy.testing", "numpy.distutils", "numpy.lib.format",
    "numpy.lib.npyio", "numpy.lib.introspect",
    "convlab.grading", "convlab.viz", "convlab.widgets", "convlab.jupyter",
    "convlab.__main__", "convlab.datasets",
    "operator.attrgetter", "operator.methodcaller", "collections.namedtuple", "functools.singledispatch",
    "random.SystemRandom",
)

#: What :func:`table` imports: the modules where learners find routines, so their names resolve.
IMPORTED = (
    "numpy", "numpy.fft", "numpy.linalg", "numpy.random", "numpy.lib", "numpy.lib.stride_tricks",
    "numpy.lib.array_utils", "numpy.lib.scimath", "numpy.lib.mixins", "numpy.polynomial", "numpy.ma",
    "numpy.char", "numpy.rec", "numpy.strings", "numpy.dtypes", "numpy.exceptions",
    "scipy", "scipy.signal", "scipy.ndimage", "scipy.special", "scipy.fft", "scipy.linalg",
    "convlab", "convlab.params", "convlab.windows", "convlab.methods", "convlab.fast", "convlab.choose",
    "convlab.conv", "convlab.pooling", "convlab.backward", "convlab.fourier", "convlab.winograd",
    "convlab.layers",
) + STDLIB

#: Built-in functions that run code from strings, read or write attributes and namespaces by name,
#: open files or stop the interpreter: the grader does not run an answer that uses them.
UNSAFE_BUILTINS = frozenset({
    "eval", "exec", "compile", "__import__", "getattr", "setattr", "delattr", "vars", "globals",
    "locals", "breakpoint", "open", "input", "help", "exit", "quit", "memoryview", "__build_class__",
})


_TABLE = {}
_PREPARING = threading.Lock()  # a grader's threads may prepare at once; each module is imported by one


def table():
    """``{module name: module}`` for :data:`IMPORTED`, imported the first time (a missing module is left out)."""
    if not _TABLE:
        prepare(ROOTS + STDLIB)
    return _TABLE


def prepare(roots):
    """Import the modules of :data:`IMPORTED` under ``roots`` now, and add them to the table.

    The grader calls it with the libraries a submission names (:func:`named_roots`) before
    reading its code, the questions' interpreter with only the libraries its tasks may use,
    the checker in a learner's kernel with the libraries the kernel has imported
    (:func:`imported_roots`): SciPy takes over a second to import, and code that never
    names it holds no routine of it.  The table only grows, so what resolved once
    resolves the same way later.
    """
    wanted = [name for name in IMPORTED if name.split(".")[0] in roots and name not in _TABLE]
    if not wanted:
        return
    with _PREPARING:
        for name in wanted:
            if name in _TABLE:
                continue
            try:
                _TABLE[name] = importlib.import_module(name)
            except ImportError:  # SciPy is optional for the checker's source check
                continue


def imported_roots():
    """NumPy, convlab, Python's modules of :data:`STDLIB`, and any other library of :data:`ROOTS` imported here.

    >>> {"numpy", "convlab", "math"} <= set(imported_roots())
    True
    """
    return tuple(root for root in ROOTS + STDLIB if root in ("numpy", "convlab") + STDLIB or root in sys.modules)


def named_roots(cells):
    """NumPy, convlab, Python's modules of :data:`STDLIB`, and each other library of :data:`ROOTS` that ``cells`` name.

    A name graded code uses starts at an import, and an import of a library
    writes the library's name: code that never writes ``scipy`` reaches no
    routine of SciPy, whatever it does at run time (building names from strings
    is refused by the source check).  The code is read as Python reads names,
    after NFKC normalisation, so ``import ｓｃｉｐｙ`` (full-width letters) names SciPy too.

    >>> named_roots(["import numpy as np", "from scipy import signal"])[:3]
    ('numpy', 'scipy', 'convlab')
    >>> "scipy" in named_roots(["x = 1  # no library here"])
    False
    >>> "scipy" in named_roots(["import \\uff53\\uff43\\uff49\\uff50\\uff59"])
    True
    """
    text = unicodedata.normalize("NFKC", "\n".join(cell for cell in cells if isinstance(cell, str)))
    return tuple(root for root in ROOTS if root in ("numpy", "convlab") or re.search(rf"\b{root}\b", text)) + STDLIB


def _lookup(holder, name):
    """``holder.name`` read from namespace dictionaries only: no descriptor or ``__getattr__`` runs."""
    if isinstance(holder, types.ModuleType):
        return vars(holder).get(name, _MISSING)
    if isinstance(holder, type):
        for klass in holder.__mro__:
            if name in vars(klass):
                return vars(klass)[name]
    return _MISSING


_MISSING = object()


def resolve(dotted):
    """The object ``dotted`` names in the table, or None.

    Parameters
    ----------
    dotted : str
        A name such as ``"numpy.lib.stride_tricks.as_strided"`` or ``"convlab.conv2d"``.

    Returns
    -------
    object or None
    """
    parts = dotted.split(".")
    modules = table()
    for cut in range(len(parts), 0, -1):
        found = modules.get(".".join(parts[:cut]))
        if found is None:
            continue
        for part in parts[cut:]:
            found = _lookup(found, part)
            if found is _MISSING:
                return None
        return found
    if len(parts) == 1 and parts[0] in vars(builtins):
        return vars(builtins)[parts[0]]
    return None


def module_of(obj):
    """The name of the module an object was defined in (a module's own name for a module), or None."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    name = getattr(obj, "__module__", None)
    return name if isinstance(name, str) else None


def closed(dotted):
    """Whether ``dotted`` is, or is inside, a part of the libraries closed to graded code, or private."""
    return any(part.startswith("_") for part in dotted.split(".")) or any(
        dotted == c or dotted.startswith(c + ".") for c in CLOSED)


def allowed_module(name):
    """Whether graded code may import the module ``name`` (or bind a name from it)."""
    parts = name.split(".")
    if parts[0] not in ROOTS + STDLIB:
        return False
    if any(part.startswith("_") for part in parts):
        return False
    return not closed(name)


def problem(dotted):
    """Why graded code may not use ``dotted`` at all, whatever its task, or None.

    Every module met along the name must be one graded code may use; nothing
    private; no closed part; and the name must not stand for a built-in that runs code
    from strings or reads attributes by name (``numpy.ma.core.builtins.eval``, say).
    """
    parts = dotted.split(".")
    if parts[0] not in ROOTS + STDLIB:
        return f"{parts[0]} is not a module graded code may use"
    for cut in range(1, len(parts) + 1):
        prefix = ".".join(parts[:cut])
        if parts[cut - 1].startswith("_"):
            return f"{prefix} is private"
        if any(prefix == closed for closed in CLOSED):
            return f"{prefix} is not open to graded code"
        found = resolve(prefix)
        if isinstance(found, types.ModuleType) and not allowed_module(found.__name__):
            return f"{prefix} is the module {found.__name__}, which graded code may not use"
        if found is not None and _is_unsafe_builtin(found):
            return f"{prefix} is the built-in {found.__name__}, which graded code may not use"
    return None


def _is_unsafe_builtin(obj):
    return any(obj is vars(builtins).get(name) for name in UNSAFE_BUILTINS)
