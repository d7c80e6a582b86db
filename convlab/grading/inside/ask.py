"""Ask the questions in an interpreter the notebook never ran in: ``python -m convlab.grading.inside.ask``.

The grader runs this in a sandbox of its own (:mod:`convlab.grading.sandbox`),
made fresh after the submitted notebook's sandbox is gone, so nothing the
notebook wrote or started is there.  It reads one JSON request on its
standard input::

    {"cells": [code, ...],                 # the notebook's code cells, as the grader parsed them
     "tasks": [{"name": ...,               # the task, which is also the name to define
                "statements": [[cell, index], ...],   # the top-level statements that define it
                "imports": {name: dotted name},       # the names its imports bind
                "request": {...}}, ...],              # inputs and guards (judge.request)
     "limits": {...}}

and, for each task, in a process of its own forked from a parent that has
run no learner code:

1. installs the guards *first*: the audit hook (:func:`~.guards.install`),
   made strict before any learner code runs; a ``__import__`` that binds only
   what the task allows; built-ins without those that run code from strings or
   reach namespaces and files;
2. binds the notebook's imports as the task's rule says (the module, a view of
   its allowed routines, or a stand-in that refuses), then runs the statements
   the grader chose — function, class and constant definitions, nothing else;
3. calls the answer on the grader's inputs (:func:`~.answers.respond`) and
   sends the plain reply to the parent, framed with a secret the learner's
   code cannot read, through a pipe only the parent reads.

The parent kills a task's process at its deadline, caps each reply, and
writes ``{"tasks": {name: reply}}`` on its standard output.  A task's process
that dies, overruns or sends something else gives ``{"gone": why}`` for that
task only.  Nothing here decides a point: the grader judges the replies in
its own process.
"""

from __future__ import annotations

import ast
import builtins
import json
import linecache
import os
import secrets
import select
import signal
import sys
import time

from ..deciding import library
from ..deciding.rules import binding
from ..limits import Limits
from . import answers
from .guards import Refusing, View, install

__all__ = ["main", "answer_tasks"]

#: Built-ins an answer's code does not get: they run code from strings, reach namespaces or files.
REMOVED_BUILTINS = ("eval", "exec", "compile", "open", "input", "breakpoint", "help", "exit", "quit",
                    "vars", "globals", "locals", "setattr", "delattr", "memoryview")

#: Modules the audit hook lets load while an answer runs (libraries load their own parts lazily).
HOOK_ROOTS = library.ROOTS + library.STDLIB + ("warnings", "contextlib", "re", "textwrap", "string", "abc")


def _cell_file(index):
    return f"<cell {index + 1}>"


def compile_statements(cells, tasks):
    """``{(cell, index): code object}`` for every statement any task needs, compiled with the cell's line numbers."""
    trees, compiled = {}, {}
    for task in tasks:
        for cell, index in task["statements"]:
            if (cell, index) in compiled:
                continue
            if cell not in trees:
                trees[cell] = ast.parse(cells[cell])
                lines = cells[cell].splitlines(keepends=True)
                linecache.cache[_cell_file(cell)] = (len(cells[cell]), None, lines, _cell_file(cell))
            module = ast.Module(body=[trees[cell].body[index]], type_ignores=[])
            compiled[(cell, index)] = compile(module, _cell_file(cell), "exec")
    return compiled


def preload(tasks):
    """Import what the answers may use, before any learner code runs (imports later would be new code)."""
    roots = {"numpy", "convlab"}
    for task in tasks:
        roots.update(dotted.split(".")[0] for dotted in task["imports"].values())
    library.prepare(roots | set(library.STDLIB))
    from ..tasks import TASKS  # the rules, and everything they resolve names with

    for task in tasks:
        rule = TASKS[task["name"]].rule if task["name"] in TASKS else None
        if rule is not None:
            rule.guards()
            rule.allows("convlab")  # the places of what it allows, worked out now


def _rule(task_name):
    from ..tasks import TASKS

    task = TASKS.get(task_name)
    return task.rule if task is not None else None


def _bind(dotted, rule):
    """The object a notebook's name stands for, as the task's rule allows it."""
    how = binding(dotted, rule)
    if "refuse" in how:
        return Refusing(dotted, how["refuse"])
    found = library.resolve(dotted)
    if found is None:
        return Refusing(dotted, f"{dotted} cannot be imported here")
    if "view" in how:
        return View(found, how["places"])
    return found


