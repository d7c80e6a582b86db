"""Should ``method="auto"`` use FFT or Winograd convolution?  Measured against it.

Times :func:`convlab.fourier.conv_fft` and :func:`convlab.winograd.conv_winograd`
(where it applies: 3x3 kernels, stride 1) against ``conv2d(method="auto")``
and every BLAS-based method, on the problems of ``bench.py``, on layers
where Winograd is used in practice (many channels, 3x3), and on a sweep of
kernel sizes that shows where FFT starts to win.  PyTorch is timed too when
it is installed.  Everything is a ratio to ``auto`` measured in the same
process:

    python benchmarks/fast_algorithms.py           # a few minutes
    python benchmarks/fast_algorithms.py --quick   # fewer cases and rounds, about a minute

Results go to ``benchmarks/results/`` (``--out`` to change):
``fast_algorithms.csv`` (every number), ``fast_algorithms.md`` (tables and
the verdict) and ``fast_algorithms.png`` (the FFT crossover and where
Winograd's time goes).

How the numbers are made: each contender runs once to warm up and to check
its result against the blocked matrix products of ``REFERENCE`` (largest error relative to the
largest output), then the NumPy contenders take turns, one timing each per
round, and the best round is reported (on a shared machine, the least
disturbed); calls shorter than about 20 ms are timed in batches.  The kernel
size sweeps time only ``auto``, FFT and PyTorch: they are about where FFT
starts to win, and im2col's window matrix of a 31x31 kernel would take
gigabytes.  FFT is skipped where its frequency-domain result, one complex
plane per (image, filter), would pass ``FFT_LIMIT`` bytes.  PyTorch is timed on its own after a pause, as in
``bench.py`` (its threads and OpenBLAS's slow each other down when they take
turns).  Inputs are padded before the FFT and Winograd calls, outside the
timing, as ``conv2d`` pads before it calls a method; ``auto`` pays for its
own padding, a few percent on these problems.  Winograd's four stages are
timed separately on the same inputs: the kernel transform, the input
transform, the 16 matrix products and the output transform.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from bench import load, machine, relative_error  # noqa: E402  (what the numbers were measured on, as every report says it)

import convlab  # noqa: E402
from convlab import winograd  # noqa: E402
from convlab.choose import REGISTRY  # noqa: E402
from convlab.fourier import conv_fft  # noqa: E402
from convlab.timing import compare  # noqa: E402

SETTLE = 0.3          # seconds of pause before PyTorch: NumPy's idle threads go to sleep
BATCH_SECONDS = 0.02  # short calls are repeated until a timing lasts about this long
BLAS_METHODS = tuple(name for name, m in REGISTRY.items() if m.products)  # matrix products: BLAS for floats
# Every result is checked against this method's: matrix products in blocks, so large cases fit in memory.
REFERENCE = next(name for name, m in REGISTRY.items() if m.products and m.bounded_memory and m.candidate)
FFT_LIMIT = 512 * 2**20


@dataclass
class Case:
    """One problem, as a learner would pass it to conv2d; ``group`` says which table it joins."""

    name: str
    x_shape: tuple
    k_shape: tuple
    stride: int = 1
    padding: int = 0
    group: str = "problems"

    def padded(self, x):
        p = self.padding
        return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x

    def winograd_applies(self):
        return self.k_shape[-2:] == (3, 3) and self.stride == 1


PROBLEMS = [
    Case("gray 3x3", (1, 1, 512, 512), (1, 1, 3, 3)),
    Case("gray 11x11", (1, 1, 512, 512), (1, 1, 11, 11)),
    Case("rgb s1", (1, 3, 1024, 1024), (16, 3, 3, 3)),
    Case("rgb s2", (1, 3, 1024, 1024), (16, 3, 3, 3), stride=2),
    Case("cnn layer", (8, 64, 56, 56), (64, 64, 3, 3), padding=1),
    Case("cnn stem", (32, 3, 224, 224), (64, 3, 7, 7), stride=2, padding=3),
    # Layers of the kind Winograd is used for: many channels, 3x3, stride 1.
    Case("cnn 112x112", (2, 64, 112, 112), (64, 64, 3, 3), padding=1),
    Case("cnn 28x28", (8, 128, 28, 28), (128, 128, 3, 3), padding=1),
    Case("cnn 14x14", (8, 256, 14, 14), (256, 256, 3, 3), padding=1),
]
SWEEP_SIZES = (3, 5, 7, 9, 11, 15, 21, 31)
SWEEPS = [Case(f"gray 256x256, {r}x{r}", (1, 1, 256, 256), (1, 1, r, r), group="sweep gray") for r in SWEEP_SIZES]
SWEEPS += [Case(f"16 channels 128x128, 16 filters {r}x{r}", (1, 16, 128, 128), (16, 16, r, r), group="sweep layer")
           for r in SWEEP_SIZES]
QUICK = {"gray 3x3", "gray 11x11", "cnn layer", "cnn 28x28"}


@dataclass
class Result:
    case: str
    group: str
    dtype: str
    contender: str
    seconds: float
    error: float
    note: str = ""


def time_in_turns(runs, rounds):
    """Best seconds per call of each ``run``, timed in turns over ``rounds`` rounds (convlab.timing)."""
    return compare(runs, rounds=rounds, min_time=BATCH_SECONDS, threads=None).seconds


def contenders(case, x, k):
    """name -> (no-argument callable, note)."""
    params = dict(stride=case.stride, padding=case.padding)
    runs = {"auto": (lambda: convlab.conv2d(x, k, **params), "the baseline")}
    if case.group == "problems":
        for method in BLAS_METHODS:
            runs[method] = (lambda m=method: convlab.conv2d(x, k, **params, method=m), "")
    xp = case.padded(x)
    fft_bytes = x.shape[0] * k.shape[0] * xp.shape[2] * xp.shape[3] * 2 * x.itemsize
    if fft_bytes <= FFT_LIMIT:
        runs["fft"] = (lambda: conv_fft(xp, k, case.stride), "input padded beforehand")
    if case.winograd_applies():
        runs["winograd"] = (lambda: winograd.conv_winograd(xp, k), "input padded beforehand")
    return runs


def winograd_stages(xp, k):
    """name -> callable for each stage of conv_winograd, on ready inputs."""
    n_images, _, height, width = xp.shape
    U = winograd.kernel_transform(k)
    V, tiles = winograd.input_transform(xp)
    M = winograd.tile_products(U, V)
    return {
        "winograd: kernel transform": lambda: winograd.kernel_transform(k),
        "winograd: input transform": lambda: winograd.input_transform(xp),
        "winograd: 16 products": lambda: winograd.tile_products(U, V),
        "winograd: output transform": lambda: winograd.output_transform(M, n_images, tiles, (height - 2, width - 2)),
    }


def torch_time(case, x, k, rounds):
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    xt, kt = torch.from_numpy(x), torch.from_numpy(k)
    run = lambda: F.conv2d(xt, kt, stride=case.stride, padding=case.padding)  # noqa: E731
    time.sleep(SETTLE)
    run()
    return time_in_turns({"PyTorch": run}, rounds)["PyTorch"], run().numpy()


def run_case(case, dtype, rounds, rng):
    x = rng.standard_normal(case.x_shape).astype(dtype)
    k = rng.standard_normal(case.k_shape).astype(dtype)
    reference = convlab.conv2d(x, k, stride=case.stride, padding=case.padding, method=REFERENCE)
    runs = contenders(case, x, k)
    errors, notes = {}, {}
    for name, (run, note) in runs.items():
        errors[name] = relative_error(run(), reference)
        notes[name] = note
    plain = {name: run for name, (run, _) in runs.items()}
    if case.winograd_applies():
        stages = winograd_stages(case.padded(x), k)
        plain.update(stages)
        errors.update({name: float("nan") for name in stages})
    seconds = time_in_turns(plain, rounds)
    timed_torch = torch_time(case, x, k, rounds)
    if timed_torch is not None:
        seconds["PyTorch"] = timed_torch[0]
        errors["PyTorch"] = relative_error(timed_torch[1], reference)
    return [Result(case.name, case.group, np.dtype(dtype).name, name, t, errors.get(name, float("nan")),
                   notes.get(name, "")) for name, t in seconds.items()]


# --------------------------------------------------------------------------- reporting


def by_key(results):
    table = {}
    for r in results:
        table.setdefault((r.case, r.dtype), {})[r.contender] = r
    return table


def best_method(row):
    present = [m for m in BLAS_METHODS if m in row]
    return min(present, key=lambda m: row[m].seconds) if present else None


def crossover(table, names, dtype, contender="fft"):
    """The smallest kernel size from which ``contender`` beats auto at every larger size, or None."""
    wins = [table[(c.name, dtype)][contender].seconds < table[(c.name, dtype)]["auto"].seconds
            if contender in table.get((c.name, dtype), {}) else False for c in names]
    for i in range(len(names)):
        if all(wins[i:]):
            return names[i].k_shape[-1]
    return None


def verdict(results, cases):
    """A few lines: where FFT and Winograd beat auto, and whether auto should use them."""
    table = by_key(results)
    dtypes = sorted({r.dtype for r in results}, reverse=True)
    lines = []
    sweeps = {"sweep gray": "one 256x256 grayscale image", "sweep layer": "16 channels of 128x128, 16 filters"}
    fft_parts = []
    for group, about in sweeps.items():
        names = [c for c in cases if c.group == group and any((c.name, d) in table for d in dtypes)]
        if names:
            found = []
            for dtype in dtypes:
                r = crossover(table, names, dtype)
                largest = names[-1].k_shape[-1]
                found.append(f"{dtype} from {r}x{r}" if r else f"{dtype} at no size up to {largest}x{largest}")
            fft_parts.append(f"{about}, " + " and ".join(found))
    problems = [(c.name, d) for c in cases if c.group == "problems" for d in dtypes if (c.name, d) in table]

    def wins(name):
        return [(case, d, table[(case, d)]["auto"].seconds / table[(case, d)][name].seconds)
                for case, d in problems if name in table[(case, d)]
                and table[(case, d)][name].seconds < table[(case, d)]["auto"].seconds]

    def listed(found):
        return ", ".join(f"{case} {d} ({ratio:.2f}x as fast)" for case, d, ratio in found) or "none"

    if fft_parts:
        lines.append("- **FFT** is faster than `auto` for every kernel from this size up: "
                     + "; ".join(fft_parts) + ".")
    if problems:
        lines.append(f"- **FFT** is faster than `auto` on these problems: {listed(wins('fft'))}.")
        lines.append(f"- **Winograd** is faster than `auto` on these problems: {listed(wins('winograd'))}.")
        products = [(case, d, table[(case, d)]["PyTorch"].seconds / table[(case, d)]["winograd: 16 products"].seconds)
                    for case, d in problems if "PyTorch" in table[(case, d)]
                    and "winograd: 16 products" in table[(case, d)]
                    and table[(case, d)]["winograd: 16 products"].seconds < table[(case, d)]["PyTorch"].seconds]
        lines.append("- Winograd's **16 products alone** are faster than PyTorch's whole convolution on: "
                     + (", ".join(f"{case} {d}" for case, d, _ in products) or "none") + ".")
    return lines


def write_csv(results, path):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["case", "group", "dtype", "contender", "ms", "vs_auto", "rel_error", "note"])
        table = by_key(results)
        for r in results:
            auto = table[(r.case, r.dtype)]["auto"].seconds
            writer.writerow([r.case, r.group, r.dtype, r.contender, f"{r.seconds * 1e3:.6g}",
                             f"{r.seconds / auto:.4g}", f"{r.error:.3g}", r.note])


def write_markdown(results, cases, info, loads, args, path):
    table = by_key(results)
    dtypes = sorted({r.dtype for r in results}, reverse=True)
    lines = ["# FFT and Winograd convolution against `method=\"auto\"`", "",
             f"`python benchmarks/fast_algorithms.py{' --quick' if args.quick else ''}` — "
             f"{args.rounds} rounds, the best of each; load average (which counts this run's own threads) "
             f"before {loads[0]}, after {loads[1]}.", "",
             "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in info.items()]
    lines += ["", "## Verdict", ""] + verdict(results, cases) + [""]
    lines += ["Ratios are time divided by the time of `auto` in the same run: below 1 is faster than `auto`.",
              "`best` is the fastest of the BLAS-based methods (" + ", ".join(f"`{m}`" for m in BLAS_METHODS)
              + "); `winograd products` is the 16 matrix products alone, without the transforms.", ""]
    for group, title in (("problems", "Problems"), ("sweep gray", "Kernel sizes: one grayscale image"),
                         ("sweep layer", "Kernel sizes: a layer with 16 channels and 16 filters")):
        names = [c.name for c in cases if c.group == group]
        if not names:
            continue
        for dtype in dtypes:
            lines += [f"## {title}, {dtype}", "",
                      "| case | auto ms | best | best / auto | fft / auto | winograd / auto "
                      "| winograd products / auto | PyTorch / auto | fft error | winograd error |",
                      "|---|---|---|---|---|---|---|---|---|---|"]
            for name in names:
                row = table.get((name, dtype))
                if row is None:
                    continue
                auto = row["auto"].seconds
                best = best_method(row)

                def ratio(key, row=row, auto=auto):
                    return f"{row[key].seconds / auto:.2f}" if key in row else "–"

                best_cells = f"{best} | {ratio(best)}" if best else "– | –"

                def error(key, row=row):
                    return f"{row[key].error:.1e}" if key in row else "–"

                lines.append(f"| {name} | {auto * 1e3:.3g} | {best_cells} | {ratio('fft')} | "
                             f"{ratio('winograd')} | {ratio('winograd: 16 products')} | {ratio('PyTorch')} | "
                             f"{error('fft')} | {error('winograd')} |")
            lines.append("")
    stage_rows = [(name, dtype) for name in [c.name for c in cases] for dtype in dtypes
                  if "winograd: 16 products" in table.get((name, dtype), {})]
    if stage_rows:
        stages = list(winograd_stages(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3))))
        lines += ["## Where Winograd's time goes, ms", "",
                  "| case | dtype | " + " | ".join(s.split(": ")[1] for s in stages) + " | whole | auto | PyTorch |",
                  "|---|---|" + "---|" * (len(stages) + 3)]
        for name, dtype in stage_rows:
            row = table[(name, dtype)]
            cells = [f"{row[s].seconds * 1e3:.3g}" for s in stages]
            torch_ms = f"{row['PyTorch'].seconds * 1e3:.3g}" if "PyTorch" in row else "–"
            lines.append(f"| {name} | {dtype} | " + " | ".join(cells)
                         + f" | {row['winograd'].seconds * 1e3:.3g} | {row['auto'].seconds * 1e3:.3g} | {torch_ms} |")
        lines.append("")
    Path(path).write_text("\n".join(lines) + "\n")


def plot(results, cases, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = by_key(results)
    dtypes = sorted({r.dtype for r in results}, reverse=True)
    groups = [g for g in ("sweep gray", "sweep layer") if any(c.group == g for c in cases)]
    fig, axes = plt.subplots(1, len(groups) + 1, figsize=(5.2 * len(groups) + 6.5, 4.6), squeeze=False,
                             gridspec_kw={"width_ratios": [1] * len(groups) + [1.25]})
    axes = axes[0]
    styles = {"float64": "-", "float32": "--"}
    for ax, group in zip(axes, groups):
        names = [c for c in cases if c.group == group]
        sizes = [c.k_shape[-1] for c in names]
        for dtype in dtypes:
            for contender, color in (("auto", "tab:blue"), ("fft", "tab:red"), ("PyTorch", "tab:gray")):
                ms = [table[(c.name, dtype)][contender].seconds * 1e3 if contender in table.get((c.name, dtype), {})
                      else np.nan for c in names]
                if not np.all(np.isnan(ms)):
                    ax.semilogy(sizes, ms, styles.get(dtype, "-"), marker="o", color=color,
                                label=f"{contender}, {dtype}")
        ax.set_xlabel("kernel size R = S")
        ax.set_ylabel("ms per convolution")
        ax.set_title(group.replace("sweep ", "") + (": 256x256" if group == "sweep gray" else ": 16 ch, 128x128"))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    ax = axes[-1]
    # The layers Winograd is meant for: many channels (one-channel images are far off this scale).
    stage_cases = [(c.name, d) for c in cases for d in dtypes
                   if c.group == "problems" and c.x_shape[1] >= 16
                   and "winograd: 16 products" in table.get((c.name, d), {})]
    stages = ["winograd: kernel transform", "winograd: input transform", "winograd: 16 products",
              "winograd: output transform"]
    colors = ["tab:olive", "tab:orange", "tab:green", "tab:purple"]
    for i, (name, dtype) in enumerate(stage_cases):
        row = table[(name, dtype)]
        left = 0.0
        auto = row["auto"].seconds
        for stage, color in zip(stages, colors):
            width = row[stage].seconds / auto
            ax.barh(i, width, left=left, color=color, label=stage.split(": ")[1] if i == 0 else None)
            left += width
        if "PyTorch" in row:
            ax.plot(row["PyTorch"].seconds / auto, i, "k|", markersize=18, label="PyTorch" if i == 0 else None)
    ax.axvline(1.0, color="tab:blue", label="auto")
    ax.set_yticks(range(len(stage_cases)), [f"{n}, {d}" for n, d in stage_cases], fontsize=7)
    ax.set_xlabel("time / time of auto")
    ax.set_title("Winograd F(2x2, 3x3) on layers: where the time goes", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer cases and rounds")
    parser.add_argument("--rounds", type=int, default=None, help="timing rounds (default 5, quick 2)")
    parser.add_argument("--cases", nargs="*", default=None, help="names of the cases to run (default: all)")
    parser.add_argument("--dtypes", nargs="*", default=["float32", "float64"])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 2 if args.quick else 5
    return args


def main(argv=None):
    args = parse_args(argv)
    cases = PROBLEMS + SWEEPS
    if args.cases:
        unknown = set(args.cases) - {c.name for c in cases}
        if unknown:
            raise SystemExit(f"unknown cases {sorted(unknown)}; known: {[c.name for c in cases]}")
        cases = [c for c in cases if c.name in args.cases]
    elif args.quick:
        cases = [c for c in cases if c.name in QUICK or (c.group != "problems" and c.k_shape[-1] in (3, 11, 31))]
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    loads = [load()]
    results = []
    for case in cases:
        for dtype in args.dtypes:
            print(f"{case.name}, {dtype}", flush=True)
            results += run_case(case, np.dtype(dtype), args.rounds, rng)
    loads.append(load())
    write_csv(results, args.out / "fast_algorithms.csv")
    write_markdown(results, cases, machine(), loads, args, args.out / "fast_algorithms.md")
    plot(results, cases, args.out / "fast_algorithms.png")
    print("\n".join(verdict(results, cases)))
    print(f"results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
