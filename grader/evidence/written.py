"""The written work of Exercise 4.1, read in whatever layout the learner chose.

The deliverables are found by name (``task1-loop-mapping.md``…) in
``exercises/module-01/exercise-04/`` — or anywhere, or as "Task N" sections of one file — and
split into *units*: a phase of the loop mapping, a feedback loop, the pipeline design, a group
of metrics. A unit is a heading's section, a table row or column, or a list item; its *parts*
(what happens, who, tools, duration…) come from sub-headings, ``**bold**:`` labels, plain
``Label:`` lines, list labels or table headers, each under any of its usual names.

Nothing here gives points: :mod:`grader.detectors.written` judges the units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grader.evidence import markdown
from grader.evidence.markdown import Section

EXERCISE_DIR = "exercises/module-01/exercise-04/"
_TASK_NAME = {
    1: re.compile(r"task[-_ ]?1|loop[-_ ]?mapping|mapping", re.I),
    2: re.compile(r"task[-_ ]?2|feedback", re.I),
    3: re.compile(r"task[-_ ]?3|pipeline", re.I),
    4: re.compile(r"task[-_ ]?4|metric", re.I),
}
_TASK_HEADING = re.compile(r"^task\s*([1-4])\b", re.I)

# The phases under the names learners give them (a whole word of the heading).
PHASE_WORDS: dict[str, str] = {
    "plan": "plan", "planning": "plan", "code": "code", "coding": "code", "develop": "code",
    "development": "code", "build": "build", "building": "build", "test": "test", "testing": "test",
    "release": "release", "releasing": "release", "deploy": "deploy", "deployment": "deploy",
    "deploying": "deploy", "operate": "operate", "operations": "operate", "operating": "operate",
    "monitor": "monitor", "monitoring": "monitor",
}
_PHASE_WORD = re.compile(r"[A-Za-z]+")

# Task 1's parts, each under its usual names (matched against the start of a label).
MAPPING_PARTS: dict[str, tuple[str, ...]] = {
    "activities": ("what happens", "what", "activities", "activity", "key activities", "description",
                   "tasks", "actions", "steps", "overview", "summary"),
    "roles": ("who is involved", "who's involved", "who", "people", "roles", "role", "team", "owner",
              "owners", "responsible", "stakeholders", "participants", "involved"),
    "tools": ("tools used", "tools", "tool", "tooling", "technology", "technologies", "tech stack",
              "stack", "software"),
    "duration": ("duration", "time", "timeline", "timing", "how long", "estimate", "estimated time",
                 "effort", "timeframe", "time frame", "length"),
    "deliverable": ("deliverables", "deliverable", "outputs", "output", "outcome", "result",
                    "artifacts", "artifact", "artefacts", "artefact"),
    "automation": ("automation opportunities", "automation opportunity", "opportunities for automation",
                   "automation", "automate", "automated", "what to automate", "automations"),
}
LOOP_PARTS: dict[str, tuple[str, ...]] = {
    "info": ("what information flows back", "what flows back", "information", "what information",
             "info", "what", "data", "signal", "feedback"),
    "how": ("how it's communicated", "how its communicated", "how it is communicated", "how",
            "communicated", "communication", "channel", "via", "mechanism", "medium"),
    "speed": ("speed of feedback", "speed", "how fast", "latency", "timing", "time", "frequency"),
    "example": ("example scenario", "example", "scenario", "e.g"),
}
ARROW = re.compile(r"(?:→|->|⟶|➜|➔|=>|⇒|-->|—>)")
_LABEL_LINE = re.compile(
    r"^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+)?(?:\*\*|__)?([A-Za-z][A-Za-z '’/&()-]{0,40}?)(?:\*\*|__)?\s*[:：]"
    r"\s*(?:\*\*|__)?\s*(.*)$")
_TABLE_SEP = re.compile(r"^[ \t]*(?:\|[ \t]*)?:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*(?:\|[ \t]*)?$")


@dataclass(slots=True)
class Unit:
    """A piece of written work: a section, a table row or column, or a list item."""

    rel: str
    line: int
    title: str
    text: str
    parts: dict[str, tuple[str, int]] = field(default_factory=dict)  # part -> (text, line)


@dataclass(slots=True)
class Table:
    line: int  # of the header row
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line, cells)


def _norm(label: str) -> str:
    return re.sub(r"[^a-z0-9' ]+", " ", label.lower().replace("’", "'")).strip()


_CANONICAL: dict[tuple[str, int], str | None] = {}


def canonical(label: str, vocabulary: dict[str, tuple[str, ...]]) -> str | None:
    """The part a label names (``"Who is involved?"`` -> ``roles``), or None."""
    key = (label, id(vocabulary))
    if key not in _CANONICAL:
        if len(_CANONICAL) > 20_000:
            _CANONICAL.clear()
        _CANONICAL[key] = _canonical(label, vocabulary)
    return _CANONICAL[key]


def _canonical(label: str, vocabulary: dict[str, tuple[str, ...]]) -> str | None:
    norm = " ".join(_norm(label).split())
    if not norm:
        return None
    best, best_len = None, 0
    for part, names in vocabulary.items():
        for name in names:
            if (norm == name or norm.startswith(name + " ")) and len(name) > best_len:
                best, best_len = part, len(name)
    return best


_NUMBERING = re.compile(r"^\W*(?:(?:phase|stage|step|part)\s*)?\d{0,2}\s*[:.)–—-]?\s*", re.I)


def phase_of(title: str) -> str | None:
    """The one phase a heading or cell names ("Phase 3: BUILD", "Stage 3 – Build", "3. Build",
    "Build phase"), or None when it names none or several (a loop like "Monitor → Plan") or is
    a sentence that merely uses the word ("Loop mapping: the reminder's code and tests")."""
    if ARROW.search(title):
        return None
    rest = _PHASE_WORD.findall(_NUMBERING.sub("", title.strip(), count=1))
    if not rest or len(rest) > 5:
        return None
    named = {PHASE_WORDS[w.lower()] for w in rest if w.lower() in PHASE_WORDS}
    return named.pop() if len(named) == 1 else None


# -- finding the deliverables -------------------------------------------------------------------
def deliverables(sub) -> dict[int, list[tuple[str, Section]]]:
    """For each task (1-4), the (file, section) pairs that hold it (cached per run)."""
    cached = sub.memo("written:deliverables")
    if cached is not None:
        return cached
    found: dict[int, list[tuple[str, Section]]] = {1: [], 2: [], 3: [], 4: []}
    for rel in exercise_files(sub):
        root = markdown.document(sub, rel)
        if root is None:
            continue
        name = rel.rsplit("/", 1)[-1]
        by_name = [n for n, rx in _TASK_NAME.items() if rx.search(name)]
        if len(by_name) == 1:
            found[by_name[0]].append((rel, root))
            continue
        split = [(int(m.group(1)), s) for s in root.walk() if s.level and (m := _TASK_HEADING.match(s.title))]
        if split:
            for n, section in split:
                found[n].append((rel, section))
        else:  # one file for everything, or a file of unknown purpose: every task may be in it
            for n in found:
                found[n].append((rel, root))
    return sub.memo("written:deliverables", found)


def exercise_files(sub) -> list[str]:
    """The Markdown files of the written work: those in the exercise folder, else those named
    like the deliverables anywhere (never README files of the application)."""
    md = sub.by_suffix(".md", ".markdown")
    inside = [f for f in md if f.startswith(EXERCISE_DIR)]
    if inside:
        return inside
    return [f for f in md if any(rx.search(f.rsplit("/", 1)[-1]) for rx in _TASK_NAME.values())
            or "exercise" in f.lower()]


def intro_text(sections: list[tuple[str, Section]]) -> str:
    """What the learner wrote before the first phase: the title and the feature's description."""
    out = []
    for _rel, sec in sections:
        out.append(sec.title)
        out.append(sec.body)
        for child in sec.children:
            if phase_of(child.title):
                break
            out.append(child.title)
            out.append(child.body)
    return "\n".join(out)


