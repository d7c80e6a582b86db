"""Lesson 09's network trained with convlab's NumPy layers and with PyTorch: time per epoch.

The network of lesson 09: conv 3x3 with 16 filters, ReLU, max pool
2x2, conv 3x3 with 32 filters, ReLU, max pool 2x2, flatten, dense to 10
logits, softmax cross-entropy; mini-batches of 32, SGD with momentum 0.9,
learning rate 0.05, on the lesson's split of the bundled UCI digits:

    python benchmarks/train_digits.py              # 12 epochs, float64 and float32
    python benchmarks/train_digits.py --epochs 2   # a quick look

Results go to ``benchmarks/results/`` (``--out`` to change):
``train_digits.json`` (every number) and
``train_digits.md`` (a table).

How the numbers are made
------------------------
- Both networks start from the same weights and see the same mini-batches in
  the same order.  Before timing, one step of each is compared: the same loss
  and the same gradients (float64, relative error below 1e-9), so the two
  really are the same network.
- Each epoch is timed whole (shuffling, forward, backward, update, and the
  held-out evaluation the lesson also does); the median epoch is reported.
- First with one thread each, as lesson 09 trains (NumPy's BLAS limited with
  threadpoolctl, ``torch.set_num_threads(1)``), convlab and PyTorch taking
  turns epoch by epoch, so that a change in the machine's load affects both
  alike.  Then with each library's default threads, one library after the
  other, with a pause between (interleaved, their thread pools slow each
  other down).  On matrices this small, threads can cost more than they
  save, most of all on a busy machine.
- Where convlab's time goes: each layer's forward and backward call timed on
  one mini-batch with one BLAS thread (median of many calls), and the method ``conv2d``'s
  ``method="auto"`` chose for each convolution.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from threadpoolctl import threadpool_limits  # noqa: E402

from bench import load, machine  # noqa: E402

import convlab  # noqa: E402
from convlab import choose_method  # noqa: E402
from convlab.timing import compare  # noqa: E402

SETTLE = 0.3  # seconds of pause before timing the other library
BATCH, LR, MOMENTUM = 32, 0.05, 0.9


# ---------------------------------------------------------------- the data, as in the lesson


def lesson_data(dtype):
    digits, labels = convlab.load_digits()
    x_all = (digits / 16.0)[:, None].astype(dtype)
    order = np.random.default_rng(0).permutation(len(labels))
    held_out, train = order[: len(labels) // 4], order[len(labels) // 4 :]
    return x_all[train], labels[train], x_all[held_out], labels[held_out]


def init_params(dtype, seed=1):
    rng = np.random.default_rng(seed)

    def he(shape, fan_in):
        return rng.standard_normal(shape) * np.sqrt(2 / fan_in)

    params = {
        "k1": he((16, 1, 3, 3), 9), "b1": np.zeros(16),
        "k2": he((32, 16, 3, 3), 16 * 9), "b2": np.zeros(32),
        "w3": he((10, 128), 256), "b3": np.zeros(10),
    }
    return {name: w.astype(dtype) for name, w in params.items()}


# ---------------------------------------------------------------- the network with convlab


def forward(params, x):
    z1 = convlab.conv_layer(x, params["k1"], params["b1"], padding=1)
    a1 = convlab.relu(z1)
    p1 = convlab.max_pool2d(a1, 2)
    z2 = convlab.conv_layer(p1, params["k2"], params["b2"], padding=1)
    a2 = convlab.relu(z2)
    p2 = convlab.max_pool2d(a2, 2)
    h = p2.reshape(len(x), -1)
    logits = convlab.dense(h, params["w3"], params["b3"])
    return logits, dict(x=x, z1=z1, a1=a1, p1=p1, z2=z2, a2=a2, p2=p2, h=h)


def backward(params, cache, g):
    grads = {}
    g, grads["w3"], grads["b3"] = convlab.dense_backward(cache["h"], params["w3"], g)
    g = g.reshape(cache["p2"].shape)
    g = convlab.max_pool2d_backward(cache["a2"], g, 2)
    g = convlab.relu_backward(cache["z2"], g)
    g, grads["k2"], grads["b2"] = convlab.conv_layer_backward(cache["p1"], params["k2"], g, padding=1)
    g = convlab.max_pool2d_backward(cache["a1"], g, 2)
    g = convlab.relu_backward(cache["z1"], g)
    _, grads["k1"], grads["b1"] = convlab.conv_layer_backward(cache["x"], params["k1"], g, padding=1)
    return grads


class ConvlabTrainer:
    name = "convlab"

    def __init__(self, params):
        self.params = {n: w.copy() for n, w in params.items()}
        self.velocity = {n: None for n in params}

    def step(self, x, y):
        logits, cache = forward(self.params, x)
        loss, g = convlab.softmax_cross_entropy(logits, y)
        grads = backward(self.params, cache, g)
        for n in self.params:
            self.params[n], self.velocity[n] = convlab.sgd_momentum(
                self.params[n], grads[n], self.velocity[n], lr=LR, momentum=MOMENTUM)
        return loss, grads

    def accuracy(self, x, y):
        return float(np.mean(forward(self.params, x)[0].argmax(axis=1) == y))


# ---------------------------------------------------------------- the same network with PyTorch


class TorchTrainer:
    name = "PyTorch"

    def __init__(self, params):
        import torch
        from torch import nn

        self.torch = torch
        dtype = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}[params["k1"].dtype]
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(128, 10),
        ).to(dtype)
        with torch.no_grad():
            for layer, (k, b) in zip((0, 3, 7), (("k1", "b1"), ("k2", "b2"), ("w3", "b3"))):
                self.net[layer].weight.copy_(torch.from_numpy(params[k]))
                self.net[layer].bias.copy_(torch.from_numpy(params[b]))
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=LR, momentum=MOMENTUM)
        self.names = ["k1", "b1", "k2", "b2", "w3", "b3"]

    def step(self, x, y):
        torch = self.torch
        self.optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(self.net(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        grads = {n: p.grad.numpy().copy() for n, p in zip(self.names, self.net.parameters())}
        self.optimizer.step()
        return loss.item(), grads

    def accuracy(self, x, y):
        with self.torch.no_grad():
            return float(np.mean(self.net(self.torch.from_numpy(x)).argmax(dim=1).numpy() == y))


# ---------------------------------------------------------------- measuring


def check_same_network(x, y, dtype):
    """One step of each from the same weights: the same loss and gradients."""
    params = init_params(dtype)
    loss_a, grads_a = ConvlabTrainer(params).step(x[:BATCH], y[:BATCH])
    loss_b, grads_b = TorchTrainer(params).step(x[:BATCH], y[:BATCH])
    worst = abs(loss_a - loss_b) / abs(loss_b)
    for n in grads_a:
        worst = max(worst, float(np.max(np.abs(grads_a[n] - grads_b[n])) / np.max(np.abs(grads_b[n]))))
    return worst


def run_epoch(trainer, data, order):
    """One epoch of mini-batches and the held-out evaluation: (seconds, held-out accuracy)."""
    x_train, y_train, x_held, y_held = data
    start = time.perf_counter()
    for first in range(0, len(order), BATCH):
        batch = order[first : first + BATCH]
        trainer.step(x_train[batch], y_train[batch])
    accuracy = trainer.accuracy(x_held, y_held)
    return time.perf_counter() - start, accuracy


def train(trainers, data, orders):
    """Train several networks, taking turns epoch by epoch: the median seconds per epoch of each,
    and its held-out accuracy after the last epoch."""
    seconds = [[] for _ in trainers]
    for order in orders:
        for trainer, times in zip(trainers, seconds):
            elapsed, accuracy = run_epoch(trainer, data, order)
            times.append(elapsed)
            trainer.final_accuracy = accuracy
    return [(statistics.median(times), trainer.final_accuracy) for trainer, times in zip(trainers, seconds)]


def layer_times(data, dtype, rounds=20):
    """Median ms of each layer's forward and backward call on one mini-batch (convlab), over ``rounds`` batches."""
    params = init_params(dtype)
    x = data[0][:BATCH]
    logits, c = forward(params, x)
    calls = {
        "conv 1": (lambda: convlab.conv_layer(c["x"], params["k1"], params["b1"], padding=1),
                   lambda: convlab.conv_layer_backward(c["x"], params["k1"], c["z1"], padding=1)),
        "ReLU 1": (lambda: convlab.relu(c["z1"]), lambda: convlab.relu_backward(c["z1"], c["a1"])),
        "pool 1": (lambda: convlab.max_pool2d(c["a1"], 2), lambda: convlab.max_pool2d_backward(c["a1"], c["p1"], 2)),
        "conv 2": (lambda: convlab.conv_layer(c["p1"], params["k2"], params["b2"], padding=1),
                   lambda: convlab.conv_layer_backward(c["p1"], params["k2"], c["z2"], padding=1)),
        "ReLU 2": (lambda: convlab.relu(c["z2"]), lambda: convlab.relu_backward(c["z2"], c["a2"])),
        "pool 2": (lambda: convlab.max_pool2d(c["a2"], 2), lambda: convlab.max_pool2d_backward(c["a2"], c["p2"], 2)),
        "dense": (lambda: convlab.dense(c["h"], params["w3"], params["b3"]),
                  lambda: convlab.dense_backward(c["h"], params["w3"], logits)),
        "loss": (lambda: convlab.softmax_cross_entropy(logits, data[1][:BATCH]), None),
        "SGD update": (None, lambda: [convlab.sgd_momentum(w, w, w, lr=LR) for w in params.values()]),
    }
    out = {}
    for name, pair in calls.items():
        out[name] = []
        for f in pair:
            if f is None:
                out[name].append(0.0)
                continue
            times = compare({name: f}, rounds=rounds, min_time=1e-3, threads=None).samples[name]
            out[name].append(statistics.median(times) * 1e3)
    methods = {
        "conv 1": choose_method((BATCH, 1, 10, 10), params["k1"].shape, params["k1"].dtype),
        "conv 2": choose_method((BATCH, 16, 6, 6), params["k2"].shape, params["k2"].dtype),
    }
    return out, methods


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12, help="epochs per run (default 12, as in the lesson)")
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"], choices=["float64", "float32"])
    parser.add_argument("--rounds", type=int, default=20, help="rounds per layer when timing layers (default 20)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)

    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed: timing convlab only", file=sys.stderr)

    info = machine()
    before = load()
    shuffle = np.random.default_rng(2)
    result = {
        "epochs": args.epochs, "batch": BATCH, "lr": LR, "momentum": MOMENTUM,
        "seconds_per_epoch": {"convlab, 1 BLAS thread": {}, "PyTorch, 1 thread": {}, "convlab": {}, "PyTorch": {}},
        "held_out_accuracy": {"convlab": {}, "PyTorch": {}},
        "max_relative_difference_first_step": {},
        "torch_threads": torch.get_num_threads() if torch else None,
    }
    for dtype_name in args.dtypes:
        dtype = np.dtype(dtype_name)
        data = lesson_data(dtype)
        orders = [shuffle.permutation(len(data[0])) for _ in range(args.epochs)]
        if torch is not None:
            difference = check_same_network(data[0], data[1], dtype)
            limit = 1e-9 if dtype == np.float64 else 1e-3
            if difference > limit:
                raise SystemExit(f"{dtype_name}: convlab and PyTorch differ by {difference:.1e} after one step")
            result["max_relative_difference_first_step"][dtype_name] = difference
        params = init_params(dtype)
        per_epoch = result["seconds_per_epoch"]
        # One thread each (convlab's BLAS, PyTorch's intra-op pool), taking turns epoch by epoch,
        # so a change in the machine's load affects both alike.
        with threadpool_limits(limits=1, user_api="blas"):
            if torch is not None:
                threads = torch.get_num_threads()
                torch.set_num_threads(1)
                try:
                    (ours, acc_ours), (theirs, acc_theirs) = train(
                        [ConvlabTrainer(params), TorchTrainer(params)], data, orders)
                finally:
                    torch.set_num_threads(threads)
                per_epoch["PyTorch, 1 thread"][dtype_name] = theirs
                result["held_out_accuracy"]["PyTorch"][dtype_name] = acc_theirs
            else:
                [(ours, acc_ours)] = train([ConvlabTrainer(params)], data, orders)
        per_epoch["convlab, 1 BLAS thread"][dtype_name] = ours
        result["held_out_accuracy"]["convlab"][dtype_name] = acc_ours
        # Default threads, each library on its own after a pause: interleaved, their thread pools
        # would slow each other down.
        [(per_epoch["convlab"][dtype_name], _)] = train([ConvlabTrainer(params)], data, orders)
        if torch is not None:
            time.sleep(SETTLE)
            [(per_epoch["PyTorch"][dtype_name], _)] = train([TorchTrainer(params)], data, orders)
        print(f"{dtype_name}: " + ", ".join(
            f"{name} {per[dtype_name] * 1e3:.0f} ms/epoch" for name, per in result["seconds_per_epoch"].items()
            if dtype_name in per), flush=True)

    with threadpool_limits(limits=1, user_api="blas"):  # as the lesson trains
        times, methods = layer_times(lesson_data(np.float64), np.float64, args.rounds)
    result["convlab_layer_ms"] = {name: {"forward": f, "backward": b} for name, (f, b) in times.items()}
    result["auto_methods"] = methods
    result["machine"] = info
    result["load_average"] = {"before": before, "after": load()}

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "train_digits.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "train_digits.md").write_text(report(result))
    print(f"wrote {args.out / 'train_digits.json'} and {args.out / 'train_digits.md'}")
    return 0


def report(result):
    lines = [
        "# Lesson 09's network: convlab (NumPy) against PyTorch",
        "",
        f"`python benchmarks/train_digits.py`: {result['epochs']} epochs of mini-batches of {result['batch']}, "
        f"SGD with momentum {result['momentum']}, learning rate {result['lr']}; median time per epoch "
        f"(training and held-out evaluation). Load average before {result['load_average']['before']}, "
        f"after {result['load_average']['after']}.",
        "",
        "| | " + " | ".join(result["machine"]) + " |",
        "|---|" + "---|" * len(result["machine"]),
        "| | " + " | ".join(str(v) for v in result["machine"].values()) + " |",
        "",
        "## Time per epoch",
        "",
        "| | float64 | float32 |",
        "|---|---|---|",
    ]
    for name, per in result["seconds_per_epoch"].items():
        if per:
            lines.append(f"| {name} | " + " | ".join(
                f"{per[d] * 1e3:.0f} ms" if d in per else "–" for d in ("float64", "float32")) + " |")
    lines += ["", "## Held-out accuracy after the last epoch", "", "| | float64 | float32 |", "|---|---|---|"]
    for name, per in result["held_out_accuracy"].items():
        if per:
            lines.append(f"| {name} | " + " | ".join(
                f"{per[d]:.1%}" if d in per else "–" for d in ("float64", "float32")) + " |")
    lines += ["", "Largest relative difference between the two after one step from the same weights: "
              + ", ".join(f"{d} {v:.1e}" for d, v in result["max_relative_difference_first_step"].items()), "",
              "## Where convlab's time goes (float64, one BLAS thread, one mini-batch, median ms per call)", "",
              "| layer | forward | backward |", "|---|---|---|"]
    total_f = total_b = 0.0
    for name, t in result["convlab_layer_ms"].items():
        lines.append(f"| {name} | {t['forward']:.3f} | {t['backward']:.3f} |")
        total_f += t["forward"]
        total_b += t["backward"]
    lines += [f"| total | {total_f:.3f} | {total_b:.3f} |", "",
              "`method=\"auto\"` chose: " + ", ".join(f"{k} `{v}`" for k, v in result["auto_methods"].items()), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
