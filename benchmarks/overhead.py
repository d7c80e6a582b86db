"""What does conv2d cost beyond the arithmetic?  Per-call overhead on tiny problems.

On the course's small examples a convolution is a few hundred multiply-adds:
the time goes to Python, in checking arguments, choosing a method and
shaping arrays.  This times ``convlab.conv2d(x, k)`` (``method="auto"``)
against the least a NumPy user could write, one ``np.tensordot`` on a window
view built beforehand, in the same process, in turns:

    python benchmarks/overhead.py            # about half a minute
    python benchmarks/overhead.py --quick    # a few seconds

The goal: ``conv2d`` takes at most twice as long as the bare ``tensordot``
on the example from the course's brief, a 3-channel input and a 3-channel
3x3 kernel (lesson 05's input, ``(3, 8, 8)``, with one of its filters).
PyTorch's ``F.conv2d`` is timed too when it is installed (on one thread).  Results go to
``benchmarks/results/overhead.md`` and ``overhead.csv``.

How the numbers are made: every contender's result is checked against the
tensordot's first; then the contenders take turns, a batch of calls each
per round (a batch lasts about ``--batch`` seconds), for ``--rounds``
rounds.  The time per call reported is that of the fastest batch: what is
measured is a fixed amount of Python work, which other programs on a shared
machine can only slow down, so the fastest batch is the least disturbed one
(``timeit``'s advice); the median is in the CSV too.  PyTorch is timed on its
own after a pause (its threads and NumPy's slow each other down when called
in turns; see ``bench.py``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import ROOT, SETTLE, load, machine, write_csv

import convlab
from convlab.choose import IMPLEMENTATIONS, REGISTRY, choose_method
from convlab.methods import conv_tensordot
from convlab.params import check_args
from convlab.timing import compare
from convlab.windows import window_view

GOAL = 2.0  # conv2d(method="auto") / bare tensordot, on the first example


@dataclass
class Example:
    name: str
    x_shape: tuple
    k_shape: tuple
    about: str


EXAMPLES = [
    Example("3 channels, one 3x3 filter", (3, 8, 8), (3, 3, 3),
            "the brief's example: lesson 05's input (3, 8, 8) with one 3-channel 3x3 filter"),
    Example("3 channels, bank of 4", (3, 8, 8), (4, 3, 3, 3), "lesson 05's filter bank on the same input"),
    Example("lesson 00's example", (2, 4, 4), (2, 2, 2),
            "the stride-tricks example: two 4x4 channels, a 2x2x2 kernel"),
]


# The method that is the same tensordot on the same view: the difference is conv2d's own work.
TENSORDOT = next(name for name, m in REGISTRY.items() if m.function is conv_tensordot)


def contenders(x, k):
    """name -> no-argument callable, and the axes to compare their results in."""
    windows = convlab.sliding_windows(x, k.shape[-2:])  # (C, Ho, Wo, R, S), built once, before timing
    axes = ([0, 3, 4], [0, 1, 2]) if k.ndim == 3 else ([0, 3, 4], [1, 2, 3])
    calls = {
        "tensordot on the view": lambda: np.tensordot(windows, k, axes=axes),
        "conv2d auto": lambda: convlab.conv2d(x, k),
        "conv2d tensordot": lambda: convlab.conv2d(x, k, method=TENSORDOT),
    }
    return calls, (lambda out: out if out.ndim == 2 else np.moveaxis(out, -1, 0))


def parts(x, k):
    """conv2d(method="auto")'s steps, timed one by one: where its time goes."""
    args = check_args(x, k)
    method = choose_method(args.x4.shape, args.k4.shape, x.dtype)
    x4, k4 = args.x4, args.k4
    return {
        "check_args": lambda: check_args(x, k),
        "choose_method (shapes)": lambda: choose_method(x4.shape, k4.shape, x.dtype),
        "window view": lambda: window_view(x4, args.window, args.stride, args.dilation, args.out_hw),
        f"{method} on canonical arrays (window view included)":
            lambda: IMPLEMENTATIONS[method](x4, k4, args.stride, args.dilation),
    }


def torch_call(x, k):
    """PyTorch's conv2d on the same numbers, on one thread (None without PyTorch).

    One thread: a few hundred multiply-adds gain nothing from a second, and on a
    busy machine waiting for a descheduled one costs milliseconds, not overhead.
    """
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    torch.set_num_threads(1)
    xt = torch.from_numpy(x.copy()).unsqueeze(0)
    kt = torch.from_numpy(k.copy()) if k.ndim == 4 else torch.from_numpy(k.copy()).unsqueeze(0)
    return lambda: F.conv2d(xt, kt)


