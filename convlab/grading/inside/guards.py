"""Guards around a learner's answer: routines its task forbids, and what no answer may do.

Two layers, both inside the process that calls the answer:

- :func:`guarded` enforces a task's rule while the answer runs: each
  forbidden routine is replaced, wherever a learner finds it (NumPy's and
  convlab's public modules, the learner's own names), by a stand-in that
  records the call and raises :class:`RuleBroken`; each required routine is
  wrapped to count its calls.  The in-notebook ``check()`` and the grader's
  questions use it alike.  Names the notebook imported that its task does not
  allow at all are bound to a :class:`Refusing` stand-in, and a module of which
  only some routines are allowed to a :class:`View` of it.
- :func:`install` (the grader's fresh interpreter only) adds a PEP 578 audit
  hook before any learner code runs.  Code run later cannot remove it.  From
  :meth:`Hook.strict` on, it refuses, by raising :class:`Refused`: running code
  made from strings, importing a module graded code may not use, reading frames
  or code objects (``tb_frame``, ``__code__``, ``sys._getframe``), ``gc`` and
  ``ctypes``, opening files, starting processes, sending signals and opening
  sockets — everything but a short list of events an honest answer causes.

Both raise BaseExceptions, so ``except Exception`` in an answer cannot hide
them, and both record before raising, so no handler can hide the attempt.

Examples
--------
>>> import numpy as np
>>> namespace = {"np": np}
>>> guards = {"forbid": [["numpy", "convolve", "np.convolve"]], "require": []}
>>> with guarded(guards, namespace) as calls:
...     try:
...         np.convolve([1, 2], [1])
...     except RuleBroken as err:
...         print(err)
this task does not allow np.convolve
>>> calls["forbidden"], np.convolve.__name__
(['np.convolve'], 'convolve')
"""

import gc
import importlib
import sys
import sysconfig
from contextlib import contextmanager

__all__ = ["RuleBroken", "Refused", "guarded", "Refusing", "View", "install", "Hook", "library_dirs"]


class RuleBroken(BaseException):
    """Raised into the answer when it calls a routine its task forbids."""


class Refused(BaseException):
    """Raised into the answer when it does something no graded answer may do (open a file, read a frame)."""


def _import(name):
    module = sys.modules.get(name)
    if module is not None:
        return module
    try:
        return importlib.import_module(name)
    except Exception:  # not installed here: nothing to guard there
        return None


@contextmanager
def guarded(guards, namespace):
    """Forbidden routines raise and required ones count their calls, until the block ends.

    Parameters
    ----------
    guards : dict
        ``{"forbid": [[module, attribute, shown], ...], "require": [...]}``
        (:meth:`convlab.grading.deciding.rules.Rule.guards`).
    namespace : dict
        The learner's globals: a name bound there to a guarded routine
        (``from convlab import conv2d as c``) is guarded too, and a
        :class:`Refusing` stand-in there records its calls in the same place.

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

    stand_ins = [v for v in namespace.values() if isinstance(v, (Refusing, View))]
    try:
        for stand_in in stand_ins:
            stand_in.record_to(calls["forbidden"])
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
        for stand_in in stand_ins:
            stand_in.record_to(None)


def _swap_names(namespace, original, replacement):
    swapped = []
    for name, value in list(namespace.items()):
        if value is original:
            namespace[name] = replacement
            swapped.append((namespace, name, original))
    return swapped


class Refusing:
    """A stand-in for something a notebook imported that its answer may not use.

    Calling it, or reading any attribute of it, records ``shown`` (while
    :func:`guarded` is active) and raises :class:`RuleBroken`.
    """

    __slots__ = ("_shown", "_message", "_record")

    def __init__(self, shown, message):
        object.__setattr__(self, "_shown", shown)
        object.__setattr__(self, "_message", message)
        object.__setattr__(self, "_record", None)

    def record_to(self, record):
        object.__setattr__(self, "_record", record)

    def _refuse(self):
        if self._record is not None:
            self._record.append(self._shown)
        raise RuleBroken(self._message)

    def __call__(self, *args, **kwargs):
        self._refuse()

    def __getattr__(self, name):
        self._refuse()

    def __repr__(self):
        return f"<not allowed here: {self._shown}>"


class View:
    """A module of which an answer may use only some routines: those, and nothing else of it.

    Parameters
    ----------
    module : module
    places : list of str
        Dotted names (``"convlab.windows.sliding_windows"``) the answer may use.
    """

    __slots__ = ("_module", "_places", "_record")

    def __init__(self, module, places):
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_places", tuple(places))
        object.__setattr__(self, "_record", None)

    def record_to(self, record):
        object.__setattr__(self, "_record", record)

    def __getattr__(self, name):
        dotted = f"{self._module.__name__}.{name}"
        if dotted in self._places:
            return getattr(self._module, name)
        if any(place.startswith(dotted + ".") for place in self._places):
            view = View(getattr(self._module, name), self._places)
            view.record_to(self._record)
            return view
        if self._record is not None:
            self._record.append(dotted)
        raise RuleBroken(f"this task does not allow {dotted}")

    def __repr__(self):
        return f"<part of module {self._module.__name__}>"


# --- the audit hook -------------------------------------------------------------------------------


def library_dirs():
    """Folders whose code is Python's or an installed library's, never a learner's."""
    paths = sysconfig.get_paths()
    return tuple(sorted({paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}))


