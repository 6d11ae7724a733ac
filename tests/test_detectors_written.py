"""The written deliverables of Exercise 4.1 beyond their cases (tests/cases/<kind>/): what the
messages say, the layouts, substance over form, the lesson's text, and how repository evidence
and the exercise's tasks are scored."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import course_material, write_tree
from grader import rubric
from grader.errors import RubricError
from grader.evidence import written
from grader.evidence.written import fingerprints
from grader.scoring import grade
from grader.submission import Submission

EX = "exercises/module-01/exercise-04/"
LESSON = "seeds/lesson-04-devops-infinity-loop.md"


def test_short_precise_answers_count_and_a_duration_needs_a_time(check):
    text = "# Reminders\n## 2. Code\nActivities: write the idle-cart query with tests first.\nRoles: Tech Lead\n" \
           "Tools: Jira\nDuration: 4 dev-days\nAutomation: pre-commit runs ruff.\n"
    finding = check({EX + "task1-loop-mapping.md": text}, "mapping-section", {"phase": "code"})
    assert finding.status == "pass", finding.message  # "Tech Lead", "Jira", "4 dev-days" are answers
    vague = text.replace("4 dev-days", "It depends")
    finding = check({EX + "task1-loop-mapping.md": vague}, "mapping-section", {"phase": "code"})
    assert "Duration: no time given" in finding.message and dict(finding.parts)["duration"] == 0.0
    # "ongoing" says the phase never ends, not how long it takes (as the blind hand graders judged it)
    ongoing = text.replace("4 dev-days", "ongoing work")
    finding = check({EX + "task1-loop-mapping.md": ongoing}, "mapping-section", {"phase": "code"})
    assert "Duration: 'ongoing' gives no time" in finding.message


def test_a_missing_part_is_named_with_an_example_for_the_feature(check):
    text = "# T1\n## Phase 6: DEPLOY\n### What Happens\nRoll the reminder worker out with Helm.\n### Tools Used\nHelm\n"
    finding = check({EX + "task1-loop-mapping.md": text}, "mapping-section", {"phase": "deploy"})
    assert "Who is Involved missing (e.g. \"SRE\")" in finding.message
    assert "Duration missing (e.g. \"40 minutes\")" in finding.message
    assert finding.evidence[0].path == EX + "task1-loop-mapping.md" and finding.evidence[0].line == 2


def test_an_unrecognised_layout_says_what_was_found_and_expected(check):
    text = "# Mapping\n## Planning stage\nStories for the reminder.\n## Everything else\nLots of complete text here.\n"
    finding = check({EX + "task1-loop-mapping.md": text}, "mapping-section", {"phase": "build"})
    assert finding.status == "fail"
    assert "found: Plan" in finding.message and "`Stage 3 – Build`" in finding.message


@pytest.mark.parametrize("title, phase", [
    ("Phase 3: BUILD", "build"), ("Stage 3 – Build", "build"), ("3. Build", "build"), ("Build", "build"),
    ("Build phase", "build"), ("PHASE 6 — DEPLOYMENT", "deploy"), ("Step 8: Monitoring", "monitor"),
    ("Monitor → Plan", None), ("Build & Test", None), ("Loop mapping: the reminder's code and tests, step by step", None),
])
def test_headings_in_every_common_style(title, phase):
    assert written.phase_of(title) == phase


def test_a_column_per_phase_table(check):
    text = ("# Mapping\n\n| | Plan | Build |\n|---|---|---|\n| What happens | Stories for the cart reminder | "
            "CI builds the reminder image |\n| Who | PM | CI |\n| Tools | Jira | GitHub Actions |\n"
            "| Time | 2 days | 5 min |\n| Automation | Story templates | Build on every push |\n")
    for phase in ("plan", "build"):
        assert check({EX + "task1-loop-mapping.md": text}, "mapping-section", {"phase": phase}).status == "pass"


def test_the_same_text_in_every_phase_is_filler(check):
    body = "### What Happens\nWe carefully prepare the cart reminder emails with the whole team.\n" \
           "### Who is Involved\nDevelopers\n### Tools Used\nGitHub\n### Duration\n2 days\n" \
           "### Automation Opportunities\nThere are many opportunities for automation here.\n"
    text = "# T1\n" + "".join(f"## Phase {i}: {p}\n{body}" for i, p in enumerate(["PLAN", "CODE"], 1))
    finding = check({EX + "task1-loop-mapping.md": text}, "mapping-section", {"phase": "plan"})
    assert "What Happens: the same text as in other phases" in finding.message
    assert "Who is Involved" not in finding.message  # short answers may repeat ("Developers")


def test_the_learners_own_feature_words_come_from_the_intro(check):
    text = ("# Wishlist price-drop alerts\nNotify shoppers when a wishlisted product gets cheaper.\n\n"
            "## Phase 2: CODE\n### What Happens\nWrite the price watcher.\n### Who is Involved\nBackend\n")
    finding = check({EX + "task1-loop-mapping.md": text}, "mapping-section", {"phase": "code"})
    assert "What Happens" not in finding.message  # "price" is one of the learner's feature words
    other = text.replace("Write the price watcher.", "Write the code.")
    assert "What Happens: too" in check({EX + "task1-loop-mapping.md": other}, "mapping-section", {"phase": "code"}).message


def test_text_copied_from_the_lesson_is_recognised():
    lesson = course_material(LESSON).read_text(encoding="utf-8")
    passage = lesson[lesson.index("**DevOps best practices**"):][:400]
    assert fingerprints.is_copied(passage)
    assert not fingerprints.is_copied("We split the abandoned-cart reminder into three stories with the marketing lead.")
    data = (Path(fingerprints.__file__).parent.parent.parent / "data" / "course.fingerprints").read_text()
    rows = [line.split() for line in data.splitlines() if not line.startswith("#")]
    assert "Phase" not in data and all(len(h) == 8 for row in rows for h in row[1 if row[0] != "P" else 2:])


def test_one_file_for_all_four_tasks(tmp_path):
    text = ("# Exercise 4.1\n## Task 1: Loop mapping\n### Phase 1: PLAN\n**What happens:** stories for the reminder emails\n"
            "## Task 2: Feedback loops\n- Monitor → Plan — open rates; weekly report; Days; send later\n"
            "## Task 3: Pipeline\n1. Build\n2. Test\n## Task 4: Metrics\n**Business:** 8% carts recovered\n")
    sub = Submission(write_tree(tmp_path, {EX + "all.md": text}))
    found = written.placements(sub)
    assert [len(found[n]) for n in (1, 2, 3, 4)] == [1, 1, 1, 1]
    assert "plan" in written.phase_units(sub) and len(written.loop_units(sub)) == 1


# -- scoring: tasks, evidence, notes -------------------------------------------------------------
WORKFLOW = """name: ci
on: [push]
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - run: pip install -r requirements.txt
      - run: pytest -q
