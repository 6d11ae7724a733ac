"""Skaffold (``skaffold.yaml``, ``apiVersion: skaffold/v1…v4beta*``, several documents and
profiles): the images it builds and how it tags them, the manifests it applies (``manifests``
in v3+, ``deploy`` in v1/v2, with Skaffold's defaults), its ``verify`` containers and its status
check."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.evidence.delivery.common import MAX_DOCS, SKAFFOLD_FILE, items, join_path, strings
from grader.patterns import lazy
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission


@dataclass(slots=True)
class SkaffoldConfig:
    """One Skaffold ``Config`` document (its profiles folded in: a profile only adds)."""
    path: str
    line: int
    version: str
    images: list[tuple[str, int]] = field(default_factory=list)
    tag_policies: list[tuple[str, int]] = field(default_factory=list)  # (policy, line)
    applies: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, repository path or glob, line)
    verify: list[tuple[str, int]] = field(default_factory=list)  # (test name or image, line)
    status_check: tuple[bool, int] | None = None  # `deploy.statusCheck` as written


MAX_FACTS = 1000  # images, manifests and tests read from one config, its profiles included
_SKAFFOLD_NAME = lazy(r"(?i)^skaffold[\w.-]*\.ya?ml$")


def skaffold_configs(sub: Submission) -> list[SkaffoldConfig]:
    """Every Skaffold configuration of the repository (``apiVersion: skaffold/…``, ``kind:
    Config``), read once per submission."""
    cached = sub.memo("skaffold-configs")
    if cached is None:
        cached = sub.memo("skaffold-configs", _skaffold_configs(sub))
    return cached


def _skaffold_configs(sub: Submission) -> list[SkaffoldConfig]:
    found: list[SkaffoldConfig] = []
    for rel in sub.yaml_files():
        name = rel.rsplit("/", 1)[-1]
        if not _SKAFFOLD_NAME.match(name) and "skaffold/" not in (sub.read_text(rel) or "")[:5000]:
            continue
        for doc in (sub.yaml_docs_quiet(rel) or [])[:MAX_DOCS]:
            if isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith("skaffold/") \
                    and doc.get("kind", "Config") == "Config":
                found.append(_skaffold(rel, doc))
    return found


def _skaffold(rel: str, doc: dict) -> SkaffoldConfig:
    conf = SkaffoldConfig(rel, line_of(doc, 1) or 1, str(doc.get("apiVersion")))
    base = posixpath.dirname(rel)
    bodies = [doc] + [p for p in items(doc.get("profiles")) if isinstance(p, dict)]
    for body in bodies:
        if len(conf.applies) + len(conf.images) + len(conf.verify) > MAX_FACTS:
            break  # a config of thousands of profiles: what was read is enough
        build = mapping(body.get("build"))
        for i, art in enumerate(items(build.get("artifacts"))):
            if isinstance(art, dict) and isinstance(art.get("image"), str):
                conf.images.append((art["image"], item_line(build.get("artifacts"), i, conf.line)))
        policy = mapping(build.get("tagPolicy"))
        for key, value in list(policy.items())[:10]:
            conf.tag_policies.append((_tag_policy(key, value), line_of(policy, conf.line) or conf.line))
        _skaffold_manifests(conf, base, mapping(body.get("manifests")), mapping(body.get("deploy")))
        deploy = mapping(body.get("deploy"))
        if isinstance(deploy.get("statusCheck"), bool) and conf.status_check is None:
            conf.status_check = (deploy["statusCheck"], getattr(deploy, "key_lines", {}).get("statusCheck", conf.line))
        for i, test in enumerate(items(body.get("verify"))):  # (v2+: containers run after the deploy)
            container = mapping(mapping(test).get("container"))
            image = container.get("image")
            if isinstance(image, str) and image.strip():
                name = mapping(test).get("name")
                conf.verify.append((str(name) if name else image, item_line(body.get("verify"), i, conf.line)))
    if not conf.applies:  # Skaffold's default: kubectl with the raw manifests in k8s/
        conf.applies.append(("kubectl", join_path(base, "k8s/*.yaml"), conf.line))
    return conf


def _tag_policy(key: str, value) -> str:
    """A tag policy's name, ``latest`` when all it gives is the mutable ``latest`` tag."""
    body = mapping(value)
    template = body.get("template")
    if key in ("envTemplate", "customTemplate") and isinstance(template, str):
        bare = re.sub(r"\{\{\s*\.IMAGE_NAME\s*\}\}:?", "", template).strip()
        if bare in ("latest", ""):
            return "latest"
    return key


