#!/usr/bin/python3
"""W5k in PyTorch: the passes of W5's convolutional layers and poolings at batch 64, timed as ConvWorkload.cs
times NeuralPS's (median of 7 runs of ~0.2 s after a 0.3 s warm-up; on one thread the process's CPU time), printed
as the same JSON lines (work w5k, layer, pass, ms_median).

    /usr/bin/python3 tests/NeuralPS.Benchmarks/peers/conv_layers.py --threads 1
    dotnet tests/NeuralPS.Benchmarks/bin/Release/net10.0/NeuralPS.Benchmarks.dll --threads 1 --work w5k

forward: y = conv(x) as in training (autograd on; under no_grad Debian's 1.13 takes a much slower path for the
first layer); train_step: forward, then backward into dW, db (and dx for the
second layer: a first layer's input needs no gradient); pools: the same for 2x2 max pooling.
"""
import argparse
import json
import os
import statistics
import time

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--batch", type=int, default=64)
args = ap.parse_args()
os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
import torch  # noqa: E402  (after the thread variables)
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(0)


def clock():
    return time.process_time() if args.threads == 1 else time.perf_counter()


def measure(run):
    start = time.perf_counter()
    while time.perf_counter() - start < 0.3:
        run()
    iterations = 1
    while True:
        t = time.perf_counter()
        for _ in range(iterations):
            run()
        seconds = time.perf_counter() - t
        if seconds > 0.05:
            iterations = max(1, int(iterations * 0.2 / seconds))
            break
        iterations *= 2
    times = []
    for _ in range(7):
        t = clock()
        for _ in range(iterations):
            run()
        times.append((clock() - t) / iterations)
    return statistics.median(times)


def emit(layer, pass_, seconds):
    print(json.dumps({"peer": "pytorch", "version": f"PyTorch {torch.__version__}", "threads": args.threads,
                      "work": "w5k", "layer": layer, "pass": pass_, "batch": args.batch,
                      "ms_median": seconds * 1e3}), flush=True)


n = args.batch
for name, c, size, f, first in (("conv1", 1, 28, 32, True), ("conv2", 32, 14, 64, False)):
    x = torch.randn(n, c, size, size, requires_grad=not first)
    w = torch.randn(f, c, 3, 3, requires_grad=True)
    b = torch.randn(f, requires_grad=True)
    dy = torch.randn(n, f, size, size)

    def forward():
        F.conv2d(x, w, b, padding=1)

    def step():
        F.conv2d(x, w, b, padding=1).backward(dy)
        w.grad = b.grad = x.grad = None

    emit(name, "forward", measure(forward))
    emit(name, "train_step", measure(step))

for name, c, size in (("pool1", 32, 28), ("pool2", 64, 14)):
    x = torch.randn(n, c, size, size, requires_grad=True)
    dy = torch.randn(n, c, size // 2, size // 2)

    def forward():
        F.max_pool2d(x, 2)

    def step():
        F.max_pool2d(x, 2).backward(dy)
        x.grad = None

    emit(name, "forward", measure(forward))
    emit(name, "train_step", measure(step))
