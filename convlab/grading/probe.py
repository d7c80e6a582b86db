"""The kernel's side of grading: call the learner's answer on given inputs, return plain data.

The grader never believes what a notebook shows.  After a submission has
run, it sends this module's *source* to the learner's kernel together with a
request: a task's name, its inputs (made from a seed drawn for this grading
run) and the task's rule.  :func:`respond` runs there and only

- rebuilds the inputs, byte for byte and stride for stride;
- puts the rule's guards in place (forbidden routines raise, required ones
  count their calls) and calls the answer, with a time limit;
- encodes what came back as plain data: arrays (dtype, shape, values),
  numbers, strings, tuples and lists of those; for an array also whether it
  shares memory with an input, whether it is writeable and its strides.

Everything else (the reference answer, the comparison, hints and points)
is computed by the grader in its own process (:mod:`convlab.grading.judge`).
The in-notebook :func:`convlab.grading.check` uses the same functions, in the
learner's kernel, on fixed inputs, so both say the same things about the
same answer.

This module imports only NumPy, the standard library and
:func:`convlab.windows.memory_owner`, so its source runs on its own in any
kernel where convlab is installed.

Examples
--------
>>> import numpy as np
>>> inputs = encode_input(np.arange(6.0).reshape(2, 3).T)       # a transposed view
>>> x = decode_input(inputs)
>>> x.strides, x.flags.c_contiguous
((8, 24), False)
>>> reply = respond({"task": "double", "kind": "function", "cases": [{"args": [inputs]}]},
...                 {"double": lambda x: 2 * x})
>>> decode_answer(reply["cases"][0]["answer"]).tolist()
[[0.0, 6.0], [2.0, 8.0], [4.0, 10.0]]
"""

import base64
import importlib
import importlib.util
import io
import signal
import sys
import sysconfig
import threading
import traceback
import tracemalloc
import types
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from convlab.windows import memory_owner

#: Seconds one call may run, unless the request says otherwise.
TIME_LIMIT = 10.0

#: Largest answer, in bytes, that is sent back.
MAX_ANSWER_BYTES = 64 * 2**20

_MISSING = object()
_SCALAR_TYPES = (bool, int, float, str, type(None))


class RuleBroken(BaseException):
    """Raised into the answer when it calls a routine its task forbids.

    A BaseException, so that ``except Exception`` in the answer cannot hide it;
    the call is recorded before it is raised, so no handler can hide that.
    """


class TimeUp(BaseException):
    """Raised into the answer when it runs longer than its time limit."""


# --- plain data ---------------------------------------------------------------------------------


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _from_npy(text):
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


def encode_input(value):
    """An input as plain data that :func:`decode_input` turns back into the same value.

    Arrays keep their exact layout: the memory they view is sent whole,
    with the offset, shape and strides of the view, so a transposed or
    sliced input arrives transposed or sliced.  Objects with an
    ``encode_input()`` method (the tasks' special inputs) send what it returns.
    """
    if isinstance(value, np.ndarray):
        owner = memory_owner(value)
        if not (owner.flags.c_contiguous or owner.flags.f_contiguous):
            owner = value = np.array(value)
        offset = value.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
        return {"__array__": {"memory": _npy(owner), "offset": int(offset),
                              "shape": list(value.shape), "strides": list(value.strides)}}
    if isinstance(value, np.generic):
        return {"__scalar__": _npy(np.asarray(value))}
    if isinstance(value, tuple):
        return {"__tuple__": [encode_input(v) for v in value]}
    if isinstance(value, list):
        return [encode_input(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[k, encode_input(v)] for k, v in value.items()]}
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if hasattr(value, "encode_input"):
        return value.encode_input()
    return value


