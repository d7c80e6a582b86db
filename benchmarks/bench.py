"""How fast is each way of computing conv2d?  Measured against SciPy, PyTorch and the GEMM limit.

Every ``convlab.conv2d`` method, SciPy's routines where they apply, PyTorch
(when it is installed) and a plain ``np.matmul`` of the same size are timed on
the same inputs, in float32 and float64, in one process:

    python benchmarks/bench.py            # the full run (make bench), a few minutes
    python benchmarks/bench.py --quick    # fewer repeats, under two minutes

Results go to ``benchmarks/results/`` (``--out`` to change): ``bench.csv``
(every number), ``bench.md`` (tables, the machine, the goals) and
``bench.png`` (speed of every method on every case).

How the numbers are made
------------------------
- Each contender runs once to warm up (and to check its result against
  ``REFERENCE``, one product over the whole window matrix), then the
  contenders take turns, one timing each per round, for several rounds
  (:func:`convlab.timing.compare`, the course's one timing loop, with each
  library's own threads); the median is reported.  Taking turns spreads
  the noise of a shared machine over every contender alike.  Calls shorter
  than a few milliseconds are timed in batches.
- **GEMM limit**: ``np.matmul`` of a ``(K, C*R*S)`` by a ``(C*R*S, N*Ho*Wo)``
  matrix, both contiguous and built before timing: the matrix product every
  im2col-style method ends with, without the work of building the windows.
  ``of GEMM limit`` is its time divided by the contender's (1.0 = as fast).
- **Peak memory**: one more call under :mod:`tracemalloc`, which sees every
  NumPy allocation: the largest amount allocated during the call beyond what
  existed before it, the result included.  PyTorch's allocations are not
  visible to it.  The budget is ``max(64 MB, 2 x the output)``.
- ``loops`` runs in full only on small cases.  On larger ones it runs on a
  slice of the work (one image, one kernel, a few output rows) and its time
  is scaled by the ratio of multiply-adds; such rows say "extrapolated".
- A contender whose single warm-up call takes longer than ``--max-call``
  seconds is timed from that one call ("1 run").
"""

from __future__ import annotations

import argparse
import csv
import datetime
import importlib.metadata
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import convlab  # noqa: E402
from convlab.choose import REGISTRY, choose_method  # noqa: E402
from convlab.params import as_pair, canonical  # noqa: E402
from convlab.timing import compare  # noqa: E402

MB = 2**20
BUDGET_FLOOR = 64 * MB
SETTLE = 0.3  # seconds of pause before a group of contenders: idle threads go to sleep
# Every result is checked against this method's: one matrix product over the whole window matrix.
REFERENCE = next(m.name for m in REGISTRY.values() if m.products and not m.bounded_memory)
# Skipped on large cases in --quick: the methods "auto" never chooses (the slow one is run on a slice of
# the work instead), and SciPy's.
QUICK_SKIPS = {m.name for m in REGISTRY.values() if not m.candidate and not m.slow} | {"scipy correlate2d",
                                                                                       "scipy FFT"}


@dataclass
class Case:
    """One benchmark problem: shapes as a learner would pass them to conv2d."""

    name: str
    x_shape: tuple
    k_shape: tuple
    stride: int | tuple = 1
    padding: int | tuple = 0
    large: bool = False  # the GEMM goal applies: a real matrix product (many kernels)
    about: str = ""
    dilation: int | tuple = 1

    @property
    def params(self):
        """stride, padding and dilation, as keyword arguments of conv2d."""
        return dict(stride=self.stride, padding=self.padding, dilation=self.dilation)

    def canonical(self):
        """(N, C, H, W), (K, C, R, S) and (Ho, Wo), as conv2d sees them."""
        x4, k4, _ = canonical(np.empty(self.x_shape, np.int8), np.empty(self.k_shape, np.int8))
        ho, wo = convlab.output_shape(x4.shape[2:], k4.shape[2:], **self.params)
        return x4.shape, k4.shape, (ho, wo)

    def padded(self):
        """The padded input's shape (N, C, H, W), as conv2d passes it to choose_method."""
        (n, c, h, w), _, _ = self.canonical()
        ph, pw = as_pair(self.padding, "padding", 0)
        return n, c, h + 2 * ph, w + 2 * pw

    def macs(self):
        """Multiply-adds of the direct definition."""
        (n, c, _, _), (k, _, r, s), (ho, wo) = self.canonical()
        return n * k * ho * wo * c * r * s


