#!/usr/bin/python3
"""NeuralPS against its peers, side by side, on this machine, in one run.

  /usr/bin/python3 bench/compare.py [--peers torchsharp] [--reps 3] [--threads 1,2]
      [--only w1b32,w1b128,w1b512,w1ps,w1acc,w2,w3,w5,w5k,w6] [--json results.jsonl] [--summary summary.json]

It builds the repository's tests/NeuralPS.Benchmarks in Release once, makes sure the peers are
built (bench/peers/setup.sh), then runs every workload for NeuralPS and each peer back to back,
interleaved and in a rotating order, so that a slow spell on a shared machine hits every
system alike. Each figure is the median over repetitions; the table shows the speed-up of
NeuralPS over each peer (above 1: NeuralPS is faster).

The workloads and the JSON fields are those of peers/torch_bench.py; NeuralPS's benchmark
program takes the same arguments: --threads N --work w1|w1acc|w2|w3|w5|w5k|w6 [--batch B] [--epochs E]
[--seed S] [--rep R], and prints the same JSON objects, one a line (w6k times W6's kernels alone).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)  # the repository: bench/ sits at its root
PEERS_DIR = os.environ.get("NEURALPS_PEERS", os.path.join(tempfile.gettempdir(), "neuralps-peers"))
TS_DLL = os.path.join(PEERS_DIR, "torchsharp", "bin", "Release", "net10.0", "TsBench.dll")
FMA_PEAK = os.path.join(PEERS_DIR, "fma_peak")

WORKS = {  # key: (work, batch, epochs)
    "w1b32": ("w1", 32, 4), "w1b128": ("w1", 128, 4), "w1b512": ("w1", 512, 4),
    "w1acc": ("w1acc", 128, 10), "w2": ("w2", 0, 0), "w3": ("w3", 0, 0),
    # W1 at batch 128 through the cmdlets (New-Network | ... | Invoke-Training in a hosted runspace), NeuralPS only;
    # six epochs, so that the median is past the JIT work of the first two (see PowerShellWorkload.cs).
    "w1ps": ("w1ps", 128, 6),
    # W5: the CNN of the images issue on the first 10,000 Fashion-MNIST images, batch 64;
    # W6: LSTM(64) -> Dense 1 on 8,192 windows of 48 steps x 8 features, batch 64.
    "w5": ("w5", 64, 3), "w6": ("w6", 64, 3),
    # W5k: W5's convolution and pooling kernels one pass at a time, batch 64 (ms a call).
    "w5k": ("w5k", 64, 1),
}

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--peers", default="torchsharp", help="comma list of torchsharp, pytorch, sklearn")
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--threads", default="1,2")
ap.add_argument("--only", default="w1b32,w1b128,w1b512,w1acc,w2,w3")
ap.add_argument("--json", help="append every raw JSON line here")
ap.add_argument("--summary", help="write the medians and speed-ups here as JSON")
ap.add_argument("--neuralps", help="command that runs the NeuralPS benchmark (default: build it)")
ap.add_argument("--profile", action="store_true",
                help="NeuralPS's W1 runs also record where a step's time goes; print that table after the speed-ups")
args = ap.parse_args()


def build_neuralps():
    out = os.path.join(tempfile.gettempdir(), "neuralps-bench-build")
    r = subprocess.run(["dotnet", "build", os.path.join(ROOT, "tests", "NeuralPS.Benchmarks"), "-c", "Release",
                        "-o", out, "-nologo", "-v", "q"], capture_output=True, text=True)
    if r.returncode == 0 and "w1ps" in args.only.split(","):
        # w1ps imports the module from the repository's NeuralPS.psd1, which loads module/bin: build that too.
        r = subprocess.run(["dotnet", "build", os.path.join(ROOT, "src", "NeuralPS"), "-c", "Release", "-nologo", "-v", "q"],
                           capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("building tests/NeuralPS.Benchmarks failed:\n" + r.stdout[-3000:] + r.stderr[-2000:])
    return ["dotnet", os.path.join(out, "NeuralPS.Benchmarks.dll")]


def fma_peak(threads, rep):
    """The physical limit: GFLOP/s of a register-only FMA loop, per vector width."""
    if not os.path.exists(FMA_PEAK):
        return []
    p = subprocess.run([FMA_PEAK, str(threads)], capture_output=True, text=True)
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    for r in rows:
        r.update(system="fma_peak", rep=rep, key="fma")
    return rows


def command(system, threads, key, rep):
    work, batch, epochs = WORKS[key]
    tail = ["--threads", str(threads), "--work", work, "--rep", str(rep)]
    if batch:
        tail += ["--batch", str(batch), "--epochs", str(epochs)]
    if system == "neuralps":
        return NEURALPS + tail + (["--profile"] if args.profile and work == "w1" else [])
    if system == "torchsharp":
        return ["dotnet", TS_DLL] + tail
    if system == "pytorch":
        return ["/usr/bin/python3", os.path.join(HERE, "peers", "torch_bench.py")] + tail
    if system == "sklearn":
        return ["/usr/bin/python3", os.path.join(HERE, "peers", "sklearn_bench.py")] + tail
    raise ValueError(system)


def run(system, threads, key, rep):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)
    cmd = command(system, threads, key, rep)
    # From the repository root: w1ps finds NeuralPS.psd1 above its working directory.
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    rows = []
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            row.update(system=system, threads=threads, rep=rep, key=key)
            rows.append(row)
    if p.returncode != 0 or not rows:
        print(f"FAILED ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}", file=sys.stderr)
    print(f"  rep {rep} · {threads}T · {key:7s} · {system:10s} · {len(rows)} lines", file=sys.stderr)
    return rows


# (label, work, match, field, higher_is_better)
METRICS = [
    ("W1 epoch s, batch 32", "w1_summary", {"batch": 32}, "median_epoch_s", False),
    ("W1 epoch s, batch 128", "w1_summary", {"batch": 128}, "median_epoch_s", False),
    ("W1 epoch s, batch 512", "w1_summary", {"batch": 512}, "median_epoch_s", False),
    ("W1 epoch s via Invoke-Training, b128", "w1_summary", {"batch": 128, "via": "Invoke-Training"}, "median_epoch_s", False),
    ("W1 test accuracy, 10 epochs b128", "w1_accuracy", {}, "test_accuracy", True),
    ("W2 XOR 5,000 steps, s", "w2_xor", {}, "seconds", False),
    ("W2 regression 3,200 steps, s", "w2_reg", {}, "seconds", False),
    ("W4 predictions/s, batch 10,000", "w4", {"batch": 10000}, "predictions_per_s", True),
    ("W4 predictions/s, batch 1", "w4", {"batch": 1}, "predictions_per_s", True),
    ("W5 CNN epoch s, 10k images b64", "w5_summary", {}, "median_epoch_s", False),
    ("W6 LSTM epoch s, 8,192 windows b64", "w6_summary", {}, "median_epoch_s", False),
] + [(f"W5k {layer} {what} ms b64", "w5k", {"layer": layer, "pass": what}, "ms_median", False)
     for layer in ("conv1", "conv2", "pool1", "pool2") for what in ("forward", "train_step")] + [(f"W3 GEMM GFLOP/s {m}x{k}x{n}", "w3", {"m": m, "k": k, "n": n}, "gflops_median", True)
     for (m, k, n) in [(1024, 1024, 1024), (128, 784, 128), (784, 128, 128), (128, 128, 64),
                       (128, 64, 10), (32, 784, 128), (512, 784, 128)]]


def median_of(rows, system, threads, work, match, field):
    vals = [r[field] for r in rows if r.get("system") == system and r.get("threads") == threads
            and r.get("work") == work and all(r.get(k) == v for k, v in match.items())
            and r.get("via") == match.get("via")   # W1 through the cmdlets only where asked for
            and r.get("impl") not in ("onednn_linear", "numpy.matmul[float64]") and field in r]
    return statistics.median(vals) if vals else None


PHASES = ["gather", "forward", "backward", "clip", "optimizer", "bookkeeping"]
INSIDE = ["products", "columnsums", "loss", "activations"]


def print_profile(rows, threads_list):
    """Where a W1 step's time goes (medians over repetitions), µs a step and share of the step."""
    batches = sorted({r["batch"] for r in rows if r.get("work") == "w1_profile"})
    if not batches:
        return
    cols = [(b, t) for b in batches for t in threads_list]
    print("\nW1 step profile, µs a step (share of the step); inside forward+backward: products, column sums, loss,"
          " activations; threads: time in split pool calls; serial = the caller with no split call running\n")
    print("| phase | " + " | ".join(f"b{b} {t}T" for b, t in cols) + " |")
    print("|---|" + "---|" * len(cols))
    names = ["step"] + PHASES + INSIDE + ["wait", "serial"] + [f"busy{i}" for i in range(max(threads_list))] + \
        [f"idle{i}" for i in range(1, max(threads_list))]
    for name in names:
        cells = []
        for b, t in cols:
            v = median_of(rows, "neuralps", t, "w1_profile", {"batch": b}, f"{name}_us")
            step = median_of(rows, "neuralps", t, "w1_profile", {"batch": b}, "step_us")
            cells.append("—" if v is None else f"{v:,.0f}" + ("" if name == "step" else f" ({100 * v / step:.0f}%)"))
        if any(c != "—" for c in cells):
            print(f"| {name} | " + " | ".join(cells) + " |")


