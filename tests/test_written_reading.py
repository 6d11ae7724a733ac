"""Reading the written work wherever and however it is written (issue 24): where the tasks are
found, the forms of headings and labels, parts found by what they say, substance over words,
generic text, pictures as deliverables, and fixes in the learner's own terms. Each behaviour has
its real form, its absence, a faked form and another valid form."""

from __future__ import annotations

import struct
import zlib

from conftest import write_tree
from grader import rubric
from grader.evidence import written
from grader.evidence.written import lexicon, names
from grader.scoring import grade
from grader.submission import Submission

PHASE_ROW = ("| {n}. {p} | {what} | tech lead, QA engineer | Jira, GitHub Actions | 2 days | "
             "a Slack bot posts the board every morning |\n")
WHATS = {"Plan": "stories for the 24 h reminder with acceptance criteria", "Code": "the cart_idle query and its tests",
         "Build": "image shop-api:<sha> pushed to ECR", "Test": "pytest checks the 48 h coupon expiry",
         "Release": "tag v2.4.0 from conventional commits", "Deploy": "Argo CD canary 10% for 15 min",
         "Operate": "HPA scales the send workers 2-8 on queue depth", "Monitor": "Grafana board of sends, opens, clicks"}


def _mapping_table() -> str:
    head = "| Phase | What happens | Who | Tools | Time | Automation |\n|---|---|---|---|---|---|\n"
    return head + "".join(PHASE_ROW.format(n=i, p=p, what=w) for i, (p, w) in enumerate(WHATS.items(), 1))


def _places(tmp_path, files):
    return {t: [(p.rel, p.how) for p in places] for t, places in written.placements(Submission(write_tree(tmp_path, files))).items()}


# -- where the tasks are ---------------------------------------------------------------------------
def test_the_whole_exercise_in_the_readme_with_numbered_sections(tmp_path):
    readme = ("# ShopNow cart reminders through the DevOps loop\n\n## 1. Loop mapping (Task 1)\n\n" + _mapping_table()
              + "\n## 2. Feedback loops (Task 2)\n\n- Monitor → Plan: open rate per send hour, weekly Looker review, days\n"
              "\n## 3. Pipeline\n\n1. lint\n2. unit tests\n\n## 4. Success metrics\n\n- error rate < 1%\n")
    found = _places(tmp_path, {"README.md": readme})
    assert [how for _, how in found[1]] == ["by its heading"] and found[1][0][0] == "README.md"
    assert found[2] and found[3] and found[4]
    units = written.phase_units(Submission(tmp_path))
    assert set(units) == set(names.PHASES)


def test_a_project_readme_that_only_describes_the_app_is_not_the_mapping(tmp_path):
    readme = "# Shop API\n\n## Build\n\n`npm run build`\n\n## Test\n\n`npm test`\n\n## Deploy\n\n`helm upgrade shop ./chart`\n"
    assert _places(tmp_path, {"README.md": readme})[1] == []


def test_tasks_named_by_file_names_anywhere(tmp_path):
    found = _places(tmp_path, {"docs/01_mapping.md": "# Mapping\n\n" + _mapping_table(),
                               "docs/loops.md": "# Loops\n\n## Test → Code\nA red check on the PR, minutes.\n",
                               "docs/cicd.md": "# How we ship\n\n1. build\n2. deploy\n",
                               "docs/kpis.md": "# KPIs\n\n- open rate 25%\n"})
    assert {t: [rel for rel, _ in v] for t, v in found.items()} == {
        1: ["docs/01_mapping.md"], 2: ["docs/loops.md"], 3: ["docs/cicd.md"], 4: ["docs/kpis.md"]}


def test_tasks_named_in_any_words_and_a_phase_title_names_none():
    assert names.tasks_of_title("2. Feedback loops (Task 2)") == [2]
    assert names.tasks_of_title("Part C — how we ship it") == [3]
    assert names.tasks_of_title("Task two: loops") == [2]
    assert names.tasks_of_title("Part 2: Build") == []  # the Build phase
    assert names.tasks_of_title("Speed of feedback") == []  # a loop's part


def test_one_file_per_phase_is_the_mapping(tmp_path):
    files = {f"devops/0{i}-{p.lower()}.md": f"# {p}\n\n## What happens\n{w}\n\n## Who\nQA engineer\n\n## Tools\nJira\n"
             for i, (p, w) in enumerate(WHATS.items(), 1)}
    files["README.md"] = "# DevOps loop mapping for ShopNow\n\nSee the devops folder.\n"
    sub = Submission(write_tree(tmp_path, files))
    assert len(written.placements(sub)[1]) == 8 and set(written.phase_units(sub)) == set(names.PHASES)


def _phase_doc(phase: str, what: str) -> str:
    return f"# {phase}\n\n## What happens\n{what}\n\n## Who\nQA engineer\n\n## Tools\nJira\n"


