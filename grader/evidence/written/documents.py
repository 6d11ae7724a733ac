"""The documents a learner may have written the exercise in, read as a tree of sections.

Every Markdown or plain-text document of the repository is a candidate (README included, any
folder, any name), within bounds: at most ``MAX_DOCS`` documents, each at most ``MAX_BYTES``.
A document is parsed into sections by its headings (:mod:`grader.evidence.markdown`), and then
by the headings learners write without Markdown: a line that is all bold (``**What happens**``),
ALL CAPS (``PHASE 3 - BUILD``), or a short line naming a phase or a part that ends in a colon.
Sections a learner put at one level are nested as they read: the parts after a phase, the
phases after a task.
"""

from __future__ import annotations

import math
import re

from grader.evidence import markdown
from grader.evidence.markdown import Section
from grader.evidence.written import names
from grader.model import EXERCISE_DIR
from grader.patterns import lazy

SUFFIXES = (".md", ".markdown", ".mdown", ".txt", ".text", ".rst")
MAX_DOCS = 250
MAX_BYTES = 400_000
# Documents that are never the exercise: licences, changelogs, codes of conduct, templates of
# the repository's own issues and pull requests, vendored dependencies.
_NOT_WRITTEN = lazy(
    r"(?:^|/)(?:license|licence|copying|notice|changelog|changes|history|code_of_conduct|security|authors|"
    r"contributors|maintainers|codeowners|citation|third[_-]party[\w-]*|requirements[\w-]*|robots|"
    r"cmakelists|dependencies)(?:\.[\w.-]+)?$"
    r"|(?:^|/)(?:node_modules|vendor|third_party|site-packages|\.venv|venv|dist|build|target)/"
    r"|(?:^|/)\.github/(?:issue_template|pull_request_template)"
    r"|(?:^|/)(?:pull_request_template|issue_template)(?:\.md)?$", re.I)


def candidates(sub) -> list[str]:
    """The documents that may hold written work, most likely first (the exercise's folder,
    then names and folders that sound like the exercise, then the rest by depth)."""
    cached = sub.memo("written:candidates")
    if cached is not None:
        return cached
    files = [f for f in sub.by_suffix(*SUFFIXES) if not _NOT_WRITTEN.search(f)
             and not markdown.is_assistant_instructions(f)]
    files.sort(key=_priority)
    return sub.memo("written:candidates", files[:MAX_DOCS])


_LIKELY = lazy(r"exercis|task|mapping|loop|feedback|pipeline|metric|kpi|devops|phase|assignment|homework|"
                     r"submission|report|notes|wiki|docs?/|cicd|ci-cd", re.I)


def _priority(rel: str) -> tuple[int, int, str]:
    if rel.startswith(EXERCISE_DIR):
        rank = 0
    elif _LIKELY.search(rel):
        rank = 1
    elif "/" not in rel:
        rank = 2
    else:
        rank = 3
    return rank, rel.count("/"), rel


def document(sub, rel: str) -> Section | None:
    """The document's section tree (cached per run), or None when it can't be read."""
    key = f"written:doc:{rel}"
    cached = sub.memo(key)
    if cached is not None:
        return cached
    text = sub.read_text(rel)
    if text is None or len(text) > MAX_BYTES:
        return None
    plain = normalise(text)
    if plain == text:
        root = markdown.document(sub, rel)
    else:
        try:
            root = markdown.parse(plain)
        except (RecursionError, ValueError):  # pragma: no cover - markdown-it is robust
            root = None
    if root is None:
        return None
    root = structure(root)
    return sub.memo(key, root)


# -- HTML tables and definition lists, read as Markdown ---------------------------------------------------
_TABLE_OPEN = lazy(r"<table\b", re.I)
_TABLE_CLOSE = lazy(r"</table\s*>", re.I)
_DEFINITION = lazy(r"^:[ \t]+(\S.*)$")


