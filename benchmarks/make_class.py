#!/usr/bin/env python3
"""A class of generated submissions, as an instructor downloads them, for the README's
instructor walk-through and its test:

    python benchmarks/make_class.py DEST [--students 30]

DEST/moodle/    Moodle's "download all": one folder per student (``Name_N_assignsubmission_file_``)
                holding the zip they uploaded (their repository, .git included);
DEST/bundles/   git bundles handed in directly;
DEST/folders/   repositories as folders (cloned from a classroom organisation);
DEST/roster.csv the class as the LMS lists it: every student's LMS columns (email, SIS id,
                section, full name) that every export carries along, and a repository URL
                (``file://`` here) for those who gave one; the others' rows are matched to
                their submissions by name or folder.

Built in: one broken submission (a zip that is not one), one student who handed in twice (a
bundle and a roster row), and two late students (commits after the deadline of
2026-12-01T23:59:00+01:00). The work itself is the three bundled samples, in turn.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_submissions"
DEADLINE = "2026-12-01T23:59:00+01:00"
LATE_DATE = "2026-12-03T10:00:00+00:00"
OWN_DATE = "2026-11-28T16:00:00+00:00"
FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "Dennis",
         "Radia", "Linus", "Sophie", "Tim", "Hedy", "John", "Karen", "Niklaus", "Shafi", "Leslie",
         "Katherine", "Bjarne", "Adele", "Guido", "Jean", "Vint", "Evelyn", "Whitfield", "Lynn", "Robin"]
LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Allen",
        "Ritchie", "Perlman", "Torvalds", "Wilson", "Berners-Lee", "Lamarr", "Backus", "Jones", "Wirth",
        "Goldwasser", "Lamport", "Johnson", "Stroustrup", "Goldberg", "Rossum", "Bartik", "Cerf", "Boyd",
        "Diffie", "Conway", "Milner"]


def _env(date: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_AUTHOR_NAME="Student",
               GIT_AUTHOR_EMAIL="student@example.edu", GIT_COMMITTER_NAME="Student",
               GIT_COMMITTER_EMAIL="student@example.edu")
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return env


def _git(*args: str, cwd: Path | None = None, date: str | None = None) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=_env(date), check=True, capture_output=True)


def _repo(work: Path, name: str, sample: str, late: bool) -> Path:
    repo = work / name
    _git("clone", "--quiet", str(SAMPLES / f"{sample}.bundle"), str(repo))
    (repo / "AUTHORS.md").write_text(f"# Authors\n\n- {name}\n")  # each student's own commit
    _git("add", "-A", cwd=repo)
    _git("commit", "--quiet", "-m", "Add the author of this exercise", cwd=repo, date=OWN_DATE)
    if late:  # work pushed after the deadline: not graded, reported as late
        (repo / "LATE.md").write_text("Finished the runbook after the deadline.\n")
        _git("add", "-A", cwd=repo)
        _git("commit", "--quiet", "-m", "Add the last notes", cwd=repo, date=LATE_DATE)
    return repo


def _zip(folder: Path, dest: Path) -> None:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())


def build(dest: Path, students: int = 30) -> dict:
    """Build the class in ``dest``; what was built (for tests): names by kind."""
    dest = dest.resolve()
    if students < 8:
        raise SystemExit("a class needs at least 8 students (the special cases need room)")
    work = dest / ".work"
    for sub in ("moodle", "bundles", "folders", "remotes"):
        (dest / sub).mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    samples = ["complete", "half-done", "starter"]
    built: dict[str, list[str]] = {"moodle": [], "bundles": [], "folders": [], "roster": [], "late": [], "broken": [],
                                   "duplicate": []}
    roster_rows = []
    for i in range(students):
        first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
        if i >= len(FIRST):
            first += str(i // len(FIRST) + 1)
        login = f"{first}{last}".lower().replace("-", "")
        sample = samples[i % 3]
        late = i in (4, 11)
        identity = [login, "", f"{login}@example.edu", f"S{200000 + i}", f"Section {1 + i % 2}", f"{first} {last}"]
        if i % 3 != 2:  # on the roster without a repository: matched to the submission by name or folder
            roster_rows.append(identity)
        if i == 7:  # the broken one: a "zip" that is not one
            folder = dest / "moodle" / f"{first} {last}_{100000 + i}_assignsubmission_file_"
            folder.mkdir(exist_ok=True)
            (folder / "exercise.zip").write_bytes(b"PK\x03\x04 this upload was cut short")
            built["broken"].append(f"{first} {last}")
            continue
        repo = _repo(work, login, sample, late)
        if late:
            built["late"].append(login if i % 3 else f"{first} {last}")
        if i % 3 == 2:  # a roster row pointing at the student's repository
            remote = dest / "remotes" / f"{login}.git"
            _git("clone", "--quiet", "--bare", str(repo), str(remote))
            roster_rows.append([login, f"file://{remote}", *identity[2:]])
            built["roster"].append(login)
        elif i % 3 == 0 and i % 5 == 3:  # a repository folder, as cloned from a classroom org
            shutil.copytree(repo, dest / "folders" / login, symlinks=True)
            built["folders"].append(login)
        elif i % 3 == 1:  # a bundle handed in as it is
            _git("bundle", "create", str(dest / "bundles" / f"{login}.bundle"), "--all", cwd=repo)
            built["bundles"].append(login)
        else:  # Moodle: the student's folder holding the zip of their repository
            folder = dest / "moodle" / f"{first} {last}_{100000 + i}_assignsubmission_file_"
            folder.mkdir(exist_ok=True)
            _zip(repo, folder / "exercise-4.1.zip")
            built["moodle"].append(f"{first} {last}")
    # the duplicate: the first roster student also handed in a bundle
    twice = built["roster"][0]
    _git("bundle", "create", str(dest / "bundles" / f"{twice}.bundle"), "--all", cwd=dest / "remotes" / f"{twice}.git")
    built["duplicate"].append(twice)
    with open(dest / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["login", "repo_url", "email", "sis_user_id", "section", "full_name"])
        writer.writerows(roster_rows)
    shutil.rmtree(work)
    return built


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--students", type=int, default=30)
    args = parser.parse_args(argv)
    built = build(args.dest, args.students)
    print(f"built {args.students} submissions in {args.dest}: {len(built['moodle'])} Moodle zips, "
          f"{len(built['bundles'])} bundles, {len(built['folders'])} folders, {len(built['roster'])} roster URLs; "
          f"broken: {built['broken']}, "
          f"handed in twice: {built['duplicate']}, late: {built['late']}; deadline {DEADLINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
