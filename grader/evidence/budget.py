"""One budget for all the evidence work on a submission: every expander — GitLab ``extends`` and
``!reference``, composite actions, CircleCI commands, Make targets and npm scripts, Tekton tasks,
``workflow_call`` links, Helm templates — spends from the same per-submission count of steps
(definitions expanded, commands added) and bytes (text split into commands or rendered), and
what a definition expands to is worked out once and memoised (``split``, ``memo``).

Work is counted, not timed: a small file that names one definition a thousand times, or a
definition that names itself, costs what its distinct definitions cost plus one step per use,
and stops — deterministically, on any machine — when the budget is spent. What was read by
then is the evidence; :func:`note` says in the report's warnings that the rest was not followed.

A read of the pipelines that a check's *time* budget cut short is not started again by every
later check: :class:`Interrupted` makes those checks "not judged" at once.
"""

from __future__ import annotations

MAX_STEPS = 20_000  # expansions and commands added, per submission
MAX_BYTES = 2_000_000  # bytes of text expanded (split into commands, rendered), per submission
_KEY = "evidence-budget"


class Interrupted(Exception):
    """The pipelines' read was cut short by a check's time budget: not started again."""


class Budget:
    """Steps and bytes of evidence work left for one submission, with the memo of what each
    definition expands to."""

    def __init__(self, steps: int = MAX_STEPS, nbytes: int = MAX_BYTES):
        self.max_steps, self.max_bytes = steps, nbytes
        self.steps = 0  # spent so far
        self.bytes = 0
        self.ran_out: str | None = None  # what was being expanded when the budget ran out
        self.memo: dict = {}

    def spend(self, what: str, steps: int = 1, nbytes: int = 0) -> bool:
        """Spend ``steps`` and ``nbytes`` on ``what``; False (from then on) once over budget."""
        if self.ran_out is not None:
            return False
        self.steps += steps
        self.bytes += nbytes
        if self.steps > self.max_steps or self.bytes > self.max_bytes:
            self.ran_out = what
            return False
        return True

    @property
    def left(self) -> bool:
        return self.ran_out is None

    def split(self, text: str, line: int, what: str = "a script") -> list:
        """``shell.split_script(text, line)``, split once per distinct text and line; every
        use spends the commands it adds and the text's bytes. [] once the budget is spent."""
        from grader.evidence.shell import split_script

        key = ("split", text, line)
        cached = self.memo.get(key)
        if not self.spend(what, 1, len(text)):
            return []
        if cached is None:
            cached = self.memo[key] = split_script(text, line)
        if not self.spend(what, len(cached)):
            return []
        return list(cached)


def of(sub) -> Budget:
    """The submission's one budget (made on first use)."""
    found = sub.memo(_KEY)
    return found if found is not None else sub.memo(_KEY, Budget())


def note(sub) -> None:
    """Say in the report's warnings when the budget ran out (what was read is the evidence)."""
    budget = sub.memo(_KEY)
    if budget is not None and budget.ran_out is not None:
        sub.problems.setdefault(
            "(evidence)", f"the evidence budget ({budget.max_steps:,} steps, {budget.max_bytes // 1_000_000} MB of "
                          f"text) ran out while expanding {budget.ran_out}: what it names beyond that was not "
                          "followed")
