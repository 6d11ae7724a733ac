"""Following what a step runs through the repository stays bounded whatever the repository
holds (promise: "bounded in time and memory"): cycles stop where they close, chains stop at the
depth bound, and no step grows past the size bound. The work is counted as the Python function
calls reading the pipelines makes (a few thousand here; an unbounded cycle or fan-out makes
millions), not timed."""

from __future__ import annotations

import json

from conftest import python_calls
from grader.evidence import resolve
from grader.evidence.ci import read_pipelines
from grader.submission import Submission

WORKFLOW = "on: [push]\njobs:\n  ci:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {cmd}\n"


def pipeline_commands(tmp_path, files: dict[str, str], cmd: str):
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW.format(cmd=cmd))
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    pipes, calls = python_calls(read_pipelines, Submission(tmp_path))
    return pipes[0].jobs[0].steps[0].commands, calls


def test_a_script_that_runs_itself_stops(tmp_path):
    cmds, calls = pipeline_commands(tmp_path, {"loop.sh": "#!/bin/sh\n./loop.sh\n./loop.sh\n"}, "./loop.sh")
    assert calls < 50_000 and len(cmds) <= 1 + 2 * resolve.MAX_DEPTH


def test_make_targets_that_need_each_other_stop(tmp_path):
    cmds, calls = pipeline_commands(tmp_path, {"Makefile": "a: b\n\t$(MAKE) b\nb: a\n\t$(MAKE) a\n"}, "make a")
    assert calls < 50_000 and len(cmds) < 20


def test_npm_scripts_that_call_each_other_stop(tmp_path):
    scripts = {"a": "npm run b && npm run b", "b": "npm run a && npm run a"}
    cmds, calls = pipeline_commands(tmp_path, {"package.json": json.dumps({"scripts": scripts})}, "npm run a")
    assert calls < 50_000 and len(cmds) < 50


def test_a_deep_chain_stops_at_the_depth_bound(tmp_path):
    files = {f"s{i}.sh": f"#!/bin/sh\n./s{i + 1}.sh\n" for i in range(200)}
    cmds, calls = pipeline_commands(tmp_path, files, "./s0.sh")
    assert calls < 50_000 and len(cmds) == 1 + resolve.MAX_DEPTH


def test_a_wide_fan_out_stops_at_the_size_bound(tmp_path):
    targets = "".join(f"t{i}:\n" + "".join(f"\techo {j}\n" for j in range(50)) for i in range(400))
    all_rule = "all: " + " ".join(f"t{i}" for i in range(400)) + "\n"
    cmds, calls = pipeline_commands(tmp_path, {"Makefile": all_rule + targets}, "make all")
    assert calls < 2_000_000 and len(cmds) <= 1 + resolve.MAX_ADDED


def test_a_script_outside_the_submission_is_not_read(tmp_path):
    (tmp_path.parent / "outside.sh").write_text("#!/bin/sh\nkubectl apply -f secret/\n")
    cmds, _ = pipeline_commands(tmp_path, {}, "../outside.sh && bash /etc/profile")
    assert [c.text for c in cmds] == ["../outside.sh", "bash /etc/profile"]


def test_circleci_commands_that_fan_out_stay_bounded(tmp_path):
    from grader.evidence.ci import circleci

    commands = {f"c{d}": {"steps": [f"c{d + 1}"] * 30} for d in range(6)}
    commands["c6"] = {"steps": [{"run": "echo hi"}] * 30}
    (tmp_path / ".circleci").mkdir()
    (tmp_path / ".circleci" / "config.yml").write_text(json.dumps(
        {"version": 2.1, "commands": commands, "jobs": {"j": {"docker": [{"image": "x"}], "steps": ["c0"]}}}))
    pipes, calls = python_calls(read_pipelines, Submission(tmp_path))
    assert calls < 100_000  # followed in full, the fan-out is 30**6 steps
    assert len(pipes[0].jobs[0].steps) <= circleci.MAX_STEPS


