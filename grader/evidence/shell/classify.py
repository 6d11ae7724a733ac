"""Command classification: what a simple command does (install, test, build, publish, deploy,
verify, rollback, release), read from the tool table (:mod:`grader.evidence.shell.tools`)."""

from __future__ import annotations

import functools
import re

from grader.evidence.shell.lexer import NOT_RUN, normalise
from grader.evidence.shell.tools import (
    ALIASES,
    ARCHIVES,
    CONTAINER_RUN,
    CONTAINER_VALUE_OPTIONS,
    DOWNLOAD_EXT,
    HOOK_VARIABLE,
    NOTIFY,
    PACKAGE_MANAGERS,
    REMOTE_DEPLOY,
    RULES,
    RUNNER_VALUE_OPTIONS,
    RUNNERS,
    SKIPS,
    WHOLE,
    WORKSPACE_OPTIONS,
)
from grader.patterns import lazy

_compiled: dict[str, list[tuple[str, re.Pattern]]] = {}


def inside_container(text: str) -> str | None:
    """The command a ``docker run``/``docker compose run``/``docker exec`` runs inside its
    container (None when there is none, or when it is not such a command)."""
    m = CONTAINER_RUN.match(text)
    if not m:
        return None
    words = m.group(1).split()
    i = 0
    while i < len(words) and words[i].startswith("-"):
        flag = words[i].split("=", 1)[0]
        i += 2 if flag in CONTAINER_VALUE_OPTIONS and "=" not in words[i] else 1
    rest = words[i + 1:]  # after the image, service or container
    return " ".join(rest) if rest else None


def _rules_for(tool: str) -> list[tuple[str, re.Pattern]]:
    rules = _compiled.get(tool)
    if rules is None:
        rules = [(cat, re.compile(rx)) for cat, rx in RULES.get(tool, ())]
        _compiled[tool] = rules
    return rules


def remote_categories(command: str) -> set[str]:
    """What a command run on a remote host does: starting, restarting or updating the
    application there (`docker compose up`, `docker run`, `pm2 restart`, `systemctl restart`,
    `git pull`) deploys it; anything else is what it would be locally."""
    found = categories(command)
    if REMOTE_DEPLOY.match(normalise(command)):
        found.add("deploy")
    return found


def _deploy_hook(args: str) -> bool:
    """A platform's deploy hook called from the pipeline (Render, Netlify build hooks, a
    webhook of one's own named so): a URL argument that says deploy."""
    # a secret or variable that holds the hook: ${{ secrets.RENDER_DEPLOY_HOOK }}, $DEPLOY_HOOK_URL
    if HOOK_VARIABLE.search(args.lower()):
        return True
    for word in args.split():
        word = word.strip("'\"").lower()
        if word.startswith(("http://", "https://")):
            tail = word.split("://", 1)[1]
            if "/deploy" in tail or "deploy-hook" in tail or "deploy_hook" in tail or "build_hooks" in tail:
                return True
    return False


# installers fetched to be piped into a shell (`curl -fsSL https://deb.nodesource.com/setup_20.x | bash -`)
_INSTALLER = lazy(r"^https?://(?:deb\.nodesource\.com|rpm\.nodesource\.com|get\.docker\.com|sh\.rustup\.rs|"
                        r"install\.python-poetry\.org|get\.helm\.sh|dl\.k8s\.io|astral\.sh|bun\.sh|get\.pnpm\.io)\b"
                        r"|/(?:setup_[\w.]+|install(?:er)?(?:\.sh)?)/?$")


def _download(tool: str, args: str) -> bool:
    """A ``curl``/``wget`` that fetches a file (an installer, an archive, a key) rather than
    asking the service whether it is up: its URL names such a file or a release download, or
    curl saves what it fetches (``-o file``, ``-O``)."""
    words = [w.strip("'\"") for w in args.split()]
    for i, word in enumerate(words):
        if word.startswith(("http://", "https://")):
            path = word.split("?", 1)[0].split("#", 1)[0]
            if DOWNLOAD_EXT.search(path) or "/releases/download/" in path or "raw.githubusercontent.com" in path \
                    or _INSTALLER.search(path):
                return True
        cluster = re.fullmatch(r"-[a-zA-Z]*([oO])", word) if tool == "curl" else None  # -O, -sSLo FILE
        if (cluster and (cluster.group(1) == "O" or (i + 1 < len(words) and words[i + 1] != "/dev/null"))) \
                or word == "--remote-name" or (word == "--output" and i + 1 < len(words) and words[i + 1] != "/dev/null"):
            return True
    return False


