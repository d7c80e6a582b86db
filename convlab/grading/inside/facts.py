"""What in a learner's kernel could bend a grade: hooks and library functions that notebook code put there.

This module's source is sent into the kernel that runs a submitted notebook,
inside the sandbox (:mod:`convlab.grading.inside.notebook`), before its first
cell and after its last; :func:`environment` returns plain data for the
instructor's flags (:mod:`convlab.grading.deciding.flags`).  Nothing here
decides a point: the kernel may lie, and all it can spoil is its own flags.
It imports only the standard library (and IPython, which every kernel has).
"""

import importlib.util
import sys
import sysconfig
import types
from pathlib import Path


def _package_dir(name):
    spec = importlib.util.find_spec(name)
    return str(Path(spec.origin).resolve().parent) if spec is not None and spec.origin else None


# Frames in these folders are not the learner's: Python's, the installed libraries', convlab's.
_LIBRARY_DIRS = tuple(
    {path for path in (_package_dir("convlab"),) if path}
    | {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
)

def environment():
    """What in this kernel could bend a grade: hooks and library functions that notebook code put there.

    Returns
    -------
    dict
        ``hooks``: IPython input and AST transformers, event callbacks and
        display hooks defined outside any installed library (in a notebook
        cell, say), by name; ``replaced``: ``module.name`` of each function
        of NumPy, SciPy, convlab, IPython or builtins defined outside them.
    """
    hooks = []
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        for kind in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
            hooks.extend(f"{kind}: {_name_of(h)}" for h in getattr(shell, kind, []) if _from_notebook(h))
        for event, callbacks in getattr(getattr(shell, "events", None), "callbacks", {}).items():
            hooks.extend(f"event {event}: {_name_of(c)}" for c in callbacks if _from_notebook(c))
        for name in ("displayhook", "display_pub", "display_formatter"):
            if _from_notebook(getattr(shell, name, None)):
                hooks.append(f"{name}: {_name_of(getattr(shell, name))}")
    if _from_notebook(sys.displayhook) or _from_notebook(sys.gettrace()) or _from_notebook(sys.getprofile()):
        hooks.append("sys: a display hook, tracer or profiler")
    replaced = []
    roots = ("numpy", "scipy", "convlab", "IPython", "ipykernel", "builtins", "json", "base64", "inspect")
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in roots:
            continue
        for attribute, value in list(vars(module).items()):
            if isinstance(value, types.FunctionType) and _from_notebook(value):
                replaced.append(f"{name}.{attribute}")
    return {"hooks": sorted(hooks), "replaced": sorted(replaced)}


def _from_notebook(obj):
    """Whether ``obj`` (a function, method, callable object) was defined outside every installed library."""
    if obj is None:
        return False
    code = getattr(getattr(obj, "__func__", obj), "__code__", None)
    if code is None and callable(obj) and not isinstance(obj, type):
        code = getattr(type(obj).__call__, "__code__", None)  # a callable object: its class's __call__
    if code is None:  # an object of a class: where the class was defined
        return getattr(type(obj), "__module__", None) == "__main__"
    if getattr(getattr(obj, "__func__", obj), "__module__", None) == "__main__":
        return True
    filename = code.co_filename or ""
    if filename.startswith("<"):  # made by exec or compile, by a library (SciPy does) unless in __main__
        return False
    # Compiled extensions name their sources relative to the package: those are libraries.
    return Path(filename).is_absolute() and not filename.startswith(_LIBRARY_DIRS)


def _name_of(obj):
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"
