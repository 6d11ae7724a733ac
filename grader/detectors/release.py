"""Release: semantic-version tags, a changelog with versions, release automation on tags."""

from __future__ import annotations

import functools
import re

from grader.detectors import detector
from grader.detectors.common import found, git_or_finding, loc, plural, shallow_or
from grader.evidence import codescan, markdown
from grader.evidence.ci import read_pipelines
from grader.evidence.ci.model import live_steps, tool_steps
from grader.evidence.commands import Command, normalise, tool_name
from grader.evidence.testfiles import is_test_path
from grader.model import Finding, Location

# Semantic Versioning 2.0.0 (semver.org), with an optional leading "v".
SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


@functools.lru_cache(maxsize=65536)  # several checks ask about the same tags (20,000 in a big repository)
def parse_semver(tag: str):
    """A sortable key for a semver tag, or None when the tag is not semver."""
    m = SEMVER.match(tag)
    if not m:
        return None
    major, minor, patch, pre = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
    if pre is None:
        pre_key: tuple = (1,)
    else:
        pre_key = (0, *[(0, int(x), "") if x.isdigit() else (1, 0, x) for x in pre.split(".")])
    return (major, minor, patch, pre_key)


_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9.]*(?:[-/@_][A-Za-z][A-Za-z0-9.]*)*[-/@_]")


def prefixed_semver(tag: str) -> bool:
    """A semantic version behind a component prefix: ``jq-1.7.1``, ``api/v2.0.0``, ``web@1.4.0``."""
    m = _PREFIX.match(tag)
    return m is not None and parse_semver(tag[m.end():]) is not None


def _tag_loc(tag) -> Location:
    return Location(f"tag {tag.name}", None) if not tag.commit else Location(
        f"tag {tag.name} ({tag.commit[:10]})", None)


