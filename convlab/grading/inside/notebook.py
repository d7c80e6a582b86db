"""Run a submitted notebook, top to bottom, in a kernel: the first thing a sandbox does.

``python -m convlab.grading.inside.notebook`` runs inside the sandbox the
grader made for one submission (:mod:`convlab.grading.sandbox`).  It reads the
notebook and the limits as JSON from its standard input, runs every code cell
in a fresh kernel with

- a time limit per cell and one for the whole notebook,
- a cap on the output it keeps (a flood of prints or display updates is cut short),

and writes one JSON object to its standard output: the executed notebook,
why it could not finish (if it could not), and what the kernel looked like
before and after (:mod:`convlab.grading.inside.facts`, for the instructor's
flags).  Everything it writes is the submission's to spoil — the kernel runs
beside it in the same sandbox — so the grader uses it for feedback and flags
only, never for points: those come from the questions asked in another
sandbox, in an interpreter the notebook never ran in
(:mod:`convlab.grading.inside.ask`).
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import sys
import tempfile
import time
from pathlib import Path

from ..limits import Limits
from . import facts

__all__ = ["Session", "KernelGone", "run", "main", "TRUNCATED"]


#: Where the output kept from a notebook ends, when there was too much of it.
TRUNCATED = "[the grader cut the output here: too much]\n"


class KernelGone(RuntimeError):
    """The kernel died or stopped answering."""


_FACTS_SOURCE = inspect.getsource(facts)

# Runs in the kernel: the facts module in a namespace of its own, the reply base64-encoded JSON.
_ASK = """
def __convlab_ask():
    import base64, json
    probe = {{"__name__": "convlab_facts"}}
    exec(compile({source!r}, "<convlab-facts>", "exec"), probe)
    arguments = json.loads(base64.b64decode({arguments!r}))
    reply = probe[{function!r}](*arguments, **({keywords}))
    return base64.b64encode(json.dumps(reply).encode()).decode()
__convlab_reply = __convlab_ask()
del __convlab_ask
"""


#: Messages that carry output: each counts against the notebook's output budget.
_OUTPUT_MESSAGES = frozenset({"stream", "display_data", "update_display_data", "execute_result", "error"})


def _short_error(content):
    """An error past the output budget: its name and the start of its message, no traceback."""
    return {"ename": str(content.get("ename", ""))[:100], "evalue": str(content.get("evalue", ""))[:300],
            "traceback": []}


def _client_class():
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """nbclient's client, keeping at most ``output_budget`` bytes of output, display updates included."""

        output_budget = Limits.output_bytes
        _truncated = False

        def process_message(self, msg, cell, cell_index):
            if msg.get("msg_type") in _OUTPUT_MESSAGES:
                self.output_budget -= len(json.dumps(msg.get("content", {}), default=str))
                if self.output_budget < 0:
                    if not self._truncated:
                        self._truncated = True
                        from nbformat.v4 import new_output

                        cell.outputs.append(new_output("stream", name="stderr", text=TRUNCATED))
                    if msg["msg_type"] != "error":
                        return None
                    msg = {**msg, "content": _short_error(msg["content"])}
            return super().process_message(msg, cell, cell_index)

    return CappedClient


class Session:
    """A notebook's kernel, after its cells have run: ask it questions with :meth:`ask`."""

    def __init__(self, client, deadline):
        self._client = client
        self._deadline = deadline

    async def ask(self, function, *arguments, timeout=60, keywords="{}"):
        """Call ``facts.<function>(*arguments)`` in the kernel; return its JSON reply.

        Parameters
        ----------
        function : str
            ``"environment"``.
        *arguments
            JSON-ready arguments.
        timeout : float
            Seconds to wait for the reply; the kernel is interrupted after that.

        Raises
        ------
        KernelGone
            When the kernel died, did not reply in time, or replied with
            something that is not the probe's reply.
        """
        kc = self._client.kc
        payload = base64.b64encode(json.dumps(list(arguments)).encode()).decode()
        code = _ASK.format(source=_FACTS_SOURCE, arguments=payload, function=function, keywords=keywords)
        timeout = max(1.0, min(timeout, self._deadline - time.monotonic()))
        msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False,
                            user_expressions={"reply": "__convlab_reply"})
        end = time.monotonic() + timeout
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                await self._client.km.interrupt_kernel()
                raise KernelGone(f"no reply within {timeout:.0f} s")
            try:
                msg = await kc.get_shell_msg(timeout=min(remaining, 1.0))
            except Exception:  # queue.Empty: keep waiting, unless the kernel died
                if not await self._client.km.is_alive():
                    raise KernelGone("the kernel died") from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                break
        await self._drain()
        content = msg["content"]
        if content.get("status") != "ok":
            raise KernelGone(f"the question failed in the kernel: {content.get('ename')}")
        return _decode_reply(content)

    async def _drain(self):
        """Drop what the learner's code printed while it was called: it never counts."""
        while True:
            try:
                await self._client.kc.get_iopub_msg(timeout=0.05)
            except Exception:  # queue.Empty
                return


