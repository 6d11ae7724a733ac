"""Grading a whole class: many submissions, in worker processes that stay alive, each
submission bounded in time and memory, results streamed to JSON Lines as they come.

The parent never grades: it discovers the submissions, hands them to N workers (forked from a
forkserver that preloaded loopcheck), enforces each submission's wall-clock timeout by
killing the worker's whole process group, replaces workers that died, and writes one
JSON line per submission the moment it is done. ``--resume`` reuses the lines of an earlier
run whose submission fingerprint and rubric are unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from grader.archives import kind_of
from grader.errors import LoopcheckError
from grader.model import PHASES
from grader.record import record

CSV_HEADER = ["id", "status", *PHASES, "bonus", "score", "max_score", "percent", "passed", "reason"]
_CRED = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<cred>[^/@\s]+)@")
_URL = re.compile(r"^(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:[^/\\]")
_STUDENT_COLUMNS = ("student", "name", "id", "login", "github_username", "username", "identifier", "email")
_SOURCE_COLUMNS = ("url", "repo", "repository", "repo_url", "git_url", "clone_url", "path", "submission", "source")


def redact(text) -> str:
    """Credentials in URLs (``https://user:token@host``) replaced by ``***``."""
    return _CRED.sub(lambda m: m.group("scheme") + "***@", str(text))


@record
class Task:
    id: str
    kind: str  # dir | zip | tar | bundle | url
    source: str  # a path, or a URL (credentials kept: it is handed to git, never shown)

    @property
    def display(self) -> str:
        return redact(self.source)


# -- discovering submissions ----------------------------------------------------------------
def discover(sources: list[str]) -> list[Task]:
    tasks: list[Task] = []
    for source in sources:
        path = Path(source)
        if _URL.match(source):
            tasks.append(Task(_id_from_url(source), "url", source))
        elif not path.exists():
            raise LoopcheckError(f"source not found: {redact(source)}")
        elif path.is_dir() and (path / ".git").exists():
            tasks.append(Task(path.resolve().name, "dir", str(path)))
        elif path.is_dir():
            tasks.extend(_folder_children(path))
        elif path.suffix.lower() == ".csv":
            tasks.extend(_roster(path))
        elif kind_of(source):
            tasks.append(Task(_stem(path.name), kind_of(source), str(path)))
        else:
            raise LoopcheckError(f"{source}: not a folder, archive (.zip, .tar.gz, .tgz), .bundle or roster .csv")
    seen: dict[str, int] = Counter()
    unique = []
    for task in tasks:
        seen[task.id] += 1
        if seen[task.id] > 1:  # two submissions with one name: keep both, apart
            task = Task(f"{task.id}~{seen[task.id]}", task.kind, task.source)
        unique.append(task)
    return unique


def _stem(name: str) -> str:
    for ext in (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".zip", ".bundle"):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


def _folder_children(folder: Path) -> list[Task]:
    tasks = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.is_symlink():
            continue
        if entry.is_dir(follow_symlinks=False):
            tasks.append(Task(entry.name, "dir", entry.path))
        elif entry.is_file(follow_symlinks=False) and kind_of(entry.name):
            tasks.append(Task(_stem(entry.name), kind_of(entry.name), entry.path))
    return tasks


def _id_from_url(url: str) -> str:
    tail = redact(url).rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return tail[:-4] if tail.endswith(".git") else tail


def _roster(path: Path) -> list[Task]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoopcheckError(f"{path}: roster can't be read ({exc})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise LoopcheckError(f"{path}: the roster is empty")
    header = [h.strip().lower() for h in rows[0]]
    student = next((header.index(c) for c in _STUDENT_COLUMNS if c in header), None)
    source = next((header.index(c) for c in _SOURCE_COLUMNS if c in header), None)
    if student is None or source is None:
        raise LoopcheckError(f"{path}: the roster needs a student column ({', '.join(_STUDENT_COLUMNS[:4])}...) "
                             f"and a repository column ({', '.join(_SOURCE_COLUMNS[:4])}...)")
    tasks = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) <= max(student, source) or not row[student].strip() or not row[source].strip():
            continue
        who, where = row[student].strip(), row[source].strip()
        if where.startswith("-"):
            raise LoopcheckError(f"{path}:{line}: {redact(where)!r} is not a repository")
        if _URL.match(where):
            tasks.append(Task(who, "url", where))
        else:
            local = (path.parent / where) if not os.path.isabs(where) else Path(where)
            kind = "dir" if local.is_dir() else kind_of(where)
            if kind is None:
                raise LoopcheckError(f"{path}:{line}: {where!r} is neither a URL nor a folder, archive or bundle")
            tasks.append(Task(who, kind, str(local)))
    return tasks


def shard(tasks: list[Task], spec: str | None) -> list[Task]:
    """The K-th of N deterministic shards (``K/N``, K from 1), stable under input order."""
    if not spec:
        return tasks
    m = re.fullmatch(r"(\d+)/(\d+)", spec.strip())
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise LoopcheckError(f"--shard {spec!r}: give K/N with 1 <= K <= N, e.g. 2/3")
    k, n = int(m.group(1)), int(m.group(2))
    return [t for t in tasks if int(hashlib.sha256(t.id.encode()).hexdigest(), 16) % n == k - 1]


# -- the worker side --------------------------------------------------------------------------
def _fingerprint(task: Task) -> str | None:
    if task.kind in ("zip", "tar", "bundle"):
        digest = hashlib.sha256()
        with open(task.source, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return "sha256:" + digest.hexdigest()
    if task.kind == "dir":
        head = _head_commit(Path(task.source))
        return f"commit:{head}" if head else "files:" + _listing_hash(Path(task.source))
    if task.kind == "url":
        from git.cmd import Git

        out = Git().ls_remote(task.source, "HEAD")
        sha = out.split()[0] if out.strip() else None
        return f"commit:{sha}" if sha else None
    return None


def _head_commit(root: Path) -> str | None:
    """HEAD's commit, read from the files (no git process): a quick fingerprint. Only regular,
    small files are read (no symlink, FIFO or device is ever opened)."""
    from grader.gitfacts import _small_regular

    dotgit = root / ".git"

    def read(path: Path) -> str:
        data = _small_regular(path)
        return data[:65536].decode("utf-8", "replace").strip() if data is not None else ""

    head = read(dotgit / "HEAD")
    if not head.startswith("ref: "):
        return head if re.fullmatch(r"[0-9a-f]{40,64}", head) else None
    ref = head[5:].strip()
    if ".." in ref or not ref.startswith("refs/"):
        return None
    value = read(dotgit / ref)
    if re.fullmatch(r"[0-9a-f]{40,64}", value):
        return value
    for line in read(dotgit / "packed-refs").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == ref and re.fullmatch(r"[0-9a-f]{40,64}", parts[0]):
            return parts[0]
    return None


def _listing_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in sorted(filenames):
            p = os.path.join(dirpath, name)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            digest.update(f"{os.path.relpath(p, root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _clone_url(url: str, dest: str) -> None:
    from git import Repo

    Repo.clone_from(url, dest, multi_options=["--template=", "--config=core.hooksPath=/dev/null",
                                              "--config=core.fsmonitor=false"],
                    allow_unsafe_options=True, allow_unsafe_protocols=False,
                    env={"GIT_TERMINAL_PROMPT": "0"})


def grade_task(task: Task, rubric, tmp_root: str, previous: str | None = None) -> dict:
    """Prepare and grade one submission (in a worker). Never raises."""
    from grader.archives import ArchiveError, extract, submission_root
    from grader.scoring import grade
    from grader.sources import clone_bundle

    record = {"id": task.id, "source": task.display, "fingerprint": None,
              "rubric": {"id": rubric.id, "sha256": rubric.sha256}, "status": "error", "reason": "",
              "report": None}
    work = tempfile.mkdtemp(prefix="sub-", dir=tmp_root)
    try:
        record["fingerprint"] = _fingerprint(task)
        if previous and record["fingerprint"] == previous:
            record["status"] = "unchanged"
            return record
        if task.kind == "dir":
            folder = task.source
        elif task.kind == "bundle":
            folder = os.path.join(work, "repo")
            clone_bundle(task.source, folder)
        elif task.kind == "url":
            folder = os.path.join(work, "repo")
            _clone_url(task.source, folder)
        else:
            unpacked = Path(work) / "unpacked"
            unpacked.mkdir()
            skipped = extract(task.source, unpacked)
            folder = str(submission_root(unpacked))
            if skipped:  # graded all the same, but the instructor should know
                record["reason"] = (f"{len(skipped)} unsafe archive entr{'y' if len(skipped) == 1 else 'ies'} "
                                    f"skipped: " + "; ".join(skipped[:3]))
        report = grade(folder, rubric, display_path=task.display)
        record["report"] = report.to_dict()
        record["status"] = "graded"
        if record["fingerprint"] is None and report.submission.commit:
            record["fingerprint"] = f"commit:{report.submission.commit}"
    except ArchiveError as exc:
        record["reason"] = f"archive refused: {exc}"
    except LoopcheckError as exc:
        record["reason"] = str(exc)
    except MemoryError:
        record["reason"] = "ran out of memory (over the batch's memory cap)"
    except Exception as exc:  # noqa: BLE001 - one submission must not stop the batch
        text = " ".join(str(exc).split())
        if type(exc).__name__ == "GitCommandError":
            stderr = getattr(exc, "stderr", "") or ""
            text = "git could not clone it: " + " ".join(str(stderr).split())[-300:]
        record["reason"] = f"{type(exc).__name__}: {text}"[:500]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    record["reason"] = redact(record["reason"])
    return record


def worker_main(conn, rubric_ref: str | None, memory_mb: int, tmp_root: str) -> None:
    """A worker: its own process group (so a timeout kills its git children too), a memory
    cap, the rubric loaded once; then submissions until told to stop or the parent is gone.
    Nothing escapes it as a traceback: a failure is reported as the submission's error."""
    try:
        os.setsid()
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
            conn.send(grade_task(Task(**task), loaded, tmp_root, previous))
    except BaseException as exc:  # noqa: BLE001 - MemoryError while starting, a broken pipe...
        try:
            reason = "ran out of memory (over the batch's memory cap)" if isinstance(exc, MemoryError) \
                else f"the grading worker failed: {type(exc).__name__}"
            conn.send({"worker_error": reason})
        except BaseException:  # noqa: BLE001 - the parent will see the worker die
            pass
        os._exit(1)


# -- the parent side -----------------------------------------------------------------------------
class _Worker:
    def __init__(self, ctx, rubric_ref, memory_mb, tmp_root):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=worker_main, args=(child, rubric_ref, memory_mb, tmp_root), daemon=True)
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


def load_jsonl(path: str) -> dict[str, dict]:
    """Records of a results file by id (the last one wins); torn or foreign lines are skipped."""
    records: dict[str, dict] = {}
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and isinstance(rec.get("id"), str) and "status" in rec:
                    records[rec["id"]] = rec
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise LoopcheckError(f"{path}: can't be read ({exc.strerror})") from None
    return records


class _JsonlWriter:
    def __init__(self, path: str | None):
        self.fh = None
        if path:
            exists = os.path.exists(path) and os.path.getsize(path) > 0
            self.fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the batch
            if exists:
                with open(path, "rb") as check:
                    check.seek(-1, os.SEEK_END)
                    if check.read(1) != b"\n":  # a torn last line from an interrupted run
                        self.fh.write("\n")

    def write(self, record: dict) -> None:
        if self.fh:
            self.fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            self.fh.flush()
            os.fsync(self.fh.fileno())

    def close(self):
        if self.fh:
            self.fh.close()


def run(tasks: list[Task], *, rubric_ref: str | None, jobs: int, timeout: float, memory_mb: int,
        jsonl: str | None, resume: bool, progress=None) -> dict[str, dict]:
    """Grade every task; returns the records by id (resumed ones included)."""
    import multiprocessing
    from multiprocessing.connection import wait

    from grader import rubric as rubrics

    rubric = rubrics.load(rubric_ref)  # fail fast on a bad rubric, before any worker starts
    previous = load_jsonl(jsonl) if (resume and jsonl) else {}
    records: dict[str, dict] = {}
    pending: list[tuple[Task, str | None]] = []
    for task in tasks:
        old = previous.get(task.id)
        same_rubric = old and old.get("rubric", {}).get("sha256") == rubric.sha256
        if old and same_rubric and old.get("status") == "graded" and old.get("fingerprint"):
            pending.append((task, old["fingerprint"]))
        else:
            pending.append((task, None))
    writer = _JsonlWriter(jsonl)
    tmp_root = tempfile.mkdtemp(prefix="loopcheck-batch-")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["grader._preload"])
    workers: list[_Worker] = []
    queue = list(reversed(pending))
    try:
        workers = [_Worker(ctx, rubric_ref, memory_mb, tmp_root) for _ in range(max(1, min(jobs, len(queue))))]
        while queue or any(w.task for w in workers):
            for w in workers:
                if w.task is None and queue:
                    task, prev = queue.pop()
                    w.task, w.deadline = task, time.monotonic() + timeout
                    w.conn.send((task.__dict__, prev))
            busy = [w for w in workers if w.task]
            soonest = min(w.deadline for w in busy) - time.monotonic()
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=max(0.0, soonest))
            for i, w in enumerate(workers):
                if w.task is None:
                    continue
                record = None
                if w.conn in ready:
                    try:
                        record = w.conn.recv()
                    except (EOFError, OSError):
                        record = None
                    if isinstance(record, dict) and "worker_error" in record:
                        record = _failure(w.task, rubric, "error", record["worker_error"])
                        w.proc.join(timeout=5)
                if record is None and (w.proc.sentinel in ready or w.conn in ready):
                    code = w.proc.exitcode
                    why = "killed (likely over the memory cap)" if code in (-9, 137) else f"exit code {code}"
                    record = _failure(w.task, rubric, "error", f"the grading worker died ({why})")
                elif record is None and time.monotonic() >= w.deadline:
                    record = _failure(w.task, rubric, "timeout", f"took longer than {timeout:g} s")
                if record is None:
                    continue
                if record["status"] == "unchanged":
                    record = previous[w.task.id]
                else:
                    writer.write(record)
                records[w.task.id] = record
                if progress:
                    progress(record)
                if record["status"] in ("timeout",) or not w.proc.is_alive() or record["reason"].startswith("the grading worker died"):
                    w.kill()
                    workers[i] = _Worker(ctx, rubric_ref, memory_mb, tmp_root)
                else:
                    w.task = None
    finally:
        for w in workers:
            if w.task is not None:
                w.kill()
            else:
                w.stop()
        writer.close()
        shutil.rmtree(tmp_root, ignore_errors=True)
    return records


