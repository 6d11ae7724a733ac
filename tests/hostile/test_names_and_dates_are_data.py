"""Names and dates are data (promise: "one submission's names or dates never cost anyone else
their grade, and never reach a terminal, a CI log or a spreadsheet as anything but text"): a
commit dated year 10000 or 2**64 is left blank, ids of any length map to bounded, unique file
names, control characters in names are escaped wherever they are printed, code spans and SARIF
URIs are encoded as their formats require, and no cell starts a formula for `,` or `;` readers."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import Repo
from grader.batch import Result
from grader.batch.gradebook import Gradebook
from grader.cli import main
from grader.report import feedback, lms

YEAR_10000 = 253402300800


def _dated_repo(path: Path, when: int) -> Path:
    """A repository whose one commit is dated ``when`` (git itself refuses such a date in
    GIT_COMMITTER_DATE; a hand-written commit object carries it)."""
    repo = Repo(path)
    repo.commit("Add the readme of the service", {"README.md": "# service\n"})
    tree = repo.git("rev-parse", "HEAD^{tree}")
    body = f"tree {tree}\nauthor a <a@b> {when} +0000\ncommitter a <a@b> {when} +0000\n\nAdd the service\n"
    sha = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=path, input=body.encode(),
                         capture_output=True, check=True, env=repo.env()).stdout.decode().strip()
    repo.git("update-ref", "refs/heads/main", sha)
    return path


@pytest.mark.parametrize("when", [YEAR_10000, 2**64 - 1])
def test_a_commit_dated_out_of_range_costs_no_one_their_grades(tmp_path, capsys, when):
    klass = tmp_path / "class"
    _dated_repo(klass / "ada", when)
    Repo(klass / "bob").commit("Add the readme of the service", {"README.md": "# bob\n"})
    out, book = tmp_path / "grades.csv", tmp_path / "book.sqlite"
    assert main(["batch", str(klass), "--out", str(out), "--gradebook", str(book), "--quiet"]) == 0
    rows = {r["id"]: r for r in csv.DictReader(out.open())}
    assert set(rows) == {"ada", "bob"} and rows["ada"]["status"] == "graded" and rows["ada"]["commit_date"] == ""
    for fmt in lms.EXPORTS:
        assert main(["grades", "export", "--gradebook", str(book), "--format", fmt]) == 0, fmt
    assert main(["grades", "show", "ada", "--gradebook", str(book)]) == 0
    assert main(["report", str(book), "-o", str(tmp_path / "class.html")]) == 0
    assert main(["batch", str(klass), "--out", str(out), "--gradebook", str(book), "--resume", "--quiet"]) == 0


def test_a_stored_row_dated_year_10000_is_recovered(tmp_path, capsys):
    """A gradebook written before the fix holds the date: every reader still works."""
    book = tmp_path / "book.sqlite"
    report = {"score": 50.0, "max_score": 100.0, "percent": 50.0, "passed": False, "threshold": 80,
              "phases": [], "tasks": [], "notes": []}
    with Gradebook(str(book)) as gb:
        gb.add(Result(id="ada", source="ada", rubric={"id": "x", "sha256": "abc"}, status="graded",
                      fingerprint="commit:a", report=report, commit="c" * 40, commit_time=YEAR_10000))
    for fmt in lms.EXPORTS:
        assert main(["grades", "export", "--gradebook", str(book), "--format", fmt]) == 0, fmt
    assert main(["grades", "show", "ada", "--gradebook", str(book)]) == 0


def test_ids_of_any_length_never_stop_the_class(tmp_path, capsys):
    klass = tmp_path / "class"
    long_id = "a" * 240  # a legal folder name
    for who in (long_id, "bob"):
        Repo(klass / who).commit("Add the readme of the service", {"README.md": "# service\n"})
    out, fb = tmp_path / "grades.csv", tmp_path / "feedback"
    assert main(["batch", str(klass), "--out", str(out), "--feedback", str(fb), "--gradebook",
                 str(tmp_path / "b.sqlite"), "--quiet"]) == 0
    assert {r["id"] for r in csv.DictReader(out.open())} == {long_id, "bob"}
    assert len(list(fb.iterdir())) == 6 and all(len(p.name) <= 110 for p in fb.iterdir())  # .md, .txt, .html


def test_an_id_spelled_like_a_hashed_name_gets_its_own_file():
    old_style = "Ada_Lovelace-" + hashlib.sha256(b"Ada Lovelace").hexdigest()[:8]
    assert feedback.file_name("Ada Lovelace") != feedback.file_name(old_style)
    assert feedback.file_name("alice") == "alice"  # a plain id keeps its name


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=300), min_size=2, max_size=6, unique=True))
@example(["Alice", "alice"])
@example(["a" * 240, "a" * 241])
def test_feedback_file_names_are_bounded_and_unique_on_any_disk(ids):
    names = list(feedback.file_names(ids).values())  # a class's files are named together
    assert all(0 < len(n) <= 97 and "/" not in n and not n.startswith(".") for n in names)
    assert len({n.lower() for n in names}) == len(ids)  # case-insensitive disks too


NASTY = "eve\x1b]0;pwned\x07\n::error::owned"


def test_names_are_printed_with_control_characters_escaped(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CI", "true")
    klass = tmp_path / "class"
    Repo(klass / NASTY).commit("Add the readme of the service", {"README.md": "# service\n"})
    (klass / (NASTY + ".bundle")).write_bytes(b"not a bundle")  # handed in twice: the warnings name them
    book = tmp_path / "b.sqlite"
    main(["batch", str(klass), "--out", str(tmp_path / "g.csv"), "--gradebook", str(book)])
    main(["grades", "show", "eve", "--gradebook", str(book)])  # "did you mean"
    main(["grades", "export", "--format", "moodle", "--gradebook", str(book)])
    main(["explain", "x\x1b[31m.rollback"])
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert "\x1b" not in text and "\x07" not in text
        assert not any(line.startswith("::") for line in text.splitlines())
    assert "\\x1b" in captured.err


def test_a_backtick_in_a_file_name_stays_inside_its_code_span():
    from markdown_it import MarkdownIt

    report = {"score": 1.0, "max_score": 2.0, "percent": 50.0, "passed": False, "threshold": 80,
              "phases": [{"id": "deploy", "title": "Deploy", "score": 1, "max_score": 2, "checks": [
                  {"id": "d.x", "title": "Rollback", "status": "fail", "score": 0, "max_score": 1, "message": "m",
                   "hint": "h", "evidence": [{"path": "k8s/a` <b>[x](http://evil)</b> `.yml", "line": 3}]}]}],
              "tasks": [], "notes": []}
    text = feedback.render_markdown(Result(id="a", source="a", rubric={}, status="graded", report=report), "a")
    tokens = [t for block in MarkdownIt().parse(text) for t in (block.children or [])]
    spans = [t.content for t in tokens if t.type == "code_inline"]
    assert any("<b>[x](http://evil)</b>" in s and s.startswith("k8s/a`") for s in spans)
    assert not any(t.type in ("link_open", "html_inline") for t in tokens)


def test_sarif_uris_are_percent_encoded():
    import dataclasses

    from test_formats import fixture_report

    from grader.model import Location
    from grader.report import render

    path = "k8s/a b#c%d?e/caf\u00e9\udce9.yml"
    report = fixture_report()
    phases = tuple(dataclasses.replace(p, checks=tuple(dataclasses.replace(c, evidence=(Location(path, 3),))
                                                       if c.status == "fail" else c for c in p.checks))
                   for p in report.phases)
    sarif = json.loads(render("sarif", dataclasses.replace(report, phases=phases)))
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]
            for loc in r["locations"]}
    encoded = next(u for u in uris if u.startswith("k8s/"))
    assert all(ch.isascii() and ch not in " #?" for ch in encoded)
    assert unquote(encoded, errors="surrogateescape") == path


@pytest.mark.parametrize("evil", ["x;=1+1;y", "x; -2+3", "ok\t@SUM(A1)", "=HYPERLINK(1)", "a,=1+1"])
def test_formula_prefixes_are_neutral_for_comma_and_semicolon_readers(evil):
    students = {evil: {"source": evil, "name": evil, "roster": {"email": evil}}}
    report = {"score": 1.0, "max_score": 2.0, "percent": 50.0, "passed": False, "threshold": 80,
              "phases": [], "tasks": [], "notes": []}
    results = {evil: Result(id=evil, source=evil, rubric={}, status="graded", report=report, reason=evil)}
    for fmt in ("csv", "canvas", "moodle", "classroom"):
        text = lms.render(fmt, results, students)
        for delimiter in (",", ";", "\t"):
            for row in csv.reader(io.StringIO(text), delimiter=delimiter):
                for cell in row:
                    assert cell[:1] not in ("=", "+", "-", "@"), (fmt, delimiter, cell)


def test_no_name_reaches_a_file_name_longer_than_the_disk_takes(tmp_path):
    """The temporary file beside an output has a short name of its own."""
    from grader.outputs import write_text

    target = tmp_path / ("g" * 250)
    write_text(str(target), "x\n")
    assert target.read_text() == "x\n" and os.listdir(tmp_path) == [target.name]