"""


def test_repository_evidence_credits_the_parts_it_demonstrates(tmp_path):
    mapping = "# T1\n## Phase 4: TEST\n### What Happens\nTests for the cart reminder cutoff.\n### Who is Involved\nQA\n"
    files = {EX + "task1-loop-mapping.md": mapping, ".github/workflows/ci.yml": WORKFLOW,
             "tests/test_cutoff.py": "def test_cutoff():\n    assert 24 * 60 == 1440\n"}
    report = grade(write_tree(tmp_path / "a", files), rubric.load("exercise-4.1"))
    test_mapping = next(c for _, c in report.checks() if c.id == "test.mapping")
    assert test_mapping.score == 4.0  # activities and roles written; tools and automation shown by the pipeline
    assert "credited from the repository: tools, automation by pipeline runs the tests" in test_mapping.message
    docs_only = grade(write_tree(tmp_path / "b", {EX + "task1-loop-mapping.md": mapping}), rubric.load("exercise-4.1"))
    assert next(c for _, c in docs_only.checks() if c.id == "test.mapping").score == 2.0


DEPLOY_ONLY = """name: cd
on: [push]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: kubectl apply -f k8s/
"""

K8S = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
       "      containers:\n        - name: app\n          image: shop/app:1.0.0\n")

DEPLOY_VERIFIED = DEPLOY_ONLY + """      - run: kubectl rollout status deployment/app --timeout=120s
      - if: failure()
        run: kubectl rollout undo deployment/app
