"""Makefile targets (``make deploy``, ``make -C dir``, ``$(MAKE) x``): prerequisites first, variables
filled in."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from grader.evidence.resolve.common import Found, inside, join, walk_targets
from grader.evidence.shell import Command, shell_words, split_script
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

_MAKE = lazy(r"^(?:make|gmake|\$\(MAKE\)|\$\{MAKE\})(?:\s|$)")
_MAKE_RULE = lazy(r"^([^\s:=#][^:=#]*?)\s*(::?)(?!=)\s*([^;=]*?)(?:;(.*))?$")
_MAKE_VAR = lazy(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?::{0,2}=|\?=|\+=)\s*(.*)$")
_MAKE_REF = lazy(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]")


def resolve(sub: Submission, text: str, cwd: str) -> Found | None:
    if not _MAKE.match(text):
        return None
    words = (shell_words(text) or text.split())[1:]
    folder, makefile, targets = cwd, None, []
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("-C", "--directory") and i + 1 < len(words):
            folder = join(folder, words[i + 1])
            i += 2
            continue
        if w.startswith("--directory="):
            folder = join(folder, w.split("=", 1)[1])
        elif w in ("-f", "--file", "--makefile") and i + 1 < len(words):
            makefile = words[i + 1]
            i += 2
            continue
        elif not w.startswith("-") and "=" not in w and "$" not in w:
            targets.append(w)
        i += 1
    names = [makefile] if makefile else ["GNUmakefile", "makefile", "Makefile"]
    path = next((p for p in (join(folder, n) for n in names) if inside(p) and sub.exists(p)), None)
    if path is None:
        return None
    rules, first, variables = _makefile(sub, path)
    def steps(target: str):
        if target not in rules:
            return None
        prereqs, recipe = rules[target]
        return [*prereqs, *(_recipe_line(body, line, variables, path) for line, body in recipe)]

    wanted = targets or ([first] if first else [])
    if not wanted or any(t not in rules for t in wanted):
        return None  # a target our reading of the Makefile does not know: judged by its name
    return ("make", path, tuple(targets)), walk_targets(wanted, steps)


def _recipe_line(body: str, line: int, variables: dict[str, str], path: str) -> list[Command]:
    body = _MAKE_REF.sub(lambda m: variables.get(m.group(1), m.group(0)), body)
    body = body.replace("$$", "$")
    return [dataclasses.replace(c, path=path) for c in split_script(body, line)]


def _makefile(sub: Submission, path: str):
    """(rules: target → (prerequisites, [(line, recipe line)]), the default target, variables)."""
    cached = sub.memo(f"makefile:{path}")
    if cached is not None:
        return cached
    text = sub.read_text(path) or ""
    rules: dict[str, tuple[list[str], list[tuple[int, str]]]] = {}
    variables: dict[str, str] = {}
    first = None
    current: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line_no, raw = i + 1, lines[i]
        while raw.endswith("\\") and i + 1 < len(lines):
            i += 1
            raw = raw[:-1] + " " + lines[i].strip()
        i += 1
        if raw.startswith("\t"):
            body = raw.strip().lstrip("@-+").strip()
            for target in current:
                rules[target][1].append((line_no, body))
            continue
        stripped = raw.split("#", 1)[0].rstrip()
        if not stripped.strip():
            continue
        var = _MAKE_VAR.match(stripped)
        if var and not stripped.startswith((" ", "\t")):
            value = var.group(2).strip()
            if "$(shell" not in value and "$(wildcard" not in value:
                variables.setdefault(var.group(1), value)
            current = []
            continue
        rule = _MAKE_RULE.match(stripped)
        if rule and not stripped.startswith(("ifeq", "ifneq", "ifdef", "ifndef", "else", "endif", "include", "define", "export")):
            targets = rule.group(1).split()
            prereqs = [p for p in rule.group(3).split() if p != "|" and "$" not in p]
            current = []
            for target in targets:
                if target.startswith(".") or "%" in target:
                    continue
                if first is None:
                    first = target
                rules.setdefault(target, ([], []))[0].extend(prereqs)
                current.append(target)
            if rule.group(4):
                for target in current:
                    rules[target][1].append((line_no, rule.group(4).strip()))
            continue
        current = []
    return sub.memo(f"makefile:{path}", (rules, first, variables))
