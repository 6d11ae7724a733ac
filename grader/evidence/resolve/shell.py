"""Shell scripts (``./scripts/deploy.sh``, ``bash x.sh``, ``source env.sh``) and inline scripts
(``sh -c '...'``)."""

from __future__ import annotations

import dataclasses
import posixpath
from typing import TYPE_CHECKING

from grader.evidence.resolve.common import Found, inside, join
from grader.evidence.shell import Command, shell_words, split_script
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

_SHELLS = ("bash", "sh", "zsh", "dash", "source", ".")
_WRAPPERS = {"mvnw", "gradlew", "mvnw.cmd", "gradlew.bat", "sbt", "lein"}
_SHELL_SHEBANG = lazy(r"#!\s*(?:/usr)?/bin/(?:env\s+)?(?:ba|z|da|k)?sh\b")


def resolve(sub: Submission, text: str, cwd: str) -> Found | None:
    words = shell_words(text)
    if words is None:
        words = text.split()
    if not words:
        return None
    first = words[0]
    if first in _SHELLS or first.endswith(("/bash", "/sh")):
        if any(w.startswith("-") and not w.startswith("--") and "n" in w for w in words[1:3]):
            return None  # `bash -n x.sh` only checks the syntax: it runs nothing
        rest = [w for w in words[1:] if not (w.startswith("-") and w != "-c")]
        if "-c" in words[1:3]:
            at = words.index("-c") + 1
            inline = words[at] if at < len(words) else ""
            return ("sh -c", inline[:200]), _inline(inline)
        if not rest:
            return None
        target = rest[0]
    elif first.startswith("./") or "/" in first and not first.startswith("/"):
        target = first
    else:
        return None
    if "$" in target or posixpath.basename(target) in _WRAPPERS:
        return None  # a build tool's wrapper (./mvnw, ./gradlew) is the tool itself
    path = join(cwd, target)
    if not inside(path) or not sub.exists(path):
        return None
    script = sub.read_text(path)
    if script is None or "\0" in script[:1024]:
        return None
    if not (path.endswith((".sh", ".bash")) or _SHELL_SHEBANG.match(script) or first in _SHELLS):
        return None  # a program in another language (./manage.py test) is judged by its name
    return ("script", path), [dataclasses.replace(c, path=path) for c in split_script(script, 1)]


def _inline(script: str) -> list[Command]:
    """``sh -c '...'``: the commands of the quoted script, on the caller's line."""
    return [dataclasses.replace(c, line=0) for c in split_script(script, 0)]
