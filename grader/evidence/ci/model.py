"""One pipeline model for every CI system (the queries detectors ask of it are in
:mod:`grader.evidence.ci.queries`).

A :class:`Pipeline` has triggers, jobs with their dependencies, and ordered steps with the
commands they would run and the condition they run under. Each CI system's reader (a module
beside this one) fills it the same way, so no detector needs to know which system it is.

Conditions are normalised to one of ``success`` (the default: runs when everything before
succeeded), ``failure`` (runs only when something before failed), ``always`` (runs either way),
``cancelled``, and ``manual``/``never``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.evidence.ci.remote import Remote
from grader.evidence.shell import Command, categories, remote_categories, runs_test_script


@dataclass(slots=True)
class Step:
    name: str
    line: int
    condition: str = "success"
    uses: str | None = None
    with_: dict = field(default_factory=dict)
    commands: list[Command] = field(default_factory=list)
    workdir: str = ""  # the folder the commands run in (`working-directory:`), repository-relative
    # work handed to another repository (a reusable workflow, an action, an include), read from
    # what the call names and is given, never fetched (see grader.evidence.ci.remote)
    elsewhere: Remote | None = None

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
    if cmd.resolved:  # (a test script run by name tests, whatever its commands: `bash t_cat.sh`)
        return {"test"} if runs_test_script(cmd.text) and not cmd.ignored else set()
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
    # What the pipeline keeps of the job's files once it ends (GitLab `artifacts: paths:`, Azure
    # `PublishBuildArtifacts`/`publish:`, Jenkins `archiveArtifacts`): (path or pattern, line).
    kept: list[tuple[str, int]] = field(default_factory=list)


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
        # (a GitHub release published: as automatic as the tag it is made from)
        return bool(set(self.triggers) & {"push", "pull_request", "tag", "merge_request", "release"})

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
