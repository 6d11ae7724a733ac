"""Follow what a pipeline step actually runs through the repository — never running it.

A step that says ``make deploy``, ``npm test``, ``./scripts/release.sh``, ``just check``,
``task lint``, ``tox -e py``, ``nox -s tests`` or ``sh -c '...'`` runs the commands of a
Makefile target (its prerequisites first), a ``package.json`` script (with its ``pre``/``post``
scripts), a shell script, a ``justfile`` recipe, a ``Taskfile.yml`` task, a tox environment, a
nox session. :func:`expand` puts those commands into the step right after the one that runs
them, each with the file and line it is written on and the chain that leads there
(``ci.yml:40 → Makefile:12 → scripts/deploy.sh:7``), so every check sees them under the step's
own condition. A local composite action (``uses: ./.github/actions/deploy``) is read the same
way (:func:`composite_commands`).

Bounded: at most :data:`MAX_DEPTH` files deep, :data:`MAX_ADDED` commands added per step, a
file read once (the submission caches it), a cycle (``make a`` ↔ ``make b``, a script that runs
itself) stopped where it closes.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import posixpath
import re
import shlex

from grader.evidence import budget as evidence_budget
from grader.evidence.commands import Command, normalise, split_script, started_by_runner

MAX_DEPTH = 4
MAX_ADDED = 400

_MAKE = re.compile(r"^(?:make|gmake|\$\(MAKE\)|\$\{MAKE\})(?:\s|$)")
_NPM_LIKE = re.compile(r"^(npm|yarn|pnpm|bun)(?:\s|$)")
_SHELLS = ("bash", "sh", "zsh", "dash", "source", ".")
_YARN_BUILTINS = {"install", "add", "remove", "upgrade", "up", "init", "publish", "info", "cache", "config",
                  "global", "link", "unlink", "pack", "why", "audit", "outdated", "login", "logout", "dlx",
                  "exec", "workspace", "workspaces", "version", "set", "plugin", "import", "licenses", "create",
                  "i", "ci", "node", "bin", "dedupe", "patch", "npm", "constraints", "search"}
_WRAPPERS = {"mvnw", "gradlew", "mvnw.cmd", "gradlew.bat", "sbt", "lein"}
_SHELL_SHEBANG = re.compile(r"#!\s*(?:/usr)?/bin/(?:env\s+)?(?:ba|z|da|k)?sh\b")
_RUN_ALL = re.compile(r"^(?:npm-run-all|run-s|run-p)(?:\s|$)")
_MAKE_RULE = re.compile(r"^([^\s:=#][^:=#]*?)\s*(::?)(?!=)\s*([^;=]*?)(?:;(.*))?$")
_MAKE_VAR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?::{0,2}=|\?=|\+=)\s*(.*)$")
_MAKE_REF = re.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]")


class _Budget:
    """What one step may still add (MAX_ADDED), and the submission's one evidence budget."""

    def __init__(self, shared: evidence_budget.Budget | None = None) -> None:
        self.left = MAX_ADDED
        self.shared = shared if shared is not None else evidence_budget.Budget()


def expand(sub, commands: list[Command], origin: str, workdir: str = "") -> list[Command]:
    """``commands`` (of one step, in ``origin``, run in ``workdir``) with what each runs in the
    repository inserted after it."""
    if not commands:
        return commands
    cwd = _join("", workdir) if workdir and "$" not in workdir and _inside(_join("", workdir)) else ""
    return _walk(sub, commands, origin, cwd, 0, frozenset(), _Budget(evidence_budget.of(sub)))


def _walk(sub, commands: list[Command], origin: str, cwd: str, depth: int, seen: frozenset,
          budget: _Budget) -> list[Command]:
    """Each command, followed by what it runs when that can be read (the command itself then
    marked ``resolved``); ``cd`` moves where the next ones are looked for."""
    out: list[Command] = []
    for cmd in commands:
        out.append(cmd)
        text = normalise(cmd.text)
        moved = _cd(text, cwd)
        if moved is not None:
            cwd = moved
            continue
        if budget.left <= 0 or not budget.shared.left:
            continue
        found = _resolve(sub, text, cwd, (*cmd.via, f"{cmd.path or origin}:{cmd.line}"), depth, seen, budget)
        if found is not None:
            if not _IMAGE_BUILD.match(text):  # an image build is a build itself, and runs its RUN lines too
                out[-1] = dataclasses.replace(cmd, resolved=True)
            if cmd.remote:  # a script run on the host runs all it calls there too
                found = [dataclasses.replace(c, remote=True) for c in found]
            if cmd.ignored:  # `npm run lint || echo done`: no failure inside can stop the pipeline either
                found = [dataclasses.replace(c, ignored=True) for c in found]
            out.extend(found)
    return out


