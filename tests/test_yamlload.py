"""The bounded, line-keeping YAML loader."""

from __future__ import annotations

import pytest

from grader.yamlload import YamlError, load, load_all


def test_lines_and_on_key():
    doc = load("name: x\non:\n  push:\n    branches: [main]\njobs: {}\n")
    assert "on" in doc and True not in doc
    assert doc.line_of("on") == 2
    assert doc["on"].line_of("push") == 3


def test_scalars():
    doc = load("a: 1\nb: 1.5\nc: yes\nd: ~\ne: '1'\nf: 0x10\ng: hello\nh: 2026-01-01\n")
    assert doc == {"a": 1, "b": 1.5, "c": True, "d": None, "e": "1", "f": 16, "g": "hello", "h": "2026-01-01"}


def test_multi_documents_and_merge_keys():
    docs = load_all("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n---\n- 1\n")
    assert docs[0]["other"] == {"x": 1, "y": 3}
    assert docs[1] == [1]


@pytest.mark.parametrize("text,needle", [
    ("a: 1\na: 2\n", "duplicate key"),
    ("a:\n\t- b\n", "line 2"),
    ("a: [1, 2\n", "line"),
    ("a: *nope\n", "alias"),
    ("x: " + "[" * 300 + "]" * 300, "nested"),
])
def test_errors(text, needle):
    with pytest.raises(YamlError) as info:
        load_all(text)
    assert needle in str(info.value)


def test_billion_laughs_is_refused_quickly():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    prev = "a"
    for name in "bcdefghij":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
        prev = name
    with pytest.raises(YamlError) as info:
        load_all("\n".join(lines))
    assert "nodes" in str(info.value)


def test_unknown_tags_are_kept_as_text():
    doc = load("script: !reference [.setup, script]\nkey: !Ref Name\n")
    assert doc["script"] == [".setup", "script"] and doc["key"] == "Name"


def test_plain_scalars_read_as_numbers_only_when_they_look_like_numbers():
    """A plain scalar is tried as a number only when it starts as one can (sign, dot, digit):
    the three number patterns can match nothing else, and words skip them."""
    from grader import yamlload

    doc = load("a: 12\nb: -3\nc: +4\nd: .5\ne: 1_000\nf: 0x1F\ng: 0o17\nh: 1e3\ni: -.5e-2\nj: .inf\n"
               "k: v1\nl: x12\nm: '12'\nn: 1.2.3\no: -x\np: +x\nq: 12 apples\nr: ٣\n")
    assert doc == {"a": 12, "b": -3, "c": 4, "d": 0.5, "e": 1000, "f": 31, "g": 15, "h": 1000.0, "i": -0.005,
                   "j": ".inf", "k": "v1", "l": "x12", "m": "12", "n": "1.2.3", "o": "-x", "p": "+x",
                   "q": "12 apples", "r": "٣"}
    numeric = (yamlload._INT, yamlload._INT_OTHER, yamlload._FLOAT)
    for text in ("x1", "٣", "١٢", " 1", "\t1", "e5", "_1", "v1.2", "\n1", "１２"):
        assert text[0] not in yamlload._NUMBER_START
        assert not any(p.match(text) for p in numeric), text
