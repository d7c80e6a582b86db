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
>>> from convlab.grading.plain import decode_answer, encode_input
>>> inputs = encode_input(np.arange(6.0).reshape(2, 3).T)       # a transposed view
>>> reply = respond({"task": "double", "kind": "function", "cases": [{"args": [inputs]}]},
...                 {"double": lambda x: 2 * x})
>>> decode_answer(reply["cases"][0]["answer"]).tolist()
[[0.0, 6.0], [2.0, 8.0], [4.0, 10.0]]
"""

import signal
import threading
import tracemalloc
from contextlib import contextmanager, nullcontext

import numpy as np

from ..limits import Limits
from ..plain import SCALAR_TYPES, decode_input, encode_answer, npy, reaches_outside
from .guards import Refused, RuleBroken, guarded, library_dirs

__all__ = ["respond", "time_limit", "describe_error", "TimeUp", "TIME_LIMIT"]

#: Seconds one call may run, unless the request says otherwise (the grader sends its limit).
TIME_LIMIT = Limits().call_timeout

_MISSING = object()

# Bound once, at import (see convlab.grading.plain): the facts about an answer are read with these.
_ndarray, _shares_memory, _ascontiguousarray = np.ndarray, np.shares_memory, np.ascontiguousarray


class TimeUp(BaseException):
    """Raised into the answer when it runs longer than its time limit."""


def _facts(value, args):
    """What the grader may ask about an array answer besides its values."""
    if type(value) is not _ndarray or reaches_outside(value):
        return None
    return {
        "shares": [
            bool(isinstance(a, _ndarray) and a.size and value.size and _shares_memory(value, a, max_work=10**6))
            for a in args
        ],
        "writeable": bool(value.flags.writeable),
        "strides": list(value.strides),
    }


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
        "measure": None or "peak-memory"}``, encoded with :func:`~convlab.grading.plain.encode_input`),
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
        text = repr(answer) if type(answer) in SCALAR_TYPES + (tuple, list) else "an object"
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
            reply.update(outcome="rule", error=describe_error(broken),
                         where=_learner_line(broken, "called it", hook))
        except Refused as refused:
            reply.update(outcome="refused", error=describe_error(refused),
                         where=_learner_line(refused, "tried it", hook))
        except NotImplementedError:
            reply.update(outcome="not attempted")
        except Exception as err:  # the learner's bug: reported, never raised here
            reply.update(outcome="raised", error=describe_error(err), where=_learner_line(err, "raised it", hook))
    reply["forbidden"] = sorted(set(calls["forbidden"]))
    reply["required_calls"] = calls["required"]
    if reply["forbidden"] and reply["outcome"] not in ("time limit", "refused"):
        reply["outcome"] = "rule"
    if reply["outcome"] == "returned":
        reply["answer"] = encode_answer(got)
        reply["facts"] = _facts(got, args)
    reply["args_after"] = [
        {"__array__": npy(_ascontiguousarray(a))} if type(a) is _ndarray else None for a in args
    ]
    return reply


#: How much of an error message is kept.
MAX_MESSAGE = 300

_PLAIN_ARGS = (str, int, float, bool, type(None))


def describe_error(err):
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
