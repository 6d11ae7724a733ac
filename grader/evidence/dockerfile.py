"""Dockerfiles (and Containerfiles), read once into their instructions the way Docker reads them:
a trailing backslash continues an instruction onto the next line, comment lines inside a
continued instruction are dropped (the instruction goes on after them), and a ``RUN <<EOF``
here-document's body belongs to its RUN."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

_PATH = lazy(r"(^|/)(Dockerfile|Containerfile)([.-][\w.-]+)?$|\.Dockerfile$")
_INSTRUCTION = lazy(r"^\s*([A-Za-z]+)\s+(.*)$")
# Options of RUN that may stand before its command (or its here-document).
RUN_FLAGS = lazy(r"^(?:--(?:mount|network|security)=\S+\s+)*")
_HEREDOC = lazy(r"^<<-?\s*['\"]?(\w+)['\"]?\s*$")


@dataclass(frozen=True, slots=True)
class Instruction:
    name: str  # upper-cased: FROM, RUN, COPY, HEALTHCHECK...
    args: str  # its arguments, continuation lines joined
    line: int  # the 1-based line it starts on
    heredoc: tuple[int, str] | None = None  # RUN <<EOF: (the body's first line, the body)


def dockerfiles(sub: Submission) -> list[str]:
    """The repository's Dockerfiles and Containerfiles (``Dockerfile``, ``Dockerfile.prod``,
    ``api.Dockerfile``...), listed once per submission. Only a path that holds one of the two
    names can match, so only those are tried against the pattern."""
    cached = sub.memo("dockerfiles")
    if cached is None:
        cached = sub.memo("dockerfiles", [f for f in sub.files
                                          if ("Dockerfile" in f or "Containerfile" in f) and _PATH.search(f)])
    return list(cached)


def instructions(sub: Submission, rel: str) -> list[Instruction]:
    """The instructions of the Dockerfile ``rel`` (read once per submission); none when it can't
    be read or is binary."""
    cached = sub.memo(f"dockerfile:{rel}")
    if cached is None:
        text = sub.read_text(rel)
        cached = sub.memo(f"dockerfile:{rel}", parse(text) if text is not None and "\0" not in text[:1024] else [])
    return cached


def parse(text: str) -> list[Instruction]:
    out: list[Instruction] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        while line.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            nxt = lines[i]
            if nxt.lstrip().startswith("#"):
                continue
            line = line.rstrip()[:-1] + " " + nxt.strip()
        i += 1
        m = _INSTRUCTION.match(line)
        if line.lstrip().startswith("#") or not m:
            continue
        name, args = m.group(1).upper(), m.group(2).strip()
        heredoc = _HEREDOC.match(RUN_FLAGS.sub("", args)) if name == "RUN" else None
        body = None
        if heredoc:  # RUN <<EOF ... EOF
            body_start = i
            while i < len(lines) and lines[i].strip() != heredoc.group(1):
                i += 1
            body = (body_start + 1, "\n".join(lines[body_start:i]))
            i += 1
        out.append(Instruction(name, args, start + 1, body))
    return out
