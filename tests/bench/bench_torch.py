#!/usr/bin/python3
"""bench_torch.py — PyTorch's figures for bench-train's workloads.

The same networks, data sizes, batch sizes and learning rates as
bench-train.c, in float64 on one thread, timed the same way (a warm-up, then
--reps repetitions of at least --min-time seconds).  Prints one line per
workload on stdout,

    torch-T1<TAB>best<TAB>median

(samples per second) and a readable report on stderr.  run-bench.sh joins
these with bench-train's figures.  Exits 77 when torch is not installed.

Unknown options are ignored so run-bench.sh can pass bench-train's own.
"""

import argparse
import math
import os
import statistics
import sys
import time

try:
    import torch
except ImportError:
    print("bench_torch.py: torch is not installed for", sys.executable,
          file=sys.stderr)
    sys.exit(77)

SEED = 20240501


def circles(n, noise, gen):
    """Two concentric rings, label 1 for the inner one (like our 'circles')."""
    label = torch.randint(0, 2, (n,), generator=gen)
    angle = torch.rand(n, generator=gen) * 2 * math.pi
    radius = 1.0 - 0.5 * label.to(torch.float64)
    x = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], 1)
    x += noise * torch.randn(n, 2, generator=gen)
    return x, label.to(torch.float64).unsqueeze(1)


def mlp(widths, hidden, output):
    layers = []
    for i in range(1, len(widths)):
        layers.append(torch.nn.Linear(widths[i - 1], widths[i]))
        if i + 1 < len(widths):
            layers.append(hidden())
        elif output is not None:
            layers.append(output())
    return torch.nn.Sequential(*layers)


class Residual(torch.nn.Module):
    """T5: 784-128, two blocks a = relu(W a + b) + a, then 128-10 (logits),
    as bench-train's skip_from layers."""

    def __init__(self):
        super().__init__()
        self.first = torch.nn.Linear(784, 128)
        self.blocks = torch.nn.ModuleList(torch.nn.Linear(128, 128) for _ in range(2))
        self.last = torch.nn.Linear(128, 10)

    def forward(self, x):
        a = torch.relu(self.first(x))
        for block in self.blocks:
            a = torch.relu(block(a)) + a
        return self.last(a)


def batchnorm_mlp():
    """T4: 784-128-bn-64-bn-10, relu after each batch norm (logits out)."""
    return torch.nn.Sequential(
        torch.nn.Linear(784, 128), torch.nn.BatchNorm1d(128), torch.nn.ReLU(),
        torch.nn.Linear(128, 64), torch.nn.BatchNorm1d(64), torch.nn.ReLU(),
        torch.nn.Linear(64, 10))


def epoch_fn(model, loss_fn, x, y, batch, lr):
    """One epoch of mini-batch SGD in row order (no shuffle, as bench-train)."""
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    n = (x.shape[0] // batch) * batch

    def run():
        for r in range(0, n, batch):
            opt.zero_grad(set_to_none=False)
            loss = loss_fn(model(x[r:r + batch]), y[r:r + batch])
            loss.backward()
            opt.step()
        if not math.isfinite(loss.item()):
            raise RuntimeError("torch training diverged")
        return n

    return run


def measure(key, label, run, min_time, reps, clock=time.perf_counter):
    t0 = clock()
    while True:
        run()
        if clock() - t0 >= 0.25 * min_time:
            break
    rates = []
    for _ in range(reps):
        n = 0
        t0 = clock()
        while True:
            n += run()
            elapsed = clock() - t0
            if elapsed >= min_time:
                break
        rates.append(n / elapsed)
    best, median = max(rates), statistics.median(rates)
    print(f"  {label:<46} best {best:12.0f}/s   median {median:12.0f}/s",
          file=sys.stderr)
    print(f"{key}\t{best:.6g}\t{median:.6g}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-t", "--min-time", type=float, default=1.0)
    parser.add_argument("-r", "--reps", type=int, default=5)
    parser.add_argument("-w", "--workloads", default="t1,t2,t3,t4,t5")
    # as bench-train's: the thread's CPU time (one thread: torch's too)
    parser.add_argument("--cpu-time", action="store_true")
    args, _ = parser.parse_known_args()
    clock = time.thread_time if args.cpu_time else time.perf_counter
    selected = {w.strip().lower() for w in args.workloads.split(",")}

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {os.sched_getaffinity(0).pop()})

    print(f"bench_torch.py: torch {torch.__version__}, float64, "
          f"{torch.get_num_threads()} thread", file=sys.stderr)

    x, y = circles(1000, 0.1, gen)
    online = [("T1", [2, 8, 8, 1]), ("T2", [2, 64, 64, 64, 1])]
    for name, widths in online:
        if name.lower() not in selected and not (name == "T1" and "k" in selected):
            continue
        model = mlp(widths, torch.nn.Tanh, torch.nn.Sigmoid)
        run = epoch_fn(model, torch.nn.MSELoss(), x, y, batch=1, lr=0.1)
        measure(f"torch-{name}", f"torch {name}: online SGD", run,
                args.min_time, args.reps, clock)

    if "t3" in selected or "k" in selected:
        x3 = torch.rand(2048, 784, generator=gen)
        y3 = torch.randint(0, 10, (2048,), generator=gen)
        # CrossEntropyLoss takes logits: softmax + softmax_ce fused, as ours.
        model = mlp([784, 128, 64, 10], torch.nn.ReLU, None)
        run = epoch_fn(model, torch.nn.CrossEntropyLoss(), x3, y3,
                       batch=32, lr=0.01)
        measure("torch-T3", "torch T3: mini-batch 32 SGD", run,
                args.min_time, args.reps, clock)

    # T4, T5: T3's data, the layer types of issue 13 (no FANN side)
    layered = [("T4", "batch norm", batchnorm_mlp), ("T5", "residual", Residual)]
    for name, label, make in layered:
        if name.lower() not in selected:
            continue
        x3 = torch.rand(2048, 784, generator=gen)
        y3 = torch.randint(0, 10, (2048,), generator=gen)
        run = epoch_fn(make(), torch.nn.CrossEntropyLoss(), x3, y3,
                       batch=32, lr=0.01)
        measure(f"torch-{name}", f"torch {name}: {label}, mini-batch 32 SGD", run,
                args.min_time, args.reps, clock)


if __name__ == "__main__":
    main()
