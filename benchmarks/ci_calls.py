#!/usr/bin/env python3
"""How often the CI readers are asked about files in one grading of a 100,000-file repository.

    python benchmarks/ci_calls.py              # 99,990 files: about a minute
    python benchmarks/ci_calls.py --files 20000

Writes a folder of empty source files, a manifest and a workflow committed in the wrong place
(a project committed inside a folder: no pipeline runs, so every CI check says why), grades it with the bundled rubrics through the library (``--worktree``'s
way: the folder as it is, no git), and counts the calls to every reader's ``matches`` — each
call is one question "is this file one of your pipelines?". Not a timed test: the count is the
measure (issue 26: every scan over files is linear in files, and each file is asked about once).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(folder: Path, files: int) -> None:
    extras = {
        "app/.github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
                                        "    steps:\n      - run: pytest\n",
        "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n",
    }
    for rel, text in extras.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    for i in range(files - len(extras)):
        sub = folder / f"src/d{i // 1000:03d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True)
        (sub / f"m{i}.py").touch()


def count(folder: Path, rubric_name: str) -> tuple[Counter, int]:
    from grader import rubric, scoring
    from grader.evidence import ci
    from grader.submission import Submission

    calls: Counter = Counter()
    patches = []
    for reader in ci.READERS:
        real = reader.matches

        def counted(path, _real=real, _name=reader.SYSTEM):
            calls[_name] += 1
            return _real(path)

        patches.append(mock.patch.object(reader, "matches", counted))
    for patch in patches:
        patch.start()
    try:
        sub = Submission(folder)
        scoring.grade_submission(sub, rubric.load(rubric_name))
        return calls, len(sub.files)
    finally:
        for patch in patches:
            patch.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=99_990)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="loopcheck-ci-calls-") as tmp:
        folder = Path(tmp)
        build(folder, args.files)
        for name in ("exercise-4.1", "devops-loop"):
            calls, files = count(folder, name)
            total = sum(calls.values())
            print(f"{name}: {files:,} files, {total:,} reader questions "
                  f"({total / files:.2f} per file; {calls['github']:,} to the GitHub reader)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
