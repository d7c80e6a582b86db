"""Judging: from a task's inputs and the plain answers a kernel sent back, to points and messages.

This is where a grade is decided, in the judging process only: the
grader's, or (for the notebook's own feedback) :func:`convlab.grading.check`'s.
:func:`request` turns a task's inputs into what the answering side needs
(:func:`convlab.grading.inside.answers.respond`); :func:`judge` reads its
plain reply and, for each case, computes the
reference answer with convlab, compares, checks the task's rule and the
case's requirements, and names the mistake an answer looks like.

Examples
--------
>>> import numpy as np
>>> from convlab.grading.tasks import TASKS
>>> from convlab.grading.inside.answers import respond
>>> task = TASKS["count_multiplies"]
>>> built = [case.build(np.random.default_rng(i)) for i, case in enumerate(task.cases)]
>>> every_pixel = lambda hw, k: hw[0] * hw[1] * k[0] * k[1]   # a window at every input pixel
>>> reply = respond(request(task, built), {}, answer=every_pixel)
>>> subchecks = judge(task, built, reply)
>>> subchecks[0].status, subchecks[0].hint_id
('failed', 'input-positions')
"""

from __future__ import annotations

import json

import numpy as np

from ..limits import Limits
from ..plain import decode_answer, encode_input
from .diagnosis import as_array, diagnose, equal, is_tuple_of_arrays, tolerance
from .results import SubCheck

__all__ = ["request", "judge", "roundtrip", "refusal_of", "SANDBOX_HINT"]

#: Seconds one call of the answer may run.
DEFAULT_TIME_LIMIT = Limits().call_timeout

#: What a learner reads when graded code does something the grader's sandbox does not run.
SANDBOX_HINT = (
    "Graded code runs in a fresh interpreter that holds only your definitions: it may compute with "
    "Python and NumPy (and what its task allows), but not open files, start processes, read frames or "
    "special attributes (__closure__, __globals__), or run code made from strings."
)


def request(task, built, time_limit=DEFAULT_TIME_LIMIT):
    """What the probe needs to answer ``task`` on the inputs ``built`` (one args tuple per case).

    Parameters
    ----------
    task : Task
    built : list of tuple
        ``case.build(rng)`` for each of ``task.cases``.
    time_limit : float or None
        Seconds one call may run.

    Returns
    -------
    dict
        JSON-ready: task name, kind, guards, time limit, and per case the
        encoded arguments and what to measure.
    """
    return {
        "task": task.name,
        "kind": task.kind,
        "time_limit": max(time_limit or 0, task.time_limit or 0) or None,
        "guards": task.rule.guards() if task.rule else {},
        "cases": [
            {
                "args": [encode_input(a) for a in args] if task.kind == "function" else [],
                "kwargs": {k: encode_input(v) for k, v in case.kwargs.items()} if task.kind == "function" else {},
                "measure": case.measure,
            }
            for case, args in zip(task.cases, built)
        ],
    }


def refusal_of(uses, unsupported=()):
    """Why the grader would not run an answer that ``uses`` this, in words; None when it would.

    Parameters
    ----------
    uses : Uses or None
    unsupported : list of str
        Names the answer needs that only statements the grader does not run define.
    """
    if uses is not None and uses.unsafe:
        return f"the grader does not run an answer that {uses.unsafe[0]}"
    if unsupported:
        names = ", ".join(unsupported[:3])
        return (f"it needs {names}, which only a statement the grader does not run defines (a loop, an if "
                f"or with block): define it at the top level of a cell, with def, class or =")
    return None


def roundtrip(data):
    """``data`` as it arrives after crossing to another process (through JSON)."""
    return json.loads(json.dumps(data))


def judge(task, built, reply, violation=None, refusal=None):
    """One :class:`SubCheck` per case of ``task``, from the probe's ``reply``.

    Parameters
    ----------
    task : Task
    built : list of tuple
        The inputs sent, one args tuple per case (pristine: never given to
        the learner's code in this process).
    reply : dict
        :func:`convlab.grading.probe.respond`'s reply.
    violation : str, optional
        Why the answer's source breaks the task's rule
        (:meth:`convlab.grading.deciding.rules.Rule.violation`): every case fails with it.
    refusal : str, optional
        Why the grader does not run the answer at all (it reads ``__closure__``,
        uses ``eval``, needs a name only a loop defines): every case fails with it.

    Returns
    -------
    list of SubCheck
    """
    cases = list(zip(task.cases, built))
    if refusal is not None:
        return [_fail(case, refusal, hint_id="sandbox", hint=SANDBOX_HINT) for case, _ in cases]
    if not isinstance(reply, dict):
        return [_fail(case, "the grader could not read the reply", status="error") for case, _ in cases]
    if "gone" in reply:
        message = f"could not ask the answer: {reply['gone']}"
        return [_fail(case, message, status="error") for case, _ in cases]
    if not reply.get("defined"):
        return [SubCheck(case.label, "not attempted", 0, case.points) for case, _ in cases]
    if task.kind == "value":
        if violation is not None:
            return [_broken(task, case, violation) for case, _ in cases]
        return _judge_value(task, cases, reply["value"])
    if not reply.get("callable"):
        message = f"{task.name} should be a function, but it is {reply.get('what')}"
        return [_fail(case, message, status="error") for case, _ in cases]
    subchecks = []
    answers = reply.get("cases") if isinstance(reply.get("cases"), list) else []
    answers = answers + [{"outcome": "skipped"}] * (len(cases) - len(answers))
    for (case, args), answer in zip(cases, answers):
        if answer.get("outcome") == "not attempted":  # a stub breaks no rule
            subchecks.append(SubCheck(case.label, "not attempted", 0, case.points))
        elif violation is not None:
            subchecks.append(_broken(task, case, violation))
        else:
            subchecks.append(_judged(_judge_call, task, case, args, answer))
    return subchecks


