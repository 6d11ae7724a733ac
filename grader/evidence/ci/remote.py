"""Work a pipeline hands to another repository: a GitHub Actions job that calls another
repository's reusable workflow (``uses: org/shared/.github/workflows/deploy.yml@v2``), a step
that uses an action no reader knows (``uses: org/some-deploy-action@v1``), a GitLab job whose
script comes from an included project, template or component, an Azure Pipelines template
kept in another repository (``template: deploy.yml@templates``).

The called file is never fetched or read: what it does is read from what the call names (the
file's name and path, the job's name, its stage or environment) and what it is given (its
inputs: ``environment``, ``image``/``tags``/``registry``, ``helm``/``chart``/``namespace``,
``test-command``...). A generic name (``ci.yml``, ``pipeline.yml``) with no telling input is
"CI run elsewhere": build and test are only *guessed* (:attr:`Remote.guessed`), and the checks
give them partial credit at most. Verification and rollback are never read from a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.patterns import lazy


@dataclass(frozen=True, slots=True)
class Remote:
    """A call into another repository, as the pipeline writes it."""

    where: str  # the repository or project called ("org/shared"; "" for a URL)
    file: str  # the workflow, action, template or component named ("deploy.yml")
    ref: str  # the version asked for ("v2"; "" when none)
    categories: tuple[str, ...]  # what it is read to do, sorted
    guessed: tuple[str, ...] = ()  # of those, what only a generic name suggests (partial at most)

    def describe(self) -> str:
        """``org/shared's deploy.yml@v2 (not read: another repository)``."""
        named = f"{self.file}@{self.ref}" if self.ref else self.file
        owner = f"{self.where}'s " if self.where else ""
        return f"{owner}{named} (not read: another repository)"


_WORD = lazy(r"[a-z0-9]+")
# words of a called file's name (or a job's, a stage's) -> what it does
_NAMED: dict[str, frozenset[str]] = {
    "deploy": frozenset({"deploy", "deploys", "deployment", "deployments", "rollout", "promote", "cd", "helmfile"}),
    "build": frozenset({"build", "builds", "docker", "image", "images", "compile", "package", "bake", "container"}),
    "publish": frozenset({"publish", "push"}),
    "test": frozenset({"test", "tests", "testing", "unit", "integration", "e2e", "pytest", "jest", "playwright",
                       "cypress", "junit"}),
    "lint": frozenset({"lint", "linter", "linting", "format", "fmt", "sonar", "sonarqube", "checkstyle"}),
    "release": frozenset({"release", "releases"}),
}
_GENERIC = frozenset({"ci", "pipeline", "pipelines", "main", "workflow", "workflows"})
# words that say a called file does something else (reports, notifies, labels issues...)
_OTHER = frozenset({"setup", "cache", "login", "upload", "download", "report", "reporter", "result", "results",
                    "comment", "notify", "notification", "slack", "status", "label", "labeler", "checkout",
                    "credentials", "configure", "metadata", "summary", "badge", "coverage", "codecov", "artifact",
                    "artifacts", "issue", "issues", "stale", "scorecard", "dependabot", "copilot", "sync", "meta", "scan",
                    "scanner", "security", "audit", "sbom", "sign", "cosign", "attest", "install", "installer",
                    "destroy", "cleanup", "delete", "teardown", "description", "readme", "docs"})
_DEPLOY_INPUTS = lazy(r"^(?:environment|env|environment[-_]?name|namespace|cluster(?:[-_]?name)?|helm[-_\w]*|"
                      r"chart[-_\w]*|kube[-_]?config|app[-_]?name|service[-_]?name|values[-_]?file|kube[-_]?namespace)$")
_BUILD_INPUTS = lazy(r"^(?:image|image[-_]?name|images?|tags?|image[-_]?tags?|dockerfile|docker[-_]?file|"
                     r"build[-_]?args|registry|push|docker[-_]?context)$")
_TEST_INPUTS = lazy(r"^(?:test[-_]?command|test[-_]?cmd|test[-_]?script|test[-_]?args|tests?[-_]?path|run[-_]?tests?|"
                    r"test[-_]?target)$")
_THROWAWAY = lazy(r"^(?:test|testing|ci|preview|review|pr|dev-?test|ephemeral)$")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _by_name(words: set[str]) -> set[str]:
    return {cat for cat, names in _NAMED.items() if words & names}


