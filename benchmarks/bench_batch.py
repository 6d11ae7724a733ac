#!/usr/bin/env python3
"""Batch throughput: submissions per second for --jobs 1 and --jobs 2, at several class sizes.

    python benchmarks/bench_batch.py              # N = 50, 100, 200
    python benchmarks/bench_batch.py --sizes 400

Builds N synthetic learner repositories (copies of the complete sample with their own history
variations) and times ``loopcheck batch`` end to end (worker start-up included), median of
``--runs`` runs. Linear scaling shows as a steady rate across N.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_submissions"
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
       "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def build_class(root: Path, n: int) -> Path:
    root.mkdir(parents=True)
    bundles = [SAMPLES / f"{name}.bundle" for name in ("complete", "half-done", "starter")]
    seed = root.parent / "seed"
    for b in bundles:
        subprocess.run(["git", "clone", "--quiet", str(b), str(seed / b.stem)], check=True, env=ENV)
    for i in range(n):
        src = seed / bundles[i % 3].stem
        shutil.copytree(src, root / f"student{i:04d}", symlinks=True)
    return root


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    exe = shutil.which("loopcheck", path=str(Path(sys.executable).parent)) or shutil.which("loopcheck")
    work = Path(tempfile.mkdtemp(prefix="loopcheck-batchbench-"))
    rows = []
    try:
        for n in args.sizes:
            klass = build_class(work / f"class{n}", n)
            for jobs in (1, 2):
                times = []
                for r in range(args.runs):
                    out = work / f"g{n}-{jobs}-{r}.csv"
                    start = time.perf_counter()
                    subprocess.run([exe, "batch", str(klass), "--out", str(out), "--jobs", str(jobs), "-q"],
                                   check=True)
                    times.append(time.perf_counter() - start)
                t = statistics.median(times)
                rows.append((n, jobs, t, n / t))
            shutil.rmtree(klass)
            shutil.rmtree(work / "seed")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nloopcheck batch — medians of {args.runs} runs, {os.cpu_count()} cores")
    print(f"{'submissions':>11} {'jobs':>5} {'seconds':>8} {'per second':>11}")
    for n, jobs, t, rate in rows:
        print(f"{n:>11} {jobs:>5} {t:8.2f} {rate:11.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
