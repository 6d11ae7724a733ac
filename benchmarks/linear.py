#!/usr/bin/env python3
"""The "stays linear" cases timed in seconds, for a person comparing runs on one machine.

    python benchmarks/linear.py              # scanners, command rules and every pattern
    python benchmarks/linear.py --scanners   # the scanners of tests/hostile/test_linear.py only

The tests prove linearity by counting work (machine instructions under callgrind, Python calls),
which a busy machine cannot change; this script times the same cases at n and 2n repetitions
(the best of three runs each) and prints the ratio of the two times, largest first. A linear
case is near 2×; a quadratic one near 4×. Wall-clock ratios vary with the machine's load: they
are reported, never a pass or a fail, and .ci/run does not run this script.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "hostile"), str(ROOT / "tests"), str(ROOT)]


def best_of(fn, text: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - start)
    return best


def ratios(cases, reps: int) -> list[tuple[float, float, float, str]]:
    """(ratio, seconds at n, seconds at 2n, name) for each (name, fn, trigger, tail)."""
    rows = []
    for name, fn, trigger, tail in cases:
        fn(trigger * 10 + tail)  # what is done once (imports, compiles) is not measured
        small = best_of(fn, trigger * reps + tail)
        large = best_of(fn, trigger * 2 * reps + tail)
        rows.append((large / small if small else 0.0, small, large, name))
    return sorted(rows, reverse=True)


def scanner_cases():
    import test_linear

    return [(name, fn, trigger, tail) for name, (fn, trigger, tail) in test_linear.ATTACKS.items()]


def pattern_cases():
    import test_regex_enumeration as enum

    cases = []
    for source, pattern in enum.PATTERNS.items():
        if source in enum.BOUNDED:
            continue
        for trigger in enum._triggers(source):
            cases.append((f"{source[:60]!r} on {trigger!r}", pattern.findall, trigger, "!"))
    for source in enum.COMMAND_RULES:
        import re

        rule = re.compile(source)
        for filler in enum.FILLERS:
            cases.append((f"rule {source[:55]!r} on {filler!r}", rule.match, filler, "!"))
    return cases


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scanners", action="store_true", help="the scanners only (seconds, not minutes)")
    parser.add_argument("--reps", type=int, default=4_000, help="repetitions of a trigger at n (default 4,000)")
    parser.add_argument("--top", type=int, default=15, help="rows shown per table")
    args = parser.parse_args(argv)
    tables = [("scanners (tests/hostile/test_linear.py)", scanner_cases())]
    if not args.scanners:
        tables.append(("patterns and command rules (tests/hostile/test_regex_enumeration.py)", pattern_cases()))
    for title, cases in tables:
        rows = ratios(cases, args.reps)
        print(f"{title}: {len(rows)} cases at {args.reps:,} and {2 * args.reps:,} repetitions; largest ratios")
        for ratio, small, large, name in rows[:args.top]:
            print(f"  {ratio:5.2f}×  {small * 1000:8.2f} ms -> {large * 1000:8.2f} ms  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
