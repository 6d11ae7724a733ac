"""Helpers shared by detectors."""

from __future__ import annotations

from grader.model import Finding, Location
from grader.submission import Submission

FETCH_HINT = (
    "the repository is a shallow clone, so its history and tags are missing: clone it with "
    "`git clone` (no --depth), run `git fetch --unshallow --tags`, or in GitHub Actions use "
    "`actions/checkout` with `fetch-depth: 0`"
)


NO_HISTORY = ("no git history: the submission has no .git folder (a ZIP download or an upload), so its "
              "commits and tags can't be judged; hand in the repository itself, or a bundle of it "
              "(`git bundle create work.bundle --all`), for them to count")


def git_or_finding(sub: Submission):
    """(facts, None) when git can be read, else (None, a Finding saying why not): no history or
    an unreadable one scores 0 (it is what the submission holds); git timing out or failing to
    start is not judged (left out of the maximum)."""
    facts = sub.git
    if not facts.is_git:
        return None, Finding.unjudgeable(NO_HISTORY)
    if facts.error:
        if facts.error_outside:
            return None, Finding.error(f"git history can't be read: {facts.error}: not judged")
        return None, Finding.unjudgeable(f"git history can't be read: {facts.error}")
    return facts, None


def shallow_or(sub: Submission, finding: Finding) -> Finding:
    """When git is shallow, a failing history/tag finding becomes an ``error`` naming it."""
    if finding.status in ("fail", "partial") and sub.git.shallow:
        return Finding.error(f"{finding.message}; but {FETCH_HINT}", finding.evidence)
    return finding


def loc(path: str, line: int | None = None) -> Location:
    return Location(path, line)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def tool_names(hits) -> list[str]:
    """The distinct tool names of ``(tool, Location, text)`` hits, in order."""
    out: list[str] = []
    for h in hits:
        if h[0] not in out:
            out.append(h[0])
    return out


def found(what: str, hits, fraction: float = 1.0, extra: str = "") -> Finding:
    """A toolchain finding: the tools found (named), where, and the credit they earn."""
    names = tool_names(hits)
    where = hits[0][1]
    return Finding.ratio(fraction, f"{what}: {', '.join(names)} in {where}{extra}",
                         [h[1] for h in hits[:4]], tools=names)