def _cd(text: str, cwd: str) -> str | None:
    """The folder a ``cd`` moves to (repository-relative), or None when ``text`` is not one we
    can follow (``cd $DIR`` leaves us where we were)."""
    if not text.startswith(("cd ", "pushd ")):
        return None
    target = text.split(None, 1)[1].strip().strip("'\"")
    if "$" in target or target.startswith(("/", "~")):
        return cwd
    return _join(cwd, target)


def folder_of(cmd: Command) -> str | None:
    """The folder a command reached through the repository runs for: the folder of the
    package.json, Makefile, justfile, Taskfile, tox.ini or noxfile that holds it (None when it
    is written in the pipeline itself or in a script, which run wherever they are called)."""
    name = posixpath.basename(cmd.path)
    if cmd.path and name in _RUNNER_FILES:
        return posixpath.dirname(cmd.path)
    return None


_RUNNER_FILES = {"package.json", "Makefile", "makefile", "GNUmakefile", "justfile", "Justfile", ".justfile",
                 "Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "tox.ini", "noxfile.py"}


def _join(cwd: str, rel: str) -> str:
    path = posixpath.normpath(posixpath.join(cwd, rel.removeprefix("./")))
    return "" if path in (".", "") else path


def _inside(path: str) -> bool:
    return not (path.startswith("../") or path == ".." or path.startswith("/"))


def _resolve(sub, text: str, cwd: str, via: tuple[str, ...], depth: int, seen: frozenset,
             budget: _Budget) -> list[Command] | None:
    """The commands ``text`` runs, read from the repository; None when it runs nothing we can
    read (a tool, a script outside the repository...), which leaves it judged by its name."""
    if depth >= MAX_DEPTH or budget.left <= 0:
        return None
    started = started_by_runner(text)  # `uv run bash scripts/tests.sh`, `poetry run make test`
    if started and started != text:
        text = started
    shared = budget.shared
    for handler in (_shell, _make, _npm, _run_all, _just, _task, _tox, _nox, _docker_build):
        memo_key = ("resolve", handler.__name__, text, cwd)
        if memo_key in shared.memo:  # `make all` in a thousand steps: the target is read once
            found = shared.memo[memo_key]
        else:
            found = shared.memo[memo_key] = handler(sub, text, cwd)
        if found is None:
            continue
        key, commands = found
        if key in seen:
            return []  # a cycle: what it runs is already being read
        taken = commands[: budget.left]
        if not shared.spend(f"`{text[:60]}`", 1 + len(taken), sum(len(c.text) for c in taken)):
            return None
        children: list[Command] = []
        for cmd in taken:
            if cmd.path:
                children.append(dataclasses.replace(cmd, via=via))
            else:  # an inline script (sh -c '...'): where the command that holds it is
                where, _sep, line = via[-1].rpartition(":")
                children.append(dataclasses.replace(cmd, line=int(line) if line.isdigit() else 0, path=where,
                                                    via=via[:-1]))
        budget.left -= len(children)
        return _walk(sub, children, "", cwd, depth + 1, seen | {key}, budget)
    return None


# -- shell scripts ------------------------------------------------------------------------------
def _shell(sub, text: str, cwd: str):
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if not words:
        return None
    first = words[0]
    if first in _SHELLS or first.endswith(("/bash", "/sh")):
        if any(w.startswith("-") and not w.startswith("--") and "n" in w for w in words[1:3]):
            return None  # `bash -n x.sh` only checks the syntax: it runs nothing
        rest = [w for w in words[1:] if not (w.startswith("-") and w != "-c")]
        if "-c" in words[1:3]:
            at = words.index("-c") + 1
            script = words[at] if at < len(words) else ""
            return ("sh -c", script[:200]), _inline(script)
        if not rest:
            return None
        target = rest[0]
    elif first.startswith("./") or "/" in first and not first.startswith("/"):
        target = first
    else:
        return None
    if "$" in target or posixpath.basename(target) in _WRAPPERS:
        return None  # a build tool's wrapper (./mvnw, ./gradlew) is the tool itself
    path = _join(cwd, target)
    if not _inside(path) or not sub.exists(path):
        return None
    script = sub.read_text(path)
    if script is None or "\0" in script[:1024]:
        return None
    if not (path.endswith((".sh", ".bash")) or _SHELL_SHEBANG.match(script) or first in _SHELLS):
        return None  # a program in another language (./manage.py test) is judged by its name
    return ("script", path), [dataclasses.replace(c, path=path) for c in split_script(script, 1)]


def _inline(script: str):
    """``sh -c '...'``: the commands of the quoted script, on the caller's line."""
    return [dataclasses.replace(c, line=0) for c in split_script(script, 0)]


# -- image builds: the RUN instructions of the stages a build reaches ------------------------------
_IMAGE_BUILD = re.compile(r"^(?:(?:docker|podman)(?: image| buildx)? build|buildah (?:bud|build))\b")
_VALUED = {"-f", "--file", "-t", "--tag", "--target", "--build-arg", "--platform", "--label", "--cache-from",
           "--cache-to", "--secret", "--ssh", "--network", "--progress", "-o", "--output", "--build-context",
           "--add-host", "--iidfile", "--metadata-file", "--shm-size", "--ulimit", "--memory", "-m"}


def _docker_build(sub, text: str, cwd: str):
    """``docker build -f docker/Dockerfile.app --target test .``: the Dockerfile's RUN commands
    of the target stage and the stages it builds on."""
    if not _IMAGE_BUILD.match(text):
        return None
    try:
        words = shlex.split(text)
    except ValueError:
        return None
    file = target = None
    positional = []
    i = len(_IMAGE_BUILD.match(text).group(0).split())  # type: ignore[union-attr]
    while i < len(words):
        word = words[i]
        flag, eq, value = word.partition("=")
        if flag in ("-f", "--file", "--target") and not eq and i + 1 < len(words):
            value, i = words[i + 1], i + 1
        if flag in ("-f", "--file"):
            file = value
        elif flag == "--target":
            target = value
        elif flag in _VALUED and not eq:
            i += 1
        elif not word.startswith("-"):
            positional.append(word)
        i += 1
    context = positional[-1] if positional else "."
    if "://" in context or "$" in context or (file and "$" in file):
        return None
    path = _join(cwd, file) if file else _join(_join(cwd, context), "Dockerfile")
    return dockerfile_commands(sub, path, target)


_IMAGE_ACTIONS = {"docker/build-push-action": ("file", "context", "target"),
                  "redhat-actions/buildah-build": ("containerfiles", "context", "target"),
                  "mr-smithers-excellent/docker-build-push": ("dockerfile", "directory", "target")}


def image_action_commands(sub, uses: str, with_: dict, via: tuple[str, ...]) -> list[Command]:
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
    path = _join("", file) if file else _join(_join("", context), "Dockerfile")
    found = dockerfile_commands(sub, path, target if isinstance(target, str) else None)
    if not found:
        return []
    return [dataclasses.replace(c, via=via) for c in found[1][:MAX_ADDED]]  # expand() follows them


_FROM = re.compile(r"^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", re.I)
_COPY_FROM = re.compile(r"^(?:COPY|ADD)\s+(?:--\S+\s+)*?--from=(\S+)", re.I)
_RUN_FLAGS = re.compile(r"^(?:--(?:mount|network|security)=\S+\s+)*")


def dockerfile_commands(sub, path: str, target: str | None):
    """(key, commands) for the RUN instructions a build of ``path`` (up to stage ``target``)
    executes; None when there is no such Dockerfile in the repository."""
    if not path or not _inside(path) or not sub.exists(path):
        return None
    text = sub.read_text(path)
    if text is None or "\0" in text[:1024]:
        return None
    stages: list[dict] = []  # {name, deps, runs: [(line, script)]}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        start = i
        logical = lines[i].strip()
        while logical.endswith("\\") and i + 1 < len(lines):
            i += 1
            nxt = lines[i].strip()
            logical = logical[:-1] + " " + ("" if nxt.startswith("#") else nxt)
        i += 1
        if not logical or logical.startswith("#"):
            continue
        m = _FROM.match(logical)
        if m:
            base = m.group(1).lower()
            stages.append({"name": (m.group(2) or "").lower(), "deps": {base}, "runs": []})
            continue
        if not stages:
            continue
        copy = _COPY_FROM.match(logical)
        if copy:
            stages[-1]["deps"].add(copy.group(1).lower())
            continue
        word, _sep, rest = logical.partition(" ")
        if word.upper() != "RUN":
            continue
        rest = _RUN_FLAGS.sub("", rest.strip())
        heredoc = re.match(r"^<<-?\s*['\"]?(\w+)['\"]?\s*$", rest)
        if heredoc:  # RUN <<EOF ... EOF
            body_start = i
            while i < len(lines) and lines[i].strip() != heredoc.group(1):
                i += 1
            stages[-1]["runs"].append((body_start + 1, "\n".join(lines[body_start:i])))
            i += 1
            continue
        if rest.startswith("["):  # exec form: RUN ["npm", "test"]
            try:
                parts = json.loads(rest)
                rest = " ".join(str(p) for p in parts) if isinstance(parts, list) else rest
            except (ValueError, RecursionError):  # not JSON after all, or nested to break the parser
                pass
        stages[-1]["runs"].append((start + 1, rest))
    if not stages:
        return None
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
    commands: list[Command] = []
    for n in sorted(wanted):
        for line, script in stages[n]["runs"]:
            commands.extend(dataclasses.replace(c, path=path) for c in split_script(script, line))
    return ("dockerfile", path, target), commands


# -- make ----------------------------------------------------------------------------------------
def _make(sub, text: str, cwd: str):
    if not _MAKE.match(text):
        return None
    try:
        words = shlex.split(text)[1:]
    except ValueError:
        words = text.split()[1:]
    folder, makefile, targets = cwd, None, []
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("-C", "--directory") and i + 1 < len(words):
            folder = _join(folder, words[i + 1])
            i += 2
            continue
        if w.startswith("--directory="):
            folder = _join(folder, w.split("=", 1)[1])
        elif w in ("-f", "--file", "--makefile") and i + 1 < len(words):
            makefile = words[i + 1]
            i += 2
            continue
        elif not w.startswith("-") and "=" not in w and "$" not in w:
            targets.append(w)
        i += 1
    names = [makefile] if makefile else ["GNUmakefile", "makefile", "Makefile"]
    path = next((p for p in (_join(folder, n) for n in names) if _inside(p) and sub.exists(p)), None)
    if path is None:
        return None
    rules, first, variables = _makefile(sub, path)
    commands: list[Command] = []
    done: set[str] = set()

    def run(target: str, depth: int) -> None:
        if target in done or depth > 8 or target not in rules:
            return
        done.add(target)
        prereqs, recipe = rules[target]
        for pre in prereqs:
            run(pre, depth + 1)
        for line, body in recipe:
            body = _MAKE_REF.sub(lambda m: variables.get(m.group(1), m.group(0)), body)
            body = body.replace("$$", "$")
            commands.extend(dataclasses.replace(c, path=path) for c in split_script(body, line))

    wanted = targets or ([first] if first else [])
    if not wanted or any(t not in rules for t in wanted):
        return None  # a target our reading of the Makefile does not know: judged by its name
    for target in wanted:
        run(target, 0)
    return ("make", path, tuple(targets)), commands


def _makefile(sub, path: str):
    """(rules: target → (prerequisites, [(line, recipe line)]), the default target, variables)."""
    cached = sub.memo(f"makefile:{path}")
    if cached is not None:
        return cached
    text = sub.read_text(path) or ""
    rules: dict[str, tuple[list[str], list[tuple[int, str]]]] = {}
    variables: dict[str, str] = {}
    first = None
    current: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line_no, raw = i + 1, lines[i]
        while raw.endswith("\\") and i + 1 < len(lines):
            i += 1
            raw = raw[:-1] + " " + lines[i].strip()
        i += 1
        if raw.startswith("\t"):
            body = raw.strip().lstrip("@-+").strip()
            for target in current:
                rules[target][1].append((line_no, body))
            continue
        stripped = raw.split("#", 1)[0].rstrip()
        if not stripped.strip():
            continue
        var = _MAKE_VAR.match(stripped)
        if var and not stripped.startswith((" ", "\t")):
            value = var.group(2).strip()
            if "$(shell" not in value and "$(wildcard" not in value:
                variables.setdefault(var.group(1), value)
            current = []
            continue
        rule = _MAKE_RULE.match(stripped)
        if rule and not stripped.startswith(("ifeq", "ifneq", "ifdef", "ifndef", "else", "endif", "include", "define", "export")):
            targets = rule.group(1).split()
            prereqs = [p for p in rule.group(3).split() if p != "|" and "$" not in p]
            current = []
            for target in targets:
                if target.startswith(".") or "%" in target:
                    continue
                if first is None:
                    first = target
                rules.setdefault(target, ([], []))[0].extend(prereqs)
                current.append(target)
            if rule.group(4):
                for target in current:
                    rules[target][1].append((line_no, rule.group(4).strip()))
            continue
        current = []
    return sub.memo(f"makefile:{path}", (rules, first, variables))


# -- package.json scripts ---------------------------------------------------------------------
def _npm(sub, text: str, cwd: str):
    m = _NPM_LIKE.match(text)
    if not m:
        return None
    tool = m.group(1)
    raw = text.split()[1:]
    folder = cwd
    words: list[str] = []
    i = 0
    while i < len(raw):  # the folder options may stand anywhere (`npm run lint --prefix client`)
        opt = raw[i]
        if opt == "--":
            break
        if opt in ("--prefix", "-C", "--cwd", "--dir") and i + 1 < len(raw):
            folder = _join(folder, raw[i + 1])
            i += 2
            continue
        if opt.startswith(("--prefix=", "--cwd=", "--dir=")):
            folder = _join(folder, opt.split("=", 1)[1])
        elif not opt.startswith("-"):
            words.append(opt)
        i += 1
    if not words:
        return None
    verb = words[0]
    if verb in ("run", "run-script", "rum", "urn") and len(words) > 1:
        script = words[1]
    elif verb in ("test", "t", "tst", "start", "stop", "restart"):
        script = {"t": "test", "tst": "test"}.get(verb, verb)
    elif tool in ("yarn", "pnpm", "bun") and verb not in _YARN_BUILTINS and not verb.startswith("-"):
        script = verb
    else:
        return None
    return _package_script(sub, folder, script)


def _package_script(sub, folder: str, script: str):
    path = _join(folder, "package.json")
    if not _inside(path) or not sub.exists(path):
        return None
    data = sub.json_object(path)
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict) or not isinstance(scripts.get(script), str):
        return None
    text = sub.read_text(path) or ""
    commands: list[Command] = []
    for name in (f"pre{script}", script, f"post{script}"):
        body = scripts.get(name)
        if isinstance(body, str):
            line = _json_key_line(text, name)
            commands.extend(dataclasses.replace(c, line=line, path=path) for c in split_script(body, line))
    return ("npm", path, script), commands


