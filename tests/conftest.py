"""Test helpers: build fixture repositories in tmp_path and run detectors on them."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from grader import detectors
from grader.submission import Submission

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_submissions"
# The course's own material (the lesson the exercise follows) is not shipped with loopcheck: it
# lives in a shared/ folder beside the project where the course keeps it. Tests that need it
# skip, saying why, where it is absent; with this variable set (CI sets it) absence fails them.
REQUIRE_SHARED = "LOOPCHECK_REQUIRE_SHARED"


def find_course_material(rel: str) -> Path | None:
    """``shared/<rel>`` in the nearest folder above the project that has it, else None."""
    for parent in ROOT.parents:
        path = parent / "shared" / rel
        if path.is_file():
            return path
    return None


def course_material(rel: str) -> Path:
    """``shared/<rel>`` beside the project; the calling test is skipped with the reason where it
    is absent, or failed when ``LOOPCHECK_REQUIRE_SHARED`` is set (to anything but 0)."""
    path = find_course_material(rel)
    if path is not None:
        return path
    reason = (f"needs the course material shared/{rel} beside the project (the course keeps it; "
              "loopcheck does not ship it)")
    if os.environ.get(REQUIRE_SHARED, "0") not in ("", "0"):
        pytest.fail(f"{reason}: {REQUIRE_SHARED} is set, so its absence is a failure", pytrace=False)
    pytest.skip(reason)


_CLONED: list[Path] = []  # this process's clone of the working tree (see working_tree_clone)


def working_tree_clone(dest: Path) -> Path:
    """A ``git clone`` of the project with this working tree's files (tracked, or new and not
    ignored) laid over it, so that uncommitted changes are what is tested (they are not
    committed in the clone). The clone is made once per test process (each pytest-xdist worker)
    and copied, ``.git`` and all, for each caller, who may change its copy as it likes."""
    if not _CLONED or not _CLONED[0].is_dir():
        import tempfile

        factory = getattr(_CONFIG[0], "_tmp_path_factory", None) if _CONFIG else None
        home = factory.mktemp("clone") if factory is not None else Path(tempfile.mkdtemp(prefix="loopcheck-clone-"))
        _CLONED[:] = [_clone_working_tree(home / "loopcheck")]
    shutil.copytree(_CLONED[0], dest, symlinks=True)
    return dest


def _clone_working_tree(dest: Path) -> Path:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(dest)], check=True, env=env,
                   capture_output=True, timeout=120)
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True, env=env, timeout=60).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src, copy = ROOT / rel, dest / rel
        if src.is_file() and not src.is_symlink():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, copy)
        elif not src.exists() and copy.is_file():  # deleted here, not yet committed
            copy.unlink()
    return dest


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


class Repo:
    """A git repository built commit by commit, isolated from the user's git config."""

    def __init__(self, path: Path):
        self.path = path
        self.tick = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", "--initial-branch=main", "--template=")

    def env(self) -> dict[str, str]:
        self.tick += 1
        stamp = f"{1772100000 + self.tick * 600} +0000"
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(HOME=str(self.path.parent), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
                   GIT_AUTHOR_NAME="Test", GIT_AUTHOR_EMAIL="t@example.com",
                   GIT_COMMITTER_NAME="Test", GIT_COMMITTER_EMAIL="t@example.com",
                   GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
        return env

    def git(self, *args: str) -> str:
        out = subprocess.run(["git", *args], cwd=self.path, env=self.env(), check=True,
                             capture_output=True, text=True)
        return out.stdout.strip()

    def commit(self, message: str, files: dict[str, str | bytes] | None = None) -> str:
        write_tree(self.path, files or {})
        self.git("add", "-A")
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str) -> None:
        self.git("switch", "--quiet", "-c", name)

    def switch(self, name: str) -> None:
        self.git("switch", "--quiet", name)

    def merge(self, name: str, message: str | None = None) -> None:
        self.git("merge", "--quiet", "--no-ff", "-m", message or f"Merge branch '{name}'", name)

    def tag(self, name: str, message: str | None = None, ref: str = "HEAD") -> None:
        if message:
            self.git("tag", "-a", name, "-m", message, ref)
        else:
            self.git("tag", name, ref)


@pytest.fixture
def repo(tmp_path) -> Repo:
    return Repo(tmp_path / "repo")


def run_check(root: Path, kind: str, params: dict | None = None):
    return detectors.run(Submission(root), kind, params or {})


@pytest.fixture
def check(tmp_path):
    """check(files, kind, params) -> Finding, on a plain folder (no git)."""
    counter = {"n": 0}

    def _check(files: dict, kind: str, params: dict | None = None):
        counter["n"] += 1
        root = write_tree(tmp_path / f"t{counter['n']}", files)
        return run_check(root, kind, params)

    return _check


