"""Code: the git history (several descriptive commits, merged branches, tests with code) and
the linters that gate every change."""

from __future__ import annotations

import re

from grader.detectors import Params, detector
from grader.detectors.common import found, git_or_finding, plural, shallow_or
from grader.evidence.ci import no_pipeline_message, read_pipelines
from grader.evidence.ci.queries import gate_commands, tool_steps, where_it_belongs
from grader.evidence.linters import bound_linters
from grader.evidence.testfiles import is_test_path
from grader.model import Finding, Location
from grader.patterns import lazy
from grader.submission import Submission

_VAGUE = lazy(
    r"^(update[sd]?|fix(es|ed)?|wip|changes?|stuff|commit|asdf+|test(ing)?|minor|misc|tmp|temp|"
    r"\.+|save|done|work|more|final|edit(s|ed)?|code|files?|add(ed)? files?|upload(ed)?( files?)?|"
    r"initial commit|first commit|init|update readme(\.md)?|create [\w.-]+|update [\w./-]+|"
    r"add files via upload)\W*$",
    re.I,
)
# A squash-merged pull request (GitHub appends the PR number). A subject that merely says
# "Merge branch ..." on a one-parent commit is not a merge.
_SQUASH_PR = lazy(r"\(#\d+\)\s*$")
_SOURCE_SUFFIX = (".py", ".js", ".ts", ".tsx", ".jsx", ".mjs", ".go", ".java", ".kt", ".rb", ".rs",
                  ".cs", ".php", ".sh", ".c", ".cpp", ".scala", ".swift")


def _descriptive(subject: str) -> bool:
    subject = subject.strip()
    return bool(subject) and not _VAGUE.match(subject) and len(subject.split()) >= 2


def _commit_loc(commit) -> Location:
    return Location(f"commit {commit.sha[:10]}", None)


@detector(
    "commit-history",
    title="Several descriptive commits",
    looks_for="At least `min_commits` commits on the checked-out branch, and at least "
    "`min_descriptive` (a share) of their messages descriptive: two words or more, not "
    "'update', 'fix', 'wip', 'Add files via upload' and the like.",
    why="Small, frequent commits with clear messages are how work is integrated and reviewed "
    "continuously, and how a broken change is found and reverted later.",
    params={
        "min_commits": {"type": "integer", "minimum": 1, "maximum": 10000},
        "min_descriptive": {"type": "number", "minimum": 0, "maximum": 1},
    },
    defaults={"min_commits": 5, "min_descriptive": 0.7},
)
def commit_history(sub: Submission, p: Params) -> Finding:
    facts, problem = git_or_finding(sub)
    if problem:
        return problem
    total = facts.commit_count
    if total < 2 and not facts.shallow:
        only = facts.commits[0] if facts.commits else None
        return Finding.failed("a single commit: the work was not committed in small steps"
                              + (f" ({only.subject[:60]!r})" if only else ""),
                              [_commit_loc(only)] if only else [])
    own = [c for c in facts.commits if len(c.parents) <= 1 and c.sha not in facts.grafted]
    good = [c for c in own if _descriptive(c.subject)]
    share = len(good) / len(own) if own else 0.0
    count_part = min(1.0, total / p["min_commits"])
    desc_part = min(1.0, share / p["min_descriptive"]) if p["min_descriptive"] else 1.0
    vague = [c.subject for c in own if not _descriptive(c.subject)][:3]
    msg = (f"{plural(total, 'commit')}, {len(good)} of {len(own)} with descriptive messages "
           f"({share:.0%}; needs {p['min_commits']} commits and {p['min_descriptive']:.0%})")
    if vague:
        msg += "; vague: " + ", ".join(repr(v) for v in vague)
    return shallow_or(sub, Finding.ratio(0.5 * count_part + 0.5 * desc_part, msg,
                                         [_commit_loc(c) for c in good[:3]]))


