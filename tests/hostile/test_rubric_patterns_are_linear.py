"""Rubric patterns run through a linear engine (promise: "bounded in time whatever the files
contain", for the instructor's patterns too): a pattern of any shape a rubric supplies is run
by RE2, so a learner's heading built to make it backtrack is read like any other line — where
the old shape check let `\\w*\\w*\\w*!` through to Python's backtracking engine. What RE2 lacks
is refused when the rubric is read, in one line; RE2 is imported only for such patterns."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, write_tree
from grader import detectors
from grader.rubric import check_regex
from grader.submission import Submission

RUBRIC = ("id: evil\ntitle: evil\nversion: 1.0.0\npass_mark: 50\nphases:\n  plan:\n    checks:\n"
          "      - id: plan.ac\n        title: ac\n        kind: acceptance-criteria\n        points: 1\n        hint: h\n"
          "        params: {{heading_pattern: '{pattern}'}}\n"
          + "".join(f"  {p}:\n    checks: []\n" for p in ("code", "build", "test", "release", "deploy", "operate",
                                                           "monitor")))


@pytest.mark.parametrize("pattern, line", [(r"\w*\w*\w*!", "a" * 5000), (r"(a|aa)+$", "a" * 60 + "!"),
                                           (r"(\w+\s?)+$", "word " * 40 + "!")])
def test_a_backtracking_pattern_meets_a_line_built_for_it_and_is_judged(tmp_path, pattern, line):
    assert check_regex(pattern) is None  # any shape: the engine is linear
    sub = Submission(write_tree(tmp_path, {"docs/plan.md": f"# Plan\n## {line}\n- item\n- other\n"}))
    finding = detectors.run(sub, "acceptance-criteria", {"heading_pattern": pattern}, budget=2.0)
    assert finding.status in ("pass", "partial", "fail"), finding.message


def test_the_pattern_still_finds_what_it_names(tmp_path):
    sub = Submission(write_tree(tmp_path, {"docs/plan.md": "# Plan\n## DONE WHEN\n- it ships\n- it is watched\n"}))
    finding = detectors.run(sub, "acceptance-criteria", {"heading_pattern": r"done\s+when"})
    assert finding.status == "pass"


def test_syntax_the_linear_engine_lacks_is_a_one_line_rubric_error(tmp_path):
    rubric = tmp_path / "r.yml"
    rubric.write_text(RUBRIC.format(pattern=r"(?<=x)y"))
    proc = subprocess.run([sys.executable, "-m", "grader", str(tmp_path), "--rubric", str(rubric)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 2 and "lookaround" in proc.stderr and "r.yml:" in proc.stderr
    assert "re2.cc" not in proc.stderr and "Traceback" not in proc.stderr


def _modules(args: list[str]) -> set[str]:
    code = ("import sys, io, contextlib\nfrom grader.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()):\n    main({args!r})\n"
            "import json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_linear_engine_is_imported_only_for_a_rubric_pattern(tmp_path):
    write_tree(tmp_path / "sub", {"docs/plan.md": "# Plan\n## Acceptance criteria\n- a\n- b\n"})
    rubric = tmp_path / "r.yml"
    rubric.write_text(RUBRIC.format(pattern=r"acceptance\s+criteria"))
    assert "re2" not in _modules([str(tmp_path / "sub"), "-f", "json", "-r", "devops-loop"])
    assert "re2" in _modules([str(tmp_path / "sub"), "-f", "json", "-r", str(rubric)])