def print_floor(rows, threads_list, summary):
    """
    NeuralPS's W1 epoch against its physical floor: the epoch's products (27.3 GFLOP, from the benchmark's own count)
    at the FMA peak measured in the same run, and how much the second thread gives. Needs w3 (the peak) in --only.
    """
    batches = sorted({r["batch"] for r in rows if r.get("work") == "w1_summary" and r.get("system") == "neuralps"})
    lines = []
    for b in batches:
        cells, speed = [], {}
        for t in threads_list:
            epoch = median_of(rows, "neuralps", t, "w1_summary", {"batch": b}, "median_epoch_s")
            rate = median_of(rows, "neuralps", t, "w1_summary", {"batch": b}, "gflops_gemm")
            peak = max([p for p in (median_of(rows, "fma_peak", t, "w3_fma_peak", {"isa": isa}, "gflops_median")
                                    for isa in ("avx512", "avx2")) if p] or [0])
            if not (epoch and rate and peak):
                cells += ["—", "—", "—"]
                continue
            floor = rate * epoch / peak   # the epoch's GEMM GFLOP at the peak
            speed[t] = epoch
            cells += [f"{epoch:.4g}", f"{floor:.4g}", f"{epoch / floor:.2f}×"]
            summary.append({"metric": "W1 epoch / floor", "batch": b, "threads": t, "epoch_s": epoch, "floor_s": floor,
                            "ratio": epoch / floor})
        if not speed:
            continue   # no FMA peak in this run (w3 not asked for)
        scaling = f"{speed[1] / speed[2]:.2f}×" if 1 in speed and 2 in speed else "—"
        lines.append(f"| {b} | " + " | ".join(cells) + f" | {scaling} |")
    if lines:
        print("\nW1 against the floor (the epoch's products at this run's FMA peak):")
        print("| batch | " + " | ".join(f"{t}T epoch s | {t}T floor s | {t}T ratio" for t in threads_list) + " | 2T speed-up |")
        print("|" + "---|" * (2 + 3 * len(threads_list)))
        for line in lines:
            print(line)