"""


def test_a_phase_without_writing_is_credited_by_the_strength_of_its_repository_evidence(tmp_path):
    # no written work: one passing deploy check of five (3 of devops-loop's 13 deploy points)
    # credits that share of the mapping, not all
    # of it, and the report says how the figure was derived
    weak = grade(write_tree(tmp_path / "weak", {".github/workflows/cd.yml": DEPLOY_ONLY, "k8s/app.yaml": K8S}), rubric.load("exercise-4.1"))
    mapping = next(c for _, c in weak.checks() if c.id == "deploy.mapping")
    assert mapping.score == 1.15 and mapping.status == "partial"
    assert ("Deploy 1.15/5 from repository evidence: 1 of 5 deploy checks pass, 3 of 13 points (deployment is automated ✔, "
            "deployment is verified ✘, rollback runs on failure ✘, named deployment strategy ✘, "
            "deploys promoted through environments ✘)") in mapping.message
    # verified and rolled back: three of five
    strong = grade(write_tree(tmp_path / "strong", {".github/workflows/cd.yml": DEPLOY_VERIFIED, "k8s/app.yaml": K8S}),
                   rubric.load("exercise-4.1"))
    mapping = next(c for _, c in strong.checks() if c.id == "deploy.mapping")
    assert mapping.score == 3.46 and "3 of 5 deploy checks pass, 9 of 13 points" in mapping.message
    # nothing of the phase: no credit
    none = grade(write_tree(tmp_path / "none", {"README.md": "# app\n"}), rubric.load("exercise-4.1"))
    assert next(c for _, c in none.checks() if c.id == "deploy.mapping").score == 0.0
    # a strategy in manifests nothing deploys: what the phase shows, in proportion
    strategy = K8S.replace("spec:\n  template:", "spec:\n  strategy:\n    type: RollingUpdate\n"
                           "    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n  template:")
    shown = grade(write_tree(tmp_path / "strategy", {"k8s/app.yaml": strategy}), rubric.load("exercise-4.1"))
    mapping = next(c for _, c in shown.checks() if c.id == "deploy.mapping")
    assert 0 < mapping.score < 2.5 and "named deployment strategy ✔" in mapping.message


def test_release_tags_and_merged_branches_credit_the_tools_they_show(tmp_path):
    # a repository whose releases are semver tags shows the release phase's tools; one built by
    # merged branches shows the code phase's: each credits the mapping's `tools` part only
    from conftest import Repo

    mapping = ("# T1\n## Phase 2: CODE\n### What Happens\nThe reminder job is written on a branch.\n"
               "### Who is Involved\nTwo developers and the tech lead, who reviews the pull request.\n"
               "## Phase 5: RELEASE\n### What Happens\nThe reminder ships in the next version.\n"
               "### Who is Involved\nThe tech lead, who tags the version.\n")
    repo = Repo(tmp_path / "tagged")
    repo.commit("Add the loop mapping", {EX + "task1-loop-mapping.md": mapping})
    repo.branch("feature/reminder")
    repo.commit("Add the reminder job", {"app.py": "def remind():\n    return 1\n"})
    repo.switch("main")
    repo.merge("feature/reminder", "Merge pull request #1 from me/feature/reminder")
    repo.tag("v1.0.0", "First release")
    report = grade(repo.path, rubric.load("exercise-4.1"))
    by_id = {c.id: c for _, c in report.checks()}
    assert by_id["release.mapping"].score == 3.0  # what happens and who (written) + tools (the tags)
    assert "credited from the repository: tools by semantic-version tags" in by_id["release.mapping"].message
    assert by_id["code.mapping"].score == 3.0  # what happens and who + tools (merged branches)
    # a tag that is not a version, and no merges: nothing more than the writing
    plain = Repo(tmp_path / "plain")
    plain.commit("Add the loop mapping", {EX + "task1-loop-mapping.md": mapping})
    plain.commit("Add the reminder job", {"app.py": "def remind():\n    return 1\n"})
    plain.tag("release-final")
    report = grade(plain.path, rubric.load("exercise-4.1"))
    by_id = {c.id: c for _, c in report.checks()}
    assert by_id["release.mapping"].score == 2.0 and by_id["code.mapping"].score == 2.0


def test_a_section_that_answers_nothing_never_scores_below_no_section(tmp_path):
    # nothing written for a phase, or a section that answers none of its parts: the phase's
    # repository evidence credits the mapping in proportion either way, and the report says how
    from conftest import Repo

    def release(tmp, mapping):
        repo = Repo(tmp)
        repo.commit("Add the loop mapping", {EX + "task1-loop-mapping.md": mapping})
        repo.tag("v1.0.0", "First release")
        return next(c for _, c in grade(repo.path, rubric.load("exercise-4.1")).checks() if c.id == "release.mapping")

    unwritten = release(tmp_path / "a", "# T1\n## Phase 1: PLAN\n### What Happens\nStories for the reminder.\n")
    assert unwritten.score == 2.08  # semantic-version tags: 5 of devops-loop's 12 release points
    assert "Release 2.08/5 from repository evidence: 1 of 3 release checks pass" in unwritten.message
    empty = release(tmp_path / "b", "# T1\n## Phase 5: RELEASE\n### What Happens\n[Your description]\n")
    assert empty.score == 2.08 and "Release 2.08/5 from repository evidence" in empty.message
    # a section that answers a part is writing, graded as writing: what happens, and the tools
    # the tags show
    one_part = release(tmp_path / "c", "# T1\n## Phase 5: RELEASE\n### What Happens\nThe reminder ships in v1.0.0.\n")
    assert one_part.score == 2.0 and "credited from the repository: tools by semantic-version tags" in one_part.message


def test_a_written_claim_the_repository_contradicts_is_a_note(tmp_path):
    mapping = ("# T1\n## Phase 3: BUILD\n### What Happens\nCI builds the reminder image.\n### Tools Used\nGitHub Actions\n"
               "### Automation Opportunities\nThe pipeline builds on every push.\n")
    files = {EX + "task1-loop-mapping.md": mapping, ".github/workflows/ci.yml": WORKFLOW, "app.py": "x = 1\n"}
    report = grade(write_tree(tmp_path / "a", files), rubric.load("exercise-4.1"))
    assert any(n.startswith("Loop mapping: Build: the written work says this is done with ci") for n in report.notes)
    assert report.to_dict()["notes"] == list(report.notes)
    docs_only = grade(write_tree(tmp_path / "b", {EX + "task1-loop-mapping.md": mapping}), rubric.load("exercise-4.1"))
    assert not docs_only.notes  # a docs-only submission describes; it claims nothing about its repository


def test_the_report_carries_the_four_tasks_and_the_eight_phases(tmp_path):
    report = grade(write_tree(tmp_path, {"README.md": "# x\n"}), rubric.load("exercise-4.1"))
    data = report.to_dict()
    assert data["schema_version"] == "1.4"
    assert [(t["id"], t["max_score"]) for t in data["tasks"]] == [
        ("task1", 40.0), ("task2", 20.0), ("task3", 25.0), ("task4", 15.0), ("bonus", 5.0)]
    assert [p["max_score"] for p in data["phases"]] == [5.0] * 8
    assert data["max_score"] == 100.0 and data["threshold"] == 80.0
    task1 = data["tasks"][0]
    assert task1["checks"] == [] and len(task1["check_ids"]) == 8  # its checks are the phases'
    assert {c["id"] for c in data["tasks"][1]["checks"]} == {"task2.loops", "task2.explained", "task2.speed"}


def test_rubric_tasks_must_add_up_and_evidence_must_exist(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(
        "id: t\ntitle: T\nversion: '1'\nextends: devops-loop\n"
        "tasks:\n  - id: one\n    title: One\n    points: 10\n    checks:\n"
        "      - {id: one.loops, title: L, kind: feedback-loops, points: 4, hint: h,"
        " evidence: [{check: build.nothing}]}\n", encoding="utf-8")
    with pytest.raises(RubricError) as err:
        rubric.load(str(path), validate=True)
    text = "\n".join(err.value.problems)
    assert "declares 10 points but its checks add up to 4" in text
    assert "evidence[0].check: no check 'build.nothing'" in text
