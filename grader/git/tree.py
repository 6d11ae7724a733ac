"""A commit's files read straight from its git objects: the tree listed once (``git ls-tree -r
-z -l``, each blob with its size) and each blob read when it is first asked for, through one
long-lived ``git cat-file --batch`` per submission — no export, no temporary copy of the files.

Both run through :mod:`~grader.git.run` on the private shadow git directory (no alternates, no
config of the submission's). A blob larger than the size asked for is never read; the bytes
read from one commit in all are capped (:data:`MAX_READ_BYTES`, what its export was capped at),
each read is bounded in time, and a ``cat-file`` that dies (a corrupt object) is restarted a
bounded number of times. A blob that can't be read is a :class:`TreeProblem` saying why."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import threading
import time

from grader.archives import unsafe_name
from grader.errors import LoopcheckError
from grader.git import run
from grader.git.run import GIT_TIMEOUT, MAX_OUTPUT, Git, GitProblem, GitTimeout
from grader.git.shadow import make_shadow

MAX_READ_BYTES = 500 * 1024 * 1024  # blob bytes read from one commit, in all
MAX_STARTS = 20  # cat-file processes started for one commit (one, unless objects are corrupt)
LIST_TIMEOUT = GIT_TIMEOUT * 4
READ_TIMEOUT = GIT_TIMEOUT
REGULAR_MODES = frozenset({"100644", "100755", "100664"})
# Reads ahead (see :meth:`CommitTree.expect`): one exchange asks for the requests that fit in a
# pipe's smallest buffer (written whole before any answer is read: git can't block us), the
# blobs of one exchange hold this many bytes at most, a larger blob is read on its own.
AHEAD_REQUEST_BYTES = 4096
AHEAD_BYTES = 4 * 1024 * 1024
AHEAD_BLOB = 256 * 1024


class TreeProblem(Exception):
    """A file of the commit can't be read: the message says why."""