# -- tables --------------------------------------------------------------------------------------
def tables(text: str, first_line: int) -> list[Table]:
    """Pipe tables in ``text`` (whose first line is ``first_line``)."""
    lines = text.split("\n")
    out: list[Table] = []
    i = 0
    while i + 1 < len(lines):
        if "|" in lines[i] and _TABLE_SEP.match(lines[i + 1]) and "-" in lines[i + 1]:
            table = Table(first_line + i, _cells(lines[i]), [])
            j = i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                table.rows.append((first_line + j, _cells(lines[j])))
                j += 1
            out.append(table)
            i = j
        else:
            i += 1
    return out


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


# -- parts of a unit -----------------------------------------------------------------------------
def section_parts(rel: str, section: Section, vocabulary) -> dict[str, tuple[str, int]]:
    """A section's parts: sub-headings, label lines (bold, plain or listed) and table cells."""
    parts: dict[str, tuple[str, int]] = {}
    for child in section.children:
        part = canonical(child.title, vocabulary)
        if part and part not in parts:
            parts[part] = (child.all_text(), child.line)
    body_line = section.line + 1
    for part, value in label_parts(section.body, body_line, vocabulary).items():
        parts.setdefault(part, value)
    for table in tables(section.body, body_line):
        for part, value in table_parts(table, vocabulary).items():
            parts.setdefault(part, value)
    return parts


