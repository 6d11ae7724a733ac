"""Turning what the user names into a folder to grade: a folder as it is (or, inside a git
repository, the repository it belongs to), a git bundle cloned into a temporary folder, or a
zip/tar archive unpacked safely into one (removed afterwards)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.archives import ArchiveError, extract, kind_of, lone_archive, submission_root
from grader.errors import LoopcheckError
from grader.git import clone_bundle


@dataclass(slots=True)
class Opened:
    folder: str
    notes: list[str] = field(default_factory=list)  # what the user should know about what was graded


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


@contextlib.contextmanager
def opened(path: str) -> Iterator[Opened]:
    """What to grade for ``path``: a folder, a ``.bundle`` file or a zip/tar archive."""
    if not os.path.exists(path):
        raise LoopcheckError(f"path not found: {path}")
    if os.path.isdir(path):
        if os.path.lexists(os.path.join(path, ".git")):
            yield Opened(path)
            return
        inner = lone_archive(path)
        if inner:  # Gradescope's /autograder/submission holding the learner's bundle or zip
            with opened(inner) as source:
                yield Opened(source.folder, [f"graded {os.path.basename(inner)}, the one archive in {path}", *source.notes])
            return
        root = repository_root(path)
        if root:
            yield Opened(root, [f"graded the git repository at {root}: the folder given ({path}) is inside it"])
        else:
            yield Opened(path)
        return
    kind = kind_of(path) if os.path.isfile(path) else None
    if kind is None:
        raise LoopcheckError(f"not a folder: {path} (give the repository's folder, a .bundle file or a zip/tar archive)")
    tmp = tempfile.mkdtemp(prefix="loopcheck-sub-")
    try:
        if kind == "bundle":
            dest = os.path.join(tmp, os.path.basename(path)[: -len(".bundle")] or "submission")
            clone_bundle(path, dest)
            yield Opened(dest)
        else:
            unpacked = Path(tmp) / "unpacked"
            unpacked.mkdir()
            try:
                skipped = extract(path, unpacked)
            except ArchiveError as exc:
                raise LoopcheckError(f"{path}: archive refused: {exc}") from None
            notes = [f"{len(skipped)} unsafe archive entries skipped: {'; '.join(skipped[:3])}"] if skipped else []
            yield Opened(str(submission_root(unpacked)), notes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