class CommitTree:
    """The files of one commit, listed from its tree and read on demand. :meth:`close` ends the
    ``cat-file`` process and removes the shadow git directory."""

    def __init__(self, shadow: str, listing: bytes):
        self.shadow = shadow
        self.blobs: dict[str, tuple[str, int]] = {}  # path -> (object id, size): the regular files
        self.order: list[str] = []  # the regular files, in the tree's order
        self.skipped: list[str] = []  # entries an export would not have written, with why
        self.read_bytes = 0
        self.missing: str | None = None  # the first blob git can't find (ls-tree says BAD for its size)
        self._dirs: frozenset[str] | None = None
        self._batch = _CatFile(shadow)
        self._lock = threading.Lock()
        self._plan: list[str] = []  # the files about to be read, in order (see expect)
        self._planned: dict[str, int] = {}  # path -> its place in the plan
        self._ready: dict[str, bytes | TreeProblem] = {}  # read ahead, not asked for yet
        self._sent: list[tuple[str, str, int]] = []  # asked for ahead, answers not read yet
        blobs, order = self.blobs, self.order
        # decoded whole (the modes, ids and sizes are ASCII: each path decodes as it would alone)
        for record in os.fsdecode(listing).split("\0"):
            meta, tab, path = record.partition("\t")
            fields = meta.split()
            if not tab or len(fields) != 4 or fields[1] != "blob":
                continue  # a submodule's commit (an empty folder in an export) or a stray line
            if not fields[3].isdigit() or not fields[3].isascii():
                self.missing = self.missing or fields[2].encode("ascii", "replace").decode("ascii")
            elif unsafe_name(path):
                self.skipped.append(f"{path}: outside the archive's folder")
            elif fields[0] not in REGULAR_MODES:
                self.skipped.append(f"{path}: not a regular file (link or device)")
            else:
                blobs[path] = (fields[2], int(fields[3]))
                order.append(path)

    def size(self, rel: str) -> int | None:
        """The size of the regular file ``rel``, or None when the commit has no such file."""
        entry = self.blobs.get(rel)
        return None if entry is None else entry[1]

    def is_dir(self, rel: str) -> bool:
        if self._dirs is None:
            self._dirs = frozenset(p.rsplit("/", i)[0] for p in self.order for i in range(1, p.count("/") + 1))
        return rel.rstrip("/") in self._dirs

    def expect(self, rels: list[str]) -> None:
        """The files about to be read, in this order: reading one of them reads the next few
        with it, in one exchange with git (nothing is read until one of them is asked for)."""
        with self._lock:
            self._plan = [rel for rel in rels if rel in self.blobs]
            self._planned = {rel: i for i, rel in enumerate(self._plan)}
            self._ready.clear()

    def read(self, rel: str) -> bytes:
        """The bytes of the regular file ``rel`` (ask :meth:`size` first: it is read whole)."""
        sha, size = self.blobs[rel]
        if self.read_bytes + size > MAX_READ_BYTES:
            raise TreeProblem(f"the files read from the commit passed {MAX_READ_BYTES // (1024 * 1024)} MB: not read")
        with self._lock:
            got = self._ready.pop(rel, None)
            if got is None and self._sent:
                self._collect()  # the window asked for ahead: its answers first
                got = self._ready.pop(rel, None)
            if got is None:
                got = self._fetch(rel, sha, size)
        if isinstance(got, TreeProblem):
            raise got
        self.read_bytes += size
        return got

    def _window(self, start: int, total: int, requests: int) -> list[tuple[str, str, int]]:
        """The planned files from ``start`` on that one exchange takes after ``total`` bytes and
        ``requests`` bytes of requests: within a pipe's smallest buffer, no blob larger than
        :data:`AHEAD_BLOB`, :data:`AHEAD_BYTES` in all, nothing past :data:`MAX_READ_BYTES`."""
        window = []
        room = MAX_READ_BYTES - self.read_bytes
        plan = self._plan
        for i in range(start, min(len(plan), start + AHEAD_REQUEST_BYTES // 41)):
            other = plan[i]
            osha, osize = self.blobs[other]
            requests += len(osha) + 1
            if (requests > AHEAD_REQUEST_BYTES or osize > AHEAD_BLOB or total + osize > AHEAD_BYTES
                    or total + osize > room):
                break
            window.append((other, osha, osize))
            total += osize
        return window

    def _fetch(self, rel: str, sha: str, size: int) -> bytes | TreeProblem:
        """``rel`` read, with the planned files after it when it is one of them (kept in
        :attr:`_ready`, each with what its own read would have answered); the next planned
        files are then asked for ahead (see :meth:`_ask_ahead`)."""
        window = [(rel, sha, size)]
        place = self._planned.get(rel)
        if place is not None:
            self._ready.clear()  # what was read ahead and skipped
            window += self._window(place + 1, size, len(sha) + 1)
        results = self._batch.read_many([(s, n) for _, s, n in window])
        for (other, _, _), result in zip(window[1:], results[1:], strict=False):
            self._ready[other] = result
        if place is not None and len(results) == len(window):
            self._ask_ahead(place + len(window))
        return results[0]

    def _ask_ahead(self, start: int) -> None:
        """Ask git now for the planned files from ``start`` on (one window), and read its answers
        when one of them is asked for: git reads them while the files already read are checked.
        Asked only when every earlier answer has been read, so git has taken every earlier
        request: the requests (within a pipe's smallest buffer) are written without blocking."""
        window = self._window(start, 0, 0)
        if window and self._batch.send([(s, n) for _, s, n in window], start=False) is None:
            self._sent = window  # (else read as they are asked for, as without asking ahead)

    def _collect(self) -> None:
        """The answers of the window asked for ahead, kept in :attr:`_ready` (each what its own
        read would have answered); then the next window is asked for. A conversation that ended
        meanwhile (a check stopped midway) answers nothing: those files are read again."""
        sent, self._sent = self._sent, []
        results = self._batch.receive([(s, n) for _, s, n in sent])
        for (other, _, _), result in zip(sent, results, strict=False):
            self._ready[other] = result
        place = self._planned.get(sent[-1][0]) if sent else None
        if results and len(results) == len(sent) and place is not None and self._plan[place] == sent[-1][0]:
            self._ask_ahead(place + 1)

    def close(self) -> None:
        self._batch.stop()
        shutil.rmtree(self.shadow, ignore_errors=True)


def open_commit(dotgit: str, *, rev: str | None = None, timeout: float | None = None) -> CommitTree:
    """The files of HEAD (or of commit ``rev``) of the repository whose git directory is
    ``dotgit``, listed within ``timeout`` seconds. Raises :class:`NothingCommitted` for a branch
    with no commit yet, LoopcheckError saying why for anything else that can't be read."""
    from grader.git.repos import NothingCommitted, _unborn

    try:
        shadow = make_shadow(dotgit, head=rev)
    except GitProblem as exc:
        raise LoopcheckError(str(exc)) from None
    except OSError as exc:
        raise LoopcheckError(f".git can't be read ({exc.strerror})") from None
    try:
        limit = LIST_TIMEOUT if timeout is None else max(0.001, min(timeout, LIST_TIMEOUT))
        try:
            rc, out, message = run.run(["ls-tree", "-r", "-z", "-l", "--full-tree", "HEAD"], home=shadow,
                                       git_dir=shadow, timeout=limit)
        except GitProblem as exc:
            raise LoopcheckError(str(exc)) from None
        except OSError as exc:
            raise LoopcheckError(f"git could not be started: {exc.strerror}") from None
        if rc != 0:
            if rev is None and _unborn(shadow):
                raise NothingCommitted("nothing committed yet")
            raise LoopcheckError(message[:200] if message else f"git ls-tree exited {rc}")
        if len(out) >= MAX_OUTPUT:
            raise LoopcheckError(f"the commit's listing is larger than {MAX_OUTPUT // (1024 * 1024)} MB")
        tree = CommitTree(shadow, out)
        if tree.missing:  # what `git archive` said of it, when the commit was exported
            raise LoopcheckError(f"error: cannot read '{tree.missing}'")
        return tree
    except BaseException:
        shutil.rmtree(shadow, ignore_errors=True)
        raise


class _CatFile:
    """One ``git cat-file --batch`` conversation, started on the first read; a read that fails
    midway (git died on a corrupt object, ran out of time, or the check reading was stopped)
    ends it, and the next read starts another, :data:`MAX_STARTS` times at most."""

    def __init__(self, shadow: str):
        self.shadow = shadow
        self.git: Git | None = None
        self.buf = bytearray()
        self.errors: list[bytes] = []
        self.starts = 0
        self.asked = 0  # blobs asked for whose answers are not read yet
        self.lock = threading.Lock()

    def _start(self) -> Git:
        if self.starts >= MAX_STARTS:
            raise TreeProblem("git stopped reading the repository's objects")
        self.starts += 1
        try:
            git = run.start(["cat-file", "--batch"], home=self.shadow, git_dir=self.shadow, stdin=subprocess.PIPE)
        except OSError as exc:
            raise TreeProblem(f"git could not be started: {exc.strerror}") from None
        self.git, self.buf, self.errors = git, bytearray(), []
        stderr, errors = git.proc.stderr, self.errors
        assert stderr is not None  # a pipe

        def drain() -> None:  # what git says before it stops (a corrupt object), the rest dropped
            try:
                while chunk := stderr.read(4096):
                    if len(errors) < 4:
                        errors.append(chunk)
            except (ValueError, OSError):
                pass

        threading.Thread(target=drain, daemon=True).start()
        return git

    def stop(self) -> None:
        self.asked = 0
        if self.git is not None:
            self.git.close()
            self.git = None

    def read(self, sha: str, size: int) -> bytes:
        result = self.read_many([(sha, size)])[0]
        if isinstance(result, TreeProblem):
            raise result
        return result

    def read_many(self, items: list[tuple[str, int]]) -> list[bytes | TreeProblem]:
        """The blobs (object id, size) asked for in one exchange: each one's bytes, or the
        problem its own read would have raised. The first is always answered; the answers stop
        after a problem that ends the conversation (the rest are read again by a new one).
        The requests are written whole before any answer is read: they fit in the pipe."""
        problem = self.send(items)
        return [problem] if problem is not None else self.receive(items)

    def send(self, items: list[tuple[str, int]], *, start: bool = True) -> TreeProblem | None:
        """Ask for the blobs (object id, size), all requests written at once (they fit in a pipe's
        smallest buffer, and every earlier answer has been read); :meth:`receive` reads the
        answers. A problem writing them (git died) ends the conversation and is returned.
        Without ``start``, only a conversation going on is asked (else nothing is sent)."""
        with self.lock:
            if not start and (self.git is None or not self.git.running() or self.asked):
                return TreeProblem("no conversation going on")
            if self.git is None or not self.git.running() or self.asked:
                self.stop()  # (answers never read would come first: a new conversation instead)
                self._start()
            git = self.git
            assert git is not None and git.proc.stdin is not None
            try:
                git.proc.stdin.write(b"".join(sha.encode("ascii") + b"\n" for sha, _ in items))
                git.proc.stdin.flush()
            except (OSError, ValueError) as exc:
                self.stop()
                return TreeProblem(self._why(exc))
            except BaseException:  # a check's time ran out midway: the conversation can't go on
                self.stop()
                raise
            self.asked = len(items)
            return None

    def receive(self, items: list[tuple[str, int]]) -> list[bytes | TreeProblem]:
        """The answers to what :meth:`send` asked for (the same items): each blob's bytes or its
        problem, stopping after a problem that ends the conversation; none when the
        conversation ended since (its answers are gone: the files are read again)."""
        with self.lock:
            git = self.git
            if git is None or self.asked != len(items):
                self.stop()
                return []
            self.asked = 0
            out: list[bytes | TreeProblem] = []
            try:
                for _sha, size in items:
                    deadline = time.monotonic() + READ_TIMEOUT
                    try:
                        fields = self._line(deadline).split()
                        if len(fields) == 2 and fields[1] == b"missing":
                            out.append(TreeProblem("its object is missing from the repository"))
                            continue
                        if len(fields) != 3 or fields[1] != b"blob" or fields[2] != str(size).encode():
                            self.stop()
                            out.append(TreeProblem("its object is not the blob the commit lists"))
                            break
                        out.append(self._exact(size + 1, deadline)[:size])
                    except (OSError, ValueError, EOFError, GitProblem) as exc:
                        self.stop()
                        out.append(TreeProblem(self._why(exc)))
                        break
            except BaseException:  # a check's time ran out midway: the conversation can't go on
                self.stop()
                raise
            return out

    def _why(self, exc: BaseException) -> str:
        if isinstance(exc, GitTimeout):
            return str(exc)
        time.sleep(0.01)  # the last words of a git that died
        lines = b"".join(self.errors).decode("utf-8", "replace").strip().splitlines()
        text = lines[-1] if lines else "git stopped reading the repository's objects"
        return text.replace(self.shadow + os.sep, ".git/")[:200]

    def _fill(self, deadline: float) -> None:
        assert self.git is not None and self.git.proc.stdout is not None
        fd = self.git.proc.stdout.fileno()
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise GitTimeout(f"git took longer than {READ_TIMEOUT:.0f} s to read a file")
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            raise EOFError
        self.buf += chunk

    def _line(self, deadline: float) -> bytes:
        while (end := self.buf.find(b"\n")) < 0:
            if len(self.buf) > 4096:
                raise ValueError("no object header")
            self._fill(deadline)
        line = bytes(self.buf[:end])
        del self.buf[: end + 1]
        return line

    def _exact(self, n: int, deadline: float) -> bytes:
        while len(self.buf) < n:
            self._fill(deadline)
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data