def _decode_reply(content):
    import ast

    try:
        expression = content["user_expressions"]["reply"]
        text = ast.literal_eval(expression["data"]["text/plain"])
        return json.loads(base64.b64decode(text))
    except Exception as err:  # anything but the probe's reply
        raise KernelGone(f"the kernel's reply could not be read ({type(err).__name__})") from None


def run(nb, limits=None, before=None, after=None):
    """Run ``nb`` (modified in place) in a fresh kernel; ask questions before and after.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Its outputs are replaced by this run's.
    limits : Limits, optional
        The defaults of :class:`Limits` when not given.
    before, after : async callable, optional
        ``await before(session)`` runs before the first cell, ``await
        after(session)`` after the last; their results are returned.

    Returns
    -------
    tuple
        ``(executed notebook or None, problem or None, before's result, after's result)``.
    """
    return asyncio.run(_run(nb, limits or Limits(), before, after))


async def _run(nb, limits, before, after):
    from nbclient.exceptions import DeadKernelError

    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # results from the learner's own session never count
            cell.execution_count = None
    position = {"cell": None}
    deadline = time.monotonic() + limits.notebook_timeout
    with tempfile.TemporaryDirectory(prefix="convlab-grade-") as folder:
        client = _client_class()(
            nb,
            timeout=limits.cell_timeout,
            startup_timeout=120,
            kernel_name="python3",
            allow_errors=True,
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "CellTimeoutError",
                "evalue": f"the cell ran longer than {limits.cell_timeout} s and was interrupted",
                "traceback": [],
            },
            record_timing=False,
            resources={"metadata": {"path": folder}},
            # The sandbox ends with the run, and everything in it: no need to wait for the kernel to say goodbye.
            shutdown_kernel="immediate",
            # No history database to write: the sandbox's home folder is thrown away anyway.
            extra_arguments=["--HistoryManager.enabled=False"],
        )
        client.output_budget = limits.output_bytes
        log = Path(folder, "kernel-stderr.txt")
        asked = [None, None]
        try:
            with open(log, "wb") as stderr:  # the kernel's own messages stay out of the report
                async with client.async_setup_kernel(stderr=stderr):
                    session = Session(client, deadline)
                    if before is not None:
                        asked[0] = await before(session)
                    finished = await _run_cells(client, nb, limits, deadline, position)
                    if finished and after is not None:
                        asked[1] = await after(session)
            if not finished:
                raise TimeoutError
        except DeadKernelError:
            where = _describe_cell(nb, position["cell"])
            return None, f"the kernel died while running {where}{_last_words(log)}", *asked
        except TimeoutError:
            return None, f"the notebook did not finish within {limits.notebook_timeout} s", *asked
        except Exception as err:  # the kernel did not start, or nbclient failed: report, go on
            return None, f"could not run it: {type(err).__name__}: {err}", *asked
    return nb, None, *asked


async def _run_cells(client, nb, limits, deadline, position):
    """Run every code cell; False when the notebook's time ran out first.

    Each cell gets what is left of the notebook's time if that is less than
    a cell's own limit, so nbclient interrupts it cleanly either way; a
    kernel that ignores interrupts is caught by the limit around the whole run.
    """
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        position["cell"] = index
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        client.timeout = max(1, min(limits.cell_timeout, round(remaining)))
        await asyncio.wait_for(client.async_execute_cell(cell, index), remaining + limits.cell_timeout + 60)
    position["cell"] = None
    return time.monotonic() < deadline


def _last_words(log):
    """The kernel's last line on stderr, if it said anything besides routine warnings."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    said = [line.strip() for line in lines if line.strip() and "WARNING" not in line]
    return f" ({said[-1]})" if said else ""


def _describe_cell(nb, index):
    if index is None:
        return "the notebook"
    first = next((line.strip() for line in nb.cells[index].source.splitlines() if line.strip()), "")
    return f"cell {index + 1} ({first[:60]})" if first else f"cell {index + 1}"


# --- the sandbox's entry point -------------------------------------------------------------------


async def _environment(session):
    try:
        return await session.ask("environment", timeout=30)
    except KernelGone:
        return None


def main(stdin=None, stdout=None):
    """Read ``{"notebook", "limits"}`` as JSON, run the notebook, write ``{"notebook", "problem", "environment"}``."""
    import nbformat

    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    request = json.loads(stdin.read())
    limits = Limits.from_dict(request.get("limits", {}))
    nb = nbformat.from_dict(request["notebook"])
    executed, problem, before, after = run(nb, limits, before=_environment, after=_environment)
    reply = {"notebook": executed, "problem": problem, "environment": [before, after]}
    stdout.write(json.dumps(reply, default=str).encode())
    stdout.flush()


if __name__ == "__main__":
    main()
