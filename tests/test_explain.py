"""``loopcheck explain`` speaks to the learner: what counts, why, how to fix it, in their words;
a check's parameters (and its kind) only with --verbose. Check ids are found whatever their case,
and a near miss is answered with the ids it may mean."""

from __future__ import annotations

from grader.cli import main


def explain(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["explain", *args])
    out, err = capsys.readouterr()
    return code, " ".join(out.split()), err


def test_explain_speaks_to_the_learner_and_keeps_parameters_for_verbose(capsys):
    code, out, _ = explain(capsys, "task2.loops")
    assert code == 0
    assert "How to fix it" in out and "Describe at least five loops" in out
    assert "the learner" not in out and "wherever you wrote them" in out
    assert "min_loops" not in out and "With:" not in out and "kind feedback-loops" not in out
    assert "`score` picks" not in out
    code, verbose, _ = explain(capsys, "task2.loops", "--verbose")
    assert code == 0 and "min_loops=5" in verbose and "kind feedback-loops" in verbose and "`score` picks" in verbose


def test_a_zero_point_check_says_it_is_evidence(capsys):
    code, out, _ = explain(capsys, "deploy.rollback-on-failure")
    assert code == 0 and "0 points" not in out
    assert "no points on its own" in out


def test_ids_are_found_whatever_their_case(capsys):
    code, out, _ = explain(capsys, "Deploy.Rollback-On-Failure")
    assert code == 0 and out.startswith("deploy.rollback-on-failure — ")


def test_a_near_miss_suggests_the_ids_it_may_mean(capsys):
    code, _, err = explain(capsys, "deploy.rollbak")
    assert code == 2 and "deploy.rollback-on-failure" in err and "did you mean" in err
    code, _, err = explain(capsys, "feedback-loops")
    assert code == 2 and "task2.loops" in err
