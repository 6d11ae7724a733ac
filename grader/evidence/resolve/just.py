"""``justfile`` recipes (``just deploy``): dependencies first."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from grader.evidence.resolve.common import Found, join, walk_targets
from grader.evidence.shell import split_script
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

_JUST_RECIPE = lazy(r"^@?([A-Za-z_][\w-]*)(?:\s+[^:]*)?:(?!=)\s*(.*)$")


def resolve(sub: Submission, text: str, cwd: str) -> Found | None:
    if not re.match(r"^just(?:\s|$)", text):
        return None
    path = next((p for p in (join(cwd, n) for n in ("justfile", "Justfile", ".justfile")) if sub.exists(p)), None)
    if path is None:
        return None
    recipes: dict[str, tuple[list[str], list[tuple[int, str]]]] = {}
    first, current = None, None
    for number, raw in enumerate((sub.read_text(path) or "").split("\n"), start=1):
        if raw.startswith((" ", "\t")) and current is not None:
            body = raw.strip().lstrip("@-").strip()
            if body and not body.startswith("#"):
                recipes[current][1].append((number, body))
            continue
        m = _JUST_RECIPE.match(raw.strip()) if raw.strip() and not raw.lstrip().startswith(("#", "set ", "export ", "alias ", "[")) else None
        current = None
        if m and ":=" not in raw:
            current = m.group(1)
            recipes[current] = ([d for d in m.group(2).split() if re.match(r"^[\w-]+$", d)], [])
            first = first or current
    wanted = [w for w in text.split()[1:] if not w.startswith("-")][:1] or ([first] if first else [])
    def steps(name: str):
        if name not in recipes:
            return None
        deps, body = recipes[name]
        return [*deps, *([dataclasses.replace(c, path=path) for c in split_script(cmd, line)] for line, cmd in body)]

    if not wanted or any(w not in recipes for w in wanted):
        return None
    return ("just", path, tuple(wanted)), walk_targets(wanted, steps)
