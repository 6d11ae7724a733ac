"""Markdown documents as a tree of sections, parsed with markdown-it-py (plain documents by
the quick heading scanner of :mod:`grader.evidence.mdscan`, checked against markdown-it).

A section is a heading with the text under it up to the next heading of the same or a
higher level. Placeholder text from templates (``[Your answer]``, ``TODO``, ``TBD``...)
does not count as content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grader.evidence.mdscan import Heading, scan_headings
from grader.patterns import lazy

PLACEHOLDER = lazy(
    r"\[(?!\s?\]|[xX]\])[^\]\n\[]{0,200}\](?!\()"  # template text in brackets (not links or checkboxes)
    r"|\bTODO\b|\bTBD\b|\bFIXME\b|\.\.\.|…|\blorem ipsum\b|<[^<>\n]{0,200}?(?:your|here)[^<>\n]{0,200}>",
    re.IGNORECASE,
)
_WORD = lazy(r"[A-Za-z0-9][A-Za-z0-9'’%.+/-]*")


@dataclass(slots=True)
class Section:
    level: int
    title: str
    line: int  # 1-based line of the heading
    body: str = ""  # text directly under the heading (before any sub-heading)
    children: list[Section] = field(default_factory=list)

    def all_text(self) -> str:
        """The text under this heading and its sub-headings (the sub-headings' titles left out)."""
        return "\n".join([self.body, *(c.all_text() for c in self.children)])

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def _comment_spans(text: str):
    """(start, content start, content end, end) of each HTML comment, in one pass; an unclosed
    comment runs to the end, as in HTML."""
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            return
        end = text.find("-->", start + 4)
        if end < 0:
            yield start, start + 4, len(text), len(text)
            return
        yield start, start + 4, end, end + 3
        pos = end + 3


def comments(text: str) -> list[str]:
    """The text inside HTML comments."""
    return [text[inner:close] for _start, inner, close, _end in _comment_spans(text)] if "<!--" in text else []


def strip_comments(text: str) -> str:
    """HTML comments removed (each leaves a space)."""
    if "<!--" not in text:
        return text
    out, pos = [], 0
    for start, _inner, _close, end in _comment_spans(text):
        out.append(text[pos:start])
        out.append(" ")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def content_words(text: str) -> list[str]:
    """The words of real content: markup, placeholders and template labels removed."""
    text = strip_comments(text)
    text = PLACEHOLDER.sub(" ", text)
    text = re.sub(r"[*_`>#|\-\[\]():]+", " ", text)
    return _WORD.findall(text)


def is_filled(text: str, min_words: int = 3) -> bool:
    return len(content_words(text)) >= min_words


_md = None


def _parser():
    """A CommonMark block parser: inline parsing is switched off (only the block structure and
    the headings' raw text are needed), and the parser is built once per process."""
    global _md
    if _md is None:
        from markdown_it import MarkdownIt

        _md = MarkdownIt("commonmark").disable(["inline", "text_join"], ignoreInvalid=True)
    return _md


def markdown_it_headings(text: str) -> list[Heading]:
    tokens = _parser().parse(text)
    headings = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            inline = tokens[i + 1] if i + 1 < len(tokens) else None
            title = inline.content.strip() if inline is not None else ""
            headings.append((int(tok.tag[1:]), title, tok.map[0], tok.map[1]))
    return headings


def parse(text: str) -> Section:
    """The document as a root section (level 0) holding its heading tree."""
    lines = text.split("\n")
    headings = scan_headings(text, lines)
    if headings is None:
        headings = markdown_it_headings(text)
    root = Section(0, "", 0)
    stack = [root]
    first = headings[0][2] if headings else len(lines)
    root.body = "\n".join(lines[:first])
    for index, (level, title, start, end) in enumerate(headings):
        nxt = headings[index + 1][2] if index + 1 < len(headings) else len(lines)
        section = Section(level, title, start + 1, "\n".join(lines[end:nxt]))
        while stack[-1].level >= level:
            stack.pop()
        stack[-1].children.append(section)
        stack.append(section)
    return root


# Instructions written for AI coding assistants (Claude, Cursor, Copilot, Codex, Gemini agents):
# they tell a tool how to work in the repository, they are not the project's runbooks or plans.
_ASSISTANT_DIRS = lazy(r"(?:^|/)\.(?:agents?|claude|cursor|windsurf|clinerules|codex|gemini|kiro|roo)/"
                             r"|(?:^|/)\.github/(?:instructions|prompts|chatmodes|agents)/")
_ASSISTANT_NAMES = frozenset({"claude.md", "agents.md", "agent.md", "gemini.md", "skill.md", "copilot-instructions.md",
                              ".cursorrules", ".windsurfrules"})


def is_assistant_instructions(rel: str) -> bool:
    """Is this file instructions for an AI coding assistant (``CLAUDE.md``, ``AGENTS.md``,
    ``.agent/skills/*/SKILL.md``, ``.github/copilot-instructions.md``, ``.cursor/rules/*``)?"""
    # (each of those folders' names starts with a dot, at the start of the path or after a slash)
    return rel.rsplit("/", 1)[-1].lower() in _ASSISTANT_NAMES or (
        (rel.startswith(".") or "/." in rel) and bool(_ASSISTANT_DIRS.search(rel)))


def prose_files(sub, *suffixes: str) -> list[str]:
    """The repository's Markdown written for people (``.md`` unless ``suffixes`` say otherwise),
    without the instructions kept for AI coding assistants (listed once per run)."""
    key = f"prose-files:{suffixes}"
    cached = sub.memo(key)
    if cached is None:
        cached = sub.memo(key, [rel for rel in sub.by_suffix(*(suffixes or (".md",)))
                                if not is_assistant_instructions(rel)])
    return list(cached)


def document(sub, rel: str) -> Section | None:
    key = f"md:{rel}"
    cached = sub.memo(key)
    if cached is not None:
        return cached
    text = sub.read_text(rel)
    if text is None:
        return None
    try:
        root = parse(text)
    except (RecursionError, ValueError) as exc:  # pragma: no cover - markdown-it is robust
        sub.problems[rel] = f"markdown can't be parsed: {type(exc).__name__}"
        return None
    return sub.memo(key, root)


def labelled_parts(section: Section) -> dict[str, tuple[str, int]]:
    """Parts of a section, by lower-case label: sub-headings, and ``**Label**:`` lines.

    Value: (text of the part, 1-based line)."""
    parts: dict[str, tuple[str, int]] = {}
    for child in section.children:
        parts.setdefault(_norm(child.title), (child.all_text(), child.line))
    lines = section.body.split("\n")
    label_rx = re.compile(r"^\s*(?:[-*]\s*)?\*\*([^*]+?)\*\*\s*:?\s*(.*)$")
    current = None
    buf: list[str] = []
    start_line = 0
    for i, line in enumerate(lines):
        m = label_rx.match(line)
        if m:
            if current is not None:
                parts.setdefault(current, ("\n".join(buf), start_line))
            current = _norm(m.group(1))
            buf = [m.group(2)]
            start_line = section.line + 1 + i
        elif current is not None:
            buf.append(line)
    if current is not None:
        parts.setdefault(current, ("\n".join(buf), start_line))
    return parts


def _norm(label: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", label.lower().replace("’", "'")).strip()


def find_part(parts: dict[str, tuple[str, int]], *names: str):
    wanted = [_norm(n) for n in names]
    for label, value in parts.items():
        if any(label == w or label.startswith(w) for w in wanted):
            return value
    return None
