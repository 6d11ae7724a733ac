"""One submission in a worker: its fingerprint, the folder to grade (as it is, unpacked from an
archive, or cloned from a bundle or URL), and the graded :class:`Result`. Never raises."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from grader import git
from grader.batch.discover import Task, redact
from grader.batch.results import Result
from grader.errors import LoopcheckError
from grader.evidence import substance
from grader.sources import Opened, committed, opened
from grader.submission import Submission


def fingerprint(task: Task) -> str | None:
    """What identifies this version of the submission, cheaply: an archive's hash, a folder's
    HEAD commit (or its file listing), a remote's HEAD."""
    if task.kind in ("zip", "tar", "bundle"):
        digest = hashlib.sha256()
        with open(task.source, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return "sha256:" + digest.hexdigest()
    if task.kind == "dir":
        head = git.head_commit(task.source)
        return f"commit:{head}" if head else "files:" + _listing_hash(Path(task.source))
    if task.kind == "url":
        sha = git.remote_head(task.source)
        return f"commit:{sha}" if sha else None
    return None


def _listing_hash(root: Path) -> str:
    """A hash of a folder's files (names, sizes, times) — the graded index's own listing, so it
    is bounded in depth and count like grading and never follows a link."""
    digest = hashlib.sha256()
    sub = Submission(str(root))
    for rel in sub.files:
        try:
            st = os.lstat(os.path.join(sub.root, rel))
        except OSError:
            continue
        digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def failure(task: Task, rubric, status: str, reason: str) -> Result:
    """A submission that could not be graded (timeout, a dead worker...)."""
    return Result(id=task.id, source=task.display,
                  rubric={"id": rubric.id, "sha256": rubric.sha256, "title": rubric.title},
                  status=status, reason=redact(reason))


def grade_task(task: Task, rubric, tmp_root: str, previous: str | None = None,
               deadline: int | None = None) -> Result:
    """Prepare and grade one submission (in a worker), as of ``deadline`` (Unix time) when
    given. Never raises."""
    result = failure(task, rubric, "error", "")
    work = tempfile.mkdtemp(prefix="sub-", dir=tmp_root)
    try:
        result.fingerprint = fingerprint(task)
        if result.fingerprint and deadline is not None:  # the same work graded for another deadline differs
            result.fingerprint += f"@{deadline}"
        if previous and result.fingerprint == previous:
            result.status = "unchanged"
            return result
        if task.kind == "url":
            # bounded like a bundle: no checkout, the clone capped on disk while it is fetched,
            # the commit's files exported within the export cap
            folder = os.path.join(work, "repo")
            git.clone_url(task.source, folder, checkout=False, max_bytes=git.EXPORT_MAX_BYTES)
            with committed(folder, compare=False, deadline=deadline) as source:
                _grade_into(result, source, rubric, task)
        else:  # a folder (its last commit), a bundle or an archive, as in single mode
            with opened(task.source, deadline=deadline) as source:
                _grade_into(result, source, rubric, task)
            if deadline is not None and result.late is None:
                result.late = False
        if result.fingerprint is None and result.report and result.report["submission"]["commit"]:
            result.fingerprint = f"commit:{result.report['submission']['commit']}"
    except LoopcheckError as exc:
        result.reason = str(exc)
    except MemoryError:
        result.reason = "ran out of memory (over the batch's memory cap)"
    except Exception as exc:  # noqa: BLE001 - one submission must not stop the batch
        if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
            result.reason = "ran out of memory (over the batch's memory cap: no room for a thread)"
            return result
        text = " ".join(str(exc).split())
        if type(exc).__name__ == "GitCommandError":
            stderr = getattr(exc, "stderr", "") or ""
            text = "git could not clone it: " + " ".join(str(stderr).split())[-300:]
        result.reason = f"{type(exc).__name__}: {text}"[:500]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.reason = redact(_relative(result.reason, task, work))
    return result


def _relative(reason: str, task: Task, work: str) -> str:
    """A reason as the student may read it: the submission's path on the instructor's machine
    (and the worker's temporary folder) replaced by where it is within the batch's source."""
    if task.kind != "url":
        source = os.path.abspath(task.source)
        reason = reason.replace(source, task.display).replace(os.path.dirname(source) + os.sep, "")
    return reason.replace(work + os.sep, "").replace(work, "")


def _moment(value: int) -> int | None:
    """A commit's date as stored: out of what a gradebook holds (2**64), none."""
    return value if -(1 << 62) <= value <= (1 << 62) else None


_FOR_THE_INSTRUCTOR = ("no git history", "unsafe", "graded the last commit", "late:", "deadline",
                       "authored before", "author date")


def _grade_into(result: Result, source: Opened, rubric, task: Task) -> None:
    """Grade what ``source`` holds into ``result``: the report, the written work's sketch, and
    in ``reason`` what the instructor should know (skipped archive entries, missing history)."""
    from grader.scoring import grade_submission

    sub = Submission(source.folder, git_root=source.git_root, git_rev=source.rev, tree=source.tree)
    sub.start_git()  # git runs in the background while the first checks work
    try:
        report = grade_submission(sub, rubric, display_path=task.display)
        result.sketch = substance.written_sketch(sub)  # from the files already read
        facts = sub.git
        if facts.commits and not facts.error:
            head = facts.commits[0]
            result.commit, result.commit_time, result.tree = head.sha, _moment(head.time), head.tree or None
    finally:
        sub.close()
    if source.at is not None:
        result.late, result.later_commits = source.at.late, source.at.later
    if source.notes:
        report = dataclasses.replace(report, notes=tuple(source.notes) + report.notes)
    result.report = report.to_dict()
    result.reason = "; ".join(n for n in report.notes if any(k in n for k in _FOR_THE_INSTRUCTOR))
    result.status = "graded"
