"""The units of the loop mapping (one per phase) and of the feedback loops (one per loop), from
the places :mod:`.placement` found, in whatever shape the learner wrote them."""

from __future__ import annotations

import re

from grader.evidence.markdown import Section
from grader.evidence.written import names
from grader.evidence.written.loops import loops_in
from grader.evidence.written.parts import (
    MAPPING_PARTS,
    Part,
    Table,
    Unit,
    mapping_parts,
    section_parts,
    tables,
)
from grader.evidence.written.placement import placements
from grader.patterns import lazy

_LIST_ITEM = lazy(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_LEAD = lazy(r"^[^\w\n*_]{0,6}(?:\*\*|__)?((?:(?:phase|stage|step) ?)?\d{0,2} ?[.:)–—-]? ?[A-Za-z]+(?: phase)?)(?:\*\*|__)?"
                   r" ?(?:[:–—.]| - ) ?", re.I)


def _line(section: Section) -> int:
    return section.line + 1 if section.level else 1


# -- Task 1 --------------------------------------------------------------------------------------------
def phase_units(sub) -> dict[str, Unit]:
    """The loop mapping's unit for each phase the learner wrote about (cached): the one with
    the most parts where the same phase is written twice."""
    cached = sub.memo("written:phases")
    if cached is not None:
        return cached
    units: dict[str, Unit] = {}

    def offer(phase: str, unit: Unit) -> None:
        have = units.get(phase)
        if have is None or (have.shared and not unit.shared) or len(unit.parts) > len(have.parts) + 1:
            units[phase] = unit

    for place in placements(sub)[1]:
        root = place.section
        if place.how == "by its content" and root.level == 0 and _whole_doc_phase(place) \
                and not any(names.phases_of(x.title) for x in root.walk() if x.level):
            phase = _whole_doc_phase(place)
            assert phase
            text = root.all_text()
            offer(phase, Unit(place.rel, 1, phase, text, mapping_parts(text, section_parts(root, MAPPING_PARTS), 1)))
            continue
        for s in root.walk():
            if not s.level:
                continue
            named = names.phases_of(s.title)
            inner = {p for x in s.walk() if x is not s for p in names.phases_of(x.title)}
            if named and len(inner - set(named)) < 2:  # "Development side" over Plan, Code...: a group
                text = s.all_text()
                parts = mapping_parts(text, section_parts(s, MAPPING_PARTS), s.line)
                for phase in named:
                    offer(phase, Unit(place.rel, s.line, s.title, text, parts, shared=len(named) > 1))
        scope = root.all_text() if root.level == 0 else root.body
        for table in tables(scope, _line(root)):
            for phase, unit in _table_units(place.rel, table).items():
                offer(phase, unit)
        for phase, unit in _list_units(place.rel, scope, _line(root)).items():
            offer(phase, unit)
        for phase, unit in _data_units(place.rel, root.all_text() if root.level == 0 else root.body, _line(root)).items():
            offer(phase, unit)
    return sub.memo("written:phases", units)


def _whole_doc_phase(place) -> str | None:
    stem = place.rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    phase = names.phase_of(" ".join(re.split(r"[-_ .]+", stem)))
    if phase:
        return phase
    root = place.section
    if len(root.children) == 1:
        return names.phase_of(root.children[0].title)
    return None


def _table_units(rel: str, table: Table) -> dict[str, Unit]:
    """A table with a row per phase (parts as columns) or a column per phase (parts as rows)."""
    units: dict[str, Unit] = {}
    named = [names.canonical(h, MAPPING_PARTS) for h in table.header]
    if sum(1 for n in named if n) >= 2:
        for line, cells in table.rows:
            phase = next((p for c in cells[:2] if (p := names.phase_of(c.strip("* "))) ), None)
            if phase and phase not in units:
                units[phase] = Unit(rel, line, cells[0], " ".join(cells),
                                    {part: Part(cell, line) for part, cell in zip(named, cells, strict=False) if part})
        return units
    columns = [names.phase_of(h.strip("* ")) for h in table.header]
    if sum(1 for c in columns if c) >= 2:
        for col, phase in enumerate(columns):
            if not phase or phase in units:
                continue
            parts: dict[str, Part] = {}
            for line, cells in table.rows:
                part = names.canonical(cells[0], MAPPING_PARTS) if cells else None
                if part and col < len(cells) and part not in parts:
                    parts[part] = Part(cells[col], line)
            units[phase] = Unit(rel, table.line, table.header[col], " ".join(p.text for p in parts.values()), parts)
    return units


def _list_units(rel: str, text: str, first: int) -> dict[str, Unit]:
    """List items or paragraphs that open with a phase's name ("- **Plan**: stories in Jira...",
    "Build — CI builds..."), with the lines indented under them."""
    units: dict[str, Unit] = {}
    lines = text.split("\n")
    fenced = [False] * len(lines)
    inside = False
    for n, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            inside = not inside
        fenced[n] = inside
    i = 0
    while i < len(lines):
        if fenced[i]:  # a code block's lines are its own (a YAML mapping is read as data)
            i += 1
            continue
        m = _LIST_ITEM.match(lines[i])
        body = m.group(2) if m else lines[i]
        lead = _LEAD.match(body)
        phase = names.phase_of(lead.group(1)) if lead else None
        if not phase or phase in units or (not m and i and lines[i - 1].strip()):
            i += 1
            continue
        indent = len(m.group(1)) if m else -1
        block = [body[lead.end():] if lead else body]
        j = i + 1
        while j < len(lines) and lines[j].strip() and (len(lines[j]) - len(lines[j].lstrip()) > indent):
            block.append(lines[j].strip())
            j += 1
        unit_text = "\n".join(block)
        parts = mapping_parts(unit_text, _labels(unit_text, first + i), first + i)
        units[phase] = Unit(rel, first + i, lead.group(1) if lead else phase, unit_text, parts)
        i = j
    return units


_DATA_FENCE = lazy(r"^[ \t]{0,3}(```|~~~)[ \t]*(yaml|yml|json)?[ \t]*$", re.I)


def _data_units(rel: str, text: str, first: int) -> dict[str, Unit]:
    """A mapping kept as data in a fenced YAML or JSON block: a key per phase (or items with a
    ``phase:`` key), each holding its parts under their usual names (what, who, tools, time...)."""
    from grader import yamlload

    units: dict[str, Unit] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _DATA_FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == m.group(1)), len(lines))
        try:
            data = yamlload.load("\n".join(lines[i + 1:end])[:200_000], max_nodes=20_000)
        except yamlload.YamlError:
            data = None
        entries: list[tuple[str, object]] = []
        if isinstance(data, dict):
            entries = [(str(k), v) for k, v in data.items()]
        elif isinstance(data, list):
            entries = [(str(v.get("phase", v.get("name", ""))), v) for v in data if isinstance(v, dict)]
        for key, value in entries:
            phase = names.phase_of(key)
            if not phase or phase in units or not isinstance(value, dict):
                continue
            line = first + i + 1 + (yamlload.line_of(value, 1) or 1) - 1
            parts = {}
            for k, v in value.items():
                part = names.canonical(str(k), MAPPING_PARTS)
                if part and part not in parts:
                    parts[part] = Part(_flat(v), line)
            unit_text = "\n".join(p.text for p in parts.values())
            units[phase] = Unit(rel, line, key, unit_text, mapping_parts(unit_text, parts, line))
        i = end + 1
    return units