def time_in_turns(calls, rounds, batch):
    """Seconds per call of each callable, timed in turns, a batch of calls per turn: every batch's (convlab.timing)."""
    return compare(calls, rounds=rounds, min_time=batch, threads=None).samples


def measure(example, rounds, batch, rng):
    """Rows (dicts) for one example: every contender's time and its ratio to the bare tensordot."""
    x = rng.standard_normal(example.x_shape)
    k = rng.standard_normal(example.k_shape)
    calls, arrange = contenders(x, k)
    expected = arrange(calls["tensordot on the view"]())
    for name, call in calls.items():
        if name != "tensordot on the view":
            np.testing.assert_allclose(call(), expected, rtol=1e-12, atol=1e-12, err_msg=name)
    time.sleep(SETTLE)
    times = {name: ("call", t) for name, t in time_in_turns(calls, rounds, batch).items()}
    times |= {name: ("step of conv2d auto", t) for name, t in time_in_turns(parts(x, k), rounds, batch).items()}
    torch_run = torch_call(x, k)
    if torch_run is not None:
        np.testing.assert_allclose(torch_run().numpy().reshape(expected.shape), expected, rtol=1e-12, atol=1e-12)
        time.sleep(SETTLE)
        times |= {name: ("call", t) for name, t in time_in_turns({"PyTorch F.conv2d": torch_run}, rounds,
                                                                 batch).items()}
    base = min(times["tensordot on the view"][1])
    return [{"example": example.name, "contender": name, "kind": kind, "seconds": min(t),
             "x_tensordot": min(t) / base, "median_seconds": statistics.median(t)}
            for name, (kind, t) in times.items()]


def write_markdown(rows, info, loads, path, args):
    first = EXAMPLES[0].name
    ratio = next(r["x_tensordot"] for r in rows if r["example"] == first and r["contender"] == "conv2d auto")
    lines = [
        "# conv2d's per-call overhead", "",
        f"`python benchmarks/overhead.py{' --quick' if args.quick else ''}`: {args.rounds} rounds in turns; "
        f"time per call of the fastest batch (medians in overhead.csv); load average before {loads[0]}, "
        f"after {loads[1]}.", "",
        "| | |", "|---|---|", *[f"| {k} | {v} |" for k, v in info.items()], "",
        f"**Goal:** `conv2d(x, k)` (method=\"auto\") at most {GOAL:g}x the bare `np.tensordot` on a window view "
        f"built beforehand, on {EXAMPLES[0].about}.", "",
        f"**Measured:** {ratio:.2f}x ({'met' if ratio <= GOAL else 'missed'}).", "",
        "## Examples", "",
        "| example | x | k | |", "|---|---|---|---|",
        *[f"| {e.name} | {e.x_shape} | {e.k_shape} | {e.about} |" for e in EXAMPLES], "",
        "## Time per call", "",
        "| example | contender | µs | / tensordot |", "|---|---|---|---|",
    ]
    for kind in ("call", "step of conv2d auto"):
        if kind != "call":
            lines += ["", "## Where conv2d's time goes", "",
                      "Each step of `conv2d(x, k)` timed alone, on the arrays it receives; the rest of a call "
                      "is the reshapes and dtype handling between them.", "",
                      "| example | step | µs | / tensordot |", "|---|---|---|---|"]
        for r in rows:
            if r["kind"] == kind:
                lines.append(f"| {r['example']} | {r['contender']} | {r['seconds'] * 1e6:.2f} | "
                             f"{r['x_tensordot']:.2f} |")
    Path(path).write_text("\n".join(lines) + "\n")
    return ratio


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter rounds: a few seconds")
    parser.add_argument("--rounds", type=int, help="rounds of turns (default: 15, quick: 5)")
    parser.add_argument("--batch", type=float, help="seconds per batch of calls (default: 0.05, quick: 0.01)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="output folder")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (5 if args.quick else 15)
    args.batch = args.batch or (0.01 if args.quick else 0.05)
    rng = np.random.default_rng(0)
    loads = [load()]
    rows = []
    for example in EXAMPLES:
        rows += measure(example, args.rounds, args.batch, rng)
        for r in rows:
            if r["example"] == example.name and r["kind"] == "call":
                print(f"{example.name:28} {r['contender']:22} {r['seconds'] * 1e6:8.2f} µs  "
                      f"{r['x_tensordot']:5.2f}x tensordot", flush=True)
    loads.append(load())
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(rows, args.out / "overhead.csv")
    ratio = write_markdown(rows, machine(), loads, args.out / "overhead.md", args)
    print(f"conv2d(method='auto') / bare tensordot on {EXAMPLES[0].name}: {ratio:.2f}x (goal <= {GOAL:g}x)")
    print(f"wrote {args.out / 'overhead.md'} and overhead.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
