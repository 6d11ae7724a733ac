"""Images built here and then run: ``docker build -t e2e ./test/e2e`` then ``docker run e2e``
runs the Dockerfile's ENTRYPOINT and CMD; ``docker compose run tests`` (or ``up
--exit-code-from tests``) runs the service's ``command:``, or what its ``build:`` image starts.
What runs sees the files the image was built from (its context and what it copies in), which
the commands carry as their ``scope``."""

from __future__ import annotations

import dataclasses
import json
import posixpath
from typing import TYPE_CHECKING

from grader.evidence import dockerfile
from grader.evidence.resolve.common import Found, inside, join
from grader.evidence.resolve.docker import Build, image_name, parse_build
from grader.evidence.shell import Command, shell_words, split_script
from grader.evidence.shell.tools import CONTAINER_VALUE_OPTIONS
from grader.patterns import lazy
from grader.yamlload import mapping

if TYPE_CHECKING:
    from grader.submission import Submission

_RUN = lazy(r"^(?:docker|podman)(?: container)? run\s")
_COMPOSE = lazy(r"^(?:(?:docker|podman) compose|docker-compose|podman-compose)\s")
_COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
_COMPOSE_VALUED = {"-f", "--file", "-p", "--project-name", "--project-directory", "--profile", "--env-file",
                   "--ansi", "--progress", "--parallel"}
_UP_VALUED = {"--exit-code-from", "--scale", "-t", "--timeout", "--wait-timeout", "--attach", "--no-attach",
              "--pull"}


def register(images: dict[str, Build], text: str, cwd: str) -> None:
    """Remember the images an image build command tags, by name."""
    build = parse_build(text, cwd)
    if build:
        for tag in build.tags:
            images[image_name(tag)] = build


def starts(text: str) -> bool:
    """Does ``text`` start containers (``docker run``, ``docker compose run|up``)?"""
    return bool(_RUN.match(text) or _COMPOSE.match(text))


def run(sub: Submission, text: str, cwd: str, images: dict[str, Build]) -> Found | None:
    """What ``docker run IMAGE [ARGS]`` of an image built here, or ``docker compose run|up``
    of a service of the repository's compose file, runs; None when it is neither."""
    if _RUN.match(text):
        words = shell_words(text)
        if not words:
            return None
        start = words.index("run", 1) + 1 if "run" in words[1:3] else 2  # `docker container run`
        image, args, entry = _after_options(words, start, CONTAINER_VALUE_OPTIONS)
        build = images.get(image_name(image)) if image else None
        if build is None:
            return None
        return _started(sub, build, entry, None, args, ("image", build.dockerfile, build.target, text))
    if _COMPOSE.match(text):
        return _compose(sub, text, cwd)
    return None


def _after_options(words: list[str], start: int, valued: set[str]) -> tuple[str | None, list[str], str | None]:
    """(the first word after the options from ``start``, the words after it, ``--entrypoint``)."""
    i, entry = start, None
    while i < len(words) and words[i].startswith("-"):
        flag, eq, value = words[i].partition("=")
        if flag in valued and not eq:
            value, i = (words[i + 1] if i + 1 < len(words) else ""), i + 1
        if flag == "--entrypoint":
            entry = value
        i += 1
    return (words[i], words[i + 1:], entry) if i < len(words) else (None, [], entry)


def _compose(sub: Submission, text: str, cwd: str) -> Found | None:
    words = shell_words(text)
    if not words:
        return None
    i = 1 if words[0] != "docker" and words[0] != "podman" else 2
    files = []
    while i < len(words) and words[i].startswith("-"):
        flag, eq, value = words[i].partition("=")
        if flag in _COMPOSE_VALUED and not eq:
            value, i = (words[i + 1] if i + 1 < len(words) else ""), i + 1
        if flag in ("-f", "--file"):
            files.append(value)
        i += 1
    if i >= len(words) or words[i] not in ("run", "up"):
        return None
    services = _services(sub, [join(cwd, f) for f in files if "$" not in f] if files else
                         [join(cwd, f) for f in _COMPOSE_FILES if sub.exists(join(cwd, f))][:1])
    if words[i] == "run":
        name, args, entry = _after_options(words, i + 1, CONTAINER_VALUE_OPTIONS)
        found = services.get(name or "")
        return _service(sub, found, entry, args, text) if found else None
    return _up(sub, words[i + 1:], services, text)


def _up(sub: Submission, words: list[str], services: dict, text: str) -> Found | None:
    """``up --exit-code-from tests`` runs ``tests`` to its end (``--abort-on-container-exit``:
    every service named, or all of them); a plain ``up`` starts services, it runs no suite."""
    wanted, named, until_exit = [], [], False
    i = 0
    while i < len(words):
        flag, eq, value = words[i].partition("=")
        if flag in _UP_VALUED and not eq:
            value, i = (words[i + 1] if i + 1 < len(words) else ""), i + 1
        if flag == "--exit-code-from":
            wanted.append(value)
        elif flag == "--abort-on-container-exit":
            until_exit = True
        elif not words[i].startswith("-"):
            named.append(words[i])
        i += 1
    if not wanted and until_exit:
        wanted = named or list(services)
    commands: list[Command] = []
    for name in wanted:
        found = _service(sub, services[name], None, [], text) if name in services else None
        commands.extend(found[1] if found else [])
    return (("compose-up", text), commands) if commands else None


