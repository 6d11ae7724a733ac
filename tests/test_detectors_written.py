"""The written deliverables of Exercise 4.1: mapping sections, feedback loops, pipeline design,
success metrics."""

from __future__ import annotations

from conftest import SAMPLES  # noqa: F401 - keeps the helper module importable

EX = "exercises/module-01/exercise-04/"
PARTS = ["What Happens", "Who is Involved", "Tools Used", "Duration", "Deliverable", "Automation Opportunities"]


def mapping(phase_title: str, answers: dict[str, str]) -> str:
    out = ["# Task 1", "", f"## {phase_title}", ""]
    for part in PARTS:
        out += [f"### {part}", answers.get(part, "[Your answer]"), ""]
    return "\n".join(out)


FULL = {p: f"A real answer about {p.lower()} for the reminder feature." for p in PARTS}


def test_mapping_section_pass(check):
    files = {EX + "task1-loop-mapping.md": mapping("Phase 3: BUILD", FULL)}
    finding = check(files, "mapping-section", {"phase": "build"})
    assert finding.status == "pass"
    assert finding.evidence[0].line == 3


def test_mapping_section_absent(check):
    assert check({}, "mapping-section", {"phase": "build"}).status == "fail"
    files = {EX + "task1-loop-mapping.md": mapping("Phase 1: PLAN", FULL)}
    assert check(files, "mapping-section", {"phase": "build"}).status == "fail"


def test_mapping_section_placeholders_are_empty(check):
    files = {EX + "task1-loop-mapping.md": mapping("Phase 3: BUILD", {})}
    finding = check(files, "mapping-section", {"phase": "build"})
    assert finding.status == "fail"
    half = dict(list(FULL.items())[:3])
    files = {EX + "task1-loop-mapping.md": mapping("Phase 3: BUILD", half)}
    finding = check(files, "mapping-section", {"phase": "build"})
    assert finding.status == "partial" and abs(finding.fraction - 0.5) < 0.01
    faked = {p: "[Your answer] TODO" for p in PARTS}
    files = {EX + "task1-loop-mapping.md": mapping("Phase 3: BUILD", faked)}
    assert check(files, "mapping-section", {"phase": "build"}).status == "fail"


def test_mapping_section_bold_labels(check):
    text = "## Phase 6 – Deploy\n" + "\n".join(f"**{p}**: {FULL[p]}" for p in PARTS)
    assert check({EX + "task1-loop-mapping.md": text}, "mapping-section", {"phase": "deploy"}).status == "pass"


def loops(n: int, filled: bool = True, arrow: str = "→") -> str:
    phases = ["Monitor", "Plan", "Test", "Code", "Operate", "Deploy"]
    out = ["# Loops"]
    for i in range(n):
        a, b = phases[i % 6], phases[(i + 1) % 6]
        body = "Metrics about errors and usage." if filled else "[Your answer]"
        out += [f"## Loop {i + 1}: {a} {arrow} {b}", "### What information flows back", body,
                "### How it's communicated", body, "### Speed of feedback", "Hours" if filled else "[Immediate / Minutes / Hours / Days]",
                "### Example scenario", body]
    return "\n".join(out)


def test_feedback_loops(check):
    assert check({EX + "task2-feedback-loops.md": loops(5)}, "feedback-loops").status == "pass"
    assert check({EX + "task2-feedback-loops.md": loops(5, arrow="->")}, "feedback-loops").status == "pass"
    assert check({}, "feedback-loops").status == "fail"
    assert check({EX + "task2-feedback-loops.md": loops(2)}, "feedback-loops").status == "partial"
    template = loops(5, filled=False).replace("Monitor → Plan", "[Phase] → [Phase]")
    finding = check({EX + "task2-feedback-loops.md": template}, "feedback-loops")
    assert finding.fraction <= 0.5


DESIGN = """# Pipeline
## Trigger
Every push to main and every pull request starts the pipeline.
## Stages
1. Install dependencies and lint
2. Unit tests with pytest
3. Build the image tagged with the SHA
4. Deploy with a rolling update
## Quality gates
A failing test or lint error stops the pipeline before the build.
## Notifications
Failures are posted to the team Slack channel right away.
## Failure handling
If the smoke test fails the pipeline runs kubectl rollout undo automatically.
## Verification and monitoring
kubectl rollout status and a smoke test of the health endpoint.
"""


def test_pipeline_design(check):
    assert check({EX + "task3-pipeline-design.md": DESIGN}, "pipeline-design").status == "pass"
    assert check({}, "pipeline-design").status == "fail"
    template = "# Pipeline\n## Trigger\n[Your answer]\n## Stages\n[Your answer]\n## Failure handling\n[Your answer]\n"
    assert check({EX + "task3-pipeline-design.md": template}, "pipeline-design").status == "fail"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000
    assert check({EX + "task3-pipeline-design.png": png}, "pipeline-design").status == "partial"
    assert check({EX + "task3-pipeline-design.png": b"not a png"}, "pipeline-design").status == "fail"


METRICS = """# Metrics
## Technical metrics
Error rate below one percent and p95 latency under half a second for the scheduler.
## Business metrics
Open rate above forty percent and conversion of reminded carts above five percent.
## DORA metrics
- Lead time for changes: under a day
- Deployment frequency: daily
- Change failure rate: below 15%
- Time to restore service: under an hour
"""


def test_success_metrics(check):
    assert check({EX + "task4-success-metrics.md": METRICS}, "success-metrics").status == "pass"
    assert check({}, "success-metrics").status == "fail"
    three = METRICS.replace("- Change failure rate: below 15%\n", "")
    finding = check({EX + "task4-success-metrics.md": three}, "success-metrics")
    assert finding.status == "partial" and "change failure rate" in finding.message
    template = "# Metrics\n## Technical metrics\n[Your answer]\n## Business metrics\n[Your answer]\n## DORA metrics\n[Your answer]\n"
    assert check({EX + "task4-success-metrics.md": template}, "success-metrics").status == "fail"
