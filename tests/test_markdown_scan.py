"""The quick heading scanner must agree with markdown-it wherever it answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.evidence import markdown as md
from grader.evidence import mdscan

ROOT = Path(__file__).resolve().parent.parent

LINES = [
    "", " ", "# Title", "## Plan ##", "###", "# #", "#no", "####### seven", "   # three spaces",
    "    # code", "#  spaced  #  ", "# a # b", "text", "more text", "  indented text", "===", "---",
    "-", "--", "- - -", "***", "___", " ***", "= x", "- item", "* item", "+ item", "1. one",
    "2. two", "1) one", "10. ten", "-    four", "-     five", "  - nested", "   - deep",
    "- # head", "- ```", "- > q", "- **Plan**: do it", "- `code` here", "1.", "*",
    "```", "```python", "~~~", "````", "``` `x`", "  ```", "    ```", "> quote", "<div>",
    "[label]", "[your answer]", "[a]: /url", "**Label**: value", "x ====", "Setext", "====  ",
    "--- ", "  ---", "    ---", "\\# escaped",
]


def reference(text: str):
    return md.markdown_it_headings(text)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=12), st.booleans())
def test_scanner_agrees_with_markdown_it(lines, trailing_newline):
    text = "\n".join(lines) + ("\n" if trailing_newline else "")
    fast = mdscan.scan_headings(text)
    if fast is not None:
        assert fast == reference(text), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" #-=*_`~>1.)\nab\x0c\x0b\u00a0\u2028<[]:", max_size=60))
def test_scanner_agrees_on_arbitrary_text(text):
    fast = mdscan.scan_headings(text)
    if fast is not None:
        assert fast == reference(text), text


def markdown_files():
    files = sorted(ROOT.glob("sample_submissions/src/**/*.md")) + sorted(ROOT.glob("*.md"))
    files += sorted((ROOT.parent / "shared").glob("**/*.md"))
    return files


def test_scanner_agrees_on_real_documents_and_answers_for_the_samples():
    answered = 0
    for path in markdown_files():
        text = path.read_text(encoding="utf-8")
        fast = mdscan.scan_headings(text)
        if fast is not None:
            answered += 1
            assert fast == reference(text), path
    samples = [p for p in markdown_files() if "sample_submissions" in str(p)]
    assert samples and all(mdscan.scan_headings(p.read_text(encoding="utf-8")) is not None for p in samples)
    assert answered >= len(samples)


@pytest.mark.parametrize("text", [
    "````\n```\n# inside\n````\n# after",
    "~~~\n```\n# inside\n~~~\n# after",
    "```\n# never closed",
    "``` x`y\n# after a non-fence",
    "Title\nsecond line\n===\n",
    "  Title  \n   ---",
    "# One #\n## Two ##   \n### Three \\#",
    "- a\n- b\n\n---\n# c\nSetext\n---",
    "- a\nlazy\n# c",
    "1. a\n2. b\n\nText\n===",
    "    code\nText\n---",
])
def test_scanner_answers_and_agrees(text):
    fast = mdscan.scan_headings(text)
    assert fast is not None and fast == reference(text)


@pytest.mark.parametrize("text", [
    "<div>\n# x\n</div>",  # an HTML block
    "> # quoted",
    "a\tb\n# x",
    "- # in a list",
    "- a\n\n      code",
    "[a]: /url\n===",
    "x\r\n# y",
])
def test_scanner_leaves_other_constructs_to_markdown_it(text):
    assert mdscan.scan_headings(text) is None
    md.parse(text)  # still parsed, by markdown-it


def test_parse_gives_the_same_tree_either_way(monkeypatch):
    text = "intro\n# One\nbody\n## Two\nSetext\n---\nend\n```\n# not a heading\n```\n"
    fast = md.parse(text)
    monkeypatch.setattr(md, "scan_headings", lambda *_args: None)
    slow = md.parse(text)
    assert [(s.level, s.title, s.line, s.body) for s in fast.walk()] == \
        [(s.level, s.title, s.line, s.body) for s in slow.walk()]
    assert [s.title for s in fast.walk()] == ["", "One", "Two", "Setext"]
