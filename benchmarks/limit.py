"""Where is NumPy's matrix product the limit?  conv2d against its bare product and PyTorch, on one thread and all.

Every method of ``convlab.conv2d`` that ``method="auto"`` uses ends in a
matrix product, ``(K, C*R*S) @ (C*R*S, N*Ho*Wo)``, and NumPy can go no
faster than its BLAS multiplies matrices of that shape.  For every case of
``bench.py``, in float32 and float64, with one thread each and with all
threads, this times

- ``conv2d(x, k, ..., method="auto")``;
- the **bare product**: ``np.matmul`` of two matrices of that shape, built
  beforehand (what ``bench.py`` calls the GEMM limit);
- PyTorch's ``F.conv2d``, when PyTorch is installed;

and reports the ratios: the **GEMM efficiency** (the bare product's time over
conv2d's: 1 means conv2d takes no longer than its product alone), conv2d over
PyTorch, and the bare product over PyTorch, which says how far NumPy's product
*alone* is from PyTorch's whole convolution:

    python benchmarks/limit.py            # about three minutes (make bench runs it)
    python benchmarks/limit.py --quick    # fewer rounds, under a minute

Results go to ``benchmarks/results/limit.md`` (tables, the machine, the load
average of every case, and a verdict) and ``limit.csv``; lesson 06 quotes them.

How the numbers are made
------------------------
- **One thread each**: ``threadpoolctl.threadpool_limits(1)`` for NumPy's BLAS
  and ``torch.set_num_threads(1)``.  **All threads**: the BLAS's own default,
  and ``torch.set_num_threads(os.cpu_count())``.
- conv2d and the bare product take turns, a batch of calls each (one call
  when it is long), for ``--rounds`` rounds; the time of the fastest batch
  counts.  Other programs on a shared machine can only slow a computation
  down, so the fastest batch is the least disturbed one, and the two
  contenders, timed in turns, are disturbed alike.  PyTorch is timed on its
  own after a pause, as in ``bench.py``: its threads and NumPy's slow each
  other down when called in turns.
- Every result is checked against ``bench.REFERENCE``'s once, before timing.
- The load average is read before and after each case (it counts this run's
  own threads too).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from bench import REFERENCE, ROOT, SETTLE, load, machine, relative_error, select_cases, write_csv

import convlab
from convlab.choose import choose_method
from convlab.params import canonical
from convlab.timing import compare

SETTINGS = {"one thread": 1, "all threads": None}  # threads for BLAS and PyTorch; None: the default
GOALS = {  # the goals of issue #23, for method="auto" on a quiet machine
    "efficiency": 0.75,  # bare product / conv2d, where the product takes over ...
    "product_ms": 1.0,  # ... this many milliseconds
    "float64": 1.0,  # conv2d / PyTorch in float64, at most
    "float32": 1.5,  # conv2d / PyTorch in float32, at most, where ...
    "product_vs_torch": 1.1,  # ... the bare product alone takes at most this times PyTorch's time
}


def best_seconds(calls, rounds, batch):
    """Seconds per call of the fastest batch of each callable, timed in turns (convlab.timing), threads as set."""
    return compare(calls, rounds=rounds, min_time=batch, threads=None).seconds


def measure_case(case, dtype, threads, args, rng):
    """One row: conv2d, the bare product and PyTorch on one case, dtype and thread setting."""
    from threadpoolctl import threadpool_limits

    x = rng.standard_normal(case.x_shape).astype(dtype)
    k = rng.standard_normal(case.k_shape).astype(dtype)
    (n, c, _, _), (kk, _, r, s), (ho, wo) = case.canonical()
    filters = rng.standard_normal((kk, c * r * s)).astype(dtype)
    windows = rng.standard_normal((c * r * s, n * ho * wo)).astype(dtype)
    reference = convlab.conv2d(x, k, **case.params, method=REFERENCE)
    row = {"case": case.name, "dtype": np.dtype(dtype).name, "threads": "one" if threads == 1 else "all",
           "auto uses": choose_method(case.padded(), case.canonical()[1], np.dtype(dtype), stride=case.stride),
           "load before": load()}
    with threadpool_limits(threads):
        conv = lambda: convlab.conv2d(x, k, **case.params)  # noqa: E731
        row["rel_error"] = relative_error(conv(), reference)
        time.sleep(SETTLE)
        times = best_seconds({"conv2d": conv, "product": lambda: filters @ windows}, args.rounds, args.batch)
    row["conv2d_ms"], row["product_ms"] = times["conv2d"] * 1e3, times["product"] * 1e3
    row["torch_ms"] = torch_ms(case, x, k, threads, reference, args)
    row["load after"] = load()
    row["efficiency"] = row["product_ms"] / row["conv2d_ms"]
    row["conv2d_vs_torch"] = row["conv2d_ms"] / row["torch_ms"] if row["torch_ms"] else None
    row["product_vs_torch"] = row["product_ms"] / row["torch_ms"] if row["torch_ms"] else None
    return row


def torch_ms(case, x, k, threads, reference, args):
    """PyTorch's time per call in ms, on ``threads`` threads (None: all), or None without PyTorch."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    torch.set_num_threads(threads or os.cpu_count() or 1)
    x4, k4, _ = canonical(x, k)  # PyTorch wants (N, C, H, W) and (K, C, R, S)
    xt, kt = torch.from_numpy(np.ascontiguousarray(x4)), torch.from_numpy(np.ascontiguousarray(k4))
    run = lambda: F.conv2d(xt, kt, **case.params)  # noqa: E731
    error = relative_error(run().numpy().reshape(reference.shape), reference)
    if error > 1e-3:
        raise AssertionError(f"PyTorch differs from conv2d on {case.name}: {error:.2g}")
    time.sleep(SETTLE)
    return best_seconds({"torch": run}, args.rounds, args.batch)["torch"] * 1e3