@detector(
    "merged-branches",
    title="Short-lived branches merged back",
    looks_for="At least `min_merges` branches merged into the checked-out branch: merge commits, "
    "or squash-merged pull requests (a subject ending in `(#12)`).",
    why="Work on short-lived branches merged back through pull requests is how trunk-based "
    "teams get review and CI on every change without long-lived divergence.",
    params={"min_merges": {"type": "integer", "minimum": 1, "maximum": 1000}},
    defaults={"min_merges": 1},
)
def merged_branches(sub: Submission, p: Params) -> Finding:
    facts, problem = git_or_finding(sub)
    if problem:
        return problem
    merges = [c for c in facts.commits if len(c.parents) > 1 or _SQUASH_PR.search(c.subject)]
    msg = f"{plural(len(merges), 'merged branch', 'merged branches')} (needs {p['min_merges']})"
    if merges:
        msg += ": " + "; ".join(repr(c.subject[:60]) for c in merges[:3])
    else:
        msg = "no merge commits or merged pull requests: every commit went straight to one branch"
    return shallow_or(sub, Finding.ratio(len(merges) / p["min_merges"], msg,
                                         [_commit_loc(c) for c in merges[:3]]))


@detector(
    "tests-with-code",
    title="Tests committed with the code",
    looks_for="At least `min_commits` commits that change a test file and a source file "
    "together (not tests bolted on afterwards in a commit of their own). The first commit does "
    "not count: it imports the project as it was.",
    why="Tests written alongside the code, not after it, are the lesson's 'shift left': "
    "every change arrives already verified.",
    params={"min_commits": {"type": "integer", "minimum": 1, "maximum": 1000}},
    defaults={"min_commits": 1},
)
def tests_with_code(sub: Submission, p: Params) -> Finding:
    facts, problem = git_or_finding(sub)
    if problem:
        return problem
    both, root = [], None
    for c in facts.commits:
        if len(c.parents) > 1 or c.sha in facts.grafted:
            continue  # a merge, or a shallow clone's boundary commit (it seems to add every file)
        tests = [f for f in c.files if is_test_path(f)]
        code = [f for f in c.files if f.endswith(_SOURCE_SUFFIX) and not is_test_path(f)]
        if tests and code:
            if c.parents:
                both.append(c)
            else:  # the root commit imports the project as it was: it shows no habit
                root = c
    if both:
        return Finding.ratio(
            len(both) / p["min_commits"],
            f"{plural(len(both), 'commit')} change tests and code together, e.g. {both[0].subject[:60]!r}",
            [_commit_loc(c) for c in both[:3]],
        )
    if root is not None:
        return Finding.failed(f"only the first commit ({root.subject[:60]!r}) adds tests with code; it "
                              "imports the project as it was, so no later change came with its test",
                              [_commit_loc(root)])
    return shallow_or(sub, Finding.failed("no commit changes a test file together with the code it tests"))