CASES = [
    Case("original s1", (2, 4, 4), (2, 2, 2), 1, 0, about="the stride-tricks example: 2 channels, 4x4, 2x2 kernel"),
    Case("original s2", (2, 4, 4), (2, 2, 2), 2, 0, about="the same with stride 2"),
    Case("gray 3x3", (512, 512), (3, 3), about="grayscale 512x512 image, 3x3 kernel"),
    Case("gray 11x11", (512, 512), (11, 11), about="grayscale 512x512 image, 11x11 kernel"),
    Case("rgb s1", (3, 1024, 1024), (16, 3, 3, 3), 1, 0, True, "RGB 1024x1024, 16 kernels 3x3"),
    Case("rgb s2", (3, 1024, 1024), (16, 3, 3, 3), 2, 0, True, "the same with stride 2"),
    Case("cnn layer", (8, 64, 56, 56), (64, 64, 3, 3), 1, 1, True, "N=8, C=64, 56x56, K=64, 3x3, padding 1"),
    Case("cnn stem", (32, 3, 224, 224), (64, 3, 7, 7), 2, 3, True,
         "N=32, C=3, 224x224, K=64, 7x7, stride 2, padding 3"),
    Case("dilated", (2, 16, 128, 160), (32, 16, 3, 5), (1, 2), (2, 1), True,
         "N=2, C=16, 128x160, K=32, 3x5, stride (1, 2), padding (2, 1), dilation 2", dilation=2),
]


@dataclass
class Contender:
    """A way of computing one case: a callable and what to say about it."""

    name: str
    run: object  # no-argument callable returning the result (or None)
    check: bool = True  # compare its result with REFERENCE's
    memory: bool = True  # measure its peak memory with tracemalloc
    scale: float = 1.0  # time multiplier (extrapolated loops)
    as_result: object = None  # turns what ``run`` returns into the result array
    group: str = "numpy"  # contenders of one group are timed in turns
    slow: bool = False  # timed from one call only
    note: str = ""
    times: list = field(default_factory=list)
    peak: float = math.nan
    error: float = math.nan


# --------------------------------------------------------------------------- contenders


def convlab_contenders(case, x, k, quick):
    """Every conv2d method, and "auto"."""
    params = case.params
    out = []
    for method in convlab.METHODS + ("auto",):
        if method in REGISTRY and REGISTRY[method].slow:
            out.append(loops_contender(case, x, k, quick, method))
            continue
        out.append(Contender(method, lambda m=method: convlab.conv2d(x, k, **params, method=m)))
        if method in REGISTRY and not REGISTRY[method].candidate:
            out[-1].note = "not chosen by auto"
    out[-1].note = f"uses {choose_method(case.padded(), case.canonical()[1], x.dtype, stride=case.stride)}"
    return out


