#!/usr/bin/env python3
"""How well loopcheck's grades of written Exercise 4.1 work agree with hand grades.

    python benchmarks/written/run.py rA               # one round (benchmarks/written/rA/)
    python benchmarks/written/run.py rA rB --details  # several, each submission's tasks
    python benchmarks/written/run.py tests/handgraded # any folder with a grades.yaml

Each round is a folder of submissions (one folder each, the files of a learner's repository)
and a ``grades.yaml`` of hand grades on the exercise's scheme, written and committed *before*
loopcheck graded them. Each submission is copied into a temporary folder, made a git
repository with one commit (as a learner hands it in) and graded with the default rubric
(``exercise-4.1``). Printed: pass/fail agreement (pass mark 80), the Spearman rank correlation
of the totals, and the mean absolute error per task. ``ROUNDS.md`` beside this file records the
first contact of each round.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from grader import rubric  # noqa: E402
from grader.scoring import grade  # noqa: E402

TASKS = ("task1", "task2", "task3", "task4", "bonus")
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
       "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "Learner",
       "GIT_AUTHOR_EMAIL": "learner@example.com", "GIT_COMMITTER_NAME": "Learner",
       "GIT_COMMITTER_EMAIL": "learner@example.com", "GIT_AUTHOR_DATE": "1772100000 +0000",
       "GIT_COMMITTER_DATE": "1772100000 +0000"}


def spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(v: list[float]) -> list[float]:
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return r

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx and vy else 0.0


def grade_folder(src: Path, work: Path, loaded) -> dict[str, float]:
    dest = work / src.name
    shutil.copytree(src, dest)
    for args in (["init", "--quiet", "--initial-branch=main", "--template="], ["add", "-A"],
                 ["commit", "--quiet", "--allow-empty", "-m", "Exercise 4.1"]):
        subprocess.run(["git", *args], cwd=dest, env=ENV, check=True, capture_output=True)
    report = grade(dest, loaded)
    tasks = {t.id: t.score for t in report.tasks}
    return {"total": report.score, "passed": report.passed, **{t: tasks.get(t, 0.0) for t in TASKS}}


def measure(folder: Path, details: bool) -> dict:
    hand = yaml.safe_load((folder / "grades.yaml").read_text(encoding="utf-8"))
    loaded = rubric.load("exercise-4.1")
    ours: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="lc-written-") as tmp:
        for name in hand:
            if (folder / name).is_dir():
                ours[name] = grade_folder(folder / name, Path(tmp), loaded)
    names = [n for n in hand if n in ours]
    agree = sum(1 for n in names if (float(hand[n]["total"]) >= 80) == ours[n]["passed"])
    rho = spearman([float(hand[n]["total"]) for n in names], [ours[n]["total"] for n in names])
    mae = {t: sum(abs(float(hand[n].get(t, 0)) - ours[n][t]) for n in names) / len(names) for t in TASKS}
    if details:
        print(f"\n{folder.name}: {'submission':<22} {'hand':>6} {'ours':>6}   per task hand/ours")
        for n in names:
            h, o = hand[n], ours[n]
            flag = "" if (float(h["total"]) >= 80) == o["passed"] else "  <- pass/fail differs"
            print(f"  {n:<30} {float(h['total']):6.1f} {o['total']:6.1f}   "
                  + "  ".join(f"{t[-1] if t != 'bonus' else 'b'}:{float(h.get(t, 0)):g}/{o[t]:g}" for t in TASKS) + flag)
    differ = [n for n in names if (float(hand[n]["total"]) >= 80) != ours[n]["passed"]]
    return {"round": folder.name, "n": len(names), "agree": agree, "spearman": rho, "mae": mae, "differ": differ,
            "hand": {n: float(hand[n]["total"]) for n in names}}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", nargs="+", help="round names under benchmarks/written/, or folders")
    parser.add_argument("--details", action="store_true", help="every submission's grades")
    args = parser.parse_args(argv)
    rows = []
    for name in args.rounds:
        folder = Path(name) if Path(name).is_dir() and (Path(name) / "grades.yaml").exists() else HERE / name
        rows.append(measure(folder, args.details))
    print(f"\n{'round':<12} {'n':>3} {'pass/fail':>10} {'spearman':>9}   mean abs error: task1 task2 task3 task4 bonus")
    for r in rows:
        print(f"{r['round']:<12} {r['n']:>3} {r['agree']:>5}/{r['n']:<4} {r['spearman']:9.2f}   "
              + "  ".join(f"{r['mae'][t]:5.1f}" for t in TASKS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
