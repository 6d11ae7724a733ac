"""Turning what the user names into the files to grade: a folder as it is (or, inside a git
repository, the repository it belongs to), a commit's files read straight from its git objects
(a repository whose folder differs from its last commit, a git bundle cloned without a checkout),
or a zip/tar archive unpacked safely into a temporary folder (removed afterwards)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.archives import (
    ArchiveError,
    ZipFiles,
    extract,
    kind_of,
    lone_archive,
    open_zip,
    submission_root,
)
from grader.errors import LoopcheckError
from grader.git import (
    CLONE_TIMEOUT,
    AtDeadline,
    NothingCommitted,
    PendingGit,
    clone_bundle,
    commit_at,
    export_index,
    index_file_of,
    worktree_changes,
)
from grader.git.tree import CommitTree, open_commit


@dataclass(slots=True)
class Opened:
    folder: str  # the files to grade (with ``tree``: the repository they are read from)
    notes: list[str] = field(default_factory=list)  # what the user should know about what was graded
    git_root: str | None = None  # where the history is read, when not ``folder``
    rev: str | None = None  # the commit graded, when it is not HEAD's (a deadline)
    at: AtDeadline | None = None  # how the deadline was applied
    tree: CommitTree | ZipFiles | None = None  # the files, read where they are (a commit's objects, a zip) instead of ``folder``


def repository_root(folder: str) -> str | None:
    """The git repository ``folder`` is inside of (its nearest folder above with a ``.git``), not
    looking at or above the home folder, which may be a repository of dotfiles."""
    here = Path(os.path.abspath(folder))
    home = Path(os.path.expanduser("~")).resolve()
    for parent in here.parents:
        if parent == home or parent in home.parents:
            return None
        try:
            if stat.S_ISDIR(os.lstat(parent / ".git").st_mode):
                return str(parent)
        except OSError:
            continue
    return None


def _left(until: float | None) -> float | None:
    """Seconds left of the time budget ending at ``until`` (``time.monotonic()``), or None."""
    return None if until is None else until - time.monotonic()


class EarlyGit:
    """git started for a repository's own folder as soon as the command line is read, so that it
    works while Python imports the checks and loads the rubric: the folder's ``git status`` (in a
    thread: does the folder match its last commit?) and the history's facts (a
    :class:`~grader.git.PendingGit`, handed to :func:`grader.scoring.grade`). The same commands,
    with the same isolation, as when they are started later; :meth:`close` (always called) waits
    for the status and ends whatever git command was not used."""

    def __init__(self, root: str, *, status: bool, pull_request: bool):
        self.root = root
        self._status: list[tuple[list[str] | None, BaseException | None]] = []
        self._thread: threading.Thread | None = None
        if status:
            self._thread = threading.Thread(target=self._read_status, name="loopcheck-status")
            self._thread.start()
        self.facts: PendingGit | None = PendingGit(os.path.abspath(root), pull_request=pull_request)

    def _read_status(self) -> None:
        try:
            self._status.append((worktree_changes(self.root), None))
        except BaseException as exc:  # noqa: BLE001 - raised again where the answer is read
            self._status.append((None, exc))

    def status(self) -> list[str] | None:
        """:func:`~grader.git.worktree_changes` of the folder (raising what it raised)."""
        assert self._thread is not None  # started with status=True
        self._thread.join()
        changed, exc = self._status[0]
        if exc is not None:
            raise exc
        return changed

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self.facts is not None:
            self.facts.close()
            self.facts = None


def early_git(path: str, *, worktree: bool = False, staged: bool = False,
              pull_request: bool = False) -> EarlyGit | None:
    """git started now for ``path`` when :func:`opened` will read it as a repository's own folder
    (a folder holding ``.git``; not ``--staged``, whose status is the index's): its status unless
    ``worktree`` (the folder is graded as it is), and its history. None otherwise."""
    if staged or not os.path.isdir(path) or not os.path.lexists(os.path.join(path, ".git")):
        return None
    return EarlyGit(path, status=not worktree, pull_request=pull_request)


@contextlib.contextmanager
def committed(root: str, *, compare: bool = True, deadline: int | None = None,
              until: float | None = None, early: EarlyGit | None = None) -> Iterator[Opened]:
    """What the last commit of ``root`` holds: the folder itself when it matches the commit (a
    clean working tree, the usual case), else the commit's files in a temporary folder, with a
    note naming the files of the folder that differ from it (uncommitted, untracked, ignored).
    With a ``deadline`` (Unix time), the last commit made at or before it. ``early``: the
    folder's status, already started (:func:`early_git`)."""
    if deadline is not None:
        at = commit_at(root, deadline)
        if at.commit is None:
            raise LoopcheckError("nothing to grade: no commit was made before the deadline"
                                 + (f" ({at.note})" if "; " in at.note else ""))
        with _committed(root, compare=False, rev=at.commit, until=until) as source:
            if at.later:
                source.notes.insert(0, f"late: graded commit {at.commit[:10]}, the last before the deadline; "
                                       f"{at.later} later commit(s) not graded")
            if at.note:
                source.notes.append(at.note)
            source.rev, source.at = at.commit, at
            yield source
        return
    with _committed(root, compare=compare, rev=None, until=until, early=early) as source:
        yield source


@contextlib.contextmanager
def _committed(root: str, *, compare: bool, rev: str | None, until: float | None = None,
               early: EarlyGit | None = None) -> Iterator[Opened]:
    if not compare:
        changed = None
    elif early is not None and early.root == root:
        changed = early.status()
    else:
        changed = worktree_changes(root)
    if changed is not None:
        changed = [p for p in changed if not _skipped(p)]
        if not changed:
            yield Opened(root)
            return
    try:
        left = _left(until)
        if left is not None and left <= 0:
            raise LoopcheckError("the time budget (--timeout) ran out before the commit's files were read")
        tree = open_commit(os.path.join(root, ".git"), rev=rev, timeout=left)
    except NothingCommitted:
        yield Opened(root, ["nothing committed yet — commit your work (git add, then git commit): the folder "
                            "was graded as it is, and the checks that read the history have none to read"])
        return
    except LoopcheckError as exc:
        if rev is not None:
            raise LoopcheckError(f"the commit at the deadline can't be read ({exc})") from None
        yield Opened(root, [f"graded the folder as it is: its commit can't be read ({exc})"])
        return
    try:
        skipped = tree.skipped
        notes = [f"{len(skipped)} unsafe entries of the commit skipped: {'; '.join(skipped[:3])}"] if skipped else []
        if changed:
            shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
            notes.append(f"graded the last commit: {len(changed)} file(s) in the folder differ from it "
                         f"(uncommitted, untracked or ignored): {shown} — commit them, or grade with --worktree")
        yield Opened(root, notes, git_root=root, tree=tree)
    finally:
        tree.close()


@contextlib.contextmanager
def staged_files(root: str) -> Iterator[Opened]:
    """What ``git commit`` would commit from ``root``: the files staged in its index (in a
    pre-commit hook, the index of the commit being made: git names it in ``GIT_INDEX_FILE``),
    in a temporary folder; the history is the repository's, up to its last commit. A note names
    the files of the folder that differ from the index (not staged, untracked or ignored)."""
    index_file = index_file_of(root, os.environ.get("GIT_INDEX_FILE"))
    tmp = tempfile.mkdtemp(prefix="loopcheck-index-")
    try:
        tar_path = os.path.join(tmp, "index.tar")
        try:
            export_index(root, tar_path, index_file=index_file)
            files = Path(tmp) / "files"
            files.mkdir()
            skipped = extract(tar_path, files)
        except (LoopcheckError, ArchiveError) as exc:
            raise LoopcheckError(f"--staged: what is staged in {root} can't be read ({exc})") from None
        finally:
            if os.path.exists(tar_path):
                os.unlink(tar_path)
        notes = ["graded what is staged for commit (the index), with the history up to the last commit"]
        if skipped:
            notes.append(f"{len(skipped)} unsafe entries of the index skipped: {'; '.join(skipped[:3])}")
        changed = [p for p in worktree_changes(root, staged=True, index_file=index_file) or [] if not _skipped(p)]
        if changed:
            shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
            notes.append(f"{len(changed)} file(s) in the folder differ from what is staged "
                         f"(not staged, untracked or ignored): {shown} — `git add` them to grade them")
        yield Opened(str(files), notes, git_root=root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _skipped(path: str) -> bool:
    """A path the grader never reads anyway (dependencies, caches, virtualenvs)."""
    from grader.submission import SKIP_DIRS

    return any(part in SKIP_DIRS for part in path.rstrip("/").split("/"))


@contextlib.contextmanager
def opened(path: str, *, worktree: bool = False, deadline: int | None = None,
           staged: bool = False, until: float | None = None, early: EarlyGit | None = None) -> Iterator[Opened]:
    """What to grade for ``path``: a folder (a repository's last commit, unless ``worktree``, or
    what is staged for the next one with ``staged``; the last one at or before ``deadline``, a
    Unix time, when given), a ``.bundle`` file or a zip/tar archive (which has no history: a
    deadline can't apply to it and is noted). Cloning, exporting and unpacking are done by
    ``until`` (``time.monotonic()``: the grading's --timeout). ``early``: git already started
    for ``path`` (:func:`early_git`)."""
    if not os.path.exists(path):
        raise LoopcheckError(f"path not found: {path}")
    if staged and worktree:
        raise LoopcheckError("--staged and --worktree can't go together: grade the index or the folder")
    if os.path.isdir(path):
        if os.path.lexists(os.path.join(path, ".git")):
            if staged:
                with staged_files(path) as source:
                    yield source
            elif worktree:
                yield Opened(path, ["graded the folder as it is (--worktree), not its last commit"])
            else:
                with committed(path, deadline=deadline, until=until, early=early) as source:
                    yield source
            return
        inner = None if staged else lone_archive(path)
        if inner:  # Gradescope's /autograder/submission holding the learner's bundle or zip
            with opened(inner, deadline=deadline, until=until) as source:
                yield Opened(source.folder, [f"graded {os.path.basename(inner)}, the one archive in {path}", *source.notes],
                             git_root=source.git_root, rev=source.rev, at=source.at, tree=source.tree)
            return
        root = repository_root(path)
        if root:
            with opened(root, worktree=worktree, deadline=deadline, staged=staged, until=until) as source:
                source.notes.insert(0, f"graded the git repository at {root}: the folder given ({path}) is inside it")
                yield source
        elif staged:
            raise LoopcheckError(f"--staged: {path} is not in a git repository, so nothing is staged")
        else:
            yield Opened(path, _no_history(deadline))
        return
    if staged:
        raise LoopcheckError(f"--staged grades a git repository's folder, not {path}")
    with _opened_file(path, deadline, until) as source:
        yield source


@contextlib.contextmanager
def _opened_file(path: str, deadline: int | None, until: float | None = None) -> Iterator[Opened]:
    """A ``.bundle`` file or a zip/tar archive, opened in a temporary folder by ``until``."""
    kind = kind_of(path) if os.path.isfile(path) else None
    if kind is None:
        raise LoopcheckError(f"not a folder: {path} (give the repository's folder, a .bundle file or a zip/tar archive)")
    tmp = tempfile.mkdtemp(prefix="loopcheck-sub-")
    try:
        if kind == "bundle":
            # cloned without a checkout (its objects and refs only): the files are read from its
            # last commit's objects, each within the size cap (a tiny bundle can hold gigabytes of zeros)
            dest = os.path.join(tmp, os.path.basename(path)[: -len(".bundle")] or "submission")
            left = _left(until)
            clone_bundle(path, dest, checkout=False, **({} if left is None else {"timeout": min(left, CLONE_TIMEOUT)}))
            with committed(dest, compare=False, deadline=deadline, until=until) as source:
                yield source
        else:
            zipped = _zip_in_place(path, until) if kind == "zip" else None
            if zipped is not None:  # read where it is: nothing unpacked
                try:
                    notes = [f"{len(zipped.skipped)} unsafe archive entries skipped: {'; '.join(zipped.skipped[:3])}"] \
                        if zipped.skipped else []
                    yield Opened(path, notes + _no_history(deadline), tree=zipped)
                finally:
                    zipped.close()
                return
            unpacked = Path(tmp) / "unpacked"
            unpacked.mkdir()
            try:
                skipped = extract(path, unpacked, until=until)
            except ArchiveError as exc:
                raise LoopcheckError(f"{path}: archive refused: {exc}") from None
            notes = [f"{len(skipped)} unsafe archive entries skipped: {'; '.join(skipped[:3])}"] if skipped else []
            top = str(submission_root(unpacked))
            if deadline is not None and os.path.isdir(os.path.join(top, ".git")):
                with committed(top, compare=False, deadline=deadline, until=until) as source:
                    source.notes[:0] = notes
                    yield source
                return
            yield Opened(top, notes + _no_history(deadline))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _zip_in_place(path: str, until: float | None) -> ZipFiles | None:
    """A zip archive read in place, or None when it holds a git repository (unpacked for git)."""
    try:
        return open_zip(path, until=until)
    except ArchiveError as exc:
        raise LoopcheckError(f"{path}: archive refused: {exc}") from None


def _no_history(deadline: int | None) -> list[str]:
    return ["no git history: the deadline could not be checked (graded the files as handed in)"] if deadline is not None else []
