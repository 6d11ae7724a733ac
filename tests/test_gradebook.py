"""The gradebook (issue 16): stored per result, versioned with a migration, regrades as
history, resume and merge from it, locked for one writer; deadlines; duplicates by name;
exports an LMS imports; feedback per student; progress lines."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLES, Repo
from grader.batch import Result
from grader.batch.gradebook import SCHEMA_VERSION, Gradebook
from grader.cli import main
from grader.errors import LoopcheckError
from grader.report import feedback, lms


def small_class(root: Path, n: int = 3) -> Path:
    for i in range(n):
        repo = Repo(root / f"s{i}")
        repo.commit("Add the readme of the service", {"README.md": f"# service {i}\n"})
    return root


def result(rid: str, percent: float = 50.0, **kw) -> Result:
    report = {"score": percent, "max_score": 100.0, "percent": percent, "passed": percent >= 80, "threshold": 80,
              "phases": [], "tasks": [], "notes": []}
    return Result(id=rid, source=rid, rubric={"id": "x", "sha256": "abc"}, status="graded",
                  fingerprint=f"commit:{rid}", report=report, **kw)


def test_a_version_1_gradebook_is_migrated_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE results (seq INTEGER PRIMARY KEY AUTOINCREMENT, student TEXT NOT NULL, graded_at REAL NOT NULL,
            fingerprint TEXT, rubric_id TEXT, rubric_sha TEXT, status TEXT NOT NULL, score REAL, percent REAL,
            passed INTEGER, record TEXT NOT NULL);
        CREATE INDEX results_student ON results (student, seq);
        PRAGMA user_version = 1;""")
    db.execute("INSERT INTO results (student, graded_at, status, record) VALUES (?, ?, ?, ?)",
               ("alice", 1.0, "graded", json.dumps(result("alice", 90).to_dict())))
    db.commit()
    db.close()
    with Gradebook(str(path)) as book:
        assert book.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert book.latest()["alice"].report["percent"] == 90
        book.add(result("alice", 95, commit="c" * 40, commit_time=5, late=True, later_commits=2))
        assert [r.result.report["percent"] for r in book.history("alice")] == [90, 95]
        assert book.latest()["alice"].late is True


def test_a_newer_or_foreign_file_is_refused(tmp_path):
    newer = tmp_path / "newer.sqlite"
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(LoopcheckError, match="newer loopcheck"):
        Gradebook(str(newer))
    foreign = tmp_path / "app.sqlite"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE users (id INTEGER)")
    db.close()
    with pytest.raises(LoopcheckError, match="not a loopcheck gradebook"):
        Gradebook(str(foreign))
    text = tmp_path / "notes.sqlite"
    text.write_text("hello " * 100)
    with pytest.raises(LoopcheckError, match="not a loopcheck gradebook"):
        Gradebook(str(text))
    shaped = tmp_path / "shaped.sqlite"  # the right version number, the wrong tables
    db = sqlite3.connect(shaped)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    db.execute("CREATE TABLE results (seq INTEGER)")
    db.commit()
    db.close()
    with pytest.raises(LoopcheckError, match="table results lacks"):
        Gradebook(str(shaped))
    assert main(["report", str(shaped)]) == 2
    with pytest.raises(LoopcheckError, match="gradebook not found"):
        Gradebook(str(tmp_path / "none.sqlite"), create=False)


def test_one_writer_at_a_time(tmp_path):
    path = str(tmp_path / "g.sqlite")
    with Gradebook(path, lock=True):
        with pytest.raises(LoopcheckError, match="in use by another loopcheck run"):
            Gradebook(path, lock=True)
        with Gradebook(path) as reader:  # readers are never locked out
            assert reader.count() == 0
    with Gradebook(path, lock=True):  # released with the first
        pass


