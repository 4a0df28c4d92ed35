"""Figures for the companions (printed, not asserted): `make bench-companions`.

1. SGD, one epoch of MNIST-5k (4,000 images, 784-30-10, mini-batch 10, eta 3.0): Nielsen's
   per-example loop, the matrix version (sgd.MatrixNetwork) and the same network in torch on the
   CPU (plain SGD, quadratic cost, float64 like numpy). One thread each (BLAS and torch), the
   same data, the same initial weights. Goal: matrix >= 3x the loop and faster than torch.
2. Loading a 256 MiB LLaMA-style checkpoint with torch.load(weights_only=True) with and without
   mmap=True, each in a fresh subprocess: wall time and the peak RSS the load added. Goal: mmap
   >= 50x faster with <= 0.5x the RSS. Also shown: the time to then read every tensor once,
   which is where mmap's cost moves to.

Options: --epochs N (timed epochs per SGD variant), --repeats N (subprocesses per load mode),
--mib N (checkpoint size). Takes about a minute on the shared 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPANIONS = ROOT / "content" / "companions"


# --- 1. SGD ----------------------------------------------------------------------------------------


def torch_epoch_runner(sgd_net, training_data, batch_size, eta, seed):
    """An epoch function training a torch copy of ``sgd_net`` (same weights) with plain SGD."""
    import numpy as np
    import torch

    xs = torch.from_numpy(np.hstack([x for x, _ in training_data]).T.copy())
    ys = torch.from_numpy(np.hstack([y for _, y in training_data]).T.copy())
    params = []
    for w, b in zip(sgd_net.weights, sgd_net.biases):
        params += [torch.tensor(w, requires_grad=True), torch.tensor(b[:, 0], requires_grad=True)]
    generator = torch.Generator().manual_seed(seed)

    def forward(x):
        for k in range(0, len(params), 2):
            x = torch.sigmoid(x @ params[k].T + params[k + 1])
        return x

    def epoch():
        order = torch.randperm(len(xs), generator=generator)
        for k in range(0, len(xs), batch_size):
            batch = order[k:k + batch_size]
            cost = 0.5 * ((forward(xs[batch]) - ys[batch]) ** 2).sum() / len(batch)
            cost.backward()
            with torch.no_grad():
                for p in params:
                    p -= eta * p.grad
                    p.grad = None

    def accuracy(test_data):
        with torch.no_grad():
            x = torch.from_numpy(np.hstack([x for x, _ in test_data]).T.copy())
            labels = torch.tensor([y for _, y in test_data])
            return int((forward(x).argmax(dim=1) == labels).sum())

    return epoch, accuracy


def bench_sgd(epochs):
    import numpy as np
    import torch
    from threadpoolctl import threadpool_limits

    sys.path.insert(0, str(COMPANIONS))  # the companions import as the snippet checks run them
    import sgd

    torch.set_num_threads(1)
    training_data, test_data = sgd.load_mnist_5k()
    sizes, batch_size, eta = [784, 30, 10], 10, 3.0
    quiet = lambda line: None  # noqa: E731

    def time_epochs(run_epoch):
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            run_epoch()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    rows = []
    with threadpool_limits(limits=1):
        for kind in (sgd.Network, sgd.MatrixNetwork):
            net = kind(sizes)
            seconds = time_epochs(lambda: net.SGD(training_data, 1, batch_size, eta, log=quiet))
            rows.append((f"numpy {kind.__name__}", seconds, net.evaluate(test_data)))
        epoch, accuracy = torch_epoch_runner(sgd.Network(sizes), training_data, batch_size, eta, sgd.SEED)
        seconds = time_epochs(epoch)
        rows.append((f"torch {torch.__version__} autograd", seconds, accuracy(test_data)))

    loop = rows[0][1]
    print(f"SGD on MNIST-5k: {len(training_data)} images, {sizes}, mini-batch {batch_size}, eta {eta}, "
          f"median of {epochs} epochs, 1 thread (numpy {np.__version__})")
    for name, seconds, correct in rows:
        print(f"  {name:<32} {seconds * 1000:8.1f} ms/epoch   {loop / seconds:5.2f}x the loop   "
              f"test {correct} / {len(test_data)} after {epochs} epochs")
    matrix, torch_seconds = rows[1][1], rows[2][1]
    print(f"  matrix vs loop: {loop / matrix:.2f}x (goal >= 3x); matrix vs torch: "
          f"{torch_seconds / matrix:.2f}x (goal > 1x)")


# --- 2. checkpoint loading -------------------------------------------------------------------------

LOAD_SCRIPT = r"""
import json, resource, sys, time
import torch