def _gatekeeper(rule):
    """``__import__`` for the answer's own import statements: only what the task allows."""
    real_import = builtins.__import__

    def gate(name, globals=None, locals=None, fromlist=(), level=0):
        if level or not isinstance(name, str):
            raise ImportError("relative imports are not available here")
        bound = _bind(name if fromlist else name.split(".")[0], rule)
        if isinstance(bound, Refusing):
            return bound
        if isinstance(bound, View) or not fromlist:
            return bound
        real_import(name)  # a module of the table, already loaded
        return bound

    return gate


def _namespace(task, rule):
    names = {key: value for key, value in vars(builtins).items() if key not in REMOVED_BUILTINS}
    names["__import__"] = _gatekeeper(rule)
    namespace = {"__name__": "__main__", "__builtins__": names}
    for name, dotted in task["imports"].items():
        namespace[name] = _bind(dotted, rule)
    return namespace


def _answer(task, compiled, hook, limits):
    """In the task's own process: define the notebook's names, then respond. Returns the reply."""
    rule = _rule(task["name"])
    namespace = _namespace(task, rule)
    codes = [compiled[tuple(place)] for place in task["statements"]]
    hook.strict()  # from here on, learner code runs
    problems = []
    for place, code in zip(task["statements"], codes):
        try:
            with answers.time_limit(limits.definition_timeout):
                exec(code, namespace)
        except answers.TimeUp:
            problems.append(f"{_cell_file(place[0])}: stopped after {limits.definition_timeout:g} s while defining it")
        except BaseException as err:  # noqa: BLE001 - a definition that fails leaves its name undefined
            problems.append(f"{_cell_file(place[0])}: {answers.describe_error(err)}")
    reply = answers.respond(task["request"], namespace, hook=hook)
    reply["definitions"] = problems
    return reply


def _child(task, compiled, hook, limits, write_end, token):
    """The task's process: never returns."""
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)  # what the answer prints goes nowhere; the grader's channel is the parent's
        os.closerange(3, write_end)
        os.closerange(write_end + 1, 4096)
        try:
            data = json.dumps(_answer(task, compiled, hook, limits)).encode()
        except BaseException as err:  # noqa: BLE001 - SystemExit and the like, from the answer
            data = json.dumps({"gone": f"the answer stopped its process ({type(err).__name__})"}).encode()
        view = memoryview(token + len(data).to_bytes(8, "big") + data)
        while view:
            view = view[os.write(write_end, view):]
    finally:
        os._exit(0)


def _collect(pid, read_end, token, deadline, cap):
    """Read one task's framed reply; kill its process at the deadline or past the cap."""
    chunks, size, why = [], 0, None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            why = "its answers did not finish in time"
            break
        ready, _, _ = select.select([read_end], [], [], min(remaining, 1.0))
        if not ready:
            continue
        chunk = os.read(read_end, 1 << 20)
        if not chunk:
            break
        size += len(chunk)
        if size > cap + len(token) + 8:
            why = f"its reply was larger than {cap:,} bytes"
            break
        chunks.append(chunk)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    os.close(read_end)
    if why is not None:
        return {"gone": why}
    data = b"".join(chunks)
    head = len(token) + 8
    framed = len(data) >= head and data[: len(token)] == token
    if not framed or int.from_bytes(data[len(token):head], "big") != len(data) - head:
        return {"gone": "its process ended without a reply"}
    return json.loads(data[head:])


def answer_tasks(request):
    """Every task's reply: ``{name: reply}`` (see the module's description)."""
    limits = Limits.from_dict(request.get("limits", {}))
    cells, tasks = request["cells"], request["tasks"]
    compiled = compile_statements(cells, tasks)
    preload(tasks)
    hook = install(lambda name: name.split(".")[0] in HOOK_ROOTS)
    for code in compiled.values():
        hook.trust(code)
    replies = {}
    for task in tasks:
        cases = len(task["request"].get("cases", []))
        seconds = task["request"].get("time_limit") or limits.call_timeout
        deadline = time.monotonic() + limits.definition_timeout + (cases + 1) * (seconds + 2)
        token = secrets.token_bytes(32)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _child(task, compiled, hook, limits, write_end, token)
        os.close(write_end)
        replies[task["name"]] = _collect(pid, read_end, token, deadline, limits.reply_bytes)
    return replies


def main():
    request = json.loads(sys.stdin.buffer.read())
    replies = answer_tasks(request)
    sys.stdout.buffer.write(json.dumps({"tasks": replies}).encode())
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