def unwrap(command: str) -> str:
    """The tool a runner starts: ``npx eslint .`` → ``eslint .``, ``poetry run ruff check`` →
    ``ruff check`` (normalised)."""
    text = normalise(command)
    for _ in range(3):
        inner = _started(text)
        if not inner:
            break
        text = inner
    return text


def _to_remote_host(args: str) -> bool:
    """Is the last argument of ``scp``/``rsync`` a place on another machine (``host:path``,
    ``user@host:/var/www``, ``$HOST:~/app``) — not a URL, not a local path?"""
    words = args.split()
    if len(words) < 2:
        return False
    target = words[-1].strip("'\"")
    host, sep, _path = target.partition(":")
    return bool(sep) and bool(host) and "/" not in host and "//" not in target and not host.startswith("-")


def _started(text: str) -> str | None:
    """What a runner (``npx``, ``uv run --group dev``...) or a container (``docker run IMAGE``)
    starts, its own options dropped; None when ``text`` starts nothing."""
    runner = RUNNERS.match(text)
    return _after_runner(runner.group(1)) if runner else inside_container(text)


_EXPRESSION = lazy(r"\$\{\{([^}]*)\}\}")


def _after_runner(rest: str) -> str:
    """What a runner starts, its own options dropped: ``--locked --group dev tox run`` → ``tox run``
    (an option's value written as a CI expression with spaces, ``--python ${{ matrix.python }}``, is
    one word)."""
    if "${{" in rest:
        rest = _EXPRESSION.sub(lambda m: "${{" + "".join(m.group(1).split()) + "}}", rest)
    words = rest.split()
    i = 0
    while i < len(words) and words[i].startswith("-") and words[i] != "--":
        i += 2 if words[i] in RUNNER_VALUE_OPTIONS else 1
    if i < len(words) and words[i] == "--":
        i += 1
    return " ".join(words[i:])


def _workspace_dropped(rest: str) -> str:
    words = rest.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in WORKSPACE_OPTIONS:
            i += 2
            continue
        if word.startswith(("--filter=", "--workspace=", "--cwd=", "--dir=", "--prefix=")) or word == "--recursive" \
                or word == "-r":
            i += 1
            continue
        if not out and word == "workspace" and i + 1 < len(words):  # yarn workspace NAME SCRIPT
            i += 2
            continue
        out.append(word)
        i += 1
    return " ".join(out)


def started_by_runner(text: str) -> str | None:
    """The command an environment runner starts (``uv run``, ``poetry run``, ``pipenv run``,
    ``bundle exec``, ``npx``...), its options dropped; None when ``text`` is not run by one."""
    runner = RUNNERS.match(text)
    return _after_runner(runner.group(1)) if runner else None


def tool_name(word: str) -> str:
    """The tool a command's first word names: its path, quotes and `.exe` dropped, wrappers and
    aliases folded (`./mvnw` → `mvn`, `pip3` → `pip`)."""
    tool = word.strip("'\"").rsplit("/", 1)[-1].lower()
    if tool.endswith(".exe"):
        tool = tool[:-4]
    return ALIASES.get(tool, tool)


def categories(command: str) -> set[str]:
    """What a simple command does: install, test, build, publish, deploy, verify, rollback, release.
    Worked out once per distinct command text (a step repeated a thousand times, or read by
    every check, costs one reading); the caller gets its own set."""
    return set(_categories(command))


# options of curl/wget that send data or change something: what they do is a write, not a check
_WRITES = lazy(r"(?:^|\s)(?:-d|--data(?:-\w+)?|-F|--form|-T|--upload-file|--post-data|--post-file|--method[ =]"
                     r"(?:POST|PUT|PATCH|DELETE)|-X\s?(?:POST|PUT|PATCH|DELETE)|--request[ =](?:POST|PUT|PATCH|DELETE))"
                     r"(?=[\s=]|$)")


