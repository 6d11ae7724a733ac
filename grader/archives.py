"""Archives handed in, opened safely: zip and tar archives unpacked into a folder of ours, or a
zip read in place (:class:`ZipFiles`, member by member, under the same checks and caps).

No entry lands outside the destination (absolute paths, ``..``, drive letters are refused);
symlinks, hard links and device files are skipped; the number of entries and the bytes
written are capped *as they are written* (the sizes an archive declares are not trusted).
A corrupt archive or one over a cap raises :class:`ArchiveError` with the reason.
"""

from __future__ import annotations

import os
import stat
import threading
import time
import zlib
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import zipfile

MAX_ENTRIES = 20_000
MAX_ENTRY_DEPTH = 64  # folders an entry may be nested in
MAX_TOTAL_BYTES = 500 * 1024 * 1024
CHUNK = 1 << 16


class ArchiveError(Exception):
    pass


def kind_of(path: str) -> str | None:
    low = path.lower()
    if low.endswith(".zip"):
        return "zip"
    if low.endswith((".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")):
        return "tar"
    if low.endswith(".bundle"):
        return "bundle"
    return None


def _safe_target(dest: Path, name: str) -> Path | None:
    """Where an entry goes, or None when its name would escape ``dest``."""
    name = name.replace("\\", "/")
    if not name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if not parts and set(name) <= {".", "/"}:
        return dest  # "./", the archive's own folder (`tar czf x.tgz .`)
    if not parts or any(p == ".." for p in parts) or any("\x00" in p for p in parts):
        return None
    if len(parts) > MAX_ENTRY_DEPTH:  # deeper than any project: unreadable, and hard to remove
        return None
    return dest.joinpath(*parts)


def unsafe_name(name: str) -> bool:
    """An entry name that would land outside the folder it is unpacked into (absolute, ``..``,
    a drive letter, deeper than :data:`MAX_ENTRY_DEPTH`): never written, never read. The same
    answer as :func:`_safe_target`'s, from the string alone (a commit lists 100,000 of them)."""
    if (name and name[0] != "/" and name[1:2] != ":" and "\\" not in name and ".." not in name
            and "\x00" not in name and name.count("/") < MAX_ENTRY_DEPTH):
        return False  # (most names) no more parts than slashes + 1, none of them ".."
    name = name.replace("\\", "/")
    if not name or name[0] == "/" or (len(name) > 1 and name[1] == ":"):
        return True
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return ".." in parts or any("\x00" in p for p in parts) or len(parts) > MAX_ENTRY_DEPTH


class _Budget:
    def __init__(self, max_entries: int, max_bytes: int, until: float | None = None):
        self.entries = 0
        self.bytes = 0
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.until = until  # time.monotonic() by which unpacking must be done (the grading's budget)

    def _in_time(self):
        if self.until is not None and time.monotonic() > self.until:
            raise ArchiveError("unpacking took longer than the time budget (--timeout)")

    def entry(self):
        self.entries += 1
        if self.entries > self.max_entries:
            raise ArchiveError(f"more than {self.max_entries} entries")
        self._in_time()

    def copy(self, src, target: Path):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = src.read(CHUNK)
                if not chunk:
                    break
                self.bytes += len(chunk)
                if self.bytes > self.max_bytes:
                    raise ArchiveError(f"unpacks to more than {self.max_bytes // (1024 * 1024)} MB")
                out.write(chunk)
                self._in_time()


