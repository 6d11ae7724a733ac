"""Infrastructure as files: YAML documents outside CI configuration, docker compose services,
container images (compose and Kubernetes), Terraform resources."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.evidence import heredocs, manifests
from grader.evidence.ci import is_ci_config
from grader.patterns import lazy
from grader.yamlload import line_of

if TYPE_CHECKING:
    from grader.submission import Submission


def yaml_documents(sub: Submission):
    """(path, document) for every YAML document outside CI configuration, and those of the YAML
    files a pipeline or script writes through a here-document (at the script's path)."""
    outside = sub.memo("yaml-outside-ci")
    if outside is None:  # which files those are is asked once; each is still parsed when first reached
        outside = sub.memo("yaml-outside-ci", [rel for rel in sub.yaml_files() if not is_ci_config(sub, rel)])
    for rel in outside:
        for doc in sub.yaml_docs_quiet(rel) or []:
            yield rel, doc
    for rel, _line, doc in heredocs.yaml_documents(sub):
        yield rel, doc


# Matched against the file name only (a name is at most 255 bytes; a path can be 4 KB).
_COMPOSE_NAME = lazy(r"(?:(?:docker-)?compose(?:[.-][\w-]+)?|[\w-]*stack[\w-]*)\.ya?ml")


MAX_SCRIPTS = 200  # repository shell scripts read for what they run, whatever the repository holds
MAX_SCRIPT_CHARS = 200_000


def shell_scripts(sub: Submission, needle: str = ""):
    """(path, text) of the repository's shell scripts (``.sh``, ``.bash``, ``.ps1``), bounded in
    number and size; with ``needle``, only those whose text holds it (no need to split the rest)."""
    for rel in sub.by_suffix(".sh", ".bash", ".ps1")[:MAX_SCRIPTS]:
        text = sub.read_text(rel) or ""
        if len(text) <= MAX_SCRIPT_CHARS and needle in text:
            yield rel, text


def compose_services(sub: Submission):
    """(path, service name, service) of docker compose files."""
    for rel in sub.yaml_files():
        name = rel.lower().rsplit("/", 1)[-1]
        if _COMPOSE_NAME.fullmatch(name.removesuffix(".j2").removesuffix(".jinja2").removesuffix(".jinja")):
            doc = (sub.yaml_docs_quiet(rel) or [None])[0]
            services = doc.get("services") if isinstance(doc, dict) else None
            if isinstance(services, dict):
                for svc, body in services.items():
                    if isinstance(body, dict):
                        yield rel, str(svc), body


_UNIT_SUFFIXES = (".service", ".service.j2", ".service.jinja2", ".service.tpl", ".service.tmpl", ".service.template")
_RESTARTS = ("always", "on-failure", "on-abnormal", "on-abort", "on-watchdog")


def systemd_restarts(sub: Submission) -> list[tuple[str, int, str]]:
    """(path, line, policy) of systemd service units (plain or as an Ansible/Terraform template)
    that restart their service when it dies: `Restart=` in the `[Service]` section."""
    found = []
    for rel in sub.by_suffix(*_UNIT_SUFFIXES):
        section = ""
        for number, raw in enumerate((sub.read_text(rel) or "").splitlines(), 1):
            line = raw.strip()
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip()
            elif section == "Service" and line.startswith("Restart") and "=" in line:
                key, _, value = line.partition("=")
                if key.strip() == "Restart" and value.strip().lower() in _RESTARTS:
                    found.append((rel, number, value.strip().lower()))
                    break
    return found


def images(sub: Submission):
    """(path, line, image) for container images in compose files and Kubernetes workloads."""
    for rel, _svc, body in compose_services(sub):
        if isinstance(body.get("image"), str):
            yield rel, line_of(body, 1), body["image"]
    for obj in manifests.workloads(sub):
        for c in manifests.containers(obj):
            if isinstance(c.get("image"), str):
                yield obj.path, line_of(c, obj.line), c["image"]


_TF_RESOURCE = lazy(r'^[ \t]*resource\s+"([\w-]+)"\s+"([\w-]+)"\s*\{', re.M)


def terraform_resources(sub: Submission) -> list[tuple[str, int, str, str]]:
    """(path, line, resource type, body text) of Terraform resources (brace-balanced, best
    effort), read once per run: several checks (deploy tooling, alarms, dashboards, health
    checks, autoscaling) ask for them."""
    cached = sub.memo("terraform-resources")
    if cached is not None:
        return cached
    found = []
    for rel in sub.by_suffix(".tf"):
        text = sub.read_text(rel) or ""
        headers = list(_TF_RESOURCE.finditer(text))
        line, counted = 1, 0
        for n, m in enumerate(headers):
            # A body ends at its closing brace, or — unclosed — where the next resource starts
            # (resources don't nest): one pass over the file, not one per header to its end.
            stop = headers[n + 1].start() if n + 1 < len(headers) else len(text)
            depth, i = 1, m.end()
            while i < stop and depth:
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            line += text.count("\n", counted, m.start())
            counted = m.start()
            found.append((rel, line, m.group(1), text[m.end():i]))
    return sub.memo("terraform-resources", found)


def terraform_int(body: str, key: str) -> int | None:
    m = re.search(rf"^\s*{key}\s*=\s*(\d+)\s*$", body, re.M)
    return int(m.group(1)) if m else None

