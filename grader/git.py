"""The one place git runs: an isolated environment, a timeout on every call, bundles and
URLs cloned, remote heads listed, and the facts of a submission's history.

Git facts are read without trusting the submission's git config.

The submission's ``.git`` folder is never used as the git directory. Instead a private,
temporary *shadow* git directory is assembled that holds our own minimal ``config`` and
links to the submission's object store and refs. So nothing in the submission's
``.git/config`` (``core.fsmonitor``, hooks, ``diff.external``, filters, pagers,
``include.path``, ``gpg.program``...) is ever read, system and global config are ignored,
no hook can run, git's "dubious ownership" refusal does not apply (the shadow folder is
ours), and ``objects/info/alternates`` (which could point outside) is left out.

All of it is read with a handful of plumbing commands started in parallel
(``for-each-ref``, ``log``), each with a timeout. Any failure becomes
:attr:`GitFacts.error`, which the git-based checks report as ``error`` with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field

from grader.errors import LoopcheckError

GIT_TIMEOUT = 8.0
MAX_LOG = 3000  # commits read (newest first)
MAX_FILES_LOG = 500  # of those, the newest whose changed files are read
MAX_SMALL_FILE = 64 * 1024 * 1024
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    time: int
    subject: str
    files: tuple[str, ...]
    tree: str = ""  # the commit's tree: two students with the same files have the same tree


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    commit: str | None  # the commit the tag points at (peeled)
    annotated: bool
    time: int
    reachable: bool


@dataclass(slots=True)
class GitFacts:
    is_git: bool = False
    error: str | None = None  # the repository exists but can't be read (fully)
    # the error's cause is outside the learner's control (git timed out or could not start,
    # loopcheck's own fault): not judged; otherwise what the repository holds, scored 0
    error_outside: bool = False
    shallow: bool = False
    head: str | None = None
    branch: str | None = None
    commits: list[Commit] = field(default_factory=list)  # newest first, up to MAX_LOG
    commit_count: int = 0
    tags: list[Tag] = field(default_factory=list)
    tag_error: str | None = None
    note: str | None = None  # how the history was read, when it is not simply HEAD's
    grafted: frozenset[str] = frozenset()  # a shallow clone's boundary: commits whose parents are missing

    @classmethod
    def read(cls, root: str) -> GitFacts:
        return PendingGit(root).finish()

    @property
    def reachable_shas(self) -> set[str]:
        return {c.sha for c in self.commits}


class _GitProblem(Exception):
    pass


class _GitTimeout(_GitProblem):
    """git ran out of its time: the machine's or loopcheck's budget, not the learner's doing."""


