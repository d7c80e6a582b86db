"""Calling a learner's answer on given inputs, and sending back plain data.

The grade is never decided where the learner's code runs.  That code runs
here — in the learner's own kernel for the notebook's ``check()``, or in the
grader's fresh interpreter inside a sandbox (:mod:`convlab.grading.inside.ask`)
— and :func:`respond` only

- rebuilds the inputs, byte for byte and stride for stride;
- puts the rule's guards in place (:func:`~convlab.grading.inside.guards.guarded`)
  and calls the answer, with a time limit;
- encodes what came back as plain data: arrays (dtype, shape, values),
  numbers, strings, tuples and lists of those; for an array also whether it
  shares memory with an input, whether it is writeable and its strides.

Everything else (the reference answer, the comparison, hints and points) is
computed by the deciding side, :mod:`convlab.grading.deciding.judge`, from
that plain data.

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
import io
import signal
import threading
import tracemalloc
from contextlib import contextmanager, nullcontext

import numpy as np

from convlab.windows import memory_owner

from .guards import Refused, RuleBroken, guarded, library_dirs

#: Seconds one call may run, unless the request says otherwise (the grader sends its limit).
TIME_LIMIT = 10.0

#: Largest answer, in bytes, that is sent back.
MAX_ANSWER_BYTES = 64 * 2**20

_MISSING = object()
_SCALAR_TYPES = (bool, int, float, str, type(None))


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


def respond(request, namespace, answer=_MISSING, hook=None):
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
    hook : convlab.grading.inside.guards.Hook, optional
        The audit hook of the grader's interpreter, paused while this reads a
        traceback (the checker, in the learner's kernel, has none).

    Returns
    -------
    dict
        ``defined``; for a value task its ``value``; for a function task
        ``callable`` and one entry per case: ``outcome`` (``"returned"``,
        ``"raised"``, ``"not attempted"``, ``"time limit"``, ``"rule"`` or
        ``"refused"``), ``answer``, ``facts``, ``args_after``, ``forbidden``,
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
        cases.append(_call(answer, case, request.get("guards"), namespace, seconds, hook))
        if cases[-1]["outcome"] == "time limit":  # the rest would most likely stop too
            cases.extend({"outcome": "skipped"} for _ in request["cases"][len(cases):])
            break
    return {"defined": True, "callable": True, "cases": cases}


def _trusted(hook):
    """While only this module's code runs: the grader's audit hook lets it parse array headers."""
    return hook.paused() if hook is not None else nullcontext()


def _call(answer, case, guards, namespace, seconds, hook):
    with _trusted(hook):
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
            reply.update(outcome="time limit", seconds=seconds, where=_learner_line(stop, "was running", hook))
        except RuleBroken as broken:
            reply.update(outcome="rule", error=_message(broken), where=_learner_line(broken, "called it", hook))
        except Refused as refused:
            reply.update(outcome="refused", error=_message(refused), where=_learner_line(refused, "tried it", hook))
        except NotImplementedError:
            reply.update(outcome="not attempted")
        except Exception as err:  # the learner's bug: reported, never raised here
            reply.update(outcome="raised", error=_message(err), where=_learner_line(err, "raised it", hook))
    reply["forbidden"] = sorted(set(calls["forbidden"]))
    reply["required_calls"] = calls["required"]
    if reply["forbidden"] and reply["outcome"] not in ("time limit", "refused"):
        reply["outcome"] = "rule"
    if reply["outcome"] == "returned":
        reply["answer"] = encode_answer(got)
        reply["facts"] = _facts(got, args)
    reply["args_after"] = [
        {"__array__": _npy(np.ascontiguousarray(a))} if type(a) is np.ndarray else None for a in args
    ]
    return reply


#: How much of an error message is kept.
MAX_MESSAGE = 300

_PLAIN_ARGS = (str, int, float, bool, type(None))


def _message(err):
    """``"Name: message"`` of an exception, without running a method the learner may have written.

    An exception of Python's or a library's own class is shown as it shows
    itself; one of a class the learner defined shows its name and plain arguments only.
    """
    kind = type(err)
    name = kind.__name__ if type(kind.__name__) is str else "Exception"
    module = kind.__module__ if type(kind.__module__) is str else ""
    if module == "builtins" or module.split(".")[0] in ("numpy", "scipy", "convlab"):
        args = err.args if type(err.args) is tuple else ()
        if all(type(a) in _PLAIN_ARGS for a in args):
            text = BaseException.__str__(err)
        else:
            text = ""
    else:
        text = ", ".join(str(a) for a in err.args if type(a) in _PLAIN_ARGS) if type(err.args) is tuple else ""
    return f"{name}: {text}"[:MAX_MESSAGE] if text else name[:MAX_MESSAGE]


# --- where the learner's code failed ------------------------------------------------------------------

# Frames in these folders are not the learner's: Python's, the installed libraries' (convlab's too).
_LIBRARY_DIRS = library_dirs()


def _learner_line(err, verb, hook=None):
    """Where in the learner's own code an exception passed last, as one line; None if nowhere.

    Reading a traceback's frames is something the grader's audit hook refuses
    to learner code, so it is paused here, where only this code runs.
    """
    import linecache

    with _trusted(hook):
        tb = err.__traceback__
        last = None
        while tb is not None:
            code = tb.tb_frame.f_code
            filename = code.co_filename
            if not filename.startswith(_LIBRARY_DIRS + ("<frozen", "<convlab")) and not _in_convlab(filename):
                last = (filename, tb.tb_lineno, code.co_name)
            tb = tb.tb_next
        if last is None:
            return None
        filename, lineno, name = last
        line = linecache.getline(filename, lineno).strip() if filename in linecache.cache else ""
    place = "your cell" if name == "<module>" else name
    return f"line {lineno} of {place} {verb}" + (f": {line}" if line else "")


def _in_convlab(filename):
    """Whether a file is convlab's own (an editable install lives outside site-packages)."""
    return filename.startswith(_CONVLAB_DIR)


def _convlab_dir():
    import os

    import convlab

    return os.path.dirname(os.path.realpath(convlab.__file__)) + os.sep


_CONVLAB_DIR = _convlab_dir()