def _json_key_line(text: str, key: str) -> int:
    at = text.find(json.dumps(key) + ":")
    if at < 0:
        at = text.find(json.dumps(key))
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _run_all(sub, text: str, cwd: str):
    """``npm-run-all lint test``, ``run-s build test`` (and ``test:*`` patterns)."""
    if not _RUN_ALL.match(text):
        return None
    path = _join(cwd, "package.json")
    data = sub.json_object(path) if sub.exists(path) else None
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict):
        return None
    wanted = [w for w in text.split()[1:] if not w.startswith("-")]
    names: list[str] = []
    for w in wanted:
        if w.endswith(":*"):
            names.extend(n for n in scripts if n.startswith(w[:-1]))
        elif w in scripts:
            names.append(w)
    commands: list[Command] = []
    for name in names:
        found = _package_script(sub, cwd, name)
        if found:
            commands.extend(found[1])
    return ("run-all", path, tuple(names)), commands


# -- just and Task --------------------------------------------------------------------------------
_JUST_RECIPE = re.compile(r"^@?([A-Za-z_][\w-]*)(?:\s+[^:]*)?:(?!=)\s*(.*)$")


def _just(sub, text: str, cwd: str):
    if not re.match(r"^just(?:\s|$)", text):
        return None
    path = next((p for p in (_join(cwd, n) for n in ("justfile", "Justfile", ".justfile")) if sub.exists(p)), None)
    if path is None:
        return None
    recipes: dict[str, tuple[list[str], list[tuple[int, str]]]] = {}
    first, current = None, None
    for number, raw in enumerate((sub.read_text(path) or "").split("\n"), start=1):
        if raw.startswith((" ", "\t")) and current is not None:
            body = raw.strip().lstrip("@-").strip()
            if body and not body.startswith("#"):
                recipes[current][1].append((number, body))
            continue
        m = _JUST_RECIPE.match(raw.strip()) if raw.strip() and not raw.lstrip().startswith(("#", "set ", "export ", "alias ", "[")) else None
        current = None
        if m and ":=" not in raw:
            current = m.group(1)
            recipes[current] = ([d for d in m.group(2).split() if re.match(r"^[\w-]+$", d)], [])
            first = first or current
    wanted = [w for w in text.split()[1:] if not w.startswith("-")][:1] or ([first] if first else [])
    commands: list[Command] = []
    done: set[str] = set()

    def run(name: str, depth: int) -> None:
        if name in done or name not in recipes or depth > 8:
            return
        done.add(name)
        deps, body = recipes[name]
        for dep in deps:
            run(dep, depth + 1)
        for line, cmd in body:
            commands.extend(dataclasses.replace(c, path=path) for c in split_script(cmd, line))

    if not wanted or any(w not in recipes for w in wanted):
        return None
    for name in wanted:
        run(name, 0)
    return ("just", path, tuple(wanted)), commands


