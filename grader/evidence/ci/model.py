"""One pipeline model for every CI system, and the queries detectors ask of it.

A :class:`Pipeline` has triggers, jobs with their dependencies, and ordered steps with the
commands they would run and the condition they run under. Each CI system's reader (a module
beside this one) fills it the same way, so no detector needs to know which system it is.

Conditions are normalised to one of ``success`` (the default: runs when everything before
succeeded), ``failure`` (runs only when something before failed), ``always`` (runs either way),
``cancelled``, and ``manual``/``never``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from grader.evidence.commands import (
    NOT_RUN,
    SSH_ACTIONS,
    Command,
    action_categories,
    categories,
    normalise,
    remote_categories,
    unwrap,
)
from grader.model import Location


@dataclass(slots=True)
class Step:
    name: str
    line: int
    condition: str = "success"
    uses: str | None = None
    with_: dict = field(default_factory=dict)
    commands: list[Command] = field(default_factory=list)
    workdir: str = ""  # the folder the commands run in (`working-directory:`), repository-relative

    def categories(self) -> set[str]:
        found = set(action_categories(self.uses)) if self.uses else set()
        if self.uses and self.commands and self.uses.split("@")[0].lower() in SSH_ACTIONS:
            found.discard("deploy")  # what it runs on the server says whether it deploys
        if self.uses and self.uses.split("@")[0].lower() == "docker/build-push-action":
            if str(self.with_.get("push", "")).lower() not in ("true", "${{ true }}"):
                found.discard("publish")
        for cmd in self.commands:
            found |= command_categories(cmd)
        return found

    def commands_in(self, category: str) -> list[Command]:
        """The commands that do ``category``, those reached through the repository first (their
        location shows the chain)."""
        hits = [c for c in self.commands if category in command_categories(c)]
        return sorted(hits, key=lambda c: not c.via)


GATES = frozenset({"test", "lint", "build"})  # what a failure must stop: ignored, it checks nothing


def command_categories(cmd: Command) -> set[str]:
    """What a command does in its step: nothing of its own when what it runs was read from the
    repository (the commands it runs say it, and a `make test` that only echoes tests
    nothing); no gate when its failure is ignored (`pytest || true`, `tsc || true`: a broken
    build that passes is not a build step)."""
    if cmd.resolved:
        return set()
    found = remote_categories(cmd.text) if cmd.remote else categories(cmd.text)
    if cmd.ignored:
        found -= GATES
    return found


@dataclass(slots=True)
class Job:
    id: str
    line: int
    needs: list[str] = field(default_factory=list)
    condition: str = "success"
    steps: list[Step] = field(default_factory=list)
    stage: str | None = None
    tag_only: bool = False  # the job itself is limited to tag pipelines
    # Whether the job runs for a version tag, and the line that says so. A reader that knows
    # it per job sets it; otherwise it follows the pipeline's triggers (see finish()).
    on_tag: bool | None = None
    tag_line: int = 0
    # The runner is made for this job and gone after it (a hosted virtual machine, a
    # container): what the job starts on it is a test environment, not a deployment.
    ephemeral: bool = False


@dataclass(slots=True)
class Pipeline:
    system: str  # the reader's NAME: for messages, never for decisions
    path: str
    line: int
    name: str
    triggers: dict[str, int] = field(default_factory=dict)  # trigger -> line
    jobs: list[Job] = field(default_factory=list)
    templates: list[tuple[str, int]] = field(default_factory=list)  # included vendor templates, line

    @property
    def automatic(self) -> bool:
        return bool(set(self.triggers) & {"push", "pull_request", "tag", "merge_request"})

    def job(self, job_id: str) -> Job | None:
        return next((j for j in self.jobs if j.id == job_id), None)

    def upstream(self, job: Job) -> set[str]:
        """Ids of every job ``job`` needs, directly or not."""
        seen: set[str] = set()
        pending = list(job.needs)
        while pending:
            jid = pending.pop()
            if jid in seen:
                continue
            seen.add(jid)
            other = self.job(jid)
            if other:
                pending.extend(other.needs)
        return seen

    def finish(self) -> Pipeline:
        """Fill what a reader left to the pipeline's triggers: which jobs run for tags."""
        tagged = "tag" in self.triggers or "release" in self.triggers
        line = self.triggers.get("tag", self.triggers.get("release", 0))
        for job in self.jobs:
            if job.on_tag is None:
                job.on_tag = tagged
                job.tag_line = line or job.line
        return self


# -- the queries detectors ask ------------------------------------------------------------------
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
        if category in step.categories():
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
    return Location(pipe.path, step.line), f"uses {step.uses}" if step.uses else step.name


_TOOL_PATH = re.compile(r"^\S*[\\/](?=[\w.-]+(?:\s|$))")
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
