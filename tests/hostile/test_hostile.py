"""Every submission is hostile: each test reproduces an attack and checks that loopcheck
exits 0 or 1 with a valid report, no traceback, nothing executed (marker files), nothing
from outside the submission in any output, within 10 s and 1 GiB."""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import Repo, write_tree
from grader.report import json_report

SECRET = "TOP-SECRET-7f3a9c"
VALIDATOR = jsonschema.Draft202012Validator(json_report.schema())


def loopcheck(*args, timeout=30):
    """Run the real CLI in a child process: (returncode, stdout, stderr, peak MiB). ``timeout``
    only keeps a hang from stalling the suite; how much work a hostile input costs is counted by
    the linearity tests (test_linear, test_regex_enumeration), not timed here."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.run([sys.executable, "-m", "grader", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return proc.returncode, proc.stdout, proc.stderr, peak


def assert_safe(path, *, markers=(), secret=SECRET):
    """Grade ``path`` as JSON and as a verbose table; check every promise."""
    code, out, err, peak = loopcheck(path, "--format", "json")
    assert code in (0, 1), err
    assert "Traceback" not in err
    report = json.loads(out)
    VALIDATOR.validate(report)
    assert [p["id"] for p in report["phases"]] == ["plan", "code", "build", "test", "release",
                                                   "deploy", "operate", "monitor"]
    assert peak < 1024, peak
    code2, table, err2, _ = loopcheck(path, "--verbose", "--no-color")
    assert code2 == code and "Traceback" not in err2
    for text in (out, err, table, err2):
        assert secret not in text
    for marker in markers:
        assert not Path(marker).exists(), f"{marker} was created: something ran"
    assert "internal error" not in out
    return report, table


@pytest.fixture
def outside(tmp_path):
    """A folder beside the submission holding the grader's 'secrets'."""
    d = tmp_path / "outside"
    d.mkdir()
    (d / "secret.txt").write_text(f"{SECRET}\n")
    (d / "ci.yml").write_text(f"on: push\njobs:\n  {SECRET}:\n    runs-on: x\n    steps:\n      - run: pytest\n")
    (d / "secret.md").write_text(f"# {SECRET}\n## Acceptance criteria\n- {SECRET} one\n- {SECRET} two\n")
    return d


# -- nothing from the submission executes ----------------------------------------------------------
def evil_repo(tmp_path, marker: Path) -> Path:
    repo = Repo(tmp_path / "evil")
    repo.commit("Add the application code and tests", {
        "app.py": "x = 1\n", "tests/test_app.py": "def test_x():\n    assert x == 1\n",
        ".gitattributes": "* filter=evil diff=evil\n",
        "conftest.py": f"open({str(marker)!r}, 'w').write('conftest ran')\n",
        "setup.py": f"open({str(marker)!r}, 'w').write('setup ran')\n",
        "Makefile": f"all:\n\ttouch {marker}\n",
    })
    repo.commit("Add g with its test", {"g.py": "y = 2\n", "tests/test_g.py": "def test_g():\n    assert y == 2\n"})
    repo.tag("v1.0.0", "release")
    cmd = f"touch {marker}"
    include = tmp_path / "included.gitconfig"
    include.write_text(f"[core]\n\tfsmonitor = {cmd}\n")
    config = repo.path / ".git" / "config"
    config.write_text(config.read_text() + f"""
[core]
\tfsmonitor = {cmd}
\thooksPath = {tmp_path / 'hooks'}
\tpager = {cmd}
\tsshCommand = {cmd}
[diff]
\texternal = {cmd}
[diff "evil"]
\ttextconv = {cmd}
[filter "evil"]
\tclean = {cmd}
\tsmudge = {cmd}
\tprocess = {cmd}
[credential]
\thelper = !{cmd}
[uploadpack]
\tpackObjectsHook = {cmd}
[gpg]
\tprogram = {cmd}
[log]
\tshowSignature = true
[include]
\tpath = {include}
[alias]
\tlog = !{cmd}
""")
    hooks = repo.path / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    for name in ("post-checkout", "pre-commit", "post-merge", "reference-transaction", "fsmonitor-watchman"):
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\n{cmd}\n")
        hook.chmod(0o755)
    (tmp_path / "hooks").mkdir(exist_ok=True)
    shutil.copy(hooks / "post-checkout", tmp_path / "hooks" / "post-checkout")
    return repo.path