def test_documents_about_one_phase_are_no_mapping_of_the_loop(tmp_path):
    # four guides about deploying, each with who and tools: a deployment guide, not the loop
    files = {f"guides/deploy-{env}.md": _phase_doc("Deploy", f"helm upgrade to {env}")
             for env in ("dev", "staging", "production", "preview")}
    assert _places(tmp_path / "a", files)[1] == []
    # a project's guides named after phases but spread over its folders are not one piece of work
    spread = {"docs/development.md": _phase_doc("Code", WHATS["Code"]),
              "ops/deployment.md": _phase_doc("Deploy", WHATS["Deploy"]),
              "qa/testing.md": _phase_doc("Test", WHATS["Test"])}
    assert _places(tmp_path / "b", spread)[1] == []
    # files named after phases that write none of a phase's parts are no mapping either
    hollow = {f"devops/0{i}-{p.lower()}.md": f"# {p}\n\n{w}.\n" for i, (p, w) in enumerate(WHATS.items(), 1)}
    assert _places(tmp_path / "c", hollow)[1] == []
    # three phases, one file each, in one folder: the mapping
    three = {f"loop/{p.lower()}.md": _phase_doc(p, WHATS[p]) for p in ("Build", "Test", "Deploy")}
    assert sorted(rel for rel, _ in _places(tmp_path / "d", three)[1]) == ["loop/build.md", "loop/deploy.md", "loop/test.md"]


# -- forms -------------------------------------------------------------------------------------------
def test_a_plain_text_file_with_capital_headings_and_dash_labels(check):
    text = ("TASK 1 - LOOP MAPPING\n\nPHASE 3 - BUILD\n    What happens -  CI builds image shop:<sha> on every push\n"
            "    Who -           nobody by hand; the dev who pushed fixes red builds\n    Tools -         Azure Pipelines, ACR\n"
            "    Duration -      about 6 min\n    Automate -      cache the NuGet restore\n")
    finding = check({"EXERCISE4.txt": text}, "mapping-section", {"phase": "build"})
    assert finding.status == "pass", finding.message


def test_html_table_and_definition_list_loops(check):
    html = ("# Task 1\n\n<table>\n<tr><th>Phase</th><th>What happens</th><th>Who</th><th>Tools</th><th>Time</th>"
            "<th>Could automate</th></tr>\n<tr><td><b>3 Build</b></td><td><ul><li>CI builds image "
            "<code>web:&lt;sha&gt;</code></li></ul></td><td>2 devs</td><td>GitHub Actions</td><td>5 min</td>"
            "<td>cache gems</td></tr>\n</table>\n")
    assert check({"ex4/mapping.md": html}, "mapping-section", {"phase": "build"}).status == "pass"
    loops = "# Task 2 — feedback loops\n\n" + "".join(
        f"{a} → {b}\n: **Flows back:** a failing spec on the 24h window\n: **Via:** GitHub check and Slack DM\n"
        f": **Speed:** minutes\n\n" for a, b in (("Test", "Code"), ("Deploy", "Code"), ("Operate", "Code"),
                                                 ("Monitor", "Plan"), ("Support", "Plan")))
    finding = check({"ex4/loops.md": loops}, "feedback-loops", {"score": "all"})
    assert finding.status == "pass", finding.message


def test_labels_in_every_form_and_parts_found_by_what_they_say(check):
    bold_alone = ("# Mapping: cart reminders\n## Phase 1: Plan\n\n**What happens**\n\n- PM splits the 24 h reminder into 4 stories\n\n"
                  "**Who.** PM, tech lead (Ana)\n\n**Tools.** Linear\n\n**Duration.** 1.5 days\n\n**Could automate**\n\n"
                  "- a Linear template with 'how do we turn it off'\n")
    assert check({"ex/phases.md": bold_alone}, "mapping-section", {"phase": "plan"}).status == "pass"
    prose = ("# Mapping: cart reminders\n## 6. Deploy\nArgo CD rolls the send worker out as a 10% canary for 15 minutes. "
             "Who: the SRE on duty. Tools: Argo Rollouts, Helm. It takes about 40 minutes, and we'd automate the "
             "promotion to 100% when the 5xx rate stays under 1%.\n")
    finding = check({"ex/phases.md": prose}, "mapping-section", {"phase": "deploy"})
    assert finding.status == "pass", finding.message
    unlabelled = prose.replace("Who: ", "").replace("Tools: ", "with ")
    assert check({"ex/phases.md": unlabelled}, "mapping-section", {"phase": "deploy"}).status == "pass"


