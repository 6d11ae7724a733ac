"""Release: semantic-version tags, a changelog with versions, release automation on tags."""

from __future__ import annotations

import re

from grader.detectors import Params, detector
from grader.detectors.common import found, git_or_finding, loc, plural, shallow_or
from grader.evidence import codescan, markdown
from grader.evidence.ci import read_pipelines
from grader.evidence.ci.queries import live_steps, step_categories, tool_steps
from grader.evidence.releases import (
    build_stamp,
    changelog_files,
    generated_notes,
    package_publish,
    prefixed_semver,
    release_version,
)
from grader.evidence.testfiles import is_test_path
from grader.model import Finding, Location
from grader.patterns import lazy
from grader.submission import Submission


def _tag_loc(tag) -> Location:
    return Location(f"tag {tag.name}", None) if not tag.commit else Location(
        f"tag {tag.name} ({tag.commit[:10]})", None)


@detector(
    "semver-tags",
    title="Semantic-version tags",
    looks_for="At least `min_tags` git tags that follow Semantic Versioning 2.0.0 "
    "(`MAJOR.MINOR.PATCH`, optional `v`, pre-release and build parts allowed) on commits of the "
    "checked-out branch. `release-1`, `v1.2` and `jq-1.7.1` are not semver, and neither is a tag a pipeline "
    "stamps on each build (a date followed by a time, a commit SHA or a build number: `2024.09.10-07.27-c941e09`, "
    "`20241203-ab12cd3`; `build-1234`) even where the grammar would parse it; calendar versions (`2024.12.0`) "
    "are versions. A semantic version "
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
def semver_tags(sub: Submission, p: Params) -> Finding:
    facts, problem = git_or_finding(sub)
    if problem:
        return problem
    if facts.tag_error:
        return Finding.unjudgeable(facts.tag_error)
    semver = [t for t in facts.tags if release_version(t.name)]
    stamps = [t.name for t in facts.tags if build_stamp(t.name)]
    others = [t.name for t in facts.tags if not release_version(t.name) and not build_stamp(t.name)]
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
            + ", ".join(repr(n) for n in (others[:5] or stamps[-3:])) + _stamped(stamps)
        )
    usable.sort(key=lambda t: release_version(t.name))
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
    msg += _stamped(stamps)
    fraction = min(1.0, len(usable) / p["min_tags"])
    disorder = _out_of_order(facts, usable)
    if disorder:
        newer, older = disorder
        msg += (f"; version order disagrees with history: {newer.name} is on an older commit "
                f"than {older.name}")
        fraction *= 0.8
    return Finding.ratio(fraction, msg, [_tag_loc(t) for t in usable[-3:]])


def _stamped(stamps: list[str]) -> str:
    if not stamps:
        return ""
    return (f"; {plural(len(stamps), 'tag')} stamped on builds (a date with a time or commit, a build number: "
            f"{', '.join(repr(n) for n in stamps[-2:])}) {'is' if len(stamps) == 1 else 'are'} no release version")


# A version tag that stops at MINOR (`v1.2`, `2.0`): versioned, but not a semantic version.
_SHORT_VERSION = lazy(r"^v?(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)$")


def _out_of_order(facts, tags):
    """(higher version, lower version) when a higher version tags an older commit."""
    order = {c.sha: i for i, c in enumerate(facts.commits)}  # 0 = newest
    placed = [t for t in tags if t.commit in order]  # sorted by version, ascending
    for lower, higher in zip(placed, placed[1:], strict=False):
        if order[higher.commit] > order[lower.commit]:
            return higher, lower
    return None


_VERSION_HEADING = lazy(r"\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\b")


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
def changelog(sub: Submission, p: Params) -> Finding:
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