def label_parts(text: str, first_line: int, vocabulary) -> dict[str, tuple[str, int]]:
    """``Label: value`` lines (``**Label**:``, ``- Label:``…) naming a part, with the lines
    that follow up to the next label or blank line after the value."""
    parts: dict[str, tuple[str, int]] = {}
    current: str | None = None
    buf: list[str] = []
    start = 0
    for i, line in enumerate(text.split("\n")):
        m = _LABEL_LINE.match(line) if "|" not in line else None
        part = canonical(m.group(1), vocabulary) if m else None
        if part and m:
            if current is not None:
                parts.setdefault(current, ("\n".join(buf), start))
            current, buf, start = part, [m.group(2)], first_line + i
        elif current is not None:
            if not line.strip() and any(b.strip() for b in buf):
                parts.setdefault(current, ("\n".join(buf), start))
                current, buf = None, []
            else:
                buf.append(line)
    if current is not None:
        parts.setdefault(current, ("\n".join(buf), start))
    return parts


def table_parts(table: Table, vocabulary) -> dict[str, tuple[str, int]]:
    """A table read as parts: a header of part names with one row, or rows of (label, value)."""
    parts: dict[str, tuple[str, int]] = {}
    named = [canonical(h, vocabulary) for h in table.header]
    if sum(1 for n in named if n) >= 2 and table.rows:
        line, cells = table.rows[0]
        for part, cell in zip(named, cells, strict=False):
            if part and part not in parts:
                parts[part] = (cell, line)
        return parts
    rows = [(table.line, table.header), *table.rows]
    for line, cells in rows:
        if len(cells) >= 2:
            part = canonical(cells[0], vocabulary)
            if part and part not in parts:
                parts[part] = (" ".join(cells[1:]), line)
    return parts


# -- Task 1: one unit per phase ------------------------------------------------------------------
def phase_units(sub) -> dict[str, Unit]:
    """The loop mapping's unit for each phase the learner wrote about (cached)."""
    cached = sub.memo("written:phases")
    if cached is not None:
        return cached
    units: dict[str, Unit] = {}
    for rel, root in deliverables(sub)[1]:
        for s in root.walk():
            phase = phase_of(s.title) if s.level else None
            if phase and phase not in units:
                units[phase] = Unit(rel, s.line, s.title, s.all_text(), section_parts(rel, s, MAPPING_PARTS))
        for table in tables(root.all_text() if root.level == 0 else root.body, _body_line(root)):
            for phase, unit in _table_phase_units(rel, table).items():
                units.setdefault(phase, unit)
    return sub.memo("written:phases", units)


def _body_line(section: Section) -> int:
    return section.line + 1 if section.level else 1


