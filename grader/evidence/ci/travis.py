"""Travis CI (``.travis.yml``) into the pipeline model: its phases in the order Travis runs
them (``before_install``, ``install``, ``before_script``, ``script``, then ``after_success`` or
``after_failure``, ``before_deploy``/``deploy``), ``jobs: include`` with ``stage`` names, and
``deploy`` providers (``releases`` on tags, ``pages``, ``heroku``, ``script``...). Travis builds
every push and pull request. A job that says no ``install`` or ``script`` runs its ``language``'s
defaults (Travis's documentation): ``node_js`` installs with ``npm ci`` (``npm install`` without a
lock file) and runs ``npm test``; ``go`` runs ``go get -t -v ./...`` and ``make`` (``go test -v
./...`` without a Makefile); ``ruby`` runs ``bundle install`` and ``rake``; ``java`` runs Maven's
or Gradle's install and test; ``rust`` runs ``cargo build`` and ``cargo test``; ``python`` installs
``requirements.txt`` and has no default script (its build fails without one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.shell import Command, split_script
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "travis"
NAME = "Travis CI"
WHERE = "`.travis.yml`"
PREFIXES = ()

TERMS = {
    "ci": "Travis CI", "ci_file": ".travis.yml", "commit_sha": "$TRAVIS_COMMIT",
    "on_change": "a `.travis.yml` (Travis builds every push and pull request)", "on_failure": "`after_failure`",
    "on_tags": "`deploy: on: tags: true`",
}

ACTIONS: dict[str, tuple[str, ...]] = {}  # no actions of its own: steps are commands
SSH_ACTIONS: frozenset[str] = frozenset()
_PHASES = (("before_install", "success"), ("install", "success"), ("before_script", "success"),
           ("script", "success"), ("after_success", "success"), ("after_failure", "failure"),
           ("before_deploy", "success"))
_PROVIDERS = {"releases": "gh release create $TRAVIS_TAG", "pages": "deploy github pages",
              "heroku": "heroku releases", "script": "", "npm": "npm publish", "pypi": "twine upload dist/*",
              "s3": "aws s3 sync . s3://bucket", "elasticbeanstalk": "aws deploy create-deployment",
              "gcs": "gcloud app deploy", "firebase": "firebase deploy"}



def language_defaults(language: str, files: frozenset[str]) -> dict[str, str]:
    """The ``install`` and ``script`` Travis runs for ``language`` when the job gives none
    (``files``: the repository's top-level files, which some defaults depend on)."""
    if language in ("node_js", "node"):
        return {"install": "npm ci" if "package-lock.json" in files else "npm install", "script": "npm test"}
    if language == "go":
        return {"install": "go get -t -v ./...", "script": "make" if "Makefile" in files else "go test -v ./..."}
    if language == "ruby" and "Gemfile" in files:
        return {"install": "bundle install --jobs=3 --retry=3", "script": "rake"}
    if language in ("java", "android", "groovy", "scala", "clojure"):
        if "pom.xml" in files:
            return {"install": "mvn install -DskipTests=true -B -V", "script": "mvn test -B"}
        if "build.gradle" in files or "build.gradle.kts" in files:
            return {"install": "gradle assemble", "script": "gradle check"}
        return {"script": "sbt ++$TRAVIS_SCALA_VERSION test"} if language == "scala" else {}
    if language == "rust":
        return {"script": "cargo build --verbose && cargo test --verbose"}
    if language == "python" and "requirements.txt" in files:
        return {"install": "pip install -r requirements.txt"}
    return {}


def matches(path: str) -> bool:
    return path == ".travis.yml"


def read(sub: Submission, path: str) -> Pipeline | None:
    docs = sub.yaml_docs(path) or []
    top = frozenset(f for f in sub.files if "/" not in f)
    return read_travis(path, docs[0], top) if docs else None


def _phase(body: dict, key: str, cond: str, line: int) -> Step | None:
    value = body.get(key)
    entries = value if isinstance(value, list) else ([value] if isinstance(value, str) else [])
    if not entries:
        return None
    step = Step(key, line_of(value, body.line_of(key) if hasattr(body, "line_of") else line) or line, condition=cond)
    for i, cmd in enumerate(entries):
        if isinstance(cmd, str):
            cline = value.line_of(i) if isinstance(value, list) and hasattr(value, "line_of") else step.line
            step.commands.extend(split_script(cmd, cline or step.line))
    return step


def _job(name: str, body: dict, base: dict, line: int, files: frozenset[str] = frozenset()) -> Job:
    job = Job(name, line)
    job.ephemeral = True  # every Travis job runs on a fresh virtual machine
    language = str(body.get("language", base.get("language", "ruby")))  # Travis's default language
    defaults = language_defaults(language, files)
    for key, cond in _PHASES:
        holder = body if key in body else base
        step = _phase(holder, key, cond, line)
        if step is None and key not in holder and defaults.get(key):
            step = Step(f"{key} (the {language} default)", line_of(holder, line) or line, condition=cond)
            step.commands = split_script(defaults[key], step.line)
        if step:
            job.steps.append(step)
    deploys = body.get("deploy", base.get("deploy"))
    for d in deploys if isinstance(deploys, list) else ([deploys] if isinstance(deploys, dict) else []):
        if not isinstance(d, dict):
            continue
        dline = line_of(d, line) or line
        provider = str(d.get("provider", "script"))
        step = Step(f"deploy: {provider}", dline)
        if provider == "script" and isinstance(d.get("script"), str):
            step.commands = split_script(d["script"], dline)
        elif _PROVIDERS.get(provider):
            step.commands = [Command(_PROVIDERS[provider], dline)]
        if mapping(d.get("on")).get("tags") is True:
            job.on_tag, job.tag_line = True, dline
        job.steps.append(step)
    return job


def read_travis(path: str, doc, files: frozenset[str] = frozenset()) -> Pipeline | None:
    if not isinstance(doc, dict):
        return None
    pipe = Pipeline(SYSTEM, path, line_of(doc, 1) or 1, path)
    pipe.triggers["push"] = pipe.line
    pipe.triggers["pull_request"] = pipe.line
    include = mapping(doc.get("jobs") or doc.get("matrix")).get("include")
    previous: list[str] = []
    stage_of: dict[str, list[str]] = {}
    if isinstance(include, list) and include:
        current = "test"
        for i, raw in enumerate(include):
            if not isinstance(raw, dict):
                continue
            current = str(raw.get("stage", current))
            job = _job(f"{current}:{raw.get('name') or i + 1}", raw, doc, line_of(raw, item_line(include, i)) or 1,
                       files)
            job.stage = current
            stage_of.setdefault(current, []).append(job.id)
            pipe.jobs.append(job)
        order = list(stage_of)
        for job in pipe.jobs:
            at = order.index(job.stage) if job.stage in order else 0
            previous = [j for s in order[:at] for j in stage_of[s]]
            job.needs = previous
    else:
        pipe.jobs.append(_job("build", doc, {}, pipe.line, files))
    return pipe if any(j.steps for j in pipe.jobs) else None