def _failure(task: Task, rubric, status: str, reason: str) -> dict:
    return {"id": task.id, "source": task.display, "fingerprint": None,
            "rubric": {"id": rubric.id, "sha256": rubric.sha256}, "status": status,
            "reason": redact(reason), "report": None}


# -- outputs ------------------------------------------------------------------------------------
def csv_rows(records: dict[str, dict]) -> list[list]:
    rows = []
    for rid in sorted(records):
        rec = records[rid]
        report = rec.get("report") or {}
        phases = {p["id"]: p["score"] for p in report.get("phases", [])}
        graded = rec.get("status") == "graded"
        rows.append([rid, rec.get("status", "error"), *(phases.get(p, "") for p in PHASES),
                     (report.get("bonus") or {}).get("applied", 0.0) if graded else "",
                     report.get("score", "") if graded else "", report.get("max_score", "") if graded else "",
                     report.get("percent", "") if graded else "",
                     ("true" if report.get("passed") else "false") if graded else "",
                     rec.get("reason", "")])
    return rows


def write_csv(records: dict[str, dict], path: str) -> None:
    from grader.report.csv_report import safe_cell

    tmp = f"{path}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(CSV_HEADER)
            for row in csv_rows(records):
                writer.writerow([safe_cell(c) for c in row])
        os.replace(tmp, path)
    except OSError as exc:
        raise LoopcheckError(f"can't write {path}: {exc.strerror}") from None