def print_cmdlet_overhead(rows, threads_list, summary):
    """W1 at batch 128 through Invoke-Training against the engine alone, from the same run (needs w1b128 and w1ps)."""
    cells = []
    for t in threads_list:
        engine = median_of(rows, "neuralps", t, "w1_summary", {"batch": 128}, "median_epoch_s")
        cmdlets = median_of(rows, "neuralps", t, "w1_summary", {"batch": 128, "via": "Invoke-Training"}, "median_epoch_s")
        if engine and cmdlets:
            cells.append(f"{t}T {cmdlets:.4g} s / {engine:.4g} s = {100 * (cmdlets / engine - 1):+.1f} %")
            summary.append({"metric": "W1 via Invoke-Training / engine", "batch": 128, "threads": t, "ratio": cmdlets / engine})
    if cells:
        print("\nW1 batch 128 through Invoke-Training against the engine alone: " + "; ".join(cells))


def fmt(x):
    if x is None:
        return "—"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


if __name__ == "__main__":
    peers = [p for p in args.peers.split(",") if p]
    if "torchsharp" in peers and not os.path.exists(TS_DLL):
        subprocess.run([os.path.join(HERE, "peers", "setup.sh")], check=True)
    NEURALPS = args.neuralps.split() if args.neuralps else build_neuralps()
    systems = ["neuralps"] + peers
    threads_list = [int(t) for t in args.threads.split(",")]
    keys = [k for k in args.only.split(",") if k]
    rows = []
    for rep in range(1, args.reps + 1):
        for threads in threads_list:
            if "w3" in keys:
                rows += fma_peak(threads, rep)
            for key in keys:
                k = (rep - 1) % len(systems)
                for system in systems[k:] + systems[:k]:
                    if key == "w1ps" and system != "neuralps":
                        continue   # the peers have no cmdlets
                    rows += run(system, threads, key, rep)
    if args.json:
        with open(args.json, "a") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")

    summary = []
    head = "| metric | threads | NeuralPS | " + " | ".join(f"{p} | speed-up vs {p}" for p in peers) + " |"
    print(head)
    print("|" + "---|" * (3 + 2 * len(peers)))
    for label, work, match, field, higher in METRICS:
        for threads in threads_list:
            ours = median_of(rows, "neuralps", threads, work, match, field)
            cells, entry = [], {"metric": label, "threads": threads, "neuralps": ours}
            for p in peers:
                theirs = median_of(rows, p, threads, work, match, field)
                ratio = None
                if ours and theirs and field != "test_accuracy":
                    ratio = ours / theirs if higher else theirs / ours
                entry[p], entry[f"speedup_vs_{p}"] = theirs, ratio
                cells += [fmt(theirs), fmt(ratio) + ("×" if ratio else "")]
            if ours is None and all(entry[p] is None for p in peers):
                continue
            summary.append(entry)
            print(f"| {label} | {threads} | {fmt(ours)} | " + " | ".join(cells) + " |")
    for threads in threads_list:
        peak = [median_of(rows, "fma_peak", threads, "w3_fma_peak", {"isa": isa}, "gflops_median")
                for isa in ("avx512", "avx2")]
        gemm = median_of(rows, "neuralps", threads, "w3", {"m": 1024, "k": 1024, "n": 1024}, "gflops_median")
        if any(peak):
            best = max(p for p in peak if p)
            share = f", NeuralPS GEMM 1024³ = {100 * gemm / best:.0f}% of it" if gemm else ""
            print(f"\nFMA peak, {threads}T: AVX-512 {fmt(peak[0])}, AVX2 {fmt(peak[1])} GFLOP/s{share}")
            summary.append({"metric": "FMA peak GFLOP/s", "threads": threads, "avx512": peak[0], "avx2": peak[1],
                            "neuralps_gemm_1024_share": gemm / best if gemm else None})
    print_floor(rows, threads_list, summary)
    print_cmdlet_overhead(rows, threads_list, summary)
    if args.profile:
        print_profile(rows, threads_list)
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f, indent=1)