def test_durations_in_the_words_learners_use():
    for text in ("4 dev-days", "6 working days", "half a sprint", "~2 h", "a few evenings", "1.5 days", "two to three days"):
        assert lexicon.has_duration(text, labelled=True), text
    for text in ("It depends", "as long as needed", "Ongoing"):
        assert not lexicon.has_duration(text, labelled=True), text
    assert lexicon.only_ongoing("Ongoing, 24/7")
    assert not lexicon.has_duration("the job runs every 5 minutes", labelled=False)  # a period, not a duration


# -- substance ---------------------------------------------------------------------------------------
def test_generic_text_earns_nothing_however_often_it_names_the_feature(check):
    filler = ("# Mapping: Shopping Cart Abandonment Emails\n## Phase 1: PLAN\n### What Happens\nIn planning the team comes "
              "together to understand the requirements for the cart abandonment emails and align on goals and scope.\n"
              "### Automation Opportunities\nPlanning activities for the cart abandonment emails can be streamlined wherever "
              "it adds value.\n")
    finding = check({"ex/t1.md": filler}, "mapping-section", {"phase": "plan", "parts": ["activities", "automation"]})
    assert finding.status == "fail" and "generic" in finding.message
    general = filler.replace("In planning the team comes together to understand the requirements for the cart abandonment "
                             "emails and align on goals and scope.",
                             "Planning is where an idea typically becomes an agreed piece of work, depending on the team.")
    assert "in general" in check({"ex/t1.md": general}, "mapping-section", {"phase": "plan", "parts": ["activities"]}).message
    specific = filler.replace("In planning the team comes together to understand the requirements for the cart abandonment "
                              "emails and align on goals and scope.", "PM writes 4 stories in Jira: 24 h trigger, 10% code, "
                              "opt-out, tracking.")
    assert check({"ex/t1.md": specific}, "mapping-section", {"phase": "plan", "parts": ["activities"]}).status == "pass"


def test_failure_handling_in_any_words_and_a_bare_heading_says_nothing(check):
    base = "# Pipeline\n\nOn every push: lint, unit tests (pytest), build image app:<sha>, deploy to staging, smoke test.\n"
    def failure(extra):
        return check({"ex/pipeline.md": base + extra}, "pipeline-design", {"score": "failure"}).fraction
    assert failure("\nIf the unit tests fail, the next jobs don't run and the author gets a Slack message.\n") == 0.6
    assert failure("\nWhen the smoke test fails we redeploy the previous tag.\n") == 1.0
    assert failure("\n## Rollback\n\n## Notifications\n") == 0.0  # the template's headings with nothing under them


def test_each_row_of_a_metrics_table_is_a_metric(check):
    table = ("# KPIs\n\n## Technical\n\n| Metric | Target |\n|---|---|\n| send failure rate | < 0.5% |\n"
             "| p95 scan time | < 30 s |\n")
    assert check({"ex/kpis.md": table}, "success-metrics", {"score": "technical"}).status == "pass"
    one = table.rsplit("| p95", 1)[0]
    assert check({"ex/kpis.md": one}, "success-metrics", {"score": "technical"}).status == "partial"


def test_a_forward_handoff_is_no_feedback_loop(check):
    loops = ("# Feedback loops\n\n## Loop 1: Plan → Code\nTickets with acceptance criteria handed to devs in Jira, days.\n\n"
             "## Loop 5: Operate to Plan\nIncidents from PagerDuty become Jira stories at the retro, days.\n")
    finding = check({"ex/loops.md": loops}, "feedback-loops", {"score": "loops", "min_loops": 1})
    assert "runs forward" in finding.message and "`Loop 1: Plan → Code`" in finding.message
    assert finding.status == "pass"  # the Operate → Plan loop counts


# -- pictures ----------------------------------------------------------------------------------------
def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff" * width * 3 for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_a_pipeline_picture_is_task_3_to_be_viewed_and_not_the_loop_diagram(tmp_path):
    files = {"ex4/task3-pipeline-design.md": "# Task 3\n\nSee the diagram: ![pipeline](pipeline-design.png)\n",
             "ex4/pipeline-design.png": _png(400, 300)}
    report = grade(write_tree(tmp_path / "a", files), rubric.load("exercise-4.1"))
    task3 = next(t for t in report.tasks if t.id == "task3")
    assert task3.score >= 0.8 * 25 and [str(p) for p in report.to_view] == ["ex4/pipeline-design.png"]
    assert "to be viewed" in next(c for c in task3.checks if c.id == "task3.stages").message
    bonus = next(t for t in report.tasks if t.id == "bonus")
    assert bonus.score == 0  # the pipeline's picture is not the loop
    files["ex4/devops-loop.png"] = _png(600, 300)
    files["ex4/task3-pipeline-design.md"] += "\nThe whole loop: ![loop](devops-loop.png)\n"
    report = grade(write_tree(tmp_path / "b", files), rubric.load("exercise-4.1"))
    assert next(t for t in report.tasks if t.id == "bonus").score == 5
    tiny = {**files, "ex4/pipeline-design.png": _png(20, 20)}
    report = grade(write_tree(tmp_path / "c", tiny), rubric.load("exercise-4.1"))
    assert next(t for t in report.tasks if t.id == "task3").score < 5  # not a real picture of a pipeline