def verdict(rows):
    """The goals of issue #23, one line each, from the rows measured with all threads."""
    all_threads = [r for r in rows if r["threads"] == "all"]
    large = [r for r in all_threads if r["product_ms"] > GOALS["product_ms"]]
    slow = [r for r in large if r["efficiency"] < GOALS["efficiency"]]
    lines = [
        f"- **GEMM efficiency** at least {GOALS['efficiency']} wherever the bare product takes over "
        f"{GOALS['product_ms']:g} ms: {len(large) - len(slow)} of {len(large)} case-dtypes"
        + (f"; below it: {_list(slow, 'efficiency', '.2f')}." if slow else ".")
    ]
    with_torch = [r for r in all_threads if r["torch_ms"]]
    if with_torch:
        f64 = [r for r in with_torch if r["dtype"] == "float64"]
        behind = [r for r in f64 if r["conv2d_vs_torch"] > GOALS["float64"]]
        lines.append(f"- **float64 at or below PyTorch's time**: {len(f64) - len(behind)} of {len(f64)} cases"
                     + (f"; behind on {_list(behind, 'conv2d_vs_torch', '.2f', 'x')}." if behind else "."))
        f32 = [r for r in with_torch if r["dtype"] == "float32"]
        near = [r for r in f32 if r["product_vs_torch"] <= GOALS["product_vs_torch"]]
        missed = [r for r in near if r["conv2d_vs_torch"] > GOALS["float32"]]
        lines.append(f"- **float32 within {GOALS['float32']}x of PyTorch** where the bare product is within "
                     f"{GOALS['product_vs_torch']}x of it: {len(near) - len(missed)} of {len(near)} cases"
                     + (f"; missed on {_list(missed, 'conv2d_vs_torch', '.2f', 'x')}" if missed else "")
                     + (f". Elsewhere the product alone is slower than PyTorch's convolution, and conv2d takes "
                        f"{_list([r for r in f32 if r not in near], 'conv2d_vs_torch', '.2f', 'x')} PyTorch's time."
                        if len(near) < len(f32) else "."))
        limited = sorted((r for r in with_torch if r["product_vs_torch"] > 1), key=lambda r: -r["product_vs_torch"])
        lines.append("- **Where NumPy's product is the limit** (the bare product alone takes longer than PyTorch's "
                     "whole convolution): " + (_list(limited, "product_vs_torch", ".2f", "x") if limited else "nowhere")
                     + ".")
    return lines


