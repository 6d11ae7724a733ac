"""Project configuration files: build tools (Maven, Gradle, npm/Yarn/pnpm, Python build
systems, Go modules, Dockerfiles, Buildpacks) and dependency-update bots (Dependabot, Renovate).

Each finder returns ``(tool, Location, what)`` hits."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.evidence import dockerfile
from grader.model import Location

if TYPE_CHECKING:
    from grader.submission import Submission


def dependabot(sub: Submission):
    for rel in (".github/dependabot.yml", ".github/dependabot.yaml"):
        if sub.exists(rel):
            doc = (sub.yaml_docs(rel) or [None])[0]
            updates = doc.get("updates") if isinstance(doc, dict) else None
            if isinstance(updates, list) and any(isinstance(u, dict) and u.get("package-ecosystem") for u in updates):
                return ("Dependabot", Location(rel, 1), "updates")
    return None


def renovate(sub: Submission):
    for rel in ("renovate.json", ".github/renovate.json", ".renovaterc", ".renovaterc.json", ".gitlab/renovate.json"):
        if sub.exists(rel):
            data = sub.json_object(rel)
            if data and (data.get("extends") or data.get("packageRules") or data.get("enabledManagers")):
                return ("Renovate", Location(rel, 1), "config")
    return None


def build_configs(sub: Submission):
    hits = []
    for rel in sub.files:
        name = rel.rsplit("/", 1)[-1]
        if rel.count("/") > 3:
            continue
        tool = None
        if name == "pom.xml" and "<project" in (sub.read_text(rel) or ""):
            tool = "Maven"
        elif name in ("build.gradle", "build.gradle.kts"):
            tool = "Gradle"
        elif name == "package.json":
            data = sub.json_object(rel) or {}
            if isinstance(data.get("scripts"), dict) and data["scripts"].get("build"):
                base = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
                tool = "pnpm" if sub.exists(base + "pnpm-lock.yaml") else ("Yarn" if sub.exists(base + "yarn.lock") else "npm")
        elif name == "pyproject.toml" and "[build-system]" in (sub.read_text(rel) or ""):
            tool = "Python build"
        elif name == "go.mod" and re.search(r"^module\s+\S", sub.read_text(rel) or "", re.M):
            tool = "Go"
        elif name in ("Dockerfile", "Containerfile") and any(i.name == "FROM" and i.args
                                                              for i in dockerfile.instructions(sub, rel)):
            tool = "Docker"
        elif name == "project.toml" and re.search(r"^\[(_|io\.buildpacks)", sub.read_text(rel) or "", re.M):
            tool = "Buildpacks"
        if tool:
            hits.append((tool, Location(rel, 1), rel))
    return hits

