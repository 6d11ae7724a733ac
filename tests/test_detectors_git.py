"""Git-based detectors: history, merges, tests with code, semver tags, shallow clones."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import Repo, run_check
from grader import detectors
from grader.evidence.releases import parse_semver
from grader.submission import Submission

GOOD_MESSAGES = [
    "Add reminder scheduler with a 24 hour delay",
    "Add discount code generator",
    "Track opens and clicks of reminder emails",
    "Let shoppers opt out of reminders",
    "Document the reminder flow in the README",
]


def history(repo: Repo, messages=GOOD_MESSAGES):
    for i, msg in enumerate(messages):
        repo.commit(msg, {f"src/mod{i}.py": f"X = {i}\n"})


def test_commit_history_pass(repo):
    history(repo)
    assert run_check(repo.path, "commit-history").status == "pass"


def test_commit_history_absent_not_git(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    finding = run_check(tmp_path, "commit-history")
    assert finding.status == "fail"  # no history is what the submission holds: 0, saying why
    assert "no git history" in finding.message and "git init" not in finding.message


def test_commit_history_one_giant_commit_or_vague(repo):
    repo.commit("update", {f"f{i}.py": "x = 1\n" for i in range(20)})
    assert run_check(repo.path, "commit-history").status == "fail"  # one giant commit
    vague = Repo(repo.path.parent / "vague")
    history(vague, ["update", "fix", "wip", "changes", "Add files via upload", "asdf"])
    finding = run_check(vague.path, "commit-history")
    assert finding.fraction <= 0.5
    assert "vague" in finding.message


def test_merged_branches(repo):
    repo.commit("Start the project with a README", {"README.md": "x"})
    assert run_check(repo.path, "merged-branches").status == "fail"
    repo.branch("feature/x")
    repo.commit("Add feature x with tests", {"x.py": "x"})
    repo.switch("main")
    repo.merge("feature/x")
    assert run_check(repo.path, "merged-branches").status == "pass"


def test_merge_message_without_a_merge_is_fake(repo):
    repo.commit("Merge branch 'feature/x' into main", {"a.py": "x"})
    repo.commit("Merge pull request #3 from me/feature", {"b.py": "x"})
    assert run_check(repo.path, "merged-branches").status == "fail"


def test_squash_merged_pull_request_counts(repo):
    repo.commit("Add reminder scheduler (#12)", {"a.py": "x"})
    assert run_check(repo.path, "merged-branches").status == "pass"


def test_tests_with_code(repo):
    repo.commit("Add app code", {"app/core.py": "def f(): return 1\n"})
    repo.commit("Add tests afterwards", {"tests/test_core.py": "def test_f():\n    assert f() == 1\n"})
    assert run_check(repo.path, "tests-with-code").status == "fail"
    repo.commit("Add g with its test", {"app/g.py": "def g(): return 2\n",
                                        "tests/test_g.py": "def test_g():\n    assert g() == 2\n"})
    assert run_check(repo.path, "tests-with-code").status == "pass"


def test_the_first_commit_importing_code_and_tests_shows_no_habit(repo):
    repo.commit("Initial commit", {"app/core.py": "def f(): return 1\n",
                                   "tests/test_core.py": "def test_f():\n    assert f() == 1\n"})
    repo.commit("Tidy the readme", {"README.md": "# app\n"})
    finding = run_check(repo.path, "tests-with-code")
    assert finding.status == "fail" and "only the first commit" in finding.message
    repo.commit("Add g with its test", {"app/g.py": "def g(): return 2\n",
                                        "tests/test_g.py": "def test_g():\n    assert g() == 2\n"})
    assert run_check(repo.path, "tests-with-code").status == "pass"


def test_no_commits_scores_zero_saying_why(repo):
    finding = run_check(repo.path, "commit-history")
    assert finding.status == "fail" and finding.fraction == 0
    assert "no commits" in finding.message


# -- semver ------------------------------------------------------------------------------------
@pytest.mark.parametrize("tag", ["v1.2.3", "1.2.3", "1.0.0-alpha.1", "v2.0.0-rc.1+build.5", "0.1.0+20260101"])
def test_semver_valid(tag):
    assert parse_semver(tag) is not None


@pytest.mark.parametrize("tag", ["release-1", "v1.2", "jq-1.7.1", "1.2.3.4", "v01.2.3", "1.2.3-", "latest", "V1.2.3"])
def test_semver_invalid(tag):
    assert parse_semver(tag) is None


def test_semver_quick_shape_answers_as_the_pattern_does():
    """parse_semver answers `v1.2.3` without its pattern: every short string of the characters
    that matter gets the pattern's own answer."""
    import itertools

    from grader.evidence.releases import SEMVER

    def by_pattern(tag):
        m = SEMVER.match(tag)
        if not m:
            return None
        pre = m.group(4)
        pre_key = (1,) if pre is None else (0, *[(0, int(x), "") if x.isdigit() else (1, 0, x) for x in pre.split(".")])
        return (int(m.group(1)), int(m.group(2)), int(m.group(3)), pre_key)

    alphabet = ["v", "0", "7", "01", ".", "-", "+", "a", "\n", "\u0661", "V"]
    for size in range(1, 6):
        for combo in itertools.product(alphabet, repeat=size):
            tag = "".join(combo)
            assert parse_semver.__wrapped__(tag) == by_pattern(tag), repr(tag)
    assert parse_semver("v10.0.1") == (10, 0, 1, (1,))