# Linters, formatters (in check mode) and static analysers, as they are run: regular
# expression on the command (normalised, runners such as npx/poetry run/bundle exec dropped) →
# the tool's name.
_LINT_CMDS = {
    r"^ruff( check|\s*$| \.| --)|^ruff format (.*\s)?--check\b": "Ruff",
    r"^flake8\b": "Flake8", r"^pylint\b": "Pylint", r"^black (.*\s)?--check\b": "Black",
    r"^isort (.*\s)?(--check|-c)\b": "isort", r"^mypy\b": "mypy", r"^pyright\b": "Pyright",
    r"^(eslint|next lint)\b": "ESLint", r"^prettier (.*\s)?(--check|-c|--list-different|-l)\b": "Prettier",
    r"^xo\b": "XO", r"^standard\b": "standard", r"^tsc (.*\s)?--noEmit\b": "TypeScript check",
    r"^biome (check|lint|ci)\b": "Biome", r"^stylelint\b": "Stylelint",
    r"^golangci-lint run\b": "golangci-lint", r"^go vet\b": "go vet", r"^staticcheck\b": "staticcheck",
    r"^gofmt (.*\s)?-l\b": "gofmt", r"^revive\b": "revive",
    r"^cargo (clippy|fmt (.*\s)?--check)\b": "Clippy/rustfmt", r"^rustfmt (.*\s)?--check\b": "rustfmt",
    r"^(mvn|gradle) (.*\s)?(checkstyle|spotbugs|pmd|spotless(Check|:check)|sonar)": "Java static analysis",
    r"^(mvn|gradle) (.*\s)?org\.sonarsource": "SonarQube", r"^sonar-scanner\b": "SonarQube",
    r"^(dotnet-sonarscanner|dotnet sonarscanner) begin\b": "SonarQube",
    r"^(ktlint|detekt)\b": "ktlint/detekt", r"^rubocop\b": "RuboCop", r"^(phpcs|phpstan|psalm)\b": "PHP static analysis",
    r"^shellcheck\b": "ShellCheck", r"^hadolint\b": "hadolint", r"^docker run .*hadolint/hadolint": "hadolint",
    r"^helm lint\b": "helm lint", r"^yamllint\b": "yamllint", r"^(markdownlint|markdownlint-cli2)\b": "markdownlint",
    r"^tflint\b": "TFLint", r"^terraform (fmt (.*\s)?-check|validate)\b": "terraform fmt/validate",
    r"^(kubeval|kubeconform|kube-linter|kube-score)\b": "Kubernetes manifest lint",
    r"^(pre-commit|prek) run\b": "pre-commit", r"^actionlint\b": "actionlint", r"^zizmor\b": "zizmor",
    r"^dotnet format (.*\s)?--verify-no-changes\b": "dotnet format", r"^(clang-tidy|cppcheck|scan-build)\b": "C/C++ static analysis",
    r"^(bandit|semgrep)\b": "security lint",
}
_LINT_ACTIONS = {
    "github/codeql-action/analyze": "CodeQL", "github/super-linter": "Super-Linter", "super-linter/super-linter": "Super-Linter",
    "golangci/golangci-lint-action": "golangci-lint", "reviewdog": "reviewdog", "hadolint/hadolint-action": "hadolint",
    "pre-commit/action": "pre-commit", "ludeeus/action-shellcheck": "ShellCheck", "sonarsource/sonarcloud-github-action":
    "SonarCloud", "sonarsource/sonarqube-scan-action": "SonarQube", "astral-sh/ruff-action": "Ruff",
    "chartboost/ruff-action": "Ruff", "psf/black": "Black", "davidanson/markdownlint-cli2-action": "markdownlint",
    "azure/k8s-lint": "Kubernetes manifest lint", "stackrox/kube-linter-action": "Kubernetes manifest lint",
    "zizmorcore/zizmor-action": "zizmor", "j178/prek-action": "pre-commit",
}


@detector(
    "lint-in-ci",
    title="Linters gate every change",
    looks_for="A step of an automatic pipeline that runs a linter, a formatter in check mode or a static "
    "analyser as a gate: Ruff, Flake8, Pylint, Black/isort `--check`, mypy, ESLint, Prettier `--check`, "
    "`tsc --noEmit`, golangci-lint, `go vet`, Clippy, Checkstyle/SpotBugs/Sonar, RuboCop, ShellCheck, "
    "hadolint, `helm lint`, yamllint, `terraform validate`, kubeconform, pre-commit, CodeQL, "
    "Super-Linter... — directly or through `make lint`, `npm run lint`, a script or a local action, "
    "or bound to the build: a Maven linter plugin with a `check` execution (Checkstyle, Spotless, PMD, "
    "SpotBugs) when the pipeline runs `mvn verify`/`install`/`deploy`, a Gradle linter plugin when it "
    "runs `gradle check`/`build`. "
    "A linter whose failure is ignored (`|| true`, `continue-on-error`), in a comment or an `echo` "
    "doesn't count.",
    why="A linter in the pipeline catches the bugs and the style drift a reviewer should not have to, "
    "on every change, before anyone reads it.",
)
def lint_in_ci(sub: Submission, p: Params) -> Finding:
    pipes = read_pipelines(sub)
    if not pipes:
        return Finding.failed(no_pipeline_message(sub))
    hits = gate_commands(pipes, _LINT_CMDS, _LINT_ACTIONS) or bound_linters(sub, pipes)
    if hits:
        return found("linters run as a gate", hits)
    loose = [h for h in tool_steps(pipes, _LINT_CMDS, _LINT_ACTIONS)]
    if loose:
        return Finding.failed(f"`{loose[0][2][:60]}` runs, but not as a gate of an automatic pipeline "
                              "(its failure is ignored, or the pipeline is started by hand)", [loose[0][1]])
    return Finding.failed("no linter or static analysis runs in the pipeline", where_it_belongs(pipes))