def classify(file: str, inputs: dict, *, job: str = "", stage: str = "", environment: object = None,
             action: bool = False) -> tuple[set[str], set[str]]:
    """(categories, guessed) of a call: what its file's name says, else its inputs, else the
    job's name; an action (``action=True``) is read more strictly (its name must say it, or its
    inputs; and never from words like *report* or *setup* — an action named
    ``publish-test-results`` publishes no tests)."""
    words = _words(file.rsplit("/", 1)[-1].rsplit(".", 1)[0] if not action else file)
    if words & _OTHER:
        return set(), set()
    keys = {str(k).lower() for k in inputs}
    env = environment if environment is not None else next(
        (v for k, v in inputs.items() if str(k).lower() in ("environment", "env")), None)
    deployish = {k for k in keys if _DEPLOY_INPUTS.match(k)}
    if env is not None and _THROWAWAY.match(str(env).strip().lower()):
        deployish -= {"environment", "env"}  # a test environment is no deploy target
    cats = _by_name(words)
    if {"lint", "test"} <= cats and not words & {"unit", "integration", "e2e", "tests"}:
        cats.discard("test")  # a test of the lint (`test_helm_lint.yml`) lints
    if any(_BUILD_INPUTS.match(k) for k in keys) and cats <= {"build", "publish"}:
        cats.add("build")
        if keys & {"registry", "push"}:
            cats.add("publish")
    if action and "publish" in cats and "publish" not in words and "build" not in cats:
        cats.discard("publish")  # an action that pushes (a branch, a pull request) publishes no artifact
    if any(_TEST_INPUTS.match(k) for k in keys):
        cats.add("test")
    if not cats and not action and {k for k in deployish if not re.match(r"^(?:app|service)[-_]?name$", k)}:
        cats.add("deploy")  # given a cluster, chart, namespace or environment to go to
    if cats or action:
        return cats, set()
    named, staged = _by_name(_words(job)), _by_name(_words(stage))
    if "deploy" in staged or ("deploy" in named and (deployish or environment is not None)):
        return {"deploy"}, set()  # a deploy stage, or a deploy job given where to go
    if (named | staged) & {"build", "test"}:
        guess = (named | staged) & {"build", "test"}
        return guess, guess  # named by the job alone: at most partial
    if words & _GENERIC:
        return {"build", "test"}, {"build", "test"}  # CI run elsewhere: at most partial
    return set(), set()


_WORKFLOW = lazy(r"^([\w.-]+/[\w.-]+)/(\.github/workflows/[^@\s]+\.ya?ml)@(\S+)$")
_ACTION = lazy(r"^([\w.-]+/[\w.-]+)((?:/[\w.-]+)*)@(\S+)$")


def github_call(uses: str, inputs: dict, *, job: str = "", environment: object = None) -> Remote | None:
    """A reusable workflow of another repository (``org/shared/.github/workflows/x.yml@v2``) or
    an action (``org/name[/path]@ref``), read as a :class:`Remote` (None when it is neither, or
    names nothing we can read)."""
    uses = uses.strip()
    if uses.startswith(("./", "docker://")):
        return None
    m = _WORKFLOW.match(uses)
    if m:
        repo, path, ref = m.groups()
        cats, guessed = classify(path, inputs, job=job, environment=environment)
        if not cats:
            return None
        return Remote(repo, path.rsplit("/", 1)[-1], ref, tuple(sorted(cats)), tuple(sorted(guessed)))
    m = _ACTION.match(uses)
    if not m:
        return None
    repo, sub, ref = m.groups()
    cats, _ = classify(f"{repo.split('/', 1)[1]}{sub}", inputs, action=True)
    if not cats:
        return None
    return Remote("", f"{repo}{sub}", ref, tuple(sorted(cats)))


def categories(remote: Remote | None) -> set[str]:
    return set(remote.categories) if remote else set()


_REF_WORD = lazy(r"^[\w.-]+$")


def named_call(where: str, file: str, ref: str, inputs: dict, *, job: str = "", stage: str = "",
               environment: object = None) -> Remote | None:
    """A GitLab include or an Azure template of another repository: the file it names, the
    job's name and stage, its inputs."""
    cats, guessed = classify(file, inputs, job=job, stage=stage, environment=environment)
    if not cats:
        return None
    return Remote(where, file.rsplit("/", 1)[-1], ref if _REF_WORD.match(ref or "") else "",
                  tuple(sorted(cats)), tuple(sorted(guessed)))
