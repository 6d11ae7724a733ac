#!/usr/bin/env python3
"""Benchmark loopcheck: the ratios its goals are set in, and a table of synthetic repositories.

    python benchmarks/bench.py                  # the ratios (builds a 100,000-file repository: minutes)
    python benchmarks/bench.py --only learner,tags --runs 9
    python benchmarks/bench.py --loopcheck /main/venv/bin/loopcheck --loopcheck venv/bin/loopcheck  # before/after
    python benchmarks/bench.py --table [--quick] # the table of synthetic repositories instead

The ratios (each a median of ``--runs`` runs of a child process, printed with its goal, ✔ or ✘;
absolute times vary by 2x between days on a shared machine, their ratios much less):

* ``learner``: ``loopcheck`` on a complete learner repository (a clone of the complete sample)
  vs the import floor, a Python that only imports typer, rich, yaml, git and jsonschema;
* ``podinfo``: a mid-size real repository (podinfo, from ``--podinfo``, a git directory to clone)
  graded with ``devops-loop`` vs Repolinter's default rules on it (``$REPOLINTER``, ``--repolinter``
  or ``npx --no-install repolinter``; ``npm install --prefix /tmp/rl repolinter`` installs it);
* ``100k``: 100,000 committed files and one untracked file (so the last commit is graded, not the
  folder) vs reading every file, ``git ls-files -z | xargs -0 cat``;
* ``tags``: the time 20,000 tags add over 10 tags vs the import floor;
* ``batch``: ``loopcheck batch --jobs 2`` over 100 learner repositories, the wall time per
  submission vs one single run of ``loopcheck`` on one of them.

The table: each case graded ``--runs`` times; the median wall time, the floor (``git ls-files``,
reading every tracked file, listing tags with dates and counting commits, in one shell) and
Repolinter's time on the same repository. Peak memory is the child's maximum resident set size.
Repositories are built with ``git fast-import`` in a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_submissions" / "complete.bundle"
SAMPLE_SRC = ROOT / "sample_submissions" / "src" / "complete"
GIT_ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def git(repo: Path, *args: str, data: bytes | None = None) -> None:
    subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, input=data, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


# -- synthetic repositories ---------------------------------------------------------------
def _file_set(n: int) -> dict[str, bytes]:
    """n files shaped like a real service: sources, tests, manifests, workflows, docs."""
    files: dict[str, bytes] = {}
    for rel in (".github/workflows/ci.yml", ".github/workflows/release.yml", "k8s/deployment.yaml",
                "k8s/hpa.yaml", "monitoring/alerts.yml", "monitoring/dashboard.json", "CHANGELOG.md",
                "docs/plan.md", "docs/runbooks/high-error-rate.md", "Dockerfile", ".github/CODEOWNERS",
                ".github/pull_request_template.md", ".github/ISSUE_TEMPLATE/feature.md"):
        files[rel] = (SAMPLE_SRC / rel).read_bytes()
    i = 0
    while len(files) < n:
        kind = i % 10
        pkg = f"pkg/mod{i % 97}"
        if kind < 5:
            files[f"{pkg}/file{i}.go"] = (f"package mod\n\n// F{i} does a thing.\nfunc F{i}(x int) int {{\n"
                                          f"\treturn x + {i}\n}}\n").encode()
        elif kind < 7:
            files[f"{pkg}/file{i}_test.go"] = (f"package mod\n\nimport \"testing\"\n\nfunc TestF{i}(t *testing.T) {{\n"
                                               f"\tif F{i}(1) != {i + 1} {{\n\t\tt.Errorf(\"bad\")\n\t}}\n}}\n").encode()
        elif kind == 7:
            files[f"docs/page{i}.md"] = f"# Page {i}\n\n## Details\nSome words about part {i}.\n".encode()
        elif kind == 8:
            files[f"deploy/cm{i}.yaml"] = (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\n"
                                           f"data:\n  key: value{i}\n").encode()
        else:
            files[f"assets/data{i}.txt"] = f"data {i}\n".encode() * 4
        i += 1
    return files


def build_repo(dest: Path, *, files: int, commits: int, tags: int) -> Path:
    """A repository with ``files`` files, ``commits`` commits on main, ``tags`` annotated tags."""
    dest.mkdir(parents=True)
    git(dest, "init", "--quiet", "--initial-branch=main", "--template=")
    content = _file_set(files)
    names = sorted(content)
    out: list[bytes] = []
    tag_every = max(1, commits // max(tags, 1)) if tags else 0
    made_tags = 0
    stamp = 1700000000
    for c in range(commits):
        out.append(b"commit refs/heads/main\n")
        out.append(f"mark :{c + 1}\n".encode())
        out.append(f"committer Bench <bench@example.com> {stamp + c * 60} +0000\n".encode())
        msg = f"Change number {c} of the service\n".encode()
        out.append(f"data {len(msg)}\n".encode() + msg)
        if c == 0:
            for rel in names:
                data = content[rel]
                out.append(f"M 100644 inline {rel}\ndata {len(data)}\n".encode() + data + b"\n")
        else:
            rel = names[c % len(names)]
            data = content[rel] + f"// change {c}\n".encode()
            out.append(f"M 100644 inline {rel}\ndata {len(data)}\n".encode() + data + b"\n")
        out.append(b"\n")
        if tags and made_tags < tags and (c % tag_every == tag_every - 1 or c == commits - 1):
            name = f"v{made_tags // 100}.{made_tags % 100}.0"
            note = f"Release {name}\n".encode()
            out.append(f"tag {name}\nfrom :{c + 1}\ntagger Bench <bench@example.com> {stamp + c * 60} +0000\n".encode())
            out.append(f"data {len(note)}\n".encode() + note + b"\n")
            made_tags += 1
    # tags left over (more tags than commits): all on the last commit
    while made_tags < tags:
        name = f"v{made_tags // 100}.{made_tags % 100}.{made_tags // 10000}"
        out.append(f"reset refs/tags/{name}\nfrom :{commits}\n\n".encode())
        made_tags += 1
    git(dest, "fast-import", "--quiet", data=b"".join(out))
    git(dest, "checkout", "--quiet", "-f", "main")
    return dest


def typical(dest: Path) -> Path:
    git(dest.parent, "clone", "--quiet", str(SAMPLE), str(dest))
    return dest


# -- measuring ---------------------------------------------------------------------------------
def run_once(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one child process.

    Memory comes from GNU time when it is there (the rusage of a forked child would include
    this benchmark's own memory from before the exec)."""
    gnu_time = shutil.which("time") if Path("/usr/bin/time").exists() else None
    argv = ["/usr/bin/time", "-f", "%M", *cmd] if gnu_time else cmd
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    peak = 0.0
    if gnu_time:
        last = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["0"]
        peak = int(last[0]) / 1024 if last[0].isdigit() else 0.0
    return wall, peak


