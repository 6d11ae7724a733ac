"""Releases: semantic version tags, changelog files, release notes a pipeline generates, and
the versioned packages a pipeline publishes."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from grader.evidence.ci import read_pipelines
from grader.evidence.ci.queries import live_steps, tool_steps
from grader.evidence.shell import Command, normalise, tool_name
from grader.model import Location
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

# Semantic Versioning 2.0.0 (semver.org), with an optional leading "v".
SEMVER = lazy(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


@functools.lru_cache(maxsize=65536)  # several checks ask about the same tags (20,000 in a big repository)
def parse_semver(tag: str):
    """A sortable key for a semver tag, or None when the tag is not semver."""
    # the common shape (`v1.2.3`: ASCII digits, no leading zeros, nothing after) answered without
    # the pattern, as it would answer; anything else is asked of the pattern
    parts = (tag[1:] if tag.startswith("v") else tag).split(".")
    if len(parts) == 3 and all(p.isascii() and p.isdigit() and (p[0] != "0" or p == "0") for p in parts):
        return (int(parts[0]), int(parts[1]), int(parts[2]), (1,))
    m = SEMVER.match(tag)
    if not m:
        return None
    major, minor, patch, pre = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
    if pre is None:
        pre_key: tuple = (1,)
    else:
        pre_key = (0, *[(0, int(x), "") if x.isdigit() else (1, 0, x) for x in pre.split(".")])
    return (major, minor, patch, pre_key)


# A tag a pipeline stamps on every build rather than a version: a date followed by a time, a commit
# SHA or a build number (`2024.09.10-07.27-c941e09`, `20241203-ab12cd3`, `2024-12-03T1530`), or a
# build number (`build-1234`, `ci-567`, `nightly-20241203`), or a time stamp for a version number
# (`19.171113142759.0`: no one numbers releases in the billions). Calendar versions (`2024.12.0`,
# `24.4.1`, a dated `2024.12.13` on its own) are versions.
_DATE = r"(?:19|20)\d{2}([.-]?)(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])"
_BUILD_STAMP = lazy(rf"^v?{_DATE}[-_T+](?:\d{{2}}[.:]?\d{{2}}|g?[0-9a-f]{{7,40}}(?:$|[-_.])|\d+$)|"
                    r"^v?(?:\d+[.])*\d{10,14}(?:[.]\d+)*$|^(?:build|ci|nightly|snapshot|dev)[-_.]?\d+(?:[-_.]|$)", re.I)


def build_stamp(tag: str) -> bool:
    """Is ``tag`` one a pipeline stamps on each build (a date with a time, SHA or number after
    it; a build number), not a release's version?"""
    return _BUILD_STAMP.match(tag) is not None


def release_version(tag: str):
    """:func:`parse_semver` of a tag that names a release: a build stamp that happens to parse
    (``2024.12.18-10.50-a1a145c`` is MAJOR.MINOR.PATCH-PRERELEASE by the grammar) is none."""
    return None if build_stamp(tag) else parse_semver(tag)


_PREFIX = lazy(r"^[A-Za-z][A-Za-z0-9.]*(?:[-/@_][A-Za-z][A-Za-z0-9.]*)*[-/@_]")


def prefixed_semver(tag: str) -> bool:
    """A semantic version behind a component prefix: ``jq-1.7.1``, ``api/v2.0.0``, ``web@1.4.0``."""
    m = _PREFIX.match(tag)
    return m is not None and not build_stamp(tag) and parse_semver(tag[m.end():]) is not None


_CHANGELOG_NAMES = ("changelog", "changes", "history", "release_notes", "releases", "news")


def changelog_files(sub: Submission) -> list[str]:
    out = []
    for rel in sub.files:
        name = rel.rsplit("/", 1)[-1].lower()
        stem = name.rsplit(".", 1)[0] if "." in name else name
        if stem.replace("-", "_") in _CHANGELOG_NAMES and rel.count("/") <= 2:
            out.append(rel)
    return out


