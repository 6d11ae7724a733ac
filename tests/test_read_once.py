"""Each file is read at most once per run and parsed at most once; only files a detector can
use are parsed (issue 6). Counted on the bundled samples, through the real grading code."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import SAMPLES
from grader import rubric, yamlload
from grader.evidence import markdown
from grader.scoring import grade
from grader.sources import opened
from grader.submission import Submission

YAML_SUFFIXES = (".yml", ".yaml")


@pytest.mark.parametrize("sample", ["complete", "half-done", "starter"])
def test_files_are_read_and_parsed_at_most_once(sample, monkeypatch):
    reads: Counter = Counter()
    yaml_parses: Counter = Counter()
    md_parses: Counter = Counter()
    texts: dict[str, str] = {}

    real_read = Submission.read_bytes

    def counting_read(self, rel, limit=None):
        reads[rel] += 1
        data = real_read(self, rel, limit)
        if data is not None:
            texts[rel] = data.decode("utf-8", "replace").replace("\r\n", "\n").lstrip("\ufeff")
        return data

    real_load, real_md = yamlload.load_all, markdown.parse

    def counting_load(text, **kwargs):
        yaml_parses[text] += 1
        return real_load(text, **kwargs)

    def counting_md(text):
        md_parses[text] += 1
        return real_md(text)

    monkeypatch.setattr(Submission, "read_bytes", counting_read)
    monkeypatch.setattr(yamlload, "load_all", counting_load)
    monkeypatch.setattr(markdown, "parse", counting_md)
    loaded = rubric.load("exercise-4.1")
    with opened(str(SAMPLES / f"{sample}.bundle")) as source:
        folder = source.folder
        grade(folder, loaded, threshold=None, display_path=sample, git_root=source.git_root, tree=source.tree)

    assert reads, "nothing was read"
    assert max(reads.values()) == 1, [rel for rel, n in reads.items() if n > 1]
    by_text = {text: rel for rel, text in texts.items() if text.strip()}
    parsed_files = {by_text[t]: n for t, n in yaml_parses.items() if t in by_text}
    assert parsed_files or sample == "starter"  # the untouched template has no YAML
    assert not parsed_files or max(parsed_files.values()) == 1
    # only YAML files go through the YAML parser (Markdown, code and JSON never do)
    assert all(rel.endswith(YAML_SUFFIXES) or rel.endswith("values.yaml") for rel in parsed_files), parsed_files
    md_files = {by_text[t]: n for t, n in md_parses.items() if t in by_text}
    assert not md_files or max(md_files.values()) == 1
    assert all(rel.lower().endswith((".md", ".markdown")) for rel in md_files), md_files
    # source files are read only by the detectors that look inside code, never parsed as YAML
    assert not any(rel.endswith((".py", ".js")) for rel in parsed_files)
