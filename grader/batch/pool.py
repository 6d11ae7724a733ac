"""The worker pool: N worker processes that stay alive (forked from a forkserver that preloaded
loopcheck), each submission bounded in time (the worker's whole process group is killed at
the deadline) and memory; dead workers are replaced; each result is written to JSON Lines
the moment it is done; ``--resume`` reuses earlier results whose fingerprint and rubric are
unchanged. The parent never grades."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time
from types import FrameType
from typing import Any

from grader import memory
from grader.batch.discover import Task
from grader.batch.gradebook import Gradebook
from grader.batch.prepare import failure, grade_task
from grader.batch.results import JsonlWriter, Result, load_jsonl


def worker_main(conn, rubric_ref: str | None, memory_mb: int, tmp_root: str, deadline: int | None = None) -> None:
    """A worker: its own process group (so a timeout kills its git children too), a memory
    cap, the rubric loaded once; then submissions until told to stop or the parent is gone.
    Nothing escapes it as a traceback: a failure is reported as the submission's error."""
    try:
        os.setsid()
        # Every temporary folder of this worker (clones, git's private homes and shadow
        # directories) goes inside the batch's own, which the parent removes whatever happens
        # to the worker (a timeout or SIGTERM kills it before its own clean-up can run).
        tempfile.tempdir = tmp_root
        for name in [k for k in os.environ if k.startswith("GIT_")]:
            del os.environ[name]  # git (and GitPython) here see only the isolated settings
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
        if memory_mb:
            import resource

            limit = memory_mb * 1024 * 1024
            try:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            except (ValueError, OSError):
                pass
        from grader import rubric as rubrics

        loaded = rubrics.load(rubric_ref)
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return
            if message is None:
                return
            task, previous = message
            task = Task(**{**task, "columns": tuple(tuple(c) for c in task["columns"])})
            conn.send(grade_task(task, loaded, tmp_root, previous, deadline).to_dict())
    except BaseException as exc:  # noqa: BLE001 - MemoryError while starting, a broken pipe...
        try:
            reason = "ran out of memory (over the batch's memory cap)" if isinstance(exc, MemoryError) \
                else f"the grading worker failed: {type(exc).__name__}"
            conn.send({"worker_error": reason})
        except BaseException:  # noqa: BLE001 - the parent will see the worker die
            pass
        os._exit(1)


class _Worker:
    def __init__(self, ctx, rubric_ref, memory_mb, tmp_root, deadline):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=worker_main, args=(child, rubric_ref, memory_mb, tmp_root, deadline), daemon=True)
        self.proc.start()
        child.close()
        self.task: Task | None = None
        self.deadline = 0.0

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.kill()


def _unchanged_if(old: Result | None, rubric_sha: str) -> str | None:
    """The fingerprint a worker compares with (and answers "unchanged" on a match, to resume)
    when a previous result of the same rubric was graded; else None."""
    if old and old.rubric.get("sha256") == rubric_sha and old.status == "graded" and old.fingerprint:
        return old.fingerprint
    return None


# the forkserver listens on a Unix socket in a folder of the temporary folder
# (TMPDIR/pymp-XXXXXXXX/listener-XXXXXXXX), and a socket's path holds at most 107 bytes
_SOCKET_PATH_MAX = 107 - len("/pymp-XXXXXXXX/listener-XXXXXXXX")


def _forkserver():
    """The forkserver context workers start from, the grader's modules preloaded in it; under
    a temporary folder whose path is too long for the forkserver's socket, the spawn context
    (each worker imports the grader itself: slower to start, the same grades)."""
    import multiprocessing

    if len(os.fsencode(tempfile.gettempdir())) > _SOCKET_PATH_MAX:
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["grader._preload"])
    return ctx


_HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _signals_held():
    """A Ctrl-C or SIGTERM that comes while the batch's folder is made or removed, or while a
    worker is started and recorded, takes effect when that is done: it can then never leave a
    worker running that the clean-up does not know of (which would find the batch's folder
    gone and print a traceback) nor a folder the clean-up does not remove. (Python runs signal
    handlers in the main thread whichever thread the signal reached, so the handlers are
    swapped rather than the signals masked.)"""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # loopcheck used as a library from a thread: signals are not ours to handle
        return
    came: list[tuple[int, FrameType | None]] = []
    previous: dict[int, Any] = {sig: signal.signal(sig, lambda signum, frame: came.append((signum, frame)))
                                for sig in _HELD}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if came:
            signum, frame = came[0]
            handler = previous[signum]
            if callable(handler):
                handler(signum, frame)  # ours (SystemExit) or Python's (KeyboardInterrupt)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signum)  # the default action, now that it is back


def _start_workers(ctx, n: int, rubric_ref, memory_mb: int, tmp_root: str, deadline, into: list[_Worker]) -> None:
    """Start ``n`` workers, each recorded in ``into`` before a signal can end the batch."""
    # Python's forkserver runs `python -c ...`, which puts its current folder first on
    # sys.path: started from our private folder, a `grader/` package in the user's current
    # folder (a student's, in a downloads folder) can never be imported in its place.
    here = os.getcwd()
    os.chdir(tmp_root)
    try:
        for _ in range(n):
            with _signals_held():
                into.append(_Worker(ctx, rubric_ref, memory_mb, tmp_root, deadline))
    finally:
        os.chdir(here)


def _over_the_cap(busy: list[_Worker], memory_mb: int) -> dict[int, int]:
    """id(worker) -> bytes of the busy workers whose whole process tree (its git children too: a
    per-process limit lets every child take the cap again) is over the cap."""
    over: dict[int, int] = {}
    table = memory.processes()
    for w in busy:
        total, _ = memory.tree(w.proc.pid, table)
        if total > memory_mb * 1024 * 1024:
            over[id(w)] = total
    return over


def _outcome(w: _Worker, ready: list, over: dict[int, int], rubric, *, memory_mb: int,
             timeout: float) -> Result | None:
    """The result of a busy worker's task, once there is one: what it sent, or that it died,
    went over the memory cap or ran out of time; None while it is still grading."""
    assert w.task is not None
    record: Result | None = None
    if w.conn in ready:
        try:
            message = w.conn.recv()
        except (EOFError, OSError):
            message = None
        if isinstance(message, dict) and "worker_error" in message:
            record = failure(w.task, rubric, "error", message["worker_error"])
            w.proc.join(timeout=5)
        elif isinstance(message, dict):
            record = Result.from_dict(message)
    if record is None and (w.proc.sentinel in ready or w.conn in ready):
        code = w.proc.exitcode
        why = "killed (likely over the memory cap)" if code in (-9, 137) else f"exit code {code}"
        record = failure(w.task, rubric, "error", f"the grading worker died ({why})")
    elif record is None and id(w) in over:
        record = failure(w.task, rubric, "error", f"went over the memory cap of {memory_mb} MB (its "
                         f"processes, git included, held {over[id(w)] // (1024 * 1024)} MB)")
    elif record is None and time.monotonic() >= w.deadline:
        record = failure(w.task, rubric, "timeout", f"took longer than {timeout:g} s")
    return record


def _begin(tasks: list[Task], rubric_sha: str, *, jsonl: str | None, resume: bool, book: Gradebook | None,
           deadline: int | None, feedback: str | None) -> tuple[dict[str, Result], int | None]:
    """The previous results to resume from (of the JSON Lines file and the gradebook), and this
    run's id in the gradebook (its students recorded)."""
    previous = load_jsonl(jsonl) if (resume and jsonl) else {}
    run_id = None
    if book is not None:
        if resume:
            previous.update(book.latest(task.id for task in tasks))
        run_id = book.start_run(rubric_sha=rubric_sha, deadline=deadline, feedback=feedback)
        book.set_students((t.id, t.display, t.student, dict(t.columns)) for t in tasks)
    return previous, run_id


