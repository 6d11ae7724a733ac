"""Where release tools publish, read from their configuration without running it: semantic-release
(``.releaserc*``, ``release.config.*`` read as text, the ``release`` key of package.json; its
default plugins include ``@semantic-release/npm``), python-semantic-release (``upload_to_pypi``),
changesets (``changeset publish``, the ``publish`` input of ``changesets/action``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.evidence.ci.queries import live_steps
from grader.evidence.shell import normalise
from grader.model import Location
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

_DATA = (".releaserc", ".releaserc.json", ".releaserc.yml", ".releaserc.yaml")
_CODE = ("release.config.js", "release.config.cjs", "release.config.mjs", ".releaserc.js", ".releaserc.cjs")
# plugins that publish a package, by the registry they publish to
_PLUGINS = {"@semantic-release/npm": "npm registry", "@semantic-release/pypi": "PyPI", "semantic-release-pypi": "PyPI",
            "semantic-release-cargo": "crates.io", "@semantic-release-cargo/semantic-release-cargo": "crates.io",
            "@semantic-release/apm": "Atom package registry", "semantic-release-rubygem": "RubyGems"}
# what an @semantic-release/exec publishCmd runs, by the registry it publishes to
_EXEC = ((lazy(r"\b(?:npm|pnpm|yarn(?: npm)?) publish\b"), "npm registry"),
         (lazy(r"\b(?:twine upload|poetry publish|uv publish|flit publish)\b"), "PyPI"),
         (lazy(r"\bcargo publish\b"), "crates.io"), (lazy(r"\bgem push\b"), "RubyGems"),
         (lazy(r"\b(?:mvn|mvnw)\b[^\n]*\bdeploy\b"), "Maven repository"))
_NPM_OFF = lazy(r"""["']?npmPublish["']?\s*:\s*false\b""", re.I)
_PLUGIN_NAME = lazy(r"""["'](@?[\w./-]*semantic-release[\w./-]*)["']""")


def semantic_release(sub: Submission) -> tuple[str, str] | None:
    """(the registry, the configuration file) a semantic-release run publishes to; None when
    its configuration publishes nothing (``npmPublish: false``, a private package, plugins
    that only tag and write notes)."""
    for rel in _DATA + _CODE + ("package.json",):
        if not sub.exists(rel):
            continue
        config = _config(sub, rel)
        if config is None:
            continue
        plugins, text = config
        registry = _registry(sub, plugins, text)
        return (registry, rel) if registry else None
    return None


def _config(sub: Submission, rel: str) -> tuple[list | None, str] | None:
    """(the plugins, or None when the defaults apply; the configuration as text)."""
    if rel in _CODE:
        text = (sub.read_text(rel) or "")[:200_000]
        if "plugins" not in text:
            return None, text
        return [m.group(1) for m in _PLUGIN_NAME.finditer(text)], text
    if rel == "package.json":
        data = (sub.json_object(rel) or {}).get("release")
    else:
        docs = sub.yaml_docs_quiet(rel)  # JSON is YAML too
        data = docs[0] if docs else None
    if not isinstance(data, dict):
        return None
    plugins = data.get("plugins")
    if not isinstance(plugins, list):
        return None, str(data)[:200_000]
    names = []
    for p in plugins[:50]:
        name = p[0] if isinstance(p, list) and p else p
        if isinstance(name, str):
            names.append(name)
    return names, str(plugins)[:200_000]


def _registry(sub: Submission, plugins: list | None, text: str) -> str | None:
    if plugins is None:  # the defaults: commit-analyzer, release-notes-generator, npm, github
        plugins = ["@semantic-release/npm"]
    for name in plugins:
        registry = _PLUGINS.get(name)
        if registry == "npm registry" and (_NPM_OFF.search(text) or _private(sub)):
            continue
        if registry:
            return registry
    if "@semantic-release/exec" in plugins:
        for rx, registry in _EXEC:
            if rx.search(text):
                return registry
    return None


def _private(sub: Submission) -> bool:
    """A private package.json: the npm plugin bumps its version and publishes nothing."""
    return (sub.json_object("package.json") or {}).get("private") is True


def python_semantic_release(sub: Submission) -> bool:
    """Does python-semantic-release upload to PyPI (``upload_to_pypi``/``upload_to_repository``)?"""
    text = sub.read_text("pyproject.toml") if sub.exists("pyproject.toml") else None
    if not text or "semantic_release" not in text:
        return False
    import tomllib

    try:
        data = tomllib.loads(text[:500_000])
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return False
    conf = data.get("tool", {}).get("semantic_release", {}) if isinstance(data.get("tool"), dict) else {}
    return isinstance(conf, dict) and any(conf.get(k) is True for k in ("upload_to_pypi", "upload_to_repository"))


def changesets_publish(sub: Submission, publish: str) -> bool:
    """Does the changesets ``publish`` command (``changeset publish``, or a package.json script
    that runs it) publish packages: some package of the repository is not private?"""
    text = publish
    script = re.match(r"^(?:npm run|pnpm(?: run)?|yarn(?: run)?|bun run)\s+([\w:.-]+)$", publish.strip())
    if script:
        scripts = (sub.json_object("package.json") or {}).get("scripts")
        text = str(scripts.get(script.group(1)) or "") if isinstance(scripts, dict) else ""
    if not re.search(r"\bchangeset publish\b|\b(?:npm|pnpm|yarn) (?:-r )?publish\b", text):
        return False
    manifests = [f for f in sub.files if f.endswith("package.json") and "node_modules/" not in f][:200]
    return any((sub.json_object(f) or {}).get("private") is not True for f in manifests)


_SEMANTIC_RELEASE = lazy(r"^(?:npx |pnpm (?:dlx|exec) |yarn (?:dlx )?|bunx )?(?:-\S+ )*semantic-release\b(?!.*\s(?:--dry-run|-d)\b)")
_PSR = lazy(r"^semantic-release (?:-\S+ )*(?:publish|version)\b")
_CHANGESET = lazy(r"^(?:npx |pnpm (?:dlx|exec) |yarn )?changeset publish\b")


def release_tool_publishes(sub: Submission, pipes) -> list[tuple[str, Location, str]]:
    """(registry, where, what) of each pipeline step whose release tool publishes a package, as
    its configuration says: semantic-release, python-semantic-release, changesets."""
    out: list[tuple[str, Location, str]] = []
    for pipe, _job, _i, step in live_steps(pipes, automatic_only=False):
        action = (step.uses or "").split("@")[0].lower()
        if action == "cycjimmy/semantic-release-action":
            found = semantic_release(sub)
            out += [(found[0], Location(pipe.path, step.line), f"{step.uses} ({found[1]})")] if found else []
        elif action == "python-semantic-release/python-semantic-release" and python_semantic_release(sub):
            out.append(("PyPI", Location(pipe.path, step.line), step.uses or ""))
        elif action == "changesets/action" and isinstance(step.with_.get("publish"), str) \
                and changesets_publish(sub, step.with_["publish"]):
            out.append(("npm registry", Location(pipe.path, step.line), f"{step.uses}: {step.with_['publish']}"))
        for cmd in step.commands:
            text = normalise(cmd.text)
            if _PSR.match(text) and python_semantic_release(sub):
                out.append(("PyPI", cmd.at(pipe.path), cmd.text))
            elif _SEMANTIC_RELEASE.match(text) and (found := semantic_release(sub)):
                out.append((found[0], cmd.at(pipe.path), f"{cmd.text} ({found[1]})"))
            elif _CHANGESET.match(text) and changesets_publish(sub, text):
                out.append(("npm registry", cmd.at(pipe.path), cmd.text))
    return out
