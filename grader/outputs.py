"""Writing what loopcheck produces — reports, exports, grades.csv, feedback, templates — only
where it was asked to, and only into regular files.

* A path that is a symbolic link is refused: loopcheck never writes through a link (a learner
  can commit ``loopcheck-report.json`` → ``../victim.txt``). The system's own descriptors are
  the exception — ``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N`` — written in place.
* A regular file (or a new one) is written whole or not at all: a temporary file of ours beside
  it (a short name, whatever the target's length), then renamed over it.
* A character device (``/dev/null``, a terminal) or a FIFO is written in place, never renamed
  over; a folder, a socket or anything else is refused.
* Text is never written over an SQLite file (a gradebook given as ``--out`` by mistake).
* :func:`folder_in` opens a folder under the one given, refusing any link on the way, and
  :func:`write_in` writes a file there: ``loopcheck init`` never leaves the folder it was given.

Every refusal or failure is a :class:`~grader.errors.LoopcheckError` with a one-line reason.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile

from grader.errors import LoopcheckError
from grader.report.text import clean

_SYSTEM_LINKS = ("/dev/", "/proc/")
_SQLITE = b"SQLite format 3\x00"


def _shown(path: str) -> str:
    return clean(path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


def check(path: str) -> str:
    """What writing ``path`` would do — ``new``, ``regular`` (replaced whole) or ``in place`` (a
    device or FIFO) — or a LoopcheckError saying why it is refused (a link, a folder...)."""
    kind = _kind(path)
    if kind == "regular":
        _not_a_database(path)
    return kind


def _kind(path: str) -> str:
    """``new``, ``regular`` or ``in place`` for what is at ``path``; raises for what is refused."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "new"
    except OSError as exc:
        raise LoopcheckError(f"can't write {_shown(path)}: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        if os.path.abspath(path).startswith(_SYSTEM_LINKS):
            return "in place"
        raise LoopcheckError(f"refusing to write {_shown(path)}: it is a symbolic link, and loopcheck never writes "
                             "through a link (remove it or give another file)")
    if stat.S_ISREG(info.st_mode):
        return "regular"
    if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode):
        return "in place"
    what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
    raise LoopcheckError(f"refusing to write {_shown(path)}: it is {what}")


def _not_a_database(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return
    try:
        head = os.read(fd, len(_SQLITE))
    except OSError:
        head = b""
    finally:
        os.close(fd)
    if head == _SQLITE:
        raise LoopcheckError(f"refusing to write {_shown(path)}: it is an SQLite file (a gradebook?), and this "
                             "output would replace it; give another file")


def _in_place(path: str, data: bytes) -> None:
    """Write to a device, a FIFO or a system descriptor as it is: no rename, no truncation."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise LoopcheckError(f"can't write {_shown(path)}: a FIFO that no one is reading") from None
        raise LoopcheckError(f"can't write {_shown(path)}: {exc.strerror}") from None
    try:
        import fcntl

        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)  # a reader may be slow: wait for it
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        raise LoopcheckError(f"can't write {_shown(path)}: {exc.strerror}") from None
    finally:
        os.close(fd)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "backslashreplace")


def write_text(path: str, text: str, *, append: bool = False) -> None:
    """Write ``text`` to ``path`` as described in this module; ``append`` adds to a regular file
    (a results file, GitHub's job summary) instead of replacing it."""
    kind = _kind(path)
    data = _encode(text)
    if kind == "in place":
        _in_place(path, data)
        return
    if kind == "regular":
        _not_a_database(path)
    if append:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise LoopcheckError(f"can't write {_shown(path)}: {exc.strerror}") from None
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        except OSError as exc:
            raise LoopcheckError(f"can't write {_shown(path)}: {exc.strerror}") from None
        finally:
            os.close(fd)
        return
    tmp = None
    try:  # a temporary name of our own: two runs writing the same file never mix their lines
        fd, tmp = tempfile.mkstemp(prefix=".loopcheck-", suffix=".tmp", dir=os.path.dirname(os.path.abspath(path)))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(path):
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))  # keep the permissions it had
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        if _kind(path) not in ("new", "regular"):  # it changed meanwhile: don't rename over it
            raise LoopcheckError(f"refusing to write {_shown(path)}: it is no longer a regular file")
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise LoopcheckError(f"can't write {_shown(path)}: {exc.strerror}") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def same_file(a: str, b: str) -> bool:
    """Whether two paths name one file (through links, relative paths, or hard links)."""
    try:
        sa, sb = os.stat(a), os.stat(b)
        return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def distinct(named: dict[str, str | None]) -> None:
    """Refuse two options that name the same file (``--out`` and ``--gradebook``...)."""
    given = [(option, path) for option, path in named.items() if path]
    for i, (first, a) in enumerate(given):
        for second, b in given[i + 1:]:
            if same_file(a, b):
                raise LoopcheckError(f"{first} and {second} name the same file ({_shown(a)}): give each its own")


def folder_in(base: str, parts: list[str]) -> int:
    """A descriptor of ``base``/``parts...``, made where missing; a part that is a link (or not a
    folder) is refused, so nothing written there can land outside ``base``. Close it after use."""
    try:
        fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise LoopcheckError(f"can't open the folder {_shown(base)}: {exc.strerror}") from None
    where = base
    for part in parts:
        where = os.path.join(where, part)
        try:
            try:
                os.mkdir(part, 0o777, dir_fd=fd)
            except FileExistsError:
                pass
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        except OSError as exc:
            os.close(fd)
            why = "a symbolic link or not a folder" if exc.errno in (errno.ELOOP, errno.ENOTDIR) else exc.strerror
            raise LoopcheckError(f"refusing to write into {_shown(where)}: it is {why}") from None
        os.close(fd)
        fd = nxt
    return fd


def write_in(folder_fd: int, name: str, text: str, *, shown: str) -> None:
    """Write a regular file ``name`` in the folder ``folder_fd`` (from :func:`folder_in`): a link
    there is removed first, never written through."""
    try:
        try:
            info = os.lstat(name, dir_fd=folder_fd)
        except FileNotFoundError:
            info = None
        if info is not None and stat.S_ISLNK(info.st_mode):
            os.unlink(name, dir_fd=folder_fd)
        elif info is not None and not stat.S_ISREG(info.st_mode):
            raise LoopcheckError(f"refusing to write {_shown(shown)}: it is not a regular file")
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644, dir_fd=folder_fd)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_encode(text))
    except OSError as exc:
        raise LoopcheckError(f"can't write {_shown(shown)}: {exc.strerror}") from None


class StdoutError(LoopcheckError):
    """Standard output is closed or can't take more (a full disk, ``/dev/full``)."""


class GuardedStdout:
    """``sys.stdout`` as loopcheck writes to it: a closed stream (``>&-``) or a failing one
    raises :class:`StdoutError` with the reason; a reader that went away (``| head``) is still
    the ``BrokenPipeError`` the CLI ends quietly on."""

    def __init__(self, stream):
        self._stream = stream

    def _fail(self, exc: Exception | None):
        if isinstance(exc, BrokenPipeError):
            raise exc
        reason = "it is closed" if exc is None else (getattr(exc, "strerror", None) or str(exc))
        raise StdoutError(f"can't write to standard output: {reason} (give --output FILE)") from None

    def write(self, text: str) -> int:
        if self._stream is None:
            self._fail(None)
        try:
            return self._stream.write(text)
        except (OSError, ValueError) as exc:
            self._fail(exc)
            raise

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except (OSError, ValueError) as exc:
            self._fail(exc)

    def isatty(self) -> bool:
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str):
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)