@functools.lru_cache(maxsize=1 << 16)
def _categories(command: str) -> frozenset[str]:
    text = normalise(command)
    if not text or NOT_RUN.match(text):
        return frozenset()
    found: set[str] = set()
    for _ in range(3):  # a runner may start a tool: npx jest, python -m pytest, bundle exec rspec
        word, _sep, rest = text.partition(" ")
        tool = tool_name(word)
        if tool in WHOLE and not (tool == "tsc" and re.search(r"(?:^|\s)--noEmit\b", rest)):
            found.add(WHOLE[tool])  # (`tsc --noEmit` type-checks: it builds nothing)
        if tool in PACKAGE_MANAGERS:
            rest = _workspace_dropped(rest)
        for cat, rx in _rules_for(tool):
            if rx.match(rest):
                found.add(cat)
        if tool in SKIPS and re.search(SKIPS[tool], rest):
            found.discard("test")  # the tests are told not to run
        if tool in ("curl", "wget") and _deploy_hook(rest):
            found.add("deploy")
            found.discard("verify")
        if tool in ("curl", "wget") and _download(tool, rest):
            found.discard("verify")  # fetching a tool or a file checks nothing
        if tool in ("curl", "wget") and "deploy" not in found and NOTIFY.search(rest):
            found.discard("verify")  # a message to a chat webhook tells people; it checks nothing
        if tool in ("curl", "wget") and _WRITES.search(rest):
            found.discard("verify")  # a write (a flag into a key-value store, a form posted) checks nothing
        if tool in ("scp", "rsync") and _to_remote_host(rest):
            found.add("deploy")  # files copied onto a server: the site or the release goes live there
        if "smoke" in tool or re.search(r"health[-_]?check", tool):
            found.add("verify")
        if "rollback" in tool and tool.endswith(".sh"):
            found.add("rollback")
        inner = _started(text)
        if not inner:
            break
        text = inner
    return frozenset(found)


_TEST_SCRIPT = lazy(r"^(?:(?:bash|sh|zsh)\s+(?:-\w+\s+)*)?(?:\S*/)?(?:(?:t|tests?|run[_-]tests?)[_-][\w.-]*|"
                          r"[\w.-]*[_-]tests?|tests?)\.(?:sh|bash)(?:\s|$)")


def runs_test_script(command: str) -> bool:
    """Does the command run a test script by its name (``bash t_cat.sh``, ``./run_tests.sh``,
    ``sh tests/api-test.sh``)? What it runs is judged as a test file is (real assertions)."""
    text = normalise(command)
    return len(text) <= 2000 and bool(_TEST_SCRIPT.match(text))


def is_versioned_build(command: str) -> bool:
    """A container build/tag command whose tag carries a commit SHA, a variable or a version."""
    text = re.sub(r"\$\{\{\s*([^}]*?)\s*\}\}", r"${{\1}}", normalise(command))  # ${{ x }} is one word
    tags = re.findall(r"(?:-t|--tag)[ =](\S+)", text)
    if not tags:
        words = [w.strip("'\"") for w in text.split()]
        archive = next((w for w in words[1:] if w.endswith(ARCHIVES)), None) if words[:1] in (["zip"], ["tar"]) else None
        if archive:  # an archive is versioned by its name: a variable or a version number in it
            return "$" in archive or bool(re.search(r"\d+\.\d+", archive))
        return not re.match(r"(docker|podman|buildah)\b", text)  # packages carry their version
    return any(versioned_reference(t) for t in tags)


def versioned_reference(ref: str) -> bool:
    """Is an image reference versioned (the one rule for every way an image is built: ``docker
    build -t``, an action's ``tags``, a Cloud Build step): a tag carrying a variable, a version
    or a commit SHA — never ``latest`` (or another moving name), whatever the rest holds."""
    ref = re.sub(r"\$\{\{\s*([^}]*?)\s*\}\}", r"${{\1}}", ref)
    ref = ref.strip("'\"")
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:  # no tag is `latest`, unless the whole reference is one variable (taken on trust)
        return bool(re.fullmatch(r"\$(?:\w+|\{\w+\}|\{\{[^}]*\}\})", ref))
    tag = last.rsplit(":", 1)[-1]
    if tag in ("latest", "dev", "main", "master", "test", "stable", ""):
        return False
    return "$" in tag or bool(re.search(r"\d+\.\d+\.\d+|[0-9a-f]{7,40}", tag))
