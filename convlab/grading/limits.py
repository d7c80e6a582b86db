"""How much one submission may take: every limit of the grader, defined once.

Examples
--------
Limits have defaults an instructor can change from the command line:

>>> limits = Limits()
>>> limits.cell_timeout, limits.call_timeout, limits.memory_bytes >= 4 * 2**30
(60, 10.0, True)
>>> Limits.from_dict(limits.to_dict()) == limits
True
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields

__all__ = ["Limits", "DEFAULT_MEMORY"]

#: A sandbox's memory by default: 4 GiB, or 1 GiB and 64 MiB per core if that is more
#: (NumPy and SciPy take about 0.4 GiB of address space, and each BLAS thread about 40 MiB more).
DEFAULT_MEMORY = max(4 * 2**30, 2**30 + (os.cpu_count() or 1) * 64 * 2**20)


@dataclass(frozen=True)
class Limits:
    """How much one submission may take.

    Attributes
    ----------
    cell_timeout : int
        Seconds one cell may run before the kernel is interrupted.
    call_timeout : float
        Seconds one call of an answer, on one case's inputs, may run.
    definition_timeout : float
        Seconds the statements that define one task's answer may run, in the questions' interpreter.
    notebook_timeout : int
        Seconds the whole notebook may run, all its cells.
    memory_bytes : int
        Memory of each process in the sandbox (its address space, ``RLIMIT_AS``),
        and of the sandbox as a whole where the grader can make a control group:
        an allocation beyond it raises ``MemoryError`` in the learner's code
        instead of exhausting the machine.
    processes : int
        Processes and threads the sandbox may hold at once (where a control
        group or ``RLIMIT_NPROC`` can enforce it).
    output_bytes : int
        Output kept from the whole notebook; the rest is dropped, with a note.
    reply_bytes : int
        The most a sandbox may send back, and the largest answer sent; a larger
        reply makes the notebook "could not grade".
    notebook_bytes : int
        The largest notebook file the grader reads.
    """

    cell_timeout: int = 60
    call_timeout: float = 10.0
    definition_timeout: float = 10.0
    notebook_timeout: int = 900
    memory_bytes: int = DEFAULT_MEMORY
    processes: int = 256
    output_bytes: int = 2 * 2**20
    reply_bytes: int = 64 * 2**20
    notebook_bytes: int = 32 * 2**20

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        """Limits from :meth:`to_dict`'s data (unknown keys ignored, types checked)."""
        values = {}
        for spec in fields(cls):
            if spec.name in data:
                value = data[spec.name]
                if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                    raise ValueError(f"limit {spec.name} must be a positive number, got {value!r}")
                values[spec.name] = type(getattr(cls(), spec.name))(value)
        return cls(**values)
