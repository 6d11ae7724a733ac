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

import re

from grader.evidence import markdown
from grader.evidence.markdown import Section

EXERCISE_DIR = "exercises/module-01/exercise-04/"
SUFFIXES = (".md", ".markdown", ".mdown", ".txt", ".text", ".rst")
MAX_DOCS = 250
MAX_BYTES = 400_000
# Documents that are never the exercise: licences, changelogs, codes of conduct, templates of
# the repository's own issues and pull requests, vendored dependencies.
_NOT_WRITTEN = re.compile(
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


_LIKELY = re.compile(r"exercis|task|mapping|loop|feedback|pipeline|metric|kpi|devops|phase|assignment|homework|"
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
    root = markdown.document(sub, rel)
    if root is None:
        return None
    root = structure(root)
    return sub.memo(key, root)


# -- headings written without Markdown ----------------------------------------------------------------
_BOLD_LINE = re.compile(r"^\s*(?:[-*+]\s+|\d{1,2}[.)]\s+)?(\*\*|__)([^*_\n]{1,80}?)\1\s*[:.]?\s*$")
_CAPS_LINE = re.compile(r"^\s*(?:\d{1,2}[.)]\s*)?([A-Z0-9][A-Z0-9 &/()'’:.,–—-]{2,70})\s*$")
_COLON_LINE = re.compile(r"^\s*(?:[-*+]\s+|\d{1,2}[.)]\s+)?([A-Za-z][\w '’/&()–—-]{1,50}?)\s*:\s*$")
_NUMBERED = re.compile(r"^[ \t]{0,12}(?:(?:phase|stage|step|part|task) ?)?\d{1,2} ?[.):–—-] {0,3}(\w[\w &/'’-]{0,40})\s*$",
                       re.I)
_FENCE = re.compile(r"^\s*(```|~~~)")


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
    from grader.evidence.written import names

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
        node = Section(int(level), title, line, body, [])
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
    cuts: list[tuple[int, str]] = []
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or not line.strip():
            continue
        if i and lines[i - 1].strip() and not _BOLD_LINE.match(line) and not _CAPS_LINE.match(line):
            continue  # a colon or numbered line inside a paragraph is text, not a heading
        title = pseudo_heading(line, namer)
        if title:
            cuts.append((i, title))
    head = "\n".join(lines[:cuts[0][0]]) if cuts else section.body
    out.append((float(section.level), section.title, section.line, head))
    for n, (i, title) in enumerate(cuts):
        end = cuts[n + 1][0] if n + 1 < len(cuts) else len(lines)
        out.append((section.level + 0.5, title, first + i, "\n".join(lines[i + 1:end])))
    for child in section.children:
        _flatten(child, namer, out)


def rank(title: str) -> int:
    """How a title ranks among siblings: 0 a task, 1 a phase or loop, 2 a part, 3 anything else."""
    from grader.evidence.written import names

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
