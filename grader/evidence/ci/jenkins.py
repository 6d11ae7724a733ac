"""Jenkins declarative pipelines (a ``Jenkinsfile`` anywhere in the tree) into the pipeline model.

The Groovy text is read, never run: comments are removed, strings kept whole, and the braces
make a tree of blocks (``pipeline { stages { stage('Build') { steps { ... } } } post { ... } }``).
``sh``/``bat``/``powershell`` calls in ``steps`` (and in ``script { }`` and other wrappers
inside them) are the commands, and so are the Docker Pipeline plugin's ``docker.build(...)`` and
``image.push()``, read as ``docker build`` and ``docker push``; ``post { failure { ... } }`` runs on failure, at the stage or
pipeline level; ``when { tag ... }`` / ``buildingTag()`` limits a stage to tags. Scripted
pipelines (``node { stage('x') { ... } }``) are read too, ``try``/``catch``/``finally`` giving
the conditions. A stage that
waits for approval (``input``) makes itself and every later stage manual, and so does a ``when``
that needs a user-started build or a boolean parameter that is off by default. A
multibranch Jenkins job builds every push, so a Jenkinsfile counts as triggered on push.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.shell import Command, split_script
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "jenkins"
NAME = "Jenkins"
WHERE = "a `Jenkinsfile`"
PREFIXES: tuple[str, ...] = ()

TERMS = {  # how a hint says it in this system
    "ci": "Jenkins", "ci_file": "Jenkinsfile", "commit_sha": "${GIT_COMMIT}",
    "on_change": "a multibranch pipeline (Jenkins builds every push)", "on_failure": "`post { failure { ... } }`",
    "on_tags": "`when { buildingTag() }`",
}

ACTIONS: dict[str, tuple[str, ...]] = {}  # no actions of its own: steps are commands
SSH_ACTIONS: frozenset[str] = frozenset()


def matches(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name == "Jenkinsfile" or name.endswith(".Jenkinsfile") or name.startswith("Jenkinsfile.")


def read(sub: Submission, path: str) -> Pipeline | None:
    text = sub.read_text(path)
    library: dict[str, tuple[str, str]] = {}
    for rel in sub.files:  # a shared library kept in the repository: vars/<step>.groovy
        if rel.startswith("vars/") and rel.endswith(".groovy") and rel.count("/") == 1 and len(library) < MAX_LIBRARY:
            body = sub.read_text(rel)
            if body and len(body) <= MAX_LIBRARY_FILE:
                library[rel[len("vars/"):-len(".groovy")]] = (rel, body)
    try:
        return read_jenkins(path, text, library) if text else None
    except ValueError as exc:
        sub.problems[path] = f"can't be read as a Jenkinsfile: {exc}"
        return None

_POST_CONDITIONS = {
    "always": "always", "cleanup": "always", "changed": "always", "success": "success",
    "failure": "failure", "unsuccessful": "failure", "unstable": "failure", "aborted": "cancelled",
    "fixed": "success", "regression": "failure",
}
_SHELLS = ("sh", "bat", "powershell", "pwsh")
MAX_LIBRARY = 200  # shared-library steps read (vars/*.groovy), and the size of each
MAX_LIBRARY_FILE = 256 * 1024


@dataclass(slots=True)
class Block:
    name: str
    arg: str
    line: int
    text: list = field(default_factory=list)  # (offset line, own text) pieces
    children: list = field(default_factory=list)

    def child(self, name: str):
        return next((c for c in self.children if c.name == name), None)

    def all_children(self, name: str):
        return [c for c in self.children if c.name == name]

    def subtree_text(self) -> list[tuple[int, str]]:
        out = list(self.text)
        for c in self.children:
            out.extend(c.subtree_text())
        return out


# Strings that are never closed run to the end of the text (triple-quoted) or of the line: every
# opening quote is one match, so scanning stays linear whatever the file holds.
_STRING = lazy(r"'''.*?(?:'''|\Z)|\"\"\".*?(?:\"\"\"|\Z)|'(?:[^'\\\n]|\\.)*(?:'|(?=\n)|\\?\Z)"
                     r"|\"(?:[^\"\\\n]|\\.)*(?:\"|(?=\n)|\\?\Z)", re.S)


_TOKENS = lazy(_STRING.pattern + r"|//[^\n]*|/\*.*?(?:\*/|\Z)", re.S)


def _strip_comments(text: str) -> str:
    """Blank out // and /* */ comments (outside strings), keeping newlines."""

    def blank(m: re.Match) -> str:
        token = m.group()
        if token.startswith(("//", "/*")):
            return re.sub(r"[^\n]", " ", token)
        return token

    return _TOKENS.sub(blank, text)