def test_semver_order():
    tags = ["1.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-rc.1", "0.9.9", "1.10.0"]
    ordered = sorted(tags, key=parse_semver)
    assert ordered == ["0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-beta.2",
                       "1.0.0-rc.1", "1.0.0", "1.10.0"]


def test_semver_tags_pass_annotated_and_lightweight(repo):
    repo.commit("First release of the app", {"a.py": "x"})
    repo.tag("v1.0.0", "First release")
    repo.commit("Second release of the app", {"b.py": "x"})
    repo.tag("1.1.0")
    finding = run_check(repo.path, "semver-tags")
    assert finding.status == "pass"
    assert "1 annotated, 1 lightweight" in finding.message
    assert "1.1.0" in finding.message


def test_semver_tags_absent_and_fake(repo):
    repo.commit("First commit of the app", {"a.py": "x"})
    assert run_check(repo.path, "semver-tags").status == "fail"
    repo.tag("release-1")
    repo.tag("v1", "a major number only")
    finding = run_check(repo.path, "semver-tags")
    assert finding.status == "fail"
    assert "release-1" in finding.message


def test_version_tags_without_a_patch_number_are_partial(repo):
    # v1.2 and 2.0 version the releases, but Semantic Versioning needs MAJOR.MINOR.PATCH
    repo.commit("First release of the app", {"a.py": "x"})
    repo.tag("v1.1", "first")
    repo.commit("Second release of the app", {"b.py": "x"})
    repo.tag("v1.2")
    finding = run_check(repo.path, "semver-tags")
    assert finding.status == "partial" and finding.fraction == 0.5
    assert "2 version tags without a patch number ('v1.1', 'v1.2')" in finding.message and "v1.2.0" in finding.message
    # one full semantic version among them is the real thing
    repo.tag("v1.2.1", "patch")
    assert run_check(repo.path, "semver-tags").status == "pass"


def test_semver_tag_not_on_branch_does_not_count(repo):
    repo.commit("First commit of the app", {"a.py": "x"})
    repo.branch("side")
    repo.commit("Side work that was never merged", {"b.py": "x"})
    repo.tag("v9.0.0", "unmerged")
    repo.switch("main")
    finding = run_check(repo.path, "semver-tags")
    assert finding.status == "fail"
    assert "v9.0.0" in finding.message


def test_changelog_must_name_latest_tag(repo):
    repo.commit("Add changelog for the first version", {"CHANGELOG.md": "# Changes\n## 1.0.0\n- First version of it\n"})
    repo.tag("v1.0.0", "one")
    assert run_check(repo.path, "changelog").status == "pass"
    repo.tag("v1.1.0", "two")
    assert run_check(repo.path, "changelog").status == "partial"


