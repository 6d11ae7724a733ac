"""What a learner reads (issue 27, item 7): under the tables a "Next:" block of the three largest
gains with ``file:line``; the findings ordered by the points they would gain, each message said
once (Task 2's three checks share one); notes headed as notes for the learner ("For the
instructor" is for instructors' outputs); an uncommitted repository told to commit, without
git's "fatal:"; the unreadable history not counted as "a file"."""

from __future__ import annotations

import re
import subprocess

import pytest

from conftest import ROOT, SAMPLES
from grader.cli import main

HALF = str(SAMPLES / "half-done.bundle")


def run(args, capsys) -> str:
    main(args)
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def half_done():
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main([HALF, "--no-color"])
    return out.getvalue()


def test_next_lists_the_three_largest_gains_with_where_to_start(half_done):
    assert "Next: the largest gains" in half_done
    block = half_done.split("Next: the largest gains\n")[1].split("\n\n")[0]
    gains = [float(m) for m in re.findall(r"^  \+(\d+(?:\.\d+)?)", block, re.M)]
    assert gains == sorted(gains, reverse=True) and len(gains) == 3
    assert gains[0] == 12  # Task 2's three checks: one finding, 12 points to gain
    assert len(re.findall(r"\.md:\d+", block)) == 3
    # under the tables, before the findings
    assert half_done.index("task ") < half_done.index("Next:") < half_done.index("What to fix")


def test_findings_are_ordered_by_points_and_said_once(half_done):
    body = half_done.split("What to fix, largest gains first\n")[1].split("\nTotal ")[0]
    message = "2 loops (needs 5): 2 say what flows back and how, 2 give a speed"
    assert " ".join(half_done.split()).count(message) == 1
    lost = []  # each finding's points to gain, in the order shown: its check lines come first
    for block in re.split(r"\n(?=  [✘◐!] )", body):
        pairs = re.findall(r"^  [✘◐!] .*?  ([\d.]+)/([\d.]+)  ", block, re.M)
        if pairs:
            lost.append(sum(float(b) - float(a) for a, b in pairs))
    findings = [lost[0] + lost[1] + lost[2], *lost[3:]]  # Task 2's three lines share one message
    assert findings == sorted(findings, reverse=True) and findings[0] == 12


def test_notes_are_headed_for_the_learner(half_done, capsys):
    assert "Notes for you:" in half_done and "For the instructor" not in half_done
    markdown = run([HALF, "-f", "markdown"], capsys)
    assert "### Notes" in markdown and "For the instructor" not in markdown


def test_a_repository_with_nothing_committed_is_told_to_commit(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README.md").write_text("# reminders\n")
    out = run([str(repo), "--no-color"], capsys)
    flat = " ".join(out.split())
    assert "nothing committed yet — commit your work" in flat
    assert "fatal:" not in out
    assert "file(s) could not be read" not in out  # .git is not a file
    assert "The git history could not be read" in out


def test_pictures_to_be_viewed_are_said_as_such(tmp_path, capsys):
    """A picture handed in is listed for the learner as to be viewed by the instructor (loopcheck
    does not read pictures), once: not again among the notes."""
    diagram = tmp_path / "exercises" / "module-01" / "exercise-04" / "bonus-diagram.png"
    diagram.parent.mkdir(parents=True)
    picture = ROOT / "benchmarks" / "written" / "rB" / "wrong-focus" / "exercises" / "module-01" / "exercise-04"
    diagram.write_bytes((picture / "bonus-diagram.png").read_bytes())  # a real picture of a loop
    out = " ".join(run([str(tmp_path), "--no-color"], capsys).split())
    assert "to be viewed by your instructor (pictures are not read): exercises/module-01/exercise-04/bonus-diagram.png" in out
    assert out.count("bonus-diagram.png") == 1
    markdown = run([str(tmp_path), "-f", "markdown"], capsys)
    assert "To be viewed by your instructor" in markdown and markdown.count("bonus-diagram.png") == 1
