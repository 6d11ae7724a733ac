"""The parts of a piece of written work — what happens, who, tools, duration, automation of a
phase; what flows back, how, speed and example of a loop — found by their labels when the
learner gave any (sub-headings, ``**Who.**``, ``Tools -``, ``Time:`` in the middle of a
paragraph, table cells), and otherwise by what the text says (:mod:`.lexicon`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grader.evidence.markdown import Section
from grader.evidence.written import lexicon
from grader.evidence.written.names import LOOP_PARTS, MAPPING_PARTS, canonical
from grader.patterns import lazy


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    line: int
    labelled: bool = True  # False: found by what the text says, under no label


@dataclass(slots=True)
class Table:
    line: int  # of the header row
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line, cells)


@dataclass(slots=True)
class Unit:
    """A piece of written work: a section, a table row or column, a list item, a paragraph."""

    rel: str
    line: int
    title: str
    text: str
    parts: dict[str, Part] = field(default_factory=dict)
    shared: bool = False  # written for several phases at once ("Build & Test")


# -- tables ------------------------------------------------------------------------------------------
_TABLE_SEP = lazy(r"^[ \t]*(?:\|[ \t]*)?:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*(?:\|[ \t]*)?$")


def tables(text: str, first_line: int) -> list[Table]:
    """Pipe tables in ``text`` (whose first line is ``first_line``)."""
    lines = text.split("\n")
    out: list[Table] = []
    i = 0
    while i + 1 < len(lines):
        if "|" in lines[i] and _TABLE_SEP.match(lines[i + 1]) and "-" in lines[i + 1]:
            table = Table(first_line + i, cells(lines[i]), [])
            j = i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                table.rows.append((first_line + j, cells(lines[j])))
                j += 1
            out.append(table)
            i = j
        else:
            i += 1
    return out


def cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def table_parts(table: Table, vocabulary) -> dict[str, Part]:
    """A table read as parts: a header of part names with one row, or rows of (label, value)."""
    parts: dict[str, Part] = {}
    named = [canonical(h, vocabulary) for h in table.header]
    if sum(1 for n in named if n) >= 2 and table.rows:
        line, row = table.rows[0]
        for part, cell in zip(named, row, strict=False):
            if part and part not in parts:
                parts[part] = Part(cell, line)
        return parts
    for line, row in [(table.line, table.header), *table.rows]:
        if len(row) >= 2:
            part = canonical(row[0], vocabulary)
            if part and part not in parts:
                parts[part] = Part(" ".join(row[1:]), line)
    return parts


# -- labels --------------------------------------------------------------------------------------------
_BOLD_LABEL = lazy(r"^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+)?(?:\*\*|__)([^*_\n]{1,50}?)\s*[:.?]?\s*(?:\*\*|__)\s*"
                         r"(?:[:.–—]|-\s)?\s*(.*)$")
_PLAIN_LABEL = lazy(r"^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+)?([A-Za-z][A-Za-z '’/&()?-]{0,45}?)\s*(?:[:：]|\s[-–—]\s|\s[-–—]$)"
                          r"\s*(.*)$")
_INLINE_LABEL = lazy(r"(?:(?<=[.;!?)])|(?<=\s[-–—]))\s+(?:\*\*|__)?([A-Z][A-Za-z '’/&-]{1,30}?)(?:\*\*|__)?\s*:\s")


def label_of(line: str, vocabulary) -> tuple[str, str] | None:
    """(part, value) when the line starts with a label of ``vocabulary``, in any of its forms:
    ``**Who**:``, ``**Who.**``, ``**Who** -``, ``Who:``, ``- Who - ``, ``1. Tools:``."""
    if "|" in line:
        return None
    for rx in (_BOLD_LABEL, _PLAIN_LABEL):
        m = rx.match(line)
        if m:
            part = canonical(m.group(1), vocabulary)
            if part:
                return part, m.group(2)
    return None


_NEXT_SENTENCE = lazy(r"(?<=[.!?])\s+(?=[A-Z])")


def split_inline(line: str, vocabulary) -> list[tuple[str, bool]]:
    """A line cut before each label that stands inside it ("... in Jira. Who: PM. Time: 2 days."),
    as (piece, free) pairs: where labels stand inside a paragraph, each label's value is its
    own sentence, and what follows it is free text again (``free``)."""
    cuts = [m.start(1) - (2 if line[m.start(1) - 2:m.start(1)] in ("**", "__") else 0)
            for m in _INLINE_LABEL.finditer(line) if canonical(m.group(1), vocabulary)]
    if not cuts:
        return [(line, False)]
    pieces: list[tuple[str, bool]] = [(line[:cuts[0]], False)]
    for n, cut in enumerate(cuts):
        piece = line[cut: cuts[n + 1] if n + 1 < len(cuts) else len(line)]
        value, *rest = _NEXT_SENTENCE.split(piece, maxsplit=1)
        pieces.append((value, False))
        if rest:
            pieces.append((rest[0], True))
    return [(p, free) for p, free in pieces if p.strip()]


def label_parts(text: str, first_line: int, vocabulary) -> dict[str, Part]:
    """Labelled parts of a text: each label's value with the lines that follow it, up to the
    next label or a blank line after the value."""
    parts: dict[str, Part] = {}
    current: str | None = None
    buf: list[str] = []
    start = 0
    fenced = False
    for i, raw in enumerate(text.split("\n")):
        if raw.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        for line, free in ([(raw, False)] if fenced else split_inline(raw, vocabulary)):
            hit = None if fenced else label_of(line, vocabulary)
            if free:  # the sentences after an inline label's value belong to no label
                if current is not None:
                    parts.setdefault(current, Part("\n".join(buf), start))
                current, buf = None, []
            elif hit:
                if current is not None:
                    parts.setdefault(current, Part("\n".join(buf), start))
                current, buf, start = hit[0], [hit[1]], first_line + i
            elif current is not None:
                if not line.strip() and any(b.strip() for b in buf):
                    parts.setdefault(current, Part("\n".join(buf), start))
                    current, buf = None, []
                else:
                    buf.append(line)
    if current is not None:
        parts.setdefault(current, Part("\n".join(buf), start))
    return parts


def section_parts(section: Section, vocabulary) -> dict[str, Part]:
    """A section's labelled parts: sub-headings, label lines and table cells. A part's
    sub-heading ends where a label of another part starts (``**What happens**`` with its list,
    then ``**Who.** PM`` on a line of its own)."""
    parts: dict[str, Part] = {}
    later: dict[str, Part] = {}
    for child in section.children:
        part = canonical(child.title, vocabulary)
        inner = label_parts(child.body, child.line + 1, vocabulary)
        if part and part not in parts:
            if inner:
                first = min(p.line for p in inner.values()) - child.line - 1
                own = "\n".join(child.body.split("\n")[:first])
                parts[part] = Part("\n".join([own, *(c.all_text() for c in child.children)]), child.line)
            else:
                parts[part] = Part(child.all_text(), child.line)
        for name, value in inner.items():
            later.setdefault(name, value)
    for name, value in later.items():
        parts.setdefault(name, value)
    body_line = section.line + 1 if section.level else 1
    for part, value in label_parts(section.body, body_line, vocabulary).items():
        parts.setdefault(part, value)
    for table in tables(section.body, body_line):
        for part, value in table_parts(table, vocabulary).items():
            parts.setdefault(part, value)
    return parts


# -- parts by what the text says -----------------------------------------------------------------------
_SENTENCE = lazy(r"[^.!?\n]+(?:[.!?]+|(?=\n)|$)")


def _sentences_with(text: str, test) -> str:
    return " ".join(s.strip() for s in _SENTENCE.findall(text) if test(s)).strip()


def mapping_parts(unit_text: str, labelled: dict[str, Part], line: int) -> dict[str, Part]:
    """The unit's parts: the labelled ones, and for each part without a label, what the rest of
    the text says (a role, a tool, a duration, something to automate, what happens)."""
    parts = dict(labelled)
    free = unit_text
    for p in labelled.values():
        if p.text.strip():
            free = free.replace(p.text, " ")
    free = re.sub(r"(?m)^[ \t]*(?:[-*+] +|\d{1,3}[.)] +)?(?:\*\*|__)?[A-Za-z][A-Za-z '’/&()?-]{0,45}(?:\*\*|__)?[ \t]*[:：][ \t]*$", " ",
                  free)
    finders = {
        "roles": lambda s: lexicon.names_role(s),
        "tools": lambda s: bool(lexicon.tools_named(s)),
        "duration": lambda s: lexicon.has_duration(s, labelled=False),
        "automation": lambda s: bool(lexicon.AUTOMATION.search(s)),
    }
    for part, test in finders.items():
        if part not in parts:
            found = _sentences_with(free, test)
            if found:
                parts[part] = Part(found, line, labelled=False)
    if "activities" not in parts and len(free.split()) >= 6:
        parts["activities"] = Part(free.strip(), line, labelled=False)
    return parts


def loop_parts(unit_text: str, labelled: dict[str, Part], line: int) -> dict[str, Part]:
    """A loop's parts: labelled, or found in its free text (a channel, a speed, an example)."""
    parts = dict(labelled)
    free = unit_text
    for p in labelled.values():
        if p.text.strip():
            free = free.replace(p.text, " ")
    if "how" not in parts:
        found = _sentences_with(free, lambda s: bool(lexicon.CHANNEL.search(s)))
        if found:
            parts["how"] = Part(found, line, labelled=False)
    if "speed" not in parts:
        found = _sentences_with(free, lambda s: bool(lexicon.SPEED.search(s)))
        if found:
            parts["speed"] = Part(found, line, labelled=False)
    if "example" not in parts:
        found = _sentences_with(free, lambda s: bool(re.search(r"\be\.g\.|\bexample\b|\bfor instance\b|\bonce\b", s, re.I)))
        if found:
            parts["example"] = Part(found, line, labelled=False)
    if "info" not in parts and len(free.split()) >= 4:
        parts["info"] = Part(free.strip(), line, labelled=False)
    return parts


VOCABULARIES = {"mapping": MAPPING_PARTS, "loop": LOOP_PARTS}
