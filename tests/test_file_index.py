"""The submission's file index answers by name as a scan over every file would: ``by_suffix``
from its extension index, test files by their names (fast paths for ``.go`` and ``.py``), the
runners' configured patterns matched as :func:`fnmatch.fnmatchcase` matches them."""

from __future__ import annotations

import fnmatch

from grader.evidence.testfiles import (
    _configured_language,
    _configured_matchers,
    _literal_tail,
    is_test_path,
    language_of,
)
from grader.submission import Submission

NAMES = [
    "README.md", "Dockerfile", "docs/Plan.MD", "k8s/app.yaml", "ci/pipeline.YML", "roles/x/templates/p.yml.j2",
    "a.b/c", "a.b/c.d", "pkg/x_test.go", "pkg/x.go", "pkg/test/helper.go", "tests/test_app.py", "app/app_test.py",
    "app/app.py", "web/app.test.ts", "web/__tests__/a.js", "web/test/util.js", "spec/models/user_spec.rb",
    "src/test/java/AppTest.java", "noext", ".github/workflows/ci.yml", "x.postman_collection.json", "t/run.bats",
    "scripts/test-api.sh", "tests/CartTest.php", "App.Tests/UnitTest1.cs", "crate/tests/it.rs", "go.mod", "trailing.",
]


def test_by_suffix_is_the_scan_over_every_file(tmp_path):
    for rel in NAMES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x\n")
    sub = Submission(tmp_path)
    for suffixes in [(".yml", ".yaml"), (".yml.j2",), (".md",), ("_test.go",), (".d",), ("c",), ("dockerfile",),
                     (".", ".json"), ("/ci.yml",), (".MD", ".go"), ("",)]:
        want = [f for f in sub.files if f.lower().endswith(tuple(s.lower() for s in suffixes))]
        assert sub.by_suffix(*suffixes) == want, suffixes


def test_test_files_by_name():
    expected = {"pkg/x_test.go": "go", "pkg/x.go": None, "tests/test_app.py": "python", "app/app_test.py": "python",
                "app/app.py": None, "web/app.test.ts": "javascript", "web/test/util.js": "javascript",
                "spec/models/user_spec.rb": "ruby", "README.md": None}
    assert {p: language_of(p) for p in expected} == expected
    assert is_test_path("pkg/test/helper.go") and is_test_path("spec/x.txt") and not is_test_path("src/latest/x.txt")
    assert not is_test_path("pkg/x.go") and is_test_path("a/__tests__/b.txt")


def test_configured_patterns_match_as_fnmatch_does():
    patterns = [("python", "check_*.py"), ("javascript", "**/e2e/**/*.cy.js"), ("python", "**/it_*.py"),
                ("python", "tests.py"), ("javascript", "spec/[ab]?.js"), ("python", "odd[.py")]
    matchers = _configured_matchers(patterns)
    tails = tuple(_literal_tail(glob) for _lang, glob in patterns)
    for path in ["check_app.py", "a/check_b.py", "e2e/x/a.cy.js", "web/e2e/x/a.cy.js", "e2e/a.cy.js", "it_x.py",
                 "deep/it_y.py", "check.py", "README.md", "tests.py", "a/tests.py", "xtests.py", "spec/a1.js",
                 "spec/c1.js", "odd[.py", "odd.py"]:
        name = path.rsplit("/", 1)[-1]
        want = None
        for lang, glob in patterns:
            if "/" not in glob.replace("**/", ""):
                hit = fnmatch.fnmatchcase(name, glob.replace("**/", ""))
            else:
                hit = (fnmatch.fnmatchcase(path, glob.replace("**/", "*"))
                       or fnmatch.fnmatchcase(path, glob.replace("**/", "")))
            if hit:
                want = lang
                break
        assert _configured_language(path, matchers) == want, path
        # the literal tails only rule out paths no pattern can match
        assert _configured_language(path, matchers, tails) == want, path
