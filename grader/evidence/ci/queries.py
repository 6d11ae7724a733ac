"""The queries detectors ask of the pipeline model: the steps that would run, what a step does
(its commands, and its action as the CI systems' readers declare it), where a missing step
belongs, which tools run as a gate."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from grader.evidence.ci import action_categories, ssh_action
from grader.evidence.ci.model import Job, Pipeline, Step, command_categories
from grader.evidence.shell import NOT_RUN, normalise, unwrap
from grader.model import Location
from grader.patterns import lazy


def step_categories(step: Step) -> set[str]:
    """What a step does: what its action does (as its CI system's reader declares it) and what
    its commands do."""
    found = set(action_categories(step.uses)) if step.uses else set()
    if step.elsewhere is not None and not found:  # another repository's workflow or action, read by its name
        found |= set(step.elsewhere.categories)
    if step.uses and step.commands and ssh_action(step.uses):
        found.discard("deploy")  # what it runs on the server says whether it deploys
    if step.uses and step.uses.split("@")[0].lower() == "docker/build-push-action":
        if str(step.with_.get("push", "")).lower() not in ("true", "${{ true }}"):
            found.discard("publish")
    for cmd in step.commands:
        found |= command_categories(cmd)
    return found


def live_steps(pipes: list[Pipeline], *, automatic_only: bool = True) -> Iterator[tuple[Pipeline, Job, int, Step]]:
    """(pipeline, job, index, step) for every step that would run (in an automatic pipeline)."""
    for pipe in pipes:
        if automatic_only and not pipe.automatic:
            continue
        for job in pipe.jobs:
            if job.condition == "never":
                continue
            for index, step in enumerate(job.steps):
                if step.condition == "never":
                    continue
                yield pipe, job, index, step


def step_with(pipes: list[Pipeline], category: str, *, automatic_only: bool = True):
    """The live steps that do ``category`` (install, build, test, deploy, publish...)."""
    for pipe, job, index, step in live_steps(pipes, automatic_only=automatic_only):
        if category in step_categories(step):
            yield pipe, job, index, step


def where_it_belongs(pipes: list[Pipeline]) -> list[Location]:
    """Where a missing pipeline step belongs: the first job of the first automatic pipeline
    (or of the first pipeline), so the finding points at the file to edit."""
    auto = [p for p in pipes if p.automatic] or pipes
    if not auto:
        return []
    pipe = auto[0]
    return [Location(pipe.path, pipe.jobs[0].line if pipe.jobs else pipe.line)]


def step_evidence(pipe: Pipeline, step: Step, category: str) -> tuple[Location, str]:
    """Where a step does ``category`` and what it runs, for a finding's message."""
    cmds = step.commands_in(category)
    if cmds:
        return cmds[0].at(pipe.path), cmds[0].text
    return Location(pipe.path, step.line), call_text(step)


def call_text(step: Step) -> str:
    """What a step without commands runs, for a message: its action, or the other repository's
    workflow it hands the work to, said as not read."""
    if step.elsewhere is not None and not action_categories(step.uses or ""):
        return f"runs in {step.elsewhere.describe()}"
    return f"uses {step.uses}" if step.uses else step.name


def only_guessed(step: Step, category: str) -> bool:
    """Does the step do ``category`` only as a guess from a generic name of another repository's
    workflow (``ci.yml``: "CI run elsewhere")? Such a step earns partial credit at most."""
    return (step.elsewhere is not None and category in step.elsewhere.guessed
            and not step.commands_in(category) and category not in action_categories(step.uses or ""))


_TOOL_PATH = lazy(r"^\S*[\\/](?=[\w.-]+(?:\s|$))")
_WRAPPER_NAMES = {"mvnw": "mvn", "mvnw.cmd": "mvn", "gradlew": "gradle", "gradlew.bat": "gradle"}


@functools.lru_cache(maxsize=1 << 16)
def tool_text(text: str) -> str:
    """A command as the tool it runs: runners dropped (``npx eslint``), a path before the tool's
    name dropped (``./node_modules/.bin/eslint``, ``.\\.sonar\\scanner\\dotnet-sonarscanner``) and
    wrappers named as their tool (``./gradlew`` → ``gradle``)."""
    text = _TOOL_PATH.sub("", unwrap(text))
    word, sep, rest = text.partition(" ")
    return _WRAPPER_NAMES.get(word, word) + sep + rest


def gate_commands(pipes: list[Pipeline], commands: dict[str, str], actions: dict[str, str] | None = None
                  ) -> list[tuple[str, Location, str]]:
    """[(tool, Location, text)] for commands (``commands``: regular expression → tool) and
    actions (``actions``: prefix → tool) that run as a gate: in an automatic pipeline, on the
    success path, their failure not ignored (``|| true``, ``continue-on-error``). Commands
    reached through the repository (``make lint`` → ``ruff check .``) count, located with
    their chain."""
    found = []
    for pipe, _job, _i, step in live_steps(pipes):
        if step.condition not in ("success", "always"):
            continue
        if step.uses and actions and not step.commands:
            name = step.uses.split("@", 1)[0].lower()
            for prefix, tool in actions.items():
                if name == prefix or name.startswith(prefix + "/"):
                    found.append((tool, Location(pipe.path, step.line), f"uses {step.uses}"))
                    break
        for cmd in step.commands:
            if cmd.ignored or cmd.resolved:
                continue
            hit = _matching_tool(cmd.text, commands)
            if hit:
                found.append((hit, cmd.at(pipe.path), cmd.text))
    return found


def tool_steps(pipes: list[Pipeline], commands: dict[str, str],
               actions: dict[str, str] | None = None) -> list[tuple[str, Location, str]]:
    """[(tool, Location, text)] for steps (of any pipeline) that would run a command matching
    one of ``commands`` (regular expression → tool) or use one of ``actions`` (prefix → tool)."""
    found = []
    for pipe, _job, _i, step in live_steps(pipes, automatic_only=False):
        if step.uses and actions:
            name = step.uses.split("@", 1)[0].lower()
            for prefix, tool in actions.items():
                if name == prefix or name.startswith(prefix + "/"):
                    found.append((tool, Location(pipe.path, step.line), f"uses {step.uses}"))
                    break
        for cmd in step.commands:
            hit = _matching_tool(cmd.text, commands)
            if hit:
                found.append((hit, cmd.at(pipe.path), cmd.text))
    return found


def _matching_tool(command: str, commands: dict[str, str]) -> str | None:
    """The tool of the first pattern that matches the command as written (``docker run
    hadolint/hadolint``) or as the tool it runs (``npx eslint`` → ``eslint``); echo/printf
    text is not a command."""
    written = normalise(command)
    if NOT_RUN.match(written):
        return None
    texts = (tool_text(command), written)
    for pattern, tool in _compiled_tools(tuple(commands.items())):
        if pattern.search(texts[0]) or pattern.search(texts[1]):
            return tool
    return None


@functools.lru_cache(maxsize=64)
def _compiled_tools(items: tuple[tuple[str, str], ...]) -> tuple[tuple[re.Pattern, str], ...]:
    """The patterns of a detector's tool table, compiled once."""
    return tuple((re.compile(pattern), tool) for pattern, tool in items)


_UPLOADS = ("actions/upload-artifact", "actions/upload-pages-artifact")
# What a kept path holds when it is a report or a log rather than what was built.
_REPORT = lazy(r"(?:^|[/._-])(?:coverage|lcov|junit|test-?results?|test-?reports?|reports?|logs?|screenshots?|"
               r"videos?|traces?|playwright-report|cypress|allure[a-z0-9]*|surefire[a-z0-9]*|failsafe[a-z0-9]*|jacoco|"
               r"htmlcov|sarif|results?|benchmarks?|profil[a-z]*|diagnostics?|dumps?|lint[a-z]*|audit)(?:$|[/._-])|"
               r"\.(?:log|trx|sarif|xml|html?|txt|json)$", re.I)
# What a kept path holds when it is a build's output, whoever built it.
_OUTPUT = lazy(r"(?:^|/)(?:dist|build|target|bin|out|release|releases|publish|artifacts?|packages?|site|public)(?:/|$)|"
               r"\.(?:jar|war|ear|whl|tar\.gz|tgz|zip|apk|aab|ipa|exe|msi|deb|rpm|dmg|nupkg|gem|so|dll|wasm)$", re.I)


def kept_artifacts(pipes: list[Pipeline]) -> Iterator[tuple[Pipeline, Job, str, Location]]:
    """(pipeline, job, path, where) of each build output an automatic pipeline keeps once the
    job ends (`actions/upload-artifact`, GitLab `artifacts: paths:`, Azure `PublishBuildArtifacts`,
    Jenkins `archiveArtifacts`): not a report or a log, and either made by a job that builds or
    named as a build's output is (`dist/`, `target/*.jar`)."""
    for pipe in pipes:
        if not pipe.automatic:
            continue
        for job in pipe.jobs:
            if job.condition in ("never", "failure"):
                continue
            builds = any("build" in step_categories(s) for s in job.steps if s.condition != "never")
            kept = list(job.kept) + [(str(s.with_.get("path") or ""), s.line) for s in job.steps
                                     if s.uses and s.uses.split("@")[0].lower() in _UPLOADS
                                     and s.condition not in ("never", "failure")]
            for raw, line in kept:
                for path in (p.strip() for p in raw.splitlines() if p.strip() and not p.strip().startswith("!")):
                    if not _REPORT.search(path) and (builds or _OUTPUT.search(path)):
                        yield pipe, job, path, Location(pipe.path, line)
                        break