def _judged(step, task, case, *args):
    """``step(task, case, *args)``; an answer too odd to compare fails its sub-check, never the judge."""
    try:
        return step(task, case, *args)
    except Exception as err:  # plain data the comparison could not handle
        return _fail(case, f"your answer could not be compared: {type(err).__name__}: {err}"[:300])


def _broken(task, case, violation):
    return _fail(case, f"breaks the rule of this task: {violation}", **_rule_hint(task))


def _rule_hint(task):
    return {"hint_id": "rule", "hint": f"Rule: {task.rule.text}"} if task.rule else {}


def _fail(case, message, status="failed", **details):
    return SubCheck(case.label, status, 0, case.points, message=message, **details)


def _unplain(data):
    """Why an encoded answer cannot be judged (not plain data, or a view outside its memory), or None."""
    if isinstance(data, dict) and "__not_plain__" in data:
        return (
            f"your answer is not plain data: it is {data['__not_plain__']}",
            {"hint_id": "not-plain-data",
             "hint": "Return a plain numpy.ndarray (np.asarray(result)), a number, or a tuple or list of those."},
        )
    if isinstance(data, dict) and "__outside__" in data:
        return (
            "your view reaches outside the memory of its array",
            {"hint_id": "outside-memory",
             "hint": "Some windows start or end past the last element, so reading them would show "
                     "whatever lies in memory there (or crash). Check the shape: (H - R) // stride + 1 "
                     "positions per axis."},
        )
    return None


def _judge_value(task, cases, data):
    problem = _unplain(data)
    if problem is not None:
        return [_fail(case, problem[0], **problem[1]) for case, _ in cases]
    value = decode_answer(data)
    subchecks = []
    for case, args in cases:
        try:
            got = task.apply(value, *args, **case.kwargs) if task.apply else value
        except Exception as err:  # the value does not have the shape the task asks for
            subchecks.append(_fail(case, f"error: {type(err).__name__}: {err}", status="error"))
            continue
        subchecks.append(_judged(_compare, task, case, args, got))
    return subchecks


def _judge_call(task, case, args, answer):
    if not isinstance(answer, dict):
        return _fail(case, "the grader could not read the reply", status="error")
    outcome = answer.get("outcome")
    where = answer.get("where")
    if outcome == "not attempted":
        return SubCheck(case.label, "not attempted", 0, case.points)
    if outcome == "skipped":
        return _fail(case, "skipped: an earlier sub-check was stopped", status="error")
    if outcome == "time limit":
        return _fail(
            case, f"stopped after {answer.get('seconds', 0):g} s", status="error", where=where, hint_id="time-limit",
            hint="The input is small, so this should take well under a second. Is a loop running "
            "forever (a while loop whose condition never changes)?",
        )
    if outcome == "rule":
        called = ", ".join(answer.get("forbidden", [])) or "a routine it forbids"
        return _fail(case, f"breaks the rule of this task: it calls {called}", where=where, **_rule_hint(task))
    if outcome == "refused":
        return _fail(case, f"stopped by the grader's sandbox: {answer.get('error')}", where=where,
                     hint_id="sandbox", hint=SANDBOX_HINT)
    if outcome == "raised":
        known = next((e for e in task.errors if e.matches(answer.get("error"))), None)
        hint = {"hint_id": known.id, "hint": known.hint} if known else {}
        return _fail(case, f"error: {answer.get('error')}", status="error", where=where, **hint)
    for name, sent, after in zip(task.params, args, answer.get("args_after", [])):
        if isinstance(sent, np.ndarray) and after is not None and not _same(sent, decode_answer(after)):
            changed = decode_answer(after)
            return _fail(case, f"your function changed its input {name}", **_mutation_hint(name, sent, changed))
    if task.rule and _runtime_requirement_missed(task.rule, answer):
        return _fail(case, f"breaks the rule of this task: it did not call {task.rule.requirement}", **_rule_hint(task))
    problem = _unplain(answer.get("answer"))
    if problem is not None:
        return _fail(case, problem[0], **problem[1])
    got = decode_answer(answer.get("answer"))
    if case.verify is not None:
        facts = dict(answer.get("facts") or {})
        if "peak" in answer:
            facts["peak"] = answer["peak"]
        found = case.verify(got, args, case.kwargs, facts)
        if found is not None:
            message, hint_id, hint = found
            return _fail(case, message, hint_id=hint_id, hint=hint)
    if not case.compare_value:
        return SubCheck(case.label, "passed", case.points, case.points)
    return _compare(task, case, args, got)