def _task(sub, text: str, cwd: str):
    if not re.match(r"^(?:task|go-task)(?:\s|$)", text):
        return None
    path = next((p for p in (_join(cwd, n) for n in ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml")) if sub.exists(p)), None)
    if path is None:
        return None
    docs = sub.yaml_docs(path) or []
    tasks = docs[0].get("tasks") if docs and isinstance(docs[0], dict) else None
    if not isinstance(tasks, dict):
        return None
    wanted = [w for w in text.split()[1:] if not w.startswith("-")] or ["default"]
    commands: list[Command] = []
    done: set[str] = set()

    def run(name: str, depth: int) -> None:
        body = tasks.get(name)
        if name in done or depth > 8 or not isinstance(body, (dict, list, str)):
            return
        done.add(name)
        if isinstance(body, str):
            body = {"cmds": [body]}
        elif isinstance(body, list):
            body = {"cmds": body}
        for dep in body.get("deps") or []:
            run(dep if isinstance(dep, str) else str((dep or {}).get("task", "")), depth + 1)
        cmds = body.get("cmds") or []
        for index, item in enumerate(cmds if isinstance(cmds, list) else []):
            line = cmds.line_of(index) if hasattr(cmds, "line_of") else 1
            if isinstance(item, str):
                commands.extend(dataclasses.replace(c, path=path) for c in split_script(item, line or 1))
            elif isinstance(item, dict) and isinstance(item.get("cmd"), str):
                commands.extend(dataclasses.replace(c, path=path) for c in split_script(item["cmd"], line or 1))
            elif isinstance(item, dict) and isinstance(item.get("task"), str):
                run(item["task"], depth + 1)

    if any(w not in tasks for w in wanted[:3]):
        return None
    for name in wanted[:3]:
        run(name, 0)
    return ("task", path, tuple(wanted)), commands


# -- tox and nox ----------------------------------------------------------------------------------
def _tox(sub, text: str, cwd: str):
    if not re.match(r"^tox(?:\s|$)", text):
        return None
    path = _join(cwd, "tox.ini")
    if not sub.exists(path):
        return None
    envs: list[str] = []
    m = re.search(r"(?:^|\s)(?:-e|--env)[ =](\S+)", text)
    if m:
        envs = m.group(1).split(",")
    sections: dict[str, list[tuple[int, str]]] = {}
    current, key = None, None
    for number, raw in enumerate((sub.read_text(path) or "").split("\n"), start=1):
        head = re.match(r"^\[([^\]]+)\]\s*$", raw)
        if head:
            current, key = head.group(1).strip(), None
            continue
        if current is None or raw.lstrip().startswith(("#", ";")):
            continue
        kv = re.match(r"^(\w[\w-]*)\s*=\s*(.*)$", raw)
        if kv:
            key = kv.group(1)
            if key == "commands" and kv.group(2).strip():
                sections.setdefault(current, []).append((number, kv.group(2).strip()))
            continue
        if key == "commands" and raw.startswith((" ", "\t")) and raw.strip():
            sections.setdefault(current, []).append((number, raw.strip()))
    chosen = [f"testenv:{e}" for e in envs if f"testenv:{e}" in sections] or ["testenv"]
    commands: list[Command] = []
    for section in chosen:
        for line, body in sections.get(section, []):
            body = re.sub(r"\{posargs[^}]*\}|\{[a-z_]+\}", "", body)
            commands.extend(dataclasses.replace(c, path=path) for c in split_script(body, line))
    return ("tox", path, tuple(chosen)), commands


def _nox(sub, text: str, cwd: str):
    if not re.match(r"^nox(?:\s|$)", text):
        return None
    path = _join(cwd, "noxfile.py")
    source = sub.read_text(path) if sub.exists(path) else None
    if not source:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    m = re.search(r"(?:^|\s)(?:-s|--session|--sessions)[ =](\S+)", text)
    wanted = set(m.group(1).split(",")) if m else None
    commands: list[Command] = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not any(_names_session(d) for d in node.decorator_list):
            continue
        if wanted is not None and node.name not in wanted:
            continue
        for call in ast.walk(node):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "run"
                    and call.args and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)):
                words = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                commands.append(Command(" ".join(words), call.lineno, path))
    return ("nox", path, tuple(sorted(wanted or ()))), commands


def _names_session(decorator: ast.expr) -> bool:
    """``@nox.session``, ``@session``, ``@nox.session(python=...)``: read without recursion."""
    node = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = node.attr if isinstance(node, ast.Attribute) else (node.id if isinstance(node, ast.Name) else "")
    return name == "session"


# -- local composite actions ---------------------------------------------------------------------
def composite_commands(sub, uses: str, via: tuple[str, ...], depth: int = 0,
                       active: frozenset = frozenset()) -> list[Command]:
    """The commands of a local composite action (``uses: ./.github/actions/deploy``), its own
    local actions and indirections followed. Each action is read once per submission (memoised:
    an action used eighty times costs one read and a step per use), never inside itself, and
    every use spends from the submission's evidence budget."""
    if depth >= MAX_DEPTH or not uses.startswith("./"):
        return []
    folder = _join("", uses.split("@", 1)[0])
    if not _inside(folder):
        return []
    path = next((p for p in (f"{folder}/action.yml", f"{folder}/action.yaml") if sub.exists(p)), None)
    if path is None or path in active:
        return []  # an action that uses itself: what it runs is already being read
    shared = evidence_budget.of(sub)
    memo_key = ("composite", path, depth)
    if memo_key not in shared.memo:
        if not shared.spend(f"the action {path}"):
            return []
        shared.memo[memo_key] = _composite(sub, path, depth, active | {path})
    found = shared.memo[memo_key]
    if not shared.spend(f"the action {path}", len(found)):
        return []
    return [dataclasses.replace(c, via=(*via, *c.via)) for c in found]


def _composite(sub, path: str, depth: int, active: frozenset) -> list[Command]:
    """The commands of the composite action at ``path``, located from the action itself."""
    docs = sub.yaml_docs(path) or []
    runs = docs[0].get("runs") if docs and isinstance(docs[0], dict) else None
    if not isinstance(runs, dict) or str(runs.get("using", "")).lower() != "composite":
        return []
    steps = runs.get("steps") or []
    out: list[Command] = []
    budget = _Budget(evidence_budget.of(sub))
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, dict):
            continue
        line = steps.line_of(index) if hasattr(steps, "line_of") else 1
        if isinstance(step.get("run"), str):
            run_line = step.line_of("run") if hasattr(step, "line_of") else line
            offset = 1 if "\n" in step["run"].rstrip("\n") else 0
            cmds = [dataclasses.replace(c, path=path, via=())
                    for c in budget.shared.split(step["run"], (run_line or line or 1) + offset, f"the action {path}")]
            out.extend(_walk(sub, cmds, path, "", 1, frozenset({("action", path)}), budget))
        elif isinstance(step.get("uses"), str):
            out.extend(composite_commands(sub, step["uses"], (f"{path}:{line}",), depth + 1, active))
    return out