def test_repository_config_and_hooks_never_run(tmp_path):
    marker = tmp_path / "PWNED"
    path = evil_repo(tmp_path, marker)
    report, _ = assert_safe(path, markers=[marker])
    statuses = {c["id"]: c["status"] for p in report["phases"] for c in p["checks"]}
    assert statuses["release.semver-tags"] == "pass"  # git was still read
    assert statuses["code.tests-with-code"] == "pass"


def test_bundle_with_evil_attributes_never_runs_anything(tmp_path):
    marker = tmp_path / "PWNED"
    path = evil_repo(tmp_path, marker)
    bundle = tmp_path / "evil.bundle"
    subprocess.run(["git", "bundle", "create", str(bundle), "HEAD", "--branches", "--tags"], cwd=path,
                   check=True, capture_output=True, env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1",
                                                         "GIT_CONFIG_GLOBAL": os.devnull})
    assert_safe(bundle, markers=[marker])


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the repository to another user")
def test_repository_owned_by_another_user_is_still_read(tmp_path):
    repo = Repo(tmp_path / "theirs")
    repo.commit("Add the application code", {"a.py": "x"})
    repo.tag("v1.0.0", "one")
    for root, dirs, files in os.walk(repo.path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), 65534, 65534)
    os.lchown(repo.path, 65534, 65534)
    home_config = Path.home() / ".gitconfig"
    before = home_config.read_bytes() if home_config.exists() else None
    report, _ = assert_safe(repo.path)
    statuses = {c["id"]: c["status"] for p in report["phases"] for c in p["checks"]}
    assert statuses["release.semver-tags"] == "pass"
    after = home_config.read_bytes() if home_config.exists() else None
    assert before == after  # the user's global git config is untouched


# -- nothing outside the submission is read ---------------------------------------------------------
def test_symlinks_out_are_never_followed(tmp_path, outside):
    sub = write_tree(tmp_path / "sub", {"README.md": "# hi\n"})
    (sub / ".github" / "workflows").mkdir(parents=True)
    os.symlink(outside / "ci.yml", sub / ".github" / "workflows" / "ci.yml")
    os.symlink(outside / "secret.md", sub / "PLAN.md")
    os.symlink("../outside/secret.txt", sub / "CHANGELOG.md")
    os.symlink(outside, sub / "docs")
    os.symlink("/etc", sub / "etc")
    os.symlink("/etc/passwd", sub / "Jenkinsfile")
    report, _ = assert_safe(sub, secret=SECRET)
    assert "root:" not in json.dumps(report)
    statuses = {c["id"]: c["status"] for p in report["phases"] for c in p["checks"]}
    assert statuses["build.ci-trigger"] == "fail"
    assert statuses["plan.acceptance-criteria"] == "fail"


def test_git_internals_pointing_outside(tmp_path, outside):
    # objects/info/alternates and a loose ref symlinked outside
    other = Repo(tmp_path / "other")
    other.commit(f"{SECRET} in a commit message", {"s.txt": SECRET})
    other.tag(f"v9.9.9-{SECRET.lower()}", SECRET)
    repo = Repo(tmp_path / "victim")
    repo.commit("Add the application code", {"a.py": "x"})
    info = repo.path / ".git" / "objects" / "info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "alternates").write_text(str(other.path / ".git" / "objects") + "\n")
    tags = repo.path / ".git" / "refs" / "tags"
    tags.mkdir(parents=True, exist_ok=True)
    (tags / "v9.9.9").write_text(other.git("rev-parse", "HEAD") + "\n")
    os.symlink(outside / "secret.txt", tags / "v8.0.0")
    assert_safe(repo.path)


