"""The shared vocabulary: findings, check/phase results and the report.

Everything here is a frozen dataclass; the JSON report is ``Report.to_dict()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PHASES: tuple[str, ...] = (
    "plan",
    "code",
    "build",
    "test",
    "release",
    "deploy",
    "operate",
    "monitor",
)
PHASE_TITLES: dict[str, str] = {
    "plan": "Plan",
    "code": "Code",
    "build": "Build",
    "test": "Test",
    "release": "Release",
    "deploy": "Deploy",
    "operate": "Operate",
    "monitor": "Monitor",
}
SCHEMA_VERSION = "1.4"
# Where Exercise 4.1's templates put the written work (`loopcheck init` writes them there): here,
# not in grader.evidence.written, so the written checks can name it without importing their readers.
EXERCISE_DIR = "exercises/module-01/exercise-04/"
# A check's outcome: `error` (could not be judged) and `skip` say why, and never count as the
# learner's failure.
Status = Literal["pass", "partial", "fail", "error", "skip"]


@dataclass(frozen=True, slots=True)
class Location:
    """A place in the submission: a path relative to its root, and a 1-based line."""

    path: str
    line: int | None = None
    # How the pipeline reaches this place, outermost first: ``(".github/workflows/ci.yml:40",
    # "Makefile:12")`` for a command in scripts/deploy.sh run by `make deploy` run by the CI.
    via: tuple[str, ...] = ()

    def __str__(self) -> str:
        here = f"{self.path}:{self.line}" if self.line else self.path
        return " → ".join((*self.via, here)) if self.via else here

    @property
    def is_file(self) -> bool:
        """A place in a file (not a commit or a tag), so it can carry an annotation."""
        return not self.path.startswith(("commit ", "tag "))

    def to_dict(self) -> dict:
        if self.via:
            return {"path": self.path, "line": self.line, "via": list(self.via)}
        return {"path": self.path, "line": self.line}


@dataclass(frozen=True, slots=True)
class Finding:
    """What a detector found: an outcome, the share of credit, why, and where."""

    status: Status
    fraction: float
    message: str
    evidence: tuple[Location, ...] = ()
    tools: tuple[str, ...] = ()  # the tools found ("Trivy", "Argo CD"), for bonus checks
    # The credit of each part of a check made of parts ("tools": 1.0...), so repository
    # evidence can credit some of them; and what the learner's text claims ("ci"...).
    parts: tuple[tuple[str, float], ...] = ()
    claims: tuple[str, ...] = ()
    # Deliverables only a person can judge (a pipeline or loop diagram handed in as a picture)
    to_view: tuple[Location, ...] = ()

    @classmethod
    def passed(cls, message: str, evidence=(), tools=()) -> Finding:
        return cls("pass", 1.0, message, tuple(evidence), tuple(tools))

    @classmethod
    def failed(cls, message: str, evidence=()) -> Finding:
        return cls("fail", 0.0, message, tuple(evidence))

    @classmethod
    def error(cls, message: str, evidence=()) -> Finding:
        """The check could not be judged for a cause outside the learner's control — a shallow
        clone, the instructor's time budget, loopcheck's own fault — and is left out of the total
        and the maximum. What the submission holds (no history, an unreadable ``.git``, files
        that exhaust a budget) is never such a cause: use :meth:`unjudgeable`."""
        return cls("error", 0.0, message, tuple(evidence))

    @classmethod
    def unjudgeable(cls, message: str, evidence=()) -> Finding:
        """The check could not be judged because of what the submission holds (no git history,
        an unreadable ``.git``, evidence nested too deeply or too large to read within the
        budgets): it scores 0 and says why, so "not judged" can never be bought."""
        return cls("fail", 0.0, f"{message} (scored 0: what the submission holds keeps it from being judged)",
                   tuple(evidence))

    @classmethod
    def skipped(cls, message: str) -> Finding:
        return cls("skip", 0.0, message, ())

    @classmethod
    def ratio(cls, fraction: float, message: str, evidence=(), tools=()) -> Finding:
        """pass at 1, fail at 0, partial between."""
        fraction = max(0.0, min(1.0, float(fraction)))
        if fraction >= 0.999:
            return cls("pass", 1.0, message, tuple(evidence), tuple(tools))
        if fraction <= 0.0:
            return cls("fail", 0.0, message, tuple(evidence), tuple(tools))
        return cls("partial", round(fraction, 4), message, tuple(evidence), tuple(tools))


@dataclass(frozen=True, slots=True)
class CheckResult:
    id: str
    title: str
    kind: str
    status: Status
    score: float
    max_score: float
    message: str
    hint: str
    evidence: tuple[Location, ...] = ()
    docs: str | None = None
    bonus: bool = False  # extra credit: counts toward the total only, never the phase
    tools: tuple[str, ...] = ()
    # What the check looks for and why (from grader.docs.describe), for rule metadata (SARIF);
    # not part of the JSON report.
    looks_for: str = field(default="", compare=False, repr=False)
    why: str = field(default="", compare=False, repr=False)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "bonus": self.bonus,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "message": self.message,
            "hint": self.hint,
            "docs": self.docs,
            "tools": list(self.tools),
            "evidence": [loc.to_dict() for loc in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class PhaseResult:
    id: str
    title: str
    score: float
    max_score: float
    checks: tuple[CheckResult, ...]

    @property
    def percent(self) -> float:
        return round(100.0 * self.score / self.max_score, 1) if self.max_score else 0.0

    @property
    def bonus_checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.bonus)

    @property
    def bonus_score(self) -> float:
        return round(float(sum(c.score for c in self.bonus_checks)), 2)

    @property
    def bonus_max(self) -> float:
        return round(float(sum(c.max_score for c in self.bonus_checks)), 2)

    @property
    def bonus_found(self) -> list[str]:
        """What earned bonus points: the tools found, else the checks' titles."""
        out: list[str] = []
        for c in self.bonus_checks:
            if c.score > 0:
                out.extend(t for t in (c.tools or (c.title,)) if t not in out)
        return out

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "score": self.score,
            "max_score": self.max_score,
            "percent": self.percent,
            "bonus": {"score": self.bonus_score, "max_score": self.bonus_max, "found": self.bonus_found},
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True, slots=True)
class TaskResult:
    """A task of the exercise (Task 1 — loop mapping, 40 points…): its checks, wherever they sit.

    ``checks`` holds every check of the task; those that also belong to a phase appear there too."""

    id: str
    title: str
    score: float
    max_score: float
    checks: tuple[CheckResult, ...]
    bonus: bool = False  # extra credit, like a bonus check

    @property
    def percent(self) -> float:
        return round(100.0 * self.score / self.max_score, 1) if self.max_score else 0.0

    def to_dict(self, phased: set[str]) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "bonus": self.bonus,
            "score": self.score,
            "max_score": self.max_score,
            "percent": self.percent,
            "check_ids": [c.id for c in self.checks],
            "checks": [c.to_dict() for c in self.checks if c.id not in phased],
        }