#: Events an honest answer causes while it runs (NumPy sets up its random generators and
#: array printing through these).
HARMLESS = frozenset({"object.__setattr__", "builtins.id", "sys.excepthook", "random.seed"})


class Hook:
    """The audit hook of the questions' interpreter, and the switch the grader's own code holds.

    Made by :func:`install`.  Before :meth:`strict` it lets everything
    through; after it, only imports of modules graded code may use, running the
    statements the grader compiled (``trusted_code``) and code of Python and its
    libraries, and :data:`HARMLESS` events.  :meth:`paused` lets the grader's own
    code read tracebacks while no learner code runs.
    """

    def __init__(self, allowed_module):
        self._allowed_module = allowed_module
        self._strict = False
        self._paused = 0
        self._trusted_code = set()
        self._libraries = library_dirs()
        self.refused = []

    def trust(self, code):
        """Let ``exec`` run this code object (a statement the grader compiled from checked source)."""
        self._trusted_code.add(id(code))

    def strict(self):
        self._strict = True

    @contextmanager
    def paused(self):
        """Let everything through while the grader's own code runs (no collection of garbage meanwhile,
        so no finaliser of the learner's can run in the window)."""
        collecting = gc.isenabled()
        gc.disable()
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1
            if collecting:
                gc.enable()

    def __call__(self, event, args):
        if not self._strict or self._paused:
            return
        if event == "import" and args and isinstance(args[0], str) and self._allowed_module(args[0]):
            return
        if event == "exec" and args and self._trusted(args[0]):
            return
        if event in HARMLESS:
            return
        what = _describe(event, args)
        self.refused.append(what)
        raise Refused(f"the grader does not let an answer {what}")

    def _trusted(self, code):
        if id(code) in self._trusted_code:
            return True
        filename = getattr(code, "co_filename", "")
        return isinstance(filename, str) and filename.startswith(self._libraries)


def _describe(event, args):
    if event == "import":
        return f"import {args[0]}"
    if event in ("exec", "compile"):
        return "run code made from a string"
    if event == "open":
        return "open a file"
    if event == "object.__getattr__":
        return f"read .{args[1]}" if len(args) > 1 else "read frames or code"
    if event.startswith(("sys._getframe", "sys._current_frames", "sys.settrace", "sys.setprofile")):
        return "look at the interpreter's frames"
    if event.startswith(("gc.", "ctypes.")):
        return f"use {event.split('.')[0]}"
    if event.startswith(("subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "os.system", "os.fork", "pty.")):
        return "start a process"
    if event.startswith("socket."):
        return "open a socket"
    if event in ("os.kill", "os.killpg", "signal.pthread_kill"):
        return "send a signal"
    return f"cause the event {event}"


def install(allowed_module):
    """Add the audit hook (for good: no later code can remove it) and return it, not yet strict.

    Parameters
    ----------
    allowed_module : callable
        ``allowed_module(name)``: whether an answer may import the module ``name``.
    """
    hook = Hook(allowed_module)
    sys.addaudithook(hook)
    return hook