def _list(rows, key, fmt, unit=""):
    return ", ".join(f"{r['case']} {r['dtype']} ({format(r[key], fmt)}{unit})" for r in rows)


def write_markdown(rows, info, loads, path, args):
    lines = ["# conv2d against its bare matrix product and PyTorch, one thread and all", "",
             f"`python benchmarks/limit.py{' --quick' if args.quick else ''}`: the fastest of {args.rounds} "
             f"rounds in turns; load average before {loads[0]}, after {loads[1]} (and per case below).", "",
             "| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in info.items()]
    lines += ["", "**GEMM efficiency**: the bare product's time over conv2d's (1: conv2d takes no longer than "
              "its matrix product alone). **product / PyTorch** above 1: NumPy's product alone is slower than "
              "PyTorch's whole convolution.", "", "## Verdict (all threads)", ""] + verdict(rows)
    for setting in ("all", "one"):
        lines += ["", f"## {'All threads' if setting == 'all' else 'One thread each'}", "",
                  "| case | dtype | auto uses | conv2d ms | product ms | PyTorch ms | GEMM efficiency "
                  "| conv2d / PyTorch | product / PyTorch | load before, after |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in (r for r in rows if r["threads"] == setting):
            lines.append(
                f"| {r['case']} | {r['dtype']} | {r['auto uses']} | {r['conv2d_ms']:.3g} | {r['product_ms']:.3g} | "
                f"{_num(r['torch_ms'], '.3g')} | {r['efficiency']:.2f} | {_num(r['conv2d_vs_torch'], '.2f')} | "
                f"{_num(r['product_vs_torch'], '.2f')} | {r['load before'].split()[0]}, {r['load after'].split()[0]} |")
    Path(path).write_text("\n".join(lines) + "\n")


def _num(value, fmt):
    return "–" if value is None else format(value, fmt)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds: under a minute")
    parser.add_argument("--cases", help="comma-separated case names of bench.py (default: all)")
    parser.add_argument("--dtypes", default="float32,float64", help="comma-separated (default: %(default)s)")
    parser.add_argument("--threads", default="all,one", help="'all', 'one' or both (default: %(default)s)")
    parser.add_argument("--rounds", type=int, help="timed rounds (default: 7, quick: 3)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="output folder")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (3 if args.quick else 7)
    args.batch = 0.02 if args.quick else 0.05  # seconds per timing of short calls
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        import threadpoolctl  # noqa: F401 -- one thread for NumPy's BLAS needs it
    except ImportError:
        sys.exit("benchmarks/limit.py needs threadpoolctl (pip install threadpoolctl) to run BLAS on one thread")
    cases = select_cases(args.cases)
    settings = [name for name in SETTINGS if name.split()[0] in args.threads.split(",")]
    loads, rows = [load()], []
    rng = np.random.default_rng(0)
    for setting in settings:
        for case in cases:
            for dtype in args.dtypes.split(","):
                row = measure_case(case, np.dtype(dtype), SETTINGS[setting], args, rng)
                rows.append(row)
                print(f"{setting:11} {case.name:12} {dtype:8} conv2d {row['conv2d_ms']:8.3g} ms, product "
                      f"{row['product_ms']:8.3g} ms, PyTorch {_num(row['torch_ms'], '8.3g')} ms, "
                      f"efficiency {row['efficiency']:.2f}, load {row['load after'].split()[0]}", flush=True)
    loads.append(load())
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(rows, args.out / "limit.csv")
    write_markdown(rows, machine(), loads, args.out / "limit.md", args)
    print(f"wrote {args.out / 'limit.md'} and limit.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