@detector(
    "semver-tags",
    title="Semantic-version tags",
    looks_for="At least `min_tags` git tags that follow Semantic Versioning 2.0.0 "
    "(`MAJOR.MINOR.PATCH`, optional `v`, pre-release and build parts allowed) on commits of the "
    "checked-out branch. `release-1`, `v1.2` and `jq-1.7.1` are not semver; a semantic version "
    "behind a prefix (`jq-1.7.1`, `api/v2.0.0`) earns `prefixed_credit`, and a version without its patch "
    "number (`v1.2`, `2.0`) `short_credit`, each named as such. Annotated and "
    "lightweight tags both count; the message says which.",
    why="Version numbers that say what changed (breaking, feature, fix) let everyone downstream "
    "decide whether an upgrade is safe, and tie every release to one commit.",
    params={"min_tags": {"type": "integer", "minimum": 1, "maximum": 10000},
            "require_reachable": {"type": "boolean"},
            "prefixed_credit": {"type": "number", "minimum": 0, "maximum": 1},
            "short_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"min_tags": 1, "require_reachable": True, "prefixed_credit": 0.5, "short_credit": 0.5},
)
def semver_tags(sub, p):
    facts, problem = git_or_finding(sub)
    if problem:
        return problem
    if facts.tag_error:
        return Finding.unjudgeable(facts.tag_error)
    semver = [t for t in facts.tags if parse_semver(t.name)]
    others = [t.name for t in facts.tags if not parse_semver(t.name)]
    usable = [t for t in semver if t.reachable or not p["require_reachable"]]
    if not facts.tags:
        return shallow_or(sub, Finding.failed("no git tags (tag a release: `git tag -a v1.0.0 -m ...` and push it with `git push --tags`)"))
    if not semver:
        prefixed = [t for t in facts.tags if prefixed_semver(t.name) and (t.reachable or not p["require_reachable"])]
        if prefixed:
            return Finding.ratio(
                p["prefixed_credit"],
                f"{plural(len(prefixed), 'tag')} {'is a semantic version' if len(prefixed) == 1 else 'are semantic versions'}"
                f" behind a prefix ({', '.join(repr(t.name) for t in prefixed[-3:])}): tools that read versions "
                "from tags (release tooling, package managers) expect `v1.2.3` or `1.2.3`",
                [_tag_loc(t) for t in prefixed[-3:]])
        short = [t for t in facts.tags if _SHORT_VERSION.match(t.name) and (t.reachable or not p["require_reachable"])]
        if short:
            return Finding.ratio(
                p["short_credit"],
                f"{plural(len(short), 'version tag')} without a patch number ({', '.join(repr(t.name) for t in short[-3:])}): "
                f"Semantic Versioning needs MAJOR.MINOR.PATCH — tag the next release {short[-1].name}.0",
                [_tag_loc(t) for t in short[-3:]])
        return Finding.failed(
            f"{plural(len(facts.tags), 'tag')}, none of them semantic versions: "
            + ", ".join(repr(n) for n in others[:5])
        )
    usable.sort(key=lambda t: parse_semver(t.name))
    annotated = sum(1 for t in usable if t.annotated)
    msg = (f"{plural(len(usable), 'semver tag')} on this branch "
           f"({annotated} annotated, {len(usable) - annotated} lightweight)")
    if usable:
        msg += f", latest {usable[-1].name}"
    unreachable = [t.name for t in semver if not t.reachable]
    if unreachable and p["require_reachable"]:
        msg += f"; not on this branch: {', '.join(unreachable[:3])}"
    if others:
        msg += f"; not semver: {', '.join(repr(n) for n in others[:3])}"
    fraction = min(1.0, len(usable) / p["min_tags"])
    disorder = _out_of_order(facts, usable)
    if disorder:
        newer, older = disorder
        msg += (f"; version order disagrees with history: {newer.name} is on an older commit "
                f"than {older.name}")
        fraction *= 0.8
    return Finding.ratio(fraction, msg, [_tag_loc(t) for t in usable[-3:]])


# A version tag that stops at MINOR (`v1.2`, `2.0`): versioned, but not a semantic version.
_SHORT_VERSION = re.compile(r"^v?(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)$")


def _out_of_order(facts, tags):
    """(higher version, lower version) when a higher version tags an older commit."""
    order = {c.sha: i for i, c in enumerate(facts.commits)}  # 0 = newest
    placed = [t for t in tags if t.commit in order]  # sorted by version, ascending
    for lower, higher in zip(placed, placed[1:], strict=False):
        if order[higher.commit] > order[lower.commit]:
            return higher, lower
    return None


_CHANGELOG_NAMES = ("changelog", "changes", "history", "release_notes", "releases", "news")
_VERSION_HEADING = re.compile(r"\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\b")


def changelog_files(sub) -> list[str]:
    out = []
    for rel in sub.files:
        name = rel.rsplit("/", 1)[-1].lower()
        stem = name.rsplit(".", 1)[0] if "." in name else name
        if stem.replace("-", "_") in _CHANGELOG_NAMES and rel.count("/") <= 2:
            out.append(rel)
    return out


@detector(
    "changelog",
    title="Changelog with versions",
    looks_for="A changelog or release notes (`CHANGELOG.md`, `CHANGES.md`, `HISTORY.md`, "
    "`RELEASE_NOTES.md`...) whose headings name versions (`## [1.2.0] - 2025-03-01`, "
    "`## v1.2.0`), each with entries under it. Full credit when it names the latest semver tag. "
    "Without a file, release notes the pipeline generates count (`gh release create --generate-notes`, "
    "`generate_release_notes: true`, GoReleaser's changelog, release-please, semantic-release, changesets).",
    why="Release notes tell users and operators what changed in each version: what to test, "
    "what to watch after deploying.",
)
def changelog(sub, p):
    files = changelog_files(sub)
    if not files:
        generated = generated_notes(sub)
        if generated:
            how, where = generated
            return Finding.passed(f"release notes are generated by the release: {how}", [where])
        return Finding.failed("no changelog or release notes found (CHANGELOG.md), and no release that generates them")
    best = None
    for rel in files:
        root = markdown.document(sub, rel)
        if root is None:
            continue
        versions = []
        for section in root.walk():
            m = _VERSION_HEADING.search(section.title) if section.level else None
            if m and markdown.is_filled(section.all_text(), 2):
                versions.append((m.group(1), section.line))
        if best is None or len(versions) > len(best[1]):
            best = (rel, versions)
    if not best or not best[1]:
        return Finding.failed(f"{files[0]} has no version headings with entries", [loc(files[0], 1)])
    rel, versions = best
    latest = _latest_tag(sub)
    names = {v for v, _ in versions}
    evidence = [loc(rel, line) for _, line in versions[:3]]
    if latest and latest.lstrip("v") not in names:
        return Finding.ratio(
            0.6, f"{rel} lists {plural(len(versions), 'version')} but not the latest tag {latest}",
            evidence,
        )
    return Finding.passed(f"{rel} lists {plural(len(versions), 'version')}"
                          + (f", including the latest tag {latest}" if latest else ""), evidence)


_NOTES_COMMANDS = {r"^gh release create\b.*--generate-notes": "gh release create --generate-notes",
                   r"^(npx )?semantic-release\b": "semantic-release", r"^goreleaser\b": "GoReleaser",
                   r"^(npx )?release-please\b": "release-please", r"^(npx )?changeset (version|publish)\b": "changesets"}
_NOTES_ACTIONS = {"googleapis/release-please-action": "release-please", "google-github-actions/release-please-action":
                  "release-please", "goreleaser/goreleaser-action": "GoReleaser", "changesets/action": "changesets",
                  "cycjimmy/semantic-release-action": "semantic-release"}


def generated_notes(sub) -> tuple[str, Location] | None:
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
                return f"{step.uses.split('@')[0]} with generated notes", loc(pipe.path, step.line)
    return None


def _goreleaser_changelog_off(sub) -> bool:
    for rel in (".goreleaser.yml", ".goreleaser.yaml", "goreleaser.yml", "goreleaser.yaml"):
        docs = sub.yaml_docs_quiet(rel) if sub.exists(rel) else None
        if docs and isinstance(docs[0], dict):
            log = docs[0].get("changelog")
            return isinstance(log, dict) and (log.get("disable") is True or log.get("skip") is True)
    return False


def _latest_tag(sub) -> str | None:
    facts = sub.git
    if not facts.is_git or facts.error:
        return None
    semver = [t.name for t in facts.tags if parse_semver(t.name) and t.reachable]
    return max(semver, key=parse_semver) if semver else None


@detector(
    "release-automation",
    title="Release automated on tags",
    looks_for="A pipeline triggered by a tag (GitHub `on: push: tags:` or `on: release`, GitLab "
    "`rules: if: $CI_COMMIT_TAG` / `only: [tags]`...) with a step that publishes, deploys or "
    "creates the release (`docker push`, `gh release create`, `softprops/action-gh-release`, "
    "`goreleaser`, `twine upload`...), or a pipeline that creates the version tag and the release "
    "itself (`semantic-release`, release-please, changesets). A tag job that only builds earns "
    "`build_only_credit`; a branch pipeline that publishes a package under the version it "
    "declares (`npm publish`, `helm push`, `twine upload`, `mvn deploy`, `cargo publish`...; not "
    "a container image, not `--dry-run`) earns `publish_credit`.",
    why="A release made by the pipeline from a tag is repeatable and traceable; a hand-made one "
    "is neither.",
    params={"build_only_credit": {"type": "number", "minimum": 0, "maximum": 1},
            "publish_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"build_only_credit": 0.3, "publish_credit": 0.5},
)
def release_automation(sub, p):
    pipes = read_pipelines(sub)
    if not pipes:
        return Finding.failed("no CI pipeline found, so nothing releases on a tag")
    builds_only = None
    for pipe, job, _, step in live_steps(pipes, automatic_only=False):
        if not job.on_tag:
            continue
        cats = step.categories() & {"release", "publish", "deploy"}
        if cats:
            return Finding.passed(
                f"{pipe.path}: job `{job.id}` runs on tags and does the release ({', '.join(sorted(cats))})",
                [loc(pipe.path, job.tag_line), step_where(pipe, step, sorted(cats)[0])],
            )
        if "build" in step.categories():
            builds_only = builds_only or (pipe, job, step)
    for pipe, job, _, step in live_steps(pipes):
        # the pipeline that creates the version tag and the release itself (semantic-release,
        # release-please, changesets, `git tag` + `gh release create` on the main branch)
        if job.on_tag or "release" not in step.categories():
            continue
        return Finding.passed(f"{pipe.path}: job `{job.id}` creates the version and the release itself",
                              [step_where(pipe, step, "release")])
    published = _package_publish(pipes)
    if published and (p["publish_credit"] >= p["build_only_credit"] or not builds_only):
        pipe, job, cmd, what = published
        return Finding.ratio(p["publish_credit"], f"{pipe.path}: job `{job.id}` publishes {what} under the version it "
                             "declares, but on every change: no release is cut from a version tag", [cmd.at(pipe.path)])
    if builds_only:
        pipe, job, step = builds_only
        return Finding.ratio(p["build_only_credit"], f"{pipe.path}: job `{job.id}` runs on tags but only builds: no "
                             "step publishes the artifact or creates the release", [loc(pipe.path, step.line)])
    tagged = [pipe for pipe in pipes if "tag" in pipe.triggers or "release" in pipe.triggers]
    if tagged:
        return Finding.ratio(p["build_only_credit"], f"{tagged[0].path} runs on tags but no step publishes a release",
                             [loc(tagged[0].path, tagged[0].line)])
    return Finding.failed("no pipeline is triggered by a version tag, and none creates releases itself")


# Publishing commands whose artifact carries the version its manifest declares (package.json,
# Chart.yaml, pyproject.toml, pom.xml, Cargo.toml, a gemspec, a .nuspec): what each puts out.
_PACKAGE_TOOLS = {"npm": "an npm package", "yarn": "an npm package", "pnpm": "an npm package",
                  "twine": "a Python package", "poetry": "a Python package", "uv": "a Python package", "flit": "a Python package",
                  "mvn": "a Maven artifact", "gradle": "a Gradle publication", "cargo": "a crate",
                  "helm": "a Helm chart", "gem": "a gem", "dotnet": "a NuGet package"}
_PACKAGE_ACTIONS = {"pypa/gh-action-pypi-publish": "a Python package", "plugins/npm": "an npm package",
                    "plugins/pypi": "a Python package", "js-devtools/npm-publish": "an npm package"}


def _package_publish(pipes):
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


def step_where(pipe, step, category: str) -> Location:
    cmds = step.commands_in(category)
    return cmds[0].at(pipe.path) if cmds else loc(pipe.path, step.line)


@detector(
    "release-tooling",
    title="Release tooling",
    looks_for="Releases made by a tool: semantic-release (`.releaserc*`, `release.config.js`, a `release` "
    "key in package.json, or a CI step), release-please (config/manifest or its action), GoReleaser "
    "(`.goreleaser.yml`), changesets (`.changeset/config.json`), or `gh release create` in CI.",
    why="Release tooling turns commits into versions, changelogs and published releases with no "
    "hand-made steps to forget.",
)
def release_tooling(sub, p):
    hits = tool_steps(read_pipelines(sub), {r"^(npx )?semantic-release\b": "semantic-release", r"^(npx )?release-please\b": "release-please",
                          r"^goreleaser( release)?\b": "GoReleaser", r"^(npx )?changeset (publish|version)\b": "changesets",
                          r"^gh release create\b": "GitHub CLI releases"},
                    {"cycjimmy/semantic-release-action": "semantic-release",
                     "googleapis/release-please-action": "release-please",
                     "google-github-actions/release-please-action": "release-please",
                     "goreleaser/goreleaser-action": "GoReleaser", "changesets/action": "changesets",
                     "softprops/action-gh-release": "GitHub releases"})
    for rel in sub.files:
        name = rel.rsplit("/", 1)[-1].lower()
        if name in (".releaserc", ".releaserc.json", ".releaserc.yml", ".releaserc.yaml", "release.config.js",
                    "release.config.cjs"):
            hits.append(("semantic-release", Location(rel, 1), rel))
        elif name in ("release-please-config.json", ".release-please-manifest.json"):
            hits.append(("release-please", Location(rel, 1), rel))
        elif name in (".goreleaser.yml", ".goreleaser.yaml") and (sub.yaml_docs_quiet(rel) or [None])[0]:
            hits.append(("GoReleaser", Location(rel, 1), rel))
        elif rel == ".changeset/config.json":
            hits.append(("changesets", Location(rel, 1), rel))
        elif name == "package.json" and isinstance((sub.json_object(rel) or {}).get("release"), dict):
            hits.append(("semantic-release", Location(rel, 1), rel))
    if hits:
        return found("release tooling", hits)
    return Finding.failed("no release tooling (semantic-release, release-please, GoReleaser, changesets, gh release)")


_FLAG_IMPORTS = {
    "ldclient": "LaunchDarkly", "launchdarkly-node-server-sdk": "LaunchDarkly", "@launchdarkly/": "LaunchDarkly",
    "launchdarkly-js-client-sdk": "LaunchDarkly", "github.com/launchdarkly/": "LaunchDarkly", "com.launchdarkly": "LaunchDarkly",
    "UnleashClient": "Unleash", "unleash-client": "Unleash", "@unleash/": "Unleash", "github.com/Unleash/": "Unleash",
    "io.getunleash": "Unleash", "flagsmith": "Flagsmith", "flagsmith-nodejs": "Flagsmith", "com.flagsmith": "Flagsmith",
    "openfeature": "OpenFeature", "@openfeature/": "OpenFeature", "github.com/open-feature/": "OpenFeature",
    "dev.openfeature": "OpenFeature",
}


_FLAG_FILE = re.compile(r"(^|/)(feature[-_]?flags?|flags|features|toggles)\.(json|ya?ml|toml)$", re.I)


@detector(
    "feature-flags",
    title="Feature flags",
    looks_for="Feature flags the code uses: the LaunchDarkly, Unleash, Flagsmith or OpenFeature SDK "
    "imported in application code, or a flag file (`flags.yaml`, `feature-flags.json`...) that the code "
    "reads by name.",
    why="Flags decouple deployment from release: code ships dark and is switched on for 5%, 50%, 100% "
    "of users — and off again without a redeploy.",
)
def feature_flags(sub, p):
    hits = [(name, Location(path, line), "") for name, path, line in codescan.find_imports(sub, _FLAG_IMPORTS)]
    flag_files = [f for f in sub.files if _FLAG_FILE.search(f)]
    if flag_files:
        for rel in flag_files:
            base = rel.rsplit("/", 1)[-1]
            for sf in codescan.sources(sub):
                if not is_test_path(sf.path) and re.search(r"""['"][^'"\n]*""" + re.escape(base) + r"""['"]""", sf.text):
                    hits.append(("flag file", Location(rel, 1), sf.path))
                    break
    if hits:
        return found("feature flags", hits)
    return Finding.failed("no feature-flag SDK in the code and no flag file the code reads")