def _flat(value, depth: int = 0) -> str:
    """A YAML value as text (lists joined by "; ")."""
    if depth > 5:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_flat(v, depth + 1)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_flat(v, depth + 1) for v in value)
    return "" if value is None else str(value)


def _labels(text: str, line: int) -> dict[str, Part]:
    from grader.evidence.written.parts import label_parts

    return label_parts(text, line, MAPPING_PARTS)


def intro_text(sub) -> str:
    """What the learner wrote before the mapping's first phase (the feature's description), in
    the mapping's own place and in the preamble of the document that holds it."""
    out: list[str] = []
    for place in placements(sub)[1]:
        section = place.section
        while not section.level and len(section.children) == 1 and not section.body.strip():
            section = section.children[0]  # a document's title heading over everything
        out.append(section.title)
        out.append(section.body)
        for child in section.children:
            if any(names.phases_of(s.title) for s in child.walk()):
                break  # the mapping itself starts here
            out.append(child.title)
            out.append(child.all_text())
        if place.section.level:
            from grader.evidence.written import documents

            root = documents.document(sub, place.rel)
            if root is not None:
                out.append(root.body)
                out += [c.title for c in root.children[:1]]
                if root.children and not root.children[0].children:
                    out.append(root.children[0].body)
                elif root.children:
                    out.append(root.children[0].body)
    return "\n".join(out)


# -- Task 2 --------------------------------------------------------------------------------------------
def loop_units(sub) -> list[Unit]:
    """Each feedback loop the learner described (cached)."""
    cached = sub.memo("written:loops")
    if cached is not None:
        return cached
    units: list[Unit] = []
    for place in placements(sub)[2]:
        units += loops_in(place.section, place.rel)
    return sub.memo("written:loops", units)