def test_git_dir_symlink_and_gitfile(tmp_path, outside):
    real = Repo(tmp_path / "real")
    real.commit(f"{SECRET} history", {"a.py": "x"})
    sub = write_tree(tmp_path / "sub", {"README.md": "# x\n"})
    os.symlink(real.path / ".git", sub / ".git")
    report, _ = assert_safe(sub)
    assert report["submission"]["commit"] is None
    sub2 = write_tree(tmp_path / "sub2", {"README.md": "# x\n", ".git": f"gitdir: {real.path / '.git'}\n"})
    report, _ = assert_safe(sub2)
    statuses = {c["id"]: c["status"] for p in report["phases"] for c in p["checks"]}
    assert statuses["code.commit-history"] == "fail"  # what the submission holds: 0, saying why


def test_fifos_sockets_and_devices_are_never_opened(tmp_path):
    sub = write_tree(tmp_path / "sub", {"README.md": "# x\n"})
    (sub / "k8s").mkdir()
    os.mkfifo(sub / "k8s" / "deploy.yaml")
    os.mkfifo(sub / "CHANGELOG.md")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sub / "alerts.yml"))
    try:
        if os.geteuid() == 0:
            try:
                os.mknod(sub / "Dockerfile", stat.S_IFCHR | 0o600, os.makedev(1, 8))  # /dev/random
            except (PermissionError, OSError):
                pass
        assert_safe(sub)
    finally:
        sock.close()


# -- bounded ---------------------------------------------------------------------------------------
def billion_laughs() -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
        prev = name
    return "\n".join(lines) + "\n"


HOSTILE_YAML = {
    "alias bomb": billion_laughs(),
    "deep flow nesting": "a: " + "[" * 50000 + "]" * 50000 + "\n",
    "deep block nesting": "".join(" " * i + f"k{i}:\n" for i in range(2000)),
    "duplicate keys": "on: push\non: pull_request\njobs: {}\n",
    "tabs": "jobs:\n\tbuild:\n\t\truns-on: x\n",
    "binary": b"\x00\x01\x02\xff" * 1000,
    "latin-1": "name: caf\xe9\non: push\n".encode("latin-1"),
    "huge": "a: " + "x" * 2_000_000 + "\n",
}


@pytest.mark.parametrize("name", list(HOSTILE_YAML))
def test_hostile_yaml_is_reported_and_grading_goes_on(tmp_path, name):
    content = HOSTILE_YAML[name]
    good_tests = "def test_a():\n    assert f(1) == 2\n"
    sub = write_tree(tmp_path / "sub", {
        ".github/workflows/ci.yml": content, "k8s/app.yaml": content, "monitoring/rules.yml": content,
        "tests/test_a.py": good_tests,
    })
    report, _ = assert_safe(sub)
    warned = {w["path"] for w in report["warnings"]}
    assert ".github/workflows/ci.yml" in warned, report["warnings"]
    statuses = {c["id"]: c["status"] for p in report["phases"] for c in p["checks"]}
    assert statuses["test.test-files"] in ("partial", "pass")  # the rest still grades


def test_sixty_thousand_jobs(tmp_path):
    jobs = "".join(f"  j{i}: {{runs-on: x}}\n" for i in range(60000))
    sub = write_tree(tmp_path / "sub", {".github/workflows/ci.yml": "on: push\njobs:\n" + jobs})
    assert_safe(sub)


def test_many_files_are_capped(tmp_path):
    from grader.submission import Submission

    root = tmp_path / "many"
    root.mkdir()
    for i in range(50):
        (root / f"f{i}.txt").write_text("x")
    sub = Submission(root, max_files=20)
    assert len(sub.files) == 20
    assert "more than 20 files" in sub.problems["."]