def normalise(text: str) -> str:
    """The forms Markdown has no words for, in Markdown's own: an HTML ``<table>`` becomes a pipe
    table (its cells' text, lists joined by ``;``), a definition list's term a bold line and its
    ``: definitions`` list items. Line numbers are kept (the rows take the table's first lines)."""
    if text.startswith("---\n"):  # front matter (a wiki's or a static site's): data, not headings
        end = text.find("\n---", 4)
        if 0 < end < 4000:
            text = "\n" * text.count("\n", 0, end + 4) + text[end + 4:]
    if "<table" not in text.lower() and "\n: " not in text:
        return text
    out: list[str] = []
    pos = 0
    while True:
        m = _TABLE_OPEN.search(text, pos)
        if m is None:
            break
        close = _TABLE_CLOSE.search(text, m.end())
        end = close.end() if close else len(text)
        out.append(text[pos:m.start()])
        block = text[m.start():end]
        rows = _html_rows(block)
        piped = [("| " + " | ".join(c.replace("|", "/") for c in row) + " |") for row in rows]
        if len(piped) >= 1:
            width = len(rows[0])
            piped.insert(1, "|" + "---|" * max(1, width))
        height = block.count("\n") + 1
        piped = piped[:height] + [""] * max(0, height - len(piped))
        out.append("\n".join(piped))
        pos = end
    out.append(text[pos:])
    lines = "".join(out).split("\n")
    for i, line in enumerate(lines):
        d = _DEFINITION.match(line)
        if d:
            lines[i] = "- " + d.group(1)
            j = i - 1
            if j >= 0 and lines[j].strip() and not _DEFINITION.match(lines[j]) and not lines[j].startswith(("- ", "#")):
                lines[j] = "**" + lines[j].strip().strip("*") + "**"
    return "\n".join(lines)


def _html_rows(block: str) -> list[list[str]]:
    """The rows of an HTML table, each a list of its cells' text."""
    from html.parser import HTMLParser

    rows: list[list[str]] = []

    class Rows(HTMLParser):
        cell: list[str] | None = None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                rows.append([])
            elif tag in ("td", "th") and rows:
                self.cell = []
            elif tag in ("li", "br", "p") and self.cell is not None and any(x.strip() for x in self.cell):
                self.cell.append("; ")

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None and rows:
                rows[-1].append(" ".join("".join(self.cell).split()).strip(" ;"))
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Rows(convert_charrefs=True)
    parser.feed(block[:MAX_BYTES])
    parser.close()
    return [r for r in rows if r]


# -- headings written without Markdown ----------------------------------------------------------------
_BOLD_LINE = lazy(r"^\s*(?:[-*+]\s+|\d{1,2}[.)]\s+)?(\*\*|__)([^*_\n]{1,80}?)\1\s*[:.]?\s*$")
_CAPS_LINE = lazy(r"^[ \t]{0,12}(?:\d{1,2}[.)] ?)?([A-Z0-9][A-Z0-9 &/()'’:.,–—>→#-]{2,70}?)[ \t]*$")
_COLON_LINE = lazy(r"^\s*(?:[-*+]\s+|\d{1,2}[.)]\s+)?([A-Za-z][\w '’/&()–—-]{1,50}?)\s*:\s*$")
_NUMBERED = lazy(r"^[ \t]{0,12}(?:(?:phase|stage|step|part|task) ?)?\d{1,2} ?[.):–—-] {0,3}(\w[\w &/'’-]{0,40})\s*$",
                       re.I)
_FENCE = lazy(r"^\s*(```|~~~)")


def pseudo_heading(line: str, namer) -> str | None:
    """The title of a line written as a heading without Markdown's ``#``, or None.
    ``namer(title)`` says whether a title names something the exercise has (a phase, a part,
    a task, a loop): short colon lines and numbered lines count only then."""
    if "|" in line or len(line) > 120:
        return None
    m = _BOLD_LINE.match(line)
    if m and len(m.group(2).split()) <= 10:
        return m.group(2).strip(" :.")
    m = _CAPS_LINE.match(line)
    if m and sum(c.isalpha() for c in m.group(1)) >= 3 and len(m.group(1).split()) <= 10:
        return m.group(1).strip(" :.")
    for rx in (_COLON_LINE, _NUMBERED):
        m = rx.match(line)
        if m and len(m.group(1).split()) <= 6 and namer(m.group(1)):
            return m.group(1).strip(" :.")
    return None