def _runtime_requirement_missed(rule, answer):
    """A required routine that can be counted at run time, and was not called."""
    countable = [r for r in rule.require if r != "@"]
    return bool(countable) and len(countable) == len(rule.require) and answer.get("required_calls", 0) == 0



def _compare(task, case, args, got):
    expected = task.reference(*args, **case.kwargs)
    if equal(expected, got, task.exact_dtype):
        return SubCheck(case.label, "passed", case.points, case.points)
    hints = diagnose(task, case, args, case.kwargs, expected, got)
    if is_tuple_of_arrays(expected):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return _fail(case, f"expected a tuple of {len(expected)} results, got {_describe(got)}", **hints)
        item = next(i for i, (e, g) in enumerate(zip(expected, got)) if not equal(e, g))
        expected, got = expected[item], got[item]
        return _fail(case, f"item {item} of the tuple you returned: {_what_differs(expected, got)}",
                     **_show(expected, got), **hints)
    return _fail(case, _what_differs(expected, got), **_show(expected, got), **hints)


def _same(a, b):
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def _mutation_hint(name, before, after):
    hint = (
        f"Never modify an input: the caller still needs {name}. Work on a copy "
        f"({name}.copy(), or np.pad, which returns a new array) or build a new array."
    )
    if before.shape == after.shape and before.dtype.kind == "f":
        change = float(np.max(np.abs(after - before)))
        if change < 1e-9:
            hint = (
                f"{name} changed by at most {change:.1e}: adding eps and subtracting it again "
                f"does not always give back the same float. Save the old value and put it "
                f"back, or perturb a copy."
            )
    return {"hint_id": "input-mutated", "hint": hint}


def _what_differs(expected, got):
    if got is None:
        return "your function returned None"
    if not isinstance(expected, np.ndarray):
        return "wrong answer"
    array = as_array(got)
    if array is None:
        return f"expected an array, got {_describe(got)}"
    if array.shape != np.shape(expected):
        return f"wrong shape: expected {np.shape(expected)}, got {array.shape}"
    return "wrong values"


# --- showing expected and got -----------------------------------------------------------------


def _format(value):
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=4, suppress=True, linewidth=72):
            return np.array2string(value, separator=" ")
    if isinstance(value, (np.generic, float)):
        return f"{float(value):.6g}" if np.isrealobj(value) else str(value)
    return repr(value)


def _is_small(value):
    if isinstance(value, np.ndarray):
        return value.ndim <= 2 and value.size <= 36 and value.shape[-1:] <= (8,)
    return len(repr(value)) <= 60


def _show(expected, got):
    """``expected``/``got`` blocks when small, a one-line ``summary`` when not."""
    if got is None:
        return {}
    if not isinstance(expected, np.ndarray):
        return {"summary": f"expected {_format(expected)}, got {_format(got)}"}
    array = as_array(got)
    if array is None:
        return {}
    shown = {}
    if _is_small(expected) and _is_small(array):
        shown.update(expected=_format(expected), got=_format(array))
    if array.shape != expected.shape:
        if array.dtype != expected.dtype:
            shown["summary"] = f"and the dtype: expected {expected.dtype}, got {array.dtype}"
        return shown
    error = np.abs(array.astype(np.result_type(array, expected, np.float64)) - expected)
    error = np.where(np.isnan(error), np.inf, error)
    worst = np.unravel_index(int(np.argmax(error)), error.shape)
    wrong = int(np.count_nonzero(~np.isclose(array, expected, *tolerance(expected), equal_nan=True)))
    where = ", ".join(str(int(i)) for i in worst)
    dtypes = f"{expected.dtype}" if array.dtype == expected.dtype else f"{expected.dtype}; yours {array.dtype}"
    shown["summary"] = (
        f"{wrong} of {expected.size} values differ; the largest error is {_format(error[worst])} "
        f"at [{where}]: expected {_format(expected[worst])}, got {_format(array[worst])}"
        + ("" if shown.get("expected") else f" (shape {expected.shape}, {dtypes})")
    )
    return shown


def _describe(value):
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{type(value).__name__} {text}"
