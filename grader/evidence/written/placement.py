"""Where each of the exercise's four tasks is written, decided from what the documents say.

A document (or a section of one) holds a task when its file name or its heading names the task
("task2-feedback-loops.md", "kpis.md", "## 2. Feedback loops", "Part C", "Task two"), or, when
nothing names it, when its content is that task's: a phase-by-phase mapping (three phases or
more, each with some of its parts), feedback loops (two or more), success metrics, or a
pipeline design. A project README that only describes the application is none of them. The
places are read in order: named places first, then the best place found by content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.evidence.markdown import Section
from grader.evidence.written import documents, names
from grader.evidence.written.loops import loops_in
from grader.evidence.written.parts import MAPPING_PARTS, Part, mapping_parts, section_parts, tables
from grader.patterns import lazy

TASKS = (1, 2, 3, 4)


@dataclass(frozen=True, slots=True)
class Place:
    rel: str
    section: Section
    how: str  # "by its file name", "by its heading", "by its content"

    @property
    def line(self) -> int:
        return self.section.line if self.section.level else 1

    def where(self) -> str:
        return f"{self.rel}:{self.line}" if self.section.level else self.rel


# A quick look before parsing: does the document hold anything of the exercise at all?
_SIGNAL = lazy(r"\b(?:plan(?:ning)?|code|coding|build|test(?:ing|s)?|release|deploy(?:ment)?|operat(?:e|ions)|"
                     r"monitor(?:ing)?|feedback|loops?|pipeline|stages?|trigger|rollback|metrics?|kpis?|dora|measur\w*|"
                     r"success|targets?|task\s*[1-4])\b|→|->", re.I)


def _worth_parsing(text: str) -> bool:
    return len({m.group().lower()[:5] for m in _SIGNAL.finditer(text[:200_000])}) >= 2


def placements(sub) -> dict[int, list[Place]]:
    """For each task (1-4), the places that hold it, best first (cached per run)."""
    cached = sub.memo("written:placements")
    if cached is not None:
        return cached
    named: dict[int, list[Place]] = {t: [] for t in TASKS}
    by_content: dict[int, list[tuple[float, Place]]] = {t: [] for t in TASKS}
    phase_docs: list[tuple[str, Place]] = []
    for rel in documents.candidates(sub):
        by_name = names.tasks_of_name(rel)
        stem_words = " ".join(re.split(r"[-_ .]+", rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]))
        if not by_name and not rel.startswith(documents.EXERCISE_DIR) and not names.phase_of(stem_words) \
                and not _worth_parsing(sub.read_text(rel) or ""):
            continue
        root = documents.document(sub, rel)
        if root is None:
            continue
        sections = _task_sections(root)
        if len(by_name) == 1 and all(t == by_name[0] for t, _ in sections):
            # the file is its task (its headings, if they name one, name the same: "## DORA" in metrics.md)
            named[by_name[0]].append(Place(rel, root, "by its file name"))
            continue
        for task, section in sections:
            named[task].append(Place(rel, section, "by its heading"))
        covered = {id(s) for _, s in sections}
        rest = _unnamed_parts(root, covered)
        if len(by_name) == 1 and by_name[0] not in {t for t, _ in sections} and rest and _has_text(rest[0]):
            # the file names a task its headings don't: that task is the rest of the file
            named[by_name[0]].append(Place(rel, rest[0], "by its file name"))
        for section in rest:
            held, score = classify(section)
            if held:
                by_content[held].append((score, Place(rel, section, "by its content")))
        phase = None if sections else _phase_of_document(rel, root)
        if phase:
            phase_docs.append((phase, Place(rel, root, "by its content")))
    per_phase = _one_file_per_phase(phase_docs)
    found: dict[int, list[Place]] = {}
    for task in TASKS:
        places = [p for p in named[task] if _has_text(p.section)]
        if task == 1 and places and not any(_names_phases(p.section) for p in places):
            # a title that says "loop mapping" over no phase at all (a README's heading): the
            # mapping is where the phases are — one file per phase, or a place found by content
            best = [max(by_content[1], key=lambda sp: sp[0])[1]] if by_content[1] else []
            fallback = per_phase or best
            places = fallback or places
        if not places and by_content[task]:
            places = [max(by_content[task], key=lambda sp: sp[0])[1]]
        found[task] = places
    if not found[1] and per_phase:
        found[1] = per_phase
    return sub.memo("written:placements", found)


def _phase_of_document(rel: str, root: Section) -> str | None:
    """The phase a whole document is about: its file name names it (``03-build.md``), or its one
    title does."""
    stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    phase = names.phase_of(" ".join(re.split(r"[-_ .]+", stem)))
    if not phase and len(root.children) == 1:
        phase = names.phase_of(root.children[0].title)
    return phase


def _one_file_per_phase(docs: list[tuple[str, Place]]) -> list[Place]:
    """Documents that each hold one phase make a loop mapping when they are one piece of work
    that maps the loop: in one folder (``devops/01-plan.md``, ``devops/02-code.md``…), three
    phases or more, each document writing its phase's parts, as a mapping found in one place
    must. Four documents about deploying, or a project's development and deployment guides spread
    over its folders, are not a mapping."""
    folders: dict[str, list[tuple[str, Place]]] = {}
    for phase, place in docs:
        folders.setdefault(place.rel.rpartition("/")[0], []).append((phase, place))
    best: list[tuple[str, Place]] = []
    for held in folders.values():
        if len({phase for phase, _ in held}) < max(3, len({phase for phase, _ in best}) + 1):
            continue  # parts are read only where the folder could be the mapping
        written = [(phase, place) for phase, place in held if _writes_parts(place.section)]
        if len({phase for phase, _ in written}) > max(2, len({phase for phase, _ in best})):
            best = written
    return [place for _, place in best]


def _writes_parts(root: Section) -> bool:
    return _enough_parts(section_parts(_top(root), MAPPING_PARTS), root.all_text(), 1)


def _names_phases(section: Section) -> bool:
    """Does a place write about any phase (a heading, a table row or column, a paragraph)?"""
    if any(names.phases_of(s.title) for s in section.walk() if s.level):
        return True
    text = section.all_text()
    return len({p for p in names.PHASES if re.search(rf"(?im)^\W{{0,8}}{p}\w*\b", text)}) >= 3


def _has_text(section: Section) -> bool:
    return bool(re.search(r"\w{3}", section.all_text()))


def _task_sections(root: Section) -> list[tuple[int, Section]]:
    """The topmost sections whose title names one task. A document's title ("Exercise 4.1:
    mapping a feature through the loop") does not count when its sections name tasks."""
    out: list[tuple[int, Section]] = []

    def visit(section: Section) -> None:
        for child in section.children:
            if names.phases_of(child.title) or names.is_loop_title(child.title):
                continue  # a phase's or a loop's own sub-sections are its parts
            task = names.task_of_title(child.title)
            if task and not _has_named_child(child, task):
                out.append((task, child))
            else:
                visit(child)

    visit(root)
    return out


