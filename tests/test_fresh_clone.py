"""The README's test command on a fresh clone with nothing beside it: the tests that need the
course's own material (``shared/`` beside the project, which loopcheck does not ship) skip with
the reason, and CI's ``LOOPCHECK_REQUIRE_SHARED=1`` turns that absence into a failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REQUIRE_SHARED, ROOT, working_tree_clone

# every test that reads shared/: run in the clone, they must skip, not fail or error
NEEDS_SHARED = ["tests/test_handgraded.py", "tests/test_detectors_written.py::test_text_copied_from_the_lesson_is_recognised"]
# the two of them that need the lesson itself: the ones CI's variable turns into failures (run
# alone the second time: the rest was measured by the first run)
LESSON_TESTS = ["tests/test_handgraded.py::test_a_submission_pasted_from_the_lesson_is_graded_like_the_hand_grade",
                "tests/test_detectors_written.py::test_text_copied_from_the_lesson_is_recognised"]


def run_tests(clone: Path, *tests: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k != REQUIRE_SHARED and not k.startswith("PYTEST")}
    return subprocess.run([sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", *(tests or NEEDS_SHARED)],
                          cwd=clone, env={**base, **env}, capture_output=True, text=True, timeout=600)


def test_a_fresh_clone_skips_what_needs_the_course_material_and_ci_fails_it(tmp_path):
    clone = working_tree_clone(tmp_path / "loopcheck")
    assert not any((p / "shared").exists() for p in clone.parents), "the clone must have nothing beside it"
    proc = run_tests(clone)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "failed" not in out and "error" not in out.lower(), out
    assert "needs the course material shared/seeds/lesson-04-devops-infinity-loop.md" in out, out
    assert "2 skipped" in out, out  # the lesson-copy test and the pasted submission's own test
    assert " passed" in out, out  # the other nine hand-graded submissions are still measured

    strict = run_tests(clone, *LESSON_TESTS, **{REQUIRE_SHARED: "1"})
    out = strict.stdout + strict.stderr
    assert strict.returncode == 1, out
    assert "2 failed" in out and f"{REQUIRE_SHARED} is set, so its absence is a failure" in out, out


def test_ci_requires_the_course_material():
    script = (ROOT / ".ci" / "run").read_text()
    assert f"export {REQUIRE_SHARED}=1" in script