def decode_input(data):
    """The value :func:`encode_input` encoded, rebuilt with its layout."""
    if isinstance(data, list):
        return [decode_input(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__array__" in data:
        spec = data["__array__"]
        memory = _from_npy(spec["memory"])
        if not memory.flags.writeable:
            memory = memory.copy()
        base = memory.ravel(order="A")  # memory order: a view for C and Fortran arrays alike
        return np.ndarray(spec["shape"], memory.dtype, buffer=base, offset=spec["offset"], strides=spec["strides"])
    if "__scalar__" in data:
        return _from_npy(data["__scalar__"])[()]
    if "__tuple__" in data:
        return tuple(decode_input(v) for v in data["__tuple__"])
    if "__dict__" in data:
        return {k: decode_input(v) for k, v in data["__dict__"]}
    if "__complex__" in data:
        return complex(*data["__complex__"])
    if "__callable__" in data:
        return CALLABLES[data["__callable__"]](*[decode_input(a) for a in data["args"]])
    raise ValueError(f"unknown input encoding: {sorted(data)}")


def encode_answer(value, depth=0):
    """An answer as plain data, or ``{"__not_plain__": why}``.

    Plain data is an exact ``numpy.ndarray`` of numbers (not a subclass), a
    NumPy or Python number, a string, None, or a tuple or list of those.
    Anything else (an ndarray subclass, an object with its own ``__eq__``, a
    lazily computed proxy) is described, never compared: its behaviour is
    whatever the learner's kernel says it is.
    """
    kind = type(value)
    if kind is np.ndarray:
        if value.dtype.hasobject or value.dtype.kind not in "biufc":
            return {"__not_plain__": f"an array of dtype {value.dtype}"}
        if _reaches_outside(value):
            return {"__outside__": {"shape": list(value.shape), "dtype": str(value.dtype)}}
        if value.nbytes > MAX_ANSWER_BYTES:
            return {"__not_plain__": f"an array of {value.nbytes:,} bytes, too large to send"}
        return {"__array__": _npy(np.ascontiguousarray(value))}
    if kind in _SCALAR_TYPES:
        if kind is float and value != value:
            return {"__float__": "nan"}
        if kind is float and value in (float("inf"), float("-inf")):
            return {"__float__": repr(value)}
        return value
    if kind is complex:
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, np.generic) and kind in _NUMPY_SCALARS:
        return {"__scalar__": _npy(np.asarray(value))}
    if kind in (tuple, list):
        if depth > 4 or len(value) > 100_000:
            return {"__not_plain__": f"a {kind.__name__} nested too deep or too long"}
        items = [encode_answer(v, depth + 1) for v in value]
        bad = next((i for i in items if isinstance(i, dict) and "__not_plain__" in i), None)
        if bad is not None:
            return bad
        return {"__tuple__": items} if kind is tuple else items
    return {"__not_plain__": f"an object of type {kind.__module__}.{kind.__qualname__}"}


_NUMPY_SCALARS = frozenset(
    t for t in set(np.sctypeDict.values()) if issubclass(t, np.number) or t is np.bool_
)


def decode_answer(data):
    """The plain value :func:`encode_answer` encoded (arrays come back contiguous and writeable).

    Raises
    ------
    ValueError
        For ``__not_plain__`` and ``__outside__`` markers: the caller checks
        them first (:func:`describe_unplain`).
    """
    if isinstance(data, list):
        return [decode_answer(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__array__" in data:
        return _from_npy(data["__array__"])
    if "__scalar__" in data:
        return _from_npy(data["__scalar__"])[()]
    if "__tuple__" in data:
        return tuple(decode_answer(v) for v in data["__tuple__"])
    if "__float__" in data:
        return float(data["__float__"])
    if "__complex__" in data:
        return complex(*data["__complex__"])
    raise ValueError(f"not a plain answer: {data}")


def _reaches_outside(view):
    if view.base is None or view.size == 0:
        return False
    low, high = np.lib.array_utils.byte_bounds(view)
    own_low, own_high = np.lib.array_utils.byte_bounds(memory_owner(view))
    return low < own_low or high > own_high


def _facts(value, args):
    """What the grader may ask about an array answer besides its values."""
    if type(value) is not np.ndarray or _reaches_outside(value):
        return None
    return {
        "shares": [
            bool(isinstance(a, np.ndarray) and a.size and value.size and np.shares_memory(value, a, max_work=10**6))
            for a in args
        ],
        "writeable": bool(value.flags.writeable),
        "strides": list(value.strides),
    }


# --- special inputs ---------------------------------------------------------------------------------


def _half_squared_correlation(k):
    """``L(x) = sum(cross-correlation(x, k)**2) / 2``, a loss built from NumPy alone."""
    from numpy.lib.stride_tricks import sliding_window_view

    einsum = np.einsum  # bound now: a guard may replace np.einsum later

    def loss(x):
        x = np.asarray(x, dtype=float)
        windows = sliding_window_view(x, k.shape[-2:], axis=(-2, -1))
        out = einsum("...ijrs,...rs->ij", windows, k, optimize=True)
        return float((out**2).sum() / 2)

    loss.__qualname__ = loss.__name__ = "L"
    return loss


#: Callable inputs the tasks may send, by name: ``{"__callable__": name, "args": [...]}``.
CALLABLES = {"half_squared_correlation": _half_squared_correlation}


# --- calling the answer -------------------------------------------------------------------------


@contextmanager
def guarded(guards, namespace):
    """Forbidden routines raise and required ones count their calls, until the block ends.

    Parameters
    ----------
    guards : dict
        ``{"forbid": [[module, attribute, shown], ...], "require": [...]}``
        (:meth:`convlab.grading.rules.Rule.guards`).
    namespace : dict
        The learner's globals: a name bound there to a guarded routine
        (``from convlab import conv2d as c``) is guarded too.

    Yields
    ------
    dict
        ``{"forbidden": [names called], "required": number of calls, "swap": {id: replacement}}``.
    """
    calls = {"forbidden": [], "required": 0, "swap": {}}
    restore = []
    guards = guards or {}

    def refuse(shown):
        def forbidden(*args, **kwargs):
            calls["forbidden"].append(shown)
            raise RuleBroken(f"this task does not allow {shown}")

        return forbidden

    def count(original):
        def counted(*args, **kwargs):
            calls["required"] += 1
            return original(*args, **kwargs)

        return counted

    try:
        for key, make in (("forbid", refuse), ("require", None)):
            for module_name, attribute, shown in guards.get(key, []):
                module = _import(module_name)
                original = getattr(module, attribute, None) if module is not None else None
                if original is None:
                    continue
                replacement = calls["swap"].get(id(original)) or (make(shown) if make else count(original))
                calls["swap"][id(original)] = replacement
                restore.append((module, attribute, original))
                setattr(module, attribute, replacement)
                restore.extend(_swap_names(namespace, original, replacement))
        yield calls
    finally:
        for holder, name, original in reversed(restore):
            if isinstance(holder, dict):
                holder[name] = original
            else:
                setattr(holder, name, original)


def _swap_names(namespace, original, replacement):
    swapped = []
    for name, value in list(namespace.items()):
        if value is original:
            namespace[name] = replacement
            swapped.append((namespace, name, original))
    return swapped


def _import(name):
    module = sys.modules.get(name)
    if module is not None:
        return module
    try:
        return importlib.import_module(name)
    except Exception:  # not installed in this kernel: nothing to guard there
        return None


@contextmanager
def time_limit(seconds):
    """Raise :class:`TimeUp` into the running code after ``seconds`` (main thread, POSIX)."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    usable = seconds is not None and hasattr(signal, "setitimer") and in_main_thread
    if not usable:
        yield
        return

    def stop(signum, frame):
        raise TimeUp

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def respond(request, namespace, answer=_MISSING):
    """Call (or read) the learner's answer as ``request`` asks; return plain data.

    Parameters
    ----------
    request : dict
        ``task`` (the name to look up), ``kind`` (``"function"`` or
        ``"value"``), ``cases`` (each ``{"args": [...], "kwargs": {...},
        "measure": None or "peak-memory"}``, encoded with :func:`encode_input`),
        ``guards`` and ``time_limit``.
    namespace : dict
        The learner's globals.
    answer : object, optional
        The answer itself, instead of ``namespace[request["task"]]``.

    Returns
    -------
    dict
        ``defined``; for a value task its ``value``; for a function task
        ``callable`` and one entry per case: ``outcome`` (``"returned"``,
        ``"raised"``, ``"not attempted"``, ``"time limit"`` or ``"rule"``),
        ``answer``, ``facts``, ``args_after``, ``forbidden``,
        ``required_calls``, ``peak``, ``error`` and ``where``.
    """
    if answer is _MISSING:
        answer = namespace.get(request["task"], _MISSING)
    if answer is _MISSING:
        return {"defined": False}
    if request.get("kind") == "value":
        return {"defined": True, "value": encode_answer(answer)}
    if not callable(answer):
        text = repr(answer) if type(answer) in _SCALAR_TYPES + (tuple, list) else "an object"
        text = text if len(text) <= 40 else text[:37] + "..."
        return {"defined": True, "callable": False, "what": f"{type(answer).__name__} {text}"}
    seconds = request.get("time_limit", TIME_LIMIT)
    cases = []
    for case in request["cases"]:
        cases.append(_call(answer, case, request.get("guards"), namespace, seconds))
        if cases[-1]["outcome"] == "time limit":  # the rest would most likely stop too
            cases.extend({"outcome": "skipped"} for _ in request["cases"][len(cases):])
            break
    return {"defined": True, "callable": True, "cases": cases}


def _call(answer, case, guards, namespace, seconds):
    args = [decode_input(a) for a in case.get("args", [])]
    kwargs = {k: decode_input(v) for k, v in case.get("kwargs", {}).items()}
    reply = {"outcome": "returned"}
    measure = case.get("measure") == "peak-memory"
    got = None
    with guarded(guards, namespace) as calls:
        function = calls["swap"].get(id(answer), answer)  # the answer may itself be a forbidden routine
        try:
            with time_limit(seconds):
                if measure:
                    tracemalloc.start()
                    tracemalloc.reset_peak()
                try:
                    got = function(*args, **kwargs)
                finally:
                    if measure:
                        reply["peak"] = tracemalloc.get_traced_memory()[1]
                        tracemalloc.stop()
        except TimeUp as stop:
            reply.update(outcome="time limit", seconds=seconds, where=_learner_line(stop.__traceback__, "was running"))
        except RuleBroken as broken:
            reply.update(outcome="rule", error=str(broken), where=_learner_line(broken.__traceback__, "called it"))
        except NotImplementedError:
            reply.update(outcome="not attempted")
        except Exception as err:  # the learner's bug: reported, never raised here
            reply.update(
                outcome="raised",
                error=f"{type(err).__name__}: {err}"[:300],
                where=_learner_line(err.__traceback__, "raised it"),
            )
    reply["forbidden"] = sorted(set(calls["forbidden"]))
    reply["required_calls"] = calls["required"]
    if reply["forbidden"] and reply["outcome"] != "time limit":
        reply["outcome"] = "rule"
    if reply["outcome"] == "returned":
        reply["answer"] = encode_answer(got)
        reply["facts"] = _facts(got, args)
    reply["args_after"] = [
        {"__array__": _npy(np.ascontiguousarray(a))} if isinstance(a, np.ndarray) else None for a in args
    ]
    return reply


# --- where the learner's code failed ------------------------------------------------------------------

def _package_dir(name):
    spec = importlib.util.find_spec(name)
    return str(Path(spec.origin).resolve().parent) if spec is not None and spec.origin else None


# Frames in these folders are not the learner's: Python's, the installed libraries', convlab's.
_LIBRARY_DIRS = tuple(
    {path for path in (_package_dir("convlab"),) if path}
    | {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
)


def _learner_line(tb, verb):
    """Where in the learner's own code ``tb`` passed last, as one line; None if nowhere."""
    frames = [
        frame
        for frame in traceback.extract_tb(tb)
        if not frame.filename.startswith(_LIBRARY_DIRS)
        and not frame.filename.startswith(("<frozen", "<convlab"))
    ]
    if not frames:
        return None
    frame = frames[-1]
    place = "your cell" if frame.name == "<module>" else frame.name
    code = f": {frame.line.strip()}" if frame.line else ""
    return f"line {frame.lineno} of {place} {verb}{code}"


# --- what the grader flags --------------------------------------------------------------------------


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