_NOTES_COMMANDS = {r"^gh release create\b.*--generate-notes": "gh release create --generate-notes",
                   r"^(npx )?semantic-release\b": "semantic-release", r"^goreleaser\b": "GoReleaser",
                   r"^(npx )?release-please\b": "release-please", r"^(npx )?changeset (version|publish)\b": "changesets"}


_NOTES_ACTIONS = {"googleapis/release-please-action": "release-please", "google-github-actions/release-please-action":
                  "release-please", "goreleaser/goreleaser-action": "GoReleaser", "changesets/action": "changesets",
                  "cycjimmy/semantic-release-action": "semantic-release"}


def generated_notes(sub: Submission) -> tuple[str, Location] | None:
    """How the release writes its own notes, when it does: ``gh release create --generate-notes``,
    an action-gh-release with ``generate_release_notes``, GoReleaser (its changelog is on unless
    disabled), release-please, semantic-release, changesets."""
    pipes = read_pipelines(sub)
    for tool, where, _text in tool_steps(pipes, _NOTES_COMMANDS, _NOTES_ACTIONS):
        if tool == "GoReleaser" and _goreleaser_changelog_off(sub):
            continue
        return tool, where
    for pipe, _job, _i, step in live_steps(pipes, automatic_only=False):
        if step.uses and step.uses.split("@")[0].lower() in ("softprops/action-gh-release", "ncipollo/release-action"):
            if str(step.with_.get("generate_release_notes", step.with_.get("generateReleaseNotes", ""))).lower() == "true":
                return f"{step.uses.split('@')[0]} with generated notes", Location(pipe.path, step.line)
    return None


def _goreleaser_changelog_off(sub: Submission) -> bool:
    for rel in (".goreleaser.yml", ".goreleaser.yaml", "goreleaser.yml", "goreleaser.yaml"):
        docs = sub.yaml_docs_quiet(rel) if sub.exists(rel) else None
        if docs and isinstance(docs[0], dict):
            log = docs[0].get("changelog")
            return isinstance(log, dict) and (log.get("disable") is True or log.get("skip") is True)
    return False


# Publishing commands whose artifact carries the version its manifest declares (package.json,
# Chart.yaml, pyproject.toml, pom.xml, Cargo.toml, a gemspec, a .nuspec): what each puts out.
_PACKAGE_TOOLS = {"npm": "an npm package", "yarn": "an npm package", "pnpm": "an npm package",
                  "twine": "a Python package", "poetry": "a Python package", "uv": "a Python package", "flit": "a Python package",
                  "mvn": "a Maven artifact", "gradle": "a Gradle publication", "cargo": "a crate",
                  "helm": "a Helm chart", "gem": "a gem", "dotnet": "a NuGet package"}


_PACKAGE_ACTIONS = {"pypa/gh-action-pypi-publish": "a Python package", "plugins/npm": "an npm package",
                    "plugins/pypi": "a Python package", "js-devtools/npm-publish": "an npm package"}


def package_publish(pipes):
    """(pipeline, job, command, what) of the first automatic step that publishes a versioned
    package from a branch (container images are named by tags, not by a declared version)."""
    for pipe, job, _, step in live_steps(pipes):
        if step.uses and not step.commands:
            what = _PACKAGE_ACTIONS.get(step.uses.split("@")[0].lower())
            if what:
                return pipe, job, Command(step.uses, step.line), what
        for cmd in step.commands_in("publish"):
            words = normalise(cmd.text).split()
            tool = tool_name(words[0]) if words else ""
            # (Jib pushes a container image: named by its tags, like any image)
            if tool in _PACKAGE_TOOLS and "--dry-run" not in words and not cmd.ignored and "jib" not in cmd.text:
                return pipe, job, cmd, _PACKAGE_TOOLS[tool]
    return None
