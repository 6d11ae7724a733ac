"""The memory budget of a grading: the whole process tree, git children included.

A per-process limit (``RLIMIT_AS``) stops loopcheck's own Python process with a ``MemoryError``,
but every git child gets the same limit again, so a tree can hold several times the cap. The
:class:`TreeWatch` adds up the resident memory of a process and all its descendants (read from
``/proc``, Linux only: elsewhere only the per-process limit applies) and, over the cap, kills the
descendants — the git commands — so the grading goes on without what they would have read."""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident bytes) of every process we can see; {} without /proc."""
    table: dict[int, tuple[int, int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        info = _stat(int(name))
        if info is not None:  # (else gone meanwhile)
            table[int(name)] = info
    return table


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, resident bytes) of one process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read(4096)
    except OSError:
        return None
    # "pid (comm) state ppid ..." - comm may hold spaces and parentheses: split after the last ")"
    fields = stat[stat.rfind(b")") + 2:].split()
    try:
        return int(fields[1]), int(fields[21]) * _PAGE
    except (IndexError, ValueError):
        return None


MAX_DESCENDANTS = 10_000


def _descendants(root: int) -> tuple[int, list[int]] | None:
    """:func:`tree` of ``root`` read from its threads' ``children`` lists in /proc (a few files for
    a grading and its git children, not every process of the machine ten times a second); None
    where the kernel keeps no such lists."""
    me = _stat(root)
    if me is None:
        return None
    total, stack, seen = me[1], [root], {root}
    found: list[int] = []
    while stack:
        pid = stack.pop()
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            if pid == root:
                return None
            continue  # gone meanwhile
        for tid in threads:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", "rb") as handle:
                    listed = handle.read(65536).split()
            except FileNotFoundError:
                if pid == root:
                    return None  # no children lists in this kernel
                continue
            except OSError:
                continue
            for word in listed:
                child = int(word) if word.isdigit() else 0
                if child in seen or len(found) >= MAX_DESCENDANTS:
                    continue
                seen.add(child)
                info = _stat(child)
                if info is not None:
                    found.append(child)
                    total += info[1]
                    stack.append(child)
    return total, found


def tree(root: int, table: dict[int, tuple[int, int]] | None = None) -> tuple[int, list[int]]:
    """(resident bytes of ``root`` and its descendants, the descendants' pids): from ``table``
    when given, else from /proc (its ``children`` lists where the kernel keeps them)."""
    if table is None:
        quick = _descendants(root)
        if quick is not None:
            return quick
        table = processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _rss) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, found, stack = table.get(root, (0, 0))[1], [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            total += table[child][1]
            stack.append(child)
    return total, found


class TreeWatch:
    """Polls this process's tree. Over ``cap`` bytes it kills the descendants (the git commands)
    and sets ``exceeded``; when this process alone holds more than the cap it raises
    ``MemoryError`` in the main thread (through ``SIGUSR1``), so the check running then is
    "not judged" like any check that runs out of memory."""

    def __init__(self, cap: int, *, interval: float = 0.05):
        self.cap, self.interval = cap, interval
        self.exceeded = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="loopcheck-memory", daemon=True)
        self._previous_handler: Any = None

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.interval):
            # without a child there is no tree to add up: this process's own resident size, read
            # from /proc/self (not every process's /proc/N/stat, ~2 ms of CPU a poll on a busy machine)
            total, descendants = tree(me) if has_children() else (_statm(1), [])
            if total <= self.cap:
                continue
            self.exceeded = True
            for pid in descendants:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            if self._previous_handler is not None and _statm(1) > self.cap:
                os.kill(me, signal.SIGUSR1)
                self._stop.wait(1.0)  # let the main thread free what it held

    def __enter__(self) -> TreeWatch:
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGUSR1"):
            self._previous_handler = signal.signal(signal.SIGUSR1, _out_of_memory)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if self._previous_handler is not None:
            signal.signal(signal.SIGUSR1, self._previous_handler)


def has_children() -> bool:
    """Does this process have a child (running, or exited and not yet reaped)? Asked of the
    kernel without reaping any (``WNOWAIT``); True when it can't tell."""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    except (OSError, AttributeError):  # no waitid here: assume there may be
        return True
    return True


def _out_of_memory(signum, frame):
    raise MemoryError("over the memory budget")


def _statm(field: int) -> int:
    """A field of /proc/self/statm in bytes (0: size mapped, 1: resident); 0 without /proc."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[field]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


@contextmanager
def budget(megabytes: int):
    """Within: the process tree may hold ``megabytes`` of memory (see :class:`TreeWatch`), and as a
    backstop against one huge allocation between two polls this process may map at most that
    much more address space than it maps now (a ``MemoryError``). 0 is no budget. The previous
    limit is restored afterwards (loopcheck used as a library keeps its own)."""
    if not megabytes:
        yield None
        return
    cap = megabytes * 1024 * 1024
    previous = None
    try:
        import resource

        previous = resource.getrlimit(resource.RLIMIT_AS)
        soft = _statm(0) + cap
        if previous[1] != resource.RLIM_INFINITY:
            soft = min(soft, previous[1])
        resource.setrlimit(resource.RLIMIT_AS, (soft, previous[1]))
    except (ImportError, ValueError, OSError):
        previous = None
    try:
        with TreeWatch(cap) as watch:
            yield watch
    finally:
        if previous is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, previous)
