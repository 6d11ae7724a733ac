"""Copies of repositories: bundles and URLs cloned, a remote's HEAD, the index's files exported
(bounded in size), the work tree's changes, and the commit graded for a deadline. (A commit's
files are read from its objects: :mod:`~grader.git.tree`.)"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass

from grader.errors import LoopcheckError
from grader.git import facts, run
from grader.git.run import GIT_TIMEOUT, GitProblem, isolated_git_env
from grader.git.shadow import SHA, make_shadow

CLONE_TIMEOUT = 60.0
REMOTE_TIMEOUT = 30.0


def clone_bundle(bundle: str, dest: str, *, checkout: bool = True, timeout: float = CLONE_TIMEOUT) -> None:
    """Clone a git bundle into ``dest`` (which must not exist): isolated from system and global
    config, no templates (so no hooks), no prompt, only the ``file`` transport, within ``timeout``
    seconds. Without ``checkout`` no file is written out (the commit is read from its objects)."""
    if timeout <= 0:
        raise LoopcheckError(f"{bundle}: the time budget ran out before the bundle was cloned")
    home = tempfile.mkdtemp(prefix="loopcheck-home-")
    try:
        rc, _out, reason = run.run(
            ["clone", "--quiet", "--template=", "--no-hardlinks", *([] if checkout else ["--no-checkout"]),
             "--", os.path.abspath(bundle), dest],
            home=home, extra_env={"GIT_ALLOW_PROTOCOL": "file"}, timeout=timeout)
    except GitProblem:
        raise LoopcheckError(f"{bundle}: cloning the bundle took longer than {timeout:.0f} s") from None
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if rc != 0:
        reason = reason or f"git exited {rc}"
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
    stopped past it). Without ``checkout`` no file is written out: the commit's files are read
    from its objects, like a bundle's."""
    from git.cmd import Git as GitPython

    if timeout <= 0:
        raise LoopcheckError("the time budget ran out before the repository was cloned")
    GitPython.check_unsafe_protocols(url)
    home = tempfile.mkdtemp(prefix="loopcheck-home-")
    try:
        g = GitPython(home)
        g.update_environment(**_gitpython_env(home))
        proc = g.execute(["git", "clone", "--quiet", "--template=", "--config=core.hooksPath=/dev/null",
                          "--config=core.fsmonitor=false", *([] if checkout else ["--no-checkout"]),
                          "--", GitPython.polish_url(url, expand_vars=False), dest], as_process=True)
        _watch_clone(proc.proc, dest, max_bytes, timeout)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _watch_clone(child, dest: str, max_bytes: int | None, timeout: float) -> None:
    """Wait for a clone, stopping it past ``timeout`` or ``max_bytes`` on disk."""
    import threading
    import time

    assert child is not None and child.stderr is not None
    stderr = child.stderr
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(stderr.read(1 << 16)), daemon=True)
    reader.start()
    end = time.monotonic() + timeout
    while child.poll() is None:
        why = None
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
    return sha if sha and SHA.match(sha) else None


def worktree_changes(root: str, *, staged: bool = False, index_file: str | None = None) -> list[str] | None:
    """Paths in the folder that differ from its last commit — modified, deleted, untracked or
    git-ignored — from ``git status`` run through a private shadow git directory (the
    repository's own config, hooks and submodules are never used); None when git can't tell.
    ``staged``: those that differ from the index instead (``index_file``, else the repository's
    own): not staged, untracked or ignored."""
    dotgit = os.path.join(root, ".git")
    try:
        if not stat.S_ISDIR(os.lstat(dotgit).st_mode):
            return None
        shadow = make_shadow(dotgit, index=index_file or True)
    except (OSError, GitProblem):
        return None
    try:
        rc, out, _err = run.run([f"--work-tree={os.path.abspath(root)}", "status", "--porcelain=v1", "-z",
                                 "--ignored=traditional", "--untracked-files=all", "--ignore-submodules=all",
                                 "--no-renames"], home=shadow, git_dir=shadow)
    except (OSError, GitProblem):
        return None
    finally:
        shutil.rmtree(shadow, ignore_errors=True)
    if rc != 0:
        return None
    paths = []
    for entry in out.decode("utf-8", "replace").split("\x00"):
        if len(entry) > 3 and (not staged or entry[1] != " "):  # XY: Y is the folder against the index
            paths.append(entry[3:])
    return paths


EXPORT_MAX_BYTES = 500 * 1024 * 1024


def _dotgit_dir(root: str) -> str:
    dotgit = os.path.join(root, ".git")
    try:
        if not stat.S_ISDIR(os.lstat(dotgit).st_mode):
            raise LoopcheckError(".git is not a folder")
    except OSError:
        raise LoopcheckError("no .git folder") from None
    return dotgit


