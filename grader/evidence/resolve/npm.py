"""``package.json`` scripts (``npm test``, ``yarn build``, ``pnpm run lint``, with their ``pre``/``post``
scripts) and ``npm-run-all``/``run-s``/``run-p``."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

from grader.evidence.resolve.common import Found, inside, join
from grader.evidence.shell import Command, split_script
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

_NPM_LIKE = lazy(r"^(npm|yarn|pnpm|bun)(?:\s|$)")
_YARN_BUILTINS = {"install", "add", "remove", "upgrade", "up", "init", "publish", "info", "cache", "config",
                  "global", "link", "unlink", "pack", "why", "audit", "outdated", "login", "logout", "dlx",
                  "exec", "workspace", "workspaces", "version", "set", "plugin", "import", "licenses", "create",
                  "i", "ci", "node", "bin", "dedupe", "patch", "npm", "constraints", "search"}
# options that run the script in other packages of a workspace (`pnpm --filter web build`, `npm -ws test`)
_ELSEWHERE = frozenset({"--filter", "-F", "-w", "--workspace", "-ws", "--workspaces", "-r", "--recursive",
                        "workspace", "workspaces", "--include-workspace-root"})
_DEFAULTED = frozenset({"start", "stop", "restart"})  # npm runs something for these without a script
_RUN_ALL = lazy(r"^(?:npm-run-all|run-s|run-p)(?:\s|$)")


def resolve(sub: Submission, text: str, cwd: str) -> Found | None:
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
            folder = join(folder, raw[i + 1])
            i += 2
            continue
        if opt.startswith(("--prefix=", "--cwd=", "--dir=")):
            folder = join(folder, opt.split("=", 1)[1])
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
    elsewhere = any(w in _ELSEWHERE or w.startswith(("--filter=", "--workspace=")) for w in raw)
    return _package_script(sub, folder, script, missing_runs_nothing=not elsewhere)


def _package_script(sub: Submission, folder: str, script: str, missing_runs_nothing: bool = False) -> Found | None:
    path = join(folder, "package.json")
    if not inside(path) or not sub.exists(path):
        return None
    data = sub.json_object(path)
    if not isinstance(data, dict):
        return None
    found = data.get("scripts")
    scripts: dict = found if isinstance(found, dict) else {}
    if not isinstance(scripts.get(script), str):
        # a script the package does not have runs nothing (npm stops with "Missing script", or
        # skips it under --if-present); only `start`, `stop` and `restart` have defaults
        return None if script in _DEFAULTED or not missing_runs_nothing else (("npm", path, script), [])
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


def run_all(sub: Submission, text: str, cwd: str) -> Found | None:
    """``npm-run-all lint test``, ``run-s build test`` (and ``test:*`` patterns)."""
    if not _RUN_ALL.match(text):
        return None
    path = join(cwd, "package.json")
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