def _hand_out(workers: list[_Worker], queue: list[tuple[Task, str | None]], timeout: float) -> None:
    """The next tasks to the idle workers, each with its deadline."""
    for w in workers:
        if w.task is None and queue:
            task, prev = queue.pop()
            w.task, w.deadline = task, time.monotonic() + timeout
            w.conn.send((task.for_worker(), prev))


def _kept(record: Result, unchanged: Result | None, book: Gradebook | None, run_id: int | None,
          writer: JsonlWriter) -> Result:
    """A finished task's result: its previous result when the submission is ``unchanged``, else
    the new one, stored (gradebook, JSON Lines) the moment it is done."""
    if unchanged is not None:
        return unchanged
    if book is not None:
        book.add(record, run_id)
    writer.write(record)
    return record


def run(tasks: list[Task], *, rubric_ref: str | None, jobs: int, timeout: float, memory_mb: int,
        jsonl: str | None, resume: bool, progress=None, book: Gradebook | None = None,
        deadline: int | None = None, feedback: str | None = None) -> dict[str, Result]:
    """Grade every task; returns the results by id (resumed ones included). Each result is
    stored in the gradebook ``book`` (and appended to ``jsonl``) the moment it is done;
    ``resume`` reuses the latest stored result of an unchanged submission."""
    from multiprocessing.connection import wait

    from grader import rubric as rubrics

    rubric = rubrics.load(rubric_ref)  # fail fast on a bad rubric, before any worker starts
    previous, run_id = _begin(tasks, rubric.sha256, jsonl=jsonl, resume=resume, book=book, deadline=deadline,
                              feedback=feedback)
    records: dict[str, Result] = {}
    pending = [(task, _unchanged_if(previous.get(task.id), rubric.sha256)) for task in tasks]
    writer = JsonlWriter(jsonl)
    tmp_root = ""
    ctx = _forkserver()
    workers: list[_Worker] = []
    queue = list(reversed(pending))
    try:
        with _signals_held():
            tmp_root = tempfile.mkdtemp(prefix="loopcheck-batch-")
        _start_workers(ctx, max(1, min(jobs, len(queue))), rubric_ref, memory_mb, tmp_root, deadline, workers)
        next_measure = 0.0  # when the workers' memory is measured next
        while queue or any(w.task for w in workers):
            _hand_out(workers, queue, timeout)
            busy = [w for w in workers if w.task]
            soonest = min(w.deadline for w in busy) - time.monotonic()
            if memory_mb:  # the tree is measured ten times a second
                soonest = min(soonest, 0.1)
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=max(0.0, soonest))
            over: dict[int, int] = {}
            if memory_mb and time.monotonic() >= next_measure:
                next_measure = time.monotonic() + 0.1
                over = _over_the_cap(busy, memory_mb)
            for i, w in enumerate(workers):
                if w.task is None:
                    continue
                record = _outcome(w, ready, over, rubric, memory_mb=memory_mb, timeout=timeout)
                if record is None:
                    continue
                resumed = record.status == "unchanged"
                record = records[w.task.id] = _kept(record, previous[w.task.id] if resumed else None,
                                                   book, run_id, writer)
                if progress:
                    progress(record, resumed)
                if (record.status == "timeout" or not w.proc.is_alive() or id(w) in over
                        or record.reason.startswith("the grading worker died")):
                    w.kill()
                    with _signals_held():
                        workers[i] = _Worker(ctx, rubric_ref, memory_mb, tmp_root, deadline)
                else:
                    w.task = None
    finally:
        _stop_all(workers, writer, tmp_root)
    return records


def _stop_all(workers: list[_Worker], writer: JsonlWriter, tmp_root: str) -> None:
    """Every worker stopped (killed when busy), the results file closed, the batch's folder
    removed; a second Ctrl-C waits until that is done."""
    with _signals_held():
        for w in workers:
            if w.task is not None:
                w.kill()
            else:
                w.stop()
        writer.close()
        if tmp_root:
            shutil.rmtree(tmp_root, ignore_errors=True)
