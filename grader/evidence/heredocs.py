"""Files a pipeline or a script writes through a here-document (``cat > prometheus.yml <<EOF``,
``cat <<'EOF' > rules/alerts.yml``, ``tee alertmanager.yml <<EOF``), read as those files: their
YAML documents, located at the line of the script that writes them.

Read from CI configurations and shell scripts, never run: a here-document runs to the first line
holding only its delimiter (or the file's end), its lines dedented. Bounded: files over
:data:`MAX_BYTES` are skipped, at most :data:`MAX_WRITES` bodies are read per submission, and
every pattern is linear.
"""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING

from grader.evidence.ci import is_ci_config
from grader.patterns import lazy
from grader.yamlload import embedded_docs

if TYPE_CHECKING:
    from grader.submission import Submission

MAX_BYTES = 200_000
MAX_WRITES = 100
# `cat > FILE <<TAG`, `cat <<TAG > FILE`, `tee [-a] FILE <<TAG` (a `<<-` strips leading tabs)
_WRITE = lazy(r"\b(?:cat\s+>>?\s*(?P<a>[\w./${}-]+)\s+<<-?\s*(?P<ta>['\"]?)(?P<tag_a>\w+)(?P=ta)"
                    r"|cat\s+<<-?\s*(?P<tb>['\"]?)(?P<tag_b>\w+)(?P=tb)\s*>>?\s*(?P<b>[\w./${}-]+)"
                    r"|tee\s+(?:-a\s+)?(?P<c>[\w./${}-]+)\s+<<-?\s*(?P<tc>['\"]?)(?P<tag_c>\w+)(?P=tc))")
_YAML_NAME = lazy(r"\.(?:ya?ml|rules)$")


def written_files(sub: Submission) -> list[tuple[str, str, int, str]]:
    """(name written, path of the script, line, text) of every file written by a here-document."""
    cached = sub.memo("heredoc-files")
    if cached is not None:
        return cached
    found: list[tuple[str, str, int, str]] = []
    for rel in _sources(sub):
        text = sub.read_text(rel) or ""
        if len(text) > MAX_BYTES or "<<" not in text:
            continue
        pos = 0
        while len(found) < MAX_WRITES:
            m = _WRITE.search(text, pos)
            if not m:
                break
            name = m.group("a") or m.group("b") or m.group("c")
            tag = m.group("tag_a") or m.group("tag_b") or m.group("tag_c")
            start = text.find("\n", m.end())
            if start < 0:
                break
            end = re.compile(rf"(?m)^[ \t]*{re.escape(tag)}[ \t]*$").search(text, start + 1)
            body = text[start + 1: end.start() if end else len(text)]
            found.append((name, rel, text.count("\n", 0, start) + 2, textwrap.dedent(body)))
            pos = end.end() if end else len(text)
    return sub.memo("heredoc-files", found)


def _sources(sub: Submission) -> list[str]:
    """CI configurations and shell scripts: where a pipeline writes files."""
    out = [rel for rel in sub.yaml_files() if is_ci_config(sub, rel)]
    out += [rel for rel in sub.files if rel.endswith((".sh", ".bash")) or rel.rsplit("/", 1)[-1] == "Jenkinsfile"]
    return out[:400]


def yaml_documents(sub: Submission):
    """(script path, line, document) of the YAML files the repository's scripts write."""
    for name, rel, line, body in written_files(sub):
        if _YAML_NAME.search(name):
            for doc in embedded_docs(body):
                yield rel, line, doc