class NothingCommitted(LoopcheckError):
    """The repository's branch has no commit yet (``git init``, files added, never committed)."""


def _unborn(shadow: str) -> bool:
    """HEAD names a branch that has no commit yet."""
    try:
        verify, _out, _err = run.run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], home=shadow, git_dir=shadow)
        symbolic, _out, _err = run.run(["symbolic-ref", "--quiet", "HEAD"], home=shadow, git_dir=shadow)
    except (OSError, GitProblem):
        return False
    return verify != 0 and symbolic == 0


def index_file_of(root: str, given: str | None) -> str | None:
    """The index a commit in progress is building (git hands it to hooks as ``GIT_INDEX_FILE``:
    ``git commit -a`` or ``git commit PATH`` build a temporary one) when it belongs to ``root``'s
    own ``.git``; None for the repository's usual index."""
    if not given:
        return None
    dotgit = os.path.realpath(os.path.join(root, ".git"))
    path = os.path.realpath(given)
    return path if os.path.commonpath([dotgit, path]) == dotgit else None


def export_index(root: str, tar_path: str, *, index_file: str | None = None, max_bytes: int = EXPORT_MAX_BYTES) -> None:
    """Write the files staged in ``root``'s index (``index_file``, else ``.git/index``) — what
    ``git commit`` would commit — to ``tar_path``, through a private shadow git directory. The
    index's tree is written into a temporary object folder of our own (the repository's objects
    are read as alternates, never written). Raises LoopcheckError saying why it can't."""
    dotgit = _dotgit_dir(root)
    try:
        shadow = make_shadow(dotgit, index=index_file or True)
    except GitProblem as exc:
        raise LoopcheckError(str(exc)) from None
    try:
        if not os.path.exists(os.path.join(shadow, "index")):
            raise LoopcheckError("nothing is staged: the repository has no index")
        objects = os.path.join(shadow, "new-objects")
        os.mkdir(objects)
        env = {"GIT_OBJECT_DIRECTORY": objects, "GIT_ALTERNATE_OBJECT_DIRECTORIES": os.path.join(shadow, "objects")}
        try:
            rc, out, err = run.run(["write-tree"], home=shadow, git_dir=shadow, extra_env=env)
        except GitProblem as exc:
            raise LoopcheckError(str(exc)) from None
        tree = out.decode("ascii", "replace").strip()
        if rc != 0 or not SHA.match(tree):
            raise LoopcheckError(f"the index can't be read: {err[:200] or f'git write-tree exited {rc}'}")
        _archive(shadow, tree, tar_path, max_bytes, env=env, what="the staged files")
    finally:
        shutil.rmtree(shadow, ignore_errors=True)


def _archive(shadow: str, treeish: str, tar_path: str, max_bytes: int, *, env: dict[str, str] | None = None,
             what: str = "the commit's files", timeout: float | None = None) -> None:
    """``git archive`` of ``treeish`` into ``tar_path``, bounded in size and in time (``timeout``:
    what is left of the grading's, at most git's own limit)."""
    with open(tar_path, "wb") as out:
        git = run.start(["archive", "--format=tar", treeish], home=shadow, git_dir=shadow, sink=out,
                        max_output=max_bytes, extra_env=env)
        try:
            limit = GIT_TIMEOUT * 4 if timeout is None else max(0.001, min(timeout, GIT_TIMEOUT * 4))
            rc, _none, message = git.finish(limit)
        except GitProblem as exc:
            raise LoopcheckError(str(exc)) from None
        finally:
            git.close()
    if git.overflowed:
        raise LoopcheckError(f"{what} are larger than {max_bytes // (1024 * 1024)} MB")
    if rc != 0:
        raise LoopcheckError(message[:200] if message else f"git archive exited {rc}")


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
        shadow = make_shadow(os.path.join(root, ".git"))
    except GitProblem as exc:
        raise LoopcheckError(str(exc)) from None
    except OSError as exc:
        raise LoopcheckError(f".git can't be read ({exc.strerror})") from None
    try:
        rc, out, err = run.run(["log", "-z", f"-n{facts.MAX_LOG}", "--format=%H%x1f%ct%x1f%at", "HEAD", "--"],
                               home=shadow, git_dir=shadow)
    except GitProblem as exc:
        raise LoopcheckError(str(exc)) from None
    finally:
        shutil.rmtree(shadow, ignore_errors=True)
    if rc != 0:
        raise LoopcheckError(f"git could not read the history: {err[:200]}")
    rows = []
    for record in out.decode("ascii", "replace").split("\0"):
        parts = record.strip().split("\x1f")
        if len(parts) == 3 and SHA.match(parts[0]) and parts[1].isdigit() and parts[2].isdigit():
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