def peak_rss():  # VmHWM: getrusage's ru_maxrss lags behind on this kernel
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

path, mmap = sys.argv[1], sys.argv[2] == "1"
load = lambda: torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)
before = peak_rss()
start = time.perf_counter()
state = load()
loaded = time.perf_counter()
after_load = peak_rss()
total = sum(float(t.sum()) for t in state.values())
touched = time.perf_counter()
after_touch = peak_rss()
del state
start_again = time.perf_counter()
state = load()
again = time.perf_counter() - start_again
print(json.dumps({"load_s": loaded - start, "load_rss": after_load - before, "touch_s": touched - loaded,
                  "touch_rss": after_touch - before, "again_s": again, "tensors": len(state)}))
"""


def write_checkpoint(path, mib):
    """A LLaMA-like state dict of float32 tensors, ``mib`` MiB in all (16 MiB per tensor)."""
    import torch

    per_tensor = 16 * 2**20 // 4
    generator = torch.Generator().manual_seed(0)
    state = {f"layers.{i}.feed_forward.w1.weight": torch.randn(per_tensor // 1024, 1024, generator=generator)
             for i in range(mib // 16)}
    torch.save(state, path)
    return path.stat().st_size


def measure_load(path, mmap):
    out = subprocess.run([sys.executable, "-c", LOAD_SCRIPT, str(path), "1" if mmap else "0"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def bench_load(repeats, mib):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "consolidated.00.pth"
        size = write_checkpoint(path, mib)
        results = {False: [], True: []}
        for _ in range(repeats):  # alternate, so both see the same page-cache state
            for mmap in (False, True):
                results[mmap].append(measure_load(path, mmap))

    def median(mmap, key):
        return statistics.median(r[key] for r in results[mmap])

    print(f"\ntorch.load of a {size / 2**20:.0f} MiB checkpoint ({results[True][0]['tensors']} tensors, "
          f"file in the page cache), weights_only=True, median of {repeats} fresh processes:")
    for mmap in (False, True):
        print(f"  mmap={str(mmap):<5}  first load {median(mmap, 'load_s') * 1000:7.1f} ms, peak RSS "
              f"+{median(mmap, 'load_rss') / 2**20:5.1f} MiB  |  then reading every tensor "
              f"{median(mmap, 'touch_s') * 1000:6.1f} ms, peak RSS +{median(mmap, 'touch_rss') / 2**20:5.1f} MiB"
              f"  |  second load {median(mmap, 'again_s') * 1000:7.1f} ms")
    speedup = median(False, "load_s") / median(True, "load_s")
    again = median(False, "again_s") / median(True, "again_s")
    rss_ratio = median(True, "load_rss") / max(median(False, "load_rss"), 1)
    print(f"  mmap first load: {speedup:.0f}x faster (goal >= 50x; {again:.0f}x on a second load in the same "
          f"process, past torch.load's one-off imports), {rss_ratio:.3f}x the peak RSS (goal <= 0.5x)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per SGD variant")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per load mode")
    parser.add_argument("--mib", type=int, default=256, help="checkpoint size in MiB (multiple of 16)")
    args = parser.parse_args(argv)
    bench_sgd(args.epochs)
    bench_load(args.repeats, args.mib)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
