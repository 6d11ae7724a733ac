"""A graded submission as a typed :class:`Result`, and its JSON Lines storage: append as soon
as it is done (fsync'd), load for ``--resume``, merge shards."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field

from grader.errors import LoopcheckError
from grader.evidence.substance import resemblance
from grader.yamlload import mapping


@dataclass(slots=True)
class Result:
    """One submission's outcome: ``graded`` with the JSON report, or why it could not be."""

    id: str
    source: str
    rubric: dict  # {"id": ..., "sha256": ...}
    status: str = "error"  # graded, error, timeout, or unchanged (a worker's answer when resuming)
    reason: str = ""
    fingerprint: str | None = None
    report: dict | None = field(default=None, repr=False)
    sketch: list[str] | None = field(default=None, repr=False)  # of the written work, for similarity
    commit: str | None = None  # the commit graded
    commit_time: int | None = None  # its committer date (Unix time)
    tree: str | None = None  # its tree (same files = same tree)
    late: bool | None = None  # with a deadline: commits were made after it (None: no deadline)
    later_commits: int = 0

    @property
    def graded(self) -> bool:
        return self.status == "graded" and self.report is not None

    def to_dict(self) -> dict:
        out: dict = {"id": self.id, "source": self.source, "fingerprint": self.fingerprint,
               "rubric": self.rubric, "status": self.status, "reason": self.reason, "report": self.report}
        if self.sketch:
            out["sketch"] = self.sketch
        for name in ("commit", "commit_time", "tree", "late"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.later_commits:
            out["later_commits"] = self.later_commits
        return out

    @classmethod
    def from_dict(cls, rec: dict) -> Result | None:
        """A result from a stored line, or None when the line is not one of ours. Each field is
        checked for the type it is read as: a report with a field of the wrong type (a damaged
        or hand-edited gradebook) makes the result an ``error`` saying so — regraded by
        ``--resume``, exported as not graded — never a crash of every export."""
        if not isinstance(rec, dict) or not isinstance(rec.get("id"), str) or "status" not in rec:
            return None
        report = rec.get("report")
        status, reason = str(rec["status"]), rec.get("reason")
        reason = reason if isinstance(reason, str) else ""
        if status not in ("graded", "error", "timeout", "unchanged"):
            status, reason = "error", f"the stored result is damaged (status {str(rec['status'])[:40]!r})"
        if report is not None:
            problem = report_problem(report)
            if problem:
                status, reason, report = "error", f"the stored report is damaged ({problem}): grade it again", None
        if status == "graded" and report is None:
            status, reason = "error", reason or "the stored result has no report: grade it again"
        rubric = {k: v for k, v in mapping(rec.get("rubric")).items() if isinstance(v, str)}
        return cls(id=rec["id"], source=str(rec.get("source", "")),
                   rubric=rubric,
                   status=status, reason=reason,
                   fingerprint=rec.get("fingerprint") if isinstance(rec.get("fingerprint"), str) else None,
                   report=report if isinstance(report, dict) else None,
                   sketch=[str(h) for h in rec["sketch"][:256]] if isinstance(rec.get("sketch"), list) else None,
                   commit=_text(rec.get("commit")), commit_time=_int(rec.get("commit_time")),
                   tree=_text(rec.get("tree")),
                   late=rec["late"] if isinstance(rec.get("late"), bool) else None,
                   later_commits=_int(rec.get("later_commits")) or 0)

    def key(self):
        """What two results of one submission must agree on to be the same grade."""
        report = self.report or {}
        return (self.status, self.fingerprint, self.rubric.get("sha256"), report.get("score"),
                tuple((p["id"], p["score"]) for p in report.get("phases", [])))


_CHECK_STATUSES = ("pass", "partial", "fail", "error", "skip")


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value \
        and abs(value) != float("inf")


def _check_problem(check, where: str) -> str | None:
    if not isinstance(check, dict):
        return f"{where} is not an object"
    for key in ("id", "title", "message"):
        if not isinstance(check.get(key), str):
            return f"{where}.{key} is not text"
    if not isinstance(check.get("hint", ""), str):
        return f"{where}.hint is not text"
    if check.get("status") not in _CHECK_STATUSES:
        return f"{where}.status is not a check status"
    for key in ("score", "max_score"):
        if not _number(check.get(key)):
            return f"{where}.{key} is not a number"
    if not isinstance(check.get("bonus", False), bool):
        return f"{where}.bonus is not true or false"
    evidence = check.get("evidence", [])
    if not isinstance(evidence, list) or not all(
            isinstance(e, dict) and isinstance(e.get("path"), str)
            and (e.get("line") is None or (isinstance(e.get("line"), int) and not isinstance(e.get("line"), bool)))
            for e in evidence):
        return f"{where}.evidence is not a list of places"
    return None


def report_problem(report) -> str | None:
    """What is wrong with a stored JSON report, field by field, for the fields loopcheck reads
    back (the exports, the summary, feedback, the class report); None when nothing is."""
    if not isinstance(report, dict):
        return "the report is not an object"
    for key in ("score", "max_score", "percent", "threshold"):
        if not _number(report.get(key)):
            return f"{key} is not a number"
    if not isinstance(report.get("passed"), bool):
        return "passed is not true or false"
    bonus = report.get("bonus", {})
    if not isinstance(bonus, dict) or not _number(bonus.get("applied", 0.0)):
        return "bonus is not an object with a number applied"
    submission = report.get("submission", {})
    if not isinstance(submission, dict) or not isinstance(submission.get("commit"), str | None):
        return "submission.commit is not text"
    notes = report.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        return "notes is not a list of text"
    for group in ("phases", "tasks"):
        items = report.get(group, [])
        if not isinstance(items, list):
            return f"{group} is not a list"
        for i, item in enumerate(items):
            where = f"{group}[{i}]"
            if not isinstance(item, dict):
                return f"{where} is not an object"
            if not isinstance(item.get("id"), str) or not isinstance(item.get("title", ""), str):
                return f"{where}.id is not text"
            if not _number(item.get("score")) or not _number(item.get("max_score")):
                return f"{where}.score is not a number"
            if not isinstance(item.get("bonus", False), bool if group == "tasks" else dict):
                return f"{where}.bonus is not what a {group[:-1]} holds"
            checks = item.get("checks", [])
            if not isinstance(checks, list):
                return f"{where}.checks is not a list"
            for j, check in enumerate(checks):
                problem = _check_problem(check, f"{where}.checks[{j}]")
                if problem:
                    return problem
    return None


def _text(value) -> str | None:
    return value[:100] if isinstance(value, str) else None


def _int(value) -> int | None:
    """An integer SQLite can hold (a commit dated 2**64 is a repository's to write), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and -(1 << 62) <= value <= (1 << 62):
        return value
    return None


def load_jsonl(path: str, *, strict: bool = False) -> dict[str, Result]:
    """Results of a results file by id (the last one wins). A torn line (a run killed while
    writing) is skipped; with ``strict`` (``merge``), any line that is not a result is an error
    naming the file and line."""
    results: dict[str, Result] = {}
    try:
        with open(path, encoding="utf-8", errors="strict") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    result = Result.from_dict(json.loads(line))
                except ValueError:
                    result = None
                if result is None and strict:
                    raise LoopcheckError(f"{path}:{number}: not a loopcheck results line (give the --jsonl "
                                         "files of `loopcheck batch`)")
                if result is not None:
                    results[result.id] = result
    except FileNotFoundError:
        if strict:
            raise LoopcheckError(f"results file not found: {path}") from None
    except UnicodeDecodeError:
        raise LoopcheckError(f"{path}: not a loopcheck results file (not UTF-8 text)") from None
    except OSError as exc:
        raise LoopcheckError(f"{path}: can't be read ({exc.strerror})") from None
    return results


class JsonlWriter:
    """Appends one JSON line per result, flushed and fsync'd, so a kill loses nothing done."""

    def __init__(self, path: str | None):
        self.fh = None
        if path:
            from grader import outputs

            outputs.check(path)  # a regular file (or a new one): never through a link, never a gradebook
            exists = os.path.exists(path) and os.path.getsize(path) > 0
            self.fh = open(path, "a", encoding="utf-8", errors="backslashreplace")  # noqa: SIM115 - kept open
            if exists:
                with open(path, "rb") as check:
                    check.seek(-1, os.SEEK_END)
                    if check.read(1) != b"\n":  # a torn last line from an interrupted run
                        self.fh.write("\n")

    def write(self, result: Result) -> None:
        if self.fh:
            try:
                self.fh.write(json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
                self.fh.flush()
                os.fsync(self.fh.fileno())
            except OSError as exc:  # a full disk: stop cleanly, what was written stays whole
                raise LoopcheckError(f"can't write the results to {self.fh.name}: {exc.strerror}") from None

    def close(self) -> None:
        if self.fh:
            self.fh.close()


def merge(files: list[str]) -> dict[str, Result]:
    """The results of several results files; a conflicting duplicate is an error."""
    merged: dict[str, Result] = {}
    origin: dict[str, str] = {}
    conflicts = []
    for path in files:
        loaded = load_jsonl(path, strict=True)
        if not loaded:
            raise LoopcheckError(f"{path}: no results in it")
        for rid, result in loaded.items():
            if rid in merged and merged[rid].key() != result.key():
                conflicts.append(f"{rid}: {origin[rid]} and {path} disagree")
                continue
            merged[rid] = result
            origin[rid] = path
    if conflicts:
        raise LoopcheckError("conflicting results for the same submission: " + "; ".join(conflicts[:5]))
    return merged


MAX_POSTING = 64  # representatives indexed under one hash: a hash shared by more says nothing


def _written_clusters(results: dict, threshold: float) -> list[tuple[tuple[str, ...], float]]:
    """Submissions whose written work is near-identical, as clusters ``(ids, lowest score)``,
    in time linear in the students: identical sketches are grouped by their fingerprint first
    (2,000 copies of one text are one group, not 2 million pairs); each other sketch is
    compared only with the cluster leaders it shares a hash with in its prefix (the prefix
    filter of set-similarity joins: a sketch that is ``threshold`` alike shares one there), at
    most ``MAX_POSTING`` leaders per hash."""
    exact: dict[tuple[str, ...], list[str]] = {}
    for r in sorted(results.values(), key=lambda r: r.id):
        if r.graded and r.sketch:
            exact.setdefault(tuple(r.sketch), []).append(r.id)
    leaders: list[tuple[tuple[str, ...], list[str], list[float]]] = []  # sketch, members, scores
    index: dict[str, list[int]] = {}
    for sketch, ids in sorted(exact.items(), key=lambda kv: kv[1][0]):
        prefix = sketch[:len(sketch) - math.ceil(threshold * len(sketch)) + 1]
        best, best_score = None, 0.0
        for leader in dict.fromkeys(i for h in prefix for i in index.get(h, ())):
            score = resemblance(list(sketch), list(leaders[leader][0]))
            if score >= threshold and score > best_score:
                best, best_score = leader, score
        if best is None:
            leaders.append((sketch, list(ids), [1.0] * (len(ids) - 1)))
            for h in prefix:
                posting = index.setdefault(h, [])
                if len(posting) < MAX_POSTING:
                    posting.append(len(leaders) - 1)
        else:
            leaders[best][1].extend(ids)
            leaders[best][2].extend([best_score] * len(ids))
    return [(tuple(members), round(min(scores), 2)) for _s, members, scores in leaders if len(members) > 1]


def similar_pairs(results: dict, threshold: float = 0.6) -> list[tuple[str, str, float]]:
    """Pairs of submissions whose written work is near-identical, most similar first: each
    cluster's first student with each of the others (so at most one pair per student)."""
    pairs = []
    for members, score in _written_clusters(results, threshold):
        pairs += [(members[0], other, score) for other in members[1:]]
    return sorted(pairs, key=lambda p: (-p[2], p[0], p[1]))


def similarity(results: dict, threshold: float = 0.6) -> list[tuple[tuple[str, ...], float, str]]:
    """Groups of submissions that look alike, ``(ids, score, why)``: the same commit, the same
    files (the same git tree), or near-identical written work (shingled text). Linear in the
    students: a class of 2,000 copies is one group."""
    groups: list[tuple[tuple[str, ...], float, str]] = []
    seen: list[set[str]] = []

    def add(members, score: float, why: str) -> None:
        members = tuple(sorted(members))
        if len(members) > 1 and not any(set(members) <= known for known in seen):
            groups.append((members, score, why))
            seen.append(set(members))

    for attr, why in (("commit", "the same commit"), ("tree", "the same files (same git tree)")):
        by_value: dict[str, list[str]] = {}
        for r in results.values():
            if r.graded and getattr(r, attr):
                by_value.setdefault(getattr(r, attr), []).append(r.id)
        for ids in by_value.values():
            add(ids, 1.0, why)
    for members, score in _written_clusters(results, threshold):
        add(members, score, "near-identical written work")
    return sorted(groups, key=lambda g: (-g[1], -len(g[0]), g[0]))
