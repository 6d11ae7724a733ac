"""The gradebook: every graded result of a class in one SQLite file (the standard library's
``sqlite3``), each stored in its own transaction the moment it is done, so a ``kill -9`` loses
nothing that was finished and never leaves half a row. Regrades add rows; the latest row of a
student is their grade, the others are their history. ``--resume``, ``merge``, ``grades
show/export`` and the class report read it. One batch at a time writes a gradebook: it is
locked (``flock`` on a lock file beside it) for the length of the run.

The schema is versioned (``PRAGMA user_version``); :func:`_migrate` brings an older file up
to date in place, one step per version, inside a transaction."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from grader.batch.results import Result
from grader.errors import LoopcheckError
from grader.report.text import clean

SCHEMA_VERSION = 3
DEFAULT_NAME = "loopcheck-grades.sqlite"

# Version 1: results only. Version 2: the graded commit (deadline, late), the roster's columns
# per student, and the runs. Version 3: the submission kept for a student who handed in more
# than once (``loopcheck grades keep``).
_V1 = """
CREATE TABLE results (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    student TEXT NOT NULL,
    graded_at REAL NOT NULL,
    fingerprint TEXT,
    rubric_id TEXT,
    rubric_sha TEXT,
    status TEXT NOT NULL,
    score REAL,
    percent REAL,
    passed INTEGER,
    record TEXT NOT NULL
);
CREATE INDEX results_student ON results (student, seq);
"""
_V2 = """
ALTER TABLE results ADD COLUMN run INTEGER;
ALTER TABLE results ADD COLUMN commit_sha TEXT;
ALTER TABLE results ADD COLUMN commit_time INTEGER;
ALTER TABLE results ADD COLUMN late INTEGER;
CREATE TABLE students (
    student TEXT PRIMARY KEY,
    source TEXT,
    name TEXT,
    roster TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE runs (
    run INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    rubric_sha TEXT,
    deadline INTEGER,
    feedback TEXT
);
"""
_V3 = """
CREATE TABLE kept (
    name TEXT PRIMARY KEY,
    student TEXT NOT NULL
);
"""
_STEPS = {1: _V1, 2: _V2, 3: _V3}


@dataclass(frozen=True, slots=True)
class Row:
    """One stored grading of a student (a row of their history)."""

    seq: int
    graded_at: float
    result: Result


def default_path(out: str | None, jsonl: str | None) -> str:
    """Beside ``--out`` (or ``--jsonl``), else in the current folder."""
    anchor = out or jsonl
    folder = os.path.dirname(os.path.abspath(anchor)) if anchor else os.getcwd()
    return os.path.join(folder, DEFAULT_NAME)


_REQUIRED = {"results": {"seq", "student", "graded_at", "fingerprint", "status", "record", "commit_sha", "late"},
             "students": {"student", "source", "name", "roster"},
             "runs": {"run", "started", "rubric_sha", "deadline", "feedback"},
             "kept": {"name", "student"}}


def _check_schema(db: sqlite3.Connection, path: str) -> None:
    """A file that says it is a gradebook of this version must have its tables and columns."""
    for table, columns in _REQUIRED.items():
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        missing = sorted(columns - have)
        if missing:
            raise LoopcheckError(f"{path}: not a loopcheck gradebook (table {table} lacks {', '.join(missing)})")


def _reading(method):
    """A gradebook that turns out damaged while it is read is a clear error, not a traceback."""
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise LoopcheckError(f"{self.path}: the gradebook can't be read ({exc})") from None
    wrapper.__doc__ = method.__doc__
    return wrapper


class Gradebook:
    """An open gradebook. ``lock=True`` (a batch or a merge writing it) takes the writer's lock or
    raises LoopcheckError naming who holds it."""

    def __init__(self, path: str, *, create: bool = True, lock: bool = False, wait: bool = False):
        self.path = path
        self._lock_fd: int | None = None
        if not create and not os.path.isfile(path):
            raise LoopcheckError(f"gradebook not found: {clean(path)}")
        if os.path.exists(path) and not os.path.isfile(path):
            raise LoopcheckError(f"{clean(path)}: not a gradebook (not a regular file)")
        if lock:
            self._take_lock(wait)
        try:
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")  # a kill loses no committed row
            self.db.execute("PRAGMA synchronous=NORMAL")
            _migrate(self.db, path)
            _check_schema(self.db, path)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise LoopcheckError(f"{path}: not a loopcheck gradebook ({exc})") from None
        except OSError as exc:
            self.close()
            raise LoopcheckError(f"{path}: can't be opened ({exc.strerror})") from None

    # -- the writer's lock ------------------------------------------------------------
    def _take_lock(self, wait: bool) -> None:
        try:
            import fcntl
        except ImportError:  # not on this system: SQLite's own locking still keeps rows whole
            return
        # beside the real file: a link to the gradebook (or another spelling of its path) takes
        # the same lock, so two runs can never write one gradebook at once
        lock_path = os.path.realpath(self.path) + ".lock"
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LoopcheckError(f"can't create the gradebook's lock {lock_path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise LoopcheckError(f"the gradebook {self.path} is in use by another loopcheck run"
                                 f"{f' (process {holder})' if holder.isdigit() else ''}: wait for it to end, "
                                 "or give another --gradebook") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._lock_fd = fd

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
            self.db = None  # type: ignore[assignment]
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # the lock goes with it (and with the process, however it ends)
            self._lock_fd = None

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------
    @_reading
    def start_run(self, *, rubric_sha: str, deadline: int | None, feedback: str | None) -> int:
        cur = self.db.execute("INSERT INTO runs (started, rubric_sha, deadline, feedback) VALUES (?, ?, ?, ?)",
                              (time.time(), rubric_sha, deadline, feedback))
        return int(cur.lastrowid or 0)

    def set_students(self, students: Iterable[tuple[str, str, str, dict]]) -> None:
        """(id, source shown, name, roster columns) of each student of a run, in one transaction."""
        with self._transaction():
            self.db.executemany(
                "INSERT INTO students (student, source, name, roster) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (student) DO UPDATE SET source = excluded.source, name = excluded.name, "
                "roster = CASE WHEN excluded.roster = '{}' THEN students.roster ELSE excluded.roster END",
                [(sid, source, name, json.dumps(roster, ensure_ascii=False, sort_keys=True))
                 for sid, source, name, roster in students])

    def add(self, result: Result, run: int | None = None, graded_at: float | None = None) -> None:
        """Store one result in its own transaction (committed before this returns)."""
        report = result.report or {}
        graded = result.status == "graded"
        try:
            self.db.execute(
                "INSERT INTO results (student, graded_at, fingerprint, rubric_id, rubric_sha, status, score, "
                "percent, passed, record, run, commit_sha, commit_time, late) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (result.id, graded_at or time.time(), result.fingerprint, result.rubric.get("id"),
                 result.rubric.get("sha256"), result.status,
                 report.get("score") if graded else None, report.get("percent") if graded else None,
                 (1 if report.get("passed") else 0) if graded else None,
                 json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True), run,
                 result.commit, result.commit_time, None if result.late is None else int(result.late)))
        except sqlite3.OperationalError as exc:  # a full disk, a read-only folder
            raise LoopcheckError(f"can't write the gradebook {self.path}: {exc}") from None

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise LoopcheckError(f"can't write the gradebook {self.path}: {exc}") from None

    @_reading
    def merge_from(self, other: Gradebook) -> int:
        """Copy ``other``'s rows (and students) that this gradebook does not hold yet; the count."""
        known = {(r[0], r[1], r[2]) for r in self.db.execute("SELECT student, graded_at, fingerprint FROM results")}
        added = 0
        with self._transaction():
            for student, source, name, roster in other.db.execute("SELECT student, source, name, roster FROM students"):
                self.db.execute("INSERT OR IGNORE INTO students (student, source, name, roster) VALUES (?, ?, ?, ?)",
                                (student, source, name, roster))
            for name, student in other.db.execute("SELECT name, student FROM kept"):
                self.db.execute("INSERT OR IGNORE INTO kept (name, student) VALUES (?, ?)", (name, student))
            for row in other.db.execute(
                    "SELECT student, graded_at, fingerprint, rubric_id, rubric_sha, status, score, percent, passed, "
                    "record, commit_sha, commit_time, late FROM results ORDER BY seq"):
                if (row[0], row[1], row[2]) in known:
                    continue
                self.db.execute(
                    "INSERT INTO results (student, graded_at, fingerprint, rubric_id, rubric_sha, status, score, "
                    "percent, passed, record, commit_sha, commit_time, late) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row)
                added += 1
        return added

    # -- reading --------------------------------------------------------------------------
    @_reading
    def latest(self, students: Iterable[str] | None = None) -> dict[str, Result]:
        """Each student's latest result (only those of ``students`` when given)."""
        wanted = set(students) if students is not None else None
        out: dict[str, Result] = {}
        for student, record in self.db.execute(
                "SELECT student, record FROM results WHERE seq IN (SELECT MAX(seq) FROM results GROUP BY student)"):
            if wanted is not None and student not in wanted:
                continue
            result = _load(record)
            if result is not None:
                out[student] = result
        return out

    @_reading
    def graded_times(self) -> dict[str, float]:
        """When each student's latest result was graded (Unix time)."""
        return {student: float(at) for student, at in self.db.execute(
            "SELECT student, graded_at FROM results WHERE seq IN (SELECT MAX(seq) FROM results GROUP BY student)")}

    @_reading
    def history(self, student: str) -> list[Row]:
        rows = []
        for seq, graded_at, record in self.db.execute(
                "SELECT seq, graded_at, record FROM results WHERE student = ? ORDER BY seq", (student,)):
            result = _load(record)
            if result is not None:
                rows.append(Row(seq, graded_at, result))
        return rows

    @_reading
    def students(self) -> dict[str, dict]:
        """Each known submission's source, student name and roster columns; ``set_aside`` when its
        student handed in more than once and another of their submissions is the one kept."""
        kept = dict(self.db.execute("SELECT name, student FROM kept"))
        out = {}
        for student, source, name, roster in self.db.execute("SELECT student, source, name, roster FROM students"):
            if not isinstance(student, str):
                continue  # not a row of ours (SQLite keeps whatever type was written)
            try:
                columns = json.loads(roster) if isinstance(roster, str | bytes) else {}
            except ValueError:
                columns = {}
            columns = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in columns.items()} \
                if isinstance(columns, dict) else {}
            who = name if isinstance(name, str) and name else student
            out[student] = {"source": source if isinstance(source, str) else "", "name": who, "roster": columns,
                            "set_aside": who in kept and kept[who] != student}
        return out

    @_reading
    def keep(self, submission: str) -> list[str]:
        """Keep ``submission`` as its student's one submission; the others of that student, now
        set aside (LMS exports leave them out and give the kept one's grade)."""
        row = self.db.execute("SELECT name FROM students WHERE student = ?", (submission,)).fetchone()
        if row is None:
            raise LoopcheckError(f"no submission {submission!r} in {self.path}")
        name = row[0] or submission
        others = [sid for (sid,) in self.db.execute(
            "SELECT student FROM students WHERE (name = ? OR (name IS NULL AND student = ?)) AND student != ? "
            "ORDER BY student", (name, name, submission))]
        with self._transaction():
            self.db.execute("INSERT INTO kept (name, student) VALUES (?, ?) "
                            "ON CONFLICT (name) DO UPDATE SET student = excluded.student", (name, submission))
        return others

    @_reading
    def last_run(self) -> dict:
        row = self.db.execute("SELECT started, rubric_sha, deadline, feedback FROM runs ORDER BY run DESC LIMIT 1").fetchone()
        if row is None:
            return {}
        return {"started": row[0], "rubric_sha": row[1], "deadline": row[2], "feedback": row[3]}

    @_reading
    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM results").fetchone()[0])


def _load(record) -> Result | None:
    if not isinstance(record, str | bytes):
        return None
    try:
        return Result.from_dict(json.loads(record))
    except (ValueError, RecursionError):
        return None


def _migrate(db: sqlite3.Connection, path: str) -> None:
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise LoopcheckError(f"{path}: written by a newer loopcheck (gradebook schema {version}; this one "
                             f"reads up to {SCHEMA_VERSION}): upgrade loopcheck")
    if version == 0 and db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
        raise LoopcheckError(f"{path}: an SQLite file, but not a loopcheck gradebook")
    while version < SCHEMA_VERSION:
        version += 1
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _STEPS[version].split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
