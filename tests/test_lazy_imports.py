"""The lazy-import design: each command imports only what it needs (not a timed test)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import SAMPLES

HEAVY = ("git", "jsonschema", "rich", "yaml", "markdown_it", "typer", "hypothesis")


def imported_after(args: list[str]) -> set[str]:
    code = (
        "import sys, io, contextlib\n"
        "from grader.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main({args!r})\n"
        "import json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_version_imports_nothing_heavy():
    assert not imported_after(["--version"]) & (set(HEAVY) - {"typer"})


def test_json_grading_needs_no_rich_jsonschema_or_gitpython():
    mods = imported_after([str(SAMPLES / "complete.bundle"), "--format", "json"])
    assert "yaml" in mods and "typer" in mods  # one typer application parses every command line
    assert not mods & {"git", "jsonschema", "rich", "hypothesis"}
    # the sample's documents are plain markdown: the quick scanner reads them, not markdown-it
    assert "markdown_it" not in mods


def test_grading_builds_only_the_grade_command():
    """The application a command line runs registers that command alone: grading imports none
    of the class commands' modules (nor the rubric commands'), while ``--help`` lists them all."""
    code = (
        "import sys, io, contextlib, json\n"
        "from grader.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main({[str(SAMPLES / 'complete.bundle'), '--format', 'json']!r})\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    mods = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "grader.cli.grade" in mods
    assert not mods & {"grader.cli.class_", "grader.cli.grades", "grader.cli.rubric", "grader.cli.progress"}
    listed = subprocess.run([sys.executable, "-m", "grader", "--help"], capture_output=True, text=True,
                            timeout=60, check=True).stdout
    for name in ("grade", "init", "explain", "batch", "merge", "report", "rubric", "grades"):
        assert f"  {name} " in listed


def test_table_grading_needs_rich_but_not_jsonschema():
    mods = imported_after([str(SAMPLES / "starter.bundle"), "--no-color"])
    assert "rich" in mods and not mods & {"git", "jsonschema"}


def test_devops_loop_without_markdown_files_never_imports_markdown_it(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    mods = imported_after([str(tmp_path), "--rubric", "devops-loop", "--format", "json"])
    assert "markdown_it" not in mods


def test_archive_modules_only_for_archives(tmp_path):
    """tarfile and zipfile are imported when an archive is read, not to grade a folder."""
    (tmp_path / "app.py").write_text("x = 1\n")
    mods = imported_after([str(tmp_path), "--rubric", "devops-loop", "--format", "json"])
    assert not mods & {"tarfile", "zipfile"}


def test_a_rubric_without_written_checks_never_imports_the_written_work_readers(tmp_path):
    """devops-loop grades no written work: its detector module is registered, but the readers
    (the course's fingerprints, the stemmer, the lexicon, pictures) are imported by the checks
    that read written work, when they run."""
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "README.md").write_text("# App\n\n## Plan\nStories in Jira.\n")
    code = (
        "import sys, io, contextlib, json\n"
        "from grader.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main({[str(tmp_path), '--rubric', 'devops-loop', '--format', 'json', '--no-fail']!r})\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    mods = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "grader.detectors.written" in mods
    assert not {m for m in mods if m.startswith(("grader.evidence.written", "snowballstemmer"))}
    with_written = imported_after([str(SAMPLES / "complete.bundle"), "--format", "json"])
    assert "snowballstemmer" in with_written  # the exercise's rubric does read it


_COMPILES_AT_IMPORT = (
    "import importlib, pkgutil, re, sys\n"
    "import re._compiler as compiler\n"
    "ours = []\n"
    "original = compiler.compile\n"
    "def counted(pattern, flags=0):\n"
    "    frame = sys._getframe(1)\n"
    "    while frame and frame.f_code.co_filename.endswith(('/re/__init__.py', '/re/_compiler.py')):\n"
    "        frame = frame.f_back\n"
    "    if frame and '/grader/' in frame.f_code.co_filename:\n"
    "        ours.append(f'{frame.f_code.co_filename}:{frame.f_lineno}')\n"
    "    return original(pattern, flags)\n"
    "compiler.compile = counted\n"
    "import grader\n"
    "for info in pkgutil.walk_packages(grader.__path__, 'grader.'):\n"
    "    if not info.name.endswith('__main__'):\n"
    "        importlib.import_module(info.name)\n"
    "print('\\n'.join(ours))\n"
)

# Patterns compiled at import by the modules that issue 26's git-object work rewrites (the
# submission's index, git and batch): left to that work.
_NOT_YET = ("/grader/submission.py:", "/grader/git/", "/grader/batch/")


def test_importing_every_module_compiles_none_of_our_patterns():
    """loopcheck's own patterns are compiled on first use by the check that needs them
    (``grader.patterns.lazy``), not when their module is imported: a run whose rubric leaves a
    check out never compiles that check's patterns."""
    out = subprocess.run([sys.executable, "-c", _COMPILES_AT_IMPORT], capture_output=True, text=True,
                         timeout=120, check=True)
    compiled = [line for line in out.stdout.splitlines() if line and not any(n in line for n in _NOT_YET)]
    assert not compiled, "compiled at import:\n" + "\n".join(compiled)


def test_a_lazy_pattern_compiles_once_on_first_use():
    from grader.patterns import compiled, lazy

    pattern = lazy(r"\bci\b", 2)
    assert pattern.pattern == r"\bci\b" and pattern.flags == 2  # read without compiling
    assert "search" not in vars(pattern)
    assert pattern.search("the CI ran").group(0) == "CI"
    bound = vars(pattern)["search"]  # the compiled pattern's own method, bound once
    assert pattern.search is bound and pattern.sub("-", "ci and Ci") == "- and -"
    assert compiled(pattern) is not None and compiled(pattern).pattern == r"\bci\b"
    assert compiled("not a pattern") is None
