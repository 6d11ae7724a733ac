"""Splitting a command line into words (shlex) takes time that grows with the square of a word's
length, so no command line longer than ``MAX_WORDS_TEXT`` is ever handed to it: a 100,000-character
word after ``ssh``, ``bash``, ``make`` or ``docker build`` (a line of generated data in a script)
is read by the linear splitter alone. Checked by what reaches shlex, not by a clock."""

from __future__ import annotations

import shlex

import pytest

from grader.evidence.ci import read_pipelines
from grader.evidence.shell import lexer, shell_words, split_script
from grader.submission import Submission

LONG = "node_modules/" * 8_000  # 104,000 characters, one word

WORKFLOW = "on: [push]\njobs:\n  ci:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {cmd}\n"


@pytest.fixture
def longest_split(monkeypatch):
    seen = [0]
    real = shlex.split

    def spy(text, *args, **kwargs):
        seen[0] = max(seen[0], len(text))
        return real(text, *args, **kwargs)

    monkeypatch.setattr(shlex, "split", spy)
    return seen


@pytest.mark.parametrize("cmd", [f"ssh deploy@host {LONG}", f"bash {LONG}", f"make {LONG}",
                                 f"docker build -t {LONG} .", f"./{LONG}.sh", f'echo "{LONG}"'])
def test_no_long_line_reaches_shlex(tmp_path, longest_split, cmd):
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW.format(cmd=cmd))
    (tmp_path / "Makefile").write_text("build:\n\tgo build\n")
    sub = Submission(tmp_path)
    commands = read_pipelines(sub)[0].jobs[0].steps[0].commands
    assert commands[0].text.startswith(cmd.split()[0])
    split_script(cmd, 1)
    assert longest_split[0] <= lexer.MAX_WORDS_TEXT


def test_shell_words_reads_what_it_can():
    assert shell_words("ssh -i key host 'docker compose up -d'") == ["ssh", "-i", "key", "host", "docker compose up -d"]
    assert shell_words("echo 'unclosed") is None
    assert shell_words("x" * (lexer.MAX_WORDS_TEXT + 1)) is None