def median_of(cmd, runs: int, cwd=None) -> tuple[float, float]:
    run_once(cmd, cwd)  # warm the page cache
    results = [run_once(cmd, cwd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def floor_cmd(repo: Path) -> list[str]:
    script = ("git ls-files -z | xargs -0 cat > /dev/null; "
              "git for-each-ref --format='%(refname) %(creatordate:unix)' refs/tags > /dev/null; "
              "git rev-list --count HEAD > /dev/null")
    return ["sh", "-c", f"cd '{repo}' && {script}"]


def repolinter_cmd(given: str | None = None) -> list[str] | None:
    if given or os.environ.get("REPOLINTER"):
        return [given or os.environ["REPOLINTER"], "lint"]
    npx = shutil.which("npx")
    if npx and subprocess.run([npx, "--no-install", "repolinter", "--version"], capture_output=True,
                              timeout=120).returncode == 0:
        return [npx, "--no-install", "repolinter", "lint"]
    return None


def table(args, loopcheck: str, repolinter: list[str] | None) -> int:
    """The table of synthetic repositories (``--table``)."""
    work = Path(tempfile.mkdtemp(prefix="loopcheck-bench-"))
    cases = [
        ("typical learner repo (complete sample)", lambda d: typical(d)),
        ("mid-size (300 files, 1,200 commits, 100 tags)", lambda d: build_repo(d, files=300, commits=1200, tags=100)),
        ("large (1,700 files, 18,000 commits, 550 tags)", lambda d: build_repo(d, files=1700, commits=18000, tags=550)),
        ("1k files", lambda d: build_repo(d, files=1000, commits=1, tags=0)),
        ("10k files", lambda d: build_repo(d, files=10000, commits=1, tags=0)),
        ("100k files", lambda d: build_repo(d, files=100000, commits=1, tags=0)),
        ("10 tags", lambda d: build_repo(d, files=50, commits=20, tags=10)),
        ("1k tags", lambda d: build_repo(d, files=50, commits=20, tags=1000)),
        ("20k tags", lambda d: build_repo(d, files=50, commits=20, tags=20000)),
    ]
    if args.quick:
        cases = [c for c in cases if c[0] not in ("100k files", "20k tags")]
    rows = []
    try:
        for i, (name, make) in enumerate(cases):
            repo = make(work / f"case{i}")
            lc, lc_mem = median_of([loopcheck, str(repo), "--format", "json", "--output", os.devnull,
                                    "--no-fail"], args.runs)
            fl, _ = median_of(floor_cmd(repo), args.runs)
            rl = None
            if repolinter and name.startswith(("typical", "mid", "large")):
                rl, _ = median_of([*repolinter, str(repo)], max(3, args.runs // 2), cwd=repo)
            rows.append((name, lc, fl, lc_mem, rl))
            if name.startswith("typical"):  # what a learner sees: the default table format
                tb, tb_mem = median_of([loopcheck, str(repo), "--no-fail"], args.runs)
                rows.append(("  the same, table format (the default)", tb, fl, tb_mem, rl))
            print(f"  measured: {name}", file=sys.stderr)
        version, _ = median_of([loopcheck, "--version"], args.runs)
        helptime, _ = median_of([loopcheck, "--help"], args.runs)
    finally:
        if args.keep:
            print(f"repositories kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\nloopcheck benchmark — medians of {args.runs} runs, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}")
    print(f"loopcheck --version: {version * 1000:.0f} ms   loopcheck --help: {helptime * 1000:.0f} ms\n")
    head = f"{'case':<48} {'loopcheck':>10} {'floor':>8} {'ratio':>6} {'peak MB':>8} {'repolinter':>11} {'vs RL':>6}"
    print(head)
    print("-" * len(head))
    for name, lc, fl, mem, rl in rows:
        rl_text = f"{rl * 1000:9.0f}ms" if rl else f"{'n/a':>11}"
        vs = f"{lc / rl:6.2f}" if rl else f"{'':>6}"
        print(f"{name:<48} {lc * 1000:8.0f}ms {fl * 1000:6.0f}ms {lc / fl:6.1f} {mem:8.0f} {rl_text} {vs}")
    tags = {name: lc for name, lc, *_ in rows}
    if "20k tags" in tags and "10 tags" in tags:
        print(f"\n20,000 tags add {(tags['20k tags'] - tags['10 tags']) * 1000:.0f} ms over 10 tags")
    if not repolinter:
        print("\nRepolinter: not found (npm install -g repolinter, or set REPOLINTER=/path/to/repolinter)")
    return 0


# -- the ratios -------------------------------------------------------------------------------
PODINFO = Path("/work/.mirror/stefanprodan+podinfo/repo")
RATIOS = {  # name: (what, goal)
    "learner": ("loopcheck on a complete learner repository vs importing typer+rich+yaml+git+jsonschema", 0.70),
    "podinfo": ("podinfo with devops-loop vs Repolinter on it", 0.35),
    "100k": ("100,000 committed files + one untracked file vs git ls-files | xargs cat", 1.5),
    "tags": ("20,000 tags, the time added over 10 tags vs the import floor", 1.0),
    "batch": ("batch --jobs 2, 100 learner repositories, per submission vs one single run", 0.15),
}


def grading(loopcheck: str, repo: Path, *extra: str) -> list[str]:
    return [loopcheck, str(repo), "--format", "json", "--output", os.devnull, "--no-fail", *extra]


def import_floor(python: str) -> list[str]:
    return [python, "-c", "import typer, rich, yaml, git, jsonschema"]


class Ratios:
    """Each ratio measured in ``work`` for one installation: (loopcheck's time, the reference's,
    what the reference is). The repositories are built once and kept for every installation."""

    def __init__(self, args, work: Path):
        self.args, self.work = args, work
        self.loopcheck, self.python = "", ""

    def median(self, cmd: list[str], cwd: Path | None = None, runs: int | None = None) -> float:
        return median_of(cmd, runs or self.args.runs, cwd)[0]

    def floor(self) -> float:
        return self.median(import_floor(self.python))

    def built(self, name: str, make) -> Path:
        repo = self.work / name
        return repo if repo.exists() else make(repo)

    def learner(self) -> tuple[float, float, str]:
        repo = self.built("learner", typical)
        return self.median(grading(self.loopcheck, repo)), self.floor(), "import floor"

    def podinfo(self) -> tuple[float, float, str] | str:
        repolinter = repolinter_cmd(self.args.repolinter)
        if not repolinter:
            return "Repolinter not found (npm install --prefix /tmp/rl repolinter; --repolinter /tmp/rl/node_modules/.bin/repolinter)"
        if not Path(self.args.podinfo).is_dir():
            return f"no podinfo repository at {self.args.podinfo} (--podinfo GIT_DIR)"

        def clone(dest: Path) -> Path:
            git(self.work, "clone", "--quiet", str(self.args.podinfo), str(dest))
            return dest

        repo = self.built("podinfo", clone)
        lc = self.median(grading(self.loopcheck, repo, "--rubric", "devops-loop"))
        rl = self.median([*repolinter, str(repo)], cwd=repo, runs=max(3, self.args.runs // 2))
        return lc, rl, "Repolinter"

    def hundred_k(self) -> tuple[float, float, str]:
        def make(dest: Path) -> Path:
            build_repo(dest, files=100_000, commits=1, tags=0)
            (dest / "untracked-notes.txt").write_text("not committed\n", encoding="utf-8")
            return dest

        repo = self.built("100k", make)
        cat = ["sh", "-c", f"cd '{repo}' && git ls-files -z | xargs -0 cat > /dev/null"]
        return self.median(grading(self.loopcheck, repo)), self.median(cat), "git ls-files | xargs cat"

    def tags(self) -> tuple[float, float, str]:
        many = self.built("tags20k", lambda d: build_repo(d, files=50, commits=20, tags=20_000))
        few = self.built("tags10", lambda d: build_repo(d, files=50, commits=20, tags=10))
        added = self.median(grading(self.loopcheck, many)) - self.median(grading(self.loopcheck, few))
        return added, self.floor(), "import floor"

    def batch(self) -> tuple[float, float, str]:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_batch import build_class

        klass = self.built("class", lambda d: build_class(d / "students", 100) and d) / "students"
        times = []
        for run in range(max(3, self.args.runs // 2)):
            out = self.work / f"grades{run}.csv"
            for stale in (out, out.with_name("loopcheck-grades.sqlite")):
                stale.unlink(missing_ok=True)
            start = time.perf_counter()
            subprocess.run([self.loopcheck, "batch", str(klass), "--out", str(out), "--jobs", "2", "-q"],
                           check=True, cwd=self.work, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        single = self.median(grading(self.loopcheck, klass / "student0000"))
        return statistics.median(times) / 100, single, "one single run"


def ratios(args, installs: list[tuple[str, str]]) -> int:
    """Each ratio for each installation ((loopcheck, its python)), one after the other on the
    same repositories, so that a before/after comparison sees the same machine load."""
    wanted = [name.strip() for name in args.only.split(",")] if args.only else list(RATIOS)
    work = Path(tempfile.mkdtemp(prefix="loopcheck-bench-"))
    measure = Ratios(args, work)
    rows: dict[str, list] = {exe: [] for exe, _ in installs}
    try:
        for name in wanted:
            for exe, python in installs:
                measure.loopcheck, measure.python = exe, python
                method = {"100k": measure.hundred_k}.get(name) or getattr(measure, name)
                rows[exe].append((name, method()))
            print(f"  measured: {name}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    met = True
    for exe, _ in installs:
        print(f"\nloopcheck's ratios — {datetime.date.today()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
              f"medians of {args.runs} runs; {exe}")
        for name, found in rows[exe]:
            what, goal = RATIOS[name]
            if isinstance(found, str):
                print(f"  {what}: not measured: {found}")
                met = False
                continue
            lc, ref, ref_name = found
            ratio = lc / ref
            met = met and ratio <= goal
            print(f"  {'✔' if ratio <= goal else '✘'} {ratio:5.2f}×  (goal ≤ {goal:.2f}×)  {what}: "
                  f"{lc * 1000:.0f} ms vs {ref * 1000:.0f} ms ({ref_name})")
    return 0 if met else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", help=f"some of the ratios, by name: {','.join(RATIOS)}")
    parser.add_argument("--loopcheck", action="append", help="the loopcheck executable measured [default: the one "
                        "beside this Python]; repeat it to compare installations in one run (on the same repositories)")
    parser.add_argument("--repolinter", help="the repolinter executable [default: $REPOLINTER, else npx's]")
    parser.add_argument("--podinfo", default=str(PODINFO), help="podinfo's git directory, cloned for its ratio")
    parser.add_argument("--table", action="store_true", help="the table of synthetic repositories instead of the ratios")
    parser.add_argument("--quick", action="store_true", help="(--table) skip the 100k-file and 20k-tag cases")
    parser.add_argument("--keep", action="store_true", help="(--table) keep the repositories (prints where)")
    args = parser.parse_args(argv)

    found = shutil.which("loopcheck", path=str(Path(sys.executable).parent)) or shutil.which("loopcheck")
    executables = args.loopcheck or ([found] if found else [])
    if not executables:
        print("loopcheck is not installed: pip install . first", file=sys.stderr)
        return 2
    installs = []
    for loopcheck in executables:
        # Measure what an installed package does: pip byte-compiles on install, but an editable
        # install under PYTHONDONTWRITEBYTECODE=1 would recompile every module on every run.
        python = Path(loopcheck).with_name("python")
        python_exe = str(python if python.exists() else sys.executable)
        subprocess.run([python_exe, "-c", "import compileall, os, grader; "
                        "compileall.compile_dir(os.path.dirname(grader.__file__), quiet=1)"], check=False)
        installs.append((loopcheck, python_exe))
    if args.table:
        return table(args, installs[0][0], repolinter_cmd(args.repolinter))
    return ratios(args, installs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