def loops_contender(case, x, k, quick, method):
    """A slow method (Python loops): in full on small cases, else on a slice of the work, scaled up."""
    limit = 2e5 if quick else 2e6  # multiply-adds: about a second of Python
    params = case.params
    total = case.macs()
    if total <= limit:
        return Contender(method, lambda: convlab.conv2d(x, k, **params, method=method))
    # One image, one kernel, and as many output rows as the limit allows.
    xs = x.reshape((-1,) + x.shape[-3:])[0] if x.ndim == 4 else x
    ks = k.reshape((-1,) + k.shape[-3:])[0] if k.ndim == 4 else k
    (_, c, _, _), (_, _, r, s), (ho, wo) = case.canonical()
    rows = max(1, min(ho, int(limit // (wo * c * r * s))))
    (sh, _), (ph, _), (dh, _) = (as_pair(case.params[p], p, 0) for p in ("stride", "padding", "dilation"))
    span = (rows - 1) * sh + (r - 1) * dh + 1  # padded input rows that many output rows read
    xs = xs[..., : max(1, span - ph), :]  # the padding supplies the rest
    sub = Contender(
        method,
        lambda: convlab.conv2d(xs, ks, **params, method=method),
        check=False,
        memory=False,
    )
    sub_macs = _macs(xs.shape, ks.shape, params)
    sub.scale = total / sub_macs
    sub.note = f"extrapolated from {sub_macs / total:.2g} of the work"
    return sub


def _macs(x_shape, k_shape, params):
    x4, k4, _ = canonical(np.empty(x_shape, np.int8), np.empty(k_shape, np.int8))
    ho, wo = convlab.output_shape(x4.shape[2:], k4.shape[2:], **params)
    return x4.shape[0] * k4.shape[0] * ho * wo * x4.shape[1] * k4.shape[2] * k4.shape[3]


def gemm_contender(case, dtype, rng):
    """np.matmul of the im2col product's shape, from matrices built beforehand."""
    (n, c, _, _), (kk, _, r, s), (ho, wo) = case.canonical()
    a = np.ascontiguousarray(rng.standard_normal((kk, c * r * s)).astype(dtype))
    b = np.ascontiguousarray(rng.standard_normal((c * r * s, n * ho * wo)).astype(dtype))
    return Contender("GEMM limit", lambda: a @ b, check=False, memory=False,
                     note=f"({kk} x {c * r * s}) @ ({c * r * s} x {n * ho * wo})")


def scipy_contenders(case, x, k):
    """SciPy where it applies: correlate2d, ndimage.correlate, FFT for large kernels."""
    from scipy import ndimage, signal

    if case.dilation != 1 or not isinstance(case.stride, int) or not isinstance(case.padding, int):
        return [Contender("scipy correlate2d", None, note="skipped: no dilation, nor stride and padding pairs")]
    x4, k4, lead = canonical(x, k)
    n, c = x4.shape[:2]
    kk, _, r, s = k4.shape
    st, p = case.stride, case.padding
    pad = ((0, 0), (0, 0), (p, p), (p, p))
    out = []

    def per_plane(correlate):
        """Sum over channels of a 2-D routine, for every image and kernel."""
        def run():
            xp = np.pad(x4, pad) if p else x4
            rows = [[sum(correlate(xp[i, ch], k4[f, ch]) for ch in range(c))[::st, ::st]
                     for f in range(kk)] for i in range(n)]
            return np.asarray(rows).reshape(lead + np.shape(rows[0][0]))
        return run

    calls = n * kk * c
    if calls <= 64:
        out.append(Contender("scipy correlate2d",
                             per_plane(lambda a, b: signal.correlate2d(a, b, mode="valid")),
                             note=f"{calls} calls" if calls > 1 else ""))
    else:
        out.append(Contender("scipy correlate2d", None, note=f"skipped: {calls} calls of a 2-D routine"))
    if x.ndim == 2:
        def nd():
            full = ndimage.correlate(np.pad(x, p) if p else x, k, mode="constant")
            # ndimage centres the kernel: valid outputs start at (R // 2, S // 2)
            h, w = full.shape
            return full[r // 2 : h - (r - 1 - r // 2) : st, s // 2 : w - (s - 1 - s // 2) : st]
        out.append(Contender("scipy ndimage", nd))
    if r * s >= 49:
        def fft():
            xp = np.pad(x4, pad) if p else x4
            flipped = k4[:, :, ::-1, ::-1]
            # each image against every kernel, all channels at once, summed over channels
            res = np.stack([signal.fftconvolve(xi[None], flipped, mode="valid", axes=(2, 3)).sum(axis=1)
                            for xi in xp])[:, :, ::st, ::st]
            return res.reshape(lead + res.shape[-2:])
        out.append(Contender("scipy FFT", fft, note="fftconvolve; rounding spreads over the output"))
    return out


def torch_contender(case, x, k):
    """PyTorch's conv2d on tensors that share the NumPy arrays' memory."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return [Contender("PyTorch", None, note="skipped: not installed")]
    x4, k4, lead = canonical(x, k)
    xt, kt = torch.from_numpy(np.ascontiguousarray(x4)), torch.from_numpy(np.ascontiguousarray(k4))

    def run():
        return F.conv2d(xt, kt, **case.params)

    shape = lead + case.canonical()[2]
    return [Contender("PyTorch", run, memory=False, as_result=lambda t: t.numpy().reshape(shape), group="torch",
                      note=f"{torch.get_num_threads()} threads")]


# --------------------------------------------------------------------------- measuring


def peak_memory(run):
    """Bytes allocated at the peak of one call of ``run``, beyond what existed before."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = run()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    del result
    return peak


def measure(contenders, reference, rounds, max_call, batch_seconds, quick=False):
    """Warm up and check each contender, then time them in turns for ``rounds`` rounds.

    PyTorch is timed apart from the rest, after a pause: its OpenMP threads
    and NumPy's OpenBLAS threads both keep spinning for a while after each
    call, and on a small machine each library's threads then slow the other
    down many times over.  (Inside one library, taking turns is fair.)
    """
    groups = {}
    for cont in contenders:
        if cont.run is not None:
            groups.setdefault(cont.group, []).append(cont)
    for group in groups.values():
        time.sleep(SETTLE)
        active = [cont for cont in group if warm_up(cont, reference, max_call)]
        if active:  # in turns, a different order each round (convlab.timing), threads as each library sets them
            timed = compare({str(i): cont.run for i, cont in enumerate(active)}, rounds=rounds,
                            min_time=batch_seconds, threads=None)
            for i, cont in enumerate(active):
                cont.times.extend(timed.samples[str(i)])
    time.sleep(SETTLE)
    for cont in contenders:
        if cont.run is not None and cont.memory and not (quick and cont.slow):
            cont.peak = peak_memory(cont.run)


def warm_up(cont, reference, max_call):
    """Run ``cont`` once or twice and check it; False if it is too slow to repeat."""
    start = time.perf_counter()
    result = cont.run()
    first = time.perf_counter() - start
    if cont.check and reference is not None:
        cont.error = relative_error(cont.as_result(result) if cont.as_result else result, reference)
    del result
    if first < max_call:  # a second call: first calls pay one-off set-up costs
        start = time.perf_counter()
        cont.run()
        first = time.perf_counter() - start
    if first > max_call:
        cont.slow, cont.times = True, [first]
        cont.note = "; ".join(filter(None, [cont.note, "1 run"]))
        return False
    return True


def relative_error(result, reference):
    result, reference = np.asarray(result, np.float64), np.asarray(reference, np.float64)
    if result.shape != reference.shape:
        raise AssertionError(f"shape {result.shape}, expected {reference.shape}")
    scale = np.max(np.abs(reference)) or 1.0
    return float(np.max(np.abs(result - reference)) / scale)


def run_case(case, dtype, args, rng):
    """All rows (dicts) of one case in one dtype."""
    x = rng.standard_normal(case.x_shape).astype(dtype)
    k = rng.standard_normal(case.k_shape).astype(dtype)
    contenders = convlab_contenders(case, x, k, args.quick)
    contenders += scipy_contenders(case, x, k)
    contenders += torch_contender(case, x, k)
    contenders += [gemm_contender(case, dtype, rng)]
    if args.methods:
        contenders = [c for c in contenders if c.name in args.methods]
    if args.quick and case.large:
        # seconds per call on these cases, and nothing the table needs from them in a quick look
        for cont in contenders:
            if cont.name in QUICK_SKIPS and cont.run is not None:
                cont.run, cont.note = None, "skipped in --quick"
    reference = convlab.conv2d(x, k, **case.params, method=REFERENCE)
    measure(contenders, reference, args.rounds, args.max_call, args.batch, args.quick)

    out_bytes = reference.nbytes
    budget = max(BUDGET_FLOOR, 2 * out_bytes)
    flops = 2 * case.macs()
    seconds = {c.name: statistics.median(c.times) * c.scale for c in contenders if c.times}
    rows = []
    for cont in contenders:
        t = seconds.get(cont.name)
        rows.append({
            "case": case.name,
            "dtype": np.dtype(dtype).name,
            "contender": cont.name,
            "seconds": t,
            "runs": len(cont.times),
            "gflops": flops / t / 1e9 if t else None,
            "x_torch": t / seconds["PyTorch"] if t and "PyTorch" in seconds else None,
            "of_gemm_limit": seconds["GEMM limit"] / t if t and "GEMM limit" in seconds else None,
            "peak_mb": cont.peak / MB if not math.isnan(cont.peak) else None,
            "budget_mb": budget / MB,
            "rel_error": cont.error if not math.isnan(cont.error) else None,
            "note": cont.note,
        })
    return rows


# --------------------------------------------------------------------------- reporting


def machine():
    """What the numbers were measured on."""
    info = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "numpy": np.__version__,
    }
    for name in ("scipy", "torch", "threadpoolctl"):
        try:  # from the installed package's metadata: importing PyTorch only to name it takes seconds
            info[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            info[name] = "not installed"
    try:
        from threadpoolctl import threadpool_info

        info["thread pools"] = "; ".join(
            f"{p.get('internal_api')} {p.get('version') or ''} ({p.get('prefix')}, "
            f"{p.get('num_threads')} threads{', ' + p['architecture'] if p.get('architecture') else ''})"
            for p in threadpool_info()
        )
    except ImportError:
        info["thread pools"] = "unknown (threadpoolctl not installed)"
    return info


def _cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load():
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def select_cases(names):
    """The cases of :data:`CASES` named in ``names`` ("a, b"; all when empty), or exit naming the unknown ones."""
    if not names:
        return CASES
    wanted = [name.strip() for name in names.split(",")]
    unknown = set(wanted) - {c.name for c in CASES}
    if unknown:
        sys.exit(f"unknown case(s) {sorted(unknown)}; choose from {[c.name for c in CASES]}")
    return [c for c in CASES if c.name in wanted]


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: csv_value(v) for k, v in row.items()})


def csv_value(v):
    if isinstance(v, float):
        return f"{v:.6g}"
    return "" if v is None else v


def _ms(seconds):
    if seconds is None:
        return "–"
    ms = seconds * 1e3
    return f"{ms:.3g}" if ms < 1000 else f"{ms:,.0f}"


def _num(v, fmt):
    return "–" if v is None else format(v, fmt)


def goals(rows, cases):
    """The issue's goals for method="auto", one line per case and dtype."""
    large = {c.name for c in cases if c.large}
    out = []
    for row in rows:
        if row["contender"] != "auto" or row["seconds"] is None:
            continue
        checks = []
        if row["x_torch"] is not None:
            limit = 1.0 if row["dtype"] == "float64" else 1.5
            checks.append(("faster than PyTorch" if limit == 1.0 else "within 1.5x of PyTorch",
                           row["x_torch"] < limit))
        if row["case"] in large and row["of_gemm_limit"] is not None:
            checks.append((">= 70 % of GEMM limit", row["of_gemm_limit"] >= 0.7))
        if row["peak_mb"] is not None:
            checks.append(("memory within budget", row["peak_mb"] <= row["budget_mb"]))
        out.append((row, checks))
    return out


def write_markdown(rows, cases, info, loads, path, args):
    lines = ["# conv2d benchmark", ""]
    lines.append(f"`python benchmarks/bench.py{' --quick' if args.quick else ''}` — "
                 f"{args.rounds} rounds, medians; load average (which counts this run's own threads) "
                 f"before {loads[0]}, after {loads[1]}.")
    lines.append("")
    lines += ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in info.items()] + [""]
    lines += ["## Cases", "", "| case | x | k | stride | padding | dilation | output | MFLOP | |",
              "|---|---|---|---|---|---|---|---|---|"]
    for c in cases:
        _, _, (ho, wo) = c.canonical()
        lines.append(f"| {c.name} | {c.x_shape} | {c.k_shape} | {c.stride} | {c.padding} | {c.dilation} | {ho}x{wo} | "
                     f"{2 * c.macs() / 1e6:.3g} | {c.about} |")
    lines += ["", "## method=\"auto\" against the goals", "",
              "Goals: float64 faster than PyTorch; float32 within 1.5x of PyTorch; large cases (marked *) "
              "at least 70 % of the GEMM limit; peak extra memory within max(64 MB, 2x the output).", "",
              "| case | dtype | auto uses | auto ms | PyTorch ms | auto / PyTorch | GEMM limit ms | of GEMM limit "
              "| peak MB | budget MB | goals missed |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    by = {(r["case"], r["dtype"], r["contender"]): r for r in rows}
    large = {c.name for c in cases if c.large}
    for row, checks in goals(rows, cases):
        torch_row = by.get((row["case"], row["dtype"], "PyTorch"), {})
        gemm_row = by.get((row["case"], row["dtype"], "GEMM limit"), {})
        missed = ", ".join(name for name, ok in checks if not ok) or "none"
        star = "*" if row["case"] in large else ""
        lines.append(
            f"| {row['case']}{star} | {row['dtype']} | {row['note'].removeprefix('uses ')} | {_ms(row['seconds'])} | "
            f"{_ms(torch_row.get('seconds'))} | {_num(row['x_torch'], '.2f')} | {_ms(gemm_row.get('seconds'))} | "
            f"{_num(row['of_gemm_limit'], '.0%')} | {_num(row['peak_mb'], '.1f')} | {row['budget_mb']:.0f} | {missed} |"
        )
    for dtype in dict.fromkeys(r["dtype"] for r in rows):
        names = list(dict.fromkeys(r["contender"] for r in rows if r["dtype"] == dtype))
        case_names = list(dict.fromkeys(r["case"] for r in rows if r["dtype"] == dtype))
        for title, key, fmt in [("time, ms", "seconds", None), ("GFLOP/s", "gflops", ".3g"),
                                ("peak extra memory, MB", "peak_mb", ".3g")]:
            lines += ["", f"## {dtype}: {title}", "", "| | " + " | ".join(case_names) + " |",
                      "|---" * (len(case_names) + 1) + "|"]
            for name in names:
                cells = []
                for case_name in case_names:
                    row = by.get((case_name, dtype, name))
                    value = row and row[key]
                    cells.append(_ms(value) if fmt is None and value is not None else
                                 ("–" if value is None else format(value, fmt)))
                lines.append(f"| {name} | " + " | ".join(cells) + " |")
    notes = {}
    for r in rows:
        if r["note"] and r["contender"] != "auto":
            notes.setdefault((r["contender"], r["note"]), []).append(f"{r['case']} {r['dtype']}")
    if notes:
        lines += ["", "## Notes", ""]
        for (name, note), where in notes.items():
            everywhere = len(where) == sum(r["contender"] == name for r in rows)
            lines.append(f"- {name}: {note}" + ("" if everywhere else f" ({', '.join(where)})"))
    errors = [r for r in rows if r["rel_error"] is not None and r["rel_error"] > 1e-3]
    if errors:
        lines += ["", f"Largest errors relative to the largest output ({REFERENCE} as reference):", ""]
        lines += [f"- {r['case']} {r['dtype']} {r['contender']}: {r['rel_error']:.2g}" for r in errors]
    Path(path).write_text("\n".join(lines) + "\n")


def plot(rows, cases, path):
    """GFLOP/s of every contender on every case, one panel per dtype, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dtypes = list(dict.fromkeys(r["dtype"] for r in rows))
    case_names = [c.name for c in cases if any(r["case"] == c.name for r in rows)]
    names = [n for n in dict.fromkeys(r["contender"] for r in rows) if n != "GEMM limit"]
    fig, axes = plt.subplots(1, len(dtypes), figsize=(6.5 * len(dtypes), 5.2), sharey=True, squeeze=False)
    markers = "os^vD<>phX*P8"
    colors = plt.get_cmap("tab10").colors + ("#555555", "#b8860b", "#00008b")
    for ax, dtype in zip(axes[0], dtypes):
        by = {(r["case"], r["contender"]): r for r in rows if r["dtype"] == dtype}
        for i, name in enumerate(names):
            xs, ys = [], []
            for j, case_name in enumerate(case_names):
                row = by.get((case_name, name))
                if row and row["gflops"]:
                    xs.append(j + (i - len(names) / 2) * 0.04)
                    ys.append(row["gflops"])
            style = dict(marker=markers[i % len(markers)], color=colors[i % len(colors)], label=name,
                         linestyle="none", markersize=7 if name == "auto" else 5)
            if name == "auto":
                style.update(color="black", markerfacecolor="none", markeredgewidth=2, zorder=5)
            ax.plot(xs, ys, **style)
        for j, case_name in enumerate(case_names):
            row = by.get((case_name, "GEMM limit"))
            if row and row["gflops"]:
                ax.hlines(row["gflops"], j - 0.35, j + 0.35, color="grey", linewidth=3, alpha=0.6,
                          label="GEMM limit" if j == 0 else None)
        ax.set_yscale("log")
        ax.set_xticks(range(len(case_names)), case_names, rotation=35, ha="right")
        ax.set_title(dtype)
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0][0].set_ylabel("GFLOP/s (higher is faster)")
    axes[0][-1].legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    fig.suptitle("conv2d: useful floating-point operations per second (2 x multiply-adds / time)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------- main


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and shorter loops: under two minutes")
    parser.add_argument("--cases", help="comma-separated case names (default: all); "
                        + ", ".join(c.name for c in CASES))
    parser.add_argument("--dtypes", default="float32,float64", help="comma-separated (default: %(default)s)")
    parser.add_argument("--methods", help="comma-separated contenders to run (default: all)")
    parser.add_argument("--rounds", type=int, help="timed rounds per contender (default: 7, quick: 3)")
    parser.add_argument("--max-call", type=float, help="seconds; slower contenders are timed once "
                        "(default: 3, quick: 1)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="output folder")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (3 if args.quick else 7)
    args.max_call = args.max_call or (1.0 if args.quick else 3.0)
    args.batch = 0.02 if args.quick else 0.05  # seconds per timing of short calls
    args.methods = set(args.methods.split(",")) if args.methods else None
    return args


def main(argv=None):
    args = parse_args(argv)
    cases = select_cases(args.cases)
    try:
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
    except ImportError:
        pass
    args.out.mkdir(parents=True, exist_ok=True)
    loads = [load()]
    rng = np.random.default_rng(0)
    rows = []
    for case in cases:
        for dtype in args.dtypes.split(","):
            started = time.perf_counter()
            case_rows = run_case(case, np.dtype(dtype), args, rng)
            rows += case_rows
            auto = next((r for r in case_rows if r["contender"] == "auto" and r["seconds"]), None)
            summary = f"auto {_ms(auto['seconds'])} ms, {auto['note']}" if auto else ""
            print(f"{case.name:12} {dtype:8} {time.perf_counter() - started:6.1f} s  {summary}", flush=True)
    loads.append(load())
    info = machine()
    write_csv(rows, args.out / "bench.csv")
    write_markdown(rows, cases, info, loads, args.out / "bench.md", args)
    plot(rows, cases, args.out / "bench.png")
    print(f"wrote {args.out / 'bench.md'}, bench.csv and bench.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