def _table_phase_units(rel: str, table: Table) -> dict[str, Unit]:
    """A table with a row per phase (parts as columns) or a column per phase (parts as rows)."""
    units: dict[str, Unit] = {}
    named = [canonical(h, MAPPING_PARTS) for h in table.header]
    if sum(1 for n in named if n) >= 2:
        for line, cells in table.rows:
            phase = next((p for c in cells[:2] if (p := phase_of(c))), None)
            if phase and phase not in units:
                parts = {part: (cell, line) for part, cell in zip(named, cells, strict=False) if part}
                units[phase] = Unit(rel, line, cells[0], " ".join(cells), parts)
        return units
    columns = [phase_of(h) for h in table.header]
    if sum(1 for c in columns if c) >= 2:
        for col, phase in enumerate(columns):
            if not phase or phase in units:
                continue
            parts = {}
            for line, cells in table.rows:
                part = canonical(cells[0], MAPPING_PARTS) if cells else None
                if part and col < len(cells) and part not in parts:
                    parts[part] = (cells[col], line)
            units[phase] = Unit(rel, table.line, table.header[col], " ".join(v for v, _ in parts.values()), parts)
    return units


# -- Task 2: feedback loops ----------------------------------------------------------------------
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*)$")


def loop_units(sub) -> list[Unit]:
    """Each feedback loop the learner described: a heading, a table row or a list item with an
    arrow between two stages ("Monitor → Plan", "QA (staging) -> Plan"). Cached."""
    cached = sub.memo("written:loops")
    if cached is not None:
        return cached
    units: list[Unit] = []
    seen: set[tuple[str, int]] = set()
    for rel, root in deliverables(sub)[2]:
        for s in root.walk():
            if s.level and ARROW.search(s.title) and (rel, s.line) not in seen:
                seen.add((rel, s.line))
                units.append(Unit(rel, s.line, s.title, s.all_text(), section_parts(rel, s, LOOP_PARTS)))
        for s in root.walk():
            text = s.body if s.level or s.children else s.all_text()
            first = _body_line(s)
            for table in tables(text, first):
                named = [canonical(h, LOOP_PARTS) for h in table.header]
                for line, cells in table.rows:
                    arrow_cell = next((c for c in cells if ARROW.search(c)), None)
                    if arrow_cell is None or (rel, line) in seen:
                        continue
                    seen.add((rel, line))
                    parts = {p: (c, line) for p, c in zip(named, cells, strict=False) if p and c != arrow_cell}
                    units.append(Unit(rel, line, arrow_cell, " ".join(cells), parts))
            for i, line in enumerate(text.split("\n")):
                m = _LIST_ITEM.match(line)
                if m and ARROW.search(m.group(1)) and (rel, first + i) not in seen and "|" not in line:
                    seen.add((rel, first + i))
                    units.append(_list_loop(rel, first + i, m.group(1)))
    return sub.memo("written:loops", units)


_SPEED_WORDS = re.compile(r"\b(immediate(ly)?|instant(ly)?|real[- ]?time|seconds?|minutes?|hours?|days?|"
                          r"weeks?|months?|daily|weekly|hourly|monthly|sprint|\d+\s?(s|m|h|d|min|mins|hrs?|ms))\b",
                          re.I)


def _list_loop(rel: str, line: int, text: str) -> Unit:
    """A loop written as one list item: labelled parts, or segments (what; how; speed; example)."""
    parts = label_parts(text.replace(";", "\n"), line, LOOP_PARTS)
    head = ARROW.split(text, maxsplit=1)
    tail = head[1] if len(head) > 1 else ""
    segments = [s.strip() for s in re.split(r"\s[—–]\s|;|\s-\s", tail) if s.strip()]
    if not parts and len(segments) >= 2:
        rest = segments[1:] if len(segments) > 2 else segments
        speed = next((s for s in rest if _SPEED_WORDS.fullmatch(s.strip(" ."))), None) or \
            next((s for s in rest if len(s.split()) <= 3 and _SPEED_WORDS.search(s)), None)
        others = [s for s in rest if s is not speed]
        if speed:
            parts["speed"] = (speed, line)
        if others:
            parts["info"] = (others[0], line)
        if len(others) >= 2:
            parts["how"] = (others[1], line)
        if len(others) >= 3:
            parts["example"] = (" ".join(others[2:]), line)
    return Unit(rel, line, text, text, parts)


# -- Tasks 3 and 4: the whole text ---------------------------------------------------------------
def task_text(sub, task: int) -> list[tuple[str, int, str]]:
    """(file, first line, text) of each place that holds ``task``."""
    return [(rel, _body_line(sec) if sec.level else 1, sec.all_text() if not sec.level else
             sec.title + "\n" + sec.all_text()) for rel, sec in deliverables(sub)[task]]
