"""One budget for all evidence work (promise: "bounded in time and memory whatever the files
contain"): every expander — GitLab ``extends`` and ``!reference``, composite actions, CircleCI
commands, Tekton tasks, Make targets, ``workflow_call`` links, Terraform resources — works out
each definition once and spends from one per-submission budget, so a small file that names one
definition many times, or a definition that names itself, costs work linear in its size.

Work is counted, not timed: scripts split into commands (calls and bytes), ``extends`` merges,
workflow links, Terraform body bytes. Each shape is read at two sizes where quadratic or
exponential growth is unmistakable; a probe stops a read that goes past a generous bound, so
the unbounded code fails here at once instead of hanging."""

from __future__ import annotations

import sys

import pytest

from conftest import write_tree
from grader.evidence import budget as evidence_budget
from grader.evidence.ci import read_pipelines
from grader.evidence.ci.model import Pipeline
from grader.evidence.shell import lexer as commands
from grader.submission import Submission

LIMIT = 3_000_000  # units of work past which a read is stopped: far beyond the budget's


class TooMuchWork(BaseException):
    pass


class Probe:
    def __init__(self):
        self.work = 0

    def add(self, n: int) -> None:
        self.work += n
        if self.work > LIMIT:
            raise TooMuchWork(self.work)


@pytest.fixture
def probe(monkeypatch):
    """Counts the work of a read: each script split (one unit and one per byte), each GitLab
    extends merge, each look at whether a workflow runs on its own."""
    p = Probe()
    real_split = commands.split_script

    def split(text, line=1, *args, **kwargs):
        p.add(1 + len(text))
        return real_split(text, line, *args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("grader.") and getattr(module, "split_script", None) is real_split:
            monkeypatch.setattr(module, "split_script", split)
    from grader.evidence.ci import gitlab

    real_extends = gitlab._gitlab_extends

    def extends(*args, **kwargs):
        p.add(1)
        return real_extends(*args, **kwargs)

    monkeypatch.setattr(gitlab, "_gitlab_extends", extends)
    real_automatic = Pipeline.automatic

    def automatic(self):
        p.add(1)
        return real_automatic.fget(self)

    monkeypatch.setattr(Pipeline, "automatic", property(automatic))
    return p


def _work(tmp_path, probe, files: dict, name: str) -> int:
    sub = Submission(write_tree(tmp_path / name, files))
    probe.work = 0
    read_pipelines(sub)
    spent = evidence_budget.of(sub)
    # the last spend may pass the budget by what it tried to add (at most a step's worth)
    assert spent.steps <= spent.max_steps + 1_000 and spent.bytes <= spent.max_bytes + 1_000_000
    return probe.work


def gitlab_extends(n):
    return {".gitlab-ci.yml": "b:\n  script: [echo b]\n  extends: [" + ", ".join(["b"] * n) + "]\n"}


def gitlab_extends_chain(n):
    jobs = ["j0:\n  script: [echo hi]\n"] + [f"j{i}:\n  extends: [" + ", ".join([f"j{i - 1}"] * n) + "]\n"
                                            for i in range(1, 12)]
    return {".gitlab-ci.yml": "".join(jobs) + "job:\n  extends: [j11]\n"}


def gitlab_reference(n):
    script = "\n".join(f"      echo line {i} && make t{i}" for i in range(400))
    return {".gitlab-ci.yml": ".s:\n  script:\n    - |\n" + script + "\njob:\n  script:\n"
            + "    - !reference [.s, script]\n" * n}


def composite_self(n):
    steps = "    - uses: ./.github/actions/a\n" * n
    return {".github/actions/a/action.yml": "name: a\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n"
                                            "      shell: bash\n" + steps,
            ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                                        "      - uses: ./.github/actions/a\n"}


def composite_chain(n):
    files = {".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                                         "      - uses: ./.github/actions/a0\n"}
    for i in range(4):
        steps = f"    - uses: ./.github/actions/a{i + 1}\n" * n if i < 3 else "    - run: echo hi\n      shell: bash\n"
        files[f".github/actions/a{i}/action.yml"] = "name: a\nruns:\n  using: composite\n  steps:\n" + steps
    return files


def circleci_commands(n):
    script = "\n".join(f"            echo line {i} && make t{i}" for i in range(400))
    return {".circleci/config.yml": "version: 2.1\ncommands:\n  c:\n    steps:\n      - run:\n          command: |\n"
            + script + "\njobs:\n  build:\n    docker: [{image: x}]\n    steps:\n" + "      - c\n" * n
            + "workflows:\n  w:\n    jobs: [build]\n"}


def tekton_tasks(n):
    script = "\n".join(f"          echo {i} && make t{i}" for i in range(400))
    return {".tekton/task.yaml": "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: t\nspec:\n  steps:\n"
                                 "    - name: s\n      image: x\n      script: |\n" + script + "\n",
            ".tekton/pipeline.yaml": "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n"
                                     "  tasks:\n" + "".join(f"    - name: t{i}\n      taskRef:\n        name: t\n"
                                                            for i in range(n))}


def make_steps(n):
    return {"Makefile": "all:\n" + "".join(f"\techo {i} && cc -o t{i} t{i}.c\n" for i in range(400)),
            ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                                        + "      - run: make all\n" * n}


def workflow_call(n):
    files = {".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    uses: ./.github/workflows/w0.yml\n"}
    for i in range(n):
        files[f".github/workflows/w{i}.yml"] = ("on: workflow_call\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                                                "      - run: make test\n")
    return files


SHAPES = {  # shape: (builder, small size, large size)
    "GitLab extends naming one job n times": (gitlab_extends, 4, 8),
    "GitLab extends chain, each naming the last n times": (gitlab_extends_chain, 3, 6),
    "GitLab !reference to one long script, n times": (gitlab_reference, 300, 600),
    "composite action using itself n times": (composite_self, 40, 80),
    "composite actions four deep, each using the next n times": (composite_chain, 20, 40),
    "CircleCI command repeating one long script, n uses": (circleci_commands, 200, 400),
    "Tekton pipeline of n tasks naming one Task": (tekton_tasks, 200, 400),
    "`make all` in n steps": (make_steps, 200, 400),
    "n reusable workflows (workflow_call)": (workflow_call, 500, 1000),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_expansion_work_grows_linearly_and_stays_within_the_budget(tmp_path, probe, shape):
    build, small, large = SHAPES[shape]
    try:
        a = _work(tmp_path, probe, build(small), "small")
        b = _work(tmp_path, probe, build(large), "large")
    except TooMuchWork as exc:
        pytest.fail(f"{shape}: more than {LIMIT:,} units of work ({exc})")
    assert b <= 2.5 * a + 10_000, f"{shape}: work {a:,} → {b:,} when the input doubles"


def test_a_definition_is_split_once_however_often_it_is_used(tmp_path, probe):
    """`make all` in 400 steps splits the target once, not 400 times."""
    once = _work(tmp_path, probe, make_steps(1), "one")
    many = _work(tmp_path, probe, make_steps(400), "many")
    assert many <= once + 400 * 50


def test_what_the_budget_could_not_follow_is_said(tmp_path, monkeypatch):
    monkeypatch.setattr(evidence_budget, "MAX_STEPS", 500)
    monkeypatch.setattr(evidence_budget.Budget.__init__, "__defaults__", (500, evidence_budget.MAX_BYTES))
    sub = Submission(write_tree(tmp_path, make_steps(50)))
    pipes = read_pipelines(sub)
    assert pipes and "(evidence)" in sub.problems and "ran out" in sub.problems["(evidence)"]


def _tf_bytes(tmp_path, n: int) -> int:
    from grader.evidence import infra

    sub = Submission(write_tree(tmp_path / f"tf{n}", {
        "main.tf": "".join(f'resource "aws_instance" "r{i}" {{\n  ami = "x"\n' for i in range(n))}))
    found = infra.terraform_resources(sub)
    assert len(found) == n and found[-1][1] == 2 * n - 1  # each resource found, on its own line
    return sum(len(body) for _p, _l, _t, body in found)


def test_unclosed_terraform_resources_are_read_in_one_pass(tmp_path):
    """A .tf file of unclosed resource headers: each body ends where the next resource starts."""
    a, b = _tf_bytes(tmp_path, 2000), _tf_bytes(tmp_path, 4000)
    assert b <= 2.5 * a


def test_a_read_cut_short_is_not_started_again_by_every_check(tmp_path, monkeypatch):
    from grader import detectors

    sub = Submission(write_tree(tmp_path, make_steps(3)))
    calls = {"n": 0}
    from grader.evidence import ci

    real = ci.reader_for

    def slow(path):
        calls["n"] += 1
        raise detectors._Overtime  # the check's time budget strikes during the read

    monkeypatch.setattr(ci, "reader_for", slow)
    first = detectors.run(sub, "ci-trigger", {})
    monkeypatch.setattr(ci, "reader_for", real)
    second = detectors.run(sub, "ci-trigger", {})
    assert first.status == "error" and second.status == "error" and "cut short" in second.message
    assert calls["n"] == 1


def test_a_deployment_with_an_empty_spec_is_read(tmp_path):
    from grader import detectors

    sub = Submission(write_tree(tmp_path, {"k8s/d.yaml": "apiVersion: apps/v1\nkind: Deployment\n"
                                                          "metadata:\n  name: x\nspec:\n"}))
    finding = detectors.run(sub, "metrics-collection", {})
    assert "internal error" not in finding.message


def test_hints_are_phrased_inside_the_grading_budget(tmp_path):
    """When the grading's --timeout is spent, the hints don't read every pipeline once more."""
    from grader import rubric
    from grader.scoring import grade_submission

    sub = Submission(write_tree(tmp_path, make_steps(50)))
    report = grade_submission(sub, rubric.load("devops-loop"), timeout=1e-9)
    assert sub.memo("pipelines") is None and report.max_score == 0  # nothing read, nothing judged
