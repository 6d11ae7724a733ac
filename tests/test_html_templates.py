"""The HTML pages (the class report, each student's feedback) are rendered through Jinja2
templates with autoescaping on, not assembled from strings by hand: whatever a submission holds
is text on the page — markup, template syntax and quotes included."""

from __future__ import annotations

import ast
from pathlib import Path

from grader.batch.results import Result
from grader.report import classhtml, feedback, html

HOSTILE = "<script>alert(1)</script> {{ 7*7 }} {% if x %}\" onmouseover=\"x"


def hostile_result() -> Result:
    check = {"id": "plan.a", "title": HOSTILE, "kind": "k", "bonus": False, "status": "fail", "score": 0.0,
             "max_score": 5.0, "message": f"`{HOSTILE}` is missing", "hint": "Add `</code><b>x</b>`.",
             "evidence": [{"path": HOSTILE, "line": 3}]}
    report = {"score": 0.0, "max_score": 5.0, "percent": 0.0, "passed": False, "threshold": 80,
              "rubric": {"title": HOSTILE}, "notes": [HOSTILE], "to_view": [{"path": HOSTILE, "line": None}],
              "phases": [{"id": "plan", "title": "Plan", "score": 0.0, "max_score": 5.0, "checks": [check]}],
              "tasks": [{"id": "task1", "title": HOSTILE, "score": 0.0, "max_score": 5.0, "checks": [],
                         "check_ids": ["plan.a"]}]}
    return Result(id=HOSTILE, source=HOSTILE, rubric={"id": "x", "sha256": "y"}, status="graded", report=report)


def test_the_pages_come_from_autoescaping_templates():
    env = html.environment()
    assert env.autoescape is True
    names = set(env.list_templates())
    assert {"class.html.j2", "feedback.html.j2"} <= names


def test_no_renderer_assembles_html_by_hand():
    for module in (classhtml, feedback):
        source = Path(module.__file__).read_text(encoding="utf-8")
        strings = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        tags = [s for s in strings if any(t in s for t in ("<td", "<tr", "<li", "<h1", "<p>", "<table", "<svg"))]
        assert not tags, f"{module.__name__} builds HTML by hand: {tags[:3]}"


def test_submission_text_stays_text():
    res = hostile_result()
    for page in (feedback.render_html(res, HOSTILE),
                 classhtml.render({res.id: res}, {res.id: {"name": HOSTILE, "source": HOSTILE}},
                                  [([HOSTILE, "b"], 1.0, "the same commit")], feedback_href="fb", title=HOSTILE)):
        assert "<script>alert" not in page and "&lt;script&gt;" in page
        assert "{{ 7*7 }}" in page  # template syntax in a submission is not run
        assert '" onmouseover="x' not in page
        assert "<b>x</b>" not in page
    page = feedback.render_html(res, "Ann")
    assert "<code>&lt;script&gt;" in page  # a code span is real <code>, its content escaped