def _services(sub: Submission, paths: list[str]) -> dict[str, tuple[str, dict]]:
    """The services of the compose files, by name: (the file, the service)."""
    out: dict[str, tuple[str, dict]] = {}
    for path in paths:
        docs = sub.yaml_docs_quiet(path) if inside(path) and sub.exists(path) else None
        for name, service in mapping(mapping((docs or [None])[0]).get("services")).items():
            if isinstance(service, dict):
                out[str(name)] = (path, service)
    return out


def _service(sub: Submission, found: tuple[str, dict], entry: str | None, args: list[str], text: str) -> Found | None:
    path, service = found
    here = posixpath.dirname(path)
    build = service.get("build")
    context = build if isinstance(build, str) else mapping(build).get("context", "." if build else None)
    image = None
    if isinstance(context, str) and "$" not in context and "://" not in context:
        where = join(here, context)
        file = mapping(build).get("dockerfile")
        target = mapping(build).get("target")
        image = Build((), join(where, file if isinstance(file, str) else "Dockerfile"), target if isinstance(target, str)
                      else None, where)
    entry = entry if entry is not None else _words(service.get("entrypoint"))
    command = args or _words(service.get("command"), split=True)
    if image is not None:
        return _started(sub, image, entry, command, [], ("service", path, text))
    start = " ".join(part for part in (entry, " ".join(command)) if part)
    if not start:
        return None
    line = service.line_of("command") if hasattr(service, "line_of") else 1
    return ("service", path, text), [dataclasses.replace(c, path=path) for c in split_script(start, line or 1)]


def _words(value, split: bool = False):
    if isinstance(value, list):
        parts = [str(v) for v in value]
        return parts if split else " ".join(parts)
    if isinstance(value, str | int | float):
        return str(value).split() if split else str(value)
    return [] if split else None


def _started(sub: Submission, build: Build, entry: str | None, command: list[str] | None, args: list[str],
             key: tuple) -> Found | None:
    """The commands a container of ``build``'s image starts: its ENTRYPOINT (or ``entry``)
    followed by ``command``/``args`` or else its CMD."""
    if not inside(build.dockerfile) or not sub.exists(build.dockerfile):
        return None
    final = _final(dockerfile.instructions(sub, build.dockerfile), build.target)
    if final is None:
        return None
    entrypoint, cmd, copied, line = final
    if entry is not None:
        entrypoint, cmd = (entry, "")
    tail = " ".join(command or args) or cmd
    start = " ".join(part for part in (entrypoint, tail) if part)
    if not start:
        return None
    scope = _scope(sub, build.context, copied)
    return key, [dataclasses.replace(c, path=build.dockerfile, scope=scope) for c in split_script(start, line)]


def _final(instructions: list[dockerfile.Instruction], target: str | None):
    """(ENTRYPOINT, CMD, the sources COPY brings in, the line they start on) of the stage
    ``target`` (the last stage without one); a stage built on an earlier one inherits them."""
    stages: dict[str, tuple[str, str, list[str], int]] = {}
    entry = cmd = ""
    copied: list[str] = []
    line = 0
    name = None
    for ins in instructions:
        if ins.name == "FROM":
            if name is not None:
                stages[name] = (entry, cmd, copied, line)
            if target and name == target.lower():
                break
            args = ins.args.split()
            args = [a for a in args if not a.startswith("--")]
            name = args[2].lower() if len(args) >= 3 and args[1].upper() == "AS" else f"#{len(stages)}"
            entry, cmd, copied, line = stages.get(args[0].lower() if args else "", ("", "", [], 0))
            copied = list(copied)
        elif ins.name == "ENTRYPOINT":
            entry, cmd, line = _exec_form(ins.args), "", ins.line
        elif ins.name == "CMD":
            cmd, line = _exec_form(ins.args), line or ins.line
        elif ins.name in ("COPY", "ADD") and "--from" not in ins.args:
            copied.extend(w for w in ins.args.split()[:-1] if not w.startswith("--"))
    if not (entry or cmd):
        return None
    return entry, cmd, copied, line


def _exec_form(rest: str) -> str:
    if rest.startswith("["):
        try:
            parts = json.loads(rest)
        except (ValueError, RecursionError):
            return rest
        if isinstance(parts, list):
            return " ".join(shlex_quote(str(p)) for p in parts)
    return rest


def shlex_quote(word: str) -> str:
    return word if word and all(ch not in word for ch in " \t\n'\"$;&|<>()") else json.dumps(word)


def _scope(sub: Submission, context: str, copied: list[str]) -> str:
    """The folder whose files the image holds: its context, or the one folder of it that its
    COPY lines bring in (``COPY tests/ ./tests``)."""
    sources = {join(context, s) for s in copied if "$" not in s and not s.startswith("/")}
    sources = {s for s in sources if inside(s)}
    if not sources or any(s == context for s in sources):
        return context
    try:
        common = posixpath.commonpath(sorted(sources))
    except ValueError:
        return context
    if sub.exists(common):  # one file (`COPY run_tests.sh /`): the folder it is in
        common = posixpath.dirname(common)
    return common if common.startswith(context) or not context else context
