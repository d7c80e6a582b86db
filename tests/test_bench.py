"""The benchmark scripts: they run, their derived numbers follow from their measurements, and a
wrong result is caught before anything is timed.  No time is checked: speed is the scripts' business.
"""

import csv
import importlib.util
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


import blocks  # noqa: E402

import bench  # noqa: E402

import convlab  # noqa: E402
from convlab.choose import choose_method  # noqa: E402

HAS_TORCH = importlib.util.find_spec("torch") is not None  # the scripts time PyTorch exactly when it is installed

pytestmark = pytest.mark.long(28)  # seconds on two cores


def run_script(name, *args):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / name), *args],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_quick_benchmark_writes_consistent_results(tmp_path):
    run_script("bench.py", "--quick", "--rounds", "1", "--cases", "original s1", "--dtypes", "float64",
               "--out", str(tmp_path))
    rows = list(csv.DictReader(open(tmp_path / "bench.csv")))
    by_name = {row["contender"]: row for row in rows}
    assert set(convlab.METHODS) | {"auto", "GEMM limit"} <= set(by_name)
    case = next(c for c in bench.CASES if c.name == "original s1")
    (n, _, _, _), (kk, _, _, _), (ho, wo) = case.canonical()
    output_mb = n * kk * ho * wo * np.dtype(np.float64).itemsize / bench.MB
    for name in (*convlab.METHODS, "auto"):
        assert float(by_name[name]["rel_error"]) < 1e-12, name  # every method checked against im2col
        # the peak counts everything the call allocates, its new output included
        assert float(by_name[name]["peak_mb"]) >= output_mb * (1 - 1e-5), name
    # the derived columns follow from the times, in every row
    seconds = {name: float(row["seconds"]) for name, row in by_name.items() if row["seconds"]}
    assert ("PyTorch" in seconds) == HAS_TORCH  # timed when installed, a row saying it was skipped otherwise
    for name, t in seconds.items():
        row = by_name[name]
        assert math.isclose(float(row["gflops"]), 2 * case.macs() / t / 1e9, rel_tol=1e-4), name
        assert math.isclose(float(row["of_gemm_limit"]), seconds["GEMM limit"] / t, rel_tol=1e-4), name
        if HAS_TORCH:
            assert math.isclose(float(row["x_torch"]), t / seconds["PyTorch"], rel_tol=1e-4), name
    # "auto" says which method it used, and that is the method choose_method names
    x_shape, k_shape, _ = case.canonical()
    chosen = choose_method(x_shape, k_shape, np.dtype(np.float64), stride=case.stride)
    assert by_name["auto"]["note"] == f"uses {chosen}"
    report = (tmp_path / "bench.md").read_text()
    assert 'method="auto" against the goals' in report and "thread pools" in report
    auto_ms = re.search(r"^\| original s1 \| float64 \| \w+ \| ([\d.]+) \|", report, re.M)
    assert auto_ms and float(auto_ms[1]) == float(bench._ms(seconds["auto"]))
    assert (tmp_path / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"



def test_limit_benchmark_writes_consistent_results(tmp_path):
    """conv2d against its bare product and PyTorch, one thread and all: the ratios follow from the times."""
    run_script("limit.py", "--quick", "--rounds", "1", "--cases", "original s2,dilated", "--dtypes", "float64",
               "--out", str(tmp_path))
    rows = list(csv.DictReader(open(tmp_path / "limit.csv")))
    assert {(row["case"], row["threads"]) for row in rows} == {
        (case, threads) for case in ("original s2", "dilated") for threads in ("one", "all")}
    for row in rows:
        conv2d, product = float(row["conv2d_ms"]), float(row["product_ms"])
        assert float(row["rel_error"]) < 1e-12
        assert math.isclose(float(row["efficiency"]), product / conv2d, rel_tol=1e-4)
        assert bool(row["torch_ms"]) == HAS_TORCH
        if HAS_TORCH:
            torch_ms = float(row["torch_ms"])
            assert math.isclose(float(row["conv2d_vs_torch"]), conv2d / torch_ms, rel_tol=1e-4)
            assert math.isclose(float(row["product_vs_torch"]), product / torch_ms, rel_tol=1e-4)
        case = next(c for c in bench.CASES if c.name == row["case"])
        assert row["auto uses"] == choose_method(case.padded(), case.canonical()[1], np.dtype(np.float64),
                                              stride=case.stride)
    report = (tmp_path / "limit.md").read_text()
    assert "## Verdict (all threads)" in report and "## One thread each" in report and "thread pools" in report


def test_blocks_benchmark_writes_consistent_results(tmp_path):
    """Block sizes, one thread and all; the blocks shared out to two workers only with all threads."""
    run_script("blocks.py", "--quick", "--rounds", "1", "--cases", "original s2", "--out", str(tmp_path))
    rows = list(csv.DictReader(open(tmp_path / "blocks.csv")))
    assert {(row["case"], row["dtype"], row["threads"]) for row in rows} == {
        ("original s2", dtype, threads) for dtype in ("float32", "float64") for threads in ("one", "all")}
    for row in rows:
        assert float(row["product_ms"]) > 0
        assert all(float(row[blocks.column(size)]) > 0 for size in blocks.SIZES[1::2])
        assert (row[blocks.WORKERS] != "") == (row["threads"] == "all")
    report = (tmp_path / "blocks.md").read_text()
    assert report.count(f"**{blocks.WORKERS}**") == 1 and "## One thread" in report


@pytest.mark.parametrize("stride, dilation", [((1, 1), (1, 1)), ((2, 3), (1, 2)), ((3, 2), (2, 1))])
def test_blocks_in_workers_agree_with_im2col(stride, dilation):
    """The two-worker variant blocks.py times computes the convolution, block boundaries included."""
    from concurrent.futures import ThreadPoolExecutor

    from convlab.methods import conv_im2col

    rng = np.random.default_rng(7)
    x, k = rng.standard_normal((3, 2, 17, 19)), rng.standard_normal((4, 2, 3, 2))
    with ThreadPoolExecutor(blocks.THREADS) as pool:
        got = blocks.blocked_in_workers(x, k, stride, dilation, pool, block_bytes=1)  # one output row a block
    np.testing.assert_allclose(got, conv_im2col(x, k, stride, dilation), rtol=1e-12, atol=1e-12)


def test_train_digits_benchmark_writes_its_results(tmp_path):
    """Lesson 09's network, convlab against PyTorch (when installed): one epoch, float64."""
    import json

    import convlab

    command = [sys.executable, str(ROOT / "benchmarks" / "train_digits.py"), "--epochs", "1",
               "--dtypes", "float64", "--rounds", "3", "--out", str(tmp_path)]
    # one thread each: quick on a busy machine (nothing here checks a timing)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "train_digits.json").read_text())
    assert result["seconds_per_epoch"]["convlab"]["float64"] > 0
    assert 0.5 < result["held_out_accuracy"]["convlab"]["float64"] <= 1
    assert set(result["auto_methods"].values()) <= set(convlab.METHODS)
    assert set(result["convlab_layer_ms"]) >= {"conv 1", "pool 1", "conv 2", "pool 2", "dense"}
    if result["seconds_per_epoch"]["PyTorch"]:
        # the same network: one step agrees, and after an epoch both classify alike
        assert result["max_relative_difference_first_step"]["float64"] < 1e-9
        assert result["held_out_accuracy"]["PyTorch"]["float64"] == result["held_out_accuracy"]["convlab"]["float64"]
    assert "convlab (NumPy) against PyTorch" in (tmp_path / "train_digits.md").read_text()