def test_gitlab_references_that_fan_out_stay_bounded(tmp_path):
    from grader.evidence.ci import gitlab

    doc = {f".r{d}": {"script": [["." + f"r{d + 1}", "script"]] * 30} for d in range(6)}
    doc[".r6"] = {"script": ["echo hi"] * 30}
    doc["test"] = {"script": [[".r0", "script"]]}
    (tmp_path / ".gitlab-ci.yml").write_text(json.dumps(doc))
    pipes, calls = python_calls(read_pipelines, Submission(tmp_path))
    assert calls < 1_000_000  # followed in full, the fan-out is 30**6 lines
    assert sum(len(s.commands) for s in pipes[0].jobs[0].steps) <= gitlab.MAX_SCRIPT_LINES


def test_a_huge_dockerfile_adds_at_most_the_size_bound(tmp_path):
    dockerfile = "FROM alpine AS a\n" + "RUN echo step && true\n" * 50_000
    cmds, calls = pipeline_commands(tmp_path, {"Dockerfile": dockerfile}, "docker build -t x .")
    assert calls < 50_000 and len(cmds) <= 1 + resolve.MAX_ADDED


def test_dockerfile_stages_that_name_each_other_stop(tmp_path):
    """A stage can only build on one before it: a loop of names reads each stage once."""
    dockerfile = "FROM b AS a\nRUN pytest\nFROM a AS b\nCOPY --from=b / /\nRUN make test\nFROM b AS c\nRUN go test ./...\n"
    cmds, calls = pipeline_commands(tmp_path, {"Dockerfile": dockerfile}, "docker build --target c .")
    assert calls < 50_000 and [c.text for c in cmds[1:]] == ["pytest", "make test", "go test ./..."]


def test_an_image_build_outside_the_repository_is_not_read(tmp_path):
    cmds, _calls = pipeline_commands(tmp_path, {}, "docker build -f ../../etc/Dockerfile ..")
    assert len(cmds) == 1


def test_a_run_line_nested_to_break_the_json_parser_is_only_text(tmp_path):
    dockerfile = "FROM alpine\nRUN " + "[" * 100_000 + "\nRUN pytest\n"
    cmds, calls = pipeline_commands(tmp_path, {"Dockerfile": dockerfile}, "docker build .")
    assert calls < 50_000 and cmds[-1].text == "pytest"


def test_poe_tasks_that_refer_to_each_other_stop(tmp_path):
    cycle = '[tool.poe.tasks]\na = ["b", "b"]\nb = { sequence = [{ ref = "a" }, "c"] }\nc = { ref = "c" }\n'
    cmds, calls = pipeline_commands(tmp_path, {"pyproject.toml": cycle}, "poe a")
    assert calls < 50_000 and len(cmds) < 10
    # a chain of 3,000 tasks: read once (tomllib's parse is most of the work), walked to the bound
    chain = "[tool.poe.tasks]\n" + "".join(f'chain{i} = ["chain{i + 1}"]\n' for i in range(3000)) + 'chain3000 = "pytest"\n'
    cmds, calls = pipeline_commands(tmp_path / "chain", {"pyproject.toml": chain}, "poe chain0")
    assert calls < 1_000_000 and len(cmds) == 1  # deeper than the walker goes: the task is judged by its name


def test_a_huge_matrix_gives_a_step_a_bounded_number_of_scripts(tmp_path):
    from grader.evidence.ci.github import MAX_MATRIX

    axes = "".join(f"        a{i}: [{', '.join(str(j) for j in range(300))}]\n" for i in range(40))
    include = "        include:\n" + "".join(f"          - a0: x{j}\n" for j in range(3000))
    workflow = ("on: [push]\njobs:\n  ci:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n" + axes + include
                + "    steps:\n      - run: echo ${{ matrix.a0 }} ${{ matrix.a1 }} && make t${{ matrix.a0 }}\n")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(workflow)
    pipes, calls = python_calls(read_pipelines, Submission(tmp_path))
    scripts = {c.text for c in pipes[0].jobs[0].steps[0].commands if c.text.startswith("echo")}
    assert len(scripts) <= MAX_MATRIX and calls < 2_000_000