@dataclass(frozen=True, slots=True)
class SubmissionInfo:
    path: str
    commit: str | None
    is_git: bool
    shallow: bool
    branch: str | None = None


@dataclass(frozen=True, slots=True)
class Warning_:
    """Something about the submission the learner should know (an unreadable file...)."""

    path: str
    message: str

    def to_dict(self) -> dict:
        return {"path": self.path, "message": self.message}


@dataclass(frozen=True, slots=True)
class Report:
    tool_version: str
    rubric_id: str
    rubric_title: str
    rubric_version: str
    rubric_sha256: str
    submission: SubmissionInfo
    score: float
    max_score: float
    percent: float
    threshold: float
    passed: bool
    phases: tuple[PhaseResult, ...]
    warnings: tuple[Warning_, ...] = field(default=())
    core_score: float | None = None  # the core checks' sum, before bonus (None: same as score)
    tasks: tuple[TaskResult, ...] = ()  # the exercise's own tasks, when the rubric has them
    notes: tuple[str, ...] = ()  # for the instructor: claims the repository contradicts, things to view
    to_view: tuple[Location, ...] = ()  # pictures handed in as deliverables, for the instructor to view
    written: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (task id, where its written work was found)

    @property
    def bonus_score(self) -> float:
        return round(float(sum(c.score for _, c in self.checks() if c.bonus)), 2)

    @property
    def bonus_max(self) -> float:
        return round(float(sum(c.max_score for _, c in self.checks() if c.bonus)), 2)

    @property
    def bonus_applied(self) -> float:
        """The part of the bonus that went into the total (the total is capped at the maximum)."""
        core = self.score if self.core_score is None else self.core_score
        return round(self.score - core, 2)

    def checks(self):
        """(group, check) for every check once: by phase, then the tasks' checks in no phase."""
        seen: set[str] = set()
        for phase in self.phases:
            for c in phase.checks:
                seen.add(c.id)
                yield phase, c
        for task in self.tasks:
            for c in task.checks:
                if c.id not in seen:
                    seen.add(c.id)
                    yield task, c

    def to_dict(self) -> dict:
        sub = self.submission
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "loopcheck", "version": self.tool_version},
            "rubric": {
                "id": self.rubric_id,
                "title": self.rubric_title,
                "version": self.rubric_version,
                "sha256": self.rubric_sha256,
            },
            "submission": {
                "path": sub.path,
                "commit": sub.commit,
                "branch": sub.branch,
                "is_git": sub.is_git,
                "shallow": sub.shallow,
            },
            "score": self.score,
            "max_score": self.max_score,
            "percent": self.percent,
            "threshold": self.threshold,
            "passed": self.passed,
            "bonus": {"score": self.bonus_score, "max_score": self.bonus_max, "applied": self.bonus_applied},
            "phases": [p.to_dict() for p in self.phases],
            "tasks": [t.to_dict({c.id for p in self.phases for c in p.checks}) for t in self.tasks],
            "notes": list(self.notes),
            "to_view": [loc.to_dict() for loc in self.to_view],
            "written": [{"task": task, "where": list(where)} for task, where in self.written],
            "warnings": [w.to_dict() for w in self.warnings],
        }