def test_pathological_text_files(tmp_path):
    sub = write_tree(tmp_path / "sub", {
        "tests/test_deep.py": "def test_x():\n    assert " + "(" * 5000 + "1" + ")" * 5000 + "\n",
        "docs/deep.md": ">" * 100000 + " x\n" + "- " * 50000 + "\n",
        "dash.json": "[" * 100000 + "]" * 100000,
        "Jenkinsfile": "pipeline {" + "{" * 100000,
        "src/a.test.js": "test('x', () => {" * 20000,
        "CHANGELOG.md": "#" * 100000 + "\n" + "## 1.0.0\n" * 20000,
        "cloudbuild.yaml": "steps:\n" + "- name: gcr.io/cloud-builders/docker\n  args: [" + "build, " * 20000 + "x]\n" * 50,
        "buildspec.yml": "phases:\n  build:\n    commands:\n" + "      - docker build -t a:$X .\n" * 20000,
        "infra/pipeline_stack.py": "codepipeline\n" + "GitHubSourceAction(" * 20000 + "a" * 100000 + "DeployAction(",
        "mixin/alerts.libsonnet": "{" * 100000 + "alert: 'x', expr: |||\n" + "'" * 50000 + "/*" * 20000,
        "scripts/monitoring.sh": "cat > a.yml <<EOF\n" * 20000 + "groups:\n" * 1000,
        "monitoring/dashboard.json": '{"displayName": "x", "mosaicLayout": {"tiles": [' + '{"widget": {"xyChart": {}}},' * 20000 + '{}]}}',
    })
    assert_safe(sub)


# -- broken git ------------------------------------------------------------------------------------
def git_status(report):
    return {c["id"]: c["status"] for p in report["phases"] for c in p["checks"]}


def test_no_commits_and_head_pointing_nowhere(tmp_path):
    repo = Repo(tmp_path / "empty")
    (repo.path / "README.md").write_text("# x\n")
    report, _ = assert_safe(repo.path)
    assert git_status(report)["code.commit-history"] == "fail"
    repo.commit("Add the application code", {"a.py": "x"})
    (repo.path / ".git" / "HEAD").write_text("ref: refs/heads/nowhere\n")
    report, _ = assert_safe(repo.path)
    assert git_status(report)["code.commit-history"] == "fail"


def test_detached_head_and_missing_objects(tmp_path):
    repo = Repo(tmp_path / "r")
    first = repo.commit("Add the application code", {"a.py": "x"})
    repo.commit("Add more of the application", {"b.py": "y"})
    repo.git("checkout", "--quiet", "--detach", first)
    report, _ = assert_safe(repo.path)
    assert report["submission"]["commit"] == first and report["submission"]["branch"] is None
    objects = repo.path / ".git" / "objects"
    for d in objects.iterdir():
        if len(d.name) == 2:
            shutil.rmtree(d)
            break
    report, _ = assert_safe(repo.path)


def test_corrupt_head_and_packed_refs(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.commit("Add the application code", {"a.py": "x"})
    (repo.path / ".git" / "HEAD").write_bytes(b"\xff\xfe\x00garbage" * 100)
    (repo.path / ".git" / "packed-refs").write_text(f"not a ref line {SECRET}\n")
    report, _ = assert_safe(repo.path)


def test_twenty_thousand_tags(tmp_path):
    repo = Repo(tmp_path / "r")
    sha = repo.commit("Add the application code", {"a.py": "x"})
    lines = "".join(f"{sha} refs/tags/v1.0.{i}\n" for i in range(20000))
    (repo.path / ".git" / "packed-refs").write_text("# pack-refs with: peeled fully-peeled sorted \n" + lines)
    report, _ = assert_safe(repo.path)
    assert git_status(report)["release.semver-tags"] == "pass"


def test_shallow_clone_named(tmp_path):
    repo = Repo(tmp_path / "r")
    for i in range(3):
        repo.commit(f"Add module number {i}", {f"m{i}.py": "x"})
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "--quiet", "--depth=1", f"file://{repo.path}", str(clone)], check=True,
                   capture_output=True, env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})
    report, table = assert_safe(clone)
    assert report["submission"]["shallow"] is True
    assert "fetch-depth: 0" in json.dumps(report)


# -- output injection ----------------------------------------------------------------------------------
INJECT = "[red]boom[/red]\x1b[31mred\x1b]0;title\x07\r\n::set-output name=x::y"


