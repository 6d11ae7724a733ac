"""The quick Markdown heading scanner: the headings of a plain document without markdown-it.

The one hand-written parser loopcheck keeps: it reads a learner's deliverables (ATX and setext
headings, paragraphs, fences, indented code, simple lists) in a fraction of markdown-it's
time, which is about a fifth of a batch's CPU. It declines (returns None) on anything else —
HTML blocks, quotes, tabs, CR or NUL, link reference definitions, headings, fences or nested
lists inside list items, list/paragraph ambiguities — and markdown-it reads those documents.
``tests/test_markdown_scan.py`` checks it agrees with markdown-it wherever it answers.
"""

from __future__ import annotations

import re

from grader.patterns import lazy

Heading = tuple  # (level, title, first line index, index after the heading's last line)

_FENCE = lazy(r"( {0,3})(`{3,}|~{3,})(.*)\Z")
_SETEXT = lazy(r" {0,3}(=+|-+) *\Z")
_BREAK = lazy(r" {0,3}([-*_])(?: *\1){2,} *\Z")
_ITEM = lazy(r"( {0,3})(?:[-+*]|([0-9]{1,9})[.)])( +|\Z)")
_REFDEF = lazy(r"^ {0,3}\[", re.M)


class _Decline(Exception):
    """The document uses a construct the quick scanner leaves to markdown-it."""


def _atx(line: str) -> tuple[int, str] | None:
    body = line.lstrip(" ")
    if len(line) - len(body) > 3 or not body.startswith("#"):
        return None
    level = len(body) - len(body.lstrip("#"))
    rest = body[level:]
    if level > 6 or (rest and rest[0] != " "):
        return None
    rest = rest.rstrip(" ")
    bare = rest.rstrip("#")
    if len(bare) < len(rest) and (not bare or bare[-1] == " "):
        rest = bare  # the optional closing sequence
    return level, rest.strip()


def scan_headings(text: str, lines: list[str] | None = None) -> list[Heading] | None:
    """The headings of a plain document, found without markdown-it; None when unsure.

    Plain means: no tabs, CR or NUL, no HTML blocks, block quotes or link reference
    definitions, and lists without headings, fences or indented code inside their items.
    That covers the written deliverables learners hand in; anything else is parsed by
    markdown-it. A differential test checks both agree wherever this scanner answers."""
    if "\t" in text or "\r" in text or "\0" in text or ("]:" in text and _REFDEF.search(text)):
        return None
    try:
        return _scan(text.split("\n") if lines is None else lines)
    except _Decline:
        return None


def _scan(lines: list[str]) -> list[Heading]:
    """The headings of ``lines``: a line-by-line state machine (an open fenced block, an open
    paragraph that a setext underline may turn into a heading, a list) that declines (raises
    ``_Decline``) whatever it can't be sure of, for markdown-it to read instead."""
    headings: list[Heading] = []
    para = None  # first line of the open top-level paragraph
    fence = None  # (marker character, length) of the open fenced code block
    in_list = blank_seen = False  # inside a list (where lazy lines and items blur)
    for i, line in enumerate(lines):
        if fence is not None:
            m = _FENCE.match(line)
            if m and not m.group(3).strip(" ") and m.group(2)[0] == fence[0] and len(m.group(2)) >= fence[1]:
                fence = None
            continue
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if not body:
            para, blank_seen = None, True
            continue
        if (in_list and indent >= 4) or (body[0] in "<>" and (in_list or indent < 4)):
            raise _Decline
        if indent >= 4:
            blank_seen = False
            continue  # continues the paragraph, or is indented code
        fm = _FENCE.match(line)
        if fm and not (fm.group(2)[0] == "`" and "`" in fm.group(3)):
            if indent and in_list:
                raise _Decline
            fence, para, in_list, blank_seen = (fm.group(2)[0], len(fm.group(2))), None, False, False
            continue
        atx = _atx(line)
        if atx:
            headings.append((atx[0], atx[1], i, i + 1))
            para, blank_seen = None, False
            in_list = in_list and indent > 0
            continue
        setext = _SETEXT.match(line)
        thematic = _BREAK.match(line)
        item = None if thematic else _ITEM.match(line)
        if in_list:
            if thematic and blank_seen and indent == 0:
                in_list = False
            elif thematic or setext:
                raise _Decline
            elif item:
                _check_item(item)
            elif blank_seen and indent == 0:
                in_list, para = False, i
            blank_seen = False
            continue
        blank_seen = False
        if para is not None and setext:
            level = 1 if setext.group(1)[0] == "=" else 2
            headings.append((level, "\n".join(lines[para:i]).strip(), para, i + 1))
            para = None
        elif thematic:
            para = None
        elif item:
            empty = not line[item.end():].strip(" ")
            if para is not None and (empty or (item.group(2) and int(item.group(2)) != 1)):
                raise _Decline  # may be paragraph text rather than a list: rare, left to markdown-it
            _check_item(item)
            in_list, para = True, None
        elif para is None:
            para = i
    return headings


def _check_item(item: re.Match) -> None:
    """A list item whose content could hold a heading, a fence, a quote, a nested list or
    indented code is left to markdown-it."""
    rest = item.string[item.end():]
    if not rest.strip(" "):
        return
    if len(item.group(3)) >= 5 or rest[0] in "#<>" or _FENCE.match(rest) or _ITEM.match(rest) or _BREAK.match(rest):
        raise _Decline