def extract(archive: str, dest: Path, *, max_entries: int = MAX_ENTRIES,
            max_bytes: int = MAX_TOTAL_BYTES, until: float | None = None) -> list[str]:
    """Unpack ``archive`` into ``dest`` (an empty folder), done by ``until`` (a ``time.monotonic()``
    moment: the grading's time budget, so a small archive that is slow to decompress can't keep
    loopcheck busy past it). Returns the entries skipped, with why."""
    kind = kind_of(archive)
    budget = _Budget(max_entries, max_bytes, until)
    budget._in_time()
    skipped: list[str] = []
    try:
        info = os.stat(archive)
    except OSError as exc:
        raise ArchiveError(f"can't be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ArchiveError("not a regular file")
    try:
        if kind == "zip":
            _extract_zip(archive, dest, budget, skipped)
        elif kind == "tar":
            _extract_tar(archive, dest, budget, skipped)
        else:
            raise ArchiveError("not a zip or tar archive")
    except ArchiveError:
        raise
    except (_zipfile().BadZipFile, _tarfile().TarError, EOFError, zlib_error(), OSError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        raise ArchiveError(f"corrupt or unreadable archive ({type(exc).__name__}: {str(exc)[:120]})") from None
    return skipped


def zlib_error():
    return zlib.error


def _zipfile():
    """The zip module, imported when an archive is first read (a folder or a bundle never is)."""
    import zipfile

    return zipfile


def _tarfile():
    import tarfile

    return tarfile


def _extract_zip(archive: str, dest: Path, budget: _Budget, skipped: list[str]) -> None:
    with _zipfile().ZipFile(archive) as zf:
        for member in zf.infolist():
            budget.entry()
            mode = member.external_attr >> 16
            if member.is_dir():
                target = _safe_target(dest, member.filename)
                if target is None:
                    skipped.append(f"{member.filename}: outside the archive's folder")
                else:
                    target.mkdir(parents=True, exist_ok=True)
                continue
            kind = stat.S_IFMT(mode)  # 0 when the archiver recorded no type: a plain file
            if kind and kind != stat.S_IFREG:
                skipped.append(f"{member.filename}: not a regular file (symlink or device)")
                continue
            target = _safe_target(dest, member.filename)
            if target is None:
                skipped.append(f"{member.filename}: outside the archive's folder")
                continue
            if target.exists():
                skipped.append(f"{member.filename}: duplicate entry")
                continue
            with zf.open(member) as src:
                budget.copy(src, target)


def _extract_tar(archive: str, dest: Path, budget: _Budget, skipped: list[str]) -> None:
    with _tarfile().open(archive, mode="r:*") as tf:
        for member in tf:
            budget.entry()
            target = _safe_target(dest, member.name)
            if target is None:
                skipped.append(f"{member.name}: outside the archive's folder")
                continue
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if not member.isreg():
                skipped.append(f"{member.name}: not a regular file (link or device)")
                continue
            if target.exists():
                skipped.append(f"{member.name}: duplicate entry")
                continue
            src = tf.extractfile(member)
            if src is None:
                continue
            with src:
                budget.copy(src, target)


JUNK = frozenset({"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"})


def lone_archive(folder: str) -> str | None:
    """The one archive or bundle a folder holds and nothing else (an LMS's per-student folder,
    Gradescope's /autograder/submission), or None."""
    try:
        entries = [e for e in os.scandir(folder) if e.name not in JUNK and not e.name.startswith(".")]
    except OSError:
        return None
    if len(entries) == 1 and entries[0].is_file(follow_symlinks=False) and kind_of(entries[0].name):
        return entries[0].path
    return None


def submission_root(dest: Path) -> Path:
    """The folder to grade: the archive's single top-level folder when it has one."""
    entries = [e for e in dest.iterdir() if e.name not in JUNK]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink() and entries[0].name != ".git":
        return entries[0]
    return dest


class ZipFiles:
    """A zip archive's files read in place, each member when it is first asked for: no folder
    is written. The members are checked as :func:`extract` checks them (the same entries skipped,
    the same count and time budgets while listing), the archive's single top-level folder is its
    root as :func:`submission_root` finds it, and what is read is capped: a member is read up to
    the size it declares (one byte more is a lie, and refused), all of them up to
    :data:`MAX_TOTAL_BYTES`. :meth:`close` closes the archive."""

    def __init__(self, zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], order: list[str],
                 skipped: list[str]):
        self._zf = zf
        self._members = members
        self.order = order  # the regular files under the root, in the archive's order
        self.skipped = skipped
        self.read_bytes = 0
        self._dirs: frozenset[str] | None = None
        self._lock = threading.Lock()

    def size(self, rel: str) -> int | None:
        info = self._members.get(rel)
        return None if info is None else info.file_size

    def is_dir(self, rel: str) -> bool:
        if self._dirs is None:
            self._dirs = frozenset(p.rsplit("/", i)[0] for p in self.order for i in range(1, p.count("/") + 1))
        return rel.rstrip("/") in self._dirs

    def read(self, rel: str) -> bytes:
        info = self._members[rel]
        if self.read_bytes + info.file_size > MAX_TOTAL_BYTES:
            raise ArchiveError(f"the files read from the archive passed {MAX_TOTAL_BYTES // (1024 * 1024)} MB: not read")
        try:
            with self._lock, self._zf.open(info) as src:
                data = src.read(info.file_size + 1)
        except (_zipfile().BadZipFile, zlib.error, OSError, ValueError, NotImplementedError, RuntimeError, EOFError) as exc:
            raise ArchiveError(f"corrupt member ({type(exc).__name__}: {str(exc)[:120]})") from None
        if len(data) > info.file_size:
            raise ArchiveError("larger than the archive says")
        self.read_bytes += len(data)
        return data

    def close(self) -> None:
        self._zf.close()


def open_zip(archive: str, *, max_entries: int = MAX_ENTRIES, until: float | None = None) -> ZipFiles | None:
    """A zip archive to read in place, or None when it holds a ``.git`` folder (git reads a
    folder: it is unpacked, see :func:`extract`). Raises :class:`ArchiveError` as :func:`extract`
    would (corrupt, over the entry count or the time budget, a file and a folder of one name)."""
    budget = _Budget(max_entries, MAX_TOTAL_BYTES, until)
    budget._in_time()
    try:
        if not stat.S_ISREG(os.stat(archive).st_mode):
            raise ArchiveError("not a regular file")
        zf = _zipfile().ZipFile(archive)
    except ArchiveError:
        raise
    except (_zipfile().BadZipFile, zlib.error, OSError, ValueError, NotImplementedError, RuntimeError, EOFError) as exc:
        raise ArchiveError(f"corrupt or unreadable archive ({type(exc).__name__}: {str(exc)[:120]})") from None
    try:
        return _zip_listing(zf, budget)
    except BaseException:
        zf.close()
        raise


def _zip_listing(zf: zipfile.ZipFile, budget: _Budget) -> ZipFiles | None:
    members: dict[str, zipfile.ZipInfo] = {}
    dirs: set[str] = set()
    skipped: list[str] = []
    for member in zf.infolist():
        budget.entry()
        key = _key(member.filename)
        if member.is_dir():
            if key is None:
                skipped.append(f"{member.filename}: outside the archive's folder")
            elif key:
                if key in members or any(parent in members for parent in _parents(key)):
                    raise ArchiveError("corrupt or unreadable archive (a file and a folder of one name)")
                dirs.update(_parents(key + "/x"))
            continue
        kind = stat.S_IFMT(member.external_attr >> 16)  # 0 when the archiver recorded no type: a plain file
        if kind and kind != stat.S_IFREG:
            skipped.append(f"{member.filename}: not a regular file (symlink or device)")
        elif key is None or key == "":
            skipped.append(f"{member.filename}: outside the archive's folder")
        elif key in members or key in dirs:
            skipped.append(f"{member.filename}: duplicate entry")
        elif any(parent in members for parent in _parents(key)):
            raise ArchiveError("corrupt or unreadable archive (a file and a folder of one name)")
        else:
            members[key] = member
            dirs.update(_parents(key))
    tops = {k.split("/", 1)[0] for k in [*members, *dirs]} - JUNK
    prefix = ""
    if len(tops) == 1 and (top := tops.pop()) in dirs and top != ".git":
        prefix = top + "/"
    if prefix + ".git" in dirs:
        return None
    order = [k[len(prefix):] for k in members if k.startswith(prefix)]
    return ZipFiles(zf, {k[len(prefix):]: members[k] for k in members if k.startswith(prefix)}, order, skipped)


def _key(name: str) -> str | None:
    """An entry's path as it would be written under the destination ("" for the destination
    itself), or None when it would escape it."""
    if unsafe_name(name):
        return None
    return "/".join(p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", "."))


def _parents(key: str) -> list[str]:
    parts = key.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]