def test_a_second_batch_on_the_same_gradebook_waits_for_the_first(tmp_path):
    klass = small_class(tmp_path / "class")
    book = tmp_path / "g.sqlite"
    holder = Gradebook(str(book), lock=True)
    proc = subprocess.Popen([sys.executable, "-m", "grader", "batch", str(klass), "--gradebook", str(book)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=3)  # it waits...
    finally:
        holder.close()
    out, err = proc.communicate(timeout=60)  # ...and goes on once the first is done
    assert proc.returncode == 0, err
    assert "in use by another loopcheck run; waiting" in err
    with Gradebook(str(book)) as reader:
        assert sorted(reader.latest()) == ["s0", "s1", "s2"]


def test_regrades_add_history_and_resume_adds_nothing(tmp_path, capsys):
    klass = small_class(tmp_path / "class")
    book = tmp_path / "g.sqlite"
    for _ in range(2):
        assert main(["batch", str(klass), "--gradebook", str(book), "-q"]) == 0
    assert main(["batch", str(klass), "--gradebook", str(book), "--resume", "-q"]) == 0
    with Gradebook(str(book)) as reader:
        assert reader.count() == 6  # two gradings each; the resumed run added none
        assert len(reader.history("s1")) == 2
    capsys.readouterr()
    assert main(["grades", "show", "s1", "--gradebook", str(book)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("s1: 2 grading(s)") and out.count(" commit ") == 2
    assert main(["grades", "show", "s", "--gradebook", str(book)]) == 2
    assert "did you mean s0, s1, s2" in capsys.readouterr().err


def test_merge_combines_shard_gradebooks(tmp_path, capsys):
    klass = small_class(tmp_path / "class", 6)
    single = tmp_path / "single.csv"
    assert main(["batch", str(klass), "--out", str(single), "--gradebook", str(tmp_path / "all.sqlite"), "-q"]) == 0
    shards = []
    for k in (1, 2, 3):
        shards.append(str(tmp_path / f"shard{k}.sqlite"))
        assert main(["batch", str(klass), "--shard", f"{k}/3", "--gradebook", shards[-1], "-q"]) == 0
    merged = tmp_path / "merged.csv"
    assert main(["merge", *shards, "--out", str(merged), "--gradebook", str(tmp_path / "m.sqlite"), "-q"]) == 0
    assert merged.read_text() == single.read_text()
    # merging again adds nothing
    assert main(["merge", *shards, "--out", str(merged), "--gradebook", str(tmp_path / "m.sqlite"), "-q"]) == 0
    with Gradebook(str(tmp_path / "m.sqlite")) as reader:
        assert reader.count() == 6


def dated_repo(path: Path) -> tuple[Repo, list[tuple[str, int]]]:
    repo = Repo(path)
    repo.commit("Add the readme of the service", {"README.md": "# one\n"})
    repo.commit("Describe how to run the service", {"README.md": "# one\n\nRun it.\n"})
    repo.commit("Add the late runbook", {"RUNBOOK.md": "# Runbook\n"})
    log = repo.git("log", "--format=%H %ct")
    return repo, [(line.split()[0], int(line.split()[1])) for line in log.splitlines()][::-1]


def iso(moment: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(moment, tz=timezone.utc).isoformat()


def test_the_deadline_grades_the_last_commit_before_it(tmp_path):
    _, commits = dated_repo(tmp_path / "class" / "late")
    (second, t2), (_, t3) = commits[1], commits[2]
    deadline = iso((t2 + t3) // 2)
    book = tmp_path / "g.sqlite"
    out = tmp_path / "grades.csv"
    assert main(["batch", str(tmp_path / "class"), "--deadline", deadline, "--out", str(out),
                 "--gradebook", str(book), "-q"]) == 0
    row = next(csv.DictReader(out.open()))
    assert row["commit"] == second and row["late"] == "yes" and row["later_commits"] == "1"
    assert row["commit_date"] == iso(t2).replace("+00:00", "Z")
    with Gradebook(str(book)) as reader:
        res = reader.latest()["late"]
    assert res.late and "late: graded commit" in res.reason
    # the files and the history graded are the deadline's: the late commit is in neither
    assert res.report["submission"]["commit"] == second
    assert "RUNBOOK.md" not in json.dumps(res.report)
    # on time: the last commit, not late
    assert main(["batch", str(tmp_path / "class"), "--deadline", iso(t3 + 60), "--out", str(out),
                 "--gradebook", str(book), "-q"]) == 0
    row = next(csv.DictReader(out.open()))
    assert row["commit"] == commits[2][0] and row["late"] == "no"


def test_nothing_before_the_deadline_is_an_error_row_not_a_crash(tmp_path):
    _, commits = dated_repo(tmp_path / "class" / "early")
    out = tmp_path / "grades.csv"
    assert main(["batch", str(tmp_path / "class"), "--deadline", iso(commits[0][1] - 3600), "--out", str(out),
                 "--gradebook", str(tmp_path / "g.sqlite"), "-q"]) == 1
    row = next(csv.DictReader(out.open()))
    assert row["status"] == "error" and "no commit was made before the deadline" in row["reason"]


def test_a_rebased_commit_is_noted(tmp_path):
    repo, commits = dated_repo(tmp_path / "class" / "r")
    t_last = commits[-1][1]
    env = repo.env()
    env.update(GIT_AUTHOR_DATE=f"{t_last - 7200} +0000", GIT_COMMITTER_DATE=f"{t_last + 7200} +0000")
    subprocess.run(["git", "commit", "--quiet", "--allow-empty", "-m", "Fix the runbook's typo"], cwd=repo.path,
                   env=env, check=True)
    book = tmp_path / "g.sqlite"
    assert main(["batch", str(tmp_path / "class"), "--deadline", iso(t_last + 60), "--gradebook", str(book), "-q"]) == 0
    with Gradebook(str(book)) as reader:
        res = reader.latest()["r"]
    assert res.commit == commits[-1][0] and res.later_commits == 1
    assert "authored before it (rebased or amended late?)" in res.reason


def test_an_archive_has_no_history_to_check_against_the_deadline(tmp_path):
    klass = tmp_path / "class"
    (klass / "files").mkdir(parents=True)
    (klass / "files" / "README.md").write_text("# x\n")
    book = tmp_path / "g.sqlite"
    assert main(["batch", str(klass), "--deadline", "2026-12-01T23:59:00+01:00", "--gradebook", str(book), "-q"]) == 0
    with Gradebook(str(book)) as reader:
        assert "the deadline could not be checked" in reader.latest()["files"].reason


def test_a_student_who_handed_in_twice_is_named_not_renamed(tmp_path, capsys):
    klass = tmp_path / "class"
    small_class(klass, 2)
    shutil.copy(SAMPLES / "starter.bundle", klass / "s0.bundle")
    out = tmp_path / "grades.csv"
    assert main(["batch", str(klass), "--out", str(out), "--gradebook", str(tmp_path / "g.sqlite")]) == 0
    captured = capsys.readouterr()
    ids = [r["id"] for r in csv.DictReader(out.open())]
    assert ids == ["s0 [s0.bundle]", "s0 [s0]", "s1"]
    assert "s0 handed in 2 submissions" in captured.err
    assert "s0: s0 [s0.bundle], s0 [s0]" in captured.out
    assert main(["grades", "export", "-f", "canvas", "--gradebook", str(tmp_path / "g.sqlite")]) == 0
    captured = capsys.readouterr()
    rows = list(csv.reader(io.StringIO(captured.out)))
    assert [r[-1] for r in rows[1:3]] == ["", ""] and rows[3][-1] != ""  # no grade until one is kept
    assert "no grade exported for students who handed in more than once: s0" in captured.err


def students_of_a_roster() -> dict:
    return {"ann": {"name": "ann", "source": "https://example.edu/ann.git",
                    "roster": {"email": "ann@example.edu", "sis_user_id": "S1", "section": "A", "full_name": "Ann Lee",
                               "github_username": "annlee"}},
            "bob": {"name": "bob", "source": "x", "roster": {"moodle_participant": "100042"}}}


def test_exports_carry_the_roster_and_match_their_lms():
    results = {"ann": result("ann", 85.5, commit="a" * 40, commit_time=1764633600, late=False),
               "bob": Result(id="bob", source="x", rubric={}, status="error", reason="archive refused")}
    students = students_of_a_roster()
    own = list(csv.DictReader(io.StringIO(lms.render_csv(results, students))))
    assert own[0]["email"] == "ann@example.edu" and own[0]["commit"] == "a" * 40
    assert own[0]["commit_date"] == "2025-12-02T00:00:00Z" and own[0]["late"] == "no"
    assert own[1]["moodle_participant"] == "100042"
    canvas = list(csv.reader(io.StringIO(lms.render_canvas(results, students, "Exercise 4.1 (77)"))))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Exercise 4.1 (77)"]
    assert canvas[1] == ["Ann Lee", "", "S1", "ann@example.edu", "A", "85.5"]
    assert canvas[2][-1] == ""  # not graded: left blank, never a zero
    moodle = list(csv.DictReader(io.StringIO(lms.render_moodle(results, students))))
    assert moodle[0]["Grade"] == "85.5" and moodle[0]["Maximum Grade"] == "100"
    assert moodle[1]["Identifier"] == "Participant 100042" and moodle[1]["Grade"] == ""
    assert "Could not be graded automatically: archive refused" in moodle[1]["Feedback comments"]
    classroom = list(csv.DictReader(io.StringIO(lms.render_classroom(results, students))))
    assert classroom[0]["github_username"] == "annlee" and classroom[0]["points_awarded"] == "85.5"
    assert classroom[0]["student_repository_url"] == "https://example.edu/ann.git"
    lines = [json.loads(line) for line in lms.render_jsonl(results, students).splitlines()]
    assert lines[0]["roster"]["section"] == "A" and lines[0]["commit_date"] == "2025-12-02T00:00:00Z"


def test_formula_cells_in_the_roster_are_neutralised():
    students = {"ann": {"name": "ann", "source": "", "roster": {"email": "=HYPERLINK(\"http://x\")"}}}
    text = lms.render_csv({"ann": result("ann")}, students)
    assert "'=HYPERLINK" in text


def test_feedback_lists_the_largest_losses_first_with_their_place():
    report = {"score": 60, "max_score": 100, "percent": 60, "passed": False, "threshold": 80, "notes": ["a note"],
              "tasks": [{"id": "t1", "title": "Task 1", "score": 30, "max_score": 40, "checks": []}],
              "phases": [{"id": "plan", "title": "Plan", "score": 1, "max_score": 5, "checks": [
                  {"id": "plan.a", "title": "Small loss", "status": "partial", "score": 4, "max_score": 5,
                   "message": "m1", "hint": "h1", "evidence": [{"path": "a.md", "line": 3}]},
                  {"id": "plan.b", "title": "Big loss", "status": "fail", "score": 0, "max_score": 10,
                   "message": "m2", "hint": "h2", "evidence": [{"path": "b.md", "line": 9}]},
                  {"id": "plan.c", "title": "Passed", "status": "pass", "score": 5, "max_score": 5,
                   "message": "", "hint": "", "evidence": []}]}]}
    res = Result(id="a/b c", source="", rubric={}, status="graded", report=report, commit="f" * 40)
    md = feedback.render_markdown(res, "Ann <script>")
    assert md.index("Big loss") < md.index("Small loss") and "Passed" not in md.split("What to fix first")[1]
    assert "at `b.md:9`" in md and "How to fix it: h2" in md and "a note" in md
    page = feedback.render_html(res, "Ann <script>")
    assert "<script>" not in page and "&lt;script&gt;" in page and "b.md:9" in page
    names = feedback.file_names(["a/b c", "a_b_c", "Ada Lovelace [ada.bundle]", "José"])
    assert names["a/b c"] != names["a_b_c"] and "/" not in names["a/b c"]  # two ids never share a file
    assert names["Ada Lovelace [ada.bundle]"] == "ada-lovelace-ada-bundle" and names["José"] == "jose"
    failed = feedback.render_markdown(Result(id="x", source="", rubric={}, status="error", reason="corrupt"), "x")
    assert "could not be graded automatically: corrupt" in failed


def test_batch_writes_feedback_per_student_and_plain_progress_lines(tmp_path, capsys):
    klass = small_class(tmp_path / "class")
    fb = tmp_path / "feedback"
    assert main(["batch", str(klass), "--gradebook", str(tmp_path / "g.sqlite"), "--feedback", str(fb)]) == 0
    err = capsys.readouterr().err
    assert sorted(p.name for p in fb.iterdir()) == [f"s{i}.{ext}" for i in range(3) for ext in ("html", "md", "txt")]
    assert "# Exercise 4.1 — map a feature through the DevOps loop — feedback for s1" in (fb / "s1.md").read_text()
    progress = [line for line in err.splitlines() if line.startswith("[")]
    assert len(progress) == 3 and progress[-1].startswith("[3/3] ")


def test_the_class_report_holds_every_part(tmp_path, capsys):
    klass = small_class(tmp_path / "class")
    shutil.copy(SAMPLES / "complete.bundle", klass / "zoe.bundle")
    book = tmp_path / "g.sqlite"
    assert main(["batch", str(klass), "--gradebook", str(book), "--feedback", str(tmp_path / "fb"), "-q"]) == 0
    page = tmp_path / "out" / "class.html"
    page.parent.mkdir()
    assert main(["report", str(book), "-o", str(page)]) == 0
    text = page.read_text()
    for part in ('id="pass-rate"', 'id="histogram"', 'id="heatmap"', 'id="most-failed"', 'id="task-means"',
                 'id="similarity"'):
        assert part in text
    assert text.count('<tr class="student">') == 4
    assert 'href="../fb/zoe.html"' in text  # the last batch's feedback, linked from where the report is
    assert "http://" not in text and "https://" not in text and "<link" not in text  # nothing fetched


def test_a_relative_path_is_read_as_its_commit(tmp_path, monkeypatch):
    """Found on the field corpus: a repository named by a relative path had its commit
    unreadable (the private git directory linked to a relative path), so the folder was graded
    as it is, with a note."""
    from grader.sources import opened

    repo = Repo(tmp_path / "r")
    repo.commit("Add the readme of the service", {"README.md": "# r\n"})
    (tmp_path / "r" / "untracked.txt").write_text("x\n")
    monkeypatch.chdir(tmp_path)
    with opened("r") as source:
        assert not any("can't be read" in n for n in source.notes), source.notes
        assert source.tree is not None  # the commit's files, read from its objects
        assert "README.md" in source.tree.order and "untracked.txt" not in source.tree.order