_BRACES = lazy(_STRING.pattern + r"|[{}]", re.S)
_HEADER = lazy(r"([A-Za-z_][\w]*)\s*(?:\((.*)\))?\s*$", re.S)


def parse_blocks(text: str, max_blocks: int = 20000) -> Block:
    """The tree of ``name(arg) { ... }`` blocks of a Groovy text."""
    text = _strip_comments(text)
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def line_at(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1
    root = Block("<root>", "", 1)
    stack = [root]
    seg_start = 0
    count = 0
    for m in _BRACES.finditer(text):
        ch = m.group()
        i = m.start()
        if ch not in "{}":
            continue  # a string: braces inside it don't count
        if ch == "{":
            before = text[seg_start:i]
            # the header is the last statement before the brace
            cut = max(before.rfind("\n"), before.rfind(";"), before.rfind("}"), before.rfind("{"))
            header_text = before[cut + 1:] if cut >= 0 else before
            if "(" in header_text and header_text.count("(") > header_text.count(")"):
                header_text = before  # a multi-line header like stage(\n'x'\n)
            stack[-1].text.append((line_at(seg_start), before[: len(before) - len(header_text)]))
            hm = _HEADER.search(header_text.strip()[-500:])
            name = hm.group(1) if hm else ""
            arg = (hm.group(2) or "").strip() if hm else ""
            block = Block(name, _unquote(arg), line_at(i))
            stack[-1].children.append(block)
            stack.append(block)
            count += 1
            if count > max_blocks or len(stack) > 200:
                raise ValueError("Jenkinsfile too large or too deeply nested")
            seg_start = i + 1
        elif ch == "}":
            stack[-1].text.append((line_at(seg_start), text[seg_start:i]))
            if len(stack) == 1:
                raise ValueError(f"unbalanced braces: a `}}` on line {line_at(i)} closes nothing")
            stack.pop()
            seg_start = i + 1
    if len(stack) > 1:
        raise ValueError(f"unbalanced braces: the block opened on line {stack[-1].line} is never closed")
    stack[-1].text.append((line_at(seg_start), text[seg_start:]))
    return root


def _unquote(arg: str) -> str:
    arg = arg.strip()
    m = re.match(r"^(?:name\s*:\s*)?(['\"])(.*)\1$", arg, re.S)
    return m.group(2) if m else arg


_SHELL_CALL = lazy(
    r"\b(?:" + "|".join(_SHELLS) + r")\b\s*\(?\s*(?:[\w]+\s*:\s*(?:'[^']*'|\"[^\"]*\"|\w+)\s*,\s*)*"
    r"(?:script\s*:\s*)?('''(.*?)'''|\"\"\"(.*?)\"\"\"|'((?:[^'\\\n]|\\.)*)'|\"((?:[^\"\\\n]|\\.)*)\")",
    re.S,
)


# The Docker Pipeline plugin's Groovy API, read as the docker commands it runs:
# ``docker.build("app:${BUILD_NUMBER}", "-f ci/Dockerfile .")``, ``img.push()`` / ``img.push("latest")``
# on a variable holding ``docker.build(...)`` or ``docker.image(...)``, and
# ``docker.image("app:1.2").push()``. ``docker.withRegistry(...) { }`` only wraps them.
_Q = r"""(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)")"""
_DOCKER_BUILD = lazy(r"\bdocker\.build\(\s*" + _Q + r"(?:\s*,\s*" + _Q + r")?\s*\)")
_DOCKER_VAR = lazy(r"\b(\w+)\s*=\s*docker\.(?:build|image)\(\s*" + _Q)
_DOCKER_PUSH = lazy(r"(?:\b(\w+)|\bdocker\.image\(\s*" + _Q + r"\s*\))\.push\(\s*(?:" + _Q + r")?\s*\)")


def docker_images(text: str) -> dict[str, str]:
    """Variables that hold an image made or named with the Docker Pipeline API: name → image
    (assignments in comments or inside strings don't count)."""
    text = _strip_comments(text)
    strings = [(m.start(), m.end()) for m in _STRING.finditer(text)]
    return {m.group(1): _first(m.group(2), m.group(3)) for m in _DOCKER_VAR.finditer(text)
            if not any(start <= m.start() < end for start, end in strings)}


def _first(*groups):
    return next((g for g in groups if g is not None), None)


def _docker_api(text: str, images: dict[str, str]) -> list[tuple[int, str]]:
    """(offset, command) of the Docker Pipeline API calls in ``text``."""
    out = []
    for m in _DOCKER_BUILD.finditer(text):
        image, args = _first(m.group(1), m.group(2)), _first(m.group(3), m.group(4))
        out.append((m.start(), f"docker build -t {image} {args or '.'}"))
    for m in _DOCKER_PUSH.finditer(text):
        image = _first(m.group(2), m.group(3)) if m.group(1) is None else images.get(m.group(1))
        if image is None:
            continue  # not an image: some other object's push()
        tag = _first(m.group(4), m.group(5))
        if tag:
            name = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
            image = f"{name}:{tag}"
        out.append((m.start(), f"docker push {image}"))
    return out


def _commands(pieces: list[tuple[int, str]], images: dict[str, str] | None = None):
    out = []
    for first_line, text in pieces:
        found: list[tuple[int, list]] = []
        for m in _SHELL_CALL.finditer(text):
            script = next(g for g in m.groups()[1:] if g is not None)
            line = first_line + text.count("\n", 0, m.start(1))
            if m.group(1).startswith(("'''", '"""')) and script.startswith("\n"):
                script = script[1:]
                line += 1
            found.append((m.start(), split_script(script, line)))
        if "docker." in text or ".push(" in text:
            strings = [(m.start(), m.end()) for m in _STRING.finditer(text)]
            for at, command in _docker_api(text, images or {}):
                if not any(start <= at < end for start, end in strings):  # not text in a string
                    found.append((at, [Command(command, first_line + text.count("\n", 0, at))]))
        for _, commands in sorted(found, key=lambda f: f[0]):
            out.extend(commands)
    return sorted(out, key=lambda c: c.line)  # a block's own text and its inner blocks come apart


_ARCHIVE = lazy(r"\barchiveArtifacts\b\s*\(?\s*(?:artifacts\s*:\s*)?(['\"])([^'\"\n]{1,300})\1")


def _archived(pieces: list[tuple[int, str]]) -> list[tuple[str, int]]:
    """What ``archiveArtifacts artifacts: 'build/libs/*.jar'`` keeps of the build, with its line."""
    return [(m.group(2), first_line + text.count("\n", 0, m.start()))
            for first_line, text in pieces if "archiveArtifacts" in text for m in _ARCHIVE.finditer(text)][:50]


def _library_steps(pieces: list[tuple[int, str]], library: dict, origin: str) -> list:
    """The commands of shared-library steps (``vars/deployApp.groovy``) a stage calls
    (``deployApp(env: 'prod')``), located in the library file with the call that reaches them."""
    out: list = []
    for first_line, text in pieces:
        for name, (rel, body) in library.items():
            for m in re.finditer(rf"\b{re.escape(name)}\s*[('\"{{]", text):
                line = first_line + text.count("\n", 0, m.start())
                out.extend(dataclasses.replace(c, path=rel, via=(f"{origin}:{line}",))
                           for c in _commands([(1, _strip_comments(body))]))
                break
    return out


def read_jenkins(path: str, text: str, library: dict | None = None) -> Pipeline | None:
    root = parse_blocks(text)
    images = docker_images(text) if "docker." in text else {}
    pipeline = root.child("pipeline")
    if pipeline is None:
        return _read_scripted(path, root, images)
    pipe = Pipeline(SYSTEM, path, pipeline.line, path)
    pipe.triggers["push"] = pipeline.line
    triggers = pipeline.child("triggers")
    if triggers is not None:
        body = " ".join(t for _, t in triggers.subtree_text())
        if re.search(r"\b(cron|pollSCM)\b", body):
            pipe.triggers.setdefault("schedule", triggers.line)
        if re.search(r"\b(githubPush|gitlab|GenericTrigger)\b", body):
            pipe.triggers.setdefault("push", triggers.line)
    stages_block = pipeline.child("stages")
    previous: list[str] = []
    off_by_default = _false_parameters(pipeline.child("parameters"))
    approved = False  # an earlier stage waited for someone's approval: what follows is manual
    for stage in _stages(stages_block):
        job = Job(stage.arg or f"stage {stage.line}", stage.line, needs=list(previous))
        when = stage.child("when")
        if when is not None:
            cond = " ".join(t for _, t in when.subtree_text()) + " ".join(c.name for c in when.children)
            if re.search(r"\b(tag|buildingTag)\b", cond):
                job.tag_only = True
                pipe.triggers.setdefault("tag", when.line)
            if _manual_when(cond, off_by_default):
                job.condition = "manual"
        steps = stage.child("steps")
        if stage.child("input") is not None or (steps is not None and _INPUT_STEP.search(
                _STRING.sub(lambda m: m.group(0)[0] * 2, " ".join(t for _, t in steps.subtree_text())))):
            approved = True  # strings emptied first: `sh "app --input x"` asks nobody
        if approved and job.condition == "success":
            job.condition = "manual"
        if steps is not None:
            job.kept += _archived(steps.subtree_text())
            step = Step(f"{job.id}: steps", steps.line)
            step.commands = _commands(steps.subtree_text(), images)
            if library:
                step.commands += _library_steps(steps.subtree_text(), library, path)
            job.steps.append(step)
        _post(stage.child("post"), job, images)
        pipe.jobs.append(job)
        previous = [job.id]
    post = pipeline.child("post")
    if post is not None:
        job = Job("post", post.line, needs=[j.id for j in pipe.jobs])
        _post(post, job, images)
        if job.steps:
            pipe.jobs.append(job)
    return pipe


# `input message: 'Deploy?'` / `input(...)` as a step: the build waits for someone to approve.
_INPUT_STEP = lazy(r"(?:^|[\s;{(])input\s*(?:\(|message\s*:|['\"])")
_BOOLEAN_PARAM = lazy(r"\bbooleanParam\s*\(([^()]*)\)")
_PARAM_NAME = lazy(r"\bname\s*:\s*['\"](\w+)['\"]")
_PARAM_DEFAULT = lazy(r"\bdefaultValue\s*:\s*(true|false)\b")


def _false_parameters(block) -> frozenset[str]:
    """Names of the pipeline's boolean parameters that are off unless someone ticks them."""
    if block is None:
        return frozenset()
    names = set()
    for m in _BOOLEAN_PARAM.finditer(" ".join(t for _, t in block.subtree_text())):
        name, default = _PARAM_NAME.search(m.group(1)), _PARAM_DEFAULT.search(m.group(1))
        if name and (default is None or default.group(1) == "false"):  # Jenkins defaults to false
            names.add(name.group(1))
    return frozenset(names)


def _manual_when(cond: str, off_by_default: frozenset[str]) -> bool:
    """Does a stage's ``when`` run it only on someone's request: a build started by a user
    (``triggeredBy 'UserIdCause'``), or an expression that needs a boolean parameter that is
    off by default (``params.DEPLOY``, not ``!params.DEPLOY``)?"""
    if re.search(r"\btriggeredBy\b[^\n]*UserIdCause", cond):
        return True
    return any(re.search(rf"(?<![!\w.])params\.{re.escape(name)}\b(?!\s*(?:==|!=)\s*false)", cond)
               for name in off_by_default)


_HANDLERS = {"catch": "failure", "finally": "always"}


def _find(block, name: str, depth: int = 0):
    """The first block called ``name`` in ``block``'s tree (depth-first, bounded)."""
    for child in block.children:
        if child.name == name:
            return child
        found = _find(child, name, depth + 1) if depth < 50 else None
        if found is not None:
            return found
    return None


def _split(block) -> tuple[list[tuple[int, str]], list]:
    """A block's text pieces outside its ``catch``/``finally`` handlers, and those handlers."""
    pieces, handlers = list(block.text), []
    for child in block.children:
        if child.name in _HANDLERS:
            handlers.append(child)
        else:
            inner, more = _split(child)
            pieces.extend(inner)
            handlers.extend(more)
    return pieces, handlers


def _read_scripted(path: str, root, images: dict[str, str]) -> Pipeline | None:
    """A scripted pipeline (``node { stage('x') { sh '...' } }``): each stage is a job after the
    one before it; a stage inside ``catch`` runs on failure, inside ``finally`` always, and the
    steps of a stage's own ``catch``/``finally`` blocks run under that condition. Like a
    multibranch pipeline, it builds every push."""
    node = root.child("node") or _find(root, "node")
    if node is None:
        return None
    pipe = Pipeline(SYSTEM, path, node.line, path)
    pipe.triggers["push"] = node.line
    previous: list[str] = []

    def stage_job(stage, condition: str) -> None:
        nonlocal previous
        job = Job(stage.arg or f"stage {stage.line}", stage.line, needs=list(previous), condition=condition)
        pieces, handlers = _split(stage)
        main = Step(f"{job.id}: steps", stage.line)
        main.commands = _commands(pieces, images)
        job.kept += _archived(pieces)
        job.steps.append(main)
        for handler in handlers:
            step = Step(f"{job.id}: {handler.name}", handler.line, condition=_HANDLERS[handler.name])
            step.commands = _commands(handler.subtree_text(), images)
            job.steps.append(step)
        pipe.jobs.append(job)
        previous = [job.id]

    def walk(block, condition: str, depth: int = 0) -> None:
        for child in block.children:
            if child.name == "stage":
                stage_job(child, condition)
            elif depth < 50:
                walk(child, _HANDLERS.get(child.name, condition), depth + 1)

    walk(node, "success")
    return pipe if pipe.jobs else None


def _stages(block):
    """Stages in order, descending into parallel/stages groups."""
    if block is None:
        return
    for child in block.children:
        if child.name == "stage":
            nested = child.child("stages") or child.child("parallel")
            if nested is not None and child.child("steps") is None:
                yield from _stages(nested)
            else:
                yield child
        elif child.name in ("parallel", "stages"):
            yield from _stages(child)


def _post(post, job: Job, images: dict[str, str] | None = None) -> None:
    if post is None:
        return
    for cond in post.children:
        condition = _POST_CONDITIONS.get(cond.name)
        if condition is None:
            continue
        step = Step(f"{job.id}: post {cond.name}", cond.line, condition=condition)
        step.commands = _commands(cond.subtree_text(), images)
        job.steps.append(step)
        if condition in ("success", "always"):  # what a failure leaves behind is no build
            job.kept += _archived(cond.subtree_text())