# -- fixes in the learner's terms ------------------------------------------------------------------------
def test_fixes_speak_of_the_learners_own_feature(check):
    own = ("# DevOps loop mapping: two-factor login via SMS\n\nUsers confirm logins with a 6-digit SMS code.\n\n"
           "## Phase 6: Deploy\n### Tools Used\nHelm\n")
    finding = check({"ex/t1.md": own}, "mapping-section", {"phase": "deploy"})
    assert "two-factor login via SMS" in finding.message
    assert "reminder" not in finding.message and "cart" not in finding.message
    cart = own.replace("two-factor login via SMS", "cart abandonment emails").replace(
        "Users confirm logins with a 6-digit SMS code.", "A reminder 24 h after a cart is abandoned, with a 10% coupon.")
    assert "reminder" in check({"ex/t1.md": cart}, "mapping-section", {"phase": "deploy"}).message


# -- the course's fingerprints -----------------------------------------------------------------------------
def test_the_fingerprints_are_the_course_materials_and_hold_no_text(tmp_path):
    from pathlib import Path

    from conftest import course_material
    from grader.evidence.written import fingerprints

    lesson = course_material("seeds/lesson-04-devops-infinity-loop.md")
    fresh = tmp_path / "course.fingerprints"
    fingerprints.build(lesson.parent, fresh)
    shipped = Path(fingerprints.__file__).parent.parent.parent / "data" / "course.fingerprints"
    assert fresh.read_text() == shipped.read_text(), "rebuild: python -m grader.evidence.written.fingerprints --build SEEDS"
    rows = [line.split() for line in shipped.read_text().splitlines() if not line.startswith("#")]
    hashes = [h for row in rows for h in row[2 if row[0] == "P" else 1:]]
    assert hashes and all(len(h) == 8 and int(h, 16) >= 0 for h in hashes)  # hashes only, never the text


_STEMS_IN_A_FRESH_PROCESS = (
    "import json, sys\n"
    "from grader.evidence.written import fingerprints\n"
    "words = sys.stdin.read().split()\n"
    "ours = [fingerprints._stem(w) for w in words]\n"
    "languages = sorted(m for m in sys.modules if m.startswith('snowballstemmer.') and m.endswith('_stemmer'))\n"
    "bare = 'snowballstemmer' in sys.modules\n"
    "import snowballstemmer\n"
    "theirs = [snowballstemmer.stemmer('english').stemWord(w) for w in words]\n"
    "print(json.dumps([ours == theirs, languages, bare, len(snowballstemmer.algorithms())]))\n"
)


def test_only_the_english_stemmer_is_imported_and_it_stems_as_the_package_does():
    """The English module alone is imported (not the package's 30 other languages); its stems
    are the package's own ``stemmer("english")``'s, and the package imports in full afterwards."""
    import json
    import subprocess
    import sys

    words = ("running runs ran deployment deployments deploying monitoring monitored alerts alerting "
             "releases released rollback rolled pipelines pipeline's generously happiness relational "
             "conditional agreement feed feeds fed sky skies dying lying news cannings proceeded "
             "exceeding succeeding generate generations universal university 2024 k8s").split()
    out = subprocess.run([sys.executable, "-c", _STEMS_IN_A_FRESH_PROCESS], input=" ".join(words),
                         capture_output=True, text=True, timeout=60, check=True)
    same, languages, bare, algorithms = json.loads(out.stdout.strip().splitlines()[-1])
    assert same
    assert languages == ["snowballstemmer.english_stemmer"]
    assert not bare  # the bare package stood in sys.modules only while the module was imported
    assert algorithms > 20  # and a later `import snowballstemmer` has all of it


def test_the_lesson_reworded_is_recognised_and_own_work_is_not(check):
    from pathlib import Path

    from conftest import course_material

    course_material("seeds/lesson-04-devops-infinity-loop.md")
    rounds = Path(__file__).resolve().parent.parent / "benchmarks" / "written" / "rA"
    reworded = (rounds / "lesson-paraphrase" / "ex04" / "task3-pipeline-design.md").read_text(encoding="utf-8")
    finding = check({"ex/pipeline.md": reworded}, "pipeline-design", {"score": "all"})
    assert finding.status == "fail" and "course's own" in finding.message
    own = (rounds / "esl-strong" / "exercises" / "module-01" / "exercise-04" / "task3-pipeline-design.md").read_text(encoding="utf-8")
    assert check({"ex/pipeline.md": own}, "pipeline-design", {"score": "all"}).status == "pass"
