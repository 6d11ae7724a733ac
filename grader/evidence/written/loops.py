"""Feedback loops in a piece of written work: headings naming one (``Loop 2: Test → Code``,
``Operate to Plan``), table rows with an arrow or a from/to pair, and list items with an arrow."""

from __future__ import annotations

import re

from grader.evidence.markdown import Section
from grader.evidence.written import names
from grader.evidence.written.parts import (
    LOOP_PARTS,
    Part,
    Unit,
    label_parts,
    loop_parts,
    section_parts,
    tables,
)
from grader.patterns import lazy

_LIST_ITEM = lazy(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(.*)$")


def _line(section: Section) -> int:
    return section.line + 1 if section.level else 1


def loops_in(section: Section, rel: str) -> list[Unit]:
    """The loops in a section: headings naming one (``Loop 2: Test → Code``, ``Operate to
    Plan``), table rows with an arrow or a from/to pair, and list items with an arrow."""
    units: list[Unit] = []
    seen: set[int] = set()
    for s in section.walk():
        if s.level and names.is_loop_title(s.title) and s.line not in seen:
            seen.add(s.line)
            text = s.all_text()
            units.append(Unit(rel, s.line, s.title, text, loop_parts(text, section_parts(s, LOOP_PARTS), s.line)))
    for s in section.walk():
        text = s.body if s.level or s.children else s.all_text()
        first = _line(s)
        for table in tables(text, first):
            named = [names.canonical(h, LOOP_PARTS) for h in table.header]
            ends = [i for i, h in enumerate(table.header) if re.search(r"^\W*(?:from|source|to|target|destination)\b", h, re.I)]
            for line, cells in table.rows:
                if line in seen:
                    continue
                title = next((c for c in cells if names.ARROW.search(c)), None)
                if title is None and len(ends) == 2 and max(ends) < len(cells):
                    title = f"{cells[ends[0]]} → {cells[ends[1]]}"
                if title is None:
                    continue
                seen.add(line)
                parts = {p: Part(c, line) for p, c in zip(named, cells, strict=False) if p and c != title}
                units.append(Unit(rel, line, title, " ".join(cells), loop_parts(" ".join(cells), parts, line)))
        for i, raw in enumerate(text.split("\n")):
            m = _LIST_ITEM.match(raw)
            if m and "|" not in raw and first + i not in seen and _heads_a_loop(m.group(2)):
                seen.add(first + i)
                units.append(_list_loop(rel, first + i, m.group(2)))
    if not units:
        units = _prose_loops(section, rel)
    return units


_BACK = lazy(r"\bfrom\s+(?:the\s+)?([A-Za-z][\w ()/&'-]{1,40}?)\s+back\s+(?:to|into|through)\s+(?:the\s+)?"
                   r"([A-Za-z][\w'-]{1,20}(?:\s(?:and|or)\s[A-Za-z][\w'-]{1,20})?)", re.I)


def _prose_loops(section: Section, rel: str) -> list[Unit]:
    """Loops told in prose, a paragraph each: "**from tests back to code** — the spec failed..."."""
    units: list[Unit] = []
    for s in section.walk():
        first = _line(s)
        paragraph: list[str] = []
        start = first
        for i, line in enumerate([*s.body.split("\n"), ""]):
            if line.strip():
                if not paragraph:
                    start = first + i
                paragraph.append(line)
                continue
            text = " ".join(paragraph)
            paragraph = []
            lead = _BOLD_LEAD.match(text)
            m = _BACK.search(text)
            if lead and names.is_loop_title(lead.group(2).strip(" .:")):  # "**Test → Code (the PR check).** When..."
                body = text[lead.end():].strip()
                units.append(Unit(rel, start, lead.group(2).strip(" .:"), body, loop_parts(body, {}, start)))
            elif m and (names.PHASE_WORDS.get(m.group(2).split()[0].lower()) or m.group(2).split()[0].lower() in _TARGETS):
                title = f"{m.group(1)} → {m.group(2)}"
                units.append(Unit(rel, start, title, text, loop_parts(text, {}, start)))
    return units


_BOLD_LEAD = lazy(r"^\W{0,4}(\*\*|__)([^*_]{3,80}?)\1")
_TARGETS = frozenset({"plan", "planning", "code", "coding", "development", "design", "backlog", "product", "build",
                      "test", "tests", "testing"})


_LOOP_PREFIX = lazy(r"^\W*(?:(?:feedback\s+)?loop\s*#?\s*\d{0,2}\s*[:.)–—-]?\s*)", re.I)


def _heads_a_loop(item: str) -> bool:
    """A list item that opens with a loop ("Test → Code: ...", "**Operate to Plan** — ..."), not
    a line of text with an arrow in it ("communicated: Alertmanager → PagerDuty")."""
    text = _LOOP_PREFIX.sub("", item.strip().strip("*_"), count=1)
    arrow = names.ARROW.search(text[:80])
    if arrow:
        before = text[:arrow.start()]
        return ":" not in before and len(before.split()) <= 5
    return names.is_loop_title(item[:60].split(":")[0])


def _list_loop(rel: str, line: int, text: str) -> Unit:
    """A loop written as one list item: labelled parts, or segments (what; how; speed; example)."""
    labelled = label_parts(text.replace(";", "\n"), line, LOOP_PARTS)
    head = names.ARROW.split(text, maxsplit=1)
    title = text
    if len(head) > 1:
        tail = head[1]
        m = re.match(r" {0,3}([\w /&()'’-]{1,40}?)(?: {0,3}[:—–]| - |\. |, |$)", tail)
        title = head[0] + "→ " + (m.group(1) if m else tail[:30])
    return Unit(rel, line, title, text, loop_parts(text, labelled, line))
