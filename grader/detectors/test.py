"""Test: test files with real assertions, and a pipeline that runs them."""

from __future__ import annotations

from grader.detectors import detector
from grader.detectors.build import NO_PIPELINE, step_evidence, step_with, where_it_belongs
from grader.detectors.common import plural
from grader.evidence import testfiles
from grader.evidence.pipeline import read_pipelines
from grader.model import Finding, Location


def _summary(files):
    real = sum(len(f.real_tests) for f in files)
    total = sum(len(f.tests) for f in files)
    langs = sorted({f.language for f in files if f.real_tests})
    return real, total, langs


@detector(
    "test-files",
    title="Tests with real assertions",
    looks_for="At least `min_tests` test functions that each hold a real assertion: pytest and "
    "unittest (read with Python's `ast`), Jest/Mocha/Vitest, Go, JUnit, RSpec and bats test "
    "files. Trivially true assertions (`assert True`, `expect(true).toBe(true)`, "
    "`assertTrue(true)`) and empty tests don't count.",
    why="Automated tests are the safety net that lets every commit flow to production: only an "
    "assertion that can fail tests anything.",
    params={"min_tests": {"type": "integer", "minimum": 1, "maximum": 10000}},
    defaults={"min_tests": 3},
)
def test_files(sub, p):
    files = testfiles.scan(sub)
    real, total, langs = _summary(files)
    evidence = testfiles.locations(files)
    if not files:
        return Finding.failed("no test files found (e.g. tests/test_*.py, *.test.js, *_test.go)")
    if real == 0:
        where = [Location(f.path, f.tests[0][1] if f.tests else 1) for f in files[:3]]
        return Finding.failed(
            f"{plural(len(files), 'test file')} with {plural(total, 'test')}, but none asserts "
            "anything that can fail (trivial or missing assertions)",
            where,
        )
    return Finding.ratio(
        real / p["min_tests"],
        f"{plural(real, 'test')} with real assertions ({', '.join(langs)}) in "
        f"{plural(len([f for f in files if f.real_tests]), 'file')}"
        + (f"; {total - real} without a real assertion" if total > real else ""),
        evidence,
    )


@detector(
    "ci-runs-tests",
    title="Pipeline runs the tests",
    looks_for="A step of an automatic pipeline that runs a test command (`pytest`, `npm test`, "
    "`go test`, `mvn test`, `gradle test`, `rspec`, `bats`...) — and real tests behind it: a "
    "test command with no tests to run doesn't count.",
    why="Tests that never run in CI protect nothing; fast feedback means every push runs them "
    "and a failure stops the pipeline.",
)
def ci_runs_tests(sub, p):
    if not read_pipelines(sub):
        return Finding.failed(NO_PIPELINE)
    hit = next(step_with(sub, "test"), None)
    real, total, _ = _summary(testfiles.scan(sub))
    if hit is None:
        if real:
            return Finding.failed(f"{plural(real, 'real test')} exist, but no automatic pipeline step runs them",
                                  where_it_belongs(sub))
        return Finding.failed("no automatic pipeline step runs tests", where_it_belongs(sub))
    pipe, job, _, step = hit
    where, what = step_evidence(pipe, step, "test")
    if not real:
        return Finding.failed(
            f"job `{job.id}` runs `{what}`, but there are no real tests behind it", [where]
        )
    return Finding.passed(f"job `{job.id}` runs the tests: {what} ({plural(real, 'real test')})", [where])
