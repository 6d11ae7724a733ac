"""The class report (issue 27, item 11): look-alike submissions as groups (ten identical copies
are one group of ten, not 45 pairs cut at 50); each student's task scores beside the phase
heatmap; the pictures handed in, to be viewed, listed per student; notes for the instructor."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from grader.batch.gradebook import Gradebook
from grader.batch.results import Result, similarity
from grader.cli import main


def graded(rid: str, *, commit: str, task1: float, to_view=(), notes=()) -> Result:
    phases = [{"id": p, "title": p.title(), "score": 5.0, "max_score": 5.0, "bonus": {}, "checks": []}
              for p in ("plan", "code", "build", "test", "release", "deploy", "operate", "monitor")]
    tasks = [{"id": "task1", "title": "Task 1 — loop mapping", "bonus": False, "score": task1, "max_score": 40.0,
              "checks": [], "check_ids": []},
             {"id": "task2", "title": "Task 2 — feedback loops", "bonus": False, "score": 20.0, "max_score": 20.0,
              "checks": [], "check_ids": []}]
    report = {"score": 60.0, "max_score": 60.0, "percent": 100.0, "passed": True, "threshold": 80,
              "rubric": {"title": "Exercise 4.1"}, "phases": phases, "tasks": tasks, "notes": list(notes),
              "to_view": [{"path": p, "line": None} for p in to_view]}
    return Result(id=rid, source=rid, rubric={"id": "exercise-4.1", "sha256": "s"}, status="graded",
                  fingerprint=f"commit:{commit}", report=report, commit=(commit * 40)[:40], tree=(commit * 40)[::-1][:40])


class Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.current = a.get("id")
            self.tables[self.current or ""] = []
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.current or ""].append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def test_ten_identical_copies_are_one_group():
    results = {f"copy{i:02d}": graded(f"copy{i:02d}", commit="c0ffee", task1=40) for i in range(10)}
    results["ann"] = graded("ann", commit="a1", task1=20)
    groups = similarity(results)
    assert len(groups) == 1
    ids, score, why = groups[0]
    assert list(ids) == sorted(f"copy{i:02d}" for i in range(10)) and score == 1.0 and "commit" in why


def test_the_class_report_shows_groups_task_scores_and_what_to_view(tmp_path, capsys):
    book_path = tmp_path / "g.sqlite"
    with Gradebook(str(book_path)) as book:
        rows = [graded(f"copy{i:02d}", commit="c0ffee", task1=40) for i in range(10)]
        rows.append(graded("ann", commit="a1", task1=22.5, to_view=["exercises/loop.png"],
                           notes=["Loop mapping: Build: the written work says ci, but the repository does not show it"]))
        book.set_students([(r.id, r.id, r.id, {}) for r in rows])
        for r in rows:
            book.add(r)
    assert main(["report", str(book_path), "-o", str(tmp_path / "class.html")]) == 0
    page = (tmp_path / "class.html").read_text(encoding="utf-8")
    tables = Tables()
    tables.feed(page)
    similar = tables.tables["similarity"]
    assert len(similar) == 2  # the header and one group of ten
    assert "10" in similar[1][0] and all(f"copy{i:02d}" in similar[1][1] for i in range(10))
    heat = tables.tables["heatmap"]
    header = heat[0]
    assert "Task 1" in " ".join(header) and "Task 2" in " ".join(header)
    ann = next(r for r in heat[1:] if r[0] == "ann")
    assert ann[header.index(next(h for h in header if h.startswith("Task 1")))] == "22.5"
    view = tables.tables["to-view"]
    assert ["ann", "exercises/loop.png"] in view
    assert re.search(r"For the instructor.*ann.*the written work says ci", page, re.S)


def test_a_students_history_lists_the_pictures_to_be_viewed(tmp_path, capsys):
    book_path = tmp_path / "g.sqlite"
    with Gradebook(str(book_path)) as book:
        ann = graded("ann", commit="a1", task1=30, to_view=["exercises/loop.png"])
        book.set_students([(ann.id, ann.id, ann.id, {})])
        book.add(ann)
    assert main(["grades", "show", "ann", "--gradebook", str(book_path)]) == 0
    assert "to be viewed (pictures handed in, not read by loopcheck): exercises/loop.png" in capsys.readouterr().out
