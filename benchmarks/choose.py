"""Which method is fastest for which shape?  The measurements behind ``choose_method``.

Times the BLAS-based methods of ``convlab.conv2d`` on a grid of shapes (few
and many channels and kernels, small and large images, 1x1 to 7x7 kernels,
stride 1 and 2, dilation 1 and, for 3x3 kernels, 2; float32 and float64), in
turns, and writes for every shape
the fastest method, the one ``method="auto"`` chose, and how much slower the
choice was than the fastest:

    python benchmarks/choose.py            # about five minutes
    python benchmarks/choose.py --quick    # a third of the grid

Results: ``benchmarks/results/choose.csv`` and ``choose.md``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from bench import ROOT, SETTLE, load, machine, write_csv

import convlab
from convlab.choose import CANDIDATES, choose_method
from convlab.timing import compare

# (C, K): one channel and one kernel, RGB with few and many kernels, network layers
CHANNELS = [(1, 1), (3, 4), (3, 16), (3, 64), (16, 16), (16, 64), (64, 8), (64, 64), (64, 128)]
SIZES = [(16, 8), (4, 32), (1, 128)]  # (N, H = W)
KERNELS = [1, 3, 7]
STRIDES = [1, 2]
DILATIONS = [1, 2]  # dilation 2 with 3x3 kernels only: a 7x7 one would span 13 pixels


def grid(quick):
    for (c, k), (n, hw), r, st, d in itertools.product(CHANNELS, SIZES, KERNELS, STRIDES, DILATIONS):
        if (r - 1) * d + 1 > hw or (d > 1 and r != 3) or (quick and (c + k + hw + r + st + d) % 3):
            continue
        yield (n, c, hw, hw), (k, c, r, r), st, d * (r // 2), d  # "same" padding, as networks use


def time_methods(x, k, stride, padding, dilation, rounds, batch=0.02):
    """Median seconds per call of each candidate method, timed in turns (convlab.timing), threads as they are."""
    calls = {m: (lambda m=m: convlab.conv2d(x, k, stride=stride, padding=padding, dilation=dilation, method=m))
             for m in CANDIDATES}
    samples = compare(calls, rounds=rounds, min_time=batch, threads=None).samples
    return {m: statistics.median(t) for m, t in samples.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a third of the grid, fewer rounds")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 5
    rng = np.random.default_rng(0)
    loads = [load()]
    time.sleep(SETTLE)
    rows = []
    for dtype in ("float32", "float64"):
        for x_shape, k_shape, stride, padding, dilation in grid(args.quick):
            x = rng.standard_normal(x_shape).astype(dtype)
            k = rng.standard_normal(k_shape).astype(dtype)
            times = time_methods(x, k, stride, padding, dilation, rounds)
            best = min(times, key=times.get)
            padded = x_shape[:2] + tuple(s + 2 * padding for s in x_shape[2:])
            chosen = choose_method(padded, k_shape, np.dtype(dtype), stride=stride)
            rows.append({
                "dtype": dtype, "N": x_shape[0], "C": x_shape[1], "H": x_shape[2], "K": k_shape[0],
                "R": k_shape[2], "stride": stride, "padding": padding, "dilation": dilation,
                **{f"{m}_ms": times[m] * 1e3 for m in CANDIDATES},
                "fastest": best, "auto": chosen, "auto_slowdown": times[chosen] / times[best],
            })
            print(f"{dtype} x{x_shape} k{k_shape} s{stride} d{dilation}: "
                  + " ".join(f"{m} {times[m] * 1e3:.3g}" for m in CANDIDATES)
                  + f"  fastest {best}, auto {chosen} ({rows[-1]['auto_slowdown']:.2f}x)", flush=True)
    loads.append(load())
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(rows, args.out / "choose.csv")
    write_markdown(rows, machine(), loads, args.out / "choose.md", args.quick)
    print(f"wrote {args.out / 'choose.md'} and choose.csv")
    return 0


def write_markdown(rows, info, loads, path, quick):
    slow = [r["auto_slowdown"] for r in rows]
    within = sum(s <= 1.1 for s in slow)
    lines = [
        "# Which method is fastest?  The measurements behind choose_method", "",
        f"`python benchmarks/choose.py{' --quick' if quick else ''}`: {len(rows)} shapes, "
        f"medians of timed turns; load average before {loads[0]}, after {loads[1]}; "
        f"{info['cpu']}, {info['cores']} cores, NumPy {info['numpy']}; {info['thread pools']}.", "",
        f"method=\"auto\" picked the fastest method or one within 10 % of it on {within} of {len(rows)} "
        f"shapes; geometric mean slowdown against the fastest {math.exp(statistics.mean(map(math.log, slow))):.3f}, "
        f"worst {max(slow):.2f}x.", "",
        "| dtype | N | C | H=W | K | RxS | stride | dilation | " + " | ".join(f"{m} ms" for m in CANDIDATES)
        + " | fastest | auto | auto / fastest |",
        "|---" * (11 + len(CANDIDATES)) + "|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dtype']} | {r['N']} | {r['C']} | {r['H']} | {r['K']} | {r['R']}x{r['R']} | {r['stride']} | "
            f"{r['dilation']} | "
            + " | ".join(f"{r[m + '_ms']:.3g}" for m in CANDIDATES)
            + f" | {r['fastest']} | {r['auto']} | {r['auto_slowdown']:.2f} |"
        )
    Path(path).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
