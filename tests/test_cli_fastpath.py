"""The grade command's typer-free fast path must agree with typer on everything it accepts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import cli


def typer_options(argv: list[str], monkeypatch) -> dict | None:
    """What typer hands the grade command for argv (None when typer refuses the arguments)."""
    import typer

    seen: dict = {}

    def capture(**kwargs):
        seen.update(kwargs)
        return 0

    monkeypatch.setattr(cli, "_run_grade", capture)
    command = typer.main.get_command(cli._grade_app())
    try:
        command.main(args=list(argv), prog_name="loopcheck", standalone_mode=False)
    except typer.Exit:
        pass
    except Exception as exc:  # click usage errors
        if hasattr(exc, "show"):
            return None
        raise
    return seen or {"version": True}


ACCEPTED = [
    [],
    ["."],
    ["repo"],
    ["repo", "--format", "json"],
    ["-f", "json", "-o", "r.json", "repo"],
    ["-fjson", "-or.json", "--format=sarif", "--output=x.sarif", "repo"],
    ["--rubric", "devops-loop", "--fail-under", "75.5", "--no-fail", "repo"],
    ["-r", "my rubric.yaml", "--fail-under=0", "-v", "--no-color", "--debug"],
    ["--fail-under", "100", "--verbose", "rubric"],
    ["-r=x", "repo"],
    ["--version"],
    ["repo", "--version", "-v"],
]
REFUSED = [
    ["--help"],
    ["-h"],
    ["a", "b"],
    ["--bogus"],
    ["-vf", "json"],
    ["--rubric"],
    ["--rubric", "a", "--rubric", "b"],
    ["--rubric", "--verbose"],
    ["--fail-under", "150"],
    ["--fail-under", "1e1"],
    ["--fail-under", "-1"],
    ["--format="],
    ["--", "-weird"],
    ["-"],
    ["--no-fail=1"],
    ["--verb"],
]


@pytest.mark.parametrize("argv", ACCEPTED)
def test_fast_path_matches_typer(argv, monkeypatch):
    fast = cli._fast_parse(argv)
    assert fast is not None, argv
    assert fast == typer_options(argv, monkeypatch)


@pytest.mark.parametrize("argv", REFUSED)
def test_fast_path_leaves_the_rest_to_typer(argv):
    assert cli._fast_parse(argv) is None


TOKENS = st.sampled_from(["--rubric", "-r", "--format", "-f", "--output", "-o", "--fail-under",
                          "--no-fail", "--verbose", "-v", "--no-color", "--debug", "--version",
                          "-h", "--", "-", "json", "repo", "50", "150", "-fjson", "--format=json",
                          "--fail-under=20", "-x", "--rubric=r.yaml", "a=b", ""])


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKENS, max_size=6))
def test_fast_path_never_disagrees_with_typer(argv):
    fast = cli._fast_parse(argv)
    if fast is None:
        return
    with pytest.MonkeyPatch.context() as mp:
        assert fast == typer_options(argv, mp), argv


def test_main_grades_without_importing_typer(capsys, monkeypatch):
    import sys

    from conftest import SAMPLES

    monkeypatch.setitem(sys.modules, "typer", None)  # any import of typer now fails
    code = cli.main([str(SAMPLES / "complete.bundle"), "-f", "json", "--fail-under", "10"])
    assert code == 0
    assert '"phases"' in capsys.readouterr().out