def _skaffold_manifests(conf: SkaffoldConfig, base: str, manifests: dict, deploy: dict) -> None:
    """What the config applies: ``manifests`` (v3+: ``rawYaml``, ``kustomize.paths``,
    ``helm.releases[].chartPath``) and ``deploy`` (v1/v2: ``kubectl.manifests``,
    ``kustomize.paths``, ``helm.releases``), with Skaffold's defaults (``k8s/*.yaml``, ``.``)."""
    def add(kind: str, paths, parent) -> None:
        for i, p in enumerate(strings(paths)):
            conf.applies.append((kind, join_path(base, p), item_line(paths, i, line_of(parent, conf.line) or conf.line)))

    add("rawYaml", manifests.get("rawYaml"), manifests)
    kustomize = manifests.get("kustomize")
    if isinstance(kustomize, dict):
        add("kustomize", kustomize.get("paths") if "paths" in kustomize else ["."], kustomize)
    kubectl = deploy.get("kubectl")
    if isinstance(kubectl, dict) and "manifests" in kubectl:
        add("kubectl", kubectl.get("manifests"), kubectl)
    dkustomize = deploy.get("kustomize")
    if isinstance(dkustomize, dict) or (dkustomize is not None and "kustomize" in deploy):
        dk = mapping(dkustomize)
        add("kustomize", dk.get("paths") if "paths" in dk else ["."], deploy)
    for helm in (mapping(manifests.get("helm")), mapping(deploy.get("helm"))):
        for release in items(helm.get("releases")):
            chart = mapping(release).get("chartPath")
            if isinstance(chart, str):
                add("helm", [chart], release)


def skaffold_applies(sub: Submission, conf: SkaffoldConfig, rel: str) -> bool:
    """Does ``conf`` apply the repository file ``rel`` (a raw manifest it names or globs, a file
    in a Kustomize or chart folder it names, or in a folder a Kustomization there pulls in)?"""
    for kind, path, _line in conf.applies:
        if kind == "rawYaml" or kind == "kubectl":
            if fnmatch_path(rel, path) or rel == path or rel.startswith(path.rstrip("/") + "/"):
                return True
        elif path == "." or rel.startswith(path + "/") or any(rel.startswith(f + "/") or rel == f
                                                              for f in _kustomize_sources(sub, path)):
            return True
    return False


def fnmatch_path(rel: str, pattern: str) -> bool:
    """A glob of Skaffold's (``*`` within a folder, ``**`` across folders), matched linearly."""
    if "*" not in pattern and "?" not in pattern:
        return False
    parts, names = pattern.split("/"), rel.split("/")
    return _match_parts(parts, names)


def _match_parts(parts: list[str], names: list[str]) -> bool:
    if "**" in parts:  # prefix before, suffix after: one `**` read (more are folded into it)
        i = parts.index("**")
        head, tail = parts[:i], [p for p in parts[i + 1:] if p != "**"]
        if len(names) < len(head) + len(tail):
            return False
        return all(fnmatch.fnmatchcase(n, p) for n, p in zip(names[:len(head)], head, strict=True)) and \
            all(fnmatch.fnmatchcase(n, p) for n, p in zip(names[len(names) - len(tail):], tail, strict=True))
    return len(parts) == len(names) and all(fnmatch.fnmatchcase(n, p) for n, p in zip(names, parts, strict=True))


def _kustomize_sources(sub: Submission, folder: str) -> list[str]:
    """Folders and files a Kustomization in ``folder`` pulls in from elsewhere (``resources``,
    ``bases``, ``components`` that go up: ``../base``), one level deep."""
    out: list[str] = []
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        rel = f"{folder}/{name}" if folder != "." else name
        if not sub.exists(rel):
            continue
        doc = (sub.yaml_docs_quiet(rel) or [None])[0]
        for key in ("resources", "bases", "components", "patchesStrategicMerge"):
            for item in strings(mapping(doc).get(key)):
                if item.startswith(".."):
                    out.append(join_path(folder, item))
    return out


def versioned_tags(conf: SkaffoldConfig) -> bool:
    """Does Skaffold tag what it builds with a version (its default, ``gitCommit``, or any
    policy but a bare ``latest``)?"""
    return not conf.tag_policies or any(policy != "latest" for policy, _line in conf.tag_policies)


def skaffold_for(sub: Submission, text: str) -> list[SkaffoldConfig]:
    """The Skaffold configs a ``skaffold`` command (``-f path``) or a Cloud Deploy release
    (``--skaffold-file``) uses: the one named, else the repository root's, else all of them."""
    configs = skaffold_configs(sub)
    m = SKAFFOLD_FILE.search(text) or re.search(r"--skaffold-file(?:=|\s+)(\S+)", text)
    if m:
        named = m.group(1).strip("'\"").removeprefix("./")
        chosen = [c for c in configs if c.path == named or c.path.endswith("/" + named)]
        if chosen:
            return chosen
    root = [c for c in configs if "/" not in c.path]
    return root or configs
