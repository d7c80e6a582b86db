"""convlab.timing: contenders in turns, the best of rounds, one thread each, the load recorded.

These tests check how the measurement is made (order, threads, what is kept), never how fast
anything is: speed claims belong in benchmarks/.
"""

import ast
import time
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import convlab
from convlab import choose, timing

ROOT = Path(__file__).resolve().parent.parent


def recorder(calls, name):
    return lambda: calls.append(name)


def test_contenders_take_turns_each_round_starting_with_another():
    calls = []
    timings = timing.compare({n: recorder(calls, n) for n in "abc"}, rounds=4, min_time=0)
    # each is warmed up and sized (one call each: with min_time 0 a batch is one call), then the rounds
    assert calls[:6] == ["a", "a", "b", "b", "c", "c"]
    assert calls[6:] == list("abc" "bca" "cab" "abc")
    assert list(timings.seconds) == ["a", "b", "c"] and timings.rounds == 4
    assert timings.number == {"a": 1, "b": 1, "c": 1}


def test_the_best_round_counts():
    # warm-up, sizing, then three rounds: the short one 100 times shorter, so that a loaded machine's
    # late wake-ups (a 2 ms sleep measured 24 ms in one run of make test) cannot reorder them
    delays = iter([0.0, 0.0, 0.2, 0.002, 0.2])

    t = timing.compare({"f": lambda: time.sleep(next(delays))}, rounds=3, min_time=0)
    assert t["f"] == min(t.samples["f"]) == t.samples["f"][1]
    assert 0.002 <= t["f"] < 0.2


def test_short_calls_are_timed_in_batches_long_enough_to_measure():
    t = timing.compare({"tiny": lambda: None}, rounds=1, min_time=0.002)
    assert t.number["tiny"] >= 100 and t.number["tiny"] in {m * 10**e for m in (1, 2, 5) for e in range(12)}


def test_one_thread_for_blas_while_timing_and_the_threads_put_back_after():
    seen = []
    before = [pool["num_threads"] for pool in threadpool_info()]
    timing.compare({"f": lambda: seen.append([pool["num_threads"] for pool in threadpool_info()])},
                   rounds=1, min_time=0)
    assert seen and all(threads == [1] * len(before) for threads in seen)
    assert [pool["num_threads"] for pool in threadpool_info()] == before
    seen.clear()
    timing.compare({"f": lambda: seen.append([pool["num_threads"] for pool in threadpool_info()])},
                   rounds=1, min_time=0, threads=None)
    assert all(threads == before for threads in seen)


def test_one_thread_for_pytorch_when_it_is_imported():
    torch = pytest.importorskip("torch")
    saved = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        seen = []
        timing.compare({"f": lambda: seen.append(torch.get_num_threads())}, rounds=1, min_time=0)
        assert set(seen) == {1} and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(saved)


def test_the_load_is_recorded_and_described():
    t = timing.compare({"f": lambda: None}, rounds=2, min_time=0)
    assert t.load is None or (len(t.load) == 2 and min(t.load) >= 0)
    assert t.describe().startswith("one thread each, in turns, best of 2 rounds")
    assert timing.compare({"f": lambda: None}, rounds=1, min_time=0, threads=None).describe().startswith(
        "each library's default threads")


def test_ratio_and_fastest():
    t = timing.Timings({"slow": 4.0, "fast": 1.0}, 1, {"slow": 1, "fast": 1}, 1, None)
    assert t.ratio("slow", "fast") == 4.0 and t.fastest() == "fast"


@pytest.mark.parametrize("kwargs", [dict(contenders={}), dict(rounds=0), dict(rounds=True), dict(min_time=-1),
                                    dict(threads=2)])
def test_bad_arguments(kwargs):
    arguments = {"contenders": {"f": lambda: None}, **kwargs}
    with pytest.raises(ValueError):
        timing.compare(arguments.pop("contenders"), **arguments)


def test_choose_method_measures_with_the_one_timing_loop(monkeypatch):
    used = []

    def spy(contenders, **kwargs):
        used.append((sorted(contenders), kwargs))
        return timing.Timings({name: float(i + 1) for i, name in enumerate(contenders)}, 1,
                              dict.fromkeys(contenders, 1), None, None)

    monkeypatch.setattr(choose, "compare", spy)
    x, k = np.ones((1, 2, 9, 9)), np.ones((3, 2, 3, 3))
    fastest, times = convlab.choose_method(x, k, measure=True)
    assert used and used[0][0] == sorted(choose.CANDIDATES) and used[0][1]["threads"] is None
    assert fastest == choose.CANDIDATES[0] and sorted(times) == sorted(choose.CANDIDATES)


def test_the_package_has_one_timing_loop():
    """No module but convlab.timing reads a clock to time code."""
    found = []
    for path in sorted((ROOT / "convlab").rglob("*.py")):
        if path.name == "timing.py" and path.parent.name == "convlab":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("perf_counter", "perf_counter_ns", "Timer"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.attr}")
    assert not found, found
