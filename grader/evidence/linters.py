"""Linters a build runs by itself: configured in ``pom.xml`` or ``build.gradle(.kts)`` and bound to
a phase or task the pipeline runs (``mvn verify`` runs Checkstyle's ``check`` goal)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.evidence.ci.queries import live_steps
from grader.evidence.shell import normalise, tool_name
from grader.model import Location
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

# Linters a build tool runs itself once they are configured: Maven plugins whose `check` goal binds
# to the verify phase, Gradle plugins whose tasks the `check` task (and so `build`) depends on.
_MAVEN_LINTERS = {"maven-checkstyle-plugin": "Checkstyle", "spotless-maven-plugin": "Spotless",
                  "maven-pmd-plugin": "PMD", "spotbugs-maven-plugin": "SpotBugs"}


_GRADLE_LINTERS = {"checkstyle": "Checkstyle", "pmd": "PMD", "com.diffplug.spotless": "Spotless",
                   "com.github.spotbugs": "SpotBugs", "org.jlleitschuh.gradle.ktlint": "ktlint",
                   "io.gitlab.arturbosch.detekt": "detekt"}


_MVN_PHASES = frozenset({"verify", "install", "deploy"})  # the phases at or after verify


_MVN_SKIP = lazy(r"-D(?:checkstyle|spotless|pmd|spotbugs)(?:\.check)?\.skip(?:=true)?(?:\s|$)")


_GRADLE_TASKS = frozenset({"check", "build", ":check", ":build"})


def _cut(text: str, start: str, end: str) -> str:
    """``text`` without its ``start``...``end`` spans (an unclosed one runs to the end): one pass."""
    out, pos = [], 0
    while True:
        at = text.find(start, pos)
        if at < 0:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:at])
        close = text.find(end, at + len(start))
        if close < 0:
            return "".join(out)
        pos = close + len(end)


def bound_linters(sub: Submission, pipes) -> list[tuple[str, Location, str]]:
    """(tool, where, command) of linters the build runs because they are configured in pom.xml or
    build.gradle(.kts) and the pipeline runs the phase or task they are bound to."""
    maven, gradle = [], []
    for rel in sub.by_suffix("pom.xml", "build.gradle", "build.gradle.kts"):
        name = rel.rsplit("/", 1)[-1]
        if name == "pom.xml":
            text = _cut(_cut(sub.read_text(rel) or "", "<!--", "-->"), "<pluginManagement>", "</pluginManagement>")
            for block in text.split("<plugin>")[1:]:
                block = block.split("</plugin>", 1)[0]
                for artifact, tool in _MAVEN_LINTERS.items():
                    if f"<artifactId>{artifact}</artifactId>" in block and "<goal>check</goal>" in block \
                            and "<skip>true</skip>" not in block:
                        maven.append(tool)
        elif name in ("build.gradle", "build.gradle.kts"):
            text = sub.read_text(rel) or ""
            for plugin, tool in _GRADLE_LINTERS.items():
                if re.search(rf"""(?m)^\s*(?:id\s*\(?\s*["']{re.escape(plugin)}["']|apply\s+plugin:\s*["']{re.escape(plugin)}["'])""",
                             text):
                    gradle.append(tool)
    if not maven and not gradle:
        return []
    for pipe, _job, _i, step in live_steps(pipes):
        if step.condition not in ("success", "always"):
            continue
        for cmd in step.commands:
            if cmd.ignored or cmd.resolved:
                continue
            text = normalise(cmd.text)
            words = text.split()
            tool = tool_name(words[0]) if words else ""
            if maven and tool == "mvn" and _MVN_PHASES & set(words[1:]) and not _MVN_SKIP.search(text):
                return [(f"{tool} (bound to the Maven build)", cmd.at(pipe.path), cmd.text) for tool in dict.fromkeys(maven)]
            if gradle and tool == "gradle" and _GRADLE_TASKS & set(words[1:]):
                return [(f"{tool} (part of gradle check)", cmd.at(pipe.path), cmd.text) for tool in dict.fromkeys(gradle)]
    return []
