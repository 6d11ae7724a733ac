"""One pipeline model for several CI systems.

A :class:`Pipeline` has triggers, jobs with their dependencies, and ordered steps with the
commands they would run and the condition they run under. GitHub Actions and GitLab CI are
read here; other systems plug in by adding a reader to :data:`READERS`.

Conditions are normalised to one of ``success`` (the default: runs when everything before
succeeded), ``failure`` (runs only when something before failed), ``always`` (runs either way)
and ``manual``/``never``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.evidence.commands import Command, action_categories, categories

GITHUB_DIR = ".github/workflows/"


@dataclass(slots=True)
class Step:
    name: str
    line: int
    condition: str = "success"
    uses: str | None = None
    with_: dict = field(default_factory=dict)
    commands: list[Command] = field(default_factory=list)

    def categories(self) -> set[str]:
        found = set(action_categories(self.uses)) if self.uses else set()
        if self.uses and self.uses.split("@")[0].lower() == "docker/build-push-action":
            if str(self.with_.get("push", "")).lower() not in ("true", "${{ true }}"):
                found.discard("publish")
        for cmd in self.commands:
            found |= categories(cmd.text)
        return found

    def commands_in(self, category: str) -> list[Command]:
        return [c for c in self.commands if category in categories(c.text)]


@dataclass(slots=True)
class Job:
    id: str
    line: int
    needs: list[str] = field(default_factory=list)
    condition: str = "success"
    steps: list[Step] = field(default_factory=list)
    stage: str | None = None
    environment: str | None = None
    tag_only: bool = False  # runs only for tag pipelines


@dataclass(slots=True)
class Pipeline:
    system: str  # github | gitlab
    path: str
    line: int
    name: str
    triggers: dict[str, int] = field(default_factory=dict)  # trigger -> line
    jobs: list[Job] = field(default_factory=list)

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


def read_pipelines(sub) -> list[Pipeline]:
    """Every pipeline in the submission that its CI system would actually run: GitHub Actions
    workflows directly in ``.github/workflows/``, ``.gitlab-ci.yml`` (with local includes),
    ``Jenkinsfile`` anywhere, ``.circleci/config.yml``."""
    cached = sub.memo("pipelines")
    if cached is not None:
        return cached
    from grader.evidence import ci_github  # the others are imported only when present

    pipes: list[Pipeline] = []
    for rel in sub.files:
        low = rel.lower()
        name = rel.rsplit("/", 1)[-1]
        if low.startswith(GITHUB_DIR) and low.endswith((".yml", ".yaml")) and rel.count("/") == 2:
            docs = sub.yaml_docs(rel) or []
            pipe = ci_github.read_github(rel, docs[0]) if docs else None  # GitHub reads one document
        elif rel == ".gitlab-ci.yml":
            from grader.evidence import ci_gitlab

            docs = sub.yaml_docs(rel) or []
            pipe = ci_gitlab.read_gitlab(rel, docs[0], ci_gitlab.includes(sub, docs[0])) if docs else None
        elif rel == ".circleci/config.yml":
            from grader.evidence import ci_circleci

            docs = sub.yaml_docs(rel) or []
            pipe = ci_circleci.read_circleci(rel, docs[0]) if docs else None
        elif name == "Jenkinsfile" or name.endswith(".Jenkinsfile") or name.startswith("Jenkinsfile."):
            from grader.evidence import ci_jenkins

            text = sub.read_text(rel)
            try:
                pipe = ci_jenkins.read_jenkins(rel, text) if text else None
            except ValueError as exc:
                sub.problems[rel] = f"can't be read as a Jenkinsfile: {exc}"
                pipe = None
        else:
            continue
        if pipe:
            pipes.append(pipe)
    ci_github.link_reusable(pipes)
    return sub.memo("pipelines", pipes)