def _real_dir(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def small_regular(path: str) -> bytes | None:
    """A regular (non-symlink) file's bytes, or None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SMALL_FILE:
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(min(info.st_size + 4096, MAX_SMALL_FILE))  # read(n) reserves n bytes
    finally:
        os.close(fd)


MAX_GIT_ENTRIES = 200_000
MAX_REF_BYTES = 4096


def _only_own_files(top: str, what: str, *, skip: tuple[str, ...] = (), max_file: int | None = None) -> None:
    """Raise unless every entry under ``top`` is a real folder or a regular file: a symbolic
    link (to another submission's packs or objects, to /dev/zero), a FIFO, a socket or a
    device is never followed or opened, and such a repository's history is not read."""
    pending = [(top, 0)]
    seen = 0
    while pending:
        folder, depth = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if depth == 0 and entry.name in skip:
                    continue
                seen += 1
                if seen > MAX_GIT_ENTRIES:
                    raise _GitProblem(f"{what} holds more than {MAX_GIT_ENTRIES} entries")
                mode = entry.stat(follow_symlinks=False).st_mode
                rel = os.path.relpath(entry.path, top)
                if stat.S_ISDIR(mode) and depth < 8:
                    pending.append((entry.path, depth + 1))
                elif not stat.S_ISREG(mode):
                    kind = "a symbolic link" if stat.S_ISLNK(mode) else "a special file"
                    raise _GitProblem(f"{what}/{rel} is {kind}: it is not followed, so the history can't be read "
                                      "(a repository must hold its own objects and refs)")
                elif max_file is not None and entry.stat(follow_symlinks=False).st_size > max_file:
                    raise _GitProblem(f"{what}/{rel} is larger than a ref can be")


def _make_shadow(dotgit: str, *, index: bool = False, head: str | None = None) -> str:
    """A private git directory reading ``dotgit``'s objects and refs; ``head`` (a commit id)
    pins its HEAD to that commit (grading as of a deadline)."""
    join = os.path.join
    dotgit = os.path.abspath(dotgit)  # the shadow's links must resolve from wherever git runs
    if not _real_dir(join(dotgit, "objects")) or not _real_dir(join(dotgit, "refs")):
        raise _GitProblem(".git has no objects or refs folder: not a readable repository")
    try:
        _only_own_files(join(dotgit, "refs"), ".git/refs", max_file=MAX_REF_BYTES)
        _only_own_files(join(dotgit, "objects"), ".git/objects", skip=("info",))
    except OSError as exc:
        raise _GitProblem(f".git can't be listed ({exc.strerror})") from None
    shadow = tempfile.mkdtemp(prefix="loopcheck-git-")
    try:
        with open(join(shadow, "config"), "w", encoding="ascii") as fh:
            fh.write("[core]\n\trepositoryformatversion = 0\n\tbare = true\n")
        pinned = head
        if pinned is not None and not _SHA.match(pinned):
            raise _GitProblem(f"not a commit id: {pinned[:80]!r}")
        head_bytes = small_regular(join(dotgit, "HEAD"))
        if head_bytes is None:
            raise _GitProblem(".git/HEAD is missing or not a regular file")
        _write_bytes(join(shadow, "HEAD"), head_bytes[:4096] if pinned is None else pinned.encode("ascii") + b"\n")
        for name in ("packed-refs", "shallow"):
            src = join(dotgit, name)
            if os.path.lexists(src):
                data = small_regular(src)
                if data is None:
                    raise _GitProblem(f".git/{name} is not a regular file")
                _write_bytes(join(shadow, name), data)
        if index and os.path.lexists(join(dotgit, "index")):  # a copy: git may refresh its own
            data = small_regular(join(dotgit, "index"))
            if data is not None:
                _write_bytes(join(shadow, "index"), data)
        os.symlink(join(dotgit, "refs"), join(shadow, "refs"))
        objects = join(shadow, "objects")
        os.mkdir(objects)
        with os.scandir(join(dotgit, "objects")) as entries:
            for entry in entries:
                # info/ holds alternates, which may point outside the submission
                if entry.name != "info" and entry.is_dir(follow_symlinks=False):
                    os.symlink(entry.path, join(objects, entry.name))
        return shadow
    except BaseException:
        shutil.rmtree(shadow, ignore_errors=True)
        raise


def _write_bytes(path: str, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


def isolated_git_env(home: str) -> dict[str, str]:
    """An environment in which git reads no system or global config, asks no questions and
    runs no pager: every ``GIT_*`` variable of ours is dropped, HOME is a private folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        HOME=home,
        XDG_CONFIG_HOME=home,
        GIT_TERMINAL_PROMPT="0",
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_OPTIONAL_LOCKS="0",
        GIT_NO_REPLACE_OBJECTS="1",
        GIT_ATTR_NOSYSTEM="1",
        LC_ALL="C",
    )
    return env


def _git_env(shadow: str) -> dict[str, str]:
    env = isolated_git_env(shadow)
    env["GIT_DIR"] = shadow
    return env


_SAFE_CONFIG = (
    "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "log.showSignature=false",
    "-c", "core.quotePath=false", "-c", "safe.directory=*",
)


def _start(shadow: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        ["git", *_SAFE_CONFIG, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_git_env(shadow),
        cwd=shadow,
    )


MAX_OUTPUT = 64 * 1024 * 1024  # bytes read from one git command; the rest is dropped


def _finish(proc: subprocess.Popen) -> tuple[int, bytes, str]:
    """Wait for a git command (bounded in time) and read at most MAX_OUTPUT bytes of it."""
    chunks: list[bytes] = []
    errors: list[bytes] = []

    def read_out():
        size = 0
        try:
            while True:
                chunk = proc.stdout.read(1 << 16)
                if not chunk:
                    break
                if size < MAX_OUTPUT:
                    chunks.append(chunk[: MAX_OUTPUT - size])
                size += len(chunk)  # keep draining so git can finish
        except (ValueError, OSError):  # the pipe was closed under us (the command was abandoned)
            pass

    def read_err():
        try:
            errors.append(proc.stderr.read(1 << 16))
            proc.stderr.read()
        except (ValueError, OSError):
            pass

    threads = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err, daemon=True)]
    try:
        for t in threads:
            t.start()
    except RuntimeError:  # no room for another thread (a memory cap): stop git; the caller reports it
        proc.kill()
        proc.wait()
        raise
    # Wait on the reader (a lock, woken the moment git closes its output) rather than on
    # Popen.wait(timeout=...), which polls with sleeps.
    threads[0].join(timeout=GIT_TIMEOUT)
    if threads[0].is_alive():
        proc.kill()
        proc.wait()
        raise _GitTimeout(f"git took longer than {GIT_TIMEOUT:.0f} s")
    try:
        proc.wait(timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise _GitTimeout(f"git took longer than {GIT_TIMEOUT:.0f} s") from None
    threads[1].join(timeout=2)
    message = b"".join(errors).decode("utf-8", "replace").strip().splitlines()
    return proc.returncode, b"".join(chunks), (message[-1] if message else "")


class PendingGit:
    """Git facts being read: the git commands start at once (in the background, so they run
    while other checks work) and :meth:`finish` collects them. Always call :meth:`finish` (or
    :meth:`close`): it removes the shadow folder and ends every git process."""

    def __init__(self, root: str, rev: str | None = None):
        self.facts: GitFacts | None = None
        self.shadow: str | None = None
        self.procs: dict[str, subprocess.Popen] = {}
        self.root = root
        dotgit = os.path.join(root, ".git")
        try:
            info = os.lstat(dotgit)
        except OSError:
            self.facts = GitFacts(is_git=False)
            return
        if stat.S_ISLNK(info.st_mode):
            self.facts = GitFacts(is_git=True, error=".git is a symbolic link; it is not followed")
        elif stat.S_ISREG(info.st_mode):
            self.facts = GitFacts(
                is_git=True,
                error=".git is a file pointing to a git directory elsewhere (a worktree or "
                "submodule); only a repository's own .git folder is read",
            )
        elif not stat.S_ISDIR(info.st_mode):
            self.facts = GitFacts(is_git=False)
        else:
            try:
                self.shadow = _make_shadow(dotgit, head=rev)
                self.procs = _start_all(self.shadow)
            except _GitProblem as exc:
                self.facts = GitFacts(is_git=True, error=str(exc))
                self.close()
            except OSError as exc:
                self.facts = GitFacts(is_git=True, error=f"git could not be started: {exc.strerror}",
                                      error_outside=True)
                self.close()

    def finish(self) -> GitFacts:
        if self.facts is None and self.shadow is not None:
            facts = GitFacts(is_git=True)
            shallow = os.path.join(self.shadow, "shallow")
            facts.shallow = os.path.exists(shallow)
            if facts.shallow:
                with open(shallow, encoding="ascii", errors="replace") as fh:
                    facts.grafted = frozenset(line.strip() for line in fh if _SHA.match(line.strip()))
            with open(os.path.join(self.shadow, "HEAD"), encoding="utf-8", errors="replace") as fh:
                head_text = fh.read().strip()
            if not head_text.startswith("ref: "):  # pinned (a deadline): the branch HEAD names
                head_text = (small_regular(os.path.join(self.root, ".git", "HEAD")) or b"").decode(
                    "utf-8", "replace").strip()
            if head_text.startswith("ref: refs/heads/"):
                facts.branch = head_text[len("ref: refs/heads/"):]
            try:
                self.facts = _collect_facts(facts, self.procs)
            except _GitProblem as exc:
                self.facts = GitFacts(is_git=True, error=str(exc), error_outside=isinstance(exc, _GitTimeout))
            finally:
                self.close()
        if self.facts is None:  # closed before it was read
            self.facts = GitFacts(is_git=True, error="git facts were not read", error_outside=True)
        return self.facts

    def close(self) -> None:
        for proc in self.procs.values():  # whatever happened, no git process outlives the read
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        self.procs = {}
        if self.shadow:
            shutil.rmtree(self.shadow, ignore_errors=True)
            self.shadow = None


def _start_all(shadow: str) -> dict[str, subprocess.Popen]:
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs["log"] = _start(
            shadow, "log", "-z", f"-n{MAX_LOG}", "--format=%x1e%H%x1f%P%x1f%ct%x1f%T%x1f%s", "HEAD", "--",
        )
        procs["files"] = _start(
            shadow, "log", "-z", "--no-renames", "--name-only", f"-n{MAX_FILES_LOG}",
            "--format=%x1e%H%x1f", "HEAD", "--",
        )
        procs["tags"] = _start(
            shadow, "for-each-ref", "refs/tags",
            "--format=%(refname:strip=2)%1f%(objecttype)%1f%(objectname)%1f%(*objectname)"
            "%1f%(creatordate:unix)",
        )
        # Only a history longer than MAX_LOG needs these two, but started now they run while
        # the other checks work (a few ms for a small repository, ~150 ms saved on a large one).
        procs["count"] = _start(shadow, "rev-list", "--count", "HEAD", "--")
        procs["merged"] = _start(shadow, "for-each-ref", "--merged=HEAD", "refs/tags", "--format=%(refname)")
    except OSError:
        for proc in procs.values():
            proc.kill()
            proc.wait()
        raise
    return procs


def _collect_facts(facts: GitFacts, procs: dict) -> GitFacts:
    rc, out, err = _finish(procs["log"])
    if rc != 0:
        for name in ("files", "tags", "count", "merged"):
            _finish(procs[name])
        if "does not have any commits" in err or "unknown revision" in err or "bad revision" in err:
            raise _GitProblem("the repository has no commits (HEAD points to nothing)")
        raise _GitProblem(f"git could not read the history: {err[:200]}")
    rc_f, out_f, _ = _finish(procs["files"])
    files = _parse_files(out_f) if rc_f == 0 else {}
    facts.commits = _parse_log(out, files)
    truncated = len(facts.commits) >= MAX_LOG
    pr_head = pull_request_head(facts.commits)
    if pr_head:
        facts.note = (f"graded the pull request's own commits (head {pr_head[:10]}): the merge commit "
                      f"{facts.commits[0].sha[:10]} that the CI checkout made was left out")
        facts.commits = reachable_from(facts.commits, pr_head)
    facts.head = facts.commits[0].sha if facts.commits else None
    facts.commit_count = len(facts.commits)
    if not truncated:
        # The whole history was read: the count and the reachable tags follow from it, so the
        # two helpers stop now rather than compete for the CPU (close() reaps them).
        for name in ("count", "merged"):
            if procs[name].poll() is None:
                procs[name].kill()
    else:
        rc, out, _ = _finish(procs["count"])
        if rc == 0 and out.strip().isdigit():
            facts.commit_count = int(out.strip())

    rc_t, out_t, err_t = _finish(procs["tags"])
    if rc_t != 0:
        facts.tag_error = f"git could not list tags: {err_t[:200]}"
        return facts
    rows = _parse_tags(out_t)
    known = facts.reachable_shas
    reachable = {row[0] for row in rows if row[1] in known}
    if truncated and len(reachable) < len(rows):
        # tags on commits older than the history read: git's answer of which are on this branch
        rc_m, out_m, _ = _finish(procs["merged"])
        if rc_m == 0:
            reachable |= {line[len("refs/tags/"):] for line in out_m.decode("utf-8", "replace").splitlines()}
    facts.tags = [Tag(*row, row[0] in reachable) for row in rows]
    return facts


_PR_MERGE = re.compile(r"^Merge [0-9a-f]{40} into [0-9a-f]{40}$")


def pull_request_head(commits: list[Commit]) -> str | None:
    """The pull request's head when HEAD is the merge commit a CI checkout of a pull request
    makes (GitHub: "Merge <head> into <base>", or any two-parent HEAD in a pull_request run)."""
    if not commits or len(commits[0].parents) != 2:
        return None
    event = os.environ.get("GITHUB_EVENT_NAME", "")
    if _PR_MERGE.match(commits[0].subject) or event.startswith("pull_request"):
        return commits[0].parents[1]
    return None


def reachable_from(commits: list[Commit], start: str) -> list[Commit]:
    """The commits of ``commits`` reachable from ``start`` through their parents, in order."""
    by_sha = {c.sha: c for c in commits}
    seen: set[str] = set()
    pending = [start]
    while pending:
        sha = pending.pop()
        if sha in seen or sha not in by_sha:
            continue
        seen.add(sha)
        pending.extend(by_sha[sha].parents)
    return [c for c in commits if c.sha in seen]


def _parse_files(raw: bytes) -> dict[str, tuple[str, ...]]:
    out = {}
    for entry in raw.decode("utf-8", "replace").split("\x1e"):
        sha, sep, rest = entry.partition("\x1f")
        if sep:
            out[sha.strip()] = tuple(f.strip("\n") for f in rest.split("\x00") if f.strip("\n"))
    return out


def _parse_log(raw: bytes, files: dict[str, tuple[str, ...]]) -> list[Commit]:
    commits: list[Commit] = []
    for entry in raw.decode("utf-8", "replace").split("\x1e"):
        parts = entry.strip("\x00\n").split("\x1f", 4)
        if len(parts) < 5:
            continue
        sha, parents, when, tree, subject = parts
        try:
            moment = int(when)
        except ValueError:
            moment = 0
        commits.append(Commit(sha, tuple(parents.split()), moment, subject, files.get(sha, ()), tree))
    return commits


def _parse_tags(raw: bytes) -> list[tuple[str, str | None, bool, int]]:
    """(name, commit, annotated, creation time) of each tag."""
    tags: list[tuple[str, str | None, bool, int]] = []
    for line in raw.decode("utf-8", "replace").splitlines():
        parts = line.split("\x1f")
        if len(parts) != 5:
            continue
        name, objtype, objname, peeled, when = parts
        annotated = objtype == "tag"
        commit = peeled if annotated else objname
        try:
            moment = int(when)
        except ValueError:
            moment = 0
        tags.append((name, commit or None, annotated, moment))
    return tags


# -- cloning and remotes ------------------------------------------------------------------------
CLONE_TIMEOUT = 60.0
REMOTE_TIMEOUT = 30.0


def clone_bundle(bundle: str, dest: str, *, checkout: bool = True, timeout: float = CLONE_TIMEOUT) -> None:
    """Clone a git bundle into ``dest`` (which must not exist): isolated from system and global
    config, no templates (so no hooks), no prompt, only the ``file`` transport, within ``timeout``
    seconds. Without ``checkout`` no file is written out (see :func:`export_head`, size-bounded)."""
    if timeout <= 0:
        raise LoopcheckError(f"{bundle}: the time budget ran out before the bundle was cloned")
    home = tempfile.mkdtemp(prefix="loopcheck-home-")
    try:
        proc = subprocess.run(
            ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
             "clone", "--quiet", "--template=", "--no-hardlinks", *([] if checkout else ["--no-checkout"]),
             "--", os.path.abspath(bundle), dest],
            stdin=subprocess.DEVNULL, capture_output=True, env={**isolated_git_env(home), "GIT_ALLOW_PROTOCOL": "file"},
            timeout=timeout, cwd=home,
        )
    except subprocess.TimeoutExpired:
        raise LoopcheckError(f"{bundle}: cloning the bundle took longer than {timeout:.0f} s") from None
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[-1] if lines else f"git exited {proc.returncode}"
        raise LoopcheckError(f"{bundle}: not a readable git bundle ({reason[:200]})")


def _gitpython_env(home: str) -> dict[str, str]:
    """GitPython adds these to the process environment (it cannot remove variables; batch
    workers drop every inherited ``GIT_*`` variable when they start)."""
    env = isolated_git_env(home)
    return {k: v for k, v in env.items() if k.startswith(("GIT_", "HOME", "XDG_", "LC_"))}


def _size(folder: str) -> int:
    """Bytes of the regular files under ``folder`` (links not followed)."""
    total = 0
    for top, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(top, name)).st_size
            except OSError:
                pass
    return total


def clone_url(url: str, dest: str, *, checkout: bool = True, max_bytes: int | None = None,
              timeout: float = CLONE_TIMEOUT) -> None:
    """Clone a remote repository with GitPython's git: no templates or hooks, no prompt, no unsafe
    protocol (``ext::``) or option (``--upload-pack``), isolated config, within ``timeout``
    seconds and — like a bundle — at most ``max_bytes`` on disk while it is fetched (git is
    stopped past it). Without ``checkout`` no file is written out: :func:`export_head` exports
    the commit's files within the same cap as a bundle's."""
    import time

    from git.cmd import Git

    if timeout <= 0:
        raise LoopcheckError("the time budget ran out before the repository was cloned")
    Git.check_unsafe_protocols(url)
    home = tempfile.mkdtemp(prefix="loopcheck-home-")
    try:
        g = Git(home)
        g.update_environment(**_gitpython_env(home))
        proc = g.execute(["git", "clone", "--quiet", "--template=", "--config=core.hooksPath=/dev/null",
                          "--config=core.fsmonitor=false", *([] if checkout else ["--no-checkout"]),
                          "--", Git.polish_url(url, expand_vars=False), dest], as_process=True)
        child = proc.proc
        assert child is not None and child.stderr is not None
        stderr = child.stderr
        errors: list[bytes] = []
        reader = threading.Thread(target=lambda: errors.append(stderr.read(1 << 16)), daemon=True)
        reader.start()
        end = time.monotonic() + timeout
        why = None
        while child.poll() is None:
            if time.monotonic() > end:
                why = f"cloning took longer than {timeout:.0f} s"
            elif max_bytes is not None and os.path.isdir(dest) and _size(dest) > max_bytes:
                why = f"the repository is larger than {max_bytes // (1024 * 1024)} MB"
            if why:
                child.kill()
                child.wait()
                raise LoopcheckError(f"not cloned: {why}")
            time.sleep(0.05)
        reader.join(timeout=2)
        if child.returncode != 0:
            lines = b"".join(errors).decode("utf-8", "replace").strip().splitlines()
            raise LoopcheckError("git could not clone it: " + (lines[-1][:300] if lines else f"exit {child.returncode}"))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def remote_head(url: str) -> str | None:
    """The commit a remote's HEAD points at (``git ls-remote``), bounded in time."""
    from git.cmd import Git

    home = tempfile.mkdtemp(prefix="loopcheck-home-")
    try:
        g = Git()
        g.update_environment(**_gitpython_env(home))
        out = g.ls_remote("--", url, "HEAD", kill_after_timeout=REMOTE_TIMEOUT)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    sha = str(out).split()[0] if str(out).strip() else None
    return sha if sha and _SHA.match(sha) else None


def worktree_changes(root: str) -> list[str] | None:
    """Paths in the folder that differ from its last commit — modified, deleted, untracked or
    git-ignored — from ``git status`` run through a private shadow git directory (the
    repository's own config, hooks and submodules are never used); None when git can't tell."""
    dotgit = os.path.join(root, ".git")
    try:
        if not stat.S_ISDIR(os.lstat(dotgit).st_mode):
            return None
        shadow = _make_shadow(dotgit, index=True)
    except (OSError, _GitProblem):
        return None
    try:
        proc = _start(shadow, f"--work-tree={os.path.abspath(root)}", "status", "--porcelain=v1", "-z",
                      "--ignored=traditional", "--untracked-files=all", "--ignore-submodules=all", "--no-renames")
        rc, out, _err = _finish(proc)
    except (OSError, _GitProblem):
        return None
    finally:
        shutil.rmtree(shadow, ignore_errors=True)
    if rc != 0:
        return None
    paths = []
    for entry in out.decode("utf-8", "replace").split("\x00"):
        if len(entry) > 3:
            paths.append(entry[3:])
    return paths


EXPORT_MAX_BYTES = 500 * 1024 * 1024


def export_head(root: str, tar_path: str, *, max_bytes: int = EXPORT_MAX_BYTES, rev: str | None = None,
                timeout: float | None = None) -> None:
    """Write the files of ``root``'s HEAD commit (or of commit ``rev``) to ``tar_path`` (``git archive``), read through
    a private shadow git directory like every other git call, bounded in time and size. Raises
    LoopcheckError saying why it can't (no .git folder, no commit, too large...)."""
    dotgit = os.path.join(root, ".git")
    try:
        if not stat.S_ISDIR(os.lstat(dotgit).st_mode):
            raise LoopcheckError(".git is not a folder")
    except OSError:
        raise LoopcheckError("no .git folder") from None
    try:
        shadow = _make_shadow(dotgit, head=rev)
    except _GitProblem as exc:
        raise LoopcheckError(str(exc)) from None
    try:
        proc = _start(shadow, "archive", "--format=tar", "HEAD")
        assert proc.stdout is not None and proc.stderr is not None  # both are pipes
        stdout, stderr = proc.stdout, proc.stderr
        size = 0
        too_big = False
        errors: list[bytes] = []
        reader = threading.Thread(target=lambda: errors.append(stderr.read(1 << 16)), daemon=True)
        reader.start()
        limit = GIT_TIMEOUT * 4 if timeout is None else max(0.0, min(timeout, GIT_TIMEOUT * 4))
        timer = threading.Timer(limit, proc.kill)
        timer.start()
        try:
            with open(tar_path, "wb") as out:
                while True:
                    chunk = stdout.read(1 << 16)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        too_big = True
                        proc.kill()
                        break
                    out.write(chunk)
            proc.wait()
        finally:
            timer.cancel()
            reader.join(timeout=2)
            for stream in (stdout, stderr):
                stream.close()
        if too_big:
            raise LoopcheckError(f"the commit's files are larger than {max_bytes // (1024 * 1024)} MB")
        if proc.returncode != 0:
            message = b"".join(errors).decode("utf-8", "replace").strip().splitlines()
            raise LoopcheckError(message[-1][:200] if message else f"git archive exited {proc.returncode}")
    finally:
        shutil.rmtree(shadow, ignore_errors=True)


def head_commit(root: str) -> str | None:
    """HEAD's commit, read from the files (no git process): a quick fingerprint. Only regular,
    small files are read (no symlink, FIFO or device is ever opened)."""
    dotgit = os.path.join(root, ".git")

    def read(*parts: str) -> str:
        data = small_regular(os.path.join(dotgit, *parts))
        return data[:65536].decode("utf-8", "replace").strip() if data is not None else ""

    head = read("HEAD")
    if not head.startswith("ref: "):
        return head if re.fullmatch(r"[0-9a-f]{40,64}", head) else None
    ref = head[5:].strip()
    if ".." in ref or not ref.startswith("refs/"):
        return None
    value = read(*ref.split("/"))
    if re.fullmatch(r"[0-9a-f]{40,64}", value):
        return value
    for line in read("packed-refs").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == ref and re.fullmatch(r"[0-9a-f]{40,64}", parts[0]):
            return parts[0]
    return None


@dataclass(frozen=True, slots=True)
class AtDeadline:
    """The commit graded for a deadline: the last commit at or before it (committer date)."""

    commit: str | None  # None: no commit was made before the deadline
    commit_time: int  # its committer date (Unix time)
    later: int  # commits on the branch made after the deadline
    note: str  # what the instructor should know ('' when nothing)

    @property
    def late(self) -> bool:
        return self.later > 0


def commit_at(root: str, deadline: int) -> AtDeadline:
    """The last commit of ``root``'s HEAD committed at or before ``deadline`` (Unix time), how many
    commits came after it, and a note when author and committer dates tell different stories
    (a commit authored before the deadline but committed after it: rebased or amended late; or
    the graded commit authored after the deadline). Raises LoopcheckError when git can't say."""
    try:
        shadow = _make_shadow(os.path.join(root, ".git"))
    except _GitProblem as exc:
        raise LoopcheckError(str(exc)) from None
    except OSError as exc:
        raise LoopcheckError(f".git can't be read ({exc.strerror})") from None
    try:
        rc, out, err = _finish(_start(shadow, "log", "-z", f"-n{MAX_LOG}", "--format=%H%x1f%ct%x1f%at", "HEAD", "--"))
    except _GitProblem as exc:
        raise LoopcheckError(str(exc)) from None
    finally:
        shutil.rmtree(shadow, ignore_errors=True)
    if rc != 0:
        raise LoopcheckError(f"git could not read the history: {err[:200]}")
    rows = []
    for record in out.decode("ascii", "replace").split("\0"):
        parts = record.strip().split("\x1f")
        if len(parts) == 3 and _SHA.match(parts[0]) and parts[1].isdigit() and parts[2].isdigit():
            rows.append((parts[0], int(parts[1]), int(parts[2])))
    before = [r for r in rows if r[1] <= deadline]
    after = [r for r in rows if r[1] > deadline]
    notes = []
    rebased = [r for r in after if r[2] <= deadline]
    if rebased:
        notes.append(f"{len(rebased)} commit(s) after the deadline were authored before it "
                     "(rebased or amended late?)")
    if not before:
        return AtDeadline(None, 0, len(after), "; ".join(["no commit was made before the deadline", *notes]))
    # git log lists newest first by committer date for a linear history; with merges and clock
    # skew the latest committer date is the one graded
    sha, ctime, atime = max(before, key=lambda r: r[1])
    if atime > deadline:
        notes.append(f"the graded commit {sha[:10]} has an author date after the deadline")
    return AtDeadline(sha, ctime, len(after), "; ".join(notes))
