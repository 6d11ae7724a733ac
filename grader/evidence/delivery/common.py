"""What the delivery tools' readers share: bounds, list reading, paths, and which tool a deploy
command runs."""

from __future__ import annotations

import posixpath

from grader.evidence.shell import normalise
from grader.patterns import lazy

MAX_DOCS = 200  # documents of one kind read per repository: a delivery configuration has a handful
MAX_ITEMS = 200  # artifacts, manifests, stages, hooks... read per document


def items(value) -> list:
    return value[:MAX_ITEMS] if isinstance(value, list) else []


def strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in items(value) if isinstance(v, str)]


def join_path(base: str, path: str) -> str:
    """``path`` (written relative to the folder ``base``) as a repository path; variables, URLs
    and absolute paths as they are."""
    path = path.strip()
    if "$" in path or "{" in path or "://" in path or path.startswith("/"):
        return path
    return posixpath.normpath(posixpath.join(base, path)) if base else posixpath.normpath(path)


# -- which tool a deploy command runs ----------------------------------------------------------

SKAFFOLD_FILE = lazy(r"(?:^|\s)(?:-f|--filename)(?:=|\s+)(\S+)")
STATUS_CHECK_OFF = lazy(r"(?:^|\s)--status-check(?:=|\s+)false\b")
_DELIVERY_PIPELINE = lazy(r"(?:^|\s)--delivery-pipeline(?:=|\s+)(\S+)")


def deploy_tool(text: str) -> str | None:
    """``skaffold``, ``clouddeploy`` or ``codedeploy`` when the deploy command runs that tool."""
    words = normalise(text).split()
    if len(words) >= 2 and words[0].rsplit("/", 1)[-1] == "skaffold" and words[1] in ("run", "deploy"):
        return "skaffold"
    if words[:4] == ["gcloud", "deploy", "releases", "create"] or (
            words[:2] == ["gcloud", "deploy"] and "releases create" in " ".join(words[:8])):
        return "clouddeploy"
    if words[:3] == ["aws", "deploy", "create-deployment"]:
        return "codedeploy"
    return None


def released_pipeline(text: str) -> str | None:
    """The ``--delivery-pipeline`` a ``gcloud deploy releases create`` names (None: not given,
    or a variable)."""
    m = _DELIVERY_PIPELINE.search(text)
    if not m:
        return None
    name = m.group(1).strip("'\"")
    return None if "$" in name or "{" in name else name
