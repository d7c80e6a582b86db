"""The benchmark script runs and writes its table, CSV and plot (no timing is checked)."""

import csv
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
