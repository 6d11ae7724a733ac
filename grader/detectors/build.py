"""Build: an automatically triggered pipeline that installs dependencies and builds a
versioned artifact."""

from __future__ import annotations

import re

from grader.detectors import Params, detector
from grader.detectors.common import found, loc, plural
from grader.evidence import buildfiles, delivery, publishers, testfiles
from grader.evidence.ci import no_pipeline_message, read_pipelines
from grader.evidence.ci.queries import (
    kept_artifacts,
    live_steps,
    only_guessed,
    step_categories,
    step_evidence,
    step_with,
    where_it_belongs,
)
from grader.evidence.shell import (
    NOT_RUN,
    is_versioned_build,
    normalise,
    tool_name,
    versioned_reference,
)
from grader.model import Finding, Location
from grader.patterns import lazy
from grader.submission import Submission


@detector(
    "ci-trigger",
    title="Pipeline runs on every push or pull request",
    looks_for="A CI pipeline that its CI system runs automatically on one of `events` (GitHub "
    "Actions `on:` in every form — string, list, mapping — or GitLab CI, which runs on every "
    "push). A workflow only run by hand (`workflow_dispatch`) or on a schedule doesn't count, nor does a "
    "stub whose every step only prints, lists or moves files (`echo \"Building...\"`). A pipeline run on "
    "push that installs, builds and tests nothing (a scan, a labeller) while the build lives in another "
    "pipeline that does not run on every change earns `other_work_credit`: the jobs of pipelines that "
    "never run together are not combined.",
    why="Automated builds on every commit are what make integration continuous: every change is "
    "built and tested without anyone remembering to do it.",
    params={"events": {"type": "array", "minItems": 1, "items": {
        "enum": ["push", "pull_request", "merge_request", "tag"]}},
        "other_work_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"events": ["push", "pull_request"], "other_work_credit": 0.5},
)
def ci_trigger(sub: Submission, p: Params) -> Finding:
    pipes = read_pipelines(sub)
    if not pipes:
        return Finding.failed(no_pipeline_message(sub))
    stub = other = None
    for pipe in pipes:
        hits = [e for e in p["events"] if e in pipe.triggers]
        if hits and not _does_work(pipe):
            stub = stub or (pipe, hits)
            continue
        if hits and not _builds(pipe):
            other = other or (pipe, hits)
            continue
        if hits:
            return Finding.passed(
                f"{pipe.path} runs on {', '.join(hits)}",
                [loc(pipe.path, pipe.triggers[hits[0]])],
            )
    if other:  # what runs on push is another pipeline's work: it is not the build run on push
        pipe, hits = other
        return Finding.ratio(p["other_work_credit"], f"{pipe.path} runs on {', '.join(hits)}, but it installs, builds "
                             "and tests nothing: the pipeline that builds does not run on every change",
                             [loc(pipe.path, pipe.triggers[hits[0]])])
    if stub:
        pipe, hits = stub
        return Finding.failed(f"{pipe.path} runs on {', '.join(hits)}, but none of its steps does any work: every "
                              "command only prints, lists or moves files (a stub pipeline)",
                              [loc(pipe.path, pipe.triggers[hits[0]])])
    found = sorted({t for pipe in pipes for t in pipe.triggers})
    return Finding.failed(
        f"{len(pipes)} pipeline(s) found, but none runs on {' or '.join(p['events'])} "
        f"(triggers: {', '.join(found) or 'none'})",
        [loc(pipes[0].path, pipes[0].line)],
    )


# Besides what runs nothing (commands.NOT_RUN: echo, printf, true...), commands that do no work of a
# pipeline's own: they list, wait, or shuffle files and settings.
_NO_WORK = frozenset({"ls", "pwd", "cat", "sleep", "date", "whoami", "hostname", "env", "printenv", "exit", "cd",
                      "mkdir", "rm", "chmod", "chown", "cp", "mv", "touch", "export", "set", "unset", "uname", "which",
                      "tree", "id", "df", "free", "uptime", "wc", "head", "tail", "write-host", "write-output", "dir",
                      "type"})
_VERSION_ONLY = lazy(r"^\S+ (?:-v|-V|--version|version)$")


def _builds(pipe) -> bool:
    """Could the pipeline do the build phase's work: anything but the repository's upkeep actions
    (code scanning, labels, stale issues, dependency review) and commands that do no work?"""
    for job in pipe.jobs:
        for step in job.steps:
            name = (step.uses or "").split("@")[0].lower()
            if step_categories(step) & _BUILD_WORK or (name and not name.startswith(_UPKEEP) and not step.commands):
                return True
    return False


_BUILD_WORK = frozenset({"install", "build", "test", "lint", "publish", "deploy"})
# actions that look after the repository rather than build it
_UPKEEP = ("actions/checkout", "github/codeql-action", "actions/labeler", "actions/stale", "ossf/scorecard-action",
           "actions/dependency-review-action", "actions/first-interaction", "dessant/lock-threads",
           "actions/upload-artifact", "github/codeql-action/upload-sarif", "amannn/action-semantic-pull-request")


def _does_work(pipe) -> bool:
    """Does any step of the pipeline do something: run an action (other than checking out the
    code) or a command that is not only printing, listing, waiting or moving files
    (``echo "Building the image..."`` builds nothing)?"""
    for job in pipe.jobs:
        for step in job.steps:
            if step.uses and not step.uses.split("@")[0].lower().endswith("/checkout"):
                return True
            if step.elsewhere is not None:  # work handed to another repository's workflow or template
                return True
            for cmd in step.commands:
                if cmd.resolved:
                    continue  # the commands it runs follow it and are judged themselves
                text = normalise(cmd.text)
                words = text.split()
                if words and not NOT_RUN.match(text) and tool_name(words[0]).lower() not in _NO_WORK \
                        and not _VERSION_ONLY.match(text):
                    return True
    return False


_RESOLVES = lazy(r"^(?:\S*/)?(?:mvnw?|gradlew?|cargo|go|dotnet|sbt|bazel|docker|podman|buildah|kaniko|executor)\b")


@detector(
    "ci-install",
    title="Pipeline installs dependencies",
    looks_for="A step of an automatic pipeline that installs the project's dependencies "
    "(`pip install`, `npm ci`, `poetry install`, `go mod download`, `bundle install`, "
    "`actions/setup-*`...), not in a comment or an `echo`; a build with a tool that fetches its own "
    "dependencies (Maven, Gradle, Cargo, Go, .NET, an image build) counts. Installing is the start of a build: "
    "when no step builds anything, it earns `without_build_credit`.",
    why="A build that installs its own dependencies runs the same on every machine: no "
    "'works on my machine'.",
    params={"without_build_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"without_build_credit": 1 / 3},
)
def ci_install(sub: Submission, p: Params) -> Finding:
    if not read_pipelines(sub):
        return Finding.failed(no_pipeline_message(sub))
    builds = next(step_with(read_pipelines(sub), "build"), None) is not None
    for pipe, job, _index, step in step_with(read_pipelines(sub), "build"):
        # Maven, Gradle, Cargo, Go, .NET and image builds fetch their own dependencies
        for cmd in step.commands_in("build"):
            if _RESOLVES.match(normalise(cmd.text)):
                return Finding.passed(f"job `{job.id}` builds with a tool that fetches its dependencies: "
                                      f"{cmd.text[:80]}", [cmd.at(pipe.path)])
    for pipe, job, _index, step in step_with(read_pipelines(sub), "install"):
        where, what = step_evidence(pipe, step, "install")
        if not builds:  # installing is the start of a build, not a build
            return Finding.ratio(p["without_build_credit"], f"job `{job.id}` installs dependencies ({what}), but "
                                 "no step builds anything with them", [where])
        return Finding.passed(f"job `{job.id}` installs dependencies: {what}", [where])
    return Finding.failed("no step of an automatic pipeline installs dependencies", where_it_belongs(read_pipelines(sub)))


_SKAFFOLD_BUILD = lazy(r"^skaffold (?:build|run)\b")
_TAG_FLAG = lazy(r"(?:^|\s)(?:-t|--tag)[\s=]")


def _versioned(sub: Submission, text: str) -> bool:
    """Is what the build command makes versioned? ``skaffold build``/``run`` without ``--tag``
    tags images by its config's ``tagPolicy`` (``gitCommit`` by default; a bare ``latest``
    template is not a version)."""
    words = normalise(text)
    if _SKAFFOLD_BUILD.match(words) and not _TAG_FLAG.search(words):
        configs = [c for c in delivery.skaffold_for(sub, text) if c.images]
        if configs:
            return any(delivery.versioned_tags(c) for c in configs)
    return is_versioned_build(text)


@detector(
    "ci-build-artifact",
    title="Pipeline builds a versioned artifact",
    looks_for="A step of an automatic pipeline that builds an artifact (`docker build`, "
    "`docker/build-push-action`, `npm run build`, `python -m build`, `mvn package`, `go build`...). "
    "Full credit when the artifact is versioned: a container tag carrying the commit SHA, a "
    "variable or a semantic version, not `latest`; packages carry their own version; `skaffold build`/`run` "
    "tags by its `skaffold.yaml`'s `tagPolicy` (`gitCommit` by default; a template giving only `latest` is "
    "not a version).",
    why="Every build should produce one immutable, uniquely versioned artifact that is tested "
    "once and promoted unchanged to every environment.",
    params={"unversioned_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"unversioned_credit": 0.5},
)
def ci_build_artifact(sub: Submission, p: Params) -> Finding:
    if not read_pipelines(sub):
        return Finding.failed(no_pipeline_message(sub))
    unversioned = None
    for pipe, job, _index, step in step_with(read_pipelines(sub), "build"):
        where, what = step_evidence(pipe, step, "build")
        if step.uses and "build-push-action" in step.uses:
            tags = re.sub(r"\$\{\{\s*([^}]*?)\s*\}\}", r"${{\1}}", str(step.with_.get("tags") or ""))
            versioned = any(versioned_reference(t) for t in re.split(r"[\s,]+", tags) if t)
        elif step.uses and step.uses.split("@")[0].lower() in ("goreleaser/goreleaser-action",
                                                               "helm/chart-releaser-action"):
            # GoReleaser names every artifact with the version of the git tag; chart-releaser packages
            # each chart under its Chart.yaml version
            versioned = True
        elif step.elsewhere is not None and not step.commands_in("build"):
            # built in another repository's workflow: versioned when what it is given says so
            versioned = not only_guessed(step, "build") and any(
                versioned_reference(str(v)) or re.fullmatch(r"v?\d+\.\d+(?:\.\d+)?", str(v).strip())
                for k, v in step.with_.items()
                if re.search(r"tag|version|image", str(k), re.I) and isinstance(v, (str, int, float)))
            if not versioned:
                unversioned = unversioned or (where, what, job.id)
                continue
        else:
            versioned = any(_versioned(sub, c.text) for c in step.commands_in("build"))
        if versioned:
            return Finding.passed(f"job `{job.id}` builds a versioned artifact: {what}", [where])
        unversioned = unversioned or (where, what, job.id)
    if unversioned:
        where, what, job_id = unversioned
        if what.startswith("runs in "):
            return Finding.ratio(p["unversioned_credit"], f"job `{job_id}` builds an artifact: it {what}, so "
                                 "whether the artifact gets a unique version is not known (give it the commit SHA "
                                 "or a release version as an input, or build it here)", [where])
        return Finding.ratio(
            p["unversioned_credit"],
            f"job `{job_id}` builds an artifact ({what}) but gives it no unique version "
            "(tag it with the commit SHA or a release version, not `latest`)",
            [where],
        )
    return Finding.failed("no step of an automatic pipeline builds an artifact", where_it_belongs(read_pipelines(sub)))


@detector(
    "build-tooling",
    title="Build tool wired into CI",
    looks_for="A build tool's configuration (Maven `pom.xml`, Gradle, `package.json` with a build script "
    "(npm, Yarn or pnpm), a `pyproject.toml` build system, `go.mod`, a Dockerfile, Buildpacks "
    "`project.toml`) that a CI step uses to build — full credit; the configuration alone — half.",
    why="A declared, automated build is reproducible: anyone (and the pipeline) builds the same artifact "
    "with one command.",
)
def build_tooling(sub: Submission, p: Params) -> Finding:
    configs = buildfiles.build_configs(sub)
    builds = [(_tool_of_build(c.text, step), c.at(pipe.path), c.text)
              for pipe, _j, _i, step in live_steps(read_pipelines(sub), automatic_only=True) for c in step.commands_in("build")]
    builds += [("Docker", Location(pipe.path, step.line), step.uses)
               for pipe, _j, _i, step in live_steps(read_pipelines(sub), automatic_only=True)
               if step.uses and "build-push-action" in step.uses]
    if builds and configs:
        return found("build tools", configs + builds)
    if builds:
        return found("build in CI", builds)
    if configs:
        return found("build tools configured", configs, 0.5, " (no CI step builds with them)")
    return Finding.failed("no build tool configuration found")


def _tool_of_build(text: str, step) -> str:
    first = normalise(text).split(" ", 1)[0].rsplit("/", 1)[-1]
    return {"mvn": "Maven", "mvnw": "Maven", "gradle": "Gradle", "gradlew": "Gradle", "npm": "npm", "yarn": "Yarn",
            "pnpm": "pnpm", "go": "Go", "docker": "Docker", "podman": "Podman", "pack": "Buildpacks",
            "python": "Python build", "python3": "Python build", "poetry": "Poetry", "uv": "uv",
            "cargo": "Cargo", "dotnet": ".NET"}.get(first, first)


_REGISTRIES = (
    (r"ghcr\.io", "GitHub Container Registry"), (r"\.dkr\.ecr\.[\w-]+\.amazonaws\.com", "Amazon ECR"),
    (r"(^|/)([\w-]+\.)?gcr\.io|-docker\.pkg\.dev", "Google Artifact Registry"), (r"\.azurecr\.io", "Azure Container Registry"),
    (r"registry\.gitlab\.com|\$CI_REGISTRY", "GitLab Container Registry"), (r"quay\.io", "Quay"),
)


def _registry(ref: str) -> str:
    for pattern, name in _REGISTRIES:
        if re.search(pattern, ref):
            return name
    return "Docker Hub" if "/" in ref or ":" in ref else "a container registry"


_DRY_RUN = lazy(r"\s--dry-run\b")
_ORG_PUBLISH = {"prometheus/promci/publish_main": ("container registries (main branch images)", False),
                "prometheus/promci/publish_release": ("container registries and GitHub Releases", True),
                # each chart packaged under its Chart.yaml version, a GitHub release and the chart index
                "helm/chart-releaser-action": ("a Helm chart repository (GitHub Releases)", True)}


@detector(
    "artifact-publish",
    title="Artifacts published with a version",
    looks_for="A CI step that publishes the build: `docker push` / `docker/build-push-action` with "
    "`push: true` (the registry is named: GHCR, ECR, GCR, ACR, GitLab, Docker Hub), `npm publish`, "
    "`twine upload` / the PyPI publish action, `cargo publish`, `gem push`, `dotnet nuget push`, `mvn deploy` / "
    "Gradle `publish` (Nexus, Artifactory), JFrog CLI uploads (not `--dry-run`); a release tool run by the "
    "pipeline whose configuration publishes (semantic-release with its npm plugin — one of its defaults — not "
    "`npmPublish: false` nor a private package, or an exec `publishCmd` that uploads; python-semantic-release "
    "with `upload_to_pypi`; changesets' `changeset publish` of a public package), its configuration read, never run. Full credit when the artifact's name carries a commit SHA or a version. A build "
    "output the pipeline only keeps as its own artifact (`actions/upload-artifact` of `dist/`, GitLab "
    "`artifacts: paths:` of a build job, CircleCI `store_artifacts`, Jenkins `archiveArtifacts`, Azure `PublishBuildArtifacts`/"
    "`PublishPipelineArtifact`) earns `kept_credit`; a kept log, test or coverage report is no build.",
    why="A versioned artifact in a registry is what gets deployed, and what you roll back to.",
    params={"kept_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"kept_credit": 0.4},
)
def artifact_publish(sub: Submission, p: Params) -> Finding:
    hits, versioned = [], False
    for pipe, _j, _i, step in live_steps(read_pipelines(sub), automatic_only=False):
        if step.uses and step.uses.split("@")[0].lower() == "docker/build-push-action" \
                and str(step.with_.get("push", "")).lower() in ("true", "${{ true }}"):
            tags = re.sub(r"\$\{\{\s*([^}]*?)\s*\}\}", r"${{\1}}", str(step.with_.get("tags") or ""))
            hits.append((_registry(tags), Location(pipe.path, step.line), step.uses))
            versioned |= any(versioned_reference(t) for t in re.split(r"[\s,]+", tags) if t)
        if step.uses and step.uses.split("@")[0].lower() in _ORG_PUBLISH:  # an organisation's publish action
            name = step.uses.split("@")[0].lower()
            hits.append((_ORG_PUBLISH[name][0], Location(pipe.path, step.line), step.uses))
            versioned |= _ORG_PUBLISH[name][1]
        if step.uses and step.uses.split("@")[0].lower() == "pypa/gh-action-pypi-publish":
            hits.append(("PyPI", Location(pipe.path, step.line), step.uses))
            versioned = True
        if step.uses and step.uses.split("@")[0].lower().startswith("jfrog/setup-jfrog-cli"):
            continue
        for c in step.commands:
            text = normalise(c.text)
            m = re.match(r"^(docker|podman) (image )?push (\S+)", text)
            if m:
                hits.append((_registry(m.group(3)), c.at(pipe.path), c.text))
                versioned |= is_versioned_build(f"docker build -t {m.group(3)} .")
            elif _DRY_RUN.search(text):
                continue
            elif re.match(r"^(npm|pnpm|yarn( npm)?) publish\b", text):
                hits.append(("npm registry", c.at(pipe.path), c.text))
                versioned = True
            elif re.match(r"^(twine upload|poetry publish|uv publish|flit publish)\b", text):
                hits.append(("PyPI", c.at(pipe.path), c.text))
                versioned = True
            elif re.match(r"^(cargo publish|gem push|dotnet nuget push)\b", text):
                hits.append(({"c": "crates.io", "g": "RubyGems", "d": "NuGet"}[text[0]], c.at(pipe.path), c.text))
                versioned = True
            elif re.match(r"^(\./)?mvnw? .*\bdeploy\b|^(\./)?gradlew? .*\bpublish", text):
                pom = sub.read_text("pom.xml") if sub.exists("pom.xml") else ""
                repo = "Artifactory" if "artifactory" in (pom or "").lower() else ("Nexus" if "nexus" in (pom or "").lower() else "Maven repository")
                hits.append((repo, c.at(pipe.path), c.text))
                versioned = True
            elif re.match(r"^(helm (push|cm-push)|cr upload)\b", text):  # charts carry their Chart.yaml version
                hits.append(("a Helm chart repository", c.at(pipe.path), c.text))
                versioned = True
            elif re.match(r"^jf (rt )?(u|upload)\b", text):
                hits.append(("Artifactory", c.at(pipe.path), c.text))
                versioned = True
    released = publishers.release_tool_publishes(sub, read_pipelines(sub))  # published with the version it cuts
    hits, versioned = hits + released, versioned or bool(released)
    if hits:
        return found("artifacts published to", hits, 1.0 if versioned else 0.5,
                      "" if versioned else " (with no version or commit SHA in the name)")
    kept = list(kept_artifacts(read_pipelines(sub)))
    if kept:
        _pipe, job, path, where = kept[0]
        return Finding.ratio(p["kept_credit"], f"job `{job.id}` keeps its build as a pipeline artifact (`{path}`), but "
                             "nothing publishes it to a registry under a version", [k[3] for k in kept[:3]])
    return Finding.failed("no CI step publishes an artifact")



_STAGE_ORDER = ("install", "build", "test", "publish", "deploy", "verify", "rollback", "release")


@detector(
    "pipeline-stages",
    title="A real pipeline with stages",
    looks_for="An automatic pipeline whose steps do at least `min_stages` different things, in any "
    "CI system read: install, build, test, publish, deploy, verify (a smoke test, `rollout status`), "
    "roll back, release. Credit by the share of `min_stages`.",
    why="A pipeline that builds, tests and deploys on every change is the design of Task 3 made real.",
    params={"min_stages": {"type": "integer", "minimum": 1, "maximum": 8}},
    defaults={"min_stages": 4},
)
def pipeline_stages(sub: Submission, p: Params) -> Finding:
    pipes = read_pipelines(sub)
    if not pipes:
        return Finding.failed(no_pipeline_message(sub))
    done: dict[str, Location] = {}
    for pipe, _job, _i, step in live_steps(pipes, automatic_only=True):
        for cat in step_categories(step):
            if cat in _STAGE_ORDER and cat not in done:
                done[cat] = loc(pipe.path, step.line)
    stages = [c for c in _STAGE_ORDER if c in done]
    if not stages:
        return Finding.failed("no automatic pipeline step installs, builds, tests or deploys anything",
                              where_it_belongs(pipes))
    return Finding.ratio(len(stages) / p["min_stages"],
                         f"the automatic pipeline does {plural(len(stages), 'kind')} of work: {', '.join(stages)}",
                         [done[c] for c in stages[:4]])


@detector(
    "ci-build-checked",
    title="The build is tested on every change",
    looks_for="An automatic pipeline that builds (the builds `ci-build-artifact` reads) and, on the same "
    "change (in that pipeline, or in one run on every push, pull or merge request — for a build on "
    "tags, also one run on tags), a step that runs the "
    "repository's tests — with real tests behind it: a test command with no real test in the "
    "repository checks nothing. A test whose failure is ignored (`|| true`) doesn't count, nor does one "
    "only run by hand; a linter is no test of what was built. Another repository's workflow named only "
    "generically (`ci.yml`: CI run elsewhere) earns `elsewhere_credit`.",
    why="Fail fast: a build is worth keeping once the change it was made from has passed its tests; "
    "a pipeline that builds and never checks ships whatever compiles.",
    params={"elsewhere_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"elsewhere_credit": 0.5},
)
def ci_build_checked(sub: Submission, p: Params) -> Finding:
    pipes = read_pipelines(sub)
    if not pipes:
        return Finding.failed(no_pipeline_message(sub))
    builds = list(step_with(pipes, "build"))
    if not builds:
        return Finding.failed("no step of an automatic pipeline builds anything for the tests to check",
                              where_it_belongs(pipes))
    # What runs on every push, pull or merge request checked the change a build is made from (a
    # tag is put on a commit that was pushed); what runs only on tags checks only tag builds.
    events = _EVERY_CHANGE | {t for pipe, _j, _i, _s in builds for t in pipe.triggers if t == "tag"}
    _bpipe, bjob, _bi, _bstep = builds[0]

    def same_change(pipe) -> bool:
        return any(b[0] is pipe for b in builds) or bool(events & set(pipe.triggers))
    real = sum(len(f.real_tests) for f in testfiles.scan(sub))
    hollow = guessed = None
    for pipe, job, _index, step in step_with(pipes, "test"):
        if not same_change(pipe):
            continue
        where, what = step_evidence(pipe, step, "test")
        if real and only_guessed(step, "test"):  # CI run in another repository, named generically
            guessed = guessed or (where, what, job.id)
            continue
        if real:
            return Finding.passed(f"job `{bjob.id}` builds, and job `{job.id}` runs the tests on the same change: "
                                  f"{what}", [where])
        hollow = hollow or (where, what, job.id)
    if guessed:
        where, what, job_id = guessed
        return Finding.ratio(p["elsewhere_credit"], f"job `{bjob.id}` builds, and job `{job_id}` {what}, which may "
                             "test it — nothing it names or is given says it tests", [where])
    if hollow:
        where, what, job_id = hollow
        return Finding.failed(f"job `{job_id}` runs `{what}`, but the repository has no real tests behind it: "
                              "the build is checked by nothing", [where])
    return Finding.failed(f"job `{bjob.id}` builds, but no step of a pipeline run on the same change tests it",
                          where_it_belongs(pipes))


_EVERY_CHANGE = frozenset({"push", "pull_request", "merge_request"})