def test_names_and_yaml_strings_cannot_inject(tmp_path):
    repo = Repo(tmp_path / "inj")
    weird = "docs/runbooks/[bold]x[/bold]\x1b[2J::error::pwned\r.md"
    repo.commit("Add the workflow and an odd runbook", {
        ".github/workflows/ci.yml": 'on: push\njobs:\n  "' + INJECT.replace("\\", "\\\\").replace('"', '\\"')
        .replace("\x1b", "\\e").replace("\x07", "\\a").replace("\r", "\\r").replace("\n", "\\n")
        + '":\n    runs-on: x\n    steps:\n      - run: pytest\n',
        weird: "# t\n## Steps\n",
        "::error file=a::pwned.yaml": "a: [\n",
    })
    repo.git("branch", "-m", "main", "feature/%0A%25-{red}")  # git refuses [, :, control characters
    repo.tag("v1.0.0-rc.1", "x")
    report, table = assert_safe(repo.path)
    for bad in ("\x1b", "\x07", "\r"):
        assert bad not in table
    assert "\\x1b" in table  # shown, escaped
    assert "::" not in table  # no workflow command can be formed from submission text
    raw = json.dumps(report)
    assert "\\u001b" in raw or "\\x1b" in raw  # JSON escapes control characters


# -- bad rubric input --------------------------------------------------------------------------------
@pytest.mark.parametrize("text,needle", [
    ("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\nphases:\n  plan:\n    checks:\n"
     "      - {id: plan.a, title: A, kind: acceptance-criteria, points: 1, hint: h, params: {heading_pattern: '(?<=x)y'}}\n",
     "no backreferences or lookaround"),
    ("a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [" + ", ".join(["*b"] * 30000) + "]\n", "nodes"),
    ("id: x\n\ttitle: t\n", "invalid YAML"),
    ("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\nphases:\n  plan:\n    checks:\n"
     "      - {id: plan.a, title: A, kind: rm-rf, points: 1, hint: h}\n", "unknown kind"),
])
def test_bad_rubric_input(tmp_path, text, needle):
    rubric = tmp_path / "r.yaml"
    rubric.write_text(text)
    code, out, err, _ = loopcheck(tmp_path, "--rubric", rubric)
    assert code == 2 and needle in err and "r.yaml:" in err
    assert "Traceback" not in err


def test_calls_into_other_repositories_fetch_nothing_and_stay_bounded(tmp_path, monkeypatch):
    """Thousands of jobs calling other repositories' workflows, actions with long names, GitLab
    includes of projects, URLs and components: read from their names, nothing opened on the
    network, every call one step."""
    import grader.evidence.ci.remote as remote
    from grader import detectors
    from grader.evidence.ci import read_pipelines
    from grader.submission import Submission

    def no_network(*_a, **_k):
        raise AssertionError("a call into another repository was fetched")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    jobs = "".join(f"  j{i}:\n    uses: o{i}/shared/.github/workflows/{'deploy-' * 10}{i}.yml@v{i}\n"
                   f"    with: {{environment: production, tags: '{'a.' * 50}yml@'}}\n" for i in range(2000))
    steps = "".join(f"      - uses: o/{'x-' * 100}deploy-action@v1\n" for _ in range(200))
    include = "".join(f"  - project: g/p{i}\n    file: [{', '.join(f'/t/deploy{k}.yml' for k in range(30))}]\n"
                      f"  - remote: https://example.com/{i}/build.yml\n"
                      f"  - component: $CI_SERVER_FQDN/g/c/test-{i}@1.0\n" for i in range(50))
    gitlab_jobs = "".join(f"deploy{i}:\n  stage: deploy\n  extends: [.t{i}, .u{i}]\n" for i in range(2000))
    write_tree(tmp_path, {
        ".github/workflows/calls.yml": f"on: [push]\njobs:\n{jobs}  steps:\n    runs-on: x\n    steps:\n{steps}",
        ".gitlab-ci.yml": f"include:\n{include}{gitlab_jobs}",
    })
    sub = Submission(tmp_path)
    pipes = read_pipelines(sub)
    calls = [s for p in pipes for j in p.jobs for s in j.steps if s.elsewhere is not None]
    # every GitHub call and GitLab job, and the components among the 20 includes read at most
    assert 2000 + 200 + 2000 < len(calls) <= 2000 + 200 + 2000 + 20
    assert all(isinstance(s.elsewhere, remote.Remote) for s in calls)
    assert detectors.run(sub, "deploy-step", {}).status == "pass"
