"""The FFT and Winograd benchmark runs and writes its table, CSV and plot (no timing is checked)."""

import csv
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import fast_algorithms  # noqa: E402

from convlab.choose import REGISTRY  # noqa: E402


def test_quick_fast_algorithms_benchmark_writes_its_results(tmp_path):
    command = [sys.executable, str(ROOT / "benchmarks" / "fast_algorithms.py"), "--quick", "--rounds", "1",
               "--cases", "gray 3x3", "gray 256x256, 5x5", "--dtypes", "float64", "--out", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(open(tmp_path / "fast_algorithms.csv")))
    problem = {row["contender"]: row for row in rows if row["case"] == "gray 3x3"}
    auto_ms = float(problem["auto"]["ms"])
    products = [name for name, m in REGISTRY.items() if m.products and name != fast_algorithms.REFERENCE]
    for name in ("auto", *products, "fft", "winograd", "winograd: 16 products"):
        # every contender was timed, and its ratio to auto follows from the two times
        assert math.isclose(float(problem[name]["vs_auto"]), float(problem[name]["ms"]) / auto_ms, rel_tol=1e-3), name
    for name in (*products, "fft", "winograd"):
        assert float(problem[name]["rel_error"]) < 1e-12, name  # checked against REFERENCE
    assert float(problem["auto"]["vs_auto"]) == 1
    sweep = {row["contender"] for row in rows if row["case"] == "gray 256x256, 5x5"}
    assert {"auto", "fft"} <= sweep and "winograd" not in sweep and not sweep & set(products)
    report = (tmp_path / "fast_algorithms.md").read_text()
    assert "## Verdict" in report and "Where Winograd's time goes" in report
    assert (tmp_path / "fast_algorithms.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
