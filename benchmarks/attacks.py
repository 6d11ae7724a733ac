"""Time and peak memory of single-mode gradings of hostile submissions, for one or two loopcheck
checkouts (issue 17's before/after table).

    python benchmarks/attacks.py                       # this checkout
    python benchmarks/attacks.py --before /tmp/old     # and an older checkout (git worktree)

Each attack is built here, in a temporary folder (nothing committed), and graded by
``python -m grader ATTACK -f json`` in its own process group with a wall-clock limit; memory is the
largest resident size of any process of the run (``RUSAGE_CHILDREN``). A run that hits the limit
is killed and shown as ``>LIMIT``."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
LOOP = ["--rubric", "devops-loop"]  # the rubric whose checks read the whole repository
GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b",
           "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@b"}


def _git(path: Path, *args: str, data: bytes | None = None) -> str:
    return subprocess.run(["git", "-C", str(path), *args], input=data, capture_output=True, check=True,
                          env=GIT_ENV).stdout.decode().strip()


def _repo(path: Path, files: dict[str, str | bytes]) -> Path:
    path.mkdir(parents=True)
    _git(path, "init", "-q", "-b", "main")
    for rel, content in files.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    _git(path, "add", "-A")
    _git(path, "commit", "-qm", "start")
    return path


def helm_actions(root: Path) -> list[str]:
    return [str(_repo(root, {"chart/Chart.yaml": "name: x\nversion: 1.0.0\n",
                             "chart/templates/deploy.yaml": "apiVersion: v1\nkind: ConfigMap\n" + "{{a}}" * 40 + "x\n"})), *LOOP]


def markdown_comments(root: Path) -> list[str]:
    return [str(_repo(root, {".github/ISSUE_TEMPLATE/feature.md": "# Feature\n" + "<!--" * 20_000 + "\n"})), *LOOP]


def bracket_placeholders(root: Path) -> list[str]:
    return [str(_repo(root, {".github/ISSUE_TEMPLATE/feature.md": "# Feature\n" + "[" * 80_000 + "\n"})), *LOOP]


def acceptance_blank_lines(root: Path) -> list[str]:
    return [str(_repo(root, {".github/ISSUE_TEMPLATE/feature.md": "# Feature\n## Acceptance criteria\n" + "\n" * 200_000 + "x\n"})), *LOOP]


def shell_quotes(root: Path) -> list[str]:
    run = '"\\' * 40_000
    return [str(_repo(root, {".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                                                          f"      - run: '{run}'\n"})), *LOOP]


def jenkins_quotes(root: Path) -> list[str]:
    return [str(_repo(root, {"Jenkinsfile": "pipeline {\n" + "'''" * 30_000 + "\n}\n"})), *LOOP]


def helm_to_yaml(root: Path) -> list[str]:
    values = "resources:\n" + "".join(f"  k{i}: {{limits: {{cpu: '1', memory: 1Gi}}}}\n" for i in range(3_000))
    line = "      {{ toYaml .Values.resources | nindent 8 }}\n"
    return [str(_repo(root, {"chart/Chart.yaml": "name: x\nversion: 1.0.0\n", "chart/values.yaml": values,
                             "chart/templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nspec:\n" + line * 200})), *LOOP]


def rubric_pattern(root: Path) -> list[str]:
    rubric = root / "rubric.yml"
    root.mkdir(parents=True)
    rubric.write_text("id: evil\ntitle: evil\nversion: 1.0.0\npass_mark: 50\nphases:\n  plan:\n    checks:\n"
                      "      - id: plan.ac\n        title: ac\n        kind: acceptance-criteria\n        points: 1\n        hint: h\n"
                      "        params: {heading_pattern: '(a|aa)+$'}\n"
                      + "".join(f"  {p}:\n    checks: []\n" for p in ("code", "build", "test", "release", "deploy",
                                                                       "operate", "monitor")))
    sub = _repo(root / "sub", {"docs/plan.md": "# Plan\n## " + "a" * 40 + "!\n- item\n"})
    return [str(sub), "--rubric", str(rubric)]


def yaml_aliases(root: Path) -> list[str]:
    script = "\n".join(f"          echo step {i} && make target{i}" for i in range(10_000))
    steps = "\n".join("      - run: *script" for _ in range(400))
    workflow = f"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: &script |\n{script}\n{steps}\n"
    return [str(_repo(root, {".github/workflows/ci.yml": workflow})), *LOOP]


def ref_to_dev_zero(root: Path) -> list[str]:
    repo = _repo(root, {"README.md": "# x\n"})
    os.symlink("/dev/zero", repo / ".git" / "refs" / "heads" / "evil")
    return [str(repo), *LOOP]


def huge_commit_message(root: Path) -> list[str]:
    repo = _repo(root, {"README.md": "# x\n"})
    body = (f"tree {_git(repo, 'rev-parse', 'HEAD^{tree}')}\nparent {_git(repo, 'rev-parse', 'HEAD')}\n"
            "author a <a@b> 1700000000 +0000\ncommitter a <a@b> 1700000000 +0000\n\nbig\n").encode()
    sha = _git(repo, "hash-object", "-t", "commit", "-w", "--stdin", data=body + b"0" * (300 << 20))
    _git(repo, "update-ref", "HEAD", sha)
    return [str(repo), *LOOP]


def borrowed_history(root: Path) -> list[str]:
    other = _repo(root / "other", {f"f{i}.txt": str(i) for i in range(50)})
    for i in range(30):
        (other / "README.md").write_text(f"# v{i}\n")
        _git(other, "add", "-A")
        _git(other, "commit", "-qm", f"feat: step {i}")
    _git(other, "repack", "-adq")
    thief = _repo(root / "thief", {"README.md": "# x\n"})
    for pack in (other / ".git" / "objects" / "pack").iterdir():
        os.symlink(pack, thief / ".git" / "objects" / "pack" / pack.name)
    (thief / ".git" / "refs" / "heads" / "main").write_text(_git(other, "rev-parse", "HEAD") + "\n")
    return [str(thief), *LOOP]


def zeros_bundle(root: Path) -> list[str]:
    repo = _repo(root / "src", {"README.md": "# x\n", "zeros.bin": b"\0" * (600 << 20)})
    bundle = root / "small.bundle"
    _git(repo, "bundle", "create", str(bundle), "--all")
    shutil.rmtree(repo)
    return [str(bundle), *LOOP]


def _files(root: Path, files: dict[str, str]) -> list[str]:
    return [str(_repo(root, files)), *LOOP]


# Round 3 (issue 28): expansions without bound, each one small file naming one definition often.
def gitlab_extends(root: Path) -> list[str]:
    return _files(root, {".gitlab-ci.yml": "b:\n  script: [echo b]\n  extends: [" + ", ".join(["b"] * 8) + "]\n"})


def gitlab_reference(root: Path) -> list[str]:
    script = "\n".join(f"      echo line {i} && make t{i}" for i in range(1500))
    return _files(root, {".gitlab-ci.yml": ".s:\n  script:\n    - |\n" + script + "\njob:\n  script:\n"
                         + "    - !reference [.s, script]\n" * 3000})


def composite_self(root: Path) -> list[str]:
    return _files(root, {".github/actions/a/action.yml": "name: a\nruns:\n  using: composite\n  steps:\n"
                         "    - run: echo hi\n      shell: bash\n" + "    - uses: ./.github/actions/a\n" * 80,
                         ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                         "      - uses: ./.github/actions/a\n"})


def circleci_commands(root: Path) -> list[str]:
    script = "\n".join(f"            echo line {i} && make t{i}" for i in range(5000))
    return _files(root, {".circleci/config.yml": "version: 2.1\ncommands:\n  c:\n    steps:\n      - run:\n"
                         "          command: |\n" + script + "\njobs:\n  build:\n    docker: [{image: x}]\n"
                         "    steps:\n" + "      - c\n" * 2000 + "workflows:\n  w:\n    jobs: [build]\n"})


def tekton_tasks(root: Path) -> list[str]:
    script = "\n".join(f"          echo {i} && make t{i}" for i in range(2000))
    return _files(root, {".tekton/task.yaml": "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: t\nspec:\n"
                         "  steps:\n    - name: s\n      image: x\n      script: |\n" + script + "\n",
                         ".tekton/pipeline.yaml": "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\n"
                         "spec:\n  tasks:\n" + "".join(f"    - name: t{i}\n      taskRef:\n        name: t\n"
                                                       for i in range(500))})


def make_steps(root: Path) -> list[str]:
    return _files(root, {"Makefile": "all:\n" + "".join(f"\techo {i} && cc -o t{i} t{i}.c\n" for i in range(2000)),
                         ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                         + "      - run: make all\n" * 2000})


def workflow_calls(root: Path) -> list[str]:
    files = {".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    uses: ./.github/workflows/w0.yml\n"}
    for i in range(2000):
        files[f".github/workflows/w{i}.yml"] = "on: workflow_call\njobs:\n  a:\n    runs-on: x\n    steps:\n" \
                                               "      - run: make test\n"
    return _files(root, files)


def terraform_unclosed(root: Path) -> list[str]:
    return _files(root, {"main.tf": "".join(f'resource "aws_instance" "r{i}" {{\n  ami = "x"\n' for i in range(20000))})


ATTACKS = {
    "Helm `{{a}}`×40 then `x`": helm_actions,
    "80 KB of `<!--`": markdown_comments,
    "80 KB of `[` in an issue template": bracket_placeholders,
    "issue template, 200k blank lines": acceptance_blank_lines,
    "workflow `run:` of 40k `\"\\`": shell_quotes,
    "Jenkinsfile of 30k `'''`": jenkins_quotes,
    "Helm toYaml on 200 lines": helm_to_yaml,
    "rubric `(a|aa)+$`, 40-char line": rubric_pattern,
    "YAML aliases: 400 × 10k lines": yaml_aliases,
    "ref symlinked to /dev/zero": ref_to_dev_zero,
    "300 MB commit message": huge_commit_message,
    "symlinked packs of another repo": borrowed_history,
    "bundle of 600 MB zeros": zeros_bundle,
    "GitLab `extends` naming itself 8 times": gitlab_extends,
    "GitLab `!reference` to a 1,500-line script, 3,000 times": gitlab_reference,
    "composite action using itself 80 times": composite_self,
    "CircleCI command of 5,000 lines used 2,000 times": circleci_commands,
    "Tekton: 500 tasks naming one 2,000-line Task": tekton_tasks,
    "`make all` (2,000 lines) in 2,000 steps": make_steps,
    "2,000 `workflow_call` workflows": workflow_calls,
    "20,000 unclosed Terraform resources": terraform_unclosed,
}

# Options only the newer loopcheck knows, added to its run of that attack.
AFTER_EXTRA = {"300 MB commit message, `--memory-mb 256`": ["--memory-mb", "256"]}
ATTACKS["300 MB commit message, `--memory-mb 256`"] = huge_commit_message

_PROBE = ("import os, resource, signal, subprocess, sys\n"
          "p = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)\n"
          "try:\n    _, err = p.communicate(timeout=float(sys.argv[1])); code = p.returncode\n"
          "except subprocess.TimeoutExpired:\n    os.killpg(p.pid, signal.SIGKILL); p.wait(); code = 'limit'\n"
          "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def measure(checkout: Path, args: list[str], limit: float) -> tuple[str, float, int, str]:
    env = {**os.environ, "PYTHONPATH": str(checkout), "TMPDIR": tempfile.gettempdir()}
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", _PROBE, str(limit), sys.executable, "-m", "grader", *args,
                          "-f", "json"], capture_output=True, text=True, env=env, cwd=str(checkout))
    seconds = time.monotonic() - start
    code, peak_kb = (out.stdout.split() + ["?", "0"])[:2]
    return code, seconds, int(peak_kb) // 1024, out.stderr[-200:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="an older loopcheck checkout to compare with")
    parser.add_argument("--limit", type=float, default=30.0, help="seconds before a run is killed")
    parser.add_argument("--only", help="run the attacks whose name contains this")
    opts = parser.parse_args()
    checkouts = ([("before", opts.before)] if opts.before else []) + [("after", HERE)]
    header = "| attack | " + " | ".join(f"{n} time | {n} peak MB | {n} exit" for n, _ in checkouts) + " |"
    print(header)
    print("|" + "---|" * (1 + 3 * len(checkouts)))
    for name, build in ATTACKS.items():
        if opts.only and opts.only not in name:
            continue
        with tempfile.TemporaryDirectory(prefix="loopcheck-attack-") as tmp:
            args = build(Path(tmp) / "attack")
            cells = []
            for label, checkout in checkouts:
                extra = AFTER_EXTRA.get(name, []) if label == "after" else []
                code, seconds, peak, _err = measure(checkout, args + extra, opts.limit)
                shown = f">{opts.limit:g} s" if code == "limit" else f"{seconds:.2f} s"
                cells += [shown, str(peak), code]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
