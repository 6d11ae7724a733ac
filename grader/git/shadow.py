"""The shadow git directory: a private, temporary git directory holding our own minimal
``config`` and links to the submission's object store and refs, so that nothing of the
submission's ``.git`` (its config, hooks, alternates) is ever used."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import threading

from grader.git.run import GitProblem
from grader.patterns import lazy

MAX_SMALL_FILE = 64 * 1024 * 1024
SHA = lazy(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


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


MAX_CHECKED = 8  # folders whose walk is remembered (see _only_own_files)
_checked: dict[tuple, list[tuple[str, tuple[int, int, int]]]] = {}
_checked_lock = threading.Lock()


def _stamp(folder: str) -> tuple[int, int, int] | None:
    """What changes when an entry of ``folder`` is added, removed or replaced (a file by a link)."""
    try:
        info = os.lstat(folder)
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_ctime_ns) if stat.S_ISDIR(info.st_mode) else None


def _only_own_files(top: str, what: str, *, skip: tuple[str, ...] = (), max_file: int | None = None) -> None:
    """Raise unless every entry under ``top`` is a real folder or a regular file: a symbolic
    link (to another submission's packs or objects, to /dev/zero), a FIFO, a socket or a
    device is never followed or opened, and such a repository's history is not read.

    A walk that passed is remembered with each folder's stamp: asked again (one grading makes a
    shadow for its status, its commit and its history: 20,000 tags are 20,000 entries each
    time) while no folder of it has changed, it is not walked again."""
    key = (top, what, skip, max_file)
    with _checked_lock:
        folders = _checked.pop(key, None)
    if folders is not None and all(_stamp(folder) == stamp for folder, stamp in folders):
        with _checked_lock:
            _checked[key] = folders
        return
    folders = []
    pending = [(top, 0)]
    seen = 0
    while pending:
        folder, depth = pending.pop()
        stamp = _stamp(folder)
        if stamp is not None:
            folders.append((folder, stamp))
        with os.scandir(folder) as entries:
            for entry in entries:
                if depth == 0 and entry.name in skip:
                    continue
                seen += 1
                if seen > MAX_GIT_ENTRIES:
                    raise GitProblem(f"{what} holds more than {MAX_GIT_ENTRIES} entries")
                info = entry.stat(follow_symlinks=False)
                mode = info.st_mode
                if stat.S_ISREG(mode):
                    if max_file is not None and info.st_size > max_file:
                        raise GitProblem(f"{what}/{os.path.relpath(entry.path, top)} is larger than a ref can be")
                elif stat.S_ISDIR(mode) and depth < 8:
                    pending.append((entry.path, depth + 1))
                else:
                    kind = "a symbolic link" if stat.S_ISLNK(mode) else "a special file"
                    raise GitProblem(f"{what}/{os.path.relpath(entry.path, top)} is {kind}: it is not followed, so "
                                     "the history can't be read (a repository must hold its own objects and refs)")
    if all(stamp is not None for _, stamp in folders):
        with _checked_lock:
            while len(_checked) >= MAX_CHECKED:
                _checked.pop(next(iter(_checked)))
            _checked[key] = folders


def make_shadow(dotgit: str, *, index: bool | str = False, head: str | None = None) -> str:
    """A private git directory reading ``dotgit``'s objects and refs; ``head`` (a commit id)
    pins its HEAD to that commit (grading as of a deadline). ``index``: a copy of the
    repository's index, or of the index file named (the one a commit in progress builds)."""
    join = os.path.join
    dotgit = os.path.abspath(dotgit)  # the shadow's links must resolve from wherever git runs
    if not _real_dir(join(dotgit, "objects")) or not _real_dir(join(dotgit, "refs")):
        raise GitProblem(".git has no objects or refs folder: not a readable repository")
    try:
        _only_own_files(join(dotgit, "refs"), ".git/refs", max_file=MAX_REF_BYTES)
        _only_own_files(join(dotgit, "objects"), ".git/objects", skip=("info",))
    except OSError as exc:
        raise GitProblem(f".git can't be listed ({exc.strerror})") from None
    shadow = tempfile.mkdtemp(prefix="loopcheck-git-")
    try:
        with open(join(shadow, "config"), "w", encoding="ascii") as fh:
            fh.write("[core]\n\trepositoryformatversion = 0\n\tbare = true\n")
        pinned = head
        if pinned is not None and not SHA.match(pinned):
            raise GitProblem(f"not a commit id: {pinned[:80]!r}")
        head_bytes = small_regular(join(dotgit, "HEAD"))
        if head_bytes is None:
            raise GitProblem(".git/HEAD is missing or not a regular file")
        _write_bytes(join(shadow, "HEAD"), head_bytes[:4096] if pinned is None else pinned.encode("ascii") + b"\n")
        for name in ("packed-refs", "shallow"):
            src = join(dotgit, name)
            if os.path.lexists(src):
                data = small_regular(src)
                if data is None:
                    raise GitProblem(f".git/{name} is not a regular file")
                _write_bytes(join(shadow, name), data)
        index_file = index if isinstance(index, str) else join(dotgit, "index")
        if index and os.path.lexists(index_file):  # a copy: git may refresh its own
            data = small_regular(index_file)
            if data is None:
                if isinstance(index, str):
                    raise GitProblem("the index is not a regular file of at most 64 MB")
            else:
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
