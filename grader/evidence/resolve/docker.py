"""Image builds (``docker build -f docker/Dockerfile --target test .``, ``docker/build-push-action``):
the RUN instructions of the stages the build reaches."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import TYPE_CHECKING

from grader.evidence import budget as evidence_budget
from grader.evidence import dockerfile
from grader.evidence.resolve.common import MAX_ADDED, Found, inside, join
from grader.evidence.shell import Command, shell_words, split_script
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

IMAGE_BUILD = lazy(r"^(?:(?:docker|podman)(?: image| buildx)? build|buildah (?:bud|build))\b")
_VALUED = {"-f", "--file", "-t", "--tag", "--target", "--build-arg", "--platform", "--label", "--cache-from",
           "--cache-to", "--secret", "--ssh", "--network", "--progress", "-o", "--output", "--build-context",
           "--add-host", "--iidfile", "--metadata-file", "--shm-size", "--ulimit", "--memory", "-m"}


def resolve(sub: Submission, text: str, cwd: str) -> Found | None:
    """``docker build -f docker/Dockerfile.app --target test .``: the Dockerfile's RUN commands
    of the target stage and the stages it builds on."""
    build = parse_build(text, cwd)
    return dockerfile_commands(sub, build.dockerfile, build.target) if build else None


@dataclasses.dataclass(frozen=True, slots=True)
class Build:
    """What an image build command names: its tags, the Dockerfile, the target stage, the
    context folder (repository-relative)."""
    tags: tuple[str, ...]
    dockerfile: str
    target: str | None
    context: str


def parse_build(text: str, cwd: str) -> Build | None:
    """The image build ``text`` (run in ``cwd``) makes; None when it is no build, or its
    Dockerfile or context is not a folder of the repository we can name."""
    m = IMAGE_BUILD.match(text)
    words = shell_words(text) if m else None
    if m is None or words is None:
        return None
    file = target = None
    positional, tags = [], []
    i = len(m.group(0).split())
    while i < len(words):
        word = words[i]
        flag, eq, value = word.partition("=")
        if flag in ("-f", "--file", "--target", "-t", "--tag") and not eq and i + 1 < len(words):
            value, i = words[i + 1], i + 1
        if flag in ("-f", "--file"):
            file = value
        elif flag == "--target":
            target = value
        elif flag in ("-t", "--tag"):
            tags.append(value)
        elif flag in _VALUED and not eq:
            i += 1
        elif not word.startswith("-"):
            positional.append(word)
        i += 1
    context = positional[-1] if positional else "."
    if "://" in context or "$" in context or (file and "$" in file):
        return None
    where = join(cwd, context)
    return Build(tuple(tags), join(cwd, file) if file else join(where, "Dockerfile"), target, where)


_IMAGE_ACTIONS = {"docker/build-push-action": ("file", "context", "target"),
                  "redhat-actions/buildah-build": ("containerfiles", "context", "target"),
                  "mr-smithers-excellent/docker-build-push": ("dockerfile", "directory", "target")}


IMAGES = ("resolve", "images")  # the submission memo's key of the images built so far, by name


def image_name(ref: str) -> str:
    """An image reference without its tag or digest (``e2e:latest`` → ``e2e``)."""
    ref = ref.split("@", 1)[0]
    head, _sep, tail = ref.rpartition(":")
    return (head if head and "/" not in tail else ref).lower()


def image_action_commands(sub: Submission, uses: str, with_: dict, via: tuple[str, ...]) -> list[Command]:
    """The RUN commands an image-building action (``docker/build-push-action`` with ``file``,
    ``context``, ``target``) executes, each located with the step that leads there."""
    keys = _IMAGE_ACTIONS.get(uses.split("@", 1)[0].lower())
    if not keys:
        return []
    file, context, target = (with_.get(k) for k in keys)
    file = file.split()[0] if isinstance(file, str) and file.strip() else None
    context = context if isinstance(context, str) and context.strip() else "."
    if "$" in context or "://" in context or (file and "$" in file):
        return []
    path = join("", file) if file else join(join("", context), "Dockerfile")
    built = Build((), path, target if isinstance(target, str) else None, join("", context))
    images = evidence_budget.of(sub).memo.setdefault(IMAGES, {})  # `docker run` of the image later runs it
    tags = re.sub(r"\$\{\{[^}]*\}\}", "${{}}", str(with_.get("tags") or ""))[:10_000]
    for tag in re.split(r"[\s,]+", tags):
        if tag and "${{" not in tag:  # an expression is filled in by the runner: not a name we can match
            images[image_name(tag)] = built
    found = dockerfile_commands(sub, path, built.target)
    if not found:
        return []
    return [dataclasses.replace(c, via=via) for c in found[1][:MAX_ADDED]]  # expand() follows them (and spends)


_FROM = lazy(r"^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", re.I)  # FROM's arguments
_COPY_FROM = lazy(r"^(?:--\S+\s+)*?--from=(\S+)", re.I)  # COPY's or ADD's


def dockerfile_commands(sub: Submission, path: str, target: str | None) -> Found | None:
    """(key, commands) for the RUN instructions a build of ``path`` (up to stage ``target``)
    executes; None when there is no such Dockerfile in the repository."""
    if not path or not inside(path) or not sub.exists(path):
        return None
    stages = _stages(dockerfile.instructions(sub, path))
    if not stages:
        return None
    commands: list[Command] = []
    for n in _reached(stages, target):
        for line, script in stages[n]["runs"]:
            commands.extend(dataclasses.replace(c, path=path) for c in split_script(script, line))
    return ("dockerfile", path, target), commands


def _stages(instructions: list[dockerfile.Instruction]) -> list[dict]:
    """A Dockerfile's stages: {name, deps (the stages or images it builds on), runs: [(line,
    script)]}."""
    stages: list[dict] = []
    for ins in instructions:
        m = _FROM.match(ins.args) if ins.name == "FROM" else None
        if m:
            stages.append({"name": (m.group(2) or "").lower(), "deps": {m.group(1).lower()}, "runs": []})
            continue
        if not stages:
            continue
        copy = _COPY_FROM.match(ins.args) if ins.name in ("COPY", "ADD") else None
        if copy:
            stages[-1]["deps"].add(copy.group(1).lower())
        elif ins.heredoc:
            stages[-1]["runs"].append(ins.heredoc)
        elif ins.name == "RUN":
            stages[-1]["runs"].append((ins.line, _exec_form(dockerfile.RUN_FLAGS.sub("", ins.args))))
    return stages


def _exec_form(rest: str) -> str:
    """``["npm", "test"]`` as the command line it runs (anything else as it is)."""
    if rest.startswith("["):
        try:
            parts = json.loads(rest)
            rest = " ".join(str(p) for p in parts) if isinstance(parts, list) else rest
        except (ValueError, RecursionError):  # not JSON after all, or nested to break the parser
            pass
    return rest


def _reached(stages: list[dict], target: str | None) -> list[int]:
    """The stages a build up to ``target`` (the last stage without one) builds, in order."""
    names = {s["name"]: n for n, s in enumerate(stages) if s["name"]}
    last = names.get(target.lower()) if target else None
    wanted: set[int] = set()
    pending = [last if last is not None else len(stages) - 1]
    while pending:
        n = pending.pop()
        if n in wanted:
            continue
        wanted.add(n)
        for dep in stages[n]["deps"]:
            if dep in names and names[dep] < n:
                pending.append(names[dep])
            elif dep.isdigit() and int(dep) < n:
                pending.append(int(dep))
    return sorted(wanted)
