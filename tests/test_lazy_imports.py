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


def test_table_grading_needs_rich_but_not_jsonschema():
    mods = imported_after([str(SAMPLES / "starter.bundle"), "--no-color"])
    assert "rich" in mods and not mods & {"git", "jsonschema"}


def test_devops_loop_without_markdown_files_never_imports_markdown_it(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    mods = imported_after([str(tmp_path), "--rubric", "devops-loop", "--format", "json"])
    assert "markdown_it" not in mods
