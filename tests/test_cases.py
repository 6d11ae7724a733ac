"""Every check kind against its cases: ``tests/cases/<kind>/<outcome>/<case>/``.

A case is a small submission written out as files, plus a ``case.yml`` (not part of the
submission) that may give the detector's ``params``, where the case came from, and ``git``:
steps that turn the folder into a repository (the case's files go into the first commit)::

    git:
      - commit: Add the reminder scheduler     # message
        files: {app/reminders.py: "X = 1\\n"}
      - branch: feature/opt-out                # create and switch
      - switch: main
      - merge: feature/opt-out
      - tag: v1.0.0                            # lightweight, or with message: for annotated

``tools`` lists tools a toolchain check must name when it passes; ``at`` is an evidence
location the finding must show, with the chain that reaches it through the repository
(``.github/workflows/ci.yml:9 → Makefile:4``); ``says`` is text the finding's message must hold.

The outcome folder is what the detector must answer: ``pass``; ``partial``; ``fail`` (the
thing is missing or wrong); ``fake`` (a faked version — a comment, an ``echo``, a step that
never runs — which must fail too). Every registered kind needs at least one ``pass`` case and
one ``fail``/``fake`` case: a check whose failure was never seen is not tested.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import Repo
from grader import detectors
from grader.submission import Submission

CASES = Path(__file__).parent / "cases"
OUTCOMES = {"pass": "pass", "partial": "partial", "fail": "fail", "fake": "fail"}


def all_cases() -> list[Path]:
    return sorted(p for p in CASES.glob("*/*/*") if p.is_dir() and p.parent.name in OUTCOMES
                  and p.parent.parent.name != "ci")


def build(case: Path, dest: Path) -> tuple[Path, dict]:
    """The case as a submission in ``dest`` (a git repository when it has git steps)."""
    spec = yaml.safe_load((case / "case.yml").read_text(encoding="utf-8")) if (case / "case.yml").exists() else {}
    spec = spec or {}
    shutil.copytree(case, dest, ignore=shutil.ignore_patterns("case.yml"))
    steps = spec.get("git")
    if steps:
        moved = dest.parent / (dest.name + "-files")
        dest.rename(moved)
        repo = Repo(dest)
        first = True
        for step in steps:
            if "commit" in step:
                if first:
                    shutil.copytree(moved, dest, dirs_exist_ok=True)
                    first = False
                repo.commit(step["commit"], step.get("files") or {})
            elif "branch" in step:
                repo.branch(step["branch"])
            elif "switch" in step:
                repo.switch(step["switch"])
            elif "merge" in step:
                repo.merge(step["merge"], step.get("message"))
            elif "tag" in step:
                repo.tag(step["tag"], step.get("message"))
            else:
                raise ValueError(f"{case}: unknown git step {step}")
    return dest, spec


@pytest.mark.parametrize("case", all_cases(), ids=lambda p: "/".join(p.parts[-3:]))
def test_case(case: Path, tmp_path):
    kind, outcome = case.parent.parent.name, case.parent.name
    root, spec = build(case, tmp_path / "sub")
    sub = Submission(root)
    try:
        finding = detectors.run(sub, kind, spec.get("params") or {})
    finally:
        sub.close()
    assert finding.status == OUTCOMES[outcome], f"{kind} {outcome}: {finding.status}: {finding.message}"
    if outcome != "pass":
        assert not finding.tools or outcome == "partial", "a failing check names no tool"
    for tool in spec.get("tools") or ():  # a toolchain check names the tool it found
        assert tool in finding.tools and tool in finding.message, finding.message
    if outcome in ("pass", "partial") and not spec.get("git"):
        assert finding.evidence, "a check that gives credit says where"
    if spec.get("says"):  # the message tells the learner what is wrong
        assert spec["says"] in finding.message, finding.message
    if spec.get("at"):  # reached through the repository: the chain is shown
        assert spec["at"] in [str(e) for e in finding.evidence], [str(e) for e in finding.evidence]


def test_every_kind_has_a_passing_and_a_failing_case():
    seen: dict[str, set[str]] = {}
    for case in all_cases():
        seen.setdefault(case.parent.parent.name, set()).add(OUTCOMES[case.parent.name])
    registered = set(detectors.registry())
    assert not set(seen) - registered, f"cases for unknown kinds: {sorted(set(seen) - registered)}"
    missing = sorted(k for k in registered if not {"pass", "fail"} <= seen.get(k, set()))
    assert not missing, f"kinds without both a pass and a fail case: {missing}"