def summary(records: dict[str, dict]) -> dict:
    graded = [r for r in records.values() if r.get("status") == "graded" and r.get("report")]
    failed = [r for r in records.values() if r.get("status") != "graded"]
    phase_pct: dict[str, list[float]] = {p: [] for p in PHASES}
    failing: Counter = Counter()
    for rec in graded:
        for phase in rec["report"]["phases"]:
            if phase["max_score"]:
                phase_pct[phase["id"]].append(100.0 * phase["score"] / phase["max_score"])
            for check in phase["checks"]:
                if check["status"] in ("fail", "partial", "error") and not check.get("bonus"):
                    failing[(check["id"], check["title"])] += 1
    return {
        "graded": len(graded),
        "failed_to_grade": len(failed),
        "passed": sum(1 for r in graded if r["report"]["passed"]),
        "phases": {p: (statistics.fmean(v) if v else 0.0, statistics.median(v) if v else 0.0)
                   for p, v in phase_pct.items()},
        "most_failed": failing.most_common(5),
        "failures": sorted((r["id"], r["status"], r.get("reason", "")) for r in failed),
    }


def print_summary(records: dict[str, dict], stream=None) -> None:
    stream = stream or sys.stdout
    s = summary(records)
    total = s["graded"]
    rate = f"{100.0 * s['passed'] / total:.0f}%" if total else "n/a"
    lines = [f"Graded {s['graded']} submission(s); {s['failed_to_grade']} could not be graded.",
             f"Pass rate: {rate} ({s['passed']} of {total})", "",
             f"{'phase':<9} {'mean':>6} {'median':>7}"]
    for phase, (mean, median) in s["phases"].items():
        lines.append(f"{phase:<9} {mean:5.0f}% {median:6.0f}%")
    if s["most_failed"]:
        lines += ["", "Checks most often not passed (a teaching signal):"]
        lines += [f"  {n:>4} × {cid} — {title}" for (cid, title), n in s["most_failed"]]
    if s["failures"]:
        lines += ["", "Could not be graded:"]
        lines += [f"  {rid}: {status}: {reason}" for rid, status, reason in s["failures"][:20]]
    from grader.report.text import clean

    stream.write("\n".join(clean(line) for line in lines) + "\n")


def merge(files: list[str]) -> dict[str, dict]:
    """The records of several results files; a conflicting duplicate is an error."""
    merged: dict[str, dict] = {}
    origin: dict[str, str] = {}
    conflicts = []
    for path in files:
        if not os.path.exists(path):
            raise LoopcheckError(f"results file not found: {path}")
        for rid, rec in load_jsonl(path).items():
            if rid in merged and _key(merged[rid]) != _key(rec):
                conflicts.append(f"{rid}: {origin[rid]} and {path} disagree")
                continue
            merged[rid] = rec
            origin[rid] = path
    if conflicts:
        raise LoopcheckError("conflicting results for the same submission: " + "; ".join(conflicts[:5]))
    return merged


def _key(rec: dict):
    report = rec.get("report") or {}
    return (rec.get("status"), rec.get("fingerprint"), rec.get("rubric", {}).get("sha256"),
            report.get("score"), tuple((p["id"], p["score"]) for p in report.get("phases", [])))