# -- shallow clones ------------------------------------------------------------------------------
def _git(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_shallow_clone_is_named_not_blamed(repo, tmp_path):
    history(repo)
    clone = tmp_path / "shallow"
    _git("clone", "--quiet", "--depth=1", f"file://{repo.path}", str(clone))
    finding = run_check(clone, "commit-history")
    assert finding.status == "error"
    assert "fetch-depth: 0" in finding.message
    finding = run_check(clone, "semver-tags")
    assert finding.status == "error"
    assert "shallow" in finding.message


def test_git_dir_pointing_elsewhere_scores_zero_saying_why(tmp_path, repo):
    history(repo)
    work = tmp_path / "worktree"
    work.mkdir()
    (work / ".git").write_text(f"gitdir: {repo.path}/.git\n")
    finding = run_check(work, "commit-history")
    assert finding.status == "fail" and "scored 0" in finding.message
    assert "elsewhere" in finding.message


def test_version_order_must_follow_history(repo):
    repo.commit("First version of the app", {"a.py": "x"})
    repo.tag("v2.0.0", "two on the first commit")
    repo.commit("Second version of the app", {"b.py": "x"})
    repo.tag("v1.0.0", "one on the second commit")
    finding = run_check(repo.path, "semver-tags")
    assert finding.status == "partial"
    assert "v2.0.0 is on an older commit than v1.0.0" in finding.message


@pytest.mark.parametrize("max_log", [3000, 3])
def test_tag_reachability_and_count_with_a_whole_or_truncated_history(repo, monkeypatch, max_log):
    from grader import git

    monkeypatch.setattr(git.facts, "MAX_LOG", max_log)
    repo.commit("first commit of the app", {"a.txt": "1"})
    repo.tag("v0.1.0", "old release")  # older than a 3-commit window
    repo.branch("side")
    repo.switch("side")
    repo.commit("work that was never merged", {"side.txt": "x"})
    repo.tag("v9.9.9")
    repo.switch("main")
    for i in range(4):
        repo.commit(f"feature step number {i}", {f"f{i}.txt": str(i)})
    repo.tag("v0.2.0", "new release")
    facts = git.GitFacts.read(str(repo.path))
    assert facts.commit_count == 5
    assert len(facts.commits) == min(5, max_log)
    assert {t.name: t.reachable for t in facts.tags} == {"v0.1.0": True, "v0.2.0": True, "v9.9.9": False}
    assert {t.name: t.annotated for t in facts.tags} == {"v0.1.0": True, "v0.2.0": True, "v9.9.9": False}


@pytest.mark.parametrize("max_log", [3000, 3])
def test_which_tags_are_merged_is_asked_of_git_only_for_a_truncated_history(repo, monkeypatch, max_log):
    from grader import git

    monkeypatch.setattr(git.facts, "MAX_LOG", max_log)
    started = []
    real = git.run.start
    monkeypatch.setattr(git.run, "start", lambda args, **kw: started.append(list(args)) or real(args, **kw))
    for i in range(5):
        repo.commit(f"feature step number {i}", {f"f{i}.txt": str(i)})
        repo.tag(f"v0.{i}.0")
    facts = git.GitFacts.read(str(repo.path))
    assert all(t.reachable for t in facts.tags) and len(facts.tags) == 5
    assert any("--merged=HEAD" in args for args in started) == (max_log == 3)


def test_a_pull_request_checkout_grades_the_pull_requests_own_history(repo, monkeypatch):
    # actions/checkout on pull_request checks out a merge commit "Merge <head> into <base>":
    # it is not the learner's merge, and must not count as a merged branch.
    monkeypatch.delenv("GITHUB_EVENT_NAME", raising=False)
    repo.commit("Start the reminder service with a README", {"README.md": "x"})
    repo.branch("feature/coupon")
    repo.commit("Generate one-time coupon codes with tests", {"coupon.py": "x"})
    head = repo.git("rev-parse", "HEAD")
    repo.switch("main")
    base = repo.git("rev-parse", "HEAD")
    repo.merge("feature/coupon", f"Merge {head} into {base}")
    finding = run_check(repo.path, "merged-branches")
    assert finding.status == "fail", finding.message
    from grader import git

    facts = git.GitFacts.read(str(repo.path))
    assert facts.head == head and facts.commit_count == 2 and "pull request" in (facts.note or "")
    # a learner's own merge of the same shape, outside a pull-request run, still counts
    repo.git("commit", "--amend", "-m", "Merge branch 'feature/coupon'")
    assert run_check(repo.path, "merged-branches").status == "pass"
    # in a pull-request run (the caller says so), a two-parent HEAD is the CI's merge whatever it says
    assert detectors.run(Submission(repo.path, pull_request=True), "merged-branches", {}).status == "fail"
    assert "pull request" in (git.GitFacts.read(str(repo.path), pull_request=True).note or "")
    # the command line says so when GitHub Actions runs it for a pull request (GITHUB_EVENT_NAME)
    # (devops-loop asks for ten merged branches: the one merge counts, for a tenth of the credit)
    for event, status in (("push", "partial"), ("pull_request", "fail")):
        proc = subprocess.run([sys.executable, "-m", "grader", str(repo.path), "--rubric", "devops-loop",
                               "--format", "json", "--no-fail"], capture_output=True, text=True,
                              env={**os.environ, "GITHUB_EVENT_NAME": event})
        checks = [c for phase in json.loads(proc.stdout)["phases"] for c in phase["checks"]]
        assert [c["status"] for c in checks if c["kind"] == "merged-branches"] == [status], (event, proc.stderr[-300:])


def _shallow_clone(src, dest):
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{src}", str(dest)], check=True,
                   capture_output=True, env={k: v for k, v in os.environ.items() if not k.startswith("GIT_")})