# -- counting work, not time ------------------------------------------------------------------
# The "stays linear" and "stays bounded" tests measure work, which a busy machine cannot change:
# the Python function calls a piece of loopcheck makes (sys.setprofile), or the machine
# instructions it executes (valgrind's callgrind, for the regular-expression engine, whose work
# Python cannot see). Wall-clock measurements live in benchmarks/linear.py.

def python_calls(fn, *args, **kwargs) -> tuple[object, int]:
    """``fn(*args, **kwargs)`` and the number of Python function calls it made (deterministic)."""
    import sys

    calls = 0

    def profile(frame, event, arg):
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(profile)
    try:
        result = fn(*args, **kwargs)
    finally:
        sys.setprofile(None)
    return result, calls


def valgrind() -> str:
    """valgrind's path; skips (fails in CI, where .ci/run installs it) where it is missing."""
    exe = shutil.which("valgrind")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("the instruction-counting tests need valgrind: .ci/run installs Debian's valgrind package")
        pytest.skip("valgrind is not installed here (apt-get install valgrind; .ci/run installs it)")
    return exe


class Instructions:
    """Machine instructions executed between the marks of ``program`` (Python source run in a
    child under valgrind's callgrind; ``MARK()`` ends one measurement and starts the next; what
    runs before the first mark is not counted): exact counts, the same on an idle or a loaded
    machine. ``engine_only`` counts only inside the regular-expression engine. The child starts
    at once and is read by :meth:`counts`, so a test module can start it when the session's
    tests are collected and let it run beside the other tests (see ``START_COUNTING``)."""

    def __init__(self, program: str, *args: str, engine_only: bool = False, folder: Path | None = None) -> None:
        import sys
        import tempfile

        self.args = args
        # a folder given is shared (see instructions_of): the session's end removes it, not counts()
        self.shared = folder is not None
        self.folder = folder if folder is not None else Path(tempfile.mkdtemp(prefix="loopcheck-callgrind-"))
        code = "import os\nMARK = os.getppid\n" + textwrap.dedent(program)
        collect = ["--collect-atstart=no", "--toggle-collect=_sre_SRE_Pattern_*"] if engine_only else []
        # The child is started detached (a subshell that outlives the shell starting it), so it is
        # no descendant of this process: a grading run inside a test watches its own process tree
        # for memory (grader/memory.py) and would kill a callgrind child as one of its own.
        command = [valgrind(), "--tool=callgrind", f"--callgrind-out-file={self.folder / 'out'}",
                   "--dump-before=getppid", *collect, sys.executable, "-c", code, *args]
        try:
            subprocess.run(["sh", "-c", '( "$@" >/dev/null 2>"$LC_DIR/err" & echo $! >"$LC_DIR/pid.tmp"; '
                            'mv "$LC_DIR/pid.tmp" "$LC_DIR/pid"; wait $!; echo $? >"$LC_DIR/rc.tmp"; '
                            'mv "$LC_DIR/rc.tmp" "$LC_DIR/rc" ) >/dev/null 2>&1 &', "sh", *command],
                           check=True, timeout=60, env={**os.environ, "PYTHONHASHSEED": "0", "LC_DIR": str(self.folder)})
        except BaseException as exc:  # a reader in another process must not wait for a child never started
            (self.folder / "err").write_text(f"callgrind could not be started: {exc!r}")
            (self.folder / "rc").write_text("start failed")
            raise

    @classmethod
    def started_elsewhere(cls, folder: Path) -> Instructions:
        """The count another process of this test run (a pytest-xdist worker) started in
        ``folder``: read here, not started again."""
        self = cls.__new__(cls)
        self.args, self.shared, self.folder = (), True, folder
        return self

    def running(self) -> bool:
        return not (self.folder / "rc").exists() and self.folder.exists()

    def stop(self) -> None:
        """Kill the child if it still runs (a session stopped early)."""
        import signal

        pid = self.folder / "pid"
        if self.running() and pid.exists():
            try:
                os.kill(int(pid.read_text()), signal.SIGKILL)
            except (OSError, ValueError):
                pass

    def counts(self) -> list[int]:
        import time

        try:
            rc = self.folder / "rc"
            deadline = time.monotonic() + 1800  # a hang's stop, not a measure: the counts are exact
            while not rc.exists():
                assert time.monotonic() < deadline, "callgrind did not finish in 30 minutes"
                time.sleep(0.2)
            err = (self.folder / "err").read_text(errors="replace") if (self.folder / "err").exists() else ""
            assert rc.read_text().strip() == "0", err[-3000:]
            dumps = sorted(self.folder.glob("out.*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
            found = []
            for dump in dumps[1:]:  # the first dump is everything before the first mark
                summary = next((line for line in dump.read_text().splitlines() if line.startswith("summary:")),
                               "summary: 0")  # nothing collected since the last mark
                found.append(int(summary.split()[1]))
            return found
        finally:
            if not self.shared:  # a shared count may be read by another worker too
                shutil.rmtree(self.folder, ignore_errors=True)


_STARTED: dict[str, Instructions] = {}
_CONFIG: list = []  # this process's pytest config (pytest_configure)


def pytest_configure(config) -> None:
    _CONFIG[:] = [config]
    # pytest-xdist's --dist loadfile hands out the test files largest-first by their number of
    # tests, which is not their time (a file of 34 instruction-count tests would start early and
    # wait for its count): keep the order of pytest_collection_modifyitems instead
    if getattr(config.option, "loadscopereorder", None) is not None:
        config.option.loadscopereorder = False


def _counts_home() -> Path | None:
    """Where the session's background counts live, one folder each: under pytest-xdist, a folder
    all the workers of the run share (the controller's basetemp), so that each count runs once
    per test run, not once per worker."""
    factory = getattr(_CONFIG[0], "_tmp_path_factory", None) if _CONFIG else None
    if factory is None:
        return None
    base = factory.getbasetemp()
    return (base.parent if hasattr(_CONFIG[0], "workerinput") else base) / "loopcheck-callgrind"


def instructions_of(key: str, start) -> Instructions:
    """The counter ``key``, started by ``start(folder)`` unless it already was: once per test
    run, even where pytest-xdist runs the tests in several processes (the first process to
    claim the count's folder starts it, the others read the same folder)."""
    if key not in _STARTED:
        import tempfile

        home = _counts_home() or Path(tempfile.mkdtemp(prefix="loopcheck-callgrind-"))
        home.mkdir(parents=True, exist_ok=True)
        folder = home / key
        try:
            folder.mkdir()  # atomic: one process claims it
        except FileExistsError:
            _STARTED[key] = Instructions.started_elsewhere(folder)
        else:
            _STARTED[key] = start(folder)
    return _STARTED[key]


def instructions(program: str, tmp_path: Path | None = None) -> list[int]:
    """:class:`Instructions` of ``program``, started and read now."""
    return Instructions(program).counts()


# The test files that take longest, longest first (one worker's seconds, measured with
# --durations on 2026-12-08): under --dist loadfile they are handed out first, so that the
# workers finish together instead of one starting a long file when the other is nearly done.
SLOWEST = ("tests/hostile/test_hostile.py", "tests/test_readme.py", "tests/test_pre_commit.py",
           "tests/test_batch.py", "tests/test_instructor.py", "tests/test_shell_differential.py",
           "tests/hostile/test_fuzz.py", "tests/test_written_rounds.py", "tests/hostile/test_batch_integrity.py",
           "tests/hostile/test_caps_where_submissions_enter.py", "tests/test_fresh_clone.py",
           "tests/test_lazy_imports.py", "tests/test_cases.py", "tests/test_gradebook.py")


def pytest_collection_modifyitems(items) -> None:
    """The slowest test files first (SLOWEST), then the others in their order; the tests that
    read a background instruction count run last, when it has had the rest of the suite's time
    to finish."""
    rank = {name: i for i, name in enumerate(SLOWEST)}

    def key(item) -> tuple[int, int]:
        if getattr(getattr(item, "module", None), "START_COUNTING", None) is not None:
            return 2, 0
        try:
            rel = item.path.resolve().relative_to(ROOT).as_posix()
        except ValueError:
            return 1, 0
        return (0, rank[rel]) if rel in rank else (1, 0)

    items.sort(key=key)


def pytest_collection_finish(session) -> None:
    """Start the instruction counts of the collected test modules that have them (their
    ``START_COUNTING()``), so that they run beside the rest of the suite on a second core."""
    if shutil.which("valgrind") is None or session.config.option.collectonly:
        return  # the tests that need it skip, or fail in CI, when they ask for it
    modules = {id(item.module): item.module for item in session.items if getattr(item, "module", None)}
    for module in modules.values():
        start = getattr(module, "START_COUNTING", None)
        if start is not None:
            start()


def pytest_sessionfinish(session) -> None:
    """A count no test read (a run stopped early) is stopped with the session, and the counts'
    folders are removed: by the process that ran the whole session, or under pytest-xdist by the
    controller once every worker is done (a worker that finishes early leaves a count another
    worker may still read)."""
    if hasattr(session.config, "workerinput"):
        return
    home = _counts_home()
    folders = {c.folder for c in _STARTED.values()} | (set(home.iterdir()) if home and home.is_dir() else set())
    for folder in folders:
        Instructions.started_elsewhere(folder).stop()
        shutil.rmtree(folder, ignore_errors=True)
