#!/usr/bin/env python3
"""Do two loopcheck installations grade the same? Each submission is graded by both, and their
JSON reports are compared whole (the tool's version aside).

    python benchmarks/same_reports.py --before /tmp/venv-main/bin/loopcheck
    python benchmarks/same_reports.py --before OLD --after NEW rA tests/handgraded

The submissions: the sample bundles (graded with exercise-4.1 and devops-loop), and every
submission folder of the written rounds and the hand-graded set (a folder with a
``grades.yaml``; default: ``benchmarks/written/r*`` and ``tests/handgraded``), each handed in
three ways, so that every way loopcheck opens a submission is compared:

* ``clean``: a git repository with one commit, its folder as committed (graded as it is);
* ``untracked``: the same with one untracked file (the last commit is graded, not the folder);
* ``bundle``: a bundle of that repository (cloned without a checkout, its commit graded);
* ``zip``: a zip archive of the folder, without git (read in place, or unpacked).

``--repos DIR`` (alone: only them) adds every git repository in DIR (the field corpus's checkouts,
``benchmarks/field/run.py --work DIR``), graded with ``devops-loop`` as it is and with one
untracked file added (removed afterwards).

Prints each difference and a count; exits 1 when any report differs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
       "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "Learner",
       "GIT_AUTHOR_EMAIL": "learner@example.com", "GIT_COMMITTER_NAME": "Learner",
       "GIT_COMMITTER_EMAIL": "learner@example.com", "GIT_AUTHOR_DATE": "1772100000 +0000",
       "GIT_COMMITTER_DATE": "1772100000 +0000"}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True)


def handed_in(src: Path, work: Path) -> list[tuple[str, Path]]:
    """The three ways one submission folder is handed in: (form, path to grade)."""
    repo = work / "repo"
    shutil.copytree(src, repo, symlinks=True)
    git(repo, "init", "--quiet", "--initial-branch=main", "--template=")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "Hand in the exercise")
    bundle = work / "repo.bundle"
    git(repo, "bundle", "create", "--quiet", str(bundle), "--all")
    untracked = work / "untracked"
    shutil.copytree(repo, untracked, symlinks=True)
    (untracked / "notes-not-committed.txt").write_text("a file the learner did not commit\n", encoding="utf-8")
    archive = work / "handed-in.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(src.rglob("*")):
            if path.is_file() and not path.is_symlink():
                zf.write(path, f"{src.name}/{path.relative_to(src).as_posix()}")
    return [("clean", repo), ("untracked", untracked), ("bundle", bundle), ("zip", archive)]


def report(exe: str, path: Path, rubric: str) -> dict:
    proc = subprocess.run([exe, str(path), "--rubric", rubric, "--format", "json", "--no-fail"],
                          capture_output=True, env=ENV, timeout=600)
    if proc.returncode != 0:
        return {"exit": proc.returncode, "stderr": proc.stderr.decode(errors="replace")[-500:]}
    data = json.loads(proc.stdout)
    data.pop("tool_version", None)
    return data


def differences(a, b, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            out += differences(a.get(key), b.get(key), f"{where}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {json.dumps(a)[:300]} -> {json.dumps(b)[:300]}"]


def compare(args, name: str, path: Path, rubric: str) -> int:
    """1 (and what differs, printed) when the two installations' reports differ, else 0."""
    found = differences(report(args.before, path, rubric), report(args.after, path, rubric))
    if found:
        print(f"DIFFERS {name}:", *found[:10], sep="\n  ", flush=True)
    elif args.verbose:
        print(f"same    {name}", flush=True)
    return 1 if found else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", nargs="*", help="folders of submission folders (default: the written rounds "
                        "and tests/handgraded)")
    parser.add_argument("--before", required=True, help="the loopcheck executable graded with first (main's)")
    parser.add_argument("--repos", type=Path, help="also every git repository in this folder, as it is and with "
                        "one untracked file")
    parser.add_argument("--verbose", "-v", action="store_true", help="name every submission compared")
    parser.add_argument("--after", default=shutil.which("loopcheck", path=str(Path(sys.executable).parent)),
                        help="the loopcheck executable compared with it [default: the one beside this Python]")
    args = parser.parse_args(argv)
    rounds = [Path(r) if os.sep in r else HERE / "written" / r for r in args.rounds]
    cases: list[tuple[str, Path, str]] = []
    if not rounds and not args.repos:  # the default: the samples, the written rounds, the hand-graded set
        rounds = [*sorted((HERE / "written").glob("r*/")), ROOT / "tests" / "handgraded"]
        for bundle in sorted((ROOT / "sample_submissions").glob("*.bundle")):
            cases += [(f"sample {bundle.stem} ({r})", bundle, r) for r in ("exercise-4.1", "devops-loop")]
    work = Path(tempfile.mkdtemp(prefix="loopcheck-same-"))
    compared = differ = 0
    try:
        for n, folder in enumerate(sorted(s for r in rounds for s in r.iterdir() if s.is_dir())):
            place = work / str(n)
            place.mkdir()
            cases += [(f"{folder.relative_to(ROOT)} ({form})", path, "exercise-4.1")
                      for form, path in handed_in(folder, place)]
        for name, path, rubric in cases:
            compared += 1
            differ += compare(args, name, path, rubric)
        for repo in sorted(p for p in (args.repos.iterdir() if args.repos else []) if (p / ".git").is_dir()):
            compared += 2
            differ += compare(args, f"{repo.name} (as it is)", repo, "devops-loop")
            extra = repo / "notes-not-committed-by-loopcheck.txt"
            extra.write_text("an untracked file\n", encoding="utf-8")
            try:
                differ += compare(args, f"{repo.name} (untracked)", repo, "devops-loop")
            finally:
                extra.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{compared} reports compared ({args.before} vs {args.after}): {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
