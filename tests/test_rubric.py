"""Rubrics: bundled ones validate and total 100; extends; invalid rubrics rejected with file:line."""

from __future__ import annotations

import textwrap

import pytest

from grader import detectors, rubric
from grader.errors import LoopcheckError, RubricError
from grader.model import PHASES


@pytest.mark.parametrize("name", rubric.bundled_names())
def test_bundled_rubric_validates_and_totals_100(name):
    r = rubric.load(name, validate=True)
    assert r.total_points == 100
    assert 0 < r.pass_mark <= 100
    assert list(r.phases) == list(PHASES)
    assert all(r.phases[p] for p in PHASES)


def test_bundled_rubrics_are_the_expected_ones():
    assert {"devops-loop", "exercise-4.1"} <= set(rubric.bundled_names())


def test_exercise_rubric_shape():
    r = rubric.load("exercise-4.1", validate=True)
    assert r.extends == "devops-loop" and r.pass_mark == 80
    for phase in PHASES:
        assert len(r.phases[phase]) >= 3, phase
        assert any(c.kind == "mapping-section" and c.params["phase"] == phase for c in r.phases[phase])


def test_every_detector_is_documented_and_used():
    used = {c.kind for name in rubric.bundled_names() for c in rubric.load(name).checks}
    for kind, det in detectors.registry().items():
        assert det.title and det.looks_for and det.why, kind
        assert kind in used, f"{kind} is in no bundled rubric"


def write(tmp_path, text, name="r.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def test_extends_override_add_drop(tmp_path):
    path = write(tmp_path, """
    id: course-x
    title: Course X
    version: "2"
    extends: devops-loop
    pass_mark: 60
    overrides:
      monitor.alert-rules: {points: 10, params: {min_rules: 1}}
    drop: [plan.codeowners]
    phases:
      plan:
        checks:
          - id: plan.extra
            title: Extra
            kind: codeowners
            points: 1
            hint: Add it.
    """)
    r = rubric.load(str(path))
    assert r.pass_mark == 60
    assert r.check("plan.codeowners") is None
    assert r.check("plan.extra").points == 1
    alert = r.check("monitor.alert-rules")
    assert alert.points == 10 and alert.params == {"min_rules": 1}
    assert r.total_points == 100 - 2 + 1 + (10 - 5)


def test_exercise_keeps_the_build_bonus_checks_bonus():
    """An override may say a check is bonus: exercise-4.1 keeps `build.artifact-publish` and
    `build.build-tooling` as the bonus evidence they were, though devops-loop counts them."""
    loop, exercise = rubric.load("devops-loop"), rubric.load("exercise-4.1")
    for cid in ("build.artifact-publish", "build.build-tooling"):
        assert not loop.check(cid).bonus and loop.check(cid).points > 0
        assert exercise.check(cid).bonus and exercise.check(cid).points == 0
    assert exercise.check("build.ci-build-checked").points == 0


@pytest.mark.parametrize("text,needle", [
    ("id: x\ntitle: t\nversion: '1'\npass_mark: 80\nphases: {plan: {checks: [}\n", "r.yaml:5: invalid YAML"),
    ("id: x\ntitle: t\nversion: '1'\npass_mark: 180\nphases: {}\n", "r.yaml:4: pass_mark"),
    ("id: x\ntitle: t\nversion: '1'\nextends: nope\n", "r.yaml:4: extends: unknown rubric 'nope'"),
    ("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\nphases:\n  plan:\n    checks:\n"
     "      - {id: plan.a, title: A, kind: nosuch, points: 1, hint: h}\n", "r.yaml:8: phases.plan.checks[0].kind: unknown kind 'nosuch'"),
    ("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\nphases:\n  plan:\n    checks:\n"
     "      - {id: plan.codeowners, title: A, kind: codeowners, points: 1, hint: h}\n", "duplicate check id 'plan.codeowners'"),
    ("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\noverrides:\n  monitor.alert-rules: {params: {min_rules: -3}}\n",
     "r.yaml:6: overrides.monitor.alert-rules.params.min_rules"),
    ("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\noverrides:\n  monitor.alert-rules: {params: {bogus: 1}}\n",
     "bogus"),
    ("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\ndrop: [plan.nothing]\n", "r.yaml:5: drop[0]: no check 'plan.nothing'"),
    ("id: x\ntitle: t\nversion: '1'\npass_mark: 80\nphases:\n  plan: {checks: []}\n", "phases: missing code"),
    ("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\nphases:\n  plan:\n    checks:\n"
     "      - {id: plan.a, title: A, kind: acceptance-criteria, points: 1, hint: h, params: {heading_pattern: '(a'}}\n",
     "invalid regular expression"),
    ("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\nphases:\n  plan:\n    checks:\n"
     "      - {id: plan.a, title: A, kind: acceptance-criteria, points: 1, hint: h, params: {heading_pattern: '(a)\\1'}}\n",
     "no backreferences or lookaround"),
    ("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\nphases:\n  deploy:\n    checks:\n"
     "      - {id: plan.a, title: A, kind: codeowners, points: 1, hint: h}\n", "must start with 'deploy.'"),
    ("- just\n- a list\n", "one YAML mapping"),
    ("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\nwat: 1\n", "r.yaml:5: wat: unknown key 'wat'"),
])
def test_invalid_rubrics(tmp_path, text, needle):
    path = write(tmp_path, text)
    with pytest.raises(RubricError) as info:
        rubric.load(str(path))
    assert any(needle in p for p in info.value.problems), info.value.problems


def test_extends_cycle(tmp_path):
    write(tmp_path, "id: a\ntitle: a\nversion: '1'\nextends: b.yaml\n", "a.yaml")
    write(tmp_path, "id: b\ntitle: b\nversion: '1'\nextends: a.yaml\n", "b.yaml")
    with pytest.raises(RubricError) as info:
        rubric.load(str(tmp_path / "a.yaml"))
    assert "extends itself" in str(info.value)


def test_unknown_bundled_name():
    with pytest.raises(LoopcheckError) as info:
        rubric.load("no-such-rubric")
    assert "bundled" in str(info.value)


def test_sha256_changes_with_content(tmp_path):
    a = rubric.load("devops-loop")
    path = write(tmp_path, "id: x\ntitle: t\nversion: '1'\nextends: devops-loop\npass_mark: 70\n")
    b = rubric.load(str(path))
    assert len(a.sha256) == 64 and a.sha256 != b.sha256
    assert rubric.load("devops-loop").sha256 == a.sha256


def test_the_check_reference_is_current():
    from conftest import ROOT
    from grader import docs

    page = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    assert docs.reference() in page, "run `python -m grader.docs --write`"