def _latest_tag(sub: Submission) -> str | None:
    facts = sub.git
    if not facts.is_git or facts.error:
        return None
    semver = [t.name for t in facts.tags if release_version(t.name) and t.reachable]
    return max(semver, key=release_version) if semver else None


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
def release_automation(sub: Submission, p: Params) -> Finding:
    pipes = read_pipelines(sub)
    if not pipes:
        return Finding.failed("no CI pipeline found, so nothing releases on a tag")
    builds_only = None
    for pipe, job, _, step in live_steps(pipes, automatic_only=False):
        if not job.on_tag:
            continue
        cats = step_categories(step) & {"release", "publish", "deploy"}
        if cats:
            return Finding.passed(
                f"{pipe.path}: job `{job.id}` runs on tags and does the release ({', '.join(sorted(cats))})",
                [loc(pipe.path, job.tag_line), _step_where(pipe, step, sorted(cats)[0])],
            )
        if "build" in step_categories(step):
            builds_only = builds_only or (pipe, job, step)
    for pipe, job, _, step in live_steps(pipes):
        # the pipeline that creates the version tag and the release itself (semantic-release,
        # release-please, changesets, `git tag` + `gh release create` on the main branch)
        if job.on_tag or "release" not in step_categories(step):
            continue
        return Finding.passed(f"{pipe.path}: job `{job.id}` creates the version and the release itself",
                              [_step_where(pipe, step, "release")])
    published = package_publish(pipes)
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


def _step_where(pipe, step, category: str) -> Location:
    cmds = step.commands_in(category)
    return cmds[0].at(pipe.path) if cmds else loc(pipe.path, step.line)


# the files release-tooling reads, by name (any folder; each is checked as before below)
_RELEASE_CONFIGS = (".releaserc", ".releaserc.json", ".releaserc.yml", ".releaserc.yaml", "release.config.js",
                    "release.config.cjs", "release-please-config.json", ".release-please-manifest.json",
                    ".goreleaser.yml", ".goreleaser.yaml", "config.json", "package.json")


@detector(
    "release-tooling",
    title="Release tooling",
    looks_for="Releases made by a tool: semantic-release (`.releaserc*`, `release.config.js`, a `release` "
    "key in package.json, or a CI step), release-please (config/manifest or its action), GoReleaser "
    "(`.goreleaser.yml`), changesets (`.changeset/config.json`), chart-releaser (its action or `cr upload`), "
    "or `gh release create` in CI.",
    why="Release tooling turns commits into versions, changelogs and published releases with no "
    "hand-made steps to forget.",
)
def release_tooling(sub: Submission, p: Params) -> Finding:
    hits = tool_steps(read_pipelines(sub), {r"^(npx )?semantic-release\b": "semantic-release", r"^(npx )?release-please\b": "release-please",
                          r"^goreleaser( release)?\b": "GoReleaser", r"^(npx )?changeset (publish|version)\b": "changesets",
                          r"^gh release create\b": "GitHub CLI releases", r"^cr upload\b": "chart-releaser"},
                    {"cycjimmy/semantic-release-action": "semantic-release",
                     "googleapis/release-please-action": "release-please",
                     "google-github-actions/release-please-action": "release-please",
                     "goreleaser/goreleaser-action": "GoReleaser", "changesets/action": "changesets",
                     "softprops/action-gh-release": "GitHub releases",
                     "helm/chart-releaser-action": "chart-releaser"})
    for rel in sub.named(*_RELEASE_CONFIGS):
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


_FLAG_FILE = lazy(r"(^|/)(feature[-_]?flags?|flags|features|toggles)\.(json|ya?ml|toml)$", re.I)


@detector(
    "feature-flags",
    title="Feature flags",
    looks_for="Feature flags the code uses: the LaunchDarkly, Unleash, Flagsmith or OpenFeature SDK "
    "imported in application code, or a flag file (`flags.yaml`, `feature-flags.json`...) that the code "
    "reads by name.",
    why="Flags decouple deployment from release: code ships dark and is switched on for 5%, 50%, 100% "
    "of users — and off again without a redeploy.",
)
def feature_flags(sub: Submission, p: Params) -> Finding:
    hits = [(name, Location(path, line), "") for name, path, line in codescan.find_imports(sub, _FLAG_IMPORTS)]
    flag_files = [f for f in sub.by_suffix(".json", ".yml", ".yaml", ".toml") if _FLAG_FILE.search(f)]
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