def test_a_shallow_clone_never_turns_a_pass_into_a_fail(tmp_path):
    from conftest import SAMPLES
    from grader import rubric
    from grader.scoring import grade

    full = tmp_path / "full"
    subprocess.run(["git", "clone", "--quiet", str(SAMPLES / "complete.bundle"), str(full)], check=True,
                   capture_output=True)
    shallow = tmp_path / "shallow"
    _shallow_clone(full, shallow)
    for name in ("devops-loop", "exercise-4.1"):
        deep, thin = grade(full, rubric.load(name)), grade(shallow, rubric.load(name))
        assert deep.passed and thin.passed, (name, thin.percent)
        assert thin.percent >= deep.percent - 0.01  # what can't be judged is left out, not failed
        errors = [c for _, c in thin.checks() if c.status == "error"]
        if name == "devops-loop":
            assert errors and all(c.max_score == 0 and c.score == 0 for c in errors)


def test_a_grafted_commit_is_not_a_commit_that_adds_tests_with_code(repo, tmp_path):
    repo.commit("Add the app code", {"app/core.py": "def f():\n    return 1\n"})
    repo.commit("Add tests afterwards", {"tests/test_core.py": "def test_f():\n    assert f() == 1\n"})
    assert run_check(repo.path, "tests-with-code").status == "fail"
    shallow = tmp_path / "shallow"
    _shallow_clone(repo.path, shallow)  # its one commit seems to add the code and the tests together
    finding = run_check(shallow, "tests-with-code")
    assert finding.status == "error" and "shallow" in finding.message


@pytest.mark.parametrize("max_log", [3000, 5, 3])
def test_the_history_is_counted_only_when_the_log_reaches_its_limit(repo, monkeypatch, max_log):
    """`rev-list --count` is started (by the log's reader, as the log reaches MAX_LOG commits)
    only for a history the log may not hold whole: a shorter one never spawns it."""
    from grader import git

    monkeypatch.setattr(git.facts, "MAX_LOG", max_log)
    started = []
    real = git.run.start
    monkeypatch.setattr(git.run, "start", lambda args, **kw: started.append(list(args)) or real(args, **kw))
    for i in range(5):
        repo.commit(f"feature step number {i}", {f"f{i}.txt": str(i)})
    facts = git.GitFacts.read(str(repo.path))
    counted = [a for a in started if a[:2] == ["rev-list", "--count"]]
    assert facts.commit_count == 5 and len(facts.commits) == min(5, max_log)
    assert len(counted) == (0 if max_log > 5 else 1)


def test_a_subject_holding_record_separators_only_starts_a_count_in_vain(repo, monkeypatch):
    """A commit subject full of \\x1e bytes counts as many records to the log's watcher: the count
    it starts is stopped unread, and the facts are those of the whole history."""
    from grader import git

    monkeypatch.setattr(git.facts, "MAX_LOG", 4)
    repo.commit("first", {"a.txt": "1"})
    repo.commit("sep\x1esep\x1esep\x1esep\x1esep", {"b.txt": "2"})
    facts = git.GitFacts.read(str(repo.path))
    assert facts.commit_count == 2 and len(facts.commits) == 2
