"""Timings a reader can trust: contenders in turns, the best of several rounds, one thread each.

A time measured once, with every BLAS thread, on a computer that is doing
other things, can differ by a factor of two or three from the next run; a
sentence written from one such run, beside one written from another, will
disagree.  :func:`compare` measures the way the course's lessons and
benchmarks do:

- **like for like**: by default each contender runs on one thread (NumPy's
  BLAS through ``threadpoolctl``, and PyTorch when it is already imported),
  so that two libraries do not compete for the same cores with threads of
  their own (pass ``threads=None`` for each library's default, and label the
  result so);
- **in turns**: round after round, each contender runs once, starting with a
  different one each round, so that all of them meet the same load;
- **the best of several rounds**: a batch of calls long enough to measure
  (:func:`timeit.Timer` with the garbage collector off, sized as
  :meth:`timeit.Timer.autorange` sizes it), and the fastest batch of each
  contender counts, as the one least disturbed by anything else;
- **the load recorded**: the load average before and after, so a reader can
  tell a quiet machine from a busy one.

This module imports only the standard library and NumPy; ``threadpoolctl``
is imported when a thread limit is asked for, and PyTorch is never imported
(only limited when the caller has imported it).

Examples
--------
>>> import numpy as np
>>> a = np.ones((64, 64))
>>> timings = compare({"matmul": lambda: a @ a, "sum": lambda: a.sum()}, rounds=2, min_time=1e-3)
>>> sorted(timings.seconds), timings.rounds, timings.threads
(['matmul', 'sum'], 2, 1)
>>> timings.ratio("matmul", "sum") > 0
True
"""

from __future__ import annotations

import contextlib
import os
import sys
import timeit
from dataclasses import dataclass

__all__ = ["Timings", "compare", "best_time", "one_thread", "load_average", "ROUNDS", "MIN_TIME"]

#: Rounds :func:`compare` runs by default; each contender's best round counts.
ROUNDS = 5

#: Seconds one batch of calls lasts at least (a call longer than that is a batch of one): thousands of
#: times the clock's resolution (under a microsecond), short enough that a lesson's table of a dozen
#: contenders at six sizes takes seconds.
MIN_TIME = 0.005


@dataclass(frozen=True)
class Timings:
    """What :func:`compare` measured.

    Attributes
    ----------
    seconds : dict of str to float
        Each contender's best time per call, in seconds, in the order given.
    rounds : int
        How many rounds each contender ran.
    number : dict of str to int
        How many calls each contender's batch held.
    threads : int or None
        1 when every contender ran on one thread; None for each library's
        default.
    load : tuple of float, or None
        The 1-minute load average before and after the measurement (None
        where the system does not report one).
    samples : dict of str to list of float, or None
        Each contender's time per call in every round, in the order they ran
        (for a median or a spread beside the best).
    """

    seconds: dict
    rounds: int
    number: dict
    threads: int | None
    load: tuple | None
    samples: dict | None = None

    def __getitem__(self, name):
        return self.seconds[name]

    def ratio(self, name, other):
        """How many times as long ``name`` took as ``other``: above 1, ``name`` is slower."""
        return self.seconds[name] / self.seconds[other]

    def fastest(self):
        """The name of the fastest contender."""
        return min(self.seconds, key=self.seconds.get)

    def describe(self):
        """How the times were measured, in one line (for a table's caption).

        Examples
        --------
        >>> Timings({"a": 1e-3}, 5, {"a": 10}, 1, (0.5, 0.75)).describe()
        'one thread each, in turns, best of 5 rounds; load average 0.50 before, 0.75 after'
        """
        threads = "one thread each" if self.threads == 1 else "each library's default threads"
        text = f"{threads}, in turns, best of {self.rounds} rounds"
        if self.load is not None:
            text += f"; load average {self.load[0]:.2f} before, {self.load[1]:.2f} after"
        return text


def compare(contenders, *, rounds=ROUNDS, min_time=MIN_TIME, threads=1):
    """Time several functions of no arguments in turns: each one's best time per call.

    Parameters
    ----------
    contenders : dict of str to callable
        Functions of no arguments, by name.  Each is called once to warm up
        (loading code, allocating memory, starting threads) before it is timed.
    rounds : int, optional
        Rounds of one batch per contender; the best counts.
    min_time : float, optional
        Seconds a batch lasts at least: short calls are repeated within a
        batch so that the timer's resolution does not matter.
    threads : {1, None}, optional
        1: every contender runs on one thread (:func:`one_thread`).  None:
        the thread settings are left as they are.

    Returns
    -------
    Timings

    Raises
    ------
    ValueError
        For no contenders, fewer than one round, a negative ``min_time`` or
        ``threads`` other than 1 or None.

    Examples
    --------
    >>> import time
    >>> timings = compare({"sleep 2 ms": lambda: time.sleep(0.002)}, rounds=1)
    >>> 0.002 <= timings["sleep 2 ms"] < 0.1
    True
    """
    if not contenders:
        raise ValueError("contenders must name at least one function")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be an int >= 1, got {rounds!r}")
    if not min_time >= 0:
        raise ValueError(f"min_time must be >= 0, got {min_time!r}")
    if threads not in (1, None):
        raise ValueError(f"threads must be 1 or None, got {threads!r}")
    names = list(contenders)
    limit = one_thread() if threads == 1 else contextlib.nullcontext()
    before = load_average()
    with limit:
        timers = {name: timeit.Timer(contenders[name]) for name in names}
        number = {}
        for name, timer in timers.items():
            timer.timeit(1)  # warm up
            number[name] = _batch_size(timer, min_time)
        samples = {name: [] for name in names}
        for round_ in range(rounds):
            start = round_ % len(names)  # each round starts with another contender
            for name in names[start:] + names[:start]:
                samples[name].append(timers[name].timeit(number[name]) / number[name])
    after = load_average()
    load = None if before is None or after is None else (before, after)
    return Timings({name: min(samples[name]) for name in names}, rounds, number, threads, load, samples)


def best_time(func, *, rounds=ROUNDS, min_time=MIN_TIME, threads=1):
    """The best time per call of one function of no arguments, in seconds (see :func:`compare`).

    Examples
    --------
    >>> best_time(lambda: sum(range(100)), rounds=2, min_time=1e-3) > 0
    True
    """
    return compare({"f": func}, rounds=rounds, min_time=min_time, threads=threads)["f"]


@contextlib.contextmanager
def one_thread():
    """Run the block with one thread for NumPy's BLAS (and OpenMP), and for PyTorch if it is imported.

    ``threadpoolctl`` limits the thread pools of the libraries loaded in the
    process; PyTorch's own pool is set with ``torch.set_num_threads`` and put
    back afterwards.  PyTorch is not imported here: a process that has not
    imported it has no pool of it to limit.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> with one_thread():
    ...     print({pool["num_threads"] for pool in threadpool_info()} <= {1})
    True
    """
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")
    saved = torch.get_num_threads() if torch is not None else None
    try:
        with threadpool_limits(limits=1):
            if torch is not None:
                torch.set_num_threads(1)
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(saved)


def load_average():
    """The 1-minute load average, or None where the system does not report one.

    Examples
    --------
    >>> value = load_average()
    >>> value is None or value >= 0
    True
    """
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def _batch_size(timer, min_time):
    """Calls per batch: 1, 2, 5, 10, 20, 50, ... until a batch lasts ``min_time`` (as ``Timer.autorange`` does)."""
    number = 1
    while True:
        for multiple in (1, 2, 5):
            calls = number * multiple
            if timer.timeit(calls) >= min_time:
                return calls
        number *= 10
