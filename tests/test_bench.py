"""The benchmark scripts: they run, their derived numbers follow from their measurements, and a
wrong result is caught before anything is timed.  No time is checked: speed is the scripts' business.
"""

import csv
import math
import re
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import overhead  # noqa: E402

import bench  # noqa: E402

import convlab  # noqa: E402
from convlab.choose import choose_method  # noqa: E402


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
    for name in (*convlab.METHODS, "auto"):
        assert float(by_name[name]["rel_error"]) < 1e-12, name  # every method checked against im2col
        assert float(by_name[name]["peak_mb"]) >= 0, name
    # the derived columns follow from the times, in every row
    case = next(c for c in bench.CASES if c.name == "original s1")
    seconds = {name: float(row["seconds"]) for name, row in by_name.items() if row["seconds"]}
    for name, t in seconds.items():
        row = by_name[name]
        assert math.isclose(float(row["gflops"]), 2 * case.macs() / t / 1e9, rel_tol=1e-4), name
        assert math.isclose(float(row["of_gemm_limit"]), seconds["GEMM limit"] / t, rel_tol=1e-4), name
        if "PyTorch" in seconds:
            assert math.isclose(float(row["x_torch"]), t / seconds["PyTorch"], rel_tol=1e-4), name
    # "auto" says which method it used, and that is the method choose_method names
    x_shape, k_shape, _ = case.canonical()
    assert by_name["auto"]["note"] == f"uses {choose_method(x_shape, k_shape, np.dtype(np.float64))}"
    report = (tmp_path / "bench.md").read_text()
    assert 'method="auto" against the goals' in report and "thread pools" in report
    auto_ms = re.search(r"^\| original s1 \| float64 \| \w+ \| ([\d.]+) \|", report, re.M)
    assert auto_ms and float(auto_ms[1]) == float(bench._ms(seconds["auto"]))
    assert (tmp_path / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_wrong_result_is_reported(monkeypatch, tmp_path):
    """A contender whose numbers are wrong gets a large error, and the report lists it."""
    def with_a_wrong_one(case, x, k, quick):
        flipped = k[..., ::-1, ::-1]
        return [bench.Contender("flipped kernel", lambda: convlab.conv2d(x, flipped, stride=case.stride))]

    monkeypatch.setattr(bench, "convlab_contenders", with_a_wrong_one)
    monkeypatch.setattr(bench, "torch_contender", lambda case, x, k: [])
    args = Namespace(methods=None, quick=True, rounds=1, max_call=1.0, batch=0.001)
    case = next(c for c in bench.CASES if c.name == "original s1")
    rows = bench.run_case(case, np.dtype(np.float64), args, np.random.default_rng(0))
    wrong = next(r for r in rows if r["contender"] == "flipped kernel")
    assert wrong["rel_error"] > 0.1
    bench.write_markdown(rows, [case], {"cpu": "test"}, ["0", "0"], tmp_path / "bench.md", args)
    report = (tmp_path / "bench.md").read_text()
    assert "Largest errors" in report and "original s1 float64 flipped kernel" in report


@pytest.mark.parametrize("case", bench.CASES, ids=[c.name for c in bench.CASES])
def test_multiply_adds_are_counted_from_the_definition(case):
    """GFLOP/s are only as right as the count of multiply-adds: N*K*Ho*Wo*C*R*S, counted here directly."""
    x_shape = (1,) * (4 - len(case.x_shape)) + case.x_shape
    k_shape = (1,) * (4 - len(case.k_shape)) + case.k_shape
    (n, c, h, w), (kk, _, r, s) = x_shape, k_shape
    ho = (h + 2 * case.padding - r) // case.stride + 1
    wo = (w + 2 * case.padding - s) // case.stride + 1
    assert case.macs() == n * kk * ho * wo * c * r * s
    if n * c * h * w <= 10**5:  # and conv2d agrees about the output's size
        out = convlab.conv2d(np.zeros(case.x_shape), np.zeros(case.k_shape), case.stride, case.padding)
        assert out.shape[-2:] == (ho, wo)


def test_overhead_script_reports_its_ratio(tmp_path):
    printed = run_script("overhead.py", "--quick", "--rounds", "2", "--batch", "0.002", "--out", str(tmp_path))
    rows = list(csv.DictReader(open(tmp_path / "overhead.csv")))
    examples = {e.name for e in overhead.EXAMPLES}
    assert {r["example"] for r in rows} == examples
    for example in examples:
        mine = [r for r in rows if r["example"] == example]
        base = next(float(r["seconds"]) for r in mine if r["contender"] == "tensordot on the view")
        for r in mine:  # every ratio is that row's time over the same example's tensordot
            assert math.isclose(float(r["x_tensordot"]), float(r["seconds"]) / base, rel_tol=1e-4), r
        assert {"conv2d auto", "check_args"} <= {r["contender"] for r in mine}
    first = next(float(r["x_tensordot"]) for r in rows
                 if r["example"] == overhead.EXAMPLES[0].name and r["contender"] == "conv2d auto")
    assert f"{first:.2f}x" in printed
    report = (tmp_path / "overhead.md").read_text()
    assert f"**Measured:** {first:.2f}x" in report and "Where conv2d's time goes" in report


def test_overhead_script_checks_results_before_timing(monkeypatch):
    """conv2d giving a wrong answer stops the overhead benchmark: it never times a wrong computation."""
    monkeypatch.setattr(overhead, "torch_call", lambda x, k: None)
    right = convlab.conv2d
    monkeypatch.setattr(convlab, "conv2d", lambda x, k, **kw: right(x, k[..., ::-1, ::-1], **kw))
    with pytest.raises(AssertionError, match="conv2d auto"):
        overhead.measure(overhead.EXAMPLES[0], rounds=1, batch=1e-4, rng=np.random.default_rng(0))
