"""The benchmark script runs and writes its table, CSV and plot (no timing is checked)."""

import csv
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_writes_its_results(tmp_path):
    command = [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--quick", "--rounds", "1",
               "--cases", "original s1", "--dtypes", "float64", "--out", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(open(tmp_path / "bench.csv")))
    by_name = {row["contender"]: row for row in rows}
    for name in ("loops", "tensordot", "einsum", "im2col", "blocked", "mec", "auto", "GEMM limit"):
        assert float(by_name[name]["seconds"]) > 0, name
    for name in ("loops", "im2col", "blocked", "mec", "auto"):
        assert float(by_name[name]["rel_error"]) < 1e-12, name  # checked against im2col
        assert float(by_name[name]["peak_mb"]) >= 0, name
    assert by_name["auto"]["note"].startswith("uses ")
    report = (tmp_path / "bench.md").read_text()
    assert 'method="auto" against the goals' in report and "thread pools" in report
    assert (tmp_path / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_digits_benchmark_writes_its_results(tmp_path):
    """Lesson 08's network, convlab against PyTorch (when installed): one epoch, float64."""
    import json

    import convlab

    command = [sys.executable, str(ROOT / "benchmarks" / "train_digits.py"), "--epochs", "1",
               "--dtypes", "float64", "--repeat", "5", "--out", str(tmp_path)]
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
