"""How large should conv_blocked's blocks be?  The measurements behind ``convlab.fast.BLOCK_BYTES``.

``conv_blocked`` copies the windows of a block of output rows into a buffer
and multiplies it at once.  A small block stays in the processor's cache
between the copy and the product, but makes a thin product, which BLAS runs
less efficiently (and, with several threads, shares out less evenly); a large
one is the other way round.  This times ``conv_blocked`` with blocks from
256 KiB to 16 MiB on the large cases of ``bench.py``, in float32 and
float64, with one thread and with all threads, each against the bare matrix
product of the same shape in the same turns, and reports the GEMM efficiency
(the product's time over conv_blocked's) of every block size.  With all
threads it also times ``conv_blocked``'s blocks shared out to two Python
threads, each multiplying with one BLAS thread (``WORKERS``; timed apart,
against the product): the window copy, which NumPy runs on one thread, then
runs on both cores as the product does:

    python benchmarks/blocks.py            # about four minutes
    python benchmarks/blocks.py --quick    # fewer rounds and sizes

Results: ``benchmarks/results/blocks.md`` and ``blocks.csv``.  Timing as in
``limit.py``: contenders in turns, the fastest of ``--rounds`` rounds.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from bench import CASES, ROOT, SETTLE, load, machine, relative_error, write_csv
from limit import best_seconds

from convlab import fast
from convlab.params import as_pair
from convlab.windows import pad_hw, window_view

KIB = 2**10
SIZES = [256 * KIB, 512 * KIB, 1024 * KIB, 2048 * KIB, 4096 * KIB, 8192 * KIB, 16384 * KIB]
THREADS = 2  # the Python threads of blocked_in_workers
WORKERS = f"{THREADS} workers"  # its column, with blocks of fast.BLOCK_BYTES


def column(size):
    """The column of blocks of ``size`` bytes in the reports: ``"4096 KiB"``."""
    return f"{size // KIB} KiB"


def blocked_in_workers(x, k, stride, dilation, pool, block_bytes=fast.BLOCK_BYTES):
    """``conv_blocked``'s blocks shared out to ``THREADS`` threads of ``pool``, each multiplying on one BLAS thread.

    What ``conv_blocked`` would do if it ran threads of its own: each worker
    copies its blocks' windows and multiplies them, so the copy runs on every
    core.  The BLAS is held to one thread for the call and set back after, as
    a library function would have to (the caller's setting is the caller's).
    A block is a band of output rows of one image, as ``conv_blocked``'s are
    on the large cases (it also has blocks of several small images).
    """
    from threadpoolctl import threadpool_limits

    n_images, channels = x.shape[:2]
    n_kernels, _, rows, cols = k.shape
    columns = window_view(x, (rows, cols), stride, dilation).transpose(0, 1, 4, 5, 2, 3)
    ho, wo = columns.shape[-2:]
    taps = channels * rows * cols
    kernels = k.reshape(n_kernels, taps)
    out = np.empty((n_images, n_kernels, ho, wo), dtype=x.dtype)
    block_rows = max(1, min(ho, block_bytes // (taps * wo * x.itemsize)))
    blocks = [(n, i0, min(i0 + block_rows, ho)) for n in range(n_images) for i0 in range(0, ho, block_rows)]

    def work(part):
        gather = fast._Gather(x, columns, (rows, cols), stride, dilation)  # each worker its own phase buffer
        buffer = np.empty(taps * block_rows * wo, dtype=x.dtype)
        for n, i0, i1 in part:
            block = buffer[: taps * (i1 - i0) * wo].reshape(1, channels, rows, cols, i1 - i0, wo)
            gather(block, n, n + 1, i0, i1)
            np.matmul(kernels, block.reshape(taps, -1), out=out[n, :, i0:i1].reshape(n_kernels, -1))

    with threadpool_limits(1, user_api="blas"):
        list(pool.map(work, [blocks[w::THREADS] for w in range(THREADS)]))
    return out


def measure(case, dtype, threads, sizes, rounds, rng):
    """GEMM efficiency of conv_blocked for every block size, on one case, dtype and thread setting."""
    from threadpoolctl import threadpool_limits

    x = rng.standard_normal(case.canonical()[0]).astype(dtype)
    k = rng.standard_normal(case.canonical()[1]).astype(dtype)
    xp = pad_hw(x, as_pair(case.padding, "padding", 0))
    stride, dilation = as_pair(case.stride, "stride", 1), as_pair(case.dilation, "dilation", 1)
    (n, c, _, _), (kk, _, r, s), (ho, wo) = case.canonical()
    filters = rng.standard_normal((kk, c * r * s)).astype(dtype)
    windows = rng.standard_normal((c * r * s, n * ho * wo)).astype(dtype)
    calls = {"product": lambda: filters @ windows}
    for size in sizes:
        calls[size] = lambda size=size: fast.conv_blocked(xp, k, stride, dilation, block_bytes=size)
    with threadpool_limits(threads):
        time.sleep(SETTLE)
        times = best_seconds(calls, rounds, 0.05)
    efficiency = {column(size): times["product"] / times[size] for size in sizes}
    if threads is None:
        # Timed apart, after a pause, against the product alone: setting the BLAS's threads to one and
        # back slows whatever runs next, and would disturb the other contenders timed in turns with it.
        with ThreadPoolExecutor(THREADS) as pool:
            reference = fast.conv_blocked(xp, k, stride, dilation)
            error = relative_error(blocked_in_workers(xp, k, stride, dilation, pool), reference)
            if error > 10 * np.finfo(dtype).eps:  # the same sums; only a one-thread BLAS may group them otherwise
                raise AssertionError(f"the blocks in workers differ from conv_blocked on {case.name}: {error:.2g}")
            time.sleep(SETTLE)
            apart = best_seconds({"product": calls["product"],
                                  WORKERS: lambda: blocked_in_workers(xp, k, stride, dilation, pool)}, rounds, 0.05)
        efficiency[WORKERS] = apart["product"] / apart[WORKERS]
    efficiency.setdefault(WORKERS, "")  # every row has the CSV's columns
    return efficiency, times["product"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds, 4 sizes")
    parser.add_argument("--rounds", type=int, help="timed rounds (default: 7, quick: 3)")
    parser.add_argument("--cases", help="comma-separated case names of bench.py (default: the large ones)")
    parser.add_argument("--threads", default="one,all", help="'one', 'all' or both (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 7)
    sizes = SIZES[1::2] if args.quick else SIZES
    wanted = args.cases.split(",") if args.cases else [c.name for c in CASES if c.large]
    rng = np.random.default_rng(0)
    loads, rows = [load()], []
    for threads in [{"one": 1, "all": None}[t] for t in args.threads.split(",")]:
        for case in (c for c in CASES if c.name in wanted):
            for dtype in ("float32", "float64"):
                efficiency, product = measure(case, np.dtype(dtype), threads, sizes, rounds, rng)
                rows.append({"threads": "one" if threads == 1 else "all", "case": case.name, "dtype": dtype,
                             "product_ms": product * 1e3,
                             **efficiency,
                             "load": load().split()[0]})
                print(" ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in rows[-1].values()), flush=True)
    loads.append(load())
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(rows, args.out / "blocks.csv")
    write_markdown(rows, sizes, machine(), loads, args.out / "blocks.md", args.quick, rounds)
    print(f"wrote {args.out / 'blocks.md'} and blocks.csv")
    return 0


def write_markdown(rows, sizes, info, loads, path, quick, rounds):
    columns = [column(s) for s in sizes]
    lines = ["# conv_blocked's block size: GEMM efficiency (bare product / conv_blocked)", "",
             f"`python benchmarks/blocks.py{' --quick' if quick else ''}`: the fastest of "
             f"{rounds} rounds in turns; load average before {loads[0]}, after {loads[1]}; "
             f"{info['cpu']}, {info['cores']} cores, NumPy {info['numpy']}; {info['thread pools']}.", "",
             f"`convlab.fast.BLOCK_BYTES` is {column(fast.BLOCK_BYTES)}.", ""]
    for threads in ("one", "all"):
        part = [r for r in rows if r["threads"] == threads]
        if not part:
            continue
        shown = columns + ([WORKERS] if part[0][WORKERS] != "" else [])
        means = {col: math.exp(statistics.mean(math.log(r[col]) for r in part)) for col in shown}
        best = max(columns, key=means.get)
        lines += [f"## {'One thread' if threads == 'one' else 'All threads'}", "",
                  f"Geometric mean over the cases: highest with blocks of {best} ({means[best]:.2f})."]
        if WORKERS in shown:
            lines += [f"**{WORKERS}**: blocks of {column(fast.BLOCK_BYTES)} shared out to two Python threads, each "
                      f"multiplying on one BLAS thread (`blocked_in_workers`): {means[WORKERS]:.2f}."]
        lines += ["", "| case | dtype | product ms | " + " | ".join(shown) + " | load |",
                  "|---" * (len(shown) + 4) + "|"]
        for r in part:
            lines.append(f"| {r['case']} | {r['dtype']} | {r['product_ms']:.3g} | "
                         + " | ".join(f"{r[col]:.2f}" for col in shown) + f" | {r['load']} |")
        lines += ["| geometric mean | | | " + " | ".join(f"{means[col]:.2f}" for col in shown) + " | |", ""]
    Path(path).write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
