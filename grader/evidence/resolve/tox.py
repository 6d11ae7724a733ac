"""tox environments (``tox -e lint,py311``): their ``commands``."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from grader.evidence.resolve.common import Found, join
from grader.evidence.shell import Command, split_script

if TYPE_CHECKING:
    from grader.submission import Submission


def resolve(sub: Submission, text: str, cwd: str) -> Found | None:
    if not re.match(r"^tox(?:\s|$)", text):
        return None
    path = join(cwd, "tox.ini")
    if not sub.exists(path):
        return None
    envs: list[str] = []
    m = re.search(r"(?:^|\s)(?:-e|--env)[ =](\S+)", text)
    if m:
        envs = m.group(1).split(",")
    sections: dict[str, list[tuple[int, str]]] = {}
    current, key = None, None
    for number, raw in enumerate((sub.read_text(path) or "").split("\n"), start=1):
        head = re.match(r"^\[([^\]]+)\]\s*$", raw)
        if head:
            current, key = head.group(1).strip(), None
            continue
        if current is None or raw.lstrip().startswith(("#", ";")):
            continue
        kv = re.match(r"^(\w[\w-]*)\s*=\s*(.*)$", raw)
        if kv:
            key = kv.group(1)
            if key == "commands" and kv.group(2).strip():
                sections.setdefault(current, []).append((number, kv.group(2).strip()))
            continue
        if key == "commands" and raw.startswith((" ", "\t")) and raw.strip():
            sections.setdefault(current, []).append((number, raw.strip()))
    chosen = [f"testenv:{e}" for e in envs if f"testenv:{e}" in sections] or ["testenv"]
    commands: list[Command] = []
    for section in chosen:
        for line, body in sections.get(section, []):
            body = re.sub(r"\{posargs[^}]*\}|\{[a-z_]+\}", "", body)
            commands.extend(dataclasses.replace(c, path=path) for c in split_script(body, line))
    return ("tox", path, tuple(chosen)), commands