def _has_named_child(section: Section, task: int | None = None) -> bool:
    """Does a section hold sections naming another task than ``task``?"""
    for child in section.children:
        if names.phases_of(child.title) or names.is_loop_title(child.title):
            continue
        named = names.task_of_title(child.title)
        if (named and named != task) or _has_named_child(child, task):
            return True
    return False


def _unnamed_parts(root: Section, covered: set[int]) -> list[Section]:
    """The parts of a document no heading placed: the whole document when nothing in it is
    named, else the rest of it taken together (the phases of a mapping written between named
    sections), then each of its top-level sections outside the named ones."""
    if not covered:
        return [root]
    top = _top(root)
    out = [child for child in top.children
           if id(child) not in covered and not any(id(s) in covered for s in child.walk())]
    if not out:
        return []
    return [Section(top.level, top.title, top.line, top.body, out), *out]


def _top(root: Section) -> Section:
    """The document below its single title heading, if it has one."""
    return root.children[0] if len(root.children) == 1 and not root.body.strip() else root


# -- what a place holds, by its content ------------------------------------------------------------------
_DORA = lazy(r"lead\s*time|deploy(?:ment)?s?\s*frequency|change\s*fail|time\s*to\s*(?:restore|recover)|mttr", re.I)
_METRIC_WORDS = lazy(r"\b(?:metrics?|kpis?|rate|ratio|latency|p9\d|uptime|availability|conversion|revenue|"
                           r"target|%)", re.I)
_PIPELINE_WORDS = lazy(r"\b(?:pipeline|trigger(?:ed|s)?|stages?|jobs?|workflow|on\s+push|pull\s+request|"
                             r"rollback|roll\s+back|gate|approval)\b", re.I)


def classify(section: Section) -> tuple[int | None, float]:
    """The task a section's content holds, and how strongly: a mapping (phases with parts)
    first, then loops, then metrics, then a pipeline."""
    phases = mapped_phases(section)
    if len(phases) >= 3:
        return 1, 10.0 + len(phases)
    loops = loops_in(section, "")
    if len(loops) >= 2:
        return 2, 5.0 + len(loops)
    text = section.all_text()
    dora = {m.group().lower()[:6] for m in _DORA.finditer(text)}
    metric_lines = sum(1 for line in text.split("\n") if _METRIC_WORDS.search(line) and re.search(r"\d", line))
    if len(dora) >= 2 or metric_lines >= 4:
        return 4, 2.0 + len(dora) + metric_lines / 4
    words = len(_PIPELINE_WORDS.findall(text))
    if words >= 3:
        return 3, float(words)
    return None, 0.0


def mapped_phases(section: Section) -> set[str]:
    """The phases a section maps with at least two of their parts (a heading or a table row or
    column per phase): the shape of a loop mapping, which a README's "## Build" and "## Test"
    instructions don't have."""
    out: set[str] = set()
    for s in section.walk():
        phase = names.phase_of(s.title) if s.level else None
        if phase and phase not in out and _enough_parts(section_parts(s, MAPPING_PARTS), s.all_text(), s.line):
            out.add(phase)
    for table in tables(section.all_text(), 1):
        named = [names.canonical(h, MAPPING_PARTS) for h in table.header]
        if sum(1 for n in named if n) >= 2:
            out |= {p for _line, row in table.rows for c in row[:2] if (p := names.phase_of(c))}
        elif sum(1 for h in table.header if names.phase_of(h)) >= 2:
            out |= {p for h in table.header if (p := names.phase_of(h))}
    return out


def _enough_parts(labelled: dict[str, Part], text: str, line: int) -> bool:
    found = mapping_parts(text, labelled, line)
    return len({p for p in found if p in ("roles", "tools", "duration", "automation")}) >= 2