def structure(root: Section, namer=None) -> Section:
    """The tree with headings written without ``#`` made sections, and siblings nested as
    they read (see :func:`nest`)."""

    namer = namer or names.names_anything
    flat: list[tuple[float, str, int, str]] = []
    _flatten(root, namer, flat)
    rebuilt = Section(0, "", 0, "")
    stack: list[tuple[float, Section]] = [(0.0, rebuilt)]
    pseudo: set[int] = set()
    for level, title, line, body in flat:
        if level == 0:
            rebuilt.body = body
            continue
        node = Section(math.ceil(level), title, line, body, [])  # a heading without # sits below its section
        if level != int(level):
            pseudo.add(id(node))
        while stack[-1][0] >= level:
            stack.pop()
        stack[-1][1].children.append(node)
        stack.append((level, node))
    nest(rebuilt, pseudo)
    return rebuilt


def _flatten(section: Section, namer, out: list[tuple[float, str, int, str]]) -> None:
    """(level, title, line, body) of the section and of the headings in its body, in order;
    a heading written without ``#`` ranks half a level below its section."""
    lines = section.body.split("\n")
    first = section.line + 1 if section.level else 1
    cuts: list[tuple[int, str, float]] = []
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or not line.strip():
            continue
        outline = _outline_heading(lines, i, namer)
        if outline:  # an outline's item that heads the items under it ("- 1. PLAN" over its parts)
            cuts.append((i, outline[0], outline[1]))
            continue
        if i and lines[i - 1].strip() and not _BOLD_LINE.match(line) and not _CAPS_LINE.match(line):
            continue  # a colon or numbered line inside a paragraph is text, not a heading
        title = pseudo_heading(line, namer)
        if title:
            cuts.append((i, title, 0.0))
    head = "\n".join(lines[:cuts[0][0]]) if cuts else section.body
    out.append((float(section.level), section.title, section.line, head))
    for n, (i, title, depth) in enumerate(cuts):
        end = cuts[n + 1][0] if n + 1 < len(cuts) else len(lines)
        out.append((section.level + 0.5 + depth, title, first + i, "\n".join(lines[i + 1:end])))
    for child in section.children:
        _flatten(child, namer, out)


_OUTLINE_ITEM = lazy(r"^([ \t]{0,40})(?:[-*+]|\d{1,3}[.)])[ \t]+(.{1,300})$")


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def _outline_heading(lines: list[str], i: int, namer) -> tuple[str, float] | None:
    """(title, depth) of a list item that heads an outline: a short item naming a task, a phase,
    a loop or a part, with more indented lines under it."""
    m = _OUTLINE_ITEM.match(lines[i])
    if not m:
        return None
    bold = re.match(r"(\*\*|__)([^*_\n]{2,80}?)\1", m.group(2).strip())
    title = (bold.group(2) if bold else m.group(2)).strip().strip("*_").strip(" :.")
    named = names.phases_of(title) or names.is_loop_title(title) or names.tasks_of_title(title)
    if len(title.split()) > 8 or (":" in title.rstrip(":") and not named) or not namer(title):
        return None  # a label with its value ("who: PM, QA") is a line of text
    nxt = next((line for line in lines[i + 1:i + 40] if line.strip()), None)
    if nxt is None or _indent(nxt) <= _indent(lines[i]):
        return None
    return title, min(_indent(lines[i]), 40) / 100


def rank(title: str) -> int:
    """How a title ranks among siblings: 0 a task, 1 a phase or loop, 2 a part, 3 anything else."""

    if names.phase_of(title) or names.is_loop_title(title):
        return 1
    if names.task_of_title(title):
        return 0
    if names.part_of(title):
        return 2
    return 3


def nest(section: Section, pseudo: set[int]) -> None:
    """Siblings written at one level, nested as they read: what follows a task's heading that
    has nothing of its own (up to the next task) goes under it, and the parts written without
    ``#`` that follow a phase or a loop (``WHO`` after ``PHASE 1 - PLAN``) under that."""
    kids = section.children
    if len(kids) >= 2:
        out: list[Section] = []
        owner: Section | None = None
        owner_rank = 3
        for kid in kids:
            r = rank(kid.title)
            if owner is not None and ((owner_rank == 0 and r >= 1) or (owner_rank == 1 and r == 2 and id(kid) in pseudo)):
                owner.children.append(kid)
                continue
            out.append(kid)
            empty = not kid.body.strip() and not kid.children
            owner, owner_rank = (kid, r) if (r == 1 or (r == 0 and (empty or id(kid) in pseudo))) else (None, 3)
        section.children = out
    for child in section.children:
        nest(child, pseudo)
